//! ISO-8601 local timestamps (IST, no DST) → minutes on a 365-day calendar.

/// Days before each month in a 365-day year.
const CUMULATIVE_DAYS: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

/// A parsed timestamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timestamp {
    /// Calendar year.
    pub year: i32,
    /// Day of the 365-day year, 0-based (29 February has none, see `leap_day`).
    pub day_of_year: u32,
    /// Minutes after midnight.
    pub minute_of_day: u32,
    /// Whether this is 29 February (dropped on import).
    pub leap_day: bool,
}

impl Timestamp {
    /// Minutes since 1 January of `base_year` on a 365-day calendar.
    pub fn minutes_since(&self, base_year: i32) -> i64 {
        (i64::from(self.year - base_year) * 365 + i64::from(self.day_of_year)) * 1440
            + i64::from(self.minute_of_day)
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn number(text: &str) -> Option<u32> {
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// Parse `YYYY-MM-DD[T or space]HH:MM[:SS[.fff]][Z|±HH:MM]`; the offset is ignored (IST assumed).
pub fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    let (date, time) = text.split_once(['T', ' '])?;
    let mut d = date.split('-');
    let year: i32 = number(d.next()?)?.try_into().ok()?;
    let month = number(d.next()?)?;
    let day = number(d.next()?)?;
    if d.next().is_some() || !(1..=12).contains(&month) {
        return None;
    }
    let days_in_month = match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if day == 0 || day > days_in_month {
        return None;
    }
    let time = time.trim_end_matches('Z');
    let time = match time.find(['+', '-']) {
        Some(i) => &time[..i],
        None => time,
    };
    let mut t = time.split(':');
    let hour = number(t.next()?)?;
    let minute = number(t.next()?)?;
    let second_ok = t
        .next()
        .is_none_or(|s| s.split('.').next().and_then(number).is_some_and(|s| s < 60));
    if hour > 23 || minute > 59 || !second_ok {
        return None;
    }
    let leap_day = month == 2 && day == 29;
    let day_of_year = CUMULATIVE_DAYS[month as usize - 1] + day - 1 - u32::from(leap_day);
    Some(Timestamp {
        year,
        day_of_year,
        minute_of_day: hour * 60 + minute,
        leap_day,
    })
}

/// Format minutes since 1 January of `base_year` (365-day calendar) as `YYYY-MM-DDTHH:MM`.
pub fn format_timestamp(base_year: i32, minutes: i64) -> String {
    let day = minutes.div_euclid(1440);
    let minute = minutes.rem_euclid(1440);
    let year = base_year + day.div_euclid(365) as i32;
    let doy = day.rem_euclid(365) as u32;
    let month = CUMULATIVE_DAYS.iter().rposition(|&c| c <= doy).unwrap_or(0);
    let dom = doy - CUMULATIVE_DAYS[month] + 1;
    format!(
        "{year:04}-{:02}-{dom:02}T{:02}:{:02}",
        month + 1,
        minute / 60,
        minute % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        let t = parse_timestamp("2025-03-01T14:30").unwrap();
        assert_eq!(
            (t.day_of_year, t.minute_of_day, t.leap_day),
            (59, 870, false)
        );
        assert_eq!(parse_timestamp("2025-03-01 14:30:00").unwrap(), t);
        assert_eq!(parse_timestamp("2025-03-01T14:30:00+05:30").unwrap(), t);
        let leap = parse_timestamp("2024-02-29T00:00").unwrap();
        assert!(leap.leap_day);
        // 1 March of a leap year maps to the same day of year as in any year.
        assert_eq!(parse_timestamp("2024-03-01T00:00").unwrap().day_of_year, 59);
        for bad in [
            "2025-02-29T00:00",
            "2025-13-01T00:00",
            "2025-01-01",
            "yesterday",
            "2025-01-01T24:00",
        ] {
            assert!(parse_timestamp(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn formats_back() {
        assert_eq!(format_timestamp(2025, 59 * 1440 + 870), "2025-03-01T14:30");
        assert_eq!(format_timestamp(2025, 365 * 1440), "2026-01-01T00:00");
    }
}
