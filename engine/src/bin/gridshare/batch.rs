//! `gridshare run --scenarios`: many scenarios on every core. The engine stays single-threaded
//! and pure; the parallelism is here, one scenario per task on a rayon pool.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use engine::run::{model_summaries, run as run_scenario, summary_csv};

use crate::files::{file_name, load_scenario, write_all, Content, Failure};

/// The scenario files a `--scenarios` argument names, in a stable order.
pub fn scenario_paths(arg: &str) -> Result<Vec<PathBuf>, Failure> {
    let path = Path::new(arg);
    let paths: Vec<PathBuf> = if path.is_dir() {
        let entries = std::fs::read_dir(path)
            .map_err(|e| Failure::Input(format!("--scenarios {arg}: cannot read: {e}")))?;
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().is_some_and(|x| x == "json")
                    && !p.to_string_lossy().ends_with(".report.json")
            })
            .collect();
        found.sort();
        found
    } else if path.is_file() && !arg.ends_with(".json") {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::Input(format!("--scenarios {arg}: cannot read: {e}")))?;
        let base = path.parent().unwrap_or(Path::new("."));
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| base.join(l))
            .collect()
    } else {
        arg.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
            .collect()
    };
    if paths.is_empty() {
        return Err(Failure::Input(format!(
            "--scenarios {arg}: no scenario files (a folder of *.json, a comma-separated list, or a file listing paths)"
        )));
    }
    Ok(paths)
}

/// A report's file stem: the scenario's file name without `.json`, made unique in the batch
/// (`a`, `a-2`, `a-3`, … skipping any name another scenario already has).
fn stems(paths: &[PathBuf]) -> Vec<String> {
    let base: Vec<String> = paths
        .iter()
        .map(|p| {
            p.file_stem().map_or_else(
                || "scenario".to_string(),
                |s| s.to_string_lossy().into_owned(),
            )
        })
        .collect();
    let mut taken = std::collections::BTreeSet::new();
    base.iter()
        .map(|stem| {
            let mut name = stem.clone();
            let mut n = 1;
            while taken.contains(&name) {
                n += 1;
                name = format!("{stem}-{n}");
            }
            taken.insert(name.clone());
            name
        })
        .collect()
}

/// Run every scenario on `jobs` threads (default: every core); write each report and the
/// summary; a failed scenario is reported (its error in the summary and on stderr), the rest
/// complete, and the exit code is 2 if any failed.
pub fn run_batch(arg: &str, out: &Path, jobs: Option<usize>) -> Result<(), Failure> {
    let paths = scenario_paths(arg)?;
    if jobs == Some(0) {
        return Err(Failure::Input("--jobs: must be at least 1".into()));
    }
    std::fs::create_dir_all(out)
        .map_err(|e| Failure::Io(format!("{}: cannot create: {e}", out.display())))?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.unwrap_or(0))
        .build()
        .map_err(|e| Failure::Io(format!("cannot start the worker threads: {e}")))?;
    let stems = stems(&paths);
    let results: Vec<Result<_, String>> = pool.install(|| {
        paths
            .par_iter()
            .zip(&stems)
            .map(|(path, stem)| {
                let failure = |f: Failure| match f {
                    Failure::Input(m) | Failure::Io(m) => m,
                };
                let target = out.join(format!("{stem}.report.json"));
                // A report left from an earlier batch must not sit beside this run's error row.
                let _ = std::fs::remove_file(&target);
                let scenario = load_scenario(path).map_err(failure)?;
                let report = run_scenario(&scenario, &mut |_| {})
                    .map_err(|e| format!("{}: {e}", file_name(path)))?;
                write_all(&[(target.as_path(), Content::Json(&report))]).map_err(failure)?;
                Ok(model_summaries(&report))
            })
            .collect()
    });
    let rows: Vec<(String, Result<_, String>)> = stems.into_iter().zip(results).collect();
    write_all(&[(out.join("summary.csv").as_path(), summary_csv(&rows).into())])?;
    let failed: Vec<&String> = rows.iter().filter_map(|(_, r)| r.as_ref().err()).collect();
    println!(
        "{} of {} scenarios ran; reports and summary.csv in {}",
        rows.len() - failed.len(),
        rows.len(),
        out.display()
    );
    if failed.is_empty() {
        Ok(())
    } else {
        for e in &failed {
            eprintln!("gridshare: {e}");
        }
        Err(Failure::Input(format!(
            "{} of {} scenarios failed (their rows in summary.csv carry the error)",
            failed.len(),
            rows.len()
        )))
    }
}
