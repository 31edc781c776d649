//! `oss-sse`: server-side encryption for Alibaba Cloud OSS from the shell.

mod demo;
mod settings;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use oss_sse_core::ops::{GetObject, PutObject};
use oss_sse_core::{ServerSideEncryption, ServerSideEncryptionRule};
use oss_sse_hyper::{Client, DownloadOptions, Error, UploadOptions};
use serde_json::json;

use settings::{ConnArgs, Settings};

/// Server-side encryption for Alibaba Cloud OSS: bucket encryption rules, encrypted uploads
/// and downloads, declared encryption, presigned URLs, and a local OSS emulator.
#[derive(Debug, Parser)]
#[command(name = "oss-sse", version)]
struct Cli {
    #[command(flatten)]
    conn: ConnArgs,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Output::Text)]
    output: Output,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Output {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// A bucket's default encryption (PutBucketEncryption / GetBucketEncryption / DeleteBucketEncryption).
    #[command(subcommand)]
    BucketEncryption(BucketEncryption),
    /// Create, delete or describe a bucket.
    #[command(subcommand)]
    Bucket(BucketCmd),
    /// Copy a local file to OSS (with SSE) or an object to a local file.
    Cp {
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
    },
    /// Show an object's size, ETag, CRC-64 and declared encryption.
    Stat {
        /// oss://bucket/key
        url: String,
    },
    /// Print a presigned URL.
    Presign {
        /// oss://bucket/key
        url: String,
        /// HTTP method: GET or PUT.
        #[arg(long, default_value = "GET")]
        method: String,
        /// Lifetime in seconds (V4: at most 604800).
        #[arg(long, default_value_t = 900)]
        expires: u64,
    },
    /// Run the local OSS emulator until interrupted.
    Emulator {
        /// Address to listen on.
        #[arg(long, default_value = oss_sse_emulator::DEFAULT_LISTEN)]
        listen: std::net::SocketAddr,
        /// Directory for persistent, encrypted storage.
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Emulated KMS CMK ids (repeatable).
        #[arg(long = "kms-key")]
        kms_keys: Vec<String>,
    },
    /// The SSE walkthrough: against an in-process emulator, or real OSS when OSS_ENDPOINT,
    /// OSS_REGION, OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET and OSS_BUCKET are set.
    Demo,
}

#[derive(Debug, Subcommand)]
enum BucketEncryption {
    /// Set the default encryption.
    Put {
        /// Bucket name.
        #[arg(long)]
        bucket: String,
        /// AES256, KMS or SM4.
        #[arg(long)]
        sse_algorithm: String,
        /// KMS CMK id (KMS only).
        #[arg(long)]
        kms_master_key_id: Option<String>,
        /// SM4 (KMS only).
        #[arg(long)]
        kms_data_encryption: Option<String>,
    },
    /// Show the default encryption.
    Get {
        /// Bucket name.
        #[arg(long)]
        bucket: String,
    },
    /// Remove the default encryption.
    Delete {
        /// Bucket name.
        #[arg(long)]
        bucket: String,
    },
}

#[derive(Debug, Subcommand)]
enum BucketCmd {
    /// Create a bucket.
    Create {
        /// Bucket name.
        bucket: String,
    },
    /// Delete an empty bucket.
    Delete {
        /// Bucket name.
        bucket: String,
    },
    /// Show a bucket's info, including its default encryption.
    Info {
        /// Bucket name.
        bucket: String,
    },
}

/// A user-facing failure: one line, non-zero exit.
struct Fail(String);

impl From<Error> for Fail {
    fn from(e: Error) -> Self {
        let mut s = e.to_string();
        if let Some(svc) = e.as_service() {
            // Make sure the code and request id are on the line even if Display changes.
            if !s.contains(svc.code()) {
                s.push_str(&format!(" [code {}]", svc.code()));
            }
            if let Some(id) = svc.request_id()
                && !s.contains(id)
            {
                s.push_str(&format!(" [request id {id}]"));
            }
        }
        Self(s)
    }
}

impl From<String> for Fail {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<oss_sse_core::BuildError> for Fail {
    fn from(e: oss_sse_core::BuildError) -> Self {
        Self(e.to_string())
    }
}

fn oss_url(s: &str) -> Option<(String, String)> {
    let rest = s.strip_prefix("oss://")?;
    let (b, k) = rest.split_once('/').unwrap_or((rest, ""));
    Some((b.to_owned(), k.to_owned()))
}

fn sse_json(s: Option<&ServerSideEncryption>) -> serde_json::Value {
    match s {
        None => serde_json::Value::Null,
        Some(s) => json!({
            "server_side_encryption": s.algorithm().as_str(),
            "server_side_encryption_key_id": s.key_id(),
            "server_side_data_encryption": s.data_encryption().map(|d| d.as_str()),
        }),
    }
}

fn rule_json(r: Option<&ServerSideEncryptionRule>) -> serde_json::Value {
    match r {
        None => serde_json::Value::Null,
        Some(r) => json!({
            "sse_algorithm": r.sse_algorithm().as_str(),
            "kms_master_key_id": r.kms_master_key_id(),
            "kms_data_encryption": r.kms_data_encryption().map(|d| d.as_str()),
        }),
    }
}

fn rule_text(r: Option<&ServerSideEncryptionRule>) -> String {
    match r {
        None => "none".to_owned(),
        Some(r) => {
            let mut s = r.sse_algorithm().to_string();
            if let Some(d) = r.kms_data_encryption() {
                s.push_str(&format!(" (data encryption {d})"));
            }
            if let Some(k) = r.kms_master_key_id() {
                s.push_str(&format!(" key {k}"));
            }
            s
        }
    }
}

fn print(out: Output, text: &str, value: serde_json::Value) {
    match out {
        Output::Text => println!("{text}"),
        Output::Json => println!("{value}"),
    }
}

fn progress_bar(total: u64, quiet: bool) -> Option<indicatif::ProgressBar> {
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

async fn run(cli: Cli) -> Result<(), Fail> {
    let out = cli.output;
    let client = || -> Result<Client, Fail> { Ok(Settings::resolve(&cli.conn)?.client()?) };
    match cli.cmd {
        Cmd::BucketEncryption(BucketEncryption::Put {
            bucket,
            sse_algorithm,
            kms_master_key_id,
            kms_data_encryption,
        }) => {
            let rule = ServerSideEncryptionRule::parse(
                &sse_algorithm,
                kms_master_key_id.as_deref(),
                kms_data_encryption.as_deref(),
            )?;
            let r = client()?
                .put_bucket_encryption(&bucket, rule.clone())
                .await?;
            print(
                out,
                &format!(
                    "bucket {bucket}: default encryption set to {}",
                    rule_text(Some(&rule))
                ),
                json!({"bucket": bucket, "rule": rule_json(Some(&rule)), "request_id": r.request_id}),
            );
        }
        Cmd::BucketEncryption(BucketEncryption::Get { bucket }) => {
            let rule = client()?.get_bucket_encryption(&bucket).await?;
            print(
                out,
                &format!(
                    "bucket {bucket}: default encryption {}",
                    rule_text(rule.as_ref())
                ),
                json!({"bucket": bucket, "rule": rule_json(rule.as_ref())}),
            );
        }
        Cmd::BucketEncryption(BucketEncryption::Delete { bucket }) => {
            client()?.delete_bucket_encryption(&bucket).await?;
            print(
                out,
                &format!("bucket {bucket}: default encryption deleted"),
                json!({"bucket": bucket, "deleted": true}),
            );
        }
        Cmd::Bucket(BucketCmd::Create { bucket }) => {
            client()?.put_bucket(&bucket).await?;
            print(
                out,
                &format!("bucket {bucket} created"),
                json!({"bucket": bucket, "created": true}),
            );
        }
        Cmd::Bucket(BucketCmd::Delete { bucket }) => {
            client()?.delete_bucket(&bucket).await?;
            print(
                out,
                &format!("bucket {bucket} deleted"),
                json!({"bucket": bucket, "deleted": true}),
            );
        }
        Cmd::Bucket(BucketCmd::Info { bucket }) => {
            let i = client()?.get_bucket_info(&bucket).await?;
            print(
                out,
                &format!(
                    "bucket {bucket}\n  location: {}\n  created: {}\n  storage class: {}\n  default encryption: {}",
                    i.location.as_deref().unwrap_or("-"),
                    i.creation_date.as_deref().unwrap_or("-"),
                    i.storage_class.as_deref().unwrap_or("-"),
                    rule_text(i.server_side_encryption_rule.as_ref())
                ),
                json!({"bucket": bucket, "location": i.location, "creation_date": i.creation_date,
                       "storage_class": i.storage_class, "rule": rule_json(i.server_side_encryption_rule.as_ref())}),
            );
        }
        Cmd::Cp {
            src,
            dst,
            sse,
            sse_key_id,
            sse_data_encryption,
            part_size_mib,
            jobs,
            quiet,
        } => {
            let part_size = part_size_mib.saturating_mul(1 << 20);
            match (oss_url(&src), oss_url(&dst)) {
                (None, Some((bucket, key))) => {
                    let sse = match sse {
                        Some(alg) => Some(ServerSideEncryption::parse(
                            &alg,
                            sse_key_id.as_deref(),
                            sse_data_encryption.as_deref(),
                        )?),
                        None if sse_key_id.is_some() || sse_data_encryption.is_some() => {
                            return Err(Fail(
                                "--sse-key-id and --sse-data-encryption need --sse KMS".into(),
                            ));
                        }
                        None => None,
                    };
                    let key = if key.is_empty() || key.ends_with('/') {
                        let name = std::path::Path::new(&src)
                            .file_name()
                            .and_then(|n| n.to_str())
                            .ok_or_else(|| Fail(format!("{src}: not a file name")))?;
                        format!("{key}{name}")
                    } else {
                        key
                    };
                    let total = std::fs::metadata(&src).map(|m| m.len()).unwrap_or(0);
                    let pb = progress_bar(total, quiet || out == Output::Json);
                    let mut opts = UploadOptions::default()
                        .with_part_size(part_size, part_size.saturating_mul(2).max(20 << 20))
                        .with_concurrency(jobs);
                    if let Some(s) = sse {
                        opts = opts.with_server_side_encryption(s);
                    }
                    if let Some(pb) = pb.clone() {
                        opts = opts.with_progress(move |done, _| pb.set_position(done));
                    }
                    let r = client()?.upload_file(&bucket, &key, &src, &opts).await?;
                    if let Some(pb) = pb {
                        pb.finish_and_clear();
                    }
                    print(
                        out,
                        &format!(
                            "uploaded {src} -> oss://{bucket}/{key} ({} bytes, encryption {})",
                            r.size,
                            r.server_side_encryption
                                .as_ref()
                                .map_or_else(|| "none".to_owned(), ToString::to_string)
                        ),
                        json!({"bucket": bucket, "key": key, "size": r.size, "etag": r.etag, "hash_crc64": r.hash_crc64.map(|c| c.to_string()),
                               "multipart": r.multipart, "encryption": sse_json(r.server_side_encryption.as_ref())}),
                    );
                }
                (Some((bucket, key)), None) => {
                    if sse.is_some() || sse_key_id.is_some() || sse_data_encryption.is_some() {
                        return Err(Fail(
                            "--sse options apply to uploads only: OSS decrypts downloads itself"
                                .into(),
                        ));
                    }
                    let c = client()?;
                    let total = c
                        .head_object(&bucket, &key)
                        .await?
                        .content_length
                        .unwrap_or(0);
                    let pb = progress_bar(total, quiet || out == Output::Json);
                    let mut opts = DownloadOptions::default()
                        .with_part_size(part_size, part_size.saturating_mul(2).max(20 << 20))
                        .with_concurrency(jobs);
                    if let Some(pb) = pb.clone() {
                        opts = opts.with_progress(move |done, _| pb.set_position(done));
                    }
                    let path = if std::path::Path::new(&dst).is_dir() {
                        std::path::Path::new(&dst).join(key.rsplit('/').next().unwrap_or(&key))
                    } else {
                        PathBuf::from(&dst)
                    };
                    let r = c.download_file(&bucket, &key, &path, &opts).await?;
                    if let Some(pb) = pb {
                        pb.finish_and_clear();
                    }
                    print(
                        out,
                        &format!(
                            "downloaded oss://{bucket}/{key} -> {} ({} bytes, declared encryption {})",
                            path.display(),
                            r.size,
                            r.server_side_encryption
                                .as_ref()
                                .map_or_else(|| "none".to_owned(), ToString::to_string)
                        ),
                        json!({"bucket": bucket, "key": key, "path": path, "size": r.size,
                               "hash_crc64": r.hash_crc64.to_string(), "encryption": sse_json(r.server_side_encryption.as_ref())}),
                    );
                }
                _ => {
                    return Err(Fail(
                        "cp copies between a local path and oss://bucket/key".into(),
                    ));
                }
            }
        }
        Cmd::Stat { url } => {
            let (bucket, key) =
                oss_url(&url).ok_or_else(|| Fail(format!("{url}: expected oss://bucket/key")))?;
            let h = client()?.head_object(&bucket, &key).await?;
            let sse = h.server_side_encryption.as_ref();
            print(
                out,
                &format!(
                    "oss://{bucket}/{key}\n  size: {}\n  etag: {}\n  crc64: {}\n  type: {}\n  encryption: {}\n  key id: {}\n  data encryption: {}",
                    h.content_length.unwrap_or(0),
                    h.etag.as_deref().unwrap_or("-"),
                    h.hash_crc64.map_or_else(|| "-".into(), |c| c.to_string()),
                    h.object_type.as_deref().unwrap_or("-"),
                    sse.map_or("none", |s| s.algorithm().as_str()),
                    sse.and_then(|s| s.key_id()).unwrap_or("-"),
                    sse.and_then(|s| s.data_encryption())
                        .map_or("-", |d| d.as_str()),
                ),
                json!({"bucket": bucket, "key": key, "size": h.content_length, "etag": h.etag,
                       "hash_crc64": h.hash_crc64.map(|c| c.to_string()), "object_type": h.object_type,
                       "last_modified": h.last_modified, "encryption": sse_json(sse)}),
            );
        }
        Cmd::Presign {
            url,
            method,
            expires,
        } => {
            let (bucket, key) =
                oss_url(&url).ok_or_else(|| Fail(format!("{url}: expected oss://bucket/key")))?;
            let c = client()?;
            let exp = Duration::from_secs(expires);
            let p = match method.to_ascii_uppercase().as_str() {
                "GET" => c.presign(&GetObject::new(&bucket, &key), exp).await?,
                "PUT" => {
                    c.presign(&PutObject::streaming(&bucket, &key, 0), exp)
                        .await?
                }
                other => return Err(Fail(format!("--method {other:?}: use GET or PUT"))),
            };
            let secs = p
                .expiration
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            print(
                out,
                &p.url,
                json!({"method": p.method.as_str(), "url": p.url, "expiration": oss_sse_core::time::format_iso8601(secs),
                       "signed_headers": p.signed_headers.iter().map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned())).collect::<std::collections::BTreeMap<_, _>>()}),
            );
        }
        Cmd::Emulator {
            listen,
            data_dir,
            kms_keys,
        } => {
            let s = Settings::resolve(&cli.conn)?;
            let mut b = oss_sse_emulator::Emulator::builder().listen(listen);
            if let Some(r) = s.region {
                b = b.region(r);
            }
            if let (Some(id), Some(secret)) = (s.access_key_id, s.access_key_secret) {
                b = b.credentials(oss_sse_core::Credentials::new(id, secret));
            }
            if let Some(d) = data_dir {
                b = b.data_dir(d);
            }
            for k in kms_keys {
                b = b.kms_key(k);
            }
            let emu = b
                .start()
                .await
                .map_err(|e| Fail(format!("cannot start the emulator: {e}")))?;
            println!("{}", emu.endpoint());
            eprintln!(
                "oss-sse emulator: region {}, access key id {}; Ctrl-C to stop",
                emu.region(),
                emu.access_key_id()
            );
            let _ = tokio::signal::ctrl_c().await;
            emu.shutdown().await;
        }
        Cmd::Demo => demo::run(out == Output::Json).await?,
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(Fail(msg)) => {
            eprintln!("oss-sse: error: {msg}");
            ExitCode::FAILURE
        }
    }
}
