//! The `gridshare` command line, run as a user would.
#![cfg(all(feature = "cli", not(target_arch = "wasm32")))]
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("gridshare-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn settle(net: &Path, prices: &Path, rule: &str, out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gridshare"))
        .args(["settle", "--net"])
        .arg(net)
        .arg("--prices")
        .arg(prices)
        .args(["--rule", rule, "--out"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

const PRICES: &str = "step,buy_per_kwh,sell_per_kwh\n0,10,8\n1,10,8\n";
// Worked example H: hour 1 = example A, hour 2 = example B.
const NET: &str = "step,member,net_kwh\n0,h1,2\n0,h2,1\n0,h3,-1.5\n1,h1,-2\n1,h2,-1\n1,h3,1.5\n";

fn bills(path: &Path) -> Vec<(String, f64)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[3].parse().unwrap())
        })
        .collect()
}

#[test]
fn settles_example_h_under_every_rule() {
    let dir = Dir::new("h");
    let net = dir.write("net.csv", NET);
    let prices = dir.write("prices.csv", PRICES);
    let expected = [
        ("sdr", [2.888889, 1.444444, -1.333333]),
        ("mmr", [2.0, 1.0, 0.0]),
        ("none", [4.0, 2.0, 3.0]),
        ("bs", [1.333333, 0.666667, 1.0]),
    ];
    for (rule, want) in expected {
        let out = dir.path(&format!("{rule}.csv"));
        let result = settle(&net, &prices, rule, &out, &["--bs-horizon", "run"]);
        assert!(
            result.status.success(),
            "{rule}: {}",
            String::from_utf8_lossy(&result.stderr)
        );
        let got = bills(&out);
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            ["h1", "h2", "h3"]
        );
        for ((_, g), w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-6, "{rule}: got {g}, expected {w}");
        }
    }
}

#[test]
fn per_step_output_sums_to_the_bills() {
    let dir = Dir::new("steps");
    let net = dir.write("net.csv", NET);
    let prices = dir.write("prices.csv", PRICES);
    let out = dir.path("bills.csv");
    let steps = dir.path("steps.csv");
    let result = settle(
        &net,
        &prices,
        "bs",
        &out,
        &["--bs-horizon", "run", "--per-step", steps.to_str().unwrap()],
    );
    assert!(result.status.success());
    let text = std::fs::read_to_string(&steps).unwrap();
    assert!(text.starts_with("step,member,buy_price,sell_price,bill\n"));
    let mut h1 = 0.0;
    for line in text.lines().skip(1).filter(|l| l.contains(",h1,")) {
        h1 += line.rsplit(',').next().unwrap().parse::<f64>().unwrap();
    }
    assert!((h1 - bills(&out)[0].1).abs() < 1e-9);
}

#[test]
fn bad_input_exits_2_with_one_line_and_no_output() {
    let dir = Dir::new("bad");
    let prices = dir.write("prices.csv", PRICES);
    let net = dir.write("net.csv", "step,member,net_kwh\n0,h1,2\n1,h1,oops\n");
    let out = dir.path("bills.csv");
    let result = settle(&net, &prices, "sdr", &out, &[]);
    assert_eq!(result.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("net.csv, line 3, column 'net_kwh': 'oops' is not a number"),
        "{stderr}"
    );
    assert!(!out.exists(), "no partial output");

    let bad_prices = dir.write("bad-prices.csv", "step,buy_per_kwh,sell_per_kwh\n0,10,0\n");
    let result = settle(&net, &bad_prices, "sdr", &out, &[]);
    assert_eq!(result.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&result.stderr)
        .contains("bad-prices.csv, line 2, column 'sell_per_kwh'"));
    assert!(!out.exists());
}

#[test]
fn every_subcommand_has_help() {
    for args in [
        vec!["--help"],
        vec!["settle", "--help"],
        vec!["generate", "--help"],
        vec!["scenario", "--help"],
        vec!["run", "--help"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_gridshare"))
            .args(&args)
            .output()
            .unwrap();
        assert_succeeded(&out);
        assert!(String::from_utf8_lossy(&out.stdout).contains("Usage"));
    }
}

fn gridshare(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gridshare"))
        .args(args)
        .output()
        .unwrap()
}

/// The command succeeded (else its stderr is the failure report).
#[track_caller]
fn assert_succeeded(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Cut the scenario file at `path` to its first `days` days (a quick run); its JSON, as written.
fn shortened(path: &Path, days: usize) -> serde_json::Value {
    let mut s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    s["axis"]["steps"] = serde_json::json!(24 * days);
    std::fs::write(path, s.to_string()).unwrap();
    s
}

#[test]
fn generate_scenario_and_run_end_to_end() {
    let dir = Dir::new("run");
    let profiles = dir.path("profiles.csv");
    let out = gridshare(&[
        "generate",
        "--site",
        "south",
        "--members",
        "4",
        "--seed",
        "9",
        "--out",
        profiles.to_str().unwrap(),
    ]);
    assert_succeeded(&out);
    let text = std::fs::read_to_string(&profiles).unwrap();
    assert!(text.starts_with("timestamp,member_id,load_kw,pv_kw\n2025-01-01T00:00,S01,"));
    assert_eq!(text.lines().count(), 1 + 8760 * 4);

    let scenario = dir.path("s.json");
    let out = gridshare(&[
        "scenario",
        "--site",
        "north",
        "--tariff",
        "tod",
        "--out",
        scenario.to_str().unwrap(),
    ]);
    assert_succeeded(&out);
    let report = dir.path("report.json");
    let out = gridshare(&[
        "run",
        "--scenario",
        scenario.to_str().unwrap(),
        "--out",
        report.to_str().unwrap(),
    ]);
    assert_succeeded(&out);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let models = json["models"].as_array().unwrap();
    let keys: Vec<&str> = models
        .iter()
        .map(|r| r["model"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["none", "bs", "mmr", "sdr", "cloud"]);
    assert_eq!(json["member_ids"].as_array().unwrap().len(), 30);
    assert!(models[4]["energy"]["pv_kwh"].as_f64().unwrap() > 0.0);
    // The coordinator re-plans every hour from the second day (the first has no history yet).
    assert!(json["solver"]["solves"].as_u64().unwrap() >= 8760 - 24);
    let by_month = models[4]["energy"]["load_class_counts_by_month"]
        .as_array()
        .unwrap();
    assert_eq!(by_month.len(), 12);
    let counted: u64 = by_month
        .iter()
        .flat_map(|m| m.as_array().unwrap())
        .map(|c| c.as_u64().unwrap())
        .sum();
    // Every member-hour with the grid up is in exactly one node class, every such hour in one
    // community class (by the transformer's loading).
    let peaks = &models[4]["peaks"];
    let sum = |key: &str| -> u64 {
        peaks[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_u64().unwrap())
            .sum()
    };
    let grid_up_hours = sum("community_class_counts");
    assert!(
        grid_up_hours > 7000 && grid_up_hours < 8760,
        "{grid_up_hours}"
    );
    assert_eq!(counted, grid_up_hours * 30);
    assert_eq!(sum("node_class_counts"), grid_up_hours * 30);
    for m in models {
        let p = &m["peaks"];
        for key in [
            "peak_import_kw",
            "coincident_peak_kw",
            "hours_over_rating",
            "transformer_kva",
        ] {
            assert!(p[key].as_f64().is_some(), "{}: {key}", m["model"]);
        }
        assert_eq!(p["loading_duration"].as_array().unwrap().len(), 101);
    }
    assert_eq!(peaks["transformer_kva"].as_f64(), Some(16.0));

    // Per-step series: check energy balance of every row independently.
    let series = dir.path("series.csv");
    let out = gridshare(&[
        "run",
        "--scenario",
        scenario.to_str().unwrap(),
        "--out",
        report.to_str().unwrap(),
        "--series",
        series.to_str().unwrap(),
    ]);
    assert_succeeded(&out);
    let text = std::fs::read_to_string(&series).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("step,member,load_kw,pv_kw,charge_kw,discharge_kw,soc_kwh,net_kw,model")
    );
    let mut rows = 0;
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let v = |i: usize| f[i].parse::<f64>().unwrap();
        assert!((v(2) - v(3) + v(4) - v(5) - v(7)).abs() < 1e-9, "{line}");
        rows += 1;
    }
    // No sharing, the homes' dispatch islanding together (sdr) and cloud-P2P.
    assert_eq!(rows, 8760 * 30 * 3);

    // A scenario with an unknown version: exit 2, one line, no report.
    let old = dir.write(
        "old.json",
        &std::fs::read_to_string(&scenario).unwrap().replacen(
            "\"version\": 4",
            "\"version\": 99",
            1,
        ),
    );
    let bad_report = dir.path("bad-report.json");
    let out = gridshare(&[
        "run",
        "--scenario",
        old.to_str().unwrap(),
        "--out",
        bad_report.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("scenario version 99 is not supported"));
    assert!(!bad_report.exists());
    let out = gridshare(&[
        "generate",
        "--members",
        "1",
        "--out",
        dir.path("x.csv").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("community size 1 is outside 2 to 10,000")
    );
}

#[test]
fn run_writes_a_report_series_and_frontier_of_one_stem_and_refuses_a_bad_rating() {
    let dir = Dir::new("stem");
    let scenario = dir.path("s.json");
    let out = gridshare(&[
        "scenario",
        "--site",
        "north",
        "--transformer-kva",
        "16",
        "--out",
        scenario.to_str().unwrap(),
    ]);
    assert_succeeded(&out);
    let s = shortened(&scenario, 14);
    assert_eq!(s["settings"]["transformer_kva"].as_f64(), Some(16.0));
    // `r.json`, `r.csv` and `r.frontier.json` share a stem: none may clobber another's staging.
    let (report, series, frontier) = (dir.path("r.json"), dir.path("r.csv"), dir.path("r.f.json"));
    let out = gridshare(&[
        "run",
        "--scenario",
        scenario.to_str().unwrap(),
        "--out",
        report.to_str().unwrap(),
        "--series",
        series.to_str().unwrap(),
        "--frontier",
        frontier.to_str().unwrap(),
    ]);
    assert_succeeded(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("transformer 16 kVA"), "{stdout}");
    assert!(stdout.contains("cost of a flatter peak"), "{stdout}");
    assert!(std::fs::read_to_string(&series)
        .unwrap()
        .starts_with("step,member"));
    let f: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&frontier).unwrap()).unwrap();
    assert!(f["points"].as_array().unwrap().len() >= 6);
    assert_eq!(
        f["points"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["chosen"] == true)
            .count(),
        1
    );
    // A rating of 0 is refused, naming the flag and the field; nothing is written.
    let refused = dir.path("refused.json");
    let out = gridshare(&[
        "run",
        "--scenario",
        scenario.to_str().unwrap(),
        "--out",
        refused.to_str().unwrap(),
        "--transformer-kva",
        "0",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--transformer-kva") && err.contains("settings.transformer_kva"),
        "{err}"
    );
    assert!(!refused.exists());
}

/// TARIFFS.md §3: the real BSES Rajdhani bill of Aug 2022 from the command line.
#[test]
fn bill_reproduces_the_real_delhi_bill() {
    let out = gridshare(&[
        "bill",
        "--tariff",
        "delhi",
        "--kwh",
        "545",
        "--days",
        "30",
        "--sanctioned-kw",
        "3",
    ]);
    assert_succeeded(&out);
    let bill: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lines = bill["lines"].as_array().unwrap();
    let line = |key: &str| -> f64 {
        lines
            .iter()
            .filter(|l| l["key"] == key)
            .map(|l| l["amount"].as_f64().unwrap())
            .sum()
    };
    for (key, printed) in [
        ("fixed", 146.13),
        ("energy", 2470.00),
        ("ppac_energy", 511.04),
        ("ppac_fixed", 30.24),
        ("regulatory_surcharge", 209.29),
        ("pension_surcharge", 183.13),
        ("electricity_tax", 158.93),
    ] {
        assert!(
            (line(key) - printed).abs() < 1.0,
            "{key}: {} vs {printed}",
            line(key)
        );
    }
    assert!(lines
        .iter()
        .all(|l| l["name"].is_string() && l["amount"].is_number()));
    let total = bill["total"].as_f64().unwrap();
    assert!((total - 3708.76).abs() < 5.0, "{total}");
    assert_eq!(bill["subsidy"].as_f64(), Some(0.0));
    // Below 200 units the Delhi government pays the whole bill, reported apart.
    let out = gridshare(&["bill", "--tariff", "delhi", "--kwh", "150", "--days", "30"]);
    let bill: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(bill["total"].as_f64(), Some(0.0));
    assert!(bill["subsidy"].as_f64().unwrap() > 400.0);
    // Net metering nets exports before the slabs.
    let out = gridshare(&[
        "bill",
        "--tariff",
        "up-urban",
        "--kwh",
        "300",
        "--export-kwh",
        "120",
        "--regime",
        "net-metering",
    ]);
    let bill: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(bill["billed_kwh"].as_f64(), Some(180.0));
}

#[test]
fn bill_refuses_bad_input_by_name() {
    for (args, expected) in [
        (
            vec!["--tariff", "gujarat", "--kwh", "100"],
            "unknown preset 'gujarat'",
        ),
        (vec!["--tariff", "delhi", "--kwh", "-5"], "--kwh"),
        (
            vec!["--tariff", "delhi", "--kwh", "100", "--days", "0"],
            "--days",
        ),
        (
            vec!["--tariff", "delhi", "--kwh", "100", "--regime", "barter"],
            "unknown regime",
        ),
        (
            vec!["--tariff", "study", "--kwh", "100"],
            "not a retail tariff",
        ),
    ] {
        let mut all = vec!["bill"];
        all.extend(args);
        let out = gridshare(&all);
        assert_eq!(out.status.code(), Some(2), "{all:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{all:?}: {err}");
    }
    let dir = Dir::new("bad-tariff");
    let path = dir.path("t.json");
    let mut t = serde_json::to_value(engine::billing::RetailPreset::Delhi.tariff()).unwrap();
    t["energy"]["categories"][0]["slabs"][1]["up_to_kwh"] = 100.0.into();
    std::fs::write(&path, t.to_string()).unwrap();
    let out = gridshare(&["bill", "--tariff", path.to_str().unwrap(), "--kwh", "100"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("t.json") && err.contains("slabs[2]"), "{err}");
}

#[test]
fn scenario_single_point_sets_the_bulk_connection_and_run_reports_the_society() {
    let dir = Dir::new("single-point");
    let scenario = dir.path("s.json");
    let s = scenario.to_str().unwrap();
    let out = gridshare(&[
        "scenario",
        "--tariff",
        "delhi",
        "--members",
        "6",
        "--single-point",
        "--bulk-rate",
        "5",
        "--society-gap",
        "refund",
        "--out",
        s,
    ]);
    assert_succeeded(&out);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&scenario).unwrap()).unwrap();
    let sp = &json["settings"]["billing"]["single_point"];
    assert_eq!(sp["energy_per_kwh"], 5.0);
    assert_eq!(sp["fixed_per_kw_month"], 150.0);
    assert_eq!(sp["gap"], "refund");
    assert_eq!(sp["members_keep_subsidy"], false);

    let report = dir.path("r.json");
    let bills = dir.path("bills.csv");
    let out = gridshare(&[
        "run",
        "--scenario",
        s,
        "--out",
        report.to_str().unwrap(),
        "--bills",
        bills.to_str().unwrap(),
    ]);
    assert_succeeded(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("single-point connection"), "{stdout}");
    assert!(stdout.contains("society keeps ₹"), "{stdout}");
    assert!(
        stdout.contains("the gap is returned to members"),
        "{stdout}"
    );
    let csv = std::fs::read_to_string(&bills).unwrap();
    assert!(
        csv.contains("none,(bulk meter),Jan,fixed,"),
        "{}",
        &csv[..400]
    );
    assert!(csv.lines().any(|l| l.contains(",society,")));
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let b = &r["models"][0]["billing"];
    assert_eq!(b["single_point"]["bulk"].as_array().unwrap().len(), 12);
    assert_eq!(b["single_point"]["gap"], "refund");

    // Refusals name the flag, exit 2 and write nothing.
    for (args, flag) in [
        (
            vec!["--tariff", "study", "--single-point"],
            "--single-point",
        ),
        (
            vec!["--tariff", "delhi", "--single-point", "--bulk-rate=-1"],
            "--bulk-rate",
        ),
        (
            vec!["--tariff", "delhi", "--single-point", "--contract-kw", "0"],
            "--contract-kw",
        ),
        (
            vec![
                "--tariff",
                "delhi",
                "--single-point",
                "--society-gap",
                "share",
            ],
            "--society-gap",
        ),
        (
            vec!["--tariff", "delhi", "--bulk-fixed", "100"],
            "--bulk-fixed",
        ),
    ] {
        let bad = dir.path("bad.json");
        let mut all = vec!["scenario"];
        all.extend(&args);
        all.extend(["--out", bad.to_str().unwrap()]);
        let out = gridshare(&all);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(flag), "{args:?}: {err}");
        assert!(!bad.exists(), "{args:?} wrote a file");
    }
}

#[test]
fn run_on_two_cores_writes_the_single_core_report_and_series() {
    let dir = Dir::new("two-cores");
    let scenario = dir.path("s.json");
    let out = gridshare(&[
        "scenario",
        "--members",
        "6",
        "--out",
        scenario.to_str().unwrap(),
    ]);
    assert_succeeded(&out);
    // A month keeps the test quick.
    shortened(&scenario, 31);
    let mut written = Vec::new();
    for jobs in ["1", "2"] {
        let (report, series) = (
            dir.path(&format!("r{jobs}.json")),
            dir.path(&format!("s{jobs}.csv")),
        );
        let out = gridshare(&[
            "run",
            "--scenario",
            scenario.to_str().unwrap(),
            "--jobs",
            jobs,
            "--out",
            report.to_str().unwrap(),
            "--series",
            series.to_str().unwrap(),
        ]);
        assert_succeeded(&out);
        written.push((
            std::fs::read_to_string(report).unwrap(),
            std::fs::read_to_string(series).unwrap(),
        ));
    }
    assert!(written[0].0.contains("\"value_of_perfect_information\":"));
    assert!(!written[0]
        .0
        .contains("\"value_of_perfect_information\": null"));
    assert!(
        written[0] == written[1],
        "--jobs 2 must write the --jobs 1 files byte for byte"
    );
}
