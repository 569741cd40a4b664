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
        if !kernels::all_finite(net_kwh) {
            let member = net_kwh.iter().position(|x| !x.is_finite()).unwrap_or(0);
            return Err(SettleError::NotFinite { step, member });
        }
        self.close_finished_horizons(step);

        let (buy, sell) = (grid.buy_per_kwh, grid.sell_per_kwh);
        let (mut tbp, mut tsp): (f64, f64);
        let t = &mut self.totals;
        let n = net_kwh.len();
        (tbp, tsp) = kernels::accumulate_totals(
            net_kwh,
            [
                &mut t.import_kwh[..n],
                &mut t.export_kwh[..n],
                &mut t.grid_buy_cost[..n],
                &mut t.grid_sell_revenue[..n],
                &mut t.import_at_sell_price[..n],
                &mut t.export_at_buy_price[..n],
            ],
            buy,
            sell,
        );
        let net_kwh = if self.outsiders.is_empty() {
            net_kwh
        } else {
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
            tbp = if tbp > 0.0 { tbp } else { 0.0 };
            tsp = if tsp > 0.0 { tsp } else { 0.0 };
            &self.market_net
        };
        let shared = if tbp < tsp { tbp } else { tsp };
        let share = if shared > 0.0 {
            self.contribution_weight * shared / tsp
        } else {
            0.0
        };
        let market = HorizonMarket::of_step(tbp, tsp, grid);
        // Per-step rules that bill members this step: (buy price, sell price, accumulators).
        let mut billed: Vec<(f64, f64, &mut [f64], &mut [f64])> =
            Vec::with_capacity(self.runs.len());
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
                None => {
                    let prices = run.rule.internal_prices(&market, grid);
                    run.prices_by_step.push(prices);
                    // A rule that passes grid prices through bills exactly the reference
                    // totals; `finish` copies them instead of adding them up twice.
                    if !run.rule.is_grid_passthrough() {
                        billed.push((
                            prices.buy_per_kwh,
                            prices.sell_per_kwh,
                            &mut run.buy_cost[..n],
                            &mut run.sell_revenue[..n],
                        ));
                    }
                }
            }
        }
        let contributed = &mut t.contributed_kwh[..n];
        // One pass over the members for the contributions and every billed rule (the usual
        // comparison has exactly two: MMR and SDR).
        if let [(pb1, ps1, cost1, rev1), (pb2, ps2, cost2, rev2)] = billed.as_mut_slice() {
            kernels::accumulate_two_rules(
                net_kwh,
                contributed,
                share,
                [cost1, rev1, cost2, rev2],
                [*pb1, *ps1, *pb2, *ps2],
            );
        } else {
            kernels::accumulate_contribution(net_kwh, contributed, share);
            for (pb, ps, cost, revenue) in billed.iter_mut() {
                kernels::accumulate_rule(net_kwh, cost, revenue, *pb, *ps);
            }
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

    /// Count an islanded step's exchange as contributions: inside an island every kWh a member
    /// offers is taken by the others (the island balances), weighted by the step's γ. Bills are
    /// not touched: island trades settle at the island price outside the grid settlement.
    pub(crate) fn add_island_contributions(&mut self, net_kwh: &[f64]) {
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

/// The hot loops, as functions of separate slices: `&mut` parameters tell the compiler the
/// arrays do not overlap, which it needs to vectorise (it cannot see that for struct fields).
mod kernels {
    /// Partial sums in the hot loop (a multiple of the SIMD width).
    const LANES: usize = 4;

    /// Per-member totals (import, export, Σλ_buy·import, Σλ_sell·export, Σλ_sell·import,
    /// Σλ_buy·export) and the step's (TBP, TSP).
    pub(super) fn accumulate_totals(
        net: &[f64],
        totals: [&mut [f64]; 6],
        buy: f64,
        sell: f64,
    ) -> (f64, f64) {
        let [import, export, buy_cost, sell_revenue, import_low, export_high] = totals;
        let n = net.len();
        let (import, export) = (&mut import[..n], &mut export[..n]);
        let (buy_cost, sell_revenue) = (&mut buy_cost[..n], &mut sell_revenue[..n]);
        let (import_low, export_high) = (&mut import_low[..n], &mut export_high[..n]);
        // Lane-wise partial sums: one running sum would forbid vectorising the loop.
        let mut lanes_buy = [0.0; LANES];
        let mut lanes_sell = [0.0; LANES];
        let whole = n - n % LANES;
        for base in (0..whole).step_by(LANES) {
            for j in 0..LANES {
                let k = base + j;
                let x = net[k];
                let imp = if x > 0.0 { x } else { 0.0 };
                let exp = imp - x;
                lanes_buy[j] += imp;
                lanes_sell[j] += exp;
                import[k] += imp;
                export[k] += exp;
                buy_cost[k] += buy * imp;
                sell_revenue[k] += sell * exp;
                import_low[k] += sell * imp;
                export_high[k] += buy * exp;
            }
        }
        for k in whole..n {
            let x = net[k];
            let imp = if x > 0.0 { x } else { 0.0 };
            let exp = imp - x;
            lanes_buy[0] += imp;
            lanes_sell[0] += exp;
            import[k] += imp;
            export[k] += exp;
            buy_cost[k] += buy * imp;
            sell_revenue[k] += sell * exp;
            import_low[k] += sell * imp;
            export_high[k] += buy * exp;
        }
        (lanes_buy.iter().sum(), lanes_sell.iter().sum())
    }

    /// Contributions (surplus × shared/TSP) and two rules' costs and revenues in one pass.
    pub(super) fn accumulate_two_rules(
        net: &[f64],
        contributed: &mut [f64],
        share: f64,
        accumulators: [&mut [f64]; 4],
        prices: [f64; 4],
    ) {
        let [cost1, rev1, cost2, rev2] = accumulators;
        let [pb1, ps1, pb2, ps2] = prices;
        let n = net.len();
        let contributed = &mut contributed[..n];
        let (cost1, rev1, cost2, rev2) = (
            &mut cost1[..n],
            &mut rev1[..n],
            &mut cost2[..n],
            &mut rev2[..n],
        );
        for k in 0..n {
            let x = net[k];
            let imp = if x > 0.0 { x } else { 0.0 };
            let exp = imp - x;
            contributed[k] += exp * share;
            cost1[k] += pb1 * imp;
            rev1[k] += ps1 * exp;
            cost2[k] += pb2 * imp;
            rev2[k] += ps2 * exp;
        }
    }

    /// Whether every value is finite (x·0 is 0 for finite x and NaN otherwise; lane-wise sums
    /// keep the check vectorised).
    pub(super) fn all_finite(net: &[f64]) -> bool {
        let mut lanes = [0.0; LANES];
        let chunks = net.chunks_exact(LANES);
        let rest: f64 = chunks.remainder().iter().map(|x| x * 0.0).sum();
        for chunk in chunks {
            for j in 0..LANES {
                lanes[j] += chunk[j] * 0.0;
            }
        }
        (lanes.iter().sum::<f64>() + rest).is_finite()
    }

    /// Contributions alone.
    pub(super) fn accumulate_contribution(net: &[f64], contributed: &mut [f64], share: f64) {
        for (c, &x) in contributed.iter_mut().zip(net) {
            *c += if x < 0.0 { -x * share } else { 0.0 };
        }
    }

    /// One rule's costs and revenues.
    pub(super) fn accumulate_rule(
        net: &[f64],
        cost: &mut [f64],
        revenue: &mut [f64],
        pb: f64,
        ps: f64,
    ) {
        for ((c, r), &x) in cost.iter_mut().zip(revenue.iter_mut()).zip(net) {
            let imp = if x > 0.0 { x } else { 0.0 };
            *c += pb * imp;
            *r += ps * (imp - x);
        }
    }
}

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
}
