//! OSS Signature V4 (`OSS4-HMAC-SHA256`), oss-wire §5.

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

pub(crate) fn canonical_request(input: &Input<'_>, additional: &[String]) -> String {
    let mut cr = String::with_capacity(512);
    cr.push_str(input.method);
    cr.push('\n');
    // Canonical URI.
    match (input.bucket, input.key) {
        (Some(b), Some(k)) => {
            cr.push('/');
            encode::path(b).for_each(|p| cr.push_str(p));
            cr.push('/');
            encode::path(k).for_each(|p| cr.push_str(p));
        }
        (Some(b), None) => {
            cr.push('/');
            encode::path(b).for_each(|p| cr.push_str(p));
            cr.push('/');
        }
        _ => cr.push('/'),
    }
    cr.push('\n');
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
                cr.push('&');
            }
            cr.push_str(k);
            if !v.is_empty() {
                cr.push('=');
                cr.push_str(v);
            }
        }
    }
    cr.push('\n');
    // Canonical headers: lower-case names (http keeps them so), sorted; repeated headers
    // joined with ',' in the order received; values trimmed.
    let mut signed: Vec<(&str, &http::HeaderValue)> = Vec::with_capacity(input.headers.len());
    signed.extend(
        input
            .headers
            .iter()
            .filter(|(n, _)| {
                let n = n.as_str();
                canonical::is_signed_header(n, &[]) || additional.iter().any(|a| a == n)
            })
            .map(|(n, v)| (n.as_str(), v)),
    );
    signed.sort_by(|a, b| a.0.cmp(b.0)); // stable: keeps the order of repeated headers
    let mut prev: Option<&str> = None;
    for (name, value) in &signed {
        if prev == Some(*name) {
            cr.push(',');
        } else {
            if prev.is_some() {
                cr.push('\n');
            }
            cr.push_str(name);
            cr.push(':');
        }
        canonical::push_trimmed(&mut cr, value.as_bytes());
        prev = Some(name);
    }
    if prev.is_some() {
        cr.push('\n');
    }
    cr.push('\n');
    for (i, a) in additional.iter().enumerate() {
        if i > 0 {
            cr.push(';');
        }
        cr.push_str(a);
    }
    cr.push('\n');
    let payload = input
        .headers
        .get(super::X_OSS_CONTENT_SHA256_NAME)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or(UNSIGNED_PAYLOAD);
    cr.push_str(payload);
    cr
}

pub(crate) fn scope(date: &str, region: &str, product: &str) -> String {
    let mut s = String::with_capacity(48);
    push_scope(&mut s, date, region, product);
    s
}

fn push_scope(s: &mut String, date: &str, region: &str, product: &str) {
    s.push_str(date);
    s.push('/');
    s.push_str(region);
    s.push('/');
    s.push_str(product);
    s.push('/');
    s.push_str(TERMINATOR);
}

pub(crate) fn check_ctx(ctx: &SigningContext<'_>) -> Result<(), SignError> {
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
    push_scope(&mut sts, date, region, product);
    sts.push('\n');
    crypto::push_sha256_hex(&mut sts, cr.as_bytes());
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
    timestamp: &str,
    cache: &KeyCache,
) -> Result<SignatureParts, SignError> {
    check_ctx(ctx)?;
    Ok(compute(
        input,
        creds.access_key_secret(),
        ctx.region,
        ctx.product,
        timestamp,
        ctx.additional_headers,
        Some(cache),
    ))
}

pub(crate) fn authorization(
    creds: &Credentials,
    ctx: &SigningContext<'_>,
    timestamp: &str,
    parts: &SignatureParts,
) -> String {
    let mut s = String::with_capacity(160);
    s.push_str(ALGORITHM);
    s.push_str(" Credential=");
    s.push_str(creds.access_key_id());
    s.push('/');
    push_scope(&mut s, &timestamp[..8], ctx.region, ctx.product);
    if let Some(a) = &parts.additional_headers {
        s.push_str(",AdditionalHeaders=");
        s.push_str(a);
    }
    s.push_str(",Signature=");
    s.push_str(&parts.signature);
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
