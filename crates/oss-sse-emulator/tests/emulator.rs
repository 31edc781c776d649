//! The emulator over real sockets: auth, addressing, SSE semantics, encryption at rest,
//! integrity, persistence and key rotation.

mod common;

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use common::{Raw, client, send_op, send_raw, set};
use oss_sse_core::crypto::content_md5;
use oss_sse_core::ops::{
    AppendObject, CompleteMultipartUpload, CompletedPart, CopyObject, GetObject, HeadObject,
    InitiateMultipartUpload, ListParts, PutObject, UploadPart,
};
use oss_sse_core::sign::SignatureVersion;
use oss_sse_core::{
    Credentials, DataEncryption, ObjectType, Operation, ServerSideEncryption,
    ServerSideEncryptionRule, SseAlgorithm,
};
use oss_sse_emulator::{Emulator, EmulatorHandle};
use oss_sse_hyper::Client;

async fn start() -> EmulatorHandle {
    Emulator::builder().kms_key("cmk-1").start().await.unwrap()
}

async fn with_bucket(name: &str) -> (EmulatorHandle, Client) {
    let emu = start().await;
    let c = client(&emu);
    c.put_bucket(name).await.unwrap();
    (emu, c)
}

fn now() -> SystemTime {
    SystemTime::now()
}

// ---------------- auth ----------------

#[tokio::test]
async fn auth_errors_are_oss_errors() {
    let (emu, _c) = with_bucket("auth").await;
    let op = PutObject::new("auth", "k", &b"x"[..]);
    let good = emu.credentials().clone();

    // Wrong secret: SignatureDoesNotMatch carrying the string to sign.
    let r = send_op(
        &emu,
        &op,
        &Credentials::new(good.access_key_id(), "wrong"),
        SignatureVersion::V4,
        now(),
        |_| {},
    )
    .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (403, "SignatureDoesNotMatch")
    );
    assert!(
        r.field("StringToSign")
            .unwrap()
            .starts_with("OSS4-HMAC-SHA256\n")
    );
    assert!(r.field("CanonicalRequest").is_some());
    assert_eq!(r.h("x-oss-ec"), Some("0002-00000040"));
    assert!(r.h("x-oss-request-id").is_some_and(|id| id.len() == 24));

    // Same with V1.
    let r = send_op(
        &emu,
        &op,
        &Credentials::new(good.access_key_id(), "wrong"),
        SignatureVersion::V1,
        now(),
        |_| {},
    )
    .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (403, "SignatureDoesNotMatch")
    );
    assert!(r.field("StringToSign").unwrap().ends_with("/auth/k"));

    // Unknown access key.
    let r = send_op(
        &emu,
        &op,
        &Credentials::new("nobody", "x"),
        SignatureVersion::V4,
        now(),
        |_| {},
    )
    .await;
    assert_eq!((r.status, r.code().as_str()), (403, "InvalidAccessKeyId"));

    // More than 15 minutes of skew, both ways.
    for skew in [16 * 60, -(16 * 60)] {
        let t = if skew > 0 {
            now() + Duration::from_secs(skew as u64)
        } else {
            now() - Duration::from_secs((-skew) as u64)
        };
        let r = send_op(&emu, &op, &good, SignatureVersion::V4, t, |_| {}).await;
        assert_eq!((r.status, r.code().as_str()), (403, "RequestTimeTooSkewed"));
        assert!(r.field("ServerTime").is_some());
        assert_eq!(
            r.field("MaxAllowedSkewMilliseconds").as_deref(),
            Some("900000")
        );
    }
    // 14 minutes is fine.
    let r = send_op(
        &emu,
        &op,
        &good,
        SignatureVersion::V4,
        now() - Duration::from_secs(14 * 60),
        |_| {},
    )
    .await;
    assert_eq!(r.status, 200);

    // Content-MD5 present but wrong: InvalidDigest, and nothing stored.
    let bad = PutObject::new("auth", "md5", &b"payload"[..])
        .with_content_md5_value(content_md5(b"other"));
    let r = send_op(&emu, &bad, &good, SignatureVersion::V4, now(), |_| {}).await;
    assert_eq!((r.status, r.code().as_str()), (400, "InvalidDigest"));
    let r = send_op(
        &emu,
        &HeadObject::new("auth", "md5"),
        &good,
        SignatureVersion::V4,
        now(),
        |_| {},
    )
    .await;
    assert_eq!(r.status, 404);
    // HEAD errors carry no body but the base64 document in x-oss-err.
    assert!(r.body.is_empty());
    let doc = oss_sse_core::crypto::base64_decode(r.h("x-oss-err").unwrap()).unwrap();
    assert!(
        String::from_utf8(doc)
            .unwrap()
            .contains("<Code>NoSuchKey</Code>")
    );

    // A header changed after signing.
    let r = send_op(
        &emu,
        &PutObject::new("auth", "k", &b"x"[..]).with_metadata("a", "1"),
        &good,
        SignatureVersion::V4,
        now(),
        |_| {},
    )
    .await;
    assert_eq!(r.status, 200);
    let mut req = PutObject::new("auth", "k", &b"x"[..])
        .with_metadata("a", "1")
        .to_request_for(&emu);
    sign(&emu, &mut req, &good);
    set(&mut req, "x-oss-meta-a", "2");
    assert_eq!(send_raw(req).await.code(), "SignatureDoesNotMatch");

    // A changed body under Content-MD5.
    let mut req = PutObject::new("auth", "k2", &b"original"[..])
        .with_content_md5()
        .to_request_for(&emu);
    sign(&emu, &mut req, &good);
    *req.body_mut() = Bytes::from_static(b"tampered");
    assert_eq!(send_raw(req).await.code(), "InvalidDigest");

    // Anonymous.
    let req = http::Request::get(format!("{}/auth/k", emu.endpoint()))
        .body(Bytes::new())
        .unwrap();
    assert_eq!(send_raw(req).await.code(), "AccessDenied");
    emu.shutdown().await;
}

trait ToRequestFor {
    fn to_request_for(&self, emu: &EmulatorHandle) -> http::Request<Bytes>;
}
impl<O: Operation> ToRequestFor for O {
    fn to_request_for(&self, emu: &EmulatorHandle) -> http::Request<Bytes> {
        self.to_request(&common::config(emu)).unwrap()
    }
}

fn sign(emu: &EmulatorHandle, req: &mut http::Request<Bytes>, creds: &Credentials) {
    oss_sse_core::Signer::new(SignatureVersion::V4)
        .sign_operation_request(req, creds, emu.region(), "oss", now())
        .unwrap();
}

#[tokio::test]
async fn v4_scope_and_presign_checks() {
    let (emu, c) = with_bucket("scope").await;
    c.send(&PutObject::new("scope", "obj", &b"hello"[..]))
        .await
        .unwrap();
    let good = emu.credentials().clone();

    // Wrong region in the credential scope.
    let mut req = GetObject::new("scope", "obj").to_request_for(&emu);
    oss_sse_core::Signer::new(SignatureVersion::V4)
        .sign_operation_request(&mut req, &good, "cn-shanghai", "oss", now())
        .unwrap();
    let r = send_raw(req).await;
    assert_eq!(r.status, 403);
    assert!(String::from_utf8_lossy(&r.body).contains("region"));

    // Date scope that does not match x-oss-date.
    let mut req = GetObject::new("scope", "obj").to_request_for(&emu);
    sign(&emu, &mut req, &good);
    let auth = req.headers()["authorization"].to_str().unwrap().to_owned();
    let ymd = req.headers()["x-oss-date"].to_str().unwrap()[..8].to_owned();
    set(
        &mut req,
        "authorization",
        &auth.replace(&format!("/{ymd}/"), "/20200101/"),
    );
    assert_eq!(send_raw(req).await.status, 403);

    // Presigned GET works over plain HTTP; it expires; it is bound to its method.
    let url = c
        .presign(&GetObject::new("scope", "obj"), Duration::from_secs(60))
        .await
        .unwrap();
    let r = send_raw(http::Request::get(&url.url).body(Bytes::new()).unwrap()).await;
    assert_eq!((r.status, &r.body[..]), (200, &b"hello"[..]));
    let r = send_raw(http::Request::delete(&url.url).body(Bytes::new()).unwrap()).await;
    assert_eq!(r.code(), "SignatureDoesNotMatch");

    let past = Client::builder(emu.region())
        .endpoint(emu.endpoint())
        .credentials(good.clone())
        .clock_offset_behind(Duration::from_secs(120))
        .build()
        .unwrap();
    let expired = past
        .presign(&GetObject::new("scope", "obj"), Duration::from_secs(60))
        .await
        .unwrap();
    let r = send_raw(http::Request::get(&expired.url).body(Bytes::new()).unwrap()).await;
    assert_eq!((r.status, r.code().as_str()), (403, "AccessDenied"));
    assert!(String::from_utf8_lossy(&r.body).contains("expired"));

    // V1 presign too.
    let v1 = Client::builder(emu.region())
        .endpoint(emu.endpoint())
        .credentials(good.clone())
        .signature_version(SignatureVersion::V1)
        .build()
        .unwrap();
    let url = v1
        .presign(&GetObject::new("scope", "obj"), Duration::from_secs(60))
        .await
        .unwrap();
    assert!(url.url.contains("OSSAccessKeyId="));
    let r = send_raw(http::Request::get(&url.url).body(Bytes::new()).unwrap()).await;
    assert_eq!(r.status, 200);
    // And V1 header signing end to end.
    assert_eq!(
        v1.head_object("scope", "obj").await.unwrap().content_length,
        Some(5)
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn sts_tokens_are_required_for_temporary_keys() {
    let sts = Credentials::new("STS.tmp", "tmp-secret").with_security_token("token-123");
    let emu = Emulator::builder()
        .credentials(Credentials::new("owner", "owner-secret"))
        .credentials(sts.clone())
        .start()
        .await
        .unwrap();
    let owner = client(&emu);
    owner.put_bucket("sts").await.unwrap();
    for version in [SignatureVersion::V4, SignatureVersion::V1] {
        let c = Client::builder(emu.region())
            .endpoint(emu.endpoint())
            .credentials(sts.clone())
            .signature_version(version)
            .build()
            .unwrap();
        c.send(&PutObject::new("sts", "k", &b"v"[..]))
            .await
            .unwrap();
        let url = c
            .presign(&GetObject::new("sts", "k"), Duration::from_secs(30))
            .await
            .unwrap();
        assert_eq!(
            send_raw(http::Request::get(&url.url).body(Bytes::new()).unwrap())
                .await
                .status,
            200
        );
        let no_token = Credentials::new("STS.tmp", "tmp-secret");
        let r = send_op(
            &emu,
            &HeadObject::new("sts", "k"),
            &no_token,
            version,
            now(),
            |_| {},
        )
        .await;
        assert_eq!(r.status, 403);
        let wrong = Credentials::new("STS.tmp", "tmp-secret").with_security_token("other");
        let r = send_op(
            &emu,
            &HeadObject::new("sts", "k"),
            &wrong,
            version,
            now(),
            |_| {},
        )
        .await;
        assert_eq!(r.status, 403);
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn accepts_sdk_wire_differences() {
    let (emu, c) = with_bucket("wire").await;
    c.put_bucket_encryption("wire", ServerSideEncryptionRule::aes256())
        .await
        .unwrap();
    let good = emu.credentials().clone();
    // `?encryption=` (py-v2, oss2) instead of `?encryption`, and a key with '+' and spaces.
    let r = send_op(
        &emu,
        &oss_sse_core::ops::GetBucketEncryption::new("wire"),
        &good,
        SignatureVersion::V4,
        now(),
        |req| {
            *req.uri_mut() = format!("{}/wire/?encryption=", emu.endpoint())
                .parse()
                .unwrap();
        },
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    // py-v2 element order (SSEAlgorithm last) and an empty KMSMasterKeyID (Java), no Content-MD5 (oss2).
    let body = "<ServerSideEncryptionRule><ApplyServerSideEncryptionByDefault><KMSMasterKeyID></KMSMasterKeyID><KMSDataEncryption>SM4</KMSDataEncryption><SSEAlgorithm>KMS</SSEAlgorithm></ApplyServerSideEncryptionByDefault></ServerSideEncryptionRule>";
    let r = send_op(
        &emu,
        &oss_sse_core::ops::PutBucketEncryption::new("wire", ServerSideEncryptionRule::aes256()),
        &good,
        SignatureVersion::V4,
        now(),
        |req| {
            *req.body_mut() = Bytes::from(body);
            req.headers_mut().remove("content-md5");
            req.headers_mut().remove("content-type");
            set(req, "content-length", &body.len().to_string());
        },
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let rule = c.get_bucket_encryption("wire").await.unwrap().unwrap();
    assert_eq!(rule.sse_algorithm(), &SseAlgorithm::Kms);
    assert_eq!(rule.kms_data_encryption(), Some(&DataEncryption::Sm4));
    assert_eq!(rule.kms_master_key_id(), None);
    // Keys with '+', spaces, unicode, '?', '%' and repeated slashes round-trip.
    for key in ["a+b c.txt", "中文/文件 名.txt", "q?x=1&y=%20", "//a///b//"] {
        c.send(&PutObject::new("wire", key, key.as_bytes().to_vec()))
            .await
            .unwrap();
        let got = c
            .get_object_bytes(&GetObject::new("wire", key))
            .await
            .unwrap();
        assert_eq!(&got.body[..], key.as_bytes(), "{key}");
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn virtual_hosted_addressing() {
    let (emu, c) = with_bucket("vhost").await;
    c.send(&PutObject::new("vhost", "dir/k.txt", &b"vh"[..]))
        .await
        .unwrap();
    // Same object through `Host: vhost.localhost:PORT` and the path `/dir/k.txt`.
    let cfg = oss_sse_core::Config::builder(emu.region())
        .endpoint(format!("http://localhost:{}", emu.addr().port()))
        .addressing_style(oss_sse_core::AddressingStyle::VirtualHosted)
        .build()
        .unwrap();
    let mut req = GetObject::new("vhost", "dir/k.txt")
        .to_request(&cfg)
        .unwrap();
    assert_eq!(req.uri().host(), Some("vhost.localhost"));
    oss_sse_core::Signer::new(SignatureVersion::V4)
        .sign_operation_request(&mut req, emu.credentials(), emu.region(), "oss", now())
        .unwrap();
    set(
        &mut req,
        "host",
        &format!("vhost.localhost:{}", emu.addr().port()),
    );
    *req.uri_mut() = format!("{}/dir/k.txt", emu.endpoint()).parse().unwrap();
    let r = send_raw(req).await;
    assert_eq!((r.status, &r.body[..]), (200, &b"vh"[..]));
    emu.shutdown().await;
}

// ---------------- SSE semantics ----------------

fn sse_of(r: &Raw) -> (Option<String>, Option<String>, Option<String>) {
    (
        r.h("x-oss-server-side-encryption").map(str::to_owned),
        r.h("x-oss-server-side-data-encryption").map(str::to_owned),
        r.h("x-oss-server-side-encryption-key-id")
            .map(str::to_owned),
    )
}

#[tokio::test]
async fn put_object_response_header_table() {
    let (emu, _c) = with_bucket("table").await;
    let good = emu.credentials().clone();
    let default_cmk = emu.default_kms_key_id().await;
    // (request alg, request data-enc) -> (response alg, data-enc, has key id): oss-wire §2.2.
    type Row<'a> = (
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        bool,
    );
    let rows: [Row<'_>; 8] = [
        (None, None, None, None, false),
        (Some("KMS"), None, Some("KMS"), None, true),
        (Some("AES256"), None, Some("AES256"), None, false),
        (Some("SM4"), None, Some("SM4"), None, false),
        (Some("KMS"), Some("SM4"), Some("KMS"), Some("SM4"), true),
        (Some("AES256"), Some("SM4"), Some("AES256"), None, false),
        (Some("SM4"), Some("SM4"), Some("SM4"), None, false),
        (None, Some("SM4"), None, None, false),
    ];
    for (i, (alg, data, ralg, rdata, key)) in rows.into_iter().enumerate() {
        let k = format!("row{i}");
        let r = send_op(
            &emu,
            &PutObject::new("table", &k, &b"data"[..]),
            &good,
            SignatureVersion::V4,
            now(),
            |req| {
                if let Some(a) = alg {
                    set(req, "x-oss-server-side-encryption", a);
                }
                if let Some(d) = data {
                    set(req, "x-oss-server-side-data-encryption", d);
                }
            },
        )
        .await;
        assert_eq!(
            r.status,
            200,
            "row {i}: {}",
            String::from_utf8_lossy(&r.body)
        );
        let (a, d, kid) = sse_of(&r);
        assert_eq!(
            (a.as_deref(), d.as_deref(), kid.is_some()),
            (ralg, rdata, key),
            "row {i}"
        );
        if key {
            assert_eq!(
                kid.as_deref(),
                Some(default_cmk.as_str()),
                "KMS without key id uses the default CMK"
            );
        }
        // HEAD and GET declare the same.
        let h = send_op(
            &emu,
            &HeadObject::new("table", &k),
            &good,
            SignatureVersion::V4,
            now(),
            |_| {},
        )
        .await;
        assert_eq!(
            sse_of(&h),
            (a.clone(), d.clone(), kid.clone()),
            "row {i} head"
        );
    }
    // An unknown algorithm is rejected; so is a key id with AES256; and an unknown CMK.
    let cases = [
        ("DES", None, 400, "InvalidEncryptionAlgorithmError"),
        ("AES256", Some("cmk-1"), 400, "InvalidArgument"),
        ("KMS", Some("no-such-cmk"), 400, "KmsKeyNotExist"),
    ];
    for (alg, key, status, code) in cases {
        let r = send_op(
            &emu,
            &PutObject::new("table", "bad", &b"x"[..]),
            &good,
            SignatureVersion::V4,
            now(),
            |req| {
                set(req, "x-oss-server-side-encryption", alg);
                if let Some(k) = key {
                    set(req, "x-oss-server-side-encryption-key-id", k);
                }
            },
        )
        .await;
        assert_eq!(
            (r.status, r.code().as_str()),
            (status, code),
            "{alg} {key:?}"
        );
    }
    // SSE headers on operations that do not take them: 400 InvalidArgument.
    let r = send_op(
        &emu,
        &HeadObject::new("table", "row0"),
        &good,
        SignatureVersion::V4,
        now(),
        |req| {
            set(req, "x-oss-server-side-encryption", "AES256");
        },
    )
    .await;
    assert_eq!((r.status, r.code().as_str()), (400, "InvalidArgument"));
    emu.shutdown().await;
}

#[tokio::test]
async fn bucket_default_object_override_copy_and_append() {
    let (emu, c) = with_bucket("sem").await;
    c.put_bucket_encryption(
        "sem",
        ServerSideEncryptionRule::kms()
            .with_kms_master_key_id("cmk-1")
            .with_kms_data_encryption(DataEncryption::Sm4),
    )
    .await
    .unwrap();
    // Inherits the bucket default.
    let out = c
        .send(&PutObject::new("sem", "inherit", &b"i"[..]))
        .await
        .unwrap();
    let sse = out.server_side_encryption.unwrap();
    assert_eq!(
        (sse.algorithm(), sse.key_id(), sse.data_encryption()),
        (
            &SseAlgorithm::Kms,
            Some("cmk-1"),
            Some(&DataEncryption::Sm4)
        )
    );
    // The object's header wins.
    let out = c
        .send(
            &PutObject::new("sem", "own", &b"o"[..])
                .with_server_side_encryption(ServerSideEncryption::aes256()),
        )
        .await
        .unwrap();
    assert_eq!(
        out.server_side_encryption.unwrap(),
        ServerSideEncryption::aes256()
    );
    // Copy does not carry SSE over: with no header the destination bucket default applies...
    c.delete_bucket_encryption("sem").await.unwrap();
    let out = c
        .copy_object(&CopyObject::new("sem", "inherit", "sem", "copy-plain"))
        .await
        .unwrap();
    assert_eq!(out.server_side_encryption, None);
    // ... and with an override the destination has exactly that.
    let out = c
        .copy_object(
            &CopyObject::new("sem", "inherit", "sem", "copy-aes")
                .with_server_side_encryption(ServerSideEncryption::aes256()),
        )
        .await
        .unwrap();
    assert_eq!(
        out.server_side_encryption,
        Some(ServerSideEncryption::aes256())
    );
    assert_eq!(
        c.get_object_bytes(&GetObject::new("sem", "copy-aes"))
            .await
            .unwrap()
            .body,
        Bytes::from_static(b"i")
    );
    // Appends keep the first append's encryption (a later, different SSE is ignored).
    let first = c
        .send(
            &AppendObject::new("sem", "log", 0, &b"one,"[..])
                .with_server_side_encryption(ServerSideEncryption::kms().with_key_id("cmk-1")),
        )
        .await
        .unwrap();
    assert_eq!(first.next_position, Some(4));
    let second = c
        .send(
            &AppendObject::new("sem", "log", 4, &b"two"[..])
                .with_server_side_encryption(ServerSideEncryption::aes256()),
        )
        .await
        .unwrap();
    let sse = second.server_side_encryption.unwrap();
    assert_eq!(
        (sse.algorithm(), sse.key_id()),
        (&SseAlgorithm::Kms, Some("cmk-1"))
    );
    assert_eq!(
        second.hash_crc64,
        Some(oss_sse_core::crc::crc64(b"one,two"))
    );
    let wrong = c
        .send(&AppendObject::new("sem", "log", 3, &b"x"[..]))
        .await
        .unwrap_err();
    assert_eq!(
        wrong.as_service().unwrap().code(),
        "PositionNotEqualToLength"
    );
    let got = c
        .get_object_bytes(&GetObject::new("sem", "log"))
        .await
        .unwrap();
    assert_eq!(&got.body[..], b"one,two");
    assert_eq!(got.head.object_type, Some(ObjectType::Appendable));
    emu.shutdown().await;
}

#[tokio::test]
async fn multipart_sse_rules_and_integrity() {
    let (emu, c) = with_bucket("mpu").await;
    let good = emu.credentials().clone();
    let init = c
        .send(
            &InitiateMultipartUpload::new("mpu", "big").with_server_side_encryption(
                ServerSideEncryption::kms().with_data_encryption(DataEncryption::Sm4),
            ),
        )
        .await
        .unwrap();
    let sse = init.server_side_encryption.clone().unwrap();
    assert_eq!(
        (sse.algorithm(), sse.data_encryption()),
        (&SseAlgorithm::Kms, Some(&DataEncryption::Sm4))
    );
    assert!(sse.key_id().is_some());
    let id = init.upload_id;
    let p1 = vec![1u8; 100 * 1024];
    let p2 = vec![2u8; 1000];
    // UploadPart with SSE headers: 400 InvalidArgument.
    let r = send_op(
        &emu,
        &UploadPart::new("mpu", "big", &id, 1, p1.clone()),
        &good,
        SignatureVersion::V4,
        now(),
        |req| {
            set(req, "x-oss-server-side-encryption", "KMS");
        },
    )
    .await;
    assert_eq!((r.status, r.code().as_str()), (400, "InvalidArgument"));
    let o1 = c
        .send(&UploadPart::new("mpu", "big", &id, 1, p1.clone()))
        .await
        .unwrap();
    assert_eq!(
        o1.server_side_encryption.as_ref(),
        Some(&sse),
        "parts echo the upload's SSE"
    );
    assert_eq!(
        o1.etag.as_deref(),
        Some(oss_sse_core::crypto::md5_hex(&p1).to_uppercase().as_str())
    );
    let o2 = c
        .send(&UploadPart::new("mpu", "big", &id, 2, p2.clone()))
        .await
        .unwrap();
    let parts = c.send(&ListParts::new("mpu", "big", &id)).await.unwrap();
    assert_eq!(parts.parts.len(), 2);
    assert_eq!(parts.parts[1].size, 1000);
    let list = vec![
        CompletedPart::new(1, o1.etag.unwrap()),
        CompletedPart::new(2, o2.etag.unwrap()),
    ];
    // Complete with SSE headers: 400 InvalidArgument.
    let r = send_op(
        &emu,
        &CompleteMultipartUpload::new("mpu", "big", &id, list.clone()),
        &good,
        SignatureVersion::V4,
        now(),
        |req| {
            set(req, "x-oss-server-side-encryption", "AES256");
        },
    )
    .await;
    assert_eq!((r.status, r.code().as_str()), (400, "InvalidArgument"));
    let done = c
        .send(&CompleteMultipartUpload::new("mpu", "big", &id, list))
        .await
        .unwrap();
    assert_eq!(done.server_side_encryption.as_ref(), Some(&sse));
    let mut all = p1.clone();
    all.extend_from_slice(&p2);
    assert_eq!(done.hash_crc64, Some(oss_sse_core::crc::crc64(&all)));
    assert!(done.etag.unwrap().ends_with("-2"), "multipart ETag form");
    let got = c
        .get_object_bytes(&GetObject::new("mpu", "big"))
        .await
        .unwrap();
    assert_eq!(got.body, Bytes::from(all));
    assert_eq!(got.head.server_side_encryption.as_ref(), Some(&sse));
    assert_eq!(emu.open_uploads().await, 0);
    // Parts below 100 KiB (except the last) are refused.
    let id = c
        .send(&InitiateMultipartUpload::new("mpu", "small"))
        .await
        .unwrap()
        .upload_id;
    let a = c
        .send(&UploadPart::new("mpu", "small", &id, 1, vec![0u8; 10]))
        .await
        .unwrap();
    let b = c
        .send(&UploadPart::new("mpu", "small", &id, 2, vec![0u8; 10]))
        .await
        .unwrap();
    let e = c
        .send(&CompleteMultipartUpload::new(
            "mpu",
            "small",
            &id,
            vec![
                CompletedPart::new(1, a.etag.unwrap()),
                CompletedPart::new(2, b.etag.unwrap()),
            ],
        ))
        .await
        .unwrap_err();
    assert_eq!(e.as_service().unwrap().code(), "EntityTooSmall");
    c.send(&oss_sse_core::ops::AbortMultipartUpload::new(
        "mpu", "small", &id,
    ))
    .await
    .unwrap();
    assert_eq!(emu.open_uploads().await, 0);
    emu.shutdown().await;
}

#[tokio::test]
async fn buckets_and_rules() {
    let (emu, c) = with_bucket("rules").await;
    let e = c.put_bucket("rules").await.unwrap_err();
    assert_eq!(e.as_service().unwrap().code(), "BucketAlreadyExists");
    let info = c.get_bucket_info("rules").await.unwrap();
    assert_eq!(info.server_side_encryption_rule, None);
    assert_eq!(info.location.as_deref(), Some("oss-cn-hangzhou"));
    c.put_bucket_encryption("rules", ServerSideEncryptionRule::sm4())
        .await
        .unwrap();
    let info = c.get_bucket_info("rules").await.unwrap();
    assert_eq!(
        info.server_side_encryption_rule,
        Some(ServerSideEncryptionRule::sm4())
    );
    // KMS key ids are not validated at Put time (as on OSS), and are echoed.
    c.put_bucket_encryption(
        "rules",
        ServerSideEncryptionRule::kms().with_kms_master_key_id("whatever"),
    )
    .await
    .unwrap();
    assert_eq!(
        c.get_bucket_encryption("rules")
            .await
            .unwrap()
            .unwrap()
            .kms_master_key_id(),
        Some("whatever")
    );
    // ...but an upload that would use an unknown CMK fails.
    let e = c
        .send(&PutObject::new("rules", "k", &b"x"[..]))
        .await
        .unwrap_err();
    assert_eq!(e.as_service().unwrap().code(), "KmsKeyNotExist");
    c.delete_bucket_encryption("rules").await.unwrap();
    c.delete_bucket_encryption("rules").await.unwrap(); // 204 also without a rule
    assert_eq!(c.get_bucket_encryption("rules").await.unwrap(), None);
    c.send(&PutObject::new("rules", "k", &b"x"[..]))
        .await
        .unwrap();
    let e = c.delete_bucket("rules").await.unwrap_err();
    assert_eq!(e.as_service().unwrap().code(), "BucketNotEmpty");
    c.delete_object("rules", "k").await.unwrap();
    c.delete_bucket("rules").await.unwrap();
    let e = c.get_bucket_info("rules").await.unwrap_err();
    let s = e.as_service().unwrap();
    assert_eq!((s.code(), s.ec()), ("NoSuchBucket", Some("0015-00000101")));
    emu.shutdown().await;
}

// ---------------- at rest ----------------

fn scan_for(dir: &std::path::Path, needle: &[u8]) -> Vec<std::path::PathBuf> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if std::fs::read(&p)
                .unwrap()
                .windows(needle.len())
                .any(|w| w == needle)
            {
                hits.push(p);
            }
        }
    }
    hits
}

#[tokio::test]
async fn no_plaintext_on_disk_and_restart_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let marker = b"PLAINTEXT-MARKER-7f3a9c2e-must-never-be-on-disk";
    let mut body = Vec::new();
    for _ in 0..5000 {
        body.extend_from_slice(marker);
    }
    let sses = [
        None,
        Some(ServerSideEncryption::aes256()),
        Some(ServerSideEncryption::sm4()),
        Some(ServerSideEncryption::kms()),
        Some(
            ServerSideEncryption::kms()
                .with_key_id("cmk-1")
                .with_data_encryption(DataEncryption::Sm4),
        ),
    ];
    {
        let emu = Emulator::builder()
            .kms_key("cmk-1")
            .data_dir(dir.path())
            .start()
            .await
            .unwrap();
        let c = client(&emu);
        c.put_bucket("disk").await.unwrap();
        c.put_bucket_encryption(
            "disk",
            ServerSideEncryptionRule::kms().with_kms_master_key_id("cmk-1"),
        )
        .await
        .unwrap();
        for (i, sse) in sses.iter().enumerate() {
            let mut op = PutObject::new("disk", format!("o{i}"), body.clone());
            if let Some(s) = sse {
                op = op.with_server_side_encryption(s.clone());
            }
            c.send(&op).await.unwrap();
        }
        // A multipart upload and an append too.
        let id = c
            .send(&InitiateMultipartUpload::new("disk", "mp"))
            .await
            .unwrap()
            .upload_id;
        let e = c
            .send(&UploadPart::new("disk", "mp", &id, 1, body.clone()))
            .await
            .unwrap()
            .etag
            .unwrap();
        c.send(&CompleteMultipartUpload::new(
            "disk",
            "mp",
            &id,
            vec![CompletedPart::new(1, e)],
        ))
        .await
        .unwrap();
        c.send(&AppendObject::new("disk", "ap", 0, body.clone()))
            .await
            .unwrap();
        assert!(
            scan_for(dir.path(), marker).is_empty(),
            "plaintext found on disk"
        );
        assert!(scan_for(dir.path(), &marker[..16]).is_empty());
        emu.shutdown().await;
    }
    // Restart on the same directory: buckets, rules and objects are all there.
    let emu = Emulator::builder()
        .kms_key("cmk-1")
        .data_dir(dir.path())
        .start()
        .await
        .unwrap();
    let c = client(&emu);
    let rule = c.get_bucket_encryption("disk").await.unwrap().unwrap();
    assert_eq!(rule.kms_master_key_id(), Some("cmk-1"));
    for (i, sse) in sses.iter().enumerate() {
        let got = c
            .get_object_bytes(&GetObject::new("disk", format!("o{i}")))
            .await
            .unwrap();
        assert_eq!(got.body.len(), body.len());
        assert!(got.body[..] == body[..], "o{i} bytes");
        let declared = got.head.server_side_encryption.unwrap();
        match sse {
            None => assert_eq!(declared.key_id(), Some("cmk-1"), "bucket default applied"),
            Some(s) => assert_eq!(declared.algorithm(), s.algorithm()),
        }
        // A range read decrypts only what it needs and still matches.
        let r = c
            .get_object_bytes(
                &GetObject::new("disk", format!("o{i}")).with_range(65_530, Some(65_560)),
            )
            .await
            .unwrap();
        assert_eq!(&r.body[..], &body[65_530..=65_560]);
    }
    assert_eq!(
        c.get_object_bytes(&GetObject::new("disk", "mp"))
            .await
            .unwrap()
            .body
            .len(),
        body.len()
    );
    assert_eq!(
        c.get_object_bytes(&GetObject::new("disk", "ap"))
            .await
            .unwrap()
            .body
            .len(),
        body.len()
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn master_key_rotation_keeps_old_objects_readable() {
    let dir = tempfile::tempdir().unwrap();
    let emu = Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap();
    let c = client(&emu);
    c.put_bucket("rot").await.unwrap();
    c.send(
        &PutObject::new("rot", "before", &b"old key"[..])
            .with_server_side_encryption(ServerSideEncryption::aes256()),
    )
    .await
    .unwrap();
    assert_eq!(emu.master_key_versions().await, vec![1]);
    assert_eq!(emu.rotate_master_key().await.unwrap(), 2);
    c.send(
        &PutObject::new("rot", "after", &b"new key"[..])
            .with_server_side_encryption(ServerSideEncryption::aes256()),
    )
    .await
    .unwrap();
    assert_eq!(
        &c.get_object_bytes(&GetObject::new("rot", "before"))
            .await
            .unwrap()
            .body[..],
        b"old key"
    );
    assert_eq!(
        &c.get_object_bytes(&GetObject::new("rot", "after"))
            .await
            .unwrap()
            .body[..],
        b"new key"
    );
    emu.shutdown().await;
    // Rotation at start (the CLI flag) and over the admin endpoint survive restarts too.
    let emu = Emulator::builder()
        .data_dir(dir.path())
        .rotate_master_key(true)
        .start()
        .await
        .unwrap();
    assert_eq!(emu.master_key_versions().await, vec![1, 2, 3]);
    let c = client(&emu);
    assert_eq!(
        &c.get_object_bytes(&GetObject::new("rot", "before"))
            .await
            .unwrap()
            .body[..],
        b"old key"
    );
    let r = send_raw(
        http::Request::post(format!("{}/-/rotate-master-key", emu.endpoint()))
            .body(Bytes::new())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(emu.master_key_versions().await, vec![1, 2, 3, 4]);
    assert_eq!(
        &c.get_object_bytes(&GetObject::new("rot", "after"))
            .await
            .unwrap()
            .body[..],
        b"new key"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn concurrent_writers_last_writer_wins_never_torn() {
    let (emu, c) = with_bucket("race").await;
    let mut tasks = Vec::new();
    for i in 0..16u8 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            c.send(&PutObject::new("race", "same", vec![i; 200_000]))
                .await
                .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let got = c
        .get_object_bytes(&GetObject::new("race", "same"))
        .await
        .unwrap();
    assert_eq!(got.body.len(), 200_000);
    let first = got.body[0];
    assert!(got.body.iter().all(|b| *b == first), "torn object");
    assert_eq!(emu.object_count().await, 1);
    emu.shutdown().await;
}

/// GetBucketAcl and GetObjectAcl answer (`private` / `default`), and a missing bucket is a
/// 404 `NoSuchBucket`: the Go SDK's `IsBucketExist` and Java's `doesBucketExist` send
/// `GET /?acl` and take any other error for "exists".
#[tokio::test]
async fn acl_reads_answer_and_missing_buckets_are_404() {
    let (emu, c) = with_bucket("acl").await;
    c.send(&PutObject::new("acl", "k", &b"x"[..]))
        .await
        .unwrap();
    for (bucket, key, want, grant) in [
        ("acl", None, 200, Some("private")),
        ("acl", Some("k"), 200, Some("default")),
        ("no-such-bucket", None, 404, None),
        ("acl", Some("missing"), 404, None),
    ] {
        let path = match key {
            Some(k) => format!("/{bucket}/{k}?acl"),
            None => format!("/{bucket}/?acl"),
        };
        let mut req = http::Request::get(format!("{}{path}", emu.endpoint()))
            .body(Bytes::new())
            .unwrap();
        let ctx = oss_sse_core::SigningContext::new(emu.region()).resource(Some(bucket), key);
        oss_sse_core::Signer::new(SignatureVersion::V4)
            .sign(&mut req, emu.credentials(), &ctx, now())
            .unwrap();
        let r = send_raw(req).await;
        assert_eq!(r.status, want, "{path}: {}", r.doc());
        match grant {
            Some(g) => assert!(
                r.doc().contains(&format!("<Grant>{g}</Grant>")),
                "{}",
                r.doc()
            ),
            None => assert!(r.code().starts_with("NoSuch"), "{}", r.doc()),
        }
    }
    emu.shutdown().await;
}
