//! The simulation proper: every behaviour stepped through a window of the run, its net energy
//! settled as it goes, and the running totals that the report is assembled from.
//!
//! Three behaviours: the homes alone (no sharing; also SDR on the homes' own dispatch for the
//! gain split), the homes' own dispatch in a community that islands together (BS, MMR, SDR),
//! and cloud-P2P's coordinated dispatch. Where the community cannot island, the second is the
//! first. In an outage the grid settles nothing; members' exchange inside an island is paid at
//! the island price (a ledger line) and still counts as a contribution to the community.

use crate::community::{Columns, Community, Member};
use crate::coordinator::{
    node_shares_kw, CloudSim, CloudState, CoordinatorSettings, Forecast, LoadClass, MemberStep,
    PeakControl, SolverStats,
};
use crate::market::{GridPrices, RuleId, SupplyDemandRatio};
use crate::metrics::SettlementReport;
use crate::scenario::{Scenario, ScenarioError};
use crate::settle::Settler;

use super::best::best_possible_bill;
use super::flows::{At, Flows};
use super::homes::{home_ems_settings, EmsWindow, HomesAlone};
use super::ledger::Ledger;
use super::meters::Meters;
use super::peaks::{PeakReport, Rating};
use super::{EnergyReport, FlowSeries, Model, RunOptions, SeriesSink};
use crate::accounting::{Baseline, IslandPrice};

/// Steps of every member's load and PV transposed at a time: one 64-byte cache line of each
/// member's series (at 10,000 members, 1.3 MB of columns instead of 3.8 MB for a day).
const COLUMN_STEPS: usize = 8;

/// What a simulation steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Pass {
    /// Every behaviour the run's options ask for.
    Whole,
    /// The homes alone, for no sharing's peak (sizing the default transformer).
    Sizing,
    /// The homes' own dispatch, settled exactly as in a whole run with the same options, without
    /// the coordinators or V_max: the books a settlement-only change replaces
    /// ([`Finished::with_homes_of`]).
    Homes,
}

/// A stretch of the run: steps `chunk` are simulated, the window `w0..w1` around them is loaded.
pub(super) struct Window {
    /// First step of the loaded window.
    pub w0: usize,
    /// First step after it.
    pub w1: usize,
    /// Steps simulated.
    pub chunk: std::ops::Range<usize>,
}

/// One behaviour's settlement, energy flows, ledger and (with a retail tariff) DISCOM meters.
#[derive(Clone)]
pub(super) struct Books {
    settler: Settler,
    flows: Flows,
    ledger: Ledger,
    meters: Option<Meters>,
}

/// Which real bills a behaviour's meters make: the solo view (no sharing) and the P2P rules.
#[derive(Clone, Copy)]
struct Bills {
    solo: bool,
    trading: &'static [RuleId],
}

impl Bills {
    fn solo_and(trading: &'static [RuleId]) -> Self {
        Self {
            solo: true,
            trading,
        }
    }

    fn shared(trading: &'static [RuleId]) -> Self {
        Self {
            solo: false,
            trading,
        }
    }
}

/// What one behaviour leaves for the report.
pub(super) struct Closed {
    pub settlement: SettlementReport,
    pub energy: EnergyReport,
    pub series: FlowSeries,
    pub ledger: Ledger,
    pub peaks: PeakReport,
    /// Real bills per member and period (retail tariffs only).
    pub meters: Option<Meters>,
}

impl Books {
    fn new(
        settler: Settler,
        scenario: &Scenario,
        members: &[Member],
        rating: Rating,
        shares: &[f64],
        wanted: Bills,
        bills: bool,
    ) -> Self {
        Self {
            settler,
            flows: Flows::new(scenario.axis, rating, shares.to_vec()),
            ledger: Ledger::new(members.len(), scenario.settings.island_price),
            meters: scenario
                .tariff
                .retail()
                .filter(|_| bills)
                .and_then(|retail| {
                    Meters::new(
                        retail,
                        &scenario.settings.billing,
                        &scenario.axis,
                        members,
                        rating.kw,
                        (wanted.solo, wanted.trading),
                    )
                }),
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
        if let Some(meters) = self.meters.as_mut() {
            meters.add(at, steps, pooled);
        }
        Ok(())
    }

    /// None when the ledger did not keep island trade at `island_price`.
    fn close(mut self, aggregator_return: f64, island_price: IslandPrice) -> Option<Closed> {
        if !self.ledger.price_island_trade(island_price) {
            return None;
        }
        if let Some(meters) = self.meters.as_mut() {
            meters.finish();
        }
        let (mut energy, series, peaks) = self.flows.finish();
        energy.battery_wear_cost = self.ledger.total_wear();
        Some(Closed {
            settlement: self.settler.finish(aggregator_return),
            energy,
            series,
            ledger: self.ledger,
            peaks,
            meters: self.meters,
        })
    }
}

/// What one window's simulators borrow (they live only as long as the window).
struct WindowInputs {
    cloud: Option<CoordinatorSettings>,
    oracle: Option<CoordinatorSettings>,
    ems_settings: CoordinatorSettings,
    solo: Vec<Vec<Member>>,
    solo_islanding: Vec<Vec<Member>>,
}

/// One window's running simulators.
struct Simulators<'a> {
    ems: EmsWindow<'a>,
    ems_islanding: EmsWindow<'a>,
    cloud: Option<CloudSim<'a>>,
    oracle: Option<CloudSim<'a>>,
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
    /// The baseline in use (`Auto` resolved) and the home EMS's settings.
    baseline: Baseline,
    ems_settings: CoordinatorSettings,
    /// None in a run of the twin alone (see [`RunOptions::settles_homes`]).
    alone: Option<Books>,
    shared: Option<Books>,
    /// Cloud-P2P with the scenario's forecast.
    cloud: Option<Coordinated>,
    /// Cloud-P2P with perfect foresight, for the value of perfect information.
    oracle: Option<Coordinated>,
    net: Vec<f64>,
    best_bill: f64,
    previous_window_start: usize,
    /// Whether each step is in the tariff's peak window.
    coincident: Vec<bool>,
    /// The next few steps' load and PV of every member, step-major (a reused buffer).
    columns: Columns,
}

/// One coordinated community carried across windows.
pub(super) struct Coordinated {
    settings: CoordinatorSettings,
    state: Option<CloudState>,
    books: Books,
    /// The members' flows of the last step.
    pub steps: Vec<MemberStep>,
    /// Who the coordinator reached in the last step (a reused buffer, like `CloudSim`'s).
    coordinated: Vec<bool>,
}

impl Coordinated {
    fn new(settings: CoordinatorSettings, books: Books, members: &[Member]) -> Self {
        Self {
            settings,
            state: None,
            books,
            steps: vec![MemberStep::default(); members.len()],
            coordinated: Vec::with_capacity(members.len()),
        }
    }

    /// The coordinator's dispatch of one step, settled by SDR with p-MAS contribution weights
    /// (γ from the community's class by transformer loading). `homes_kw`: what the homes alone
    /// drew through the transformer this step (the do-no-harm reference).
    fn step(
        &mut self,
        at: &At<'_>,
        sim: &mut CloudSim<'_>,
        homes_kw: f64,
        net: &mut [f64],
    ) -> Result<(), ScenarioError> {
        if at.grid_up {
            sim.observe_homes_import(homes_kw);
        }
        sim.step(at.lt, at.now, &mut self.steps);
        self.coordinated.clear();
        self.coordinated
            .extend(self.steps.iter().map(|s| s.coordinated));
        let exchange: f64 = self.steps.iter().map(|s| s.net_kw).sum::<f64>();
        let peak = &self.settings.peak;
        let loading = if at.grid_up && peak.rating_kw.is_finite() && peak.rating_kw > 0.0 {
            exchange.abs() / peak.rating_kw
        } else {
            0.0
        };
        let class = LoadClass::of_ratio_with(loading, &peak.class_thresholds);
        self.books.settler.set_participation(&self.coordinated);
        self.books
            .settler
            .set_contribution_weight(class.contribution_weight());
        self.books
            .add(at, &self.steps, &self.coordinated, true, net)
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
    /// The baseline the homes ran (`Auto` resolved).
    pub baseline: Baseline,
}

impl<'s> Simulation<'s> {
    /// `rating`: the transformer the peaks are measured against; `pass`: what to simulate.
    pub fn new(
        scenario: &'s Scenario,
        members: &[Member],
        prices: &[GridPrices],
        options: RunOptions,
        rating: Rating,
        pass: Pass,
    ) -> Self {
        let homes_only = pass == Pass::Sizing;
        let axis = scenario.axis;
        let n = members.len();
        let settings = &scenario.settings;
        let shares = node_shares_kw(
            rating.kw,
            &members
                .iter()
                .map(crate::coordinator::connection_kw)
                .collect::<Vec<_>>(),
        );
        let peak = &settings.peak;
        let on = peak.coordination;
        let peak_control = PeakControl {
            rating_kw: if on { rating.kw } else { f64::INFINITY },
            do_no_harm: on && peak.do_no_harm,
            valley_filling: peak.valley_filling,
            valley_scale_kw: rating.kw,
            import_cap_kw: peak.import_cap_kw.filter(|_| on),
            demand_charge_per_kw: peak.demand_charge_per_kw,
            class_thresholds: peak.class_thresholds,
        };
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
            peak: peak_control,
            ..settings.coordinator.clone()
        };
        let baseline = settings.baseline.resolve(prices);
        let ems = baseline == Baseline::HomeEms;
        let pool: Vec<usize> = (0..n).filter(|&k| participates[k]).collect();
        let islands_together = settings.community_islanding && pool.len() > 1 && !homes_only;
        let options = match pass {
            Pass::Whole => options,
            Pass::Sizing => RunOptions::SETTLE_ONLY,
            // `cloud` stays: the homes' books settle what a whole run's do for the gain split.
            Pass::Homes => RunOptions {
                performance_measure: false,
                perfect_foresight_twin: false,
                ..options
            },
        };
        let settled = options.settles_homes();
        let books = |settler: Settler, bills: Bills| {
            // The sizing pass only needs the peak.
            Books::new(
                settler,
                scenario,
                members,
                rating,
                &shares,
                bills,
                !homes_only,
            )
        };
        const LOCAL: [RuleId; 3] = [RuleId::Bs, RuleId::Mmr, RuleId::Sdr];
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
        let coordinators = pass == Pass::Whole;
        let with_oracle =
            coordinators && options.perfect_foresight_twin && RunOptions::twin_needed(scenario);
        Self {
            scenario,
            options,
            wear_per_kwh,
            homes: HomesAlone::new(members, ems),
            islanding: (islands_together && settled)
                .then(|| HomesAlone::pooled(members, pool, ems)),
            baseline,
            ems_settings: home_ems_settings(&coordinator),
            // Real bills: no sharing from the homes' solo meters; BS, MMR and SDR from the community's
            // dispatch (the homes' own when it does not island together); SDR on the homes' own
            // dispatch for cloud-P2P's gain split.
            alone: settled.then(|| {
                books(
                    all_rules(),
                    Bills::solo_and(match (islands_together, options.cloud) {
                        (false, _) => &LOCAL,
                        (true, true) => &[RuleId::Sdr],
                        (true, false) => &[],
                    }),
                )
            }),
            shared: (islands_together && settled)
                .then(|| books(all_rules(), Bills::shared(&LOCAL))),
            cloud: (coordinators && options.cloud).then(|| {
                Coordinated::new(
                    coordinator.clone(),
                    books(cloud_settler(), Bills::shared(&[RuleId::Sdr])),
                    members,
                )
            }),
            oracle: with_oracle.then(|| {
                Coordinated::new(
                    oracle_settings,
                    books(cloud_settler(), Bills::shared(&[RuleId::Sdr])),
                    members,
                )
            }),
            coincident: super::peaks::coincident_window(prices, &axis),
            best_coordinator: coordinator,
            participates,
            net: vec![0.0; n],
            best_bill: 0.0,
            previous_window_start: 0,
            columns: Columns::default(),
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
        let inputs = self.window_inputs(&community.members, window.w0);
        let mut sims = self.start_simulators(&inputs, community, prices, &window);
        let wear_per_kwh = std::mem::take(&mut self.wear_per_kwh);
        let mut columns = std::mem::take(&mut self.columns);
        let axis = self.scenario.axis;
        let settings = &self.scenario.settings;
        for t in window.chunk.clone() {
            let (lt, grid) = (t - window.w0, &prices[t]);
            // A cache line of each member's series at a time (each window starts afresh: its
            // steps are indexed from its start).
            if t == window.chunk.start || !columns.holds(lt) {
                let to = (lt + COLUMN_STEPS).min(window.chunk.end - window.w0);
                columns.fill(&community.members, lt..to);
            }
            let at = At {
                members: &community.members,
                now: columns.at(lt),
                t,
                lt,
                hours: axis.step_hours(),
                hour_of_day: axis.hour_of_day(t),
                grid,
                grid_up: community.grid_available.get(lt).copied().unwrap_or(true),
                voll_per_kwh: settings.value_of_lost_load.per_kwh(grid),
                wear_per_kwh: &wear_per_kwh,
                coincident: self.coincident.get(t).copied().unwrap_or(false),
            };
            self.step(&at, &mut sims, series.as_deref_mut(), progress)?;
        }
        self.wear_per_kwh = wear_per_kwh;
        self.columns = columns;
        if self.options.performance_measure {
            let Window { w0, w1, chunk } = &window;
            self.best_bill += best_possible_bill(
                self.scenario,
                &self.best_coordinator,
                &community.members,
                &prices[*w0..*w1],
                chunk.start - w0..chunk.end - w0,
            );
        }
        self.close_simulators(sims);
        self.previous_window_start = window.w0;
        Ok(())
    }

    /// What this window's simulators borrow: the coordinators' settings shifted to the window,
    /// and each EMS home as a community of one.
    fn window_inputs(&self, members: &[Member], w0: usize) -> WindowInputs {
        let shifted = |c: &Option<Coordinated>| c.as_ref().map(|c| c.settings.shifted(w0));
        WindowInputs {
            cloud: shifted(&self.cloud),
            oracle: shifted(&self.oracle),
            ems_settings: self.ems_settings.clone(),
            solo: self.homes.solo_members(members),
            solo_islanding: self
                .islanding
                .as_ref()
                .map(|h| h.solo_members(members))
                .unwrap_or_default(),
        }
    }

    /// The window's coordinators and home EMSs, resumed from the last window.
    fn start_simulators<'a>(
        &mut self,
        inputs: &'a WindowInputs,
        community: &'a Community,
        prices: &'a [GridPrices],
        window: &Window,
    ) -> Simulators<'a> {
        let shift = window.w0 - self.previous_window_start;
        let prices_w = &prices[window.w0..window.w1];
        let axis_w = self.scenario.axis.window(window.w0, window.w1);
        let grid_available = &community.grid_available;
        let ems_settings = &inputs.ems_settings;
        Simulators {
            ems: self.homes.start_window(
                &inputs.solo,
                grid_available,
                prices_w,
                axis_w,
                ems_settings,
                shift,
            ),
            ems_islanding: self.islanding.as_mut().map_or_else(Vec::new, |h| {
                h.start_window(
                    &inputs.solo_islanding,
                    grid_available,
                    prices_w,
                    axis_w,
                    ems_settings,
                    shift,
                )
            }),
            cloud: start(
                &mut self.cloud,
                &inputs.cloud,
                community,
                prices_w,
                axis_w,
                shift,
            ),
            oracle: start(
                &mut self.oracle,
                &inputs.oracle,
                community,
                prices_w,
                axis_w,
                shift,
            ),
        }
    }

    /// One step of every behaviour, its per-member flows to `series`, progress once a day.
    fn step(
        &mut self,
        at: &At<'_>,
        sims: &mut Simulators<'_>,
        series: Option<&mut SeriesSink>,
        progress: &mut dyn FnMut(f64),
    ) -> Result<(), ScenarioError> {
        self.step_homes(at, &mut sims.ems, &mut sims.ems_islanding)?;
        let homes_kw: f64 = self.homes.steps.iter().map(|s| s.net_kw).sum();
        for (c, sim) in [
            (&mut self.cloud, &mut sims.cloud),
            (&mut self.oracle, &mut sims.oracle),
        ] {
            if let (Some(c), Some(sim)) = (c.as_mut(), sim.as_mut()) {
                c.step(at, sim, homes_kw, &mut self.net)?;
            }
        }
        if let Some(sink) = series {
            for k in 0..at.members.len() {
                sink(Model::None, at.t, k, &self.homes.steps[k]);
                // BS, MMR and SDR's own dispatch where it differs (community islanding).
                if let Some(homes) = &self.islanding {
                    sink(Model::Sdr, at.t, k, &homes.steps[k]);
                }
                if let Some(c) = &self.cloud {
                    sink(Model::Cloud, at.t, k, &c.steps[k]);
                }
            }
        }
        let axis = self.scenario.axis;
        if (at.t + 1).is_multiple_of(axis.steps_per_day.max(1) as usize) {
            progress((at.t + 1) as f64 / axis.steps.max(1) as f64);
        }
        Ok(())
    }

    /// Keep every simulator's state for the next window.
    fn close_simulators(&mut self, sims: Simulators<'_>) {
        self.homes.end_window(sims.ems);
        if let Some(h) = self.islanding.as_mut() {
            h.end_window(sims.ems_islanding);
        }
        if let (Some(c), Some(sim)) = (self.cloud.as_mut(), sims.cloud) {
            c.state = Some(sim.into_state());
        }
        if let (Some(c), Some(sim)) = (self.oracle.as_mut(), sims.oracle) {
            c.state = Some(sim.into_state());
        }
    }

    /// The homes' own dispatch: alone, and islanding together where the community can.
    fn step_homes(
        &mut self,
        at: &At<'_>,
        ems: &mut EmsWindow<'_>,
        ems_islanding: &mut EmsWindow<'_>,
    ) -> Result<(), ScenarioError> {
        self.homes.step(at, ems);
        if let Some(alone) = self.alone.as_mut() {
            alone.add(
                at,
                &self.homes.steps,
                &self.participates,
                false,
                &mut self.net,
            )?;
        }
        if let (Some(homes), Some(books)) = (self.islanding.as_mut(), self.shared.as_mut()) {
            homes.step(at, ems_islanding);
            books.add(at, &homes.steps, &self.participates, true, &mut self.net)?;
        }
        Ok(())
    }

    /// Every behaviour's books, not yet closed: what a report needs (see [`Finished::close`]).
    pub fn finish(self) -> Finished {
        Finished {
            alone: self.alone,
            shared: self.shared,
            solver: self
                .cloud
                .as_ref()
                .and_then(|c| c.state.as_ref())
                .map(|s| s.stats().clone())
                .unwrap_or_default(),
            baseline: self.baseline,
            cloud: self.cloud.map(|c| c.books),
            oracle: self.oracle.map(|c| c.books),
            best_bill: if self.options.performance_measure {
                self.best_bill
            } else {
                f64::NAN
            },
        }
    }
}

/// A simulated run's books before the report: kept (cloned) so that a change only the report
/// reads — the aggregator's return τ_c — closes them again instead of re-simulating.
#[derive(Clone)]
pub(super) struct Finished {
    alone: Option<Books>,
    shared: Option<Books>,
    cloud: Option<Books>,
    oracle: Option<Books>,
    best_bill: f64,
    solver: SolverStats,
    baseline: Baseline,
}

impl Finished {
    /// Close every behaviour's books with the aggregator's return `tau`, island trade valued
    /// at `island_price` (None: a run of the twin alone, which settled no homes, or books that
    /// did not keep island trade at that price).
    pub fn close(self, tau: f64, island_price: IslandPrice) -> Option<Outcome> {
        // Some(None): no such books; None: books that cannot close at this island price.
        let close = |books: Option<Books>| match books {
            None => Some(None),
            Some(b) => b.close(tau, island_price).map(Some),
        };
        Some(Outcome {
            alone: self.alone?.close(tau, island_price)?,
            shared: close(self.shared)?,
            solver: self.solver,
            baseline: self.baseline,
            cloud: close(self.cloud)?,
            oracle: close(self.oracle)?,
            best_bill: self.best_bill,
        })
    }

    /// Take the perfect-foresight twin's books from `twin` (a run of the same scenario that
    /// simulated only the twin): the merged books equal one run that simulated both.
    pub fn with_twin_of(mut self, twin: Finished) -> Self {
        self.oracle = twin.oracle;
        self
    }

    /// These books with the homes' taken from `homes` (a [`Pass::Homes`] simulation of a
    /// scenario that differs only in what settlement reads): the coordinators' books, V_max and
    /// the solver's statistics are copied, since nothing they depend on changed; the homes'
    /// books kept here are not (at 10,000 members they are megabytes).
    pub fn with_homes_of(&self, homes: Finished) -> Self {
        Self {
            alone: homes.alone,
            shared: homes.shared,
            cloud: self.cloud.clone(),
            oracle: self.oracle.clone(),
            best_bill: self.best_bill,
            solver: self.solver.clone(),
            baseline: self.baseline,
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
