//! Supply-Demand Ratio pricing (Liu et al. 2017): 1/price interpolates 1/λ_buy and 1/λ_sell
//! linearly in SDR = TSP/TBP, and the buy price follows from budget balance.

use super::{GridPrices, HorizonMarket, InternalPrices, RuleId, SettlementRule};

/// SDR pricing, one step at a time.
#[derive(Clone, Copy, Debug, Default)]
pub struct SupplyDemandRatio;

/// SDR = TSP / TBP; `None` when nobody buys (read as +∞).
pub fn supply_demand_ratio(market: &HorizonMarket) -> Option<f64> {
    (market.buyers_kwh > 0.0).then(|| market.sellers_kwh / market.buyers_kwh)
}

impl SettlementRule for SupplyDemandRatio {
    fn id(&self) -> RuleId {
        RuleId::Sdr
    }

    fn internal_prices(&self, market: &HorizonMarket, grid: GridPrices) -> InternalPrices {
        let (buy, sell) = (grid.buy_per_kwh, grid.sell_per_kwh);
        match supply_demand_ratio(market) {
            Some(sdr) if sdr <= 1.0 => {
                let sell_price = sell * buy / ((buy - sell) * sdr + sell);
                InternalPrices {
                    buy_per_kwh: sell_price * sdr + buy * (1.0 - sdr),
                    sell_per_kwh: sell_price,
                }
            }
            // Surplus covers demand (or nobody buys): everything trades at the feed-in price.
            _ => InternalPrices {
                buy_per_kwh: sell,
                sell_per_kwh: sell,
            },
        }
    }
}
