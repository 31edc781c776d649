use bytes::Bytes;
use http::{Method, Request, Response};

use super::{Operation, RequestParts, check, header_string, request_id};
use crate::config::Config;
use crate::error::Error;
use crate::headers::{Q_VERSION_ID, X_OSS_VERSION_ID};

/// `DELETE /<key>`: deletes an object (204 also when it does not exist).
///
/// <https://www.alibabacloud.com/help/en/oss/developer-reference/deleteobject>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteObject {
    bucket: String,
    key: String,
    version_id: Option<String>,
}

impl DeleteObject {
    /// Deletes `bucket`/`key`.
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

/// What DeleteObject returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeleteObjectOutput {
    /// `x-oss-version-id`.
    pub version_id: Option<String>,
    /// `x-oss-request-id`.
    pub request_id: Option<String>,
}

impl Operation for DeleteObject {
    type Output = DeleteObjectOutput;
    const NAME: &'static str = "DeleteObject";

    fn to_request(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let mut parts = RequestParts::new(Method::DELETE, Some(&self.bucket), Some(&self.key))?;
        if let Some(v) = &self.version_id {
            parts = parts.query(Q_VERSION_ID, Some(v.clone()));
        }
        parts.build(config)
    }

    fn from_response(&self, response: Response<Bytes>) -> Result<Self::Output, Error> {
        let (head, _) = check(response)?;
        Ok(DeleteObjectOutput {
            version_id: header_string(&head.headers, X_OSS_VERSION_ID),
            request_id: request_id(&head.headers),
        })
    }
}
