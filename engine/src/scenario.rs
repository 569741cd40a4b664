//! The versioned scenario: everything needed to reproduce a run, as JSON.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::accounting::{Baseline, BatteryWear, IslandPrice, LostLoadValue};
use crate::community::{generate, Community, CommunityError, CommunitySpec, Member, Site};
use crate::coordinator::CoordinatorSettings;
use crate::limits::LimitError;
use crate::market::BillingHorizon;
use crate::tariff::{Tariff, TariffError, TariffPreset};
use crate::time_axis::TimeAxis;

/// The scenario format this engine reads and writes. Older files still load: version 1 (before
/// islanding, VoLL, battery wear and the forecast became settings) takes their defaults; version 2
/// (before the transformer) loses its community import limit (`coordinator.community_limit_share`
/// and `peak_penalty_per_kwh`), which the transformer with its default sizing replaces
/// (docs/PEAKS.md); version 3 (before real bills) has no retail tariff and takes the default
/// P2P billing settings (docs/BILLS.md).
pub const SCENARIO_VERSION: u32 = 4;

/// The oldest scenario format this engine still reads.
pub const OLDEST_SCENARIO_VERSION: u32 = 1;

/// Settlement settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Bill Sharing's billing horizon (default: month).
    pub bs_horizon: BillingHorizon,
    /// The aggregator's return τ_c, a share of the sharing value in [0, 1).
    pub aggregator_return: f64,
    /// The cloud coordinator (optimiser, p-MAS limit, faults).
    #[serde(default)]
    pub coordinator: CoordinatorSettings,
    /// In a grid outage the sharing community islands as one (an isolation switch and
    /// grid-forming inverters), under BS, MMR, SDR and cloud-P2P alike; off: every home islands
    /// alone under every model. No sharing always islands each home alone.
    #[serde(default = "yes")]
    pub community_islanding: bool,
    /// Price of energy traded between members inside an island.
    #[serde(default)]
    pub island_price: IslandPrice,
    /// Value of energy not served (VoLL), counted in every model's comparable cost.
    #[serde(default)]
    pub value_of_lost_load: LostLoadValue,
    /// Battery wear: counted in every model's comparable cost, charged to the owner.
    #[serde(default)]
    pub battery_wear: BatteryWear,
    /// How a home alone runs its battery (no sharing, and the dispatch BS, MMR and SDR settle).
    #[serde(default)]
    pub baseline: Baseline,
    /// The community's distribution transformer, kVA (None: the smallest standard rating ≥ no
    /// sharing's peak ÷ 0.8).
    #[serde(default)]
    pub transformer_kva: Option<f64>,
    /// How the coordinator treats the peak and how the report classes the loading.
    #[serde(default)]
    pub peak: crate::transformer::PeakSettings,
    /// P2P charges, slab counting, sharing members' regime and connections on real bills
    /// (used when the tariff is a retail tariff).
    #[serde(default)]
    pub billing: crate::billing::BillingSettings,
}

fn yes() -> bool {
    true
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bs_horizon: BillingHorizon::Month,
            aggregator_return: 0.05,
            coordinator: CoordinatorSettings::default(),
            community_islanding: true,
            island_price: IslandPrice::default(),
            value_of_lost_load: LostLoadValue::default(),
            battery_wear: BatteryWear::default(),
            baseline: Baseline::default(),
            transformer_kva: None,
            peak: crate::transformer::PeakSettings::default(),
            billing: crate::billing::BillingSettings::default(),
        }
    }
}

/// Where the members come from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CommunitySource {
    /// Generated from a seed (compact: a shared link carries only the recipe).
    Generated(CommunitySpec),
    /// Members with their own series (uploaded profiles).
    Custom {
        /// Members with load (and PV) series of the axis' length.
        members: Vec<Member>,
        /// Grid availability per step (None = always available).
        grid_available: Option<Vec<bool>>,
    },
}

/// A complete, reproducible simulation setup.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    /// Format version ([`SCENARIO_VERSION`]).
    pub version: u32,
    /// Display name.
    pub name: String,
    /// Time axis of the run.
    pub axis: TimeAxis,
    /// Grid tariff.
    pub tariff: Tariff,
    /// Settlement settings.
    pub settings: Settings,
    /// The members.
    pub community: CommunitySource,
}

/// Why a scenario cannot be read or used.
#[derive(Debug, Error)]
pub enum ScenarioError {
    /// The JSON is malformed or a field has the wrong type.
    #[error("{file}: line {line}, column {column}: {message}")]
    Json {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde_json's message.
        message: String,
    },
    /// A version this engine does not know.
    #[error("{file}: scenario version {found} is not supported (this Gridshare reads versions {OLDEST_SCENARIO_VERSION} to {SCENARIO_VERSION})")]
    UnsupportedVersion {
        /// File name.
        file: String,
        /// Version found (0 if absent).
        found: u64,
    },
    /// The tariff is invalid for the axis.
    #[error(transparent)]
    Tariff(#[from] TariffError),
    /// Real bills cannot be made (periods, P2P charges, connections).
    #[error(transparent)]
    Billing(#[from] crate::billing::BillingError),
    /// The community cannot be generated.
    #[error(transparent)]
    Community(#[from] CommunityError),
    /// A member's series does not fit the axis or holds bad values.
    #[error("member '{member}': {problem}")]
    Member {
        /// Member id.
        member: String,
        /// What is wrong.
        problem: String,
    },
    /// Settings out of range.
    #[error("settings: {0}")]
    Settings(String),
    /// A value outside what a scenario may hold ([`crate::limits`]).
    #[error(transparent)]
    Limit(#[from] LimitError),
}

impl Scenario {
    /// The default scenario: the north village, a full hourly year, the study's tariff.
    pub fn default_north() -> Self {
        Self::generated(Site::CompositeNorth, TariffPreset::Study)
    }

    /// A generated community's default scenario at a site with a tariff preset.
    pub fn generated(site: Site, preset: TariffPreset) -> Self {
        Self {
            version: SCENARIO_VERSION,
            name: format!("{} — {}", site.label(), preset.label()),
            axis: TimeAxis::hourly_year(),
            tariff: preset.tariff(),
            settings: Settings::default(),
            community: CommunitySource::Generated(CommunitySpec::default_for(site)),
        }
    }

    /// Serialise to pretty JSON (floats round-trip exactly).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Read a scenario; `file` names it in errors.
    pub fn from_json(file: &str, text: &str) -> Result<Self, ScenarioError> {
        let json_error = |e: serde_json::Error| ScenarioError::Json {
            file: file.to_string(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        };
        let value: serde_json::Value = serde_json::from_str(text).map_err(json_error)?;
        let found = value
            .get("version")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0);
        if !(u64::from(OLDEST_SCENARIO_VERSION)..=u64::from(SCENARIO_VERSION)).contains(&found) {
            return Err(ScenarioError::UnsupportedVersion {
                file: file.to_string(),
                found,
            });
        }
        // Migration: version 1 had no fairness settings and version 2 no transformer; serde fills
        // in their defaults and ignores version 2's community import limit, which they replace.
        let mut scenario: Scenario = serde_json::from_str(text).map_err(json_error)?;
        scenario.version = SCENARIO_VERSION;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Check settings, tariff and member series against the axis.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        // Bounds first: the checks below allocate by the axis.
        crate::limits::check(self)?;
        let tau = self.settings.aggregator_return;
        if !(0.0..1.0).contains(&tau) {
            return Err(ScenarioError::Settings(format!(
                "aggregator_return must be in [0, 1) (got {tau})"
            )));
        }
        let s = &self.settings;
        s.island_price
            .validate()
            .and(s.value_of_lost_load.validate())
            .and(s.battery_wear.validate())
            .map_err(ScenarioError::Settings)?;
        self.tariff.prices(&self.axis)?;
        if let Some(retail) = self.tariff.retail() {
            crate::billing::billing_periods(&self.axis, retail.period)?;
            s.billing.validate()?;
        } else if s.billing.single_point.is_some() {
            return Err(crate::billing::BillingError::field(
                "billing.single_point",
                "a single-point connection needs a retail tariff (delhi, msedcl, …)",
            )
            .into());
        }
        match &self.community {
            CommunitySource::Generated(spec) => spec.validate()?,
            CommunitySource::Custom {
                members,
                grid_available,
            } => {
                for m in members {
                    check_member(m, self.axis.steps)?;
                }
                if let Some(mask) = grid_available {
                    if mask.len() != self.axis.steps {
                        return Err(ScenarioError::Settings(format!(
                            "grid_available has {} steps, the axis {}",
                            mask.len(),
                            self.axis.steps
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    /// The community with every series: generated, or the custom members as given.
    pub fn community(&self) -> Result<Community, ScenarioError> {
        match &self.community {
            CommunitySource::Generated(spec) => Ok(generate(spec, &self.axis)?),
            CommunitySource::Custom {
                members,
                grid_available,
            } => Ok(Community {
                members: members.clone(),
                pv_per_kwp: Vec::new(),
                grid_available: grid_available
                    .clone()
                    .unwrap_or_else(|| vec![true; self.axis.steps]),
            }),
        }
    }
}

fn check_member(m: &Member, steps: usize) -> Result<(), ScenarioError> {
    let problem = |problem: String| ScenarioError::Member {
        member: m.id.clone(),
        problem,
    };
    if m.load_kw.len() != steps {
        return Err(problem(format!(
            "load_kw has {} steps, the axis {steps}",
            m.load_kw.len()
        )));
    }
    if !m.pv_kw.is_empty() && m.pv_kw.len() != steps {
        return Err(problem(format!(
            "pv_kw has {} steps, the axis {steps}",
            m.pv_kw.len()
        )));
    }
    for (name, series) in [("load_kw", &m.load_kw), ("pv_kw", &m.pv_kw)] {
        if let Some(step) = series.iter().position(|v| !v.is_finite() || *v < 0.0) {
            return Err(problem(format!(
                "{name} at step {step} is negative or not a number"
            )));
        }
    }
    if !(0.0..=1.0).contains(&m.flexible_share) {
        return Err(problem(format!(
            "flexible_share {} is outside [0, 1]",
            m.flexible_share
        )));
    }
    // The battery is checked by `limits::check_battery`.
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::community::{Archetype, Battery};

    #[test]
    fn json_round_trips_exactly() {
        let scenario = Scenario::default_north();
        let back = Scenario::from_json("s.json", &scenario.to_json()).unwrap();
        assert_eq!(scenario, back);

        let custom = Scenario {
            axis: TimeAxis::hourly(3),
            community: CommunitySource::Custom {
                members: vec![Member {
                    id: "M1".into(),
                    archetype: Archetype::Custom,
                    load_kw: vec![0.1, 1.0 / 3.0, std::f64::consts::PI],
                    pv_kwp: 1.0,
                    pv_kw: vec![0.0, 0.123_456_789_012_345_67, 0.0],
                    battery: Some(Battery::typical(2.0)),
                    flexible_share: 0.1,
                    participates: true,
                    hybrid_inverter: Some(false),
                }],
                grid_available: Some(vec![true, false, true]),
            },
            ..Scenario::default_north()
        };
        assert_eq!(
            custom,
            Scenario::from_json("c.json", &custom.to_json()).unwrap()
        );
    }

    #[test]
    fn unknown_version_and_bad_json_are_explained() {
        let text =
            Scenario::default_north()
                .to_json()
                .replacen("\"version\": 4", "\"version\": 7", 1);
        let err = Scenario::from_json("old.json", &text)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("old.json: scenario version 7 is not supported"),
            "{err}"
        );
        let err = Scenario::from_json("x.json", "{\"version\": 1, \"name\": 3}")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("x.json: line 1, column"), "{err}");
        // A version 1 file (no fairness settings) loads with their defaults.
        let v1 =
            Scenario::default_north()
                .to_json()
                .replacen("\"version\": 4", "\"version\": 1", 1);
        let old = Scenario::from_json("v1.json", &v1).unwrap();
        assert_eq!(old.version, SCENARIO_VERSION);
        assert!(old.settings.community_islanding);
        // A version 2 file with the old community import limit loads with the transformer's
        // defaults instead.
        let v2 = Scenario::default_north()
            .to_json()
            .replacen("\"version\": 4", "\"version\": 2", 1)
            .replacen(
                "\"horizon_steps\"",
                "\"community_limit_share\": 0.4, \"peak_penalty_per_kwh\": 5.0, \"horizon_steps\"",
                1,
            );
        let old = Scenario::from_json("v2.json", &v2).unwrap();
        assert_eq!(old.version, SCENARIO_VERSION);
        assert_eq!(old.settings.transformer_kva, None);
        assert!(old.settings.peak.coordination && old.settings.peak.do_no_harm);
        // A version 3 file (before real bills) has no billing settings: the defaults.
        let mut v3: serde_json::Value =
            serde_json::from_str(&Scenario::default_north().to_json()).unwrap();
        v3["version"] = 3.into();
        v3["settings"].as_object_mut().unwrap().remove("billing");
        let old = Scenario::from_json("v3.json", &v3.to_string()).unwrap();
        assert_eq!(
            old.settings.billing,
            crate::billing::BillingSettings::default()
        );
        // A retail tariff round-trips as data.
        let mut delhi = Scenario::default_north();
        delhi.tariff = Tariff::by_id("delhi").unwrap();
        assert_eq!(
            delhi,
            Scenario::from_json("d.json", &delhi.to_json()).unwrap()
        );
        delhi.axis.steps = 24 * 45;
        let err = Scenario::from_json("d.json", &delhi.to_json())
            .unwrap_err()
            .to_string();
        assert!(err.contains("whole billing periods"), "{err}");
        let err = Scenario::from_json("x.json", "not json")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 1"), "{err}");
    }

    #[test]
    fn invalid_tariff_is_rejected() {
        let mut s = Scenario::default_north();
        s.tariff = Tariff::Flat {
            buy_per_kwh: 3.0,
            sell_per_kwh: 3.0,
        };
        assert!(matches!(
            Scenario::from_json("t.json", &s.to_json()),
            Err(ScenarioError::Tariff(_))
        ));
    }
}
