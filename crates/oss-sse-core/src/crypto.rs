//! The only module that names the hash and MAC crates.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{KeyInit as _, Mac as _};
use md5::{Digest as _, Md5};

/// SHA-256 over `sha2`'s compression function, with the buffering and padding of
/// FIPS 180-4 §5.1.1 done here on fixed-size arrays. Signing hashes a few hundred bytes and
/// finishes two HMACs per request, and on inputs that short the generic buffer handling of
/// `sha2::Sha256` and `hmac::Hmac` was a visible share of it (`bench/core_sign_runs.sh` at
/// 3bf07bc against ed43a3b). Checked against both crates in the tests.
#[derive(Clone)]
pub(crate) struct Sha256State {
    h: [u32; 8],
    buf: [u8; 64],
    buf_len: usize,
    /// Bytes fed so far, including those in `buf`.
    len: u64,
}

/// SHA-256's initial hash value (FIPS 180-4 §5.3.3).
const SHA256_H0: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

impl Sha256State {
    pub(crate) fn new() -> Self {
        Self {
            h: SHA256_H0,
            buf: [0; 64],
            buf_len: 0,
            len: 0,
        }
    }

    pub(crate) fn update(&mut self, mut data: &[u8]) {
        self.len += data.len() as u64;
        if self.buf_len > 0 {
            let take = data.len().min(64 - self.buf_len);
            self.buf[self.buf_len..self.buf_len + take].copy_from_slice(&data[..take]);
            self.buf_len += take;
            data = &data[take..];
            if self.buf_len < 64 {
                return;
            }
            sha2::block_api::compress256(&mut self.h, std::slice::from_ref(&self.buf));
            self.buf_len = 0;
        }
        let (blocks, rest) = data.as_chunks::<64>();
        if !blocks.is_empty() {
            sha2::block_api::compress256(&mut self.h, blocks);
        }
        self.buf[..rest.len()].copy_from_slice(rest);
        self.buf_len = rest.len();
    }

    pub(crate) fn finish(&self) -> [u8; 32] {
        let mut h = self.h;
        // The rest, 0x80, zeros, and the length in bits: one block, or two if the length
        // does not fit after the rest.
        let mut last = [0u8; 128];
        last[..self.buf_len].copy_from_slice(&self.buf[..self.buf_len]);
        last[self.buf_len] = 0x80;
        let n = if self.buf_len < 56 { 64 } else { 128 };
        last[n - 8..n].copy_from_slice(&(self.len.wrapping_mul(8)).to_be_bytes());
        let (blocks, _) = last[..n].as_chunks::<64>();
        sha2::block_api::compress256(&mut h, blocks);
        let mut out = [0u8; 32];
        for (o, w) in out.chunks_exact_mut(4).zip(h) {
            o.copy_from_slice(&w.to_be_bytes());
        }
        out
    }

    /// The state after whole blocks of `len` bytes (a multiple of 64) have been absorbed
    /// into `h`.
    fn resume(h: [u32; 8], len: u64) -> Self {
        Self {
            h,
            buf: [0; 64],
            buf_len: 0,
            len,
        }
    }
}

/// A keyed HMAC-SHA256 state (RFC 2104), possibly fed part of a message: finishing it costs
/// only the message's remaining blocks and one outer block. It is what the V4 key caches
/// keep (with the string-to-sign prefix absorbed, for the signer's).
#[derive(Clone)]
pub(crate) struct HmacSha256 {
    inner: Sha256State,
    /// The outer hash after the key block.
    outer: [u32; 8],
}

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
    hex_into(&mut out, &sha256(data));
    out
}

pub(crate) fn push_sha256_hex(out: &mut Vec<u8>, data: &[u8]) {
    out.extend_from_slice(&sha256_hex_array(data));
}

pub(crate) fn hmac_sha256_key(key: &[u8]) -> HmacSha256 {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&sha256(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |x: u8| {
        let mut b = block;
        b.iter_mut().for_each(|v| *v ^= x);
        b
    };
    let mut inner = Sha256State::new();
    inner.update(&pad(0x36));
    let mut outer = SHA256_H0;
    sha2::block_api::compress256(&mut outer, &[pad(0x5c)]);
    HmacSha256 { inner, outer }
}

fn sha256(data: &[u8]) -> [u8; 32] {
    let mut s = Sha256State::new();
    s.update(data);
    s.finish()
}

pub(crate) fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    hmac_sha256_with(&hmac_sha256_key(key), data)
}

/// HMAC-SHA256 of `data` under an already keyed state.
pub(crate) fn hmac_sha256_with(key: &HmacSha256, data: &[u8]) -> [u8; 32] {
    hmac_sha256_finish(key.clone(), data)
}

/// Feeds `data` to a keyed (possibly part-fed) state it owns and returns the tag.
pub(crate) fn hmac_sha256_finish(mut mac: HmacSha256, data: &[u8]) -> [u8; 32] {
    mac.inner.update(data);
    // The outer message is the key block (already absorbed) and the inner digest.
    let mut outer = Sha256State::resume(mac.outer, 64);
    outer.update(&mac.inner.finish());
    outer.finish()
}

/// Feeds `data` to a keyed state that will take more.
pub(crate) fn hmac_update(mac: &mut HmacSha256, data: &[u8]) {
    mac.inner.update(data);
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use sha2::Digest as _;

    proptest! {
        /// Any split of any message, including lengths around the 55/56/64-byte padding
        /// boundaries, hashes as `sha2::Sha256` does.
        #[test]
        fn sha256_matches_sha2(data in prop::collection::vec(any::<u8>(), 0..300), cuts in prop::collection::vec(0usize..300, 0..4)) {
            let mut s = Sha256State::new();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(data.len())).collect();
            cuts.sort_unstable();
            let mut at = 0;
            for c in cuts.into_iter().chain([data.len()]) {
                s.update(&data[at..c]);
                at = c;
            }
            prop_assert_eq!(s.finish(), <[u8; 32]>::from(sha2::Sha256::digest(&data)));
        }

        /// Keys shorter and longer than a block, a prefix fed first, then the rest.
        #[test]
        fn hmac_matches_the_hmac_crate(
            key in prop::collection::vec(any::<u8>(), 0..150),
            prefix in prop::collection::vec(any::<u8>(), 0..130),
            rest in prop::collection::vec(any::<u8>(), 0..130),
        ) {
            let mut ours = hmac_sha256_key(&key);
            hmac_update(&mut ours, &prefix);
            let tag = hmac_sha256_with(&ours, &rest);
            let mut theirs = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
            theirs.update(&prefix);
            theirs.update(&rest);
            prop_assert_eq!(tag, <[u8; 32]>::from(theirs.finalize().into_bytes()));
            // The keyed state is reusable.
            prop_assert_eq!(hmac_sha256_with(&ours, &rest), tag);
        }
    }

    #[test]
    fn sha256_known_answers() {
        // FIPS 180-4 examples.
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&sha256(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        // RFC 4231 test case 2.
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
