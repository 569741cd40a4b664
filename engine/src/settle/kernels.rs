//! The settler's hot loops, as functions of separate slices: `&mut` parameters tell the compiler
//! the arrays do not overlap, which it needs to vectorise (it cannot see that for struct fields).
//!
//! The per-member accumulations work on a *block* of steps (`rows`: step-major, `n` values per
//! step), a tile of [`TILE`] members at a time: every step of the block is added to the tile's
//! running totals in time order while they sit in the L1 cache. Each total is still the same
//! sequence of additions as one step at a time, so results are bit-identical for any block
//! length; what changes is the memory traffic (a dozen member-long arrays read and written once
//! per block, not per step). The innermost loops run over members, the shape the compiler
//! vectorises (an earlier version unrolled a few members by hand: SSE2 and AVX2 vectorised it,
//! but on wasm32 the compiler split every `if x > 0` into scalar lanes: 1.85× slower than before).
//!
//! Natively on x86-64 the block loops and the step's sums are also compiled for AVX2 (four lanes
//! instead of SSE2's two), picked at run time where the CPU has it (`multiversion`): the same
//! lane-wise IEEE additions and multiplications, never fused, so the results do not depend on the
//! CPU.
//!
//! No `f64::max` (slow on wasm32): a member's import is [`import_of`], its export `import − x`.

use crate::market::{GridPrices, InternalPrices};

/// Partial sums in the community totals (a multiple of the SIMD width).
const LANES: usize = 4;

/// Members per tile of the block loops: seven running totals of 256 members are 14 kB.
const TILE: usize = 256;

/// The step's (TBP, TSP), copying the step into `row` on the way: lane-wise partial sums (one
/// running sum would forbid vectorising; the copy hides under their latency). A value that is
/// not finite makes TSP infinite or NaN (its export is ∞ − ∞, 0 − NaN or 0 − (−∞)), so the
/// caller looks for one only then.
#[cfg_attr(
    target_arch = "x86_64",
    multiversion::multiversion(targets("x86_64+avx2"))
)]
pub(super) fn step_sums_into(net: &[f64], row: &mut [f64]) -> (f64, f64) {
    let row = &mut row[..net.len()];
    let mut lanes_buy = [0.0; LANES];
    let mut lanes_sell = [0.0; LANES];
    let whole = net.len() - net.len() % LANES;
    for base in (0..whole).step_by(LANES) {
        for j in 0..LANES {
            let x = net[base + j];
            row[base + j] = x;
            let imp = import_of(x);
            lanes_buy[j] += imp;
            lanes_sell[j] += imp - x;
        }
    }
    for k in whole..net.len() {
        let x = net[k];
        row[k] = x;
        let imp = import_of(x);
        lanes_buy[0] += imp;
        lanes_sell[0] += imp - x;
    }
    (lanes_buy.iter().sum(), lanes_sell.iter().sum())
}

/// A member's import from its net energy: `x` if positive, else 0 (what `f64::max` would give
/// for every finite `x`, without its call on wasm32); its export is `import_of(x) − x`.
#[inline(always)]
fn import_of(x: f64) -> f64 {
    if x > 0.0 {
        x
    } else {
        0.0
    }
}

/// The members `tile` of step `s` of the block.
fn tile_of<'a>(rows: &'a [f64], n: usize, s: usize, tile: &std::ops::Range<usize>) -> &'a [f64] {
    &rows[s * n + tile.start..s * n + tile.end]
}

/// The member tiles of `0..n`.
fn tiles(n: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    (0..n)
        .step_by(TILE)
        .map(move |start| start..(start + TILE).min(n))
}

/// Per-member totals over a block of steps, each step at its grid prices: import,
/// export, Σλ_buy·import, Σλ_sell·export, Σλ_sell·import, Σλ_buy·export.
#[cfg_attr(
    target_arch = "x86_64",
    multiversion::multiversion(targets("x86_64+avx2"))
)]
pub(super) fn block_totals(rows: &[f64], n: usize, prices: &[GridPrices], totals: [&mut [f64]; 6]) {
    let [import, export, buy_cost, sell_revenue, import_low, export_high] = totals;
    for tile in tiles(n) {
        let t = tile.clone();
        let (import, export) = (&mut import[t.clone()], &mut export[t.clone()]);
        let (buy_cost, sell_revenue) = (&mut buy_cost[t.clone()], &mut sell_revenue[t.clone()]);
        let (import_low, export_high) = (&mut import_low[t.clone()], &mut export_high[t]);
        for (s, grid) in prices.iter().enumerate() {
            let (buy, sell) = (grid.buy_per_kwh, grid.sell_per_kwh);
            let net = tile_of(rows, n, s, &tile);
            for k in 0..net.len() {
                let x = net[k];
                let imp = import_of(x);
                let exp = imp - x;
                import[k] += imp;
                export[k] += exp;
                buy_cost[k] += buy * imp;
                sell_revenue[k] += sell * exp;
                import_low[k] += sell * imp;
                export_high[k] += buy * exp;
            }
        }
    }
}

/// Surplus supplied to other members over a block: Σ export · share, `share` per step.
#[cfg_attr(
    target_arch = "x86_64",
    multiversion::multiversion(targets("x86_64+avx2"))
)]
pub(super) fn block_contribution(rows: &[f64], n: usize, shares: &[f64], contributed: &mut [f64]) {
    for tile in tiles(n) {
        let contributed = &mut contributed[tile.clone()];
        for (s, &share) in shares.iter().enumerate() {
            let net = tile_of(rows, n, s, &tile);
            for k in 0..net.len() {
                let x = net[k];
                let imp = import_of(x);
                contributed[k] += (imp - x) * share;
            }
        }
    }
}

/// One rule's costs and revenues over a block, at its internal prices of each step.
#[cfg_attr(
    target_arch = "x86_64",
    multiversion::multiversion(targets("x86_64+avx2"))
)]
pub(super) fn block_rule(
    rows: &[f64],
    n: usize,
    prices: &[InternalPrices],
    cost: &mut [f64],
    revenue: &mut [f64],
) {
    for tile in tiles(n) {
        let (cost, revenue) = (&mut cost[tile.clone()], &mut revenue[tile.clone()]);
        for (s, p) in prices.iter().enumerate() {
            let (pb, ps) = (p.buy_per_kwh, p.sell_per_kwh);
            let net = tile_of(rows, n, s, &tile);
            for k in 0..net.len() {
                let x = net[k];
                let imp = import_of(x);
                cost[k] += pb * imp;
                revenue[k] += ps * (imp - x);
            }
        }
    }
}
