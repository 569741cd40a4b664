//! Importing profiles: every format, every error with its message, and no panic on any input.
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use engine::community::Archetype;
use engine::profiles::{
    attach_pv_wide, build_members, export_long_csv, export_single_column, import_members,
    import_profiles, import_single_column, EnergyUnit,
};

fn long_day(member: &str, interval_min: u32, value: f64) -> String {
    let mut out = String::new();
    for i in 0..(1440 / interval_min) {
        let m = i * interval_min;
        out.push_str(&format!(
            "2025-01-01T{:02}:{:02},{member},{value},0\n",
            m / 60,
            m % 60
        ));
    }
    out
}

#[test]
fn long_format_hourly_and_sub_hourly() {
    let text = format!(
        "timestamp,member_id,load_kw,pv_kw\n{}{}",
        long_day("M1", 60, 0.5),
        long_day("M2", 60, 1.5)
    );
    let p = import_profiles("long.csv", text.as_bytes(), EnergyUnit::Kw).unwrap();
    assert_eq!(p.member_ids, ["M1", "M2"]);
    assert_eq!(p.axis.steps, 24);
    assert!(p.load_kw[1].iter().all(|v| (*v - 1.5).abs() < 1e-12));
    assert_eq!(p.pv_kw[0].len(), 24);

    // 15-minute kWh: four 0.25 kWh readings are 1 kW on average over the hour.
    let text = format!(
        "timestamp;member_id;load_kw\n{}",
        long_day("M1", 15, 0.25)
            .replace(",0\n", "\n")
            .replace(',', ";")
    );
    let p = import_profiles("q.csv", text.as_bytes(), EnergyUnit::KwhPerInterval).unwrap();
    assert_eq!(p.source_interval_minutes, 15);
    assert!(p.load_kw[0].iter().all(|v| (*v - 1.0).abs() < 1e-12));
    assert!(p.notes.iter().any(|n| n.contains("15-minute")));
}

#[test]
fn wide_format_with_pv_file() {
    let mut load = String::from("timestamp,A,B\n");
    let mut pv = String::from("timestamp,A,B\n");
    for h in 0..48 {
        let ts = format!("2025-06-{:02}T{:02}:00", 1 + h / 24, h % 24);
        load.push_str(&format!("{ts},{},{}\n", 0.2, 0.4));
        pv.push_str(&format!(
            "{ts},{},{}\n",
            if (8..16).contains(&(h % 24)) {
                0.7
            } else {
                0.0
            },
            0.0
        ));
    }
    let mut p = import_profiles("wide.csv", load.as_bytes(), EnergyUnit::Kw).unwrap();
    assert_eq!(p.axis.start_day_of_year, 151);
    attach_pv_wide(&mut p, "wide-pv.csv", pv.as_bytes(), EnergyUnit::Kw).unwrap();
    assert!((p.pv_kw[0][12] - 0.7).abs() < 1e-12);
    let rows = import_members(
        "members.csv",
        b"member_id,archetype,pv_kwp,battery_kwh,battery_kw\nA,A3,1.0,2,1\nB,custom,0,0,0\n",
    )
    .unwrap();
    let members = build_members(&p, &rows, "members.csv", &[]).unwrap();
    assert_eq!(members[0].archetype, Archetype::A3);
    assert_eq!(members[0].battery.unwrap().power_kw, 1.0);
    assert!(members[1].battery.is_none());
}

#[test]
fn single_column_lengths_and_leap_years() {
    let hourly: String = std::iter::once("load_kw\n".to_string())
        .chain((0..8760).map(|i| format!("{}\n", (i % 24) as f64 / 10.0)))
        .collect();
    let p = import_single_column("homer.csv", hourly.as_bytes(), "H1", EnergyUnit::Kw).unwrap();
    assert_eq!(p.load_kw[0].len(), 8760);
    let half: String = (0..17520).map(|_| "0.5\n").collect();
    let p =
        import_single_column("sam.csv", half.as_bytes(), "H1", EnergyUnit::KwhPerInterval).unwrap();
    assert!((p.load_kw[0][100] - 1.0).abs() < 1e-12);
    // Leap year: 29 February (hours 1416..1440) is dropped.
    let leap: String = (0..8784)
        .map(|i| {
            if (1416..1440).contains(&i) {
                "9\n".to_string()
            } else {
                "1\n".to_string()
            }
        })
        .collect();
    let p = import_single_column("leap.csv", leap.as_bytes(), "H1", EnergyUnit::Kw).unwrap();
    assert_eq!(p.load_kw[0].len(), 8760);
    assert!(p.load_kw[0].iter().all(|v| *v == 1.0));
    assert!(p.notes.iter().any(|n| n.contains("29 February")));
}

#[test]
fn export_round_trips_through_import() {
    let text = format!(
        "timestamp,member_id,load_kw,pv_kw\n{}{}",
        long_day("M1", 60, 0.125),
        long_day("M2", 60, 2.0)
    );
    let p = import_profiles("long.csv", text.as_bytes(), EnergyUnit::Kw).unwrap();
    let members = build_members(&p, &[], "members.csv", &[]).unwrap();
    let exported = export_long_csv(&members, &p.axis, 2025);
    let again = import_profiles("export.csv", exported.as_bytes(), EnergyUnit::Kw).unwrap();
    assert_eq!(again.load_kw, p.load_kw);
    assert!(export_single_column(&members[0]).starts_with("load_kw\n0.125\n"));
}

/// Each bad input and the start of the message it gives.
#[test]
fn table_of_errors() {
    let header = "timestamp,member_id,load_kw\n";
    let ok_row = "2025-01-01T00:00,M1,1\n";
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", b"".to_vec(), "p.csv: the file is empty"),
        ("not utf-8", b"timestamp,member_id,load_kw\n2025-01-01T00:00,M\xff,1\n".to_vec(), "p.csv, line 2: the file is not UTF-8"),
        ("tabs", b"timestamp\tmember_id\tload_kw\n".to_vec(), "p.csv, line 1: columns seem to be separated by tabs"),
        ("unknown header", b"time,kw\n1,2\n".to_vec(), "p.csv, line 1: unrecognised header 'time,kw'"),
        ("negative", format!("{header}2025-01-01T00:00,M1,-1\n").into_bytes(), "p.csv, line 2, column 'load_kw': -1 is negative"),
        ("NaN", format!("{header}2025-01-01T00:00,M1,NaN\n").into_bytes(), "p.csv, line 2, column 'load_kw': 'NaN' is not a finite number"),
        ("text", format!("{header}2025-01-01T00:00,M1,lots\n").into_bytes(), "p.csv, line 2, column 'load_kw': 'lots' is not a number"),
        ("bad timestamp", format!("{header}01/01/2025,M1,1\n").into_bytes(), "p.csv, line 2, column 'timestamp': '01/01/2025' is not a timestamp"),
        ("duplicate", format!("{header}{ok_row}2025-01-01T01:00,M1,1\n{ok_row}").into_bytes(), "p.csv, line 4, column 'timestamp': member 'M1' at 2025-01-01T00:00 already appears on line 2"),
        ("gap", format!("{header}{ok_row}2025-01-01T01:00,M1,1\n2025-01-01T01:00,M2,1\n").into_bytes(), "p.csv: member 'M2' has no value at 2025-01-01T00:00 (a gap)"),
        ("empty cell", format!("{header}2025-01-01T00:00,M1,\n").into_bytes(), "p.csv, line 2, column 'load_kw': is empty (a gap)"),
        ("missing field", format!("{header}2025-01-01T00:00,M1\n").into_bytes(), "p.csv, line 2, column 'load_kw': has 2 fields, the header 3"),
        ("odd interval", format!("{header}{ok_row}2025-01-01T00:07,M1,1\n").into_bytes(), "p.csv: timestamps are 7 minutes apart"),
        ("mid-day start", format!("{header}2025-01-01T05:00,M1,1\n").into_bytes(), "p.csv: data must start at 00:00"),
    ];
    for (what, bytes, expected) in cases {
        let err = import_profiles("p.csv", &bytes, EnergyUnit::Kw)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(expected),
            "{what}: expected '{expected}…', got '{err}'"
        );
    }
    let err = import_single_column("one.csv", b"1\n2\n3\n", "H", EnergyUnit::Kw)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("one.csv: 3 values; expected 8,760 hourly"),
        "{err}"
    );
    let err = import_members(
        "m.csv",
        b"member_id,archetype,pv_kwp,battery_kwh,battery_kw\nA,A9,1,0,0\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("m.csv, line 2, column 'archetype': 'A9' is not A1–A5"),
        "{err}"
    );
    let err = import_members(
        "m.csv",
        b"member_id,archetype,pv_kwp,battery_kwh,battery_kw\nA,A1,1,0,0\nA,A2,0,0,0\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("m.csv, line 3, column 'member_id': 'A' already appears on line 2"),
        "{err}"
    );
    let err = import_members("m.csv", b"member_id,pv_kwp\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("m.csv, line 1, column 'archetype': missing"),
        "{err}"
    );
}

#[cfg(not(target_arch = "wasm32"))]
mod fuzz {
    use super::*;
    use engine::csv_input::{parse_net_csv, parse_prices_csv};
    use engine::scenario::Scenario;
    use proptest::prelude::*;

    /// Bytes that look like CSV often enough to reach deep parser paths.
    fn csvish() -> impl Strategy<Value = Vec<u8>> {
        let token = prop_oneof![
            Just(b"timestamp,member_id,load_kw,pv_kw\n".to_vec()),
            Just(b"timestamp,A,B\n".to_vec()),
            Just(b"2025-01-01T00:00".to_vec()),
            Just(b"2024-02-29T23:45".to_vec()),
            Just(b",".to_vec()),
            Just(b";".to_vec()),
            Just(b"\n".to_vec()),
            Just(b"-1".to_vec()),
            Just(b"NaN".to_vec()),
            Just(b"1e308".to_vec()),
            Just(b"step,member,net_kwh\n".to_vec()),
            Just(b"step,buy_per_kwh,sell_per_kwh\n".to_vec()),
            Just(b"0,M1,1.5\n".to_vec()),
            proptest::collection::vec(any::<u8>(), 0..8),
        ];
        proptest::collection::vec(token, 0..40).prop_map(|parts| parts.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn no_parser_panics_on_any_input(bytes in prop_oneof![csvish(), proptest::collection::vec(any::<u8>(), 0..300)]) {
            let _ = import_profiles("f.csv", &bytes, EnergyUnit::Kw);
            let _ = import_profiles("f.csv", &bytes, EnergyUnit::KwhPerInterval);
            let _ = import_single_column("f.csv", &bytes, "M", EnergyUnit::Kw);
            let _ = import_members("f.csv", &bytes);
            let _ = parse_prices_csv("f.csv", &bytes);
            let _ = parse_net_csv("f.csv", &bytes, 3);
            let _ = Scenario::from_json("f.json", &String::from_utf8_lossy(&bytes));
        }
    }
}
