//! Server-side verification of V1 and V4 signatures (header and presigned), for the emulator
//! and for anyone who needs to check an OSS-signed request.
//!
//! It recomputes the signature with the same canonicalisation the signer uses, from the
//! request's own date, then checks the clock skew against the `now` it is given.

use std::time::SystemTime;

use http::HeaderMap;
use http::header::{AUTHORIZATION, DATE};

use super::canonical::{self, Input};
use super::{KeyCache, SignatureParts, SignatureVersion, v1, v4};
use crate::credentials::Credentials;
use crate::headers::{
    Q_EXPIRES, Q_OSS_ACCESS_KEY_ID, Q_SECURITY_TOKEN, Q_SIGNATURE, Q_X_OSS_ADDITIONAL_HEADERS,
    Q_X_OSS_CREDENTIAL, Q_X_OSS_DATE, Q_X_OSS_EXPIRES, Q_X_OSS_SECURITY_TOKEN, Q_X_OSS_SIGNATURE,
    Q_X_OSS_SIGNATURE_VERSION, X_OSS_DATE, X_OSS_SECURITY_TOKEN,
};
use crate::time::{parse_http_date, parse_v4_timestamp, unix_secs};

/// Largest accepted difference between the request time and the server clock (15 minutes).
pub const MAX_SKEW_SECS: i64 = 900;

/// Why a request was not accepted. Each maps to one OSS error.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// No signature at all (anonymous request).
    Anonymous,
    /// 400/403: the Authorization header or presign parameters are malformed.
    Malformed(String),
    /// 403 `InvalidAccessKeyId`.
    InvalidAccessKeyId(String),
    /// 403 `InvalidSecurityToken`: an STS key without (or with a wrong) token, or a
    /// long-term key with one.
    InvalidSecurityToken,
    /// 403 `SignatureDoesNotMatch`, with what the server signed.
    SignatureDoesNotMatch {
        /// The string to sign the server computed.
        string_to_sign: String,
        /// The V4 canonical request the server computed.
        canonical_request: Option<String>,
        /// The signature the client sent.
        signature_provided: String,
        /// The access key id the client used.
        access_key_id: String,
    },
    /// 403 `RequestTimeTooSkewed`.
    RequestTimeTooSkewed {
        /// The request's own time (Unix seconds).
        request_time: i64,
    },
    /// 403 `AccessDenied` "Request has expired." (presigned URL).
    Expired {
        /// When it expired (Unix seconds).
        expired_at: i64,
    },
    /// 403 `AccessDenied`: the credential scope is wrong (region, product, date).
    InvalidScope(String),
}

/// What a successful verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The access key id that signed.
    pub access_key_id: String,
    /// V1 or V4.
    pub version: SignatureVersion,
    /// Whether it was a presigned URL.
    pub presigned: bool,
}

/// The parts of a request needed to verify it.
#[derive(Debug, Clone, Copy)]
pub struct RequestToVerify<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Raw query string (without `?`).
    pub raw_query: Option<&'a str>,
    /// Headers as received.
    pub headers: &'a HeaderMap,
    /// Bucket the request addresses (from the Host or the path).
    pub bucket: Option<&'a str>,
    /// Decoded object key.
    pub key: Option<&'a str>,
}

/// Verifies `req`. `lookup` maps an access key id to its credentials (with a token for STS keys).
pub fn verify(
    req: &RequestToVerify<'_>,
    region: &str,
    product: &str,
    now: SystemTime,
    lookup: impl Fn(&str) -> Option<Credentials>,
) -> Result<Verified, VerifyError> {
    verify_with_cache(req, region, product, now, lookup, None)
}

/// [`verify`], reusing V4 signing keys from `cache` (one derivation per key and day instead
/// of one per request).
pub fn verify_with_cache(
    req: &RequestToVerify<'_>,
    region: &str,
    product: &str,
    now: SystemTime,
    lookup: impl Fn(&str) -> Option<Credentials>,
    cache: Option<&KeyCache>,
) -> Result<Verified, VerifyError> {
    let now = unix_secs(now);
    let query = canonical::query_pairs(req.raw_query);
    let qget = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if let Some(auth) = req.headers.get(AUTHORIZATION) {
        let auth = auth
            .to_str()
            .map_err(|_| VerifyError::Malformed("Authorization header is not ASCII".into()))?
            .trim();
        if let Some(rest) = auth.strip_prefix(v4::ALGORITHM) {
            return verify_v4_header(req, &query, rest, region, product, now, &lookup, cache);
        }
        if let Some(rest) = auth.strip_prefix("OSS ") {
            return verify_v1_header(req, &query, rest, now, &lookup);
        }
        return Err(VerifyError::Malformed(
            "Authorization header is neither OSS nor OSS4-HMAC-SHA256".into(),
        ));
    }
    if qget(Q_X_OSS_SIGNATURE_VERSION).is_some() {
        return verify_v4_query(req, &query, region, product, now, &lookup, cache);
    }
    if qget(Q_OSS_ACCESS_KEY_ID).is_some() || qget(Q_SIGNATURE).is_some() {
        return verify_v1_query(req, &query, now, &lookup);
    }
    Err(VerifyError::Anonymous)
}

fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn check_token(creds: &Credentials, provided: Option<&str>) -> Result<(), VerifyError> {
    match (creds.security_token(), provided) {
        (None, None) => Ok(()),
        // A long-term key does not come with a token; presenting one is an error, not
        // something to ignore.
        (None, Some(got)) if got.trim().is_empty() => Ok(()),
        (Some(want), Some(got)) if ct_eq(want, got.trim()) => Ok(()),
        _ => Err(VerifyError::InvalidSecurityToken),
    }
}

fn mismatch(parts: SignatureParts, provided: &str, ak: &str) -> VerifyError {
    VerifyError::SignatureDoesNotMatch {
        string_to_sign: parts.string_to_sign,
        canonical_request: parts.canonical_request,
        signature_provided: provided.to_owned(),
        access_key_id: ak.to_owned(),
    }
}

struct Scope<'a> {
    ak: &'a str,
    date: &'a str,
    region: &'a str,
    product: &'a str,
}

fn parse_credential(c: &str) -> Result<Scope<'_>, VerifyError> {
    let parts: Vec<&str> = c.trim().split('/').collect();
    match parts.as_slice() {
        [ak, date, region, product, "aliyun_v4_request"] if !ak.is_empty() => Ok(Scope {
            ak,
            date,
            region,
            product,
        }),
        _ => Err(VerifyError::Malformed(
            "Invalid credential in Authorization header.".into(),
        )),
    }
}

fn check_scope(
    scope: &Scope<'_>,
    timestamp: &str,
    region: &str,
    product: &str,
) -> Result<(), VerifyError> {
    if !timestamp.starts_with(scope.date) || scope.date.len() != 8 {
        return Err(VerifyError::InvalidScope(
            "The date in the credential scope does not match x-oss-date.".into(),
        ));
    }
    if scope.region != region {
        return Err(VerifyError::InvalidScope(
            "The signing region in credential is invalid.".into(),
        ));
    }
    if scope.product != product {
        return Err(VerifyError::InvalidScope(
            "The signing product in credential is invalid.".into(),
        ));
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)] // the request and everything it is checked against
fn verify_v4_header(
    req: &RequestToVerify<'_>,
    query: &[(String, String)],
    rest: &str,
    region: &str,
    product: &str,
    now: i64,
    lookup: &impl Fn(&str) -> Option<Credentials>,
    cache: Option<&KeyCache>,
) -> Result<Verified, VerifyError> {
    let (mut credential, mut additional, mut signature) = (None, None, None);
    for item in rest.split(',') {
        let Some((k, v)) = item.trim().split_once('=') else {
            continue;
        };
        match k.trim() {
            "Credential" => credential = Some(v.trim()),
            "AdditionalHeaders" => additional = Some(v.trim()),
            "Signature" => signature = Some(v.trim()),
            _ => {}
        }
    }
    let (Some(credential), Some(signature)) = (credential, signature) else {
        return Err(VerifyError::Malformed(
            "Authorization header lacks Credential or Signature.".into(),
        ));
    };
    let scope = parse_credential(credential)?;
    let timestamp = req
        .headers
        .get(X_OSS_DATE)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .ok_or_else(|| VerifyError::Malformed("x-oss-date header is missing.".into()))?;
    let t = parse_v4_timestamp(timestamp)
        .ok_or_else(|| VerifyError::Malformed("x-oss-date is not yyyyMMddTHHmmssZ.".into()))?;
    let creds =
        lookup(scope.ak).ok_or_else(|| VerifyError::InvalidAccessKeyId(scope.ak.to_owned()))?;
    check_scope(&scope, timestamp, region, product)?;
    if (now - t).abs() > MAX_SKEW_SECS {
        return Err(VerifyError::RequestTimeTooSkewed { request_time: t });
    }
    check_token(
        &creds,
        req.headers
            .get(X_OSS_SECURITY_TOKEN)
            .and_then(|v| v.to_str().ok()),
    )?;
    let additional: Vec<&str> = additional
        .map(|a| a.split(';').collect())
        .unwrap_or_default();
    let input = Input {
        method: req.method,
        bucket: req.bucket,
        key: req.key,
        query,
        headers: req.headers,
    };
    let parts = v4::compute(
        &input,
        creds.access_key_secret(),
        region,
        product,
        timestamp,
        &additional,
        cache,
    );
    if !ct_eq(&parts.signature, signature) {
        return Err(mismatch(parts, signature, scope.ak));
    }
    Ok(Verified {
        access_key_id: scope.ak.to_owned(),
        version: SignatureVersion::V4,
        presigned: false,
    })
}

#[allow(clippy::too_many_arguments)] // the request and everything it is checked against
fn verify_v4_query(
    req: &RequestToVerify<'_>,
    query: &[(String, String)],
    region: &str,
    product: &str,
    now: i64,
    lookup: &impl Fn(&str) -> Option<Credentials>,
    cache: Option<&KeyCache>,
) -> Result<Verified, VerifyError> {
    let get = |n: &str| query.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    if get(Q_X_OSS_SIGNATURE_VERSION) != Some(v4::ALGORITHM) {
        return Err(VerifyError::Malformed(
            "Unsupported x-oss-signature-version.".into(),
        ));
    }
    let missing = |n: &str| VerifyError::Malformed(format!("Query parameter {n} is missing."));
    let credential = get(Q_X_OSS_CREDENTIAL).ok_or_else(|| missing(Q_X_OSS_CREDENTIAL))?;
    let timestamp = get(Q_X_OSS_DATE).ok_or_else(|| missing(Q_X_OSS_DATE))?;
    let expires: i64 = get(Q_X_OSS_EXPIRES)
        .ok_or_else(|| missing(Q_X_OSS_EXPIRES))?
        .parse()
        .map_err(|_| VerifyError::Malformed("x-oss-expires is not a number.".into()))?;
    let signature = get(Q_X_OSS_SIGNATURE).ok_or_else(|| missing(Q_X_OSS_SIGNATURE))?;
    if !(1..=super::MAX_PRESIGN_EXPIRES.as_secs() as i64).contains(&expires) {
        return Err(VerifyError::Malformed(
            "x-oss-expires must be between 1 and 604800 seconds.".into(),
        ));
    }
    let scope = parse_credential(credential)?;
    let t = parse_v4_timestamp(timestamp)
        .ok_or_else(|| VerifyError::Malformed("x-oss-date is not yyyyMMddTHHmmssZ.".into()))?;
    let creds =
        lookup(scope.ak).ok_or_else(|| VerifyError::InvalidAccessKeyId(scope.ak.to_owned()))?;
    check_scope(&scope, timestamp, region, product)?;
    if t - now > MAX_SKEW_SECS {
        return Err(VerifyError::RequestTimeTooSkewed { request_time: t });
    }
    if now > t + expires {
        return Err(VerifyError::Expired {
            expired_at: t + expires,
        });
    }
    check_token(&creds, get(Q_X_OSS_SECURITY_TOKEN))?;
    let additional: Vec<&str> = get(Q_X_OSS_ADDITIONAL_HEADERS)
        .map(|a| a.split(';').collect())
        .unwrap_or_default();
    let signed_query: Vec<(String, String)> = query
        .iter()
        .filter(|(k, _)| k != Q_X_OSS_SIGNATURE)
        .cloned()
        .collect();
    let input = Input {
        method: req.method,
        bucket: req.bucket,
        key: req.key,
        query: &signed_query,
        headers: req.headers,
    };
    let parts = v4::compute(
        &input,
        creds.access_key_secret(),
        region,
        product,
        timestamp,
        &additional,
        cache,
    );
    if !ct_eq(&parts.signature, signature) {
        return Err(mismatch(parts, signature, scope.ak));
    }
    Ok(Verified {
        access_key_id: scope.ak.to_owned(),
        version: SignatureVersion::V4,
        presigned: true,
    })
}

fn verify_v1_header(
    req: &RequestToVerify<'_>,
    query: &[(String, String)],
    rest: &str,
    now: i64,
    lookup: &impl Fn(&str) -> Option<Credentials>,
) -> Result<Verified, VerifyError> {
    let (ak, signature) = rest
        .trim()
        .rsplit_once(':')
        .ok_or_else(|| VerifyError::Malformed("Authorization is not OSS ak:signature.".into()))?;
    let creds = lookup(ak).ok_or_else(|| VerifyError::InvalidAccessKeyId(ak.to_owned()))?;
    let date_line = req
        .headers
        .get(X_OSS_DATE)
        .or_else(|| req.headers.get(DATE))
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .ok_or_else(|| VerifyError::Malformed("Date header is missing.".into()))?;
    let t = parse_http_date(date_line)
        .ok_or_else(|| VerifyError::Malformed("Date is not an HTTP date.".into()))?;
    if (now - t).abs() > MAX_SKEW_SECS {
        return Err(VerifyError::RequestTimeTooSkewed { request_time: t });
    }
    check_token(
        &creds,
        req.headers
            .get(X_OSS_SECURITY_TOKEN)
            .and_then(|v| v.to_str().ok()),
    )?;
    let input = Input {
        method: req.method,
        bucket: req.bucket,
        key: req.key,
        query,
        headers: req.headers,
    };
    let parts = v1::compute(&input, creds.access_key_secret(), date_line, &[]);
    if !ct_eq(&parts.signature, signature) {
        return Err(mismatch(parts, signature, ak));
    }
    Ok(Verified {
        access_key_id: ak.to_owned(),
        version: SignatureVersion::V1,
        presigned: false,
    })
}

fn verify_v1_query(
    req: &RequestToVerify<'_>,
    query: &[(String, String)],
    now: i64,
    lookup: &impl Fn(&str) -> Option<Credentials>,
) -> Result<Verified, VerifyError> {
    let get = |n: &str| query.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    let missing = |n: &str| VerifyError::Malformed(format!("Query parameter {n} is missing."));
    let ak = get(Q_OSS_ACCESS_KEY_ID).ok_or_else(|| missing(Q_OSS_ACCESS_KEY_ID))?;
    let expires_s = get(Q_EXPIRES).ok_or_else(|| missing(Q_EXPIRES))?;
    let expires: i64 = expires_s
        .parse()
        .map_err(|_| VerifyError::Malformed("Expires is not a number.".into()))?;
    let signature = get(Q_SIGNATURE).ok_or_else(|| missing(Q_SIGNATURE))?;
    let creds = lookup(ak).ok_or_else(|| VerifyError::InvalidAccessKeyId(ak.to_owned()))?;
    if now > expires {
        return Err(VerifyError::Expired {
            expired_at: expires,
        });
    }
    check_token(&creds, get(Q_SECURITY_TOKEN))?;
    let signed_query: Vec<(String, String)> = query
        .iter()
        .filter(|(k, _)| k != Q_OSS_ACCESS_KEY_ID && k != Q_EXPIRES && k != Q_SIGNATURE)
        .cloned()
        .collect();
    let input = Input {
        method: req.method,
        bucket: req.bucket,
        key: req.key,
        query: &signed_query,
        headers: req.headers,
    };
    let parts = v1::compute(&input, creds.access_key_secret(), expires_s, &[]);
    if !ct_eq(&parts.signature, signature) {
        return Err(mismatch(parts, signature, ak));
    }
    Ok(Verified {
        access_key_id: ak.to_owned(),
        version: SignatureVersion::V1,
        presigned: true,
    })
}
