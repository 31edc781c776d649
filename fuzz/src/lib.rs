//! Shared input generators for the oss-sse fuzz targets.
//!
//! The targets take structured input (`arbitrary` derive) so that the fuzzer spends its time
//! on values the parsers branch on (OSS header names, OSS element names, numbers, base64)
//! rather than on rediscovering them byte by byte. Every generator still has a raw variant so
//! arbitrary bytes reach the code under test too.

use arbitrary::Arbitrary;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

/// Response statuses worth distinguishing, plus any other.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum StatusSel {
    /// 200
    Ok,
    /// 204
    NoContent,
    /// 206
    Partial,
    /// 304
    NotModified,
    /// 400
    BadRequest,
    /// 403
    Forbidden,
    /// 404
    NotFound,
    /// 409
    Conflict,
    /// 412
    PreconditionFailed,
    /// 416
    RangeNotSatisfiable,
    /// 500
    Internal,
    /// 503
    Unavailable,
    /// Anything `http` accepts (100..=999); 200 otherwise.
    Other(u16),
}

impl StatusSel {
    /// The status code.
    pub fn code(self) -> StatusCode {
        let n = match self {
            Self::Ok => 200,
            Self::NoContent => 204,
            Self::Partial => 206,
            Self::NotModified => 304,
            Self::BadRequest => 400,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::Conflict => 409,
            Self::PreconditionFailed => 412,
            Self::RangeNotSatisfiable => 416,
            Self::Internal => 500,
            Self::Unavailable => 503,
            Self::Other(n) => n,
        };
        StatusCode::from_u16(n).unwrap_or(StatusCode::OK)
    }
}

/// Response header names the parsers read.
pub const RESPONSE_HEADERS: &[&str] = &[
    "content-length",
    "content-type",
    "content-range",
    "etag",
    "last-modified",
    "x-oss-hash-crc64ecma",
    "x-oss-object-type",
    "x-oss-storage-class",
    "x-oss-next-append-position",
    "x-oss-version-id",
    "x-oss-server-side-encryption",
    "x-oss-server-side-encryption-key-id",
    "x-oss-server-side-data-encryption",
    "x-oss-request-id",
    "x-oss-ec",
    "x-oss-err",
    "x-oss-meta-a",
    "x-oss-meta-Name",
    "x-oss-meta-",
    "date",
];

/// A header value: text, a number (the parsers parse u64s), base64 of bytes (`x-oss-err`),
/// an SSE token, or raw bytes (rejected by `http` unless they are valid header bytes).
#[derive(Arbitrary, Debug, Clone)]
pub enum ValueSel {
    /// Text.
    Text(String),
    /// A decimal u64.
    Number(u64),
    /// A decimal i64 (negative numbers must not parse as u64).
    Signed(i64),
    /// `u64::MAX + n`: overflows.
    Overflow(u8),
    /// Base64 of bytes.
    Base64(Vec<u8>),
    /// Base64 of an `<Error>` document with these fields.
    ErrorDoc(Vec<(FieldName, String)>),
    /// `AES256`, `KMS`, `SM4`, `None`.
    Sse(u8),
    /// Raw bytes.
    Raw(Vec<u8>),
}

impl ValueSel {
    /// The value's bytes.
    pub fn bytes(&self) -> Vec<u8> {
        use base64::Engine as _;
        match self {
            Self::Text(s) => s.clone().into_bytes(),
            Self::Number(n) => n.to_string().into_bytes(),
            Self::Signed(n) => n.to_string().into_bytes(),
            Self::Overflow(n) => (u128::from(u64::MAX) + u128::from(*n))
                .to_string()
                .into_bytes(),
            Self::Base64(b) => base64::engine::general_purpose::STANDARD
                .encode(b)
                .into_bytes(),
            Self::ErrorDoc(fields) => {
                let f: Vec<(&str, &str)> = fields
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                base64::engine::general_purpose::STANDARD
                    .encode(oss_sse_core::wire::error_document(&f))
                    .into_bytes()
            }
            Self::Sse(n) => ["AES256", "KMS", "SM4", "None", "", " KMS "][usize::from(*n) % 6]
                .as_bytes()
                .to_vec(),
            Self::Raw(b) => b.clone(),
        }
    }
}

/// A header: a known name or any name.
#[derive(Arbitrary, Debug, Clone)]
pub enum HeaderSel {
    /// One of [`RESPONSE_HEADERS`].
    Known(u8, ValueSel),
    /// Any name (dropped unless `http` accepts it).
    Raw(String, ValueSel),
}

/// Builds a header map, dropping names and values `http` rejects (a real client never
/// hands those to the parser).
pub fn header_map(headers: &[HeaderSel]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for h in headers {
        let (name, value) = match h {
            HeaderSel::Known(i, v) => (
                RESPONSE_HEADERS[usize::from(*i) % RESPONSE_HEADERS.len()].to_owned(),
                v,
            ),
            HeaderSel::Raw(n, v) => (n.clone(), v),
        };
        let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(&value.bytes()),
        ) else {
            continue;
        };
        map.append(n, v);
    }
    map
}

/// Element names that appear in OSS documents.
pub const ELEMENT_NAMES: &[&str] = &[
    "Error",
    "Code",
    "Message",
    "RequestId",
    "HostId",
    "EC",
    "RecommendDoc",
    "ServerTime",
    "BucketInfo",
    "Bucket",
    "Name",
    "Key",
    "ETag",
    "Location",
    "UploadId",
    "Part",
    "PartNumber",
    "Size",
    "LastModified",
    "HashCrc64ecma",
    "IsTruncated",
    "MaxParts",
    "NextPartNumberMarker",
    "PartNumberMarker",
    "ServerSideEncryptionRule",
    "ApplyServerSideEncryptionByDefault",
    "SSEAlgorithm",
    "KMSMasterKeyID",
    "KMSDataEncryption",
    "CreationDate",
    "StorageClass",
    "ExtranetEndpoint",
    "IntranetEndpoint",
    "CopyObjectResult",
    "InitiateMultipartUploadResult",
    "CompleteMultipartUploadResult",
    "ListPartsResult",
    "CompleteMultipartUpload",
    "CreateBucketConfiguration",
    "Owner",
    "ID",
];

/// Element names that appear in no OSS document (unknown elements must be ignored).
pub const OTHER_NAMES: &[&str] = &["X", "Xy", "Foo", "Bar9", "a", "ns:Key", "_u", "Key2"];

/// An element name: a known one or an unknown one; always a valid XML name.
#[derive(Arbitrary, Debug, Clone)]
pub enum FieldName {
    /// One of [`ELEMENT_NAMES`].
    Known(u8),
    /// One of [`OTHER_NAMES`].
    Other(u8),
}

impl FieldName {
    /// The name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Known(i) => ELEMENT_NAMES[usize::from(*i) % ELEMENT_NAMES.len()],
            Self::Other(i) => OTHER_NAMES[usize::from(*i) % OTHER_NAMES.len()],
        }
    }
}

/// An XML node tree; rendered with a depth cap.
#[derive(Arbitrary, Debug, Clone)]
pub enum XmlNode {
    /// `<Name>children</Name>`.
    Elem(FieldName, Vec<XmlNode>),
    /// `<Name/>`.
    Empty(FieldName),
    /// Escaped text.
    Text(String),
    /// A number as text.
    Number(u64),
    /// Unescaped text (may break the document).
    Raw(String),
    /// `<![CDATA[…]]>`.
    Cdata(String),
    /// `&#NNN;` character reference.
    CharRef(u32),
    /// `&name;` entity reference.
    EntityRef(u8),
    /// `<!-- … -->`.
    Comment(String),
}

/// A document: optional declaration, a root element, children.
#[derive(Arbitrary, Debug, Clone)]
pub struct XmlDoc {
    /// Emit `<?xml version="1.0" encoding="UTF-8"?>`.
    pub declaration: bool,
    /// Root element name.
    pub root: FieldName,
    /// Children of the root.
    pub children: Vec<XmlNode>,
    /// Bytes appended after the root (trailing garbage).
    pub trailer: Vec<u8>,
}

const MAX_DEPTH: usize = 6;

fn render_node(n: &XmlNode, depth: usize, out: &mut String) {
    use std::fmt::Write as _;
    match n {
        XmlNode::Elem(name, kids) => {
            let name = name.as_str();
            let _ = write!(out, "<{name}>");
            if depth < MAX_DEPTH {
                for k in kids {
                    render_node(k, depth + 1, out);
                }
            }
            let _ = write!(out, "</{name}>");
        }
        XmlNode::Empty(name) => {
            let _ = write!(out, "<{}/>", name.as_str());
        }
        XmlNode::Text(t) => out.push_str(&oss_sse_core::wire::xml_escape(t)),
        XmlNode::Number(n) => {
            let _ = write!(out, "{n}");
        }
        XmlNode::Raw(t) => out.push_str(t),
        XmlNode::Cdata(t) => {
            let _ = write!(out, "<![CDATA[{}]]>", t.replace("]]>", ""));
        }
        XmlNode::CharRef(c) => {
            let _ = write!(out, "&#{c};");
        }
        XmlNode::EntityRef(i) => {
            out.push_str(
                [
                    "&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&nbsp;", "&;", "&#x41;",
                ][usize::from(*i) % 8],
            );
        }
        XmlNode::Comment(t) => {
            let _ = write!(out, "<!--{}-->", t.replace("--", ""));
        }
    }
}

impl XmlDoc {
    /// Renders the document.
    pub fn render(&self) -> Vec<u8> {
        let mut s = String::new();
        if self.declaration {
            s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        }
        render_node(
            &XmlNode::Elem(self.root.clone(), self.children.clone()),
            0,
            &mut s,
        );
        let mut b = s.into_bytes();
        b.extend_from_slice(&self.trailer);
        b
    }
}

/// A body: raw bytes or a generated document.
#[derive(Arbitrary, Debug, Clone)]
pub enum BodySel {
    /// Raw bytes.
    Raw(Vec<u8>),
    /// A generated XML document.
    Xml(XmlDoc),
    /// Whitespace only (the "empty body" branch of the error parser).
    Blank(u8),
}

impl BodySel {
    /// The body bytes.
    pub fn bytes(&self) -> Vec<u8> {
        match self {
            Self::Raw(b) => b.clone(),
            Self::Xml(d) => d.render(),
            Self::Blank(n) => b" \n\t\r".repeat(usize::from(*n % 4)),
        }
    }
}

/// Hex of a byte string (for messages).
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
