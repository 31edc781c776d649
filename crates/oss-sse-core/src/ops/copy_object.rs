use bytes::Bytes;
use http::{Method, Request, Response};

use super::options::NewObjectOptions;
use super::{Operation, RequestParts, check, crc64, header_string, parse_xml, request_id};
use crate::config::Config;
use crate::encode;
use crate::error::{BuildError, Error};
use crate::headers::{X_OSS_COPY_SOURCE, X_OSS_METADATA_DIRECTIVE, X_OSS_VERSION_ID};
use crate::sse::ServerSideEncryption;
use crate::validate;
use crate::wire::{self, non_empty};

/// Whether CopyObject keeps the source's metadata or replaces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum MetadataDirective {
    /// Keep the source's metadata (the default). SSE is never copied either way.
    #[default]
    Copy,
    /// Use the metadata and content type given on the request.
    Replace,
}

/// `PUT /<dest-key>` with `x-oss-copy-source`: copies an object within OSS.
///
/// OSS does not carry the source's encryption over: the destination is encrypted as this
/// request says, or by the destination bucket's default rule.
///
/// <https://www.alibabacloud.com/help/en/oss/developer-reference/copyobject>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyObject {
    source_bucket: String,
    source_key: String,
    source_version_id: Option<String>,
    bucket: String,
    key: String,
    directive: MetadataDirective,
    opts: NewObjectOptions,
}

impl CopyObject {
    /// Copies `source_bucket`/`source_key` to `bucket`/`key`.
    pub fn new(
        source_bucket: impl Into<String>,
        source_key: impl Into<String>,
        bucket: impl Into<String>,
        key: impl Into<String>,
    ) -> Self {
        Self {
            source_bucket: source_bucket.into(),
            source_key: source_key.into(),
            source_version_id: None,
            bucket: bucket.into(),
            key: key.into(),
            directive: MetadataDirective::Copy,
            opts: NewObjectOptions::default(),
        }
    }
    /// Copies a specific source version.
    #[must_use]
    pub fn with_source_version_id(mut self, v: impl Into<String>) -> Self {
        self.source_version_id = Some(v.into());
        self
    }
    /// Keep or replace metadata.
    #[must_use]
    pub fn with_metadata_directive(mut self, d: MetadataDirective) -> Self {
        self.directive = d;
        self
    }
    /// Content type of the destination (requires [`MetadataDirective::Replace`]).
    #[must_use]
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.opts.content_type = Some(content_type.into());
        self
    }
    /// Adds destination metadata (requires [`MetadataDirective::Replace`]).
    #[must_use]
    pub fn with_metadata(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.opts.metadata.push((name.into(), value.into()));
        self
    }
    /// Encryption of the destination object.
    #[must_use]
    pub fn with_server_side_encryption(mut self, sse: ServerSideEncryption) -> Self {
        self.opts.sse = Some(sse);
        self
    }
}

/// What CopyObject returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CopyObjectOutput {
    /// ETag of the destination, without quotes.
    pub etag: Option<String>,
    /// ISO 8601 last-modified time of the destination.
    pub last_modified: Option<String>,
    /// CRC-64 of the destination.
    pub hash_crc64: Option<u64>,
    /// `x-oss-version-id` of the destination.
    pub version_id: Option<String>,
    /// The destination's encryption.
    pub server_side_encryption: Option<ServerSideEncryption>,
    /// `x-oss-request-id`.
    pub request_id: Option<String>,
}

impl Operation for CopyObject {
    type Output = CopyObjectOutput;
    const NAME: &'static str = "CopyObject";

    fn to_request(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        validate::bucket_name(&self.source_bucket)
            .map_err(|e| BuildError::new("source_bucket", e.reason().to_owned()))?;
        validate::object_key(&self.source_key)
            .map_err(|e| BuildError::new("source_key", e.reason().to_owned()))?;
        if self.directive == MetadataDirective::Copy
            && (self.opts.content_type.is_some() || !self.opts.metadata.is_empty())
        {
            return Err(BuildError::new(
                "metadata",
                "content type and metadata are only applied with MetadataDirective::Replace",
            )
            .into());
        }
        let mut source = format!("/{}/{}", self.source_bucket, encode::path(&self.source_key));
        if let Some(v) = &self.source_version_id {
            source.push_str(&format!("?versionId={}", encode::query(v)));
        }
        let mut parts = RequestParts::new(Method::PUT, Some(&self.bucket), Some(&self.key))?
            .header(X_OSS_COPY_SOURCE, source);
        if self.directive == MetadataDirective::Replace {
            parts = parts.header(X_OSS_METADATA_DIRECTIVE, "REPLACE");
        }
        parts = self.opts.apply(parts)?;
        parts.build(config)
    }

    fn from_response(&self, response: Response<Bytes>) -> Result<Self::Output, Error> {
        let (head, body) = check(response)?;
        let doc: wire::CopyDoc = parse_xml(&body, Self::NAME, "CopyObjectResult")?;
        let h = &head.headers;
        Ok(CopyObjectOutput {
            etag: non_empty(doc.etag).map(|e| e.trim_matches('"').to_owned()),
            last_modified: non_empty(doc.last_modified),
            hash_crc64: crc64(h, Self::NAME)?,
            version_id: header_string(h, X_OSS_VERSION_ID),
            server_side_encryption: ServerSideEncryption::from_headers(h),
            request_id: request_id(h),
        })
    }
}
