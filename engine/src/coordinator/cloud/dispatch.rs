//! Carrying out the plan in a step: each battery group's planned charge or discharge split among
//! its members by headroom (within their connections; overloaded nodes discharge first), and the
//! real-time p-MAS correction.

use super::super::pmas::{correct_step, StepLevers};
use super::super::MemberStep;
use super::{refill, CloudSim, StepScratch};
use crate::community::Battery;

impl CloudSim<'_> {
    /// Real-time p-MAS: the coordinated agents hold the step's import to the peak level and
    /// the reverse flow to the rating, whatever the forecast got wrong.
    pub(super) fn correct(
        &mut self,
        t: usize,
        planned: bool,
        scratch: &mut StepScratch,
        h: f64,
        out: &mut [MemberStep],
    ) {
        let rating = self.settings.peak.rating_kw;
        let level = self.import_level_kw();
        if !planned || scratch.who.is_empty() || !(level.is_finite() || rating.is_finite()) {
            return;
        }
        refill(&mut scratch.deferred_kwh, self.members.len(), 0.0);
        // Staggered restoration: within three hours of an outage's end the batteries have
        // served the island and may be empty; load over the level reconnects a step later.
        let recovery = (3.0 / h).ceil() as usize;
        let restoring = (t.saturating_sub(recovery)..t)
            .any(|s| !self.grid_available.get(s).copied().unwrap_or(true));
        let changed = correct_step(
            &scratch.who,
            &self.shares_kw,
            level,
            rating,
            h,
            &mut self.batteries,
            &self.connections_kw,
            StepLevers {
                deferrable_kwh: &mut scratch.deferrable_kwh,
                deferred_kwh: &mut scratch.deferred_kwh,
                restoring,
            },
            out,
        );
        if changed {
            self.stats.corrected_steps += 1;
            for (left, d) in self.flex_left.iter_mut().zip(&scratch.deferred_kwh) {
                *left += d;
            }
        }
    }

    /// Coordinated batteries follow the active plan, split within each group by headroom;
    /// `scratch.dispatched` says whose batteries were.
    pub(super) fn dispatch_plan(
        &mut self,
        plan_index: Option<usize>,
        scratch: &mut StepScratch,
        h: f64,
        out: &mut [MemberStep],
    ) {
        refill(&mut scratch.dispatched, self.members.len(), false);
        let Some(i) = plan_index else {
            return;
        };
        let Some(active) = self.active.take() else {
            return;
        };
        for (g, group) in active.groups.iter().enumerate() {
            scratch.group.clear();
            scratch
                .group
                .extend(group.iter().copied().filter(|&k| scratch.coordinated[k]));
            let charge = active.plan.charge_kwh.get(g).map_or(0.0, |c| c[i]) / h;
            let discharge = active.plan.discharge_kwh.get(g).map_or(0.0, |d| d[i]) / h;
            let short_kw = self.dispatch_group(scratch, charge, discharge, h, out);
            if charge > 0.0 {
                self.stats.dropped_charge_kwh += short_kw * h;
            }
            for &k in &scratch.group {
                scratch.dispatched[k] = true;
            }
        }
        self.active = Some(active);
    }

    /// Split a group's planned charge or discharge (kW) among `scratch.group`'s members by headroom.
    fn dispatch_group(
        &mut self,
        scratch: &mut StepScratch,
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
        let connections_kw = &self.connections_kw;
        // How far a node's own import is below its connection (charging may use it), and how
        // far it is above the overloaded share of its transformer share (p-MAS: such nodes'
        // batteries discharge first).
        let margin_kw = |k: usize| connections_kw[k] - (out[k].load_kw - out[k].pv_kw);
        let overload_kw = self.settings.peak.class_thresholds[2];
        let over_kw = |k: usize| (out[k].load_kw - out[k].pv_kw) - overload_kw * self.shares_kw[k];
        // Each member's most power this step; charging never exceeds its connection.
        let limit = |k: usize, b: &Battery, soc: f64| {
            if charging {
                b.power_kw
                    .min(
                        (b.soc_max_frac * b.capacity_kwh - soc).max(0.0)
                            / (b.charge_efficiency * h),
                    )
                    .min(margin_kw(k).max(0.0))
            } else {
                b.power_kw.min(
                    (soc - b.soc_min_frac * b.capacity_kwh).max(0.0) * b.discharge_efficiency / h,
                )
            }
        };
        let group = &scratch.group;
        let given = &mut scratch.given_kw;
        refill(given, group.len(), 0.0);
        if !charging {
            // Overloaded nodes' own batteries go first, up to their excess.
            for (p, &k) in group.iter().enumerate() {
                if let Some((b, soc)) = self.batteries[k] {
                    let over = over_kw(k);
                    if over > 0.0 && want > 0.0 {
                        let take = over.min(limit(k, &b, soc)).min(want);
                        given[p] = take;
                        want -= take;
                    }
                }
            }
        }
        let (open, next) = (&mut scratch.open, &mut scratch.next);
        open.clear();
        open.extend(0..group.len());
        for _ in 0..group.len().max(1) {
            if want <= 1e-12 || open.is_empty() {
                break;
            }
            let weight: f64 = open
                .iter()
                .filter_map(|&p| {
                    let k = group[p];
                    self.batteries[k].map(|(b, soc)| limit(k, &b, soc) - given[p])
                })
                .sum();
            if weight <= 1e-12 {
                break;
            }
            next.clear();
            let mut used = 0.0;
            for &p in open.iter() {
                let k = group[p];
                if let Some((b, soc)) = self.batteries[k] {
                    let room = limit(k, &b, soc) - given[p];
                    let share = (want * room / weight).min(room);
                    given[p] += share;
                    used += share;
                    if room - share > 1e-12 {
                        next.push(p);
                    }
                }
            }
            want -= used;
            std::mem::swap(open, next);
        }
        for (p, &k) in group.iter().enumerate() {
            if let Some((b, soc)) = &mut self.batteries[k] {
                if charging {
                    out[k].charge_kw = given[p];
                    *soc += given[p] * b.charge_efficiency * h;
                } else {
                    out[k].discharge_kw = given[p];
                    *soc -= given[p] / b.discharge_efficiency * h;
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
