//! Upload sources and download streams, with CRC-64 computed as the bytes pass.

use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use http_body_util::{BodyExt, Full, StreamBody};
use oss_sse_core::crc::Crc64;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeekExt};

use crate::error::{Error, FileError, IntegrityError, TransportError, TransportErrorKind};
use crate::transport::{Body, BoxError};

const READ_CHUNK: usize = 256 * 1024;

type ByteResultStream = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>;

/// What an upload sends. Bytes and files can be replayed on retry; streams and readers
/// cannot, so a failed attempt with one of them is not retried.
pub struct UploadBody {
    inner: Source,
}

enum Source {
    Bytes(Bytes),
    File {
        path: PathBuf,
        offset: u64,
        len: u64,
    },
    Stream {
        stream: Mutex<Option<ByteResultStream>>,
        len: u64,
    },
    Replayable {
        make: StreamFactory,
        len: u64,
    },
}

/// Makes a fresh stream of the same bytes for each attempt.
type StreamFactory = Arc<dyn Fn() -> ByteResultStream + Send + Sync>;

impl std::fmt::Debug for UploadBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner {
            Source::Bytes(b) => write!(f, "UploadBody::Bytes({} bytes)", b.len()),
            Source::File { path, offset, len } => {
                write!(
                    f,
                    "UploadBody::File({}, offset {offset}, {len} bytes)",
                    path.display()
                )
            }
            Source::Stream { len, .. } => write!(f, "UploadBody::Stream({len} bytes)"),
            Source::Replayable { len, .. } => write!(f, "UploadBody::Replayable({len} bytes)"),
        }
    }
}

impl From<Bytes> for UploadBody {
    fn from(b: Bytes) -> Self {
        Self {
            inner: Source::Bytes(b),
        }
    }
}

impl From<Vec<u8>> for UploadBody {
    fn from(b: Vec<u8>) -> Self {
        Bytes::from(b).into()
    }
}

impl From<&'static [u8]> for UploadBody {
    fn from(b: &'static [u8]) -> Self {
        Bytes::from_static(b).into()
    }
}

impl UploadBody {
    /// `len` bytes of `path` starting at `offset` (re-opened for each attempt).
    pub fn file_range(path: impl Into<PathBuf>, offset: u64, len: u64) -> Self {
        Self {
            inner: Source::File {
                path: path.into(),
                offset,
                len,
            },
        }
    }

    /// A whole file; its length is read now.
    pub async fn file(path: impl Into<PathBuf>) -> Result<Self, Error> {
        let path = path.into();
        let len = tokio::fs::metadata(&path)
            .await
            .map_err(|e| Error::File(FileError::new(&path, "read", e)))?
            .len();
        Ok(Self::file_range(path, 0, len))
    }

    /// Exactly `len` bytes from a stream (sent once; not retried).
    pub fn stream(
        stream: impl Stream<Item = std::io::Result<Bytes>> + Send + 'static,
        len: u64,
    ) -> Self {
        Self {
            inner: Source::Stream {
                stream: Mutex::new(Some(Box::pin(stream))),
                len,
            },
        }
    }

    /// Exactly `len` bytes from a stream that `make` can produce again for a retry (a
    /// seekable source rewound, a re-opened resource): replayable like a file.
    pub fn replayable<S>(len: u64, make: impl Fn() -> S + Send + Sync + 'static) -> Self
    where
        S: Stream<Item = std::io::Result<Bytes>> + Send + 'static,
    {
        Self {
            inner: Source::Replayable {
                make: Arc::new(move || Box::pin(make()) as ByteResultStream),
                len,
            },
        }
    }

    /// Exactly `len` bytes from a reader (sent once; not retried).
    pub fn reader(reader: impl AsyncRead + Send + Unpin + 'static, len: u64) -> Self {
        let s = futures_util::stream::unfold(reader, |mut r| async move {
            let mut buf = vec![0u8; READ_CHUNK];
            match r.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => {
                    buf.truncate(n);
                    Some((Ok(Bytes::from(buf)), r))
                }
                Err(e) => Some((Err(e), r)),
            }
        });
        Self::stream(s, len)
    }

    /// Number of bytes it sends.
    pub fn len(&self) -> u64 {
        match &self.inner {
            Source::Bytes(b) => b.len() as u64,
            Source::File { len, .. }
            | Source::Stream { len, .. }
            | Source::Replayable { len, .. } => *len,
        }
    }

    /// Whether it sends nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether a second attempt can send it again.
    pub fn is_replayable(&self) -> bool {
        !matches!(self.inner, Source::Stream { .. })
    }

    /// A body for one attempt. `crc` accumulates what is actually sent; `activity` is bumped
    /// on each chunk (for the idle timeout). `None` when a one-shot stream was already used.
    pub(crate) async fn attempt(
        &self,
        crc: Arc<Mutex<Crc64>>,
        activity: Activity,
    ) -> Result<Option<Body>, Error> {
        match &self.inner {
            Source::Bytes(b) => {
                crc.lock().expect("crc lock").update(b);
                activity.touch();
                Ok(Some(
                    Full::new(b.clone()).map_err(|e| match e {}).boxed_unsync(),
                ))
            }
            Source::File { path, offset, len } => {
                let mut f = tokio::fs::File::open(path)
                    .await
                    .map_err(|e| Error::File(FileError::new(path, "read", e)))?;
                f.seek(std::io::SeekFrom::Start(*offset))
                    .await
                    .map_err(|e| Error::File(FileError::new(path, "seek in", e)))?;
                let remaining = *len;
                let s =
                    futures_util::stream::unfold((f, remaining), |(mut f, remaining)| async move {
                        if remaining == 0 {
                            return None;
                        }
                        let want = (remaining as usize).min(READ_CHUNK);
                        let mut buf = vec![0u8; want];
                        match f.read_exact(&mut buf).await {
                            Ok(_) => Some((Ok(Bytes::from(buf)), (f, remaining - want as u64))),
                            Err(e) => Some((Err(e), (f, 0))),
                        }
                    });
                Ok(Some(wrap(Box::pin(s), crc, activity)))
            }
            Source::Stream { stream, .. } => {
                let taken = stream.lock().expect("stream lock").take();
                Ok(taken.map(|s| wrap(s, crc, activity)))
            }
            Source::Replayable { make, .. } => Ok(Some(wrap(make(), crc, activity))),
        }
    }
}

fn wrap(s: ByteResultStream, crc: Arc<Mutex<Crc64>>, activity: Activity) -> Body {
    let s = s.map(move |r| {
        activity.touch();
        match r {
            Ok(b) => {
                crc.lock().expect("crc lock").update(&b);
                Ok(hyper::body::Frame::data(b))
            }
            Err(e) => Err(Box::new(e) as BoxError),
        }
    });
    BodyExt::boxed_unsync(StreamBody::new(s))
}

/// Last time bytes moved, for idle timeouts.
#[derive(Debug, Clone)]
pub(crate) struct Activity {
    start: Instant,
    last_ms: Arc<AtomicU64>,
}

impl Activity {
    pub(crate) fn new() -> Self {
        Self {
            start: Instant::now(),
            last_ms: Arc::new(AtomicU64::new(0)),
        }
    }
    pub(crate) fn touch(&self) {
        self.last_ms
            .store(self.start.elapsed().as_millis() as u64, Ordering::Relaxed);
    }
    /// How long since bytes last moved.
    pub(crate) fn idle(&self) -> Duration {
        let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
        self.start.elapsed().saturating_sub(last)
    }
}

/// The most [`ByteStream::collect`] reserves up front from a declared length; a longer body
/// grows the buffer as it comes.
const COLLECT_RESERVE_MAX: u64 = 16 << 20;

/// The body of a download: a stream of bytes, with an idle timeout, that verifies the CRC-64
/// of a full-object read at its end (a mismatch is the stream's last item, an error).
pub struct ByteStream {
    inner: Pin<Box<dyn Stream<Item = Result<Bytes, Error>> + Send>>,
    /// The body's declared length (at least), for [`collect`](Self::collect)'s buffer.
    len_hint: u64,
}

impl std::fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ByteStream")
    }
}

impl ByteStream {
    pub(crate) fn new(
        body: Body,
        idle: Duration,
        expect_crc: Option<u64>,
        op: &'static str,
    ) -> Self {
        let len_hint = http_body::Body::size_hint(&body).lower();
        struct St {
            body: Body,
            crc: Crc64,
            expect: Option<u64>,
            done: bool,
        }
        let st = St {
            body,
            crc: Crc64::new(),
            expect: expect_crc,
            done: false,
        };
        let s = futures_util::stream::unfold(st, move |mut st| async move {
            if st.done {
                return None;
            }
            loop {
                let Ok(frame) = tokio::time::timeout(idle, st.body.frame()).await else {
                    st.done = true;
                    return Some((
                        Err(Error::Transport(TransportError::new(
                            TransportErrorKind::Timeout,
                            format!(
                                "no data for {} ms while reading the {op} body",
                                idle.as_millis()
                            ),
                        ))),
                        st,
                    ));
                };
                match frame {
                    None => {
                        st.done = true;
                        if let Some(server) = st.expect {
                            let client = st.crc.value();
                            if client != server {
                                return Some((
                                    Err(Error::Integrity(IntegrityError {
                                        operation: op,
                                        client_crc64: client,
                                        server_crc64: server,
                                    })),
                                    st,
                                ));
                            }
                        }
                        return None;
                    }
                    Some(Err(e)) => {
                        st.done = true;
                        return Some((
                            Err(Error::Transport(
                                TransportError::new(
                                    TransportErrorKind::Io,
                                    format!("the {op} body was cut off"),
                                )
                                .with_source(e),
                            )),
                            st,
                        ));
                    }
                    Some(Ok(f)) => {
                        if let Ok(data) = f.into_data() {
                            if st.expect.is_some() {
                                st.crc.update(&data);
                            }
                            if !data.is_empty() {
                                return Some((Ok(data), st));
                            }
                        }
                    }
                }
            }
        });
        Self {
            inner: Box::pin(s),
            len_hint,
        }
    }

    /// Reads everything into memory (verifying the CRC if it applies). A body that arrives
    /// in one chunk is returned as it is; a longer one is copied once, into a buffer sized
    /// from the declared length, up to [`COLLECT_RESERVE_MAX`]: a server's claim reserves
    /// at most that much ahead of the bytes that actually come.
    pub async fn collect(self) -> Result<Bytes, Error> {
        self.collect_watching(|_, _| true).await
    }

    /// [`collect`](Self::collect), showing the bytes so far to `watch` as each chunk
    /// arrives, until it returns `true` (it has seen what it needed); the second argument
    /// says the body is complete (it is shown whole once, if `watch` still wants it).
    pub(crate) async fn collect_watching(
        mut self,
        mut watch: impl FnMut(&[u8], bool) -> bool,
    ) -> Result<Bytes, Error> {
        let Some(first) = self.next().await.transpose()? else {
            watch(&[], true);
            return Ok(Bytes::new());
        };
        let mut watching = !watch(&first, false);
        let Some(second) = self.next().await.transpose()? else {
            if watching {
                watch(&first, true);
            }
            return Ok(first);
        };
        let want = self.len_hint.min(COLLECT_RESERVE_MAX) as usize;
        let mut out = bytes::BytesMut::with_capacity(want.max(first.len() + second.len()));
        out.extend_from_slice(&first);
        out.extend_from_slice(&second);
        while watching {
            watching = !watch(&out, false);
            match self.next().await {
                Some(chunk) => out.extend_from_slice(&chunk?),
                None => {
                    if watching {
                        watch(&out, true);
                    }
                    return Ok(out.freeze());
                }
            }
        }
        while let Some(chunk) = self.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out.freeze())
    }
}

impl Stream for ByteStream {
    type Item = Result<Bytes, Error>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use super::*;

    /// A body of given chunks that declares `declared` bytes, whatever it holds.
    struct Chunks {
        chunks: VecDeque<Result<Bytes, BoxError>>,
        declared: u64,
    }

    impl http_body::Body for Chunks {
        type Data = Bytes;
        type Error = BoxError;
        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<http_body::Frame<Bytes>, BoxError>>> {
            Poll::Ready(
                self.chunks
                    .pop_front()
                    .map(|c| c.map(http_body::Frame::data)),
            )
        }
        fn size_hint(&self) -> http_body::SizeHint {
            http_body::SizeHint::with_exact(self.declared)
        }
    }

    fn stream(chunks: &[&'static str], declared: u64, crc: Option<u64>) -> ByteStream {
        let chunks = chunks
            .iter()
            .map(|c| Ok(Bytes::from_static(c.as_bytes())))
            .collect();
        let body = Chunks { chunks, declared }.boxed_unsync();
        ByteStream::new(body, Duration::from_secs(5), crc, "test")
    }

    #[tokio::test]
    async fn collect_joins_the_chunks_in_order() {
        let all = stream(&["ab", "cd", "", "ef"], 6, None)
            .collect()
            .await
            .unwrap();
        assert_eq!(&all[..], b"abcdef");
        assert!(stream(&[], 0, None).collect().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn collect_returns_a_single_chunk_without_copying_it() {
        let one = Bytes::from_static(b"one chunk");
        let body = Chunks {
            chunks: VecDeque::from([Ok(one.clone())]),
            declared: 9,
        }
        .boxed_unsync();
        let got = ByteStream::new(body, Duration::from_secs(5), None, "test")
            .collect()
            .await
            .unwrap();
        assert_eq!(got.as_ptr(), one.as_ptr());
    }

    /// What a watcher of `collect_watching` is shown, when it stops after `stop_at` bytes.
    async fn watched(chunks: &[&'static str], stop_at: usize) -> (Vec<(String, bool)>, Bytes) {
        let mut seen = Vec::new();
        let all = stream(chunks, 0, None)
            .collect_watching(|b, complete| {
                seen.push((String::from_utf8(b.to_vec()).unwrap(), complete));
                b.len() >= stop_at
            })
            .await
            .unwrap();
        (seen, all)
    }

    #[tokio::test]
    async fn collect_watching_shows_every_prefix_until_the_watcher_stops() {
        let s = |v: &[(&str, bool)]| {
            v.iter()
                .map(|(b, c)| ((*b).to_owned(), *c))
                .collect::<Vec<_>>()
        };
        let (seen, all) = watched(&["ab", "cd", "", "ef"], usize::MAX).await;
        assert_eq!(
            seen,
            s(&[
                ("ab", false),
                ("abcd", false),
                ("abcdef", false),
                ("abcdef", true)
            ])
        );
        assert_eq!(&all[..], b"abcdef");
        // Stopped at 4 bytes: shown nothing more, and the body is still read whole.
        let (seen, all) = watched(&["ab", "cd", "ef"], 4).await;
        assert_eq!(seen, s(&[("ab", false), ("abcd", false)]));
        assert_eq!(&all[..], b"abcdef");
        let (seen, _) = watched(&["ab", "cd", "ef"], 2).await;
        assert_eq!(seen, s(&[("ab", false)]));
        // One chunk, and none.
        let (seen, _) = watched(&["one"], usize::MAX).await;
        assert_eq!(seen, s(&[("one", false), ("one", true)]));
        let (seen, _) = watched(&[], usize::MAX).await;
        assert_eq!(seen, s(&[("", true)]));
    }

    /// A server that declares a terabyte and sends a few bytes gets the capped reservation,
    /// not a terabyte reserved up front (which would abort the process).
    #[tokio::test]
    async fn collect_does_not_trust_a_declared_length() {
        let got = stream(&["x", "y", "z"], 1 << 40, None)
            .collect()
            .await
            .unwrap();
        assert_eq!(&got[..], b"xyz");
    }

    #[tokio::test]
    async fn collect_reports_a_broken_body_and_a_bad_crc() {
        let body = Chunks {
            chunks: VecDeque::from([
                Ok(Bytes::from_static(b"ab")),
                Err::<Bytes, BoxError>("reset".into()),
            ]),
            declared: 4,
        }
        .boxed_unsync();
        let e = ByteStream::new(body, Duration::from_secs(5), None, "test")
            .collect()
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Transport(_)), "{e:?}");
        let right = oss_sse_core::crc::crc64(b"abcd");
        assert_eq!(
            &stream(&["ab", "cd"], 4, Some(right))
                .collect()
                .await
                .unwrap()[..],
            b"abcd"
        );
        for chunks in [&["abcd"][..], &["ab", "cd"][..]] {
            let e = stream(chunks, 4, Some(right ^ 1))
                .collect()
                .await
                .unwrap_err();
            assert!(matches!(e, Error::Integrity(_)), "{e:?}");
        }
    }
}
