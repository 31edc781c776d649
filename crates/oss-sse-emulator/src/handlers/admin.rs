//! The admin endpoints under `/-/`, reachable only where no bucket is addressed (path
//! style): `/-/faults` (POST a JSON list of rules, DELETE to clear), `/-/disk-faults` (POST
//! one rule, DELETE to clear, GET the counters), `/-/stats` (GET), `/-/rotate-master-key`
//! (POST). Bodies are at most [`MAX_ADMIN_BODY`] bytes. With `--admin-token`, every request
//! must carry `x-oss-sse-admin-token: <token>`.

use http::header::{CONNECTION, CONTENT_TYPE};
use http::{HeaderValue, Response, StatusCode};

use std::sync::Arc;

use crate::body::ReqBody;
use crate::error::OssErr;
use crate::server::{Ctx, Resp, Shared, full};
use crate::store::{Guard, ObjectMeta};

/// Largest admin request body.
pub(crate) const MAX_ADMIN_BODY: usize = 1 << 20;

fn json(status: StatusCode, v: serde_json::Value) -> Resp {
    let body = v.to_string();
    Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "application/json")
        .body(full(body))
        .expect("json response")
}

fn error(status: StatusCode, msg: impl std::fmt::Display) -> Resp {
    json(status, serde_json::json!({ "error": msg.to_string() }))
}

/// Answers an admin request.
pub(crate) async fn admin(shared: &Shared, ctx: &Ctx, body: &mut ReqBody) -> Resp {
    if let Some(want) = &shared.settings.admin_token {
        let got = ctx.h("x-oss-sse-admin-token").unwrap_or("");
        let ok = got.len() == want.len()
            && got
                .bytes()
                .zip(want.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if !ok {
            return error(
                StatusCode::UNAUTHORIZED,
                "the admin endpoints need x-oss-sse-admin-token",
            );
        }
    }
    let read = async |body: &mut ReqBody| -> Result<bytes::Bytes, Resp> {
        if ctx
            .h("content-length")
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|n| n > MAX_ADMIN_BODY as u64)
        {
            let mut r = error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("admin bodies are at most {MAX_ADMIN_BODY} bytes"),
            );
            r.headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
            return Err(r);
        }
        body.read_small(MAX_ADMIN_BODY).await.map_err(|_| {
            let mut r = error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("admin bodies are at most {MAX_ADMIN_BODY} bytes"),
            );
            r.headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
            r
        })
    };
    let path = ctx.path.as_str();
    match (ctx.method.as_str(), path) {
        ("POST", "/-/faults") => {
            let b = match read(body).await {
                Ok(b) => b,
                Err(r) => return r,
            };
            match serde_json::from_slice::<Vec<crate::faults::FaultRule>>(&b) {
                Ok(rules) => {
                    let n = rules.len();
                    for r in rules {
                        shared.faults.push(r);
                    }
                    json(StatusCode::OK, serde_json::json!({ "added": n }))
                }
                Err(e) => error(StatusCode::BAD_REQUEST, e),
            }
        }
        ("DELETE", "/-/faults") => {
            shared.faults.clear();
            json(StatusCode::OK, serde_json::json!({ "cleared": true }))
        }
        ("POST", "/-/disk-faults") => {
            let b = match read(body).await {
                Ok(b) => b,
                Err(r) => return r,
            };
            match serde_json::from_slice::<crate::disk::DiskFaultRule>(&b) {
                Ok(rule) => {
                    shared.store.disk.faults.set(rule);
                    json(StatusCode::OK, serde_json::json!({ "armed": true }))
                }
                Err(e) => error(StatusCode::BAD_REQUEST, e),
            }
        }
        ("DELETE", "/-/disk-faults") => {
            shared.store.disk.faults.clear();
            json(StatusCode::OK, serde_json::json!({ "cleared": true }))
        }
        ("GET", "/-/disk-faults") => {
            let f = &shared.store.disk.faults;
            json(
                StatusCode::OK,
                serde_json::json!({ "counts": f.counts(), "injected": f.injected(), "crashed": f.crashed() }),
            )
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
        ("POST", "/-/rotate-master-key") => match shared.store.rotate_master_key().await {
            Ok(v) => json(
                StatusCode::OK,
                serde_json::json!({ "master_key_version": v }),
            ),
            Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e),
        },
        ("POST", "/-/seed") => {
            let b = match read(body).await {
                Ok(b) => b,
                Err(r) => return r,
            };
            match serde_json::from_slice::<SeedSpec>(&b) {
                Ok(spec) => match seed(shared, &spec).await {
                    Ok(n) => json(StatusCode::OK, serde_json::json!({ "created": n })),
                    Err(e) => error(
                        StatusCode::from_u16(e.status.as_u16()).unwrap_or(StatusCode::BAD_REQUEST),
                        format!("{}: {}", e.code, e.message),
                    ),
                },
                Err(e) => error(StatusCode::BAD_REQUEST, e),
            }
        }
        ("POST", "/-/inventory") => {
            let b = match read(body).await {
                Ok(b) => b,
                Err(r) => return r,
            };
            match serde_json::from_slice::<InventorySpec>(&b) {
                Ok(spec) => match inventory(shared, &spec).await {
                    Ok(done) => json(StatusCode::OK, done),
                    Err(e) => error(
                        StatusCode::from_u16(e.status.as_u16()).unwrap_or(StatusCode::BAD_REQUEST),
                        format!("{}: {}", e.code, e.message),
                    ),
                },
                Err(e) => error(StatusCode::BAD_REQUEST, e),
            }
        }
        _ => error(StatusCode::NOT_FOUND, "unknown admin endpoint"),
    }
}

/// Many objects at once (`POST /-/seed`, [`crate::EmulatorHandle::seed`]): keys
/// `{prefix}{i:08}` for `i` in `start..start + count`, each holding `size` bytes of a fixed
/// pattern, encrypted as `sse` says or by the bucket's rule. Each is a real object: its own
/// blob (encrypted at rest) and commit, as a PutObject would make it, without HTTP.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSpec {
    /// An existing bucket.
    pub bucket: String,
    /// Key prefix.
    #[serde(default)]
    pub prefix: String,
    /// First index.
    #[serde(default)]
    pub start: u64,
    /// Number of objects.
    pub count: u64,
    /// Bytes per object.
    #[serde(default)]
    pub size: u64,
    /// `AES256`, `SM4` or `KMS` (none: the bucket's rule).
    #[serde(default)]
    pub sse: Option<String>,
    /// The CMK id with `KMS`.
    #[serde(default)]
    pub sse_key_id: Option<String>,
    /// `SM4` with `KMS`.
    #[serde(default)]
    pub sse_data_encryption: Option<String>,
}

/// Largest seed in one call.
const MAX_SEED: u64 = 10_000_000;

pub(crate) async fn seed(shared: &Shared, spec: &SeedSpec) -> Result<u64, OssErr> {
    if spec.count > MAX_SEED || spec.size > (64 << 20) {
        return Err(OssErr::invalid_argument(format!(
            "a seed is at most {MAX_SEED} objects of at most 64 MiB"
        )));
    }
    let meta = super::bucket_meta(shared, &spec.bucket).await?;
    let requested = match &spec.sse {
        Some(a) => super::sse_record(
            a,
            spec.sse_key_id.as_deref(),
            spec.sse_data_encryption.as_deref(),
        )?,
        None => None,
    };
    let sse = super::effective_sse(shared, requested, meta.rule.as_ref()).await?;
    let body: Vec<u8> = (0..spec.size).map(|i| (i % 251) as u8).collect();
    let mut n = 0;
    for i in spec.start..spec.start.saturating_add(spec.count) {
        let mut w = shared
            .store
            .object_writer(sse.as_ref())
            .await
            .map_err(OssErr::internal)?;
        w.write(&body).await.map_err(OssErr::internal)?;
        let blob = Arc::new(w.finish(None).await.map_err(OssErr::internal)?);
        let om = ObjectMeta {
            bucket: spec.bucket.clone(),
            key: format!("{}{i:08}", spec.prefix),
            size: blob.info.size,
            etag: blob.info.md5.to_ascii_uppercase(),
            md5: Some(blob.info.md5.clone()),
            crc64: blob.info.crc64,
            headers: Default::default(),
            metadata: Vec::new(),
            tags: Vec::new(),
            sse: sse.clone(),
            object_type: "Normal".into(),
            last_modified: shared.now_secs(),
            generation: 0,
            upload_id: None,
        };
        super::object::commit_new(shared, om, vec![blob], Guard::None).await?;
        n += 1;
    }
    Ok(n)
}

/// A bucket inventory written on demand (`POST /-/inventory`, [`crate::EmulatorHandle::inventory`]),
/// in OSS's layout (oss-listing-copy §6): `<prefix><bucket>/<id>/<YYYY-MM-DDTHH-MMZ>/manifest.json`
/// and `manifest.checksum`, and gzip CSV data files (no header row, keys percent-encoded with
/// `%20` and `%2B`) under `<prefix><bucket>/<id>/data/`, all real objects of `destination`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventorySpec {
    /// The bucket to describe.
    pub bucket: String,
    /// Where the files go (an existing bucket; may be `bucket` itself).
    pub destination: String,
    /// Destination prefix (e.g. `inventory/`).
    #[serde(default)]
    pub prefix: String,
    /// The inventory rule's id.
    #[serde(default = "default_id")]
    pub id: String,
    /// Rows per data file (default 50,000).
    #[serde(default = "default_rows")]
    pub rows_per_file: usize,
    /// Optional columns after `Bucket, Key`, in this order (default: Size, StorageClass,
    /// LastModifiedDate, ETag, IsMultipartUploaded, EncryptionStatus, ObjectType).
    #[serde(default)]
    pub fields: Option<Vec<String>>,
}

fn default_id() -> String {
    "inventory".into()
}

fn default_rows() -> usize {
    50_000
}

const FIELDS: &[&str] = &[
    "Size",
    "StorageClass",
    "LastModifiedDate",
    "ETag",
    "IsMultipartUploaded",
    "EncryptionStatus",
    "ObjectType",
];

fn csv_str(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Percent-encodes every byte outside `A-Za-z0-9-_.~` (so `/` is `%2F`, space `%20`, `+` `%2B`).
fn encode_key(k: &str) -> String {
    let mut out = String::with_capacity(k.len() + 8);
    for b in k.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Stores `bytes` as a new object of `bucket` (no SSE beyond the bucket's rule).
async fn put_internal(
    shared: &Shared,
    bucket: &str,
    key: String,
    bytes: &[u8],
    content_type: &str,
) -> Result<(), OssErr> {
    let meta = super::bucket_meta(shared, bucket).await?;
    let sse = super::effective_sse(shared, None, meta.rule.as_ref()).await?;
    let mut w = shared
        .store
        .object_writer(sse.as_ref())
        .await
        .map_err(OssErr::internal)?;
    w.write(bytes).await.map_err(OssErr::internal)?;
    let blob = Arc::new(w.finish(None).await.map_err(OssErr::internal)?);
    let headers = crate::store::StdHeaders {
        content_type: Some(content_type.to_owned()),
        ..Default::default()
    };
    let om = ObjectMeta {
        bucket: bucket.to_owned(),
        key,
        size: blob.info.size,
        etag: blob.info.md5.to_ascii_uppercase(),
        md5: Some(blob.info.md5.clone()),
        crc64: blob.info.crc64,
        headers,
        metadata: Vec::new(),
        tags: Vec::new(),
        sse,
        object_type: "Normal".into(),
        last_modified: shared.now_secs(),
        generation: 0,
        upload_id: None,
    };
    super::object::commit_new(shared, om, vec![blob], Guard::None).await?;
    Ok(())
}

pub(crate) async fn inventory(
    shared: &Shared,
    spec: &InventorySpec,
) -> Result<serde_json::Value, OssErr> {
    use std::io::Write as _;
    let fields: Vec<String> = spec
        .fields
        .clone()
        .unwrap_or_else(|| FIELDS.iter().map(|f| (*f).to_owned()).collect());
    if let Some(f) = fields.iter().find(|f| !FIELDS.contains(&f.as_str())) {
        return Err(OssErr::invalid_argument(format!(
            "the inventory field {f:?} is not one the emulator writes ({})",
            FIELDS.join(", ")
        )));
    }
    if spec.rows_per_file == 0 {
        return Err(OssErr::invalid_argument("rows_per_file must be at least 1"));
    }
    super::bucket_meta(shared, &spec.destination).await?;
    // A snapshot of the bucket, taken at once.
    let rows: Vec<String> = {
        let buckets = shared.store.buckets.read().await;
        let b = buckets
            .get(&spec.bucket)
            .ok_or_else(|| OssErr::no_such_bucket(&spec.bucket))?;
        b.objects
            .values()
            .map(|o| {
                let m = &o.meta;
                let mut row = format!("{},{}", csv_str(&spec.bucket), csv_str(&encode_key(&m.key)));
                for f in &fields {
                    row.push(',');
                    row.push_str(&match f.as_str() {
                        "Size" => m.size.to_string(),
                        "StorageClass" => csv_str("Standard"),
                        "LastModifiedDate" => {
                            csv_str(&oss_sse_core::time::format_iso8601(m.last_modified))
                        }
                        "ETag" => csv_str(&m.etag),
                        "IsMultipartUploaded" => csv_str(if m.upload_id.is_some() {
                            "true"
                        } else {
                            "false"
                        }),
                        "EncryptionStatus" => {
                            csv_str(if m.sse.is_some() { "true" } else { "false" })
                        }
                        "ObjectType" => csv_str(&m.object_type),
                        _ => String::new(),
                    });
                }
                row.push('\n');
                row
            })
            .collect()
    };
    let secs = shared.now_secs();
    let stamp = oss_sse_core::time::format_iso8601(secs);
    // 2026-11-30T16:00:00.000Z -> 2026-11-30T16-00Z
    let stamp = format!("{}-{}Z", &stamp[..13], &stamp[14..16]);
    let base = format!("{}{}/{}", spec.prefix, spec.bucket, spec.id);
    let mut files = Vec::new();
    for (i, chunk) in rows.chunks(spec.rows_per_file).enumerate() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        for r in chunk {
            gz.write_all(r.as_bytes())
                .map_err(|e| OssErr::internal(e.to_string()))?;
        }
        let data = gz.finish().map_err(|e| OssErr::internal(e.to_string()))?;
        let uuid = crate::keys::random_hex(16);
        let name = if i == 0 {
            format!("{uuid}.csv.gz")
        } else {
            format!("{uuid}-{i}.csv.gz")
        };
        let key = format!("{base}/data/{name}");
        let md5: String = oss_sse_core::crypto::md5(&data)
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        put_internal(
            shared,
            &spec.destination,
            key.clone(),
            &data,
            "application/x-gzip",
        )
        .await?;
        files.push(serde_json::json!({"MD5checksum": md5, "key": key, "size": data.len()}));
    }
    let schema = std::iter::once("Bucket".to_owned())
        .chain(std::iter::once("Key".to_owned()))
        .chain(fields)
        .collect::<Vec<_>>()
        .join(", ");
    let manifest = serde_json::json!({
        "creationTimestamp": secs.to_string(),
        "destinationBucket": spec.destination,
        "fileFormat": "CSV",
        "fileSchema": schema,
        "files": files,
        "sourceBucket": spec.bucket,
        "version": "2019-09-01",
    })
    .to_string();
    let manifest_key = format!("{base}/{stamp}/manifest.json");
    put_internal(
        shared,
        &spec.destination,
        manifest_key.clone(),
        manifest.as_bytes(),
        "application/json",
    )
    .await?;
    let checksum: String = oss_sse_core::crypto::md5(manifest.as_bytes())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    put_internal(
        shared,
        &spec.destination,
        format!("{base}/{stamp}/manifest.checksum"),
        checksum.as_bytes(),
        "text/plain",
    )
    .await?;
    Ok(serde_json::json!({"manifest": manifest_key, "files": files.len(), "objects": rows.len()}))
}
