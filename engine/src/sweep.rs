//! Sensitivity sweeps: one parameter across a range, every model at every point, and the
//! break-even points where a sharing rule stops beating no sharing for consumers or prosumers.
//!
//! A point is first run with [`RunOptions::SETTLE_ONLY`] (the four rules on the homes' own dispatch,
//! milliseconds each), then complete (cloud-P2P and PM, without the perfect-foresight twin); both
//! use [`sweep_point`]. A front end that keeps the last simulation ([`sweep_point_kept`]) answers
//! points that change only what the report reads (τ_c) from it without simulating again.

use serde::{Deserialize, Serialize};

use crate::run::{run_with_options, simulate, Model, RunOptions, RunReport, Simulated};
use crate::scenario::{CommunitySource, Scenario};
use crate::tariff::{time_of_day, Tariff, TimeOfDay};
use crate::time_axis::TimeAxis;

/// The parameter a sweep varies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SweepParameter {
    /// Feed-in price λ_sell, ₹/kWh, every hour.
    FeedInPrice,
    /// Retail price λ_buy, ₹/kWh: a flat tariff's price, or a time-of-use table scaled so its
    /// first hour costs this much.
    RetailPrice,
    /// Evening-peak multiplier of the Indian time-of-day tariff (normal and feed-in prices kept).
    TodPeakMultiplier,
    /// Share of generated members with rooftop PV (0–1).
    PvPenetration,
    /// Share of PV owners with a battery (0–1).
    BatteryPenetration,
    /// The aggregator's share τ_c of members' gains (0–1).
    AggregatorReturn,
    /// The P2P transaction charge on real bills, ₹ per kWh traded (retail tariffs).
    P2pCharge,
}

impl SweepParameter {
    /// Every parameter, in menu order.
    pub const ALL: [SweepParameter; 7] = [
        SweepParameter::FeedInPrice,
        SweepParameter::RetailPrice,
        SweepParameter::TodPeakMultiplier,
        SweepParameter::PvPenetration,
        SweepParameter::BatteryPenetration,
        SweepParameter::AggregatorReturn,
        SweepParameter::P2pCharge,
    ];

    /// Stable key (menus, CSV).
    pub fn key(self) -> &'static str {
        match self {
            SweepParameter::FeedInPrice => "feed_in_price",
            SweepParameter::RetailPrice => "retail_price",
            SweepParameter::TodPeakMultiplier => "tod_peak_multiplier",
            SweepParameter::PvPenetration => "pv_penetration",
            SweepParameter::BatteryPenetration => "battery_penetration",
            SweepParameter::AggregatorReturn => "aggregator_return",
            SweepParameter::P2pCharge => "p2p_charge",
        }
    }

    /// The parameter with this key (`-` and `_` alike, any case), or an error listing the keys.
    pub fn from_key(key: &str) -> Result<Self, String> {
        let wanted = key.trim().to_ascii_lowercase().replace('-', "_");
        Self::ALL
            .into_iter()
            .find(|p| p.key() == wanted)
            .ok_or_else(|| {
                let keys: Vec<&str> = Self::ALL.iter().map(|p| p.key()).collect();
                format!(
                    "unknown sweep parameter '{key}' (expected one of {})",
                    keys.join(", ")
                )
            })
    }

    /// Human name with unit.
    pub fn label(self) -> &'static str {
        match self {
            SweepParameter::FeedInPrice => "Feed-in price; with real bills also the APPC (₹/kWh)",
            SweepParameter::RetailPrice => "Retail price (₹/kWh)",
            SweepParameter::TodPeakMultiplier => "Time-of-day evening peak multiplier (×)",
            SweepParameter::PvPenetration => "Share of homes with PV (0–1)",
            SweepParameter::BatteryPenetration => "Share of PV homes with a battery (0–1)",
            SweepParameter::AggregatorReturn => "Aggregator's share τ_c (0–1)",
            SweepParameter::P2pCharge => "P2P transaction charge (₹/kWh)",
        }
    }

    /// A sensible default range for the menu: (from, to).
    pub fn default_range(self) -> (f64, f64) {
        match self {
            SweepParameter::FeedInPrice => (1.0, 9.0),
            SweepParameter::RetailPrice => (8.5, 16.0),
            SweepParameter::TodPeakMultiplier => (1.0, 2.0),
            SweepParameter::PvPenetration | SweepParameter::BatteryPenetration => (0.0, 1.0),
            SweepParameter::AggregatorReturn => (0.0, 0.5),
            SweepParameter::P2pCharge => (0.0, 2.0),
        }
    }

    /// The scenario with this parameter set to `value`, or why that is impossible.
    pub fn apply(self, scenario: &Scenario, value: f64) -> Result<Scenario, String> {
        if !value.is_finite() {
            return Err(format!("{}: {value} is not a number", self.label()));
        }
        let mut s = scenario.clone();
        let unit_share = |v: f64| {
            if (0.0..=1.0).contains(&v) {
                Ok(v)
            } else {
                Err(format!("{}: {v} must be from 0 to 1", self.label()))
            }
        };
        let first_hour = first_hour_prices(&scenario.tariff);
        match self {
            SweepParameter::FeedInPrice => {
                s.tariff = map_prices(&s.tariff, |_| None, |_| Some(value));
            }
            SweepParameter::RetailPrice => {
                let scale = value / first_hour.0;
                s.tariff = map_prices(&s.tariff, |b| Some(b * scale), |_| None);
            }
            SweepParameter::TodPeakMultiplier if s.tariff.retail().is_some() => {
                return Err(format!(
                    "{}: a retail tariff keeps its own time-of-day windows (edit them in the tariff)",
                    self.label()
                ));
            }
            SweepParameter::P2pCharge => {
                if s.tariff.retail().is_none() {
                    return Err(format!(
                        "{}: needs a retail tariff (delhi, msedcl, …)",
                        self.label()
                    ));
                }
                if !(0.0..=100.0).contains(&value) {
                    return Err(format!("{}: {value} must be from 0 to 100", self.label()));
                }
                s.settings.billing.p2p_charge_per_kwh = value;
            }
            SweepParameter::TodPeakMultiplier => {
                s.tariff = time_of_day(TimeOfDay {
                    normal_per_kwh: first_hour.0,
                    feed_in_per_kwh: first_hour.1,
                    peak_multiplier: value,
                    ..TimeOfDay::default()
                });
            }
            SweepParameter::PvPenetration | SweepParameter::BatteryPenetration => {
                let v = unit_share(value)?;
                match &mut s.community {
                    CommunitySource::Generated(spec) => {
                        if self == SweepParameter::PvPenetration {
                            spec.pv_share = v;
                        } else {
                            spec.battery_share_of_pv = v;
                        }
                    }
                    CommunitySource::Custom { .. } => {
                        return Err(format!(
                            "{}: only a generated community can change its PV or batteries",
                            self.label()
                        ))
                    }
                }
            }
            SweepParameter::AggregatorReturn => {
                let v = unit_share(value)?;
                if v >= 1.0 {
                    return Err(format!("{}: must be below 1", self.label()));
                }
                s.settings.aggregator_return = v;
            }
        }
        s.tariff
            .prices(&TimeAxis::hourly(24))
            .map_err(|e| format!("{} = {value}: {e}", self.label()))?;
        Ok(s)
    }
}

/// The (buy, sell) prices of the first hour of a tariff.
fn first_hour_prices(tariff: &Tariff) -> (f64, f64) {
    tariff
        .prices(&TimeAxis::hourly(1))
        .ok()
        .and_then(|p| p.first().map(|g| (g.buy_per_kwh, g.sell_per_kwh)))
        .unwrap_or((10.0, 8.0))
}

/// A tariff with its buy and/or sell prices replaced (`None` keeps a price).
fn map_prices(
    tariff: &Tariff,
    buy: impl Fn(f64) -> Option<f64>,
    sell: impl Fn(f64) -> Option<f64>,
) -> Tariff {
    let b = |x: f64| buy(x).unwrap_or(x);
    let s = |x: f64| sell(x).unwrap_or(x);
    match tariff {
        Tariff::Flat {
            buy_per_kwh,
            sell_per_kwh,
        } => Tariff::Flat {
            buy_per_kwh: b(*buy_per_kwh),
            sell_per_kwh: s(*sell_per_kwh),
        },
        Tariff::TimeOfUse {
            buy_per_kwh,
            sell_per_kwh,
        } => Tariff::TimeOfUse {
            buy_per_kwh: buy_per_kwh.iter().map(|d| d.map(b)).collect(),
            sell_per_kwh: sell_per_kwh.iter().map(|d| d.map(s)).collect(),
        },
        // Retail: buy scales every slab rate by the first slab's change; sell sets the feed-in
        // and the year-end (APPC) rate.
        Tariff::Retail(r) => {
            let mut r = r.clone();
            let first = r.energy.categories[0].slabs[0].rate_per_kwh;
            let scale = if first > 0.0 { b(first) / first } else { 1.0 };
            for c in &mut r.energy.categories {
                for slab in &mut c.slabs {
                    slab.rate_per_kwh *= scale;
                }
            }
            r.metering.feed_in_per_kwh = s(r.metering.feed_in_per_kwh);
            r.metering.year_end_per_kwh = r.metering.year_end_per_kwh.map(s);
            Tariff::Retail(r)
        }
        Tariff::Series {
            buy_per_kwh,
            sell_per_kwh,
        } => Tariff::Series {
            buy_per_kwh: buy_per_kwh.iter().map(|x| b(*x)).collect(),
            sell_per_kwh: sell_per_kwh.iter().map(|x| s(*x)).collect(),
        },
    }
}

/// `points` evenly spaced values from `from` to `to` (both included).
pub fn sweep_values(from: f64, to: f64, points: usize) -> Vec<f64> {
    match points {
        0 => Vec::new(),
        1 => vec![from],
        n => (0..n)
            .map(|i| from + (to - from) * i as f64 / (n - 1) as f64)
            .collect(),
    }
}

/// Sweep values written as `a,b,c` or `from:to:step` (both ends included when the step reaches
/// `to`); at most 1,000 points.
pub fn parse_sweep_values(text: &str) -> Result<Vec<f64>, String> {
    let number = |s: &str| {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("'{}' is not a number", s.trim()))
    };
    let values = if let [from, to, step] = text.split(':').collect::<Vec<_>>()[..] {
        let (from, to, step) = (number(from)?, number(to)?, number(step)?);
        if step <= 0.0 || to < from {
            return Err(format!(
                "'{text}': from:to:step needs from ≤ to and a step above 0"
            ));
        }
        let n = ((to - from) / step + 1e-9).floor() as usize + 1;
        if n > 1_000 {
            return Err(format!("'{text}': {n} points; at most 1000"));
        }
        // Each value from its index, not by repeated addition, so 0:1:0.1 ends at exactly 1.
        (0..n).map(|i| from + step * i as f64).collect()
    } else {
        text.split(',').map(number).collect::<Result<Vec<_>, _>>()?
    };
    if values.is_empty() || values.len() > 1_000 {
        return Err(format!("'{text}': give 1 to 1000 values"));
    }
    Ok(values)
}

/// One model's figures at one sweep point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelPoint {
    /// The model.
    pub model: Model,
    /// Comparable community cost (bills + energy not served at the VoLL + battery wear), ₹.
    pub cost: f64,
    /// Consumers' saving against no sharing, %.
    pub consumer_savings_pct: Option<f64>,
    /// Prosumers' income (−Σ their bills), ₹.
    pub prosumer_income: f64,
    /// Performance measure (None in a settle-only point).
    pub performance_measure: Option<f64>,
}

impl BreakEven {
    /// One sentence for a reader; `alone` names no sharing's metering regime with a real bill
    /// (e.g. "net metering"), so a feed-in sweep on a net-metering tariff answers "above which
    /// APPC does net metering beat sharing?".
    pub fn describe(&self, parameter: SweepParameter, alone: Option<&str>) -> String {
        let who = match self.side {
            Side::Consumers => "consumers",
            Side::Prosumers => "prosumers",
        };
        if let Some(regime) = alone {
            let (side, other) = if self.gains_below {
                (format!("no sharing ({regime})"), self.model.label())
            } else {
                (self.model.label().to_string(), "no sharing")
            };
            return format!(
                "{}: above {} = {:.2}, {who} do better under {side} than under {other}",
                self.model.label(),
                parameter.label(),
                self.value
            );
        }
        let change = if self.gains_below {
            "stop gaining"
        } else {
            "start gaining"
        };
        format!(
            "{}: {who} {change} against no sharing above {} = {:.2}",
            self.model.label(),
            parameter.label(),
            self.value
        )
    }
}

/// Every model at one value of the parameter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    /// The parameter's value.
    pub value: f64,
    /// Whether cloud-P2P and PM are in (a complete point) or not yet (settle-only).
    pub complete: bool,
    /// The models, in [`Model::ALL`] order (four when not complete).
    pub models: Vec<ModelPoint>,
}

impl SweepPoint {
    /// The figures of one model.
    pub fn model(&self, model: Model) -> Option<&ModelPoint> {
        self.models.iter().find(|m| m.model == model)
    }

    /// The figures of a report at `value`.
    fn of(value: f64, complete: bool, report: &RunReport) -> Self {
        SweepPoint {
            value,
            complete,
            models: report
                .models
                .iter()
                .map(|m| ModelPoint {
                    model: m.model,
                    cost: m.comparable_cost,
                    consumer_savings_pct: m.consumer_savings_pct,
                    prosumer_income: m.prosumer_income,
                    performance_measure: m.performance_measure,
                })
                .collect(),
        }
    }
}

/// A complete point's run: every model and PM, without cloud-P2P's perfect-foresight twin (a
/// point reports no value of perfect information, and the twin would double its time).
const SWEEP_OPTIONS: RunOptions = RunOptions::WITHOUT_TWIN;

/// Run one point: settle-only (`complete = false`) or complete (every model and PM).
pub fn sweep_point(
    scenario: &Scenario,
    parameter: SweepParameter,
    value: f64,
    complete: bool,
) -> Result<SweepPoint, String> {
    let s = parameter.apply(scenario, value)?;
    let options = if complete {
        SWEEP_OPTIONS
    } else {
        RunOptions::SETTLE_ONLY
    };
    let report = run_with_options(&s, options, &mut |_| {}, None).map_err(|e| e.to_string())?;
    Ok(SweepPoint::of(value, complete, &report))
}

/// [`sweep_point`], for a front end that keeps a simulation between points: a complete point is
/// answered from `kept` when it holds a simulation the point's scenario only re-reports (a τ_c
/// sweep simulates once), otherwise simulated and then kept in its place; a settle-only point
/// leaves `kept` alone. Equal to [`sweep_point`] (`engine/tests/reuse.rs`).
pub fn sweep_point_kept(
    scenario: &Scenario,
    parameter: SweepParameter,
    value: f64,
    complete: bool,
    kept: &mut Option<Simulated>,
) -> Result<SweepPoint, String> {
    if !complete {
        return sweep_point(scenario, parameter, value, false);
    }
    let s = parameter.apply(scenario, value)?;
    let usable = kept.as_ref().filter(|k| k.options().covers(SWEEP_OPTIONS));
    if let Some(report) = usable.and_then(|k| k.report(&s)) {
        return Ok(SweepPoint::of(value, true, &report));
    }
    let simulated = simulate(&s, SWEEP_OPTIONS, &mut |_| {}, None).map_err(|e| e.to_string())?;
    let report = simulated
        .report(&s)
        .ok_or("the simulation serves its own scenario")?;
    *kept = Some(simulated);
    Ok(SweepPoint::of(value, true, &report))
}

/// Who stops gaining at a break-even.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Members without PV: their saving against no sharing changes sign.
    Consumers,
    /// Members with PV: their income against no sharing changes sign.
    Prosumers,
}

/// A value where a model's advantage over no sharing changes sign (linear between points).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BreakEven {
    /// The model.
    pub model: Model,
    /// Who.
    pub side: Side,
    /// The parameter's value there.
    pub value: f64,
    /// True when the advantage is positive below `value` (sharing stops paying as it rises).
    pub gains_below: bool,
}

/// Every break-even in a sweep (points in increasing or decreasing order of value).
pub fn break_evens(points: &[SweepPoint]) -> Vec<BreakEven> {
    let mut out = Vec::new();
    for model in Model::ALL.into_iter().filter(|m| *m != Model::None) {
        for side in [Side::Consumers, Side::Prosumers] {
            let advantage = |p: &SweepPoint| -> Option<f64> {
                let m = p.model(model)?;
                match side {
                    Side::Consumers => m.consumer_savings_pct,
                    Side::Prosumers => {
                        Some(m.prosumer_income - p.model(Model::None)?.prosumer_income)
                    }
                }
            };
            for pair in points.windows(2) {
                let (Some(a), Some(b)) = (advantage(&pair[0]), advantage(&pair[1])) else {
                    continue;
                };
                // A sign change (ignoring sub-rupee / sub-0.01 % noise around zero).
                if (a > 1e-6 && b < -1e-6) || (a < -1e-6 && b > 1e-6) {
                    let (x0, x1) = (pair[0].value, pair[1].value);
                    let value = x0 + (x1 - x0) * a / (a - b);
                    out.push(BreakEven {
                        model,
                        side,
                        value,
                        gains_below: (a > 0.0) == (x0 < x1),
                    });
                }
            }
        }
    }
    out
}

/// The sweep as CSV: one row per point and model.
pub fn sweep_csv(parameter: SweepParameter, points: &[SweepPoint]) -> String {
    let opt = |v: Option<f64>| v.map_or_else(String::new, |v| v.to_string());
    let mut out = format!(
        "{},model,community_cost,consumer_savings_pct,prosumer_income,performance_measure\n",
        parameter.key()
    );
    for p in points {
        for m in &p.models {
            out.push_str(&format!(
                "{},{},{},{},{},{}\n",
                p.value,
                m.model.key(),
                m.cost,
                opt(m.consumer_savings_pct),
                m.prosumer_income,
                opt(m.performance_measure)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn sweep_values_and_parameters_parse_or_say_why() {
        use super::{parse_sweep_values, SweepParameter};
        assert_eq!(parse_sweep_values("1,2.5, 4").unwrap(), vec![1.0, 2.5, 4.0]);
        assert_eq!(
            parse_sweep_values("0:1:0.25").unwrap(),
            vec![0.0, 0.25, 0.5, 0.75, 1.0]
        );
        assert_eq!(parse_sweep_values("2:3:5").unwrap(), vec![2.0]);
        assert!(parse_sweep_values("1,x").unwrap_err().contains("'x'"));
        assert!(parse_sweep_values("3:1:1").is_err());
        assert!(parse_sweep_values("0:1:0").is_err());
        assert!(parse_sweep_values("0:1e6:1")
            .unwrap_err()
            .contains("at most 1000"));
        assert_eq!(
            SweepParameter::from_key("feed-in-price").unwrap(),
            SweepParameter::FeedInPrice
        );
        assert!(SweepParameter::from_key("colour")
            .unwrap_err()
            .contains("aggregator_return"));
    }

    use super::*;
    use crate::run::run;
    use crate::tariff::TariffPreset;

    fn short() -> Scenario {
        let mut s = Scenario::default_north();
        s.axis = TimeAxis::hourly(14 * 24);
        s
    }

    #[test]
    fn a_point_equals_a_single_run_of_the_changed_scenario() {
        let s = short();
        let p = sweep_point(&s, SweepParameter::FeedInPrice, 3.0, true).unwrap();
        let mut single = s.clone();
        single.tariff = Tariff::Flat {
            buy_per_kwh: 10.0,
            sell_per_kwh: 3.0,
        };
        let r = run(&single, &mut |_| {}).unwrap();
        for m in &r.models {
            let q = p.model(m.model).unwrap();
            assert_eq!(q.cost, m.comparable_cost);
            assert_eq!(q.consumer_savings_pct, m.consumer_savings_pct);
        }
        let quick = sweep_point(&s, SweepParameter::FeedInPrice, 3.0, false).unwrap();
        assert_eq!(quick.models.len(), 4);
        assert_eq!(quick.models[3].cost, p.models[3].cost);
    }

    #[test]
    fn parameters_change_what_they_name_and_refuse_impossible_values() {
        let s = Scenario::generated(
            crate::community::Site::CompositeNorth,
            TariffPreset::IndianTimeOfDay,
        );
        let t = SweepParameter::TodPeakMultiplier.apply(&s, 1.5).unwrap();
        let p = t.tariff.prices(&TimeAxis::hourly(24)).unwrap();
        assert!((p[19].buy_per_kwh - 6.5 * 1.5).abs() < 1e-12 && p[0].buy_per_kwh == 6.5);
        let r = SweepParameter::RetailPrice.apply(&s, 13.0).unwrap();
        let p = r.tariff.prices(&TimeAxis::hourly(24)).unwrap();
        assert!((p[0].buy_per_kwh - 13.0).abs() < 1e-12 && (p[19].buy_per_kwh - 15.6).abs() < 1e-9);
        // The solar-hour price (5.2) must stay above feed-in.
        let err = SweepParameter::FeedInPrice.apply(&s, 6.0).unwrap_err();
        assert!(
            err.contains("Feed-in price; with real bills also the APPC (₹/kWh) = 6"),
            "{err}"
        );
        // Real bills: the feed-in sweep moves the APPC too; the P2P charge needs a retail tariff.
        assert!(SweepParameter::P2pCharge.apply(&s, 0.5).is_err());
        let mut delhi = s.clone();
        delhi.tariff = Tariff::by_id("delhi").unwrap();
        let f = SweepParameter::FeedInPrice.apply(&delhi, 4.2).unwrap();
        let m = &f.tariff.retail().unwrap().metering;
        assert_eq!((m.feed_in_per_kwh, m.year_end_per_kwh), (4.2, Some(4.2)));
        let c = SweepParameter::P2pCharge.apply(&delhi, 0.8).unwrap();
        assert_eq!(c.settings.billing.p2p_charge_per_kwh, 0.8);
        assert!(SweepParameter::TodPeakMultiplier
            .apply(&delhi, 1.3)
            .is_err());
        assert!(SweepParameter::PvPenetration.apply(&s, 1.2).is_err());
        let pv = SweepParameter::PvPenetration.apply(&s, 0.8).unwrap();
        assert!(matches!(pv.community, CommunitySource::Generated(ref g) if g.pv_share == 0.8));
        assert_eq!(sweep_values(1.0, 9.0, 5), vec![1.0, 3.0, 5.0, 7.0, 9.0]);
    }

    #[test]
    fn break_evens_interpolate_sign_changes() {
        let point = |value: f64, saving: f64, income: f64| SweepPoint {
            value,
            complete: false,
            models: vec![
                ModelPoint {
                    model: Model::None,
                    cost: 0.0,
                    consumer_savings_pct: Some(0.0),
                    prosumer_income: 100.0,
                    performance_measure: None,
                },
                ModelPoint {
                    model: Model::Bs,
                    cost: 0.0,
                    consumer_savings_pct: Some(saving),
                    prosumer_income: income,
                    performance_measure: None,
                },
            ],
        };
        let b = break_evens(&[point(1.0, 10.0, 90.0), point(3.0, -10.0, 130.0)]);
        assert_eq!(
            b,
            vec![
                BreakEven {
                    model: Model::Bs,
                    side: Side::Consumers,
                    value: 2.0,
                    gains_below: true
                },
                BreakEven {
                    model: Model::Bs,
                    side: Side::Prosumers,
                    value: 1.5,
                    gains_below: false
                },
            ]
        );
        let csv = sweep_csv(SweepParameter::FeedInPrice, &[point(1.0, 10.0, 90.0)]);
        assert_eq!(csv.lines().count(), 3);
        assert!(csv.starts_with("feed_in_price,model,"));
    }
}
