//! `oss-sse bucket create|delete|info`.

use serde_json::json;

use super::{Ctx, rule_json, rule_text};
use crate::output::{Fail, esc, print};

#[derive(Debug, clap::Subcommand)]
pub(crate) enum Args {
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

pub(crate) async fn run(args: Args, ctx: &Ctx) -> Result<(), Fail> {
    match args {
        Args::Create { bucket } => {
            ctx.client()?.put_bucket(&bucket).await?;
            print(
                ctx.out,
                &format!("bucket {} created", esc(&bucket)),
                json!({"bucket": bucket, "created": true}),
            );
        }
        Args::Delete { bucket } => {
            ctx.client()?.delete_bucket(&bucket).await?;
            print(
                ctx.out,
                &format!("bucket {} deleted", esc(&bucket)),
                json!({"bucket": bucket, "deleted": true}),
            );
        }
        Args::Info { bucket } => {
            let i = ctx.client()?.get_bucket_info(&bucket).await?;
            let opt = |v: Option<&str>| esc(v.unwrap_or("-")).into_owned();
            print(
                ctx.out,
                &format!(
                    "bucket {}\n  location: {}\n  created: {}\n  storage class: {}\n  default encryption: {}",
                    esc(&bucket),
                    opt(i.location.as_deref()),
                    opt(i.creation_date.map(|t| t.to_string()).as_deref()),
                    opt(i.storage_class.as_ref().map(|c| c.as_str())),
                    rule_text(i.server_side_encryption_rule.as_ref())
                ),
                json!({"bucket": bucket, "location": i.location, "creation_date": i.creation_date,
                       "storage_class": i.storage_class, "rule": rule_json(i.server_side_encryption_rule.as_ref())}),
            );
        }
    }
    Ok(())
}
