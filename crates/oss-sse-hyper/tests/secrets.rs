//! Nothing the client logs at TRACE level (its own spans, hyper's, rustls') contains the
//! access key secret or the security token, and neither do client Debug outputs.

use std::io::Write;
use std::sync::{Arc, Mutex};

use oss_sse_core::Credentials;
use oss_sse_core::ops::{GetObject, PutObject};
use oss_sse_emulator::{Emulator, FaultAction, FaultRule};
use oss_sse_hyper::{Client, RetryPolicy};

const SECRET: &str = "TOPSECRET-access-key-secret-value";
const TOKEN: &str = "STS-SECURITY-TOKEN-VALUE-CAIS";

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn trace_logs_and_debug_hold_no_secrets() {
    let buf = Buf::default();
    let b2 = buf.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || b2.clone())
        .with_ansi(false)
        .init();
    let sts = Credentials::new("STS.AKID", SECRET).with_security_token(TOKEN);
    let emu = Emulator::builder()
        .credentials(sts.clone())
        .start()
        .await
        .unwrap();
    let c = Client::builder(emu.region())
        .endpoint(emu.endpoint())
        .credentials(sts)
        .retry(RetryPolicy::default().with_backoff(
            std::time::Duration::from_millis(1),
            std::time::Duration::from_millis(5),
        ))
        .build()
        .unwrap();
    c.put_bucket("logs").await.unwrap();
    emu.faults().push(FaultRule::next(
        "PutObject",
        1,
        FaultAction::Error {
            status: 503,
            code: "ServiceUnavailable".into(),
        },
    ));
    c.send(&PutObject::new("logs", "k", &b"v"[..]))
        .await
        .unwrap();
    c.get_object_bytes(&GetObject::new("logs", "k"))
        .await
        .unwrap();
    c.head_object("logs", "missing").await.unwrap_err();
    let pre = c
        .presign(
            &GetObject::new("logs", "k"),
            std::time::Duration::from_secs(60),
        )
        .await
        .unwrap();
    let logs = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("attempt failed") && logs.contains("op=\"PutObject\""),
        "spans were recorded:\n{logs}"
    );
    for (what, s) in [
        ("TRACE log", logs),
        ("Client Debug", format!("{c:?}")),
        ("Presigned Debug", format!("{pre:?}")),
    ] {
        assert!(!s.contains(SECRET), "{what} leaks the secret");
        assert!(!s.contains(TOKEN), "{what} leaks the token");
    }
    emu.shutdown().await;
}
