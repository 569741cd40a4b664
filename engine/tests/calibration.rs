//! The generator against DATA.md's calibration bands, for both sites.
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use engine::community::{generate, Archetype, CommunitySpec, Site};
use engine::TimeAxis;

/// (archetype, lowest, highest) mean monthly kWh; A4 is measured over the summer months.
const BANDS: [(Archetype, f64, f64); 5] = [
    (Archetype::A1, 30.0, 40.0),
    (Archetype::A2, 50.0, 70.0),
    (Archetype::A3, 90.0, 140.0),
    (Archetype::A4, 250.0, 350.0),
    (Archetype::A5, 60.0, 150.0),
];
const DAYS_PER_MONTH: [usize; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/// April–June: the hot months before the monsoon.
const SUMMER: [usize; 3] = [3, 4, 5];

fn calibration_community(site: Site) -> engine::community::Community {
    // Equal weights and 200 members: every archetype has a large sample.
    let spec = CommunitySpec {
        members: 200,
        mix: [1.0; 5],
        ..CommunitySpec::default_for(site)
    };
    generate(&spec, &TimeAxis::hourly_year()).unwrap()
}

fn monthly_kwh(load: &[f64]) -> [f64; 12] {
    let mut out = [0.0; 12];
    let mut start = 0;
    for (m, days) in DAYS_PER_MONTH.iter().enumerate() {
        out[m] = load[start..start + days * 24].iter().sum();
        start += days * 24;
    }
    out
}

/// Hour of day of the highest mean load over the given months.
fn peak_hour(loads: &[&Vec<f64>], months: &[usize]) -> usize {
    let mut by_hour = [0.0; 24];
    let mut start = 0;
    for (m, days) in DAYS_PER_MONTH.iter().enumerate() {
        if months.contains(&m) {
            for load in loads {
                for (i, v) in load[start..start + days * 24].iter().enumerate() {
                    by_hour[i % 24] += v;
                }
            }
        }
        start += days * 24;
    }
    (0..24)
        .max_by(|&a, &b| by_hour[a].total_cmp(&by_hour[b]))
        .unwrap()
}

#[test]
fn archetype_energy_and_peaks_fall_in_the_bands() {
    let mut failures = Vec::new();
    for site in Site::ALL {
        let community = calibration_community(site);
        for (archetype, lo, hi) in BANDS {
            let loads: Vec<&Vec<f64>> = community
                .members
                .iter()
                .filter(|m| m.archetype == archetype)
                .map(|m| &m.load_kw)
                .collect();
            assert!(loads.len() >= 30, "{archetype:?}: {} members", loads.len());
            let months: Vec<usize> = if archetype == Archetype::A4 {
                SUMMER.to_vec()
            } else {
                (0..12).collect()
            };
            let mean: f64 = loads
                .iter()
                .map(|l| {
                    let m = monthly_kwh(l);
                    months.iter().map(|&i| m[i]).sum::<f64>() / months.len() as f64
                })
                .sum::<f64>()
                / loads.len() as f64;
            eprintln!("{site:?} {archetype:?}: {mean:.1} kWh/month (band {lo}-{hi})");
            if mean < lo || mean > hi {
                failures.push(format!(
                    "{site:?} {archetype:?}: {mean:.1} kWh/month outside {lo}-{hi}"
                ));
            }

            let all_months: Vec<usize> = (0..12).collect();
            let winter = [0, 1, 10, 11];
            let peak = peak_hour(&loads, &all_months);
            let winter_peak = peak_hour(&loads, &winter);
            eprintln!("{site:?} {archetype:?}: peak hour {peak}, winter {winter_peak}");
            let (hour, window) = match archetype {
                Archetype::A5 => (peak, 9..20),
                Archetype::A4 => (winter_peak, 19..23),
                _ => (peak, 19..23),
            };
            if !window.contains(&hour) {
                failures.push(format!(
                    "{site:?} {archetype:?}: peak hour {hour} outside {window:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn air_conditioned_homes_stay_high_after_22h_in_summer() {
    let community = calibration_community(Site::CompositeNorth);
    let mut by_hour = [0.0; 24];
    for m in community
        .members
        .iter()
        .filter(|m| m.archetype == Archetype::A4)
    {
        // May: days 120..151.
        for (i, v) in m.load_kw[120 * 24..151 * 24].iter().enumerate() {
            by_hour[i % 24] += v;
        }
    }
    let evening = by_hour[19..22].iter().sum::<f64>() / 3.0;
    let night = (by_hour[23] + by_hour[0] + by_hour[1] + by_hour[2]) / 4.0;
    eprintln!("A4 May evening {evening:.1}, night {night:.1}");
    assert!(
        night > evening,
        "summer nights ({night}) above the evening ({evening})"
    );
}

#[test]
fn pv_yield_and_supply_hours_fall_in_the_bands() {
    for site in Site::ALL {
        let community = calibration_community(site);
        let yield_kwh_per_kwp: f64 = community.pv_per_kwp.iter().sum();
        eprintln!("{site:?}: PV {yield_kwh_per_kwp:.0} kWh/kWp/year");
        assert!(
            (1450.0..=1650.0).contains(&yield_kwh_per_kwp),
            "{site:?}: {yield_kwh_per_kwp:.0} kWh/kWp"
        );
        // No output at night; midday output in the clear months.
        assert_eq!(community.pv_per_kwp[0], 0.0);
        assert!(community.pv_per_kwp[31 * 24 * 2 + 12] > 0.3);

        let supply = community.grid_available.iter().filter(|a| **a).count() as f64 / 365.0;
        eprintln!("{site:?}: grid supply {supply:.2} h/day");
        assert!(
            (20.1..=21.1).contains(&supply),
            "{site:?}: {supply:.2} h/day"
        );
    }
}

#[test]
fn default_communities_match_the_documented_mixes() {
    let north = generate(
        &CommunitySpec::default_for(Site::CompositeNorth),
        &TimeAxis::hourly(48),
    )
    .unwrap();
    let count = |a| north.members.iter().filter(|m| m.archetype == a).count();
    assert_eq!(
        [
            count(Archetype::A1),
            count(Archetype::A2),
            count(Archetype::A3),
            count(Archetype::A4),
            count(Archetype::A5)
        ],
        [12, 9, 5, 1, 3]
    );
    let with_pv = north.members.iter().filter(|m| m.pv_kwp > 0.0).count();
    assert!((9..=12).contains(&with_pv), "{with_pv} PV members of 30");
    assert!(north
        .members
        .iter()
        .filter(|m| m.pv_kwp > 0.0)
        .all(|m| m.archetype != Archetype::A1));
    assert!(north.members.iter().any(|m| m.battery.is_some()));
    assert!(north
        .members
        .iter()
        .filter_map(|m| m.battery)
        .all(|b| b.capacity_kwh >= 1.0));
}

#[test]
fn member_overrides_change_only_that_member() {
    use engine::community::MemberOverride;
    let axis = TimeAxis::hourly(72);
    let base = CommunitySpec::default_for(Site::CompositeNorth);
    let plain = generate(&base, &axis).unwrap();
    let edited_spec = CommunitySpec {
        overrides: vec![MemberOverride {
            member: "N03".into(),
            pv_kwp: Some(2.0),
            battery_kwh: Some(4.0),
            flexible_share: Some(0.3),
            participates: Some(false),
            hybrid_inverter: None,
        }],
        ..base.clone()
    };
    let edited = generate(&edited_spec, &axis).unwrap();
    let m = &edited.members[2];
    assert_eq!(
        (m.pv_kwp, m.flexible_share, m.participates),
        (2.0, 0.3, false)
    );
    assert_eq!(m.battery.unwrap().capacity_kwh, 4.0);
    assert!((m.pv_kw[36] - 2.0 * edited.pv_per_kwp[36]).abs() < 1e-12);
    assert_eq!(m.load_kw, plain.members[2].load_kw, "load is not touched");
    assert_eq!(
        edited.members[5], plain.members[5],
        "other members are not touched"
    );
    let bad = CommunitySpec {
        overrides: vec![MemberOverride {
            member: "N03".into(),
            flexible_share: Some(1.5),
            ..MemberOverride::default()
        }],
        ..base
    };
    assert_eq!(
        generate(&bad, &axis).unwrap_err().to_string(),
        "member N03: flexible_share must be between 0 and 1 (got 1.5)"
    );
}
