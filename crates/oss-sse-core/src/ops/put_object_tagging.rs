use bytes::Bytes;
use http::{Method, Request, Response};

use super::{Operation, RequestParts, Tags, check, request_id};
use crate::config::Config;
use crate::error::Error;
use crate::headers::Q_TAGGING;
use crate::{validate, wire};

/// `PUT /<key>?tagging`: replaces an object's tags (its data and metadata are unchanged).
///
/// <https://www.alibabacloud.com/help/en/oss/developer-reference/putobjecttagging>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutObjectTagging {
    bucket: String,
    key: String,
    tags: Tags,
}

impl PutObjectTagging {
    /// Sets the tags of `bucket`/`key` to `tags` (at most 10).
    pub fn new(bucket: impl Into<String>, key: impl Into<String>, tags: Tags) -> Self {
        Self {
            bucket: bucket.into(),
            key: key.into(),
            tags,
        }
    }
}

/// What PutObjectTagging returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PutObjectTaggingOutput {
    /// `x-oss-request-id`.
    pub request_id: Option<String>,
}

impl Operation for PutObjectTagging {
    type Output = PutObjectTaggingOutput;
    const NAME: &'static str = "PutObjectTagging";

    fn to_request(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        validate::tags(&self.tags)?;
        RequestParts::new(Method::PUT, Some(&self.bucket), Some(&self.key))?
            .query(Q_TAGGING, None)
            .xml_body(wire::tagging_to_xml(&self.tags))
            .build(config)
    }

    fn from_response(&self, response: Response<Bytes>) -> Result<Self::Output, Error> {
        let (head, _) = check(response)?;
        Ok(PutObjectTaggingOutput {
            request_id: request_id(&head.headers),
        })
    }
}
