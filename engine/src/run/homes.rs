//! The homes' own behaviour: each battery follows the local self-consumption rule while the
//! grid is up; in an outage each home islands alone on its own PV and battery, or — where the
//! community can island — the participants island together and share PV and batteries.

use crate::battery::LocalBattery;
use crate::community::{Battery, Member};
use crate::coordinator::{island, MemberStep};

/// Every home's battery under its own rule, carried across windows.
pub(super) struct HomesAlone {
    batteries: Vec<Option<LocalBattery>>,
    island_state: Vec<Option<(Battery, f64)>>,
    /// Members who island together in an outage (empty: every home alone).
    pool: Vec<usize>,
    /// The members' flows of the last step.
    pub steps: Vec<MemberStep>,
}

impl HomesAlone {
    /// Every home alone, also in outages.
    pub fn new(members: &[Member]) -> Self {
        Self::pooled(members, Vec::new())
    }

    /// The homes' own rule while the grid is up; `pool` islands together in outages.
    pub fn pooled(members: &[Member], pool: Vec<usize>) -> Self {
        Self {
            batteries: members
                .iter()
                .map(|m| m.battery.map(LocalBattery::new))
                .collect(),
            island_state: vec![None; members.len()],
            pool,
            steps: vec![MemberStep::default(); members.len()],
        }
    }

    /// Step `lt` of the window's `members`.
    pub fn step(&mut self, members: &[Member], lt: usize, hours: f64, grid_up: bool) {
        if grid_up {
            self.grid_tied(members, lt, hours);
        } else {
            self.islanded(members, lt, hours);
        }
    }

    fn grid_tied(&mut self, members: &[Member], lt: usize, hours: f64) {
        for (k, m) in members.iter().enumerate() {
            let pv = m.pv_kw.get(lt).copied().unwrap_or(0.0);
            let flow = self.batteries[k]
                .as_mut()
                .map(|b| b.step(m.load_kw[lt], pv, hours))
                .unwrap_or_default();
            self.steps[k] = MemberStep {
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
    }

    fn islanded(&mut self, members: &[Member], lt: usize, hours: f64) {
        let loads: Vec<f64> = members.iter().map(|m| m.load_kw[lt]).collect();
        for ((slot, battery), m) in self
            .island_state
            .iter_mut()
            .zip(&self.batteries)
            .zip(members)
        {
            *slot = battery.map(|b| (m.battery.unwrap_or(Battery::typical(1.0)), b.soc_kwh()));
        }
        let (state, steps) = (&mut self.island_state, &mut self.steps);
        if !self.pool.is_empty() {
            island(members, &self.pool, lt, &loads, state, hours, steps);
        }
        for k in (0..members.len()).filter(|k| !self.pool.contains(k)) {
            island(members, &[k], lt, &loads, state, hours, steps);
        }
        for (slot, island_soc) in self.batteries.iter_mut().zip(state.iter()) {
            if let (Some(b), Some((battery, soc))) = (slot.as_mut(), island_soc) {
                *b = LocalBattery::new(Battery {
                    soc_initial_frac: *soc / battery.capacity_kwh,
                    ..*battery
                });
            }
        }
    }
}
