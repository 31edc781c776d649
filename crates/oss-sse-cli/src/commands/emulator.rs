//! `oss-sse emulator`: the local OSS, until interrupted.

use std::path::PathBuf;

use super::Ctx;
use crate::output::Fail;
use crate::settings::Settings;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Address to listen on.
    #[arg(long, default_value = oss_sse_emulator::DEFAULT_LISTEN)]
    listen: std::net::SocketAddr,
    /// Directory for persistent, encrypted storage.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Emulated KMS CMK ids (repeatable).
    #[arg(long = "kms-key")]
    kms_keys: Vec<String>,
    /// Require `x-oss-sse-admin-token: <TOKEN>` on the /-/ admin endpoints.
    #[arg(long, env = "OSS_SSE_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
}

pub(crate) async fn run(args: Args, ctx: &Ctx) -> Result<(), Fail> {
    let s = Settings::resolve(&ctx.conn)?;
    let mut b = oss_sse_emulator::Emulator::builder().listen(args.listen);
    if let Some(r) = s.region {
        b = b.region(r);
    }
    if let (Some(id), Some(secret)) = (s.access_key_id, s.access_key_secret) {
        b = b.credentials(oss_sse_core::Credentials::new(id, secret));
    }
    if let Some(d) = args.data_dir {
        b = b.data_dir(d);
    }
    for k in args.kms_keys {
        b = b.kms_key(k);
    }
    if let Some(t) = args.admin_token {
        b = b.admin_token(t);
    }
    let emu = b
        .start()
        .await
        .map_err(|e| Fail::msg(format!("cannot start the emulator: {e}")))?;
    println!("{}", emu.endpoint());
    eprintln!(
        "oss-sse emulator: region {}, access key id {}; Ctrl-C to stop",
        emu.region(),
        emu.access_key_id()
    );
    ctx.cancel.cancelled().await;
    emu.shutdown().await;
    Ok(())
}
