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
}

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
pub(crate) struct PyStaticProvider(SharedProvider);

#[pymethods]
impl PyStaticProvider {
    #[new]
    fn new(credentials: PyRef<'_, PyCredentials>) -> Self {
        Self(SharedProvider(Arc::new(StaticProvider::new(
            credentials.0.clone(),
        ))))
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
pub(crate) struct PyEcsRamRoleProvider(SharedProvider);

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
            .map(|d| conv::duration(d, "refresh_before"))
            .transpose()?;
        // The metadata client is built inside the runtime (hyper's pool may need it).
        let _guard = runtime().enter();
        let mut p = match endpoint {
            Some(e) => EcsRamRoleProvider::with_endpoint(e),
            None => EcsRamRoleProvider::new(),
        };
        if let Some(r) = role {
            p = p.with_role(r);
        }
        if let Some(d) = refresh {
            p = p.with_refresh_before(d);
        }
        Ok(Self(SharedProvider(Arc::new(p))))
    }

    /// Current credentials (from the cache, or fetched from the metadata service).
    ///
    /// Raises
    /// ------
    /// CredentialsError
    ///     When the metadata service cannot be reached or answers an error.
    fn credentials(&self, py: Python<'_>) -> PyResult<PyCredentials> {
        fetch(py, &self.0)
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
pub(crate) struct PyChainProvider(SharedProvider);

#[pymethods]
impl PyChainProvider {
    #[new]
    fn new(providers: &Bound<'_, PyAny>) -> PyResult<Self> {
        let mut chain = ChainProvider::new();
        for p in providers.try_iter()? {
            chain = chain.with(provider(&p?)?);
        }
        Ok(Self(SharedProvider(Arc::new(chain))))
    }

    /// Credentials from the first provider that has them.
    ///
    /// Raises
    /// ------
    /// CredentialsError
    ///     When every provider failed (the message lists why).
    fn credentials(&self, py: Python<'_>) -> PyResult<PyCredentials> {
        fetch(py, &self.0)
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
        return Ok(p.get().0.clone());
    }
    if let Ok(p) = obj.cast::<PyChainProvider>() {
        return Ok(p.get().0.clone());
    }
    Err(pyo3::exceptions::PyTypeError::new_err(format!(
        "credentials must be Credentials, StaticProvider, EnvironmentProvider, \
         EcsRamRoleProvider or ChainProvider, not {}",
        obj.get_type().name()?
    )))
}
