//! A scenario is untrusted input (a file, a share link): mutated scenario JSON must run or be
//! refused with a one-line error, never panic, and a run that is accepted reports finite numbers.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod fuzz;

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};

use engine::run::{run, RunReport};
use engine::scenario::Scenario;
use fuzz::{bases, member_steps, mutate, RUN_BUDGET_MEMBER_STEPS};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;

/// Mutated cases per test run (a few milliseconds each in a debug build; runs dominate).
const CASES: u32 = 1000;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Outcome {
    Refused,
    Ran,
    OverBudget,
}

/// Every number a reader of the report would look at is finite.
fn report_is_finite(report: &RunReport) -> Result<(), String> {
    for m in &report.models {
        let e = &m.energy;
        let values = [
            ("community_bill", m.community_bill),
            ("reference_bill", m.reference_bill),
            ("savings", m.savings),
            ("cost_with_unserved", m.cost_with_unserved),
            ("load_kwh", e.load_kwh),
            ("pv_kwh", e.pv_kwh),
            ("grid_import_kwh", e.grid_import_kwh),
            ("grid_export_kwh", e.grid_export_kwh),
            ("energy_not_served_kwh", e.energy_not_served_kwh),
        ];
        let optional = [
            ("savings_pct", m.savings_pct),
            ("performance_measure", m.performance_measure),
            ("self_sufficiency", e.self_sufficiency),
        ];
        let bills = m.members.iter().map(|b| ("member bill", b.bill));
        for (name, v) in values
            .into_iter()
            .chain(optional.into_iter().filter_map(|(n, v)| v.map(|v| (n, v))))
            .chain(bills)
        {
            if !v.is_finite() {
                return Err(format!("{:?}: {name} is {v}", m.model));
            }
        }
    }
    Ok(())
}

/// Parse, and run what parses (unless it is long); Err = what went wrong.
fn try_scenario(text: &str) -> Result<Outcome, String> {
    match Scenario::from_json("mutant.json", text) {
        Err(e) => {
            let message = e.to_string();
            if message.contains('\n') || message.is_empty() {
                return Err(format!("the error is not one line: {message:?}"));
            }
            Ok(Outcome::Refused)
        }
        Ok(s) if member_steps(&s) > RUN_BUDGET_MEMBER_STEPS => Ok(Outcome::OverBudget),
        Ok(s) => match run(&s, &mut |_| {}) {
            Ok(report) => report_is_finite(&report).map(|()| Outcome::Ran),
            Err(e) if e.to_string().contains('\n') => Err(format!("run error not one line: {e}")),
            // A scenario that validates should run: a run-time refusal is a validation gap.
            Err(e) => Err(format!("validated, then refused by the run: {e}")),
        },
    }
}

#[test]
fn mutated_scenarios_run_or_are_refused_never_panic() {
    let bases: Vec<Value> = bases()
        .iter()
        .map(|s| serde_json::from_str(&s.to_json()).unwrap())
        .collect();
    for (i, base) in bases.iter().enumerate() {
        assert_eq!(
            try_scenario(&base.to_string()),
            Ok(Outcome::Ran),
            "base {i} must run"
        );
    }
    let counts = [Cell::new(0_u32), Cell::new(0), Cell::new(0)];
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (
        0..bases.len(),
        proptest::collection::vec((any::<u64>(), any::<u64>(), any::<u64>()), 1..3),
    );
    let result = runner.run(&strategy, |(base, edits)| {
        let mut value = bases[base].clone();
        let what: Vec<String> = edits
            .iter()
            .map(|(pick, op, arg)| mutate(&mut value, *pick, *op, *arg))
            .collect();
        let text = value.to_string();
        let outcome = catch_unwind(AssertUnwindSafe(|| try_scenario(&text)))
            .map_err(|_| "panicked".to_string())
            .and_then(|r| r);
        match outcome {
            Ok(o) => {
                let slot = &counts[o as usize];
                slot.set(slot.get() + 1);
                Ok(())
            }
            Err(problem) => Err(TestCaseError::fail(format!(
                "{problem} after mutating base {base}: {}\n{text}",
                what.join("; ")
            ))),
        }
    });
    let [refused, ran, over] = counts.map(|c| c.get());
    println!("{CASES} cases: {ran} ran, {refused} refused, {over} valid but over the run budget");
    if let Err(e) = result {
        panic!("{e}");
    }
    // The mutations must reach the run, not only the parser.
    assert!(ran >= CASES / 20, "only {ran} of {CASES} mutants ran");
}

/// The panics issue 12 names, and others the fuzzing found, are refused by field.
#[test]
fn known_panics_are_refused_by_field() {
    let json = |s: &Scenario| -> Value { serde_json::from_str(&s.to_json()).unwrap() };
    let refused = |v: &Value| -> String {
        match Scenario::from_json("s.json", &v.to_string()) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("accepted: {v}"),
        }
    };
    let [north, south, custom, _] = <[Scenario; 4]>::try_from(bases()).unwrap();
    let cases: Vec<(Value, &str)> = vec![
        // Divided by zero in the coordinator.
        (
            {
                let mut v = json(&north);
                v["axis"]["steps_per_day"] = 0.into();
                v
            },
            "axis.steps_per_day is 0",
        ),
        // Aborted on allocating the prices.
        (
            {
                let mut v = json(&north);
                v["axis"]["steps"] = (1_u64 << 63).into();
                v
            },
            "axis.steps is 9223372036854775808; allowed: 1 to 87600",
        ),
        // Overflowed adding the horizon to the window's end.
        (
            {
                let mut v = json(&north);
                v["settings"]["coordinator"]["horizon_steps"] = u64::MAX.into();
                v
            },
            "settings.coordinator.horizon_steps",
        ),
        // Overflowed the window's start day.
        (
            {
                let mut v = json(&north);
                v["axis"]["start_day_of_year"] = u32::MAX.into();
                v
            },
            "axis.start_day_of_year is 4294967295",
        ),
        // A huge PV value made the optimiser's bounds infinite (clamp panicked).
        (
            {
                let mut v = json(&custom);
                v["community"]["members"][2]["pv_kw"][47] = f64::MAX.into();
                v
            },
            "community.members[2].pv_kw[47] is 1.7976931348623157e308",
        ),
        // A fault for a member the community does not have was silently ignored.
        (
            {
                let mut v = json(&south);
                v["settings"]["coordinator"]["faults"][0]["member"] = "S99".into();
                v
            },
            "settings.coordinator.faults[0].member: the community has no member 'S99'",
        ),
        (
            {
                let mut v = json(&south);
                v["community"]["overrides"][1]["member"] = "N01".into();
                v
            },
            "community.overrides[1].member: the community has no member 'N01'",
        ),
        (
            {
                let mut v = json(&custom);
                v["community"]["members"][0]["battery"]["charge_efficiency"] = 1e-300.into();
                v
            },
            "community.members[0].battery.charge_efficiency is 1e-300; allowed: 0.5 to 1",
        ),
    ];
    for (value, expected) in cases {
        let err = refused(&value);
        assert!(err.contains(expected), "{err}\nexpected: {expected}");
    }
}
