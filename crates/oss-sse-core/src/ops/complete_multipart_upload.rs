use std::fmt::Write as _;

use bytes::Bytes;
use http::{Method, Request, Response};

use super::{Operation, RequestParts, check, crc64, header_string, parse_xml, request_id};
use crate::ETag;
use crate::config::Config;
use crate::error::{BuildError, Error};
use crate::headers::{Q_UPLOAD_ID, X_OSS_VERSION_ID};
use crate::sse::ServerSideEncryption;
use crate::wire::{self, non_empty};

/// One uploaded part, as listed in CompleteMultipartUpload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedPart {
    /// Part number.
    pub part_number: u32,
    /// The ETag UploadPart returned.
    pub etag: String,
}

impl CompletedPart {
    /// A part.
    pub fn new(part_number: u32, etag: impl Into<String>) -> Self {
        Self {
            part_number,
            etag: etag.into(),
        }
    }
}

/// `POST /<key>?uploadId=ID`: assembles the parts into the object. It takes no SSE options:
/// OSS rejects SSE headers here with 400 `InvalidArgument`.
///
/// <https://www.alibabacloud.com/help/en/oss/developer-reference/completemultipartupload>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompleteMultipartUpload {
    bucket: String,
    key: String,
    upload_id: String,
    parts: Vec<CompletedPart>,
    forbid_overwrite: bool,
}

impl CompleteMultipartUpload {
    /// Completes `upload_id` with `parts` (sorted by part number when sent).
    pub fn new(
        bucket: impl Into<String>,
        key: impl Into<String>,
        upload_id: impl Into<String>,
        parts: Vec<CompletedPart>,
    ) -> Self {
        Self {
            bucket: bucket.into(),
            key: key.into(),
            upload_id: upload_id.into(),
            parts,
            forbid_overwrite: false,
        }
    }
    /// Fails with 409 `FileAlreadyExists` instead of overwriting an existing object.
    #[must_use]
    pub fn with_forbid_overwrite(mut self, forbid: bool) -> Self {
        self.forbid_overwrite = forbid;
        self
    }
}

/// What CompleteMultipartUpload returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CompleteMultipartUploadOutput {
    /// Bucket.
    pub bucket: Option<String>,
    /// Key.
    pub key: Option<String>,
    /// ETag of the object (multipart form), without quotes.
    pub etag: Option<ETag>,
    /// URL of the object.
    pub location: Option<String>,
    /// CRC-64 of the whole object.
    pub hash_crc64: Option<u64>,
    /// `x-oss-version-id`.
    pub version_id: Option<String>,
    /// The object's encryption.
    pub server_side_encryption: Option<ServerSideEncryption>,
    /// `x-oss-request-id`.
    pub request_id: Option<String>,
}

impl Operation for CompleteMultipartUpload {
    type Output = CompleteMultipartUploadOutput;
    const NAME: &'static str = "CompleteMultipartUpload";

    fn to_request(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        if self.upload_id.is_empty() {
            return Err(BuildError::new("upload_id", "must not be empty").into());
        }
        if self.parts.is_empty() {
            return Err(BuildError::new("parts", "at least one part is required").into());
        }
        let mut parts = self.parts.clone();
        parts.sort_by_key(|p| p.part_number);
        if parts
            .windows(2)
            .any(|w| w[0].part_number == w[1].part_number)
        {
            return Err(BuildError::new("parts", "part numbers must be unique").into());
        }
        let mut xml = String::from("<CompleteMultipartUpload>");
        for p in &parts {
            if !p.etag.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(BuildError::new(
                    "parts",
                    format!("the ETag of part {} must be printable ASCII", p.part_number),
                )
                .into());
            }
            if !(1..=super::upload_part::MAX_PART_NUMBER).contains(&p.part_number) {
                return Err(BuildError::new(
                    "parts",
                    format!("part number {} is outside 1..=10000", p.part_number),
                )
                .into());
            }
            let _ = write!(
                xml,
                "<Part><PartNumber>{}</PartNumber><ETag>\"{}\"</ETag></Part>",
                p.part_number,
                wire::escape(p.etag.trim_matches('"'))
            );
        }
        xml.push_str("</CompleteMultipartUpload>");
        let mut req = RequestParts::new(Method::POST, Some(&self.bucket), Some(&self.key))?
            .query(Q_UPLOAD_ID, Some(self.upload_id.clone()))
            .xml_body(xml);
        if self.forbid_overwrite {
            req = req.header(crate::headers::X_OSS_FORBID_OVERWRITE, "true");
        }
        req.build(config)
    }

    fn from_response(&self, response: Response<Bytes>) -> Result<Self::Output, Error> {
        let (head, body) = check(response)?;
        let doc: wire::CompleteDoc = parse_xml(&body, Self::NAME, "CompleteMultipartUploadResult")?;
        let h = &head.headers;
        Ok(CompleteMultipartUploadOutput {
            bucket: non_empty(doc.bucket),
            key: non_empty(doc.key),
            etag: doc.etag.as_deref().and_then(ETag::from_wire),
            location: non_empty(doc.location),
            hash_crc64: crc64(h, Self::NAME)?,
            version_id: header_string(h, X_OSS_VERSION_ID),
            server_side_encryption: ServerSideEncryption::from_headers(h),
            request_id: request_id(h),
        })
    }

    fn is_idempotent(&self) -> bool {
        false
    }
}
