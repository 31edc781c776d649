//! Errors: one [`Error`] with a kind per stage (build, sign, service, parse).
//!
//! `Display` describes only the failure at hand; the cause, if any, is reachable
//! through [`std::error::Error::source`] and is never repeated in the message.

use std::fmt;

use http::StatusCode;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every error the core can return.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The request could not be built from the given input. Nothing was sent.
    ///
    /// User action: fix the field named in the message.
    Build(BuildError),
    /// The request could not be signed. Nothing was sent.
    ///
    /// User action: check the credentials and signing parameters.
    Sign(SignError),
    /// OSS answered with a non-2xx status and (usually) an `<Error>` document.
    ///
    /// User action: match on [`ServiceError::kind`] or [`ServiceError::code`].
    Service(Box<ServiceError>),
    /// A response could not be interpreted.
    ///
    /// User action: usually a server or proxy problem; report it with the request id.
    Parse(ParseError),
}

impl Error {
    /// The service error, if this is one.
    pub fn as_service(&self) -> Option<&ServiceError> {
        match self {
            Self::Service(e) => Some(e),
            _ => None,
        }
    }

    /// Whether retrying the same request (re-signed) may succeed.
    ///
    /// Build and sign errors never are; service errors follow
    /// [`is_retryable_service_error`]; parse errors are not.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Service(e) => e.is_retryable(),
            _ => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Build(e) => e.fmt(f),
            Self::Sign(e) => e.fmt(f),
            Self::Service(e) => e.fmt(f),
            Self::Parse(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Parse(e) => e.source(),
            _ => None,
        }
    }
}

impl From<BuildError> for Error {
    fn from(e: BuildError) -> Self {
        Self::Build(e)
    }
}
impl From<SignError> for Error {
    fn from(e: SignError) -> Self {
        Self::Sign(e)
    }
}
impl From<ServiceError> for Error {
    fn from(e: ServiceError) -> Self {
        Self::Service(Box::new(e))
    }
}
impl From<ParseError> for Error {
    fn from(e: ParseError) -> Self {
        Self::Parse(e)
    }
}

/// Bad input found while building a request: names the offending field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    field: &'static str,
    reason: String,
}

impl BuildError {
    /// A build error for `field` (for custom operations and transports).
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }

    /// The name of the input field that was rejected (e.g. `bucket`, `key`,
    /// `server_side_encryption_key_id`).
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// Why it was rejected.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: {}", self.field, self.reason)
    }
}

impl std::error::Error for BuildError {}

/// Signing failed (bad signing parameters or a request that cannot be signed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignError {
    reason: String,
}

impl SignError {
    pub(crate) fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot sign request: {}", self.reason)
    }
}

impl std::error::Error for SignError {}

/// A response that could not be interpreted.
#[derive(Debug)]
pub struct ParseError {
    what: String,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl ParseError {
    pub(crate) fn new(what: impl Into<String>) -> Self {
        Self {
            what: what.into(),
            source: None,
        }
    }

    /// A parse error with only a message (for transports and custom parsers).
    pub fn other(what: impl Into<String>) -> Self {
        Self::new(what)
    }

    pub(crate) fn with_source(
        what: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self {
            what: what.into(),
            source: Some(Box::new(source)),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.what)
    }
}

impl std::error::Error for ParseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Coarse classification of a [`ServiceError`], for `match`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ServiceErrorKind {
    /// 404: no such bucket, key, upload or rule.
    NotFound,
    /// 403 other than clock skew: bad credentials, signature or permissions.
    AccessDenied,
    /// 409: the bucket or object already exists, or is not empty.
    Conflict,
    /// 412 / 304.
    PreconditionFailed,
    /// 400: bad argument, digest, XML or algorithm.
    InvalidArgument,
    /// 429 or a QPS/bandwidth limit code.
    RateLimited,
    /// 403 `RequestTimeTooSkewed`: the signing clock is off.
    ClockSkew,
    /// 5xx.
    ServerError,
    /// Anything else.
    Other,
}

/// OSS answered with an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    pub(crate) status: StatusCode,
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) request_id: Option<String>,
    pub(crate) host_id: Option<String>,
    pub(crate) ec: Option<String>,
    /// Every other child element of `<Error>`, in document order.
    pub(crate) fields: Vec<(String, String)>,
}

impl ServiceError {
    /// Build one by hand (test doubles, custom transports).
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            request_id: None,
            host_id: None,
            ec: None,
            fields: Vec::new(),
        }
    }

    /// HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
    /// OSS error code, e.g. `NoSuchKey`.
    pub fn code(&self) -> &str {
        &self.code
    }
    /// Human-readable message from OSS.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// `x-oss-request-id` / `<RequestId>`.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// `<HostId>`.
    pub fn host_id(&self) -> Option<&str> {
        self.host_id.as_deref()
    }
    /// The error's EC (`x-oss-ec` / `<EC>`), e.g. `0026-00000001`.
    pub fn ec(&self) -> Option<&str> {
        self.ec.as_deref()
    }
    /// Any other element of the `<Error>` document (`ServerTime`, `StringToSign`, `BucketName`, …).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    /// All other elements of the `<Error>` document.
    pub fn fields(&self) -> &[(String, String)] {
        &self.fields
    }

    /// `<ServerTime>` of a `RequestTimeTooSkewed` error, as Unix seconds.
    pub fn server_time(&self) -> Option<i64> {
        let v = self.field("ServerTime")?;
        crate::time::parse_iso8601(v)
    }

    /// The classification callers match on.
    pub fn kind(&self) -> ServiceErrorKind {
        classify(self.status, &self.code)
    }

    /// Whether the same request, re-signed, may succeed.
    pub fn is_retryable(&self) -> bool {
        is_retryable_service_error(self.status, &self.code)
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OSS error {} {}", self.status.as_u16(), self.code)?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(ec) = &self.ec {
            write!(f, " (ec {ec}")?;
            if let Some(id) = &self.request_id {
                write!(f, ", request id {id}")?;
            }
            f.write_str(")")?;
        } else if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ServiceError {}

fn classify(status: StatusCode, code: &str) -> ServiceErrorKind {
    match (status.as_u16(), code) {
        (_, "RequestTimeTooSkewed") => ServiceErrorKind::ClockSkew,
        (429, _)
        | (
            _,
            "QpsLimitExceeded"
            | "DownloadTrafficRateLimitExceeded"
            | "UploadTrafficRateLimitExceeded",
        ) => ServiceErrorKind::RateLimited,
        (404, _) => ServiceErrorKind::NotFound,
        (401 | 403, _) => ServiceErrorKind::AccessDenied,
        (409, _) => ServiceErrorKind::Conflict,
        (304 | 412, _) => ServiceErrorKind::PreconditionFailed,
        (400, _) => ServiceErrorKind::InvalidArgument,
        (500..=599, _) => ServiceErrorKind::ServerError,
        _ => ServiceErrorKind::Other,
    }
}

/// Retry classification shared by every transport (official v2 SDK rules):
/// 5xx, 408, 429, `RequestTimeTooSkewed`, `BadRequest`, and the rate-limit codes.
///
/// 401 is deliberately not retried here: it is retried only after a credential refresh,
/// which is the transport's decision.
pub fn is_retryable_service_error(status: StatusCode, code: &str) -> bool {
    let s = status.as_u16();
    s >= 500
        || s == 408
        || s == 429
        || matches!(
            code,
            "RequestTimeTooSkewed" | "BadRequest" | "QpsLimitExceeded"
        )
}
