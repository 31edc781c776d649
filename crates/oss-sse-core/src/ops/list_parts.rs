use bytes::Bytes;
use http::{Method, Request, Response};

use super::{Operation, RequestParts, check, parse_xml, request_id};
use crate::config::Config;
use crate::error::{BuildError, Error, ParseError};
use crate::headers::{Q_MAX_PARTS, Q_PART_NUMBER_MARKER, Q_UPLOAD_ID};
use crate::wire::{self, non_empty};
use crate::{ETag, Timestamp};

/// `GET /<key>?uploadId=ID`: lists the parts uploaded so far.
///
/// <https://www.alibabacloud.com/help/en/oss/developer-reference/listparts>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListParts {
    bucket: String,
    key: String,
    upload_id: String,
    max_parts: Option<u32>,
    part_number_marker: Option<u32>,
}

impl ListParts {
    /// Lists the parts of `upload_id`.
    pub fn new(
        bucket: impl Into<String>,
        key: impl Into<String>,
        upload_id: impl Into<String>,
    ) -> Self {
        Self {
            bucket: bucket.into(),
            key: key.into(),
            upload_id: upload_id.into(),
            max_parts: None,
            part_number_marker: None,
        }
    }
    /// At most this many parts (1..=1000).
    #[must_use]
    pub fn with_max_parts(mut self, n: u32) -> Self {
        self.max_parts = Some(n);
        self
    }
    /// Start after this part number (pagination).
    #[must_use]
    pub fn with_part_number_marker(mut self, n: u32) -> Self {
        self.part_number_marker = Some(n);
        self
    }
}

/// One listed part.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PartSummary {
    /// Part number.
    pub part_number: u32,
    /// ETag without quotes.
    pub etag: Option<ETag>,
    /// Size in bytes.
    pub size: u64,
    /// CRC-64 of the part.
    pub hash_crc64: Option<u64>,
    /// When the part was uploaded.
    pub last_modified: Option<Timestamp>,
}

/// What ListParts returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListPartsOutput {
    /// Bucket.
    pub bucket: Option<String>,
    /// Key.
    pub key: Option<String>,
    /// Upload id.
    pub upload_id: Option<String>,
    /// Parts in this page.
    pub parts: Vec<PartSummary>,
    /// Pass as the marker to fetch the next page.
    pub next_part_number_marker: Option<u32>,
    /// Page size.
    pub max_parts: Option<u32>,
    /// Whether there are more parts.
    pub is_truncated: bool,
    /// `x-oss-request-id`.
    pub request_id: Option<String>,
}

impl Operation for ListParts {
    type Output = ListPartsOutput;
    const NAME: &'static str = "ListParts";

    fn to_request(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        if self.upload_id.is_empty() {
            return Err(BuildError::new("upload_id", "must not be empty").into());
        }
        let mut parts = RequestParts::new(Method::GET, Some(&self.bucket), Some(&self.key))?;
        if let Some(n) = self.max_parts {
            if !(1..=1000).contains(&n) {
                return Err(
                    BuildError::new("max_parts", format!("{n} is outside 1..=1000")).into(),
                );
            }
            parts = parts.query(Q_MAX_PARTS, Some(n.to_string()));
        }
        if let Some(n) = self.part_number_marker {
            parts = parts.query(Q_PART_NUMBER_MARKER, Some(n.to_string()));
        }
        parts
            .query(Q_UPLOAD_ID, Some(self.upload_id.clone()))
            .build(config)
    }

    fn from_response(&self, response: Response<Bytes>) -> Result<Self::Output, Error> {
        let (head, body) = check(response)?;
        let doc: wire::ListPartsDoc = parse_xml(&body, Self::NAME, "ListPartsResult")?;
        let num = |v: Option<String>, what: &str| -> Result<Option<u64>, Error> {
            match non_empty(v) {
                None => Ok(None),
                Some(s) => s.parse().map(Some).map_err(|_| {
                    ParseError::new(format!("ListParts response has a malformed {what}")).into()
                }),
            }
        };
        let mut parts = Vec::with_capacity(doc.parts.len());
        for p in doc.parts {
            let part_number = num(p.part_number, "PartNumber")?
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| {
                    ParseError::new("ListParts response has a part without a PartNumber")
                })?;
            parts.push(PartSummary {
                part_number,
                etag: p.etag.as_deref().and_then(ETag::from_wire),
                size: num(p.size, "Size")?.unwrap_or(0),
                hash_crc64: num(p.crc64, "HashCrc64ecma")?,
                last_modified: super::xml_time(
                    p.last_modified.as_deref(),
                    Self::NAME,
                    "LastModified",
                )?,
            });
        }
        Ok(ListPartsOutput {
            bucket: non_empty(doc.bucket),
            key: non_empty(doc.key),
            upload_id: non_empty(doc.upload_id),
            parts,
            next_part_number_marker: num(doc.next_part_number_marker, "NextPartNumberMarker")?
                .and_then(|n| u32::try_from(n).ok()),
            max_parts: num(doc.max_parts, "MaxParts")?.and_then(|n| u32::try_from(n).ok()),
            is_truncated: non_empty(doc.is_truncated)
                .is_some_and(|t| t.eq_ignore_ascii_case("true")),
            request_id: request_id(&head.headers),
        })
    }
}
