//! `oss-sse reencrypt oss://bucket[/prefix] --to T [--dry-run] [--journal F [--resume]]`:
//! re-encrypt in place every object that does not meet the target, keeping its bytes,
//! metadata, headers and tags, never overwriting a concurrent write. Exit status 0 when
//! every object meets the target afterwards, 3 when some do not (skipped, changed by
//! someone else, or failed), 1 on errors.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use futures_util::{StreamExt, TryStreamExt};
use oss_sse_core::ops::ListObjectsV2;
use oss_sse_hyper::fleet::{Journal, ObjectResult, Outcome, ReencryptOptions, ReencryptSummary};
use serde_json::json;

use super::audit::{NOT_COMPLIANT, policy_arg};
use super::{Ctx, oss_url};
use crate::output::{Fail, Output, esc, stdout};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// oss://bucket or oss://bucket/prefix
    url: String,
    /// bucket (its default rule), AES256, SM4, KMS[:KEYID] or KMS+SM4[:KEYID].
    #[arg(long, default_value = "bucket")]
    to: String,
    /// Show what would be re-encrypted; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Record finished objects in this file (JSON lines).
    #[arg(long, value_name = "FILE")]
    journal: Option<std::path::PathBuf>,
    /// Continue the run recorded in --journal: objects it finished are not touched.
    #[arg(long, requires = "journal")]
    resume: bool,
    /// Objects worked on at once.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=1024))]
    concurrency: u16,
    /// At most this many objects started per second.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    max_rps: Option<u32>,
    /// Read the objects from an OSS inventory (oss://bucket/path/manifest.json or a local
    /// path) instead of listing the bucket.
    #[arg(long, value_name = "MANIFEST")]
    inventory: Option<String>,
    /// Only the keys of shard I of N (a stable hash of the key); give each shard its own
    /// --journal.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Re-encrypt Appendable objects too; they become Normal objects (no more appends).
    #[arg(long)]
    include_appendable: bool,
}

fn line(bucket: &str, r: &ObjectResult) -> Option<String> {
    let what = match &r.outcome {
        Outcome::Reencrypted { from, .. } => format!(
            "re-encrypted (was {})",
            from.as_ref()
                .map_or_else(|| "not encrypted".to_owned(), ToString::to_string)
        ),
        Outcome::WouldReencrypt { from } => format!(
            "would re-encrypt (is {})",
            from.as_ref()
                .map_or_else(|| "not encrypted".to_owned(), ToString::to_string)
        ),
        Outcome::Skipped(why) => format!("skipped: {why}"),
        Outcome::Changed {
            now_compliant: true,
        } => "changed by someone else meanwhile; it meets the target now".to_owned(),
        Outcome::Changed {
            now_compliant: false,
        } => "changed by someone else meanwhile; left as they wrote it (not compliant)".to_owned(),
        Outcome::Failed(e) => format!("FAILED: {e}"),
        Outcome::Compliant | Outcome::DoneEarlier | Outcome::Gone => return None,
        other => other.name().replace('_', " "),
    };
    Some(format!(
        "oss://{}/{}  {}\n",
        esc(bucket),
        esc(&r.key),
        esc(&what)
    ))
}

/// Counts the objects a run will see, for the progress bar's total (only when it is shown).
async fn count(c: &oss_sse_hyper::Client, bucket: &str, prefix: &str) -> Option<u64> {
    let mut n = 0;
    let mut s = c.list_objects_v2(
        ListObjectsV2::new(bucket)
            .with_prefix(prefix)
            .with_max_keys(1000),
    );
    while let Some(o) = s.next().await {
        o.ok()?;
        n += 1;
    }
    Some(n)
}

pub(crate) async fn run(args: Args, ctx: &Ctx) -> Result<(), Fail> {
    let (bucket, prefix) = oss_url(&args.url)
        .ok_or_else(|| Fail::msg(format!("{}: expected oss://bucket[/prefix]", args.url)))?;
    let target = policy_arg(&args.to, "to")?;
    let journal = match &args.journal {
        Some(p) => Some(Arc::new(Journal::open(p, args.resume)?)),
        None => None,
    };
    let c = ctx.client()?;
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr()) && ctx.out == Output::Text;
    let bar = if tty {
        // The total for the ETA: a listing pass (not with an inventory or a shard, whose
        // totals a listing does not give).
        let total = if args.inventory.is_none() && args.shard.is_none() {
            count(&c, &bucket, &prefix).await.unwrap_or(0)
        } else {
            0
        };
        let pb = indicatif::ProgressBar::new(total);
        pb.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:30} {pos}/{len} objects {msg} {per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(pb)
    } else {
        None
    };
    let bytes_done = Arc::new(AtomicU64::new(0));
    let mut opts = ReencryptOptions::default()
        .with_prefix(prefix)
        .with_target(target)
        .with_concurrency(usize::from(args.concurrency))
        .with_dry_run(args.dry_run)
        .with_convert_appendable(args.include_appendable)
        .with_cancel(ctx.cancel.clone());
    opts.max_rps = args.max_rps;
    let (inventory, shard) =
        super::audit::source_args(args.inventory.as_deref(), args.shard.as_deref())?;
    opts.inventory = inventory;
    opts.shard = shard;
    if let Some(j) = &journal {
        opts = opts.with_journal(j.clone());
    }
    if let Some(pb) = bar.clone() {
        let bytes = bytes_done.clone();
        opts = opts.with_on_result(move |r| {
            let b = bytes.fetch_add(r.size, Ordering::Relaxed) + r.size;
            pb.inc(1);
            pb.set_message(indicatif::HumanBytes(b).to_string());
        });
    }
    let started = Instant::now();
    let (policy, results) = c.reencrypt(&bucket, &opts).await?;
    let mut sum = ReencryptSummary::default();
    let mut results = results.into_stream();
    let outcome: Result<(), oss_sse_hyper::Error> = async {
        while let Some(r) = results.next().await {
            let r = r?;
            sum.add(&r);
            match ctx.out {
                Output::Text => {
                    if let Some(l) = line(&bucket, &r) {
                        match &bar {
                            Some(pb) => pb.suspend(|| stdout(&l)),
                            None => stdout(&l),
                        }
                    }
                }
                Output::Json => stdout(&format!(
                    "{}\n",
                    crate::output::json(
                        &json!({"key": r.key, "size": r.size, "outcome": r.outcome.name(),
                        "detail": line(&bucket, &r).map(|l| l.trim_end().to_owned())})
                    )
                )),
            }
        }
        Ok(())
    }
    .await;
    if let Some(pb) = &bar {
        pb.finish_and_clear();
    }
    // Whatever happened, what was recorded is on disk before the summary.
    if let Some(j) = &journal {
        j.sync()?;
    }
    outcome?;
    let secs = started.elapsed().as_secs_f64();
    let counts: serde_json::Map<String, serde_json::Value> = sum
        .by_outcome
        .iter()
        .map(|(k, (n, b))| (k.clone(), json!({"objects": n, "bytes": b})))
        .collect();
    match ctx.out {
        Output::Text => {
            let mut text = format!(
                "target {}: {} objects ({} bytes) in {:.1} s",
                esc(&policy.to_string()),
                sum.objects,
                sum.bytes,
                secs
            );
            for (k, (n, _)) in &sum.by_outcome {
                text.push_str(&format!(", {n} {}", k.replace('_', " ")));
            }
            text.push('\n');
            stdout(&text);
        }
        Output::Json => stdout(&format!(
            "{}\n",
            crate::output::json(
                &json!({"summary": {"target": policy.to_string(), "objects": sum.objects,
                "bytes": sum.bytes, "seconds": secs, "by_outcome": counts}})
            )
        )),
    }
    if args.dry_run || sum.all_compliant() {
        return Ok(());
    }
    let left = sum.objects
        - sum.count("reencrypted")
        - sum.count("compliant")
        - sum.count("done_earlier")
        - sum.count("gone");
    Err(Fail {
        message: format!(
            "{left} objects do not meet {policy} after this run (see the lines above)"
        ),
        code: NOT_COMPLIANT,
        cleaned: Vec::new(),
        cancelled: false,
    })
}
