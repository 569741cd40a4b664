//! What a scenario may hold. A scenario arrives from a file or a share link, so it is untrusted:
//! every number a user can set has a range here, and [`check`] refuses anything outside it
//! before a run allocates by it, divides by it or loops over it. The ranges are wide enough for
//! any real community; what lies beyond them would only ever come from a typo or a broken link.

use std::collections::HashSet;

use thiserror::Error;

use crate::community::{Battery, CommunitySpec, Member};
use crate::coordinator::{CoordinatorSettings, Fault};
use crate::scenario::{CommunitySource, Scenario, ScenarioError};
use crate::tariff::Tariff;
use crate::time_axis::TimeAxis;

/// Longest run: ten 365-day years.
pub const MAX_DAYS: usize = 3650;
/// Steps per day the generator can produce: hourly, 30-minute and 15-minute steps.
pub const GENERATED_STEPS_PER_DAY: [u32; 3] = [24, 48, 96];
/// Uploaded (custom) members may use any whole number of minutes per step that divides a day.
pub const MINUTES_PER_DAY: u32 = 1440;
/// Most steps in a run: ten years at the finest step a generated community supports (15 min).
pub const MAX_STEPS: usize = MAX_DAYS * 96;
/// Days in the axis' year (`start_day_of_year` is below this).
pub const DAYS_PER_YEAR: u32 = 365;
/// Highest grid price, peak penalty or wear cost, ₹/kWh (retail is ₹3–15 in India).
pub const MAX_PRICE_PER_KWH: f64 = 1000.0;
/// Longest coordinator horizon, days.
pub const MAX_HORIZON_DAYS: usize = 7;
/// Highest demand charge, ₹ per kW of monthly maximum import (Indian HT tariffs: ₹100–500).
pub const MAX_DEMAND_CHARGE_PER_KW: f64 = 10_000.0;
/// Largest transformer rating, kVA.
pub const MAX_TRANSFORMER_KVA: f64 = 100_000.0;
/// Flexible load runs at 1× (evenly) up to this multiple of its daily average power.
pub const FLEX_POWER_MULTIPLE_RANGE: (f64, f64) = (1.0, 100.0);
/// Most fault events in one scenario.
pub const MAX_FAULTS: usize = 1000;
/// Highest load, PV output, PV size or battery power of one member, kW (a mill or a school).
pub const MAX_MEMBER_KW: f64 = 1000.0;
/// Largest rooftop PV a member edit may give a generated home, kWp.
pub const MAX_OVERRIDE_PV_KWP: f64 = 100.0;
/// Largest battery of one member, kWh.
pub const MAX_BATTERY_KWH: f64 = 1000.0;
/// Lowest one-way battery efficiency (below it no real battery works; the optimiser's
/// arithmetic loses precision as 1/η grows).
pub const MIN_EFFICIENCY: f64 = 0.5;
/// Largest archetype weight (the weights' sum must stay a finite number).
pub const MAX_MIX_WEIGHT: f64 = 1e6;
/// Smallest and largest community: the generator's range; an upload needs one member at least.
pub const MEMBERS_RANGE: (usize, usize) = (2, 10_000);

/// A value outside what a scenario may hold, named by its path in the scenario JSON.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum LimitError {
    /// A number outside its range (or a step count the engine cannot use).
    #[error("{field} is {value}; allowed: {allowed}")]
    OutOfRange {
        /// Path of the field, e.g. `settings.coordinator.horizon_steps`.
        field: String,
        /// The value found.
        value: String,
        /// The allowed values.
        allowed: String,
    },
    /// A fault or member edit names a member the community does not have.
    #[error("{field}: the community has no member '{member}'")]
    UnknownMember {
        /// Path of the field.
        field: String,
        /// The id given.
        member: String,
    },
    /// Two uploaded members share an id.
    #[error("{field}: member id '{member}' is used twice")]
    DuplicateMember {
        /// Path of the field.
        field: String,
        /// The id.
        member: String,
    },
}

/// A bound's value as a user would write it: whole numbers exactly, reals short even when huge.
trait Shown: PartialOrd + Copy {
    fn shown(self) -> String;
}

impl Shown for f64 {
    fn shown(self) -> String {
        if self != 0.0 && !(1e-3..1e9).contains(&self.abs()) {
            format!("{self:e}")
        } else {
            format!("{self}")
        }
    }
}

impl Shown for usize {
    fn shown(self) -> String {
        self.to_string()
    }
}

fn out_of_range(field: String, value: impl Shown, allowed: String) -> LimitError {
    LimitError::OutOfRange {
        field,
        value: value.shown(),
        allowed,
    }
}

/// `value` in `[lo, hi]` (NaN is outside). The field's path is only written out on refusal
/// (a custom member's series are checked value by value).
fn within<T: Shown>(
    field: impl FnOnce() -> String,
    value: T,
    (lo, hi): (T, T),
    note: &str,
) -> Result<(), LimitError> {
    if lo <= value && value <= hi {
        return Ok(());
    }
    let allowed = format!("{} to {}{note}", lo.shown(), hi.shown());
    Err(out_of_range(field(), value, allowed))
}

/// `value` in `(0, max]`.
fn positive(
    field: impl FnOnce() -> String,
    value: f64,
    max: f64,
    unit: &str,
) -> Result<(), LimitError> {
    if value > 0.0 && value <= max {
        return Ok(());
    }
    let allowed = format!("above 0 and at most {}{unit}", max.shown());
    Err(out_of_range(field(), value, allowed))
}

/// Every check of this module, in the order a reader fixes things: the axis (everything else is
/// measured against it), the tariff, the community, the coordinator.
pub fn check(scenario: &Scenario) -> Result<(), ScenarioError> {
    let generated = matches!(scenario.community, CommunitySource::Generated(_));
    check_axis(&scenario.axis, generated)?;
    check_tariff(&scenario.tariff)?;
    let ids: Vec<String> = match &scenario.community {
        CommunitySource::Generated(spec) => {
            // The member count is in range before ids are made for it.
            spec.validate()?;
            let ids: Vec<String> = (0..spec.members).map(|k| spec.member_id(k)).collect();
            check_generated(spec, &ids.iter().map(String::as_str).collect())?;
            ids
        }
        CommunitySource::Custom { members, .. } => {
            check_custom(members)?;
            members.iter().map(|m| m.id.clone()).collect()
        }
    };
    let ids: HashSet<&str> = ids.iter().map(String::as_str).collect();
    check_coordinator(&scenario.settings.coordinator, &scenario.axis, &ids)?;
    check_peak(scenario.settings.transformer_kva, &scenario.settings.peak)?;
    Ok(())
}

/// The transformer and the peak settings: a rating above 0, a power factor in (0, 1],
/// ascending class thresholds, a demand charge and an import cap within range.
pub fn check_peak(
    transformer_kva: Option<f64>,
    p: &crate::transformer::PeakSettings,
) -> Result<(), LimitError> {
    if let Some(kva) = transformer_kva {
        positive(
            || "settings.transformer_kva".into(),
            kva,
            MAX_TRANSFORMER_KVA,
            " kVA",
        )?;
    }
    let field = |name: &str| format!("settings.peak.{name}");
    positive(|| field("power_factor"), p.power_factor, 1.0, "")?;
    let mut low = 0.0;
    for (i, t) in p.class_thresholds.iter().enumerate() {
        let note = " (thresholds ascending, share of the rating)";
        within(
            || field(&format!("class_thresholds[{i}]")),
            *t,
            (low, 10.0),
            note,
        )?;
        low = *t;
    }
    within(
        || field("demand_charge_per_kw"),
        p.demand_charge_per_kw,
        (0.0, MAX_DEMAND_CHARGE_PER_KW),
        " ₹/kW",
    )?;
    if let Some(cap) = p.import_cap_kw {
        positive(|| field("import_cap_kw"), cap, MAX_TRANSFORMER_KVA, " kW")?;
    }
    Ok(())
}

/// The axis: steps per day the members' source supports, at most ten years of steps, a start
/// day within the year.
pub fn check_axis(axis: &TimeAxis, generated: bool) -> Result<(), LimitError> {
    let spd = axis.steps_per_day;
    let field = || "axis.steps_per_day".to_string();
    if generated && !GENERATED_STEPS_PER_DAY.contains(&spd) {
        let list = GENERATED_STEPS_PER_DAY.map(|n| n.to_string()).join(", ");
        let allowed = format!("{list} steps a day for a generated community");
        return Err(out_of_range(field(), spd as usize, allowed));
    }
    if spd == 0 || spd > MINUTES_PER_DAY || !MINUTES_PER_DAY.is_multiple_of(spd) {
        let allowed = "a divisor of 1440 (steps of whole minutes that fill a day), e.g. 24".into();
        return Err(out_of_range(field(), spd as usize, allowed));
    }
    let max_steps = MAX_STEPS.min(MAX_DAYS * spd as usize);
    let note = if max_steps == MAX_STEPS {
        " (the most steps a run may have)".to_string()
    } else {
        format!(" ({MAX_DAYS} days of {spd} steps)")
    };
    within(|| "axis.steps".into(), axis.steps, (1, max_steps), &note)?;
    within(
        || "axis.start_day_of_year".into(),
        axis.start_day_of_year as usize,
        (0, DAYS_PER_YEAR as usize - 1),
        " (0 = 1 January)",
    )
}

/// Every price of the tariff above 0 and at most [`MAX_PRICE_PER_KWH`] (the order
/// sell < buy is checked per step by [`Tariff::prices`]).
pub fn check_tariff(tariff: &Tariff) -> Result<(), LimitError> {
    let price =
        |field: &dyn Fn() -> String, v: f64| positive(field, v, MAX_PRICE_PER_KWH, " ₹/kWh");
    match tariff {
        Tariff::Flat {
            buy_per_kwh,
            sell_per_kwh,
        } => {
            price(&|| "tariff.buy_per_kwh".into(), *buy_per_kwh)?;
            price(&|| "tariff.sell_per_kwh".into(), *sell_per_kwh)
        }
        Tariff::TimeOfUse {
            buy_per_kwh,
            sell_per_kwh,
        } => {
            for (name, table) in [("buy_per_kwh", buy_per_kwh), ("sell_per_kwh", sell_per_kwh)] {
                for (month, row) in table.iter().enumerate() {
                    for (hour, v) in row.iter().enumerate() {
                        price(&|| format!("tariff.{name}[{month}][{hour}]"), *v)?;
                    }
                }
            }
            Ok(())
        }
        // Validated field by field by `RetailTariff::validate` (in `Tariff::prices`).
        Tariff::Retail(_) => Ok(()),
        Tariff::Series {
            buy_per_kwh,
            sell_per_kwh,
        } => {
            for (name, series) in [("buy_per_kwh", buy_per_kwh), ("sell_per_kwh", sell_per_kwh)] {
                for (step, v) in series.iter().enumerate() {
                    price(&|| format!("tariff.{name}[{step}]"), *v)?;
                }
            }
            Ok(())
        }
    }
}

/// What [`CommunitySpec::validate`] leaves open: archetype weights small enough to sum, member
/// edits that name members the community has.
pub fn check_generated(spec: &CommunitySpec, member_ids: &HashSet<&str>) -> Result<(), LimitError> {
    for (i, w) in spec.mix.iter().enumerate() {
        within(
            || format!("community.mix[{i}]"),
            *w,
            (0.0, MAX_MIX_WEIGHT),
            "",
        )?;
    }
    match spec
        .overrides
        .iter()
        .position(|o| !member_ids.contains(o.member.as_str()))
    {
        Some(i) => Err(LimitError::UnknownMember {
            field: format!("community.overrides[{i}].member"),
            member: spec.overrides[i].member.clone(),
        }),
        None => Ok(()),
    }
}

/// Uploaded members: how many, unique ids, series values, PV size and battery within range
/// (lengths against the axis and the flexible share are checked by the scenario).
pub fn check_custom(members: &[Member]) -> Result<(), LimitError> {
    within(
        || "community.members".into(),
        members.len(),
        (1, MEMBERS_RANGE.1),
        " members",
    )?;
    let mut ids: Vec<&str> = members.iter().map(|m| m.id.as_str()).collect();
    ids.sort_unstable();
    if let Some(pair) = ids.windows(2).find(|p| p[0] == p[1]) {
        return Err(LimitError::DuplicateMember {
            field: "community.members".into(),
            member: pair[0].to_string(),
        });
    }
    for (i, m) in members.iter().enumerate() {
        let at = || format!("community.members[{i}]");
        for (name, series) in [("load_kw", &m.load_kw), ("pv_kw", &m.pv_kw)] {
            for (step, v) in series.iter().enumerate() {
                within(
                    || format!("{}.{name}[{step}]", at()),
                    *v,
                    (0.0, MAX_MEMBER_KW),
                    " kW",
                )?;
            }
        }
        within(
            || format!("{}.pv_kwp", at()),
            m.pv_kwp,
            (0.0, MAX_MEMBER_KW),
            " kWp",
        )?;
        if let Some(b) = &m.battery {
            check_battery(&format!("{}.battery", at()), b)?;
        }
    }
    Ok(())
}

/// A battery: capacity and power above 0 and within range, efficiencies from
/// [`MIN_EFFICIENCY`] to 1, and 0 ≤ soc_min ≤ soc_initial ≤ soc_max ≤ 1.
pub fn check_battery(at: &str, b: &Battery) -> Result<(), LimitError> {
    let field = |name: &str| format!("{at}.{name}");
    positive(
        || field("capacity_kwh"),
        b.capacity_kwh,
        MAX_BATTERY_KWH,
        " kWh",
    )?;
    positive(|| field("power_kw"), b.power_kw, MAX_MEMBER_KW, " kW")?;
    for (name, v) in [
        ("charge_efficiency", b.charge_efficiency),
        ("discharge_efficiency", b.discharge_efficiency),
    ] {
        within(|| field(name), v, (MIN_EFFICIENCY, 1.0), "")?;
    }
    let (min, initial, max) = (b.soc_min_frac, b.soc_initial_frac, b.soc_max_frac);
    let order = " (soc_min_frac ≤ soc_initial_frac ≤ soc_max_frac)";
    within(|| field("soc_min_frac"), min, (0.0, 1.0), "")?;
    within(|| field("soc_max_frac"), max, (min, 1.0), order)?;
    within(|| field("soc_initial_frac"), initial, (min, max), order)
}

/// The coordinator: a horizon of at most a week, re-solving within it, costs and shares within
/// range, faults inside the axis that name members the community has.
pub fn check_coordinator(
    c: &CoordinatorSettings,
    axis: &TimeAxis,
    member_ids: &HashSet<&str>,
) -> Result<(), LimitError> {
    let field = |name: &str| format!("settings.coordinator.{name}");
    let max_horizon = MAX_HORIZON_DAYS * axis.steps_per_day as usize;
    let note = format!(" ({MAX_HORIZON_DAYS} days of steps)");
    within(
        || field("horizon_steps"),
        c.horizon_steps,
        (1, max_horizon),
        &note,
    )?;
    let note = " (at most the horizon)";
    within(
        || field("resolve_every_steps"),
        c.resolve_every_steps,
        (1, c.horizon_steps),
        note,
    )?;
    within(
        || field("wear_per_kwh"),
        c.wear_per_kwh,
        (0.0, MAX_PRICE_PER_KWH),
        " ₹/kWh",
    )?;
    let multiple = c.flex_power_multiple;
    within(
        || field("flex_power_multiple"),
        multiple,
        FLEX_POWER_MULTIPLE_RANGE,
        "",
    )?;
    within(
        || field("faults"),
        c.faults.len(),
        (0, MAX_FAULTS),
        " events",
    )?;
    for (i, fault) in c.faults.iter().enumerate() {
        let (member, from, to) = match fault {
            Fault::MemberFailure {
                member,
                from_step,
                to_step,
            } => (Some(member), *from_step, *to_step),
            Fault::CoordinatorOutage { from_step, to_step }
            | Fault::GridOutage { from_step, to_step } => (None, *from_step, *to_step),
        };
        if from >= to || to > axis.steps {
            return Err(LimitError::OutOfRange {
                field: field(&format!("faults[{i}].from_step/to_step")),
                value: format!("{from}..{to}"),
                allowed: format!("from_step < to_step ≤ {} (the axis' steps)", axis.steps),
            });
        }
        if let Some(member) = member.filter(|m| !member_ids.contains(m.as_str())) {
            return Err(LimitError::UnknownMember {
                field: field(&format!("faults[{i}].member")),
                member: member.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::community::Site;
    use crate::tariff::TariffPreset;

    fn refused(s: &Scenario) -> String {
        match check(s) {
            Err(e) => e.to_string(),
            Ok(()) => panic!("accepted: {s:?}"),
        }
    }

    #[test]
    fn transformer_and_peak_limits_name_the_field() {
        let mut s = Scenario::default_north();
        s.settings.transformer_kva = Some(0.0);
        assert!(
            refused(&s).contains("settings.transformer_kva is 0"),
            "{}",
            refused(&s)
        );
        s.settings.transformer_kva = Some(16.0);
        s.settings.peak.power_factor = 1.2;
        assert!(refused(&s).contains("settings.peak.power_factor"));
        s.settings.peak.power_factor = 0.9;
        s.settings.peak.class_thresholds = [0.25, 0.8, 0.5, 1.0];
        let err = refused(&s);
        assert!(
            err.contains("settings.peak.class_thresholds[2]") && err.contains("ascending"),
            "{err}"
        );
        s.settings.peak.class_thresholds = [0.25, 0.5, 0.8, 1.0];
        s.settings.peak.demand_charge_per_kw = -1.0;
        assert!(refused(&s).contains("settings.peak.demand_charge_per_kw"));
        s.settings.peak.demand_charge_per_kw = 150.0;
        s.settings.peak.import_cap_kw = Some(f64::NAN);
        assert!(refused(&s).contains("settings.peak.import_cap_kw"));
        s.settings.peak.import_cap_kw = None;
        check(&s).unwrap();
    }

    #[test]
    fn defaults_and_presets_are_within_limits() {
        for site in [Site::CompositeNorth, Site::WarmHumidSouth] {
            for preset in TariffPreset::ALL {
                check(&Scenario::generated(site, preset)).unwrap();
            }
        }
    }

    #[test]
    fn axis_limits_name_the_field_and_the_range() {
        let mut s = Scenario::default_north();
        s.axis.steps_per_day = 0;
        let err = refused(&s);
        assert!(
            err.contains("axis.steps_per_day is 0") && err.contains("24, 48, 96 steps a day"),
            "{err}"
        );
        s.axis.steps_per_day = 24;
        s.axis.steps = usize::MAX / 2 + 1;
        let err = refused(&s);
        assert!(
            err.contains("axis.steps") && err.contains("1 to 87600"),
            "{err}"
        );
        s.axis.steps = MAX_DAYS * 24;
        check(&s).unwrap();
        s.axis.start_day_of_year = 365;
        assert!(refused(&s).contains("axis.start_day_of_year is 365"));
    }

    #[test]
    fn custom_axes_take_any_whole_minute_step() {
        assert!(check_axis(&TimeAxis::hourly(10), false).is_ok());
        for spd in [1, 12, 288, 1440] {
            let axis = TimeAxis {
                steps: 10,
                steps_per_day: spd,
                start_day_of_year: 0,
            };
            assert!(check_axis(&axis, false).is_ok(), "{spd}");
            assert!(check_axis(&axis, true).is_err(), "{spd}");
        }
        let odd = TimeAxis {
            steps: 10,
            steps_per_day: 7,
            start_day_of_year: 0,
        };
        assert!(check_axis(&odd, false)
            .unwrap_err()
            .to_string()
            .contains("divisor of 1440"));
    }

    #[test]
    fn coordinator_and_fault_limits() {
        let mut s = Scenario::default_north();
        s.settings.coordinator.horizon_steps = 0;
        assert!(refused(&s).contains("settings.coordinator.horizon_steps is 0; allowed: 1 to 168"));
        s.settings.coordinator.horizon_steps = 24;
        s.settings.coordinator.resolve_every_steps = 25;
        assert!(refused(&s).contains("resolve_every_steps is 25"));
        s.settings.coordinator.resolve_every_steps = 1;
        s.settings.coordinator.faults = vec![Fault::MemberFailure {
            member: "N99".into(),
            from_step: 0,
            to_step: 5,
        }];
        let err = refused(&s);
        assert!(
            err.contains("settings.coordinator.faults[0].member") && err.contains("'N99'"),
            "{err}"
        );
        s.settings.coordinator.faults = vec![Fault::GridOutage {
            from_step: 9,
            to_step: 3,
        }];
        assert!(refused(&s).contains("faults[0].from_step/to_step is 9..3"));
        s.settings.coordinator.faults.clear();
        s.settings.coordinator.flex_power_multiple = 0.0;
        assert!(refused(&s).contains("flex_power_multiple is 0"));
    }

    #[test]
    fn tariff_and_battery_limits() {
        let mut s = Scenario::default_north();
        s.tariff = Tariff::Flat {
            buy_per_kwh: 1e300,
            sell_per_kwh: 3.0,
        };
        assert!(refused(&s).contains("tariff.buy_per_kwh is 1e300"));
        let mut b = Battery::typical(2.0);
        b.soc_initial_frac = 0.05;
        let err = check_battery("community.members[0].battery", &b)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(
                "community.members[0].battery.soc_initial_frac is 0.05; allowed: 0.1 to 1"
            ),
            "{err}"
        );
        b = Battery::typical(2.0);
        b.charge_efficiency = 0.0;
        assert!(check_battery("b", &b).is_err());
        b = Battery::typical(2.0);
        b.soc_max_frac = 1.5;
        assert!(check_battery("b", &b)
            .unwrap_err()
            .to_string()
            .contains("b.soc_max_frac is 1.5"));
    }
}
