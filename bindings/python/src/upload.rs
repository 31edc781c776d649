//! Upload bodies given in Python: bytes-like (sent from memory), a binary file object, or an
//! iterator of bytes with a declared length (streamed, never held whole).
//!
//! A seekable file is replayable: each attempt rewinds it to where it was when the call
//! started, so a failed attempt is retried. A non-seekable file or an iterator is read once:
//! a failed attempt is not retried (the client's `UploadBody::stream` rule). Python is
//! called on a blocking thread for each chunk, with the GIL taken only for that call.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::StreamExt;
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
        // Any other buffer (array.array, numpy): `__buffer__` only exists
        // from Python 3.12, so ask for the buffer itself.
        || !obj.hasattr("read").unwrap_or(false)
            && !obj.hasattr("__next__").unwrap_or(false)
            && pyo3::buffer::PyBuffer::<u8>::get(obj).is_ok()
}

/// Where chunks come from.
#[derive(Clone, Copy)]
enum Kind {
    /// A binary file: `read(CHUNK)`.
    File,
    /// An iterator: `next()`.
    Iter,
    /// An async iterator: its `__anext__()` run on this event loop (the caller's).
    AsyncIter,
}

/// Reads one chunk from a Python file (at most `want` bytes), iterator or async iterator;
/// `None` at the end.
/// Runs on a blocking thread.
fn pull(source: &Source, kind: Kind, want: usize) -> std::io::Result<Option<Bytes>> {
    let err = |e: PyErr| std::io::Error::other(e.to_string());
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
                Kind::File => s.call_method1("read", (want,)).map_err(err)?,
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
                Kind::File if b.is_empty() => return Ok(None),
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
}

/// A stream of chunks pulled from Python on a blocking thread, exactly `len` bytes: a file
/// is read no further, and a source that ends early or (an iterator) yields more fails the
/// stream, so the request fails instead of storing something else.
fn stream_from(
    source: Source,
    kind: Kind,
    len: u64,
) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    let source = Arc::new(source);
    let fail = |msg: String| Some((Err(std::io::Error::other(msg)), None));
    futures_util::stream::unfold(Some((source, 0u64)), move |state| async move {
        let (source, sent) = state?;
        let left = len - sent;
        if left == 0 {
            return None;
        }
        let want = usize::try_from(left).unwrap_or(usize::MAX).clamp(1, CHUNK);
        let s = source.clone();
        let r = tokio::task::spawn_blocking(move || pull(&s, kind, want))
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
                if n == left && !matches!(kind, Kind::File) {
                    let s = source.clone();
                    let more = tokio::task::spawn_blocking(move || pull(&s, kind, 1))
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
        let b = conv::data(obj, "data")?;
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
    if obj.hasattr("read")? {
        let seekable = obj
            .call_method0("seekable")
            .and_then(|v| v.is_truthy())
            .unwrap_or(false);
        if seekable {
            let start: u64 = obj.call_method0("tell")?.extract()?;
            let end: u64 = obj.call_method1("seek", (0, 2))?.extract()?;
            obj.call_method1("seek", (start,))?;
            let len = match length {
                Some(l) if l > end.saturating_sub(start) => {
                    return Err(client_error(
                        "length",
                        format!("is {l} but the file has {} bytes left", end - start),
                    ));
                }
                Some(l) => l,
                None => end - start,
            };
            let file = Arc::new(Mutex::new(obj.clone().unbind()));
            return Ok(Data::Stream(UploadBody::replayable(len, move || {
                let f = file
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let f = Python::attach(|py| f.clone_ref(py));
                // Each attempt starts where the call started.
                let rewound = Python::attach(|py| {
                    f.bind(py)
                        .call_method1("seek", (start,))
                        .map(|_| ())
                        .map_err(|e| std::io::Error::other(e.to_string()))
                });
                let body = stream_from(
                    Source {
                        obj: f,
                        event_loop: None,
                    },
                    Kind::File,
                    len,
                );
                futures_util::stream::iter(rewound.err().map(Err)).chain(body)
            })));
        }
        let len = length
            .ok_or_else(|| client_error("length", "is needed for a file that cannot seek"))?;
        return Ok(Data::Stream(UploadBody::stream(
            stream_from(
                Source {
                    obj: obj.clone().unbind(),
                    event_loop: None,
                },
                Kind::File,
                len,
            ),
            len,
        )));
    }
    if obj.hasattr("__aiter__")? && !obj.hasattr("__iter__")? {
        let Some(event_loop) = event_loop else {
            return Err(client_error(
                "data",
                "an async iterator needs AsyncClient: pass bytes, a file object or an iterator",
            ));
        };
        let len = length
            .ok_or_else(|| client_error("length", "is needed when data is an async iterator"))?;
        let it = obj.call_method0("__aiter__")?.unbind();
        let source = Source {
            obj: it,
            event_loop: Some(event_loop.unbind()),
        };
        return Ok(Data::Stream(UploadBody::stream(
            stream_from(source, Kind::AsyncIter, len),
            len,
        )));
    }
    match obj.try_iter() {
        Ok(it) => {
            let len = length
                .ok_or_else(|| client_error("length", "is needed when data is an iterator"))?;
            Ok(Data::Stream(UploadBody::stream(
                stream_from(
                    Source {
                        obj: it.into_any().unbind(),
                        event_loop: None,
                    },
                    Kind::Iter,
                    len,
                ),
                len,
            )))
        }
        Err(_) => Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "data must be bytes-like, str, a binary file object or an iterator of bytes, not {}",
            obj.get_type().name()?
        ))),
    }
}
