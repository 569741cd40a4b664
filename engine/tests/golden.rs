//! Golden tests: every worked example of MODEL.md §6, natively and on wasm32.
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use engine::example::{settle_one_hour, STUDY_PRICES};
use engine::{settle_matrix, BillingHorizon, RuleId, SettlementReport, TimeAxis};
use wasm_bindgen_test::wasm_bindgen_test;

const TOL: f64 = 1e-6;

fn bills(report: &SettlementReport, rule: RuleId) -> Vec<f64> {
    report
        .rule(rule)
        .expect("rule settled")
        .members
        .iter()
        .map(|m| m.bill)
        .collect()
}

fn assert_close(actual: &[f64], expected: &[f64], what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: length");
    for (k, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!(
            (a - e).abs() < TOL,
            "{what}: member {k}: got {a}, expected {e}"
        );
    }
}

fn hour(net: [f64; 3]) -> SettlementReport {
    settle_one_hour(&net, STUDY_PRICES).expect("valid example")
}

#[wasm_bindgen_test(unsupported = test)]
fn example_a_net_importer() {
    let r = hour([2.0, 1.0, -1.5]);
    assert!((r.community.buyers_kwh - 3.0).abs() < TOL);
    assert!((r.community.sellers_kwh - 1.5).abs() < TOL);
    assert!((r.steps[0].supply_demand_ratio().unwrap() - 0.5).abs() < TOL);
    assert!((r.community.grid_bill - 15.0).abs() < TOL);
    assert_close(&bills(&r, RuleId::None), &[20.0, 10.0, -12.0], "A none");
    assert_close(
        &bills(&r, RuleId::Sdr),
        &[18.888889, 9.444444, -13.333333],
        "A sdr",
    );
    let sdr = r.rule(RuleId::Sdr).unwrap().prices_by_step[0];
    assert!((sdr.sell_per_kwh - 80.0 / 9.0).abs() < 1e-12);
    assert!((sdr.buy_per_kwh - 85.0 / 9.0).abs() < 1e-12);
    assert_close(&bills(&r, RuleId::Mmr), &[19.0, 9.5, -13.5], "A mmr");
    assert_close(&bills(&r, RuleId::Bs), &[10.0, 5.0, 0.0], "A bs");
}

#[wasm_bindgen_test(unsupported = test)]
fn example_b_net_exporter() {
    let r = hour([-2.0, -1.0, 1.5]);
    assert!((r.community.grid_bill + 12.0).abs() < TOL);
    assert_close(&bills(&r, RuleId::Sdr), &[-16.0, -8.0, 12.0], "B sdr");
    assert_close(&bills(&r, RuleId::Mmr), &[-17.0, -8.5, 13.5], "B mmr");
    assert_close(&bills(&r, RuleId::Bs), &[-8.0, -4.0, 0.0], "B bs");
}

#[wasm_bindgen_test(unsupported = test)]
fn example_c_balanced() {
    let r = hour([1.0, 1.0, -2.0]);
    assert_close(&bills(&r, RuleId::Sdr), &[8.0, 8.0, -16.0], "C sdr");
    assert_close(&bills(&r, RuleId::Mmr), &[9.0, 9.0, -18.0], "C mmr");
    assert_close(&bills(&r, RuleId::Bs), &[0.0, 0.0, 0.0], "C bs");
}

#[wasm_bindgen_test(unsupported = test)]
fn examples_d_and_e_one_sided() {
    let d = hour([1.0, 2.0, 0.0]);
    let e = hour([-1.0, -2.0, 0.0]);
    for rule in RuleId::ALL {
        assert_close(&bills(&d, rule), &[10.0, 20.0, 0.0], "D");
        assert_close(&bills(&e, rule), &[-8.0, -16.0, 0.0], "E");
        // No sharing potential: PM is "n/a", never a division by zero.
        assert_eq!(d.rule(rule).unwrap().performance_measure, None);
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn example_h_bill_sharing_horizon() {
    let net = vec![vec![2.0, 1.0, -1.5], vec![-2.0, -1.0, 1.5]];
    let prices = [STUDY_PRICES, STUDY_PRICES];
    let axis = TimeAxis::hourly(2);
    let pooled = settle_matrix(&net, &prices, axis, BillingHorizon::Run).unwrap();
    assert_close(
        &bills(&pooled, RuleId::Bs),
        &[1.333333, 0.666667, 1.0],
        "H bs run",
    );
    let hourly = settle_matrix(&net, &prices, axis, BillingHorizon::Step).unwrap();
    assert_close(&bills(&hourly, RuleId::Bs), &[2.0, 1.0, 0.0], "H bs hourly");
    assert_close(
        &bills(&pooled, RuleId::Sdr),
        &[2.888889, 1.444444, -1.333333],
        "H sdr",
    );
    assert_close(&bills(&pooled, RuleId::Mmr), &[2.0, 1.0, 0.0], "H mmr");
    // Pooled BS prices are recorded for both hours of the horizon.
    let bs = pooled.rule(RuleId::Bs).unwrap();
    assert!((bs.prices_by_step[0].buy_per_kwh - 10.0 / 3.0).abs() < TOL);
    assert_eq!(bs.prices_by_step[0], bs.prices_by_step[1]);
}

#[wasm_bindgen_test(unsupported = test)]
fn budget_rules_have_pm_one_and_none_zero() {
    let r = hour([2.0, 1.0, -1.5]);
    for rule in [RuleId::Bs, RuleId::Mmr, RuleId::Sdr] {
        let pm = r.rule(rule).unwrap().performance_measure.unwrap();
        assert!((pm - 1.0).abs() < 1e-9, "{rule:?} PM {pm}");
    }
    assert!(
        r.rule(RuleId::None)
            .unwrap()
            .performance_measure
            .unwrap()
            .abs()
            < 1e-12
    );
}
