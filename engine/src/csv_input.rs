//! Reading and writing the settlement CSV formats (NET, PRICES, BILLS, STEPS) from text.
//!
//! Parsers take the file's name (for messages) and its bytes; they never touch the file system.
//! Every error names the file, the 1-based line and the column.

use std::collections::HashMap;

use thiserror::Error;

use crate::market::{GridPrices, PriceError, RuleId};
use crate::metrics::SettlementReport;

/// What is wrong with an input file.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum InputError {
    /// The file has no header or no data rows.
    #[error("{file}: the file is empty (expected a header line and data rows)")]
    Empty {
        /// File name.
        file: String,
    },
    /// Bytes that are not UTF-8.
    #[error("{file}, line {line}: the text is not UTF-8")]
    NotUtf8 {
        /// File name.
        file: String,
        /// 1-based line.
        line: u64,
    },
    /// A required column is missing from the header.
    #[error("{file}, line 1: missing column '{column}' (header must be {expected})")]
    MissingColumn {
        /// File name.
        file: String,
        /// Column that was not found.
        column: String,
        /// The expected header.
        expected: String,
    },
    /// One field cannot be used.
    #[error("{file}, line {line}, column '{column}': {problem}")]
    Field {
        /// File name.
        file: String,
        /// 1-based line.
        line: u64,
        /// Column name.
        column: String,
        /// What is wrong.
        problem: String,
    },
    /// The file cannot be read as CSV at all.
    #[error("{file}, line {line}: {problem}")]
    Malformed {
        /// File name.
        file: String,
        /// 1-based line.
        line: u64,
        /// What the CSV reader reported.
        problem: String,
    },
}

/// Net energy of every member at every step, read from a NET file.
#[derive(Clone, Debug, PartialEq)]
pub struct NetTable {
    /// Member ids in order of first appearance.
    pub member_ids: Vec<String>,
    /// `net_kwh[step][member]`, 0 where the file has no row.
    pub net_kwh: Vec<Vec<f64>>,
}

fn delimiter_of(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    if header.contains(';') && !header.contains(',') {
        b';'
    } else {
        b','
    }
}

/// A CSV reader over text with the expected header columns located.
struct Table<'a> {
    file: &'a str,
    reader: csv::Reader<&'a [u8]>,
    columns: Vec<usize>,
}

impl<'a> Table<'a> {
    fn open(file: &'a str, bytes: &'a [u8], expected: &[&str]) -> Result<Self, InputError> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64
                + 1;
            InputError::NotUtf8 {
                file: file.to_string(),
                line,
            }
        })?;
        if text.trim().is_empty() {
            return Err(InputError::Empty {
                file: file.to_string(),
            });
        }
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter_of(text))
            .trim(csv::Trim::All)
            .flexible(true)
            .from_reader(text.as_bytes());
        let header = reader
            .headers()
            .map_err(|e| malformed(file, &e))?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase())
            .collect::<Vec<_>>();
        let columns = expected
            .iter()
            .map(|name| {
                header
                    .iter()
                    .position(|h| h == name)
                    .ok_or_else(|| InputError::MissingColumn {
                        file: file.to_string(),
                        column: (*name).to_string(),
                        expected: expected.join(","),
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            file,
            reader,
            columns,
        })
    }

    /// Every data row as (line, fields in expected-column order).
    fn rows(mut self) -> Result<Vec<(u64, Vec<String>)>, InputError> {
        let mut rows = Vec::new();
        for record in self.reader.records() {
            let record = record.map_err(|e| malformed(self.file, &e))?;
            let line = record.position().map_or(0, csv::Position::line);
            if record.iter().all(str::is_empty) {
                continue;
            }
            let fields = self
                .columns
                .iter()
                .map(|&c| record.get(c).unwrap_or_default().to_string())
                .collect();
            rows.push((line, fields));
        }
        if rows.is_empty() {
            return Err(InputError::Empty {
                file: self.file.to_string(),
            });
        }
        Ok(rows)
    }
}

fn malformed(file: &str, e: &csv::Error) -> InputError {
    let line = e.position().map_or(1, csv::Position::line);
    let problem = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "the text is not UTF-8".to_string(),
        _ => e.to_string(),
    };
    InputError::Malformed {
        file: file.to_string(),
        line,
        problem,
    }
}

fn field_error(file: &str, line: u64, column: &str, problem: String) -> InputError {
    InputError::Field {
        file: file.to_string(),
        line,
        column: column.to_string(),
        problem,
    }
}

fn parse_step(file: &str, line: u64, text: &str) -> Result<usize, InputError> {
    text.parse::<usize>().map_err(|_| {
        field_error(
            file,
            line,
            "step",
            format!("'{text}' is not a step number (a whole number from 0)"),
        )
    })
}

fn parse_number(file: &str, line: u64, column: &str, text: &str) -> Result<f64, InputError> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(field_error(
            file,
            line,
            column,
            format!("'{text}' is not a finite number"),
        )),
        Err(_) if text.is_empty() => Err(field_error(file, line, column, "is empty".into())),
        Err(_) => Err(field_error(
            file,
            line,
            column,
            format!("'{text}' is not a number"),
        )),
    }
}

/// Parse a PRICES file: `step,buy_per_kwh,sell_per_kwh`, one row per step from 0 in order.
pub fn parse_prices_csv(file: &str, bytes: &[u8]) -> Result<Vec<GridPrices>, InputError> {
    let expected = ["step", "buy_per_kwh", "sell_per_kwh"];
    let rows = Table::open(file, bytes, &expected)?.rows()?;
    let mut prices = Vec::with_capacity(rows.len());
    for (line, fields) in rows {
        let step = parse_step(file, line, &fields[0])?;
        if step != prices.len() {
            let problem = if step < prices.len() {
                format!("step {step} appears twice")
            } else {
                format!("step {} is missing (found {step})", prices.len())
            };
            return Err(field_error(file, line, "step", problem));
        }
        let buy = parse_number(file, line, "buy_per_kwh", &fields[1])?;
        let sell = parse_number(file, line, "sell_per_kwh", &fields[2])?;
        let grid = GridPrices::new(step, buy, sell).map_err(|e| {
            let column = match e {
                PriceError::NotFinite { field, .. } => field,
                _ => "sell_per_kwh",
            };
            field_error(file, line, column, e.to_string())
        })?;
        prices.push(grid);
    }
    Ok(prices)
}

/// Parse a NET file: `step,member,net_kwh`; a missing (step, member) pair is 0, a duplicate is an
/// error. `steps` is the run length (the PRICES file's); a step at or beyond it is an error.
pub fn parse_net_csv(file: &str, bytes: &[u8], steps: usize) -> Result<NetTable, InputError> {
    let expected = ["step", "member", "net_kwh"];
    let rows = Table::open(file, bytes, &expected)?.rows()?;
    let mut member_index: HashMap<String, usize> = HashMap::new();
    let mut member_ids = Vec::new();
    let mut seen: HashMap<(usize, usize), u64> = HashMap::new();
    let mut values = Vec::with_capacity(rows.len());
    for (line, fields) in rows {
        let step = parse_step(file, line, &fields[0])?;
        if step >= steps {
            return Err(field_error(
                file,
                line,
                "step",
                format!(
                    "step {step} has no price (the prices cover steps 0 to {})",
                    steps.saturating_sub(1)
                ),
            ));
        }
        let member = fields[1].clone();
        if member.is_empty() {
            return Err(field_error(file, line, "member", "is empty".into()));
        }
        let net = parse_number(file, line, "net_kwh", &fields[2])?;
        let next = member_index.len();
        let k = *member_index.entry(member.clone()).or_insert_with(|| {
            member_ids.push(member.clone());
            next
        });
        if let Some(first) = seen.insert((step, k), line) {
            return Err(field_error(
                file,
                line,
                "member",
                format!("step {step}, member '{member}' already appears on line {first}"),
            ));
        }
        values.push((step, k, net));
    }
    let mut net_kwh = vec![vec![0.0; member_ids.len()]; steps];
    for (step, k, net) in values {
        net_kwh[step][k] = net;
    }
    Ok(NetTable {
        member_ids,
        net_kwh,
    })
}

/// BILLS file for one rule: `member,import_kwh,export_kwh,bill,reference_bill,savings`.
pub fn bills_csv(report: &SettlementReport, rule: RuleId, member_ids: &[String]) -> String {
    let mut out = String::from("member,import_kwh,export_kwh,bill,reference_bill,savings\n");
    if let Some(rule) = report.rule(rule) {
        for (id, m) in member_ids.iter().zip(&rule.members) {
            out.push_str(&format!(
                "{id},{},{},{},{},{}\n",
                m.import_kwh, m.export_kwh, m.bill, m.reference_bill, m.savings
            ));
        }
    }
    out
}

/// STEPS file for one rule: `step,member,buy_price,sell_price,bill`, one row per step and member.
pub fn steps_csv(report: &SettlementReport, rule: RuleId, table: &NetTable) -> String {
    let mut out = String::from("step,member,buy_price,sell_price,bill\n");
    let Some(rule) = report.rule(rule) else {
        return out;
    };
    for (step, (row, prices)) in table.net_kwh.iter().zip(&rule.prices_by_step).enumerate() {
        for (id, &net) in table.member_ids.iter().zip(row) {
            let bill = if net > 0.0 {
                prices.buy_per_kwh * net
            } else {
                prices.sell_per_kwh * net
            };
            out.push_str(&format!(
                "{step},{id},{},{},{}\n",
                prices.buy_per_kwh, prices.sell_per_kwh, bill
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRICES: &str = "step,buy_per_kwh,sell_per_kwh\n0,10,8\n1,10,8\n";

    fn net_err(text: &str) -> String {
        parse_net_csv("net.csv", text.as_bytes(), 2)
            .unwrap_err()
            .to_string()
    }

    fn price_err(text: &str) -> String {
        parse_prices_csv("prices.csv", text.as_bytes())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn reads_net_and_prices() {
        let prices = parse_prices_csv("prices.csv", PRICES.as_bytes()).unwrap();
        assert_eq!(prices.len(), 2);
        let net = parse_net_csv(
            "net.csv",
            b"step,member,net_kwh\n0,h1,2\n0,h3,-1.5\n1,h2,1\n",
            2,
        )
        .unwrap();
        assert_eq!(net.member_ids, ["h1", "h3", "h2"]);
        assert_eq!(net.net_kwh, vec![vec![2.0, -1.5, 0.0], vec![0.0, 0.0, 1.0]]);
    }

    #[test]
    fn semicolons_are_accepted() {
        let net = parse_net_csv("net.csv", b"step;member;net_kwh\n0;a;1,5\n", 1);
        // A decimal comma is not a number: the message says so instead of guessing.
        assert!(net.unwrap_err().to_string().contains("net.csv, line 2"));
        let net = parse_net_csv("net.csv", b"step;member;net_kwh\n0;a;1.5\n", 1).unwrap();
        assert_eq!(net.net_kwh, vec![vec![1.5]]);
    }

    /// Each bad input and the message it gives (file, line, column and the problem).
    #[test]
    fn table_of_errors() {
        let cases: [(&str, String); 9] = [
            ("net.csv: the file is empty", net_err("")),
            ("net.csv, line 1: missing column 'net_kwh'", net_err("step,member,kwh\n0,a,1\n")),
            ("net.csv, line 2, column 'net_kwh': 'abc' is not a number", net_err("step,member,net_kwh\n0,a,abc\n")),
            ("net.csv, line 3, column 'net_kwh': 'NaN' is not a finite number", net_err("step,member,net_kwh\n0,a,1\n1,a,NaN\n")),
            ("net.csv, line 3, column 'member': step 0, member 'a' already appears on line 2", net_err("step,member,net_kwh\n0,a,1\n0,a,2\n")),
            ("net.csv, line 2, column 'step': step 5 has no price", net_err("step,member,net_kwh\n5,a,1\n")),
            ("net.csv, line 2, column 'step': '-1' is not a step number", net_err("step,member,net_kwh\n-1,a,1\n")),
            ("prices.csv, line 3, column 'step': step 1 is missing (found 2)", price_err("step,buy_per_kwh,sell_per_kwh\n0,10,8\n2,10,8\n")),
            ("prices.csv, line 2, column 'sell_per_kwh': step 0: sell_per_kwh (12) must be below buy_per_kwh (10)", price_err("step,buy_per_kwh,sell_per_kwh\n0,10,12\n")),
        ];
        for (expected, actual) in cases {
            assert!(
                actual.starts_with(expected),
                "expected '{expected}', got '{actual}'"
            );
        }
        assert!(parse_net_csv("net.csv", &[b's', 0xff, b'\n'], 1)
            .unwrap_err()
            .to_string()
            .contains("not UTF-8"));
    }
}
