//! Signing of the listing and part-copy requests, against the strings in
//! `oss-listing-copy.md` §1.2 (taken from the official SDKs and their tests): which query
//! parameters are V1 sub-resources, and the exact V4 canonical query.

use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;
use http::Request;
use oss_sse_core::ops::{ListMultipartUploads, ListObjectsV2, UploadPartCopy};
use oss_sse_core::sign::verify::{RequestToVerify, verify};
use oss_sse_core::sign::{SignatureParts, SignatureVersion, Signer, SigningContext};
use oss_sse_core::{AddressingStyle, Config, Credentials, Operation};
use pretty_assertions::assert_eq;

const REGION: &str = "cn-hangzhou";
const BUCKET: &str = "examplebucket";

fn creds() -> Credentials {
    Credentials::new("LTAI5tListingTest", "listing-secret")
}

fn config() -> Config {
    Config::builder(REGION)
        .addressing_style(AddressingStyle::VirtualHosted)
        .build()
        .unwrap()
}

fn at() -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_717_332_000)
}

/// Signs `req` and checks the verifier accepts it; returns the signer's stages.
fn sign(req: &mut Request<Bytes>, v: SignatureVersion, key: Option<&str>) -> SignatureParts {
    let c = creds();
    let ctx = SigningContext::new(REGION).resource(Some(BUCKET), key);
    let parts = Signer::new(v).sign_with_parts(req, &c, &ctx, at()).unwrap();
    let rv = RequestToVerify {
        method: req.method().as_str(),
        raw_query: req.uri().query(),
        headers: req.headers(),
        bucket: Some(BUCKET),
        key,
    };
    verify(&rv, REGION, "oss", at(), |_| Some(c.clone())).expect("the verifier accepts it");
    parts
}

/// V4: the canonical query is the canonical request's third line.
fn canonical_query(parts: &SignatureParts) -> String {
    let cr = parts
        .canonical_request
        .as_deref()
        .expect("a V4 canonical request");
    cr.lines().nth(2).unwrap().to_owned()
}

/// V1: the canonicalized resource is the string to sign's last line.
fn v1_resource(parts: &SignatureParts) -> String {
    parts.string_to_sign.lines().last().unwrap().to_owned()
}

fn raw(query: &str) -> Request<Bytes> {
    Request::get(format!(
        "https://{BUCKET}.oss-{REGION}.aliyuncs.com/?{query}"
    ))
    .body(Bytes::new())
    .unwrap()
}

#[test]
fn v4_go_sdk_listing_query() {
    // go-v2's client_mock_bucket_basic_test.go asserts this sorted query.
    let mut req = ListObjectsV2::new(BUCKET)
        .with_prefix("a/")
        .with_delimiter("/")
        .with_start_after("b")
        .with_max_keys(3)
        .with_fetch_owner(true)
        .to_request(&config())
        .unwrap();
    let parts = sign(&mut req, SignatureVersion::V4, None);
    assert_eq!(
        canonical_query(&parts),
        "delimiter=%2F&encoding-type=url&fetch-owner=true&list-type=2&max-keys=3&prefix=a%2F&start-after=b"
    );
}

#[test]
fn v4_oss2_first_page_query() {
    // oss2 sends every parameter, empty ones bare.
    let mut req = raw(
        "list-type=2&prefix=&delimiter=&continuation-token=&start-after=&fetch-owner=false&encoding-type=url&max-keys=100",
    );
    let parts = sign(&mut req, SignatureVersion::V4, None);
    assert_eq!(
        canonical_query(&parts),
        "continuation-token&delimiter&encoding-type=url&fetch-owner=false&list-type=2&max-keys=100&prefix&start-after"
    );
}

#[test]
fn v1_continuation_token_is_the_only_listing_subresource() {
    // oss2's first page: the empty token is on the wire, so it is signed bare.
    let mut req = raw(
        "list-type=2&prefix=&delimiter=&continuation-token=&start-after=&fetch-owner=false&encoding-type=url&max-keys=100",
    );
    let parts = sign(&mut req, SignatureVersion::V1, None);
    assert_eq!(
        v1_resource(&parts),
        format!("/{BUCKET}/?continuation-token")
    );

    // go-v2 / Java and this SDK's first page: no token, no sub-resource.
    let mut req = ListObjectsV2::new(BUCKET)
        .with_prefix("a/")
        .with_delimiter("/")
        .with_max_keys(3)
        .to_request(&config())
        .unwrap();
    let parts = sign(&mut req, SignatureVersion::V1, None);
    assert_eq!(v1_resource(&parts), format!("/{BUCKET}/"));

    // A later page: the token, decoded, is signed.
    let mut req = ListObjectsV2::new(BUCKET)
        .with_continuation_token("AQAAAGEvYiBj+/=")
        .to_request(&config())
        .unwrap();
    let parts = sign(&mut req, SignatureVersion::V1, None);
    assert_eq!(
        v1_resource(&parts),
        format!("/{BUCKET}/?continuation-token=AQAAAGEvYiBj+/=")
    );
}

#[test]
fn v1_multipart_listing_and_part_copy_resources() {
    let mut req = ListMultipartUploads::new(BUCKET)
        .with_prefix("p/")
        .with_key_marker("k")
        .with_upload_id_marker("u")
        .with_max_uploads(10)
        .to_request(&config())
        .unwrap();
    let parts = sign(&mut req, SignatureVersion::V1, None);
    assert_eq!(v1_resource(&parts), format!("/{BUCKET}/?uploads"));

    let mut req = UploadPartCopy::new(BUCKET, "dst key", "UPLOAD1", 3, "srcbucket", "a+b/c d%")
        .with_source_range(0, 99)
        .to_request(&config())
        .unwrap();
    let parts = sign(&mut req, SignatureVersion::V1, Some("dst key"));
    assert_eq!(
        v1_resource(&parts),
        format!("/{BUCKET}/dst key?partNumber=3&uploadId=UPLOAD1")
    );
    // The copy source is an x-oss- header, so it is signed in V1.
    let copy_source = req.headers()["x-oss-copy-source"].to_str().unwrap();
    // As go-v2 and py-v2 encode it: `/` literal, every other reserved byte escaped.
    assert_eq!(copy_source, "/srcbucket/a%2Bb/c%20d%25");
    assert!(
        parts
            .string_to_sign
            .contains(&format!("x-oss-copy-source:{copy_source}\n"))
    );

    let mut req = UploadPartCopy::new(BUCKET, "k", "UPLOAD1", 3, "srcbucket", "s")
        .to_request(&config())
        .unwrap();
    let parts = sign(&mut req, SignatureVersion::V4, Some("k"));
    assert_eq!(canonical_query(&parts), "partNumber=3&uploadId=UPLOAD1");
}
