//! Quick start: the three bucket-encryption calls plus an SSE upload and download.
//!
//! `cargo run -p oss-sse-examples --bin quickstart` runs against an in-process emulator.
//! With `OSS_ENDPOINT`, `OSS_REGION`, `OSS_ACCESS_KEY_ID`, `OSS_ACCESS_KEY_SECRET` and
//! `OSS_BUCKET` set, it runs against that OSS bucket instead (and restores its rule).

use oss_sse_core::ops::{GetObject, PutObject};
use oss_sse_core::{Credentials, ServerSideEncryption, ServerSideEncryptionRule};
use oss_sse_hyper::Client;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
    let mut _emulator = None;
    let (client, bucket) = match (env("OSS_ENDPOINT"), env("OSS_REGION"), env("OSS_BUCKET")) {
        (Some(endpoint), Some(region), Some(bucket)) => {
            let creds = oss_sse_hyper::EnvironmentProvider::load()?;
            (
                Client::builder(region)
                    .endpoint(endpoint)
                    .credentials(creds)
                    .build()?,
                bucket,
            )
        }
        _ => {
            let emu = oss_sse_emulator::Emulator::builder().start().await?;
            let client = Client::builder(emu.region())
                .endpoint(emu.endpoint())
                .credentials(Credentials::new(
                    emu.access_key_id(),
                    emu.credentials().access_key_secret(),
                ))
                .build()?;
            client.put_bucket("quickstart").await?;
            _emulator = Some(emu);
            (client, "quickstart".to_owned())
        }
    };
    let previous = client.get_bucket_encryption(&bucket).await?;

    // 1. PutBucketEncryption: SSE-KMS with the default CMK, SM4 data encryption.
    let rule =
        ServerSideEncryptionRule::kms().with_kms_data_encryption(oss_sse_core::DataEncryption::Sm4);
    client.put_bucket_encryption(&bucket, rule).await?;
    // 2. GetBucketEncryption.
    let rule = client.get_bucket_encryption(&bucket).await?;
    println!(
        "bucket rule: {:?}",
        rule.as_ref().map(|r| r.sse_algorithm().as_str())
    );

    // An upload that asks for AES256 itself, and its download (OSS decrypts it).
    let put = PutObject::new(
        &bucket,
        "quickstart/hello.txt",
        &b"hello, encrypted world"[..],
    )
    .with_server_side_encryption(ServerSideEncryption::aes256());
    let out = client.send(&put).await?;
    println!(
        "uploaded, declared encryption: {}",
        out.server_side_encryption
            .map_or_else(|| "none".into(), |s| s.to_string())
    );
    let got = client
        .get_object_bytes(&GetObject::new(&bucket, "quickstart/hello.txt"))
        .await?;
    println!(
        "downloaded {:?}, declared encryption: {}",
        String::from_utf8_lossy(&got.body),
        got.head
            .server_side_encryption
            .map_or_else(|| "none".into(), |s| s.to_string())
    );
    client
        .delete_object(&bucket, "quickstart/hello.txt")
        .await?;

    // 3. DeleteBucketEncryption (and put back what was there before).
    client.delete_bucket_encryption(&bucket).await?;
    if let Some(r) = previous {
        client.put_bucket_encryption(&bucket, r).await?;
    }
    println!(
        "bucket rule after delete: {:?}",
        client
            .get_bucket_encryption(&bucket)
            .await?
            .map(|r| r.sse_algorithm().to_string())
    );
    Ok(())
}
