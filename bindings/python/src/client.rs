//! `oss_sse.Client` (blocking, releases the GIL during I/O) and `oss_sse.AsyncClient`
//! (asyncio): the same methods, generated from one definition. Each converts its arguments
//! into owned Rust values, calls `oss_sse_hyper::Client`, and converts the result.

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use oss_sse_hyper::{
    Client, CopyOptions, DownloadOptions, MetadataChange, RetryPolicy, TagsChange, UploadOptions,
};
use pyo3::prelude::*;

use crate::conv;
use crate::credentials::provider;
use crate::errors::{client_error, to_pyerr};
use crate::fork::PerProcess;
use crate::listing::{PyAsyncListIterator, PyListIterator, Yield};
use crate::ops::{self, NewObject, with_any_op};
use crate::runtime::{block_on, block_on_parallel, runtime, spawn};
use crate::sansio::{ENDPOINT_TYPES, STYLES, VERSIONS};
use crate::types::ToPy;

/// The Rust clients behind a Python client, in one process.
#[derive(Debug, Clone)]
pub(crate) struct Live {
    inner: Client,
    transfers: Client,
}

/// The constructor's arguments of a client, kept for pickling.
#[derive(Debug)]
pub(crate) struct Init {
    region: String,
    kwargs: Py<pyo3::types::PyDict>,
}

/// Builds the Rust client from the constructor arguments.
#[allow(clippy::too_many_arguments)] // mirrors the Python signature
fn build_client(
    region: &str,
    credentials: Option<&Bound<'_, PyAny>>,
    endpoint: Option<String>,
    endpoint_type: Option<&str>,
    addressing_style: Option<&str>,
    signature_version: &str,
    max_attempts: Option<u32>,
    retry_base_delay: Option<&Bound<'_, PyAny>>,
    retry_max_backoff: Option<&Bound<'_, PyAny>>,
    connect_timeout: Option<&Bound<'_, PyAny>>,
    read_timeout: Option<&Bound<'_, PyAny>>,
    operation_timeout: Option<&Bound<'_, PyAny>>,
    crc_check: bool,
) -> PyResult<Client> {
    let mut b = Client::builder(region)
        .signature_version(conv::choice(
            signature_version,
            "signature_version",
            VERSIONS,
        )?)
        .crc_upload_check(crc_check)
        .crc_download_check(crc_check);
    match credentials {
        Some(c) if !c.is_none() => b = b.credentials_provider(provider(c)?),
        _ => {
            return Err(client_error(
                "credentials",
                "no credentials: pass Credentials(...) or a provider such as EnvironmentProvider()",
            ));
        }
    }
    if let Some(e) = endpoint {
        b = b.endpoint(e);
    }
    if let Some(t) = endpoint_type {
        b = b.endpoint_type(conv::choice(t, "endpoint_type", ENDPOINT_TYPES)?);
    }
    if let Some(s) = addressing_style {
        b = b.addressing_style(conv::choice(s, "addressing_style", STYLES)?);
    }
    let mut retry = RetryPolicy::default();
    if let Some(n) = max_attempts {
        if n == 0 {
            return Err(client_error("max_attempts", "must be at least 1"));
        }
        retry = retry.with_max_attempts(n);
    }
    let base = retry_base_delay
        .map(|d| conv::duration(d, "retry_base_delay"))
        .transpose()?
        .unwrap_or(retry.base_delay);
    let cap = retry_max_backoff
        .map(|d| conv::duration(d, "retry_max_backoff"))
        .transpose()?
        .unwrap_or(retry.max_backoff);
    if cap < base {
        return Err(client_error(
            "retry_max_backoff",
            format!("({cap:?}) must not be below retry_base_delay ({base:?})"),
        ));
    }
    b = b.retry(retry.with_backoff(base, cap));
    if let Some(d) = connect_timeout {
        b = b.connect_timeout(conv::duration(d, "connect_timeout")?);
    }
    if let Some(d) = read_timeout {
        b = b.read_timeout(conv::duration(d, "read_timeout")?);
    }
    if let Some(d) = operation_timeout {
        b = b.operation_timeout(conv::duration(d, "operation_timeout")?);
    }
    // The connection pool is created inside the runtime it will run on.
    let _guard = runtime().enter();
    b.build().map_err(to_pyerr)
}

/// A progress callback, and the first exception it raised (re-raised when the transfer
/// ends, since the transfer cannot be interrupted from inside the callback).
struct Progress {
    callback: Option<Py<PyAny>>,
    error: Arc<Mutex<Option<PyErr>>>,
}

impl Progress {
    fn new(callback: Option<Py<PyAny>>) -> Self {
        Self {
            callback,
            error: Arc::new(Mutex::new(None)),
        }
    }

    /// The Rust callback: attaches to the interpreter and calls `callback(done, total)`.
    fn rust_callback(&self, py: Python<'_>) -> Option<impl Fn(u64, u64) + Send + Sync + 'static> {
        let cb = self.callback.as_ref()?.clone_ref(py);
        let slot = self.error.clone();
        Some(move |done: u64, total: u64| {
            Python::attach(|py| {
                let mut slot = slot
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if slot.is_some() {
                    return;
                }
                if let Err(e) = cb.call1(py, (done, total)) {
                    *slot = Some(e);
                }
            });
        })
    }

    /// The transfer's result, or the callback's exception.
    fn finish<T>(error: &Mutex<Option<PyErr>>, out: PyResult<T>) -> PyResult<T> {
        let out = out?;
        match error
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
        {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }
}

/// The two client classes: identical methods, differing only in how `run` drives the
/// future (blocking with the GIL released, or as an asyncio awaitable).
macro_rules! client_class {
    ($(#[doc = $doc:literal])* $cls:ident as $pyname:literal) => {
        $(#[doc = $doc])*
        #[pyclass(frozen, name = $pyname, module = "oss_sse._oss_sse")]
        #[derive(Debug, Clone)]
        pub(crate) struct $cls {
            /// The Rust clients of this process (rebuilt from `init` in a forked child).
            live: Arc<PerProcess<Live>>,
            /// The constructor's arguments, for pickling and for a forked child.
            init: Arc<Init>,
        }

        #[pymethods]
        impl $cls {
            #[new]
            #[pyo3(signature = (region, *, credentials=None, endpoint=None, endpoint_type=None, addressing_style=None, signature_version="v4", max_attempts=None, retry_base_delay=None, retry_max_backoff=None, connect_timeout=None, read_timeout=None, operation_timeout=None, crc_check=true))]
            #[allow(clippy::too_many_arguments)] // mirrors the Python signature
            fn new(
                region: &str,
                credentials: Option<&Bound<'_, PyAny>>,
                endpoint: Option<String>,
                endpoint_type: Option<&str>,
                addressing_style: Option<&str>,
                signature_version: &str,
                max_attempts: Option<u32>,
                retry_base_delay: Option<&Bound<'_, PyAny>>,
                retry_max_backoff: Option<&Bound<'_, PyAny>>,
                connect_timeout: Option<&Bound<'_, PyAny>>,
                read_timeout: Option<&Bound<'_, PyAny>>,
                operation_timeout: Option<&Bound<'_, PyAny>>,
                crc_check: bool,
            ) -> PyResult<Self> {
                let build = || {
                    build_client(
                        region,
                        credentials,
                        endpoint.clone(),
                        endpoint_type,
                        addressing_style,
                        signature_version,
                        max_attempts,
                        retry_base_delay,
                        retry_max_backoff,
                        connect_timeout,
                        read_timeout,
                        operation_timeout,
                        crc_check,
                    )
                };
                let inner = build()?;
                let transfers = if Self::OWN_TRANSFER_POOL {
                    build()?
                } else {
                    inner.clone()
                };
                let py = credentials.map(|c| c.py());
                let init = match py {
                    Some(py) => {
                        let kw = pyo3::types::PyDict::new(py);
                        kw.set_item("credentials", credentials)?;
                        kw.set_item("endpoint", endpoint)?;
                        kw.set_item("endpoint_type", endpoint_type)?;
                        kw.set_item("addressing_style", addressing_style)?;
                        kw.set_item("signature_version", signature_version)?;
                        kw.set_item("max_attempts", max_attempts)?;
                        kw.set_item("retry_base_delay", retry_base_delay)?;
                        kw.set_item("retry_max_backoff", retry_max_backoff)?;
                        kw.set_item("connect_timeout", connect_timeout)?;
                        kw.set_item("read_timeout", read_timeout)?;
                        kw.set_item("operation_timeout", operation_timeout)?;
                        kw.set_item("crc_check", crc_check)?;
                        Init { region: region.to_owned(), kwargs: kw.unbind() }
                    }
                    None => unreachable!("build() refuses a client without credentials"),
                };
                Ok(Self {
                    live: Arc::new(PerProcess::with(Live { inner, transfers })),
                    init: Arc::new(init),
                })
            }

            /// For pickling (``multiprocessing``, ``concurrent.futures``, Dask): a client
            /// pickles as its configuration and credentials provider, never as a connection;
            /// the copy opens its own connections in its own process.
            fn __getnewargs_ex__<'py>(
                &self,
                py: Python<'py>,
            ) -> PyResult<((String,), Bound<'py, pyo3::types::PyDict>)> {
                Ok(((self.init.region.clone(),), self.init.kwargs.bind(py).copy()?))
            }

            /// The signing region.
            #[getter]
            fn region(&self) -> &str {
                self.live().inner.config().region()
            }

            /// The request configuration (region, endpoint host, scheme, style).
            #[getter]
            fn config(&self) -> crate::sansio::PyConfig {
                crate::sansio::PyConfig(self.live().inner.config().clone())
            }

            /// The signing-clock correction in milliseconds, learned from
            /// ``RequestTimeTooSkewed`` answers.
            #[getter]
            fn clock_offset_ms(&self) -> i64 {
                self.live().inner.clock_offset_ms()
            }

            /// Region and host.
            fn __repr__(&self) -> String {
                format!(
                    "{}(region={}, host={})",
                    $pyname,
                    conv::repr(self.live().inner.config().region()),
                    conv::repr(self.live().inner.config().host())
                )
            }

            // -- generic --

            /// Sends any ``oss_sse.sansio`` operation and returns its result object.
            ///
            /// Raises
            /// ------
            /// OssError
            ///     (a subclass) when the operation fails.
            fn send<'py>(&self, py: Python<'py>, operation: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
                let client = self.inner();
                with_any_op!(operation, op => self.run(py, ops::send(client, op)))
            }

            /// A presigned request for an ``oss_sse.sansio`` operation (e.g.
            /// ``GetObject("bucket", "key")``), valid for ``expires`` seconds or a
            /// timedelta (default 900 s; at most 7 days with V4).
            ///
            /// Returns
            /// -------
            /// PresignedRequest
            ///     ``method``, ``url``, ``headers`` to send, and ``expiration``.
            #[pyo3(signature = (operation, *, expires=None))]
            fn presign<'py>(
                &self,
                py: Python<'py>,
                operation: &Bound<'py, PyAny>,
                expires: Option<&Bound<'py, PyAny>>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let expires = match expires {
                    Some(e) if !e.is_none() => conv::duration(e, "expires")?,
                    _ => std::time::Duration::from_secs(900),
                };
                let client = self.inner();
                with_any_op!(operation, op => self.run(py, async move {
                    client.presign(&op, expires).await.map(ToPy::to_py).map_err(to_pyerr)
                }))
            }

            // -- bucket encryption --

            /// Sets the bucket's default server-side encryption.
            ///
            /// ``rule`` is a ``ServerSideEncryptionRule`` or an algorithm name
            /// (``"AES256"``, ``"SM4"``, ``"KMS"``) with the optional
            /// ``kms_master_key_id`` and ``kms_data_encryption``.
            ///
            /// Returns
            /// -------
            /// PutBucketEncryptionOutput
            #[pyo3(signature = (bucket, rule, *, kms_master_key_id=None, kms_data_encryption=None))]
            fn put_bucket_encryption<'py>(
                &self,
                py: Python<'py>,
                bucket: String,
                rule: &Bound<'py, PyAny>,
                kms_master_key_id: Option<&str>,
                kms_data_encryption: Option<&str>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let op = ops::put_bucket_encryption(bucket, rule, kms_master_key_id, kms_data_encryption)?;
                self.run(py, ops::send(self.inner(), op))
            }

            /// The bucket's default encryption.
            ///
            /// Returns
            /// -------
            /// ServerSideEncryptionRule or None
            ///     None when the bucket has no rule.
            fn get_bucket_encryption<'py>(&self, py: Python<'py>, bucket: String) -> PyResult<Bound<'py, PyAny>> {
                let op = oss_sse_core::ops::GetBucketEncryption::new(bucket);
                self.run(py, ops::send(self.inner(), op))
            }

            /// Removes the bucket's default encryption (succeeds when none is set).
            ///
            /// Returns
            /// -------
            /// DeleteBucketEncryptionOutput
            fn delete_bucket_encryption<'py>(&self, py: Python<'py>, bucket: String) -> PyResult<Bound<'py, PyAny>> {
                let op = oss_sse_core::ops::DeleteBucketEncryption::new(bucket);
                self.run(py, ops::send(self.inner(), op))
            }

            // -- buckets --

            /// Creates a bucket (``storage_class``: ``"Standard"``, ``"IA"``...;
            /// ``acl``: ``"private"``, ``"public-read"``, ``"public-read-write"``).
            ///
            /// Returns
            /// -------
            /// PutBucketOutput
            #[pyo3(signature = (bucket, *, storage_class=None, acl=None))]
            fn put_bucket<'py>(
                &self,
                py: Python<'py>,
                bucket: String,
                storage_class: Option<String>,
                acl: Option<String>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let op = ops::put_bucket(bucket, storage_class, acl);
                self.run(py, ops::send(self.inner(), op))
            }

            /// Deletes an empty bucket (``ConflictError`` when it is not empty).
            ///
            /// Returns
            /// -------
            /// DeleteBucketOutput
            fn delete_bucket<'py>(&self, py: Python<'py>, bucket: String) -> PyResult<Bound<'py, PyAny>> {
                let op = oss_sse_core::ops::DeleteBucket::new(bucket);
                self.run(py, ops::send(self.inner(), op))
            }

            /// A bucket's properties, including its default encryption.
            ///
            /// Returns
            /// -------
            /// BucketInfo
            fn get_bucket_info<'py>(&self, py: Python<'py>, bucket: String) -> PyResult<Bound<'py, PyAny>> {
                let op = oss_sse_core::ops::GetBucketInfo::new(bucket);
                self.run(py, ops::send(self.inner(), op))
            }

            // -- objects --

            /// Uploads ``data`` as one object: bytes-like or str (from memory), a binary file
            /// object (streamed from where it is now; a seekable file is rewound for a retry,
            /// a non-seekable one is sent once and needs ``length``), or an iterator of bytes
            /// with its total ``length`` (sent once, never held whole).
            ///
            /// ``server_side_encryption`` is a ``ServerSideEncryption`` or an algorithm
            /// name (with ``server_side_encryption_key_id`` /
            /// ``server_side_data_encryption`` for KMS); without it the bucket's rule
            /// applies. ``tags`` (at most 10) are the object's tags. ``content_md5=True`` sends
            /// the body's MD5; ``forbid_overwrite`` fails with ``ConflictError`` instead of
            /// replacing an object.
            ///
            /// Returns
            /// -------
            /// PutObjectOutput
            #[pyo3(signature = (bucket, key, data, *, length=None, content_type=None, metadata=None, tags=None, server_side_encryption=None, server_side_encryption_key_id=None, server_side_data_encryption=None, content_md5=false, forbid_overwrite=false))]
            #[allow(clippy::too_many_arguments)] // mirrors the Python signature
            fn put_object<'py>(
                &self,
                py: Python<'py>,
                bucket: String,
                key: String,
                data: &Bound<'py, PyAny>,
                length: Option<u64>,
                content_type: Option<String>,
                metadata: Option<&Bound<'py, PyAny>>,
                tags: Option<&Bound<'py, PyAny>>,
                server_side_encryption: Option<&Bound<'py, PyAny>>,
                server_side_encryption_key_id: Option<&str>,
                server_side_data_encryption: Option<&str>,
                content_md5: bool,
                forbid_overwrite: bool,
            ) -> PyResult<Bound<'py, PyAny>> {
                let o = NewObject::new(
                    content_type,
                    metadata,
                    server_side_encryption,
                    server_side_encryption_key_id,
                    server_side_data_encryption,
                )?
                .with_tags(tags)?;
                let data = crate::upload::data(data, length, <Self as Flavor>::event_loop(py)?)?;
                self.upload(py, data, content_md5, |body| match body {
                    Ok(b) => ops::put_object(bucket, key, b, o, content_md5, forbid_overwrite),
                    Err(n) => ops::put_object_streaming(bucket, key, n, o, forbid_overwrite),
                })
            }

            /// Appends ``data`` at ``position`` (the object's current length; 0 creates an
            /// Appendable object, whose encryption the first append fixes).
            ///
            /// Returns
            /// -------
            /// AppendObjectOutput
            ///     ``next_position`` is where the next append starts.
            #[pyo3(signature = (bucket, key, position, data, *, length=None, content_type=None, metadata=None, server_side_encryption=None, server_side_encryption_key_id=None, server_side_data_encryption=None, content_md5=false))]
            #[allow(clippy::too_many_arguments)] // mirrors the Python signature
            fn append_object<'py>(
                &self,
                py: Python<'py>,
                bucket: String,
                key: String,
                position: u64,
                data: &Bound<'py, PyAny>,
                length: Option<u64>,
                content_type: Option<String>,
                metadata: Option<&Bound<'py, PyAny>>,
                server_side_encryption: Option<&Bound<'py, PyAny>>,
                server_side_encryption_key_id: Option<&str>,
                server_side_data_encryption: Option<&str>,
                content_md5: bool,
            ) -> PyResult<Bound<'py, PyAny>> {
                let o = NewObject::new(
                    content_type,
                    metadata,
                    server_side_encryption,
                    server_side_encryption_key_id,
                    server_side_data_encryption,
                )?;
                let data = crate::upload::data(data, length, <Self as Flavor>::event_loop(py)?)?;
                self.upload(py, data, content_md5, |body| match body {
                    Ok(b) => ops::append_object(bucket, key, position, b, o, content_md5),
                    Err(n) => ops::append_object_streaming(bucket, key, position, n, o),
                })
            }

            /// Downloads an object (decrypted by OSS) as a stream: the response's ``body``
            /// reads it as it arrives (see ``ObjectBody`` / ``AsyncObjectBody``), so any size
            /// fits in bounded memory. ``range`` is an inclusive ``(start, end)`` byte range
            /// (``end`` None reads to the end). A full read is checked against the object's
            /// CRC-64 when the stream reaches its end. Retries cover the request up to the
            /// response head; a body that breaks later raises from the read.
            ///
            /// Returns
            /// -------
            /// GetObjectResponse
            ///     ``head`` (an ``ObjectHead``) and ``body`` (to read); close it, or use the
            ///     response in a ``with`` block, when not reading to the end.
            #[pyo3(signature = (bucket, key, *, range=None, version_id=None))]
            fn get_object<'py>(
                &self,
                py: Python<'py>,
                bucket: String,
                key: String,
                range: Option<(u64, Option<u64>)>,
                version_id: Option<String>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let op = ops::get_object(bucket, key, range, version_id);
                let client = self.inner();
                self.run(py, async move {
                    client.get_object(&op).await.map(<Self as Flavor>::Response::from).map_err(to_pyerr)
                })
            }

            /// Downloads an object (decrypted by OSS) into memory, for small objects; a
            /// broken or corrupted body is retried as a whole. ``range`` is an inclusive
            /// ``(start, end)`` byte range (``end`` None reads to the end). A full read is
            /// checked against the object's CRC-64.
            ///
            /// Returns
            /// -------
            /// GetObjectOutput
            ///     ``head`` (an ``ObjectHead``) and ``body`` (bytes).
            #[pyo3(signature = (bucket, key, *, range=None, version_id=None))]
            fn get_object_bytes<'py>(
                &self,
                py: Python<'py>,
                bucket: String,
                key: String,
                range: Option<(u64, Option<u64>)>,
                version_id: Option<String>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let op = ops::get_object(bucket, key, range, version_id);
                self.run(py, ops::send(self.inner(), op))
            }

            /// An object's metadata and declared encryption.
            ///
            /// Returns
            /// -------
            /// ObjectHead
            #[pyo3(signature = (bucket, key, *, version_id=None))]
            fn head_object<'py>(
                &self,
                py: Python<'py>,
                bucket: String,
                key: String,
                version_id: Option<String>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let op = ops::head_object(bucket, key, version_id);
                self.run(py, ops::send(self.inner(), op))
            }

            /// Deletes an object (succeeds when it does not exist).
            ///
            /// Returns
            /// -------
            /// DeleteObjectOutput
            #[pyo3(signature = (bucket, key, *, version_id=None))]
            fn delete_object<'py>(
                &self,
                py: Python<'py>,
                bucket: String,
                key: String,
                version_id: Option<String>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let op = ops::delete_object(bucket, key, version_id);
                self.run(py, ops::send(self.inner(), op))
            }

            /// Copies ``source_bucket``/``source_key`` to ``bucket``/``key`` in one CopyObject
            /// (objects up to 5 GB; 1 GB when the encryption changes: use ``copy`` for any
            /// size). The copy is encrypted as ``server_side_encryption`` says (or by the
            /// destination bucket's rule), never like the source.
            /// ``metadata_directive="REPLACE"`` is needed for ``content_type`` and
            /// ``metadata``, ``tagging_directive="Replace"`` for ``tags``. The ``if_*``
            /// conditions apply to the source: a failed ``if_match`` /
            /// ``if_unmodified_since`` raises ``PreconditionFailedError`` (412), a failed
            /// ``if_none_match`` / ``if_modified_since`` too (304).
            ///
            /// Returns
            /// -------
            /// CopyObjectOutput
            #[pyo3(signature = (source_bucket, source_key, bucket, key, *, source_version_id=None, metadata_directive=None, content_type=None, metadata=None, tagging_directive=None, tags=None, server_side_encryption=None, server_side_encryption_key_id=None, server_side_data_encryption=None, if_match=None, if_none_match=None, if_modified_since=None, if_unmodified_since=None, forbid_overwrite=false))]
            #[allow(clippy::too_many_arguments)] // mirrors the Python signature
            fn copy_object<'py>(
                &self,
                py: Python<'py>,
                source_bucket: String,
                source_key: String,
                bucket: String,
                key: String,
                source_version_id: Option<String>,
                metadata_directive: Option<&str>,
                content_type: Option<String>,
                metadata: Option<&Bound<'py, PyAny>>,
                tagging_directive: Option<&str>,
                tags: Option<&Bound<'py, PyAny>>,
                server_side_encryption: Option<&Bound<'py, PyAny>>,
                server_side_encryption_key_id: Option<&str>,
                server_side_data_encryption: Option<&str>,
                if_match: Option<String>,
                if_none_match: Option<String>,
                if_modified_since: Option<&Bound<'py, PyAny>>,
                if_unmodified_since: Option<&Bound<'py, PyAny>>,
                forbid_overwrite: bool,
            ) -> PyResult<Bound<'py, PyAny>> {
                let o = NewObject::new(
                    content_type,
                    metadata,
                    server_side_encryption,
                    server_side_encryption_key_id,
                    server_side_data_encryption,
                )?
                .with_tags(tags)?;
                let c = ops::CopyIf::new(if_match, if_none_match, if_modified_since, if_unmodified_since)?;
                let op = ops::copy_object(source_bucket, source_key, bucket, key, source_version_id, metadata_directive, tagging_directive, forbid_overwrite, o, c)?;
                self.run(py, ops::send(self.inner(), op))
            }

            /// The managed copy: one CopyObject below ``multipart_threshold`` (default
            /// 1 GiB, the limit for changing an object's encryption), else a multipart copy
            /// of ``part_size`` parts (default 64 MiB), ``concurrency`` at a time (default 4),
            /// with the encryption set when the upload starts. Every part is copied only if
            /// the source still has the ETag seen at the start (``source_etag`` to pin one):
            /// a source changed mid-copy raises ``PreconditionFailedError`` and leaves no
            /// mixed object. The result's CRC-64 is checked against the source's, and a
            /// failed or interrupted copy aborts its upload.
            ///
            /// Copying an object onto itself with a new ``server_side_encryption`` re-encrypts
            /// it in place. The source's metadata, standard headers and tags are kept unless
            /// ``metadata`` / ``content_type`` (which replace all of the metadata and headers)
            /// or ``tags`` (which replace the tags) are given.
            ///
            /// ``progress(done, total)`` is called from a worker thread as parts complete.
            ///
            /// Returns
            /// -------
            /// CopyOutput
            #[pyo3(signature = (source_bucket, source_key, bucket, key, *, server_side_encryption=None, server_side_encryption_key_id=None, server_side_data_encryption=None, content_type=None, metadata=None, tags=None, forbid_overwrite=false, source_etag=None, multipart_threshold=None, part_size=None, concurrency=None, progress=None))]
            #[allow(clippy::too_many_arguments)] // mirrors the Python signature
            fn copy<'py>(
                &self,
                py: Python<'py>,
                source_bucket: String,
                source_key: String,
                bucket: String,
                key: String,
                server_side_encryption: Option<&Bound<'py, PyAny>>,
                server_side_encryption_key_id: Option<&str>,
                server_side_data_encryption: Option<&str>,
                content_type: Option<String>,
                metadata: Option<&Bound<'py, PyAny>>,
                tags: Option<&Bound<'py, PyAny>>,
                forbid_overwrite: bool,
                source_etag: Option<String>,
                multipart_threshold: Option<u64>,
                part_size: Option<u64>,
                concurrency: Option<usize>,
                progress: Option<Py<PyAny>>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let mut opts = CopyOptions::default().with_forbid_overwrite(forbid_overwrite);
                opts.server_side_encryption = crate::types::sse_arg(
                    server_side_encryption,
                    server_side_encryption_key_id,
                    server_side_data_encryption,
                )?;
                if content_type.is_some() || metadata.is_some_and(|m| !m.is_none()) {
                    let mut headers = oss_sse_core::ops::ObjectHeaders::default();
                    headers.content_type = content_type;
                    opts = opts.with_metadata(MetadataChange::Replace {
                        headers,
                        metadata: conv::metadata(metadata)?,
                    });
                }
                if let Some(t) = tags.filter(|t| !t.is_none()) {
                    opts = opts.with_tags(TagsChange::Replace(conv::metadata(Some(t))?));
                }
                if let Some(e) = source_etag {
                    opts = opts.with_source_etag(e);
                }
                if let Some(t) = multipart_threshold {
                    opts.threshold = t;
                }
                if let Some(p) = part_size {
                    opts.part_size = p;
                }
                if let Some(c) = concurrency {
                    opts.concurrency = c;
                }
                let progress = Progress::new(progress);
                if let Some(cb) = progress.rust_callback(py) {
                    opts = opts.with_progress(cb);
                }
                let client = self.transfers();
                let error = progress.error.clone();
                self.run_transfer(py, async move {
                    let out = client
                        .copy(&source_bucket, &source_key, &bucket, &key, &opts)
                        .await
                        .map(ToPy::to_py)
                        .map_err(to_pyerr);
                    Progress::finish(&error, out)
                })
            }

            // -- listing --

            /// The objects of a bucket (under ``prefix``), in key order, as an iterator of
            /// ``ObjectSummary`` (an async iterator on ``AsyncClient``). Keys are exactly as
            /// stored, whatever characters they hold. Pages of ``max_keys`` (default 1000)
            /// are fetched as the iteration goes, the next one while the current one is
            /// consumed, so memory stays bounded for any bucket size.
            ///
            /// With a ``delimiter`` the objects of one level are listed; ``.pages()`` gives
            /// the pages (``ListObjectsV2Output``), whose ``common_prefixes`` hold the
            /// sub-levels.
            ///
            /// Raises
            /// ------
            /// ClientError
            ///     At once, for a bad argument (e.g. ``max_keys`` outside 1..=1000).
            /// OssError
            ///     From the iteration step that meets it.
            #[pyo3(signature = (bucket, *, prefix=None, delimiter=None, start_after=None, continuation_token=None, max_keys=1000, fetch_owner=false))]
            #[allow(clippy::too_many_arguments)] // mirrors the Python signature
            fn list_objects_v2(
                &self,
                py: Python<'_>,
                bucket: String,
                prefix: Option<String>,
                delimiter: Option<String>,
                start_after: Option<String>,
                continuation_token: Option<String>,
                max_keys: Option<u32>,
                fetch_owner: bool,
            ) -> PyResult<Py<PyAny>> {
                let op = ops::list_objects_v2(bucket, prefix, delimiter, start_after, continuation_token, max_keys, fetch_owner);
                let start = crate::listing::start(self.transfers(), op)?;
                Self::listing(py, start)
            }

            /// The multipart uploads in progress (under ``prefix``), by key then upload id,
            /// as an iterator of ``MultipartUpload`` (async on ``AsyncClient``);
            /// ``.pages()`` gives ``ListMultipartUploadsOutput`` pages.
            #[pyo3(signature = (bucket, *, prefix=None, delimiter=None, key_marker=None, upload_id_marker=None, max_uploads=1000))]
            #[allow(clippy::too_many_arguments)] // mirrors the Python signature
            fn list_multipart_uploads(
                &self,
                py: Python<'_>,
                bucket: String,
                prefix: Option<String>,
                delimiter: Option<String>,
                key_marker: Option<String>,
                upload_id_marker: Option<String>,
                max_uploads: Option<u32>,
            ) -> PyResult<Py<PyAny>> {
                let op = ops::list_multipart_uploads(bucket, prefix, delimiter, key_marker, upload_id_marker, max_uploads);
                let start = crate::listing::start(self.transfers(), op)?;
                Self::listing(py, start)
            }

            /// Aborts every multipart upload under ``prefix`` initiated more than
            /// ``older_than`` ago (seconds or a timedelta; default 7 days). An upload whose
            /// start time is unknown is kept. A failure to abort one upload is reported in
            /// the result, not raised.
            ///
            /// Returns
            /// -------
            /// AbortReport
            #[pyo3(signature = (bucket, *, prefix="", older_than=None))]
            fn abort_incomplete_uploads<'py>(
                &self,
                py: Python<'py>,
                bucket: String,
                prefix: &str,
                older_than: Option<&Bound<'py, PyAny>>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let older_than = match older_than {
                    Some(d) if !d.is_none() => conv::duration(d, "older_than")?,
                    _ => std::time::Duration::from_secs(7 * 86_400),
                };
                let client = self.inner();
                let prefix = prefix.to_owned();
                self.run(py, async move {
                    client
                        .abort_incomplete_uploads(&bucket, &prefix, older_than)
                        .await
                        .map(ToPy::to_py)
                        .map_err(to_pyerr)
                })
            }

            // -- audit and re-encryption --

            /// Audits every object under ``prefix`` against an encryption policy:
            /// ``"bucket"`` (the bucket's default rule), ``"any"``, ``"AES256"``, ``"SM4"``,
            /// ``"KMS[:KEYID]"`` or ``"KMS+SM4[:KEYID]"``. Lists, HEADs ``concurrency``
            /// objects at a time (default 64) and yields a ``Finding`` per object, in no
            /// particular order, as an iterator (an async iterator on ``AsyncClient``) whose
            /// ``.summary`` holds the running totals and ``.report_html()`` the HTML report.
            /// ``inventory`` (``"oss://bucket/path/manifest.json"`` or a local path) replaces
            /// the listing (``inventory_files``: some of its data files only; objects it
            /// says are unencrypted are not HEADed); ``shard="I/N"`` keeps one of N disjoint
            /// parts of the keys (a stable hash), so N workers cover a bucket exactly once.
            ///
            /// Raises
            /// ------
            /// ClientError
            ///     At once, for a bad policy or argument.
            /// OssError
            ///     From the iteration step that meets it (a bucket without a rule when the
            ///     policy is ``"bucket"``, a listing error); a failed HEAD is a finding.
            #[pyo3(signature = (bucket, *, prefix="", policy="bucket", concurrency=64, max_rps=None, inventory=None, inventory_files=None, shard=None))]
            #[allow(clippy::too_many_arguments)] // mirrors the Python signature
            fn audit(
                &self,
                py: Python<'_>,
                bucket: String,
                prefix: &str,
                policy: &str,
                concurrency: usize,
                max_rps: Option<u32>,
                inventory: Option<&str>,
                inventory_files: Option<Vec<usize>>,
                shard: Option<&str>,
            ) -> PyResult<Py<PyAny>> {
                if !(1..=1024).contains(&concurrency) {
                    return Err(client_error("concurrency", format!("{concurrency} is outside 1..=1024")));
                }
                oss_sse_core::validate::bucket_name(&bucket).map_err(|e| crate::errors::core_err(e.into()))?;
                let mut opts = oss_sse_hyper::fleet::AuditOptions::default()
                    .with_prefix(prefix.to_owned())
                    .with_policy(crate::fleet::policy_arg(policy, "policy")?)
                    .with_concurrency(concurrency);
                opts.max_rps = max_rps;
                (opts.inventory, opts.shard) = crate::fleet::source_args(inventory, inventory_files, shard)?;
                Self::audit_iter(py, self.transfers(), bucket, opts)
            }

            /// Re-encrypts in place every object under ``prefix`` that does not meet ``to``
            /// (``"bucket"``, ``"AES256"``, ``"SM4"``, ``"KMS[:KEYID]"``,
            /// ``"KMS+SM4[:KEYID]"``): a copy onto itself only if it is still the version
            /// assessed (a concurrent write always wins and is reported as ``changed``), with
            /// every ``x-oss-meta-*``, the standard headers and the tags resent, then checked
            /// (size, CRC-64, encryption). ``journal`` records finished objects; with
            /// ``resume=True`` the objects an earlier run finished are not touched.
            /// Appendable objects are skipped unless ``include_appendable``. ``inventory``
            /// (``"oss://bucket/path/manifest.json"`` or a local path; ``inventory_files``
            /// for some of its data files only) replaces the listing; ``shard="I/N"`` keeps
            /// one of N disjoint parts of the keys.
            ///
            /// ``progress(result)`` is called with each ``ReencryptResult`` from a worker
            /// thread; an exception it raises stops the run and is re-raised.
            ///
            /// Returns
            /// -------
            /// ReencryptSummary
            #[pyo3(signature = (bucket, *, prefix="", to="bucket", concurrency=16, max_rps=None, dry_run=false, journal=None, resume=false, include_appendable=false, inventory=None, inventory_files=None, shard=None, progress=None))]
            #[allow(clippy::too_many_arguments)] // mirrors the Python signature
            fn reencrypt<'py>(
                &self,
                py: Python<'py>,
                bucket: String,
                prefix: &str,
                to: &str,
                concurrency: usize,
                max_rps: Option<u32>,
                dry_run: bool,
                journal: Option<PathBuf>,
                resume: bool,
                include_appendable: bool,
                inventory: Option<&str>,
                inventory_files: Option<Vec<usize>>,
                shard: Option<&str>,
                progress: Option<Py<PyAny>>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let mut args = crate::fleet::ReencryptArgs::new(
                    prefix.to_owned(), to, concurrency, max_rps, dry_run, journal, resume, include_appendable,
                )?;
                (args.opts.inventory, args.opts.shard) = crate::fleet::source_args(inventory, inventory_files, shard)?;
                let client = self.transfers();
                let error = Arc::new(Mutex::new(None));
                self.run_transfer(py, crate::fleet::reencrypt(client, bucket, args.opts, progress, error))
            }

            /// Reads an inventory's ``manifest.json`` (``"oss://bucket/path/manifest.json"``
            /// or a local path): its buckets, columns and data files. A distributed run gives
            /// each worker some of ``files`` (``audit(..., inventory_files=[i])``).
            ///
            /// Returns
            /// -------
            /// InventoryManifest
            fn inventory_manifest<'py>(&self, py: Python<'py>, manifest: &str) -> PyResult<Bound<'py, PyAny>> {
                let loc = manifest
                    .parse::<oss_sse_hyper::fleet::InventoryLocation>()
                    .map_err(|e| client_error("manifest", e.reason().to_owned()))?;
                let client = self.inner();
                self.run(py, async move {
                    client
                        .read_inventory_manifest(&loc)
                        .await
                        .map(crate::fleet::manifest)
                        .map_err(to_pyerr)
                })
            }

            // -- tagging --

            /// Replaces an object's tags (``Mapping[str, str]`` or pairs; at most 10).
            ///
            /// Returns
            /// -------
            /// PutObjectTaggingOutput
            fn put_object_tagging<'py>(
                &self,
                py: Python<'py>,
                bucket: String,
                key: String,
                tags: &Bound<'py, PyAny>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let op = ops::put_object_tagging(bucket, key, tags)?;
                self.run(py, ops::send(self.inner(), op))
            }

            /// An object's tags.
            ///
            /// Returns
            /// -------
            /// GetObjectTaggingOutput
            #[pyo3(signature = (bucket, key, *, version_id=None))]
            fn get_object_tagging<'py>(
                &self,
                py: Python<'py>,
                bucket: String,
                key: String,
                version_id: Option<String>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let op = ops::get_object_tagging(bucket, key, version_id);
                self.run(py, ops::send(self.inner(), op))
            }

            /// Removes an object's tags.
            ///
            /// Returns
            /// -------
            /// DeleteObjectTaggingOutput
            fn delete_object_tagging<'py>(
                &self,
                py: Python<'py>,
                bucket: String,
                key: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                let op = oss_sse_core::ops::DeleteObjectTagging::new(bucket, key);
                self.run(py, ops::send(self.inner(), op))
            }

            // -- multipart --

            /// Starts a multipart upload; its encryption is set here (parts and the
            /// completion carry none).
            ///
            /// Returns
            /// -------
            /// InitiateMultipartUploadOutput
            ///     ``upload_id`` identifies the upload.
            #[pyo3(signature = (bucket, key, *, content_type=None, metadata=None, tags=None, server_side_encryption=None, server_side_encryption_key_id=None, server_side_data_encryption=None))]
            #[allow(clippy::too_many_arguments)] // mirrors the Python signature
            fn initiate_multipart_upload<'py>(
                &self,
                py: Python<'py>,
                bucket: String,
                key: String,
                content_type: Option<String>,
                metadata: Option<&Bound<'py, PyAny>>,
                tags: Option<&Bound<'py, PyAny>>,
                server_side_encryption: Option<&Bound<'py, PyAny>>,
                server_side_encryption_key_id: Option<&str>,
                server_side_data_encryption: Option<&str>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let o = NewObject::new(
                    content_type,
                    metadata,
                    server_side_encryption,
                    server_side_encryption_key_id,
                    server_side_data_encryption,
                )?
                .with_tags(tags)?;
                let op = ops::initiate_multipart_upload(bucket, key, o);
                self.run(py, ops::send(self.inner(), op))
            }

            /// Uploads part ``part_number`` (1..=10000) of ``upload_id``.
            ///
            /// Returns
            /// -------
            /// UploadPartOutput
            ///     Pass it (or its ``part_number`` and ``etag``) to
            ///     ``complete_multipart_upload``.
            #[pyo3(signature = (bucket, key, upload_id, part_number, data, *, length=None, content_md5=false))]
            #[allow(clippy::too_many_arguments)] // mirrors the Python signature
            fn upload_part<'py>(
                &self,
                py: Python<'py>,
                bucket: String,
                key: String,
                upload_id: String,
                part_number: u32,
                data: &Bound<'py, PyAny>,
                length: Option<u64>,
                content_md5: bool,
            ) -> PyResult<Bound<'py, PyAny>> {
                let data = crate::upload::data(data, length, <Self as Flavor>::event_loop(py)?)?;
                self.upload(py, data, content_md5, |body| match body {
                    Ok(b) => ops::upload_part(bucket, key, upload_id, part_number, b, content_md5),
                    Err(n) => ops::upload_part_streaming(bucket, key, upload_id, part_number, n),
                })
            }

            /// Copies ``source_range`` (an inclusive ``(first, last)`` byte range; the
            /// whole object when None) of ``source_bucket``/``source_key`` as part
            /// ``part_number`` of ``upload_id``. OSS decrypts the source and encrypts the
            /// part as the upload says. The ``if_*`` conditions apply to the source.
            ///
            /// Returns
            /// -------
            /// UploadPartCopyOutput
            ///     Pass its ``etag`` (with the part number) to ``complete_multipart_upload``.
            #[pyo3(signature = (bucket, key, upload_id, part_number, source_bucket, source_key, *, source_range=None, source_version_id=None, if_match=None, if_none_match=None, if_modified_since=None, if_unmodified_since=None))]
            #[allow(clippy::too_many_arguments)] // mirrors the Python signature
            fn upload_part_copy<'py>(
                &self,
                py: Python<'py>,
                bucket: String,
                key: String,
                upload_id: String,
                part_number: u32,
                source_bucket: String,
                source_key: String,
                source_range: Option<(u64, u64)>,
                source_version_id: Option<String>,
                if_match: Option<String>,
                if_none_match: Option<String>,
                if_modified_since: Option<&Bound<'py, PyAny>>,
                if_unmodified_since: Option<&Bound<'py, PyAny>>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let c = ops::CopyIf::new(if_match, if_none_match, if_modified_since, if_unmodified_since)?;
                let op = ops::upload_part_copy(bucket, key, upload_id, part_number, source_bucket, source_key, source_range, source_version_id, c);
                self.run(py, ops::send(self.inner(), op))
            }

            /// Assembles the parts into the object. ``parts`` holds ``CompletedPart``,
            /// ``UploadPartOutput`` or ``(part_number, etag)`` items, in any order.
            ///
            /// Returns
            /// -------
            /// CompleteMultipartUploadOutput
            fn complete_multipart_upload<'py>(
                &self,
                py: Python<'py>,
                bucket: String,
                key: String,
                upload_id: String,
                parts: &Bound<'py, PyAny>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let op = oss_sse_core::ops::CompleteMultipartUpload::new(
                    bucket,
                    key,
                    upload_id,
                    crate::types::completed_parts(parts)?,
                );
                self.run(py, ops::send(self.inner(), op))
            }

            /// Cancels a multipart upload and frees its parts.
            ///
            /// Returns
            /// -------
            /// AbortMultipartUploadOutput
            fn abort_multipart_upload<'py>(
                &self,
                py: Python<'py>,
                bucket: String,
                key: String,
                upload_id: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                let op = oss_sse_core::ops::AbortMultipartUpload::new(bucket, key, upload_id);
                self.run(py, ops::send(self.inner(), op))
            }

            /// Lists the parts of ``upload_id`` uploaded so far (one page of at most
            /// ``max_parts``, after ``part_number_marker``).
            ///
            /// Returns
            /// -------
            /// ListPartsOutput
            #[pyo3(signature = (bucket, key, upload_id, *, max_parts=None, part_number_marker=None))]
            fn list_parts<'py>(
                &self,
                py: Python<'py>,
                bucket: String,
                key: String,
                upload_id: String,
                max_parts: Option<u32>,
                part_number_marker: Option<u32>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let op = ops::list_parts(bucket, key, upload_id, max_parts, part_number_marker);
                self.run(py, ops::send(self.inner(), op))
            }

            // -- files --

            /// Uploads a file: one streamed PutObject below ``multipart_threshold``
            /// (default 20 MiB), otherwise a multipart upload of ``part_size`` parts
            /// (default 8 MiB), ``concurrency`` at a time (default 4), with the SSE applied
            /// when the upload starts. On failure the multipart upload is aborted.
            ///
            /// ``progress(done, total)`` (a plain callable, not a coroutine function) is
            /// called from a worker thread as bytes are sent; an exception it raises is
            /// re-raised when the upload ends.
            ///
            /// Returns
            /// -------
            /// UploadFileOutput
            #[pyo3(signature = (bucket, key, path, *, content_type=None, metadata=None, server_side_encryption=None, server_side_encryption_key_id=None, server_side_data_encryption=None, multipart_threshold=None, part_size=None, concurrency=None, progress=None))]
            #[allow(clippy::too_many_arguments)] // mirrors the Python signature
            fn upload_file<'py>(
                &self,
                py: Python<'py>,
                bucket: String,
                key: String,
                path: PathBuf,
                content_type: Option<String>,
                metadata: Option<&Bound<'py, PyAny>>,
                server_side_encryption: Option<&Bound<'py, PyAny>>,
                server_side_encryption_key_id: Option<&str>,
                server_side_data_encryption: Option<&str>,
                multipart_threshold: Option<u64>,
                part_size: Option<u64>,
                concurrency: Option<usize>,
                progress: Option<Py<PyAny>>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let mut opts = UploadOptions::default();
                opts.server_side_encryption = crate::types::sse_arg(
                    server_side_encryption,
                    server_side_encryption_key_id,
                    server_side_data_encryption,
                )?;
                opts.content_type = content_type;
                opts.metadata = conv::metadata(metadata)?;
                if let Some(t) = multipart_threshold {
                    opts.multipart_threshold = t;
                }
                if let Some(p) = part_size {
                    opts.part_size = p;
                }
                if let Some(c) = concurrency {
                    opts.concurrency = c;
                }
                let progress = Progress::new(progress);
                if let Some(cb) = progress.rust_callback(py) {
                    opts = opts.with_progress(cb);
                }
                let client = self.transfers();
                let error = progress.error.clone();
                self.run_transfer(py, async move {
                    let out = client
                        .upload_file(&bucket, &key, &path, &opts)
                        .await
                        .map(ToPy::to_py)
                        .map_err(to_pyerr);
                    Progress::finish(&error, out)
                })
            }

            /// Downloads an object to ``path`` (via a temporary ``<path>.oss-sse.part``
            /// renamed into place, so a failure never leaves a partial file). Objects of
            /// at least ``multipart_threshold`` bytes are fetched as parallel ranges of
            /// ``part_size``; the whole file's CRC-64 is checked.
            ///
            /// ``progress(done, total)`` (a plain callable, not a coroutine function) is
            /// called from a worker thread as bytes arrive; an exception it raises is
            /// re-raised when the download ends.
            ///
            /// Returns
            /// -------
            /// DownloadFileOutput
            #[pyo3(signature = (bucket, key, path, *, multipart_threshold=None, part_size=None, concurrency=None, progress=None))]
            #[allow(clippy::too_many_arguments)] // mirrors the Python signature
            fn download_file<'py>(
                &self,
                py: Python<'py>,
                bucket: String,
                key: String,
                path: PathBuf,
                multipart_threshold: Option<u64>,
                part_size: Option<u64>,
                concurrency: Option<usize>,
                progress: Option<Py<PyAny>>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let mut opts = DownloadOptions::default();
                if let Some(t) = multipart_threshold {
                    opts.multipart_threshold = t;
                }
                if let Some(p) = part_size {
                    opts.part_size = p;
                }
                if let Some(c) = concurrency {
                    opts.concurrency = c;
                }
                let progress = Progress::new(progress);
                if let Some(cb) = progress.rust_callback(py) {
                    opts = opts.with_progress(cb);
                }
                let client = self.transfers();
                let error = progress.error.clone();
                self.run_transfer(py, async move {
                    let out = client
                        .download_file(&bucket, &key, &path, &opts)
                        .await
                        .map(ToPy::to_py)
                        .map_err(to_pyerr);
                    Progress::finish(&error, out)
                })
            }
        }

        impl $cls {
            /// This process's clients: in a child after `fork()`, new ones (own runtime, own
            /// connections) built from the constructor's arguments on first use.
            fn live(&self) -> &Live {
                self.live.get_pausing_with(
                    || {
                        Python::attach(|py| {
                            let fresh = py
                                .get_type::<Self>()
                                .call((self.init.region.as_str(),), Some(self.init.kwargs.bind(py)))
                                .and_then(|c| Ok(c.cast_into::<Self>()?.get().live().clone()));
                            // The same arguments built the parent's client.
                            fresh.expect("a client rebuilds from the arguments that built it")
                        })
                    },
                    crate::fork::pause_without_gil,
                )
            }

            /// The client for single requests.
            fn inner(&self) -> Client {
                self.live().inner.clone()
            }

            /// The client for `upload_file` / `download_file` and streamed uploads: for the
            /// blocking client a second connection pool that lives on the multi-thread runtime
            /// (see `runtime.rs`).
            fn transfers(&self) -> Client {
                self.live().transfers.clone()
            }

            /// Sends an upload built by `make`: from memory (`Ok(bytes)`), or streamed
            /// (`Err(length)`: the op is built with its `streaming` constructor and the
            /// body goes on the transfer pool).
            fn upload<'py, O>(
                &self,
                py: Python<'py>,
                data: crate::upload::Data,
                content_md5: bool,
                make: impl FnOnce(Result<bytes::Bytes, u64>) -> O,
            ) -> PyResult<Bound<'py, PyAny>>
            where
                O: ops::Dispatch,
                O::Output: ToPy,
            {
                match data {
                    crate::upload::Data::Bytes(b) => self.run(py, ops::send(self.inner(), make(Ok(b)))),
                    crate::upload::Data::Stream(body) => {
                        if content_md5 {
                            return Err(client_error(
                                "content_md5",
                                "needs the whole body in memory: it cannot be sent with a streamed one",
                            ));
                        }
                        let op = make(Err(body.len()));
                        let client = self.transfers();
                        self.run_transfer(py, async move {
                            client.send_with_body(&op, &body).await.map(ToPy::to_py).map_err(to_pyerr)
                        })
                    }
                }
            }
        }
    };
}

client_class! {
    /// A blocking OSS client. Each method releases the GIL while the request is signed,
    /// sent and answered, so other Python threads keep running; Ctrl-C interrupts a
    /// waiting call. The client is safe to share between threads (one connection pool).
    ///
    /// Parameters
    /// ----------
    /// region : str
    ///     Region id, e.g. ``"cn-hangzhou"``.
    /// credentials : Credentials or provider
    ///     ``Credentials(...)``, ``StaticProvider``, ``EnvironmentProvider()``,
    ///     ``EcsRamRoleProvider()`` or a ``ChainProvider``.
    /// endpoint : str, optional
    ///     A custom endpoint (``"https://..."``, ``"http://127.0.0.1:9000"``, a CNAME).
    /// endpoint_type : str, optional
    ///     ``"public"`` (default), ``"internal"``, ``"dual-stack"``, ``"accelerate"``...
    /// addressing_style : str, optional
    ///     ``"virtual-hosted"``, ``"path"`` or ``"cname"``.
    /// signature_version : str
    ///     ``"v4"`` (default) or ``"v1"``.
    /// max_attempts : int, optional
    ///     Attempts per request including the first (default 3).
    /// retry_base_delay, retry_max_backoff : float or timedelta, optional
    ///     Backoff between attempts: a random delay below ``base · 2^attempt``, capped at
    ///     ``retry_max_backoff`` (defaults 0.2 s and 20 s, the official SDKs' values).
    /// connect_timeout, read_timeout, operation_timeout : float or timedelta, optional
    ///     Connect timeout (5 s), idle read/write timeout (20 s), whole-operation
    ///     timeout (none).
    /// crc_check : bool
    ///     Check CRC-64 of uploads and full downloads (default True).
    PyClient as "Client"
}

client_class! {
    /// An asyncio OSS client with the same methods as ``Client``; each returns an
    /// awaitable. Requests run on a shared Rust runtime, not on the event loop thread.
    ///
    /// Parameters
    /// ----------
    /// region : str
    ///     Region id, e.g. ``"cn-hangzhou"``.
    /// credentials : Credentials or provider
    ///     ``Credentials(...)``, ``StaticProvider``, ``EnvironmentProvider()``,
    ///     ``EcsRamRoleProvider()`` or a ``ChainProvider``.
    /// endpoint : str, optional
    ///     A custom endpoint (``"https://..."``, ``"http://127.0.0.1:9000"``, a CNAME).
    /// endpoint_type : str, optional
    ///     ``"public"`` (default), ``"internal"``, ``"dual-stack"``, ``"accelerate"``...
    /// addressing_style : str, optional
    ///     ``"virtual-hosted"``, ``"path"`` or ``"cname"``.
    /// signature_version : str
    ///     ``"v4"`` (default) or ``"v1"``.
    /// max_attempts : int, optional
    ///     Attempts per request including the first (default 3).
    /// retry_base_delay, retry_max_backoff : float or timedelta, optional
    ///     Backoff between attempts: a random delay below ``base · 2^attempt``, capped at
    ///     ``retry_max_backoff`` (defaults 0.2 s and 20 s, the official SDKs' values).
    /// connect_timeout, read_timeout, operation_timeout : float or timedelta, optional
    ///     Connect timeout (5 s), idle read/write timeout (20 s), whole-operation
    ///     timeout (none).
    /// crc_check : bool
    ///     Check CRC-64 of uploads and full downloads (default True).
    PyAsyncClient as "AsyncClient"
}

/// What differs between the two client classes.
trait Flavor {
    /// The running event loop of an asyncio call (None for the blocking client).
    fn event_loop(py: Python<'_>) -> PyResult<Option<Bound<'_, PyAny>>>;

    /// What `get_object` answers.
    type Response: From<oss_sse_hyper::GetObjectStream> + for<'a> IntoPyObject<'a> + Send + 'static;
}

impl Flavor for PyClient {
    fn event_loop(_py: Python<'_>) -> PyResult<Option<Bound<'_, PyAny>>> {
        Ok(None)
    }
    type Response = crate::body::PendingResponse;
}

impl PyClient {
    /// Transfers get their own pool on the multi-thread runtime: their parts then use every
    /// core, and the single-request pool stays on the calling thread's runtime.
    const OWN_TRANSFER_POOL: bool = true;

    /// A listing as a (blocking) iterator.
    fn listing(py: Python<'_>, start: crate::listing::Start) -> PyResult<Py<PyAny>> {
        Ok(Py::new(py, PyListIterator::new(start, Yield::Items))?.into_any())
    }

    /// An audit as a (blocking) iterator.
    fn audit_iter(
        py: Python<'_>,
        client: Client,
        bucket: String,
        opts: oss_sse_hyper::fleet::AuditOptions,
    ) -> PyResult<Py<PyAny>> {
        Ok(Py::new(py, crate::fleet::PyAuditIterator::new(client, bucket, opts))?.into_any())
    }

    /// Blocks on `fut` with the GIL released, driving it on the calling thread.
    fn run<'py, F, T>(&self, py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
    where
        F: Future<Output = PyResult<T>> + Send + 'static,
        T: for<'a> IntoPyObject<'a> + Send + 'static,
    {
        block_on(py, fut)
    }

    /// Blocks on a transfer with the GIL released while it runs on the multi-thread runtime.
    fn run_transfer<'py, F, T>(&self, py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
    where
        F: Future<Output = PyResult<T>> + Send + 'static,
        T: for<'a> IntoPyObject<'a> + Send + 'static,
    {
        block_on_parallel(py, fut)
    }
}

impl Flavor for PyAsyncClient {
    fn event_loop(py: Python<'_>) -> PyResult<Option<Bound<'_, PyAny>>> {
        py.import("asyncio")?
            .call_method0("get_running_loop")
            .map(Some)
    }
    type Response = crate::body::PendingAsyncResponse;
}

impl PyAsyncClient {
    /// Everything already runs on the multi-thread runtime: one pool.
    const OWN_TRANSFER_POOL: bool = false;

    /// A listing as an async iterator.
    fn listing(py: Python<'_>, start: crate::listing::Start) -> PyResult<Py<PyAny>> {
        Ok(Py::new(py, PyAsyncListIterator::new(start, Yield::Items))?.into_any())
    }

    /// An audit as an async iterator.
    fn audit_iter(
        py: Python<'_>,
        client: Client,
        bucket: String,
        opts: oss_sse_hyper::fleet::AuditOptions,
    ) -> PyResult<Py<PyAny>> {
        Ok(Py::new(
            py,
            crate::fleet::PyAsyncAuditIterator::new(client, bucket, opts),
        )?
        .into_any())
    }

    /// Returns an asyncio awaitable for `fut`.
    fn run<'py, F, T>(&self, py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
    where
        F: Future<Output = PyResult<T>> + Send + 'static,
        T: for<'a> IntoPyObject<'a> + Send + 'static,
    {
        spawn(py, fut)
    }

    /// Same as [`run`](Self::run).
    fn run_transfer<'py, F, T>(&self, py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
    where
        F: Future<Output = PyResult<T>> + Send + 'static,
        T: for<'a> IntoPyObject<'a> + Send + 'static,
    {
        spawn(py, fut)
    }
}
