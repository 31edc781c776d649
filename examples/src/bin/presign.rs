//! Presigned URLs: a V4 GET URL anyone can use for 10 minutes, and a PUT URL with the
//! headers the uploader must send. Runs against an in-process emulator.

use std::time::Duration;

use oss_sse_core::ServerSideEncryption;
use oss_sse_core::ops::{GetObject, PutObject};
use oss_sse_hyper::Client;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emu = oss_sse_emulator::Emulator::builder().start().await?;
    let client = Client::builder(emu.region())
        .endpoint(emu.endpoint())
        .credentials(emu.credentials().clone())
        .build()?;
    client.put_bucket("presign").await?;
    client
        .send(&PutObject::new("presign", "report.csv", &b"a,b\n1,2\n"[..]))
        .await?;

    let get = client
        .presign(
            &GetObject::new("presign", "report.csv"),
            Duration::from_secs(600),
        )
        .await?;
    println!("GET {}\n  valid until {:?}", get.url, get.expiration);

    // The uploader must send the signed SSE header too.
    let put = PutObject::streaming("presign", "upload.bin", 0)
        .with_server_side_encryption(ServerSideEncryption::aes256());
    let put = client.presign(&put, Duration::from_secs(600)).await?;
    println!("{} {}", put.method, put.url);
    for (k, v) in &put.signed_headers {
        println!("  send header {k}: {}", v.to_str().unwrap_or("?"));
    }
    // V4 URLs cannot outlive 7 days: this is refused before anything is signed.
    let err = client
        .presign(
            &GetObject::new("presign", "report.csv"),
            Duration::from_secs(8 * 86400),
        )
        .await
        .unwrap_err();
    println!("8 days: {err}");
    emu.shutdown().await;
    Ok(())
}
