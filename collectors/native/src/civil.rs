//! Dates on the proleptic Gregorian calendar, as Python's `datetime` counts them, for the times made
//! here without it: epoch values, and a minute's UTC prefix in a fixed zone (`clock`).

/// Days since 1970-01-01 of a date (Howard Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = year - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day since 1970-01-01 (Howard Hinnant's `civil_from_days`).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Whether `datetime(year, month, day, hour, minute)` exists.
pub(crate) fn valid(year: i64, month: u32, day: u32, hour: u32, minute: u32) -> bool {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return false,
    };
    (1..=9999).contains(&year) && (1..=days).contains(&day) && hour < 24 && minute < 60
}

/// `YYYY-MM-DDTHH:MM:` of a minute counted from the epoch, in UTC; None outside `datetime`'s years.
pub(crate) fn minute_prefix(minutes: i64) -> Option<String> {
    let (year, month, day) = civil_from_days(minutes.div_euclid(1440));
    let of_day = minutes.rem_euclid(1440);
    (1..=9999).contains(&year).then(|| {
        format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:",
            of_day / 60,
            of_day % 60
        )
    })
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` of epoch seconds and milliseconds (`syslog_time.epoch_timestamp`).
pub(crate) fn epoch_timestamp(seconds: u64, millis: u64) -> String {
    let (year, month, day) = civil_from_days((seconds / 86_400) as i64);
    let of_day = seconds % 86_400;
    let (hour, minute, second) = (of_day / 3600, of_day / 60 % 60, of_day % 60);
    if !(0..=9999).contains(&year) || millis > 999 {
        return format!(
            "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{millis:03}Z"
        );
    }
    // Digits written in place: `format!` with its padding took 3,000 instructions, for a time that
    // FortiGate and Check Point lines each carry.
    let mut out = *b"0000-00-00T00:00:00.000Z";
    let fields = [
        (0..4, year as u64),
        (5..7, u64::from(month)),
        (8..10, u64::from(day)),
    ];
    let time = [
        (11..13, hour),
        (14..16, minute),
        (17..19, second),
        (20..23, millis),
    ];
    for (at, mut value) in fields.into_iter().chain(time) {
        for digit in out[at].iter_mut().rev() {
            *digit = b'0' + (value % 10) as u8;
            value /= 10;
        }
    }
    String::from_utf8(out.to_vec()).expect("ASCII digits")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip() {
        for days in [-719_162, -1, 0, 1, 11_016, 20_513, 2_932_896] {
            let (year, month, day) = civil_from_days(days);
            assert_eq!(days_from_civil(year, month, day), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn dates_python_refuses() {
        assert!(valid(2024, 2, 29, 23, 59));
        assert!(!valid(2026, 2, 29, 0, 0));
        assert!(!valid(1900, 2, 29, 0, 0));
        assert!(valid(2000, 2, 29, 0, 0));
        assert!(!valid(2026, 13, 1, 0, 0));
        assert!(!valid(2026, 4, 31, 0, 0));
        assert!(!valid(2026, 1, 1, 24, 0));
        assert!(!valid(0, 1, 1, 0, 0));
    }

    #[test]
    fn prefixes_and_epoch_times() {
        assert_eq!(minute_prefix(0).as_deref(), Some("1970-01-01T00:00:"));
        assert_eq!(minute_prefix(-1).as_deref(), Some("1969-12-31T23:59:"));
        assert_eq!(minute_prefix(days_from_civil(10_000, 1, 1) * 1440), None);
        assert_eq!(epoch_timestamp(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            epoch_timestamp(1_793_577_603, 489),
            "2026-11-02T00:00:03.489Z"
        );
        assert_eq!(epoch_timestamp(951_868_799, 7), "2000-02-29T23:59:59.007Z");
        // Past the year 9999 the year takes more digits, as Python's own formatting gives.
        assert_eq!(
            epoch_timestamp(253_402_300_800, 0),
            "10000-01-01T00:00:00.000Z"
        );
    }
}
