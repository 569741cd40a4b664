//! What the coordinator expects of the coming steps. Perfect foresight is the benchmark; the
//! realistic default looks only at what has been observed: load as the same step's mean over
//! the last seven days, PV as a clear-sky envelope (the same step's highest output over the last
//! seven days) times the clearness observed so far today, blended halfway toward the week's
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

/// Forecast `series` (load or PV) over steps `from..to`, planning at step `from`. Steps before
/// `from` count as observed; step `from` itself is measured as it starts (a nowcast).
pub(crate) fn forecast_into(
    forecast: Forecast,
    kind: Quantity,
    series: &[f64],
    from: usize,
    to: usize,
    steps_per_day: usize,
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
            let history = History {
                series,
                now: from,
                spd: steps_per_day,
            };
            match kind {
                Quantity::Load => out.extend((from..to).map(|tau| {
                    if tau == from {
                        at(tau)
                    } else {
                        history.mean(tau).unwrap_or_else(|| at(from))
                    }
                })),
                Quantity::Pv => history.pv(from, to, out),
            }
        }
    }
}

/// Which series is forecast (load and PV use different methods).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Quantity {
    /// Household load.
    Load,
    /// Rooftop PV output.
    Pv,
}

/// The observed past of one series, planning at `now`.
struct History<'a> {
    series: &'a [f64],
    now: usize,
    spd: usize,
}

impl History<'_> {
    /// The same step of the day on the last observed days (at most [`HISTORY_DAYS`]).
    fn same_step(&self, tau: usize) -> impl Iterator<Item = f64> + '_ {
        let first = (tau + 1).saturating_sub(self.now).div_ceil(self.spd).max(1);
        (first..first + HISTORY_DAYS)
            .filter_map(move |d| tau.checked_sub(d * self.spd))
            .filter_map(|t| self.series.get(t).copied())
    }

    fn mean(&self, tau: usize) -> Option<f64> {
        let (mut sum, mut n) = (0.0, 0.0);
        for x in self.same_step(tau) {
            sum += x;
            n += 1.0;
        }
        (n > 0.0).then(|| sum / n)
    }

    /// Clear-sky envelope: the highest output of this step of the day in the last week.
    fn envelope(&self, tau: usize) -> f64 {
        self.same_step(tau)
            .fold(0.0, |a, x| if x > a { x } else { a })
    }

    fn pv(&self, from: usize, to: usize, out: &mut Vec<f64>) {
        let day_start = from - from % self.spd;
        // Clearness so far today (steps observed before `from`), and over the last week.
        let ratio = |range: std::ops::Range<usize>| {
            let (mut pv, mut clear) = (0.0, 0.0);
            for t in range {
                pv += self.series.get(t).copied().unwrap_or(0.0);
                clear += self.envelope(t);
            }
            (clear > 1e-9).then(|| pv / clear)
        };
        let week =
            ratio(day_start.saturating_sub(HISTORY_DAYS * self.spd)..day_start).unwrap_or(1.0);
        let today = ratio(day_start..from).unwrap_or(week);
        let later = CLEARNESS_PERSISTENCE * today + (1.0 - CLEARNESS_PERSISTENCE) * week;
        out.extend((from..to).map(|tau| {
            if tau == from {
                return self.series.get(tau).copied().unwrap_or(0.0);
            }
            let k = if tau < day_start + self.spd {
                today
            } else {
                later
            };
            k * self.envelope(tau)
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_history_uses_only_the_past() {
        // Two steps a day; the future (steps ≥ 20) is wildly different from the past.
        let mut series: Vec<f64> = (0..20)
            .map(|t| if t % 2 == 0 { 1.0 } else { 3.0 })
            .collect();
        series.extend([100.0; 10]);
        let mut out = Vec::new();
        forecast_into(
            Forecast::RecentHistory,
            Quantity::Load,
            &series,
            20,
            26,
            2,
            &mut out,
        );
        assert_eq!(out[0], 100.0, "the current step is measured");
        assert_eq!(&out[1..], &[3.0, 1.0, 3.0, 1.0, 3.0]);
        forecast_into(
            Forecast::PerfectForesight,
            Quantity::Load,
            &series,
            20,
            23,
            2,
            &mut out,
        );
        assert_eq!(out, vec![100.0; 3]);
    }

    #[test]
    fn pv_is_the_envelope_times_todays_clearness() {
        // Four steps a day; eight clear days (peak 2 at step 2), then today half as sunny so far.
        let mut series = Vec::new();
        for _ in 0..8 {
            series.extend([0.0, 1.0, 2.0, 1.0]);
        }
        series.extend([0.0, 0.5, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0]);
        let mut out = Vec::new();
        forecast_into(
            Forecast::RecentHistory,
            Quantity::Pv,
            &series,
            34,
            40,
            4,
            &mut out,
        );
        // Today so far: 0.5 of an envelope of 1 → clearness 0.5; the week's is 1; later days
        // blend halfway: 0.75.
        assert_eq!(out[0], 9.0, "measured now");
        assert!((out[1] - 0.5).abs() < 1e-12, "{out:?}");
        assert!((out[2] - 0.0).abs() < 1e-12);
        assert!((out[3] - 0.75).abs() < 1e-12);
        assert!((out[4] - 1.5).abs() < 1e-12);
    }
}
