//! OSS bucket inventory files (oss-listing-copy §6): the `manifest.json` of a run, and the
//! rows of its CSV data files once decompressed. Pure parsing; fetching and gunzipping are
//! the transport's.
//!
//! ```
//! use oss_sse_core::inventory::{Manifest, Rows};
//! let m = Manifest::parse(br#"{"creationTimestamp":"1642994594","destinationBucket":"dest",
//!   "fileFormat":"CSV","fileSchema":"Bucket, Key, Size, EncryptionStatus",
//!   "files":[{"MD5checksum":"F77449179760C3B13F1E76110F071234","key":"p/src/id/data/a.csv.gz","size":2046}],
//!   "sourceBucket":"src","version":"2019-09-01"}"#)?;
//! let csv = b"\"src\",\"logs%2Fa%20b\",12,\"false\"\n";
//! let rows: Vec<_> = Rows::new(csv, &m)?.collect::<Result<_, _>>()?;
//! assert_eq!(rows[0].key, "logs/a b");
//! assert_eq!(rows[0].encrypted, Some(false));
//! # Ok::<(), oss_sse_core::Error>(())
//! ```

use serde::Deserialize;

use crate::ETag;
use crate::error::{Error, ParseError};
use crate::object::ObjectType;

/// One data file a manifest lists.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ManifestFile {
    /// Its key in the destination bucket.
    pub key: String,
    /// Its size in bytes (compressed).
    #[serde(default)]
    pub size: u64,
    /// Upper-case hex MD5 of the file as stored (compressed).
    #[serde(rename = "MD5checksum")]
    pub md5: String,
}

/// A run's `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Manifest {
    /// When the scan started (Unix seconds).
    pub creation_timestamp: Option<i64>,
    /// The bucket the inventory was written to.
    pub destination_bucket: String,
    /// The bucket it describes.
    pub source_bucket: String,
    /// The column names of the data files, in order.
    pub schema: Vec<String>,
    /// The data files.
    pub files: Vec<ManifestFile>,
    /// `version`.
    pub version: Option<String>,
}

#[derive(Deserialize)]
struct ManifestDoc {
    #[serde(rename = "creationTimestamp", default)]
    creation_timestamp: Option<serde_json_like::Num>,
    #[serde(rename = "destinationBucket", default)]
    destination_bucket: String,
    #[serde(rename = "sourceBucket", default)]
    source_bucket: String,
    #[serde(rename = "fileFormat", default)]
    file_format: Option<String>,
    #[serde(rename = "fileSchema")]
    file_schema: String,
    files: Vec<ManifestFile>,
    #[serde(default)]
    version: Option<String>,
}

/// `creationTimestamp` is documented as a string of seconds; a number is taken too.
mod serde_json_like {
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(untagged)]
    pub(super) enum Num {
        S(String),
        N(i64),
    }

    impl Num {
        pub(super) fn get(self) -> Option<i64> {
            match self {
                Self::S(s) => s.trim().parse().ok(),
                Self::N(n) => Some(n),
            }
        }
    }
}

fn perr(what: impl Into<String>) -> Error {
    ParseError::new(what).into()
}

impl Manifest {
    /// Parses a `manifest.json`.
    pub fn parse(json: &[u8]) -> Result<Self, Error> {
        let doc: ManifestDoc =
            serde_json::from_slice(json).map_err(|e| perr(format!("inventory manifest: {e}")))?;
        if let Some(f) = &doc.file_format
            && !f.eq_ignore_ascii_case("csv")
        {
            return Err(perr(format!(
                "inventory manifest: fileFormat {f:?} is not CSV"
            )));
        }
        let schema: Vec<String> = doc
            .file_schema
            .split(',')
            .map(|c| c.trim().to_owned())
            .collect();
        if !schema.iter().any(|c| c == "Key") {
            return Err(perr(format!(
                "inventory manifest: fileSchema {:?} has no Key column",
                doc.file_schema
            )));
        }
        for f in &doc.files {
            if f.md5.len() != 32 || !f.md5.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(perr(format!(
                    "inventory manifest: file {:?} has a malformed MD5checksum {:?}",
                    f.key, f.md5
                )));
            }
        }
        Ok(Self {
            creation_timestamp: doc.creation_timestamp.and_then(serde_json_like::Num::get),
            destination_bucket: doc.destination_bucket,
            source_bucket: doc.source_bucket,
            schema,
            files: doc.files,
            version: doc.version,
        })
    }

    /// Checks a data file's bytes (as stored, compressed) against the manifest's MD5.
    pub fn verify(&self, file: &ManifestFile, bytes: &[u8]) -> Result<(), Error> {
        let got = crate::crypto::md5(bytes);
        let got: String = got.iter().map(|b| format!("{b:02X}")).collect();
        if !got.eq_ignore_ascii_case(&file.md5) {
            return Err(perr(format!(
                "inventory file {} is corrupt: its MD5 is {got}, the manifest says {}",
                file.key, file.md5
            )));
        }
        Ok(())
    }

    fn column(&self, name: &str) -> Option<usize> {
        self.schema
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name))
    }
}

/// One object of an inventory.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Record {
    /// The key, decoded.
    pub key: String,
    /// Size in bytes (0 when the inventory has no `Size` column).
    pub size: u64,
    /// `EncryptionStatus`: whether it was encrypted when the inventory was made (`None`
    /// when the column is absent). It does not say how: a HEAD does.
    pub encrypted: Option<bool>,
    /// `ObjectType`, when present.
    pub object_type: Option<ObjectType>,
    /// `ETag`, when present, without quotes.
    pub etag: Option<ETag>,
}

/// The rows of one decompressed data file.
#[derive(Debug)]
pub struct Rows<'a> {
    rest: &'a [u8],
    line: u64,
    key: usize,
    size: Option<usize>,
    encrypted: Option<usize>,
    object_type: Option<usize>,
    etag: Option<usize>,
    columns: usize,
}

impl<'a> Rows<'a> {
    /// Reads `csv` (no header row: the columns are the manifest's `fileSchema`).
    pub fn new(csv: &'a [u8], manifest: &Manifest) -> Result<Self, Error> {
        Ok(Self {
            rest: csv,
            line: 0,
            key: manifest
                .column("Key")
                .ok_or_else(|| perr("inventory schema has no Key column"))?,
            size: manifest.column("Size"),
            encrypted: manifest.column("EncryptionStatus"),
            object_type: manifest.column("ObjectType"),
            etag: manifest.column("ETag"),
            columns: manifest.schema.len(),
        })
    }

    fn row(&mut self) -> Result<Option<Vec<String>>, Error> {
        // Skip blank lines.
        while let Some(rest) = self
            .rest
            .strip_prefix(b"\n")
            .or_else(|| self.rest.strip_prefix(b"\r\n"))
        {
            self.rest = rest;
            self.line += 1;
        }
        if self.rest.is_empty() {
            return Ok(None);
        }
        self.line += 1;
        let line = self.line;
        let bad = |why: &str| perr(format!("inventory CSV line {line}: {why}"));
        let mut fields = Vec::with_capacity(self.columns);
        let mut i = 0;
        let b = self.rest;
        loop {
            let mut field = Vec::new();
            if b.get(i) == Some(&b'"') {
                i += 1;
                loop {
                    match b.get(i) {
                        None => return Err(bad("a quoted field is not closed")),
                        Some(b'"') if b.get(i + 1) == Some(&b'"') => {
                            field.push(b'"');
                            i += 2;
                        }
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(c) => {
                            field.push(*c);
                            i += 1;
                        }
                    }
                }
            } else {
                while let Some(c) = b.get(i) {
                    if matches!(c, b',' | b'\n' | b'\r') {
                        break;
                    }
                    field.push(*c);
                    i += 1;
                }
            }
            fields.push(String::from_utf8(field).map_err(|_| bad("a field is not UTF-8"))?);
            match b.get(i) {
                Some(b',') => i += 1,
                Some(b'\r') if b.get(i + 1) == Some(&b'\n') => {
                    i += 2;
                    break;
                }
                Some(b'\n') => {
                    i += 1;
                    break;
                }
                None => break,
                Some(_) => return Err(bad("text after a quoted field")),
            }
        }
        self.rest = &b[i..];
        if fields.len() != self.columns {
            return Err(bad(&format!(
                "{} fields where the schema has {}",
                fields.len(),
                self.columns
            )));
        }
        Ok(Some(fields))
    }

    fn record(&self, mut f: Vec<String>) -> Result<Record, Error> {
        let line = self.line;
        let bad = |why: String| perr(format!("inventory CSV line {line}: {why}"));
        let raw = std::mem::take(&mut f[self.key]);
        // Keys are URL-encoded; a '+' is taken literally (OSS encodes a space as %20).
        let key = percent_encoding::percent_decode_str(&raw)
            .decode_utf8()
            .map_err(|_| bad(format!("the key {raw:?} does not decode to UTF-8")))?
            .into_owned();
        if key.is_empty() {
            return Err(bad("an empty key".into()));
        }
        let size = match self.size.map(|c| f[c].trim()) {
            None | Some("") => 0,
            Some(s) => s
                .parse()
                .map_err(|_| bad(format!("a malformed Size {s:?}")))?,
        };
        let encrypted = match self.encrypted.map(|c| f[c].trim()) {
            None | Some("") => None,
            Some(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Some(s) if s.eq_ignore_ascii_case("false") => Some(false),
            Some(s) => return Err(bad(format!("a malformed EncryptionStatus {s:?}"))),
        };
        let opt = |c: Option<usize>| {
            c.map(|c| f[c].trim().trim_matches('"').to_owned())
                .filter(|v| !v.is_empty())
        };
        Ok(Record {
            key,
            size,
            encrypted,
            object_type: opt(self.object_type).map(ObjectType::from),
            etag: self.etag.and_then(|c| ETag::from_wire(&f[c])),
        })
    }
}

impl Iterator for Rows<'_> {
    type Item = Result<Record, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.row() {
            Ok(Some(f)) => Some(self.record(f)),
            Ok(None) => None,
            Err(e) => {
                // One error ends the file: what follows cannot be trusted to be aligned.
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(schema: &str) -> Manifest {
        Manifest::parse(
            format!(
                r#"{{"creationTimestamp":"1642994594","destinationBucket":"d","fileFormat":"CSV","fileSchema":"{schema}","files":[{{"MD5checksum":"00000000000000000000000000000000","key":"k","size":1}}],"sourceBucket":"s","version":"2019-09-01"}}"#
            )
            .as_bytes(),
        )
        .unwrap()
    }

    #[test]
    fn manifest_fields_and_refusals() {
        let m = manifest(
            "Bucket, Key, Size, StorageClass, LastModifiedDate, ETag, IsMultipartUploaded, EncryptionStatus",
        );
        assert_eq!(m.creation_timestamp, Some(1_642_994_594));
        assert_eq!(
            (m.source_bucket.as_str(), m.destination_bucket.as_str()),
            ("s", "d")
        );
        assert_eq!(m.schema.len(), 8);
        assert_eq!(m.files[0].key, "k");
        for bad in [
            r#"{"fileSchema":"Bucket, Size","files":[]}"#,
            r#"{"fileSchema":"Key","fileFormat":"ORC","files":[]}"#,
            r#"{"fileSchema":"Key","files":[{"MD5checksum":"xyz","key":"k"}]}"#,
            r#"not json"#,
        ] {
            assert!(
                matches!(Manifest::parse(bad.as_bytes()), Err(Error::Parse(_))),
                "{bad}"
            );
        }
        let ok =
            Manifest::parse(br#"{"fileSchema":"Key","files":[],"creationTimestamp":5}"#).unwrap();
        assert_eq!(ok.creation_timestamp, Some(5));
        let f = ManifestFile {
            key: "x".into(),
            size: 3,
            md5: "900150983CD24FB0D6963F7D28E17F72".into(),
        };
        assert!(ok.verify(&f, b"abc").is_ok());
        assert!(
            ok.verify(&f, b"abd")
                .unwrap_err()
                .to_string()
                .contains("corrupt")
        );
    }

    #[test]
    fn rows_by_schema_quoted_and_not() {
        let m = manifest("Bucket, Key, Size, EncryptionStatus, ObjectType, ETag");
        let csv = concat!(
            "\"s\",\"a%2Fb%20c%2B%25\",10,\"true\",\"Normal\",\"\"\"ABC\"\"\"\n",
            "s,plain,0,False,Appendable,XYZ\r\n",
            "\n",
            "\"s\",\"%E4%B8%AD,comma\",7,\"\",\"\",\"\"\n"
        );
        let rows: Vec<Record> = Rows::new(csv.as_bytes(), &m)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].key, "a/b c+%");
        assert_eq!((rows[0].size, rows[0].encrypted), (10, Some(true)));
        assert_eq!(rows[0].etag.as_deref(), Some("ABC"));
        assert_eq!(rows[1].encrypted, Some(false));
        assert_eq!(rows[1].object_type, Some(ObjectType::Appendable));
        assert_eq!(rows[2].key, "中,comma");
        assert_eq!(rows[2].encrypted, None);
        for (bad, why) in [
            ("\"s\",\"k\",1,\"true\",\"N\"\n", "fields"),
            ("\"s\",\"k,1,true,N,E\n", "not closed"),
            ("\"s\",\"k\",x,true,N,E\n", "Size"),
            ("\"s\",\"k\",1,maybe,N,E\n", "EncryptionStatus"),
            ("\"s\",\"%FF\",1,true,N,E\n", "UTF-8"),
        ] {
            let e = Rows::new(bad.as_bytes(), &m)
                .unwrap()
                .next()
                .unwrap()
                .unwrap_err();
            assert!(
                e.to_string().contains(why) && e.to_string().contains("line 1"),
                "{bad}: {e}"
            );
        }
    }
}
