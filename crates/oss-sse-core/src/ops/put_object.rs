use bytes::Bytes;
use http::{Method, Request, Response};

use super::options::{Md5Option, NewObjectOptions, new_object_setters};
use super::{Operation, RequestParts, check, crc64, etag, header_string, request_id};
use crate::ETag;
use crate::config::Config;
use crate::error::Error;
use crate::headers::{X_OSS_FORBID_OVERWRITE, X_OSS_VERSION_ID};
use crate::sse::ServerSideEncryption;

/// `PUT /<key>`: uploads an object in one request.
///
/// <https://www.alibabacloud.com/help/en/oss/developer-reference/putobject>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutObject {
    bucket: String,
    key: String,
    body: Bytes,
    content_length: Option<u64>,
    md5: Md5Option,
    forbid_overwrite: bool,
    opts: NewObjectOptions,
}

impl PutObject {
    /// Uploads `body` to `bucket`/`key`.
    pub fn new(bucket: impl Into<String>, key: impl Into<String>, body: impl Into<Bytes>) -> Self {
        Self {
            bucket: bucket.into(),
            key: key.into(),
            body: body.into(),
            content_length: None,
            md5: Md5Option::None,
            forbid_overwrite: false,
            opts: NewObjectOptions::default(),
        }
    }

    /// A streamed upload of `content_length` bytes: [`Operation::to_request`] builds the head
    /// with an empty body and the transport supplies the bytes.
    pub fn streaming(
        bucket: impl Into<String>,
        key: impl Into<String>,
        content_length: u64,
    ) -> Self {
        let mut op = Self::new(bucket, key, Bytes::new());
        op.content_length = Some(content_length);
        op
    }

    new_object_setters!();

    /// Sends `Content-MD5` computed from the body; OSS rejects a corrupted body with `InvalidDigest`.
    #[must_use]
    pub fn with_content_md5(mut self) -> Self {
        self.md5 = Md5Option::FromBody;
        self
    }
    /// Sends the given base64 `Content-MD5` (for streamed bodies).
    #[must_use]
    pub fn with_content_md5_value(mut self, md5: impl Into<String>) -> Self {
        self.md5 = Md5Option::Given(md5.into());
        self
    }
    /// Fails with 409 `FileAlreadyExists` instead of overwriting.
    #[must_use]
    pub fn with_forbid_overwrite(mut self, forbid: bool) -> Self {
        self.forbid_overwrite = forbid;
        self
    }
    /// Bucket.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }
    /// Key.
    pub fn key(&self) -> &str {
        &self.key
    }
    /// Body (empty for a streamed upload).
    pub fn body(&self) -> &Bytes {
        &self.body
    }
    /// Length of the object.
    pub fn content_length(&self) -> u64 {
        self.content_length.unwrap_or(self.body.len() as u64)
    }
}

/// What PutObject returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PutObjectOutput {
    /// ETag without quotes.
    pub etag: Option<ETag>,
    /// `x-oss-hash-crc64ecma`.
    pub hash_crc64: Option<u64>,
    /// `x-oss-version-id` (versioned buckets).
    pub version_id: Option<String>,
    /// The encryption OSS applied (from the request, or the bucket default).
    pub server_side_encryption: Option<ServerSideEncryption>,
    /// `x-oss-request-id`.
    pub request_id: Option<String>,
}

impl Operation for PutObject {
    type Output = PutObjectOutput;
    const NAME: &'static str = "PutObject";

    fn to_request(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let mut parts = RequestParts::new(Method::PUT, Some(&self.bucket), Some(&self.key))?
            .body(self.body.clone(), self.content_length);
        parts = self.opts.apply(parts)?;
        parts = self.md5.apply(parts, &self.body)?;
        if self.forbid_overwrite {
            parts = parts.header(X_OSS_FORBID_OVERWRITE, "true");
        }
        parts.build(config)
    }

    fn from_response(&self, response: Response<Bytes>) -> Result<Self::Output, Error> {
        let (head, _) = check(response)?;
        let h = &head.headers;
        Ok(PutObjectOutput {
            etag: etag(h),
            hash_crc64: crc64(h, Self::NAME)?,
            version_id: header_string(h, X_OSS_VERSION_ID),
            server_side_encryption: ServerSideEncryption::from_headers(h),
            request_id: request_id(h),
        })
    }

    fn upload_checksum(&self) -> super::UploadChecksum {
        super::UploadChecksum::Body
    }
}
