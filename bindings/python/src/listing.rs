//! Listings as Python iterators: `Client.list_objects_v2(...)` is an iterator of
//! `ObjectSummary`, `AsyncClient.list_objects_v2(...)` an async iterator, and `.pages()` on
//! either gives the pages instead. Same for `list_multipart_uploads`.
//!
//! A listing is `oss_sse_hyper::Client::pages` (the Rust stream, which owns every protocol
//! rule: paginating, decoding, refusing a repeated marker) driven by a task on the shared
//! runtime. The task sends each page, converted to Python-ready values, through a channel
//! of one: the next page is fetched while Python works through the current one, and at most
//! two pages are held however large the bucket. Dropping the iterator stops the task.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use oss_sse_core::ops::{self, Paginate};
use oss_sse_hyper::{Client, Error};
use pyo3::IntoPyObjectExt;
use pyo3::exceptions::{PyStopAsyncIteration, PyStopIteration};
use pyo3::prelude::*;
use tokio::sync::mpsc;

use crate::errors::{core_err, to_pyerr};
use crate::runtime::{runtime, spawn, wait};
use crate::types::ToPy;

/// One page, ready to become Python objects on a thread that holds the GIL: the page's
/// items (objects or uploads), or the page itself (`pages()`).
pub(crate) struct Batch {
    /// How many Python objects `convert` makes.
    len: usize,
    convert: Convert,
}

impl Batch {
    /// Items to be converted on the interpreter's thread.
    pub(crate) fn of<T>(items: Vec<T>) -> Self
    where
        T: for<'py> IntoPyObject<'py> + Send + 'static,
    {
        Self {
            len: items.len(),
            convert: Box::new(move |py| items.into_iter().map(|i| i.into_py_any(py)).collect()),
        }
    }
}

/// Makes a page's Python objects (attached).
type Convert = Box<dyn FnOnce(Python<'_>) -> PyResult<Vec<Py<PyAny>>> + Send>;

/// What a listing yields: the listing's items, or its pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Yield {
    Items,
    Pages,
}

/// A listing operation the binding can iterate: how to take a page's items.
pub(crate) trait Listing: Paginate + Clone + PartialEq + Send + Sync + 'static
where
    Self::Output: ToPy + Clone,
{
    /// One item of a page, as Python sees it.
    type Item: for<'py> IntoPyObject<'py> + Send + 'static;
    /// Takes the items out of a page.
    fn items(page: Self::Output) -> Vec<Self::Item>;
}

impl Listing for ops::ListObjectsV2 {
    type Item = crate::types::ObjectSummary;
    fn items(page: ops::ListObjectsV2Output) -> Vec<Self::Item> {
        page.contents
            .into_iter()
            .map(crate::types::object_summary)
            .collect()
    }
}

impl Listing for ops::ListMultipartUploads {
    type Item = crate::types::MultipartUpload;
    fn items(page: ops::ListMultipartUploadsOutput) -> Vec<Self::Item> {
        page.uploads
            .into_iter()
            .map(crate::types::multipart_upload)
            .collect()
    }
}

fn batch<O: Listing>(page: O::Output, what: Yield) -> Batch
where
    O::Output: ToPy + Clone,
{
    match what {
        Yield::Items => Batch::of(O::items(page)),
        Yield::Pages => Batch {
            len: 1,
            convert: Box::new(move |py| Ok(vec![page.to_py().into_py_any(py)?])),
        },
    }
}

/// Starts a listing: a task pushing converted pages into a channel of one.
pub(crate) type Start = Arc<dyn Fn(Yield) -> Feed + Send + Sync>;

/// The receiving end of a running listing; dropping it stops the task.
pub(crate) struct Feed {
    rx: mpsc::Receiver<Result<Batch, Error>>,
    /// Looked at when the channel closes: a task that panicked or was cancelled did not
    /// finish the listing. `None` once looked at.
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Feed {
    fn drop(&mut self) {
        if let Some(t) = &self.task {
            t.abort();
        }
    }
}

/// Runs `stream` on the shared runtime, sending its batches through a channel of one.
pub(crate) fn feed<S>(stream: S) -> Feed
where
    S: futures_util::Stream<Item = Result<Batch, Error>> + Send + 'static,
{
    let (tx, rx) = mpsc::channel(1);
    // The task lives on the multi-thread runtime; its connections come from the pool of the
    // client the stream was made with.
    let _guard = runtime().enter();
    let task = runtime().spawn(async move {
        let mut stream = std::pin::pin!(stream);
        while let Some(b) = stream.next().await {
            let failed = b.is_err();
            if tx.send(b).await.is_err() || failed {
                break;
            }
        }
    });
    Feed {
        rx,
        task: Some(task),
    }
}

/// Checks the first request (bad input raises before anything is sent) and returns how to
/// start the listing.
pub(crate) fn start<O: Listing>(client: Client, first: O) -> PyResult<Start>
where
    O::Output: ToPy + Clone + Send + 'static,
{
    use futures_util::TryStreamExt;
    first.to_request(client.config()).map_err(core_err)?;
    Ok(Arc::new(move |what| {
        feed(
            client
                .pages(first.clone())
                .map_ok(move |p| batch::<O>(p, what)),
        )
    }))
}

/// The state an iterator and its in-flight fetches share.
pub(crate) struct State {
    /// Converted items not yet handed out.
    ready: VecDeque<Py<PyAny>>,
    /// `None` once the listing has ended (or failed).
    feed: Option<Arc<tokio::sync::Mutex<Feed>>>,
    /// The process whose runtime runs the feed's task.
    pid: u32,
}

impl State {
    pub(crate) fn new(feed: Feed) -> Self {
        Self {
            ready: VecDeque::new(),
            feed: Some(Arc::new(tokio::sync::Mutex::new(feed))),
            pid: std::process::id(),
        }
    }

    /// The feed to wait on for more items, `Ok(None)` at the end; an error in a child
    /// process, where the feed's task (on the parent's runtime) does not run.
    fn feed(&self) -> PyResult<Option<Arc<tokio::sync::Mutex<Feed>>>> {
        if self.feed.is_some() && self.pid != std::process::id() {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "this listing was started in another process (before fork()): start it \
                 again in this process",
            ));
        }
        Ok(self.feed.clone())
    }
}

impl Drop for State {
    fn drop(&mut self) {
        if self.pid != std::process::id() {
            // Dropping the feed would abort its task on the parent's runtime.
            std::mem::forget(self.feed.take());
        }
    }
}

fn lock(m: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The next page from `feed`: `Ok(None)` at the end. A channel closed by a task that
/// panicked or was cancelled is an error, never the end: a listing cut short must not look
/// complete (an audit would skip the objects it never saw).
async fn next_batch(feed: Arc<tokio::sync::Mutex<Feed>>) -> Result<Option<Batch>, Error> {
    let mut feed = feed.lock().await;
    if let Some(b) = feed.rx.recv().await {
        return b.map(Some);
    }
    let Some(task) = feed.task.take() else {
        return Ok(None);
    };
    match task.await {
        Ok(()) => Ok(None),
        Err(e) => {
            let why = if e.is_panic() {
                let msg = crate::runtime::panic_message(&*e.into_panic());
                format!("the listing stopped before its end: {msg}")
            } else {
                "the listing stopped before its end: its task was cancelled".to_owned()
            };
            Err(Error::Transport(oss_sse_hyper::TransportError::new(
                oss_sse_hyper::TransportErrorKind::Other,
                why,
            )))
        }
    }
}

/// A listing as a Python iterator (``for o in client.list_objects_v2("bucket")``).
///
/// Items come a page at a time; the next page is fetched while the current one is being
/// consumed. ``pages()`` iterates the pages instead (with their common prefixes), from the
/// first page. Errors are raised by the ``next()`` call that reaches them.
#[pyclass(name = "ListIterator", module = "oss_sse._oss_sse")]
pub(crate) struct PyListIterator {
    start: Start,
    state: Arc<Mutex<State>>,
}

impl PyListIterator {
    pub(crate) fn new(start: Start, what: Yield) -> Self {
        let feed = start(what);
        Self {
            start,
            state: Arc::new(Mutex::new(State::new(feed))),
        }
    }
}

#[pymethods]
impl PyListIterator {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        next_blocking(&self.state, py)
    }

    /// The pages of the listing (``ListObjectsV2Output`` / ``ListMultipartUploadsOutput``),
    /// from the first, as a new iterator.
    fn pages(&self) -> Self {
        Self::new(self.start.clone(), Yield::Pages)
    }

    fn __repr__(&self) -> &'static str {
        "<oss_sse.ListIterator>"
    }
}

/// A listing as an asyncio async iterator (``async for o in client.list_objects_v2(...)``).
///
/// Items come a page at a time; the next page is fetched while the current one is being
/// consumed. ``pages()`` iterates the pages instead, from the first page.
#[pyclass(name = "AsyncListIterator", module = "oss_sse._oss_sse")]
pub(crate) struct PyAsyncListIterator {
    start: Start,
    state: Arc<Mutex<State>>,
}

impl PyAsyncListIterator {
    pub(crate) fn new(start: Start, what: Yield) -> Self {
        let feed = start(what);
        Self {
            start,
            state: Arc::new(Mutex::new(State::new(feed))),
        }
    }
}

/// The next item once a page has arrived: converted on the event loop's thread, where the
/// rest of the page is queued for the following `__anext__` calls.
struct NextItem {
    state: Arc<Mutex<State>>,
    batch: Option<Batch>,
}

impl<'py> IntoPyObject<'py> for NextItem {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let Some(batch) = self.batch else {
            return Err(PyStopAsyncIteration::new_err(()));
        };
        let mut st = lock(&self.state);
        st.ready.extend((batch.convert)(py)?);
        match st.ready.pop_front() {
            Some(item) => Ok(item.into_bound(py)),
            None => Err(PyStopAsyncIteration::new_err(())),
        }
    }
}

#[pymethods]
impl PyAsyncListIterator {
    fn __aiter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        next_awaitable(&self.state, py)
    }

    /// The pages of the listing, from the first, as a new async iterator.
    fn pages(&self) -> Self {
        Self::new(self.start.clone(), Yield::Pages)
    }

    fn __repr__(&self) -> &'static str {
        "<oss_sse.AsyncListIterator>"
    }
}

/// The next item of a feed, waiting (GIL released) for its next batch when needed.
pub(crate) fn next_blocking(state: &Arc<Mutex<State>>, py: Python<'_>) -> PyResult<Py<PyAny>> {
    loop {
        let feed = {
            let mut st = lock(state);
            if let Some(item) = st.ready.pop_front() {
                return Ok(item);
            }
            match st.feed()? {
                Some(f) => f,
                None => return Err(PyStopIteration::new_err(())),
            }
        };
        let fetched = wait(py, async move { Ok(next_batch(feed).await) })?;
        let mut st = lock(state);
        match fetched {
            Ok(Some(b)) => st.ready.extend((b.convert)(py)?),
            Ok(None) => {
                st.feed = None;
            }
            Err(e) => {
                st.feed = None;
                return Err(to_pyerr(e));
            }
        }
    }
}

/// An awaitable of the next item of a feed: already done when an item is at hand.
pub(crate) fn next_awaitable<'py>(
    state: &Arc<Mutex<State>>,
    py: Python<'py>,
) -> PyResult<Bound<'py, PyAny>> {
    let feed = {
        let mut st = lock(state);
        if let Some(item) = st.ready.pop_front() {
            return Ok(Bound::new(py, Ready(Mutex::new(Some(item))))?.into_any());
        }
        match st.feed()? {
            Some(f) => f,
            None => return Err(PyStopAsyncIteration::new_err(())),
        }
    };
    let state = state.clone();
    spawn(py, async move {
        // Pages without items (only common prefixes) are skipped here, off the loop.
        loop {
            match next_batch(feed.clone()).await {
                Ok(Some(b)) if b.len == 0 => {}
                Ok(Some(b)) => {
                    return Ok(NextItem {
                        state,
                        batch: Some(b),
                    });
                }
                Ok(None) => {
                    lock(&state).feed = None;
                    return Ok(NextItem { state, batch: None });
                }
                Err(e) => {
                    lock(&state).feed = None;
                    return Err(to_pyerr(e));
                }
            }
        }
    })
}

/// An awaitable that is already done: what `__anext__` returns for an item at hand (no
/// event-loop round trip).
#[pyclass(module = "oss_sse._oss_sse")]
struct Ready(Mutex<Option<Py<PyAny>>>);

#[pymethods]
impl Ready {
    fn __await__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }
    fn __next__(&self) -> PyResult<()> {
        let v = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        Err(PyStopIteration::new_err((v,)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn next(feed: &Arc<tokio::sync::Mutex<Feed>>) -> Result<Option<usize>, Error> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(next_batch(feed.clone()))
            .map(|b| b.map(|b| b.len))
    }

    #[test]
    fn a_listing_task_that_dies_is_an_error_not_the_end() {
        let pages = futures_util::stream::iter([Ok(Batch::of(vec![1i64, 2]))]).chain(
            futures_util::stream::once(async { panic!("a bug in the listing task") }),
        );
        let feed = Arc::new(tokio::sync::Mutex::new(feed(pages)));
        assert_eq!(next(&feed).unwrap(), Some(2));
        let end = next(&feed);
        assert!(
            end.is_err(),
            "a listing cut short by a panic ended as complete: {end:?}"
        );
        let msg = end.unwrap_err().to_string();
        assert!(msg.contains("a bug in the listing task"), "{msg}");
    }

    #[test]
    fn a_listing_that_ends_ends() {
        let pages = futures_util::stream::iter([
            Ok(Batch::of(vec![1i64])),
            Ok(Batch::of(Vec::<i64>::new())),
        ]);
        let feed = Arc::new(tokio::sync::Mutex::new(feed(pages)));
        assert_eq!(next(&feed).unwrap(), Some(1));
        assert_eq!(next(&feed).unwrap(), Some(0));
        assert_eq!(next(&feed).unwrap(), None);
        assert_eq!(next(&feed).unwrap(), None);
    }
}
