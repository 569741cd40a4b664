//! The coordinator's optimiser against an independent LP (Clarabel) on real community data.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use clarabel::algebra::CscMatrix;
use clarabel::solver::{
    DefaultSettingsBuilder, DefaultSolver, IPSolver, SolverStatus, SupportedConeT,
};
use engine::community::{generate, Battery, CommunitySpec, Site};
use engine::coordinator::{optimise_whole_horizon, PeakPenalty, WholeHorizon};
use engine::tariff::TariffPreset;
use engine::{GridPrices, TimeAxis};

struct Case {
    base: Vec<f64>,
    flex: Vec<f64>,
    prices: Vec<GridPrices>,
    batteries: Vec<Battery>,
}

/// Days `first_day..first_day+days` of a default community: inflexible net, flexible load, batteries.
fn case(site: Site, first_day: usize, days: usize, preset: TariffPreset) -> Case {
    let axis = TimeAxis::hourly((first_day + days) * 24);
    let community = generate(&CommunitySpec::default_for(site), &axis).unwrap();
    let prices = preset.tariff().prices(&axis).unwrap()[first_day * 24..].to_vec();
    let range = first_day * 24..(first_day + days) * 24;
    let mut base = vec![0.0; days * 24];
    let mut flex = vec![0.0; days * 24];
    for m in &community.members {
        for (i, t) in range.clone().enumerate() {
            let pv = m.pv_kw.get(t).copied().unwrap_or(0.0);
            base[i] += (1.0 - m.flexible_share) * m.load_kw[t] - pv;
            flex[i] += m.flexible_share * m.load_kw[t];
        }
    }
    let batteries = community.members.iter().filter_map(|m| m.battery).collect();
    Case {
        base,
        flex,
        prices,
        batteries,
    }
}

/// The same problem as an LP over every battery separately, solved by Clarabel.
fn lp_optimum(c: &Case, peak: Option<PeakPenalty>, wear: f64, flex_multiple: f64) -> f64 {
    let n = c.base.len();
    let nb = c.batteries.len();
    // Variables: per step [I, E, P, s, (c_k, d_k, soc_k) for each battery].
    let per_step = 4 + 3 * nb;
    let var = |t: usize, j: usize| t * per_step + j;
    let nvars = n * per_step;
    let mut q = vec![0.0; nvars];
    let (mut rows, mut cols, mut vals, mut b) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut row = 0;
    let mut add = |r: usize,
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
    let mut le = |entries: &[(usize, f64)],
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

fn check(
    site: Site,
    first_day: usize,
    days: usize,
    preset: TariffPreset,
    peak: Option<PeakPenalty>,
) {
    let c = case(site, first_day, days, preset);
    let wear = 0.1;
    let ours = optimise_whole_horizon(&WholeHorizon {
        base_kwh: &c.base,
        flex_kwh: &c.flex,
        steps_per_day: 24,
        step_hours: 1.0,
        prices: &c.prices,
        peak,
        wear_per_kwh: wear,
        flex_power_multiple: 4.0,
        batteries: &c.batteries,
    });
    let lp = lp_optimum(&c, peak, wear, 4.0);
    let gap = (ours.cost - lp) / lp.abs().max(1.0);
    eprintln!(
        "{site:?} day {first_day}+{days} {preset:?}: ours {:.4}, LP {lp:.4}, gap {:.5}%",
        ours.cost,
        100.0 * gap
    );
    assert!(
        gap.abs() <= 1e-3,
        "gap {:.4}% (ours {}, LP {lp})",
        100.0 * gap,
        ours.cost
    );
}

#[test]
fn whole_horizon_optimum_matches_the_lp() {
    check(Site::CompositeNorth, 150, 3, TariffPreset::Study, None);
    check(
        Site::WarmHumidSouth,
        10,
        3,
        TariffPreset::IndianTimeOfDay,
        None,
    );
    check(
        Site::CompositeNorth,
        200,
        7,
        TariffPreset::IndianTimeOfDay,
        None,
    );
    check(Site::WarmHumidSouth, 300, 5, TariffPreset::FlatRetail, None);
    check(Site::CompositeNorth, 20, 4, TariffPreset::FlatRetail, None);
}

#[test]
fn whole_horizon_optimum_matches_the_lp_with_a_peak_limit() {
    check(
        Site::WarmHumidSouth,
        120,
        2,
        TariffPreset::IndianTimeOfDay,
        Some(PeakPenalty {
            limit_kwh: 8.0,
            penalty_per_kwh: 5.0,
        }),
    );
}

#[test]
fn battery_only_and_flex_only_are_exact() {
    for mode in ["battery", "flex"] {
        let mut c = case(Site::CompositeNorth, 150, 3, TariffPreset::Study);
        if mode == "battery" {
            for t in 0..c.base.len() {
                c.base[t] += c.flex[t];
                c.flex[t] = 0.0;
            }
        } else {
            c.batteries.clear();
        }
        let ours = optimise_whole_horizon(&WholeHorizon {
            base_kwh: &c.base,
            flex_kwh: &c.flex,
            steps_per_day: 24,
            step_hours: 1.0,
            prices: &c.prices,
            peak: None,
            wear_per_kwh: 0.1,
            flex_power_multiple: 4.0,
            batteries: &c.batteries,
        });
        let lp = lp_optimum(&c, None, 0.1, 4.0);
        assert!(
            (ours.cost - lp).abs() <= 1e-6 * lp.abs(),
            "{mode}: ours {} LP {lp}",
            ours.cost
        );
    }
}
