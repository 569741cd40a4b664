//! A simulation kept and reused: the report of a τ_c-only or island-price change from the kept books, a BS
//! horizon change from the homes settled again beside cloud-P2P's kept books, and one
//! run split across two cores (the perfect-foresight twin apart), each bit-identical to a fresh
//! single-core run; and sweep points answered from a kept simulation.
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use engine::community::Site;
use engine::run::{run, simulate, simulated_part, RunOptions};
use engine::scenario::{CommunitySource, Scenario};
use engine::sweep::{sweep_point, sweep_point_kept, SweepParameter};
use engine::tariff::{Tariff, TariffPreset};
use engine::TimeAxis;

fn village(tariff: &str, days: usize) -> Scenario {
    let mut s = Scenario::generated(Site::CompositeNorth, TariffPreset::Study);
    s.tariff = Tariff::by_id(tariff).unwrap();
    s.axis = TimeAxis::hourly(days * 24);
    if let CommunitySource::Generated(spec) = &mut s.community {
        spec.members = 8;
    }
    s
}

fn json<T: serde::Serialize>(x: &T) -> String {
    serde_json::to_string(x).unwrap()
}

#[test]
fn a_tau_only_change_reports_from_the_kept_books_bit_identically() {
    for tariff in ["study", "delhi"] {
        let scenario = village(tariff, 31);
        let kept = simulate(&scenario, RunOptions::default(), &mut |_| {}, None).unwrap();
        let mut changed = scenario.clone();
        changed.settings.aggregator_return = 0.2;
        changed.name = "renamed".into();
        let reused = kept
            .report(&changed)
            .expect("τ_c and the name need no new simulation");
        let fresh = run(&changed, &mut |_| {}).unwrap();
        assert_eq!(json(&reused), json(&fresh), "{tariff}");
        // The aggregator's return moved money: the report did change.
        assert_ne!(json(&reused), json(&run(&scenario, &mut |_| {}).unwrap()));
        // Anything the simulation reads needs a new one.
        let mut horizon_change = scenario.clone();
        horizon_change.settings.coordinator.horizon_steps = 12;
        assert!(kept.report(&horizon_change).is_none());
        // What a front end compares to know the same: the simulated parts.
        assert_eq!(simulated_part(&changed), simulated_part(&scenario));
        assert_ne!(simulated_part(&horizon_change), simulated_part(&scenario));
        let mut pv = scenario.clone();
        if let CommunitySource::Generated(spec) = &mut pv.community {
            spec.pv_share = 0.6;
        }
        assert!(!kept.serves(&pv));
    }
}

#[test]
fn an_island_price_change_reports_from_the_kept_books_bit_identically() {
    use engine::accounting::IslandPrice;
    let fixed = IslandPrice::Fixed { price_per_kwh: 4.5 };
    let scenario = village("study", 59);
    let mut stated = scenario.clone();
    stated.settings.island_price = fixed;
    for kept_scenario in [&scenario, &stated] {
        let kept = simulate(kept_scenario, RunOptions::default(), &mut |_| {}, None).unwrap();
        let mut reports = Vec::new();
        for price in [IslandPrice::Retail, IslandPrice::FeedIn, fixed] {
            let mut changed = scenario.clone();
            changed.settings.island_price = price;
            let fresh = json(&run(&changed, &mut |_| {}).unwrap());
            match kept.report(&changed) {
                Some(reused) => assert_eq!(json(&reused), fresh, "{price:?}"),
                // Only a stated price other than the run's needs a new simulation.
                None => assert!(price == fixed && kept_scenario.settings.island_price != fixed),
            }
            reports.push(fresh);
        }
        // The village islands in outages: the price did move bills.
        assert!(reports[0] != reports[1] && reports[1] != reports[2]);
        let mut other_fixed = scenario.clone();
        other_fixed.settings.island_price = IslandPrice::Fixed { price_per_kwh: 1.0 };
        assert!(!kept.serves(&other_fixed));
    }
}

#[test]
fn a_bs_horizon_change_resettles_the_homes_beside_the_kept_cloud_books() {
    use engine::market::BillingHorizon;
    // Delhi's retail tariff: real bills (meters) on the homes' books too; January and February.
    for tariff in ["study", "delhi"] {
        let scenario = village(tariff, 59);
        for options in [RunOptions::default(), RunOptions::WITHOUT_TWIN] {
            let kept = simulate(&scenario, options, &mut |_| {}, None).unwrap();
            for horizon in [
                BillingHorizon::Step,
                BillingHorizon::Day,
                BillingHorizon::Run,
            ] {
                let mut changed = scenario.clone();
                changed.settings.bs_horizon = horizon;
                changed.settings.aggregator_return = 0.3;
                assert!(kept.resettles(&changed) && !kept.serves(&changed));
                // The horizon does move BS's bills: the kept books alone would be wrong.
                let mut same_horizon = changed.clone();
                same_horizon.settings.bs_horizon = scenario.settings.bs_horizon;
                let stale = json(&kept.report(&same_horizon).unwrap());
                let resettled = kept
                    .resettled(&changed, &mut |_| {})
                    .unwrap()
                    .expect("a BS horizon change keeps the dispatch");
                let fresh = simulate(&changed, options, &mut |_| {}, None).unwrap();
                let report = json(&resettled.report(&changed).unwrap());
                assert_eq!(
                    report,
                    json(&fresh.report(&changed).unwrap()),
                    "{tariff} {horizon:?}"
                );
                assert_ne!(report, stale, "{tariff} {horizon:?}");
                assert_eq!(resettled.options(), options);
                // With the island price changed too: both answered from the kept books.
                let mut both = changed.clone();
                both.settings.island_price = engine::accounting::IslandPrice::FeedIn;
                let resettled = kept.resettled(&both, &mut |_| {}).unwrap().unwrap();
                assert_eq!(
                    json(&resettled.report(&both).unwrap()),
                    json(
                        &simulate(&both, options, &mut |_| {}, None)
                            .unwrap()
                            .report(&both)
                            .unwrap()
                    )
                );
            }
            // The twin's books alone settled no homes: nothing to settle again.
            let twin = simulate(&scenario, RunOptions::TWIN_ONLY, &mut |_| {}, None).unwrap();
            let mut changed = scenario.clone();
            changed.settings.bs_horizon = BillingHorizon::Day;
            assert!(!twin.resettles(&changed));
            assert!(twin.resettled(&changed, &mut |_| {}).unwrap().is_none());
            // Anything the dispatch reads needs a new simulation.
            let mut horizon_change = scenario.clone();
            horizon_change.settings.coordinator.horizon_steps = 12;
            assert!(!kept.resettles(&horizon_change));
            assert!(kept
                .resettled(&horizon_change, &mut |_| {})
                .unwrap()
                .is_none());
        }
    }
}

#[test]
fn the_twin_on_another_core_merges_into_the_single_core_report() {
    for tariff in ["study", "delhi"] {
        let scenario = village(tariff, 31);
        let main = simulate(&scenario, RunOptions::WITHOUT_TWIN, &mut |_| {}, None).unwrap();
        let twin = simulate(&scenario, RunOptions::TWIN_ONLY, &mut |_| {}, None).unwrap();
        let without = main.report(&scenario).unwrap();
        let merged = main.with_twin_of(twin).unwrap().report(&scenario).unwrap();
        let single = run(&scenario, &mut |_| {}).unwrap();
        assert_eq!(json(&merged), json(&single), "{tariff}");
        let vpi = |r: &engine::run::RunReport| {
            r.model(engine::run::Model::Cloud)
                .and_then(|m| m.value_of_perfect_information)
        };
        assert!(vpi(&single).is_some() && vpi(&without).is_none());
    }
}

#[test]
fn a_simulation_knows_what_it_simulated_and_a_merged_twin_counts() {
    let scenario = village("study", 7);
    let main = simulate(&scenario, RunOptions::WITHOUT_TWIN, &mut |_| {}, None).unwrap();
    assert!(!main.options().covers(RunOptions::default()));
    assert!(main.options().covers(RunOptions::SETTLE_ONLY));
    let twin = simulate(&scenario, RunOptions::TWIN_ONLY, &mut |_| {}, None).unwrap();
    assert!(!twin.options().covers(RunOptions::WITHOUT_TWIN));
    // The twin alone settles no homes (it only reads their import): it answers nothing itself.
    assert!(!twin.options().covers(RunOptions::SETTLE_ONLY));
    assert!(twin.report(&scenario).is_none());
    let alone = engine::run::run_with_options(&scenario, RunOptions::TWIN_ONLY, &mut |_| {}, None);
    assert!(alone.is_err_and(|e| e.to_string().contains("twin alone")));
    let merged = main.with_twin_of(twin).unwrap();
    assert!(merged.options().covers(RunOptions::default()));
    let mut perfect = scenario.clone();
    perfect.settings.coordinator.forecast = engine::coordinator::Forecast::PerfectForesight;
    assert!(RunOptions::twin_needed(&scenario) && !RunOptions::twin_needed(&perfect));
}

/// A complete sweep point leaves out the perfect-foresight twin (it reports no value of perfect
/// information): its figures still equal a whole run's at that value, on a flat and a retail tariff.
#[test]
fn a_sweep_point_without_the_twin_has_the_whole_runs_figures() {
    for tariff in ["study", "delhi"] {
        let scenario = village(tariff, 31);
        let point = sweep_point(&scenario, SweepParameter::FeedInPrice, 4.0, true).unwrap();
        let at = SweepParameter::FeedInPrice.apply(&scenario, 4.0).unwrap();
        let whole = run(&at, &mut |_| {}).unwrap();
        assert_eq!(point.models.len(), whole.models.len());
        for (p, m) in point.models.iter().zip(&whole.models) {
            assert_eq!(p.model, m.model);
            assert_eq!(
                p.cost.to_bits(),
                m.comparable_cost.to_bits(),
                "{tariff} {:?}",
                m.model
            );
            assert_eq!(p.prosumer_income.to_bits(), m.prosumer_income.to_bits());
            assert_eq!(p.consumer_savings_pct, m.consumer_savings_pct);
            assert_eq!(p.performance_measure, m.performance_measure);
        }
    }
}

#[test]
fn a_twin_of_another_scenario_is_refused() {
    let scenario = village("study", 14);
    let mut other = scenario.clone();
    other.settings.aggregator_return = 0.1;
    let main = simulate(&scenario, RunOptions::WITHOUT_TWIN, &mut |_| {}, None).unwrap();
    let twin = simulate(&other, RunOptions::TWIN_ONLY, &mut |_| {}, None).unwrap();
    assert!(main.with_twin_of(twin).is_none());
}

#[test]
fn sweep_points_from_a_kept_simulation_equal_fresh_points() {
    let scenario = village("study", 14);
    let mut kept = None;
    for (parameter, values) in [
        (SweepParameter::AggregatorReturn, [0.0, 0.1, 0.3]),
        (SweepParameter::FeedInPrice, [2.0, 4.0, 6.0]),
    ] {
        for value in values {
            for complete in [false, true] {
                let reused =
                    sweep_point_kept(&scenario, parameter, value, complete, &mut kept).unwrap();
                let fresh = sweep_point(&scenario, parameter, value, complete).unwrap();
                assert_eq!(json(&reused), json(&fresh), "{parameter:?} = {value}");
            }
        }
    }
    // The last point's simulation is kept; a τ_c point of the same scenario re-reports it.
    let last = SweepParameter::FeedInPrice.apply(&scenario, 6.0).unwrap();
    assert!(kept.as_ref().unwrap().serves(&last));
    assert!(sweep_point_kept(
        &scenario,
        SweepParameter::AggregatorReturn,
        2.0,
        true,
        &mut kept
    )
    .is_err());
}
