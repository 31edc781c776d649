//! `oss-sse presign oss://bucket/key`.

use std::time::Duration;

use oss_sse_core::ops::{GetObject, PutObject};
use serde_json::json;

use super::{Ctx, oss_url};
use crate::output::{Fail, print};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// oss://bucket/key
    url: String,
    /// HTTP method: GET or PUT.
    #[arg(long, default_value = "GET")]
    method: String,
    /// Lifetime in seconds (V4: at most 604800).
    #[arg(long, default_value_t = 900)]
    expires: u64,
}

pub(crate) async fn run(args: Args, ctx: &Ctx) -> Result<(), Fail> {
    let url = args.url;
    let (bucket, key) =
        oss_url(&url).ok_or_else(|| Fail::msg(format!("{url}: expected oss://bucket/key")))?;
    let c = ctx.client()?;
    let exp = Duration::from_secs(args.expires);
    let p = match args.method.to_ascii_uppercase().as_str() {
        "GET" => c.presign(&GetObject::new(&bucket, &key), exp).await?,
        "PUT" => {
            c.presign(&PutObject::streaming(&bucket, &key, 0), exp)
                .await?
        }
        other => return Err(Fail::msg(format!("--method {other:?}: use GET or PUT"))),
    };
    let secs = p
        .expiration
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    print(
        ctx.out,
        &p.url,
        json!({"method": p.method.as_str(), "url": p.url, "expiration": oss_sse_core::time::format_iso8601(secs),
               "signed_headers": p.signed_headers.iter().map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned())).collect::<std::collections::BTreeMap<_, _>>()}),
    );
    Ok(())
}
