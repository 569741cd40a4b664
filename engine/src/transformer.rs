//! The community's distribution transformer: the asset p-MAS protects. Rated in kVA from the
//! standard sizes, loaded by the community's import *and* export (reverse flow from PV), and the
//! reference for the p-MAS load classes.

use serde::{Deserialize, Serialize};

use crate::coordinator::LoadClass;

/// Standard distribution-transformer ratings, kVA (single-phase pole-mounted 10/16/25, then
/// the IS 1180 three-phase series).
pub const STANDARD_KVA: [f64; 17] = [
    10.0, 16.0, 25.0, 63.0, 100.0, 160.0, 200.0, 250.0, 315.0, 400.0, 500.0, 630.0, 1000.0, 1250.0,
    1600.0, 2000.0, 2500.0,
];

/// The default transformer carries no sharing's peak at this share of its rating.
pub const DEFAULT_SIZING_LOADING: f64 = 0.8;

/// The smallest standard rating ≥ `peak_kw` ÷ 0.8 (kVA; kW ÷ 0.8 as the planning rule,
/// documented in docs/PEAKS.md); above the largest standard size, the next multiple of it.
pub fn default_kva(peak_kw: f64) -> f64 {
    let need = peak_kw.max(0.0) / DEFAULT_SIZING_LOADING;
    STANDARD_KVA
        .iter()
        .copied()
        .find(|k| *k >= need)
        .unwrap_or_else(|| {
            let top = STANDARD_KVA[STANDARD_KVA.len() - 1];
            (need / top).ceil() * top
        })
}

/// The standard rating one size below `kva` (the same when it is the smallest).
pub fn smaller_kva(kva: f64) -> f64 {
    STANDARD_KVA
        .iter()
        .rev()
        .copied()
        .find(|k| *k < kva - 1e-9)
        .unwrap_or(STANDARD_KVA[0])
}

/// How the coordinator and the report treat the community's peak.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PeakSettings {
    /// p-MAS peak coordination: the coordinator holds the transformer's rating and the
    /// do-no-harm level (off: cloud-P2P minimises cost alone, the report still measures peaks).
    pub coordination: bool,
    /// Power factor of the community's load: the transformer carries kVA × pf of real power.
    pub power_factor: f64,
    /// Loading thresholds (share of the rating) of the lightly, normally, overloaded and
    /// severely overloaded classes.
    pub class_thresholds: [f64; 4],
    /// The coordinator never takes the community's import above the highest the homes
    /// reached alone so far (when the batteries and flexible load allow).
    pub do_no_harm: bool,
    /// A small convex term that breaks the optimiser's cost ties toward a flat exchange.
    pub valley_filling: bool,
    /// Demand charge on the community's monthly maximum import, ₹/kW (0 = none). The
    /// coordinator searches the import cap that minimises energy cost plus this charge.
    pub demand_charge_per_kw: f64,
    /// An explicit cap on the coordinated import, kW, in place of the rating and do-no-harm
    /// (the cost-vs-peak frontier sets it).
    pub import_cap_kw: Option<f64>,
}

impl Default for PeakSettings {
    fn default() -> Self {
        Self {
            coordination: true,
            power_factor: 0.95,
            class_thresholds: LoadClass::THRESHOLDS,
            do_no_harm: true,
            valley_filling: true,
            demand_charge_per_kw: 0.0,
            import_cap_kw: None,
        }
    }
}

impl PeakSettings {
    /// The real power a transformer of `kva` carries at its rating, kW.
    pub fn rating_kw(&self, kva: f64) -> f64 {
        kva * self.power_factor
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rating_is_the_smallest_standard_size_above_the_peak_over_0_8() {
        assert_eq!(default_kva(7.6), 10.0);
        assert_eq!(default_kva(8.0), 10.0);
        assert_eq!(default_kva(8.01), 16.0);
        assert_eq!(default_kva(12.3), 16.0);
        assert_eq!(default_kva(45.0), 63.0);
        assert_eq!(default_kva(3000.0), 5000.0);
        assert_eq!(smaller_kva(16.0), 10.0);
        assert_eq!(smaller_kva(10.0), 10.0);
    }
}
