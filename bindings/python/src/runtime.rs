//! The one process-wide multi-thread tokio runtime (shared with pyo3-async-runtimes), and
//! the helpers that run a future from a blocking method or hand it to asyncio.

use std::future::Future;

use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;

/// The shared runtime: the one `pyo3_async_runtimes` drives asyncio futures on.
pub(crate) fn runtime() -> &'static tokio::runtime::Runtime {
    pyo3_async_runtimes::tokio::get_runtime()
}

/// Runs `fut` to completion with the GIL released (the arguments are already owned Rust
/// values), then converts its output while attached again.
pub(crate) fn block_on<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send,
    T: for<'a> IntoPyObject<'a> + Send,
{
    let out = py.detach(|| runtime().block_on(fut))?;
    out.into_bound_py_any(py)
}

/// Returns an asyncio awaitable that runs `fut` on the shared runtime.
pub(crate) fn spawn<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    pyo3_async_runtimes::tokio::future_into_py(py, fut)
}
