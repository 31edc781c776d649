//! Regressions for the issues the cargo-fuzz targets found (K1–K5 in docs/reliability.md).

use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;
use oss_sse_core::ops::{CompleteMultipartUpload, CompletedPart, GetBucketEncryption, Operation};
use oss_sse_core::sign::verify::{self, RequestToVerify};
use oss_sse_core::sign::{SignatureVersion, Signer, SigningContext};
use oss_sse_core::{Config, Credentials, Error};

fn t() -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_717_332_000)
}

#[test]
fn k1_cr_in_an_etag_is_refused() {
    let op = CompleteMultipartUpload::new("b-1", "k", "u", vec![CompletedPart::new(1, "ab\rcd")]);
    match op.to_request(&Config::new("cn-hangzhou").unwrap()) {
        Err(Error::Build(e)) => assert_eq!(e.field(), "parts"),
        other => panic!("{other:?}"),
    }
}

fn verifies(req: &http::Request<Bytes>, creds: &Credentials, bucket: &str, key: &str) -> bool {
    let rv = RequestToVerify {
        method: req.method().as_str(),
        raw_query: req.uri().query(),
        headers: req.headers(),
        bucket: Some(bucket),
        key: Some(key),
    };
    let c = creds.clone();
    verify::verify(&rv, "cn-hangzhou", "oss", t(), move |ak| {
        (ak == c.access_key_id()).then(|| c.clone())
    })
    .is_ok()
}

#[test]
fn k2_an_empty_query_pair_signs_and_verifies() {
    let creds = Credentials::new("ak", "sk");
    let ctx = SigningContext::new("cn-hangzhou").bucket("b-1").key("k");
    let req = http::Request::get("http://127.0.0.1/b-1/k?=&acl&&")
        .body(Bytes::new())
        .unwrap();
    let (pre, _) = Signer::new(SignatureVersion::V4)
        .presign(&req, &creds, &ctx, t(), Duration::from_secs(60))
        .unwrap();
    let signed = http::Request::get(pre.url.as_str())
        .body(Bytes::new())
        .unwrap();
    assert!(verifies(&signed, &creds, "b-1", "k"), "{}", pre.url);
}

#[test]
fn k3_a_token_that_cannot_be_sent_as_is_is_refused() {
    for bad in [" tok", "tok ", "tök"] {
        let creds = Credentials::new("ak", "sk").with_security_token(bad);
        let mut req = http::Request::get("http://127.0.0.1/b-1/k")
            .body(Bytes::new())
            .unwrap();
        let ctx = SigningContext::new("cn-hangzhou").bucket("b-1").key("k");
        let e = Signer::new(SignatureVersion::V4)
            .sign(&mut req, &creds, &ctx, t())
            .unwrap_err();
        assert!(matches!(e, Error::Sign(_)), "{bad:?}: {e:?}");
        assert!(
            !req.headers().contains_key("authorization"),
            "request unchanged on error"
        );
    }
}

#[test]
fn k4_authorization_is_never_an_additional_header() {
    let creds = Credentials::new("ak", "sk");
    let mut req = http::Request::get("http://127.0.0.1/b-1/k")
        .header("authorization", "stale")
        .body(Bytes::new())
        .unwrap();
    let names = ["authorization"];
    let ctx = SigningContext::new("cn-hangzhou")
        .bucket("b-1")
        .key("k")
        .additional_headers(&names);
    Signer::new(SignatureVersion::V4)
        .sign(&mut req, &creds, &ctx, t())
        .unwrap();
    assert!(
        !req.headers()["authorization"]
            .to_str()
            .unwrap()
            .contains("AdditionalHeaders")
    );
    assert!(verifies(&req, &creds, "b-1", "k"));
}

#[test]
fn k5_a_doctype_in_a_response_is_a_parse_error_not_a_panic() {
    let body = "<ServerSideEncryptionRule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>A<!DOCTYPE x>B</SSEAlgorithm></ApplyServerSideEncryptionByDefault></ServerSideEncryptionRule>";
    let resp = http::Response::builder()
        .status(200)
        .body(Bytes::from(body))
        .unwrap();
    assert!(matches!(
        GetBucketEncryption::new("b-1").from_response(resp),
        Err(Error::Parse(_))
    ));
}

/// Found while optimising the signer: a region or product that cannot go into a header
/// value made header signing panic on building `Authorization`. Now a sign error, and the
/// request is untouched.
#[test]
fn k6_a_region_that_cannot_be_sent_is_refused() {
    let creds = Credentials::new("ak", "sk");
    for (region, product) in [
        ("cn\nhangzhou", "oss"),
        ("cn hangzhou", "oss"),
        ("cn/hangzhou", "oss"),
        ("cn-hangzhou", "o\u{7f}ss"),
        ("华东", "oss"),
    ] {
        let ctx = SigningContext::new(region)
            .product(product)
            .bucket("b-1")
            .key("k");
        let mut req = http::Request::get("http://127.0.0.1/b-1/k")
            .body(Bytes::new())
            .unwrap();
        let before = req.headers().clone();
        match Signer::new(SignatureVersion::V4).sign(&mut req, &creds, &ctx, t()) {
            Err(Error::Sign(e)) => {
                assert!(e.to_string().contains("region") || e.to_string().contains("product"))
            }
            other => panic!("{region:?}/{product:?}: {other:?}"),
        }
        assert_eq!(req.headers(), &before);
        let presigned = Signer::new(SignatureVersion::V4).presign(
            &req,
            &creds,
            &ctx,
            t(),
            Duration::from_secs(60),
        );
        assert!(matches!(presigned, Err(Error::Sign(_))), "{region:?}");
    }
}
