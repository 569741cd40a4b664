//! V_max of the performance measure: the best cost (bill and battery wear) the participants
//! could reach as one meter.

use crate::community::{Battery, Member};
use crate::coordinator::{optimise_whole_horizon, CoordinatorSettings, WholeHorizon};
use crate::scenario::Scenario;

/// The lowest one-meter bill the participants could reach with perfect foresight: weekly exact
/// optima chained with each week ending at the starting state of charge (V_max of PM). Members
/// who do not take part add their no-sharing bill.
pub(super) fn best_possible_bill(
    scenario: &Scenario,
    c: &CoordinatorSettings,
    members: &[Member],
    prices: &[crate::market::GridPrices],
    steps: std::ops::Range<usize>,
) -> f64 {
    let axis = scenario.axis;
    let hours = axis.step_hours();
    let spd = axis.steps_per_day.max(1) as usize;
    let week = 7 * spd;
    let batteries: Vec<Battery> = members
        .iter()
        .filter(|m| m.participates)
        .filter_map(|m| m.battery)
        .collect();
    let mut total = 0.0;
    let mut start = steps.start;
    while start < steps.end {
        let end = (start + week).min(steps.end);
        let mut base = vec![0.0; end - start];
        let mut flex = vec![0.0; end - start];
        for m in members {
            for (i, t) in (start..end).enumerate() {
                let pv = m.pv_kw.get(t).copied().unwrap_or(0.0);
                if m.participates {
                    base[i] += ((1.0 - m.flexible_share) * m.load_kw[t] - pv) * hours;
                    flex[i] += m.flexible_share * m.load_kw[t] * hours;
                } else {
                    let x = (m.load_kw[t] - pv) * hours;
                    total += if x > 0.0 {
                        prices[t].buy_per_kwh * x
                    } else {
                        prices[t].sell_per_kwh * x
                    };
                }
            }
        }
        let best = optimise_whole_horizon(&WholeHorizon {
            base_kwh: &base,
            flex_kwh: &flex,
            steps_per_day: spd,
            step_hours: hours,
            prices: &prices[start..end],
            peak: None,
            demand_charge_per_kw: 0.0,
            wear_per_kwh: c.wear_per_kwh,
            flex_power_multiple: c.flex_power_multiple,
            batteries: &batteries,
        });
        total += best.cost;
        start = end;
    }
    total
}
