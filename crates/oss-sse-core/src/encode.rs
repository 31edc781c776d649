//! Percent-encoding sets with the OSS rules.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use std::borrow::Cow;

/// RFC 3986 unreserved characters stay (`A-Z a-z 0-9 - . _ ~`); every other byte is `%XX`.
/// Used for V4 canonical query keys/values and for query strings on the wire.
pub(crate) const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// As [`QUERY`] but `/` is kept: object keys in paths and the V4 canonical URI.
pub(crate) const PATH: &AsciiSet = &QUERY.remove(b'/');

pub(crate) fn query(s: &str) -> percent_encoding::PercentEncode<'_> {
    utf8_percent_encode(s, QUERY)
}

pub(crate) fn path(s: &str) -> percent_encoding::PercentEncode<'_> {
    utf8_percent_encode(s, PATH)
}

/// Decodes a query component: `+` means space, `%XX` is a byte; invalid UTF-8 is replaced.
pub fn decode_query_component(s: &str) -> Cow<'_, str> {
    if s.contains('+') {
        let replaced = s.replace('+', " ");
        Cow::Owned(
            percent_decode_str(&replaced)
                .decode_utf8_lossy()
                .into_owned(),
        )
    } else {
        percent_decode_str(s).decode_utf8_lossy()
    }
}

/// Decodes a path (a `+` stays a `+`).
pub fn decode_path(s: &str) -> Cow<'_, str> {
    percent_decode_str(s).decode_utf8_lossy()
}

/// Splits a raw query string into decoded `(key, value)` pairs; a bare `key` has an empty value.
pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        // `&&`, a trailing `&` and a bare `=` carry no parameter: drop them on both the
        // signing and the verifying side (found by fuzzing).
        .filter(|p| !p.is_empty() && !p.starts_with('='))
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                decode_query_component(k).into_owned(),
                decode_query_component(v).into_owned(),
            )
        })
        .collect()
}
