//! `Client.audit` (an iterator of findings with a running `.summary`) and
//! `Client.reencrypt` (a summary, with a progress callback and a journal): the Rust
//! `oss_sse_hyper::fleet` runners, driven as the listings are.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use futures_util::{StreamExt, TryStreamExt};
use oss_sse_core::policy::EncryptionPolicy;
use oss_sse_hyper::fleet::{
    AuditOptions, AuditSummary as RustSummary, Finding as RustFinding, Journal, ObjectResult,
    Outcome, PolicySource, ReencryptOptions, ReencryptSummary as RustReencryptSummary, Status,
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
        object_type: f.head.as_ref().and_then(|h| h.object_type.clone()),
        etag: f.head.as_ref().and_then(|h| h.etag.clone()),
        key: f.key,
        size: f.size,
    }
}

/// The totals of an audit so far.
#[pyclass(frozen, get_all, name = "AuditSummary", module = "oss_sse._oss_sse")]
#[derive(Debug, Clone)]
pub(crate) struct AuditSummary {
    /// Objects seen.
    objects: u64,
    /// Bytes seen.
    bytes: u64,
    /// Objects that meet the policy.
    compliant: u64,
    /// Objects that need attention.
    needing_attention: u64,
    /// ``{verdict: (objects, bytes)}``.
    by_verdict: BTreeMap<String, (u64, u64)>,
    /// ``{algorithm: (objects, bytes)}`` (``none`` for unencrypted; ``KMS+SM4`` with SM4 data).
    by_algorithm: BTreeMap<String, (u64, u64)>,
    /// ``{kms key id: (objects, bytes)}``.
    by_key_id: BTreeMap<String, (u64, u64)>,
    /// ``{top-level prefix: (objects, bytes, objects needing attention, their bytes)}``.
    by_prefix: BTreeMap<String, (u64, u64, u64, u64)>,
}

#[pymethods]
impl AuditSummary {
    fn __repr__(&self) -> String {
        format!(
            "AuditSummary(objects={}, compliant={}, needing_attention={})",
            self.objects, self.compliant, self.needing_attention
        )
    }
}

fn summary(s: &RustSummary) -> AuditSummary {
    let g = |m: &BTreeMap<String, oss_sse_hyper::fleet::Totals>| {
        m.iter()
            .map(|(k, t)| (k.clone(), (t.objects, t.bytes)))
            .collect()
    };
    AuditSummary {
        objects: s.all.objects,
        bytes: s.all.bytes,
        compliant: s.compliant().objects,
        needing_attention: s.needing_attention(),
        by_verdict: g(&s.by_status),
        by_algorithm: g(&s.by_algorithm),
        by_key_id: g(&s.by_key_id),
        by_prefix: s
            .by_prefix
            .iter()
            .map(|(k, (a, b))| (k.clone(), (a.objects, a.bytes, b.objects, b.bytes)))
            .collect(),
    }
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
                summary(&lock(&self.audit.summary))
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
                let generated = {
                    let secs = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs() as i64);
                    oss_sse_core::time::format_iso8601(secs).replace(".000Z", "Z")
                };
                oss_sse_hyper::fleet::render_html(
                    &self.audit.bucket,
                    &self.audit.prefix,
                    &policy,
                    &lock(&self.audit.summary),
                    &generated,
                )
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
#[pyclass(frozen, get_all, name = "ReencryptResult", module = "oss_sse._oss_sse")]
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
