//! Listing: ListObjectsV2, ListObjects (v1) and ListMultipartUploads, with OSS's semantics
//! (oss-listing-copy §1, §2, §8). A page costs O(log n + page): keys are a `BTreeMap` in UTF-8
//! byte order, and a common prefix is skipped with one seek past all the keys under it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::Bound;
use std::sync::Arc;

use http::StatusCode;

use oss_sse_core::time::format_iso8601;
use oss_sse_core::wire::xml_escape;

use super::{R, XML_DECL, xml};
use crate::error::OssErr;
use crate::server::{Ctx, Shared};
use crate::store::{Object, Upload, UploadKey};

/// Longest `prefix`, `delimiter`, `start-after`, `marker` OSS accepts (bytes).
const MAX_PARAM: usize = 1023;

/// The listing parameters every listing shares.
struct Params<'a> {
    prefix: &'a str,
    delimiter: &'a str,
    url: bool,
}

fn param<'a>(ctx: &'a Ctx, name: &str) -> Result<&'a str, OssErr> {
    let v = ctx.q(name).unwrap_or("");
    if v.len() > MAX_PARAM {
        return Err(OssErr::invalid_argument(format!(
            "{name} is longer than {MAX_PARAM} bytes."
        )));
    }
    Ok(v)
}

fn params(ctx: &Ctx) -> Result<Params<'_>, OssErr> {
    let url = match ctx.q("encoding-type").unwrap_or("") {
        "" => false,
        e if e.eq_ignore_ascii_case("url") => true,
        other => {
            return Err(OssErr::invalid_argument(format!(
                "encoding-type {other:?} is not supported; use url."
            )));
        }
    };
    Ok(Params {
        prefix: param(ctx, "prefix")?,
        delimiter: param(ctx, "delimiter")?,
        url,
    })
}

/// `max-keys` / `max-uploads`: default `default`, else 1..=1000 (0 and 1001 are 400).
fn max_entries(ctx: &Ctx, name: &str, default: usize) -> Result<usize, OssErr> {
    match ctx.q(name).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| {
                OssErr::invalid_argument(format!("{name} must be an integer from 1 to 1000."))
            }),
    }
}

/// A field as the response carries it: percent-encoded with `encoding-type=url` (every
/// byte outside `A-Za-z0-9-_.~`, so `/`, `+` and space never appear raw and every client's
/// decoder agrees), else XML-escaped.
fn out(v: &str, url: bool) -> String {
    let mut s = String::with_capacity(v.len() + 8);
    push_out(&mut s, v, url);
    s
}

/// Appends `v` as a list document carries it: under `encoding-type=url` every byte outside
/// `A-Za-z0-9-_.~` as upper-case `%XX` (so `/`, `+`, space and `%` decode the same in every
/// SDK), otherwise XML-escaped. A page appends a thousand keys: runs of plain bytes are
/// copied at once.
fn push_out(s: &mut String, v: &str, url: bool) {
    if !url {
        s.push_str(&xml_escape(v));
        return;
    }
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut run = 0;
    for (i, &c) in v.as_bytes().iter().enumerate() {
        if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'~') {
            continue;
        }
        // `run..i` is plain ASCII right after an escaped byte (or at the start): both ends
        // are character boundaries.
        if run < i {
            s.push_str(&v[run..i]);
        }
        s.push('%');
        s.push(char::from(HEX[usize::from(c >> 4)]));
        s.push(char::from(HEX[usize::from(c & 15)]));
        run = i + 1;
    }
    if run < v.len() {
        s.push_str(&v[run..]);
    }
}

/// The common prefix `key` rolls up into, if any.
fn rollup<'k>(key: &'k str, prefix: &str, delimiter: &str) -> Option<&'k str> {
    if delimiter.is_empty() {
        return None;
    }
    let rest = &key[prefix.len()..];
    rest.find(delimiter)
        .map(|i| &key[..prefix.len() + i + delimiter.len()])
}

/// The smallest string greater than every string that starts with `p` (`None`: there is
/// none), so a listing skips everything under a common prefix with one seek.
fn past(p: &str) -> Option<String> {
    let mut chars: Vec<char> = p.chars().collect();
    while let Some(c) = chars.pop() {
        let next = match c as u32 {
            0xD7FF => Some('\u{E000}'),
            n => char::from_u32(n + 1),
        };
        if let Some(n) = next {
            chars.push(n);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// One entry of a listing page.
enum Item<'a> {
    Object(&'a Arc<Object>),
    Prefix(String),
}

impl Item<'_> {
    fn name(&self) -> &str {
        match self {
            Item::Object(o) => &o.meta.key,
            Item::Prefix(p) => p,
        }
    }
}

/// Up to `max` entries after `after` (strictly) under `prefix`; whether more follow. A
/// common prefix is listed only if it sorts after `after`, so a page that ends on a prefix
/// never lists it again on the next page, and `start-after` inside a prefix skips it.
fn page<'a>(
    objects: &'a BTreeMap<String, Arc<Object>>,
    p: &Params<'_>,
    after: &str,
    max: usize,
) -> (Vec<Item<'a>>, bool) {
    let mut items = Vec::new();
    let mut lower = if after >= p.prefix {
        Bound::Excluded(after.to_owned())
    } else {
        Bound::Included(p.prefix.to_owned())
    };
    'seek: loop {
        let range = objects.range::<String, _>((lower.clone(), Bound::Unbounded));
        for (k, o) in range {
            if !p.prefix.is_empty() && !k.starts_with(p.prefix) {
                break 'seek;
            }
            match rollup(k, p.prefix, p.delimiter) {
                Some(cp) => {
                    if cp > after {
                        if items.len() == max {
                            return (items, true);
                        }
                        items.push(Item::Prefix(cp.to_owned()));
                    }
                    match past(cp) {
                        Some(n) => {
                            lower = Bound::Included(n);
                            continue 'seek;
                        }
                        None => break 'seek,
                    }
                }
                None => {
                    if items.len() == max {
                        return (items, true);
                    }
                    items.push(Item::Object(o));
                }
            }
        }
        break;
    }
    (items, false)
}

/// The opaque continuation token: standard base64 of a version byte and the last entry.
fn token_for(last: &str) -> String {
    let mut b = vec![1u8];
    b.extend_from_slice(last.as_bytes());
    oss_sse_core::crypto::base64_encode(&b)
}

fn token_position(t: &str) -> Result<String, OssErr> {
    let bad = || OssErr::invalid_argument("The continuation-token you specified is not valid.");
    let raw = oss_sse_core::crypto::base64_decode(t).ok_or_else(bad)?;
    match raw.split_first() {
        Some((1, rest)) => String::from_utf8(rest.to_vec()).map_err(|_| bad()),
        _ => Err(bad()),
    }
}

/// `LastModified` of the objects of one page (many share a second).
#[derive(Default)]
struct Times(Option<(i64, String)>);

impl Times {
    fn get(&mut self, secs: i64) -> &str {
        if self.0.as_ref().is_none_or(|(t, _)| *t != secs) {
            self.0 = Some((secs, format_iso8601(secs)));
        }
        self.0.as_ref().map_or("", |(_, s)| s.as_str())
    }
}

fn contents(s: &mut String, o: &Object, url: bool, owner: bool, times: &mut Times) {
    let m = &o.meta;
    s.push_str("<Contents><Key>");
    push_out(s, &m.key, url);
    s.push_str("</Key><LastModified>");
    s.push_str(times.get(m.last_modified));
    s.push_str("</LastModified><ETag>\"");
    s.push_str(&m.etag);
    s.push_str("\"</ETag><Type>");
    s.push_str(&m.object_type);
    let _ = write!(s, "</Type><Size>{}</Size>", m.size);
    s.push_str("<StorageClass>Standard</StorageClass>");
    if owner {
        s.push_str(
            "<Owner><ID>oss-sse-emulator</ID><DisplayName>oss-sse-emulator</DisplayName></Owner>",
        );
    }
    s.push_str("</Contents>");
}

fn tail(s: &mut String, items: &[Item<'_>], url: bool, owner: bool) {
    let mut times = Times::default();
    for i in items {
        if let Item::Object(o) = i {
            contents(s, o, url, owner, &mut times);
        }
    }
    for i in items {
        if let Item::Prefix(p) = i {
            s.push_str("<CommonPrefixes><Prefix>");
            push_out(s, p, url);
            s.push_str("</Prefix></CommonPrefixes>");
        }
    }
}

pub(super) async fn list_objects_v2(shared: &Shared, ctx: &Ctx) -> R {
    let p = params(ctx)?;
    let max = max_entries(ctx, "max-keys", 100)?;
    let start_after = param(ctx, "start-after")?;
    let token = ctx.q("continuation-token").filter(|t| !t.is_empty());
    let resume = token.map(token_position).transpose()?;
    let owner = ctx
        .q("fetch-owner")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let after = match &resume {
        Some(r) if r.as_str() > start_after => r.as_str(),
        _ => start_after,
    };
    let buckets = shared.store.buckets.read().await;
    let bucket = buckets
        .get(ctx.bucket())
        .ok_or_else(|| OssErr::no_such_bucket(ctx.bucket()))?;
    let (items, truncated) = page(&bucket.objects, &p, after, max);
    let mut s = String::with_capacity(512 + items.len() * 300);
    let _ = write!(
        s,
        "{XML_DECL}<ListBucketResult><Name>{}</Name><Prefix>{}</Prefix>",
        xml_escape(ctx.bucket()),
        out(p.prefix, p.url)
    );
    if ctx.q("start-after").is_some() {
        let _ = write!(s, "<StartAfter>{}</StartAfter>", out(start_after, p.url));
    }
    if let Some(t) = token {
        let _ = write!(
            s,
            "<ContinuationToken>{}</ContinuationToken>",
            out(t, p.url)
        );
    }
    let _ = write!(s, "<MaxKeys>{max}</MaxKeys>");
    if ctx.q("delimiter").is_some() {
        let _ = write!(s, "<Delimiter>{}</Delimiter>", out(p.delimiter, p.url));
    }
    if p.url {
        s.push_str("<EncodingType>url</EncodingType>");
    }
    let _ = write!(s, "<IsTruncated>{truncated}</IsTruncated>");
    if truncated && let Some(last) = items.last() {
        let _ = write!(
            s,
            "<NextContinuationToken>{}</NextContinuationToken>",
            out(&token_for(last.name()), p.url)
        );
    }
    tail(&mut s, &items, p.url, owner);
    let _ = writeln!(s, "<KeyCount>{}</KeyCount></ListBucketResult>", items.len());
    drop(buckets);
    Ok(xml(StatusCode::OK, s))
}

/// ListObjects (v1): `marker` instead of tokens; owners always listed.
pub(super) async fn list_objects(shared: &Shared, ctx: &Ctx) -> R {
    let p = params(ctx)?;
    let max = max_entries(ctx, "max-keys", 100)?;
    let marker = param(ctx, "marker")?;
    let buckets = shared.store.buckets.read().await;
    let bucket = buckets
        .get(ctx.bucket())
        .ok_or_else(|| OssErr::no_such_bucket(ctx.bucket()))?;
    let (items, truncated) = page(&bucket.objects, &p, marker, max);
    let mut s = String::with_capacity(512 + items.len() * 350);
    let _ = write!(
        s,
        "{XML_DECL}<ListBucketResult><Name>{}</Name><Prefix>{}</Prefix><Marker>{}</Marker><MaxKeys>{max}</MaxKeys><Delimiter>{}</Delimiter>",
        xml_escape(ctx.bucket()),
        out(p.prefix, p.url),
        out(marker, p.url),
        out(p.delimiter, p.url)
    );
    if p.url {
        s.push_str("<EncodingType>url</EncodingType>");
    }
    let _ = write!(s, "<IsTruncated>{truncated}</IsTruncated>");
    if truncated && let Some(last) = items.last() {
        let _ = write!(s, "<NextMarker>{}</NextMarker>", out(last.name(), p.url));
    }
    tail(&mut s, &items, p.url, true);
    s.push_str("</ListBucketResult>\n");
    drop(buckets);
    Ok(xml(StatusCode::OK, s))
}

pub(super) async fn list_multipart_uploads(shared: &Shared, ctx: &Ctx) -> R {
    let p = params(ctx)?;
    let max = max_entries(ctx, "max-uploads", 1000)?;
    let key_marker = param(ctx, "key-marker")?;
    // The upload-id marker counts only with a key marker.
    let id_marker = if key_marker.is_empty() {
        ""
    } else {
        ctx.q("upload-id-marker").unwrap_or("")
    };
    super::bucket_meta(shared, ctx.bucket()).await?;
    let uploads = shared.store.uploads.read().await;
    let bucket = ctx.bucket().to_owned();
    let lower: UploadKey = (bucket.clone(), key_marker.to_owned(), id_marker.to_owned());
    // Key marker without an id marker: every upload of that key is before the page.
    let skip_marker_key = id_marker.is_empty() && !key_marker.is_empty();
    let mut items: Vec<UploadItem<'_>> = Vec::new();
    let mut truncated = false;
    let mut last_prefix: Option<String> = None;
    for ((b, key, id), up) in uploads
        .by_key
        .range::<UploadKey, _>((Bound::Excluded(lower), Bound::Unbounded))
    {
        if *b != bucket {
            break;
        }
        if skip_marker_key && key == key_marker {
            continue;
        }
        if !key.starts_with(p.prefix) {
            if key.as_str() > p.prefix {
                break;
            }
            continue;
        }
        let entry = match rollup(key, p.prefix, p.delimiter) {
            Some(cp) if key_marker < cp => {
                if last_prefix.as_deref() == Some(cp) {
                    continue;
                }
                last_prefix = Some(cp.to_owned());
                UploadItem::Prefix(cp.to_owned())
            }
            Some(_) => continue,
            None => UploadItem::Upload(key, id, up),
        };
        if items.len() == max {
            truncated = true;
            break;
        }
        items.push(entry);
    }
    let (next_key, next_id) = match items.last() {
        Some(UploadItem::Upload(k, id, _)) if truncated => (k.to_string(), id.to_string()),
        Some(UploadItem::Prefix(cp)) if truncated => (cp.clone(), String::new()),
        _ => (String::new(), String::new()),
    };
    let mut s = String::with_capacity(512 + items.len() * 300);
    let _ = write!(s, "{XML_DECL}<ListMultipartUploadsResult>");
    if p.url {
        s.push_str("<EncodingType>url</EncodingType>");
    }
    let _ = write!(
        s,
        "<Bucket>{}</Bucket><KeyMarker>{}</KeyMarker><UploadIdMarker>{}</UploadIdMarker><NextKeyMarker>{}</NextKeyMarker><NextUploadIdMarker>{}</NextUploadIdMarker><Delimiter>{}</Delimiter><Prefix>{}</Prefix><MaxUploads>{max}</MaxUploads><IsTruncated>{truncated}</IsTruncated>",
        xml_escape(&bucket),
        out(key_marker, p.url),
        xml_escape(id_marker),
        out(&next_key, p.url),
        xml_escape(&next_id),
        out(p.delimiter, p.url),
        out(p.prefix, p.url)
    );
    for i in &items {
        if let UploadItem::Upload(key, id, up) = i {
            let _ = write!(
                s,
                "<Upload><Key>{}</Key><UploadId>{id}</UploadId><StorageClass>Standard</StorageClass><Initiated>{}</Initiated></Upload>",
                out(key, p.url),
                format_iso8601(up.meta.initiated)
            );
        }
    }
    for i in &items {
        if let UploadItem::Prefix(cp) = i {
            let _ = write!(
                s,
                "<CommonPrefixes><Prefix>{}</Prefix></CommonPrefixes>",
                out(cp, p.url)
            );
        }
    }
    s.push_str("</ListMultipartUploadsResult>\n");
    drop(uploads);
    Ok(xml(StatusCode::OK, s))
}

enum UploadItem<'a> {
    Upload(&'a str, &'a str, &'a Arc<Upload>),
    Prefix(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_every_string_with_a_prefix() {
        assert_eq!(past("a/").as_deref(), Some("a0"));
        assert_eq!(past("x\u{D7FF}").as_deref(), Some("x\u{E000}"));
        assert_eq!(past("x\u{10FFFF}").as_deref(), Some("y"));
        assert_eq!(past("\u{10FFFF}"), None);
        for p in ["a/", "b+", "中/"] {
            let n = past(p).unwrap();
            for s in [p.to_owned(), format!("{p}\u{10FFFF}"), format!("{p}zzz")] {
                assert!(s < n, "{s:?} < {n:?}");
            }
        }
    }

    #[test]
    fn tokens_round_trip_and_garbage_is_refused() {
        for k in ["", "a/b", "中 文+%"] {
            assert_eq!(token_position(&token_for(k)).unwrap(), k);
        }
        for bad in ["", "!!", "bm9wZQ", "AP8"] {
            assert!(token_position(bad).is_err(), "{bad}");
        }
    }
}
