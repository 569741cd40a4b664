//! `gridshare` for batch work, run as a researcher would: their own profiles in every DATA.md
//! format, many scenarios at once past a broken one, and sweeps.
#![cfg(all(feature = "cli", not(target_arch = "wasm32")))]
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("gridshare-batch-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn gridshare(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gridshare"))
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn json(p: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// Each member's `load_kw` and `pv_kw` series of a custom scenario.
fn member_series(scenario: &serde_json::Value) -> Vec<(String, Vec<f64>, Vec<f64>)> {
    let nums = |v: &serde_json::Value| -> Vec<f64> {
        v.as_array()
            .map(|a| a.iter().map(|x| x.as_f64().unwrap()).collect())
            .unwrap_or_default()
    };
    scenario["community"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["id"].as_str().unwrap().to_string(),
                nums(&m["load_kw"]),
                nums(&m["pv_kw"]),
            )
        })
        .collect()
}

#[test]
fn scenario_profiles_round_trips_every_data_md_format_and_refuses_bad_files() {
    let dir = Dir::new("profiles");
    let long = dir.path("long.csv");
    ok(&gridshare(&[
        "generate",
        "--members",
        "3",
        "--seed",
        "5",
        "--out",
        s(&long),
    ]));
    // Long.
    let from_long = dir.path("long.json");
    ok(&gridshare(&[
        "scenario",
        "--profiles",
        s(&long),
        "--tariff",
        "tod",
        "--out",
        s(&from_long),
    ]));
    let expected = member_series(&json(&from_long));
    assert_eq!(expected.len(), 3);
    assert_eq!(expected[0].1.len(), 8760);
    // The series are the file's numbers (the CSV carries them exactly).
    let text = std::fs::read_to_string(&long).unwrap();
    let row: Vec<&str> = text.lines().nth(1 + 3 * 12).unwrap().split(',').collect();
    let k = expected.iter().position(|m| m.0 == row[1]).unwrap();
    assert_eq!(expected[k].1[12], row[2].parse::<f64>().unwrap());
    assert_eq!(expected[k].2[12], row[3].parse::<f64>().unwrap());

    // Wide load + wide PV, written from the long file.
    let ids: Vec<&String> = expected.iter().map(|m| &m.0).collect();
    let mut load = format!(
        "timestamp,{}\n",
        ids.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")
    );
    let mut pv = load.clone();
    for chunk in text.lines().skip(1).collect::<Vec<_>>().chunks(3) {
        let cells: Vec<Vec<&str>> = chunk.iter().map(|l| l.split(',').collect()).collect();
        load.push_str(&format!(
            "{},{}\n",
            cells[0][0],
            cells.iter().map(|c| c[2]).collect::<Vec<_>>().join(",")
        ));
        pv.push_str(&format!(
            "{},{}\n",
            cells[0][0],
            cells.iter().map(|c| c[3]).collect::<Vec<_>>().join(",")
        ));
    }
    let (wide, wide_pv) = (dir.write("wide.csv", &load), dir.write("pv.csv", &pv));
    let from_wide = dir.path("wide.json");
    ok(&gridshare(&[
        "scenario",
        "--profiles",
        s(&wide),
        "--pv-file",
        s(&wide_pv),
        "--tariff",
        "tod",
        "--out",
        s(&from_wide),
    ]));
    assert_eq!(member_series(&json(&from_wide)), expected);

    // One column per member, one file each, named after the file.
    let mut columns = Vec::new();
    for (k, (id, series, _)) in expected.iter().enumerate().take(2) {
        let body: String = series.iter().map(|v| format!("{v}\n")).collect();
        columns.push(dir.write(&format!("{id}.csv"), &format!("load_kw\n{body}")));
        assert_eq!(columns[k].file_stem().unwrap().to_str().unwrap(), id);
    }
    let from_columns = dir.path("columns.json");
    ok(&gridshare(&[
        "scenario",
        "--profiles",
        s(&columns[0]),
        "--profiles",
        s(&columns[1]),
        "--out",
        s(&from_columns),
    ]));
    let got = member_series(&json(&from_columns));
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].1, expected[0].1);
    assert_eq!(got[1].1, expected[1].1);

    // members.csv: a battery on the first member, PV from the site for a kWp without a series.
    let members = dir.write(
        "members.csv",
        &format!(
            "member_id,archetype,pv_kwp,battery_kwh,battery_kw\n{},A3,0,5,2.5\n",
            ids[0]
        ),
    );
    let with_members = dir.path("members.json");
    ok(&gridshare(&[
        "scenario",
        "--profiles",
        s(&long),
        "--members-file",
        s(&members),
        "--out",
        s(&with_members),
    ]));
    let m0 = &json(&with_members)["community"]["members"][0];
    assert_eq!(m0["battery"]["capacity_kwh"], 5.0);
    assert_eq!(m0["archetype"], "A3");

    // Bad files: exit 2, the message names file, line and column, and nothing is written.
    let bad_value = dir.write(
        "bad.csv",
        "timestamp,member_id,load_kw\n2025-01-01T00:00,a,1\n2025-01-01T01:00,a,-3\n",
    );
    let unknown_member = dir.write(
        "m2.csv",
        "member_id,archetype,pv_kwp,battery_kwh,battery_kw\nZZ,A1,0,0,0\n",
    );
    for (args, needle) in [
        (
            vec!["--profiles", s(&bad_value)],
            "bad.csv, line 3, column 'load_kw'",
        ),
        (
            vec!["--profiles", s(&long), "--members-file", s(&unknown_member)],
            "m2.csv: member 'ZZ'",
        ),
        (
            vec!["--profiles", s(&columns[0])],
            "1 member found; a community needs at least 2",
        ),
        (vec!["--profiles", s(&long), "--unit", "mwh"], "mwh"),
        (
            vec!["--profiles", s(&long), "--steps-per-day", "48"],
            "--steps-per-day",
        ),
    ] {
        let out_path = dir.path("refused.json");
        let mut all = vec!["scenario"];
        all.extend(&args);
        all.extend(["--out", s(&out_path)]);
        let out = gridshare(&all);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!out_path.exists(), "{args:?} wrote a file");
    }
}

#[test]
fn run_scenarios_keeps_going_past_a_broken_one_and_matches_single_runs() {
    let dir = Dir::new("many");
    let folder = dir.path("scenarios");
    std::fs::create_dir_all(&folder).unwrap();
    for seed in ["1", "2", "3"] {
        ok(&gridshare(&[
            "scenario",
            "--members",
            "4",
            "--seed",
            seed,
            "--out",
            s(&folder.join(format!("s{seed}.json"))),
        ]));
    }
    std::fs::write(folder.join("broken.json"), "{\"version\": 4,").unwrap();
    let results = dir.path("results");
    let out = gridshare(&[
        "run",
        "--scenarios",
        s(&folder),
        "--out",
        s(&results),
        "--jobs",
        "2",
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a failed scenario fails the batch"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.json"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("3 of 4 scenarios ran"));
    let summary = std::fs::read_to_string(results.join("summary.csv")).unwrap();
    let rows: Vec<&str> = summary.lines().collect();
    // Header, one error row, 3 scenarios × 5 models.
    assert_eq!(rows.len(), 1 + 1 + 15, "{summary}");
    assert!(rows[1].starts_with("broken,") && rows[1].contains("broken.json"));
    assert!(!results.join("broken.report.json").exists());

    // The batch's report is byte-identical to a single run's.
    let single = dir.path("s2.report.json");
    ok(&gridshare(&[
        "run",
        "--scenario",
        s(&folder.join("s2.json")),
        "--out",
        s(&single),
    ]));
    assert_eq!(
        std::fs::read_to_string(results.join("s2.report.json")).unwrap(),
        std::fs::read_to_string(&single).unwrap()
    );
    // Its summary rows carry the report's numbers exactly.
    let report = json(&single);
    let cloud = report["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["model"] == "cloud")
        .unwrap();
    let row = rows
        .iter()
        .find(|r| r.starts_with("s2,cloud,"))
        .unwrap()
        .split(',')
        .collect::<Vec<_>>();
    assert_eq!(
        row[2].parse::<f64>().unwrap(),
        cloud["comparable_cost"].as_f64().unwrap()
    );

    // A list of files works too; --jobs 0 and no files are refused.
    let list = format!(
        "{},{}",
        s(&folder.join("s1.json")),
        s(&folder.join("s3.json"))
    );
    ok(&gridshare(&[
        "run",
        "--scenarios",
        &list,
        "--out",
        s(&dir.path("two")),
    ]));
    assert_eq!(
        std::fs::read_to_string(dir.path("two").join("summary.csv"))
            .unwrap()
            .lines()
            .count(),
        11
    );
    let out = gridshare(&[
        "run",
        "--scenarios",
        s(&folder),
        "--out",
        s(&dir.path("x")),
        "--jobs",
        "0",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let empty = dir.path("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = gridshare(&["run", "--scenarios", s(&empty), "--out", s(&dir.path("y"))]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no scenario files"));
}

#[test]
fn sweep_writes_every_point_and_refuses_bad_values_by_flag() {
    let dir = Dir::new("sweep");
    let scenario = dir.path("s.json");
    ok(&gridshare(&[
        "scenario",
        "--members",
        "4",
        "--out",
        s(&scenario),
    ]));
    let csv = dir.path("sweep.csv");
    ok(&gridshare(&[
        "sweep",
        "--scenario",
        s(&scenario),
        "--parameter",
        "feed-in-price",
        "--values",
        "2:6:2",
        "--settle-only",
        "--out",
        s(&csv),
    ]));
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "feed_in_price,model,community_cost,consumer_savings_pct,prosumer_income,performance_measure");
    // Three points × the four settle-only models.
    assert_eq!(lines.len(), 1 + 3 * 4);
    assert!(lines[1].starts_with("2,none,") && lines[12].starts_with("6,sdr,"));
    for (args, needle) in [
        (
            vec!["--parameter", "colour", "--values", "1"],
            "--parameter",
        ),
        (
            vec!["--parameter", "pv_penetration", "--values", "0.5,2"],
            "--values 2",
        ),
        (
            vec!["--parameter", "pv_penetration", "--values", "1:0:1"],
            "--values",
        ),
    ] {
        let out_path = dir.path("bad.csv");
        let mut all = vec!["sweep", "--scenario", s(&scenario)];
        all.extend(&args);
        all.extend(["--out", s(&out_path)]);
        let out = gridshare(&all);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(needle),
            "{args:?}"
        );
        assert!(!out_path.exists());
    }
}
