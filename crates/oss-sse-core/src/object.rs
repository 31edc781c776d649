//! Typed values OSS reports about a bucket or an object: its storage class, its type and
//! its ETag.
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

/// An object's or a part's ETag, without the quotes OSS puts around it
/// (`5B3C1A2E053D763E1B002CC607C5A0FE`, or `...-3` for a multipart object).
///
/// Reads as a `&str` (it derefs to one, so `etag.as_deref()` on an `Option<ETag>` is an
/// `Option<&str>`), compares with strings, and converts to and from `String`. Up to 46
/// bytes (every ETag OSS writes) it is held inline: a listing's 1,000 entries carry theirs
/// without a heap allocation each.
#[derive(Clone)]
pub struct ETag(ETagRepr);

#[derive(Clone)]
enum ETagRepr {
    Inline { len: u8, bytes: [u8; ETag::INLINE] },
    Heap(Box<str>),
}

impl ETag {
    /// The longest ETag held inline.
    const INLINE: usize = 46;

    /// `etag` as given (quotes and all: see [`ETag::from_wire`] for OSS's text).
    pub fn new(etag: &str) -> Self {
        match u8::try_from(etag.len()) {
            Ok(len) if etag.len() <= Self::INLINE => {
                let mut bytes = [0; Self::INLINE];
                bytes[..etag.len()].copy_from_slice(etag.as_bytes());
                Self(ETagRepr::Inline { len, bytes })
            }
            _ => Self(ETagRepr::Heap(etag.into())),
        }
    }

    /// The ETag in OSS's text (a header or an XML element): trimmed and unquoted; `None` when
    /// nothing is left.
    pub fn from_wire(text: &str) -> Option<Self> {
        let t = text.trim().trim_matches('"');
        (!t.is_empty()).then(|| Self::new(t))
    }

    /// The ETag as a string slice.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            ETagRepr::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).expect("copied from a str, whole")
            }
            ETagRepr::Heap(s) => s,
        }
    }
}

impl std::ops::Deref for ETag {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for ETag {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for ETag {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for ETag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for ETag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq for ETag {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for ETag {}

impl std::hash::Hash for ETag {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialOrd for ETag {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ETag {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

macro_rules! etag_eq {
    ($($other:ty),*) => {$(
        impl PartialEq<$other> for ETag {
            fn eq(&self, other: &$other) -> bool {
                self.as_str() == AsRef::<str>::as_ref(other)
            }
        }
        impl PartialEq<ETag> for $other {
            fn eq(&self, other: &ETag) -> bool {
                AsRef::<str>::as_ref(self) == other.as_str()
            }
        }
    )*};
}
etag_eq!(str, &str, String);

impl From<&str> for ETag {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

impl From<String> for ETag {
    fn from(s: String) -> Self {
        if s.len() <= Self::INLINE {
            Self::new(&s)
        } else {
            Self(ETagRepr::Heap(s.into_boxed_str()))
        }
    }
}

impl From<&String> for ETag {
    fn from(s: &String) -> Self {
        Self::new(s)
    }
}

impl From<ETag> for String {
    fn from(e: ETag) -> Self {
        match e.0 {
            ETagRepr::Heap(s) => s.into_string(),
            ETagRepr::Inline { .. } => e.as_str().to_owned(),
        }
    }
}

impl Serialize for ETag {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ETag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self::new(&Cow::<'de, str>::deserialize(d)?))
    }
}

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

    #[test]
    fn etags_read_as_strings_inline_or_not() {
        let md5 = "5B3C1A2E053D763E1B002CC607C5A0FE";
        let e = ETag::from_wire(&format!(" \"{md5}\" ")).unwrap();
        assert!(matches!(e.0, ETagRepr::Inline { .. }));
        assert_eq!(e, md5);
        assert_eq!(e.as_str(), md5);
        assert_eq!(Some(e.clone()).as_deref(), Some(md5));
        assert_eq!(format!("{e} {e:?}"), format!("{md5} \"{md5}\""));
        assert_eq!(String::from(e.clone()), md5);
        assert_eq!(md5.to_owned(), e);
        assert_eq!(ETag::from_wire("\"\""), None);
        assert_eq!(ETag::from_wire("  "), None);
        // The longest OSS writes (a multipart object of 10,000 parts) is inline; longer is
        // not, and reads the same.
        let multipart = format!("{md5}-10000");
        assert!(matches!(
            ETag::from(multipart.as_str()).0,
            ETagRepr::Inline { .. }
        ));
        let long = "W/\"".to_owned() + &"ab".repeat(40) + "\"";
        let e = ETag::from(long.clone());
        assert!(matches!(e.0, ETagRepr::Heap(_)));
        assert_eq!(e, long);
        assert_eq!(e, ETag::new(&long));
        assert_eq!(String::from(e), long);
        // Unicode is kept whole, inline and on the heap.
        for s in ["中".repeat(15), "中".repeat(16)] {
            assert_eq!(ETag::new(&s).as_str(), s);
        }
        // serde as a string.
        let e = ETag::new(md5);
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(json, format!("\"{md5}\""));
        assert_eq!(serde_json::from_str::<ETag>(&json).unwrap(), e);
        // Ordered and hashed as its text.
        let mut set = std::collections::HashSet::new();
        set.insert(ETag::new("b"));
        assert!(set.contains("b"));
        assert!(ETag::new("a") < ETag::new("b"));
    }
}
