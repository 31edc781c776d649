use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE};
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
use crate::object::{ObjectType, StorageClass};
use crate::sse::ServerSideEncryption;
use crate::{ETag, Timestamp};

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
    /// `Cache-Control`.
    pub cache_control: Option<String>,
    /// `Content-Disposition`.
    pub content_disposition: Option<String>,
    /// `Content-Encoding`.
    pub content_encoding: Option<String>,
    /// `Content-Language`.
    pub content_language: Option<String>,
    /// `Expires`.
    pub expires: Option<String>,
    /// `Content-Range` of a ranged GET.
    pub content_range: Option<String>,
    /// ETag without quotes.
    pub etag: Option<ETag>,
    /// `Last-Modified`: when the object was last modified.
    pub last_modified: Option<Timestamp>,
    /// CRC-64 of the whole object.
    pub hash_crc64: Option<u64>,
    /// `Normal`, `Multipart` or `Appendable`.
    pub object_type: Option<ObjectType>,
    /// Storage class.
    pub storage_class: Option<StorageClass>,
    /// Next append position (Appendable objects).
    pub next_append_position: Option<u64>,
    /// `x-oss-version-id`.
    pub version_id: Option<String>,
    /// User metadata (`x-oss-meta-*`, names without the prefix), sorted by name.
    pub metadata: Metadata,
    /// Number of tags (`x-oss-tagging-count`; 0 when absent).
    pub tagging_count: u64,
    /// The object's declared encryption.
    pub server_side_encryption: Option<ServerSideEncryption>,
    /// `x-oss-request-id`.
    pub request_id: Option<String>,
}

impl ObjectHead {
    /// The standard headers, as a new object (or a copy) would take them.
    pub fn headers(&self) -> super::ObjectHeaders {
        super::ObjectHeaders {
            content_type: self.content_type.clone(),
            cache_control: self.cache_control.clone(),
            content_disposition: self.content_disposition.clone(),
            content_encoding: self.content_encoding.clone(),
            content_language: self.content_language.clone(),
            expires: self.expires.clone(),
        }
    }

    pub(crate) fn from_headers(h: &HeaderMap, op: &str) -> Result<Self, Error> {
        Ok(Self {
            content_length: u64_header(h, CONTENT_LENGTH.as_str(), op)?,
            content_type: header_string(h, CONTENT_TYPE.as_str()),
            cache_control: header_string(h, crate::headers::CACHE_CONTROL),
            content_disposition: header_string(h, crate::headers::CONTENT_DISPOSITION),
            content_encoding: header_string(h, crate::headers::CONTENT_ENCODING),
            content_language: header_string(h, crate::headers::CONTENT_LANGUAGE),
            expires: header_string(h, crate::headers::EXPIRES),
            content_range: header_string(h, CONTENT_RANGE.as_str()),
            etag: etag(h),
            last_modified: super::last_modified(h, op)?,
            hash_crc64: crc64(h, op)?,
            object_type: header_string(h, X_OSS_OBJECT_TYPE).map(ObjectType::from),
            storage_class: header_string(h, X_OSS_STORAGE_CLASS).map(StorageClass::from),
            next_append_position: u64_header(h, X_OSS_NEXT_APPEND_POSITION, op)?,
            version_id: header_string(h, X_OSS_VERSION_ID),
            metadata: metadata(h),
            tagging_count: u64_header(h, crate::headers::X_OSS_TAGGING_COUNT, op)?.unwrap_or(0),
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
