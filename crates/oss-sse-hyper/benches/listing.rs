//! `cargo bench -p oss-sse-hyper --bench listing`: listing a bucket through the SDK's stream
//! against a bare hyper loop fetching the same pages without parsing them (the ceiling), in
//! one run and against one emulator, with both loops on the thread that called `block_on`
//! and then both in a spawned task; with the CPU time per page of the client and of the
//! emulator (from each thread's schedstat), which says how much of the two cores each loop
//! needs. Then, on a bucket of a million objects, the time of one 1,000-key page and the
//! client's RSS growth while it streams every key.
//!
//! The emulator runs in a child process (this same binary, started with
//! `OSS_SSE_BENCH_ROLE=emulator`), so the client's memory is measured alone.
//!
//! `cargo bench -p oss-sse-hyper --bench listing_mimalloc` runs the same with mimalloc as the
//! global allocator of both processes: with glibc's malloc, freeing and re-taking a page's
//! 200 KB body and its 1,000 entries costs the client page faults on every page.
//!
//! Environment: `OSS_SSE_BENCH_KEYS` (default 100000), `OSS_SSE_BENCH_BIG_KEYS` (1000000;
//! 0 skips the big bucket), `OSS_SSE_BENCH_ROUNDS` (5).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use futures_util::TryStreamExt;
use http_body_util::BodyExt;
use oss_sse_core::ops::{ListObjectsV2, Operation, Paginate};
use oss_sse_core::sign::{SignatureVersion, Signer};
use oss_sse_core::{AddressingStyle, Config, Credentials};
use oss_sse_emulator::Emulator;
use oss_sse_hyper::{Client, HttpSend, HyperTransport};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The child: an in-memory emulator until its standard input closes.
fn emulator_role() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let emu = Emulator::builder().start().await.unwrap();
        println!("{}", emu.endpoint());
        let mut line = String::new();
        let _ = tokio::task::spawn_blocking(move || std::io::stdin().read_line(&mut line)).await;
        emu.shutdown().await;
    });
}

/// Resident set size of process `pid` (`None`: this one), in bytes.
fn rss(pid: Option<u32>) -> u64 {
    let path = pid.map_or_else(
        || "/proc/self/status".into(),
        |p| format!("/proc/{p}/status"),
    );
    let s = std::fs::read_to_string(path).unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

struct Bare {
    endpoint: String,
    t: HyperTransport,
    cfg: Config,
    creds: Credentials,
}

impl Bare {
    /// Signs and sends `op`, reads the whole body; returns (bytes, x-oss-server-time).
    async fn fetch(&self, op: &ListObjectsV2) -> (usize, u64) {
        let mut req = op.to_request(&self.cfg).unwrap();
        Signer::new(SignatureVersion::V4)
            .sign_operation_request(
                &mut req,
                &self.creds,
                "cn-hangzhou",
                "oss",
                SystemTime::now(),
            )
            .unwrap();
        let (parts, body) = req.into_parts();
        let resp = self
            .t
            .send(http::Request::from_parts(
                parts,
                http_body_util::Full::new(body)
                    .map_err(|e| match e {})
                    .boxed_unsync(),
            ))
            .await
            .unwrap();
        assert!(resp.status().is_success(), "{}", resp.status());
        let server_ms = resp
            .headers()
            .get("x-oss-server-time")
            .and_then(|v| v.to_str().ok()?.parse().ok())
            .unwrap_or(0);
        let b = resp.into_body().collect().await.unwrap().to_bytes();
        (b.len(), server_ms)
    }

    async fn admin(&self, path: &str, body: serde_json::Value) {
        let url = format!("{}{path}", self.endpoint);
        let req = http::Request::post(url)
            .header("content-type", "application/json")
            .body(
                http_body_util::Full::new(Bytes::from(body.to_string()))
                    .map_err(|e| match e {})
                    .boxed_unsync(),
            )
            .unwrap();
        let resp = self.t.send(req).await.unwrap();
        let status = resp.status();
        let b = resp.into_body().collect().await.unwrap().to_bytes();
        assert!(
            status.is_success(),
            "{status}: {}",
            String::from_utf8_lossy(&b)
        );
    }
}

/// CPU time used so far by every thread of process `pid` (seconds, from schedstat).
fn cpu(pid: u32) -> f64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0.0;
    };
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .sum::<f64>()
        / 1e9
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The bench; `allocator` names the global allocator in the report.
pub(crate) fn run(allocator: &str) {
    if std::env::var("OSS_SSE_BENCH_ROLE").as_deref() == Ok("emulator") {
        return emulator_role();
    }
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list`: nothing to enumerate
    }
    println!("global allocator: {allocator}");
    let keys = env("OSS_SSE_BENCH_KEYS", 100_000);
    let big = env("OSS_SSE_BENCH_BIG_KEYS", 1_000_000);
    let rounds = env("OSS_SSE_BENCH_ROUNDS", 5).max(1);

    let mut child = Command::new(std::env::current_exe().unwrap())
        .env("OSS_SSE_BENCH_ROLE", "emulator")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let emulator = child.id();
    let mut endpoint = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut endpoint)
        .unwrap();
    let endpoint = endpoint.trim().to_owned();
    let creds = Credentials::new("oss-sse-dev-akid", "oss-sse-dev-secret");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = Client::builder("cn-hangzhou")
            .endpoint(&endpoint)
            .addressing_style(AddressingStyle::Path)
            .credentials(creds.clone())
            .build()
            .unwrap();
        let bare = Bare {
            endpoint: endpoint.clone(),
            t: HyperTransport::default(),
            cfg: client.config().clone(),
            creds: creds.clone(),
        };
        client.put_bucket("bench").await.unwrap();
        let t = Instant::now();
        bare.admin("/-/seed", serde_json::json!({"bucket": "bench", "count": keys}))
            .await;
        println!(
            "seeded {keys} objects in {:.1} s (emulator RSS {:.0} MiB)",
            t.elapsed().as_secs_f64(),
            rss(Some(emulator)) as f64 / 1048576.0
        );

        // The pages the bare loop fetches: the same requests the stream sends.
        let first = ListObjectsV2::new("bench").with_max_keys(1000);
        let mut ops = vec![first.clone()];
        loop {
            let page = client.send(ops.last().unwrap()).await.unwrap();
            match ops.last().unwrap().next_page(&page) {
                Some(n) => ops.push(n),
                None => break,
            }
        }

        // Where the loop runs matters: on the thread that called `block_on` (as in
        // `#[tokio::main]`), or in a task on a runtime worker, where a task it spawns waits in
        // that worker's LIFO slot until it yields. Both loops run in the same place.
        let bare = std::sync::Arc::new(bare);
        let me = std::process::id();
        for in_task in [false, true] {
            let (mut sdk, mut raw) = (Vec::new(), Vec::new());
            let (mut sdk_cpu, mut raw_cpu) = ((0.0, 0.0), (0.0, 0.0));
            for round in 0..=rounds {
                let (c0, e0) = (cpu(me), cpu(emulator));
                let stream = client.list_objects_v2(first.clone());
                let count = stream.try_fold(0u64, |n, _| async move { Ok(n + 1) });
                let t = Instant::now();
                let n = if in_task {
                    tokio::spawn(count).await.unwrap()
                } else {
                    count.await
                }
                .unwrap();
                let sdk_s = t.elapsed().as_secs_f64();
                let (c1, e1) = (cpu(me), cpu(emulator));
                assert_eq!(n, keys);
                let (b, o) = (bare.clone(), ops.clone());
                let fetch_all = async move {
                    let mut bytes = 0;
                    for op in &o {
                        bytes += b.fetch(op).await.0;
                    }
                    bytes
                };
                let t = Instant::now();
                let bytes = if in_task {
                    tokio::spawn(fetch_all).await.unwrap()
                } else {
                    fetch_all.await
                };
                let raw_s = t.elapsed().as_secs_f64();
                let (c2, e2) = (cpu(me), cpu(emulator));
                assert!(bytes > 0);
                if round > 0 {
                    // Round 0 warms both up.
                    sdk.push(keys as f64 / sdk_s);
                    raw.push(keys as f64 / raw_s);
                    sdk_cpu.0 += c1 - c0;
                    sdk_cpu.1 += e1 - e0;
                    raw_cpu.0 += c2 - c1;
                    raw_cpu.1 += e2 - e1;
                }
            }
            let (s, r) = (median(sdk), median(raw));
            let pages = (ops.len() as u64 * rounds) as f64;
            let us = |secs: f64| secs * 1e6 / pages;
            println!(
                "list {keys} keys, {} pages of 1000, loops {}: SDK stream {:.0} keys/s, bare hyper loop (no parsing) {:.0} keys/s: {:.1}% (median of {rounds})",
                ops.len(),
                if in_task { "in a spawned task" } else { "on the block_on thread" },
                s,
                r,
                100.0 * s / r
            );
            println!(
                "  CPU per page: SDK client {:.0} us + emulator {:.0} us; bare client {:.0} us + emulator {:.0} us; wall per page: SDK {:.0} us, bare {:.0} us",
                us(sdk_cpu.0),
                us(sdk_cpu.1),
                us(raw_cpu.0),
                us(raw_cpu.1),
                1e9 / s,
                1e9 / r
            );
        }

        if big == 0 {
            return;
        }
        client.put_bucket("big").await.unwrap();
        let t = Instant::now();
        bare.admin("/-/seed", serde_json::json!({"bucket": "big", "count": big}))
            .await;
        println!(
            "seeded {big} objects in {:.1} s (emulator RSS {:.0} MiB)",
            t.elapsed().as_secs_f64(),
            rss(Some(emulator)) as f64 / 1048576.0
        );

        // One 1000-key page from the middle of the bucket, again and again.
        let mut lat = Vec::new();
        let mut server = Vec::new();
        for i in 0..300u64 {
            let at = (i * 7919) % (big - 1000);
            let op = ListObjectsV2::new("big")
                .with_max_keys(1000)
                .with_start_after(format!("{at:08}"));
            let t = Instant::now();
            let (_, ms) = bare.fetch(&op).await;
            lat.push(t.elapsed().as_secs_f64() * 1000.0);
            server.push(ms as f64);
        }
        lat.sort_by(f64::total_cmp);
        server.sort_by(f64::total_cmp);
        println!(
            "one 1000-key page of a {big}-object bucket: x-oss-server-time median {:.0} ms, max {:.0} ms; round trip incl. transfer median {:.2} ms, p99 {:.2} ms",
            server[server.len() / 2],
            server[server.len() - 1],
            lat[lat.len() / 2],
            lat[lat.len() * 99 / 100]
        );

        // RSS while streaming every key.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let base = rss(None);
        let mut peak = base;
        let mut n = 0u64;
        let mut objects = client.list_objects_v2(ListObjectsV2::new("big").with_max_keys(1000));
        let t = Instant::now();
        while let Some(o) = objects.try_next().await.unwrap() {
            n += 1;
            if n.is_multiple_of(1000) {
                peak = peak.max(rss(None));
            }
            std::hint::black_box(o);
        }
        assert_eq!(n, big);
        println!(
            "streamed {big} keys in {:.1} s: RSS {:.1} MiB before, peak {:.1} MiB, growth {:.1} MiB",
            t.elapsed().as_secs_f64(),
            base as f64 / 1048576.0,
            peak as f64 / 1048576.0,
            (peak - base) as f64 / 1048576.0
        );
    });
    drop(child.stdin.take());
    let _ = child.wait();
}

#[allow(dead_code)] // unused where listing_mimalloc includes this file
fn main() {
    run("the system's (glibc malloc)");
}
