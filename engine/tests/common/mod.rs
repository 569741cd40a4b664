//! Shared by the coordinator tests: the same optimisation as an independent LP (Clarabel).
#![allow(dead_code)]

use clarabel::algebra::CscMatrix;
use clarabel::solver::{
    DefaultSettingsBuilder, DefaultSolver, IPSolver, SolverStatus, SupportedConeT,
};
use engine::community::Battery;
use engine::coordinator::PeakPenalty;
use engine::GridPrices;

/// One-meter inputs: inflexible net, flexible load, prices, batteries.
pub struct Case {
    pub base: Vec<f64>,
    pub flex: Vec<f64>,
    pub prices: Vec<GridPrices>,
    pub batteries: Vec<Battery>,
}

/// The same problem as an LP over every battery separately, solved by Clarabel.
pub fn lp_optimum(c: &Case, peak: Option<PeakPenalty>, wear: f64, flex_multiple: f64) -> f64 {
    lp_with_demand_charge(c, peak, wear, flex_multiple, 0.0)
}

/// [`lp_optimum`] plus a demand charge (₹/kW) on the maximum import: one more variable D with
/// I_t ≤ D at every (hourly) step and cost `demand_charge`·D.
pub fn lp_with_demand_charge(
    c: &Case,
    peak: Option<PeakPenalty>,
    wear: f64,
    flex_multiple: f64,
    demand_charge: f64,
) -> f64 {
    let n = c.base.len();
    let nb = c.batteries.len();
    // Variables: per step [I, E, P, s, (c_k, d_k, soc_k) for each battery], then D.
    let per_step = 4 + 3 * nb;
    let var = |t: usize, j: usize| t * per_step + j;
    let demand = n * per_step;
    let nvars = n * per_step + usize::from(demand_charge > 0.0);
    let mut q = vec![0.0; nvars];
    if demand_charge > 0.0 {
        q[demand] = demand_charge;
    }
    let (mut rows, mut cols, mut vals, mut b) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut row = 0;
    let add = |r: usize,
               col: usize,
               v: f64,
               rows: &mut Vec<usize>,
               cols: &mut Vec<usize>,
               vals: &mut Vec<f64>| {
        rows.push(r);
        cols.push(col);
        vals.push(v);
    };
    // Equalities first (zero cone).
    for t in 0..n {
        q[var(t, 0)] = c.prices[t].buy_per_kwh;
        q[var(t, 1)] = -c.prices[t].sell_per_kwh;
        q[var(t, 2)] = peak.map_or(0.0, |p| p.penalty_per_kwh);
        // I − E − s − Σ(c − d) = base
        add(row, var(t, 0), 1.0, &mut rows, &mut cols, &mut vals);
        add(row, var(t, 1), -1.0, &mut rows, &mut cols, &mut vals);
        add(row, var(t, 3), -1.0, &mut rows, &mut cols, &mut vals);
        for k in 0..nb {
            add(
                row,
                var(t, 4 + 3 * k),
                -1.0,
                &mut rows,
                &mut cols,
                &mut vals,
            );
            add(row, var(t, 5 + 3 * k), 1.0, &mut rows, &mut cols, &mut vals);
            q[var(t, 4 + 3 * k)] = wear;
            q[var(t, 5 + 3 * k)] = wear;
        }
        b.push(c.base[t]);
        row += 1;
        // soc_t − soc_{t−1} − ηc·c + d/ηd = 0
        for (k, bat) in c.batteries.iter().enumerate() {
            add(row, var(t, 6 + 3 * k), 1.0, &mut rows, &mut cols, &mut vals);
            add(
                row,
                var(t, 4 + 3 * k),
                -bat.charge_efficiency,
                &mut rows,
                &mut cols,
                &mut vals,
            );
            add(
                row,
                var(t, 5 + 3 * k),
                1.0 / bat.discharge_efficiency,
                &mut rows,
                &mut cols,
                &mut vals,
            );
            if t > 0 {
                add(
                    row,
                    var(t - 1, 6 + 3 * k),
                    -1.0,
                    &mut rows,
                    &mut cols,
                    &mut vals,
                );
                b.push(0.0);
            } else {
                b.push(bat.soc_initial_frac * bat.capacity_kwh);
            }
            row += 1;
        }
    }
    // Σ_day s = F_d
    for day in 0..n / 24 {
        for t in day * 24..(day + 1) * 24 {
            add(row, var(t, 3), 1.0, &mut rows, &mut cols, &mut vals);
        }
        b.push(c.flex[day * 24..(day + 1) * 24].iter().sum());
        row += 1;
    }
    let equalities = row;
    // Inequalities G x ≤ h (nonnegative cone).
    let le = |entries: &[(usize, f64)],
              h: f64,
              row: &mut usize,
              rows: &mut Vec<usize>,
              cols: &mut Vec<usize>,
              vals: &mut Vec<f64>,
              b: &mut Vec<f64>| {
        for &(col, v) in entries {
            rows.push(*row);
            cols.push(col);
            vals.push(v);
        }
        b.push(h);
        *row += 1;
    };
    for t in 0..n {
        for j in [0, 1, 2, 3] {
            le(
                &[(var(t, j), -1.0)],
                0.0,
                &mut row,
                &mut rows,
                &mut cols,
                &mut vals,
                &mut b,
            );
        }
        let day_flex: f64 = c.flex[(t / 24) * 24..(t / 24 + 1) * 24].iter().sum();
        le(
            &[(var(t, 3), 1.0)],
            flex_multiple * day_flex / 24.0,
            &mut row,
            &mut rows,
            &mut cols,
            &mut vals,
            &mut b,
        );
        if demand_charge > 0.0 {
            le(
                &[(var(t, 0), 1.0), (demand, -1.0)],
                0.0,
                &mut row,
                &mut rows,
                &mut cols,
                &mut vals,
                &mut b,
            );
        }
        if let Some(p) = peak {
            le(
                &[(var(t, 0), 1.0), (var(t, 2), -1.0)],
                p.limit_kwh,
                &mut row,
                &mut rows,
                &mut cols,
                &mut vals,
                &mut b,
            );
        }
        for (k, bat) in c.batteries.iter().enumerate() {
            for j in [4, 5] {
                le(
                    &[(var(t, j + 3 * k), -1.0)],
                    0.0,
                    &mut row,
                    &mut rows,
                    &mut cols,
                    &mut vals,
                    &mut b,
                );
                le(
                    &[(var(t, j + 3 * k), 1.0)],
                    bat.power_kw,
                    &mut row,
                    &mut rows,
                    &mut cols,
                    &mut vals,
                    &mut b,
                );
            }
            le(
                &[(var(t, 6 + 3 * k), 1.0)],
                bat.soc_max_frac * bat.capacity_kwh,
                &mut row,
                &mut rows,
                &mut cols,
                &mut vals,
                &mut b,
            );
            le(
                &[(var(t, 6 + 3 * k), -1.0)],
                -bat.soc_min_frac * bat.capacity_kwh,
                &mut row,
                &mut rows,
                &mut cols,
                &mut vals,
                &mut b,
            );
        }
    }
    for (k, bat) in c.batteries.iter().enumerate() {
        le(
            &[(var(n - 1, 6 + 3 * k), -1.0)],
            -bat.soc_initial_frac * bat.capacity_kwh,
            &mut row,
            &mut rows,
            &mut cols,
            &mut vals,
            &mut b,
        );
    }
    let a = CscMatrix::new_from_triplets(row, nvars, rows, cols, vals);
    let p = CscMatrix::zeros((nvars, nvars));
    let cones = [
        SupportedConeT::ZeroConeT(equalities),
        SupportedConeT::NonnegativeConeT(row - equalities),
    ];
    let settings = DefaultSettingsBuilder::default()
        .verbose(false)
        .tol_gap_rel(1e-9)
        .tol_gap_abs(1e-9)
        .build()
        .unwrap();
    let mut solver = DefaultSolver::new(&p, &q, &a, &b, &cones, settings).unwrap();
    solver.solve();
    assert_eq!(solver.solution.status, SolverStatus::Solved);
    solver.solution.obj_val
}
