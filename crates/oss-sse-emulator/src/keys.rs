//! Key management: versioned SSE-OSS master keys, emulated KMS keys, per-object data keys,
//! and the chunk AEADs (AES-256-GCM via ring, SM4-GCM via the RustCrypto `sm4` + `aes-gcm`).

use std::collections::BTreeMap;

use aes_gcm::aead::array::Array;
use aes_gcm::aead::consts::U12;
use aes_gcm::{AeadInOut, AesGcm, KeyInit};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};

use oss_sse_core::crypto::to_hex;

pub(crate) const TAG_LEN: usize = 16;

/// Fills `buf` with random bytes from the OS.
pub(crate) fn random(buf: &mut [u8]) {
    SystemRandom::new()
        .fill(buf)
        .expect("the OS random number generator failed");
}

pub(crate) fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    random(&mut b);
    to_hex(&b)
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Which AEAD encrypts an object's chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum CipherAlg {
    /// AES-256-GCM (SSE-OSS AES256, SSE-KMS, and objects without declared SSE).
    #[serde(rename = "AES-256-GCM")]
    Aes256Gcm,
    /// SM4-GCM (SSE-OSS SM4, SSE-KMS with SM4 data encryption).
    #[serde(rename = "SM4-GCM")]
    Sm4Gcm,
}

impl CipherAlg {
    pub(crate) fn key_len(self) -> usize {
        match self {
            Self::Aes256Gcm => 32,
            Self::Sm4Gcm => 16,
        }
    }
}

/// A keyed chunk AEAD.
pub(crate) enum DataCipher {
    Aes(Box<LessSafeKey>),
    Sm4(Box<AesGcm<sm4::Sm4, U12>>),
}

impl DataCipher {
    pub(crate) fn new(alg: CipherAlg, key: &[u8]) -> Result<Self, String> {
        match alg {
            CipherAlg::Aes256Gcm => UnboundKey::new(&AES_256_GCM, key)
                .map(|k| Self::Aes(Box::new(LessSafeKey::new(k))))
                .map_err(|_| "bad AES-256 key length".to_owned()),
            CipherAlg::Sm4Gcm => AesGcm::<sm4::Sm4, U12>::new_from_slice(key)
                .map(|c| Self::Sm4(Box::new(c)))
                .map_err(|_| "bad SM4 key length".to_owned()),
        }
    }

    /// Encrypts `buf` in place and appends the tag.
    pub(crate) fn seal(&self, nonce: [u8; 12], aad: &[u8], buf: &mut Vec<u8>) {
        match self {
            Self::Aes(k) => k
                .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad), buf)
                .expect("AES-GCM seal cannot fail for chunk-sized inputs"),
            Self::Sm4(c) => {
                let tag = c
                    .encrypt_inout_detached(&Array::from(nonce), aad, buf.as_mut_slice().into())
                    .expect("SM4-GCM seal cannot fail for chunk-sized inputs");
                buf.extend_from_slice(&tag);
            }
        }
    }

    /// Decrypts `buf` (ciphertext ‖ tag) in place; returns the plaintext length.
    pub(crate) fn open(&self, nonce: [u8; 12], aad: &[u8], buf: &mut [u8]) -> Result<usize, ()> {
        match self {
            Self::Aes(k) => k
                .open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(aad), buf)
                .map(|p| p.len())
                .map_err(|_| ()),
            Self::Sm4(c) => {
                if buf.len() < TAG_LEN {
                    return Err(());
                }
                let (ct, tag) = buf.split_at_mut(buf.len() - TAG_LEN);
                let tag = Array::try_from(&*tag).map_err(|_| ())?;
                c.decrypt_inout_detached(&Array::from(nonce), aad, ct.into(), &tag)
                    .map_err(|_| ())?;
                Ok(ct.len())
            }
        }
    }
}

/// Who wraps an object's data key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by")]
pub(crate) enum Wrapper {
    /// The emulator's SSE-OSS master key of this version.
    #[serde(rename = "master")]
    Master { version: u32 },
    /// An emulated KMS CMK.
    #[serde(rename = "kms")]
    Kms { key_id: String },
}

/// A data key encrypted under a master or KMS key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct WrappedKey {
    pub(crate) wrapper: Wrapper,
    /// hex(nonce ‖ ciphertext ‖ tag)
    pub(crate) blob: String,
}

/// All key material the emulator holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Keyring {
    /// Master key versions, oldest first: (version, hex key).
    master: Vec<(u32, String)>,
    /// KMS CMK id → hex key.
    kms: BTreeMap<String, String>,
    /// The CMK used for KMS without a key id.
    pub(crate) default_kms_key_id: String,
}

impl Keyring {
    pub(crate) fn generate(kms_ids: &[String]) -> Self {
        let default_id = format!(
            "{}-{}-{}-{}-{}",
            random_hex(4),
            random_hex(2),
            random_hex(2),
            random_hex(2),
            random_hex(6)
        );
        let mut k = Self {
            master: vec![(1, random_hex(32))],
            kms: BTreeMap::new(),
            default_kms_key_id: default_id.clone(),
        };
        k.kms.insert(default_id, random_hex(32));
        k.add_kms_keys(kms_ids);
        k
    }

    /// Adds CMKs that are not there yet; says whether any was added.
    pub(crate) fn add_kms_keys(&mut self, ids: &[String]) -> bool {
        let before = self.kms.len();
        for id in ids {
            self.kms.entry(id.clone()).or_insert_with(|| random_hex(32));
        }
        self.kms.len() != before
    }

    pub(crate) fn has_kms_key(&self, id: &str) -> bool {
        self.kms.contains_key(id)
    }

    pub(crate) fn master_version(&self) -> u32 {
        self.master.last().map_or(1, |(v, _)| *v)
    }

    pub(crate) fn master_versions(&self) -> Vec<u32> {
        self.master.iter().map(|(v, _)| *v).collect()
    }

    /// Adds a new master key version; new objects use it, old ones stay readable.
    pub(crate) fn rotate_master(&mut self) -> u32 {
        let v = self.master_version() + 1;
        self.master.push((v, random_hex(32)));
        v
    }

    fn kek(&self, w: &Wrapper) -> Result<LessSafeKey, String> {
        let hex = match w {
            Wrapper::Master { version } => self
                .master
                .iter()
                .find(|(v, _)| v == version)
                .map(|(_, k)| k)
                .ok_or_else(|| format!("master key version {version} is missing"))?,
            Wrapper::Kms { key_id } => self
                .kms
                .get(key_id)
                .ok_or_else(|| format!("KMS key {key_id} does not exist"))?,
        };
        let bytes = from_hex(hex).ok_or("corrupt key material")?;
        UnboundKey::new(&AES_256_GCM, &bytes)
            .map(LessSafeKey::new)
            .map_err(|_| "corrupt key material".to_owned())
    }

    fn aad(w: &Wrapper) -> Vec<u8> {
        serde_json::to_vec(w).expect("wrapper serializes")
    }

    pub(crate) fn wrap(&self, wrapper: Wrapper, data_key: &[u8]) -> Result<WrappedKey, String> {
        let kek = self.kek(&wrapper)?;
        let mut nonce = [0u8; 12];
        random(&mut nonce);
        let mut buf = data_key.to_vec();
        kek.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(Self::aad(&wrapper)),
            &mut buf,
        )
        .map_err(|_| "wrap failed")?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        Ok(WrappedKey {
            wrapper,
            blob: to_hex(&out),
        })
    }

    pub(crate) fn unwrap(&self, w: &WrappedKey) -> Result<Vec<u8>, String> {
        let kek = self.kek(&w.wrapper)?;
        let raw = from_hex(&w.blob).ok_or("corrupt wrapped key")?;
        if raw.len() < 12 + TAG_LEN {
            return Err("corrupt wrapped key".into());
        }
        let mut nonce = [0u8; 12];
        nonce.copy_from_slice(&raw[..12]);
        let mut ct = raw[12..].to_vec();
        let pt = kek
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(Self::aad(&w.wrapper)),
                &mut ct,
            )
            .map_err(|_| "data key does not unwrap (wrong key or tampered)")?;
        Ok(pt.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_ciphers_round_trip_and_detect_tampering() {
        for alg in [CipherAlg::Aes256Gcm, CipherAlg::Sm4Gcm] {
            let mut key = vec![0u8; alg.key_len()];
            random(&mut key);
            let c = DataCipher::new(alg, &key).unwrap();
            let mut buf = b"hello chunk".to_vec();
            c.seal([7; 12], b"aad", &mut buf);
            assert_ne!(&buf[..11], b"hello chunk");
            let mut copy = buf.clone();
            let n = c.open([7; 12], b"aad", &mut copy).unwrap();
            assert_eq!(&copy[..n], b"hello chunk");
            let mut bad = buf.clone();
            bad[0] ^= 1;
            assert!(c.open([7; 12], b"aad", &mut bad).is_err());
            let mut wrong_aad = buf.clone();
            assert!(c.open([7; 12], b"aae", &mut wrong_aad).is_err());
        }
    }

    #[test]
    fn wrap_survives_rotation() {
        let mut k = Keyring::generate(&["cmk-1".into()]);
        let w1 = k
            .wrap(
                Wrapper::Master {
                    version: k.master_version(),
                },
                b"0123456789abcdef",
            )
            .unwrap();
        k.rotate_master();
        assert_eq!(k.master_version(), 2);
        assert_eq!(k.unwrap(&w1).unwrap(), b"0123456789abcdef");
        let w2 = k
            .wrap(
                Wrapper::Kms {
                    key_id: "cmk-1".into(),
                },
                b"k",
            )
            .unwrap();
        assert_eq!(k.unwrap(&w2).unwrap(), b"k");
        assert!(
            k.wrap(
                Wrapper::Kms {
                    key_id: "nope".into()
                },
                b"k"
            )
            .is_err()
        );
    }
}
