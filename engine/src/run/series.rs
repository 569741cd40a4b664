//! Community time series of a run: what the community drew, made, stored and traded at every step,
//! for charts and per-step exports. Stored as `f32` (kW to well under a watt on any community that
//! fits in memory) so a year of them stays small enough to send from a worker.

use serde::{Deserialize, Serialize};

use crate::market::{
    BillingHorizon, GridPrices, HorizonMarket, InternalPrices, RuleId, SettlementRule,
};
use crate::time_axis::TimeAxis;

/// Community totals at every step of one behaviour (dispatch), all in kW (average over the step).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FlowSeries {
    /// Load served and unserved (after any flexible-load shifting).
    pub load_kw: Vec<f32>,
    /// PV generation.
    pub pv_kw: Vec<f32>,
    /// Battery charging.
    pub charge_kw: Vec<f32>,
    /// Battery discharging.
    pub discharge_kw: Vec<f32>,
    /// Import from the grid through the community meter (participants netted).
    pub import_kw: Vec<f32>,
    /// Export to the grid through the community meter.
    pub export_kw: Vec<f32>,
    /// TBP: participants' total buying power.
    pub tbp_kw: Vec<f32>,
    /// TSP: participants' total selling power.
    pub tsp_kw: Vec<f32>,
}

/// One step's totals (kW).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FlowStep {
    /// Load.
    pub load_kw: f64,
    /// PV.
    pub pv_kw: f64,
    /// Charging.
    pub charge_kw: f64,
    /// Discharging.
    pub discharge_kw: f64,
    /// Community import.
    pub import_kw: f64,
    /// Community export.
    pub export_kw: f64,
    /// TBP.
    pub tbp_kw: f64,
    /// TSP.
    pub tsp_kw: f64,
}

impl FlowSeries {
    /// Append one step.
    pub fn push(&mut self, s: FlowStep) {
        self.load_kw.push(s.load_kw as f32);
        self.pv_kw.push(s.pv_kw as f32);
        self.charge_kw.push(s.charge_kw as f32);
        self.discharge_kw.push(s.discharge_kw as f32);
        self.import_kw.push(s.import_kw as f32);
        self.export_kw.push(s.export_kw as f32);
        self.tbp_kw.push(s.tbp_kw as f32);
        self.tsp_kw.push(s.tsp_kw as f32);
    }

    /// Steps recorded.
    pub fn len(&self) -> usize {
        self.load_kw.len()
    }

    /// No steps recorded.
    pub fn is_empty(&self) -> bool {
        self.load_kw.is_empty()
    }

    /// SDR = TSP / TBP at step `t` (`None` when nobody buys).
    pub fn sdr(&self, t: usize) -> Option<f64> {
        let tbp = f64::from(self.tbp_kw[t]);
        (tbp > 0.0).then(|| f64::from(self.tsp_kw[t]) / tbp)
    }
}

/// Every series of a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunSeries {
    /// Grid retail price λ_buy per step, ₹/kWh.
    pub buy_per_kwh: Vec<f32>,
    /// Grid feed-in price λ_sell per step, ₹/kWh.
    pub sell_per_kwh: Vec<f32>,
    /// The homes' own battery rule (no sharing, BS, MMR, SDR), import and export netted through
    /// one community meter as BS, MMR and SDR bill it.
    pub local: FlowSeries,
    /// The same dispatch with every home alone: import (kW).
    pub alone_import_kw: Vec<f32>,
    /// The same dispatch with every home alone: export (kW).
    pub alone_export_kw: Vec<f32>,
    /// Cloud-P2P's coordinated dispatch (absent when the run left cloud-P2P out).
    pub cloud: Option<FlowSeries>,
}

impl RunSeries {
    /// The grid prices of step `t`.
    pub fn grid(&self, t: usize) -> GridPrices {
        GridPrices {
            buy_per_kwh: f64::from(self.buy_per_kwh[t]),
            sell_per_kwh: f64::from(self.sell_per_kwh[t]),
        }
    }

    /// A per-step rule's internal prices at step `t` for a behaviour's TBP and TSP (kW × step
    /// hours gives kWh, but prices depend only on the ratio, so kW serve). `None` for Bill
    /// Sharing, whose prices belong to its billing horizon rather than to a step.
    pub fn internal_prices(
        &self,
        flows: &FlowSeries,
        rule: RuleId,
        t: usize,
    ) -> Option<InternalPrices> {
        if rule == RuleId::Bs {
            return None;
        }
        let grid = self.grid(t);
        let market =
            HorizonMarket::of_step(f64::from(flows.tbp_kw[t]), f64::from(flows.tsp_kw[t]), grid);
        let r: Box<dyn SettlementRule> = rule.rule(BillingHorizon::Step);
        Some(r.internal_prices(&market, grid))
    }

    /// The per-step CSV: prices, then each behaviour's community flows, then SDR and the MMR and
    /// SDR internal prices of each sharing behaviour. One row per step; kW and ₹/kWh.
    pub fn to_csv(&self, axis: &TimeAxis) -> String {
        let spd = axis.steps_per_day.max(1) as usize;
        let mut out = String::from("step,day,hour,buy_per_kwh,sell_per_kwh,load_kw,pv_kw,local_charge_kw,local_discharge_kw,none_import_kw,none_export_kw,shared_import_kw,shared_export_kw,shared_sdr,mmr_buy_per_kwh,mmr_sell_per_kwh,sdr_buy_per_kwh,sdr_sell_per_kwh");
        if self.cloud.is_some() {
            out.push_str(",cloud_load_kw,cloud_charge_kw,cloud_discharge_kw,cloud_import_kw,cloud_export_kw,cloud_sdr,cloud_buy_per_kwh,cloud_sell_per_kwh");
        }
        out.push('\n');
        let opt = |v: Option<f64>| v.map_or_else(String::new, |v| format!("{v}"));
        for t in 0..self.local.len() {
            let l = &self.local;
            let mmr = self.internal_prices(l, RuleId::Mmr, t);
            let sdr = self.internal_prices(l, RuleId::Sdr, t);
            out.push_str(&format!(
                "{t},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                t / spd,
                (t % spd) as f64 * 24.0 / spd as f64,
                self.buy_per_kwh[t],
                self.sell_per_kwh[t],
                l.load_kw[t],
                l.pv_kw[t],
                l.charge_kw[t],
                l.discharge_kw[t],
                self.alone_import_kw[t],
                self.alone_export_kw[t],
                l.import_kw[t],
                l.export_kw[t],
                opt(l.sdr(t)),
                opt(mmr.map(|p| p.buy_per_kwh)),
                opt(mmr.map(|p| p.sell_per_kwh)),
                opt(sdr.map(|p| p.buy_per_kwh)),
                opt(sdr.map(|p| p.sell_per_kwh)),
            ));
            if let Some(c) = &self.cloud {
                let p = self.internal_prices(c, RuleId::Sdr, t);
                out.push_str(&format!(
                    ",{},{},{},{},{},{},{},{}",
                    c.load_kw[t],
                    c.charge_kw[t],
                    c.discharge_kw[t],
                    c.import_kw[t],
                    c.export_kw[t],
                    opt(c.sdr(t)),
                    opt(p.map(|p| p.buy_per_kwh)),
                    opt(p.map(|p| p.sell_per_kwh)),
                ));
            }
            out.push('\n');
        }
        out
    }
}

/// Battery throughput (charge + discharge, kWh) per month of the axis, for "ESS use with and
/// without sharing".
pub fn monthly_throughput_kwh(flows: &FlowSeries, axis: &TimeAxis) -> Vec<f64> {
    let hours = axis.step_hours();
    let first = axis.month_of(0);
    let mut out: Vec<f64> = Vec::new();
    for t in 0..flows.len() {
        let m = axis.month_of(t) - first;
        if out.len() <= m {
            out.resize(m + 1, 0.0);
        }
        out[m] += f64::from(flows.charge_kw[t] + flows.discharge_kw[t]) * hours;
    }
    out
}
