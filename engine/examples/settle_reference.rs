//! The native side of `scripts/bench.sh`: settle the synthetic 10,000 × 8,760 input
//! (`engine::synthetic`) under every rule `repeats` times, and print one JSON line with the median
//! time, and each rule's community bill and first three members' bills. With `--pool FILE` it also writes the 24 step vectors
//! (little-endian f64, 24 × members) for the NumPy reference to settle the very same numbers.
//!
//! Usage: settle_reference [--members N] [--repeats R] [--pool FILE]

use std::time::Instant;

use engine::synthetic::{settle_pool_year, step_pool, year_prices};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let members: usize = value("--members")
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let repeats: usize = value("--repeats").and_then(|v| v.parse().ok()).unwrap_or(5);
    let pool = step_pool(members);
    if let Some(path) = value("--pool") {
        let bytes: Vec<u8> = pool
            .iter()
            .flatten()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        if let Err(e) = std::fs::write(&path, bytes) {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    }
    let prices = year_prices();
    let mut times = Vec::new();
    let mut report = None;
    for _ in 0..repeats.max(1) {
        let start = Instant::now();
        report = settle_pool_year(&pool, &prices);
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let Some(report) = report else {
        eprintln!("settlement failed");
        std::process::exit(1);
    };
    let bills: Vec<String> = report
        .rules
        .iter()
        .map(|r| {
            // The community bill and the first three members' bills: budget-balanced rules share
            // the total, so the members show whether each rule split it the same way.
            let first: Vec<String> = r
                .members
                .iter()
                .take(3)
                .map(|m| m.bill.to_string())
                .collect();
            format!(
                "\"{}\": [{}, {}]",
                r.rule.key(),
                r.community_bill,
                first.join(", ")
            )
        })
        .collect();
    println!(
        "{{\"members\": {members}, \"median_s\": {}, \"bills\": {{{}}}}}",
        times[times.len() / 2],
        bills.join(", ")
    );
}
