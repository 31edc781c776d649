//! OSS Signature V4 (`OSS4-HMAC-SHA256`), oss-wire §5.

use http::HeaderMap;
use smallvec::SmallVec;

use super::canonical::{self, Input};
use super::{KeyCache, SignatureParts, SigningContext};
use crate::credentials::Credentials;
use crate::crypto;
use crate::encode;
use crate::error::SignError;
use crate::headers::{
    Q_X_OSS_ADDITIONAL_HEADERS, Q_X_OSS_CREDENTIAL, Q_X_OSS_DATE, Q_X_OSS_EXPIRES,
    Q_X_OSS_SECURITY_TOKEN, Q_X_OSS_SIGNATURE_VERSION, UNSIGNED_PAYLOAD,
};
use crate::time::v4_timestamp;

pub(crate) const ALGORITHM: &str = "OSS4-HMAC-SHA256";
const TERMINATOR: &str = "aliyun_v4_request";

/// `HMAC(HMAC(HMAC(HMAC("aliyun_v4" + secret, date), region), product), "aliyun_v4_request")`.
pub(crate) fn derive_signing_key(
    secret: &str,
    date: &str,
    region: &str,
    product: &str,
) -> crypto::HmacSha256 {
    let mut k = Vec::with_capacity(9 + secret.len());
    k.extend_from_slice(b"aliyun_v4");
    k.extend_from_slice(secret.as_bytes());
    let k_date = crypto::hmac_sha256(&k, date.as_bytes());
    let k_region = crypto::hmac_sha256(&k_date, region.as_bytes());
    let k_product = crypto::hmac_sha256(&k_region, product.as_bytes());
    let k_signing = crypto::hmac_sha256(&k_product, TERMINATOR.as_bytes());
    crypto::hmac_sha256_key(&k_signing)
}

/// Additional header names as signed: lower-cased, without default-signed names and names
/// absent from the request, deduplicated and sorted.
pub(crate) fn filter_additional(additional: &[&str], headers: &HeaderMap) -> Vec<String> {
    let mut out: Vec<String> = additional
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| {
            // `authorization` is what signing produces; it cannot be signed itself.
            !h.is_empty()
                && h != "authorization"
                && !canonical::is_signed_header(h, &[])
                && headers.contains_key(h.as_str())
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Headers signed per request without allocating; more than this many spill to the heap.
const INLINE_SIGNED: usize = 24;

/// Byte order of two header names, eight bytes at a time: names are short and most share
/// the `x-oss-` prefix, so this beats a call to `memcmp` per comparison.
pub(crate) fn name_order(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let n = a.len().min(b.len());
    let (mut a8, mut b8) = (a[..n].chunks_exact(8), b[..n].chunks_exact(8));
    for (x, y) in a8.by_ref().zip(b8.by_ref()) {
        let x = u64::from_be_bytes(x.try_into().expect("8 bytes"));
        let y = u64::from_be_bytes(y.try_into().expect("8 bytes"));
        if x != y {
            return x.cmp(&y);
        }
    }
    for (x, y) in a8.remainder().iter().zip(b8.remainder()) {
        if x != y {
            return x.cmp(y);
        }
    }
    a.len().cmp(&b.len())
}

/// Appends the canonical request to `cr` (bytes: header values are signed as sent).
pub(crate) fn write_canonical_request(cr: &mut Vec<u8>, input: &Input<'_>, additional: &[String]) {
    cr.extend_from_slice(input.method.as_bytes());
    cr.push(b'\n');
    // Canonical URI.
    let encoded = |s: &str, cr: &mut Vec<u8>| encode::push_path(cr, s);
    match (input.bucket, input.key) {
        (Some(b), Some(k)) => {
            cr.push(b'/');
            encoded(b, cr);
            cr.push(b'/');
            encoded(k, cr);
        }
        (Some(b), None) => {
            cr.push(b'/');
            encoded(b, cr);
            cr.push(b'/');
        }
        _ => cr.push(b'/'),
    }
    cr.push(b'\n');
    // Canonical query: every parameter, RFC 3986-encoded, sorted by encoded key then value.
    if !input.query.is_empty() {
        let mut q: Vec<(String, String)> = input
            .query
            .iter()
            .map(|(k, v)| (encode::query(k).to_string(), encode::query(v).to_string()))
            .collect();
        q.sort_unstable();
        for (i, (k, v)) in q.iter().enumerate() {
            if i > 0 {
                cr.push(b'&');
            }
            cr.extend_from_slice(k.as_bytes());
            if !v.is_empty() {
                cr.push(b'=');
                cr.extend_from_slice(v.as_bytes());
            }
        }
    }
    cr.push(b'\n');
    // Canonical headers: lower-case names (http keeps them so), sorted; repeated headers
    // joined with ',' in the order received; values trimmed.
    let wanted = |n: &str| canonical::is_signed_header(n, &[]) || additional.iter().any(|a| a == n);
    let mut signed: SmallVec<[Signed<'_>; INLINE_SIGNED]> = SmallVec::new();
    for (name, value) in input.headers {
        let name = name.as_str();
        if wanted(name) {
            signed.push((name, value));
        }
    }
    // Stable: repeated headers keep their order.
    signed.sort_by(|a, b| name_order(a.0.as_bytes(), b.0.as_bytes()));
    let start = cr.len();
    let payload = write_canonical_headers(cr, &signed, false);
    if !cr[start..].is_ascii() {
        // A value with bytes beyond ASCII: written again, with those that are not UTF-8
        // replaced (rare, so the common case checks once instead of per value).
        cr.truncate(start);
        write_canonical_headers(cr, &signed, true);
    }
    cr.push(b'\n');
    for (i, a) in additional.iter().enumerate() {
        if i > 0 {
            cr.push(b';');
        }
        cr.extend_from_slice(a.as_bytes());
    }
    cr.push(b'\n');
    // The first `x-oss-content-sha256` value (it is always among the signed headers).
    canonical::push_trimmed(cr, payload.unwrap_or(UNSIGNED_PAYLOAD.as_bytes()));
}

/// A signed header: its name and one value.
type Signed<'a> = (&'a str, &'a http::HeaderValue);

/// Writes `name:value` lines for sorted headers (repeated names joined with `,`, values
/// trimmed); returns the first `x-oss-content-sha256` value. `lossy` replaces bytes that
/// are not UTF-8.
fn write_canonical_headers<'a>(
    cr: &mut Vec<u8>,
    signed: &[Signed<'a>],
    lossy: bool,
) -> Option<&'a [u8]> {
    let mut payload = None;
    let mut prev: Option<&str> = None;
    for &(name, value) in signed {
        if payload.is_none() && name == crate::headers::X_OSS_CONTENT_SHA256 {
            payload = Some(value.as_bytes());
        }
        // Values of one name come from one map entry, which lends the same name to each.
        if prev.is_some_and(|p| std::ptr::eq(p, name)) {
            cr.push(b',');
        } else {
            if prev.is_some() {
                cr.push(b'\n');
            }
            cr.extend_from_slice(name.as_bytes());
            cr.push(b':');
        }
        if lossy {
            canonical::push_trimmed(cr, value.as_bytes());
        } else {
            cr.extend_from_slice(value.as_bytes().trim_ascii());
        }
        prev = Some(name);
    }
    if prev.is_some() {
        cr.push(b'\n');
    }
    payload
}

pub(crate) fn scope(date: &str, region: &str, product: &str) -> String {
    let mut s = Vec::with_capacity(48);
    push_scope(&mut s, date, region, product);
    String::from_utf8_lossy(&s).into_owned()
}

fn push_scope(s: &mut Vec<u8>, date: &str, region: &str, product: &str) {
    for part in [date, "/", region, "/", product, "/", TERMINATOR] {
        s.extend_from_slice(part.as_bytes());
    }
}

pub(crate) fn check_ctx(ctx: &SigningContext<'_>) -> Result<(), SignError> {
    if ctx.region.is_empty() {
        return Err(SignError::new("V4 signing needs a region"));
    }
    if ctx.product.is_empty() {
        return Err(SignError::new("V4 signing needs a product"));
    }
    // Both go into the credential scope of a header value or a URL.
    let scope_safe = |s: &str| s.bytes().all(|b| b.is_ascii_graphic() && b != b'/');
    if !scope_safe(ctx.region) {
        return Err(SignError::new(
            "the region must be printable ASCII without spaces or '/'",
        ));
    }
    if !scope_safe(ctx.product) {
        return Err(SignError::new(
            "the product must be printable ASCII without spaces or '/'",
        ));
    }
    Ok(())
}

/// The string to sign before the canonical request's hash: algorithm, timestamp and scope,
/// each on its own line. It changes once a second, so signers can absorb it into the MAC
/// ahead of time.
pub(crate) fn push_sts_prefix(sts: &mut Vec<u8>, timestamp: &str, region: &str, product: &str) {
    for part in [ALGORITHM, "\n", timestamp, "\n"] {
        sts.extend_from_slice(part.as_bytes());
    }
    push_scope(sts, &timestamp[..8.min(timestamp.len())], region, product);
    sts.push(b'\n');
}

/// Writes the canonical request to `cr` and the string to sign to `sts` (both appended to)
/// for `input` signed at `timestamp` (`yyyyMMddTHHmmssZ`); returns the signature.
#[allow(clippy::too_many_arguments)] // mirrors the signing inputs one to one
pub(crate) fn compute_into(
    input: &Input<'_>,
    secret: &str,
    region: &str,
    product: &str,
    timestamp: &str,
    additional: &[String],
    cache: Option<&KeyCache>,
    cr: &mut Vec<u8>,
    sts: &mut Vec<u8>,
) -> [u8; 32] {
    write_canonical_request(cr, input, additional);
    let date = &timestamp[..8.min(timestamp.len())];
    push_sts_prefix(sts, timestamp, region, product);
    crypto::push_sha256_hex(sts, cr);
    match cache {
        Some(c) => c.sign(secret, date, region, product, sts),
        None => crypto::hmac_sha256_with(&derive_signing_key(secret, date, region, product), sts),
    }
}

/// Computes every stage for `input` signed at `timestamp` (`yyyyMMddTHHmmssZ`).
pub(crate) fn compute(
    input: &Input<'_>,
    secret: &str,
    region: &str,
    product: &str,
    timestamp: &str,
    additional: &[&str],
    cache: Option<&KeyCache>,
) -> SignatureParts {
    let additional = filter_additional(additional, input.headers);
    let mut cr = Vec::with_capacity(512);
    let mut sts = Vec::with_capacity(160);
    let tag = compute_into(
        input,
        secret,
        region,
        product,
        timestamp,
        &additional,
        cache,
        &mut cr,
        &mut sts,
    );
    SignatureParts {
        canonical_request: Some(String::from_utf8_lossy(&cr).into_owned()),
        string_to_sign: String::from_utf8_lossy(&sts).into_owned(),
        signature: crypto::hex(&tag),
        additional_headers: (!additional.is_empty()).then(|| additional.join(";")),
    }
}

/// `Authorization` up to the end of its credential scope (the same for every request of a
/// signing second).
pub(crate) fn authorization_head(
    access_key_id: &str,
    ctx: &SigningContext<'_>,
    timestamp: &str,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(96);
    for part in [ALGORITHM, " Credential=", access_key_id, "/"] {
        out.extend_from_slice(part.as_bytes());
    }
    push_scope(&mut out, &timestamp[..8], ctx.region, ctx.product);
    out
}

/// The `Authorization` value: its head, the additional header names and the hex
/// signature, in a vector of exactly its length (so it becomes a header value without a
/// copy).
pub(crate) fn authorization(head: &[u8], additional: &[String], signature: &[u8; 32]) -> Vec<u8> {
    const ADDITIONAL: &str = ",AdditionalHeaders=";
    const SIGNATURE: &str = ",Signature=";
    let names: usize = additional.iter().map(|a| a.len() + 1).sum();
    let len = head.len()
        + if additional.is_empty() {
            0
        } else {
            ADDITIONAL.len() - 1 + names
        }
        + SIGNATURE.len()
        + 64;
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(head);
    for (i, a) in additional.iter().enumerate() {
        let sep = if i == 0 { ADDITIONAL } else { ";" };
        out.extend_from_slice(sep.as_bytes());
        out.extend_from_slice(a.as_bytes());
    }
    out.extend_from_slice(SIGNATURE.as_bytes());
    crypto::push_hex(&mut out, signature);
    debug_assert_eq!(out.len(), len, "Authorization length");
    out
}

#[allow(clippy::too_many_arguments)] // mirrors the signing inputs one to one
pub(crate) fn presign_cached(
    query: &mut Vec<(String, String)>,
    headers: &HeaderMap,
    method: &str,
    creds: &Credentials,
    ctx: &SigningContext<'_>,
    secs: i64,
    expires: i64,
    cache: Option<&KeyCache>,
) -> Result<SignatureParts, SignError> {
    check_ctx(ctx)?;
    let ts = v4_timestamp(secs);
    let additional = filter_additional(ctx.additional_headers, headers);
    query.push((Q_X_OSS_SIGNATURE_VERSION.into(), ALGORITHM.into()));
    query.push((Q_X_OSS_DATE.into(), ts.clone()));
    query.push((Q_X_OSS_EXPIRES.into(), expires.to_string()));
    query.push((
        Q_X_OSS_CREDENTIAL.into(),
        format!(
            "{}/{}",
            creds.access_key_id(),
            scope(&ts[..8], ctx.region, ctx.product)
        ),
    ));
    if let Some(t) = creds.security_token() {
        query.push((Q_X_OSS_SECURITY_TOKEN.into(), t.to_owned()));
    }
    if !additional.is_empty() {
        query.push((Q_X_OSS_ADDITIONAL_HEADERS.into(), additional.join(";")));
    }
    let extra: Vec<&str> = additional.iter().map(String::as_str).collect();
    let input = Input {
        method,
        bucket: ctx.bucket,
        key: ctx.key,
        query,
        headers,
    };
    let parts = compute(
        &input,
        creds.access_key_secret(),
        ctx.region,
        ctx.product,
        &ts,
        &extra,
        cache,
    );
    query.push((
        crate::headers::Q_X_OSS_SIGNATURE.into(),
        parts.signature.clone(),
    ));
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderName, HeaderValue};
    use proptest::prelude::*;

    /// The canonical headers written the obvious way: every signed value as a string
    /// (lossy), grouped by name in a sorted map, trimmed and joined with `,`.
    fn reference_headers(headers: &HeaderMap, additional: &[String]) -> String {
        let mut by_name = std::collections::BTreeMap::<&str, Vec<String>>::new();
        for (n, v) in headers {
            let n = n.as_str();
            if canonical::is_signed_header(n, &[]) || additional.iter().any(|a| a == n) {
                let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
                let t = v.trim_matches(|c| c == ' ' || c == '\t').to_owned();
                by_name.entry(n).or_default().push(t);
            }
        }
        by_name
            .iter()
            .map(|(n, vs)| format!("{n}:{}\n", vs.join(",")))
            .collect()
    }

    fn header_name() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("content-type".to_owned()),
            Just("content-md5".to_owned()),
            Just("x-oss-meta-a".to_owned()),
            Just("x-oss-server-side-encryption".to_owned()),
            Just("x-oss-server-side-encryption-key-id".to_owned()),
            Just("x-oss-server-side-data-encryption".to_owned()),
            Just("x-oss-a".to_owned()),
            Just("x-oss-".to_owned()),
            "x-oss-[a-z0-9-]{0,24}",
            "[a-z][a-z0-9-]{0,20}",
        ]
    }

    fn header_value() -> impl Strategy<Value = HeaderValue> {
        prop::collection::vec(
            prop_oneof![4 => 0x20u8..0x7f, 1 => Just(b'\t'), 1 => 0x80u8..=0xff],
            0..12,
        )
        .prop_map(|b| HeaderValue::from_bytes(&b).expect("visible ASCII, tab and obs-text"))
    }

    proptest! {
        #[test]
        fn name_order_is_byte_order(a in "[ -~]{0,40}", b in "[ -~]{0,40}") {
            prop_assert_eq!(name_order(a.as_bytes(), b.as_bytes()), a.as_bytes().cmp(b.as_bytes()));
            prop_assert_eq!(name_order(a.as_bytes(), a.as_bytes()), std::cmp::Ordering::Equal);
        }

        /// Repeated names, any insertion order, values with obs-text and UTF-8: the fast
        /// writer agrees with the reference.
        #[test]
        fn canonical_headers_match_the_reference(
            pairs in prop::collection::vec((header_name(), header_value()), 0..30),
            extra in prop::collection::vec("[a-z]{1,3}", 0..3),
        ) {
            let mut headers = HeaderMap::new();
            for (n, v) in &pairs {
                headers.append(HeaderName::from_bytes(n.as_bytes()).unwrap(), v.clone());
            }
            let additional = filter_additional(
                &extra.iter().map(String::as_str).collect::<Vec<_>>(),
                &headers,
            );
            let input = Input {
                method: "PUT",
                bucket: Some("b"),
                key: Some("k"),
                query: &[],
                headers: &headers,
            };
            let mut cr = Vec::new();
            write_canonical_request(&mut cr, &input, &additional);
            let cr = String::from_utf8(cr).expect("lossy output is UTF-8");
            let expected_headers = reference_headers(&headers, &additional);
            let prefix = format!("PUT\n/b/k\n\n{expected_headers}\n{}\n", additional.join(";"));
            prop_assert!(cr.starts_with(&prefix), "got\n{cr}\nwanted prefix\n{prefix}");
        }
    }
}
