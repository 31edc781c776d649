//! Errors of the client: the core's kinds (build, sign, service, parse) plus transport,
//! integrity, file and credential failures.

use std::fmt;
use std::path::PathBuf;

use oss_sse_core::{BuildError, ParseError, ServiceError, SignError};

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every error the client can return.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Bad input, found before anything was sent. User action: fix the named field.
    Build(BuildError),
    /// The request could not be signed. Nothing was sent.
    Sign(SignError),
    /// OSS answered with an error (after the retry budget, if it was retryable).
    Service(Box<ServiceError>),
    /// A response could not be interpreted.
    Parse(ParseError),
    /// The request could not be sent or the response not read.
    Transport(TransportError),
    /// The CRC-64 of the bytes sent or received differs from what OSS reports.
    Integrity(IntegrityError),
    /// A local file could not be read or written.
    File(FileError),
    /// No credentials could be obtained.
    Credentials(CredentialsError),
    /// The caller cancelled the operation (its [`tokio_util::sync::CancellationToken`]);
    /// what it had started was cleaned up as listed.
    Cancelled(Cancelled),
}

impl Error {
    /// The service error, if this is one.
    pub fn as_service(&self) -> Option<&ServiceError> {
        match self {
            Self::Service(e) => Some(e),
            _ => None,
        }
    }

    /// Whether the same request, re-signed, may succeed (service rules, transport kind,
    /// CRC mismatch).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Service(e) => e.is_retryable(),
            Self::Transport(t) => t.is_retryable(),
            Self::Integrity(_) => true,
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
            Self::Transport(e) => e.fmt(f),
            Self::Integrity(e) => e.fmt(f),
            Self::File(e) => e.fmt(f),
            Self::Credentials(e) => e.fmt(f),
            Self::Cancelled(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Parse(e) => std::error::Error::source(e),
            Self::Transport(e) => std::error::Error::source(e),
            Self::File(e) => std::error::Error::source(e),
            Self::Credentials(e) => std::error::Error::source(e),
            _ => None,
        }
    }
}

impl From<oss_sse_core::Error> for Error {
    fn from(e: oss_sse_core::Error) -> Self {
        match e {
            oss_sse_core::Error::Build(e) => Self::Build(e),
            oss_sse_core::Error::Sign(e) => Self::Sign(e),
            oss_sse_core::Error::Service(e) => Self::Service(e),
            oss_sse_core::Error::Parse(e) => Self::Parse(e),
            other => Self::Parse(ParseError::other(other.to_string())),
        }
    }
}

impl From<BuildError> for Error {
    fn from(e: BuildError) -> Self {
        Self::Build(e)
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        Self::Transport(e)
    }
}

impl From<CredentialsError> for Error {
    fn from(e: CredentialsError) -> Self {
        Self::Credentials(e)
    }
}

/// Something a cancelled operation had started, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cleanup {
    /// The multipart upload was aborted: OSS dropped its parts.
    AbortedUpload {
        /// Bucket.
        bucket: String,
        /// Key.
        key: String,
        /// The aborted upload.
        upload_id: String,
    },
    /// The multipart upload could not be aborted and is still open (it holds billable
    /// parts): abort it with `oss-sse uploads abort` or a lifecycle rule.
    UploadLeftOpen {
        /// Bucket.
        bucket: String,
        /// Key.
        key: String,
        /// The upload still open.
        upload_id: String,
    },
    /// A partial download was removed.
    RemovedFile(PathBuf),
}

impl fmt::Display for Cleanup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AbortedUpload {
                bucket,
                key,
                upload_id,
            } => write!(
                f,
                "aborted multipart upload {upload_id} of oss://{bucket}/{key}"
            ),
            Self::UploadLeftOpen {
                bucket,
                key,
                upload_id,
            } => write!(
                f,
                "could not abort multipart upload {upload_id} of oss://{bucket}/{key}: it is still open"
            ),
            Self::RemovedFile(p) => write!(f, "removed partial file {}", p.display()),
        }
    }
}

/// An operation stopped by its cancellation token.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Cancelled {
    /// What was undone (or could not be).
    pub cleaned: Vec<Cleanup>,
}

impl fmt::Display for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cancelled")?;
        for (i, c) in self.cleaned.iter().enumerate() {
            f.write_str(if i == 0 { ": " } else { "; " })?;
            c.fmt(f)?;
        }
        Ok(())
    }
}

/// What went wrong on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be made (refused, DNS, TLS). The request was not sent.
    Connect,
    /// A timeout fired (connect, read or whole operation).
    Timeout,
    /// The connection broke while sending or receiving (reset, early EOF).
    Io,
    /// The request body could not be produced (e.g. a reader failed).
    Body,
    /// Anything else.
    Other,
}

/// A failure to exchange bytes with OSS.
#[derive(Debug)]
pub struct TransportError {
    kind: TransportErrorKind,
    what: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl TransportError {
    /// A transport error (for custom [`crate::HttpSend`] implementations).
    pub fn new(kind: TransportErrorKind, what: impl Into<String>) -> Self {
        Self {
            kind,
            what: what.into(),
            source: None,
        }
    }

    /// With its cause.
    #[must_use]
    pub fn with_source(
        mut self,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        self.source = Some(source.into());
        self
    }

    /// The kind.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// Connect errors, timeouts and broken connections are retryable (when the body can be
    /// replayed, which the client checks).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            TransportErrorKind::Connect | TransportErrorKind::Timeout | TransportErrorKind::Io
        )
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let k = match self.kind {
            TransportErrorKind::Connect => "connect",
            TransportErrorKind::Timeout => "timeout",
            TransportErrorKind::Io => "connection",
            TransportErrorKind::Body => "request body",
            TransportErrorKind::Other => "transport",
        };
        write!(f, "{k} error: {}", self.what)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// The CRC-64 computed locally differs from OSS's `x-oss-hash-crc64ecma`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrityError {
    /// Which operation.
    pub operation: &'static str,
    /// CRC computed by the client.
    pub client_crc64: u64,
    /// CRC reported by OSS.
    pub server_crc64: u64,
}

impl fmt::Display for IntegrityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: crc64 is inconsistent, client {} server {}",
            self.operation, self.client_crc64, self.server_crc64
        )
    }
}

impl std::error::Error for IntegrityError {}

/// A local file problem.
#[derive(Debug)]
pub struct FileError {
    /// The file.
    pub path: PathBuf,
    /// What was being done.
    pub action: &'static str,
    source: std::io::Error,
}

impl FileError {
    pub(crate) fn new(
        path: impl Into<PathBuf>,
        action: &'static str,
        source: std::io::Error,
    ) -> Self {
        Self {
            path: path.into(),
            action,
            source,
        }
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot {} {}", self.action, self.path.display())
    }
}

impl std::error::Error for FileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// No credentials could be obtained from a provider.
#[derive(Debug)]
pub struct CredentialsError {
    what: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl CredentialsError {
    /// A credentials error (for custom providers).
    pub fn new(what: impl Into<String>) -> Self {
        Self {
            what: what.into(),
            source: None,
        }
    }

    /// With its cause.
    #[must_use]
    pub fn with_source(
        mut self,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        self.source = Some(source.into());
        self
    }
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no credentials: {}", self.what)
    }
}

impl std::error::Error for CredentialsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
