//! Bill Sharing (Long et al. 2017): the community's grid import bill and export revenue over a
//! billing horizon are split in proportion to each member's import and export. Shared energy is
//! free, so sellers never beat the feed-in price.

use super::{BillingHorizon, GridPrices, HorizonMarket, InternalPrices, RuleId, SettlementRule};

/// Bill Sharing over an explicit billing horizon.
#[derive(Clone, Copy, Debug, Default)]
pub struct BillSharing {
    /// Horizon over which the bill is pooled (default: month).
    pub horizon: BillingHorizon,
}

impl SettlementRule for BillSharing {
    fn id(&self) -> RuleId {
        RuleId::Bs
    }

    fn horizon(&self) -> BillingHorizon {
        self.horizon
    }

    fn internal_prices(&self, market: &HorizonMarket, _grid: GridPrices) -> InternalPrices {
        let per_kwh = |money: f64, kwh: f64| if kwh > 0.0 { money / kwh } else { 0.0 };
        InternalPrices {
            buy_per_kwh: per_kwh(market.grid_import_cost, market.buyers_kwh),
            sell_per_kwh: per_kwh(market.grid_export_revenue, market.sellers_kwh),
        }
    }
}
