#![cfg_attr(target_arch = "wasm32", allow(unused))]
//! Criterion benchmarks of the engine (figures in docs/PERFORMANCE.md).
//!
//! Settlement inputs stream from a pool of 24 precomputed step vectors (`engine::synthetic`, the
//! same input the browser benchmark and the NumPy reference settle), so the benchmark measures the
//! settler, not the generation of 10,000 × 8,760 random numbers.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use engine::community::{generate, CommunitySpec, Site};
use engine::run::{run, run_with_options, simulate, RunOptions};
use engine::scenario::{CommunitySource, Scenario};
use engine::sweep::{sweep_point_kept, sweep_values, SweepParameter};
use engine::synthetic::{settle_pool_year, step_pool, year_prices};
use engine::tariff::TariffPreset;
use engine::{GridPrices, TimeAxis};
use std::hint::black_box;

fn settle_year(pool: &[Vec<f64>], prices: &[GridPrices]) -> f64 {
    settle_pool_year(pool, prices)
        .map_or(f64::NAN, |r| r.rules.iter().map(|r| r.community_bill).sum())
}

fn settlement(c: &mut Criterion) {
    let mut group = c.benchmark_group("settle_year_all_rules");
    group.sample_size(10);
    let prices = year_prices();
    for members in [1_000, 10_000] {
        let pool = step_pool(members);
        group.bench_with_input(BenchmarkId::from_parameter(members), &pool, |b, pool| {
            b.iter(|| settle_year(black_box(pool), &prices));
        });
    }
    group.finish();
}

fn generation(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate");
    group.sample_size(10);
    group.bench_function("default_60_members_year", |b| {
        b.iter(|| {
            for site in Site::ALL {
                let community =
                    generate(&CommunitySpec::default_for(site), &TimeAxis::hourly_year());
                black_box(community.map(|c| c.members.len()).unwrap_or(0));
            }
        });
    });
    group.finish();
}

fn full_run(c: &mut Criterion) {
    let mut group = c.benchmark_group("run_five_models_year");
    group.sample_size(10);
    let north = Scenario::default_north();
    let south = Scenario::generated(Site::WarmHumidSouth, TariffPreset::Study);
    group.bench_function("default_60_members", |b| {
        b.iter(|| {
            let n = run(&north, &mut |_| {}).map(|r| r.models.len());
            let s = run(&south, &mut |_| {}).map(|r| r.models.len());
            black_box((n, s))
        });
    });
    // A tariff change: the homes' own dispatch re-settled under four rules, cloud-P2P left out.
    group.bench_function("default_north_settle_only", |b| {
        b.iter(|| {
            black_box(
                run_with_options(&north, RunOptions::SETTLE_ONLY, &mut |_| {}, None)
                    .map(|r| r.models.len()),
            )
        });
    });
    // The same with real bills (Delhi's slabs, fixed charges, adders, subsidy, net metering):
    // what metering every member and billing each period adds to the settlement.
    let mut delhi = north.clone();
    delhi.tariff = engine::tariff::Tariff::by_id("delhi").expect("a preset");
    group.bench_function("default_north_settle_only_delhi_bills", |b| {
        b.iter(|| {
            black_box(
                run_with_options(&delhi, RunOptions::SETTLE_ONLY, &mut |_| {}, None)
                    .map(|r| r.models.len()),
            )
        });
    });
    group.bench_function("default_north", |b| {
        b.iter(|| black_box(run(&north, &mut |_| {}).map(|r| r.models.len())));
    });
    // What a second core takes off the first: everything but the perfect-foresight twin.
    group.bench_function("default_north_without_twin", |b| {
        b.iter(|| {
            black_box(
                run_with_options(&north, RunOptions::WITHOUT_TWIN, &mut |_| {}, None)
                    .map(|r| r.models.len()),
            )
        });
    });
    // A τ_c-only change after a full run: the kept simulation re-reported.
    let kept = simulate(&north, RunOptions::default(), &mut |_| {}, None).expect("simulates");
    let mut tau = north.clone();
    tau.settings.aggregator_return = 0.2;
    group.bench_function("default_north_tau_change", |b| {
        b.iter(|| black_box(kept.report(&tau).map(|r| r.models.len())));
    });
    // A BS-horizon change after a full run: the homes settled again, cloud-P2P's books kept.
    let mut daily = north.clone();
    daily.settings.bs_horizon = engine::market::BillingHorizon::Day;
    group.bench_function("default_north_bs_horizon_change", |b| {
        b.iter(|| {
            let resettled = kept.resettled(&daily, &mut |_| {}).expect("simulates");
            black_box(
                resettled
                    .and_then(|s| s.report(&daily))
                    .map(|r| r.models.len()),
            )
        });
    });
    // The page's ten-point sweeps, settle-only then complete: feed-in (ten simulations) and
    // τ_c (one simulation, re-reported).
    for parameter in [
        SweepParameter::FeedInPrice,
        SweepParameter::AggregatorReturn,
    ] {
        let (from, to) = parameter.default_range();
        let values = sweep_values(from, to, 10);
        group.bench_function(format!("default_north_sweep10_{}", parameter.key()), |b| {
            b.iter(|| {
                let mut kept = None;
                let mut points = 0;
                for complete in [false, true] {
                    for &v in &values {
                        let point = sweep_point_kept(&north, parameter, v, complete, &mut kept);
                        points += usize::from(point.is_ok());
                    }
                }
                black_box(points)
            });
        });
    }
    // Time-of-day prices: the homes' baseline is a home EMS (an optimiser per battery home).
    let north_tod = Scenario::generated(Site::CompositeNorth, TariffPreset::IndianTimeOfDay);
    group.bench_function("default_north_tod", |b| {
        b.iter(|| black_box(run(&north_tod, &mut |_| {}).map(|r| r.models.len())));
    });
    let mut large = Scenario::default_north();
    if let CommunitySource::Generated(spec) = &mut large.community {
        spec.members = 1000;
    }
    group.bench_function("1000_members", |b| {
        b.iter(|| black_box(run(&large, &mut |_| {}).map(|r| r.models.len())));
    });
    group.finish();
}

criterion_group!(benches, settlement, generation, full_run);
criterion_main!(benches);
