//! Input validation (oss-wire §7): bucket names, object keys, header values.

use crate::error::BuildError;

/// Bucket names: 3–63 characters of `a-z 0-9 -`, not starting or ending with `-`.
pub fn bucket_name(name: &str) -> Result<(), BuildError> {
    let fail = |why: &str| Err(BuildError::new("bucket", format!("{name:?} {why}")));
    if !(3..=63).contains(&name.len()) {
        return fail("must be 3 to 63 characters long");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return fail("may contain only lowercase letters, digits and '-'");
    }
    if name.starts_with('-') || name.ends_with('-') {
        return fail("must not start or end with '-'");
    }
    Ok(())
}

/// Maximum object key length in bytes of UTF-8.
pub const MAX_KEY_BYTES: usize = 1023;

/// Object keys: non-empty UTF-8, at most 1023 bytes, no NUL, CR or LF.
pub fn object_key(key: &str) -> Result<(), BuildError> {
    if key.is_empty() {
        return Err(BuildError::new("key", "must not be empty"));
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(BuildError::new(
            "key",
            format!(
                "is {} bytes long; the limit is {MAX_KEY_BYTES} bytes of UTF-8",
                key.len()
            ),
        ));
    }
    if key.bytes().any(|b| b == 0 || b == b'\r' || b == b'\n') {
        return Err(BuildError::new(
            "key",
            "must not contain NUL, CR or LF characters",
        ));
    }
    Ok(())
}

/// Header values: printable ASCII, space and tab only (no CR/LF, no other controls, no non-ASCII).
pub fn header_value(field: &'static str, value: &str) -> Result<(), BuildError> {
    if let Some(c) = value
        .chars()
        .find(|&c| !(c == '\t' || (' '..='~').contains(&c)))
    {
        let what = match c {
            '\r' | '\n' => "CR/LF".to_string(),
            c if c.is_ascii_control() => format!("control character {:?}", c),
            c => format!("non-ASCII character {:?}", c),
        };
        return Err(BuildError::new(
            field,
            format!("contains {what}; header values must be printable ASCII"),
        ));
    }
    Ok(())
}

/// Longest KMS key id accepted (UUIDs are 36 bytes, ARNs and aliases well under 256).
pub const MAX_KMS_KEY_ID_BYTES: usize = 256;

/// KMS key ids (`KMSMasterKeyID`, `x-oss-server-side-encryption-key-id`): 1 to 256
/// printable ASCII characters, no spaces. Anything else OSS could not hold, and it would
/// come back in XML and headers.
pub fn kms_key_id(field: &'static str, id: &str) -> Result<(), BuildError> {
    if id.is_empty() || id.len() > MAX_KMS_KEY_ID_BYTES {
        return Err(BuildError::new(
            field,
            format!(
                "is {} bytes long; a KMS key id is 1 to {MAX_KMS_KEY_ID_BYTES} bytes",
                id.len()
            ),
        ));
    }
    if let Some(c) = id.chars().find(|c| !('!'..='~').contains(c)) {
        return Err(BuildError::new(
            field,
            format!("contains {c:?}; a KMS key id is printable ASCII without spaces"),
        ));
    }
    Ok(())
}

/// User metadata names (the part after `x-oss-meta-`): an HTTP token.
pub fn metadata_name(name: &str) -> Result<(), BuildError> {
    if name.is_empty() {
        return Err(BuildError::new(
            "metadata",
            "a metadata name must not be empty",
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)))
    {
        return Err(BuildError::new(
            "metadata",
            format!(
                "name {name:?} contains {c:?}; names must be HTTP tokens (ASCII letters, digits, - _ .)"
            ),
        ));
    }
    Ok(())
}

/// Most tags an object may have.
pub const MAX_TAGS: usize = 10;

/// Object tags (OSS limits): at most 10, keys of 1 to 128 characters, values of at most 256,
/// keys unique. Characters are free (they are URL-encoded on the wire) except controls.
pub fn tags(tags: &[(String, String)]) -> Result<(), BuildError> {
    if tags.len() > MAX_TAGS {
        return Err(BuildError::new(
            "tags",
            format!("{} tags; an object may have at most {MAX_TAGS}", tags.len()),
        ));
    }
    for (i, (k, v)) in tags.iter().enumerate() {
        if k.is_empty() || k.chars().count() > 128 {
            return Err(BuildError::new(
                "tags",
                format!("tag key {k:?} must be 1 to 128 characters"),
            ));
        }
        if v.chars().count() > 256 {
            return Err(BuildError::new(
                "tags",
                format!("the value of tag {k:?} is longer than 256 characters"),
            ));
        }
        if k.chars().chain(v.chars()).any(char::is_control) {
            return Err(BuildError::new(
                "tags",
                format!("tag {k:?} contains a control character"),
            ));
        }
        if tags[..i].iter().any(|(other, _)| other == k) {
            return Err(BuildError::new(
                "tags",
                format!("tag key {k:?} is repeated"),
            ));
        }
    }
    Ok(())
}

/// The `x-oss-tagging` header value of `tags`: `k1=v1&k2=v2`, each part URL-encoded.
pub fn tagging_header(tags: &[(String, String)]) -> Result<String, BuildError> {
    self::tags(tags)?;
    Ok(tags
        .iter()
        .map(|(k, v)| format!("{}={}", crate::encode::query(k), crate::encode::query(v)))
        .collect::<Vec<_>>()
        .join("&"))
}

/// Reads an `x-oss-tagging` header (the server side), checking the same limits.
pub fn parse_tagging_header(v: &str) -> Result<Vec<(String, String)>, BuildError> {
    let mut out = Vec::new();
    for pair in v.split('&').filter(|p| !p.is_empty()) {
        let (k, val) = pair.split_once('=').unwrap_or((pair, ""));
        let dec = |s: &str| {
            percent_encoding::percent_decode_str(&s.replace('+', " "))
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| BuildError::new("tags", "a tag is not UTF-8 once decoded"))
        };
        out.push((dec(k)?, dec(val)?));
    }
    tags(&out)?;
    Ok(out)
}

/// Region ids: non-empty `[a-z0-9-]`.
pub fn region(region: &str) -> Result<(), BuildError> {
    if region.is_empty()
        || !region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(BuildError::new(
            "region",
            format!(
                "{region:?} is not a region id such as \"cn-hangzhou\" (lowercase letters, digits, '-')"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets() {
        assert!(bucket_name("examplebucket").is_ok());
        assert!(bucket_name("a-1").is_ok());
        for bad in ["ab", "-abc", "abc-", "ABC", "a_b", "a.b", &"a".repeat(64)] {
            let e = bucket_name(bad).unwrap_err();
            assert_eq!(e.field(), "bucket", "{bad}");
        }
    }

    #[test]
    fn keys() {
        assert!(object_key("a/b/中文 ?&=%+").is_ok());
        assert!(object_key(&"k".repeat(1023)).is_ok());
        assert_eq!(object_key("").unwrap_err().field(), "key");
        assert_eq!(object_key(&"k".repeat(1024)).unwrap_err().field(), "key");
        assert!(object_key(&"é".repeat(512)).is_err()); // 1024 bytes
        assert!(object_key("a\nb").is_err());
    }

    #[test]
    fn header_values() {
        assert!(header_value("content_type", "text/plain; charset=utf-8").is_ok());
        assert!(
            header_value("content_type", "a\r\nb")
                .unwrap_err()
                .reason()
                .contains("CR/LF")
        );
        assert!(
            header_value("metadata", "é")
                .unwrap_err()
                .reason()
                .contains("non-ASCII")
        );
    }
}
