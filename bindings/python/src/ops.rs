//! The sans-IO operations (`oss_sse.sansio.PutObject(...)` ...): each wraps the core
//! operation built from the Python arguments, and offers `to_request` / `from_response`.
//! The clients build the same core operations with the same argument conversion.

use bytes::Bytes;
use oss_sse_core::ops::{self, MetadataDirective, Operation, Paginate, StreamingOperation};
use oss_sse_hyper::{BoxFuture, Client, Error};
use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::conv;
use crate::errors::{core_err, to_pyerr};
use crate::sansio::{PyConfig, PyRequest};
use crate::types::{ToPy, completed_parts, rule_arg, sse_arg};

// ---------------------------------------------------------------------------------------------
// Argument conversion shared by the operation classes and the client methods
// ---------------------------------------------------------------------------------------------

/// Content type, metadata and SSE of a new object, as given in Python.
pub(crate) struct NewObject {
    content_type: Option<String>,
    metadata: Vec<(String, String)>,
    tags: Vec<(String, String)>,
    sse: Option<oss_sse_core::ServerSideEncryption>,
}

impl NewObject {
    pub(crate) fn new(
        content_type: Option<String>,
        metadata: Option<&Bound<'_, PyAny>>,
        server_side_encryption: Option<&Bound<'_, PyAny>>,
        server_side_encryption_key_id: Option<&str>,
        server_side_data_encryption: Option<&str>,
    ) -> PyResult<Self> {
        Ok(Self {
            content_type,
            metadata: conv::metadata(metadata)?,
            tags: Vec::new(),
            sse: sse_arg(
                server_side_encryption,
                server_side_encryption_key_id,
                server_side_data_encryption,
            )?,
        })
    }
}

impl NewObject {
    /// Adds tags (``Mapping[str, str]`` or pairs).
    pub(crate) fn with_tags(mut self, tags: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        self.tags = conv::metadata(tags)?;
        Ok(self)
    }
}

/// Applies `NewObject` through the operation's own `with_*` setters.
macro_rules! apply_new_object {
    ($op:expr, $o:expr) => {{
        let o = $o;
        let mut op = $op;
        if let Some(ct) = o.content_type {
            op = op.with_content_type(ct);
        }
        for (k, v) in o.metadata {
            op = op.with_metadata(k, v);
        }
        for (k, v) in o.tags {
            op = op.with_tag(k, v);
        }
        if let Some(sse) = o.sse {
            op = op.with_server_side_encryption(sse);
        }
        op
    }};
}

pub(crate) fn put_bucket_encryption(
    bucket: String,
    rule: &Bound<'_, PyAny>,
    kms_master_key_id: Option<&str>,
    kms_data_encryption: Option<&str>,
) -> PyResult<ops::PutBucketEncryption> {
    Ok(ops::PutBucketEncryption::new(
        bucket,
        rule_arg(rule, kms_master_key_id, kms_data_encryption)?,
    ))
}

pub(crate) fn put_bucket(
    bucket: String,
    storage_class: Option<String>,
    acl: Option<String>,
) -> ops::PutBucket {
    let mut op = ops::PutBucket::new(bucket);
    if let Some(c) = storage_class {
        op = op.with_storage_class(c);
    }
    if let Some(a) = acl {
        op = op.with_acl(a);
    }
    op
}

pub(crate) fn put_object(
    bucket: String,
    key: String,
    data: Bytes,
    o: NewObject,
    content_md5: bool,
    forbid_overwrite: bool,
) -> ops::PutObject {
    let mut op = apply_new_object!(ops::PutObject::new(bucket, key, data), o);
    if content_md5 {
        op = op.with_content_md5();
    }
    if forbid_overwrite {
        op = op.with_forbid_overwrite(true);
    }
    op
}

pub(crate) fn put_object_streaming(
    bucket: String,
    key: String,
    len: u64,
    o: NewObject,
    forbid_overwrite: bool,
) -> ops::PutObject {
    let op = apply_new_object!(ops::PutObject::streaming(bucket, key, len), o);
    if forbid_overwrite {
        op.with_forbid_overwrite(true)
    } else {
        op
    }
}

pub(crate) fn append_object(
    bucket: String,
    key: String,
    position: u64,
    data: Bytes,
    o: NewObject,
    content_md5: bool,
) -> ops::AppendObject {
    let mut op = apply_new_object!(ops::AppendObject::new(bucket, key, position, data), o);
    if content_md5 {
        op = op.with_content_md5();
    }
    op
}

pub(crate) fn append_object_streaming(
    bucket: String,
    key: String,
    position: u64,
    len: u64,
    o: NewObject,
) -> ops::AppendObject {
    apply_new_object!(ops::AppendObject::streaming(bucket, key, position, len), o)
}

pub(crate) fn get_object(
    bucket: String,
    key: String,
    range: Option<(u64, Option<u64>)>,
    version_id: Option<String>,
) -> ops::GetObject {
    let mut op = ops::GetObject::new(bucket, key);
    if let Some((start, end)) = range {
        op = op.with_range(start, end);
    }
    if let Some(v) = version_id {
        op = op.with_version_id(v);
    }
    op
}

pub(crate) fn head_object(
    bucket: String,
    key: String,
    version_id: Option<String>,
) -> ops::HeadObject {
    let op = ops::HeadObject::new(bucket, key);
    match version_id {
        Some(v) => op.with_version_id(v),
        None => op,
    }
}

pub(crate) fn delete_object(
    bucket: String,
    key: String,
    version_id: Option<String>,
) -> ops::DeleteObject {
    let op = ops::DeleteObject::new(bucket, key);
    match version_id {
        Some(v) => op.with_version_id(v),
        None => op,
    }
}

/// The copy-source preconditions given in Python.
#[derive(Default)]
pub(crate) struct CopyIf {
    if_match: Option<String>,
    if_none_match: Option<String>,
    if_modified_since: Option<std::time::SystemTime>,
    if_unmodified_since: Option<std::time::SystemTime>,
}

impl CopyIf {
    pub(crate) fn new(
        if_match: Option<String>,
        if_none_match: Option<String>,
        if_modified_since: Option<&Bound<'_, PyAny>>,
        if_unmodified_since: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let t = |o: Option<&Bound<'_, PyAny>>, f| match o {
            Some(v) if !v.is_none() => conv::time(v, f).map(Some),
            _ => Ok(None),
        };
        Ok(Self {
            if_match,
            if_none_match,
            if_modified_since: t(if_modified_since, "if_modified_since")?,
            if_unmodified_since: t(if_unmodified_since, "if_unmodified_since")?,
        })
    }
}

/// Applies `CopyIf` through the operation's own setters.
macro_rules! apply_copy_if {
    ($op:expr, $c:expr) => {{
        let c = $c;
        let mut op = $op;
        if let Some(e) = c.if_match {
            op = op.with_copy_source_if_match(e);
        }
        if let Some(e) = c.if_none_match {
            op = op.with_copy_source_if_none_match(e);
        }
        if let Some(t) = c.if_modified_since {
            op = op.with_copy_source_if_modified_since(t);
        }
        if let Some(t) = c.if_unmodified_since {
            op = op.with_copy_source_if_unmodified_since(t);
        }
        op
    }};
}

#[allow(clippy::too_many_arguments)] // mirrors the Python signature
pub(crate) fn copy_object(
    source_bucket: String,
    source_key: String,
    bucket: String,
    key: String,
    source_version_id: Option<String>,
    metadata_directive: Option<&str>,
    tagging_directive: Option<&str>,
    forbid_overwrite: bool,
    o: NewObject,
    c: CopyIf,
) -> PyResult<ops::CopyObject> {
    let mut op = apply_copy_if!(
        apply_new_object!(
            ops::CopyObject::new(source_bucket, source_key, bucket, key),
            o
        ),
        c
    );
    if let Some(d) = tagging_directive {
        op = op.with_tagging_directive(conv::choice(
            d,
            "tagging_directive",
            &[
                ("copy", ops::TaggingDirective::Copy),
                ("replace", ops::TaggingDirective::Replace),
            ],
        )?);
    }
    if forbid_overwrite {
        op = op.with_forbid_overwrite(true);
    }
    if let Some(v) = source_version_id {
        op = op.with_source_version_id(v);
    }
    if let Some(d) = metadata_directive {
        op = op.with_metadata_directive(conv::choice(
            d,
            "metadata_directive",
            &[
                ("copy", MetadataDirective::Copy),
                ("replace", MetadataDirective::Replace),
            ],
        )?);
    }
    Ok(op)
}

pub(crate) fn initiate_multipart_upload(
    bucket: String,
    key: String,
    o: NewObject,
) -> ops::InitiateMultipartUpload {
    apply_new_object!(ops::InitiateMultipartUpload::new(bucket, key), o)
}

pub(crate) fn upload_part(
    bucket: String,
    key: String,
    upload_id: String,
    part_number: u32,
    data: Bytes,
    content_md5: bool,
) -> ops::UploadPart {
    let op = ops::UploadPart::new(bucket, key, upload_id, part_number, data);
    if content_md5 {
        op.with_content_md5()
    } else {
        op
    }
}

pub(crate) fn upload_part_streaming(
    bucket: String,
    key: String,
    upload_id: String,
    part_number: u32,
    len: u64,
) -> ops::UploadPart {
    ops::UploadPart::streaming(bucket, key, upload_id, part_number, len)
}

pub(crate) fn list_parts(
    bucket: String,
    key: String,
    upload_id: String,
    max_parts: Option<u32>,
    part_number_marker: Option<u32>,
) -> ops::ListParts {
    let mut op = ops::ListParts::new(bucket, key, upload_id);
    if let Some(n) = max_parts {
        op = op.with_max_parts(n);
    }
    if let Some(n) = part_number_marker {
        op = op.with_part_number_marker(n);
    }
    op
}

pub(crate) fn list_objects_v2(
    bucket: String,
    prefix: Option<String>,
    delimiter: Option<String>,
    start_after: Option<String>,
    continuation_token: Option<String>,
    max_keys: Option<u32>,
    fetch_owner: bool,
) -> ops::ListObjectsV2 {
    let mut op = ops::ListObjectsV2::new(bucket).with_fetch_owner(fetch_owner);
    if let Some(p) = prefix {
        op = op.with_prefix(p);
    }
    if let Some(d) = delimiter {
        op = op.with_delimiter(d);
    }
    if let Some(s) = start_after {
        op = op.with_start_after(s);
    }
    if let Some(t) = continuation_token {
        op = op.with_continuation_token(t);
    }
    if let Some(n) = max_keys {
        op = op.with_max_keys(n);
    }
    op
}

pub(crate) fn list_multipart_uploads(
    bucket: String,
    prefix: Option<String>,
    delimiter: Option<String>,
    key_marker: Option<String>,
    upload_id_marker: Option<String>,
    max_uploads: Option<u32>,
) -> ops::ListMultipartUploads {
    let mut op = ops::ListMultipartUploads::new(bucket);
    if let Some(p) = prefix {
        op = op.with_prefix(p);
    }
    if let Some(d) = delimiter {
        op = op.with_delimiter(d);
    }
    if let Some(k) = key_marker {
        op = op.with_key_marker(k);
    }
    if let Some(u) = upload_id_marker {
        op = op.with_upload_id_marker(u);
    }
    if let Some(n) = max_uploads {
        op = op.with_max_uploads(n);
    }
    op
}

#[allow(clippy::too_many_arguments)] // mirrors the Python signature
pub(crate) fn upload_part_copy(
    bucket: String,
    key: String,
    upload_id: String,
    part_number: u32,
    source_bucket: String,
    source_key: String,
    source_range: Option<(u64, u64)>,
    source_version_id: Option<String>,
    c: CopyIf,
) -> ops::UploadPartCopy {
    let mut op = apply_copy_if!(
        ops::UploadPartCopy::new(
            bucket,
            key,
            upload_id,
            part_number,
            source_bucket,
            source_key
        ),
        c
    );
    if let Some((first, last)) = source_range {
        op = op.with_source_range(first, last);
    }
    if let Some(v) = source_version_id {
        op = op.with_source_version_id(v);
    }
    op
}

pub(crate) fn put_object_tagging(
    bucket: String,
    key: String,
    tags: &Bound<'_, PyAny>,
) -> PyResult<ops::PutObjectTagging> {
    Ok(ops::PutObjectTagging::new(
        bucket,
        key,
        conv::metadata(Some(tags))?,
    ))
}

pub(crate) fn get_object_tagging(
    bucket: String,
    key: String,
    version_id: Option<String>,
) -> ops::GetObjectTagging {
    let op = ops::GetObjectTagging::new(bucket, key);
    match version_id {
        Some(v) => op.with_version_id(v),
        None => op,
    }
}

// ---------------------------------------------------------------------------------------------
// Sending an operation through the Rust client
// ---------------------------------------------------------------------------------------------

/// How the client sends an operation: `Client::send` for all but GetObject, which goes
/// through `get_object_bytes` (streamed, CRC-64 checked, buffered at the end).
pub(crate) trait Dispatch: Operation + Send + Sync + Sized + 'static {
    /// The Rust result.
    type Out: ToPy;
    /// Sends the operation.
    fn dispatch(self, client: Client) -> BoxFuture<'static, Result<Self::Out, Error>>;
}

macro_rules! dispatch_send {
    ($($op:ident),* $(,)?) => {$(
        impl Dispatch for ops::$op {
            type Out = <Self as Operation>::Output;
            fn dispatch(self, client: Client) -> BoxFuture<'static, Result<Self::Out, Error>> {
                Box::pin(async move { client.send(&self).await })
            }
        }
    )*};
}

dispatch_send!(
    PutBucketEncryption,
    GetBucketEncryption,
    DeleteBucketEncryption,
    PutBucket,
    DeleteBucket,
    GetBucketInfo,
    PutObject,
    AppendObject,
    HeadObject,
    DeleteObject,
    CopyObject,
    InitiateMultipartUpload,
    UploadPart,
    CompleteMultipartUpload,
    AbortMultipartUpload,
    ListParts,
    ListObjectsV2,
    ListMultipartUploads,
    UploadPartCopy,
    PutObjectTagging,
    GetObjectTagging,
    DeleteObjectTagging,
);

impl Dispatch for ops::GetObject {
    type Out = ops::GetObjectOutput;
    fn dispatch(self, client: Client) -> BoxFuture<'static, Result<Self::Out, Error>> {
        Box::pin(async move { client.get_object_bytes(&self).await })
    }
}

/// The future that sends `op` and yields its Python result.
pub(crate) async fn send<O: Dispatch>(client: Client, op: O) -> PyResult<<O::Out as ToPy>::Py> {
    op.dispatch(client).await.map(ToPy::to_py).map_err(to_pyerr)
}

// ---------------------------------------------------------------------------------------------
// The sans-IO operation classes
// ---------------------------------------------------------------------------------------------

/// A response from the status, headers and body given in Python.
fn response(
    status: u16,
    headers: &Bound<'_, PyAny>,
    body: Option<&Bound<'_, PyAny>>,
) -> PyResult<http::Response<Bytes>> {
    let body = match body {
        Some(b) if !b.is_none() => conv::data(b, "body")?,
        _ => Bytes::new(),
    };
    let mut resp = http::Response::new(body);
    *resp.status_mut() = http::StatusCode::from_u16(status).map_err(|_| {
        crate::errors::client_error("status", format!("{status} is not an HTTP status"))
    })?;
    *resp.headers_mut() = conv::headers(Some(headers))?;
    Ok(resp)
}

/// The unsigned request of `op`.
fn request<O: Operation>(py: Python<'_>, op: &O, config: &PyConfig) -> PyResult<PyRequest> {
    let req = op.to_request(&config.0).map_err(core_err)?;
    Ok(PyRequest::from_http(py, req))
}

/// One sans-IO operation class: the given constructor plus the shared methods.
macro_rules! sansio_op {
    (
        $(#[doc = $doc:literal])*
        $cls:ident($core:ident) as $pyname:literal;
        new { $($new:tt)* }
        extra { $($extra:tt)* }
    ) => {
        $(#[doc = $doc])*
        #[pyclass(frozen, name = $pyname, module = "oss_sse._oss_sse")]
        #[derive(Debug, Clone)]
        pub(crate) struct $cls(pub(crate) ops::$core);

        #[pymethods]
        impl $cls {
            $($new)*

            /// Builds the unsigned request for ``config``: validates every argument, then
            /// returns the method, URL (percent-encoded once), headers and body. Sign it
            /// with ``oss_sse.sansio.sign`` (bucket and key are on the request).
            ///
            /// Raises
            /// ------
            /// ClientError
            ///     When an argument is invalid (``field`` names it).
            fn to_request(&self, py: Python<'_>, config: PyRef<'_, PyConfig>) -> PyResult<PyRequest> {
                request(py, &self.0, &config)
            }

            /// Interprets a fully read response of any status.
            ///
            /// Parameters
            /// ----------
            /// status : int
            /// headers : mapping or iterable of (name, value)
            /// body : bytes, optional
            ///
            /// Returns the operation's result object.
            ///
            /// Raises
            /// ------
            /// ServiceError
            ///     (or a subclass) for a non-2xx status.
            /// ParseError
            ///     When the response cannot be interpreted.
            #[pyo3(signature = (status, headers, body=None))]
            #[allow(clippy::wrong_self_convention)] // mirrors `Operation::from_response(&self, ..)`
            fn from_response<'py>(
                &self,
                py: Python<'py>,
                status: u16,
                headers: &Bound<'py, PyAny>,
                body: Option<&Bound<'py, PyAny>>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let resp = response(status, headers, body)?;
                let out = self.0.from_response(resp).map_err(core_err)?;
                out.to_py().into_bound_py_any(py)
            }

            /// The OSS API name, e.g. ``"PutObject"``.
            #[getter]
            fn name(&self) -> &'static str {
                <ops::$core as Operation>::NAME
            }

            /// Whether sending the request twice has the same effect as once.
            #[getter]
            fn is_idempotent(&self) -> bool {
                self.0.is_idempotent()
            }

            /// ``<oss_sse.sansio.Name operation>``.
            fn __repr__(&self) -> String {
                format!("<oss_sse.sansio.{} operation>", $pyname)
            }

            $($extra)*
        }
    };
}

sansio_op! {
    /// ``PUT /?encryption``: sets a bucket's default server-side encryption.
    ///
    /// ``rule`` is a ``ServerSideEncryptionRule`` or an algorithm name (then with the
    /// optional ``kms_master_key_id`` / ``kms_data_encryption``).
    PyPutBucketEncryption(PutBucketEncryption) as "PutBucketEncryption";
    new {
        #[new]
        #[pyo3(signature = (bucket, rule, *, kms_master_key_id=None, kms_data_encryption=None))]
        fn new(
            bucket: String,
            rule: &Bound<'_, PyAny>,
            kms_master_key_id: Option<&str>,
            kms_data_encryption: Option<&str>,
        ) -> PyResult<Self> {
            put_bucket_encryption(bucket, rule, kms_master_key_id, kms_data_encryption).map(Self)
        }
    }
    extra {}
}

sansio_op! {
    /// ``GET /?encryption``: a bucket's default encryption; the result is a
    /// ``ServerSideEncryptionRule``, or None when the bucket has no rule.
    PyGetBucketEncryption(GetBucketEncryption) as "GetBucketEncryption";
    new {
        #[new]
        fn new(bucket: String) -> Self {
            Self(ops::GetBucketEncryption::new(bucket))
        }
    }
    extra {}
}

sansio_op! {
    /// ``DELETE /?encryption``: removes a bucket's default encryption.
    PyDeleteBucketEncryption(DeleteBucketEncryption) as "DeleteBucketEncryption";
    new {
        #[new]
        fn new(bucket: String) -> Self {
            Self(ops::DeleteBucketEncryption::new(bucket))
        }
    }
    extra {}
}

sansio_op! {
    /// ``PUT /``: creates a bucket (``storage_class``: Standard, IA, Archive...;
    /// ``acl``: private, public-read, public-read-write).
    PyPutBucket(PutBucket) as "PutBucket";
    new {
        #[new]
        #[pyo3(signature = (bucket, *, storage_class=None, acl=None))]
        fn new(bucket: String, storage_class: Option<String>, acl: Option<String>) -> Self {
            Self(put_bucket(bucket, storage_class, acl))
        }
    }
    extra {}
}

sansio_op! {
    /// ``DELETE /``: deletes an empty bucket.
    PyDeleteBucket(DeleteBucket) as "DeleteBucket";
    new {
        #[new]
        fn new(bucket: String) -> Self {
            Self(ops::DeleteBucket::new(bucket))
        }
    }
    extra {}
}

sansio_op! {
    /// ``GET /?bucketInfo``: a bucket's properties, including its default encryption.
    PyGetBucketInfo(GetBucketInfo) as "GetBucketInfo";
    new {
        #[new]
        fn new(bucket: String) -> Self {
            Self(ops::GetBucketInfo::new(bucket))
        }
    }
    extra {}
}

sansio_op! {
    /// ``PUT /<key>``: uploads an object in one request, optionally with server-side
    /// encryption (``server_side_encryption`` is a ``ServerSideEncryption`` or an
    /// algorithm name with the optional key id and data encryption).
    PyPutObject(PutObject) as "PutObject";
    new {
        #[new]
        #[pyo3(signature = (bucket, key, data, *, content_type=None, metadata=None, tags=None, server_side_encryption=None, server_side_encryption_key_id=None, server_side_data_encryption=None, content_md5=false, forbid_overwrite=false))]
        #[allow(clippy::too_many_arguments)] // mirrors the Python signature
        fn new(
            bucket: String,
            key: String,
            data: &Bound<'_, PyAny>,
            content_type: Option<String>,
            metadata: Option<&Bound<'_, PyAny>>,
            tags: Option<&Bound<'_, PyAny>>,
            server_side_encryption: Option<&Bound<'_, PyAny>>,
            server_side_encryption_key_id: Option<&str>,
            server_side_data_encryption: Option<&str>,
            content_md5: bool,
            forbid_overwrite: bool,
        ) -> PyResult<Self> {
            let o = NewObject::new(
                content_type,
                metadata,
                server_side_encryption,
                server_side_encryption_key_id,
                server_side_data_encryption,
            )?
            .with_tags(tags)?;
            Ok(Self(put_object(bucket, key, conv::data(data, "data")?, o, content_md5, forbid_overwrite)))
        }
    }
    extra {}
}

sansio_op! {
    /// ``POST /<key>?append&position=N``: appends to an Appendable object. The first
    /// append (position 0) fixes the object's encryption.
    PyAppendObject(AppendObject) as "AppendObject";
    new {
        #[new]
        #[pyo3(signature = (bucket, key, position, data, *, content_type=None, metadata=None, server_side_encryption=None, server_side_encryption_key_id=None, server_side_data_encryption=None, content_md5=false))]
        #[allow(clippy::too_many_arguments)] // mirrors the Python signature
        fn new(
            bucket: String,
            key: String,
            position: u64,
            data: &Bound<'_, PyAny>,
            content_type: Option<String>,
            metadata: Option<&Bound<'_, PyAny>>,
            server_side_encryption: Option<&Bound<'_, PyAny>>,
            server_side_encryption_key_id: Option<&str>,
            server_side_data_encryption: Option<&str>,
            content_md5: bool,
        ) -> PyResult<Self> {
            let o = NewObject::new(
                content_type,
                metadata,
                server_side_encryption,
                server_side_encryption_key_id,
                server_side_data_encryption,
            )?;
            Ok(Self(append_object(bucket, key, position, conv::data(data, "data")?, o, content_md5)))
        }
    }
    extra {}
}

sansio_op! {
    /// ``GET /<key>``: downloads an object, optionally the inclusive byte range
    /// ``(start, end)`` (``end`` None reads to the end).
    PyGetObject(GetObject) as "GetObject";
    new {
        #[new]
        #[pyo3(signature = (bucket, key, *, range=None, version_id=None))]
        fn new(
            bucket: String,
            key: String,
            range: Option<(u64, Option<u64>)>,
            version_id: Option<String>,
        ) -> Self {
            Self(get_object(bucket, key, range, version_id))
        }
    }
    extra {
        /// Interprets the head of a streamed response (status and headers, body unread).
        ///
        /// Returns an ``ObjectHead``; for a non-2xx status read the body and call
        /// ``from_response`` (or ``sansio.parse_error``) instead.
        ///
        /// Raises
        /// ------
        /// ServiceError
        ///     For a non-2xx status (from the headers only).
        #[allow(clippy::wrong_self_convention)] // mirrors `StreamingOperation::from_response_head`
        fn from_response_head<'py>(
            &self,
            py: Python<'py>,
            status: u16,
            headers: &Bound<'py, PyAny>,
        ) -> PyResult<Bound<'py, PyAny>> {
            let (parts, _) = response(status, headers, None)?.into_parts();
            let head = self.0.from_response_head(&parts).map_err(core_err)?;
            head.to_py().into_bound_py_any(py)
        }
    }
}

sansio_op! {
    /// ``HEAD /<key>``: an object's metadata, including its declared encryption.
    PyHeadObject(HeadObject) as "HeadObject";
    new {
        #[new]
        #[pyo3(signature = (bucket, key, *, version_id=None))]
        fn new(bucket: String, key: String, version_id: Option<String>) -> Self {
            Self(head_object(bucket, key, version_id))
        }
    }
    extra {}
}

sansio_op! {
    /// ``DELETE /<key>``: deletes an object (also succeeds when it does not exist).
    PyDeleteObject(DeleteObject) as "DeleteObject";
    new {
        #[new]
        #[pyo3(signature = (bucket, key, *, version_id=None))]
        fn new(bucket: String, key: String, version_id: Option<String>) -> Self {
            Self(delete_object(bucket, key, version_id))
        }
    }
    extra {}
}

sansio_op! {
    /// ``PUT /<key>`` with ``x-oss-copy-source``: copies an object. The destination is
    /// encrypted as this request says (or by its bucket's rule), never like the source.
    /// ``metadata_directive`` is ``"COPY"`` (default) or ``"REPLACE"``; content type and
    /// metadata need ``"REPLACE"``.
    PyCopyObject(CopyObject) as "CopyObject";
    new {
        #[new]
        #[pyo3(signature = (source_bucket, source_key, bucket, key, *, source_version_id=None, metadata_directive=None, content_type=None, metadata=None, tagging_directive=None, tags=None, server_side_encryption=None, server_side_encryption_key_id=None, server_side_data_encryption=None, if_match=None, if_none_match=None, if_modified_since=None, if_unmodified_since=None, forbid_overwrite=false))]
        #[allow(clippy::too_many_arguments)] // mirrors the Python signature
        fn new(
            source_bucket: String,
            source_key: String,
            bucket: String,
            key: String,
            source_version_id: Option<String>,
            metadata_directive: Option<&str>,
            content_type: Option<String>,
            metadata: Option<&Bound<'_, PyAny>>,
            tagging_directive: Option<&str>,
            tags: Option<&Bound<'_, PyAny>>,
            server_side_encryption: Option<&Bound<'_, PyAny>>,
            server_side_encryption_key_id: Option<&str>,
            server_side_data_encryption: Option<&str>,
            if_match: Option<String>,
            if_none_match: Option<String>,
            if_modified_since: Option<&Bound<'_, PyAny>>,
            if_unmodified_since: Option<&Bound<'_, PyAny>>,
            forbid_overwrite: bool,
        ) -> PyResult<Self> {
            let o = NewObject::new(
                content_type,
                metadata,
                server_side_encryption,
                server_side_encryption_key_id,
                server_side_data_encryption,
            )?
            .with_tags(tags)?;
            let c = CopyIf::new(if_match, if_none_match, if_modified_since, if_unmodified_since)?;
            copy_object(source_bucket, source_key, bucket, key, source_version_id, metadata_directive, tagging_directive, forbid_overwrite, o, c).map(Self)
        }
    }
    extra {}
}

sansio_op! {
    /// ``POST /<key>?uploads``: starts a multipart upload; its encryption is set here.
    PyInitiateMultipartUpload(InitiateMultipartUpload) as "InitiateMultipartUpload";
    new {
        #[new]
        #[pyo3(signature = (bucket, key, *, content_type=None, metadata=None, tags=None, server_side_encryption=None, server_side_encryption_key_id=None, server_side_data_encryption=None))]
        #[allow(clippy::too_many_arguments)] // mirrors the Python signature
        fn new(
            bucket: String,
            key: String,
            content_type: Option<String>,
            metadata: Option<&Bound<'_, PyAny>>,
            tags: Option<&Bound<'_, PyAny>>,
            server_side_encryption: Option<&Bound<'_, PyAny>>,
            server_side_encryption_key_id: Option<&str>,
            server_side_data_encryption: Option<&str>,
        ) -> PyResult<Self> {
            let o = NewObject::new(
                content_type,
                metadata,
                server_side_encryption,
                server_side_encryption_key_id,
                server_side_data_encryption,
            )?
            .with_tags(tags)?;
            Ok(Self(initiate_multipart_upload(bucket, key, o)))
        }
    }
    extra {}
}

sansio_op! {
    /// ``PUT /<key>?partNumber=N&uploadId=ID``: uploads one part (no SSE options: the
    /// upload's encryption was set when it was initiated).
    PyUploadPart(UploadPart) as "UploadPart";
    new {
        #[new]
        #[pyo3(signature = (bucket, key, upload_id, part_number, data, *, content_md5=false))]
        fn new(
            bucket: String,
            key: String,
            upload_id: String,
            part_number: u32,
            data: &Bound<'_, PyAny>,
            content_md5: bool,
        ) -> PyResult<Self> {
            Ok(Self(upload_part(bucket, key, upload_id, part_number, conv::data(data, "data")?, content_md5)))
        }
    }
    extra {}
}

sansio_op! {
    /// ``POST /<key>?uploadId=ID``: assembles the parts (``CompletedPart``,
    /// ``UploadPartOutput`` or ``(part_number, etag)`` items) into the object.
    PyCompleteMultipartUpload(CompleteMultipartUpload) as "CompleteMultipartUpload";
    new {
        #[new]
        fn new(bucket: String, key: String, upload_id: String, parts: &Bound<'_, PyAny>) -> PyResult<Self> {
            Ok(Self(ops::CompleteMultipartUpload::new(bucket, key, upload_id, completed_parts(parts)?)))
        }
    }
    extra {}
}

sansio_op! {
    /// ``DELETE /<key>?uploadId=ID``: cancels a multipart upload and frees its parts.
    PyAbortMultipartUpload(AbortMultipartUpload) as "AbortMultipartUpload";
    new {
        #[new]
        fn new(bucket: String, key: String, upload_id: String) -> Self {
            Self(ops::AbortMultipartUpload::new(bucket, key, upload_id))
        }
    }
    extra {}
}

sansio_op! {
    /// ``GET /<key>?uploadId=ID``: lists the parts uploaded so far (one page).
    PyListParts(ListParts) as "ListParts";
    new {
        #[new]
        #[pyo3(signature = (bucket, key, upload_id, *, max_parts=None, part_number_marker=None))]
        fn new(
            bucket: String,
            key: String,
            upload_id: String,
            max_parts: Option<u32>,
            part_number_marker: Option<u32>,
        ) -> Self {
            Self(list_parts(bucket, key, upload_id, max_parts, part_number_marker))
        }
    }
    extra {}
}

sansio_op! {
    /// ``GET /?list-type=2``: one page of a bucket's objects. ``encoding-type=url`` is always
    /// sent and keys come back decoded. ``next_page(output)`` gives the request of the
    /// following page, or None after the last.
    PyListObjectsV2(ListObjectsV2) as "ListObjectsV2";
    new {
        #[new]
        #[pyo3(signature = (bucket, *, prefix=None, delimiter=None, start_after=None, continuation_token=None, max_keys=None, fetch_owner=false))]
        #[allow(clippy::too_many_arguments)] // mirrors the Python signature
        fn new(
            bucket: String,
            prefix: Option<String>,
            delimiter: Option<String>,
            start_after: Option<String>,
            continuation_token: Option<String>,
            max_keys: Option<u32>,
            fetch_owner: bool,
        ) -> Self {
            Self(list_objects_v2(bucket, prefix, delimiter, start_after, continuation_token, max_keys, fetch_owner))
        }
    }
    extra {
        /// The request of the page after ``previous`` (this operation's output), or None
        /// when ``previous`` was the last page.
        fn next_page(&self, previous: PyRef<'_, crate::types::ListObjectsV2Output>) -> Option<Self> {
            self.0.next_page(&previous.markers).map(Self)
        }
    }
}

sansio_op! {
    /// ``GET /?uploads``: one page of the multipart uploads in progress.
    /// ``next_page(output)`` gives the request of the following page, or None.
    PyListMultipartUploads(ListMultipartUploads) as "ListMultipartUploads";
    new {
        #[new]
        #[pyo3(signature = (bucket, *, prefix=None, delimiter=None, key_marker=None, upload_id_marker=None, max_uploads=None))]
        fn new(
            bucket: String,
            prefix: Option<String>,
            delimiter: Option<String>,
            key_marker: Option<String>,
            upload_id_marker: Option<String>,
            max_uploads: Option<u32>,
        ) -> Self {
            Self(list_multipart_uploads(bucket, prefix, delimiter, key_marker, upload_id_marker, max_uploads))
        }
    }
    extra {
        /// The request of the page after ``previous``, or None after the last.
        fn next_page(&self, previous: PyRef<'_, crate::types::ListMultipartUploadsOutput>) -> Option<Self> {
            self.0.next_page(&previous.markers).map(Self)
        }
    }
}

sansio_op! {
    /// ``PUT /<key>?partNumber=N&uploadId=ID`` with ``x-oss-copy-source``: copies
    /// ``source_range`` (inclusive ``(first, last)``) of another object as one part. OSS
    /// decrypts the source and encrypts the part as the upload says.
    PyUploadPartCopy(UploadPartCopy) as "UploadPartCopy";
    new {
        #[new]
        #[pyo3(signature = (bucket, key, upload_id, part_number, source_bucket, source_key, *, source_range=None, source_version_id=None, if_match=None, if_none_match=None, if_modified_since=None, if_unmodified_since=None))]
        #[allow(clippy::too_many_arguments)] // mirrors the Python signature
        fn new(
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
            if_modified_since: Option<&Bound<'_, PyAny>>,
            if_unmodified_since: Option<&Bound<'_, PyAny>>,
        ) -> PyResult<Self> {
            let c = CopyIf::new(if_match, if_none_match, if_modified_since, if_unmodified_since)?;
            Ok(Self(upload_part_copy(bucket, key, upload_id, part_number, source_bucket, source_key, source_range, source_version_id, c)))
        }
    }
    extra {}
}

sansio_op! {
    /// ``PUT /<key>?tagging``: replaces an object's tags (at most 10).
    PyPutObjectTagging(PutObjectTagging) as "PutObjectTagging";
    new {
        #[new]
        fn new(bucket: String, key: String, tags: &Bound<'_, PyAny>) -> PyResult<Self> {
            put_object_tagging(bucket, key, tags).map(Self)
        }
    }
    extra {}
}

sansio_op! {
    /// ``GET /<key>?tagging``: an object's tags.
    PyGetObjectTagging(GetObjectTagging) as "GetObjectTagging";
    new {
        #[new]
        #[pyo3(signature = (bucket, key, *, version_id=None))]
        fn new(bucket: String, key: String, version_id: Option<String>) -> Self {
            Self(get_object_tagging(bucket, key, version_id))
        }
    }
    extra {}
}

sansio_op! {
    /// ``DELETE /<key>?tagging``: removes an object's tags.
    PyDeleteObjectTagging(DeleteObjectTagging) as "DeleteObjectTagging";
    new {
        #[new]
        fn new(bucket: String, key: String) -> Self {
            Self(ops::DeleteObjectTagging::new(bucket, key))
        }
    }
    extra {}
}

/// Applies `$body` to the core operation held by any sans-IO operation object, with `$op`
/// bound to an owned clone. Raises `TypeError` for anything else.
macro_rules! with_any_op {
    ($obj:expr, $op:ident => $body:expr) => {{
        let obj: &Bound<'_, PyAny> = $obj;
        with_any_op!(@try obj, $op => $body;
            PyPutBucketEncryption, PyGetBucketEncryption, PyDeleteBucketEncryption,
            PyPutBucket, PyDeleteBucket, PyGetBucketInfo, PyPutObject, PyAppendObject,
            PyGetObject, PyHeadObject, PyDeleteObject, PyCopyObject,
            PyInitiateMultipartUpload, PyUploadPart, PyCompleteMultipartUpload,
            PyAbortMultipartUpload, PyListParts, PyListObjectsV2, PyListMultipartUploads,
            PyUploadPartCopy, PyPutObjectTagging, PyGetObjectTagging, PyDeleteObjectTagging)
    }};
    (@try $obj:ident, $op:ident => $body:expr; $($cls:ident),*) => {{
        $(
            if let Ok(o) = $obj.cast::<$crate::ops::$cls>() {
                let $op = o.get().0.clone();
                return $body;
            }
        )*
        Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "expected an oss_sse.sansio operation, not {}",
            $obj.get_type().name()?
        )))
    }};
}
pub(crate) use with_any_op;

/// The body of an operation as Python bytes (for `Request.body`).
pub(crate) fn body_bytes(py: Python<'_>, b: &Bytes) -> Py<PyBytes> {
    PyBytes::new(py, b).unbind()
}
