//! p-MAS, our electrical reading of the study's peak coordination: the asset it protects is the
//! community's distribution transformer. The planner prices the exchange above the
//! transformer's rating (and, by default, above the highest import the homes reached alone: "do
//! no harm") with an exact penalty; in real time each step's agents correct what the forecast got
//! wrong, in the reference model's order — overloaded nodes defer their flexible load, then
//! charging stops, then storage discharges (the overloaded nodes' own first, then neighbours').

use serde::{Deserialize, Serialize};

use super::shaping::{PeakPenalty, Shaping, Valley, VALLEY_PIECES};
use super::{LoadClass, MemberStep};
use crate::community::Battery;

/// Valley-filling slope per piece, ₹/kWh: four pieces add at most ₹0.02/kWh at the rating,
/// far below any price difference, so it only breaks ties.
pub const VALLEY_SLOPE_PER_KWH: f64 = 0.005;

/// How the coordinator treats the community's peak (derived from the scenario at run time).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PeakControl {
    /// The transformer's real-power rating, kW (kVA × power factor; ∞ = no transformer).
    pub rating_kw: f64,
    /// Keep the community's import at or below the highest the homes reached alone so far.
    pub do_no_harm: bool,
    /// Break cost ties toward a flat exchange.
    pub valley_filling: bool,
    /// The exchange the valley-filling pieces span, kW (the transformer's rating).
    pub valley_scale_kw: f64,
    /// An explicit import cap, kW (the cost-vs-peak frontier; overrides do-no-harm).
    pub import_cap_kw: Option<f64>,
    /// Demand charge, ₹ per kW of the month's highest import (0 = none): the planner searches
    /// the cap that minimises energy cost + demand charge.
    pub demand_charge_per_kw: f64,
    /// Load-ratio thresholds of the p-MAS classes (lightly, normally, overloaded, severely).
    pub class_thresholds: [f64; 4],
}

impl Default for PeakControl {
    fn default() -> Self {
        Self {
            rating_kw: f64::INFINITY,
            do_no_harm: false,
            valley_filling: false,
            valley_scale_kw: f64::INFINITY,
            import_cap_kw: None,
            demand_charge_per_kw: 0.0,
            class_thresholds: LoadClass::THRESHOLDS,
        }
    }
}

impl PeakControl {
    /// The import level the plan and the agents hold to, kW, given the highest import the
    /// homes reached alone so far (`homes_peak_kw`).
    pub fn import_level_kw(&self, homes_peak_kw: f64) -> f64 {
        if let Some(cap) = self.import_cap_kw {
            return cap;
        }
        if self.do_no_harm && homes_peak_kw > 0.0 {
            self.rating_kw.min(homes_peak_kw)
        } else {
            self.rating_kw
        }
    }

    /// The optimiser's exchange terms for steps of `hours`, with an import level of `level_kw`
    /// and an exact penalty of `penalty_per_kwh`.
    pub fn shaping(&self, level_kw: f64, hours: f64, penalty_per_kwh: f64) -> Shaping {
        let cap = |kw: f64| {
            kw.is_finite().then_some(PeakPenalty {
                limit_kwh: kw * hours,
                penalty_per_kwh,
            })
        };
        let scale = if self.valley_scale_kw.is_finite() {
            self.valley_scale_kw
        } else {
            level_kw
        };
        let valley = (self.valley_filling && scale.is_finite() && scale > 0.0).then(|| Valley {
            step_kwh: scale * hours / VALLEY_PIECES as f64,
            slope_per_kwh: VALLEY_SLOPE_PER_KWH,
        });
        Shaping::new(cap(level_kw), cap(self.rating_kw), valley)
    }
}

/// A penalty that no schedule can profit from breaking: more than any kWh is worth to the
/// window (the dearest import after a round trip through a battery, plus wear), ₹/kWh.
pub fn exact_penalty_per_kwh(max_buy_per_kwh: f64, wear_per_kwh: f64) -> f64 {
    4.0 * max_buy_per_kwh + 4.0 * wear_per_kwh + 10.0
}

/// Each member's share of the transformer, kW: the rating split by sanctioned load.
pub fn node_shares_kw(rating_kw: f64, connections_kw: &[f64]) -> Vec<f64> {
    let total: f64 = connections_kw.iter().sum();
    connections_kw
        .iter()
        .map(|c| {
            if total > 0.0 && rating_kw.is_finite() {
                rating_kw * c / total
            } else {
                *c
            }
        })
        .collect()
}

/// What the agents may change this step, per member.
pub(crate) struct StepLevers<'a> {
    /// Flexible energy run this step that could still wait (it fits later today), kWh.
    pub deferrable_kwh: &'a mut [f64],
    /// Flexible energy deferred by the correction (added back to what is left today), kWh.
    pub deferred_kwh: &'a mut [f64],
    /// The grid has just come back: load the other levers cannot keep under the level is
    /// picked up a step later (staggered restoration of cold load; counted as not served).
    pub restoring: bool,
}

/// Real-time p-MAS correction of one step: bring the coordinated members' import down to
/// `import_level_kw` and their export down to `export_level_kw` where the levers allow.
/// Returns whether anything changed. Batteries' states of charge move with every change.
#[allow(clippy::too_many_arguments)]
pub(crate) fn correct_step(
    who: &[usize],
    shares_kw: &[f64],
    import_level_kw: f64,
    export_level_kw: f64,
    hours: f64,
    batteries: &mut [Option<(Battery, f64)>],
    connections_kw: &[f64],
    levers: StepLevers<'_>,
    out: &mut [MemberStep],
) -> bool {
    let net = |out: &[MemberStep]| -> f64 { who.iter().map(|&k| out[k].net_kw).sum() };
    let refresh = |o: &mut MemberStep| {
        o.net_kw = o.load_kw - o.unserved_kw - o.pv_kw + o.charge_kw - o.discharge_kw;
    };
    let mut changed = false;
    if net(out) <= import_level_kw + 1e-9 && -net(out) <= export_level_kw + 1e-9 {
        return changed;
    }
    // Most loaded nodes (import over their transformer share) act first.
    let mut order: Vec<usize> = who.to_vec();
    let ratio = |k: usize, out: &[MemberStep]| out[k].net_kw / shares_kw[k].max(1e-9);
    order.sort_by(|&a, &b| ratio(b, out).total_cmp(&ratio(a, out)).then(a.cmp(&b)));
    let mut excess = net(out) - import_level_kw;
    if excess > 1e-9 {
        // 1. Overloaded nodes' flexible load waits.
        for &k in &order {
            if excess <= 1e-9 {
                break;
            }
            let defer = (levers.deferrable_kwh[k] / hours).min(excess);
            if defer > 0.0 {
                out[k].load_kw -= defer;
                levers.deferrable_kwh[k] -= defer * hours;
                levers.deferred_kwh[k] += defer * hours;
                excess -= defer;
                refresh(&mut out[k]);
                changed = true;
            }
        }
        // 2. Charging stops.
        for &k in &order {
            if excess <= 1e-9 {
                break;
            }
            if let Some((b, soc)) = &mut batteries[k] {
                let cut = out[k].charge_kw.min(excess);
                if cut > 0.0 {
                    out[k].charge_kw -= cut;
                    *soc -= cut * b.charge_efficiency * hours;
                    excess -= cut;
                    out[k].soc_kwh = *soc;
                    refresh(&mut out[k]);
                    changed = true;
                }
            }
        }
        // 3. Storage discharges: the overloaded nodes' own first, then neighbours'.
        for &k in &order {
            if excess <= 1e-9 {
                break;
            }
            if let Some((b, soc)) = &mut batteries[k] {
                if out[k].charge_kw > 0.0 {
                    continue;
                }
                let available = ((*soc - b.soc_min_frac * b.capacity_kwh).max(0.0)
                    * b.discharge_efficiency
                    / hours)
                    .min(b.power_kw - out[k].discharge_kw)
                    .max(0.0);
                let d = available.min(excess);
                if d > 0.0 {
                    out[k].discharge_kw += d;
                    *soc -= d / b.discharge_efficiency * hours;
                    excess -= d;
                    out[k].soc_kwh = *soc;
                    refresh(&mut out[k]);
                    changed = true;
                }
            }
        }
        // 4. On restoration only: the most loaded nodes reconnect a step later.
        if levers.restoring {
            for &k in &order {
                if excess <= 1e-9 {
                    break;
                }
                let o = &mut out[k];
                let shed = (o.net_kw.max(0.0))
                    .min(o.load_kw - o.unserved_kw)
                    .min(excess);
                if shed > 0.0 {
                    o.unserved_kw += shed;
                    excess -= shed;
                    refresh(o);
                    changed = true;
                }
            }
        }
    }
    // Reverse flow above the rating: storage soaks up the surplus.
    let mut surplus = -net(out) - export_level_kw;
    if surplus > 1e-9 {
        let mut by_export: Vec<usize> = who.to_vec();
        by_export.sort_by(|&a, &b| out[a].net_kw.total_cmp(&out[b].net_kw).then(a.cmp(&b)));
        for &k in &by_export {
            if surplus <= 1e-9 {
                break;
            }
            if let Some((b, soc)) = &mut batteries[k] {
                let less = out[k].discharge_kw.min(surplus);
                if less > 0.0 {
                    out[k].discharge_kw -= less;
                    *soc += less / b.discharge_efficiency * hours;
                    surplus -= less;
                }
                let room = ((b.soc_max_frac * b.capacity_kwh - *soc).max(0.0)
                    / (b.charge_efficiency * hours))
                    .min(b.power_kw - out[k].charge_kw)
                    .min(connections_kw[k] - (out[k].load_kw - out[k].pv_kw + out[k].charge_kw))
                    .max(0.0);
                let c = if out[k].discharge_kw > 0.0 {
                    0.0
                } else {
                    room.min(surplus)
                };
                if c > 0.0 || less > 0.0 {
                    out[k].charge_kw += c;
                    *soc += c * b.charge_efficiency * hours;
                    surplus -= c;
                    out[k].soc_kwh = *soc;
                    refresh(&mut out[k]);
                    changed = true;
                }
            }
        }
    }
    changed
}
