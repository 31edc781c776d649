//! Listings as streams: every page in order, each requested as soon as the start of the page
//! before it names it, at most four pages ahead, so memory stays bounded whatever the bucket's
//! size; and cleaning up multipart uploads nobody completed.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use futures_util::{Stream, StreamExt, TryStreamExt};
use oss_sse_core::ops::{
    AbortMultipartUpload, EarlyNext, ListMultipartUploads, ListMultipartUploadsOutput,
    ListObjectsV2, ListObjectsV2Output, MultipartUploadSummary, ObjectSummary, Operation, Paginate,
};

use tokio::sync::Semaphore;

use crate::client::Client;
use crate::error::Error;

/// Pages requested or held ahead of the one the consumer is on, at most: memory stays
/// bounded however far behind the consumer falls (a 1,000-key page is some 200 KB, 3.3 MB
/// with keys of 1,023 bytes that all need encoding; parsed, 0.25 and 1.3 MB). With 2 the
/// stream ran at 83-90% of a bare fetch loop on a `block_on` thread and 57-64% in a task;
/// with 4, 86-101% and 75-84% (glibc; docs/benchmarks.md); 8 gave no more. Checked again
/// with the parse off the worker (39566db, in a task): 2 gave 80-82%, 4 and 6 90-94%.
const AHEAD: usize = 4;

/// A page on its way; dropping it (the stream dropped, or a different marker followed)
/// aborts its request, and the request it sent early for the page after it.
struct Prefetch<O: Operation>(tokio::task::JoinHandle<Result<Fetched<O>, Error>>);

/// The next page's request, and its response on the way, when it was sent early.
type Early<O> = Option<(O, Prefetch<O>)>;

/// Bodies at least this long are parsed on tokio's blocking pool instead of in the task
/// that fetched them. A 1,000-key page is some 200 KB of XML and 200 to 300 µs of CPU to
/// parse: far longer than a task should hold a runtime worker, whose other tasks (the next
/// pages' requests and connections, or an application's own) would wait behind it. When it
/// came in (e27e01b) a stream in a spawned task listed 4 to 8% faster off the worker; since
/// the entries allocate less (25bde8b) the two measure alike in the listing bench, and the
/// hand-over stays for the application's sake (docs/benchmarks.md). A short page (the
/// default 100 keys is some 20 KB) is parsed in place, where handing it over would cost
/// more than it frees.
const PARSE_OFF_WORKER: usize = 64 * 1024;

/// A page as it arrived, parsed, and the page after it, already requested when the start of
/// this one named it.
struct Fetched<O: Operation> {
    page: O::Output,
    ahead: Early<O>,
    /// One of the [`AHEAD`] slots, given back when the consumer takes the page.
    slot: tokio::sync::OwnedSemaphorePermit,
}

impl<O: Operation> Prefetch<O> {
    async fn join(mut self) -> Result<Fetched<O>, Error> {
        joined((&mut self.0).await, "the page fetched ahead")?
    }
}

/// What a task of the stream's gave: its panic carries on here; its cancellation (the
/// runtime shutting down) is a transport error naming `what`.
fn joined<T>(r: Result<T, tokio::task::JoinError>, what: &str) -> Result<T, Error> {
    match r {
        Ok(v) => Ok(v),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(Error::Transport(crate::error::TransportError::new(
            crate::error::TransportErrorKind::Other,
            format!("{what} was cancelled: {e}"),
        ))),
    }
}

impl<O: Operation> Drop for Prefetch<O> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Requests `op`'s page once a slot is free, and parses it. As soon as the start of its
/// body names the next page ([`Paginate::next_page_from_start`]: OSS writes the markers
/// before the entries), the next page is requested the same way, while this one is still
/// arriving: the chain of requests runs ahead of the consumer, [`AHEAD`] pages at most.
fn fetch<O>(client: Client, op: O, slots: Arc<Semaphore>) -> Prefetch<O>
where
    O: Paginate + Clone + PartialEq + Send + Sync + 'static,
    O::Output: Send + 'static,
{
    Prefetch(tokio::spawn(async move {
        let slot = Arc::clone(&slots)
            .acquire_owned()
            .await
            .expect("the slots are never closed");
        // Decided once, on whichever attempt first shows enough of a 2xx body.
        let ahead: Mutex<Option<Early<O>>> = Mutex::new(None);
        let raw = client
            .send_raw_watching(&op, &|status, so_far, complete| {
                let mut ahead = ahead.lock().expect("ahead lock");
                if ahead.is_some() {
                    return true;
                }
                match op.next_page_from_start(status, so_far, complete) {
                    EarlyNext::ReadMore => return false,
                    EarlyNext::Fetch(next) if next != op => {
                        let f = fetch(client.clone(), next.clone(), Arc::clone(&slots));
                        *ahead = Some(Some((next, f)));
                    }
                    _ => *ahead = Some(None),
                }
                true
            })
            .await?;
        let ahead = ahead.into_inner().expect("ahead lock").flatten();
        let page = parse(&client, &op, raw).await?;
        Ok(Fetched { page, ahead, slot })
    }))
}

/// `op`'s page from `raw`, parsed on the blocking pool when the body is
/// [`PARSE_OFF_WORKER`] bytes or more, else here. A garbled page is fetched again through
/// the retrying path.
async fn parse<O>(
    client: &Client,
    op: &O,
    raw: http::Response<bytes::Bytes>,
) -> Result<O::Output, Error>
where
    O: Operation + Clone + Send + Sync + 'static,
    O::Output: Send + 'static,
{
    let parsed = if raw.body().len() < PARSE_OFF_WORKER {
        op.from_response(raw)
    } else {
        let o = op.clone();
        joined(
            tokio::task::spawn_blocking(move || o.from_response(raw)).await,
            "the page's parse",
        )?
    };
    match parsed {
        Ok(p) => Ok(p),
        Err(oss_sse_core::Error::Parse(_)) => client.send(op).await,
        Err(e) => Err(e.into()),
    }
}

/// What [`Client::abort_incomplete_uploads`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AbortReport {
    /// Uploads aborted: (key, upload id).
    pub aborted: Vec<(String, String)>,
    /// Uploads newer than the cut-off, left alone.
    pub kept: usize,
    /// Uploads that could not be aborted: (key, upload id, error).
    pub failed: Vec<(String, String, String)>,
}

impl Client {
    /// Every page of a listing operation, in order.
    ///
    /// Page N+1 is requested as soon as the start of page N has arrived and named it (found
    /// by [`Paginate::next_page_from_start`]), before page N has finished arriving, let
    /// alone been parsed: fetching overlaps the transfer, the parse and the consumer's work.
    /// Each page is parsed as soon as it has arrived, on tokio's blocking pool when it is
    /// large (a full page of 1,000 keys), so the parse holds no runtime worker. At most
    /// [`AHEAD`] (4) pages are requested ahead of the one the consumer is on, so memory
    /// stays bounded whatever the bucket's size. The parsed page stays the authority: when
    /// its marker differs from the scan's, the early request is dropped and the parsed
    /// marker followed. A service that hands back the marker it was given ends the stream
    /// with a parse error (following it would loop forever).
    pub fn pages<O>(
        &self,
        first: O,
    ) -> impl Stream<Item = Result<O::Output, Error>> + Send + 'static + use<O>
    where
        O: Paginate + Clone + PartialEq + Send + Sync + 'static,
        O::Output: Send + 'static,
    {
        /// A request and, when it was sent early, its response on the way.
        struct Ahead<O: Operation> {
            req: O,
            fetch: Option<Prefetch<O>>,
        }
        /// What the next poll does.
        enum Next<O: Operation> {
            Fetch(Ahead<O>),
            /// The page just yielded named itself as the next one.
            Loop,
            Done,
        }
        let client = self.clone();
        let slots = Arc::new(Semaphore::new(AHEAD));
        futures_util::stream::try_unfold(
            Next::Fetch(Ahead {
                req: first,
                fetch: None,
            }),
            move |state| {
                let client = client.clone();
                let slots = Arc::clone(&slots);
                async move {
                    let Ahead { req, fetch: sent } = match state {
                        Next::Fetch(a) => a,
                        Next::Done => return Ok(None),
                        Next::Loop => {
                            return Err(Error::Parse(oss_sse_core::ParseError::other(format!(
                                "{} returned the same continuation marker twice",
                                O::NAME
                            ))));
                        }
                    };
                    let sent = sent.unwrap_or_else(|| fetch(client.clone(), req.clone(), slots));
                    let Fetched { page, ahead, slot } = sent.join().await?;
                    // The page is out of the window: the chain may request one more.
                    drop(slot);
                    let next = match req.next_page(&page) {
                        Some(n) if n == req => Next::Loop,
                        Some(n) => match ahead {
                            Some((early, f)) if early == n => Next::Fetch(Ahead {
                                req: n,
                                fetch: Some(f),
                            }),
                            _ => Next::Fetch(Ahead {
                                req: n,
                                fetch: None,
                            }),
                        },
                        None => Next::Done,
                    };
                    Ok(Some((page, next)))
                }
            },
        )
    }

    /// Every page of ListObjectsV2.
    pub fn list_objects_v2_pages(
        &self,
        first: ListObjectsV2,
    ) -> impl Stream<Item = Result<ListObjectsV2Output, Error>> + Send + 'static + use<> {
        self.pages(first)
    }

    /// Every object of a listing (common prefixes are in the pages), in key order.
    ///
    /// ```no_run
    /// # async fn demo(client: oss_sse_hyper::Client) -> Result<(), oss_sse_hyper::Error> {
    /// use futures_util::TryStreamExt;
    /// use oss_sse_hyper::oss_sse_core::ops::ListObjectsV2;
    /// let mut objects = client.list_objects_v2(ListObjectsV2::new("examplebucket").with_prefix("logs/"));
    /// while let Some(o) = objects.try_next().await? {
    ///     println!("{} {}", o.key, o.size);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list_objects_v2(
        &self,
        first: ListObjectsV2,
    ) -> impl Stream<Item = Result<ObjectSummary, Error>> + Send + Unpin + 'static + use<> {
        Box::pin(
            self.pages(first)
                .map_ok(|p| futures_util::stream::iter(p.contents.into_iter().map(Ok)))
                .try_flatten(),
        )
    }

    /// Every page of ListMultipartUploads.
    pub fn list_multipart_uploads_pages(
        &self,
        first: ListMultipartUploads,
    ) -> impl Stream<Item = Result<ListMultipartUploadsOutput, Error>> + Send + 'static + use<>
    {
        self.pages(first)
    }

    /// Every multipart upload in progress, by key then upload id.
    pub fn list_multipart_uploads(
        &self,
        first: ListMultipartUploads,
    ) -> impl Stream<Item = Result<MultipartUploadSummary, Error>> + Send + Unpin + 'static + use<>
    {
        Box::pin(
            self.pages(first)
                .map_ok(|p| futures_util::stream::iter(p.uploads.into_iter().map(Ok)))
                .try_flatten(),
        )
    }

    /// Aborts every multipart upload under `prefix` initiated more than `older_than` ago
    /// (their parts are billable until then); newer ones are left alone. Errors aborting one
    /// upload are reported, not fatal; a listing error is.
    pub async fn abort_incomplete_uploads(
        &self,
        bucket: &str,
        prefix: &str,
        older_than: Duration,
    ) -> Result<AbortReport, Error> {
        let cutoff = SystemTime::now()
            .checked_sub(older_than)
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        let mut report = AbortReport::default();
        let mut uploads =
            self.list_multipart_uploads(ListMultipartUploads::new(bucket).with_prefix(prefix));
        while let Some(u) = uploads.next().await {
            let u = u?;
            let initiated = u.initiated.map(oss_sse_core::Timestamp::unix_secs);
            // An upload whose age is unknown is kept: aborting is not undoable.
            if initiated.is_none_or(|t| t > cutoff) {
                report.kept += 1;
                continue;
            }
            match self
                .send(&AbortMultipartUpload::new(bucket, &u.key, &u.upload_id))
                .await
            {
                Ok(_) => report.aborted.push((u.key, u.upload_id)),
                Err(e) if e.as_service().is_some_and(|s| s.code() == "NoSuchUpload") => {
                    report.aborted.push((u.key, u.upload_id));
                }
                Err(e) => report.failed.push((u.key, u.upload_id, e.to_string())),
            }
        }
        Ok(report)
    }
}
