//! OSS Signature V1 (`OSS ak:signature`, HMAC-SHA1), oss-wire §4.

use http::HeaderMap;

use super::canonical::{self, Input};
use super::{SignatureParts, SigningContext};
use crate::credentials::Credentials;
use crate::crypto;
use crate::headers::{Q_EXPIRES, Q_OSS_ACCESS_KEY_ID, Q_SECURITY_TOKEN, Q_SIGNATURE};

pub(crate) fn string_to_sign(input: &Input<'_>, date_line: &str, extra_sub: &[&str]) -> String {
    let h = |n: &str| canonical::header_value(input.headers, n).unwrap_or_default();
    let mut s = String::with_capacity(256);
    s.push_str(input.method);
    s.push('\n');
    s.push_str(&h("content-md5"));
    s.push('\n');
    s.push_str(&h("content-type"));
    s.push('\n');
    s.push_str(date_line);
    s.push('\n');
    let mut names: Vec<&str> = input
        .headers
        .keys()
        .map(http::HeaderName::as_str)
        .filter(|n| n.starts_with("x-oss-"))
        .collect();
    names.sort_unstable();
    names.dedup();
    for n in names {
        s.push_str(n);
        s.push(':');
        s.push_str(&h(n));
        s.push('\n');
    }
    // Canonicalized resource: raw decoded key, then sorted decoded sub-resources.
    s.push('/');
    if let Some(b) = input.bucket {
        s.push_str(b);
        s.push('/');
        if let Some(k) = input.key {
            s.push_str(k);
        }
    }
    let mut subs: Vec<&(String, String)> = input
        .query
        .iter()
        .filter(|(k, _)| canonical::is_subresource(k, extra_sub))
        .collect();
    subs.sort();
    for (i, (k, v)) in subs.iter().enumerate() {
        s.push(if i == 0 { '?' } else { '&' });
        s.push_str(k);
        if !v.is_empty() {
            s.push('=');
            s.push_str(v);
        }
    }
    s
}

pub(crate) fn compute(
    input: &Input<'_>,
    secret: &str,
    date_line: &str,
    extra_sub: &[&str],
) -> SignatureParts {
    let sts = string_to_sign(input, date_line, extra_sub);
    let signature = crypto::hmac_sha1_base64(secret.as_bytes(), sts.as_bytes());
    SignatureParts {
        canonical_request: None,
        string_to_sign: sts,
        signature,
        additional_headers: None,
    }
}

pub(crate) fn sign(
    input: &Input<'_>,
    creds: &Credentials,
    ctx: &SigningContext<'_>,
    date_line: &str,
) -> SignatureParts {
    compute(
        input,
        creds.access_key_secret(),
        date_line,
        ctx.extra_subresources,
    )
}

pub(crate) fn presign(
    query: &mut Vec<(String, String)>,
    headers: &HeaderMap,
    method: &str,
    creds: &Credentials,
    ctx: &SigningContext<'_>,
    expires_at: i64,
) -> SignatureParts {
    if let Some(t) = creds.security_token() {
        query.push((Q_SECURITY_TOKEN.into(), t.to_owned()));
    }
    let expires = expires_at.to_string();
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
        &expires,
        ctx.extra_subresources,
    );
    // Wire order as the v2 SDKs emit: existing params, OSSAccessKeyId, Expires, [token], Signature.
    let token = creds
        .security_token()
        .map(|_| query.pop().expect("token pushed above"));
    query.push((Q_OSS_ACCESS_KEY_ID.into(), creds.access_key_id().to_owned()));
    query.push((Q_EXPIRES.into(), expires));
    if let Some(t) = token {
        query.push(t);
    }
    query.push((Q_SIGNATURE.into(), parts.signature.clone()));
    parts
}
