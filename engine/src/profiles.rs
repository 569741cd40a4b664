//! Importing the user's load and PV profiles (DATA.md formats) and exporting them again.
//!
//! Accepted: long (`timestamp,member_id,load_kw[,pv_kw]`), wide (`timestamp,M01,M02,…`, with an
//! optional second wide file for PV), one column of 8,760 / 17,520 / 35,040 values per member
//! (leap years' 8,784 / 17,568 / 35,136 lose 29 February), and `members.csv`. Delimiter `,` or
//! `;`; values in kW or kWh per interval; 5–30-minute data is resampled to hourly average kW.
//! Every error names the file, the line and the column; no input makes the parser panic.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::community::{Archetype, Battery, Member};
use crate::time_axis::TimeAxis;
use crate::timestamp::{format_timestamp, parse_timestamp};

/// What the numbers in a profile mean.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnergyUnit {
    /// Average power over the interval, kW (assumed unless the user says otherwise).
    #[default]
    Kw,
    /// Energy in the interval, kWh.
    KwhPerInterval,
}

impl std::str::FromStr for EnergyUnit {
    type Err = String;
    /// `kw` (average power) or `kwh` (energy per interval).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "kw" => Ok(Self::Kw),
            "kwh" => Ok(Self::KwhPerInterval),
            other => Err(format!("unknown unit '{other}' (expected kw or kwh)")),
        }
    }
}

/// What is wrong with an uploaded file.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum ImportError {
    /// Nothing in the file.
    #[error("{file}: the file is empty")]
    Empty {
        /// File name.
        file: String,
    },
    /// Not UTF-8 text.
    #[error("{file}, line {line}: the file is not UTF-8 text (save it as CSV UTF-8)")]
    NotUtf8 {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
    },
    /// Columns separated by something other than `,` or `;`.
    #[error("{file}, line 1: columns seem to be separated by {found}; use ',' or ';'")]
    Delimiter {
        /// File name.
        file: String,
        /// What was seen (e.g. "tabs").
        found: &'static str,
    },
    /// The header matches no known format.
    #[error("{file}, line 1: unrecognised header '{header}' (expected timestamp,member_id,load_kw[,pv_kw]; timestamp,<member>,…; or one column of values)")]
    Format {
        /// File name.
        file: String,
        /// The header line.
        header: String,
    },
    /// One field is unusable.
    #[error("{file}, line {line}, column '{column}': {problem}")]
    Field {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// Column name.
        column: String,
        /// What is wrong.
        problem: String,
    },
    /// A problem with the file as a whole (length, interval, coverage).
    #[error("{file}: {problem}")]
    Shape {
        /// File name.
        file: String,
        /// What is wrong.
        problem: String,
    },
}

/// Profiles read from files, resampled to hourly average kW.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportedProfiles {
    /// Member ids in file order.
    pub member_ids: Vec<String>,
    /// Hourly load per member, kW.
    pub load_kw: Vec<Vec<f64>>,
    /// Hourly PV per member, kW (empty vector where the file had none).
    pub pv_kw: Vec<Vec<f64>>,
    /// The hourly axis the profiles cover.
    pub axis: TimeAxis,
    /// Interval of the source data, minutes.
    pub source_interval_minutes: u32,
    /// What was assumed or changed (units, dropped leap day, resampling), for the user.
    pub notes: Vec<String>,
}

/// One row of `members.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct MemberRow {
    /// Member id (matches the profiles).
    pub member_id: String,
    /// Archetype A1–A5 or custom.
    pub archetype: Archetype,
    /// PV size, kWp.
    pub pv_kwp: f64,
    /// Battery capacity, kWh (0 = none).
    pub battery_kwh: f64,
    /// Battery power, kW.
    pub battery_kw: f64,
}

/// Longest span of data accepted (two 365-day years), minutes.
const MAX_SPAN_MINUTES: i64 = 2 * 365 * 1440;

/// Intervals (minutes) the importer resamples to hourly.
const INTERVALS: [u32; 5] = [5, 10, 15, 30, 60];

struct Text<'a> {
    lines: Vec<(usize, Vec<&'a str>)>,
}

fn field(file: &str, line: usize, column: &str, problem: impl Into<String>) -> ImportError {
    ImportError::Field {
        file: file.to_string(),
        line,
        column: column.to_string(),
        problem: problem.into(),
    }
}

fn shape(file: &str, problem: impl Into<String>) -> ImportError {
    ImportError::Shape {
        file: file.to_string(),
        problem: problem.into(),
    }
}

/// Split the file into trimmed fields per non-blank line, choosing `,` or `;`.
fn split<'a>(file: &str, bytes: &'a [u8]) -> Result<Text<'a>, ImportError> {
    let text = std::str::from_utf8(bytes).map_err(|e| ImportError::NotUtf8 {
        file: file.to_string(),
        line: bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1,
    })?;
    let text = text.trim_start_matches('\u{feff}');
    let header = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .ok_or_else(|| ImportError::Empty {
            file: file.to_string(),
        })?;
    let delimiter = if header.contains(',') {
        ','
    } else if header.contains(';') {
        ';'
    } else if header.contains('\t') {
        return Err(ImportError::Delimiter {
            file: file.to_string(),
            found: "tabs",
        });
    } else if header.contains('|') {
        return Err(ImportError::Delimiter {
            file: file.to_string(),
            found: "'|'",
        });
    } else {
        ','
    };
    let lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l.split(delimiter).map(str::trim).collect()))
        .collect();
    Ok(Text { lines })
}

fn value(file: &str, line: usize, column: &str, text: &str) -> Result<f64, ImportError> {
    if text.is_empty() {
        return Err(field(
            file,
            line,
            column,
            "is empty (a gap); fill it or remove the row",
        ));
    }
    let v: f64 = text
        .parse()
        .map_err(|_| field(file, line, column, format!("'{text}' is not a number")))?;
    if !v.is_finite() {
        return Err(field(
            file,
            line,
            column,
            format!("'{text}' is not a finite number"),
        ));
    }
    if v < 0.0 {
        return Err(field(
            file,
            line,
            column,
            format!("{v} is negative (load and PV are ≥ 0)"),
        ));
    }
    Ok(v)
}

/// Samples of one quantity: (line, minutes, member, value).
struct Sample {
    line: usize,
    minutes: i64,
    member: usize,
    value: f64,
}

/// Arrange timestamped samples on a regular grid and resample to hourly kW.
fn to_hourly(
    file: &str,
    member_ids: &[String],
    samples: &[Sample],
    base_year: i32,
    unit: EnergyUnit,
) -> Result<(Vec<Vec<f64>>, TimeAxis, u32), ImportError> {
    let mut times: Vec<i64> = samples.iter().map(|s| s.minutes).collect();
    times.sort_unstable();
    times.dedup();
    let (Some(&start), Some(&end)) = (times.first(), times.last()) else {
        return Err(ImportError::Empty {
            file: file.to_string(),
        });
    };
    let interval = times.windows(2).map(|w| w[1] - w[0]).min().unwrap_or(60);
    let interval = u32::try_from(interval)
        .ok()
        .filter(|i| INTERVALS.contains(i))
        .ok_or_else(|| {
            shape(
                file,
                format!(
                    "timestamps are {interval} minutes apart; use 5, 10, 15, 30 or 60-minute data"
                ),
            )
        })?;
    if start.rem_euclid(1440) != 0 {
        return Err(shape(
            file,
            format!(
                "data must start at 00:00 (starts {})",
                format_timestamp(base_year, start)
            ),
        ));
    }
    let per_hour = (60 / interval) as usize;
    if end - start >= MAX_SPAN_MINUTES {
        return Err(shape(
            file,
            format!(
                "data spans {} to {}: more than two years",
                format_timestamp(base_year, start),
                format_timestamp(base_year, end)
            ),
        ));
    }
    let slots = ((end - start) / i64::from(interval)) as usize + 1;
    if !slots.is_multiple_of(per_hour) {
        return Err(shape(
            file,
            format!("data ends mid-hour at {}", format_timestamp(base_year, end)),
        ));
    }
    let mut grid: Vec<Vec<Option<(f64, usize)>>> = vec![vec![None; slots]; member_ids.len()];
    for s in samples {
        let offset = s.minutes - start;
        if offset % i64::from(interval) != 0 {
            return Err(field(
                file,
                s.line,
                "timestamp",
                format!(
                    "{} is off the {interval}-minute grid",
                    format_timestamp(base_year, s.minutes)
                ),
            ));
        }
        let slot = &mut grid[s.member][(offset / i64::from(interval)) as usize];
        if let Some((_, first)) = slot {
            return Err(field(
                file,
                s.line,
                "timestamp",
                format!(
                    "member '{}' at {} already appears on line {first} (duplicate)",
                    member_ids[s.member],
                    format_timestamp(base_year, s.minutes)
                ),
            ));
        }
        *slot = Some((s.value, s.line));
    }
    let hours = slots / per_hour;
    let mut hourly = Vec::with_capacity(member_ids.len());
    for (k, series) in grid.iter().enumerate() {
        let mut out = Vec::with_capacity(hours);
        for h in 0..hours {
            let mut sum = 0.0;
            for i in 0..per_hour {
                let slot = h * per_hour + i;
                let Some((v, _)) = series[slot] else {
                    let at = start + (slot as i64) * i64::from(interval);
                    return Err(shape(file, format!("member '{}' has no value at {} (a gap); gaps are not filled unless you ask", member_ids[k], format_timestamp(base_year, at))));
                };
                sum += v;
            }
            out.push(match unit {
                EnergyUnit::Kw => sum / per_hour as f64,
                EnergyUnit::KwhPerInterval => sum,
            });
        }
        hourly.push(out);
    }
    let axis = TimeAxis {
        steps: hours,
        steps_per_day: 24,
        start_day_of_year: (start.div_euclid(1440).rem_euclid(365)) as u32,
    };
    Ok((hourly, axis, interval))
}

fn notes(unit: EnergyUnit, interval: u32, leap_rows: usize) -> Vec<String> {
    let mut notes = vec![match unit {
        EnergyUnit::Kw => "values read as average kW per interval".to_string(),
        EnergyUnit::KwhPerInterval => "values read as kWh per interval".to_string(),
    }];
    if interval != 60 {
        notes.push(format!(
            "{interval}-minute data resampled to hourly average kW"
        ));
    }
    if leap_rows > 0 {
        notes.push(format!(
            "{leap_rows} rows on 29 February dropped (365-day year)"
        ));
    }
    notes
}

/// Import a long or wide profile file (detected from its header).
pub fn import_profiles(
    file: &str,
    bytes: &[u8],
    unit: EnergyUnit,
) -> Result<ImportedProfiles, ImportError> {
    let text = split(file, bytes)?;
    let header: Vec<String> = text.lines[0]
        .1
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    if header.len() == 1 {
        return Err(shape(
            file,
            "one column only: import it as a single-column profile for one member",
        ));
    }
    if header[0] != "timestamp" {
        return Err(ImportError::Format {
            file: file.to_string(),
            header: text.lines[0].1.join(","),
        });
    }
    let long = header.iter().any(|h| h == "member_id");
    let mut member_ids: Vec<String> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut load = Vec::new();
    let mut pv = Vec::new();
    let mut has_pv = Vec::new();
    let mut leap_rows = 0;
    let mut base_year = i32::MAX;
    let mut parsed = Vec::with_capacity(text.lines.len());
    for (line, fields) in &text.lines[1..] {
        if fields.len() != header.len() {
            return Err(field(
                file,
                *line,
                header
                    .get(fields.len().min(header.len() - 1))
                    .map_or("", String::as_str),
                format!("has {} fields, the header {}", fields.len(), header.len()),
            ));
        }
        let ts = parse_timestamp(fields[0]).ok_or_else(|| {
            field(
                file,
                *line,
                "timestamp",
                format!("'{}' is not a timestamp like 2025-01-01T00:00", fields[0]),
            )
        })?;
        if ts.leap_day {
            leap_rows += 1;
            continue;
        }
        base_year = base_year.min(ts.year);
        parsed.push((*line, ts, fields));
    }
    if parsed.is_empty() {
        return Err(ImportError::Empty {
            file: file.to_string(),
        });
    }
    if long {
        let col = |name: &str| header.iter().position(|h| h == name);
        let member_col = col("member_id").unwrap_or(1);
        let load_col = col("load_kw").ok_or_else(|| {
            field(
                file,
                1,
                "load_kw",
                "missing (long format needs timestamp,member_id,load_kw[,pv_kw])",
            )
        })?;
        let pv_col = col("pv_kw");
        for (line, ts, fields) in &parsed {
            let id = fields[member_col];
            if id.is_empty() {
                return Err(field(file, *line, "member_id", "is empty"));
            }
            let next = member_ids.len();
            let k = *index.entry(id.to_string()).or_insert_with(|| {
                member_ids.push(id.to_string());
                next
            });
            let minutes = ts.minutes_since(base_year);
            load.push(Sample {
                line: *line,
                minutes,
                member: k,
                value: value(file, *line, "load_kw", fields[load_col])?,
            });
            if let Some(c) = pv_col {
                pv.push(Sample {
                    line: *line,
                    minutes,
                    member: k,
                    value: value(file, *line, "pv_kw", fields[c])?,
                });
            }
        }
        has_pv = vec![pv_col.is_some(); member_ids.len()];
    } else {
        member_ids = text.lines[0].1[1..].iter().map(|s| s.to_string()).collect();
        for (c, id) in member_ids.iter().enumerate() {
            if id.is_empty() {
                return Err(field(
                    file,
                    1,
                    &format!("#{}", c + 2),
                    "member column has no name",
                ));
            }
            if let Some(prev) = index.insert(id.clone(), c) {
                return Err(field(
                    file,
                    1,
                    id,
                    format!(
                        "member '{id}' names columns {} and {} (duplicate)",
                        prev + 2,
                        c + 2
                    ),
                ));
            }
        }
        for (line, ts, fields) in &parsed {
            let minutes = ts.minutes_since(base_year);
            for (k, id) in member_ids.iter().enumerate() {
                load.push(Sample {
                    line: *line,
                    minutes,
                    member: k,
                    value: value(file, *line, id, fields[k + 1])?,
                });
            }
        }
        has_pv.resize(member_ids.len(), false);
    }
    let (load_kw, axis, interval) = to_hourly(file, &member_ids, &load, base_year, unit)?;
    let pv_kw = if has_pv.iter().any(|p| *p) {
        to_hourly(file, &member_ids, &pv, base_year, unit)?.0
    } else {
        vec![Vec::new(); member_ids.len()]
    };
    Ok(ImportedProfiles {
        member_ids,
        load_kw,
        pv_kw,
        axis,
        source_interval_minutes: interval,
        notes: notes(unit, interval, leap_rows),
    })
}

/// Attach PV from a second wide file (same timestamps and member columns as the load).
pub fn attach_pv_wide(
    profiles: &mut ImportedProfiles,
    file: &str,
    bytes: &[u8],
    unit: EnergyUnit,
) -> Result<(), ImportError> {
    let pv = import_profiles(file, bytes, unit)?;
    if pv.axis != profiles.axis {
        return Err(shape(
            file,
            format!(
                "PV covers {} hours from day {}, the load {} hours from day {}",
                pv.axis.steps,
                pv.axis.start_day_of_year,
                profiles.axis.steps,
                profiles.axis.start_day_of_year
            ),
        ));
    }
    for (id, series) in pv.member_ids.iter().zip(pv.load_kw) {
        let k = profiles
            .member_ids
            .iter()
            .position(|m| m == id)
            .ok_or_else(|| {
                field(
                    file,
                    1,
                    id,
                    format!("member '{id}' is not in the load profiles"),
                )
            })?;
        profiles.pv_kw[k] = series;
    }
    Ok(())
}

/// Import one column of values (optionally with a header) as one member's year of load.
pub fn import_single_column(
    file: &str,
    bytes: &[u8],
    member_id: &str,
    unit: EnergyUnit,
) -> Result<ImportedProfiles, ImportError> {
    let text = split(file, bytes)?;
    let mut rows = &text.lines[..];
    let column = if rows[0].1.len() == 1 && rows[0].1[0].parse::<f64>().is_err() {
        let name = rows[0].1[0].to_string();
        rows = &rows[1..];
        name
    } else {
        "value".to_string()
    };
    let mut values = Vec::with_capacity(rows.len());
    for (line, fields) in rows {
        if fields.len() != 1 {
            return Err(field(
                file,
                *line,
                &column,
                format!(
                    "has {} fields; a single-column file has one value per line",
                    fields.len()
                ),
            ));
        }
        values.push(value(file, *line, &column, fields[0])?);
    }
    let (per_hour, leap) = match values.len() {
        8760 => (1, false),
        17520 => (2, false),
        35040 => (4, false),
        8784 => (1, true),
        17568 => (2, true),
        35136 => (4, true),
        n => return Err(shape(file, format!("{n} values; expected 8,760 hourly, 17,520 half-hourly or 35,040 quarter-hourly (8,784 / 17,568 / 35,136 for a leap year)"))),
    };
    let mut leap_rows = 0;
    if leap {
        // 29 February is day 59 (0-based) of a leap year.
        let from = 59 * 24 * per_hour;
        leap_rows = 24 * per_hour;
        values.drain(from..from + leap_rows);
    }
    let series = values
        .chunks(per_hour)
        .map(|c| {
            let sum: f64 = c.iter().sum();
            match unit {
                EnergyUnit::Kw => sum / per_hour as f64,
                EnergyUnit::KwhPerInterval => sum,
            }
        })
        .collect();
    let interval = 60 / per_hour as u32;
    Ok(ImportedProfiles {
        member_ids: vec![member_id.to_string()],
        load_kw: vec![series],
        pv_kw: vec![Vec::new()],
        axis: TimeAxis::hourly_year(),
        source_interval_minutes: interval,
        notes: notes(unit, interval, leap_rows),
    })
}

/// Import `members.csv`: `member_id,archetype,pv_kwp,battery_kwh,battery_kw`.
pub fn import_members(file: &str, bytes: &[u8]) -> Result<Vec<MemberRow>, ImportError> {
    let text = split(file, bytes)?;
    let expected = [
        "member_id",
        "archetype",
        "pv_kwp",
        "battery_kwh",
        "battery_kw",
    ];
    let header: Vec<String> = text.lines[0]
        .1
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let cols: Vec<usize> = expected
        .iter()
        .map(|name| {
            header.iter().position(|h| h == name).ok_or_else(|| {
                field(
                    file,
                    1,
                    name,
                    format!("missing (header must be {})", expected.join(",")),
                )
            })
        })
        .collect::<Result<_, _>>()?;
    let mut rows: Vec<MemberRow> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (line, fields) in &text.lines[1..] {
        let get = |c: usize| fields.get(cols[c]).copied().unwrap_or_default();
        let id = get(0);
        if id.is_empty() {
            return Err(field(file, *line, "member_id", "is empty"));
        }
        if let Some(first) = seen.insert(id.to_string(), *line) {
            return Err(field(
                file,
                *line,
                "member_id",
                format!("'{id}' already appears on line {first} (duplicate)"),
            ));
        }
        let archetype = match get(1).to_ascii_uppercase().as_str() {
            "A1" => Archetype::A1,
            "A2" => Archetype::A2,
            "A3" => Archetype::A3,
            "A4" => Archetype::A4,
            "A5" => Archetype::A5,
            "" | "CUSTOM" => Archetype::Custom,
            other => {
                return Err(field(
                    file,
                    *line,
                    "archetype",
                    format!("'{other}' is not A1–A5 or custom"),
                ))
            }
        };
        let number = |c: usize, name: &str| {
            if get(c).is_empty() {
                Ok(0.0)
            } else {
                value(file, *line, name, get(c))
            }
        };
        let row = MemberRow {
            member_id: id.to_string(),
            archetype,
            pv_kwp: number(2, "pv_kwp")?,
            battery_kwh: number(3, "battery_kwh")?,
            battery_kw: number(4, "battery_kw")?,
        };
        if (row.battery_kwh > 0.0) != (row.battery_kw > 0.0) {
            return Err(field(
                file,
                *line,
                "battery_kw",
                "a battery needs both battery_kwh and battery_kw above 0 (or both 0)",
            ));
        }
        rows.push(row);
    }
    Ok(rows)
}

/// Combine profiles with an optional members file into scenario members. Members with a
/// `pv_kwp` but no PV series get `pv_per_kwp` × kWp (the site's PV when the user has none).
pub fn build_members(
    profiles: &ImportedProfiles,
    rows: &[MemberRow],
    members_file: &str,
    pv_per_kwp: &[f64],
) -> Result<Vec<Member>, ImportError> {
    for row in rows {
        if !profiles.member_ids.contains(&row.member_id) {
            return Err(shape(
                members_file,
                format!("member '{}' has no load profile", row.member_id),
            ));
        }
    }
    Ok(profiles
        .member_ids
        .iter()
        .enumerate()
        .map(|(k, id)| {
            let row = rows.iter().find(|r| &r.member_id == id);
            let pv_kwp = row.map_or(0.0, |r| r.pv_kwp);
            let mut pv_kw = profiles.pv_kw[k].clone();
            if pv_kw.is_empty() && pv_kwp > 0.0 && pv_per_kwp.len() >= profiles.axis.steps {
                pv_kw = pv_per_kwp[..profiles.axis.steps]
                    .iter()
                    .map(|p| p * pv_kwp)
                    .collect();
            }
            let archetype = row.map_or(Archetype::Custom, |r| r.archetype);
            Member {
                id: id.clone(),
                archetype,
                load_kw: profiles.load_kw[k].clone(),
                pv_kwp,
                pv_kw,
                battery: row.filter(|r| r.battery_kwh > 0.0).map(|r| Battery {
                    power_kw: r.battery_kw,
                    ..Battery::typical(r.battery_kwh)
                }),
                flexible_share: archetype.default_flexible_share(),
                participates: true,
                hybrid_inverter: None,
            }
        })
        .collect())
}

/// Export members in the long format `timestamp,member_id,load_kw,pv_kw` (hourly, IST).
pub fn export_long_csv(members: &[Member], axis: &TimeAxis, year: i32) -> String {
    let mut out = String::from("timestamp,member_id,load_kw,pv_kw\n");
    let step_minutes = 1440 / i64::from(axis.steps_per_day.max(1));
    let start = i64::from(axis.start_day_of_year) * 1440;
    for step in 0..axis.steps {
        let ts = format_timestamp(year, start + step as i64 * step_minutes);
        for m in members {
            let load = m.load_kw.get(step).copied().unwrap_or(0.0);
            let pv = m.pv_kw.get(step).copied().unwrap_or(0.0);
            out.push_str(&format!("{ts},{},{load},{pv}\n", m.id));
        }
    }
    out
}

/// Export one member's load as a single column (HOMER / SAM / REopt style), with a header.
pub fn export_single_column(member: &Member) -> String {
    let mut out = String::with_capacity(member.load_kw.len() * 8 + 16);
    out.push_str("load_kw\n");
    for v in &member.load_kw {
        out.push_str(&format!("{v}\n"));
    }
    out
}
