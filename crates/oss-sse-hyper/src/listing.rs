//! Listings as streams: every page in turn (one request in flight), so memory stays bounded
//! whatever the bucket's size; and cleaning up multipart uploads nobody completed.

use std::time::{Duration, SystemTime};

use futures_util::{Stream, StreamExt, TryStreamExt};
use oss_sse_core::ops::{
    AbortMultipartUpload, ListMultipartUploads, ListMultipartUploadsOutput, ListObjectsV2,
    ListObjectsV2Output, MultipartUploadSummary, ObjectSummary, Paginate,
};

use crate::client::Client;
use crate::error::Error;

/// A page fetched ahead; dropping it (the stream dropped, or a different marker followed)
/// aborts the request.
struct Prefetch(tokio::task::JoinHandle<Result<http::Response<bytes::Bytes>, Error>>);

impl Prefetch {
    async fn join(mut self) -> Result<http::Response<bytes::Bytes>, Error> {
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

impl Drop for Prefetch {
    fn drop(&mut self) {
        self.0.abort();
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
    /// Page N+1 is requested as soon as page N has arrived, before page N is parsed (its
    /// marker is found by [`Paginate::next_page_early`]'s scan), so fetching overlaps parsing
    /// and the consumer's work; at most one page is fetched ahead, so memory stays bounded
    /// whatever the bucket's size. The parsed page stays the authority: when its marker
    /// differs from the scan's, the early fetch is dropped and the parsed marker followed. A
    /// service that hands back the marker it was given ends the stream with a parse error
    /// (following it would loop forever).
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
            fetch: Option<Prefetch>,
        }
        /// What the next poll does.
        enum Next<O> {
            Fetch(Ahead<O>),
            /// The page just yielded named itself as the next one.
            Loop,
            Done,
        }
        let client = self.clone();
        futures_util::stream::try_unfold(
            Next::Fetch(Ahead {
                req: first,
                fetch: None,
            }),
            move |state| {
                let client = client.clone();
                async move {
                    let Ahead { req, fetch } = match state {
                        Next::Fetch(a) => a,
                        Next::Done => return Ok(None),
                        Next::Loop => {
                            return Err(Error::Parse(oss_sse_core::ParseError::other(format!(
                                "{} returned the same continuation marker twice",
                                O::NAME
                            ))));
                        }
                    };
                    let raw = match fetch {
                        Some(f) => f.join().await?,
                        None => client.send_raw(&req).await?,
                    };
                    // Ask for the next page now; parse this one while it comes.
                    let early = req.next_page_early(&raw).filter(|n| *n != req);
                    let ahead = early.map(|n| {
                        let c = client.clone();
                        let sent = n.clone();
                        let fetch = Prefetch(tokio::spawn(async move { c.send_raw(&sent).await }));
                        (n, fetch)
                    });
                    if ahead.is_some() {
                        // On a runtime worker the fetch just spawned waits in this worker's
                        // LIFO slot, where no other worker can take it, until this task
                        // yields: let it send its request before the parse holds the worker.
                        tokio::task::yield_now().await;
                    }
                    let page = match req.from_response(raw) {
                        Ok(p) => p,
                        // A garbled page is fetched again through the retrying path.
                        Err(oss_sse_core::Error::Parse(_)) => client.send(&req).await?,
                        Err(e) => return Err(e.into()),
                    };
                    let next = match req.next_page(&page) {
                        Some(n) if n == req => Next::Loop,
                        Some(n) => match ahead {
                            Some((early, fetch)) if early == n => Next::Fetch(Ahead {
                                req: n,
                                fetch: Some(fetch),
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
