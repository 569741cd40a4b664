//! Generated communities on 15-, 30- and 60-minute axes: load, PV and outages at the same clock
//! time, the same daily energy; other step lengths are rejected.
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use engine::community::{generate, Community, CommunitySpec, Site};
use engine::TimeAxis;

fn year(steps_per_day: u32) -> TimeAxis {
    TimeAxis {
        steps: 365 * steps_per_day as usize,
        steps_per_day,
        start_day_of_year: 0,
    }
}

fn community(site: Site, steps_per_day: u32) -> Community {
    generate(&CommunitySpec::default_for(site), &year(steps_per_day)).unwrap()
}

/// kWh per day of a series of average kW.
fn daily_kwh(kw: &[f64], steps_per_day: usize) -> Vec<f64> {
    let hours = 24.0 / steps_per_day as f64;
    kw.chunks(steps_per_day)
        .map(|day| day.iter().sum::<f64>() * hours)
        .collect()
}

/// Clock hour (start of the step) of the community's highest mean load over the year.
fn peak_clock_hour(c: &Community, steps_per_day: usize) -> f64 {
    let mut by_step = vec![0.0; steps_per_day];
    for m in &c.members {
        for (t, v) in m.load_kw.iter().enumerate() {
            by_step[t % steps_per_day] += v;
        }
    }
    let peak = (0..steps_per_day)
        .max_by(|&a, &b| by_step[a].total_cmp(&by_step[b]))
        .unwrap();
    peak as f64 * 24.0 / steps_per_day as f64
}

fn relative_gap(a: f64, b: f64) -> f64 {
    if b.abs() < 1e-12 {
        a.abs()
    } else {
        (a - b).abs() / b.abs()
    }
}

#[test]
fn sub_hourly_communities_keep_the_clock_time_and_the_daily_energy() {
    for site in Site::ALL {
        let hourly = community(site, 24);
        let hourly_peak = peak_clock_hour(&hourly, 24);
        let hourly_pv: f64 = hourly.pv_per_kwp.iter().sum();
        eprintln!("{site:?} 24 steps/day: peak {hourly_peak:.2} h, PV {hourly_pv:.1} kWh/kWp");
        for spd in [48_u32, 96] {
            let fine = community(site, spd);
            let n = spd as usize;
            let per_hour = n / 24;

            let peak = peak_clock_hour(&fine, n);
            eprintln!("{site:?} {spd} steps/day: peak {peak:.2} h");
            assert!(
                (18.0..23.0).contains(&peak),
                "{site:?} {spd}: evening peak at {peak} h"
            );

            let mut worst_member_day = 0.0_f64;
            let mut community_fine = vec![0.0; 365];
            let mut community_hourly = vec![0.0; 365];
            for (a, b) in fine.members.iter().zip(&hourly.members) {
                assert_eq!((&a.id, a.pv_kwp, a.battery), (&b.id, b.pv_kwp, b.battery));
                let (da, db) = (daily_kwh(&a.load_kw, n), daily_kwh(&b.load_kw, 24));
                for (d, (x, y)) in da.iter().zip(&db).enumerate() {
                    worst_member_day = worst_member_day.max(relative_gap(*x, *y));
                    community_fine[d] += x;
                    community_hourly[d] += y;
                }
                // The same appliance events, binned finer: each hour is the mean of its steps.
                for (h, y) in b.load_kw.iter().enumerate() {
                    let steps = &a.load_kw[h * per_hour..(h + 1) * per_hour];
                    let mean = steps.iter().sum::<f64>() / per_hour as f64;
                    assert!((mean - y).abs() < 1e-9, "{} hour {h}: {mean} vs {y}", a.id);
                }
            }
            let worst_community_day = community_fine
                .iter()
                .zip(&community_hourly)
                .map(|(x, y)| relative_gap(*x, *y))
                .fold(0.0, f64::max);
            eprintln!(
                "{site:?} {spd}: daily load kWh gap, worst member-day {worst_member_day:.1e}, \
                 worst community day {worst_community_day:.1e}"
            );
            assert!(worst_member_day < 0.01 && worst_community_day < 0.01);

            // Grid outages: the same hours, every step of an hour alike.
            for (h, available) in hourly.grid_available.iter().enumerate() {
                let steps = &fine.grid_available[h * per_hour..(h + 1) * per_hour];
                assert!(
                    steps.iter().all(|s| s == available),
                    "{site:?} {spd} hour {h}"
                );
            }

            // PV: the same sun, integrated more finely.
            let pv: f64 = fine.pv_per_kwp.iter().sum::<f64>() * 24.0 / f64::from(spd);
            let (pv_fine, pv_hourly) = (
                daily_kwh(&fine.pv_per_kwp, n),
                daily_kwh(&hourly.pv_per_kwp, 24),
            );
            let worst_pv_day = pv_fine
                .iter()
                .zip(&pv_hourly)
                .map(|(x, y)| relative_gap(*x, *y))
                .fold(0.0, f64::max);
            eprintln!(
                "{site:?} {spd}: PV {pv:.1} kWh/kWp (hourly {hourly_pv:.1}), worst day {:.2}%",
                100.0 * worst_pv_day
            );
            assert!(
                relative_gap(pv, hourly_pv) < 0.01,
                "{site:?} {spd}: PV {pv}"
            );
            // Output only in daylight, centred near mean solar noon (about 12:06 IST in
            // Lucknow, 12:09 in Chennai).
            let mut centre_sum = 0.0;
            for day in fine.pv_per_kwp.chunks(n) {
                let energy: f64 = day.iter().sum();
                let centre: f64 = day
                    .iter()
                    .enumerate()
                    .map(|(s, v)| (s as f64 + 0.5) * 24.0 / f64::from(spd) * v)
                    .sum::<f64>()
                    / energy;
                assert!(day[0] == 0.0 && day[n - 1] == 0.0);
                centre_sum += centre;
            }
            let centre = centre_sum / 365.0;
            eprintln!("{site:?} {spd}: PV centre {centre:.2} h");
            assert!((11.9..12.4).contains(&centre), "{site:?} {spd}: {centre}");
        }
    }
}

#[test]
fn axes_the_generator_cannot_honour_are_rejected() {
    let spec = CommunitySpec::default_for(Site::CompositeNorth);
    for steps_per_day in [0_u32, 1, 12, 36, 144, 288, 1440] {
        let axis = TimeAxis {
            steps: 7 * steps_per_day as usize,
            steps_per_day,
            start_day_of_year: 0,
        };
        let message = generate(&spec, &axis).unwrap_err().to_string();
        assert!(
            message.contains("axis.steps_per_day")
                && message.contains("24, 48 or 96")
                && message.contains(&format!("got {steps_per_day}")),
            "{message}"
        );
    }
}

#[test]
fn a_window_generated_alone_equals_the_same_days_of_the_year() {
    for site in Site::ALL {
        for spd in [24_u32, 48, 96] {
            let axis = year(spd);
            let spec = CommunitySpec::default_for(site);
            let whole = generate(&spec, &axis).unwrap();
            let n = spd as usize;
            for (d0, d1) in [(0, 7), (150, 157), (361, 365)] {
                let (from, to) = (d0 * n, d1 * n);
                let window = generate(&spec, &axis.window(from, to)).unwrap();
                for (w, m) in window.members.iter().zip(&whole.members) {
                    assert_eq!(w.load_kw, m.load_kw[from..to], "{site:?} {spd} {}", m.id);
                    assert_eq!(w.pv_kw, m.pv_kw.get(from..to).unwrap_or_default());
                }
                assert_eq!(window.pv_per_kwp, whole.pv_per_kwp[from..to]);
                assert_eq!(window.grid_available, whole.grid_available[from..to]);
            }
        }
        // Across the new year of a two-year run (day-to-day persistence runs on).
        let axis = TimeAxis::hourly(2 * 8760);
        let spec = CommunitySpec::default_for(site);
        let whole = generate(&spec, &axis).unwrap();
        let (from, to) = (360 * 24, 372 * 24);
        let window = generate(&spec, &axis.window(from, to)).unwrap();
        for (w, m) in window.members.iter().zip(&whole.members) {
            assert_eq!(w.load_kw, m.load_kw[from..to], "{site:?} {}", m.id);
        }
        assert_eq!(window.pv_per_kwp, whole.pv_per_kwp[from..to]);
    }
}

#[test]
fn a_half_hourly_generated_scenario_runs_with_the_hourly_energy() {
    use engine::run::run;
    use engine::scenario::Scenario;
    use engine::tariff::TariffPreset;

    let on = |steps_per_day: u32| {
        let mut s = Scenario::generated(Site::CompositeNorth, TariffPreset::IndianTimeOfDay);
        s.axis = TimeAxis {
            steps: 10 * steps_per_day as usize,
            steps_per_day,
            start_day_of_year: 140,
        };
        s
    };
    let hourly = run(&on(24), &mut |_| {}).unwrap();
    let half_hourly = run(&on(48), &mut |_| {}).unwrap();
    for (a, b) in half_hourly.models.iter().zip(&hourly.models) {
        let (ea, eb) = (&a.energy, &b.energy);
        eprintln!(
            "{:?}: load {:.2} / {:.2} kWh, PV {:.2} / {:.2} kWh (30 / 60 min)",
            a.model, ea.load_kwh, eb.load_kwh, ea.pv_kwh, eb.pv_kwh
        );
        assert!(
            relative_gap(ea.load_kwh, eb.load_kwh) < 1e-9,
            "{:?}",
            a.model
        );
        assert!(relative_gap(ea.pv_kwh, eb.pv_kwh) < 0.01, "{:?}", a.model);
    }

    let mut bad = on(24);
    bad.axis.steps_per_day = 12;
    bad.axis.steps = 10 * 12;
    let message = run(&bad, &mut |_| {}).unwrap_err().to_string();
    assert!(message.contains("axis.steps_per_day"), "{message}");
}

#[test]
fn pv_falls_steadily_towards_sunset() {
    // Low sun once came out brighter than high sun (Ineichen's Perez term near the horizon).
    for site in Site::ALL {
        for spd in [24_u32, 96] {
            let pv = community(site, spd).pv_per_kwp;
            for (d, day) in pv.chunks(spd as usize).enumerate() {
                let peak = (0..day.len())
                    .max_by(|&a, &b| day[a].total_cmp(&day[b]))
                    .unwrap();
                assert!(
                    day[peak..].windows(2).all(|w| w[1] <= w[0]),
                    "{site:?} {spd} day {d}: {:?}",
                    &day[peak..]
                );
            }
        }
    }
}
