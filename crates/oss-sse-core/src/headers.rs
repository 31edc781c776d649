//! Header and query-parameter names used on the wire.

#![allow(missing_docs)] // the constant names are the documentation

pub const X_OSS_DATE: &str = "x-oss-date";
pub const X_OSS_CONTENT_SHA256: &str = "x-oss-content-sha256";
pub const X_OSS_SECURITY_TOKEN: &str = "x-oss-security-token";
pub const X_OSS_REQUEST_ID: &str = "x-oss-request-id";
pub const X_OSS_EC: &str = "x-oss-ec";
pub const X_OSS_ERR: &str = "x-oss-err";
pub const X_OSS_HASH_CRC64ECMA: &str = "x-oss-hash-crc64ecma";
pub const X_OSS_NEXT_APPEND_POSITION: &str = "x-oss-next-append-position";
pub const X_OSS_VERSION_ID: &str = "x-oss-version-id";
pub const X_OSS_OBJECT_TYPE: &str = "x-oss-object-type";
pub const X_OSS_STORAGE_CLASS: &str = "x-oss-storage-class";
pub const X_OSS_ACL: &str = "x-oss-acl";
pub const X_OSS_OBJECT_ACL: &str = "x-oss-object-acl";
pub const X_OSS_FORBID_OVERWRITE: &str = "x-oss-forbid-overwrite";
pub const X_OSS_COPY_SOURCE: &str = "x-oss-copy-source";
pub const X_OSS_METADATA_DIRECTIVE: &str = "x-oss-metadata-directive";
pub const X_OSS_META_PREFIX: &str = "x-oss-meta-";
pub const X_OSS_SERVER_SIDE_ENCRYPTION: &str = "x-oss-server-side-encryption";
pub const X_OSS_SERVER_SIDE_ENCRYPTION_KEY_ID: &str = "x-oss-server-side-encryption-key-id";
pub const X_OSS_SERVER_SIDE_DATA_ENCRYPTION: &str = "x-oss-server-side-data-encryption";
pub const X_OSS_TAGGING: &str = "x-oss-tagging";
pub const X_OSS_TAGGING_DIRECTIVE: &str = "x-oss-tagging-directive";
pub const X_OSS_TAGGING_COUNT: &str = "x-oss-tagging-count";
pub const X_OSS_COPY_SOURCE_RANGE: &str = "x-oss-copy-source-range";
pub const X_OSS_COPY_SOURCE_IF_MATCH: &str = "x-oss-copy-source-if-match";
pub const X_OSS_COPY_SOURCE_IF_NONE_MATCH: &str = "x-oss-copy-source-if-none-match";
pub const X_OSS_COPY_SOURCE_IF_MODIFIED_SINCE: &str = "x-oss-copy-source-if-modified-since";
pub const X_OSS_COPY_SOURCE_IF_UNMODIFIED_SINCE: &str = "x-oss-copy-source-if-unmodified-since";
pub const X_OSS_COPY_SOURCE_VERSION_ID: &str = "x-oss-copy-source-version-id";

pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
pub const CONTENT_TYPE_XML: &str = "application/xml";

// Query parameters (sub-resources and presign parameters).
pub const Q_ENCRYPTION: &str = "encryption";
pub const Q_BUCKET_INFO: &str = "bucketInfo";
pub const Q_APPEND: &str = "append";
pub const Q_POSITION: &str = "position";
pub const Q_UPLOADS: &str = "uploads";
pub const Q_UPLOAD_ID: &str = "uploadId";
pub const Q_PART_NUMBER: &str = "partNumber";
pub const Q_MAX_PARTS: &str = "max-parts";
pub const Q_PART_NUMBER_MARKER: &str = "part-number-marker";
pub const Q_ENCODING_TYPE: &str = "encoding-type";
pub const Q_LIST_TYPE: &str = "list-type";
pub const Q_PREFIX: &str = "prefix";
pub const Q_DELIMITER: &str = "delimiter";
pub const Q_START_AFTER: &str = "start-after";
pub const Q_CONTINUATION_TOKEN: &str = "continuation-token";
pub const Q_MAX_KEYS: &str = "max-keys";
pub const Q_FETCH_OWNER: &str = "fetch-owner";
pub const Q_KEY_MARKER: &str = "key-marker";
pub const Q_UPLOAD_ID_MARKER: &str = "upload-id-marker";
pub const Q_MAX_UPLOADS: &str = "max-uploads";
pub const Q_TAGGING: &str = "tagging";
pub const Q_VERSION_ID: &str = "versionId";
pub const Q_SECURITY_TOKEN: &str = "security-token";
pub const Q_OSS_ACCESS_KEY_ID: &str = "OSSAccessKeyId";
pub const Q_EXPIRES: &str = "Expires";
pub const Q_SIGNATURE: &str = "Signature";
pub const Q_X_OSS_SIGNATURE_VERSION: &str = "x-oss-signature-version";
pub const Q_X_OSS_CREDENTIAL: &str = "x-oss-credential";
pub const Q_X_OSS_DATE: &str = "x-oss-date";
pub const Q_X_OSS_EXPIRES: &str = "x-oss-expires";
pub const Q_X_OSS_SIGNATURE: &str = "x-oss-signature";
pub const Q_X_OSS_SECURITY_TOKEN: &str = "x-oss-security-token";
pub const Q_X_OSS_ADDITIONAL_HEADERS: &str = "x-oss-additional-headers";

// Standard headers as `&'static str`, for the request builder.
pub const CONTENT_TYPE: &str = "content-type";
pub const CONTENT_MD5: &str = "content-md5";
pub const CACHE_CONTROL: &str = "cache-control";
pub const CONTENT_DISPOSITION: &str = "content-disposition";
pub const CONTENT_ENCODING: &str = "content-encoding";
pub const CONTENT_LANGUAGE: &str = "content-language";
pub const EXPIRES: &str = "expires";
pub const RANGE: &str = "range";
