//! A home battery run by the local self-consumption rule (the no-sharing baseline): charge from
//! the home's own surplus PV, discharge to the home's own load, never export from the battery.

use serde::{Deserialize, Serialize};

use crate::community::Battery;

/// Power flows and state of one battery in one step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BatteryStep {
    /// Charging power, kW (≥ 0).
    pub charge_kw: f64,
    /// Discharging power, kW (≥ 0).
    pub discharge_kw: f64,
    /// State of charge at the end of the step, kWh.
    pub soc_kwh: f64,
}

/// A battery following the local self-consumption rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LocalBattery {
    battery: Battery,
    soc_kwh: f64,
}

impl LocalBattery {
    /// A battery at its initial state of charge.
    pub fn new(battery: Battery) -> Self {
        Self {
            battery,
            soc_kwh: battery.soc_initial_frac * battery.capacity_kwh,
        }
    }

    /// Current state of charge, kWh.
    pub fn soc_kwh(&self) -> f64 {
        self.soc_kwh
    }

    /// One step of `step_hours` with the home's load and PV (kW).
    pub fn step(&mut self, load_kw: f64, pv_kw: f64, step_hours: f64) -> BatteryStep {
        let b = &self.battery;
        let (soc_min, soc_max) = (
            b.soc_min_frac * b.capacity_kwh,
            b.soc_max_frac * b.capacity_kwh,
        );
        let mut out = BatteryStep::default();
        if pv_kw > load_kw {
            let room_kw = (soc_max - self.soc_kwh).max(0.0) / (b.charge_efficiency * step_hours);
            out.charge_kw = (pv_kw - load_kw).min(b.power_kw).min(room_kw);
            self.soc_kwh += out.charge_kw * b.charge_efficiency * step_hours;
        } else if load_kw > pv_kw {
            let stored_kw = (self.soc_kwh - soc_min).max(0.0) * b.discharge_efficiency / step_hours;
            out.discharge_kw = (load_kw - pv_kw).min(b.power_kw).min(stored_kw);
            self.soc_kwh -= out.discharge_kw / b.discharge_efficiency * step_hours;
        }
        debug_assert!(
            self.soc_kwh <= soc_max + 1e-9 * b.capacity_kwh.max(1.0),
            "SOC {} above its limit {soc_max}",
            self.soc_kwh
        );
        out.soc_kwh = self.soc_kwh;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_from_surplus_and_discharges_to_load_within_limits() {
        let mut b = LocalBattery::new(Battery::typical(2.0));
        let start = b.soc_kwh();
        let s = b.step(0.2, 3.0, 1.0);
        assert!((s.charge_kw - 1.0).abs() < 1e-12, "power limit C/2");
        assert!((s.soc_kwh - (start + 0.95)).abs() < 1e-12);
        for _ in 0..10 {
            let s = b.step(0.0, 5.0, 1.0);
            assert!(s.soc_kwh <= 2.0 + 1e-12);
        }
        let s = b.step(0.5, 0.0, 1.0);
        assert!(
            (s.discharge_kw - 0.5).abs() < 1e-12,
            "serves only the home's own deficit"
        );
        for _ in 0..10 {
            let s = b.step(3.0, 0.0, 1.0);
            assert!(s.soc_kwh >= 0.2 - 1e-12, "never below soc_min");
        }
    }
}
