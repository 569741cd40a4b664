//! The transformer a run is measured against: the scenario's, or the default size found by a
//! homes-alone pass; and the "stressed" preset, which keeps today's rating while the load grows.

use super::simulate::Simulation;
use super::source::Source;
use super::{peaks, windows, RunOptions};
use crate::scenario::{Scenario, ScenarioError};

/// The transformer `scenario` runs with, kVA: its own, or the default size (a homes-alone
/// pass finds no sharing's peak).
pub fn transformer_kva(scenario: &Scenario) -> Result<f64, ScenarioError> {
    if let Some(kva) = scenario.settings.transformer_kva {
        return Ok(kva);
    }
    scenario.validate()?;
    let prices = scenario.tariff.prices(&scenario.axis)?;
    let source = Source::of(scenario)?;
    Ok(transformer_rating(scenario, &source, &prices)?.kva)
}

/// The "stressed" preset: the transformer stays at today's rating while the load grows — a
/// generated community adds air-conditioners (15% of homes) and e-rickshaw charging (10%); an
/// uploaded one, whose load Gridshare cannot grow, gets the next smaller standard rating.
pub fn stressed(scenario: &Scenario) -> Result<Scenario, ScenarioError> {
    Ok(stressed_at(scenario, transformer_kva(scenario)?))
}

/// [`stressed`] when today's rating is already known (from a report), kVA: no homes-alone
/// pass, so the page can apply the preset without linking the run pipeline.
pub fn stressed_at(scenario: &Scenario, today_kva: f64) -> Scenario {
    let mut s = scenario.clone();
    match &mut s.community {
        crate::scenario::CommunitySource::Generated(spec) => {
            spec.growth = crate::community::STRESSED;
            s.settings.transformer_kva = Some(today_kva);
        }
        crate::scenario::CommunitySource::Custom { .. } => {
            s.settings.transformer_kva = Some(crate::transformer::smaller_kva(today_kva));
        }
    }
    s
}

/// The transformer the run is measured against: the scenario's, or the smallest standard rating
/// that carries no sharing's peak at 80% (a homes-alone pass finds that peak first).
pub(super) fn transformer_rating(
    scenario: &Scenario,
    source: &Source,
    prices: &[crate::market::GridPrices],
) -> Result<peaks::Rating, ScenarioError> {
    let peak = &scenario.settings.peak;
    let rating = |kva: f64| peaks::Rating {
        kva,
        kw: peak.rating_kw(kva),
        thresholds: peak.class_thresholds,
        demand_charge_per_kw: peak.demand_charge_per_kw,
    };
    if let Some(kva) = scenario.settings.transformer_kva {
        return Ok(rating(kva));
    }
    let unrated = peaks::Rating {
        kva: 0.0,
        kw: f64::INFINITY,
        ..rating(0.0)
    };
    let options = RunOptions::SETTLE_ONLY;
    let mut homes = Simulation::new(scenario, source.members(), prices, options, unrated, true);
    for window in windows(scenario, source, options) {
        let community = source.window(scenario, window.w0, window.w1)?;
        homes.window(&community, prices, window, &mut |_| {}, None)?;
    }
    let peak_kw = homes.finish().alone.peaks.peak_import_kw;
    Ok(rating(crate::transformer::default_kva(peak_kw)))
}
