//! The state subsidy: a separate payer. A tier chosen by the period's billed units grants
//! benefits (the whole bill, a % of it up to a cap, free units, ₹/kWh off a range of units);
//! above the last tier nothing (a cliff). The subsidy never exceeds the bill.

use serde::{Deserialize, Serialize};

use super::{slabs::scale, BillingError, EnergyCharge};

/// What a tier grants.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Benefit {
    /// The whole bill (Delhi up to 200 units).
    WholeBill,
    /// A percentage of the bill, at most `cap` ₹ per month.
    PercentOfBill {
        /// Percent of the bill before subsidy.
        percent: f64,
        /// ₹ per month (None: no cap).
        cap_per_month: Option<f64>,
    },
    /// The energy charge of the first `kwh` units (Tamil Nadu's 100 free units).
    FreeUnits {
        /// Units per period.
        kwh: f64,
    },
    /// ₹/kWh off the units between `from_kwh` and `to_kwh` of the period.
    PerKwhOnUnits {
        /// Lower bound, kWh per period.
        from_kwh: f64,
        /// Upper bound, kWh per period.
        to_kwh: f64,
        /// ₹ off per unit.
        per_kwh: f64,
    },
}

/// A subsidy tier: applies when billed units are at most `up_to_kwh`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubsidyTier {
    /// Upper bound of billed units, per period (None: any).
    pub up_to_kwh: Option<f64>,
    /// What it grants (summed).
    pub benefits: Vec<Benefit>,
}

/// The state's subsidy on this tariff.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Subsidy {
    /// Who pays it (shown on the line), e.g. "Government of NCT of Delhi".
    pub payer: String,
    /// Tiers in increasing order of `up_to_kwh`; the first that admits the units applies.
    pub tiers: Vec<SubsidyTier>,
}

impl Subsidy {
    /// Check tiers and that no benefit could exceed what it subsidises.
    pub fn validate(&self, energy: &EnergyCharge) -> Result<(), BillingError> {
        let mut lower = 0.0;
        for (i, tier) in self.tiers.iter().enumerate() {
            let at = format!("subsidy.tiers[{}]", i + 1);
            match tier.up_to_kwh {
                Some(u) if !(u.is_finite() && u > lower) => {
                    return Err(BillingError::field(
                        at + ".up_to_kwh",
                        format!("tiers must increase without overlap: {u} is not above {lower}"),
                    ))
                }
                Some(u) => lower = u,
                None if i + 1 != self.tiers.len() => {
                    return Err(BillingError::field(
                        at + ".up_to_kwh",
                        "only the last tier may be open-ended",
                    ))
                }
                None => {}
            }
            for (j, b) in tier.benefits.iter().enumerate() {
                let at = format!("{at}.benefits[{}]", j + 1);
                match *b {
                    Benefit::WholeBill => {}
                    Benefit::PercentOfBill {
                        percent,
                        cap_per_month,
                    } => {
                        if !(percent.is_finite() && (0.0..=100.0).contains(&percent)) {
                            return Err(BillingError::field(
                                at + ".percent",
                                format!("a subsidy above the bill: {percent}% is outside 0–100"),
                            ));
                        }
                        if cap_per_month.is_some_and(|c| !(c.is_finite() && c >= 0.0)) {
                            return Err(BillingError::field(
                                at + ".cap_per_month",
                                "must be 0 or more",
                            ));
                        }
                    }
                    Benefit::FreeUnits { kwh } => {
                        if !(kwh.is_finite() && kwh >= 0.0) {
                            return Err(BillingError::field(at + ".kwh", "must be 0 or more"));
                        }
                    }
                    Benefit::PerKwhOnUnits {
                        from_kwh,
                        to_kwh,
                        per_kwh,
                    } => {
                        if !(from_kwh.is_finite()
                            && to_kwh.is_finite()
                            && 0.0 <= from_kwh
                            && from_kwh < to_kwh)
                        {
                            return Err(BillingError::field(at, "needs 0 ≤ from_kwh < to_kwh"));
                        }
                        let lowest = (0..=20)
                            .map(|s| from_kwh + (to_kwh - from_kwh) * f64::from(s) / 20.0)
                            .map(|u| energy.marginal_rate(u.min(to_kwh - 1e-6), 1.0))
                            .fold(f64::INFINITY, f64::min);
                        if !(per_kwh.is_finite() && per_kwh >= 0.0 && per_kwh <= lowest + 1e-9) {
                            return Err(BillingError::field(
                                at + ".per_kwh",
                                format!("a subsidy above the bill: ₹{per_kwh}/kWh off units billed at ₹{lowest}/kWh"),
                            ));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The subsidy on a bill of `bill` ₹ for `units` billed units, ₹ (≥ 0, ≤ bill).
    pub fn amount(
        &self,
        energy: &EnergyCharge,
        units: f64,
        bill: f64,
        months: f64,
        factor: f64,
    ) -> f64 {
        let Some(tier) = self
            .tiers
            .iter()
            .find(|t| t.up_to_kwh.is_none_or(|u| units <= scale(u, factor)))
        else {
            return 0.0;
        };
        let energy_of = |kwh: f64| energy.charge(kwh, factor);
        let granted: f64 = tier
            .benefits
            .iter()
            .map(|b| match *b {
                Benefit::WholeBill => bill,
                Benefit::PercentOfBill {
                    percent,
                    cap_per_month,
                } => {
                    let x = bill * percent / 100.0;
                    cap_per_month.map_or(x, |c| x.min(c * months * factor))
                }
                Benefit::FreeUnits { kwh } => energy_of(units.min(kwh)),
                Benefit::PerKwhOnUnits {
                    from_kwh,
                    to_kwh,
                    per_kwh,
                } => (units.min(to_kwh) - from_kwh).max(0.0) * per_kwh,
            })
            .sum();
        granted.clamp(0.0, bill.max(0.0))
    }
}
