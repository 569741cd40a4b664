//! `run`: a scenario in, the five models side by side out — no sharing, BS, MMR and SDR on the
//! homes' own battery rule, and cloud-P2P (coordinated batteries and flexible load, SDR bills,
//! aggregator's return, contributions rewarded by SCR) — with grid outages and faults.

mod series;
mod source;

use serde::{Deserialize, Serialize};

pub use series::{monthly_throughput_kwh, FlowSeries, FlowStep, RunSeries};

use crate::battery::LocalBattery;
use crate::community::{Battery, Member};
use crate::coordinator::{
    connection_kw, island, optimise_whole_horizon, CloudSim, CloudState, LoadClass, MemberStep,
    SolverStats, WholeHorizon,
};
use crate::market::{RuleId, SupplyDemandRatio};
use crate::metrics::{RuleReport, SettlementReport};
use crate::scenario::{Scenario, ScenarioError};
use crate::settle::Settler;
use source::Source;

/// The models Gridshare compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    /// Every home alone with the grid (local battery rule).
    None,
    /// Bill Sharing on the homes' own net energy.
    Bs,
    /// Mid-Market Rate on the homes' own net energy.
    Mmr,
    /// Supply-Demand Ratio on the homes' own net energy.
    Sdr,
    /// Cloud-P2P: coordinated batteries and flexible load, SDR bills, MLA settlement.
    Cloud,
}

impl Model {
    /// Every model, in display order.
    pub const ALL: [Model; 5] = [Model::None, Model::Bs, Model::Mmr, Model::Sdr, Model::Cloud];

    /// Short machine name.
    pub fn key(self) -> &'static str {
        match self {
            Model::None => "none",
            Model::Bs => "bs",
            Model::Mmr => "mmr",
            Model::Sdr => "sdr",
            Model::Cloud => "cloud",
        }
    }

    /// Human name.
    pub fn label(self) -> &'static str {
        match self {
            Model::None => "No sharing",
            Model::Bs => "Bill Sharing",
            Model::Mmr => "Mid-Market Rate",
            Model::Sdr => "Supply-Demand Ratio",
            Model::Cloud => "Cloud-P2P",
        }
    }
}

/// Energy flows under one model's behaviour.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EnergyReport {
    /// Load served or asked for, kWh.
    pub load_kwh: f64,
    /// PV output, kWh.
    pub pv_kwh: f64,
    /// Battery charge + discharge energy, kWh (ESS throughput).
    pub ess_throughput_kwh: f64,
    /// Grid import (after sharing where the model shares), kWh.
    pub grid_import_kwh: f64,
    /// Grid export, kWh.
    pub grid_export_kwh: f64,
    /// Energy traded between members, kWh.
    pub shared_kwh: f64,
    /// PV used locally (own home, or the community where it shares) / PV.
    pub self_consumption: Option<f64>,
    /// Load met by local PV and batteries / load.
    pub self_sufficiency: Option<f64>,
    /// Highest grid import in one step, kW.
    pub peak_import_kw: f64,
    /// Load not served during grid outages, kWh.
    pub energy_not_served_kwh: f64,
    /// Steps with some load not served.
    pub loss_of_load_hours: f64,
    /// Unserved energy valued at the retail price of its step, ₹.
    pub unserved_value: f64,
    /// Member-steps in each p-MAS load class (underloaded … severely overloaded).
    pub load_class_counts: [u64; 5],
    /// The same counts month by month (index 0 = the run's first month).
    pub load_class_counts_by_month: Vec<[u64; 5]>,
}

/// One member's bill under one model, with its line items.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberBill {
    /// Member id.
    pub member: String,
    /// Total bill, ₹ (> 0 pays).
    pub bill: f64,
    /// No-sharing bill, ₹.
    pub reference_bill: f64,
    /// reference − bill, ₹.
    pub savings: f64,
    /// Energy at the model's internal prices, ₹.
    pub energy_bill: f64,
    /// Aggregator's return paid (cloud-P2P), ₹.
    pub aggregator_fee: f64,
    /// Contribution reward received by SCR (cloud-P2P), ₹.
    pub contribution_return: f64,
    /// Sharing contribution rate (cloud-P2P), share of the returned pot.
    pub sharing_contribution_rate: f64,
    /// Load not served to this member in grid outages, valued at the retail price, ₹.
    pub unserved_value: f64,
}

/// The outcome of one model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelReport {
    /// Which model.
    pub model: Model,
    /// Σ member bills, ₹.
    pub community_bill: f64,
    /// Σ no-sharing bills, ₹.
    pub reference_bill: f64,
    /// reference − bill, ₹.
    pub savings: f64,
    /// savings / |reference|, %.
    pub savings_pct: Option<f64>,
    /// Saving of consumers (members without PV), % of their no-sharing cost (bills plus
    /// unserved energy at the retail price).
    pub consumer_savings_pct: Option<f64>,
    /// −Σ bills of prosumers (members with PV), ₹.
    pub prosumer_income: f64,
    /// Performance measure over the energy shared region; None when there is no potential.
    pub performance_measure: Option<f64>,
    /// What the aggregator keeps, ₹.
    pub aggregator_income: f64,
    /// The community's one-meter grid bill under this model's behaviour, ₹.
    pub grid_bill: f64,
    /// Community bill plus unserved energy valued at the retail price: the comparable cost
    /// (not paying for energy one did not get is no saving), ₹.
    pub cost_with_unserved: f64,
    /// Energy flows.
    pub energy: EnergyReport,
    /// Per-member bills.
    pub members: Vec<MemberBill>,
}

/// What a member has (for tables and editing).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberInfo {
    /// Member id.
    pub id: String,
    /// Archetype.
    pub archetype: crate::community::Archetype,
    /// Rooftop PV, kWp.
    pub pv_kwp: f64,
    /// Battery capacity, kWh (0 = none).
    pub battery_kwh: f64,
    /// Share of daily load that may move.
    pub flexible_share: f64,
    /// Whether it takes part in sharing.
    pub participates: bool,
}

/// The outcome of a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// The scenario's name.
    pub scenario: String,
    /// Member ids in order.
    pub member_ids: Vec<String>,
    /// What each member has.
    pub members: Vec<MemberInfo>,
    /// The five models, in [`Model::ALL`] order (four when the run left cloud-P2P out).
    pub models: Vec<ModelReport>,
    /// The coordinator's solver statistics.
    pub solver: SolverStats,
    /// V_max of the performance measure: −(perfect-foresight optimal one-meter bill), ₹; `None`
    /// when the run left it out ([`RunOptions::performance_measure`]).
    pub best_possible_income: Option<f64>,
    /// Detailed settlement of the four rules on the homes' own net energy.
    pub settlement: SettlementReport,
    /// Community time series of every behaviour.
    pub series: RunSeries,
}

impl RunReport {
    /// The report of one model.
    pub fn model(&self, model: Model) -> Option<&ModelReport> {
        self.models.iter().find(|m| m.model == model)
    }
}

/// Receives every member's flows at every step: (model, step, member index, flows).
pub type SeriesSink<'a> = dyn FnMut(Model, usize, usize, &MemberStep) + 'a;

/// Where a step is: the window's members, the step in the run (`t`) and in the window (`lt`).
#[derive(Clone, Copy)]
struct At<'a> {
    members: &'a [Member],
    t: usize,
    lt: usize,
    hours: f64,
    grid: &'a crate::market::GridPrices,
    grid_up: bool,
}

/// Running energy totals of one behaviour.
struct Flows {
    axis: crate::time_axis::TimeAxis,
    e: EnergyReport,
    pv_used: f64,
    series: FlowSeries,
}

impl Flows {
    fn new(axis: crate::time_axis::TimeAxis) -> Self {
        Self {
            axis,
            e: EnergyReport::default(),
            pv_used: 0.0,
            series: FlowSeries::default(),
        }
    }

    /// Add a step; `shared` nets the participants' imports and exports as one community.
    fn add(&mut self, at: &At<'_>, steps: &[MemberStep], participates: &[bool], shared: bool) {
        let At {
            members,
            t,
            lt,
            hours,
            grid,
            grid_up,
        } = *at;
        let (mut buy, mut sell, mut import, mut export) = (0.0, 0.0, 0.0, 0.0);
        let mut unserved = 0.0;
        let month = self.axis.month_of(t) - self.axis.month_of(0);
        for (k, s) in steps.iter().enumerate() {
            self.e.load_kwh += s.load_kw * hours;
            let pv_raw = members[k].pv_kw.get(lt).copied().unwrap_or(0.0);
            self.e.pv_kwh += pv_raw * hours;
            self.e.ess_throughput_kwh += (s.charge_kw + s.discharge_kw) * hours;
            unserved += s.unserved_kw * hours;
            let x = s.net_kw * hours;
            let (imp, exp) = if x > 0.0 { (x, 0.0) } else { (0.0, -x) };
            if shared && participates[k] {
                buy += imp;
                sell += exp;
            } else {
                import += imp;
                export += exp;
            }
            let r = imp / hours / connection_kw(&members[k]);
            let class = LoadClass::ALL
                .iter()
                .position(|c| *c == LoadClass::of_ratio(r))
                .unwrap_or(0);
            self.e.load_class_counts[class] += 1;
            if self.e.load_class_counts_by_month.len() <= month {
                self.e.load_class_counts_by_month.resize(month + 1, [0; 5]);
            }
            self.e.load_class_counts_by_month[month][class] += 1;
        }
        let traded = buy.min(sell);
        import += buy - traded;
        export += sell - traded;
        let kw = |kwh: f64| kwh / hours;
        self.series.push(FlowStep {
            load_kw: steps.iter().map(|s| s.load_kw).sum(),
            pv_kw: steps.iter().map(|s| s.pv_kw).sum(),
            charge_kw: steps.iter().map(|s| s.charge_kw).sum(),
            discharge_kw: steps.iter().map(|s| s.discharge_kw).sum(),
            import_kw: kw(import),
            export_kw: kw(export),
            tbp_kw: kw(buy),
            tsp_kw: kw(sell),
        });
        self.e.shared_kwh += traded;
        self.e.grid_import_kwh += import;
        self.e.grid_export_kwh += export;
        self.pv_used += steps.iter().map(|s| s.pv_kw * hours).sum::<f64>() - export;
        if grid_up {
            self.e.peak_import_kw = self.e.peak_import_kw.max(import / hours);
        }
        self.e.energy_not_served_kwh += unserved;
        self.e.unserved_value += unserved * grid.buy_per_kwh;
        if unserved > 1e-9 {
            self.e.loss_of_load_hours += hours;
        }
    }

    fn finish(mut self) -> (EnergyReport, FlowSeries) {
        let share = |a: f64, b: f64| (b > 0.0).then(|| a / b);
        self.e.self_consumption = share(self.pv_used, self.e.pv_kwh);
        let served = self.e.load_kwh - self.e.energy_not_served_kwh;
        self.e.self_sufficiency = share(served - self.e.grid_import_kwh, self.e.load_kwh);
        (self.e, self.series)
    }
}

fn model_report(
    model: Model,
    rule: &RuleReport,
    ids: &[String],
    energy: EnergyReport,
    potential: f64,
    grid_bill: f64,
) -> ModelReport {
    let savings = rule.reference_bill - rule.community_bill;
    ModelReport {
        model,
        community_bill: rule.community_bill,
        reference_bill: rule.reference_bill,
        savings,
        savings_pct: rule.savings_pct,
        consumer_savings_pct: rule.consumer_savings_pct,
        prosumer_income: rule.prosumer_income,
        performance_measure: (potential.abs() > 1e-9).then(|| savings / potential),
        aggregator_income: 0.0,
        grid_bill,
        cost_with_unserved: rule.community_bill + energy.unserved_value,
        energy,
        members: ids
            .iter()
            .zip(&rule.members)
            .map(|(id, m)| MemberBill {
                member: id.clone(),
                bill: m.bill,
                reference_bill: m.reference_bill,
                savings: m.savings,
                energy_bill: m.bill,
                aggregator_fee: 0.0,
                contribution_return: 0.0,
                sharing_contribution_rate: 0.0,
                unserved_value: 0.0,
            })
            .collect(),
    }
}

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
}

impl RunOptions {
    /// Only what a tariff change on the homes' own dispatch needs: four rules, no cloud-P2P, no PM.
    pub const SETTLE_ONLY: Self = Self {
        cloud: false,
        performance_measure: false,
    };
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            cloud: true,
            performance_measure: true,
        }
    }
}

/// Run a scenario. `progress` receives the share done (0..=1) once a simulated day.
pub fn run(scenario: &Scenario, progress: &mut dyn FnMut(f64)) -> Result<RunReport, ScenarioError> {
    run_with_options(scenario, RunOptions::default(), progress, None)
}

/// [`run`], also sending every member's flows of the no-sharing and cloud-P2P behaviour to `series`.
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
    mut series: Option<&mut SeriesSink>,
) -> Result<RunReport, ScenarioError> {
    scenario.validate()?;
    let axis = scenario.axis;
    let prices = scenario.tariff.prices(&axis)?;
    let source = Source::of(scenario)?;
    let members_info = source.members();
    let n = members_info.len();
    let hours = axis.step_hours();
    let spd = axis.steps_per_day.max(1) as usize;
    let settings = &scenario.settings;
    let participates: Vec<bool> = members_info.iter().map(|m| m.participates).collect();
    let ids: Vec<String> = members_info.iter().map(|m| m.id.clone()).collect();

    let mut local_settler =
        Settler::all_rules(axis, n, settings.bs_horizon).with_participation(&participates);
    let mut cloud_settler = Settler::new(
        axis,
        n,
        vec![
            RuleId::None.rule(settings.bs_horizon),
            Box::new(SupplyDemandRatio),
        ],
    );
    let mut local_batteries: Vec<Option<LocalBattery>> = members_info
        .iter()
        .map(|m| m.battery.map(LocalBattery::new))
        .collect();
    let mut island_state: Vec<Option<(Battery, f64)>> = vec![None; n];
    let (mut local_flows, mut shared_flows, mut cloud_flows) =
        (Flows::new(axis), Flows::new(axis), Flows::new(axis));
    let mut local_steps = vec![MemberStep::default(); n];
    let mut cloud_steps = vec![MemberStep::default(); n];
    let mut net = vec![0.0; n];
    // Per-member unserved energy valued at the step's retail price: homes alone, cloud-P2P.
    let mut unserved_alone = vec![0.0; n];
    let mut unserved_cloud = vec![0.0; n];
    let limit_kw: f64 = settings.coordinator.community_limit_share
        * members_info
            .iter()
            .filter(|m| m.participates)
            .map(connection_kw)
            .sum::<f64>();
    let mut best_bill = 0.0;
    let mut cloud_state: Option<CloudState> = None;
    let mut previous_window_start = 0;

    // The run streams through windows of a week (a generated community is generated one
    // window at a time, so memory does not grow with the run's length); each window adds a day
    // before (the persistence forecast looks back) and the coordinator's horizon after.
    let chunk_steps = source.chunk_steps(&axis);
    let mut chunk_start = 0;
    while chunk_start < axis.steps {
        let chunk_end = (chunk_start + chunk_steps).min(axis.steps);
        let w0 = chunk_start.saturating_sub(spd);
        let w1 = (chunk_end + settings.coordinator.horizon_steps + spd).min(axis.steps);
        let community = source.window(scenario, w0, w1)?;
        let members = &community.members;
        let prices_w = &prices[w0..w1];
        let axis_w = axis.window(w0, w1);
        let coordinator_w = settings.coordinator.shifted(w0);
        let mut cloud = options.cloud.then(|| {
            CloudSim::new(
                members,
                &community.grid_available,
                prices_w,
                axis_w,
                &coordinator_w,
            )
        });
        if let (Some(cloud), Some(state)) = (cloud.as_mut(), cloud_state.take()) {
            cloud.resume(state, w0 - previous_window_start);
        }
        let loads_now = |lt: usize| -> Vec<f64> { members.iter().map(|m| m.load_kw[lt]).collect() };

        for (t, grid) in prices.iter().enumerate().take(chunk_end).skip(chunk_start) {
            // Index into the window's series.
            let lt = t - w0;
            let grid_up = community.grid_available.get(lt).copied().unwrap_or(true);
            // Homes alone: local battery rule; islanded alone in an outage.
            if grid_up {
                for (k, m) in members.iter().enumerate() {
                    let pv = m.pv_kw.get(lt).copied().unwrap_or(0.0);
                    let flow = local_batteries[k]
                        .as_mut()
                        .map(|b| b.step(m.load_kw[lt], pv, hours))
                        .unwrap_or_default();
                    local_steps[k] = MemberStep {
                        load_kw: m.load_kw[lt],
                        pv_kw: pv,
                        charge_kw: flow.charge_kw,
                        discharge_kw: flow.discharge_kw,
                        soc_kwh: flow.soc_kwh,
                        net_kw: m.load_kw[lt] - pv + flow.charge_kw - flow.discharge_kw,
                        unserved_kw: 0.0,
                        coordinated: false,
                    };
                }
            } else {
                let loads = loads_now(lt);
                for k in 0..n {
                    island_state[k] = local_batteries[k].map(|b| {
                        (
                            members[k].battery.unwrap_or(Battery::typical(1.0)),
                            b.soc_kwh(),
                        )
                    });
                    island(
                        members,
                        &[k],
                        lt,
                        &loads,
                        &mut island_state,
                        hours,
                        &mut local_steps,
                    );
                    if let (Some(b), Some((battery, soc))) =
                        (local_batteries[k].as_mut(), island_state[k])
                    {
                        *b = LocalBattery::new(Battery {
                            soc_initial_frac: soc / battery.capacity_kwh,
                            ..battery
                        });
                    }
                }
            }
            for (k, s) in local_steps.iter().enumerate() {
                net[k] = s.net_kw * hours;
            }
            local_settler
                .push_step(*grid, &net)
                .map_err(|e| ScenarioError::Settings(e.to_string()))?;
            let at = At {
                members,
                t,
                lt,
                hours,
                grid,
                grid_up,
            };
            local_flows.add(&at, &local_steps, &participates, false);
            shared_flows.add(&at, &local_steps, &participates, true);

            // Cloud-P2P.
            if let Some(cloud) = cloud.as_mut() {
                cloud.step(lt, &mut cloud_steps);
                let coordinated: Vec<bool> = cloud_steps.iter().map(|s| s.coordinated).collect();
                let community_import: f64 = cloud_steps
                    .iter()
                    .zip(&coordinated)
                    .filter(|(_, c)| **c)
                    .map(|(s, _)| s.net_kw)
                    .sum::<f64>()
                    .max(0.0);
                let class = LoadClass::of_ratio(if limit_kw > 0.0 {
                    community_import / limit_kw
                } else {
                    0.0
                });
                cloud_settler.set_participation(&coordinated);
                cloud_settler.set_contribution_weight(class.contribution_weight());
                for (k, s) in cloud_steps.iter().enumerate() {
                    net[k] = s.net_kw * hours;
                }
                cloud_settler
                    .push_step(*grid, &net)
                    .map_err(|e| ScenarioError::Settings(e.to_string()))?;
                cloud_flows.add(&at, &cloud_steps, &coordinated, true);
                for k in 0..n {
                    unserved_cloud[k] += cloud_steps[k].unserved_kw * hours * grid.buy_per_kwh;
                }
            }
            for k in 0..n {
                unserved_alone[k] += local_steps[k].unserved_kw * hours * grid.buy_per_kwh;
            }
            if let Some(sink) = series.as_deref_mut() {
                for k in 0..n {
                    sink(Model::None, t, k, &local_steps[k]);
                    if cloud.is_some() {
                        sink(Model::Cloud, t, k, &cloud_steps[k]);
                    }
                }
            }
            if (t + 1) % spd == 0 {
                progress((t + 1) as f64 / axis.steps.max(1) as f64);
            }
        }
        if options.performance_measure {
            best_bill += best_possible_bill(
                scenario,
                members,
                prices_w,
                chunk_start - w0..chunk_end - w0,
            );
        }
        cloud_state = cloud.map(CloudSim::into_state);
        previous_window_start = w0;
        chunk_start = chunk_end;
    }
    if !options.performance_measure {
        best_bill = f64::NAN;
    }
    let local = local_settler.finish(settings.aggregator_return);
    let cloud_settlement = options
        .cloud
        .then(|| cloud_settler.finish(settings.aggregator_return));
    let reference = local.rule(RuleId::None).map_or(0.0, |r| r.reference_bill);
    let potential = reference - best_bill;
    let (alone, alone_series) = local_flows.finish();
    let (shared, shared_series) = shared_flows.finish();
    let mut models = Vec::new();
    for (model, rule) in [
        (Model::None, RuleId::None),
        (Model::Bs, RuleId::Bs),
        (Model::Mmr, RuleId::Mmr),
        (Model::Sdr, RuleId::Sdr),
    ] {
        if let Some(r) = local.rule(rule) {
            // Budget-balanced rules bill exactly the one-meter bill (plus outsiders' own bills).
            let (energy, grid_bill) = if model == Model::None {
                (alone.clone(), r.reference_bill)
            } else {
                (shared.clone(), r.community_bill)
            };
            models.push(model_report(model, r, &ids, energy, potential, grid_bill));
        }
    }
    let mut cloud_series = None;
    if let Some(cloud_settlement) = &cloud_settlement {
        let (cloud_energy, flows) = cloud_flows.finish();
        cloud_series = Some(flows);
        if let (Some(sdr), Some(none)) =
            (cloud_settlement.rule(RuleId::Sdr), local.rule(RuleId::None))
        {
            let mut cloud_model = mla_settlement(
                sdr,
                none,
                cloud_settlement,
                &ids,
                cloud_energy,
                potential,
                settings.aggregator_return,
            );
            cloud_model.grid_bill = sdr.community_bill;
            models.push(cloud_model);
        }
    }
    // Consumers and prosumers by what they own (PV), the same split for every model. Consumer
    // savings compare costs with unserved energy valued, like PM.
    let has_pv: Vec<bool> = members_info.iter().map(|m| m.pv_kwp > 0.0).collect();
    for m in &mut models {
        let unserved = if m.model == Model::Cloud {
            &unserved_cloud
        } else {
            &unserved_alone
        };
        for (b, u) in m.members.iter_mut().zip(unserved) {
            b.unserved_value = *u;
        }
        let (mut consumer_ref, mut consumer_cost, mut prosumer_income) = (0.0, 0.0, 0.0);
        for ((b, pv), u_ref) in m.members.iter().zip(&has_pv).zip(&unserved_alone) {
            if *pv {
                prosumer_income -= b.bill;
            } else {
                consumer_ref += b.reference_bill + u_ref;
                consumer_cost += b.bill + b.unserved_value;
            }
        }
        let consumer_bill = consumer_cost;
        m.consumer_savings_pct =
            (consumer_ref > 0.0).then(|| 100.0 * (consumer_ref - consumer_bill) / consumer_ref);
        m.prosumer_income = prosumer_income;
    }
    // PM over the energy shared region, on comparable costs: (C_ref − C) / (C_ref − C_best).
    let reference_cost = models.first().map_or(0.0, |m| m.cost_with_unserved);
    let span = reference_cost - best_bill;
    for m in &mut models {
        m.performance_measure = (span.abs() > 1e-9 && span.is_finite())
            .then(|| (reference_cost - m.cost_with_unserved) / span);
    }
    progress(1.0);
    Ok(RunReport {
        scenario: scenario.name.clone(),
        members: members_info
            .iter()
            .map(|m| MemberInfo {
                id: m.id.clone(),
                archetype: m.archetype,
                pv_kwp: m.pv_kwp,
                battery_kwh: m.battery.map_or(0.0, |b| b.capacity_kwh),
                flexible_share: m.flexible_share,
                participates: m.participates,
            })
            .collect(),
        member_ids: ids,
        models,
        solver: cloud_state.map(|c| c.stats().clone()).unwrap_or_default(),
        best_possible_income: best_bill.is_finite().then_some(-best_bill),
        settlement: local,
        series: RunSeries {
            buy_per_kwh: prices.iter().map(|p| p.buy_per_kwh as f32).collect(),
            sell_per_kwh: prices.iter().map(|p| p.sell_per_kwh as f32).collect(),
            alone_import_kw: alone_series.import_kw,
            alone_export_kw: alone_series.export_kw,
            local: shared_series,
            cloud: cloud_series,
        },
    })
}

/// MLA bill settlement: SDR energy bills on the coordinated net energy; the aggregator takes τ_c
/// of each member's gain over no sharing and returns (1 − τ_c) of that pot by SCR.
fn mla_settlement(
    sdr: &RuleReport,
    none: &RuleReport,
    cloud: &SettlementReport,
    ids: &[String],
    energy: EnergyReport,
    potential: f64,
    tau: f64,
) -> ModelReport {
    let fees: Vec<f64> = sdr
        .members
        .iter()
        .zip(&none.members)
        .map(|(m, r)| tau * (r.reference_bill - m.bill).max(0.0))
        .collect();
    let pot: f64 = fees.iter().sum();
    let members: Vec<MemberBill> = ids
        .iter()
        .enumerate()
        .map(|(k, id)| {
            let scr = cloud
                .contributions
                .get(k)
                .map_or(0.0, |c| c.sharing_contribution_rate);
            let energy_bill = sdr.members[k].bill;
            let reference_bill = none.members[k].reference_bill;
            let bill = energy_bill + fees[k] - scr * pot;
            MemberBill {
                member: id.clone(),
                bill,
                reference_bill,
                savings: reference_bill - bill,
                energy_bill,
                aggregator_fee: fees[k],
                contribution_return: scr * pot,
                sharing_contribution_rate: scr,
                unserved_value: 0.0,
            }
        })
        .collect();
    let community_bill: f64 = members.iter().map(|m| m.bill).sum();
    let reference_bill: f64 = members.iter().map(|m| m.reference_bill).sum();
    let savings = reference_bill - community_bill;
    let exports: Vec<bool> = sdr.members.iter().map(|m| m.export_kwh > 0.0).collect();
    let (mut consumer_ref, mut consumer_bill, mut prosumer_income) = (0.0, 0.0, 0.0);
    for (m, exports) in members.iter().zip(&exports) {
        if *exports {
            prosumer_income -= m.bill;
        } else {
            consumer_ref += m.reference_bill;
            consumer_bill += m.bill;
        }
    }
    ModelReport {
        model: Model::Cloud,
        community_bill,
        reference_bill,
        savings,
        savings_pct: (reference_bill.abs() > 0.0).then(|| 100.0 * savings / reference_bill.abs()),
        consumer_savings_pct: (consumer_ref > 0.0)
            .then(|| 100.0 * (consumer_ref - consumer_bill) / consumer_ref),
        prosumer_income,
        performance_measure: (potential.abs() > 1e-9).then(|| savings / potential),
        aggregator_income: pot - members.iter().map(|m| m.contribution_return).sum::<f64>(),
        grid_bill: 0.0,
        cost_with_unserved: community_bill + energy.unserved_value,
        energy,
        members,
    }
}

/// The lowest one-meter bill the participants could reach with perfect foresight: weekly exact
/// optima chained with each week ending at the starting state of charge (V_max of PM). Members
/// who do not take part add their no-sharing bill.
fn best_possible_bill(
    scenario: &Scenario,
    members: &[Member],
    prices: &[crate::market::GridPrices],
    steps: std::ops::Range<usize>,
) -> f64 {
    let axis = scenario.axis;
    let hours = axis.step_hours();
    let spd = axis.steps_per_day.max(1) as usize;
    let week = 7 * spd;
    let c = &scenario.settings.coordinator;
    let batteries: Vec<Battery> = members
        .iter()
        .filter(|m| m.participates)
        .filter_map(|m| m.battery)
        .collect();
    let mut total = 0.0;
    let mut start = steps.start;
    while start < steps.end {
        let end = (start + week).min(steps.end);
        let mut base = vec![0.0; end - start];
        let mut flex = vec![0.0; end - start];
        for m in members {
            for (i, t) in (start..end).enumerate() {
                let pv = m.pv_kw.get(t).copied().unwrap_or(0.0);
                if m.participates {
                    base[i] += ((1.0 - m.flexible_share) * m.load_kw[t] - pv) * hours;
                    flex[i] += m.flexible_share * m.load_kw[t] * hours;
                } else {
                    let x = (m.load_kw[t] - pv) * hours;
                    total += if x > 0.0 {
                        prices[t].buy_per_kwh * x
                    } else {
                        prices[t].sell_per_kwh * x
                    };
                }
            }
        }
        let best = optimise_whole_horizon(&WholeHorizon {
            base_kwh: &base,
            flex_kwh: &flex,
            steps_per_day: spd,
            step_hours: hours,
            prices: &prices[start..end],
            peak: None,
            wear_per_kwh: 0.0,
            flex_power_multiple: c.flex_power_multiple,
            batteries: &batteries,
        });
        total += best.cost;
        start = end;
    }
    total
}
