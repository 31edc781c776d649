//! Signature verification (`sign::verify::verify`), two ways.
//!
//! 1. Robustness: an arbitrary method, raw query, headers, bucket and key, with
//!    Authorization headers and presign query parameters that are either raw strings or built
//!    from the V1/V4 grammar (so the parser gets past its first checks), against a fixed
//!    credential lookup (a long-term key and an STS key). Must not panic.
//! 2. Differential oracle: a request built from fuzz input (method, bucket, key, query,
//!    headers, V4 additional headers, STS token, region, product, time) is signed with
//!    `Signer` (V1 and V4, header and presigned); `verify` must accept it, at the signing time,
//!    as the same version and mode. A rejection panics with the verifier's reason.
//!
//! The oracle's input domain (what a conforming caller can produce; outside it a rejection
//! is the caller's fault, not a bug):
//! * access key ids are `[A-Za-z0-9]+`; regions `[a-z0-9-]+` (the SDK's own region check);
//!   products `[a-z-]+`; signing times in years 1970..=9999;
//! * in presigned mode the request has no `Authorization` header and its query contains no
//!   presign parameter (V1 or V4: the verifier picks the scheme from which are present);
//! * in V1 header mode any `x-oss-date` the caller set is the signing time's HTTP date;
//! * a request signed with a long-term key (no STS token, or an empty one) carries no security-token header
//!   or query parameter of its own: the verifier rejects a token presented with a key that
//!   has none (`InvalidSecurityToken`, issue 12 D16).
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use arbitrary::Arbitrary;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Request};
use libfuzzer_sys::fuzz_target;
use oss_sse_core::Credentials;
use oss_sse_core::encode::parse_query;
use oss_sse_core::sign::verify::{RequestToVerify, VerifyError, verify};
use oss_sse_core::sign::{SignatureVersion, Signer, SigningContext};
use oss_sse_core::time::{format_http_date, format_v4_timestamp};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

/// Largest signing time: 9999-12-31T23:59:59Z.
const MAX_SECS: u64 = 253_402_300_799;

const METHODS: &[&str] = &["GET", "PUT", "POST", "DELETE", "HEAD", "OPTIONS", "PATCH"];

const HEADER_NAMES: &[&str] = &[
    "content-type",
    "content-md5",
    "x-oss-meta-a",
    "x-oss-meta-b",
    "x-oss-date",
    "date",
    "x-oss-security-token",
    "x-oss-content-sha256",
    "x-oss-copy-source",
    "x-oss-server-side-encryption",
    "authorization",
    "host",
    "range",
    "x-custom",
    "cache-control",
];

const QUERY_NAMES: &[&str] = &[
    "encryption",
    "uploads",
    "uploadId",
    "partNumber",
    "append",
    "position",
    "acl",
    "versionId",
    "response-content-type",
    "x-oss-process",
    "x-oss-signature-version",
    "x-oss-credential",
    "x-oss-date",
    "x-oss-expires",
    "x-oss-signature",
    "x-oss-additional-headers",
    "x-oss-security-token",
    "OSSAccessKeyId",
    "Expires",
    "Signature",
    "security-token",
    "",
];

/// V4 presign parameters and V1 presign parameters.
const PRESIGN_V4: &[&str] = &[
    "x-oss-signature-version",
    "x-oss-credential",
    "x-oss-date",
    "x-oss-expires",
    "x-oss-signature",
    "x-oss-additional-headers",
    "x-oss-security-token",
];
const PRESIGN_V1: &[&str] = &["OSSAccessKeyId", "Expires", "Signature", "security-token"];

#[derive(Arbitrary, Debug, Clone)]
enum Name {
    Known(u8),
    Raw(String),
}
impl Name {
    fn get(&self, list: &'static [&'static str]) -> String {
        match self {
            Self::Known(i) => list[usize::from(*i) % list.len()].to_owned(),
            Self::Raw(s) => s.clone(),
        }
    }
}

/// A header value; the date variants are relative to the time in play.
#[derive(Arbitrary, Debug, Clone)]
enum Value {
    Text(String),
    Bytes(Vec<u8>),
    HttpDate(i16),
    V4Date(i16),
}
impl Value {
    fn bytes(&self, t: u64) -> Vec<u8> {
        let at = |d: &i16| (t as i64).saturating_add(i64::from(*d)).max(0);
        match self {
            Self::Text(s) => s.clone().into_bytes(),
            Self::Bytes(b) => b.clone(),
            Self::HttpDate(d) => format_http_date(at(d)).into_bytes(),
            Self::V4Date(d) => format_v4_timestamp(at(d)).into_bytes(),
        }
    }
}

#[derive(Arbitrary, Debug, Clone)]
enum Query {
    Pairs(Vec<(Name, String)>),
    Raw(String),
}

fn query_string(q: &Query) -> String {
    match q {
        Query::Raw(s) => s.clone(),
        Query::Pairs(p) => p
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    utf8_percent_encode(&k.get(QUERY_NAMES), NON_ALPHANUMERIC),
                    utf8_percent_encode(v, NON_ALPHANUMERIC)
                )
            })
            .collect::<Vec<_>>()
            .join("&"),
    }
}

fn headers(list: &[(Name, Value)], t: u64) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (n, v) in list {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(n.get(HEADER_NAMES).as_bytes()),
            HeaderValue::from_bytes(&v.bytes(t)),
        ) {
            map.append(n, v);
        }
    }
    map
}

fn alnum(b: &[u8], charset: &[u8], fallback: &str) -> String {
    let s: String = b
        .iter()
        .take(32)
        .map(|x| char::from(charset[usize::from(*x) % charset.len()]))
        .collect();
    if s.is_empty() { fallback.to_owned() } else { s }
}

const AK_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const REGION_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789-";
const PRODUCT_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz-";

// ---------- part 1: arbitrary requests ----------

const FIXED_AK: &str = "LTAIfuzzAccessKey";
const FIXED_SECRET: &str = "fuzz-secret";
const STS_AK: &str = "STSfuzzAccessKey";
const STS_TOKEN: &str = "CAIS-fuzz-token";

fn fixed_lookup(ak: &str) -> Option<Credentials> {
    match ak {
        FIXED_AK => Some(Credentials::new(FIXED_AK, FIXED_SECRET)),
        STS_AK => Some(Credentials::new(STS_AK, FIXED_SECRET).with_security_token(STS_TOKEN)),
        _ => None,
    }
}

#[derive(Arbitrary, Debug)]
enum Ak {
    Fixed,
    Sts,
    Raw(String),
}
impl Ak {
    fn get(&self) -> String {
        match self {
            Self::Fixed => FIXED_AK.into(),
            Self::Sts => STS_AK.into(),
            Self::Raw(s) => s.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Auth {
    None,
    Raw(Vec<u8>),
    V4 {
        ak: Ak,
        date: Value,
        region: Option<String>,
        product: Option<String>,
        terminator: Option<String>,
        additional: Option<String>,
        signature: String,
        separator: Option<String>,
    },
    V1 {
        ak: Ak,
        signature: String,
    },
}

#[derive(Arbitrary, Debug)]
enum Presign {
    None,
    V4 {
        ak: Ak,
        date: Value,
        expires: Option<String>,
        version: Option<String>,
        region: Option<String>,
        additional: Option<String>,
        token: Option<String>,
        signature: String,
    },
    V1 {
        ak: Ak,
        expires: Option<String>,
        token: Option<String>,
        signature: String,
    },
}

#[derive(Arbitrary, Debug)]
struct RawVerify {
    method: Name,
    query: Query,
    presign: Presign,
    headers: Vec<(Name, Value)>,
    auth: Auth,
    bucket: Option<String>,
    key: Option<String>,
    time: u64,
    skew: i16,
    region: Option<String>,
}

fn robustness(r: &RawVerify) {
    let t = r.time % (MAX_SECS + 1);
    let now = (t as i64 + i64::from(r.skew)).max(0) as u64;
    let mut h = headers(&r.headers, t);
    let region = r.region.clone().unwrap_or_else(|| "cn-hangzhou".into());
    let auth: Option<Vec<u8>> = match &r.auth {
        Auth::None => None,
        Auth::Raw(b) => Some(b.clone()),
        Auth::V4 {
            ak,
            date,
            region: reg,
            product,
            terminator,
            additional,
            signature,
            separator,
        } => {
            let d = date.bytes(t);
            let day = String::from_utf8_lossy(&d[..d.len().min(8)]).into_owned();
            if let Ok(v) = HeaderValue::from_bytes(&d) {
                h.insert("x-oss-date", v);
            }
            let sep = separator.as_deref().unwrap_or(",");
            let mut s = format!(
                "OSS4-HMAC-SHA256 Credential={}/{day}/{}/{}/{}",
                ak.get(),
                reg.as_deref().unwrap_or(&region),
                product.as_deref().unwrap_or("oss"),
                terminator.as_deref().unwrap_or("aliyun_v4_request")
            );
            if let Some(a) = additional {
                s.push_str(&format!("{sep}AdditionalHeaders={a}"));
            }
            s.push_str(&format!("{sep}Signature={signature}"));
            Some(s.into_bytes())
        }
        Auth::V1 { ak, signature } => Some(format!("OSS {}:{signature}", ak.get()).into_bytes()),
    };
    if let Some(v) = auth.and_then(|a| HeaderValue::from_bytes(&a).ok()) {
        h.insert("authorization", v);
    }
    let mut query = query_string(&r.query);
    let mut push = |k: &str, v: &str| {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(&format!(
            "{}={}",
            utf8_percent_encode(k, NON_ALPHANUMERIC),
            utf8_percent_encode(v, NON_ALPHANUMERIC)
        ));
    };
    match &r.presign {
        Presign::None => {}
        Presign::V4 {
            ak,
            date,
            expires,
            version,
            region: reg,
            additional,
            token,
            signature,
        } => {
            let d = String::from_utf8_lossy(&date.bytes(t)).into_owned();
            push(
                "x-oss-signature-version",
                version.as_deref().unwrap_or("OSS4-HMAC-SHA256"),
            );
            push(
                "x-oss-credential",
                &format!(
                    "{}/{}/{}/oss/aliyun_v4_request",
                    ak.get(),
                    d.chars().take(8).collect::<String>(),
                    reg.as_deref().unwrap_or(&region)
                ),
            );
            push("x-oss-date", &d);
            push("x-oss-expires", expires.as_deref().unwrap_or("3600"));
            if let Some(a) = additional {
                push("x-oss-additional-headers", a);
            }
            if let Some(tk) = token {
                push("x-oss-security-token", tk);
            }
            push("x-oss-signature", signature);
        }
        Presign::V1 {
            ak,
            expires,
            token,
            signature,
        } => {
            push("OSSAccessKeyId", &ak.get());
            push(
                "Expires",
                &expires.clone().unwrap_or_else(|| (now + 60).to_string()),
            );
            if let Some(tk) = token {
                push("security-token", tk);
            }
            push("Signature", signature);
        }
    }
    let method = r.method.get(METHODS);
    let req = RequestToVerify {
        method: &method,
        raw_query: Some(&query).filter(|q| !q.is_empty()).map(String::as_str),
        headers: &h,
        bucket: r.bucket.as_deref(),
        key: r.key.as_deref(),
    };
    let now = UNIX_EPOCH + Duration::from_secs(now);
    if let Ok(v) = verify(&req, &region, "oss", now, fixed_lookup) {
        // Accepting a made-up signature would be a forgery.
        panic!("verify accepted an unsigned request: {v:?} for {req:?}");
    }
}

// ---------- part 2: sign, then verify ----------

#[derive(Arbitrary, Debug)]
enum Mode {
    Header,
    Presign(u32),
}

#[derive(Arbitrary, Debug)]
struct Signed {
    v4: bool,
    mode: Mode,
    method: Name,
    bucket: Option<String>,
    key: Option<String>,
    query: Query,
    headers: Vec<(Name, Value)>,
    additional: Vec<Name>,
    ak: Vec<u8>,
    secret: String,
    token: Option<String>,
    region: Vec<u8>,
    product: Option<Vec<u8>>,
    time: u64,
}

fn differential(s: &Signed) {
    let t = s.time % (MAX_SECS + 1);
    let time = UNIX_EPOCH + Duration::from_secs(t);
    let version = if s.v4 {
        SignatureVersion::V4
    } else {
        SignatureVersion::V1
    };
    let ak = alnum(&s.ak, AK_CHARS, "ak");
    let region = alnum(&s.region, REGION_CHARS, "cn-hangzhou");
    let product = s
        .product
        .as_deref()
        .map_or_else(|| "oss".to_owned(), |p| alnum(p, PRODUCT_CHARS, "oss"));
    let mut creds = Credentials::new(ak.clone(), s.secret.clone());
    if let Some(tk) = &s.token {
        creds = creds.with_security_token(tk.clone());
    }
    let presign = match s.mode {
        Mode::Header => None,
        Mode::Presign(e) => Some(u64::from(e % 700_000)),
    };

    // The request.
    let mut h = headers(&s.headers, t);
    if presign.is_some() {
        h.remove("authorization");
    }
    let query = query_string(&s.query);
    let uri = if query.is_empty() {
        "http://example.invalid/o".to_owned()
    } else {
        format!("http://example.invalid/o?{query}")
    };
    let method = s.method.get(METHODS);
    let Ok(mut req) = Request::builder()
        .method(method.as_str())
        .uri(uri)
        .body(Bytes::new())
    else {
        return;
    };
    *req.headers_mut() = h;
    if presign.is_some() {
        let pairs = parse_query(req.uri().query().unwrap_or(""));
        if pairs
            .iter()
            .any(|(k, _)| PRESIGN_V4.contains(&k.as_str()) || PRESIGN_V1.contains(&k.as_str()))
        {
            return;
        }
    }
    if presign.is_none()
        && !s.v4
        && let Some(d) = req.headers().get("x-oss-date")
        && d.as_bytes() != format_http_date(t as i64).as_bytes()
    {
        return;
    }
    if creds.security_token().is_none() {
        let in_query = parse_query(req.uri().query().unwrap_or(""))
            .iter()
            .any(|(k, _)| k == "security-token" || k == "x-oss-security-token");
        if in_query || req.headers().contains_key("x-oss-security-token") {
            return;
        }
    }
    let additional: Vec<String> = s.additional.iter().map(|n| n.get(HEADER_NAMES)).collect();
    let additional: Vec<&str> = additional.iter().map(String::as_str).collect();
    let ctx = SigningContext::new(&region)
        .product(&product)
        .resource(s.bucket.as_deref(), s.key.as_deref())
        .additional_headers(&additional);
    let signer = Signer::new(version);

    // Sign.
    let (raw_query, headers, parts): (Option<String>, HeaderMap, _) = match presign {
        None => match signer.sign_with_parts(&mut req, &creds, &ctx, time) {
            Ok(p) => (
                req.uri().query().map(str::to_owned),
                req.headers().clone(),
                p,
            ),
            Err(_) => return,
        },
        Some(e) => match signer.presign(&req, &creds, &ctx, time, Duration::from_secs(e)) {
            Ok((p, parts)) => {
                let q = p.url.split_once('?').map(|(_, q)| q.to_owned());
                (q, req.headers().clone(), parts)
            }
            Err(_) => return,
        },
    };

    // Verify at the signing time.
    let rv = RequestToVerify {
        method: &method,
        raw_query: raw_query.as_deref(),
        headers: &headers,
        bucket: s.bucket.as_deref(),
        key: s.key.as_deref(),
    };
    let lookup = |id: &str| (id == ak).then(|| creds.clone());
    match verify(&rv, &region, &product, time, lookup) {
        Ok(v) => {
            assert_eq!(v.version, version, "verified as the wrong version");
            assert_eq!(v.presigned, presign.is_some(), "verified as the wrong mode");
            assert_eq!(v.access_key_id, ak);
        }
        Err(e) => {
            let detail = match &e {
                VerifyError::SignatureDoesNotMatch {
                    string_to_sign,
                    canonical_request,
                    ..
                } => format!(
                    "\n signer string-to-sign:   {:?}\n verifier string-to-sign: {string_to_sign:?}\n signer canonical:   {:?}\n verifier canonical: {canonical_request:?}",
                    parts.string_to_sign, parts.canonical_request
                ),
                _ => String::new(),
            };
            panic!(
                "verify rejected a request signed by Signer ({version:?}, presign {presign:?}): {e:?}{detail}\n request: {rv:?}\n headers: {:?}\n token: {:?}",
                headers
                    .iter()
                    .map(|(n, v)| (n.as_str(), String::from_utf8_lossy(v.as_bytes())))
                    .collect::<Vec<_>>(),
                s.token
            );
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    raw: RawVerify,
    signed: Signed,
}

fuzz_target!(|input: Input| {
    robustness(&input.raw);
    differential(&input.signed);
});
