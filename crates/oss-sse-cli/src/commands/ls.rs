//! `oss-sse ls oss://bucket[/prefix] [-r] [--long]`: streams the listing (one page in memory
//! at a time), a line per entry.

use futures_util::TryStreamExt;
use oss_sse_core::ops::ListObjectsV2;
use serde_json::json;

use super::{Ctx, oss_url};
use std::fmt::Write as _;

use crate::output::{Fail, Output, esc, json as json_line, stdout};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// oss://bucket or oss://bucket/prefix
    url: String,
    /// Every key under the prefix, not just one level ("directories" are not rolled up).
    #[arg(short, long)]
    recursive: bool,
    /// Size, last-modified time, type and storage class too.
    #[arg(short, long)]
    long: bool,
}

pub(crate) async fn run(args: Args, ctx: &Ctx) -> Result<(), Fail> {
    let (bucket, prefix) = oss_url(&args.url)
        .ok_or_else(|| Fail::msg(format!("{}: expected oss://bucket[/prefix]", args.url)))?;
    let mut first = ListObjectsV2::new(&bucket)
        .with_prefix(prefix)
        .with_max_keys(1000);
    if !args.recursive {
        first = first.with_delimiter("/");
    }
    let c = ctx.client()?;
    let mut pages = Box::pin(c.list_objects_v2_pages(first));
    let (mut objects, mut bytes, mut prefixes) = (0u64, 0u64, 0u64);
    while let Some(page) = tokio::select! {
        p = pages.try_next() => p?,
        () = ctx.cancel.cancelled() => return Err(Fail::from(oss_sse_hyper::Error::Cancelled(Default::default()))),
    } {
        // A page is written at once: one write per page, not per line.
        let mut block = String::new();
        for p in &page.common_prefixes {
            prefixes += 1;
            let _ = match ctx.out {
                Output::Text => writeln!(block, "{:>12}  oss://{}/{}", "PRE", esc(&bucket), esc(p)),
                Output::Json => writeln!(block, "{}", json_line(&json!({"prefix": p}))),
            };
        }
        for o in &page.contents {
            objects += 1;
            bytes += o.size;
            let _ = match ctx.out {
                Output::Json => writeln!(
                    block,
                    "{}",
                    json_line(
                        &json!({"key": o.key, "size": o.size, "last_modified": o.last_modified,
                        "etag": o.etag, "type": o.object_type, "storage_class": o.storage_class})
                    )
                ),
                Output::Text if args.long => writeln!(
                    block,
                    "{:>12}  {}  {:<10} {:<8}  oss://{}/{}",
                    o.size,
                    esc(&o
                        .last_modified
                        .map_or_else(|| "-".to_owned(), |t| t.to_string())),
                    esc(o.object_type.as_ref().map_or("-", |t| t.as_str())),
                    esc(o.storage_class.as_ref().map_or("-", |c| c.as_str())),
                    esc(&bucket),
                    esc(&o.key)
                ),
                Output::Text => writeln!(block, "oss://{}/{}", esc(&bucket), esc(&o.key)),
            };
        }
        stdout(&block);
    }
    if ctx.out == Output::Text && args.long {
        stdout(&format!(
            "{objects} objects, {bytes} bytes, {prefixes} prefixes\n"
        ));
    }
    Ok(())
}
