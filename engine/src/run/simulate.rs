//! The simulation proper: every behaviour stepped through a window of the run, its net energy
//! settled as it goes, and the running totals that the report is assembled from.
//!
//! Three behaviours: the homes alone (no sharing; also SDR on the homes' own dispatch for the
//! gain split), the homes' own dispatch in a community that islands together (BS, MMR, SDR),
//! and cloud-P2P's coordinated dispatch. Where the community cannot island, the second is the
//! first. In an outage the grid settles nothing; members' exchange inside an island is paid at
//! the island price (a ledger line) and still counts as a contribution to the community.

use crate::community::{Community, Member};
use crate::coordinator::{
    connection_kw, CloudSim, CloudState, CoordinatorSettings, Forecast, LoadClass, MemberStep,
    SolverStats,
};
use crate::market::{GridPrices, RuleId, SupplyDemandRatio};
use crate::metrics::SettlementReport;
use crate::scenario::{Scenario, ScenarioError};
use crate::settle::Settler;

use super::best::best_possible_bill;
use super::flows::{At, Flows};
use super::homes::HomesAlone;
use super::ledger::Ledger;
use super::{EnergyReport, FlowSeries, Model, RunOptions, SeriesSink};

/// A stretch of the run: steps `chunk` are simulated, the window `w0..w1` around them is loaded.
pub(super) struct Window {
    /// First step of the loaded window.
    pub w0: usize,
    /// First step after it.
    pub w1: usize,
    /// Steps simulated.
    pub chunk: std::ops::Range<usize>,
}

/// One behaviour's settlement, energy flows and ledger.
pub(super) struct Books {
    settler: Settler,
    flows: Flows,
    ledger: Ledger,
}

/// What one behaviour leaves for the report.
pub(super) struct Closed {
    pub settlement: SettlementReport,
    pub energy: EnergyReport,
    pub series: FlowSeries,
    pub ledger: Ledger,
}

impl Books {
    fn new(settler: Settler, scenario: &Scenario, n: usize) -> Self {
        Self {
            settler,
            flows: Flows::new(scenario.axis),
            ledger: Ledger::new(n),
        }
    }

    /// Settle one step of `steps`; `pooled` marks who shares with whom (the meter's netting).
    fn add(
        &mut self,
        at: &At<'_>,
        steps: &[MemberStep],
        pooled: &[bool],
        shared: bool,
        net: &mut [f64],
    ) -> Result<(), ScenarioError> {
        let island = !at.grid_up;
        for (x, s) in net.iter_mut().zip(steps) {
            *x = if island { 0.0 } else { s.net_kw * at.hours };
        }
        self.settler
            .push_step(*at.grid, net)
            .map_err(|e| ScenarioError::Settings(e.to_string()))?;
        if island && shared {
            for (x, s) in net.iter_mut().zip(steps) {
                *x = s.net_kw * at.hours;
            }
            self.settler.add_island_contributions(net);
        }
        self.flows.add(at, steps, pooled, shared);
        self.ledger.add(at, steps);
        Ok(())
    }

    fn close(self, aggregator_return: f64) -> Closed {
        let (mut energy, series) = self.flows.finish();
        energy.battery_wear_cost = self.ledger.total_wear();
        Closed {
            settlement: self.settler.finish(aggregator_return),
            energy,
            series,
            ledger: self.ledger,
        }
    }
}

/// Everything carried through the run.
pub(super) struct Simulation<'s> {
    scenario: &'s Scenario,
    options: RunOptions,
    participates: Vec<bool>,
    /// The coordinator's settings with the battery wear derived from the pack's price (V_max
    /// uses them too).
    best_coordinator: CoordinatorSettings,
    wear_per_kwh: Vec<f64>,
    homes: HomesAlone,
    /// The homes' dispatch when the community islands together (None: same as `homes`).
    islanding: Option<HomesAlone>,
    alone: Books,
    shared: Option<Books>,
    /// Cloud-P2P with the scenario's forecast.
    cloud: Option<Coordinated>,
    /// Cloud-P2P with perfect foresight, for the value of perfect information.
    oracle: Option<Coordinated>,
    net: Vec<f64>,
    best_bill: f64,
    previous_window_start: usize,
}

/// One coordinated community carried across windows.
pub(super) struct Coordinated {
    settings: CoordinatorSettings,
    state: Option<CloudState>,
    books: Books,
    /// The members' flows of the last step.
    pub steps: Vec<MemberStep>,
    limit_kw: f64,
}

impl Coordinated {
    fn new(settings: CoordinatorSettings, books: Books, members: &[Member]) -> Self {
        let limit_kw: f64 = settings.community_limit_share
            * members
                .iter()
                .filter(|m| m.participates)
                .map(connection_kw)
                .sum::<f64>();
        Self {
            settings,
            state: None,
            books,
            steps: vec![MemberStep::default(); members.len()],
            limit_kw,
        }
    }

    /// The coordinator's dispatch of one step, settled by SDR with p-MAS contribution weights.
    fn step(
        &mut self,
        at: &At<'_>,
        sim: &mut CloudSim<'_>,
        net: &mut [f64],
    ) -> Result<(), ScenarioError> {
        sim.step(at.lt, &mut self.steps);
        let coordinated: Vec<bool> = self.steps.iter().map(|s| s.coordinated).collect();
        let community_import: f64 = self
            .steps
            .iter()
            .zip(&coordinated)
            .filter(|(_, c)| **c)
            .map(|(s, _)| s.net_kw)
            .sum::<f64>()
            .max(0.0);
        let class = LoadClass::of_ratio(if self.limit_kw > 0.0 {
            community_import / self.limit_kw
        } else {
            0.0
        });
        self.books.settler.set_participation(&coordinated);
        self.books
            .settler
            .set_contribution_weight(class.contribution_weight());
        self.books.add(at, &self.steps, &coordinated, true, net)
    }
}

/// What the simulation leaves for the report.
pub(super) struct Outcome {
    /// Homes alone: no sharing, and every rule on the homes' own dispatch islanding alone.
    pub alone: Closed,
    /// BS, MMR and SDR on the homes' own dispatch, islanding as a community where it can.
    pub shared: Option<Closed>,
    /// Cloud-P2P with the scenario's forecast.
    pub cloud: Option<Closed>,
    /// Cloud-P2P with perfect foresight (None when the forecast is perfect or cloud is off).
    pub oracle: Option<Closed>,
    /// The perfect-foresight best cost (NaN when the run left it out).
    pub best_bill: f64,
    pub solver: SolverStats,
}

impl<'s> Simulation<'s> {
    pub fn new(scenario: &'s Scenario, members: &[Member], options: RunOptions) -> Self {
        let axis = scenario.axis;
        let n = members.len();
        let settings = &scenario.settings;
        let participates: Vec<bool> = members.iter().map(|m| m.participates).collect();
        let wear = settings.battery_wear;
        let wear_per_kwh: Vec<f64> = members
            .iter()
            .map(|m| m.battery.map_or(0.0, |b| wear.per_kwh_discharged(&b)))
            .collect();
        let coordinator = CoordinatorSettings {
            wear_per_kwh: wear.per_kwh_throughput(
                members
                    .iter()
                    .filter(|m| m.participates)
                    .filter_map(|m| m.battery),
            ),
            island_together: settings.community_islanding,
            ..settings.coordinator.clone()
        };
        let pool: Vec<usize> = (0..n).filter(|&k| participates[k]).collect();
        let islands_together = settings.community_islanding && pool.len() > 1;
        let all_rules =
            || Settler::all_rules(axis, n, settings.bs_horizon).with_participation(&participates);
        let cloud_settler = || {
            Settler::new(
                axis,
                n,
                vec![
                    RuleId::None.rule(settings.bs_horizon),
                    Box::new(SupplyDemandRatio),
                ],
            )
        };
        let oracle_settings = CoordinatorSettings {
            forecast: Forecast::PerfectForesight,
            ..coordinator.clone()
        };
        let with_oracle = options.cloud
            && options.performance_measure
            && coordinator.forecast != Forecast::PerfectForesight;
        Self {
            scenario,
            options,
            wear_per_kwh,
            homes: HomesAlone::new(members),
            islanding: islands_together.then(|| HomesAlone::pooled(members, pool)),
            alone: Books::new(all_rules(), scenario, n),
            shared: islands_together.then(|| Books::new(all_rules(), scenario, n)),
            cloud: options.cloud.then(|| {
                Coordinated::new(
                    coordinator.clone(),
                    Books::new(cloud_settler(), scenario, n),
                    members,
                )
            }),
            oracle: with_oracle.then(|| {
                Coordinated::new(
                    oracle_settings,
                    Books::new(cloud_settler(), scenario, n),
                    members,
                )
            }),
            best_coordinator: coordinator,
            participates,
            net: vec![0.0; n],
            best_bill: 0.0,
            previous_window_start: 0,
        }
    }

    /// Simulate `window.chunk` with the window's community and the run's prices.
    pub fn window(
        &mut self,
        community: &Community,
        prices: &[GridPrices],
        window: Window,
        progress: &mut dyn FnMut(f64),
        mut series: Option<&mut SeriesSink>,
    ) -> Result<(), ScenarioError> {
        let Window { w0, w1, chunk } = window;
        let axis = self.scenario.axis;
        let members = &community.members;
        let prices_w = &prices[w0..w1];
        let shift = w0 - self.previous_window_start;
        let shifted = |c: &Option<Coordinated>| c.as_ref().map(|c| c.settings.shifted(w0));
        let (cloud_w, oracle_w) = (shifted(&self.cloud), shifted(&self.oracle));
        let axis_w = axis.window(w0, w1);
        let mut cloud = start(
            &mut self.cloud,
            &cloud_w,
            community,
            prices_w,
            axis_w,
            shift,
        );
        let mut oracle = start(
            &mut self.oracle,
            &oracle_w,
            community,
            prices_w,
            axis_w,
            shift,
        );
        let spd = axis.steps_per_day.max(1) as usize;
        let settings = &self.scenario.settings;
        let wear_per_kwh = std::mem::take(&mut self.wear_per_kwh);
        for t in chunk.clone() {
            let lt = t - w0;
            let grid = &prices[t];
            let at = At {
                members,
                t,
                lt,
                hours: axis.step_hours(),
                grid,
                grid_up: community.grid_available.get(lt).copied().unwrap_or(true),
                voll_per_kwh: settings.value_of_lost_load.per_kwh(grid),
                island_price_per_kwh: settings.island_price.per_kwh(grid),
                wear_per_kwh: &wear_per_kwh,
            };
            self.step_homes(&at)?;
            for (c, sim) in [
                (&mut self.cloud, &mut cloud),
                (&mut self.oracle, &mut oracle),
            ] {
                if let (Some(c), Some(sim)) = (c.as_mut(), sim.as_mut()) {
                    c.step(&at, sim, &mut self.net)?;
                }
            }
            if let Some(sink) = series.as_deref_mut() {
                for k in 0..members.len() {
                    sink(Model::None, t, k, &self.homes.steps[k]);
                    // BS, MMR and SDR's own dispatch where it differs (community islanding).
                    if let Some(homes) = &self.islanding {
                        sink(Model::Sdr, t, k, &homes.steps[k]);
                    }
                    if let Some(c) = &self.cloud {
                        sink(Model::Cloud, t, k, &c.steps[k]);
                    }
                }
            }
            if (t + 1) % spd == 0 {
                progress((t + 1) as f64 / axis.steps.max(1) as f64);
            }
        }
        self.wear_per_kwh = wear_per_kwh;
        if self.options.performance_measure {
            self.best_bill += best_possible_bill(
                self.scenario,
                &self.best_coordinator,
                members,
                prices_w,
                chunk.start - w0..chunk.end - w0,
            );
        }
        if let (Some(c), Some(sim)) = (self.cloud.as_mut(), cloud) {
            c.state = Some(sim.into_state());
        }
        if let (Some(c), Some(sim)) = (self.oracle.as_mut(), oracle) {
            c.state = Some(sim.into_state());
        }
        self.previous_window_start = w0;
        Ok(())
    }

    /// The homes' own dispatch: alone, and islanding together where the community can.
    fn step_homes(&mut self, at: &At<'_>) -> Result<(), ScenarioError> {
        self.homes.step(at.members, at.lt, at.hours, at.grid_up);
        self.alone.add(
            at,
            &self.homes.steps,
            &self.participates,
            false,
            &mut self.net,
        )?;
        if let (Some(homes), Some(books)) = (self.islanding.as_mut(), self.shared.as_mut()) {
            homes.step(at.members, at.lt, at.hours, at.grid_up);
            books.add(at, &homes.steps, &self.participates, true, &mut self.net)?;
        }
        Ok(())
    }

    pub fn finish(self) -> Outcome {
        let tau = self.scenario.settings.aggregator_return;
        Outcome {
            alone: self.alone.close(tau),
            shared: self.shared.map(|b| b.close(tau)),
            solver: self
                .cloud
                .as_ref()
                .and_then(|c| c.state.as_ref())
                .map(|s| s.stats().clone())
                .unwrap_or_default(),
            cloud: self.cloud.map(|c| c.books.close(tau)),
            oracle: self.oracle.map(|c| c.books.close(tau)),
            best_bill: if self.options.performance_measure {
                self.best_bill
            } else {
                f64::NAN
            },
        }
    }
}

/// A coordinator for one window, resumed from where the last window left it.
fn start<'a>(
    c: &mut Option<Coordinated>,
    settings: &'a Option<CoordinatorSettings>,
    community: &'a Community,
    prices: &'a [GridPrices],
    axis: crate::time_axis::TimeAxis,
    shift: usize,
) -> Option<CloudSim<'a>> {
    let (c, settings) = (c.as_mut()?, settings.as_ref()?);
    let mut sim = CloudSim::new(
        &community.members,
        &community.grid_available,
        prices,
        axis,
        settings,
    );
    if let Some(state) = c.state.take() {
        sim.resume(state, shift);
    }
    Some(sim)
}
