//! # oss-sse-core
//!
//! The sans-IO heart of oss-sse: it builds Alibaba Cloud OSS requests as [`http::Request`]
//! values, signs them (Signature V4 by default, V1 for older buckets), and turns
//! [`http::Response`] values into typed outputs or typed errors. It opens no sockets, reads
//! no files, environment or clock, and uses no randomness: the signing time is always an
//! argument. Bring any HTTP client; `oss-sse-hyper` is the ready-made one.
//!
//! The contract, per call: **build** (`Operation::to_request`, validated, unsigned, URI
//! encoded once) → **sign** ([`sign::Signer::sign`] at a time you pass in; the request is
//! unchanged on error) → *you send it* → **parse** (`Operation::from_response`).
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use oss_sse_core::ops::{Operation, PutBucketEncryption};
//! use oss_sse_core::sign::{Signer, SignatureVersion};
//! use oss_sse_core::{Config, Credentials, ServerSideEncryptionRule};
//!
//! let config = Config::new("cn-hangzhou")?;
//! let op = PutBucketEncryption::new(
//!     "examplebucket",
//!     ServerSideEncryptionRule::kms().with_kms_master_key_id("cmk-1"),
//! );
//! // 1. Build.
//! let mut req = op.to_request(&config)?;
//! assert_eq!(req.uri(), "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/?encryption");
//! // 2. Sign at a fixed time.
//! let t = UNIX_EPOCH + Duration::from_secs(1_717_332_000);
//! Signer::new(SignatureVersion::V4).sign_operation_request(
//!     &mut req, &Credentials::new("ak", "sk"), config.region(), config.product(), t)?;
//! assert_eq!(req.headers()["x-oss-date"], "20240602T124000Z");
//! // 3. Send it with any client; 4. parse the response.
//! let resp = http::Response::builder()
//!     .status(200)
//!     .header("x-oss-request-id", "5C1B138A109F4E405B2D8AEF")
//!     .body(bytes::Bytes::new())?;
//! let out = op.from_response(resp)?;
//! assert_eq!(out.request_id.as_deref(), Some("5C1B138A109F4E405B2D8AEF"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod config;
pub mod crc;
pub mod credentials;
pub mod crypto;
pub mod encode;
pub mod error;
pub mod headers;
pub mod inventory;
pub mod object;
pub mod ops;
pub mod policy;
pub mod shard;
pub mod sign;
pub mod sse;
pub mod time;
pub mod validate;
pub mod wire;

pub use config::{AddressingStyle, Config, ConfigBuilder, EndpointType, Scheme};
pub use credentials::Credentials;
pub use error::{BuildError, Error, ParseError, Result, ServiceError, ServiceErrorKind, SignError};
pub use object::{ETag, ObjectType, StorageClass};
pub use ops::{Operation, StreamingOperation};
pub use sign::{PresignedRequest, SignatureVersion, Signer, SigningContext};
pub use sse::{DataEncryption, ServerSideEncryption, ServerSideEncryptionRule, SseAlgorithm};
pub use time::Timestamp;
