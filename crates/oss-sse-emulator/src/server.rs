//! The HTTP side: addressing, authentication, fault injection and response framing.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, DATE, HOST, SERVER};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;

use oss_sse_core::Credentials;
use oss_sse_core::crypto::base64_encode;
use oss_sse_core::headers::{X_OSS_EC, X_OSS_ERR, X_OSS_HASH_CRC64ECMA, X_OSS_REQUEST_ID};
use oss_sse_core::sign::verify::{self, MAX_SKEW_SECS, RequestToVerify, VerifyError};
use oss_sse_core::time::{format_http_date, format_iso8601};
use oss_sse_core::wire::error_document;

use crate::body::{DRAIN_LIMIT, ReqBody};
use crate::error::OssErr;
use crate::faults::{FaultAction, Faults};
use crate::handlers;
use crate::store::Store;

pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;
pub(crate) type Body = UnsyncBoxBody<Bytes, BoxError>;
pub(crate) type Resp = Response<Body>;

pub(crate) fn full(b: impl Into<Bytes>) -> Body {
    Full::new(b.into())
        .map_err(|e: Infallible| match e {})
        .boxed_unsync()
}

pub(crate) fn empty() -> Body {
    full(Bytes::new())
}

/// Settings the server runs with.
#[derive(Debug, Clone)]
pub(crate) struct ServerSettings {
    pub(crate) region: String,
    pub(crate) credentials: Vec<Credentials>,
    pub(crate) hostname: Option<String>,
    pub(crate) clock_offset_secs: i64,
    /// How long a connection may sit without moving a byte (waiting for request headers,
    /// reading a body, writing a response) before it is closed.
    pub(crate) idle_timeout: Duration,
    /// Required on admin requests when set.
    pub(crate) admin_token: Option<String>,
    /// Largest CopyObject with an encryption change, and across buckets (bytes).
    pub(crate) copy_limits: (u64, u64),
}

/// Everything a request handler can reach.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) store: Store,
    pub(crate) faults: Arc<Faults>,
    pub(crate) settings: ServerSettings,
    counter: AtomicU64,
    boot: u64,
    /// V4 signing keys of the configured credentials, derived once per day.
    pub(crate) key_cache: oss_sse_core::sign::KeyCache,
}

impl Shared {
    pub(crate) fn new(store: Store, faults: Arc<Faults>, settings: ServerSettings) -> Self {
        let boot = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Self {
            store,
            faults,
            settings,
            counter: AtomicU64::new(0),
            boot,
            key_cache: oss_sse_core::sign::KeyCache::default(),
        }
    }

    /// The server's clock (with the configured offset, for skew tests).
    pub(crate) fn now(&self) -> SystemTime {
        let now = SystemTime::now();
        let off = self.settings.clock_offset_secs;
        if off >= 0 {
            now + Duration::from_secs(off as u64)
        } else {
            now - Duration::from_secs(off.unsigned_abs())
        }
    }

    pub(crate) fn now_secs(&self) -> i64 {
        self.now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }

    fn request_id(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("{:08X}{:016X}", self.boot as u32, n)
    }
}

/// What a request addresses.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) bucket: Option<String>,
    pub(crate) key: Option<String>,
    /// The bucket came from the `Host` header (virtual-hosted style).
    pub(crate) virtual_hosted: bool,
    /// The path's escapes are not UTF-8 (a 400 `InvalidObjectName`).
    pub(crate) bad_path: bool,
}

fn resolve(req: &Request<Incoming>, hostname: Option<&str>) -> Target {
    let host = req
        .headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().host())
        .unwrap_or("");
    let name = match host.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    let virtual_bucket = match hostname {
        Some(base) => name.strip_suffix(base).and_then(|p| p.strip_suffix('.')),
        None => {
            let is_ip = name.parse::<std::net::Ipv4Addr>().is_ok() || name.starts_with('[');
            if is_ip || !name.contains('.') {
                None
            } else {
                name.split('.').next()
            }
        }
    }
    .filter(|b| !b.is_empty());
    // Strictly: escapes that are not UTF-8 must not alias another key (`%FF` and `%FE`
    // both decoding to U+FFFD).
    let decoded = percent_encoding::percent_decode_str(req.uri().path()).decode_utf8();
    let bad_path = decoded.is_err();
    let path = decoded.map(|p| p.into_owned()).unwrap_or_default();
    let path = path.strip_prefix('/').unwrap_or(&path).to_owned();
    let (bucket, key) = match virtual_bucket {
        Some(b) => (Some(b.to_owned()), (!path.is_empty()).then_some(path)),
        None => match path.split_once('/') {
            Some((b, k)) => (Some(b.to_owned()), (!k.is_empty()).then(|| k.to_owned())),
            None if path.is_empty() => (None, None),
            None => (Some(path), None),
        },
    };
    Target {
        bucket,
        key,
        virtual_hosted: virtual_bucket.is_some(),
        bad_path,
    }
}

/// The OSS operation a request is.
pub(crate) fn classify(
    method: &Method,
    t: &Target,
    query: &[(String, String)],
    headers: &http::HeaderMap,
) -> &'static str {
    let has = |k: &str| query.iter().any(|(q, _)| q == k);
    match (t.bucket.is_some(), t.key.is_some(), method.as_str()) {
        (false, _, "GET") => "ListBuckets",
        (true, false, "GET") if has("uploads") => "ListMultipartUploads",
        (true, true, "GET") if has("tagging") => "GetObjectTagging",
        (true, true, "PUT") if has("tagging") => "PutObjectTagging",
        (true, true, "DELETE") if has("tagging") => "DeleteObjectTagging",
        (true, true, "PUT")
            if has("partNumber")
                && has("uploadId")
                && headers.contains_key("x-oss-copy-source") =>
        {
            "UploadPartCopy"
        }
        (true, false, "PUT") if has("encryption") => "PutBucketEncryption",
        (true, false, "GET") if has("encryption") => "GetBucketEncryption",
        (true, false, "DELETE") if has("encryption") => "DeleteBucketEncryption",
        (true, false, "GET") if has("bucketInfo") => "GetBucketInfo",
        (true, false, "GET") if has("acl") => "GetBucketAcl",
        (true, true, "GET") if has("acl") => "GetObjectAcl",
        (true, false, "GET") if query.iter().any(|(k, v)| k == "list-type" && v == "2") => {
            "ListObjectsV2"
        }
        (true, false, "GET") if !query.iter().any(|(k, _)| is_bucket_subresource(k)) => {
            "ListObjects"
        }
        (true, false, "PUT") if !query.iter().any(|(k, _)| is_bucket_subresource(k)) => "PutBucket",
        (true, false, "DELETE") if !query.iter().any(|(k, _)| is_bucket_subresource(k)) => {
            "DeleteBucket"
        }
        (true, true, "PUT") if has("partNumber") && has("uploadId") => "UploadPart",
        (true, true, "PUT") if headers.contains_key("x-oss-copy-source") => "CopyObject",
        (true, true, "PUT") => "PutObject",
        (true, true, "POST") if has("append") => "AppendObject",
        (true, true, "POST") if has("uploads") => "InitiateMultipartUpload",
        (true, true, "POST") if has("uploadId") => "CompleteMultipartUpload",
        (true, true, "DELETE") if has("uploadId") => "AbortMultipartUpload",
        (true, true, "GET") if has("uploadId") => "ListParts",
        (true, true, "GET") => "GetObject",
        (true, true, "HEAD") => "HeadObject",
        (true, true, "DELETE") => "DeleteObject",
        _ => "Unsupported",
    }
}

/// A bucket sub-resource the emulator does not implement (so a GET carrying it is not a
/// listing).
fn is_bucket_subresource(k: &str) -> bool {
    oss_sse_core::sign::SUBRESOURCES.binary_search(&k).is_ok() && k != "continuation-token"
}

/// The request as handlers see it.
pub(crate) struct Ctx {
    pub(crate) op: &'static str,
    pub(crate) method: Method,
    /// The raw request path.
    pub(crate) path: String,
    pub(crate) target: Target,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: http::HeaderMap,
    pub(crate) host: String,
}

impl Ctx {
    pub(crate) fn q(&self, k: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(q, _)| q == k)
            .map(|(_, v)| v.as_str())
    }
    pub(crate) fn h(&self, k: &str) -> Option<&str> {
        self.headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    }
    pub(crate) fn bucket(&self) -> &str {
        self.target.bucket.as_deref().unwrap_or("")
    }
    pub(crate) fn key(&self) -> &str {
        self.target.key.as_deref().unwrap_or("")
    }
}

fn map_verify(e: VerifyError, now: i64) -> OssErr {
    match e {
        VerifyError::Anonymous => OssErr::new(
            403,
            "AccessDenied",
            "You have no right to access this object because of bucket acl.",
        ),
        VerifyError::Malformed(m) | VerifyError::InvalidScope(m) => {
            OssErr::new(403, "AccessDenied", m)
        }
        VerifyError::InvalidAccessKeyId(ak) => OssErr::new(
            403,
            "InvalidAccessKeyId",
            "The OSS Access Key Id you provided does not exist in our records.",
        )
        .with("OSSAccessKeyId", ak),
        VerifyError::InvalidSecurityToken => OssErr::new(
            403,
            "InvalidSecurityToken",
            "The security token you provided is invalid.",
        ),
        VerifyError::SignatureDoesNotMatch {
            string_to_sign,
            canonical_request,
            signature_provided,
            access_key_id,
        } => {
            let mut e = OssErr::new(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
            )
            .with("StringToSign", string_to_sign)
            .with("SignatureProvided", signature_provided)
            .with("OSSAccessKeyId", access_key_id);
            if let Some(cr) = canonical_request {
                e = e.with("CanonicalRequest", cr);
            }
            e
        }
        VerifyError::RequestTimeTooSkewed { request_time } => OssErr::new(
            403,
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.",
        )
        .with("RequestTime", format_iso8601(request_time))
        .with("ServerTime", format_iso8601(now))
        .with(
            "MaxAllowedSkewMilliseconds",
            (MAX_SKEW_SECS * 1000).to_string(),
        ),
        VerifyError::Expired { expired_at } => {
            OssErr::new(403, "AccessDenied", "Request has expired.")
                .with("Expires", format_iso8601(expired_at))
                .with("ServerTime", format_iso8601(now))
        }
        _ => OssErr::new(403, "AccessDenied", "Access denied."),
    }
}

fn error_response(e: &OssErr, request_id: &str, host: &str, head: bool) -> Resp {
    if e.status == StatusCode::NOT_MODIFIED {
        // A 304 has no body (RFC 9110 §15.4.5) and OSS sends no error document for it
        // (oss-listing-copy §4.7): oss2 maps a bare 304 to NotModified, the Java SDK builds
        // its own; an x-oss-err document would turn oss2's answer into a generic ServerError.
        let mut b = Response::builder().status(e.status);
        for (k, v) in &e.headers {
            b = b.header(*k, v.as_str());
        }
        return b.body(empty()).expect("error response is well formed");
    }
    let ec = e.ec();
    let recommend = format!("https://api.aliyun.com/troubleshoot?q={ec}");
    let mut fields: Vec<(&str, &str)> = vec![
        ("Code", &e.code),
        ("Message", &e.message),
        ("RequestId", request_id),
        ("HostId", host),
    ];
    for (k, v) in &e.extra {
        fields.push((k, v));
    }
    fields.push(("EC", ec));
    fields.push(("RecommendDoc", &recommend));
    let doc = error_document(&fields);
    let mut b = Response::builder()
        .status(e.status)
        .header(CONTENT_TYPE, "application/xml")
        .header(X_OSS_EC, ec);
    for (k, v) in &e.headers {
        b = b.header(*k, v.as_str());
    }
    let resp = if head {
        b.header(X_OSS_ERR, base64_encode(doc.as_bytes()))
            .body(empty())
    } else {
        b.header(CONTENT_LENGTH, doc.len()).body(full(doc))
    };
    resp.expect("error response is well formed")
}

/// Serves one request.
pub(crate) async fn serve(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Resp, BoxError> {
    let started = std::time::Instant::now();
    let target = resolve(&req, shared.settings.hostname.as_deref());
    let (parts, incoming) = req.into_parts();
    let mut body = ReqBody::new(incoming, &parts.headers, shared.settings.idle_timeout);
    let host = parts
        .headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .to_owned();
    let query = oss_sse_core::encode::parse_query(parts.uri.query().unwrap_or(""));
    let op = classify(&parts.method, &target, &query, &parts.headers);
    let ctx = Ctx {
        op,
        method: parts.method.clone(),
        path: parts.uri.path().to_owned(),
        target,
        query,
        headers: parts.headers.clone(),
        host: host.clone(),
    };
    // Admin routes exist only where no bucket is addressed: in virtual-hosted style, a key
    // starting with `-/` is an object.
    if !ctx.target.virtual_hosted && ctx.path.starts_with("/-/") {
        let resp = handlers::admin(&shared, &ctx, &mut body).await;
        return Ok(settle_body(resp, &ctx, body).await);
    }
    let request_id = shared.request_id();
    let head = ctx.method == Method::HEAD;
    let fault = shared.faults.pick(
        op,
        ctx.method.as_str(),
        ctx.target.bucket.as_deref(),
        ctx.target.key.as_deref(),
        ctx.headers.contains_key(http::header::RANGE),
    );
    let mut resp_fault = None;
    match fault {
        Some(FaultAction::Delay { ms }) => tokio::time::sleep(Duration::from_millis(ms)).await,
        Some(FaultAction::Error { status, code }) => {
            let e = OssErr::new(status, code, "Injected fault.");
            let mut r = error_response(&e, &request_id, &host, head);
            finish_headers(&mut r, &request_id);
            return Ok(settle_body(r, &ctx, body).await);
        }
        Some(FaultAction::ResetRequest) => {
            // Read a little of the body, then abort the connection.
            let _ = body.next().await;
            return Err("injected fault: connection reset mid-request".into());
        }
        other => resp_fault = other,
    }

    let result = async {
        if ctx.target.bad_path {
            return Err(OssErr::new(
                400,
                "InvalidObjectName",
                "The specified object name is not valid UTF-8.",
            ));
        }
        let rv = RequestToVerify {
            method: ctx.method.as_str(),
            raw_query: parts.uri.query(),
            headers: &ctx.headers,
            bucket: ctx.target.bucket.as_deref(),
            key: ctx.target.key.as_deref(),
        };
        let creds = &shared.settings.credentials;
        verify::verify_with_cache(
            &rv,
            &shared.settings.region,
            "oss",
            shared.now(),
            |ak| creds.iter().find(|c| c.access_key_id() == ak).cloned(),
            Some(&shared.key_cache),
        )
        .map_err(|e| map_verify(e, shared.now_secs()))?;
        body.expect_sha256(&ctx.headers)?;
        handlers::check_sse_placement(&ctx)?;
        handlers::dispatch(&shared, &ctx, &mut body).await
    }
    .await;

    let mut resp = match result {
        Ok(r) => r,
        Err(e) => error_response(&e, &request_id, &host, head),
    };
    finish_headers(&mut resp, &request_id);
    // As OSS: the milliseconds the server spent on the request (the body, when streamed,
    // is sent afterwards).
    resp.headers_mut().insert(
        "x-oss-server-time",
        HeaderValue::from(started.elapsed().as_millis() as u64),
    );
    let mut resp = settle_body(resp, &ctx, body).await;
    if let Some(f) = resp_fault {
        resp = apply_response_fault(resp, f).await;
    }
    Ok(resp)
}

/// Deals with a request body the handler did not read to its end (an early error). A client
/// that writes its whole body before reading (as the official Java SDK does) must still get
/// the answer, and one that waits for the answer before sending its body must get it too: so
/// the answer goes now and the rest of the body is read and discarded in the background, up
/// to [`DRAIN_LIMIT`] (the connection stays usable). A body declared larger than that, or of
/// unknown length, closes the connection after the answer, and the answer says so (RFC 9112
/// §9.6). A client that sent `Expect: 100-continue` has sent nothing yet: it is answered at
/// once, without `100 Continue`, and the connection closes.
async fn settle_body(mut resp: Resp, ctx: &Ctx, mut body: ReqBody) -> Resp {
    let closing = resp
        .headers()
        .get(http::header::CONNECTION)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"));
    if !body.has_unread() || closing {
        return resp;
    }
    let close = || HeaderValue::from_static("close");
    let expects_continue = ctx
        .headers
        .get(http::header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    if expects_continue && body.untouched() {
        resp.headers_mut().insert(http::header::CONNECTION, close());
        return resp;
    }
    if !body.remaining_at_most(DRAIN_LIMIT) {
        resp.headers_mut().insert(http::header::CONNECTION, close());
    }
    tokio::spawn(async move {
        body.drain(DRAIN_LIMIT).await;
    });
    resp
}

fn finish_headers(resp: &mut Resp, request_id: &str) {
    let h = resp.headers_mut();
    h.insert(
        X_OSS_REQUEST_ID,
        HeaderValue::from_str(request_id).expect("hex id"),
    );
    h.insert(SERVER, HeaderValue::from_static("AliyunOSS"));
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    if !h.contains_key(DATE) {
        h.insert(
            DATE,
            HeaderValue::from_str(&format_http_date(now)).expect("date"),
        );
    }
}

async fn apply_response_fault(resp: Resp, f: FaultAction) -> Resp {
    use futures_util::StreamExt as _;
    let (mut parts, body) = resp.into_parts();
    match f {
        FaultAction::Corrupt => {
            let bytes = body
                .collect()
                .await
                .map(|c| c.to_bytes())
                .unwrap_or_default();
            if bytes.is_empty() || parts.status == StatusCode::NO_CONTENT {
                if let Some(v) = parts
                    .headers
                    .get(X_OSS_HASH_CRC64ECMA)
                    .and_then(|v| v.to_str().ok())
                {
                    let bad = v.parse::<u64>().unwrap_or(0) ^ 0x5A5A;
                    parts
                        .headers
                        .insert(X_OSS_HASH_CRC64ECMA, HeaderValue::from(bad));
                }
                Response::from_parts(parts, full(bytes))
            } else {
                let mut v = bytes.to_vec();
                let mid = v.len() / 2;
                v[mid] ^= 0xFF;
                Response::from_parts(parts, full(v))
            }
        }
        FaultAction::ResetResponse { after_bytes } | FaultAction::Truncate { after_bytes } => {
            // Send at most `after_bytes` of the body, then fail it: hyper aborts the
            // connection, so the client sees a reset / an early EOF.
            let stream = http_body_util::BodyStream::new(body);
            let reset = || -> BoxError { "injected fault: connection reset".into() };
            // state: (body, bytes sent, finished streaming)
            let limited = futures_util::stream::unfold(
                (Box::pin(stream), 0u64, false),
                move |(mut s, sent, cut)| async move {
                    if cut {
                        return None;
                    }
                    let data = match s.next().await {
                        Some(Ok(frame)) => frame.into_data().ok(),
                        _ => None,
                    };
                    let Some(data) = data else {
                        return Some((Err(reset()), (s, sent, true)));
                    };
                    let room = after_bytes.saturating_sub(sent);
                    if (data.len() as u64) < room {
                        let n = data.len() as u64;
                        Some((Ok(hyper::body::Frame::data(data)), (s, sent + n, false)))
                    } else {
                        Some((
                            Ok(hyper::body::Frame::data(data.slice(..room as usize))),
                            (s, after_bytes, true),
                        ))
                    }
                },
            )
            .chain(futures_util::stream::once(async move { Err(reset()) }));
            Response::from_parts(
                parts,
                BodyExt::boxed_unsync(http_body_util::StreamBody::new(limited)),
            )
        }
        FaultAction::Stall { after_bytes, ms } => {
            // Send `after_bytes`, sleep, then the rest.
            // state: (body, bytes sent, the tail of the frame split at the pause, paused yet)
            let stream = http_body_util::BodyStream::new(body);
            let paused = futures_util::stream::unfold(
                (Box::pin(stream), 0u64, None::<Bytes>, false),
                move |(mut s, sent, tail, slept)| async move {
                    if let Some(tail) = tail {
                        tokio::time::sleep(Duration::from_millis(ms)).await;
                        return Some((Ok(hyper::body::Frame::data(tail)), (s, sent, None, true)));
                    }
                    let data = match s.next().await? {
                        Ok(frame) => frame.into_data().unwrap_or_default(),
                        Err(e) => return Some((Err(e), (s, sent, None, true))),
                    };
                    let room = after_bytes.saturating_sub(sent);
                    if slept || (data.len() as u64) < room {
                        let n = data.len() as u64;
                        return Some((
                            Ok(hyper::body::Frame::data(data)),
                            (s, sent + n, None, slept),
                        ));
                    }
                    let head = data.slice(..room as usize);
                    let tail = data.slice(room as usize..);
                    Some((
                        Ok(hyper::body::Frame::data(head)),
                        (s, after_bytes, Some(tail), false),
                    ))
                },
            );
            Response::from_parts(
                parts,
                BodyExt::boxed_unsync(http_body_util::StreamBody::new(paused)),
            )
        }
        _ => Response::from_parts(parts, body),
    }
}
