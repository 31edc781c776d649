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

/// A child emulator process: its endpoint, its pid, killed (SIGKILL) when dropped.
pub struct Proc {
    pub child: std::process::Child,
    pub endpoint: String,
}

impl Proc {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
    /// `kill -9` and wait.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
    /// CPU seconds (user + system) the process has used.
    pub fn cpu_secs(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap();
        // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
        let rest = &stat[stat.rfind(')').unwrap() + 2..];
        let f: Vec<&str> = rest.split(' ').collect();
        let ticks: f64 = f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap();
        ticks / 100.0
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub const PROC_AK: &str = "proc-ak";
pub const PROC_SK: &str = "proc-sk";

/// Starts the emulator binary with `--data-dir dir` and `extra` arguments, optionally
/// through a wrapper that `exec`s it (`sh -c 'ulimit …; exec "$0" "$@"'`) and with extra
/// environment variables. Waits for its endpoint; its stderr is shown if it fails to start.
pub fn spawn_emulator(dir: &std::path::Path, wrapper: &[&str], extra: &[&str]) -> Proc {
    spawn_emulator_env(dir, wrapper, extra, &[])
}

/// [`spawn_emulator`] with environment variables.
pub fn spawn_emulator_env(
    dir: &std::path::Path,
    wrapper: &[&str],
    extra: &[&str],
    env: &[(&str, &str)],
) -> Proc {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};
    let bin = env!("CARGO_BIN_EXE_oss-sse-emulator");
    let mut cmd = match wrapper.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(bin);
            c
        }
        None => Command::new(bin),
    };
    cmd.args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .args(["--access-key-id", PROC_AK, "--access-key-secret", PROC_SK])
        .args(["--kms-key", "cmk-1"])
        .args(extra)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    // Collect stderr in the background (never the test's own stderr: an orphan would keep
    // the test runner's pipe open).
    let mut err = child.stderr.take().unwrap();
    let log = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    if !line.starts_with("http://") {
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "the emulator did not start (stdout {line:?}, stderr {:?})",
            log.join().unwrap_or_default()
        );
    }
    Proc {
        child,
        endpoint: line.trim().to_owned(),
    }
}

/// A client for a [`spawn_emulator`] process, without retries (so every status is seen).
pub fn proc_client(endpoint: &str) -> Client {
    Client::builder("cn-hangzhou")
        .endpoint(endpoint)
        .credentials(Credentials::new(PROC_AK, PROC_SK))
        .retry(oss_sse_hyper::RetryPolicy::none())
        .build()
        .unwrap()
}

/// Every regular file below `dir`, recursively.
pub fn files_below(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(p),
                Ok(t) if t.is_file() => out.push(p),
                _ => {}
            }
        }
    }
    out.sort();
    out
}

/// The status of a failed call (0 for a non-service error).
pub fn status_of(e: &oss_sse_hyper::Error) -> u16 {
    e.as_service().map_or(0, |s| s.status().as_u16())
}

/// The OSS error code of a failed call ("" for a non-service error).
pub fn code_of(e: &oss_sse_hyper::Error) -> String {
    e.as_service()
        .map_or_else(String::new, |s| s.code().to_owned())
}
