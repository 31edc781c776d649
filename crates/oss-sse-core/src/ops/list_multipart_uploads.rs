use std::borrow::Cow;

use bytes::Bytes;
use http::{Method, Request, Response};

use super::list_objects_v2::{bool_field, check_max, cow_field, field, num, text};
use super::{EarlyNext, Operation, Paginate, RequestParts, check, request_id};
use crate::Timestamp;
use crate::config::Config;
use crate::error::{BuildError, Error, ParseError};
use crate::headers::{
    Q_DELIMITER, Q_ENCODING_TYPE, Q_KEY_MARKER, Q_MAX_UPLOADS, Q_PREFIX, Q_UPLOAD_ID_MARKER,
    Q_UPLOADS,
};
use crate::object::StorageClass;
use crate::wire::{self, non_empty};

/// `GET /?uploads`: one page of the multipart uploads in progress, by key then upload id.
///
/// Uploads hold billable parts until completed or aborted; this is how to find one whose
/// InitiateMultipartUpload response was lost. `encoding-type=url` is always sent and keys
/// are decoded.
///
/// <https://www.alibabacloud.com/help/en/oss/developer-reference/listmultipartuploads>
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListMultipartUploads {
    bucket: String,
    prefix: Option<String>,
    delimiter: Option<String>,
    key_marker: Option<String>,
    upload_id_marker: Option<String>,
    max_uploads: Option<u32>,
}

impl ListMultipartUploads {
    /// Lists the uploads of `bucket`.
    pub fn new(bucket: impl Into<String>) -> Self {
        Self {
            bucket: bucket.into(),
            ..Self::default()
        }
    }
    /// Only keys starting with `prefix`.
    #[must_use]
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into()).filter(|p: &String| !p.is_empty());
        self
    }
    /// Roll keys up into common prefixes at `delimiter`.
    #[must_use]
    pub fn with_delimiter(mut self, delimiter: impl Into<String>) -> Self {
        self.delimiter = Some(delimiter.into()).filter(|d: &String| !d.is_empty());
        self
    }
    /// Start after this key (and, with [`Self::with_upload_id_marker`], after that upload of
    /// it).
    #[must_use]
    pub fn with_key_marker(mut self, key: impl Into<String>) -> Self {
        self.key_marker = Some(key.into()).filter(|k: &String| !k.is_empty());
        self
    }
    /// With a key marker: start after this upload of the marker key.
    #[must_use]
    pub fn with_upload_id_marker(mut self, id: impl Into<String>) -> Self {
        self.upload_id_marker = Some(id.into()).filter(|i: &String| !i.is_empty());
        self
    }
    /// At most `n` entries per page, 1 to 1000 (the default).
    #[must_use]
    pub fn with_max_uploads(mut self, n: u32) -> Self {
        self.max_uploads = Some(n);
        self
    }
    /// Bucket.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }
}

/// One multipart upload in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MultipartUploadSummary {
    /// The key, decoded.
    pub key: String,
    /// The upload id.
    pub upload_id: String,
    /// Storage class.
    pub storage_class: Option<StorageClass>,
    /// When the upload was initiated.
    pub initiated: Option<Timestamp>,
}

/// One page of ListMultipartUploads.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListMultipartUploadsOutput {
    /// Bucket.
    pub bucket: Option<String>,
    /// The prefix asked for.
    pub prefix: Option<String>,
    /// The delimiter asked for.
    pub delimiter: Option<String>,
    /// Key marker of this page.
    pub key_marker: Option<String>,
    /// Upload id marker of this page.
    pub upload_id_marker: Option<String>,
    /// Key marker of the next page.
    pub next_key_marker: Option<String>,
    /// Upload id marker of the next page.
    pub next_upload_id_marker: Option<String>,
    /// Entries asked for per page.
    pub max_uploads: Option<u32>,
    /// Whether more pages follow.
    pub is_truncated: bool,
    /// The uploads.
    pub uploads: Vec<MultipartUploadSummary>,
    /// Common prefixes (with a delimiter).
    pub common_prefixes: Vec<String>,
    /// `x-oss-request-id`.
    pub request_id: Option<String>,
}

impl Operation for ListMultipartUploads {
    type Output = ListMultipartUploadsOutput;
    const NAME: &'static str = "ListMultipartUploads";

    fn to_request(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        check_max("max_uploads", self.max_uploads)?;
        if self.upload_id_marker.is_some() && self.key_marker.is_none() {
            return Err(BuildError::new(
                "upload_id_marker",
                "is only meaningful with a key marker",
            )
            .into());
        }
        let mut parts =
            RequestParts::new(Method::GET, Some(&self.bucket), None)?.query(Q_UPLOADS, None);
        if let Some(d) = &self.delimiter {
            parts = parts.query(Q_DELIMITER, Some(d.clone()));
        }
        parts = parts.query(Q_ENCODING_TYPE, Some("url".into()));
        if let Some(k) = &self.key_marker {
            parts = parts.query(Q_KEY_MARKER, Some(k.clone()));
        }
        if let Some(n) = self.max_uploads {
            parts = parts.query(Q_MAX_UPLOADS, Some(n.to_string()));
        }
        if let Some(p) = &self.prefix {
            parts = parts.query(Q_PREFIX, Some(p.clone()));
        }
        if let Some(u) = &self.upload_id_marker {
            parts = parts.query(Q_UPLOAD_ID_MARKER, Some(u.clone()));
        }
        parts.build(config)
    }

    fn from_response(&self, response: Response<Bytes>) -> Result<Self::Output, Error> {
        let (head, body) = check(response)?;
        let op = Self::NAME;
        let doc: UploadsPage<'_> = wire::read_list(
            &body,
            "ListMultipartUploadsResult",
            |doc: &mut UploadsPage<'_>, path, text| {
                let Some(text) = text else {
                    if path == ["Upload"] {
                        let item = std::mem::take(&mut doc.item);
                        doc.uploads.push(item);
                    }
                    return;
                };
                match *path {
                    ["Upload", "Key"] => doc.item[0] = Some(text),
                    ["Upload", "UploadId"] => doc.item[1] = Some(text),
                    ["Upload", "StorageClass"] => doc.item[2] = Some(text),
                    ["Upload", "Initiated"] => doc.item[3] = Some(text),
                    ["CommonPrefixes", "Prefix"] => doc.prefixes.push(text),
                    [name] => doc.top.push((name, text)),
                    _ => {}
                }
            },
        )
        .map_err(|e| ParseError::new(format!("failed to parse {op} response body: {e}")))?;
        let UploadsPage {
            top,
            uploads: raw_uploads,
            prefixes: raw_prefixes,
            ..
        } = doc;
        let top = |name: &str| {
            top.iter()
                .rev()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_ref().to_owned())
        };
        let url = non_empty(top("EncodingType")).is_some_and(|e| e.eq_ignore_ascii_case("url"));
        let mut uploads = Vec::with_capacity(raw_uploads.len());
        for [key, upload_id, storage_class, initiated] in raw_uploads {
            let key = cow_field(key, url, op, "Key")?.ok_or_else(|| {
                ParseError::new("ListMultipartUploads response has an upload without a Key")
            })?;
            let upload_id = text(upload_id).ok_or_else(|| {
                ParseError::new("ListMultipartUploads response has an upload without an UploadId")
            })?;
            uploads.push(MultipartUploadSummary {
                key,
                upload_id,
                storage_class: StorageClass::from_wire(storage_class),
                initiated: super::xml_time(initiated.as_deref(), Self::NAME, "Initiated")?,
            });
        }
        let common_prefixes = raw_prefixes
            .into_iter()
            .filter_map(|p| cow_field(Some(p), url, op, "CommonPrefixes/Prefix").transpose())
            .collect::<Result<Vec<_>, _>>()?;
        let is_truncated = bool_field(top("IsTruncated"), op, "IsTruncated")?;
        let next_key_marker = field(top("NextKeyMarker"), url, op, "NextKeyMarker")?;
        if is_truncated && next_key_marker.is_none() {
            // Without it the next page cannot be asked for: stopping here would drop uploads.
            return Err(ParseError::new(
                "ListMultipartUploads response is truncated but has no NextKeyMarker",
            )
            .into());
        }
        Ok(ListMultipartUploadsOutput {
            bucket: non_empty(top("Bucket")),
            prefix: field(top("Prefix"), url, op, "Prefix")?,
            delimiter: field(top("Delimiter"), url, op, "Delimiter")?,
            key_marker: field(top("KeyMarker"), url, op, "KeyMarker")?,
            upload_id_marker: non_empty(top("UploadIdMarker")),
            next_key_marker,
            next_upload_id_marker: non_empty(top("NextUploadIdMarker")),
            max_uploads: num(top("MaxUploads"), op, "MaxUploads")?,
            is_truncated,
            uploads,
            common_prefixes,
            request_id: request_id(&head.headers),
        })
    }
}

impl Paginate for ListMultipartUploads {
    fn next_page(&self, previous: &Self::Output) -> Option<Self> {
        if !previous.is_truncated {
            return None;
        }
        let key = previous.next_key_marker.clone()?;
        let mut next = self.clone().with_key_marker(key);
        next.upload_id_marker = previous.next_upload_id_marker.clone();
        Some(next)
    }
    fn next_page_from_start(
        &self,
        status: http::StatusCode,
        body: &[u8],
        complete: bool,
    ) -> EarlyNext<Self> {
        let head = match super::truncated_head(
            status,
            body,
            &["<Upload>", "<CommonPrefixes>"],
            complete,
        ) {
            Ok(head) => head,
            Err(answer) => return answer,
        };
        let Some(key) = super::head_marker(head, "NextKeyMarker") else {
            return EarlyNext::Wait;
        };
        let mut next = self.clone().with_key_marker(key);
        next.upload_id_marker = super::scan_element(head, "NextUploadIdMarker")
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_owned);
        EarlyNext::Fetch(next)
    }
}

/// A page as read: the root's leaves, each upload's fields (key, id, storage class,
/// initiated), borrowed from the body where possible.
#[derive(Default)]
struct UploadsPage<'a> {
    top: Vec<(&'static str, Cow<'a, str>)>,
    uploads: Vec<[Option<Cow<'a, str>>; 4]>,
    prefixes: Vec<Cow<'a, str>>,
    item: [Option<Cow<'a, str>>; 4],
}
