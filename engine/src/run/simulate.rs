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
    connection_kw, CloudSim, CloudState, CoordinatorSettings, LoadClass, MemberStep, SolverStats,
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
    /// The coordinator's settings with the battery wear derived from the pack's price.
    coordinator: CoordinatorSettings,
    wear_per_kwh: Vec<f64>,
    homes: HomesAlone,
    /// The homes' dispatch when the community islands together (None: same as `homes`).
    islanding: Option<HomesAlone>,
    alone: Books,
    shared: Option<Books>,
    cloud: Option<Books>,
    cloud_steps: Vec<MemberStep>,
    net: Vec<f64>,
    limit_kw: f64,
    best_bill: f64,
    cloud_state: Option<CloudState>,
    previous_window_start: usize,
}

/// What the simulation leaves for the report.
pub(super) struct Outcome {
    /// Homes alone: no sharing, and every rule on the homes' own dispatch islanding alone.
    pub alone: Closed,
    /// BS, MMR and SDR on the homes' own dispatch, islanding as a community where it can.
    pub shared: Option<Closed>,
    pub cloud: Option<Closed>,
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
        let limit_kw: f64 = settings.coordinator.community_limit_share
            * members
                .iter()
                .filter(|m| m.participates)
                .map(connection_kw)
                .sum::<f64>();
        Self {
            scenario,
            options,
            coordinator,
            wear_per_kwh,
            homes: HomesAlone::new(members),
            islanding: islands_together.then(|| HomesAlone::pooled(members, pool)),
            alone: Books::new(all_rules(), scenario, n),
            shared: islands_together.then(|| Books::new(all_rules(), scenario, n)),
            cloud: options
                .cloud
                .then(|| Books::new(cloud_settler(), scenario, n)),
            participates,
            cloud_steps: vec![MemberStep::default(); n],
            net: vec![0.0; n],
            limit_kw,
            best_bill: 0.0,
            cloud_state: None,
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
        let coordinator_w = self.coordinator.shifted(w0);
        let mut cloud = self.options.cloud.then(|| {
            CloudSim::new(
                members,
                &community.grid_available,
                prices_w,
                axis.window(w0, w1),
                &coordinator_w,
            )
        });
        if let (Some(cloud), Some(state)) = (cloud.as_mut(), self.cloud_state.take()) {
            cloud.resume(state, w0 - self.previous_window_start);
        }
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
            if let Some(cloud) = cloud.as_mut() {
                self.step_cloud(&at, cloud)?;
            }
            if let Some(sink) = series.as_deref_mut() {
                for k in 0..members.len() {
                    sink(Model::None, t, k, &self.homes.steps[k]);
                    if cloud.is_some() {
                        sink(Model::Cloud, t, k, &self.cloud_steps[k]);
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
                &self.coordinator,
                members,
                prices_w,
                chunk.start - w0..chunk.end - w0,
            );
        }
        self.cloud_state = cloud.map(CloudSim::into_state);
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

    /// Cloud-P2P: the coordinator's dispatch, settled by SDR with p-MAS contribution weights.
    fn step_cloud(&mut self, at: &At<'_>, cloud: &mut CloudSim<'_>) -> Result<(), ScenarioError> {
        let Some(books) = self.cloud.as_mut() else {
            return Ok(());
        };
        cloud.step(at.lt, &mut self.cloud_steps);
        let coordinated: Vec<bool> = self.cloud_steps.iter().map(|s| s.coordinated).collect();
        let community_import: f64 = self
            .cloud_steps
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
        books.settler.set_participation(&coordinated);
        books
            .settler
            .set_contribution_weight(class.contribution_weight());
        books.add(at, &self.cloud_steps, &coordinated, true, &mut self.net)
    }

    pub fn finish(self) -> Outcome {
        let tau = self.scenario.settings.aggregator_return;
        Outcome {
            alone: self.alone.close(tau),
            shared: self.shared.map(|b| b.close(tau)),
            cloud: self.cloud.map(|b| b.close(tau)),
            best_bill: if self.options.performance_measure {
                self.best_bill
            } else {
                f64::NAN
            },
            solver: self
                .cloud_state
                .map(|c| c.stats().clone())
                .unwrap_or_default(),
        }
    }
}
