//! The pluggable transport: "send this request, give me the response".

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::BodyExt;
use http_body_util::combinators::UnsyncBoxBody;
use hyper_util::client::legacy::Client as LegacyClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::error::{TransportError, TransportErrorKind};

/// Boxed error inside bodies.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// A request or response body: a stream of byte frames.
pub type Body = UnsyncBoxBody<Bytes, BoxError>;
/// A boxed future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Sends one HTTP request. Non-2xx statuses are responses, not errors. Implement it to use
/// your own HTTP client or a test double; [`HyperTransport`] is the default.
pub trait HttpSend: Send + Sync + 'static {
    /// Sends `req` and returns the response head with a streaming body.
    fn send(&self, req: Request<Body>) -> BoxFuture<'_, Result<Response<Body>, TransportError>>;
}

/// Connection settings of [`HyperTransport`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TransportConfig {
    /// TCP + TLS connect timeout.
    pub connect_timeout: Duration,
    /// How long an idle pooled connection is kept.
    pub pool_idle_timeout: Duration,
    /// Idle connections kept per host.
    pub pool_max_idle_per_host: usize,
}

impl Default for TransportConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            pool_idle_timeout: Duration::from_secs(50),
            pool_max_idle_per_host: 64,
        }
    }
}

/// hyper 1 + hyper-rustls (webpki roots, ring), HTTP/1.1 and HTTP/2, one connection pool.
#[derive(Clone)]
pub struct HyperTransport {
    client: LegacyClient<hyper_rustls::HttpsConnector<HttpConnector>, Body>,
}

impl std::fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HyperTransport").finish_non_exhaustive()
    }
}

impl Default for HyperTransport {
    fn default() -> Self {
        Self::new(&TransportConfig::default())
    }
}

impl HyperTransport {
    /// A pooled transport.
    pub fn new(cfg: &TransportConfig) -> Self {
        let mut http = HttpConnector::new();
        http.set_connect_timeout(Some(cfg.connect_timeout));
        http.set_nodelay(true);
        http.enforce_http(false);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
            .expect("the ring provider supports the default protocol versions")
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(http);
        let client = LegacyClient::builder(TokioExecutor::new())
            .pool_idle_timeout(cfg.pool_idle_timeout)
            .pool_max_idle_per_host(cfg.pool_max_idle_per_host)
            .build(https);
        Self { client }
    }
}

fn classify(e: &hyper_util::client::legacy::Error) -> TransportErrorKind {
    if e.is_connect() {
        return TransportErrorKind::Connect;
    }
    let mut src: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = src {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return if io.kind() == std::io::ErrorKind::TimedOut {
                TransportErrorKind::Timeout
            } else {
                TransportErrorKind::Io
            };
        }
        if let Some(h) = s.downcast_ref::<hyper::Error>() {
            if h.is_timeout() {
                return TransportErrorKind::Timeout;
            }
            if h.is_user() {
                return TransportErrorKind::Body;
            }
            return TransportErrorKind::Io;
        }
        src = s.source();
    }
    TransportErrorKind::Other
}

impl HttpSend for HyperTransport {
    fn send(&self, req: Request<Body>) -> BoxFuture<'_, Result<Response<Body>, TransportError>> {
        Box::pin(async move {
            let resp = self.client.request(req).await.map_err(|e| {
                let kind = classify(&e);
                TransportError::new(kind, "request failed").with_source(e)
            })?;
            Ok(resp.map(|b| b.map_err(|e| Box::new(e) as BoxError).boxed_unsync()))
        })
    }
}
