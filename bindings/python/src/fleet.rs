//! `Client.audit` (an iterator of findings with a running `.summary`) and
//! `Client.reencrypt` (a summary, with a progress callback and a journal): the Rust
//! `oss_sse_hyper::fleet` runners, driven as the listings are.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use futures_util::{StreamExt, TryStreamExt};
use oss_sse_core::policy::EncryptionPolicy;
use oss_sse_hyper::fleet::{
    AuditOptions, AuditSummary as RustSummary, Finding as RustFinding, InventoryLocation,
    InventorySource, Journal, ObjectResult, Outcome, PolicySource, ReencryptOptions,
    ReencryptSummary as RustReencryptSummary, Shard, Status,
};
use oss_sse_hyper::{Client, Error};
use pyo3::prelude::*;

use crate::errors::{client_error, to_pyerr};
use crate::listing::{Batch, State, feed, next_awaitable, next_blocking};
use crate::types::{PyServerSideEncryption, sse_opt};

/// `"bucket"` or a policy (`any`, `AES256`, `SM4`, `KMS[:KEYID]`, `KMS+SM4[:KEYID]`).
pub(crate) fn policy_arg(s: &str, field: &'static str) -> PyResult<PolicySource> {
    if s.eq_ignore_ascii_case("bucket") {
        return Ok(PolicySource::Bucket);
    }
    s.parse::<EncryptionPolicy>()
        .map(PolicySource::Explicit)
        .map_err(|e| client_error(field, e.reason().to_owned()))
}

/// `inventory=`, `inventory_files=` and `shard=` as the runners take them.
pub(crate) fn source_args(
    inventory: Option<&str>,
    files: Option<Vec<usize>>,
    shard: Option<&str>,
) -> PyResult<(Option<InventorySource>, Option<Shard>)> {
    let inventory = match (inventory, files) {
        (Some(m), files) => {
            let loc = m
                .parse::<InventoryLocation>()
                .map_err(|e| client_error("inventory", e.reason().to_owned()))?;
            let src = InventorySource::new(loc);
            Some(match files {
                Some(f) => src.with_files(f),
                None => src,
            })
        }
        (None, Some(_)) => {
            return Err(client_error("inventory_files", "needs an inventory"));
        }
        (None, None) => None,
    };
    let shard = shard
        .map(|s| {
            s.parse::<Shard>()
                .map_err(|e| client_error("shard", e.reason().to_owned()))
        })
        .transpose()?;
    Ok((inventory, shard))
}

/// One object of an audit.
#[pyclass(frozen, get_all, name = "Finding", module = "oss_sse._oss_sse")]
#[derive(Debug, Clone)]
pub(crate) struct Finding {
    /// The key.
    key: String,
    /// Size in bytes.
    size: u64,
    /// ``compliant``, ``unencrypted``, ``wrong_algorithm``, ``wrong_key``,
    /// ``wrong_data_encryption``, ``unknown``, ``gone`` (deleted since listed) or ``error``.
    verdict: String,
    /// The verdict in words (or the error).
    detail: String,
    /// Whether it needs attention (not compliant, or not assessed).
    needs_attention: bool,
    /// The encryption it declares.
    server_side_encryption: Option<PyServerSideEncryption>,
    /// ``Normal``, ``Multipart``, ``Appendable``…
    object_type: Option<String>,
    /// ETag without quotes.
    etag: Option<String>,
}

#[pymethods]
impl Finding {
    fn __repr__(&self) -> String {
        format!(
            "Finding(key={}, verdict={}, detail={})",
            crate::conv::repr(&self.key),
            crate::conv::repr(&self.verdict),
            crate::conv::repr(&self.detail)
        )
    }
}

fn finding(f: RustFinding) -> Finding {
    let detail = match &f.status {
        Status::Assessed(v) => v.to_string(),
        Status::Gone => "deleted since it was listed".to_owned(),
        Status::Failed(e) => e.clone(),
        other => other.name().to_owned(),
    };
    Finding {
        verdict: f.status.name().to_owned(),
        needs_attention: f.status.needs_attention(),
        detail,
        server_side_encryption: sse_opt(f.server_side_encryption().cloned()),
        object_type: f
            .head
            .as_ref()
            .and_then(|h| h.object_type.clone())
            .map(String::from),
        etag: f
            .head
            .as_ref()
            .and_then(|h| h.etag.clone())
            .map(String::from),
        key: f.key,
        size: f.size,
    }
}

/// The totals of an audit: by verdict, algorithm, KMS key id and top-level prefix, and the
/// first 1,000 objects that need attention. Summaries of disjoint parts (shards, inventory
/// files, Dask tasks) add up: ``sum(parts, AuditSummary())``. They pickle.
///
/// Parameters
/// ----------
/// state : str, optional
///     What ``__getnewargs_ex__`` produced (pickling); empty by default.
#[pyclass(frozen, name = "AuditSummary", module = "oss_sse._oss_sse")]
#[derive(Debug, Clone)]
pub(crate) struct AuditSummary(pub(crate) RustSummary);

fn totals(m: &BTreeMap<String, oss_sse_hyper::fleet::Totals>) -> BTreeMap<String, (u64, u64)> {
    m.iter()
        .map(|(k, t)| (k.clone(), (t.objects, t.bytes)))
        .collect()
}

#[pymethods]
impl AuditSummary {
    #[new]
    #[pyo3(signature = (state=None))]
    fn new(state: Option<&str>) -> PyResult<Self> {
        match state {
            None => Ok(Self(RustSummary::default())),
            Some(s) => serde_json::from_str(s)
                .map(Self)
                .map_err(|e| client_error("state", format!("not an AuditSummary state: {e}"))),
        }
    }

    /// Objects seen.
    #[getter]
    fn objects(&self) -> u64 {
        self.0.all.objects
    }
    /// Bytes seen.
    #[getter]
    fn bytes(&self) -> u64 {
        self.0.all.bytes
    }
    /// Objects that meet the policy.
    #[getter]
    fn compliant(&self) -> u64 {
        self.0.compliant().objects
    }
    /// Objects that need attention.
    #[getter]
    fn needing_attention(&self) -> u64 {
        self.0.needing_attention()
    }
    /// ``{verdict: (objects, bytes)}``.
    #[getter]
    fn by_verdict(&self) -> BTreeMap<String, (u64, u64)> {
        totals(&self.0.by_status)
    }
    /// ``{algorithm: (objects, bytes)}`` (``none`` for unencrypted; ``KMS+SM4`` with SM4 data).
    #[getter]
    fn by_algorithm(&self) -> BTreeMap<String, (u64, u64)> {
        totals(&self.0.by_algorithm)
    }
    /// ``{kms key id: (objects, bytes)}``.
    #[getter]
    fn by_key_id(&self) -> BTreeMap<String, (u64, u64)> {
        totals(&self.0.by_key_id)
    }
    /// ``{top-level prefix: (objects, bytes, objects needing attention, their bytes)}``.
    #[getter]
    fn by_prefix(&self) -> BTreeMap<String, (u64, u64, u64, u64)> {
        self.0
            .by_prefix
            .iter()
            .map(|(k, (a, b))| (k.clone(), (a.objects, a.bytes, b.objects, b.bytes)))
            .collect()
    }
    /// ``(key, verdict, detail)`` of the first objects that need attention (at most 1,000).
    #[getter]
    fn attention(&self) -> Vec<(String, String, String)> {
        self.0
            .attention
            .iter()
            .map(|n| (n.key.clone(), n.verdict.clone(), n.detail.clone()))
            .collect()
    }

    /// The sum of two summaries (of disjoint parts of a bucket).
    fn __add__(&self, other: PyRef<'_, Self>) -> Self {
        let mut s = self.0.clone();
        s.merge(&other.0);
        Self(s)
    }

    /// ``0 + summary`` (so ``sum(summaries)`` works).
    fn __radd__(&self, other: &Bound<'_, PyAny>) -> PyResult<Self> {
        if let Ok(o) = other.cast::<Self>() {
            let mut s = o.get().0.clone();
            s.merge(&self.0);
            return Ok(Self(s));
        }
        match other.extract::<i64>() {
            Ok(0) => Ok(self.clone()),
            _ => Err(pyo3::exceptions::PyTypeError::new_err(
                "an AuditSummary adds to an AuditSummary (or to 0)",
            )),
        }
    }

    /// The report of these totals as one self-contained HTML page.
    #[pyo3(signature = (bucket, *, prefix="", policy="any"))]
    fn report_html(&self, bucket: &str, prefix: &str, policy: &str) -> PyResult<String> {
        let policy = policy
            .parse::<EncryptionPolicy>()
            .map_err(|e| client_error("policy", e.reason().to_owned()))?;
        Ok(render(bucket, prefix, &policy, &self.0))
    }

    /// For pickling: the state as JSON.
    fn __getnewargs_ex__(&self) -> PyResult<((String,), BTreeMap<String, String>)> {
        let s = serde_json::to_string(&self.0)
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
        Ok(((s,), BTreeMap::new()))
    }

    fn __eq__(&self, other: PyRef<'_, Self>) -> bool {
        self.0 == other.0
    }

    fn __repr__(&self) -> String {
        format!(
            "AuditSummary(objects={}, compliant={}, needing_attention={})",
            self.0.all.objects,
            self.0.compliant().objects,
            self.0.needing_attention()
        )
    }
}

fn render(bucket: &str, prefix: &str, policy: &EncryptionPolicy, s: &RustSummary) -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let generated = oss_sse_core::time::format_iso8601(secs).replace(".000Z", "Z");
    oss_sse_hyper::fleet::render_html(bucket, prefix, policy, s, &generated)
}

/// What an audit iterator shares with its task.
struct Audit {
    bucket: String,
    prefix: String,
    summary: Mutex<RustSummary>,
    policy: Mutex<Option<EncryptionPolicy>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Starts an audit: the task resolves the policy, then streams findings in batches.
fn start_audit(client: Client, bucket: String, opts: AuditOptions) -> (Arc<Audit>, State) {
    let audit = Arc::new(Audit {
        bucket: bucket.clone(),
        prefix: opts.prefix.clone(),
        summary: Mutex::new(RustSummary::default()),
        policy: Mutex::new(None),
    });
    let shared = audit.clone();
    let stream = futures_util::stream::once(async move { client.audit(&bucket, &opts).await })
        .map(move |r| match r {
            Ok((policy, findings)) => {
                *lock(&shared.policy) = Some(policy);
                let shared = shared.clone();
                findings
                    .inspect_ok(move |f| lock(&shared.summary).add(f))
                    .left_stream()
            }
            Err(e) => futures_util::stream::iter([Err(e)]).right_stream(),
        })
        .flatten()
        .ready_chunks(256)
        .flat_map(|chunk| {
            let mut out: Vec<Result<Batch, Error>> = Vec::new();
            let mut items = Vec::new();
            for r in chunk {
                match r {
                    Ok(f) => items.push(finding(f)),
                    Err(e) => {
                        if !items.is_empty() {
                            out.push(Ok(Batch::of(std::mem::take(&mut items))));
                        }
                        out.push(Err(e));
                    }
                }
            }
            if !items.is_empty() {
                out.push(Ok(Batch::of(items)));
            }
            futures_util::stream::iter(out)
        });
    (audit, State::new(feed(stream)))
}

macro_rules! audit_iterator {
    ($(#[doc = $doc:literal])* $cls:ident as $pyname:literal, $next:ident($($sig:tt)*) -> $ret:ty => $body:expr, $iter:ident) => {
        $(#[doc = $doc])*
        #[pyclass(name = $pyname, module = "oss_sse._oss_sse")]
        pub(crate) struct $cls {
            audit: Arc<Audit>,
            state: Arc<Mutex<State>>,
        }

        impl $cls {
            pub(crate) fn new(client: Client, bucket: String, opts: AuditOptions) -> Self {
                let (audit, state) = start_audit(client, bucket, opts);
                Self {
                    audit,
                    state: Arc::new(Mutex::new(state)),
                }
            }
        }

        #[pymethods]
        impl $cls {
            fn $iter(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
                slf
            }

            fn $next<'py>(&self, py: Python<'py>) -> $ret {
                let state = &self.state;
                $body(state, py)
            }

            /// The totals of the findings produced so far (complete once the iteration
            /// has ended).
            #[getter]
            fn summary(&self) -> AuditSummary {
                AuditSummary(lock(&self.audit.summary).clone())
            }

            /// The policy audited against (known once the iteration has started; the
            /// bucket's rule is read first when the policy is ``"bucket"``).
            #[getter]
            fn policy(&self) -> Option<String> {
                lock(&self.audit.policy).as_ref().map(ToString::to_string)
            }

            /// The report of the findings so far as one self-contained HTML page (inline
            /// charts, nothing fetched): write it to a file and open it in a browser.
            fn report_html(&self) -> String {
                let policy = lock(&self.audit.policy)
                    .clone()
                    .unwrap_or(EncryptionPolicy::Any);
                render(&self.audit.bucket, &self.audit.prefix, &policy, &lock(&self.audit.summary))
            }

            fn __repr__(&self) -> String {
                format!("<oss_sse.{} of oss://{}/{}>", $pyname, self.audit.bucket, self.audit.prefix)
            }
        }
    };
}

audit_iterator! {
    /// An audit as a Python iterator of ``Finding`` (``for f in client.audit(...)``), with
    /// the running totals in ``.summary`` and the HTML report from ``.report_html()``.
    PyAuditIterator as "AuditIterator",
    __next__() -> PyResult<Py<PyAny>> => next_blocking,
    __iter__
}

audit_iterator! {
    /// An audit as an asyncio async iterator of ``Finding`` (``async for``), with
    /// ``.summary`` and ``.report_html()``.
    PyAsyncAuditIterator as "AsyncAuditIterator",
    __anext__() -> PyResult<Bound<'py, PyAny>> => next_awaitable,
    __aiter__
}

/// One object's result in a re-encryption.
#[pyclass(
    frozen,
    get_all,
    from_py_object,
    name = "ReencryptResult",
    module = "oss_sse._oss_sse"
)]
#[derive(Debug, Clone)]
pub(crate) struct ReencryptResult {
    /// The key.
    key: String,
    /// Size in bytes.
    size: u64,
    /// ``reencrypted``, ``compliant``, ``would_reencrypt``, ``done_earlier``, ``skipped``,
    /// ``changed`` (written by someone else meanwhile; their write kept), ``gone`` or
    /// ``failed``.
    outcome: String,
    /// Why, for ``skipped`` / ``changed`` / ``failed``; the encryption it had otherwise.
    detail: String,
}

#[pymethods]
impl ReencryptResult {
    #[new]
    fn new(key: String, size: u64, outcome: String, detail: String) -> Self {
        Self {
            key,
            size,
            outcome,
            detail,
        }
    }

    /// For pickling.
    fn __getnewargs_ex__(&self) -> ((String, u64, String, String), BTreeMap<String, String>) {
        (
            (
                self.key.clone(),
                self.size,
                self.outcome.clone(),
                self.detail.clone(),
            ),
            BTreeMap::new(),
        )
    }

    fn __repr__(&self) -> String {
        format!(
            "ReencryptResult(key={}, outcome={}, detail={})",
            crate::conv::repr(&self.key),
            crate::conv::repr(&self.outcome),
            crate::conv::repr(&self.detail)
        )
    }
}

fn result(r: &ObjectResult) -> ReencryptResult {
    let was = |s: &Option<oss_sse_core::ServerSideEncryption>| {
        s.as_ref()
            .map_or_else(|| "not encrypted".to_owned(), ToString::to_string)
    };
    let detail = match &r.outcome {
        Outcome::Reencrypted { from, .. } | Outcome::WouldReencrypt { from } => was(from),
        Outcome::Skipped(why) | Outcome::Failed(why) => why.clone(),
        Outcome::Changed {
            now_compliant: true,
        } => "compliant now".to_owned(),
        Outcome::Changed {
            now_compliant: false,
        } => "not compliant now".to_owned(),
        _ => String::new(),
    };
    ReencryptResult {
        key: r.key.clone(),
        size: r.size,
        outcome: r.outcome.name().to_owned(),
        detail,
    }
}

/// What a re-encryption did.
#[pyclass(
    frozen,
    get_all,
    name = "ReencryptSummary",
    module = "oss_sse._oss_sse"
)]
#[derive(Debug, Clone)]
pub(crate) struct ReencryptSummary {
    /// The target.
    policy: String,
    /// Objects seen.
    objects: u64,
    /// Bytes seen.
    bytes: u64,
    /// ``{outcome: (objects, bytes)}``.
    by_outcome: BTreeMap<String, (u64, u64)>,
    /// Whether every object meets the target now.
    all_compliant: bool,
    /// The first 1,000 results that were skipped, changed or failed.
    problems: Vec<ReencryptResult>,
}

#[pymethods]
impl ReencryptSummary {
    #[new]
    #[pyo3(signature = (policy="", objects=0, bytes=0, by_outcome=BTreeMap::new(), problems=Vec::new()))]
    fn new(
        policy: &str,
        objects: u64,
        bytes: u64,
        by_outcome: BTreeMap<String, (u64, u64)>,
        problems: Vec<ReencryptResult>,
    ) -> Self {
        let all_compliant = by_outcome.keys().all(|k| {
            matches!(
                k.as_str(),
                "reencrypted" | "compliant" | "done_earlier" | "gone"
            )
        });
        Self {
            policy: policy.to_owned(),
            objects,
            bytes,
            by_outcome,
            all_compliant,
            problems,
        }
    }

    /// The sum of two runs' summaries (of disjoint parts of a bucket).
    fn __add__(&self, other: PyRef<'_, Self>) -> Self {
        self.plus(&other)
    }

    /// ``0 + summary`` (so ``sum(summaries)`` works).
    fn __radd__(&self, other: &Bound<'_, PyAny>) -> PyResult<Self> {
        if let Ok(o) = other.cast::<Self>() {
            return Ok(o.get().plus(self));
        }
        match other.extract::<i64>() {
            Ok(0) => Ok(self.clone()),
            _ => Err(pyo3::exceptions::PyTypeError::new_err(
                "a ReencryptSummary adds to a ReencryptSummary (or to 0)",
            )),
        }
    }

    /// For pickling.
    #[allow(clippy::type_complexity)] // the constructor's arguments, as pickle wants them
    fn __getnewargs_ex__(
        &self,
    ) -> (
        (
            String,
            u64,
            u64,
            BTreeMap<String, (u64, u64)>,
            Vec<ReencryptResult>,
        ),
        BTreeMap<String, String>,
    ) {
        (
            (
                self.policy.clone(),
                self.objects,
                self.bytes,
                self.by_outcome.clone(),
                self.problems.clone(),
            ),
            BTreeMap::new(),
        )
    }

    fn __repr__(&self) -> String {
        format!(
            "ReencryptSummary(policy={}, objects={}, by_outcome={:?}, all_compliant={})",
            crate::conv::repr(&self.policy),
            self.objects,
            self.by_outcome,
            if self.all_compliant { "True" } else { "False" }
        )
    }
}

impl ReencryptSummary {
    fn plus(&self, other: &Self) -> Self {
        let mut by = self.by_outcome.clone();
        for (k, (n, b)) in &other.by_outcome {
            let e = by.entry(k.clone()).or_default();
            e.0 += n;
            e.1 += b;
        }
        let mut problems = self.problems.clone();
        let room = 1000usize.saturating_sub(problems.len());
        problems.extend(other.problems.iter().take(room).cloned());
        let policy = if self.policy.is_empty() {
            &other.policy
        } else {
            &self.policy
        };
        Self::new(
            policy,
            self.objects + other.objects,
            self.bytes + other.bytes,
            by,
            problems,
        )
    }
}

/// The Python arguments of `reencrypt`, checked before anything is sent.
pub(crate) struct ReencryptArgs {
    pub(crate) opts: ReencryptOptions,
}

impl ReencryptArgs {
    #[allow(clippy::too_many_arguments)] // mirrors the Python signature
    pub(crate) fn new(
        prefix: String,
        to: &str,
        concurrency: usize,
        max_rps: Option<u32>,
        dry_run: bool,
        journal: Option<std::path::PathBuf>,
        resume: bool,
        include_appendable: bool,
    ) -> PyResult<Self> {
        if !(1..=1024).contains(&concurrency) {
            return Err(client_error(
                "concurrency",
                format!("{concurrency} is outside 1..=1024"),
            ));
        }
        if resume && journal.is_none() {
            return Err(client_error("resume", "needs a journal to resume"));
        }
        let mut opts = ReencryptOptions::default()
            .with_prefix(prefix)
            .with_target(policy_arg(to, "to")?)
            .with_concurrency(concurrency)
            .with_dry_run(dry_run)
            .with_convert_appendable(include_appendable);
        opts.max_rps = max_rps;
        if let Some(p) = journal {
            opts = opts.with_journal(Arc::new(Journal::open(p, resume).map_err(to_pyerr)?));
        }
        Ok(Self { opts })
    }
}

/// Runs a re-encryption to its end; `progress(result)` is called for each object.
pub(crate) async fn reencrypt(
    client: Client,
    bucket: String,
    mut opts: ReencryptOptions,
    progress: Option<Py<PyAny>>,
    error: Arc<Mutex<Option<PyErr>>>,
) -> PyResult<ReencryptSummary> {
    if let Some(cb) = progress {
        let slot = error.clone();
        opts = opts.with_on_result(move |r| {
            let r = result(r);
            Python::attach(|py| {
                let mut slot = lock(&slot);
                if slot.is_some() {
                    return;
                }
                if let Err(e) = cb.call1(py, (r,)) {
                    *slot = Some(e);
                }
            });
        });
    }
    let journal = opts.journal.clone();
    let (policy, mut results) = client.reencrypt(&bucket, &opts).await.map_err(to_pyerr)?;
    let mut sum = RustReencryptSummary::default();
    let mut problems = Vec::new();
    let mut failure = None;
    while let Some(r) = results.next().await {
        match r {
            Ok(r) => {
                sum.add(&r);
                if matches!(
                    r.outcome,
                    Outcome::Skipped(_) | Outcome::Changed { .. } | Outcome::Failed(_)
                ) && problems.len() < 1000
                {
                    problems.push(result(&r));
                }
            }
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
        if lock(&error).is_some() {
            break;
        }
    }
    if let Some(j) = &journal {
        j.sync().map_err(to_pyerr)?;
    }
    if let Some(e) = lock(&error).take() {
        return Err(e);
    }
    if let Some(e) = failure {
        return Err(to_pyerr(e));
    }
    Ok(ReencryptSummary {
        policy: policy.to_string(),
        objects: sum.objects,
        bytes: sum.bytes,
        all_compliant: sum.all_compliant(),
        by_outcome: sum.by_outcome.clone(),
        problems,
    })
}

/// An inventory's `manifest.json`.
#[pyclass(
    frozen,
    get_all,
    name = "InventoryManifest",
    module = "oss_sse._oss_sse"
)]
#[derive(Debug, Clone)]
pub(crate) struct InventoryManifest {
    /// The bucket it describes.
    source_bucket: String,
    /// The bucket its files are in.
    destination_bucket: String,
    /// The columns of its data files.
    schema: Vec<String>,
    /// The keys of its data files, in order (indices for ``inventory_files``).
    files: Vec<String>,
    /// When the scan started (Unix seconds).
    creation_timestamp: Option<i64>,
}

#[pymethods]
impl InventoryManifest {
    fn __repr__(&self) -> String {
        format!(
            "InventoryManifest(source_bucket={}, files=[{} files])",
            crate::conv::repr(&self.source_bucket),
            self.files.len()
        )
    }
}

pub(crate) fn manifest(m: oss_sse_core::inventory::Manifest) -> InventoryManifest {
    InventoryManifest {
        source_bucket: m.source_bucket,
        destination_bucket: m.destination_bucket,
        schema: m.schema,
        files: m.files.into_iter().map(|f| f.key).collect(),
        creation_timestamp: m.creation_timestamp,
    }
}
