//! Fault-injection soak: mixed operations while the emulator injects 5xx/429, resets, cut
//! and corrupted bodies, pauses mid-body and delays beyond the read timeout. Every operation must either
//! succeed with verified bytes or fail with a clear error after the retry budget; no
//! corrupted bytes may be returned; no object may be left half-written; failed multipart
//! uploads must be aborted.
//!
//! `OSS_SSE_SOAK_OPS` sets the number of operations (default 1000), `OSS_SSE_SOAK_SEED` the
//! seed. The counts are printed; docs/reliability.md records a run.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use bytes::Bytes;
use oss_sse_core::ops::{CopyObject, GetObject, PutObject};
use oss_sse_core::{ServerSideEncryption, ServerSideEncryptionRule};
use oss_sse_emulator::{Emulator, FaultAction, FaultMatch, FaultRule};
use oss_sse_hyper::{Client, DownloadOptions, Error, RetryPolicy, UploadOptions};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn content(tag: u64, len: usize) -> Bytes {
    let mut v = Vec::with_capacity(len);
    let mut x = tag.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for _ in 0..len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.push(x as u8);
    }
    Bytes::from(v)
}

fn rule(p: f64, action: FaultAction) -> FaultRule {
    FaultRule {
        matcher: FaultMatch::default(),
        action,
        count: None,
        probability: Some(p),
    }
}

#[derive(Default, Debug)]
struct Counts {
    ops: u64,
    ok: u64,
    failed: u64,
    corrupted: u64,
    by_kind: HashMap<&'static str, u64>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_with_faults() {
    let ops: u64 = std::env::var("OSS_SSE_SOAK_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let seed: u64 = std::env::var("OSS_SSE_SOAK_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20261127);
    let dir = tempfile::tempdir().unwrap();
    let emu = Emulator::builder()
        .kms_key("soak-cmk")
        .fault_seed(seed)
        .start()
        .await
        .unwrap();
    let c = Client::builder(emu.region())
        .endpoint(emu.endpoint())
        .credentials(emu.credentials().clone())
        .read_timeout(Duration::from_millis(250))
        .retry(
            RetryPolicy::default()
                .with_backoff(Duration::from_millis(2), Duration::from_millis(20)),
        )
        .build()
        .unwrap();
    c.put_bucket("soak").await.unwrap();
    for r in [
        rule(
            0.03,
            FaultAction::Error {
                status: 500,
                code: "InternalError".into(),
            },
        ),
        rule(
            0.03,
            FaultAction::Error {
                status: 503,
                code: "ServiceUnavailable".into(),
            },
        ),
        rule(
            0.02,
            FaultAction::Error {
                status: 429,
                code: "QpsLimitExceeded".into(),
            },
        ),
        rule(0.02, FaultAction::ResetRequest),
        rule(0.02, FaultAction::ResetResponse { after_bytes: 700 }),
        rule(0.02, FaultAction::Truncate { after_bytes: 300 }),
        // Corruption that only a checksum can catch. A ranged GET has no checksum OSS could
        // send (x-oss-hash-crc64ecma covers the whole object), so it is not a target here;
        // download_file's ranges are checked through the combined whole-object CRC.
        FaultRule {
            matcher: FaultMatch {
                ranged: Some(false),
                ..FaultMatch::default()
            },
            action: FaultAction::Corrupt,
            count: None,
            probability: Some(0.02),
        },
        rule(0.01, FaultAction::Delay { ms: 400 }),
        // A pause mid-body: a short one the read rides out, a long one past the read
        // timeout that must fail the attempt (and be retried), never yield partial bytes.
        rule(
            0.02,
            FaultAction::Stall {
                after_bytes: 200,
                ms: 20,
            },
        ),
        rule(
            0.01,
            FaultAction::Stall {
                after_bytes: 900,
                ms: 400,
            },
        ),
    ] {
        emu.faults().push(r);
    }

    let mut rng = Rng(seed | 1);
    // key -> every content it may legitimately hold (None = absent). A failed write may or
    // may not have landed, so it adds a possibility; a successful one replaces them.
    let mut possible: HashMap<String, HashSet<Option<Bytes>>> = HashMap::new();
    let mut counts = Counts::default();
    let keys: Vec<String> = (0..24).map(|i| format!("k{i}")).collect();
    let file = dir.path().join("mp.bin");
    let sses = [
        None,
        Some(ServerSideEncryption::aes256()),
        Some(ServerSideEncryption::sm4()),
        Some(ServerSideEncryption::kms().with_key_id("soak-cmk")),
    ];
    for i in 0..ops {
        counts.ops += 1;
        let key = keys[rng.below(keys.len() as u64) as usize].clone();
        let set = possible
            .entry(key.clone())
            .or_insert_with(|| HashSet::from([None]));
        let kind: &'static str;
        let result: Result<(), Error> = match rng.below(100) {
            0..=34 => {
                kind = "put";
                let body = content(i, rng.below(48 * 1024) as usize);
                let mut op = PutObject::new("soak", &key, body.clone());
                if let Some(s) = &sses[rng.below(4) as usize] {
                    op = op.with_server_side_encryption(s.clone());
                }
                match c.send(&op).await {
                    Ok(_) => {
                        *set = HashSet::from([Some(body)]);
                        Ok(())
                    }
                    Err(e) => {
                        set.insert(Some(body));
                        Err(e)
                    }
                }
            }
            35..=64 => {
                kind = "get";
                match c.get_object_bytes(&GetObject::new("soak", &key)).await {
                    Ok(got) => {
                        if !set.contains(&Some(got.body.clone())) {
                            eprintln!(
                                "op {i}: get of {key} returned bytes nobody wrote ({} bytes)",
                                got.body.len()
                            );
                            counts.corrupted += 1;
                        }
                        Ok(())
                    }
                    Err(e) if e.as_service().is_some_and(|s| s.code() == "NoSuchKey") => {
                        if !set.contains(&None) {
                            counts.corrupted += 1;
                        }
                        Ok(())
                    }
                    Err(e) => Err(e),
                }
            }
            65..=74 => {
                kind = "range";
                match c
                    .get_object_bytes(&GetObject::new("soak", &key).with_range(10, Some(4000)))
                    .await
                {
                    Ok(got) => {
                        let ok = set
                            .iter()
                            .flatten()
                            .any(|b| b.len() > 10 && got.body[..] == b[10..b.len().min(4001)]);
                        if !ok {
                            eprintln!("op {i}: range read of {key} returned bytes nobody wrote");
                            counts.corrupted += 1;
                        }
                        Ok(())
                    }
                    Err(e)
                        if e.as_service()
                            .is_some_and(|s| matches!(s.code(), "NoSuchKey" | "InvalidRange")) =>
                    {
                        Ok(())
                    }
                    Err(e) => Err(e),
                }
            }
            75..=84 => {
                kind = "multipart";
                let body = content(i, 220 * 1024 + rng.below(10_000) as usize);
                std::fs::write(&file, &body).unwrap();
                let opts = UploadOptions::default()
                    .with_part_size(100 * 1024, 150 * 1024)
                    .with_concurrency(2)
                    .with_server_side_encryption(ServerSideEncryption::aes256());
                match c.upload_file("soak", &key, &file, &opts).await {
                    Ok(out) => {
                        assert!(out.multipart);
                        *set = HashSet::from([Some(body)]);
                        Ok(())
                    }
                    Err(e) => {
                        set.insert(Some(body));
                        Err(e)
                    }
                }
            }
            85..=92 => {
                kind = "copy";
                let src = keys[rng.below(keys.len() as u64) as usize].clone();
                let src_set = possible
                    .get(&src)
                    .cloned()
                    .unwrap_or_else(|| HashSet::from([None]));
                let r = c
                    .copy_object(
                        &CopyObject::new("soak", &src, "soak", &key)
                            .with_server_side_encryption(ServerSideEncryption::sm4()),
                    )
                    .await;
                let set = possible.get_mut(&key).unwrap();
                match r {
                    Ok(_) => {
                        // The copy read one of the source's possible contents.
                        *set = src_set.into_iter().filter(Option::is_some).collect();
                        Ok(())
                    }
                    Err(e) if e.as_service().is_some_and(|s| s.code() == "NoSuchKey") => Ok(()),
                    Err(e) => {
                        set.extend(src_set.into_iter().filter(Option::is_some));
                        Err(e)
                    }
                }
            }
            _ => {
                kind = "bucket-encryption";
                match rng.below(3) {
                    0 => c
                        .put_bucket_encryption(
                            "soak",
                            ServerSideEncryptionRule::kms().with_kms_master_key_id("soak-cmk"),
                        )
                        .await
                        .map(|_| ()),
                    1 => c.get_bucket_encryption("soak").await.map(|_| ()),
                    _ => c.delete_bucket_encryption("soak").await.map(|_| ()),
                }
            }
        };
        *counts.by_kind.entry(kind).or_default() += 1;
        match result {
            Ok(()) => counts.ok += 1,
            Err(e) => {
                // A clear, typed error: never a parse error or a panic, always retryable
                // kinds that ran out of budget (or a file/transport failure).
                // Any failure is a typed, displayable error after the retry budget. A garbled
                // 2xx body of a non-idempotent call is a Parse error (not retried); a garbled
                // error document is a Service error with code BadErrorResponse. Build and
                // sign errors would be bugs: nothing here is bad input.
                assert!(
                    !matches!(e, Error::Build(_) | Error::Sign(_) | Error::Credentials(_)),
                    "op {i} ({kind}) failed with an unexpected error: {e:?}"
                );
                assert!(!e.to_string().is_empty());
                counts.failed += 1;
            }
        }
    }

    let stats = emu.faults().stats();
    emu.faults().clear();
    // Nothing half-written: every object holds exactly one of its possible contents (checked
    // with a full download, so CRC-64 is verified too), and no multipart upload is open.
    let mut checked = 0;
    for (key, set) in &possible {
        match c.get_object_bytes(&GetObject::new("soak", key)).await {
            Ok(got) => {
                assert!(
                    set.contains(&Some(got.body.clone())),
                    "{key} holds bytes nobody wrote"
                );
                checked += 1;
            }
            Err(e) => {
                assert_eq!(
                    e.as_service().map(|s| s.code()),
                    Some("NoSuchKey"),
                    "{key}: {e}"
                );
                assert!(set.contains(&None), "{key} vanished");
            }
        }
        // download_file too: resumable ranges, whole-file CRC.
        let dst = dir.path().join(format!("{key}.out"));
        if c.download_file("soak", key, &dst, &DownloadOptions::default())
            .await
            .is_ok()
        {
            assert!(set.contains(&Some(Bytes::from(std::fs::read(&dst).unwrap()))));
        }
    }
    // Failed multipart uploads were aborted: no upload holds parts. (An Initiate whose
    // response was lost leaves an empty upload the client never learned the id of; it holds
    // no data, and OSS lifecycle rules remove such uploads. They are counted below.)
    let open = emu.open_upload_part_counts().await;
    assert!(
        open.iter().all(|parts| *parts == 0),
        "uploads left with parts: {open:?}"
    );
    let m = c.metrics();
    let report = format!(
        "soak: operations {}, requests {}, faults injected {} ({:.1}% of requests), retried {}, succeeded {}, failed with an error {}, corrupted {}; by kind {:?}; objects verified {}; uploads with parts left 0, empty orphaned initiates {}",
        counts.ops,
        stats.requests,
        stats.injected,
        100.0 * stats.injected as f64 / stats.requests.max(1) as f64,
        m.retries,
        counts.ok,
        counts.failed,
        counts.corrupted,
        counts.by_kind,
        checked,
        open.len()
    );
    println!("{report}");
    assert_eq!(counts.corrupted, 0, "{report}");
    assert!(
        stats.injected * 10 >= stats.requests,
        "at least 10% of requests hit: {report}"
    );
    assert!(counts.ok > counts.ops / 2, "{report}");
    emu.shutdown().await;
}
