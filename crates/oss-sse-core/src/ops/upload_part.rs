use bytes::Bytes;
use http::{Method, Request, Response};

use super::options::Md5Option;
use super::{Operation, RequestParts, check, crc64, etag, request_id};
use crate::ETag;
use crate::config::Config;
use crate::error::{BuildError, Error};
use crate::headers::{Q_PART_NUMBER, Q_UPLOAD_ID};
use crate::sse::ServerSideEncryption;

/// Largest part number OSS accepts.
pub const MAX_PART_NUMBER: u32 = 10_000;

/// `PUT /<key>?partNumber=N&uploadId=ID`: uploads one part. It takes no SSE options: OSS
/// rejects SSE headers here with 400 `InvalidArgument`.
///
/// <https://www.alibabacloud.com/help/en/oss/developer-reference/uploadpart>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadPart {
    bucket: String,
    key: String,
    upload_id: String,
    part_number: u32,
    body: Bytes,
    content_length: Option<u64>,
    md5: Md5Option,
}

impl UploadPart {
    /// Uploads `body` as part `part_number` (1..=10000).
    pub fn new(
        bucket: impl Into<String>,
        key: impl Into<String>,
        upload_id: impl Into<String>,
        part_number: u32,
        body: impl Into<Bytes>,
    ) -> Self {
        Self {
            bucket: bucket.into(),
            key: key.into(),
            upload_id: upload_id.into(),
            part_number,
            body: body.into(),
            content_length: None,
            md5: Md5Option::None,
        }
    }

    /// A streamed part of `content_length` bytes; the transport supplies the body.
    pub fn streaming(
        bucket: impl Into<String>,
        key: impl Into<String>,
        upload_id: impl Into<String>,
        part_number: u32,
        content_length: u64,
    ) -> Self {
        let mut op = Self::new(bucket, key, upload_id, part_number, Bytes::new());
        op.content_length = Some(content_length);
        op
    }

    /// Sends `Content-MD5` computed from the body.
    #[must_use]
    pub fn with_content_md5(mut self) -> Self {
        self.md5 = Md5Option::FromBody;
        self
    }
    /// The part number.
    pub fn part_number(&self) -> u32 {
        self.part_number
    }
    /// Body (empty when streamed).
    pub fn body(&self) -> &Bytes {
        &self.body
    }
}

/// What UploadPart returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadPartOutput {
    /// The part number (echoed from the request).
    pub part_number: u32,
    /// ETag of the part, without quotes (needed for Complete).
    pub etag: Option<ETag>,
    /// CRC-64 of the part.
    pub hash_crc64: Option<u64>,
    /// The upload's encryption.
    pub server_side_encryption: Option<ServerSideEncryption>,
    /// `x-oss-request-id`.
    pub request_id: Option<String>,
}

impl Operation for UploadPart {
    type Output = UploadPartOutput;
    const NAME: &'static str = "UploadPart";

    fn to_request(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        if !(1..=MAX_PART_NUMBER).contains(&self.part_number) {
            return Err(BuildError::new(
                "part_number",
                format!("{} is outside 1..=10000", self.part_number),
            )
            .into());
        }
        if self.upload_id.is_empty() {
            return Err(BuildError::new("upload_id", "must not be empty").into());
        }
        let parts = RequestParts::new(Method::PUT, Some(&self.bucket), Some(&self.key))?
            .query(Q_PART_NUMBER, Some(self.part_number.to_string()))
            .query(Q_UPLOAD_ID, Some(self.upload_id.clone()))
            .body(self.body.clone(), self.content_length);
        self.md5.apply(parts, &self.body)?.build(config)
    }

    fn from_response(&self, response: Response<Bytes>) -> Result<Self::Output, Error> {
        let (head, _) = check(response)?;
        let h = &head.headers;
        Ok(UploadPartOutput {
            part_number: self.part_number,
            etag: etag(h),
            hash_crc64: crc64(h, Self::NAME)?,
            server_side_encryption: ServerSideEncryption::from_headers(h),
            request_id: request_id(h),
        })
    }

    fn upload_checksum(&self) -> super::UploadChecksum {
        super::UploadChecksum::Body
    }
}
