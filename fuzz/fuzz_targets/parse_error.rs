//! `ops::parse_error` on an arbitrary body and arbitrary `x-oss-err` header bytes (raw, base64
//! of bytes, or base64 of a generated document), with optional `x-oss-request-id` /
//! `x-oss-ec` headers.
//!
//! Oracles besides "no panic":
//! * the result is always `Error::Service` with the response's status and a non-empty code;
//! * round trip: an `<Error>` document written by `wire::error_document` (the emulator's
//!   writer) from generated fields, sent as the body or (HEAD) base64 in `x-oss-err` with an
//!   empty body, is read back field for field (values trimmed, last duplicate wins).
#![no_main]

use arbitrary::Arbitrary;
use base64::Engine as _;
use http::{HeaderValue, Response};
use libfuzzer_sys::fuzz_target;
use oss_sse_core::{Error, ServiceError, ops};
use oss_sse_fuzz::{BodySel, FieldName, StatusSel, XmlDoc};

#[derive(Arbitrary, Debug)]
enum ErrHeader {
    Raw(Vec<u8>),
    Base64(Vec<u8>),
    Doc(XmlDoc),
}

#[derive(Arbitrary, Debug)]
struct Input {
    status: StatusSel,
    request_id: Option<String>,
    ec: Option<String>,
    err_header: Option<ErrHeader>,
    body: BodySel,
    round_trip: Vec<(FieldName, String)>,
    round_trip_in_header: bool,
}

fn service(head: &http::response::Parts, body: &[u8]) -> Box<ServiceError> {
    match ops::parse_error(head, body) {
        Error::Service(e) => {
            assert_eq!(e.status(), head.status);
            assert!(!e.code().is_empty(), "empty error code");
            let _ = (e.kind(), e.is_retryable(), e.server_time(), e.to_string());
            e
        }
        other => panic!("parse_error returned a non-service error: {other:?}"),
    }
}

fuzz_target!(|input: Input| {
    let b64 = base64::engine::general_purpose::STANDARD;
    let status = input.status.code();
    let mut head = Response::new(()).into_parts().0;
    head.status = status;
    if let Some(v) = input
        .request_id
        .as_deref()
        .and_then(|v| HeaderValue::from_str(v).ok())
    {
        head.headers.insert("x-oss-request-id", v);
    }
    if let Some(v) = input
        .ec
        .as_deref()
        .and_then(|v| HeaderValue::from_str(v).ok())
    {
        head.headers.insert("x-oss-ec", v);
    }
    let raw_head = head.clone();

    // 1. Arbitrary body and header.
    if let Some(h) = &input.err_header {
        let bytes = match h {
            ErrHeader::Raw(b) => b.clone(),
            ErrHeader::Base64(b) => b64.encode(b).into_bytes(),
            ErrHeader::Doc(d) => b64.encode(d.render()).into_bytes(),
        };
        if let Ok(v) = HeaderValue::from_bytes(&bytes) {
            head.headers.insert("x-oss-err", v);
        }
    }
    let body = input.body.bytes();
    service(&head, &body);
    service(&head, b"");

    // 2. Round trip through the writer, in the body or in x-oss-err.
    let fields: Vec<(&str, &str)> = input
        .round_trip
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let doc = oss_sse_core::wire::error_document(&fields);
    let mut head = raw_head;
    let e = if input.round_trip_in_header {
        head.headers.insert(
            "x-oss-err",
            HeaderValue::from_str(&b64.encode(&doc)).expect("base64 is a header value"),
        );
        service(&head, b"")
    } else {
        service(&head, doc.as_bytes())
    };
    let last = |name: &str| {
        fields
            .iter()
            .rev()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.trim().to_owned())
    };
    let header = |name: &str| {
        head.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_owned())
    };
    let ctx = || format!("document {doc:?}");
    match last("Code").filter(|c| !c.is_empty()) {
        Some(c) => assert_eq!(e.code(), c, "Code; {}", ctx()),
        None => assert!(!e.code().is_empty()),
    }
    assert_eq!(
        e.message(),
        last("Message").unwrap_or_default(),
        "Message; {}",
        ctx()
    );
    assert_eq!(
        e.request_id().map(str::to_owned),
        last("RequestId").or_else(|| header("x-oss-request-id")),
        "RequestId; {}",
        ctx()
    );
    assert_eq!(
        e.host_id().map(str::to_owned),
        last("HostId"),
        "HostId; {}",
        ctx()
    );
    assert_eq!(
        e.ec().map(str::to_owned),
        last("EC").or_else(|| header("x-oss-ec")),
        "EC; {}",
        ctx()
    );
    let others: Vec<(String, String)> = fields
        .iter()
        .filter(|(k, _)| !matches!(*k, "Code" | "Message" | "RequestId" | "HostId" | "EC"))
        .map(|(k, v)| ((*k).to_owned(), v.trim().to_owned()))
        .collect();
    assert_eq!(e.fields(), &others[..], "other fields; {}", ctx());
});
