//! Pieces shared by V1 and V4: decoded query pairs, header selection, URL rebuilding.

use std::fmt::Write as _;

use http::HeaderMap;

use crate::encode;

/// Query parameters that V1 signs as sub-resources: the union of the official SDKs' lists
/// (go-v2, py-v2, oss2, Java). Any parameter starting with `x-oss-` is signed as well.
/// Sorted, for binary search.
pub static SUBRESOURCES: &[&str] = &[
    "accessPoint",
    "accessPointPolicy",
    "acl",
    "append",
    "asyncFetch",
    "bucketArchiveDirectRead",
    "bucketInfo",
    "callback",
    "callback-var",
    "cloudboxes",
    "cname",
    "comp",
    "continuation-token",
    "cors",
    "delete",
    "encryption",
    "endTime",
    "group",
    "httpsConfig",
    "img",
    "inventory",
    "inventoryId",
    "lifecycle",
    "link",
    "live",
    "location",
    "logging",
    "metaQuery",
    "objectInfo",
    "objectMeta",
    "partNumber",
    "policy",
    "policyStatus",
    "position",
    "processConfiguration",
    "publicAccessBlock",
    "qos",
    "qosInfo",
    "qosRequester",
    "redundancyTransition",
    "referer",
    "regionList",
    "replication",
    "replicationLocation",
    "replicationProgress",
    "requestPayment",
    "requesterQosInfo",
    "resourceGroup",
    "resourcePool",
    "resourcePoolBuckets",
    "resourcePoolInfo",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "rtc",
    "seal",
    "security-token",
    "sequential",
    "startTime",
    "stat",
    "status",
    "style",
    "styleName",
    "symlink",
    "tagging",
    "transferAcceleration",
    "udf",
    "udfApplication",
    "udfApplicationLog",
    "udfId",
    "udfImage",
    "udfImageDesc",
    "udfName",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "vip",
    "vod",
    "vpcip",
    "website",
    "withHashContext",
    "worm",
    "wormExtend",
    "wormId",
];

pub(crate) fn is_subresource(name: &str, extra: &[&str]) -> bool {
    name.starts_with("x-oss-") || SUBRESOURCES.binary_search(&name).is_ok() || extra.contains(&name)
}

/// The request as the signer sees it.
pub(crate) struct Input<'a> {
    pub(crate) method: &'a str,
    pub(crate) bucket: Option<&'a str>,
    pub(crate) key: Option<&'a str>,
    /// Decoded query pairs; an empty value means a bare key.
    pub(crate) query: &'a [(String, String)],
    pub(crate) headers: &'a HeaderMap,
}

pub(crate) fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.map(encode::parse_query).unwrap_or_default()
}

/// V4 default-signed headers, plus any additional names.
#[inline]
pub(crate) fn is_signed_header(name: &str, additional: &[&str]) -> bool {
    name.starts_with("x-oss-")
        || name == "content-type"
        || name == "content-md5"
        || additional.iter().any(|a| a.eq_ignore_ascii_case(name))
}

/// A header's value as signed: values trimmed, repeated headers joined with `,`.
pub(crate) fn header_value(headers: &HeaderMap, name: &str) -> Option<String> {
    let mut it = headers.get_all(name).iter();
    let first = it.next()?;
    let mut out = String::from_utf8_lossy(first.as_bytes()).trim().to_owned();
    for v in it {
        out.push(',');
        out.push_str(String::from_utf8_lossy(v.as_bytes()).trim());
    }
    Some(out)
}

/// Appends a header value, trimmed, to a canonical string (bytes that are not UTF-8 are
/// replaced by U+FFFD, as V1's string to sign does).
#[inline]
pub(crate) fn push_trimmed(out: &mut Vec<u8>, v: &[u8]) {
    let v = v.trim_ascii();
    if v.is_ascii() || std::str::from_utf8(v).is_ok() {
        out.extend_from_slice(v);
    } else {
        out.extend_from_slice(String::from_utf8_lossy(v).as_bytes());
    }
}

/// Rebuilds the URL with the given decoded query, encoded canonically (bare key when empty).
pub(crate) fn rebuild_url(uri: &http::Uri, query: &[(String, String)]) -> String {
    let mut url = String::with_capacity(128);
    if let Some(s) = uri.scheme_str() {
        url.push_str(s);
        url.push_str("://");
    }
    if let Some(a) = uri.authority() {
        url.push_str(a.as_str());
    }
    url.push_str(uri.path());
    for (i, (k, v)) in query.iter().enumerate() {
        url.push(if i == 0 { '?' } else { '&' });
        let _ = write!(url, "{}", encode::query(k));
        if !v.is_empty() {
            let _ = write!(url, "={}", encode::query(v));
        }
    }
    url
}
