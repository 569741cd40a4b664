//! Streaming settlement: feed one step of net energy at a time, every rule is settled at once.
//!
//! Memory is O(members × rules + steps): per-member running totals and per-step community
//! totals, never a members × steps matrix. The hot loops avoid `f64::max` (slow on wasm32).

use thiserror::Error;

use crate::market::{
    BillingHorizon, GridPrices, HorizonMarket, InternalPrices, RuleId, SettlementRule,
};
use crate::metrics::{build_report, SettlementReport};
use crate::time_axis::TimeAxis;

/// Why a step could not be settled.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum SettleError {
    /// The step's net-energy slice has the wrong length.
    #[error("step {step}: expected {expected} members' net energy, got {got}")]
    WrongMemberCount {
        /// Step index.
        step: usize,
        /// Members the settler was built for.
        expected: usize,
        /// Values supplied.
        got: usize,
    },
    /// A net energy value is NaN or infinite.
    #[error("step {step}, member {member}: net_kwh is not a finite number")]
    NotFinite {
        /// Step index.
        step: usize,
        /// Member index.
        member: usize,
    },
    /// More steps pushed than the time axis holds.
    #[error("step {step} is beyond the time axis of {steps} steps")]
    PastEnd {
        /// Step index.
        step: usize,
        /// Axis length.
        steps: usize,
    },
}

/// Community totals of one step.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StepSummary {
    /// TBP, kWh.
    pub buyers_kwh: f64,
    /// TSP, kWh.
    pub sellers_kwh: f64,
    /// Energy shared inside the community: min(TBP, TSP), kWh.
    pub shared_kwh: f64,
    /// Community import from the grid, kWh.
    pub grid_import_kwh: f64,
    /// Community export to the grid, kWh.
    pub grid_export_kwh: f64,
    /// The step's grid tariff.
    pub grid: GridPrices,
}

impl StepSummary {
    /// SDR = TSP/TBP, `None` when nobody buys.
    pub fn supply_demand_ratio(&self) -> Option<f64> {
        (self.buyers_kwh > 0.0).then(|| self.sellers_kwh / self.buyers_kwh)
    }
}

/// Running per-member totals shared by every rule (struct of arrays for speed).
#[derive(Clone, Debug, Default)]
pub(crate) struct MemberTotals {
    pub import_kwh: Vec<f64>,
    pub export_kwh: Vec<f64>,
    /// Σ λ_buy · import: the no-sharing cost.
    pub grid_buy_cost: Vec<f64>,
    /// Σ λ_sell · export: the no-sharing revenue.
    pub grid_sell_revenue: Vec<f64>,
    /// Σ λ_sell · import: the cheapest the imports could have been.
    pub import_at_sell_price: Vec<f64>,
    /// Σ λ_buy · export: the most the exports could have earned.
    pub export_at_buy_price: Vec<f64>,
    /// Σ export · shared/TSP: surplus this member supplied to other members (CU), kWh.
    pub contributed_kwh: Vec<f64>,
}

impl MemberTotals {
    /// The six totals every step adds at grid prices (all but the contributions).
    fn at_grid_prices(&mut self) -> [&mut [f64]; 6] {
        [
            &mut self.import_kwh,
            &mut self.export_kwh,
            &mut self.grid_buy_cost,
            &mut self.grid_sell_revenue,
            &mut self.import_at_sell_price,
            &mut self.export_at_buy_price,
        ]
    }

    fn new(members: usize) -> Self {
        let zeros = vec![0.0; members];
        Self {
            import_kwh: zeros.clone(),
            export_kwh: zeros.clone(),
            grid_buy_cost: zeros.clone(),
            grid_sell_revenue: zeros.clone(),
            import_at_sell_price: zeros.clone(),
            export_at_buy_price: zeros.clone(),
            contributed_kwh: zeros,
        }
    }
}

/// One rule being settled.
#[derive(Clone)]
pub(crate) struct RuleRun {
    pub rule: Box<dyn SettlementRule>,
    /// Σ internal buy price · import, per member.
    pub buy_cost: Vec<f64>,
    /// Σ internal sell price · export, per member.
    pub sell_revenue: Vec<f64>,
    /// Internal prices in force at every step.
    pub prices_by_step: Vec<InternalPrices>,
    pooled: Option<PooledHorizon>,
}

impl RuleRun {
    /// Whether the rule bills every step at its own prices: not pooled over a horizon (billed
    /// when it closes) and not the grid's prices (copied from the reference totals at the end).
    fn bills_each_step(&self) -> bool {
        self.pooled.is_none() && !self.rule.is_grid_passthrough()
    }
}

/// State of an open multi-step billing horizon (Bill Sharing).
#[derive(Clone)]
struct PooledHorizon {
    horizon: BillingHorizon,
    key: usize,
    start_step: usize,
    market: HorizonMarket,
    import_at_start: Vec<f64>,
    export_at_start: Vec<f64>,
}

/// Settles a community step by step under several rules at once.
#[derive(Clone)]
pub struct Settler {
    axis: TimeAxis,
    members: usize,
    pub(crate) totals: MemberTotals,
    pub(crate) runs: Vec<RuleRun>,
    pub(crate) steps: Vec<StepSummary>,
    /// Members who settle alone with the grid (empty when everyone shares).
    pub(crate) outsiders: Vec<usize>,
    /// Net energy as the market sees it (outsiders zeroed); used only when there are outsiders.
    market_net: Vec<f64>,
    /// Weight γ of the next step's contributions (load-class weighting of the SCR).
    contribution_weight: f64,
    /// Steps priced but not yet added to the members' totals and bills.
    pending: PendingSteps,
}

impl std::fmt::Debug for Settler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settler")
            .field("axis", &self.axis)
            .field("members", &self.members)
            .field("steps_done", &self.steps.len())
            .finish()
    }
}

fn horizon_key(axis: &TimeAxis, horizon: BillingHorizon, step: usize) -> usize {
    match horizon {
        BillingHorizon::Step => step,
        BillingHorizon::Day => axis.day_of(step),
        BillingHorizon::Month => axis.month_of(step),
        BillingHorizon::Run => 0,
    }
}

impl Settler {
    /// A settler for `members` members over `axis`, settling each of `rules`.
    pub fn new(axis: TimeAxis, members: usize, rules: Vec<Box<dyn SettlementRule>>) -> Self {
        let runs = rules
            .into_iter()
            .map(|rule| {
                let pooled = (rule.horizon() != BillingHorizon::Step).then(|| PooledHorizon {
                    horizon: rule.horizon(),
                    key: 0,
                    start_step: 0,
                    market: HorizonMarket::default(),
                    import_at_start: vec![0.0; members],
                    export_at_start: vec![0.0; members],
                });
                RuleRun {
                    rule,
                    buy_cost: vec![0.0; members],
                    sell_revenue: vec![0.0; members],
                    prices_by_step: Vec::with_capacity(axis.steps),
                    pooled,
                }
            })
            .collect();
        Self {
            axis,
            members,
            totals: MemberTotals::new(members),
            runs,
            steps: Vec::with_capacity(axis.steps),
            outsiders: Vec::new(),
            market_net: Vec::new(),
            contribution_weight: 1.0,
            pending: PendingSteps::new(pending::BLOCK_STEPS),
        }
    }

    /// Weight γ for the contributions of the next steps (default 1).
    pub fn set_contribution_weight(&mut self, weight: f64) {
        self.contribution_weight = weight;
    }

    /// Change who takes part from the next step on (agents failing and recovering). Only for
    /// per-step rules: a pooled horizon bills by the participation at its close.
    pub fn set_participation(&mut self, participates: &[bool]) {
        self.outsiders.clear();
        self.outsiders
            .extend((0..self.members).filter(|&k| !participates.get(k).copied().unwrap_or(true)));
        if self.outsiders.is_empty() {
            self.market_net.clear();
        } else {
            self.market_net.resize(self.members, 0.0);
        }
    }

    /// The same settler adding up `steps` steps at a time (tests: any block length must give the
    /// same bits).
    #[cfg(test)]
    fn with_block_steps(mut self, steps: usize) -> Self {
        self.pending = PendingSteps::new(steps);
        self
    }

    /// Mark who takes part in sharing; the others settle alone with the grid under every rule.
    pub fn with_participation(mut self, participates: &[bool]) -> Self {
        self.set_participation(participates);
        self
    }

    /// The standard comparison: every rule in [`RuleId::ALL`], BS over `bs_horizon`.
    pub fn all_rules(axis: TimeAxis, members: usize, bs_horizon: BillingHorizon) -> Self {
        let rules = RuleId::ALL.iter().map(|r| r.rule(bs_horizon)).collect();
        Self::new(axis, members, rules)
    }

    /// Number of steps settled so far.
    pub fn steps_done(&self) -> usize {
        self.steps.len()
    }

    /// Settle the next step: `net_kwh[k]` is member k's net energy (positive = needs energy).
    pub fn push_step(&mut self, grid: GridPrices, net_kwh: &[f64]) -> Result<(), SettleError> {
        let step = self.steps.len();
        if step >= self.axis.steps {
            return Err(SettleError::PastEnd {
                step,
                steps: self.axis.steps,
            });
        }
        if net_kwh.len() != self.members {
            return Err(SettleError::WrongMemberCount {
                step,
                expected: self.members,
                got: net_kwh.len(),
            });
        }
        // Horizons ending before this step close first: they bill the totals up to it.
        self.close_finished_horizons(step);
        let (mut tbp, mut tsp) = self.pending.stage(net_kwh);
        // Finite sums of finite values are the rule; an overflowing sum of finite values passes.
        if !(tbp + tsp).is_finite() {
            if let Some(member) = net_kwh.iter().position(|x| !x.is_finite()) {
                return Err(SettleError::NotFinite { step, member });
            }
        }
        if !self.outsiders.is_empty() {
            // Members settling alone: their own totals count, the market sees them at zero.
            // Rare (agents failing), so such a step is added up on its own.
            self.flush();
            (tbp, tsp) = self.exclude_outsiders(net_kwh, grid, tbp, tsp);
        }
        let shared = if tbp < tsp { tbp } else { tsp };
        let share = if shared > 0.0 {
            self.contribution_weight * shared / tsp
        } else {
            0.0
        };
        let market = HorizonMarket::of_step(tbp, tsp, grid);
        for run in &mut self.runs {
            match &mut run.pooled {
                Some(pool) => {
                    pool.market.buyers_kwh += market.buyers_kwh;
                    pool.market.sellers_kwh += market.sellers_kwh;
                    pool.market.grid_import_cost += market.grid_import_cost;
                    pool.market.grid_export_revenue += market.grid_export_revenue;
                    // Filled in when the horizon closes.
                    run.prices_by_step.push(InternalPrices::default());
                }
                None => run
                    .prices_by_step
                    .push(run.rule.internal_prices(&market, grid)),
            }
        }
        if self.outsiders.is_empty() {
            if self.pending.commit(step, grid, share) {
                self.flush();
            }
        } else {
            pending::add_steps(
                pending::Block {
                    own_kwh: net_kwh,
                    market_kwh: &self.market_net,
                    grid: &[grid],
                    shares: &[share],
                    first_step: step,
                },
                &mut self.totals,
                &mut self.runs,
            );
        }
        self.steps.push(StepSummary {
            buyers_kwh: tbp,
            sellers_kwh: tsp,
            shared_kwh: shared,
            grid_import_kwh: if tbp > tsp { tbp - tsp } else { 0.0 },
            grid_export_kwh: if tsp > tbp { tsp - tbp } else { 0.0 },
            grid,
        });
        Ok(())
    }

    /// Zero the outsiders in the market's view of the step (`market_net`), take them out of
    /// (TBP, TSP), and bill them at grid prices under every rule that is not already the grid's.
    fn exclude_outsiders(
        &mut self,
        net_kwh: &[f64],
        grid: GridPrices,
        mut tbp: f64,
        mut tsp: f64,
    ) -> (f64, f64) {
        let (buy, sell) = (grid.buy_per_kwh, grid.sell_per_kwh);
        self.market_net.copy_from_slice(net_kwh);
        for &k in &self.outsiders {
            let x = net_kwh[k];
            self.market_net[k] = 0.0;
            if x > 0.0 {
                tbp -= x;
            } else {
                tsp += x;
            }
            for run in self
                .runs
                .iter_mut()
                .filter(|r| !r.rule.is_grid_passthrough())
            {
                if x > 0.0 {
                    run.buy_cost[k] += buy * x;
                } else {
                    run.sell_revenue[k] -= sell * x;
                }
            }
        }
        let tbp = if tbp > 0.0 { tbp } else { 0.0 };
        let tsp = if tsp > 0.0 { tsp } else { 0.0 };
        (tbp, tsp)
    }

    /// Add the held steps to the members' running totals.
    fn flush(&mut self) {
        self.pending.flush(&mut self.totals, &mut self.runs);
    }

    /// Count an islanded step's exchange as contributions: inside an island every kWh a member
    /// offers is taken by the others (the island balances), weighted by the step's γ. Bills are
    /// not touched: island trades settle at the island price outside the grid settlement.
    pub(crate) fn add_island_contributions(&mut self, net_kwh: &[f64]) {
        self.flush();
        for (k, (c, &x)) in self
            .totals
            .contributed_kwh
            .iter_mut()
            .zip(net_kwh)
            .enumerate()
        {
            if x < 0.0 && !self.outsiders.contains(&k) {
                *c += self.contribution_weight * -x;
            }
        }
    }

    fn close_finished_horizons(&mut self, next_step: usize) {
        let axis = self.axis;
        let closing = |run: &RuleRun| {
            run.pooled.as_ref().is_some_and(|pool| {
                next_step > 0 && horizon_key(&axis, pool.horizon, next_step) != pool.key
            })
        };
        if self.runs.iter().any(closing) {
            self.flush(); // a closing horizon bills the members' totals up to its end
        }
        let totals = &self.totals;
        for run in &mut self.runs {
            let Some(pool) = &mut run.pooled else {
                continue;
            };
            let key = horizon_key(&axis, pool.horizon, next_step);
            if next_step == 0 {
                pool.key = key;
                continue;
            }
            if key != pool.key {
                close_pool(run, totals, &self.outsiders, next_step);
                if let Some(pool) = &mut run.pooled {
                    pool.key = key;
                }
            }
        }
    }

    /// Close open horizons and compute every metric. `aggregator_return` is τ_c in [0, 1).
    pub fn finish(mut self, aggregator_return: f64) -> SettlementReport {
        self.flush();
        let end = self.steps.len();
        for run in &mut self.runs {
            if run.pooled.is_some() && end > 0 {
                close_pool(run, &self.totals, &self.outsiders, end);
            }
            if run.rule.is_grid_passthrough() {
                run.buy_cost.copy_from_slice(&self.totals.grid_buy_cost);
                run.sell_revenue
                    .copy_from_slice(&self.totals.grid_sell_revenue);
            }
        }
        build_report(self, aggregator_return)
    }

    pub(crate) fn axis(&self) -> TimeAxis {
        self.axis
    }

    pub(crate) fn members(&self) -> usize {
        self.members
    }
}

/// Bill the pooled horizon ending before `end_step` and open a new one.
fn close_pool(run: &mut RuleRun, totals: &MemberTotals, outsiders: &[usize], end_step: usize) {
    let Some(pool) = &mut run.pooled else {
        return;
    };
    // Pooled rules price from the horizon's money totals, not from one step's tariff.
    let prices = run
        .rule
        .internal_prices(&pool.market, GridPrices::default());
    for k in 0..totals.import_kwh.len() {
        if outsiders.contains(&k) {
            continue; // billed at grid prices step by step
        }
        let imported = totals.import_kwh[k] - pool.import_at_start[k];
        let exported = totals.export_kwh[k] - pool.export_at_start[k];
        run.buy_cost[k] += prices.buy_per_kwh * imported;
        run.sell_revenue[k] += prices.sell_per_kwh * exported;
    }
    for p in &mut run.prices_by_step[pool.start_step..end_step] {
        *p = prices;
    }
    pool.import_at_start.copy_from_slice(&totals.import_kwh);
    pool.export_at_start.copy_from_slice(&totals.export_kwh);
    pool.market = HorizonMarket::default();
    pool.start_step = end_step;
}

/// Settle a run whose net energy comes from `fill_step(step, &mut net_kwh)`, without storing it.
pub fn settle_all(
    axis: TimeAxis,
    members: usize,
    prices: &[GridPrices],
    bs_horizon: BillingHorizon,
    aggregator_return: f64,
    mut fill_step: impl FnMut(usize, &mut [f64]),
) -> Result<SettlementReport, SettleError> {
    let mut settler = Settler::all_rules(axis, members, bs_horizon);
    let mut net = vec![0.0; members];
    for (step, grid) in prices.iter().enumerate().take(axis.steps) {
        fill_step(step, &mut net);
        settler.push_step(*grid, &net)?;
    }
    Ok(settler.finish(aggregator_return))
}

/// Settle a small run held in memory: `net_kwh[step][member]`.
pub fn settle_matrix(
    net_kwh: &[Vec<f64>],
    prices: &[GridPrices],
    axis: TimeAxis,
    bs_horizon: BillingHorizon,
) -> Result<SettlementReport, SettleError> {
    let members = net_kwh.first().map_or(0, Vec::len);
    let mut settler = Settler::all_rules(axis, members, bs_horizon);
    for (row, grid) in net_kwh.iter().zip(prices) {
        settler.push_step(*grid, row)?;
    }
    Ok(settler.finish(0.0))
}

mod kernels;
mod pending;

use pending::PendingSteps;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_steps_are_rejected_with_their_position() {
        let grid = GridPrices {
            buy_per_kwh: 10.0,
            sell_per_kwh: 8.0,
        };
        let mut settler = Settler::all_rules(TimeAxis::hourly(2), 5, BillingHorizon::Month);
        let err = settler
            .push_step(grid, &[1.0, 2.0, f64::NAN, 0.0, -1.0])
            .unwrap_err();
        assert_eq!(err, SettleError::NotFinite { step: 0, member: 2 });
        let err = settler
            .push_step(grid, &[1.0, f64::NEG_INFINITY, 0.0, 0.0, 0.0])
            .unwrap_err();
        assert_eq!(err, SettleError::NotFinite { step: 0, member: 1 });
        assert!(matches!(
            settler.push_step(grid, &[1.0]),
            Err(SettleError::WrongMemberCount {
                expected: 5,
                got: 1,
                ..
            })
        ));
        settler.push_step(grid, &[1.0; 5]).unwrap();
        settler.push_step(grid, &[1.0; 5]).unwrap();
        assert!(matches!(
            settler.push_step(grid, &[1.0; 5]),
            Err(SettleError::PastEnd { step: 2, .. })
        ));
    }

    /// Settle 40 days of 13 members (not a multiple of the SIMD chunk) with agents failing and
    /// recovering, islanded steps, a changing contribution weight and every BS horizon, adding
    /// up `block` steps at a time.
    fn varied_run(block: usize, bs_horizon: BillingHorizon) -> String {
        let members = 13;
        let axis = TimeAxis::hourly(24 * 40);
        let mut next = crate::synthetic::unit_stream(0x9e37_79b9_7f4a_7c15);
        let mut settler = Settler::all_rules(axis, members, bs_horizon).with_block_steps(block);
        for step in 0..axis.steps {
            let net: Vec<f64> = (0..members).map(|_| 2.0 * next() - 1.2).collect();
            let grid = GridPrices {
                buy_per_kwh: 6.0 + 4.0 * next(),
                sell_per_kwh: 2.0 + 2.0 * next(),
            };
            if step % 37 == 5 {
                let up: Vec<bool> = (0..members).map(|k| (k + step) % 4 != 0).collect();
                settler.set_participation(&up);
            } else if step % 37 == 20 {
                settler.set_participation(&[true; 13]);
            }
            settler.set_contribution_weight(0.5 + next());
            if step % 53 == 7 {
                // Islanded: nothing crosses the grid meter; the island's trades count as shared.
                settler.push_step(grid, &[0.0; 13]).unwrap();
                settler.add_island_contributions(&net);
            } else {
                settler.push_step(grid, &net).unwrap();
            }
        }
        serde_json::to_string(&settler.finish(0.1)).unwrap()
    }

    #[test]
    fn any_block_length_gives_the_same_bits() {
        for horizon in [
            BillingHorizon::Step,
            BillingHorizon::Day,
            BillingHorizon::Month,
            BillingHorizon::Run,
        ] {
            let one_at_a_time = varied_run(1, horizon);
            for block in [2, 5, pending::BLOCK_STEPS, 24] {
                assert!(
                    varied_run(block, horizon) == one_at_a_time,
                    "{horizon:?}: blocks of {block} steps differ from one step at a time"
                );
            }
        }
    }

    /// The block loops (tiles of members, blocks of steps) add exactly what a plain loop over
    /// steps and members adds: 300 members (more than a tile, not a multiple of it).
    #[test]
    fn block_loops_match_a_plain_loop() {
        let (members, steps) = (300, 50);
        let axis = TimeAxis::hourly(steps);
        let mut settler = Settler::all_rules(axis, members, BillingHorizon::Month);
        let nets: Vec<Vec<f64>> = (0..steps)
            .map(|t| {
                (0..members)
                    .map(|k| ((t * 31 + k * 17) % 23) as f64 / 10.0 - 1.1)
                    .collect()
            })
            .collect();
        let grids: Vec<GridPrices> = (0..steps)
            .map(|t| GridPrices {
                buy_per_kwh: 8.0 + (t % 5) as f64,
                sell_per_kwh: 2.0 + (t % 3) as f64,
            })
            .collect();
        for (grid, net) in grids.iter().zip(&nets) {
            settler.push_step(*grid, net).unwrap();
        }
        settler.flush();
        let mut expected = MemberTotals::new(members);
        let billed: Vec<&RuleRun> = settler
            .runs
            .iter()
            .filter(|r| r.bills_each_step())
            .collect();
        assert!(!billed.is_empty());
        let mut costs = vec![vec![0.0; members]; billed.len()];
        let mut revenues = costs.clone();
        for (t, (grid, net)) in grids.iter().zip(&nets).enumerate() {
            let step = settler.steps[t];
            let share = if step.shared_kwh > 0.0 {
                1.0 * step.shared_kwh / step.sellers_kwh
            } else {
                0.0
            };
            for (k, &x) in net.iter().enumerate() {
                let imp = if x > 0.0 { x } else { 0.0 };
                let exp = imp - x;
                let e = &mut expected;
                e.import_kwh[k] += imp;
                e.export_kwh[k] += exp;
                e.grid_buy_cost[k] += grid.buy_per_kwh * imp;
                e.grid_sell_revenue[k] += grid.sell_per_kwh * exp;
                e.import_at_sell_price[k] += grid.sell_per_kwh * imp;
                e.export_at_buy_price[k] += grid.buy_per_kwh * exp;
                e.contributed_kwh[k] += exp * share;
                for (r, run) in billed.iter().enumerate() {
                    let p = run.prices_by_step[t];
                    costs[r][k] += p.buy_per_kwh * imp;
                    revenues[r][k] += p.sell_per_kwh * exp;
                }
            }
        }
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let got = &settler.totals;
        for (name, a, b) in [
            ("import", &got.import_kwh, &expected.import_kwh),
            ("export", &got.export_kwh, &expected.export_kwh),
            ("grid cost", &got.grid_buy_cost, &expected.grid_buy_cost),
            (
                "grid revenue",
                &got.grid_sell_revenue,
                &expected.grid_sell_revenue,
            ),
            (
                "import at sell",
                &got.import_at_sell_price,
                &expected.import_at_sell_price,
            ),
            (
                "export at buy",
                &got.export_at_buy_price,
                &expected.export_at_buy_price,
            ),
            (
                "contributed",
                &got.contributed_kwh,
                &expected.contributed_kwh,
            ),
        ] {
            assert!(bits(a) == bits(b), "{name} differs from a plain loop");
        }
        for (r, run) in billed.iter().enumerate() {
            assert!(
                bits(&run.buy_cost) == bits(&costs[r]),
                "{}: costs",
                run.rule.id().label()
            );
            assert!(
                bits(&run.sell_revenue) == bits(&revenues[r]),
                "{}: revenues",
                run.rule.id().label()
            );
        }
    }
}
