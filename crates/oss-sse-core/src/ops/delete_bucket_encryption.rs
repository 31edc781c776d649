use bytes::Bytes;
use http::{Method, Request, Response};

use super::{Operation, RequestParts, check, request_id};
use crate::config::Config;
use crate::error::Error;
use crate::headers::Q_ENCRYPTION;

/// `DELETE /?encryption`: removes a bucket's default encryption (204, also when none is set).
///
/// <https://www.alibabacloud.com/help/en/oss/developer-reference/deletebucketencryption>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteBucketEncryption {
    bucket: String,
}

impl DeleteBucketEncryption {
    /// Removes `bucket`'s rule.
    pub fn new(bucket: impl Into<String>) -> Self {
        Self {
            bucket: bucket.into(),
        }
    }
}

/// What DeleteBucketEncryption returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeleteBucketEncryptionOutput {
    /// `x-oss-request-id`.
    pub request_id: Option<String>,
}

impl Operation for DeleteBucketEncryption {
    type Output = DeleteBucketEncryptionOutput;
    const NAME: &'static str = "DeleteBucketEncryption";

    fn to_request(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        RequestParts::new(Method::DELETE, Some(&self.bucket), None)?
            .query(Q_ENCRYPTION, None)
            .build(config)
    }

    fn from_response(&self, response: Response<Bytes>) -> Result<Self::Output, Error> {
        let (head, _) = check(response)?;
        Ok(DeleteBucketEncryptionOutput {
            request_id: request_id(&head.headers),
        })
    }
}
