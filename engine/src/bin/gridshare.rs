//! `gridshare`: the engine from the command line, for researchers and batch what-ifs.
//! All file I/O of Gridshare's native tools lives here; the library stays pure.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use engine::csv_input::{bills_csv, parse_net_csv, parse_prices_csv, steps_csv};
use engine::{BillingHorizon, RuleId, Settler, TimeAxis};

/// Peer-to-peer energy sharing simulator (command line).
#[derive(Debug, Parser)]
#[command(name = "gridshare", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Settle members' net energy under one rule and write their bills.
    ///
    /// NET.csv: `step,member,net_kwh` (positive = the member needs energy; a missing pair is 0).
    /// PRICES.csv: `step,buy_per_kwh,sell_per_kwh`, one row per step from 0.
    /// BILLS.csv: `member,import_kwh,export_kwh,bill,reference_bill,savings` (bill > 0 = pays).
    Settle {
        /// Net energy per step and member.
        #[arg(long, value_name = "NET.csv")]
        net: PathBuf,
        /// Grid prices per step.
        #[arg(long, value_name = "PRICES.csv")]
        prices: PathBuf,
        /// Settlement rule: none, bs, mmr or sdr.
        #[arg(long)]
        rule: RuleId,
        /// Bill Sharing's billing horizon: step, day, month or run.
        #[arg(long, default_value = "month")]
        bs_horizon: BillingHorizon,
        /// Steps per day (24 = hourly, 48 = half-hourly); day and month horizons count from 1 Jan.
        #[arg(long, default_value_t = 24)]
        steps_per_day: u32,
        /// Where to write the bills.
        #[arg(long, value_name = "BILLS.csv")]
        out: PathBuf,
        /// Also write `step,member,buy_price,sell_price,bill` for every step and member.
        #[arg(long, value_name = "STEPS.csv")]
        per_step: Option<PathBuf>,
    },
}

/// A failure the user can fix (exit code 2) or an I/O failure (exit code 1).
enum Failure {
    Input(String),
    Io(String),
}

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::Input(format!("{}: cannot read: {e}", path.display())))
}

fn file_name(path: &Path) -> String {
    path.display().to_string()
}

/// Write every output to a temporary sibling first, then rename: no partial output on failure.
fn write_all(outputs: &[(&Path, String)]) -> Result<(), Failure> {
    let mut staged = Vec::new();
    for (path, text) in outputs {
        let tmp = path.with_extension("gridshare-tmp");
        if let Err(e) = std::fs::write(&tmp, text) {
            for t in &staged {
                let _ = std::fs::remove_file(t);
            }
            let _ = std::fs::remove_file(&tmp);
            return Err(Failure::Io(format!(
                "{}: cannot write: {e}",
                path.display()
            )));
        }
        staged.push(tmp);
    }
    for ((path, _), tmp) in outputs.iter().zip(&staged) {
        std::fs::rename(tmp, path)
            .map_err(|e| Failure::Io(format!("{}: cannot write: {e}", path.display())))?;
    }
    Ok(())
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Settle {
            net,
            prices,
            rule,
            bs_horizon,
            steps_per_day,
            out,
            per_step,
        } => {
            if steps_per_day == 0 {
                return Err(Failure::Input("--steps-per-day must be at least 1".into()));
            }
            let grid = parse_prices_csv(&file_name(&prices), &read(&prices)?)
                .map_err(|e| Failure::Input(e.to_string()))?;
            let table = parse_net_csv(&file_name(&net), &read(&net)?, grid.len())
                .map_err(|e| Failure::Input(e.to_string()))?;
            let axis = TimeAxis {
                steps: grid.len(),
                steps_per_day,
                start_day_of_year: 0,
            };
            // The reference (no sharing) is always settled alongside the chosen rule.
            let mut rules = vec![RuleId::None.rule(bs_horizon)];
            if rule != RuleId::None {
                rules.push(rule.rule(bs_horizon));
            }
            let mut settler = Settler::new(axis, table.member_ids.len(), rules);
            for (row, prices) in table.net_kwh.iter().zip(&grid) {
                settler
                    .push_step(*prices, row)
                    .map_err(|e| Failure::Input(format!("{}: {e}", file_name(&net))))?;
            }
            let report = settler.finish(0.0);
            let mut outputs = vec![(out.as_path(), bills_csv(&report, rule, &table.member_ids))];
            if let Some(path) = &per_step {
                outputs.push((path.as_path(), steps_csv(&report, rule, &table)));
            }
            write_all(&outputs)
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(message)) => {
            eprintln!("gridshare: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Io(message)) => {
            eprintln!("gridshare: {message}");
            ExitCode::from(1)
        }
    }
}
