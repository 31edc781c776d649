//! The at-rest object format: AEAD-sealed fixed-size chunks followed by a JSON trailer.
//!
//! ```text
//! chunk_0 ‖ … ‖ chunk_{n-1} ‖ trailer JSON ‖ trailer length (u32 LE) ‖ "OSSEMU01"
//! ```
//!
//! Each chunk is `seal(data key, nonce = prefix ‖ index, aad = index ‖ last-flag)` of up to
//! `chunk_size` plaintext bytes, so a range read decrypts only the chunks it touches and a
//! truncated or reordered blob fails to open. The data key is fresh per blob and stored only
//! wrapped (by a master key version or a KMS key). Plaintext is never written anywhere.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use oss_sse_core::crc::Crc64;
use oss_sse_core::crypto::Md5Hasher;

use crate::keys::{self, CipherAlg, DataCipher, Keyring, TAG_LEN, WrappedKey, Wrapper};

pub(crate) const CHUNK_SIZE: usize = 64 * 1024;
const MAGIC: &[u8; 8] = b"OSSEMU01";

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

/// How the blob's chunks are protected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CryptoRecord {
    pub(crate) cipher: CipherAlg,
    pub(crate) wrapped_key: WrappedKey,
    pub(crate) nonce_prefix: String,
    pub(crate) chunk_size: u32,
    pub(crate) chunks: u64,
}

impl CryptoRecord {
    /// Filled in by [`BlobWriter::finish`].
    pub(crate) fn placeholder() -> Self {
        Self {
            cipher: CipherAlg::Aes256Gcm,
            wrapped_key: WrappedKey {
                wrapper: Wrapper::Master { version: 0 },
                blob: String::new(),
            },
            nonce_prefix: String::new(),
            chunk_size: 0,
            chunks: 0,
        }
    }
}

/// Everything known about a stored blob (object or part).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Record {
    pub(crate) bucket: String,
    pub(crate) key: String,
    pub(crate) size: u64,
    /// Upper-case hex MD5 (or the multipart form), without quotes.
    pub(crate) etag: String,
    pub(crate) md5: String,
    pub(crate) crc64: u64,
    pub(crate) content_type: Option<String>,
    pub(crate) metadata: Vec<(String, String)>,
    pub(crate) sse: Option<SseRecord>,
    pub(crate) object_type: String,
    pub(crate) last_modified: i64,
    /// Commit order: a larger generation replaces a smaller one (last writer wins).
    pub(crate) generation: u64,
    pub(crate) crypto: CryptoRecord,
}

/// Where a blob's bytes are.
#[derive(Debug, Clone)]
pub(crate) enum BlobRef {
    /// In memory: the sealed chunks as they were sealed (each `chunk size + tag` bytes, the
    /// last one shorter), then the trailer. Kept apart so sealing never copies or regrows
    /// one big buffer.
    Mem(Arc<Vec<Vec<u8>>>),
    File(PathBuf),
    /// A completed multipart upload: its parts in order, each a sealed blob of its own (as on
    /// OSS, completing does not rewrite the data), and on disk the manifest that lists them.
    Parts {
        parts: Arc<Vec<(Record, Self)>>,
        manifest: Option<PathBuf>,
    },
}

/// Streams plaintext into a sealed blob.
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
    File { file: tokio::fs::File, tmp: PathBuf },
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

impl BlobWriter {
    /// A writer protected by `wrapper` with a fresh data key. `tmp` = `Some(path)` writes to disk.
    pub(crate) async fn new(
        keyring: &Keyring,
        alg: CipherAlg,
        wrapper: Wrapper,
        tmp: Option<PathBuf>,
    ) -> Result<Self, String> {
        let mut dk = vec![0u8; alg.key_len()];
        keys::random(&mut dk);
        let wrapped = keyring.wrap(wrapper, &dk)?;
        let cipher = DataCipher::new(alg, &dk)?;
        let mut prefix = [0u8; 4];
        keys::random(&mut prefix);
        let sink = match tmp {
            None => Sink::Mem(Vec::new()),
            Some(tmp) => Sink::File {
                file: tokio::fs::File::create(&tmp)
                    .await
                    .map_err(|e| format!("create {}: {e}", tmp.display()))?,
                tmp,
            },
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
        let mut buf =
            std::mem::replace(&mut self.pending, Vec::with_capacity(CHUNK_SIZE + TAG_LEN));
        self.cipher.seal(
            nonce(self.prefix, self.index),
            &aad(self.index, last),
            &mut buf,
        );
        self.index += 1;
        self.emit(buf).await
    }

    async fn emit(&mut self, bytes: Vec<u8>) -> Result<(), String> {
        match &mut self.sink {
            Sink::Mem(v) => {
                v.push(bytes);
                Ok(())
            }
            Sink::File { file, .. } => file
                .write_all(&bytes)
                .await
                .map_err(|e| format!("write: {e}")),
        }
    }

    /// Seals the last chunk and the trailer. `fill` completes the record from the digests.
    /// For disk blobs the file is fsynced and renamed to `dest` (atomic replace).
    pub(crate) async fn finish(
        mut self,
        fill: impl FnOnce(Digests) -> Record,
        dest: Option<&Path>,
    ) -> Result<(Record, BlobRef), String> {
        self.flush_chunk(true).await?;
        let digests = self.digests();
        let mut record = fill(digests);
        record.crypto = CryptoRecord {
            cipher: self.alg,
            wrapped_key: self.wrapped.clone(),
            nonce_prefix: oss_sse_core::crypto::to_hex(&self.prefix),
            chunk_size: CHUNK_SIZE as u32,
            chunks: self.index,
        };
        let trailer = serde_json::to_vec(&record).map_err(|e| e.to_string())?;
        let mut tail = trailer;
        tail.extend_from_slice(&(tail.len() as u32).to_le_bytes());
        tail.extend_from_slice(MAGIC);
        self.emit(tail).await?;
        match self.sink {
            Sink::Mem(v) => Ok((record, BlobRef::Mem(Arc::new(v)))),
            Sink::File { mut file, tmp } => {
                file.flush().await.map_err(|e| e.to_string())?;
                file.sync_all().await.map_err(|e| format!("fsync: {e}"))?;
                drop(file);
                let dest = dest.ok_or("disk blob needs a destination")?;
                if let Some(parent) = dest.parent() {
                    tokio::fs::create_dir_all(parent)
                        .await
                        .map_err(|e| e.to_string())?;
                }
                tokio::fs::rename(&tmp, dest)
                    .await
                    .map_err(|e| format!("rename: {e}"))?;
                if let Some(parent) = dest.parent()
                    && let Ok(d) = tokio::fs::File::open(parent).await
                {
                    let _ = d.sync_all().await;
                }
                Ok((record, BlobRef::File(dest.to_path_buf())))
            }
        }
    }

    /// Throws the partial blob away (failed or rejected upload).
    pub(crate) async fn discard(self) {
        if let Sink::File { file, tmp } = self.sink {
            drop(file);
            let _ = tokio::fs::remove_file(tmp).await;
        }
    }
}

/// Digests of the plaintext written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Digests {
    pub(crate) size: u64,
    pub(crate) md5: [u8; 16],
    pub(crate) crc64: u64,
}

/// Reads a record back from a blob's trailer (used at startup).
pub(crate) async fn read_record(path: &Path) -> Result<Record, String> {
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
    serde_json::from_slice(&buf).map_err(|e| e.to_string())
}

/// Decrypts ranges of a blob.
pub(crate) struct BlobReader {
    cipher: DataCipher,
    prefix: [u8; 4],
    chunk_size: u64,
    chunks: u64,
    size: u64,
    source: Source,
}

enum Source {
    Mem(Arc<Vec<Vec<u8>>>),
    File(tokio::fs::File),
}

impl BlobReader {
    pub(crate) async fn open(
        blob: &BlobRef,
        record: &Record,
        keyring: &Keyring,
    ) -> Result<Self, String> {
        let dk = keyring.unwrap(&record.crypto.wrapped_key)?;
        let cipher = DataCipher::new(record.crypto.cipher, &dk)?;
        let p = hex4(&record.crypto.nonce_prefix).ok_or("corrupt nonce prefix")?;
        let source = match blob {
            BlobRef::Mem(v) => Source::Mem(v.clone()),
            BlobRef::Parts { .. } => {
                return Err("a multipart object is read through ObjectReader".into());
            }
            BlobRef::File(path) => Source::File(
                tokio::fs::File::open(path)
                    .await
                    .map_err(|e| e.to_string())?,
            ),
        };
        Ok(Self {
            cipher,
            prefix: p,
            chunk_size: u64::from(record.crypto.chunk_size),
            chunks: record.crypto.chunks,
            size: record.size,
            source,
        })
    }

    /// Plaintext of chunk `index`.
    pub(crate) async fn chunk(&mut self, index: u64) -> Result<Bytes, String> {
        if index >= self.chunks {
            return Err("chunk index out of range".into());
        }
        let stride = self.chunk_size + TAG_LEN as u64;
        let start = index * stride;
        let plain_len = if index + 1 == self.chunks {
            self.size - index * self.chunk_size
        } else {
            self.chunk_size
        };
        let len = (plain_len + TAG_LEN as u64) as usize;
        let mut buf = match &mut self.source {
            Source::Mem(chunks) => {
                let i = usize::try_from(index).map_err(|_| "chunk index overflow")?;
                match chunks.get(i) {
                    Some(c) if c.len() == len => c.clone(),
                    _ => return Err("blob truncated".into()),
                }
            }
            Source::File(_) => vec![0u8; len],
        };
        match &mut self.source {
            Source::Mem(_) => {}
            Source::File(f) => {
                f.seek(std::io::SeekFrom::Start(start))
                    .await
                    .map_err(|e| e.to_string())?;
                f.read_exact(&mut buf)
                    .await
                    .map_err(|e| format!("blob truncated: {e}"))?;
            }
        }
        let last = index + 1 == self.chunks;
        let n = self
            .cipher
            .open(nonce(self.prefix, index), &aad(index, last), &mut buf)
            .map_err(|()| format!("chunk {index} failed authentication"))?;
        buf.truncate(n);
        Ok(Bytes::from(buf))
    }

    /// Plaintext bytes `start..end` (exclusive) as a sequence of pieces, chunk by chunk.
    pub(crate) async fn read_piece(&mut self, pos: u64, end: u64) -> Result<Option<Bytes>, String> {
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

/// Reads any stored object: a single blob, or the parts of a multipart object in order.
pub(crate) struct ObjectReader {
    size: u64,
    kind: ReaderKind,
}

enum ReaderKind {
    Single(BlobReader),
    Multi {
        parts: Arc<Vec<(Record, BlobRef)>>,
        offsets: Vec<u64>,
        keyring: Keyring,
        current: Option<(usize, BlobReader)>,
    },
}

impl ObjectReader {
    pub(crate) async fn open(
        blob: &BlobRef,
        record: &Record,
        keyring: &Keyring,
    ) -> Result<Self, String> {
        match blob {
            BlobRef::Parts { parts, .. } => {
                let mut offsets = Vec::with_capacity(parts.len());
                let mut at = 0;
                for (r, _) in parts.iter() {
                    offsets.push(at);
                    at += r.size;
                }
                Ok(Self {
                    size: at,
                    kind: ReaderKind::Multi {
                        parts: parts.clone(),
                        offsets,
                        keyring: keyring.clone(),
                        current: None,
                    },
                })
            }
            single => Ok(Self {
                size: record.size,
                kind: ReaderKind::Single(BlobReader::open(single, record, keyring).await?),
            }),
        }
    }

    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    /// Up to one chunk of plaintext at `pos`, not beyond `end`; `None` at the end.
    pub(crate) async fn read_piece(&mut self, pos: u64, end: u64) -> Result<Option<Bytes>, String> {
        match &mut self.kind {
            ReaderKind::Single(r) => r.read_piece(pos, end).await,
            ReaderKind::Multi {
                parts,
                offsets,
                keyring,
                current,
            } => {
                if pos >= end || pos >= self.size {
                    return Ok(None);
                }
                let idx = offsets.partition_point(|o| *o <= pos) - 1;
                if current.as_ref().is_none_or(|(i, _)| *i != idx) {
                    let (rec, blob) = &parts[idx];
                    *current = Some((idx, BlobReader::open(blob, rec, keyring).await?));
                }
                let (_, reader) = current.as_mut().expect("opened above");
                let base = offsets[idx];
                let seg_end = (base + parts[idx].0.size).min(end);
                reader.read_piece(pos - base, seg_end - base).await
            }
        }
    }
}

/// Copies all plaintext of `reader` into `writer`.
pub(crate) async fn copy_all(
    reader: &mut ObjectReader,
    writer: &mut BlobWriter,
) -> Result<(), String> {
    let mut pos = 0;
    let size = reader.size();
    while let Some(piece) = reader.read_piece(pos, size).await? {
        pos += piece.len() as u64;
        writer.write(&piece).await?;
    }
    Ok(())
}
