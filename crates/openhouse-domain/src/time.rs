//! Times: stored as UTC epoch milliseconds, shown as `yyyy-MM-dd HH:mm:ss` in UTC — the format
//! Lofty documents for the string times of its v1 API — and as ISO-8601 with the offset of an
//! IANA time zone where the v2 calendar shows them. This module is the only place that formats
//! or parses them.

use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone, Timelike,
    Utc,
};

/// An IANA time zone (`America/Los_Angeles`), from the time-zone database compiled in
/// (chrono-tz), so the answer does not depend on the host's zoneinfo.
pub use chrono_tz::Tz as Zone;

use crate::Error;

pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// The earliest time accepted from a caller: 1900-01-01 00:00:00 UTC.
pub const MIN_MS: i64 = -2_208_988_800_000;
/// The latest time accepted from a caller: 9999-12-31 23:59:59.999 UTC.
pub const MAX_MS: i64 = 253_402_300_799_999;

/// Every time a caller sends (epoch milliseconds, or a string once parsed) must lie in the years
/// 1900–9999 (UTC): one range for the whole API, so a time can always be shown and stored, and
/// arithmetic on it cannot overflow. Outside it: 400 INVALID_PARAMETER naming the field.
pub fn check_epoch_ms(field: &str, ms: i64) -> Result<i64, Error> {
    if (MIN_MS..=MAX_MS).contains(&ms) {
        Ok(ms)
    } else {
        Err(Error::invalid(format!(
            "{field} must be a time between 1900-01-01 and 9999-12-31 (epoch milliseconds \
             {MIN_MS} to {MAX_MS})"
        )))
    }
}

/// Whether a date lies in the years [`check_epoch_ms`] accepts.
fn date_in_range(d: NaiveDate) -> bool {
    (1900..=9999).contains(&d.year())
}

/// `2024-05-01 12:00:00`, in UTC.
pub fn format_ms(ms: i64) -> String {
    use std::fmt::Write;
    // written field by field: a format string is parsed again on every call, and a lead's
    // response shows several times
    match Utc.timestamp_millis_opt(ms).single() {
        Some(t) if !(0..=9999).contains(&t.year()) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
        Some(t) => {
            let mut s = String::with_capacity(19);
            let _ = write!(
                s,
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            );
            s
        }
        None => String::new(),
    }
}

/// A time shown `yyyy-MM-dd HH:mm:ss` (UTC, as [`format_ms`] shows it) as RFC 3339
/// (`2024-05-01T12:00:00Z`), the `date-time` of Lofty's published document; None when it is not
/// such a time.
pub fn shown_to_rfc3339(shown: &str) -> Option<String> {
    let t = NaiveDateTime::parse_from_str(shown, "%Y-%m-%d %H:%M:%S").ok()?;
    Some(t.and_utc().to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// An instant (epoch ms) as RFC 3339 in UTC with milliseconds (`2024-05-01T12:00:00.000Z`).
pub fn rfc3339_ms(ms: i64) -> Option<String> {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// A stored time of 0 means "never".
pub fn format_opt_ms(ms: i64) -> Option<String> {
    (ms > 0).then(|| format_ms(ms))
}

/// The minimum-time parameters of `/v1.0/leads/createTime` and `/updateTime`:
/// `yyyy-MM-dd HH:mm:ss`, read in UTC-7 as the contract says. RFC 3339 with an explicit offset
/// and plain epoch milliseconds are accepted too.
pub fn parse_min_time(param: &str, value: &str) -> Result<i64, Error> {
    let v = value.trim();
    if let Ok(ms) = v.parse::<i64>() {
        return check_epoch_ms(param, ms);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return check_epoch_ms(param, t.timestamp_millis());
    }
    let utc_minus_7 = FixedOffset::west_opt(7 * 3600).expect("valid offset");
    let naive = NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight"))
        })
        .map_err(|_| Error::invalid(format!("{param} must look like 1900-01-01 00:00:00")))?;
    let ms = utc_minus_7
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.timestamp_millis())
        .ok_or_else(|| Error::invalid(format!("{param} is not a valid time")))?;
    check_epoch_ms(param, ms)
}

/// An IANA time zone by its name (`America/Los_Angeles`, `UTC`); anything else is a 400.
pub fn parse_zone(field: &str, code: &str) -> Result<Zone, Error> {
    code.trim().parse::<Zone>().map_err(|_| {
        Error::invalid(format!(
            "{field} must be an IANA time zone such as America/Los_Angeles"
        ))
    })
}

/// An ISO-8601 time with an explicit offset (`2026-03-01T14:00:00-08:00`, `…Z`, seconds and
/// fractions optional): its epoch milliseconds, and whether it is exactly midnight at the
/// offset it declares.
pub fn parse_iso(field: &str, value: &str) -> Result<(i64, bool), Error> {
    let v = value.trim();
    let t = DateTime::parse_from_rfc3339(v)
        .or_else(|_| DateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S%.f%#z"))
        .or_else(|_| DateTime::parse_from_str(v, "%Y-%m-%dT%H:%M%#z"))
        .map_err(|_| {
            Error::invalid(format!(
                "{field} must be ISO-8601 with an offset, like 2026-03-01T14:00:00-08:00"
            ))
        })?;
    Ok((
        check_epoch_ms(field, t.timestamp_millis())?,
        is_midnight(&t),
    ))
}

fn is_midnight<T: Timelike>(t: &T) -> bool {
    t.hour() == 0 && t.minute() == 0 && t.second() == 0 && t.nanosecond() == 0
}

/// Whether an instant is exactly midnight on the wall clock of a zone.
pub fn is_midnight_in(ms: i64, zone: Zone) -> bool {
    Utc.timestamp_millis_opt(ms)
        .single()
        .is_some_and(|t| is_midnight(&t.with_timezone(&zone)))
}

/// An instant as ISO-8601 on the wall clock of a zone: `2026-03-01T14:00:00-08:00` (`Z` in UTC).
pub fn format_iso_in(ms: i64, zone: Zone) -> String {
    match Utc.timestamp_millis_opt(ms).single() {
        Some(t) => t
            .with_timezone(&zone)
            .to_rfc3339_opts(SecondsFormat::Secs, true),
        None => String::new(),
    }
}

/// A birthday as the contract writes it: `MMM d, yyyy` (e.g. `Jun 5, 2001`). Returns the
/// canonical spelling.
pub fn parse_birthday(field: &str, value: &str) -> Result<String, Error> {
    let d = NaiveDate::parse_from_str(value.trim(), "%b %d, %Y")
        .map_err(|_| Error::invalid(format!("{field} must look like Jun 5, 2001")))?;
    if !date_in_range(d) {
        return Err(Error::invalid(format!(
            "{field} must be a date between 1900 and 9999"
        )));
    }
    Ok(d.format("%b %-d, %Y").to_string())
}

/// A time as integrations other than Lofty's own clients send it (Brokermint): RFC 3339 with an
/// offset; `yyyy-MM-ddTHH:mm:ss[.fff]` or `yyyy-MM-dd HH:mm:ss` without one, read in UTC; or a
/// date `yyyy-MM-dd`, midnight UTC.
pub fn parse_instant(field: &str, value: &str) -> Result<i64, Error> {
    let v = value.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return check_epoch_ms(field, t.timestamp_millis());
    }
    let naive = NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S%.f"))
        .or_else(|_| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight"))
        })
        .map_err(|_| {
            Error::invalid(format!(
                "{field} must be an ISO-8601 time like 2026-03-01T14:00:00Z, or epoch milliseconds"
            ))
        })?;
    check_epoch_ms(field, naive.and_utc().timestamp_millis())
}

/// An instant (epoch ms) as a `java.util.Date` in UTC, every part filled: `time`, and `year`
/// since 1900, `month` 0–11, `date`, `day` (0 Sunday), `hours`, `minutes`, `seconds`, `nanos`,
/// `timezoneOffset` 0 — the inverse of [`from_java_parts`].
pub fn java_date(ms: i64) -> openhouse_api::Timestamp {
    let t = DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default();
    openhouse_api::Timestamp {
        date: Some(t.day() as i32),
        day: Some(t.weekday().num_days_from_sunday() as i32),
        hours: Some(t.hour() as i32),
        minutes: Some(t.minute() as i32),
        month: Some(t.month0() as i32),
        nanos: Some(0),
        seconds: Some(t.second() as i32),
        time: Some(ms),
        timezone_offset: Some(0),
        year: Some(t.year() - 1900),
    }
}

/// A `java.util.Date` given by its parts: `year` since 1900, `month` 0–11, `date` the day of
/// the month, on a wall clock `offset_minutes` behind UTC (Java's `getTimezoneOffset`).
#[allow(clippy::too_many_arguments)]
pub fn from_java_parts(
    field: &str,
    year: i32,
    month: i32,
    date: i32,
    hours: i32,
    minutes: i32,
    seconds: i32,
    nanos: i32,
    offset_minutes: i32,
) -> Result<i64, Error> {
    let bad = || Error::invalid(format!("{field} is not a valid date"));
    let month = month
        .checked_add(1)
        .and_then(|m| u32::try_from(m).ok())
        .ok_or_else(bad)?;
    let day = u32::try_from(date).map_err(|_| bad())?;
    let year = year.checked_add(1900).ok_or_else(bad)?;
    let d = NaiveDate::from_ymd_opt(year, month, day).ok_or_else(bad)?;
    let t = d
        .and_hms_nano_opt(
            u32::try_from(hours).map_err(|_| bad())?,
            u32::try_from(minutes).map_err(|_| bad())?,
            u32::try_from(seconds).map_err(|_| bad())?,
            u32::try_from(nanos).map_err(|_| bad())?,
        )
        .ok_or_else(bad)?;
    let ms = t
        .and_utc()
        .timestamp_millis()
        .checked_add(i64::from(offset_minutes) * 60_000)
        .ok_or_else(bad)?;
    check_epoch_ms(field, ms)
}

/// Whether a string is a date: `yyyy-MM-dd`, or epoch milliseconds, in the years 1900–9999.
pub fn is_date(value: &str) -> bool {
    let v = value.trim();
    match v.parse::<i64>() {
        Ok(ms) => (MIN_MS..=MAX_MS).contains(&ms),
        Err(_) => NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok_and(date_in_range),
    }
}

/// Whether a string is a date written `MM/dd/yyyy`, in the years 1900–9999.
pub fn is_us_date(value: &str) -> bool {
    NaiveDate::parse_from_str(value.trim(), "%m/%d/%Y").is_ok_and(date_in_range)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc() {
        assert_eq!(format_ms(0), "1970-01-01 00:00:00");
        assert_eq!(format_ms(1_508_580_010_123), "2017-10-21 10:00:10");
        assert_eq!(format_opt_ms(0), None);
    }

    #[test]
    fn shown_times_as_rfc3339() {
        assert_eq!(
            shown_to_rfc3339(&format_ms(1_714_564_800_000)).as_deref(),
            Some("2024-05-01T12:00:00Z")
        );
        assert_eq!(shown_to_rfc3339("2024-05-01T12:00:00Z"), None);
        assert_eq!(shown_to_rfc3339(""), None);
    }

    #[test]
    fn min_time_is_utc_minus_7() {
        let ms = parse_min_time("t", "2020-01-01 00:00:00").unwrap();
        assert_eq!(format_ms(ms), "2020-01-01 07:00:00");
        assert!(parse_min_time("t", "1900-01-01 00:00:00").unwrap() < 0);
        assert_eq!(parse_min_time("t", "1234").unwrap(), 1234);
        assert!(parse_min_time("t", "yesterday").is_err());
    }

    #[test]
    fn zones_and_iso_times() {
        let la = parse_zone("z", "America/Los_Angeles").unwrap();
        assert_eq!(la.name(), "America/Los_Angeles");
        assert!(parse_zone("z", "Mars/Olympus").is_err());
        assert!(parse_zone("z", "").is_err());
        let (ms, midnight) = parse_iso("t", "2026-03-01T14:00:00-08:00").unwrap();
        assert_eq!(format_ms(ms), "2026-03-01 22:00:00");
        assert!(!midnight);
        assert_eq!(format_iso_in(ms, la), "2026-03-01T14:00:00-08:00");
        assert_eq!(format_iso_in(ms, Zone::UTC), "2026-03-01T22:00:00Z");
        let (ms, midnight) = parse_iso("t", "2026-03-02T00:00:00+08:00").unwrap();
        assert!(midnight, "midnight at the declared offset");
        assert!(!is_midnight_in(ms, la));
        assert!(is_midnight_in(
            ms,
            parse_zone("z", "Asia/Shanghai").unwrap()
        ));
        assert_eq!(
            parse_iso("t", "2026-03-01T14:00Z").unwrap().0,
            parse_iso("t", "2026-03-01T14:00:00.000+00:00").unwrap().0
        );
        for bad in [
            "2026-03-01 14:00:00",
            "2026-03-01T14:00:00",
            "tomorrow",
            "1740866400000",
        ] {
            assert!(parse_iso("t", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn instants_from_integrations() {
        let z = parse_instant("t", "2026-03-01T14:00:00Z").unwrap();
        assert_eq!(parse_instant("t", "2026-03-01T06:00:00-08:00").unwrap(), z);
        assert_eq!(parse_instant("t", "2026-03-01T14:00:00").unwrap(), z);
        assert_eq!(parse_instant("t", "2026-03-01 14:00:00").unwrap(), z);
        assert_eq!(
            format_ms(parse_instant("t", "2026-03-01").unwrap()),
            "2026-03-01 00:00:00"
        );
        assert!(parse_instant("t", "soon").is_err());
        // 2026-03-01 06:00 at UTC-8: Java's offset is +480
        assert_eq!(from_java_parts("t", 126, 2, 1, 6, 0, 0, 0, 480).unwrap(), z);
        assert!(from_java_parts("t", 126, 12, 1, 0, 0, 0, 0, 0).is_err());
        assert!(is_date("2026-03-01") && is_date("1740866400000"));
        assert!(!is_date("03/01/2026"));
    }

    #[test]
    fn times_from_clients_are_in_1900_to_9999() {
        assert_eq!(format_ms(MIN_MS), "1900-01-01 00:00:00");
        assert_eq!(format_ms(MAX_MS), "9999-12-31 23:59:59");
        for ok in [MIN_MS, 0, MAX_MS] {
            assert_eq!(check_epoch_ms("t", ok).unwrap(), ok);
        }
        for bad in [i64::MIN, MIN_MS - 1, MAX_MS + 1, i64::MAX] {
            let e = check_epoch_ms("deadline", bad).unwrap_err();
            assert_eq!(e.code, crate::error::codes::INVALID_PARAMETER);
            assert!(e.message.starts_with("deadline "), "{}", e.message);
        }
        // strings too, once parsed
        for bad in [
            i64::MAX.to_string(),
            i64::MIN.to_string(),
            (MAX_MS + 1).to_string(),
        ] {
            assert!(parse_min_time("leadCreateTime", &bad).is_err(), "{bad}");
        }
        assert!(parse_min_time("t", "1899-12-31 00:00:00").is_err());
        assert!(parse_min_time("t", "10000-01-01 00:00:00").is_err());
        assert!(parse_iso("t", "1899-12-31T23:59:59Z").is_err());
        assert!(parse_iso("t", "9999-12-31T23:59:59-08:00").is_err());
        assert!(parse_iso("t", "9999-12-31T23:59:59Z").is_ok());
        assert!(parse_instant("t", "1800-01-01").is_err());
        assert!(parse_instant("t", "+10000-01-01T00:00:00Z").is_err());
        assert!(
            from_java_parts("t", -1, 0, 1, 0, 0, 0, 0, 0).is_err(),
            "1899"
        );
        assert!(
            from_java_parts("t", 8100, 0, 1, 0, 0, 0, 0, 0).is_err(),
            "10000"
        );
        // no overflow on the way: month + 1, year + 1900
        assert!(from_java_parts("t", 0, i32::MAX, 1, 0, 0, 0, 0, 0).is_err());
        assert!(from_java_parts("t", i32::MAX, 0, 1, 0, 0, 0, 0, 0).is_err());
        assert!(from_java_parts("t", 100, 0, 1, 0, 0, 0, 0, i32::MAX).is_ok());
        assert!(parse_birthday("b", "Jun 5, 1899").is_err());
        assert!(parse_birthday("b", "Jun 5, 10000").is_err());
        assert!(is_date("1900-01-01") && is_date("9999-12-31"));
        assert!(!is_date("1899-12-31") && !is_date("10000-01-01"));
        assert!(!is_date(&i64::MAX.to_string()) && !is_date(&i64::MIN.to_string()));
        assert!(is_us_date("12/31/9999") && !is_us_date("01/01/1899"));
    }

    #[test]
    fn birthdays() {
        assert_eq!(parse_birthday("b", "Jun 5, 2001").unwrap(), "Jun 5, 2001");
        assert_eq!(parse_birthday("b", "Jun 05, 2001").unwrap(), "Jun 5, 2001");
        assert!(parse_birthday("b", "2001-06-05").is_err());
    }
}
