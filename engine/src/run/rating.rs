//! The transformer a run is measured against: the scenario's, or the default size found by a
//! homes-alone pass; and the "stressed" preset, which keeps today's rating while the load grows.

use super::simulate::{Pass, Simulation};
use super::source::Source;
use super::{peaks, windows, RunOptions};
use crate::community::Community;
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
    Ok(
        transformer_rating(scenario, &source, &prices, RunOptions::SETTLE_ONLY)?
            .0
            .kva,
    )
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

/// Generated windows of at most this many member-steps are kept from the sizing pass for the
/// run (a default village's year is 0.26 M; 10,000 members would need gigabytes).
const KEEP_WINDOWS_MEMBER_STEPS: usize = 2_000_000;

/// The transformer the run is measured against: the scenario's, or the smallest standard rating
/// that carries no sharing's peak at 80% (a homes-alone pass over the run's `options` windows
/// finds that peak first). Small communities keep the pass's windows for the run, which then
/// does not generate them again.
pub(super) fn transformer_rating(
    scenario: &Scenario,
    source: &Source,
    prices: &[crate::market::GridPrices],
    options: RunOptions,
) -> Result<(peaks::Rating, Option<Vec<Community>>), ScenarioError> {
    let peak = &scenario.settings.peak;
    let rating = |kva: f64| peaks::Rating {
        kva,
        kw: peak.rating_kw(kva),
        thresholds: peak.class_thresholds,
        demand_charge_per_kw: peak.demand_charge_per_kw,
    };
    if let Some(kva) = scenario.settings.transformer_kva {
        return Ok((rating(kva), None));
    }
    let unrated = peaks::Rating {
        kva: 0.0,
        kw: f64::INFINITY,
        ..rating(0.0)
    };
    let keep = source.members().len() * scenario.axis.steps <= KEEP_WINDOWS_MEMBER_STEPS;
    let mut kept = Vec::new();
    let mut homes = Simulation::new(
        scenario,
        source.members(),
        prices,
        RunOptions::SETTLE_ONLY,
        unrated,
        Pass::Sizing,
    );
    for window in windows(scenario, source, options) {
        let community = source.window(scenario, window.w0, window.w1)?;
        homes.window(&community, prices, window, &mut |_| {}, None)?;
        // Uploaded communities are borrowed whole; only generated windows need keeping.
        if let (true, std::borrow::Cow::Owned(c)) = (keep, community) {
            kept.push(c);
        }
    }
    let peak_kw = homes
        .finish()
        .close(0.0, scenario.settings.island_price)
        .ok_or_else(|| ScenarioError::Settings("the sizing pass settled no homes".into()))?
        .alone
        .peaks
        .peak_import_kw;
    Ok((
        rating(crate::transformer::default_kva(peak_kw)),
        (keep && !kept.is_empty()).then_some(kept),
    ))
}
