//! The homes' own behaviour: each battery follows its home's own rule while the grid is up —
//! the local self-consumption rule, or (the price-aware baseline) a home EMS: the coordinator's
//! exact optimiser on the home's own meter. In an outage each home islands alone on its own PV
//! and battery, or — where the community can island — the participants island together.

use crate::battery::LocalBattery;
use crate::community::{Battery, Member};
use crate::coordinator::{island, CloudSim, CloudState, CoordinatorSettings, MemberStep};
use crate::market::GridPrices;
use crate::time_axis::TimeAxis;

use super::flows::At;

/// Every home's battery under its own rule, carried across windows.
pub(super) struct HomesAlone {
    batteries: Vec<Option<LocalBattery>>,
    /// Members whose battery a home EMS runs.
    ems: Vec<bool>,
    /// Each home EMS's optimiser state between windows (boxed: most homes have none, and an
    /// inline state would cost every one of them its size).
    ems_states: Vec<Option<Box<CloudState>>>,
    island_state: Vec<Option<(Battery, f64)>>,
    /// Members who island together in an outage (empty: every home alone).
    pool: Vec<usize>,
    /// The others, each islanding alone (ascending): worked out once, not by searching the
    /// pool for every member in every outage step (quadratic at 10,000 members).
    alone: Vec<usize>,
    /// The members' flows of the last step.
    pub steps: Vec<MemberStep>,
}

/// One window's home EMSs (None for homes on the self-consumption rule; boxed, or every home of
/// a 10,000-member window would carry an optimiser's size: 15 MB per window).
pub(super) type EmsWindow<'a> = Vec<Option<Box<CloudSim<'a>>>>;

/// A home EMS's settings: the coordinator's forecast, horizon, re-planning and wear, without
/// community terms (peak penalty, faults).
pub(super) fn home_ems_settings(coordinator: &CoordinatorSettings) -> CoordinatorSettings {
    CoordinatorSettings {
        peak: crate::coordinator::PeakControl::default(),
        faults: Vec::new(),
        ..coordinator.clone()
    }
}

impl HomesAlone {
    /// Every home alone, also in outages; `ems`: batteries run by a home EMS.
    pub fn new(members: &[Member], ems: bool) -> Self {
        Self::pooled(members, Vec::new(), ems)
    }

    /// The homes' own rule while the grid is up; `pool` islands together in outages.
    pub fn pooled(members: &[Member], pool: Vec<usize>, ems: bool) -> Self {
        let mut in_pool = vec![false; members.len()];
        for &k in &pool {
            in_pool[k] = true;
        }
        Self {
            alone: (0..members.len()).filter(|&k| !in_pool[k]).collect(),
            batteries: members
                .iter()
                .map(|m| m.battery.map(LocalBattery::new))
                .collect(),
            ems: members.iter().map(|m| ems && m.battery.is_some()).collect(),
            ems_states: (0..members.len()).map(|_| None).collect(),
            island_state: vec![None; members.len()],
            pool,
            steps: vec![MemberStep::default(); members.len()],
        }
    }

    /// Each EMS home as a community of one for this window (flexible load left in place).
    pub fn solo_members(&self, members: &[Member]) -> Vec<Vec<Member>> {
        members
            .iter()
            .zip(&self.ems)
            .map(|(m, &ems)| {
                if ems {
                    vec![Member {
                        flexible_share: 0.0,
                        participates: true,
                        ..m.clone()
                    }]
                } else {
                    Vec::new()
                }
            })
            .collect()
    }

    /// Start this window's home EMSs, resumed from the last window.
    pub fn start_window<'a>(
        &mut self,
        solo: &'a [Vec<Member>],
        grid_available: &'a [bool],
        prices: &'a [GridPrices],
        axis: TimeAxis,
        settings: &'a CoordinatorSettings,
        shift: usize,
    ) -> EmsWindow<'a> {
        solo.iter()
            .zip(&mut self.ems_states)
            .map(|(one, state)| {
                if one.is_empty() {
                    return None;
                }
                let mut sim = Box::new(CloudSim::new(one, grid_available, prices, axis, settings));
                if let Some(s) = state.take() {
                    sim.resume(*s, shift);
                }
                Some(sim)
            })
            .collect()
    }

    /// Keep the home EMSs' state for the next window.
    pub fn end_window(&mut self, sims: EmsWindow<'_>) {
        for (state, sim) in self.ems_states.iter_mut().zip(sims) {
            *state = sim.map(|sim| Box::new(sim.into_state()));
        }
    }

    /// Step `at` of the window's members.
    pub fn step(&mut self, at: &At<'_>, ems: &mut EmsWindow<'_>) {
        if at.grid_up {
            self.grid_tied(at, ems);
        } else {
            self.islanded(at, ems);
        }
    }

    fn grid_tied(&mut self, at: &At<'_>, ems: &mut EmsWindow<'_>) {
        let (now, hours) = (at.now, at.hours);
        for k in 0..at.members.len() {
            if let Some(sim) = ems.get_mut(k).and_then(Option::as_mut) {
                let mut one = [MemberStep::default()];
                sim.step(at.lt, now.member(k), &mut one);
                self.steps[k] = MemberStep {
                    coordinated: false,
                    ..one[0]
                };
                continue;
            }
            let (load, pv) = (now.load_kw[k], now.pv_kw[k]);
            let flow = self.batteries[k]
                .as_mut()
                .map(|b| b.step(load, pv, hours))
                .unwrap_or_default();
            self.steps[k] = MemberStep {
                load_kw: load,
                pv_kw: pv,
                charge_kw: flow.charge_kw,
                discharge_kw: flow.discharge_kw,
                soc_kwh: flow.soc_kwh,
                net_kw: load - pv + flow.charge_kw - flow.discharge_kw,
                unserved_kw: 0.0,
                coordinated: false,
            };
        }
    }

    fn islanded(&mut self, at: &At<'_>, ems: &mut EmsWindow<'_>) {
        let (members, lt, hours, loads) = (at.members, at.lt, at.hours, at.now.load_kw);
        for (k, m) in members.iter().enumerate() {
            self.island_state[k] = match ems.get(k).and_then(Option::as_ref) {
                Some(sim) => sim.battery(0),
                None => self.batteries[k]
                    .map(|b| (m.battery.unwrap_or(Battery::typical(1.0)), b.soc_kwh())),
            };
        }
        let (state, steps) = (&mut self.island_state, &mut self.steps);
        if !self.pool.is_empty() {
            island(members, &self.pool, lt, loads, state, hours, steps);
        }
        for &k in &self.alone {
            island(members, &[k], lt, loads, state, hours, steps);
        }
        for (k, island_soc) in state.iter().enumerate() {
            let Some((battery, soc)) = island_soc else {
                continue;
            };
            if let Some(sim) = ems.get_mut(k).and_then(Option::as_mut) {
                sim.set_soc(0, *soc);
            } else if let Some(b) = self.batteries[k].as_mut() {
                *b = LocalBattery::new(Battery {
                    soc_initial_frac: *soc / battery.capacity_kwh,
                    ..*battery
                });
            }
        }
    }
}
