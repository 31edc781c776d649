//! Many writers and readers on a few keys, in both storage modes, for a bounded time
//! (`OSS_SSE_RACE_SECS`, default 3 s per mode): puts, copies, multipart completes and deletes
//! on shared keys; appends on one key; forbid-overwrite races on fresh keys. Every body
//! carries its own version tag, so a reader can tell a whole version from a torn or mixed
//! one. Checked: 0 torn or mixed reads, 0 acknowledged writes lost, 0 5xx.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{code_of, status_of};
use oss_sse_core::ops::{
    AppendObject, CompleteMultipartUpload, CompletedPart, CopyObject, GetObject,
    InitiateMultipartUpload, PutObject, UploadPart,
};
use oss_sse_emulator::{Emulator, EmulatorHandle};
use oss_sse_hyper::{Client, RetryPolicy};

const B: &str = "race";
const SHARED: [&str; 3] = ["s0", "s1", "s2"];

fn secs() -> u64 {
    std::env::var("OSS_SSE_RACE_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
}

/// A self-describing body: version tag, length, then bytes derived from the tag.
fn versioned(tag: u64, len: usize) -> Bytes {
    let len = len.max(16);
    let mut v = Vec::with_capacity(len);
    v.extend_from_slice(&tag.to_be_bytes());
    v.extend_from_slice(&(len as u64).to_be_bytes());
    let mut x = tag | 1;
    while v.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.push(x as u8);
    }
    Bytes::from(v)
}

/// The version tag of a whole, untorn body; `None` if it is not one.
fn tag_of(b: &[u8]) -> Option<u64> {
    let tag = u64::from_be_bytes(b.get(..8)?.try_into().ok()?);
    let len = u64::from_be_bytes(b.get(8..16)?.try_into().ok()?) as usize;
    (len == b.len() && versioned(tag, len)[..] == *b).then_some(tag)
}

/// A multipart body is one versioned body cut in two parts.
const PART1: usize = 110 * 1024;

/// What an acknowledged write left at its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Version(u64),
    Deleted,
    /// A copy of whatever version the source key held.
    Copy,
}

/// What the writers did: per key, each acknowledged write with when it started and ended.
#[derive(Default)]
struct Log {
    acked: HashMap<String, Vec<(Instant, Instant, Outcome)>>,
    failures: Vec<String>,
}

fn client(emu: &EmulatorHandle) -> Client {
    Client::builder(emu.region())
        .endpoint(emu.endpoint())
        .credentials(emu.credentials().clone())
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

async fn writer(c: Client, id: u64, until: Instant, log: Arc<Mutex<Log>>) {
    let mut n = 0u64;
    while Instant::now() < until {
        n += 1;
        let tag = (id << 32) | n;
        let key = SHARED[((id + n) % 3) as usize];
        let start = Instant::now();
        let r: Result<Outcome, oss_sse_hyper::Error> = match n % 5 {
            0 | 1 => c
                .send(&PutObject::new(
                    B,
                    key,
                    versioned(tag, 1000 + (tag % 200_000) as usize),
                ))
                .await
                .map(|_| Outcome::Version(tag)),
            2 => {
                // Copy another shared key onto this one.
                let src = SHARED[((id + n + 1) % 3) as usize];
                match c.copy_object(&CopyObject::new(B, src, B, key)).await {
                    Ok(_) => Ok(Outcome::Copy),
                    Err(e) if status_of(&e) == 404 => continue, // the source was deleted
                    Err(e) => Err(e),
                }
            }
            3 => {
                let whole = versioned(tag, PART1 + 5000);
                let r = async {
                    let up = c.send(&InitiateMultipartUpload::new(B, key)).await?;
                    let p1 = c
                        .send(&UploadPart::new(
                            B,
                            key,
                            &up.upload_id,
                            1,
                            whole.slice(..PART1),
                        ))
                        .await?;
                    let p2 = c
                        .send(&UploadPart::new(
                            B,
                            key,
                            &up.upload_id,
                            2,
                            whole.slice(PART1..),
                        ))
                        .await?;
                    c.send(&CompleteMultipartUpload::new(
                        B,
                        key,
                        &up.upload_id,
                        vec![
                            CompletedPart::new(1, p1.etag.unwrap()),
                            CompletedPart::new(2, p2.etag.unwrap()),
                        ],
                    ))
                    .await
                }
                .await;
                r.map(|_| Outcome::Version(tag))
            }
            _ => c.delete_object(B, key).await.map(|_| Outcome::Deleted),
        };
        let end = Instant::now();
        let mut l = log.lock().unwrap();
        match r {
            Ok(o) => l
                .acked
                .entry(key.to_owned())
                .or_default()
                .push((start, end, o)),
            Err(e) => l.failures.push(format!("write {key}: {e}")),
        }
    }
}

async fn reader(c: Client, until: Instant, log: Arc<Mutex<Log>>) -> u64 {
    let mut reads = 0;
    while Instant::now() < until {
        for key in SHARED {
            match c.get_object_bytes(&GetObject::new(B, key)).await {
                Ok(o) => {
                    reads += 1;
                    if tag_of(&o.body).is_none() {
                        log.lock().unwrap().failures.push(format!(
                            "torn or mixed read of {key} ({} bytes)",
                            o.body.len()
                        ));
                    }
                }
                Err(e) if status_of(&e) == 404 => reads += 1,
                Err(e) => log
                    .lock()
                    .unwrap()
                    .failures
                    .push(format!("read {key}: {e}")),
            }
        }
    }
    reads
}

/// Appenders on one key: each appends a versioned chunk at the length it last saw.
async fn appender(
    c: Client,
    id: u64,
    until: Instant,
    acked: Arc<Mutex<Vec<Bytes>>>,
    log: Arc<Mutex<Log>>,
) {
    let mut n = 0;
    while Instant::now() < until {
        n += 1;
        let pos = match c.head_object(B, "app").await {
            Ok(h) => h.content_length.unwrap_or(0),
            Err(e) if status_of(&e) == 404 => 0,
            Err(e) => {
                log.lock().unwrap().failures.push(format!("head app: {e}"));
                continue;
            }
        };
        let chunk = versioned((id << 40) | (1 << 39) | n, 100 + (n as usize * 37) % 3000);
        match c
            .send(&AppendObject::new(B, "app", pos, chunk.clone()))
            .await
        {
            Ok(_) => acked.lock().unwrap().push(chunk),
            Err(e) if code_of(&e) == "PositionNotEqualToLength" => {}
            Err(e) => log.lock().unwrap().failures.push(format!("append: {e}")),
        }
    }
}

/// The chunks of an appendable object, in order; `None` if it does not parse.
fn chunks(mut b: &[u8]) -> Option<Vec<Bytes>> {
    let mut out = Vec::new();
    while !b.is_empty() {
        let len = u64::from_be_bytes(b.get(8..16)?.try_into().ok()?) as usize;
        let c = b.get(..len)?;
        tag_of(c)?;
        out.push(Bytes::copy_from_slice(c));
        b = &b[len..];
    }
    Some(out)
}

async fn race(emu: EmulatorHandle, mode: &str) {
    let c = client(&emu);
    c.put_bucket(B).await.unwrap();
    let until = Instant::now() + Duration::from_secs(secs());
    let log = Arc::new(Mutex::new(Log::default()));
    let appended = Arc::new(Mutex::new(Vec::new()));
    let mut writers = Vec::new();
    for id in 1..=4u64 {
        writers.push(tokio::spawn(writer(client(&emu), id, until, log.clone())));
    }
    for id in 1..=3u64 {
        writers.push(tokio::spawn(appender(
            client(&emu),
            id,
            until,
            appended.clone(),
            log.clone(),
        )));
    }
    let readers: Vec<_> = (0..3)
        .map(|_| tokio::spawn(reader(client(&emu), until, log.clone())))
        .collect();
    // Forbid-overwrite races on fresh keys, meanwhile.
    let mut fo_rounds = 0;
    while Instant::now() < until {
        fo_rounds += 1;
        let key = format!("fo{fo_rounds}");
        let tasks: Vec<_> = (0..4u64)
            .map(|i| {
                let c = client(&emu);
                let key = key.clone();
                tokio::spawn(async move {
                    let body = versioned((9 << 56) | (fo_rounds << 8) | i, 20_000);
                    let r = c
                        .send(&PutObject::new(B, &key, body.clone()).with_forbid_overwrite(true))
                        .await;
                    (r, body)
                })
            })
            .collect();
        let mut winners = Vec::new();
        for t in tasks {
            match t.await.unwrap() {
                (Ok(_), body) => winners.push(body),
                (Err(e), _) if code_of(&e) == "FileAlreadyExists" => {}
                (Err(e), _) => log
                    .lock()
                    .unwrap()
                    .failures
                    .push(format!("forbid-overwrite: {e}")),
            }
        }
        assert_eq!(winners.len(), 1, "{mode}: {key}: exactly one writer wins");
        let got = c.get_object_bytes(&GetObject::new(B, &key)).await.unwrap();
        assert_eq!(
            got.body, winners[0],
            "{mode}: {key} holds the winner's bytes"
        );
    }
    for w in writers {
        w.await.unwrap();
    }
    let mut reads = 0;
    for r in readers {
        reads += r.await.unwrap();
    }

    let log = std::mem::take(&mut *log.lock().unwrap());
    assert!(log.failures.is_empty(), "{mode}: {:#?}", log.failures);
    // No acknowledged write is lost: each key holds the outcome of a write that no
    // acknowledged write started after (a copy there holds some version written earlier).
    let written: Vec<u64> = log
        .acked
        .values()
        .flatten()
        .filter_map(|w| match w.2 {
            Outcome::Version(t) => Some(t),
            _ => None,
        })
        .collect();
    let mut writes = 0;
    for key in SHARED {
        let acked = log.acked.get(key).cloned().unwrap_or_default();
        writes += acked.len();
        let now = match c.get_object_bytes(&GetObject::new(B, key)).await {
            Ok(o) => Outcome::Version(tag_of(&o.body).expect("a whole version")),
            Err(e) if status_of(&e) == 404 => Outcome::Deleted,
            Err(e) => panic!("{mode}: {key}: {e}"),
        };
        let latest_start = acked.iter().map(|w| w.0).max();
        let maximal: Vec<Outcome> = acked
            .iter()
            .filter(|w| latest_start.is_none_or(|s| w.1 >= s))
            .map(|w| w.2)
            .collect();
        let copied = maximal.contains(&Outcome::Copy)
            && matches!(now, Outcome::Version(t) if written.contains(&t));
        assert!(
            maximal.contains(&now) || copied || acked.is_empty(),
            "{mode}: {key} holds {now:?}, which is not a last acknowledged write {maximal:?}"
        );
    }
    // Every acknowledged append is in the object, once, in order.
    let app = c.get_object_bytes(&GetObject::new(B, "app")).await.unwrap();
    let parts = chunks(&app.body).expect("the appendable object parses");
    let acked = std::mem::take(&mut *appended.lock().unwrap());
    assert_eq!(parts.len(), acked.len(), "{mode}: appends");
    for a in acked.iter() {
        assert_eq!(
            parts.iter().filter(|p| *p == a).count(),
            1,
            "{mode}: an append"
        );
    }
    eprintln!(
        "{mode}: {writes} acknowledged writes on shared keys, {} appends, {fo_rounds} forbid-overwrite rounds, {reads} reads: 0 torn, 0 lost, 0 errors",
        acked.len()
    );
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writers_and_readers_race_in_memory() {
    race(Emulator::builder().start().await.unwrap(), "memory").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writers_and_readers_race_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let emu = Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap();
    race(emu, "disk").await;
}
