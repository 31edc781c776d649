//! `oss-sse stat oss://bucket/key`.

use serde_json::json;

use super::{Ctx, oss_url, sse_json};
use crate::output::{Fail, esc, print};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// oss://bucket/key
    url: String,
}

pub(crate) async fn run(args: Args, ctx: &Ctx) -> Result<(), Fail> {
    let url = args.url;
    let (bucket, key) =
        oss_url(&url).ok_or_else(|| Fail::msg(format!("{url}: expected oss://bucket/key")))?;
    let h = ctx.client()?.head_object(&bucket, &key).await?;
    let sse = h.server_side_encryption.as_ref();
    let opt = |v: Option<&str>| esc(v.unwrap_or("-")).into_owned();
    print(
        ctx.out,
        &format!(
            "oss://{}/{}\n  size: {}\n  etag: {}\n  crc64: {}\n  type: {}\n  encryption: {}\n  key id: {}\n  data encryption: {}",
            esc(&bucket),
            esc(&key),
            h.content_length.unwrap_or(0),
            opt(h.etag.as_deref()),
            h.hash_crc64.map_or_else(|| "-".into(), |c| c.to_string()),
            opt(h.object_type.as_deref()),
            esc(sse.map_or("none", |s| s.algorithm().as_str())),
            opt(sse.and_then(|s| s.key_id())),
            opt(sse.and_then(|s| s.data_encryption()).map(|d| d.as_str())),
        ),
        json!({"bucket": bucket, "key": key, "size": h.content_length, "etag": h.etag,
               "hash_crc64": h.hash_crc64.map(|c| c.to_string()), "object_type": h.object_type,
               "last_modified": h.last_modified, "encryption": sse_json(sse)}),
    );
    Ok(())
}
