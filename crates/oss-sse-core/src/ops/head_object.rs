use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, LAST_MODIFIED};
use http::{HeaderMap, Method, Request, Response};

use super::{
    Metadata, Operation, RequestParts, check, crc64, etag, header_string, metadata, request_id,
    u64_header,
};
use crate::config::Config;
use crate::error::Error;
use crate::headers::{
    Q_VERSION_ID, X_OSS_NEXT_APPEND_POSITION, X_OSS_OBJECT_TYPE, X_OSS_STORAGE_CLASS,
    X_OSS_VERSION_ID,
};
use crate::sse::ServerSideEncryption;

/// `HEAD /<key>`: an object's metadata, including its declared encryption.
///
/// <https://www.alibabacloud.com/help/en/oss/developer-reference/headobject>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadObject {
    bucket: String,
    key: String,
    version_id: Option<String>,
}

impl HeadObject {
    /// Reads `bucket`/`key`'s metadata.
    pub fn new(bucket: impl Into<String>, key: impl Into<String>) -> Self {
        Self {
            bucket: bucket.into(),
            key: key.into(),
            version_id: None,
        }
    }
    /// A specific version.
    #[must_use]
    pub fn with_version_id(mut self, v: impl Into<String>) -> Self {
        self.version_id = Some(v.into());
        self
    }
}

/// What HeadObject returns, and the head of a GetObject response.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectHead {
    /// Length of this response's body (the range length for a ranged GET).
    pub content_length: Option<u64>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `Content-Range` of a ranged GET.
    pub content_range: Option<String>,
    /// ETag without quotes.
    pub etag: Option<String>,
    /// `Last-Modified` (HTTP date).
    pub last_modified: Option<String>,
    /// CRC-64 of the whole object.
    pub hash_crc64: Option<u64>,
    /// `Normal`, `Multipart` or `Appendable`.
    pub object_type: Option<String>,
    /// Storage class.
    pub storage_class: Option<String>,
    /// Next append position (Appendable objects).
    pub next_append_position: Option<u64>,
    /// `x-oss-version-id`.
    pub version_id: Option<String>,
    /// User metadata (`x-oss-meta-*`, names without the prefix), sorted by name.
    pub metadata: Metadata,
    /// The object's declared encryption.
    pub server_side_encryption: Option<ServerSideEncryption>,
    /// `x-oss-request-id`.
    pub request_id: Option<String>,
}

impl ObjectHead {
    pub(crate) fn from_headers(h: &HeaderMap, op: &str) -> Result<Self, Error> {
        Ok(Self {
            content_length: u64_header(h, CONTENT_LENGTH.as_str(), op)?,
            content_type: header_string(h, CONTENT_TYPE.as_str()),
            content_range: header_string(h, CONTENT_RANGE.as_str()),
            etag: etag(h),
            last_modified: header_string(h, LAST_MODIFIED.as_str()),
            hash_crc64: crc64(h, op)?,
            object_type: header_string(h, X_OSS_OBJECT_TYPE),
            storage_class: header_string(h, X_OSS_STORAGE_CLASS),
            next_append_position: u64_header(h, X_OSS_NEXT_APPEND_POSITION, op)?,
            version_id: header_string(h, X_OSS_VERSION_ID),
            metadata: metadata(h),
            server_side_encryption: ServerSideEncryption::from_headers(h),
            request_id: request_id(h),
        })
    }
}

impl Operation for HeadObject {
    type Output = ObjectHead;
    const NAME: &'static str = "HeadObject";

    fn to_request(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let mut parts = RequestParts::new(Method::HEAD, Some(&self.bucket), Some(&self.key))?;
        if let Some(v) = &self.version_id {
            parts = parts.query(Q_VERSION_ID, Some(v.clone()));
        }
        parts.build(config)
    }

    fn from_response(&self, response: Response<Bytes>) -> Result<Self::Output, Error> {
        let (head, _) = check(response)?;
        ObjectHead::from_headers(&head.headers, Self::NAME)
    }
}
