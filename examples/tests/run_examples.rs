//! Every Rust example runs to completion against its emulator (so the examples never rot).

use std::process::Command;

fn run(exe: &str, expect: &str) {
    let out = Command::new(exe)
        .env_remove("OSS_ENDPOINT")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{exe} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(expect), "{exe} printed:\n{stdout}");
}

#[test]
fn quickstart() {
    run(
        env!("CARGO_BIN_EXE_quickstart"),
        "declared encryption: AES256",
    );
}

#[test]
fn presign() {
    run(
        env!("CARGO_BIN_EXE_presign"),
        "send header x-oss-server-side-encryption: AES256",
    );
}

#[test]
fn byo_transport() {
    run(
        env!("CARGO_BIN_EXE_byo_transport"),
        "object declared encryption: Some(\"SM4\")",
    );
}
