//! Weather and load persist from day to day (AR(1)), so yesterday says something about today:
//! the lag-1 autocorrelation of daily PV and of daily member load, with the season removed.
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use engine::community::{generate, Archetype, CommunitySpec, Site};
use engine::TimeAxis;

const DAYS_PER_MONTH: [usize; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// Calendar month of each day of the year.
fn months() -> Vec<usize> {
    DAYS_PER_MONTH
        .iter()
        .enumerate()
        .flat_map(|(m, n)| std::iter::repeat_n(m, *n))
        .collect()
}

/// Pairs (today, tomorrow) of each day's value over its month's mean, both days in one of
/// `keep`'s months (so the seasonal cycle does not count as persistence).
fn anomaly_pairs(daily: &[f64], keep: &[usize], pairs: &mut Vec<(f64, f64)>) {
    let month = months();
    let mut mean = [0.0; 12];
    for (d, x) in daily.iter().enumerate() {
        mean[month[d]] += x / DAYS_PER_MONTH[month[d]] as f64;
    }
    for d in 0..daily.len() - 1 {
        let m = month[d];
        if month[d + 1] == m && keep.contains(&m) && mean[m] > 0.0 {
            pairs.push((daily[d] / mean[m] - 1.0, daily[d + 1] / mean[m] - 1.0));
        }
    }
}

fn correlation(pairs: &[(f64, f64)]) -> f64 {
    let n = pairs.len() as f64;
    let (mx, my) = (
        pairs.iter().map(|p| p.0).sum::<f64>() / n,
        pairs.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in pairs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    sxy / libm::sqrt(sxx * syy)
}

fn daily_kwh(kw: &[f64]) -> Vec<f64> {
    kw.chunks(24).map(|d| d.iter().sum()).collect()
}

#[test]
fn daily_cloudiness_persists_most_in_the_monsoon() {
    let all: Vec<usize> = (0..12).collect();
    for (site, monsoon, dry) in [
        (Site::CompositeNorth, vec![6, 7], vec![2, 3]),
        (Site::WarmHumidSouth, vec![9, 10, 11], vec![1, 2, 3]),
    ] {
        let (mut year, mut wet, mut clear) = (Vec::new(), Vec::new(), Vec::new());
        for seed in 0..12 {
            let spec = CommunitySpec {
                seed,
                members: 2,
                ..CommunitySpec::default_for(site)
            };
            let pv = daily_kwh(
                &generate(&spec, &TimeAxis::hourly_year())
                    .unwrap()
                    .pv_per_kwp,
            );
            anomaly_pairs(&pv, &all, &mut year);
            anomaly_pairs(&pv, &monsoon, &mut wet);
            anomaly_pairs(&pv, &dry, &mut clear);
        }
        let (r, r_wet, r_dry) = (correlation(&year), correlation(&wet), correlation(&clear));
        eprintln!(
            "{site:?}: lag-1 autocorrelation of daily PV {r:.2} (monsoon {r_wet:.2}, dry {r_dry:.2})"
        );
        assert!((0.5..=0.8).contains(&r), "{site:?}: {r}");
        assert!(
            r_wet > r_dry + 0.1,
            "{site:?}: monsoon {r_wet}, dry {r_dry}"
        );
    }
}

#[test]
fn daily_member_load_persists() {
    let all: Vec<usize> = (0..12).collect();
    for site in Site::ALL {
        let spec = CommunitySpec {
            members: 200,
            mix: [1.0; 5],
            ..CommunitySpec::default_for(site)
        };
        let community = generate(&spec, &TimeAxis::hourly_year()).unwrap();
        let mut households = Vec::new();
        for archetype in Archetype::GENERATED {
            // A5 splits into shops and flour mills (the only members drawing over 3 kW).
            let groups: Vec<(&str, Vec<&Vec<f64>>)> = {
                let loads = community
                    .members
                    .iter()
                    .filter(|m| m.archetype == archetype)
                    .map(|m| &m.load_kw);
                if archetype == Archetype::A5 {
                    let (mills, shops) = loads.partition(|l| l.iter().any(|kw| *kw > 3.0));
                    vec![("shops", shops), ("mills", mills)]
                } else {
                    vec![("", loads.collect())]
                }
            };
            for (group, loads) in groups {
                let mut pairs = Vec::new();
                for load in loads {
                    anomaly_pairs(&daily_kwh(load), &all, &mut pairs);
                }
                let r = correlation(&pairs);
                eprintln!(
                    "{site:?} {archetype:?} {group}: lag-1 autocorrelation of daily load {r:.2}"
                );
                if group == "mills" {
                    // Mills run on about half the days, independently of yesterday.
                    assert!(r.abs() < 0.2, "{site:?} mills: {r}");
                } else {
                    assert!(
                        (0.3..=0.6).contains(&r),
                        "{site:?} {archetype:?} {group}: {r}"
                    );
                }
                if archetype != Archetype::A5 {
                    households.extend(pairs);
                }
            }
        }
        eprintln!(
            "{site:?} A1-A4: lag-1 autocorrelation of daily load {:.2}",
            correlation(&households)
        );
    }
}
