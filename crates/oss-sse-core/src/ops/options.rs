//! Options shared by the operations that create object data.

use crate::headers::{CONTENT_MD5, CONTENT_TYPE};

use super::{Metadata, RequestParts};
use crate::error::BuildError;
use crate::sse::ServerSideEncryption;

/// Content type, metadata and SSE of a new object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct NewObjectOptions {
    pub(crate) content_type: Option<String>,
    pub(crate) metadata: Metadata,
    pub(crate) sse: Option<ServerSideEncryption>,
}

impl NewObjectOptions {
    pub(crate) fn apply<'a>(
        &self,
        parts: RequestParts<'a>,
    ) -> Result<RequestParts<'a>, BuildError> {
        let mut parts = parts
            .opt_header(CONTENT_TYPE, "content_type", self.content_type.as_deref())?
            .metadata(&self.metadata)?;
        if let Some(sse) = &self.sse {
            sse.validate()?;
            sse.apply(parts.headers_mut());
        }
        Ok(parts)
    }
}

/// A Content-MD5 to send: computed from the body, or given (for streamed bodies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Md5Option {
    None,
    FromBody,
    Given(String),
}

impl Md5Option {
    pub(crate) fn apply<'a>(
        &self,
        parts: RequestParts<'a>,
        body: &[u8],
    ) -> Result<RequestParts<'a>, BuildError> {
        match self {
            Self::None => Ok(parts),
            Self::FromBody => Ok(parts.header(CONTENT_MD5, crate::crypto::content_md5(body))),
            Self::Given(v) => {
                if crate::crypto::base64_decode(v).is_none_or(|d| d.len() != 16) {
                    return Err(BuildError::new(
                        "content_md5",
                        "must be the base64 of a 16-byte MD5 digest",
                    ));
                }
                Ok(parts.header(CONTENT_MD5, v.clone()))
            }
        }
    }
}

/// Setters shared by PutObject, AppendObject and InitiateMultipartUpload.
macro_rules! new_object_setters {
    () => {
        /// `Content-Type` of the object.
        #[must_use]
        pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
            self.opts.content_type = Some(content_type.into());
            self
        }
        /// Adds user metadata `x-oss-meta-<name>: <value>` (ASCII only; names are lower-cased).
        #[must_use]
        pub fn with_metadata(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
            self.opts.metadata.push((name.into(), value.into()));
            self
        }
        /// Server-side encryption for the object; overrides the bucket's default rule.
        #[must_use]
        pub fn with_server_side_encryption(
            mut self,
            sse: $crate::sse::ServerSideEncryption,
        ) -> Self {
            self.opts.sse = Some(sse);
            self
        }
        /// The requested server-side encryption, if any.
        pub fn server_side_encryption(&self) -> Option<&$crate::sse::ServerSideEncryption> {
            self.opts.sse.as_ref()
        }
    };
}
pub(crate) use new_object_setters;
