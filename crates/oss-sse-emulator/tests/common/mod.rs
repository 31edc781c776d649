//! Helpers shared by the emulator's integration tests: a client for an emulator, and raw
//! signed requests for what the typed API deliberately cannot express.
#![allow(dead_code, unreachable_pub)]

use std::time::SystemTime;

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Request, Response};
use http_body_util::BodyExt;
use oss_sse_core::ops::{Operation, OssResource};
use oss_sse_core::sign::{SignatureVersion, Signer, SigningContext};
use oss_sse_core::{Config, Credentials};
use oss_sse_emulator::EmulatorHandle;
use oss_sse_hyper::{Client, HttpSend, HyperTransport};

pub fn client(emu: &EmulatorHandle) -> Client {
    Client::builder(emu.region())
        .endpoint(emu.endpoint())
        .credentials(emu.credentials().clone())
        .build()
        .unwrap()
}

pub fn config(emu: &EmulatorHandle) -> Config {
    Config::builder(emu.region())
        .endpoint(emu.endpoint())
        .build()
        .unwrap()
}

/// A response read whole.
pub struct Raw {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

impl Raw {
    pub fn h(&self, n: &str) -> Option<&str> {
        self.headers.get(n).and_then(|v| v.to_str().ok())
    }
    /// The error document: the body, or (HEAD) the base64 `x-oss-err` header.
    pub fn doc(&self) -> String {
        if self.body.is_empty()
            && let Some(e) = self.h("x-oss-err")
        {
            return String::from_utf8(oss_sse_core::crypto::base64_decode(e).unwrap()).unwrap();
        }
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn code(&self) -> String {
        let b = self.doc();
        b.split("<Code>")
            .nth(1)
            .and_then(|s| s.split("</Code>").next())
            .unwrap_or("")
            .to_owned()
    }
    pub fn field(&self, name: &str) -> Option<String> {
        let b = self.doc();
        let open = format!("<{name}>");
        let close = format!("</{name}>");
        b.split(open.as_str())
            .nth(1)
            .and_then(|s| s.split(close.as_str()).next())
            .map(str::to_owned)
    }
}

/// Sends `req` as is.
pub async fn send_raw(req: Request<Bytes>) -> Raw {
    let t = HyperTransport::default();
    let (parts, body) = req.into_parts();
    let body = http_body_util::Full::new(body)
        .map_err(|e| match e {})
        .boxed_unsync();
    let resp: Response<_> = t.send(Request::from_parts(parts, body)).await.unwrap();
    let (parts, body) = resp.into_parts();
    Raw {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body: body.collect().await.unwrap().to_bytes(),
    }
}

/// Builds `op`, lets `tweak` edit the request, signs it with `creds` at `time`, sends it.
pub async fn send_op<O: Operation>(
    emu: &EmulatorHandle,
    op: &O,
    creds: &Credentials,
    version: SignatureVersion,
    time: SystemTime,
    tweak: impl FnOnce(&mut Request<Bytes>),
) -> Raw {
    let mut req = op.to_request(&config(emu)).unwrap();
    tweak(&mut req);
    let res = req
        .extensions()
        .get::<OssResource>()
        .cloned()
        .unwrap_or_default();
    let ctx = SigningContext::new(emu.region()).resource(res.bucket.as_deref(), res.key.as_deref());
    Signer::new(version)
        .sign(&mut req, creds, &ctx, time)
        .unwrap();
    send_raw(req).await
}

pub fn set(req: &mut Request<Bytes>, name: &'static str, value: &str) {
    req.headers_mut().insert(
        HeaderName::from_static(name),
        HeaderValue::from_str(value).unwrap(),
    );
}

pub fn rss_bytes() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}
