//! Real Indian residential bills (TARIFFS.md): a bill per member per billing period built from
//! the period's totals — energy by slab, time of day, fixed charge, ₹/kWh adders, percentage
//! adders and duty, the state subsidy as a separate payer — and a metering regime for exports.
//! Pure data in, ordered line items out; `run/` feeds it each member's metered units.

mod adders;
mod bill;
mod error;
mod file;
mod fixed;
mod metering;
mod periods;
mod presets;
mod sharing;
mod single_point;
mod slabs;
mod subsidy;
mod tod;

pub use adders::{PerKwhAdder, PercentAdder, BUILT_IN_BASES};
pub use bill::{BillLine, Party, PeriodBill, PeriodUsage};
pub use error::BillingError;
pub use file::one_period_bill;
pub use fixed::{ConsumptionBand, FixedCharge, LoadBand};
pub use metering::{Metered, Metering, Readings, Regime};
pub use periods::{billing_periods, PeriodSpan};
pub use presets::RetailPreset;
pub use sharing::{default_sanctioned_kw, BillingSettings};
pub use single_point::{gap_line, pays_society, rebill, share_gap, GapRule, SinglePoint};
pub use slabs::{EnergyCharge, RateBand, Slab, SlabCategory, SlabMode};
pub use subsidy::{Benefit, Subsidy, SubsidyTier};
pub use tod::{TimeOfDay, TodWindow};

use serde::{Deserialize, Serialize};

/// Monthly or bimonthly bills.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BillingPeriod {
    /// One bill per calendar month.
    #[default]
    Monthly,
    /// One bill per two calendar months (slab limits are per two months).
    Bimonthly,
}

impl BillingPeriod {
    /// Calendar months per bill.
    pub fn months(self) -> usize {
        match self {
            Self::Monthly => 1,
            Self::Bimonthly => 2,
        }
    }
}

/// Single- or three-phase supply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Single-phase.
    #[default]
    Single,
    /// Three-phase.
    Three,
}

/// A member's connection as the DISCOM sees it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Connection {
    /// Sanctioned load, kW.
    pub sanctioned_kw: f64,
    /// Phase.
    pub phase: Phase,
}

/// A residential retail tariff as data: what a DISCOM bills a home per period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RetailTariff {
    /// Preset id (`delhi`, …) or `custom`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Where the numbers come from (order, schedule, news report).
    pub source: String,
    /// The financial year or date the numbers hold for.
    pub year: String,
    /// Monthly or bimonthly.
    #[serde(default)]
    pub period: BillingPeriod,
    /// Slab limits, fixed charge and subsidy thresholds are scaled by billing days ÷ this
    /// (Delhi); None: no pro-rating.
    #[serde(default)]
    pub prorate_nominal_days: Option<f64>,
    /// Energy charge by slab.
    pub energy: EnergyCharge,
    /// Time-of-day windows on the energy charge.
    #[serde(default)]
    pub time_of_day: Option<TimeOfDay>,
    /// Fixed charge.
    #[serde(default)]
    pub fixed: FixedCharge,
    /// ₹/kWh adders on billed units.
    #[serde(default)]
    pub per_kwh_adders: Vec<PerKwhAdder>,
    /// Percentage adders and duty, in order.
    #[serde(default)]
    pub percent_adders: Vec<PercentAdder>,
    /// The state subsidy.
    #[serde(default)]
    pub subsidy: Option<Subsidy>,
    /// How exports are settled.
    pub metering: Metering,
    /// The per-step price the dispatch plans with is the marginal all-in price at this many
    /// units per month (the coordinator cannot know each home's period total in advance).
    #[serde(default = "reference_units")]
    pub dispatch_reference_kwh_per_month: f64,
    /// Choices and unconfirmed values, shown with the preset.
    #[serde(default)]
    pub notes: Vec<String>,
}

fn reference_units() -> f64 {
    200.0
}

impl RetailTariff {
    /// Check every part; the error names the part and field.
    pub fn validate(&self) -> Result<(), BillingError> {
        if let Some(d) = self.prorate_nominal_days {
            if !(d.is_finite() && d > 0.0) {
                return Err(BillingError::field(
                    "prorate_nominal_days",
                    "must be above 0",
                ));
            }
        }
        self.energy.validate()?;
        if let Some(tod) = &self.time_of_day {
            tod.validate()?;
            let lowest = self
                .energy
                .categories
                .iter()
                .flat_map(|c| &c.slabs)
                .map(|s| s.rate_per_kwh)
                .fold(f64::INFINITY, f64::min);
            for (i, w) in tod.windows.iter().enumerate() {
                if w.rebate_per_kwh > lowest * w.multiplier + 1e-9 {
                    return Err(BillingError::field(
                        format!("time_of_day.windows[{}] ({}).rebate_per_kwh", i + 1, w.name),
                        format!("₹{} off is more than the lowest slab rate in the window (₹{:.2}): the energy charge would go negative", w.rebate_per_kwh, lowest * w.multiplier),
                    ));
                }
            }
        }
        self.fixed.validate()?;
        adders::validate(&self.per_kwh_adders, &self.percent_adders)?;
        if let Some(s) = &self.subsidy {
            s.validate(&self.energy)?;
        }
        self.metering.validate()?;
        let r = self.dispatch_reference_kwh_per_month;
        if !(r.is_finite() && r >= 0.0) {
            return Err(BillingError::field(
                "dispatch_reference_kwh_per_month",
                "must be 0 or more",
            ));
        }
        Ok(())
    }

    /// Number of ToD blocks (1 without time of day).
    pub fn blocks(&self) -> usize {
        self.time_of_day.as_ref().map_or(1, TimeOfDay::blocks)
    }

    /// The ToD block of an hour of the day.
    pub fn block_of(&self, hour: u32) -> usize {
        self.time_of_day.as_ref().map_or(0, |t| t.block_of(hour))
    }

    /// Slab scaling for a period of `days` billing days.
    pub fn factor(&self, days: f64) -> f64 {
        self.prorate_nominal_days.map_or(1.0, |n| days / n)
    }

    /// The all-in price of one more DISCOM unit for a member with `units` billed so far this
    /// period, in ToD block `block`: the slab rate (after ToD), the ₹/kWh adders and every
    /// percentage adder they reach. The subsidy is left out (the state pays it).
    pub fn marginal_price_per_kwh(&self, units: f64, block: usize, factor: f64) -> f64 {
        let energy = self.scaled_energy(factor);
        Pricer::new(self, &energy, self.price_slopes()).price(units, block)
    }

    /// The adder slopes of the marginal price: (₹ of bill per ₹ of energy charge, ₹ of
    /// ₹/kWh adders and what they reach per unit).
    pub fn price_slopes(&self) -> (f64, f64) {
        (
            adders::slope_from(&self.percent_adders, "energy"),
            self.per_kwh_adders
                .iter()
                .map(|a| a.per_kwh * adders::slope_from(&self.percent_adders, &a.key))
                .sum(),
        )
    }

    /// The energy charge with its limits pro-rated by `factor` and rounded as a bill rounds
    /// them (so the per-step price need not scale them again).
    pub fn scaled_energy(&self, factor: f64) -> EnergyCharge {
        let mut e = self.energy.clone();
        for c in &mut e.categories {
            c.applies_up_to_kwh = c.applies_up_to_kwh.map(|u| slabs::scale(u, factor));
            for s in &mut c.slabs {
                s.up_to_kwh = s.up_to_kwh.map(|u| slabs::scale(u, factor));
            }
        }
        e
    }

    /// The per-step grid prices the dispatch plans with (buy: the marginal price at the
    /// reference consumption; sell: the regime's export value).
    pub fn dispatch_prices(&self, block: usize) -> (f64, f64) {
        let buy = self.marginal_price_per_kwh(
            self.dispatch_reference_kwh_per_month * self.period.months() as f64,
            block,
            1.0,
        );
        let sell = match self.metering.regime {
            Regime::NetBilling | Regime::Gross => self.metering.feed_in_per_kwh,
            // Exports offset retail within the period; a little below so self-use still wins.
            Regime::NetMetering | Regime::TodNetMetering => 0.95 * buy,
        };
        (buy, sell)
    }
}

/// Marginal all-in prices of one tariff for one period (see
/// [`RetailTariff::marginal_price_per_kwh`]), with the slopes and scaled limits computed once.
#[derive(Clone, Copy, Debug)]
pub struct Pricer<'a> {
    energy: &'a EnergyCharge,
    tod: Option<&'a TimeOfDay>,
    energy_slope: f64,
    adders_per_kwh: f64,
}

impl<'a> Pricer<'a> {
    /// A pricer of `tariff` with its period's `energy` ([`RetailTariff::scaled_energy`]) and
    /// [`RetailTariff::price_slopes`].
    pub fn new(tariff: &'a RetailTariff, energy: &'a EnergyCharge, slopes: (f64, f64)) -> Self {
        Self {
            energy,
            tod: tariff.time_of_day.as_ref(),
            energy_slope: slopes.0,
            adders_per_kwh: slopes.1,
        }
    }

    /// The price of one more DISCOM unit with `units` billed so far, in ToD block `block`.
    pub fn price(&self, units: f64, block: usize) -> f64 {
        self.price_from(self.energy.marginal_rate(units, 1.0), units, block)
    }

    /// [`Pricer::price`] with the member's last rate band: searched again only when its
    /// units leave the band.
    pub fn price_cached(&self, units: f64, block: usize, band: &mut RateBand) -> f64 {
        if !band.holds(units) {
            *band = self.energy.marginal_rate_band(units);
        }
        self.price_from(band.rate, units, block)
    }

    fn price_from(&self, slab_rate: f64, units: f64, block: usize) -> f64 {
        let mut rate = slab_rate;
        let mut rebate = 0.0;
        if let Some(tod) = self.tod {
            if tod.applies(units) {
                let (m, r) = tod.of_block(block);
                rate *= m;
                rebate = r;
            }
        }
        (rate - rebate) * self.energy_slope + self.adders_per_kwh
    }
}
