//! Reading an OSS bucket inventory instead of listing: the manifest, then each data file
//! fetched, checked against the manifest's MD5, gunzipped and parsed, one file at a time.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use futures_util::{Stream, StreamExt};
use oss_sse_core::inventory::{Manifest, ManifestFile, Record, Rows};
use oss_sse_core::ops::GetObject;

use crate::client::Client;
use crate::error::{Error, FileError};

/// Where an inventory's `manifest.json` is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InventoryLocation {
    /// In OSS; its data files are read from the manifest's destination bucket.
    Oss {
        /// Bucket.
        bucket: String,
        /// Key of `manifest.json`.
        key: String,
    },
    /// A local copy of the inventory: the data files are looked for next to the manifest,
    /// then in `../data/` (OSS's layout, downloaded as is).
    Local(PathBuf),
}

/// `oss://bucket/path/manifest.json` or a local path.
impl FromStr for InventoryLocation {
    type Err = oss_sse_core::BuildError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.strip_prefix("oss://") {
            Some(rest) => match rest.split_once('/') {
                Some((b, k)) if !b.is_empty() && !k.is_empty() => Ok(Self::Oss {
                    bucket: b.to_owned(),
                    key: k.to_owned(),
                }),
                _ => Err(oss_sse_core::BuildError::new(
                    "inventory",
                    format!("{s:?}: expected oss://bucket/path/manifest.json"),
                )),
            },
            None if s.is_empty() => {
                Err(oss_sse_core::BuildError::new("inventory", "an empty path"))
            }
            None => Ok(Self::Local(PathBuf::from(s))),
        }
    }
}

/// An inventory to read objects from, instead of listing the bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InventorySource {
    /// Its manifest.
    pub manifest: InventoryLocation,
    /// Only these data files (indices into the manifest's `files`); all by default. One
    /// worker per file is how a distributed run splits an inventory.
    pub files: Option<Vec<usize>>,
}

impl InventorySource {
    /// Every data file of the inventory at `manifest`.
    pub fn new(manifest: InventoryLocation) -> Self {
        Self {
            manifest,
            files: None,
        }
    }
    /// Only these data files.
    #[must_use]
    pub fn with_files(mut self, files: Vec<usize>) -> Self {
        self.files = Some(files);
        self
    }
}

fn file_err(path: &Path, action: &'static str, e: std::io::Error) -> Error {
    Error::File(FileError::new(path, action, e))
}

impl Client {
    /// Reads and parses an inventory's `manifest.json`.
    pub async fn read_inventory_manifest(
        &self,
        location: &InventoryLocation,
    ) -> Result<Manifest, Error> {
        let bytes = match location {
            InventoryLocation::Oss { bucket, key } => {
                self.get_object_bytes(&GetObject::new(bucket, key))
                    .await?
                    .body
            }
            InventoryLocation::Local(p) => tokio::fs::read(p)
                .await
                .map_err(|e| file_err(p, "read the inventory manifest", e))?
                .into(),
        };
        Ok(Manifest::parse(&bytes)?)
    }

    /// Every object of an inventory (the selected data files, in the manifest's order),
    /// read one file at a time: each is fetched, checked against the manifest's MD5 (a
    /// mismatch ends the stream with a parse error naming the file), gunzipped and parsed.
    pub async fn inventory_records(
        &self,
        source: &InventorySource,
    ) -> Result<
        (
            Manifest,
            impl Stream<Item = Result<Record, Error>> + Send + Unpin + use<>,
        ),
        Error,
    > {
        let manifest = self.read_inventory_manifest(&source.manifest).await?;
        let picked: Vec<ManifestFile> = match &source.files {
            None => manifest.files.clone(),
            Some(ix) => ix
                .iter()
                .map(|i| {
                    manifest.files.get(*i).cloned().ok_or_else(|| {
                        Error::Build(oss_sse_core::BuildError::new(
                            "files",
                            format!(
                                "file {i} does not exist: the manifest lists {}",
                                manifest.files.len()
                            ),
                        ))
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        let client = self.clone();
        let location = source.manifest.clone();
        let m = manifest.clone();
        let stream = futures_util::stream::iter(picked)
            .then(move |f| {
                let client = client.clone();
                let location = location.clone();
                let m = m.clone();
                async move { read_file(&client, &location, &m, &f).await }
            })
            .flat_map(|r| match r {
                Ok(records) => futures_util::stream::iter(records).left_stream(),
                Err(e) => futures_util::stream::iter(vec![Err(e)]).right_stream(),
            });
        Ok((manifest, Box::pin(stream)))
    }
}

/// One data file's records (or the first error in it).
async fn read_file(
    client: &Client,
    location: &InventoryLocation,
    manifest: &Manifest,
    file: &ManifestFile,
) -> Result<Vec<Result<Record, Error>>, Error> {
    let bytes = match location {
        InventoryLocation::Oss { .. } => {
            client
                .get_object_bytes(&GetObject::new(&manifest.destination_bucket, &file.key))
                .await?
                .body
        }
        InventoryLocation::Local(p) => {
            let name = Path::new(&file.key)
                .file_name()
                .map(PathBuf::from)
                .unwrap_or_default();
            let dir = p.parent().unwrap_or_else(|| Path::new("."));
            let near = dir.join(&name);
            let path = if tokio::fs::try_exists(&near).await.unwrap_or(false) {
                near
            } else {
                dir.parent().unwrap_or(dir).join("data").join(&name)
            };
            tokio::fs::read(&path)
                .await
                .map_err(|e| file_err(&path, "read an inventory data file", e))?
                .into()
        }
    };
    manifest.verify(file, &bytes)?;
    let m = manifest.clone();
    let key = file.key.clone();
    tokio::task::spawn_blocking(move || {
        use std::io::Read as _;
        let mut csv = Vec::new();
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .read_to_end(&mut csv)
            .map_err(|e| {
                Error::Parse(oss_sse_core::ParseError::other(format!(
                    "inventory file {key} does not gunzip: {e}"
                )))
            })?;
        let rows = Rows::new(&csv, &m)?;
        Ok(rows.map(|r| r.map_err(Error::from)).collect())
    })
    .await
    .map_err(|e| {
        Error::Parse(oss_sse_core::ParseError::other(format!(
            "reading an inventory file stopped: {e}"
        )))
    })?
}
