//! The OSS operations.

use std::fmt::Write as _;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{
    ACCEPT_RANGES, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG, LAST_MODIFIED,
};
use http::{Request, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;

use oss_sse_core::crc::crc64_combine;
use oss_sse_core::crypto::{base64_decode, md5, to_hex};
use oss_sse_core::headers::{
    X_OSS_HASH_CRC64ECMA, X_OSS_NEXT_APPEND_POSITION, X_OSS_OBJECT_TYPE,
    X_OSS_SERVER_SIDE_DATA_ENCRYPTION, X_OSS_SERVER_SIDE_ENCRYPTION,
    X_OSS_SERVER_SIDE_ENCRYPTION_KEY_ID, X_OSS_STORAGE_CLASS,
};
use oss_sse_core::time::{format_http_date, format_iso8601};
use oss_sse_core::wire::{self, xml_escape};

use crate::blob::{self, BlobWriter, Digests, ObjectReader, Record, SseRecord};
use crate::error::OssErr;
use crate::server::{BoxError, Ctx, Resp, Shared, empty, full};
use crate::store::{BucketMeta, Part, RuleRecord, StoredObject, Upload};

type R = Result<Resp, OssErr>;

const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
const MAX_XML_BODY: usize = 1 << 20;
const MIN_PART_SIZE: u64 = 100 * 1024;

fn xml(status: StatusCode, body: String) -> Resp {
    Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "application/xml")
        .header(CONTENT_LENGTH, body.len())
        .body(full(body))
        .expect("xml response")
}

fn ok_empty(status: StatusCode) -> http::response::Builder {
    Response::builder().status(status)
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

/// What the request's SSE headers ask for (see oss-wire §2.2 for what is ignored).
fn request_sse(ctx: &Ctx) -> Result<Option<SseRecord>, OssErr> {
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
async fn effective_sse(
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

fn sse_headers(mut b: http::response::Builder, sse: Option<&SseRecord>) -> http::response::Builder {
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

async fn read_small(body: Incoming) -> Result<Bytes, OssErr> {
    let limited = http_body_util::Limited::new(body, MAX_XML_BODY);
    limited.collect().await.map(|c| c.to_bytes()).map_err(|_| {
        OssErr::new(
            400,
            "InvalidRequest",
            "The request body is too large or was cut off.",
        )
    })
}

fn expected_md5(ctx: &Ctx) -> Result<Option<[u8; 16]>, OssErr> {
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

fn check_md5(ctx: &Ctx, body: &[u8]) -> Result<(), OssErr> {
    match expected_md5(ctx)? {
        Some(want) if want != md5(body) => Err(OssErr::new(
            400,
            "InvalidDigest",
            "The Content-MD5 you specified did not match what we received.",
        )),
        _ => Ok(()),
    }
}

/// Streams the request body into `w`; returns the body's MD5 and length. The writer hashes
/// everything it is given, so the body needs its own MD5 pass only when `w` already holds a
/// prefix (appends).
async fn pump(
    mut body: Incoming,
    w: &mut BlobWriter,
    after_prefix: bool,
) -> Result<([u8; 16], u64), OssErr> {
    let mut md5 = after_prefix.then(oss_sse_core::crypto::Md5Hasher::new);
    let mut len = 0u64;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            OssErr::new(
                400,
                "IncompleteBody",
                format!("The request body was cut off: {e}"),
            )
        })?;
        if let Ok(data) = frame.into_data() {
            if let Some(m) = md5.as_mut() {
                m.update(&data);
            }
            len += data.len() as u64;
            w.write(&data).await.map_err(OssErr::internal)?;
        }
    }
    Ok((md5.map_or_else(|| w.digests().md5, |m| m.finalize()), len))
}

/// Streams a request body into a new blob (after `prefix`, for appends), checking
/// Content-MD5 and Content-Length before anything commits. On error nothing is kept.
async fn receive(
    shared: &Shared,
    ctx: &Ctx,
    body: Incoming,
    sse: Option<&SseRecord>,
    prefix: Option<&mut ObjectReader>,
) -> Result<BlobWriter, OssErr> {
    let want_md5 = expected_md5(ctx)?;
    let mut w = shared
        .store
        .new_writer(sse)
        .await
        .map_err(OssErr::internal)?;
    let after_prefix = prefix.is_some();
    if let Some(reader) = prefix
        && let Err(e) = blob::copy_all(reader, &mut w).await
    {
        w.discard().await;
        return Err(OssErr::internal(e));
    }
    let (got_md5, len) = match pump(body, &mut w, after_prefix).await {
        Ok(v) => v,
        Err(e) => {
            w.discard().await;
            return Err(e);
        }
    };
    if want_md5.is_some_and(|want| want != got_md5) {
        w.discard().await;
        return Err(OssErr::new(
            400,
            "InvalidDigest",
            "The Content-MD5 you specified did not match what we received.",
        ));
    }
    if let Some(declared) = ctx.h("content-length").and_then(|v| v.parse::<u64>().ok())
        && declared != len
    {
        w.discard().await;
        return Err(OssErr::new(
            400,
            "IncompleteBody",
            "The request body length does not match Content-Length.",
        ));
    }
    Ok(w)
}

fn etag_of(d: &Digests) -> String {
    to_hex(&d.md5).to_ascii_uppercase()
}

fn metadata_of(ctx: &Ctx) -> Vec<(String, String)> {
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

/// What a new object is, besides its bytes.
struct NewObject {
    bucket: String,
    key: String,
    etag: Option<String>,
    content_type: Option<String>,
    metadata: Vec<(String, String)>,
    sse: Option<SseRecord>,
    object_type: &'static str,
}

/// Seals the blob, commits it (atomic rename on disk) and installs it: last writer wins.
async fn commit(shared: &Shared, w: BlobWriter, o: NewObject) -> Result<Arc<StoredObject>, OssErr> {
    let generation = shared.store.next_generation();
    let dest = shared.store.object_path(&o.bucket, &o.key, generation);
    let now = shared.now_secs();
    let (rec, blob) = w
        .finish(
            |d| Record {
                etag: o.etag.clone().unwrap_or_else(|| etag_of(&d)),
                bucket: o.bucket,
                key: o.key,
                size: d.size,
                md5: to_hex(&d.md5),
                crc64: d.crc64,
                content_type: o.content_type,
                metadata: o.metadata,
                sse: o.sse,
                object_type: o.object_type.to_owned(),
                last_modified: now,
                generation,
                crypto: blob::CryptoRecord::placeholder(),
            },
            dest.as_deref(),
        )
        .await
        .map_err(OssErr::internal)?;
    let obj = StoredObject { record: rec, blob };
    let arc = Arc::new(obj.clone());
    if !shared.store.install(obj).await {
        return Err(OssErr::no_such_bucket(&arc.record.bucket));
    }
    Ok(arc)
}

// ---------- dispatch ----------

pub(crate) async fn dispatch(shared: &Shared, ctx: &Ctx, body: Incoming) -> R {
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
        "PutBucket" => put_bucket(shared, ctx, body).await,
        "DeleteBucket" => delete_bucket(shared, ctx).await,
        "GetBucketInfo" => get_bucket_info(shared, ctx).await,
        "PutBucketEncryption" => put_bucket_encryption(shared, ctx, body).await,
        "GetBucketEncryption" => get_bucket_encryption(shared, ctx).await,
        "DeleteBucketEncryption" => delete_bucket_encryption(shared, ctx).await,
        "PutObject" => put_object(shared, ctx, body).await,
        "AppendObject" => append_object(shared, ctx, body).await,
        "CopyObject" => copy_object(shared, ctx).await,
        "GetObject" => get_object(shared, ctx, false).await,
        "HeadObject" => get_object(shared, ctx, true).await,
        "DeleteObject" => delete_object(shared, ctx).await,
        "InitiateMultipartUpload" => initiate(shared, ctx).await,
        "UploadPart" => upload_part(shared, ctx, body).await,
        "CompleteMultipartUpload" => complete(shared, ctx, body).await,
        "AbortMultipartUpload" => abort(shared, ctx).await,
        "ListParts" => list_parts(shared, ctx).await,
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

async fn bucket_meta(shared: &Shared, bucket: &str) -> Result<BucketMeta, OssErr> {
    shared
        .store
        .buckets
        .read()
        .await
        .get(bucket)
        .and_then(|b| b.meta.clone())
        .ok_or_else(|| OssErr::no_such_bucket(bucket))
}

// ---------- buckets ----------

async fn put_bucket(shared: &Shared, ctx: &Ctx, body: Incoming) -> R {
    let body = read_small(body).await?;
    check_md5(ctx, &body)?;
    let class = wire::parse_create_bucket_request(&body)
        .map_err(|e| OssErr::new(400, "MalformedXML", format!("The XML you provided was not well-formed or did not validate against our published schema: {e}")))?
        .unwrap_or_else(|| "Standard".into());
    let mut buckets = shared.store.buckets.write().await;
    let entry = buckets.entry(ctx.bucket().to_owned()).or_default();
    if entry.meta.is_some() {
        return Err(OssErr::new(
            409,
            "BucketAlreadyExists",
            "The requested bucket name is not available.",
        )
        .with("BucketName", ctx.bucket()));
    }
    entry.meta = Some(BucketMeta {
        name: ctx.bucket().to_owned(),
        created: shared.now_secs(),
        storage_class: class,
        rule: None,
    });
    shared
        .store
        .persist_buckets(&buckets)
        .await
        .map_err(OssErr::internal)?;
    Ok(ok_empty(StatusCode::OK).body(empty()).expect("response"))
}

async fn delete_bucket(shared: &Shared, ctx: &Ctx) -> R {
    let uploads_open = shared
        .store
        .uploads
        .read()
        .await
        .values()
        .any(|u| u.bucket == ctx.bucket());
    let mut buckets = shared.store.buckets.write().await;
    match buckets.get(ctx.bucket()) {
        Some(b) if b.meta.is_some() => {
            if !b.objects.is_empty() || uploads_open {
                return Err(OssErr::new(
                    409,
                    "BucketNotEmpty",
                    "The bucket has objects. Please delete them first.",
                )
                .with("BucketName", ctx.bucket()));
            }
        }
        _ => return Err(OssErr::no_such_bucket(ctx.bucket())),
    }
    buckets.remove(ctx.bucket());
    shared
        .store
        .persist_buckets(&buckets)
        .await
        .map_err(OssErr::internal)?;
    Ok(ok_empty(StatusCode::NO_CONTENT)
        .body(empty())
        .expect("response"))
}

fn rule_xml(r: Option<&RuleRecord>, wrapped: bool) -> String {
    let mut s = String::new();
    let inner = match r {
        None => "<SSEAlgorithm>None</SSEAlgorithm>".to_owned(),
        Some(r) => {
            let mut i = format!("<SSEAlgorithm>{}</SSEAlgorithm>", xml_escape(&r.algorithm));
            if wrapped {
                if let Some(k) = &r.kms_master_key_id {
                    let _ = write!(i, "<KMSMasterKeyID>{}</KMSMasterKeyID>", xml_escape(k));
                }
            } else {
                let _ = write!(
                    i,
                    "<KMSMasterKeyID>{}</KMSMasterKeyID>",
                    xml_escape(r.kms_master_key_id.as_deref().unwrap_or(""))
                );
            }
            if let Some(d) = &r.kms_data_encryption {
                let _ = write!(
                    i,
                    "<KMSDataEncryption>{}</KMSDataEncryption>",
                    xml_escape(d)
                );
            }
            i
        }
    };
    if wrapped {
        let _ = write!(
            s,
            "<ServerSideEncryptionRule>\n  <ApplyServerSideEncryptionByDefault>\n    {inner}\n  </ApplyServerSideEncryptionByDefault>\n</ServerSideEncryptionRule>\n"
        );
    } else {
        let _ = write!(
            s,
            "<ServerSideEncryptionRule>{inner}</ServerSideEncryptionRule>"
        );
    }
    s
}

async fn get_bucket_info(shared: &Shared, ctx: &Ctx) -> R {
    let m = bucket_meta(shared, ctx.bucket()).await?;
    let region = &shared.settings.region;
    let body = format!(
        "{XML_DECL}<BucketInfo><Bucket><AccessMonitor>Disabled</AccessMonitor><CreationDate>{}</CreationDate><ExtranetEndpoint>oss-{region}.aliyuncs.com</ExtranetEndpoint><IntranetEndpoint>oss-{region}-internal.aliyuncs.com</IntranetEndpoint><Location>oss-{region}</Location><StorageClass>{}</StorageClass><Name>{}</Name><Owner><DisplayName>oss-sse-emulator</DisplayName><ID>oss-sse-emulator</ID></Owner><AccessControlList><Grant>private</Grant></AccessControlList>{}</Bucket></BucketInfo>\n",
        format_iso8601(m.created),
        xml_escape(&m.storage_class),
        xml_escape(&m.name),
        rule_xml(m.rule.as_ref(), false)
    );
    Ok(xml(StatusCode::OK, body))
}

async fn put_bucket_encryption(shared: &Shared, ctx: &Ctx, body: Incoming) -> R {
    bucket_meta(shared, ctx.bucket()).await?;
    let body = read_small(body).await?;
    check_md5(ctx, &body)?;
    let malformed = || {
        OssErr::new(
            400,
            "MalformedXML",
            "The XML you provided was not well-formed or did not validate against our published schema.",
        )
    };
    let rule = wire::parse_rule_request(&body)
        .map_err(|_| malformed())?
        .ok_or_else(malformed)?;
    let alg = rule.sse_algorithm().as_str().to_owned();
    if !matches!(alg.as_str(), "AES256" | "KMS" | "SM4") {
        return Err(OssErr::new(
            400,
            "InvalidEncryptionAlgorithmError",
            "The Encryption request you specified is not valid. Supported value: AES256/KMS/SM4.",
        ));
    }
    let record = if alg == "KMS" {
        if let Some(d) = rule.kms_data_encryption()
            && d.as_str() != "SM4"
        {
            return Err(OssErr::invalid_argument(
                "KMSDataEncryption supports only SM4.",
            ));
        }
        RuleRecord {
            algorithm: alg,
            kms_master_key_id: rule.kms_master_key_id().map(str::to_owned),
            kms_data_encryption: rule.kms_data_encryption().map(|d| d.as_str().to_owned()),
        }
    } else {
        if rule.kms_master_key_id().is_some() {
            return Err(OssErr::invalid_argument(
                "KMSMasterKeyID is not applicable if the default sse algorithm is not KMS",
            ));
        }
        // OSS silently drops KMSDataEncryption when the algorithm is not KMS.
        RuleRecord {
            algorithm: alg,
            kms_master_key_id: None,
            kms_data_encryption: None,
        }
    };
    let mut buckets = shared.store.buckets.write().await;
    let b = buckets
        .get_mut(ctx.bucket())
        .and_then(|b| b.meta.as_mut())
        .ok_or_else(|| OssErr::no_such_bucket(ctx.bucket()))?;
    b.rule = Some(record);
    shared
        .store
        .persist_buckets(&buckets)
        .await
        .map_err(OssErr::internal)?;
    Ok(ok_empty(StatusCode::OK).body(empty()).expect("response"))
}

async fn get_bucket_encryption(shared: &Shared, ctx: &Ctx) -> R {
    let m = bucket_meta(shared, ctx.bucket()).await?;
    match m.rule {
        None => Err(OssErr::new(
            404,
            "NoSuchServerSideEncryptionRule",
            "The server side encryption rule does not exist.",
        )
        .with("BucketName", ctx.bucket())),
        Some(r) => Ok(xml(
            StatusCode::OK,
            format!("{XML_DECL}{}", rule_xml(Some(&r), true)),
        )),
    }
}

async fn delete_bucket_encryption(shared: &Shared, ctx: &Ctx) -> R {
    let mut buckets = shared.store.buckets.write().await;
    let b = buckets
        .get_mut(ctx.bucket())
        .and_then(|b| b.meta.as_mut())
        .ok_or_else(|| OssErr::no_such_bucket(ctx.bucket()))?;
    b.rule = None;
    shared
        .store
        .persist_buckets(&buckets)
        .await
        .map_err(OssErr::internal)?;
    Ok(ok_empty(StatusCode::NO_CONTENT)
        .body(empty())
        .expect("response"))
}

// ---------- objects ----------

fn check_key(ctx: &Ctx) -> Result<(), OssErr> {
    oss_sse_core::validate::object_key(ctx.key())
        .map_err(|e| OssErr::new(400, "InvalidObjectName", e.to_string()))
}

async fn put_object(shared: &Shared, ctx: &Ctx, body: Incoming) -> R {
    check_key(ctx)?;
    let meta = bucket_meta(shared, ctx.bucket()).await?;
    if ctx
        .h("x-oss-forbid-overwrite")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        && shared
            .store
            .buckets
            .read()
            .await
            .get(ctx.bucket())
            .is_some_and(|b| b.objects.contains_key(ctx.key()))
    {
        return Err(OssErr::new(
            409,
            "FileAlreadyExists",
            "The object you specified already exists and can not be overwritten.",
        ));
    }
    let sse = effective_sse(shared, request_sse(ctx)?, meta.rule.as_ref()).await?;
    let w = receive(shared, ctx, body, sse.as_ref(), None).await?;
    let obj = commit(
        shared,
        w,
        NewObject {
            bucket: ctx.bucket().to_owned(),
            key: ctx.key().to_owned(),
            etag: None,
            content_type: ctx.h("content-type").map(str::to_owned),
            metadata: metadata_of(ctx),
            sse,
            object_type: "Normal",
        },
    )
    .await?;
    let r = &obj.record;
    let b = sse_headers(ok_empty(StatusCode::OK), r.sse.as_ref())
        .header(ETAG, format!("\"{}\"", r.etag))
        .header(X_OSS_HASH_CRC64ECMA, r.crc64.to_string())
        .header(
            "content-md5",
            oss_sse_core::crypto::base64_encode(&md5_bytes(&r.md5)),
        );
    Ok(b.body(empty()).expect("response"))
}

fn md5_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).ok())
        .collect()
}

async fn current(
    shared: &Shared,
    bucket: &str,
    key: &str,
) -> Result<Option<Arc<StoredObject>>, OssErr> {
    let buckets = shared.store.buckets.read().await;
    let b = buckets
        .get(bucket)
        .filter(|b| b.meta.is_some())
        .ok_or_else(|| OssErr::no_such_bucket(bucket))?;
    Ok(b.objects.get(key).cloned())
}

async fn append_object(shared: &Shared, ctx: &Ctx, body: Incoming) -> R {
    check_key(ctx)?;
    let position: u64 = ctx
        .q("position")
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| OssErr::invalid_argument("position must be a non-negative integer"))?;
    let meta = bucket_meta(shared, ctx.bucket()).await?;
    let existing = current(shared, ctx.bucket(), ctx.key()).await?;
    let (sse, mut prefix, content_type, metadata) = match &existing {
        None => {
            if position != 0 {
                return Err(OssErr::new(
                    409,
                    "PositionNotEqualToLength",
                    "Position is not equal to file length",
                )
                .with_header(X_OSS_NEXT_APPEND_POSITION, "0"));
            }
            let sse = effective_sse(shared, request_sse(ctx)?, meta.rule.as_ref()).await?;
            (
                sse,
                None,
                ctx.h("content-type").map(str::to_owned),
                metadata_of(ctx),
            )
        }
        Some(o) => {
            if o.record.object_type != "Appendable" {
                return Err(OssErr::new(
                    409,
                    "ObjectNotAppendable",
                    "The object is not appendable",
                ));
            }
            if position != o.record.size {
                return Err(OssErr::new(
                    409,
                    "PositionNotEqualToLength",
                    "Position is not equal to file length",
                )
                .with_header(X_OSS_NEXT_APPEND_POSITION, o.record.size.to_string()));
            }
            // The first append fixes the encryption; SSE headers on later appends are ignored.
            let keyring = shared.store.keyring.read().await;
            let reader = ObjectReader::open(&o.blob, &o.record, &keyring)
                .await
                .map_err(OssErr::internal)?;
            (
                o.record.sse.clone(),
                Some(reader),
                o.record.content_type.clone(),
                o.record.metadata.clone(),
            )
        }
    };
    let w = receive(shared, ctx, body, sse.as_ref(), prefix.as_mut()).await?;
    // A racing append that landed first wins; this one must then fail like OSS does.
    if let Some(o) = current(shared, ctx.bucket(), ctx.key()).await?
        && existing
            .as_ref()
            .is_none_or(|e| e.record.generation != o.record.generation)
    {
        w.discard().await;
        return Err(OssErr::new(
            409,
            "PositionNotEqualToLength",
            "Position is not equal to file length",
        )
        .with_header(X_OSS_NEXT_APPEND_POSITION, o.record.size.to_string()));
    }
    let obj = commit(
        shared,
        w,
        NewObject {
            bucket: ctx.bucket().to_owned(),
            key: ctx.key().to_owned(),
            etag: None,
            content_type,
            metadata,
            sse,
            object_type: "Appendable",
        },
    )
    .await?;
    let r = &obj.record;
    let b = sse_headers(ok_empty(StatusCode::OK), r.sse.as_ref())
        .header(ETAG, format!("\"{}\"", r.etag))
        .header(X_OSS_NEXT_APPEND_POSITION, r.size.to_string())
        .header(X_OSS_HASH_CRC64ECMA, r.crc64.to_string());
    Ok(b.body(empty()).expect("response"))
}

async fn copy_object(shared: &Shared, ctx: &Ctx) -> R {
    check_key(ctx)?;
    let src = ctx.h("x-oss-copy-source").unwrap_or_default();
    let src = src.split('?').next().unwrap_or_default();
    let src = oss_sse_core::encode::decode_path(src.strip_prefix('/').unwrap_or(src)).into_owned();
    let (sb, sk) = src
        .split_once('/')
        .filter(|(b, k)| !b.is_empty() && !k.is_empty())
        .ok_or_else(|| OssErr::invalid_argument("x-oss-copy-source must be /bucket/key"))?;
    let source = current(shared, sb, sk)
        .await?
        .ok_or_else(|| OssErr::no_such_key(sk))?;
    let meta = bucket_meta(shared, ctx.bucket()).await?;
    // SSE is never copied from the source: the request or the destination bucket decides.
    let sse = effective_sse(shared, request_sse(ctx)?, meta.rule.as_ref()).await?;
    let replace = ctx
        .h("x-oss-metadata-directive")
        .is_some_and(|d| d.eq_ignore_ascii_case("REPLACE"));
    let (content_type, metadata) = if replace {
        (ctx.h("content-type").map(str::to_owned), metadata_of(ctx))
    } else {
        (
            source.record.content_type.clone(),
            source.record.metadata.clone(),
        )
    };
    let mut reader = {
        let keyring = shared.store.keyring.read().await;
        ObjectReader::open(&source.blob, &source.record, &keyring)
            .await
            .map_err(OssErr::internal)?
    };
    let mut w = shared
        .store
        .new_writer(sse.as_ref())
        .await
        .map_err(OssErr::internal)?;
    if let Err(e) = blob::copy_all(&mut reader, &mut w).await {
        w.discard().await;
        return Err(OssErr::internal(e));
    }
    let obj = commit(
        shared,
        w,
        NewObject {
            bucket: ctx.bucket().to_owned(),
            key: ctx.key().to_owned(),
            etag: None,
            content_type,
            metadata,
            sse,
            object_type: "Normal",
        },
    )
    .await?;
    let r = &obj.record;
    let body = format!(
        "{XML_DECL}<CopyObjectResult><ETag>\"{}\"</ETag><LastModified>{}</LastModified></CopyObjectResult>\n",
        r.etag,
        format_iso8601(r.last_modified)
    );
    let b = sse_headers(ok_empty(StatusCode::OK), r.sse.as_ref())
        .header(CONTENT_TYPE, "application/xml")
        .header(X_OSS_HASH_CRC64ECMA, r.crc64.to_string())
        .header(CONTENT_LENGTH, body.len());
    Ok(b.body(full(body)).expect("response"))
}

/// Parses `bytes=a-b`, `bytes=a-`, `bytes=-n` against `size`. `Ok(None)`: whole object
/// (OSS ignores malformed ranges); `Err`: unsatisfiable.
fn parse_range(v: &str, size: u64) -> Result<Option<(u64, u64)>, OssErr> {
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

async fn get_object(shared: &Shared, ctx: &Ctx, head: bool) -> R {
    check_key(ctx)?;
    let obj = current(shared, ctx.bucket(), ctx.key())
        .await?
        .ok_or_else(|| OssErr::no_such_key(ctx.key()))?;
    let r = &obj.record;
    let range = match ctx.h("range") {
        Some(v) if !head => parse_range(v, r.size)?,
        _ => None,
    };
    let mut b = sse_headers(
        ok_empty(if range.is_some() {
            StatusCode::PARTIAL_CONTENT
        } else {
            StatusCode::OK
        }),
        r.sse.as_ref(),
    )
    .header(ETAG, format!("\"{}\"", r.etag))
    .header(LAST_MODIFIED, format_http_date(r.last_modified))
    .header(ACCEPT_RANGES, "bytes")
    .header(X_OSS_OBJECT_TYPE, r.object_type.as_str())
    .header(X_OSS_STORAGE_CLASS, "Standard")
    .header(X_OSS_HASH_CRC64ECMA, r.crc64.to_string())
    .header(
        CONTENT_TYPE,
        r.content_type
            .as_deref()
            .unwrap_or("application/octet-stream"),
    );
    if r.object_type == "Appendable" {
        b = b.header(X_OSS_NEXT_APPEND_POSITION, r.size.to_string());
    }
    if r.object_type == "Normal" {
        b = b.header(
            "content-md5",
            oss_sse_core::crypto::base64_encode(&md5_bytes(&r.md5)),
        );
    }
    for (k, v) in &r.metadata {
        b = b.header(format!("x-oss-meta-{k}"), v.as_str());
    }
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
    let reader = {
        let keyring = shared.store.keyring.read().await;
        ObjectReader::open(&obj.blob, r, &keyring)
            .await
            .map_err(OssErr::internal)?
    };
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

async fn delete_object(shared: &Shared, ctx: &Ctx) -> R {
    check_key(ctx)?;
    let removed = {
        let mut buckets = shared.store.buckets.write().await;
        let b = buckets
            .get_mut(ctx.bucket())
            .filter(|b| b.meta.is_some())
            .ok_or_else(|| OssErr::no_such_bucket(ctx.bucket()))?;
        b.objects.remove(ctx.key())
    };
    if let Some(o) = removed {
        shared.store.remove_blob(&o.blob).await;
    }
    Ok(ok_empty(StatusCode::NO_CONTENT)
        .body(empty())
        .expect("response"))
}

// ---------- multipart ----------

async fn initiate(shared: &Shared, ctx: &Ctx) -> R {
    check_key(ctx)?;
    let meta = bucket_meta(shared, ctx.bucket()).await?;
    let sse = effective_sse(shared, request_sse(ctx)?, meta.rule.as_ref()).await?;
    let id = crate::keys::random_hex(16).to_ascii_uppercase();
    shared.store.uploads.write().await.insert(
        id.clone(),
        Upload {
            bucket: ctx.bucket().to_owned(),
            key: ctx.key().to_owned(),
            sse: sse.clone(),
            content_type: ctx.h("content-type").map(str::to_owned),
            metadata: metadata_of(ctx),
            parts: Default::default(),
        },
    );
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

async fn upload_of(shared: &Shared, ctx: &Ctx) -> Result<(String, Upload), OssErr> {
    let id = ctx.q("uploadId").unwrap_or_default().to_owned();
    let uploads = shared.store.uploads.read().await;
    let u = uploads
        .get(&id)
        .filter(|u| u.bucket == ctx.bucket() && u.key == ctx.key())
        .cloned()
        .ok_or_else(|| OssErr::no_such_upload(&id))?;
    Ok((id, u))
}

async fn upload_part(shared: &Shared, ctx: &Ctx, body: Incoming) -> R {
    let n: u32 = ctx
        .q("partNumber")
        .and_then(|p| p.parse().ok())
        .filter(|n| (1..=10_000).contains(n))
        .ok_or_else(|| {
            OssErr::invalid_argument(
                "Part number must be an integer between 1 and 10000, inclusive.",
            )
        })?;
    let (id, up) = upload_of(shared, ctx).await?;
    let w = receive(shared, ctx, body, up.sse.as_ref(), None).await?;
    let dest = shared.store.part_path(&id, n);
    if let Some(d) = &dest
        && let Some(p) = d.parent()
    {
        tokio::fs::create_dir_all(p)
            .await
            .map_err(|e| OssErr::internal(e.to_string()))?;
    }
    let now = shared.now_secs();
    let (rec, blob) = w
        .finish(
            |d| Record {
                bucket: up.bucket.clone(),
                key: up.key.clone(),
                size: d.size,
                etag: etag_of(&d),
                md5: to_hex(&d.md5),
                crc64: d.crc64,
                content_type: None,
                metadata: Vec::new(),
                sse: up.sse.clone(),
                object_type: "Part".into(),
                last_modified: now,
                generation: u64::from(n),
                crypto: blob::CryptoRecord::placeholder(),
            },
            dest.as_deref(),
        )
        .await
        .map_err(OssErr::internal)?;
    let replaced = {
        let mut uploads = shared.store.uploads.write().await;
        match uploads.get_mut(&id) {
            Some(u) => u
                .parts
                .insert(
                    n,
                    Part {
                        record: rec.clone(),
                        blob: blob.clone(),
                    },
                )
                .map(|p| p.blob),
            None => {
                drop(uploads);
                shared.store.remove_blob(&blob).await;
                return Err(OssErr::no_such_upload(&id));
            }
        }
    };
    if let Some(old) = replaced {
        shared.store.remove_blob(&old).await;
    }
    let b = sse_headers(ok_empty(StatusCode::OK), up.sse.as_ref())
        .header(ETAG, format!("\"{}\"", rec.etag))
        .header(X_OSS_HASH_CRC64ECMA, rec.crc64.to_string());
    Ok(b.body(empty()).expect("response"))
}

async fn complete(shared: &Shared, ctx: &Ctx, body: Incoming) -> R {
    let body = read_small(body).await?;
    check_md5(ctx, &body)?;
    let (id, up) = upload_of(shared, ctx).await?;
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
    let mut chosen = Vec::with_capacity(listed.len());
    for (i, (n, etag)) in listed.iter().enumerate() {
        let p = up.parts.get(n).filter(|p| p.record.etag.eq_ignore_ascii_case(etag)).ok_or_else(|| {
            OssErr::new(400, "InvalidPart", "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.")
                .with("PartNumber", n.to_string())
        })?;
        if i + 1 < listed.len() && p.record.size < MIN_PART_SIZE {
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
    // As on OSS, completing does not rewrite the data: the object is its parts, in order.
    let mut md5s = Vec::with_capacity(chosen.len() * 16);
    let mut crc = 0u64;
    let mut size = 0u64;
    for p in &chosen {
        md5s.extend_from_slice(&md5_bytes(&p.record.md5));
        crc = crc64_combine(crc, p.record.crc64, p.record.size);
        size += p.record.size;
    }
    let etag = format!(
        "{}-{}",
        to_hex(&md5(&md5s)).to_ascii_uppercase(),
        chosen.len()
    );
    // The upload must still exist (an Abort may have raced us); taking it claims its parts.
    if shared.store.uploads.write().await.remove(&id).is_none() {
        return Err(OssErr::no_such_upload(&id));
    }
    let record = Record {
        bucket: up.bucket.clone(),
        key: up.key.clone(),
        size,
        etag,
        md5: String::new(),
        crc64: crc,
        content_type: up.content_type.clone(),
        metadata: up.metadata.clone(),
        sse: up.sse.clone(),
        object_type: "Multipart".into(),
        last_modified: shared.now_secs(),
        generation: shared.store.next_generation(),
        crypto: blob::CryptoRecord::placeholder(),
    };
    let chosen_numbers: std::collections::HashSet<u32> = listed.iter().map(|(n, _)| *n).collect();
    let blob = shared
        .store
        .commit_parts(
            &record,
            chosen
                .iter()
                .map(|p| (p.record.clone(), p.blob.clone()))
                .collect(),
        )
        .await
        .map_err(OssErr::internal)?;
    let obj = Arc::new(StoredObject { record, blob });
    if !shared.store.install((*obj).clone()).await {
        return Err(OssErr::no_such_bucket(&up.bucket));
    }
    // Parts uploaded but not listed are dropped.
    for (n, p) in &up.parts {
        if !chosen_numbers.contains(n) {
            shared.store.remove_blob(&p.blob).await;
        }
    }
    if let Some(d) = &shared.store.dir {
        let _ = tokio::fs::remove_dir_all(d.join("uploads").join(&id)).await;
    }
    let r = &obj.record;
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

async fn abort(shared: &Shared, ctx: &Ctx) -> R {
    let (id, _) = upload_of(shared, ctx).await?;
    let removed = shared.store.uploads.write().await.remove(&id);
    if let Some(u) = removed {
        for p in u.parts.values() {
            shared.store.remove_blob(&p.blob).await;
        }
    }
    if let Some(d) = &shared.store.dir {
        let _ = tokio::fs::remove_dir_all(d.join("uploads").join(&id)).await;
    }
    Ok(ok_empty(StatusCode::NO_CONTENT)
        .body(empty())
        .expect("response"))
}

async fn list_parts(shared: &Shared, ctx: &Ctx) -> R {
    let (id, up) = upload_of(shared, ctx).await?;
    let max: usize = ctx
        .q("max-parts")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
        .clamp(1, 1000);
    let marker: u32 = ctx
        .q("part-number-marker")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let parts: Vec<(&u32, &Part)> = up.parts.range(marker + 1..).collect();
    let truncated = parts.len() > max;
    let page = &parts[..parts.len().min(max)];
    let mut s = format!(
        "{XML_DECL}<ListPartsResult><Bucket>{}</Bucket><Key>{}</Key><UploadId>{id}</UploadId><PartNumberMarker>{marker}</PartNumberMarker><NextPartNumberMarker>{}</NextPartNumberMarker><MaxParts>{max}</MaxParts><IsTruncated>{truncated}</IsTruncated>",
        xml_escape(&up.bucket),
        xml_escape(&up.key),
        page.last().map_or(marker, |(n, _)| **n)
    );
    for (n, p) in page {
        let _ = write!(
            s,
            "<Part><PartNumber>{n}</PartNumber><LastModified>{}</LastModified><ETag>\"{}\"</ETag><HashCrc64ecma>{}</HashCrc64ecma><Size>{}</Size></Part>",
            format_iso8601(p.record.last_modified),
            p.record.etag,
            p.record.crc64,
            p.record.size
        );
    }
    s.push_str("</ListPartsResult>\n");
    Ok(xml(StatusCode::OK, s))
}

// ---------- admin ----------

/// `/-/faults` (POST a JSON list of rules, DELETE to clear), `/-/stats` (GET),
/// `/-/rotate-master-key` (POST). Unauthenticated: the emulator is a local development tool.
pub(crate) async fn admin(shared: &Shared, req: Request<Incoming>) -> Result<Resp, BoxError> {
    let json = |status: StatusCode, v: serde_json::Value| -> Resp {
        let body = v.to_string();
        Response::builder()
            .status(status)
            .header(CONTENT_TYPE, "application/json")
            .body(full(body))
            .expect("json response")
    };
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    Ok(match (method.as_str(), path.as_str()) {
        ("POST", "/-/faults") => {
            let body = req.into_body().collect().await?.to_bytes();
            match serde_json::from_slice::<Vec<crate::faults::FaultRule>>(&body) {
                Ok(rules) => {
                    let n = rules.len();
                    for r in rules {
                        shared.faults.push(r);
                    }
                    json(StatusCode::OK, serde_json::json!({ "added": n }))
                }
                Err(e) => json(
                    StatusCode::BAD_REQUEST,
                    serde_json::json!({ "error": e.to_string() }),
                ),
            }
        }
        ("DELETE", "/-/faults") => {
            shared.faults.clear();
            json(StatusCode::OK, serde_json::json!({ "cleared": true }))
        }
        ("GET", "/-/stats") => {
            let st = shared.faults.stats();
            let (buckets, objects) = {
                let b = shared.store.buckets.read().await;
                (b.len(), b.values().map(|b| b.objects.len()).sum::<usize>())
            };
            let uploads = shared.store.uploads.read().await.len();
            json(
                StatusCode::OK,
                serde_json::json!({ "requests": st.requests, "faults_injected": st.injected, "buckets": buckets, "objects": objects, "open_uploads": uploads }),
            )
        }
        ("POST", "/-/rotate-master-key") => {
            let v = shared.store.keyring.write().await.rotate_master();
            shared.store.persist_keyring().await?;
            json(
                StatusCode::OK,
                serde_json::json!({ "master_key_version": v }),
            )
        }
        _ => json(
            StatusCode::NOT_FOUND,
            serde_json::json!({ "error": "unknown admin endpoint" }),
        ),
    })
}
