//! # oss-sse-hyper
//!
//! The production client of oss-sse: every `oss-sse-core` operation over one pooled
//! hyper + rustls connection manager, with retries that re-sign (official v2 SDK defaults),
//! clock-skew correction, connect/idle/operation timeouts, streamed uploads and downloads,
//! CRC-64 checks end to end, credential providers and `tracing` spans.
//!
//! ```no_run
//! use oss_sse_hyper::{Client, oss_sse_core::{Credentials, ServerSideEncryptionRule}};
//! # async fn demo() -> Result<(), oss_sse_hyper::Error> {
//! let client = Client::builder("cn-hangzhou")
//!     .credentials(Credentials::new("akid", "secret"))
//!     .build()?;
//! client
//!     .put_bucket_encryption("examplebucket", ServerSideEncryptionRule::kms())
//!     .await?;
//! let rule = client.get_bucket_encryption("examplebucket").await?;
//! # Ok(()) }
//! ```

mod body;
mod client;
mod copy;
pub mod credentials;
mod error;
pub mod fleet;
mod listing;
mod retry;
mod transfer;
mod transport;

pub use body::{ByteStream, UploadBody};
pub use client::{Client, ClientBuilder, ClientMetrics, GetObjectStream, Timeouts};
pub use copy::{
    CopyOptions, CopyOutput, DEFAULT_COPY_PART_SIZE, DEFAULT_COPY_THRESHOLD, MetadataChange,
    TagsChange,
};
pub use credentials::{
    ChainProvider, CredentialsProvider, EcsRamRoleProvider, EnvironmentProvider, StaticProvider,
};
pub use error::{
    Cancelled, Cleanup, CredentialsError, Error, FileError, IntegrityError, Result, TransportError,
    TransportErrorKind,
};
pub use listing::AbortReport;
pub use oss_sse_core;
pub use retry::RetryPolicy;
/// The token that cancels a transfer ([`UploadOptions::with_cancel`]).
pub use tokio_util::sync::CancellationToken;
pub use transfer::{
    DownloadFileOutput, DownloadOptions, MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE, Progress,
    UploadFileOutput, UploadOptions,
};
pub use transport::{Body, BoxError, BoxFuture, HttpSend, HyperTransport, TransportConfig};
