//! Energy charges by slab on a billing period's total: telescopic (each block at its own rate),
//! all-units (the total selects one rate for every unit) and category-by-total (the total
//! selects which table applies, as in Kerala above 250 units and Haryana above 100).

use serde::{Deserialize, Serialize};

use super::{BillLine, BillingError};

/// One block of a slab table: units up to `up_to_kwh` (cumulative, per period; `None` on the
/// last block) at `rate_per_kwh`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Slab {
    /// Upper bound of the block, kWh per period (None: no bound).
    pub up_to_kwh: Option<f64>,
    /// Energy charge, ₹/kWh.
    pub rate_per_kwh: f64,
}

/// How a table turns units into an energy charge.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlabMode {
    /// Each block's units at the block's rate.
    #[default]
    Telescopic,
    /// Every unit at the rate of the block the total falls in.
    AllUnits,
}

/// A slab table and the totals it applies to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SlabCategory {
    /// The table applies when the period's billed total is at most this (None: any total).
    #[serde(default)]
    pub applies_up_to_kwh: Option<f64>,
    /// Telescopic or all-units.
    #[serde(default)]
    pub mode: SlabMode,
    /// The blocks, in increasing order of `up_to_kwh`.
    pub slabs: Vec<Slab>,
}

/// The energy charge: one category for a plain telescopic or all-units table, several when the
/// total picks the table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnergyCharge {
    /// Categories in increasing order of `applies_up_to_kwh`; the first that admits the total
    /// applies.
    pub categories: Vec<SlabCategory>,
}

impl EnergyCharge {
    /// A plain telescopic table from (upper bound, rate) pairs.
    pub fn telescopic(slabs: &[(Option<f64>, f64)]) -> Self {
        Self::single(SlabMode::Telescopic, slabs)
    }

    fn single(mode: SlabMode, slabs: &[(Option<f64>, f64)]) -> Self {
        Self {
            categories: vec![SlabCategory {
                applies_up_to_kwh: None,
                mode,
                slabs: to_slabs(slabs),
            }],
        }
    }

    /// Check order, bounds and rates; errors name the category and slab (1-based).
    pub fn validate(&self) -> Result<(), BillingError> {
        if self.categories.is_empty() {
            return Err(BillingError::field(
                "energy.categories",
                "needs at least one slab table",
            ));
        }
        let mut previous_limit = 0.0;
        for (c, category) in self.categories.iter().enumerate() {
            let at = |s: usize| format!("energy.categories[{}].slabs[{}]", c + 1, s + 1);
            if let Some(limit) = category.applies_up_to_kwh {
                if !(limit.is_finite() && limit > previous_limit) {
                    return Err(BillingError::field(
                        format!("energy.categories[{}].applies_up_to_kwh", c + 1),
                        format!(
                            "must be above the previous category's ({previous_limit}), got {limit}"
                        ),
                    ));
                }
                previous_limit = limit;
            } else if c + 1 != self.categories.len() {
                return Err(BillingError::field(
                    format!("energy.categories[{}].applies_up_to_kwh", c + 1),
                    "only the last category may apply to any total",
                ));
            }
            if category.slabs.is_empty() {
                return Err(BillingError::field(at(0), "the table has no slabs"));
            }
            let mut lower = 0.0;
            for (s, slab) in category.slabs.iter().enumerate() {
                if !(slab.rate_per_kwh.is_finite()
                    && (0.0..=crate::limits::MAX_PRICE_PER_KWH).contains(&slab.rate_per_kwh))
                {
                    return Err(BillingError::field(
                        at(s) + ".rate_per_kwh",
                        format!(
                            "must be a rate from 0 to {} ₹/kWh, got {}",
                            crate::limits::MAX_PRICE_PER_KWH,
                            slab.rate_per_kwh
                        ),
                    ));
                }
                match slab.up_to_kwh {
                    Some(up) if !(up.is_finite() && up > lower) => {
                        return Err(BillingError::field(
                            at(s) + ".up_to_kwh",
                            format!(
                                "slabs must be in increasing order without overlap: {up} is not above the previous bound {lower}"
                            ),
                        ));
                    }
                    Some(up) => lower = up,
                    None if s + 1 != category.slabs.len() => {
                        return Err(BillingError::field(
                            at(s) + ".up_to_kwh",
                            "only the last slab may be open-ended",
                        ));
                    }
                    None => {}
                }
            }
            if category.slabs.last().and_then(|s| s.up_to_kwh).is_some()
                && category.applies_up_to_kwh.is_none_or(|a| a > lower)
            {
                return Err(BillingError::field(
                    at(category.slabs.len() - 1) + ".up_to_kwh",
                    "the last slab must be open-ended (or cover the category's whole range)",
                ));
            }
        }
        Ok(())
    }

    /// The category that applies to a billed total.
    fn category(&self, units: f64, factor: f64) -> &SlabCategory {
        self.categories
            .iter()
            .find(|c| {
                c.applies_up_to_kwh
                    .is_none_or(|a| units <= scale(a, factor))
            })
            .unwrap_or_else(|| &self.categories[self.categories.len() - 1])
    }

    /// The energy charge of `units` billed units, one line per slab used, with slab limits
    /// scaled by `factor` (pro-rating by billing days) and rounded to whole units. The units
    /// start at `offset_kwh` (units that count toward the slabs but are billed elsewhere, such
    /// as P2P purchases when they count); the total `offset + units` picks the category.
    pub fn lines(&self, offset_kwh: f64, units: f64, factor: f64) -> Vec<BillLine> {
        let end = offset_kwh + units;
        let category = self.category(end, factor);
        let mut out = Vec::new();
        if units <= 0.0 {
            return out;
        }
        match category.mode {
            SlabMode::Telescopic => {
                let mut lower: f64 = 0.0;
                for slab in &category.slabs {
                    let upper = slab.up_to_kwh.map_or(f64::INFINITY, |u| scale(u, factor));
                    let kwh = end.min(upper) - lower.max(offset_kwh);
                    if kwh > 0.0 {
                        out.push(slab_line(
                            lower,
                            slab.up_to_kwh.map(|_| upper),
                            kwh,
                            slab.rate_per_kwh,
                        ));
                    }
                    lower = upper;
                    if end <= upper {
                        break;
                    }
                }
            }
            SlabMode::AllUnits => {
                let slab = Self::all_units_slab(category, end, factor);
                out.push(BillLine::consumer(
                    "energy",
                    format!(
                        "Energy, all {} units at {:.2}",
                        fmt_units(units),
                        slab.rate_per_kwh
                    ),
                    units * slab.rate_per_kwh,
                ));
            }
        }
        out
    }

    /// The energy charge of `units` from zero, ₹.
    pub fn charge(&self, units: f64, factor: f64) -> f64 {
        self.lines(0.0, units, factor)
            .iter()
            .map(|l| l.amount)
            .sum()
    }

    fn all_units_slab(category: &SlabCategory, units: f64, factor: f64) -> Slab {
        *category
            .slabs
            .iter()
            .find(|s| s.up_to_kwh.is_none_or(|u| units <= scale(u, factor)))
            .unwrap_or_else(|| &category.slabs[category.slabs.len() - 1])
    }

    /// The rate of the next unit for a member that has `units` billed so far this period
    /// (the slab it is in), ₹/kWh.
    pub fn marginal_rate(&self, units: f64, factor: f64) -> f64 {
        let category = self.category(units, factor);
        match category.mode {
            SlabMode::AllUnits => Self::all_units_slab(category, units, factor).rate_per_kwh,
            SlabMode::Telescopic => {
                category
                    .slabs
                    .iter()
                    .find(|s| s.up_to_kwh.is_none_or(|u| units < scale(u, factor)))
                    .unwrap_or_else(|| &category.slabs[category.slabs.len() - 1])
                    .rate_per_kwh
            }
        }
    }
}

impl EnergyCharge {
    /// [`EnergyCharge::marginal_rate`] (limits already scaled) with the open interval of units
    /// around `units` over which it stays the same, so a caller can skip the search while a
    /// member's total stays inside it.
    pub fn marginal_rate_band(&self, units: f64) -> RateBand {
        let rate = self.marginal_rate(units, 1.0);
        let (mut lo, mut hi) = (0.0_f64, f64::INFINITY);
        let mut previous = 0.0;
        for c in &self.categories {
            let up = c.applies_up_to_kwh.unwrap_or(f64::INFINITY);
            if units <= up {
                lo = lo.max(previous);
                hi = hi.min(up);
                let mut below = 0.0;
                for slab in &c.slabs {
                    let u = slab.up_to_kwh.unwrap_or(f64::INFINITY);
                    if below <= units && units <= u {
                        lo = lo.max(below);
                        hi = hi.min(u);
                        break;
                    }
                    below = u;
                }
                break;
            }
            previous = up;
        }
        RateBand { rate, lo, hi }
    }
}

/// A marginal rate and the open interval (lo, hi) of units where it holds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateBand {
    /// ₹/kWh.
    pub rate: f64,
    /// Lower bound (exclusive).
    pub lo: f64,
    /// Upper bound (exclusive).
    pub hi: f64,
}

impl Default for RateBand {
    /// An empty band: the first lookup always searches.
    fn default() -> Self {
        Self {
            rate: 0.0,
            lo: 0.0,
            hi: 0.0,
        }
    }
}

impl RateBand {
    /// Whether `units` is strictly inside the band (or at 0 in a band from 0: every mode
    /// bills the first unit at the first slab's rate).
    pub fn holds(&self, units: f64) -> bool {
        (self.lo < units || (self.lo == 0.0 && units == 0.0)) && units < self.hi
    }
}

fn to_slabs(slabs: &[(Option<f64>, f64)]) -> Vec<Slab> {
    slabs
        .iter()
        .map(|&(up_to_kwh, rate_per_kwh)| Slab {
            up_to_kwh,
            rate_per_kwh,
        })
        .collect()
}

impl SlabCategory {
    /// A category from (upper bound, rate) pairs.
    pub fn new(
        applies_up_to_kwh: Option<f64>,
        mode: SlabMode,
        slabs: &[(Option<f64>, f64)],
    ) -> Self {
        Self {
            applies_up_to_kwh,
            mode,
            slabs: to_slabs(slabs),
        }
    }
}

/// A limit pro-rated by `factor` and rounded to whole units (half up); exact when factor is 1.
pub(super) fn scale(limit: f64, factor: f64) -> f64 {
    if factor == 1.0 {
        limit
    } else {
        (limit * factor + 0.5).floor()
    }
}

fn fmt_units(kwh: f64) -> String {
    if (kwh - kwh.round()).abs() < 1e-9 {
        format!("{kwh:.0}")
    } else {
        format!("{kwh:.2}")
    }
}

fn slab_line(lower: f64, upper: Option<f64>, kwh: f64, rate: f64) -> BillLine {
    let range = match upper {
        Some(u) => format!("{}–{}", fmt_units(lower), fmt_units(u)),
        None => format!("above {}", fmt_units(lower)),
    };
    BillLine::consumer(
        "energy",
        format!("Energy {range}: {} units × {rate:.2}", fmt_units(kwh)),
        kwh * rate,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(lines: &[BillLine]) -> f64 {
        lines.iter().map(|l| l.amount).sum()
    }

    #[test]
    fn telescopic_bills_each_block_at_its_rate() {
        let e = EnergyCharge::telescopic(&[(Some(200.0), 3.0), (Some(400.0), 4.5), (None, 6.5)]);
        assert_eq!(total(&e.lines(0.0, 150.0, 1.0)), 450.0);
        assert_eq!(total(&e.lines(0.0, 200.0, 1.0)), 600.0);
        assert_eq!(
            total(&e.lines(0.0, 545.0, 1.0)),
            600.0 + 900.0 + 145.0 * 6.5
        );
        assert_eq!(e.lines(0.0, 545.0, 1.0).len(), 3);
        assert_eq!(e.marginal_rate(199.0, 1.0), 3.0);
        assert_eq!(e.marginal_rate(200.0, 1.0), 4.5);
        assert_eq!(e.marginal_rate(1000.0, 1.0), 6.5);
    }

    #[test]
    fn a_rate_band_holds_the_rate_over_its_interval() {
        let kerala = crate::billing::RetailPreset::Kerala.tariff().energy;
        let delhi = crate::billing::RetailPreset::Delhi.tariff().energy;
        for e in [kerala, delhi] {
            for u in (0..2000).map(|x| f64::from(x) * 0.7) {
                let b = e.marginal_rate_band(u);
                assert_eq!(b.rate, e.marginal_rate(u, 1.0));
                for v in [
                    b.lo + 1e-6,
                    (b.lo + b.hi.min(b.lo + 1000.0)) / 2.0,
                    b.hi.min(1e7) - 1e-6,
                ] {
                    if b.holds(v) {
                        assert_eq!(
                            e.marginal_rate(v, 1.0),
                            b.rate,
                            "{u} → {v} in ({}, {})",
                            b.lo,
                            b.hi
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn pro_rated_limits_round_to_whole_units() {
        let e = EnergyCharge::telescopic(&[(Some(200.0), 3.0), (Some(400.0), 4.5), (None, 6.5)]);
        let f = 30.0 / 30.8;
        assert!((total(&e.lines(0.0, 545.0, f)) - 2470.0).abs() < 1e-9);
    }

    #[test]
    fn overlapping_slabs_are_refused_by_name() {
        let e = EnergyCharge::telescopic(&[(Some(200.0), 3.0), (Some(150.0), 4.5), (None, 6.5)]);
        let err = e.validate().unwrap_err().to_string();
        assert!(
            err.contains("energy.categories[1].slabs[2].up_to_kwh"),
            "{err}"
        );
        let e = EnergyCharge::telescopic(&[(Some(200.0), -3.0), (None, 6.5)]);
        assert!(e
            .validate()
            .unwrap_err()
            .to_string()
            .contains("slabs[1].rate_per_kwh"));
    }
}
