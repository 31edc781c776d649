//! `oss-sse audit oss://bucket[/prefix] [--policy P] [--format table|json|csv] [--report F]`:
//! which objects do not meet the encryption policy. Exit status 0 when every object does,
//! 3 when any does not (so it can gate CI or a cron job), 1 on errors.

use std::fmt::Write as _;
use std::path::PathBuf;

use futures_util::StreamExt;
use oss_sse_core::policy::EncryptionPolicy;
use oss_sse_hyper::fleet::{
    AuditOptions, AuditSummary, Finding, PolicySource, Status, render_html,
};
use serde_json::json;

use super::{Ctx, oss_url};
use crate::output::{Fail, Output, esc, stdout};

/// Exit status when some object does not meet the policy.
pub(crate) const NOT_COMPLIANT: u8 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Objects that need attention as they are found, then the totals.
    Table,
    /// One JSON object per line for every object, then one with the totals.
    Json,
    /// One CSV row per object (header first); totals on stderr.
    Csv,
}

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// oss://bucket or oss://bucket/prefix
    url: String,
    /// bucket (its default rule), any, AES256, SM4, KMS[:KEYID] or KMS+SM4[:KEYID].
    #[arg(long, default_value = "bucket")]
    policy: String,
    /// Output format (default: table, or json with --output json).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Also write a self-contained HTML report (charts and the objects that need attention).
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// HEAD requests in flight.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..=1024))]
    concurrency: u16,
    /// At most this many HEAD requests per second.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    max_rps: Option<u32>,
    /// Read the objects from an OSS inventory (oss://bucket/path/manifest.json or a local
    /// path) instead of listing the bucket.
    #[arg(long, value_name = "MANIFEST")]
    inventory: Option<String>,
    /// Only the keys of shard I of N (a stable hash of the key): N processes with 0/N …
    /// N-1/N cover the bucket exactly once.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
}

/// `--inventory` and `--shard`, checked.
pub(crate) fn source_args(
    inventory: Option<&str>,
    shard: Option<&str>,
) -> Result<
    (
        Option<oss_sse_hyper::fleet::InventorySource>,
        Option<oss_sse_hyper::fleet::Shard>,
    ),
    Fail,
> {
    let inventory = inventory
        .map(|m| {
            m.parse()
                .map(oss_sse_hyper::fleet::InventorySource::new)
                .map_err(|e: oss_sse_core::BuildError| {
                    Fail::msg(format!("--inventory: {}", e.reason()))
                })
        })
        .transpose()?;
    let shard = shard
        .map(|s| {
            s.parse::<oss_sse_hyper::fleet::Shard>()
                .map_err(|e| Fail::msg(format!("--shard: {}", e.reason())))
        })
        .transpose()?;
    Ok((inventory, shard))
}

/// `--policy` / `--to` as a policy source.
pub(crate) fn policy_arg(s: &str, field: &'static str) -> Result<PolicySource, Fail> {
    if s.eq_ignore_ascii_case("bucket") {
        return Ok(PolicySource::Bucket);
    }
    s.parse::<EncryptionPolicy>()
        .map(PolicySource::Explicit)
        .map_err(|e| Fail::msg(format!("--{field}: {}", e.reason())))
}

fn sse_fields(f: &Finding) -> (String, String, String) {
    let s = f.server_side_encryption();
    (
        s.map_or("none", |s| s.algorithm().as_str()).to_owned(),
        s.and_then(|s| s.key_id()).unwrap_or("").to_owned(),
        s.and_then(|s| s.data_encryption())
            .map_or("", |d| d.as_str())
            .to_owned(),
    )
}

fn detail(f: &Finding) -> String {
    match &f.status {
        Status::Assessed(v) => v.to_string(),
        Status::Gone => "deleted since it was listed".to_owned(),
        Status::Failed(e) => format!("error: {e}"),
        other => other.name().to_owned(),
    }
}

/// A CSV field: quoted when it holds a comma, quote or line break.
fn csv(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

pub(crate) fn summary_json(sum: &AuditSummary) -> serde_json::Value {
    let group = |m: &std::collections::BTreeMap<String, oss_sse_hyper::fleet::Totals>| {
        m.iter()
            .map(|(k, t)| (k.clone(), json!({"objects": t.objects, "bytes": t.bytes})))
            .collect::<serde_json::Map<_, _>>()
    };
    json!({
        "objects": sum.all.objects,
        "bytes": sum.all.bytes,
        "compliant": sum.compliant().objects,
        "needing_attention": sum.needing_attention(),
        "by_verdict": group(&sum.by_status),
        "by_algorithm": group(&sum.by_algorithm),
        "by_key_id": group(&sum.by_key_id),
    })
}

pub(crate) async fn run(args: Args, ctx: &Ctx) -> Result<(), Fail> {
    let (bucket, prefix) = oss_url(&args.url)
        .ok_or_else(|| Fail::msg(format!("{}: expected oss://bucket[/prefix]", args.url)))?;
    let policy = policy_arg(&args.policy, "policy")?;
    let format = args.format.unwrap_or(match ctx.out {
        Output::Json => Format::Json,
        Output::Text => Format::Table,
    });
    let mut opts = AuditOptions::default()
        .with_prefix(prefix.clone())
        .with_policy(policy)
        .with_concurrency(usize::from(args.concurrency));
    opts.max_rps = args.max_rps;
    let (inventory, shard) = source_args(args.inventory.as_deref(), args.shard.as_deref())?;
    opts.inventory = inventory;
    opts.shard = shard;
    let c = ctx.client()?;
    let (policy, mut findings) = c.audit(&bucket, &opts).await?;
    let mut sum = AuditSummary::default();
    if format == Format::Csv {
        stdout("key,size,verdict,algorithm,key_id,data_encryption,object_type,detail\n");
    }
    while let Some(f) = tokio::select! {
        f = findings.next() => f,
        () = ctx.cancel.cancelled() => return Err(Fail::from(oss_sse_hyper::Error::Cancelled(Default::default()))),
    } {
        let f = f?;
        sum.add(&f);
        let (alg, key_id, data) = sse_fields(&f);
        let object_type = f
            .head
            .as_ref()
            .and_then(|h| h.object_type.as_ref())
            .map_or("", |t| t.as_str());
        match format {
            Format::Table if f.status.needs_attention() => stdout(&format!(
                "{:<22} oss://{}/{}  ({})\n",
                f.status.name(),
                esc(&bucket),
                esc(&f.key),
                esc(&detail(&f))
            )),
            Format::Table => {}
            Format::Json => stdout(&format!(
                "{}\n",
                crate::output::json(&json!({
                    "key": f.key, "size": f.size, "verdict": f.status.name(),
                    "algorithm": alg, "key_id": key_id, "data_encryption": data,
                    "object_type": object_type, "detail": detail(&f),
                }))
            )),
            Format::Csv => stdout(&format!(
                "{},{},{},{},{},{},{},{}\n",
                csv(&f.key),
                f.size,
                f.status.name(),
                csv(&alg),
                csv(&key_id),
                csv(&data),
                csv(object_type),
                csv(&detail(&f))
            )),
        }
    }
    let mut text = format!(
        "policy {}: {} objects ({} bytes), {} compliant, {} need attention\n",
        esc(&policy.to_string()),
        sum.all.objects,
        sum.all.bytes,
        sum.compliant().objects,
        sum.needing_attention()
    );
    for (k, t) in &sum.by_status {
        let _ = writeln!(
            text,
            "  {k:<22} {:>10} objects {:>14} bytes",
            t.objects, t.bytes
        );
    }
    match format {
        Format::Table => stdout(&text),
        Format::Json => stdout(&format!(
            "{}\n",
            crate::output::json(
                &json!({"summary": summary_json(&sum), "policy": policy.to_string()})
            )
        )),
        Format::Csv => eprint!("{}", crate::output::text(&text)),
    }
    if let Some(path) = &args.report {
        let generated = time_now();
        let html = render_html(&bucket, &prefix, &policy, &sum, &generated);
        write_file(path, html.as_bytes())?;
    }
    if sum.needing_attention() > 0 {
        return Err(Fail {
            message: format!(
                "{} of {} objects do not meet the policy {}",
                sum.needing_attention(),
                sum.all.objects,
                policy
            ),
            code: NOT_COMPLIANT,
            cleaned: Vec::new(),
            cancelled: false,
        });
    }
    Ok(())
}

/// The current UTC time for a report's header.
fn time_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    oss_sse_core::time::format_iso8601(secs).replace(".000Z", "Z")
}

/// Writes a file whole or not at all (temporary file, then rename).
pub(crate) fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<(), Fail> {
    let tmp = path.with_extension("oss-sse.part");
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Fail::msg(format!("cannot write {}: {e}", path.display()))
        })
}
