//! The SSE walkthrough: bucket default encryption, inheritance, per-object override,
//! transparent decryption, copy with an SSE override, and removing the rule.

use std::fmt::Write as _;

use oss_sse_core::ops::{CopyObject, GetObject, PutObject};
use oss_sse_core::{ServerSideEncryption, ServerSideEncryptionRule, SseAlgorithm};
use oss_sse_hyper::Client;

use crate::output::Fail;

struct Row {
    step: String,
    action: String,
    declared: String,
    expected: String,
    ok: bool,
}

fn show(sse: Option<&ServerSideEncryption>) -> String {
    sse.map_or_else(|| "none".to_owned(), ToString::to_string)
}

fn show_rule(r: Option<&ServerSideEncryptionRule>) -> String {
    match r {
        None => "none".into(),
        Some(r) => {
            let mut s = r.sse_algorithm().to_string();
            if let Some(k) = r.kms_master_key_id() {
                s.push_str(&format!(" (key {k})"));
            }
            s
        }
    }
}

struct Target {
    client: Client,
    bucket: String,
    cmk: Option<String>,
    where_: String,
    emulator: Option<oss_sse_emulator::EmulatorHandle>,
}

async fn target() -> Result<Target, Fail> {
    let env = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
    if let (Some(endpoint), Some(region), Some(id), Some(secret), Some(bucket)) = (
        env("OSS_ENDPOINT"),
        env("OSS_REGION"),
        env("OSS_ACCESS_KEY_ID"),
        env("OSS_ACCESS_KEY_SECRET"),
        env("OSS_BUCKET"),
    ) {
        let mut creds = oss_sse_core::Credentials::new(id, secret);
        if let Some(t) = env("OSS_SESSION_TOKEN") {
            creds = creds.with_security_token(t);
        }
        let client = Client::builder(region)
            .endpoint(endpoint.clone())
            .credentials(creds)
            .build()
            .map_err(Fail::from)?;
        return Ok(Target {
            client,
            bucket,
            cmk: env("OSS_KMS_KEY_ID"),
            where_: format!("OSS at {endpoint}"),
            emulator: None,
        });
    }
    let cmk = "walkthrough-cmk-0001";
    let emu = oss_sse_emulator::Emulator::builder()
        .kms_key(cmk)
        .start()
        .await
        .map_err(|e| Fail::msg(format!("cannot start the emulator: {e}")))?;
    let client = Client::builder(emu.region())
        .endpoint(emu.endpoint())
        .credentials(emu.credentials().clone())
        .build()
        .map_err(Fail::from)?;
    Ok(Target {
        client,
        bucket: "oss-sse-walkthrough".into(),
        cmk: Some(cmk.into()),
        where_: format!("the embedded emulator at {}", emu.endpoint()),
        emulator: Some(emu),
    })
}

pub(crate) async fn run(json: bool) -> Result<(), Fail> {
    let t = target().await?;
    let c = &t.client;
    let b = t.bucket.as_str();
    let mut rows: Vec<Row> = Vec::new();
    let mut add = |step: &str, action: String, declared: String, expected: String| {
        let ok = declared == expected;
        rows.push(Row {
            step: step.into(),
            action,
            declared,
            expected,
            ok,
        });
    };

    // 1. Bucket.
    let previous_rule = if t.emulator.is_some() {
        c.put_bucket(b).await?;
        add(
            "1",
            format!("create bucket {b}"),
            "created".into(),
            "created".into(),
        );
        None
    } else {
        let prev = c.get_bucket_encryption(b).await?;
        add(
            "1",
            format!("use bucket {b}"),
            "exists".into(),
            "exists".into(),
        );
        prev
    };

    // 2. Default encryption: KMS with a CMK, read back.
    let mut rule = ServerSideEncryptionRule::kms();
    if let Some(k) = &t.cmk {
        rule = rule.with_kms_master_key_id(k.clone());
    }
    c.put_bucket_encryption(b, rule.clone()).await?;
    let got = c.get_bucket_encryption(b).await?;
    add(
        "2",
        "PutBucketEncryption, then GetBucketEncryption".into(),
        show_rule(got.as_ref()),
        show_rule(Some(&rule)),
    );

    // 3. Upload without SSE headers (inherits KMS) and with AES256 (the object wins).
    let plain = b"inherits the bucket's KMS rule".to_vec();
    let aes = b"asks for AES256 itself".to_vec();
    let out = c
        .send(&PutObject::new(
            b,
            "walkthrough/inherits.txt",
            plain.clone(),
        ))
        .await?;
    let kms_expected = ServerSideEncryption::kms().with_key_id(
        out.server_side_encryption
            .as_ref()
            .and_then(|s| s.key_id())
            .map(str::to_owned)
            .unwrap_or_default(),
    );
    let inherited_ok = out.server_side_encryption.as_ref().is_some_and(|s| {
        s.algorithm() == &SseAlgorithm::Kms && (t.cmk.is_none() || s.key_id() == t.cmk.as_deref())
    });
    add(
        "3a",
        "PutObject inherits.txt (no SSE headers)".into(),
        show(out.server_side_encryption.as_ref()),
        if inherited_ok {
            show(out.server_side_encryption.as_ref())
        } else {
            show(Some(&kms_expected)) + " with the bucket CMK"
        },
    );
    let out = c
        .send(
            &PutObject::new(b, "walkthrough/aes256.txt", aes.clone())
                .with_server_side_encryption(ServerSideEncryption::aes256()),
        )
        .await?;
    add(
        "3b",
        "PutObject aes256.txt (x-oss-server-side-encryption: AES256)".into(),
        show(out.server_side_encryption.as_ref()),
        show(Some(&ServerSideEncryption::aes256())),
    );

    // 4. Download both: declared encryption and bytes.
    for (step, key, body, expect) in [
        (
            "4a",
            "walkthrough/inherits.txt",
            &plain,
            kms_expected.clone(),
        ),
        (
            "4b",
            "walkthrough/aes256.txt",
            &aes,
            ServerSideEncryption::aes256(),
        ),
    ] {
        let got = c.get_object_bytes(&GetObject::new(b, key)).await?;
        let same = got.body[..] == body[..];
        add(
            step,
            format!(
                "GetObject {} ({} bytes, {})",
                key.trim_start_matches("walkthrough/"),
                got.body.len(),
                if same { "bytes match" } else { "BYTES DIFFER" }
            ),
            show(got.head.server_side_encryption.as_ref())
                + if same { "" } else { " / bytes differ" },
            show(Some(&expect)),
        );
    }

    // 5. Copy with an SSE override: SSE is never carried over from the source.
    let out = c
        .copy_object(
            &CopyObject::new(b, "walkthrough/inherits.txt", b, "walkthrough/copy-sm4.txt")
                .with_server_side_encryption(ServerSideEncryption::sm4()),
        )
        .await?;
    add(
        "5",
        "CopyObject inherits.txt -> copy-sm4.txt (override SM4)".into(),
        show(out.server_side_encryption.as_ref()),
        show(Some(&ServerSideEncryption::sm4())),
    );

    // 6. Delete the rule; get reports none.
    c.delete_bucket_encryption(b).await?;
    let got = c.get_bucket_encryption(b).await?;
    add(
        "6",
        "DeleteBucketEncryption, then GetBucketEncryption".into(),
        show_rule(got.as_ref()),
        "none".into(),
    );

    // Clean up.
    for k in [
        "walkthrough/inherits.txt",
        "walkthrough/aes256.txt",
        "walkthrough/copy-sm4.txt",
    ] {
        c.delete_object(b, k).await?;
    }
    if let Some(r) = previous_rule {
        c.put_bucket_encryption(b, r).await?;
    }
    if let Some(emu) = t.emulator {
        c.delete_bucket(b).await?;
        emu.shutdown().await;
    }

    let failed = rows.iter().filter(|r| !r.ok).count();
    if json {
        let v: Vec<_> = rows
            .iter()
            .map(|r| serde_json::json!({"step": r.step, "action": r.action, "declared": r.declared, "expected": r.expected, "ok": r.ok}))
            .collect();
        println!(
            "{}",
            crate::output::json(
                &serde_json::json!({"target": t.where_, "steps": v, "failed": failed})
            )
        );
    } else {
        let w = [
            4,
            rows.iter().map(|r| r.action.len()).max().unwrap_or(6),
            rows.iter()
                .map(|r| r.declared.len())
                .max()
                .unwrap_or(8)
                .max(8),
        ];
        let mut s = String::new();
        let _ = writeln!(s, "oss-sse SSE walkthrough against {}\n", t.where_);
        let _ = writeln!(
            s,
            "{:<w0$}  {:<w1$}  {:<w2$}  check",
            "step",
            "operation",
            "declared encryption",
            w0 = w[0],
            w1 = w[1],
            w2 = w[2]
        );
        let _ = writeln!(
            s,
            "{}  {}  {}  -----",
            "-".repeat(w[0]),
            "-".repeat(w[1]),
            "-".repeat(w[2])
        );
        for r in &rows {
            let check = if r.ok {
                "ok".to_owned()
            } else {
                format!("MISMATCH (expected {})", r.expected)
            };
            let _ = writeln!(
                s,
                "{:<w0$}  {:<w1$}  {:<w2$}  {check}",
                r.step,
                r.action,
                r.declared,
                w0 = w[0],
                w1 = w[1],
                w2 = w[2]
            );
        }
        let _ = writeln!(s, "\n{} steps, {} mismatches", rows.len(), failed);
        print!("{}", crate::output::text(&s));
    }
    if failed > 0 {
        return Err(Fail::msg(format!(
            "walkthrough: {failed} step(s) did not match"
        )));
    }
    Ok(())
}
