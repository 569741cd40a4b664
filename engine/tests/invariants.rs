//! MODEL.md §3 invariants on random communities (property tests, native).
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use engine::{BillingHorizon, GridPrices, RuleId, SettlementReport, Settler, TimeAxis};
use proptest::prelude::*;

const REL: f64 = 1e-9;

fn close(a: f64, b: f64, scale: f64) -> bool {
    (a - b).abs() <= REL * scale.max(1.0)
}

/// A random community: `steps` × `members` net energy (some exact zeros) and valid prices.
fn community() -> impl Strategy<Value = (Vec<Vec<f64>>, Vec<GridPrices>, Vec<bool>)> {
    (2usize..12, 1usize..30).prop_flat_map(|(members, steps)| {
        let net = proptest::collection::vec(
            proptest::collection::vec(prop_oneof![Just(0.0), -5.0..5.0f64], members),
            steps,
        );
        let prices = proptest::collection::vec(
            (0.5..20.0f64, 0.05..0.95f64)
                .prop_map(|(buy, f)| GridPrices::new(0, buy, buy * f).unwrap()),
            steps,
        );
        let participation =
            proptest::collection::vec(prop_oneof![4 => Just(true), 1 => Just(false)], members);
        (net, prices, participation)
    })
}

fn settle(
    net: &[Vec<f64>],
    prices: &[GridPrices],
    horizon: BillingHorizon,
    participates: Option<&[bool]>,
) -> SettlementReport {
    let axis = TimeAxis {
        steps: net.len(),
        steps_per_day: 4,
        start_day_of_year: 0,
    };
    let mut settler = Settler::all_rules(axis, net[0].len(), horizon);
    if let Some(mask) = participates {
        settler = settler.with_participation(mask);
    }
    for (row, grid) in net.iter().zip(prices) {
        settler.push_step(*grid, row).unwrap();
    }
    settler.finish(0.0)
}

fn scale(report: &SettlementReport) -> f64 {
    report
        .rule(RuleId::None)
        .unwrap()
        .members
        .iter()
        .map(|m| m.reference_bill.abs())
        .sum()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// 1. Budget balance: Σ bills = one-meter grid bill, for every rule and BS horizon.
    #[test]
    fn budget_balance((net, prices, _) in community(), horizon in prop_oneof![Just(BillingHorizon::Step), Just(BillingHorizon::Day), Just(BillingHorizon::Run)]) {
        let report = settle(&net, &prices, horizon, None);
        for rule in [RuleId::Bs, RuleId::Mmr, RuleId::Sdr] {
            let r = report.rule(rule).unwrap();
            prop_assert!(close(r.community_bill, report.community.grid_bill, scale(&report)),
                "{rule:?}: {} vs {}", r.community_bill, report.community.grid_bill);
        }
    }

    /// 2. SDR and MMR prices lie in [λ_sell, λ_buy]; both are individually rational.
    #[test]
    fn price_bounds_and_individual_rationality((net, prices, _) in community()) {
        let report = settle(&net, &prices, BillingHorizon::Month, None);
        for rule in [RuleId::Mmr, RuleId::Sdr] {
            let r = report.rule(rule).unwrap();
            for (p, grid) in r.prices_by_step.iter().zip(&prices) {
                for price in [p.buy_per_kwh, p.sell_per_kwh] {
                    prop_assert!(price >= grid.sell_per_kwh * (1.0 - REL) && price <= grid.buy_per_kwh * (1.0 + REL),
                        "{rule:?}: {price} outside [{}, {}]", grid.sell_per_kwh, grid.buy_per_kwh);
                }
            }
            for m in &r.members {
                prop_assert!(m.bill <= m.reference_bill + REL * m.reference_bill.abs().max(1.0), "{rule:?}: {} > {}", m.bill, m.reference_bill);
            }
        }
    }

    /// 3. A step with only buyers or only sellers settles exactly as no sharing.
    #[test]
    fn one_sided_steps_are_no_sharing(members in proptest::collection::vec(0.0..5.0f64, 2..10), sellers in any::<bool>(), buy in 1.0..20.0f64) {
        let row: Vec<f64> = members.iter().map(|x| if sellers { -x } else { *x }).collect();
        let grid = GridPrices::new(0, buy, buy / 2.0).unwrap();
        let report = settle(&[row], &[grid], BillingHorizon::Step, None);
        let reference = report.rule(RuleId::None).unwrap();
        for rule in RuleId::ALL {
            for (m, r) in report.rule(rule).unwrap().members.iter().zip(&reference.members) {
                prop_assert!(close(m.bill, r.reference_bill, r.reference_bill.abs()), "{rule:?}");
            }
        }
    }

    /// 4. Total savings = (λ_buy − λ_sell) · shared energy, whoever gets them.
    #[test]
    fn total_savings_identity((net, prices, _) in community()) {
        let report = settle(&net, &prices, BillingHorizon::Run, None);
        let value: f64 = report.steps.iter().map(|s| s.grid.spread_per_kwh() * s.shared_kwh).sum();
        for rule in [RuleId::Bs, RuleId::Mmr, RuleId::Sdr] {
            let r = report.rule(rule).unwrap();
            prop_assert!(close(r.savings, value, scale(&report)), "{rule:?}: {} vs {value}", r.savings);
        }
        prop_assert!(report.rule(RuleId::None).unwrap().savings.abs() < 1e-9 * scale(&report).max(1.0));
    }

    /// Members who do not take part pay exactly their no-sharing bill; the rest stay balanced.
    #[test]
    fn outsiders_settle_alone((net, prices, participates) in community(), horizon in prop_oneof![Just(BillingHorizon::Step), Just(BillingHorizon::Run)]) {
        let report = settle(&net, &prices, horizon, Some(&participates));
        let outsiders_reference: f64 = report.rule(RuleId::None).unwrap().members.iter().zip(&participates)
            .filter(|(_, p)| !**p).map(|(m, _)| m.reference_bill).sum();
        for rule in RuleId::ALL {
            let r = report.rule(rule).unwrap();
            for (m, p) in r.members.iter().zip(&participates) {
                if !p {
                    prop_assert!(close(m.bill, m.reference_bill, m.reference_bill.abs()), "{rule:?}");
                }
            }
            if rule != RuleId::None {
                prop_assert!(close(r.community_bill, report.community.grid_bill + outsiders_reference, scale(&report)));
            }
        }
    }
}
