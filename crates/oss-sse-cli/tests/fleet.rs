//! `oss-sse audit` and `oss-sse reencrypt` against the emulator: exit statuses, formats,
//! the HTML report rendered by headless Chromium, and `kill -9` then `--resume`.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin;
use oss_sse_core::ServerSideEncryption;
use oss_sse_core::ops::{GetObject, PutObject};
use oss_sse_emulator::faults::{FaultAction, FaultMatch, FaultRule};
use oss_sse_emulator::{Emulator, EmulatorHandle};

struct Env {
    emu: EmulatorHandle,
    rt: tokio::runtime::Runtime,
    client: oss_sse_hyper::Client,
}

fn env() -> Env {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = rt
        .block_on(Emulator::builder().kms_key("cmk-a").start())
        .unwrap();
    let client = {
        let _g = rt.enter();
        oss_sse_hyper::Client::builder(emu.region())
            .endpoint(emu.endpoint())
            .credentials(emu.credentials().clone())
            .build()
            .unwrap()
    };
    Env { emu, rt, client }
}

impl Env {
    fn cmd(&self) -> Command {
        let mut c = Command::new(cargo_bin("oss-sse"));
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

    /// Runs the command; returns (exit status, stdout, stderr).
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.cmd().args(args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }

    fn put(&self, bucket: &str, key: &str, body: Vec<u8>, sse: Option<ServerSideEncryption>) {
        self.rt.block_on(async {
            let mut op = PutObject::new(bucket, key, body).with_metadata("who", key);
            if let Some(s) = sse {
                op = op.with_server_side_encryption(s);
            }
            self.client.send(&op).await.unwrap();
        });
    }
}

fn fill(e: &Env, bucket: &str, n: usize) -> BTreeMap<String, Vec<u8>> {
    e.rt.block_on(e.client.put_bucket(bucket)).unwrap();
    let mut want = BTreeMap::new();
    for i in 0..n {
        let k = format!("d{}/o{i:04}", i % 3);
        let b: Vec<u8> = (0..(500 + i)).map(|j| (i * 7 + j) as u8).collect();
        let sse = match i % 4 {
            0 => None,
            1 => Some(ServerSideEncryption::aes256()),
            2 => Some(ServerSideEncryption::kms().with_key_id("cmk-a")),
            _ => Some(ServerSideEncryption::sm4()),
        };
        e.put(bucket, &k, b.clone(), sse);
        want.insert(k, b);
    }
    want
}

fn check_intact(e: &Env, bucket: &str, want: &BTreeMap<String, Vec<u8>>) {
    e.rt.block_on(async {
        for (k, b) in want {
            let got = e
                .client
                .get_object_bytes(&GetObject::new(bucket, k))
                .await
                .unwrap();
            assert!(got.body[..] == b[..], "{k}");
            assert_eq!(
                got.head.metadata,
                vec![("who".to_owned(), k.clone())],
                "{k}"
            );
        }
    });
}

#[test]
fn audit_formats_exit_statuses_and_reencrypt() {
    let e = env();
    let want = fill(&e, "aud", 40);
    // 10 of each: none, AES256, KMS cmk-a, SM4.
    let (code, out, err) = e.run(&["audit", "oss://aud", "--policy", "AES256"]);
    assert_eq!(code, 3, "{out}{err}");
    assert!(out.contains("policy AES256: 40 objects"), "{out}");
    assert!(
        out.contains("unencrypted") && out.contains("wrong_algorithm"),
        "{out}"
    );
    assert_eq!(
        out.lines().filter(|l| l.contains("oss://aud/")).count(),
        30,
        "{out}"
    );
    assert!(
        err.contains("30 of 40 objects do not meet the policy AES256"),
        "{err}"
    );

    let (code, out, _) = e.run(&[
        "audit",
        "oss://aud/d1/",
        "--policy",
        "any",
        "--format",
        "json",
    ]);
    assert_eq!(code, 3);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary = lines.last().unwrap();
    assert_eq!(summary["summary"]["objects"], 13, "{out}");
    assert!(
        lines[..lines.len() - 1]
            .iter()
            .all(|l| l["key"].as_str().unwrap().starts_with("d1/"))
    );

    let (code, out, _) = e.run(&[
        "audit",
        "oss://aud",
        "--policy",
        "KMS:cmk-a",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 3);
    assert!(
        out.starts_with("key,size,verdict,algorithm,key_id,data_encryption,object_type,detail\n")
    );
    assert_eq!(out.lines().count(), 41);
    assert_eq!(
        out.lines()
            .filter(|l| l.contains(",compliant,KMS,cmk-a,"))
            .count(),
        10,
        "{out}"
    );

    // Bad input: named, exit 1.
    let (code, _, err) = e.run(&["audit", "oss://aud", "--policy", "DES"]);
    assert_eq!(code, 1);
    assert!(err.contains("--policy") && err.contains("DES"), "{err}");
    let (code, _, err) = e.run(&["audit", "oss://aud"]);
    assert_eq!(code, 1);
    assert!(err.contains("no default encryption"), "{err}");

    // Re-encrypt (dry run first), then the audit passes.
    let (code, out, _) = e.run(&["reencrypt", "oss://aud", "--to", "KMS:cmk-a", "--dry-run"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out.lines()
            .filter(|l| l.contains("would re-encrypt"))
            .count(),
        30,
        "{out}"
    );
    let (code, out, err) = e.run(&["reencrypt", "oss://aud", "--to", "KMS:cmk-a"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("30 reencrypted") && out.contains("10 compliant"),
        "{out}"
    );
    let (code, out, _) = e.run(&["audit", "oss://aud", "--policy", "KMS:cmk-a"]);
    assert_eq!(code, 0, "{out}");
    check_intact(&e, "aud", &want);
}

/// Counts pixels of one colour in an RGBA or RGB PNG.
fn count_colour(png_bytes: &[u8], rgb: [u8; 3]) -> usize {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let px = info.color_type.samples();
    buf[..info.buffer_size()]
        .chunks(px)
        .filter(|p| p.len() >= 3 && p[..3] == rgb)
        .count()
}

#[test]
fn the_report_renders_in_headless_chromium() {
    let Some(chromium) = ["chromium", "chromium-browser"].into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    }) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is missing (scripts/system-deps.sh installs it)"
        );
        eprintln!("skipped: no chromium (scripts/system-deps.sh installs it)");
        return;
    };
    let e = env();
    fill(&e, "rpt", 24);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.html");
    let (code, _, err) = e.run(&[
        "audit",
        "oss://rpt",
        "--policy",
        "AES256",
        "--report",
        report.to_str().unwrap(),
    ]);
    assert_eq!(code, 3, "{err}");
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("id=\"by-verdict\""));
    let shot = dir.path().join("report.png");
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1200,1600",
        ])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", report.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(&shot).unwrap();
    // The coverage bar is drawn in the verdicts' colours: compliant (green), unencrypted
    // (red), wrong algorithm (orange), each a visible area.
    for (name, rgb) in [
        ("compliant", [0x2e, 0x7d, 0x32]),
        ("unencrypted", [0xc6, 0x28, 0x28]),
        ("wrong algorithm", [0xef, 0x6c, 0x00]),
    ] {
        let n = count_colour(&png, rgb);
        assert!(n > 2000, "{name}: {n} pixels of its colour");
    }
    if let Ok(dest) = std::env::var("OSS_SSE_REPORT_SCREENSHOT") {
        std::fs::copy(&shot, dest).unwrap();
    }
}

#[test]
fn kill_9_then_resume_redoes_nothing_finished() {
    let e = env();
    let want = fill(&e, "kil", 160);
    // Copies take 40 ms each, so the run is long enough to be killed in the middle.
    e.emu.faults().push(FaultRule {
        matcher: FaultMatch {
            op: Some("CopyObject".into()),
            ..FaultMatch::default()
        },
        action: FaultAction::Delay { ms: 40 },
        count: None,
        probability: None,
    });
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    let j = journal.to_str().unwrap();
    let mut child = e
        .cmd()
        .args([
            "reencrypt",
            "oss://kil",
            "--to",
            "SM4",
            "--journal",
            j,
            "--concurrency",
            "4",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let done_lines = |p: &std::path::Path| -> Vec<String> {
        std::fs::read_to_string(p)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["outcome"] == "done")
            .map(|v| v["key"].as_str().unwrap().to_owned())
            .collect()
    };
    while done_lines(&journal).len() < 20 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the run did not progress"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it was killed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let before: Vec<String> = done_lines(&journal);
    assert!(
        before.len() >= 20 && before.len() < 120,
        "{} done before the kill",
        before.len()
    );

    // Without --resume the journal is not reused by mistake.
    let (code, _, err) = e.run(&["reencrypt", "oss://kil", "--to", "SM4", "--journal", j]);
    assert_eq!(code, 1);
    assert!(err.contains("earlier run"), "{err}");

    let (code, out, err) = e.run(&[
        "reencrypt",
        "oss://kil",
        "--to",
        "SM4",
        "--journal",
        j,
        "--resume",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!("{} done earlier", before.len())),
        "{out}"
    );
    // Every key is done at most once over both runs: nothing finished was redone.
    let all = done_lines(&journal);
    let mut seen = std::collections::BTreeSet::new();
    for k in &all {
        assert!(seen.insert(k.clone()), "{k} was re-encrypted twice");
    }
    e.emu.faults().clear();
    let (code, out, _) = e.run(&["audit", "oss://kil", "--policy", "SM4"]);
    assert_eq!(code, 0, "{out}");
    check_intact(&e, "kil", &want);
}

#[test]
fn audit_from_an_inventory_in_oss_or_on_disk_and_by_shard() {
    let e = env();
    fill(&e, "ivt", 60);
    let manifest = e
        .rt
        .block_on(e.emu.inventory(
            &serde_json::from_value(serde_json::json!({"bucket": "ivt", "destination": "ivt", "prefix": "_inv/", "rows_per_file": 25}))
                .unwrap(),
        ))
        .unwrap();
    let listed = e.run(&[
        "--output",
        "json",
        "audit",
        "oss://ivt/d",
        "--policy",
        "SM4",
    ]);
    let from_oss = e.run(&[
        "--output",
        "json",
        "audit",
        "oss://ivt/d",
        "--policy",
        "SM4",
        "--inventory",
        &format!("oss://ivt/{manifest}"),
    ]);
    let summary = |out: &str| -> serde_json::Value {
        serde_json::from_str::<serde_json::Value>(out.lines().last().unwrap()).unwrap()["summary"]["by_verdict"].clone()
    };
    assert_eq!(listed.0, 3);
    assert_eq!(from_oss.0, 3, "{}", from_oss.2);
    assert_eq!(summary(&from_oss.1), summary(&listed.1));

    // The same inventory downloaded as is (manifest in its dated directory, data/ beside).
    let dir = tempfile::tempdir().unwrap();
    let m =
        e.rt.block_on(
            e.client
                .read_inventory_manifest(&format!("oss://ivt/{manifest}").parse().unwrap()),
        )
        .unwrap();
    let stamp = dir.path().join("2026-11-30T00-00Z");
    std::fs::create_dir_all(&stamp).unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    e.rt.block_on(async {
        let raw = e
            .client
            .get_object_bytes(&GetObject::new("ivt", &manifest))
            .await
            .unwrap();
        std::fs::write(stamp.join("manifest.json"), &raw.body).unwrap();
        for f in &m.files {
            let b = e
                .client
                .get_object_bytes(&GetObject::new("ivt", &f.key))
                .await
                .unwrap();
            let name = f.key.rsplit('/').next().unwrap();
            std::fs::write(dir.path().join("data").join(name), &b.body).unwrap();
        }
    });
    let local = stamp.join("manifest.json");
    let from_disk = e.run(&[
        "--output",
        "json",
        "audit",
        "oss://ivt/d",
        "--policy",
        "SM4",
        "--inventory",
        local.to_str().unwrap(),
    ]);
    assert_eq!(from_disk.0, 3, "{}", from_disk.2);
    assert_eq!(summary(&from_disk.1), summary(&listed.1));

    // Three shards: together every object once.
    let mut keys = Vec::new();
    for i in 0..3 {
        let (code, out, err) = e.run(&[
            "--output",
            "json",
            "audit",
            "oss://ivt/d",
            "--policy",
            "any",
            "--shard",
            &format!("{i}/3"),
        ]);
        assert!(code == 0 || code == 3, "{err}");
        for l in out.lines() {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            if let Some(k) = v["key"].as_str() {
                keys.push(k.to_owned());
            }
        }
    }
    keys.sort();
    let n = keys.len();
    keys.dedup();
    assert_eq!((n, keys.len()), (60, 60));
    let (code, _, err) = e.run(&["audit", "oss://ivt", "--shard", "3/3"]);
    assert_eq!(code, 1);
    assert!(err.contains("--shard"), "{err}");
}
