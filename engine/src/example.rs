//! The worked examples of the reference model (MODEL.md §6), used by the app's first screen,
//! the market playground and the golden tests.

use crate::market::{BillingHorizon, GridPrices};
use crate::metrics::SettlementReport;
use crate::settle::{settle_matrix, SettleError};
use crate::time_axis::TimeAxis;

/// The study's representative tariff: buy 10, sell 8 ₹/kWh.
pub const STUDY_PRICES: GridPrices = GridPrices {
    buy_per_kwh: 10.0,
    sell_per_kwh: 8.0,
};

/// Worked example A (a net-importing hour): net energy of three households, kWh.
pub const EXAMPLE_A_NET_KWH: [f64; 3] = [2.0, 1.0, -1.5];

/// Settle one hour of the given households at the given prices under every rule
/// (Bill Sharing over that hour).
pub fn settle_one_hour(net_kwh: &[f64], grid: GridPrices) -> Result<SettlementReport, SettleError> {
    settle_matrix(
        &[net_kwh.to_vec()],
        &[grid],
        TimeAxis::hourly(1),
        BillingHorizon::Step,
    )
}

/// Worked example A settled under every rule.
pub fn example_a() -> Result<SettlementReport, SettleError> {
    settle_one_hour(&EXAMPLE_A_NET_KWH, STUDY_PRICES)
}
