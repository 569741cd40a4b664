//! The cloud EMS optimiser: minimise the community's grid cost over a window by scheduling
//! aggregated storage (exact convex dynamic program over the state of charge) and flexible load
//! (exact water-filling within each day), alternating until neither improves.
//!
//! Why not a general LP crate: the pure-Rust LP solvers read a clock (and so pull `web-time`,
//! `js-sys` and `wasm-bindgen` into the engine on wasm32), which the engine's invariants forbid;
//! this problem's structure (one meter, convex piecewise-linear cost, storage dynamics) admits an
//! exact specialised method that is also much faster. Tests compare it with Clarabel's LP optimum.

use serde::{Deserialize, Serialize};

use super::pwl::Pwl;
use super::shaping::Shaping;
use crate::market::GridPrices;

/// Aggregated storage: batteries with identical efficiencies and C-rate behave as one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Storage {
    /// Most energy the group can take from or give to the bus in one step, kWh.
    pub power_kwh: f64,
    pub eta_charge: f64,
    pub eta_discharge: f64,
    pub soc_min_kwh: f64,
    pub soc_max_kwh: f64,
}

/// Flexible energy to be placed within a range of window steps.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct FlexGroup {
    pub start: usize,
    pub end: usize,
    pub energy_kwh: f64,
}

/// One optimisation window.
#[derive(Clone, Debug)]
pub(crate) struct Window<'a> {
    /// Inflexible net energy of the coordinated members per step (load − PV), kWh.
    pub base_kwh: &'a [f64],
    /// The flexible load at its original timing, kWh per step (start point only).
    pub flex_original_kwh: &'a [f64],
    /// Most flexible energy per step, kWh.
    pub flex_cap_kwh: &'a [f64],
    pub flex_groups: &'a [FlexGroup],
    pub prices: &'a [GridPrices],
    /// The exchange's convex cost terms beyond the grid's prices (caps, valley filling).
    pub shaping: &'a Shaping,
    /// Per storage group and step: most energy it may draw from the bus to charge, kWh (the
    /// members' connection margins); None = the groups' power only.
    pub charge_cap_kwh: Option<&'a [Vec<f64>]>,
    /// Battery wear cost per kWh charged or discharged, ₹.
    pub wear_per_kwh: f64,
    /// (storage, state of charge now, lowest state of charge at the window's end).
    pub storage: &'a [(Storage, f64, f64)],
    /// A guess of each flex group's shadow price (e.g. the previous window's), if any.
    pub mu_hint: Option<&'a [f64]>,
    /// Search joint moves for every flex group until none improves (exact); otherwise one pass
    /// over the first group only.
    pub thorough: bool,
}

/// How a window solve ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SolveStatus {
    /// Optimal for the window.
    Optimal,
    /// The end-of-window state of charge could not be reached; it was priced instead of required.
    TerminalRelaxed,
    /// The flexible energy did not fit under the per-step caps; the rest was spread evenly.
    FlexOverCap,
}

impl SolveStatus {
    /// The status of a solve: a relaxed terminal SOC outranks flexible energy over the caps.
    fn of(terminal_relaxed: bool, flex_fits: bool) -> Self {
        if terminal_relaxed {
            Self::TerminalRelaxed
        } else if !flex_fits {
            Self::FlexOverCap
        } else {
            Self::Optimal
        }
    }
}

/// The schedule for a window.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Plan {
    /// Per storage group and step: energy drawn from the bus to charge, kWh.
    pub charge_kwh: Vec<Vec<f64>>,
    /// Per storage group and step: energy delivered to the bus, kWh.
    pub discharge_kwh: Vec<Vec<f64>>,
    /// Per storage group and step: state of charge at the end of the step, kWh.
    pub soc_kwh: Vec<Vec<f64>>,
    /// Flexible load per step, kWh.
    pub flex_kwh: Vec<f64>,
    /// Grid cost of the window (with penalty and wear), ₹.
    pub cost: f64,
    pub status: SolveStatus,
    /// Shadow price of each flex group's energy at the solution (when known).
    pub mu: Vec<f64>,
}

/// Flexible load folded into a storage stage: up to `cap_kwh` may run here at shadow price `mu`.
#[derive(Clone, Copy, Debug)]
struct Folded {
    cap_kwh: f64,
    mu: f64,
}

/// min over s ∈ [0, cap] of cost(y + s) − μ·s, and the s that attains it.
fn folded_cost(y: f64, fold: Folded, grid: &GridPrices, shaping: &Shaping) -> (f64, f64) {
    let mut best = (shaping.cost(y, grid), 0.0);
    // Only the kinks in (y, y + cap] can be better than their neighbours (kinks are ascending).
    let kinks = shaping.kinks();
    let first = kinks.partition_point(|k| *k <= y);
    let last = kinks.partition_point(|k| *k <= y + fold.cap_kwh);
    let cuts = kinks[first..last]
        .iter()
        .map(|k| k - y)
        .chain(std::iter::once(fold.cap_kwh));
    for s in cuts {
        if s > 0.0 && s <= fold.cap_kwh {
            let v = shaping.cost(y + s, grid) - fold.mu * s;
            if v < best.0 - 1e-12 {
                best = (v, s);
            }
        }
    }
    best
}

/// Buffers the storage dynamic program reuses from one call to the next (it runs hundreds of
/// times a simulated day; allocating its functions afresh each time was a fifth of a run).
#[derive(Default)]
pub(crate) struct DpScratch {
    /// Each step's stage cost φₜ.
    stages: Vec<Pwl>,
    /// Value functions V₀..Vₙ (Vₙ the terminal value).
    values: Vec<Pwl>,
    reflected: Option<Pwl>,
    convolved: Option<Pwl>,
    xs: Vec<f64>,
    points: Vec<(f64, f64)>,
    deltas: Vec<f64>,
    next_values: Vec<f64>,
    stage_values: Vec<f64>,
}

/// φ(Δ): cost of changing the state of charge by Δ when the rest of the bus nets `other` kWh
/// (with flexible load folded in at a shadow price when `fold` is given); charging draws at
/// most `charge_cap_kwh` from the bus. Written into `out`; `xs` and `points` are buffers.
#[allow(clippy::too_many_arguments)] // the stage's inputs, then three reused buffers
fn stage_cost(
    s: &Storage,
    other: f64,
    grid: &GridPrices,
    shaping: &Shaping,
    wear: f64,
    fold: Option<Folded>,
    charge_cap_kwh: f64,
    (xs, points, out): (&mut Vec<f64>, &mut Vec<(f64, f64)>, &mut Pwl),
) {
    let charge_kwh = s.power_kwh.min(charge_cap_kwh.max(0.0));
    let (lo, hi) = (-s.power_kwh / s.eta_discharge, charge_kwh * s.eta_charge);
    let bus = |d: f64| {
        if d >= 0.0 {
            d / s.eta_charge
        } else {
            d * s.eta_discharge
        }
    };
    let value = |d: f64| {
        let y = other + bus(d);
        let grid_part = match fold {
            Some(f) => folded_cost(y, f, grid, shaping).0,
            None => shaping.cost(y, grid),
        };
        grid_part + wear * bus(d).abs()
    };
    // Δ where the bus crosses a kink of the exchange cost.
    let inverse = |y: f64| {
        let needed = y - other;
        if needed >= 0.0 {
            needed * s.eta_charge
        } else {
            needed / s.eta_discharge
        }
    };
    xs.clear();
    xs.extend([lo, 0.0, hi]);
    // Only kinks the bus can reach this step (kinks are ascending).
    let kinks = shaping.kinks();
    let (bus_lo, bus_hi) = (other + bus(lo), other + bus(hi));
    let reach = |from: f64, to: f64| {
        let a = kinks.partition_point(|k| *k < from - 1e-12);
        let b = kinks.partition_point(|k| *k <= to + 1e-12);
        &kinks[a..b.max(a)]
    };
    for &k in reach(bus_lo, bus_hi) {
        xs.push(inverse(k));
    }
    if let Some(f) = fold {
        for &k in reach(bus_lo + f.cap_kwh, bus_hi + f.cap_kwh) {
            xs.push(inverse(k - f.cap_kwh));
        }
    }
    xs.retain(|x| *x >= lo && *x <= hi);
    xs.sort_by(f64::total_cmp);
    xs.dedup_by(|a, b| (*a - *b).abs() < 1e-12);
    points.clear();
    points.extend(xs.iter().map(|&x| (x, value(x))));
    out.set_points(points);
}

/// Vₜ = (Vₜ₊₁ □ reflected φₜ) clipped to the state-of-charge range, from `values[n]` (the
/// terminal value) back to `values[0]`; whether the start `soc_now` is in V₀'s domain.
fn value_functions(scratch: &mut DpScratch, s: &Storage, soc_now: f64) -> bool {
    let n = scratch.stages.len();
    let reflected = scratch.reflected.get_or_insert_with(Pwl::empty);
    let convolved = scratch.convolved.get_or_insert_with(Pwl::empty);
    for t in (0..n).rev() {
        scratch.stages[t].reflect_into(reflected);
        scratch.values[t + 1].infconv_into(reflected, convolved);
        if !convolved.clip_into(s.soc_min_kwh, s.soc_max_kwh, &mut scratch.values[t]) {
            return false;
        }
    }
    let start = &scratch.values[0];
    soc_now >= start.x0 - 1e-9 && soc_now <= start.end() + 1e-9
}

/// Optimal storage schedule for one group given everything else on the bus (`other_kwh`).
#[allow(clippy::too_many_arguments)] // the group's problem, then the reused buffers
fn schedule_storage(
    w: &Window,
    s: &Storage,
    soc_now: f64,
    terminal_min: f64,
    other_kwh: &[f64],
    fold: Option<&[Option<Folded>]>,
    charge_cap_kwh: Option<&[f64]>,
    scratch: &mut DpScratch,
) -> (Vec<f64>, Vec<f64>, Vec<f64>, bool, f64) {
    let n = other_kwh.len();
    scratch.stages.resize_with(n, Pwl::empty);
    scratch.values.resize_with(n + 1, Pwl::empty);
    for t in 0..n {
        stage_cost(
            s,
            other_kwh[t],
            &w.prices[t],
            w.shaping,
            w.wear_per_kwh,
            fold.and_then(|f| f[t]),
            charge_cap_kwh.map_or(f64::INFINITY, |c| c[t]),
            (&mut scratch.xs, &mut scratch.points, &mut scratch.stages[t]),
        );
    }
    let target = terminal_min.clamp(s.soc_min_kwh, s.soc_max_kwh);
    scratch.values[n] = Pwl::constant(target, s.soc_max_kwh, 0.0);
    let relaxed = if value_functions(scratch, s, soc_now) {
        false
    } else {
        // Price the shortfall at a high value instead of requiring the target.
        let value = w.prices.iter().map(|p| p.buy_per_kwh).fold(0.0, f64::max) * 2.0;
        scratch.values[n] = Pwl::from_points(&[
            (s.soc_min_kwh, value * (target - s.soc_min_kwh)),
            (target, 0.0),
            (s.soc_max_kwh.max(target), 0.0),
        ]);
        if !value_functions(scratch, s, soc_now) {
            return (
                vec![0.0; n],
                vec![0.0; n],
                vec![soc_now; n],
                true,
                f64::INFINITY,
            );
        }
        true
    };
    let (mut charge, mut discharge, mut soc) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let mut now = soc_now.clamp(s.soc_min_kwh, s.soc_max_kwh);
    let DpScratch {
        stages,
        values,
        xs,
        deltas,
        next_values,
        stage_values,
        ..
    } = scratch;
    let optimum = values[0].eval(now);
    for t in 0..n {
        let next = &values[t + 1];
        let stage = &stages[t];
        let lo = (now + stage.x0).max(s.soc_min_kwh).max(next.x0);
        // `value_functions` accepts a start up to 1e-9 outside the value function's domain, so
        // rounding can leave `lo` a hair above `hi`; then the nearest reachable state is `lo`
        // (and `clamp` must not see lo > hi, which panics).
        let hi = (now + stage.end())
            .min(s.soc_max_kwh)
            .min(next.end())
            .max(lo);
        let mut best = (f64::INFINITY, now);
        // Every breakpoint in reach, evaluated in one sweep of each function.
        xs.clear();
        xs.extend(
            [lo, hi, now.clamp(lo, hi)]
                .into_iter()
                .chain(next.breakpoints())
                .chain(stage.breakpoints().map(|d| now + d))
                .filter(|x| *x >= lo - 1e-12 && *x <= hi + 1e-12)
                .map(|x| x.clamp(lo, hi)),
        );
        xs.sort_by(f64::total_cmp);
        next.eval_sorted(xs, next_values);
        deltas.clear();
        deltas.extend(xs.iter().map(|x| x - now));
        stage.eval_sorted(deltas, stage_values);
        for ((&x, a), b) in xs.iter().zip(next_values.iter()).zip(stage_values.iter()) {
            let total = a + b;
            if total < best.0 - 1e-12
                || (total <= best.0 + 1e-12 && (x - now).abs() < (best.1 - now).abs())
            {
                best = (total, x);
            }
        }
        let delta = best.1 - now;
        if delta >= 0.0 {
            charge[t] = delta / s.eta_charge;
        } else {
            discharge[t] = -delta * s.eta_discharge;
        }
        now = best.1;
        soc[t] = now;
    }
    (charge, discharge, soc, relaxed, optimum)
}

/// Place each group's flexible energy where the marginal grid cost is lowest (exact for convex
/// separable costs). Returns whether every group fitted under the caps, and each group's water
/// level (the marginal cost of its last kWh: the shadow price of its daily energy).
fn place_flex(w: &Window, other_kwh: &[f64], flex: &mut [f64]) -> (bool, Vec<f64>) {
    let mut fits = true;
    let mut levels = Vec::with_capacity(w.flex_groups.len());
    for g in w.flex_groups {
        // Pieces (slope, step, length) of each step's cost as a function of its flexible load.
        let mut pieces: Vec<(f64, usize, f64)> = Vec::new();
        for t in g.start..g.end {
            let cap = w.flex_cap_kwh[t];
            let y0 = other_kwh[t];
            let mut cuts: Vec<f64> = w.shaping.kinks().iter().map(|k| k - y0).collect();
            cuts.extend([0.0, cap]);
            cuts.retain(|c| *c >= 0.0 && *c <= cap);
            cuts.sort_by(f64::total_cmp);
            for pair in cuts.windows(2) {
                let len = pair[1] - pair[0];
                if len > 1e-12 {
                    let cost = |s: f64| w.shaping.cost(y0 + s, &w.prices[t]);
                    pieces.push(((cost(pair[1]) - cost(pair[0])) / len, t, len));
                }
            }
            flex[t] = 0.0;
        }
        pieces.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut left = g.energy_kwh;
        let mut level = pieces.first().map_or(0.0, |p| p.0);
        for (slope, t, len) in pieces {
            if left <= 0.0 {
                break;
            }
            let take = len.min(left);
            flex[t] += take;
            left -= take;
            level = slope;
        }
        levels.push(level);
        if left > 1e-9 && g.end > g.start {
            fits = false;
            let each = left / (g.end - g.start) as f64;
            for f in &mut flex[g.start..g.end] {
                *f += each;
            }
        }
    }
    (fits, levels)
}

/// Total window cost of a schedule.
fn window_cost(w: &Window, flex: &[f64], charge: &[Vec<f64>], discharge: &[Vec<f64>]) -> f64 {
    (0..w.base_kwh.len())
        .map(|t| {
            let battery: f64 = charge.iter().zip(discharge).map(|(c, d)| c[t] - d[t]).sum();
            let throughput: f64 = charge.iter().zip(discharge).map(|(c, d)| c[t] + d[t]).sum();
            w.shaping
                .cost(w.base_kwh[t] + flex[t] + battery, &w.prices[t])
                + w.wear_per_kwh * throughput
        })
        .sum()
}

/// Below this a round's improvement ends the search, ₹: a thousandth of a rupee, or a relative
/// 1e-9 of large costs (the valley-filling term makes ever-smaller improvements possible that
/// move no meaningful energy).
fn improvement_tolerance(cost: f64) -> f64 {
    (1e-9 * cost.abs()).max(1e-3)
}

/// Alternating exact steps: each storage group's DP, then flexible load, until no improvement.
/// Upper bound on passes of the joint-move search in thorough mode.
const THOROUGH_PASSES: usize = 40;

pub(crate) fn solve(w: &Window) -> Plan {
    solve_with(w, &mut DpScratch::default())
}

/// [`solve`] with the dynamic program's buffers kept by the caller (a coordinator solving every
/// step reuses them).
pub(crate) fn solve_with(w: &Window, scratch: &mut DpScratch) -> Plan {
    const ROUNDS: usize = 6;
    let n = w.base_kwh.len();
    let groups = w.storage.len();
    // Start from the original timing, rescaled to each group's energy.
    let mut flex = w.flex_original_kwh.to_vec();
    for g in w.flex_groups {
        let original: f64 = flex[g.start..g.end].iter().sum();
        for f in &mut flex[g.start..g.end] {
            *f = if original > 0.0 {
                *f * g.energy_kwh / original
            } else {
                g.energy_kwh / (g.end - g.start) as f64
            };
        }
    }
    let mut charge = vec![vec![0.0; n]; groups];
    let mut discharge = vec![vec![0.0; n]; groups];
    let mut soc: Vec<Vec<f64>> = w.storage.iter().map(|(_, now, _)| vec![*now; n]).collect();
    let mut relaxed = false;
    let mut fits = true;
    let mut levels: Vec<f64> = Vec::new();
    let mut best_cost = f64::INFINITY;
    let battery_net =
        |charge: &[Vec<f64>], discharge: &[Vec<f64>], skip: Option<usize>, t: usize| -> f64 {
            (0..groups)
                .filter(|h| Some(*h) != skip)
                .map(|h| charge[h][t] - discharge[h][t])
                .sum()
        };
    // Block-coordinate rounds: each storage group's exact DP given the rest, then the exact flex
    // placement given the batteries.
    let round = |charge: &mut Vec<Vec<f64>>,
                 discharge: &mut Vec<Vec<f64>>,
                 soc: &mut Vec<Vec<f64>>,
                 flex: &mut Vec<f64>,
                 folded: Option<&[Option<Folded>]>,
                 scratch: &mut DpScratch| {
        let mut relaxed_now = false;
        for g in 0..groups {
            let other: Vec<f64> = (0..n)
                .map(|t| {
                    w.base_kwh[t]
                        + if folded.is_some() { 0.0 } else { flex[t] }
                        + battery_net(charge, discharge, Some(g), t)
                })
                .collect();
            let (s, now, terminal) = w.storage[g];
            let cap = w.charge_cap_kwh.map(|c| c[g].as_slice());
            let (c, d, o, r, _) =
                schedule_storage(w, &s, now, terminal, &other, folded, cap, scratch);
            charge[g] = c;
            discharge[g] = d;
            soc[g] = o;
            relaxed_now |= r;
        }
        let mut placed = (true, Vec::new());
        if !w.flex_groups.is_empty() {
            let other: Vec<f64> = (0..n)
                .map(|t| w.base_kwh[t] + battery_net(charge, discharge, None, t))
                .collect();
            placed = place_flex(w, &other, flex);
        }
        (relaxed_now, placed)
    };
    for _ in 0..ROUNDS {
        let (r, (f, l)) = round(
            &mut charge,
            &mut discharge,
            &mut soc,
            &mut flex,
            None,
            scratch,
        );
        relaxed |= r;
        fits = f;
        levels = l;
        let cost = window_cost(w, &flex, &charge, &discharge);
        let improved = cost < best_cost - improvement_tolerance(best_cost);
        best_cost = best_cost.min(cost);
        if !improved || (groups <= 1 && w.flex_groups.is_empty()) {
            break;
        }
    }
    // Joint moves: plain rounds stall where the batteries and the flexible load must move
    // together. Fold the flexible load into the storage DP at each day's shadow price (its water
    // level), then restore the exact daily energy with plain rounds; keep what improves.
    if groups > 0 && !w.flex_groups.is_empty() {
        let s0 = w.storage[0].0;
        let loss = s0.eta_charge * s0.eta_discharge;
        // Candidate shadow prices of a day's flexible energy: the grid slopes, with and without
        // a storage round trip.
        let candidates: Vec<Vec<f64>> = w
            .flex_groups
            .iter()
            .map(|g| {
                let mut c: Vec<f64> = w.prices[g.start..g.end]
                    .iter()
                    .flat_map(|p| {
                        [
                            p.sell_per_kwh,
                            p.buy_per_kwh,
                            p.sell_per_kwh / loss,
                            p.buy_per_kwh * loss,
                        ]
                    })
                    .collect();
                c.sort_by(f64::total_cmp);
                c.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
                c
            })
            .collect();
        let fold_for = |mu: &[f64]| -> Vec<Option<Folded>> {
            let mut fold: Vec<Option<Folded>> = vec![None; n];
            for (g, level) in w.flex_groups.iter().zip(mu) {
                for (t, slot) in fold.iter_mut().enumerate().take(g.end).skip(g.start) {
                    *slot = Some(Folded {
                        cap_kwh: w.flex_cap_kwh[t],
                        mu: *level,
                    });
                }
            }
            fold
        };
        // Weak duality: with one storage group, the folded DP's value plus Σ μ·F is a lower
        // bound on the window's optimum. A bound that meets the current cost proves optimality.
        let certified = |mu: &[f64], cost: f64, scratch: &mut DpScratch| -> bool {
            if groups != 1 {
                return false;
            }
            let fold = fold_for(mu);
            let (st, now, terminal) = w.storage[0];
            let (.., relaxed, value) = schedule_storage(
                w,
                &st,
                now,
                terminal,
                w.base_kwh,
                Some(&fold),
                w.charge_cap_kwh.map(|c| c[0].as_slice()),
                scratch,
            );
            let bound = value
                + w.flex_groups
                    .iter()
                    .zip(mu)
                    .map(|(g, m)| m * g.energy_kwh)
                    .sum::<f64>();
            !relaxed && bound >= cost - 1e-9 * cost.abs().max(1.0)
        };
        let mut mu = levels.clone();
        let hint_ok = w.mu_hint.is_some_and(|h| h.len() == w.flex_groups.len());
        if (hint_ok && w.mu_hint.is_some_and(|h| certified(h, best_cost, scratch)))
            || certified(&levels, best_cost, scratch)
        {
            return Plan {
                charge_kwh: charge,
                discharge_kwh: discharge,
                soc_kwh: soc,
                flex_kwh: flex,
                cost: best_cost,
                status: SolveStatus::of(relaxed, fits),
                mu: if hint_ok {
                    w.mu_hint.map(<[f64]>::to_vec).unwrap_or_default()
                } else {
                    levels
                },
            };
        }
        if let Some(h) = w.mu_hint.filter(|_| hint_ok) {
            mu = h.to_vec();
        }
        let (passes, searched) = if w.thorough {
            (THOROUGH_PASSES, w.flex_groups.len())
        } else {
            (1, 1)
        };
        for _ in 0..passes {
            let before = best_cost;
            for day in 0..searched {
                for &candidate in &candidates[day] {
                    let mut trial_mu = mu.clone();
                    trial_mu[day] = candidate;
                    let mut fold: Vec<Option<Folded>> = vec![None; n];
                    for (g, level) in w.flex_groups.iter().zip(&trial_mu) {
                        for (t, slot) in fold.iter_mut().enumerate().take(g.end).skip(g.start) {
                            *slot = Some(Folded {
                                cap_kwh: w.flex_cap_kwh[t],
                                mu: *level,
                            });
                        }
                    }
                    let (mut c2, mut d2, mut s2, mut f2) =
                        (charge.clone(), discharge.clone(), soc.clone(), flex.clone());
                    let (mut r2, (mut fits2, _)) =
                        round(&mut c2, &mut d2, &mut s2, &mut f2, Some(&fold), scratch);
                    for _ in 0..2 {
                        let (r, (f, l)) = round(&mut c2, &mut d2, &mut s2, &mut f2, None, scratch);
                        r2 |= r;
                        fits2 = f;
                        let _ = l;
                    }
                    let cost = window_cost(w, &f2, &c2, &d2);
                    if cost < best_cost - 1e-9 * best_cost.abs().max(1.0) {
                        best_cost = cost;
                        mu = trial_mu;
                        (charge, discharge, soc, flex, fits) = (c2, d2, s2, f2, fits2);
                        relaxed |= r2;
                    }
                }
            }
            if best_cost >= before - improvement_tolerance(before)
                || certified(&mu, best_cost, scratch)
            {
                break;
            }
        }
        levels = mu;
    }
    Plan {
        charge_kwh: charge,
        discharge_kwh: discharge,
        soc_kwh: soc,
        flex_kwh: flex,
        cost: best_cost,
        status: SolveStatus::of(relaxed, fits),
        mu: levels,
    }
}
