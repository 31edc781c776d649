//! Value types: server-side encryption settings and the result objects of every operation.
//! They hold plain Python-friendly values converted from the Rust outputs.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use bytes::Bytes;
use oss_sse_core::ops;
use oss_sse_core::{ObjectType, ServerSideEncryption, ServerSideEncryptionRule, StorageClass};
use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::conv;
use crate::errors::core_err;

// ---------------------------------------------------------------------------------------------
// Server-side encryption
// ---------------------------------------------------------------------------------------------

/// A bucket's default server-side encryption (``<ServerSideEncryptionRule>``).
///
/// Parameters
/// ----------
/// sse_algorithm : str
///     ``"AES256"``, ``"SM4"`` or ``"KMS"`` (case-insensitive).
/// kms_master_key_id : str, optional
///     The KMS CMK id (KMS only).
/// kms_data_encryption : str, optional
///     ``"SM4"`` to encrypt data with SM4 under KMS (KMS only).
///
/// Raises
/// ------
/// ClientError
///     For an unknown algorithm, or a key id / data encryption without KMS.
#[pyclass(frozen, name = "ServerSideEncryptionRule", module = "oss_sse._oss_sse")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PyServerSideEncryptionRule(pub(crate) ServerSideEncryptionRule);

#[pymethods]
impl PyServerSideEncryptionRule {
    #[new]
    #[pyo3(signature = (sse_algorithm, kms_master_key_id=None, kms_data_encryption=None))]
    fn new(
        sse_algorithm: &str,
        kms_master_key_id: Option<&str>,
        kms_data_encryption: Option<&str>,
    ) -> PyResult<Self> {
        ServerSideEncryptionRule::parse(sse_algorithm, kms_master_key_id, kms_data_encryption)
            .map(Self)
            .map_err(|e| core_err(e.into()))
    }

    /// SSE-OSS with AES-256.
    #[staticmethod]
    fn aes256() -> Self {
        Self(ServerSideEncryptionRule::aes256())
    }

    /// SSE-OSS with SM4.
    #[staticmethod]
    fn sm4() -> Self {
        Self(ServerSideEncryptionRule::sm4())
    }

    /// SSE-KMS, with the default CMK unless ``kms_master_key_id`` is given.
    #[staticmethod]
    #[pyo3(signature = (kms_master_key_id=None, kms_data_encryption=None))]
    fn kms(kms_master_key_id: Option<&str>, kms_data_encryption: Option<&str>) -> PyResult<Self> {
        Self::new("KMS", kms_master_key_id, kms_data_encryption)
    }

    /// ``SSEAlgorithm``: ``"AES256"``, ``"SM4"``, ``"KMS"`` (or a newer value OSS returned).
    #[getter]
    fn sse_algorithm(&self) -> &str {
        self.0.sse_algorithm().as_str()
    }

    /// ``KMSMasterKeyID``, or None.
    #[getter]
    fn kms_master_key_id(&self) -> Option<&str> {
        self.0.kms_master_key_id()
    }

    /// ``KMSDataEncryption`` (``"SM4"``), or None.
    #[getter]
    fn kms_data_encryption(&self) -> Option<&str> {
        self.0.kms_data_encryption().map(|d| d.as_str())
    }

    /// ``ServerSideEncryptionRule(sse_algorithm=..., ...)``.
    fn __repr__(&self) -> String {
        format!(
            "ServerSideEncryptionRule(sse_algorithm={}, kms_master_key_id={}, kms_data_encryption={})",
            conv::repr(self.sse_algorithm()),
            opt_repr(self.kms_master_key_id()),
            opt_repr(self.kms_data_encryption()),
        )
    }

    /// Equal when every field is equal.
    fn __eq__(&self, other: PyRef<'_, Self>) -> bool {
        *self == *other
    }

    /// Hash of the fields.
    fn __hash__(&self) -> u64 {
        hash_of(&self.0)
    }
}

/// Object-level server-side encryption: what a request asks for, or what a response
/// declares.
///
/// Parameters
/// ----------
/// server_side_encryption : str
///     ``"AES256"``, ``"SM4"`` or ``"KMS"`` (case-insensitive);
///     ``x-oss-server-side-encryption``.
/// server_side_encryption_key_id : str, optional
///     The KMS CMK id (KMS only); ``x-oss-server-side-encryption-key-id``.
/// server_side_data_encryption : str, optional
///     ``"SM4"`` (KMS only); ``x-oss-server-side-data-encryption``.
///
/// Raises
/// ------
/// ClientError
///     For an unknown algorithm, or a key id / data encryption without KMS.
#[pyclass(frozen, name = "ServerSideEncryption", module = "oss_sse._oss_sse")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PyServerSideEncryption(pub(crate) ServerSideEncryption);

#[pymethods]
impl PyServerSideEncryption {
    #[new]
    #[pyo3(signature = (server_side_encryption, server_side_encryption_key_id=None, server_side_data_encryption=None))]
    fn new(
        server_side_encryption: &str,
        server_side_encryption_key_id: Option<&str>,
        server_side_data_encryption: Option<&str>,
    ) -> PyResult<Self> {
        ServerSideEncryption::parse(
            server_side_encryption,
            server_side_encryption_key_id,
            server_side_data_encryption,
        )
        .map(Self)
        .map_err(|e| core_err(e.into()))
    }

    /// SSE-OSS with AES-256.
    #[staticmethod]
    fn aes256() -> Self {
        Self(ServerSideEncryption::aes256())
    }

    /// SSE-OSS with SM4.
    #[staticmethod]
    fn sm4() -> Self {
        Self(ServerSideEncryption::sm4())
    }

    /// SSE-KMS, with the default CMK unless ``server_side_encryption_key_id`` is given.
    #[staticmethod]
    #[pyo3(signature = (server_side_encryption_key_id=None, server_side_data_encryption=None))]
    fn kms(
        server_side_encryption_key_id: Option<&str>,
        server_side_data_encryption: Option<&str>,
    ) -> PyResult<Self> {
        Self::new(
            "KMS",
            server_side_encryption_key_id,
            server_side_data_encryption,
        )
    }

    /// The algorithm: ``"AES256"``, ``"SM4"``, ``"KMS"`` (or a newer value OSS returned).
    #[getter]
    fn server_side_encryption(&self) -> &str {
        self.0.algorithm().as_str()
    }

    /// The KMS CMK id, or None.
    #[getter]
    fn server_side_encryption_key_id(&self) -> Option<&str> {
        self.0.key_id()
    }

    /// The KMS data encryption (``"SM4"``), or None.
    #[getter]
    fn server_side_data_encryption(&self) -> Option<&str> {
        self.0.data_encryption().map(|d| d.as_str())
    }

    /// ``ServerSideEncryption(server_side_encryption=..., ...)``.
    fn __repr__(&self) -> String {
        format!(
            "ServerSideEncryption(server_side_encryption={}, server_side_encryption_key_id={}, server_side_data_encryption={})",
            conv::repr(self.server_side_encryption()),
            opt_repr(self.server_side_encryption_key_id()),
            opt_repr(self.server_side_data_encryption()),
        )
    }

    /// ``KMS+SM4 (key <id>)`` style summary.
    fn __str__(&self) -> String {
        self.0.to_string()
    }

    /// Equal when every field is equal.
    fn __eq__(&self, other: PyRef<'_, Self>) -> bool {
        *self == *other
    }

    /// Hash of the fields.
    fn __hash__(&self) -> u64 {
        hash_of(&self.0)
    }
}

fn opt_repr(v: Option<&str>) -> String {
    v.map_or_else(|| "None".to_owned(), conv::repr)
}

fn hash_of(v: &impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

/// The Python value of an optional SSE.
pub(crate) fn sse_opt(s: Option<ServerSideEncryption>) -> Option<PyServerSideEncryption> {
    s.map(PyServerSideEncryption)
}

/// SSE from the method arguments: a `ServerSideEncryption`, or an algorithm string with
/// the optional key id and data encryption strings.
pub(crate) fn sse_arg(
    sse: Option<&Bound<'_, PyAny>>,
    key_id: Option<&str>,
    data_encryption: Option<&str>,
) -> PyResult<Option<ServerSideEncryption>> {
    match sse {
        Some(s) if !s.is_none() => {
            if let Ok(obj) = s.cast::<PyServerSideEncryption>() {
                if key_id.is_some() || data_encryption.is_some() {
                    return Err(crate::errors::client_error(
                        "server_side_encryption",
                        "give either a ServerSideEncryption, or the algorithm with \
                         server_side_encryption_key_id / server_side_data_encryption, not both",
                    ));
                }
                return Ok(Some(obj.get().0.clone()));
            }
            let alg: &str = s.extract().map_err(|_| {
                pyo3::exceptions::PyTypeError::new_err(
                    "server_side_encryption must be a str or a ServerSideEncryption",
                )
            })?;
            ServerSideEncryption::parse(alg, key_id, data_encryption)
                .map(Some)
                .map_err(|e| core_err(e.into()))
        }
        _ => {
            if key_id.is_some() || data_encryption.is_some() {
                return Err(crate::errors::client_error(
                    "server_side_encryption",
                    "server_side_encryption_key_id / server_side_data_encryption need \
                     server_side_encryption=\"KMS\"",
                ));
            }
            Ok(None)
        }
    }
}

/// A bucket rule from the method arguments: a `ServerSideEncryptionRule`, or an algorithm
/// string with the optional KMS key id and data encryption strings.
pub(crate) fn rule_arg(
    rule: &Bound<'_, PyAny>,
    kms_master_key_id: Option<&str>,
    kms_data_encryption: Option<&str>,
) -> PyResult<ServerSideEncryptionRule> {
    if let Ok(obj) = rule.cast::<PyServerSideEncryptionRule>() {
        if kms_master_key_id.is_some() || kms_data_encryption.is_some() {
            return Err(crate::errors::client_error(
                "rule",
                "give either a ServerSideEncryptionRule, or the algorithm with \
                 kms_master_key_id / kms_data_encryption, not both",
            ));
        }
        return Ok(obj.get().0.clone());
    }
    let alg: &str = rule.extract().map_err(|_| {
        pyo3::exceptions::PyTypeError::new_err(
            "rule must be a ServerSideEncryptionRule or an algorithm name",
        )
    })?;
    ServerSideEncryptionRule::parse(alg, kms_master_key_id, kms_data_encryption)
        .map_err(|e| core_err(e.into()))
}

// ---------------------------------------------------------------------------------------------
// Result objects
// ---------------------------------------------------------------------------------------------

/// A frozen result class with one read-only attribute per field and a field-by-field repr.
macro_rules! output {
    (
        $(#[doc = $doc:literal])*
        $name:ident as $pyname:literal {
            $( $(#[doc = $fdoc:literal])* $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[pyclass(frozen, get_all, name = $pyname, module = "oss_sse._oss_sse")]
        #[derive(Debug, Clone)]
        pub(crate) struct $name {
            $( $(#[doc = $fdoc])* pub(crate) $field: $ty, )*
        }

        #[pymethods]
        impl $name {
            /// Field-by-field representation.
            fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
                let parts: Vec<String> = vec![$(
                    format!(
                        "{}={}",
                        stringify!($field),
                        self.$field.clone().into_bound_py_any(py)?.repr()?
                    ),
                )*];
                Ok(format!("{}({})", $pyname, parts.join(", ")))
            }
        }
    };
}

output! {
    /// What ``put_bucket_encryption`` returns.
    PutBucketEncryptionOutput as "PutBucketEncryptionOutput" {
        /// ``x-oss-request-id``.
        request_id: Option<String>,
    }
}

output! {
    /// What ``delete_bucket_encryption`` returns.
    DeleteBucketEncryptionOutput as "DeleteBucketEncryptionOutput" {
        /// ``x-oss-request-id``.
        request_id: Option<String>,
    }
}

output! {
    /// What ``put_bucket`` returns.
    PutBucketOutput as "PutBucketOutput" {
        /// ``x-oss-request-id``.
        request_id: Option<String>,
    }
}

output! {
    /// What ``delete_bucket`` returns.
    DeleteBucketOutput as "DeleteBucketOutput" {
        /// ``x-oss-request-id``.
        request_id: Option<String>,
    }
}

output! {
    /// A bucket's properties (``get_bucket_info``), including its default encryption.
    BucketInfo as "BucketInfo" {
        /// Bucket name.
        name: Option<String>,
        /// ``oss-<region>``.
        location: Option<String>,
        /// ISO 8601 creation time.
        creation_date: Option<String>,
        /// Public endpoint.
        extranet_endpoint: Option<String>,
        /// Internal endpoint.
        intranet_endpoint: Option<String>,
        /// Storage class.
        storage_class: Option<String>,
        /// The default encryption; None when the bucket has none.
        server_side_encryption_rule: Option<PyServerSideEncryptionRule>,
        /// ``x-oss-request-id``.
        request_id: Option<String>,
    }
}

output! {
    /// What ``put_object`` returns.
    PutObjectOutput as "PutObjectOutput" {
        /// ETag without quotes.
        etag: Option<String>,
        /// CRC-64 (ECMA) of the object.
        hash_crc64: Option<u64>,
        /// Version id (versioned buckets).
        version_id: Option<String>,
        /// The encryption OSS applied (from the request, or the bucket default).
        server_side_encryption: Option<PyServerSideEncryption>,
        /// ``x-oss-request-id``.
        request_id: Option<String>,
    }
}

output! {
    /// What ``append_object`` returns.
    AppendObjectOutput as "AppendObjectOutput" {
        /// Where the next append must start.
        next_position: Option<u64>,
        /// CRC-64 of the whole object so far.
        hash_crc64: Option<u64>,
        /// The object's encryption (fixed by the first append).
        server_side_encryption: Option<PyServerSideEncryption>,
        /// ``x-oss-request-id``.
        request_id: Option<String>,
    }
}

output! {
    /// An object's metadata (``head_object``, and the head of ``get_object``).
    ObjectHead as "ObjectHead" {
        /// Length of the response body (the range length for a ranged read).
        content_length: Option<u64>,
        /// ``Content-Type``.
        content_type: Option<String>,
        /// ``Cache-Control``.
        cache_control: Option<String>,
        /// ``Content-Disposition``.
        content_disposition: Option<String>,
        /// ``Content-Encoding``.
        content_encoding: Option<String>,
        /// ``Content-Language``.
        content_language: Option<String>,
        /// ``Expires``.
        expires: Option<String>,
        /// ``Content-Range`` of a ranged read.
        content_range: Option<String>,
        /// ETag without quotes.
        etag: Option<String>,
        /// ``Last-Modified`` (HTTP date).
        last_modified: Option<String>,
        /// CRC-64 of the whole object.
        hash_crc64: Option<u64>,
        /// ``Normal``, ``Multipart`` or ``Appendable``.
        object_type: Option<String>,
        /// Storage class.
        storage_class: Option<String>,
        /// Next append position (Appendable objects).
        next_append_position: Option<u64>,
        /// Version id.
        version_id: Option<String>,
        /// User metadata (``x-oss-meta-*``, names without the prefix).
        metadata: BTreeMap<String, String>,
        /// Number of tags (``x-oss-tagging-count``).
        tagging_count: u64,
        /// The object's declared encryption.
        server_side_encryption: Option<PyServerSideEncryption>,
        /// ``x-oss-request-id``.
        request_id: Option<String>,
    }
}

output! {
    /// What ``delete_object`` returns.
    DeleteObjectOutput as "DeleteObjectOutput" {
        /// Version id (versioned buckets).
        version_id: Option<String>,
        /// ``x-oss-request-id``.
        request_id: Option<String>,
    }
}

output! {
    /// What ``copy_object`` returns.
    CopyObjectOutput as "CopyObjectOutput" {
        /// ETag of the destination, without quotes.
        etag: Option<String>,
        /// ISO 8601 last-modified time of the destination.
        last_modified: Option<String>,
        /// CRC-64 of the destination.
        hash_crc64: Option<u64>,
        /// Version id of the destination.
        version_id: Option<String>,
        /// Version id of the source copied.
        source_version_id: Option<String>,
        /// The destination's encryption (never carried over from the source).
        server_side_encryption: Option<PyServerSideEncryption>,
        /// ``x-oss-request-id``.
        request_id: Option<String>,
    }
}

output! {
    /// What ``initiate_multipart_upload`` returns.
    InitiateMultipartUploadOutput as "InitiateMultipartUploadOutput" {
        /// Bucket.
        bucket: Option<String>,
        /// Key.
        key: Option<String>,
        /// The upload id for ``upload_part``, ``complete_multipart_upload`` and abort.
        upload_id: String,
        /// The upload's encryption.
        server_side_encryption: Option<PyServerSideEncryption>,
        /// ``x-oss-request-id``.
        request_id: Option<String>,
    }
}

output! {
    /// What ``upload_part`` returns.
    UploadPartOutput as "UploadPartOutput" {
        /// The part number (echoed from the request).
        part_number: u32,
        /// ETag of the part, without quotes (needed to complete the upload).
        etag: Option<String>,
        /// CRC-64 of the part.
        hash_crc64: Option<u64>,
        /// The upload's encryption.
        server_side_encryption: Option<PyServerSideEncryption>,
        /// ``x-oss-request-id``.
        request_id: Option<String>,
    }
}

output! {
    /// What ``complete_multipart_upload`` returns.
    CompleteMultipartUploadOutput as "CompleteMultipartUploadOutput" {
        /// Bucket.
        bucket: Option<String>,
        /// Key.
        key: Option<String>,
        /// ETag of the object (multipart form), without quotes.
        etag: Option<String>,
        /// URL of the object.
        location: Option<String>,
        /// CRC-64 of the whole object.
        hash_crc64: Option<u64>,
        /// Version id.
        version_id: Option<String>,
        /// The object's encryption.
        server_side_encryption: Option<PyServerSideEncryption>,
        /// ``x-oss-request-id``.
        request_id: Option<String>,
    }
}

output! {
    /// What ``abort_multipart_upload`` returns.
    AbortMultipartUploadOutput as "AbortMultipartUploadOutput" {
        /// ``x-oss-request-id``.
        request_id: Option<String>,
    }
}

output! {
    /// One part listed by ``list_parts``.
    PartSummary as "PartSummary" {
        /// Part number.
        part_number: u32,
        /// ETag without quotes.
        etag: Option<String>,
        /// Size in bytes.
        size: u64,
        /// CRC-64 of the part.
        hash_crc64: Option<u64>,
        /// ISO 8601 upload time.
        last_modified: Option<String>,
    }
}

output! {
    /// What ``list_parts`` returns (one page).
    ListPartsOutput as "ListPartsOutput" {
        /// Bucket.
        bucket: Option<String>,
        /// Key.
        key: Option<String>,
        /// Upload id.
        upload_id: Option<String>,
        /// Parts in this page.
        parts: Vec<PartSummary>,
        /// Pass as ``part_number_marker`` to fetch the next page.
        next_part_number_marker: Option<u32>,
        /// Page size.
        max_parts: Option<u32>,
        /// Whether there are more parts.
        is_truncated: bool,
        /// ``x-oss-request-id``.
        request_id: Option<String>,
    }
}

output! {
    /// What ``upload_file`` returns.
    UploadFileOutput as "UploadFileOutput" {
        /// ETag of the object.
        etag: Option<String>,
        /// CRC-64 of the object (checked against the file's).
        hash_crc64: Option<u64>,
        /// The object's encryption as OSS declared it.
        server_side_encryption: Option<PyServerSideEncryption>,
        /// Whether multipart was used.
        multipart: bool,
        /// Bytes uploaded.
        size: u64,
    }
}

output! {
    /// What ``download_file`` returns.
    DownloadFileOutput as "DownloadFileOutput" {
        /// Bytes written.
        size: u64,
        /// CRC-64 of the bytes written (checked against OSS's).
        hash_crc64: u64,
        /// The object's declared encryption.
        server_side_encryption: Option<PyServerSideEncryption>,
    }
}

/// An object read into memory (``get_object``): its head and its (decrypted) bytes.
#[pyclass(frozen, name = "GetObjectOutput", module = "oss_sse._oss_sse")]
#[derive(Debug)]
pub(crate) struct GetObjectOutput {
    head: ObjectHead,
    body: Py<PyBytes>,
}

#[pymethods]
impl GetObjectOutput {
    /// The response head: length, ETag, CRC-64, metadata, declared encryption...
    #[getter]
    fn head(&self) -> ObjectHead {
        self.head.clone()
    }

    /// The object's (decrypted) bytes.
    #[getter]
    fn body(&self, py: Python<'_>) -> Py<PyBytes> {
        self.body.clone_ref(py)
    }

    /// The object's declared encryption (same as ``head.server_side_encryption``).
    #[getter]
    fn server_side_encryption(&self) -> Option<PyServerSideEncryption> {
        self.head.server_side_encryption.clone()
    }

    /// ``x-oss-request-id`` (same as ``head.request_id``).
    #[getter]
    fn request_id(&self) -> Option<String> {
        self.head.request_id.clone()
    }

    /// Head and body length.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "GetObjectOutput(head={}, body=<{} bytes>)",
            self.head.__repr__(py)?,
            self.body.bind(py).as_bytes().len()
        ))
    }
}

/// A `GetObjectOutput` still holding Rust bytes; it becomes the Python object (one copy of
/// the body) once attached to the interpreter.
#[derive(Debug)]
pub(crate) struct PendingGetObject {
    head: ObjectHead,
    body: Bytes,
}

impl<'py> IntoPyObject<'py> for PendingGetObject {
    type Target = GetObjectOutput;
    type Output = Bound<'py, GetObjectOutput>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        let body = PyBytes::new(py, &self.body).unbind();
        Bound::new(
            py,
            GetObjectOutput {
                head: self.head,
                body,
            },
        )
    }
}

/// One part to complete a multipart upload with: its number and the ETag ``upload_part``
/// returned. ``complete_multipart_upload`` also accepts ``(part_number, etag)`` tuples and
/// ``UploadPartOutput`` objects.
#[pyclass(frozen, get_all, name = "CompletedPart", module = "oss_sse._oss_sse")]
#[derive(Debug, Clone)]
pub(crate) struct PyCompletedPart {
    /// Part number (1..=10000).
    part_number: u32,
    /// The part's ETag.
    etag: String,
}

#[pymethods]
impl PyCompletedPart {
    #[new]
    fn new(part_number: u32, etag: String) -> Self {
        Self { part_number, etag }
    }

    /// ``CompletedPart(part_number=..., etag=...)``.
    fn __repr__(&self) -> String {
        format!(
            "CompletedPart(part_number={}, etag={})",
            self.part_number,
            conv::repr(&self.etag)
        )
    }
}

/// Parts from a sequence of `CompletedPart`, `UploadPartOutput` or `(number, etag)`.
pub(crate) fn completed_parts(obj: &Bound<'_, PyAny>) -> PyResult<Vec<ops::CompletedPart>> {
    let mut out = Vec::new();
    for item in obj.try_iter()? {
        let item = item?;
        if let Ok(p) = item.cast::<PyCompletedPart>() {
            let p = p.get();
            out.push(ops::CompletedPart::new(p.part_number, p.etag.clone()));
        } else if let Ok(p) = item.cast::<UploadPartOutput>() {
            let p = p.get();
            out.push(ops::CompletedPart::new(
                p.part_number,
                p.etag.clone().unwrap_or_default(),
            ));
        } else {
            let (n, etag): (u32, String) = item.extract().map_err(|_| {
                pyo3::exceptions::PyTypeError::new_err(
                    "parts must hold CompletedPart, UploadPartOutput or (part_number, etag) tuples",
                )
            })?;
            out.push(ops::CompletedPart::new(n, etag));
        }
    }
    Ok(out)
}

/// A presigned request: send ``method`` to ``url`` with ``headers`` before ``expiration``.
#[pyclass(frozen, name = "PresignedRequest", module = "oss_sse._oss_sse")]
#[derive(Debug, Clone)]
pub(crate) struct PresignedRequest {
    method: String,
    url: String,
    expiration: std::time::SystemTime,
    headers: Vec<(String, String)>,
}

impl From<oss_sse_core::PresignedRequest> for PresignedRequest {
    fn from(p: oss_sse_core::PresignedRequest) -> Self {
        Self {
            method: p.method.to_string(),
            url: p.url,
            expiration: p.expiration,
            headers: p
                .signed_headers
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
        }
    }
}

#[pymethods]
impl PresignedRequest {
    /// HTTP method.
    #[getter]
    fn method(&self) -> &str {
        &self.method
    }

    /// The full URL, signature included.
    #[getter]
    fn url(&self) -> &str {
        &self.url
    }

    /// When OSS stops accepting the URL (aware UTC datetime).
    #[getter]
    fn expiration<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        conv::datetime(py, self.expiration)
    }

    /// Headers that were signed and must be sent with the URL, as ``(name, value)`` pairs.
    #[getter]
    fn headers(&self) -> Vec<(String, String)> {
        self.headers.clone()
    }

    /// Method and URL.
    fn __repr__(&self) -> String {
        format!(
            "PresignedRequest(method={}, url={})",
            conv::repr(&self.method),
            conv::repr(&self.url)
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Rust outputs -> Python result objects
// ---------------------------------------------------------------------------------------------

/// A Rust output that converts into its Python result object without the GIL.
pub(crate) trait ToPy: Send + 'static {
    /// The Python-side value.
    type Py: for<'py> IntoPyObject<'py> + Send + 'static;
    /// Converts.
    fn to_py(self) -> Self::Py;
}

impl ToPy for Option<ServerSideEncryptionRule> {
    type Py = Option<PyServerSideEncryptionRule>;
    fn to_py(self) -> Self::Py {
        self.map(PyServerSideEncryptionRule)
    }
}

macro_rules! request_id_only {
    ($($rust:ty => $py:ident),* $(,)?) => {$(
        impl ToPy for $rust {
            type Py = $py;
            fn to_py(self) -> $py {
                $py { request_id: self.request_id }
            }
        }
    )*};
}

request_id_only! {
    ops::PutBucketEncryptionOutput => PutBucketEncryptionOutput,
    ops::DeleteBucketEncryptionOutput => DeleteBucketEncryptionOutput,
    ops::PutBucketOutput => PutBucketOutput,
    ops::DeleteBucketOutput => DeleteBucketOutput,
    ops::AbortMultipartUploadOutput => AbortMultipartUploadOutput,
}

impl ToPy for ops::BucketInfo {
    type Py = BucketInfo;
    fn to_py(self) -> BucketInfo {
        BucketInfo {
            name: self.name,
            location: self.location,
            creation_date: self.creation_date.map(|t| t.to_string()),
            extranet_endpoint: self.extranet_endpoint,
            intranet_endpoint: self.intranet_endpoint,
            storage_class: self.storage_class.map(String::from),
            server_side_encryption_rule: self
                .server_side_encryption_rule
                .map(PyServerSideEncryptionRule),
            request_id: self.request_id,
        }
    }
}

impl ToPy for ops::PutObjectOutput {
    type Py = PutObjectOutput;
    fn to_py(self) -> PutObjectOutput {
        PutObjectOutput {
            etag: self.etag.map(String::from),
            hash_crc64: self.hash_crc64,
            version_id: self.version_id,
            server_side_encryption: sse_opt(self.server_side_encryption),
            request_id: self.request_id,
        }
    }
}

impl ToPy for ops::AppendObjectOutput {
    type Py = AppendObjectOutput;
    fn to_py(self) -> AppendObjectOutput {
        AppendObjectOutput {
            next_position: self.next_position,
            hash_crc64: self.hash_crc64,
            server_side_encryption: sse_opt(self.server_side_encryption),
            request_id: self.request_id,
        }
    }
}

impl ToPy for ops::ObjectHead {
    type Py = ObjectHead;
    fn to_py(self) -> ObjectHead {
        ObjectHead {
            content_length: self.content_length,
            content_type: self.content_type,
            cache_control: self.cache_control,
            content_disposition: self.content_disposition,
            content_encoding: self.content_encoding,
            content_language: self.content_language,
            expires: self.expires,
            content_range: self.content_range,
            etag: self.etag.map(String::from),
            last_modified: self.last_modified.map(|t| t.to_http_date()),
            hash_crc64: self.hash_crc64,
            object_type: self.object_type.map(String::from),
            storage_class: self.storage_class.map(String::from),
            next_append_position: self.next_append_position,
            version_id: self.version_id,
            metadata: conv::metadata_map(self.metadata),
            tagging_count: self.tagging_count,
            server_side_encryption: sse_opt(self.server_side_encryption),
            request_id: self.request_id,
        }
    }
}

impl ToPy for ops::GetObjectOutput {
    type Py = PendingGetObject;
    fn to_py(self) -> PendingGetObject {
        PendingGetObject {
            head: self.head.to_py(),
            body: self.body,
        }
    }
}

impl ToPy for ops::DeleteObjectOutput {
    type Py = DeleteObjectOutput;
    fn to_py(self) -> DeleteObjectOutput {
        DeleteObjectOutput {
            version_id: self.version_id,
            request_id: self.request_id,
        }
    }
}

impl ToPy for ops::CopyObjectOutput {
    type Py = CopyObjectOutput;
    fn to_py(self) -> CopyObjectOutput {
        CopyObjectOutput {
            etag: self.etag.map(String::from),
            last_modified: self.last_modified.map(|t| t.to_string()),
            hash_crc64: self.hash_crc64,
            version_id: self.version_id,
            source_version_id: self.source_version_id,
            server_side_encryption: sse_opt(self.server_side_encryption),
            request_id: self.request_id,
        }
    }
}

impl ToPy for ops::InitiateMultipartUploadOutput {
    type Py = InitiateMultipartUploadOutput;
    fn to_py(self) -> InitiateMultipartUploadOutput {
        InitiateMultipartUploadOutput {
            bucket: self.bucket,
            key: self.key,
            upload_id: self.upload_id,
            server_side_encryption: sse_opt(self.server_side_encryption),
            request_id: self.request_id,
        }
    }
}

impl ToPy for ops::UploadPartOutput {
    type Py = UploadPartOutput;
    fn to_py(self) -> UploadPartOutput {
        UploadPartOutput {
            part_number: self.part_number,
            etag: self.etag.map(String::from),
            hash_crc64: self.hash_crc64,
            server_side_encryption: sse_opt(self.server_side_encryption),
            request_id: self.request_id,
        }
    }
}

impl ToPy for ops::CompleteMultipartUploadOutput {
    type Py = CompleteMultipartUploadOutput;
    fn to_py(self) -> CompleteMultipartUploadOutput {
        CompleteMultipartUploadOutput {
            bucket: self.bucket,
            key: self.key,
            etag: self.etag.map(String::from),
            location: self.location,
            hash_crc64: self.hash_crc64,
            version_id: self.version_id,
            server_side_encryption: sse_opt(self.server_side_encryption),
            request_id: self.request_id,
        }
    }
}

impl ToPy for ops::ListPartsOutput {
    type Py = ListPartsOutput;
    fn to_py(self) -> ListPartsOutput {
        ListPartsOutput {
            bucket: self.bucket,
            key: self.key,
            upload_id: self.upload_id,
            parts: self
                .parts
                .into_iter()
                .map(|p| PartSummary {
                    part_number: p.part_number,
                    etag: p.etag.map(String::from),
                    size: p.size,
                    hash_crc64: p.hash_crc64,
                    last_modified: p.last_modified.map(|t| t.to_string()),
                })
                .collect(),
            next_part_number_marker: self.next_part_number_marker,
            max_parts: self.max_parts,
            is_truncated: self.is_truncated,
            request_id: self.request_id,
        }
    }
}

impl ToPy for oss_sse_hyper::UploadFileOutput {
    type Py = UploadFileOutput;
    fn to_py(self) -> UploadFileOutput {
        UploadFileOutput {
            etag: self.etag.map(String::from),
            hash_crc64: self.hash_crc64,
            server_side_encryption: sse_opt(self.server_side_encryption),
            multipart: self.multipart,
            size: self.size,
        }
    }
}

impl ToPy for oss_sse_hyper::DownloadFileOutput {
    type Py = DownloadFileOutput;
    fn to_py(self) -> DownloadFileOutput {
        DownloadFileOutput {
            size: self.size,
            hash_crc64: self.hash_crc64,
            server_side_encryption: sse_opt(self.server_side_encryption),
        }
    }
}

impl ToPy for oss_sse_core::PresignedRequest {
    type Py = PresignedRequest;
    fn to_py(self) -> PresignedRequest {
        self.into()
    }
}

// ---------------------------------------------------------------------------------------------
// Listing, copy and tagging results
// ---------------------------------------------------------------------------------------------

output! {
    /// An object's owner in a listing (with ``fetch_owner=True``).
    Owner as "Owner" {
        /// Owner id.
        id: Option<String>,
        /// Display name.
        display_name: Option<String>,
    }
}

/// One object of a listing. Its fields become Python objects when they are read, so a
/// listing of a million keys makes a million small objects, not ten million.
#[pyclass(frozen, name = "ObjectSummary", module = "oss_sse._oss_sse")]
#[derive(Debug, Clone)]
pub(crate) struct ObjectSummary(ops::ObjectSummary);

#[pymethods]
impl ObjectSummary {
    /// The key, exactly as stored (decoded from the wire's URL encoding).
    #[getter]
    fn key(&self) -> &str {
        &self.0.key
    }
    /// Size in bytes.
    #[getter]
    fn size(&self) -> u64 {
        self.0.size
    }
    /// ETag without quotes.
    #[getter]
    fn etag(&self) -> Option<&str> {
        self.0.etag.as_deref()
    }
    /// ISO 8601 last-modified time.
    #[getter]
    fn last_modified(&self) -> Option<String> {
        self.0.last_modified.map(|t| t.to_string())
    }
    /// ``Normal``, ``Multipart``, ``Appendable`` or ``Symlink``.
    #[getter]
    fn object_type(&self) -> Option<&str> {
        self.0.object_type.as_ref().map(ObjectType::as_str)
    }
    /// Storage class.
    #[getter]
    fn storage_class(&self) -> Option<&str> {
        self.0.storage_class.as_ref().map(StorageClass::as_str)
    }
    /// Restore status of an archived object.
    #[getter]
    fn restore_info(&self) -> Option<&str> {
        self.0.restore_info.as_deref()
    }
    /// When the object last changed storage class.
    #[getter]
    fn transition_time(&self) -> Option<&str> {
        self.0.transition_time.as_deref()
    }
    /// Owner (with ``fetch_owner=True``).
    #[getter]
    fn owner(&self) -> Option<Owner> {
        self.0.owner.as_ref().map(|w| Owner {
            id: w.id.clone(),
            display_name: w.display_name.clone(),
        })
    }
    /// Field-by-field representation.
    fn __repr__(&self) -> String {
        let o = &self.0;
        format!(
            "ObjectSummary(key={}, size={}, etag={}, last_modified={}, object_type={}, storage_class={})",
            conv::repr(&o.key),
            o.size,
            opt_repr(o.etag.as_deref()),
            opt_repr(o.last_modified.map(|t| t.to_string()).as_deref()),
            opt_repr(o.object_type.as_ref().map(ObjectType::as_str)),
            opt_repr(o.storage_class.as_ref().map(StorageClass::as_str)),
        )
    }
}

/// The Python form of one listed object.
pub(crate) fn object_summary(o: ops::ObjectSummary) -> ObjectSummary {
    ObjectSummary(o)
}

output! {
    /// A multipart upload in progress.
    MultipartUpload as "MultipartUpload" {
        /// The key, exactly as stored.
        key: String,
        /// The upload id.
        upload_id: String,
        /// Storage class.
        storage_class: Option<String>,
        /// ISO 8601 time it was initiated.
        initiated: Option<String>,
    }
}

/// The Python form of one listed upload.
pub(crate) fn multipart_upload(u: ops::MultipartUploadSummary) -> MultipartUpload {
    MultipartUpload {
        key: u.key,
        upload_id: u.upload_id,
        storage_class: u.storage_class.map(String::from),
        initiated: u.initiated.map(|t| t.to_string()),
    }
}

/// One page of ``list_objects_v2``. Pass it to the sans-IO ``ListObjectsV2.next_page`` for
/// the request of the following page.
#[pyclass(frozen, name = "ListObjectsV2Output", module = "oss_sse._oss_sse")]
#[derive(Debug, Clone)]
pub(crate) struct ListObjectsV2Output {
    /// The objects, in key order.
    #[pyo3(get)]
    contents: Vec<ObjectSummary>,
    /// Common prefixes (with a delimiter), in order.
    #[pyo3(get)]
    common_prefixes: Vec<String>,
    /// Whether more pages follow.
    #[pyo3(get)]
    is_truncated: bool,
    /// The token of the next page.
    #[pyo3(get)]
    next_continuation_token: Option<String>,
    /// Entries in this page (objects and prefixes).
    #[pyo3(get)]
    key_count: Option<u64>,
    /// Bucket.
    #[pyo3(get)]
    name: Option<String>,
    /// The prefix asked for.
    #[pyo3(get)]
    prefix: Option<String>,
    /// The delimiter asked for.
    #[pyo3(get)]
    delimiter: Option<String>,
    /// ``x-oss-request-id``.
    #[pyo3(get)]
    request_id: Option<String>,
    /// The Rust page without its contents: what the paginator reads.
    pub(crate) markers: ops::ListObjectsV2Output,
}

#[pymethods]
impl ListObjectsV2Output {
    /// ``ListObjectsV2Output(contents=[...N], common_prefixes=[...], is_truncated=...)``.
    fn __repr__(&self) -> String {
        format!(
            "ListObjectsV2Output(contents=[{} objects], common_prefixes={:?}, is_truncated={}, next_continuation_token={:?})",
            self.contents.len(),
            self.common_prefixes,
            if self.is_truncated { "True" } else { "False" },
            self.next_continuation_token
        )
    }
}

impl ToPy for ops::ListObjectsV2Output {
    type Py = ListObjectsV2Output;
    fn to_py(mut self) -> ListObjectsV2Output {
        let contents = std::mem::take(&mut self.contents)
            .into_iter()
            .map(object_summary)
            .collect();
        ListObjectsV2Output {
            contents,
            common_prefixes: std::mem::take(&mut self.common_prefixes),
            is_truncated: self.is_truncated,
            next_continuation_token: self.next_continuation_token.clone(),
            key_count: self.key_count,
            name: self.name.clone(),
            prefix: self.prefix.clone(),
            delimiter: self.delimiter.clone(),
            request_id: self.request_id.clone(),
            markers: self,
        }
    }
}

/// One page of ``list_multipart_uploads``. Pass it to the sans-IO
/// ``ListMultipartUploads.next_page`` for the request of the following page.
#[pyclass(
    frozen,
    name = "ListMultipartUploadsOutput",
    module = "oss_sse._oss_sse"
)]
#[derive(Debug, Clone)]
pub(crate) struct ListMultipartUploadsOutput {
    /// The uploads, by key then upload id.
    #[pyo3(get)]
    uploads: Vec<MultipartUpload>,
    /// Common prefixes (with a delimiter).
    #[pyo3(get)]
    common_prefixes: Vec<String>,
    /// Whether more pages follow.
    #[pyo3(get)]
    is_truncated: bool,
    /// Key marker of the next page.
    #[pyo3(get)]
    next_key_marker: Option<String>,
    /// Upload id marker of the next page.
    #[pyo3(get)]
    next_upload_id_marker: Option<String>,
    /// Bucket.
    #[pyo3(get)]
    bucket: Option<String>,
    /// ``x-oss-request-id``.
    #[pyo3(get)]
    request_id: Option<String>,
    /// The Rust page without its uploads: what the paginator reads.
    pub(crate) markers: ops::ListMultipartUploadsOutput,
}

#[pymethods]
impl ListMultipartUploadsOutput {
    /// ``ListMultipartUploadsOutput(uploads=[...N], ...)``.
    fn __repr__(&self) -> String {
        format!(
            "ListMultipartUploadsOutput(uploads=[{} uploads], common_prefixes={:?}, is_truncated={})",
            self.uploads.len(),
            self.common_prefixes,
            if self.is_truncated { "True" } else { "False" },
        )
    }
}

impl ToPy for ops::ListMultipartUploadsOutput {
    type Py = ListMultipartUploadsOutput;
    fn to_py(mut self) -> ListMultipartUploadsOutput {
        let uploads = std::mem::take(&mut self.uploads)
            .into_iter()
            .map(multipart_upload)
            .collect();
        ListMultipartUploadsOutput {
            uploads,
            common_prefixes: std::mem::take(&mut self.common_prefixes),
            is_truncated: self.is_truncated,
            next_key_marker: self.next_key_marker.clone(),
            next_upload_id_marker: self.next_upload_id_marker.clone(),
            bucket: self.bucket.clone(),
            request_id: self.request_id.clone(),
            markers: self,
        }
    }
}

output! {
    /// What ``upload_part_copy`` returns.
    UploadPartCopyOutput as "UploadPartCopyOutput" {
        /// ETag of the part (for ``complete_multipart_upload``), without quotes.
        etag: Option<String>,
        /// ISO 8601 time of the copy.
        last_modified: Option<String>,
        /// Version id of the source copied.
        source_version_id: Option<String>,
        /// CRC-64 of the part, when OSS sends it.
        hash_crc64: Option<u64>,
        /// The upload's encryption, when OSS declares it.
        server_side_encryption: Option<PyServerSideEncryption>,
        /// ``x-oss-request-id``.
        request_id: Option<String>,
    }
}

impl ToPy for ops::UploadPartCopyOutput {
    type Py = UploadPartCopyOutput;
    fn to_py(self) -> UploadPartCopyOutput {
        UploadPartCopyOutput {
            etag: self.etag.map(String::from),
            last_modified: self.last_modified.map(|t| t.to_string()),
            source_version_id: self.source_version_id,
            hash_crc64: self.hash_crc64,
            server_side_encryption: sse_opt(self.server_side_encryption),
            request_id: self.request_id,
        }
    }
}

output! {
    /// What ``copy`` (the managed copy) returns.
    CopyOutput as "CopyOutput" {
        /// ETag of the destination, without quotes.
        etag: Option<String>,
        /// CRC-64 of the destination (checked against the source's).
        hash_crc64: Option<u64>,
        /// Bytes copied.
        size: u64,
        /// Whether a multipart copy (UploadPartCopy) was used.
        multipart: bool,
        /// The destination's encryption as OSS declared it.
        server_side_encryption: Option<PyServerSideEncryption>,
        /// ETag of the source version copied.
        source_etag: String,
        /// The source as HEAD saw it before the copy.
        source: ObjectHead,
    }
}

impl ToPy for oss_sse_hyper::CopyOutput {
    type Py = CopyOutput;
    fn to_py(self) -> CopyOutput {
        CopyOutput {
            etag: self.etag.map(String::from),
            hash_crc64: self.hash_crc64,
            size: self.size,
            multipart: self.multipart,
            server_side_encryption: sse_opt(self.server_side_encryption),
            source_etag: self.source_etag,
            source: self.source.to_py(),
        }
    }
}

output! {
    /// What ``abort_incomplete_uploads`` did.
    AbortReport as "AbortReport" {
        /// Uploads aborted: ``(key, upload_id)``.
        aborted: Vec<(String, String)>,
        /// Uploads newer than the cut-off, left alone.
        kept: usize,
        /// Uploads that could not be aborted: ``(key, upload_id, error)``.
        failed: Vec<(String, String, String)>,
    }
}

impl ToPy for oss_sse_hyper::AbortReport {
    type Py = AbortReport;
    fn to_py(self) -> AbortReport {
        AbortReport {
            aborted: self.aborted,
            kept: self.kept,
            failed: self.failed,
        }
    }
}

output! {
    /// What ``get_object_tagging`` returns.
    GetObjectTaggingOutput as "GetObjectTaggingOutput" {
        /// The tags.
        tags: BTreeMap<String, String>,
        /// ``x-oss-request-id``.
        request_id: Option<String>,
    }
}

impl ToPy for ops::GetObjectTaggingOutput {
    type Py = GetObjectTaggingOutput;
    fn to_py(self) -> GetObjectTaggingOutput {
        GetObjectTaggingOutput {
            tags: self.tags.into_iter().collect(),
            request_id: self.request_id,
        }
    }
}

output! {
    /// What ``put_object_tagging`` returns.
    PutObjectTaggingOutput as "PutObjectTaggingOutput" {
        /// ``x-oss-request-id``.
        request_id: Option<String>,
    }
}

output! {
    /// What ``delete_object_tagging`` returns.
    DeleteObjectTaggingOutput as "DeleteObjectTaggingOutput" {
        /// ``x-oss-request-id``.
        request_id: Option<String>,
    }
}

request_id_only! {
    ops::PutObjectTaggingOutput => PutObjectTaggingOutput,
    ops::DeleteObjectTaggingOutput => DeleteObjectTaggingOutput,
}
