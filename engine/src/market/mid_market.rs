//! Mid-Market Rate (Long et al. 2017): shared energy trades at the midpoint of the grid prices,
//! the unmatched remainder at the grid price, on net quantities so the rule is budget-balanced.

use super::{GridPrices, HorizonMarket, InternalPrices, RuleId, SettlementRule};

/// MMR pricing, one step at a time.
#[derive(Clone, Copy, Debug, Default)]
pub struct MidMarketRate;

impl SettlementRule for MidMarketRate {
    fn id(&self) -> RuleId {
        RuleId::Mmr
    }

    fn internal_prices(&self, market: &HorizonMarket, grid: GridPrices) -> InternalPrices {
        let mid = 0.5 * (grid.buy_per_kwh + grid.sell_per_kwh);
        let (tbp, tsp) = (market.buyers_kwh, market.sellers_kwh);
        if tsp > tbp {
            InternalPrices {
                buy_per_kwh: mid,
                sell_per_kwh: (tbp * mid + (tsp - tbp) * grid.sell_per_kwh) / tsp,
            }
        } else if tsp < tbp {
            InternalPrices {
                buy_per_kwh: (tsp * mid + (tbp - tsp) * grid.buy_per_kwh) / tbp,
                sell_per_kwh: mid,
            }
        } else {
            InternalPrices {
                buy_per_kwh: mid,
                sell_per_kwh: mid,
            }
        }
    }
}
