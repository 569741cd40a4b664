//! Settlement rules: how a community splits its grid bill among members.
//!
//! Every rule turns the market totals of one billing horizon into one internal buy price and one
//! internal sell price that apply to every member's import and export in that horizon. Per-step
//! rules (no sharing, MMR, SDR) use a one-step horizon; Bill Sharing uses a longer one.

mod bill_sharing;
mod mid_market;
mod no_sharing;
mod supply_demand_ratio;

pub use bill_sharing::BillSharing;
pub use mid_market::MidMarketRate;
pub use no_sharing::NoSharing;
pub use supply_demand_ratio::SupplyDemandRatio;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Grid tariff for one step, in ₹/kWh.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GridPrices {
    /// λ_buy: what the community pays the grid for imported energy.
    pub buy_per_kwh: f64,
    /// λ_sell: what the grid pays for exported energy (feed-in).
    pub sell_per_kwh: f64,
}

/// Why a pair of grid prices cannot be used (SDR pricing needs 0 < sell < buy).
#[derive(Clone, Debug, PartialEq, Error)]
pub enum PriceError {
    /// A price is NaN or infinite.
    #[error("step {step}: {field} is not a finite number")]
    NotFinite {
        /// Step index.
        step: usize,
        /// `buy_per_kwh` or `sell_per_kwh`.
        field: &'static str,
    },
    /// Feed-in price at or below zero.
    #[error(
        "step {step}: sell_per_kwh must be above 0 (got {sell_per_kwh}); SDR pricing divides by it"
    )]
    SellNotPositive {
        /// Step index.
        step: usize,
        /// The offending price.
        sell_per_kwh: f64,
    },
    /// Feed-in price at or above the retail price.
    #[error(
        "step {step}: sell_per_kwh ({sell_per_kwh}) must be below buy_per_kwh ({buy_per_kwh})"
    )]
    SellNotBelowBuy {
        /// Step index.
        step: usize,
        /// Retail price.
        buy_per_kwh: f64,
        /// Feed-in price.
        sell_per_kwh: f64,
    },
}

impl GridPrices {
    /// Checked constructor: `0 < sell < buy`, both finite. `step` names the step in errors.
    pub fn new(step: usize, buy_per_kwh: f64, sell_per_kwh: f64) -> Result<Self, PriceError> {
        if !buy_per_kwh.is_finite() {
            return Err(PriceError::NotFinite {
                step,
                field: "buy_per_kwh",
            });
        }
        if !sell_per_kwh.is_finite() {
            return Err(PriceError::NotFinite {
                step,
                field: "sell_per_kwh",
            });
        }
        if sell_per_kwh <= 0.0 {
            return Err(PriceError::SellNotPositive { step, sell_per_kwh });
        }
        if sell_per_kwh >= buy_per_kwh {
            return Err(PriceError::SellNotBelowBuy {
                step,
                buy_per_kwh,
                sell_per_kwh,
            });
        }
        Ok(Self {
            buy_per_kwh,
            sell_per_kwh,
        })
    }

    /// λ_buy − λ_sell: the value of one kWh shared instead of exported and re-imported.
    pub fn spread_per_kwh(&self) -> f64 {
        self.buy_per_kwh - self.sell_per_kwh
    }
}

/// What the community traded during one billing horizon (one step for per-step rules).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HorizonMarket {
    /// TBP: total energy the buyers needed (Σ of positive net energy), kWh.
    pub buyers_kwh: f64,
    /// TSP: total surplus the sellers offered (−Σ of negative net energy), kWh.
    pub sellers_kwh: f64,
    /// Σ λ_buy · community import over the horizon, ₹.
    pub grid_import_cost: f64,
    /// Σ λ_sell · community export over the horizon, ₹.
    pub grid_export_revenue: f64,
}

impl HorizonMarket {
    /// The market of one step with the given totals and prices.
    pub fn of_step(buyers_kwh: f64, sellers_kwh: f64, grid: GridPrices) -> Self {
        let import = buyers_kwh - sellers_kwh;
        Self {
            buyers_kwh,
            sellers_kwh,
            grid_import_cost: if import > 0.0 {
                grid.buy_per_kwh * import
            } else {
                0.0
            },
            grid_export_revenue: if import < 0.0 {
                -grid.sell_per_kwh * import
            } else {
                0.0
            },
        }
    }
}

/// Internal prices a rule sets for one horizon, ₹/kWh.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InternalPrices {
    /// What a buyer pays per kWh it needs.
    pub buy_per_kwh: f64,
    /// What a seller earns per kWh of surplus.
    pub sell_per_kwh: f64,
}

/// The billing horizon over which a rule pools costs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BillingHorizon {
    /// Every step is settled on its own.
    Step,
    /// Calendar day.
    Day,
    /// Calendar month (the default for Bill Sharing).
    #[default]
    Month,
    /// The whole run.
    Run,
}

impl std::str::FromStr for BillingHorizon {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "step" | "hour" => Ok(Self::Step),
            "day" => Ok(Self::Day),
            "month" => Ok(Self::Month),
            "run" => Ok(Self::Run),
            other => Err(format!(
                "unknown billing horizon '{other}' (expected step, day, month or run)"
            )),
        }
    }
}

/// The settlement rules Gridshare compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleId {
    /// No sharing: every home alone with the grid.
    None,
    /// Bill Sharing.
    Bs,
    /// Mid-Market Rate.
    Mmr,
    /// Supply-Demand Ratio pricing.
    Sdr,
}

impl RuleId {
    /// Every rule, in display order.
    pub const ALL: [RuleId; 4] = [RuleId::None, RuleId::Bs, RuleId::Mmr, RuleId::Sdr];

    /// Short machine name (`none`, `bs`, `mmr`, `sdr`).
    pub fn key(self) -> &'static str {
        match self {
            RuleId::None => "none",
            RuleId::Bs => "bs",
            RuleId::Mmr => "mmr",
            RuleId::Sdr => "sdr",
        }
    }

    /// Human name.
    pub fn label(self) -> &'static str {
        match self {
            RuleId::None => "No sharing",
            RuleId::Bs => "Bill Sharing",
            RuleId::Mmr => "Mid-Market Rate",
            RuleId::Sdr => "Supply-Demand Ratio",
        }
    }

    /// The rule object with the given Bill Sharing horizon (ignored by per-step rules).
    pub fn rule(self, bs_horizon: BillingHorizon) -> Box<dyn SettlementRule> {
        match self {
            RuleId::None => Box::new(NoSharing),
            RuleId::Bs => Box::new(BillSharing {
                horizon: bs_horizon,
            }),
            RuleId::Mmr => Box::new(MidMarketRate),
            RuleId::Sdr => Box::new(SupplyDemandRatio),
        }
    }
}

impl std::str::FromStr for RuleId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RuleId::ALL
            .into_iter()
            .find(|r| r.key() == s)
            .ok_or_else(|| format!("unknown rule '{s}' (expected none, bs, mmr or sdr)"))
    }
}

/// A settlement rule: market totals of a horizon in, internal prices out.
pub trait SettlementRule: Send + Sync {
    /// Which rule this is.
    fn id(&self) -> RuleId;

    /// The horizon whose totals [`SettlementRule::internal_prices`] receives.
    fn horizon(&self) -> BillingHorizon {
        BillingHorizon::Step
    }

    /// Internal prices for a horizon. `grid` is the step's tariff (meaningful for per-step rules).
    fn internal_prices(&self, market: &HorizonMarket, grid: GridPrices) -> InternalPrices;

    /// True when the internal prices are always the grid's (bills equal the reference bills).
    fn is_grid_passthrough(&self) -> bool {
        false
    }
}

impl Clone for Box<dyn SettlementRule> {
    /// A rule is its id and horizon.
    fn clone(&self) -> Self {
        self.id().rule(self.horizon())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn price_validation_names_the_problem() {
        assert!(GridPrices::new(0, 10.0, 8.0).is_ok());
        assert_eq!(
            GridPrices::new(3, 10.0, 0.0),
            Err(PriceError::SellNotPositive {
                step: 3,
                sell_per_kwh: 0.0
            })
        );
        let err = GridPrices::new(7, 8.0, 8.0).unwrap_err();
        assert!(err.to_string().contains("step 7"), "{err}");
        assert!(matches!(
            GridPrices::new(1, f64::NAN, 1.0),
            Err(PriceError::NotFinite {
                field: "buy_per_kwh",
                ..
            })
        ));
    }

    #[test]
    fn rule_keys_round_trip() {
        for rule in RuleId::ALL {
            assert_eq!(rule.key().parse::<RuleId>(), Ok(rule));
            assert_eq!(rule.rule(BillingHorizon::Month).id(), rule);
        }
        assert!("xyz".parse::<RuleId>().is_err());
    }
}
