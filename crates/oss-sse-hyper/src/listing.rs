//! Listings as streams: every page in order, each requested as soon as the start of the page
//! before it names it, at most four pages ahead, so memory stays bounded whatever the bucket's
//! size; and cleaning up multipart uploads nobody completed.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use futures_util::{Stream, StreamExt, TryStreamExt};
use oss_sse_core::ops::{
    AbortMultipartUpload, EarlyNext, ListMultipartUploads, ListMultipartUploadsOutput,
    ListObjectsV2, ListObjectsV2Output, MultipartUploadSummary, ObjectSummary, Paginate,
};

use tokio::sync::Semaphore;

use crate::client::Client;
use crate::error::Error;

/// Pages requested ahead of the one the consumer is parsing, at most: memory stays bounded
/// (a 1,000-key page is some 200 KB, 3.3 MB with keys of 1,023 bytes that all need encoding)
/// however far behind the consumer falls. With 2 the stream ran at 83-90% of a bare fetch
/// loop on a `block_on` thread and 57-64% in a task; with 4, 86-101% and 75-84% (glibc;
/// docs/benchmarks.md); 8 gave no more.
const AHEAD: usize = 4;

/// A page on its way; dropping it (the stream dropped, or a different marker followed)
/// aborts its request, and the request it sent early for the page after it.
struct Prefetch<O>(tokio::task::JoinHandle<Result<Fetched<O>, Error>>);

/// The next page's request, and its response on the way, when it was sent early.
type Early<O> = Option<(O, Prefetch<O>)>;

/// A page as it arrived, and the page after it, already requested when the start of this
/// one named it.
struct Fetched<O> {
    raw: http::Response<bytes::Bytes>,
    ahead: Early<O>,
    /// One of the [`AHEAD`] slots, given back when the consumer takes the page.
    slot: tokio::sync::OwnedSemaphorePermit,
}

impl<O> Prefetch<O> {
    async fn join(mut self) -> Result<Fetched<O>, Error> {
        match (&mut self.0).await {
            Ok(r) => r,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => Err(Error::Transport(crate::error::TransportError::new(
                crate::error::TransportErrorKind::Other,
                format!("the page fetched ahead was cancelled: {e}"),
            ))),
        }
    }
}

impl<O> Drop for Prefetch<O> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Requests `op`'s page once a slot is free. As soon as the start of its body names the
/// next page ([`Paginate::next_page_from_start`]: OSS writes the markers before the
/// entries), the next page is requested the same way, while this one is still arriving: the
/// chain of requests runs ahead of the consumer, [`AHEAD`] pages at most.
fn fetch<O>(client: Client, op: O, slots: Arc<Semaphore>) -> Prefetch<O>
where
    O: Paginate + Clone + PartialEq + Send + Sync + 'static,
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
        Ok(Fetched { raw, ahead, slot })
    }))
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
    /// At most [`AHEAD`] (4) pages are requested ahead of the one being parsed, so memory
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
        struct Ahead<O> {
            req: O,
            fetch: Option<Prefetch<O>>,
        }
        /// What the next poll does.
        enum Next<O> {
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
                    let Fetched { raw, ahead, slot } = sent.join().await?;
                    // The page is out of the window: the chain may request one more.
                    drop(slot);
                    let page = match req.from_response(raw) {
                        Ok(p) => p,
                        // A garbled page is fetched again through the retrying path.
                        Err(oss_sse_core::Error::Parse(_)) => client.send(&req).await?,
                        Err(e) => return Err(e.into()),
                    };
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
            let initiated = u
                .initiated
                .as_deref()
                .and_then(oss_sse_core::time::parse_iso8601);
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
