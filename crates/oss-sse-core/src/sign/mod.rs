//! Request signing: OSS Signature V4 (`OSS4-HMAC-SHA256`, the default) and V1 (`OSS ak:sig`).
//!
//! Signing is pure: the credentials, region, signing time and request go in; signed headers
//! or a presigned URL come out. The clock is never read here. On error the request is left
//! unchanged.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use oss_sse_core::{Credentials, sign::{Signer, SigningContext, SignatureVersion}};
//!
//! let mut req = http::Request::put("https://examplebucket.oss-cn-hangzhou.aliyuncs.com/a.txt")
//!     .body(bytes::Bytes::from_static(b"hi"))
//!     .unwrap();
//! let creds = Credentials::new("ak", "sk");
//! let ctx = SigningContext::new("cn-hangzhou").bucket("examplebucket").key("a.txt");
//! let t = UNIX_EPOCH + Duration::from_secs(1_702_743_657);
//! Signer::new(SignatureVersion::V4).sign(&mut req, &creds, &ctx, t).unwrap();
//! let auth = req.headers()["authorization"].to_str().unwrap();
//! assert!(auth.starts_with("OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature="));
//! ```

mod canonical;
pub(crate) mod v1;
pub(crate) mod v4;
pub mod verify;

use std::cell::RefCell;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use http::header::{AUTHORIZATION, DATE, HeaderName, HeaderValue};
use http::{Method, Request};

use crate::credentials::Credentials;
use crate::error::{BuildError, Error, SignError};
const X_OSS_DATE_NAME: HeaderName = HeaderName::from_static(crate::headers::X_OSS_DATE);
pub(crate) const X_OSS_CONTENT_SHA256_NAME: HeaderName =
    HeaderName::from_static(crate::headers::X_OSS_CONTENT_SHA256);
const X_OSS_SECURITY_TOKEN_NAME: HeaderName =
    HeaderName::from_static(crate::headers::X_OSS_SECURITY_TOKEN);
use crate::ops::OssResource;
use crate::time::{MAX_WIRE_SECS, Stamp, signing_secs};

pub use canonical::SUBRESOURCES;

/// Which signature algorithm to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[non_exhaustive]
pub enum SignatureVersion {
    /// HMAC-SHA1 `OSS ak:signature`, for buckets created before V1 was closed.
    V1,
    /// `OSS4-HMAC-SHA256`, the default and the only one for new accounts and buckets.
    #[default]
    V4,
}

/// How many headers header signing may add (`Date`, `x-oss-date`, `x-oss-content-sha256`,
/// `x-oss-security-token`, `Authorization`): request builders reserve room for them.
pub(crate) const SIGNER_HEADERS: usize = 5;

/// Longest V4 presign lifetime OSS accepts (7 days).
pub const MAX_PRESIGN_EXPIRES: Duration = Duration::from_secs(7 * 24 * 3600);

/// What the signer needs besides the request itself.
#[derive(Debug, Clone, Default)]
pub struct SigningContext<'a> {
    pub(crate) bucket: Option<&'a str>,
    pub(crate) key: Option<&'a str>,
    pub(crate) region: &'a str,
    pub(crate) product: &'a str,
    pub(crate) additional_headers: &'a [&'a str],
    pub(crate) extra_subresources: &'a [&'a str],
}

impl<'a> SigningContext<'a> {
    /// A context for `region` with product `oss`, no bucket and no key.
    pub fn new(region: &'a str) -> Self {
        Self {
            region,
            product: "oss",
            ..Self::default()
        }
    }
    /// The bucket (as it appears in the canonical resource).
    #[must_use]
    pub fn bucket(mut self, bucket: &'a str) -> Self {
        self.bucket = Some(bucket);
        self
    }
    /// The decoded object key.
    #[must_use]
    pub fn key(mut self, key: &'a str) -> Self {
        self.key = Some(key);
        self
    }
    /// Bucket and key from an optional pair.
    #[must_use]
    pub fn resource(mut self, bucket: Option<&'a str>, key: Option<&'a str>) -> Self {
        self.bucket = bucket;
        self.key = key;
        self
    }
    /// The product in the V4 scope (`oss`, or `oss-cloudbox`).
    #[must_use]
    pub fn product(mut self, product: &'a str) -> Self {
        self.product = product;
        self
    }
    /// V4: extra header names to sign (names already signed by default, and names absent
    /// from the request, are dropped).
    #[must_use]
    pub fn additional_headers(mut self, names: &'a [&'a str]) -> Self {
        self.additional_headers = names;
        self
    }
    /// V1: query parameters to treat as sub-resources besides [`SUBRESOURCES`].
    #[must_use]
    pub fn extra_subresources(mut self, names: &'a [&'a str]) -> Self {
        self.extra_subresources = names;
        self
    }
}

/// Each stage of a signature, for tests, debugging and the emulator's error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureParts {
    /// V4 canonical request (`None` for V1).
    pub canonical_request: Option<String>,
    /// The string that was signed.
    pub string_to_sign: String,
    /// Hex (V4) or base64 (V1) signature.
    pub signature: String,
    /// V4: the filtered, sorted additional header names (`abc;zabc`).
    pub additional_headers: Option<String>,
}

/// A presigned request: what the caller must send, and until when it is valid.
///
/// Its `Debug` output hides the signature and any security token in the URL.
#[derive(Clone, PartialEq, Eq)]
pub struct PresignedRequest {
    /// HTTP method.
    pub method: Method,
    /// Full URL including the signature.
    pub url: String,
    /// When the URL stops being accepted.
    pub expiration: SystemTime,
    /// Headers that were signed and must be sent with the URL, as given.
    pub signed_headers: Vec<(HeaderName, HeaderValue)>,
}

impl std::fmt::Debug for PresignedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PresignedRequest")
            .field("method", &self.method)
            .field("url", &redact_url(&self.url))
            .field("expiration", &self.expiration)
            .field("signed_headers", &self.signed_headers)
            .finish()
    }
}

/// The URL with the values of its signature and token parameters replaced.
pub fn redact_url(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((k, _))
                if matches!(
                    k,
                    "Signature" | "security-token" | "x-oss-signature" | "x-oss-security-token"
                ) =>
            {
                format!("{k}=** redacted **")
            }
            _ => p.to_owned(),
        })
        .collect();
    format!("{base}?{}", parts.join("&"))
}

/// Signs requests, caching the V4 signing key per (secret, date, region, product) so that
/// a hot loop does one SHA-256 and one HMAC per request.
#[derive(Debug, Default)]
pub struct Signer {
    version: SignatureVersion,
    cache: KeyCache,
    hot: Mutex<HotState>,
}

impl Clone for Signer {
    fn clone(&self) -> Self {
        Self::new(self.version)
    }
}

impl Signer {
    /// A signer for `version`.
    pub fn new(version: SignatureVersion) -> Self {
        Self {
            version,
            cache: KeyCache::default(),
            hot: Mutex::default(),
        }
    }

    /// The version this signer uses.
    pub fn version(&self) -> SignatureVersion {
        self.version
    }

    /// Header signing: adds `Date`, `x-oss-date` (V4), `x-oss-content-sha256` (V4),
    /// `x-oss-security-token` (STS) and `Authorization`. On error the request is unchanged.
    ///
    /// [`sign_with_parts`](Self::sign_with_parts) does the same and also returns every
    /// intermediate stage.
    pub fn sign<B>(
        &self,
        req: &mut Request<B>,
        creds: &Credentials,
        ctx: &SigningContext<'_>,
        time: SystemTime,
    ) -> Result<(), Error> {
        self.sign_header(req, creds, ctx, time, false).map(drop)
    }

    /// [`sign`](Self::sign), also returning the canonical request (V4), string to sign and
    /// signature: for tests, debugging and explaining a `SignatureDoesNotMatch`.
    pub fn sign_with_parts<B>(
        &self,
        req: &mut Request<B>,
        creds: &Credentials,
        ctx: &SigningContext<'_>,
        time: SystemTime,
    ) -> Result<SignatureParts, Error> {
        self.sign_header(req, creds, ctx, time, true)
            .map(|p| p.expect("stages were asked for"))
    }

    fn sign_header<B>(
        &self,
        req: &mut Request<B>,
        creds: &Credentials,
        ctx: &SigningContext<'_>,
        time: SystemTime,
        want_parts: bool,
    ) -> Result<Option<SignatureParts>, Error> {
        // Everything that can fail is checked before the request is touched, so on error it
        // is unchanged.
        let secs = check_time(time)?;
        check_token(creds)?;
        let token = creds
            .security_token()
            .map(|t| {
                let mut v = hv(t)?;
                v.set_sensitive(true);
                Ok::<_, SignError>(v)
            })
            .transpose()?;
        if self.version == SignatureVersion::V1 {
            check_access_key_id(creds.access_key_id())?;
        }
        let mut hot = self
            .hot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (stamp, date_value, ts_value) = hot.dates(secs);
        let ts = stamp.v4();
        // V4: the signing key with this second's string-to-sign prefix already absorbed.
        let prefixed = (self.version == SignatureVersion::V4)
            .then(|| hot.prefixed_mac(secs, ts, creds, ctx, &self.cache))
            .transpose()?;
        drop(hot);
        let headers = req.headers_mut();
        headers.reserve(SIGNER_HEADERS);
        headers.insert(DATE, date_value);
        if let Some(v) = token {
            headers.insert(X_OSS_SECURITY_TOKEN_NAME, v);
        }
        if self.version == SignatureVersion::V4 {
            headers.insert(X_OSS_DATE_NAME, ts_value);
            headers
                .entry(X_OSS_CONTENT_SHA256_NAME)
                .or_insert(HeaderValue::from_static(crate::headers::UNSIGNED_PAYLOAD));
        }
        let query = canonical::query_pairs(req.uri().query());
        let input = canonical::Input {
            method: req.method().as_str(),
            bucket: ctx.bucket,
            key: ctx.key,
            query: &query,
            headers: req.headers(),
        };
        let (auth, parts) = match self.version {
            SignatureVersion::V4 => {
                let additional = v4::filter_additional(ctx.additional_headers, input.headers);
                let (mac, auth_head) = prefixed.expect("computed for V4");
                // The canonical request is written to a reused buffer; its hash is all that
                // is kept.
                let (hash, canonical_request) = with_scratch(|cr| {
                    v4::write_canonical_request(cr, &input, &additional);
                    let hash = crate::crypto::sha256_hex_array(cr);
                    (
                        hash,
                        want_parts.then(|| String::from_utf8_lossy(cr).into_owned()),
                    )
                });
                let tag = crate::crypto::hmac_sha256_finish(mac, &hash);
                let auth = v4::authorization(&auth_head, &additional, &tag);
                let value = HeaderValue::from_maybe_shared(bytes::Bytes::from(auth))
                    .expect("checked: id and hex are ASCII");
                let parts = canonical_request.map(|cr| {
                    let mut sts = Vec::with_capacity(160);
                    v4::push_sts_prefix(&mut sts, ts, ctx.region, ctx.product);
                    sts.extend_from_slice(&hash);
                    SignatureParts {
                        canonical_request: Some(cr),
                        string_to_sign: String::from_utf8_lossy(&sts).into_owned(),
                        signature: crate::crypto::hex(&tag),
                        additional_headers: (!additional.is_empty()).then(|| additional.join(";")),
                    }
                });
                (value, parts)
            }
            SignatureVersion::V1 => {
                let date_line = input
                    .headers
                    .get(X_OSS_DATE_NAME)
                    .and_then(|v| v.to_str().ok())
                    .map_or_else(|| stamp.http(), str::trim);
                let parts = v1::sign(&input, creds, ctx, date_line);
                let mut auth = String::with_capacity(64);
                auth.push_str("OSS ");
                auth.push_str(creds.access_key_id());
                auth.push(':');
                auth.push_str(&parts.signature);
                let value = HeaderValue::from_str(&auth).expect("checked: id and base64 are ASCII");
                (value, want_parts.then_some(parts))
            }
        };
        let mut auth = auth;
        auth.set_sensitive(true);
        req.headers_mut().insert(AUTHORIZATION, auth);
        Ok(parts)
    }

    /// Query signing (a presigned URL) valid for `expires` from `time`.
    ///
    /// The request's headers are signed as they are; the caller must send them.
    /// V4 URLs may last at most [`MAX_PRESIGN_EXPIRES`].
    pub fn presign<B>(
        &self,
        req: &Request<B>,
        creds: &Credentials,
        ctx: &SigningContext<'_>,
        time: SystemTime,
        expires: Duration,
    ) -> Result<(PresignedRequest, SignatureParts), Error> {
        check_token(creds)?;
        if expires.is_zero() {
            return Err(BuildError::new("expires", "must be at least one second").into());
        }
        if self.version == SignatureVersion::V4 && expires > MAX_PRESIGN_EXPIRES {
            return Err(BuildError::new(
                "expires",
                format!(
                    "{} s is longer than the 7-day ({} s) limit of V4 presigned URLs",
                    expires.as_secs(),
                    MAX_PRESIGN_EXPIRES.as_secs()
                ),
            )
            .into());
        }
        let secs = check_time(time)?;
        // The expiry must be a time the wire can carry (a V1 URL's `Expires` is that time;
        // no arithmetic on it may overflow).
        let exp_secs = i64::try_from(expires.as_secs()).unwrap_or(i64::MAX);
        let expires_at = secs
            .checked_add(exp_secs)
            .filter(|e| *e <= MAX_WIRE_SECS)
            .ok_or_else(|| {
                BuildError::new(
                    "expires",
                    format!(
                        "{} s from the signing time is after 9999-12-31T23:59:59Z, the latest time a URL can carry",
                        expires.as_secs()
                    ),
                )
            })?;
        let expiration = time
            .checked_add(expires)
            .ok_or_else(|| BuildError::new("expires", "does not fit the clock"))?;
        let mut query = canonical::query_pairs(req.uri().query());
        let headers = req.headers();
        let method = req.method().as_str();
        let parts = match self.version {
            SignatureVersion::V4 => v4::presign_cached(
                &mut query,
                headers,
                method,
                creds,
                ctx,
                secs,
                exp_secs,
                Some(&self.cache),
            )?,
            SignatureVersion::V1 => {
                v1::presign(&mut query, headers, method, creds, ctx, expires_at)
            }
        };
        let url = canonical::rebuild_url(req.uri(), &query);
        let signed_headers = headers
            .iter()
            .filter(|(n, _)| canonical::is_signed_header(n.as_str(), ctx.additional_headers))
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect();
        Ok((
            PresignedRequest {
                method: req.method().clone(),
                url,
                expiration,
                signed_headers,
            },
            parts,
        ))
    }

    /// Signs a request built by an operation, taking bucket and key from it.
    pub fn sign_operation_request<B>(
        &self,
        req: &mut Request<B>,
        creds: &Credentials,
        region: &str,
        product: &str,
        time: SystemTime,
    ) -> Result<(), Error> {
        let res = req
            .extensions()
            .get::<OssResource>()
            .cloned()
            .unwrap_or_default();
        let ctx = SigningContext::new(region)
            .product(product)
            .resource(res.bucket.as_deref(), res.key.as_deref());
        self.sign(req, creds, &ctx, time)
    }

    /// Presigns a request built by an operation, taking bucket and key from it.
    pub fn presign_operation_request<B>(
        &self,
        req: &Request<B>,
        creds: &Credentials,
        region: &str,
        product: &str,
        time: SystemTime,
        expires: Duration,
    ) -> Result<PresignedRequest, Error> {
        let res = req
            .extensions()
            .get::<OssResource>()
            .cloned()
            .unwrap_or_default();
        let ctx = SigningContext::new(region)
            .product(product)
            .resource(res.bucket.as_deref(), res.key.as_deref());
        self.presign(req, creds, &ctx, time, expires)
            .map(|(p, _)| p)
    }
}

/// The signing time as Unix seconds, if the wire formats can carry it.
fn check_time(time: SystemTime) -> Result<i64, SignError> {
    signing_secs(time).ok_or_else(|| {
        SignError::new(
            "the signing time is outside 1970-01-01 to 9999-12-31, which OSS dates cannot carry",
        )
    })
}

/// What `HeaderValue::from_str` accepts, checked without building one: the id goes into
/// `Authorization`.
fn check_access_key_id(id: &str) -> Result<(), SignError> {
    if id.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b)) {
        Ok(())
    } else {
        Err(SignError::new(
            "the access key id is not a valid header value",
        ))
    }
}

/// A token is sent as a header or query value: printable ASCII, nothing to trim (found by
/// fuzzing: a token with spaces verified against its trimmed self fails).
fn check_token(creds: &Credentials) -> Result<(), SignError> {
    match creds.security_token() {
        Some(t) if t.trim() != t || !t.bytes().all(|b| b.is_ascii_graphic()) => Err(
            SignError::new("the security token must be printable ASCII without surrounding spaces"),
        ),
        _ => Ok(()),
    }
}

fn hv(s: &str) -> Result<HeaderValue, SignError> {
    HeaderValue::from_str(s)
        .map_err(|_| SignError::new("a credential or date is not a valid header value"))
}

/// Runs `f` with an empty per-thread buffer for the canonical request, so that header
/// signing does not allocate one per request. Re-entrant calls get a fresh buffer.
fn with_scratch<R>(f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
    thread_local! {
        static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    /// A buffer that grew past this (huge queries or headers) is not kept.
    const KEEP: usize = 16 * 1024;
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            buf.clear();
            let out = f(&mut buf);
            if buf.capacity() > KEEP {
                *buf = Vec::new();
            }
            out
        }
        Err(_) => f(&mut Vec::new()),
    })
}

/// What a [`Signer`] keeps from the last signing second: the `Date` and `x-oss-date` values
/// (shared, not formatted and allocated again) and, for V4, the signing key with that
/// second's string-to-sign prefix absorbed, so a request costs only its own hashing.
#[derive(Default)]
struct HotState {
    dates: Option<(i64, Stamp, HeaderValue, HeaderValue)>,
    prefix: Option<Prefix>,
}

struct Prefix {
    secs: i64,
    scope: KeyScope,
    access_key_id: String,
    mac: crate::crypto::HmacSha256,
    /// `Authorization` up to the end of the credential scope.
    auth_head: Arc<[u8]>,
}

/// Who a cached V4 key belongs to: the secret and the scope's region and product (the date
/// is kept by each cache in its own form).
struct KeyScope {
    secret: String,
    region: String,
    product: String,
}

impl KeyScope {
    fn new(secret: &str, region: &str, product: &str) -> Self {
        Self {
            secret: secret.to_owned(),
            region: region.to_owned(),
            product: product.to_owned(),
        }
    }

    fn is(&self, secret: &str, region: &str, product: &str) -> bool {
        self.region == region && self.product == product && self.secret == secret
    }
}

impl std::fmt::Debug for HotState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HotState")
    }
}

impl HotState {
    fn dates(&mut self, secs: i64) -> (Stamp, HeaderValue, HeaderValue) {
        match &self.dates {
            Some((s, stamp, date, ts)) if *s == secs => (stamp.clone(), date.clone(), ts.clone()),
            _ => {
                let stamp = Stamp::new(secs);
                let date = HeaderValue::from_str(stamp.http()).expect("an HTTP date is ASCII");
                let ts = HeaderValue::from_str(stamp.v4()).expect("a timestamp is ASCII");
                self.dates = Some((secs, stamp.clone(), date.clone(), ts.clone()));
                (stamp, date, ts)
            }
        }
    }

    /// The V4 MAC for this second and scope, and the `Authorization` head for this access
    /// key; a scope or key not seen before is validated first (a cached one passed).
    fn prefixed_mac(
        &mut self,
        secs: i64,
        timestamp: &str,
        creds: &Credentials,
        ctx: &SigningContext<'_>,
        keys: &KeyCache,
    ) -> Result<(crate::crypto::HmacSha256, Arc<[u8]>), SignError> {
        let (secret, region, product) = (creds.access_key_secret(), ctx.region, ctx.product);
        let id = creds.access_key_id();
        match &self.prefix {
            Some(p)
                if p.secs == secs
                    && p.scope.is(secret, region, product)
                    && p.access_key_id == id =>
            {
                Ok((p.mac.clone(), Arc::clone(&p.auth_head)))
            }
            _ => {
                check_access_key_id(id)?;
                v4::check_ctx(ctx)?;
                let mut mac = keys.key(secret, &timestamp[..8], region, product);
                let mut prefix = Vec::with_capacity(96);
                v4::push_sts_prefix(&mut prefix, timestamp, region, product);
                crate::crypto::hmac_update(&mut mac, &prefix);
                let auth_head: Arc<[u8]> = v4::authorization_head(id, ctx, timestamp).into();
                self.prefix = Some(Prefix {
                    secs,
                    scope: KeyScope::new(secret, region, product),
                    access_key_id: id.to_owned(),
                    mac: mac.clone(),
                    auth_head: Arc::clone(&auth_head),
                });
                Ok((mac, auth_head))
            }
        }
    }
}

/// One cached V4 signing key.
struct CachedKey {
    date: String,
    scope: KeyScope,
    key: crate::crypto::HmacSha256,
}

/// A V4 signing-key cache for [`verify::verify_with_cache`] (servers verifying many requests
/// from the same keys). [`Signer`] has its own.
#[derive(Default)]
pub struct KeyCache(Mutex<Option<CachedKey>>);

impl std::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyCache")
    }
}

impl KeyCache {
    /// HMAC-SHA256 of `msg` under the signing key for (secret, date, region, product).
    pub(crate) fn sign(
        &self,
        secret: &str,
        date: &str,
        region: &str,
        product: &str,
        msg: &[u8],
    ) -> [u8; 32] {
        crate::crypto::hmac_sha256_with(&self.key(secret, date, region, product), msg)
    }

    /// The keyed MAC state for (secret, date, region, product), derived on a miss and kept
    /// for the next call.
    pub(crate) fn key(
        &self,
        secret: &str,
        date: &str,
        region: &str,
        product: &str,
    ) -> crate::crypto::HmacSha256 {
        let mut guard = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match guard.as_ref() {
            Some(c) if c.date == date && c.scope.is(secret, region, product) => c.key.clone(),
            _ => {
                let key = v4::derive_signing_key(secret, date, region, product);
                *guard = Some(CachedKey {
                    date: date.to_owned(),
                    scope: KeyScope::new(secret, region, product),
                    key: key.clone(),
                });
                key
            }
        }
    }
}
