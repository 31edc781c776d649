//! The managed copy: one CopyObject below a threshold, else a parallel multipart copy
//! (UploadPartCopy), never copying anything but the version it looked at, checking the
//! result's CRC-64 against the source's, and aborting what it started on failure.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::{StreamExt, TryStreamExt};
use oss_sse_core::ops::{
    CompleteMultipartUpload, CompletedPart, CopyObject, GetObjectTagging, InitiateMultipartUpload,
    MetadataDirective, ObjectHead, ObjectHeaders, TaggingDirective, Tags, UploadPartCopy,
};
use oss_sse_core::{BuildError, ObjectType, ServerSideEncryption};
use tokio_util::sync::CancellationToken;

use crate::client::Client;
use crate::error::{Error, IntegrityError};
use crate::transfer::{
    MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE, Progress, unless_cancelled, with_upload_cleanup,
};

/// Copies at or above this size use a multipart copy: OSS refuses a CopyObject that changes
/// the encryption (or storage class) of an object above 1 GB.
pub const DEFAULT_COPY_THRESHOLD: u64 = 1 << 30;
/// Default part size of a multipart copy (as the official v2 SDKs), raised to stay within
/// 10,000 parts.
pub const DEFAULT_COPY_PART_SIZE: u64 = 64 << 20;

/// What the copy's metadata (headers and `x-oss-meta-*`) is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum MetadataChange {
    /// The source's, as HEAD reports it, sent explicitly (so it survives a copy onto itself,
    /// where OSS keeps only what the request carries).
    #[default]
    Keep,
    /// These instead.
    Replace {
        /// Standard headers.
        headers: ObjectHeaders,
        /// User metadata.
        metadata: Vec<(String, String)>,
    },
}

/// What the copy's tags are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TagsChange {
    /// The source's (read with GetObjectTagging when it has any), sent explicitly.
    #[default]
    Keep,
    /// These instead (empty: none).
    Replace(Tags),
}

/// Options of [`Client::copy`].
#[derive(Clone)]
#[non_exhaustive]
pub struct CopyOptions {
    /// At or above this size, a multipart copy (default 1 GiB).
    pub threshold: u64,
    /// Part size of a multipart copy (default 64 MiB; raised to fit 10,000 parts).
    pub part_size: u64,
    /// Parts copied at once (default 4).
    pub concurrency: usize,
    /// The destination's encryption (`None`: the destination bucket's default rule).
    pub server_side_encryption: Option<ServerSideEncryption>,
    /// Metadata of the destination.
    pub metadata: MetadataChange,
    /// Tags of the destination.
    pub tags: TagsChange,
    /// Fail with 409 `FileAlreadyExists` rather than overwrite the destination.
    pub forbid_overwrite: bool,
    /// Copy only this version of the source (its ETag); by default the one HEAD sees first.
    /// A source that changes meanwhile makes the copy fail with 412 `PreconditionFailed`.
    pub source_etag: Option<String>,
    /// The source as a HeadObject the caller already made: the copy then makes none, and
    /// copies only that version (its ETag), with its metadata.
    pub source_head: Option<ObjectHead>,
    /// Stops the copy (aborting its multipart upload): [`Error::Cancelled`].
    pub cancel: Option<CancellationToken>,
    /// Called with (bytes copied, total).
    pub progress: Option<Progress>,
}

impl Default for CopyOptions {
    fn default() -> Self {
        Self {
            threshold: DEFAULT_COPY_THRESHOLD,
            part_size: DEFAULT_COPY_PART_SIZE,
            concurrency: 4,
            server_side_encryption: None,
            metadata: MetadataChange::Keep,
            tags: TagsChange::Keep,
            forbid_overwrite: false,
            source_etag: None,
            source_head: None,
            cancel: None,
            progress: None,
        }
    }
}

impl std::fmt::Debug for CopyOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CopyOptions")
            .field("threshold", &self.threshold)
            .field("part_size", &self.part_size)
            .field("concurrency", &self.concurrency)
            .field("server_side_encryption", &self.server_side_encryption)
            .field("metadata", &self.metadata)
            .field("tags", &self.tags)
            .field("forbid_overwrite", &self.forbid_overwrite)
            .field("source_etag", &self.source_etag)
            .finish_non_exhaustive()
    }
}

impl CopyOptions {
    /// Sets the destination's encryption.
    #[must_use]
    pub fn with_server_side_encryption(mut self, sse: ServerSideEncryption) -> Self {
        self.server_side_encryption = Some(sse);
        self
    }
    /// Sets the multipart threshold and part size.
    #[must_use]
    pub fn with_part_size(mut self, part_size: u64, threshold: u64) -> Self {
        self.part_size = part_size;
        self.threshold = threshold;
        self
    }
    /// Sets the parts copied at once.
    #[must_use]
    pub fn with_concurrency(mut self, n: usize) -> Self {
        self.concurrency = n;
        self
    }
    /// Replaces the metadata.
    #[must_use]
    pub fn with_metadata(mut self, m: MetadataChange) -> Self {
        self.metadata = m;
        self
    }
    /// Replaces the tags.
    #[must_use]
    pub fn with_tags(mut self, t: TagsChange) -> Self {
        self.tags = t;
        self
    }
    /// Copies only this version of the source.
    #[must_use]
    pub fn with_source_etag(mut self, etag: impl Into<String>) -> Self {
        self.source_etag = Some(etag.into());
        self
    }
    /// Uses `head` (a HeadObject of the source) instead of making one: the copy is of that
    /// version only.
    #[must_use]
    pub fn with_source_head(mut self, head: ObjectHead) -> Self {
        self.source_head = Some(head);
        self
    }
    /// Refuses to overwrite the destination.
    #[must_use]
    pub fn with_forbid_overwrite(mut self, forbid: bool) -> Self {
        self.forbid_overwrite = forbid;
        self
    }
    /// Sets the cancellation token.
    #[must_use]
    pub fn with_cancel(mut self, token: CancellationToken) -> Self {
        self.cancel = Some(token);
        self
    }
    /// Sets the progress callback.
    #[must_use]
    pub fn with_progress(mut self, f: impl Fn(u64, u64) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }
}

/// What a managed copy produced.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CopyOutput {
    /// ETag of the destination, without quotes.
    pub etag: Option<oss_sse_core::ETag>,
    /// CRC-64 of the destination (checked against the source's).
    pub hash_crc64: Option<u64>,
    /// Bytes copied.
    pub size: u64,
    /// Whether a multipart copy was used.
    pub multipart: bool,
    /// The destination's encryption as OSS declared it.
    pub server_side_encryption: Option<ServerSideEncryption>,
    /// The ETag of the source version copied.
    pub source_etag: String,
    /// The source as HEAD saw it before the copy.
    pub source: ObjectHead,
}

/// The part size for `size` bytes: at least `want`, within OSS's limits, at most 10,000 parts.
fn part_size_for(size: u64, want: u64) -> u64 {
    let mut p = want.clamp(MIN_PART_SIZE, MAX_PART_SIZE);
    while size.div_ceil(p) > MAX_PARTS && p < MAX_PART_SIZE {
        p = (p * 2).min(MAX_PART_SIZE);
    }
    p
}

impl Client {
    /// Copies an object inside OSS, whatever its size. Below `threshold` one CopyObject;
    /// otherwise InitiateMultipartUpload (carrying the encryption, metadata and tags), then
    /// UploadPartCopy of each range in parallel, then CompleteMultipartUpload. Every request
    /// names the source's ETag (`x-oss-copy-source-if-match`), so a source that changes
    /// during the copy fails it with 412 instead of producing a mix. The destination's CRC-64
    /// is compared with the source's; a failed or cancelled multipart copy is aborted.
    ///
    /// Copying an object onto itself with a new `server_side_encryption` re-encrypts it in
    /// place, keeping its metadata and tags (sent explicitly: OSS keeps only what a self-copy
    /// carries). The multipart path cannot stop a writer that replaces the object between
    /// the last part and the completion; the single CopyObject path can (OSS checks the
    /// condition when it copies).
    pub async fn copy(
        &self,
        source_bucket: &str,
        source_key: &str,
        bucket: &str,
        key: &str,
        opts: &CopyOptions,
    ) -> Result<CopyOutput, Error> {
        if opts.concurrency == 0 || opts.concurrency > 128 {
            return Err(BuildError::new(
                "concurrency",
                format!("{} is outside 1..=128", opts.concurrency),
            )
            .into());
        }
        if let Some(sse) = &opts.server_side_encryption {
            sse.validate()?;
        }
        let source = match &opts.source_head {
            Some(h) => h.clone(),
            None => {
                unless_cancelled(
                    opts.cancel.as_ref(),
                    self.head_object(source_bucket, source_key),
                )
                .await?
            }
        };
        let etag = match (&opts.source_etag, &source.etag) {
            (Some(want), Some(have)) if !want.trim_matches('"').eq_ignore_ascii_case(have) => {
                return Err(precondition_failed(source_key, want));
            }
            (Some(want), _) => want.trim_matches('"').to_owned(),
            (None, Some(have)) => have.to_string(),
            (None, None) => {
                return Err(Error::Parse(oss_sse_core::ParseError::other(
                    "HeadObject of the copy source returned no ETag",
                )));
            }
        };
        let size = source.content_length.unwrap_or(0);
        let (headers, metadata) = match &opts.metadata {
            MetadataChange::Keep => (source.headers(), source.metadata.clone()),
            MetadataChange::Replace { headers, metadata } => (headers.clone(), metadata.clone()),
        };
        let tags = match &opts.tags {
            TagsChange::Replace(t) => t.clone(),
            TagsChange::Keep if source.tagging_count == 0 => Vec::new(),
            TagsChange::Keep => {
                unless_cancelled(
                    opts.cancel.as_ref(),
                    self.send(&GetObjectTagging::new(source_bucket, source_key)),
                )
                .await?
                .tags
            }
        };
        let (out, multipart) = if size < opts.threshold {
            let mut op = CopyObject::new(source_bucket, source_key, bucket, key)
                .with_metadata_directive(MetadataDirective::Replace)
                .with_headers(headers)
                .with_tagging_directive(TaggingDirective::Replace)
                .with_copy_source_if_match(etag.clone())
                .with_forbid_overwrite(opts.forbid_overwrite);
            for (k, v) in metadata {
                op = op.with_metadata(k, v);
            }
            for (k, v) in tags {
                op = op.with_tag(k, v);
            }
            if let Some(sse) = &opts.server_side_encryption {
                op = op.with_server_side_encryption(sse.clone());
            }
            let r = unless_cancelled(opts.cancel.as_ref(), self.copy_object(&op)).await?;
            if let Some(p) = &opts.progress {
                p(size, size);
            }
            (
                CopyOutput {
                    etag: r.etag,
                    hash_crc64: r.hash_crc64,
                    size,
                    multipart: false,
                    server_side_encryption: r.server_side_encryption,
                    source_etag: etag.clone(),
                    source: source.clone(),
                },
                false,
            )
        } else {
            if source.object_type == Some(ObjectType::Appendable) {
                return Err(BuildError::new(
                    "source",
                    "an Appendable object cannot be copied in parts (UploadPartCopy); below the threshold one CopyObject can copy it",
                )
                .into());
            }
            let mut init = InitiateMultipartUpload::new(bucket, key).with_headers(headers);
            for (k, v) in metadata {
                init = init.with_metadata(k, v);
            }
            for (k, v) in tags {
                init = init.with_tag(k, v);
            }
            if let Some(sse) = &opts.server_side_encryption {
                init = init.with_server_side_encryption(sse.clone());
            }
            let started = unless_cancelled(opts.cancel.as_ref(), self.send(&init)).await?;
            let upload_id = started.upload_id;
            let result = unless_cancelled(
                opts.cancel.as_ref(),
                self.copy_parts(
                    source_bucket,
                    source_key,
                    bucket,
                    key,
                    &upload_id,
                    size,
                    &etag,
                    opts,
                ),
            )
            .await;
            match result {
                Ok(done) => (
                    CopyOutput {
                        etag: done.etag,
                        hash_crc64: done.hash_crc64,
                        size,
                        multipart: true,
                        server_side_encryption: done.server_side_encryption,
                        source_etag: etag.clone(),
                        source: source.clone(),
                    },
                    true,
                ),
                Err(e) => {
                    let aborted = self.abort_upload(bucket, key, &upload_id).await;
                    return Err(with_upload_cleanup(e, bucket, key, &upload_id, aborted));
                }
            }
        };
        if let (Some(src), Some(dst)) = (source.hash_crc64, out.hash_crc64)
            && src != dst
        {
            return Err(Error::Integrity(IntegrityError {
                operation: if multipart {
                    "copy (multipart)"
                } else {
                    "copy"
                },
                client_crc64: src,
                server_crc64: dst,
            }));
        }
        Ok(out)
    }

    #[allow(clippy::too_many_arguments)] // internal: one copy's full context
    async fn copy_parts(
        &self,
        source_bucket: &str,
        source_key: &str,
        bucket: &str,
        key: &str,
        upload_id: &str,
        size: u64,
        etag: &str,
        opts: &CopyOptions,
    ) -> Result<oss_sse_core::ops::CompleteMultipartUploadOutput, Error> {
        let part = part_size_for(size, opts.part_size);
        let count = size.div_ceil(part).max(1);
        let done = AtomicU64::new(0);
        let mut parts: Vec<CompletedPart> = futures_util::stream::iter(0..count)
            .map(|i| {
                let done = &done;
                async move {
                    let first = i * part;
                    let last = (first + part).min(size).saturating_sub(1);
                    let n = u32::try_from(i + 1).expect("at most 10,000 parts");
                    let mut op =
                        UploadPartCopy::new(bucket, key, upload_id, n, source_bucket, source_key)
                            .with_copy_source_if_match(etag);
                    if size > 0 {
                        op = op.with_source_range(first, last);
                    }
                    let out = self.send(&op).await?;
                    let len = if size == 0 { 0 } else { last + 1 - first };
                    let total = done.fetch_add(len, Ordering::Relaxed) + len;
                    if let Some(p) = &opts.progress {
                        p(total, size);
                    }
                    let etag = out.etag.ok_or_else(|| {
                        Error::Parse(oss_sse_core::ParseError::other(
                            "UploadPartCopy returned no ETag",
                        ))
                    })?;
                    Ok::<_, Error>(CompletedPart::new(n, etag))
                }
            })
            .buffer_unordered(opts.concurrency)
            .try_collect()
            .await?;
        parts.sort_by_key(|p| p.part_number);
        self.send(
            &CompleteMultipartUpload::new(bucket, key, upload_id, parts)
                .with_forbid_overwrite(opts.forbid_overwrite),
        )
        .await
    }
}

fn precondition_failed(key: &str, want: &str) -> Error {
    Error::Service(Box::new(oss_sse_core::ServiceError::new(
        http::StatusCode::PRECONDITION_FAILED,
        "PreconditionFailed",
        format!("the copy source {key} no longer has ETag {want}"),
    )))
}
