//! `oss-sse bucket-encryption put|get|delete`.

use oss_sse_core::ServerSideEncryptionRule;
use serde_json::json;

use super::{Ctx, rule_json, rule_text};
use crate::output::{Fail, esc, print};

#[derive(Debug, clap::Subcommand)]
pub(crate) enum Args {
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

pub(crate) async fn run(args: Args, ctx: &Ctx) -> Result<(), Fail> {
    match args {
        Args::Put {
            bucket,
            sse_algorithm,
            kms_master_key_id,
            kms_data_encryption,
        } => {
            let rule = ServerSideEncryptionRule::parse(
                &sse_algorithm,
                kms_master_key_id.as_deref(),
                kms_data_encryption.as_deref(),
            )?;
            let r = ctx
                .client()?
                .put_bucket_encryption(&bucket, rule.clone())
                .await?;
            print(
                ctx.out,
                &format!(
                    "bucket {}: default encryption set to {}",
                    esc(&bucket),
                    rule_text(Some(&rule))
                ),
                json!({"bucket": bucket, "rule": rule_json(Some(&rule)), "request_id": r.request_id}),
            );
        }
        Args::Get { bucket } => {
            let rule = ctx.client()?.get_bucket_encryption(&bucket).await?;
            print(
                ctx.out,
                &format!(
                    "bucket {}: default encryption {}",
                    esc(&bucket),
                    rule_text(rule.as_ref())
                ),
                json!({"bucket": bucket, "rule": rule_json(rule.as_ref())}),
            );
        }
        Args::Delete { bucket } => {
            ctx.client()?.delete_bucket_encryption(&bucket).await?;
            print(
                ctx.out,
                &format!("bucket {}: default encryption deleted", esc(&bucket)),
                json!({"bucket": bucket, "deleted": true}),
            );
        }
    }
    Ok(())
}
