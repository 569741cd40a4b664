//! Steps priced but not yet added to the members' running totals: the settler prices each step
//! as it arrives (that needs only the community totals) and adds a block of steps to the
//! member-long arrays at once (`kernels`' block loops), which is bit-identical and reads and
//! writes each array once per block instead of once per step.

use super::kernels;
use super::{MemberTotals, RuleRun};
use crate::market::GridPrices;

/// Steps per block: eight steps of 10,000 members are 640 kB, well inside a core's L2 cache.
pub(super) const BLOCK_STEPS: usize = 8;

/// The steps of the current block.
#[derive(Clone, Debug)]
pub(super) struct PendingSteps {
    /// Steps a block holds before it is added up.
    capacity: usize,
    /// Index of the block's first step.
    first_step: usize,
    /// Net energy as the market sees it, step-major: `rows[s * members + k]`, kWh; room for a
    /// whole block, the first `grid.len()` rows held, the next one possibly staged.
    rows: Vec<f64>,
    /// Each held step's grid prices.
    grid: Vec<GridPrices>,
    /// Each held step's contribution factor γ · shared/TSP.
    shares: Vec<f64>,
}

impl PendingSteps {
    /// An empty block of `capacity` steps (at least one).
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            first_step: 0,
            rows: Vec::new(),
            grid: Vec::new(),
            shares: Vec::new(),
        }
    }

    /// Copy a step into the block's next row and return its (TBP, TSP); it is held only once
    /// [`commit`](Self::commit)ted (a step found invalid, or settled on its own, is not).
    pub(super) fn stage(&mut self, net_kwh: &[f64]) -> (f64, f64) {
        let n = net_kwh.len();
        if self.rows.len() != self.capacity * n {
            self.rows = vec![0.0; self.capacity * n];
        }
        let held = self.grid.len();
        kernels::step_sums_into(net_kwh, &mut self.rows[held * n..(held + 1) * n])
    }

    /// Hold the staged step as step `step`; `true` when the block is now full and must be added
    /// up before the next step is staged.
    pub(super) fn commit(&mut self, step: usize, grid: GridPrices, share: f64) -> bool {
        if self.grid.is_empty() {
            self.first_step = step;
        }
        self.grid.push(grid);
        self.shares.push(share);
        self.grid.len() >= self.capacity
    }

    /// Add the held steps to the members' totals and to every per-step rule's bills (the rules'
    /// prices of those steps are already in `prices_by_step`), and empty the block.
    pub(super) fn flush(&mut self, totals: &mut MemberTotals, runs: &mut [RuleRun]) {
        let held = self.grid.len();
        if held == 0 {
            return;
        }
        let rows = &self.rows[..held * (self.rows.len() / self.capacity)];
        let block = Block {
            own_kwh: rows,
            market_kwh: rows,
            grid: &self.grid,
            shares: &self.shares,
            first_step: self.first_step,
        };
        add_steps(block, totals, runs);
        self.grid.clear();
        self.shares.clear();
    }
}

/// Consecutive steps to add up, step-major.
pub(super) struct Block<'a> {
    /// Each member's own net energy (their running totals), kWh.
    pub own_kwh: &'a [f64],
    /// Net energy as the market sees it (contributions and bills): the same but for members
    /// settling alone, who are zero here, kWh.
    pub market_kwh: &'a [f64],
    /// Each step's grid prices.
    pub grid: &'a [GridPrices],
    /// Each step's contribution factor γ · shared/TSP.
    pub shares: &'a [f64],
    /// Index of the first step.
    pub first_step: usize,
}

/// Add `block` to the members' totals and to every per-step rule's bills.
pub(super) fn add_steps(block: Block<'_>, totals: &mut MemberTotals, runs: &mut [RuleRun]) {
    let held = block.grid.len();
    let n = block.own_kwh.len() / held.max(1);
    kernels::block_totals(block.own_kwh, n, block.grid, totals.at_grid_prices());
    kernels::block_contribution(
        block.market_kwh,
        n,
        block.shares,
        &mut totals.contributed_kwh,
    );
    let steps = block.first_step..block.first_step + held;
    for run in runs.iter_mut().filter(|r| r.bills_each_step()) {
        kernels::block_rule(
            block.market_kwh,
            n,
            &run.prices_by_step[steps.clone()],
            &mut run.buy_cost,
            &mut run.sell_revenue,
        );
    }
}
