//! Synthetic settlement input for benchmarks: 24 hourly net-energy vectors (evening buyers,
//! midday sellers) cycled through a year. Shared by the criterion benchmarks, the browser
//! benchmark in the worker and the NumPy reference, so all three settle exactly the same numbers.

use crate::market::GridPrices;
use crate::metrics::SettlementReport;
use crate::settle::Settler;
use crate::time_axis::TimeAxis;
use crate::BillingHorizon;

/// A fixed xorshift64 stream of numbers in [0, 1) from `seed` (non-zero): synthetic inputs that
/// every platform reproduces bit for bit.
pub(crate) fn unit_stream(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// 24 hourly net-energy vectors (kWh) of `members` members, from a fixed xorshift64 stream.
pub fn step_pool(members: usize) -> Vec<Vec<f64>> {
    let mut next = unit_stream(0x2545_f491_4f6c_dd1d);
    (0..24)
        .map(|h| {
            let sun = if (8..17).contains(&h) { 1.0 } else { 0.0 };
            (0..members)
                .map(|k| {
                    let pv = if k % 3 == 0 { 2.0 * sun * next() } else { 0.0 };
                    0.2 + 0.5 * next() - pv
                })
                .collect()
        })
        .collect()
}

/// The benchmark tariff: the study's flat 10 / 8 ₹/kWh for every hour of a year.
pub fn year_prices() -> Vec<GridPrices> {
    vec![
        GridPrices {
            buy_per_kwh: 10.0,
            sell_per_kwh: 8.0,
        };
        8760
    ]
}

/// Settle a year of the pool (step `t` uses vector `t mod 24`) under no sharing, BS (monthly),
/// MMR and SDR, with every metric. `None` if a price is invalid (never with [`year_prices`]).
pub fn settle_pool_year(pool: &[Vec<f64>], prices: &[GridPrices]) -> Option<SettlementReport> {
    let members = pool.first().map_or(0, Vec::len);
    let mut settler = Settler::all_rules(TimeAxis::hourly_year(), members, BillingHorizon::Month);
    for (step, grid) in prices.iter().enumerate() {
        settler.push_step(*grid, &pool[step % pool.len()]).ok()?;
    }
    Some(settler.finish(0.05))
}
