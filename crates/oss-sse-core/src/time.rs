//! Date formats used by OSS. Pure conversions; the clock is never read here.

use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::format_description::well_known::{Iso8601, Rfc2822};

/// Whole Unix seconds of `t` (times before 1970 clamp to 0).
pub(crate) fn unix_secs(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn datetime(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn push2(s: &mut String, v: u8) {
    s.push(char::from(b'0' + v / 10));
    s.push(char::from(b'0' + v % 10));
}

fn push4(s: &mut String, v: i32) {
    let v = v.clamp(0, 9999) as u16;
    s.push(char::from(b'0' + (v / 1000) as u8));
    s.push(char::from(b'0' + (v / 100 % 10) as u8));
    s.push(char::from(b'0' + (v / 10 % 10) as u8));
    s.push(char::from(b'0' + (v % 10) as u8));
}

/// `yyyyMMdd'T'HHmmss'Z'`, the V4 `x-oss-date`. (Hand-formatted: it is on the signing hot
/// path, where `format!` costs more than the HMAC.)
pub(crate) fn v4_timestamp(secs: i64) -> String {
    let d = datetime(secs);
    let mut s = String::with_capacity(16);
    push4(&mut s, d.year());
    push2(&mut s, u8::from(d.month()));
    push2(&mut s, d.day());
    s.push('T');
    push2(&mut s, d.hour());
    push2(&mut s, d.minute());
    push2(&mut s, d.second());
    s.push('Z');
    s
}

/// RFC 1123 / HTTP date: `Sun, 02 Jun 2024 12:40:00 GMT`.
pub(crate) fn http_date(secs: i64) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let d = datetime(secs);
    let mut s = String::with_capacity(29);
    s.push_str(DAYS[d.weekday().number_days_from_monday() as usize]);
    s.push_str(", ");
    push2(&mut s, d.day());
    s.push(' ');
    s.push_str(MONTHS[u8::from(d.month()) as usize - 1]);
    s.push(' ');
    push4(&mut s, d.year());
    s.push(' ');
    push2(&mut s, d.hour());
    s.push(':');
    push2(&mut s, d.minute());
    s.push(':');
    push2(&mut s, d.second());
    s.push_str(" GMT");
    s
}

/// Parses an RFC 1123 HTTP date (`Date`, `Last-Modified`, V1 `x-oss-date`) to Unix seconds.
pub fn parse_http_date(s: &str) -> Option<i64> {
    let s = s.trim();
    // RFC 2822 parsing in `time` accepts the RFC 1123 form once "GMT" becomes "+0000".
    let fixed = s.strip_suffix("GMT").map(|p| format!("{p}+0000"));
    let v = fixed.as_deref().unwrap_or(s);
    OffsetDateTime::parse(v, &Rfc2822)
        .ok()
        .map(OffsetDateTime::unix_timestamp)
}

/// Parses the V4 `x-oss-date` form `yyyyMMddTHHmmssZ` to Unix seconds.
pub fn parse_v4_timestamp(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let year = i32::try_from(num(0..4)?).ok()?;
    let month = time::Month::try_from(u8::try_from(num(4..6)?).ok()?).ok()?;
    let day = u8::try_from(num(6..8)?).ok()?;
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    let t = time::Time::from_hms(
        u8::try_from(num(9..11)?).ok()?,
        u8::try_from(num(11..13)?).ok()?,
        u8::try_from(num(13..15)?).ok()?,
    )
    .ok()?;
    Some(date.with_time(t).assume_utc().unix_timestamp())
}

/// Parses ISO 8601 (`2025-04-10T10:00:57.000Z`) to Unix seconds.
pub fn parse_iso8601(s: &str) -> Option<i64> {
    OffsetDateTime::parse(s.trim(), &Iso8601::DEFAULT)
        .ok()
        .map(OffsetDateTime::unix_timestamp)
}

/// Formats Unix seconds as ISO 8601 with milliseconds: `2025-04-10T10:00:57.000Z`.
pub fn format_iso8601(secs: i64) -> String {
    let d = datetime(secs);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
        d.year(),
        u8::from(d.month()),
        d.day(),
        d.hour(),
        d.minute(),
        d.second()
    )
}

/// Formats Unix seconds as an HTTP date (for servers and test doubles).
pub fn format_http_date(secs: i64) -> String {
    http_date(secs)
}

/// Formats Unix seconds as a V4 `x-oss-date`.
pub fn format_v4_timestamp(secs: i64) -> String {
    v4_timestamp(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        assert_eq!(v4_timestamp(1702743657), "20231216T162057Z");
        assert_eq!(http_date(1717332000), "Sun, 02 Jun 2024 12:40:00 GMT");
        assert_eq!(
            parse_http_date("Sun, 02 Jun 2024 12:40:00 GMT"),
            Some(1717332000)
        );
        assert_eq!(parse_v4_timestamp("20231216T162057Z"), Some(1702743657));
        assert_eq!(parse_v4_timestamp("2023121XT162057Z"), None);
        assert_eq!(
            parse_iso8601("2025-04-10T10:00:57.000Z"),
            parse_iso8601(&format_iso8601(1744279257))
        );
        assert_eq!(parse_iso8601("2025-04-10T10:00:57.000Z"), Some(1744279257));
    }
}
