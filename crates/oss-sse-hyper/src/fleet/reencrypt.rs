//! Re-encryption in place: every object that breaks the policy is copied onto itself with
//! the target encryption, only if it is still the version that was assessed, with its
//! metadata, standard headers and tags resent, then checked.

use std::sync::Arc;

use futures_util::{Stream, TryStreamExt};
use oss_sse_core::ops::ObjectHead;
use oss_sse_core::policy::{EncryptionPolicy, Verdict};
use oss_sse_core::{BuildError, ObjectType, ServerSideEncryption};
use tokio_util::sync::CancellationToken;

use super::audit::{PolicySource, assess_one};
use super::journal::{Journal, JournalEntry};
use super::rate::Rate;
use super::{Finding, Status};
use crate::client::Client;
use crate::copy::CopyOptions;
use crate::error::Error;

/// A callback given each object's result.
pub type OnResult = Arc<dyn Fn(&ObjectResult) + Send + Sync>;

/// Options of [`Client::reencrypt`].
#[derive(Clone)]
#[non_exhaustive]
pub struct ReencryptOptions {
    /// Only keys under this prefix.
    pub prefix: String,
    /// The encryption to reach: the bucket's rule, or a policy (not `any`: it names no
    /// algorithm to apply).
    pub target: PolicySource,
    /// Objects worked on at once (default 16).
    pub concurrency: usize,
    /// At most this many objects started per second (default: no cap).
    pub max_rps: Option<u32>,
    /// Assess and report what would be copied, copy nothing.
    pub dry_run: bool,
    /// Re-encrypt Appendable objects too, by one CopyObject that makes them Normal objects
    /// (their appends end; OSS allows this in unversioned buckets). By default they are
    /// skipped, with that reason.
    pub convert_appendable: bool,
    /// Where finished objects are recorded; with [`Journal::open`]'s `resume`, objects an
    /// earlier run finished are not touched (not even HEAD).
    pub journal: Option<Arc<Journal>>,
    /// Multipart threshold and part size of the copies (the managed copy's defaults: 1 GiB
    /// and 64 MiB).
    pub copy: CopyOptions,
    /// Called with each object's result as it settles.
    pub on_result: Option<OnResult>,
    /// Stops the run: objects in flight are cancelled (their multipart copies aborted).
    pub cancel: Option<CancellationToken>,
    /// Read the objects from this inventory instead of listing the bucket (each is still
    /// HEADed before it is copied).
    pub inventory: Option<super::InventorySource>,
    /// Only this shard's keys.
    pub shard: Option<super::Shard>,
}

impl Default for ReencryptOptions {
    fn default() -> Self {
        Self {
            prefix: String::new(),
            target: PolicySource::Bucket,
            concurrency: 16,
            max_rps: None,
            dry_run: false,
            convert_appendable: false,
            journal: None,
            copy: CopyOptions::default(),
            on_result: None,
            cancel: None,
            inventory: None,
            shard: None,
        }
    }
}

impl std::fmt::Debug for ReencryptOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReencryptOptions")
            .field("prefix", &self.prefix)
            .field("target", &self.target)
            .field("concurrency", &self.concurrency)
            .field("max_rps", &self.max_rps)
            .field("dry_run", &self.dry_run)
            .field("convert_appendable", &self.convert_appendable)
            .field(
                "journal",
                &self.journal.as_ref().map(|j| j.path().to_owned()),
            )
            .field("copy", &self.copy)
            .field("inventory", &self.inventory)
            .field("shard", &self.shard)
            .finish_non_exhaustive()
    }
}

impl ReencryptOptions {
    /// Re-encrypts to `target`.
    #[must_use]
    pub fn with_target(mut self, target: impl Into<PolicySource>) -> Self {
        self.target = target.into();
        self
    }
    /// Only keys under `prefix`.
    #[must_use]
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }
    /// Objects worked on at once.
    #[must_use]
    pub fn with_concurrency(mut self, n: usize) -> Self {
        self.concurrency = n;
        self
    }
    /// Caps the rate of objects started.
    #[must_use]
    pub fn with_max_rps(mut self, n: u32) -> Self {
        self.max_rps = Some(n);
        self
    }
    /// Copies nothing.
    #[must_use]
    pub fn with_dry_run(mut self, dry: bool) -> Self {
        self.dry_run = dry;
        self
    }
    /// Re-encrypts Appendable objects too (they become Normal objects).
    #[must_use]
    pub fn with_convert_appendable(mut self, convert: bool) -> Self {
        self.convert_appendable = convert;
        self
    }
    /// Records (and with a resumed journal, skips) finished objects.
    #[must_use]
    pub fn with_journal(mut self, journal: Arc<Journal>) -> Self {
        self.journal = Some(journal);
        self
    }
    /// Copy options (threshold, part size, concurrency of one multipart copy).
    #[must_use]
    pub fn with_copy_options(mut self, copy: CopyOptions) -> Self {
        self.copy = copy;
        self
    }
    /// Called with each result as it settles.
    #[must_use]
    pub fn with_on_result(mut self, f: impl Fn(&ObjectResult) + Send + Sync + 'static) -> Self {
        self.on_result = Some(Arc::new(f));
        self
    }
    /// Reads the objects from an inventory.
    #[must_use]
    pub fn with_inventory(mut self, source: super::InventorySource) -> Self {
        self.inventory = Some(source);
        self
    }
    /// Only this shard's keys.
    #[must_use]
    pub fn with_shard(mut self, shard: super::Shard) -> Self {
        self.shard = Some(shard);
        self
    }
    /// Stops the run when cancelled.
    #[must_use]
    pub fn with_cancel(mut self, token: CancellationToken) -> Self {
        self.cancel = Some(token);
        self
    }
}

/// What happened to one object.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// Copied onto itself with the target encryption and checked (size, CRC-64, declared
    /// encryption).
    Reencrypted {
        /// What it had before.
        from: Option<ServerSideEncryption>,
        /// Its ETag now.
        etag: Option<String>,
    },
    /// It already met the policy.
    Compliant,
    /// Dry run: it would be re-encrypted.
    WouldReencrypt {
        /// What it has.
        from: Option<ServerSideEncryption>,
    },
    /// An earlier run (the journal) finished it.
    DoneEarlier,
    /// Not copied, for this reason (Appendable, Symlink, unknown encryption…).
    Skipped(String),
    /// Someone wrote it while it was being re-encrypted (412 twice, or a different object
    /// at the check): their write was kept as it was.
    Changed {
        /// Whether the object as it is now meets the policy.
        now_compliant: bool,
    },
    /// Deleted since it was listed.
    Gone,
    /// Failed (after the client's retries).
    Failed(String),
}

impl Outcome {
    /// `reencrypted`, `compliant`, `would_reencrypt`, `done_earlier`, `skipped`, `changed`,
    /// `gone` or `failed`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Reencrypted { .. } => "reencrypted",
            Self::Compliant => "compliant",
            Self::WouldReencrypt { .. } => "would_reencrypt",
            Self::DoneEarlier => "done_earlier",
            Self::Skipped(_) => "skipped",
            Self::Changed { .. } => "changed",
            Self::Gone => "gone",
            Self::Failed(_) => "failed",
        }
    }
}

/// One object's result.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectResult {
    /// The key.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// What happened.
    pub outcome: Outcome,
}

/// Counts of a run, by [`Outcome::name`], with bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReencryptSummary {
    /// Objects seen.
    pub objects: u64,
    /// Bytes seen.
    pub bytes: u64,
    /// (objects, bytes) by outcome.
    pub by_outcome: std::collections::BTreeMap<String, (u64, u64)>,
}

impl ReencryptSummary {
    /// Counts one result.
    pub fn add(&mut self, r: &ObjectResult) {
        self.objects += 1;
        self.bytes += r.size;
        let e = self
            .by_outcome
            .entry(r.outcome.name().to_owned())
            .or_default();
        e.0 += 1;
        e.1 += r.size;
    }
    /// Objects with this outcome.
    pub fn count(&self, outcome: &str) -> u64 {
        self.by_outcome.get(outcome).map_or(0, |c| c.0)
    }
    /// Whether every object now meets the policy (nothing failed, changed into a
    /// non-compliant state, or was skipped).
    pub fn all_compliant(&self) -> bool {
        self.by_outcome.keys().all(|k| {
            matches!(
                k.as_str(),
                "reencrypted" | "compliant" | "done_earlier" | "gone"
            )
        })
    }
}

impl Client {
    /// Re-encrypts every object under `opts.prefix` that does not meet the target: a stream
    /// of results, in no particular order, `opts.concurrency` objects at a time. For each:
    ///
    /// 1. HEAD and assess (objects the journal says are done are skipped first);
    /// 2. copy onto itself with the target encryption, only if its ETag is still the one
    ///    assessed (`x-oss-copy-source-if-match`), with every `x-oss-meta-*`, the standard
    ///    headers and the tags resent (a self-copy keeps only what the request carries);
    /// 3. HEAD again: the same size and CRC-64, and the target encryption.
    ///
    /// A write by someone else always wins: a 412 makes the object be assessed again once
    /// (and copied once more if it still needs it); a second 412, or a different object at
    /// the check, is [`Outcome::Changed`]. Appendable objects are skipped (a copy would make
    /// them Normal and end their appends), as are Symlinks and objects whose encryption this
    /// version cannot read. A listing error ends the stream with it.
    pub async fn reencrypt(
        &self,
        bucket: &str,
        opts: &ReencryptOptions,
    ) -> Result<
        (
            EncryptionPolicy,
            impl Stream<Item = Result<ObjectResult, Error>> + Send + Unpin + use<>,
        ),
        Error,
    > {
        let policy = self.resolve_policy(bucket, &opts.target).await?;
        let Some(target) = policy.target() else {
            return Err(BuildError::new(
                "target",
                "\"any\" names no encryption to apply: choose AES256, SM4, KMS[:KEYID] or KMS+SM4[:KEYID]",
            )
            .into());
        };
        target.validate()?;
        let objects = super::objects(
            self,
            bucket,
            &opts.prefix,
            opts.inventory.as_ref(),
            opts.shard,
        )
        .await?;
        let client = self.clone();
        let bucket = bucket.to_owned();
        let rate = Rate::new(opts.max_rps);
        let run = Arc::new(Run {
            policy: policy.clone(),
            target,
            opts: opts.clone(),
        });
        let stream = objects
            .map_ok(move |(key, size, _)| {
                let client = client.clone();
                let bucket = bucket.clone();
                let rate = rate.clone();
                let run = run.clone();
                async move {
                    let r = match &run.opts.journal {
                        Some(j) if j.is_done(&key) => ObjectResult {
                            key,
                            size,
                            outcome: Outcome::DoneEarlier,
                        },
                        _ => {
                            rate.acquire().await;
                            let work = run.one(&client, &bucket, key, size);
                            match &run.opts.cancel {
                                Some(c) => tokio::select! {
                                    r = work => r,
                                    () = c.cancelled() => return Err(Error::Cancelled(Default::default())),
                                },
                                None => work.await,
                            }
                        }
                    };
                    if let Some(j) = &run.opts.journal
                        && let Some(line) = journal_line(&r)
                    {
                        j.record(&line)?;
                    }
                    if let Some(f) = &run.opts.on_result {
                        f(&r);
                    }
                    Ok(r)
                }
            })
            .try_buffer_unordered(opts.concurrency.clamp(1, 1024));
        Ok((policy, Box::pin(stream)))
    }
}

/// What a run shares between its tasks.
struct Run {
    policy: EncryptionPolicy,
    target: ServerSideEncryption,
    opts: ReencryptOptions,
}

/// The journal line for a result (none for what needs no memory: compliant, gone, dry run).
fn journal_line(r: &ObjectResult) -> Option<JournalEntry> {
    Some(match &r.outcome {
        Outcome::Reencrypted { etag, .. } => {
            JournalEntry::new(&r.key, "done").with_etag(etag.clone())
        }
        Outcome::Skipped(why) => JournalEntry::new(&r.key, "skipped").with_reason(why),
        Outcome::Failed(why) => JournalEntry::new(&r.key, "failed").with_reason(why),
        Outcome::Changed { now_compliant } => {
            JournalEntry::new(&r.key, "changed").with_reason(if *now_compliant {
                "rewritten by someone else during re-encryption; compliant now"
            } else {
                "rewritten by someone else during re-encryption; not compliant now"
            })
        }
        Outcome::Compliant
        | Outcome::WouldReencrypt { .. }
        | Outcome::DoneEarlier
        | Outcome::Gone => {
            return None;
        }
    })
}

fn is_precondition_failed(e: &Error) -> bool {
    e.as_service().is_some_and(|s| s.status() == 412)
}

impl Run {
    async fn one(&self, client: &Client, bucket: &str, key: String, size: u64) -> ObjectResult {
        let mut finding = assess_one(client, bucket, key, size, &self.policy).await;
        // A 412 (someone wrote the object meanwhile) earns one more look.
        for attempt in 0..2 {
            let outcome = self.settle(client, bucket, &finding).await;
            match outcome {
                Err(e) if is_precondition_failed(&e) => {
                    finding =
                        assess_one(client, bucket, finding.key, finding.size, &self.policy).await;
                    let now_compliant =
                        matches!(finding.status, Status::Assessed(Verdict::Compliant));
                    if now_compliant || attempt == 1 || finding.head.is_none() {
                        let outcome = match finding.status {
                            Status::Gone => Outcome::Gone,
                            _ => Outcome::Changed { now_compliant },
                        };
                        return ObjectResult {
                            key: finding.key,
                            size: finding.size,
                            outcome,
                        };
                    }
                }
                Err(e) => {
                    return ObjectResult {
                        key: finding.key,
                        size: finding.size,
                        outcome: Outcome::Failed(e.to_string()),
                    };
                }
                Ok(outcome) => {
                    return ObjectResult {
                        key: finding.key,
                        size: finding.size,
                        outcome,
                    };
                }
            }
        }
        unreachable!("the loop returns on its second pass")
    }

    /// Decides and, if needed, re-encrypts one assessed object. `Err` only for a failed
    /// copy (a 412 among them).
    async fn settle(&self, client: &Client, bucket: &str, f: &Finding) -> Result<Outcome, Error> {
        let head = match (&f.status, &f.head) {
            (Status::Assessed(Verdict::Compliant), _) => return Ok(Outcome::Compliant),
            (Status::Gone, _) => return Ok(Outcome::Gone),
            (Status::Failed(e), _) => return Ok(Outcome::Failed(e.clone())),
            (Status::Assessed(Verdict::Unknown { value }), _) => {
                return Ok(Outcome::Skipped(format!(
                    "it declares the unknown encryption value {value:?}"
                )));
            }
            (Status::Assessed(_), Some(h)) => h,
            (Status::Assessed(_), None) => {
                return Ok(Outcome::Failed("assessed without a HEAD".into()));
            }
        };
        let mut copy = self.opts.copy.clone();
        match head.object_type {
            Some(ObjectType::Appendable) if !self.opts.convert_appendable => {
                return Ok(Outcome::Skipped(
                    "Appendable: a copy would make it a Normal object and end its appends (allow it with convert_appendable / --include-appendable)".into(),
                ));
            }
            // UploadPartCopy never takes an Appendable source: one CopyObject, whatever the
            // size (OSS's own limits apply).
            Some(ObjectType::Appendable) => copy.threshold = u64::MAX,
            Some(ObjectType::Symlink) => {
                return Ok(Outcome::Skipped(
                    "Symlink: its target is re-encrypted on its own".into(),
                ));
            }
            _ => {}
        }
        let from = head.server_side_encryption.clone();
        if self.opts.dry_run {
            return Ok(Outcome::WouldReencrypt { from });
        }
        let mut copy = copy
            .with_server_side_encryption(self.target.clone())
            .with_source_head(head.clone());
        copy.cancel = self.opts.cancel.clone();
        let out = client.copy(bucket, &f.key, bucket, &f.key, &copy).await?;
        self.check(client, bucket, f, head, out.etag.as_deref())
            .await
            .map(|ok| match ok {
                Some(etag) => Outcome::Reencrypted { from, etag },
                None => Outcome::Changed {
                    now_compliant: false,
                },
            })
    }

    /// The HEAD after a copy: `Ok(Some(etag))` when it is the copy with the old bytes and
    /// the target encryption, `Ok(None)` when someone else has written it since, `Err` on
    /// a mismatch that only a fault explains.
    async fn check(
        &self,
        client: &Client,
        bucket: &str,
        f: &Finding,
        before: &ObjectHead,
        copied_etag: Option<&str>,
    ) -> Result<Option<Option<String>>, Error> {
        let after = match client.head_object(bucket, &f.key).await {
            Ok(h) => h,
            Err(e) if e.as_service().is_some_and(|s| s.status() == 404) => return Ok(None),
            Err(e) => return Err(e),
        };
        if copied_etag.is_some() && after.etag.as_deref() != copied_etag {
            return Ok(None);
        }
        if let (Some(b), Some(a)) = (before.hash_crc64, after.hash_crc64)
            && a != b
        {
            return Err(Error::Integrity(crate::error::IntegrityError {
                operation: "the re-encrypting copy",
                client_crc64: b,
                server_crc64: a,
            }));
        }
        if after.content_length != before.content_length {
            return Err(Error::Parse(oss_sse_core::ParseError::other(format!(
                "{}: the re-encrypting copy changed its size ({:?} -> {:?} bytes)",
                f.key, before.content_length, after.content_length
            ))));
        }
        if !self
            .policy
            .assess(after.server_side_encryption.as_ref())
            .is_compliant()
        {
            return Err(Error::Parse(oss_sse_core::ParseError::other(format!(
                "{}: after the copy it declares {:?}, not the target",
                f.key, after.server_side_encryption
            ))));
        }
        Ok(Some(after.etag.map(String::from)))
    }
}
