//! A load driver for benchmarks: `head_object` on one key with N requests in flight for a
//! fixed time, then prints the rate as JSON. `bench/python_async_vs_rust.py` runs it next to
//! the Python `AsyncClient` doing the same against the same emulator.
//!
//! ```sh
//! cargo run --release -p oss-sse-hyper --example head_load -- \
//!     ENDPOINT REGION AK SK BUCKET KEY [CONCURRENCY=64] [SECONDS=3] [WORKER_THREADS]
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use oss_sse_core::Credentials;
use oss_sse_core::ops::HeadObject;
use oss_sse_hyper::Client;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [endpoint, region, ak, sk, bucket, key, rest @ ..] = args.as_slice() else {
        eprintln!(
            "usage: head_load ENDPOINT REGION AK SK BUCKET KEY [CONCURRENCY] [SECONDS] [WORKER_THREADS]"
        );
        std::process::exit(2);
    };
    let num = |i: usize, default: u64| rest.get(i).and_then(|v| v.parse().ok()).unwrap_or(default);
    let concurrency = num(0, 64);
    let seconds = num(1, 3);
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = rest.get(2).and_then(|v| v.parse().ok()) {
        rt.worker_threads(n);
    }
    let rt = rt.enable_all().build().expect("runtime");
    rt.block_on(async {
        let client = Client::builder(region.clone())
            .endpoint(endpoint.clone())
            .credentials(Credentials::new(ak.clone(), sk.clone()))
            .build()
            .expect("client");
        let op = Arc::new(HeadObject::new(bucket.clone(), key.clone()));
        // Warm the pool to full concurrency before measuring.
        let warm: Vec<_> = (0..concurrency)
            .map(|_| {
                let (c, op) = (client.clone(), op.clone());
                tokio::spawn(async move { c.send(&*op).await.expect("head") })
            })
            .collect();
        for w in warm {
            w.await.expect("warm-up");
        }
        let done = Arc::new(AtomicU64::new(0));
        let start = Instant::now();
        let end = start + Duration::from_secs(seconds);
        let workers: Vec<_> = (0..concurrency)
            .map(|_| {
                let (c, op, done) = (client.clone(), op.clone(), done.clone());
                tokio::spawn(async move {
                    while Instant::now() < end {
                        c.send(&*op).await.expect("head");
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        for w in workers {
            w.await.expect("worker");
        }
        let elapsed = start.elapsed().as_secs_f64();
        let n = done.load(Ordering::Relaxed);
        println!(
            "{{\"ops\": {n}, \"seconds\": {elapsed:.3}, \"ops_per_s\": {:.0}}}",
            n as f64 / elapsed
        );
    });
}
