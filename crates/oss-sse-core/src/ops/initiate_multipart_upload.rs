use bytes::Bytes;
use http::{Method, Request, Response};

use super::options::{NewObjectOptions, new_object_setters};
use super::{Operation, RequestParts, check, parse_xml, request_id};
use crate::config::Config;
use crate::error::{Error, ParseError};
use crate::headers::Q_UPLOADS;
use crate::sse::ServerSideEncryption;
use crate::wire::{self, non_empty};

/// `POST /<key>?uploads`: starts a multipart upload. The upload's encryption is set here;
/// parts and the completion must not carry SSE headers.
///
/// <https://www.alibabacloud.com/help/en/oss/developer-reference/initiatemultipartupload>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitiateMultipartUpload {
    bucket: String,
    key: String,
    opts: NewObjectOptions,
}

impl InitiateMultipartUpload {
    /// Starts an upload to `bucket`/`key`.
    pub fn new(bucket: impl Into<String>, key: impl Into<String>) -> Self {
        Self {
            bucket: bucket.into(),
            key: key.into(),
            opts: NewObjectOptions::default(),
        }
    }

    new_object_setters!();
}

/// What InitiateMultipartUpload returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InitiateMultipartUploadOutput {
    /// Bucket.
    pub bucket: Option<String>,
    /// Key.
    pub key: Option<String>,
    /// The upload id for UploadPart / Complete / Abort.
    pub upload_id: String,
    /// The upload's encryption.
    pub server_side_encryption: Option<ServerSideEncryption>,
    /// `x-oss-request-id`.
    pub request_id: Option<String>,
}

impl Operation for InitiateMultipartUpload {
    type Output = InitiateMultipartUploadOutput;
    const NAME: &'static str = "InitiateMultipartUpload";

    fn to_request(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let parts = RequestParts::new(Method::POST, Some(&self.bucket), Some(&self.key))?
            .query(Q_UPLOADS, None);
        self.opts.apply(parts)?.build(config)
    }

    fn from_response(&self, response: Response<Bytes>) -> Result<Self::Output, Error> {
        let (head, body) = check(response)?;
        let doc: wire::InitiateDoc = parse_xml(&body, Self::NAME, "InitiateMultipartUploadResult")?;
        let upload_id = non_empty(doc.upload_id)
            .ok_or_else(|| ParseError::new("InitiateMultipartUpload response has no UploadId"))?;
        Ok(InitiateMultipartUploadOutput {
            bucket: non_empty(doc.bucket),
            key: non_empty(doc.key),
            upload_id,
            server_side_encryption: ServerSideEncryption::from_headers(&head.headers),
            request_id: request_id(&head.headers),
        })
    }

    fn is_idempotent(&self) -> bool {
        false
    }
}
