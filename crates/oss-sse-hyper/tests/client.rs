//! The hyper client against the emulator over real sockets: every operation, retries,
//! clock skew, CRC checks, timeouts, credential providers, streaming.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures_util::StreamExt;
use oss_sse_core::ops::{
    AbortMultipartUpload, AppendObject, CompleteMultipartUpload, CompletedPart, CopyObject,
    GetObject, InitiateMultipartUpload, ListParts, MetadataDirective, PutObject, UploadPart,
};
use oss_sse_core::{DataEncryption, ServerSideEncryption, ServerSideEncryptionRule, SseAlgorithm};
use oss_sse_emulator::{Emulator, EmulatorHandle, FaultAction, FaultRule};
use oss_sse_hyper::{
    Client, DownloadOptions, EcsRamRoleProvider, Error, RetryPolicy, TransportErrorKind,
    UploadBody, UploadOptions,
};

fn client_for(emu: &EmulatorHandle) -> oss_sse_hyper::ClientBuilder {
    Client::builder(emu.region())
        .endpoint(emu.endpoint())
        .credentials(emu.credentials().clone())
        // Fast retries keep the suite quick; the policy shape is the default one.
        .retry(
            RetryPolicy::default()
                .with_backoff(Duration::from_millis(5), Duration::from_millis(50)),
        )
}

async fn setup(bucket: &str) -> (EmulatorHandle, Client) {
    let emu = Emulator::builder().kms_key("cmk-1").start().await.unwrap();
    let c = client_for(&emu).build().unwrap();
    c.put_bucket(bucket).await.unwrap();
    (emu, c)
}

#[tokio::test]
async fn every_operation() {
    let (emu, c) = setup("ops").await;
    // bucket encryption trio + info
    assert_eq!(c.get_bucket_encryption("ops").await.unwrap(), None);
    c.put_bucket_encryption(
        "ops",
        ServerSideEncryptionRule::kms().with_kms_master_key_id("cmk-1"),
    )
    .await
    .unwrap();
    let info = c.get_bucket_info("ops").await.unwrap();
    assert_eq!(
        info.server_side_encryption_rule
            .unwrap()
            .kms_master_key_id(),
        Some("cmk-1")
    );
    c.delete_bucket_encryption("ops").await.unwrap();
    assert_eq!(c.get_bucket_encryption("ops").await.unwrap(), None);

    // put (bytes), put (stream), put (reader), put (file)
    let sm4 = ServerSideEncryption::sm4();
    let out = c
        .send(
            &PutObject::new("ops", "bytes", &b"0123456789"[..])
                .with_server_side_encryption(sm4.clone()),
        )
        .await
        .unwrap();
    assert_eq!(out.server_side_encryption, Some(sm4.clone()));
    assert_eq!(
        out.hash_crc64,
        Some(oss_sse_core::crc::crc64(b"0123456789"))
    );
    let chunks = futures_util::stream::iter((0..10).map(|i| Ok(Bytes::from(vec![i as u8; 1000]))));
    c.send_with_body(
        &PutObject::streaming("ops", "stream", 10_000),
        &UploadBody::stream(chunks, 10_000),
    )
    .await
    .unwrap();
    let reader = std::io::Cursor::new(vec![9u8; 5000]);
    c.send_with_body(
        &PutObject::streaming("ops", "reader", 5000),
        &UploadBody::reader(reader, 5000),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("f.bin");
    std::fs::write(&f, vec![3u8; 70_000]).unwrap();
    c.send_with_body(
        &PutObject::streaming("ops", "file", 70_000),
        &UploadBody::file(&f).await.unwrap(),
    )
    .await
    .unwrap();
    // a declared length that differs from the body is refused before sending
    let e = c
        .send_with_body(
            &PutObject::streaming("ops", "x", 5),
            &UploadBody::from(vec![1u8; 6]),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Build(ref b) if b.field() == "body"),
        "{e}"
    );

    // get (stream + bytes + range), head
    let mut s = c
        .get_object(&GetObject::new("ops", "stream"))
        .await
        .unwrap();
    let mut n = 0;
    while let Some(chunk) = s.body.next().await {
        n += chunk.unwrap().len();
    }
    assert_eq!(n, 10_000);
    let got = c
        .get_object_bytes(&GetObject::new("ops", "file").with_range(69_990, None))
        .await
        .unwrap();
    assert_eq!(got.body.len(), 10);
    assert_eq!(
        got.head.content_range.as_deref(),
        Some("bytes 69990-69999/70000")
    );
    let head = c.head_object("ops", "bytes").await.unwrap();
    assert_eq!(head.server_side_encryption, Some(sm4));

    // append
    c.send(&AppendObject::new("ops", "app", 0, &b"ab"[..]))
        .await
        .unwrap();
    let o = c
        .send_with_body(
            &AppendObject::streaming("ops", "app", 2, 2),
            &UploadBody::from(&b"cd"[..]),
        )
        .await
        .unwrap();
    assert_eq!(o.next_position, Some(4));

    // copy with metadata replace
    let out = c
        .copy_object(
            &CopyObject::new("ops", "bytes", "ops", "copy")
                .with_metadata_directive(MetadataDirective::Replace)
                .with_metadata("owner", "me")
                .with_server_side_encryption(ServerSideEncryption::kms().with_key_id("cmk-1")),
        )
        .await
        .unwrap();
    assert_eq!(out.server_side_encryption.unwrap().key_id(), Some("cmk-1"));
    assert_eq!(
        c.head_object("ops", "copy").await.unwrap().metadata,
        vec![("owner".to_owned(), "me".to_owned())]
    );

    // multipart by hand, list, abort
    let id = c
        .send(&InitiateMultipartUpload::new("ops", "mp"))
        .await
        .unwrap()
        .upload_id;
    let p = c
        .send(&UploadPart::new("ops", "mp", &id, 1, vec![1u8; 1024]))
        .await
        .unwrap();
    assert_eq!(
        c.send(&ListParts::new("ops", "mp", &id))
            .await
            .unwrap()
            .parts
            .len(),
        1
    );
    c.send(&CompleteMultipartUpload::new(
        "ops",
        "mp",
        &id,
        vec![CompletedPart::new(1, p.etag.unwrap())],
    ))
    .await
    .unwrap();
    let id = c
        .send(&InitiateMultipartUpload::new("ops", "mp2"))
        .await
        .unwrap()
        .upload_id;
    c.send(&AbortMultipartUpload::new("ops", "mp2", &id))
        .await
        .unwrap();
    assert_eq!(emu.open_uploads().await, 0);

    // delete + presign
    let url = c
        .presign(&GetObject::new("ops", "bytes"), Duration::from_secs(60))
        .await
        .unwrap();
    assert!(url.url.contains("x-oss-signature="));
    assert!(url.expiration > SystemTime::now());
    for k in ["bytes", "stream", "reader", "file", "app", "copy", "mp"] {
        c.delete_object("ops", k).await.unwrap();
    }
    c.delete_bucket("ops").await.unwrap();
    emu.shutdown().await;
}

#[tokio::test]
async fn bad_input_is_rejected_before_sending() {
    let (emu, c) = setup("bad").await;
    let before = emu.faults().stats().requests;
    let cases: Vec<(Error, &str)> = vec![
        (c.put_bucket("Bad_Name").await.unwrap_err(), "bucket"),
        (
            c.send(&PutObject::new("bad", "", &b""[..]))
                .await
                .unwrap_err(),
            "key",
        ),
        (
            c.send(&PutObject::new("bad", "k".repeat(1024), &b""[..]))
                .await
                .unwrap_err(),
            "key",
        ),
        (
            c.send(&PutObject::new("bad", "k", &b""[..]).with_metadata("a", "x\r\ny"))
                .await
                .unwrap_err(),
            "metadata",
        ),
        (
            c.send(&PutObject::new("bad", "k", &b""[..]).with_content_type("é"))
                .await
                .unwrap_err(),
            "content_type",
        ),
        (
            c.send(
                &PutObject::new("bad", "k", &b""[..])
                    .with_server_side_encryption(ServerSideEncryption::aes256().with_key_id("cmk")),
            )
            .await
            .unwrap_err(),
            "server_side_encryption_key_id",
        ),
        (
            c.presign(&GetObject::new("bad", "k"), Duration::from_secs(8 * 86400))
                .await
                .unwrap_err(),
            "expires",
        ),
        (
            c.send(
                &PutObject::new("bad", "k", &b""[..]).with_server_side_encryption(
                    ServerSideEncryption::new(SseAlgorithm::Unknown("AES128".into())),
                ),
            )
            .await
            .unwrap_err(),
            "server_side_encryption",
        ),
        (
            c.put_bucket_encryption(
                "bad",
                ServerSideEncryptionRule::new(SseAlgorithm::Unknown("rot13".into())),
            )
            .await
            .unwrap_err(),
            "sse_algorithm",
        ),
        (
            c.send(&PutObject::new("bad", "k", &b""[..]).with_metadata("bad name", "v"))
                .await
                .unwrap_err(),
            "metadata",
        ),
        (
            c.send(&UploadPart::new("bad", "k", "id", 0, &b""[..]))
                .await
                .unwrap_err(),
            "part_number",
        ),
        (
            c.upload_file(
                "bad",
                "k",
                "Cargo.toml",
                &UploadOptions::default().with_part_size(6 << 30, 1 << 40),
            )
            .await
            .unwrap_err(),
            "part_size",
        ),
        (
            c.upload_file(
                "bad",
                "k",
                "Cargo.toml",
                &UploadOptions::default().with_concurrency(0),
            )
            .await
            .unwrap_err(),
            "concurrency",
        ),
        (
            c.upload_file("bad", "k", "/no/such/file", &UploadOptions::default())
                .await
                .unwrap_err(),
            "",
        ),
        (
            c.upload_file(
                "bad",
                "k",
                "Cargo.toml",
                &UploadOptions::default().with_part_size(10, 20),
            )
            .await
            .unwrap_err(),
            "part_size",
        ),
    ];
    for (e, field) in cases {
        match (&e, field) {
            (Error::File(f), "") => assert!(f.path.ends_with("no/such/file")),
            (Error::Build(b), f) => assert_eq!(b.field(), f, "{e}"),
            _ => panic!("unexpected error {e:?}"),
        }
    }
    assert_eq!(emu.faults().stats().requests, before, "nothing was sent");
    emu.shutdown().await;
}

#[tokio::test]
async fn retries_recover_from_503_and_resets() {
    let (emu, c) = setup("retry").await;
    c.send(&PutObject::new("retry", "k", vec![5u8; 300_000]))
        .await
        .unwrap();
    // Two 503s, then success (3 attempts).
    emu.faults().push(FaultRule::next(
        "GetObject",
        2,
        FaultAction::Error {
            status: 503,
            code: "ServiceUnavailable".into(),
        },
    ));
    let got = c
        .get_object_bytes(&GetObject::new("retry", "k"))
        .await
        .unwrap();
    assert_eq!(got.body.len(), 300_000);
    // A reset mid-download, then success.
    emu.faults().push(FaultRule::next(
        "GetObject",
        1,
        FaultAction::ResetResponse { after_bytes: 1000 },
    ));
    assert_eq!(
        c.get_object_bytes(&GetObject::new("retry", "k"))
            .await
            .unwrap()
            .body
            .len(),
        300_000
    );
    // A reset mid-upload, then success (bytes and files are replayable).
    emu.faults()
        .push(FaultRule::next("PutObject", 1, FaultAction::ResetRequest));
    c.send(&PutObject::new("retry", "k2", vec![6u8; 300_000]))
        .await
        .unwrap();
    // A truncated body is retried.
    emu.faults().push(FaultRule::next(
        "GetObject",
        1,
        FaultAction::Truncate { after_bytes: 100 },
    ));
    assert_eq!(
        c.get_object_bytes(&GetObject::new("retry", "k2"))
            .await
            .unwrap()
            .body,
        Bytes::from(vec![6u8; 300_000])
    );
    // 429 too.
    emu.faults().push(FaultRule::next(
        "HeadObject",
        1,
        FaultAction::Error {
            status: 429,
            code: "QpsLimitExceeded".into(),
        },
    ));
    c.head_object("retry", "k").await.unwrap();
    // Three 500s exhaust the budget of 3 attempts: the error surfaces.
    emu.faults().push(FaultRule::next(
        "HeadObject",
        3,
        FaultAction::Error {
            status: 500,
            code: "InternalError".into(),
        },
    ));
    let e = c.head_object("retry", "k").await.unwrap_err();
    assert_eq!(e.as_service().unwrap().status().as_u16(), 500);
    // A one-shot stream is not replayed.
    emu.faults().push(FaultRule::next(
        "PutObject",
        1,
        FaultAction::Error {
            status: 503,
            code: "ServiceUnavailable".into(),
        },
    ));
    let once = UploadBody::stream(
        futures_util::stream::iter([Ok(Bytes::from_static(b"abc"))]),
        3,
    );
    let e = c
        .send_with_body(&PutObject::streaming("retry", "s", 3), &once)
        .await
        .unwrap_err();
    assert_eq!(e.as_service().unwrap().code(), "ServiceUnavailable");
    // A replayable stream is made again for the retry, and the retry's bytes are stored.
    emu.faults().push(FaultRule::next(
        "PutObject",
        1,
        FaultAction::Error {
            status: 503,
            code: "ServiceUnavailable".into(),
        },
    ));
    let made = Arc::new(AtomicU64::new(0));
    let counter = made.clone();
    let again = UploadBody::replayable(6, move || {
        counter.fetch_add(1, Ordering::SeqCst);
        futures_util::stream::iter([
            Ok(Bytes::from_static(b"abc")),
            Ok(Bytes::from_static(b"def")),
        ])
    });
    c.send_with_body(&PutObject::streaming("retry", "r", 6), &again)
        .await
        .unwrap();
    assert_eq!(made.load(Ordering::SeqCst), 2);
    assert_eq!(
        c.get_object_bytes(&GetObject::new("retry", "r"))
            .await
            .unwrap()
            .body,
        Bytes::from_static(b"abcdef")
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn no_retry_on_access_denied() {
    let (emu, c) = setup("deny").await;
    emu.faults().push(FaultRule::next(
        "HeadObject",
        5,
        FaultAction::Error {
            status: 403,
            code: "AccessDenied".into(),
        },
    ));
    let before = emu.faults().stats().requests;
    let e = c.head_object("deny", "k").await.unwrap_err();
    assert_eq!(e.as_service().unwrap().code(), "AccessDenied");
    assert_eq!(
        emu.faults().stats().requests - before,
        1,
        "a 4xx is not retried"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn clock_skew_is_corrected_from_server_time() {
    // The server's clock is an hour ahead of ours.
    let emu = Emulator::builder()
        .clock_offset_secs(3600)
        .start()
        .await
        .unwrap();
    let c = client_for(&emu).build().unwrap();
    c.put_bucket("skew").await.unwrap();
    let off = c.clock_offset_ms();
    assert!((3_590_000..3_610_000).contains(&off), "offset {off}");
    // Later requests are signed with the corrected clock at once.
    let before = emu.faults().stats().requests;
    c.head_object("skew", "missing").await.unwrap_err();
    assert_eq!(emu.faults().stats().requests - before, 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn crc_mismatch_is_detected_then_retried_or_surfaced() {
    let (emu, c) = setup("crc").await;
    c.send(&PutObject::new("crc", "k", vec![8u8; 100_000]))
        .await
        .unwrap();
    // One corrupted download body: detected, retried, correct bytes returned.
    emu.faults()
        .push(FaultRule::next("GetObject", 1, FaultAction::Corrupt));
    let got = c
        .get_object_bytes(&GetObject::new("crc", "k"))
        .await
        .unwrap();
    assert!(got.body.iter().all(|b| *b == 8));
    // Corrupted on every attempt: an integrity error, never wrong bytes.
    emu.faults()
        .push(FaultRule::next("GetObject", 3, FaultAction::Corrupt));
    let e = c
        .get_object_bytes(&GetObject::new("crc", "k"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Integrity(_)), "{e}");
    // The streaming API reports it as the stream's last item.
    emu.faults()
        .push(FaultRule::next("GetObject", 1, FaultAction::Corrupt));
    let mut s = c.get_object(&GetObject::new("crc", "k")).await.unwrap();
    let mut last = None;
    while let Some(item) = s.body.next().await {
        last = Some(item);
    }
    assert!(matches!(last, Some(Err(Error::Integrity(_)))));
    // An upload whose server CRC disagrees is retried, then surfaced.
    emu.faults()
        .push(FaultRule::next("PutObject", 1, FaultAction::Corrupt));
    c.send(&PutObject::new("crc", "k2", &b"abc"[..]))
        .await
        .unwrap();
    emu.faults()
        .push(FaultRule::next("PutObject", 3, FaultAction::Corrupt));
    let e = c
        .send(&PutObject::new("crc", "k2", &b"abc"[..]))
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Integrity(ref i) if i.client_crc64 == oss_sse_core::crc::crc64(b"abc")),
        "{e}"
    );
    // With the checks off (as in the official SDKs' switch), the same is accepted.
    let lax = client_for(&emu)
        .crc_upload_check(false)
        .crc_download_check(false)
        .build()
        .unwrap();
    emu.faults()
        .push(FaultRule::next("PutObject", 1, FaultAction::Corrupt));
    lax.send(&PutObject::new("crc", "k3", &b"abc"[..]))
        .await
        .unwrap();
    // A ranged read is never checked against the whole-object CRC.
    let r = c
        .get_object_bytes(&GetObject::new("crc", "k").with_range(0, Some(9)))
        .await
        .unwrap();
    assert_eq!(r.body.len(), 10);
    emu.faults().clear();
    emu.shutdown().await;
}

#[tokio::test]
async fn timeouts_fire() {
    let (emu, _) = setup("slow").await;
    let c = client_for(&emu)
        .read_timeout(Duration::from_millis(300))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    emu.faults().push(FaultRule::next(
        "HeadObject",
        1,
        FaultAction::Delay { ms: 1500 },
    ));
    let t = std::time::Instant::now();
    let e = c.head_object("slow", "k").await.unwrap_err();
    assert!(
        matches!(e, Error::Transport(ref t) if t.kind() == TransportErrorKind::Timeout),
        "{e}"
    );
    assert!(t.elapsed() < Duration::from_millis(1200));
    // The whole-operation timeout bounds retries as well.
    let c = client_for(&emu)
        .operation_timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    emu.faults().push(FaultRule::next(
        "HeadObject",
        3,
        FaultAction::Delay { ms: 1000 },
    ));
    let e = c.head_object("slow", "k").await.unwrap_err();
    assert!(
        matches!(e, Error::Transport(ref t) if t.kind() == TransportErrorKind::Timeout),
        "{e}"
    );
    // Connection refused is a connect error.
    let dead = Client::builder("cn-hangzhou")
        .endpoint("http://127.0.0.1:1")
        .credentials(emu.credentials().clone())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let e = dead.head_object("slow", "k").await.unwrap_err();
    assert!(
        matches!(e, Error::Transport(ref t) if t.kind() == TransportErrorKind::Connect),
        "{e}"
    );
    emu.faults().clear();
    emu.shutdown().await;
}

#[tokio::test]
async fn upload_and_download_files_multipart_with_sse() {
    let (emu, c) = setup("files").await;
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src.bin");
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&src, &data).unwrap();
    let seen = Arc::new(AtomicU64::new(0));
    let s2 = seen.clone();
    let opts = UploadOptions::default()
        .with_part_size(256 * 1024, 1024 * 1024)
        .with_concurrency(3)
        .with_server_side_encryption(
            ServerSideEncryption::kms()
                .with_key_id("cmk-1")
                .with_data_encryption(DataEncryption::Sm4),
        )
        .with_progress(move |done, total| {
            assert!(done <= total);
            s2.store(done, Ordering::Relaxed);
        });
    // A part fails twice: that part alone is retried.
    emu.faults().push(FaultRule::next(
        "UploadPart",
        2,
        FaultAction::Error {
            status: 503,
            code: "ServiceUnavailable".into(),
        },
    ));
    let out = c
        .upload_file("files", "big.bin", &src, &opts)
        .await
        .unwrap();
    assert!(out.multipart);
    assert_eq!(seen.load(Ordering::Relaxed), data.len() as u64);
    assert_eq!(out.hash_crc64, Some(oss_sse_core::crc::crc64(&data)));
    let sse = out.server_side_encryption.unwrap();
    assert_eq!(
        (sse.algorithm(), sse.data_encryption()),
        (&SseAlgorithm::Kms, Some(&DataEncryption::Sm4))
    );

    let dst = dir.path().join("dst.bin");
    emu.faults().push(FaultRule::next(
        "GetObject",
        1,
        FaultAction::ResetResponse { after_bytes: 5000 },
    ));
    let d = c
        .download_file(
            "files",
            "big.bin",
            &dst,
            &DownloadOptions::default().with_part_size(256 * 1024, 1024 * 1024),
        )
        .await
        .unwrap();
    assert_eq!(d.size, data.len() as u64);
    assert!(std::fs::read(&dst).unwrap() == data);

    // A multipart upload that cannot finish is aborted: nothing is left behind.
    emu.faults().push(FaultRule::next(
        "UploadPart",
        100,
        FaultAction::Error {
            status: 500,
            code: "InternalError".into(),
        },
    ));
    let e = c
        .upload_file("files", "doomed.bin", &src, &opts)
        .await
        .unwrap_err();
    assert_eq!(e.as_service().unwrap().status().as_u16(), 500);
    assert_eq!(emu.open_uploads().await, 0);
    emu.faults().clear();
    // A failed download leaves no file at the destination.
    let e = c
        .download_file(
            "files",
            "nope.bin",
            dir.path().join("nope"),
            &DownloadOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.as_service().unwrap().code(), "NoSuchKey");
    assert!(!dir.path().join("nope").exists() && !dir.path().join("nope.oss-sse.part").exists());
    emu.shutdown().await;
}

// ---- ECS RAM role provider against a local fake metadata server ----

/// Dropping (cancelling) a transfer future cleans up after it: a multipart upload is
/// aborted in the background, a download's partial file is removed.
#[tokio::test]
async fn cancelled_transfers_leave_nothing_behind() {
    let (emu, c) = setup("cancelled").await;
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src.bin");
    std::fs::write(&src, vec![7u8; 3_000_000]).unwrap();
    let opts = UploadOptions::default().with_part_size(256 * 1024, 1024 * 1024);
    emu.faults().push(FaultRule::next(
        "UploadPart",
        1,
        FaultAction::Delay { ms: 2000 },
    ));
    let cancelled = tokio::time::timeout(
        Duration::from_millis(300),
        c.upload_file("cancelled", "big", &src, &opts),
    )
    .await;
    assert!(
        cancelled.is_err(),
        "the upload should still have been running"
    );
    // The background abort runs once the future is gone.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while emu.open_uploads().await != 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the cancelled upload was left open"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    c.send(&PutObject::new("cancelled", "small", &b"hello"[..]))
        .await
        .unwrap();
    let dest = dir.path().join("out.bin");
    emu.faults().push(FaultRule::next(
        "GetObject",
        1,
        FaultAction::Delay { ms: 2000 },
    ));
    let cancelled = tokio::time::timeout(
        Duration::from_millis(300),
        c.download_file("cancelled", "small", &dest, &DownloadOptions::default()),
    )
    .await;
    assert!(cancelled.is_err());
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("src.bin")], "{left:?}");
    emu.faults().clear();
    emu.shutdown().await;
}

async fn fake_metadata(expire_in: Duration, delay: Duration) -> (String, Arc<AtomicU64>) {
    use http_body_util::Full;
    use hyper::service::service_fn;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicU64::new(0));
    let h = hits.clone();
    tokio::spawn(async move {
        loop {
            let (s, _) = listener.accept().await.unwrap();
            let h = h.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                    let h = h.clone();
                    async move {
                        let path = req.uri().path().to_owned();
                        let body = if path.ends_with("/security-credentials/") {
                            "test-role".to_owned()
                        } else {
                            let n = h.fetch_add(1, Ordering::SeqCst) + 1;
                            tokio::time::sleep(delay).await;
                            let exp = SystemTime::now() + expire_in;
                            let secs = exp
                                .duration_since(SystemTime::UNIX_EPOCH)
                                .unwrap()
                                .as_secs() as i64;
                            format!(
                                r#"{{"AccessKeyId":"STS.ecs{n}","AccessKeySecret":"secret{n}","SecurityToken":"token{n}","Expiration":"{}","LastUpdated":"x","Code":"Success"}}"#,
                                oss_sse_core::time::format_iso8601(secs).replace(".000Z", "Z")
                            )
                        };
                        Ok::<_, std::convert::Infallible>(http::Response::new(Full::new(
                            Bytes::from(body),
                        )))
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(s), svc)
                    .await;
            });
        }
    });
    (format!("http://{addr}"), hits)
}

#[tokio::test]
async fn ecs_ram_role_refreshes_and_shares_one_refresh() {
    use oss_sse_hyper::CredentialsProvider;
    // Credentials that are "due for refresh" 1 s after they are issued.
    let (endpoint, hits) =
        fake_metadata(Duration::from_secs(121), Duration::from_millis(200)).await;
    let p = Arc::new(EcsRamRoleProvider::with_endpoint(&endpoint));
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let p = p.clone();
        tasks.push(tokio::spawn(async move { p.credentials().await.unwrap() }));
    }
    for t in tasks {
        let c = t.await.unwrap();
        assert_eq!(c.access_key_id(), "STS.ecs1");
        assert_eq!(c.security_token(), Some("token1"));
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        1,
        "20 concurrent callers, one fetch"
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let c = p.credentials().await.unwrap();
    assert_eq!(c.access_key_id(), "STS.ecs2", "refreshed before expiry");
    assert!(!format!("{p:?}").contains("secret"));

    // And it signs real requests: an emulator that knows this STS key accepts them.
    let emu = Emulator::builder()
        .credentials(
            oss_sse_core::Credentials::new("STS.ecs2", "secret2").with_security_token("token2"),
        )
        .start()
        .await
        .unwrap();
    let client = Client::builder(emu.region())
        .endpoint(emu.endpoint())
        .credentials_provider(
            EcsRamRoleProvider::with_endpoint(&endpoint)
                .with_refresh_before(Duration::from_secs(0)),
        )
        .build()
        .unwrap();
    // The fresh provider fetches ecs3, which the emulator does not know.
    let e = client.put_bucket("ecs").await.unwrap_err();
    assert_eq!(e.as_service().unwrap().code(), "InvalidAccessKeyId");
    emu.shutdown().await;
}

#[tokio::test]
async fn secrets_never_show_in_debug() {
    let emu = Emulator::builder().start().await.unwrap();
    let creds = oss_sse_core::Credentials::new("AKIDVISIBLE", "TOPSECRETVALUE")
        .with_security_token("SECRETTOKENVALUE");
    let c = Client::builder("cn-hangzhou")
        .endpoint(emu.endpoint())
        .credentials(creds.clone())
        .build()
        .unwrap();
    for s in [format!("{creds:?}"), format!("{c:?}")] {
        assert!(
            !s.contains("TOPSECRETVALUE") && !s.contains("SECRETTOKENVALUE"),
            "{s}"
        );
    }
    emu.shutdown().await;
}
