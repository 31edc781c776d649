//! The client: signs, sends, retries and parses every core operation.

use std::future::Future;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::{Request, Response, response};
use http_body_util::BodyExt;
use oss_sse_core::crc::Crc64;
use oss_sse_core::ops::{
    CopyObject, DeleteBucket, DeleteBucketEncryption, DeleteObject, GetBucketEncryption,
    GetBucketInfo, GetObject, HeadObject, ObjectHead, Operation, OssResource, PutBucket,
    PutBucketEncryption, StreamingOperation, UploadChecksum,
};
use oss_sse_core::sign::{PresignedRequest, SignatureVersion, Signer};
use oss_sse_core::{AddressingStyle, Config, Credentials, EndpointType, ServerSideEncryptionRule};
use tracing::Instrument;

use crate::body::{Activity, ByteStream, UploadBody};
use crate::credentials::{CredentialsProvider, StaticProvider};
use crate::error::{Error, IntegrityError, TransportError, TransportErrorKind};
use crate::retry::RetryPolicy;
use crate::transport::{Body, HttpSend, HyperTransport, TransportConfig};

/// Timeouts. The read timeout is an idle timeout: it fires when no bytes move for that long,
/// in either direction, so large transfers are not cut off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// TCP + TLS connect.
    pub connect: Duration,
    /// No bytes sent or received for this long.
    pub read: Duration,
    /// The whole operation, retries included (`None`: unlimited).
    pub operation: Option<Duration>,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            read: Duration::from_secs(20),
            operation: None,
        }
    }
}

/// Builds a [`Client`].
#[must_use]
pub struct ClientBuilder {
    region: String,
    endpoint: Option<String>,
    endpoint_type: EndpointType,
    style: Option<AddressingStyle>,
    provider: Option<Arc<dyn CredentialsProvider>>,
    version: SignatureVersion,
    retry: RetryPolicy,
    timeouts: Timeouts,
    crc_upload: bool,
    crc_download: bool,
    transport: Option<Arc<dyn HttpSend>>,
    clock_offset: Duration,
    clock_offset_negative: bool,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// A custom endpoint (`https://…`, `http://127.0.0.1:9000`, a CNAME).
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }
    /// Which endpoint to derive from the region (public by default).
    pub fn endpoint_type(mut self, t: EndpointType) -> Self {
        self.endpoint_type = t;
        self
    }
    /// Addressing style (virtual-hosted by default; path style for IP endpoints).
    pub fn addressing_style(mut self, s: AddressingStyle) -> Self {
        self.style = Some(s);
        self
    }
    /// Fixed credentials.
    pub fn credentials(mut self, c: Credentials) -> Self {
        self.provider = Some(Arc::new(StaticProvider::new(c)));
        self
    }
    /// A credentials provider (environment, ECS role, chain, custom).
    pub fn credentials_provider(mut self, p: impl CredentialsProvider) -> Self {
        self.provider = Some(Arc::new(p));
        self
    }
    /// V4 (default) or V1.
    pub fn signature_version(mut self, v: SignatureVersion) -> Self {
        self.version = v;
        self
    }
    /// Retry policy.
    pub fn retry(mut self, r: RetryPolicy) -> Self {
        self.retry = r;
        self
    }
    /// Timeouts.
    pub fn timeouts(mut self, t: Timeouts) -> Self {
        self.timeouts = t;
        self
    }
    /// Connect timeout.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.timeouts.connect = d;
        self
    }
    /// Idle read/write timeout.
    pub fn read_timeout(mut self, d: Duration) -> Self {
        self.timeouts.read = d;
        self
    }
    /// Whole-operation timeout.
    pub fn operation_timeout(mut self, d: Duration) -> Self {
        self.timeouts.operation = Some(d);
        self
    }
    /// Check CRC-64 of uploads (default on).
    pub fn crc_upload_check(mut self, on: bool) -> Self {
        self.crc_upload = on;
        self
    }
    /// Check CRC-64 of full-object downloads (default on).
    pub fn crc_download_check(mut self, on: bool) -> Self {
        self.crc_download = on;
        self
    }
    /// Send through your own transport instead of hyper.
    pub fn transport(mut self, t: impl HttpSend) -> Self {
        self.transport = Some(Arc::new(t));
        self
    }
    /// Start with the signing clock this far ahead of the local clock.
    pub fn clock_offset(mut self, ahead: Duration) -> Self {
        self.clock_offset = ahead;
        self.clock_offset_negative = false;
        self
    }
    /// Start with the signing clock this far behind the local clock.
    pub fn clock_offset_behind(mut self, behind: Duration) -> Self {
        self.clock_offset = behind;
        self.clock_offset_negative = true;
        self
    }

    /// Validates the configuration and builds the client (one connection pool).
    pub fn build(self) -> Result<Client, Error> {
        let mut cb = Config::builder(&self.region).endpoint_type(self.endpoint_type);
        if let Some(e) = &self.endpoint {
            cb = cb.endpoint(e.clone());
        }
        if let Some(s) = self.style {
            cb = cb.addressing_style(s);
        }
        let config = cb.build()?;
        let provider = self.provider.ok_or_else(|| {
            Error::Build(oss_sse_core::error::BuildError::new(
                "credentials",
                "no credentials or credentials provider was configured",
            ))
        })?;
        let transport = self.transport.unwrap_or_else(|| {
            let cfg = TransportConfig {
                connect_timeout: self.timeouts.connect,
                ..TransportConfig::default()
            };
            Arc::new(HyperTransport::new(&cfg))
        });
        let off = i64::try_from(self.clock_offset.as_millis()).unwrap_or(i64::MAX);
        Ok(Client {
            inner: Arc::new(Inner {
                config,
                signer: Signer::new(self.version),
                provider,
                transport,
                retry: self.retry,
                timeouts: self.timeouts,
                crc_upload: self.crc_upload,
                crc_download: self.crc_download,
                clock_offset_ms: AtomicI64::new(if self.clock_offset_negative {
                    -off
                } else {
                    off
                }),
                attempts: std::sync::atomic::AtomicU64::new(0),
                retries: std::sync::atomic::AtomicU64::new(0),
            }),
        })
    }
}

struct Inner {
    config: Config,
    signer: Signer,
    provider: Arc<dyn CredentialsProvider>,
    transport: Arc<dyn HttpSend>,
    retry: RetryPolicy,
    timeouts: Timeouts,
    crc_upload: bool,
    crc_download: bool,
    clock_offset_ms: AtomicI64,
    attempts: std::sync::atomic::AtomicU64,
    retries: std::sync::atomic::AtomicU64,
}

/// Counters of what a client did (shared by its clones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ClientMetrics {
    /// HTTP attempts made (first tries and retries).
    pub attempts: u64,
    /// Attempts that were retries.
    pub retries: u64,
}

/// An OSS client. Cheap to clone (one shared connection pool); `Send + Sync`.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("region", &self.inner.config.region())
            .field("host", &self.inner.config.host())
            .field("signature_version", &self.inner.signer.version())
            .field("credentials", &self.inner.provider)
            .finish_non_exhaustive()
    }
}

/// Whether a 2xx upload response is checked against the CRC of what was sent.
#[derive(Clone, Copy, PartialEq, Eq)]
enum UploadCrc {
    Off,
    /// Compare with the CRC of the bytes sent.
    Body,
    /// Compare with `prev ⊕ body` (AppendObject, whose server CRC covers the whole object).
    Append {
        prev: u64,
    },
}

/// A GetObject in flight: its head, and its body as a stream.
#[derive(Debug)]
pub struct GetObjectStream {
    /// Headers, including the declared encryption.
    pub head: ObjectHead,
    /// The (decrypted) bytes; a full-object read verifies CRC-64 at its end.
    pub body: ByteStream,
}

impl Client {
    /// Starts a builder for `region` (the region id, e.g. `cn-hangzhou`).
    pub fn builder(region: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            region: region.into(),
            endpoint: None,
            endpoint_type: EndpointType::Public,
            style: None,
            provider: None,
            version: SignatureVersion::V4,
            retry: RetryPolicy::default(),
            timeouts: Timeouts::default(),
            crc_upload: true,
            crc_download: true,
            transport: None,
            clock_offset: Duration::ZERO,
            clock_offset_negative: false,
        }
    }

    pub(crate) fn crc_download_enabled(&self) -> bool {
        self.inner.crc_download
    }

    pub(crate) fn max_attempts(&self) -> u32 {
        self.inner.retry.max_attempts.max(1)
    }

    /// Attempts and retries made so far by this client and its clones.
    pub fn metrics(&self) -> ClientMetrics {
        ClientMetrics {
            attempts: self.inner.attempts.load(Ordering::Relaxed),
            retries: self.inner.retries.load(Ordering::Relaxed),
        }
    }

    /// The request configuration (region, endpoint, style).
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The current signing-clock correction in milliseconds (learned from
    /// `RequestTimeTooSkewed`).
    pub fn clock_offset_ms(&self) -> i64 {
        self.inner.clock_offset_ms.load(Ordering::Relaxed)
    }

    fn now(&self) -> SystemTime {
        let off = self.clock_offset_ms();
        let now = SystemTime::now();
        let d = Duration::from_millis(off.unsigned_abs());
        // The offset comes from a server's clock: never let it overflow ours.
        if off >= 0 {
            now.checked_add(d)
        } else {
            now.checked_sub(d)
        }
        .unwrap_or(now)
    }

    fn learn_skew(&self, err: &oss_sse_core::ServiceError, date: Option<&str>) {
        let server = err
            .server_time()
            .or_else(|| date.and_then(oss_sse_core::time::parse_http_date));
        if let Some(server) = server {
            let local = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0);
            let off = server.saturating_mul(1000).saturating_sub(local);
            self.inner.clock_offset_ms.store(off, Ordering::Relaxed);
            tracing::warn!(
                offset_ms = off,
                "clock skew detected; correcting the signing clock"
            );
        }
    }

    async fn with_op_timeout<T>(
        &self,
        name: &'static str,
        f: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        match self.inner.timeouts.operation {
            None => f.await,
            Some(d) => tokio::time::timeout(d, f).await.unwrap_or_else(|_| {
                Err(Error::Transport(TransportError::new(
                    TransportErrorKind::Timeout,
                    format!("{name} did not finish within {} ms", d.as_millis()),
                )))
            }),
        }
    }

    #[allow(clippy::too_many_arguments)] // internal: one call's full context
    /// Signs and sends `req` (with `body`), retrying per the policy. `finish` turns a 2xx
    /// response into the result inside the attempt, so a failure while reading or checking it
    /// is retried too.
    async fn run<T, F, Fut>(
        &self,
        name: &'static str,
        req: Request<Bytes>,
        body: Option<&UploadBody>,
        idempotent: bool,
        crc_mode: UploadCrc,
        buffered: bool,
        finish: F,
    ) -> Result<T, Error>
    where
        F: Fn(response::Parts, Body) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let res = req
            .extensions()
            .get::<OssResource>()
            .cloned()
            .unwrap_or_default();
        let span = tracing::info_span!(
            "oss",
            op = name,
            bucket = res.bucket.as_deref().unwrap_or(""),
            key = res.key.as_deref().unwrap_or(""),
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            attempts = tracing::field::Empty,
        );
        let fut = async {
            let replayable = body.is_none_or(UploadBody::is_replayable);
            let max = self.inner.retry.max_attempts.max(1);
            let mut attempt = 0;
            loop {
                attempt += 1;
                self.inner.attempts.fetch_add(1, Ordering::Relaxed);
                if attempt > 1 {
                    self.inner.retries.fetch_add(1, Ordering::Relaxed);
                }
                let started = Instant::now();
                let out = self
                    .attempt(&req, &res, body, crc_mode, buffered, &finish)
                    .instrument(tracing::debug_span!("attempt", n = attempt))
                    .await;
                let e = match out {
                    Ok((v, status, request_id)) => {
                        let span = tracing::Span::current();
                        span.record("attempts", attempt);
                        span.record("status", status);
                        if let Some(id) = &request_id {
                            span.record("request_id", id.as_str());
                        }
                        tracing::debug!(latency_ms = started.elapsed().as_millis() as u64, "ok");
                        return Ok(v);
                    }
                    Err(e) => e,
                };
                let mut skew = false;
                if let Error::Service(s) = &e.error {
                    let span = tracing::Span::current();
                    span.record("status", s.status().as_u16());
                    if let Some(id) = s.request_id() {
                        span.record("request_id", id);
                    }
                    if s.code() == "RequestTimeTooSkewed" {
                        self.learn_skew(s, e.date.as_deref());
                        skew = true;
                    }
                }
                // A non-idempotent request is retried only when the server provably did not
                // act on it: it never left (connect error) or the server refused it.
                let safe = idempotent || !e.sent || matches!(e.error, Error::Service(_));
                // A 2xx whose body cannot be parsed (garbled by a proxy or a bad link) is
                // retried for idempotent operations only: repeating them is harmless.
                let retryable =
                    e.error.is_retryable() || (idempotent && matches!(e.error, Error::Parse(_)));
                let retry = attempt < max && replayable && safe && retryable;
                tracing::debug!(
                    attempt,
                    retry,
                    latency_ms = started.elapsed().as_millis() as u64,
                    error = %e.error,
                    "attempt failed"
                );
                if !retry {
                    tracing::Span::current().record("attempts", attempt);
                    return Err(e.error);
                }
                if !skew {
                    tokio::time::sleep(self.inner.retry.backoff(attempt)).await;
                }
            }
        };
        self.with_op_timeout(name, fut).instrument(span).await
    }

    /// One signed exchange.
    async fn attempt<T, F, Fut>(
        &self,
        req: &Request<Bytes>,
        res: &OssResource,
        body: Option<&UploadBody>,
        crc_mode: UploadCrc,
        buffered: bool,
        finish: &F,
    ) -> Result<(T, u16, Option<String>), AttemptError>
    where
        F: Fn(response::Parts, Body) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let not_sent = |error: Error| AttemptError {
            error,
            date: None,
            sent: false,
        };
        let creds = self
            .inner
            .provider
            .credentials()
            .await
            .map_err(|e| not_sent(e.into()))?;
        let mut head = Request::builder()
            .method(req.method().clone())
            .uri(req.uri().clone())
            .body(())
            .map_err(|e| {
                not_sent(Error::Build(oss_sse_core::BuildError::new(
                    "url",
                    e.to_string(),
                )))
            })?;
        // A fresh map with room for the signer's headers (a clone has none: the first header
        // signing adds would reallocate it).
        let mut headers = http::HeaderMap::with_capacity(req.headers().len() + 5);
        for (name, value) in req.headers() {
            headers.append(name.clone(), value.clone());
        }
        *head.headers_mut() = headers;
        let ctx = oss_sse_core::SigningContext::new(self.inner.config.region())
            .product(self.inner.config.product())
            .resource(res.bucket.as_deref(), res.key.as_deref());
        self.inner
            .signer
            .sign(&mut head, &creds, &ctx, self.now())
            .map_err(|e| not_sent(e.into()))?;
        let crc = Arc::new(Mutex::new(Crc64::new()));
        let activity = Activity::new();
        let http_body = match body {
            Some(b) => b
                .attempt(crc.clone(), activity.clone())
                .await
                .map_err(not_sent)?
                .ok_or_else(|| {
                    not_sent(Error::Transport(TransportError::new(
                        TransportErrorKind::Body,
                        "the upload stream was already consumed by an earlier attempt",
                    )))
                })?,
            None => {
                if crc_mode != UploadCrc::Off {
                    crc.lock().expect("crc lock").update(req.body());
                }
                activity.touch();
                http_body_util::Full::new(req.body().clone())
                    .map_err(|e| match e {})
                    .boxed_unsync()
            }
        };
        let (parts, ()) = head.into_parts();
        let send = self
            .inner
            .transport
            .send(Request::from_parts(parts, http_body));
        tokio::pin!(send);
        let read = self.inner.timeouts.read;
        let resp = loop {
            let idle = activity.idle();
            if idle >= read {
                return Err(AttemptError {
                    error: Error::Transport(TransportError::new(
                        TransportErrorKind::Timeout,
                        format!("no data moved for {} ms", read.as_millis()),
                    )),
                    date: None,
                    sent: true,
                });
            }
            tokio::select! {
                r = &mut send => break r,
                () = tokio::time::sleep(read - idle) => {}
            }
        };
        let resp = resp.map_err(|e| AttemptError {
            sent: e.kind() != TransportErrorKind::Connect,
            error: Error::Transport(e),
            date: None,
        })?;
        let (parts, rbody) = resp.into_parts();
        let sent = |error: Error| AttemptError {
            error,
            date: None,
            sent: true,
        };
        let status = parts.status.as_u16();
        let request_id = parts
            .headers
            .get(oss_sse_core::headers::X_OSS_REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if !parts.status.is_success() {
            let bytes = ByteStream::new(rbody, read, None, "error")
                .collect()
                .await
                .map_err(sent)?;
            let date = parts
                .headers
                .get(http::header::DATE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let error: Error = oss_sse_core::ops::parse_error(&parts, &bytes).into();
            if buffered && !error.is_retryable() {
                // Let the operation interpret its own error statuses (GetBucketEncryption's
                // 404 NoSuchServerSideEncryptionRule is `Ok(None)`).
                let body = http_body_util::Full::new(bytes)
                    .map_err(|e| match e {})
                    .boxed_unsync();
                let v = finish(parts, body).await.map_err(sent)?;
                return Ok((v, status, request_id));
            }
            return Err(AttemptError {
                error,
                date,
                sent: true,
            });
        }
        if self.inner.crc_upload && crc_mode != UploadCrc::Off {
            let server = parts
                .headers
                .get(oss_sse_core::headers::X_OSS_HASH_CRC64ECMA)
                .and_then(|v| v.to_str().ok())
                .and_then(oss_sse_core::crc::parse_crc64_header);
            let c = crc.lock().expect("crc lock").clone();
            let client = match crc_mode {
                UploadCrc::Append { prev } => {
                    oss_sse_core::crc::crc64_combine(prev, c.value(), c.len())
                }
                _ => c.value(),
            };
            if let Some(server) = server
                && server != client
            {
                return Err(sent(Error::Integrity(IntegrityError {
                    operation: "upload",
                    client_crc64: client,
                    server_crc64: server,
                })));
            }
        }
        let v = finish(parts, rbody).await.map_err(sent)?;
        Ok((v, status, request_id))
    }
}

/// A failed attempt: the error, the response `Date` (for clock-skew correction), and whether
/// the request may have reached the server.
struct AttemptError {
    error: Error,
    date: Option<String>,
    sent: bool,
}

async fn collect(body: Body, read: Duration) -> Result<Bytes, Error> {
    ByteStream::new(body, read, None, "response")
        .collect()
        .await
}

// ---- public operations ----

impl Client {
    /// Sends any core operation whose body is in the request, buffering the response.
    pub async fn send<O>(&self, op: &O) -> Result<O::Output, Error>
    where
        O: Operation + Sync,
    {
        self.send_inner(op, None).await
    }

    /// Sends an upload operation built with its `streaming(..)` constructor (PutObject,
    /// UploadPart, AppendObject) with `body` streamed, never buffered whole. CRC-64 is
    /// computed as the bytes go and checked against OSS's.
    pub async fn send_with_body<O>(&self, op: &O, body: &UploadBody) -> Result<O::Output, Error>
    where
        O: Operation + Sync,
    {
        self.send_inner(op, Some(body)).await
    }

    async fn send_inner<O>(&self, op: &O, body: Option<&UploadBody>) -> Result<O::Output, Error>
    where
        O: Operation + Sync,
    {
        let req = op.to_request(&self.inner.config)?;
        if let Some(body) = body {
            let declared = req
                .headers()
                .get(http::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
            if declared != body.len() {
                return Err(Error::Build(oss_sse_core::BuildError::new(
                    "body",
                    format!(
                        "the body is {} bytes but the operation declares {declared}",
                        body.len()
                    ),
                )));
            }
        }
        // What OSS's CRC-64 answer says about the bytes sent: the operation knows.
        let crc = match op.upload_checksum() {
            UploadChecksum::Body => UploadCrc::Body,
            UploadChecksum::Appended { previous } => UploadCrc::Append { prev: previous },
            _ => UploadCrc::Off,
        };
        let read = self.inner.timeouts.read;
        self.run(
            O::NAME,
            req,
            body,
            op.is_idempotent(),
            crc,
            true,
            |parts, b| async move {
                let bytes = collect(b, read).await?;
                op.from_response(Response::from_parts(parts, bytes))
                    .map_err(Error::from)
            },
        )
        .await
    }

    /// Sends an operation (whose body is in the request) and returns the raw response, with
    /// the same signing, retries and timeouts as [`send`](Self::send); a non-2xx answer that
    /// is not retried is returned too, for the operation to interpret. For transports that
    /// look at a response before parsing it (the listing streams' pre-scan): `watch` is
    /// shown the status and the body so far as each chunk arrives (`true`: the body is
    /// complete), on every attempt, until it returns `true`.
    pub(crate) async fn send_raw_watching<O>(
        &self,
        op: &O,
        watch: &(dyn Fn(http::StatusCode, &[u8], bool) -> bool + Sync),
    ) -> Result<Response<Bytes>, Error>
    where
        O: Operation + Sync,
    {
        let req = op.to_request(&self.inner.config)?;
        let read = self.inner.timeouts.read;
        self.run(
            O::NAME,
            req,
            None,
            op.is_idempotent(),
            UploadCrc::Off,
            true,
            |parts, b| async move {
                let status = parts.status;
                let bytes = ByteStream::new(b, read, None, "response")
                    .collect_watching(|so_far, complete| watch(status, so_far, complete))
                    .await?;
                Ok(Response::from_parts(parts, bytes))
            },
        )
        .await
    }

    /// GetObject with the body as a stream. Retries cover everything up to the response
    /// head; the stream verifies CRC-64 at its end for full-object reads.
    pub async fn get_object(&self, op: &GetObject) -> Result<GetObjectStream, Error> {
        let req = op.to_request(&self.inner.config)?;
        let read = self.inner.timeouts.read;
        let check = self.inner.crc_download && op.is_full_object();
        self.run(
            GetObject::NAME,
            req,
            None,
            true,
            UploadCrc::Off,
            false,
            |parts, body| async move {
                let head = op.from_response_head(&parts)?;
                let expect = if check { head.hash_crc64 } else { None };
                Ok(GetObjectStream {
                    head,
                    body: ByteStream::new(body, read, expect, "GetObject"),
                })
            },
        )
        .await
    }

    /// GetObject into memory. A broken or corrupted body is retried as a whole.
    pub async fn get_object_bytes(
        &self,
        op: &GetObject,
    ) -> Result<oss_sse_core::ops::GetObjectOutput, Error> {
        let req = op.to_request(&self.inner.config)?;
        let read = self.inner.timeouts.read;
        let check = self.inner.crc_download && op.is_full_object();
        self.run(
            GetObject::NAME,
            req,
            None,
            true,
            UploadCrc::Off,
            false,
            |parts, body| async move {
                let head = op.from_response_head(&parts)?;
                let expect = if check { head.hash_crc64 } else { None };
                let body = ByteStream::new(body, read, expect, "GetObject")
                    .collect()
                    .await?;
                Ok(oss_sse_core::ops::GetObjectOutput::new(head, body))
            },
        )
        .await
    }

    /// A presigned request for `op`, valid for `expires` (at most 7 days with V4).
    pub async fn presign<O: Operation>(
        &self,
        op: &O,
        expires: Duration,
    ) -> Result<PresignedRequest, Error> {
        let req = op.to_request(&self.inner.config)?;
        let creds = self.inner.provider.credentials().await?;
        self.inner
            .signer
            .presign_operation_request(
                &req,
                &creds,
                self.inner.config.region(),
                self.inner.config.product(),
                self.now(),
                expires,
            )
            .map_err(Error::from)
    }

    // -- bucket encryption --

    /// Sets the bucket's default encryption.
    pub async fn put_bucket_encryption(
        &self,
        bucket: &str,
        rule: ServerSideEncryptionRule,
    ) -> Result<oss_sse_core::ops::PutBucketEncryptionOutput, Error> {
        self.send(&PutBucketEncryption::new(bucket, rule)).await
    }

    /// The bucket's default encryption; `None` when no rule is set.
    pub async fn get_bucket_encryption(
        &self,
        bucket: &str,
    ) -> Result<Option<ServerSideEncryptionRule>, Error> {
        self.send(&GetBucketEncryption::new(bucket)).await
    }

    /// Removes the bucket's default encryption.
    pub async fn delete_bucket_encryption(
        &self,
        bucket: &str,
    ) -> Result<oss_sse_core::ops::DeleteBucketEncryptionOutput, Error> {
        self.send(&DeleteBucketEncryption::new(bucket)).await
    }

    // -- buckets --

    /// Creates a bucket.
    pub async fn put_bucket(
        &self,
        bucket: &str,
    ) -> Result<oss_sse_core::ops::PutBucketOutput, Error> {
        self.send(&PutBucket::new(bucket)).await
    }

    /// Deletes an empty bucket.
    pub async fn delete_bucket(
        &self,
        bucket: &str,
    ) -> Result<oss_sse_core::ops::DeleteBucketOutput, Error> {
        self.send(&DeleteBucket::new(bucket)).await
    }

    /// A bucket's properties, including its default encryption.
    pub async fn get_bucket_info(
        &self,
        bucket: &str,
    ) -> Result<oss_sse_core::ops::BucketInfo, Error> {
        self.send(&GetBucketInfo::new(bucket)).await
    }

    // -- objects --

    /// An object's metadata and declared encryption.
    pub async fn head_object(&self, bucket: &str, key: &str) -> Result<ObjectHead, Error> {
        self.send(&HeadObject::new(bucket, key)).await
    }

    /// Deletes an object.
    pub async fn delete_object(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<oss_sse_core::ops::DeleteObjectOutput, Error> {
        self.send(&DeleteObject::new(bucket, key)).await
    }

    /// Copies an object (SSE as the operation says, never carried from the source).
    pub async fn copy_object(
        &self,
        op: &CopyObject,
    ) -> Result<oss_sse_core::ops::CopyObjectOutput, Error> {
        self.send(op).await
    }
}
