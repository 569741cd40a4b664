//! p-MAS and the transformer: cloud-P2P never raises the community's peak above the homes
//! alone, the stressed preset gives p-MAS work it does, the metrics follow the series, and load
//! shed by staggered restoration only follows outages.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use engine::community::Site;
use engine::coordinator::MemberStep;
use engine::run::{run, run_with_series, stressed, Model, RunReport};
use engine::scenario::Scenario;
use engine::tariff::TariffPreset;
use engine::transformer::default_kva;
use engine::TimeAxis;

/// Four summer weeks (the year's peaks are in May–June).
fn summer(site: Site, preset: TariffPreset) -> Scenario {
    let mut s = Scenario::generated(site, preset);
    s.axis = TimeAxis::hourly(28 * 24);
    s.axis.start_day_of_year = 130;
    s
}

fn peaks(r: &RunReport, m: Model) -> engine::run::PeakReport {
    r.model(m).unwrap().peaks.clone()
}

#[test]
fn cloud_never_takes_the_peak_above_the_homes_alone() {
    for site in [Site::CompositeNorth, Site::WarmHumidSouth] {
        for preset in [TariffPreset::Study, TariffPreset::IndianTimeOfDay] {
            let s = summer(site, preset);
            let r = run(&s, &mut |_| {}).unwrap();
            let (none, cloud) = (peaks(&r, Model::None), peaks(&r, Model::Cloud));
            eprintln!(
                "{site:?} {preset:?}: none {:.2} kW, cloud {:.2} kW on {} kVA",
                none.peak_import_kw, cloud.peak_import_kw, none.transformer_kva
            );
            assert!(
                cloud.peak_import_kw <= none.peak_import_kw + 1e-6,
                "{site:?} {preset:?}: cloud {} > none {}",
                cloud.peak_import_kw,
                none.peak_import_kw
            );
            // The default transformer carries no sharing's peak at 80% or less.
            assert_eq!(none.transformer_kva, default_kva(none.peak_import_kw));
            assert!(none.peak_import_kw <= 0.8 * none.transformer_kva + 1e-9);
        }
    }
}

#[test]
fn the_stressed_preset_gives_p_mas_work_and_p_mas_does_it() {
    // The whole year, as issue 13's target and docs/RESULTS.md state it: four summer weeks
    // leave too few hours over the rating (128 north) for an 80% test with any margin, and a
    // rounding-level change of the forecast moved them by two hours.
    for site in [Site::CompositeNorth, Site::WarmHumidSouth] {
        let today = Scenario::generated(site, TariffPreset::Study);
        let s = stressed(&today).unwrap();
        let today_kva = run(&today, &mut |_| {}).unwrap().models[0]
            .peaks
            .transformer_kva;
        assert_eq!(
            s.settings.transformer_kva,
            Some(today_kva),
            "today's transformer kept"
        );
        let r = run(&s, &mut |_| {}).unwrap();
        let (none, cloud) = (peaks(&r, Model::None), peaks(&r, Model::Cloud));
        let mut free = s.clone();
        free.settings.peak.coordination = false;
        let f = run(&free, &mut |_| {}).unwrap();
        let uncoordinated = peaks(&f, Model::Cloud);
        eprintln!(
            "{site:?} stressed: hours over rating none {}, cloud {}, cloud without p-MAS {}",
            none.hours_over_rating, cloud.hours_over_rating, uncoordinated.hours_over_rating
        );
        assert!(
            none.peak_import_kw > none.rating_kw,
            "the rating is below the peak"
        );
        assert!(
            cloud.hours_over_rating <= 0.2 * none.hours_over_rating,
            "at least 80% fewer hours over the rating"
        );
        assert!(cloud.hours_over_rating < uncoordinated.hours_over_rating);
        for p in [&none, &cloud] {
            let total: u64 = p.community_class_counts.iter().sum();
            let largest = *p.community_class_counts.iter().max().unwrap();
            assert!(
                largest as f64 <= 0.9 * total as f64,
                "{:?}",
                p.community_class_counts
            );
        }
    }
}

#[test]
fn peak_metrics_follow_the_series_and_the_rating() {
    let mut s = summer(Site::WarmHumidSouth, TariffPreset::IndianTimeOfDay);
    s.settings.transformer_kva = Some(10.0);
    let steps = s.axis.steps;
    let mut exchange = vec![[0.0; 2]; steps];
    let mut sink = |model: Model, t: usize, _k: usize, m: &MemberStep| match model {
        Model::None => exchange[t][0] += m.net_kw,
        Model::Cloud => exchange[t][1] += m.net_kw,
        _ => {}
    };
    let r = run_with_series(&s, &mut |_| {}, Some(&mut sink)).unwrap();
    let community = s.community().unwrap();
    for (i, model) in [Model::None, Model::Cloud].into_iter().enumerate() {
        let p = peaks(&r, model);
        let up = |t: &usize| community.grid_available[*t];
        let max_import = (0..steps)
            .filter(up)
            .map(|t| exchange[t][i])
            .fold(0.0, f64::max);
        assert!((p.peak_import_kw - max_import).abs() < 1e-9, "{model:?}");
        let max_flow = (0..steps)
            .filter(up)
            .map(|t| exchange[t][i].abs())
            .fold(0.0, f64::max);
        assert!((p.max_loading - max_flow / p.rating_kw).abs() < 1e-9);
        assert!((p.loading_duration[0] - p.max_loading).abs() < 1e-12);
        assert!(p.loading_duration.windows(2).all(|w| w[0] >= w[1]));
        let over = (0..steps)
            .filter(up)
            .filter(|t| exchange[*t][i].abs() > p.rating_kw + 1e-9)
            .count();
        assert_eq!(p.hours_over_rating, over as f64);
        let grid_up = (0..steps).filter(up).count() as u64;
        assert_eq!(p.community_class_counts.iter().sum::<u64>(), grid_up);
        assert!(p
            .monthly_peak_import_kw
            .iter()
            .all(|m| *m <= p.peak_import_kw));
        assert!(p.coincident_peak_kw <= p.peak_import_kw);
    }
    // A bigger transformer: the same dispatch of the homes, fewer hours over its rating.
    let mut big = s.clone();
    big.settings.transformer_kva = Some(25.0);
    let rb = run(&big, &mut |_| {}).unwrap();
    let (small, large) = (peaks(&r, Model::None), peaks(&rb, Model::None));
    assert_eq!(small.peak_import_kw, large.peak_import_kw);
    assert!(large.hours_over_rating < small.hours_over_rating);
}

#[test]
fn staggered_restoration_sheds_load_only_right_after_an_outage() {
    let s = summer(Site::CompositeNorth, TariffPreset::Study);
    let community = s.community().unwrap();
    let mut shed_at = Vec::new();
    let mut sink = |model: Model, t: usize, _k: usize, m: &MemberStep| {
        if model == Model::Cloud && m.unserved_kw > 1e-9 && community.grid_available[t] {
            shed_at.push(t);
        }
    };
    run_with_series(&s, &mut |_| {}, Some(&mut sink)).unwrap();
    for t in shed_at {
        let recent = (t.saturating_sub(3)..t).any(|u| !community.grid_available[u]);
        assert!(recent, "load shed at step {t} with the grid up for 3 h");
    }
}
