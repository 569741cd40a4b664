//! Per-member running totals of one behaviour that are not bills: energy not served and its
//! value (VoLL), loss-of-load hours, battery wear, and energy traded inside an island.

use crate::coordinator::MemberStep;

use super::flows::At;

/// One behaviour's per-member totals.
#[derive(Clone, Debug)]
pub(super) struct Ledger {
    /// Energy not served, kWh.
    pub unserved_kwh: Vec<f64>,
    /// Energy not served valued at the VoLL, ₹.
    pub unserved_value: Vec<f64>,
    /// Hours with some load not served.
    pub loss_of_load_hours: Vec<f64>,
    /// Battery discharge, kWh.
    pub discharge_kwh: Vec<f64>,
    /// Battery wear, ₹ (discharge × the battery's wear per kWh).
    pub wear_cost: Vec<f64>,
    /// Energy bought (+) or sold (−) inside an island at the island price, ₹.
    pub island_trade: Vec<f64>,
}

impl Ledger {
    pub fn new(members: usize) -> Self {
        let zeros = vec![0.0; members];
        Self {
            unserved_kwh: zeros.clone(),
            unserved_value: zeros.clone(),
            loss_of_load_hours: zeros.clone(),
            discharge_kwh: zeros.clone(),
            wear_cost: zeros.clone(),
            island_trade: zeros,
        }
    }

    /// Add a step of `steps`; in an island, members' exchange settles at the island price.
    pub fn add(&mut self, at: &At<'_>, steps: &[MemberStep]) {
        for (k, s) in steps.iter().enumerate() {
            let unserved = s.unserved_kw * at.hours;
            if unserved > 1e-9 {
                self.unserved_kwh[k] += unserved;
                self.unserved_value[k] += unserved * at.voll_per_kwh;
                self.loss_of_load_hours[k] += at.hours;
            }
            let discharge = s.discharge_kw * at.hours;
            self.discharge_kwh[k] += discharge;
            self.wear_cost[k] += discharge * at.wear_per_kwh[k];
            if !at.grid_up {
                self.island_trade[k] += s.net_kw * at.hours * at.island_price_per_kwh;
            }
        }
    }

    /// The behaviour's total battery wear, ₹.
    pub fn total_wear(&self) -> f64 {
        self.wear_cost.iter().sum()
    }
}
