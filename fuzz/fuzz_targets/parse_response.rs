//! Every operation's `Operation::from_response` (and GetObject's
//! `StreamingOperation::from_response_head`) on a generated response: a status from a small
//! set, OSS headers with text / numeric / base64 values, and a raw or generated-XML body.
//!
//! Oracles besides "no panic":
//! * a non-2xx response is always `Error::Service` carrying that status;
//! * a 2xx response is never `Error::Service`, `Error::Build` or `Error::Sign`;
//! * GetObject's buffered head equals its streaming head, and HeadObject reads the same head.
#![no_main]

use arbitrary::Arbitrary;
use bytes::Bytes;
use http::{HeaderMap, Response, StatusCode};
use libfuzzer_sys::fuzz_target;
use oss_sse_core::ops::{self, Operation, StreamingOperation};
use oss_sse_core::{Error, ServerSideEncryptionRule};
use oss_sse_fuzz::{BodySel, HeaderSel, StatusSel};

#[derive(Arbitrary, Debug)]
struct Input {
    status: StatusSel,
    headers: Vec<HeaderSel>,
    body: BodySel,
}

fn response(status: StatusCode, headers: &HeaderMap, body: &Bytes) -> Response<Bytes> {
    let mut r = Response::new(body.clone());
    *r.status_mut() = status;
    *r.headers_mut() = headers.clone();
    r
}

/// Checks the status contract and returns the output, if any.
fn check<O: std::fmt::Debug>(name: &str, status: StatusCode, r: Result<O, Error>) -> Option<O> {
    match r {
        Ok(o) => {
            assert!(
                status.is_success(),
                "{name}: a {status} response parsed as success: {o:?}"
            );
            Some(o)
        }
        Err(Error::Service(e)) => {
            assert!(
                !status.is_success(),
                "{name}: a {status} response became a service error: {e}"
            );
            assert_eq!(e.status(), status, "{name}: service error status");
            assert!(!e.code().is_empty(), "{name}: service error without a code");
            // Exercise the accessors and Display.
            let _ = (e.kind(), e.is_retryable(), e.server_time(), e.to_string());
            None
        }
        Err(Error::Parse(p)) => {
            assert!(
                status.is_success(),
                "{name}: a {status} response became a parse error, not a service error: {p}"
            );
            let _ = p.to_string();
            None
        }
        Err(e) => panic!("{name}: response parsing returned a build/sign error: {e:?}"),
    }
}

macro_rules! run {
    ($op:expr, $status:expr, $headers:expr, $body:expr) => {{
        let op = $op;
        let name = std::any::type_name_of_val(&op);
        check(
            name,
            $status,
            op.from_response(response($status, $headers, $body)),
        )
    }};
}

fuzz_target!(|input: Input| {
    let status = input.status.code();
    let headers = oss_sse_fuzz::header_map(&input.headers);
    let body = Bytes::from(input.body.bytes());
    let (s, h, b) = (status, &headers, &body);

    run!(ops::PutBucket::new("examplebucket"), s, h, b);
    run!(ops::DeleteBucket::new("examplebucket"), s, h, b);
    run!(ops::GetBucketInfo::new("examplebucket"), s, h, b);
    run!(
        ops::PutBucketEncryption::new("examplebucket", ServerSideEncryptionRule::kms()),
        s,
        h,
        b
    );
    run!(ops::GetBucketEncryption::new("examplebucket"), s, h, b);
    run!(ops::DeleteBucketEncryption::new("examplebucket"), s, h, b);
    run!(
        ops::PutObject::new("examplebucket", "k", Bytes::from_static(b"x")),
        s,
        h,
        b
    );
    run!(
        ops::AppendObject::new("examplebucket", "k", 0, Bytes::from_static(b"x")),
        s,
        h,
        b
    );
    let get = run!(ops::GetObject::new("examplebucket", "k"), s, h, b);
    let head = run!(ops::HeadObject::new("examplebucket", "k"), s, h, b);
    run!(ops::DeleteObject::new("examplebucket", "k"), s, h, b);
    run!(
        ops::CopyObject::new("src", "sk", "examplebucket", "k"),
        s,
        h,
        b
    );
    run!(
        ops::InitiateMultipartUpload::new("examplebucket", "k"),
        s,
        h,
        b
    );
    run!(
        ops::UploadPart::new("examplebucket", "k", "u", 1, Bytes::from_static(b"x")),
        s,
        h,
        b
    );
    run!(
        ops::CompleteMultipartUpload::new(
            "examplebucket",
            "k",
            "u",
            vec![ops::CompletedPart::new(1, "e")]
        ),
        s,
        h,
        b
    );
    run!(
        ops::AbortMultipartUpload::new("examplebucket", "k", "u"),
        s,
        h,
        b
    );
    run!(ops::ListParts::new("examplebucket", "k", "u"), s, h, b);

    // Streaming head: same contract, and it must agree with the buffered parse.
    let (parts, _) = response(s, h, b).into_parts();
    let streamed = check(
        "GetObject::from_response_head",
        s,
        ops::GetObject::new("examplebucket", "k").from_response_head(&parts),
    );
    match (&get, &streamed) {
        (Some(g), Some(st)) => {
            assert_eq!(&g.head, st, "GetObject: buffered head != streaming head");
            assert_eq!(g.body, body, "GetObject: body changed");
        }
        (None, None) => {}
        _ => panic!("GetObject: buffered ({get:?}) and streaming ({streamed:?}) parses disagree"),
    }
    assert_eq!(
        streamed.is_some(),
        head.is_some(),
        "GetObject head and HeadObject disagree: {streamed:?} vs {head:?}"
    );
    if let (Some(st), Some(hd)) = (&streamed, &head) {
        assert_eq!(st, hd, "GetObject head != HeadObject head");
    }
});
