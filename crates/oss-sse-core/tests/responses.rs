//! Response fixtures for every operation (`tests/fixtures/<operation>/<case>.http`, raw HTTP
//! responses: status line, headers, blank line, body), the error documents of oss-wire §3,
//! and each operation's `to_request` output, including the bad input it must refuse.

use std::collections::BTreeSet;
use std::fmt::Debug;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use oss_sse_core::crypto::content_md5;
use oss_sse_core::ops::{
    AbortMultipartUpload, AppendObject, CompleteMultipartUpload, CompletedPart, CopyObject,
    DeleteBucket, DeleteBucketEncryption, DeleteObject, EarlyNext, GetBucketEncryption,
    GetBucketInfo, GetObject, GetObjectTagging, HeadObject, InitiateMultipartUpload,
    ListMultipartUploads, ListObjectsV2, ListParts, MetadataDirective, Paginate, PutBucket,
    PutBucketEncryption, PutObject, PutObjectTagging, UploadPart, UploadPartCopy, parse_error,
};
use oss_sse_core::sse::{DataEncryption, SseAlgorithm};
use oss_sse_core::{
    Config, Error, ObjectType, Operation, ServerSideEncryption, ServerSideEncryptionRule,
    ServiceError, ServiceErrorKind, StorageClass, StreamingOperation,
};
use pretty_assertions::assert_eq;

// ---------------------------------------------------------------------------------------------
// Fixture loading
// ---------------------------------------------------------------------------------------------

/// Every fixture file, embedded at compile time (the crate's clippy config forbids file I/O,
/// and embedding keeps the test independent of the working directory).
macro_rules! fixtures {
    ($($name:literal),* $(,)?) => {
        const FIXTURES: &[(&str, &[u8])] = &[
            $(($name, include_bytes!(concat!("fixtures/", $name, ".http")))),*
        ];
    };
}

fixtures! {
    "abort_multipart_upload/no_such_upload",
    "abort_multipart_upload/ok",
    "append_object/bad_position",
    "append_object/first_kms",
    "append_object/position_not_equal",
    "complete_multipart_upload/invalid_part",
    "complete_multipart_upload/kms",
    "complete_multipart_upload/reordered_empty",
    "copy_object/aes256",
    "copy_object/no_such_source",
    "copy_object/reordered_entity",
    "delete_bucket/bucket_not_empty",
    "delete_bucket/no_such_bucket",
    "delete_bucket/ok",
    "delete_bucket_encryption/ok",
    "delete_object/ok",
    "get_bucket_encryption/aes256",
    "get_bucket_encryption/kms_empty_elements",
    "get_bucket_encryption/kms_key_id",
    "get_bucket_encryption/kms_sm4_reordered",
    "get_bucket_encryption/no_rule",
    "get_bucket_encryption/no_such_bucket",
    "get_bucket_encryption/sm4",
    "get_bucket_encryption/unknown_algorithm",
    "get_bucket_info/kms_sm4",
    "get_bucket_info/no_rule_element",
    "get_bucket_info/reordered_empty",
    "get_bucket_info/signature_does_not_match",
    "get_bucket_info/sse_none",
    "get_object/full",
    "get_object/no_such_key",
    "get_object/proxy_html",
    "get_object/range",
    "head_object/forbidden_bad_x_oss_err",
    "head_object/kms_appendable",
    "head_object/not_found_bare",
    "head_object/not_found_x_oss_err",
    "initiate_multipart_upload/empty_upload_id",
    "initiate_multipart_upload/kms_sm4",
    "initiate_multipart_upload/reordered",
    "initiate_multipart_upload/truncated_xml",
    "list_parts/bad_size",
    "list_parts/empty_elements",
    "list_parts/no_such_upload",
    "list_parts/part_with_empty_elements",
    "list_parts/part_without_number",
    "list_parts/several",
    "list_parts/single",
    "put_bucket/bucket_already_exists",
    "put_bucket/ok",
    "put_bucket_encryption/aes256_with_key_id",
    "put_bucket_encryption/malformed_xml",
    "put_bucket_encryption/ok",
    "put_object/bad_crc",
    "put_object/file_already_exists",
    "put_object/invalid_digest",
    "put_object/no_sse",
    "put_object/request_time_too_skewed",
    "put_object/sse_aes256",
    "put_object/sse_kms_sm4",
    "upload_part/no_such_upload",
    "upload_part/ok",
    "upload_part/sse_header_rejected",
    "copy_object/etag_header_only",
    "get_object_tagging/empty",
    "get_object_tagging/two_tags",
    "list_multipart_uploads/truncated_without_marker",
    "list_multipart_uploads/url_truncated",
    "list_objects_v2/bad_encoding",
    "list_objects_v2/bad_size",
    "list_objects_v2/bad_truncated",
    "list_objects_v2/empty_bucket",
    "list_objects_v2/invalid_token",
    "list_objects_v2/owner_restore_reordered",
    "list_objects_v2/truncated_without_token",
    "list_objects_v2/url_truncated",
    "upload_part_copy/ok",
    "upload_part_copy/precondition_failed",
}

/// Parses a raw HTTP response: `HTTP/1.1 <status> <reason>`, `Name: value` lines, a blank
/// line, then the body verbatim. LF or CRLF line ends.
fn parse_http(name: &str, raw: &[u8]) -> Response<Bytes> {
    let (head, body) = match find(raw, b"\r\n\r\n") {
        Some(i) => (&raw[..i], &raw[i + 4..]),
        None => {
            let i = find(raw, b"\n\n").unwrap_or_else(|| panic!("{name}: no blank line"));
            (&raw[..i], &raw[i + 2..])
        }
    };
    let head = std::str::from_utf8(head).unwrap_or_else(|e| panic!("{name}: head not UTF-8: {e}"));
    let mut lines = head.lines().map(|l| l.trim_end_matches('\r'));
    let status_line = lines.next().unwrap();
    let mut parts = status_line.splitn(3, ' ');
    assert_eq!(parts.next(), Some("HTTP/1.1"), "{name}: status line");
    let status: u16 = parts.next().unwrap().parse().unwrap();
    let mut b = Response::builder().status(status);
    for line in lines {
        let (n, v) = line
            .split_once(':')
            .unwrap_or_else(|| panic!("{name}: bad header line {line:?}"));
        b = b.header(n, v.trim_start());
    }
    let resp = b.body(Bytes::copy_from_slice(body)).unwrap();
    // A fixture with a body must declare its exact length (HEAD responses declare the
    // object's length with no body).
    if !body.is_empty()
        && let Some(len) = resp.headers().get("content-length")
    {
        assert_eq!(
            len.to_str().unwrap().parse::<usize>().unwrap(),
            body.len(),
            "{name}: Content-Length"
        );
    }
    resp
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The fixture `tests/fixtures/<name>.http` as a response.
fn fx(name: &str) -> Response<Bytes> {
    let raw = FIXTURES
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no fixture {name}"))
        .1;
    parse_http(name, raw)
}

#[test]
fn every_fixture_file_is_listed_and_parses() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut on_disk = BTreeSet::new();
    for op in std::fs::read_dir(&dir).unwrap() {
        let op = op.unwrap();
        for case in std::fs::read_dir(op.path()).unwrap() {
            let case = case.unwrap().file_name().into_string().unwrap();
            let case = case.strip_suffix(".http").expect("fixtures end in .http");
            on_disk.insert(format!("{}/{case}", op.file_name().into_string().unwrap()));
        }
    }
    let listed: BTreeSet<String> = FIXTURES.iter().map(|(n, _)| (*n).to_owned()).collect();
    assert_eq!(on_disk, listed);
    for (name, raw) in FIXTURES {
        parse_http(name, raw);
    }
}

// ---------------------------------------------------------------------------------------------
// Error helpers
// ---------------------------------------------------------------------------------------------

fn service_err<T: Debug>(r: Result<T, Error>) -> ServiceError {
    match r {
        Err(Error::Service(e)) => *e,
        other => panic!("expected a service error, got {other:?}"),
    }
}

fn parse_err<T: Debug>(r: Result<T, Error>) -> String {
    match r {
        Err(e @ Error::Parse(_)) => e.to_string(),
        other => panic!("expected a parse error, got {other:?}"),
    }
}

struct Expect<'a> {
    status: u16,
    code: &'a str,
    message: &'a str,
    request_id: Option<&'a str>,
    ec: Option<&'a str>,
    kind: ServiceErrorKind,
}

/// Checks every accessor, then that `Display` states each part exactly once and that
/// `Error`'s `Display` is the service error's own.
fn check_service_error(e: &ServiceError, x: &Expect<'_>) {
    assert_eq!(e.status(), StatusCode::from_u16(x.status).unwrap());
    assert_eq!(e.code(), x.code);
    assert_eq!(e.message(), x.message);
    assert_eq!(e.request_id(), x.request_id);
    assert_eq!(e.ec(), x.ec);
    assert_eq!(e.kind(), x.kind);
    let shown = e.to_string();
    assert!(
        shown.starts_with(&format!("OSS error {} {}", x.status, x.code)),
        "{shown}"
    );
    let mut parts = vec![x.code];
    if !x.message.is_empty() {
        parts.push(x.message);
    }
    parts.extend(x.request_id);
    parts.extend(x.ec);
    for p in parts {
        assert_eq!(shown.matches(p).count(), 1, "{p:?} in {shown:?}");
    }
    if x.message.is_empty() {
        assert!(!shown.contains(": "), "{shown}");
    }
    let wrapped = Error::Service(Box::new(e.clone()));
    assert_eq!(wrapped.to_string(), shown);
    assert!(std::error::Error::source(&wrapped).is_none());
    assert_eq!(wrapped.as_service(), Some(e));
    assert_eq!(wrapped.is_retryable(), e.is_retryable());
}

// ---------------------------------------------------------------------------------------------
// Error documents (oss-wire §3)
// ---------------------------------------------------------------------------------------------

#[test]
fn no_such_key_with_ec_and_context_fields() {
    let e = service_err(
        GetObject::new("examplebucket", "walker2asdasdasd.txt")
            .from_response(fx("get_object/no_such_key")),
    );
    check_service_error(
        &e,
        &Expect {
            status: 404,
            code: "NoSuchKey",
            message: "The specified key does not exist.",
            request_id: Some("6556E3AED11E553933CCDEDF"),
            ec: Some("0026-00000001"),
            kind: ServiceErrorKind::NotFound,
        },
    );
    assert_eq!(
        e.host_id(),
        Some("demo-walker-6961.oss-cn-hangzhou.aliyuncs.com")
    );
    assert_eq!(e.field("Key"), Some("walker2asdasdasd.txt"));
    assert_eq!(
        e.fields(),
        &[
            ("Key".to_owned(), "walker2asdasdasd.txt".to_owned()),
            (
                "RecommendDoc".to_owned(),
                "https://api.aliyun.com/troubleshoot?q=0026-00000001".to_owned()
            ),
        ]
    );
    assert!(!e.is_retryable());
    assert_eq!(e.server_time(), None);
    assert_eq!(
        e.to_string(),
        "OSS error 404 NoSuchKey: The specified key does not exist. (ec 0026-00000001, request id 6556E3AED11E553933CCDEDF)"
    );
}

#[test]
fn request_time_too_skewed_exposes_server_time() {
    let e = service_err(
        PutObject::new("examplebucket", "k", "x")
            .from_response(fx("put_object/request_time_too_skewed")),
    );
    check_service_error(
        &e,
        &Expect {
            status: 403,
            code: "RequestTimeTooSkewed",
            message: "The difference between the request time and the current time is too large.",
            request_id: Some("5CAC0CF8DE0170*****"),
            ec: Some("0002-00000504"),
            kind: ServiceErrorKind::ClockSkew,
        },
    );
    // 2025-04-10T10:00:57.000Z
    assert_eq!(e.server_time(), Some(1_744_279_257));
    assert_eq!(e.field("RequestTime"), Some("2025-04-10T11:00:57.000Z"));
    assert_eq!(e.field("MaxAllowedSkewMilliseconds"), Some("900000"));
    assert!(e.is_retryable());
}

#[test]
fn no_such_bucket() {
    for (r, rid) in [
        (
            DeleteBucket::new("examplebucket")
                .from_response(fx("delete_bucket/no_such_bucket"))
                .map(|_| ()),
            "5C3D9175B6FC201293AD4891",
        ),
        (
            GetBucketEncryption::new("examplebucket")
                .from_response(fx("get_bucket_encryption/no_such_bucket"))
                .map(|_| ()),
            "5C1B138A109F4E405B2D8AF4",
        ),
    ] {
        let e = service_err(r);
        check_service_error(
            &e,
            &Expect {
                status: 404,
                code: "NoSuchBucket",
                message: "The specified bucket does not exist.",
                request_id: Some(rid),
                ec: Some("0015-00000101"),
                kind: ServiceErrorKind::NotFound,
            },
        );
        assert_eq!(e.field("BucketName"), Some("examplebucket"));
    }
}

#[test]
fn signature_does_not_match_keeps_string_to_sign() {
    let e = service_err(
        GetBucketInfo::new("examplebucket")
            .from_response(fx("get_bucket_info/signature_does_not_match")),
    );
    check_service_error(
        &e,
        &Expect {
            status: 403,
            code: "SignatureDoesNotMatch",
            message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
            request_id: Some("5C3D9175B6FC201293AD4893"),
            ec: Some("0002-00000040"),
            kind: ServiceErrorKind::AccessDenied,
        },
    );
    assert_eq!(
        e.field("StringToSign"),
        Some(
            "OSS4-HMAC-SHA256\n20240602T124000Z\n20240602/cn-hangzhou/oss/aliyun_v4_request\nfc9f77bd800b9af359ab8936e7bcc65789b1e8746fa7c3a8da6a4bde09eb3b3c"
        )
    );
    assert_eq!(e.field("OSSAccessKeyId"), Some("LTAI5tTestAccessKeyId00"));
    assert!(e.field("SignatureProvided").is_some());
    assert!(!e.is_retryable());
    assert!(!e.to_string().contains("OSS4-HMAC-SHA256"));
}

#[test]
fn non_xml_error_body_is_bad_error_response() {
    let e = service_err(
        GetObject::new("examplebucket", "k").from_response(fx("get_object/proxy_html")),
    );
    assert_eq!(e.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(e.code(), "BadErrorResponse");
    assert!(
        e.message()
            .starts_with("error response is not an OSS <Error> document: <html>"),
        "{}",
        e.message()
    );
    assert_eq!(e.request_id(), None);
    assert_eq!(e.ec(), None);
    assert_eq!(e.kind(), ServiceErrorKind::ServerError);
    assert!(e.is_retryable());
    let shown = e.to_string();
    assert_eq!(shown.matches("BadErrorResponse").count(), 1);
    assert_eq!(shown.matches(e.message()).count(), 1);

    // The snippet is capped at 256 bytes of the body.
    let long = format!("{}\u{00e9}tail", "x".repeat(300));
    let resp = Response::builder()
        .status(500)
        .body(Bytes::from(long))
        .unwrap();
    let (head, body) = resp.into_parts();
    let e = service_err::<()>(Err(parse_error(&head, &body)));
    assert_eq!(e.code(), "BadErrorResponse");
    assert!(e.message().len() < 256 + 60, "{}", e.message().len());
    assert!(!e.message().contains("tail"));
}

#[test]
fn conflicts_and_bad_requests() {
    let cases: Vec<(Result<(), Error>, Expect<'_>)> = vec![
        (
            PutBucket::new("examplebucket")
                .from_response(fx("put_bucket/bucket_already_exists"))
                .map(|_| ()),
            Expect {
                status: 409,
                code: "BucketAlreadyExists",
                message: "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
                request_id: Some("5C3D9175B6FC201293AD4890"),
                ec: Some("0015-00000104"),
                kind: ServiceErrorKind::Conflict,
            },
        ),
        (
            DeleteBucket::new("examplebucket")
                .from_response(fx("delete_bucket/bucket_not_empty"))
                .map(|_| ()),
            Expect {
                status: 409,
                code: "BucketNotEmpty",
                message: "The bucket has objects. Please delete them first.",
                request_id: Some("534B371674E88A4D8906008D"),
                ec: Some("0015-00000301"),
                kind: ServiceErrorKind::Conflict,
            },
        ),
        (
            PutBucketEncryption::new("examplebucket", ServerSideEncryptionRule::kms())
                .from_response(fx("put_bucket_encryption/malformed_xml"))
                .map(|_| ()),
            Expect {
                status: 400,
                code: "MalformedXML",
                message: "The XML you provided was not well-formed or did not validate against our published schema.",
                request_id: Some("5C1B138A109F4E405B2D8AF0"),
                ec: Some("0016-00000608"),
                kind: ServiceErrorKind::InvalidArgument,
            },
        ),
        (
            PutBucketEncryption::new("examplebucket", ServerSideEncryptionRule::aes256())
                .from_response(fx("put_bucket_encryption/aes256_with_key_id"))
                .map(|_| ()),
            Expect {
                status: 400,
                code: "InvalidArgument",
                message: "KMSMasterKeyID is not applicable if the default sse algorithm is not KMS",
                request_id: Some("5C1B138A109F4E405B2D8AF1"),
                ec: Some("0016-00000301"),
                kind: ServiceErrorKind::InvalidArgument,
            },
        ),
        (
            PutObject::new("examplebucket", "k", "x")
                .with_forbid_overwrite(true)
                .from_response(fx("put_object/file_already_exists"))
                .map(|_| ()),
            Expect {
                status: 409,
                code: "FileAlreadyExists",
                message: "The object you specified already exists and can not be overwritten.",
                request_id: Some("5C06A3B67B8B5A3DA42229A1"),
                ec: Some("0026-00000011"),
                kind: ServiceErrorKind::Conflict,
            },
        ),
        (
            PutObject::new("examplebucket", "k", "x")
                .from_response(fx("put_object/invalid_digest"))
                .map(|_| ()),
            Expect {
                status: 400,
                code: "InvalidDigest",
                message: "The Content-MD5 you specified was invalid.",
                request_id: Some("5C06A3B67B8B5A3DA42229A2"),
                ec: Some("0016-00000401"),
                kind: ServiceErrorKind::InvalidArgument,
            },
        ),
        (
            AppendObject::new("examplebucket", "k", 0, "x")
                .from_response(fx("append_object/position_not_equal"))
                .map(|_| ()),
            Expect {
                status: 409,
                code: "PositionNotEqualToLength",
                message: "Position is not equal to file length",
                request_id: Some("5C06A3B67B8B5A3DA42229A5"),
                ec: Some("0026-00000016"),
                kind: ServiceErrorKind::Conflict,
            },
        ),
        (
            CopyObject::new("srcbucket", "src.txt", "examplebucket", "dst.txt")
                .from_response(fx("copy_object/no_such_source"))
                .map(|_| ()),
            Expect {
                status: 404,
                code: "NoSuchKey",
                message: "The specified key does not exist.",
                request_id: Some("3dfb6e88-7edc-4b1c-a8a8-bd1b0002****"),
                ec: Some("0026-00000001"),
                kind: ServiceErrorKind::NotFound,
            },
        ),
        (
            UploadPart::new("examplebucket", "k", "u", 1, "x")
                .from_response(fx("upload_part/sse_header_rejected"))
                .map(|_| ()),
            Expect {
                status: 400,
                code: "InvalidArgument",
                message: "Server side encryption header is not supported for this operation.",
                request_id: Some("3e6aba62-1eae-d246-6118-8ff42cd1****"),
                ec: Some("0016-00000302"),
                kind: ServiceErrorKind::InvalidArgument,
            },
        ),
    ];
    for (r, x) in cases {
        check_service_error(&service_err(r), &x);
    }

    // Entities inside context fields are resolved.
    let e = service_err(
        CompleteMultipartUpload::new("examplebucket", "k", "u", vec![CompletedPart::new(2, "e")])
            .from_response(fx("complete_multipart_upload/invalid_part")),
    );
    assert_eq!(e.code(), "InvalidPart");
    assert!(
        e.message().ends_with("the part's entity tag."),
        "{}",
        e.message()
    );
    assert_eq!(e.field("ETag"), Some("\"wrong\""));
    assert_eq!(e.field("PartNumber"), Some("2"));
}

#[test]
fn no_such_upload_for_every_multipart_operation() {
    let msg = "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.";
    for (r, rid) in [
        (
            AbortMultipartUpload::new("examplebucket", "k", "u")
                .from_response(fx("abort_multipart_upload/no_such_upload"))
                .map(|_| ()),
            "059a22ba-6ba9-daed-5f3a-e48027e0****",
        ),
        (
            UploadPart::new("examplebucket", "k", "u", 3, "x")
                .from_response(fx("upload_part/no_such_upload"))
                .map(|_| ()),
            "3e6aba62-1eae-d246-6118-8ff42cd2****",
        ),
        (
            ListParts::new("examplebucket", "k", "u")
                .from_response(fx("list_parts/no_such_upload"))
                .map(|_| ()),
            "106452c8-10ff-812d-736e-c865294b****",
        ),
    ] {
        let e = service_err(r);
        check_service_error(
            &e,
            &Expect {
                status: 404,
                code: "NoSuchUpload",
                message: msg,
                request_id: Some(rid),
                ec: Some("0042-00000002"),
                kind: ServiceErrorKind::NotFound,
            },
        );
        assert!(e.field("UploadId").unwrap().starts_with("0004B9"));
    }
}

#[test]
fn head_404_reads_base64_x_oss_err_header() {
    let e = service_err(
        HeadObject::new("examplebucket", "walker2asdasdasd.txt")
            .from_response(fx("head_object/not_found_x_oss_err")),
    );
    check_service_error(
        &e,
        &Expect {
            status: 404,
            code: "NoSuchKey",
            message: "The specified key does not exist.",
            request_id: Some("6556E3AED11E553933CCDEDF"),
            ec: Some("0026-00000001"),
            kind: ServiceErrorKind::NotFound,
        },
    );
    assert_eq!(e.field("Key"), Some("walker2asdasdasd.txt"));
    assert_eq!(
        e.host_id(),
        Some("demo-walker-6961.oss-cn-hangzhou.aliyuncs.com")
    );

    // The same through the streaming head of GetObject.
    let (head, _) = fx("head_object/not_found_x_oss_err").into_parts();
    let e = service_err(GetObject::new("examplebucket", "k").from_response_head(&head));
    assert_eq!(e.code(), "NoSuchKey");
    assert_eq!(e.field("Key"), Some("walker2asdasdasd.txt"));
}

#[test]
fn head_error_without_document_falls_back_to_status_and_headers() {
    let e = service_err(
        HeadObject::new("examplebucket", "k").from_response(fx("head_object/not_found_bare")),
    );
    check_service_error(
        &e,
        &Expect {
            status: 404,
            code: "NotFound",
            message: "",
            request_id: Some("6556E3AED11E553933CCDEE0"),
            ec: None,
            kind: ServiceErrorKind::NotFound,
        },
    );
    assert_eq!(
        e.to_string(),
        "OSS error 404 NotFound (request id 6556E3AED11E553933CCDEE0)"
    );

    // An `x-oss-err` that is not base64 is ignored; EC still comes from `x-oss-ec`.
    let e = service_err(
        HeadObject::new("examplebucket", "k")
            .from_response(fx("head_object/forbidden_bad_x_oss_err")),
    );
    check_service_error(
        &e,
        &Expect {
            status: 403,
            code: "AccessDenied",
            message: "",
            request_id: Some("6556E3AED11E553933CCDEE1"),
            ec: Some("0003-00000001"),
            kind: ServiceErrorKind::AccessDenied,
        },
    );
    assert_eq!(
        e.to_string(),
        "OSS error 403 AccessDenied (ec 0003-00000001, request id 6556E3AED11E553933CCDEE1)"
    );
}

#[test]
fn body_document_wins_over_headers_and_header_fallbacks_apply() {
    // The <Error> body's RequestId/EC win over x-oss-request-id / x-oss-ec.
    let body = "<Error><Code>NoSuchKey</Code><Message>m</Message><RequestId>BODY</RequestId><EC>0026-00000001</EC></Error>";
    let resp = Response::builder()
        .status(404)
        .header("x-oss-request-id", "HEADER")
        .header("x-oss-ec", "9999-99999999")
        .body(Bytes::from(body))
        .unwrap();
    let (head, body) = resp.into_parts();
    let e = service_err::<()>(Err(parse_error(&head, &body)));
    assert_eq!(e.request_id(), Some("BODY"));
    assert_eq!(e.ec(), Some("0026-00000001"));

    // A document without RequestId/EC takes them from the headers; an empty <Code/> falls
    // back to the status default.
    let body = "<?xml version=\"1.0\"?>\n<Error><Code/><Message>x</Message></Error>";
    let resp = Response::builder()
        .status(409)
        .header("x-oss-request-id", "HEADER")
        .header("x-oss-ec", "0015-00000301")
        .body(Bytes::from(body))
        .unwrap();
    let (head, body) = resp.into_parts();
    let e = service_err::<()>(Err(parse_error(&head, &body)));
    check_service_error(
        &e,
        &Expect {
            status: 409,
            code: "Conflict",
            message: "x",
            request_id: Some("HEADER"),
            ec: Some("0015-00000301"),
            kind: ServiceErrorKind::Conflict,
        },
    );

    // 5xx with an empty body and no header at all.
    let resp = Response::builder().status(503).body(Bytes::new()).unwrap();
    let (head, body) = resp.into_parts();
    let e = service_err::<()>(Err(parse_error(&head, &body)));
    assert_eq!(e.code(), "UnknownError");
    assert_eq!(e.kind(), ServiceErrorKind::ServerError);
    assert!(e.is_retryable());
    assert_eq!(e.to_string(), "OSS error 503 UnknownError");

    // Rate limiting is classified by code as well as by 429.
    let body = "<Error><Code>QpsLimitExceeded</Code><Message>Please reduce your request rate.</Message></Error>";
    let resp = Response::builder()
        .status(503)
        .body(Bytes::from(body))
        .unwrap();
    let (head, body) = resp.into_parts();
    let e = service_err::<()>(Err(parse_error(&head, &body)));
    assert_eq!(e.kind(), ServiceErrorKind::RateLimited);
    assert!(e.is_retryable());
}

// ---------------------------------------------------------------------------------------------
// Success responses, per operation
// ---------------------------------------------------------------------------------------------

fn kms_sm4(key: &str) -> ServerSideEncryption {
    ServerSideEncryption::kms()
        .with_key_id(key)
        .with_data_encryption(DataEncryption::Sm4)
}

const CMK: &str = "9468da86-3509-4f8d-a61e-6eab1eac****";

#[test]
fn put_bucket_ok() {
    let out = PutBucket::new("examplebucket")
        .from_response(fx("put_bucket/ok"))
        .unwrap();
    assert_eq!(out.request_id.as_deref(), Some("534B371674E88A4D8906008B"));
}

#[test]
fn delete_bucket_ok() {
    let out = DeleteBucket::new("examplebucket")
        .from_response(fx("delete_bucket/ok"))
        .unwrap();
    assert_eq!(out.request_id.as_deref(), Some("534B371674E88A4D8906008C"));
}

#[test]
fn get_bucket_info_with_embedded_rule() {
    let info = GetBucketInfo::new("examplebucket")
        .from_response(fx("get_bucket_info/kms_sm4"))
        .unwrap();
    assert_eq!(info.name.as_deref(), Some("examplebucket"));
    assert_eq!(info.location.as_deref(), Some("oss-cn-hangzhou"));
    assert_eq!(
        info.creation_date.map(|t| t.to_string()).as_deref(),
        Some("2013-07-31T10:56:21.000Z")
    );
    assert_eq!(
        info.extranet_endpoint.as_deref(),
        Some("oss-cn-hangzhou.aliyuncs.com")
    );
    assert_eq!(
        info.intranet_endpoint.as_deref(),
        Some("oss-cn-hangzhou-internal.aliyuncs.com")
    );
    assert_eq!(info.storage_class, Some(StorageClass::Standard));
    assert_eq!(info.request_id.as_deref(), Some("5C3D9175B6FC201293AD4892"));
    // <KMSMasterKeyID></KMSMasterKeyID> reads as absent.
    assert_eq!(
        info.server_side_encryption_rule,
        Some(ServerSideEncryptionRule::kms().with_kms_data_encryption(DataEncryption::Sm4))
    );
}

#[test]
fn get_bucket_info_sse_none_means_no_rule() {
    let info = GetBucketInfo::new("examplebucket")
        .from_response(fx("get_bucket_info/sse_none"))
        .unwrap();
    assert_eq!(info.server_side_encryption_rule, None);
    assert_eq!(info.storage_class, Some(StorageClass::InfrequentAccess));
    assert_eq!(info.name.as_deref(), Some("examplebucket"));

    let info = GetBucketInfo::new("examplebucket")
        .from_response(fx("get_bucket_info/no_rule_element"))
        .unwrap();
    assert_eq!(info.server_side_encryption_rule, None);
    assert_eq!(info.creation_date, None);
}

#[test]
fn get_bucket_info_reordered_and_empty_elements() {
    let info = GetBucketInfo::new("examplebucket")
        .from_response(fx("get_bucket_info/reordered_empty"))
        .unwrap();
    assert_eq!(info.name.as_deref(), Some("examplebucket"));
    assert_eq!(info.location.as_deref(), Some("oss-cn-hangzhou"));
    assert_eq!(info.storage_class, None);
    assert_eq!(info.intranet_endpoint, None);
    assert_eq!(info.extranet_endpoint, None);
    assert_eq!(info.creation_date, None);
    assert_eq!(
        info.server_side_encryption_rule,
        Some(ServerSideEncryptionRule::kms().with_kms_master_key_id(CMK))
    );
}

#[test]
fn put_and_delete_bucket_encryption_ok() {
    let out = PutBucketEncryption::new("examplebucket", ServerSideEncryptionRule::aes256())
        .from_response(fx("put_bucket_encryption/ok"))
        .unwrap();
    assert_eq!(out.request_id.as_deref(), Some("5C1B138A109F4E405B2D8AEF"));
    let out = DeleteBucketEncryption::new("examplebucket")
        .from_response(fx("delete_bucket_encryption/ok"))
        .unwrap();
    assert_eq!(out.request_id.as_deref(), Some("5C1B138A109F4E405B2D8AF5"));
}

#[test]
fn get_bucket_encryption_rules() {
    let op = GetBucketEncryption::new("examplebucket");
    let get = |n: &str| op.from_response(fx(n)).unwrap();
    assert_eq!(
        get("get_bucket_encryption/kms_key_id"),
        Some(ServerSideEncryptionRule::kms().with_kms_master_key_id(CMK))
    );
    assert_eq!(
        get("get_bucket_encryption/kms_sm4_reordered"),
        Some(
            ServerSideEncryptionRule::kms()
                .with_kms_master_key_id(CMK)
                .with_kms_data_encryption(DataEncryption::Sm4)
        )
    );
    assert_eq!(
        get("get_bucket_encryption/aes256"),
        Some(ServerSideEncryptionRule::aes256())
    );
    assert_eq!(
        get("get_bucket_encryption/sm4"),
        Some(ServerSideEncryptionRule::sm4())
    );
    // Empty <KMSMasterKeyID></KMSMasterKeyID> and <KMSDataEncryption/> read as absent.
    let r = get("get_bucket_encryption/kms_empty_elements").unwrap();
    assert_eq!(r, ServerSideEncryptionRule::kms());
    assert_eq!(r.kms_master_key_id(), None);
    assert_eq!(r.kms_data_encryption(), None);
    // Values this version does not know are kept, not rejected.
    let r = get("get_bucket_encryption/unknown_algorithm").unwrap();
    assert_eq!(r.sse_algorithm(), &SseAlgorithm::Unknown("AES512".into()));
    assert_eq!(
        r.kms_data_encryption(),
        Some(&DataEncryption::Unknown("ZUC".into()))
    );
}

#[test]
fn get_bucket_encryption_404_no_rule_is_none() {
    let out = GetBucketEncryption::new("examplebucket")
        .from_response(fx("get_bucket_encryption/no_rule"))
        .unwrap();
    assert_eq!(out, None);
    // The same code under HEAD-style delivery (x-oss-err, empty body).
    let doc = "<Error><Code>NoSuchServerSideEncryptionRule</Code></Error>";
    let resp = Response::builder()
        .status(404)
        .header(
            "x-oss-err",
            oss_sse_core::crypto::base64_encode(doc.as_bytes()),
        )
        .body(Bytes::new())
        .unwrap();
    assert_eq!(
        GetBucketEncryption::new("examplebucket")
            .from_response(resp)
            .unwrap(),
        None
    );
}

#[test]
fn put_object_sse_headers() {
    let op = PutObject::new("examplebucket", "k", "x");
    let out = op.from_response(fx("put_object/sse_kms_sm4")).unwrap();
    assert_eq!(
        out.etag.as_deref(),
        Some("D41D8CD98F00B204E9800998ECF8427E")
    );
    assert_eq!(out.hash_crc64, Some(5_981_764_153_023_615_706));
    assert_eq!(
        out.version_id.as_deref(),
        Some("CAEQNhiBgMDJgZCA0BYiIDc4MGZjZGI2OTBjOTRmNTE5NmU5NmFhZjhjYmY0****")
    );
    assert_eq!(out.request_id.as_deref(), Some("5C06A3B67B8B5A3DA422299D"));
    let sse = out.server_side_encryption.unwrap();
    assert_eq!(sse, kms_sm4(CMK));
    assert_eq!(sse.algorithm(), &SseAlgorithm::Kms);
    assert_eq!(sse.key_id(), Some(CMK));
    assert_eq!(sse.data_encryption(), Some(&DataEncryption::Sm4));
    assert_eq!(sse.to_string(), format!("KMS+SM4 (key {CMK})"));

    let out = op.from_response(fx("put_object/sse_aes256")).unwrap();
    assert_eq!(
        out.server_side_encryption,
        Some(ServerSideEncryption::aes256())
    );
    assert_eq!(out.hash_crc64, Some(u64::MAX)); // surrounding whitespace tolerated
    assert_eq!(out.version_id, None);

    let out = op.from_response(fx("put_object/no_sse")).unwrap();
    assert_eq!(out.server_side_encryption, None); // empty header = none
    assert_eq!(
        out.etag.as_deref(),
        Some("5EB63BBBE01EEED093CB22BB8F5ACDC3")
    );
    assert_eq!(out.hash_crc64, None);

    let msg = parse_err(op.from_response(fx("put_object/bad_crc")));
    assert_eq!(
        msg,
        "PutObject response has a malformed x-oss-hash-crc64ecma header"
    );
}

#[test]
fn append_object_first_append() {
    let op = AppendObject::new("examplebucket", "log.txt", 0, "x")
        .with_server_side_encryption(ServerSideEncryption::kms());
    let out = op.from_response(fx("append_object/first_kms")).unwrap();
    assert_eq!(out.next_position, Some(1717));
    assert_eq!(out.hash_crc64, Some(14_741_617_095_266_562_575));
    assert_eq!(
        out.server_side_encryption,
        Some(ServerSideEncryption::kms().with_key_id("cmk-default-****"))
    );
    assert_eq!(out.request_id.as_deref(), Some("5C06A3B67B8B5A3DA42229A3"));
    let msg = parse_err(op.from_response(fx("append_object/bad_position")));
    assert!(msg.contains("x-oss-next-append-position"), "{msg}");
}

#[test]
fn get_object_full_and_range() {
    let op = GetObject::new("examplebucket", "hello.txt");
    let out = op.from_response(fx("get_object/full")).unwrap();
    assert_eq!(&out.body[..], b"hello world");
    let h = &out.head;
    assert_eq!(h.content_length, Some(11));
    assert_eq!(h.content_type.as_deref(), Some("text/plain"));
    assert_eq!(h.content_range, None);
    assert_eq!(h.etag.as_deref(), Some("5EB63BBBE01EEED093CB22BB8F5ACDC3"));
    assert_eq!(
        h.last_modified.map(|t| t.to_http_date()).as_deref(),
        Some("Fri, 24 Feb 2012 06:07:48 GMT")
    );
    assert_eq!(h.hash_crc64, Some(oss_sse_core::crc::crc64(b"hello world")));
    assert_eq!(h.object_type, Some(ObjectType::Normal));
    assert_eq!(h.storage_class, Some(StorageClass::Standard));
    assert_eq!(h.server_side_encryption, Some(ServerSideEncryption::sm4()));
    assert_eq!(
        h.metadata,
        vec![
            ("author".to_owned(), "alice".to_owned()),
            ("project".to_owned(), "oss-sse".to_owned()),
        ]
    );
    assert_eq!(
        h.request_id.as_deref(),
        Some("3a8f-2e2d-7965-3ff9-51c875b*****")
    );
    assert!(op.is_full_object());

    let op = GetObject::new("examplebucket", "hello.txt").with_range(0, Some(4));
    assert!(!op.is_full_object());
    let out = op.from_response(fx("get_object/range")).unwrap();
    assert_eq!(&out.body[..], b"hello");
    assert_eq!(out.head.content_length, Some(5));
    assert_eq!(out.head.content_range.as_deref(), Some("bytes 0-4/11"));
    // The CRC header is the whole object's, not the range's.
    assert_eq!(out.head.hash_crc64, Some(5_981_764_153_023_615_706));
    assert_eq!(out.head.server_side_encryption, Some(kms_sm4(CMK)));

    // The streaming head gives the same as the buffered parse.
    let (head, body) = fx("get_object/range").into_parts();
    assert_eq!(op.from_response_head(&head).unwrap(), out.head);
    assert_eq!(body, out.body);
}

#[test]
fn head_object_kms_appendable() {
    let h = HeadObject::new("examplebucket", "k")
        .from_response(fx("head_object/kms_appendable"))
        .unwrap();
    assert_eq!(h.content_length, Some(344_606));
    assert_eq!(h.content_type.as_deref(), Some("application/octet-stream"));
    assert_eq!(
        h.etag.as_deref(),
        Some("5B3C1A2E053D763E1B002CC607C5****-2")
    );
    assert_eq!(h.object_type, Some(ObjectType::Appendable));
    assert_eq!(h.next_append_position, Some(344_606));
    assert_eq!(h.hash_crc64, Some(3_161_812_495_027_037_777));
    assert_eq!(h.storage_class, Some(StorageClass::Archive));
    assert_eq!(
        h.version_id.as_deref(),
        Some("CAEQNhiBgM0BYiIDc4MGZjZGI2OTBjOTRmNTE5NmU5NmFhZjhjYmY0****")
    );
    assert_eq!(h.server_side_encryption, Some(kms_sm4(CMK)));
    // Sorted by name.
    assert_eq!(
        h.metadata,
        vec![
            ("a".to_owned(), "1".to_owned()),
            ("b".to_owned(), "2".to_owned())
        ]
    );
    assert_eq!(h.request_id.as_deref(), Some("559CC9BDC755F95A64485981"));
}

#[test]
fn delete_object_ok() {
    let out = DeleteObject::new("examplebucket", "k")
        .from_response(fx("delete_object/ok"))
        .unwrap();
    assert_eq!(
        out.version_id.as_deref(),
        Some("CAEQMxiBgICAof2D0BYiIDJhMGE3N2M1YTI1NDQzOGY5NTkyNTI3MGYyMzJm****")
    );
    assert_eq!(out.request_id.as_deref(), Some("559CC9BDC755F95A64485982"));
}

#[test]
fn copy_object_results() {
    let op = CopyObject::new("srcbucket", "src.txt", "examplebucket", "dst.txt")
        .with_server_side_encryption(ServerSideEncryption::aes256());
    let out = op.from_response(fx("copy_object/aes256")).unwrap();
    assert_eq!(
        out.etag.as_deref(),
        Some("F2064A169EE92E9775EE5324D0B1****")
    );
    assert_eq!(
        out.last_modified.map(|t| t.to_string()).as_deref(),
        Some("2023-02-24T09:41:56.000Z")
    );
    assert_eq!(out.hash_crc64, Some(1_981_701_842_000_931_111));
    assert_eq!(
        out.version_id.as_deref(),
        Some("CAEQHxiBgICDvseg3hYiIGZmOGNjNWJiZDUzNjQxNDM4MWM2NDc1YjhkYTk3****")
    );
    assert_eq!(
        out.server_side_encryption,
        Some(ServerSideEncryption::aes256())
    );
    assert_eq!(
        out.request_id.as_deref(),
        Some("3dfb6e88-7edc-4b1c-a8a8-bd1b0000****")
    );

    // Reversed element order; the ETag quotes written as &quot; entities.
    let out = op
        .from_response(fx("copy_object/reordered_entity"))
        .unwrap();
    assert_eq!(
        out.etag.as_deref(),
        Some("F2064A169EE92E9775EE5324D0B1AAAA")
    );
    assert_eq!(
        out.last_modified.map(|t| t.to_string()).as_deref(),
        Some("2023-02-24T09:41:56.000Z")
    );
    assert_eq!(out.server_side_encryption, None);
    assert_eq!(out.hash_crc64, None);
}

#[test]
fn initiate_multipart_upload_results() {
    let op = InitiateMultipartUpload::new("oss-example", "multipart.data")
        .with_server_side_encryption(kms_sm4(CMK));
    let out = op
        .from_response(fx("initiate_multipart_upload/kms_sm4"))
        .unwrap();
    assert_eq!(out.bucket.as_deref(), Some("oss-example"));
    assert_eq!(out.key.as_deref(), Some("multipart.data"));
    assert_eq!(out.upload_id, "0004B9894A22E5B1888A1E29F823****");
    assert_eq!(out.server_side_encryption, Some(kms_sm4(CMK)));
    assert_eq!(out.request_id.as_deref(), Some("42A8D28A4B4D8F2A2F4E****"));

    let out = op
        .from_response(fx("initiate_multipart_upload/reordered"))
        .unwrap();
    assert_eq!(out.upload_id, "0004B9894A22E5B1888A1E29F823AAAA");
    assert_eq!(out.key.as_deref(), Some("dir/a b.txt"));
    assert_eq!(out.bucket, None); // <Bucket></Bucket>
    assert_eq!(out.server_side_encryption, None);

    let msg = parse_err(op.from_response(fx("initiate_multipart_upload/empty_upload_id")));
    assert_eq!(msg, "InitiateMultipartUpload response has no UploadId");

    let r = op.from_response(fx("initiate_multipart_upload/truncated_xml"));
    let msg = parse_err(r);
    assert_eq!(msg, "failed to parse InitiateMultipartUpload response body");
    // The XML error is the source, and is not repeated in the message.
    let e = op
        .from_response(fx("initiate_multipart_upload/truncated_xml"))
        .unwrap_err();
    let src = std::error::Error::source(&e).expect("XML error as source");
    assert!(!src.to_string().is_empty());
    assert!(!e.to_string().contains(&src.to_string()));
}

#[test]
fn upload_part_ok() {
    let out = UploadPart::new("examplebucket", "k", "u", 7, "x")
        .from_response(fx("upload_part/ok"))
        .unwrap();
    assert_eq!(out.part_number, 7);
    assert_eq!(
        out.etag.as_deref(),
        Some("7265F4D211B56873A381D321F586****")
    );
    assert_eq!(out.hash_crc64, Some(316_181_249_502_703));
    assert_eq!(out.server_side_encryption, Some(kms_sm4(CMK)));
    assert_eq!(
        out.request_id.as_deref(),
        Some("3e6aba62-1eae-d246-6118-8ff42cd0****")
    );
}

#[test]
fn complete_multipart_upload_results() {
    let op = CompleteMultipartUpload::new(
        "oss-example",
        "multipart.data",
        "u",
        vec![CompletedPart::new(1, "a")],
    );
    let out = op
        .from_response(fx("complete_multipart_upload/kms"))
        .unwrap();
    assert_eq!(out.bucket.as_deref(), Some("oss-example"));
    assert_eq!(out.key.as_deref(), Some("multipart.data"));
    assert_eq!(
        out.etag.as_deref(),
        Some("B864DB6A936D376F9F8D3ED3BBE540****")
    );
    assert_eq!(
        out.location.as_deref(),
        Some("http://oss-example.oss-cn-hangzhou.aliyuncs.com/multipart.data")
    );
    assert_eq!(out.hash_crc64, Some(12_066_172_435_287_683_333));
    assert_eq!(
        out.version_id.as_deref(),
        Some("CAEQMxiBgMC0vs6D0BYiIGJiZWRjOTRjNTg0NzQ1MTRiN2Y1OTYxMTdkYjQ0****")
    );
    assert_eq!(
        out.server_side_encryption,
        Some(ServerSideEncryption::kms().with_key_id(CMK))
    );
    assert_eq!(
        out.request_id.as_deref(),
        Some("594f0751-3b1e-168f-4501-4ac71d21****")
    );

    let out = op
        .from_response(fx("complete_multipart_upload/reordered_empty"))
        .unwrap();
    assert_eq!(
        out.etag.as_deref(),
        Some("B864DB6A936D376F9F8D3ED3BBE54000-3")
    );
    assert_eq!(out.location, None);
    assert_eq!(out.bucket.as_deref(), Some("oss-example"));
    assert_eq!(out.hash_crc64, None);
}

#[test]
fn abort_multipart_upload_ok() {
    let out = AbortMultipartUpload::new("examplebucket", "k", "u")
        .from_response(fx("abort_multipart_upload/ok"))
        .unwrap();
    assert_eq!(
        out.request_id.as_deref(),
        Some("059a22ba-6ba9-daed-5f3a-e48027df****")
    );
}

#[test]
fn list_parts_single_part() {
    let out = ListParts::new("multipart_upload", "multipart.data", "u")
        .from_response(fx("list_parts/single"))
        .unwrap();
    assert_eq!(out.bucket.as_deref(), Some("multipart_upload"));
    assert_eq!(out.key.as_deref(), Some("multipart.data"));
    assert_eq!(
        out.upload_id.as_deref(),
        Some("0004B999EF5A239BB9138C6227D6****")
    );
    assert_eq!(out.next_part_number_marker, Some(1));
    assert_eq!(out.max_parts, Some(1000));
    assert!(!out.is_truncated);
    assert_eq!(out.parts.len(), 1);
    let p = &out.parts[0];
    assert_eq!(p.part_number, 1);
    assert_eq!(p.etag.as_deref(), Some("3349DC700140D7F86A0784842780****"));
    assert_eq!(p.size, 6_291_456);
    assert_eq!(p.hash_crc64, Some(316_181_249_502_703));
    assert_eq!(
        p.last_modified.map(|t| t.to_string()).as_deref(),
        Some("2012-02-23T07:01:34.000Z")
    );
    assert_eq!(
        out.request_id.as_deref(),
        Some("106452c8-10ff-812d-736e-c865294a****")
    );
}

#[test]
fn list_parts_several_parts_in_any_element_order() {
    let out = ListParts::new("multipart_upload", "multipart.data", "u")
        .from_response(fx("list_parts/several"))
        .unwrap();
    assert!(out.is_truncated);
    assert_eq!(out.next_part_number_marker, Some(5));
    assert_eq!(out.max_parts, Some(3));
    /// Part number, ETag, size, CRC-64, last modified.
    type Row<'a> = (u32, Option<&'a str>, u64, Option<u64>, Option<String>);
    let got: Vec<Row<'_>> = out
        .parts
        .iter()
        .map(|p| {
            (
                p.part_number,
                p.etag.as_deref(),
                p.size,
                p.hash_crc64,
                p.last_modified.map(|t| t.to_string()),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                1,
                Some("3349DC700140D7F86A0784842780****"),
                6_291_456,
                Some(316_181_249_502_703),
                Some("2012-02-23T07:01:34.000Z".to_owned())
            ),
            (
                2,
                Some("3349DC700140D7F86A0784842780AAAA"),
                6_291_456,
                Some(u64::MAX),
                Some("2012-02-23T07:01:12.000Z".to_owned())
            ),
            (
                5,
                Some("7265F4D211B56873A381D321F586****"),
                1024,
                None,
                Some("2012-02-23T07:02:03.000Z".to_owned())
            ),
        ]
    );
}

#[test]
fn list_parts_empty_elements() {
    let op = ListParts::new("multipart_upload", "multipart.data", "u");
    let out = op.from_response(fx("list_parts/empty_elements")).unwrap();
    assert_eq!(out.bucket.as_deref(), Some("multipart_upload"));
    assert_eq!(out.key, None);
    assert_eq!(
        out.upload_id.as_deref(),
        Some("0004B999EF5A239BB9138C6227D6AAAA")
    );
    assert!(out.parts.is_empty());
    assert_eq!(out.next_part_number_marker, None);
    assert_eq!(out.max_parts, None);
    assert!(!out.is_truncated);

    let out = op
        .from_response(fx("list_parts/part_with_empty_elements"))
        .unwrap();
    assert!(!out.is_truncated); // "False"
    assert_eq!(out.parts.len(), 1);
    let p = &out.parts[0];
    assert_eq!(p.part_number, 7);
    assert_eq!(p.etag, None);
    assert_eq!(p.size, 0);
    assert_eq!(p.hash_crc64, None);
    assert_eq!(p.last_modified, None);

    let msg = parse_err(op.from_response(fx("list_parts/part_without_number")));
    assert_eq!(msg, "ListParts response has a part without a PartNumber");
    let msg = parse_err(op.from_response(fx("list_parts/bad_size")));
    assert_eq!(msg, "ListParts response has a malformed Size");
}

#[test]
fn two_hundred_with_unreadable_body_is_a_parse_error() {
    let ok = |b: &'static [u8]| {
        Response::builder()
            .status(200)
            .body(Bytes::from_static(b))
            .unwrap()
    };
    let results = [
        GetBucketInfo::new("examplebucket")
            .from_response(ok(b"\xff\xfe not utf-8"))
            .map(|_| ()),
        GetBucketEncryption::new("examplebucket")
            .from_response(ok(b""))
            .map(|_| ()),
        GetBucketEncryption::new("examplebucket")
            .from_response(ok(b"plain text"))
            .map(|_| ()),
        ListParts::new("examplebucket", "k", "u")
            .from_response(ok(b"<ListPartsResult><Part>"))
            .map(|_| ()),
        CopyObject::new("srcbucket", "s", "examplebucket", "d")
            .from_response(ok(b""))
            .map(|_| ()),
        CompleteMultipartUpload::new("examplebucket", "k", "u", vec![])
            .from_response(ok(b"<CompleteMultipartUploadResult>"))
            .map(|_| ()),
        GetBucketEncryption::new("examplebucket")
            .from_response(ok(b"<ServerSideEncryptionRule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>KMS</SSEAlgorithm><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></ServerSideEncryptionRule>"))
            .map(|_| ()),
    ];
    for r in results {
        let msg = parse_err(r);
        assert!(msg.starts_with("failed to parse "), "{msg}");
    }
}

// ---------------------------------------------------------------------------------------------
// to_request
// ---------------------------------------------------------------------------------------------

fn config() -> Config {
    Config::new("cn-hangzhou").unwrap()
}

const HOST: &str = "https://examplebucket.oss-cn-hangzhou.aliyuncs.com";

/// All headers, sorted, as `(name, value)`.
fn headers(req: &Request<Bytes>) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    v.sort();
    v
}

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = pairs
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    v.sort();
    v
}

fn build_field(r: Result<Request<Bytes>, Error>) -> &'static str {
    match r {
        Err(Error::Build(e)) => {
            assert!(
                e.to_string()
                    .starts_with(&format!("invalid {}: ", e.field())),
                "{e}"
            );
            assert!(!e.reason().is_empty());
            e.field()
        }
        other => panic!("expected a build error, got {other:?}"),
    }
}

#[test]
fn put_bucket_request() {
    let req = PutBucket::new("examplebucket")
        .to_request(&config())
        .unwrap();
    assert_eq!(req.method(), Method::PUT);
    assert_eq!(req.uri(), &format!("{HOST}/")[..]);
    assert_eq!(headers(&req), h(&[("content-length", "0")]));
    assert!(req.body().is_empty());

    let req = PutBucket::new("examplebucket")
        .with_storage_class("IA")
        .with_acl("private")
        .to_request(&config())
        .unwrap();
    let body =
        "<CreateBucketConfiguration><StorageClass>IA</StorageClass></CreateBucketConfiguration>";
    assert_eq!(req.body(), body.as_bytes());
    assert_eq!(
        headers(&req),
        h(&[
            ("content-length", &body.len().to_string()),
            ("content-md5", "z+G8xZvcGBBDVcth/EVS6g=="),
            ("content-type", "application/xml"),
            ("x-oss-acl", "private"),
        ])
    );
    assert!(!PutBucket::new("examplebucket").is_idempotent());
    // A known class in another case, or typed, is sent as OSS documents it.
    for class in [StorageClass::from("ia"), StorageClass::InfrequentAccess] {
        let req = PutBucket::new("examplebucket")
            .with_storage_class(class)
            .to_request(&config())
            .unwrap();
        assert_eq!(
            req.body(),
            "<CreateBucketConfiguration><StorageClass>IA</StorageClass></CreateBucketConfiguration>"
                .as_bytes()
        );
    }

    assert_eq!(
        build_field(
            PutBucket::new("examplebucket")
                .with_acl("public")
                .to_request(&config())
        ),
        "acl"
    );
    assert_eq!(
        build_field(
            PutBucket::new("examplebucket")
                .with_storage_class("Glacier")
                .to_request(&config())
        ),
        "storage_class"
    );
    assert_eq!(
        build_field(PutBucket::new("Example_Bucket").to_request(&config())),
        "bucket"
    );
}

#[test]
fn bucket_level_requests() {
    let c = config();
    let cases: Vec<(Request<Bytes>, Method, String)> = vec![
        (
            DeleteBucket::new("examplebucket").to_request(&c).unwrap(),
            Method::DELETE,
            format!("{HOST}/"),
        ),
        (
            GetBucketInfo::new("examplebucket").to_request(&c).unwrap(),
            Method::GET,
            format!("{HOST}/?bucketInfo"),
        ),
        (
            GetBucketEncryption::new("examplebucket")
                .to_request(&c)
                .unwrap(),
            Method::GET,
            format!("{HOST}/?encryption"),
        ),
        (
            DeleteBucketEncryption::new("examplebucket")
                .to_request(&c)
                .unwrap(),
            Method::DELETE,
            format!("{HOST}/?encryption"),
        ),
    ];
    for (req, method, url) in cases {
        assert_eq!(req.method(), method);
        assert_eq!(req.uri().to_string(), url);
        assert_eq!(headers(&req), vec![], "{url}");
        assert!(req.body().is_empty());
    }
    // Path style (loopback endpoint).
    let local = Config::builder("cn-hangzhou")
        .endpoint("http://127.0.0.1:9000")
        .build()
        .unwrap();
    let req = GetBucketInfo::new("examplebucket")
        .to_request(&local)
        .unwrap();
    assert_eq!(req.uri(), "http://127.0.0.1:9000/examplebucket/?bucketInfo");

    for bad in ["ab", "-abc", "abc-", "ABC", "a_b", "a.b", &"a".repeat(64)] {
        assert_eq!(
            build_field(DeleteBucket::new(bad).to_request(&c)),
            "bucket",
            "{bad}"
        );
        assert_eq!(
            build_field(GetBucketInfo::new(bad).to_request(&c)),
            "bucket"
        );
        assert_eq!(
            build_field(GetBucketEncryption::new(bad).to_request(&c)),
            "bucket"
        );
        assert_eq!(
            build_field(DeleteBucketEncryption::new(bad).to_request(&c)),
            "bucket"
        );
    }
}

#[test]
fn put_bucket_encryption_body_is_go_v2_bytes() {
    // oss-wire §1.2, go-v2 order: SSEAlgorithm, KMSMasterKeyID, KMSDataEncryption.
    let cases = [
        (
            ServerSideEncryptionRule::kms().with_kms_data_encryption(DataEncryption::Sm4),
            "<ServerSideEncryptionRule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>KMS</SSEAlgorithm><KMSDataEncryption>SM4</KMSDataEncryption></ApplyServerSideEncryptionByDefault></ServerSideEncryptionRule>",
            "4tKS6Y/XHpiZmwhLHJUbFQ==",
        ),
        (
            ServerSideEncryptionRule::kms()
                .with_kms_master_key_id(CMK)
                .with_kms_data_encryption(DataEncryption::Sm4),
            "<ServerSideEncryptionRule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>KMS</SSEAlgorithm><KMSMasterKeyID>9468da86-3509-4f8d-a61e-6eab1eac****</KMSMasterKeyID><KMSDataEncryption>SM4</KMSDataEncryption></ApplyServerSideEncryptionByDefault></ServerSideEncryptionRule>",
            "ZJ6UHvkg3UU5EdKuNkeBFw==",
        ),
        (
            ServerSideEncryptionRule::aes256(),
            "<ServerSideEncryptionRule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></ServerSideEncryptionRule>",
            // The same bytes as py-v2's AES256 vector in oss-wire §1.2.
            "TaNnET0IZuQL5ShG/X50+Q==",
        ),
        (
            ServerSideEncryptionRule::sm4(),
            "<ServerSideEncryptionRule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>SM4</SSEAlgorithm></ApplyServerSideEncryptionByDefault></ServerSideEncryptionRule>",
            "PwheCJftRhfu1UDx4gGVDA==",
        ),
    ];
    for (rule, body, md5) in cases {
        let op = PutBucketEncryption::new("examplebucket", rule.clone());
        let req = op.to_request(&config()).unwrap();
        assert_eq!(req.method(), Method::PUT);
        assert_eq!(req.uri(), &format!("{HOST}/?encryption")[..]);
        assert_eq!(std::str::from_utf8(req.body()).unwrap(), body);
        assert_eq!(content_md5(body.as_bytes()), md5);
        assert_eq!(
            headers(&req),
            h(&[
                ("content-length", &body.len().to_string()),
                ("content-md5", md5),
                ("content-type", "application/xml"),
            ])
        );
        // What a server reads back is the same rule.
        assert_eq!(
            oss_sse_core::wire::parse_rule_request(req.body()).unwrap(),
            Some(rule)
        );
    }
    assert_eq!(content_md5(b""), "1B2M2Y8AsgTpgAmY7PhCfg==");
}

#[test]
fn put_bucket_encryption_rejects_bad_rules() {
    let c = config();
    let put =
        |r: ServerSideEncryptionRule| PutBucketEncryption::new("examplebucket", r).to_request(&c);
    assert_eq!(
        build_field(put(
            ServerSideEncryptionRule::aes256().with_kms_master_key_id("k")
        )),
        "kms_master_key_id"
    );
    assert_eq!(
        build_field(put(
            ServerSideEncryptionRule::sm4().with_kms_data_encryption(DataEncryption::Sm4)
        )),
        "kms_data_encryption"
    );
    assert_eq!(
        build_field(put(ServerSideEncryptionRule::new(SseAlgorithm::Unknown(
            "DES".into()
        )))),
        "sse_algorithm"
    );
    assert_eq!(
        build_field(put(ServerSideEncryptionRule::kms()
            .with_kms_data_encryption(DataEncryption::Unknown("ZUC".into())))),
        "kms_data_encryption"
    );
    for bad_id in ["a<b", "a&b", "a\r\nb", "cmk\u{e9}"] {
        assert_eq!(
            build_field(put(
                ServerSideEncryptionRule::kms().with_kms_master_key_id(bad_id)
            )),
            "kms_master_key_id",
            "{bad_id:?}"
        );
    }
    assert_eq!(
        build_field(
            PutBucketEncryption::new("Bad_Bucket", ServerSideEncryptionRule::aes256())
                .to_request(&c)
        ),
        "bucket"
    );
}

#[test]
fn put_object_request() {
    let key = "dir one/\u{6587}\u{4ef6} +%?#&=.txt";
    let req = PutObject::new("examplebucket", key, "hello world")
        .with_content_type("text/plain")
        .with_metadata("Author", "alice")
        .with_metadata("x", "")
        .with_server_side_encryption(kms_sm4(CMK))
        .with_content_md5()
        .with_forbid_overwrite(true)
        .to_request(&config())
        .unwrap();
    assert_eq!(req.method(), Method::PUT);
    assert_eq!(
        req.uri().to_string(),
        format!("{HOST}/dir%20one/%E6%96%87%E4%BB%B6%20%2B%25%3F%23%26%3D.txt")
    );
    assert_eq!(&req.body()[..], b"hello world");
    assert_eq!(
        headers(&req),
        h(&[
            ("content-length", "11"),
            ("content-md5", "XrY7u+Ae7tCTyyK7j1rNww=="),
            ("content-type", "text/plain"),
            ("x-oss-forbid-overwrite", "true"),
            ("x-oss-meta-author", "alice"),
            ("x-oss-meta-x", ""),
            ("x-oss-server-side-data-encryption", "SM4"),
            ("x-oss-server-side-encryption", "KMS"),
            ("x-oss-server-side-encryption-key-id", CMK),
        ])
    );
    // The resource travels with the request for the signer.
    let res = req
        .extensions()
        .get::<oss_sse_core::ops::OssResource>()
        .unwrap();
    assert_eq!(res.bucket.as_deref(), Some("examplebucket"));
    assert_eq!(res.key.as_deref(), Some(key));

    // Streamed: the declared length, no body; a given Content-MD5 is sent as is.
    let req = PutObject::streaming("examplebucket", "big.bin", 5 << 30)
        .with_content_md5_value("XrY7u+Ae7tCTyyK7j1rNww==")
        .with_server_side_encryption(ServerSideEncryption::aes256())
        .to_request(&config())
        .unwrap();
    assert!(req.body().is_empty());
    assert_eq!(
        headers(&req),
        h(&[
            ("content-length", "5368709120"),
            ("content-md5", "XrY7u+Ae7tCTyyK7j1rNww=="),
            ("x-oss-server-side-encryption", "AES256"),
        ])
    );
    // An empty object still declares its length.
    let req = PutObject::new("examplebucket", "empty", "")
        .to_request(&config())
        .unwrap();
    assert_eq!(headers(&req), h(&[("content-length", "0")]));
}

#[test]
fn object_key_limits() {
    let c = config();
    assert!(
        PutObject::new("examplebucket", "k".repeat(1023), "")
            .to_request(&c)
            .is_ok()
    );
    let too_long = "k".repeat(1024);
    let multibyte = "\u{e9}".repeat(512); // 1024 bytes
    for bad in [
        "",
        too_long.as_str(),
        multibyte.as_str(),
        "a\nb",
        "a\rb",
        "a\0b",
    ] {
        assert_eq!(
            build_field(PutObject::new("examplebucket", bad, "").to_request(&c)),
            "key",
            "{bad:?}"
        );
        assert_eq!(
            build_field(GetObject::new("examplebucket", bad).to_request(&c)),
            "key"
        );
        assert_eq!(
            build_field(HeadObject::new("examplebucket", bad).to_request(&c)),
            "key"
        );
        assert_eq!(
            build_field(DeleteObject::new("examplebucket", bad).to_request(&c)),
            "key"
        );
        assert_eq!(
            build_field(AppendObject::new("examplebucket", bad, 0, "").to_request(&c)),
            "key"
        );
        assert_eq!(
            build_field(InitiateMultipartUpload::new("examplebucket", bad).to_request(&c)),
            "key"
        );
        assert_eq!(
            build_field(UploadPart::new("examplebucket", bad, "u", 1, "").to_request(&c)),
            "key"
        );
        assert_eq!(
            build_field(
                CompleteMultipartUpload::new(
                    "examplebucket",
                    bad,
                    "u",
                    vec![CompletedPart::new(1, "e")]
                )
                .to_request(&c)
            ),
            "key"
        );
        assert_eq!(
            build_field(AbortMultipartUpload::new("examplebucket", bad, "u").to_request(&c)),
            "key"
        );
        assert_eq!(
            build_field(ListParts::new("examplebucket", bad, "u").to_request(&c)),
            "key"
        );
        assert_eq!(
            build_field(CopyObject::new("srcbucket", "s", "examplebucket", bad).to_request(&c)),
            "key"
        );
        assert_eq!(
            build_field(CopyObject::new("srcbucket", bad, "examplebucket", "d").to_request(&c)),
            "source_key"
        );
    }
    assert_eq!(
        build_field(PutObject::new("Bad_Bucket", "k", "").to_request(&c)),
        "bucket"
    );
    assert_eq!(
        build_field(CopyObject::new("Bad_Bucket", "s", "examplebucket", "d").to_request(&c)),
        "source_bucket"
    );
}

#[test]
fn header_values_are_validated() {
    let c = config();
    let put = || PutObject::new("examplebucket", "k", "x");
    for bad in [
        "a\r\nx-oss-acl: public-read",
        "a\nb",
        "a\rb",
        "caf\u{e9}",
        "a\u{7}b",
    ] {
        assert_eq!(
            build_field(put().with_metadata("m", bad).to_request(&c)),
            "metadata",
            "{bad:?}"
        );
        assert_eq!(
            build_field(put().with_content_type(bad).to_request(&c)),
            "content_type",
            "{bad:?}"
        );
        assert_eq!(
            build_field(
                put()
                    .with_server_side_encryption(ServerSideEncryption::kms().with_key_id(bad))
                    .to_request(&c)
            ),
            "server_side_encryption_key_id",
            "{bad:?}"
        );
    }
    let e = put()
        .with_metadata("m", "a\r\nb")
        .to_request(&c)
        .unwrap_err();
    assert!(e.to_string().contains("CR/LF"), "{e}");
    for bad_name in ["", "a b", "a:b", "a\nb", "\u{e9}", "a/b"] {
        assert_eq!(
            build_field(put().with_metadata(bad_name, "v").to_request(&c)),
            "metadata",
            "{bad_name:?}"
        );
    }
    // Tabs and spaces are fine.
    assert!(put().with_metadata("m", "a\tb c").to_request(&c).is_ok());
}

#[test]
fn object_sse_combinations_are_validated() {
    let c = config();
    let put = |sse: ServerSideEncryption| {
        PutObject::new("examplebucket", "k", "x")
            .with_server_side_encryption(sse)
            .to_request(&c)
    };
    assert_eq!(
        build_field(put(ServerSideEncryption::aes256().with_key_id("cmk-1"))),
        "server_side_encryption_key_id"
    );
    assert_eq!(
        build_field(put(ServerSideEncryption::sm4().with_key_id("cmk-1"))),
        "server_side_encryption_key_id"
    );
    assert_eq!(
        build_field(put(
            ServerSideEncryption::aes256().with_data_encryption(DataEncryption::Sm4)
        )),
        "server_side_data_encryption"
    );
    assert_eq!(
        build_field(put(ServerSideEncryption::new(SseAlgorithm::Unknown(
            "AES512".into()
        )))),
        "server_side_encryption"
    );
    // The same checks on every operation that takes SSE.
    let sse = ServerSideEncryption::aes256().with_key_id("cmk-1");
    assert_eq!(
        build_field(
            AppendObject::new("examplebucket", "k", 0, "x")
                .with_server_side_encryption(sse.clone())
                .to_request(&c)
        ),
        "server_side_encryption_key_id"
    );
    assert_eq!(
        build_field(
            InitiateMultipartUpload::new("examplebucket", "k")
                .with_server_side_encryption(sse.clone())
                .to_request(&c)
        ),
        "server_side_encryption_key_id"
    );
    assert_eq!(
        build_field(
            CopyObject::new("srcbucket", "s", "examplebucket", "d")
                .with_server_side_encryption(sse)
                .to_request(&c)
        ),
        "server_side_encryption_key_id"
    );
    assert_eq!(
        build_field(
            PutObject::new("examplebucket", "k", "x")
                .with_content_md5_value("not-an-md5")
                .to_request(&c)
        ),
        "content_md5"
    );
}

#[test]
fn append_object_request() {
    let op = AppendObject::new("examplebucket", "log.txt", 0, "abc")
        .with_content_type("text/plain")
        .with_server_side_encryption(ServerSideEncryption::kms())
        .with_content_md5();
    let req = op.to_request(&config()).unwrap();
    assert_eq!(req.method(), Method::POST);
    assert_eq!(req.uri(), &format!("{HOST}/log.txt?append&position=0")[..]);
    assert_eq!(
        headers(&req),
        h(&[
            ("content-length", "3"),
            ("content-md5", &content_md5(b"abc")),
            ("content-type", "text/plain"),
            ("x-oss-server-side-encryption", "KMS"),
        ])
    );
    assert!(!op.is_idempotent());
    let req = AppendObject::streaming("examplebucket", "log.txt", 1717, 100)
        .to_request(&config())
        .unwrap();
    assert_eq!(
        req.uri(),
        &format!("{HOST}/log.txt?append&position=1717")[..]
    );
    assert_eq!(headers(&req), h(&[("content-length", "100")]));
}

#[test]
fn get_head_delete_object_requests() {
    let c = config();
    let req = GetObject::new("examplebucket", "a b/c.txt")
        .to_request(&c)
        .unwrap();
    assert_eq!(req.method(), Method::GET);
    assert_eq!(req.uri(), &format!("{HOST}/a%20b/c.txt")[..]);
    assert_eq!(headers(&req), vec![]);

    let req = GetObject::new("examplebucket", "k")
        .with_range(0, Some(4))
        .with_version_id("v 1+")
        .to_request(&c)
        .unwrap();
    assert_eq!(req.uri(), &format!("{HOST}/k?versionId=v%201%2B")[..]);
    assert_eq!(headers(&req), h(&[("range", "bytes=0-4")]));
    let req = GetObject::new("examplebucket", "k")
        .with_range(100, None)
        .to_request(&c)
        .unwrap();
    assert_eq!(headers(&req), h(&[("range", "bytes=100-")]));
    assert_eq!(
        build_field(
            GetObject::new("examplebucket", "k")
                .with_range(5, Some(4))
                .to_request(&c)
        ),
        "range"
    );

    let req = HeadObject::new("examplebucket", "k")
        .with_version_id("v1")
        .to_request(&c)
        .unwrap();
    assert_eq!(req.method(), Method::HEAD);
    assert_eq!(req.uri(), &format!("{HOST}/k?versionId=v1")[..]);
    assert_eq!(headers(&req), vec![]);

    let req = DeleteObject::new("examplebucket", "k")
        .to_request(&c)
        .unwrap();
    assert_eq!(req.method(), Method::DELETE);
    assert_eq!(req.uri(), &format!("{HOST}/k")[..]);
    assert_eq!(headers(&req), vec![]);
    let req = DeleteObject::new("examplebucket", "k")
        .with_version_id("v1")
        .to_request(&c)
        .unwrap();
    assert_eq!(req.uri(), &format!("{HOST}/k?versionId=v1")[..]);
}

#[test]
fn copy_object_request() {
    let c = config();
    let req = CopyObject::new(
        "srcbucket",
        "src dir/\u{4e2d}.txt",
        "examplebucket",
        "dst.txt",
    )
    .with_source_version_id("v 1")
    .with_server_side_encryption(kms_sm4(CMK))
    .to_request(&c)
    .unwrap();
    assert_eq!(req.method(), Method::PUT);
    assert_eq!(req.uri(), &format!("{HOST}/dst.txt")[..]);
    assert!(req.body().is_empty());
    assert_eq!(
        headers(&req),
        h(&[
            ("content-length", "0"),
            (
                "x-oss-copy-source",
                "/srcbucket/src%20dir/%E4%B8%AD.txt?versionId=v%201"
            ),
            ("x-oss-server-side-data-encryption", "SM4"),
            ("x-oss-server-side-encryption", "KMS"),
            ("x-oss-server-side-encryption-key-id", CMK),
        ])
    );

    let req = CopyObject::new("srcbucket", "s", "examplebucket", "d")
        .with_metadata_directive(MetadataDirective::Replace)
        .with_content_type("text/plain")
        .with_metadata("Color", "blue")
        .to_request(&c)
        .unwrap();
    assert_eq!(
        headers(&req),
        h(&[
            ("content-length", "0"),
            ("content-type", "text/plain"),
            ("x-oss-copy-source", "/srcbucket/s"),
            ("x-oss-meta-color", "blue"),
            ("x-oss-metadata-directive", "REPLACE"),
        ])
    );
    // Metadata without REPLACE would be silently ignored by OSS: refused.
    assert_eq!(
        build_field(
            CopyObject::new("srcbucket", "s", "examplebucket", "d")
                .with_metadata("a", "b")
                .to_request(&c)
        ),
        "metadata"
    );
    assert_eq!(
        build_field(
            CopyObject::new("srcbucket", "s", "examplebucket", "d")
                .with_content_type("text/plain")
                .to_request(&c)
        ),
        "metadata"
    );
}

#[test]
fn multipart_requests() {
    let c = config();
    let op = InitiateMultipartUpload::new("examplebucket", "big.bin")
        .with_content_type("application/octet-stream")
        .with_metadata("a", "1")
        .with_server_side_encryption(kms_sm4(CMK));
    let req = op.to_request(&c).unwrap();
    assert_eq!(req.method(), Method::POST);
    assert_eq!(req.uri(), &format!("{HOST}/big.bin?uploads")[..]);
    assert_eq!(
        headers(&req),
        h(&[
            ("content-length", "0"),
            ("content-type", "application/octet-stream"),
            ("x-oss-meta-a", "1"),
            ("x-oss-server-side-data-encryption", "SM4"),
            ("x-oss-server-side-encryption", "KMS"),
            ("x-oss-server-side-encryption-key-id", CMK),
        ])
    );
    assert!(!op.is_idempotent());

    let req = UploadPart::new("examplebucket", "big.bin", "0004B9+/=", 3, "part")
        .with_content_md5()
        .to_request(&c)
        .unwrap();
    assert_eq!(req.method(), Method::PUT);
    assert_eq!(
        req.uri(),
        &format!("{HOST}/big.bin?partNumber=3&uploadId=0004B9%2B%2F%3D")[..]
    );
    assert_eq!(
        headers(&req),
        h(&[
            ("content-length", "4"),
            ("content-md5", &content_md5(b"part"))
        ])
    );
    assert!(
        UploadPart::new("examplebucket", "k", "u", 10_000, "")
            .to_request(&c)
            .is_ok()
    );
    assert!(
        UploadPart::new("examplebucket", "k", "u", 1, "")
            .to_request(&c)
            .is_ok()
    );
    for n in [0, 10_001, u32::MAX] {
        assert_eq!(
            build_field(UploadPart::new("examplebucket", "k", "u", n, "").to_request(&c)),
            "part_number",
            "{n}"
        );
    }
    assert_eq!(
        build_field(UploadPart::new("examplebucket", "k", "", 1, "").to_request(&c)),
        "upload_id"
    );
    let req = UploadPart::streaming("examplebucket", "k", "u", 2, 6 << 20)
        .to_request(&c)
        .unwrap();
    assert_eq!(headers(&req), h(&[("content-length", "6291456")]));

    // Parts are sent sorted by number, ETags quoted and escaped.
    let op = CompleteMultipartUpload::new(
        "examplebucket",
        "big.bin",
        "u1",
        vec![
            CompletedPart::new(10_000, "7265F4D211B56873A381D321F586BBBB"),
            CompletedPart::new(2, "\"a&b<c\""),
            CompletedPart::new(1, "3349DC700140D7F86A0784842780AAAA"),
        ],
    );
    let req = op.to_request(&c).unwrap();
    let body = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"3349DC700140D7F86A0784842780AAAA\"</ETag></Part><Part><PartNumber>2</PartNumber><ETag>\"a&amp;b&lt;c\"</ETag></Part><Part><PartNumber>10000</PartNumber><ETag>\"7265F4D211B56873A381D321F586BBBB\"</ETag></Part></CompleteMultipartUpload>";
    assert_eq!(req.method(), Method::POST);
    assert_eq!(req.uri(), &format!("{HOST}/big.bin?uploadId=u1")[..]);
    assert_eq!(std::str::from_utf8(req.body()).unwrap(), body);
    assert_eq!(
        headers(&req),
        h(&[
            ("content-length", &body.len().to_string()),
            ("content-md5", "WjYDv6yVPyxaQqyQKmGdnA=="),
            ("content-type", "application/xml"),
        ])
    );
    assert_eq!(
        oss_sse_core::wire::parse_complete_request(req.body()).unwrap(),
        vec![
            (1, "3349DC700140D7F86A0784842780AAAA".to_owned()),
            (2, "a&b<c".to_owned()),
            (10_000, "7265F4D211B56873A381D321F586BBBB".to_owned()),
        ]
    );
    assert!(!op.is_idempotent());
    let complete = |parts: Vec<CompletedPart>| {
        CompleteMultipartUpload::new("examplebucket", "k", "u", parts).to_request(&c)
    };
    assert_eq!(build_field(complete(vec![])), "parts");
    assert_eq!(
        build_field(complete(vec![CompletedPart::new(0, "e")])),
        "parts"
    );
    assert_eq!(
        build_field(complete(vec![CompletedPart::new(10_001, "e")])),
        "parts"
    );
    assert_eq!(
        build_field(complete(vec![
            CompletedPart::new(1, "e"),
            CompletedPart::new(1, "f")
        ])),
        "parts"
    );
    assert_eq!(
        build_field(
            CompleteMultipartUpload::new(
                "examplebucket",
                "k",
                "",
                vec![CompletedPart::new(1, "e")]
            )
            .to_request(&c)
        ),
        "upload_id"
    );

    let req = AbortMultipartUpload::new("examplebucket", "big.bin", "u1")
        .to_request(&c)
        .unwrap();
    assert_eq!(req.method(), Method::DELETE);
    assert_eq!(req.uri(), &format!("{HOST}/big.bin?uploadId=u1")[..]);
    assert_eq!(headers(&req), vec![]);
    assert_eq!(
        build_field(AbortMultipartUpload::new("examplebucket", "k", "").to_request(&c)),
        "upload_id"
    );

    let req = ListParts::new("examplebucket", "big.bin", "u1")
        .with_max_parts(100)
        .with_part_number_marker(5)
        .to_request(&c)
        .unwrap();
    assert_eq!(req.method(), Method::GET);
    assert_eq!(
        req.uri(),
        &format!("{HOST}/big.bin?max-parts=100&part-number-marker=5&uploadId=u1")[..]
    );
    assert_eq!(headers(&req), vec![]);
    for n in [0, 1001] {
        assert_eq!(
            build_field(
                ListParts::new("examplebucket", "k", "u")
                    .with_max_parts(n)
                    .to_request(&c)
            ),
            "max_parts"
        );
    }
    assert_eq!(
        build_field(ListParts::new("examplebucket", "k", "").to_request(&c)),
        "upload_id"
    );
}

#[test]
fn idempotency_flags() {
    assert!(PutObject::new("examplebucket", "k", "").is_idempotent());
    assert!(UploadPart::new("examplebucket", "k", "u", 1, "").is_idempotent());
    assert!(DeleteObject::new("examplebucket", "k").is_idempotent());
    assert!(GetBucketEncryption::new("examplebucket").is_idempotent());
    assert!(!CompleteMultipartUpload::new("examplebucket", "k", "u", vec![]).is_idempotent());
    assert!(!InitiateMultipartUpload::new("examplebucket", "k").is_idempotent());
    assert!(!AppendObject::new("examplebucket", "k", 0, "").is_idempotent());
    assert!(!PutBucket::new("examplebucket").is_idempotent());
}

// ---------------------------------------------------------------------------------------------
// Regressions of src bugs found while writing these tests
// ---------------------------------------------------------------------------------------------

#[test]
fn error_document_with_character_reference() {
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n  <Code>NoSuchKey</Code>\n  <Message>The specified key does not exist.</Message>\n  <RequestId>6556E3AED11E553933CCDEDF</RequestId>\n  <Key>caf&#xE9;&#10;.txt</Key>\n  <EC>0026-00000001</EC>\n</Error>\n";
    let resp = Response::builder()
        .status(404)
        .body(Bytes::from(body))
        .unwrap();
    let e = service_err(GetObject::new("examplebucket", "k").from_response(resp));
    assert_eq!(e.code(), "NoSuchKey");
    assert_eq!(e.ec(), Some("0026-00000001"));
    assert_eq!(e.field("Key"), Some("caf\u{e9}\n.txt"));
}

#[test]
fn list_parts_with_interleaved_parts() {
    let body = "<ListPartsResult><Part><PartNumber>1</PartNumber><Size>1</Size></Part><IsTruncated>false</IsTruncated><Part><PartNumber>2</PartNumber><Size>2</Size></Part></ListPartsResult>";
    let resp = Response::builder()
        .status(200)
        .body(Bytes::from(body))
        .unwrap();
    let out = ListParts::new("examplebucket", "k", "u")
        .from_response(resp)
        .unwrap();
    assert_eq!(
        out.parts.iter().map(|p| p.part_number).collect::<Vec<_>>(),
        vec![1, 2]
    );
}

#[test]
fn get_bucket_encryption_rejects_an_unrelated_document() {
    let resp = Response::builder()
        .status(200)
        .body(Bytes::from_static(b"<html><body>Welcome</body></html>"))
        .unwrap();
    let r = GetBucketEncryption::new("examplebucket").from_response(resp);
    assert!(matches!(r, Err(Error::Parse(_))), "{r:?}");
}

// ---------------------------------------------------------------------------------------------
// Listing, part copy and tagging (oss-listing-copy §1-§4)
// ---------------------------------------------------------------------------------------------

#[test]
fn list_objects_v2_url_encoded_page_is_decoded_and_paginates() {
    let op = ListObjectsV2::new("examplebucket")
        .with_prefix("a/")
        .with_delimiter("/")
        .with_max_keys(2);
    let out = op
        .from_response(fx("list_objects_v2/url_truncated"))
        .unwrap();
    assert_eq!(out.name.as_deref(), Some("examplebucket"));
    assert_eq!(out.prefix.as_deref(), Some("a/"));
    assert_eq!(out.delimiter.as_deref(), Some("/"));
    assert_eq!(out.max_keys, Some(2));
    assert_eq!(out.key_count, Some(2));
    assert!(out.is_truncated);
    // `+` is a literal plus, `%2B` too: the key is exactly what was stored.
    assert_eq!(out.contents.len(), 1);
    let o = &out.contents[0];
    assert_eq!(o.key, "a/b c+%.txt");
    assert_eq!(o.etag.as_deref(), Some("35A27C2B9EAEEB6F48FD7FB5861D1234"));
    assert_eq!(o.size, 25);
    assert_eq!(o.object_type, Some(ObjectType::Normal));
    assert_eq!(o.storage_class, Some(StorageClass::Standard));
    assert_eq!(
        o.last_modified.map(|t| t.to_string()).as_deref(),
        Some("2020-05-18T05:45:47.000Z")
    );
    assert_eq!(o.owner, None);
    assert_eq!(out.common_prefixes, vec!["a/中/".to_owned()]);
    assert_eq!(out.request_id.as_deref(), Some("534B371674E88A4D8906****"));

    // The next page keeps every parameter and adds the token.
    let next = op.next_page(&out).expect("a next page");
    assert_eq!(next.continuation_token(), Some("CgRhL2MvGAA-"));
    assert_eq!(next.prefix(), Some("a/"));
    assert_eq!(next.delimiter(), Some("/"));
}

#[test]
fn list_objects_v2_storage_class_and_type_are_typed_whatever_their_case() {
    let entries = "<Contents><Key>a</Key><Type>NORMAL</Type><StorageClass>STANDARD</StorageClass></Contents>\
        <Contents><Key>b</Key><Type>Symlink</Type><StorageClass>IA</StorageClass></Contents>\
        <Contents><Key>c</Key><Type>Folder</Type><StorageClass>Glacier</StorageClass></Contents>\
        <Contents><Key>d</Key><Type> </Type><StorageClass/></Contents>";
    // OSS's shape (the byte scanner), and with a comment (quick-xml): the same values.
    for body in [
        format!("<ListBucketResult>{entries}<IsTruncated>false</IsTruncated></ListBucketResult>"),
        format!(
            "<ListBucketResult><!-- x -->{entries}<IsTruncated>false</IsTruncated></ListBucketResult>"
        ),
    ] {
        let resp = Response::builder()
            .status(200)
            .body(Bytes::from(body))
            .unwrap();
        let out = ListObjectsV2::new("b").from_response(resp).unwrap();
        let typed: Vec<_> = out
            .contents
            .iter()
            .map(|o| (o.object_type.clone(), o.storage_class.clone()))
            .collect();
        assert_eq!(
            typed,
            [
                (Some(ObjectType::Normal), Some(StorageClass::Standard)),
                (
                    Some(ObjectType::Symlink),
                    Some(StorageClass::InfrequentAccess)
                ),
                (
                    Some(ObjectType::Unknown("Folder".into())),
                    Some(StorageClass::Unknown("Glacier".into()))
                ),
                (None, None),
            ]
        );
        // An unknown value reads back as OSS wrote it, a known one as OSS documents it.
        assert_eq!(
            out.contents[0].storage_class.as_ref().unwrap().as_str(),
            "Standard"
        );
        assert_eq!(
            out.contents[2].object_type.as_ref().unwrap().as_str(),
            "Folder"
        );
    }
}

#[test]
fn list_objects_v2_empty_and_reordered_pages() {
    let op = ListObjectsV2::new("examplebucket");
    let out = op
        .from_response(fx("list_objects_v2/empty_bucket"))
        .unwrap();
    assert!(out.contents.is_empty() && out.common_prefixes.is_empty());
    assert_eq!(out.key_count, Some(0));
    assert_eq!(out.prefix, None);
    assert!(!out.is_truncated);
    assert!(op.next_page(&out).is_none());

    let out = op
        .from_response(fx("list_objects_v2/owner_restore_reordered"))
        .unwrap();
    let o = &out.contents[0];
    // No EncodingType: the key is taken as is.
    assert_eq!(o.key, "fun/movie/001.avi");
    assert_eq!(
        o.etag.as_deref(),
        Some("5B3C1A2E053D763E1B002CC607C5A0FE-3")
    );
    assert_eq!(o.object_type, Some(ObjectType::Multipart));
    assert_eq!(o.size, 344_606);
    assert_eq!(
        o.restore_info.as_deref(),
        Some(r#"ongoing-request="false", expiry-date="Thu, 24 Sep 2020 12:40:33 GMT""#)
    );
    let owner = o.owner.as_ref().unwrap();
    assert_eq!(owner.id.as_deref(), Some("1305433xxx"));
    assert_eq!(owner.display_name.as_deref(), Some("1305433xxx"));
}

#[test]
fn list_objects_v2_refuses_pages_it_cannot_trust() {
    let op = ListObjectsV2::new("examplebucket");
    for (case, says) in [
        ("truncated_without_token", "NextContinuationToken"),
        ("bad_size", "Size"),
        ("bad_truncated", "IsTruncated"),
        ("bad_encoding", "Key"),
    ] {
        let e = parse_err(op.from_response(fx(&format!("list_objects_v2/{case}"))));
        assert!(e.contains(says), "{case}: {e}");
    }
    let e = service_err(op.from_response(fx("list_objects_v2/invalid_token")));
    assert_eq!(e.status(), 400);
    assert_eq!(e.code(), "InvalidArgument");
    assert_eq!(e.ec(), Some("0016-00000001"));
}

/// Asks `next_page_from_start` at every length of the page's body, as a transport would
/// as it arrives: "read more" until the markers are in, then one answer that more bytes do
/// not change; returns the body length at which it was given, and the answer.
fn early_answers<O: Paginate + Debug + PartialEq>(
    op: &O,
    page: &Response<Bytes>,
) -> (usize, EarlyNext<O>) {
    let body = page.body();
    let mut decided: Option<(usize, EarlyNext<O>)> = None;
    for n in 0..=body.len() {
        let got = op.next_page_from_start(page.status(), &body[..n], n == body.len());
        match &decided {
            None if got == EarlyNext::ReadMore => {}
            None => decided = Some((n, got)),
            Some((_, first)) => assert_eq!(&got, first, "the answer changed at {n} bytes"),
        }
    }
    let decided = decided.expect("an answer once the body is complete");
    // The whole-response form agrees.
    let whole = op.next_page_early(page);
    match &decided.1 {
        EarlyNext::Fetch(n) => assert_eq!(whole.as_ref(), Some(n)),
        _ => assert_eq!(whole, None),
    }
    decided
}

#[test]
fn listing_markers_are_read_from_the_start_of_a_page() {
    // A truncated page: the next request is known once the head (before the first entry)
    // is in, long before the body ends, and it is the one the parsed page names.
    let op = ListObjectsV2::new("examplebucket")
        .with_prefix("a/")
        .with_delimiter("/")
        .with_max_keys(2);
    let page = fx("list_objects_v2/url_truncated");
    let (at, answer) = early_answers(&op, &page);
    // Decided as soon as `<Contents>` is in (what ends the head).
    let contents = find(page.body(), b"<Contents>").unwrap() + "<Contents>".len();
    assert_eq!(at, contents);
    assert!(at < page.body().len() / 2);
    let parsed = op.from_response(page).unwrap();
    assert_eq!(answer, EarlyNext::Fetch(op.next_page(&parsed).unwrap()));

    // The last page, and a page whose markers the scan cannot read: nothing early.
    let op = ListObjectsV2::new("examplebucket");
    for name in [
        "empty_bucket",
        "owner_restore_reordered",
        "truncated_without_token",
    ] {
        let (_, answer) = early_answers(&op, &fx(&format!("list_objects_v2/{name}")));
        assert_eq!(answer, EarlyNext::Wait, "{name}");
    }
    // An error answer: nothing early, whatever its body.
    let (at, answer) = early_answers(&op, &fx("list_objects_v2/invalid_token"));
    assert_eq!((at, answer), (0, EarlyNext::Wait));

    let op = ListMultipartUploads::new("oss-example")
        .with_prefix("demo/")
        .with_delimiter("/")
        .with_max_uploads(2);
    let page = fx("list_multipart_uploads/url_truncated");
    let (at, answer) = early_answers(&op, &page);
    assert_eq!(
        at,
        find(page.body(), b"<Upload>").unwrap() + "<Upload>".len()
    );
    let parsed = op.from_response(page).unwrap();
    assert_eq!(answer, EarlyNext::Fetch(op.next_page(&parsed).unwrap()));
}

#[test]
fn list_multipart_uploads_page_and_paginator() {
    let op = ListMultipartUploads::new("oss-example")
        .with_prefix("demo/")
        .with_delimiter("/")
        .with_max_uploads(2);
    let out = op
        .from_response(fx("list_multipart_uploads/url_truncated"))
        .unwrap();
    assert_eq!(out.bucket.as_deref(), Some("oss-example"));
    assert_eq!(out.prefix.as_deref(), Some("demo/"));
    assert_eq!(out.delimiter.as_deref(), Some("/"));
    assert_eq!(out.key_marker, None);
    assert_eq!(out.max_uploads, Some(2));
    assert!(out.is_truncated);
    assert_eq!(out.next_key_marker.as_deref(), Some("demo/gp-\x0c\n\x0b"));
    assert_eq!(out.uploads.len(), 1);
    assert_eq!(out.uploads[0].key, "demo/gp-\x0c\n\x0b");
    assert_eq!(out.uploads[0].upload_id, "0214A87687F040F1BA4D83AB17C9****");
    assert_eq!(
        out.uploads[0].initiated.map(|t| t.to_string()).as_deref(),
        Some("2022-09-26T04:20:11.000Z")
    );
    assert_eq!(out.common_prefixes, vec!["demo/sub/".to_owned()]);

    let next = op.next_page(&out).expect("a next page");
    let req = next
        .to_request(&Config::builder("cn-hangzhou").build().unwrap())
        .unwrap();
    let q = req.uri().query().unwrap();
    assert!(q.contains("key-marker=demo%2Fgp-%0C%0A%0B"), "{q}");
    assert!(
        q.contains("upload-id-marker=0214A87687F040F1BA4D83AB17C9"),
        "{q}"
    );
    assert!(
        q.contains("prefix=demo%2F") && q.contains("max-uploads=2"),
        "{q}"
    );

    let e = parse_err(op.from_response(fx("list_multipart_uploads/truncated_without_marker")));
    assert!(e.contains("NextKeyMarker"), "{e}");
}

#[test]
fn upload_part_copy_results() {
    let op = UploadPartCopy::new("examplebucket", "dst", "u", 1, "srcbucket", "src");
    let out = op.from_response(fx("upload_part_copy/ok")).unwrap();
    assert_eq!(
        out.etag.as_deref(),
        Some("5B3C1A2E053D763E1B002CC607C5****")
    );
    assert_eq!(
        out.last_modified.map(|t| t.to_string()).as_deref(),
        Some("2014-07-17T06:27:54.000Z")
    );
    assert_eq!(out.hash_crc64, Some(12_345_678_901_234_567_890));
    assert!(
        out.source_version_id
            .as_deref()
            .unwrap()
            .starts_with("CAEQNhiB")
    );
    assert_eq!(
        out.server_side_encryption,
        Some(ServerSideEncryption::kms().with_key_id("9468da86-3509-4f8d-a61e-6eab1eac****"))
    );
    let e = service_err(op.from_response(fx("upload_part_copy/precondition_failed")));
    assert_eq!(e.status(), 412);
    assert_eq!(e.code(), "PreconditionFailed");
}

#[test]
fn copy_object_etag_from_the_header_when_the_body_has_none() {
    let op = CopyObject::new("srcbucket", "src.txt", "examplebucket", "dst.txt");
    let out = op
        .from_response(fx("copy_object/etag_header_only"))
        .unwrap();
    assert_eq!(
        out.etag.as_deref(),
        Some("F2064A169EE92E9775EE5324D0B1****")
    );
    assert_eq!(
        out.last_modified.map(|t| t.to_string()).as_deref(),
        Some("2024-06-02T12:40:00.000Z")
    );
}

#[test]
fn object_tagging_results_and_requests() {
    let out = GetObjectTagging::new("examplebucket", "k")
        .from_response(fx("get_object_tagging/two_tags"))
        .unwrap();
    assert_eq!(
        out.tags,
        vec![
            ("a".to_owned(), "1".to_owned()),
            ("b c".to_owned(), String::new())
        ]
    );
    let out = GetObjectTagging::new("examplebucket", "k")
        .from_response(fx("get_object_tagging/empty"))
        .unwrap();
    assert!(out.tags.is_empty());

    let cfg = Config::builder("cn-hangzhou").build().unwrap();
    let req = PutObjectTagging::new("examplebucket", "k", vec![("a".into(), "1".into())])
        .to_request(&cfg)
        .unwrap();
    assert_eq!(req.method(), Method::PUT);
    assert_eq!(req.uri().query(), Some("tagging"));
    let body = std::str::from_utf8(req.body()).unwrap();
    assert!(
        body.contains("<Tag><Key>a</Key><Value>1</Value></Tag>"),
        "{body}"
    );
    // More than 10 tags, or a duplicate key, is refused before anything is sent.
    let many: Vec<(String, String)> = (0..11).map(|i| (format!("k{i}"), "v".into())).collect();
    let e = PutObjectTagging::new("examplebucket", "k", many).to_request(&cfg);
    assert!(
        matches!(&e, Err(Error::Build(b)) if b.field() == "tags"),
        "{e:?}"
    );
    let dup = vec![
        ("a".to_owned(), "1".to_owned()),
        ("a".to_owned(), "2".to_owned()),
    ];
    let e = PutObjectTagging::new("examplebucket", "k", dup).to_request(&cfg);
    assert!(
        matches!(&e, Err(Error::Build(b)) if b.field() == "tags"),
        "{e:?}"
    );
}

#[test]
fn listing_requests_refuse_bad_bounds_by_name() {
    let cfg = Config::builder("cn-hangzhou").build().unwrap();
    for n in [0, 1001] {
        let e = ListObjectsV2::new("examplebucket")
            .with_max_keys(n)
            .to_request(&cfg);
        assert!(
            matches!(&e, Err(Error::Build(b)) if b.field() == "max_keys"),
            "{e:?}"
        );
        let e = ListMultipartUploads::new("examplebucket")
            .with_max_uploads(n)
            .to_request(&cfg);
        assert!(
            matches!(&e, Err(Error::Build(b)) if b.field() == "max_uploads"),
            "{e:?}"
        );
    }
    let e = ListMultipartUploads::new("examplebucket")
        .with_upload_id_marker("u")
        .to_request(&cfg);
    assert!(
        matches!(&e, Err(Error::Build(b)) if b.field() == "upload_id_marker"),
        "{e:?}"
    );
    let e = UploadPartCopy::new("examplebucket", "k", "u", 1, "srcbucket", "k")
        .with_source_range(10, 9)
        .to_request(&cfg);
    assert!(
        matches!(&e, Err(Error::Build(b)) if b.field() == "range"),
        "{e:?}"
    );
    let e =
        UploadPartCopy::new("examplebucket", "k", "u", 10_001, "srcbucket", "k").to_request(&cfg);
    assert!(
        matches!(&e, Err(Error::Build(b)) if b.field() == "part_number"),
        "{e:?}"
    );
    let req = ListObjectsV2::new("examplebucket")
        .to_request(&cfg)
        .unwrap();
    assert_eq!(req.uri().query(), Some("list-type=2&encoding-type=url"));
}

/// Times are typed: a malformed one is a parse error naming the field, in the XML of a
/// listing and in a `Last-Modified` header; OSS's text reads back as it was written.
#[test]
fn times_are_typed_and_a_malformed_one_is_a_parse_error() {
    let xml = |body: String| {
        Response::builder()
            .status(200)
            .body(Bytes::from(body))
            .unwrap()
    };
    let page = |time: &str| {
        xml(format!(
            "<ListBucketResult><Name>b</Name><IsTruncated>false</IsTruncated>\
             <Contents><Key>k</Key><LastModified>{time}</LastModified>\
             <ETag>&quot;5B3C1A2E053D763E1B002CC607C5A0FE&quot;</ETag><Size>1</Size></Contents>\
             </ListBucketResult>"
        ))
    };
    let op = ListObjectsV2::new("b");
    let out = op.from_response(page("2020-05-18T05:45:47.000Z")).unwrap();
    let o = &out.contents[0];
    assert_eq!(o.last_modified.map(|t| t.unix_secs()), Some(1_589_780_747));
    assert_eq!(
        o.last_modified.unwrap().to_string(),
        "2020-05-18T05:45:47.000Z"
    );
    assert_eq!(o.etag.as_deref(), Some("5B3C1A2E053D763E1B002CC607C5A0FE"));
    assert_eq!(
        parse_err(op.from_response(page("2020-05-18 05:45:47"))),
        "ListObjectsV2 response has a malformed LastModified: \"2020-05-18 05:45:47\""
    );
    // Empty reads as absent, as for every other field.
    assert_eq!(
        op.from_response(page("")).unwrap().contents[0].last_modified,
        None
    );

    let uploads = |time: &str| {
        xml(format!(
            "<ListMultipartUploadsResult><Bucket>b</Bucket><IsTruncated>false</IsTruncated>\
             <Upload><Key>k</Key><UploadId>u</UploadId><Initiated>{time}</Initiated></Upload>\
             </ListMultipartUploadsResult>"
        ))
    };
    let op = ListMultipartUploads::new("b");
    assert!(
        op.from_response(uploads("2022-09-26T04:20:11.000Z"))
            .unwrap()
            .uploads[0]
            .initiated
            .is_some()
    );
    assert_eq!(
        parse_err(op.from_response(uploads("soon"))),
        "ListMultipartUploads response has a malformed Initiated: \"soon\""
    );

    let head = |time: &str| {
        Response::builder()
            .status(200)
            .header("last-modified", time)
            .body(Bytes::new())
            .unwrap()
    };
    let op = HeadObject::new("b", "k");
    let h = op
        .from_response(head("Fri, 24 Feb 2012 06:07:48 GMT"))
        .unwrap();
    assert_eq!(
        h.last_modified.map(|t| t.to_string()).as_deref(),
        Some("2012-02-24T06:07:48.000Z")
    );
    assert_eq!(
        parse_err(op.from_response(head("2012-02-24"))),
        "HeadObject response has a malformed last-modified header"
    );
}
