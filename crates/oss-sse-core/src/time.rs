//! Date formats used by OSS. Pure conversions; the clock is never read here.

use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::format_description::well_known::{Iso8601, Rfc2822};

/// The latest instant the wire date formats can carry: 9999-12-31T23:59:59Z.
pub const MAX_WIRE_SECS: i64 = 253_402_300_799;

/// Whole Unix seconds of a signing time, if the wire formats can carry it (1970 to 9999):
/// beyond that they would silently clamp the date and sign something else.
pub(crate) fn signing_secs(t: SystemTime) -> Option<i64> {
    let d = t.duration_since(UNIX_EPOCH).ok()?;
    i64::try_from(d.as_secs())
        .ok()
        .filter(|s| *s <= MAX_WIRE_SECS)
}

/// Whole Unix seconds of `t` (times before 1970 clamp to 0).
pub(crate) fn unix_secs(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn datetime(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn two(out: &mut [u8], v: u8) {
    out[0] = b'0' + v / 10 % 10;
    out[1] = b'0' + v % 10;
}

fn four(out: &mut [u8], v: i32) {
    let v = v.clamp(0, 9999) as u16;
    out[0] = b'0' + (v / 1000) as u8;
    out[1] = b'0' + (v / 100 % 10) as u8;
    out[2] = b'0' + (v / 10 % 10) as u8;
    out[3] = b'0' + (v % 10) as u8;
}

/// One signing instant in both wire forms, from a single calendar conversion and without
/// allocating: the signer puts both in headers on every request.
#[derive(Clone)]
pub(crate) struct Stamp {
    http: [u8; 29],
    v4: [u8; 16],
}

impl Stamp {
    pub(crate) fn new(secs: i64) -> Self {
        const DAYS: [&[u8; 3]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
        const MONTHS: [&[u8; 3]; 12] = [
            b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
            b"Dec",
        ];
        let d = datetime(secs);
        let (month, day) = (u8::from(d.month()), d.day());
        let (hour, minute, second) = (d.hour(), d.minute(), d.second());
        // `Sun, 02 Jun 2024 12:40:00 GMT`
        let mut http = *b"Ddd, 00 Mmm 0000 00:00:00 GMT";
        http[..3].copy_from_slice(DAYS[d.weekday().number_days_from_monday() as usize]);
        two(&mut http[5..7], day);
        http[8..11].copy_from_slice(MONTHS[usize::from(month) - 1]);
        four(&mut http[12..16], d.year());
        two(&mut http[17..19], hour);
        two(&mut http[20..22], minute);
        two(&mut http[23..25], second);
        // `20240602T124000Z`
        let mut v4 = *b"00000000T000000Z";
        four(&mut v4[..4], d.year());
        two(&mut v4[4..6], month);
        two(&mut v4[6..8], day);
        two(&mut v4[9..11], hour);
        two(&mut v4[11..13], minute);
        two(&mut v4[13..15], second);
        Self { http, v4 }
    }

    /// RFC 1123 / HTTP date: `Sun, 02 Jun 2024 12:40:00 GMT`.
    pub(crate) fn http(&self) -> &str {
        std::str::from_utf8(&self.http).expect("ASCII by construction")
    }

    /// `yyyyMMdd'T'HHmmss'Z'`, the V4 `x-oss-date`.
    pub(crate) fn v4(&self) -> &str {
        std::str::from_utf8(&self.v4).expect("ASCII by construction")
    }
}

/// `yyyyMMdd'T'HHmmss'Z'`, the V4 `x-oss-date`.
pub(crate) fn v4_timestamp(secs: i64) -> String {
    Stamp::new(secs).v4().to_owned()
}

/// RFC 1123 / HTTP date: `Sun, 02 Jun 2024 12:40:00 GMT`.
pub(crate) fn http_date(secs: i64) -> String {
    Stamp::new(secs).http().to_owned()
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

/// Whole Unix seconds of `t`, clamped to the dates the wire can carry (1970 to 9999).
pub fn unix_secs_of(t: SystemTime) -> i64 {
    unix_secs(t).min(MAX_WIRE_SECS)
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
        // Every weekday and month name, and the ends of the supported range.
        for (secs, http, v4) in [
            (0, "Thu, 01 Jan 1970 00:00:00 GMT", "19700101T000000Z"),
            (
                951_782_400,
                "Tue, 29 Feb 2000 00:00:00 GMT",
                "20000229T000000Z",
            ),
            (
                1_701_475_199,
                "Fri, 01 Dec 2023 23:59:59 GMT",
                "20231201T235959Z",
            ),
            (
                253_402_300_799,
                "Fri, 31 Dec 9999 23:59:59 GMT",
                "99991231T235959Z",
            ),
        ] {
            assert_eq!(http_date(secs), http);
            assert_eq!(v4_timestamp(secs), v4);
            assert_eq!(parse_http_date(http), Some(secs));
            assert_eq!(parse_v4_timestamp(v4), Some(secs));
        }
        for day in 0..7 {
            for month in 0..12 {
                let secs = 1_700_000_000 + day * 86_400 + month * 31 * 86_400;
                assert_eq!(parse_http_date(&http_date(secs)), Some(secs));
            }
        }
    }
}
