//! The emulator's request path.
//!
//! The emulator's routing, handlers and stores are private, so this target reaches them the
//! way a client does, plus the public helpers its request parsing is built on:
//!
//! 1. Pure: `encode::parse_query`, `encode::decode_path` and `encode::decode_query_component`
//!    on arbitrary strings, with round-trip oracles (what a percent-encoder writes, these read
//!    back exactly; nameless query pairs are dropped), and the public fault-rule JSON format
//!    (`Vec<FaultRule>`).
//! 2. End to end: a sequence of up to 8 requests against an in-process emulator over
//!    loopback HTTP/1.1. Each request is built by the SDK (every operation, with generated
//!    arguments), then mutated (extra query parameters and headers, virtual-hosted `Host`), or
//!    is raw (any method, raw path and query); it is signed V4 or V1 (header or presigned),
//!    signed with a wrong secret, or not signed. Upload ids and part ETags the emulator
//!    returns are fed to later steps.
//!
//! Oracles besides "no panic" (a panic on any emulator thread aborts the process):
//! * every request gets a response within 10 s, without a dropped connection;
//! * no 5xx (the in-memory emulator has no internal failure modes);
//! * an unsigned or wrongly signed request is always 403 (400 `InvalidObjectName` when its
//!   path escapes are not UTF-8, which is refused before anything else);
//! * every error response is an OSS `<Error>` document (or `x-oss-err` for HEAD) that
//!   `ops::parse_error` reads;
//! * a 2xx answer to an unmutated SDK request is parsed by that operation's `from_response`;
//! * after a successful unmutated PutObject, GetObject returns the same bytes with a matching
//!   CRC-64 (the at-rest encryption round trip).
//!
//! Isolation: each input uses its own bucket-name prefix (and starts with bucket `<prefix>n0`
//! holding object `k` and an open multipart upload to `mp`), and the emulator is restarted every 2000 inputs, so an input's
//! behaviour does not depend on earlier inputs.
#![no_main]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use arbitrary::Arbitrary;
use bytes::Bytes;
use http::uri::{Authority, PathAndQuery};
use http::{HeaderName, HeaderValue, Request, Response, Uri};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use libfuzzer_sys::fuzz_target;
use oss_sse_core::encode::{decode_path, decode_query_component, parse_query};
use oss_sse_core::ops::{self, Operation, OssResource};
use oss_sse_core::sign::{SignatureVersion, Signer, SigningContext};
use oss_sse_core::{
    AddressingStyle, Config, Credentials, DataEncryption, Error, ServerSideEncryption,
    ServerSideEncryptionRule, SseAlgorithm,
};
use oss_sse_emulator::{Emulator, EmulatorHandle, FaultRule};
use percent_encoding::{AsciiSet, CONTROLS, NON_ALPHANUMERIC, utf8_percent_encode};
use tokio::runtime::Runtime;

const RESTART_EVERY: u64 = 2000;
const MAX_STEPS: usize = 8;
const TIMEOUT: Duration = Duration::from_secs(10);

// ---------- the emulator and the client ----------

struct World {
    rt: Runtime,
    client: Client<HttpConnector, Full<Bytes>>,
    emu: Mutex<(u64, Option<EmulatorHandle>)>,
    inputs: AtomicU64,
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let client = {
            let _g = rt.enter();
            Client::builder(TokioExecutor::new())
                .pool_idle_timeout(Duration::from_secs(30))
                .build_http()
        };
        World {
            rt,
            client,
            emu: Mutex::new((0, None)),
            inputs: AtomicU64::new(0),
        }
    })
}

/// The running emulator's address and region, restarting it every `RESTART_EVERY` inputs.
fn emulator(w: &World, n: u64) -> (std::net::SocketAddr, String, Credentials) {
    let mut g = w
        .emu
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if g.1.is_none() || n - g.0 >= RESTART_EVERY {
        if let Some(old) = g.1.take() {
            w.rt.block_on(old.shutdown());
        }
        let h =
            w.rt.block_on(Emulator::builder().kms_key("fuzz-cmk").start())
                .expect("emulator starts");
        *g = (n, Some(h));
    }
    let h = g.1.as_ref().expect("started");
    (h.addr(), h.region().to_owned(), h.credentials().clone())
}

// ---------- pure helpers ----------

#[derive(Arbitrary, Debug)]
struct Pure {
    raw_path: String,
    raw_query: String,
    pairs: Vec<(String, String)>,
    component: String,
    faults_json: Vec<u8>,
}

/// The path set the SDK uses for keys: RFC 3986 unreserved and `/` stay.
const PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

fn pure(p: &Pure) {
    // Arbitrary input: no panic, and decoding is the identity without '%' (and '+').
    let d = decode_path(&p.raw_path);
    if !p.raw_path.contains('%') {
        assert_eq!(
            d,
            p.raw_path.as_str(),
            "decode_path changed a string without '%'"
        );
    }
    let c = decode_query_component(&p.raw_query);
    if !p.raw_query.contains('%') {
        assert_eq!(c, p.raw_query.replace('+', " "), "decode_query_component");
    }
    // Every pair comes from one non-empty `&`-separated segment, and has a name (a pair
    // without a name, `?=v`, is dropped on both the signing and the verifying side).
    let parsed = parse_query(&p.raw_query);
    assert!(parsed.len() <= p.raw_query.split('&').filter(|s| !s.is_empty()).count());
    assert!(
        parsed.iter().all(|(k, _)| !k.is_empty()),
        "parse_query kept a nameless pair"
    );

    // Round trips: what an encoder writes is read back exactly.
    assert_eq!(
        decode_path(&utf8_percent_encode(&p.component, PATH).to_string()),
        p.component.as_str(),
        "decode_path(encode(s)) != s"
    );
    assert_eq!(
        decode_query_component(&utf8_percent_encode(&p.component, NON_ALPHANUMERIC).to_string()),
        p.component.as_str(),
        "decode_query_component(encode(s)) != s"
    );
    let q: Vec<String> = p
        .pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                utf8_percent_encode(k, NON_ALPHANUMERIC),
                utf8_percent_encode(v, NON_ALPHANUMERIC)
            )
        })
        .collect();
    let named: Vec<(String, String)> = p
        .pairs
        .iter()
        .filter(|(k, _)| !k.is_empty())
        .cloned()
        .collect();
    assert_eq!(
        parse_query(&q.join("&")),
        named,
        "parse_query(encode(pairs)) != named pairs"
    );

    // The fault-rule JSON the admin endpoint reads (public types).
    if let Ok(rules) = serde_json::from_slice::<Vec<FaultRule>>(&p.faults_json) {
        let again = serde_json::to_vec(&rules).expect("fault rules serialise");
        let back: Vec<FaultRule> = serde_json::from_slice(&again).expect("and read back");
        // f64 probabilities (NaN) make PartialEq unreliable; compare the JSON.
        assert_eq!(
            serde_json::to_vec(&back).expect("serialise"),
            again,
            "fault rules do not round-trip"
        );
    }
}

// ---------- request generation ----------

#[derive(Arbitrary, Debug, Clone)]
enum BucketSel {
    Ns(u8),
    Raw(String),
}

#[derive(Arbitrary, Debug, Clone)]
enum KeySel {
    Fixed(u8),
    Raw(String),
}

const KEYS: &[&str] = &[
    "k", "dir/k", "a b", "ü/€", "k%2F", "+plus", "..", "k?x=1", "/lead", "trail/", "~t", "-/x",
];

#[derive(Arbitrary, Debug, Clone)]
enum SseSel {
    Aes256,
    Sm4,
    Kms,
    KmsKey(bool),
    KmsSm4,
    Unknown(String),
}

fn sse(s: &SseSel) -> ServerSideEncryption {
    match s {
        SseSel::Aes256 => ServerSideEncryption::aes256(),
        SseSel::Sm4 => ServerSideEncryption::sm4(),
        SseSel::Kms => ServerSideEncryption::kms(),
        SseSel::KmsKey(known) => {
            ServerSideEncryption::kms().with_key_id(if *known { "fuzz-cmk" } else { "nope" })
        }
        SseSel::KmsSm4 => ServerSideEncryption::kms().with_data_encryption(DataEncryption::Sm4),
        SseSel::Unknown(s) => ServerSideEncryption::new(SseAlgorithm::from_wire(s)),
    }
}

fn rule(s: &SseSel) -> ServerSideEncryptionRule {
    match s {
        SseSel::Aes256 => ServerSideEncryptionRule::aes256(),
        SseSel::Sm4 => ServerSideEncryptionRule::sm4(),
        SseSel::Kms => ServerSideEncryptionRule::kms(),
        SseSel::KmsKey(known) => ServerSideEncryptionRule::kms()
            .with_kms_master_key_id(if *known { "fuzz-cmk" } else { "nope" }),
        SseSel::KmsSm4 => {
            ServerSideEncryptionRule::kms().with_kms_data_encryption(DataEncryption::Sm4)
        }
        SseSel::Unknown(s) => ServerSideEncryptionRule::new(SseAlgorithm::from_wire(s)),
    }
}

#[derive(Arbitrary, Debug, Clone)]
enum Ref {
    Known(u8),
    Raw(String),
}

#[derive(Arbitrary, Debug, Clone)]
enum Op {
    PutBucket(Option<u8>),
    DeleteBucket,
    GetBucketInfo,
    PutBucketEncryption(SseSel),
    GetBucketEncryption,
    DeleteBucketEncryption,
    PutObject {
        body: Vec<u8>,
        sse: Option<SseSel>,
        meta: Vec<(String, String)>,
        content_type: Option<String>,
        md5: bool,
        forbid_overwrite: bool,
    },
    AppendObject {
        position: u32,
        body: Vec<u8>,
        sse: Option<SseSel>,
        md5: bool,
    },
    GetObject(Option<(u16, Option<u16>)>),
    HeadObject,
    DeleteObject,
    CopyObject {
        from: BucketSel,
        from_key: KeySel,
        replace: bool,
        sse: Option<SseSel>,
    },
    Initiate(Option<SseSel>),
    UploadPart {
        upload: Ref,
        part: u16,
        body: Vec<u8>,
        md5: bool,
    },
    Complete {
        upload: Ref,
        parts: Vec<(u16, Ref)>,
    },
    Abort(Ref),
    ListParts {
        upload: Ref,
        max: Option<u16>,
        marker: Option<u16>,
    },
    Raw {
        method: u8,
        path: String,
        query: String,
        body: Vec<u8>,
    },
}

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq)]
enum Auth {
    V4,
    V1,
    V4Presign(u16),
    V1Presign(u16),
    None,
    WrongSecret,
}

const EXTRA_HEADERS: &[&str] = &[
    "x-oss-server-side-encryption",
    "x-oss-server-side-encryption-key-id",
    "x-oss-server-side-data-encryption",
    "x-oss-copy-source",
    "x-oss-forbid-overwrite",
    "x-oss-metadata-directive",
    "x-oss-meta-x",
    "content-md5",
    "content-type",
    "range",
    "if-match",
    "if-none-match",
    "x-oss-storage-class",
    "x-oss-acl",
    "x-oss-security-token",
    "authorization",
    "date",
    "x-oss-date",
];
/// Headers whose mutation would break HTTP framing or the connection rather than test OSS.
const FRAMING: &[&str] = &[
    "content-length",
    "transfer-encoding",
    "host",
    "connection",
    "expect",
    "te",
    "upgrade",
    "keep-alive",
    "proxy-connection",
    "trailer",
];
const EXTRA_QUERY: &[&str] = &[
    "encryption",
    "bucketInfo",
    "uploads",
    "uploadId",
    "partNumber",
    "append",
    "position",
    "versionId",
    "max-parts",
    "part-number-marker",
    "x-oss-signature-version",
    "OSSAccessKeyId",
    "Signature",
];
const METHODS: &[&str] = &[
    "GET", "PUT", "POST", "DELETE", "HEAD", "OPTIONS", "PATCH", "FUZZ",
];

#[derive(Arbitrary, Debug, Clone)]
enum Extra {
    Known(u8, String),
    Raw(String, Vec<u8>),
}

#[derive(Arbitrary, Debug, Clone)]
struct Step {
    op: Op,
    bucket: BucketSel,
    key: KeySel,
    auth: Auth,
    virtual_host: bool,
    extra_query: Vec<Extra>,
    extra_headers: Vec<Extra>,
}

#[derive(Arbitrary, Debug)]
struct Input {
    pure: Pure,
    steps: Vec<Step>,
}

/// What a step's SDK parser extracts for later steps.
enum Outcome {
    Other,
    UploadId(String, String, String),
    Etag(u32, String),
    Put(Bytes),
}

type Parser = Box<dyn FnOnce(Response<Bytes>) -> Result<Outcome, Error>>;

fn other<T>(_: T) -> Outcome {
    Outcome::Other
}

fn boxed<O>(op: O, cfg: &Config, f: fn(O::Output) -> Outcome) -> Option<(Request<Bytes>, Parser)>
where
    O: Operation + 'static,
{
    let req = op.to_request(cfg).ok()?;
    Some((req, Box::new(move |r| op.from_response(r).map(f))))
}

struct Ctx {
    prefix: String,
    /// (bucket, key, upload id) of the uploads started so far.
    uploads: Vec<(String, String, String)>,
    etags: Vec<(u32, String)>,
}

impl Ctx {
    fn bucket(&self, b: &BucketSel) -> String {
        match b {
            BucketSel::Ns(i) => format!("{}n{}", self.prefix, i % 3),
            BucketSel::Raw(s) => format!("{}{s}", self.prefix),
        }
    }
    /// Bucket, key and id of the upload a multipart step names: a known upload (with its
    /// own bucket and key), or the step's bucket and key with a made-up id.
    fn upload(&self, r: &Ref, bucket: String, key: String) -> (String, String, String) {
        match r {
            Ref::Known(i) if !self.uploads.is_empty() => {
                self.uploads[usize::from(*i) % self.uploads.len()].clone()
            }
            Ref::Known(_) => (bucket, key, "no-upload".into()),
            Ref::Raw(s) => (bucket, key, s.clone()),
        }
    }
    fn etag(&self, r: &Ref) -> String {
        match r {
            Ref::Known(i) if !self.etags.is_empty() => {
                self.etags[usize::from(*i) % self.etags.len()].1.clone()
            }
            Ref::Known(_) => "no-etag".into(),
            Ref::Raw(s) => s.clone(),
        }
    }
}

fn key(k: &KeySel) -> String {
    match k {
        KeySel::Fixed(i) => KEYS[usize::from(*i) % KEYS.len()].to_owned(),
        KeySel::Raw(s) => s.clone(),
    }
}

/// Builds the SDK request for `op` (and its parser), or `None` when the SDK refuses.
fn build(step: &Step, c: &Ctx, cfg: &Config) -> Option<(Request<Bytes>, Option<Parser>)> {
    let b = c.bucket(&step.bucket);
    let k = key(&step.key);
    let r = match &step.op {
        Op::PutBucket(class) => {
            let mut op = ops::PutBucket::new(b);
            if let Some(i) = class {
                op = op.with_storage_class(
                    [
                        "Standard",
                        "IA",
                        "Archive",
                        "ColdArchive",
                        "DeepColdArchive",
                    ][usize::from(*i) % 5],
                );
            }
            boxed(op, cfg, other)
        }
        Op::DeleteBucket => boxed(ops::DeleteBucket::new(b), cfg, other),
        Op::GetBucketInfo => boxed(ops::GetBucketInfo::new(b), cfg, other),
        Op::PutBucketEncryption(s) => boxed(ops::PutBucketEncryption::new(b, rule(s)), cfg, other),
        Op::GetBucketEncryption => boxed(ops::GetBucketEncryption::new(b), cfg, other),
        Op::DeleteBucketEncryption => boxed(ops::DeleteBucketEncryption::new(b), cfg, other),
        Op::PutObject {
            body,
            sse: s,
            meta,
            content_type,
            md5,
            forbid_overwrite,
        } => {
            let data = Bytes::from(body.clone());
            let mut op =
                ops::PutObject::new(b, k, data.clone()).with_forbid_overwrite(*forbid_overwrite);
            if let Some(s) = s {
                op = op.with_server_side_encryption(sse(s));
            }
            for (n, v) in meta {
                op = op.with_metadata(n.clone(), v.clone());
            }
            if let Some(ct) = content_type {
                op = op.with_content_type(ct.clone());
            }
            if *md5 {
                op = op.with_content_md5();
            }
            let req = op.to_request(cfg).ok()?;
            Some((
                req,
                Box::new(move |r: Response<Bytes>| op.from_response(r).map(|_| Outcome::Put(data)))
                    as Parser,
            ))
        }
        Op::AppendObject {
            position,
            body,
            sse: s,
            md5,
        } => {
            let mut op = ops::AppendObject::new(b, k, u64::from(*position), body.clone());
            if let Some(s) = s {
                op = op.with_server_side_encryption(sse(s));
            }
            if *md5 {
                op = op.with_content_md5();
            }
            boxed(op, cfg, other)
        }
        Op::GetObject(range) => {
            let mut op = ops::GetObject::new(b, k);
            if let Some((s, e)) = range {
                op = op.with_range(u64::from(*s), e.map(u64::from));
            }
            boxed(op, cfg, other)
        }
        Op::HeadObject => boxed(ops::HeadObject::new(b, k), cfg, other),
        Op::DeleteObject => boxed(ops::DeleteObject::new(b, k), cfg, other),
        Op::CopyObject {
            from,
            from_key,
            replace,
            sse: s,
        } => {
            let mut op = ops::CopyObject::new(c.bucket(from), key(from_key), b, k);
            if *replace {
                op = op.with_metadata_directive(ops::MetadataDirective::Replace);
            }
            if let Some(s) = s {
                op = op.with_server_side_encryption(sse(s));
            }
            boxed(op, cfg, other)
        }
        Op::Initiate(s) => {
            let (bb, kk) = (b.clone(), k.clone());
            let mut op = ops::InitiateMultipartUpload::new(b, k);
            if let Some(s) = s {
                op = op.with_server_side_encryption(sse(s));
            }
            let req = op.to_request(cfg).ok()?;
            Some((
                req,
                Box::new(move |r: Response<Bytes>| {
                    op.from_response(r)
                        .map(|o| Outcome::UploadId(bb, kk, o.upload_id))
                }) as Parser,
            ))
        }
        Op::UploadPart {
            upload,
            part,
            body,
            md5,
        } => {
            let (b, k, id) = c.upload(upload, b, k);
            let mut op = ops::UploadPart::new(b, k, id, u32::from(*part), body.clone());
            if *md5 {
                op = op.with_content_md5();
            }
            boxed(op, cfg, |o| match o.etag {
                Some(e) => Outcome::Etag(o.part_number, e.into()),
                None => Outcome::Other,
            })
        }
        Op::Complete { upload, parts } => {
            let parts = parts
                .iter()
                .map(|(n, e)| ops::CompletedPart::new(u32::from(*n), c.etag(e)))
                .collect();
            let (b, k, id) = c.upload(upload, b, k);
            boxed(
                ops::CompleteMultipartUpload::new(b, k, id, parts),
                cfg,
                other,
            )
        }
        Op::Abort(u) => {
            let (b, k, id) = c.upload(u, b, k);
            boxed(ops::AbortMultipartUpload::new(b, k, id), cfg, other)
        }
        Op::ListParts {
            upload,
            max,
            marker,
        } => {
            let (b, k, id) = c.upload(upload, b, k);
            let mut op = ops::ListParts::new(b, k, id);
            if let Some(m) = max {
                op = op.with_max_parts(u32::from(*m));
            }
            if let Some(m) = marker {
                op = op.with_part_number_marker(u32::from(*m));
            }
            boxed(op, cfg, other)
        }
        Op::Raw {
            method,
            path,
            query,
            body,
        } => {
            let method = METHODS[usize::from(*method) % METHODS.len()];
            // Keep the input's own namespace unless the path is bucket-less.
            let raw = format!("/{b}{}", utf8_percent_encode(path, RAW_PATH));
            let q = utf8_percent_encode(query, RAW_QUERY).to_string();
            let pq = if q.is_empty() {
                raw
            } else {
                format!("{raw}?{q}")
            };
            let uri = format!("http://{}{pq}", cfg.host());
            let mut req = Request::builder()
                .method(method)
                .uri(uri)
                .body(Bytes::from(body.clone()))
                .ok()?;
            // What the emulator will resolve (path style): the decoded path's first segment
            // is the bucket, the rest the key.
            let decoded = decode_path(req.uri().path()).into_owned();
            let decoded = decoded.strip_prefix('/').unwrap_or(&decoded).to_owned();
            let (bucket, key) = match decoded.split_once('/') {
                Some((b, k)) => (Some(b.to_owned()), (!k.is_empty()).then(|| k.to_owned())),
                None => ((!decoded.is_empty()).then_some(decoded), None),
            };
            req.extensions_mut().insert(OssResource { bucket, key });
            return Some((req, None));
        }
    }?;
    Some((r.0, Some(r.1)))
}

/// Raw paths keep '%' and most punctuation (so `decode_path` sees them); only what `http::Uri`
/// refuses is encoded.
const RAW_PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'^')
    .add(b'|')
    .add(b'\\');
const RAW_QUERY: &AsciiSet = &CONTROLS.add(b' ').add(b'#').add(b'"');

fn token(list: &'static [&'static str], i: u8) -> &'static str {
    list[usize::from(i) % list.len()]
}

/// Applies the step's extra query parameters and headers; true when anything changed.
fn mutate(req: &mut Request<Bytes>, step: &Step) -> bool {
    let mut changed = false;
    if !step.extra_query.is_empty() {
        let mut pq = req
            .uri()
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
        for e in &step.extra_query {
            let (k, v) = match e {
                Extra::Known(i, v) => (token(EXTRA_QUERY, *i).to_owned(), v.clone().into_bytes()),
                Extra::Raw(k, v) => (k.clone(), v.clone()),
            };
            pq.push(if pq.contains('?') { '&' } else { '?' });
            pq.push_str(&utf8_percent_encode(&k, NON_ALPHANUMERIC).to_string());
            if !v.is_empty() {
                pq.push('=');
                pq.push_str(&percent_encoding::percent_encode(&v, NON_ALPHANUMERIC).to_string());
            }
        }
        let mut parts = req.uri().clone().into_parts();
        if let Ok(p) = PathAndQuery::try_from(pq) {
            parts.path_and_query = Some(p);
            if let Ok(u) = Uri::from_parts(parts) {
                *req.uri_mut() = u;
                changed = true;
            }
        }
    }
    for e in &step.extra_headers {
        let (n, v) = match e {
            Extra::Known(i, v) => (token(EXTRA_HEADERS, *i).to_owned(), v.clone().into_bytes()),
            Extra::Raw(n, v) => (n.clone(), v.clone()),
        };
        let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(n.as_bytes()),
            HeaderValue::from_bytes(&v),
        ) else {
            continue;
        };
        if FRAMING.contains(&n.as_str()) {
            continue;
        }
        req.headers_mut().append(n, v);
        changed = true;
    }
    changed
}

/// Signs per `auth`; returns false when the signer refuses (the step is skipped).
fn sign(req: &mut Request<Bytes>, auth: Auth, creds: &Credentials, region: &str) -> bool {
    let res = req
        .extensions()
        .get::<OssResource>()
        .cloned()
        .unwrap_or_default();
    let ctx = SigningContext::new(region).resource(res.bucket.as_deref(), res.key.as_deref());
    let now = SystemTime::now();
    let (version, presign) = match auth {
        Auth::None => return true,
        Auth::V4 => (SignatureVersion::V4, None),
        Auth::V1 => (SignatureVersion::V1, None),
        Auth::V4Presign(e) => (SignatureVersion::V4, Some(u64::from(e).max(1))),
        Auth::V1Presign(e) => (SignatureVersion::V1, Some(u64::from(e).max(1))),
        Auth::WrongSecret => {
            let bad = Credentials::new(creds.access_key_id(), "not-the-secret");
            return Signer::new(SignatureVersion::V4)
                .sign(req, &bad, &ctx, now)
                .is_ok();
        }
    };
    let signer = Signer::new(version);
    match presign {
        None => signer.sign(req, creds, &ctx, now).is_ok(),
        Some(e) => match signer.presign(req, creds, &ctx, now, Duration::from_secs(e)) {
            Ok((p, _)) => match p.url.parse::<Uri>() {
                Ok(u) => {
                    *req.uri_mut() = u;
                    true
                }
                Err(_) => false,
            },
            Err(_) => false,
        },
    }
}

/// Sends one request; panics on a hang or a dropped connection.
fn send(w: &World, req: Request<Bytes>, what: &str) -> Response<Bytes> {
    let (parts, body) = req.into_parts();
    let req = Request::from_parts(parts, Full::new(body));
    let client = w.client.clone();
    let fut = async move {
        let resp = client.request(req).await?;
        let (parts, body) = resp.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(Response::from_parts(parts, body))
    };
    match w
        .rt
        .block_on(async { tokio::time::timeout(TIMEOUT, fut).await })
    {
        Err(_) => panic!("the emulator did not answer within {TIMEOUT:?}: {what}"),
        Ok(Err(e)) => panic!("the emulator dropped the request ({e:?}): {what}"),
        Ok(Ok(r)) => r,
    }
}

/// `OSS_SSE_FUZZ_STATS=1`: every 2000 requests, print how many got each status per
/// operation (to check that the target gets past authentication and validation).
fn stats(op: &Op, auth: Auth, status: u16) {
    static ON: OnceLock<bool> = OnceLock::new();
    type Counts = (u64, Vec<(String, u16, u64)>);
    static COUNTS: Mutex<Counts> = Mutex::new((0, Vec::new()));
    if !*ON.get_or_init(|| std::env::var("OSS_SSE_FUZZ_STATS").is_ok_and(|v| v == "1")) {
        return;
    }
    let name = format!("{op:?}");
    let name = name.split([' ', '(', '{']).next().unwrap_or("").to_owned();
    let name = if matches!(auth, Auth::None | Auth::WrongSecret) {
        format!("{name}/unsigned")
    } else {
        name
    };
    let mut g = COUNTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    g.0 += 1;
    match g.1.iter_mut().find(|(n, s, _)| *n == name && *s == status) {
        Some(e) => e.2 += 1,
        None => g.1.push((name, status, 1)),
    }
    if g.0.is_multiple_of(2000) {
        g.1.sort();
        eprintln!("emulator_request stats after {} requests:", g.0);
        for (n, s, c) in &g.1 {
            eprintln!("  {n:32} {s} {c}");
        }
    }
}

fn copy(r: &Response<Bytes>) -> Response<Bytes> {
    let mut c = Response::new(r.body().clone());
    *c.status_mut() = r.status();
    *c.headers_mut() = r.headers().clone();
    c
}

fuzz_target!(|input: Input| {
    pure(&input.pure);

    let w = world();
    let n = w.inputs.fetch_add(1, Ordering::Relaxed);
    let (addr, region, creds) = emulator(w, n);
    let endpoint = format!("127.0.0.1:{}", addr.port());
    let path_cfg = Config::builder(&region)
        .endpoint(format!("http://{endpoint}"))
        .build()
        .expect("config");
    let vhost_cfg = Config::builder(&region)
        .endpoint("http://oss-fuzz.local")
        .addressing_style(AddressingStyle::VirtualHosted)
        .build()
        .expect("config");
    let mut ctx = Ctx {
        prefix: format!("fz{:06x}", n & 0xff_ffff),
        uploads: Vec::new(),
        etags: Vec::new(),
    };

    // Setup: bucket `<prefix>n0` with object `k` and a multipart upload to `mp`, so that
    // steps get past "no such bucket" and "no such upload" (`n1` and `n2` start absent).
    for setup in [
        ops::PutBucket::new(ctx.bucket(&BucketSel::Ns(0))).to_request(&path_cfg),
        ops::PutObject::new(ctx.bucket(&BucketSel::Ns(0)), "k", &b"seed object"[..])
            .to_request(&path_cfg),
    ] {
        let mut req = setup.expect("setup request builds");
        assert!(sign(&mut req, Auth::V4, &creds, &region));
        let resp = send(w, req, "setup");
        assert!(resp.status().is_success(), "setup failed: {resp:?}");
    }
    let init = ops::InitiateMultipartUpload::new(ctx.bucket(&BucketSel::Ns(0)), "mp");
    let mut req = init.to_request(&path_cfg).expect("setup request builds");
    assert!(sign(&mut req, Auth::V4, &creds, &region));
    let id = init
        .from_response(send(w, req, "setup"))
        .expect("setup: InitiateMultipartUpload")
        .upload_id;
    ctx.uploads
        .push((ctx.bucket(&BucketSel::Ns(0)), "mp".to_owned(), id));

    for step in input.steps.iter().take(MAX_STEPS) {
        let vhost = step.virtual_host && !matches!(step.op, Op::Raw { .. });
        let cfg = if vhost { &vhost_cfg } else { &path_cfg };
        let Some((mut req, parser)) = build(step, &ctx, cfg) else {
            continue;
        };
        let mutated = mutate(&mut req, step);
        if !sign(&mut req, step.auth, &creds, &region) {
            continue;
        }
        // Virtual-hosted: keep the Host, connect to the emulator.
        if vhost {
            let host = req.uri().authority().map(|a| a.as_str().to_owned());
            let mut parts = req.uri().clone().into_parts();
            parts.authority = Some(Authority::try_from(endpoint.as_str()).expect("authority"));
            let Ok(u) = Uri::from_parts(parts) else {
                continue;
            };
            *req.uri_mut() = u;
            if let Some(h) = host.and_then(|h| HeaderValue::from_str(&h).ok()) {
                req.headers_mut().insert(http::header::HOST, h);
            }
        }
        // Never reach the unauthenticated admin endpoints (they change the emulator).
        if req.uri().path().starts_with("/-/") {
            continue;
        }
        // A path whose escapes are not UTF-8 is refused (400 `InvalidObjectName`) before
        // anything else, signed or not.
        let bad_path = percent_encoding::percent_decode_str(req.uri().path())
            .decode_utf8()
            .is_err();
        let what = format!(
            "{} {} (auth {:?}, op {:?})",
            req.method(),
            req.uri(),
            step.auth,
            std::mem::discriminant(&step.op)
        );
        let resp = send(w, req, &what);
        let status = resp.status();
        stats(&step.op, step.auth, status.as_u16());
        assert!(
            !status.is_server_error(),
            "{what}: {status} {:?}",
            String::from_utf8_lossy(resp.body())
        );
        if matches!(step.auth, Auth::None | Auth::WrongSecret) {
            assert_eq!(
                status.as_u16(),
                if bad_path { 400 } else { 403 },
                "{what}: an unauthenticated request got {status}"
            );
        }
        if !status.is_success() {
            let (head, body) = copy(&resp).into_parts();
            if let Error::Service(e) = ops::parse_error(&head, &body) {
                assert_ne!(
                    e.code(),
                    "BadErrorResponse",
                    "{what}: the emulator's error is not an OSS <Error> document: {e}"
                );
            }
        }
        let Some(parser) = parser else {
            continue;
        };
        let parsed = parser(copy(&resp));
        if status.is_success() && !mutated {
            match parsed {
                Err(e) => panic!("{what}: the SDK cannot parse the emulator's {status}: {e:?}"),
                Ok(Outcome::UploadId(b, k, id)) => ctx.uploads.push((b, k, id)),
                Ok(Outcome::Etag(n, e)) => ctx.etags.push((n, e)),
                Ok(Outcome::Put(data)) => {
                    // Read it back: the at-rest encryption must round-trip.
                    let Step { bucket, key: k, .. } = step;
                    let get = ops::GetObject::new(ctx.bucket(bucket), key(k));
                    let mut greq = get.to_request(&path_cfg).expect("it was just written");
                    assert!(sign(&mut greq, Auth::V4, &creds, &region));
                    let gresp = send(w, greq, &format!("read-back after {what}"));
                    assert_eq!(gresp.status(), 200, "read-back after {what}");
                    let got = get.from_response(gresp).expect("read-back parses");
                    assert_eq!(got.body, data, "read-back after {what}: different bytes");
                    if let Some(crc) = got.head.hash_crc64 {
                        assert_eq!(crc, oss_sse_core::crc::crc64(&data), "read-back CRC-64");
                    }
                }
                Ok(Outcome::Other) => {}
            }
        }
    }
});
