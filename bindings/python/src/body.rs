//! Streamed downloads: `get_object` answers a `GetObjectResponse` (blocking) or an
//! `AsyncGetObjectResponse` (asyncio) whose `body` reads the object as it arrives.
//!
//! The body wraps the client's [`ByteStream`], which verifies CRC-64 at the end of a
//! full-object read: a mismatch raises `IntegrityError` from the read that reaches the end.
//! A blocking read waits with the GIL released, on the runtime the request was sent from
//! (the connection is driven by that runtime). Reads take a lock, so two threads reading one
//! body get consecutive pieces, never interleaved bytes.
//!
//! A read cancelled halfway (an asyncio task cancelled, Ctrl-C) may have taken bytes off
//! the stream without returning them. The body then refuses further reads rather than
//! return a stream with a hole in it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use futures_util::StreamExt;
use oss_sse_hyper::{ByteStream, GetObjectStream};
use pyo3::exceptions::{PyStopAsyncIteration, PyStopIteration, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::errors::to_pyerr;
use crate::runtime::{spawn, wait};
use crate::types::{ObjectHead, PyServerSideEncryption, ToPy};

/// Bytes per item when a body is iterated without `iter_chunks(size)`.
const DEFAULT_CHUNK: usize = 1 << 20;

/// What the stream has left.
struct Reader {
    /// `None` once the stream ended, failed or was closed.
    stream: Option<ByteStream>,
    /// Received but not yet returned.
    pending: Bytes,
    /// Set while a read runs; still set when one was dropped halfway.
    reading: bool,
    /// Why a read failed: later reads raise instead of reading on past a hole.
    failed: Option<String>,
    closed: bool,
    /// The process that opened the body: its connection lives on that process's runtime.
    pid: u32,
}

impl Drop for Reader {
    fn drop(&mut self) {
        if self.pid != std::process::id() {
            // Opened before fork(): its connection belongs to the parent's runtime, which
            // dropping it here would touch through shared file descriptors.
            std::mem::forget(self.stream.take());
        }
    }
}

/// A body's state, shared by the body object, its chunk iterators and in-flight reads.
struct Body {
    reader: tokio::sync::Mutex<Reader>,
    /// Set when an asyncio read has taken bytes that have not reached Python yet; cleared
    /// as they are handed over. Still set on the next read means that read was cancelled
    /// after taking them: the bytes are lost, so the body refuses further reads.
    undelivered: AtomicBool,
}

type Shared = Arc<Body>;

fn shared(stream: ByteStream) -> Shared {
    Arc::new(Body {
        reader: tokio::sync::Mutex::new(Reader {
            stream: Some(stream),
            pending: Bytes::new(),
            reading: false,
            failed: None,
            closed: false,
            pid: std::process::id(),
        }),
        undelivered: AtomicBool::new(false),
    })
}

const INTERRUPTED: &str = "a read of this body was interrupted: bytes it had taken are lost, \
    so the body cannot be read further (start a new get_object, with range= to resume)";

/// Pieces of one read, turned into one `bytes` object (a single copy) when handed to Python.
pub(crate) struct Chunks {
    parts: Vec<Bytes>,
    len: usize,
}

impl Chunks {
    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn copy_to(&self, out: &mut [u8]) {
        let mut at = 0;
        for p in &self.parts {
            out[at..at + p.len()].copy_from_slice(p);
            at += p.len();
        }
    }
}

impl<'py> IntoPyObject<'py> for Chunks {
    type Target = PyBytes;
    type Output = Bound<'py, PyBytes>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        if let [one] = self.parts.as_slice() {
            return Ok(PyBytes::new(py, one));
        }
        PyBytes::new_with(py, self.len, |buf| {
            self.copy_to(buf);
            Ok(())
        })
    }
}

/// What an asyncio read took, on its way to the event loop's thread. Converting it (which
/// happens only if the read's future was not cancelled meanwhile) marks it delivered.
pub(crate) struct Delivery {
    chunks: Chunks,
    body: Shared,
}

impl<'py> IntoPyObject<'py> for Delivery {
    type Target = PyBytes;
    type Output = Bound<'py, PyBytes>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        self.body.undelivered.store(false, Ordering::Release);
        self.chunks.into_pyobject(py)
    }
}

/// [`take`] for an asyncio read: the bytes count as taken until Python receives them.
async fn take_async(body: Shared, limit: Option<usize>) -> PyResult<Delivery> {
    let chunks = take(body.clone(), limit).await?;
    if !chunks.is_empty() {
        body.undelivered.store(true, Ordering::Release);
    }
    Ok(Delivery { chunks, body })
}

/// One item of an async iteration: a chunk, or the end.
pub(crate) struct NextChunk(Delivery);

impl<'py> IntoPyObject<'py> for NextChunk {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        if self.0.chunks.is_empty() {
            return Err(PyStopAsyncIteration::new_err(()));
        }
        Ok(self.0.into_pyobject(py)?.into_any())
    }
}

/// Reads up to `limit` bytes (`None`: to the end). Fewer come back only at the end.
async fn take(shared: Shared, limit: Option<usize>) -> PyResult<Chunks> {
    let mut r = shared.reader.lock().await;
    if r.closed {
        return Err(PyValueError::new_err("I/O operation on closed body"));
    }
    if r.pid != std::process::id() {
        return Err(PyValueError::new_err(
            "this body was opened in another process (before fork()): its connection \
             belongs there; call get_object again in this process",
        ));
    }
    if r.reading || shared.undelivered.load(Ordering::Acquire) {
        return Err(PyValueError::new_err(INTERRUPTED));
    }
    if let Some(why) = &r.failed {
        return Err(PyValueError::new_err(format!(
            "a read of this body failed ({why}): the rest cannot be read from it (start a \
             new get_object, with range= to resume)"
        )));
    }
    r.reading = true;
    let mut out = Chunks {
        parts: Vec::new(),
        len: 0,
    };
    loop {
        let room = limit.map_or(usize::MAX, |n| n - out.len);
        if room == 0 {
            break;
        }
        if !r.pending.is_empty() {
            let n = room.min(r.pending.len());
            let piece = r.pending.split_to(n);
            out.len += n;
            out.parts.push(piece);
            continue;
        }
        let Some(stream) = r.stream.as_mut() else {
            break;
        };
        match stream.next().await {
            Some(Ok(b)) => r.pending = b,
            Some(Err(e)) => {
                r.stream = None;
                r.reading = false;
                r.failed = Some(e.to_string());
                return Err(to_pyerr(e));
            }
            None => r.stream = None,
        }
    }
    r.reading = false;
    Ok(out)
}

/// Closes the stream: an unfinished body's connection is dropped, not reused.
async fn close(shared: Shared) {
    let mut r = shared.reader.lock().await;
    r.stream = None;
    r.pending = Bytes::new();
    r.closed = true;
}

fn limit(n: Option<isize>) -> Option<usize> {
    n.and_then(|n| usize::try_from(n).ok())
}

fn check_size(size: usize) -> PyResult<usize> {
    if size == 0 {
        return Err(crate::errors::client_error("size", "must be at least 1"));
    }
    Ok(size)
}

// ---------------------------------------------------------------------------------------------
// Blocking
// ---------------------------------------------------------------------------------------------

/// The body of a ``get_object`` response, read as it arrives: a binary file-like object
/// (``read``, ``readinto``, iteration in 1 MiB chunks, ``iter_chunks(size)``), closed by
/// ``close()`` or a ``with`` block. Reads wait with the GIL released.
///
/// A full-object read is checked against the object's CRC-64 at its end: the read that
/// reaches the end raises ``IntegrityError`` on a mismatch.
#[pyclass(frozen, name = "ObjectBody", module = "oss_sse._oss_sse")]
pub(crate) struct PyObjectBody {
    reader: Shared,
    chunk: usize,
}

impl PyObjectBody {
    fn read_blocking(&self, py: Python<'_>, n: Option<usize>) -> PyResult<Chunks> {
        wait(py, take(self.reader.clone(), n))
    }
}

#[pymethods]
impl PyObjectBody {
    /// Reads ``n`` bytes (fewer only at the end; ``b""`` there), or all that is left when
    /// ``n`` is negative or omitted.
    #[pyo3(signature = (n=-1, /), text_signature = "(self, n=-1, /)")]
    fn read<'py>(&self, py: Python<'py>, n: Option<isize>) -> PyResult<Bound<'py, PyBytes>> {
        self.read_blocking(py, limit(n))?.into_pyobject(py)
    }

    /// Same as ``read``: every read but the last returns ``n`` bytes.
    #[pyo3(signature = (n=-1, /), text_signature = "(self, n=-1, /)")]
    fn read1<'py>(&self, py: Python<'py>, n: Option<isize>) -> PyResult<Bound<'py, PyBytes>> {
        self.read(py, n)
    }

    /// Fills ``buffer`` (a writable bytes-like object) and returns how many bytes it
    /// holds now (fewer than its size only at the end).
    #[pyo3(signature = (buffer, /))]
    fn readinto(&self, py: Python<'_>, buffer: &Bound<'_, PyAny>) -> PyResult<usize> {
        // A flat byte view of any writable buffer (bytearray, memoryview, array, mmap).
        let view = pyo3::types::PyMemoryView::from(buffer)?.call_method1("cast", ("B",))?;
        if view.getattr("readonly")?.is_truthy()? {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "readinto() needs a writable buffer",
            ));
        }
        let size: usize = view.len()?;
        let got = self.read_blocking(py, Some(size))?;
        let n = got.len;
        let bytes = got.into_pyobject(py)?;
        view.set_item(pyo3::types::PySlice::new(py, 0, n as isize, 1), bytes)?;
        Ok(n)
    }

    /// An iterator of ``size``-byte chunks (the last may be shorter).
    #[pyo3(signature = (size=DEFAULT_CHUNK), text_signature = "(self, size=1048576)")]
    fn iter_chunks(&self, size: usize) -> PyResult<Self> {
        Ok(Self {
            reader: self.reader.clone(),
            chunk: check_size(size)?,
        })
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let got = self.read_blocking(py, Some(self.chunk))?;
        if got.is_empty() {
            return Err(PyStopIteration::new_err(()));
        }
        got.into_pyobject(py)
    }

    /// Stops reading: the rest of the body is not downloaded and its connection is closed.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        wait(py, async {
            close(self.reader.clone()).await;
            Ok(())
        })
    }

    /// Whether ``close()`` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.reader
            .reader
            .try_lock()
            .map(|r| r.closed)
            .unwrap_or(false)
    }

    /// True: the body reads (the `io.RawIOBase` protocol).
    fn readable(&self) -> bool {
        true
    }

    /// False: the body is a network stream (use `range=` on `get_object` to start elsewhere).
    fn seekable(&self) -> bool {
        false
    }

    /// False: the body only reads.
    fn writable(&self) -> bool {
        false
    }

    fn __enter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __exit__(
        &self,
        py: Python<'_>,
        _t: Option<&Bound<'_, PyAny>>,
        _v: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        format!("ObjectBody(closed={})", self.closed())
    }
}

/// A ``get_object`` answer: ``head`` (an ``ObjectHead``, with the declared encryption) and
/// ``body`` (an ``ObjectBody`` to read). ``content`` reads the rest of the body at once;
/// ``with client.get_object(...) as r:`` closes the body when the block ends.
#[pyclass(frozen, name = "GetObjectResponse", module = "oss_sse._oss_sse")]
pub(crate) struct PyGetObjectResponse {
    head: ObjectHead,
    body: Py<PyObjectBody>,
}

#[pymethods]
impl PyGetObjectResponse {
    /// The response head: length, ETag, CRC-64, metadata, declared encryption...
    #[getter]
    fn head(&self) -> ObjectHead {
        self.head.clone()
    }

    /// The body, to read as it arrives.
    #[getter]
    fn body(&self, py: Python<'_>) -> Py<PyObjectBody> {
        self.body.clone_ref(py)
    }

    /// The rest of the body, read at once.
    #[getter]
    fn content<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        self.body.get().read(py, None)
    }

    /// The object's declared encryption (same as ``head.server_side_encryption``).
    #[getter]
    fn server_side_encryption(&self) -> Option<PyServerSideEncryption> {
        self.head.server_side_encryption.clone()
    }

    /// ``x-oss-request-id``.
    #[getter]
    fn request_id(&self) -> Option<String> {
        self.head.request_id.clone()
    }

    /// Closes the body.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        self.body.get().close(py)
    }

    fn __enter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __exit__(
        &self,
        py: Python<'_>,
        _t: Option<&Bound<'_, PyAny>>,
        _v: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        format!(
            "GetObjectResponse(content_length={:?}, etag={:?})",
            self.head.content_length, self.head.etag
        )
    }
}

/// A streamed `GetObject` on its way to Python.
pub(crate) struct PendingResponse {
    head: ObjectHead,
    body: ByteStream,
}

impl From<GetObjectStream> for PendingResponse {
    fn from(s: GetObjectStream) -> Self {
        Self {
            head: s.head.to_py(),
            body: s.body,
        }
    }
}

impl<'py> IntoPyObject<'py> for PendingResponse {
    type Target = PyGetObjectResponse;
    type Output = Bound<'py, PyGetObjectResponse>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        let body = Py::new(
            py,
            PyObjectBody {
                reader: shared(self.body),
                chunk: DEFAULT_CHUNK,
            },
        )?;
        Bound::new(
            py,
            PyGetObjectResponse {
                head: self.head,
                body,
            },
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Asyncio
// ---------------------------------------------------------------------------------------------

/// The body of an ``AsyncClient.get_object`` response: ``await body.read(n)``,
/// ``async for chunk in body`` (1 MiB chunks), ``body.iter_chunks(size)``, closed by
/// ``await body.close()`` or an ``async with`` block.
///
/// A full-object read is checked against the object's CRC-64 at its end: the read that
/// reaches the end raises ``IntegrityError`` on a mismatch.
#[pyclass(frozen, name = "AsyncObjectBody", module = "oss_sse._oss_sse")]
pub(crate) struct PyAsyncObjectBody {
    reader: Shared,
    chunk: usize,
}

#[pymethods]
impl PyAsyncObjectBody {
    /// Reads ``n`` bytes (fewer only at the end; ``b""`` there), or all that is left when
    /// ``n`` is negative or omitted.
    #[pyo3(signature = (n=-1, /), text_signature = "(self, n=-1, /)")]
    fn read<'py>(&self, py: Python<'py>, n: Option<isize>) -> PyResult<Bound<'py, PyAny>> {
        spawn(py, take_async(self.reader.clone(), limit(n)))
    }

    /// An async iterator of ``size``-byte chunks (the last may be shorter).
    #[pyo3(signature = (size=DEFAULT_CHUNK), text_signature = "(self, size=1048576)")]
    fn iter_chunks(&self, size: usize) -> PyResult<Self> {
        Ok(Self {
            reader: self.reader.clone(),
            chunk: check_size(size)?,
        })
    }

    fn __aiter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let reader = self.reader.clone();
        let n = self.chunk;
        spawn(py, async move {
            take_async(reader, Some(n)).await.map(NextChunk)
        })
    }

    /// Stops reading: the rest of the body is not downloaded and its connection is closed.
    fn close<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let reader = self.reader.clone();
        spawn(py, async move {
            close(reader).await;
            Ok(())
        })
    }

    /// Whether ``close()`` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.reader
            .reader
            .try_lock()
            .map(|r| r.closed)
            .unwrap_or(false)
    }

    fn __aenter__<'py>(slf: Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.unbind();
        spawn(py, async move { Ok(this) })
    }

    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        _t: Option<&Bound<'_, PyAny>>,
        _v: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let reader = self.reader.clone();
        spawn(py, async move {
            close(reader).await;
            Ok(false)
        })
    }

    fn __repr__(&self) -> String {
        format!("AsyncObjectBody(closed={})", self.closed())
    }
}

/// An ``AsyncClient.get_object`` answer: ``head`` (an ``ObjectHead``) and ``body`` (an
/// ``AsyncObjectBody``). ``async with`` closes the body when the block ends.
#[pyclass(frozen, name = "AsyncGetObjectResponse", module = "oss_sse._oss_sse")]
pub(crate) struct PyAsyncGetObjectResponse {
    head: ObjectHead,
    body: Py<PyAsyncObjectBody>,
}

#[pymethods]
impl PyAsyncGetObjectResponse {
    /// The response head: length, ETag, CRC-64, metadata, declared encryption...
    #[getter]
    fn head(&self) -> ObjectHead {
        self.head.clone()
    }

    /// The body, to read as it arrives.
    #[getter]
    fn body(&self, py: Python<'_>) -> Py<PyAsyncObjectBody> {
        self.body.clone_ref(py)
    }

    /// The object's declared encryption (same as ``head.server_side_encryption``).
    #[getter]
    fn server_side_encryption(&self) -> Option<PyServerSideEncryption> {
        self.head.server_side_encryption.clone()
    }

    /// ``x-oss-request-id``.
    #[getter]
    fn request_id(&self) -> Option<String> {
        self.head.request_id.clone()
    }

    /// Closes the body (awaitable).
    fn close<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.body.get().close(py)
    }

    fn __aenter__<'py>(slf: Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.unbind();
        spawn(py, async move { Ok(this) })
    }

    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        _t: Option<&Bound<'_, PyAny>>,
        _v: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.body.get().__aexit__(py, None, None, None)
    }

    fn __repr__(&self) -> String {
        format!(
            "AsyncGetObjectResponse(content_length={:?}, etag={:?})",
            self.head.content_length, self.head.etag
        )
    }
}

/// A streamed `GetObject` on its way to asyncio.
pub(crate) struct PendingAsyncResponse(PendingResponse);

impl From<GetObjectStream> for PendingAsyncResponse {
    fn from(s: GetObjectStream) -> Self {
        Self(s.into())
    }
}

impl<'py> IntoPyObject<'py> for PendingAsyncResponse {
    type Target = PyAsyncGetObjectResponse;
    type Output = Bound<'py, PyAsyncGetObjectResponse>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        let body = Py::new(
            py,
            PyAsyncObjectBody {
                reader: shared(self.0.body),
                chunk: DEFAULT_CHUNK,
            },
        )?;
        Bound::new(
            py,
            PyAsyncGetObjectResponse {
                head: self.0.head,
                body,
            },
        )
    }
}
