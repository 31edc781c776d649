//! Every write path against a failing disk, through the store's fault seam
//! (`oss_sse_emulator::DiskFaults`): a full disk for each kind of write (object blob, part,
//! manifest, bucket state, keys), and a crash or an I/O error at every file-system call of
//! PutObject, CompleteMultipartUpload, PutBucketEncryption and AppendObject, followed by a
//! restart. What was acknowledged always reads back byte-identical, nothing unacknowledged
//! is half-visible, and the emulator always starts.

mod common;

use std::sync::Arc;

use bytes::Bytes;
use common::{code_of, files_below, status_of};
use oss_sse_core::ops::{
    AbortMultipartUpload, AppendObject, CompleteMultipartUpload, CompletedPart, GetObject,
    InitiateMultipartUpload, ListParts, PutObject, UploadPart,
};
use oss_sse_core::{ServerSideEncryption, ServerSideEncryptionRule};
use oss_sse_emulator::{DiskError, DiskFaultRule, DiskFaults, DiskOp, Emulator, EmulatorHandle};
use oss_sse_hyper::{Client, RetryPolicy};

const B: &str = "dur";

async fn start(dir: &std::path::Path) -> EmulatorHandle {
    Emulator::builder()
        .data_dir(dir)
        .kms_key("cmk-1")
        .start()
        .await
        .expect("the emulator starts on what it last acknowledged")
}

fn client(emu: &EmulatorHandle) -> Client {
    Client::builder(emu.region())
        .endpoint(emu.endpoint())
        .credentials(emu.credentials().clone())
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

fn body(tag: u8, len: usize) -> Bytes {
    Bytes::from((0..len).map(|i| tag ^ (i % 251) as u8).collect::<Vec<u8>>())
}

async fn get(c: &Client, key: &str) -> Option<Bytes> {
    match c.get_object_bytes(&GetObject::new(B, key)).await {
        Ok(o) => Some(o.body),
        Err(e) if status_of(&e) == 404 => None,
        Err(e) => panic!("GET {key}: {e}"),
    }
}

/// Files of object data and uploads, i.e. all but the store's own bookkeeping.
fn data_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    files_below(dir)
        .into_iter()
        .filter(|p| {
            !matches!(
                p.file_name().and_then(|n| n.to_str()),
                Some("keys.json" | "state.json" | "FORMAT")
            )
        })
        .collect()
}

// ---------------- a full disk, for each kind of write ----------------

/// ENOSPC on every write from now on (a full disk).
fn full(op: DiskOp) -> DiskFaultRule {
    DiskFaultRule {
        persistent: true,
        ..DiskFaultRule::fail(Some(op), 1, DiskError::NoSpace)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_fails_each_kind_of_write_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let emu = start(dir.path()).await;
    let c = client(&emu);
    c.put_bucket(B).await.unwrap();
    let old = body(1, 200_000);
    c.send(&PutObject::new(B, "k", old.clone())).await.unwrap();
    let up = c
        .send(&InitiateMultipartUpload::new(B, "mp"))
        .await
        .unwrap();
    let p1 = c
        .send(&UploadPart::new(
            B,
            "mp",
            &up.upload_id,
            1,
            body(2, 120_000),
        ))
        .await
        .unwrap();
    let files_before = data_files(dir.path());

    // Object blob: the PUT fails, the old object stays, nothing is left behind.
    emu.disk_faults().set(full(DiskOp::Write));
    let e = c
        .send(&PutObject::new(B, "k", body(3, 300_000)))
        .await
        .unwrap_err();
    assert_eq!(
        (status_of(&e), code_of(&e).as_str()),
        (500, "InternalError"),
        "{e}"
    );
    // Part blob.
    let e = c
        .send(&UploadPart::new(B, "mp", &up.upload_id, 2, body(4, 1000)))
        .await
        .unwrap_err();
    assert_eq!(status_of(&e), 500, "{e}");
    // Bucket state (state.json).
    let e = c.put_bucket("dur-new").await.unwrap_err();
    assert_eq!(status_of(&e), 500, "{e}");
    let e = c
        .put_bucket_encryption(B, ServerSideEncryptionRule::aes256())
        .await
        .unwrap_err();
    assert_eq!(status_of(&e), 500, "{e}");
    // Keys (keys.json).
    assert!(emu.rotate_master_key().await.is_err());
    emu.disk_faults().clear();
    assert_eq!(
        data_files(dir.path()),
        files_before,
        "failed writes left files"
    );
    assert_eq!(get(&c, "k").await.unwrap(), old);
    assert!(
        c.get_bucket_info("dur-new").await.is_err(),
        "no half-made bucket"
    );
    assert_eq!(c.get_bucket_encryption(B).await.unwrap(), None);
    assert_eq!(emu.master_key_versions().await, vec![1]);

    // Manifest: the blob is written, the manifest cannot be created (second file created).
    emu.disk_faults().set(DiskFaultRule {
        persistent: true,
        ..DiskFaultRule::fail(Some(DiskOp::Create), 2, DiskError::NoSpace)
    });
    let e = c
        .send(&PutObject::new(B, "k", body(5, 100)))
        .await
        .unwrap_err();
    assert_eq!(status_of(&e), 500, "{e}");
    emu.disk_faults().clear();
    assert_eq!(get(&c, "k").await.unwrap(), old);
    assert_eq!(
        data_files(dir.path()),
        files_before,
        "a failed manifest left its blob"
    );

    // The upload is intact, and everything works once there is space again.
    let listed = c
        .send(&ListParts::new(B, "mp", &up.upload_id))
        .await
        .unwrap();
    assert_eq!(listed.parts.len(), 1);
    c.send(&CompleteMultipartUpload::new(
        B,
        "mp",
        &up.upload_id,
        vec![CompletedPart::new(1, p1.etag.unwrap())],
    ))
    .await
    .unwrap();
    c.put_bucket_encryption(B, ServerSideEncryptionRule::sm4())
        .await
        .unwrap();
    assert_eq!(emu.rotate_master_key().await.unwrap(), 2);
    emu.shutdown().await;

    // A start that must write keys on a full disk fails, and leaves keys.json whole.
    let keys = std::fs::read(dir.path().join("keys.json")).unwrap();
    let faults = Arc::new(DiskFaults::default());
    faults.set(full(DiskOp::Write));
    let r = Emulator::builder()
        .data_dir(dir.path())
        .kms_key("a-new-cmk")
        .disk_faults(faults)
        .start()
        .await;
    assert!(r.is_err(), "adding a key on a full disk cannot succeed");
    assert_eq!(std::fs::read(dir.path().join("keys.json")).unwrap(), keys);
    // A start that needs no write on a full disk works, and keeps keys.json as it is.
    let faults = Arc::new(DiskFaults::default());
    faults.set(full(DiskOp::Write));
    let emu = Emulator::builder()
        .data_dir(dir.path())
        .kms_key("cmk-1")
        .disk_faults(faults)
        .start()
        .await
        .unwrap();
    assert_eq!(std::fs::read(dir.path().join("keys.json")).unwrap(), keys);
    let c = client(&emu);
    assert_eq!(get(&c, "mp").await.unwrap().len(), 120_000);
    assert_eq!(
        c.get_bucket_encryption(B).await.unwrap(),
        Some(ServerSideEncryptionRule::sm4())
    );
    emu.shutdown().await;
}

// ---------------- a crash or an error at every call ----------------

/// The operation under test, on a store that already holds acknowledged state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Put,
    Complete,
    PutBucketEncryption,
    Append,
}

/// What the store holds before the operation.
struct Baseline {
    upload_id: String,
    etags: Vec<String>,
}

const OLD_K: u8 = 10;
const NEW_K: u8 = 11;

async fn baseline(c: &Client) -> Baseline {
    c.put_bucket(B).await.unwrap();
    c.put_bucket_encryption(
        B,
        ServerSideEncryptionRule::kms().with_kms_master_key_id("cmk-1"),
    )
    .await
    .unwrap();
    c.send(&PutObject::new(B, "k", body(OLD_K, 150_000)))
        .await
        .unwrap();
    c.send(&PutObject::new(B, "other", body(7, 70_000)))
        .await
        .unwrap();
    c.send(&AppendObject::new(B, "a", 0, body(20, 1000)))
        .await
        .unwrap();
    let up = c
        .send(
            &InitiateMultipartUpload::new(B, "k")
                .with_server_side_encryption(ServerSideEncryption::sm4()),
        )
        .await
        .unwrap();
    let mut etags = Vec::new();
    for (n, len) in [(1u32, 110_000usize), (2, 5000)] {
        let out = c
            .send(&UploadPart::new(
                B,
                "k",
                &up.upload_id,
                n,
                body(30 + n as u8, len),
            ))
            .await
            .unwrap();
        etags.push(out.etag.unwrap().into());
    }
    Baseline {
        upload_id: up.upload_id,
        etags,
    }
}

fn multipart_body() -> Vec<u8> {
    [body(31, 110_000), body(32, 5000)].concat()
}

async fn run_op(c: &Client, op: Op, base: &Baseline) -> Result<(), oss_sse_hyper::Error> {
    match op {
        Op::Put => c
            .send(&PutObject::new(B, "k", body(NEW_K, 150_001)))
            .await
            .map(|_| ()),
        Op::Complete => c
            .send(&CompleteMultipartUpload::new(
                B,
                "k",
                &base.upload_id,
                base.etags
                    .iter()
                    .enumerate()
                    .map(|(i, e)| CompletedPart::new(i as u32 + 1, e.clone()))
                    .collect(),
            ))
            .await
            .map(|_| ()),
        Op::PutBucketEncryption => c
            .put_bucket_encryption(B, ServerSideEncryptionRule::aes256())
            .await
            .map(|_| ()),
        Op::Append => c
            .send(&AppendObject::new(B, "a", 1000, body(21, 777)))
            .await
            .map(|_| ()),
    }
}

/// Checks the store after the operation, acknowledged (`acked`) or not: every earlier
/// acknowledged write is there, the operation's effect is all there or not at all (all
/// there when acknowledged), and an unfinished upload keeps its parts.
async fn check(c: &Client, op: Op, base: &Baseline, acked: bool, when: &str) {
    let old_k = body(OLD_K, 150_000);
    assert_eq!(
        get(c, "other").await.unwrap(),
        body(7, 70_000),
        "{when}: other"
    );
    let k = get(c, "k").await.expect("k exists");
    let rule = c.get_bucket_encryption(B).await.unwrap();
    let a = get(c, "a").await.unwrap();
    let kms = Some(ServerSideEncryptionRule::kms().with_kms_master_key_id("cmk-1"));
    let (k_new, rule_new, a_new) = match op {
        Op::Put => (k == body(NEW_K, 150_001), false, false),
        Op::Complete => (k == multipart_body(), false, false),
        Op::PutBucketEncryption => (
            false,
            rule == Some(ServerSideEncryptionRule::aes256()),
            false,
        ),
        Op::Append => (false, false, a == [body(20, 1000), body(21, 777)].concat()),
    };
    // Nothing torn: each is exactly the old or exactly the new state.
    assert!(
        k == old_k || k_new,
        "{when}: k is neither old nor new ({} bytes)",
        k.len()
    );
    assert!(rule == kms || rule_new, "{when}: rule is {rule:?}");
    assert!(
        a == body(20, 1000) || a_new,
        "{when}: a is {} bytes",
        a.len()
    );
    if acked {
        let done = match op {
            Op::Put | Op::Complete => k_new,
            Op::PutBucketEncryption => rule_new,
            Op::Append => a_new,
        };
        assert!(done, "{when}: an acknowledged {op:?} is not visible");
    }
    // An upload that did not complete still holds its acknowledged parts.
    if !(op == Op::Complete && k_new) {
        let listed = c
            .send(&ListParts::new(B, "k", &base.upload_id))
            .await
            .unwrap_or_else(|e| panic!("{when}: the upload is gone: {e}"));
        assert_eq!(listed.parts.len(), 2, "{when}: parts");
    }
}

/// Whether the operation's effect is in the store.
async fn visible(c: &Client, op: Op) -> bool {
    match op {
        Op::Put => get(c, "k").await == Some(body(NEW_K, 150_001)),
        Op::Complete => get(c, "k").await == Some(multipart_body().into()),
        Op::PutBucketEncryption => {
            c.get_bucket_encryption(B).await.unwrap() == Some(ServerSideEncryptionRule::aes256())
        }
        Op::Append => get(c, "a").await.is_some_and(|a| a.len() == 1777),
    }
}

/// Deletes everything the test made, restarts, and expects no object data on disk: every
/// file was reclaimed or belonged to what was deleted.
async fn nothing_left(dir: &std::path::Path, when: &str) {
    let emu = start(dir).await;
    let c = client(&emu);
    for k in ["k", "other", "a"] {
        c.delete_object(B, k).await.unwrap();
    }
    // The upload, if it did not complete.
    let ids: Vec<String> = files_below(&dir.join("uploads"))
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "upload.json"))
        .filter_map(|p| p.parent()?.file_name()?.to_str().map(str::to_owned))
        .collect();
    for id in ids {
        c.send(&AbortMultipartUpload::new(B, "k", &id))
            .await
            .unwrap();
    }
    emu.shutdown().await;
    let emu = start(dir).await;
    emu.shutdown().await;
    let left = data_files(dir);
    assert!(left.is_empty(), "{when}: files left: {left:?}");
}

async fn crash_or_fail_at_every_call(op: Op, crash: bool) {
    let mut n = 1u64;
    loop {
        let dir = tempfile::tempdir().unwrap();
        let emu = start(dir.path()).await;
        let c = client(&emu);
        let base = baseline(&c).await;
        emu.disk_faults().set(if crash {
            DiskFaultRule::crash(None, n)
        } else {
            DiskFaultRule::fail(None, n, DiskError::Io)
        });
        let r = run_op(&c, op, &base).await;
        let fired = emu.disk_faults().injected() > 0;
        let when = format!(
            "{op:?}, {} at call {n} ({})",
            if crash { "crash" } else { "EIO" },
            if r.is_ok() { "acknowledged" } else { "failed" }
        );
        if let Err(e) = &r {
            assert!(fired, "{when}: failed with no fault: {e}");
            assert_eq!(status_of(e), 500, "{when}: {e}");
        }
        if !crash {
            // Still running: consistent at once, and the operation can be retried.
            emu.disk_faults().clear();
            check(&c, op, &base, r.is_ok(), &when).await;
        }
        emu.shutdown().await;
        let emu = start(dir.path()).await;
        let c = client(&emu);
        check(
            &c,
            op,
            &base,
            r.is_ok(),
            &format!("{when}, after a restart"),
        )
        .await;
        if r.is_err() && !visible(&c, op).await {
            run_op(&c, op, &base)
                .await
                .unwrap_or_else(|e| panic!("{when}: a retry after the restart failed: {e}"));
            check(&c, op, &base, true, &format!("{when}, retried")).await;
        }
        emu.shutdown().await;
        nothing_left(dir.path(), &when).await;
        if !fired {
            // The operation made fewer than n calls: every one of them was covered.
            assert!(n > 3, "{op:?} made only {} file-system calls", n - 1);
            eprintln!(
                "{op:?}: {} calls covered ({})",
                n - 1,
                if crash { "crash" } else { "EIO" }
            );
            return;
        }
        n += 1;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_object_survives_a_crash_or_error_at_every_call() {
    crash_or_fail_at_every_call(Op::Put, true).await;
    crash_or_fail_at_every_call(Op::Put, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn complete_survives_a_crash_or_error_at_every_call() {
    crash_or_fail_at_every_call(Op::Complete, true).await;
    crash_or_fail_at_every_call(Op::Complete, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_bucket_encryption_survives_a_crash_or_error_at_every_call() {
    crash_or_fail_at_every_call(Op::PutBucketEncryption, true).await;
    crash_or_fail_at_every_call(Op::PutBucketEncryption, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn append_survives_a_crash_or_error_at_every_call() {
    crash_or_fail_at_every_call(Op::Append, true).await;
    crash_or_fail_at_every_call(Op::Append, false).await;
}
