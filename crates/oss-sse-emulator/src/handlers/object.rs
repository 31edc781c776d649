//! Objects: PutObject, AppendObject, CopyObject, GetObject, HeadObject, DeleteObject.

use std::sync::Arc;

use http::StatusCode;
use http::header::{
    ACCEPT_RANGES, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG, LAST_MODIFIED,
};
use http_body_util::BodyExt;

use oss_sse_core::headers::{
    X_OSS_HASH_CRC64ECMA, X_OSS_NEXT_APPEND_POSITION, X_OSS_OBJECT_TYPE, X_OSS_STORAGE_CLASS,
};
use oss_sse_core::time::{format_http_date, format_iso8601};

use super::{
    R, XML_DECL, bucket_meta, check_key, commit_err, discard, effective_sse, forbid_overwrite,
    md5_bytes, metadata_of, ok_empty, receive, request_sse, sse_headers, std_headers_of, tags_of,
    xml,
};
use crate::blob::{self, Blob, ObjectReader};
use crate::body::ReqBody;
use crate::error::OssErr;
use crate::server::{BoxError, Ctx, Shared, empty, full};
use crate::store::{CommitError, Guard, Object, ObjectMeta};

/// The object at the request's key (404 `NoSuchBucket` when the bucket is missing).
pub(super) async fn current(
    shared: &Shared,
    bucket: &str,
    key: &str,
) -> Result<Option<Arc<Object>>, OssErr> {
    shared
        .store
        .current(bucket, key)
        .await
        .map_err(|e| commit_err(e, bucket))
}

/// Commits `blobs` as a new object; on failure the blobs are discarded (unless they belong
/// to the object that stays).
pub(super) async fn commit_new(
    shared: &Shared,
    meta: ObjectMeta,
    blobs: Vec<Arc<Blob>>,
    guard: Guard,
) -> Result<Arc<Object>, OssErr> {
    let bucket = meta.bucket.clone();
    match shared.store.commit(meta, blobs.clone(), guard).await {
        Ok(o) => Ok(o),
        // Committed after all (not durably): the blobs are the object's.
        Err(e @ CommitError::Unsure(_)) => Err(commit_err(e, &bucket)),
        Err(e) => {
            discard(&blobs);
            Err(commit_err(e, &bucket))
        }
    }
}

pub(super) async fn put_object(shared: &Shared, ctx: &Ctx, body: &mut ReqBody) -> R {
    check_key(ctx)?;
    let meta = bucket_meta(shared, ctx.bucket()).await?;
    let forbid = forbid_overwrite(ctx);
    // A quick check before the body is read; the one that counts is made at commit.
    if forbid && current(shared, ctx.bucket(), ctx.key()).await?.is_some() {
        return Err(commit_err(CommitError::Exists, ctx.bucket()));
    }
    let sse = effective_sse(shared, request_sse(ctx)?, meta.rule.as_ref()).await?;
    let w = shared
        .store
        .object_writer(sse.as_ref())
        .await
        .map_err(OssErr::internal)?;
    let w = receive(ctx, body, w, None).await?;
    let blob = Arc::new(w.finish(None).await.map_err(OssErr::internal)?);
    let om = ObjectMeta {
        bucket: ctx.bucket().to_owned(),
        key: ctx.key().to_owned(),
        size: blob.info.size,
        etag: blob.info.md5.to_ascii_uppercase(),
        md5: Some(blob.info.md5.clone()),
        crc64: blob.info.crc64,
        headers: std_headers_of(ctx),
        metadata: metadata_of(ctx),
        tags: tags_of(ctx)?.unwrap_or_default(),
        sse,
        object_type: "Normal".into(),
        last_modified: shared.now_secs(),
        generation: 0,
        upload_id: None,
    };
    let guard = if forbid { Guard::Absent } else { Guard::None };
    let obj = commit_new(shared, om, vec![blob], guard).await?;
    let r = &obj.meta;
    let b = sse_headers(ok_empty(StatusCode::OK), r.sse.as_ref())
        .header(ETAG, format!("\"{}\"", r.etag))
        .header(X_OSS_HASH_CRC64ECMA, r.crc64.to_string())
        .header(
            "content-md5",
            oss_sse_core::crypto::base64_encode(&md5_bytes(r.md5.as_deref().unwrap_or(""))),
        );
    Ok(b.body(empty()).expect("response"))
}

fn position_error(size: u64) -> OssErr {
    commit_err(CommitError::Moved { size }, "")
}

pub(super) async fn append_object(shared: &Shared, ctx: &Ctx, body: &mut ReqBody) -> R {
    check_key(ctx)?;
    let position: u64 = ctx
        .q("position")
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| OssErr::invalid_argument("position must be a non-negative integer"))?;
    let meta = bucket_meta(shared, ctx.bucket()).await?;
    let existing = current(shared, ctx.bucket(), ctx.key()).await?;
    let (sse, mut prefix, headers, metadata, tags, guard) = match &existing {
        None => {
            if position != 0 {
                return Err(position_error(0));
            }
            let sse = effective_sse(shared, request_sse(ctx)?, meta.rule.as_ref()).await?;
            (
                sse,
                None,
                std_headers_of(ctx),
                metadata_of(ctx),
                tags_of(ctx)?.unwrap_or_default(),
                Guard::Generation(None),
            )
        }
        Some(o) => {
            if o.meta.object_type != "Appendable" {
                return Err(OssErr::new(
                    409,
                    "ObjectNotAppendable",
                    "The object is not appendable",
                ));
            }
            if position != o.meta.size {
                return Err(position_error(o.meta.size));
            }
            // The first append fixes the encryption; SSE headers on later appends are ignored.
            let keyring = shared.store.keyring.read().await.clone();
            (
                o.meta.sse.clone(),
                Some(ObjectReader::new(o.blobs.clone(), keyring)),
                o.meta.headers.clone(),
                o.meta.metadata.clone(),
                o.meta.tags.clone(),
                Guard::Generation(Some(o.meta.generation)),
            )
        }
    };
    let w = shared
        .store
        .object_writer(sse.as_ref())
        .await
        .map_err(OssErr::internal)?;
    let w = receive(ctx, body, w, prefix.as_mut()).await?;
    let blob = Arc::new(w.finish(None).await.map_err(OssErr::internal)?);
    let om = ObjectMeta {
        bucket: ctx.bucket().to_owned(),
        key: ctx.key().to_owned(),
        size: blob.info.size,
        etag: blob.info.md5.to_ascii_uppercase(),
        md5: Some(blob.info.md5.clone()),
        crc64: blob.info.crc64,
        headers,
        metadata,
        tags,
        sse,
        object_type: "Appendable".into(),
        last_modified: shared.now_secs(),
        generation: 0,
        upload_id: None,
    };
    // A racing append that committed first wins; this one then fails like OSS does.
    let obj = commit_new(shared, om, vec![blob], guard).await?;
    let r = &obj.meta;
    let b = sse_headers(ok_empty(StatusCode::OK), r.sse.as_ref())
        .header(ETAG, format!("\"{}\"", r.etag))
        .header(X_OSS_NEXT_APPEND_POSITION, r.size.to_string())
        .header(X_OSS_HASH_CRC64ECMA, r.crc64.to_string());
    Ok(b.body(empty()).expect("response"))
}

/// The source of a copy: `x-oss-copy-source: /bucket/key[?versionId=…]`, the key decoded
/// whether `/` came as itself or as `%2F`.
pub(super) fn copy_source(ctx: &Ctx) -> Result<(String, String), OssErr> {
    let raw = ctx.h("x-oss-copy-source").unwrap_or_default();
    let path = raw.split('?').next().unwrap_or_default();
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .map_err(|_| OssErr::invalid_argument("x-oss-copy-source does not decode to UTF-8"))?;
    let src = decoded.strip_prefix('/').unwrap_or(&decoded);
    let (b, k) = src
        .split_once('/')
        .filter(|(b, k)| !b.is_empty() && !k.is_empty())
        .ok_or_else(|| OssErr::invalid_argument("x-oss-copy-source must be /bucket/key"))?;
    Ok((b.to_owned(), k.to_owned()))
}

/// `x-oss-copy-source-if-*` against the source (oss-listing-copy §4.7): a failed `if-match`
/// or `if-unmodified-since` is 412, a failed `if-none-match` or `if-modified-since` 304; the
/// 412 ones are checked first. An unparsable date is ignored, as GetObject does.
pub(super) fn check_copy_conditions(ctx: &Ctx, m: &ObjectMeta) -> Result<(), OssErr> {
    let etag_is = |v: &str| {
        v.split(',')
            .any(|e| e.trim().trim_matches('"').eq_ignore_ascii_case(&m.etag))
    };
    let date = |n: &str| ctx.h(n).and_then(oss_sse_core::time::parse_http_date);
    if let Some(v) = ctx.h("x-oss-copy-source-if-match")
        && !etag_is(v)
    {
        return Err(super::precondition_failed());
    }
    if let Some(t) = date("x-oss-copy-source-if-unmodified-since")
        && m.last_modified > t
    {
        return Err(super::precondition_failed());
    }
    let not_modified = || OssErr::new(304, "NotModified", "The source has not changed.");
    if let Some(v) = ctx.h("x-oss-copy-source-if-none-match")
        && etag_is(v)
    {
        return Err(not_modified());
    }
    if let Some(t) = date("x-oss-copy-source-if-modified-since")
        && m.last_modified <= t
    {
        return Err(not_modified());
    }
    Ok(())
}

fn has_copy_conditions(ctx: &Ctx) -> bool {
    [
        "x-oss-copy-source-if-match",
        "x-oss-copy-source-if-none-match",
        "x-oss-copy-source-if-modified-since",
        "x-oss-copy-source-if-unmodified-since",
    ]
    .iter()
    .any(|h| ctx.headers.contains_key(*h))
}

fn directive(ctx: &Ctx, header: &str, values: [&str; 2]) -> Result<bool, OssErr> {
    match ctx.h(header) {
        None | Some("") => Ok(false),
        Some(v) if v.eq_ignore_ascii_case(values[0]) => Ok(false),
        Some(v) if v.eq_ignore_ascii_case(values[1]) => Ok(true),
        Some(v) => Err(OssErr::invalid_argument(format!(
            "{header} {v:?} must be {} or {}.",
            values[0], values[1]
        ))),
    }
}

pub(super) async fn copy_object(shared: &Shared, ctx: &Ctx) -> R {
    check_key(ctx)?;
    let (sb, sk) = copy_source(ctx)?;
    let source = current(shared, &sb, &sk)
        .await?
        .ok_or_else(|| OssErr::no_such_key(&sk))?;
    check_copy_conditions(ctx, &source.meta)?;
    let meta = bucket_meta(shared, ctx.bucket()).await?;
    let forbid = forbid_overwrite(ctx);
    if forbid && current(shared, ctx.bucket(), ctx.key()).await?.is_some() {
        return Err(commit_err(CommitError::Exists, ctx.bucket()));
    }
    // SSE is never copied from the source: the request or the destination bucket decides.
    let sse = effective_sse(shared, request_sse(ctx)?, meta.rule.as_ref()).await?;
    let replace = directive(ctx, "x-oss-metadata-directive", ["COPY", "REPLACE"])?;
    let replace_tags = directive(ctx, "x-oss-tagging-directive", ["Copy", "Replace"])?;
    let self_copy = sb == ctx.bucket() && sk == ctx.key();
    // A self-copy in an unversioned bucket keeps exactly the metadata the request carries,
    // whatever the directive (oss-listing-copy §4.4).
    let (headers, metadata) = if replace || self_copy {
        (std_headers_of(ctx), metadata_of(ctx))
    } else {
        (source.meta.headers.clone(), source.meta.metadata.clone())
    };
    let tags = if replace_tags {
        tags_of(ctx)?.unwrap_or_default()
    } else {
        source.meta.tags.clone()
    };
    let sse_changes = sse != source.meta.sse;
    let limits = &shared.settings.copy_limits;
    if (sse_changes && source.meta.size > limits.0)
        || (sb != ctx.bucket() && source.meta.size > limits.1)
    {
        return Err(OssErr::new(
            400,
            "EntityTooLarge",
            "The source is too large to copy with CopyObject: use a multipart copy (UploadPartCopy).",
        ));
    }
    let now = shared.now_secs();
    let (om, blobs) = if self_copy && !sse_changes {
        // Only the metadata changes: the data is not rewritten.
        let mut m = source.meta.clone();
        m.headers = headers;
        m.metadata = metadata;
        m.tags = tags;
        m.last_modified = now;
        (m, source.blobs.clone())
    } else {
        let keyring = shared.store.keyring.read().await.clone();
        let mut reader = ObjectReader::new(source.blobs.clone(), keyring);
        let mut w = shared
            .store
            .object_writer(sse.as_ref())
            .await
            .map_err(OssErr::internal)?;
        blob::copy_all(&mut reader, &mut w)
            .await
            .map_err(OssErr::internal)?;
        let blob = Arc::new(w.finish(None).await.map_err(OssErr::internal)?);
        let m = ObjectMeta {
            bucket: ctx.bucket().to_owned(),
            key: ctx.key().to_owned(),
            size: blob.info.size,
            etag: blob.info.md5.to_ascii_uppercase(),
            md5: Some(blob.info.md5.clone()),
            crc64: blob.info.crc64,
            headers,
            metadata,
            tags,
            sse,
            object_type: "Normal".into(),
            last_modified: now,
            generation: 0,
            upload_id: None,
        };
        (m, vec![blob])
    };
    let guard = if forbid {
        Guard::Absent
    } else if self_copy && has_copy_conditions(ctx) {
        // The conditions held when the copy started; they must still hold when it lands.
        Guard::Unchanged(source.meta.generation)
    } else {
        Guard::None
    };
    let obj = commit_new(shared, om, blobs, guard).await?;
    let r = &obj.meta;
    let body = format!(
        "{XML_DECL}<CopyObjectResult><ETag>\"{}\"</ETag><LastModified>{}</LastModified></CopyObjectResult>\n",
        r.etag,
        format_iso8601(r.last_modified)
    );
    let b = sse_headers(ok_empty(StatusCode::OK), r.sse.as_ref())
        .header(CONTENT_TYPE, "application/xml")
        .header(ETAG, format!("\"{}\"", r.etag))
        .header(X_OSS_HASH_CRC64ECMA, r.crc64.to_string())
        .header(CONTENT_LENGTH, body.len());
    Ok(b.body(full(body)).expect("response"))
}

// ---------- tagging ----------

pub(super) async fn get_object_tagging(shared: &Shared, ctx: &Ctx) -> R {
    check_key(ctx)?;
    let obj = current(shared, ctx.bucket(), ctx.key())
        .await?
        .ok_or_else(|| OssErr::no_such_key(ctx.key()))?;
    Ok(xml(
        StatusCode::OK,
        format!(
            "{XML_DECL}{}\n",
            oss_sse_core::wire::tagging_to_xml(&obj.meta.tags)
        ),
    ))
}

/// Replaces an object's tags: a new generation that shares the object's data.
async fn set_tags(shared: &Shared, ctx: &Ctx, tags: Vec<(String, String)>) -> Result<(), OssErr> {
    for _ in 0..8 {
        let obj = current(shared, ctx.bucket(), ctx.key())
            .await?
            .ok_or_else(|| OssErr::no_such_key(ctx.key()))?;
        let mut m = obj.meta.clone();
        m.tags = tags.clone();
        match shared
            .store
            .commit(m, obj.blobs.clone(), Guard::Unchanged(obj.meta.generation))
            .await
        {
            Ok(_) => return Ok(()),
            // Overwritten meanwhile: tag the new version.
            Err(CommitError::Changed) => continue,
            Err(e) => return Err(commit_err(e, ctx.bucket())),
        }
    }
    Err(OssErr::new(
        409,
        "ConcurrentUpdate",
        "The object kept changing while its tags were set; try again.",
    ))
}

pub(super) async fn put_object_tagging(shared: &Shared, ctx: &Ctx, body: &mut ReqBody) -> R {
    check_key(ctx)?;
    let body = super::read_xml_body(ctx, body).await?;
    let tags = oss_sse_core::wire::parse_tagging(&body).map_err(|e| {
        OssErr::new(
            400,
            "MalformedXML",
            format!("The XML you provided was not well-formed or did not validate against our published schema: {e}"),
        )
    })?;
    oss_sse_core::validate::tags(&tags)
        .map_err(|e| OssErr::invalid_argument(e.reason().to_owned()))?;
    set_tags(shared, ctx, tags).await?;
    Ok(ok_empty(StatusCode::OK).body(empty()).expect("response"))
}

pub(super) async fn delete_object_tagging(shared: &Shared, ctx: &Ctx) -> R {
    check_key(ctx)?;
    set_tags(shared, ctx, Vec::new()).await?;
    Ok(ok_empty(StatusCode::NO_CONTENT)
        .body(empty())
        .expect("response"))
}

/// Parses `bytes=a-b`, `bytes=a-`, `bytes=-n` against `size`. `Ok(None)`: whole object
/// (OSS ignores malformed ranges); `Err`: unsatisfiable.
pub(super) fn parse_range(v: &str, size: u64) -> Result<Option<(u64, u64)>, OssErr> {
    let Some(spec) = v.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((a, b)) = spec.split_once('-') else {
        return Ok(None);
    };
    let (a, b) = (a.trim(), b.trim());
    let range = match (a.parse::<u64>().ok(), b.parse::<u64>().ok()) {
        (Some(s), Some(e)) if s <= e => (s, e.min(size.saturating_sub(1))),
        (Some(s), None) if b.is_empty() => (s, size.saturating_sub(1)),
        (None, Some(n)) if a.is_empty() && n > 0 => {
            (size.saturating_sub(n), size.saturating_sub(1))
        }
        _ => return Ok(None),
    };
    if range.0 >= size {
        return Err(OssErr::new(
            416,
            "InvalidRange",
            "The requested range cannot be satisfied.",
        )
        .with("RangeRequested", v.to_owned())
        .with("ActualObjectSize", size.to_string()));
    }
    Ok(Some(range))
}

/// The response headers that describe an object (GetObject and HeadObject).
pub(super) fn object_headers(
    mut b: http::response::Builder,
    r: &ObjectMeta,
) -> http::response::Builder {
    b = sse_headers(b, r.sse.as_ref())
        .header(ETAG, format!("\"{}\"", r.etag))
        .header(LAST_MODIFIED, format_http_date(r.last_modified))
        .header(ACCEPT_RANGES, "bytes")
        .header(X_OSS_OBJECT_TYPE, r.object_type.as_str())
        .header(X_OSS_STORAGE_CLASS, "Standard")
        .header(X_OSS_HASH_CRC64ECMA, r.crc64.to_string())
        .header(
            CONTENT_TYPE,
            r.headers
                .content_type
                .as_deref()
                .unwrap_or("application/octet-stream"),
        );
    let h = &r.headers;
    for (name, v) in [
        ("cache-control", &h.cache_control),
        ("content-disposition", &h.content_disposition),
        ("content-encoding", &h.content_encoding),
        ("content-language", &h.content_language),
        ("expires", &h.expires),
    ] {
        if let Some(v) = v {
            b = b.header(name, v.as_str());
        }
    }
    if !r.tags.is_empty() {
        b = b.header(oss_sse_core::headers::X_OSS_TAGGING_COUNT, r.tags.len());
    }
    if r.object_type == "Appendable" {
        b = b.header(X_OSS_NEXT_APPEND_POSITION, r.size.to_string());
    }
    if let (true, Some(md5)) = (r.object_type == "Normal", &r.md5) {
        b = b.header(
            "content-md5",
            oss_sse_core::crypto::base64_encode(&md5_bytes(md5)),
        );
    }
    for (k, v) in &r.metadata {
        b = b.header(format!("x-oss-meta-{k}"), v.as_str());
    }
    b
}

pub(super) async fn get_object(shared: &Shared, ctx: &Ctx, head: bool) -> R {
    check_key(ctx)?;
    let obj = current(shared, ctx.bucket(), ctx.key())
        .await?
        .ok_or_else(|| OssErr::no_such_key(ctx.key()))?;
    let r = &obj.meta;
    let range = match ctx.h("range") {
        Some(v) if !head => parse_range(v, r.size)?,
        _ => None,
    };
    let mut b = object_headers(
        ok_empty(if range.is_some() {
            StatusCode::PARTIAL_CONTENT
        } else {
            StatusCode::OK
        }),
        r,
    );
    let (start, end) = match range {
        Some((s, e)) => {
            b = b.header(CONTENT_RANGE, format!("bytes {s}-{e}/{}", r.size));
            (s, e + 1)
        }
        None => (0, r.size),
    };
    b = b.header(CONTENT_LENGTH, end - start);
    if head {
        return Ok(b.body(empty()).expect("response"));
    }
    // The reader holds the object's blobs: their files stay until it is done, whatever
    // overwrites or deletes the key meanwhile.
    let keyring = shared.store.keyring.read().await.clone();
    let reader = ObjectReader::new(obj.blobs.clone(), keyring);
    let stream =
        futures_util::stream::unfold((reader, start, end), |(mut reader, pos, end)| async move {
            match reader.read_piece(pos, end).await {
                Ok(None) => None,
                Ok(Some(piece)) => {
                    let next = pos + piece.len() as u64;
                    Some((
                        Ok::<_, BoxError>(hyper::body::Frame::data(piece)),
                        (reader, next, end),
                    ))
                }
                Err(e) => Some((Err(e.into()), (reader, end, end))),
            }
        });
    Ok(
        b.body(BodyExt::boxed_unsync(http_body_util::StreamBody::new(
            stream,
        )))
        .expect("response"),
    )
}

pub(super) async fn get_object_acl(shared: &Shared, ctx: &Ctx) -> R {
    check_key(ctx)?;
    current(shared, ctx.bucket(), ctx.key())
        .await?
        .ok_or_else(|| OssErr::no_such_key(ctx.key()))?;
    Ok(xml(StatusCode::OK, super::acl_xml("default")))
}

pub(super) async fn delete_object(shared: &Shared, ctx: &Ctx) -> R {
    check_key(ctx)?;
    shared
        .store
        .delete(ctx.bucket(), ctx.key())
        .await
        .map_err(|e| commit_err(e, ctx.bucket()))?;
    Ok(ok_empty(StatusCode::NO_CONTENT)
        .body(empty())
        .expect("response"))
}
