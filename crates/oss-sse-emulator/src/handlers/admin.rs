//! The admin endpoints under `/-/`, reachable only where no bucket is addressed (path
//! style): `/-/faults` (POST a JSON list of rules, DELETE to clear), `/-/disk-faults` (POST
//! one rule, DELETE to clear, GET the counters), `/-/stats` (GET), `/-/rotate-master-key`
//! (POST). Bodies are at most [`MAX_ADMIN_BODY`] bytes. With `--admin-token`, every request
//! must carry `x-oss-sse-admin-token: <token>`.

use http::header::{CONNECTION, CONTENT_TYPE};
use http::{HeaderValue, Response, StatusCode};

use crate::body::ReqBody;
use crate::server::{Ctx, Resp, Shared, full};

/// Largest admin request body.
pub(crate) const MAX_ADMIN_BODY: usize = 1 << 20;

fn json(status: StatusCode, v: serde_json::Value) -> Resp {
    let body = v.to_string();
    Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "application/json")
        .body(full(body))
        .expect("json response")
}

fn error(status: StatusCode, msg: impl std::fmt::Display) -> Resp {
    json(status, serde_json::json!({ "error": msg.to_string() }))
}

/// Answers an admin request.
pub(crate) async fn admin(shared: &Shared, ctx: &Ctx, body: &mut ReqBody) -> Resp {
    if let Some(want) = &shared.settings.admin_token {
        let got = ctx.h("x-oss-sse-admin-token").unwrap_or("");
        let ok = got.len() == want.len()
            && got
                .bytes()
                .zip(want.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if !ok {
            return error(
                StatusCode::UNAUTHORIZED,
                "the admin endpoints need x-oss-sse-admin-token",
            );
        }
    }
    let read = async |body: &mut ReqBody| -> Result<bytes::Bytes, Resp> {
        if ctx
            .h("content-length")
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|n| n > MAX_ADMIN_BODY as u64)
        {
            let mut r = error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("admin bodies are at most {MAX_ADMIN_BODY} bytes"),
            );
            r.headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
            return Err(r);
        }
        body.read_small(MAX_ADMIN_BODY).await.map_err(|_| {
            let mut r = error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("admin bodies are at most {MAX_ADMIN_BODY} bytes"),
            );
            r.headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
            r
        })
    };
    let path = ctx.path.as_str();
    match (ctx.method.as_str(), path) {
        ("POST", "/-/faults") => {
            let b = match read(body).await {
                Ok(b) => b,
                Err(r) => return r,
            };
            match serde_json::from_slice::<Vec<crate::faults::FaultRule>>(&b) {
                Ok(rules) => {
                    let n = rules.len();
                    for r in rules {
                        shared.faults.push(r);
                    }
                    json(StatusCode::OK, serde_json::json!({ "added": n }))
                }
                Err(e) => error(StatusCode::BAD_REQUEST, e),
            }
        }
        ("DELETE", "/-/faults") => {
            shared.faults.clear();
            json(StatusCode::OK, serde_json::json!({ "cleared": true }))
        }
        ("POST", "/-/disk-faults") => {
            let b = match read(body).await {
                Ok(b) => b,
                Err(r) => return r,
            };
            match serde_json::from_slice::<crate::disk::DiskFaultRule>(&b) {
                Ok(rule) => {
                    shared.store.disk.faults.set(rule);
                    json(StatusCode::OK, serde_json::json!({ "armed": true }))
                }
                Err(e) => error(StatusCode::BAD_REQUEST, e),
            }
        }
        ("DELETE", "/-/disk-faults") => {
            shared.store.disk.faults.clear();
            json(StatusCode::OK, serde_json::json!({ "cleared": true }))
        }
        ("GET", "/-/disk-faults") => {
            let f = &shared.store.disk.faults;
            json(
                StatusCode::OK,
                serde_json::json!({ "counts": f.counts(), "injected": f.injected(), "crashed": f.crashed() }),
            )
        }
        ("GET", "/-/stats") => {
            let st = shared.faults.stats();
            let (buckets, objects) = {
                let b = shared.store.buckets.read().await;
                (b.len(), b.values().map(|b| b.objects.len()).sum::<usize>())
            };
            let uploads = shared.store.uploads.read().await.len();
            json(
                StatusCode::OK,
                serde_json::json!({ "requests": st.requests, "faults_injected": st.injected, "buckets": buckets, "objects": objects, "open_uploads": uploads }),
            )
        }
        ("POST", "/-/rotate-master-key") => match shared.store.rotate_master_key().await {
            Ok(v) => json(
                StatusCode::OK,
                serde_json::json!({ "master_key_version": v }),
            ),
            Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e),
        },
        _ => error(StatusCode::NOT_FOUND, "unknown admin endpoint"),
    }
}
