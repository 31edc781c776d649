use bytes::Bytes;
use http::{Method, Request, Response};

use super::options::{
    CopySourceConditions, NewObjectOptions, copy_condition_setters, copy_source, new_object_setters,
};
use super::{Operation, RequestParts, check, crc64, header_string, parse_xml, request_id};
use crate::config::Config;
use crate::error::{BuildError, Error};
use crate::headers::{
    X_OSS_COPY_SOURCE, X_OSS_COPY_SOURCE_VERSION_ID, X_OSS_FORBID_OVERWRITE,
    X_OSS_METADATA_DIRECTIVE, X_OSS_TAGGING_DIRECTIVE, X_OSS_VERSION_ID,
};
use crate::sse::ServerSideEncryption;
use crate::wire::{self};
use crate::{ETag, Timestamp};

/// Whether CopyObject keeps the source's metadata or replaces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum MetadataDirective {
    /// Keep the source's metadata (the default). SSE is never copied either way.
    ///
    /// Copying an object onto itself is the exception: in an unversioned bucket OSS then
    /// keeps only the metadata the request carries, whatever the directive, so a self-copy
    /// must send every header and metadata entry it means to keep (`Client::copy` does).
    #[default]
    Copy,
    /// Use the metadata and headers given on the request.
    Replace,
}

/// Whether CopyObject keeps the source's tags or replaces them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TaggingDirective {
    /// Keep the source's tags (the default).
    #[default]
    Copy,
    /// Use the tags given on the request (none: no tags).
    Replace,
}

/// `PUT /<dest-key>` with `x-oss-copy-source`: copies an object within OSS.
///
/// OSS does not carry the source's encryption over: the destination is encrypted as this
/// request says, or by the destination bucket's default rule. An encryption change rewrites
/// the data, which OSS allows in one CopyObject up to 1 GB; above that use a multipart copy
/// (`UploadPartCopy`, or `Client::copy`).
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
    tagging: TaggingDirective,
    forbid_overwrite: bool,
    conditions: CopySourceConditions,
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
            tagging: TaggingDirective::Copy,
            forbid_overwrite: false,
            conditions: CopySourceConditions::default(),
            opts: NewObjectOptions::default(),
        }
    }
    /// Copies a specific source version.
    #[must_use]
    pub fn with_source_version_id(mut self, v: impl Into<String>) -> Self {
        self.source_version_id = Some(v.into());
        self
    }
    /// Keep or replace metadata and headers.
    #[must_use]
    pub fn with_metadata_directive(mut self, d: MetadataDirective) -> Self {
        self.directive = d;
        self
    }
    /// Keep or replace tags.
    #[must_use]
    pub fn with_tagging_directive(mut self, d: TaggingDirective) -> Self {
        self.tagging = d;
        self
    }
    /// Fails with 409 `FileAlreadyExists` instead of overwriting the destination.
    #[must_use]
    pub fn with_forbid_overwrite(mut self, forbid: bool) -> Self {
        self.forbid_overwrite = forbid;
        self
    }

    new_object_setters!();
    copy_condition_setters!();
}

/// What CopyObject returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CopyObjectOutput {
    /// ETag of the destination, without quotes.
    pub etag: Option<ETag>,
    /// When the destination was last modified.
    pub last_modified: Option<Timestamp>,
    /// CRC-64 of the destination.
    pub hash_crc64: Option<u64>,
    /// `x-oss-version-id` of the destination.
    pub version_id: Option<String>,
    /// `x-oss-copy-source-version-id`.
    pub source_version_id: Option<String>,
    /// The destination's encryption.
    pub server_side_encryption: Option<ServerSideEncryption>,
    /// `x-oss-request-id`.
    pub request_id: Option<String>,
}

impl Operation for CopyObject {
    type Output = CopyObjectOutput;
    const NAME: &'static str = "CopyObject";

    fn to_request(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let source = copy_source(
            &self.source_bucket,
            &self.source_key,
            self.source_version_id.as_deref(),
        )?;
        if self.directive == MetadataDirective::Copy
            && (self.opts.headers != super::ObjectHeaders::default()
                || !self.opts.metadata.is_empty())
        {
            return Err(BuildError::new(
                "metadata",
                "headers and metadata are only applied with MetadataDirective::Replace",
            )
            .into());
        }
        if self.tagging == TaggingDirective::Copy && self.opts.tags.is_some() {
            return Err(BuildError::new(
                "tags",
                "tags are only applied with TaggingDirective::Replace",
            )
            .into());
        }
        let mut parts = RequestParts::new(Method::PUT, Some(&self.bucket), Some(&self.key))?
            .header(X_OSS_COPY_SOURCE, source);
        if self.directive == MetadataDirective::Replace {
            parts = parts.header(X_OSS_METADATA_DIRECTIVE, "REPLACE");
        }
        if self.tagging == TaggingDirective::Replace {
            parts = parts.header(X_OSS_TAGGING_DIRECTIVE, "Replace");
        }
        if self.forbid_overwrite {
            parts = parts.header(X_OSS_FORBID_OVERWRITE, "true");
        }
        let mut opts = self.opts.clone();
        if self.tagging == TaggingDirective::Replace && opts.tags.is_none() {
            // Replace with nothing: no tags.
            opts.tags = Some(Vec::new());
        }
        parts = self.conditions.apply(parts)?;
        parts = opts.apply(parts)?;
        parts.build(config)
    }

    fn from_response(&self, response: Response<Bytes>) -> Result<Self::Output, Error> {
        let (head, body) = check(response)?;
        let doc: wire::CopyDoc = parse_xml(&body, Self::NAME, "CopyObjectResult")?;
        let h = &head.headers;
        Ok(CopyObjectOutput {
            etag: doc
                .etag
                .as_deref()
                .and_then(ETag::from_wire)
                .or_else(|| super::etag(h)),
            last_modified: super::xml_time(
                doc.last_modified.as_deref(),
                Self::NAME,
                "LastModified",
            )?,
            hash_crc64: crc64(h, Self::NAME)?,
            version_id: header_string(h, X_OSS_VERSION_ID),
            source_version_id: header_string(h, X_OSS_COPY_SOURCE_VERSION_ID),
            server_side_encryption: ServerSideEncryption::from_headers(h),
            request_id: request_id(h),
        })
    }
}
