//! How costs are counted, the same for every model: the value of energy not served, the price
//! of energy traded inside an islanded community, and what a battery's wear costs its owner.
//! These are scenario settings because reasonable people choose them differently; the defaults
//! and their derivations are in `docs/FAIRNESS.md`.

use serde::{Deserialize, Serialize};

use crate::community::Battery;
use crate::market::GridPrices;

/// The price at which energy traded between members inside an islanded community settles.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IslandPrice {
    /// The step's retail (grid import) price: what the buyer would have paid the grid.
    #[default]
    Retail,
    /// The step's feed-in price.
    FeedIn,
    /// A stated price.
    Fixed {
        /// ₹/kWh.
        price_per_kwh: f64,
    },
}

impl IslandPrice {
    /// ₹/kWh in a step with these grid prices.
    pub fn per_kwh(&self, grid: &GridPrices) -> f64 {
        match *self {
            Self::Retail => grid.buy_per_kwh,
            Self::FeedIn => grid.sell_per_kwh,
            Self::Fixed { price_per_kwh } => price_per_kwh,
        }
    }
}

/// The value of lost load (VoLL): what a kWh not served costs the household that lost it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LostLoadValue {
    /// A multiple of the step's retail price.
    RetailMultiple {
        /// Multiple of λ_buy (default 4).
        multiple: f64,
    },
    /// A stated value.
    Fixed {
        /// ₹/kWh.
        price_per_kwh: f64,
    },
}

impl Default for LostLoadValue {
    /// Four times retail: ≈ ₹26–40/kWh on the built-in tariffs, the low end of Indian
    /// residential VoLL estimates (see `docs/FAIRNESS.md`).
    fn default() -> Self {
        Self::RetailMultiple { multiple: 4.0 }
    }
}

impl LostLoadValue {
    /// ₹/kWh in a step with these grid prices.
    pub fn per_kwh(&self, grid: &GridPrices) -> f64 {
        match *self {
            Self::RetailMultiple { multiple } => multiple * grid.buy_per_kwh,
            Self::Fixed { price_per_kwh } => price_per_kwh,
        }
    }
}

/// Battery wear from the pack's price and cycle life.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BatteryWear {
    /// Installed price of the pack, ₹ per kWh of usable capacity.
    pub pack_price_per_kwh: f64,
    /// Full cycles (over the usable SOC window) before the pack is replaced.
    pub cycle_life: f64,
}

impl Default for BatteryWear {
    /// An Indian home LFP pack in 2026: ₹18,000 per kWh installed, 6,000 cycles.
    fn default() -> Self {
        Self {
            pack_price_per_kwh: 18_000.0,
            cycle_life: 6_000.0,
        }
    }
}

impl BatteryWear {
    /// ₹ per kWh delivered by `battery`: the pack's price spread over every kWh it delivers in
    /// its life, cycle_life × (SOC window) × capacity × discharge efficiency.
    pub fn per_kwh_discharged(&self, battery: &Battery) -> f64 {
        let window = battery.soc_max_frac - battery.soc_min_frac;
        let delivered_per_kwh = self.cycle_life * window * battery.discharge_efficiency;
        if delivered_per_kwh > 0.0 {
            self.pack_price_per_kwh / delivered_per_kwh
        } else {
            0.0
        }
    }

    /// The optimiser's wear cost per kWh of throughput (charge + discharge): half the mean wear
    /// per kWh discharged of `batteries`, since a kWh discharged needs about a kWh charged.
    pub fn per_kwh_throughput(&self, batteries: impl Iterator<Item = Battery>) -> f64 {
        let (mut sum, mut count) = (0.0, 0.0);
        for b in batteries {
            sum += self.per_kwh_discharged(&b);
            count += 1.0;
        }
        if count > 0.0 {
            0.5 * sum / count
        } else {
            0.0
        }
    }

    /// Refuse prices and lives that make no sense.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.pack_price_per_kwh.is_finite() && self.pack_price_per_kwh >= 0.0) {
            return Err(format!(
                "settings.battery_wear.pack_price_per_kwh must be ≥ 0 (got {})",
                self.pack_price_per_kwh
            ));
        }
        if !(self.cycle_life.is_finite() && self.cycle_life >= 1.0) {
            return Err(format!(
                "settings.battery_wear.cycle_life must be at least 1 (got {})",
                self.cycle_life
            ));
        }
        Ok(())
    }
}

/// How a home runs its battery when it is on its own (the no-sharing baseline, and the
/// dispatch BS, MMR and SDR settle).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Baseline {
    /// The price-aware home EMS whenever the tariff varies in time, else self-consumption.
    #[default]
    Auto,
    /// Charge from the home's own surplus PV, discharge to its own load; prices ignored.
    SelfConsumption,
    /// The coordinator's exact optimiser on the home's own meter (same forecast, horizon,
    /// re-planning and wear as cloud-P2P); flexible load stays where it is.
    HomeEms,
}

impl Baseline {
    /// The baseline a run uses with these prices (`Auto` resolved).
    pub fn resolve(self, prices: &[GridPrices]) -> Self {
        match self {
            Self::Auto => {
                let varies = prices.windows(2).any(|w| {
                    w[0].buy_per_kwh != w[1].buy_per_kwh || w[0].sell_per_kwh != w[1].sell_per_kwh
                });
                if varies {
                    Self::HomeEms
                } else {
                    Self::SelfConsumption
                }
            }
            other => other,
        }
    }

    /// Short machine name.
    pub fn key(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::SelfConsumption => "self_consumption",
            Self::HomeEms => "home_ems",
        }
    }

    /// Human name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Auto => "Home EMS if prices vary in time, else self-consumption",
            Self::SelfConsumption => "Self-consumption rule",
            Self::HomeEms => "Home EMS (optimiser on each home's meter)",
        }
    }
}

/// Check a ₹/kWh setting.
pub(crate) fn check_price(field: &str, value: f64) -> Result<(), String> {
    if value.is_finite() && (0.0..=10_000.0).contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "{field} must be between 0 and 10,000 ₹/kWh (got {value})"
        ))
    }
}

impl IslandPrice {
    /// Refuse a negative or absurd fixed price.
    pub fn validate(&self) -> Result<(), String> {
        match *self {
            Self::Fixed { price_per_kwh } => {
                check_price("settings.island_price.price_per_kwh", price_per_kwh)
            }
            _ => Ok(()),
        }
    }
}

impl LostLoadValue {
    /// Refuse a negative or absurd value.
    pub fn validate(&self) -> Result<(), String> {
        match *self {
            Self::RetailMultiple { multiple } => {
                if multiple.is_finite() && (0.0..=1000.0).contains(&multiple) {
                    Ok(())
                } else {
                    Err(format!(
                        "settings.value_of_lost_load.multiple must be between 0 and 1,000 (got {multiple})"
                    ))
                }
            }
            Self::Fixed { price_per_kwh } => {
                check_price("settings.value_of_lost_load.price_per_kwh", price_per_kwh)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_wear_is_the_pack_price_over_its_lifetime_delivery() {
        let b = Battery::typical(5.0);
        // 18,000 / (6,000 × 0.9 × 0.95) = 3.5088 ₹/kWh.
        let w = BatteryWear::default().per_kwh_discharged(&b);
        assert!((w - 18_000.0 / (6_000.0 * 0.9 * 0.95)).abs() < 1e-12);
        assert!((3.50..3.52).contains(&w));
        assert!(
            (BatteryWear::default().per_kwh_throughput([b, b].into_iter()) - w / 2.0).abs() < 1e-12
        );
    }

    #[test]
    fn prices_follow_the_grid() {
        let g = GridPrices::new(0, 10.0, 8.0).expect("valid");
        assert_eq!(IslandPrice::Retail.per_kwh(&g), 10.0);
        assert_eq!(IslandPrice::FeedIn.per_kwh(&g), 8.0);
        assert_eq!(LostLoadValue::default().per_kwh(&g), 40.0);
        assert!(LostLoadValue::Fixed {
            price_per_kwh: -1.0
        }
        .validate()
        .is_err());
        assert!(BatteryWear {
            cycle_life: 0.0,
            ..BatteryWear::default()
        }
        .validate()
        .is_err());
    }
}
