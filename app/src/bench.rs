//! Benchmark cases the worker can run on request (`scripts/bench.sh` drives them in headless
//! Chromium on the release build): the same engine calls as the criterion benchmarks.

use engine::community::{generate, CommunitySpec, Site};
use engine::run::{run, run_with_options, simulate, RunOptions, Simulated};
use engine::scenario::{CommunitySource, Scenario};
use engine::sweep::{sweep_point_kept, sweep_values, SweepParameter};
use engine::synthetic::{settle_pool_year, step_pool, year_prices};
use engine::tariff::TariffPreset;
use engine::TimeAxis;
use serde::{Deserialize, Serialize};

/// What to time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BenchCase {
    /// Generate both default 30-member communities for a year.
    GenerateDefault,
    /// Settle 1,000 members × 8,760 steps under all four rules.
    Settle1k,
    /// Settle 10,000 members × 8,760 steps under all four rules.
    Settle10k,
    /// The default north village: the four rules on the homes' own dispatch (a tariff change).
    RunDefaultSettleOnly,
    /// The default north village, a full year, all five models.
    RunDefault,
    /// Both default villages, a full year, all five models (as the criterion benchmark).
    RunBothDefaults,
    /// A 1,000-member north village, a full year, all five models.
    Run1000,
    /// A 10,000-member north village (the study's scale), a full year, all five models, in one
    /// worker.
    Run10k,
    /// The default north village: a τ_c-only change after a full run (the worker's kept
    /// simulation re-reported; compare with [`BenchCase::RunDefault`]).
    TauChange,
    /// The default north village: a BS-horizon change after a full run (the homes settled
    /// again beside the kept cloud-P2P books).
    BsHorizonChange,
    /// The default north village: the page's ten-point feed-in sweep, every point settle-only
    /// then complete (cloud-P2P included).
    SweepFeedIn10,
    /// The default north village: a ten-point τ_c sweep, every point settle-only then complete
    /// (one simulation, re-reported).
    SweepTau10,
}

impl BenchCase {
    /// Every case, in table order.
    pub const ALL: [BenchCase; 12] = [
        BenchCase::GenerateDefault,
        BenchCase::Settle1k,
        BenchCase::Settle10k,
        BenchCase::RunDefaultSettleOnly,
        BenchCase::RunDefault,
        BenchCase::RunBothDefaults,
        BenchCase::Run1000,
        BenchCase::Run10k,
        BenchCase::TauChange,
        BenchCase::BsHorizonChange,
        BenchCase::SweepFeedIn10,
        BenchCase::SweepTau10,
    ];
}

/// Prepared input of a case (built before the clock starts).
pub enum Prepared {
    /// Step vectors for settlement.
    Pool(Vec<Vec<f64>>),
    /// Scenarios to run or generate.
    Scenarios(Vec<Scenario>),
    /// A kept simulation and the changed scenario to report from it.
    Kept(Box<Simulated>, Box<Scenario>),
    /// A kept simulation and the changed scenario to settle the homes of again.
    Resettle(Box<Simulated>, Box<Scenario>),
}

/// Build a case's input.
pub fn prepare(case: BenchCase) -> Prepared {
    let north = Scenario::default_north();
    let south = Scenario::generated(Site::WarmHumidSouth, TariffPreset::Study);
    match case {
        BenchCase::Settle1k => Prepared::Pool(step_pool(1_000)),
        BenchCase::Settle10k => Prepared::Pool(step_pool(10_000)),
        BenchCase::GenerateDefault | BenchCase::RunBothDefaults => {
            Prepared::Scenarios(vec![north, south])
        }
        BenchCase::RunDefaultSettleOnly
        | BenchCase::RunDefault
        | BenchCase::SweepFeedIn10
        | BenchCase::SweepTau10 => Prepared::Scenarios(vec![north]),
        BenchCase::TauChange | BenchCase::BsHorizonChange => {
            let mut changed = north.clone();
            let tau = case == BenchCase::TauChange;
            if tau {
                changed.settings.aggregator_return = 0.2;
            } else {
                changed.settings.bs_horizon = engine::market::BillingHorizon::Day;
            }
            match simulate(&north, RunOptions::default(), &mut |_| {}, None) {
                Ok(kept) if tau => Prepared::Kept(Box::new(kept), Box::new(changed)),
                Ok(kept) => Prepared::Resettle(Box::new(kept), Box::new(changed)),
                // Reported by run_once: a scenario that fails to simulate.
                Err(_) => Prepared::Scenarios(Vec::new()),
            }
        }
        BenchCase::Run1000 | BenchCase::Run10k => {
            let mut large = north;
            if let CommunitySource::Generated(spec) = &mut large.community {
                spec.members = if case == BenchCase::Run10k {
                    10_000
                } else {
                    1_000
                };
            }
            Prepared::Scenarios(vec![large])
        }
    }
}

/// Run a case once; the checksum keeps the work from being optimised away and lets the driver
/// check that the browser computed what the native build does.
pub fn run_once(case: BenchCase, input: &Prepared) -> Result<f64, String> {
    match (case, input) {
        (_, Prepared::Pool(pool)) => settle_pool_year(pool, &year_prices())
            .map(|r| r.rules.iter().map(|r| r.community_bill).sum())
            .ok_or_else(|| "settlement failed".to_string()),
        (_, Prepared::Kept(kept, changed)) => kept
            .report(changed)
            .map(|r| r.models.iter().map(|m| m.comparable_cost).sum())
            .ok_or_else(|| "the kept simulation does not serve a τ_c change".to_string()),
        (_, Prepared::Resettle(kept, changed)) => kept
            .resettled(changed, &mut |_| {})
            .map_err(|e| e.to_string())?
            .and_then(|s| s.report(changed))
            .map(|r| r.models.iter().map(|m| m.comparable_cost).sum())
            .ok_or_else(|| "the kept simulation does not settle a BS-horizon change".to_string()),
        (BenchCase::TauChange | BenchCase::BsHorizonChange, Prepared::Scenarios(_)) => {
            Err("the default village failed to simulate".into())
        }
        (BenchCase::SweepFeedIn10 | BenchCase::SweepTau10, Prepared::Scenarios(list)) => {
            let parameter = if case == BenchCase::SweepTau10 {
                SweepParameter::AggregatorReturn
            } else {
                SweepParameter::FeedInPrice
            };
            let (from, to) = parameter.default_range();
            let mut total = 0.0;
            for s in list {
                let values = sweep_values(from, to, 10);
                let mut kept = None;
                for complete in [false, true] {
                    for &v in &values {
                        let point = sweep_point_kept(s, parameter, v, complete, &mut kept)?;
                        total += point.models.iter().map(|m| m.cost).sum::<f64>();
                    }
                }
            }
            Ok(total)
        }
        (BenchCase::GenerateDefault, Prepared::Scenarios(list)) => {
            let mut total = 0.0;
            for s in list {
                let spec: CommunitySpec = match &s.community {
                    CommunitySource::Generated(spec) => spec.clone(),
                    CommunitySource::Custom { .. } => return Err("not generated".into()),
                };
                let c = generate(&spec, &TimeAxis::hourly_year()).map_err(|e| e.to_string())?;
                total += c
                    .members
                    .iter()
                    .map(|m| m.load_kw.iter().sum::<f64>())
                    .sum::<f64>();
            }
            Ok(total)
        }
        (BenchCase::RunDefaultSettleOnly, Prepared::Scenarios(list)) => {
            let mut total = 0.0;
            for s in list {
                let r = run_with_options(s, RunOptions::SETTLE_ONLY, &mut |_| {}, None)
                    .map_err(|e| e.to_string())?;
                total += r.models.iter().map(|m| m.comparable_cost).sum::<f64>();
            }
            Ok(total)
        }
        (_, Prepared::Scenarios(list)) => {
            let mut total = 0.0;
            for s in list {
                let r = run(s, &mut |_| {}).map_err(|e| e.to_string())?;
                total += r.models.iter().map(|m| m.comparable_cost).sum::<f64>();
            }
            Ok(total)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quick_cases_run_and_give_stable_checksums() {
        for case in [
            BenchCase::Settle1k,
            BenchCase::RunDefaultSettleOnly,
            BenchCase::TauChange,
            BenchCase::BsHorizonChange,
        ] {
            let input = prepare(case);
            let a = run_once(case, &input).unwrap();
            let b = run_once(case, &input).unwrap();
            assert!(a.is_finite() && a > 0.0, "{case:?}: {a}");
            assert_eq!(a.to_bits(), b.to_bits(), "{case:?}");
        }
    }
}
