//! The cloud-P2P community in operation: a rolling-horizon coordinator steering the members'
//! batteries and flexible load, agents falling back to local rules when they or the coordinator
//! fail, and islanded operation during grid outages.

use serde::{Deserialize, Serialize};

use super::cap_search::{search_cap_in, CAP_SEARCH_ITERATIONS};
use super::forecast::{forecast_into, ProfileCache, Quantity};
use super::optimiser::{self, FlexGroup, Plan, SolveStatus, Window};
use super::pmas::{correct_step, exact_penalty_per_kwh, node_shares_kw, StepLevers};
use super::{aggregate, battery_groups, connection_kw, CoordinatorSettings, Fault, Forecast};
use crate::battery::LocalBattery;
use crate::community::{Battery, Member};
use crate::market::GridPrices;
use crate::time_axis::TimeAxis;

/// One member's flows in one step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MemberStep {
    /// Load served or asked for after flexible-load shifting, kW.
    pub load_kw: f64,
    /// PV output used or offered, kW (after curtailment in islanded surplus).
    pub pv_kw: f64,
    /// Battery charging, kW.
    pub charge_kw: f64,
    /// Battery discharging, kW.
    pub discharge_kw: f64,
    /// Battery state of charge at the end of the step, kWh.
    pub soc_kwh: f64,
    /// Net power at the meter, kW (positive = import).
    pub net_kw: f64,
    /// Load not served (grid outage), kW.
    pub unserved_kw: f64,
    /// Whether the member was coordinated (not failed, coordinator reachable, participating).
    pub coordinated: bool,
}

/// Solver statistics of a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SolverStats {
    /// Window optimisations run.
    pub solves: usize,
    /// Solves that ended optimal.
    pub optimal: usize,
    /// Solves whose end-of-window SOC target was relaxed.
    pub terminal_relaxed: usize,
    /// Solves whose flexible energy exceeded the caps.
    pub flex_over_cap: usize,
    /// Steps run on local rules because no plan was available (coordinator outage).
    pub fallback_steps: usize,
    /// Steps the agents corrected in real time to hold the peak level (p-MAS).
    #[serde(default)]
    pub corrected_steps: usize,
    /// Planned charging the members' connections could not take, kWh (the plan respects the
    /// forecast margins; this is what the forecast got wrong).
    #[serde(default)]
    pub dropped_charge_kwh: f64,
    /// Extra window solves of the demand-charge cap search.
    #[serde(default)]
    pub cap_search_solves: usize,
}

struct ActivePlan {
    start: usize,
    plan: Plan,
    /// Member indices of each storage group.
    groups: Vec<Vec<usize>>,
    /// Day index of each flex group of the plan.
    plan_days: Vec<usize>,
}

/// Islanded operation of a set of members in one step (no grid): PV and batteries serve load,
/// shared among the set. Returns the members' flows; unserved energy where supply falls short.
pub(crate) fn island(
    members: &[Member],
    who: &[usize],
    t: usize,
    loads: &[f64],
    batteries: &mut [Option<(Battery, f64)>],
    hours: f64,
    out: &mut [MemberStep],
) {
    // Anti-islanding: a plain grid-tied inverter stops when the grid does.
    let pv = |k: usize| {
        if members[k].pv_islands() {
            members[k].pv_kw.get(t).copied().unwrap_or(0.0)
        } else {
            0.0
        }
    };
    let demand: f64 = who.iter().map(|&k| loads[k]).sum();
    let supply: f64 = who.iter().map(|&k| pv(k)).sum();
    for &k in who {
        out[k] = MemberStep {
            load_kw: loads[k],
            pv_kw: pv(k),
            soc_kwh: batteries[k].map_or(0.0, |b| b.1),
            ..MemberStep::default()
        };
    }
    if supply >= demand {
        // Charge batteries from the surplus, the rest is curtailed.
        let mut surplus = supply - demand;
        for &k in who {
            if let Some((b, soc)) = &mut batteries[k] {
                let room = (b.soc_max_frac * b.capacity_kwh - *soc).max(0.0)
                    / (b.charge_efficiency * hours);
                let c = surplus.min(b.power_kw).min(room);
                *soc += c * b.charge_efficiency * hours;
                surplus -= c;
                out[k].charge_kw = c;
                out[k].soc_kwh = *soc;
            }
        }
        let curtail = surplus;
        if supply > 0.0 {
            for &k in who {
                out[k].pv_kw -= curtail * pv(k) / supply;
            }
        }
    } else {
        let mut deficit = demand - supply;
        for &k in who {
            if let Some((b, soc)) = &mut batteries[k] {
                let available = (*soc - b.soc_min_frac * b.capacity_kwh).max(0.0)
                    * b.discharge_efficiency
                    / hours;
                let d = deficit.min(b.power_kw).min(available);
                *soc -= d / b.discharge_efficiency * hours;
                deficit -= d;
                out[k].discharge_kw = d;
                out[k].soc_kwh = *soc;
            }
        }
        let own_deficit: f64 = who.iter().map(|&k| (loads[k] - pv(k)).max(0.0)).sum();
        for &k in who {
            let share = if own_deficit > 0.0 {
                (loads[k] - pv(k)).max(0.0) / own_deficit
            } else {
                0.0
            };
            out[k].unserved_kw = deficit * share;
        }
    }
    // Net is now the exchange with the other islanded members (it sums to zero: no grid).
    for &k in who {
        let o = &mut out[k];
        o.net_kw = o.load_kw - o.unserved_kw - o.pv_kw + o.charge_kw - o.discharge_kw;
    }
}

/// What a [`CloudSim`] carries from one window of a run to the next: batteries, today's
/// flexible energy and plan, the active plan and the statistics.
pub(crate) struct CloudState {
    batteries: Vec<Option<(Battery, f64)>>,
    flex_left: Vec<f64>,
    active: Option<ActivePlan>,
    day_flex_plan: Vec<f64>,
    last_coordinated: Vec<bool>,
    stats: SolverStats,
    homes_peak_kw: f64,
    month_peak_kw: f64,
    cap_kw: Option<f64>,
    last_cap_kw: Option<f64>,
}

impl CloudState {
    /// The solver statistics so far.
    pub fn stats(&self) -> &SolverStats {
        &self.stats
    }
}

/// The cloud-P2P community, one step at a time.
pub(crate) struct CloudSim<'a> {
    members: &'a [Member],
    grid_available: &'a [bool],
    prices: &'a [GridPrices],
    axis: TimeAxis,
    settings: &'a CoordinatorSettings,
    /// Battery and its state of charge, per member.
    batteries: Vec<Option<(Battery, f64)>>,
    /// Flexible energy each member still has to use today, kWh.
    flex_left: Vec<f64>,
    active: Option<ActivePlan>,
    /// Today's planned flexible load of the coordinated members by absolute step (NaN = none).
    day_flex_plan: Vec<f64>,
    last_coordinated: Vec<bool>,
    pub stats: SolverStats,
    /// Each member's load and PV profile of the last week, for today's plans.
    profiles: Vec<(ProfileCache, ProfileCache)>,
    /// Each member's connection capacity (sanctioned load), kW.
    connections_kw: Vec<f64>,
    /// Each member's share of the transformer, kW.
    shares_kw: Vec<f64>,
    /// The highest community import the homes reached alone so far, kW (do no harm).
    homes_peak_kw: f64,
    /// The coordinated members' highest import this month, kW (demand charge).
    month_peak_kw: f64,
    /// Today's import cap from the demand-charge search, kW.
    cap_kw: Option<f64>,
    /// The last cap the search chose (its warm start), kW.
    last_cap_kw: Option<f64>,
}

impl<'a> CloudSim<'a> {
    pub fn new(
        members: &'a [Member],
        grid_available: &'a [bool],
        prices: &'a [GridPrices],
        axis: TimeAxis,
        settings: &'a CoordinatorSettings,
    ) -> Self {
        Self {
            members,
            grid_available,
            prices,
            axis,
            settings,
            batteries: members
                .iter()
                .map(|m| m.battery.map(|b| (b, b.soc_initial_frac * b.capacity_kwh)))
                .collect(),
            flex_left: vec![0.0; members.len()],
            active: None,
            day_flex_plan: Vec::new(),
            last_coordinated: vec![false; members.len()],
            stats: SolverStats::default(),
            profiles: vec![(None, None); members.len()],
            connections_kw: members.iter().map(connection_kw).collect(),
            shares_kw: node_shares_kw(
                settings.peak.rating_kw,
                &members.iter().map(connection_kw).collect::<Vec<_>>(),
            ),
            homes_peak_kw: 0.0,
            month_peak_kw: 0.0,
            cap_kw: None,
            last_cap_kw: None,
        }
    }

    /// The homes alone imported `kw` through the transformer this step (the do-no-harm level
    /// is the highest such import so far).
    pub fn observe_homes_import(&mut self, kw: f64) {
        self.homes_peak_kw = self.homes_peak_kw.max(kw);
    }

    /// How far the community's import (load − PV, no batteries) on the worst day of the last
    /// week rose above the forecast's weekly mean at the same time of day, at most over steps
    /// `t..end`, kW: the plan keeps this much below the peak level so that a day like the
    /// worst of last week still fits (0 with perfect foresight).
    fn forecast_spread_kw(&self, t: usize, end: usize, who: &[usize]) -> f64 {
        if self.settings.forecast == Forecast::PerfectForesight {
            return 0.0;
        }
        let spd = self.axis.steps_per_day.max(1) as usize;
        let mut spread = 0.0_f64;
        let mut days = Vec::with_capacity(super::HISTORY_DAYS);
        for tau in t..end {
            days.clear();
            for d in 1..=super::HISTORY_DAYS {
                let Some(s) = tau.checked_sub(d * spd).filter(|s| *s < t) else {
                    break;
                };
                let net: f64 = who
                    .iter()
                    .map(|&k| {
                        let m = &self.members[k];
                        m.load_kw.get(s).copied().unwrap_or(0.0)
                            - m.pv_kw.get(s).copied().unwrap_or(0.0)
                    })
                    .sum();
                days.push(net);
            }
            if days.len() > 1 {
                let mean = days.iter().sum::<f64>() / days.len() as f64;
                let worst = days.iter().copied().fold(f64::MIN, f64::max);
                spread = spread.max(worst - mean);
            }
        }
        spread
    }

    /// The import level the plan and the agents hold to now, kW.
    fn import_level_kw(&self) -> f64 {
        let level = self.settings.peak.import_level_kw(self.homes_peak_kw);
        match self.cap_kw {
            Some(cap) => level.min(cap),
            None => level,
        }
    }

    /// End of a window: the state the next window continues from.
    #[must_use]
    pub fn into_state(self) -> CloudState {
        CloudState {
            batteries: self.batteries,
            flex_left: self.flex_left,
            active: self.active,
            day_flex_plan: self.day_flex_plan,
            last_coordinated: self.last_coordinated,
            stats: self.stats,
            homes_peak_kw: self.homes_peak_kw,
            month_peak_kw: self.month_peak_kw,
            cap_kw: self.cap_kw,
            last_cap_kw: self.last_cap_kw,
        }
    }

    /// Continue from `state` in a window that starts `shift` steps (whole days) after the
    /// previous window's start, so step indices of the state move back by `shift`.
    pub fn resume(&mut self, state: CloudState, shift: usize) {
        let spd = self.axis.steps_per_day.max(1) as usize;
        self.batteries = state.batteries;
        self.flex_left = state.flex_left;
        self.last_coordinated = state.last_coordinated;
        self.stats = state.stats;
        self.homes_peak_kw = state.homes_peak_kw;
        self.month_peak_kw = state.month_peak_kw;
        self.cap_kw = state.cap_kw;
        self.last_cap_kw = state.last_cap_kw;
        self.day_flex_plan = state
            .day_flex_plan
            .get(shift..)
            .unwrap_or_default()
            .to_vec();
        self.active = state.active.and_then(|mut a| {
            a.start = a.start.checked_sub(shift)?;
            for d in &mut a.plan_days {
                *d = d.checked_sub(shift / spd)?;
            }
            Some(a)
        });
    }

    /// Member `k`'s battery and state of charge, kWh.
    pub fn battery(&self, k: usize) -> Option<(Battery, f64)> {
        self.batteries.get(k).copied().flatten()
    }

    /// Set member `k`'s state of charge (an island outside this simulation moved it).
    pub fn set_soc(&mut self, k: usize, soc_kwh: f64) {
        if let Some(Some((_, soc))) = self.batteries.get_mut(k) {
            *soc = soc_kwh;
        }
    }

    fn failed(&self, k: usize, t: usize) -> bool {
        self.settings.faults.iter().any(|f| matches!(f, Fault::MemberFailure { member, from_step, to_step } if *member == self.members[k].id && (*from_step..*to_step).contains(&t)))
    }

    fn coordinator_down(&self, t: usize) -> bool {
        self.settings.faults.iter().any(|f| matches!(f, Fault::CoordinatorOutage { from_step, to_step } if (*from_step..*to_step).contains(&t)))
    }

    fn day_flex(&self, k: usize, day: usize) -> f64 {
        let spd = self.axis.steps_per_day as usize;
        let m = &self.members[k];
        let end = ((day + 1) * spd).min(m.load_kw.len());
        m.flexible_share
            * m.load_kw[(day * spd).min(end)..end].iter().sum::<f64>()
            * self.axis.step_hours()
    }

    /// Plan from step `t`. `joint`: batteries and flexible load together (day-ahead, at
    /// midnight or when the set of coordinated members changes); otherwise batteries only,
    /// around the flexible-load plan already made for today.
    fn solve(&mut self, t: usize, who: &[usize], joint: bool) {
        let s = self.settings;
        let spd = self.axis.steps_per_day as usize;
        let h = self.axis.step_hours();
        let end = (t + s.horizon_steps.max(1)).min(self.axis.steps);
        let n = end - t;
        let mut base = vec![0.0; n];
        let mut flex_original = vec![0.0; n];
        let (mut load, mut pv) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let mut charge_room: Vec<Vec<f64>> = Vec::with_capacity(who.len());
        for &k in who {
            let m = &self.members[k];
            let f = s.forecast;
            let (load_cache, pv_cache) = &mut self.profiles[k];
            forecast_into(
                f,
                Quantity::Load,
                &m.load_kw,
                t,
                end,
                spd,
                load_cache,
                &mut load,
            );
            forecast_into(f, Quantity::Pv, &m.pv_kw, t, end, spd, pv_cache, &mut pv);
            let battery_kwh = self.batteries[k].map_or(0.0, |(b, _)| b.power_kw * h);
            let mut room = Vec::with_capacity(if battery_kwh > 0.0 { n } else { 0 });
            for i in 0..n {
                let own = (1.0 - m.flexible_share) * load[i] - pv[i];
                base[i] += own * h;
                flex_original[i] += m.flexible_share * load[i] * h;
                if battery_kwh > 0.0 {
                    // The connection's margin the battery may charge through (forecast).
                    room.push(((self.connections_kw[k] - own) * h).clamp(0.0, battery_kwh));
                }
            }
            charge_room.push(room);
        }
        // Today's remaining flexible energy, then later days' (forecast) energy, pro rata to
        // how much of each day the window covers.
        let mut groups = Vec::new();
        let mut caps = vec![0.0; n];
        let mut start = 0;
        while start < n {
            let day = (t + start) / spd;
            let stop = (((day + 1) * spd).min(end)) - t;
            let energy = if day == t / spd {
                who.iter().map(|&k| self.flex_left[k]).sum::<f64>()
            } else {
                let day_total: f64 = who
                    .iter()
                    .map(|&k| match s.forecast {
                        Forecast::PerfectForesight => self.day_flex(k, day),
                        Forecast::SeasonalPersistence | Forecast::RecentHistory => {
                            self.day_flex(k, day.saturating_sub(1).max(t / spd))
                        }
                    })
                    .sum();
                day_total * (stop - start) as f64 / spd as f64
            };
            let day_energy: f64 = who
                .iter()
                .map(|&k| self.day_flex(k, day))
                .sum::<f64>()
                .max(energy);
            for c in &mut caps[start..stop] {
                *c = s.flex_power_multiple * day_energy / spd as f64;
            }
            if energy > 1e-12 {
                groups.push(FlexGroup {
                    start,
                    end: stop,
                    energy_kwh: energy,
                });
            }
            start = stop;
        }
        // The previous window's shadow prices, by day, as the starting guess.
        let hint: Option<Vec<f64>> = self.active.as_ref().and_then(|a| {
            groups
                .iter()
                .map(|g| {
                    let day = (t + g.start) / spd;
                    a.plan_days
                        .iter()
                        .position(|d| *d == day)
                        .and_then(|i| a.plan.mu.get(i).copied())
                })
                .collect()
        });
        let plan_days: Vec<usize> = groups.iter().map(|g| (t + g.start) / spd).collect();
        if !joint {
            for (i, tau) in (t..end).enumerate() {
                base[i] += match self.day_flex_plan.get(tau) {
                    Some(f) if tau / spd == t / spd => *f,
                    _ => flex_original[i],
                };
            }
            groups.clear();
        }
        let with_battery: Vec<(usize, Battery)> = who
            .iter()
            .filter_map(|&k| self.batteries[k].map(|(b, _)| (k, b)))
            .collect();
        let member_groups: Vec<Vec<usize>> = battery_groups(&with_battery)
            .into_iter()
            .map(|g| g.into_iter().map(|i| with_battery[i].0).collect())
            .collect();
        let storage: Vec<_> = member_groups
            .iter()
            .flat_map(|g| {
                let bats: Vec<Battery> = g
                    .iter()
                    .filter_map(|&k| self.batteries[k].map(|b| b.0))
                    .collect();
                let socs: Vec<f64> = g
                    .iter()
                    .filter_map(|&k| self.batteries[k].map(|b| b.1))
                    .collect();
                aggregate(&bats, &socs, h)
            })
            .collect();
        // Each group's most charging per step: its members' forecast connection margins.
        let room_of = |k: usize| who.iter().position(|&j| j == k).map(|i| &charge_room[i]);
        let charge_caps: Vec<Vec<f64>> = member_groups
            .iter()
            .map(|g| {
                (0..n)
                    .map(|i| g.iter().filter_map(|&k| room_of(k)).map(|r| r[i]).sum())
                    .collect()
            })
            .collect();
        let max_buy = self.prices[t..end]
            .iter()
            .map(|p| p.buy_per_kwh)
            .fold(0.0, f64::max);
        let charge = s.peak.demand_charge_per_kw;
        // Exact also against a demand charge: a kWh over the cap costs more than it saves.
        let penalty = exact_penalty_per_kwh(max_buy, s.wear_per_kwh) + 2.0 * charge / h;
        let spread = self.forecast_spread_kw(t, end, who);
        let prices = &self.prices[t..end];
        let plan_for = |level_kw: f64| {
            let planned = (level_kw - spread).max(0.5 * level_kw);
            let shaping = s.peak.shaping(planned, h, penalty);
            optimiser::solve(&Window {
                base_kwh: &base,
                flex_original_kwh: &flex_original,
                flex_cap_kwh: &caps,
                flex_groups: &groups,
                prices,
                shaping: &shaping,
                charge_cap_kwh: Some(&charge_caps),
                wear_per_kwh: s.wear_per_kwh,
                storage: &storage,
                mu_hint: hint.as_deref(),
                thorough: true,
            })
        };
        if joint && charge > 0.0 {
            // The day's import cap: the lowest total of window cost and the month's demand
            // charge on what the cap adds to this month's peak so far.
            let level = s.peak.import_level_kw(self.homes_peak_kw);
            let peak_of = |plan: &Plan| -> f64 {
                (0..n)
                    .map(|i| {
                        base[i]
                            + plan.flex_kwh.get(i).copied().unwrap_or(0.0)
                            + plan
                                .charge_kwh
                                .iter()
                                .zip(&plan.discharge_kwh)
                                .map(|(c, d)| c[i] - d[i])
                                .sum::<f64>()
                    })
                    .fold(0.0, f64::max)
                    / h
            };
            let hi = peak_of(&plan_for(level)).min(level);
            let month = self.month_peak_kw;
            let lo = month.min(hi);
            // Warm start: yesterday's cap ± 30%, in fewer iterations (the whole range on a
            // month's first day).
            let (lo, hi, iterations) = match self.last_cap_kw {
                Some(last) if last > lo && self.cap_kw.is_some() => (
                    lo.max(0.7 * last),
                    hi.min(1.3 * last).max(lo.max(0.7 * last)),
                    CAP_SEARCH_ITERATIONS / 2,
                ),
                _ => (lo, hi, CAP_SEARCH_ITERATIONS),
            };
            let search = search_cap_in(
                |cap| plan_for(cap).cost + charge * (cap - month).max(0.0),
                lo,
                hi,
                iterations,
            );
            self.cap_kw = Some(search.cap_kw);
            self.last_cap_kw = Some(search.cap_kw);
            self.stats.cap_search_solves += search.evaluations + 1;
        }
        let plan = plan_for(self.import_level_kw());
        self.stats.solves += 1;
        match plan.status {
            SolveStatus::Optimal => self.stats.optimal += 1,
            SolveStatus::TerminalRelaxed => self.stats.terminal_relaxed += 1,
            SolveStatus::FlexOverCap => self.stats.flex_over_cap += 1,
        }
        if joint {
            // Today's flexible-load plan; later days are planned at their own midnight.
            let today_end = ((t / spd + 1) * spd).min(end);
            self.day_flex_plan.clear();
            self.day_flex_plan.resize(today_end, f64::NAN);
            for (i, tau) in (t..today_end).enumerate() {
                self.day_flex_plan[tau] = plan.flex_kwh[i];
            }
        }
        self.active = Some(ActivePlan {
            start: t,
            plan,
            groups: member_groups,
            plan_days,
        });
    }

    /// Run step `t`, writing every member's flows into `out`.
    pub fn step(&mut self, t: usize, out: &mut [MemberStep]) {
        let spd = self.axis.steps_per_day as usize;
        let h = self.axis.step_hours();
        let day = t / spd;
        if t.is_multiple_of(spd) {
            for k in 0..self.members.len() {
                self.flex_left[k] = self.day_flex(k, day);
            }
            if t > 0 && self.axis.calendar_month_of(t) != self.axis.calendar_month_of(t - 1) {
                // A new billing month: its demand charge starts from nothing.
                self.month_peak_kw = 0.0;
                self.cap_kw = None;
            }
        }
        let down = self.coordinator_down(t);
        let coordinated: Vec<bool> = (0..self.members.len())
            .map(|k| self.members[k].participates && !self.failed(k, t))
            .collect();
        let who: Vec<usize> = (0..self.members.len())
            .filter(|&k| coordinated[k])
            .collect();
        if !down {
            let due = match &self.active {
                None => true,
                Some(a) => {
                    t - a.start >= self.settings.resolve_every_steps.max(1)
                        || t - a.start >= a.plan.flex_kwh.len()
                }
            };
            let joint = t.is_multiple_of(spd)
                || coordinated != self.last_coordinated
                || !self.day_flex_plan.get(t).is_some_and(|f| f.is_finite());
            if joint || due {
                self.solve(t, &who, joint);
            }
        }
        self.last_coordinated = coordinated.clone();
        let plan_index = self
            .active
            .as_ref()
            .and_then(|a| (t - a.start < a.plan.flex_kwh.len()).then_some(t - a.start));
        if plan_index.is_none() && !who.is_empty() {
            self.stats.fallback_steps += 1;
        }
        // Loads after flexible-load shifting.
        let mut loads = vec![0.0; self.members.len()];
        let mut deferrable = vec![0.0; self.members.len()];
        let coordinated_flex: f64 = who.iter().map(|&k| self.flex_left[k]).sum();
        let planned_flex = match (plan_index, self.day_flex_plan.get(t)) {
            (Some(_), Some(f)) if f.is_finite() => *f,
            _ => 0.0,
        };
        // Steps left today after this one: what cannot wait must run now (no leftover is
        // dumped into the day's last step beyond the member's flexible power).
        let later_steps = (spd - 1 - t % spd).min(self.axis.steps.saturating_sub(t + 1));
        for k in 0..self.members.len() {
            let m = &self.members[k];
            let original_flex = m.flexible_share * m.load_kw[t] * h;
            let cap = self.settings.flex_power_multiple * self.day_flex(k, day) / spd as f64;
            let must = (self.flex_left[k] - later_steps as f64 * cap).max(0.0);
            let wanted = if coordinated[k] && plan_index.is_some() {
                if coordinated_flex > 0.0 {
                    // A node's agent defers flexible load its connection cannot take now.
                    let pv = m.pv_kw.get(t).copied().unwrap_or(0.0);
                    let headroom = (self.connections_kw[k]
                        - ((1.0 - m.flexible_share) * m.load_kw[t] - pv))
                        .max(0.0)
                        * h;
                    (planned_flex * self.flex_left[k] / coordinated_flex)
                        .min(headroom.max(original_flex))
                } else {
                    0.0
                }
            } else {
                original_flex
            };
            let use_kwh = wanted.max(must).min(self.flex_left[k]);
            if coordinated[k] && plan_index.is_some() {
                deferrable[k] = (use_kwh - must).max(0.0);
            }
            self.flex_left[k] -= use_kwh;
            loads[k] = (1.0 - m.flexible_share) * m.load_kw[t] + use_kwh / h;
        }
        if !self.grid_available.get(t).copied().unwrap_or(true) {
            // Islanded: the coordinated members share PV and batteries; the others are alone.
            let together = self.settings.island_together;
            if together {
                island(self.members, &who, t, &loads, &mut self.batteries, h, out);
            }
            for k in (0..self.members.len()).filter(|&k| !together || !coordinated[k]) {
                island(self.members, &[k], t, &loads, &mut self.batteries, h, out);
            }
            for (k, o) in out.iter_mut().enumerate() {
                o.coordinated = coordinated[k];
            }
            return;
        }
        for k in 0..self.members.len() {
            let pv = self.members[k].pv_kw.get(t).copied().unwrap_or(0.0);
            out[k] = MemberStep {
                load_kw: loads[k],
                pv_kw: pv,
                coordinated: coordinated[k] && plan_index.is_some(),
                ..MemberStep::default()
            };
        }
        let done = self.dispatch_plan(plan_index, &coordinated, h, out);
        for k in 0..self.members.len() {
            if !done[k] {
                if let Some((b, soc)) = self.batteries[k] {
                    let mut local = LocalBattery::new(Battery {
                        soc_initial_frac: soc / b.capacity_kwh,
                        ..b
                    });
                    let flow = local.step(loads[k], out[k].pv_kw, h);
                    self.batteries[k] = Some((b, flow.soc_kwh));
                    out[k].charge_kw = flow.charge_kw;
                    out[k].discharge_kw = flow.discharge_kw;
                }
            }
            out[k].soc_kwh = self.batteries[k].map_or(0.0, |b| b.1);
            out[k].net_kw = out[k].load_kw - out[k].pv_kw + out[k].charge_kw - out[k].discharge_kw;
        }
        self.correct(t, plan_index.is_some(), &who, &mut deferrable, h, out);
        let import: f64 = who.iter().map(|&k| out[k].net_kw).sum();
        self.month_peak_kw = self.month_peak_kw.max(import);
    }

    /// Real-time p-MAS: the coordinated agents hold the step's import to the peak level and
    /// the reverse flow to the rating, whatever the forecast got wrong.
    fn correct(
        &mut self,
        t: usize,
        planned: bool,
        who: &[usize],
        deferrable: &mut [f64],
        h: f64,
        out: &mut [MemberStep],
    ) {
        let rating = self.settings.peak.rating_kw;
        let level = self.import_level_kw();
        if !planned || who.is_empty() || !(level.is_finite() || rating.is_finite()) {
            return;
        }
        let mut deferred = vec![0.0; self.members.len()];
        // Staggered restoration: within three hours of an outage's end the batteries have
        // served the island and may be empty; load over the level reconnects a step later.
        let recovery = (3.0 / h).ceil() as usize;
        let restoring = (t.saturating_sub(recovery)..t)
            .any(|s| !self.grid_available.get(s).copied().unwrap_or(true));
        let changed = correct_step(
            who,
            &self.shares_kw,
            level,
            rating,
            h,
            &mut self.batteries,
            &self.connections_kw,
            StepLevers {
                deferrable_kwh: deferrable,
                deferred_kwh: &mut deferred,
                restoring,
            },
            out,
        );
        if changed {
            self.stats.corrected_steps += 1;
            for (left, d) in self.flex_left.iter_mut().zip(&deferred) {
                *left += d;
            }
        }
    }

    /// Coordinated batteries follow the active plan, split within each group by headroom.
    /// Returns which members' batteries were dispatched.
    fn dispatch_plan(
        &mut self,
        plan_index: Option<usize>,
        coordinated: &[bool],
        h: f64,
        out: &mut [MemberStep],
    ) -> Vec<bool> {
        let mut done = vec![false; self.members.len()];
        let (Some(i), Some(active)) = (plan_index, &self.active) else {
            return done;
        };
        let orders: Vec<(Vec<usize>, f64, f64)> = active
            .groups
            .iter()
            .enumerate()
            .map(|(g, group)| {
                let group: Vec<usize> = group.iter().copied().filter(|&k| coordinated[k]).collect();
                let charge = active.plan.charge_kwh.get(g).map_or(0.0, |c| c[i]) / h;
                let discharge = active.plan.discharge_kwh.get(g).map_or(0.0, |d| d[i]) / h;
                (group, charge, discharge)
            })
            .collect();
        for (group, charge, discharge) in orders {
            let short_kw = self.dispatch_group(&group, charge, discharge, h, out);
            if charge > 0.0 {
                self.stats.dropped_charge_kwh += short_kw * h;
            }
            for k in group {
                done[k] = true;
            }
        }
        done
    }

    /// Split a group's planned charge or discharge (kW) among its members by headroom.
    fn dispatch_group(
        &mut self,
        group: &[usize],
        charge_kw: f64,
        discharge_kw: f64,
        h: f64,
        out: &mut [MemberStep],
    ) -> f64 {
        let mut want = if charge_kw > 0.0 {
            charge_kw
        } else {
            discharge_kw
        };
        let charging = charge_kw > 0.0;
        // How far each node's own import is below its connection (charging may use it), and how
        // far it is above the overloaded share of its transformer share (p-MAS: such nodes'
        // batteries discharge first).
        let margin: Vec<f64> = (0..self.members.len())
            .map(|k| self.connections_kw[k] - (out[k].load_kw - out[k].pv_kw))
            .collect();
        let overload_kw = self.settings.peak.class_thresholds[2];
        let over: Vec<f64> = (0..self.members.len())
            .map(|k| (out[k].load_kw - out[k].pv_kw) - overload_kw * self.shares_kw[k])
            .collect();
        // Each member's most power this step; charging never exceeds its connection.
        let limit = |k: usize, b: &Battery, soc: f64| {
            if charging {
                b.power_kw
                    .min(
                        (b.soc_max_frac * b.capacity_kwh - soc).max(0.0)
                            / (b.charge_efficiency * h),
                    )
                    .min(margin[k].max(0.0))
            } else {
                b.power_kw.min(
                    (soc - b.soc_min_frac * b.capacity_kwh).max(0.0) * b.discharge_efficiency / h,
                )
            }
        };
        let mut given = vec![0.0; self.members.len()];
        if !charging {
            // Overloaded nodes' own batteries go first, up to their excess.
            for &k in group {
                if let Some((b, soc)) = self.batteries[k] {
                    if over[k] > 0.0 && want > 0.0 {
                        let take = over[k].min(limit(k, &b, soc)).min(want);
                        given[k] = take;
                        want -= take;
                    }
                }
            }
        }
        let mut open: Vec<usize> = group.to_vec();
        for _ in 0..group.len().max(1) {
            if want <= 1e-12 || open.is_empty() {
                break;
            }
            let weight: f64 = open
                .iter()
                .filter_map(|&k| self.batteries[k].map(|(b, soc)| limit(k, &b, soc) - given[k]))
                .sum();
            if weight <= 1e-12 {
                break;
            }
            let mut next = Vec::new();
            let mut used = 0.0;
            for &k in &open {
                if let Some((b, soc)) = self.batteries[k] {
                    let room = limit(k, &b, soc) - given[k];
                    let share = (want * room / weight).min(room);
                    given[k] += share;
                    used += share;
                    if room - share > 1e-12 {
                        next.push(k);
                    }
                }
            }
            want -= used;
            open = next;
        }
        for &k in group {
            if let Some((b, soc)) = &mut self.batteries[k] {
                if charging {
                    out[k].charge_kw = given[k];
                    *soc += given[k] * b.charge_efficiency * h;
                } else {
                    out[k].discharge_kw = given[k];
                    *soc -= given[k] / b.discharge_efficiency * h;
                }
                // The limits above keep the SOC in range; no silent clamp hides a flow that
                // does not add up (SOC continuity is tested for every member and step).
                debug_assert!(
                    *soc >= b.soc_min_frac * b.capacity_kwh - 1e-9 * b.capacity_kwh.max(1.0)
                        && *soc <= b.soc_max_frac * b.capacity_kwh + 1e-9 * b.capacity_kwh.max(1.0),
                    "member {k}: SOC {soc} outside its limits"
                );
            }
        }
        want.max(0.0)
    }
}
