//! Per-member running totals of one behaviour that are not bills: energy not served and its
//! value (VoLL), loss-of-load hours, battery wear, and energy traded inside an island.

use crate::accounting::IslandPrice;
use crate::coordinator::MemberStep;

use super::flows::At;

/// One behaviour's per-member totals.
#[derive(Clone, Debug)]
pub(super) struct Ledger {
    /// Energy not served, kWh.
    pub unserved_kwh: Vec<f64>,
    /// Energy not served valued at the VoLL, ₹.
    pub unserved_value: Vec<f64>,
    /// Hours with some load not served.
    pub loss_of_load_hours: Vec<f64>,
    /// Battery discharge, kWh.
    pub discharge_kwh: Vec<f64>,
    /// Battery wear, ₹ (discharge × the battery's wear per kWh).
    pub wear_cost: Vec<f64>,
    /// Energy bought (+) or sold (−) inside an island at the island price the report asked
    /// for, ₹ (set by [`Ledger::price_island_trade`]).
    pub island_trade: Vec<f64>,
    /// The same at every island price a report may ask for.
    island: IslandTrades,
}

/// Energy traded inside an island valued at each island price a report may ask for: the
/// retail and the feed-in price always, a stated price when the scenario states one. The
/// island price moves no dispatch, so a kept simulation answers a change of it.
#[derive(Clone, Debug)]
struct IslandTrades {
    retail: Vec<f64>,
    feed_in: Vec<f64>,
    fixed: Option<(f64, Vec<f64>)>,
}

/// Whether books kept from a run with island price `kept` can price island trade at `asked`.
pub(super) fn island_price_kept(kept: IslandPrice, asked: IslandPrice) -> bool {
    matches!(asked, IslandPrice::Retail | IslandPrice::FeedIn) || asked == kept
}

impl Ledger {
    pub fn new(members: usize, island_price: IslandPrice) -> Self {
        let zeros = vec![0.0; members];
        Self {
            unserved_kwh: zeros.clone(),
            unserved_value: zeros.clone(),
            loss_of_load_hours: zeros.clone(),
            discharge_kwh: zeros.clone(),
            wear_cost: zeros.clone(),
            island: IslandTrades {
                retail: zeros.clone(),
                feed_in: zeros.clone(),
                fixed: match island_price {
                    IslandPrice::Fixed { price_per_kwh } => Some((price_per_kwh, zeros.clone())),
                    IslandPrice::Retail | IslandPrice::FeedIn => None,
                },
            },
            island_trade: zeros,
        }
    }

    /// Add a step of `steps`; in an island, members' exchange settles at the island price
    /// (kept at every price a report may ask for).
    pub fn add(&mut self, at: &At<'_>, steps: &[MemberStep]) {
        for (k, s) in steps.iter().enumerate() {
            let unserved = s.unserved_kw * at.hours;
            if unserved > 1e-9 {
                self.unserved_kwh[k] += unserved;
                self.unserved_value[k] += unserved * at.voll_per_kwh;
                self.loss_of_load_hours[k] += at.hours;
            }
            let discharge = s.discharge_kw * at.hours;
            self.discharge_kwh[k] += discharge;
            self.wear_cost[k] += discharge * at.wear_per_kwh[k];
            if !at.grid_up {
                let traded_kwh = s.net_kw * at.hours;
                let island = &mut self.island;
                island.retail[k] += traded_kwh * at.grid.buy_per_kwh;
                island.feed_in[k] += traded_kwh * at.grid.sell_per_kwh;
                if let Some((price_per_kwh, fixed)) = island.fixed.as_mut() {
                    fixed[k] += traded_kwh * *price_per_kwh;
                }
            }
        }
    }

    /// Value island trade at `price` (into [`Ledger::island_trade`]); false when these books
    /// did not keep it (a stated price other than the run's).
    pub fn price_island_trade(&mut self, price: IslandPrice) -> bool {
        let island = &self.island;
        let kept = match price {
            IslandPrice::Retail => &island.retail,
            IslandPrice::FeedIn => &island.feed_in,
            IslandPrice::Fixed { price_per_kwh } => match &island.fixed {
                Some((p, fixed)) if *p == price_per_kwh => fixed,
                _ => return false,
            },
        };
        self.island_trade.clone_from(kept);
        true
    }

    /// The behaviour's total battery wear, ₹.
    pub fn total_wear(&self) -> f64 {
        self.wear_cost.iter().sum()
    }
}
