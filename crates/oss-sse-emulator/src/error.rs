//! OSS error responses.

use std::borrow::Cow;

use http::StatusCode;

/// An error the emulator answers with: OSS error XML (or `x-oss-err` on HEAD).
#[derive(Debug, Clone)]
pub(crate) struct OssErr {
    pub(crate) status: StatusCode,
    pub(crate) code: Cow<'static, str>,
    pub(crate) message: String,
    /// Extra `<Error>` children, in order.
    pub(crate) extra: Vec<(&'static str, String)>,
    /// Extra response headers.
    pub(crate) headers: Vec<(&'static str, String)>,
}

impl OssErr {
    pub(crate) fn new(
        status: u16,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code: code.into(),
            message: message.into(),
            extra: Vec::new(),
            headers: Vec::new(),
        }
    }

    #[must_use]
    pub(crate) fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.extra.push((name, value.into()));
        self
    }

    #[must_use]
    pub(crate) fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// The EC OSS uses for this code where it is documented; `0000-00000000` otherwise.
    pub(crate) fn ec(&self) -> &'static str {
        match self.code.as_ref() {
            "NoSuchBucket" => "0015-00000101",
            "BucketAlreadyExists" => "0015-00000104",
            "BucketNotEmpty" => "0015-00000301",
            "NoSuchKey" => "0026-00000001",
            "PositionNotEqualToLength" => "0026-00000016",
            "SignatureDoesNotMatch" => "0002-00000040",
            "RequestTimeTooSkewed" => "0002-00000504",
            "MalformedXML" => "0016-00000608",
            "InvalidArgument" if self.message.contains("server-side") => "0005-00000002",
            _ => "0000-00000000",
        }
    }

    pub(crate) fn internal(msg: impl Into<String>) -> Self {
        Self::new(500, "InternalError", msg)
    }

    pub(crate) fn no_such_bucket(bucket: &str) -> Self {
        Self::new(404, "NoSuchBucket", "The specified bucket does not exist.")
            .with("BucketName", bucket)
    }

    pub(crate) fn no_such_key(key: &str) -> Self {
        Self::new(404, "NoSuchKey", "The specified key does not exist.").with("Key", key)
    }

    pub(crate) fn no_such_upload(id: &str) -> Self {
        Self::new(
            404,
            "NoSuchUpload",
            "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
        )
        .with("UploadId", id)
    }

    pub(crate) fn invalid_argument(msg: impl Into<String>) -> Self {
        Self::new(400, "InvalidArgument", msg)
    }
}
