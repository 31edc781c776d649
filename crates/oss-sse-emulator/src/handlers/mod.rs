//! The OSS operations, one module per family (mirroring core's `ops/`), and what they share:
//! SSE rules, request bodies, and the commit of a new object.

mod admin;
mod bucket;
mod listing;
mod multipart;
mod object;

use std::sync::Arc;

use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{Response, StatusCode};

use oss_sse_core::crypto::{base64_decode, md5};
use oss_sse_core::headers::{
    X_OSS_SERVER_SIDE_DATA_ENCRYPTION, X_OSS_SERVER_SIDE_ENCRYPTION,
    X_OSS_SERVER_SIDE_ENCRYPTION_KEY_ID,
};

use crate::blob::{Blob, BlobWriter, ObjectReader, SseRecord};
use crate::body::ReqBody;
use crate::error::OssErr;
use crate::server::{Ctx, Resp, Shared, full};
use crate::store::{BucketMeta, CommitError, RuleRecord, StdHeaders};

pub use admin::{InventorySpec, SeedSpec};
pub(crate) use admin::{admin, inventory, seed};

pub(crate) type R = Result<Resp, OssErr>;

pub(crate) const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
/// Largest XML request body (rules, part lists).
pub(crate) const MAX_XML_BODY: usize = 1 << 20;

pub(crate) fn xml(status: StatusCode, body: String) -> Resp {
    Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "application/xml")
        .header(CONTENT_LENGTH, body.len())
        .body(full(body))
        .expect("xml response")
}

pub(crate) fn ok_empty(status: StatusCode) -> http::response::Builder {
    Response::builder().status(status)
}

// ---------- dispatch ----------

pub(crate) async fn dispatch(shared: &Shared, ctx: &Ctx, body: &mut ReqBody) -> R {
    if let Some(b) = ctx.target.bucket.as_deref()
        && oss_sse_core::validate::bucket_name(b).is_err()
    {
        return Err(OssErr::new(
            400,
            "InvalidBucketName",
            "The specified bucket is not valid.",
        )
        .with("BucketName", b));
    }
    match ctx.op {
        "PutBucket" => bucket::put_bucket(shared, ctx, body).await,
        "DeleteBucket" => bucket::delete_bucket(shared, ctx).await,
        "GetBucketInfo" => bucket::get_bucket_info(shared, ctx).await,
        "GetBucketAcl" => bucket::get_bucket_acl(shared, ctx).await,
        "GetObjectAcl" => object::get_object_acl(shared, ctx).await,
        "PutBucketEncryption" => bucket::put_bucket_encryption(shared, ctx, body).await,
        "GetBucketEncryption" => bucket::get_bucket_encryption(shared, ctx).await,
        "DeleteBucketEncryption" => bucket::delete_bucket_encryption(shared, ctx).await,
        "PutObject" => object::put_object(shared, ctx, body).await,
        "AppendObject" => object::append_object(shared, ctx, body).await,
        "CopyObject" => object::copy_object(shared, ctx).await,
        "GetObject" => object::get_object(shared, ctx, false).await,
        "HeadObject" => object::get_object(shared, ctx, true).await,
        "DeleteObject" => object::delete_object(shared, ctx).await,
        "InitiateMultipartUpload" => multipart::initiate(shared, ctx).await,
        "UploadPart" => multipart::upload_part(shared, ctx, body).await,
        "CompleteMultipartUpload" => multipart::complete(shared, ctx, body).await,
        "AbortMultipartUpload" => multipart::abort(shared, ctx).await,
        "ListParts" => multipart::list_parts(shared, ctx).await,
        "UploadPartCopy" => multipart::upload_part_copy(shared, ctx).await,
        "ListObjectsV2" => listing::list_objects_v2(shared, ctx).await,
        "ListObjects" => listing::list_objects(shared, ctx).await,
        "ListMultipartUploads" => listing::list_multipart_uploads(shared, ctx).await,
        "GetObjectTagging" => object::get_object_tagging(shared, ctx).await,
        "PutObjectTagging" => object::put_object_tagging(shared, ctx, body).await,
        "DeleteObjectTagging" => object::delete_object_tagging(shared, ctx).await,
        _ => Err(OssErr::new(
            405,
            "MethodNotAllowed",
            format!(
                "{} {} is not supported by the emulator.",
                ctx.method, ctx.op
            ),
        )),
    }
}

pub(crate) async fn bucket_meta(shared: &Shared, bucket: &str) -> Result<BucketMeta, OssErr> {
    shared
        .store
        .buckets
        .read()
        .await
        .get(bucket)
        .map(|b| b.meta.clone())
        .ok_or_else(|| OssErr::no_such_bucket(bucket))
}

/// A failed commit as OSS reports it.
pub(crate) fn commit_err(e: CommitError, bucket: &str) -> OssErr {
    match e {
        CommitError::NoSuchBucket => OssErr::no_such_bucket(bucket),
        CommitError::Exists => OssErr::new(
            409,
            "FileAlreadyExists",
            "The object you specified already exists and can not be overwritten.",
        ),
        CommitError::Moved { size } => OssErr::new(
            409,
            "PositionNotEqualToLength",
            "Position is not equal to file length",
        )
        .with_header(
            oss_sse_core::headers::X_OSS_NEXT_APPEND_POSITION,
            size.to_string(),
        ),
        CommitError::Changed => precondition_failed(),
        CommitError::Io(e) | CommitError::Unsure(e) => OssErr::internal(e),
    }
}

pub(crate) fn precondition_failed() -> OssErr {
    OssErr::new(
        412,
        "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold.",
    )
}

/// Dooms the blobs of a write that did not commit (their files go at once).
pub(crate) fn discard(blobs: &[Arc<Blob>]) {
    for b in blobs {
        b.doom();
    }
}

pub(crate) fn check_key(ctx: &Ctx) -> Result<(), OssErr> {
    oss_sse_core::validate::object_key(ctx.key())
        .map_err(|e| OssErr::new(400, "InvalidObjectName", e.to_string()))
}

/// An `AccessControlPolicy` document: the emulator has no ACLs beyond "the configured keys
/// may do everything", so buckets are `private` and objects `default` (inherit).
pub(crate) fn acl_xml(grant: &str) -> String {
    format!(
        "{XML_DECL}<AccessControlPolicy><Owner><ID>oss-sse-emulator</ID><DisplayName>oss-sse-emulator</DisplayName></Owner><AccessControlList><Grant>{grant}</Grant></AccessControlList></AccessControlPolicy>\n"
    )
}

pub(crate) fn forbid_overwrite(ctx: &Ctx) -> bool {
    ctx.h("x-oss-forbid-overwrite")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

// ---------- SSE ----------

const SSE_HEADERS: [&str; 3] = [
    X_OSS_SERVER_SIDE_ENCRYPTION,
    X_OSS_SERVER_SIDE_ENCRYPTION_KEY_ID,
    X_OSS_SERVER_SIDE_DATA_ENCRYPTION,
];

/// SSE headers are accepted only on PutObject, AppendObject, CopyObject and
/// InitiateMultipartUpload (EC 0005-00000002); elsewhere they are a 400.
pub(crate) fn check_sse_placement(ctx: &Ctx) -> Result<(), OssErr> {
    let allowed = matches!(
        ctx.op,
        "PutObject" | "AppendObject" | "CopyObject" | "InitiateMultipartUpload"
    );
    if !allowed && let Some(h) = SSE_HEADERS.iter().find(|h| ctx.headers.contains_key(**h)) {
        return Err(OssErr::invalid_argument(format!(
            "The {h} header is not supported for this operation: server-side encryption can be set only on PutObject, AppendObject, CopyObject and InitiateMultipartUpload."
        )));
    }
    Ok(())
}

/// A KMS key id OSS could hold: 1 to 256 printable ASCII characters, no spaces.
pub(crate) fn check_kms_key_id(field: &str, id: &str) -> Result<(), OssErr> {
    let ok = !id.is_empty() && id.len() <= 256 && id.bytes().all(|b| (0x21..0x7f).contains(&b));
    if ok {
        Ok(())
    } else {
        Err(OssErr::invalid_argument(format!(
            "{field} must be 1 to 256 printable ASCII characters without spaces."
        )))
    }
}

/// What the request's SSE headers ask for (see oss-wire §2.2 for what is ignored).
pub(crate) fn request_sse(ctx: &Ctx) -> Result<Option<SseRecord>, OssErr> {
    let Some(alg) = ctx
        .h(X_OSS_SERVER_SIDE_ENCRYPTION)
        .filter(|v| !v.is_empty())
    else {
        return Ok(None);
    };
    let key_id = ctx
        .h(X_OSS_SERVER_SIDE_ENCRYPTION_KEY_ID)
        .filter(|v| !v.is_empty());
    let data = ctx
        .h(X_OSS_SERVER_SIDE_DATA_ENCRYPTION)
        .filter(|v| !v.is_empty());
    sse_record(alg, key_id, data)
}

/// An object-level SSE request (algorithm, key id, data encryption) checked as OSS checks
/// the `x-oss-server-side-*` headers.
pub(crate) fn sse_record(
    alg: &str,
    key_id: Option<&str>,
    data: Option<&str>,
) -> Result<Option<SseRecord>, OssErr> {
    match alg {
        "AES256" | "SM4" => {
            if key_id.is_some() {
                return Err(OssErr::invalid_argument(
                    "x-oss-server-side-encryption-key-id is not applicable if the server-side encryption algorithm is not KMS.",
                ));
            }
            // A data encryption with AES256/SM4 is ignored by OSS.
            Ok(Some(SseRecord {
                algorithm: alg.to_owned(),
                key_id: None,
                data_encryption: None,
            }))
        }
        "KMS" => {
            if let Some(d) = data
                && d != "SM4"
            {
                return Err(OssErr::invalid_argument(format!(
                    "The server-side data encryption {d:?} is not supported; only SM4 is."
                )));
            }
            if let Some(k) = key_id {
                check_kms_key_id(X_OSS_SERVER_SIDE_ENCRYPTION_KEY_ID, k)?;
            }
            Ok(Some(SseRecord {
                algorithm: "KMS".into(),
                key_id: key_id.map(str::to_owned),
                data_encryption: data.map(str::to_owned),
            }))
        }
        other => Err(OssErr::new(
            400,
            "InvalidEncryptionAlgorithmError",
            format!(
                "The Encryption request you specified is not valid. Supported value: AES256/KMS/SM4. Got {other:?}."
            ),
        )),
    }
}

/// The object's header beats the bucket default; KMS without a key id gets the default CMK;
/// an unknown CMK is rejected.
pub(crate) async fn effective_sse(
    shared: &Shared,
    requested: Option<SseRecord>,
    bucket_rule: Option<&RuleRecord>,
) -> Result<Option<SseRecord>, OssErr> {
    let chosen = requested.or_else(|| {
        bucket_rule.map(|r| SseRecord {
            algorithm: r.algorithm.clone(),
            key_id: r.kms_master_key_id.clone(),
            data_encryption: r.kms_data_encryption.clone(),
        })
    });
    let Some(mut sse) = chosen else {
        return Ok(None);
    };
    if sse.algorithm == "KMS" {
        let keyring = shared.store.keyring.read().await;
        let id = sse
            .key_id
            .clone()
            .unwrap_or_else(|| keyring.default_kms_key_id.clone());
        if !keyring.has_kms_key(&id) {
            return Err(OssErr::new(
                400,
                "KmsKeyNotExist",
                format!("The specified KMS key {id} does not exist or is not enabled."),
            ));
        }
        sse.key_id = Some(id);
    } else {
        sse.key_id = None;
        sse.data_encryption = None;
    }
    Ok(Some(sse))
}

pub(crate) fn sse_headers(
    mut b: http::response::Builder,
    sse: Option<&SseRecord>,
) -> http::response::Builder {
    if let Some(s) = sse {
        b = b.header(X_OSS_SERVER_SIDE_ENCRYPTION, s.algorithm.as_str());
        if s.algorithm == "KMS" {
            if let Some(k) = &s.key_id {
                b = b.header(X_OSS_SERVER_SIDE_ENCRYPTION_KEY_ID, k.as_str());
            }
            if let Some(d) = &s.data_encryption {
                b = b.header(X_OSS_SERVER_SIDE_DATA_ENCRYPTION, d.as_str());
            }
        }
    }
    b
}

// ---------- request bodies ----------

pub(crate) fn expected_md5(ctx: &Ctx) -> Result<Option<[u8; 16]>, OssErr> {
    match ctx.h("content-md5") {
        None => Ok(None),
        Some(v) => base64_decode(v)
            .and_then(|d| <[u8; 16]>::try_from(d).ok())
            .map(Some)
            .ok_or_else(|| {
                OssErr::new(
                    400,
                    "InvalidDigest",
                    "The Content-MD5 you specified was invalid.",
                )
            }),
    }
}

fn md5_mismatch() -> OssErr {
    OssErr::new(
        400,
        "InvalidDigest",
        "The Content-MD5 you specified did not match what we received.",
    )
}

/// Reads a small (XML) body whole and checks its Content-MD5.
pub(crate) async fn read_xml_body(ctx: &Ctx, body: &mut ReqBody) -> Result<bytes::Bytes, OssErr> {
    let want = expected_md5(ctx)?;
    let b = body.read_small(MAX_XML_BODY).await?;
    match want {
        Some(w) if w != md5(&b) => Err(md5_mismatch()),
        _ => Ok(b),
    }
}

/// Streams a request body into a new blob writer (after `prefix`, for appends), checking
/// Content-MD5, Content-Length and x-oss-content-sha256 before returning. On error the
/// writer is dropped, which removes anything it wrote.
pub(crate) async fn receive(
    ctx: &Ctx,
    body: &mut ReqBody,
    mut w: BlobWriter,
    prefix: Option<&mut ObjectReader>,
) -> Result<BlobWriter, OssErr> {
    let want_md5 = expected_md5(ctx)?;
    let mut own_md5 = prefix.is_some().then(oss_sse_core::crypto::Md5Hasher::new);
    if let Some(reader) = prefix {
        crate::blob::copy_all(reader, &mut w)
            .await
            .map_err(OssErr::internal)?;
    }
    while let Some(data) = body.next().await? {
        if let Some(m) = own_md5.as_mut() {
            m.update(&data);
        }
        w.write(&data).await.map_err(OssErr::internal)?;
    }
    let got = own_md5.map_or_else(|| w.digests().md5, |m| m.finalize());
    if want_md5.is_some_and(|want| want != got) {
        return Err(md5_mismatch());
    }
    Ok(w)
}

pub(crate) fn metadata_of(ctx: &Ctx) -> Vec<(String, String)> {
    let mut m: Vec<(String, String)> = ctx
        .headers
        .iter()
        .filter_map(|(n, v)| {
            let name = n.as_str().strip_prefix("x-oss-meta-")?;
            Some((
                name.to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            ))
        })
        .collect();
    m.sort();
    m
}

/// The standard headers a new object keeps, from the request.
pub(crate) fn std_headers_of(ctx: &Ctx) -> StdHeaders {
    let h = |n: &str| ctx.h(n).filter(|v| !v.is_empty()).map(str::to_owned);
    StdHeaders {
        content_type: h("content-type"),
        cache_control: h("cache-control"),
        content_disposition: h("content-disposition"),
        content_encoding: h("content-encoding"),
        content_language: h("content-language"),
        expires: h("expires"),
    }
}

/// The request's `x-oss-tagging` (absent: `None`), within OSS's limits.
pub(crate) fn tags_of(ctx: &Ctx) -> Result<Option<Vec<(String, String)>>, OssErr> {
    match ctx.headers.get(oss_sse_core::headers::X_OSS_TAGGING) {
        None => Ok(None),
        Some(v) => {
            let v = v.to_str().map_err(|_| {
                OssErr::invalid_argument("x-oss-tagging must be ASCII (URL-encoded).")
            })?;
            oss_sse_core::validate::parse_tagging_header(v)
                .map(Some)
                .map_err(|e| OssErr::invalid_argument(format!("x-oss-tagging: {}", e.reason())))
        }
    }
}

pub(crate) fn md5_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).ok())
        .collect()
}
