//! Buckets, objects and multipart uploads, in memory or under `--data-dir`.
//!
//! The index lives in memory; with a data directory every object is a blob file written
//! atomically (temp file, fsync, rename) and bucket state is a JSON file written the same way,
//! so a restart on the same directory finds every bucket, rule and object again.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;

use crate::blob::{self, BlobRef, BlobWriter, Record, SseRecord};
use crate::keys::{self, Keyring};

/// A bucket's default encryption as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RuleRecord {
    pub(crate) algorithm: String,
    pub(crate) kms_master_key_id: Option<String>,
    pub(crate) kms_data_encryption: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct BucketMeta {
    pub(crate) name: String,
    pub(crate) created: i64,
    pub(crate) storage_class: String,
    pub(crate) rule: Option<RuleRecord>,
}

#[derive(Debug, Clone)]
pub(crate) struct StoredObject {
    pub(crate) record: Record,
    pub(crate) blob: BlobRef,
}

#[derive(Debug, Default)]
pub(crate) struct Bucket {
    pub(crate) meta: Option<BucketMeta>,
    pub(crate) objects: BTreeMap<String, Arc<StoredObject>>,
}

#[derive(Debug, Clone)]
pub(crate) struct Part {
    pub(crate) record: Record,
    pub(crate) blob: BlobRef,
}

#[derive(Debug, Clone)]
pub(crate) struct Upload {
    pub(crate) bucket: String,
    pub(crate) key: String,
    pub(crate) sse: Option<SseRecord>,
    pub(crate) content_type: Option<String>,
    pub(crate) metadata: Vec<(String, String)>,
    pub(crate) parts: BTreeMap<u32, Part>,
}

/// On-disk listing of a multipart object's parts.
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    record: Record,
    parts: Vec<ManifestPart>,
}

#[derive(Debug, Serialize, Deserialize)]
struct ManifestPart {
    record: Record,
    file: String,
}

async fn read_manifest(p: &Path) -> Result<(Record, BlobRef), String> {
    let b = tokio::fs::read(p)
        .await
        .map_err(|e| format!("{}: {e}", p.display()))?;
    let m: Manifest = serde_json::from_slice(&b).map_err(|e| format!("{}: {e}", p.display()))?;
    let dir = p.with_extension("parts");
    let parts = m
        .parts
        .into_iter()
        .map(|mp| (mp.record, BlobRef::File(dir.join(mp.file))))
        .collect();
    Ok((
        m.record,
        BlobRef::Parts {
            parts: Arc::new(parts),
            manifest: Some(p.to_path_buf()),
        },
    ))
}

async fn remove_blob_files(blob: &BlobRef) {
    match blob {
        BlobRef::File(p) => {
            let _ = tokio::fs::remove_file(p).await;
        }
        BlobRef::Parts {
            manifest: Some(m), ..
        } => {
            // The manifest first: without it the parts are no longer an object.
            let _ = tokio::fs::remove_file(m).await;
            let _ = tokio::fs::remove_dir_all(m.with_extension("parts")).await;
        }
        _ => {}
    }
}

#[derive(Debug, Serialize, Deserialize, Default)]
struct StateFile {
    buckets: Vec<BucketMeta>,
}

/// All emulator state.
#[derive(Debug)]
pub(crate) struct Store {
    pub(crate) dir: Option<PathBuf>,
    pub(crate) buckets: RwLock<HashMap<String, Bucket>>,
    pub(crate) uploads: RwLock<HashMap<String, Upload>>,
    pub(crate) keyring: RwLock<Keyring>,
    seq: AtomicU64,
    last_gen: AtomicU64,
}

async fn write_atomic(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    let tmp = dir
        .join("tmp")
        .join(format!("{}.json.tmp", keys::random_hex(8)));
    let mut f = tokio::fs::File::create(&tmp).await?;
    f.write_all(bytes).await?;
    f.sync_all().await?;
    drop(f);
    tokio::fs::rename(&tmp, path).await
}

impl Store {
    /// Opens (or creates) the store. With a directory, loads keys, buckets and objects.
    pub(crate) async fn open(
        dir: Option<PathBuf>,
        kms_ids: &[String],
        rotate: bool,
    ) -> Result<Self, String> {
        let mut buckets = HashMap::new();
        let keyring = match &dir {
            None => {
                let mut k = Keyring::generate(kms_ids);
                if rotate {
                    k.rotate_master();
                }
                k
            }
            Some(d) => {
                for sub in ["tmp", "objects", "uploads"] {
                    tokio::fs::create_dir_all(d.join(sub))
                        .await
                        .map_err(|e| e.to_string())?;
                }
                // Leftovers of writes that never committed, and uploads that never completed.
                let _ = tokio::fs::remove_dir_all(d.join("tmp")).await;
                let _ = tokio::fs::remove_dir_all(d.join("uploads")).await;
                tokio::fs::create_dir_all(d.join("tmp"))
                    .await
                    .map_err(|e| e.to_string())?;
                tokio::fs::create_dir_all(d.join("uploads"))
                    .await
                    .map_err(|e| e.to_string())?;
                let kp = d.join("keys.json");
                let mut k: Keyring = match tokio::fs::read(&kp).await {
                    Ok(b) => {
                        serde_json::from_slice(&b).map_err(|e| format!("{}: {e}", kp.display()))?
                    }
                    Err(_) => Keyring::generate(&[]),
                };
                k.add_kms_keys(kms_ids);
                if rotate {
                    k.rotate_master();
                }
                write_atomic(
                    d,
                    &kp,
                    &serde_json::to_vec_pretty(&k).expect("keyring serializes"),
                )
                .await
                .map_err(|e| e.to_string())?;
                let sp = d.join("state.json");
                if let Ok(b) = tokio::fs::read(&sp).await {
                    let st: StateFile =
                        serde_json::from_slice(&b).map_err(|e| format!("{}: {e}", sp.display()))?;
                    for m in st.buckets {
                        buckets.insert(
                            m.name.clone(),
                            Bucket {
                                meta: Some(m),
                                objects: BTreeMap::new(),
                            },
                        );
                    }
                }
                let mut rd = tokio::fs::read_dir(d.join("objects"))
                    .await
                    .map_err(|e| e.to_string())?;
                while let Some(bdir) = rd.next_entry().await.map_err(|e| e.to_string())? {
                    let mut files = tokio::fs::read_dir(bdir.path())
                        .await
                        .map_err(|e| e.to_string())?;
                    while let Some(f) = files.next_entry().await.map_err(|e| e.to_string())? {
                        let p = f.path();
                        let loaded = if p.extension().is_some_and(|e| e == "obj") {
                            let rec = blob::read_record(&p)
                                .await
                                .map_err(|e| format!("{}: {e}", p.display()))?;
                            Some((rec, BlobRef::File(p.clone())))
                        } else if p.extension().is_some_and(|e| e == "mpo") {
                            Some(read_manifest(&p).await?)
                        } else {
                            None
                        };
                        let Some((rec, blob)) = loaded else {
                            continue;
                        };
                        let Some(b) = buckets.get_mut(&rec.bucket) else {
                            continue;
                        };
                        // A crash between commit and clean-up can leave an older blob of the
                        // same key: keep the newest generation, drop the other.
                        match b.objects.get(&rec.key) {
                            Some(old) if old.record.generation > rec.generation => {
                                remove_blob_files(&blob).await;
                            }
                            old => {
                                if let Some(old) = old {
                                    remove_blob_files(&old.blob).await;
                                }
                                b.objects.insert(
                                    rec.key.clone(),
                                    Arc::new(StoredObject { record: rec, blob }),
                                );
                            }
                        }
                    }
                }
                k
            }
        };
        Ok(Self {
            dir,
            buckets: RwLock::new(buckets),
            uploads: RwLock::new(HashMap::new()),
            keyring: RwLock::new(keyring),
            seq: AtomicU64::new(1),
            last_gen: AtomicU64::new(0),
        })
    }

    pub(crate) fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed)
    }

    /// Writes bucket metadata (no-op in memory).
    pub(crate) async fn persist_buckets(
        &self,
        buckets: &HashMap<String, Bucket>,
    ) -> Result<(), String> {
        let Some(d) = &self.dir else { return Ok(()) };
        let mut st = StateFile {
            buckets: buckets.values().filter_map(|b| b.meta.clone()).collect(),
        };
        st.buckets.sort_by(|a, b| a.name.cmp(&b.name));
        write_atomic(
            d,
            &d.join("state.json"),
            &serde_json::to_vec_pretty(&st).expect("state serializes"),
        )
        .await
        .map_err(|e| e.to_string())
    }

    pub(crate) async fn persist_keyring(&self) -> Result<(), String> {
        let Some(d) = &self.dir else { return Ok(()) };
        let k = self.keyring.read().await;
        write_atomic(
            d,
            &d.join("keys.json"),
            &serde_json::to_vec_pretty(&*k).expect("keyring serializes"),
        )
        .await
        .map_err(|e| e.to_string())
    }

    /// A temp path for a new blob (None in memory).
    pub(crate) fn tmp_path(&self) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| {
            d.join("tmp")
                .join(format!("{}-{}.tmp", self.next_seq(), keys::random_hex(6)))
        })
    }

    /// A new commit generation (monotonic across restarts: wall-clock based).
    pub(crate) fn next_generation(&self) -> u64 {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as u64)
            .unwrap_or(0);
        // Strictly increasing even when two commits share a microsecond.
        let mut cur = self.last_gen.load(Ordering::Relaxed);
        loop {
            let next = now.max(cur + 1);
            match self.last_gen.compare_exchange_weak(
                cur,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return next,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Final path of an object blob of a given generation.
    pub(crate) fn object_path(&self, bucket: &str, key: &str, generation: u64) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| {
            let h = ring::digest::digest(&ring::digest::SHA256, key.as_bytes());
            d.join("objects").join(bucket).join(format!(
                "{}-{generation:020}.obj",
                oss_sse_core::crypto::to_hex(&h.as_ref()[..16])
            ))
        })
    }

    pub(crate) fn part_path(&self, upload_id: &str, part: u32) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| {
            d.join("uploads")
                .join(upload_id)
                .join(format!("part-{part:05}-{}.obj", self.next_seq()))
        })
    }

    pub(crate) async fn new_writer(&self, sse: Option<&SseRecord>) -> Result<BlobWriter, String> {
        let keyring = self.keyring.read().await;
        let (alg, wrapper) = SseRecord::protection(sse, &keyring);
        BlobWriter::new(&keyring, alg, wrapper, self.tmp_path()).await
    }

    /// Installs a committed object: the larger generation wins; the loser's blob is deleted.
    /// Returns false when the bucket is gone (the blob is deleted too).
    pub(crate) async fn install(&self, obj: StoredObject) -> bool {
        let mut buckets = self.buckets.write().await;
        let Some(b) = buckets
            .get_mut(&obj.record.bucket)
            .filter(|b| b.meta.is_some())
        else {
            drop(buckets);
            self.remove_blob(&obj.blob).await;
            return false;
        };
        let stale = match b.objects.get(&obj.record.key) {
            Some(old) if old.record.generation > obj.record.generation => Some(obj.blob.clone()),
            old => {
                let old_blob = old.map(|o| o.blob.clone());
                b.objects.insert(obj.record.key.clone(), Arc::new(obj));
                old_blob
            }
        };
        drop(buckets);
        if let Some(s) = stale {
            self.remove_blob(&s).await;
        }
        true
    }

    pub(crate) async fn remove_blob(&self, blob: &BlobRef) {
        remove_blob_files(blob).await;
    }

    /// Commits a completed multipart object from its parts without rewriting the data: on
    /// disk the part files move next to the object and a manifest (written atomically) lists
    /// them; the manifest is the commit point.
    pub(crate) async fn commit_parts(
        &self,
        record: &Record,
        parts: Vec<(Record, BlobRef)>,
    ) -> Result<BlobRef, String> {
        let Some(manifest) = self
            .object_path(&record.bucket, &record.key, record.generation)
            .map(|p| p.with_extension("mpo"))
        else {
            return Ok(BlobRef::Parts {
                parts: Arc::new(parts),
                manifest: None,
            });
        };
        let dir = manifest.with_extension("parts");
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| e.to_string())?;
        let mut moved = Vec::with_capacity(parts.len());
        let mut listed = Vec::with_capacity(parts.len());
        for (i, (rec, blob)) in parts.into_iter().enumerate() {
            let BlobRef::File(from) = blob else {
                return Err("a part of a disk store is not a file".into());
            };
            let name = format!("part-{i:05}.obj");
            let to = dir.join(&name);
            tokio::fs::rename(&from, &to)
                .await
                .map_err(|e| format!("move part: {e}"))?;
            listed.push(ManifestPart {
                record: rec.clone(),
                file: name,
            });
            moved.push((rec, BlobRef::File(to)));
        }
        if let Ok(d) = tokio::fs::File::open(&dir).await {
            let _ = d.sync_all().await;
        }
        let m = Manifest {
            record: record.clone(),
            parts: listed,
        };
        let d = self.dir.as_ref().expect("disk store");
        write_atomic(
            d,
            &manifest,
            &serde_json::to_vec(&m).expect("manifest serializes"),
        )
        .await
        .map_err(|e| e.to_string())?;
        Ok(BlobRef::Parts {
            parts: Arc::new(moved),
            manifest: Some(manifest),
        })
    }
}
