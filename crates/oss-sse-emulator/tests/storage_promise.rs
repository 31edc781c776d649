//! The storage promise over real sockets: a write that got a 2xx is there after any
//! failure, restart or race (issue 12, rows D1–D6, D8, D16c, D17 of docs/reliability.md).
//! Each test here failed on the emulator before the fix that it names.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use common::{code_of, files_below, proc_client, spawn_emulator, status_of};
use futures_util::StreamExt;
use oss_sse_core::ops::{
    AppendObject, CompleteMultipartUpload, CompletedPart, CopyObject, GetObject,
    InitiateMultipartUpload, ListParts, PutObject, UploadPart,
};
use oss_sse_core::{ServerSideEncryption, ServerSideEncryptionRule};
use oss_sse_emulator::{Emulator, EmulatorHandle};
use oss_sse_hyper::{Client, RetryPolicy, UploadBody};

fn no_retry(emu: &EmulatorHandle) -> Client {
    Client::builder(emu.region())
        .endpoint(emu.endpoint())
        .credentials(emu.credentials().clone())
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

async fn disk_emulator(dir: &std::path::Path) -> EmulatorHandle {
    Emulator::builder()
        .data_dir(dir)
        .kms_key("cmk-1")
        .start()
        .await
        .unwrap()
}

fn pattern(tag: u64, len: usize) -> Bytes {
    let mut v = Vec::with_capacity(len);
    let mut x = tag.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    while v.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.truncate(len);
    Bytes::from(v)
}

// ---------------- D2: concurrent appends at one position ----------------

/// D2: two appends at the same position cannot both succeed; the loser gets 409
/// `PositionNotEqualToLength` with the current next position.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn d2_concurrent_appends_at_one_position_one_wins() {
    let dir = tempfile::tempdir().unwrap();
    let emu = disk_emulator(dir.path()).await;
    let c = no_retry(&emu);
    c.put_bucket("app").await.unwrap();
    for round in 0..20 {
        let key = format!("k{round}");
        c.send(&AppendObject::new("app", &key, 0, &b"x"[..]))
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for i in 0..6u8 {
            let c = c.clone();
            let key = key.clone();
            tasks.push(tokio::spawn(async move {
                c.send(&AppendObject::new("app", &key, 1, vec![b'a' + i; 70_000]))
                    .await
            }));
        }
        let mut ok = Vec::new();
        for t in tasks {
            match t.await.unwrap() {
                Ok(o) => ok.push(o),
                Err(e) => {
                    assert_eq!(
                        (status_of(&e), code_of(&e).as_str()),
                        (409, "PositionNotEqualToLength"),
                        "{e}"
                    );
                }
            }
        }
        assert_eq!(
            ok.len(),
            1,
            "round {round}: exactly one append at position 1 wins"
        );
        let got = c
            .get_object_bytes(&GetObject::new("app", &key))
            .await
            .unwrap();
        assert_eq!(got.body.len(), 70_001, "round {round}");
    }
    emu.shutdown().await;
}

// ---------------- D4: forbid-overwrite is checked at commit ----------------

/// D4: `x-oss-forbid-overwrite: true` holds at commit time on PutObject, CopyObject and
/// CompleteMultipartUpload, so exactly one writer of a new key wins.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn d4_forbid_overwrite_is_atomic_on_put_copy_and_complete() {
    let emu = Emulator::builder().start().await.unwrap();
    let c = no_retry(&emu);
    c.put_bucket("fob").await.unwrap();

    // A slow PUT to a new key; meanwhile a fast PUT creates the key: the slow one must lose.
    let len = 4 * 1024 * 1024u64;
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(2);
    let body = UploadBody::stream(
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|x| (x, rx)) }),
        len,
    );
    let c2 = c.clone();
    let slow = tokio::spawn(async move {
        c2.send_with_body(
            &PutObject::streaming("fob", "slow", len).with_forbid_overwrite(true),
            &body,
        )
        .await
    });
    tx.send(Ok(Bytes::from(vec![b's'; 1024 * 1024])))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    c.send(&PutObject::new("fob", "slow", &b"fast"[..]))
        .await
        .unwrap();
    for _ in 0..3 {
        tx.send(Ok(Bytes::from(vec![b's'; 1024 * 1024])))
            .await
            .unwrap();
    }
    drop(tx);
    let e = slow.await.unwrap().unwrap_err();
    assert_eq!(
        (status_of(&e), code_of(&e).as_str()),
        (409, "FileAlreadyExists"),
        "{e}"
    );
    let got = c
        .get_object_bytes(&GetObject::new("fob", "slow"))
        .await
        .unwrap();
    assert_eq!(&got.body[..], b"fast");

    // Concurrent PUTs to a new key: exactly one wins, every time.
    for round in 0..10 {
        let key = format!("race{round}");
        let mut tasks = Vec::new();
        for i in 0..8u8 {
            let c = c.clone();
            let key = key.clone();
            tasks.push(tokio::spawn(async move {
                c.send(&PutObject::new("fob", &key, vec![i; 300_000]).with_forbid_overwrite(true))
                    .await
            }));
        }
        let mut wins = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => wins += 1,
                Err(e) => assert_eq!(code_of(&e), "FileAlreadyExists", "{e}"),
            }
        }
        assert_eq!(wins, 1, "round {round}");
    }

    // CopyObject and CompleteMultipartUpload honour the header too.
    c.send(&PutObject::new("fob", "src", &b"source"[..]))
        .await
        .unwrap();
    let r = common::send_op(
        &emu,
        &CopyObject::new("fob", "src", "fob", "slow"),
        emu.credentials(),
        oss_sse_core::sign::SignatureVersion::V4,
        std::time::SystemTime::now(),
        |req| common::set(req, "x-oss-forbid-overwrite", "true"),
    )
    .await;
    assert_eq!((r.status, r.code().as_str()), (409, "FileAlreadyExists"));
    let up = c
        .send(&InitiateMultipartUpload::new("fob", "slow"))
        .await
        .unwrap();
    let p = c
        .send(&UploadPart::new(
            "fob",
            "slow",
            &up.upload_id,
            1,
            &b"part"[..],
        ))
        .await
        .unwrap();
    let complete = CompleteMultipartUpload::new(
        "fob",
        "slow",
        &up.upload_id,
        vec![CompletedPart::new(1, p.etag.unwrap())],
    );
    let r = common::send_op(
        &emu,
        &complete,
        emu.credentials(),
        oss_sse_core::sign::SignatureVersion::V4,
        std::time::SystemTime::now(),
        |req| common::set(req, "x-oss-forbid-overwrite", "true"),
    )
    .await;
    assert_eq!((r.status, r.code().as_str()), (409, "FileAlreadyExists"));
    let got = c
        .get_object_bytes(&GetObject::new("fob", "slow"))
        .await
        .unwrap();
    assert_eq!(&got.body[..], b"fast", "nothing overwrote the first writer");
    emu.shutdown().await;
}

// ---------------- D5, D6: reads racing overwrites and deletes ----------------

async fn put_multipart(c: &Client, bucket: &str, key: &str, parts: &[Bytes]) {
    let up = c
        .send(&InitiateMultipartUpload::new(bucket, key))
        .await
        .unwrap();
    let mut done = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        let n = i as u32 + 1;
        let out = c
            .send(&UploadPart::new(bucket, key, &up.upload_id, n, p.clone()))
            .await
            .unwrap();
        done.push(CompletedPart::new(n, out.etag.unwrap()));
    }
    c.send(&CompleteMultipartUpload::new(
        bucket,
        key,
        &up.upload_id,
        done,
    ))
    .await
    .unwrap();
}

/// D5: a GET that started finishes with the bytes of the version it started on, even if the
/// object is overwritten or deleted while it streams (multipart objects, both storage modes).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn d5_a_started_read_finishes_on_its_version() {
    for disk in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let emu = if disk {
            disk_emulator(dir.path()).await
        } else {
            Emulator::builder().start().await.unwrap()
        };
        let c = no_retry(&emu);
        c.put_bucket("rdb").await.unwrap();
        let parts: Vec<Bytes> = (0..3).map(|i| pattern(i, 4 * 1024 * 1024)).collect();
        let whole: Vec<u8> = parts.iter().flat_map(|p| p.iter().copied()).collect();
        for (round, change) in ["overwrite", "delete"].into_iter().enumerate() {
            let key = format!("mp{round}");
            put_multipart(&c, "rdb", &key, &parts).await;
            let mut s = c.get_object(&GetObject::new("rdb", &key)).await.unwrap();
            assert_eq!(s.head.content_length, Some(whole.len() as u64));
            let mut got = Vec::new();
            got.extend_from_slice(&s.body.next().await.unwrap().unwrap());
            match change {
                "overwrite" => {
                    c.send(&PutObject::new("rdb", &key, &b"new"[..]))
                        .await
                        .unwrap();
                }
                _ => {
                    c.delete_object("rdb", &key).await.unwrap();
                }
            }
            while let Some(chunk) = s.body.next().await {
                got.extend_from_slice(&chunk.unwrap_or_else(|e| {
                    panic!("disk={disk} {change}: read cut at {} bytes: {e}", got.len())
                }));
            }
            assert_eq!(got.len(), whole.len(), "disk={disk} {change}");
            assert!(got == whole, "disk={disk} {change}: bytes differ");
        }
        emu.shutdown().await;
    }
}

/// D6: a GET racing overwrites gets the old or the new object, never a 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn d6_gets_racing_overwrites_never_fail() {
    let dir = tempfile::tempdir().unwrap();
    let emu = disk_emulator(dir.path()).await;
    let c = no_retry(&emu);
    c.put_bucket("race").await.unwrap();
    let versions: Vec<Bytes> = (0..4).map(|i| pattern(i, 200_000)).collect();
    c.send(&PutObject::new("race", "k", versions[0].clone()))
        .await
        .unwrap();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let c = c.clone();
        let stop = stop.clone();
        let versions = versions.clone();
        tokio::spawn(async move {
            let mut i = 1;
            while !stop.load(Ordering::Relaxed) {
                c.send(&PutObject::new("race", "k", versions[i % 4].clone()))
                    .await
                    .unwrap();
                i += 1;
            }
        })
    };
    let failures = Arc::new(AtomicU64::new(0));
    let mut readers = Vec::new();
    for _ in 0..4 {
        let c = c.clone();
        let failures = failures.clone();
        let versions = versions.clone();
        readers.push(tokio::spawn(async move {
            for _ in 0..300 {
                match c.get_object_bytes(&GetObject::new("race", "k")).await {
                    Ok(o) => assert!(versions.contains(&o.body), "a mixed object"),
                    Err(e) => {
                        eprintln!("GET failed: {e}");
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    for r in readers {
        r.await.unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    assert_eq!(failures.load(Ordering::Relaxed), 0, "GETs that failed");
    emu.shutdown().await;
}

// ---------------- D8: uploads survive restarts ----------------

/// D8: multipart uploads and their acknowledged parts survive a restart, as in OSS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d8_uploads_and_parts_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let emu = disk_emulator(dir.path()).await;
    let c = no_retry(&emu);
    c.put_bucket("upl").await.unwrap();
    let up = c
        .send(
            &InitiateMultipartUpload::new("upl", "big")
                .with_server_side_encryption(ServerSideEncryption::kms().with_key_id("cmk-1"))
                .with_metadata("owner", "d8"),
        )
        .await
        .unwrap();
    let parts = [pattern(1, 150_000), pattern(2, 1000)];
    let mut etags = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        let out = c
            .send(&UploadPart::new(
                "upl",
                "big",
                &up.upload_id,
                i as u32 + 1,
                p.clone(),
            ))
            .await
            .unwrap();
        etags.push(out.etag.unwrap());
    }
    emu.shutdown().await;

    let emu = disk_emulator(dir.path()).await;
    let c = no_retry(&emu);
    let listed = c
        .send(&ListParts::new("upl", "big", &up.upload_id))
        .await
        .unwrap();
    assert_eq!(
        listed.parts.len(),
        2,
        "acknowledged parts survive a restart"
    );
    let out = c
        .send(&CompleteMultipartUpload::new(
            "upl",
            "big",
            &up.upload_id,
            etags
                .iter()
                .enumerate()
                .map(|(i, e)| CompletedPart::new(i as u32 + 1, e.clone()))
                .collect(),
        ))
        .await
        .unwrap();
    assert_eq!(
        out.server_side_encryption.unwrap().key_id(),
        Some("cmk-1"),
        "the upload's SSE survived too"
    );
    let got = c
        .get_object_bytes(&GetObject::new("upl", "big"))
        .await
        .unwrap();
    assert_eq!(got.body.len(), 151_000);
    assert_eq!(&got.body[..150_000], &parts[0][..]);
    assert_eq!(got.head.metadata, vec![("owner".into(), "d8".into())]);
    emu.shutdown().await;
}

/// D8: `kill -9` at random moments of CompleteMultipartUpload (and of the uploads around
/// it), then a restart each time: once everything is deleted and aborted, the data
/// directory holds no object data at all (startup reclaims what no committed state names).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d8_kill_9_during_complete_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let mut proc = spawn_emulator(dir.path(), &[], &[]);
    proc_client(&proc.endpoint).put_bucket("k9b").await.unwrap();
    let mut uploads = Vec::new();
    let mut keys = Vec::new();
    for i in 0..12u64 {
        let c = proc_client(&proc.endpoint);
        let key = format!("obj{}", i % 3);
        keys.push(key.clone());
        let up = c
            .send(&InitiateMultipartUpload::new("k9b", &key))
            .await
            .unwrap();
        uploads.push((key.clone(), up.upload_id.clone()));
        let mut parts = Vec::new();
        for n in 1..=3u32 {
            let out = c
                .send(&UploadPart::new(
                    "k9b",
                    &key,
                    &up.upload_id,
                    n,
                    pattern(i * 10 + u64::from(n), 110_000),
                ))
                .await
                .unwrap();
            parts.push(CompletedPart::new(n, out.etag.unwrap()));
        }
        let complete = CompleteMultipartUpload::new("k9b", &key, &up.upload_id, parts);
        let task = tokio::spawn(async move { c.send(&complete).await });
        // Kill somewhere in the first few milliseconds of the Complete.
        tokio::time::sleep(Duration::from_micros(300 * (i % 8))).await;
        proc.kill9();
        let _ = task.await;
        proc = spawn_emulator(dir.path(), &[], &[]);
    }
    let c = proc_client(&proc.endpoint);
    for (key, id) in &uploads {
        if let Err(e) = c
            .send(&oss_sse_core::ops::AbortMultipartUpload::new(
                "k9b", key, id,
            ))
            .await
        {
            assert_eq!(code_of(&e), "NoSuchUpload", "{e}");
        }
    }
    for key in &keys {
        c.delete_object("k9b", key).await.unwrap();
    }
    drop(c);
    proc.kill9();
    let proc = spawn_emulator(dir.path(), &[], &[]);
    let left: Vec<_> = files_below(dir.path())
        .into_iter()
        .filter(|p| {
            !matches!(
                p.file_name().and_then(|n| n.to_str()),
                Some("keys.json" | "state.json" | "FORMAT")
            )
        })
        .collect();
    assert!(
        left.is_empty(),
        "files no committed state refers to: {left:?}"
    );
    drop(proc);
}

// ---------------- D3: a clock that steps back ----------------

/// D3: commit order is a persisted counter, not the wall clock: after the clock steps back
/// across a restart, a new PUT still replaces the old object. (Runs the binary under
/// `faketime`; `scripts/test-all.sh` installs it.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d3_a_clock_that_steps_back_does_not_resurrect_old_objects() {
    let lib = std::path::Path::new("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1");
    if !lib.is_file() {
        assert!(
            std::env::var_os("CI").is_none(),
            "libfaketime is required in CI (apt-get install faketime)"
        );
        eprintln!("skipped: libfaketime is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // First life: the clock is a day ahead (libfaketime preloaded into the emulator itself,
    // so that killing it kills the emulator).
    let ahead = common::spawn_emulator_env(
        dir.path(),
        &[],
        &[],
        &[
            ("LD_PRELOAD", lib.to_str().unwrap()),
            ("FAKETIME", "+1d"),
            ("FAKETIME_DONT_FAKE_MONOTONIC", "1"),
        ],
    );
    let c = Client::builder("cn-hangzhou")
        .endpoint(&ahead.endpoint)
        .credentials(oss_sse_core::Credentials::new(
            common::PROC_AK,
            common::PROC_SK,
        ))
        .clock_offset(Duration::from_secs(86_400))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    c.put_bucket("clock").await.unwrap();
    c.send(&PutObject::new("clock", "k", &b"old"[..]))
        .await
        .unwrap();
    drop(c);
    drop(ahead);
    // Second life: the clock is right again (a day behind the first).
    let now = spawn_emulator(dir.path(), &[], &[]);
    let c = proc_client(&now.endpoint);
    let put = c
        .send(&PutObject::new("clock", "k", &b"new"[..]))
        .await
        .unwrap();
    let got = c
        .get_object_bytes(&GetObject::new("clock", "k"))
        .await
        .unwrap();
    assert_eq!(&got.body[..], b"new", "the acknowledged PUT wins");
    assert_eq!(got.head.etag, put.etag);
    drop(c);
    drop(now);
    // And it stays so after another restart.
    let again = spawn_emulator(dir.path(), &[], &[]);
    let got = proc_client(&again.endpoint)
        .get_object_bytes(&GetObject::new("clock", "k"))
        .await
        .unwrap();
    assert_eq!(&got.body[..], b"new");
}

// ---------------- D1, D16c: a full disk (a real tmpfs) ----------------

/// A tmpfs of a given size mounted for one test (needs root; unmounted on drop).
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(bytes: u64) -> Option<Self> {
        let dir = tempfile::tempdir().ok()?;
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o"])
            .arg(format!("size={bytes}"))
            .arg("tmpfs")
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Self { dir })
    }
    fn path(&self) -> &std::path::Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .map(|v| v.split_whitespace().next() == Some("0"))
        })
        .unwrap_or(false)
}

/// D1 and D16c on a real full filesystem: every write that cannot be made durable is a
/// 5xx, nothing half-written stays behind, and the emulator restarts (twice) on what it
/// last acknowledged, with its keys intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d1_a_full_disk_fails_writes_and_loses_nothing() {
    let Some(fs) = (is_root().then(|| Tmpfs::mount(24 << 20))).flatten() else {
        assert!(
            std::env::var_os("CI").is_none() || !is_root(),
            "CI runs as root and must run the tmpfs test"
        );
        eprintln!("skipped: needs root to mount a tmpfs");
        return;
    };
    let dir = fs.path().join("data");
    let proc = spawn_emulator(&dir, &[], &[]);
    let c = proc_client(&proc.endpoint);
    c.put_bucket("full").await.unwrap();
    c.put_bucket("empty").await.unwrap();
    let mut acked: Vec<(String, Bytes)> = Vec::new();
    let keep = pattern(7, 300_000);
    c.send(&PutObject::new("full", "keep", keep.clone()))
        .await
        .unwrap();
    acked.push(("keep".into(), keep));
    // A multipart upload whose parts are in before the disk fills up.
    let up = c
        .send(&InitiateMultipartUpload::new("full", "mp"))
        .await
        .unwrap();
    let p1 = c
        .send(&UploadPart::new(
            "full",
            "mp",
            &up.upload_id,
            1,
            pattern(8, 200_000),
        ))
        .await
        .unwrap();
    // Fill the disk: 1 MiB objects until one fails, then smaller and smaller ones, so that
    // not even a page is left.
    let mut filled = 0;
    let mut i = 0u64;
    for size in [1024 * 1024, 64 * 1024, 4096, 1] {
        for _ in 0..64 {
            i += 1;
            let before = files_below(&dir);
            let body = pattern(100 + i, size);
            match c
                .send(&PutObject::new("full", format!("fill{i}"), body.clone()))
                .await
            {
                Ok(_) => acked.push((format!("fill{i}"), body)),
                Err(e) => {
                    assert!(status_of(&e) >= 500, "a full disk is a 5xx: {e}");
                    // D16c: the failed write left nothing behind, at once.
                    assert_eq!(files_below(&dir), before, "files left by a failed PUT");
                    filled += 1;
                    break;
                }
            }
        }
    }
    assert_eq!(filled, 4, "the 24 MiB tmpfs never filled up");
    // D1: every metadata write on the full disk is a 5xx, never a 200 with nothing durable.
    for (what, r) in [
        ("PutBucket", c.put_bucket("later").await.map(|_| ())),
        (
            "PutBucketEncryption",
            c.put_bucket_encryption("full", ServerSideEncryptionRule::aes256())
                .await
                .map(|_| ()),
        ),
        ("DeleteBucket", c.delete_bucket("empty").await.map(|_| ())),
        (
            "CompleteMultipartUpload",
            c.send(&CompleteMultipartUpload::new(
                "full",
                "mp",
                &up.upload_id,
                vec![CompletedPart::new(1, p1.etag.clone().unwrap())],
            ))
            .await
            .map(|_| ()),
        ),
    ] {
        match r {
            // Whatever was acknowledged must survive: checked after the restarts below.
            Ok(()) => eprintln!("{what} succeeded on the full disk"),
            Err(e) => assert!(status_of(&e) >= 500, "{what}: {e}"),
        }
    }
    let acked_rule = c.get_bucket_encryption("full").await.unwrap();
    let acked_buckets = [
        ("later", c.get_bucket_info("later").await.is_ok()),
        ("empty", c.get_bucket_info("empty").await.is_ok()),
    ];
    let mp = c
        .get_object_bytes(&GetObject::new("full", "mp"))
        .await
        .ok()
        .map(|o| o.body);
    drop(c);
    proc.kill9();

    // Restart on the still-full disk, twice: the emulator starts, keys intact.
    for life in 0..2 {
        let proc = spawn_emulator(&dir, &[], &[]);
        let c = proc_client(&proc.endpoint);
        for (key, body) in &acked {
            let got = c
                .get_object_bytes(&GetObject::new("full", key))
                .await
                .unwrap_or_else(|e| panic!("life {life}: {key}: {e}"));
            assert!(got.body == *body, "life {life}: {key} differs");
        }
        assert_eq!(c.get_bucket_encryption("full").await.unwrap(), acked_rule);
        for (b, existed) in acked_buckets {
            assert_eq!(c.get_bucket_info(b).await.is_ok(), existed, "bucket {b}");
        }
        assert_eq!(
            c.get_object_bytes(&GetObject::new("full", "mp"))
                .await
                .ok()
                .map(|o| o.body),
            mp
        );
        drop(c);
        proc.kill9();
    }

    // Free space; everything works again and survives a restart.
    let proc = spawn_emulator(&dir, &[], &[]);
    let c = proc_client(&proc.endpoint);
    for (key, _) in acked.iter().filter(|(k, _)| k.starts_with("fill")) {
        c.delete_object("full", key).await.unwrap();
    }
    c.put_bucket("after").await.unwrap();
    c.put_bucket_encryption("full", ServerSideEncryptionRule::sm4())
        .await
        .unwrap();
    drop(c);
    proc.kill9();
    let proc = spawn_emulator(&dir, &[], &[]);
    let c = proc_client(&proc.endpoint);
    assert!(c.get_bucket_info("after").await.is_ok());
    assert_eq!(
        c.get_bucket_encryption("full").await.unwrap(),
        Some(ServerSideEncryptionRule::sm4())
    );
    let got = c
        .get_object_bytes(&GetObject::new("full", "keep"))
        .await
        .unwrap();
    assert!(got.body == acked[0].1);
    drop(c);
    drop(proc);
}

// ---------------- D17: key files are private ----------------

/// D17: the key file is readable by its owner only, and so is the data directory.
#[cfg(unix)]
#[tokio::test]
async fn d17_keys_and_data_dir_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("data");
    let emu = disk_emulator(&dir).await;
    emu.shutdown().await;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700, "data dir");
    let keys: Vec<_> = files_below(&dir)
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "keys.json"))
        .collect();
    assert_eq!(keys.len(), 1);
    assert_eq!(mode(&keys[0]), 0o600, "keys.json");
}
