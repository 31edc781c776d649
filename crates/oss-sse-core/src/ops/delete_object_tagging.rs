use bytes::Bytes;
use http::{Method, Request, Response};

use super::{Operation, RequestParts, check, request_id};
use crate::config::Config;
use crate::error::Error;
use crate::headers::Q_TAGGING;

/// `DELETE /<key>?tagging`: removes an object's tags.
///
/// <https://www.alibabacloud.com/help/en/oss/developer-reference/deleteobjecttagging>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteObjectTagging {
    bucket: String,
    key: String,
}

impl DeleteObjectTagging {
    /// Removes the tags of `bucket`/`key`.
    pub fn new(bucket: impl Into<String>, key: impl Into<String>) -> Self {
        Self {
            bucket: bucket.into(),
            key: key.into(),
        }
    }
}

/// What DeleteObjectTagging returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeleteObjectTaggingOutput {
    /// `x-oss-request-id`.
    pub request_id: Option<String>,
}

impl Operation for DeleteObjectTagging {
    type Output = DeleteObjectTaggingOutput;
    const NAME: &'static str = "DeleteObjectTagging";

    fn to_request(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        RequestParts::new(Method::DELETE, Some(&self.bucket), Some(&self.key))?
            .query(Q_TAGGING, None)
            .build(config)
    }

    fn from_response(&self, response: Response<Bytes>) -> Result<Self::Output, Error> {
        let (head, _) = check(response)?;
        Ok(DeleteObjectTaggingOutput {
            request_id: request_id(&head.headers),
        })
    }
}
