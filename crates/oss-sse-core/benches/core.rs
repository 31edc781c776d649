//! Hot paths of the core: V4 / V1 header signing, V4 presigning, XML response parsing and
//! CRC-64 throughput, plus the same V4 header signature computed by the third-party
//! `reqsign-aliyun-oss` signer for comparison.
//!
//! ```text
//! cargo bench -p oss-sse-core --bench core -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! Before measuring, the bench checks that both signers produce the same V4 signature for
//! the request they are given (same method, URL, headers, credentials, region and time), so
//! the comparison is between equivalent work.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context as TaskContext, Poll, Waker};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use http::{Request, Response};
use oss_sse_core::crc::crc64;
use oss_sse_core::ops::{GetBucketEncryption, ListObjectsV2, ListParts};
use oss_sse_core::sign::verify::{self, RequestToVerify};
use oss_sse_core::time::parse_v4_timestamp;
use oss_sse_core::{Credentials, Operation, SignatureVersion, Signer, SigningContext};
use reqsign_core::SignRequest as _;

const AK: &str = "LTAI5tTestAccessKeyId00";
const SK: &str = "TestSecret/0123456789+abcdefghijKLMN=";
const REGION: &str = "cn-hangzhou";
const BUCKET: &str = "examplebucket";
const KEY: &str = "dir/object name.txt";
const URL: &str = "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/dir/object%20name.txt";
/// 2024-06-02T12:40:00Z.
const SIGNING_TIME: u64 = 1_717_332_000;

fn signing_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(SIGNING_TIME)
}

/// A PutObject head with SSE-KMS: only headers both signers sign by default (`content-type`,
/// `content-md5`, `x-oss-*`), so neither adds AdditionalHeaders and the canonical requests
/// are identical. (reqsign V4 signs every other header present, e.g. `content-length`, as an
/// additional header; this crate does not.)
///
/// The header map has room for the signer's headers, as the crate's operations build it.
fn put_request() -> Request<()> {
    let mut req = Request::new(());
    req.headers_mut().reserve(12);
    let mut builder = Request::put(URL);
    *builder.headers_mut().expect("valid") = std::mem::take(req.headers_mut());
    builder
        .header("content-type", "text/plain")
        .header("content-md5", "XrY7u+Ae7tCTyyK7j1rNww==")
        .header("x-oss-meta-author", "alice")
        .header("x-oss-server-side-encryption", "KMS")
        .header(
            "x-oss-server-side-encryption-key-id",
            "9468da86-3509-4f8d-a61e-6eab1eac****",
        )
        .header("x-oss-server-side-data-encryption", "SM4")
        .body(())
        .unwrap()
}

/// A new request with the same head, its header map sized for the signer's headers as the
/// crate's operations and the hyper client build it. (A plain `clone()` copies the header
/// entries into a vector with no spare room, so the first added header reallocates it.)
fn fresh<B: Clone>(req: &Request<B>) -> Request<B> {
    let mut headers = http::HeaderMap::with_capacity(req.headers().len() + 5);
    headers.extend(req.headers().clone());
    let mut r = Request::new(req.body().clone());
    *r.method_mut() = req.method().clone();
    *r.uri_mut() = req.uri().clone();
    *r.headers_mut() = headers;
    r
}

/// Inputs are built 64 at a time, so they are in cache when signed, as a request is when a
/// client signs it right after building it. (With criterion's `SmallInput`, a batch holds
/// thousands of pre-built requests whose header maps no longer fit in cache, and the figure
/// adds memory latency to both signers.)
const HOT: BatchSize = BatchSize::NumIterations(64);

fn ctx() -> SigningContext<'static> {
    SigningContext::new(REGION).bucket(BUCKET).key(KEY)
}

fn reqsign_signer() -> reqsign_aliyun_oss::RequestSigner {
    reqsign_aliyun_oss::RequestSigner::new(BUCKET)
        .with_region(REGION)
        .with_signing_version(reqsign_aliyun_oss::SigningVersion::V4)
}

fn reqsign_credential() -> reqsign_aliyun_oss::Credential {
    reqsign_aliyun_oss::Credential {
        access_key_id: AK.to_owned(),
        access_key_secret: SK.to_owned(),
        security_token: None,
        expires_in: None,
    }
}

/// The smallest executor: reqsign's signing futures never wait on anything, so they are
/// ready at the first poll; a noop waker is all that is needed (and costs nothing).
fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = TaskContext::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::yield_now();
    }
}

fn signature_of(auth: &str) -> &str {
    auth.rsplit_once("Signature=")
        .map(|(_, s)| s.trim())
        .unwrap_or_else(|| panic!("no Signature= in {auth:?}"))
}

/// Signs the same request with both signers at the same time and checks they agree; also
/// checks that this crate's verifier accepts reqsign's output.
fn assert_signers_agree() {
    // reqsign reads the clock itself (its fixed-time hook is test-only): sign first, then
    // sign ours at the time it put in `x-oss-date`.
    let mut theirs = put_request().into_parts().0;
    block_on(reqsign_signer().sign_request(
        &reqsign_core::Context::new(),
        &mut theirs,
        Some(&reqsign_credential()),
        None,
    ))
    .expect("reqsign signs");
    let date = theirs.headers["x-oss-date"].to_str().unwrap().to_owned();
    let secs = parse_v4_timestamp(&date).expect("reqsign's x-oss-date");
    let t = UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).unwrap());

    let mut ours = put_request();
    Signer::new(SignatureVersion::V4)
        .sign(&mut ours, &Credentials::new(AK, SK), &ctx(), t)
        .expect("oss-sse-core signs");

    let their_auth = theirs.headers["authorization"].to_str().unwrap();
    let our_auth = ours.headers()["authorization"].to_str().unwrap();
    for h in ["x-oss-date", "x-oss-content-sha256"] {
        assert_eq!(theirs.headers[h], ours.headers()[h], "{h}");
    }
    let scope = format!(
        "Credential={AK}/{}/{REGION}/oss/aliyun_v4_request",
        &date[..8]
    );
    assert!(their_auth.contains(&scope) && our_auth.contains(&scope));
    assert!(
        their_auth.contains("AdditionalHeaders=,"),
        "reqsign signed extra headers: {their_auth}"
    );
    assert_eq!(
        signature_of(their_auth),
        signature_of(our_auth),
        "the two V4 signers disagree\n reqsign: {their_auth}\n ours:    {our_auth}"
    );

    let rtv = RequestToVerify {
        method: theirs.method.as_str(),
        raw_query: theirs.uri.query(),
        headers: &theirs.headers,
        bucket: Some(BUCKET),
        key: Some(KEY),
    };
    verify::verify(&rtv, REGION, "oss", t, |ak| {
        (ak == AK).then(|| Credentials::new(AK, SK))
    })
    .expect("reqsign's signature verifies");
}

fn bench_signing(c: &mut Criterion) {
    assert_signers_agree();

    let creds = Credentials::new(AK, SK);
    let ctx = ctx();
    let t = signing_time();
    let req = put_request();

    let mut g = c.benchmark_group("sign");
    g.throughput(Throughput::Elements(1));

    let v4 = Signer::new(SignatureVersion::V4);
    g.bench_function("v4_header/oss-sse-core", |b| {
        b.iter_batched(
            || fresh(&req),
            |mut r| {
                v4.sign(&mut r, &creds, &ctx, t).unwrap();
                r
            },
            HOT,
        );
    });
    // Steady state: a fresh request each time, as a client builds one per call, with the
    // allocator warm (iter_batched above pre-builds large batches whose first touch costs
    // page faults). The clone is measured alone below so it can be subtracted.
    g.bench_function("v4_header/oss-sse-core (clone + sign)", |b| {
        b.iter(|| {
            let mut r = req.clone();
            v4.sign(&mut r, &creds, &ctx, t).unwrap();
            r
        });
    });
    // Signing alone: the same request re-signed in place (as a retry does), so neither a
    // clone nor a fresh header map is in the measurement.
    let mut again = req.clone();
    g.bench_function("v4_header/oss-sse-core (re-sign in place)", |b| {
        b.iter(|| v4.sign(&mut again, &creds, &ctx, t).unwrap());
    });
    g.bench_function("request clone alone (baseline)", |b| {
        b.iter(|| req.clone());
    });
    g.bench_function("v4_header/oss-sse-core (cold key cache)", |b| {
        b.iter_batched(
            || fresh(&req),
            |mut r| {
                Signer::new(SignatureVersion::V4)
                    .sign(&mut r, &creds, &ctx, t)
                    .unwrap();
                r
            },
            HOT,
        );
    });

    let rs = reqsign_signer();
    let rs_cred = reqsign_credential();
    let rs_ctx = reqsign_core::Context::new();
    let parts = fresh(&req).into_parts().0;
    g.bench_function("v4_header/reqsign-aliyun-oss", |b| {
        b.iter_batched(
            || {
                fresh(&Request::from_parts(parts.clone(), ()))
                    .into_parts()
                    .0
            },
            |mut p| {
                block_on(rs.sign_request(&rs_ctx, &mut p, Some(&rs_cred), None)).unwrap();
                p
            },
            HOT,
        );
    });
    let rs_full = reqsign_core::Signer::new(
        reqsign_core::Context::new(),
        reqsign_aliyun_oss::StaticCredentialProvider::new(AK, SK),
        reqsign_signer(),
    );
    g.bench_function(
        "v4_header/reqsign-aliyun-oss (via reqsign_core::Signer)",
        |b| {
            b.iter_batched(
                || {
                    fresh(&Request::from_parts(parts.clone(), ()))
                        .into_parts()
                        .0
                },
                |mut p| {
                    block_on(rs_full.sign(&mut p, None)).unwrap();
                    p
                },
                HOT,
            );
        },
    );

    let v1 = Signer::new(SignatureVersion::V1);
    g.bench_function("v1_header/oss-sse-core", |b| {
        b.iter_batched(
            || fresh(&req),
            |mut r| {
                v1.sign(&mut r, &creds, &ctx, t).unwrap();
                r
            },
            HOT,
        );
    });

    let get = Request::get(URL).body(()).unwrap();
    g.bench_function("v4_presign/oss-sse-core", |b| {
        b.iter(|| {
            v4.presign(black_box(&get), &creds, &ctx, t, Duration::from_secs(900))
                .unwrap()
        });
    });
    g.finish();
}

/// A raw HTTP response (status line, headers, blank line, body), as in `tests/fixtures`.
fn parse_http(raw: &str) -> Response<Bytes> {
    let (head, body) = raw.split_once("\n\n").unwrap();
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let mut b = Response::builder().status(status);
    for l in lines {
        let (n, v) = l.split_once(':').unwrap();
        b = b.header(n, v.trim());
    }
    b.body(Bytes::copy_from_slice(body.as_bytes())).unwrap()
}

fn list_parts_page(n: u32) -> Response<Bytes> {
    use std::fmt::Write as _;
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListPartsResult xmlns=\"http://doc.oss-cn-hangzhou.aliyuncs.com\">\n  <Bucket>examplebucket</Bucket>\n  <Key>multipart.data</Key>\n  <UploadId>0004B999EF5A239BB9138C6227D69F95</UploadId>\n  <NextPartNumberMarker>1000</NextPartNumberMarker>\n  <MaxParts>1000</MaxParts>\n  <IsTruncated>false</IsTruncated>\n",
    );
    for i in 1..=n {
        let _ = write!(
            xml,
            "  <Part>\n    <PartNumber>{i}</PartNumber>\n    <LastModified>2012-02-23T07:01:34.000Z</LastModified>\n    <ETag>\"3349DC700140D7F86A0784842780{i:04X}\"</ETag>\n    <HashCrc64ecma>{}</HashCrc64ecma>\n    <Size>6291456</Size>\n  </Part>\n",
            u64::from(i).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        );
    }
    xml.push_str("</ListPartsResult>\n");
    Response::builder()
        .status(200)
        .header("content-type", "application/xml")
        .header("x-oss-request-id", "106452c8-10ff-812d-736e-c865294a0000")
        .body(Bytes::from(xml))
        .unwrap()
}

/// A 1,000-key ListObjectsV2 page as the emulator writes it (url-encoded keys, quoted ETags).
fn list_objects_page(n: u32) -> Response<Bytes> {
    use std::fmt::Write as _;
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult><Name>examplebucket</Name><Prefix>logs%2F</Prefix><MaxKeys>1000</MaxKeys><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated><NextContinuationToken>AWxvZ3MvMjAyNi8wMDAwMDk5OS5sb2c%3D</NextContinuationToken>",
    );
    for i in 0..n {
        let _ = write!(
            xml,
            "<Contents><Key>logs%2F2026%2F{i:08}.log</Key><LastModified>2026-11-30T12:00:00.000Z</LastModified><ETag>\"5B3C1A2E053D763E1B002CC607C5{i:04X}\"</ETag><Type>Normal</Type><Size>{}</Size><StorageClass>Standard</StorageClass></Contents>",
            u64::from(i) * 37
        );
    }
    let _ = write!(xml, "<KeyCount>{n}</KeyCount></ListBucketResult>");
    Response::builder()
        .status(200)
        .header("content-type", "application/xml")
        .header("x-oss-request-id", "106452c8-10ff-812d-736e-c865294a0000")
        .body(Bytes::from(xml))
        .unwrap()
}

fn bench_parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Elements(1));

    let enc = parse_http(include_str!(
        "../tests/fixtures/get_bucket_encryption/kms_key_id.http"
    ));
    let op = GetBucketEncryption::new(BUCKET);
    assert!(op.from_response(enc.clone()).unwrap().is_some());
    g.bench_function("get_bucket_encryption", |b| {
        b.iter_batched(|| enc.clone(), |r| op.from_response(r).unwrap(), HOT);
    });

    let op = ListParts::new(BUCKET, "multipart.data", "u");
    let three = parse_http(include_str!("../tests/fixtures/list_parts/several.http"));
    assert_eq!(op.from_response(three.clone()).unwrap().parts.len(), 3);
    g.bench_function("list_parts/3 parts", |b| {
        b.iter_batched(|| three.clone(), |r| op.from_response(r).unwrap(), HOT);
    });
    let page = list_parts_page(1000);
    assert_eq!(op.from_response(page.clone()).unwrap().parts.len(), 1000);
    g.bench_function("list_parts/1000 parts", |b| {
        b.iter_batched(|| page.clone(), |r| op.from_response(r).unwrap(), HOT);
    });
    let op = ListObjectsV2::new(BUCKET).with_prefix("logs/");
    let page = list_objects_page(1000);
    let out = op.from_response(page.clone()).unwrap();
    assert_eq!(out.contents.len(), 1000);
    assert_eq!(out.contents[999].key, "logs/2026/00000999.log");
    g.bench_function("list_objects_v2/1000 keys", |b| {
        b.iter_batched(|| page.clone(), |r| op.from_response(r).unwrap(), HOT);
    });
    g.finish();
}

/// Deterministic pseudo-random bytes (xorshift64*), so runs are comparable.
fn noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut v = Vec::with_capacity(len + 8);
    while v.len() < len {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        v.extend_from_slice(&x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    v.truncate(len);
    v
}

fn bench_crc(c: &mut Criterion) {
    let mut g = c.benchmark_group("crc64");
    let small = noise(1 << 20);
    g.throughput(Throughput::Bytes(small.len() as u64));
    g.bench_function("1 MiB", |b| b.iter(|| crc64(black_box(&small))));

    let big = noise(64 << 20);
    g.throughput(Throughput::Bytes(big.len() as u64));
    g.sample_size(10);
    g.sampling_mode(SamplingMode::Flat);
    g.bench_function("64 MiB", |b| b.iter(|| crc64(black_box(&big))));
    g.finish();
}

criterion_group!(benches, bench_signing, bench_parse, bench_crc);
criterion_main!(benches);
