//! The CLI against hostile servers, hostile numbers and interrupts (issue 12, rows D13–D15
//! of docs/reliability.md). Each test here failed before the fix that it names.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use oss_sse_emulator::{Emulator, EmulatorHandle, FaultAction, FaultMatch, FaultRule};

/// A server that answers every request with `status` and `body` (an OSS answer as a
/// malicious or broken server could send it), for as long as the test runs.
fn hostile_server(status: u16, body: &'static str) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            std::thread::spawn(move || {
                let mut buf = [0u8; 16384];
                let _ = s.read(&mut buf);
                let head = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/xml\r\nx-oss-request-id: 5C1B\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = s.write_all(head.as_bytes());
                let _ = s.write_all(body.as_bytes());
            });
        }
    });
    format!("http://{addr}")
}

fn cli(endpoint: &str) -> Command {
    let mut c = Command::cargo_bin("oss-sse").unwrap();
    c.env_clear()
        .env("OSS_ENDPOINT", endpoint)
        .env("OSS_REGION", "cn-hangzhou")
        .env("OSS_ACCESS_KEY_ID", "ak")
        .env("OSS_ACCESS_KEY_SECRET", "sk")
        .env("OSS_SSE_CONFIG", "/nonexistent/oss-sse-config");
    c
}

/// No C0/C1 control character except `\n` (and no DEL, no bidi override) reaches the
/// terminal.
fn assert_printable(what: &str, bytes: &[u8]) {
    let s = String::from_utf8_lossy(bytes);
    if let Some(c) = s.chars().find(|&c| {
        (c.is_control() && c != '\n')
            || ('\u{202A}'..='\u{202E}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    }) {
        panic!("{what} carries the control character {c:?}: {s:?}");
    }
}

/// D13: what a server sends never reaches the terminal raw: text, JSON and error output
/// escape control characters.
#[test]
fn d13_server_text_is_escaped_before_it_reaches_the_terminal() {
    let rule = "<?xml version=\"1.0\"?><ServerSideEncryptionRule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>KMS</SSEAlgorithm><KMSMasterKeyID>evil\x1b]0;owned\x07\x1b[31mred\u{9b}2J\u{202e}</KMSMasterKeyID></ApplyServerSideEncryptionByDefault></ServerSideEncryptionRule>";
    let ep = hostile_server(200, rule);
    for json in [false, true] {
        let mut c = cli(&ep);
        if json {
            c.args(["--output", "json"]);
        }
        let out = c
            .args(["bucket-encryption", "get", "--bucket", "victim"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        assert_printable("stdout", &out.stdout);
        assert_printable("stderr", &out.stderr);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("evil"), "{text}");
        if json {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(
                v["rule"]["kms_master_key_id"], "evil\x1b]0;owned\x07\x1b[31mred\u{9b}2J\u{202e}",
                "JSON keeps the value exactly, escaped"
            );
        }
    }
    let err = "<?xml version=\"1.0\"?><Error><Code>Access\x1b[2JDenied</Code><Message>go \x1b]8;;http://evil\x07away\u{85}</Message><RequestId>ID\x1b[5m</RequestId></Error>";
    let ep = hostile_server(403, err);
    let out = cli(&ep)
        .args(["stat", "oss://victim/key"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_printable("stderr", &out.stderr);
    assert_printable("stdout", &out.stdout);
    assert!(String::from_utf8_lossy(&out.stderr).contains("Denied"));
}

/// D14: a presign expiry that overflows the clock is a clear error, not a panic.
#[test]
fn d14_absurd_expiries_are_errors_not_panics() {
    for (version, expires) in [
        ("v1", "9223372036854775807"),
        ("v1", "18446744073709551615"),
        ("v4", "9223372036854775807"),
        ("v1", "0"),
    ] {
        let out = cli("http://127.0.0.1:9")
            .args([
                "presign",
                "oss://bucket/key",
                "--signature-version",
                version,
                "--expires",
                expires,
            ])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{version} {expires}: {err}");
        assert!(err.contains("expires"), "{version} {expires}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

struct Emu {
    emu: EmulatorHandle,
    rt: tokio::runtime::Runtime,
}

fn emulator() -> Emu {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let emu = rt.block_on(Emulator::builder().start()).unwrap();
    Emu { emu, rt }
}

impl Emu {
    fn cmd(&self, args: &[&str]) -> StdCommand {
        let mut c = StdCommand::new(assert_cmd::cargo::cargo_bin("oss-sse"));
        c.env_clear()
            .env("OSS_ENDPOINT", self.emu.endpoint())
            .env("OSS_REGION", self.emu.region())
            .env("OSS_ACCESS_KEY_ID", self.emu.access_key_id())
            .env(
                "OSS_ACCESS_KEY_SECRET",
                self.emu.credentials().access_key_secret(),
            )
            .env("OSS_SSE_CONFIG", "/nonexistent/oss-sse-config")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }
}

fn signal(pid: u32, sig: &str) {
    assert!(
        StdCommand::new("kill")
            .args([sig, &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
}

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let t = Instant::now();
    while !f() {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// D15: Ctrl-C (SIGINT) during a multipart upload aborts the upload, says so, and exits
/// 130; SIGTERM during a download removes the partial file and exits 143.
#[test]
fn d15_interrupts_clean_up_and_exit_with_the_signal_code() {
    let e = emulator();
    let c = oss_sse_hyper::Client::builder(e.emu.region())
        .endpoint(e.emu.endpoint())
        .credentials(e.emu.credentials().clone())
        .build()
        .unwrap();
    e.rt.block_on(c.put_bucket("sig")).unwrap();
    // Slow parts and ranges, so the signal lands mid-transfer.
    for op in ["UploadPart", "GetObject"] {
        e.emu.faults().push(FaultRule {
            matcher: FaultMatch {
                op: Some(op.into()),
                ..FaultMatch::default()
            },
            action: FaultAction::Delay { ms: 1500 },
            count: None,
            probability: None,
        });
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("big.bin");
    std::fs::write(&src, vec![7u8; 24 * 1024 * 1024]).unwrap();

    // Upload, SIGINT.
    let child = e
        .cmd(&["cp", src.to_str().unwrap(), "oss://sig/big.bin", "--quiet"])
        .spawn()
        .unwrap();
    wait_until("the multipart upload to start", || {
        e.rt.block_on(e.emu.open_uploads()) > 0
    });
    signal(child.id(), "-INT");
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("aborted multipart upload"), "{err}");
    assert_eq!(
        e.rt.block_on(e.emu.open_uploads()),
        0,
        "no multipart upload is left open"
    );

    // Download, SIGTERM.
    e.emu.faults().clear();
    e.rt.block_on(c.upload_file("sig", "big.bin", &src, &Default::default()))
        .unwrap();
    e.emu.faults().push(FaultRule {
        matcher: FaultMatch {
            op: Some("GetObject".into()),
            ..FaultMatch::default()
        },
        action: FaultAction::Delay { ms: 1500 },
        count: None,
        probability: None,
    });
    let dst = dir.path().join("back.bin");
    let part = dir.path().join("back.bin.oss-sse.part");
    let child = e
        .cmd(&["cp", "oss://sig/big.bin", dst.to_str().unwrap(), "--quiet"])
        .spawn()
        .unwrap();
    wait_until("the partial file", || part.exists());
    signal(child.id(), "-TERM");
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{err}");
    assert!(err.contains("removed partial file"), "{err}");
    assert!(!part.exists(), "the partial download was removed");
    assert!(!dst.exists(), "no half file at the destination");
}
