//! The cloud-P2P coordinator in operation: optimality of the rolling horizon, energy balance,
//! SOC limits, daily flexible energy, the model ranking, and faults.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod common;

use common::{lp_optimum, Case};
use engine::community::{CommunitySpec, Site};
use engine::coordinator::{Fault, Forecast, MemberStep};
use engine::market::RuleId;
use engine::run::{run, run_with_series, Model};
use engine::scenario::{CommunitySource, Scenario};
use engine::tariff::TariffPreset;
use engine::TimeAxis;

fn scenario(site: Site, days: usize, preset: TariffPreset, outages: bool) -> Scenario {
    let mut s = Scenario::generated(site, preset);
    s.axis = TimeAxis::hourly(days * 24);
    if let CommunitySource::Generated(spec) = &mut s.community {
        spec.grid_outages = outages;
    }
    s
}

#[test]
fn rolling_perfect_foresight_is_within_two_percent_of_the_whole_horizon_optimum() {
    for (site, preset) in [
        (Site::CompositeNorth, TariffPreset::Study),
        (Site::WarmHumidSouth, TariffPreset::IndianTimeOfDay),
    ] {
        let mut s = scenario(site, 28, preset, false);
        s.axis.start_day_of_year = 120;
        s.settings.battery_wear.pack_price_per_kwh = 0.0;
        // No peak terms: the whole-horizon optimum has none.
        s.settings.peak.do_no_harm = false;
        s.settings.peak.valley_filling = false;
        s.settings.transformer_kva = Some(engine::limits::MAX_TRANSFORMER_KVA);
        s.settings.coordinator.forecast = Forecast::PerfectForesight;
        let community = s.community().unwrap();
        let last = s.axis.steps - 1;
        let mut final_soc = 0.0;
        let mut sink = |model: Model, t: usize, _k: usize, step: &MemberStep| {
            if model == Model::Cloud && t == last {
                final_soc += step.soc_kwh;
            }
        };
        let report = run_with_series(&s, &mut |_| {}, Some(&mut sink)).unwrap();
        // The optimum must end at the starting SOC; value any shortfall of the rolling run at
        // the highest buy price (what refilling could cost at most).
        let start_soc: f64 = community
            .members
            .iter()
            .filter_map(|m| m.battery)
            .map(|b| b.soc_initial_frac * b.capacity_kwh)
            .sum();
        let price_max = s
            .tariff
            .prices(&s.axis)
            .unwrap()
            .iter()
            .map(|p| p.buy_per_kwh)
            .fold(0.0, f64::max);
        let shortfall_value = (start_soc - final_soc).max(0.0) * price_max / 0.95;
        let rolling = report.model(Model::Cloud).unwrap().grid_bill + shortfall_value;
        let prices = s.tariff.prices(&s.axis).unwrap();
        let mut base = vec![0.0; s.axis.steps];
        let mut flex = vec![0.0; s.axis.steps];
        for m in &community.members {
            for t in 0..s.axis.steps {
                base[t] += (1.0 - m.flexible_share) * m.load_kw[t]
                    - m.pv_kw.get(t).copied().unwrap_or(0.0);
                flex[t] += m.flexible_share * m.load_kw[t];
            }
        }
        let batteries: Vec<_> = community.members.iter().filter_map(|m| m.battery).collect();
        let case = Case {
            base,
            flex,
            prices,
            batteries,
        };
        let optimum = lp_optimum(&case, None, 0.0, s.settings.coordinator.flex_power_multiple);
        let gap = (rolling - optimum) / optimum.abs();
        eprintln!("{site:?}: rolling {rolling:.2} (incl. {shortfall_value:.2} for end SOC), LP optimum {optimum:.2}, gap {:.3}%", 100.0 * gap);
        assert!(
            gap <= 0.02,
            "{site:?}: rolling {rolling} vs optimum {optimum} ({:.2}%)",
            100.0 * gap
        );
        assert!(gap >= -1e-6, "nothing beats the optimum: {gap}");
    }
}

/// Every step of every member of both behaviours: balance, SOC limits, daily flexible energy.
fn check_flows(s: &Scenario) -> engine::run::RunReport {
    let community = s.community().unwrap();
    let members = community.members.clone();
    let mut daily: Vec<[f64; 2]> = vec![[0.0; 2]; members.len()];
    let mut failures = Vec::new();
    // The previous step's SOC of each member under each model (start: the initial SOC).
    let initial: Vec<f64> = members
        .iter()
        .map(|m| {
            m.battery
                .map_or(0.0, |b| b.soc_initial_frac * b.capacity_kwh)
        })
        .collect();
    let mut last_soc: std::collections::HashMap<Model, Vec<f64>> = std::collections::HashMap::new();
    let hours = s.axis.step_hours();
    let mut sink = |model: Model, t: usize, k: usize, step: &MemberStep| {
        let m = &members[k];
        if let Some(b) = m.battery {
            // SOC continuity: soc_t = soc_t−1 + η_c·charge·Δt − discharge·Δt/η_d.
            let before = &mut last_soc.entry(model).or_insert_with(|| initial.clone())[k];
            let expected = *before + b.charge_efficiency * step.charge_kw * hours
                - step.discharge_kw * hours / b.discharge_efficiency;
            if (expected - step.soc_kwh).abs() > 1e-9 * b.capacity_kwh.max(1.0) {
                failures.push(format!(
                    "{model:?} step {t} member {k}: SOC {} but continuity gives {expected}",
                    step.soc_kwh
                ));
            }
            *before = step.soc_kwh;
        }
        let net = step.load_kw - step.unserved_kw - step.pv_kw + step.charge_kw - step.discharge_kw;
        if (net - step.net_kw).abs() > 1e-9 {
            failures.push(format!(
                "{model:?} step {t} member {k}: net {} vs {net}",
                step.net_kw
            ));
        }
        if step.pv_kw > m.pv_kw.get(t).copied().unwrap_or(0.0) + 1e-9
            || step.charge_kw < 0.0
            || step.discharge_kw < 0.0
        {
            failures.push(format!(
                "{model:?} step {t} member {k}: PV or battery flows out of range"
            ));
        }
        if let Some(b) = m.battery {
            if step.soc_kwh < b.soc_min_frac * b.capacity_kwh - 1e-9
                || step.soc_kwh > b.soc_max_frac * b.capacity_kwh + 1e-9
            {
                failures.push(format!(
                    "{model:?} step {t} member {k}: SOC {} outside limits",
                    step.soc_kwh
                ));
            }
            if step.charge_kw > b.power_kw + 1e-9 || step.discharge_kw > b.power_kw + 1e-9 {
                failures.push(format!(
                    "{model:?} step {t} member {k}: power above the limit"
                ));
            }
        }
        if model == Model::Cloud {
            daily[k][0] += step.load_kw;
            daily[k][1] += m.load_kw[t];
            if (t + 1).is_multiple_of(24) {
                if (daily[k][0] - daily[k][1]).abs() > 1e-6 * daily[k][1].max(1.0) {
                    failures.push(format!(
                        "day {} member {k}: load {} vs {}",
                        t / 24,
                        daily[k][0],
                        daily[k][1]
                    ));
                }
                daily[k] = [0.0; 2];
            }
        }
    };
    let report = run_with_series(s, &mut |_| {}, Some(&mut sink)).unwrap();
    assert!(
        failures.is_empty(),
        "{} problems, first: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    report
}

#[test]
fn energy_balance_soc_limits_and_daily_flexible_energy_hold() {
    check_flows(&scenario(
        Site::CompositeNorth,
        60,
        TariffPreset::IndianTimeOfDay,
        true,
    ));
    let mut s = scenario(Site::WarmHumidSouth, 30, TariffPreset::Study, true);
    s.settings.coordinator.forecast = Forecast::SeasonalPersistence;
    check_flows(&s);
}

#[test]
fn sharing_never_costs_the_community_more_than_homes_alone_on_the_default_community() {
    for site in Site::ALL {
        let report = run(&Scenario::generated(site, TariffPreset::Study), &mut |_| {}).unwrap();
        let cost = |m| report.model(m).unwrap().comparable_cost;
        let (cloud, sdr, none) = (cost(Model::Cloud), cost(Model::Sdr), cost(Model::None));
        eprintln!("{site:?}: cloud {cloud:.0}, sdr {sdr:.0} ≤ none {none:.0}");
        assert!(
            cloud <= none && sdr <= none,
            "{site:?}: cloud {cloud}, sdr {sdr}, none {none}"
        );
        let ess = |m| report.model(m).unwrap().energy.ess_throughput_kwh;
        assert!(ess(Model::Cloud) > 0.0 && ess(Model::None) > 0.0);
        let ens = |m| report.model(m).unwrap().energy.energy_not_served_kwh;
        for m in [Model::Bs, Model::Mmr, Model::Sdr, Model::Cloud] {
            assert!(
                ens(m) < ens(Model::None),
                "{m:?}: a community that islands together serves more load"
            );
        }
    }
}

#[test]
fn faults_keep_the_community_running_with_energy_balance() {
    let mut s = scenario(Site::CompositeNorth, 21, TariffPreset::Study, true);
    let spec = CommunitySpec::default_for(Site::CompositeNorth);
    assert_eq!(spec.members, 30);
    s.settings.coordinator.faults = vec![
        Fault::MemberFailure {
            member: "N20".into(),
            from_step: 30,
            to_step: 200,
        },
        Fault::MemberFailure {
            member: "N25".into(),
            from_step: 100,
            to_step: 130,
        },
        Fault::CoordinatorOutage {
            from_step: 240,
            to_step: 300,
        },
        Fault::CoordinatorOutage {
            from_step: 400,
            to_step: 410,
        },
        Fault::GridOutage {
            from_step: 300,
            to_step: 340,
        },
    ];
    let report = check_flows(&s);
    // The long outage outlasts the last plan: some steps ran on local rules.
    assert!(report.solver.fallback_steps > 0, "{:?}", report.solver);
    let healthy = check_flows(&scenario(
        Site::CompositeNorth,
        21,
        TariffPreset::Study,
        true,
    ));
    let bill = |r: &engine::run::RunReport| r.model(Model::Cloud).unwrap().community_bill;
    eprintln!(
        "faults: cloud bill {:.1} vs healthy {:.1}",
        bill(&report),
        bill(&healthy)
    );
    let ens = |r: &engine::run::RunReport, m| r.model(m).unwrap().energy.energy_not_served_kwh;
    eprintln!(
        "ENS none {} vs healthy {}; cloud {}",
        ens(&report, Model::None),
        ens(&healthy, Model::None),
        ens(&report, Model::Cloud)
    );
    assert!(
        ens(&report, Model::None) > ens(&healthy, Model::None),
        "the extra grid outage leaves more load unserved"
    );
    assert!(
        ens(&report, Model::Cloud) <= ens(&report, Model::None),
        "islanded sharing serves at least as much"
    );
}

#[test]
fn a_settle_only_run_matches_the_full_runs_four_models_and_the_series_add_up() {
    let s = scenario(
        Site::CompositeNorth,
        14,
        TariffPreset::IndianTimeOfDay,
        true,
    );
    let full = engine::run::run(&s, &mut |_| {}).unwrap();
    let quick =
        engine::run::run_with_options(&s, engine::run::RunOptions::SETTLE_ONLY, &mut |_| {}, None)
            .unwrap();
    assert_eq!(quick.models.len(), 4);
    assert_eq!(full.models.len(), 5);
    for (q, f) in quick.models.iter().zip(&full.models) {
        assert!(q.performance_measure.is_none() && f.performance_measure.is_some());
        let f = engine::run::ModelReport {
            performance_measure: None,
            ..f.clone()
        };
        assert_eq!(
            *q, f,
            "{:?} differs between the settle-only and the full run",
            q.model
        );
    }
    assert!(quick.series.cloud.is_none());
    let series = &full.series;
    let cloud = series.cloud.as_ref().unwrap();
    let steps = s.axis.steps;
    assert_eq!(series.local.len(), steps);
    assert_eq!(cloud.len(), steps);
    let total = |v: &[f32]| v.iter().map(|x| f64::from(*x)).sum::<f64>();
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-3 * b.abs().max(1.0);
    let none = full.model(Model::None).unwrap();
    let sdr = full.model(Model::Sdr).unwrap();
    let cloud_model = full.model(Model::Cloud).unwrap();
    assert!(close(
        total(&series.alone_import_kw),
        none.energy.grid_import_kwh
    ));
    assert!(close(
        total(&series.local.import_kw),
        sdr.energy.grid_import_kwh
    ));
    assert!(close(
        total(&cloud.import_kw),
        cloud_model.energy.grid_import_kwh
    ));
    assert!(close(
        total(&cloud.charge_kw) + total(&cloud.discharge_kw),
        cloud_model.energy.ess_throughput_kwh
    ));
    let monthly = engine::run::monthly_throughput_kwh(&series.local, &s.axis);
    assert!(close(monthly.iter().sum(), sdr.energy.ess_throughput_kwh));
    // Shared energy = Σ min(TBP, TSP); MMR/SDR internal prices stay within the grid's.
    let shared: f64 = (0..steps)
        .map(|t| f64::from(series.local.tbp_kw[t].min(series.local.tsp_kw[t])))
        .sum();
    assert!(close(shared, sdr.energy.shared_kwh));
    for t in 0..steps {
        let grid = series.grid(t);
        for rule in [RuleId::Mmr, RuleId::Sdr] {
            let p = series.internal_prices(&series.local, rule, t).unwrap();
            assert!(
                p.buy_per_kwh <= grid.buy_per_kwh + 1e-6
                    && p.sell_per_kwh >= grid.sell_per_kwh - 1e-6
            );
        }
        assert!(series
            .internal_prices(&series.local, RuleId::Bs, t)
            .is_none());
    }
    let csv = series.to_csv(&s.axis);
    assert_eq!(csv.lines().count(), steps + 1);
    assert!(csv.lines().next().unwrap().contains("cloud_import_kw"));
}

#[test]
fn a_generated_community_streamed_week_by_week_equals_the_same_community_held_whole() {
    // Generated communities run in one-week windows; uploaded ones whole. The same members both
    // ways must give the same report, also with faults that span window boundaries.
    for forecast in [Forecast::PerfectForesight, Forecast::SeasonalPersistence] {
        let mut streamed = scenario(
            Site::CompositeNorth,
            23,
            TariffPreset::IndianTimeOfDay,
            true,
        );
        streamed.settings.coordinator.forecast = forecast;
        streamed.settings.coordinator.faults = vec![
            Fault::MemberFailure {
                member: "N05".into(),
                from_step: 160,
                to_step: 200,
            },
            Fault::CoordinatorOutage {
                from_step: 330,
                to_step: 345,
            },
            Fault::GridOutage {
                from_step: 500,
                to_step: 510,
            },
        ];
        let community = streamed.community().unwrap();
        let mut whole = streamed.clone();
        whole.community = CommunitySource::Custom {
            members: community.members,
            grid_available: Some(community.grid_available),
        };
        let a = run(&streamed, &mut |_| {}).unwrap();
        let b = run(&whole, &mut |_| {}).unwrap();
        assert_eq!(a.models, b.models, "{forecast:?}");
        assert_eq!(a.series, b.series, "{forecast:?}");
        assert_eq!(a.solver, b.solver, "{forecast:?}");
    }
}
