//! How P2P sharing sits on real bills (TARIFFS.md §7, §9): transaction and network charges,
//! whether P2P-bought units count toward the buyer's slab, which regime a sharing member's
//! residual exchange with the DISCOM is metered under, and each member's connection.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{BillingError, Connection, Phase, Regime, SinglePoint};
use crate::community::Archetype;

/// P2P and connection settings for real bills.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BillingSettings {
    /// P2P transaction charge, ₹ per kWh traded (DERC pilot, 11 Feb 2026: ₹0.42).
    pub p2p_charge_per_kwh: f64,
    /// Share of the transaction charge the buyer pays (0.5: half each).
    pub p2p_charge_buyer_share: f64,
    /// Network/wheeling charge on P2P units, ₹/kWh, paid by the buyer to the DISCOM (0 while
    /// exempt, to 31 Mar 2027 in Delhi).
    pub wheeling_per_kwh: f64,
    /// Whether P2P-bought units count toward the buyer's slab position (and so push its DISCOM
    /// units into higher slabs). DERC 2024 does not say [U]; default no.
    pub p2p_counts_toward_slab: bool,
    /// The regime a sharing member's residual exchange with the DISCOM is metered under. DERC
    /// 2024: a P2P participant may not also be net-metered, so net billing at the tariff's
    /// feed-in rate; None keeps the tariff's regime.
    pub sharing_members_regime: Option<Regime>,
    /// Sanctioned load by member id, kW (others take their archetype's default).
    pub sanctioned_kw: BTreeMap<String, f64>,
    /// Supply phase by member id (others single-phase).
    pub phase: BTreeMap<String, Phase>,
    /// One bulk connection for the community, members re-billed by the society (None: every
    /// home keeps its own DISCOM meter).
    pub single_point: Option<SinglePoint>,
}

impl Default for BillingSettings {
    fn default() -> Self {
        Self {
            p2p_charge_per_kwh: 0.42,
            p2p_charge_buyer_share: 0.5,
            wheeling_per_kwh: 0.0,
            p2p_counts_toward_slab: false,
            sharing_members_regime: Some(Regime::NetBilling),
            sanctioned_kw: BTreeMap::new(),
            phase: BTreeMap::new(),
            single_point: None,
        }
    }
}

/// A generated archetype's sanctioned load, kW: enough for its largest appliances.
pub fn default_sanctioned_kw(archetype: Archetype) -> f64 {
    match archetype {
        Archetype::A1 | Archetype::A2 => 1.0,
        Archetype::A3 => 2.0,
        Archetype::A4 => 4.0,
        Archetype::A5 => 3.0,
        Archetype::Custom => 2.0,
    }
}

impl BillingSettings {
    /// Check rates and loads.
    pub fn validate(&self) -> Result<(), BillingError> {
        for (field, v, max) in [
            ("billing.p2p_charge_per_kwh", self.p2p_charge_per_kwh, 100.0),
            (
                "billing.p2p_charge_buyer_share",
                self.p2p_charge_buyer_share,
                1.0,
            ),
            ("billing.wheeling_per_kwh", self.wheeling_per_kwh, 100.0),
        ] {
            if !(v.is_finite() && (0.0..=max).contains(&v)) {
                return Err(BillingError::field(
                    field,
                    format!("must be between 0 and {max}, got {v}"),
                ));
            }
        }
        for (id, kw) in &self.sanctioned_kw {
            if !(kw.is_finite() && *kw > 0.0 && *kw <= 10_000.0) {
                return Err(BillingError::field(
                    format!("billing.sanctioned_kw.{id}"),
                    format!("must be above 0 and at most 10000 kW, got {kw}"),
                ));
            }
        }
        if let Some(sp) = &self.single_point {
            sp.validate()?;
        }
        Ok(())
    }

    /// A member's connection.
    pub fn connection(&self, id: &str, archetype: Archetype) -> Connection {
        Connection {
            sanctioned_kw: self
                .sanctioned_kw
                .get(id)
                .copied()
                .unwrap_or_else(|| default_sanctioned_kw(archetype)),
            phase: self.phase.get(id).copied().unwrap_or_default(),
        }
    }
}
