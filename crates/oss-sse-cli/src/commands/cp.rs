//! `oss-sse cp`: a local file to OSS (with SSE), or an object to a local file. Ctrl-C aborts
//! the multipart upload or removes the partial file, and says so.

use std::path::{Path, PathBuf};

use oss_sse_core::ServerSideEncryption;
use oss_sse_hyper::{DownloadOptions, UploadOptions};
use serde_json::json;

use super::{Ctx, oss_url, progress_bar, sse_json, sse_text};
use crate::output::{Fail, Output, esc, print};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Source: a local path or oss://bucket/key.
    src: String,
    /// Destination: oss://bucket/key or a local path.
    dst: String,
    /// Server-side encryption for uploads: AES256, KMS or SM4.
    #[arg(long)]
    sse: Option<String>,
    /// KMS CMK id (with --sse KMS).
    #[arg(long)]
    sse_key_id: Option<String>,
    /// KMS data encryption, SM4 (with --sse KMS).
    #[arg(long)]
    sse_data_encryption: Option<String>,
    /// Multipart part size in MiB.
    #[arg(long, default_value_t = 8)]
    part_size_mib: u64,
    /// Parallel parts.
    #[arg(long, default_value_t = 4)]
    jobs: usize,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

impl Args {
    fn sse(&self) -> Result<Option<ServerSideEncryption>, Fail> {
        match &self.sse {
            Some(alg) => Ok(Some(ServerSideEncryption::parse(
                alg,
                self.sse_key_id.as_deref(),
                self.sse_data_encryption.as_deref(),
            )?)),
            None if self.sse_key_id.is_some() || self.sse_data_encryption.is_some() => Err(
                Fail::msg("--sse-key-id and --sse-data-encryption need --sse KMS"),
            ),
            None => Ok(None),
        }
    }
}

pub(crate) async fn run(args: Args, ctx: &Ctx) -> Result<(), Fail> {
    match (oss_url(&args.src), oss_url(&args.dst)) {
        (None, Some((bucket, key))) => upload(&args, ctx, bucket, key).await,
        (Some((bucket, key)), None) => download(&args, ctx, bucket, key).await,
        (Some((sb, sk)), Some((db, dk))) => server_side(&args, ctx, (sb, sk), (db, dk)).await,
        (None, None) => Err(Fail::msg(
            "cp copies between a local path and oss://bucket/key, or between two oss:// objects",
        )),
    }
}

async fn upload(args: &Args, ctx: &Ctx, bucket: String, key: String) -> Result<(), Fail> {
    let sse = args.sse()?;
    let src = &args.src;
    let key = if key.is_empty() || key.ends_with('/') {
        let name = Path::new(src)
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| Fail::msg(format!("{src}: not a file name")))?;
        format!("{key}{name}")
    } else {
        key
    };
    let part_size = args.part_size_mib.saturating_mul(1 << 20);
    let total = std::fs::metadata(src).map(|m| m.len()).unwrap_or(0);
    let pb = progress_bar(total, args.quiet || ctx.out == Output::Json);
    let mut opts = UploadOptions::default()
        .with_part_size(part_size, part_size.saturating_mul(2).max(20 << 20))
        .with_concurrency(args.jobs)
        .with_cancel(ctx.cancel.clone());
    if let Some(s) = sse {
        opts = opts.with_server_side_encryption(s);
    }
    if let Some(pb) = pb.clone() {
        opts = opts.with_progress(move |done, _| pb.set_position(done));
    }
    let r = ctx.client()?.upload_file(&bucket, &key, src, &opts).await;
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    let r = r?;
    print(
        ctx.out,
        &format!(
            "uploaded {} -> oss://{}/{} ({} bytes, encryption {})",
            esc(src),
            esc(&bucket),
            esc(&key),
            r.size,
            sse_text(r.server_side_encryption.as_ref())
        ),
        json!({"bucket": bucket, "key": key, "size": r.size, "etag": r.etag, "hash_crc64": r.hash_crc64.map(|c| c.to_string()),
               "multipart": r.multipart, "encryption": sse_json(r.server_side_encryption.as_ref())}),
    );
    Ok(())
}

/// A copy inside OSS (nothing passes through this machine): one CopyObject below 1 GiB, a
/// parallel multipart copy above; metadata and tags kept; Ctrl-C aborts it.
async fn server_side(
    args: &Args,
    ctx: &Ctx,
    (sb, sk): (String, String),
    (db, dk): (String, String),
) -> Result<(), Fail> {
    if sk.is_empty() {
        return Err(Fail::msg(format!(
            "{}: expected oss://bucket/key",
            args.src
        )));
    }
    let dk = if dk.is_empty() || dk.ends_with('/') {
        format!("{dk}{}", sk.rsplit('/').next().unwrap_or(&sk))
    } else {
        dk
    };
    let sse = args.sse()?;
    let c = ctx.client()?;
    let total = c.head_object(&sb, &sk).await?.content_length.unwrap_or(0);
    let pb = progress_bar(total, args.quiet || ctx.out == Output::Json);
    let mut opts = oss_sse_hyper::CopyOptions::default()
        .with_concurrency(args.jobs)
        .with_cancel(ctx.cancel.clone());
    if let Some(s) = sse {
        opts = opts.with_server_side_encryption(s);
    }
    if let Some(pb) = pb.clone() {
        opts = opts.with_progress(move |done, _| pb.set_position(done));
    }
    let r = c.copy(&sb, &sk, &db, &dk, &opts).await;
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    let r = r?;
    print(
        ctx.out,
        &format!(
            "copied oss://{}/{} -> oss://{}/{} ({} bytes, {}, encryption {})",
            esc(&sb),
            esc(&sk),
            esc(&db),
            esc(&dk),
            r.size,
            if r.multipart {
                "multipart copy"
            } else {
                "CopyObject"
            },
            sse_text(r.server_side_encryption.as_ref())
        ),
        json!({"source": {"bucket": sb, "key": sk, "etag": r.source_etag}, "bucket": db, "key": dk,
               "size": r.size, "etag": r.etag, "hash_crc64": r.hash_crc64.map(|c| c.to_string()),
               "multipart": r.multipart, "encryption": sse_json(r.server_side_encryption.as_ref())}),
    );
    Ok(())
}

async fn download(args: &Args, ctx: &Ctx, bucket: String, key: String) -> Result<(), Fail> {
    if args.sse.is_some() || args.sse_key_id.is_some() || args.sse_data_encryption.is_some() {
        return Err(Fail::msg(
            "--sse options apply to uploads only: OSS decrypts downloads itself",
        ));
    }
    let part_size = args.part_size_mib.saturating_mul(1 << 20);
    let c = ctx.client()?;
    let total = c
        .head_object(&bucket, &key)
        .await?
        .content_length
        .unwrap_or(0);
    let pb = progress_bar(total, args.quiet || ctx.out == Output::Json);
    let mut opts = DownloadOptions::default()
        .with_part_size(part_size, part_size.saturating_mul(2).max(20 << 20))
        .with_concurrency(args.jobs)
        .with_cancel(ctx.cancel.clone());
    if let Some(pb) = pb.clone() {
        opts = opts.with_progress(move |done, _| pb.set_position(done));
    }
    let dst = Path::new(&args.dst);
    let path = if dst.is_dir() {
        dst.join(key.rsplit('/').next().unwrap_or(&key))
    } else {
        PathBuf::from(dst)
    };
    let r = c.download_file(&bucket, &key, &path, &opts).await;
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    let r = r?;
    print(
        ctx.out,
        &format!(
            "downloaded oss://{}/{} -> {} ({} bytes, declared encryption {})",
            esc(&bucket),
            esc(&key),
            esc(&path.display().to_string()),
            r.size,
            sse_text(r.server_side_encryption.as_ref())
        ),
        json!({"bucket": bucket, "key": key, "path": path, "size": r.size,
               "hash_crc64": r.hash_crc64.to_string(), "encryption": sse_json(r.server_side_encryption.as_ref())}),
    );
    Ok(())
}
