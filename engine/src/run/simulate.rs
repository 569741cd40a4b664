//! The simulation proper: every behaviour stepped through a window of the run, its net energy
//! settled as it goes, and the running totals that the report is assembled from.

use crate::community::{Community, Member};
use crate::coordinator::{connection_kw, CloudSim, CloudState, LoadClass, MemberStep};
use crate::market::{GridPrices, RuleId, SupplyDemandRatio};
use crate::metrics::SettlementReport;
use crate::scenario::{Scenario, ScenarioError};
use crate::settle::Settler;

use super::best::best_possible_bill;
use super::flows::{At, Flows};
use super::homes::HomesAlone;
use super::{EnergyReport, FlowSeries, Model, RunOptions, SeriesSink};
use crate::coordinator::SolverStats;

/// A stretch of the run: steps `chunk` are simulated, the window `w0..` around them is loaded.
pub(super) struct Window {
    /// First step of the loaded window.
    pub w0: usize,
    /// First step after it.
    pub w1: usize,
    /// Steps simulated.
    pub chunk: std::ops::Range<usize>,
}

/// Everything carried through the run.
pub(super) struct Simulation<'s> {
    scenario: &'s Scenario,
    options: RunOptions,
    participates: Vec<bool>,
    local_settler: Settler,
    cloud_settler: Settler,
    homes: HomesAlone,
    cloud_steps: Vec<MemberStep>,
    net: Vec<f64>,
    local_flows: Flows,
    shared_flows: Flows,
    cloud_flows: Flows,
    unserved_alone: Vec<f64>,
    unserved_cloud: Vec<f64>,
    limit_kw: f64,
    best_bill: f64,
    cloud_state: Option<CloudState>,
    previous_window_start: usize,
}

/// What the simulation leaves for the report.
pub(super) struct Outcome {
    pub local: SettlementReport,
    pub cloud: Option<SettlementReport>,
    pub alone: (EnergyReport, FlowSeries),
    pub shared: (EnergyReport, FlowSeries),
    pub cloud_flows: Option<(EnergyReport, FlowSeries)>,
    /// Per-member unserved energy valued at the retail price, ₹: homes alone, cloud-P2P.
    pub unserved_alone: Vec<f64>,
    pub unserved_cloud: Vec<f64>,
    /// The perfect-foresight best bill (NaN when the run left it out).
    pub best_bill: f64,
    pub solver: SolverStats,
}

impl<'s> Simulation<'s> {
    pub fn new(scenario: &'s Scenario, members: &[Member], options: RunOptions) -> Self {
        let axis = scenario.axis;
        let n = members.len();
        let settings = &scenario.settings;
        let participates: Vec<bool> = members.iter().map(|m| m.participates).collect();
        let local_settler =
            Settler::all_rules(axis, n, settings.bs_horizon).with_participation(&participates);
        let cloud_settler = Settler::new(
            axis,
            n,
            vec![
                RuleId::None.rule(settings.bs_horizon),
                Box::new(SupplyDemandRatio),
            ],
        );
        let limit_kw: f64 = settings.coordinator.community_limit_share
            * members
                .iter()
                .filter(|m| m.participates)
                .map(connection_kw)
                .sum::<f64>();
        Self {
            scenario,
            options,
            participates,
            local_settler,
            cloud_settler,
            homes: HomesAlone::new(members),
            cloud_steps: vec![MemberStep::default(); n],
            net: vec![0.0; n],
            local_flows: Flows::new(axis),
            shared_flows: Flows::new(axis),
            cloud_flows: Flows::new(axis),
            unserved_alone: vec![0.0; n],
            unserved_cloud: vec![0.0; n],
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
        let coordinator_w = self.scenario.settings.coordinator.shifted(w0);
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
        for t in chunk.clone() {
            let lt = t - w0;
            let at = At {
                members,
                t,
                lt,
                hours: axis.step_hours(),
                grid: &prices[t],
                grid_up: community.grid_available.get(lt).copied().unwrap_or(true),
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
        if self.options.performance_measure {
            self.best_bill += best_possible_bill(
                self.scenario,
                members,
                prices_w,
                chunk.start - w0..chunk.end - w0,
            );
        }
        self.cloud_state = cloud.map(CloudSim::into_state);
        self.previous_window_start = w0;
        Ok(())
    }

    /// The homes' own behaviour, settled under no sharing, BS, MMR and SDR.
    fn step_homes(&mut self, at: &At<'_>) -> Result<(), ScenarioError> {
        self.homes.step(at.members, at.lt, at.hours, at.grid_up);
        for (k, s) in self.homes.steps.iter().enumerate() {
            self.net[k] = s.net_kw * at.hours;
        }
        self.local_settler
            .push_step(*at.grid, &self.net)
            .map_err(|e| ScenarioError::Settings(e.to_string()))?;
        self.local_flows
            .add(at, &self.homes.steps, &self.participates, false);
        self.shared_flows
            .add(at, &self.homes.steps, &self.participates, true);
        for (u, s) in self.unserved_alone.iter_mut().zip(&self.homes.steps) {
            *u += s.unserved_kw * at.hours * at.grid.buy_per_kwh;
        }
        Ok(())
    }

    /// Cloud-P2P: the coordinator's dispatch, settled by SDR with p-MAS contribution weights.
    fn step_cloud(&mut self, at: &At<'_>, cloud: &mut CloudSim<'_>) -> Result<(), ScenarioError> {
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
        self.cloud_settler.set_participation(&coordinated);
        self.cloud_settler
            .set_contribution_weight(class.contribution_weight());
        for (k, s) in self.cloud_steps.iter().enumerate() {
            self.net[k] = s.net_kw * at.hours;
        }
        self.cloud_settler
            .push_step(*at.grid, &self.net)
            .map_err(|e| ScenarioError::Settings(e.to_string()))?;
        self.cloud_flows
            .add(at, &self.cloud_steps, &coordinated, true);
        for (u, s) in self.unserved_cloud.iter_mut().zip(&self.cloud_steps) {
            *u += s.unserved_kw * at.hours * at.grid.buy_per_kwh;
        }
        Ok(())
    }

    pub fn finish(self) -> Outcome {
        let tau = self.scenario.settings.aggregator_return;
        Outcome {
            local: self.local_settler.finish(tau),
            cloud: self.options.cloud.then(|| self.cloud_settler.finish(tau)),
            alone: self.local_flows.finish(),
            shared: self.shared_flows.finish(),
            cloud_flows: self.options.cloud.then(|| self.cloud_flows.finish()),
            unserved_alone: self.unserved_alone,
            unserved_cloud: self.unserved_cloud,
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
