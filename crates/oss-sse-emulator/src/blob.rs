//! The at-rest format of object data: AEAD-sealed fixed-size chunks, then a JSON trailer.
//!
//! ```text
//! chunk_0 ‖ … ‖ chunk_{n-1} ‖ trailer JSON ‖ trailer length (u32 LE) ‖ "OSSEMU02"
//! ```
//!
//! Each chunk is `seal(data key, nonce = prefix ‖ index, aad = index ‖ last-flag)` of up to
//! `chunk_size` plaintext bytes, so a range read decrypts only the chunks it touches and a
//! truncated or reordered blob fails to open. The data key is fresh per blob and stored only
//! wrapped (by a master key version or a KMS key). Plaintext is never written anywhere.
//!
//! A blob is immutable once finished. An object is an ordered list of blobs (one for a
//! PutObject, one per part for a multipart upload), named by the object's manifest
//! (`store.rs`). A [`Blob`] removes its file when it is both *doomed* (no committed state
//! names it any more) and dropped (no reader holds it), so a read that started always
//! finishes on the bytes it started on.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use oss_sse_core::crc::Crc64;
use oss_sse_core::crypto::Md5Hasher;

use crate::disk::{Disk, DiskFile};
use crate::keys::{self, CipherAlg, DataCipher, Keyring, TAG_LEN, WrappedKey, Wrapper};

pub(crate) const CHUNK_SIZE: usize = 64 * 1024;
const MAGIC: &[u8; 8] = b"OSSEMU02";

/// Declared SSE of an object (what responses echo).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SseRecord {
    pub(crate) algorithm: String,
    pub(crate) key_id: Option<String>,
    pub(crate) data_encryption: Option<String>,
}

impl SseRecord {
    /// The chunk cipher and key wrapper this SSE setting implies.
    pub(crate) fn protection(sse: Option<&Self>, keyring: &Keyring) -> (CipherAlg, Wrapper) {
        match sse {
            Some(s) if s.algorithm == "KMS" => (
                if s.data_encryption.as_deref() == Some("SM4") {
                    CipherAlg::Sm4Gcm
                } else {
                    CipherAlg::Aes256Gcm
                },
                Wrapper::Kms {
                    key_id: s
                        .key_id
                        .clone()
                        .unwrap_or_else(|| keyring.default_kms_key_id.clone()),
                },
            ),
            Some(s) if s.algorithm == "SM4" => (
                CipherAlg::Sm4Gcm,
                Wrapper::Master {
                    version: keyring.master_version(),
                },
            ),
            _ => (
                CipherAlg::Aes256Gcm,
                Wrapper::Master {
                    version: keyring.master_version(),
                },
            ),
        }
    }
}

/// How a blob's chunks are protected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CryptoRecord {
    pub(crate) cipher: CipherAlg,
    pub(crate) wrapped_key: WrappedKey,
    pub(crate) nonce_prefix: String,
    pub(crate) chunk_size: u32,
    pub(crate) chunks: u64,
}

/// What a finished blob holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct BlobInfo {
    pub(crate) size: u64,
    /// Lower-case hex MD5 of the plaintext.
    pub(crate) md5: String,
    pub(crate) crc64: u64,
    pub(crate) crypto: CryptoRecord,
}

/// A part of a multipart upload, as its blob's trailer records it (so that a restart finds
/// the upload's acknowledged parts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PartInfo {
    pub(crate) upload_id: String,
    pub(crate) part_number: u32,
    pub(crate) generation: u64,
    pub(crate) last_modified: i64,
    /// The part's ETag when it is not its MD5 (a whole-object UploadPartCopy takes the
    /// source's ETag).
    #[serde(default)]
    pub(crate) etag: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Trailer {
    info: BlobInfo,
    part: Option<PartInfo>,
}

/// Where a blob's sealed bytes are.
#[derive(Debug)]
pub(crate) enum BlobData {
    /// The sealed chunks as they were sealed (each `chunk size + tag` bytes, the last one
    /// shorter), kept apart so sealing never copies or regrows one big buffer.
    Mem(Vec<Vec<u8>>),
    /// A file under the data directory.
    File(PathBuf),
}

/// A finished, immutable blob.
#[derive(Debug)]
pub(crate) struct Blob {
    pub(crate) info: BlobInfo,
    pub(crate) data: BlobData,
    doomed: AtomicBool,
    disk: Option<Disk>,
}

impl Blob {
    /// A blob found on disk at startup.
    pub(crate) fn on_disk(info: BlobInfo, path: PathBuf, disk: Disk) -> Self {
        Self {
            info,
            data: BlobData::File(path),
            doomed: AtomicBool::new(false),
            disk: Some(disk),
        }
    }

    /// No committed state names this blob any more: its file goes when the last reader
    /// lets go of it.
    pub(crate) fn doom(&self) {
        self.doomed.store(true, Ordering::SeqCst);
    }

    pub(crate) fn path(&self) -> Option<&Path> {
        match &self.data {
            BlobData::File(p) => Some(p),
            BlobData::Mem(_) => None,
        }
    }
}

impl Drop for Blob {
    fn drop(&mut self) {
        if self.doomed.load(Ordering::SeqCst)
            && let (BlobData::File(path), Some(disk)) = (&self.data, &self.disk)
        {
            // If this fails (or the disk is frozen) the file is an orphan that the next
            // start reclaims: no committed state names it.
            let _ = disk.remove_file_now(path);
        }
    }
}

/// Streams plaintext into a new sealed blob.
pub(crate) struct BlobWriter {
    cipher: DataCipher,
    alg: CipherAlg,
    wrapped: WrappedKey,
    prefix: [u8; 4],
    pending: Vec<u8>,
    index: u64,
    sink: Sink,
    md5: Md5Hasher,
    crc: Crc64,
}

enum Sink {
    Mem(Vec<Vec<u8>>),
    File {
        file: Option<DiskFile>,
        path: PathBuf,
        disk: Disk,
    },
    Done,
}

fn nonce(prefix: [u8; 4], index: u64) -> [u8; 12] {
    let mut n = [0u8; 12];
    n[..4].copy_from_slice(&prefix);
    n[4..].copy_from_slice(&index.to_be_bytes());
    n
}

fn aad(index: u64, last: bool) -> [u8; 9] {
    let mut a = [0u8; 9];
    a[..8].copy_from_slice(&index.to_be_bytes());
    a[8] = u8::from(last);
    a
}

/// Digests of the plaintext written so far.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Digests {
    pub(crate) size: u64,
    pub(crate) md5: [u8; 16],
    pub(crate) crc64: u64,
}

impl BlobWriter {
    /// A writer protected by `wrapper` with a fresh data key; `file` = `Some((disk, path))`
    /// writes to that file (mode 0600), else to memory.
    pub(crate) async fn new(
        keyring: &Keyring,
        alg: CipherAlg,
        wrapper: Wrapper,
        file: Option<(Disk, PathBuf)>,
    ) -> Result<Self, String> {
        let mut dk = vec![0u8; alg.key_len()];
        keys::random(&mut dk);
        let wrapped = keyring.wrap(wrapper, &dk)?;
        let cipher = DataCipher::new(alg, &dk)?;
        let mut prefix = [0u8; 4];
        keys::random(&mut prefix);
        let sink = match file {
            None => Sink::Mem(Vec::new()),
            Some((disk, path)) => {
                let file = disk
                    .create(&path, 0o600)
                    .await
                    .map_err(|e| format!("create {}: {e}", path.display()))?;
                Sink::File {
                    file: Some(file),
                    path,
                    disk,
                }
            }
        };
        Ok(Self {
            cipher,
            alg,
            wrapped,
            prefix,
            pending: Vec::with_capacity(CHUNK_SIZE + TAG_LEN),
            index: 0,
            sink,
            md5: Md5Hasher::new(),
            crc: Crc64::new(),
        })
    }

    /// Digests of everything written so far.
    pub(crate) fn digests(&self) -> Digests {
        Digests {
            size: self.crc.len(),
            md5: self.md5.clone().finalize(),
            crc64: self.crc.value(),
        }
    }

    /// Adds plaintext.
    pub(crate) async fn write(&mut self, mut data: &[u8]) -> Result<(), String> {
        self.md5.update(data);
        self.crc.update(data);
        while !data.is_empty() {
            // A full chunk is sealed only once more data arrives: the last chunk is sealed
            // (with the last flag) by `finish`.
            if self.pending.len() == CHUNK_SIZE {
                self.flush_chunk(false).await?;
            }
            let take = (CHUNK_SIZE - self.pending.len()).min(data.len());
            self.pending.extend_from_slice(&data[..take]);
            data = &data[take..];
        }
        Ok(())
    }

    async fn flush_chunk(&mut self, last: bool) -> Result<(), String> {
        let mut buf = if last {
            std::mem::take(&mut self.pending)
        } else {
            std::mem::replace(&mut self.pending, Vec::with_capacity(CHUNK_SIZE + TAG_LEN))
        };
        self.cipher.seal(
            nonce(self.prefix, self.index),
            &aad(self.index, last),
            &mut buf,
        );
        self.index += 1;
        if matches!(self.sink, Sink::Mem(_)) && buf.capacity() - buf.len() > 64 {
            // The last chunk of an object kept in memory: without this, every small object
            // would hold a whole chunk buffer (64 KiB) for as long as it exists.
            buf.shrink_to_fit();
        }
        self.emit(buf).await
    }

    async fn emit(&mut self, bytes: Vec<u8>) -> Result<(), String> {
        match &mut self.sink {
            Sink::Mem(v) => {
                v.push(bytes);
                Ok(())
            }
            Sink::File { file: Some(f), .. } => {
                f.write_all(&bytes).await.map_err(|e| format!("write: {e}"))
            }
            _ => Err("the blob is already finished".into()),
        }
    }

    /// Seals the last chunk and the trailer. A file is fsynced with its directory before
    /// this returns: the blob is durable, though no committed state names it yet. On error
    /// the file is removed (by this writer's drop).
    pub(crate) async fn finish(mut self, part: Option<PartInfo>) -> Result<Blob, String> {
        self.flush_chunk(true).await?;
        let d = self.digests();
        let info = BlobInfo {
            size: d.size,
            md5: oss_sse_core::crypto::to_hex(&d.md5),
            crc64: d.crc64,
            crypto: CryptoRecord {
                cipher: self.alg,
                wrapped_key: self.wrapped.clone(),
                nonce_prefix: oss_sse_core::crypto::to_hex(&self.prefix),
                chunk_size: CHUNK_SIZE as u32,
                chunks: self.index,
            },
        };
        if matches!(self.sink, Sink::File { .. }) {
            let mut tail = serde_json::to_vec(&Trailer {
                info: info.clone(),
                part,
            })
            .map_err(|e| e.to_string())?;
            tail.extend_from_slice(&(tail.len() as u32).to_le_bytes());
            tail.extend_from_slice(MAGIC);
            self.emit(tail).await?;
            let Sink::File { file, path, disk } = &mut self.sink else {
                unreachable!("checked above")
            };
            let mut f = file.take().ok_or("the blob file is closed")?;
            f.sync().await.map_err(|e| format!("fsync: {e}"))?;
            drop(f);
            if let Some(dir) = path.parent() {
                disk.sync_dir(dir)
                    .await
                    .map_err(|e| format!("fsync dir: {e}"))?;
            }
        }
        // From here on the file belongs to the blob.
        let (data, disk) = match std::mem::replace(&mut self.sink, Sink::Done) {
            Sink::Mem(v) => (BlobData::Mem(v), None),
            Sink::File { path, disk, .. } => (BlobData::File(path), Some(disk)),
            Sink::Done => return Err("the blob is already finished".into()),
        };
        Ok(Blob {
            info,
            data,
            doomed: AtomicBool::new(false),
            disk,
        })
    }
}

impl Drop for BlobWriter {
    /// A writer dropped before its blob exists (an error, a client that went away, a
    /// cancelled request) removes its file at once.
    fn drop(&mut self) {
        if let Sink::File { file, path, disk } = &mut self.sink {
            file.take();
            let _ = disk.remove_file_now(path);
        }
    }
}

/// Reads a blob's trailer (at startup, for the parts of open uploads).
pub(crate) async fn read_trailer(path: &Path) -> Result<(BlobInfo, Option<PartInfo>), String> {
    let mut f = tokio::fs::File::open(path)
        .await
        .map_err(|e| e.to_string())?;
    let len = f.metadata().await.map_err(|e| e.to_string())?.len();
    if len < 12 {
        return Err("blob too short".into());
    }
    f.seek(std::io::SeekFrom::Start(len - 12))
        .await
        .map_err(|e| e.to_string())?;
    let mut tail = [0u8; 12];
    f.read_exact(&mut tail).await.map_err(|e| e.to_string())?;
    if &tail[4..] != MAGIC {
        return Err("not an emulator blob".into());
    }
    let tlen = u64::from(u32::from_le_bytes(tail[..4].try_into().expect("4 bytes")));
    if tlen + 12 > len {
        return Err("corrupt trailer length".into());
    }
    f.seek(std::io::SeekFrom::Start(len - 12 - tlen))
        .await
        .map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; tlen as usize];
    f.read_exact(&mut buf).await.map_err(|e| e.to_string())?;
    let t: Trailer = serde_json::from_slice(&buf).map_err(|e| e.to_string())?;
    // The sealed chunks must be all there, or the blob is torn.
    let want = t.info.crypto.chunks * TAG_LEN as u64 + t.info.size;
    if want + tlen + 12 != len {
        return Err("blob length does not match its trailer".into());
    }
    Ok((t.info, t.part))
}

/// Decrypts ranges of one blob.
struct BlobReader {
    cipher: DataCipher,
    prefix: [u8; 4],
    chunk_size: u64,
    chunks: u64,
    size: u64,
    blob: Arc<Blob>,
    file: Option<tokio::fs::File>,
}

impl BlobReader {
    async fn open(blob: Arc<Blob>, keyring: &Keyring) -> Result<Self, String> {
        let c = &blob.info.crypto;
        let dk = keyring.unwrap(&c.wrapped_key)?;
        let cipher = DataCipher::new(c.cipher, &dk)?;
        let prefix = hex4(&c.nonce_prefix).ok_or("corrupt nonce prefix")?;
        let file = match &blob.data {
            BlobData::Mem(_) => None,
            BlobData::File(path) => Some(
                tokio::fs::File::open(path)
                    .await
                    .map_err(|e| format!("open {}: {e}", path.display()))?,
            ),
        };
        Ok(Self {
            cipher,
            prefix,
            chunk_size: u64::from(c.chunk_size),
            chunks: c.chunks,
            size: blob.info.size,
            blob,
            file,
        })
    }

    /// Plaintext of chunk `index`.
    async fn chunk(&mut self, index: u64) -> Result<Bytes, String> {
        if index >= self.chunks {
            return Err("chunk index out of range".into());
        }
        let stride = self.chunk_size + TAG_LEN as u64;
        let plain_len = if index + 1 == self.chunks {
            self.size - index * self.chunk_size
        } else {
            self.chunk_size
        };
        let len = (plain_len + TAG_LEN as u64) as usize;
        let mut buf = match (&self.blob.data, &mut self.file) {
            (BlobData::Mem(chunks), _) => {
                let i = usize::try_from(index).map_err(|_| "chunk index overflow")?;
                match chunks.get(i) {
                    Some(c) if c.len() == len => c.clone(),
                    _ => return Err("blob truncated".into()),
                }
            }
            (BlobData::File(_), Some(f)) => {
                let mut buf = vec![0u8; len];
                f.seek(std::io::SeekFrom::Start(index * stride))
                    .await
                    .map_err(|e| e.to_string())?;
                f.read_exact(&mut buf)
                    .await
                    .map_err(|e| format!("blob truncated: {e}"))?;
                buf
            }
            (BlobData::File(_), None) => return Err("blob file not open".into()),
        };
        let last = index + 1 == self.chunks;
        let n = self
            .cipher
            .open(nonce(self.prefix, index), &aad(index, last), &mut buf)
            .map_err(|()| format!("chunk {index} failed authentication"))?;
        buf.truncate(n);
        Ok(Bytes::from(buf))
    }

    /// Up to one chunk of plaintext at `pos`, not beyond `end`.
    async fn read_piece(&mut self, pos: u64, end: u64) -> Result<Option<Bytes>, String> {
        if pos >= end || pos >= self.size {
            return Ok(None);
        }
        let index = pos / self.chunk_size;
        let chunk = self.chunk(index).await?;
        let off = (pos - index * self.chunk_size) as usize;
        let take = ((end - pos) as usize).min(chunk.len() - off);
        Ok(Some(chunk.slice(off..off + take)))
    }
}

fn hex4(s: &str) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    if s.len() != 8 {
        return None;
    }
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(out)
}

/// Reads an object: its blobs in order, each opened when the read reaches it. Holding the
/// blobs keeps their files alive until the read is done.
pub(crate) struct ObjectReader {
    blobs: Vec<Arc<Blob>>,
    offsets: Vec<u64>,
    size: u64,
    keyring: Keyring,
    current: Option<(usize, BlobReader)>,
}

impl ObjectReader {
    pub(crate) fn new(blobs: Vec<Arc<Blob>>, keyring: Keyring) -> Self {
        let mut offsets = Vec::with_capacity(blobs.len());
        let mut at = 0;
        for b in &blobs {
            offsets.push(at);
            at += b.info.size;
        }
        Self {
            blobs,
            offsets,
            size: at,
            keyring,
            current: None,
        }
    }

    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    /// Up to one chunk of plaintext at `pos`, not beyond `end`; `None` at the end.
    pub(crate) async fn read_piece(&mut self, pos: u64, end: u64) -> Result<Option<Bytes>, String> {
        if pos >= end || pos >= self.size {
            return Ok(None);
        }
        let idx = self.offsets.partition_point(|o| *o <= pos) - 1;
        if self.current.as_ref().is_none_or(|(i, _)| *i != idx) {
            let r = BlobReader::open(self.blobs[idx].clone(), &self.keyring).await?;
            self.current = Some((idx, r));
        }
        let (_, reader) = self.current.as_mut().expect("opened above");
        let base = self.offsets[idx];
        let seg_end = (base + self.blobs[idx].info.size).min(end);
        reader.read_piece(pos - base, seg_end - base).await
    }
}

/// Copies all plaintext of `reader` into `writer`.
pub(crate) async fn copy_all(
    reader: &mut ObjectReader,
    writer: &mut BlobWriter,
) -> Result<(), String> {
    copy_range(reader, writer, 0, reader.size()).await
}

/// Copies plaintext bytes `start..end` of `reader` into `writer`.
pub(crate) async fn copy_range(
    reader: &mut ObjectReader,
    writer: &mut BlobWriter,
    start: u64,
    end: u64,
) -> Result<(), String> {
    let mut pos = start;
    while let Some(piece) = reader.read_piece(pos, end).await? {
        pos += piece.len() as u64;
        writer.write(&piece).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes an in-memory blob holds on the heap for its chunks.
    fn held(blob: &Blob) -> usize {
        match &blob.data {
            BlobData::Mem(chunks) => chunks.iter().map(Vec::capacity).sum(),
            BlobData::File(_) => panic!("not in memory"),
        }
    }

    /// A bucket of a million small objects is a million small blobs: each must hold about
    /// what it stores, not a whole chunk buffer.
    #[tokio::test]
    async fn an_in_memory_blob_holds_what_it_stores() {
        let keyring = Keyring::generate(&[]);
        for size in [0usize, 10, 1000, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 5] {
            let (alg, wrapper) = SseRecord::protection(None, &keyring);
            let mut w = BlobWriter::new(&keyring, alg, wrapper, None).await.unwrap();
            w.write(&vec![7u8; size]).await.unwrap();
            let blob = w.finish(None).await.unwrap();
            let stored = size + TAG_LEN * size.div_ceil(CHUNK_SIZE).max(1);
            assert!(
                held(&blob) <= stored + 64,
                "a {size}-byte object holds {} bytes for {stored} stored",
                held(&blob)
            );
        }
    }
}
