//! `run`: a scenario in, every model's bills and the energy metrics out.

use serde::{Deserialize, Serialize};

use crate::battery::LocalBattery;
use crate::metrics::SettlementReport;
use crate::scenario::{Scenario, ScenarioError};
use crate::settle::Settler;

/// Energy flows of the community over the run (same under every settlement rule).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EnergyReport {
    /// Total load, kWh.
    pub load_kwh: f64,
    /// Total PV output, kWh.
    pub pv_kwh: f64,
    /// Battery charge + discharge energy, kWh (ESS throughput).
    pub ess_throughput_kwh: f64,
    /// Grid import if every home were alone, kWh.
    pub grid_import_alone_kwh: f64,
    /// Grid import of the community with sharing, kWh.
    pub grid_import_shared_kwh: f64,
    /// Grid export if every home were alone, kWh.
    pub grid_export_alone_kwh: f64,
    /// Grid export of the community with sharing, kWh.
    pub grid_export_shared_kwh: f64,
    /// PV used by its own home (directly or via its battery) / PV.
    pub self_consumption_alone: Option<f64>,
    /// PV used inside the community / PV.
    pub self_consumption_shared: Option<f64>,
    /// Load met by the home's own PV and battery / load.
    pub self_sufficiency_alone: Option<f64>,
    /// Load met by the community's PV and batteries / load.
    pub self_sufficiency_shared: Option<f64>,
    /// Highest hourly grid import, homes alone, kW.
    pub peak_import_alone_kw: f64,
    /// Highest hourly grid import with sharing, kW.
    pub peak_import_shared_kw: f64,
}

/// The outcome of a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// The scenario's name.
    pub scenario: String,
    /// Member ids in order.
    pub member_ids: Vec<String>,
    /// Energy flows.
    pub energy: EnergyReport,
    /// Bills and metrics of no sharing, BS, MMR and SDR on the homes' net energy.
    pub settlement: SettlementReport,
}

fn share(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den)
}

/// Run a scenario: local battery rule in every home, then every settlement rule.
/// `progress` receives the share of steps done (0..=1) every simulated day.
pub fn run(scenario: &Scenario, progress: &mut dyn FnMut(f64)) -> Result<RunReport, ScenarioError> {
    scenario.validate()?;
    let community = scenario.community()?;
    let axis = scenario.axis;
    let prices = scenario.tariff.prices(&axis)?;
    let members = &community.members;
    let participates: Vec<bool> = members.iter().map(|m| m.participates).collect();
    let mut settler = Settler::all_rules(axis, members.len(), scenario.settings.bs_horizon)
        .with_participation(&participates);
    let mut batteries: Vec<Option<LocalBattery>> = members
        .iter()
        .map(|m| m.battery.map(LocalBattery::new))
        .collect();
    let hours = axis.step_hours();
    let mut net = vec![0.0; members.len()];
    let mut e = EnergyReport::default();
    let mut pv_used_alone = 0.0;
    for (step, grid) in prices.iter().enumerate() {
        let (mut import_alone, mut export_alone) = (0.0, 0.0);
        let (mut market_buy, mut market_sell, mut outside_import, mut outside_export) =
            (0.0, 0.0, 0.0, 0.0);
        for (k, m) in members.iter().enumerate() {
            let load = m.load_kw[step];
            let pv = m.pv_kw.get(step).copied().unwrap_or(0.0);
            let flow = batteries[k]
                .as_mut()
                .map(|b| b.step(load, pv, hours))
                .unwrap_or_default();
            let x = (load - pv + flow.charge_kw - flow.discharge_kw) * hours;
            net[k] = x;
            e.load_kwh += load * hours;
            e.pv_kwh += pv * hours;
            e.ess_throughput_kwh += (flow.charge_kw + flow.discharge_kw) * hours;
            let (imp, exp) = if x > 0.0 { (x, 0.0) } else { (0.0, -x) };
            import_alone += imp;
            export_alone += exp;
            pv_used_alone += pv * hours - exp;
            if participates[k] {
                market_buy += imp;
                market_sell += exp;
            } else {
                outside_import += imp;
                outside_export += exp;
            }
        }
        let import_shared = (market_buy - market_sell).max(0.0) + outside_import;
        let export_shared = (market_sell - market_buy).max(0.0) + outside_export;
        e.grid_import_alone_kwh += import_alone;
        e.grid_export_alone_kwh += export_alone;
        e.grid_import_shared_kwh += import_shared;
        e.grid_export_shared_kwh += export_shared;
        e.peak_import_alone_kw = e.peak_import_alone_kw.max(import_alone / hours);
        e.peak_import_shared_kw = e.peak_import_shared_kw.max(import_shared / hours);
        settler
            .push_step(*grid, &net)
            .map_err(|err| ScenarioError::Settings(err.to_string()))?;
        if (step + 1) % axis.steps_per_day.max(1) as usize == 0 {
            progress((step + 1) as f64 / axis.steps.max(1) as f64);
        }
    }
    e.self_consumption_alone = share(pv_used_alone, e.pv_kwh);
    e.self_consumption_shared = share(e.pv_kwh - e.grid_export_shared_kwh, e.pv_kwh);
    e.self_sufficiency_alone = share(e.load_kwh - e.grid_import_alone_kwh, e.load_kwh);
    e.self_sufficiency_shared = share(e.load_kwh - e.grid_import_shared_kwh, e.load_kwh);
    progress(1.0);
    Ok(RunReport {
        scenario: scenario.name.clone(),
        member_ids: members.iter().map(|m| m.id.clone()).collect(),
        energy: e,
        settlement: settler.finish(scenario.settings.aggregator_return),
    })
}
