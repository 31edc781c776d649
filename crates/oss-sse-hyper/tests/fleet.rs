//! Audit and re-encryption of whole buckets against the emulator over real sockets: exact
//! counts per policy, re-encryption to every target with bytes, CRC-64, metadata and tags
//! unchanged, a writer racing the re-encryption, injected faults, and the report.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::TryStreamExt;
use oss_sse_core::ops::{
    AppendObject, CompleteMultipartUpload, CompletedPart, GetObject, GetObjectTagging,
    InitiateMultipartUpload, PutObject, UploadPart,
};
use oss_sse_core::policy::EncryptionPolicy;
use oss_sse_core::{DataEncryption, ServerSideEncryption, ServerSideEncryptionRule};
use oss_sse_emulator::faults::{FaultAction, FaultMatch, FaultRule};
use oss_sse_emulator::{Emulator, EmulatorHandle};
use oss_sse_hyper::fleet::{
    AuditOptions, AuditSummary, Finding, InventorySource, Journal, ObjectResult, Outcome,
    PolicySource, ReencryptOptions, ReencryptSummary, render_html,
};
use oss_sse_hyper::{Client, CopyOptions, RetryPolicy};

async fn setup() -> (EmulatorHandle, Client) {
    let emu = Emulator::builder()
        .kms_key("cmk-a")
        .kms_key("cmk-b")
        .fault_seed(7)
        .start()
        .await
        .unwrap();
    let c = Client::builder(emu.region())
        .endpoint(emu.endpoint())
        .credentials(emu.credentials().clone())
        .retry(
            RetryPolicy::default()
                .with_max_attempts(6)
                .with_backoff(Duration::from_millis(2), Duration::from_millis(20)),
        )
        .build()
        .unwrap();
    (emu, c)
}

fn kms(key: &str, sm4: bool) -> ServerSideEncryption {
    let s = ServerSideEncryption::kms().with_key_id(key);
    if sm4 {
        s.with_data_encryption(DataEncryption::Sm4)
    } else {
        s
    }
}

/// What an object of the mixed bucket must still be after anything is done to it.
#[derive(Debug, Clone)]
struct Want {
    body: Bytes,
    metadata: Vec<(String, String)>,
    content_type: Option<String>,
    cache_control: Option<String>,
    tags: Vec<(String, String)>,
}

fn body(seed: usize, len: usize) -> Bytes {
    Bytes::from(
        (0..len)
            .map(|i| (i.wrapping_mul(31) ^ seed.wrapping_mul(7)) as u8)
            .collect::<Vec<u8>>(),
    )
}

/// The mixed bucket: 2 unencrypted, 2 AES256, 2 KMS cmk-a, 1 KMS cmk-b, 1 SM4,
/// 1 KMS+SM4 cmk-a, 1 multipart (KMS cmk-a), 1 appendable (AES256); several with metadata,
/// standard headers and tags.
async fn mixed(c: &Client, bucket: &str) -> BTreeMap<String, Want> {
    c.put_bucket(bucket).await.unwrap();
    let plan: Vec<(&str, Option<ServerSideEncryption>)> = vec![
        ("plain/1", None),
        ("plain/2 space+plus", None),
        ("aes/1", Some(ServerSideEncryption::aes256())),
        ("aes/2", Some(ServerSideEncryption::aes256())),
        ("kms/a1", Some(kms("cmk-a", false))),
        ("kms/a2", Some(kms("cmk-a", false))),
        ("kms/b1", Some(kms("cmk-b", false))),
        ("sm4/1", Some(ServerSideEncryption::sm4())),
        ("kmssm4/a1", Some(kms("cmk-a", true))),
    ];
    let mut want = BTreeMap::new();
    for (i, (key, sse)) in plan.into_iter().enumerate() {
        let b = body(i, 3000 + i * 17);
        let mut op = PutObject::new(bucket, key, b.clone())
            .with_metadata("owner", format!("team-{i}"))
            .with_content_type("text/x-test")
            .with_cache_control("max-age=60");
        let tags = if i % 2 == 0 {
            vec![("k".to_owned(), format!("v{i}"))]
        } else {
            vec![]
        };
        for (k, v) in &tags {
            op = op.with_tag(k, v);
        }
        if let Some(s) = sse {
            op = op.with_server_side_encryption(s);
        }
        c.send(&op).await.unwrap();
        want.insert(
            key.to_owned(),
            Want {
                body: b,
                metadata: vec![("owner".into(), format!("team-{i}"))],
                content_type: Some("text/x-test".into()),
                cache_control: Some("max-age=60".into()),
                tags,
            },
        );
    }
    // Multipart, KMS cmk-a, two parts.
    let up = c
        .send(
            &InitiateMultipartUpload::new(bucket, "multi/1")
                .with_server_side_encryption(kms("cmk-a", false))
                .with_metadata("owner", "mp"),
        )
        .await
        .unwrap();
    let (p1, p2) = (body(91, 100 * 1024), body(92, 5000));
    let mut parts = vec![];
    for (n, p) in [(1, &p1), (2, &p2)] {
        let r = c
            .send(&UploadPart::new(
                bucket,
                "multi/1",
                &up.upload_id,
                n,
                p.clone(),
            ))
            .await
            .unwrap();
        parts.push(CompletedPart::new(n, r.etag.unwrap()));
    }
    c.send(&CompleteMultipartUpload::new(
        bucket,
        "multi/1",
        &up.upload_id,
        parts,
    ))
    .await
    .unwrap();
    want.insert(
        "multi/1".into(),
        Want {
            body: [p1, p2].concat().into(),
            metadata: vec![("owner".into(), "mp".into())],
            content_type: None,
            cache_control: None,
            tags: vec![],
        },
    );
    // Appendable, AES256.
    let a = body(93, 777);
    c.send(
        &AppendObject::new(bucket, "append/1", 0, a.clone())
            .with_server_side_encryption(ServerSideEncryption::aes256()),
    )
    .await
    .unwrap();
    want.insert(
        "append/1".into(),
        Want {
            body: a,
            metadata: vec![],
            content_type: None,
            cache_control: None,
            tags: vec![],
        },
    );
    want
}

async fn audit(c: &Client, bucket: &str, policy: PolicySource) -> (Vec<Finding>, AuditSummary) {
    let (_, s) = c
        .audit(bucket, &AuditOptions::default().with_policy(policy))
        .await
        .unwrap();
    let findings: Vec<Finding> = s.try_collect().await.unwrap();
    let mut sum = AuditSummary::default();
    for f in &findings {
        sum.add(f);
    }
    (findings, sum)
}

fn counts(sum: &AuditSummary) -> BTreeMap<String, u64> {
    sum.by_status
        .iter()
        .map(|(k, t)| (k.clone(), t.objects))
        .collect()
}

fn m(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mixed_bucket_audited_against_every_policy() {
    let (emu, c) = setup().await;
    mixed(&c, "mix").await;
    // 11 objects: 2 none, 3 AES256 (one appendable), 3 KMS cmk-a (one multipart),
    // 1 KMS cmk-b, 1 SM4, 1 KMS+SM4 cmk-a.
    let cases: Vec<(&str, BTreeMap<String, u64>)> = vec![
        ("any", m(&[("compliant", 9), ("unencrypted", 2)])),
        (
            "AES256",
            m(&[("compliant", 3), ("unencrypted", 2), ("wrong_algorithm", 6)]),
        ),
        (
            "SM4",
            m(&[("compliant", 1), ("unencrypted", 2), ("wrong_algorithm", 8)]),
        ),
        (
            "KMS",
            m(&[
                ("compliant", 4),
                ("unencrypted", 2),
                ("wrong_algorithm", 4),
                ("wrong_data_encryption", 1),
            ]),
        ),
        (
            "KMS:cmk-a",
            m(&[
                ("compliant", 3),
                ("unencrypted", 2),
                ("wrong_algorithm", 4),
                ("wrong_key", 1),
                ("wrong_data_encryption", 1),
            ]),
        ),
        (
            "KMS+SM4",
            m(&[
                ("compliant", 1),
                ("unencrypted", 2),
                ("wrong_algorithm", 4),
                ("wrong_data_encryption", 4),
            ]),
        ),
        (
            "KMS+SM4:cmk-b",
            m(&[
                ("unencrypted", 2),
                ("wrong_algorithm", 4),
                ("wrong_data_encryption", 1),
                ("wrong_key", 4),
            ]),
        ),
    ];
    for (policy, want) in cases {
        let p: EncryptionPolicy = policy.parse().unwrap();
        let (findings, sum) = audit(&c, "mix", p.into()).await;
        assert_eq!(findings.len(), 11, "{policy}");
        assert_eq!(counts(&sum), want, "{policy}");
        assert_eq!(sum.all.objects, 11);
        assert_eq!(
            sum.needing_attention(),
            11 - want.get("compliant").copied().unwrap_or(0)
        );
    }
    // The bucket's rule as the policy; none set is an error naming the field.
    let e = c
        .audit("mix", &AuditOptions::default())
        .await
        .err()
        .expect("no rule");
    assert!(e.to_string().contains("no default encryption"), "{e}");
    c.put_bucket_encryption("mix", ServerSideEncryptionRule::sm4())
        .await
        .unwrap();
    let (_, sum) = audit(&c, "mix", PolicySource::Bucket).await;
    assert_eq!(
        counts(&sum),
        m(&[("compliant", 1), ("unencrypted", 2), ("wrong_algorithm", 8)])
    );
    // Totals by algorithm and key id.
    let (_, sum) = audit(&c, "mix", EncryptionPolicy::Any.into()).await;
    let algs: BTreeMap<_, _> = sum
        .by_algorithm
        .iter()
        .map(|(k, t)| (k.clone(), t.objects))
        .collect();
    assert_eq!(
        algs,
        m(&[
            ("AES256", 3),
            ("KMS", 4),
            ("KMS+SM4", 1),
            ("SM4", 1),
            ("none", 2)
        ])
    );
    let keys: BTreeMap<_, _> = sum
        .by_key_id
        .iter()
        .map(|(k, t)| (k.clone(), t.objects))
        .collect();
    assert_eq!(keys, m(&[("cmk-a", 4), ("cmk-b", 1)]));
    assert_eq!(sum.by_prefix.len(), 7);
    emu.shutdown().await;
}

/// Every object of `want` reads back with its bytes, CRC-64, metadata, headers and tags.
async fn check_intact(c: &Client, bucket: &str, want: &BTreeMap<String, Want>) {
    for (k, w) in want {
        let got = c
            .get_object_bytes(&GetObject::new(bucket, k))
            .await
            .unwrap_or_else(|e| panic!("{k}: {e}"));
        assert!(got.body == w.body, "{k}: bytes differ");
        assert_eq!(
            got.head.hash_crc64,
            Some(oss_sse_core::crc::crc64(&w.body)),
            "{k}: CRC-64"
        );
        assert_eq!(got.head.metadata, w.metadata, "{k}: metadata");
        assert_eq!(
            got.head
                .content_type
                .as_deref()
                .filter(|t| *t != "application/octet-stream"),
            w.content_type.as_deref(),
            "{k}: content type"
        );
        assert_eq!(
            got.head.cache_control, w.cache_control,
            "{k}: cache control"
        );
        let tags = c
            .send(&GetObjectTagging::new(bucket, k))
            .await
            .unwrap()
            .tags;
        assert_eq!(tags, w.tags, "{k}: tags");
    }
}

async fn run(
    c: &Client,
    bucket: &str,
    opts: &ReencryptOptions,
) -> (Vec<ObjectResult>, ReencryptSummary) {
    let (_, s) = c.reencrypt(bucket, opts).await.unwrap();
    let results: Vec<ObjectResult> = s.try_collect().await.unwrap();
    let mut sum = ReencryptSummary::default();
    for r in &results {
        sum.add(r);
    }
    (results, sum)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn re_encryption_to_every_target_keeps_every_byte_and_attribute() {
    let (emu, c) = setup().await;
    for (i, target) in ["AES256", "SM4", "KMS:cmk-a", "KMS+SM4:cmk-b", "KMS"]
        .into_iter()
        .enumerate()
    {
        let bucket = format!("re{i}");
        let want = mixed(&c, &bucket).await;
        let policy: EncryptionPolicy = target.parse().unwrap();
        let opts = ReencryptOptions::default().with_target(policy.clone());

        // A dry run changes nothing.
        let (_, dry) = run(&c, &bucket, &opts.clone().with_dry_run(true)).await;
        assert!(dry.count("would_reencrypt") > 0, "{target}");
        let (_, before) = audit(&c, &bucket, policy.clone().into()).await;
        assert_eq!(
            before.compliant().objects,
            dry.count("compliant"),
            "{target}"
        );

        let (results, sum) = run(&c, &bucket, &opts).await;
        assert_eq!(sum.objects, 11, "{target}");
        let bad: Vec<_> = results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Failed(_) | Outcome::Changed { .. }))
            .take(3)
            .collect();
        assert_eq!(
            sum.count("failed") + sum.count("changed"),
            0,
            "{target}: {bad:?}"
        );
        // The appendable object is reported, not converted, unless asked.
        let appendable = results.iter().find(|r| r.key == "append/1").unwrap();
        if !matches!(appendable.outcome, Outcome::Compliant) {
            assert!(
                matches!(&appendable.outcome, Outcome::Skipped(why) if why.contains("Appendable")),
                "{target}: {:?}",
                appendable.outcome
            );
            let (_, sum) = run(&c, &bucket, &opts.clone().with_convert_appendable(true)).await;
            assert_eq!(sum.count("reencrypted"), 1, "{target}");
        }
        let (_, after) = audit(&c, &bucket, policy.clone().into()).await;
        assert_eq!(
            after.needing_attention(),
            0,
            "{target}: {:?}",
            after.attention
        );
        assert_eq!(after.compliant().objects, 11);
        check_intact(&c, &bucket, &want).await;
        // Nothing left to do.
        let (_, again) = run(&c, &bucket, &opts).await;
        assert_eq!(again.count("compliant"), 11, "{target}");
    }
    // "any" names nothing to apply.
    let e = c
        .reencrypt(
            "re0",
            &ReencryptOptions::default().with_target(EncryptionPolicy::Any),
        )
        .await
        .err()
        .unwrap();
    assert!(e.to_string().contains("any"), "{e}");
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_racing_the_re_encryption_always_wins() {
    let (emu, c) = setup().await;
    c.put_bucket("race").await.unwrap();
    // 10% of the objects ("a/hot-…", listed first) are overwritten by a user while they
    // are being re-encrypted: their copies are held for 300 ms by the emulator, and the
    // user writes each twice, at 100 ms and at 500 ms.
    let hot: Vec<String> = (0..30).map(|i| format!("a/hot-{i:02}")).collect();
    let cold: Vec<String> = (0..270).map(|i| format!("obj/{i:04}")).collect();
    for (i, k) in hot.iter().chain(&cold).enumerate() {
        c.send(&PutObject::new("race", k, body(i, 2000)).with_metadata("v", "old"))
            .await
            .unwrap();
    }
    emu.faults().push(FaultRule {
        matcher: FaultMatch {
            op: Some("CopyObject".into()),
            key_prefix: Some("a/hot-".into()),
            ..FaultMatch::default()
        },
        action: FaultAction::Delay { ms: 300 },
        count: None,
        probability: None,
    });
    let writer = {
        let c = c.clone();
        let hot = hot.clone();
        tokio::spawn(async move {
            let mut written = BTreeMap::new();
            for (round, wait) in [(1, 100), (2, 400)] {
                tokio::time::sleep(Duration::from_millis(wait)).await;
                for k in &hot {
                    let b = Bytes::from(format!("the user's write {round} of {k}"));
                    c.send(&PutObject::new("race", k, b.clone()).with_metadata("v", "new"))
                        .await
                        .unwrap();
                    written.insert(k.clone(), b);
                }
            }
            written
        })
    };
    let opts = ReencryptOptions::default()
        .with_target(EncryptionPolicy::Kms {
            key_id: Some("cmk-a".into()),
            sm4: false,
        })
        .with_concurrency(64);
    let (results, sum) = run(&c, "race", &opts).await;
    let written = writer.await.unwrap();
    assert_eq!(sum.objects, 300);
    let failed: Vec<_> = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Failed(_)))
        .take(3)
        .collect();
    assert_eq!(sum.count("failed"), 0, "{failed:?}");
    // The races were real: copies refused by if-match, reported, never forced.
    assert!(sum.count("changed") >= 1, "{:?}", sum.by_outcome);
    for r in &results {
        if let Outcome::Changed { now_compliant } = r.outcome {
            assert!(r.key.starts_with("a/hot-") && !now_compliant, "{r:?}");
        }
    }
    for (k, b) in &written {
        let got = c
            .get_object_bytes(&GetObject::new("race", k))
            .await
            .unwrap();
        assert!(got.body == *b, "{k}: the user's write was replaced");
        assert_eq!(
            got.head.metadata,
            vec![("v".to_owned(), "new".to_owned())],
            "{k}"
        );
    }
    for (i, k) in cold.iter().enumerate() {
        let got = c
            .get_object_bytes(&GetObject::new("race", k))
            .await
            .unwrap();
        assert!(got.body == body(i + hot.len(), 2000), "{k}");
        assert_eq!(
            got.head.server_side_encryption,
            Some(kms("cmk-a", false)),
            "{k}"
        );
        assert_eq!(
            got.head.metadata,
            vec![("v".to_owned(), "old".to_owned())],
            "{k}"
        );
    }
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_percent_faults_lose_nothing() {
    let (emu, c) = setup().await;
    c.put_bucket("faulty").await.unwrap();
    let mut want = BTreeMap::new();
    for i in 0..200 {
        let k = format!("f/{i:03}");
        let b = body(i, 1500 + i);
        c.send(&PutObject::new("faulty", &k, b.clone()).with_metadata("i", i.to_string()))
            .await
            .unwrap();
        want.insert(
            k,
            Want {
                body: b,
                metadata: vec![("i".into(), i.to_string())],
                content_type: None,
                cache_control: None,
                tags: vec![],
            },
        );
    }
    for action in [
        FaultAction::ResetResponse { after_bytes: 10 },
        FaultAction::Error {
            status: 503,
            code: "ServiceUnavailable".into(),
        },
        FaultAction::Truncate { after_bytes: 5 },
        FaultAction::ResetRequest,
    ] {
        emu.faults().push(FaultRule {
            matcher: FaultMatch {
                bucket: Some("faulty".into()),
                ..FaultMatch::default()
            },
            action,
            count: None,
            probability: Some(0.025),
        });
    }
    let opts = ReencryptOptions::default().with_target(EncryptionPolicy::Sm4);
    let mut rounds = 0;
    loop {
        rounds += 1;
        let (_, sum) = run(&c, "faulty", &opts).await;
        if sum.all_compliant() || rounds == 5 {
            break;
        }
    }
    emu.faults().clear();
    assert!(emu.faults().stats().injected > 0);
    let (_, after) = audit(&c, "faulty", EncryptionPolicy::Sm4.into()).await;
    assert_eq!(
        after.compliant().objects,
        200,
        "after {rounds} rounds: {:?}",
        after.attention
    );
    check_intact(&c, "faulty", &want).await;
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_journal_skips_what_an_earlier_run_finished() {
    let (emu, c) = setup().await;
    c.put_bucket("jrn").await.unwrap();
    for i in 0..50 {
        c.send(&PutObject::new("jrn", format!("j/{i:02}"), body(i, 100)))
            .await
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let j = Arc::new(Journal::open(&path, false).unwrap());
    let opts = ReencryptOptions::default()
        .with_target(EncryptionPolicy::Aes256)
        .with_journal(j.clone());
    let (_, sum) = run(&c, "jrn", &opts).await;
    assert_eq!(sum.count("reencrypted"), 50);
    j.sync().unwrap();
    drop(opts);
    drop(j);
    // Without resume an existing journal is refused; with it, nothing is touched again.
    let e = Journal::open(&path, false).unwrap_err();
    let why = std::error::Error::source(&e)
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(why.contains("earlier run"), "{e}: {why}");
    let j = Arc::new(Journal::open(&path, true).unwrap());
    assert_eq!(j.done_before(), 50);
    let requests = emu.faults().stats().requests;
    let (_, sum) = run(
        &c,
        "jrn",
        &ReencryptOptions::default()
            .with_target(EncryptionPolicy::Aes256)
            .with_journal(j),
    )
    .await;
    assert_eq!(sum.count("done_earlier"), 50);
    // Only the listing was sent: no HEAD, no copy.
    assert_eq!(emu.faults().stats().requests - requests, 1);
    // A torn last line is ignored.
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"{\"key\":\"j/0"))
        .unwrap();
    assert_eq!(Journal::open(&path, true).unwrap().done_before(), 50);
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_is_self_contained_and_escapes_keys() {
    let (emu, c) = setup().await;
    let want = mixed(&c, "rep").await;
    c.send(&PutObject::new(
        "rep",
        "<script>alert(1)</script>",
        &b"x"[..],
    ))
    .await
    .unwrap();
    let (_, sum) = audit(
        &c,
        "rep",
        "KMS:cmk-a".parse::<EncryptionPolicy>().unwrap().into(),
    )
    .await;
    let html = render_html(
        "rep",
        "",
        &"KMS:cmk-a".parse().unwrap(),
        &sum,
        "2026-11-30 12:00 UTC",
    );
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script"), "keys are escaped");
    assert!(html.contains("&lt;script&gt;"));
    assert!(
        !html.contains("http://")
            || html
                .matches("http://")
                .all(|_| html.contains("xmlns=\"http://www.w3.org/2000/svg\""))
    );
    assert!(
        !html.contains("src=") && !html.contains("href="),
        "nothing is fetched"
    );
    for id in [
        "by-verdict",
        "by-algorithm",
        "by-key-id",
        "by-prefix",
        "attention-table",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(
        html.contains(&format!(">{}<", want.len() + 1)),
        "total shown"
    );
    let _ = CopyOptions::default();
    emu.shutdown().await;
}

/// Fills `bucket` through the seed call: `n` objects, a quarter each unencrypted, AES256,
/// KMS cmk-a and SM4 (keys `none/…`, `aes/…`, `kms/…`, `sm4/…`).
async fn seed_mixed(emu: &EmulatorHandle, c: &Client, bucket: &str, n: u64) {
    c.put_bucket(bucket).await.unwrap();
    for (prefix, sse) in [
        ("none/", serde_json::Value::Null),
        ("aes/", "AES256".into()),
        ("kms/", "KMS".into()),
        ("sm4/", "SM4".into()),
    ] {
        let spec = serde_json::json!({
            "bucket": bucket, "prefix": prefix, "count": n / 4, "size": 10, "sse": sse,
            "sse_key_id": if prefix == "kms/" { serde_json::Value::from("cmk-a") } else { serde_json::Value::Null },
        });
        emu.seed(&serde_json::from_value(spec).unwrap())
            .await
            .unwrap();
    }
}

async fn audit_with(c: &Client, bucket: &str, opts: AuditOptions) -> (Vec<Finding>, AuditSummary) {
    let (_, s) = c.audit(bucket, &opts).await.unwrap();
    let findings: Vec<Finding> = s.try_collect().await.unwrap();
    let mut sum = AuditSummary::default();
    for f in &findings {
        sum.add(f);
    }
    (findings, sum)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inventory_of_100000_objects_audits_like_a_listing() {
    let (emu, c) = setup().await;
    seed_mixed(&emu, &c, "inv", 100_000).await;
    c.put_bucket("invdest").await.unwrap();
    let manifest = emu
        .inventory(
            &serde_json::from_value(serde_json::json!({
                "bucket": "inv", "destination": "invdest", "prefix": "reports/", "id": "daily",
                "rows_per_file": 30000,
            }))
            .unwrap(),
        )
        .await
        .unwrap();
    assert!(
        manifest.starts_with("reports/inv/daily/") && manifest.ends_with("/manifest.json"),
        "{manifest}"
    );
    let policy: EncryptionPolicy = "KMS:cmk-a".parse().unwrap();
    let source = InventorySource::new(format!("oss://invdest/{manifest}").parse().unwrap());
    let (_, listed) = audit_with(
        &c,
        "inv",
        AuditOptions::default().with_policy(policy.clone()),
    )
    .await;
    let requests = emu.faults().stats().requests;
    let (found, from_inventory) = audit_with(
        &c,
        "inv",
        AuditOptions::default()
            .with_policy(policy.clone())
            .with_inventory(source.clone()),
    )
    .await;
    assert_eq!(counts(&from_inventory), counts(&listed));
    assert_eq!(
        counts(&listed),
        m(&[
            ("compliant", 25_000),
            ("unencrypted", 25_000),
            ("wrong_algorithm", 50_000)
        ])
    );
    assert_eq!(from_inventory.all, listed.all);
    // The unencrypted quarter was not HEADed: EncryptionStatus=false said enough.
    let sent = emu.faults().stats().requests - requests;
    assert!(sent < 75_100, "{sent} requests");
    assert!(found.iter().filter(|f| f.head.is_none()).count() == 25_000);

    // One worker per data file: the four files together are the whole inventory.
    let mut total = 0;
    for i in 0..4 {
        let (_, s) = audit_with(
            &c,
            "inv",
            AuditOptions::default()
                .with_policy(EncryptionPolicy::Any)
                .with_inventory(source.clone().with_files(vec![i])),
        )
        .await;
        total += s.all.objects;
    }
    assert_eq!(total, 100_000);
    let e = c
        .audit(
            "inv",
            &AuditOptions::default()
                .with_policy(EncryptionPolicy::Any)
                .with_inventory(source.clone().with_files(vec![4])),
        )
        .await
        .err()
        .unwrap();
    assert!(e.to_string().contains("does not exist"), "{e}");
    // An inventory of another bucket is refused.
    let e = c
        .audit(
            "invdest",
            &AuditOptions::default()
                .with_policy(EncryptionPolicy::Any)
                .with_inventory(source),
        )
        .await
        .err()
        .unwrap();
    assert!(e.to_string().contains("describes bucket"), "{e}");
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupted_inventory_file_is_rejected() {
    let (emu, c) = setup().await;
    seed_mixed(&emu, &c, "cor", 400).await;
    let manifest = emu
        .inventory(
            &serde_json::from_value(serde_json::json!({"bucket": "cor", "destination": "cor", "prefix": "inv/", "rows_per_file": 100}))
                .unwrap(),
        )
        .await
        .unwrap();
    let m = c
        .read_inventory_manifest(&format!("oss://cor/{manifest}").parse().unwrap())
        .await
        .unwrap();
    assert_eq!(m.files.len(), 4);
    // The third data file is replaced by other bytes.
    c.send(&PutObject::new(
        "cor",
        &m.files[2].key,
        Bytes::from_static(b"not the inventory"),
    ))
    .await
    .unwrap();
    let (_, s) = c
        .audit(
            "cor",
            &AuditOptions::default()
                .with_policy(EncryptionPolicy::Any)
                .with_prefix("none/")
                .with_inventory(InventorySource::new(
                    format!("oss://cor/{manifest}").parse().unwrap(),
                )),
        )
        .await
        .unwrap();
    let r: Result<Vec<Finding>, _> = s.try_collect().await;
    let e = r.unwrap_err();
    assert!(
        e.to_string().contains("is corrupt") && e.to_string().contains(&m.files[2].key),
        "{e}"
    );
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shards_cover_every_key_exactly_once() {
    let (emu, c) = setup().await;
    seed_mixed(&emu, &c, "shd", 2000).await;
    let manifest = emu
        .inventory(
            &serde_json::from_value(
                serde_json::json!({"bucket": "shd", "destination": "shd", "prefix": "zz/"}),
            )
            .unwrap(),
        )
        .await
        .unwrap();
    let source = InventorySource::new(format!("oss://shd/{manifest}").parse().unwrap());
    let (_, whole) = audit_with(
        &c,
        "shd",
        AuditOptions::default().with_policy(EncryptionPolicy::Sm4),
    )
    .await;
    for n in [1u32, 3, 7] {
        // The merged summaries of the shards are the whole bucket's.
        let mut merged = AuditSummary::default();
        for i in 0..n {
            let (_, part) = audit_with(
                &c,
                "shd",
                AuditOptions::default()
                    .with_policy(EncryptionPolicy::Sm4)
                    .with_shard(oss_sse_hyper::fleet::Shard::new(i, n).unwrap()),
            )
            .await;
            merged.merge(&part);
        }
        assert_eq!(counts(&merged), counts(&whole), "n={n}");
        assert_eq!(
            (merged.all, &merged.by_algorithm, &merged.by_prefix),
            (whole.all, &whole.by_algorithm, &whole.by_prefix),
            "n={n}"
        );
        for from_inventory in [false, true] {
            let mut seen = BTreeMap::new();
            for i in 0..n {
                let mut opts = AuditOptions::default()
                    .with_policy(EncryptionPolicy::Any)
                    .with_shard(oss_sse_hyper::fleet::Shard::new(i, n).unwrap());
                if from_inventory {
                    opts = opts.with_inventory(source.clone());
                }
                let (found, _) = audit_with(&c, "shd", opts).await;
                for f in found {
                    *seen.entry(f.key).or_insert(0) += 1;
                }
            }
            // The inventory files themselves (under zz/) are listed but not inventoried.
            let keys: Vec<_> = seen.keys().filter(|k| !k.starts_with("zz/")).collect();
            assert_eq!(keys.len(), 2000, "n={n} inventory={from_inventory}");
            assert!(
                seen.values().all(|c| *c == 1),
                "n={n} inventory={from_inventory}"
            );
        }
    }
    emu.shutdown().await;
}
