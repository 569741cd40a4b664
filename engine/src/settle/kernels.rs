//! The settler's hot loops, as functions of separate slices: `&mut` parameters tell the compiler
//! the arrays do not overlap, which it needs to vectorise (it cannot see that for struct fields).
//!
//! The per-member accumulations work on a *block* of steps (`rows`: step-major, `n` values per
//! step): a few members' running totals are loaded once, every step of the block is added in
//! time order, and they are stored once. Each total is still the same sequence of additions as
//! one step at a time, so results are bit-identical for any block length; what changes is the
//! memory traffic (a dozen member-long arrays read and written once per block, not per step).
//!
//! Natively on x86-64 the three block loops are also compiled for AVX2 (four lanes instead of
//! SSE2's two), picked at run time where the CPU has it (`multiversion`): the same lane-wise IEEE
//! additions and multiplications, never fused, so the results do not depend on the CPU.
//!
//! No `f64::max` (slow on wasm32): a member's import is `if x > 0 { x } else { 0 }`, its export
//! `import − x`.

use crate::market::{GridPrices, InternalPrices};

/// Partial sums in the community totals, and members per chunk in the blocked loops (a multiple
/// of the SIMD width).
const LANES: usize = 4;

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
    let whole = whole_chunks(net.len());
    for base in (0..whole).step_by(LANES) {
        for j in 0..LANES {
            let x = net[base + j];
            row[base + j] = x;
            let imp = if x > 0.0 { x } else { 0.0 };
            lanes_buy[j] += imp;
            lanes_sell[j] += imp - x;
        }
    }
    for k in whole..net.len() {
        let x = net[k];
        row[k] = x;
        let imp = if x > 0.0 { x } else { 0.0 };
        lanes_buy[0] += imp;
        lanes_sell[0] += imp - x;
    }
    (lanes_buy.iter().sum(), lanes_sell.iter().sum())
}

/// Where the chunks of [`LANES`] members end; the members after it go one at a time (the same
/// body, vectorised where it can be).
fn whole_chunks(n: usize) -> usize {
    n - n % LANES
}

/// `W` running totals starting at member `base` of `total`.
#[inline(always)]
fn load<const W: usize>(total: &[f64], base: usize) -> [f64; W] {
    let mut out = [0.0; W];
    out.copy_from_slice(&total[base..base + W]);
    out
}

/// `W` members' net energy at step `s` of the block.
#[inline(always)]
fn row<const W: usize>(rows: &[f64], n: usize, s: usize, base: usize) -> [f64; W] {
    load::<W>(&rows[s * n..(s + 1) * n], base)
}

/// Per-member totals over a block of steps, each step at its grid prices: import,
/// export, Σλ_buy·import, Σλ_sell·export, Σλ_sell·import, Σλ_buy·export.
#[cfg_attr(
    target_arch = "x86_64",
    multiversion::multiversion(targets("x86_64+avx2"))
)]
pub(super) fn block_totals(rows: &[f64], n: usize, prices: &[GridPrices], totals: [&mut [f64]; 6]) {
    #[inline(always)]
    fn chunk<const W: usize>(
        rows: &[f64],
        n: usize,
        prices: &[GridPrices],
        base: usize,
        acc: &mut [&mut [f64]; 6],
    ) {
        let [a0, a1, a2, a3, a4, a5] = acc;
        let (mut imp_sum, mut exp_sum) = (load::<W>(a0, base), load::<W>(a1, base));
        let (mut cost, mut revenue) = (load::<W>(a2, base), load::<W>(a3, base));
        let (mut low, mut high) = (load::<W>(a4, base), load::<W>(a5, base));
        for (s, grid) in prices.iter().enumerate() {
            let (buy, sell) = (grid.buy_per_kwh, grid.sell_per_kwh);
            let x = row::<W>(rows, n, s, base);
            for j in 0..W {
                let imp = if x[j] > 0.0 { x[j] } else { 0.0 };
                let exp = imp - x[j];
                imp_sum[j] += imp;
                exp_sum[j] += exp;
                cost[j] += buy * imp;
                revenue[j] += sell * exp;
                low[j] += sell * imp;
                high[j] += buy * exp;
            }
        }
        a0[base..base + W].copy_from_slice(&imp_sum);
        a1[base..base + W].copy_from_slice(&exp_sum);
        a2[base..base + W].copy_from_slice(&cost);
        a3[base..base + W].copy_from_slice(&revenue);
        a4[base..base + W].copy_from_slice(&low);
        a5[base..base + W].copy_from_slice(&high);
    }
    let mut acc = totals.map(|t| &mut t[..n]);
    let whole = whole_chunks(n);
    for base in (0..whole).step_by(LANES) {
        chunk::<LANES>(rows, n, prices, base, &mut acc);
    }
    for k in whole..n {
        chunk::<1>(rows, n, prices, k, &mut acc);
    }
}

/// Surplus supplied to other members over a block: Σ export · share, `share` per step.
#[cfg_attr(
    target_arch = "x86_64",
    multiversion::multiversion(targets("x86_64+avx2"))
)]
pub(super) fn block_contribution(rows: &[f64], n: usize, shares: &[f64], contributed: &mut [f64]) {
    #[inline(always)]
    fn chunk<const W: usize>(rows: &[f64], n: usize, shares: &[f64], base: usize, c: &mut [f64]) {
        let mut sum = load::<W>(c, base);
        for (s, &share) in shares.iter().enumerate() {
            let x = row::<W>(rows, n, s, base);
            for j in 0..W {
                let imp = if x[j] > 0.0 { x[j] } else { 0.0 };
                sum[j] += (imp - x[j]) * share;
            }
        }
        c[base..base + W].copy_from_slice(&sum);
    }
    let contributed = &mut contributed[..n];
    let whole = whole_chunks(n);
    for base in (0..whole).step_by(LANES) {
        chunk::<LANES>(rows, n, shares, base, contributed);
    }
    for k in whole..n {
        chunk::<1>(rows, n, shares, k, contributed);
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
    #[inline(always)]
    fn chunk<const W: usize>(
        rows: &[f64],
        n: usize,
        prices: &[InternalPrices],
        base: usize,
        cost: &mut [f64],
        revenue: &mut [f64],
    ) {
        let (mut c, mut r) = (load::<W>(cost, base), load::<W>(revenue, base));
        for (s, p) in prices.iter().enumerate() {
            let (pb, ps) = (p.buy_per_kwh, p.sell_per_kwh);
            let x = row::<W>(rows, n, s, base);
            for j in 0..W {
                let imp = if x[j] > 0.0 { x[j] } else { 0.0 };
                c[j] += pb * imp;
                r[j] += ps * (imp - x[j]);
            }
        }
        cost[base..base + W].copy_from_slice(&c);
        revenue[base..base + W].copy_from_slice(&r);
    }
    let (cost, revenue) = (&mut cost[..n], &mut revenue[..n]);
    let whole = whole_chunks(n);
    for base in (0..whole).step_by(LANES) {
        chunk::<LANES>(rows, n, prices, base, cost, revenue);
    }
    for k in whole..n {
        chunk::<1>(rows, n, prices, k, cost, revenue);
    }
}
