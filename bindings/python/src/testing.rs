//! The in-process OSS emulator behind `oss_sse.testing.LocalOSS`.

use std::sync::Mutex;

use oss_sse_core::Credentials;
use oss_sse_emulator::{Emulator, EmulatorHandle};
use pyo3::prelude::*;

use crate::credentials::PyCredentials;
use crate::runtime::runtime;

/// A running local OSS (the ``oss-sse-emulator`` crate) serving on a loopback port of this process.
/// It verifies V1/V4 signatures, keeps bucket encryption rules and encrypts objects at
/// rest. Use ``oss_sse.testing.LocalOSS`` rather than this class directly.
#[pyclass(frozen, name = "Emulator", module = "oss_sse._oss_sse")]
#[derive(Debug)]
pub(crate) struct PyEmulator {
    handle: Mutex<Option<EmulatorHandle>>,
    endpoint: String,
    region: String,
    credentials: Credentials,
}

#[pymethods]
impl PyEmulator {
    /// Starts an emulator on a free loopback port.
    ///
    /// Parameters
    /// ----------
    /// region : str, optional
    ///     The region signatures must be scoped to (default ``"cn-hangzhou"``).
    /// credentials : Credentials or iterable of Credentials, optional
    ///     The accepted keys (default: the development keys); the first is reported by
    ///     ``credentials``. Several keys let a test rotate between them.
    /// kms_keys : iterable of str
    ///     Emulated KMS CMK ids that uploads may name.
    /// data_dir : str, optional
    ///     Persist buckets and objects there (default: in memory).
    #[staticmethod]
    #[pyo3(signature = (*, region=None, credentials=None, kms_keys=Vec::new(), data_dir=None))]
    #[pyo3(text_signature = "(*, region=None, credentials=None, kms_keys=(), data_dir=None)")]
    fn start(
        py: Python<'_>,
        region: Option<String>,
        credentials: Option<Bound<'_, PyAny>>,
        kms_keys: Vec<String>,
        data_dir: Option<std::path::PathBuf>,
    ) -> PyResult<Self> {
        let mut b = Emulator::builder();
        if let Some(r) = region {
            b = b.region(r);
        }
        if let Some(c) = credentials {
            if let Ok(one) = c.cast::<PyCredentials>() {
                b = b.credentials(one.borrow().0.clone());
            } else {
                let mut any = false;
                for item in c.try_iter().map_err(|_| {
                    pyo3::exceptions::PyTypeError::new_err(
                        "credentials must be Credentials or an iterable of Credentials",
                    )
                })? {
                    let item = item?;
                    let one = item.cast::<PyCredentials>().map_err(|_| {
                        pyo3::exceptions::PyTypeError::new_err(format!(
                            "credentials must hold Credentials, not {}",
                            item.get_type()
                                .name()
                                .map(|n| n.to_string())
                                .unwrap_or_default()
                        ))
                    })?;
                    b = b.credentials(one.borrow().0.clone());
                    any = true;
                }
                if !any {
                    return Err(pyo3::exceptions::PyValueError::new_err(
                        "credentials is empty: give at least one key",
                    ));
                }
            }
        }
        for k in kms_keys {
            b = b.kms_key(k);
        }
        if let Some(d) = data_dir {
            b = b.data_dir(d);
        }
        let handle = py
            .detach(|| runtime().block_on(b.start()))
            .map_err(|e| pyo3::exceptions::PyOSError::new_err(e.to_string()))?;
        Ok(Self {
            endpoint: handle.endpoint(),
            region: handle.region().to_owned(),
            credentials: handle.credentials().clone(),
            handle: Mutex::new(Some(handle)),
        })
    }

    /// ``http://127.0.0.1:PORT``.
    #[getter]
    fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The region.
    #[getter]
    fn region(&self) -> &str {
        &self.region
    }

    /// The accepted credentials.
    #[getter]
    fn credentials(&self) -> PyCredentials {
        PyCredentials(self.credentials.clone())
    }

    /// Whether it is still serving.
    #[getter]
    fn running(&self) -> bool {
        self.handle.lock().map(|h| h.is_some()).unwrap_or(false)
    }

    /// The CMK id used for KMS without a key id.
    fn default_kms_key_id(&self, py: Python<'_>) -> PyResult<String> {
        self.with_handle(py, |h| {
            runtime().block_on(async { h.default_kms_key_id().await })
        })
    }

    /// Number of objects stored (all buckets).
    fn object_count(&self, py: Python<'_>) -> PyResult<usize> {
        self.with_handle(py, |h| runtime().block_on(async { h.object_count().await }))
    }

    /// Number of multipart uploads in progress (all buckets).
    fn open_uploads(&self, py: Python<'_>) -> PyResult<usize> {
        self.with_handle(py, |h| runtime().block_on(async { h.open_uploads().await }))
    }

    /// Stops serving and closes connections (idempotent).
    fn shutdown(&self, py: Python<'_>) {
        let handle = self.handle.lock().ok().and_then(|mut h| h.take());
        if let Some(h) = handle {
            py.detach(|| runtime().block_on(h.shutdown()));
        }
    }

    /// Endpoint and region.
    fn __repr__(&self) -> String {
        format!(
            "Emulator(endpoint={}, region={}, running={})",
            crate::conv::repr(&self.endpoint),
            crate::conv::repr(&self.region),
            self.running()
        )
    }
}

impl PyEmulator {
    fn with_handle<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&EmulatorHandle) -> T + Send,
    ) -> PyResult<T> {
        let guard = self
            .handle
            .lock()
            .map_err(|_| pyo3::exceptions::PyRuntimeError::new_err("emulator lock poisoned"))?;
        let h = guard.as_ref().ok_or_else(|| {
            pyo3::exceptions::PyRuntimeError::new_err("the emulator was shut down")
        })?;
        Ok(py.detach(|| f(h)))
    }
}
