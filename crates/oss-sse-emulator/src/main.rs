//! `oss-sse-emulator`: a local OSS with signature checks and encryption at rest.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use oss_sse_emulator::{
    Credentials, DEFAULT_LISTEN, DEV_ACCESS_KEY_ID, DEV_ACCESS_KEY_SECRET, DEV_REGION, Emulator,
};

/// A local Alibaba Cloud OSS: verifies V1/V4 signatures, emulates bucket encryption and
/// object SSE (AES256, SM4, KMS), and encrypts every object at rest.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = DEFAULT_LISTEN)]
    listen: SocketAddr,
    /// Region that signatures must be scoped to.
    #[arg(long, default_value = DEV_REGION)]
    region: String,
    /// Access key id to accept.
    #[arg(long, default_value = DEV_ACCESS_KEY_ID)]
    access_key_id: String,
    /// Access key secret to accept.
    #[arg(long, default_value = DEV_ACCESS_KEY_SECRET, hide_default_value = true)]
    access_key_secret: String,
    /// Also accept STS keys: AKID:SECRET:TOKEN (repeatable).
    #[arg(long = "sts-key", value_name = "AKID:SECRET:TOKEN")]
    sts_keys: Vec<String>,
    /// Persist buckets and encrypted objects in this directory.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// An emulated KMS CMK id uploads may name (repeatable).
    #[arg(long = "kms-key", value_name = "KEYID")]
    kms_keys: Vec<String>,
    /// Add a new SSE-OSS master key version at start (old objects stay readable).
    #[arg(long)]
    rotate_master_key: bool,
    /// Host name for virtual-hosted requests (`<bucket>.<hostname>`).
    #[arg(long)]
    hostname: Option<String>,
    /// Seconds a connection may move no byte (waiting for headers, reading a body, writing
    /// a response) before it is closed.
    #[arg(long, value_name = "SECS", default_value_t = oss_sse_emulator::DEFAULT_IDLE_TIMEOUT.as_secs(), value_parser = clap::value_parser!(u64).range(1..=86_400))]
    idle_timeout: u64,
    /// Most connections open at once (lowered to fit the file-descriptor limit).
    #[arg(long, value_name = "N", default_value_t = oss_sse_emulator::DEFAULT_MAX_CONNECTIONS)]
    max_connections: usize,
    /// Require `x-oss-sse-admin-token: <TOKEN>` on the /-/ admin endpoints.
    #[arg(long, env = "OSS_SSE_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let mut b = Emulator::builder()
        .listen(args.listen)
        .region(&args.region)
        .credentials(Credentials::new(
            &args.access_key_id,
            &args.access_key_secret,
        ))
        .rotate_master_key(args.rotate_master_key)
        .idle_timeout(std::time::Duration::from_secs(args.idle_timeout))
        .max_connections(args.max_connections);
    if let Some(t) = args.admin_token {
        b = b.admin_token(t);
    }
    for s in &args.sts_keys {
        let mut it = s.splitn(3, ':');
        match (it.next(), it.next(), it.next()) {
            (Some(a), Some(k), Some(t)) if !a.is_empty() && !k.is_empty() && !t.is_empty() => {
                b = b.credentials(Credentials::new(a, k).with_security_token(t));
            }
            _ => {
                eprintln!("oss-sse-emulator: --sts-key must be AKID:SECRET:TOKEN");
                std::process::exit(2);
            }
        }
    }
    if let Some(d) = args.data_dir {
        b = b.data_dir(d);
    }
    for k in args.kms_keys {
        b = b.kms_key(k);
    }
    if let Some(h) = args.hostname {
        b = b.hostname(h);
    }
    let emu = match b.start().await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("oss-sse-emulator: cannot start: {e}");
            std::process::exit(1);
        }
    };
    println!("{}", emu.endpoint());
    eprintln!(
        "oss-sse-emulator: region {}, access key id {}, default KMS key {}",
        emu.region(),
        emu.access_key_id(),
        emu.default_kms_key_id().await
    );
    let _ = tokio::signal::ctrl_c().await;
    emu.shutdown().await;
}
