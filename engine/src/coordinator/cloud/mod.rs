//! The cloud-P2P community in operation: a rolling-horizon coordinator steering the members'
//! batteries and flexible load, agents falling back to local rules when they or the coordinator
//! fail, and islanded operation during grid outages.

mod dispatch;
mod plan;
mod pooled;

use serde::{Deserialize, Serialize};

use super::forecast::ProfileCache;
use super::island::island;
use super::optimiser::{DpScratch, Plan};
use super::pmas::node_shares_kw;
use super::{connection_kw, CoordinatorSettings, Fault};
use crate::battery::LocalBattery;
use crate::community::{Battery, Member, StepColumns};
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
    /// The members `history_net_kw` sums.
    history_who: Vec<usize>,
    /// Their net (load − PV) at every step of the window, kW (the forecast-error margin).
    history_net_kw: Vec<f64>,
    /// The window's day `today_flex_kwh` is for.
    today: Option<usize>,
    /// Each member's flexible energy of that day, kWh.
    today_flex_kwh: Vec<f64>,
    /// Each member's flexible energy per day of the window, kWh (member-major, `flex_days`
    /// days each): summed once per window instead of at every plan.
    flex_by_day: Vec<f64>,
    flex_days: usize,
    /// The coordinated members without a battery, forecast as one pool.
    pool: pooled::Pool,
    /// The pool's last forecast (fixed load, flexible load, PV), kW; reused buffers.
    pool_forecast: [Vec<f64>; 3],
    /// The storage dynamic program's buffers, reused by every plan.
    dp_scratch: DpScratch,
    /// Per-member buffers of a step, reused by every step.
    step_scratch: StepScratch,
}

/// What one step works in, member-long and reused: a 10,000-member community would otherwise
/// allocate and zero a dozen vectors every step of every coordinated behaviour.
#[derive(Default)]
struct StepScratch {
    /// Who is coordinated this step (participating, not failed).
    coordinated: Vec<bool>,
    /// Their indices.
    who: Vec<usize>,
    /// Loads after flexible-load shifting, kW.
    loads_kw: Vec<f64>,
    /// Flexible energy run this step that could still wait, kWh.
    deferrable_kwh: Vec<f64>,
    /// Flexible energy the p-MAS correction deferred, kWh.
    deferred_kwh: Vec<f64>,
    /// Whose battery followed the plan this step.
    dispatched: Vec<bool>,
    /// A storage group's coordinated members.
    group: Vec<usize>,
    /// What each of them is given, kW (by position in the group).
    given_kw: Vec<f64>,
    /// Positions in the group that can still take more (this round, the next).
    open: Vec<usize>,
    next: Vec<usize>,
}

/// `v` as `n` copies of `value`, in place.
fn refill<T: Clone>(v: &mut Vec<T>, n: usize, value: T) {
    v.clear();
    v.resize(n, value);
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
            history_who: Vec::new(),
            history_net_kw: Vec::new(),
            today: None,
            today_flex_kwh: Vec::new(),
            flex_by_day: Vec::new(),
            flex_days: 0,
            pool: pooled::Pool::default(),
            pool_forecast: Default::default(),
            dp_scratch: DpScratch::default(),
            step_scratch: StepScratch::default(),
        }
        .with_flex_by_day()
    }

    /// Sum every member's flexible energy per day of the window once.
    fn with_flex_by_day(mut self) -> Self {
        let spd = self.axis.steps_per_day.max(1) as usize;
        let days = self
            .members
            .iter()
            .map(|m| m.load_kw.len())
            .max()
            .unwrap_or(0)
            .div_ceil(spd);
        let by_day: Vec<f64> = (0..self.members.len())
            .flat_map(|k| (0..days).map(move |d| (k, d)))
            .map(|(k, d)| self.summed_day_flex(k, d))
            .collect();
        self.flex_by_day = by_day;
        self.flex_days = days;
        self
    }

    /// The homes alone imported `kw` through the transformer this step (the do-no-harm level
    /// is the highest such import so far).
    pub fn observe_homes_import(&mut self, kw: f64) {
        self.homes_peak_kw = self.homes_peak_kw.max(kw);
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

    /// Member `k`'s flexible energy on `day` of the window, kWh.
    fn day_flex(&self, k: usize, day: usize) -> f64 {
        if day < self.flex_days {
            self.flex_by_day[k * self.flex_days + day]
        } else {
            self.summed_day_flex(k, day)
        }
    }

    fn summed_day_flex(&self, k: usize, day: usize) -> f64 {
        let spd = self.axis.steps_per_day as usize;
        let m = &self.members[k];
        let end = ((day + 1) * spd).min(m.load_kw.len());
        m.flexible_share
            * m.load_kw[(day * spd).min(end)..end].iter().sum::<f64>()
            * self.axis.step_hours()
    }

    /// Run step `t`, writing every member's flows into `out`; `now`: the members' load and PV
    /// at step `t` (the same as their series hold).
    pub fn step(&mut self, t: usize, now: StepColumns<'_>, out: &mut [MemberStep]) {
        let mut scratch = std::mem::take(&mut self.step_scratch);
        self.step_in(t, now, out, &mut scratch);
        self.step_scratch = scratch;
    }

    /// [`Self::step`] in reused buffers.
    fn step_in(
        &mut self,
        t: usize,
        now: StepColumns<'_>,
        out: &mut [MemberStep],
        s: &mut StepScratch,
    ) {
        let n = self.members.len();
        let spd = self.axis.steps_per_day as usize;
        let h = self.axis.step_hours();
        let day = t / spd;
        if self.today != Some(day) {
            self.today = Some(day);
            self.today_flex_kwh = (0..n).map(|k| self.day_flex(k, day)).collect();
        }
        if t.is_multiple_of(spd) {
            for k in 0..n {
                self.flex_left[k] = self.day_flex(k, day);
            }
            if t > 0 && self.axis.calendar_month_of(t) != self.axis.calendar_month_of(t - 1) {
                // A new billing month: its demand charge starts from nothing.
                self.month_peak_kw = 0.0;
                self.cap_kw = None;
            }
        }
        // Before a complete day has been observed a history forecast knows nothing of the day's
        // shape: the agents run their local rules, as the homes do alone.
        let blind = self.settings.forecast != super::Forecast::PerfectForesight && t < spd;
        let down = self.coordinator_down(t) || blind;
        s.coordinated.clear();
        s.coordinated
            .extend((0..n).map(|k| self.members[k].participates && !self.failed(k, t)));
        s.who.clear();
        s.who.extend((0..n).filter(|&k| s.coordinated[k]));
        let (coordinated, who) = (&s.coordinated, &s.who);
        if !down {
            let due = match &self.active {
                None => true,
                Some(a) => {
                    t - a.start >= self.settings.resolve_every_steps.max(1)
                        || t - a.start >= a.plan.flex_kwh.len()
                }
            };
            let joint = t.is_multiple_of(spd)
                || *coordinated != self.last_coordinated
                || !self.day_flex_plan.get(t).is_some_and(|f| f.is_finite());
            if joint || due {
                self.solve(t, who, joint);
            }
        }
        self.last_coordinated.clone_from(coordinated);
        let plan_index = self
            .active
            .as_ref()
            .and_then(|a| (t - a.start < a.plan.flex_kwh.len()).then_some(t - a.start));
        if plan_index.is_none() && !who.is_empty() {
            self.stats.fallback_steps += 1;
        }
        // Loads after flexible-load shifting.
        refill(&mut s.loads_kw, n, 0.0);
        refill(&mut s.deferrable_kwh, n, 0.0);
        let (loads, deferrable) = (&mut s.loads_kw, &mut s.deferrable_kwh);
        let coordinated_flex: f64 = who.iter().map(|&k| self.flex_left[k]).sum();
        let planned_flex = match (plan_index, self.day_flex_plan.get(t)) {
            (Some(_), Some(f)) if f.is_finite() => *f,
            _ => 0.0,
        };
        // Steps left today after this one: what cannot wait must run now (no leftover is
        // dumped into the day's last step beyond the member's flexible power).
        let later_steps = (spd - 1 - t % spd).min(self.axis.steps.saturating_sub(t + 1));
        for k in 0..n {
            let m = &self.members[k];
            let load_kw = now.load_kw[k];
            let original_flex = m.flexible_share * load_kw * h;
            let cap = self.settings.flex_power_multiple * self.today_flex_kwh[k] / spd as f64;
            let must = (self.flex_left[k] - later_steps as f64 * cap).max(0.0);
            let wanted = if coordinated[k] && plan_index.is_some() {
                if coordinated_flex > 0.0 {
                    // A node's agent defers flexible load its connection cannot take now.
                    let pv = now.pv_kw[k];
                    let headroom = (self.connections_kw[k]
                        - ((1.0 - m.flexible_share) * load_kw - pv))
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
            loads[k] = (1.0 - m.flexible_share) * load_kw + use_kwh / h;
        }
        if !self.grid_available.get(t).copied().unwrap_or(true) {
            // Islanded: the coordinated members share PV and batteries; the others are alone.
            let together = self.settings.island_together;
            if together {
                island(self.members, who, t, loads, &mut self.batteries, h, out);
            }
            for k in (0..n).filter(|&k| !together || !coordinated[k]) {
                island(self.members, &[k], t, loads, &mut self.batteries, h, out);
            }
            for (k, o) in out.iter_mut().enumerate() {
                o.coordinated = coordinated[k];
            }
            return;
        }
        for k in 0..n {
            let pv = now.pv_kw[k];
            out[k] = MemberStep {
                load_kw: loads[k],
                pv_kw: pv,
                coordinated: coordinated[k] && plan_index.is_some(),
                ..MemberStep::default()
            };
        }
        self.dispatch_plan(plan_index, s, h, out);
        for (k, o) in out.iter_mut().enumerate() {
            if !s.dispatched[k] {
                if let Some((b, soc)) = self.batteries[k] {
                    let mut local = LocalBattery::new(Battery {
                        soc_initial_frac: soc / b.capacity_kwh,
                        ..b
                    });
                    let flow = local.step(s.loads_kw[k], o.pv_kw, h);
                    self.batteries[k] = Some((b, flow.soc_kwh));
                    o.charge_kw = flow.charge_kw;
                    o.discharge_kw = flow.discharge_kw;
                }
            }
            o.soc_kwh = self.batteries[k].map_or(0.0, |b| b.1);
            o.net_kw = o.load_kw - o.pv_kw + o.charge_kw - o.discharge_kw;
        }
        // Blind (no history yet), the coordinator is up: its agents still hold the level.
        self.correct(t, plan_index.is_some() || blind, s, h, out);
        let import: f64 = s.who.iter().map(|&k| out[k].net_kw).sum();
        self.month_peak_kw = self.month_peak_kw.max(import);
    }
}
