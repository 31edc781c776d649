//! Buckets, objects and multipart uploads, in memory or under a data directory.
//!
//! The index lives in memory. With a data directory, the layout is:
//!
//! ```text
//! FORMAT                        "oss-sse-emulator 2"
//! keys.json                     master and KMS keys (0600), replaced atomically, never shrunk
//! state.json                    buckets and their encryption rules, replaced atomically
//! tmp/                          files being written atomically (emptied at start)
//! data/<xx>/<id>.blob           object data: a sealed blob (blob.rs), immutable
//! objects/<bucket>/<xx>/<keyhash>-<generation>.json
//!                               a manifest: the object's metadata and the blobs it is made
//!                               of, or a tombstone (a delete); the newest generation wins
//! uploads/<upload-id>/upload.json          an open multipart upload
//! uploads/<upload-id>/part-<n>-<gen>.blob  its parts (self-describing trailers)
//! ```
//!
//! The commit point of every object write is the rename of its manifest into place (then the
//! directory is fsynced); blobs are fsynced before. A start keeps, per key, the manifest of
//! the highest generation (a tombstone there means "deleted"), removes the others, and
//! reclaims every file that no committed state names. The generation is a counter that
//! resumes above the highest one on disk, never the wall clock. See docs/emulator.md.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, MutexGuard, RwLock};

use crate::blob::{self, Blob, BlobInfo, BlobWriter, PartInfo, SseRecord};
use crate::disk::{Disk, join};
use crate::keys::{self, Keyring};

const FORMAT: &str = "oss-sse-emulator 2\n";
const STRIPES: usize = 256;

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

/// The standard HTTP headers an object keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct StdHeaders {
    pub(crate) content_type: Option<String>,
    pub(crate) cache_control: Option<String>,
    pub(crate) content_disposition: Option<String>,
    pub(crate) content_encoding: Option<String>,
    pub(crate) content_language: Option<String>,
    pub(crate) expires: Option<String>,
}

/// Everything known about an object except its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ObjectMeta {
    pub(crate) bucket: String,
    pub(crate) key: String,
    pub(crate) size: u64,
    /// Upper-case hex, without quotes (the multipart form `…-N` for multipart objects).
    pub(crate) etag: String,
    /// Lower-case hex MD5 of the content, when it is known (not for multipart objects).
    pub(crate) md5: Option<String>,
    pub(crate) crc64: u64,
    #[serde(default)]
    pub(crate) headers: StdHeaders,
    pub(crate) metadata: Vec<(String, String)>,
    #[serde(default)]
    pub(crate) tags: Vec<(String, String)>,
    pub(crate) sse: Option<SseRecord>,
    pub(crate) object_type: String,
    pub(crate) last_modified: i64,
    /// Commit order: a larger generation replaces a smaller one.
    pub(crate) generation: u64,
    /// The multipart upload this object completed.
    #[serde(default)]
    pub(crate) upload_id: Option<String>,
}

/// A committed object.
#[derive(Debug)]
pub(crate) struct Object {
    pub(crate) meta: ObjectMeta,
    pub(crate) blobs: Vec<Arc<Blob>>,
    manifest: Option<PathBuf>,
}

#[derive(Debug)]
pub(crate) struct Bucket {
    pub(crate) meta: BucketMeta,
    pub(crate) objects: BTreeMap<String, Arc<Object>>,
}

/// An open multipart upload as initiated.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct UploadMeta {
    pub(crate) upload_id: String,
    pub(crate) bucket: String,
    pub(crate) key: String,
    pub(crate) sse: Option<SseRecord>,
    #[serde(default)]
    pub(crate) headers: StdHeaders,
    pub(crate) metadata: Vec<(String, String)>,
    #[serde(default)]
    pub(crate) tags: Vec<(String, String)>,
    pub(crate) initiated: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct Part {
    pub(crate) info: PartInfo,
    pub(crate) blob: Arc<Blob>,
}

impl Part {
    /// The part's ETag: its own (a whole-object copy's source ETag) or its MD5.
    pub(crate) fn etag(&self) -> String {
        self.info
            .etag
            .clone()
            .unwrap_or_else(|| self.blob.info.md5.to_ascii_uppercase())
    }
}

#[derive(Debug, Default)]
pub(crate) struct UploadState {
    pub(crate) parts: BTreeMap<u32, Part>,
    /// Completed or aborted (or being completed): no more parts.
    pub(crate) closed: bool,
}

#[derive(Debug)]
pub(crate) struct Upload {
    pub(crate) meta: UploadMeta,
    pub(crate) state: Mutex<UploadState>,
}

/// `(bucket, key, upload id)`: the order ListMultipartUploads uses.
pub(crate) type UploadKey = (String, String, String);

#[derive(Debug, Default)]
pub(crate) struct Uploads {
    pub(crate) by_key: BTreeMap<UploadKey, Arc<Upload>>,
    pub(crate) by_id: HashMap<String, UploadKey>,
}

impl Uploads {
    fn insert(&mut self, u: Arc<Upload>) {
        let k = (
            u.meta.bucket.clone(),
            u.meta.key.clone(),
            u.meta.upload_id.clone(),
        );
        self.by_id.insert(u.meta.upload_id.clone(), k.clone());
        self.by_key.insert(k, u);
    }
    pub(crate) fn get(&self, id: &str) -> Option<&Arc<Upload>> {
        self.by_id.get(id).and_then(|k| self.by_key.get(k))
    }
    fn remove(&mut self, id: &str) -> Option<Arc<Upload>> {
        let k = self.by_id.remove(id)?;
        self.by_key.remove(&k)
    }
    pub(crate) fn len(&self) -> usize {
        self.by_key.len()
    }
}

/// Why a commit did not happen.
#[derive(Debug)]
pub(crate) enum CommitError {
    /// The bucket does not exist (any more).
    NoSuchBucket,
    /// `x-oss-forbid-overwrite` and the key exists.
    Exists,
    /// The object is not the one the write was made against (AppendObject); its size now.
    Moved { size: u64 },
    /// The object changed since the write read it (a guarded self-copy or tag update).
    Changed,
    /// The disk failed; nothing was committed.
    Io(String),
    /// The disk failed after the commit point (a directory fsync after the manifest's
    /// rename): the write is in place and visible, but may not survive a crash, so it is not
    /// acknowledged. Its blobs belong to the committed object.
    Unsure(String),
}

/// What must hold at commit time, checked atomically with the commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Guard {
    /// Nothing (last writer wins).
    None,
    /// The key must not exist (`x-oss-forbid-overwrite: true`).
    Absent,
    /// The key must hold exactly this generation (`None`: must not exist).
    Generation(Option<u64>),
    /// The key must still hold this generation: a self-copy or tag update made against it
    /// must not undo a write that came meanwhile (else `Changed`).
    Unchanged(u64),
}

#[derive(Debug, Serialize, Deserialize)]
struct ManifestBlob {
    /// Relative to the data directory.
    path: String,
    info: BlobInfo,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Manifest {
    Object {
        meta: Box<ObjectMeta>,
        blobs: Vec<ManifestBlob>,
    },
    Tombstone {
        bucket: String,
        key: String,
        generation: u64,
    },
}

impl Manifest {
    fn generation(&self) -> u64 {
        match self {
            Self::Object { meta, .. } => meta.generation,
            Self::Tombstone { generation, .. } => *generation,
        }
    }
    fn bucket_key(&self) -> (&str, &str) {
        match self {
            Self::Object { meta, .. } => (&meta.bucket, &meta.key),
            Self::Tombstone { bucket, key, .. } => (bucket, key),
        }
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
    pub(crate) disk: Disk,
    pub(crate) buckets: RwLock<BTreeMap<String, Bucket>>,
    pub(crate) uploads: RwLock<Uploads>,
    pub(crate) keyring: RwLock<Keyring>,
    generation: AtomicU64,
    stripes: Vec<Mutex<()>>,
    /// Serializes rewrites of `state.json` and `keys.json`.
    meta_lock: Mutex<()>,
}

fn key_hash(key: &str) -> String {
    let h = ring::digest::digest(&ring::digest::SHA256, key.as_bytes());
    oss_sse_core::crypto::to_hex(&h.as_ref()[..16])
}

fn io_err(what: &str, e: impl std::fmt::Display) -> String {
    format!("{what}: {e}")
}

impl Store {
    /// Opens (or creates) the store. With a directory: loads keys, buckets, objects and
    /// uploads, and reclaims everything no committed state names.
    pub(crate) async fn open(
        dir: Option<PathBuf>,
        disk: Disk,
        kms_ids: &[String],
        rotate: bool,
    ) -> Result<Self, String> {
        let mut store = Self {
            dir: dir.clone(),
            disk,
            buckets: RwLock::new(BTreeMap::new()),
            uploads: RwLock::new(Uploads::default()),
            keyring: RwLock::new(Keyring::generate(kms_ids)),
            generation: AtomicU64::new(1),
            stripes: (0..STRIPES).map(|_| Mutex::new(())).collect(),
            meta_lock: Mutex::new(()),
        };
        match dir {
            None => {
                if rotate {
                    store.keyring.get_mut().rotate_master();
                }
            }
            Some(d) => store.load(&d, kms_ids, rotate).await?,
        }
        Ok(store)
    }

    fn tmp_dir(&self) -> PathBuf {
        self.dir.as_ref().expect("disk store").join("tmp")
    }

    async fn load(&mut self, d: &Path, kms_ids: &[String], rotate: bool) -> Result<(), String> {
        let disk = self.disk.clone();
        disk.create_dir_all(d)
            .await
            .map_err(|e| io_err(&d.display().to_string(), e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700));
        }
        // The format marker: refuse a directory written by another layout rather than
        // reclaim (delete) files this version cannot read.
        let format_path = d.join("FORMAT");
        let has_content = std::fs::read_dir(d)
            .map(|mut r| r.next().is_some())
            .unwrap_or(false);
        match tokio::fs::read_to_string(&format_path).await {
            Ok(f) if f == FORMAT => {}
            Ok(f) => {
                return Err(format!(
                    "{} says {:?}: this data directory was written by another version of the emulator (expected {:?})",
                    format_path.display(),
                    f.trim(),
                    FORMAT.trim()
                ));
            }
            Err(_) if has_content => {
                return Err(format!(
                    "{} is not empty and has no FORMAT file: it was written by an older emulator (or is not an emulator data directory); use another --data-dir",
                    d.display()
                ));
            }
            Err(_) => {}
        }
        for sub in ["tmp", "data", "objects", "uploads"] {
            disk.create_dir_all(&d.join(sub))
                .await
                .map_err(|e| io_err(sub, e))?;
        }
        // Leftovers of atomic writes that never committed.
        if let Ok(mut rd) = tokio::fs::read_dir(d.join("tmp")).await {
            while let Ok(Some(e)) = rd.next_entry().await {
                let _ = disk.remove_file(&e.path()).await;
            }
        }
        if !format_path.exists() {
            disk.write_atomic(&d.join("tmp"), &format_path, FORMAT.as_bytes(), 0o600)
                .await
                .map_err(|e| io_err("FORMAT", e))?;
        }
        self.load_keys(d, kms_ids, rotate).await?;
        let buckets = load_state(d).await?;
        let mut index: BTreeMap<String, Bucket> = buckets
            .into_iter()
            .map(|m| {
                (
                    m.name.clone(),
                    Bucket {
                        meta: m,
                        objects: BTreeMap::new(),
                    },
                )
            })
            .collect();
        let mut max_gen = 0u64;
        let mut referenced: HashSet<PathBuf> = HashSet::new();
        let mut completed_uploads: HashSet<String> = HashSet::new();

        // Manifests: per key, the newest generation wins.
        let mut winners: HashMap<(String, String), (PathBuf, Manifest)> = HashMap::new();
        let mut losers: Vec<PathBuf> = Vec::new();
        for path in files_below(&d.join("objects")).await {
            let manifest = match tokio::fs::read(&path)
                .await
                .map_err(|e| e.to_string())
                .and_then(|b| serde_json::from_slice::<Manifest>(&b).map_err(|e| e.to_string()))
            {
                Ok(m) => m,
                Err(e) => {
                    // Written atomically, so never torn; a corrupt one is set aside, not
                    // deleted.
                    eprintln!(
                        "oss-sse-emulator: unreadable manifest {} ({e}): moved to lost+found",
                        path.display()
                    );
                    set_aside(d, &path).await;
                    continue;
                }
            };
            max_gen = max_gen.max(manifest.generation());
            let (b, k) = manifest.bucket_key();
            let slot = (b.to_owned(), k.to_owned());
            match winners.get(&slot) {
                Some((_, cur)) if cur.generation() >= manifest.generation() => {
                    losers.push(path);
                }
                _ => {
                    if let Some((old, _)) = winners.insert(slot, (path, manifest)) {
                        losers.push(old);
                    }
                }
            }
        }
        let mut tombstones = Vec::new();
        for ((bucket, key), (path, manifest)) in winners {
            match manifest {
                Manifest::Tombstone { .. } => tombstones.push(path),
                Manifest::Object { meta, blobs } => {
                    let Some(b) = index.get_mut(&bucket) else {
                        // The bucket is gone: so is the object.
                        losers.push(path);
                        continue;
                    };
                    if let Some(id) = &meta.upload_id {
                        completed_uploads.insert(id.clone());
                    }
                    let blobs: Vec<Arc<Blob>> = blobs
                        .into_iter()
                        .map(|mb| {
                            let p = d.join(&mb.path);
                            referenced.insert(p.clone());
                            Arc::new(Blob::on_disk(mb.info, p, disk.clone()))
                        })
                        .collect();
                    b.objects.insert(
                        key,
                        Arc::new(Object {
                            meta: *meta,
                            blobs,
                            manifest: Some(path),
                        }),
                    );
                }
            }
        }
        // Older generations first, then the tombstones that covered them.
        for p in &losers {
            let _ = disk.remove_file(p).await;
        }
        sync_dirs_of(&disk, &losers).await;
        for p in &tombstones {
            let _ = disk.remove_file(p).await;
        }

        // Uploads: open ones keep their newest part of each number; the rest is reclaimed.
        let mut uploads = Uploads::default();
        let mut rd = tokio::fs::read_dir(d.join("uploads"))
            .await
            .map_err(|e| io_err("uploads", e))?;
        while let Some(e) = rd.next_entry().await.map_err(|e| io_err("uploads", e))? {
            let udir = e.path();
            let id = e.file_name().to_string_lossy().into_owned();
            let meta: Option<UploadMeta> = tokio::fs::read(udir.join("upload.json"))
                .await
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok());
            let live = meta.filter(|m| {
                m.upload_id == id
                    && index.contains_key(&m.bucket)
                    && !completed_uploads.contains(&id)
            });
            let mut parts: BTreeMap<u32, Part> = BTreeMap::new();
            for f in files_below(&udir).await {
                if f.file_name().is_some_and(|n| n == "upload.json") {
                    if live.is_none() {
                        let _ = disk.remove_file(&f).await;
                    }
                    continue;
                }
                if referenced.contains(&f) {
                    continue;
                }
                let part = match &live {
                    Some(_) => blob::read_trailer(&f)
                        .await
                        .ok()
                        .and_then(|(info, p)| p.filter(|p| p.upload_id == id).map(|p| (info, p))),
                    None => None,
                };
                match part {
                    Some((info, p)) => {
                        max_gen = max_gen.max(p.generation);
                        let newer = parts
                            .get(&p.part_number)
                            .is_none_or(|cur| cur.info.generation < p.generation);
                        if newer {
                            let part = Part {
                                info: p.clone(),
                                blob: Arc::new(Blob::on_disk(info, f, disk.clone())),
                            };
                            if let Some(old) = parts.insert(p.part_number, part) {
                                old.blob.doom();
                            }
                        } else {
                            let _ = disk.remove_file(&f).await;
                        }
                    }
                    None => {
                        let _ = disk.remove_file(&f).await;
                    }
                }
            }
            match live {
                Some(m) => uploads.insert(Arc::new(Upload {
                    meta: m,
                    state: Mutex::new(UploadState {
                        parts,
                        closed: false,
                    }),
                })),
                None => disk.remove_empty_dir(&udir).await,
            }
        }

        // Object data no manifest names.
        for f in files_below(&d.join("data")).await {
            if !referenced.contains(&f) {
                let _ = disk.remove_file(&f).await;
            }
        }
        // Objects of buckets that are gone.
        if let Ok(mut rd) = tokio::fs::read_dir(d.join("objects")).await {
            while let Ok(Some(e)) = rd.next_entry().await {
                let name = e.file_name().to_string_lossy().into_owned();
                if !index.contains_key(&name) && files_below(&e.path()).await.is_empty() {
                    let _ = tokio::fs::remove_dir_all(e.path()).await;
                }
            }
        }
        *self.buckets.get_mut() = index;
        *self.uploads.get_mut() = uploads;
        self.generation = AtomicU64::new(max_gen + 1);
        Ok(())
    }

    async fn load_keys(
        &mut self,
        d: &Path,
        kms_ids: &[String],
        rotate: bool,
    ) -> Result<(), String> {
        let kp = d.join("keys.json");
        let (mut k, mut changed) = match tokio::fs::read(&kp).await {
            Ok(b) => {
                let k: Keyring = serde_json::from_slice(&b).map_err(|e| {
                    format!(
                        "{}: {e}; refusing to start: new keys would make every stored object unreadable (restore the file from a backup)",
                        kp.display()
                    )
                })?;
                (k, false)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if !files_below(&d.join("data")).await.is_empty()
                    || !files_below(&d.join("uploads")).await.is_empty()
                {
                    return Err(format!(
                        "{} is missing but the directory holds object data: refusing to start with new keys",
                        kp.display()
                    ));
                }
                (Keyring::generate(&[]), true)
            }
            Err(e) => return Err(io_err(&kp.display().to_string(), e)),
        };
        changed |= k.add_kms_keys(kms_ids);
        if rotate {
            k.rotate_master();
            changed = true;
        }
        if changed {
            self.disk
                .write_atomic(&d.join("tmp"), &kp, &keyring_bytes(&k), 0o600)
                .await
                .map_err(|e| io_err(&kp.display().to_string(), e))?;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&kp, std::fs::Permissions::from_mode(0o600));
        }
        *self.keyring.get_mut() = k;
        Ok(())
    }

    /// The next commit generation (a counter resumed above the highest one on disk).
    pub(crate) fn next_generation(&self) -> u64 {
        self.generation.fetch_add(1, Ordering::SeqCst)
    }

    /// The lock that serializes commits to one key (striped).
    pub(crate) async fn key_lock(&self, bucket: &str, key: &str) -> MutexGuard<'_, ()> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (bucket, key).hash(&mut h);
        self.stripes[(h.finish() as usize) % STRIPES].lock().await
    }

    /// The object at `bucket`/`key` now (`Err` when the bucket does not exist).
    pub(crate) async fn current(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<Option<Arc<Object>>, CommitError> {
        let b = self.buckets.read().await;
        let bk = b.get(bucket).ok_or(CommitError::NoSuchBucket)?;
        Ok(bk.objects.get(key).cloned())
    }

    // ---- blobs ----

    /// A writer for a new object blob, protected as `sse` says.
    pub(crate) async fn object_writer(
        &self,
        sse: Option<&SseRecord>,
    ) -> Result<BlobWriter, String> {
        let file = self.dir.as_ref().map(|d| {
            let id = keys::random_hex(16);
            (
                self.disk.clone(),
                join(d, &["data", &id[..2], &format!("{id}.blob")]),
            )
        });
        self.writer(sse, file).await
    }

    /// A writer for a part of upload `id`.
    pub(crate) async fn part_writer(
        &self,
        sse: Option<&SseRecord>,
        upload_id: &str,
        part: u32,
        generation: u64,
    ) -> Result<BlobWriter, String> {
        let file = self.dir.as_ref().map(|d| {
            (
                self.disk.clone(),
                join(
                    d,
                    &[
                        "uploads",
                        upload_id,
                        &format!("part-{part:05}-{generation:020}.blob"),
                    ],
                ),
            )
        });
        self.writer(sse, file).await
    }

    async fn writer(
        &self,
        sse: Option<&SseRecord>,
        file: Option<(Disk, PathBuf)>,
    ) -> Result<BlobWriter, String> {
        if let Some((disk, p)) = &file
            && let Some(parent) = p.parent()
        {
            disk.create_dir_all(parent)
                .await
                .map_err(|e| io_err("mkdir", e))?;
        }
        let keyring = self.keyring.read().await;
        let (alg, wrapper) = SseRecord::protection(sse, &keyring);
        BlobWriter::new(&keyring, alg, wrapper, file).await
    }

    // ---- objects ----

    fn manifest_path(&self, bucket: &str, key: &str, generation: u64) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| {
            let h = key_hash(key);
            join(
                d,
                &[
                    "objects",
                    bucket,
                    &h[..2],
                    &format!("{h}-{generation:020}.json"),
                ],
            )
        })
    }

    fn relative(&self, p: &Path) -> String {
        let d = self.dir.as_ref().expect("disk store");
        p.strip_prefix(d)
            .unwrap_or(p)
            .to_string_lossy()
            .into_owned()
    }

    /// Writes a manifest into place: `Err(Io)` when nothing changed on disk, `Err(Unsure)`
    /// when it is in place but its directory could not be fsynced.
    async fn write_manifest(&self, path: &Path, m: &Manifest) -> Result<(), CommitError> {
        if let Some(parent) = path.parent() {
            self.disk
                .create_dir_all(parent)
                .await
                .map_err(|e| CommitError::Io(io_err("mkdir", e)))?;
        }
        let bytes = serde_json::to_vec(m).map_err(|e| CommitError::Io(e.to_string()))?;
        self.disk
            .write_atomic(&self.tmp_dir(), path, &bytes, 0o600)
            .await
            .map_err(|e| {
                let msg = io_err("write manifest", &e);
                if e.renamed {
                    CommitError::Unsure(msg)
                } else {
                    CommitError::Io(msg)
                }
            })
    }

    /// Commits an object made of `blobs`: checks `guard` and installs it atomically with
    /// respect to every other commit to that key. On disk the manifest's rename is the
    /// commit point. On `Err` nothing changed, and the blobs are the caller's.
    pub(crate) async fn commit(
        &self,
        mut meta: ObjectMeta,
        blobs: Vec<Arc<Blob>>,
        guard: Guard,
    ) -> Result<Arc<Object>, CommitError> {
        let _k = self.key_lock(&meta.bucket, &meta.key).await;
        let current = self.current(&meta.bucket, &meta.key).await?;
        match guard {
            Guard::None => {}
            Guard::Absent if current.is_some() => return Err(CommitError::Exists),
            Guard::Absent => {}
            Guard::Generation(want) => {
                if current.as_ref().map(|c| c.meta.generation) != want {
                    return Err(CommitError::Moved {
                        size: current.as_ref().map_or(0, |c| c.meta.size),
                    });
                }
            }
            Guard::Unchanged(g) => {
                if current.as_ref().map(|c| c.meta.generation) != Some(g) {
                    return Err(CommitError::Changed);
                }
            }
        }
        meta.generation = self.next_generation();
        let manifest = self.manifest_path(&meta.bucket, &meta.key, meta.generation);
        let mut unsure = None;
        if let Some(path) = &manifest {
            let doc = Manifest::Object {
                meta: Box::new(meta.clone()),
                blobs: blobs
                    .iter()
                    .map(|b| ManifestBlob {
                        path: self.relative(b.path().expect("a disk store's blobs are files")),
                        info: b.info.clone(),
                    })
                    .collect(),
            };
            match self.write_manifest(path, &doc).await {
                Ok(()) => {}
                // In place: it is the object now, acknowledged or not.
                Err(CommitError::Unsure(e)) => unsure = Some(e),
                Err(e) => return Err(e),
            }
        }
        let obj = Arc::new(Object {
            meta,
            blobs,
            manifest,
        });
        let old = {
            let mut b = self.buckets.write().await;
            match b.get_mut(&obj.meta.bucket) {
                Some(bk) => bk.objects.insert(obj.meta.key.clone(), obj.clone()),
                None => {
                    drop(b);
                    if let Some(p) = &obj.manifest {
                        let _ = self.disk.remove_file(p).await;
                    }
                    return Err(CommitError::NoSuchBucket);
                }
            }
        };
        if let Some(old) = old {
            self.retire(&old, Some(&obj)).await;
        }
        match unsure {
            Some(e) => Err(CommitError::Unsure(e)),
            None => Ok(obj),
        }
    }

    /// Forgets a replaced or deleted object: its blobs go once no reader holds them, its
    /// manifest at once (if that fails, the newer manifest or tombstone still wins at start).
    async fn retire(&self, old: &Object, new: Option<&Object>) -> bool {
        for b in &old.blobs {
            if new.is_none_or(|n| !n.blobs.iter().any(|x| Arc::ptr_eq(x, b))) {
                b.doom();
            }
        }
        match &old.manifest {
            Some(p) => {
                let ok = self.disk.remove_file(p).await.is_ok();
                ok && match p.parent() {
                    Some(dir) => self.disk.sync_dir(dir).await.is_ok(),
                    None => true,
                }
            }
            None => true,
        }
    }

    /// Deletes an object (a missing one is not an error). On disk a tombstone of a new
    /// generation is the commit point; it is removed once the older manifest is gone.
    pub(crate) async fn delete(&self, bucket: &str, key: &str) -> Result<bool, CommitError> {
        let _k = self.key_lock(bucket, key).await;
        let Some(current) = self.current(bucket, key).await? else {
            return Ok(false);
        };
        let generation = self.next_generation();
        let tombstone = self.manifest_path(bucket, key, generation);
        let mut unsure = None;
        if let Some(path) = &tombstone {
            let doc = Manifest::Tombstone {
                bucket: bucket.to_owned(),
                key: key.to_owned(),
                generation,
            };
            match self.write_manifest(path, &doc).await {
                Ok(()) => {}
                Err(CommitError::Unsure(e)) => unsure = Some(e),
                Err(e) => return Err(e),
            }
        }
        {
            let mut b = self.buckets.write().await;
            if let Some(bk) = b.get_mut(bucket) {
                bk.objects.remove(key);
            }
        }
        if self.retire(&current, None).await
            && unsure.is_none()
            && let Some(p) = &tombstone
        {
            let _ = self.disk.remove_file(p).await;
        }
        match unsure {
            Some(e) => Err(CommitError::Unsure(e)),
            None => Ok(true),
        }
    }

    // ---- buckets ----

    /// Applies `change` to the bucket table and makes it durable; on failure nothing
    /// changes, in memory or on disk.
    pub(crate) async fn update_buckets<T>(
        &self,
        change: impl FnOnce(&mut BTreeMap<String, BucketMeta>) -> Result<T, crate::error::OssErr>,
    ) -> Result<T, crate::error::OssErr> {
        let _m = self.meta_lock.lock().await;
        let mut b = self.buckets.write().await;
        let mut metas: BTreeMap<String, BucketMeta> =
            b.iter().map(|(k, v)| (k.clone(), v.meta.clone())).collect();
        let out = change(&mut metas)?;
        let mut unsure = None;
        if let Some(d) = &self.dir {
            let st = StateFile {
                buckets: metas.values().cloned().collect(),
            };
            let bytes = serde_json::to_vec_pretty(&st).expect("state serializes");
            if let Err(e) = self
                .disk
                .write_atomic(&d.join("tmp"), &d.join("state.json"), &bytes, 0o600)
                .await
            {
                let err = crate::error::OssErr::internal(io_err("write state.json", &e));
                if !e.renamed {
                    return Err(err);
                }
                // In place (not durable for sure): memory follows the disk.
                unsure = Some(err);
            }
        }
        b.retain(|name, _| metas.contains_key(name));
        for (name, meta) in metas {
            match b.get_mut(&name) {
                Some(bk) => bk.meta = meta,
                None => {
                    b.insert(
                        name,
                        Bucket {
                            meta,
                            objects: BTreeMap::new(),
                        },
                    );
                }
            }
        }
        match unsure {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }

    /// Adds a master key version and makes it durable; on failure the keyring is as it was.
    pub(crate) async fn rotate_master_key(&self) -> Result<u32, String> {
        let _m = self.meta_lock.lock().await;
        let mut k = self.keyring.write().await;
        let mut next = k.clone();
        let v = next.rotate_master();
        if let Some(d) = &self.dir
            && let Err(e) = self
                .disk
                .write_atomic(
                    &d.join("tmp"),
                    &d.join("keys.json"),
                    &keyring_bytes(&next),
                    0o600,
                )
                .await
        {
            if e.renamed {
                // The new keyring is in place: memory follows the disk.
                *k = next;
            }
            return Err(io_err("write keys.json", e));
        }
        *k = next;
        Ok(v)
    }

    // ---- uploads ----

    /// Records a new upload durably (on disk `uploads/<id>/upload.json`).
    pub(crate) async fn create_upload(&self, meta: UploadMeta) -> Result<(), String> {
        if let Some(d) = &self.dir {
            let udir = join(d, &["uploads", &meta.upload_id]);
            self.disk
                .create_dir_all(&udir)
                .await
                .map_err(|e| io_err("mkdir", e))?;
            self.disk
                .sync_dir(&d.join("uploads"))
                .await
                .map_err(|e| io_err("fsync uploads", e))?;
            let bytes = serde_json::to_vec(&meta).expect("upload serializes");
            if let Err(e) = self
                .disk
                .write_atomic(&d.join("tmp"), &udir.join("upload.json"), &bytes, 0o600)
                .await
            {
                if !e.renamed {
                    self.disk.remove_empty_dir(&udir).await;
                    return Err(io_err("write upload.json", e));
                }
                // In place: the upload exists (unacknowledged); ListMultipartUploads and
                // abort_incomplete_uploads find it.
                self.uploads.write().await.insert(Arc::new(Upload {
                    meta,
                    state: Mutex::new(UploadState::default()),
                }));
                return Err(io_err("write upload.json", e));
            }
        }
        self.uploads.write().await.insert(Arc::new(Upload {
            meta,
            state: Mutex::new(UploadState::default()),
        }));
        Ok(())
    }

    /// Forgets a closed upload and dooms its parts, except those in `keep` (now an object's).
    /// On disk its `upload.json` goes first: with `strict` (an abort, whose commit point
    /// that is) a failure changes nothing and is returned; otherwise (a completion, already
    /// committed by the object's manifest) it is returned after the upload is forgotten, and
    /// the next start sees from the manifest that the upload was completed.
    pub(crate) async fn close_upload(
        &self,
        up: &Upload,
        keep: &[Arc<Blob>],
        strict: bool,
    ) -> Result<(), String> {
        let mut result = Ok(());
        if let Some(d) = &self.dir {
            let udir = join(d, &["uploads", &up.meta.upload_id]);
            let removed = async {
                self.disk.remove_file(&udir.join("upload.json")).await?;
                self.disk.sync_dir(&udir).await
            }
            .await;
            if let Err(e) = removed {
                if strict {
                    return Err(io_err("remove upload.json", e));
                }
                result = Err(io_err("remove upload.json", e));
            }
        }
        self.uploads.write().await.remove(&up.meta.upload_id);
        let st = up.state.lock().await;
        for p in st.parts.values() {
            if !keep.iter().any(|k| Arc::ptr_eq(k, &p.blob)) {
                p.blob.doom();
            }
        }
        result
    }

    /// Removes an upload's directory once its files are gone (best effort).
    pub(crate) async fn tidy_upload_dir(&self, upload_id: &str) {
        if let Some(d) = &self.dir {
            self.disk
                .remove_empty_dir(&join(d, &["uploads", upload_id]))
                .await;
        }
    }
}

fn keyring_bytes(k: &Keyring) -> Vec<u8> {
    serde_json::to_vec_pretty(k).expect("keyring serializes")
}

async fn load_state(d: &Path) -> Result<Vec<BucketMeta>, String> {
    let sp = d.join("state.json");
    match tokio::fs::read(&sp).await {
        Ok(b) => serde_json::from_slice::<StateFile>(&b)
            .map(|s| s.buckets)
            .map_err(|e| {
                format!(
                    "{}: {e}; refusing to start rather than lose the buckets it lists",
                    sp.display()
                )
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(io_err(&sp.display().to_string(), e)),
    }
}

/// Moves an unreadable file to `lost+found/` (never deletes it).
async fn set_aside(d: &Path, path: &Path) {
    let lf = d.join("lost+found");
    let _ = tokio::fs::create_dir_all(&lf).await;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let _ = tokio::fs::rename(path, lf.join(format!("{}-{name}", keys::random_hex(4)))).await;
}

async fn sync_dirs_of(disk: &Disk, files: &[PathBuf]) {
    let dirs: HashSet<&Path> = files.iter().filter_map(|p| p.parent()).collect();
    for d in dirs {
        let _ = disk.sync_dir(d).await;
    }
}

/// Every regular file below `dir`, recursively (missing: none).
pub(crate) async fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(mut rd) = tokio::fs::read_dir(&d).await else {
            continue;
        };
        while let Ok(Some(e)) = rd.next_entry().await {
            match e.file_type().await {
                Ok(t) if t.is_dir() => stack.push(e.path()),
                Ok(t) if t.is_file() => out.push(e.path()),
                _ => {}
            }
        }
    }
    out
}
