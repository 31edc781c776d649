//! `cargo bench -p oss-sse-hyper --bench transfer`: upload_file / download_file (CRC checks
//! on) against a bare hyper PUT / GET of the same bytes to the same emulator (the ceiling),
//! in one run. Size: `OSS_SSE_BENCH_MIB` (default 1024). Rounds: `OSS_SSE_BENCH_ROUNDS` (3).

use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, StreamBody};
use oss_sse_core::ops::{GetObject, Operation, PutObject};
use oss_sse_core::sign::{SignatureVersion, Signer};
use oss_sse_emulator::Emulator;
use oss_sse_hyper::{Client, DownloadOptions, HttpSend, HyperTransport, UploadOptions};
use tokio::io::AsyncReadExt;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn bare_put(
    t: &HyperTransport,
    cfg: &oss_sse_core::Config,
    creds: &oss_sse_core::Credentials,
    path: &std::path::Path,
    size: u64,
) {
    let mut req = PutObject::streaming("bench", "bare", size)
        .to_request(cfg)
        .unwrap();
    Signer::new(SignatureVersion::V4)
        .sign_operation_request(
            &mut req,
            creds,
            cfg.region(),
            "oss",
            std::time::SystemTime::now(),
        )
        .unwrap();
    let f = tokio::fs::File::open(path).await.unwrap();
    let s = futures_util::stream::unfold(f, |mut f| async move {
        let mut buf = vec![0u8; 256 * 1024];
        match f.read(&mut buf).await {
            Ok(0) | Err(_) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((
                    Ok::<_, oss_sse_hyper::BoxError>(hyper::body::Frame::data(Bytes::from(buf))),
                    f,
                ))
            }
        }
    });
    let (parts, _) = req.into_parts();
    let resp = t
        .send(http::Request::from_parts(
            parts,
            StreamBody::new(s).boxed_unsync(),
        ))
        .await
        .unwrap();
    assert!(resp.status().is_success());
    resp.into_body().collect().await.unwrap();
}

async fn bare_get(
    t: &HyperTransport,
    cfg: &oss_sse_core::Config,
    creds: &oss_sse_core::Credentials,
    path: &std::path::Path,
) -> u64 {
    use tokio::io::AsyncWriteExt;
    let mut req = GetObject::new("bench", "bare").to_request(cfg).unwrap();
    Signer::new(SignatureVersion::V4)
        .sign_operation_request(
            &mut req,
            creds,
            cfg.region(),
            "oss",
            std::time::SystemTime::now(),
        )
        .unwrap();
    let (parts, _) = req.into_parts();
    let resp = t
        .send(http::Request::from_parts(
            parts,
            http_body_util::Empty::new()
                .map_err(|e| match e {})
                .boxed_unsync(),
        ))
        .await
        .unwrap();
    let mut body = resp.into_body();
    let mut f = tokio::fs::File::create(path).await.unwrap();
    let mut n = 0;
    while let Some(frame) = body.frame().await {
        if let Ok(d) = frame.unwrap().into_data() {
            n += d.len() as u64;
            f.write_all(&d).await.unwrap();
        }
    }
    f.flush().await.unwrap();
    n
}

/// Run before each timed transfer: deletes the previous round's output (if any) and writes
/// back every dirty page, so no transfer pays for the ones before it. Without this, at 1 GiB
/// the single-GET download measured 62-67% of the bare GET when run right after it, and
/// more than the bare GET when the two were swapped. Freeing the previous 1 GiB output is slow here, and `download_file`
/// replaced it by renaming onto it, inside the timed window.
fn settle(previous_output: Option<&std::path::Path>) {
    if let Some(p) = previous_output {
        let _ = std::fs::remove_file(p);
    }
    let _ = std::process::Command::new("sync").status();
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mib = env("OSS_SSE_BENCH_MIB", 1024);
        let rounds = env("OSS_SSE_BENCH_ROUNDS", 3);
        let size = mib << 20;
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src.bin");
        {
            use std::io::Write;
            let mut f = std::io::BufWriter::new(std::fs::File::create(&src).unwrap());
            let block: Vec<u8> = (0..1u32 << 20)
                .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
                .collect();
            for _ in 0..mib {
                f.write_all(&block).unwrap();
            }
        }
        let emu = Emulator::builder()
            .data_dir(dir.path().join("emu"))
            .start()
            .await
            .unwrap();
        let creds = emu.credentials().clone();
        let client = Client::builder(emu.region())
            .endpoint(emu.endpoint())
            .credentials(creds.clone())
            .build()
            .unwrap();
        client.put_bucket("bench").await.unwrap();
        let cfg = client.config().clone();
        let t = HyperTransport::default();
        let up = UploadOptions::default()
            .with_part_size(16 << 20, 64 << 20)
            .with_concurrency(4);
        let down = DownloadOptions::default()
            .with_part_size(16 << 20, 64 << 20)
            .with_concurrency(4);
        let up_single = UploadOptions::default().with_part_size(16 << 20, u64::MAX);
        let down_single = DownloadOptions::default().with_part_size(16 << 20, u64::MAX);
        let mut rows: Vec<(&str, Vec<f64>)> = vec![
            ("bare hyper PUT (ceiling)", vec![]),
            ("upload_file, single PutObject", vec![]),
            ("upload_file, multipart x4", vec![]),
            ("bare hyper GET (ceiling)", vec![]),
            ("download_file, single GET", vec![]),
            ("download_file, ranged x4", vec![]),
        ];
        let mbps = |secs: f64| size as f64 / secs / 1e6;
        for _ in 0..rounds {
            settle(None);
            let s = Instant::now();
            bare_put(&t, &cfg, &creds, &src, size).await;
            rows[0].1.push(mbps(s.elapsed().as_secs_f64()));
            settle(None);
            let s = Instant::now();
            client
                .upload_file("bench", "single", &src, &up_single)
                .await
                .unwrap();
            rows[1].1.push(mbps(s.elapsed().as_secs_f64()));
            settle(None);
            let s = Instant::now();
            client
                .upload_file("bench", "multi", &src, &up)
                .await
                .unwrap();
            rows[2].1.push(mbps(s.elapsed().as_secs_f64()));
            settle(Some(&dir.path().join("bare.out")));
            let s = Instant::now();
            assert_eq!(
                bare_get(&t, &cfg, &creds, &dir.path().join("bare.out")).await,
                size
            );
            rows[3].1.push(mbps(s.elapsed().as_secs_f64()));
            settle(Some(&dir.path().join("single.out")));
            let s = Instant::now();
            client
                .download_file(
                    "bench",
                    "single",
                    dir.path().join("single.out"),
                    &down_single,
                )
                .await
                .unwrap();
            rows[4].1.push(mbps(s.elapsed().as_secs_f64()));
            settle(Some(&dir.path().join("multi.out")));
            let s = Instant::now();
            client
                .download_file("bench", "multi", dir.path().join("multi.out"), &down)
                .await
                .unwrap();
            rows[5].1.push(mbps(s.elapsed().as_secs_f64()));
        }
        let median = |v: &Vec<f64>| {
            let mut v = v.clone();
            v.sort_by(|a, b| a.partial_cmp(b).unwrap());
            v[v.len() / 2]
        };
        println!("\n{mib} MiB, {rounds} rounds, median MB/s (CRC-64 checks on for the SDK rows)");
        println!("| transfer | MB/s | vs ceiling |");
        println!("|---|---:|---:|");
        for (i, (name, v)) in rows.iter().enumerate() {
            let ceiling = if i < 3 {
                median(&rows[0].1)
            } else {
                median(&rows[3].1)
            };
            println!(
                "| {name} | {:.0} | {:.0}% |",
                median(v),
                median(v) / ceiling * 100.0
            );
        }
        emu.shutdown().await;
    });
}
