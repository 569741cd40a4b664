//! One scenario on two cores: everything but cloud-P2P's perfect-foresight twin on one, the
//! twin (with the homes it reads) on the other, merged by the engine into one report that is
//! bit-identical to a single-core run (`engine/tests/cli.rs` checks it).

use engine::coordinator::{Forecast, MemberStep};
use engine::run::{run_with_options, simulate, Model, RunOptions, RunReport, SeriesSink};
use engine::scenario::{Scenario, ScenarioError};

/// Run `scenario` on up to `cores` threads (1: the engine's single-core run), sending every
/// member's flows to `series`.
pub fn run<F>(
    scenario: &Scenario,
    cores: usize,
    mut series: Option<F>,
) -> Result<RunReport, ScenarioError>
where
    F: FnMut(Model, usize, usize, &MemberStep) + Send,
{
    let has_twin = scenario.settings.coordinator.forecast != Forecast::PerfectForesight;
    if cores < 2 || !has_twin {
        let sink = series.as_mut().map(|f| f as &mut SeriesSink);
        return run_with_options(scenario, RunOptions::default(), &mut |_| {}, sink);
    }
    let (main, twin) = rayon::join(
        || {
            let sink = series.as_mut().map(|f| f as &mut SeriesSink);
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
