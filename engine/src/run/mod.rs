//! `run`: a scenario in, the five models side by side out — no sharing, BS, MMR and SDR on the
//! homes' own battery rule, and cloud-P2P (coordinated batteries and flexible load, SDR bills,
//! aggregator's return, contributions rewarded by SCR) — with grid outages and faults.
//!
//! The pipeline, one stage per file: where the members come from ([`source`], one window at a
//! time) → each model's behaviour ([`homes`], the coordinator) stepped and settled as it goes
//! ([`simulate`], with energy totals in [`flows`] and V_max in [`best`]) → cloud-P2P's MLA
//! settlement ([`mla`]) → the report ([`assemble`], types in [`report`]).

mod assemble;
mod best;
mod bulk_meter;
mod flows;
mod frontier;
mod homes;
mod ledger;
mod meters;
mod mla;
mod peaks;
mod rating;
mod real_bills;
mod report;
mod series;
mod simulate;
mod source;
mod summary;

pub use bulk_meter::SinglePointReport;
pub use frontier::{peak_frontier, FrontierPoint, PeakFrontier, FRONTIER_CAP_SHARES};
pub use meters::MemberPeriodBill;
pub use peaks::{PeakReport, DURATION_POINTS};
use rating::transformer_rating;
pub use rating::{stressed, stressed_at, transformer_kva};
pub use real_bills::{bills_csv, BillingReport, PeriodTotals};
pub use report::{EnergyReport, GainSplit, MemberBill, MemberInfo, Model, ModelReport, RunReport};
pub use series::{monthly_throughput_kwh, FlowSeries, FlowStep, RunSeries};
pub use summary::{model_summaries, summary_csv, ModelSummary, SUMMARY_HEADER};

use crate::accounting::Baseline;
use crate::coordinator::MemberStep;
use crate::scenario::{Scenario, ScenarioError};
use simulate::{Simulation, Window};
use source::Source;

/// Receives every member's flows at every step: (model, step, member index, flows).
pub type SeriesSink<'a> = dyn FnMut(Model, usize, usize, &MemberStep) + 'a;

/// Which parts of a run to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunOptions {
    /// Simulate cloud-P2P (the coordinator's dispatch). Without it a run only settles the homes'
    /// own dispatch under no sharing, BS, MMR and SDR — the part a tariff change can re-settle in
    /// milliseconds, because the homes' battery rule does not look at prices.
    pub cloud: bool,
    /// Work out the best possible bill (V_max, perfect-foresight weekly optima), which the
    /// performance measure needs; without it PM is `None`.
    pub performance_measure: bool,
    /// Simulate cloud-P2P's perfect-foresight twin (the value of perfect information). A front
    /// end with a second core runs it apart ([`RunOptions::TWIN_ONLY`]) and merges the two
    /// with [`Simulated::with_twin_of`]: the report is bit-identical to one run of both.
    pub perfect_foresight_twin: bool,
}

impl RunOptions {
    /// Only what a tariff change on the homes' own dispatch needs: four rules, no cloud-P2P, no PM.
    pub const SETTLE_ONLY: Self = Self {
        cloud: false,
        performance_measure: false,
        perfect_foresight_twin: false,
    };

    /// Everything but the perfect-foresight twin: the part of a whole run a first core does.
    pub const WITHOUT_TWIN: Self = Self {
        cloud: true,
        performance_measure: true,
        perfect_foresight_twin: false,
    };

    /// Only the perfect-foresight twin (and the homes' own dispatch it reads, unsettled): the
    /// part a second core does. Its simulation has no report of its own.
    pub const TWIN_ONLY: Self = Self {
        cloud: false,
        performance_measure: false,
        perfect_foresight_twin: true,
    };

    /// Whether a simulation with these options holds everything one with `needed` holds.
    pub fn covers(self, needed: Self) -> bool {
        (self.cloud || !needed.cloud)
            && (self.performance_measure || !needed.performance_measure)
            && (self.perfect_foresight_twin || !needed.perfect_foresight_twin)
            && (self.settles_homes() || !needed.settles_homes())
    }

    /// Whether the homes' own dispatch is settled (no sharing, BS, MMR, SDR): always but in a
    /// run of the twin alone, which only needs the homes' import (the twin's do-no-harm level).
    pub fn settles_homes(self) -> bool {
        self.cloud || !self.perfect_foresight_twin
    }

    /// Whether `scenario`'s cloud-P2P has a perfect-foresight twin to simulate (not when the
    /// coordinator already forecasts perfectly: then the twin would be cloud-P2P itself).
    pub fn twin_needed(scenario: &Scenario) -> bool {
        scenario.settings.coordinator.forecast != crate::coordinator::Forecast::PerfectForesight
    }
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            cloud: true,
            performance_measure: true,
            perfect_foresight_twin: true,
        }
    }
}

/// Run a scenario. `progress` receives the share done (0..=1) once a simulated day.
pub fn run(scenario: &Scenario, progress: &mut dyn FnMut(f64)) -> Result<RunReport, ScenarioError> {
    run_with_options(scenario, RunOptions::default(), progress, None)
}

/// [`run`], also sending every member's flows to `series`: no sharing, cloud-P2P, and (as
/// `Model::Sdr`) BS/MMR/SDR's dispatch when a community islanding together makes it differ.
pub fn run_with_series(
    scenario: &Scenario,
    progress: &mut dyn FnMut(f64),
    series: Option<&mut SeriesSink>,
) -> Result<RunReport, ScenarioError> {
    run_with_options(scenario, RunOptions::default(), progress, series)
}

/// [`run`] with [`RunOptions`] and an optional per-member series sink.
pub fn run_with_options(
    scenario: &Scenario,
    options: RunOptions,
    progress: &mut dyn FnMut(f64),
    series: Option<&mut SeriesSink>,
) -> Result<RunReport, ScenarioError> {
    let no_report = || {
        ScenarioError::Settings(
            "a run of the perfect-foresight twin alone has no report: merge it into a whole run"
                .into(),
        )
    };
    if !options.settles_homes() {
        return Err(no_report());
    }
    let simulated = simulate(scenario, options, progress, series)?;
    let report = simulated.closed_report(scenario).ok_or_else(no_report)?;
    progress(1.0);
    Ok(report)
}

/// A simulated scenario before its report: every behaviour's books, the members' static
/// attributes and the prices. Keep it to answer a change the simulation does not see — the
/// aggregator's return τ_c, the scenario's name — in milliseconds ([`Simulated::report`]).
#[derive(Clone)]
pub struct Simulated {
    scenario: Scenario,
    options: RunOptions,
    members: Vec<crate::community::Member>,
    prices: Vec<crate::market::GridPrices>,
    finished: simulate::Finished,
}

impl Simulated {
    /// Whether `scenario` differs from the simulated one only in what the report alone reads
    /// (the aggregator's return τ_c and the name).
    pub fn serves(&self, scenario: &Scenario) -> bool {
        // One copy (an uploaded community is every member's year of series).
        let mut same = scenario.clone();
        let kept = &self.scenario;
        set_report_only_fields(&mut same, kept.settings.aggregator_return, &kept.name);
        same == self.scenario
    }

    /// What was simulated (a merged twin counts as simulated).
    pub fn options(&self) -> RunOptions {
        self.options
    }

    /// The report of `scenario` from these books, or `None` when it needs a new simulation
    /// (or these are the books of the twin alone, which settled no homes).
    pub fn report(&self, scenario: &Scenario) -> Option<RunReport> {
        if !self.serves(scenario) {
            return None;
        }
        report_from(scenario, &self.members, &self.prices, self.finished.clone())
    }

    /// [`Simulated::report`] without keeping the books: they are closed in place, not copied
    /// (for a front end that keeps nothing, and at 10,000 members a copy of the books is MBs).
    pub fn into_report(self, scenario: &Scenario) -> Option<RunReport> {
        if !self.serves(scenario) {
            return None;
        }
        self.closed_report(scenario)
    }

    /// None for the books of the twin alone (see [`report_from`]).
    fn closed_report(self, scenario: &Scenario) -> Option<RunReport> {
        report_from(scenario, &self.members, &self.prices, self.finished)
    }

    /// These books with the perfect-foresight twin of `twin`, a simulation of the same scenario
    /// with [`RunOptions::TWIN_ONLY`] (run on another core): one report, bit-identical to a
    /// run that simulated both. `None` if `twin` simulated another scenario.
    pub fn with_twin_of(self, twin: Simulated) -> Option<Simulated> {
        (twin.scenario == self.scenario).then(|| Simulated {
            options: RunOptions {
                perfect_foresight_twin: twin.options.perfect_foresight_twin,
                ..self.options
            },
            finished: self.finished.with_twin_of(twin.finished),
            ..self
        })
    }
}

/// `scenario` without what only the report reads (the aggregator's return τ_c and the name):
/// two scenarios with equal simulated parts have the same simulation, and a kept one answers
/// both ([`Simulated::serves`]; a front end compares them to know a run needs no simulation).
pub fn simulated_part(scenario: &Scenario) -> Scenario {
    let mut part = scenario.clone();
    set_report_only_fields(&mut part, 0.0, "");
    part
}

/// Set what only the report reads: the aggregator's return τ_c and the name.
fn set_report_only_fields(scenario: &mut Scenario, aggregator_return: f64, name: &str) {
    scenario.settings.aggregator_return = aggregator_return;
    name.clone_into(&mut scenario.name);
}

/// Close `finished` at the scenario's τ_c and assemble its report (None: the books of the
/// twin alone, which settled no homes).
fn report_from(
    scenario: &Scenario,
    members: &[crate::community::Member],
    prices: &[crate::market::GridPrices],
    finished: simulate::Finished,
) -> Option<RunReport> {
    let tau = scenario.settings.aggregator_return;
    let context = assemble::Context {
        name: &scenario.name,
        members,
        prices,
        aggregator_return: tau,
    };
    Some(assemble::report(&context, finished.close(tau)?))
}

/// Simulate a scenario: [`run_with_options`] without the report, to keep and report from.
pub fn simulate(
    scenario: &Scenario,
    options: RunOptions,
    progress: &mut dyn FnMut(f64),
    mut series: Option<&mut SeriesSink>,
) -> Result<Simulated, ScenarioError> {
    scenario.validate()?;
    let axis = scenario.axis;
    let prices = scenario.tariff.prices(&axis)?;
    let source = Source::of(scenario)?;
    let (rating, kept) = transformer_rating(scenario, &source, &prices, options)?;
    let mut kept = kept.map(Vec::into_iter);
    let mut simulation =
        Simulation::new(scenario, source.members(), &prices, options, rating, false);
    for window in windows(scenario, &source, options) {
        let community = match kept.as_mut().and_then(Iterator::next) {
            Some(community) => std::borrow::Cow::Owned(community),
            None => source.window(scenario, window.w0, window.w1)?,
        };
        simulation.window(&community, &prices, window, progress, series.as_deref_mut())?;
    }
    let finished = simulation.finish();
    Ok(Simulated {
        scenario: scenario.clone(),
        options,
        members: source
            .members()
            .iter()
            .map(|m| crate::community::Member {
                load_kw: Vec::new(),
                pv_kw: Vec::new(),
                ..m.clone()
            })
            .collect(),
        prices,
        finished,
    })
}

/// The run streams through windows of a week (a generated community is generated one window
/// at a time, so memory does not grow with the run's length); each window adds a week before
/// (the realistic forecast looks back seven days) and the coordinator's horizon after.
fn windows(
    scenario: &Scenario,
    source: &Source,
    options: RunOptions,
) -> impl Iterator<Item = Window> {
    let axis = scenario.axis;
    let spd = axis.steps_per_day.max(1) as usize;
    let chunk_steps = source.chunk_steps(&axis).max(1);
    let after = scenario.settings.coordinator.horizon_steps + spd;
    // Only the coordinators (cloud-P2P, home EMS) forecast from history. The perfect-foresight
    // twin reads ahead only, but keeps the week too: its active plan is carried across windows by
    // window-local step and dropped if it starts before the window (`CloudSim::resume`), so a
    // twin simulated alone must see the same windows as the twin inside a whole run.
    let coordinated = options.cloud || options.perfect_foresight_twin;
    let history_days = if coordinated || scenario.settings.baseline != Baseline::SelfConsumption {
        crate::coordinator::HISTORY_DAYS
    } else {
        1
    };
    (0..axis.steps).step_by(chunk_steps).map(move |start| {
        let end = (start + chunk_steps).min(axis.steps);
        Window {
            w0: start.saturating_sub(history_days * spd),
            w1: (end + after).min(axis.steps),
            chunk: start..end,
        }
    })
}
