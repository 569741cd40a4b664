//! The coordinator's optimiser against an independent LP (Clarabel) on real community data.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod common;

use common::{lp_optimum, lp_with_demand_charge, Case};
use engine::community::{generate, CommunitySpec, Site};
use engine::coordinator::{optimise_whole_horizon, PeakPenalty, WholeHorizon};
use engine::tariff::TariffPreset;
use engine::TimeAxis;

/// Days `first_day..first_day+days` of a default community: inflexible net, flexible load, batteries.
fn case(site: Site, first_day: usize, days: usize, preset: TariffPreset) -> Case {
    let axis = TimeAxis::hourly((first_day + days) * 24);
    let community = generate(&CommunitySpec::default_for(site), &axis).unwrap();
    let prices = preset.tariff().prices(&axis).unwrap()[first_day * 24..].to_vec();
    let range = first_day * 24..(first_day + days) * 24;
    let mut base = vec![0.0; days * 24];
    let mut flex = vec![0.0; days * 24];
    for m in &community.members {
        for (i, t) in range.clone().enumerate() {
            let pv = m.pv_kw.get(t).copied().unwrap_or(0.0);
            base[i] += (1.0 - m.flexible_share) * m.load_kw[t] - pv;
            flex[i] += m.flexible_share * m.load_kw[t];
        }
    }
    let batteries = community.members.iter().filter_map(|m| m.battery).collect();
    Case {
        base,
        flex,
        prices,
        batteries,
    }
}

fn check(
    site: Site,
    first_day: usize,
    days: usize,
    preset: TariffPreset,
    peak: Option<PeakPenalty>,
) {
    let c = case(site, first_day, days, preset);
    let wear = 0.1;
    let ours = optimise_whole_horizon(&WholeHorizon {
        base_kwh: &c.base,
        flex_kwh: &c.flex,
        steps_per_day: 24,
        step_hours: 1.0,
        prices: &c.prices,
        peak,
        demand_charge_per_kw: 0.0,
        wear_per_kwh: wear,
        flex_power_multiple: 4.0,
        batteries: &c.batteries,
    });
    let lp = lp_optimum(&c, peak, wear, 4.0);
    let gap = (ours.cost - lp) / lp.abs().max(1.0);
    eprintln!(
        "{site:?} day {first_day}+{days} {preset:?}: ours {:.4}, LP {lp:.4}, gap {:.5}%",
        ours.cost,
        100.0 * gap
    );
    assert!(
        gap.abs() <= 1e-3,
        "gap {:.4}% (ours {}, LP {lp})",
        100.0 * gap,
        ours.cost
    );
}

#[test]
fn whole_horizon_optimum_matches_the_lp() {
    check(Site::CompositeNorth, 150, 3, TariffPreset::Study, None);
    check(
        Site::WarmHumidSouth,
        10,
        3,
        TariffPreset::IndianTimeOfDay,
        None,
    );
    check(
        Site::CompositeNorth,
        200,
        7,
        TariffPreset::IndianTimeOfDay,
        None,
    );
    check(Site::WarmHumidSouth, 300, 5, TariffPreset::FlatRetail, None);
    check(Site::CompositeNorth, 20, 4, TariffPreset::FlatRetail, None);
}

#[test]
fn whole_horizon_optimum_matches_the_lp_with_a_peak_limit() {
    check(
        Site::WarmHumidSouth,
        120,
        2,
        TariffPreset::IndianTimeOfDay,
        Some(PeakPenalty {
            limit_kwh: 8.0,
            penalty_per_kwh: 5.0,
        }),
    );
}

#[test]
fn battery_only_and_flex_only_are_exact() {
    for mode in ["battery", "flex"] {
        let mut c = case(Site::CompositeNorth, 150, 3, TariffPreset::Study);
        if mode == "battery" {
            for t in 0..c.base.len() {
                c.base[t] += c.flex[t];
                c.flex[t] = 0.0;
            }
        } else {
            c.batteries.clear();
        }
        let ours = optimise_whole_horizon(&WholeHorizon {
            base_kwh: &c.base,
            flex_kwh: &c.flex,
            steps_per_day: 24,
            step_hours: 1.0,
            prices: &c.prices,
            peak: None,
            demand_charge_per_kw: 0.0,
            wear_per_kwh: 0.1,
            flex_power_multiple: 4.0,
            batteries: &c.batteries,
        });
        let lp = lp_optimum(&c, None, 0.1, 4.0);
        assert!(
            (ours.cost - lp).abs() <= 1e-6 * lp.abs(),
            "{mode}: ours {} LP {lp}",
            ours.cost
        );
    }
}

/// With a demand charge the cap search's optimum is within 0.5% of the LP with the maximum
/// import as a variable, on 2–7-day windows of both villages and tariffs.
#[test]
fn demand_charge_search_matches_the_lp_with_a_max_import_variable() {
    for (site, first_day, days, preset, charge) in [
        (Site::CompositeNorth, 150, 2, TariffPreset::Study, 150.0),
        (
            Site::WarmHumidSouth,
            120,
            3,
            TariffPreset::IndianTimeOfDay,
            300.0,
        ),
        (
            Site::CompositeNorth,
            200,
            7,
            TariffPreset::IndianTimeOfDay,
            100.0,
        ),
        (Site::WarmHumidSouth, 30, 5, TariffPreset::FlatRetail, 250.0),
    ] {
        let c = case(site, first_day, days, preset);
        let wear = 0.1;
        let ours = optimise_whole_horizon(&WholeHorizon {
            base_kwh: &c.base,
            flex_kwh: &c.flex,
            steps_per_day: 24,
            step_hours: 1.0,
            prices: &c.prices,
            peak: None,
            demand_charge_per_kw: charge,
            wear_per_kwh: wear,
            flex_power_multiple: 4.0,
            batteries: &c.batteries,
        });
        let lp = lp_with_demand_charge(&c, None, wear, 4.0, charge);
        let gap = (ours.cost - lp) / lp.abs().max(1.0);
        let uncapped = optimise_whole_horizon(&WholeHorizon {
            base_kwh: &c.base,
            flex_kwh: &c.flex,
            steps_per_day: 24,
            step_hours: 1.0,
            prices: &c.prices,
            peak: None,
            demand_charge_per_kw: 0.0,
            wear_per_kwh: wear,
            flex_power_multiple: 4.0,
            batteries: &c.batteries,
        });
        let uncapped_peak = uncapped.net_kwh.iter().copied().fold(0.0, f64::max);
        eprintln!(
            "{site:?} day {first_day}+{days} {preset:?} ₹{charge}/kW: ours {:.3} (cap {:.2} kW, \
             uncapped peak {uncapped_peak:.2} kW, {} solves), LP {lp:.3}, gap {:.4}%",
            ours.cost,
            ours.cap_kw.unwrap_or(f64::NAN),
            ours.solves,
            100.0 * gap
        );
        assert!(
            gap.abs() <= 5e-3,
            "gap {:.3}% (ours {}, LP {lp})",
            100.0 * gap,
            ours.cost
        );
        // The charge bought a lower peak than the energy optimum's.
        assert!(ours.cap_kw.unwrap() < uncapped_peak - 0.1);
    }
}
