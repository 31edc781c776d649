//! Conversions of Python arguments into owned Rust values (done before the GIL is
//! released) and of a few Rust values back into Python objects.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};
use pyo3::buffer::PyBuffer;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::errors::client_error;

/// Bytes from `bytes`, `bytearray`, `memoryview` (any contiguous buffer) or `str` (UTF-8).
/// The data is copied: the GIL is released while it is sent.
pub(crate) fn data(obj: &Bound<'_, PyAny>, field: &'static str) -> PyResult<Bytes> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Bytes::copy_from_slice(b.as_bytes()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Bytes::copy_from_slice(s.to_str()?.as_bytes()));
    }
    match PyBuffer::<u8>::get(obj) {
        Ok(buf) => Ok(Bytes::from(buf.to_vec(obj.py())?)),
        Err(_) => Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "{field} must be bytes, bytearray, memoryview or str, not {}",
            obj.get_type().name()?
        ))),
    }
}

/// A header name or value given as `str` or `bytes`.
fn str_or_bytes(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(s.to_str()?.as_bytes().to_vec());
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    Err(pyo3::exceptions::PyTypeError::new_err(format!(
        "header names and values must be str or bytes, not {}",
        obj.get_type().name()?
    )))
}

/// Pairs from a mapping (anything with `.items()`: dict, httpx/aiohttp headers) or an
/// iterable of 2-tuples.
fn pairs<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)>> {
    let iter = if obj.hasattr("items")? {
        obj.call_method0("items")?.try_iter()?
    } else {
        obj.try_iter()?
    };
    let mut out = Vec::new();
    for item in iter {
        let (k, v): (Bound<'py, PyAny>, Bound<'py, PyAny>) = item?.extract()?;
        out.push((k, v));
    }
    Ok(out)
}

/// Headers from a mapping or an iterable of `(name, value)` pairs; repeated names are kept.
pub(crate) fn headers(obj: Option<&Bound<'_, PyAny>>) -> PyResult<HeaderMap> {
    let mut map = HeaderMap::new();
    let Some(obj) = obj else {
        return Ok(map);
    };
    if obj.is_none() {
        return Ok(map);
    }
    for (k, v) in pairs(obj)? {
        let name = str_or_bytes(&k)?;
        let value = str_or_bytes(&v)?;
        let name = HeaderName::from_bytes(&name).map_err(|_| {
            client_error(
                "headers",
                format!(
                    "{:?} is not a valid header name",
                    String::from_utf8_lossy(&name)
                ),
            )
        })?;
        let value = HeaderValue::from_bytes(&value).map_err(|_| {
            client_error(
                "headers",
                format!("the value of {name} is not a valid header value"),
            )
        })?;
        map.append(name, value);
    }
    Ok(map)
}

/// Headers as `(name, value)` pairs in order (names lower-case).
pub(crate) fn header_list(h: &HeaderMap) -> Vec<(String, String)> {
    h.iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// User metadata from a `Mapping[str, str]` (or pairs), in the given order.
pub(crate) fn metadata(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<(String, String)>> {
    match obj {
        None => Ok(Vec::new()),
        Some(o) if o.is_none() => Ok(Vec::new()),
        Some(o) => pairs(o)?
            .into_iter()
            .map(|(k, v)| Ok((k.extract()?, v.extract()?)))
            .collect(),
    }
}

/// Metadata as a dict (sorted by name).
pub(crate) fn metadata_map(m: Vec<(String, String)>) -> BTreeMap<String, String> {
    m.into_iter().collect()
}

/// A duration given as seconds (`int` / `float`) or a `datetime.timedelta`.
pub(crate) fn duration(obj: &Bound<'_, PyAny>, field: &'static str) -> PyResult<Duration> {
    let secs: f64 = if obj.hasattr("total_seconds")? {
        obj.call_method0("total_seconds")?.extract()?
    } else {
        obj.extract().map_err(|_| {
            pyo3::exceptions::PyTypeError::new_err(format!(
                "{field} must be a number of seconds or a datetime.timedelta"
            ))
        })?
    };
    Duration::try_from_secs_f64(secs)
        .map_err(|_| client_error(field, format!("{secs} is not a non-negative duration")))
}

/// A point in time given as Unix seconds or an aware `datetime.datetime`.
pub(crate) fn time(obj: &Bound<'_, PyAny>, field: &'static str) -> PyResult<SystemTime> {
    let secs: f64 = if obj.hasattr("timestamp")? {
        if obj.call_method0("utcoffset")?.is_none() {
            return Err(client_error(
                field,
                "a naive datetime is ambiguous; give it a tzinfo (e.g. datetime.timezone.utc)",
            ));
        }
        obj.call_method0("timestamp")?.extract()?
    } else {
        obj.extract().map_err(|_| {
            pyo3::exceptions::PyTypeError::new_err(format!(
                "{field} must be Unix seconds or an aware datetime.datetime"
            ))
        })?
    };
    let d = Duration::try_from_secs_f64(secs)
        .map_err(|_| client_error(field, format!("{secs} is before 1970 or not a number")))?;
    Ok(UNIX_EPOCH + d)
}

/// An aware UTC `datetime.datetime` for a `SystemTime`.
pub(crate) fn datetime<'py>(py: Python<'py>, t: SystemTime) -> PyResult<Bound<'py, PyAny>> {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    let dt = py.import("datetime")?;
    let utc = dt.getattr("timezone")?.getattr("utc")?;
    dt.getattr("datetime")?
        .call_method1("fromtimestamp", (secs, utc))
}

/// A string choice, case-insensitive, or a `ClientError` naming the field.
pub(crate) fn choice<T: Copy>(
    value: &str,
    field: &'static str,
    options: &[(&str, T)],
) -> PyResult<T> {
    let v = value.trim().to_ascii_lowercase().replace('_', "-");
    options
        .iter()
        .find(|(name, _)| *name == v)
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
            client_error(
                field,
                format!("{value:?} is not one of {}", names.join(", ")),
            )
        })
}

/// Python's `repr()` of a `str` (single quotes unless the text holds one and no double).
pub(crate) fn repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}
