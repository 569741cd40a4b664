//! Adders after the energy and fixed charges: ₹/kWh adders on billed units (wheeling, fuel
//! adjustment), then percentage adders and duty, each a % of a stated base of earlier lines,
//! applied in order (Delhi: PPAC, then the surcharges, then the electricity tax).

use serde::{Deserialize, Serialize};

use super::{BillLine, BillingError};
use crate::limits::MAX_PRICE_PER_KWH;

/// A charge per billed unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PerKwhAdder {
    /// Line key (e.g. `wheeling`).
    pub key: String,
    /// Line name on the bill.
    pub name: String,
    /// ₹ per billed kWh.
    pub per_kwh: f64,
}

/// A percentage of the sum of earlier lines.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PercentAdder {
    /// Line key, usable in later adders' bases.
    pub key: String,
    /// Line name on the bill.
    pub name: String,
    /// Percent (20.69 = 20.69%).
    pub percent: f64,
    /// Keys of the lines it is taken on: `energy` (with any time-of-day adjustment), `fixed`,
    /// a per-kWh adder's key, `p2p_fees`, or an earlier percentage adder's key.
    pub base: Vec<String>,
}

/// Base keys every tariff has.
pub const BUILT_IN_BASES: [&str; 3] = ["energy", "fixed", "p2p_fees"];

/// Check rates and that every base names a line that exists before the adder.
pub fn validate(per_kwh: &[PerKwhAdder], percent: &[PercentAdder]) -> Result<(), BillingError> {
    let mut known: Vec<&str> = BUILT_IN_BASES.to_vec();
    for (i, a) in per_kwh.iter().enumerate() {
        let at = format!("per_kwh_adders[{}] ({})", i + 1, a.key);
        if !(a.per_kwh.is_finite() && (0.0..=MAX_PRICE_PER_KWH).contains(&a.per_kwh)) {
            return Err(BillingError::field(
                at + ".per_kwh",
                format!(
                    "must be from 0 to {MAX_PRICE_PER_KWH} ₹/kWh, got {}",
                    a.per_kwh
                ),
            ));
        }
        if known.contains(&a.key.as_str()) {
            return Err(BillingError::field(
                at + ".key",
                "a line with this key already exists",
            ));
        }
        known.push(&a.key);
    }
    for (i, a) in percent.iter().enumerate() {
        let at = format!("percent_adders[{}] ({})", i + 1, a.key);
        if !(a.percent.is_finite() && (0.0..=100.0).contains(&a.percent)) {
            return Err(BillingError::field(
                at + ".percent",
                format!("must be 0–100, got {}", a.percent),
            ));
        }
        if a.base.is_empty() {
            return Err(BillingError::field(at + ".base", "names no lines"));
        }
        if let Some(unknown) = a.base.iter().find(|b| !known.contains(&b.as_str())) {
            return Err(BillingError::field(
                at + ".base",
                format!(
                    "'{unknown}' is not a line before this adder (known: {})",
                    known.join(", ")
                ),
            ));
        }
        if known.contains(&a.key.as_str()) {
            return Err(BillingError::field(
                at + ".key",
                "a line with this key already exists",
            ));
        }
        known.push(&a.key);
    }
    Ok(())
}

/// Sum of the lines whose key is in `base`.
pub fn base_amount(lines: &[BillLine], base: &[String]) -> f64 {
    lines
        .iter()
        .filter(|l| base.contains(&l.key))
        .map(|l| l.amount)
        .sum()
}

/// The factor by which one more rupee on line `root` raises the bill: 1 plus every percentage
/// adder it reaches, chained in order.
pub fn slope_from(percent: &[PercentAdder], root: &str) -> f64 {
    let mut slope: Vec<(&str, f64)> = vec![(root, 1.0)];
    for a in percent {
        let d: f64 = a
            .base
            .iter()
            .filter_map(|b| slope.iter().find(|(k, _)| k == b).map(|(_, s)| *s))
            .sum::<f64>()
            * a.percent
            / 100.0;
        slope.push((&a.key, d));
    }
    slope.iter().map(|(_, s)| s).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adder(key: &str, percent: f64, base: &[&str]) -> PercentAdder {
        PercentAdder {
            key: key.into(),
            name: key.into(),
            percent,
            base: base.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn unknown_base_is_named() {
        let err = validate(&[], &[adder("tax", 5.0, &["energy", "surcharge"])]).unwrap_err();
        assert!(
            err.to_string().contains("percent_adders[1] (tax).base"),
            "{err}"
        );
        assert!(err.to_string().contains("'surcharge'"), "{err}");
    }

    #[test]
    fn chained_percentages_compound_on_energy() {
        let m = slope_from(
            &[
                adder("ppac", 20.0, &["energy"]),
                adder("tax", 10.0, &["energy", "ppac"]),
            ],
            "energy",
        );
        assert!((m - (1.0 + 0.2 + 0.1 * 1.2)).abs() < 1e-12);
    }
}
