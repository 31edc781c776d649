use std::borrow::Cow;

use bytes::Bytes;
use http::{Method, Request, Response};

use super::{EarlyNext, Operation, Paginate, RequestParts, check, request_id};
use crate::config::Config;
use crate::error::{BuildError, Error, ParseError};
use crate::headers::{
    Q_CONTINUATION_TOKEN, Q_DELIMITER, Q_ENCODING_TYPE, Q_FETCH_OWNER, Q_LIST_TYPE, Q_MAX_KEYS,
    Q_PREFIX, Q_START_AFTER,
};
use crate::object::{ObjectType, StorageClass};
use crate::wire::{self, non_empty, url_decoded};
use crate::{ETag, Timestamp};

/// Longest `prefix`, `delimiter` or `start-after` OSS accepts (bytes).
pub const MAX_LIST_PARAM_BYTES: usize = 1023;

/// `GET /?list-type=2`: one page of a bucket's objects, in UTF-8 byte order.
///
/// `encoding-type=url` is always sent, and every key, prefix and token is decoded before you
/// see it, so keys with control characters (which raw XML cannot carry) list correctly. Use
/// [`Paginate::next_page`] (or `Client::list_objects_v2`) to walk every page. Listings carry no
/// encryption: HeadObject (or an inventory) says how an object is encrypted.
///
/// <https://www.alibabacloud.com/help/en/oss/developer-reference/listobjectsv2>
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListObjectsV2 {
    bucket: String,
    prefix: Option<String>,
    delimiter: Option<String>,
    start_after: Option<String>,
    continuation_token: Option<String>,
    max_keys: Option<u32>,
    fetch_owner: bool,
}

impl ListObjectsV2 {
    /// Lists `bucket` from its first key.
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
    /// Roll keys up to the first `delimiter` after the prefix into common prefixes.
    #[must_use]
    pub fn with_delimiter(mut self, delimiter: impl Into<String>) -> Self {
        self.delimiter = Some(delimiter.into()).filter(|d: &String| !d.is_empty());
        self
    }
    /// Only keys after `key` (strictly; it need not exist).
    #[must_use]
    pub fn with_start_after(mut self, key: impl Into<String>) -> Self {
        self.start_after = Some(key.into()).filter(|k: &String| !k.is_empty());
        self
    }
    /// Resume where a previous page ended (its `next_continuation_token`).
    #[must_use]
    pub fn with_continuation_token(mut self, token: impl Into<String>) -> Self {
        self.continuation_token = Some(token.into()).filter(|t: &String| !t.is_empty());
        self
    }
    /// At most `n` entries (objects plus common prefixes) per page, 1 to 1000 (OSS's
    /// default is 100).
    #[must_use]
    pub fn with_max_keys(mut self, n: u32) -> Self {
        self.max_keys = Some(n);
        self
    }
    /// Include each object's owner.
    #[must_use]
    pub fn with_fetch_owner(mut self, fetch: bool) -> Self {
        self.fetch_owner = fetch;
        self
    }
    /// Bucket.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }
    /// Prefix.
    pub fn prefix(&self) -> Option<&str> {
        self.prefix.as_deref()
    }
    /// Delimiter.
    pub fn delimiter(&self) -> Option<&str> {
        self.delimiter.as_deref()
    }
    /// Continuation token.
    pub fn continuation_token(&self) -> Option<&str> {
        self.continuation_token.as_deref()
    }
}

/// An object's owner (with `fetch-owner`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Owner {
    /// Owner id.
    pub id: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
}

/// One object of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectSummary {
    /// The key, decoded.
    pub key: String,
    /// When the object was last modified.
    pub last_modified: Option<Timestamp>,
    /// ETag without quotes.
    pub etag: Option<ETag>,
    /// `Normal`, `Multipart`, `Appendable` or `Symlink`.
    pub object_type: Option<ObjectType>,
    /// Size in bytes.
    pub size: u64,
    /// Storage class.
    pub storage_class: Option<StorageClass>,
    /// Restore status of an archived object.
    pub restore_info: Option<String>,
    /// When the object last changed storage class.
    pub transition_time: Option<String>,
    /// Owner (with `fetch-owner`).
    pub owner: Option<Owner>,
}

/// One page of ListObjectsV2.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListObjectsV2Output {
    /// Bucket.
    pub name: Option<String>,
    /// The prefix asked for.
    pub prefix: Option<String>,
    /// The delimiter asked for.
    pub delimiter: Option<String>,
    /// `start-after` asked for.
    pub start_after: Option<String>,
    /// The token this page continued from.
    pub continuation_token: Option<String>,
    /// Entries asked for per page.
    pub max_keys: Option<u32>,
    /// Objects plus common prefixes in this page.
    pub key_count: Option<u64>,
    /// Whether more pages follow.
    pub is_truncated: bool,
    /// Pass it to [`ListObjectsV2::with_continuation_token`] for the next page.
    pub next_continuation_token: Option<String>,
    /// The objects, in key order.
    pub contents: Vec<ObjectSummary>,
    /// Common prefixes (with a delimiter), in order.
    pub common_prefixes: Vec<String>,
    /// `x-oss-request-id`.
    pub request_id: Option<String>,
}

fn check_param(field: &'static str, v: Option<&str>) -> Result<(), BuildError> {
    if let Some(v) = v
        && v.len() > MAX_LIST_PARAM_BYTES
    {
        return Err(BuildError::new(
            field,
            format!(
                "is {} bytes long; the limit is {MAX_LIST_PARAM_BYTES}",
                v.len()
            ),
        ));
    }
    Ok(())
}

pub(crate) fn check_max(field: &'static str, n: Option<u32>) -> Result<(), BuildError> {
    match n {
        Some(n) if !(1..=1000).contains(&n) => {
            Err(BuildError::new(field, format!("{n} is outside 1..=1000")))
        }
        _ => Ok(()),
    }
}

/// A number in a listing, or a parse error naming it.
pub(crate) fn num<T: std::str::FromStr>(
    v: Option<String>,
    op: &str,
    what: &str,
) -> Result<Option<T>, Error> {
    match non_empty(v) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| {
            ParseError::new(format!("{op} response has a malformed {what}: {s:?}")).into()
        }),
    }
}

pub(crate) fn bool_field(v: Option<String>, op: &str, what: &str) -> Result<bool, Error> {
    match non_empty(v).as_deref() {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => {
            Err(ParseError::new(format!("{op} response has a malformed {what}: {other:?}")).into())
        }
    }
}

/// A field of a listing: decoded when the page says `encoding-type=url`.
pub(crate) fn field(
    v: Option<String>,
    url: bool,
    op: &str,
    what: &str,
) -> Result<Option<String>, Error> {
    match v {
        // Empty text reads as absent, except for keys (never empty) and prefixes.
        None => Ok(None),
        Some(s) if s.is_empty() => Ok(None),
        Some(s) if url => url_decoded(s, what)
            .map(Some)
            .map_err(|e| ParseError::new(format!("{op} response: {e}")).into()),
        Some(s) => Ok(Some(s)),
    }
}

impl Operation for ListObjectsV2 {
    type Output = ListObjectsV2Output;
    const NAME: &'static str = "ListObjectsV2";

    fn to_request(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        check_param("prefix", self.prefix.as_deref())?;
        check_param("delimiter", self.delimiter.as_deref())?;
        check_param("start_after", self.start_after.as_deref())?;
        check_max("max_keys", self.max_keys)?;
        let mut parts = RequestParts::new(Method::GET, Some(&self.bucket), None)?
            .query(Q_LIST_TYPE, Some("2".into()));
        if let Some(t) = &self.continuation_token {
            parts = parts.query(Q_CONTINUATION_TOKEN, Some(t.clone()));
        }
        if let Some(d) = &self.delimiter {
            parts = parts.query(Q_DELIMITER, Some(d.clone()));
        }
        parts = parts.query(Q_ENCODING_TYPE, Some("url".into()));
        if self.fetch_owner {
            parts = parts.query(Q_FETCH_OWNER, Some("true".into()));
        }
        if let Some(n) = self.max_keys {
            parts = parts.query(Q_MAX_KEYS, Some(n.to_string()));
        }
        if let Some(p) = &self.prefix {
            parts = parts.query(Q_PREFIX, Some(p.clone()));
        }
        if let Some(s) = &self.start_after {
            parts = parts.query(Q_START_AFTER, Some(s.clone()));
        }
        parts.build(config)
    }

    fn from_response(&self, response: Response<Bytes>) -> Result<Self::Output, Error> {
        let (head, body) = check(response)?;
        let op = Self::NAME;
        let mut doc: Page<'_> = wire::read_list(
            &body,
            "ListBucketResult",
            |doc: &mut Page<'_>, path, text| match text {
                Some(text) => doc.leaf(path, text),
                None => {
                    if path == ["Contents"] {
                        doc.end_entry();
                    }
                }
            },
        )
        .map_err(|e| ParseError::new(format!("failed to parse {op} response body: {e}")))?;
        if let Some(e) = doc.error.take() {
            return Err(e);
        }
        let top = |name: &str| {
            doc.top
                .iter()
                .rev()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_ref().to_owned())
        };
        let url = non_empty(top("EncodingType")).is_some_and(|e| e.eq_ignore_ascii_case("url"));
        let mut contents = std::mem::take(&mut doc.contents);
        for c in std::mem::take(&mut doc.unsure) {
            contents.push(summary(c, url)?);
        }
        let common_prefixes = doc
            .common_prefixes
            .into_iter()
            .filter_map(|p| cow_field(Some(p), url, op, "CommonPrefixes/Prefix").transpose())
            .collect::<Result<Vec<_>, _>>()?;
        let is_truncated = bool_field(top("IsTruncated"), op, "IsTruncated")?;
        let next_continuation_token = field(
            top("NextContinuationToken"),
            url,
            op,
            "NextContinuationToken",
        )?;
        if is_truncated && next_continuation_token.is_none() {
            return Err(ParseError::new(
                "ListObjectsV2 response is truncated but has no NextContinuationToken",
            )
            .into());
        }
        Ok(ListObjectsV2Output {
            name: non_empty(top("Name")),
            prefix: field(top("Prefix"), url, op, "Prefix")?,
            delimiter: field(top("Delimiter"), url, op, "Delimiter")?,
            start_after: field(top("StartAfter"), url, op, "StartAfter")?,
            continuation_token: field(top("ContinuationToken"), url, op, "ContinuationToken")?,
            max_keys: num(top("MaxKeys"), op, "MaxKeys")?,
            key_count: num(top("KeyCount"), op, "KeyCount")?,
            is_truncated,
            next_continuation_token,
            contents,
            common_prefixes,
            request_id: request_id(&head.headers),
        })
    }
}

/// A page as read: the root's leaves and each entry's fields, borrowed from the body where
/// the text has no references.
#[derive(Default)]
struct Page<'a> {
    top: Vec<(&'static str, Cow<'a, str>)>,
    /// Whether keys are URL-encoded, once `EncodingType` has been read (before any entry).
    url: Option<bool>,
    contents: Vec<ObjectSummary>,
    /// Entries read before `EncodingType`, converted at the end.
    unsure: Vec<Item<'a>>,
    common_prefixes: Vec<Cow<'a, str>>,
    /// The entry being read.
    item: Item<'a>,
    /// The first entry that could not be converted.
    error: Option<Error>,
}

impl<'a> Page<'a> {
    /// A leaf's text: an entry's field, a common prefix or a field of the page.
    #[inline(always)]
    fn leaf(&mut self, path: &[&'static str], text: Cow<'a, str>) {
        let item = &mut self.item;
        match *path {
            ["Contents", "Key"] => item.key = Some(text),
            ["Contents", "LastModified"] => item.last_modified = Some(text),
            ["Contents", "ETag"] => item.etag = Some(text),
            ["Contents", "Type"] => item.object_type = Some(text),
            ["Contents", "Size"] => item.size = Some(text),
            ["Contents", "StorageClass"] => item.storage_class = Some(text),
            ["Contents", "RestoreInfo"] => item.restore_info = Some(text),
            ["Contents", "TransitionTime"] => item.transition_time = Some(text),
            ["Contents", "Owner", "ID"] => item.owner_id = Some(text),
            ["Contents", "Owner", "DisplayName"] => item.owner_name = Some(text),
            ["CommonPrefixes", "Prefix"] => self.common_prefixes.push(text),
            ["EncodingType"] => {
                // Entries read before it (none, from OSS) wait for the end.
                if self.contents.is_empty() && self.unsure.is_empty() {
                    self.url = Some(text.trim().eq_ignore_ascii_case("url"));
                }
                self.top.push(("EncodingType", text));
            }
            [name] => {
                // OSS writes MaxKeys before the entries: room for a full page at once.
                if name == "MaxKeys"
                    && let Ok(n) = text.trim().parse::<usize>()
                {
                    self.contents.reserve(n.min(1000));
                }
                self.top.push((name, text));
            }
            _ => {}
        }
        if let ["Contents", "Owner", ..] = *path {
            self.item.owner = true;
        }
    }

    /// The end of an entry: converted now when the page has said how keys are encoded
    /// (OSS writes `EncodingType` first), else at the end.
    fn end_entry(&mut self) {
        let item = std::mem::take(&mut self.item);
        match self.url {
            Some(url) => match summary(item, url) {
                Ok(o) => self.contents.push(o),
                Err(e) => {
                    self.error.get_or_insert(e);
                }
            },
            None => self.unsure.push(item),
        }
    }
}

/// An entry as the caller sees it.
fn summary(c: Item<'_>, url: bool) -> Result<ObjectSummary, Error> {
    let op = "ListObjectsV2";
    let key = cow_field(c.key, url, op, "Key")?
        .ok_or_else(|| ParseError::new("ListObjectsV2 response has an object without a Key"))?;
    let size = match c.size.as_deref().map(str::trim) {
        None | Some("") => 0,
        Some(s) => s
            .parse()
            .map_err(|_| ParseError::new(format!("{op} response has a malformed Size: {s:?}")))?,
    };
    Ok(ObjectSummary {
        key,
        last_modified: super::xml_time(c.last_modified.as_deref(), op, "LastModified")?,
        etag: c.etag.as_deref().and_then(ETag::from_wire),
        object_type: ObjectType::from_wire(c.object_type),
        size,
        storage_class: StorageClass::from_wire(c.storage_class),
        restore_info: text(c.restore_info),
        transition_time: text(c.transition_time),
        owner: c.owner.then(|| Owner {
            id: text(c.owner_id),
            display_name: text(c.owner_name),
        }),
    })
}

#[derive(Default)]
struct Item<'a> {
    key: Option<Cow<'a, str>>,
    last_modified: Option<Cow<'a, str>>,
    etag: Option<Cow<'a, str>>,
    object_type: Option<Cow<'a, str>>,
    size: Option<Cow<'a, str>>,
    storage_class: Option<Cow<'a, str>>,
    restore_info: Option<Cow<'a, str>>,
    transition_time: Option<Cow<'a, str>>,
    owner: bool,
    owner_id: Option<Cow<'a, str>>,
    owner_name: Option<Cow<'a, str>>,
}

/// Trimmed text, absent when empty.
pub(crate) fn text(v: Option<Cow<'_, str>>) -> Option<String> {
    let v = v?;
    let t = v.trim();
    if t.is_empty() {
        return None;
    }
    if t.len() == v.len() {
        // Already trimmed: an owned (unescaped) text is kept, not copied.
        return Some(v.into_owned());
    }
    Some(t.to_owned())
}

/// [`field`] for borrowed text: empty reads as absent, URL-decoded when the page says so.
pub(crate) fn cow_field(
    v: Option<Cow<'_, str>>,
    url: bool,
    op: &str,
    what: &str,
) -> Result<Option<String>, Error> {
    match v {
        None => Ok(None),
        Some(s) if s.is_empty() => Ok(None),
        Some(s) if url => wire::url_decode(&s).map(Some).ok_or_else(|| {
            ParseError::new(format!(
                "{op} response: {what} {s:?} does not decode to UTF-8"
            ))
            .into()
        }),
        Some(s) => Ok(Some(s.into_owned())),
    }
}

impl Paginate for ListObjectsV2 {
    fn next_page(&self, previous: &Self::Output) -> Option<Self> {
        let token = previous.next_continuation_token.as_ref()?;
        previous
            .is_truncated
            .then(|| self.clone().with_continuation_token(token.clone()))
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
            &["<Contents>", "<CommonPrefixes>"],
            complete,
        ) {
            Ok(head) => head,
            Err(answer) => return answer,
        };
        super::head_marker(head, "NextContinuationToken").map_or(EarlyNext::Wait, |token| {
            EarlyNext::Fetch(self.clone().with_continuation_token(token))
        })
    }
}
