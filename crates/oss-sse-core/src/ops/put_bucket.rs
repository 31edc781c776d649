use bytes::Bytes;
use http::{Method, Request, Response};

use super::{Operation, RequestParts, check, request_id};
use crate::config::Config;
use crate::error::{BuildError, Error};
use crate::headers::X_OSS_ACL;
use crate::object::StorageClass;

/// `PUT /`: creates a bucket.
///
/// <https://www.alibabacloud.com/help/en/oss/developer-reference/putbucket>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutBucket {
    bucket: String,
    storage_class: Option<StorageClass>,
    acl: Option<String>,
}

impl PutBucket {
    /// Creates `bucket` (private, Standard storage).
    pub fn new(bucket: impl Into<String>) -> Self {
        Self {
            bucket: bucket.into(),
            storage_class: None,
            acl: None,
        }
    }
    /// A [`StorageClass`], or its wire text in any case: `Standard`, `IA`, `Archive`,
    /// `ColdArchive` or `DeepColdArchive` (sent as written here). Any other value fails the
    /// build with a [`BuildError`] naming `storage_class`.
    #[must_use]
    pub fn with_storage_class(mut self, class: impl Into<StorageClass>) -> Self {
        self.storage_class = Some(class.into());
        self
    }
    /// `private`, `public-read` or `public-read-write` (`x-oss-acl`).
    #[must_use]
    pub fn with_acl(mut self, acl: impl Into<String>) -> Self {
        self.acl = Some(acl.into());
        self
    }
}

/// What PutBucket returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PutBucketOutput {
    /// `x-oss-request-id`.
    pub request_id: Option<String>,
}

impl Operation for PutBucket {
    type Output = PutBucketOutput;
    const NAME: &'static str = "PutBucket";

    fn to_request(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        if let Some(acl) = &self.acl
            && !matches!(
                acl.as_str(),
                "private" | "public-read" | "public-read-write"
            )
        {
            return Err(BuildError::new(
                "acl",
                format!("{acl:?} is not private, public-read or public-read-write"),
            )
            .into());
        }
        let mut parts = RequestParts::new(Method::PUT, Some(&self.bucket), None)?.opt_header(
            X_OSS_ACL,
            "acl",
            self.acl.as_deref(),
        )?;
        if let Some(class) = &self.storage_class {
            if let StorageClass::Unknown(class) = class {
                return Err(BuildError::new(
                    "storage_class",
                    format!(
                        "{class:?} is not Standard, IA, Archive, ColdArchive or DeepColdArchive"
                    ),
                )
                .into());
            }
            parts = parts.xml_body(format!(
                "<CreateBucketConfiguration><StorageClass>{}</StorageClass></CreateBucketConfiguration>",
                class.as_str()
            ));
        }
        parts.build(config)
    }

    fn from_response(&self, response: Response<Bytes>) -> Result<Self::Output, Error> {
        let (head, _) = check(response)?;
        Ok(PutBucketOutput {
            request_id: request_id(&head.headers),
        })
    }

    fn is_idempotent(&self) -> bool {
        false
    }
}
