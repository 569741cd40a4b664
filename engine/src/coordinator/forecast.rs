//! What the coordinator expects of the coming steps. Perfect foresight is the benchmark; the
//! realistic default looks only at what has been observed: load as the same step's mean over
//! the last seven complete days, PV as a clear-sky envelope (the same step's highest output over
//! those days) times the clearness observed so far today, blended halfway toward the week's
//! clearness for later days. Outages are never forecast.

use serde::{Deserialize, Serialize};

/// Where the optimiser's view of the coming hours comes from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Forecast {
    /// The future is known exactly (the benchmark the realistic forecasts are measured against).
    PerfectForesight,
    /// Tomorrow looks like today: each future step repeats the same step one day earlier.
    SeasonalPersistence,
    /// Load: 7-day same-step mean; PV: 7-day clear-sky envelope × observed clearness.
    #[default]
    RecentHistory,
}

impl Forecast {
    /// Every forecast, the default first.
    pub const ALL: [Forecast; 3] = [
        Forecast::RecentHistory,
        Forecast::SeasonalPersistence,
        Forecast::PerfectForesight,
    ];

    /// Short machine name.
    pub fn key(self) -> &'static str {
        match self {
            Forecast::PerfectForesight => "perfect_foresight",
            Forecast::SeasonalPersistence => "seasonal_persistence",
            Forecast::RecentHistory => "recent_history",
        }
    }

    /// Human name.
    pub fn label(self) -> &'static str {
        match self {
            Forecast::PerfectForesight => "Perfect foresight (benchmark)",
            Forecast::SeasonalPersistence => "Tomorrow = today",
            Forecast::RecentHistory => "Recent history (7-day mean, clear-sky × clearness)",
        }
    }
}

/// Days of history the realistic forecast looks back over.
pub const HISTORY_DAYS: usize = 7;

/// Share of today's clearness kept for later days (the rest is the week's).
const CLEARNESS_PERSISTENCE: f64 = 0.5;

/// What the realistic forecast knows of one series on one day, from the last seven complete
/// days: the mean and the highest value of each step of the day, and the week's clearness
/// (Σ value ÷ Σ envelope). Computed once a day, then reused by every plan of that day.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct DayProfile {
    day_start: usize,
    mean: Vec<f64>,
    envelope: Vec<f64>,
    week_clearness: f64,
    /// No complete day of history yet (every mean and envelope value is zero).
    empty: bool,
    /// Today's observed PV and clear-sky envelope summed over steps `day_start..observed.to`,
    /// carried from one plan of the day to the next (the same additions in the same order as
    /// summing from the day's start at every plan).
    observed: Observed,
}

/// Running sums of what has been observed today (PV: the output and the envelope).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Observed {
    to: usize,
    seen: f64,
    clear: f64,
}

impl Observed {
    /// Nothing observed yet on the day starting at `day_start`.
    fn at_day_start(day_start: usize) -> Self {
        Self {
            to: day_start,
            ..Self::default()
        }
    }
}

impl DayProfile {
    fn of(series: &[f64], day_start: usize, spd: usize) -> Self {
        let first = day_start.saturating_sub(HISTORY_DAYS * spd);
        let (mut mean, mut envelope) = (vec![0.0; spd], vec![0.0; spd]);
        let mut days = 0.0;
        let mut start = first - first % spd;
        while start + spd <= day_start {
            for s in 0..spd {
                let x = series.get(start + s).copied().unwrap_or(0.0);
                mean[s] += x;
                if x > envelope[s] {
                    envelope[s] = x;
                }
            }
            days += 1.0;
            start += spd;
        }
        if days > 0.0 {
            for m in &mut mean {
                *m /= days;
            }
        }
        let (sum_mean, sum_envelope): (f64, f64) = (mean.iter().sum(), envelope.iter().sum());
        let empty = envelope.iter().all(|x| *x == 0.0) && mean.iter().all(|x| *x == 0.0);
        Self {
            empty,
            day_start,
            mean,
            envelope,
            observed: Observed::at_day_start(day_start),
            week_clearness: if sum_envelope > 1e-9 {
                sum_mean / sum_envelope
            } else {
                1.0
            },
        }
    }

    /// True when there is no complete day of history yet.
    fn is_empty(&self) -> bool {
        self.empty
    }
}

/// A member's cached profile (None until the first plan).
pub(crate) type ProfileCache = Option<DayProfile>;

/// Forecast `series` (load or PV) over steps `from..to`, planning at step `from`. Steps before
/// `from` count as observed; step `from` itself is measured as it starts (a nowcast). `cache`
/// keeps the realistic forecast's profile of the last week between plans of the same day.
#[allow(clippy::too_many_arguments)]
pub(crate) fn forecast_into(
    forecast: Forecast,
    kind: Quantity,
    series: &[f64],
    from: usize,
    to: usize,
    steps_per_day: usize,
    cache: &mut ProfileCache,
    out: &mut Vec<f64>,
) {
    out.clear();
    let at = |t: usize| series.get(t).copied().unwrap_or(0.0);
    match forecast {
        Forecast::PerfectForesight => out.extend((from..to).map(at)),
        Forecast::SeasonalPersistence => out.extend((from..to).map(|tau| {
            if tau > from {
                let days = (tau - from).div_ceil(steps_per_day);
                at(tau.checked_sub(days * steps_per_day).unwrap_or(tau))
            } else {
                at(tau)
            }
        })),
        Forecast::RecentHistory => {
            let spd = steps_per_day.max(1);
            let day_start = from - from % spd;
            if cache.as_ref().is_none_or(|c| c.day_start != day_start) {
                *cache = Some(DayProfile::of(series, day_start, spd));
            }
            let Some(profile) = cache.as_mut() else {
                return;
            };
            if profile.is_empty() {
                // The run's first day: nothing observed yet but the present.
                out.extend((from..to).map(|_| at(from)));
                return;
            }
            if from >= to {
                return;
            }
            match kind {
                Quantity::Load => {
                    out.push(at(from));
                    out.extend(day_cycle(&profile.mean, from + 1, to));
                }
                Quantity::Pv => pv(profile, series, from, to, out),
            }
        }
    }
}

/// `per_step_of_day[τ mod steps per day]` for τ in `from..to`, without a division per step.
fn day_cycle(per_step_of_day: &[f64], from: usize, to: usize) -> impl Iterator<Item = f64> + '_ {
    let spd = per_step_of_day.len();
    let first = from % spd.max(1);
    per_step_of_day[first..]
        .iter()
        .chain(per_step_of_day.iter().cycle())
        .take(to.saturating_sub(from))
        .copied()
}

/// PV: the clear-sky envelope × today's observed clearness (later days: halfway to the week's).
fn pv(profile: &mut DayProfile, series: &[f64], from: usize, to: usize, out: &mut Vec<f64>) {
    let day_start = profile.day_start;
    let spd = profile.envelope.len();
    // Today's observed output and envelope so far: continued from the last plan of the day.
    let observed = &mut profile.observed;
    if observed.to > from {
        *observed = Observed::at_day_start(day_start);
    }
    for t in observed.to..from {
        observed.seen += series.get(t).copied().unwrap_or(0.0);
        observed.clear += profile.envelope[t - day_start];
    }
    observed.to = from;
    let (seen, clear) = (observed.seen, observed.clear);
    let week = profile.week_clearness;
    let today = if clear > 1e-9 { seen / clear } else { week };
    let later = CLEARNESS_PERSISTENCE * today + (1.0 - CLEARNESS_PERSISTENCE) * week;
    out.push(series.get(from).copied().unwrap_or(0.0));
    let tomorrow = day_start + spd;
    out.extend(
        day_cycle(&profile.envelope, from + 1, to)
            .zip(from + 1..to)
            .map(|(envelope, tau)| {
                let k = if tau < tomorrow { today } else { later };
                k * envelope
            }),
    );
}

/// Which series is forecast (load and PV use different methods).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Quantity {
    /// Household load.
    Load,
    /// Rooftop PV output.
    Pv,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(
        f: Forecast,
        kind: Quantity,
        series: &[f64],
        from: usize,
        to: usize,
        spd: usize,
    ) -> Vec<f64> {
        let mut out = Vec::new();
        forecast_into(f, kind, series, from, to, spd, &mut None, &mut out);
        out
    }

    #[test]
    fn recent_history_uses_only_the_past() {
        // Two steps a day; the future (steps ≥ 20) is wildly different from the past.
        let mut series: Vec<f64> = (0..20)
            .map(|t| if t % 2 == 0 { 1.0 } else { 3.0 })
            .collect();
        series.extend([100.0; 10]);
        let out = plan(Forecast::RecentHistory, Quantity::Load, &series, 20, 26, 2);
        assert_eq!(out[0], 100.0, "the current step is measured");
        assert_eq!(&out[1..], &[3.0, 1.0, 3.0, 1.0, 3.0]);
        let out = plan(
            Forecast::PerfectForesight,
            Quantity::Load,
            &series,
            20,
            23,
            2,
        );
        assert_eq!(out, vec![100.0; 3]);
    }

    #[test]
    fn a_cache_carried_between_plans_forecasts_what_a_fresh_one_does() {
        // Ten days of a noisy PV and load shape; plans every step, every third step, then back
        // to an earlier step of the same day, all through one cache per quantity.
        for spd in [4_usize, 48] {
            let series: Vec<f64> = (0..10 * spd)
                .map(|t| {
                    let x = (t % spd) as f64 / spd as f64;
                    (x * std::f64::consts::PI).sin().max(0.0)
                        * (1.0 + 0.3 * ((t * 7919) % 13) as f64 / 13.0)
                })
                .collect();
            let mut froms: Vec<usize> = (7 * spd..8 * spd).collect();
            froms.extend((8 * spd..9 * spd).step_by(3));
            froms.extend([9 * spd + spd / 2, 9 * spd + 1, 9 * spd + spd - 1, 9 * spd]);
            for kind in [Quantity::Pv, Quantity::Load] {
                let mut cache = None;
                for &from in &froms {
                    let to = (from + spd + 3).min(series.len());
                    let (mut carried, mut fresh) = (Vec::new(), Vec::new());
                    let f = Forecast::RecentHistory;
                    forecast_into(f, kind, &series, from, to, spd, &mut cache, &mut carried);
                    forecast_into(f, kind, &series, from, to, spd, &mut None, &mut fresh);
                    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(
                        bits(&carried),
                        bits(&fresh),
                        "{kind:?} spd {spd} from {from}"
                    );
                    assert_eq!(carried.len(), to - from);
                }
            }
        }
    }

    #[test]
    fn pv_is_the_envelope_times_todays_clearness() {
        // Four steps a day; eight clear days (peak 2 at step 2), then today half as sunny so far.
        let mut series = Vec::new();
        for _ in 0..8 {
            series.extend([0.0, 1.0, 2.0, 1.0]);
        }
        series.extend([0.0, 0.5, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0]);
        let mut cache = None;
        let mut out = Vec::new();
        let f = Forecast::RecentHistory;
        forecast_into(f, Quantity::Pv, &series, 34, 40, 4, &mut cache, &mut out);
        // Today so far: 0.5 of an envelope of 1 → clearness 0.5; the week's is 1; later days
        // blend halfway: 0.75.
        assert_eq!(out[0], 9.0, "measured now");
        assert!((out[1] - 0.5).abs() < 1e-12, "{out:?}");
        assert!((out[2] - 0.0).abs() < 1e-12);
        assert!((out[3] - 0.75).abs() < 1e-12);
        assert!((out[4] - 1.5).abs() < 1e-12);
        // The week's profile is kept for the rest of the day, and gives the same plan.
        let kept = cache.clone();
        assert_eq!(
            kept.as_ref().map(|c| (c.day_start, c.week_clearness)),
            Some((32, 1.0))
        );
        let mut again = Vec::new();
        forecast_into(f, Quantity::Pv, &series, 34, 40, 4, &mut cache, &mut again);
        assert_eq!(again, out);
    }
}
