//! The cost of a flatter peak: with perfect foresight (weekly exact optima, the benchmark V_max
//! uses), what the participants' one-meter cost is when their import is held under a cap — from
//! the energy optimum's own peak down to half of it — with the scenario's own level (the lower
//! of the transformer's rating and no sharing's peak: do no harm) marked, and the peak's shadow
//! price there (₹ per kW of peak, a year of the run). Outages are left out (the grid is up).

use serde::{Deserialize, Serialize};

use super::source::Source;
use super::{transformer_kva, windows, RunOptions};
use crate::community::Battery;
use crate::coordinator::{
    exact_penalty_per_kwh, optimise_whole_horizon, PeakPenalty, WholeHorizon,
};
use crate::market::GridPrices;
use crate::scenario::{Scenario, ScenarioError};

/// Caps of the frontier as shares of the energy optimum's peak (plus 90% of the scenario's own
/// level when none is below it).
pub const FRONTIER_CAP_SHARES: [f64; 6] = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5];

/// One point of the frontier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrontierPoint {
    /// The import cap, kW (None: the energy optimum, no cap).
    pub cap_kw: Option<f64>,
    /// The participants' one-meter cost (grid bill + battery wear), ₹.
    pub community_cost: f64,
    /// The peak import reached, kW (above the cap only where the cap cannot be held).
    pub peak_import_kw: f64,
    /// Hours above the transformer's rating.
    pub hours_over_rating: f64,
    /// This is the scenario's own level.
    pub chosen: bool,
}

/// The frontier of one scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PeakFrontier {
    /// The transformer, kVA.
    pub transformer_kva: f64,
    /// Its real-power rating, kW.
    pub rating_kw: f64,
    /// The scenario's own level: the rating, or with do-no-harm the lower of it and no
    /// sharing's peak (an explicit `import_cap_kw` wins), kW.
    pub chosen_cap_kw: f64,
    /// Points by descending cap (the energy optimum first).
    pub points: Vec<FrontierPoint>,
    /// What one more kW off the peak costs at the chosen point, ₹ per kW: the slope to the next
    /// lower point (None at the lowest).
    pub shadow_price_per_kw: Option<f64>,
}

/// One week's participants as one meter.
struct Week {
    base: Vec<f64>,
    flex: Vec<f64>,
    prices: Vec<GridPrices>,
}

/// Perfect-foresight optima of every week at `cap` (None = uncapped) as a frontier point: cost
/// without the penalty, peak kW, hours over `rating_kw` (not the chosen one).
fn at_cap(
    weeks: &[Week],
    batteries: &[Battery],
    scenario: &Scenario,
    wear: f64,
    cap: Option<f64>,
    rating_kw: f64,
) -> FrontierPoint {
    let axis = scenario.axis;
    let hours = axis.step_hours();
    let (mut cost, mut peak, mut over) = (0.0, 0.0_f64, 0.0);
    for w in weeks {
        let max_buy = w.prices.iter().map(|p| p.buy_per_kwh).fold(0.0, f64::max);
        let penalty = exact_penalty_per_kwh(max_buy, wear);
        let limit = cap.map(|c| PeakPenalty {
            limit_kwh: c * hours,
            penalty_per_kwh: penalty,
        });
        let best = optimise_whole_horizon(&WholeHorizon {
            base_kwh: &w.base,
            flex_kwh: &w.flex,
            steps_per_day: axis.steps_per_day.max(1) as usize,
            step_hours: hours,
            prices: &w.prices,
            peak: limit,
            demand_charge_per_kw: 0.0,
            wear_per_kwh: wear,
            flex_power_multiple: scenario.settings.coordinator.flex_power_multiple,
            batteries,
        });
        let excess: f64 = limit.map_or(0.0, |l| {
            best.net_kwh
                .iter()
                .map(|y| (y - l.limit_kwh).max(0.0))
                .sum()
        });
        cost += best.cost - penalty * excess;
        for y in &best.net_kwh {
            let kw = y / hours;
            peak = peak.max(kw);
            if kw.abs() > rating_kw + 1e-9 {
                over += hours;
            }
        }
    }
    FrontierPoint {
        cap_kw: cap,
        community_cost: cost,
        peak_import_kw: peak,
        hours_over_rating: over,
        chosen: false,
    }
}

/// The frontier of `scenario` (its participants, its transformer). `progress` gets the share
/// done.
pub fn peak_frontier(
    scenario: &Scenario,
    progress: &mut dyn FnMut(f64),
) -> Result<PeakFrontier, ScenarioError> {
    let kva = transformer_kva(scenario)?;
    let peak = &scenario.settings.peak;
    let rating_kw = peak.rating_kw(kva);
    let prices = scenario.tariff.prices(&scenario.axis)?;
    let source = Source::of(scenario)?;
    let hours = scenario.axis.step_hours();
    let spd = scenario.axis.steps_per_day.max(1) as usize;
    let mut weeks = Vec::new();
    let mut batteries: Vec<Battery> = Vec::new();
    for window in windows(scenario, &source, RunOptions::SETTLE_ONLY) {
        let community = source.window(scenario, window.w0, window.w1)?;
        if batteries.is_empty() {
            batteries = community
                .members
                .iter()
                .filter(|m| m.participates)
                .filter_map(|m| m.battery)
                .collect();
        }
        let mut start = window.chunk.start;
        while start < window.chunk.end {
            let end = (start + 7 * spd).min(window.chunk.end);
            let mut week = Week {
                base: vec![0.0; end - start],
                flex: vec![0.0; end - start],
                prices: prices[start..end].to_vec(),
            };
            for m in community.members.iter().filter(|m| m.participates) {
                for (i, t) in (start..end).enumerate() {
                    let lt = t - window.w0;
                    let pv = m.pv_kw.get(lt).copied().unwrap_or(0.0);
                    week.base[i] += ((1.0 - m.flexible_share) * m.load_kw[lt] - pv) * hours;
                    week.flex[i] += m.flexible_share * m.load_kw[lt] * hours;
                }
            }
            weeks.push(week);
            start = end;
        }
    }
    let wear = scenario
        .settings
        .battery_wear
        .per_kwh_throughput(batteries.iter().copied());
    let runs = FRONTIER_CAP_SHARES.len() + 2;
    let point = |cap: Option<f64>| at_cap(&weeks, &batteries, scenario, wear, cap, rating_kw);
    let free = point(None);
    let free_peak = free.peak_import_kw;
    progress(1.0 / runs as f64);
    let mut points = vec![free];
    for (i, share) in FRONTIER_CAP_SHARES.iter().enumerate().skip(1) {
        points.push(point(Some(share * free_peak)));
        progress((i + 1) as f64 / runs as f64);
    }
    let no_sharing_peak =
        super::run_with_options(scenario, RunOptions::SETTLE_ONLY, &mut |_| {}, None)?
            .models
            .first()
            .map_or(f64::INFINITY, |m| m.peaks.peak_import_kw);
    let chosen_cap = match peak.import_cap_kw {
        Some(c) => c,
        None if peak.do_no_harm => rating_kw.min(no_sharing_peak),
        None => rating_kw,
    };
    if !points
        .iter()
        .any(|q| q.cap_kw.is_some_and(|c| c < chosen_cap - 1e-3))
    {
        // A point below the chosen level, so that its shadow price exists.
        points.push(point(Some(0.9 * chosen_cap)));
    }
    let chosen = FrontierPoint {
        chosen: true,
        ..point(Some(chosen_cap))
    };
    // The slope to the next lower cap: what the last kW of cap costs.
    let cap_of = |q: &FrontierPoint| q.cap_kw.unwrap_or(f64::INFINITY);
    let shadow_price_per_kw = points
        .iter()
        .filter(|q| cap_of(q) < chosen_cap - 1e-3)
        .max_by(|a, b| cap_of(a).total_cmp(&cap_of(b)))
        .map(|lower| (lower.community_cost - chosen.community_cost) / (chosen_cap - cap_of(lower)));
    points.push(chosen);
    points.sort_by(|a, b| cap_of(b).total_cmp(&cap_of(a)));
    progress(1.0);
    Ok(PeakFrontier {
        transformer_kva: kva,
        rating_kw,
        chosen_cap_kw: chosen_cap,
        points,
        shadow_price_per_kw,
    })
}
