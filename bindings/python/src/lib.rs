//! The native module `oss_sse._oss_sse` of the `oss-sse` wheel. It adds no protocol logic:
//! every function converts its Python arguments into owned Rust values, calls
//! `oss-sse-core` (sans-IO) or `oss-sse-hyper` (the client), and converts the result. The
//! public Python API is re-exported from `oss_sse`, `oss_sse.sansio` and `oss_sse.testing`.

mod body;
mod client;
mod conv;
mod credentials;
mod errors;
mod fleet;
mod fork;
mod listing;
mod ops;
mod runtime;
mod sansio;
mod testing;
mod types;
mod upload;

use pyo3::prelude::*;

#[pymodule]
mod _oss_sse {
    #[pymodule_export]
    use crate::body::{
        PyAsyncGetObjectResponse, PyAsyncObjectBody, PyGetObjectResponse, PyObjectBody,
    };
    #[pymodule_export]
    use crate::client::{PyAsyncClient, PyClient};
    #[pymodule_export]
    use crate::credentials::{
        PyChainProvider, PyCredentials, PyEcsRamRoleProvider, PyEnvironmentProvider,
        PyStaticProvider,
    };
    #[pymodule_export]
    use crate::fleet::{
        AuditSummary, Finding, InventoryManifest, PyAsyncAuditIterator, PyAuditIterator,
        ReencryptResult, ReencryptSummary,
    };
    #[pymodule_export]
    use crate::listing::{PyAsyncListIterator, PyListIterator};
    #[pymodule_export]
    use crate::ops::{
        PyAbortMultipartUpload, PyAppendObject, PyCompleteMultipartUpload, PyCopyObject,
        PyDeleteBucket, PyDeleteBucketEncryption, PyDeleteObject, PyDeleteObjectTagging,
        PyGetBucketEncryption, PyGetBucketInfo, PyGetObject, PyGetObjectTagging, PyHeadObject,
        PyInitiateMultipartUpload, PyListMultipartUploads, PyListObjectsV2, PyListParts,
        PyPutBucket, PyPutBucketEncryption, PyPutObject, PyPutObjectTagging, PyUploadPart,
        PyUploadPartCopy,
    };
    #[pymodule_export]
    use crate::sansio::{PyConfig, PyRequest, PySignedRequest, parse_error, sign};
    #[pymodule_export]
    use crate::testing::PyEmulator;
    #[pymodule_export]
    use crate::types::{
        AbortMultipartUploadOutput, AbortReport, AppendObjectOutput, BucketInfo,
        CompleteMultipartUploadOutput, CopyObjectOutput, CopyOutput, DeleteBucketEncryptionOutput,
        DeleteBucketOutput, DeleteObjectOutput, DeleteObjectTaggingOutput, DownloadFileOutput,
        GetObjectOutput, GetObjectTaggingOutput, InitiateMultipartUploadOutput,
        ListMultipartUploadsOutput, ListObjectsV2Output, ListPartsOutput, MultipartUpload,
        ObjectHead, ObjectSummary, Owner, PartSummary, PresignedRequest, PutBucketEncryptionOutput,
        PutBucketOutput, PutObjectOutput, PutObjectTaggingOutput, PyCompletedPart,
        PyServerSideEncryption, PyServerSideEncryptionRule, UploadFileOutput, UploadPartCopyOutput,
        UploadPartOutput,
    };

    use pyo3::prelude::*;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))
    }
}
