//! Multipart uploads: Initiate, UploadPart, Complete, Abort, ListParts.

use std::fmt::Write as _;
use std::sync::Arc;

use http::StatusCode;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, ETAG};

use oss_sse_core::crc::crc64_combine;
use oss_sse_core::crypto::{md5, to_hex};
use oss_sse_core::headers::X_OSS_HASH_CRC64ECMA;
use oss_sse_core::time::format_iso8601;
use oss_sse_core::wire::{self, xml_escape};

use super::{
    R, XML_DECL, bucket_meta, check_key, effective_sse, forbid_overwrite, metadata_of, ok_empty,
    read_xml_body, receive, request_sse, sse_headers, std_headers_of, xml,
};
use crate::blob::PartInfo;
use crate::body::ReqBody;
use crate::error::OssErr;
use crate::server::{Ctx, Shared, empty, full};
use crate::store::{CommitError, Guard, ObjectMeta, Part, Upload, UploadMeta};

const MIN_PART_SIZE: u64 = 100 * 1024;
/// Part numbers are 1..=10000.
const MAX_PART_NUMBER: u32 = 10_000;

pub(super) async fn initiate(shared: &Shared, ctx: &Ctx) -> R {
    check_key(ctx)?;
    let meta = bucket_meta(shared, ctx.bucket()).await?;
    let sse = effective_sse(shared, request_sse(ctx)?, meta.rule.as_ref()).await?;
    let id = crate::keys::random_hex(16).to_ascii_uppercase();
    shared
        .store
        .create_upload(UploadMeta {
            upload_id: id.clone(),
            bucket: ctx.bucket().to_owned(),
            key: ctx.key().to_owned(),
            sse: sse.clone(),
            headers: std_headers_of(ctx),
            metadata: metadata_of(ctx),
            tags: super::tags_of(ctx)?.unwrap_or_default(),
            initiated: shared.now_secs(),
        })
        .await
        .map_err(OssErr::internal)?;
    let body = format!(
        "{XML_DECL}<InitiateMultipartUploadResult><Bucket>{}</Bucket><Key>{}</Key><UploadId>{id}</UploadId></InitiateMultipartUploadResult>\n",
        xml_escape(ctx.bucket()),
        xml_escape(ctx.key())
    );
    let b = sse_headers(ok_empty(StatusCode::OK), sse.as_ref())
        .header(CONTENT_TYPE, "application/xml")
        .header(CONTENT_LENGTH, body.len());
    Ok(b.body(full(body)).expect("response"))
}

/// The upload the request names, if it is open and belongs to the request's key.
async fn upload_of(shared: &Shared, ctx: &Ctx) -> Result<Arc<Upload>, OssErr> {
    let id = ctx.q("uploadId").unwrap_or_default();
    let uploads = shared.store.uploads.read().await;
    uploads
        .get(id)
        .filter(|u| u.meta.bucket == ctx.bucket() && u.meta.key == ctx.key())
        .cloned()
        .ok_or_else(|| OssErr::no_such_upload(id))
}

fn part_number(ctx: &Ctx) -> Result<u32, OssErr> {
    ctx.q("partNumber")
        .and_then(|p| p.parse().ok())
        .filter(|n| (1..=MAX_PART_NUMBER).contains(n))
        .ok_or_else(|| {
            OssErr::invalid_argument(
                "Part number must be an integer between 1 and 10000, inclusive.",
            )
        })
}

pub(super) async fn upload_part(shared: &Shared, ctx: &Ctx, body: &mut ReqBody) -> R {
    let n = part_number(ctx)?;
    let up = upload_of(shared, ctx).await?;
    let id = up.meta.upload_id.clone();
    let generation = shared.store.next_generation();
    let w = shared
        .store
        .part_writer(up.meta.sse.as_ref(), &id, n, generation)
        .await
        .map_err(OssErr::internal)?;
    let w = receive(ctx, body, w, None).await?;
    let info = PartInfo {
        upload_id: id.clone(),
        part_number: n,
        generation,
        last_modified: shared.now_secs(),
        etag: None,
    };
    let part = add_part(&up, w, info).await?;
    let b = sse_headers(ok_empty(StatusCode::OK), up.meta.sse.as_ref())
        .header(ETAG, format!("\"{}\"", part.etag()))
        .header(X_OSS_HASH_CRC64ECMA, part.blob.info.crc64.to_string());
    Ok(b.body(empty()).expect("response"))
}

/// Finishes a part's blob and registers it (a newer part of the same number replaces the
/// older one); `NoSuchUpload` if the upload closed meanwhile.
async fn add_part(up: &Upload, w: crate::blob::BlobWriter, info: PartInfo) -> Result<Part, OssErr> {
    let blob = Arc::new(
        w.finish(Some(info.clone()))
            .await
            .map_err(OssErr::internal)?,
    );
    let part = Part { info, blob };
    let replaced = {
        let mut st = up.state.lock().await;
        if st.closed {
            drop(st);
            part.blob.doom();
            return Err(OssErr::no_such_upload(&up.meta.upload_id));
        }
        st.parts.insert(part.info.part_number, part.clone())
    };
    if let Some(old) = replaced {
        old.blob.doom();
    }
    Ok(part)
}

/// A copy-source range: `bytes=first-last` within the source, else the whole source (OSS
/// copies the whole object for a range it cannot use, oss-listing-copy §3.3).
fn copy_range(v: Option<&str>, size: u64) -> Option<(u64, u64)> {
    let spec = v?.trim().strip_prefix("bytes=")?;
    let (a, b) = spec.split_once('-')?;
    let (first, last) = (a.trim().parse::<u64>().ok()?, b.trim().parse::<u64>().ok()?);
    (first <= last && last < size).then_some((first, last + 1))
}

pub(super) async fn upload_part_copy(shared: &Shared, ctx: &Ctx) -> R {
    let n = part_number(ctx)?;
    let up = upload_of(shared, ctx).await?;
    let (sb, sk) = super::object::copy_source(ctx)?;
    let source = super::object::current(shared, &sb, &sk)
        .await?
        .ok_or_else(|| OssErr::no_such_key(&sk))?;
    super::object::check_copy_conditions(ctx, &source.meta)?;
    let range = copy_range(ctx.h("x-oss-copy-source-range"), source.meta.size);
    let (start, end) = range.unwrap_or((0, source.meta.size));
    let id = up.meta.upload_id.clone();
    let generation = shared.store.next_generation();
    let mut w = shared
        .store
        .part_writer(up.meta.sse.as_ref(), &id, n, generation)
        .await
        .map_err(OssErr::internal)?;
    // The source is decrypted and the part encrypted as the upload says.
    let keyring = shared.store.keyring.read().await.clone();
    let mut reader = crate::blob::ObjectReader::new(source.blobs.clone(), keyring);
    crate::blob::copy_range(&mut reader, &mut w, start, end)
        .await
        .map_err(OssErr::internal)?;
    let info = PartInfo {
        upload_id: id,
        part_number: n,
        generation,
        last_modified: shared.now_secs(),
        // A whole-object part has the source's ETag.
        etag: range.is_none().then(|| source.meta.etag.clone()),
    };
    let part = add_part(&up, w, info).await?;
    let etag = part.etag();
    let body = format!(
        "{XML_DECL}<CopyPartResult><LastModified>{}</LastModified><ETag>\"{etag}\"</ETag></CopyPartResult>\n",
        format_iso8601(part.info.last_modified)
    );
    let b = sse_headers(ok_empty(StatusCode::OK), up.meta.sse.as_ref())
        .header(CONTENT_TYPE, "application/xml")
        .header(ETAG, format!("\"{etag}\""))
        .header(X_OSS_HASH_CRC64ECMA, part.blob.info.crc64.to_string())
        .header(CONTENT_LENGTH, body.len());
    Ok(b.body(full(body)).expect("response"))
}

pub(super) async fn complete(shared: &Shared, ctx: &Ctx, body: &mut ReqBody) -> R {
    let body = read_xml_body(ctx, body).await?;
    let up = upload_of(shared, ctx).await?;
    let id = up.meta.upload_id.clone();
    let listed = wire::parse_complete_request(&body)
        .map_err(|e| OssErr::new(400, "MalformedXML", format!("The XML you provided was not well-formed or did not validate against our published schema: {e}")))?;
    if listed.is_empty() {
        return Err(OssErr::new(
            400,
            "MalformedXML",
            "The XML you provided was not well-formed or did not validate against our published schema.",
        ));
    }
    if listed.windows(2).any(|w| w[0].0 >= w[1].0) {
        return Err(OssErr::new(
            400,
            "InvalidPartOrder",
            "The list of parts was not in ascending order. Parts must be ordered by part number.",
        ));
    }
    // Claim the upload: no part can be added while it completes.
    let chosen = {
        let mut st = up.state.lock().await;
        if st.closed {
            return Err(OssErr::no_such_upload(&id));
        }
        let mut chosen = Vec::with_capacity(listed.len());
        for (i, (n, etag)) in listed.iter().enumerate() {
            let p = st
                .parts
                .get(n)
                .filter(|p| p.etag().eq_ignore_ascii_case(etag))
                .ok_or_else(|| {
                    OssErr::new(400, "InvalidPart", "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.")
                        .with("PartNumber", n.to_string())
                })?;
            if i + 1 < listed.len() && p.blob.info.size < MIN_PART_SIZE {
                return Err(OssErr::new(
                    400,
                    "EntityTooSmall",
                    "Your proposed upload is smaller than the minimum allowed size.",
                )
                .with("PartNumber", n.to_string())
                .with("MinSizeAllowed", MIN_PART_SIZE.to_string()));
            }
            chosen.push(p.clone());
        }
        st.closed = true;
        chosen
    };
    // As on OSS, completing does not rewrite the data: the object is its parts, in order.
    // Its ETag is the MD5 of the parts' ETag strings, then `-<count>` (oss-listing-copy §3.3).
    let mut etags = String::with_capacity(chosen.len() * 32);
    let mut crc = 0u64;
    let mut size = 0u64;
    for p in &chosen {
        etags.push_str(&p.etag());
        crc = crc64_combine(crc, p.blob.info.crc64, p.blob.info.size);
        size += p.blob.info.size;
    }
    let chosen: Vec<Arc<crate::blob::Blob>> = chosen.into_iter().map(|p| p.blob).collect();
    let om = ObjectMeta {
        bucket: up.meta.bucket.clone(),
        key: up.meta.key.clone(),
        size,
        etag: format!(
            "{}-{}",
            to_hex(&md5(etags.as_bytes())).to_ascii_uppercase(),
            chosen.len()
        ),
        md5: None,
        crc64: crc,
        headers: up.meta.headers.clone(),
        metadata: up.meta.metadata.clone(),
        tags: up.meta.tags.clone(),
        sse: up.meta.sse.clone(),
        object_type: "Multipart".into(),
        last_modified: shared.now_secs(),
        generation: 0,
        upload_id: Some(id.clone()),
    };
    let guard = if forbid_overwrite(ctx) {
        Guard::Absent
    } else {
        Guard::None
    };
    let obj = match shared.store.commit(om, chosen.clone(), guard).await {
        Ok(o) => o,
        Err(e @ CommitError::Unsure(_)) => {
            // Committed, not durably: the upload is used up either way.
            let _ = shared.store.close_upload(&up, &chosen, false).await;
            return Err(super::commit_err(e, ctx.bucket()));
        }
        Err(e) => {
            // Nothing committed: the upload stays open for another try.
            up.state.lock().await.closed = false;
            return Err(super::commit_err(e, ctx.bucket()));
        }
    };
    if let Err(e) = shared.store.close_upload(&up, &chosen, false).await {
        eprintln!("oss-sse-emulator: upload {id} completed, but: {e}");
    }
    shared.store.tidy_upload_dir(&id).await;
    let r = &obj.meta;
    let body = format!(
        "{XML_DECL}<CompleteMultipartUploadResult><Location>http://{}/{}/{}</Location><Bucket>{}</Bucket><Key>{}</Key><ETag>\"{}\"</ETag></CompleteMultipartUploadResult>\n",
        xml_escape(&ctx.host),
        xml_escape(&r.bucket),
        xml_escape(&r.key),
        xml_escape(&r.bucket),
        xml_escape(&r.key),
        r.etag
    );
    let b = sse_headers(ok_empty(StatusCode::OK), r.sse.as_ref())
        .header(CONTENT_TYPE, "application/xml")
        .header(X_OSS_HASH_CRC64ECMA, r.crc64.to_string())
        .header(CONTENT_LENGTH, body.len());
    Ok(b.body(full(body)).expect("response"))
}

pub(super) async fn abort(shared: &Shared, ctx: &Ctx) -> R {
    let up = upload_of(shared, ctx).await?;
    let id = up.meta.upload_id.clone();
    {
        let mut st = up.state.lock().await;
        if st.closed {
            return Err(OssErr::no_such_upload(&id));
        }
        st.closed = true;
    }
    if let Err(e) = shared.store.close_upload(&up, &[], true).await {
        up.state.lock().await.closed = false;
        return Err(OssErr::internal(e));
    }
    shared.store.tidy_upload_dir(&id).await;
    Ok(ok_empty(StatusCode::NO_CONTENT)
        .body(empty())
        .expect("response"))
}

/// A numeric query parameter within `range`, or `default` when absent; anything else is a
/// 400 (a marker of 4294967295 once wrapped around to part 1).
fn bounded(
    ctx: &Ctx,
    name: &str,
    range: std::ops::RangeInclusive<u32>,
    default: u32,
) -> Result<u32, OssErr> {
    match ctx.q(name).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| {
                OssErr::invalid_argument(format!(
                    "{name} must be an integer between {} and {}.",
                    range.start(),
                    range.end()
                ))
            }),
    }
}

pub(super) async fn list_parts(shared: &Shared, ctx: &Ctx) -> R {
    let max = bounded(ctx, "max-parts", 1..=1000, 1000)? as usize;
    let marker = bounded(ctx, "part-number-marker", 0..=MAX_PART_NUMBER, 0)?;
    let up = upload_of(shared, ctx).await?;
    let st = up.state.lock().await;
    let parts: Vec<(&u32, &Part)> = st.parts.range(marker + 1..).collect();
    let truncated = parts.len() > max;
    let page = &parts[..parts.len().min(max)];
    let mut s = format!(
        "{XML_DECL}<ListPartsResult><Bucket>{}</Bucket><Key>{}</Key><UploadId>{}</UploadId><PartNumberMarker>{marker}</PartNumberMarker><NextPartNumberMarker>{}</NextPartNumberMarker><MaxParts>{max}</MaxParts><IsTruncated>{truncated}</IsTruncated>",
        xml_escape(&up.meta.bucket),
        xml_escape(&up.meta.key),
        up.meta.upload_id,
        page.last().map_or(marker, |(n, _)| **n)
    );
    for (n, p) in page {
        let _ = write!(
            s,
            "<Part><PartNumber>{n}</PartNumber><LastModified>{}</LastModified><ETag>\"{}\"</ETag><HashCrc64ecma>{}</HashCrc64ecma><Size>{}</Size></Part>",
            format_iso8601(p.info.last_modified),
            p.etag(),
            p.blob.info.crc64,
            p.blob.info.size
        );
    }
    s.push_str("</ListPartsResult>\n");
    Ok(xml(StatusCode::OK, s))
}
