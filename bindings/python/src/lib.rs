//! The native module `oss_sse._oss_sse` of the `oss-sse` wheel. It adds no protocol logic:
//! every function converts its Python arguments into owned Rust values, calls
//! `oss-sse-core` (sans-IO) or `oss-sse-hyper` (the client), and converts the result. The
//! public Python API is re-exported from `oss_sse`, `oss_sse.sansio` and `oss_sse.testing`.

mod client;
mod conv;
mod credentials;
mod errors;
mod ops;
mod runtime;
mod sansio;
mod testing;
mod types;

use pyo3::prelude::*;

#[pymodule]
mod _oss_sse {
    #[pymodule_export]
    use crate::client::{PyAsyncClient, PyClient};
    #[pymodule_export]
    use crate::credentials::{
        PyChainProvider, PyCredentials, PyEcsRamRoleProvider, PyEnvironmentProvider,
        PyStaticProvider,
    };
    #[pymodule_export]
    use crate::ops::{
        PyAbortMultipartUpload, PyAppendObject, PyCompleteMultipartUpload, PyCopyObject,
        PyDeleteBucket, PyDeleteBucketEncryption, PyDeleteObject, PyGetBucketEncryption,
        PyGetBucketInfo, PyGetObject, PyHeadObject, PyInitiateMultipartUpload, PyListParts,
        PyPutBucket, PyPutBucketEncryption, PyPutObject, PyUploadPart,
    };
    #[pymodule_export]
    use crate::sansio::{PyConfig, PyRequest, PySignedRequest, parse_error, sign};
    #[pymodule_export]
    use crate::testing::PyEmulator;
    #[pymodule_export]
    use crate::types::{
        AbortMultipartUploadOutput, AppendObjectOutput, BucketInfo, CompleteMultipartUploadOutput,
        CopyObjectOutput, DeleteBucketEncryptionOutput, DeleteBucketOutput, DeleteObjectOutput,
        DownloadFileOutput, GetObjectOutput, InitiateMultipartUploadOutput, ListPartsOutput,
        ObjectHead, PartSummary, PresignedRequest, PutBucketEncryptionOutput, PutBucketOutput,
        PutObjectOutput, PyCompletedPart, PyServerSideEncryption, PyServerSideEncryptionRule,
        UploadFileOutput, UploadPartOutput,
    };

    use pyo3::prelude::*;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))
    }
}
