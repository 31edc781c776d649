//! `upload_file` and `download_file`: multipart above a threshold, parts in parallel, each
//! retried on its own, CRC-64 checked end to end, nothing left behind on failure.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::{StreamExt, TryStreamExt};
use oss_sse_core::crc::crc64_combine;
use oss_sse_core::ops::{
    AbortMultipartUpload, CompleteMultipartUpload, CompletedPart, GetObject,
    InitiateMultipartUpload, PutObject, UploadPart,
};
use oss_sse_core::{BuildError, ServerSideEncryption};
use tokio::io::{AsyncSeekExt, AsyncWriteExt};

use crate::body::UploadBody;
use crate::client::Client;
use crate::error::{Cancelled, Cleanup, Error, FileError, IntegrityError};
use tokio_util::sync::CancellationToken;

/// Smallest part OSS accepts (except the last).
pub const MIN_PART_SIZE: u64 = 100 * 1024;
/// Largest part.
pub const MAX_PART_SIZE: u64 = 5 * 1024 * 1024 * 1024;
/// Most parts in one upload.
pub const MAX_PARTS: u64 = 10_000;

/// Called with (bytes transferred so far, total bytes).
pub type Progress = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// Options of [`Client::upload_file`].
#[derive(Clone)]
#[non_exhaustive]
pub struct UploadOptions {
    /// Use multipart at or above this size (default 20 MiB).
    pub multipart_threshold: u64,
    /// Part size (default 8 MiB; raised automatically to stay within 10,000 parts).
    pub part_size: u64,
    /// Parts in flight (default 4).
    pub concurrency: usize,
    /// Server-side encryption (applied at PutObject / InitiateMultipartUpload).
    pub server_side_encryption: Option<ServerSideEncryption>,
    /// Content type.
    pub content_type: Option<String>,
    /// User metadata.
    pub metadata: Vec<(String, String)>,
    /// Progress callback.
    pub progress: Option<Progress>,
    /// Cancels the upload: it stops, aborts its multipart upload, and returns
    /// [`Error::Cancelled`] listing what it cleaned up.
    pub cancel: Option<CancellationToken>,
}

impl std::fmt::Debug for UploadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadOptions")
            .field("multipart_threshold", &self.multipart_threshold)
            .field("part_size", &self.part_size)
            .field("concurrency", &self.concurrency)
            .field("server_side_encryption", &self.server_side_encryption)
            .finish_non_exhaustive()
    }
}

impl Default for UploadOptions {
    fn default() -> Self {
        Self {
            multipart_threshold: 20 * 1024 * 1024,
            part_size: 8 * 1024 * 1024,
            concurrency: 4,
            server_side_encryption: None,
            content_type: None,
            metadata: Vec::new(),
            progress: None,
            cancel: None,
        }
    }
}

impl UploadOptions {
    /// Sets the cancellation token.
    #[must_use]
    pub fn with_cancel(mut self, token: CancellationToken) -> Self {
        self.cancel = Some(token);
        self
    }
    /// Sets the SSE.
    #[must_use]
    pub fn with_server_side_encryption(mut self, sse: ServerSideEncryption) -> Self {
        self.server_side_encryption = Some(sse);
        self
    }
    /// Sets the part size and multipart threshold.
    #[must_use]
    pub fn with_part_size(mut self, part_size: u64, threshold: u64) -> Self {
        self.part_size = part_size;
        self.multipart_threshold = threshold;
        self
    }
    /// Sets the concurrency.
    #[must_use]
    pub fn with_concurrency(mut self, n: usize) -> Self {
        self.concurrency = n;
        self
    }
    /// Sets the progress callback.
    #[must_use]
    pub fn with_progress(mut self, f: impl Fn(u64, u64) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }
    /// Sets the content type.
    #[must_use]
    pub fn with_content_type(mut self, ct: impl Into<String>) -> Self {
        self.content_type = Some(ct.into());
        self
    }
}

/// Options of [`Client::download_file`].
#[derive(Clone)]
#[non_exhaustive]
pub struct DownloadOptions {
    /// Use ranged parallel GETs at or above this size (default 20 MiB).
    pub multipart_threshold: u64,
    /// Range size (default 8 MiB).
    pub part_size: u64,
    /// Ranges in flight (default 4).
    pub concurrency: usize,
    /// Progress callback.
    pub progress: Option<Progress>,
    /// Cancels the download: it stops, removes its partial file, and returns
    /// [`Error::Cancelled`] saying so.
    pub cancel: Option<CancellationToken>,
}

impl std::fmt::Debug for DownloadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadOptions")
            .field("multipart_threshold", &self.multipart_threshold)
            .field("part_size", &self.part_size)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

impl Default for DownloadOptions {
    fn default() -> Self {
        Self {
            multipart_threshold: 20 * 1024 * 1024,
            part_size: 8 * 1024 * 1024,
            concurrency: 4,
            progress: None,
            cancel: None,
        }
    }
}

impl DownloadOptions {
    /// Sets the cancellation token.
    #[must_use]
    pub fn with_cancel(mut self, token: CancellationToken) -> Self {
        self.cancel = Some(token);
        self
    }
    /// Sets the range size and threshold.
    #[must_use]
    pub fn with_part_size(mut self, part_size: u64, threshold: u64) -> Self {
        self.part_size = part_size;
        self.multipart_threshold = threshold;
        self
    }
    /// Sets the concurrency.
    #[must_use]
    pub fn with_concurrency(mut self, n: usize) -> Self {
        self.concurrency = n;
        self
    }
    /// Sets the progress callback.
    #[must_use]
    pub fn with_progress(mut self, f: impl Fn(u64, u64) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }
}

/// What an upload produced.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadFileOutput {
    /// ETag of the object.
    pub etag: Option<oss_sse_core::ETag>,
    /// CRC-64 of the object (checked against the file's).
    pub hash_crc64: Option<u64>,
    /// The object's encryption as OSS declared it.
    pub server_side_encryption: Option<ServerSideEncryption>,
    /// Whether multipart was used.
    pub multipart: bool,
    /// Bytes uploaded.
    pub size: u64,
}

/// What a download produced.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadFileOutput {
    /// Bytes written.
    pub size: u64,
    /// CRC-64 of the bytes written (checked against OSS's when checks are on).
    pub hash_crc64: u64,
    /// The object's declared encryption.
    pub server_side_encryption: Option<ServerSideEncryption>,
}

fn check_part_options(part_size: u64, concurrency: usize) -> Result<(), Error> {
    if !(MIN_PART_SIZE..=MAX_PART_SIZE).contains(&part_size) {
        return Err(BuildError::new(
            "part_size",
            format!("{part_size} is outside {MIN_PART_SIZE}..={MAX_PART_SIZE} bytes"),
        )
        .into());
    }
    if concurrency == 0 || concurrency > 128 {
        return Err(
            BuildError::new("concurrency", format!("{concurrency} is outside 1..=128")).into(),
        );
    }
    Ok(())
}

/// Runs `f` unless `token` fires first (then `Error::Cancelled`, and `f` is dropped).
pub(crate) async fn unless_cancelled<T>(
    token: Option<&CancellationToken>,
    f: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    match token {
        None => f.await,
        Some(t) => tokio::select! {
            r = f => r,
            () = t.cancelled() => Err(Error::Cancelled(Cancelled::default())),
        },
    }
}

async fn file_crc(path: &Path, offset: u64, len: u64) -> Result<u64, Error> {
    use tokio::io::AsyncReadExt;
    let mut f = tokio::fs::File::open(path)
        .await
        .map_err(|e| Error::File(FileError::new(path, "read", e)))?;
    f.seek(std::io::SeekFrom::Start(offset))
        .await
        .map_err(|e| Error::File(FileError::new(path, "seek in", e)))?;
    let mut crc = oss_sse_core::crc::Crc64::new();
    let mut left = len;
    let mut buf = vec![0u8; 1 << 20];
    while left > 0 {
        let n = (left as usize).min(buf.len());
        f.read_exact(&mut buf[..n])
            .await
            .map_err(|e| Error::File(FileError::new(path, "read", e)))?;
        crc.update(&buf[..n]);
        left -= n as u64;
    }
    Ok(crc.value())
}

impl Client {
    /// Uploads a file: one streamed PutObject below the threshold, otherwise a multipart
    /// upload with SSE applied at initiate, parts in parallel and each retried on its own.
    /// On failure the multipart upload is aborted.
    pub async fn upload_file(
        &self,
        bucket: &str,
        key: &str,
        path: impl AsRef<Path>,
        opts: &UploadOptions,
    ) -> Result<UploadFileOutput, Error> {
        let path = path.as_ref().to_path_buf();
        check_part_options(opts.part_size, opts.concurrency)?;
        let meta = tokio::fs::metadata(&path)
            .await
            .map_err(|e| Error::File(FileError::new(&path, "read", e)))?;
        if !meta.is_file() {
            return Err(BuildError::new(
                "path",
                format!("{} is not a regular file", path.display()),
            )
            .into());
        }
        let size = meta.len();
        let progress = opts.progress.clone();
        if size < opts.multipart_threshold {
            let mut op = PutObject::streaming(bucket, key, size);
            if let Some(sse) = &opts.server_side_encryption {
                op = op.with_server_side_encryption(sse.clone());
            }
            if let Some(ct) = &opts.content_type {
                op = op.with_content_type(ct.clone());
            }
            for (k, v) in &opts.metadata {
                op = op.with_metadata(k.clone(), v.clone());
            }
            let out = unless_cancelled(
                opts.cancel.as_ref(),
                self.send_with_body(&op, &UploadBody::file_range(&path, 0, size)),
            )
            .await?;
            if let Some(p) = &progress {
                p(size, size);
            }
            return Ok(UploadFileOutput {
                etag: out.etag,
                hash_crc64: out.hash_crc64,
                server_side_encryption: out.server_side_encryption,
                multipart: false,
                size,
            });
        }
        let mut part_size = opts.part_size;
        while size.div_ceil(part_size) > MAX_PARTS {
            part_size *= 2;
        }
        let mut init = InitiateMultipartUpload::new(bucket, key);
        if let Some(sse) = &opts.server_side_encryption {
            init = init.with_server_side_encryption(sse.clone());
        }
        if let Some(ct) = &opts.content_type {
            init = init.with_content_type(ct.clone());
        }
        for (k, v) in &opts.metadata {
            init = init.with_metadata(k.clone(), v.clone());
        }
        let started = self.send(&init).await?;
        let upload_id = started.upload_id.clone();
        // If this future is dropped (cancelled) while parts are in flight, abort the upload
        // in the background rather than leak it.
        let mut guard = AbortOnDrop(Some((
            self.clone(),
            bucket.to_owned(),
            key.to_owned(),
            upload_id.clone(),
        )));
        let result = unless_cancelled(
            opts.cancel.as_ref(),
            self.upload_parts(
                bucket,
                key,
                &upload_id,
                &path,
                size,
                part_size,
                opts.concurrency,
                progress,
            ),
        )
        .await;
        guard.0 = None;
        match result {
            Ok(out) => Ok(out),
            Err(e) => {
                // Never leave a half-written upload behind.
                let aborted = self.abort_upload(bucket, key, &upload_id).await;
                Err(with_upload_cleanup(e, bucket, key, &upload_id, aborted))
            }
        }
    }

    /// Aborts a multipart upload, trying harder than one call's retry budget (the upload is
    /// what a failure would leak). Says whether it is gone.
    pub(crate) async fn abort_upload(&self, bucket: &str, key: &str, upload_id: &str) -> bool {
        let abort = AbortMultipartUpload::new(bucket, key, upload_id);
        for round in 0..3u32 {
            match self.send(&abort).await {
                Ok(_) => return true,
                Err(a) if a.as_service().is_some_and(|s| s.code() == "NoSuchUpload") => {
                    return true;
                }
                Err(a) => {
                    tracing::warn!(upload_id, round, error = %a, "could not abort the failed multipart upload");
                    tokio::time::sleep(std::time::Duration::from_millis(100 << round)).await;
                }
            }
        }
        false
    }

    #[allow(clippy::too_many_arguments)] // internal: the upload's full context
    async fn upload_parts(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        path: &Path,
        size: u64,
        part_size: u64,
        concurrency: usize,
        progress: Option<Progress>,
    ) -> Result<UploadFileOutput, Error> {
        let count = size.div_ceil(part_size).max(1);
        let done = Arc::new(AtomicU64::new(0));
        let parts: Vec<(u32, String, u64, u64)> = futures_util::stream::iter(0..count)
            .map(|i| {
                let done = done.clone();
                let progress = progress.clone();
                let path: PathBuf = path.to_path_buf();
                async move {
                    let offset = i * part_size;
                    let len = part_size.min(size - offset);
                    let n = u32::try_from(i + 1).expect("at most 10,000 parts");
                    let op = UploadPart::streaming(bucket, key, upload_id, n, len);
                    let out = self
                        .send_with_body(&op, &UploadBody::file_range(&path, offset, len))
                        .await?;
                    let total = done.fetch_add(len, Ordering::Relaxed) + len;
                    if let Some(p) = &progress {
                        p(total, size);
                    }
                    let etag = out.etag.map(String::from).unwrap_or_default();
                    let crc = match out.hash_crc64 {
                        Some(c) => c,
                        None => file_crc(&path, offset, len).await?,
                    };
                    Ok::<_, Error>((n, etag, crc, len))
                }
            })
            .buffer_unordered(concurrency)
            .try_collect()
            .await?;
        let mut parts = parts;
        parts.sort_by_key(|p| p.0);
        let combined = parts
            .iter()
            .fold(0u64, |acc, (_, _, crc, len)| crc64_combine(acc, *crc, *len));
        let list = parts
            .iter()
            .map(|(n, e, _, _)| CompletedPart::new(*n, e.clone()))
            .collect();
        let out = self
            .send(&CompleteMultipartUpload::new(bucket, key, upload_id, list))
            .await?;
        if let Some(server) = out.hash_crc64
            && server != combined
        {
            return Err(Error::Integrity(IntegrityError {
                operation: "CompleteMultipartUpload",
                client_crc64: combined,
                server_crc64: server,
            }));
        }
        Ok(UploadFileOutput {
            etag: out.etag,
            hash_crc64: out.hash_crc64,
            server_side_encryption: out.server_side_encryption,
            multipart: true,
            size,
        })
    }

    /// Downloads an object to `path`, via `<path>.oss-sse.part` renamed into place on
    /// success, so a failed download never leaves a partial file at `path`. Large objects
    /// are fetched as parallel ranges; the whole file's CRC-64 is checked.
    pub async fn download_file(
        &self,
        bucket: &str,
        key: &str,
        path: impl AsRef<Path>,
        opts: &DownloadOptions,
    ) -> Result<DownloadFileOutput, Error> {
        check_part_options(opts.part_size, opts.concurrency)?;
        let path = path.as_ref().to_path_buf();
        let tmp = {
            let mut name = path
                .file_name()
                .map(|n| n.to_os_string())
                .unwrap_or_default();
            name.push(".oss-sse.part");
            path.with_file_name(name)
        };
        // Removes the partial file however the download ends short of the rename: an
        // error, or this future being dropped (cancelled).
        let mut partial = RemoveOnDrop(Some(tmp.clone()));
        let out = match unless_cancelled(
            opts.cancel.as_ref(),
            self.download_to(bucket, key, &tmp, opts),
        )
        .await
        {
            Ok(out) => out,
            Err(Error::Cancelled(mut c)) => {
                partial.0 = None;
                if tokio::fs::remove_file(&tmp).await.is_ok() {
                    c.cleaned.push(Cleanup::RemovedFile(tmp));
                }
                return Err(Error::Cancelled(c));
            }
            Err(e) => return Err(e),
        };
        tokio::fs::rename(&tmp, &path)
            .await
            .map_err(|e| Error::File(FileError::new(&path, "write", e)))?;
        partial.0 = None;
        Ok(out)
    }

    async fn download_to(
        &self,
        bucket: &str,
        key: &str,
        tmp: &Path,
        opts: &DownloadOptions,
    ) -> Result<DownloadFileOutput, Error> {
        let head = self.head_object(bucket, key).await?;
        let size = head.content_length.unwrap_or(0);
        // Created empty, not sized: ranges written at their offsets extend it, and writing
        // into a file pre-sized with `set_len` (a sparse file) measured ~30% slower here.
        tokio::fs::File::create(tmp)
            .await
            .map_err(|e| Error::File(FileError::new(tmp, "create", e)))?;
        let ranges: Vec<(u64, u64)> = if size < opts.multipart_threshold || size == 0 {
            vec![(0, size)]
        } else {
            (0..size.div_ceil(opts.part_size))
                .map(|i| {
                    let s = i * opts.part_size;
                    (s, opts.part_size.min(size - s))
                })
                .collect()
        };
        let whole = ranges.len() == 1;
        let done = Arc::new(AtomicU64::new(0));
        let progress = opts.progress.clone();
        let mut crcs: Vec<(u64, u64, u64)> = futures_util::stream::iter(ranges)
            .map(|(start, len)| {
                let done = done.clone();
                let progress = progress.clone();
                async move {
                    let crc = self
                        .fetch_range(
                            bucket,
                            key,
                            tmp,
                            start,
                            len,
                            whole,
                            size,
                            &done,
                            progress.as_ref(),
                        )
                        .await?;
                    Ok::<_, Error>((start, crc, len))
                }
            })
            .buffer_unordered(opts.concurrency)
            .try_collect()
            .await?;
        crcs.sort_by_key(|c| c.0);
        let crc = crcs
            .iter()
            .fold(0u64, |acc, (_, c, l)| crc64_combine(acc, *c, *l));
        if let Some(server) = head.hash_crc64
            && self.crc_download_enabled()
            && server != crc
        {
            return Err(Error::Integrity(IntegrityError {
                operation: "download_file",
                client_crc64: crc,
                server_crc64: server,
            }));
        }
        Ok(DownloadFileOutput {
            size,
            hash_crc64: crc,
            server_side_encryption: head.server_side_encryption,
        })
    }

    /// Writes bytes `start..start+len` to `tmp`, resuming with a narrower range when the
    /// connection breaks, up to the retry budget. Returns the range's CRC-64.
    #[allow(clippy::too_many_arguments)] // internal: one range's full context
    async fn fetch_range(
        &self,
        bucket: &str,
        key: &str,
        tmp: &Path,
        start: u64,
        len: u64,
        whole: bool,
        total: u64,
        done: &AtomicU64,
        progress: Option<&Progress>,
    ) -> Result<u64, Error> {
        let mut f = tokio::fs::OpenOptions::new()
            .write(true)
            .open(tmp)
            .await
            .map_err(|e| Error::File(FileError::new(tmp, "write", e)))?;
        let mut got = 0u64;
        let mut crc = oss_sse_core::crc::Crc64::new();
        let mut failures = 0u32;
        while got < len || (len == 0 && got == 0 && failures == 0 && whole) {
            let pos = start + got;
            let mut op = GetObject::new(bucket, key);
            if !(whole && got == 0) {
                op = op.with_range(pos, Some(start + len - 1));
            }
            let attempt = async {
                let mut s = self.get_object(&op).await?;
                f.seek(std::io::SeekFrom::Start(pos))
                    .await
                    .map_err(|e| Error::File(FileError::new(tmp, "seek in", e)))?;
                while let Some(chunk) = s.body.next().await {
                    let chunk = chunk?;
                    f.write_all(&chunk)
                        .await
                        .map_err(|e| Error::File(FileError::new(tmp, "write", e)))?;
                    crc.update(&chunk);
                    got += chunk.len() as u64;
                    let t =
                        done.fetch_add(chunk.len() as u64, Ordering::Relaxed) + chunk.len() as u64;
                    if let Some(p) = progress {
                        p(t, total);
                    }
                }
                Ok::<_, Error>(())
            };
            match attempt.await {
                Ok(()) if len == 0 => break,
                Ok(()) => {}
                Err(e) if e.is_retryable() && failures + 1 < self.max_attempts() => {
                    failures += 1;
                    if matches!(e, Error::Integrity(_)) {
                        // A corrupted full read: start this range over.
                        done.fetch_sub(got, Ordering::Relaxed);
                        got = 0;
                        crc = oss_sse_core::crc::Crc64::new();
                    }
                    tracing::debug!(error = %e, got, "download interrupted; resuming");
                }
                Err(e) => return Err(e),
            }
        }
        f.flush()
            .await
            .map_err(|e| Error::File(FileError::new(tmp, "write", e)))?;
        Ok(crc.value())
    }
}

/// Adds what became of an abandoned multipart upload to a cancellation.
pub(crate) fn with_upload_cleanup(
    e: Error,
    bucket: &str,
    key: &str,
    upload_id: &str,
    aborted: bool,
) -> Error {
    match e {
        Error::Cancelled(mut c) => {
            let (bucket, key, upload_id) =
                (bucket.to_owned(), key.to_owned(), upload_id.to_owned());
            c.cleaned.push(if aborted {
                Cleanup::AbortedUpload {
                    bucket,
                    key,
                    upload_id,
                }
            } else {
                Cleanup::UploadLeftOpen {
                    bucket,
                    key,
                    upload_id,
                }
            });
            Error::Cancelled(c)
        }
        e => e,
    }
}

/// Deletes a partial download's file when dropped still armed.
struct RemoveOnDrop(Option<PathBuf>);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            // A quick unlink; it may not exist yet (nothing was created).
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Aborts a multipart upload in the background when dropped still armed: the
/// `upload_file` future was cancelled between initiate and complete.
struct AbortOnDrop(Option<(Client, String, String, String)>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        let Some((client, bucket, key, upload_id)) = self.0.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(async move {
                    let abort = AbortMultipartUpload::new(&bucket, &key, &upload_id);
                    if let Err(e) = client.send(&abort).await {
                        tracing::warn!(upload_id, error = %e, "could not abort the cancelled multipart upload");
                    }
                });
            }
            Err(_) => {
                tracing::warn!(
                    upload_id,
                    "cancelled multipart upload left open: no runtime to abort it on"
                );
            }
        }
    }
}
