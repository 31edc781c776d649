//! One module per command.

mod audit;
mod bucket;
mod bucket_encryption;
mod cp;
mod demo;
mod emulator;
mod ls;
mod presign;
mod reencrypt;
mod stat;
mod uploads;

use clap::Subcommand;
use oss_sse_core::{ServerSideEncryption, ServerSideEncryptionRule};
use oss_sse_hyper::{CancellationToken, Client};
use serde_json::json;

use crate::output::{Fail, Output};
use crate::settings::{ConnArgs, Settings};

/// What every command gets.
pub(crate) struct Ctx {
    pub(crate) conn: ConnArgs,
    pub(crate) out: Output,
    /// Cancelled by the first Ctrl-C / SIGTERM.
    pub(crate) cancel: CancellationToken,
}

impl Ctx {
    pub(crate) fn client(&self) -> Result<Client, Fail> {
        Ok(Settings::resolve(&self.conn)?.client()?)
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum Cmd {
    /// A bucket's default encryption (PutBucketEncryption / GetBucketEncryption / DeleteBucketEncryption).
    #[command(subcommand)]
    BucketEncryption(bucket_encryption::Args),
    /// Create, delete or describe a bucket.
    #[command(subcommand)]
    Bucket(bucket::Args),
    /// Copy a local file to OSS (with SSE), an object to a local file, or an object to
    /// another object inside OSS (a server-side copy; with --sse it re-encrypts).
    Cp(cp::Args),
    /// List objects: oss://bucket[/prefix].
    Ls(ls::Args),
    /// Multipart uploads in progress: list them, abort the stale ones.
    #[command(subcommand)]
    Uploads(uploads::Args),
    /// Show an object's size, ETag, CRC-64 and declared encryption.
    Stat(stat::Args),
    /// Find the objects that do not meet an encryption policy (exit status 3 if any).
    Audit(audit::Args),
    /// Re-encrypt in place the objects that do not meet a target encryption, keeping their
    /// bytes, metadata, headers and tags; resumable with --journal.
    Reencrypt(reencrypt::Args),
    /// Print a presigned URL.
    Presign(presign::Args),
    /// Run the local OSS emulator until interrupted.
    Emulator(emulator::Args),
    /// The SSE walkthrough: against an in-process emulator, or real OSS when OSS_ENDPOINT,
    /// OSS_REGION, OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET and OSS_BUCKET are set.
    Demo,
}

pub(crate) async fn run(cmd: Cmd, ctx: &Ctx) -> Result<(), Fail> {
    match cmd {
        Cmd::BucketEncryption(a) => bucket_encryption::run(a, ctx).await,
        Cmd::Bucket(a) => bucket::run(a, ctx).await,
        Cmd::Cp(a) => cp::run(a, ctx).await,
        Cmd::Ls(a) => ls::run(a, ctx).await,
        Cmd::Uploads(a) => uploads::run(a, ctx).await,
        Cmd::Stat(a) => stat::run(a, ctx).await,
        Cmd::Audit(a) => audit::run(a, ctx).await,
        Cmd::Reencrypt(a) => reencrypt::run(a, ctx).await,
        Cmd::Presign(a) => presign::run(a, ctx).await,
        Cmd::Emulator(a) => emulator::run(a, ctx).await,
        Cmd::Demo => demo::run(ctx.out == Output::Json).await,
    }
}

/// `oss://bucket/key` → (bucket, key); the key may be empty.
pub(crate) fn oss_url(s: &str) -> Option<(String, String)> {
    let rest = s.strip_prefix("oss://")?;
    let (b, k) = rest.split_once('/').unwrap_or((rest, ""));
    Some((b.to_owned(), k.to_owned()))
}

pub(crate) fn sse_json(s: Option<&ServerSideEncryption>) -> serde_json::Value {
    match s {
        None => serde_json::Value::Null,
        Some(s) => json!({
            "server_side_encryption": s.algorithm().as_str(),
            "server_side_encryption_key_id": s.key_id(),
            "server_side_data_encryption": s.data_encryption().map(|d| d.as_str()),
        }),
    }
}

pub(crate) fn rule_json(r: Option<&ServerSideEncryptionRule>) -> serde_json::Value {
    match r {
        None => serde_json::Value::Null,
        Some(r) => json!({
            "sse_algorithm": r.sse_algorithm().as_str(),
            "kms_master_key_id": r.kms_master_key_id(),
            "kms_data_encryption": r.kms_data_encryption().map(|d| d.as_str()),
        }),
    }
}

/// A rule as one line of text (escaped: the key id came from a server).
pub(crate) fn rule_text(r: Option<&ServerSideEncryptionRule>) -> String {
    match r {
        None => "none".to_owned(),
        Some(r) => {
            let mut s = crate::output::esc(r.sse_algorithm().as_str()).into_owned();
            if let Some(d) = r.kms_data_encryption() {
                s.push_str(&format!(
                    " (data encryption {})",
                    crate::output::esc(d.as_str())
                ));
            }
            if let Some(k) = r.kms_master_key_id() {
                s.push_str(&format!(" key {}", crate::output::esc(k)));
            }
            s
        }
    }
}

/// An object's declared encryption as one line of text.
pub(crate) fn sse_text(s: Option<&ServerSideEncryption>) -> String {
    s.map_or_else(
        || "none".to_owned(),
        |s| crate::output::esc(&s.to_string()).into_owned(),
    )
}

pub(crate) fn progress_bar(total: u64, quiet: bool) -> Option<indicatif::ProgressBar> {
    if quiet || total < 8 * 1024 * 1024 {
        return None;
    }
    let pb = indicatif::ProgressBar::new(total);
    pb.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(pb)
}
