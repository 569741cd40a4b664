//! RAMP-style household archetypes: appliances with power, count, daily use, time windows and a
//! seasonal driver; each day's use gets lognormal noise, persistent from day to day, and ±1 h
//! window jitter (DATA.md).

use serde::{Deserialize, Serialize};

use super::rng::Rng;

/// Household archetypes of the Indian calibration (DATA.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Archetype {
    /// Basic rural home: a few LEDs, a fan, a phone, sometimes a TV (30–40 kWh/month).
    A1,
    /// Rural aspirational: more lights, two fans, TV, an air cooler in hot months (50–70).
    A2,
    /// Urban lower-middle: fridge, cooler, mixer (90–140).
    A3,
    /// Urban with air-conditioning, mostly at night in summer (250–350 in summer).
    A4,
    /// Shop or flour mill, daytime (60–150).
    A5,
    /// A member whose profile was uploaded.
    Custom,
}

impl Archetype {
    /// The five generated archetypes.
    pub const GENERATED: [Archetype; 5] = [Self::A1, Self::A2, Self::A3, Self::A4, Self::A5];

    /// Human description.
    pub fn label(self) -> &'static str {
        match self {
            Self::A1 => "A1 basic rural",
            Self::A2 => "A2 rural aspirational",
            Self::A3 => "A3 urban lower-middle",
            Self::A4 => "A4 urban with AC",
            Self::A5 => "A5 shop / flour mill",
            Self::Custom => "custom (uploaded)",
        }
    }

    /// Share of each day's energy that may move within the day (flexible load).
    pub fn default_flexible_share(self) -> f64 {
        match self {
            Self::A1 => 0.05,
            Self::A2 => 0.10,
            Self::A3 => 0.15,
            Self::A4 => 0.20,
            Self::A5 | Self::Custom => 0.10,
        }
    }
}

/// What makes an appliance's use change with the season.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Driver {
    /// Same all year.
    None,
    /// Fans: grows from 20 °C to 32 °C.
    Fan,
    /// Evaporative coolers: only in clearly hot months (26–32 °C).
    Cooler,
    /// Air-conditioners: from 27 °C, full at 33 °C.
    AirCon,
    /// Water heaters: below 18 °C, full at 12 °C.
    Heating,
}

impl Driver {
    /// Lag-1 correlation of the day-to-day noise on hours of use: weather-driven loads follow
    /// hot or cold spells, the others the household's routine (guests, work, school weeks).
    pub(crate) fn persistence(self) -> f64 {
        match self {
            Driver::None => HABIT_PERSISTENCE,
            Driver::Fan | Driver::Cooler | Driver::AirCon | Driver::Heating => WEATHER_PERSISTENCE,
        }
    }

    /// Seasonal intensity in [0, 1] for a monthly mean temperature.
    fn intensity(self, temperature_c: f64) -> f64 {
        let ramp = |from: f64, to: f64| ((temperature_c - from) / (to - from)).clamp(0.0, 1.0);
        match self {
            Driver::None => 0.0,
            Driver::Fan => ramp(20.0, 32.0),
            Driver::Cooler => ramp(26.0, 32.0),
            Driver::AirCon => ramp(27.0, 33.0),
            Driver::Heating => ((18.0 - temperature_c) / 6.0).clamp(0.0, 1.0),
        }
    }
}

/// One appliance type in an archetype.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Appliance {
    pub name: &'static str,
    /// Rated power of one unit, W (for duty-cycled loads: the average while on).
    pub watts: f64,
    pub count: u32,
    /// Probability that a household of the archetype owns it.
    pub ownership: f64,
    /// Hours per day of use, without the seasonal part.
    pub base_hours: f64,
    /// Extra hours per day at full seasonal intensity.
    pub seasonal_hours: f64,
    pub driver: Driver,
    /// Probability that it is used on a given day (mills run on market days).
    pub day_probability: f64,
    /// Time windows (start hour, end hour, weight), within one day.
    pub windows: &'static [(f64, f64, f64)],
}

const fn app(
    name: &'static str,
    watts: f64,
    count: u32,
    base_hours: f64,
    windows: &'static [(f64, f64, f64)],
) -> Appliance {
    Appliance {
        name,
        watts,
        count,
        ownership: 1.0,
        base_hours,
        seasonal_hours: 0.0,
        driver: Driver::None,
        day_probability: 1.0,
        windows,
    }
}

const fn seasonal(mut a: Appliance, driver: Driver, seasonal_hours: f64) -> Appliance {
    a.driver = driver;
    a.seasonal_hours = seasonal_hours;
    a
}

const fn owned(mut a: Appliance, ownership: f64) -> Appliance {
    a.ownership = ownership;
    a
}

const EVENING_LIGHT: &[(f64, f64, f64)] = &[(18.0, 23.0, 1.0), (5.0, 7.0, 0.2)];
const FAN_HOURS: &[(f64, f64, f64)] = &[(11.0, 17.0, 0.35), (19.0, 24.0, 0.4), (0.0, 5.0, 0.25)];
const EVENING: &[(f64, f64, f64)] = &[(19.0, 23.0, 1.0)];
const TV_URBAN: &[(f64, f64, f64)] = &[(18.0, 23.0, 1.0), (13.0, 15.0, 0.3)];
const COOLER: &[(f64, f64, f64)] = &[(12.0, 17.0, 0.45), (20.0, 24.0, 0.35), (0.0, 3.0, 0.2)];
const ALL_DAY: &[(f64, f64, f64)] = &[(0.0, 24.0, 1.0)];
const MEALS: &[(f64, f64, f64)] = &[(7.0, 9.0, 0.5), (19.0, 21.0, 0.5)];
const RADIO: &[(f64, f64, f64)] = &[(6.0, 9.0, 0.5), (18.0, 21.0, 0.5)];
const AIRCON: &[(f64, f64, f64)] = &[(22.0, 24.0, 0.3), (0.0, 6.0, 0.6), (14.0, 17.0, 0.1)];
const MORNING: &[(f64, f64, f64)] = &[(6.0, 9.0, 1.0)];
const SHOP_HOURS: &[(f64, f64, f64)] = &[(9.0, 21.0, 1.0)];
const MILL_HOURS: &[(f64, f64, f64)] = &[(8.0, 12.0, 0.6), (15.0, 18.0, 0.4)];
const WORKSHOP: &[(f64, f64, f64)] = &[(8.0, 18.0, 1.0)];

const A1: &[Appliance] = &[
    app("LED lamp 9 W", 9.0, 5, 6.0, EVENING_LIGHT),
    seasonal(
        app("ceiling fan", 70.0, 1, 5.0, FAN_HOURS),
        Driver::Fan,
        10.0,
    ),
    app("phone charger", 7.0, 1, 3.0, EVENING),
    owned(app("TV 60 W", 60.0, 1, 3.0, EVENING), 0.5),
    app("radio and small loads", 20.0, 1, 2.0, RADIO),
];

const A2: &[Appliance] = &[
    app("LED lamp 9 W", 9.0, 5, 6.0, EVENING_LIGHT),
    seasonal(
        app("ceiling fan", 60.0, 2, 3.0, FAN_HOURS),
        Driver::Fan,
        7.5,
    ),
    app("TV 70 W", 70.0, 1, 3.0, EVENING),
    seasonal(
        app("air cooler", 130.0, 1, 0.0, COOLER),
        Driver::Cooler,
        10.0,
    ),
    app("phone chargers", 10.0, 1, 3.0, EVENING),
];

const A3: &[Appliance] = &[
    app("LED lamp 9 W", 9.0, 8, 6.0, EVENING_LIGHT),
    seasonal(
        app("ceiling fan", 60.0, 3, 2.0, FAN_HOURS),
        Driver::Fan,
        7.0,
    ),
    app("TV 80 W", 80.0, 1, 4.0, TV_URBAN),
    app("fridge (35% duty)", 150.0 * 0.35, 1, 24.0, ALL_DAY),
    seasonal(
        app("air cooler", 200.0, 1, 0.0, COOLER),
        Driver::Cooler,
        9.0,
    ),
    app("mixer", 500.0, 1, 0.25, MEALS),
    app("phone chargers", 10.0, 2, 3.0, EVENING),
];

const A4: &[Appliance] = &[
    app("LED lamp 9 W", 9.0, 10, 6.0, EVENING_LIGHT),
    seasonal(
        app("ceiling fan", 60.0, 3, 2.0, FAN_HOURS),
        Driver::Fan,
        7.0,
    ),
    app("TV 100 W", 100.0, 1, 4.0, TV_URBAN),
    app("fridge (35% duty)", 200.0 * 0.35, 1, 24.0, ALL_DAY),
    // 1.5 kW at ~70% compressor duty, mostly 22:00–06:00.
    seasonal(
        app("air-conditioner", 1050.0, 1, 0.0, AIRCON),
        Driver::AirCon,
        8.0,
    ),
    seasonal(
        app("water heater", 2000.0, 1, 0.0, MORNING),
        Driver::Heating,
        0.6,
    ),
    app("mixer", 500.0, 1, 0.25, MEALS),
    app("phone chargers", 10.0, 3, 3.0, EVENING),
];

const SHOP: &[Appliance] = &[
    app("tube light 18 W", 18.0, 4, 12.0, SHOP_HOURS),
    app("fridge (40% duty)", 150.0 * 0.40, 1, 24.0, ALL_DAY),
    seasonal(
        app("ceiling fan", 70.0, 1, 6.0, SHOP_HOURS),
        Driver::Fan,
        6.0,
    ),
];

const MILL: &[Appliance] = &[
    Appliance {
        day_probability: 0.5,
        ..app("flour mill 3.5 kW", 3500.0, 1, 2.5, MILL_HOURS)
    },
    app("tube light 18 W", 18.0, 2, 10.0, WORKSHOP),
    seasonal(app("ceiling fan", 70.0, 1, 4.0, WORKSHOP), Driver::Fan, 4.0),
];

/// Share of A5 members that are flour mills rather than shops.
pub(crate) const MILL_SHARE: f64 = 0.3;

/// The appliance list of an archetype (A5: shop or mill).
pub(crate) fn appliances(archetype: Archetype, is_mill: bool) -> &'static [Appliance] {
    match archetype {
        Archetype::A1 => A1,
        Archetype::A2 => A2,
        Archetype::A3 => A3,
        Archetype::A4 => A4,
        Archetype::A5 if is_mill => MILL,
        Archetype::A5 => SHOP,
        Archetype::Custom => &[],
    }
}

/// Day-to-day noise on hours of use (log-sd ≈ 25%).
const DAILY_NOISE_SIGMA: f64 = 0.25;
/// Lag-1 correlation of that noise for routine loads.
const HABIT_PERSISTENCE: f64 = 0.4;
/// Lag-1 correlation of that noise for fans, coolers, air-conditioners and water heaters.
const WEATHER_PERSISTENCE: f64 = 0.6;
/// Window jitter, hours either way.
const WINDOW_JITTER_H: f64 = 1.0;

/// Add one day of an appliance's use to `day_kw`: the day's average kW per step, its steps
/// splitting the 24 hours evenly (24, 48 or 96). The draws do not depend on the step length, so
/// every axis gets the same events, only binned differently. `noise` is the day's standard-normal
/// anomaly of the hours of use (persistent from day to day), `rng` the day's other draws.
pub(crate) fn add_appliance_day(
    a: &Appliance,
    temperature_c: f64,
    noise: f64,
    rng: &mut Rng,
    day_kw: &mut [f64],
) {
    if !rng.chance(a.day_probability) {
        return;
    }
    let factor = libm::exp(DAILY_NOISE_SIGMA * noise - 0.5 * DAILY_NOISE_SIGMA * DAILY_NOISE_SIGMA);
    let hours = (a.base_hours + a.seasonal_hours * a.driver.intensity(temperature_c)) * factor;
    if hours <= 0.0 {
        return;
    }
    let kw = a.watts * f64::from(a.count) / 1000.0;
    let total_weight: f64 = a.windows.iter().map(|w| w.2).sum();
    let jitter = rng.range(-WINDOW_JITTER_H, WINDOW_JITTER_H);
    for &(start, end, weight) in a.windows {
        let (start, end) = if end - start >= 24.0 {
            (start, end)
        } else {
            (
                (start + jitter).clamp(0.0, 24.0),
                (end + jitter).clamp(0.0, 24.0),
            )
        };
        let length = end - start;
        if length <= 0.0 {
            continue;
        }
        let on = (hours * weight / total_weight).min(length);
        let block_start = start + rng.uniform() * (length - on);
        spread(block_start, block_start + on, kw, day_kw);
    }
}

/// Add `kw` over [from, to) hours of the day to the steps' average kW.
fn spread(from: f64, to: f64, kw: f64, day_kw: &mut [f64]) {
    // In step units: 24, 48 and 96 steps a day scale by powers of two, so the scaling is exact
    // and hourly steps give exactly the hourly binning.
    let steps_per_hour = day_kw.len() as f64 / 24.0;
    let to = to * steps_per_hour;
    let mut t = from * steps_per_hour;
    while t < to {
        let step = t.floor();
        let next = (step + 1.0).min(to);
        if let Some(slot) = day_kw.get_mut(step as usize) {
            *slot += kw * (next - t);
        }
        t = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_conserves_energy() {
        let mut day = [0.0; 24];
        spread(18.25, 21.5, 2.0, &mut day);
        let total: f64 = day.iter().sum();
        assert!((total - 2.0 * 3.25).abs() < 1e-12);
        assert!((day[18] - 1.5).abs() < 1e-12);
        assert!((day[21] - 1.0).abs() < 1e-12);

        // Quarter-hour steps: the same energy, at the same clock time.
        let mut quarters = [0.0; 96];
        spread(18.25, 21.5, 2.0, &mut quarters);
        let total: f64 = quarters.iter().sum::<f64>() * 0.25;
        assert!((total - 2.0 * 3.25).abs() < 1e-12);
        assert_eq!(
            (quarters[72], quarters[73], quarters[85], quarters[86]),
            (0.0, 2.0, 2.0, 0.0)
        );
    }
}
