//! Options shared by the operations that create object data.

use crate::headers::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_ENCODING, CONTENT_LANGUAGE, CONTENT_MD5,
    CONTENT_TYPE, EXPIRES, X_OSS_TAGGING,
};

use super::{Metadata, RequestParts, Tags};
use crate::error::BuildError;
use crate::sse::ServerSideEncryption;

/// The standard HTTP headers an object keeps and returns on GET and HEAD.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ObjectHeaders {
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `Cache-Control`.
    pub cache_control: Option<String>,
    /// `Content-Disposition`.
    pub content_disposition: Option<String>,
    /// `Content-Encoding`.
    pub content_encoding: Option<String>,
    /// `Content-Language`.
    pub content_language: Option<String>,
    /// `Expires` (as sent: an HTTP date).
    pub expires: Option<String>,
}

impl ObjectHeaders {
    /// Adds the headers that are set to a request.
    pub(crate) fn apply<'a>(
        &self,
        parts: RequestParts<'a>,
    ) -> Result<RequestParts<'a>, BuildError> {
        parts
            .opt_header(CONTENT_TYPE, "content_type", self.content_type.as_deref())?
            .opt_header(
                CACHE_CONTROL,
                "cache_control",
                self.cache_control.as_deref(),
            )?
            .opt_header(
                CONTENT_DISPOSITION,
                "content_disposition",
                self.content_disposition.as_deref(),
            )?
            .opt_header(
                CONTENT_ENCODING,
                "content_encoding",
                self.content_encoding.as_deref(),
            )?
            .opt_header(
                CONTENT_LANGUAGE,
                "content_language",
                self.content_language.as_deref(),
            )?
            .opt_header(EXPIRES, "expires", self.expires.as_deref())
    }
}

/// Content type and standard headers, metadata, tags and SSE of a new object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct NewObjectOptions {
    pub(crate) headers: ObjectHeaders,
    pub(crate) metadata: Metadata,
    pub(crate) tags: Option<Tags>,
    pub(crate) sse: Option<ServerSideEncryption>,
}

impl NewObjectOptions {
    pub(crate) fn apply<'a>(
        &self,
        parts: RequestParts<'a>,
    ) -> Result<RequestParts<'a>, BuildError> {
        let mut parts = self.headers.apply(parts)?.metadata(&self.metadata)?;
        if let Some(tags) = &self.tags {
            parts = parts.header(X_OSS_TAGGING, crate::validate::tagging_header(tags)?);
        }
        if let Some(sse) = &self.sse {
            sse.validate()?;
            sse.apply(parts.headers_mut());
        }
        Ok(parts)
    }
}

/// A Content-MD5 to send: computed from the body, or given (for streamed bodies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Md5Option {
    None,
    FromBody,
    Given(String),
}

impl Md5Option {
    pub(crate) fn apply<'a>(
        &self,
        parts: RequestParts<'a>,
        body: &[u8],
    ) -> Result<RequestParts<'a>, BuildError> {
        match self {
            Self::None => Ok(parts),
            Self::FromBody => Ok(parts.header(CONTENT_MD5, crate::crypto::content_md5(body))),
            Self::Given(v) => {
                if crate::crypto::base64_decode(v).is_none_or(|d| d.len() != 16) {
                    return Err(BuildError::new(
                        "content_md5",
                        "must be the base64 of a 16-byte MD5 digest",
                    ));
                }
                Ok(parts.header(CONTENT_MD5, v.clone()))
            }
        }
    }
}

/// Setters shared by PutObject, AppendObject, InitiateMultipartUpload (and, for the header
/// and metadata ones, CopyObject).
macro_rules! object_header_setters {
    () => {
        /// `Content-Type` of the object.
        #[must_use]
        pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
            self.opts.headers.content_type = Some(content_type.into());
            self
        }
        /// `Cache-Control` of the object.
        #[must_use]
        pub fn with_cache_control(mut self, v: impl Into<String>) -> Self {
            self.opts.headers.cache_control = Some(v.into());
            self
        }
        /// `Content-Disposition` of the object.
        #[must_use]
        pub fn with_content_disposition(mut self, v: impl Into<String>) -> Self {
            self.opts.headers.content_disposition = Some(v.into());
            self
        }
        /// `Content-Encoding` of the object.
        #[must_use]
        pub fn with_content_encoding(mut self, v: impl Into<String>) -> Self {
            self.opts.headers.content_encoding = Some(v.into());
            self
        }
        /// `Content-Language` of the object.
        #[must_use]
        pub fn with_content_language(mut self, v: impl Into<String>) -> Self {
            self.opts.headers.content_language = Some(v.into());
            self
        }
        /// `Expires` of the object (an HTTP date).
        #[must_use]
        pub fn with_expires(mut self, v: impl Into<String>) -> Self {
            self.opts.headers.expires = Some(v.into());
            self
        }
        /// All the standard headers at once (replacing any set before).
        #[must_use]
        pub fn with_headers(mut self, headers: $crate::ops::ObjectHeaders) -> Self {
            self.opts.headers = headers;
            self
        }
        /// Adds user metadata `x-oss-meta-<name>: <value>` (ASCII only; names are lower-cased).
        #[must_use]
        pub fn with_metadata(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
            self.opts.metadata.push((name.into(), value.into()));
            self
        }
        /// Adds an object tag (`x-oss-tagging`; at most 10, keys 1-128 and values 0-256
        /// characters).
        #[must_use]
        pub fn with_tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
            self.opts
                .tags
                .get_or_insert_with(Vec::new)
                .push((key.into(), value.into()));
            self
        }
        /// Server-side encryption for the object; overrides the bucket's default rule.
        #[must_use]
        pub fn with_server_side_encryption(
            mut self,
            sse: $crate::sse::ServerSideEncryption,
        ) -> Self {
            self.opts.sse = Some(sse);
            self
        }
        /// The requested server-side encryption, if any.
        pub fn server_side_encryption(&self) -> Option<&$crate::sse::ServerSideEncryption> {
            self.opts.sse.as_ref()
        }
    };
}
pub(crate) use object_header_setters as new_object_setters;

/// `x-oss-copy-source-if-*`: copy only if the source is as expected (CopyObject and
/// UploadPartCopy). A failed `if-match` / `if-unmodified-since` is 412 `PreconditionFailed`; a
/// failed `if-none-match` / `if-modified-since` is 304.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct CopySourceConditions {
    /// The source's ETag must be this one (quotes optional).
    pub if_match: Option<String>,
    /// The source's ETag must not be this one.
    pub if_none_match: Option<String>,
    /// The source must have changed after this time (an HTTP date).
    pub if_modified_since: Option<String>,
    /// The source must not have changed after this time (an HTTP date).
    pub if_unmodified_since: Option<String>,
}

impl CopySourceConditions {
    pub(crate) fn apply<'a>(
        &self,
        parts: RequestParts<'a>,
    ) -> Result<RequestParts<'a>, BuildError> {
        use crate::headers::{
            X_OSS_COPY_SOURCE_IF_MATCH, X_OSS_COPY_SOURCE_IF_MODIFIED_SINCE,
            X_OSS_COPY_SOURCE_IF_NONE_MATCH, X_OSS_COPY_SOURCE_IF_UNMODIFIED_SINCE,
        };
        let quoted = |e: &Option<String>| {
            e.as_ref()
                .map(|e| format!("\"{}\"", e.trim().trim_matches('"')))
        };
        parts
            .opt_header(
                X_OSS_COPY_SOURCE_IF_MATCH,
                "copy_source_if_match",
                quoted(&self.if_match).as_deref(),
            )?
            .opt_header(
                X_OSS_COPY_SOURCE_IF_NONE_MATCH,
                "copy_source_if_none_match",
                quoted(&self.if_none_match).as_deref(),
            )?
            .opt_header(
                X_OSS_COPY_SOURCE_IF_MODIFIED_SINCE,
                "copy_source_if_modified_since",
                self.if_modified_since.as_deref(),
            )?
            .opt_header(
                X_OSS_COPY_SOURCE_IF_UNMODIFIED_SINCE,
                "copy_source_if_unmodified_since",
                self.if_unmodified_since.as_deref(),
            )
    }
}

/// Setters of [`CopySourceConditions`] for CopyObject and UploadPartCopy.
macro_rules! copy_condition_setters {
    () => {
        /// Copy only if the source's ETag is `etag` (else 412 `PreconditionFailed`): the way
        /// to never copy a version other than the one you looked at.
        #[must_use]
        pub fn with_copy_source_if_match(mut self, etag: impl Into<String>) -> Self {
            self.conditions.if_match = Some(etag.into());
            self
        }
        /// Copy only if the source's ETag is not `etag` (else 304).
        #[must_use]
        pub fn with_copy_source_if_none_match(mut self, etag: impl Into<String>) -> Self {
            self.conditions.if_none_match = Some(etag.into());
            self
        }
        /// Copy only if the source changed after `t` (else 304).
        #[must_use]
        pub fn with_copy_source_if_modified_since(mut self, t: std::time::SystemTime) -> Self {
            self.conditions.if_modified_since = Some($crate::time::format_http_date(
                $crate::time::unix_secs_of(t),
            ));
            self
        }
        /// Copy only if the source did not change after `t` (else 412).
        #[must_use]
        pub fn with_copy_source_if_unmodified_since(mut self, t: std::time::SystemTime) -> Self {
            self.conditions.if_unmodified_since = Some($crate::time::format_http_date(
                $crate::time::unix_secs_of(t),
            ));
            self
        }
        /// The conditions set.
        pub fn copy_source_conditions(&self) -> &$crate::ops::CopySourceConditions {
            &self.conditions
        }
    };
}
pub(crate) use copy_condition_setters;

/// The `x-oss-copy-source` value: `/bucket/key` with the key percent-encoded (every byte
/// outside `A-Za-z0-9-._~/`, so spaces, `+`, `%`, `?`, `#` and non-ASCII all survive), and
/// `?versionId=…` when a version is named.
pub(crate) fn copy_source(
    bucket: &str,
    key: &str,
    version_id: Option<&str>,
) -> Result<String, BuildError> {
    crate::validate::bucket_name(bucket)
        .map_err(|e| BuildError::new("source_bucket", e.reason().to_owned()))?;
    crate::validate::object_key(key)
        .map_err(|e| BuildError::new("source_key", e.reason().to_owned()))?;
    let mut s = format!("/{bucket}/{}", crate::encode::path(key));
    if let Some(v) = version_id {
        s.push_str(&format!("?versionId={}", crate::encode::query(v)));
    }
    Ok(s)
}
