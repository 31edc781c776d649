use bytes::Bytes;
use http::{Method, Request, Response};

use super::{Operation, RequestParts, check, parse_xml, request_id};
use crate::Timestamp;
use crate::config::Config;
use crate::error::Error;
use crate::headers::Q_BUCKET_INFO;
use crate::object::StorageClass;
use crate::sse::ServerSideEncryptionRule;
use crate::wire::{self, non_empty};

/// `GET /?bucketInfo`: a bucket's properties, including its default encryption.
///
/// <https://www.alibabacloud.com/help/en/oss/developer-reference/getbucketinfo>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetBucketInfo {
    bucket: String,
}

impl GetBucketInfo {
    /// Reads `bucket`'s info.
    pub fn new(bucket: impl Into<String>) -> Self {
        Self {
            bucket: bucket.into(),
        }
    }
}

/// What GetBucketInfo returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BucketInfo {
    /// Bucket name.
    pub name: Option<String>,
    /// `oss-<region>`.
    pub location: Option<String>,
    /// When the bucket was created.
    pub creation_date: Option<Timestamp>,
    /// Public endpoint.
    pub extranet_endpoint: Option<String>,
    /// Internal endpoint.
    pub intranet_endpoint: Option<String>,
    /// Storage class.
    pub storage_class: Option<StorageClass>,
    /// The default encryption; `None` when OSS reports `<SSEAlgorithm>None</SSEAlgorithm>`.
    pub server_side_encryption_rule: Option<ServerSideEncryptionRule>,
    /// `x-oss-request-id`.
    pub request_id: Option<String>,
}

impl Operation for GetBucketInfo {
    type Output = BucketInfo;
    const NAME: &'static str = "GetBucketInfo";

    fn to_request(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        RequestParts::new(Method::GET, Some(&self.bucket), None)?
            .query(Q_BUCKET_INFO, None)
            .build(config)
    }

    fn from_response(&self, response: Response<Bytes>) -> Result<Self::Output, Error> {
        let (head, body) = check(response)?;
        let doc: wire::BucketInfoDoc = parse_xml(&body, Self::NAME, "BucketInfo")?;
        let b = doc.bucket;
        Ok(BucketInfo {
            name: non_empty(b.name),
            location: non_empty(b.location),
            creation_date: super::xml_time(b.creation_date.as_deref(), Self::NAME, "CreationDate")?,
            extranet_endpoint: non_empty(b.extranet_endpoint),
            intranet_endpoint: non_empty(b.intranet_endpoint),
            storage_class: non_empty(b.storage_class).map(StorageClass::from),
            server_side_encryption_rule: b.sse.and_then(wire::RuleFields::into_rule),
            request_id: request_id(&head.headers),
        })
    }
}
