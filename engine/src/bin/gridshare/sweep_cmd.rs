//! `gridshare sweep`: the page's sweep from the command line, points on every core.

use std::path::Path;

use rayon::prelude::*;

use engine::sweep::{
    break_evens, parse_sweep_values, sweep_csv, sweep_point, SweepParameter, SweepPoint,
};

use crate::files::{file_name, load_scenario, write_all, Failure};

/// Sweep `parameter` over `values` on `scenario`; write the CSV and print the break-evens.
pub fn sweep(
    scenario: &Path,
    parameter: &str,
    values: &str,
    complete: bool,
    jobs: Option<usize>,
    out: &Path,
) -> Result<(), Failure> {
    let parameter = SweepParameter::from_key(parameter)
        .map_err(|e| Failure::Input(format!("--parameter: {e}")))?;
    let values =
        parse_sweep_values(values).map_err(|e| Failure::Input(format!("--values: {e}")))?;
    if jobs == Some(0) {
        return Err(Failure::Input("--jobs: must be at least 1".into()));
    }
    let base = load_scenario(scenario)?;
    // Refuse a value the parameter cannot take before anything runs.
    for &v in &values {
        parameter
            .apply(&base, v)
            .map_err(|e| Failure::Input(format!("--values {v}: {e}")))?;
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.unwrap_or(0))
        .build()
        .map_err(|e| Failure::Io(format!("cannot start the worker threads: {e}")))?;
    let points: Vec<SweepPoint> = pool
        .install(|| {
            values
                .par_iter()
                .map(|&v| sweep_point(&base, parameter, v, complete))
                .collect::<Result<Vec<_>, String>>()
        })
        .map_err(|e| Failure::Input(format!("{}: {e}", file_name(scenario))))?;
    write_all(&[(out, sweep_csv(parameter, &points).into())])?;
    println!(
        "{} points of {} on {}; written to {}",
        points.len(),
        parameter.label(),
        file_name(scenario),
        out.display()
    );
    for b in break_evens(&points) {
        println!("{}", b.describe(parameter, None));
    }
    Ok(())
}
