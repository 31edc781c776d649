//! Upload bodies given in Python: bytes-like (sent from memory), a binary file object, or an
//! iterator of bytes with a declared length (streamed, never held whole).
//!
//! A seekable file is replayable: each read seeks to its own offset from where the file was
//! when the call started (under a lock, so a read still running for a failed attempt cannot
//! move the file under the next one), and a failed attempt is retried. A non-seekable file or an iterator is read once:
//! a failed attempt is not retried (the client's `UploadBody::stream` rule). Python is
//! called on a blocking thread for each chunk, with the GIL taken only for that call.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use oss_sse_hyper::UploadBody;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyMemoryView, PyString};

use crate::conv;
use crate::errors::client_error;

/// Bytes read from Python per call.
const CHUNK: usize = 1 << 20;

/// What a `data=` argument is.
pub(crate) enum Data {
    /// In memory.
    Bytes(Bytes),
    /// Streamed.
    Stream(UploadBody),
}

fn is_bytes_like(obj: &Bound<'_, PyAny>) -> bool {
    obj.is_instance_of::<PyBytes>()
        || obj.is_instance_of::<PyByteArray>()
        || obj.is_instance_of::<PyString>()
        || obj.is_instance_of::<PyMemoryView>()
        // Any other buffer (array.array, numpy): `__buffer__` only exists from Python 3.12,
        // so ask for a view of it.
        || !obj.hasattr("read").unwrap_or(false)
            && !obj.hasattr("__next__").unwrap_or(false)
            && PyMemoryView::from(obj).is_ok()
}

/// The bytes of a bytes-like `data`, whatever its item type (`array('i')`, numpy arrays:
/// their raw memory, as `bytes(memoryview(x))` gives).
fn buffer_bytes(obj: &Bound<'_, PyAny>) -> PyResult<Bytes> {
    match conv::data(obj, "data") {
        Ok(b) => Ok(b),
        Err(e) => match PyMemoryView::from(obj).and_then(|v| v.call_method1("cast", ("B",))) {
            Ok(flat) => conv::data(&flat, "data"),
            Err(_) => Err(e),
        },
    }
}

/// Where chunks come from.
#[derive(Clone, Copy)]
enum Kind {
    /// A binary file: `read(CHUNK)`; a seekable one is first sought to this offset plus
    /// what the attempt has sent.
    File { start: Option<u64> },
    /// An iterator: `next()`.
    Iter,
    /// An async iterator: its `__anext__()` run on this event loop (the caller's).
    AsyncIter,
}

/// Reads one chunk from a Python file (at most `want` bytes, from `start + sent` when it
/// seeks), iterator or async iterator; `None` at the end. Runs on a blocking thread.
fn pull(source: &Source, kind: Kind, want: usize, sent: u64) -> std::io::Result<Option<Bytes>> {
    let err = |e: PyErr| std::io::Error::other(e.to_string());
    // Held across seek and read, taken before the GIL (the order every pull uses).
    let _turn = source
        .turn
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    Python::attach(|py| {
        loop {
            let s = source.obj.bind(py);
            let got = match kind {
                Kind::Iter => match s.call_method0("__next__") {
                    Ok(v) => v,
                    Err(e) if e.is_instance_of::<pyo3::exceptions::PyStopIteration>(py) => {
                        return Ok(None);
                    }
                    Err(e) => return Err(err(e)),
                },
                Kind::File { start } => {
                    if let Some(start) = start {
                        s.call_method1("seek", (start + sent,)).map_err(err)?;
                    }
                    let got = s.call_method1("read", (want,)).map_err(err)?;
                    if got.is_none() {
                        return Err(std::io::Error::other(
                            "data.read() returned None (a non-blocking file with nothing \
                             ready): pass a blocking file",
                        ));
                    }
                    if got.is_instance_of::<PyString>() {
                        return Err(std::io::Error::other(
                            "data.read() returned str: open the file in binary mode ('rb')",
                        ));
                    }
                    got
                }
                Kind::AsyncIter => {
                    let event_loop = source.event_loop.as_ref().map(|l| l.bind(py));
                    // Waits for the loop (GIL released inside `result()`).
                    let got = py
                        .import("oss_sse._aio")
                        .and_then(|m| m.getattr("pull_from_loop"))
                        .and_then(|f| f.call1((s, event_loop)))
                        .map_err(err)?;
                    if got.is_none() {
                        return Ok(None);
                    }
                    got
                }
            };
            let b = conv::data(&got, "data").map_err(err)?;
            match kind {
                Kind::File { .. } if b.is_empty() => return Ok(None),
                // An empty item of an iterator is skipped, not taken for the end.
                _ if b.is_empty() => {}
                _ => return Ok(Some(b)),
            }
        }
    })
}

/// A Python object chunks are pulled from.
struct Source {
    obj: Py<PyAny>,
    event_loop: Option<Py<PyAny>>,
    /// One pull at a time, across attempts.
    turn: Arc<Mutex<()>>,
}

impl Source {
    fn new(obj: Py<PyAny>, event_loop: Option<Py<PyAny>>) -> Self {
        Self {
            obj,
            event_loop,
            turn: Arc::new(Mutex::new(())),
        }
    }
}

/// A stream of chunks pulled from Python on a blocking thread, exactly `len` bytes: a file
/// is read no further, and a source that ends early or (an iterator) yields more fails the
/// stream, so the request fails instead of storing something else.
fn stream_from(
    source: Arc<Source>,
    kind: Kind,
    len: u64,
) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    let fail = |msg: String| Some((Err(std::io::Error::other(msg)), None));
    futures_util::stream::unfold(Some((source, 0u64)), move |state| async move {
        let (source, sent) = state?;
        let left = len - sent;
        let is_file = matches!(kind, Kind::File { .. });
        if left == 0 {
            return None;
        }
        let want = usize::try_from(left).unwrap_or(usize::MAX).clamp(1, CHUNK);
        let s = source.clone();
        let r = tokio::task::spawn_blocking(move || pull(&s, kind, want, sent))
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())));
        match r {
            Ok(Some(b)) if b.len() as u64 > left => fail(format!(
                "the data yields more than the declared length {len}"
            )),
            Ok(Some(b)) => {
                let n = b.len() as u64;
                // The transport stops polling once `len` bytes are out, so an iterator is
                // checked for more before its last chunk goes.
                if n == left && !is_file {
                    let s = source.clone();
                    let more = tokio::task::spawn_blocking(move || pull(&s, kind, 1, sent + n))
                        .await
                        .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())));
                    match more {
                        Ok(None) => {}
                        Ok(Some(_)) => {
                            return fail(format!(
                                "the data yields more than the declared length {len}"
                            ));
                        }
                        Err(e) => return Some((Err(e), None)),
                    }
                    return Some((Ok(b), None));
                }
                Some((Ok(b), Some((source, sent + n))))
            }
            Ok(None) => fail(format!(
                "the data ended after {sent} of its declared {len} bytes"
            )),
            Err(e) => Some((Err(e), None)),
        }
    })
}

/// Converts `data` (and `length`, required for iterators and non-seekable files).
/// `event_loop` is the running loop of an `AsyncClient` call (async iterators are pulled on
/// it); `None` for the blocking client.
pub(crate) fn data<'py>(
    obj: &Bound<'py, PyAny>,
    length: Option<u64>,
    event_loop: Option<Bound<'py, PyAny>>,
) -> PyResult<Data> {
    if is_bytes_like(obj) {
        let b = buffer_bytes(obj)?;
        if let Some(l) = length
            && l != b.len() as u64
        {
            return Err(client_error(
                "length",
                format!("is {l} but the data holds {} bytes", b.len()),
            ));
        }
        return Ok(Data::Bytes(b));
    }
    // An async iterator first: an object with an async `read()` (an `AsyncObjectBody`, an
    // aiofiles file) iterates asynchronously too.
    if obj.hasattr("__aiter__")? && (event_loop.is_some() || !obj.hasattr("__iter__")?) {
        let Some(event_loop) = event_loop else {
            return Err(client_error(
                "data",
                "an async iterator needs AsyncClient: pass bytes, a file object or an iterator",
            ));
        };
        let len = length
            .ok_or_else(|| client_error("length", "is needed when data is an async iterator"))?;
        let it = obj.call_method0("__aiter__")?.unbind();
        let source = Arc::new(Source::new(it, Some(event_loop.unbind())));
        return Ok(Data::Stream(UploadBody::stream(
            stream_from(source, Kind::AsyncIter, len),
            len,
        )));
    }
    if obj.hasattr("read")? {
        let py = obj.py();
        let is_async = py
            .import("inspect")?
            .call_method1("iscoroutinefunction", (obj.getattr("read")?,))?
            .is_truthy()?;
        if is_async {
            return Err(client_error(
                "data",
                "has an async read() and cannot be iterated asynchronously: pass bytes, a \
                 binary file or an (async) iterator of bytes",
            ));
        }
        if let Some((start, left)) = seekable_extent(obj) {
            let len = match length {
                Some(l) if l > left => {
                    return Err(client_error(
                        "length",
                        format!("is {l} but the file has {left} bytes left"),
                    ));
                }
                Some(l) => l,
                None => left,
            };
            let source = Arc::new(Source::new(obj.clone().unbind(), None));
            let kind = Kind::File { start: Some(start) };
            return Ok(Data::Stream(UploadBody::replayable(len, move || {
                stream_from(source.clone(), kind, len)
            })));
        }
        let len = length
            .ok_or_else(|| client_error("length", "is needed for a file that cannot seek"))?;
        let source = Arc::new(Source::new(obj.clone().unbind(), None));
        return Ok(Data::Stream(UploadBody::stream(
            stream_from(source, Kind::File { start: None }, len),
            len,
        )));
    }
    match obj.try_iter() {
        Ok(it) => {
            let len = length
                .ok_or_else(|| client_error("length", "is needed when data is an iterator"))?;
            if len == 0 {
                // Nothing polls an empty body, so the iterator is checked here.
                for item in it {
                    if !conv::data(&item?, "data")?.is_empty() {
                        return Err(client_error(
                            "data",
                            "yields more than the declared length 0",
                        ));
                    }
                }
                return Ok(Data::Bytes(Bytes::new()));
            }
            let source = Arc::new(Source::new(it.into_any().unbind(), None));
            Ok(Data::Stream(UploadBody::stream(
                stream_from(source, Kind::Iter, len),
                len,
            )))
        }
        Err(_) => Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "data must be bytes-like, str, a binary file object or an iterator of bytes, not {}",
            obj.get_type().name()?
        ))),
    }
}

/// Where a seekable file is and how many bytes follow, or `None` when it cannot say (not
/// seekable, or a `seek` to its end fails, as a `GzipFile`'s does): then it is read once.
fn seekable_extent(obj: &Bound<'_, PyAny>) -> Option<(u64, u64)> {
    let seekable = obj
        .call_method0("seekable")
        .and_then(|v| v.is_truthy())
        .unwrap_or(false);
    if !seekable {
        return None;
    }
    let start: u64 = obj.call_method0("tell").ok()?.extract().ok()?;
    let end = obj
        .call_method1("seek", (0, 2))
        .ok()
        .and_then(|e| e.extract::<u64>().ok());
    // Back to where it was, whether or not the seek to the end worked.
    obj.call_method1("seek", (start,)).ok()?;
    // A file positioned past its end has nothing left.
    Some((start, end?.saturating_sub(start)))
}
