//! The one process-wide multi-thread tokio runtime (shared with pyo3-async-runtimes), and
//! the helpers that run a future from a blocking method or hand it to asyncio.

use std::future::Future;
use std::time::Duration;

use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;

/// The shared runtime: the one `pyo3_async_runtimes` drives asyncio futures on.
pub(crate) fn runtime() -> &'static tokio::runtime::Runtime {
    pyo3_async_runtimes::tokio::get_runtime()
}

/// How often a blocking call checks for signals (Ctrl-C) while it waits.
const SIGNAL_CHECK: Duration = Duration::from_millis(100);

/// Runs `fut` to completion with the GIL released (the arguments are already owned Rust
/// values), then converts its output while attached again.
///
/// `block_on` drives the future on the calling thread, so every `SIGNAL_CHECK` it briefly
/// re-attaches to run Python's signal handlers: Ctrl-C raises `KeyboardInterrupt` and
/// drops (cancels) the request instead of waiting for it.
pub(crate) fn block_on<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send,
    T: for<'a> IntoPyObject<'a> + Send,
{
    let out = py.detach(|| {
        runtime().block_on(async {
            tokio::pin!(fut);
            let mut tick = tokio::time::interval(SIGNAL_CHECK);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    out = &mut fut => break out,
                    _ = tick.tick() => Python::attach(|py| py.check_signals())?,
                }
            }
        })
    })?;
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
