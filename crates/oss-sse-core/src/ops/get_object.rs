use bytes::Bytes;
use http::{Method, Request, Response, response};

use super::{ObjectHead, Operation, RequestParts, StreamingOperation, check, check_head};
use crate::config::Config;
use crate::error::{BuildError, Error};
use crate::headers::{Q_VERSION_ID, RANGE};

/// `GET /<key>`: downloads an object (OSS decrypts it), optionally a byte range.
///
/// <https://www.alibabacloud.com/help/en/oss/developer-reference/getobject>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetObject {
    bucket: String,
    key: String,
    range: Option<(u64, Option<u64>)>,
    version_id: Option<String>,
}

impl GetObject {
    /// Downloads `bucket`/`key`.
    pub fn new(bucket: impl Into<String>, key: impl Into<String>) -> Self {
        Self {
            bucket: bucket.into(),
            key: key.into(),
            range: None,
            version_id: None,
        }
    }
    /// Bytes `start..=end` (inclusive, as HTTP ranges are); `end = None` reads to the end.
    #[must_use]
    pub fn with_range(mut self, start: u64, end: Option<u64>) -> Self {
        self.range = Some((start, end));
        self
    }
    /// A specific version.
    #[must_use]
    pub fn with_version_id(mut self, v: impl Into<String>) -> Self {
        self.version_id = Some(v.into());
        self
    }
    /// The requested range.
    pub fn range(&self) -> Option<(u64, Option<u64>)> {
        self.range
    }
    /// Whether this reads the whole object (so its CRC-64 can be checked).
    pub fn is_full_object(&self) -> bool {
        self.range.is_none()
    }
}

/// What GetObject returns when the body is buffered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetObjectOutput {
    /// Headers, including the declared encryption.
    pub head: ObjectHead,
    /// The (decrypted) bytes.
    pub body: Bytes,
}

impl GetObjectOutput {
    /// Assembles an output from a parsed head and a body read separately (streaming clients).
    pub fn new(head: ObjectHead, body: Bytes) -> Self {
        Self { head, body }
    }
}

impl Operation for GetObject {
    type Output = GetObjectOutput;
    const NAME: &'static str = "GetObject";

    fn to_request(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let mut parts = RequestParts::new(Method::GET, Some(&self.bucket), Some(&self.key))?;
        if let Some(v) = &self.version_id {
            parts = parts.query(Q_VERSION_ID, Some(v.clone()));
        }
        if let Some((start, end)) = self.range {
            let value = match end {
                Some(end) if end < start => {
                    return Err(BuildError::new(
                        "range",
                        format!("end {end} is before start {start}"),
                    )
                    .into());
                }
                Some(end) => format!("bytes={start}-{end}"),
                None => format!("bytes={start}-"),
            };
            parts = parts.header(RANGE, value);
        }
        parts.build(config)
    }

    fn from_response(&self, response: Response<Bytes>) -> Result<Self::Output, Error> {
        let (head, body) = check(response)?;
        Ok(GetObjectOutput {
            head: ObjectHead::from_headers(&head.headers, Self::NAME)?,
            body,
        })
    }
}

impl StreamingOperation for GetObject {
    type Head = ObjectHead;

    fn from_response_head(&self, head: &response::Parts) -> Result<ObjectHead, Error> {
        check_head(head)?;
        ObjectHead::from_headers(&head.headers, Self::NAME)
    }
}
