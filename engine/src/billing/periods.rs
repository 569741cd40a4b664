//! Billing periods on a run's time axis: calendar months, or pairs of them from the run's first
//! month. A run must start and end on period boundaries (a bill for part of a period would be
//! billed on slabs meant for a whole one).

use super::{BillingError, BillingPeriod};
use crate::time_axis::TimeAxis;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// One billing period of a run: steps `start..end`.
#[derive(Clone, Debug, PartialEq)]
pub struct PeriodSpan {
    /// First step.
    pub start: usize,
    /// Step after the last.
    pub end: usize,
    /// Billing days.
    pub days: f64,
    /// Calendar month (0–11) of its last month.
    pub last_calendar_month: usize,
    /// "Jan", "Jan–Feb", with the year from the second on ("Y2 Jan").
    pub label: String,
}

/// The run's billing periods.
pub fn billing_periods(
    axis: &TimeAxis,
    period: BillingPeriod,
) -> Result<Vec<PeriodSpan>, BillingError> {
    let spd = axis.steps_per_day.max(1) as usize;
    if axis.steps == 0 || !axis.steps.is_multiple_of(spd) {
        return Err(BillingError::Period("the run must be whole days".into()));
    }
    let months_per_bill = period.months();
    let mut months: Vec<(usize, usize, usize)> = Vec::new(); // (month index, start, end)
    for step in (0..axis.steps).step_by(spd) {
        let m = axis.month_of(step);
        match months.last_mut() {
            Some(last) if last.0 == m => last.2 = step + spd,
            _ => months.push((m, step, step + spd)),
        }
    }
    let starts_a_month = |day_of_year: usize| {
        let mut first = 0;
        [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            .iter()
            .any(|len| {
                let hit = first == day_of_year;
                first += len;
                hit
            })
    };
    let first_day = axis.start_day_of_year as usize % 365;
    let after_last = (axis.start_day_of_year as usize + axis.steps / spd) % 365;
    let what = match period {
        BillingPeriod::Monthly => "a monthly bill",
        BillingPeriod::Bimonthly => "a bimonthly bill",
    };
    if !starts_a_month(first_day) || !starts_a_month(after_last) {
        return Err(BillingError::Period(format!(
            "the run (day {} to day {} of the year) does not divide into whole billing periods for {what}: start on the 1st of a month and end on a month's last day",
            first_day + 1,
            first_day + axis.steps / spd
        )));
    }
    if !months.len().is_multiple_of(months_per_bill) {
        return Err(BillingError::Period(format!(
            "the run has {} months, which does not divide into {what} of {months_per_bill} months",
            months.len()
        )));
    }
    Ok(months
        .chunks(months_per_bill)
        .map(|chunk| {
            let (first, last) = (chunk[0], chunk[chunk.len() - 1]);
            let year = first.0 / 12;
            let name = if chunk.len() == 1 {
                MONTHS[first.0 % 12].to_string()
            } else {
                format!("{}–{}", MONTHS[first.0 % 12], MONTHS[last.0 % 12])
            };
            PeriodSpan {
                start: first.1,
                end: last.2,
                days: ((last.2 - first.1) / spd) as f64,
                last_calendar_month: last.0 % 12,
                label: if year == 0 {
                    name
                } else {
                    format!("Y{} {name}", year + 1)
                },
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_year_has_twelve_months_or_six_bimonthly_bills() {
        let year = TimeAxis::hourly_year();
        let m = billing_periods(&year, BillingPeriod::Monthly).unwrap();
        assert_eq!(m.len(), 12);
        assert_eq!((m[1].days, m[1].label.as_str()), (28.0, "Feb"));
        let b = billing_periods(&year, BillingPeriod::Bimonthly).unwrap();
        assert_eq!(b.len(), 6);
        assert_eq!(b[0].label, "Jan–Feb");
        assert_eq!(b[0].days, 59.0);
    }

    #[test]
    fn a_part_month_run_is_refused() {
        let err = billing_periods(&TimeAxis::hourly(24 * 14), BillingPeriod::Monthly).unwrap_err();
        assert!(err.to_string().contains("whole billing periods"), "{err}");
        let three = TimeAxis::hourly(24 * (31 + 28 + 31));
        assert!(billing_periods(&three, BillingPeriod::Monthly).is_ok());
        assert!(billing_periods(&three, BillingPeriod::Bimonthly).is_err());
    }
}
