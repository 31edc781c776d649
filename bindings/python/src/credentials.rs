//! Credentials and the providers of `oss_sse_hyper::credentials`: explicit keys, the
//! environment, the ECS RAM role, and chains of them.

use std::sync::Arc;

use oss_sse_core::Credentials;
use oss_sse_hyper::credentials::{
    ChainProvider, CredentialsProvider, EcsRamRoleProvider, EnvironmentProvider, StaticProvider,
};
use oss_sse_hyper::{BoxFuture, CredentialsError};
use pyo3::prelude::*;

use crate::conv;
use crate::errors::to_pyerr;
use crate::fork::PerProcess;
use crate::runtime::runtime;

/// An AccessKey pair, optionally with an STS security token. The secret and the token
/// never appear in ``repr()``.
///
/// Parameters
/// ----------
/// access_key_id : str
/// access_key_secret : str
/// security_token : str, optional
///     The STS token of temporary keys.
#[pyclass(frozen, name = "Credentials", module = "oss_sse._oss_sse")]
#[derive(Debug, Clone)]
pub(crate) struct PyCredentials(pub(crate) Credentials);

#[pymethods]
impl PyCredentials {
    #[new]
    #[pyo3(signature = (access_key_id, access_key_secret, security_token=None))]
    fn new(
        access_key_id: String,
        access_key_secret: String,
        security_token: Option<String>,
    ) -> Self {
        let c = Credentials::new(access_key_id, access_key_secret);
        Self(match security_token {
            Some(t) => c.with_security_token(t),
            None => c,
        })
    }

    /// The AccessKey id (not secret).
    #[getter]
    fn access_key_id(&self) -> &str {
        self.0.access_key_id()
    }

    /// The AccessKey secret. Never log it.
    #[getter]
    fn access_key_secret(&self) -> &str {
        self.0.access_key_secret()
    }

    /// The STS security token, or None. Never log it.
    #[getter]
    fn security_token(&self) -> Option<&str> {
        self.0.security_token()
    }

    /// The key id; the secret and token are redacted.
    fn __repr__(&self) -> String {
        format!(
            "Credentials(access_key_id={}, access_key_secret='** redacted **', security_token={})",
            conv::repr(self.0.access_key_id()),
            if self.0.security_token().is_some() {
                "'** redacted **'"
            } else {
                "None"
            }
        )
    }

    /// Equal when the id, secret and token are equal.
    fn __eq__(&self, other: PyRef<'_, Self>) -> bool {
        self.0 == other.0
    }

    /// For pickling (to ship a client to worker processes): the keys travel in the pickle,
    /// never in ``repr()``.
    fn __getnewargs_ex__(&self) -> ((String, String, Option<String>), Kwargs) {
        (
            (
                self.0.access_key_id().to_owned(),
                self.0.access_key_secret().to_owned(),
                self.0.security_token().map(str::to_owned),
            ),
            Kwargs::new(),
        )
    }
}

/// Keyword arguments of `__getnewargs_ex__` (none).
type Kwargs = std::collections::BTreeMap<String, String>;

/// A provider shared between Python objects and the clients built from them.
#[derive(Debug, Clone)]
pub(crate) struct SharedProvider(Arc<dyn CredentialsProvider>);

impl CredentialsProvider for SharedProvider {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        self.0.credentials()
    }
}

/// Fetches credentials from a provider with the GIL released.
fn fetch(py: Python<'_>, p: &SharedProvider) -> PyResult<PyCredentials> {
    let p = p.clone();
    py.detach(|| runtime().block_on(async move { p.credentials().await }))
        .map(PyCredentials)
        .map_err(|e| to_pyerr(e.into()))
}

/// Always returns the same credentials.
#[pyclass(frozen, name = "StaticProvider", module = "oss_sse._oss_sse")]
#[derive(Debug)]
pub(crate) struct PyStaticProvider(SharedProvider, Credentials);

#[pymethods]
impl PyStaticProvider {
    #[new]
    fn new(credentials: PyRef<'_, PyCredentials>) -> Self {
        Self(
            SharedProvider(Arc::new(StaticProvider::new(credentials.0.clone()))),
            credentials.0.clone(),
        )
    }

    /// For pickling.
    fn __getnewargs_ex__(&self) -> ((PyCredentials,), Kwargs) {
        ((PyCredentials(self.1.clone()),), Kwargs::new())
    }

    /// The credentials.
    fn credentials(&self, py: Python<'_>) -> PyResult<PyCredentials> {
        fetch(py, &self.0)
    }
}

/// Reads ``OSS_ACCESS_KEY_ID``, ``OSS_ACCESS_KEY_SECRET`` and ``OSS_SESSION_TOKEN``
/// (falling back to ``ALIBABA_CLOUD_ACCESS_KEY_ID``, ``ALIBABA_CLOUD_ACCESS_KEY_SECRET``,
/// ``ALIBABA_CLOUD_SECURITY_TOKEN``) at each request.
#[pyclass(frozen, name = "EnvironmentProvider", module = "oss_sse._oss_sse")]
#[derive(Debug)]
pub(crate) struct PyEnvironmentProvider(SharedProvider);

#[pymethods]
impl PyEnvironmentProvider {
    #[new]
    fn new() -> Self {
        Self(SharedProvider(Arc::new(EnvironmentProvider)))
    }

    /// For pickling: the worker reads its own environment.
    fn __getnewargs_ex__(&self) -> ((), Kwargs) {
        ((), Kwargs::new())
    }

    /// Reads the variables now.
    ///
    /// Raises
    /// ------
    /// CredentialsError
    ///     When the id or the secret is not set.
    fn credentials(&self, py: Python<'_>) -> PyResult<PyCredentials> {
        fetch(py, &self.0)
    }
}

/// Temporary credentials of the ECS instance's RAM role, from the instance metadata
/// service; cached and refreshed ``refresh_before`` ahead of expiry.
///
/// Parameters
/// ----------
/// role : str, optional
///     The role name; discovered from the metadata service when omitted.
/// endpoint : str, optional
///     The metadata service (default ``http://100.100.100.200``).
/// refresh_before : float or timedelta, optional
///     Refresh this long before expiry (default 120 s).
#[pyclass(frozen, name = "EcsRamRoleProvider", module = "oss_sse._oss_sse")]
#[derive(Debug)]
pub(crate) struct PyEcsRamRoleProvider(PerProcess<SharedProvider>, EcsArgs);

/// What an `EcsRamRoleProvider` was made with (for pickling, and for a forked child, which
/// needs its own metadata connections).
#[derive(Debug, Clone)]
struct EcsArgs {
    role: Option<String>,
    endpoint: Option<String>,
    refresh_before: Option<f64>,
}

impl EcsArgs {
    fn build(&self) -> SharedProvider {
        // The metadata client is built inside the runtime (hyper's pool may need it).
        let _guard = runtime().enter();
        let mut p = match self.endpoint.clone() {
            Some(e) => EcsRamRoleProvider::with_endpoint(e),
            None => EcsRamRoleProvider::new(),
        };
        if let Some(r) = self.role.clone() {
            p = p.with_role(r);
        }
        if let Some(d) = self
            .refresh_before
            .and_then(|f| std::time::Duration::try_from_secs_f64(f).ok())
        {
            p = p.with_refresh_before(d);
        }
        SharedProvider(Arc::new(p))
    }
}

impl PyEcsRamRoleProvider {
    /// This process's provider.
    fn shared(&self) -> &SharedProvider {
        self.0.get(|| self.1.build())
    }
}

#[pymethods]
impl PyEcsRamRoleProvider {
    #[new]
    #[pyo3(signature = (role=None, *, endpoint=None, refresh_before=None))]
    fn new(
        role: Option<String>,
        endpoint: Option<String>,
        refresh_before: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let refresh = refresh_before
            .filter(|d| !d.is_none())
            .map(|d| match d.extract::<String>() {
                // Pickled as text.
                Ok(s) => s
                    .parse::<f64>()
                    .ok()
                    .and_then(|f| std::time::Duration::try_from_secs_f64(f).ok())
                    .ok_or_else(|| {
                        crate::errors::client_error("refresh_before", "not a number of seconds")
                    }),
                Err(_) => conv::duration(d, "refresh_before"),
            })
            .transpose()?;
        let args = EcsArgs {
            role,
            endpoint,
            refresh_before: refresh.map(|d| d.as_secs_f64()),
        };
        Ok(Self(PerProcess::with(args.build()), args))
    }

    /// For pickling: the worker asks its own metadata service.
    fn __getnewargs_ex__(
        &self,
    ) -> (
        (Option<String>,),
        std::collections::BTreeMap<String, Option<String>>,
    ) {
        let mut kw = std::collections::BTreeMap::new();
        kw.insert("endpoint".to_owned(), self.1.endpoint.clone());
        kw.insert(
            "refresh_before".to_owned(),
            self.1.refresh_before.map(|f| f.to_string()),
        );
        ((self.1.role.clone(),), kw)
    }

    /// Current credentials (from the cache, or fetched from the metadata service).
    ///
    /// Raises
    /// ------
    /// CredentialsError
    ///     When the metadata service cannot be reached or answers an error.
    fn credentials(&self, py: Python<'_>) -> PyResult<PyCredentials> {
        fetch(py, self.shared())
    }
}

/// Tries each provider in turn; the first that answers wins.
///
/// Parameters
/// ----------
/// providers : sequence
///     ``Credentials`` or provider objects, tried in order.
#[pyclass(frozen, name = "ChainProvider", module = "oss_sse._oss_sse")]
#[derive(Debug)]
pub(crate) struct PyChainProvider(PerProcess<SharedProvider>, Vec<Py<PyAny>>);

#[pymethods]
impl PyChainProvider {
    #[new]
    fn new(providers: &Bound<'_, PyAny>) -> PyResult<Self> {
        let kept = providers
            .try_iter()?
            .map(|p| p.map(Bound::unbind))
            .collect::<PyResult<Vec<_>>>()?;
        let chain = chain(providers.py(), &kept)?;
        Ok(Self(PerProcess::with(chain), kept))
    }

    /// For pickling: the providers, each pickled as itself.
    fn __getnewargs_ex__(&self, py: Python<'_>) -> ((Vec<Py<PyAny>>,), Kwargs) {
        (
            (self.1.iter().map(|p| p.clone_ref(py)).collect(),),
            Kwargs::new(),
        )
    }

    /// Credentials from the first provider that has them.
    ///
    /// Raises
    /// ------
    /// CredentialsError
    ///     When every provider failed (the message lists why).
    fn credentials(&self, py: Python<'_>) -> PyResult<PyCredentials> {
        fetch(py, self.shared())
    }
}

fn chain(py: Python<'_>, providers: &[Py<PyAny>]) -> PyResult<SharedProvider> {
    let mut chain = ChainProvider::new();
    for p in providers {
        chain = chain.with(provider(p.bind(py))?);
    }
    Ok(SharedProvider(Arc::new(chain)))
}

impl PyChainProvider {
    /// This process's chain (in a forked child, rebuilt from its providers' own).
    fn shared(&self) -> &SharedProvider {
        self.0.get_pausing_with(
            || {
                Python::attach(|py| chain(py, &self.1))
                    .expect("a chain rebuilds from the providers that built it")
            },
            crate::fork::pause_without_gil,
        )
    }
}

/// The provider behind a `credentials=` argument: `Credentials` or any provider object.
pub(crate) fn provider(obj: &Bound<'_, PyAny>) -> PyResult<SharedProvider> {
    if let Ok(c) = obj.cast::<PyCredentials>() {
        return Ok(SharedProvider(Arc::new(StaticProvider::new(
            c.get().0.clone(),
        ))));
    }
    if let Ok(p) = obj.cast::<PyStaticProvider>() {
        return Ok(p.get().0.clone());
    }
    if let Ok(p) = obj.cast::<PyEnvironmentProvider>() {
        return Ok(p.get().0.clone());
    }
    if let Ok(p) = obj.cast::<PyEcsRamRoleProvider>() {
        return Ok(p.get().shared().clone());
    }
    if let Ok(p) = obj.cast::<PyChainProvider>() {
        return Ok(p.get().shared().clone());
    }
    if obj.hasattr("get_credentials")? {
        return Ok(SharedProvider(Arc::new(PyObjectProvider::new(
            obj.clone().unbind(),
        ))));
    }
    Err(pyo3::exceptions::PyTypeError::new_err(format!(
        "credentials must be Credentials, StaticProvider, EnvironmentProvider, \
         EcsRamRoleProvider, ChainProvider or an object with get_credentials(), not {}",
        obj.get_type().name()?
    )))
}

/// A provider written in Python: any object whose `get_credentials()` returns
/// `Credentials`, or `(Credentials, expires)` with `expires` a datetime or Unix seconds
/// (cached until 2 minutes before), sync or `async def` (an awaitable is run to completion on
/// a private event loop in a worker thread). Calls are single-flight: requests that arrive
/// while one call is in progress wait for it and share its answer.
#[derive(Debug)]
struct PyObjectProvider {
    obj: Py<PyAny>,
    state: tokio::sync::Mutex<Cached>,
    /// Calls completed, so a waiter knows whether the answer it finds came after it arrived.
    completions: std::sync::atomic::AtomicU64,
}

#[derive(Debug, Default)]
struct Cached {
    creds: Option<Credentials>,
    /// Reusable until then (`None`: only by the requests that waited for this call).
    until: Option<std::time::SystemTime>,
    /// Which completion produced it.
    completion: u64,
}

/// How long before an expiry a Python provider is asked again.
const PY_REFRESH_BEFORE: std::time::Duration = std::time::Duration::from_secs(120);

impl PyObjectProvider {
    fn new(obj: Py<PyAny>) -> Self {
        Self {
            obj,
            state: tokio::sync::Mutex::new(Cached::default()),
            completions: std::sync::atomic::AtomicU64::new(0),
        }
    }
}

/// Calls `obj.get_credentials()` (running an awaitable to completion) and reads its answer.
fn call_python(
    obj: &Py<PyAny>,
) -> Result<(Credentials, Option<std::time::SystemTime>), CredentialsError> {
    Python::attach(|py| {
        let fail = |e: PyErr| {
            CredentialsError::new("the Python credentials provider failed")
                .with_source(e.to_string())
        };
        let mut out = obj.call_method0(py, "get_credentials").map_err(fail)?;
        let inspect = py.import("inspect").map_err(fail)?;
        if inspect
            .call_method1("isawaitable", (out.bind(py),))
            .and_then(|b| b.is_truthy())
            .map_err(fail)?
        {
            out = py
                .import("asyncio")
                .and_then(|a| a.call_method1("run", (out.bind(py),)))
                .map_err(fail)?
                .unbind();
        }
        let out = out.bind(py);
        let (creds, expires) = match out.extract::<(PyRef<'_, PyCredentials>, Bound<'_, PyAny>)>() {
            Ok((c, e)) => (c.0.clone(), Some(e)),
            Err(_) => match out.cast::<PyCredentials>() {
                Ok(c) => (c.get().0.clone(), None),
                Err(_) => {
                    return Err(CredentialsError::new(format!(
                        "get_credentials() returned {}, not Credentials or (Credentials, expires)",
                        out.get_type()
                            .name()
                            .map(|n| n.to_string())
                            .unwrap_or_default()
                    )));
                }
            },
        };
        let until = match expires {
            Some(e) if !e.is_none() => Some(
                conv::time(&e, "expires")
                    .map_err(fail)?
                    .checked_sub(PY_REFRESH_BEFORE)
                    .unwrap_or(std::time::UNIX_EPOCH),
            ),
            _ => None,
        };
        Ok((creds, until))
    })
}

impl CredentialsProvider for PyObjectProvider {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        use std::sync::atomic::Ordering;
        Box::pin(async move {
            let arrived = self.completions.load(Ordering::SeqCst);
            let mut st = self.state.lock().await;
            if let Some(c) = &st.creds {
                let fresh = st.until.is_some_and(|u| std::time::SystemTime::now() < u);
                // A call completed while this request waited for the lock: share its answer.
                let shared = st.completion > arrived;
                if fresh || shared {
                    return Ok(c.clone());
                }
            }
            let obj = Python::attach(|py| self.obj.clone_ref(py));
            let (creds, until) = tokio::task::spawn_blocking(move || call_python(&obj))
                .await
                .map_err(|e| {
                    CredentialsError::new(format!("the Python provider stopped: {e}"))
                })??;
            let completion = self.completions.fetch_add(1, Ordering::SeqCst) + 1;
            *st = Cached {
                creds: Some(creds.clone()),
                until,
                completion,
            };
            Ok(creds)
        })
    }
}
