//! Where the binding's futures run, and how their results reach Python.
//!
//! * Blocking methods ([`block_on`]) run on one process-wide current-thread runtime, driven
//!   by the calling thread with the GIL released: the request, its connection and its
//!   timers all make progress on that thread, so a call costs no thread hand-offs (a
//!   multi-thread runtime costs two wake-ups and context switches per call, which on this
//!   class of machine is most of a small request's time). Several Python threads may block
//!   at once; tokio lets whichever holds the runtime drive the others' I/O.
//! * Asyncio methods ([`spawn`]) and transfers run on a multi-thread runtime. A finished future does not take the GIL on the tokio thread: it
//!   queues its output and, when the queue was empty, writes one byte to a socket the event
//!   loop watches. The loop thread then converts every queued output and resolves the
//!   asyncio futures in one batch. Under load many completions share one wake-up, and the
//!   tokio workers never wait for the GIL.
//!
//! Both runtimes are per process ([`PerProcess`]): a child after `fork()` gets its own and
//! never touches the parent's threads, epoll instance or timers.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use crate::fork::PerProcess;

/// This process's multi-thread runtime (asyncio methods, transfers, the emulator).
pub(crate) fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: PerProcess<tokio::runtime::Runtime> = PerProcess::new();
    RT.get(|| {
        tokio::runtime::Builder::new_multi_thread()
            .thread_name("oss-sse")
            .enable_all()
            .build()
            .expect("a multi-thread tokio runtime builds")
    })
}

/// This process's runtime that blocking calls drive on their own thread.
fn blocking_runtime() -> &'static tokio::runtime::Runtime {
    static RT: PerProcess<tokio::runtime::Runtime> = PerProcess::new();
    RT.get(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread tokio runtime builds")
    })
}

/// How often a blocking call checks for signals (Ctrl-C) while it waits.
const SIGNAL_CHECK: Duration = Duration::from_millis(100);

/// Runs `fut` to completion with the GIL released (the arguments are already owned Rust
/// values), then converts its output while attached again.
///
/// Every `SIGNAL_CHECK` the wait briefly re-attaches to run Python's signal handlers:
/// Ctrl-C raises `KeyboardInterrupt` and drops (cancels) the request instead of waiting.
pub(crate) fn block_on<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send,
    T: for<'a> IntoPyObject<'a> + Send,
{
    block_on_in(blocking_runtime(), py, fut)
}

/// [`block_on`] for work that should spread over every core (file transfers): the future
/// runs on the multi-thread runtime while the calling thread waits, GIL released.
pub(crate) fn block_on_parallel<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let task = runtime().spawn(fut);
    // Dropping a join handle does not stop its task: on Ctrl-C (the wait below is dropped)
    // this guard aborts the transfer itself.
    let guard = AbortOnDrop(task.abort_handle());
    let joined = async move {
        let _guard = guard;
        match task.await {
            Ok(out) => out,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => Err(pyo3::exceptions::PyRuntimeError::new_err(
                "the transfer was cancelled",
            )),
        }
    };
    block_on_in(runtime(), py, joined)
}

/// Aborts a task when dropped (a no-op once it has finished).
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn block_on_in<'py, F, T>(
    rt: &tokio::runtime::Runtime,
    py: Python<'py>,
    fut: F,
) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send,
    T: for<'a> IntoPyObject<'a> + Send,
{
    wait_in(rt, py, fut)?.into_bound_py_any(py)
}

/// [`block_on`] returning the Rust value itself (for callers that convert it their way).
pub(crate) fn wait<F, T>(py: Python<'_>, fut: F) -> PyResult<T>
where
    F: Future<Output = PyResult<T>> + Send,
    T: Send,
{
    wait_in(blocking_runtime(), py, fut)
}

fn wait_in<F, T>(rt: &tokio::runtime::Runtime, py: Python<'_>, fut: F) -> PyResult<T>
where
    F: Future<Output = PyResult<T>> + Send,
    T: Send,
{
    py.detach(|| {
        rt.block_on(async {
            tokio::pin!(fut);
            let start = tokio::time::Instant::now() + SIGNAL_CHECK;
            let mut tick = tokio::time::interval_at(start, SIGNAL_CHECK);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    biased;
                    out = &mut fut => break out,
                    _ = tick.tick() => Python::attach(|py| py.check_signals())?,
                }
            }
        })
    })
}

/// Turns a finished future's output into the Python object that resolves its asyncio
/// future; runs on the event loop's thread, attached.
type Convert = Box<dyn FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send>;

/// One finished operation waiting for the loop thread.
struct Done {
    future: Py<PyAny>,
    convert: Convert,
}

/// What tokio threads and the loop thread share for one event loop.
struct Shared {
    done: Mutex<Vec<Done>>,
    /// Set when a wake-up byte is in flight; cleared by the loop thread (see `Bridge::drain`
    /// for the order).
    armed: AtomicBool,
    waker: Waker,
}

fn push(shared: &Arc<Shared>, done: Done) {
    shared
        .done
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(done);
    if !shared.armed.swap(true, Ordering::AcqRel) {
        #[cfg(unix)]
        shared.waker.wake();
        #[cfg(not(unix))]
        shared.waker.wake(shared);
    }
}

/// Resolves the asyncio future of every queued operation (on the loop thread).
fn drain(py: Python<'_>, shared: &Shared) -> PyResult<()> {
    let batch = std::mem::take(
        &mut *shared
            .done
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    // Every future in the batch is resolved even if one step fails; the first failure is
    // returned afterwards (asyncio logs it as the reader callback's exception).
    let mut first_err = None;
    for Done { future, convert } in batch {
        let future = future.bind(py);
        let resolved = (|| {
            // Cancelled (or otherwise resolved) while it ran: nobody wants the result.
            if future
                .call_method0(pyo3::intern!(py, "done"))?
                .is_truthy()?
            {
                return Ok(());
            }
            match convert(py) {
                Ok(v) => future.call_method1(pyo3::intern!(py, "set_result"), (v,))?,
                Err(e) => {
                    future.call_method1(pyo3::intern!(py, "set_exception"), (e.into_value(py),))?
                }
            };
            Ok::<_, PyErr>(())
        })();
        if let Err(e) = resolved {
            first_err.get_or_insert(e);
        }
    }
    first_err.map_or(Ok(()), Err)
}

/// Wakes the event loop: a byte on a socket it watches (Unix), or `call_soon_threadsafe`
/// (elsewhere; asyncio's Windows loop cannot watch sockets).
#[cfg(unix)]
struct Waker(std::os::unix::net::UnixStream);

#[cfg(unix)]
impl Waker {
    fn wake(&self) {
        use std::io::Write as _;
        // Non-blocking: a full socket already holds a pending wake-up, and a closed loop
        // has nobody left to wake.
        let _ = (&self.0).write(&[1]);
    }
}

#[cfg(not(unix))]
struct Waker(Py<PyAny>);

#[cfg(not(unix))]
impl Waker {
    fn wake(&self, shared: &Arc<Shared>) {
        Python::attach(|py| {
            // A closed loop raises RuntimeError: nothing is waiting any more.
            let drain = DrainLater(shared.clone());
            let _ = self.0.call_method1(py, "call_soon_threadsafe", (drain,));
        });
    }
}

/// The callable `call_soon_threadsafe` runs on the loop thread.
#[cfg(not(unix))]
#[pyclass(module = "oss_sse._oss_sse", frozen)]
struct DrainLater(Arc<Shared>);

#[cfg(not(unix))]
#[pymethods]
impl DrainLater {
    fn __call__(&self, py: Python<'_>) -> PyResult<()> {
        self.0.armed.store(false, Ordering::Release);
        drain(py, &self.0)
    }
}

/// The loop side of [`Shared`]: one per event loop, kept in [`bridges`]; on Unix it owns the
/// read end of the wake-up socket and is the loop's reader for it.
#[pyclass(module = "oss_sse._oss_sse", frozen)]
struct Bridge {
    shared: Arc<Shared>,
    #[cfg(unix)]
    reader: std::os::unix::net::UnixStream,
}

#[pymethods]
impl Bridge {
    /// Empties the wake-up socket and resolves every finished operation (called by the
    /// loop when the socket is readable).
    fn drain(&self, py: Python<'_>) -> PyResult<()> {
        // Order matters. Bytes first, then the flag, then the queue: an operation queued
        // after the flag is cleared writes a byte that stays in the socket for the next
        // call, and one queued before is in the batch taken below. (Clearing the flag
        // first would let this read swallow the byte of an operation that then finds the
        // flag set, and the next one would never wake the loop.)
        #[cfg(unix)]
        {
            use std::io::Read as _;
            let mut buf = [0u8; 64];
            while matches!((&self.reader).read(&mut buf), Ok(n) if n > 0) {}
        }
        self.shared.armed.store(false, Ordering::Release);
        drain(py, &self.shared)
    }
}

/// `weakref.WeakKeyDictionary[loop, Bridge]`: one bridge per event loop, gone with it.
fn bridges(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static BRIDGES: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    BRIDGES
        .get_or_try_init(py, || {
            Ok::<_, PyErr>(
                py.import("weakref")?
                    .getattr("WeakKeyDictionary")?
                    .call0()?
                    .unbind(),
            )
        })
        .map(|d| d.bind(py))
}

/// The bridge for `event_loop`, created and registered with it on first use. Each thread
/// remembers its last loop (weakly) and bridge, so the common case is a pointer compare.
fn bridge_for(py: Python<'_>, event_loop: &Bound<'_, PyAny>) -> PyResult<Arc<Shared>> {
    thread_local! {
        static LAST: std::cell::RefCell<Option<(Py<pyo3::types::PyWeakrefReference>, Arc<Shared>)>> =
            const { std::cell::RefCell::new(None) };
    }
    let hit = LAST.with_borrow(|last| {
        last.as_ref().and_then(|(weak, shared)| {
            weak.bind(py)
                .upgrade()
                .filter(|l| l.is(event_loop))
                .map(|_| shared.clone())
        })
    });
    if let Some(shared) = hit {
        return Ok(shared);
    }
    let shared = lookup_bridge(py, event_loop)?;
    let weak = pyo3::types::PyWeakrefReference::new(event_loop)?.unbind();
    LAST.with_borrow_mut(|last| *last = Some((weak, shared.clone())));
    Ok(shared)
}

fn lookup_bridge(py: Python<'_>, event_loop: &Bound<'_, PyAny>) -> PyResult<Arc<Shared>> {
    let map = bridges(py)?;
    if let Ok(b) = map
        .call_method1(pyo3::intern!(py, "get"), (event_loop,))?
        .cast_into::<Bridge>()
    {
        return Ok(b.get().shared.clone());
    }
    let bridge = new_bridge(py, event_loop)?;
    let shared = bridge.get().shared.clone();
    map.set_item(event_loop, bridge)?;
    Ok(shared)
}

#[cfg(unix)]
fn new_bridge<'py>(
    py: Python<'py>,
    event_loop: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, Bridge>> {
    use std::os::fd::AsRawFd as _;
    let (reader, writer) = std::os::unix::net::UnixStream::pair()?;
    reader.set_nonblocking(true)?;
    writer.set_nonblocking(true)?;
    let fd = reader.as_raw_fd();
    let bridge = Bound::new(
        py,
        Bridge {
            shared: Arc::new(Shared {
                done: Mutex::new(Vec::new()),
                armed: AtomicBool::new(false),
                waker: Waker(writer),
            }),
            reader,
        },
    )?;
    event_loop.call_method1("add_reader", (fd, bridge.getattr("drain")?))?;
    Ok(bridge)
}

#[cfg(not(unix))]
fn new_bridge<'py>(
    py: Python<'py>,
    event_loop: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, Bridge>> {
    Bound::new(
        py,
        Bridge {
            shared: Arc::new(Shared {
                done: Mutex::new(Vec::new()),
                armed: AtomicBool::new(false),
                waker: Waker(event_loop.clone().unbind()),
            }),
        },
    )
}

/// Aborts the tokio task behind an `OperationFuture` (`oss_sse/_aio.py`) when the future
/// is cancelled.
#[pyclass(module = "oss_sse._oss_sse", frozen)]
struct AbortTask(tokio::task::AbortHandle);

#[pymethods]
impl AbortTask {
    fn __call__(&self) {
        self.0.abort();
    }
}

/// `fut`'s result, or a `PanicException` if it panics: the asyncio future it resolves must
/// settle either way, or the coroutine awaiting it would wait forever.
async fn settled<F, T>(fut: F) -> PyResult<T>
where
    F: Future<Output = PyResult<T>>,
{
    use futures_util::FutureExt;
    match std::panic::AssertUnwindSafe(fut).catch_unwind().await {
        Ok(out) => out,
        Err(p) => Err(pyo3::panic::PanicException::new_err(panic_message(&*p))),
    }
}

/// What a panic said, when it said it with a string.
pub(crate) fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_owned())
}

/// Returns an asyncio future that `fut`, running on the shared runtime, resolves.
/// Must be called from a coroutine (with a running event loop).
pub(crate) fn spawn<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    static GET_RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    static OPERATION_FUTURE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let event_loop = GET_RUNNING_LOOP
        .import(py, "asyncio", "get_running_loop")?
        .call0()?;
    let shared = bridge_for(py, &event_loop)?;
    let kwargs = pyo3::types::PyDict::new(py);
    kwargs.set_item(pyo3::intern!(py, "loop"), &event_loop)?;
    let future = OPERATION_FUTURE
        .import(py, "oss_sse._aio", "OperationFuture")?
        .call((), Some(&kwargs))?;
    let handle = future.clone().unbind();
    let task = runtime().spawn(async move {
        let out = settled(fut).await;
        push(
            &shared,
            Done {
                future: handle,
                convert: Box::new(move |py| out.and_then(|v| v.into_py_any(py))),
            },
        );
    });
    future.setattr(
        pyo3::intern!(py, "_oss_abort"),
        AbortTask(task.abort_handle()),
    )?;
    Ok(future)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_operation_settles_with_an_error() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let out: PyResult<u8> = rt.block_on(settled(async { panic!("a bug") }));
        assert!(out.is_err());
        let ok: PyResult<u8> = rt.block_on(settled(async { Ok(7) }));
        assert_eq!(ok.unwrap(), 7);
    }
}
