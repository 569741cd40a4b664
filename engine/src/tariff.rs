//! Grid tariffs: flat, time-of-use by month and hour of day, or an explicit per-step series.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::billing::{BillingError, RetailPreset, RetailTariff};
use crate::market::{GridPrices, PriceError};
use crate::time_axis::TimeAxis;

/// A table of prices by calendar month (12 rows) and hour of day (24 columns), ₹/kWh.
pub type MonthHourTable = Vec<[f64; 24]>;

/// How the grid prices import and export.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Tariff {
    /// One buy and one sell price for every step.
    Flat {
        /// λ_buy, ₹/kWh.
        buy_per_kwh: f64,
        /// λ_sell, ₹/kWh.
        sell_per_kwh: f64,
    },
    /// Prices by calendar month and hour of day (buy and sell separately).
    TimeOfUse {
        /// λ_buy by [month][hour].
        buy_per_kwh: MonthHourTable,
        /// λ_sell by [month][hour].
        sell_per_kwh: MonthHourTable,
    },
    /// A real Indian residential tariff billed per period (slabs, fixed charges, adders,
    /// subsidy, metering regime; [`crate::billing`]). The dispatch plans with its marginal
    /// price at a reference consumption; bills are computed per member per period.
    Retail(Box<RetailTariff>),
    /// One price pair per step of the run.
    Series {
        /// λ_buy per step.
        buy_per_kwh: Vec<f64>,
        /// λ_sell per step.
        sell_per_kwh: Vec<f64>,
    },
}

/// Why a tariff cannot be used.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum TariffError {
    /// A time-of-use table does not have 12 months.
    #[error("tariff: the {which} time-of-use table has {months} months (expected 12)")]
    TableShape {
        /// `buy` or `sell`.
        which: &'static str,
        /// Rows found.
        months: usize,
    },
    /// A price series is shorter than the run.
    #[error("tariff: the {which} series has {got} prices but the run has {steps} steps")]
    SeriesLength {
        /// `buy` or `sell`.
        which: &'static str,
        /// Prices given.
        got: usize,
        /// Steps needed.
        steps: usize,
    },
    /// A retail tariff is invalid.
    #[error(transparent)]
    Retail(#[from] BillingError),
    /// A step's prices break 0 < sell < buy.
    #[error("tariff: {0}")]
    Price(#[from] PriceError),
}

/// Named tariff presets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TariffPreset {
    /// The study's representative prices: buy 10, sell 8.
    Study,
    /// Indian time-of-day retail (peak ×1.2 18–22 h, solar hours 09–17 h 20% cheaper), feed-in ₹3.
    IndianTimeOfDay,
    /// Flat residential retail ₹6.5, feed-in ₹3.
    FlatRetail,
}

impl TariffPreset {
    /// Every preset, in display order.
    pub const ALL: [TariffPreset; 3] = [Self::Study, Self::IndianTimeOfDay, Self::FlatRetail];

    /// Human name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Study => "Study (buy 10, sell 8)",
            Self::IndianTimeOfDay => {
                "Indian time-of-day (retail 6.5, peak ×1.2, solar −20%, feed-in 3)"
            }
            Self::FlatRetail => "Flat retail (6.5, feed-in 3)",
        }
    }

    /// The tariff this preset stands for.
    pub fn tariff(self) -> Tariff {
        match self {
            Self::Study => Tariff::Flat {
                buy_per_kwh: 10.0,
                sell_per_kwh: 8.0,
            },
            Self::IndianTimeOfDay => time_of_day(TimeOfDay::default()),
            Self::FlatRetail => Tariff::Flat {
                buy_per_kwh: 6.5,
                sell_per_kwh: 3.0,
            },
        }
    }
}

/// Parameters of an Indian time-of-day tariff (Ministry of Power rules, 2023).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimeOfDay {
    /// Normal retail price, ₹/kWh.
    pub normal_per_kwh: f64,
    /// Peak multiplier (≥ 1.10 for homes, ≥ 1.20 for business).
    pub peak_multiplier: f64,
    /// Peak window [start, end) hours.
    pub peak_hours: (u8, u8),
    /// Solar-hours discount (0.1–0.2).
    pub solar_discount: f64,
    /// Solar window [start, end) hours.
    pub solar_hours: (u8, u8),
    /// Feed-in price, ₹/kWh.
    pub feed_in_per_kwh: f64,
}

impl Default for TimeOfDay {
    fn default() -> Self {
        Self {
            normal_per_kwh: 6.5,
            peak_multiplier: 1.2,
            peak_hours: (18, 22),
            solar_discount: 0.2,
            solar_hours: (9, 17),
            feed_in_per_kwh: 3.0,
        }
    }
}

/// Build the month × hour tables of a time-of-day tariff.
pub fn time_of_day(p: TimeOfDay) -> Tariff {
    let in_window = |h: u8, (start, end): (u8, u8)| h >= start && h < end;
    let mut day = [0.0; 24];
    for (h, price) in day.iter_mut().enumerate() {
        let h = h as u8;
        *price = if in_window(h, p.peak_hours) {
            p.normal_per_kwh * p.peak_multiplier
        } else if in_window(h, p.solar_hours) {
            p.normal_per_kwh * (1.0 - p.solar_discount)
        } else {
            p.normal_per_kwh
        };
    }
    Tariff::TimeOfUse {
        buy_per_kwh: vec![day; 12],
        sell_per_kwh: vec![[p.feed_in_per_kwh; 24]; 12],
    }
}

impl Tariff {
    /// The retail tariff, when bills are real.
    pub fn retail(&self) -> Option<&RetailTariff> {
        match self {
            Tariff::Retail(r) => Some(r),
            _ => None,
        }
    }

    /// A short human name.
    pub fn label(&self) -> String {
        match self {
            Tariff::Flat {
                buy_per_kwh,
                sell_per_kwh,
            } => format!("flat {buy_per_kwh}/{sell_per_kwh}"),
            Tariff::TimeOfUse { .. } => "time-of-use".into(),
            Tariff::Series { .. } => "price series".into(),
            Tariff::Retail(r) => format!("{} ({}, {})", r.name, r.year, r.metering.regime.label()),
        }
    }

    /// A tariff by CLI/scenario id: `study`, `tod`, `flat` or a retail preset (`delhi`, …).
    pub fn by_id(id: &str) -> Result<Self, BillingError> {
        match id {
            "study" => Ok(TariffPreset::Study.tariff()),
            "tod" => Ok(TariffPreset::IndianTimeOfDay.tariff()),
            "flat" => Ok(TariffPreset::FlatRetail.tariff()),
            other => RetailPreset::from_key(other)
                .map(|p| Tariff::Retail(Box::new(p.tariff())))
                .map_err(|_| {
                    BillingError::UnknownPreset(
                        other.to_string(),
                        ["study", "tod", "flat"]
                            .into_iter()
                            .chain(RetailPreset::ALL.iter().map(|p| p.key()))
                            .collect::<Vec<_>>()
                            .join(", "),
                    )
                }),
        }
    }

    /// The validated grid prices of every step of `axis`.
    pub fn prices(&self, axis: &TimeAxis) -> Result<Vec<GridPrices>, TariffError> {
        let mut out = Vec::with_capacity(axis.steps);
        match self {
            Tariff::Flat {
                buy_per_kwh,
                sell_per_kwh,
            } => {
                let grid = GridPrices::new(0, *buy_per_kwh, *sell_per_kwh)?;
                out.resize(axis.steps, grid);
            }
            Tariff::TimeOfUse {
                buy_per_kwh,
                sell_per_kwh,
            } => {
                for (which, table) in [("buy", buy_per_kwh), ("sell", sell_per_kwh)] {
                    if table.len() != 12 {
                        return Err(TariffError::TableShape {
                            which,
                            months: table.len(),
                        });
                    }
                }
                for step in 0..axis.steps {
                    let (m, h) = (
                        axis.calendar_month_of(step),
                        axis.hour_of_day(step) as usize,
                    );
                    out.push(GridPrices::new(
                        step,
                        buy_per_kwh[m][h],
                        sell_per_kwh[m][h],
                    )?);
                }
            }
            Tariff::Retail(retail) => {
                retail.validate()?;
                let by_block: Vec<(f64, f64)> = (0..retail.blocks())
                    .map(|b| {
                        let (buy, sell) = retail.dispatch_prices(b);
                        (buy, sell.clamp(0.01_f64.min(buy / 2.0), buy * 0.99))
                    })
                    .collect();
                for step in 0..axis.steps {
                    let (buy, sell) = by_block[retail.block_of(axis.hour_of_day(step))];
                    out.push(GridPrices::new(step, buy, sell)?);
                }
            }
            Tariff::Series {
                buy_per_kwh,
                sell_per_kwh,
            } => {
                for (which, series) in [("buy", buy_per_kwh), ("sell", sell_per_kwh)] {
                    if series.len() < axis.steps {
                        return Err(TariffError::SeriesLength {
                            which,
                            got: series.len(),
                            steps: axis.steps,
                        });
                    }
                }
                for step in 0..axis.steps {
                    out.push(GridPrices::new(
                        step,
                        buy_per_kwh[step],
                        sell_per_kwh[step],
                    )?);
                }
            }
        }
        Ok(out)
    }

    /// The same tariff with every sell price replaced (a feed-in what-if).
    pub fn with_feed_in(&self, sell_per_kwh: f64) -> Tariff {
        match self.clone() {
            Tariff::Flat { buy_per_kwh, .. } => Tariff::Flat {
                buy_per_kwh,
                sell_per_kwh,
            },
            Tariff::TimeOfUse { buy_per_kwh, .. } => Tariff::TimeOfUse {
                sell_per_kwh: vec![[sell_per_kwh; 24]; buy_per_kwh.len()],
                buy_per_kwh,
            },
            Tariff::Series { buy_per_kwh, .. } => Tariff::Series {
                sell_per_kwh: vec![sell_per_kwh; buy_per_kwh.len()],
                buy_per_kwh,
            },
            Tariff::Retail(mut r) => {
                r.metering.feed_in_per_kwh = sell_per_kwh;
                r.metering.year_end_per_kwh = r.metering.year_end_per_kwh.map(|_| sell_per_kwh);
                Tariff::Retail(r)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retail_presets_give_dispatch_prices_for_a_year() {
        for preset in RetailPreset::ALL {
            let t = Tariff::by_id(preset.key()).unwrap();
            let prices = t.prices(&TimeAxis::hourly_year()).unwrap();
            assert!(
                prices.iter().all(|p| p.sell_per_kwh < p.buy_per_kwh),
                "{}",
                preset.key()
            );
        }
        assert!(Tariff::by_id("gujarat")
            .unwrap_err()
            .to_string()
            .contains("delhi"));
    }

    #[test]
    fn presets_are_valid_for_a_year() {
        for preset in TariffPreset::ALL {
            let prices = preset.tariff().prices(&TimeAxis::hourly_year()).unwrap();
            assert_eq!(prices.len(), 8760);
        }
    }

    #[test]
    fn time_of_day_windows() {
        let prices = TariffPreset::IndianTimeOfDay
            .tariff()
            .prices(&TimeAxis::hourly(24))
            .unwrap();
        assert!((prices[3].buy_per_kwh - 6.5).abs() < 1e-12);
        assert!((prices[12].buy_per_kwh - 5.2).abs() < 1e-12);
        assert!((prices[19].buy_per_kwh - 7.8).abs() < 1e-12);
        assert!(prices.iter().all(|p| (p.sell_per_kwh - 3.0).abs() < 1e-12));
    }

    #[test]
    fn invalid_steps_are_named() {
        let mut buy = vec![[10.0; 24]; 12];
        buy[1][19] = 2.0;
        let tariff = Tariff::TimeOfUse {
            buy_per_kwh: buy,
            sell_per_kwh: vec![[3.0; 24]; 12],
        };
        let err = tariff.prices(&TimeAxis::hourly_year()).unwrap_err();
        // 1 February, 19:00 is step 31·24 + 19.
        assert!(
            err.to_string().contains(&format!("step {}", 31 * 24 + 19)),
            "{err}"
        );
        let short = Tariff::Series {
            buy_per_kwh: vec![10.0; 3],
            sell_per_kwh: vec![8.0; 3],
        };
        assert!(matches!(
            short.prices(&TimeAxis::hourly(4)),
            Err(TariffError::SeriesLength { which: "buy", .. })
        ));
        assert!(Tariff::Flat {
            buy_per_kwh: 10.0,
            sell_per_kwh: 8.0
        }
        .with_feed_in(11.0)
        .prices(&TimeAxis::hourly(1))
        .is_err());
    }
}
