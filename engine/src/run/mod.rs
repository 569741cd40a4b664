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
mod simulated;
mod source;
mod summary;

pub use bulk_meter::SinglePointReport;
pub use frontier::{peak_frontier, FrontierPoint, PeakFrontier, FRONTIER_CAP_SHARES};
pub use meters::MemberPeriodBill;
pub use peaks::{PeakReport, DURATION_POINTS};
pub use rating::{stressed, stressed_at, transformer_kva};
pub use real_bills::{bills_csv, BillingReport, PeriodTotals};
pub use report::{EnergyReport, GainSplit, MemberBill, MemberInfo, Model, ModelReport, RunReport};
pub use series::{monthly_throughput_kwh, FlowSeries, FlowStep, RunSeries};
pub use summary::{model_summaries, summary_csv, ModelSummary, SUMMARY_HEADER};

use crate::accounting::Baseline;
use crate::coordinator::MemberStep;
use crate::scenario::{Scenario, ScenarioError};
use simulate::Window;
pub use simulated::{simulate, simulated_part, Simulated};
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
