//! The audit: list, HEAD with bounded concurrency, assess, stream the findings.

use std::collections::BTreeMap;

use futures_util::{Stream, TryStreamExt};
use oss_sse_core::ServerSideEncryption;
use oss_sse_core::ops::{ListObjectsV2, ObjectHead};
use oss_sse_core::policy::{EncryptionPolicy, Verdict};

use super::rate::Rate;
use crate::client::Client;
use crate::error::Error;

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
}

impl Default for AuditOptions {
    fn default() -> Self {
        Self {
            prefix: String::new(),
            policy: PolicySource::Bucket,
            concurrency: 64,
            max_rps: None,
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
        let first = ListObjectsV2::new(bucket)
            .with_prefix(opts.prefix.clone())
            .with_max_keys(1000);
        // Bad listing input is refused now, not from inside the stream.
        oss_sse_core::Operation::to_request(&first, self.config())?;
        let objects = self.list_objects_v2(first).map_ok(|o| (o.key, o.size));
        Ok((
            policy.clone(),
            self.assess_stream(bucket, objects, policy, opts.concurrency, opts.max_rps),
        ))
    }

    /// HEADs and assesses the keys of a stream of `(key, size)` (a listing, an inventory).
    pub(crate) fn assess_stream<S>(
        &self,
        bucket: &str,
        objects: S,
        policy: EncryptionPolicy,
        concurrency: usize,
        max_rps: Option<u32>,
    ) -> impl Stream<Item = Result<Finding, Error>> + Send + Unpin + 'static + use<S>
    where
        S: Stream<Item = Result<(String, u64), Error>> + Send + 'static,
    {
        let client = self.clone();
        let bucket = bucket.to_owned();
        let rate = Rate::new(max_rps);
        Box::pin(
            objects
                .map_ok(move |(key, size)| {
                    let client = client.clone();
                    let bucket = bucket.clone();
                    let policy = policy.clone();
                    let rate = rate.clone();
                    async move {
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
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
}

/// Largest number of distinct prefixes or key ids counted one by one; the rest are summed
/// under `(other)`, so a summary stays small for any bucket.
const MAX_GROUPS: usize = 1000;
/// Non-compliant findings kept for a report.
const MAX_KEPT: usize = 1000;

/// The totals of an audit: fed one finding at a time, bounded in size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditSummary {
    /// Every object.
    pub all: Totals,
    /// By [`Status::name`].
    pub by_status: BTreeMap<String, Totals>,
    /// By declared algorithm (`none` when unencrypted; assessed objects only).
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
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Noted {
    /// The key.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// The outcome.
    pub status: Status,
    /// The encryption it declares.
    pub server_side_encryption: Option<ServerSideEncryption>,
    /// `Normal`, `Multipart`, `Appendable`…
    pub object_type: Option<String>,
}

fn bump<'m, V: Default>(map: &'m mut BTreeMap<String, V>, key: &str) -> &'m mut V {
    if !map.contains_key(key) && map.len() >= MAX_GROUPS {
        return map.entry("(other)".to_owned()).or_default();
    }
    map.entry(key.to_owned()).or_default()
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
                self.attention.push(Noted {
                    key: f.key.clone(),
                    size: f.size,
                    status: f.status.clone(),
                    server_side_encryption: f.server_side_encryption().cloned(),
                    object_type: f.head.as_ref().and_then(|h| h.object_type.clone()),
                });
            }
        }
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
