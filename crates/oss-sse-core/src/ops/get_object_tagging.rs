use bytes::Bytes;
use http::{Method, Request, Response};

use super::{Operation, RequestParts, Tags, check, request_id};
use crate::config::Config;
use crate::error::{Error, ParseError};
use crate::headers::{Q_TAGGING, Q_VERSION_ID};
use crate::wire;

/// `GET /<key>?tagging`: an object's tags.
///
/// <https://www.alibabacloud.com/help/en/oss/developer-reference/getobjecttagging>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetObjectTagging {
    bucket: String,
    key: String,
    version_id: Option<String>,
}

impl GetObjectTagging {
    /// Reads the tags of `bucket`/`key`.
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

/// What GetObjectTagging returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetObjectTaggingOutput {
    /// The tags, in the order OSS lists them.
    pub tags: Tags,
    /// `x-oss-request-id`.
    pub request_id: Option<String>,
}

impl Operation for GetObjectTagging {
    type Output = GetObjectTaggingOutput;
    const NAME: &'static str = "GetObjectTagging";

    fn to_request(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let mut parts = RequestParts::new(Method::GET, Some(&self.bucket), Some(&self.key))?
            .query(Q_TAGGING, None);
        if let Some(v) = &self.version_id {
            parts = parts.query(Q_VERSION_ID, Some(v.clone()));
        }
        parts.build(config)
    }

    fn from_response(&self, response: Response<Bytes>) -> Result<Self::Output, Error> {
        let (head, body) = check(response)?;
        let tags = wire::parse_tagging(&body).map_err(|e| {
            ParseError::new(format!(
                "failed to parse GetObjectTagging response body: {e}"
            ))
        })?;
        Ok(GetObjectTaggingOutput {
            tags,
            request_id: request_id(&head.headers),
        })
    }
}
