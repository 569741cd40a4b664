//! No sharing: every member trades with the grid alone (the reference every rule is compared to).

use super::{GridPrices, HorizonMarket, InternalPrices, RuleId, SettlementRule};

/// The no-sharing baseline: internal prices are the grid's.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoSharing;

impl SettlementRule for NoSharing {
    fn id(&self) -> RuleId {
        RuleId::None
    }

    fn is_grid_passthrough(&self) -> bool {
        true
    }

    fn internal_prices(&self, _market: &HorizonMarket, grid: GridPrices) -> InternalPrices {
        InternalPrices {
            buy_per_kwh: grid.buy_per_kwh,
            sell_per_kwh: grid.sell_per_kwh,
        }
    }
}
