//! The two built-in sites and their monthly climate (DATA.md).

use serde::{Deserialize, Serialize};

/// A built-in site.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Site {
    /// Composite climate, Lucknow-like (26.85 N, 80.95 E): the north village.
    CompositeNorth,
    /// Warm-humid climate, Chennai-like (13.08 N, 80.27 E): the south peri-urban community.
    WarmHumidSouth,
}

impl std::str::FromStr for Site {
    type Err = String;
    /// `north` or `south` (the CLI's and Python's names).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "north" | "composite_north" => Ok(Self::CompositeNorth),
            "south" | "warm_humid_south" => Ok(Self::WarmHumidSouth),
            other => Err(format!("unknown site '{other}' (expected north or south)")),
        }
    }
}

/// Monthly climate of a site (January first).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Climate {
    /// Latitude, degrees north.
    pub latitude_deg: f64,
    /// Longitude, degrees east.
    pub longitude_deg: f64,
    /// Linke turbidity by month (pvlib's global table).
    pub linke_turbidity: [f64; 12],
    /// Clear-sky index (actual / clear-sky irradiation) by month.
    pub clear_sky_index: [f64; 12],
    /// Mean air temperature by month, °C.
    pub mean_temperature_c: [f64; 12],
    /// Mean grid outage hours per day by month (supply ≈ 20.6 h/day on average, IRES 2020).
    pub outage_hours_per_day: [f64; 12],
    /// Lag-1 correlation of daily cloudiness by month (AR(1)): cloudy spells last longest in
    /// the monsoon.
    pub cloud_persistence: [f64; 12],
}

impl Site {
    /// Both sites.
    pub const ALL: [Site; 2] = [Site::CompositeNorth, Site::WarmHumidSouth];

    /// Human name.
    pub fn label(self) -> &'static str {
        match self {
            Site::CompositeNorth => "Composite-North (Lucknow-like village)",
            Site::WarmHumidSouth => "Warm-humid-South (Chennai-like peri-urban)",
        }
    }

    /// The site's climate table.
    pub fn climate(self) -> Climate {
        match self {
            Site::CompositeNorth => Climate {
                latitude_deg: 26.85,
                longitude_deg: 80.95,
                linke_turbidity: [
                    2.85, 3.30, 3.75, 4.05, 4.25, 4.80, 5.45, 5.40, 4.50, 3.80, 3.30, 3.10,
                ],
                clear_sky_index: [
                    0.85, 0.88, 0.90, 0.90, 0.88, 0.78, 0.62, 0.62, 0.75, 0.90, 0.90, 0.85,
                ],
                mean_temperature_c: [
                    14.0, 17.0, 23.0, 29.0, 33.0, 33.0, 31.0, 30.0, 29.0, 26.0, 20.0, 15.0,
                ],
                // Longest outages in the monsoon.
                outage_hours_per_day: [2.8, 2.8, 2.8, 3.0, 3.2, 3.6, 4.8, 4.8, 4.2, 3.0, 2.8, 2.8],
                // South-west monsoon Jul–Aug (onset June, withdrawal September); winter fog and
                // western disturbances give a few multi-day spells in Dec–Jan.
                cloud_persistence: [
                    0.65, 0.6, 0.55, 0.55, 0.6, 0.75, 0.85, 0.85, 0.75, 0.6, 0.6, 0.65,
                ],
            },
            Site::WarmHumidSouth => Climate {
                latitude_deg: 13.08,
                longitude_deg: 80.27,
                linke_turbidity: [
                    3.15, 3.40, 3.80, 4.15, 4.20, 4.55, 4.70, 4.90, 4.60, 4.10, 3.50, 3.55,
                ],
                clear_sky_index: [
                    0.90, 0.92, 0.92, 0.90, 0.85, 0.80, 0.75, 0.75, 0.75, 0.70, 0.65, 0.75,
                ],
                mean_temperature_c: [
                    25.0, 26.0, 28.0, 31.0, 33.0, 32.0, 31.0, 30.0, 30.0, 28.0, 26.0, 25.0,
                ],
                // North-east monsoon (Oct–Dec) brings the longest outages here.
                outage_hours_per_day: [3.0, 2.8, 2.8, 3.0, 3.2, 3.2, 3.4, 3.4, 3.4, 4.2, 4.6, 3.8],
                // North-east monsoon Oct–Dec; the south-west monsoon brings showery, less
                // persistent cloud here.
                cloud_persistence: [
                    0.6, 0.55, 0.55, 0.55, 0.6, 0.65, 0.65, 0.65, 0.7, 0.8, 0.85, 0.8,
                ],
            },
        }
    }
}
