//! `oss_sse.sansio`: the request configuration, unsigned requests, signing, and parsing
//! error responses, for callers that bring their own HTTP client.

use bytes::Bytes;
use oss_sse_core::ops::OssResource;
use oss_sse_core::sign::{SignatureVersion, Signer, SigningContext};
use oss_sse_core::{AddressingStyle, Config, Credentials, EndpointType, Scheme};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::conv;
use crate::errors::{client_error, core_err, service_error_value};

/// Where requests go: region, endpoint, scheme and addressing style.
///
/// Parameters
/// ----------
/// region : str
///     Region id, e.g. ``"cn-hangzhou"`` (no ``oss-`` prefix).
/// endpoint : str, optional
///     ``"oss-cn-hangzhou.aliyuncs.com"``, ``"https://..."``, ``"http://127.0.0.1:9000"``
///     or a CNAME; derived from the region when omitted.
/// endpoint_type : str, optional
///     ``"public"`` (default), ``"internal"``, ``"dual-stack"``, ``"accelerate"`` or
///     ``"accelerate-overseas"``.
/// addressing_style : str, optional
///     ``"virtual-hosted"`` (default for domains), ``"path"`` (default for IPs and
///     localhost) or ``"cname"``.
/// scheme : str, optional
///     ``"https"`` (default) or ``"http"``.
/// product : str, optional
///     Signing product: ``"oss"`` (default) or ``"oss-cloudbox"``.
///
/// Raises
/// ------
/// ClientError
///     For an invalid region, endpoint or choice.
#[pyclass(frozen, name = "Config", module = "oss_sse._oss_sse")]
#[derive(Debug, Clone)]
pub(crate) struct PyConfig(pub(crate) Config);

pub(crate) const STYLES: &[(&str, AddressingStyle)] = &[
    ("virtual-hosted", AddressingStyle::VirtualHosted),
    ("path", AddressingStyle::Path),
    ("cname", AddressingStyle::Cname),
];

pub(crate) const ENDPOINT_TYPES: &[(&str, EndpointType)] = &[
    ("public", EndpointType::Public),
    ("internal", EndpointType::Internal),
    ("dual-stack", EndpointType::DualStack),
    ("accelerate", EndpointType::Accelerate),
    ("accelerate-overseas", EndpointType::AccelerateOverseas),
];

pub(crate) const VERSIONS: &[(&str, SignatureVersion)] =
    &[("v4", SignatureVersion::V4), ("v1", SignatureVersion::V1)];

#[pymethods]
impl PyConfig {
    #[new]
    #[pyo3(signature = (region, *, endpoint=None, endpoint_type=None, addressing_style=None, scheme=None, product=None))]
    fn new(
        region: &str,
        endpoint: Option<String>,
        endpoint_type: Option<&str>,
        addressing_style: Option<&str>,
        scheme: Option<&str>,
        product: Option<String>,
    ) -> PyResult<Self> {
        let mut b = Config::builder(region);
        if let Some(e) = endpoint {
            b = b.endpoint(e);
        }
        if let Some(t) = endpoint_type {
            b = b.endpoint_type(conv::choice(t, "endpoint_type", ENDPOINT_TYPES)?);
        }
        if let Some(s) = addressing_style {
            b = b.addressing_style(conv::choice(s, "addressing_style", STYLES)?);
        }
        if let Some(s) = scheme {
            b = b.scheme(conv::choice(
                s,
                "scheme",
                &[("https", Scheme::Https), ("http", Scheme::Http)],
            )?);
        }
        if let Some(p) = product {
            b = b.product(p);
        }
        b.build().map(Self).map_err(|e| core_err(e.into()))
    }

    /// Signing region.
    #[getter]
    fn region(&self) -> &str {
        self.0.region()
    }

    /// Signing product (``"oss"``).
    #[getter]
    fn product(&self) -> &str {
        self.0.product()
    }

    /// ``"https"`` or ``"http"``.
    #[getter]
    fn scheme(&self) -> &'static str {
        self.0.scheme().as_str()
    }

    /// Endpoint host, with a port when one was given.
    #[getter]
    fn host(&self) -> &str {
        self.0.host()
    }

    /// ``"virtual-hosted"``, ``"path"`` or ``"cname"``.
    #[getter]
    fn addressing_style(&self) -> &'static str {
        STYLES
            .iter()
            .find(|(_, s)| *s == self.0.addressing_style())
            .map_or("virtual-hosted", |(n, _)| n)
    }

    /// Region, host and style.
    fn __repr__(&self) -> String {
        format!(
            "Config(region={}, host={}, scheme={}, addressing_style={})",
            conv::repr(self.region()),
            conv::repr(self.host()),
            conv::repr(self.scheme()),
            conv::repr(self.addressing_style())
        )
    }
}

/// An unsigned request built by an operation's ``to_request``.
///
/// ``headers`` are ``(name, value)`` pairs; ``bucket`` and the decoded ``key`` are what
/// ``sign`` needs besides method, URL and headers.
#[pyclass(frozen, name = "Request", module = "oss_sse._oss_sse")]
#[derive(Debug)]
pub(crate) struct PyRequest {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Py<PyBytes>,
    bucket: Option<String>,
    key: Option<String>,
}

impl PyRequest {
    pub(crate) fn from_http(py: Python<'_>, req: http::Request<Bytes>) -> Self {
        let res = req
            .extensions()
            .get::<OssResource>()
            .cloned()
            .unwrap_or_default();
        Self {
            method: req.method().to_string(),
            url: req.uri().to_string(),
            headers: conv::header_list(req.headers()),
            body: crate::ops::body_bytes(py, req.body()),
            bucket: res.bucket,
            key: res.key,
        }
    }
}

#[pymethods]
impl PyRequest {
    /// HTTP method.
    #[getter]
    fn method(&self) -> &str {
        &self.method
    }

    /// Absolute URL, percent-encoded.
    #[getter]
    fn url(&self) -> &str {
        &self.url
    }

    /// Headers as ``(name, value)`` pairs.
    #[getter]
    fn headers(&self) -> Vec<(String, String)> {
        self.headers.clone()
    }

    /// The body.
    #[getter]
    fn body(&self, py: Python<'_>) -> Py<PyBytes> {
        self.body.clone_ref(py)
    }

    /// The bucket (for signing), or None for service-level requests.
    #[getter]
    fn bucket(&self) -> Option<&str> {
        self.bucket.as_deref()
    }

    /// The decoded object key (for signing), or None for bucket-level requests.
    #[getter]
    fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// Method and URL.
    fn __repr__(&self) -> String {
        format!(
            "Request(method={}, url={})",
            conv::repr(&self.method),
            conv::repr(&self.url)
        )
    }
}

/// A signed request (``sign``): send ``method`` to ``url`` with ``headers``.
///
/// For header signing, ``headers`` are all the request's headers with ``Authorization``,
/// ``Date`` and (V4) ``x-oss-date`` / ``x-oss-content-sha256`` added; for a presigned URL
/// (``expires`` given), they are the signed headers the URL's user must send, and
/// ``expiration`` is when OSS stops accepting it. ``canonical_request`` (V4),
/// ``string_to_sign`` and ``signature`` show each signing stage.
#[pyclass(frozen, name = "SignedRequest", module = "oss_sse._oss_sse")]
#[derive(Debug)]
pub(crate) struct PySignedRequest {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    expiration: Option<std::time::SystemTime>,
    canonical_request: Option<String>,
    string_to_sign: String,
    signature: String,
}

#[pymethods]
impl PySignedRequest {
    /// HTTP method.
    #[getter]
    fn method(&self) -> &str {
        &self.method
    }

    /// The URL to send to (the presigned URL when ``expires`` was given).
    #[getter]
    fn url(&self) -> &str {
        &self.url
    }

    /// Headers to send, as ``(name, value)`` pairs.
    #[getter]
    fn headers(&self) -> Vec<(String, String)> {
        self.headers.clone()
    }

    /// When a presigned URL expires (aware UTC datetime); None for header signing.
    #[getter]
    fn expiration<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.expiration.map(|t| conv::datetime(py, t)).transpose()
    }

    /// The V4 canonical request; None for V1.
    #[getter]
    fn canonical_request(&self) -> Option<&str> {
        self.canonical_request.as_deref()
    }

    /// The string that was signed.
    #[getter]
    fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }

    /// The signature: lower-case hex (V4) or base64 (V1).
    #[getter]
    fn signature(&self) -> &str {
        &self.signature
    }

    /// Method and URL.
    fn __repr__(&self) -> String {
        format!(
            "SignedRequest(method={}, url={})",
            conv::repr(&self.method),
            conv::repr(&self.url)
        )
    }
}

/// Signs a request with OSS Signature V4 (default) or V1, in headers or, with
/// ``expires``, as a presigned URL. Pure: the clock is never read.
///
/// Parameters
/// ----------
/// method : str
/// url : str
///     The absolute URL as it will be sent (percent-encoded).
/// headers : mapping or iterable of (name, value)
///     Request headers; values are signed trimmed.
/// access_key_id, access_key_secret : str
/// security_token : str, optional
///     STS token (sent as ``x-oss-security-token``).
/// region : str
///     Region id of the V4 scope, e.g. ``"cn-hangzhou"``.
/// bucket : str, optional
///     The bucket, as it appears in the canonical resource.
/// key : str, optional
///     The decoded object key.
/// version : str
///     ``"v4"`` (default) or ``"v1"``.
/// signing_time : datetime or float
///     An aware datetime or Unix seconds.
/// additional_headers : iterable of str
///     V4: extra header names to sign.
/// expires : float or timedelta, optional
///     Presign: the URL's lifetime (at most 7 days with V4).
///
/// Returns
/// -------
/// SignedRequest
///
/// Raises
/// ------
/// ClientError
///     For an invalid method, URL, header, version, time or lifetime.
#[pyfunction]
#[pyo3(signature = (method, url, headers, *, access_key_id, access_key_secret, security_token=None, region, bucket=None, key=None, version="v4", signing_time, additional_headers=None, expires=None))]
#[pyo3(
    text_signature = "(method, url, headers, *, access_key_id, access_key_secret, security_token=None, region, bucket=None, key=None, version='v4', signing_time, additional_headers=(), expires=None)"
)]
#[allow(clippy::too_many_arguments)] // the documented signature
pub(crate) fn sign(
    method: &str,
    url: &str,
    headers: &Bound<'_, PyAny>,
    access_key_id: &str,
    access_key_secret: &str,
    security_token: Option<&str>,
    region: &str,
    bucket: Option<&str>,
    key: Option<&str>,
    version: &str,
    signing_time: &Bound<'_, PyAny>,
    additional_headers: Option<&Bound<'_, PyAny>>,
    expires: Option<&Bound<'_, PyAny>>,
) -> PyResult<PySignedRequest> {
    let version = conv::choice(version, "version", VERSIONS)?;
    let time = conv::time(signing_time, "signing_time")?;
    let expires = expires.map(|e| conv::duration(e, "expires")).transpose()?;
    let additional: Vec<String> = match additional_headers {
        Some(a) if !a.is_none() => a
            .try_iter()?
            .map(|n| n?.extract::<String>())
            .collect::<PyResult<_>>()?,
        _ => Vec::new(),
    };
    let additional: Vec<&str> = additional.iter().map(String::as_str).collect();
    let mut creds = Credentials::new(access_key_id, access_key_secret);
    if let Some(t) = security_token {
        creds = creds.with_security_token(t);
    }
    let method = http::Method::from_bytes(method.as_bytes())
        .map_err(|_| client_error("method", format!("{method:?} is not an HTTP method")))?;
    let uri: http::Uri = url
        .parse()
        .map_err(|e| client_error("url", format!("{url:?} is not a valid URL: {e}")))?;
    let mut req = http::Request::new(());
    *req.method_mut() = method;
    *req.uri_mut() = uri;
    *req.headers_mut() = conv::headers(Some(headers))?;
    let ctx = SigningContext::new(region)
        .resource(bucket, key)
        .additional_headers(&additional);
    let signer = Signer::new(version);
    match expires {
        None => {
            let parts = signer
                .sign_with_parts(&mut req, &creds, &ctx, time)
                .map_err(core_err)?;
            Ok(PySignedRequest {
                method: req.method().to_string(),
                url: req.uri().to_string(),
                headers: conv::header_list(req.headers()),
                expiration: None,
                canonical_request: parts.canonical_request,
                string_to_sign: parts.string_to_sign,
                signature: parts.signature,
            })
        }
        Some(exp) => {
            let (pre, parts) = signer
                .presign(&req, &creds, &ctx, time, exp)
                .map_err(core_err)?;
            Ok(PySignedRequest {
                method: pre.method.to_string(),
                url: pre.url,
                headers: pre
                    .signed_headers
                    .iter()
                    .map(|(n, v)| {
                        (
                            n.as_str().to_owned(),
                            String::from_utf8_lossy(v.as_bytes()).into_owned(),
                        )
                    })
                    .collect(),
                expiration: Some(pre.expiration),
                canonical_request: parts.canonical_request,
                string_to_sign: parts.string_to_sign,
                signature: parts.signature,
            })
        }
    }
}

/// The exception for an error response (any non-2xx status), returned, not raised:
/// reads the ``<Error>`` document or, for a body-less HEAD answer, the ``x-oss-err``
/// header.
///
/// Returns
/// -------
/// ServiceError
///     The subclass matching the status and code (``NotFoundError``...).
#[pyfunction]
#[pyo3(signature = (status, headers, body=None))]
pub(crate) fn parse_error<'py>(
    py: Python<'py>,
    status: u16,
    headers: &Bound<'py, PyAny>,
    body: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let body = match body {
        Some(b) if !b.is_none() => conv::data(b, "body")?,
        _ => Bytes::new(),
    };
    let mut resp = http::Response::new(());
    *resp.status_mut() = http::StatusCode::from_u16(status)
        .map_err(|_| client_error("status", format!("{status} is not an HTTP status")))?;
    *resp.headers_mut() = conv::headers(Some(headers))?;
    let (parts, ()) = resp.into_parts();
    match oss_sse_core::ops::parse_error(&parts, &body) {
        oss_sse_core::Error::Service(e) => service_error_value(py, &e),
        other => Err(core_err(other)),
    }
}
