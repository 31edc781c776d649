//! The only module that names the hash and MAC crates.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{KeyInit as _, Mac as _};
use md5::{Digest as _, Md5};
use sha2::Digest as _;

/// A keyed HMAC-SHA256 state: cloning it and feeding the message costs only the message's
/// blocks (the padded key is already absorbed), which is what the V4 key cache keeps.
pub(crate) type HmacSha256 = hmac::Hmac<sha2::Sha256>;

pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut s = Vec::with_capacity(bytes.len() * 2);
    push_hex(&mut s, bytes);
    String::from_utf8(s).expect("hex is ASCII")
}

/// Every byte's two lower-case hex digits, so hex costs one load and one store per byte.
static HEX_PAIRS: [[u8; 2]; 256] = {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut t = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = [HEX[i >> 4], HEX[i & 0xf]];
        i += 1;
    }
    t
};

/// Lower-case hex of `N` bytes into `out` (which is `2 * N` long).
fn hex_into(out: &mut [u8], bytes: &[u8]) {
    for (pair, &b) in out.chunks_exact_mut(2).zip(bytes) {
        pair.copy_from_slice(&HEX_PAIRS[usize::from(b)]);
    }
}

/// Appends the lower-case hex of `bytes`.
pub(crate) fn push_hex(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut buf = [0u8; 64];
    for chunk in bytes.chunks(32) {
        hex_into(&mut buf, chunk);
        out.extend_from_slice(&buf[..2 * chunk.len()]);
    }
}

/// Lower-case hex SHA-256 of `data`, on the stack.
pub(crate) fn sha256_hex_array(data: &[u8]) -> [u8; 64] {
    let mut out = [0u8; 64];
    hex_into(&mut out, &sha2::Sha256::digest(data));
    out
}

pub(crate) fn push_sha256_hex(out: &mut Vec<u8>, data: &[u8]) {
    out.extend_from_slice(&sha256_hex_array(data));
}

pub(crate) fn hmac_sha256_key(key: &[u8]) -> HmacSha256 {
    HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length")
}

pub(crate) fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    hmac_sha256_with(&hmac_sha256_key(key), data)
}

/// HMAC-SHA256 of `data` under an already keyed state.
pub(crate) fn hmac_sha256_with(key: &HmacSha256, data: &[u8]) -> [u8; 32] {
    hmac_sha256_finish(key.clone(), data)
}

/// Feeds `data` to a keyed state that will take more.
pub(crate) fn hmac_update(mac: &mut HmacSha256, data: &[u8]) {
    mac.update(data);
}

/// Feeds `data` to a keyed (possibly part-fed) state and returns the tag.
#[inline]
pub(crate) fn hmac_sha256_finish(mut mac: HmacSha256, data: &[u8]) -> [u8; 32] {
    mac.update(data);
    mac.finalize().into_bytes().into()
}

pub(crate) fn hmac_sha1_base64(key: &[u8], data: &[u8]) -> String {
    let mut mac =
        hmac::Hmac::<sha1::Sha1>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(data);
    B64.encode(mac.finalize().into_bytes())
}

pub(crate) fn b64(data: &[u8]) -> String {
    B64.encode(data)
}

pub(crate) fn b64_decode(data: &[u8]) -> Option<Vec<u8>> {
    B64.decode(data).ok()
}

/// Base64 of the MD5 of `data`: the `Content-MD5` header value.
pub fn content_md5(data: &[u8]) -> String {
    B64.encode(Md5::digest(data))
}

/// Lower-case hex MD5 of `data`: an OSS ETag for a simple upload (without quotes).
pub fn md5_hex(data: &[u8]) -> String {
    hex(&Md5::digest(data))
}

/// Raw MD5 of `data`.
pub fn md5(data: &[u8]) -> [u8; 16] {
    Md5::digest(data).into()
}

/// Incremental MD5 (for streaming ETags).
#[derive(Debug, Clone, Default)]
pub struct Md5Hasher(Md5);

impl Md5Hasher {
    /// Empty state.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds bytes.
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }
    /// The 16-byte digest.
    pub fn finalize(self) -> [u8; 16] {
        self.0.finalize().into()
    }
}

/// Lower-case hex of arbitrary bytes.
pub fn to_hex(bytes: &[u8]) -> String {
    hex(bytes)
}

/// Base64 (standard alphabet) decode; `None` on invalid input.
pub fn base64_decode(data: &str) -> Option<Vec<u8>> {
    b64_decode(data.as_bytes())
}

/// Base64 (standard alphabet) encode.
pub fn base64_encode(data: &[u8]) -> String {
    b64(data)
}
