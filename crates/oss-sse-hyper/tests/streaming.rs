//! A 1 GiB upload and download streamed through client and emulator (in this process, with
//! `--data-dir`) while peak RSS growth is measured. `OSS_SSE_BIG_MIB` changes the size
//! (default 1024; 256 under CI=true).

use std::time::Instant;

use oss_sse_emulator::Emulator;
use oss_sse_hyper::{Client, DownloadOptions, UploadOptions};

fn rss() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_gib_streams_with_bounded_memory() {
    // 1 GiB by default; CI (CI=true) runs a 256 MiB smoke unless OSS_SSE_BIG_MIB is set.
    let default = if std::env::var_os("CI").is_some() {
        256
    } else {
        1024
    };
    let mib: u64 = std::env::var("OSS_SSE_BIG_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    let size = mib * 1024 * 1024;
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("big.src");
    {
        // Write the file in 1 MiB blocks (never holding it in memory).
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&src).unwrap());
        let mut block = vec![0u8; 1 << 20];
        for i in 0..mib {
            for (j, b) in block.iter_mut().enumerate() {
                *b = (i as usize * 31 + j * 7) as u8;
            }
            f.write_all(&block).unwrap();
        }
        f.flush().unwrap();
    }
    let emu = Emulator::builder()
        .data_dir(dir.path().join("emu"))
        .start()
        .await
        .unwrap();
    let c = Client::builder(emu.region())
        .endpoint(emu.endpoint())
        .credentials(emu.credentials().clone())
        .build()
        .unwrap();
    c.put_bucket("big").await.unwrap();
    // Warm up the pools and allocator, then take the baseline.
    c.upload_file(
        "big",
        "warm",
        &src,
        &UploadOptions::default().with_part_size(8 << 20, u64::MAX),
    )
    .await
    .ok();
    let base = rss();
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(base));
    let p2 = peak.clone();
    let sampler = tokio::spawn(async move {
        loop {
            p2.fetch_max(rss(), std::sync::atomic::Ordering::Relaxed);
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    });

    let t = Instant::now();
    // One streamed PutObject (no multipart) of the whole file.
    let up = c
        .upload_file(
            "big",
            "one",
            &src,
            &UploadOptions::default().with_part_size(8 << 20, u64::MAX),
        )
        .await
        .unwrap();
    let up_s = t.elapsed().as_secs_f64();
    assert!(!up.multipart);
    let t = Instant::now();
    // One streamed GetObject of the whole object (full-object CRC checked).
    let dst = dir.path().join("big.dst");
    let down = c
        .download_file(
            "big",
            "one",
            &dst,
            &DownloadOptions::default().with_part_size(8 << 20, u64::MAX),
        )
        .await
        .unwrap();
    let down_s = t.elapsed().as_secs_f64();
    sampler.abort();
    let growth = peak
        .load(std::sync::atomic::Ordering::Relaxed)
        .saturating_sub(base);
    assert_eq!(down.size, size);
    assert_eq!(Some(down.hash_crc64), up.hash_crc64);
    println!(
        "streamed {mib} MiB: upload {:.2} s ({:.0} MB/s), download {:.2} s ({:.0} MB/s), peak RSS growth {:.1} MiB",
        up_s,
        size as f64 / up_s / 1e6,
        down_s,
        size as f64 / down_s / 1e6,
        growth as f64 / 1048576.0
    );
    assert!(growth <= 64 * 1024 * 1024, "RSS grew by {growth} bytes");
    emu.shutdown().await;
}
