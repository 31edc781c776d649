//! `cargo bench -p oss-sse-hyper --bench fleet`: the audit and the re-encryption of a bucket
//! of small objects against, in the same run and on the same emulator (a child process),
//! the Rust client's bare HEAD loop at the same concurrency and the oss2 script
//! `bench/oss2_fleet.py` (16 threads); then the RSS growth of auditing a million objects.
//!
//! Environment: `OSS_SSE_BENCH_KEYS` (100000), `OSS_SSE_BENCH_OSS2_KEYS` (objects the oss2
//! script handles, default 20000: its rate does not depend on the count, and at its speed
//! 100,000 take minutes), `OSS_SSE_BENCH_BIG_KEYS` (1000000; 0 skips), `OSS_SSE_BENCH_PYTHON`
//! (default `.venv/bin/python`; the oss2 rows are skipped when it cannot import oss2).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use http_body_util::BodyExt;
use oss_sse_core::policy::EncryptionPolicy;
use oss_sse_core::{AddressingStyle, Credentials};
use oss_sse_emulator::Emulator;
use oss_sse_hyper::fleet::{AuditOptions, AuditSummary, ReencryptOptions};
use oss_sse_hyper::{Client, HttpSend, HyperTransport};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

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

fn rss() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

async fn seed(t: &HyperTransport, endpoint: &str, bucket: &str, count: u64) {
    let req = http::Request::post(format!("{endpoint}/-/seed"))
        .header("content-type", "application/json")
        .body(
            http_body_util::Full::new(Bytes::from(
                serde_json::json!({"bucket": bucket, "count": count, "size": 256}).to_string(),
            ))
            .map_err(|e| match e {})
            .boxed_unsync(),
        )
        .unwrap();
    let resp = t.send(req).await.unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    resp.into_body().collect().await.unwrap();
}

/// Runs the oss2 script; its objects per second, or `None` when Python or oss2 is missing.
fn oss2(endpoint: &str, bucket: &str, mode: &str, to: &str, limit: u64) -> Option<f64> {
    let python = std::env::var("OSS_SSE_BENCH_PYTHON").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../.venv/bin/python").to_owned()
    });
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../bench/oss2_fleet.py");
    let out = Command::new(python)
        .args([
            script,
            "--endpoint",
            endpoint,
            "--bucket",
            bucket,
            "--ak",
            "oss-sse-dev-akid",
            "--sk",
            "oss-sse-dev-secret",
            "--mode",
            mode,
            "--to",
            to,
            "--limit",
            &limit.to_string(),
        ])
        .env("NO_PROXY", "127.0.0.1,localhost")
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "oss2 script failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    v["per_second"].as_f64()
}

fn main() {
    if std::env::var("OSS_SSE_BENCH_ROLE").as_deref() == Ok("emulator") {
        return emulator_role();
    }
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let keys = env("OSS_SSE_BENCH_KEYS", 100_000);
    let oss2_keys = env("OSS_SSE_BENCH_OSS2_KEYS", 20_000).min(keys);
    let big = env("OSS_SSE_BENCH_BIG_KEYS", 1_000_000);
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env("OSS_SSE_BENCH_ROLE", "emulator")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut endpoint = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut endpoint)
        .unwrap();
    let endpoint = endpoint.trim().to_owned();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = Client::builder("cn-hangzhou")
            .endpoint(&endpoint)
            .addressing_style(AddressingStyle::Path)
            .credentials(Credentials::new("oss-sse-dev-akid", "oss-sse-dev-secret"))
            .build()
            .unwrap();
        let t = HyperTransport::default();
        for b in ["fleet", "oss2-fleet"] {
            client.put_bucket(b).await.unwrap();
        }
        seed(&t, &endpoint, "fleet", keys).await;
        seed(&t, &endpoint, "oss2-fleet", oss2_keys).await;
        let aes: EncryptionPolicy = "AES256".parse().unwrap();

        // Audit: the SDK against a bare HEAD loop over the same keys, 64 in flight.
        let all: Vec<String> = client
            .list_objects_v2(oss_sse_core::ops::ListObjectsV2::new("fleet").with_max_keys(1000))
            .map_ok(|o| o.key)
            .try_collect()
            .await
            .unwrap();
        let (mut sdk, mut bare) = (Vec::new(), Vec::new());
        for round in 0..4 {
            let t0 = Instant::now();
            let (_, s) = client
                .audit("fleet", &AuditOptions::default().with_policy(aes.clone()))
                .await
                .unwrap();
            let n = s.try_fold(0u64, |n, _| async move { Ok(n + 1) }).await.unwrap();
            assert_eq!(n, keys);
            let a = keys as f64 / t0.elapsed().as_secs_f64();
            let t0 = Instant::now();
            futures_util::stream::iter(all.iter())
                .for_each_concurrent(64, |k| {
                    let c = client.clone();
                    async move {
                        c.head_object("fleet", k).await.unwrap();
                    }
                })
                .await;
            let b = keys as f64 / t0.elapsed().as_secs_f64();
            if round > 0 {
                sdk.push(a);
                bare.push(b);
            }
        }
        sdk.sort_by(f64::total_cmp);
        bare.sort_by(f64::total_cmp);
        let (a, b) = (sdk[1], bare[1]);
        let peer = oss2(&endpoint, "oss2-fleet", "audit", "AES256", oss2_keys);
        println!(
            "audit {keys} objects: SDK {a:.0} objects/s; bare HEAD loop (64 in flight) {b:.0}/s: {:.0}%; oss2 16 threads {}: SDK is {} (median of 3)",
            100.0 * a / b,
            peer.map_or_else(|| "n/a".into(), |p| format!("{p:.0}/s")),
            peer.map_or_else(|| "n/a".into(), |p| format!("{:.1}x", a / p)),
        );

        // Re-encryption: every object, alternating targets per round.
        let mut rates = Vec::new();
        for (round, to) in ["SM4", "AES256", "KMS"].into_iter().enumerate() {
            let t0 = Instant::now();
            let opts = ReencryptOptions::default()
                .with_target(to.parse::<EncryptionPolicy>().unwrap())
                .with_concurrency(64);
            let (_, s) = client.reencrypt("fleet", &opts).await.unwrap();
            let n = s
                .try_fold(0u64, |n, r| async move {
                    assert_eq!(r.outcome.name(), "reencrypted", "{r:?}");
                    Ok(n + 1)
                })
                .await
                .unwrap();
            assert_eq!(n, keys);
            let r = keys as f64 / t0.elapsed().as_secs_f64();
            eprintln!("re-encryption round {round} to {to}: {r:.0} objects/s");
            rates.push(r);
        }
        rates.sort_by(f64::total_cmp);
        let r = rates[1];
        let peer = oss2(&endpoint, "oss2-fleet", "reencrypt", "SM4", oss2_keys);
        println!(
            "re-encrypt {keys} objects: SDK {r:.0} objects/s (64 in flight, median of 3); oss2 16 threads {}: SDK is {}",
            peer.map_or_else(|| "n/a".into(), |p| format!("{p:.0}/s")),
            peer.map_or_else(|| "n/a".into(), |p| format!("{:.1}x", r / p)),
        );

        if big == 0 {
            return;
        }
        client.put_bucket("fleet-big").await.unwrap();
        let t0 = Instant::now();
        seed(&t, &endpoint, "fleet-big", big).await;
        eprintln!("seeded {big} objects in {:.1} s", t0.elapsed().as_secs_f64());
        tokio::time::sleep(Duration::from_millis(200)).await;
        let base = rss();
        let mut peak = base;
        let t0 = Instant::now();
        let (_, mut s) = client
            .audit("fleet-big", &AuditOptions::default().with_policy(aes))
            .await
            .unwrap();
        let mut sum = AuditSummary::default();
        let mut n = 0u64;
        while let Some(f) = s.next().await {
            sum.add(&f.unwrap());
            n += 1;
            if n.is_multiple_of(1000) {
                peak = peak.max(rss());
            }
        }
        assert_eq!(sum.all.objects, big);
        println!(
            "audit {big} objects in {:.1} s ({:.0}/s): RSS {:.1} MiB before, peak {:.1} MiB, growth {:.1} MiB",
            t0.elapsed().as_secs_f64(),
            big as f64 / t0.elapsed().as_secs_f64(),
            base as f64 / 1048576.0,
            peak as f64 / 1048576.0,
            (peak - base) as f64 / 1048576.0
        );
    });
    drop(child.stdin.take());
    let _ = child.wait();
}
