//! Mutated scenario files through `gridshare run`, as a user would run them: each must run
//! (exit 0, a report written) or be refused (exit 2, one line on stderr, no report written) —
//! never panic, abort or hang.
//!
//! A unit-test run pushes a few dozen files. For the full sweep:
//! `GRIDSHARE_FUZZ_FILES=3000 cargo test --release -p engine --features cli --test cli_fuzz -- --nocapture`
//! (`GRIDSHARE_FUZZ_SEED` picks another sequence).
#![cfg(all(feature = "cli", not(target_arch = "wasm32")))]
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod fuzz;

use std::path::PathBuf;
use std::process::Command;

use engine::scenario::Scenario;
use fuzz::{bases, member_steps, mutate, SplitMix, RUN_BUDGET_MEMBER_STEPS};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Longest a mutant may run, seconds: one that takes longer has hung.
const TIMEOUT_S: u32 = 300;

/// `gridshare run` under a 4 GB address-space limit (an absurd allocation fails fast instead of
/// swapping the machine) and, where `timeout` exists, a time limit (exit 124 = hung).
fn gridshare_run(scenario: &PathBuf, out: &PathBuf) -> std::process::Output {
    let bin = env!("CARGO_BIN_EXE_gridshare");
    if cfg!(unix) {
        Command::new("sh")
            .arg("-c")
            .arg(
                "ulimit -v 4194304; limit=\"$3\"; set -- \"$0\" run --scenario \"$1\" --out \"$2\"; \
                 if command -v timeout >/dev/null; then exec timeout \"$limit\" \"$@\"; fi; exec \"$@\"",
            )
            .arg(bin)
            .arg(scenario)
            .arg(out)
            .arg(TIMEOUT_S.to_string())
            .output()
            .unwrap()
    } else {
        Command::new(bin)
            .args(["run", "--scenario"])
            .arg(scenario)
            .arg("--out")
            .arg(out)
            .output()
            .unwrap()
    }
}

#[test]
fn mutated_scenario_files_run_or_exit_2_with_one_line() {
    let files = env_u64("GRIDSHARE_FUZZ_FILES", 40);
    let mut rng = SplitMix(env_u64("GRIDSHARE_FUZZ_SEED", 12_11));
    let dir = std::env::temp_dir().join(format!("gridshare-cli-fuzz-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let bases: Vec<serde_json::Value> = bases()
        .iter()
        .map(|s| serde_json::from_str(&s.to_json()).unwrap())
        .collect();
    let (mut ran, mut refused, mut skipped) = (0, 0, 0);
    let mut failures = Vec::new();
    for i in 0..files {
        let mut value = bases[(i % bases.len() as u64) as usize].clone();
        let edits = 1 + rng.next_u64() % 2;
        let what: Vec<String> = (0..edits)
            .map(|_| mutate(&mut value, rng.next_u64(), rng.next_u64(), rng.next_u64()))
            .collect();
        let text = serde_json::to_string_pretty(&value).unwrap();
        // Valid but long scenarios (years of steps, thousands of members) are not simulated here.
        if Scenario::from_json("mutant.json", &text)
            .is_ok_and(|s| member_steps(&s) > RUN_BUDGET_MEMBER_STEPS)
        {
            skipped += 1;
            continue;
        }
        let input = dir.join(format!("mutant-{i}.json"));
        let out = dir.join(format!("report-{i}.json"));
        std::fs::write(&input, &text).unwrap();
        let result = gridshare_run(&input, &out);
        let stderr = String::from_utf8_lossy(&result.stderr);
        let problem = match result.status.code() {
            Some(0)
                if std::fs::read_to_string(&out)
                    .is_ok_and(|r| serde_json::from_str::<serde_json::Value>(&r).is_ok()) =>
            {
                ran += 1;
                None
            }
            Some(0) => Some("exit 0 without a readable report".to_string()),
            Some(2)
                if stderr.lines().count() == 1
                    && stderr.starts_with("gridshare: ")
                    && !out.exists() =>
            {
                refused += 1;
                None
            }
            Some(2) => Some(format!("exit 2, but stderr or output wrong: {stderr:?}")),
            Some(124) => Some(format!("no answer within {TIMEOUT_S} s")),
            code => Some(format!("exit {code:?}: {stderr}")),
        };
        if let Some(problem) = problem {
            failures.push(format!("#{i} {}: {problem}", what.join("; ")));
        } else {
            let _ = std::fs::remove_file(&input);
        }
        let _ = std::fs::remove_file(&out);
    }
    println!(
        "{files} mutated files: {ran} ran, {refused} refused with exit 2, {skipped} valid but over \
         the run budget, {} failed",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {files} files failed (kept in {}):\n{}",
        failures.len(),
        dir.display(),
        failures.join("\n")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
