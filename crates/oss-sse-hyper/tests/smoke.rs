use oss_sse_core::ops::{GetObject, PutObject};
use oss_sse_core::{ServerSideEncryption, ServerSideEncryptionRule, SseAlgorithm};
use oss_sse_emulator::Emulator;
use oss_sse_hyper::Client;

#[tokio::test]
async fn walkthrough_smoke() {
    let emu = Emulator::builder().kms_key("cmk-1").start().await.unwrap();
    let c = Client::builder(emu.region())
        .endpoint(emu.endpoint())
        .credentials(emu.credentials().clone())
        .build()
        .unwrap();
    c.put_bucket("smoke-bucket").await.unwrap();
    assert_eq!(c.get_bucket_encryption("smoke-bucket").await.unwrap(), None);
    c.put_bucket_encryption(
        "smoke-bucket",
        ServerSideEncryptionRule::kms().with_kms_master_key_id("cmk-1"),
    )
    .await
    .unwrap();
    let r = c
        .get_bucket_encryption("smoke-bucket")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.kms_master_key_id(), Some("cmk-1"));
    let out = c
        .send(&PutObject::new("smoke-bucket", "a.txt", &b"hello"[..]))
        .await
        .unwrap();
    let sse = out.server_side_encryption.unwrap();
    assert_eq!(sse.algorithm(), &SseAlgorithm::Kms);
    assert_eq!(sse.key_id(), Some("cmk-1"));
    let out = c
        .send(
            &PutObject::new("smoke-bucket", "b.txt", vec![7u8; 300_000])
                .with_server_side_encryption(ServerSideEncryption::aes256()),
        )
        .await
        .unwrap();
    assert_eq!(
        out.server_side_encryption.unwrap().algorithm(),
        &SseAlgorithm::Aes256
    );
    let got = c
        .get_object_bytes(&GetObject::new("smoke-bucket", "b.txt"))
        .await
        .unwrap();
    assert_eq!(got.body.len(), 300_000);
    assert!(got.body.iter().all(|b| *b == 7));
    let got = c
        .get_object_bytes(&GetObject::new("smoke-bucket", "a.txt").with_range(1, Some(3)))
        .await
        .unwrap();
    assert_eq!(&got.body[..], b"ell");
    emu.shutdown().await;
}
