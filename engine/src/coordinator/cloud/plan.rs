//! The coordinator's plan for a window: the members' forecasts, today's and later days' flexible
//! energy, battery groups with their connection-margin charging caps, the p-MAS level with its
//! forecast-error margin, and the day's demand-charge cap search.

use super::super::cap_search::{search_cap_in, CAP_SEARCH_ITERATIONS};
use super::super::forecast::{forecast_into, Quantity};
use super::super::optimiser::{self, FlexGroup, Plan, SolveStatus, Window};
use super::super::pmas::exact_penalty_per_kwh;
use super::super::{aggregate, battery_groups, Forecast};
use super::{ActivePlan, CloudSim};
use crate::community::Battery;

impl CloudSim<'_> {
    /// How far the community's import (load − PV, no batteries) on the worst day of the last
    /// week rose above the forecast's weekly mean at the same time of day, at most over steps
    /// `t..end`, kW: the plan keeps this much below the peak level so that a day like the
    /// worst of last week still fits (0 with perfect foresight).
    fn forecast_spread_kw(&mut self, t: usize, end: usize, who: &[usize]) -> f64 {
        if self.settings.forecast == Forecast::PerfectForesight {
            return 0.0;
        }
        if self.history_who != who {
            // The coordinated members' net (load − PV) at every step of the window, once per
            // set of members.
            self.history_who = who.to_vec();
            self.history_net_kw = (0..self.axis.steps)
                .map(|s| {
                    who.iter()
                        .map(|&k| {
                            let m = &self.members[k];
                            m.load_kw.get(s).copied().unwrap_or(0.0)
                                - m.pv_kw.get(s).copied().unwrap_or(0.0)
                        })
                        .sum()
                })
                .collect();
        }
        let spd = self.axis.steps_per_day.max(1) as usize;
        let mut spread = 0.0_f64;
        let mut days = Vec::with_capacity(super::super::HISTORY_DAYS);
        for tau in t..end {
            days.clear();
            for d in 1..=super::super::HISTORY_DAYS {
                let Some(s) = tau.checked_sub(d * spd).filter(|s| *s < t) else {
                    break;
                };
                days.push(self.history_net_kw.get(s).copied().unwrap_or(0.0));
            }
            if days.len() > 1 {
                let mean = days.iter().sum::<f64>() / days.len() as f64;
                let worst = days.iter().copied().fold(f64::MIN, f64::max);
                spread = spread.max(worst - mean);
            }
        }
        spread
    }

    /// Plan from step `t`. `joint`: batteries and flexible load together (day-ahead, at
    /// midnight or when the set of coordinated members changes); otherwise batteries only,
    /// around the flexible-load plan already made for today.
    pub(super) fn solve(&mut self, t: usize, who: &[usize], joint: bool) {
        let s = self.settings;
        let spd = self.axis.steps_per_day as usize;
        let h = self.axis.step_hours();
        let end = (t + s.horizon_steps.max(1)).min(self.axis.steps);
        let n = end - t;
        let mut base = vec![0.0; n];
        let mut flex_original = vec![0.0; n];
        let (mut load, mut pv) = (Vec::with_capacity(n), Vec::with_capacity(n));
        // Members without a battery only add to the totals: one pooled forecast.
        let (pooled, with_battery): (Vec<usize>, Vec<usize>) =
            who.iter().partition(|&&k| self.batteries[k].is_none());
        let mut pool_out = std::mem::take(&mut self.pool_forecast);
        let pool = self.pool.forecast(
            self.members,
            &pooled,
            s.forecast,
            (t, end),
            spd,
            &mut pool_out,
        );
        for i in 0..n {
            base[i] += (pool.fixed_kw[i] - pool.pv_kw[i]) * h;
            flex_original[i] += pool.flex_kw[i] * h;
        }
        self.pool_forecast = pool_out;
        // Members with a battery one by one: their connection margins cap its charging.
        // Member-major, `n` steps each: one buffer, not one vector per member and plan.
        let mut charge_room: Vec<f64> = Vec::with_capacity(with_battery.len() * n);
        for &k in &with_battery {
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
            for i in 0..n {
                let own = (1.0 - m.flexible_share) * load[i] - pv[i];
                base[i] += own * h;
                flex_original[i] += m.flexible_share * load[i] * h;
                // The connection's margin the battery may charge through (forecast).
                charge_room.push(((self.connections_kw[k] - own) * h).clamp(0.0, battery_kwh));
            }
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
        let batteries: Vec<(usize, Battery)> = with_battery
            .iter()
            .filter_map(|&k| self.batteries[k].map(|(b, _)| (k, b)))
            .collect();
        let member_groups: Vec<Vec<usize>> = battery_groups(&batteries)
            .into_iter()
            .map(|g| g.into_iter().map(|i| batteries[i].0).collect())
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
        let mut slot = vec![usize::MAX; self.members.len()];
        for (i, &k) in with_battery.iter().enumerate() {
            slot[k] = i;
        }
        let charge_caps: Vec<Vec<f64>> = member_groups
            .iter()
            .map(|g| {
                let mut caps = vec![0.0; n];
                // Members of the group with a forecast room (coordinated this plan).
                let rooms = g
                    .iter()
                    .filter(|&&k| slot[k] != usize::MAX)
                    .map(|&k| &charge_room[slot[k] * n..][..n]);
                for room in rooms {
                    for (c, r) in caps.iter_mut().zip(room) {
                        *c += r;
                    }
                }
                caps
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
        let mut scratch = std::mem::take(&mut self.dp_scratch);
        let mut plan_for = |level_kw: f64| {
            let planned = (level_kw - spread).max(0.5 * level_kw);
            let shaping = s.peak.shaping(planned, h, penalty);
            optimiser::solve_with(
                &Window {
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
                },
                &mut scratch,
            )
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
        self.dp_scratch = scratch;
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
}
