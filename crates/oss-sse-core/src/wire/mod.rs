//! XML on the wire. The only module that names the XML crate.
//!
//! Request bodies are written by hand so the bytes are exactly what the official SDKs send
//! (no declaration, no whitespace). Response bodies are read with serde; every field is
//! optional and element order does not matter, and empty elements read as absent.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde::Deserialize;

use crate::sse::{DataEncryption, ServerSideEncryptionRule, SseAlgorithm};

mod list;
pub(crate) use list::read_list;

pub(crate) type XmlError = quick_xml::DeError;

pub(crate) fn from_xml<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, XmlError> {
    // OSS never sends a DTD; refusing one also keeps quick-xml's serde reader away from a
    // DOCTYPE between text runs, which makes it panic (tafia/quick-xml#964; found by fuzzing).
    if body
        .windows(9)
        .any(|w| w.eq_ignore_ascii_case(b"<!doctype"))
    {
        return Err(XmlError::Custom(
            "a document type declaration is not allowed".into(),
        ));
    }
    let s = std::str::from_utf8(body)
        .map_err(|e| XmlError::Custom(format!("body is not UTF-8: {e}")))?;
    quick_xml::de::from_str(s)
}

/// Like [`from_xml`], but first checks that the document's root element is `root`, so an
/// unrelated document (a proxy's HTML page) is an error rather than an empty result.
pub(crate) fn from_xml_root<T: serde::de::DeserializeOwned>(
    body: &[u8],
    root: &str,
) -> Result<T, XmlError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                if e.name().as_ref() != root.as_bytes() {
                    return Err(XmlError::Custom(format!(
                        "expected a <{root}> document, found <{}>",
                        String::from_utf8_lossy(e.name().as_ref())
                    )));
                }
                break;
            }
            Ok(Event::Eof) => {
                return Err(XmlError::Custom(format!(
                    "expected a <{root}> document, found none"
                )));
            }
            Ok(_) => {}
            Err(e) => return Err(XmlError::Custom(format!("malformed XML: {e}"))),
        }
        buf.clear();
    }
    from_xml(body)
}

/// Escapes text for an XML element body (for servers writing OSS documents).
pub fn xml_escape(s: &str) -> Cow<'_, str> {
    escape(s)
}

/// Escapes text for an XML element body.
pub(crate) fn escape(s: &str) -> Cow<'_, str> {
    quick_xml::escape::escape(s)
}

/// Treats empty and whitespace-only text as absent.
pub(crate) fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

// ---- bucket encryption ----

pub(crate) fn rule_to_xml(rule: &ServerSideEncryptionRule) -> String {
    let mut s = String::from("<ServerSideEncryptionRule><ApplyServerSideEncryptionByDefault>");
    let _ = write!(
        s,
        "<SSEAlgorithm>{}</SSEAlgorithm>",
        escape(rule.sse_algorithm().as_str())
    );
    if let Some(k) = rule.kms_master_key_id() {
        let _ = write!(s, "<KMSMasterKeyID>{}</KMSMasterKeyID>", escape(k));
    }
    if let Some(d) = rule.kms_data_encryption() {
        let _ = write!(
            s,
            "<KMSDataEncryption>{}</KMSDataEncryption>",
            escape(d.as_str())
        );
    }
    s.push_str("</ApplyServerSideEncryptionByDefault></ServerSideEncryptionRule>");
    s
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct RuleFields {
    #[serde(rename = "SSEAlgorithm")]
    pub(crate) sse_algorithm: Option<String>,
    #[serde(rename = "KMSMasterKeyID")]
    pub(crate) kms_master_key_id: Option<String>,
    #[serde(rename = "KMSDataEncryption")]
    pub(crate) kms_data_encryption: Option<String>,
}

impl RuleFields {
    /// `None` when no algorithm or the literal `None` (GetBucketInfo's "no rule" form).
    pub(crate) fn into_rule(self) -> Option<ServerSideEncryptionRule> {
        let alg = non_empty(self.sse_algorithm)?;
        if alg == "None" {
            return None;
        }
        let mut rule = ServerSideEncryptionRule::new(SseAlgorithm::from_wire(&alg));
        if let Some(k) = non_empty(self.kms_master_key_id) {
            rule = rule.with_kms_master_key_id(k);
        }
        if let Some(d) = non_empty(self.kms_data_encryption) {
            rule = rule.with_kms_data_encryption(DataEncryption::from_wire(&d));
        }
        Some(rule)
    }
}

/// `<ServerSideEncryptionRule><ApplyServerSideEncryptionByDefault>…`
#[derive(Debug, Deserialize)]
pub(crate) struct RuleDoc {
    #[serde(rename = "ApplyServerSideEncryptionByDefault")]
    pub(crate) apply: Option<RuleFields>,
}

/// Reads a PutBucketEncryption body (the server side), tolerating any element order and
/// empty elements. `Err` means malformed XML; an unknown algorithm is kept as `Unknown`.
pub fn parse_rule_request(body: &[u8]) -> Result<Option<ServerSideEncryptionRule>, String> {
    let doc: RuleDoc = from_xml(body).map_err(|e| e.to_string())?;
    Ok(doc.apply.and_then(RuleFields::into_rule))
}

// ---- bucket info ----

#[derive(Debug, Deserialize)]
pub(crate) struct BucketInfoDoc {
    #[serde(rename = "Bucket")]
    pub(crate) bucket: BucketDoc,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct BucketDoc {
    #[serde(rename = "Name")]
    pub(crate) name: Option<String>,
    #[serde(rename = "Location")]
    pub(crate) location: Option<String>,
    #[serde(rename = "CreationDate")]
    pub(crate) creation_date: Option<String>,
    #[serde(rename = "ExtranetEndpoint")]
    pub(crate) extranet_endpoint: Option<String>,
    #[serde(rename = "IntranetEndpoint")]
    pub(crate) intranet_endpoint: Option<String>,
    #[serde(rename = "StorageClass")]
    pub(crate) storage_class: Option<String>,
    #[serde(rename = "ServerSideEncryptionRule")]
    pub(crate) sse: Option<RuleFields>,
}

// ---- multipart ----

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct InitiateDoc {
    #[serde(rename = "Bucket")]
    pub(crate) bucket: Option<String>,
    #[serde(rename = "Key")]
    pub(crate) key: Option<String>,
    #[serde(rename = "UploadId")]
    pub(crate) upload_id: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct CompleteDoc {
    #[serde(rename = "Location")]
    pub(crate) location: Option<String>,
    #[serde(rename = "Bucket")]
    pub(crate) bucket: Option<String>,
    #[serde(rename = "Key")]
    pub(crate) key: Option<String>,
    #[serde(rename = "ETag")]
    pub(crate) etag: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct CopyDoc {
    #[serde(rename = "ETag")]
    pub(crate) etag: Option<String>,
    #[serde(rename = "LastModified")]
    pub(crate) last_modified: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct ListPartsDoc {
    #[serde(rename = "Bucket")]
    pub(crate) bucket: Option<String>,
    #[serde(rename = "Key")]
    pub(crate) key: Option<String>,
    #[serde(rename = "UploadId")]
    pub(crate) upload_id: Option<String>,
    #[serde(rename = "PartNumberMarker")]
    pub(crate) part_number_marker: Option<String>,
    #[serde(rename = "NextPartNumberMarker")]
    pub(crate) next_part_number_marker: Option<String>,
    #[serde(rename = "MaxParts")]
    pub(crate) max_parts: Option<String>,
    #[serde(rename = "IsTruncated")]
    pub(crate) is_truncated: Option<String>,
    #[serde(rename = "Part")]
    pub(crate) parts: Vec<PartDoc>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct PartDoc {
    #[serde(rename = "PartNumber")]
    pub(crate) part_number: Option<String>,
    #[serde(rename = "LastModified")]
    pub(crate) last_modified: Option<String>,
    #[serde(rename = "ETag")]
    pub(crate) etag: Option<String>,
    #[serde(rename = "HashCrc64ecma")]
    pub(crate) crc64: Option<String>,
    #[serde(rename = "Size")]
    pub(crate) size: Option<String>,
}

/// `(part number, ETag)` pairs of a CompleteMultipartUpload body, for servers.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct CompleteRequestDoc {
    #[serde(rename = "Part")]
    parts: Vec<PartDoc>,
}

/// Reads a CompleteMultipartUpload request body (the server side).
pub fn parse_complete_request(body: &[u8]) -> Result<Vec<(u32, String)>, String> {
    let doc: CompleteRequestDoc = from_xml(body).map_err(|e| e.to_string())?;
    doc.parts
        .into_iter()
        .map(|p| {
            let n = non_empty(p.part_number)
                .and_then(|n| n.parse().ok())
                .ok_or("PartNumber missing or not a number")?;
            let e = non_empty(p.etag).ok_or("ETag missing")?;
            Ok((n, e.trim_matches('"').to_owned()))
        })
        .collect()
}

/// Reads a PutBucket body's `StorageClass` (the server side). An empty body is fine.
pub fn parse_create_bucket_request(body: &[u8]) -> Result<Option<String>, String> {
    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct Doc {
        #[serde(rename = "StorageClass")]
        storage_class: Option<String>,
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let d: Doc = from_xml(body).map_err(|e| e.to_string())?;
    Ok(non_empty(d.storage_class))
}

// ---- listing ----

// ---- tagging ----

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct TaggingDoc {
    #[serde(rename = "TagSet")]
    tag_set: Option<TagSetDoc>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct TagSetDoc {
    #[serde(rename = "Tag")]
    tags: Vec<TagDoc>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct TagDoc {
    #[serde(rename = "Key")]
    key: Option<String>,
    #[serde(rename = "Value")]
    value: Option<String>,
}

/// A `<Tagging>` document (PutObjectTagging's body, GetObjectTagging's answer).
pub fn tagging_to_xml(tags: &[(String, String)]) -> String {
    let mut s = String::from("<Tagging><TagSet>");
    for (k, v) in tags {
        let _ = write!(
            s,
            "<Tag><Key>{}</Key><Value>{}</Value></Tag>",
            escape(k),
            escape(v)
        );
    }
    s.push_str("</TagSet></Tagging>");
    s
}

/// Reads a `<Tagging>` document (either side). Values are kept as sent (not trimmed).
pub fn parse_tagging(body: &[u8]) -> Result<Vec<(String, String)>, String> {
    let doc: TaggingDoc = from_xml_root(body, "Tagging").map_err(|e| e.to_string())?;
    doc.tag_set
        .map(|t| t.tags)
        .unwrap_or_default()
        .into_iter()
        .map(|t| {
            let k = t
                .key
                .filter(|k| !k.is_empty())
                .ok_or("a Tag without a Key")?;
            Ok((k, t.value.unwrap_or_default()))
        })
        .collect()
}

/// Decodes a field of a listing sent with `encoding-type=url`: percent-decoding only (a `+`
/// stays a `+`), and the result must be UTF-8.
pub(crate) fn url_decoded(v: String, what: &str) -> Result<String, String> {
    if !v.contains('%') {
        return Ok(v);
    }
    url_decode(&v).ok_or_else(|| format!("{what} {v:?} does not decode to UTF-8"))
}

/// Percent-decodes `s` exactly as `percent_encoding::percent_decode_str` does (`%` and two
/// hex digits decode; any other `%` stays as it is), into one allocation of the right size;
/// `None` if the result is not UTF-8. Every key of a listing passes here, so it avoids the
/// byte-at-a-time growth of the generic decoder.
pub(crate) fn url_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let Some(first) = memchr::memchr(b'%', b) else {
        return Some(s.to_owned());
    };
    let hex = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..first]);
    let mut i = first;
    while i < b.len() {
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        // Up to the next `%` (this byte included: a `%` that did not decode stays).
        let next = memchr::memchr(b'%', &b[i + 1..]).map_or(b.len(), |n| i + 1 + n);
        out.extend_from_slice(&b[i..next]);
        i = next;
    }
    String::from_utf8(out).ok()
}

// ---- errors ----

/// Reads an `<Error>` document into its child elements, in order. `None` if it is not one.
pub(crate) fn parse_error_doc(xml: &[u8]) -> Option<Vec<(String, String)>> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut depth = 0usize;
    let mut saw_root = false;
    let mut current: Option<String> = None;
    let mut text = String::new();
    let mut out = Vec::new();
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                depth += 1;
                if depth == 1 {
                    if e.name().as_ref() != b"Error" {
                        return None;
                    }
                    saw_root = true;
                } else if depth == 2 {
                    current = Some(String::from_utf8_lossy(e.name().as_ref()).into_owned());
                    text.clear();
                }
            }
            Ok(Event::Empty(e)) => {
                if depth == 0 {
                    return (e.name().as_ref() == b"Error").then(Vec::new);
                }
                if depth == 1 {
                    out.push((
                        String::from_utf8_lossy(e.name().as_ref()).into_owned(),
                        String::new(),
                    ));
                }
            }
            Ok(Event::Text(t)) if depth == 2 => {
                text.push_str(&t.decode().ok()?);
            }
            Ok(Event::GeneralRef(r)) if depth == 2 => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    text.push(c);
                } else {
                    let name = r.decode().ok()?;
                    let resolved = quick_xml::escape::resolve_predefined_entity(&name)?;
                    text.push_str(resolved);
                }
            }
            Ok(Event::CData(t)) if depth == 2 => {
                text.push_str(&String::from_utf8_lossy(&t));
            }
            Ok(Event::End(_)) => {
                if depth == 2
                    && let Some(name) = current.take()
                {
                    out.push((name, text.trim().to_owned()));
                }
                depth = depth.checked_sub(1)?;
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(_) => return None,
        }
        buf.clear();
    }
    (saw_root && depth == 0).then_some(out)
}

/// Writes an `<Error>` document (the server side): fields in the given order.
pub fn error_document(fields: &[(&str, &str)]) -> String {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n");
    for (k, v) in fields {
        let _ = writeln!(s, "  <{k}>{}</{k}>", escape(v));
    }
    s.push_str("</Error>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The listing's decoder agrees with `percent_encoding` on any input, including
        /// stray and truncated `%`s, mixed-case hex and bytes that are not UTF-8.
        #[test]
        fn url_decode_matches_percent_encoding(s in "([a-zA-Z0-9/ +._-]|%[0-9a-fA-FgG]{0,2}|中|%E4%B8|%FF)*") {
            let reference = percent_encoding::percent_decode_str(&s)
                .decode_utf8()
                .ok()
                .map(|c| c.into_owned());
            prop_assert_eq!(url_decode(&s), reference);
        }
    }

    #[test]
    fn url_decode_edges() {
        assert_eq!(url_decode("a%2Fb%2fc").as_deref(), Some("a/b/c"));
        assert_eq!(url_decode("100%").as_deref(), Some("100%"));
        assert_eq!(url_decode("%%41%4").as_deref(), Some("%A%4"));
        assert_eq!(url_decode("a+b%20c").as_deref(), Some("a+b c"));
        assert_eq!(url_decode("%E4%B8%AD").as_deref(), Some("中"));
        assert_eq!(url_decode("%FF"), None);
    }

    #[test]
    fn rule_tolerates_order_and_empty_elements() {
        let r = parse_rule_request(b"<ServerSideEncryptionRule><ApplyServerSideEncryptionByDefault><KMSMasterKeyID></KMSMasterKeyID><KMSDataEncryption>SM4</KMSDataEncryption><SSEAlgorithm>KMS</SSEAlgorithm></ApplyServerSideEncryptionByDefault></ServerSideEncryptionRule>").unwrap().unwrap();
        assert_eq!(r.sse_algorithm(), &SseAlgorithm::Kms);
        assert_eq!(r.kms_master_key_id(), None);
        assert_eq!(r.kms_data_encryption(), Some(&DataEncryption::Sm4));
        let r = parse_rule_request(b"<ServerSideEncryptionRule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm><KMSMasterKeyID/></ApplyServerSideEncryptionByDefault></ServerSideEncryptionRule>").unwrap().unwrap();
        assert_eq!(r.sse_algorithm(), &SseAlgorithm::Aes256);
        assert!(parse_rule_request(b"<ServerSideEncryptionRule><Apply").is_err());
    }

    #[test]
    fn error_doc() {
        let f = parse_error_doc(b"<?xml version=\"1.0\"?><Error><Code>A&amp;B</Code><Empty/><Message> m </Message></Error>").unwrap();
        assert_eq!(
            f,
            vec![
                ("Code".into(), "A&B".into()),
                ("Empty".into(), String::new()),
                ("Message".into(), "m".into())
            ]
        );
        assert!(parse_error_doc(b"<NotError/>").is_none());
        assert!(parse_error_doc(b"not xml at all").is_none());
        assert!(parse_error_doc(b"<Error><Code>x</Code>").is_none());
    }
}
