use bytes::Bytes;
use http::{Method, Request, Response};

use super::{Operation, RequestParts, check, parse_xml};
use crate::config::Config;
use crate::error::Error;
use crate::headers::Q_ENCRYPTION;
use crate::sse::ServerSideEncryptionRule;
use crate::wire;

/// `GET /?encryption`: reads a bucket's default encryption.
///
/// A bucket without a rule answers 404 `NoSuchServerSideEncryptionRule`; this operation
/// returns that as `Ok(None)`.
///
/// <https://www.alibabacloud.com/help/en/oss/developer-reference/getbucketencryption>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetBucketEncryption {
    bucket: String,
}

impl GetBucketEncryption {
    /// Reads `bucket`'s rule.
    pub fn new(bucket: impl Into<String>) -> Self {
        Self {
            bucket: bucket.into(),
        }
    }
}

impl Operation for GetBucketEncryption {
    type Output = Option<ServerSideEncryptionRule>;
    const NAME: &'static str = "GetBucketEncryption";

    fn to_request(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        RequestParts::new(Method::GET, Some(&self.bucket), None)?
            .query(Q_ENCRYPTION, None)
            .build(config)
    }

    fn from_response(&self, response: Response<Bytes>) -> Result<Self::Output, Error> {
        let (_, body) = match check(response) {
            Ok(ok) => ok,
            Err(Error::Service(e)) if e.code() == "NoSuchServerSideEncryptionRule" => {
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let doc: wire::RuleDoc = parse_xml(&body, Self::NAME, "ServerSideEncryptionRule")?;
        Ok(doc.apply.and_then(wire::RuleFields::into_rule))
    }
}
