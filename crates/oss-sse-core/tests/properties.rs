//! Property tests: building, signing and verifying never panic and agree with each other;
//! every response parser survives arbitrary input; XML request bodies round-trip through the
//! server-side readers; CRC-64 combination matches concatenation.
//!
//! Case counts are kept small so the file runs in a few seconds in a debug build; raise them
//! with `PROPTEST_CASES=10000 cargo test -p oss-sse-core --test properties`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http::{Request, Response};
use oss_sse_core::crc::{Crc64, crc64, crc64_combine};
use oss_sse_core::encode::decode_path;
use oss_sse_core::ops::{
    AbortMultipartUpload, AppendObject, CompleteMultipartUpload, CompletedPart, CopyObject,
    DeleteBucket, DeleteBucketEncryption, DeleteObject, DeleteObjectTagging, GetBucketEncryption,
    GetBucketInfo, GetObject, GetObjectTagging, HeadObject, InitiateMultipartUpload,
    ListMultipartUploads, ListObjectsV2, ListParts, MetadataDirective, PutBucket,
    PutBucketEncryption, PutObject, PutObjectTagging, TaggingDirective, UploadPart, UploadPartCopy,
    parse_error,
};
use oss_sse_core::sign::verify::{self, RequestToVerify, VerifyError};
use oss_sse_core::sse::{DataEncryption, SseAlgorithm};
use oss_sse_core::{
    AddressingStyle, Config, Credentials, Error, Operation, ServerSideEncryption,
    ServerSideEncryptionRule, SignatureVersion, Signer, StreamingOperation, validate, wire,
};
use proptest::prelude::*;

const AK: &str = "LTAI5tTestAccessKeyId00";
const SK: &str = "TestSecret/0123456789+abcdefghijKLMN=";
const TOKEN: &str = "CAIS+sts/token==with&special?chars";
const REGION: &str = "cn-hangzhou";
const BUCKET: &str = "examplebucket";

fn cases(n: u32) -> ProptestConfig {
    let default = ProptestConfig::default();
    // proptest's built-in default is 256 cases; anything else came from PROPTEST_CASES,
    // which then wins over this file's modest counts.
    let cases = if default.cases == 256 {
        n
    } else {
        default.cases
    };
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..default
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

/// Characters that stress URL encoding, validation and canonicalisation.
fn tricky_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::char::range('a', 'z'),
        3 => any::<char>(),
        3 => prop::sample::select(vec![
            '/', '?', '%', '+', ' ', '&', '=', '#', '~', '.', '-', '_', '*', '\'', '"', '\\',
            ';', ':', ',', '<', '>', '[', ']', '{', '}', '@', '!', '$', '\t', '\r', '\n', '\0',
            '\u{7f}', '\u{e9}', '\u{4e2d}', '\u{1f600}', '\u{fffd}', '\u{200b}',
        ]),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::collection::vec(tricky_char(), 0..40).prop_map(String::from_iter),
        1 => (1015usize..1030).prop_map(|n| "k".repeat(n)),
        1 => (500usize..520).prop_map(|n| "\u{e9}".repeat(n)),
        1 => Just("//a///b//".to_owned()),
    ]
}

/// Header-ish values: mostly printable ASCII, sometimes with controls and non-ASCII.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[ -~]{0,24}",
        2 => prop::collection::vec(tricky_char(), 0..16).prop_map(String::from_iter),
        1 => "[ \t]{0,2}[!-~]{1,8}[ \t]{0,2}",
    ]
}

fn meta_name() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[A-Za-z0-9_.-]{1,10}",
        1 => "[!#$%&'*+.^_`|~A-Z0-9-]{1,6}",
        1 => prop::collection::vec(tricky_char(), 0..6).prop_map(String::from_iter),
    ]
}

fn sse() -> impl Strategy<Value = Option<ServerSideEncryption>> {
    prop_oneof![
        3 => Just(None),
        1 => Just(Some(ServerSideEncryption::aes256())),
        1 => Just(Some(ServerSideEncryption::sm4())),
        1 => Just(Some(ServerSideEncryption::kms())),
        2 => value().prop_map(|k| Some(ServerSideEncryption::kms().with_key_id(k))),
        1 => value().prop_map(|k| Some(
            ServerSideEncryption::kms().with_key_id(k).with_data_encryption(DataEncryption::Sm4)
        )),
        // Invalid combinations: must be refused at build time.
        1 => Just(Some(ServerSideEncryption::aes256().with_key_id("cmk-1"))),
        1 => Just(Some(ServerSideEncryption::new(SseAlgorithm::Unknown("DES".into())))),
    ]
}

/// Raw header bytes that `HeaderValue` accepts, including obs-text (0x80..=0xff).
fn raw_header_value() -> impl Strategy<Value = HeaderValue> {
    prop::collection::vec(
        prop_oneof![
            4 => 0x20u8..0x7f,
            1 => Just(b'\t'),
            1 => 0x80u8..=0xff,
        ],
        0..24,
    )
    .prop_map(|b| HeaderValue::from_bytes(&b).expect("visible ASCII, tab and obs-text"))
}

#[derive(Debug, Clone)]
struct ObjectInput {
    key: String,
    content_type: Option<String>,
    metadata: Vec<(String, String)>,
    sse: Option<ServerSideEncryption>,
    raw_meta: Option<HeaderValue>,
    body: Vec<u8>,
}

fn object_input() -> impl Strategy<Value = ObjectInput> {
    (
        key(),
        prop::option::of(value()),
        prop::collection::vec((meta_name(), value()), 0..3),
        sse(),
        prop::option::of(raw_header_value()),
        prop::collection::vec(any::<u8>(), 0..16),
    )
        .prop_map(
            |(key, content_type, metadata, sse, raw_meta, body)| ObjectInput {
                key,
                content_type,
                metadata,
                sse,
                raw_meta,
                body,
            },
        )
}

fn version() -> impl Strategy<Value = SignatureVersion> {
    prop_oneof![Just(SignatureVersion::V4), Just(SignatureVersion::V1)]
}

fn config(path_style: bool) -> Config {
    let b = Config::builder(REGION);
    let b = if path_style {
        b.addressing_style(AddressingStyle::Path)
    } else {
        b
    };
    b.build().unwrap()
}

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

// ---------------------------------------------------------------------------------------------
// Build → sign → verify
// ---------------------------------------------------------------------------------------------

/// Fields a rejected object request may name.
const OBJECT_FIELDS: &[&str] = &[
    "key",
    "content_type",
    "metadata",
    "server_side_encryption",
    "server_side_encryption_key_id",
    "server_side_data_encryption",
];

/// Bucket and decoded key as a server would recover them from the URL.
fn resource_from_url(req: &Request<Bytes>, path_style: bool) -> (String, Option<String>) {
    let path = req.uri().path();
    if path_style {
        let rest = path.strip_prefix('/').unwrap();
        let (b, k) = rest.split_once('/').unwrap();
        (
            b.to_owned(),
            (!k.is_empty()).then(|| decode_path(k).into_owned()),
        )
    } else {
        let host = req.uri().host().unwrap();
        let b = host.split('.').next().unwrap();
        let k = &path[1..];
        (
            b.to_owned(),
            (!k.is_empty()).then(|| decode_path(k).into_owned()),
        )
    }
}

fn lookup(creds: &Credentials) -> impl Fn(&str) -> Option<Credentials> + '_ {
    move |ak: &str| (ak == creds.access_key_id()).then(|| creds.clone())
}

fn check_signed(
    req: &Request<Bytes>,
    path_style: bool,
    creds: &Credentials,
    v: SignatureVersion,
    now: SystemTime,
) -> Result<(), TestCaseError> {
    let (bucket, key) = resource_from_url(req, path_style);
    let rtv = RequestToVerify {
        method: req.method().as_str(),
        raw_query: req.uri().query(),
        headers: req.headers(),
        bucket: Some(&bucket),
        key: key.as_deref(),
    };
    let ok = verify::verify(&rtv, REGION, "oss", now, lookup(creds))
        .map_err(|e| TestCaseError::fail(format!("verify failed: {e:?} for {req:?}")))?;
    prop_assert_eq!(ok.version, v);
    prop_assert!(!ok.presigned);
    prop_assert_eq!(ok.access_key_id, AK);
    // A different secret must not verify.
    let wrong = Credentials::new(AK, "another-secret");
    let wrong = match creds.security_token() {
        Some(t) => wrong.with_security_token(t),
        None => wrong,
    };
    let r = verify::verify(&rtv, REGION, "oss", now, lookup(&wrong));
    prop_assert!(
        matches!(r, Err(VerifyError::SignatureDoesNotMatch { .. })),
        "{:?}",
        r
    );
    Ok(())
}

fn check_presigned(
    unsigned: &Request<Bytes>,
    path_style: bool,
    creds: &Credentials,
    signer: &Signer,
    t: SystemTime,
) -> Result<(), TestCaseError> {
    let p = signer
        .presign_operation_request(unsigned, creds, REGION, "oss", t, Duration::from_secs(900))
        .map_err(|e| TestCaseError::fail(format!("presign failed: {e}")))?;
    let mut b = Request::builder().method(p.method.clone()).uri(&p.url);
    for (n, v) in &p.signed_headers {
        b = b.header(n, v);
    }
    let req = b.body(Bytes::new()).unwrap();
    let (bucket, key) = resource_from_url(&req, path_style);
    let (_, want_key) = resource_from_url(unsigned, path_style);
    prop_assert_eq!(&key, &want_key);
    let rtv = RequestToVerify {
        method: req.method().as_str(),
        raw_query: req.uri().query(),
        headers: req.headers(),
        bucket: Some(&bucket),
        key: key.as_deref(),
    };
    let ok = verify::verify(
        &rtv,
        REGION,
        "oss",
        t + Duration::from_secs(60),
        lookup(creds),
    )
    .map_err(|e| TestCaseError::fail(format!("presigned verify failed: {e:?} for {}", p.url)))?;
    prop_assert!(ok.presigned);
    prop_assert_eq!(ok.version, signer.version());
    Ok(())
}

proptest! {
    #![proptest_config(cases(128))]

    /// Arbitrary keys, content types, metadata and SSE into PutObject: either a build error
    /// naming a field, or a request whose URL decodes back to the key and whose V1/V4
    /// signature (header and presigned) the verifier accepts.
    #[test]
    fn put_object_build_sign_verify(
        input in object_input(),
        v in version(),
        sts in any::<bool>(),
        path_style in any::<bool>(),
        secs in 1_500_000_000u64..2_000_000_000,
    ) {
        let mut op = PutObject::new(BUCKET, input.key.clone(), input.body.clone());
        if let Some(ct) = &input.content_type {
            op = op.with_content_type(ct.clone());
        }
        for (n, val) in &input.metadata {
            op = op.with_metadata(n.clone(), val.clone());
        }
        if let Some(s) = &input.sse {
            op = op.with_server_side_encryption(s.clone());
        }
        let cfg = config(path_style);
        let mut req = match op.to_request(&cfg) {
            Err(Error::Build(e)) => {
                prop_assert!(OBJECT_FIELDS.contains(&e.field()), "{}", e);
                if validate::object_key(&input.key).is_err() {
                    prop_assert_eq!(e.field(), "key");
                }
                return Ok(());
            }
            Err(e) => return Err(TestCaseError::fail(format!("not a build error: {e:?}"))),
            Ok(r) => r,
        };
        prop_assert!(validate::object_key(&input.key).is_ok());
        let (bucket, key) = resource_from_url(&req, path_style);
        prop_assert_eq!(bucket, BUCKET);
        prop_assert_eq!(key.as_deref(), Some(input.key.as_str()));
        if let Some(raw) = input.raw_meta {
            req.headers_mut().insert(HeaderName::from_static("x-oss-meta-raw"), raw);
        }
        let creds = if sts {
            Credentials::new(AK, SK).with_security_token(TOKEN)
        } else {
            Credentials::new(AK, SK)
        };
        let t = at(secs);
        let signer = Signer::new(v);
        let unsigned = req.clone();
        let before = req.headers().clone();
        signer
            .sign_operation_request(&mut req, &creds, REGION, "oss", t)
            .map_err(|e| TestCaseError::fail(format!("sign failed: {e}")))?;
        // Signing only adds headers.
        for (n, val) in &before {
            prop_assert!(req.headers().get_all(n).iter().any(|x| x == val));
        }
        check_signed(&req, path_style, &creds, v, t)?;
        // Signing again later with the same signer (warm key cache) verifies too.
        let t2 = t + Duration::from_secs(86_400);
        let mut again = unsigned.clone();
        signer
            .sign_operation_request(&mut again, &creds, REGION, "oss", t2)
            .map_err(|e| TestCaseError::fail(format!("sign failed: {e}")))?;
        check_signed(&again, path_style, &creds, v, t2)?;
        check_presigned(&unsigned, path_style, &creds, &signer, t)?;
    }

    /// The other object and multipart operations, with arbitrary keys and ids.
    #[test]
    fn every_operation_builds_signs_and_verifies(
        key in key(),
        id in value(),
        n in prop_oneof![Just(0u32), Just(1), Just(10_000), Just(10_001), any::<u32>()],
        v in version(),
        path_style in any::<bool>(),
    ) {
        let cfg = config(path_style);
        let built: Vec<Result<Request<Bytes>, Error>> = vec![
            GetObject::new(BUCKET, key.clone()).with_version_id(id.clone()).to_request(&cfg),
            GetObject::new(BUCKET, key.clone()).with_range(u64::from(n), Some(u64::from(n) + 9)).to_request(&cfg),
            HeadObject::new(BUCKET, key.clone()).with_version_id(id.clone()).to_request(&cfg),
            DeleteObject::new(BUCKET, key.clone()).with_version_id(id.clone()).to_request(&cfg),
            AppendObject::new(BUCKET, key.clone(), u64::from(n), "x").to_request(&cfg),
            CopyObject::new("srcbucket", key.clone(), BUCKET, key.clone())
                .with_source_version_id(id.clone())
                .with_metadata_directive(MetadataDirective::Replace)
                .with_metadata("m", id.clone())
                .to_request(&cfg),
            InitiateMultipartUpload::new(BUCKET, key.clone()).to_request(&cfg),
            UploadPart::new(BUCKET, key.clone(), id.clone(), n, "p").to_request(&cfg),
            CompleteMultipartUpload::new(BUCKET, key.clone(), id.clone(), vec![CompletedPart::new(n, id.clone())]).to_request(&cfg),
            AbortMultipartUpload::new(BUCKET, key.clone(), id.clone()).to_request(&cfg),
            ListParts::new(BUCKET, key.clone(), id.clone()).with_max_parts(n).with_part_number_marker(n).to_request(&cfg),
            PutBucket::new(BUCKET).with_acl(id.clone()).to_request(&cfg),
            DeleteBucket::new(BUCKET).to_request(&cfg),
            GetBucketInfo::new(BUCKET).to_request(&cfg),
            GetBucketEncryption::new(BUCKET).to_request(&cfg),
            DeleteBucketEncryption::new(BUCKET).to_request(&cfg),
            PutBucketEncryption::new(BUCKET, ServerSideEncryptionRule::kms().with_kms_master_key_id(id.clone())).to_request(&cfg),
            ListObjectsV2::new(BUCKET)
                .with_prefix(key.clone())
                .with_delimiter(id.clone())
                .with_start_after(key.clone())
                .with_continuation_token(id.clone())
                .with_max_keys(n)
                .with_fetch_owner(true)
                .to_request(&cfg),
            ListMultipartUploads::new(BUCKET)
                .with_prefix(key.clone())
                .with_key_marker(key.clone())
                .with_upload_id_marker(id.clone())
                .with_max_uploads(n)
                .to_request(&cfg),
            UploadPartCopy::new(BUCKET, key.clone(), id.clone(), n, "srcbucket", key.clone())
                .with_source_range(u64::from(n), u64::from(n) + 9)
                .with_source_version_id(id.clone())
                .with_copy_source_if_match(id.clone())
                .to_request(&cfg),
            CopyObject::new("srcbucket", key.clone(), BUCKET, key.clone())
                .with_tagging_directive(TaggingDirective::Replace)
                .with_tag(id.clone(), key.clone())
                .with_copy_source_if_none_match(id.clone())
                .to_request(&cfg),
            PutObjectTagging::new(BUCKET, key.clone(), vec![(id.clone(), key.clone())]).to_request(&cfg),
            GetObjectTagging::new(BUCKET, key.clone()).with_version_id(id).to_request(&cfg),
            DeleteObjectTagging::new(BUCKET, key).to_request(&cfg),
        ];
        let creds = Credentials::new(AK, SK);
        let t = at(1_717_332_000);
        let signer = Signer::new(v);
        for r in built {
            let mut req = match r {
                Ok(req) => req,
                Err(Error::Build(e)) => {
                    prop_assert!(!e.reason().is_empty());
                    continue;
                }
                Err(e) => return Err(TestCaseError::fail(format!("not a build error: {e:?}"))),
            };
            let unsigned = req.clone();
            signer
                .sign_operation_request(&mut req, &creds, REGION, "oss", t)
                .map_err(|e| TestCaseError::fail(format!("sign failed: {e}")))?;
            check_signed(&req, path_style, &creds, v, t)?;
            check_presigned(&unsigned, path_style, &creds, &signer, t)?;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Parsers never panic
// ---------------------------------------------------------------------------------------------

/// Pieces of OSS XML, to be glued together at random.
const XML_BITS: &[&str] = &[
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
    "<Error>",
    "</Error>",
    "<Error/>",
    "<Code>",
    "</Code>",
    "NoSuchKey",
    "NoSuchServerSideEncryptionRule",
    "<Message>",
    "</Message>",
    "<RequestId>",
    "</RequestId>",
    "<EC>",
    "</EC>",
    "<ServerTime>",
    "</ServerTime>",
    "2025-04-10T10:00:57.000Z",
    "<ServerSideEncryptionRule>",
    "</ServerSideEncryptionRule>",
    "<ApplyServerSideEncryptionByDefault>",
    "</ApplyServerSideEncryptionByDefault>",
    "<SSEAlgorithm>",
    "</SSEAlgorithm>",
    "KMS",
    "AES256",
    "None",
    "<KMSMasterKeyID>",
    "</KMSMasterKeyID>",
    "<KMSMasterKeyID/>",
    "<KMSDataEncryption>",
    "</KMSDataEncryption>",
    "SM4",
    "<BucketInfo>",
    "</BucketInfo>",
    "<Bucket>",
    "</Bucket>",
    "<Name>",
    "</Name>",
    "<ListPartsResult>",
    "</ListPartsResult>",
    "<CompleteMultipartUpload>",
    "</CompleteMultipartUpload>",
    "<InitiateMultipartUploadResult>",
    "</InitiateMultipartUploadResult>",
    "<CopyObjectResult>",
    "</CopyObjectResult>",
    "<UploadId>",
    "</UploadId>",
    "<Part>",
    "</Part>",
    "<PartNumber>",
    "</PartNumber>",
    "<ETag>",
    "</ETag>",
    "<Size>",
    "</Size>",
    "<HashCrc64ecma>",
    "</HashCrc64ecma>",
    "<IsTruncated>",
    "</IsTruncated>",
    "<NextPartNumberMarker>",
    "</NextPartNumberMarker>",
    "<MaxParts>",
    "</MaxParts>",
    "true",
    "1",
    "0",
    "-1",
    "4294967296",
    "18446744073709551616",
    "\"etag\"",
    "&quot;",
    "&amp;",
    "&lt;",
    "&#x41;",
    "&#0;",
    "&bogus;",
    "&",
    "<",
    ">",
    "<![CDATA[",
    "]]>",
    "<!-- c -->",
    "<!DOCTYPE x>",
    " ",
    "\n",
    "\u{e9}",
    "\u{feff}",
];

fn xmlish() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::collection::vec(prop::sample::select(XML_BITS), 0..40)
            .prop_map(|v| v.concat().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..200),
        1 => "[ -~]{0,64}".prop_map(String::into_bytes),
    ]
}

const RESPONSE_HEADERS: &[&str] = &[
    "x-oss-request-id",
    "x-oss-ec",
    "x-oss-hash-crc64ecma",
    "x-oss-next-append-position",
    "x-oss-server-side-encryption",
    "x-oss-server-side-encryption-key-id",
    "x-oss-server-side-data-encryption",
    "x-oss-version-id",
    "x-oss-object-type",
    "x-oss-meta-a",
    "content-length",
    "content-range",
    "content-type",
    "etag",
    "last-modified",
];

fn header_pair() -> impl Strategy<Value = (&'static str, HeaderValue)> {
    (
        prop::sample::select(RESPONSE_HEADERS),
        prop_oneof![
            2 => raw_header_value(),
            1 => prop_oneof![
                Just("0"), Just("18446744073709551615"), Just("18446744073709551616"),
                Just("-5"), Just(" 42 "), Just("KMS"), Just("AES256"), Just("SM4"), Just(""),
            ].prop_map(HeaderValue::from_static),
        ],
    )
}

/// `x-oss-err`: base64 of XML-ish bytes, or junk.
fn x_oss_err() -> impl Strategy<Value = Option<HeaderValue>> {
    prop_oneof![
        2 => Just(None),
        2 => xmlish().prop_map(|b| Some(
            HeaderValue::from_str(&oss_sse_core::crypto::base64_encode(&b)).unwrap()
        )),
        1 => raw_header_value().prop_map(Some),
    ]
}

fn response(
    status: u16,
    body: &[u8],
    headers: &[(&'static str, HeaderValue)],
    err: Option<&HeaderValue>,
) -> Response<Bytes> {
    let mut b = Response::builder().status(status);
    for (n, v) in headers {
        b = b.header(*n, v.clone());
    }
    if let Some(e) = err {
        b = b.header("x-oss-err", e.clone());
    }
    b.body(Bytes::copy_from_slice(body)).unwrap()
}

/// Runs `op.from_response` and checks the outcome's kind against the status.
fn parse_with<O: Operation>(op: &O, status: u16, resp: Response<Bytes>) -> Result<(), TestCaseError>
where
    O::Output: std::fmt::Debug,
{
    let r = op.from_response(resp);
    if (200..300).contains(&status) {
        prop_assert!(
            matches!(r, Ok(_) | Err(Error::Parse(_))),
            "{} {}: {:?}",
            O::NAME,
            status,
            r
        );
        if let Err(e) = &r {
            prop_assert!(!e.to_string().is_empty());
        }
    } else {
        match r {
            Err(Error::Service(e)) => {
                prop_assert_eq!(e.status().as_u16(), status);
                prop_assert!(!e.code().is_empty());
                let shown = e.to_string();
                let prefix = format!("OSS error {status} ");
                prop_assert!(shown.starts_with(&prefix), "{}", shown);
                let _ = (e.kind(), e.is_retryable(), e.server_time(), e.fields());
            }
            Ok(ref out) if O::NAME == "GetBucketEncryption" => {
                prop_assert_eq!(status, 404, "{:?}", out);
            }
            other => {
                return Err(TestCaseError::fail(format!(
                    "{} {status}: expected a service error, got {other:?}",
                    O::NAME
                )));
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(cases(192))]

    /// Arbitrary bodies and headers into every operation's parser.
    #[test]
    fn every_parser_survives_arbitrary_responses(
        status in prop::sample::select(vec![200u16, 206, 204, 404, 500, 403, 409, 304]),
        body in xmlish(),
        headers in prop::collection::vec(header_pair(), 0..6),
        err in x_oss_err(),
    ) {
        let resp = || response(status, &body, &headers, err.as_ref());
        parse_with(&PutBucket::new(BUCKET), status, resp())?;
        parse_with(&DeleteBucket::new(BUCKET), status, resp())?;
        parse_with(&GetBucketInfo::new(BUCKET), status, resp())?;
        parse_with(&PutBucketEncryption::new(BUCKET, ServerSideEncryptionRule::aes256()), status, resp())?;
        parse_with(&GetBucketEncryption::new(BUCKET), status, resp())?;
        parse_with(&DeleteBucketEncryption::new(BUCKET), status, resp())?;
        parse_with(&PutObject::new(BUCKET, "k", "x"), status, resp())?;
        parse_with(&AppendObject::new(BUCKET, "k", 0, "x"), status, resp())?;
        parse_with(&GetObject::new(BUCKET, "k"), status, resp())?;
        parse_with(&HeadObject::new(BUCKET, "k"), status, resp())?;
        parse_with(&DeleteObject::new(BUCKET, "k"), status, resp())?;
        parse_with(&CopyObject::new("srcbucket", "s", BUCKET, "k"), status, resp())?;
        parse_with(&InitiateMultipartUpload::new(BUCKET, "k"), status, resp())?;
        parse_with(&UploadPart::new(BUCKET, "k", "u", 1, "x"), status, resp())?;
        parse_with(&CompleteMultipartUpload::new(BUCKET, "k", "u", vec![]), status, resp())?;
        parse_with(&AbortMultipartUpload::new(BUCKET, "k", "u"), status, resp())?;
        parse_with(&ListParts::new(BUCKET, "k", "u"), status, resp())?;
        parse_with(&ListObjectsV2::new(BUCKET), status, resp())?;
        parse_with(&ListMultipartUploads::new(BUCKET), status, resp())?;
        parse_with(&UploadPartCopy::new(BUCKET, "k", "u", 1, "s", "k"), status, resp())?;
        parse_with(&PutObjectTagging::new(BUCKET, "k", vec![]), status, resp())?;
        parse_with(&GetObjectTagging::new(BUCKET, "k"), status, resp())?;
        parse_with(&DeleteObjectTagging::new(BUCKET, "k"), status, resp())?;

        let (head, _) = resp().into_parts();
        let r = GetObject::new(BUCKET, "k").from_response_head(&head);
        if (200..300).contains(&status) {
            prop_assert!(matches!(r, Ok(_) | Err(Error::Parse(_))), "{:?}", r);
        } else {
            prop_assert!(matches!(r, Err(Error::Service(_))), "{:?}", r);
        }
    }

    /// `parse_error` on any head and body yields a service error with a code.
    #[test]
    fn parse_error_always_yields_a_coded_service_error(
        status in 100u16..600,
        body in xmlish(),
        headers in prop::collection::vec(header_pair(), 0..4),
        err in x_oss_err(),
    ) {
        let (head, body) = response(status, &body, &headers, err.as_ref()).into_parts();
        match parse_error(&head, &body) {
            Error::Service(e) => {
                prop_assert_eq!(e.status().as_u16(), status);
                prop_assert!(!e.code().is_empty());
                // The snippet is at most 256 body bytes (each may become a 3-byte U+FFFD).
                prop_assert!(e.code() != "BadErrorResponse" || e.message().len() <= 3 * 256 + 64);
                let _ = (e.to_string(), e.kind(), e.is_retryable(), e.server_time());
            }
            other => return Err(TestCaseError::fail(format!("{other:?}"))),
        }
    }

    /// The server-side request readers never panic.
    #[test]
    fn request_readers_survive_arbitrary_xml(body in xmlish()) {
        let _ = wire::parse_rule_request(&body);
        let _ = wire::parse_complete_request(&body);
        let _ = wire::parse_create_bucket_request(&body);
    }
}

// ---------------------------------------------------------------------------------------------
// XML request bodies round-trip through the server-side readers
// ---------------------------------------------------------------------------------------------

/// KMS key ids as a user may type them: printable ASCII without surrounding spaces (inner
/// spaces are refused: no KMS key id has one).
fn key_id() -> impl Strategy<Value = String> {
    "[!-~]([ -~]{0,30}[!-~])?"
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn bucket_encryption_rule_round_trips(
        alg in prop::sample::select(vec![SseAlgorithm::Aes256, SseAlgorithm::Kms, SseAlgorithm::Sm4]),
        id in prop::option::of(key_id()),
        sm4 in any::<bool>(),
    ) {
        let mut rule = ServerSideEncryptionRule::new(alg.clone());
        if let Some(id) = &id {
            rule = rule.with_kms_master_key_id(id.clone());
        }
        if sm4 {
            rule = rule.with_kms_data_encryption(DataEncryption::Sm4);
        }
        match PutBucketEncryption::new(BUCKET, rule.clone()).to_request(&config(false)) {
            Ok(req) => {
                prop_assert!(alg == SseAlgorithm::Kms || (id.is_none() && !sm4));
                prop_assert_eq!(wire::parse_rule_request(req.body()), Ok(Some(rule)));
            }
            Err(Error::Build(e)) => {
                // Key ids are printable ASCII without spaces, and never XML markup.
                let bad_id = id
                    .as_deref()
                    .is_some_and(|i| i.contains('<') || i.contains('&') || i.contains(' '));
                prop_assert!(alg != SseAlgorithm::Kms || bad_id, "{}", e);
            }
            Err(e) => return Err(TestCaseError::fail(format!("{e:?}"))),
        }
    }

    #[test]
    fn complete_multipart_body_round_trips(
        parts in prop::collection::vec((1u32..=10_000, "[ -~]{0,24}"), 1..8),
    ) {
        let list: Vec<CompletedPart> = parts.iter().map(|(n, e)| CompletedPart::new(*n, e.clone())).collect();
        let mut numbers: Vec<u32> = parts.iter().map(|(n, _)| *n).collect();
        numbers.sort_unstable();
        let unique = numbers.windows(2).all(|w| w[0] != w[1]);
        // RFC 9110 entity-tag characters: no spaces or controls (a CR would not survive XML).
        let printable = parts.iter().all(|(_, e)| e.bytes().all(|b| b.is_ascii_graphic()));
        let r = CompleteMultipartUpload::new(BUCKET, "k", "u", list).to_request(&config(false));
        match r {
            Ok(req) => {
                prop_assert!(unique && printable);
                // The ETag is sent quoted, so a server reads it back exactly, without quotes.
                let mut want: Vec<(u32, String)> = parts
                    .iter()
                    .map(|(n, e)| (*n, e.trim_matches('"').to_owned()))
                    .collect();
                want.sort_by_key(|(n, _)| *n);
                prop_assert_eq!(wire::parse_complete_request(req.body()), Ok(want));
            }
            Err(Error::Build(e)) => {
                prop_assert!(!unique || !printable, "{}", e);
                prop_assert_eq!(e.field(), "parts");
            }
            Err(e) => return Err(TestCaseError::fail(format!("{e:?}"))),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// CRC-64
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn crc64_combine_matches_concatenation(
        a in prop::collection::vec(any::<u8>(), 0..1024),
        b in prop::collection::vec(any::<u8>(), 0..1024),
    ) {
        let whole = [a.as_slice(), b.as_slice()].concat();
        prop_assert_eq!(
            crc64_combine(crc64(&a), crc64(&b), b.len() as u64),
            crc64(&whole)
        );
    }

    #[test]
    fn crc64_streaming_matches_one_shot(
        data in prop::collection::vec(any::<u8>(), 0..4096),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(data.len() + 1)).collect();
        points.sort_unstable();
        let mut c = Crc64::new();
        let mut combined = 0u64;
        let mut last = 0;
        for p in points.into_iter().chain(std::iter::once(data.len())) {
            let chunk = &data[last..p];
            c.update(chunk);
            combined = crc64_combine(combined, crc64(chunk), chunk.len() as u64);
            last = p;
        }
        prop_assert_eq!(c.value(), crc64(&data));
        prop_assert_eq!(combined, crc64(&data));
        prop_assert_eq!(c.len(), data.len() as u64);
        prop_assert_eq!(c.is_empty(), data.is_empty());
    }
}

// ---------------------------------------------------------------------------------------------
// Extreme times and expiries (D14 of docs/reliability.md)
// ---------------------------------------------------------------------------------------------

/// A signing time anywhere a `SystemTime` can be: before 1970, in range, past year 9999,
/// near the end of what the type holds.
fn extreme_time() -> impl Strategy<Value = SystemTime> {
    prop_oneof![
        (0u64..300_000_000_000).prop_map(|s| UNIX_EPOCH + Duration::from_secs(s)),
        any::<u64>().prop_map(|s| UNIX_EPOCH
            .checked_add(Duration::from_secs(s))
            .unwrap_or(UNIX_EPOCH)),
        any::<u32>().prop_map(|s| UNIX_EPOCH - Duration::from_secs(u64::from(s))),
        Just(UNIX_EPOCH + Duration::from_secs(253_402_300_799)),
        Just(UNIX_EPOCH + Duration::from_secs(253_402_300_800)),
    ]
}

fn extreme_expiry() -> impl Strategy<Value = Duration> {
    prop_oneof![
        (0u64..1_000_000).prop_map(Duration::from_secs),
        any::<u64>().prop_map(Duration::from_secs),
        Just(Duration::MAX),
        Just(Duration::from_secs(i64::MAX as u64)),
        (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
    ]
}

proptest! {
    #![proptest_config(cases(512))]

    /// No time or expiry makes either signer panic (no unchecked arithmetic on them): a
    /// signing time the wire cannot carry is a sign error, an expiry past year 9999 a build
    /// error naming `expires`, and whatever is accepted verifies.
    #[test]
    fn extreme_times_and_expiries_never_panic(
        v in version(),
        time in extreme_time(),
        expires in extreme_expiry(),
    ) {
        let creds = Credentials::new(AK, SK);
        let signer = Signer::new(v);
        let req = GetObject::new(BUCKET, "k").to_request(&config(false)).unwrap();
        let in_range = time
            .duration_since(UNIX_EPOCH)
            .is_ok_and(|d| d.as_secs() <= 253_402_300_799);
        let mut signed = req.clone();
        let r = signer.sign_operation_request(&mut signed, &creds, REGION, "oss", time);
        prop_assert_eq!(r.is_ok(), in_range, "header signing at {:?}", time);
        if let Err(e) = r {
            prop_assert!(matches!(e, Error::Sign(_)), "{e}");
            prop_assert!(signed.headers().get("authorization").is_none(), "unchanged on error");
        }
        match signer.presign_operation_request(&req, &creds, REGION, "oss", time, expires) {
            Ok(p) => {
                prop_assert!(in_range);
                prop_assert!(p.expiration >= time);
            }
            Err(Error::Build(b)) => prop_assert_eq!(b.field(), "expires"),
            Err(Error::Sign(_)) => prop_assert!(!in_range),
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }
}
