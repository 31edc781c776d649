use bytes::Bytes;
use http::{Method, Request, Response};

use super::{Operation, RequestParts, check, request_id};
use crate::config::Config;
use crate::error::Error;
use crate::headers::Q_ENCRYPTION;
use crate::sse::ServerSideEncryptionRule;
use crate::wire;

/// `PUT /?encryption`: sets a bucket's default server-side encryption.
///
/// <https://www.alibabacloud.com/help/en/oss/developer-reference/putbucketencryption>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutBucketEncryption {
    bucket: String,
    rule: ServerSideEncryptionRule,
}

impl PutBucketEncryption {
    /// Sets `rule` as `bucket`'s default.
    pub fn new(bucket: impl Into<String>, rule: ServerSideEncryptionRule) -> Self {
        Self {
            bucket: bucket.into(),
            rule,
        }
    }
    /// The bucket.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }
    /// The rule.
    pub fn rule(&self) -> &ServerSideEncryptionRule {
        &self.rule
    }
}

/// What PutBucketEncryption returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PutBucketEncryptionOutput {
    /// `x-oss-request-id`.
    pub request_id: Option<String>,
}

impl Operation for PutBucketEncryption {
    type Output = PutBucketEncryptionOutput;
    const NAME: &'static str = "PutBucketEncryption";

    fn to_request(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        self.rule.validate()?;
        RequestParts::new(Method::PUT, Some(&self.bucket), None)?
            .query(Q_ENCRYPTION, None)
            .xml_body(wire::rule_to_xml(&self.rule))
            .build(config)
    }

    fn from_response(&self, response: Response<Bytes>) -> Result<Self::Output, Error> {
        let (head, _) = check(response)?;
        Ok(PutBucketEncryptionOutput {
            request_id: request_id(&head.headers),
        })
    }
}
