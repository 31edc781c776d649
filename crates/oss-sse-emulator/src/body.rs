//! The request body as handlers see it: read frame by frame with an idle timeout, checked
//! against `Content-Length` and `x-oss-content-sha256` before a handler can commit, and
//! drained after an early error so that a client that writes its whole body before reading
//! still receives the answer.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::HeaderMap;
use http_body_util::BodyExt;
use hyper::body::Incoming;

use crate::error::OssErr;

/// How much of an unread body is drained (and discarded) after an early error before the
/// connection is closed instead.
pub(crate) const DRAIN_LIMIT: u64 = 64 * 1024 * 1024;

/// A request body.
pub(crate) struct ReqBody {
    inner: Option<Incoming>,
    idle: Duration,
    received: u64,
    declared: Option<u64>,
    sha256: Option<(ring::digest::Context, Vec<u8>)>,
    finished: bool,
    polled: bool,
}

/// `x-oss-content-sha256`: `UNSIGNED-PAYLOAD`, or the body's SHA-256 as 64 hex digits.
fn expected_sha256(headers: &HeaderMap) -> Result<Option<Vec<u8>>, OssErr> {
    let Some(v) = headers.get(oss_sse_core::headers::X_OSS_CONTENT_SHA256) else {
        return Ok(None);
    };
    let v = v.to_str().unwrap_or("").trim();
    if v == oss_sse_core::headers::UNSIGNED_PAYLOAD {
        return Ok(None);
    }
    let bytes = (v.len() == 64)
        .then(|| {
            (0..32)
                .map(|i| u8::from_str_radix(v.get(i * 2..i * 2 + 2)?, 16).ok())
                .collect::<Option<Vec<u8>>>()
        })
        .flatten();
    bytes.map(Some).ok_or_else(|| {
        OssErr::invalid_argument(
            "x-oss-content-sha256 must be UNSIGNED-PAYLOAD or the SHA-256 of the body as 64 hex digits.",
        )
    })
}

impl ReqBody {
    /// Wraps `incoming`.
    pub(crate) fn new(incoming: Incoming, headers: &HeaderMap, idle: Duration) -> Self {
        let declared = headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        Self {
            inner: Some(incoming),
            idle,
            received: 0,
            declared,
            sha256: None,
            finished: false,
            polled: false,
        }
    }

    /// Checks `x-oss-content-sha256` (before anything is read) and, when it is a hash,
    /// verifies the body against it at its end.
    pub(crate) fn expect_sha256(&mut self, headers: &HeaderMap) -> Result<(), OssErr> {
        self.sha256 = expected_sha256(headers)?
            .map(|w| (ring::digest::Context::new(&ring::digest::SHA256), w));
        Ok(())
    }

    /// The next piece of the body; `None` at its end, once its length and SHA-256 (when
    /// declared) are verified.
    pub(crate) async fn next(&mut self) -> Result<Option<Bytes>, OssErr> {
        loop {
            let Some(inner) = self.inner.as_mut() else {
                return self.end();
            };
            self.polled = true;
            let frame = match tokio::time::timeout(self.idle, inner.frame()).await {
                Err(_) => {
                    self.inner = None;
                    return Err(OssErr::new(
                        400,
                        "RequestTimeout",
                        "Your socket connection to the server was not read from or written to within the timeout period.",
                    ));
                }
                Ok(None) => {
                    self.inner = None;
                    return self.end();
                }
                Ok(Some(Err(e))) => {
                    self.inner = None;
                    return Err(OssErr::new(
                        400,
                        "IncompleteBody",
                        format!("The request body was cut off: {e}"),
                    ));
                }
                Ok(Some(Ok(f))) => f,
            };
            if let Ok(data) = frame.into_data() {
                if data.is_empty() {
                    continue;
                }
                self.received += data.len() as u64;
                if let Some((ctx, _)) = self.sha256.as_mut() {
                    ctx.update(&data);
                }
                return Ok(Some(data));
            }
        }
    }

    fn end(&mut self) -> Result<Option<Bytes>, OssErr> {
        if self.finished {
            return Ok(None);
        }
        self.finished = true;
        if let Some(declared) = self.declared
            && declared != self.received
        {
            return Err(OssErr::new(
                400,
                "IncompleteBody",
                "The request body length does not match Content-Length.",
            ));
        }
        if let Some((ctx, want)) = self.sha256.take()
            && ctx.finish().as_ref() != want.as_slice()
        {
            return Err(OssErr::new(
                400,
                "InvalidDigest",
                "The x-oss-content-sha256 you specified did not match what we received.",
            ));
        }
        Ok(None)
    }

    /// The whole (small) body, at most `limit` bytes; larger is a 400.
    pub(crate) async fn read_small(&mut self, limit: usize) -> Result<Bytes, OssErr> {
        let mut buf = BytesMut::new();
        while let Some(d) = self.next().await? {
            if buf.len() + d.len() > limit {
                return Err(OssErr::new(
                    400,
                    "InvalidRequest",
                    "The request body is too large.",
                ));
            }
            buf.extend_from_slice(&d);
        }
        Ok(buf.freeze())
    }

    /// Whether the handler never started reading the body.
    pub(crate) fn untouched(&self) -> bool {
        !self.polled
    }

    /// Whether unread bytes may remain.
    pub(crate) fn has_unread(&self) -> bool {
        self.inner.is_some() && !self.finished && self.declared != Some(self.received)
    }

    /// Whether what is left is known to be at most `limit` bytes (a declared length).
    pub(crate) fn remaining_at_most(&self, limit: u64) -> bool {
        self.declared
            .is_some_and(|d| d.saturating_sub(self.received) <= limit)
    }

    /// Reads and discards the rest of the body, up to `limit` bytes; says whether it got to
    /// the end (else the connection must close).
    pub(crate) async fn drain(&mut self, limit: u64) -> bool {
        let start = self.received;
        // Nothing is checked while draining: the request already failed.
        self.sha256 = None;
        self.declared = None;
        while self.received - start <= limit {
            match self.next().await {
                Ok(Some(_)) => {}
                Ok(None) => return true,
                Err(_) => return false,
            }
        }
        false
    }
}
