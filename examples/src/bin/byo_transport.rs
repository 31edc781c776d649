//! Bring your own HTTP client: only `oss-sse-core` (build → sign → send → parse) plus a
//! 30-line blocking HTTP/1.1 exchange over `std::net::TcpStream`. This is the layering other
//! runtimes use. The emulator is started on a background thread only to have a server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::SystemTime;

use bytes::Bytes;
use oss_sse_core::ops::{
    GetBucketEncryption, Operation, PutBucket, PutBucketEncryption, PutObject,
};
use oss_sse_core::sign::{SignatureVersion, Signer};
use oss_sse_core::{Config, Credentials, ServerSideEncryptionRule};

/// A minimal HTTP/1.1 client: one request per connection, Content-Length bodies only.
fn send(req: http::Request<Bytes>) -> std::io::Result<http::Response<Bytes>> {
    let authority = req
        .uri()
        .authority()
        .expect("absolute URL")
        .as_str()
        .to_owned();
    let mut s = TcpStream::connect(&authority)?;
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let mut head = format!(
        "{} {path} HTTP/1.1\r\nhost: {authority}\r\nconnection: close\r\n",
        req.method()
    );
    for (k, v) in req.headers() {
        head.push_str(&format!("{k}: {}\r\n", v.to_str().unwrap_or_default()));
    }
    if !req.headers().contains_key("content-length") {
        head.push_str(&format!("content-length: {}\r\n", req.body().len()));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes())?;
    s.write_all(req.body())?;
    let mut r = BufReader::new(s);
    let mut line = String::new();
    r.read_line(&mut line)?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let mut b = http::Response::builder().status(status);
    let mut len = 0usize;
    loop {
        line.clear();
        r.read_line(&mut line)?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().unwrap_or(0);
            }
            b = b.header(k.trim(), v.trim());
        }
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body)?;
    Ok(b.body(Bytes::from(body)).expect("valid response"))
}

/// Build, sign at the current time, send, parse.
fn call<O: Operation>(
    op: &O,
    config: &Config,
    creds: &Credentials,
) -> Result<O::Output, Box<dyn std::error::Error>> {
    let mut req = op.to_request(config)?;
    Signer::new(SignatureVersion::V4).sign_operation_request(
        &mut req,
        creds,
        config.region(),
        config.product(),
        SystemTime::now(),
    )?;
    Ok(op.from_response(send(req)?)?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        rt.block_on(async {
            let emu = oss_sse_emulator::Emulator::builder()
                .start()
                .await
                .expect("emulator");
            tx.send((
                emu.endpoint(),
                emu.region().to_owned(),
                emu.credentials().clone(),
            ))
            .expect("send");
            std::future::pending::<()>().await;
        });
    });
    let (endpoint, region, creds) = rx.recv()?;
    let config = Config::builder(&region).endpoint(endpoint).build()?;

    call(&PutBucket::new("byo"), &config, &creds)?;
    call(
        &PutBucketEncryption::new("byo", ServerSideEncryptionRule::sm4()),
        &config,
        &creds,
    )?;
    let rule = call(&GetBucketEncryption::new("byo"), &config, &creds)?;
    println!(
        "rule via a hand-written transport: {:?}",
        rule.map(|r| r.sse_algorithm().to_string())
    );
    let out = call(
        &PutObject::new("byo", "k.txt", &b"bring your own client"[..]),
        &config,
        &creds,
    )?;
    println!(
        "object declared encryption: {:?}",
        out.server_side_encryption.map(|s| s.to_string())
    );
    Ok(())
}
