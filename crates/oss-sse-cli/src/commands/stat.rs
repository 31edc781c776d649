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
    let mut text = format!(
        "oss://{}/{}\n  size: {}\n  etag: {}\n  crc64: {}\n  type: {}\n  storage class: {}\n  last modified: {}\n  content type: {}\n  encryption: {}\n  key id: {}\n  data encryption: {}\n  tags: {}",
        esc(&bucket),
        esc(&key),
        h.content_length.unwrap_or(0),
        opt(h.etag.as_deref()),
        h.hash_crc64.map_or_else(|| "-".into(), |c| c.to_string()),
        opt(h.object_type.as_ref().map(|t| t.as_str())),
        opt(h.storage_class.as_ref().map(|c| c.as_str())),
        opt(h.last_modified.map(|t| t.to_string()).as_deref()),
        opt(h.content_type.as_deref()),
        esc(sse.map_or("none", |s| s.algorithm().as_str())),
        opt(sse.and_then(|s| s.key_id())),
        opt(sse.and_then(|s| s.data_encryption()).map(|d| d.as_str())),
        h.tagging_count,
    );
    let std_headers = [
        ("cache control", h.cache_control.as_deref()),
        ("content disposition", h.content_disposition.as_deref()),
        ("content encoding", h.content_encoding.as_deref()),
        ("content language", h.content_language.as_deref()),
        ("expires", h.expires.as_deref()),
    ];
    for (name, v) in std_headers {
        if let Some(v) = v {
            text.push_str(&format!("\n  {name}: {}", esc(v)));
        }
    }
    for (k, v) in &h.metadata {
        text.push_str(&format!("\n  meta {}: {}", esc(k), esc(v)));
    }
    let metadata: serde_json::Map<String, serde_json::Value> = h
        .metadata
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str())))
        .collect();
    print(
        ctx.out,
        &text,
        json!({"bucket": bucket, "key": key, "size": h.content_length, "etag": h.etag,
               "hash_crc64": h.hash_crc64.map(|c| c.to_string()), "object_type": h.object_type,
               "storage_class": h.storage_class, "last_modified": h.last_modified,
               "content_type": h.content_type, "cache_control": h.cache_control,
               "content_disposition": h.content_disposition, "content_encoding": h.content_encoding,
               "content_language": h.content_language, "expires": h.expires,
               "metadata": metadata, "tagging_count": h.tagging_count,
               "encryption": sse_json(sse)}),
    );
    Ok(())
}
