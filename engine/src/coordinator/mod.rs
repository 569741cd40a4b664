//! The cloud-P2P coordinator: a sliding-horizon optimiser over the community's batteries and
//! flexible load, p-MAS load classes, and the faults it must survive.

mod cap_search;
mod cloud;
mod forecast;
mod island;
mod optimiser;
mod pmas;
mod pwl;
mod shaping;

pub use cap_search::{search_cap, search_cap_in, CapSearch, CAP_SEARCH_ITERATIONS};
pub(crate) use cloud::{CloudSim, CloudState};
pub use cloud::{MemberStep, SolverStats};
pub use forecast::{Forecast, HISTORY_DAYS};
pub(crate) use island::island;
pub use optimiser::SolveStatus;
pub use pmas::{exact_penalty_per_kwh, node_shares_kw, PeakControl, VALLEY_SLOPE_PER_KWH};
pub use shaping::{PeakPenalty, Shaping, Valley, VALLEY_PIECES};

use serde::{Deserialize, Serialize};

use crate::community::{Archetype, Battery, Member};
use crate::market::GridPrices;
use optimiser::{FlexGroup, Storage, Window};

/// A fault scenario event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// A member's agent fails: it runs its local rule and settles with the grid meanwhile.
    MemberFailure {
        /// Member id.
        member: String,
        /// First step of the failure.
        from_step: usize,
        /// First step after it.
        to_step: usize,
    },
    /// The cloud coordinator is unreachable: agents keep the last plan, then local rules.
    CoordinatorOutage {
        /// First step of the outage.
        from_step: usize,
        /// First step after it.
        to_step: usize,
    },
    /// The grid is down (on top of the community's outage pattern): the community islands.
    GridOutage {
        /// First step of the outage.
        from_step: usize,
        /// First step after it.
        to_step: usize,
    },
}

/// Settings of the coordinator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CoordinatorSettings {
    /// Optimisation horizon, steps (24 = a day of hourly steps).
    pub horizon_steps: usize,
    /// Re-solve every this many steps.
    pub resolve_every_steps: usize,
    /// Forecast used for the horizon.
    pub forecast: Forecast,
    /// How the community's peak is treated (the transformer, do-no-harm, valley filling):
    /// derived from the scenario's `transformer_kva` and `peak` settings at run time.
    #[serde(skip)]
    pub peak: PeakControl,
    /// Battery wear cost per kWh charged or discharged, ₹. Derived at run time from the
    /// scenario's `battery_wear` (pack price and cycle life); not written to scenario files.
    #[serde(skip_serializing)]
    pub wear_per_kwh: f64,
    /// Whether coordinated members island together in an outage (the scenario's
    /// `community_islanding`, set at run time).
    #[serde(skip)]
    pub island_together: bool,
    /// Flexible load may run at up to this multiple of its daily average power.
    pub flex_power_multiple: f64,
    /// Fault events.
    pub faults: Vec<Fault>,
}

impl CoordinatorSettings {
    /// The same settings for a window starting at run step `from`: faults move back by `from`
    /// (those that ended before it are dropped, those that began before it start at 0).
    pub fn shifted(&self, from: usize) -> Self {
        let shift = |a: usize, b: usize| (b > from).then(|| (a.saturating_sub(from), b - from));
        Self {
            faults: self
                .faults
                .iter()
                .filter_map(|f| match f {
                    Fault::MemberFailure {
                        member,
                        from_step,
                        to_step,
                    } => shift(*from_step, *to_step).map(|(a, b)| Fault::MemberFailure {
                        member: member.clone(),
                        from_step: a,
                        to_step: b,
                    }),
                    Fault::CoordinatorOutage { from_step, to_step } => shift(*from_step, *to_step)
                        .map(|(a, b)| Fault::CoordinatorOutage {
                            from_step: a,
                            to_step: b,
                        }),
                    Fault::GridOutage { from_step, to_step } => {
                        shift(*from_step, *to_step).map(|(a, b)| Fault::GridOutage {
                            from_step: a,
                            to_step: b,
                        })
                    }
                })
                .collect(),
            ..self.clone()
        }
    }
}

impl Default for CoordinatorSettings {
    fn default() -> Self {
        Self {
            horizon_steps: 24,
            resolve_every_steps: 1,
            forecast: Forecast::RecentHistory,
            peak: PeakControl::default(),
            wear_per_kwh: 0.0,
            island_together: true,
            flex_power_multiple: 4.0,
            faults: Vec::new(),
        }
    }
}

/// The connection capacity of a member, kW (sanctioned load by archetype; uploads: 1.25 × peak).
pub fn connection_kw(member: &Member) -> f64 {
    match member.archetype {
        Archetype::A1 | Archetype::A2 => 1.0,
        Archetype::A3 => 2.0,
        Archetype::A4 => 4.0,
        Archetype::A5 => 5.0,
        Archetype::Custom => (member.load_kw.iter().copied().fold(0.0, f64::max) * 1.25)
            .ceil()
            .max(1.0),
    }
}

/// p-MAS load classes by load ratio r: the community's exchange over the transformer's rating,
/// or a node's import over its share of the rating (split by sanctioned load).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoadClass {
    /// r < 0.25
    Underloaded,
    /// 0.25 ≤ r < 0.5
    Lightly,
    /// 0.5 ≤ r < 0.8
    Normally,
    /// 0.8 ≤ r ≤ 1.0
    Overloaded,
    /// r > 1.0
    SeverelyOverloaded,
}

impl LoadClass {
    /// Index in [`LoadClass::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// All classes, lightest first.
    pub const ALL: [LoadClass; 5] = [
        Self::Underloaded,
        Self::Lightly,
        Self::Normally,
        Self::Overloaded,
        Self::SeverelyOverloaded,
    ];

    /// Default thresholds of the lightly, normally, overloaded and severely overloaded classes.
    pub const THRESHOLDS: [f64; 4] = [0.25, 0.5, 0.8, 1.0];

    /// The class of a load ratio with the default thresholds.
    pub fn of_ratio(r: f64) -> Self {
        Self::of_ratio_with(r, &Self::THRESHOLDS)
    }

    /// The class of a load ratio with thresholds `t` (ascending).
    pub fn of_ratio_with(r: f64, t: &[f64; 4]) -> Self {
        if r < t[0] {
            Self::Underloaded
        } else if r < t[1] {
            Self::Lightly
        } else if r < t[2] {
            Self::Normally
        } else if r <= t[3] {
            Self::Overloaded
        } else {
            Self::SeverelyOverloaded
        }
    }

    /// Weight γ_s of a step in the sharing contribution rate: supply is worth more when the
    /// community is loaded.
    pub fn contribution_weight(self) -> f64 {
        match self {
            Self::Underloaded | Self::Lightly => 1.0,
            Self::Normally => 1.2,
            Self::Overloaded => 1.5,
            Self::SeverelyOverloaded => 2.0,
        }
    }
}

/// Batteries grouped so that each group is exactly one aggregated battery: same efficiencies,
/// same C-rate and the same SOC limits as shares of capacity.
pub(crate) fn battery_groups(batteries: &[(usize, Battery)]) -> Vec<Vec<usize>> {
    let key = |b: &Battery| {
        [
            b.charge_efficiency,
            b.discharge_efficiency,
            b.power_kw / b.capacity_kwh,
            b.soc_min_frac,
            b.soc_max_frac,
        ]
        .map(|x| (x * 1e9).round() as i64)
    };
    let mut groups: Vec<(Vec<i64>, Vec<usize>)> = Vec::new();
    for (i, (_, b)) in batteries.iter().enumerate() {
        let k = key(b).to_vec();
        match groups.iter_mut().find(|g| g.0 == k) {
            Some(g) => g.1.push(i),
            None => groups.push((k, vec![i])),
        }
    }
    groups.into_iter().map(|g| g.1).collect()
}

/// Inputs of a perfect-foresight optimisation over a whole horizon (one meter).
#[derive(Clone, Debug)]
pub struct WholeHorizon<'a> {
    /// Inflexible net energy (load − PV) of all members per step, kWh.
    pub base_kwh: &'a [f64],
    /// Flexible load per step at its original timing, kWh.
    pub flex_kwh: &'a [f64],
    /// Steps per day (flexible energy is conserved per day).
    pub steps_per_day: usize,
    /// Length of a step, hours.
    pub step_hours: f64,
    /// Grid prices per step.
    pub prices: &'a [GridPrices],
    /// Optional import penalty.
    pub peak: Option<PeakPenalty>,
    /// Demand charge on the horizon's maximum import, ₹/kW (0 = none): the optimum is found by
    /// a search over the import cap.
    pub demand_charge_per_kw: f64,
    /// Wear cost per kWh of throughput, ₹.
    pub wear_per_kwh: f64,
    /// Flexible power cap as a multiple of the day's average flexible power.
    pub flex_power_multiple: f64,
    /// The batteries (all start at their initial SOC and must end at least there).
    pub batteries: &'a [Battery],
}

/// The result of a whole-horizon optimisation.
#[derive(Clone, Debug, PartialEq)]
pub struct WholeHorizonResult {
    /// Optimal cost (grid cost + penalty + wear + demand charge), ₹.
    pub cost: f64,
    /// The import cap the demand-charge search chose, kW (None without a demand charge).
    pub cap_kw: Option<f64>,
    /// Window solves spent.
    pub solves: usize,
    /// Community net import per step, kWh.
    pub net_kwh: Vec<f64>,
    /// Flexible load per step, kWh.
    pub flex_kwh: Vec<f64>,
    /// Total battery state of charge at the end of each step, kWh.
    pub soc_kwh: Vec<f64>,
    /// How the solve ended.
    pub status: SolveStatus,
}

/// Day groups of flexible energy and per-step caps for a window starting at a day boundary.
pub(crate) fn daily_flex(
    flex_kwh: &[f64],
    steps_per_day: usize,
    multiple: f64,
) -> (Vec<FlexGroup>, Vec<f64>) {
    let mut groups = Vec::new();
    let mut caps = vec![0.0; flex_kwh.len()];
    let spd = steps_per_day.max(1);
    let mut start = 0;
    while start < flex_kwh.len() {
        let end = (start + spd).min(flex_kwh.len());
        let energy: f64 = flex_kwh[start..end].iter().sum();
        let cap = multiple * energy / spd as f64;
        for c in &mut caps[start..end] {
            *c = cap;
        }
        if energy > 0.0 {
            groups.push(FlexGroup {
                start,
                end,
                energy_kwh: energy,
            });
        }
        start = end;
    }
    (groups, caps)
}

/// Aggregate batteries into storage groups with their initial and terminal states.
pub(crate) fn aggregate(
    batteries: &[Battery],
    socs: &[f64],
    step_hours: f64,
) -> Vec<(Storage, f64, f64)> {
    let indexed: Vec<(usize, Battery)> = batteries.iter().copied().enumerate().collect();
    battery_groups(&indexed)
        .into_iter()
        .map(|members| {
            let b0 = batteries[members[0]];
            let cap: f64 = members.iter().map(|&i| batteries[i].capacity_kwh).sum();
            let power: f64 = members.iter().map(|&i| batteries[i].power_kw).sum();
            let soc: f64 = members.iter().map(|&i| socs[i]).sum();
            let initial: f64 = members
                .iter()
                .map(|&i| batteries[i].soc_initial_frac * batteries[i].capacity_kwh)
                .sum();
            (
                Storage {
                    power_kwh: power * step_hours,
                    eta_charge: b0.charge_efficiency,
                    eta_discharge: b0.discharge_efficiency,
                    soc_min_kwh: b0.soc_min_frac * cap,
                    soc_max_kwh: b0.soc_max_frac * cap,
                },
                soc,
                initial,
            )
        })
        .collect()
}

/// Perfect-foresight optimum over the whole horizon: the reference the rolling optimiser is
/// measured against, and V_max of the performance measure. With a demand charge, the import
/// cap is searched (the capped optimum is convex in the cap).
pub fn optimise_whole_horizon(p: &WholeHorizon) -> WholeHorizonResult {
    let plan = solve_whole_horizon(p, Shaping::import_only(p.peak));
    if p.demand_charge_per_kw <= 0.0 {
        return result(p, plan, None, 1);
    }
    let h = p.step_hours;
    let peak_kw = |net: &[f64]| net.iter().copied().fold(0.0, f64::max) / h;
    let hi = peak_kw(&net_of(p, &plan));
    let max_buy = p.prices.iter().map(|g| g.buy_per_kwh).fold(0.0, f64::max);
    // Exact also against the charge: one kWh over the cap must cost more than the charge saved.
    let penalty = exact_penalty_per_kwh(max_buy, p.wear_per_kwh) + 2.0 * p.demand_charge_per_kw / h;
    let capped = |cap: f64| {
        let cap_penalty = PeakPenalty {
            limit_kwh: cap * h,
            penalty_per_kwh: penalty,
        };
        let import = match p.peak {
            Some(q) if q.limit_kwh <= cap_penalty.limit_kwh => q,
            _ => cap_penalty,
        };
        solve_whole_horizon(p, Shaping::import_only(Some(import)))
    };
    let search = search_cap(
        |cap| capped(cap).cost + p.demand_charge_per_kw * cap,
        0.0,
        hi,
    );
    let best = capped(search.cap_kw);
    let mut r = result(p, best, Some(search.cap_kw), search.evaluations + 2);
    r.cost += p.demand_charge_per_kw * search.cap_kw;
    r
}

fn solve_whole_horizon(p: &WholeHorizon, shaping: Shaping) -> optimiser::Plan {
    let (groups, caps) = daily_flex(p.flex_kwh, p.steps_per_day, p.flex_power_multiple);
    let socs: Vec<f64> = p
        .batteries
        .iter()
        .map(|b| b.soc_initial_frac * b.capacity_kwh)
        .collect();
    let storage = aggregate(p.batteries, &socs, p.step_hours);
    let window = Window {
        base_kwh: p.base_kwh,
        flex_original_kwh: p.flex_kwh,
        flex_cap_kwh: &caps,
        flex_groups: &groups,
        prices: p.prices,
        shaping: &shaping,
        charge_cap_kwh: None,
        wear_per_kwh: p.wear_per_kwh,
        storage: &storage,
        mu_hint: None,
        thorough: true,
    };
    optimiser::solve(&window)
}

fn net_of(p: &WholeHorizon, plan: &optimiser::Plan) -> Vec<f64> {
    (0..p.base_kwh.len())
        .map(|t| {
            p.base_kwh[t]
                + plan.flex_kwh[t]
                + plan
                    .charge_kwh
                    .iter()
                    .zip(&plan.discharge_kwh)
                    .map(|(c, d)| c[t] - d[t])
                    .sum::<f64>()
        })
        .collect()
}

fn result(
    p: &WholeHorizon,
    plan: optimiser::Plan,
    cap_kw: Option<f64>,
    solves: usize,
) -> WholeHorizonResult {
    let n = p.base_kwh.len();
    let net_kwh = net_of(p, &plan);
    let soc_kwh = (0..n)
        .map(|t| plan.soc_kwh.iter().map(|s| s[t]).sum())
        .collect();
    WholeHorizonResult {
        cost: plan.cost,
        cap_kw,
        solves,
        net_kwh,
        flex_kwh: plan.flex_kwh,
        soc_kwh,
        status: plan.status,
    }
}
