//! Load growth on top of today's households: air-conditioner adoption and e-rickshaw charging,
//! the two additions that are overloading Indian village and peri-urban transformers. The
//! "stressed" preset adds them to a community whose transformer stays at today's rating.

use serde::{Deserialize, Serialize};

use super::appliances::{add_appliance_day, Appliance, Driver};
use super::rng::{Rng, Stream};

/// Shares of members that add each new load (0 = today's community).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoadGrowth {
    /// Share of members that buy a 1.5-ton inverter air-conditioner (≈ 1.4 kW, used on hot
    /// afternoons and nights).
    pub air_conditioner_share: f64,
    /// Share of members that charge an e-rickshaw at home (≈ 1.2 kW for about six hours from
    /// the evening; the charging is flexible).
    pub e_rickshaw_share: f64,
}

/// The stressed preset: 15% of homes add an air-conditioner, 10% charge an e-rickshaw.
pub const STRESSED: LoadGrowth = LoadGrowth {
    air_conditioner_share: 0.15,
    e_rickshaw_share: 0.1,
};

/// A member who charges an e-rickshaw can shift at least this share of its load.
pub const E_RICKSHAW_FLEXIBLE_SHARE: f64 = 0.4;

const AC_HOURS: &[(f64, f64, f64)] = &[(13.0, 17.0, 0.35), (21.0, 24.0, 0.35), (0.0, 3.0, 0.3)];
const RICKSHAW_HOURS: &[(f64, f64, f64)] = &[(19.0, 24.0, 1.0)];

const AIR_CONDITIONER: Appliance = Appliance {
    name: "air-conditioner 1.5 t",
    watts: 1400.0,
    count: 1,
    ownership: 1.0,
    base_hours: 0.0,
    seasonal_hours: 8.0,
    driver: Driver::AirCon,
    day_probability: 1.0,
    windows: AC_HOURS,
};

const E_RICKSHAW: Appliance = Appliance {
    name: "e-rickshaw charger",
    watts: 1200.0,
    count: 1,
    ownership: 1.0,
    base_hours: 5.0,
    seasonal_hours: 0.0,
    driver: Driver::None,
    day_probability: 0.9,
    windows: RICKSHAW_HOURS,
};

impl LoadGrowth {
    /// Whether anything is added.
    pub fn is_none(&self) -> bool {
        self.air_conditioner_share <= 0.0 && self.e_rickshaw_share <= 0.0
    }

    /// Which new loads member `k` adds: (air-conditioner, e-rickshaw). Drawn from their own
    /// stream, so today's draws (and today's community) are unchanged.
    pub(crate) fn adopted(&self, seed: u64, k: usize) -> (bool, bool) {
        let mut rng = Rng::new(seed, Stream::Growth, k as u64, 0);
        let ac = rng.chance(self.air_conditioner_share);
        let rickshaw = rng.chance(self.e_rickshaw_share);
        (ac, rickshaw)
    }

    /// Add one day of member `k`'s new loads (absolute day `day`) to `day_kw`.
    pub(crate) fn add_day(
        &self,
        adopted: (bool, bool),
        seed: u64,
        k: usize,
        day: u64,
        temperature_c: f64,
        day_kw: &mut [f64],
    ) {
        let mut rng = Rng::new(seed, Stream::GrowthDay, k as u64, day);
        for (owns, appliance) in [(adopted.0, &AIR_CONDITIONER), (adopted.1, &E_RICKSHAW)] {
            if owns {
                add_appliance_day(appliance, temperature_c, 0.0, &mut rng, day_kw);
            }
        }
    }
}
