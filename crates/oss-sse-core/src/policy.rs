//! What encryption a bucket's objects must have, and whether one has it: a pure decision,
//! shared by the Rust audit, the Python binding and the CLI.
//!
//! ```
//! use oss_sse_core::policy::{EncryptionPolicy, Verdict};
//! use oss_sse_core::ServerSideEncryption;
//!
//! let policy: EncryptionPolicy = "KMS:cmk-1".parse()?;
//! assert_eq!(policy.assess(Some(&ServerSideEncryption::kms().with_key_id("cmk-1"))), Verdict::Compliant);
//! assert_eq!(policy.assess(None), Verdict::Unencrypted);
//! assert_eq!(policy.target(), Some(ServerSideEncryption::kms().with_key_id("cmk-1")));
//! # Ok::<(), oss_sse_core::BuildError>(())
//! ```

use std::fmt;
use std::str::FromStr;

use crate::error::BuildError;
use crate::sse::{DataEncryption, ServerSideEncryption, ServerSideEncryptionRule, SseAlgorithm};

/// The encryption every object must have.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EncryptionPolicy {
    /// Any server-side encryption at all.
    Any,
    /// SSE-OSS with AES-256.
    Aes256,
    /// SSE-OSS with SM4.
    Sm4,
    /// SSE-KMS: with this CMK (any CMK when `None`), and with SM4 data encryption or not.
    Kms {
        /// The CMK id objects must name; `None` accepts any.
        key_id: Option<String>,
        /// Whether the data must be encrypted with SM4 (`KMS+SM4`) or must not be.
        sm4: bool,
    },
}

impl EncryptionPolicy {
    /// The policy a bucket's default rule states: what the bucket gives an object uploaded
    /// without SSE headers. A KMS rule without a CMK id accepts any CMK (OSS then uses a
    /// default one of its choosing).
    pub fn from_rule(rule: &ServerSideEncryptionRule) -> Result<Self, BuildError> {
        Ok(match rule.sse_algorithm() {
            SseAlgorithm::Aes256 => Self::Aes256,
            SseAlgorithm::Sm4 => Self::Sm4,
            SseAlgorithm::Kms => Self::Kms {
                key_id: rule.kms_master_key_id().map(str::to_owned),
                sm4: rule.kms_data_encryption() == Some(&DataEncryption::Sm4),
            },
            SseAlgorithm::Unknown(a) => {
                return Err(BuildError::new(
                    "policy",
                    format!("the bucket's rule names the unknown algorithm {a:?}"),
                ));
            }
        })
    }

    /// The encryption a re-encryption applies to reach this policy; `None` for
    /// [`EncryptionPolicy::Any`], which names no algorithm to apply.
    pub fn target(&self) -> Option<ServerSideEncryption> {
        Some(match self {
            Self::Any => return None,
            Self::Aes256 => ServerSideEncryption::aes256(),
            Self::Sm4 => ServerSideEncryption::sm4(),
            Self::Kms { key_id, sm4 } => {
                let mut s = ServerSideEncryption::kms();
                if let Some(k) = key_id {
                    s = s.with_key_id(k.clone());
                }
                if *sm4 {
                    s = s.with_data_encryption(DataEncryption::Sm4);
                }
                s
            }
        })
    }

    /// Whether an object that declares `sse` (`None`: no encryption) meets the policy.
    pub fn assess(&self, sse: Option<&ServerSideEncryption>) -> Verdict {
        let Some(sse) = sse else {
            return Verdict::Unencrypted;
        };
        let found = sse.algorithm();
        if let SseAlgorithm::Unknown(a) = found {
            return Verdict::Unknown { value: a.clone() };
        }
        if let Some(DataEncryption::Unknown(d)) = sse.data_encryption() {
            return Verdict::Unknown { value: d.clone() };
        }
        let want = match self {
            Self::Any => return Verdict::Compliant,
            Self::Aes256 => SseAlgorithm::Aes256,
            Self::Sm4 => SseAlgorithm::Sm4,
            Self::Kms { .. } => SseAlgorithm::Kms,
        };
        if *found != want {
            return Verdict::WrongAlgorithm {
                found: found.clone(),
            };
        }
        if let Self::Kms { key_id, sm4 } = self {
            if let Some(want) = key_id
                && sse.key_id() != Some(want.as_str())
            {
                return Verdict::WrongKey {
                    found: sse.key_id().map(str::to_owned),
                };
            }
            let has_sm4 = sse.data_encryption() == Some(&DataEncryption::Sm4);
            if has_sm4 != *sm4 {
                return Verdict::WrongDataEncryption {
                    found: sse.data_encryption().cloned(),
                };
            }
        }
        Verdict::Compliant
    }
}

/// `any`, `AES256`, `SM4`, `KMS`, `KMS:<key id>`, `KMS+SM4`, `KMS+SM4:<key id>`
/// (case-insensitive names). `bucket` is not a policy by itself: read the bucket's rule and
/// use [`EncryptionPolicy::from_rule`].
impl FromStr for EncryptionPolicy {
    type Err = BuildError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, key) = match s.split_once(':') {
            Some((n, k)) => (n.trim(), Some(k.trim())),
            None => (s.trim(), None),
        };
        let bad = |why: &str| BuildError::new("policy", format!("{s:?}: {why}"));
        let key_id = match key {
            Some("") => return Err(bad("the key id after ':' is empty")),
            Some(k) => {
                crate::validate::kms_key_id("policy", k).map_err(|e| bad(e.reason()))?;
                Some(k.to_owned())
            }
            None => None,
        };
        let upper = name.to_ascii_uppercase();
        let policy = match upper.as_str() {
            "ANY" => Self::Any,
            "AES256" => Self::Aes256,
            "SM4" => Self::Sm4,
            "KMS" => Self::Kms {
                key_id: None,
                sm4: false,
            },
            "KMS+SM4" => Self::Kms {
                key_id: None,
                sm4: true,
            },
            _ => {
                return Err(bad(
                    "expected any, AES256, SM4, KMS[:KEYID] or KMS+SM4[:KEYID]",
                ));
            }
        };
        match (policy, key_id) {
            (Self::Kms { sm4, .. }, key_id) => Ok(Self::Kms { key_id, sm4 }),
            (p, None) => Ok(p),
            (_, Some(_)) => Err(bad("only KMS policies name a key id")),
        }
    }
}

impl fmt::Display for EncryptionPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Any => f.write_str("any"),
            Self::Aes256 => f.write_str("AES256"),
            Self::Sm4 => f.write_str("SM4"),
            Self::Kms { key_id, sm4 } => {
                f.write_str(if *sm4 { "KMS+SM4" } else { "KMS" })?;
                match key_id {
                    Some(k) => write!(f, ":{k}"),
                    None => Ok(()),
                }
            }
        }
    }
}

/// Whether one object meets a policy, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Verdict {
    /// It does.
    Compliant,
    /// The object declares no encryption.
    Unencrypted,
    /// Encrypted, with another algorithm.
    WrongAlgorithm {
        /// What it has.
        found: SseAlgorithm,
    },
    /// KMS, with another CMK (or none declared).
    WrongKey {
        /// The CMK id it names.
        found: Option<String>,
    },
    /// KMS, with SM4 data encryption where the policy has none, or the other way round.
    WrongDataEncryption {
        /// Its data encryption.
        found: Option<DataEncryption>,
    },
    /// It declares an algorithm or data encryption this version does not know.
    Unknown {
        /// The value.
        value: String,
    },
}

impl Verdict {
    /// Whether the object meets the policy.
    pub fn is_compliant(&self) -> bool {
        matches!(self, Self::Compliant)
    }

    /// A short stable name: `compliant`, `unencrypted`, `wrong_algorithm`, `wrong_key`,
    /// `wrong_data_encryption`, `unknown` (for reports, CSV and totals).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Compliant => "compliant",
            Self::Unencrypted => "unencrypted",
            Self::WrongAlgorithm { .. } => "wrong_algorithm",
            Self::WrongKey { .. } => "wrong_key",
            Self::WrongDataEncryption { .. } => "wrong_data_encryption",
            Self::Unknown { .. } => "unknown",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Compliant => f.write_str("compliant"),
            Self::Unencrypted => f.write_str("not encrypted"),
            Self::WrongAlgorithm { found } => write!(f, "encrypted with {}", found.as_str()),
            Self::WrongKey { found: Some(k) } => write!(f, "encrypted with KMS key {k}"),
            Self::WrongKey { found: None } => f.write_str("encrypted with KMS, key not declared"),
            Self::WrongDataEncryption { found: Some(d) } => {
                write!(f, "KMS with {} data encryption", d.as_str())
            }
            Self::WrongDataEncryption { found: None } => {
                f.write_str("KMS without SM4 data encryption")
            }
            Self::Unknown { value } => write!(f, "declares the unknown value {value:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kms(key: Option<&str>, sm4: bool) -> ServerSideEncryption {
        let mut s = ServerSideEncryption::kms();
        if let Some(k) = key {
            s = s.with_key_id(k);
        }
        if sm4 {
            s = s.with_data_encryption(DataEncryption::Sm4);
        }
        s
    }

    /// Every policy against every kind of object the audit meets.
    #[test]
    fn assess_table() {
        use Verdict::*;
        let none: Option<ServerSideEncryption> = None;
        let aes = Some(ServerSideEncryption::aes256());
        let sm4 = Some(ServerSideEncryption::sm4());
        let kms_a = Some(kms(Some("a"), false));
        let kms_b = Some(kms(Some("b"), false));
        let kms_a_sm4 = Some(kms(Some("a"), true));
        let kms_nokey = Some(kms(None, false));
        let odd = Some(ServerSideEncryption::new(SseAlgorithm::Unknown(
            "AES512".into(),
        )));
        let odd_data =
            Some(kms(Some("a"), false).with_data_encryption(DataEncryption::Unknown("ZUC".into())));
        let wrong = |a: SseAlgorithm| WrongAlgorithm { found: a };
        let objects = [
            &none, &aes, &sm4, &kms_a, &kms_b, &kms_a_sm4, &kms_nokey, &odd, &odd_data,
        ];
        let unknown = |v: &str| Unknown { value: v.into() };
        #[rustfmt::skip]
        let table: Vec<(&str, [Verdict; 9])> = vec![
            ("any", [Unencrypted, Compliant, Compliant, Compliant, Compliant, Compliant, Compliant, unknown("AES512"), unknown("ZUC")]),
            ("AES256", [Unencrypted, Compliant, wrong(SseAlgorithm::Sm4), wrong(SseAlgorithm::Kms), wrong(SseAlgorithm::Kms), wrong(SseAlgorithm::Kms), wrong(SseAlgorithm::Kms), unknown("AES512"), unknown("ZUC")]),
            ("SM4", [Unencrypted, wrong(SseAlgorithm::Aes256), Compliant, wrong(SseAlgorithm::Kms), wrong(SseAlgorithm::Kms), wrong(SseAlgorithm::Kms), wrong(SseAlgorithm::Kms), unknown("AES512"), unknown("ZUC")]),
            ("KMS", [Unencrypted, wrong(SseAlgorithm::Aes256), wrong(SseAlgorithm::Sm4), Compliant, Compliant, WrongDataEncryption { found: Some(DataEncryption::Sm4) }, Compliant, unknown("AES512"), unknown("ZUC")]),
            ("KMS:a", [Unencrypted, wrong(SseAlgorithm::Aes256), wrong(SseAlgorithm::Sm4), Compliant, WrongKey { found: Some("b".into()) }, WrongDataEncryption { found: Some(DataEncryption::Sm4) }, WrongKey { found: None }, unknown("AES512"), unknown("ZUC")]),
            ("KMS+SM4", [Unencrypted, wrong(SseAlgorithm::Aes256), wrong(SseAlgorithm::Sm4), WrongDataEncryption { found: None }, WrongDataEncryption { found: None }, Compliant, WrongDataEncryption { found: None }, unknown("AES512"), unknown("ZUC")]),
            ("kms+sm4:a", [Unencrypted, wrong(SseAlgorithm::Aes256), wrong(SseAlgorithm::Sm4), WrongDataEncryption { found: None }, WrongKey { found: Some("b".into()) }, Compliant, WrongKey { found: None }, unknown("AES512"), unknown("ZUC")]),
        ];
        for (policy, want) in table {
            let p: EncryptionPolicy = policy.parse().unwrap();
            for (o, w) in objects.iter().zip(want) {
                assert_eq!(p.assess(o.as_ref()), w, "{policy} on {o:?}");
            }
            // What a re-encryption applies always meets the policy.
            if let Some(t) = p.target() {
                assert_eq!(p.assess(Some(&t)), Compliant, "{policy}: target {t:?}");
            }
        }
    }

    #[test]
    fn parse_display_and_rules() {
        for s in [
            "any",
            "AES256",
            "SM4",
            "KMS",
            "KMS:cmk-1",
            "KMS+SM4",
            "KMS+SM4:cmk-1",
        ] {
            let p: EncryptionPolicy = s.parse().unwrap();
            assert_eq!(p.to_string(), s);
        }
        for bad in ["", "DES", "AES256:k", "KMS:", "KMS:a b", "bucket"] {
            let e = bad.parse::<EncryptionPolicy>().unwrap_err();
            assert_eq!(e.field(), "policy", "{bad}");
        }
        let rule = ServerSideEncryptionRule::kms()
            .with_kms_master_key_id("k")
            .with_kms_data_encryption(DataEncryption::Sm4);
        assert_eq!(
            EncryptionPolicy::from_rule(&rule).unwrap(),
            EncryptionPolicy::Kms {
                key_id: Some("k".into()),
                sm4: true
            }
        );
        assert_eq!(
            EncryptionPolicy::from_rule(&ServerSideEncryptionRule::sm4()).unwrap(),
            EncryptionPolicy::Sm4
        );
        assert!(EncryptionPolicy::Any.target().is_none());
        assert_eq!(Verdict::WrongKey { found: None }.name(), "wrong_key");
        assert_eq!(Verdict::Unencrypted.to_string(), "not encrypted");
    }
}
