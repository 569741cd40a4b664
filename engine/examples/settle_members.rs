//! Settle N members × 8,760 hourly steps under every rule once, streaming; for measuring peak
//! memory with `/usr/bin/time -v` (see docs/PERFORMANCE.md). Usage: settle_members [N].

use engine::{BillingHorizon, GridPrices, Settler, TimeAxis};

fn main() {
    let members: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let grid = GridPrices {
        buy_per_kwh: 10.0,
        sell_per_kwh: 8.0,
    };
    let mut settler = Settler::all_rules(TimeAxis::hourly_year(), members, BillingHorizon::Month);
    let mut net = vec![0.0; members];
    for step in 0..8760 {
        let sun = if (8..17).contains(&(step % 24)) {
            1.0
        } else {
            0.0
        };
        for (k, x) in net.iter_mut().enumerate() {
            let wiggle = ((k * 7919 + step * 104_729) % 1000) as f64 / 1000.0;
            *x = 0.2 + 0.5 * wiggle - if k % 3 == 0 { 2.0 * sun * wiggle } else { 0.0 };
        }
        if let Err(e) = settler.push_step(grid, &net) {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
    let report = settler.finish(0.05);
    for rule in &report.rules {
        println!(
            "{:>4}: community bill {:.0}",
            rule.rule.key(),
            rule.community_bill
        );
    }
}
