use bytes::Bytes;
use http::{Method, Request, Response};

use super::{Operation, RequestParts, check, request_id};
use crate::config::Config;
use crate::error::Error;

/// `DELETE /`: deletes an empty bucket (409 `BucketNotEmpty` otherwise).
///
/// <https://www.alibabacloud.com/help/en/oss/developer-reference/deletebucket>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteBucket {
    bucket: String,
}

impl DeleteBucket {
    /// Deletes `bucket`.
    pub fn new(bucket: impl Into<String>) -> Self {
        Self {
            bucket: bucket.into(),
        }
    }
}

/// What DeleteBucket returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeleteBucketOutput {
    /// `x-oss-request-id`.
    pub request_id: Option<String>,
}

impl Operation for DeleteBucket {
    type Output = DeleteBucketOutput;
    const NAME: &'static str = "DeleteBucket";

    fn to_request(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        RequestParts::new(Method::DELETE, Some(&self.bucket), None)?.build(config)
    }

    fn from_response(&self, response: Response<Bytes>) -> Result<Self::Output, Error> {
        let (head, _) = check(response)?;
        Ok(DeleteBucketOutput {
            request_id: request_id(&head.headers),
        })
    }
}
