//! One struct per OSS operation. Each builds its unsigned request and parses its response.

mod abort_multipart_upload;
mod append_object;
mod complete_multipart_upload;
mod copy_object;
mod delete_bucket;
mod delete_bucket_encryption;
mod delete_object;
mod delete_object_tagging;
mod get_bucket_encryption;
mod get_bucket_info;
mod get_object;
mod get_object_tagging;
mod head_object;
mod initiate_multipart_upload;
mod list_multipart_uploads;
mod list_objects_v2;
mod list_parts;
mod options;
mod put_bucket;
mod put_bucket_encryption;
mod put_object;
mod put_object_tagging;
mod upload_part;
mod upload_part_copy;

pub use abort_multipart_upload::{AbortMultipartUpload, AbortMultipartUploadOutput};
pub use append_object::{AppendObject, AppendObjectOutput};
pub use complete_multipart_upload::{
    CompleteMultipartUpload, CompleteMultipartUploadOutput, CompletedPart,
};
pub use copy_object::{CopyObject, CopyObjectOutput, MetadataDirective, TaggingDirective};
pub use delete_bucket::{DeleteBucket, DeleteBucketOutput};
pub use delete_bucket_encryption::{DeleteBucketEncryption, DeleteBucketEncryptionOutput};
pub use delete_object::{DeleteObject, DeleteObjectOutput};
pub use delete_object_tagging::{DeleteObjectTagging, DeleteObjectTaggingOutput};
pub use get_bucket_encryption::GetBucketEncryption;
pub use get_bucket_info::{BucketInfo, GetBucketInfo};
pub use get_object::{GetObject, GetObjectOutput};
pub use get_object_tagging::{GetObjectTagging, GetObjectTaggingOutput};
pub use head_object::{HeadObject, ObjectHead};
pub use initiate_multipart_upload::{InitiateMultipartUpload, InitiateMultipartUploadOutput};
pub use list_multipart_uploads::{
    ListMultipartUploads, ListMultipartUploadsOutput, MultipartUploadSummary,
};
pub use list_objects_v2::{
    ListObjectsV2, ListObjectsV2Output, MAX_LIST_PARAM_BYTES, ObjectSummary, Owner,
};
pub use list_parts::{ListParts, ListPartsOutput, PartSummary};
pub use options::{CopySourceConditions, ObjectHeaders};
pub use put_bucket::{PutBucket, PutBucketOutput};
pub use put_bucket_encryption::{PutBucketEncryption, PutBucketEncryptionOutput};
pub use put_object::{PutObject, PutObjectOutput};
pub use put_object_tagging::{PutObjectTagging, PutObjectTaggingOutput};
pub use upload_part::{MAX_PART_NUMBER, UploadPart, UploadPartOutput};
pub use upload_part_copy::{UploadPartCopy, UploadPartCopyOutput};

use crate::headers::{CONTENT_MD5, CONTENT_TYPE};
use bytes::Bytes;
use http::header::{CONTENT_LENGTH, HeaderName, HeaderValue};
use http::{HeaderMap, Method, Request, Response, StatusCode, response};

use crate::config::Config;
use crate::crypto;
use crate::error::{BuildError, Error, ParseError, ServiceError};
use crate::headers::{
    X_OSS_EC, X_OSS_ERR, X_OSS_HASH_CRC64ECMA, X_OSS_META_PREFIX, X_OSS_REQUEST_ID,
};
use crate::validate;
use crate::wire;

/// An OSS operation: builds its unsigned request and interprets its response.
// `from_response(&self, ..)` takes the operation so parsers can use request context.
#[allow(clippy::wrong_self_convention)]
pub trait Operation {
    /// What a successful call returns.
    type Output;

    /// The OSS API name, e.g. `PutBucketEncryption` (for logs and spans).
    const NAME: &'static str;

    /// Builds the unsigned request. Pure: no clock, no environment, no randomness.
    /// Every input is validated here; on error nothing should be sent.
    fn to_request(&self, config: &Config) -> Result<Request<Bytes>, Error>;

    /// Interprets a fully buffered response of any status; non-2xx becomes
    /// [`Error::Service`].
    fn from_response(&self, response: Response<Bytes>) -> Result<Self::Output, Error>;

    /// Whether sending the request twice has the same effect as once (retry policy input).
    fn is_idempotent(&self) -> bool {
        true
    }

    /// What the response's `x-oss-hash-crc64ecma` says about the body sent, so a client can
    /// check an upload end to end. Nothing, by default.
    fn upload_checksum(&self) -> UploadChecksum {
        UploadChecksum::None
    }
}

/// How a 2xx response's `x-oss-hash-crc64ecma` relates to the request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UploadChecksum {
    /// It says nothing about the body (or there is none).
    None,
    /// It is the CRC-64 of exactly the bytes sent (PutObject, UploadPart).
    Body,
    /// It is the CRC-64 of the whole object: the bytes sent appended to an object whose
    /// CRC-64 was `previous` (AppendObject; 0 for the first append).
    Appended {
        /// CRC-64 of the object before this append.
        previous: u64,
    },
}

/// A listing operation: given one page's output, the request for the next page, or `None`
/// after the last. Sans-IO: drive it with any client.
///
/// ```
/// use oss_sse_core::ops::{ListObjectsV2, Paginate};
/// let first = ListObjectsV2::new("examplebucket").with_prefix("logs/");
/// # fn send(_: &ListObjectsV2) -> oss_sse_core::ops::ListObjectsV2Output { unimplemented!() }
/// # if false {
/// let mut req = Some(first);
/// while let Some(r) = req {
///     let page = send(&r);
///     for o in &page.contents { println!("{}", o.key); }
///     req = r.next_page(&page);
/// }
/// # }
/// ```
pub trait Paginate: Operation + Sized {
    /// The request for the page after `previous`, or `None` when it was the last.
    fn next_page(&self, previous: &Self::Output) -> Option<Self>;

    /// The request for the next page read from the raw response by a quick scan, before the
    /// page is parsed; `None` when the scan cannot tell (parse, then [`next_page`]). A
    /// transport uses it to fetch page N+1 while it parses page N. [`next_page`] on the
    /// parsed page remains the authority: a transport must check that the two agree.
    ///
    /// [`next_page`]: Paginate::next_page
    fn next_page_early(&self, response: &Response<Bytes>) -> Option<Self> {
        match self.next_page_from_start(response.status(), response.body(), true) {
            EarlyNext::Fetch(next) => Some(next),
            EarlyNext::ReadMore | EarlyNext::Wait => None,
        }
    }

    /// [`next_page_early`] on the start of a page's body while the rest is still arriving
    /// (`complete`: `body` is all of it). OSS writes a listing's markers before its entries,
    /// so a transport that asks as each chunk arrives can send the next page's request while
    /// this page is still downloading. [`next_page`] on the parsed page remains the
    /// authority.
    ///
    /// [`next_page_early`]: Paginate::next_page_early
    /// [`next_page`]: Paginate::next_page
    fn next_page_from_start(
        &self,
        status: StatusCode,
        body: &[u8],
        complete: bool,
    ) -> EarlyNext<Self> {
        let _ = (status, body, complete);
        EarlyNext::Wait
    }
}

/// What the start of a listing page says about the next page ([`Paginate::next_page_from_start`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EarlyNext<O> {
    /// The bytes so far cannot tell: ask again with more.
    ReadMore,
    /// The request for the next page, to be confirmed by [`Paginate::next_page`] once the
    /// page is parsed.
    Fetch(O),
    /// Fetch nothing early: the last page, an error, or a page the scan cannot read (parse
    /// it, then [`Paginate::next_page`]).
    Wait,
}

/// For [`Paginate::next_page_from_start`] on a list page: the head (the bytes before the
/// first of `entries`) of a 2xx page that says it is truncated and URL-encoded; or, without
/// one, the answer to give (`ReadMore` while the head is still arriving).
pub(crate) fn truncated_head<'a, O>(
    status: StatusCode,
    body: &'a [u8],
    entries: &[&str],
    complete: bool,
) -> Result<&'a [u8], EarlyNext<O>> {
    /// Longer than any head OSS writes: its parameters and markers are at most 1,023 bytes
    /// each before URL-encoding (three times that after), some 16 KiB in all.
    const MAX_HEAD: usize = 64 << 10;
    if !status.is_success() {
        return Err(EarlyNext::Wait);
    }
    let head = match list_head(body, entries, complete) {
        Some(head) => head,
        // Not a page in OSS's shape: stop looking (and scanning it again at every chunk).
        None if body.len() > MAX_HEAD => return Err(EarlyNext::Wait),
        None => return Err(EarlyNext::ReadMore),
    };
    let says = |name: &str| scan_element(head, name).map(str::trim);
    if says("IsTruncated") != Some("true") || says("EncodingType") != Some("url") {
        return Err(EarlyNext::Wait);
    }
    Ok(head)
}

/// A marker from a page's head, URL-decoded; `None` when absent, empty or not UTF-8.
pub(crate) fn head_marker(head: &[u8], name: &str) -> Option<String> {
    let raw = scan_element(head, name)?.trim();
    let decoded = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .ok()?;
    (!decoded.is_empty()).then(|| decoded.into_owned())
}

/// The part of a listing page before its first entry (one of `entries`, e.g. `<Contents>`),
/// where OSS writes the markers; the whole body once it is `complete`; `None` while neither
/// is known.
pub(crate) fn list_head<'a>(body: &'a [u8], entries: &[&str], complete: bool) -> Option<&'a [u8]> {
    let mut head: Option<&[u8]> = None;
    for e in entries {
        // Each tag is looked for only before the earliest one found so far.
        let hay = head.unwrap_or(body);
        if let Some(at) = memchr::memmem::find(hay, e.as_bytes()) {
            head = Some(&body[..at]);
        }
    }
    head.or_else(|| complete.then_some(body))
}

/// The text of the first `<name>…</name>` in `body`, when it holds no markup or reference
/// (what a pre-scan can take without parsing).
pub(crate) fn scan_element<'a>(body: &'a [u8], name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = memchr::memmem::find(body, open.as_bytes())? + open.len();
    let len = memchr::memmem::find(&body[start..], close.as_bytes())?;
    let text = std::str::from_utf8(&body[start..start + len]).ok()?;
    (!text.contains(['<', '&'])).then_some(text)
}

/// An operation whose success body is streamed (GetObject).
#[allow(clippy::wrong_self_convention)] // see `Operation`
pub trait StreamingOperation: Operation {
    /// What the response head says.
    type Head;

    /// Parses a 2xx response head without its body. For non-2xx, buffer the body and call
    /// [`Operation::from_response`] (or [`parse_error`]).
    fn from_response_head(&self, head: &response::Parts) -> Result<Self::Head, Error>;
}

/// Bucket and key of a built request, attached as an `http` extension so that the signer
/// need not parse them back out of the URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OssResource {
    /// Bucket name.
    pub bucket: Option<String>,
    /// Decoded object key.
    pub key: Option<String>,
}

/// User metadata: `x-oss-meta-<name>: <value>` pairs.
pub type Metadata = Vec<(String, String)>;

/// Object tags: `(key, value)` pairs.
pub type Tags = Vec<(String, String)>;

/// Internal request builder shared by every operation.
pub(crate) struct RequestParts<'a> {
    method: Method,
    bucket: Option<&'a str>,
    key: Option<&'a str>,
    query: Vec<(&'static str, Option<String>)>,
    headers: Vec<(&'static str, String)>,
    dyn_headers: Vec<(String, String)>,
    body: Bytes,
    content_length: Option<u64>,
}

impl<'a> RequestParts<'a> {
    pub(crate) fn new(
        method: Method,
        bucket: Option<&'a str>,
        key: Option<&'a str>,
    ) -> Result<Self, BuildError> {
        if let Some(b) = bucket {
            validate::bucket_name(b)?;
        }
        if let Some(k) = key {
            validate::object_key(k)?;
        }
        Ok(Self {
            method,
            bucket,
            key,
            query: Vec::new(),
            headers: Vec::new(),
            dyn_headers: Vec::new(),
            body: Bytes::new(),
            content_length: None,
        })
    }

    pub(crate) fn query(mut self, name: &'static str, value: Option<String>) -> Self {
        self.query.push((name, value));
        self
    }

    pub(crate) fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub(crate) fn headers_mut(&mut self) -> &mut Vec<(&'static str, String)> {
        &mut self.headers
    }

    /// Adds an optional validated header.
    pub(crate) fn opt_header(
        mut self,
        name: &'static str,
        field: &'static str,
        value: Option<&str>,
    ) -> Result<Self, BuildError> {
        if let Some(v) = value {
            validate::header_value(field, v)?;
            self.headers.push((name, v.to_owned()));
        }
        Ok(self)
    }

    pub(crate) fn metadata(mut self, meta: &Metadata) -> Result<Self, BuildError> {
        for (k, v) in meta {
            validate::metadata_name(k)?;
            validate::header_value("metadata", v)?;
            self.dyn_headers.push((
                format!("{X_OSS_META_PREFIX}{}", k.to_ascii_lowercase()),
                v.clone(),
            ));
        }
        Ok(self)
    }

    /// An XML body: `Content-Type: application/xml` and `Content-MD5`, as go-v2 sends.
    pub(crate) fn xml_body(mut self, body: String) -> Self {
        let body = Bytes::from(body);
        self.headers
            .push((CONTENT_TYPE, crate::headers::CONTENT_TYPE_XML.to_owned()));
        self.headers.push((CONTENT_MD5, crypto::content_md5(&body)));
        self.body = body;
        self
    }

    pub(crate) fn body(mut self, body: Bytes, content_length: Option<u64>) -> Self {
        self.body = body;
        self.content_length = content_length;
        self
    }

    pub(crate) fn build(self, config: &Config) -> Result<Request<Bytes>, Error> {
        let url = config.url(self.bucket, self.key, &self.query);
        let mut req = Request::builder()
            .method(self.method)
            .uri(url)
            .body(self.body)
            .map_err(|e| BuildError::new("url", format!("cannot form a request URL: {e}")))?;
        let len = self
            .content_length
            .unwrap_or_else(|| req.body().len() as u64);
        let sends_body = len > 0 || matches!(*req.method(), Method::PUT | Method::POST);
        let headers_ref = req.headers_mut();
        // Room for every header up front, the signer's included, so signing never rehashes.
        headers_ref
            .reserve(1 + self.headers.len() + self.dyn_headers.len() + crate::sign::SIGNER_HEADERS);
        if sends_body {
            headers_ref.insert(CONTENT_LENGTH, HeaderValue::from(len));
        }
        for (name, value) in self.headers {
            let v = HeaderValue::from_str(&value)
                .map_err(|_| BuildError::new(name_field(name), "is not a valid header value"))?;
            headers_ref.append(HeaderName::from_static(name), v);
        }
        for (name, value) in self.dyn_headers {
            let n = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                BuildError::new("metadata", format!("{name:?} is not a valid header name"))
            })?;
            let v = HeaderValue::from_str(&value)
                .map_err(|_| BuildError::new("metadata", "is not a valid header value"))?;
            headers_ref.append(n, v);
        }
        req.extensions_mut().insert(OssResource {
            bucket: self.bucket.map(str::to_owned),
            key: self.key.map(str::to_owned),
        });
        Ok(req)
    }
}

fn name_field(name: &str) -> &'static str {
    match name {
        "content-type" => "content_type",
        "content-md5" => "content_md5",
        "x-oss-copy-source" => "source",
        _ => "header",
    }
}

// ---- response helpers ----

/// Turns any non-2xx response into a [`ServiceError`], reading the `<Error>` body or, when
/// the body is empty (HEAD), the base64 `x-oss-err` header.
pub fn parse_error(head: &response::Parts, body: &[u8]) -> Error {
    let mut err = ServiceError::new(head.status, String::new(), String::new());
    let from_header;
    let xml: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        from_header = head
            .headers
            .get(X_OSS_ERR)
            .and_then(|v| crypto::b64_decode(v.as_bytes()))
            .unwrap_or_default();
        &from_header
    } else {
        body
    };
    match wire::parse_error_doc(xml) {
        Some(fields) => {
            for (k, v) in fields {
                match k.as_str() {
                    "Code" => err.code = v,
                    "Message" => err.message = v,
                    "RequestId" => err.request_id = Some(v),
                    "HostId" => err.host_id = Some(v),
                    "EC" => err.ec = Some(v),
                    _ => err.fields.push((k, v)),
                }
            }
        }
        None if !xml.is_empty() => {
            err.code = "BadErrorResponse".into();
            // One line, printable: the body is the server's (or a proxy's), not ours.
            let snippet: String = String::from_utf8_lossy(&xml[..xml.len().min(256)])
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            err.message = format!("error response is not an OSS <Error> document: {snippet}");
        }
        None => {}
    }
    if err.code.is_empty() {
        err.code = default_code(head.status).to_owned();
    }
    if err.request_id.is_none() {
        err.request_id = header_str(&head.headers, X_OSS_REQUEST_ID).map(str::to_owned);
    }
    if err.ec.is_none() {
        err.ec = header_str(&head.headers, X_OSS_EC).map(str::to_owned);
    }
    Error::Service(Box::new(err))
}

fn default_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        404 => "NotFound",
        403 => "AccessDenied",
        400 => "BadRequest",
        409 => "Conflict",
        412 => "PreconditionFailed",
        304 => "NotModified",
        _ => "UnknownError",
    }
}

/// Splits a response: `Ok((head, body))` for 2xx, the parsed service error otherwise.
pub(crate) fn check(response: Response<Bytes>) -> Result<(response::Parts, Bytes), Error> {
    let (head, body) = response.into_parts();
    if head.status.is_success() {
        Ok((head, body))
    } else {
        Err(parse_error(&head, &body))
    }
}

pub(crate) fn check_head(head: &response::Parts) -> Result<(), Error> {
    if head.status.is_success() {
        Ok(())
    } else {
        Err(parse_error(head, &[]))
    }
}

pub(crate) fn header_str<'h>(h: &'h HeaderMap, name: &str) -> Option<&'h str> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
}

pub(crate) fn header_string(h: &HeaderMap, name: &str) -> Option<String> {
    header_str(h, name).map(str::to_owned)
}

pub(crate) fn request_id(h: &HeaderMap) -> Option<String> {
    header_string(h, X_OSS_REQUEST_ID)
}

pub(crate) fn crc64(h: &HeaderMap, op: &str) -> Result<Option<u64>, Error> {
    match header_str(h, X_OSS_HASH_CRC64ECMA) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| {
            ParseError::new(format!(
                "{op} response has a malformed {X_OSS_HASH_CRC64ECMA} header"
            ))
            .into()
        }),
    }
}

pub(crate) fn u64_header(h: &HeaderMap, name: &str, op: &str) -> Result<Option<u64>, Error> {
    match header_str(h, name) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| {
            ParseError::new(format!("{op} response has a malformed {name} header")).into()
        }),
    }
}

/// The ETag without surrounding quotes.
pub(crate) fn etag(h: &HeaderMap) -> Option<crate::ETag> {
    header_str(h, http::header::ETAG.as_str()).and_then(crate::ETag::from_wire)
}

/// A date and time in a response's XML (ISO 8601): absent when empty, a parse error naming
/// it when it is not one.
pub(crate) fn xml_time(
    v: Option<&str>,
    op: &str,
    what: &str,
) -> Result<Option<crate::Timestamp>, Error> {
    let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    crate::Timestamp::parse_iso8601(v).map(Some).ok_or_else(|| {
        ParseError::new(format!("{op} response has a malformed {what}: {v:?}")).into()
    })
}

/// The `Last-Modified` header (an HTTP date): absent, or a parse error when it is not one.
pub(crate) fn last_modified(h: &HeaderMap, op: &str) -> Result<Option<crate::Timestamp>, Error> {
    let name = http::header::LAST_MODIFIED.as_str();
    match header_str(h, name) {
        None => Ok(None),
        Some(v) => crate::Timestamp::parse_http_date(v)
            .map(Some)
            .ok_or_else(|| {
                ParseError::new(format!("{op} response has a malformed {name} header")).into()
            }),
    }
}

pub(crate) fn metadata(h: &HeaderMap) -> Metadata {
    let mut m: Metadata = h
        .iter()
        .filter_map(|(n, v)| {
            let name = n.as_str().strip_prefix(X_OSS_META_PREFIX)?;
            Some((
                name.to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            ))
        })
        .collect();
    m.sort();
    m
}

pub(crate) fn parse_xml<T: serde::de::DeserializeOwned>(
    body: &[u8],
    op: &str,
    root: &str,
) -> Result<T, Error> {
    wire::from_xml_root(body, root).map_err(|e| {
        ParseError::with_source(format!("failed to parse {op} response body"), e).into()
    })
}

#[cfg(test)]
mod tests {
    use super::{EarlyNext, ListObjectsV2, Paginate, list_head};
    use http::StatusCode;

    /// A body that never reaches an entry (a server that is not OSS, or a hostile one) must
    /// not be rescanned from its start at every chunk for as long as it goes on: past the
    /// longest head OSS can write, the early answer is `Wait` (parse, then `next_page`).
    #[test]
    fn a_page_without_entries_is_not_watched_forever() {
        let op = ListObjectsV2::new("bucket");
        let head = "<R><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>\
            <NextContinuationToken>t</NextContinuationToken>";
        let long = format!("{head}<Name>{}</Name>", "x".repeat(200_000));
        assert_eq!(
            op.next_page_from_start(StatusCode::OK, long.as_bytes(), false),
            EarlyNext::Wait
        );
        // A head still short of the limit may yet be followed by an entry.
        assert_eq!(
            op.next_page_from_start(StatusCode::OK, head.as_bytes(), false),
            EarlyNext::ReadMore
        );
    }

    #[test]
    fn a_list_head_ends_at_the_first_entry_of_either_kind() {
        let e = &["<Contents>", "<CommonPrefixes>"];
        let b = b"<R><T>1</T><CommonPrefixes>p</CommonPrefixes><Contents>c</Contents></R>";
        assert_eq!(list_head(b, e, false), Some(&b"<R><T>1</T>"[..]));
        let b = b"<R><T>1</T><Contents>c</Contents><CommonPrefixes>p</CommonPrefixes></R>";
        assert_eq!(list_head(b, e, false), Some(&b"<R><T>1</T>"[..]));
        // No entry yet: unknown until the body is complete, then all of it.
        let b = b"<R><T>1</T><Conte";
        assert_eq!(list_head(b, e, false), None);
        assert_eq!(list_head(b, e, true), Some(&b[..]));
    }
}
