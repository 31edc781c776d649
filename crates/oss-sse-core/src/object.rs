//! Typed values OSS reports about a bucket or an object: its storage class and its type.
//!
//! Both are closed lists in OSS's documentation, but a service can add a value before a
//! client knows it: an unknown value is kept as `Unknown`, never an error, and reads back
//! as the text OSS sent. A known value is recognised whatever its case (some of OSS's
//! samples write `STANDARD`) and reads back as OSS documents it (`Standard`).

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A bucket's or an object's storage class (`StorageClass`, `x-oss-storage-class`).
///
/// Converts from the wire text (`"IA".into()`), and back with [`StorageClass::as_str`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StorageClass {
    /// `Standard`.
    Standard,
    /// `IA`: Infrequent Access.
    InfrequentAccess,
    /// `Archive`.
    Archive,
    /// `ColdArchive`.
    ColdArchive,
    /// `DeepColdArchive`.
    DeepColdArchive,
    /// A class this version does not know, as OSS wrote it.
    Unknown(String),
}

impl StorageClass {
    /// The classes OSS documents, in the order of its documentation.
    pub const KNOWN: [Self; 5] = [
        Self::Standard,
        Self::InfrequentAccess,
        Self::Archive,
        Self::ColdArchive,
        Self::DeepColdArchive,
    ];

    /// The wire text: `Standard`, `IA`, `Archive`, `ColdArchive`, `DeepColdArchive`.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Standard => "Standard",
            Self::InfrequentAccess => "IA",
            Self::Archive => "Archive",
            Self::ColdArchive => "ColdArchive",
            Self::DeepColdArchive => "DeepColdArchive",
            Self::Unknown(s) => s,
        }
    }

    /// Whether an object of this class must be restored before it can be read or copied.
    pub fn needs_restore(&self) -> bool {
        matches!(
            self,
            Self::Archive | Self::ColdArchive | Self::DeepColdArchive
        )
    }

    fn known(s: &str) -> Option<Self> {
        Some(match s {
            "Standard" => Self::Standard,
            "IA" => Self::InfrequentAccess,
            "Archive" => Self::Archive,
            "ColdArchive" => Self::ColdArchive,
            "DeepColdArchive" => Self::DeepColdArchive,
            // Some of OSS's own samples write `STANDARD`.
            _ => {
                return Self::KNOWN
                    .into_iter()
                    .find(|c| c.as_str().eq_ignore_ascii_case(s));
            }
        })
    }
}

/// An object's type (`Type` in listings, `x-oss-object-type` on HEAD and GET).
///
/// Converts from the wire text (`"Appendable".into()`), and back with [`ObjectType::as_str`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ObjectType {
    /// `Normal`: written by PutObject or CopyObject.
    Normal,
    /// `Multipart`: written by CompleteMultipartUpload.
    Multipart,
    /// `Appendable`: written by AppendObject.
    Appendable,
    /// `Symlink`.
    Symlink,
    /// A type this version does not know, as OSS wrote it.
    Unknown(String),
}

impl ObjectType {
    /// The wire text: `Normal`, `Multipart`, `Appendable`, `Symlink`.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Normal => "Normal",
            Self::Multipart => "Multipart",
            Self::Appendable => "Appendable",
            Self::Symlink => "Symlink",
            Self::Unknown(s) => s,
        }
    }

    fn known(s: &str) -> Option<Self> {
        Some(match s {
            "Normal" => Self::Normal,
            "Multipart" => Self::Multipart,
            "Appendable" => Self::Appendable,
            "Symlink" => Self::Symlink,
            _ => {
                return [
                    Self::Normal,
                    Self::Multipart,
                    Self::Appendable,
                    Self::Symlink,
                ]
                .into_iter()
                .find(|t| t.as_str().eq_ignore_ascii_case(s));
            }
        })
    }
}

macro_rules! wire_text {
    ($ty:ident) => {
        impl $ty {
            /// From the wire: trimmed, a known value without allocating, `None` when empty.
            pub(crate) fn from_wire(v: Option<Cow<'_, str>>) -> Option<Self> {
                let v = v?;
                let t = v.trim();
                if t.is_empty() {
                    return None;
                }
                Some(Self::known(t).unwrap_or_else(|| Self::Unknown(t.to_owned())))
            }
        }
        impl From<&str> for $ty {
            fn from(s: &str) -> Self {
                Self::known(s).unwrap_or_else(|| Self::Unknown(s.to_owned()))
            }
        }
        impl From<String> for $ty {
            fn from(s: String) -> Self {
                Self::known(&s).unwrap_or(Self::Unknown(s))
            }
        }
        impl From<$ty> for String {
            fn from(v: $ty) -> Self {
                match v {
                    $ty::Unknown(s) => s,
                    known => known.as_str().to_owned(),
                }
            }
        }
        impl std::str::FromStr for $ty {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(s.into())
            }
        }
        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        /// As its wire text.
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        /// From its wire text; any string is accepted (an unknown one as `Unknown`).
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Cow::<'de, str>::deserialize(d).map(|s| s.as_ref().into())
            }
        }
    };
}
wire_text!(StorageClass);
wire_text!(ObjectType);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_text_round_trips_and_unknown_values_are_kept() {
        for c in StorageClass::KNOWN {
            assert_eq!(StorageClass::from(c.as_str()), c);
            assert!(!matches!(c, StorageClass::Unknown(_)));
        }
        assert_eq!(StorageClass::from("IA"), StorageClass::InfrequentAccess);
        assert_eq!(
            StorageClass::from("Glacier".to_owned()),
            StorageClass::Unknown("Glacier".into())
        );
        assert_eq!(
            StorageClass::Unknown("Glacier".into()).to_string(),
            "Glacier"
        );
        for t in ["Normal", "Multipart", "Appendable", "Symlink", "Folder"] {
            assert_eq!(ObjectType::from(t).as_str(), t);
        }
        assert_eq!(
            ObjectType::from("Folder"),
            ObjectType::Unknown("Folder".into())
        );
        // Some of OSS's samples write `STANDARD`: the case does not matter, and the value
        // reads back as OSS documents it.
        assert_eq!(StorageClass::from("STANDARD"), StorageClass::Standard);
        assert_eq!(StorageClass::from("ia").as_str(), "IA");
        assert_eq!(ObjectType::from("APPENDABLE"), ObjectType::Appendable);
    }

    #[test]
    fn wire_values_are_trimmed_and_empty_is_absent() {
        assert_eq!(
            ObjectType::from_wire(Some(" Normal\n".into())),
            Some(ObjectType::Normal)
        );
        assert_eq!(ObjectType::from_wire(Some("  ".into())), None);
        assert_eq!(StorageClass::from_wire(None), None);
        assert_eq!(
            StorageClass::from_wire(Some(" Cold ".into())),
            Some(StorageClass::Unknown("Cold".into()))
        );
    }

    #[test]
    fn only_the_archive_classes_need_a_restore() {
        let restore: Vec<_> = StorageClass::KNOWN
            .iter()
            .filter(|c| c.needs_restore())
            .map(StorageClass::as_str)
            .collect();
        assert_eq!(restore, ["Archive", "ColdArchive", "DeepColdArchive"]);
        assert!(!StorageClass::Unknown("X".into()).needs_restore());
    }

    #[test]
    fn serializes_as_its_wire_text() {
        assert_eq!(
            serde_json::to_string(&StorageClass::InfrequentAccess).unwrap(),
            "\"IA\""
        );
        let back: Vec<StorageClass> = serde_json::from_str(r#"["IA", "Cold"]"#).unwrap();
        assert_eq!(
            back,
            [
                StorageClass::InfrequentAccess,
                StorageClass::Unknown("Cold".into())
            ]
        );
        assert_eq!(
            serde_json::to_string(&ObjectType::Unknown("X".into())).unwrap(),
            "\"X\""
        );
    }
}
