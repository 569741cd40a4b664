//! Carrying out the plan in a step: each battery group's planned charge or discharge split among
//! its members by headroom (within their connections; overloaded nodes discharge first), and the
//! real-time p-MAS correction.

use super::super::pmas::{correct_step, StepLevers};
use super::super::MemberStep;
use super::CloudSim;
use crate::community::Battery;

impl CloudSim<'_> {
    /// Real-time p-MAS: the coordinated agents hold the step's import to the peak level and
    /// the reverse flow to the rating, whatever the forecast got wrong.
    pub(super) fn correct(
        &mut self,
        t: usize,
        planned: bool,
        who: &[usize],
        deferrable: &mut [f64],
        h: f64,
        out: &mut [MemberStep],
    ) {
        let rating = self.settings.peak.rating_kw;
        let level = self.import_level_kw();
        if !planned || who.is_empty() || !(level.is_finite() || rating.is_finite()) {
            return;
        }
        let mut deferred = vec![0.0; self.members.len()];
        // Staggered restoration: within three hours of an outage's end the batteries have
        // served the island and may be empty; load over the level reconnects a step later.
        let recovery = (3.0 / h).ceil() as usize;
        let restoring = (t.saturating_sub(recovery)..t)
            .any(|s| !self.grid_available.get(s).copied().unwrap_or(true));
        let changed = correct_step(
            who,
            &self.shares_kw,
            level,
            rating,
            h,
            &mut self.batteries,
            &self.connections_kw,
            StepLevers {
                deferrable_kwh: deferrable,
                deferred_kwh: &mut deferred,
                restoring,
            },
            out,
        );
        if changed {
            self.stats.corrected_steps += 1;
            for (left, d) in self.flex_left.iter_mut().zip(&deferred) {
                *left += d;
            }
        }
    }

    /// Coordinated batteries follow the active plan, split within each group by headroom.
    /// Returns which members' batteries were dispatched.
    pub(super) fn dispatch_plan(
        &mut self,
        plan_index: Option<usize>,
        coordinated: &[bool],
        h: f64,
        out: &mut [MemberStep],
    ) -> Vec<bool> {
        let mut done = vec![false; self.members.len()];
        let (Some(i), Some(active)) = (plan_index, &self.active) else {
            return done;
        };
        let orders: Vec<(Vec<usize>, f64, f64)> = active
            .groups
            .iter()
            .enumerate()
            .map(|(g, group)| {
                let group: Vec<usize> = group.iter().copied().filter(|&k| coordinated[k]).collect();
                let charge = active.plan.charge_kwh.get(g).map_or(0.0, |c| c[i]) / h;
                let discharge = active.plan.discharge_kwh.get(g).map_or(0.0, |d| d[i]) / h;
                (group, charge, discharge)
            })
            .collect();
        for (group, charge, discharge) in orders {
            let short_kw = self.dispatch_group(&group, charge, discharge, h, out);
            if charge > 0.0 {
                self.stats.dropped_charge_kwh += short_kw * h;
            }
            for k in group {
                done[k] = true;
            }
        }
        done
    }

    /// Split a group's planned charge or discharge (kW) among its members by headroom.
    fn dispatch_group(
        &mut self,
        group: &[usize],
        charge_kw: f64,
        discharge_kw: f64,
        h: f64,
        out: &mut [MemberStep],
    ) -> f64 {
        let mut want = if charge_kw > 0.0 {
            charge_kw
        } else {
            discharge_kw
        };
        let charging = charge_kw > 0.0;
        // How far each node's own import is below its connection (charging may use it), and how
        // far it is above the overloaded share of its transformer share (p-MAS: such nodes'
        // batteries discharge first).
        let margin: Vec<f64> = (0..self.members.len())
            .map(|k| self.connections_kw[k] - (out[k].load_kw - out[k].pv_kw))
            .collect();
        let overload_kw = self.settings.peak.class_thresholds[2];
        let over: Vec<f64> = (0..self.members.len())
            .map(|k| (out[k].load_kw - out[k].pv_kw) - overload_kw * self.shares_kw[k])
            .collect();
        // Each member's most power this step; charging never exceeds its connection.
        let limit = |k: usize, b: &Battery, soc: f64| {
            if charging {
                b.power_kw
                    .min(
                        (b.soc_max_frac * b.capacity_kwh - soc).max(0.0)
                            / (b.charge_efficiency * h),
                    )
                    .min(margin[k].max(0.0))
            } else {
                b.power_kw.min(
                    (soc - b.soc_min_frac * b.capacity_kwh).max(0.0) * b.discharge_efficiency / h,
                )
            }
        };
        let mut given = vec![0.0; self.members.len()];
        if !charging {
            // Overloaded nodes' own batteries go first, up to their excess.
            for &k in group {
                if let Some((b, soc)) = self.batteries[k] {
                    if over[k] > 0.0 && want > 0.0 {
                        let take = over[k].min(limit(k, &b, soc)).min(want);
                        given[k] = take;
                        want -= take;
                    }
                }
            }
        }
        let mut open: Vec<usize> = group.to_vec();
        for _ in 0..group.len().max(1) {
            if want <= 1e-12 || open.is_empty() {
                break;
            }
            let weight: f64 = open
                .iter()
                .filter_map(|&k| self.batteries[k].map(|(b, soc)| limit(k, &b, soc) - given[k]))
                .sum();
            if weight <= 1e-12 {
                break;
            }
            let mut next = Vec::new();
            let mut used = 0.0;
            for &k in &open {
                if let Some((b, soc)) = self.batteries[k] {
                    let room = limit(k, &b, soc) - given[k];
                    let share = (want * room / weight).min(room);
                    given[k] += share;
                    used += share;
                    if room - share > 1e-12 {
                        next.push(k);
                    }
                }
            }
            want -= used;
            open = next;
        }
        for &k in group {
            if let Some((b, soc)) = &mut self.batteries[k] {
                if charging {
                    out[k].charge_kw = given[k];
                    *soc += given[k] * b.charge_efficiency * h;
                } else {
                    out[k].discharge_kw = given[k];
                    *soc -= given[k] / b.discharge_efficiency * h;
                }
                // The limits above keep the SOC in range; no silent clamp hides a flow that
                // does not add up (SOC continuity is tested for every member and step).
                debug_assert!(
                    *soc >= b.soc_min_frac * b.capacity_kwh - 1e-9 * b.capacity_kwh.max(1.0)
                        && *soc <= b.soc_max_frac * b.capacity_kwh + 1e-9 * b.capacity_kwh.max(1.0),
                    "member {k}: SOC {soc} outside its limits"
                );
            }
        }
        want.max(0.0)
    }
}
