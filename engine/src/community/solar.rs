//! Rooftop PV output per kWp from solar geometry: solar position (Grena3) → Ineichen–Perez clear
//! sky with Linke turbidity → daily clear-sky index → Erbs split → tilted plane → cell temperature
//! → PVWatts-style DC/AC output.

use core::f64::consts::PI;

use solar_positioning::time::JulianDate;
use solar_positioning::{Location, SolarPositions};

use super::persistence::{day_key, Ar1};
use super::rng::{Rng, Stream};
use super::site::Climate;
use crate::time_axis::TimeAxis;

/// The generator's calendar year (not a leap year; inside Grena3's 2010–2110 range).
const YEAR: i32 = 2025;
/// India Standard Time is UTC + 5:30.
const IST_OFFSET_HOURS: f64 = 5.5;
/// ΔT (TT − UT) in seconds for the mid-2020s.
const DELTA_T_S: f64 = 69.0;
/// Temperature coefficient of power, 1/°C (crystalline silicon).
const GAMMA_PER_C: f64 = -0.0037;
/// Nominal operating cell temperature, °C.
const NOCT_C: f64 = 45.0;
/// System losses (soiling, wiring, mismatch, availability), a little under PVWatts' 14% default.
const SYSTEM_LOSS: f64 = 0.12;
/// Inverter efficiency.
const INVERTER_EFFICIENCY: f64 = 0.96;
/// Ground albedo.
const ALBEDO: f64 = 0.2;
/// Smallest cos(zenith) in the clearness index (pvlib's `min_cos_zenith`).
const MIN_COS_ZENITH: f64 = 0.065;
/// Largest zenith angle with a beam component, degrees (pvlib's Erbs `max_zenith`).
const MAX_BEAM_ZENITH_DEG: f64 = 87.0;
/// Day-to-day variability of the clear-sky index (log-sd).
const DAILY_CLOUD_SIGMA: f64 = 0.18;

fn deg(x: f64) -> f64 {
    x * PI / 180.0
}

/// Kasten–Young relative air mass for a zenith angle in degrees.
fn air_mass(zenith_deg: f64) -> f64 {
    1.0 / (libm::cos(deg(zenith_deg)) + 0.50572 * libm::pow(96.07995 - zenith_deg, -1.6364))
}

/// Extraterrestrial normal irradiance, W/m², on day of year `doy` (0-based).
fn extraterrestrial(doy: usize) -> f64 {
    1367.0 * (1.0 + 0.033 * libm::cos(2.0 * PI * (doy as f64 + 1.0) / 365.0))
}

/// Ineichen–Perez clear-sky global horizontal irradiance at sea level, W/m².
fn clear_sky_ghi(cos_zenith: f64, zenith_deg: f64, linke: f64, i0: f64) -> f64 {
    if cos_zenith <= 0.0 {
        return 0.0;
    }
    let (cg1, cg2) = (0.868, 0.0387);
    // Perez's enhancement exp(0.01·AM^1.8) outgrows the extinction near the horizon and makes
    // low sun brighter than high sun (pvlib issue 435). Clipping the air mass where the two
    // exponents' sum is lowest (pvlib issue 1064) leaves higher sun exactly as it was.
    let am_critical = libm::pow(cg2 * (1.0 + (linke - 1.0)) / 0.018, 1.25);
    let am = air_mass(zenith_deg).min(am_critical);
    let ghi = cg1
        * i0
        * cos_zenith
        * libm::exp(-cg2 * am * (1.0 + (linke - 1.0)))
        * libm::exp(0.01 * libm::pow(am, 1.8));
    if ghi > 0.0 {
        ghi
    } else {
        0.0
    }
}

/// Erbs diffuse fraction for clearness index kt.
fn erbs_diffuse_fraction(kt: f64) -> f64 {
    if kt <= 0.22 {
        1.0 - 0.09 * kt
    } else if kt <= 0.8 {
        0.9511 - 0.1604 * kt + 4.388 * kt * kt - 16.638 * kt * kt * kt + 12.336 * kt * kt * kt * kt
    } else {
        0.165
    }
}

/// The clear-sky index of every day of `axis`: the month's mean times a lognormal cloudiness
/// factor whose log follows an AR(1) process over days (the month's `cloud_persistence`).
fn daily_clear_sky_index(climate: &Climate, axis: &TimeAxis, seed: u64) -> Vec<f64> {
    let spd = axis.steps_per_day.max(1) as usize;
    let days = axis.steps.div_ceil(spd);
    let processes: Vec<Ar1> = climate
        .cloud_persistence
        .iter()
        .map(|&phi| Ar1::new(phi))
        .collect();
    let lags = processes.iter().map(Ar1::lags).max().unwrap_or(0);
    // Innovations of the window's days and the `lags` days before, oldest first.
    let first = i64::from(axis.start_day_of_year) - lags as i64;
    let innovations: Vec<f64> = (first..first + (lags + days) as i64)
        .map(|d| Rng::new(seed, Stream::Weather, day_key(d), 0).normal())
        .collect();
    (0..days)
        .map(|day| {
            let month = axis.calendar_month_of(day * spd);
            let anomaly = processes[month].at(&innovations[..=lags + day]);
            let factor = libm::exp(
                DAILY_CLOUD_SIGMA * anomaly - 0.5 * DAILY_CLOUD_SIGMA * DAILY_CLOUD_SIGMA,
            );
            (climate.clear_sky_index[month] * factor).clamp(0.05, 1.05)
        })
        .collect()
}

/// AC output per kWp (kW/kWp) at the middle of each step of `axis`, with seeded daily cloudiness.
/// The module faces south (azimuth 180°) tilted at the site's latitude.
pub(crate) fn pv_per_kwp(climate: &Climate, axis: &TimeAxis, seed: u64) -> Vec<f64> {
    let calculator = SolarPositions::grena3();
    let location = Location {
        latitude: climate.latitude_deg,
        longitude: climate.longitude_deg,
    };
    let jd_new_year = JulianDate::from_utc(YEAR, 1, 1, 0, 0, 0.0, DELTA_T_S)
        .map(|jd| jd.julian_date())
        .unwrap_or(2_460_676.5);
    let tilt = deg(climate.latitude_deg);
    let panel_azimuth = deg(180.0);
    let step_hours = axis.step_hours();
    let day_kc = daily_clear_sky_index(climate, axis, seed);
    let mut out = Vec::with_capacity(axis.steps);
    for step in 0..axis.steps {
        let doy = axis.day_of_year(step);
        let month = axis.calendar_month_of(step);
        let day_kc = day_kc[axis.day_of(step)];
        // Middle of the step, local time → UT.
        let local_hours =
            (step % axis.steps_per_day.max(1) as usize) as f64 * step_hours + 0.5 * step_hours;
        let jd = jd_new_year + doy as f64 + (local_hours - IST_OFFSET_HOURS) / 24.0;
        let position = JulianDate::new(jd, DELTA_T_S)
            .and_then(|t| calculator.at_from_julian(t, location, 0.0, None));
        let Ok(position) = position else {
            out.push(0.0);
            continue;
        };
        let zenith_deg = position.zenith_angle();
        let cos_zenith = libm::cos(deg(zenith_deg));
        let i0 = extraterrestrial(doy);
        let ghi =
            clear_sky_ghi(cos_zenith, zenith_deg, climate.linke_turbidity[month], i0) * day_kc;
        if ghi <= 0.0 || cos_zenith <= 0.01 {
            out.push(0.0);
            continue;
        }
        // pvlib's Erbs guards: the clearness index with cos(zenith) at least 0.065, and no beam
        // below 3° elevation, where (GHI − DHI) / cos(zenith) is no longer a beam.
        let kt = (ghi / (i0 * cos_zenith.max(MIN_COS_ZENITH))).clamp(0.0, 1.0);
        let dhi = ghi * erbs_diffuse_fraction(kt);
        let dni = if zenith_deg > MAX_BEAM_ZENITH_DEG {
            0.0
        } else {
            (ghi - dhi) / cos_zenith
        };
        let sun_azimuth = deg(position.azimuth());
        let zenith = deg(zenith_deg);
        let cos_aoi = libm::cos(zenith) * libm::cos(tilt)
            + libm::sin(zenith) * libm::sin(tilt) * libm::cos(sun_azimuth - panel_azimuth);
        let beam = if cos_aoi > 0.0 { dni * cos_aoi } else { 0.0 };
        let poa = beam
            + dhi * (1.0 + libm::cos(tilt)) / 2.0
            + ghi * ALBEDO * (1.0 - libm::cos(tilt)) / 2.0;
        // Ambient: monthly mean with a ±5 °C daily swing peaking mid-afternoon.
        let ambient = climate.mean_temperature_c[month]
            + 5.0 * libm::cos(2.0 * PI * (local_hours - 15.0) / 24.0);
        let cell = ambient + poa / 800.0 * (NOCT_C - 20.0);
        let dc = poa / 1000.0 * (1.0 + GAMMA_PER_C * (cell - 25.0));
        let ac = dc * (1.0 - SYSTEM_LOSS) * INVERTER_EFFICIENCY;
        out.push(if ac > 0.0 { ac } else { 0.0 });
    }
    out
}
