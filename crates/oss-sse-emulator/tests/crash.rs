//! `kill -9` of the emulator binary in the middle of an overwrite, with `--data-dir`:
//! after a restart the key holds either the old object or the new one, never a torn mix,
//! and nothing half-written is left in the data directory.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bytes::Bytes;
use oss_sse_core::Credentials;
use oss_sse_core::ops::{GetObject, PutObject};
use oss_sse_hyper::{Client, RetryPolicy, UploadBody};

fn spawn(dir: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oss-sse-emulator"))
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .args([
            "--access-key-id",
            "crash-ak",
            "--access-key-secret",
            "crash-sk",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (child, line.trim().to_owned())
}

fn client(endpoint: &str) -> Client {
    Client::builder("cn-hangzhou")
        .endpoint(endpoint)
        .credentials(Credentials::new("crash-ak", "crash-sk"))
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

fn leftovers(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir.join("tmp"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_upload_leaves_old_or_new() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, endpoint) = spawn(dir.path());
    let c = client(&endpoint);
    c.put_bucket("crash").await.unwrap();
    let old = Bytes::from(vec![b'o'; 3 * 1024 * 1024]);
    c.send(&PutObject::new("crash", "victim", old.clone()))
        .await
        .unwrap();

    // Overwrite with 64 MiB streamed slowly; kill -9 the server about 8 MiB in.
    let len: u64 = 64 * 1024 * 1024;
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(4);
    let body = UploadBody::stream(
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|x| (x, rx)) }),
        len,
    );
    let c2 = c.clone();
    let upload = tokio::spawn(async move {
        c2.send_with_body(&PutObject::streaming("crash", "victim", len), &body)
            .await
    });
    for _ in 0..8 {
        tx.send(Ok(Bytes::from(vec![b'n'; 1024 * 1024])))
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    drop(tx);
    assert!(
        upload.await.unwrap().is_err(),
        "the upload cannot have succeeded"
    );

    // Restart on the same directory: the old object, whole.
    let (mut child, endpoint) = spawn(dir.path());
    let c = client(&endpoint);
    let got = c
        .get_object_bytes(&GetObject::new("crash", "victim"))
        .await
        .unwrap();
    assert!(
        got.body == old,
        "after kill -9 the key must hold the old object"
    );
    assert_eq!(
        leftovers(dir.path()),
        0,
        "half-written temp files were removed at start"
    );

    // A completed overwrite followed by kill -9: the new object, whole.
    let new = Bytes::from(vec![b'N'; 5 * 1024 * 1024 + 3]);
    c.send(&PutObject::new("crash", "victim", new.clone()))
        .await
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let (mut child, endpoint) = spawn(dir.path());
    let got = client(&endpoint)
        .get_object_bytes(&GetObject::new("crash", "victim"))
        .await
        .unwrap();
    assert!(got.body == new, "a committed overwrite survives kill -9");
    child.kill().unwrap();
    child.wait().unwrap();
}
