//! One scenario on two cores: everything but cloud-P2P's perfect-foresight twin on one, the
//! twin (with the homes it reads) on the other, merged by the engine into one report that is
//! bit-identical to a single-core run (`engine/tests/cli.rs` checks it).

use engine::coordinator::MemberStep;
use engine::run::{run_with_options, simulate, Model, RunOptions, RunReport, SeriesSink};
use engine::scenario::{Scenario, ScenarioError};

/// Where every member's flows go, from whichever thread simulates cloud-P2P.
pub type SendSink<'a> = dyn FnMut(Model, usize, usize, &MemberStep) + Send + 'a;

/// Run `scenario` on up to `cores` threads (1: the engine's single-core run), sending every
/// member's flows to `series`.
pub fn run(
    scenario: &Scenario,
    cores: usize,
    series: Option<&mut SendSink>,
) -> Result<RunReport, ScenarioError> {
    let has_twin = RunOptions::twin_needed(scenario);
    if cores < 2 || !has_twin {
        let sink = series.map(|f| f as &mut SeriesSink);
        return run_with_options(scenario, RunOptions::default(), &mut |_| {}, sink);
    }
    let (main, twin) = rayon::join(
        || {
            let sink = series.map(|f| f as &mut SeriesSink);
            simulate(scenario, RunOptions::WITHOUT_TWIN, &mut |_| {}, sink)
        },
        || simulate(scenario, RunOptions::TWIN_ONLY, &mut |_| {}, None),
    );
    let merged = main?
        .with_twin_of(twin?)
        .ok_or_else(|| ScenarioError::Settings("the twin simulated another scenario".into()))?;
    merged
        .into_report(scenario)
        .ok_or_else(|| ScenarioError::Settings("the merged run serves another scenario".into()))
}
