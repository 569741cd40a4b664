//! A simulated scenario kept before its report, and what it can answer without simulating
//! again: a change only the report reads (the aggregator's return τ_c, the name, the island
//! price) re-closes its books; a change only settlement reads (the BS horizon) settles the homes' own dispatch again
//! and keeps cloud-P2P's books, since the coordinator's dispatch does not read it.

use super::ledger::island_price_kept;
use super::peaks::Rating;
use super::rating::transformer_rating;
use super::simulate::{self, Pass, Simulation};
use super::source::Source;
use super::{assemble, windows, RunOptions, RunReport, SeriesSink};
use crate::scenario::{Scenario, ScenarioError};

/// A simulated scenario before its report: every behaviour's books, the members' static
/// attributes, the prices and the transformer rating. Keep it to answer a change the
/// simulation does not see — the aggregator's return τ_c, the scenario's name, the island
/// price — in milliseconds ([`Simulated::report`]), and a change of the BS horizon with the
/// homes settled again ([`Simulated::resettled`]).
#[derive(Clone)]
pub struct Simulated {
    scenario: Scenario,
    options: RunOptions,
    members: Vec<crate::community::Member>,
    prices: Vec<crate::market::GridPrices>,
    /// The transformer the run was measured against (sized once).
    rating: Rating,
    finished: simulate::Finished,
}

impl Simulated {
    /// Whether `scenario` differs from the simulated one only in what the report alone reads:
    /// the aggregator's return τ_c, the name, and the island price (the books keep island
    /// trade at the retail and the feed-in price, and at the run's own stated price).
    pub fn serves(&self, scenario: &Scenario) -> bool {
        // One copy (an uploaded community is every member's year of series).
        let mut same = scenario.clone();
        let kept = &self.scenario;
        set_report_only_fields(&mut same, kept.settings.aggregator_return, &kept.name);
        let asked = same.settings.island_price;
        if island_price_kept(kept.settings.island_price, asked) {
            same.settings.island_price = kept.settings.island_price;
        }
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
    pub(super) fn closed_report(self, scenario: &Scenario) -> Option<RunReport> {
        report_from(scenario, &self.members, &self.prices, self.finished)
    }

    /// Whether `scenario` differs from the simulated one only in what settlement and the
    /// report read — the BS horizon besides what [`Simulated::serves`] accepts — so that
    /// [`Simulated::resettled`] answers it. (Cloud-P2P settles by SDR: the horizon of Bill
    /// Sharing moves no coordinator.) Never for the books of the twin alone, which settled no
    /// homes.
    pub fn resettles(&self, scenario: &Scenario) -> bool {
        let mut same = scenario.clone();
        same.settings.bs_horizon = self.scenario.settings.bs_horizon;
        self.options.settles_homes() && self.serves(&same)
    }

    /// The simulation of `scenario`, which differs from this one only in what settlement reads
    /// ([`Simulated::resettles`]): the homes' own dispatch simulated and settled again against
    /// the kept transformer rating (no sizing pass), cloud-P2P's books, its twin's and V_max
    /// kept. Bit-identical to simulating `scenario` afresh with these options. `Ok(None)` when
    /// `scenario` needs a new simulation.
    pub fn resettled(
        &self,
        scenario: &Scenario,
        progress: &mut dyn FnMut(f64),
    ) -> Result<Option<Simulated>, ScenarioError> {
        if !self.resettles(scenario) {
            return Ok(None);
        }
        let pass = (Pass::Homes, Some(self.rating));
        let homes = simulate_pass(scenario, self.options, pass, progress, None)?;
        // The same members and prices: `homes` simulated the same community and tariff.
        Ok(Some(Simulated {
            finished: self.finished.with_homes_of(homes.finished),
            ..homes
        }))
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

/// `scenario` without the aggregator's return τ_c and the name: two scenarios with equal
/// simulated parts have the same simulation, and a kept one answers both ([`Simulated::serves`];
/// a front end compares them to know a run needs no simulation). Conservative: a kept
/// simulation also answers an island-price change between retail and feed-in, which this
/// comparison leaves out.
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
    Some(assemble::report(
        &context,
        finished.close(tau, scenario.settings.island_price)?,
    ))
}

/// Simulate a scenario: [`run_with_options`](super::run_with_options) without the report, to
/// keep and report from.
pub fn simulate(
    scenario: &Scenario,
    options: RunOptions,
    progress: &mut dyn FnMut(f64),
    series: Option<&mut SeriesSink>,
) -> Result<Simulated, ScenarioError> {
    simulate_pass(scenario, options, (Pass::Whole, None), progress, series)
}

/// [`simulate`] of one [`Pass`], against `rating` when it is known (else the scenario's, or
/// the default size a homes-alone pass finds).
fn simulate_pass(
    scenario: &Scenario,
    options: RunOptions,
    (pass, rating): (Pass, Option<Rating>),
    progress: &mut dyn FnMut(f64),
    mut series: Option<&mut SeriesSink>,
) -> Result<Simulated, ScenarioError> {
    scenario.validate()?;
    let axis = scenario.axis;
    let prices = scenario.tariff.prices(&axis)?;
    let source = Source::of(scenario)?;
    let (rating, kept) = match rating {
        Some(rating) => (rating, None),
        None => transformer_rating(scenario, &source, &prices, options)?,
    };
    let mut kept = kept.map(Vec::into_iter);
    let mut simulation =
        Simulation::new(scenario, source.members(), &prices, options, rating, pass);
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
        rating,
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
