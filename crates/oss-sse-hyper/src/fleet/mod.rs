//! Bucket-wide work: audit every object against an encryption policy, re-encrypt the ones
//! that break it in place, keep a journal so an interrupted run resumes without redoing
//! anything, and render the findings as a self-contained HTML report.
//!
//! The decision itself (does this object meet the policy?) is
//! [`oss_sse_core::policy::EncryptionPolicy::assess`], a pure function; this module lists,
//! HEADs and copies around it with bounded concurrency and bounded memory.

mod audit;
mod inventory;
mod journal;
mod rate;
mod reencrypt;
mod report;

pub use audit::{AuditOptions, AuditSummary, Finding, Noted, PolicySource, Status, Totals};
pub use inventory::{InventoryLocation, InventorySource};
pub use journal::{Journal, JournalEntry};
pub use oss_sse_core::shard::Shard;
pub use reencrypt::{ObjectResult, OnResult, Outcome, ReencryptOptions, ReencryptSummary};
pub use report::render_html;

use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use oss_sse_core::ops::ListObjectsV2;

use crate::client::Client;
use crate::error::Error;

/// An object to work on: key, size, and what an inventory says of its encryption.
pub(crate) type Item = (String, u64, Option<bool>);

/// The objects of a run: a listing of `prefix`, or an inventory's records under `prefix`;
/// either way only `shard`'s keys.
pub(crate) async fn objects(
    client: &Client,
    bucket: &str,
    prefix: &str,
    inventory: Option<&InventorySource>,
    shard: Option<Shard>,
) -> Result<BoxStream<'static, Result<Item, Error>>, Error> {
    let all: BoxStream<'static, Result<Item, Error>> = match inventory {
        Some(src) => {
            let (manifest, records) = client.inventory_records(src).await?;
            if !manifest.source_bucket.is_empty() && manifest.source_bucket != bucket {
                return Err(oss_sse_core::BuildError::new(
                    "inventory",
                    format!(
                        "it describes bucket {:?}, not {bucket:?}",
                        manifest.source_bucket
                    ),
                )
                .into());
            }
            records.map_ok(|r| (r.key, r.size, r.encrypted)).boxed()
        }
        None => {
            let first = ListObjectsV2::new(bucket)
                .with_prefix(prefix)
                .with_max_keys(1000);
            // Bad listing input is refused now, not from inside the stream.
            oss_sse_core::Operation::to_request(&first, client.config())?;
            client
                .list_objects_v2(first)
                .map_ok(|o| (o.key, o.size, None))
                .boxed()
        }
    };
    let prefix = prefix.to_owned();
    Ok(all
        .try_filter(move |(k, _, _)| {
            std::future::ready(k.starts_with(&prefix) && shard.is_none_or(|s| s.contains(k)))
        })
        .boxed())
}
