//! Server-side encryption: bucket rules and per-object settings.
//!
//! The enums are open: a value OSS returns that this version does not know is kept in
//! `Unknown` rather than failing the parse. Requests only ever carry known values.

use std::fmt;

use http::HeaderMap;

use crate::error::BuildError;
use crate::headers::{
    X_OSS_SERVER_SIDE_DATA_ENCRYPTION, X_OSS_SERVER_SIDE_ENCRYPTION,
    X_OSS_SERVER_SIDE_ENCRYPTION_KEY_ID,
};
use crate::validate;

/// The encryption method (`SSEAlgorithm`, `x-oss-server-side-encryption`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SseAlgorithm {
    /// SSE-OSS with AES-256 (`AES256`).
    Aes256,
    /// SSE-KMS (`KMS`), optionally with a CMK id and SM4 data encryption.
    Kms,
    /// SSE-OSS with SM4 (`SM4`).
    Sm4,
    /// A value this version does not know, kept verbatim.
    Unknown(String),
}

impl SseAlgorithm {
    /// The wire string.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Aes256 => "AES256",
            Self::Kms => "KMS",
            Self::Sm4 => "SM4",
            Self::Unknown(s) => s,
        }
    }

    /// Maps a wire string; unknown values become [`SseAlgorithm::Unknown`].
    pub fn from_wire(s: &str) -> Self {
        match s {
            "AES256" => Self::Aes256,
            "KMS" => Self::Kms,
            "SM4" => Self::Sm4,
            other => Self::Unknown(other.to_owned()),
        }
    }

    /// Parses user input strictly (case-insensitive): `AES256`, `KMS` or `SM4`.
    pub fn parse(s: &str) -> Result<Self, BuildError> {
        match s.trim().to_ascii_uppercase().as_str() {
            "AES256" => Ok(Self::Aes256),
            "KMS" => Ok(Self::Kms),
            "SM4" => Ok(Self::Sm4),
            _ => Err(BuildError::new(
                "sse_algorithm",
                format!("{s:?} is not one of AES256, KMS, SM4"),
            )),
        }
    }

    fn check_known(&self, field: &'static str) -> Result<(), BuildError> {
        match self {
            Self::Unknown(s) => Err(BuildError::new(
                field,
                format!("{s:?} is not one of AES256, KMS, SM4"),
            )),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for SseAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The data encryption algorithm used under KMS (`KMSDataEncryption`,
/// `x-oss-server-side-data-encryption`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DataEncryption {
    /// `SM4`.
    Sm4,
    /// A value this version does not know, kept verbatim.
    Unknown(String),
}

impl DataEncryption {
    /// The wire string.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Sm4 => "SM4",
            Self::Unknown(s) => s,
        }
    }

    /// Maps a wire string; unknown values become [`DataEncryption::Unknown`].
    pub fn from_wire(s: &str) -> Self {
        match s {
            "SM4" => Self::Sm4,
            other => Self::Unknown(other.to_owned()),
        }
    }

    /// Parses user input strictly (case-insensitive): only `SM4`.
    pub fn parse(s: &str) -> Result<Self, BuildError> {
        if s.trim().eq_ignore_ascii_case("SM4") {
            Ok(Self::Sm4)
        } else {
            Err(BuildError::new(
                "kms_data_encryption",
                format!("{s:?} is not a data encryption algorithm; only SM4 is supported"),
            ))
        }
    }
}

impl fmt::Display for DataEncryption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A bucket's default encryption (`<ServerSideEncryptionRule>`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerSideEncryptionRule {
    sse_algorithm: SseAlgorithm,
    kms_master_key_id: Option<String>,
    kms_data_encryption: Option<DataEncryption>,
}

impl ServerSideEncryptionRule {
    /// A rule with the given algorithm and nothing else.
    pub fn new(sse_algorithm: SseAlgorithm) -> Self {
        Self {
            sse_algorithm,
            kms_master_key_id: None,
            kms_data_encryption: None,
        }
    }
    /// SSE-OSS AES-256.
    pub fn aes256() -> Self {
        Self::new(SseAlgorithm::Aes256)
    }
    /// SSE-OSS SM4.
    pub fn sm4() -> Self {
        Self::new(SseAlgorithm::Sm4)
    }
    /// SSE-KMS with the default CMK.
    pub fn kms() -> Self {
        Self::new(SseAlgorithm::Kms)
    }
    /// Sets the CMK id (valid with KMS only; checked by [`Self::validate`]).
    #[must_use]
    pub fn with_kms_master_key_id(mut self, id: impl Into<String>) -> Self {
        let id = id.into();
        self.kms_master_key_id = (!id.is_empty()).then_some(id);
        self
    }
    /// Sets the data encryption (valid with KMS only; checked by [`Self::validate`]).
    #[must_use]
    pub fn with_kms_data_encryption(mut self, d: DataEncryption) -> Self {
        self.kms_data_encryption = Some(d);
        self
    }

    /// Builds a rule from loose strings (CLI flags, Python arguments), validating it.
    pub fn parse(
        sse_algorithm: &str,
        kms_master_key_id: Option<&str>,
        kms_data_encryption: Option<&str>,
    ) -> Result<Self, BuildError> {
        let mut rule = Self::new(SseAlgorithm::parse(sse_algorithm)?);
        if let Some(id) = kms_master_key_id {
            rule = rule.with_kms_master_key_id(id);
        }
        if let Some(d) = kms_data_encryption.filter(|d| !d.is_empty()) {
            rule = rule.with_kms_data_encryption(DataEncryption::parse(d)?);
        }
        rule.validate()?;
        Ok(rule)
    }

    /// `SSEAlgorithm`.
    pub fn sse_algorithm(&self) -> &SseAlgorithm {
        &self.sse_algorithm
    }
    /// `KMSMasterKeyID`.
    pub fn kms_master_key_id(&self) -> Option<&str> {
        self.kms_master_key_id.as_deref()
    }
    /// `KMSDataEncryption`.
    pub fn kms_data_encryption(&self) -> Option<&DataEncryption> {
        self.kms_data_encryption.as_ref()
    }

    /// Rejects combinations OSS does not accept or silently drops: a key id or data
    /// encryption without KMS, unknown values, and key ids that cannot be sent.
    pub fn validate(&self) -> Result<(), BuildError> {
        self.sse_algorithm.check_known("sse_algorithm")?;
        check_kms_extras(
            &self.sse_algorithm,
            self.kms_master_key_id.as_deref(),
            self.kms_data_encryption.as_ref(),
            ("kms_master_key_id", "kms_data_encryption"),
        )
    }
}

fn check_kms_extras(
    alg: &SseAlgorithm,
    key_id: Option<&str>,
    data: Option<&DataEncryption>,
    (key_field, data_field): (&'static str, &'static str),
) -> Result<(), BuildError> {
    if *alg != SseAlgorithm::Kms {
        if key_id.is_some() {
            return Err(BuildError::new(
                key_field,
                format!("a KMS key id is only valid with KMS, not {alg}"),
            ));
        }
        if data.is_some() {
            return Err(BuildError::new(
                data_field,
                format!("data encryption is only valid with KMS, not {alg}"),
            ));
        }
    }
    if let Some(DataEncryption::Unknown(s)) = data {
        return Err(BuildError::new(
            data_field,
            format!("{s:?} is not a data encryption algorithm; only SM4 is supported"),
        ));
    }
    if let Some(id) = key_id {
        validate::kms_key_id(key_field, id)?;
        if id.contains('<') || id.contains('&') {
            return Err(BuildError::new(key_field, "must not contain '<' or '&'"));
        }
    }
    Ok(())
}

/// Object-level encryption: what a request asks for, or what a response declares.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerSideEncryption {
    algorithm: SseAlgorithm,
    key_id: Option<String>,
    data_encryption: Option<DataEncryption>,
}

impl ServerSideEncryption {
    /// Encryption with `algorithm` and nothing else.
    pub fn new(algorithm: SseAlgorithm) -> Self {
        Self {
            algorithm,
            key_id: None,
            data_encryption: None,
        }
    }
    /// SSE-OSS AES-256.
    pub fn aes256() -> Self {
        Self::new(SseAlgorithm::Aes256)
    }
    /// SSE-OSS SM4.
    pub fn sm4() -> Self {
        Self::new(SseAlgorithm::Sm4)
    }
    /// SSE-KMS with the default CMK.
    pub fn kms() -> Self {
        Self::new(SseAlgorithm::Kms)
    }
    /// Sets the KMS CMK id (`x-oss-server-side-encryption-key-id`).
    #[must_use]
    pub fn with_key_id(mut self, id: impl Into<String>) -> Self {
        let id = id.into();
        self.key_id = (!id.is_empty()).then_some(id);
        self
    }
    /// Sets the KMS data encryption (`x-oss-server-side-data-encryption`).
    #[must_use]
    pub fn with_data_encryption(mut self, d: DataEncryption) -> Self {
        self.data_encryption = Some(d);
        self
    }

    /// Builds from loose strings (CLI flags, Python arguments), validating them.
    pub fn parse(
        algorithm: &str,
        key_id: Option<&str>,
        data_encryption: Option<&str>,
    ) -> Result<Self, BuildError> {
        let alg = SseAlgorithm::parse(algorithm)
            .map_err(|e| BuildError::new("server_side_encryption", e.reason().to_owned()))?;
        let mut sse = Self::new(alg);
        if let Some(id) = key_id {
            sse = sse.with_key_id(id);
        }
        if let Some(d) = data_encryption.filter(|d| !d.is_empty()) {
            let d = DataEncryption::parse(d).map_err(|e| {
                BuildError::new("server_side_data_encryption", e.reason().to_owned())
            })?;
            sse = sse.with_data_encryption(d);
        }
        sse.validate()?;
        Ok(sse)
    }

    /// `x-oss-server-side-encryption`.
    pub fn algorithm(&self) -> &SseAlgorithm {
        &self.algorithm
    }
    /// `x-oss-server-side-encryption-key-id`.
    pub fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }
    /// `x-oss-server-side-data-encryption`.
    pub fn data_encryption(&self) -> Option<&DataEncryption> {
        self.data_encryption.as_ref()
    }

    /// Rejects what OSS would reject or silently ignore: unknown algorithms, and a key id
    /// or data encryption without KMS.
    pub fn validate(&self) -> Result<(), BuildError> {
        self.algorithm.check_known("server_side_encryption")?;
        check_kms_extras(
            &self.algorithm,
            self.key_id.as_deref(),
            self.data_encryption.as_ref(),
            (
                "server_side_encryption_key_id",
                "server_side_data_encryption",
            ),
        )
    }

    /// Writes the request headers. Call [`Self::validate`] first.
    pub(crate) fn apply(&self, headers: &mut Vec<(&'static str, String)>) {
        headers.push((
            X_OSS_SERVER_SIDE_ENCRYPTION,
            self.algorithm.as_str().to_owned(),
        ));
        if let Some(id) = &self.key_id {
            headers.push((X_OSS_SERVER_SIDE_ENCRYPTION_KEY_ID, id.clone()));
        }
        if let Some(d) = &self.data_encryption {
            headers.push((X_OSS_SERVER_SIDE_DATA_ENCRYPTION, d.as_str().to_owned()));
        }
    }

    /// Reads what a response declares; `None` when it declares no encryption.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let get = |n: &str| {
            headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let alg = get(X_OSS_SERVER_SIDE_ENCRYPTION)?;
        Some(Self {
            algorithm: SseAlgorithm::from_wire(alg),
            key_id: get(X_OSS_SERVER_SIDE_ENCRYPTION_KEY_ID).map(str::to_owned),
            data_encryption: get(X_OSS_SERVER_SIDE_DATA_ENCRYPTION).map(DataEncryption::from_wire),
        })
    }
}

impl fmt::Display for ServerSideEncryption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.algorithm.as_str())?;
        if let Some(d) = &self.data_encryption {
            write!(f, "+{d}")?;
        }
        if let Some(k) = &self.key_id {
            write!(f, " (key {k})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_combinations_name_the_field() {
        let e = ServerSideEncryption::aes256()
            .with_key_id("k")
            .validate()
            .unwrap_err();
        assert_eq!(e.field(), "server_side_encryption_key_id");
        let e = ServerSideEncryption::sm4()
            .with_data_encryption(DataEncryption::Sm4)
            .validate()
            .unwrap_err();
        assert_eq!(e.field(), "server_side_data_encryption");
        let e = ServerSideEncryption::new(SseAlgorithm::Unknown("DES".into()))
            .validate()
            .unwrap_err();
        assert_eq!(e.field(), "server_side_encryption");
        assert!(
            ServerSideEncryption::kms()
                .with_key_id("cmk-1")
                .with_data_encryption(DataEncryption::Sm4)
                .validate()
                .is_ok()
        );
        let e = ServerSideEncryptionRule::parse("AES256", Some("k"), None).unwrap_err();
        assert_eq!(e.field(), "kms_master_key_id");
        let e = ServerSideEncryptionRule::parse("random", None, None).unwrap_err();
        assert_eq!(e.field(), "sse_algorithm");
        let e = ServerSideEncryption::parse("des", None, None).unwrap_err();
        assert_eq!(e.field(), "server_side_encryption");
        assert_eq!(
            ServerSideEncryptionRule::parse("kms", Some(""), Some("sm4"))
                .unwrap()
                .kms_data_encryption(),
            Some(&DataEncryption::Sm4)
        );
    }

    #[test]
    fn open_enums_keep_unknown_values() {
        let mut h = HeaderMap::new();
        h.insert(X_OSS_SERVER_SIDE_ENCRYPTION, "AES512".parse().unwrap());
        h.insert(X_OSS_SERVER_SIDE_DATA_ENCRYPTION, "ZUC".parse().unwrap());
        let sse = ServerSideEncryption::from_headers(&h).unwrap();
        assert_eq!(sse.algorithm(), &SseAlgorithm::Unknown("AES512".into()));
        assert_eq!(sse.algorithm().as_str(), "AES512");
        assert_eq!(sse.data_encryption().unwrap().as_str(), "ZUC");
        assert!(ServerSideEncryption::from_headers(&HeaderMap::new()).is_none());
    }
}
