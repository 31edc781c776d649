use bytes::Bytes;
use http::{Method, Request, Response};

use super::options::{Md5Option, NewObjectOptions, new_object_setters};
use super::{Operation, RequestParts, check, crc64, request_id, u64_header};
use crate::config::Config;
use crate::error::Error;
use crate::headers::{Q_APPEND, Q_POSITION, X_OSS_NEXT_APPEND_POSITION};
use crate::sse::ServerSideEncryption;

/// `POST /<key>?append&position=N`: appends to an Appendable object.
///
/// The first append (position 0) fixes the object's encryption; SSE on later appends is
/// ignored by OSS.
///
/// <https://www.alibabacloud.com/help/en/oss/developer-reference/appendobject>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendObject {
    bucket: String,
    key: String,
    position: u64,
    previous_crc64: Option<u64>,
    body: Bytes,
    content_length: Option<u64>,
    md5: Md5Option,
    opts: NewObjectOptions,
}

impl AppendObject {
    /// Appends `body` at `position` (the current object length; 0 creates the object).
    pub fn new(
        bucket: impl Into<String>,
        key: impl Into<String>,
        position: u64,
        body: impl Into<Bytes>,
    ) -> Self {
        Self {
            bucket: bucket.into(),
            key: key.into(),
            position,
            previous_crc64: None,
            body: body.into(),
            content_length: None,
            md5: Md5Option::None,
            opts: NewObjectOptions::default(),
        }
    }

    /// A streamed append of `content_length` bytes; the transport supplies the body.
    pub fn streaming(
        bucket: impl Into<String>,
        key: impl Into<String>,
        position: u64,
        content_length: u64,
    ) -> Self {
        let mut op = Self::new(bucket, key, position, Bytes::new());
        op.content_length = Some(content_length);
        op
    }

    new_object_setters!();

    /// Sends `Content-MD5` computed from the body.
    #[must_use]
    pub fn with_content_md5(mut self) -> Self {
        self.md5 = Md5Option::FromBody;
        self
    }
    /// The object's CRC-64 before this append (its `x-oss-hash-crc64ecma`), so the client
    /// can check the whole object's CRC-64 that OSS answers (a first append needs none).
    #[must_use]
    pub fn with_previous_crc64(mut self, crc: u64) -> Self {
        self.previous_crc64 = Some(crc);
        self
    }
    /// The append position.
    pub fn position(&self) -> u64 {
        self.position
    }
    /// Body (empty for a streamed append).
    pub fn body(&self) -> &Bytes {
        &self.body
    }
}

/// What AppendObject returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AppendObjectOutput {
    /// Where the next append must start.
    pub next_position: Option<u64>,
    /// CRC-64 of the whole object so far.
    pub hash_crc64: Option<u64>,
    /// The object's encryption (fixed by the first append).
    pub server_side_encryption: Option<ServerSideEncryption>,
    /// `x-oss-request-id`.
    pub request_id: Option<String>,
}

impl Operation for AppendObject {
    type Output = AppendObjectOutput;
    const NAME: &'static str = "AppendObject";

    fn to_request(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let mut parts = RequestParts::new(Method::POST, Some(&self.bucket), Some(&self.key))?
            .query(Q_APPEND, None)
            .query(Q_POSITION, Some(self.position.to_string()))
            .body(self.body.clone(), self.content_length);
        parts = self.opts.apply(parts)?;
        parts = self.md5.apply(parts, &self.body)?;
        parts.build(config)
    }

    fn from_response(&self, response: Response<Bytes>) -> Result<Self::Output, Error> {
        let (head, _) = check(response)?;
        let h = &head.headers;
        Ok(AppendObjectOutput {
            next_position: u64_header(h, X_OSS_NEXT_APPEND_POSITION, Self::NAME)?,
            hash_crc64: crc64(h, Self::NAME)?,
            server_side_encryption: ServerSideEncryption::from_headers(h),
            request_id: request_id(h),
        })
    }

    fn upload_checksum(&self) -> super::UploadChecksum {
        match (self.position, self.previous_crc64) {
            (0, _) => super::UploadChecksum::Appended { previous: 0 },
            (_, Some(previous)) => super::UploadChecksum::Appended { previous },
            (_, None) => super::UploadChecksum::None,
        }
    }

    fn is_idempotent(&self) -> bool {
        false
    }
}
