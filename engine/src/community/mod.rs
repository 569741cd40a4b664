//! Communities to simulate: members with load, PV and batteries, generated from a seed or
//! imported from the user's files.

mod appliances;
mod columns;
mod growth;
mod persistence;
mod rng;
mod site;
mod solar;

pub use appliances::Archetype;
pub use columns::{Columns, StepColumns};
pub use growth::{LoadGrowth, E_RICKSHAW_FLEXIBLE_SHARE, STRESSED};
pub use site::{Climate, Site};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::limits::{MAX_BATTERY_KWH, MAX_OVERRIDE_PV_KWP};
use crate::time_axis::TimeAxis;
use appliances::{add_appliance_day, appliances, MILL_SHARE};
use persistence::{day_key, Ar1};
use rng::{Rng, Stream};

/// The appliances an archetype's households use (A5 lists the shop's, then the mill's).
pub fn appliance_names(archetype: Archetype) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = appliances(archetype, false)
        .iter()
        .map(|a| a.name)
        .collect();
    if archetype == Archetype::A5 {
        names.extend(appliances(archetype, true).iter().map(|a| a.name));
    }
    names
}

/// A home battery (ESS).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Battery {
    /// Usable capacity, kWh.
    pub capacity_kwh: f64,
    /// Charge and discharge power limit, kW.
    pub power_kw: f64,
    /// Share of charged energy that gets stored.
    pub charge_efficiency: f64,
    /// Share of stored energy that reaches the load.
    pub discharge_efficiency: f64,
    /// Lowest state of charge, share of capacity.
    pub soc_min_frac: f64,
    /// Highest state of charge, share of capacity.
    pub soc_max_frac: f64,
    /// State of charge at the start (and the end target), share of capacity.
    pub soc_initial_frac: f64,
}

impl Battery {
    /// A typical lithium home battery of the given size: C/2 power, 95% one-way efficiency,
    /// SOC kept within 10–100%, starting half full.
    pub fn typical(capacity_kwh: f64) -> Self {
        Self {
            capacity_kwh,
            power_kw: 0.5 * capacity_kwh,
            charge_efficiency: 0.95,
            discharge_efficiency: 0.95,
            soc_min_frac: 0.1,
            soc_max_frac: 1.0,
            soc_initial_frac: 0.5,
        }
    }
}

/// One member of the community.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Member {
    /// Unique id (e.g. `N01`).
    pub id: String,
    /// Archetype, or `Custom` for uploaded profiles.
    pub archetype: Archetype,
    /// Average load per step, kW.
    pub load_kw: Vec<f64>,
    /// Rooftop PV size, kWp (0 = none).
    pub pv_kwp: f64,
    /// PV output per step, kW (empty when there is no PV).
    pub pv_kw: Vec<f64>,
    /// Home battery, if any.
    pub battery: Option<Battery>,
    /// Whether the PV inverter can run without the grid (a hybrid, grid-forming inverter).
    /// `None`: a member with a battery has one. Without it, anti-islanding protection stops the
    /// PV in an outage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hybrid_inverter: Option<bool>,
    /// Share of each day's load energy that may move within the day.
    pub flexible_share: f64,
    /// Whether the member takes part in sharing (non-participants settle alone with the grid).
    pub participates: bool,
}

/// How many members of each archetype, as weights (A1…A5).
pub type Mix = [f64; 5];

/// What the generator should build.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommunitySpec {
    /// Site (climate and sun).
    pub site: Site,
    /// Seed: the same seed gives bit-identical series everywhere.
    pub seed: u64,
    /// Number of members (2 to 10,000).
    pub members: usize,
    /// Weights of A1…A5.
    pub mix: Mix,
    /// Share of members with rooftop PV (drawn among A2–A5).
    pub pv_share: f64,
    /// Share of PV members that also have a battery.
    pub battery_share_of_pv: f64,
    /// Whether the grid has outages (≈ 20.6 h/day supply); false = always available.
    #[serde(default = "default_true")]
    pub grid_outages: bool,
    /// Changes the user made to single generated members.
    #[serde(default)]
    pub overrides: Vec<MemberOverride>,
    /// New loads on top of today's (air-conditioners, e-rickshaw charging).
    #[serde(default, skip_serializing_if = "LoadGrowth::is_none")]
    pub growth: LoadGrowth,
}

/// A user's change to one generated member (unset fields keep the generated value).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MemberOverride {
    /// Member id (e.g. `N07`).
    pub member: String,
    /// Rooftop PV, kWp (0 = none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pv_kwp: Option<f64>,
    /// Battery capacity, kWh (0 = none; a typical C/2 battery otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery_kwh: Option<f64>,
    /// Share of daily load that may move.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flexible_share: Option<f64>,
    /// Whether the member takes part in sharing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participates: Option<bool>,
    /// Whether the PV inverter can island (hybrid inverter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hybrid_inverter: Option<bool>,
}

impl MemberOverride {
    /// Apply to a generated member; `pv_per_kwp` is the site's PV output per kWp.
    fn apply(&self, m: &mut Member, pv_per_kwp: &[f64]) {
        if let Some(kwp) = self.pv_kwp {
            m.pv_kwp = kwp;
            m.pv_kw = if kwp > 0.0 {
                pv_per_kwp.iter().map(|p| p * kwp).collect()
            } else {
                Vec::new()
            };
        }
        if let Some(kwh) = self.battery_kwh {
            m.battery = (kwh > 0.0).then(|| Battery::typical(kwh));
        }
        if let Some(share) = self.flexible_share {
            m.flexible_share = share;
        }
        if let Some(p) = self.participates {
            m.participates = p;
        }
        if self.hybrid_inverter.is_some() {
            m.hybrid_inverter = self.hybrid_inverter;
        }
    }
}

impl Member {
    /// Whether this member's PV keeps running in a grid outage (anti-islanding protection stops
    /// a plain grid-tied inverter).
    pub fn pv_islands(&self) -> bool {
        self.hybrid_inverter.unwrap_or(self.battery.is_some())
    }
}

fn default_true() -> bool {
    true
}

pub use crate::limits::MEMBERS_RANGE;

impl CommunitySpec {
    /// The default 30-member community of a site (DATA.md mixes).
    pub fn default_for(site: Site) -> Self {
        let mix = match site {
            Site::CompositeNorth => [12.0, 9.0, 5.0, 1.0, 3.0],
            Site::WarmHumidSouth => [4.0, 6.0, 12.0, 6.0, 2.0],
        };
        Self {
            site,
            seed: 2025,
            members: 30,
            mix,
            pv_share: 0.35,
            battery_share_of_pv: 0.5,
            grid_outages: true,
            overrides: Vec::new(),
            growth: LoadGrowth::default(),
        }
    }

    /// Check the spec before generating.
    pub fn validate(&self) -> Result<(), CommunityError> {
        let (lo, hi) = MEMBERS_RANGE;
        if self.members < lo || self.members > hi {
            return Err(CommunityError::Size {
                members: self.members,
            });
        }
        if self.mix.iter().any(|w| !w.is_finite() || *w < 0.0)
            || self.mix.iter().sum::<f64>() <= 0.0
        {
            return Err(CommunityError::Mix);
        }
        for (name, value) in [
            ("pv_share", self.pv_share),
            ("battery_share_of_pv", self.battery_share_of_pv),
            (
                "growth.air_conditioner_share",
                self.growth.air_conditioner_share,
            ),
            ("growth.e_rickshaw_share", self.growth.e_rickshaw_share),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(CommunityError::Share { name, value });
            }
        }
        for o in &self.overrides {
            let bad = |field: &'static str, value: f64, max: f64| {
                (!(0.0..=max).contains(&value)).then_some((field, value, max))
            };
            let problem = o
                .pv_kwp
                .and_then(|v| bad("pv_kwp", v, MAX_OVERRIDE_PV_KWP))
                .or_else(|| {
                    o.battery_kwh
                        .and_then(|v| bad("battery_kwh", v, MAX_BATTERY_KWH))
                })
                .or_else(|| o.flexible_share.and_then(|v| bad("flexible_share", v, 1.0)));
            if let Some((field, value, max)) = problem {
                return Err(CommunityError::Override {
                    member: o.member.clone(),
                    field,
                    value,
                    max,
                });
            }
        }
        Ok(())
    }

    /// Id of the `k`-th generated member (0-based): site letter and number, e.g. `N07`.
    pub fn member_id(&self, k: usize) -> String {
        let prefix = match self.site {
            Site::CompositeNorth => "N",
            Site::WarmHumidSouth => "S",
        };
        let width = self.members.to_string().len().max(2);
        format!("{prefix}{:0width$}", k + 1)
    }

    /// Archetype of every member: largest-remainder apportionment of the mix, in A1…A5 order.
    pub fn archetypes(&self) -> Vec<Archetype> {
        let total: f64 = self.mix.iter().sum();
        let exact: Vec<f64> = self
            .mix
            .iter()
            .map(|w| w / total * self.members as f64)
            .collect();
        let mut counts: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
        let mut order: Vec<usize> = (0..5).collect();
        order.sort_by(|&a, &b| {
            (exact[b] - exact[b].floor())
                .total_cmp(&(exact[a] - exact[a].floor()))
                .then(a.cmp(&b))
        });
        let mut missing = self.members - counts.iter().sum::<usize>();
        for &i in order.iter().cycle() {
            if missing == 0 {
                break;
            }
            counts[i] += 1;
            missing -= 1;
        }
        Archetype::GENERATED
            .iter()
            .zip(counts)
            .flat_map(|(a, n)| std::iter::repeat_n(*a, n))
            .collect()
    }
}

/// Why a community cannot be generated.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum CommunityError {
    /// Member count outside 2…10,000.
    #[error("community size {members} is outside 2 to 10,000 members")]
    Size {
        /// Requested size.
        members: usize,
    },
    /// Mix weights negative, not numbers, or all zero.
    #[error("the archetype mix needs non-negative weights that are not all zero")]
    Mix,
    /// A member edit out of range.
    #[error("member {member}: {field} must be between 0 and {max} (got {value})")]
    Override {
        /// Member id.
        member: String,
        /// Field.
        field: &'static str,
        /// Value given.
        value: f64,
        /// Highest allowed.
        max: f64,
    },
    /// An axis whose steps do not split the hours evenly.
    #[error(
        "axis.steps_per_day must be 24, 48 or 96 (hourly, 30- or 15-minute steps) for a generated community (got {steps_per_day})"
    )]
    StepsPerDay {
        /// Steps per day of the axis.
        steps_per_day: u32,
    },
    /// A share outside [0, 1].
    #[error("{name} must be between 0 and 1 (got {value})")]
    Share {
        /// Field.
        name: &'static str,
        /// Value.
        value: f64,
    },
}

/// A generated community: members, the site's PV output per kWp and grid availability.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Community {
    /// Members in order.
    pub members: Vec<Member>,
    /// PV output per kWp at the site, kW/kWp per step.
    pub pv_per_kwp: Vec<f64>,
    /// Whether the grid supplies power at each step (false = outage).
    pub grid_available: Vec<bool>,
}

/// Static attributes of a generated member (PV, battery, mill or shop).
struct MemberAssets {
    pv_kwp: f64,
    battery: Option<Battery>,
    is_mill: bool,
}

fn round_to(x: f64, step: f64) -> f64 {
    (x / step).round() * step
}

/// Which members get PV and batteries: a seeded draw of `pv_share` of all members among A2–A5.
fn assets(spec: &CommunitySpec, archetypes: &[Archetype]) -> Vec<MemberAssets> {
    let mut rng = Rng::new(spec.seed, Stream::Assets, 0, 0);
    let candidates: Vec<usize> = (0..archetypes.len())
        .filter(|&k| archetypes[k] != Archetype::A1)
        .collect();
    let want = ((spec.pv_share * archetypes.len() as f64).round() as usize).min(candidates.len());
    // Partial Fisher–Yates: the first `want` candidates after shuffling get PV.
    let mut pool = candidates;
    for i in 0..want {
        let last = pool.len() - 1;
        let j = i + (rng.uniform() * (pool.len() - i) as f64) as usize;
        pool.swap(i, j.min(last));
    }
    let mut with_pv = vec![false; archetypes.len()];
    for &k in &pool[..want] {
        with_pv[k] = true;
    }
    archetypes
        .iter()
        .enumerate()
        .map(|(k, archetype)| {
            let mut r = Rng::new(spec.seed, Stream::Member, k as u64, 0);
            let is_mill = *archetype == Archetype::A5 && r.chance(MILL_SHARE);
            let pv_kwp = if with_pv[k] {
                match archetype {
                    Archetype::A2 => round_to(r.range(0.5, 1.0), 0.1),
                    _ => round_to(r.range(1.0, 3.0), 0.1),
                }
            } else {
                0.0
            };
            let battery = (pv_kwp > 0.0 && r.chance(spec.battery_share_of_pv))
                .then(|| Battery::typical(round_to(2.0 * pv_kwp, 0.5).max(1.0)));
            MemberAssets {
                pv_kwp,
                battery,
                is_mill,
            }
        })
        .collect()
}

/// Steps per day the generator can build: hourly, 30- and 15-minute steps. Appliance events
/// and outages are placed in hours and binned into the steps, which needs a whole number of
/// steps per hour.
pub const GENERATED_STEPS_PER_DAY: [u32; 3] = [24, 48, 96];

/// Check that the generator can honour `axis` (its steps must split the hours evenly).
pub fn check_axis(axis: &TimeAxis) -> Result<(), CommunityError> {
    if GENERATED_STEPS_PER_DAY.contains(&axis.steps_per_day) {
        Ok(())
    } else {
        Err(CommunityError::StepsPerDay {
            steps_per_day: axis.steps_per_day,
        })
    }
}

/// The load of one member on `axis`, average kW per step.
fn member_load(
    spec: &CommunitySpec,
    climate: &Climate,
    axis: &TimeAxis,
    k: usize,
    archetype: Archetype,
    is_mill: bool,
) -> Vec<f64> {
    let list = appliances(archetype, is_mill);
    let mut ownership = Rng::new(spec.seed, Stream::Member, k as u64, 1);
    let owned: Vec<bool> = list.iter().map(|a| ownership.chance(a.ownership)).collect();
    let spd = axis.steps_per_day as usize;
    let days = axis.steps.div_ceil(spd);
    // Persistent noise on each appliance's hours of use: innovations for the window's days and
    // the `lags` days before, one per appliance a day, oldest day first.
    let processes: Vec<Ar1> = list
        .iter()
        .map(|a| Ar1::new(a.driver.persistence()))
        .collect();
    let lags = processes.iter().map(Ar1::lags).max().unwrap_or(0);
    let first = i64::from(axis.start_day_of_year) - lags as i64;
    let mut innovations = vec![Vec::with_capacity(lags + days); list.len()];
    for d in first..first + (lags + days) as i64 {
        let mut rng = Rng::new(spec.seed, Stream::LoadNoise, k as u64, day_key(d));
        for pair in innovations.chunks_mut(2) {
            let (a, b) = rng.normal_pair();
            pair[0].push(a);
            if let Some(second) = pair.get_mut(1) {
                second.push(b);
            }
        }
    }
    let adopted = spec.growth.adopted(spec.seed, k);
    let mut load = vec![0.0; days * spd];
    for (day, day_kw) in load.chunks_exact_mut(spd).enumerate() {
        let month = axis.calendar_month_of(day * spd);
        let temperature = climate.mean_temperature_c[month];
        // Keyed by the day's absolute index, so a window of a run has the run's profiles.
        let absolute_day = u64::from(axis.start_day_of_year) + day as u64;
        let mut rng = Rng::new(spec.seed, Stream::MemberDay, k as u64, absolute_day);
        for (i, a) in list.iter().enumerate().filter(|(i, _)| owned[*i]) {
            let noise = processes[i].at(&innovations[i][..=lags + day]);
            add_appliance_day(a, temperature, noise, &mut rng, day_kw);
        }
        spec.growth
            .add_day(adopted, spec.seed, k, absolute_day, temperature, day_kw);
    }
    load.truncate(axis.steps);
    load
}

/// Grid availability: outages in 1–3 blocks of whole hours a day, totalling the month's mean
/// outage hours; the same hours on every step length.
fn outage_mask(spec: &CommunitySpec, climate: &Climate, axis: &TimeAxis) -> Vec<bool> {
    let spd = axis.steps_per_day as usize;
    let steps_per_hour = spd / 24;
    let mut available = vec![true; axis.steps];
    let days = axis.steps.div_ceil(spd);
    for day in 0..days {
        let month = axis.calendar_month_of(day * spd);
        let absolute_day = u64::from(axis.start_day_of_year) + day as u64;
        let mut rng = Rng::new(spec.seed, Stream::Outage, absolute_day, 0);
        let hours =
            (climate.outage_hours_per_day[month] * rng.lognormal_factor(0.4)).round() as usize;
        let blocks = 1 + (rng.uniform() * 3.0) as usize;
        let mut left = hours.min(12);
        for b in 0..blocks {
            let len = if b + 1 == blocks {
                left
            } else {
                (left as f64 * rng.range(0.3, 0.7)).round() as usize
            };
            left -= len.min(left);
            let start = (rng.uniform() * (24 - len.min(23)) as f64) as usize;
            let first = day * spd + start * steps_per_hour;
            let last = day * spd + (start + len).min(24) * steps_per_hour;
            for slot in available.iter_mut().take(last).skip(first) {
                *slot = false;
            }
        }
    }
    available
}

/// The site's PV output per kWp on `axis` (the default village's weather), for uploaded members
/// with a PV size but no PV series.
pub fn site_pv_per_kwp(site: Site, axis: &TimeAxis) -> Vec<f64> {
    solar::pv_per_kwp(&site.climate(), axis, CommunitySpec::default_for(site).seed)
}

/// Generate a community on `axis` (24, 48 or 96 steps a day). Deterministic in `spec.seed`.
pub fn generate(spec: &CommunitySpec, axis: &TimeAxis) -> Result<Community, CommunityError> {
    spec.validate()?;
    check_axis(axis)?;
    let climate = spec.site.climate();
    let archetypes = spec.archetypes();
    let pv_per_kwp = solar::pv_per_kwp(&climate, axis, spec.seed);
    let mut members: Vec<Member> = archetypes
        .iter()
        .zip(assets(spec, &archetypes))
        .enumerate()
        .map(|(k, (&archetype, asset))| Member {
            id: spec.member_id(k),
            archetype,
            load_kw: member_load(spec, &climate, axis, k, archetype, asset.is_mill),
            pv_kwp: asset.pv_kwp,
            pv_kw: if asset.pv_kwp > 0.0 {
                pv_per_kwp.iter().map(|p| p * asset.pv_kwp).collect()
            } else {
                Vec::new()
            },
            battery: asset.battery,
            flexible_share: if spec.growth.adopted(spec.seed, k).1 {
                archetype
                    .default_flexible_share()
                    .max(E_RICKSHAW_FLEXIBLE_SHARE)
            } else {
                archetype.default_flexible_share()
            },
            participates: true,
            hybrid_inverter: None,
        })
        .collect();
    for o in &spec.overrides {
        if let Some(m) = members.iter_mut().find(|m| m.id == o.member) {
            o.apply(m, &pv_per_kwp);
        }
    }
    Ok(Community {
        members,
        grid_available: if spec.grid_outages {
            outage_mask(spec, &climate, axis)
        } else {
            vec![true; axis.steps]
        },
        pv_per_kwp,
    })
}
