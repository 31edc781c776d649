//! Each `oss-sse` subcommand against the emulator, including bad input.

use assert_cmd::Command;
use oss_sse_emulator::{Emulator, EmulatorHandle};

struct Env {
    emu: EmulatorHandle,
    rt: tokio::runtime::Runtime,
}

fn env() -> Env {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = rt
        .block_on(Emulator::builder().kms_key("cli-cmk").start())
        .unwrap();
    Env { emu, rt }
}

impl Env {
    fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("oss-sse").unwrap();
        c.env_clear()
            .env("OSS_ENDPOINT", self.emu.endpoint())
            .env("OSS_REGION", self.emu.region())
            .env("OSS_ACCESS_KEY_ID", self.emu.access_key_id())
            .env(
                "OSS_ACCESS_KEY_SECRET",
                self.emu.credentials().access_key_secret(),
            )
            .env("OSS_SSE_CONFIG", "/nonexistent/oss-sse-config");
        c
    }
    /// The same command as a `std::process::Command` (for piping).
    fn std_cmd(&self) -> std::process::Command {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("oss-sse"));
        c.env_clear()
            .env("OSS_ENDPOINT", self.emu.endpoint())
            .env("OSS_REGION", self.emu.region())
            .env("OSS_ACCESS_KEY_ID", self.emu.access_key_id())
            .env(
                "OSS_ACCESS_KEY_SECRET",
                self.emu.credentials().access_key_secret(),
            )
            .env("OSS_SSE_CONFIG", "/nonexistent/oss-sse-config");
        c
    }
    fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).assert().success();
        String::from_utf8(out.get_output().stdout.clone()).unwrap()
    }
    fn fail(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).assert().failure();
        let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
        assert_eq!(err.trim().lines().count(), 1, "one-line error: {err}");
        assert!(err.starts_with("oss-sse: error: "), "{err}");
        err
    }
}

#[test]
fn subcommands_against_the_emulator() {
    let e = env();
    e.ok(&["bucket", "create", "cli"]);
    assert!(
        e.ok(&["bucket-encryption", "get", "--bucket", "cli"])
            .contains("none")
    );
    let out = e.ok(&[
        "bucket-encryption",
        "put",
        "--bucket",
        "cli",
        "--sse-algorithm",
        "kms",
        "--kms-master-key-id",
        "cli-cmk",
        "--kms-data-encryption",
        "SM4",
    ]);
    assert!(out.contains("KMS"), "{out}");
    let json = e.ok(&[
        "--output",
        "json",
        "bucket-encryption",
        "get",
        "--bucket",
        "cli",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["rule"]["sse_algorithm"], "KMS");
    assert_eq!(v["rule"]["kms_master_key_id"], "cli-cmk");
    assert_eq!(v["rule"]["kms_data_encryption"], "SM4");
    assert!(
        e.ok(&["bucket", "info", "cli"])
            .contains("default encryption: KMS")
    );

    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("data.bin");
    std::fs::write(&src, vec![42u8; 30 * 1024 * 1024 + 17]).unwrap();
    let src_s = src.to_str().unwrap();
    // Inherits the bucket rule (multipart: 30 MiB).
    let up = e.ok(&["--output", "json", "cp", src_s, "oss://cli/a/data.bin"]);
    let v: serde_json::Value = serde_json::from_str(&up).unwrap();
    assert_eq!(v["multipart"], true);
    assert_eq!(v["encryption"]["server_side_encryption"], "KMS");
    // Own SSE wins.
    let up = e.ok(&[
        "--output",
        "json",
        "cp",
        src_s,
        "oss://cli/b.bin",
        "--sse",
        "AES256",
    ]);
    let v: serde_json::Value = serde_json::from_str(&up).unwrap();
    assert_eq!(v["encryption"]["server_side_encryption"], "AES256");
    // stat shows it.
    let st = e.ok(&["stat", "oss://cli/b.bin"]);
    assert!(st.contains("encryption: AES256"), "{st}");
    let st = e.ok(&["--output", "json", "stat", "oss://cli/a/data.bin"]);
    let v: serde_json::Value = serde_json::from_str(&st).unwrap();
    assert_eq!(v["encryption"]["server_side_encryption_key_id"], "cli-cmk");
    // Download round trip.
    let dst = dir.path().join("back.bin");
    e.ok(&["cp", "oss://cli/a/data.bin", dst.to_str().unwrap()]);
    assert!(std::fs::read(&dst).unwrap() == std::fs::read(&src).unwrap());
    // Presign: a GET URL that works.
    let url = e.ok(&["presign", "oss://cli/b.bin", "--expires", "60"]);
    assert!(url.trim().starts_with("http://") && url.contains("x-oss-signature="));
    let body = e.rt.block_on(async {
        let t = oss_sse_hyper::HyperTransport::default();
        use http_body_util::BodyExt;
        use oss_sse_hyper::HttpSend;
        let req = http::Request::get(url.trim())
            .body(
                http_body_util::Empty::new()
                    .map_err(|x| match x {})
                    .boxed_unsync(),
            )
            .unwrap();
        let resp = t.send(req).await.unwrap();
        assert_eq!(resp.status(), 200);
        resp.into_body().collect().await.unwrap().to_bytes().len()
    });
    assert_eq!(body, 30 * 1024 * 1024 + 17);
    e.ok(&["bucket-encryption", "delete", "--bucket", "cli"]);
    assert!(
        e.ok(&["bucket-encryption", "get", "--bucket", "cli"])
            .contains("none")
    );
}

#[test]
fn bad_input_gives_a_clear_one_line_error() {
    let e = env();
    e.ok(&["bucket", "create", "bad"]);
    let err = e.fail(&[
        "bucket-encryption",
        "put",
        "--bucket",
        "bad",
        "--sse-algorithm",
        "DES",
    ]);
    assert!(
        err.contains("sse_algorithm") && err.contains("DES"),
        "{err}"
    );
    let err = e.fail(&[
        "bucket-encryption",
        "put",
        "--bucket",
        "bad",
        "--sse-algorithm",
        "AES256",
        "--kms-master-key-id",
        "k",
    ]);
    assert!(err.contains("kms_master_key_id"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("f");
    std::fs::write(&f, b"x").unwrap();
    let err = e.fail(&[
        "cp",
        f.to_str().unwrap(),
        "oss://bad/k",
        "--sse",
        "AES256",
        "--sse-key-id",
        "k",
    ]);
    assert!(err.contains("server_side_encryption_key_id"), "{err}");
    let err = e.fail(&["cp", f.to_str().unwrap(), "oss://bad/k", "--sse", "rot13"]);
    assert!(err.contains("rot13"), "{err}");
    // A missing bucket: the OSS code and request id are on the line.
    let err = e.fail(&["stat", "oss://no-such-bucket/k"]);
    assert!(
        err.contains("NoSuchBucket") && err.contains("request id"),
        "{err}"
    );
    let err = e.fail(&["bucket-encryption", "get", "--bucket", "no-such-bucket"]);
    assert!(err.contains("NoSuchBucket"), "{err}");
    let err = e.fail(&["cp", "/no/such/file", "oss://bad/k"]);
    assert!(err.contains("/no/such/file"), "{err}");
    let err = e.fail(&["presign", "oss://bad/k", "--expires", "999999"]);
    assert!(err.contains("expires"), "{err}");
    // Missing configuration.
    let out = Command::cargo_bin("oss-sse")
        .unwrap()
        .env_clear()
        .env("OSS_SSE_CONFIG", "/nonexistent")
        .args(["stat", "oss://b/k"])
        .assert()
        .failure();
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("region"), "{err}");
}

#[test]
fn profile_file_and_demo() {
    let e = env();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config");
    std::fs::write(
        &cfg,
        format!(
            "[emu]\nendpoint = {}\nregion = {}\naccess_key_id = {}\naccess_key_secret = {}\n",
            e.emu.endpoint(),
            e.emu.region(),
            e.emu.access_key_id(),
            e.emu.credentials().access_key_secret()
        ),
    )
    .unwrap();
    Command::cargo_bin("oss-sse")
        .unwrap()
        .env_clear()
        .env("OSS_SSE_CONFIG", &cfg)
        .args(["--profile", "emu", "bucket", "create", "from-profile"])
        .assert()
        .success();
    // The walkthrough runs on its own emulator.
    let out = Command::cargo_bin("oss-sse")
        .unwrap()
        .env_clear()
        .args(["demo"])
        .assert()
        .success();
    let s = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(s.contains("0 mismatches"), "{s}");
}

/// `ls`, server-side `cp` (re-encrypting in place, keeping metadata) and `uploads ls|abort`.
#[test]
fn listing_copy_and_uploads() {
    use oss_sse_core::ops::{InitiateMultipartUpload, PutObject};
    let e = env();
    e.ok(&["bucket", "create", "lsc"]);
    let c = oss_sse_hyper::Client::builder(e.emu.region())
        .endpoint(e.emu.endpoint())
        .credentials(e.emu.credentials().clone())
        .build()
        .unwrap();
    let keys = ["a/1", "a/2", "a/b/3", "top", "sp ace+%/中"];
    e.rt.block_on(async {
        for k in keys {
            c.send(
                &PutObject::new("lsc", k, format!("body of {k}"))
                    .with_metadata("origin", "cli-test")
                    .with_content_type("text/plain"),
            )
            .await
            .unwrap();
        }
    });

    // One level, "directories" rolled up.
    let out = e.ok(&["ls", "oss://lsc"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "         PRE  oss://lsc/a/",
            "         PRE  oss://lsc/sp ace+%/",
            "oss://lsc/top",
        ],
        "{out}"
    );
    // Recursive under a prefix, long form with the summary line.
    let out = e.ok(&["ls", "oss://lsc/a/", "-r", "--long"]);
    assert_eq!(out.lines().count(), 4, "{out}");
    assert!(out.contains("oss://lsc/a/b/3"), "{out}");
    assert!(out.ends_with("3 objects, 35 bytes, 0 prefixes\n"), "{out}");
    // JSON lines: one object per key, keys exact (unicode, space, plus, percent).
    let out = e.ok(&["--output", "json", "ls", "oss://lsc", "-r"]);
    let got: Vec<String> = out
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["key"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let mut want: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
    want.sort();
    assert_eq!(got, want);
    let err = e.fail(&["ls", "lsc"]);
    assert!(err.contains("expected oss://bucket"), "{err}");
    let err = e.fail(&["ls", "oss://nosuchbucket"]);
    assert!(err.contains("NoSuchBucket"), "{err}");

    // Server-side copy onto itself with a new encryption: metadata kept.
    let out = e.ok(&[
        "--output",
        "json",
        "cp",
        "oss://lsc/top",
        "oss://lsc/top",
        "--sse",
        "kms",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["encryption"]["server_side_encryption"], "KMS", "{out}");
    let st = e.ok(&["--output", "json", "stat", "oss://lsc/top"]);
    let st: serde_json::Value = serde_json::from_str(&st).unwrap();
    assert_eq!(st["encryption"]["server_side_encryption"], "KMS", "{st}");
    assert_eq!(st["metadata"]["origin"], "cli-test", "{st}");
    assert_eq!(st["content_type"], "text/plain", "{st}");
    // To another key, and a missing source named.
    e.ok(&["cp", "oss://lsc/a/1", "oss://lsc/copied", "--sse", "AES256"]);
    let dst = tempfile::tempdir().unwrap();
    let f = dst.path().join("copied");
    e.ok(&["cp", "oss://lsc/copied", f.to_str().unwrap()]);
    assert_eq!(std::fs::read(&f).unwrap(), b"body of a/1");
    let err = e.fail(&["cp", "oss://lsc/missing", "oss://lsc/x"]);
    assert!(err.contains("NoSuchKey"), "{err}");

    // Uploads: two in progress; abort with --older-than 0 removes both, the default keeps them.
    e.rt.block_on(async {
        for k in ["u/1", "u/2"] {
            c.send(&InitiateMultipartUpload::new("lsc", k))
                .await
                .unwrap();
        }
    });
    let out = e.ok(&["uploads", "ls", "oss://lsc"]);
    assert!(out.ends_with("2 uploads in progress\n"), "{out}");
    let out = e.ok(&["uploads", "abort", "oss://lsc/u/"]);
    assert!(
        out.contains("0 aborted, 2 younger than 604800s kept"),
        "{out}"
    );
    let out = e.ok(&[
        "--output",
        "json",
        "uploads",
        "abort",
        "oss://lsc/u/",
        "--older-than",
        "0",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["aborted"].as_array().unwrap().len(), 2, "{out}");
    let out = e.ok(&["uploads", "ls", "oss://lsc"]);
    assert_eq!(out, "0 uploads in progress\n");
    // A usage error (clap's, exit 2) that names the flag and the accepted forms.
    let out = e
        .cmd()
        .args(["uploads", "abort", "oss://lsc", "--older-than", "7 weeks"])
        .assert()
        .code(2);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        err.contains("--older-than") && err.contains("such as 30s"),
        "{err}"
    );
}

/// `oss-sse ls | head -1`: the closed pipe ends the listing quietly, not with a panic.
#[test]
fn ls_into_a_closed_pipe_stops_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    let e = env();
    e.ok(&["bucket", "create", "pipe"]);
    let c = oss_sse_hyper::Client::builder(e.emu.region())
        .endpoint(e.emu.endpoint())
        .credentials(e.emu.credentials().clone())
        .build()
        .unwrap();
    e.rt.block_on(async {
        for i in 0..3000 {
            c.send(&oss_sse_core::ops::PutObject::new(
                "pipe",
                format!("k{i:05}"),
                "x",
            ))
            .await
            .unwrap();
        }
    });
    let mut child = e
        .std_cmd()
        .args(["ls", "oss://pipe", "-r"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    out.read_exact(&mut first).unwrap();
    drop(out);
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err, "", "nothing on stderr");
    assert_eq!(status.code(), Some(141), "{status:?}");
}
