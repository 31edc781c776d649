//! The audit: list, HEAD with bounded concurrency, assess, stream the findings.

use std::collections::BTreeMap;

use futures_util::{Stream, TryStreamExt};
use oss_sse_core::ops::ObjectHead;
use oss_sse_core::policy::{EncryptionPolicy, Verdict};
use oss_sse_core::{ObjectType, ServerSideEncryption};

use super::inventory::InventorySource;
use super::rate::Rate;
use crate::client::Client;
use crate::error::Error;
use oss_sse_core::shard::Shard;

/// Where the policy comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySource {
    /// The bucket's default encryption rule (read once, at the start).
    Bucket,
    /// This one.
    Explicit(EncryptionPolicy),
}

impl From<EncryptionPolicy> for PolicySource {
    fn from(p: EncryptionPolicy) -> Self {
        Self::Explicit(p)
    }
}

/// Options of [`Client::audit`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AuditOptions {
    /// Only keys under this prefix.
    pub prefix: String,
    /// The policy objects must meet.
    pub policy: PolicySource,
    /// HEAD requests in flight (default 64).
    pub concurrency: usize,
    /// At most this many HEAD requests per second (default: no cap).
    pub max_rps: Option<u32>,
    /// Read the objects from this inventory instead of listing the bucket. An object the
    /// inventory says is not encrypted (`EncryptionStatus=false`) is not HEADed: it breaks
    /// every policy, as of the inventory's date.
    pub inventory: Option<InventorySource>,
    /// Only this shard's keys.
    pub shard: Option<Shard>,
}

impl Default for AuditOptions {
    fn default() -> Self {
        Self {
            prefix: String::new(),
            policy: PolicySource::Bucket,
            concurrency: 64,
            max_rps: None,
            inventory: None,
            shard: None,
        }
    }
}

impl AuditOptions {
    /// Audits against `policy`.
    #[must_use]
    pub fn with_policy(mut self, policy: impl Into<PolicySource>) -> Self {
        self.policy = policy.into();
        self
    }
    /// Only keys under `prefix`.
    #[must_use]
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }
    /// HEAD requests in flight.
    #[must_use]
    pub fn with_concurrency(mut self, n: usize) -> Self {
        self.concurrency = n;
        self
    }
    /// Reads the objects from an inventory.
    #[must_use]
    pub fn with_inventory(mut self, source: InventorySource) -> Self {
        self.inventory = Some(source);
        self
    }
    /// Only this shard's keys.
    #[must_use]
    pub fn with_shard(mut self, shard: Shard) -> Self {
        self.shard = Some(shard);
        self
    }
    /// Caps the HEAD rate.
    #[must_use]
    pub fn with_max_rps(mut self, n: u32) -> Self {
        self.max_rps = Some(n);
        self
    }
}

/// What became of one listed object.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Status {
    /// Assessed against the policy.
    Assessed(Verdict),
    /// Listed, then gone by the time of its HEAD (deleted meanwhile).
    Gone,
    /// Its HEAD failed (after the client's retries).
    Failed(String),
}

impl Status {
    /// `compliant`, `unencrypted`, … (see [`Verdict::name`]), `gone` or `error`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Assessed(v) => v.name(),
            Self::Gone => "gone",
            Self::Failed(_) => "error",
        }
    }
    /// Whether the object needs attention: assessed and not compliant, or not assessed.
    pub fn needs_attention(&self) -> bool {
        !matches!(self, Self::Assessed(Verdict::Compliant) | Self::Gone)
    }
}

/// One object of an audit.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// The key.
    pub key: String,
    /// Size in bytes (from the listing).
    pub size: u64,
    /// The outcome.
    pub status: Status,
    /// The HEAD it was assessed on (absent when gone or failed).
    pub head: Option<ObjectHead>,
}

impl Finding {
    /// The encryption the object declares.
    pub fn server_side_encryption(&self) -> Option<&ServerSideEncryption> {
        self.head.as_ref()?.server_side_encryption.as_ref()
    }
}

impl Client {
    /// Audits every object under `opts.prefix` against the policy: a stream of findings, in
    /// no particular order, with at most `opts.concurrency` HEAD requests in flight and one
    /// listing page held, so memory is bounded whatever the bucket's size. A listing error
    /// ends the stream with that error; a failed HEAD is a finding ([`Status::Failed`]).
    ///
    /// With [`PolicySource::Bucket`] the bucket's default rule is read first; a bucket
    /// without one is an error that says to name a policy.
    pub async fn audit(
        &self,
        bucket: &str,
        opts: &AuditOptions,
    ) -> Result<
        (
            EncryptionPolicy,
            impl Stream<Item = Result<Finding, Error>> + Send + Unpin + use<>,
        ),
        Error,
    > {
        let policy = self.resolve_policy(bucket, &opts.policy).await?;
        let objects = super::objects(
            self,
            bucket,
            &opts.prefix,
            opts.inventory.as_ref(),
            opts.shard,
        )
        .await?;
        Ok((
            policy.clone(),
            self.assess_stream(bucket, objects, policy, opts.concurrency, opts.max_rps),
        ))
    }

    /// HEADs and assesses a stream of objects (a listing, an inventory); one an inventory
    /// says is unencrypted is assessed without a HEAD.
    pub(crate) fn assess_stream<S>(
        &self,
        bucket: &str,
        objects: S,
        policy: EncryptionPolicy,
        concurrency: usize,
        max_rps: Option<u32>,
    ) -> impl Stream<Item = Result<Finding, Error>> + Send + Unpin + 'static + use<S>
    where
        S: Stream<Item = Result<super::Item, Error>> + Send + 'static,
    {
        let client = self.clone();
        let bucket = bucket.to_owned();
        let rate = Rate::new(max_rps);
        Box::pin(
            objects
                .map_ok(move |(key, size, encrypted)| {
                    let client = client.clone();
                    let bucket = bucket.clone();
                    let policy = policy.clone();
                    let rate = rate.clone();
                    async move {
                        if encrypted == Some(false) {
                            return Ok(Finding {
                                key,
                                size,
                                status: Status::Assessed(policy.assess(None)),
                                head: None,
                            });
                        }
                        rate.acquire().await;
                        Ok(assess_one(&client, &bucket, key, size, &policy).await)
                    }
                })
                .try_buffer_unordered(concurrency.clamp(1, 1024)),
        )
    }

    /// The policy `source` names, reading the bucket's rule when it says so.
    pub(crate) async fn resolve_policy(
        &self,
        bucket: &str,
        source: &PolicySource,
    ) -> Result<EncryptionPolicy, Error> {
        match source {
            PolicySource::Explicit(p) => Ok(p.clone()),
            PolicySource::Bucket => match self.get_bucket_encryption(bucket).await? {
                Some(rule) => Ok(EncryptionPolicy::from_rule(&rule)?),
                None => Err(oss_sse_core::BuildError::new(
                    "policy",
                    format!(
                        "bucket {bucket:?} has no default encryption to audit against; name a policy (AES256, SM4, KMS[:KEYID], KMS+SM4[:KEYID] or any)"
                    ),
                )
                .into()),
            },
        }
    }
}

/// HEADs one object and assesses it.
pub(crate) async fn assess_one(
    client: &Client,
    bucket: &str,
    key: String,
    size: u64,
    policy: &EncryptionPolicy,
) -> Finding {
    match client.head_object(bucket, &key).await {
        Ok(head) => Finding {
            status: Status::Assessed(policy.assess(head.server_side_encryption.as_ref())),
            size: head.content_length.unwrap_or(size),
            key,
            head: Some(head),
        },
        Err(e) if e.as_service().is_some_and(|s| s.status() == 404) => Finding {
            key,
            size,
            status: Status::Gone,
            head: None,
        },
        Err(e) => Finding {
            key,
            size,
            status: Status::Failed(e.to_string()),
            head: None,
        },
    }
}

/// Objects and bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Totals {
    /// Objects.
    pub objects: u64,
    /// Bytes.
    pub bytes: u64,
}

impl Totals {
    fn add(&mut self, size: u64) {
        self.objects += 1;
        self.bytes += size;
    }
    fn merge(&mut self, other: Self) {
        self.objects += other.objects;
        self.bytes += other.bytes;
    }
}

/// Largest number of distinct prefixes or key ids counted one by one; the rest are summed
/// under `(other)`, so a summary stays small for any bucket.
const MAX_GROUPS: usize = 1000;
/// Non-compliant findings kept for a report.
const MAX_KEPT: usize = 1000;

/// The totals of an audit: fed one finding at a time (or merged from the summaries of
/// several workers), bounded in size, serializable (serde) to travel between processes.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct AuditSummary {
    /// Every object.
    pub all: Totals,
    /// By [`Status::name`].
    pub by_status: BTreeMap<String, Totals>,
    /// By declared algorithm (`none` when unencrypted, `KMS+SM4` with SM4 data encryption;
    /// assessed objects only).
    pub by_algorithm: BTreeMap<String, Totals>,
    /// By KMS key id (KMS objects only).
    pub by_key_id: BTreeMap<String, Totals>,
    /// By top-level prefix (up to the first `/`, `(root)` for keys without one):
    /// (all, needing attention).
    pub by_prefix: BTreeMap<String, (Totals, Totals)>,
    /// The first findings that need attention (at most 1,000), for a report.
    pub attention: Vec<Noted>,
}

/// A finding as a summary keeps it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Noted {
    /// The key.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// [`Status::name`].
    pub verdict: String,
    /// The verdict in words (or the error).
    pub detail: String,
    /// The declared encryption in words (`none` when unencrypted, empty when unknown).
    pub encryption: String,
    /// `Normal`, `Multipart`, `Appendable`…
    pub object_type: Option<ObjectType>,
}

fn bump<'m, V: Default>(map: &'m mut BTreeMap<String, V>, key: &str) -> &'m mut V {
    if !map.contains_key(key) && map.len() >= MAX_GROUPS {
        return map.entry("(other)".to_owned()).or_default();
    }
    map.entry(key.to_owned()).or_default()
}

/// An object's declared encryption in words.
pub(crate) fn encryption_words(sse: Option<&ServerSideEncryption>) -> String {
    sse.map_or_else(
        || "none".to_owned(),
        |x| {
            let mut d = x.algorithm().as_str().to_owned();
            if let Some(k) = x.key_id() {
                d.push_str(" key ");
                d.push_str(k);
            }
            if let Some(de) = x.data_encryption() {
                d.push_str(" + ");
                d.push_str(de.as_str());
            }
            d
        },
    )
}

impl AuditSummary {
    /// Counts one finding.
    pub fn add(&mut self, f: &Finding) {
        self.all.add(f.size);
        bump(&mut self.by_status, f.status.name()).add(f.size);
        if let Status::Assessed(_) = f.status {
            let sse = f.server_side_encryption();
            let alg = sse.map_or("none", |s| s.algorithm().as_str());
            let alg = match sse.and_then(|s| s.data_encryption()) {
                Some(d) => format!("{alg}+{}", d.as_str()),
                None => alg.to_owned(),
            };
            bump(&mut self.by_algorithm, &alg).add(f.size);
            if let Some(k) = sse.and_then(|s| s.key_id()) {
                bump(&mut self.by_key_id, k).add(f.size);
            }
        }
        let prefix = match f.key.find('/') {
            Some(i) => &f.key[..=i],
            None => "(root)",
        };
        let p = bump(&mut self.by_prefix, prefix);
        p.0.add(f.size);
        if f.status.needs_attention() {
            p.1.add(f.size);
            if self.attention.len() < MAX_KEPT {
                let detail = match &f.status {
                    Status::Assessed(v) => v.to_string(),
                    Status::Gone => "gone".to_owned(),
                    Status::Failed(e) => format!("error: {e}"),
                };
                self.attention.push(Noted {
                    key: f.key.clone(),
                    size: f.size,
                    verdict: f.status.name().to_owned(),
                    detail,
                    encryption: match (&f.status, f.head.as_ref()) {
                        (Status::Assessed(_), _) => encryption_words(f.server_side_encryption()),
                        _ => String::new(),
                    },
                    object_type: f.head.as_ref().and_then(|h| h.object_type.clone()),
                });
            }
        }
    }

    /// Adds another summary's counts (a shard's, a worker's): the sum of the summaries of
    /// disjoint parts is the summary of the whole.
    pub fn merge(&mut self, other: &Self) {
        self.all.merge(other.all);
        for (k, t) in &other.by_status {
            bump(&mut self.by_status, k).merge(*t);
        }
        for (k, t) in &other.by_algorithm {
            bump(&mut self.by_algorithm, k).merge(*t);
        }
        for (k, t) in &other.by_key_id {
            bump(&mut self.by_key_id, k).merge(*t);
        }
        for (k, (a, b)) in &other.by_prefix {
            let p = bump(&mut self.by_prefix, k);
            p.0.merge(*a);
            p.1.merge(*b);
        }
        let room = MAX_KEPT.saturating_sub(self.attention.len());
        self.attention
            .extend(other.attention.iter().take(room).cloned());
    }

    /// Objects that meet the policy.
    pub fn compliant(&self) -> Totals {
        self.by_status.get("compliant").copied().unwrap_or_default()
    }

    /// Objects that need attention (not compliant, or not assessed).
    pub fn needing_attention(&self) -> u64 {
        self.by_status
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "compliant" | "gone"))
            .map(|(_, t)| t.objects)
            .sum()
    }
}
