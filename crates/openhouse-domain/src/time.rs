//! Times: stored as UTC epoch milliseconds, shown as `yyyy-MM-dd HH:mm:ss` in UTC — the format
//! Lofty documents for the string times of its v1 API — and as ISO-8601 with the offset of an
//! IANA time zone where the v2 calendar shows them. This module is the only place that formats
//! or parses them.

use chrono::{
    DateTime, FixedOffset, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone, Timelike, Utc,
};

/// An IANA time zone (`America/Los_Angeles`), from the time-zone database compiled in
/// (chrono-tz), so the answer does not depend on the host's zoneinfo.
pub use chrono_tz::Tz as Zone;

use crate::Error;

pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// `2024-05-01 12:00:00`, in UTC.
pub fn format_ms(ms: i64) -> String {
    match Utc.timestamp_millis_opt(ms).single() {
        Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
        None => String::new(),
    }
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
        return Ok(ms);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.timestamp_millis());
    }
    let utc_minus_7 = FixedOffset::west_opt(7 * 3600).expect("valid offset");
    let naive = NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight"))
        })
        .map_err(|_| Error::invalid(format!("{param} must look like 1900-01-01 00:00:00")))?;
    utc_minus_7
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.timestamp_millis())
        .ok_or_else(|| Error::invalid(format!("{param} is not a valid time")))
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
    Ok((t.timestamp_millis(), is_midnight(&t)))
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
    Ok(d.format("%b %-d, %Y").to_string())
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
    fn birthdays() {
        assert_eq!(parse_birthday("b", "Jun 5, 2001").unwrap(), "Jun 5, 2001");
        assert_eq!(parse_birthday("b", "Jun 05, 2001").unwrap(), "Jun 5, 2001");
        assert!(parse_birthday("b", "2001-06-05").is_err());
    }
}
