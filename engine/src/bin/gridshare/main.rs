//! `gridshare`: the engine from the command line, for researchers and batch what-ifs.
//! All file I/O of Gridshare's native tools lives here; the library stays pure.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod batch;
mod files;
mod profiles_args;
mod single_point;
mod summaries;
mod sweep_cmd;
mod two_cores;

use clap::{Parser, Subcommand};
use engine::billing::{Connection, Phase, Regime, RetailTariff};
use engine::community::{generate, CommunitySpec, Site};
use engine::coordinator::Forecast;
use engine::csv_input::{bills_csv, parse_net_csv, parse_prices_csv, steps_csv};
use engine::profiles::export_long_csv;
use engine::run::Model;
use engine::scenario::{CommunitySource, Scenario};
use engine::tariff::Tariff;
use engine::{BillingHorizon, RuleId, Settler, TimeAxis};
use files::{file_name, load_scenario, read, write_all, Content, Failure};
use summaries::{billing_summary, frontier_summary, peak_summary, summary};

/// `study`, `tod`, `flat` or a retail preset (`delhi`, `msedcl`, `up-urban`, `up-rural`,
/// `tamil-nadu`, `kerala`).
fn parse_preset(s: &str) -> Result<Tariff, String> {
    Tariff::by_id(s).map_err(|e| e.to_string())
}

fn parse_phase(s: &str) -> Result<Phase, String> {
    match s {
        "1" => Ok(Phase::Single),
        "3" => Ok(Phase::Three),
        other => Err(format!("unknown phase '{other}' (expected 1 or 3)")),
    }
}

/// Five comma-separated weights for A1…A5.
fn parse_mix(s: &str) -> Result<[f64; 5], String> {
    let parts: Vec<f64> = s
        .split(',')
        .map(|p| {
            p.trim()
                .parse::<f64>()
                .map_err(|_| format!("'{p}' in --mix is not a number"))
        })
        .collect::<Result<_, _>>()?;
    parts
        .try_into()
        .map_err(|_| "--mix needs five weights for A1,A2,A3,A4,A5".to_string())
}

/// The generator options shared by `generate` and `scenario`.
#[derive(Debug, clap::Args)]
struct CommunityArgs {
    /// Site: north (Composite, Lucknow-like) or south (Warm-humid, Chennai-like).
    #[arg(long, default_value = "north", value_parser = str::parse::<Site>)]
    site: Site,
    /// Seed: the same seed gives bit-identical profiles.
    #[arg(long)]
    seed: Option<u64>,
    /// Number of members (2 to 10,000); default 30.
    #[arg(long)]
    members: Option<usize>,
    /// Archetype weights A1,A2,A3,A4,A5 (default: the site's documented mix).
    #[arg(long, value_parser = parse_mix)]
    mix: Option<[f64; 5]>,
}

impl CommunityArgs {
    fn spec(&self) -> CommunitySpec {
        let mut spec = CommunitySpec::default_for(self.site);
        if let Some(seed) = self.seed {
            spec.seed = seed;
        }
        if let Some(members) = self.members {
            spec.members = members;
        }
        if let Some(mix) = self.mix {
            spec.mix = mix;
        }
        spec
    }
}

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
    /// Generate a year of hourly profiles and write them in the long CSV format
    /// (`timestamp,member_id,load_kw,pv_kw`, IST, 2025).
    Generate {
        #[command(flatten)]
        community: CommunityArgs,
        /// Where to write the profiles.
        #[arg(long, value_name = "PROFILES.csv")]
        out: PathBuf,
    },
    /// Write a scenario file (a generated community with a tariff preset) to edit or share.
    Scenario {
        #[command(flatten)]
        community: CommunityArgs,
        /// Tariff preset: study (10/8), tod (Indian time-of-day, feed-in 3), flat (6.5/3), or a
        /// real state bill: delhi, msedcl, up-urban, up-rural, tamil-nadu, kerala.
        #[arg(long, default_value = "study", value_parser = parse_preset)]
        tariff: Tariff,
        /// The metering regime of a retail tariff (default: the state's own).
        #[arg(long, value_parser = str::parse::<Regime>)]
        regime: Option<Regime>,
        /// Steps a day: 24 (hourly), 48 (30 minutes) or 96 (15 minutes); the coordinator plans a
        /// day ahead and re-plans every step.
        #[arg(long, default_value_t = 24)]
        steps_per_day: u32,
        /// The coordinator's forecast: recent_history (default), seasonal_persistence or
        /// perfect_foresight (the benchmark).
        #[arg(long, default_value = "recent_history", value_parser = parse_forecast)]
        forecast: Forecast,
        /// Whether the community islands together in outages (under every sharing model).
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
        community_islanding: bool,
        /// The community's transformer, kVA (default: the smallest standard rating, 10, 16,
        /// 25, 63, 100 … kVA, that carries no sharing's peak at 80%).
        #[arg(long, value_name = "KVA")]
        transformer_kva: Option<f64>,
        /// The stressed preset: today's transformer, with 15% of homes adding an
        /// air-conditioner and 10% charging an e-rickshaw.
        #[arg(long)]
        stressed: bool,
        /// Demand charge on the community's monthly maximum import, ₹/kW (the coordinator
        /// searches the import cap that minimises energy cost plus this charge).
        #[arg(long, value_name = "RS_PER_KW")]
        demand_charge: Option<f64>,
        #[command(flatten)]
        connection: single_point::SinglePointArgs,
        #[command(flatten)]
        profiles: profiles_args::ProfileArgs,
        /// Where to write the scenario.
        #[arg(long, value_name = "S.json")]
        out: PathBuf,
    },
    /// Sweep one parameter over values and write every model's figures at each (the page's
    /// "What if?" sweep): `<parameter>,model,community_cost,consumer_savings_pct,
    /// prosumer_income,performance_measure`.
    Sweep {
        /// The scenario file.
        #[arg(long, value_name = "S.json")]
        scenario: PathBuf,
        /// feed_in_price, retail_price, tod_peak_multiplier, pv_penetration,
        /// battery_penetration, aggregator_return or p2p_charge.
        #[arg(long)]
        parameter: String,
        /// `a,b,c` or `from:to:step`.
        #[arg(long, allow_hyphen_values = true)]
        values: String,
        /// Only the four settlement rules on the homes' own dispatch (no cloud-P2P): fast.
        #[arg(long)]
        settle_only: bool,
        /// Points run at once (default: every core).
        #[arg(long, value_name = "N")]
        jobs: Option<usize>,
        /// Where to write the sweep.
        #[arg(long, value_name = "SWEEP.csv")]
        out: PathBuf,
    },
    /// Print one billing period's bill of a retail tariff as JSON (`lines` with `name` and
    /// `amount`, `total`, `subsidy`, `discom_revenue`): check a tariff against a real bill.
    Bill {
        /// A retail preset (delhi, msedcl, up-urban, up-rural, tamil-nadu, kerala) or a tariff
        /// JSON file.
        #[arg(long, value_name = "PRESET|FILE")]
        tariff: String,
        /// Units imported in the period (kWh).
        #[arg(long)]
        kwh: f64,
        /// Billing days (slab limits are pro-rated where the tariff says so).
        #[arg(long, default_value_t = 30.0)]
        days: f64,
        /// Sanctioned load, kW.
        #[arg(long, default_value_t = 2.0)]
        sanctioned_kw: f64,
        /// Supply phase: 1 or 3.
        #[arg(long, default_value = "1", value_parser = parse_phase)]
        phase: Phase,
        /// Units exported in the period (kWh).
        #[arg(long, default_value_t = 0.0)]
        export_kwh: f64,
        /// Metering regime (default: the tariff's own).
        #[arg(long, value_parser = str::parse::<Regime>)]
        regime: Option<Regime>,
    },
    /// Run every model (no sharing, BS, MMR, SDR, cloud-P2P) on a scenario and write all metrics
    /// as JSON.
    Run {
        /// The scenario file.
        #[arg(long, value_name = "S.json", required_unless_present = "scenarios")]
        scenario: Option<PathBuf>,
        /// Many scenarios at once: a folder (every `*.json` in it), a comma-separated list of
        /// files, or a text file with one path per line. `--out` is then a folder that gets
        /// `<name>.report.json` per scenario and `summary.csv` (one row per scenario × model; a
        /// failed scenario is a row with its error, and the rest still run).
        #[arg(long, value_name = "DIR|LIST", conflicts_with_all = ["scenario", "series", "frontier", "bills", "transformer_kva"])]
        scenarios: Option<String>,
        /// Cores to use (default: every core). With --scenarios: scenarios run at once. With
        /// --scenario: 2 or more runs cloud-P2P's perfect-foresight twin on a second core (the
        /// same report, bit for bit).
        #[arg(long, value_name = "N")]
        jobs: Option<usize>,
        /// Where to write the report (with --scenarios: the results folder).
        #[arg(long, value_name = "REPORT.json|DIR")]
        out: PathBuf,
        /// Also write every member's flows per step, for no sharing and cloud-P2P (and `sdr` for
        /// BS/MMR/SDR's dispatch when the community islands together):
        /// `step,member,load_kw,pv_kw,charge_kw,discharge_kw,soc_kwh,net_kw,model`
        /// (load − pv + charge − discharge = net on every row; load is the load served, so during
        /// grid outages it excludes the unserved part, which the report totals).
        #[arg(long, value_name = "SERIES.csv")]
        series: Option<PathBuf>,
        /// Run with this transformer instead of the scenario's, kVA.
        #[arg(long, value_name = "KVA")]
        transformer_kva: Option<f64>,
        /// Also write the cost of a flatter peak: the participants' perfect-foresight cost
        /// against an import cap (the energy optimum's peak, then 90% … 50% of it), with the
        /// shadow price at the scenario's own level.
        #[arg(long, value_name = "FRONTIER.json")]
        frontier: Option<PathBuf>,
        /// With a retail tariff, also write every member's bill per period and model with its
        /// line items: `model,member,period,key,line,party,amount_rs` (a `total` row each).
        #[arg(long, value_name = "BILLS.csv")]
        bills: Option<PathBuf>,
    },
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
            let mut outputs = vec![(
                out.as_path(),
                bills_csv(&report, rule, &table.member_ids).into(),
            )];
            if let Some(path) = &per_step {
                outputs.push((path.as_path(), steps_csv(&report, rule, &table).into()));
            }
            write_all(&outputs)
        }
        Command::Generate { community, out } => {
            let spec = community.spec();
            let axis = TimeAxis::hourly_year();
            let generated = generate(&spec, &axis).map_err(|e| Failure::Input(e.to_string()))?;
            write_all(&[(
                out.as_path(),
                export_long_csv(&generated.members, &axis, 2025).into(),
            )])
        }
        Command::Bill {
            tariff,
            kwh,
            days,
            sanctioned_kw,
            phase,
            export_kwh,
            regime,
        } => {
            let mut retail = load_retail(&tariff)?;
            if let Some(regime) = regime {
                retail.metering.regime = regime;
            }
            let bill = engine::billing::one_period_bill(
                &retail,
                &Connection {
                    sanctioned_kw,
                    phase,
                },
                days,
                kwh,
                export_kwh,
            )
            .map_err(|e| Failure::Input(e.to_string()))?;
            println!("{bill}");
            Ok(())
        }
        Command::Scenario {
            community,
            tariff,
            regime,
            steps_per_day,
            forecast,
            community_islanding,
            transformer_kva,
            stressed,
            demand_charge,
            connection,
            profiles,
            out,
        } => {
            let spec = community.spec();
            spec.validate().map_err(|e| Failure::Input(e.to_string()))?;
            let mut scenario = Scenario::generated(spec.site, engine::tariff::TariffPreset::Study);
            scenario.name = format!("{} — {}", spec.site.label(), tariff.label());
            scenario.tariff = tariff;
            if let (Some(regime), Tariff::Retail(r)) = (regime, &mut scenario.tariff) {
                r.metering.regime = regime;
            }
            connection.apply(&mut scenario).map_err(Failure::Input)?;
            scenario.community = CommunitySource::Generated(spec);
            scenario.axis = TimeAxis {
                steps: 365 * steps_per_day as usize,
                steps_per_day,
                start_day_of_year: 0,
            };
            if profiles.given() {
                if steps_per_day != 24 || stressed {
                    let flag = if stressed {
                        "--stressed"
                    } else {
                        "--steps-per-day"
                    };
                    return Err(Failure::Input(format!(
                        "{flag}: not with --profiles (uploaded profiles are hourly and used as they are)"
                    )));
                }
                let uploaded = profiles.scenario(scenario.tariff.clone(), community.site)?;
                scenario.name = uploaded.name.clone();
                scenario.axis = uploaded.axis;
                scenario.community = uploaded.community;
            }
            let c = &mut scenario.settings.coordinator;
            c.horizon_steps = steps_per_day as usize;
            c.forecast = forecast;
            scenario.settings.community_islanding = community_islanding;
            scenario
                .validate()
                .map_err(|e| Failure::Input(format!("--steps-per-day: {e}")))?;
            scenario.settings.transformer_kva = transformer_kva;
            if let Some(charge) = demand_charge {
                scenario.settings.peak.demand_charge_per_kw = charge;
            }
            scenario.validate().map_err(|e| {
                let flag = if transformer_kva
                    .is_some_and(|k| !(k > 0.0 && k <= engine::limits::MAX_TRANSFORMER_KVA))
                {
                    "--transformer-kva"
                } else {
                    "--demand-charge"
                };
                Failure::Input(format!("{flag}: {e}"))
            })?;
            if stressed {
                scenario = engine::run::stressed(&scenario)
                    .map_err(|e| Failure::Input(format!("--stressed: {e}")))?;
            }
            write_all(&[(out.as_path(), scenario.to_json().into())])
        }
        Command::Sweep {
            scenario,
            parameter,
            values,
            settle_only,
            jobs,
            out,
        } => sweep_cmd::sweep(&scenario, &parameter, &values, !settle_only, jobs, &out),
        Command::Run {
            scenarios: Some(list),
            jobs,
            out,
            ..
        } => batch::run_batch(&list, &out, jobs),
        Command::Run {
            scenario,
            out,
            series,
            transformer_kva,
            frontier,
            bills,
            jobs,
            ..
        } => {
            let cores = jobs.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
            });
            let scenario = scenario
                .ok_or_else(|| Failure::Input("--scenario or --scenarios is needed".into()))?;
            let mut parsed = load_scenario(&scenario)?;
            if let Some(kva) = transformer_kva {
                parsed.settings.transformer_kva = Some(kva);
                engine::limits::check_peak(Some(kva), &parsed.settings.peak)
                    .map_err(|e| Failure::Input(format!("--transformer-kva: {e}")))?;
            }
            let mut rows = String::new();
            let report = if series.is_some() {
                rows.push_str(
                    "step,member,load_kw,pv_kw,charge_kw,discharge_kw,soc_kwh,net_kw,model\n",
                );
                // Ids without generating the whole run's series (a long axis would not fit).
                let ids: Vec<String> = match &parsed.community {
                    CommunitySource::Generated(spec) => {
                        (0..spec.members).map(|k| spec.member_id(k)).collect()
                    }
                    CommunitySource::Custom { members, .. } => {
                        members.iter().map(|m| m.id.clone()).collect()
                    }
                };
                let mut sink =
                    |model: Model, t: usize, k: usize, s: &engine::coordinator::MemberStep| {
                        rows.push_str(&format!(
                            "{t},{},{},{},{},{},{},{},{}\n",
                            ids[k],
                            s.load_kw - s.unserved_kw,
                            s.pv_kw,
                            s.charge_kw,
                            s.discharge_kw,
                            s.soc_kwh,
                            s.net_kw,
                            model.key()
                        ));
                    };
                two_cores::run(&parsed, cores, Some(&mut sink))
            } else {
                two_cores::run(&parsed, cores, None)
            }
            .map_err(|e| Failure::Input(format!("{}: {e}", file_name(&scenario))))?;
            let frontier_result = match &frontier {
                Some(_) => Some(
                    engine::run::peak_frontier(&parsed, &mut |_| {})
                        .map_err(|e| Failure::Input(format!("{}: {e}", file_name(&scenario))))?,
                ),
                None => None,
            };
            let mut outputs = vec![(out.as_path(), Content::Json(&report))];
            if let Some(path) = &series {
                outputs.push((path.as_path(), rows.into()));
            }
            if let Some(path) = &bills {
                let csv = engine::run::bills_csv(&report).ok_or_else(|| {
                    Failure::Input(format!(
                        "--bills: {} has no retail tariff, so no bills per period (use a preset such as delhi)",
                        file_name(&scenario)
                    ))
                })?;
                outputs.push((path.as_path(), csv.into()));
            }
            if let (Some(path), Some(f)) = (&frontier, &frontier_result) {
                outputs.push((path.as_path(), Content::Json(f)));
            }
            write_all(&outputs)?;
            print!("{}", summary(&report));
            print!("{}", peak_summary(&report));
            print!("{}", billing_summary(&report));
            if let Some(f) = &frontier_result {
                print!("{}", frontier_summary(f));
            }
            Ok(())
        }
    }
}

/// A retail tariff by preset id or from a JSON file.
fn load_retail(arg: &str) -> Result<RetailTariff, Failure> {
    if let Ok(Tariff::Retail(r)) = Tariff::by_id(arg) {
        return Ok(*r);
    }
    let path = Path::new(arg);
    if !path.exists() {
        return Err(Failure::Input(
            Tariff::by_id(arg).err().map_or_else(|| format!("--tariff {arg}: not a retail tariff (study, tod and flat have no bills; use delhi, msedcl, up-urban, up-rural, tamil-nadu, kerala or a file)"), |e| format!("--tariff: {e}, and no such file")),
        ));
    }
    let text = String::from_utf8(read(path)?)
        .map_err(|_| Failure::Input(format!("{}: not UTF-8 text", path.display())))?;
    engine::billing::RetailTariff::from_json(&file_name(path), &text)
        .map_err(|e| Failure::Input(e.to_string()))
}

fn parse_forecast(s: &str) -> Result<Forecast, String> {
    Forecast::ALL
        .into_iter()
        .find(|f| f.key() == s)
        .ok_or_else(|| {
            format!(
                "unknown forecast '{s}' (recent_history, seasonal_persistence, perfect_foresight)"
            )
        })
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
