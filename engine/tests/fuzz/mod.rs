//! Structure-aware mutation of scenario JSON, shared by the in-process property test
//! (`scenario_fuzz.rs`) and the command-line sweep (`cli_fuzz.rs`): valid scenarios to start
//! from, and edits a user (or a corrupted share link) could make to them.
#![allow(dead_code)]
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use engine::community::{Archetype, Battery, CommunitySpec, Member, MemberOverride, Site};
use engine::coordinator::{Fault, Forecast};
use engine::scenario::{CommunitySource, Scenario};
use engine::tariff::{Tariff, TariffPreset};
use engine::TimeAxis;
use serde_json::{json, Value};

/// Runs at most this many member-steps, so a mutation that makes a valid but long scenario
/// (a ten-year axis, ten thousand members) is validated but not simulated in a unit test.
pub const RUN_BUDGET_MEMBER_STEPS: usize = 3_000;

/// Valid scenarios with short axes: generated (flat and time-of-use tariffs, overrides, faults),
/// custom members with batteries and a per-step tariff, and a half-hourly custom axis.
pub fn bases() -> Vec<Scenario> {
    let mut north = Scenario::default_north();
    north.axis = TimeAxis {
        // Nine days: two of the run's week windows.
        steps: 9 * 24,
        steps_per_day: 24,
        start_day_of_year: 100,
    };
    if let CommunitySource::Generated(spec) = &mut north.community {
        spec.members = 4;
    }

    let mut south = Scenario::generated(Site::WarmHumidSouth, TariffPreset::IndianTimeOfDay);
    south.axis = TimeAxis::hourly(2 * 24);
    let mut spec = CommunitySpec::default_for(Site::WarmHumidSouth);
    spec.members = 5;
    spec.overrides = vec![
        MemberOverride {
            member: "S02".into(),
            pv_kwp: Some(2.0),
            battery_kwh: Some(4.0),
            flexible_share: Some(0.3),
            participates: None,
            hybrid_inverter: Some(true),
        },
        MemberOverride {
            member: "S04".into(),
            participates: Some(false),
            ..MemberOverride::default()
        },
    ];
    south.community = CommunitySource::Generated(spec);
    let c = &mut south.settings.coordinator;
    c.horizon_steps = 12;
    c.resolve_every_steps = 3;
    c.forecast = Forecast::SeasonalPersistence;
    c.faults = vec![
        Fault::MemberFailure {
            member: "S02".into(),
            from_step: 5,
            to_step: 30,
        },
        Fault::CoordinatorOutage {
            from_step: 10,
            to_step: 14,
        },
        Fault::GridOutage {
            from_step: 40,
            to_step: 44,
        },
    ];

    let steps = 48;
    let member = |id: &str, scale: f64, pv: bool, battery: Option<Battery>| Member {
        id: id.into(),
        archetype: Archetype::Custom,
        load_kw: (0..steps)
            .map(|t| scale * (0.3 + 0.2 * ((t % 24) as f64 / 24.0)))
            .collect(),
        pv_kwp: if pv { 2.0 } else { 0.0 },
        pv_kw: if pv {
            (0..steps)
                .map(|t| {
                    let h = (t % 24) as f64;
                    if (7.0..17.0).contains(&h) {
                        1.5 - (h - 12.0).abs() * 0.25
                    } else {
                        0.0
                    }
                })
                .collect()
        } else {
            Vec::new()
        },
        battery,
        flexible_share: 0.2,
        participates: true,
        hybrid_inverter: None,
    };
    let mut custom = Scenario::default_north();
    custom.name = "custom".into();
    custom.axis = TimeAxis::hourly(steps);
    custom.tariff = Tariff::Series {
        buy_per_kwh: (0..steps).map(|t| 8.0 + (t % 24) as f64 * 0.1).collect(),
        sell_per_kwh: vec![3.0; steps],
    };
    custom.community = CommunitySource::Custom {
        members: vec![
            member("H1", 1.0, true, Some(Battery::typical(3.0))),
            member("H2", 2.0, false, None),
            member("H3", 0.5, true, None),
        ],
        grid_available: Some((0..steps).map(|t| !(20..23).contains(&t)).collect()),
    };
    custom.settings.coordinator.faults = vec![Fault::MemberFailure {
        member: "H1".into(),
        from_step: 2,
        to_step: 9,
    }];

    let mut half_hourly = custom.clone();
    half_hourly.name = "half-hourly".into();
    half_hourly.axis = TimeAxis {
        steps,
        steps_per_day: 48,
        start_day_of_year: 364,
    };
    half_hourly.tariff = TariffPreset::FlatRetail.tariff();
    half_hourly.settings.coordinator.horizon_steps = 48;
    half_hourly.settings.coordinator.faults.clear();

    vec![north, south, custom, half_hourly]
}

/// One step of a path into a JSON document.
#[derive(Clone, Debug, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
}

fn path_text(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) if s.is_empty() => s.push_str(k),
            Seg::Key(k) => {
                s.push('.');
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    if s.is_empty() {
        "(root)".into()
    } else {
        s
    }
}

/// Every node worth mutating; of a long array only the first, middle and last elements (so the
/// series of a custom member do not drown the fields that steer a run).
fn paths(value: &Value, prefix: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
    out.push(prefix.clone());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                prefix.push(Seg::Key(k.clone()));
                paths(v, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            let n = items.len();
            let mut picks = vec![0, n / 2, n.saturating_sub(1)];
            picks.dedup();
            for i in picks.into_iter().filter(|i| *i < n) {
                prefix.push(Seg::Index(i));
                paths(&items[i], prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn node_mut<'a>(value: &'a mut Value, path: &[Seg]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |v, seg| match seg {
        Seg::Key(k) => v.get_mut(k.as_str()),
        Seg::Index(i) => v.get_mut(*i),
    })
}

/// Numbers a hand edit or a corrupted link could hold, from each field's own value: whole
/// numbers for whole-number fields (with a few fractions and negatives), reals for real ones.
fn number_candidates(n: &Value) -> Vec<Value> {
    if let Some(i) = n.as_u64() {
        return vec![
            json!(0),
            json!(1),
            json!(2),
            json!(7),
            json!(23),
            json!(24),
            json!(25),
            json!(48),
            json!(96),
            json!(364),
            json!(365),
            json!(1440),
            json!(8760),
            json!(87_600),
            json!(87_601),
            json!(350_400),
            json!(u32::MAX),
            json!(4_294_967_296_u64),
            json!(9_007_199_254_740_993_u64),
            json!(9_223_372_036_854_775_808_u64),
            json!(u64::MAX),
            json!(i.saturating_add(1)),
            json!(i.saturating_sub(1)),
            json!(i.saturating_mul(2)),
            json!(i / 2),
            json!(-1),
            json!(i64::MIN),
            json!(i as f64 + 0.5),
        ];
    }
    let x = n.as_f64().unwrap_or(0.0);
    vec![
        json!(0),
        json!(-1),
        json!(-0.5),
        json!(1e-9),
        json!(5e-324),
        json!(0.05),
        json!(0.5),
        json!(0.999_999),
        json!(1),
        json!(1.000_001),
        json!(2),
        json!(100),
        json!(1000),
        json!(1_000.000_001),
        json!(1e9),
        json!(1e300),
        json!(-1e300),
        json!(f64::MAX),
        json!(u64::MAX),
        json!(x * 10.0),
        json!(x * 1e6),
        json!(x / 10.0),
        json!(x * 0.999),
        json!(-x),
        json!(x + 0.5),
    ]
}

const STRINGS: [&str; 24] = [
    "",
    "zzz",
    "flat",
    "time_of_use",
    "series",
    "generated",
    "custom",
    "member_failure",
    "coordinator_outage",
    "grid_outage",
    "perfect_foresight",
    "seasonal_persistence",
    "composite_north",
    "warm_humid_south",
    "step",
    "day",
    "month",
    "run",
    "A1",
    "A5",
    "N01",
    "N99",
    "S03",
    "H2",
];

fn other_types() -> Vec<Value> {
    vec![
        Value::Null,
        json!(true),
        json!("1"),
        json!([]),
        json!({}),
        json!([1]),
        json!({"kind": "flat"}),
    ]
}

/// Apply one mutation chosen by three random words; returns what was done (for the report).
pub fn mutate(value: &mut Value, pick: u64, op: u64, arg: u64) -> String {
    let mut all = Vec::new();
    paths(value, &mut Vec::new(), &mut all);
    let path = all[(pick % all.len() as u64) as usize].clone();
    let here = path_text(&path);
    let Some(node) = node_mut(value, &path) else {
        return format!("{here}: not found");
    };
    let choose = |items: &[Value]| items[(arg % items.len() as u64) as usize].clone();
    match op % 8 {
        // Most often: a different value of the same kind.
        0..=3 => {
            let new = match node {
                Value::Number(_) => choose(&number_candidates(node)),
                Value::String(_) => json!(STRINGS[(arg % STRINGS.len() as u64) as usize]),
                Value::Bool(b) => json!(!*b),
                _ => choose(&other_types()),
            };
            let text = format!("{here} := {new}");
            *node = new;
            text
        }
        4 => {
            let new = choose(&other_types());
            let text = format!("{here} := {new} (type swap)");
            *node = new;
            text
        }
        5 => match path.split_last() {
            Some((Seg::Key(k), parent)) => {
                if let Some(Value::Object(map)) = node_mut(value, parent) {
                    map.remove(k);
                }
                format!("{here}: deleted")
            }
            Some((Seg::Index(i), parent)) => {
                if let Some(Value::Array(items)) = node_mut(value, parent) {
                    items.remove(*i);
                }
                format!("{here}: dropped")
            }
            None => "(root): kept".into(),
        },
        6 => match node {
            Value::Array(items) if !items.is_empty() => {
                let i = (arg % items.len() as u64) as usize;
                let copy = items[i].clone();
                items.insert(i, copy);
                format!("{here}[{i}]: duplicated")
            }
            Value::Array(items) => {
                items.push(json!(0));
                format!("{here}: 0 appended")
            }
            Value::Number(_) => {
                let new = json!(-node.as_f64().unwrap_or(0.0) - 1.0);
                let text = format!("{here} := {new}");
                *node = new;
                text
            }
            _ => {
                let new = json!([node.clone()]);
                let text = format!("{here}: wrapped in an array");
                *node = new;
                text
            }
        },
        _ => match node {
            Value::Array(items) => {
                let keep = (arg % (items.len() as u64 + 1)) as usize;
                items.truncate(keep);
                format!("{here}: truncated to {keep}")
            }
            Value::Object(map) => {
                map.clear();
                format!("{here}: emptied")
            }
            _ => {
                let new = choose(&number_candidates(&json!(1)));
                let text = format!("{here} := {new}");
                *node = new;
                text
            }
        },
    }
}

/// Member-steps a scenario would simulate (to keep long ones out of unit tests).
pub fn member_steps(scenario: &Scenario) -> usize {
    let members = match &scenario.community {
        CommunitySource::Generated(spec) => spec.members,
        CommunitySource::Custom { members, .. } => members.len(),
    };
    members.max(1).saturating_mul(scenario.axis.steps)
}

/// A small deterministic generator (SplitMix64) for the command-line sweep.
#[derive(Clone, Debug)]
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next random word.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}
