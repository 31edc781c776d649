use bytes::Bytes;
use http::{Method, Request, Response};

use super::options::{CopySourceConditions, copy_condition_setters, copy_source};
use super::{Operation, RequestParts, check, header_string, parse_xml, request_id};
use crate::config::Config;
use crate::error::{BuildError, Error};
use crate::headers::{
    Q_PART_NUMBER, Q_UPLOAD_ID, X_OSS_COPY_SOURCE, X_OSS_COPY_SOURCE_RANGE,
    X_OSS_COPY_SOURCE_VERSION_ID,
};
use crate::sse::ServerSideEncryption;
use crate::wire::{self};
use crate::{ETag, Timestamp};

/// `PUT /<key>?partNumber=N&uploadId=ID` with `x-oss-copy-source`: a part copied from an
/// existing object (or a byte range of it), inside OSS.
///
/// OSS decrypts the source and encrypts the part as the multipart upload says (its SSE was
/// set at InitiateMultipartUpload): this is how objects above 1 GB are re-encrypted. There
/// are no SSE headers here, and no metadata: those belong to the initiate.
///
/// <https://www.alibabacloud.com/help/en/oss/developer-reference/uploadpartcopy>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadPartCopy {
    bucket: String,
    key: String,
    upload_id: String,
    part_number: u32,
    source_bucket: String,
    source_key: String,
    source_version_id: Option<String>,
    range: Option<(u64, u64)>,
    conditions: CopySourceConditions,
}

impl UploadPartCopy {
    /// Copies `source_bucket`/`source_key` as part `part_number` of `upload_id`.
    pub fn new(
        bucket: impl Into<String>,
        key: impl Into<String>,
        upload_id: impl Into<String>,
        part_number: u32,
        source_bucket: impl Into<String>,
        source_key: impl Into<String>,
    ) -> Self {
        Self {
            bucket: bucket.into(),
            key: key.into(),
            upload_id: upload_id.into(),
            part_number,
            source_bucket: source_bucket.into(),
            source_key: source_key.into(),
            source_version_id: None,
            range: None,
            conditions: CopySourceConditions::default(),
        }
    }
    /// Only bytes `first..=last` of the source (inclusive, 0-based).
    #[must_use]
    pub fn with_source_range(mut self, first: u64, last: u64) -> Self {
        self.range = Some((first, last));
        self
    }
    /// A specific source version.
    #[must_use]
    pub fn with_source_version_id(mut self, v: impl Into<String>) -> Self {
        self.source_version_id = Some(v.into());
        self
    }
    /// The part number.
    pub fn part_number(&self) -> u32 {
        self.part_number
    }

    copy_condition_setters!();
}

/// What UploadPartCopy returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadPartCopyOutput {
    /// ETag of the part (for CompleteMultipartUpload), without quotes.
    pub etag: Option<ETag>,
    /// When the part was copied.
    pub last_modified: Option<Timestamp>,
    /// `x-oss-copy-source-version-id`.
    pub source_version_id: Option<String>,
    /// `x-oss-hash-crc64ecma` of the part, when OSS sends it.
    pub hash_crc64: Option<u64>,
    /// The upload's encryption, when OSS declares it.
    pub server_side_encryption: Option<ServerSideEncryption>,
    /// `x-oss-request-id`.
    pub request_id: Option<String>,
}

impl Operation for UploadPartCopy {
    type Output = UploadPartCopyOutput;
    const NAME: &'static str = "UploadPartCopy";

    fn to_request(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        if self.upload_id.is_empty() {
            return Err(BuildError::new("upload_id", "must not be empty").into());
        }
        if !(1..=super::MAX_PART_NUMBER).contains(&self.part_number) {
            return Err(BuildError::new(
                "part_number",
                format!("{} is outside 1..=10000", self.part_number),
            )
            .into());
        }
        let source = copy_source(
            &self.source_bucket,
            &self.source_key,
            self.source_version_id.as_deref(),
        )?;
        let mut parts = RequestParts::new(Method::PUT, Some(&self.bucket), Some(&self.key))?
            .query(Q_PART_NUMBER, Some(self.part_number.to_string()))
            .query(Q_UPLOAD_ID, Some(self.upload_id.clone()))
            .header(X_OSS_COPY_SOURCE, source);
        if let Some((first, last)) = self.range {
            if last < first {
                return Err(BuildError::new(
                    "range",
                    format!("the last byte {last} is before the first {first}"),
                )
                .into());
            }
            parts = parts.header(X_OSS_COPY_SOURCE_RANGE, format!("bytes={first}-{last}"));
        }
        self.conditions.apply(parts)?.build(config)
    }

    fn from_response(&self, response: Response<Bytes>) -> Result<Self::Output, Error> {
        let (head, body) = check(response)?;
        let doc: wire::CopyDoc = parse_xml(&body, Self::NAME, "CopyPartResult")?;
        let h = &head.headers;
        Ok(UploadPartCopyOutput {
            etag: doc
                .etag
                .as_deref()
                .and_then(ETag::from_wire)
                .or_else(|| super::etag(h)),
            last_modified: super::xml_time(
                doc.last_modified.as_deref(),
                Self::NAME,
                "LastModified",
            )?,
            source_version_id: header_string(h, X_OSS_COPY_SOURCE_VERSION_ID),
            hash_crc64: super::crc64(h, Self::NAME)?,
            server_side_encryption: ServerSideEncryption::from_headers(h),
            request_id: request_id(h),
        })
    }
}
