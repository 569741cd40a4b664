//! `gridshare._native`: the engine's functions for the pure-Python package around it. JSON in,
//! JSON out, so every number crosses as shortest round-trip text and comes back bit for bit; the
//! GIL is released while the engine works. Nothing here computes anything the engine does not.

use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rayon::prelude::*;

use engine::community::Site;
use engine::profiles::EnergyUnit;
use engine::run::{model_summaries, run as run_engine, RunReport};
use engine::scenario::{CommunitySource, Scenario};
use engine::sweep::{break_evens, sweep_csv, sweep_point, SweepParameter};
use engine::tariff::{Tariff, TariffPreset};
use engine::upload::{scenario_from_files, NamedBytes, ProfileFiles};

create_exception!(
    gridshare._native,
    GridshareError,
    PyValueError,
    "Bad input to Gridshare: the message names the file, line, column or field."
);

fn err(e: impl std::fmt::Display) -> PyErr {
    GridshareError::new_err(e.to_string())
}

fn parse(name: &str, json: &str) -> Result<Scenario, String> {
    Scenario::from_json(name, json).map_err(|e| e.to_string())
}

/// A generated village as `gridshare scenario` writes it (same defaults, same name).
#[pyfunction]
#[pyo3(signature = (site, members=None, seed=None, tariff="study", regime=None))]
fn generate(
    site: &str,
    members: Option<usize>,
    seed: Option<u64>,
    tariff: &str,
    regime: Option<&str>,
) -> PyResult<String> {
    let site: Site = site
        .parse()
        .map_err(|e: String| err(format!("site: {e}")))?;
    let tariff = Tariff::by_id(tariff).map_err(|e| err(format!("tariff: {e}")))?;
    let mut s = Scenario::generated(site, TariffPreset::Study);
    s.name = format!("{} — {}", site.label(), tariff.label());
    s.tariff = tariff;
    if let Some(regime) = regime {
        let regime: engine::billing::Regime = regime
            .parse()
            .map_err(|e: String| err(format!("regime: {e}")))?;
        match &mut s.tariff {
            Tariff::Retail(r) => r.metering.regime = regime,
            other => {
                return Err(err(format!(
                    "regime: {} has no metering regime (use a retail tariff such as delhi)",
                    other.label()
                )))
            }
        }
    }
    if let CommunitySource::Generated(spec) = &mut s.community {
        if let Some(n) = members {
            spec.members = n;
        }
        if let Some(seed) = seed {
            spec.seed = seed;
        }
    }
    s.validate().map_err(err)?;
    Ok(s.to_json())
}

/// Parse, migrate and validate a scenario; returns it as the current version's JSON.
#[pyfunction]
#[pyo3(signature = (json, name="scenario"))]
fn load(json: &str, name: &str) -> PyResult<String> {
    parse(name, json).map(|s| s.to_json()).map_err(err)
}

/// A scenario of profile files: `profiles` is a list of (file name, bytes); `pv` and `members`
/// are (file name, bytes) or None; `unit` is `kw` or `kwh`; the tariff and settings come from
/// `base` (a scenario's JSON).
#[pyfunction]
#[pyo3(signature = (base, profiles, pv=None, members=None, unit="kw", site=None))]
fn with_profiles(
    py: Python<'_>,
    base: &str,
    profiles: Vec<(String, Vec<u8>)>,
    pv: Option<(String, Vec<u8>)>,
    members: Option<(String, Vec<u8>)>,
    unit: &str,
    site: Option<&str>,
) -> PyResult<String> {
    let base = parse("base scenario", base).map_err(err)?;
    let unit: EnergyUnit = unit
        .parse()
        .map_err(|e: String| err(format!("unit: {e}")))?;
    let site: Option<Site> = site
        .map(str::parse)
        .transpose()
        .map_err(|e: String| err(format!("site: {e}")))?;
    let load: Vec<NamedBytes<'_>> = profiles.iter().map(NamedBytes::from).collect();
    let files = ProfileFiles {
        profiles: &load,
        pv: pv.as_ref().map(NamedBytes::from),
        members: members.as_ref().map(NamedBytes::from),
        unit,
        site,
    };
    let uploaded = py
        .detach(|| scenario_from_files(&files, base.tariff.clone()))
        .map_err(err)?;
    let s = Scenario {
        name: uploaded.name,
        axis: uploaded.axis,
        community: uploaded.community,
        ..base
    };
    s.validate().map_err(err)?;
    Ok(s.to_json())
}

/// The report as `gridshare run` writes it (pretty JSON) and every model's summary row (JSON).
fn report_texts(report: &RunReport) -> Result<(String, String), String> {
    let json = serde_json::to_string_pretty(report).map_err(|e| e.to_string())?;
    let summary = serde_json::to_string(&model_summaries(report)).map_err(|e| e.to_string())?;
    Ok((json, summary))
}

fn run_one(name: &str, json: &str) -> Result<(String, String), String> {
    // The engine keeps panics out of its paths; should one slip through, it fails this scenario
    // only, as an error, instead of taking a whole batch down with it.
    std::panic::catch_unwind(|| {
        // Every error names the scenario (a JSON error does already; a setting out of range not).
        let s = parse(name, json).map_err(|e| {
            if e.starts_with(name) {
                e
            } else {
                format!("{name}: {e}")
            }
        })?;
        let report = run_engine(&s, &mut |_| {}).map_err(|e| format!("{name}: {e}"))?;
        report_texts(&report)
    })
    .unwrap_or_else(|_| {
        Err(format!(
            "{name}: the engine stopped unexpectedly (a bug: please report it)"
        ))
    })
}

/// Run every model on one scenario: (report JSON, summary JSON).
#[pyfunction]
#[pyo3(signature = (json, name="scenario"))]
fn run(py: Python<'_>, json: &str, name: &str) -> PyResult<(String, String)> {
    py.detach(|| run_one(name, json)).map_err(err)
}

/// Run many scenarios on `jobs` threads (default: every core), the GIL released; each result is
/// (report JSON, summary JSON, None) or (None, None, error) — one failure never stops the rest.
#[pyfunction]
#[pyo3(signature = (scenarios, jobs=None))]
#[allow(clippy::type_complexity)]
fn run_batch(
    py: Python<'_>,
    scenarios: Vec<(String, String)>,
    jobs: Option<usize>,
) -> PyResult<Vec<(Option<String>, Option<String>, Option<String>)>> {
    if jobs == Some(0) {
        return Err(err("jobs: must be at least 1"));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.unwrap_or(0))
        .build()
        .map_err(err)?;
    Ok(py.detach(|| {
        pool.install(|| {
            scenarios
                .par_iter()
                .map(|(name, json)| match run_one(name, json) {
                    Ok((r, s)) => (Some(r), Some(s), None),
                    Err(e) => (None, None, Some(e)),
                })
                .collect()
        })
    }))
}

/// Sweep `parameter` over `values`: (the sweep CSV, break-even sentences).
#[pyfunction]
#[pyo3(signature = (json, parameter, values, complete=true, jobs=None))]
fn sweep(
    py: Python<'_>,
    json: &str,
    parameter: &str,
    values: Vec<f64>,
    complete: bool,
    jobs: Option<usize>,
) -> PyResult<(String, Vec<String>)> {
    let s = parse("scenario", json).map_err(err)?;
    let parameter =
        SweepParameter::from_key(parameter).map_err(|e| err(format!("parameter: {e}")))?;
    if values.is_empty() || jobs == Some(0) {
        return Err(err("values: give at least one value; jobs: at least 1"));
    }
    for &v in &values {
        parameter
            .apply(&s, v)
            .map_err(|e| err(format!("values: {v}: {e}")))?;
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.unwrap_or(0))
        .build()
        .map_err(err)?;
    let points = py
        .detach(|| {
            pool.install(|| {
                values
                    .par_iter()
                    .map(|&v| sweep_point(&s, parameter, v, complete))
                    .collect::<Result<Vec<_>, String>>()
            })
        })
        .map_err(err)?;
    let sentences = break_evens(&points)
        .iter()
        .map(|b| b.describe(parameter, None))
        .collect();
    Ok((sweep_csv(parameter, &points), sentences))
}

/// The parsed sweep values of `a,b,c` or `from:to:step`.
#[pyfunction]
fn sweep_values(text: &str) -> PyResult<Vec<f64>> {
    engine::sweep::parse_sweep_values(text).map_err(err)
}

/// Gridshare's engine, for the `gridshare` Python package.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("GridshareError", m.py().get_type::<GridshareError>())?;
    m.add_function(wrap_pyfunction!(generate, m)?)?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(with_profiles, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(run_batch, m)?)?;
    m.add_function(wrap_pyfunction!(sweep, m)?)?;
    m.add_function(wrap_pyfunction!(sweep_values, m)?)?;
    Ok(())
}
