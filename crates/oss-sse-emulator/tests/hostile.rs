//! The emulator against hostile or careless clients, over real sockets (issue 12, rows
//! D7, D9–D13, D16 of docs/reliability.md). Each test here failed on the emulator before
//! the fix that it names.

mod common;

use std::io::{Read, Write};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use common::{Raw, client, send_op, send_raw, set, spawn_emulator};
use http::Request;
use oss_sse_core::ops::{
    GetObject, HeadObject, InitiateMultipartUpload, ListParts, Operation, OssResource,
    PutBucketEncryption, PutObject, UploadPart,
};
use oss_sse_core::sign::{SignatureVersion, Signer, SigningContext};
use oss_sse_core::{Credentials, ServerSideEncryption, ServerSideEncryptionRule};
use oss_sse_emulator::{Emulator, EmulatorHandle};

async fn with_bucket(name: &str) -> EmulatorHandle {
    let emu = Emulator::builder().kms_key("cmk-1").start().await.unwrap();
    client(&emu).put_bucket(name).await.unwrap();
    emu
}

/// Writes a whole HTTP/1.1 request (head and body) on a plain blocking socket before
/// reading anything, as the Java SDK does, then reads the response head and body.
fn blocking_exchange(addr: std::net::SocketAddr, req: &Request<Bytes>) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut head = format!(
        "{} {} HTTP/1.1\r\nHost: {addr}\r\n",
        req.method(),
        req.uri()
            .path_and_query()
            .map_or("/", http::uri::PathAndQuery::as_str)
    );
    for (n, v) in req.headers() {
        head.push_str(&format!("{n}: {}\r\n", v.to_str().unwrap()));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    // The whole body, first; a server that answered early and closed makes this fail.
    s.write_all(req.body())
        .unwrap_or_else(|e| panic!("writing the body failed: {e}"));
    let mut resp = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                resp.extend_from_slice(&buf[..n]);
                if let Some(text) = complete_response(&resp) {
                    return text;
                }
            }
            Err(e) => panic!("reading the response failed: {e}"),
        }
    }
    complete_response(&resp).expect("a whole response")
}

/// `(status, body)` once `buf` holds a whole response with a Content-Length.
fn complete_response(buf: &[u8]) -> Option<(u16, String)> {
    let text = String::from_utf8_lossy(buf);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status: u16 = head.split_whitespace().nth(1)?.parse().ok()?;
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())
                .flatten()
        })
        .unwrap_or(0);
    (body.len() >= len).then(|| (status, body[..len].to_owned()))
}

fn signed(emu: &EmulatorHandle, op: &impl Operation, creds: &Credentials) -> Request<Bytes> {
    let mut req = op.to_request(&common::config(emu)).unwrap();
    let res = req.extensions().get::<OssResource>().cloned().unwrap();
    let ctx = SigningContext::new(emu.region()).resource(res.bucket.as_deref(), res.key.as_deref());
    Signer::new(SignatureVersion::V4)
        .sign(&mut req, creds, &ctx, SystemTime::now())
        .unwrap();
    req
}

// ---------------- D10: early errors reach clients that write first ----------------

/// D10: a client that writes its whole body before reading still receives the 403 for a
/// wrong signature and the 400 for an unknown CMK, for 1 MiB and 8 MiB bodies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d10_early_errors_reach_a_client_that_writes_its_whole_body_first() {
    let emu = with_bucket("early").await;
    let addr = emu.addr();
    for size in [1024 * 1024, 8 * 1024 * 1024] {
        let body = Bytes::from(vec![b'z'; size]);
        let wrong = Credentials::new(emu.access_key_id(), "not-the-secret");
        let req = signed(&emu, &PutObject::new("early", "k", body.clone()), &wrong);
        let (status, doc) = tokio::task::spawn_blocking(move || blocking_exchange(addr, &req))
            .await
            .unwrap();
        assert_eq!(status, 403, "{size} bytes: {doc}");
        assert!(doc.contains("<Code>SignatureDoesNotMatch</Code>"), "{doc}");

        let op = PutObject::new("early", "k", body)
            .with_server_side_encryption(ServerSideEncryption::kms().with_key_id("no-such-cmk"));
        let req = signed(&emu, &op, emu.credentials());
        let (status, doc) = tokio::task::spawn_blocking(move || blocking_exchange(addr, &req))
            .await
            .unwrap();
        assert_eq!(status, 400, "{size} bytes: {doc}");
        assert!(doc.contains("<Code>KmsKeyNotExist</Code>"), "{doc}");
    }
    // Nothing was stored by any of them.
    let e = client(&emu).head_object("early", "k").await.unwrap_err();
    assert_eq!(e.as_service().unwrap().status(), 404);
    emu.shutdown().await;
}

/// D10: with `Expect: 100-continue`, an early error is answered at once, without a
/// `100 Continue` that would make the client send its body.
#[tokio::test]
async fn d10_expect_continue_gets_the_error_without_100_continue() {
    let emu = with_bucket("expect").await;
    let wrong = Credentials::new(emu.access_key_id(), "not-the-secret");
    let mut req = signed(
        &emu,
        &PutObject::streaming("expect", "k", 4 * 1024 * 1024),
        &wrong,
    );
    set(&mut req, "expect", "100-continue");
    let addr = emu.addr();
    let text = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut head = format!("PUT {} HTTP/1.1\r\nHost: {addr}\r\n", req.uri().path());
        for (n, v) in req.headers() {
            head.push_str(&format!("{n}: {}\r\n", v.to_str().unwrap()));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes()).unwrap();
        let mut buf = vec![0u8; 4096];
        let n = s
            .read(&mut buf)
            .expect("an answer without sending the body");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    })
    .await
    .unwrap();
    assert!(text.starts_with("HTTP/1.1 403"), "{text}");
    assert!(!text.contains("100 Continue"), "{text}");
    emu.shutdown().await;
}

// ---------------- D11: x-oss-content-sha256 ----------------

/// D11: `x-oss-content-sha256` must be `UNSIGNED-PAYLOAD` or the body's SHA-256 in hex;
/// anything else is a 400, and a hash that does not match stores nothing.
#[tokio::test]
async fn d11_content_sha256_is_checked() {
    let emu = with_bucket("sha").await;
    let body = Bytes::from_static(b"hash me");
    let good = oss_sse_core::crypto::to_hex(&ring_sha256(&body));
    for (value, want) in [
        ("lol", 400),
        (
            "0000000000000000000000000000000000000000000000000000000000000000",
            400,
        ),
        (good.as_str(), 200),
        ("UNSIGNED-PAYLOAD", 200),
    ] {
        let key = format!("k-{}", &value[..3]);
        let r = send_op(
            &emu,
            &PutObject::new("sha", &key, body.clone()),
            emu.credentials(),
            SignatureVersion::V4,
            SystemTime::now(),
            |req| set(req, "x-oss-content-sha256", value),
        )
        .await;
        assert_eq!(r.status, want, "{value}: {}", r.doc());
        let stored = client(&emu).head_object("sha", &key).await.is_ok();
        assert_eq!(stored, want == 200, "{value}: stored");
    }
    emu.shutdown().await;
}

fn ring_sha256(b: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, b)
        .as_ref()
        .to_vec()
}

// ---------------- D12: invalid UTF-8 in keys ----------------

/// D12: a key whose escapes are not UTF-8 is a 400 `InvalidObjectName`; two such keys
/// never alias one object.
#[tokio::test]
async fn d12_keys_that_are_not_utf8_are_rejected() {
    let emu = with_bucket("utf").await;
    for (method, path) in [
        ("PUT", "/utf/%FF"),
        ("GET", "/utf/%FE"),
        ("PUT", "/utf/a%C3"),
    ] {
        let mut req = PutObject::new("utf", "placeholder", &b"x"[..])
            .to_request(&common::config(&emu))
            .unwrap();
        *req.method_mut() = method.parse().unwrap();
        *req.uri_mut() = format!("{}{path}", emu.endpoint()).parse().unwrap();
        // Signed for the key a lossy decoder would read, so only the decoding can object.
        let ctx = SigningContext::new(emu.region()).resource(Some("utf"), Some("\u{FFFD}"));
        Signer::new(SignatureVersion::V4)
            .sign(&mut req, emu.credentials(), &ctx, SystemTime::now())
            .unwrap();
        let r = send_raw(req).await;
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "InvalidObjectName"),
            "{method} {path}"
        );
    }
    emu.shutdown().await;
}

// ---------------- D13: key ids OSS could not hold ----------------

/// D13: the emulator refuses KMS key ids with control characters or of absurd length
/// (and so never serves malformed XML); core refuses to build them.
#[tokio::test]
async fn d13_absurd_kms_key_ids_are_rejected() {
    let emu = with_bucket("kid").await;
    let long = "k".repeat(500_000);
    for bad in ["bad\u{1}id", "esc\u{1b}[31mred", long.as_str()] {
        let op = PutBucketEncryption::new(
            "kid",
            ServerSideEncryptionRule::kms().with_kms_master_key_id("PLACEHOLDER"),
        );
        let r = send_op(
            &emu,
            &op,
            emu.credentials(),
            SignatureVersion::V4,
            SystemTime::now(),
            |req| {
                let body = String::from_utf8(req.body().to_vec())
                    .unwrap()
                    .replace("PLACEHOLDER", bad);
                let md5 = oss_sse_core::crypto::content_md5(body.as_bytes());
                *req.body_mut() = Bytes::from(body);
                set(req, "content-md5", &md5);
                let len = req.body().len().to_string();
                set(req, "content-length", &len);
            },
        )
        .await;
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "InvalidArgument"),
            "{:?}",
            &bad[..bad.len().min(20)]
        );
        // Core refuses to build such a rule at all.
        match PutBucketEncryption::new(
            "kid",
            ServerSideEncryptionRule::kms().with_kms_master_key_id(bad),
        )
        .to_request(&common::config(&emu))
        {
            Ok(_) => panic!("core built a rule with a bad key id ({} bytes)", bad.len()),
            Err(e) => assert!(e.to_string().contains("kms_master_key_id"), "{e}"),
        }
    }
    let e = client(&emu).get_bucket_encryption("kid").await.unwrap();
    assert_eq!(e, None, "no rule was stored");
    emu.shutdown().await;
}

// ---------------- D16: markers and tokens ----------------

/// D16: an out-of-range part-number marker is a 400 (it used to wrap around), and a
/// long-term key that presents a security token is refused.
#[tokio::test]
async fn d16_bad_markers_and_stray_tokens_are_refused() {
    let emu = with_bucket("mkr").await;
    let c = client(&emu);
    let up = c
        .send(&InitiateMultipartUpload::new("mkr", "k"))
        .await
        .unwrap();
    c.send(&UploadPart::new("mkr", "k", &up.upload_id, 1, &b"p1"[..]))
        .await
        .unwrap();
    for marker in ["4294967295", "4294967296", "-1", "10001", "x"] {
        let r = send_op(
            &emu,
            &ListParts::new("mkr", "k", &up.upload_id),
            emu.credentials(),
            SignatureVersion::V4,
            SystemTime::now(),
            |req| {
                let uri = format!("{}&part-number-marker={marker}", req.uri());
                *req.uri_mut() = uri.parse().unwrap();
            },
        )
        .await;
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "InvalidArgument"),
            "marker {marker}"
        );
    }
    for max in ["0", "1001", "-5"] {
        let r = send_op(
            &emu,
            &ListParts::new("mkr", "k", &up.upload_id),
            emu.credentials(),
            SignatureVersion::V4,
            SystemTime::now(),
            |req| {
                let uri = format!("{}&max-parts={max}", req.uri());
                *req.uri_mut() = uri.parse().unwrap();
            },
        )
        .await;
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "InvalidArgument"),
            "max-parts {max}"
        );
    }
    // A long-term key with a security token.
    for version in [SignatureVersion::V4, SignatureVersion::V1] {
        let creds = emu
            .credentials()
            .clone()
            .with_security_token("made-up-token");
        let r: Raw = send_op(
            &emu,
            &HeadObject::new("mkr", "nope"),
            &creds,
            version,
            SystemTime::now(),
            |_| {},
        )
        .await;
        assert_eq!(r.status, 403, "{version:?}");
        assert_eq!(r.code(), "InvalidSecurityToken", "{version:?}");
    }
    emu.shutdown().await;
}

// ---------------- D9: the admin endpoint ----------------

/// D9: admin request bodies are bounded (a 64 MiB POST does not grow the server by that).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d9_admin_bodies_are_bounded() {
    let emu = Emulator::builder().start().await.unwrap();
    let body = vec![b'['; 64 * 1024 * 1024];
    let before = common::rss_bytes();
    let addr = emu.addr();
    let status = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let head = format!(
            "POST /-/faults HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        s.write_all(head.as_bytes()).unwrap();
        let _ = s.write_all(&body); // the server may stop reading early
        let mut buf = vec![0u8; 4096];
        let n = s.read(&mut buf).unwrap_or(0);
        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
        text.split_whitespace()
            .nth(1)
            .and_then(|s| s.parse::<u16>().ok())
            .unwrap_or(0)
    })
    .await
    .unwrap();
    let grown = common::rss_bytes().saturating_sub(before);
    assert_eq!(status, 413, "an oversized admin body is refused");
    assert!(grown < 16 * 1024 * 1024, "RSS grew by {grown} bytes");
    emu.shutdown().await;
}

/// D9: in virtual-hosted style, a key starting with `-/` is an object, not an admin route.
#[tokio::test]
async fn d9_admin_routes_never_shadow_object_keys() {
    let emu = Emulator::builder()
        .hostname("oss.test")
        .start()
        .await
        .unwrap();
    let c = client(&emu);
    c.put_bucket("vhb").await.unwrap();
    for key in ["-/stats", "-/faults"] {
        let mut req = PutObject::new("vhb", key, &b"object bytes"[..])
            .to_request(&common::config(&emu))
            .unwrap();
        let path = format!("/{key}");
        *req.uri_mut() = format!("{}{path}", emu.endpoint()).parse().unwrap();
        set(&mut req, "host", "vhb.oss.test");
        let ctx = SigningContext::new(emu.region()).resource(Some("vhb"), Some(key));
        Signer::new(SignatureVersion::V4)
            .sign(&mut req, emu.credentials(), &ctx, SystemTime::now())
            .unwrap();
        let r = send_raw(req).await;
        assert_eq!(r.status, 200, "PUT {key}: {}", r.doc());
        let got = c
            .get_object_bytes(&GetObject::new("vhb", key))
            .await
            .unwrap();
        assert_eq!(&got.body[..], b"object bytes", "{key}");
    }
    emu.shutdown().await;
}

// ---------------- D7: idle and slow clients ----------------

/// D7: with the file descriptors used up by idle clients, the emulator neither spins nor
/// locks legitimate clients out: idle connections are closed after `--idle-timeout`, the
/// accept loop backs off, and a real request gets through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d7_idle_clients_cannot_lock_others_out() {
    let dir = tempfile::tempdir().unwrap();
    let proc = spawn_emulator(
        dir.path(),
        &["sh", "-c", "ulimit -n 96 && exec \"$0\" \"$@\""],
        &["--idle-timeout", "2"],
    );
    let addr: std::net::SocketAddr = proc.endpoint.trim_start_matches("http://").parse().unwrap();
    // Many more idle connections than the server has descriptors for.
    let idle: Vec<std::net::TcpStream> = (0..150)
        .filter_map(|_| std::net::TcpStream::connect(addr).ok())
        .collect();
    assert!(idle.len() > 96);
    let cpu0 = proc.cpu_secs();
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let busy = (proc.cpu_secs() - cpu0) / t0.elapsed().as_secs_f64();
    assert!(
        busy < 0.3,
        "the server used {:.0}% of a core while idle clients waited",
        busy * 100.0
    );
    let c = common::proc_client(&proc.endpoint);
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(15), c.put_bucket("legit"))
        .await
        .expect("a legitimate request got through in time")
        .unwrap();
    eprintln!("legitimate request served after {:?}", started.elapsed());
    drop(idle);
}
