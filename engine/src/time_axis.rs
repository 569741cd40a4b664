//! The time axis: which step belongs to which day and month.

use serde::{Deserialize, Serialize};

/// Days in each month of a 365-day year (29 Feb is dropped on import, see DATA.md).
const DAYS_PER_MONTH: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// A regular time axis that starts at 00:00 (IST, no DST) on a day of a 365-day year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeAxis {
    /// Number of steps in the run.
    pub steps: usize,
    /// Steps per day: 24 for hourly, 48 for 30-minute steps.
    pub steps_per_day: u32,
    /// Day of the year the first step falls on (0 = 1 January).
    #[serde(default)]
    pub start_day_of_year: u32,
}

impl TimeAxis {
    /// Steps `from..to` of this axis as an axis of their own. `from` must fall on a midnight
    /// (whole days), so the window's days are the run's days.
    pub fn window(&self, from: usize, to: usize) -> Self {
        let spd = self.steps_per_day.max(1) as usize;
        debug_assert!(from.is_multiple_of(spd), "windows start at midnight");
        Self {
            steps: to.saturating_sub(from),
            start_day_of_year: self.start_day_of_year + (from / spd) as u32,
            ..*self
        }
    }

    /// An hourly axis with `steps` steps.
    pub fn hourly(steps: usize) -> Self {
        Self {
            steps,
            steps_per_day: 24,
            start_day_of_year: 0,
        }
    }

    /// A full hourly year from 1 January (8,760 steps).
    pub fn hourly_year() -> Self {
        Self::hourly(8760)
    }

    /// Length of one step in hours.
    pub fn step_hours(&self) -> f64 {
        24.0 / f64::from(self.steps_per_day.max(1))
    }

    /// Day index (0-based, counting from the start) of a step.
    pub fn day_of(&self, step: usize) -> usize {
        step / self.steps_per_day.max(1) as usize
    }

    /// Hour of day (0..24) at the start of a step.
    pub fn hour_of_day(&self, step: usize) -> u32 {
        let spd = self.steps_per_day.max(1) as usize;
        ((step % spd) * 24 / spd) as u32
    }

    /// Calendar month (0 = January … 11 = December) of a step.
    pub fn calendar_month_of(&self, step: usize) -> usize {
        self.month_of(step) % 12
    }

    /// Day of the (365-day) year, 0-based, of a step.
    pub fn day_of_year(&self, step: usize) -> usize {
        (self.day_of(step) + self.start_day_of_year as usize) % 365
    }

    /// Month index counted from 1 January of the first year (12 = January of year two).
    pub fn month_of(&self, step: usize) -> usize {
        let day = self.day_of(step) + self.start_day_of_year as usize;
        let year = day / 365;
        let mut day_in_year = (day % 365) as u32;
        let mut month = 0;
        for (m, len) in DAYS_PER_MONTH.iter().enumerate() {
            if day_in_year < *len {
                month = m;
                break;
            }
            day_in_year -= len;
        }
        year * 12 + month
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_of_an_hourly_year() {
        let axis = TimeAxis::hourly(8760);
        assert_eq!(axis.month_of(0), 0);
        assert_eq!(axis.month_of(31 * 24 - 1), 0);
        assert_eq!(axis.month_of(31 * 24), 1);
        assert_eq!(axis.month_of(8759), 11);
        assert_eq!(axis.month_of(8760), 12);
    }

    #[test]
    fn half_hourly_days_and_hours() {
        let axis = TimeAxis {
            steps: 96,
            steps_per_day: 48,
            start_day_of_year: 0,
        };
        assert_eq!(axis.day_of(47), 0);
        assert_eq!(axis.day_of(48), 1);
        assert_eq!(axis.hour_of_day(3), 1);
        assert!((axis.step_hours() - 0.5).abs() < 1e-12);
    }
}
