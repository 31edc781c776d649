//! `oss-sse uploads ls|abort oss://bucket[/prefix]`: multipart uploads nobody completed
//! (their parts are billable until aborted).

use std::time::Duration;

use futures_util::TryStreamExt;
use oss_sse_core::ops::ListMultipartUploads;
use serde_json::json;

use super::{Ctx, oss_url};
use crate::output::{Fail, Output, esc, json as json_line, print, stdout};

#[derive(Debug, clap::Subcommand)]
pub(crate) enum Args {
    /// List the uploads in progress.
    Ls {
        /// oss://bucket or oss://bucket/prefix
        url: String,
    },
    /// Abort the uploads initiated longer ago than --older-than.
    Abort {
        /// oss://bucket or oss://bucket/prefix
        url: String,
        /// Only uploads older than this: 30s, 15m, 12h, 7d (0: every upload).
        #[arg(long, default_value = "7d", value_parser = parse_age)]
        older_than: Duration,
    },
}

/// `30s`, `15m`, `12h`, `7d`, or seconds.
pub(crate) fn parse_age(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (n, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let n: u64 = n
        .parse()
        .map_err(|_| format!("{s:?} is not an age such as 30s, 15m, 12h or 7d"))?;
    let secs = match unit {
        "s" => Some(n),
        "m" => n.checked_mul(60),
        "h" => n.checked_mul(3600),
        "d" => n.checked_mul(86_400),
        _ => None,
    }
    .ok_or_else(|| format!("{s:?} is not an age such as 30s, 15m, 12h or 7d"))?;
    Ok(Duration::from_secs(secs))
}

pub(crate) async fn run(args: Args, ctx: &Ctx) -> Result<(), Fail> {
    match args {
        Args::Ls { url } => {
            let (bucket, prefix) = oss_url(&url)
                .ok_or_else(|| Fail::msg(format!("{url}: expected oss://bucket[/prefix]")))?;
            let c = ctx.client()?;
            let mut uploads =
                c.list_multipart_uploads(ListMultipartUploads::new(&bucket).with_prefix(prefix));
            let mut n = 0;
            while let Some(u) = tokio::select! {
                u = uploads.try_next() => u?,
                () = ctx.cancel.cancelled() => return Err(Fail::from(oss_sse_hyper::Error::Cancelled(Default::default()))),
            } {
                n += 1;
                let line = match ctx.out {
                    Output::Text => format!(
                        "{}  {}  oss://{}/{}\n",
                        esc(&u
                            .initiated
                            .map_or_else(|| "-".to_owned(), |t| t.to_string())),
                        esc(&u.upload_id),
                        esc(&bucket),
                        esc(&u.key)
                    ),
                    Output::Json => format!(
                        "{}\n",
                        json_line(
                            &json!({"key": u.key, "upload_id": u.upload_id, "initiated": u.initiated})
                        )
                    ),
                };
                stdout(&line);
            }
            if ctx.out == Output::Text {
                stdout(&format!("{n} uploads in progress\n"));
            }
        }
        Args::Abort { url, older_than } => {
            let (bucket, prefix) = oss_url(&url)
                .ok_or_else(|| Fail::msg(format!("{url}: expected oss://bucket[/prefix]")))?;
            let c = ctx.client()?;
            // Stopping between aborts is safe: each abort is idempotent and none is undone.
            let r = tokio::select! {
                r = c.abort_incomplete_uploads(&bucket, &prefix, older_than) => r?,
                () = ctx.cancel.cancelled() => return Err(Fail::from(oss_sse_hyper::Error::Cancelled(Default::default()))),
            };
            let mut text = String::new();
            for (k, id) in &r.aborted {
                text.push_str(&format!(
                    "aborted {} oss://{}/{}\n",
                    esc(id),
                    esc(&bucket),
                    esc(k)
                ));
            }
            for (k, id, e) in &r.failed {
                text.push_str(&format!(
                    "FAILED  {} oss://{}/{}: {}\n",
                    esc(id),
                    esc(&bucket),
                    esc(k),
                    esc(e)
                ));
            }
            text.push_str(&format!(
                "{} aborted, {} younger than {}s kept, {} failed",
                r.aborted.len(),
                r.kept,
                older_than.as_secs(),
                r.failed.len()
            ));
            print(
                ctx.out,
                &text,
                json!({"aborted": r.aborted.iter().map(|(k, id)| json!({"key": k, "upload_id": id})).collect::<Vec<_>>(),
                       "kept": r.kept,
                       "failed": r.failed.iter().map(|(k, id, e)| json!({"key": k, "upload_id": id, "error": e})).collect::<Vec<_>>()}),
            );
            if !r.failed.is_empty() {
                return Err(Fail::msg(format!(
                    "{} uploads could not be aborted",
                    r.failed.len()
                )));
            }
        }
    }
    Ok(())
}
