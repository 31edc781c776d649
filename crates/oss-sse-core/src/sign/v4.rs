//! OSS Signature V4 (`OSS4-HMAC-SHA256`), oss-wire §5.

use std::fmt::Write as _;

use http::HeaderMap;
use ring::hmac;

use super::canonical::{self, Input};
use super::{KeyCache, SignatureParts, SigningContext};
use crate::credentials::Credentials;
use crate::crypto;
use crate::encode;
use crate::error::SignError;
use crate::headers::{
    Q_X_OSS_ADDITIONAL_HEADERS, Q_X_OSS_CREDENTIAL, Q_X_OSS_DATE, Q_X_OSS_EXPIRES,
    Q_X_OSS_SECURITY_TOKEN, Q_X_OSS_SIGNATURE_VERSION, UNSIGNED_PAYLOAD, X_OSS_CONTENT_SHA256,
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
) -> hmac::Key {
    let mut k = Vec::with_capacity(9 + secret.len());
    k.extend_from_slice(b"aliyun_v4");
    k.extend_from_slice(secret.as_bytes());
    let k_date = crypto::hmac_sha256(&k, date.as_bytes());
    let k_region = crypto::hmac_sha256(k_date.as_ref(), region.as_bytes());
    let k_product = crypto::hmac_sha256(k_region.as_ref(), product.as_bytes());
    let k_signing = crypto::hmac_sha256(k_product.as_ref(), TERMINATOR.as_bytes());
    crypto::hmac_sha256_key(k_signing.as_ref())
}

/// Additional header names as signed: lower-cased, without default-signed names and names
/// absent from the request, deduplicated and sorted.
pub(crate) fn filter_additional(additional: &[&str], headers: &HeaderMap) -> Vec<String> {
    let mut out: Vec<String> = additional
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| {
            !h.is_empty()
                && !canonical::is_signed_header(h, &[])
                && headers.contains_key(h.as_str())
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

pub(crate) fn canonical_request(input: &Input<'_>, additional: &[String]) -> String {
    let mut cr = String::with_capacity(256);
    cr.push_str(input.method);
    cr.push('\n');
    // Canonical URI.
    match (input.bucket, input.key) {
        (Some(b), Some(k)) => {
            let _ = write!(cr, "/{}/{}", encode::path(b), encode::path(k));
        }
        (Some(b), None) => {
            let _ = write!(cr, "/{}/", encode::path(b));
        }
        _ => cr.push('/'),
    }
    cr.push('\n');
    // Canonical query.
    let mut q: Vec<(String, String)> = input
        .query
        .iter()
        .map(|(k, v)| (encode::query(k).to_string(), encode::query(v).to_string()))
        .collect();
    q.sort();
    for (i, (k, v)) in q.iter().enumerate() {
        if i > 0 {
            cr.push('&');
        }
        cr.push_str(k);
        if !v.is_empty() {
            cr.push('=');
            cr.push_str(v);
        }
    }
    cr.push('\n');
    // Canonical headers.
    let extra: Vec<&str> = additional.iter().map(String::as_str).collect();
    let mut names: Vec<&str> = input
        .headers
        .keys()
        .map(http::HeaderName::as_str)
        .filter(|n| canonical::is_signed_header(n, &extra))
        .collect();
    names.sort_unstable();
    names.dedup();
    for n in &names {
        cr.push_str(n);
        cr.push(':');
        cr.push_str(&canonical::header_value(input.headers, n).unwrap_or_default());
        cr.push('\n');
    }
    cr.push('\n');
    cr.push_str(&additional.join(";"));
    cr.push('\n');
    let payload = input
        .headers
        .get(X_OSS_CONTENT_SHA256)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or(UNSIGNED_PAYLOAD);
    cr.push_str(payload);
    cr
}

pub(crate) fn scope(date: &str, region: &str, product: &str) -> String {
    format!("{date}/{region}/{product}/{TERMINATOR}")
}

fn check_ctx(ctx: &SigningContext<'_>) -> Result<(), SignError> {
    if ctx.region.is_empty() {
        return Err(SignError::new("V4 signing needs a region"));
    }
    if ctx.product.is_empty() {
        return Err(SignError::new("V4 signing needs a product"));
    }
    Ok(())
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
    let cr = canonical_request(input, &additional);
    let date = &timestamp[..8.min(timestamp.len())];
    let mut sts = String::with_capacity(160);
    sts.push_str(ALGORITHM);
    sts.push('\n');
    sts.push_str(timestamp);
    sts.push('\n');
    sts.push_str(&scope(date, region, product));
    sts.push('\n');
    sts.push_str(&crypto::sha256_hex(cr.as_bytes()));
    let key = match cache {
        Some(c) => c.get(secret, date, region, product),
        None => derive_signing_key(secret, date, region, product),
    };
    let signature = crypto::hex(hmac::sign(&key, sts.as_bytes()).as_ref());
    SignatureParts {
        canonical_request: Some(cr),
        string_to_sign: sts,
        signature,
        additional_headers: (!additional.is_empty()).then(|| additional.join(";")),
    }
}

pub(crate) fn sign(
    input: &Input<'_>,
    creds: &Credentials,
    ctx: &SigningContext<'_>,
    secs: i64,
    cache: &KeyCache,
) -> Result<SignatureParts, SignError> {
    check_ctx(ctx)?;
    let ts = v4_timestamp(secs);
    Ok(compute(
        input,
        creds.access_key_secret(),
        ctx.region,
        ctx.product,
        &ts,
        ctx.additional_headers,
        Some(cache),
    ))
}

pub(crate) fn authorization(
    creds: &Credentials,
    ctx: &SigningContext<'_>,
    secs: i64,
    parts: &SignatureParts,
) -> String {
    let ts = v4_timestamp(secs);
    let mut s = format!(
        "{ALGORITHM} Credential={}/{}",
        creds.access_key_id(),
        scope(&ts[..8], ctx.region, ctx.product)
    );
    if let Some(a) = &parts.additional_headers {
        let _ = write!(s, ",AdditionalHeaders={a}");
    }
    let _ = write!(s, ",Signature={}", parts.signature);
    s
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
