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

/// An instant as OSS writes it (`LastModified`, `Initiated`, `CreationDate`, the
/// `Last-Modified` header): UTC, to the millisecond, from year 0 to year 9999.
///
/// Displays (and serializes) as ISO 8601 with milliseconds, `2025-04-10T10:00:57.000Z`:
/// exactly the text OSS writes in its XML. Ordered by time, `Copy`, and free of allocation,
/// so a listing's entries carry one without a heap string each.
///
/// ```
/// use oss_sse_core::Timestamp;
/// let t: Timestamp = "2025-04-10T10:00:57.000Z".parse()?;
/// assert_eq!(t.unix_secs(), 1_744_279_257);
/// assert_eq!(t.to_string(), "2025-04-10T10:00:57.000Z");
/// assert_eq!(Timestamp::parse_http_date("Thu, 10 Apr 2025 10:00:57 GMT"), Some(t));
/// # Ok::<(), oss_sse_core::ParseError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    millis: i64,
}

/// 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z, in Unix milliseconds.
const MIN_MILLIS: i64 = -62_167_219_200_000;
const MAX_MILLIS: i64 = MAX_WIRE_SECS * 1000 + 999;

impl Timestamp {
    /// 1970-01-01T00:00:00.000Z.
    pub const UNIX_EPOCH: Self = Self { millis: 0 };

    /// `millis` after the Unix epoch (before it when negative); `None` outside years 0 to 9999.
    pub fn from_unix_millis(millis: i64) -> Option<Self> {
        (MIN_MILLIS..=MAX_MILLIS)
            .contains(&millis)
            .then_some(Self { millis })
    }

    /// `secs` after the Unix epoch; `None` outside years 0 to 9999.
    pub fn from_unix_secs(secs: i64) -> Option<Self> {
        Self::from_unix_millis(secs.checked_mul(1000)?)
    }

    /// `t`, to the millisecond below; `None` outside years 0 to 9999.
    pub fn from_system_time(t: SystemTime) -> Option<Self> {
        let millis = match t.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_millis()).ok()?,
            Err(e) => {
                let d = e.duration();
                // Below: -0.5 ms is -1 ms.
                let ms = i64::try_from(d.as_millis()).ok()?;
                -ms - i64::from(d.subsec_nanos() % 1_000_000 != 0)
            }
        };
        Self::from_unix_millis(millis)
    }

    /// Milliseconds after the Unix epoch.
    pub fn unix_millis(self) -> i64 {
        self.millis
    }

    /// Whole seconds after the Unix epoch (rounded down).
    pub fn unix_secs(self) -> i64 {
        self.millis.div_euclid(1000)
    }

    /// As a [`SystemTime`].
    pub fn to_system_time(self) -> SystemTime {
        let d = std::time::Duration::from_millis(self.millis.unsigned_abs());
        if self.millis >= 0 {
            UNIX_EPOCH + d
        } else {
            UNIX_EPOCH - d
        }
    }

    /// ISO 8601 as OSS writes it (`2025-04-10T10:00:57.000Z`), or any other ISO 8601 date
    /// and time with an offset (a fraction below the millisecond is dropped); `None` for
    /// anything else or a date outside years 0 to 9999.
    pub fn parse_iso8601(s: &str) -> Option<Self> {
        let s = s.trim();
        if let Some(t) = Self::parse_oss_iso8601(s.as_bytes()) {
            return Some(t);
        }
        let t = OffsetDateTime::parse(s, &Iso8601::DEFAULT).ok()?;
        let millis = t.unix_timestamp_nanos().div_euclid(1_000_000);
        Self::from_unix_millis(i64::try_from(millis).ok()?)
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` or `YYYY-MM-DDTHH:MM:SSZ`, read without a general parser:
    /// every entry of a listing has one.
    fn parse_oss_iso8601(b: &[u8]) -> Option<Self> {
        let millis = match b.len() {
            24 if b[19] == b'.' && b[23] == b'Z' => digits(&b[20..23])?,
            20 if b[19] == b'Z' => 0,
            _ => return None,
        };
        if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let (year, month, day) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
        let (hour, minute, second) = (
            digits(&b[11..13])?,
            digits(&b[14..16])?,
            digits(&b[17..19])?,
        );
        if !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return None;
        }
        let days = days_from_civil(year, month, day);
        Self::from_unix_millis(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis)
    }

    /// An RFC 1123 HTTP date (`Thu, 10 Apr 2025 10:00:57 GMT`: `Last-Modified`, `Date`).
    pub fn parse_http_date(s: &str) -> Option<Self> {
        Self::from_unix_secs(parse_http_date(s)?)
    }

    /// As an HTTP date, `Thu, 10 Apr 2025 10:00:57 GMT` (the milliseconds dropped).
    pub fn to_http_date(self) -> String {
        http_date(self.unix_secs())
    }
}

/// The number in ASCII digits `b`.
fn digits(b: &[u8]) -> Option<i64> {
    b.iter().try_fold(0i64, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
    })
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (H. Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = datetime(self.unix_secs());
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            d.year(),
            u8::from(d.month()),
            d.day(),
            d.hour(),
            d.minute(),
            d.second(),
            self.millis.rem_euclid(1000)
        )
    }
}

impl std::fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

impl std::str::FromStr for Timestamp {
    type Err = crate::ParseError;
    /// ISO 8601 ([`Timestamp::parse_iso8601`]) or an HTTP date.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_iso8601(s)
            .or_else(|| Self::parse_http_date(s))
            .ok_or_else(|| crate::ParseError::new(format!("not a date and time: {s:?}")))
    }
}

impl From<Timestamp> for SystemTime {
    fn from(t: Timestamp) -> Self {
        t.to_system_time()
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The fast path reads what `time`'s ISO 8601 parser reads, and Display writes it
        /// back.
        #[test]
        fn oss_iso8601_reads_as_time_does(millis in MIN_MILLIS..=MAX_MILLIS, whole in any::<bool>()) {
            let millis = if whole { millis - millis.rem_euclid(1000) } else { millis };
            let t = Timestamp::from_unix_millis(millis).unwrap();
            let text = t.to_string();
            prop_assert_eq!(Timestamp::parse_oss_iso8601(text.as_bytes()), Some(t));
            let general = OffsetDateTime::parse(&text, &Iso8601::DEFAULT).unwrap();
            prop_assert_eq!(general.unix_timestamp_nanos(), i128::from(millis) * 1_000_000);
            if whole {
                let short = text.replace(".000Z", "Z");
                prop_assert_eq!(Timestamp::parse_oss_iso8601(short.as_bytes()), Some(t));
            }
        }
    }

    #[test]
    fn timestamps() {
        let t = Timestamp::parse_iso8601("2025-04-10T10:00:57.123Z").unwrap();
        assert_eq!(t.unix_millis(), 1_744_279_257_123);
        assert_eq!(t.unix_secs(), 1_744_279_257);
        assert_eq!(t.to_string(), "2025-04-10T10:00:57.123Z");
        assert_eq!(format!("{t:?}"), "Timestamp(2025-04-10T10:00:57.123Z)");
        assert_eq!(t.to_http_date(), "Thu, 10 Apr 2025 10:00:57 GMT");
        assert_eq!(Timestamp::from_system_time(t.to_system_time()), Some(t));
        // Other ISO 8601 forms go through `time`; a finer fraction is cut to milliseconds.
        for (text, millis) in [
            ("2025-04-10T10:00:57Z", 1_744_279_257_000),
            ("2025-04-10T10:00:57.1239Z", 1_744_279_257_123),
            ("2025-04-10T18:00:57.000+08:00", 1_744_279_257_000),
            (" 2025-04-10T10:00:57.000Z\n", 1_744_279_257_000),
            ("1969-12-31T23:59:59.999Z", -1),
        ] {
            assert_eq!(
                Timestamp::parse_iso8601(text).map(Timestamp::unix_millis),
                Some(millis),
                "{text}"
            );
        }
        for bad in [
            "",
            "2025-02-29T00:00:00.000Z",
            "2025-13-01T00:00:00.000Z",
            "2025-04-10T24:00:00.000Z",
            "2025-04-10 10:00:57.000Z",
            "2025-04-10T10:00:57.00xZ",
            "yesterday",
        ] {
            assert_eq!(Timestamp::parse_iso8601(bad), None, "{bad}");
            assert!(bad.parse::<Timestamp>().is_err(), "{bad}");
        }
        assert_eq!(
            Timestamp::parse_iso8601("2024-02-29T00:00:00.000Z").map(Timestamp::unix_secs),
            Some(1_709_164_800)
        );
        // FromStr takes an HTTP date too.
        assert_eq!(
            "Thu, 10 Apr 2025 10:00:57 GMT"
                .parse::<Timestamp>()
                .unwrap()
                .unix_secs(),
            1_744_279_257
        );
        // The range ends.
        assert_eq!(Timestamp::from_unix_millis(MAX_MILLIS + 1), None);
        assert_eq!(Timestamp::from_unix_millis(MIN_MILLIS - 1), None);
        assert_eq!(
            Timestamp::from_unix_millis(MAX_MILLIS).unwrap().to_string(),
            "9999-12-31T23:59:59.999Z"
        );
        assert_eq!(
            Timestamp::from_unix_millis(MIN_MILLIS).unwrap().to_string(),
            "0000-01-01T00:00:00.000Z"
        );
        assert!(Timestamp::UNIX_EPOCH < t);
        // serde as the text.
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "\"2025-04-10T10:00:57.123Z\"");
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
        assert!(serde_json::from_str::<Timestamp>("\"x\"").is_err());
    }

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
