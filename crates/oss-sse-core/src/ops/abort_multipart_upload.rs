use bytes::Bytes;
use http::{Method, Request, Response};

use super::{Operation, RequestParts, check, request_id};
use crate::config::Config;
use crate::error::{BuildError, Error};
use crate::headers::Q_UPLOAD_ID;

/// `DELETE /<key>?uploadId=ID`: cancels a multipart upload and frees its parts.
///
/// <https://www.alibabacloud.com/help/en/oss/developer-reference/abortmultipartupload>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbortMultipartUpload {
    bucket: String,
    key: String,
    upload_id: String,
}

impl AbortMultipartUpload {
    /// Aborts `upload_id`.
    pub fn new(
        bucket: impl Into<String>,
        key: impl Into<String>,
        upload_id: impl Into<String>,
    ) -> Self {
        Self {
            bucket: bucket.into(),
            key: key.into(),
            upload_id: upload_id.into(),
        }
    }
}

/// What AbortMultipartUpload returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AbortMultipartUploadOutput {
    /// `x-oss-request-id`.
    pub request_id: Option<String>,
}

impl Operation for AbortMultipartUpload {
    type Output = AbortMultipartUploadOutput;
    const NAME: &'static str = "AbortMultipartUpload";

    fn to_request(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        if self.upload_id.is_empty() {
            return Err(BuildError::new("upload_id", "must not be empty").into());
        }
        RequestParts::new(Method::DELETE, Some(&self.bucket), Some(&self.key))?
            .query(Q_UPLOAD_ID, Some(self.upload_id.clone()))
            .build(config)
    }

    fn from_response(&self, response: Response<Bytes>) -> Result<Self::Output, Error> {
        let (head, _) = check(response)?;
        Ok(AbortMultipartUploadOutput {
            request_id: request_id(&head.headers),
        })
    }
}
