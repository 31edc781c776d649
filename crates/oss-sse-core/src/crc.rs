//! CRC-64/XZ, the checksum OSS returns in `x-oss-hash-crc64ecma` (as an unsigned decimal).
//!
//! Backed by `crc-fast`, which uses carry-less multiplication (PCLMULQDQ / VPCLMULQDQ / PMULL).

use crc_fast::{CrcAlgorithm, Digest};

/// CRC-64/XZ of `data` in one call.
pub fn crc64(data: &[u8]) -> u64 {
    crc_fast::checksum(CrcAlgorithm::Crc64Xz, data)
}

/// The CRC of `A ‖ B` from `crc(A)`, `crc(B)` and `len(B)`: how a multipart upload's CRC is
/// derived from its parts' CRCs.
pub fn crc64_combine(crc_a: u64, crc_b: u64, len_b: u64) -> u64 {
    if len_b == 0 {
        return crc_a;
    }
    crc_fast::checksum_combine(CrcAlgorithm::Crc64Xz, crc_a, crc_b, len_b)
}

/// Streaming CRC-64/XZ.
#[derive(Clone)]
pub struct Crc64 {
    digest: Digest,
    len: u64,
}

impl std::fmt::Debug for Crc64 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Crc64")
            .field("value", &self.value())
            .field("len", &self.len)
            .finish()
    }
}

impl Default for Crc64 {
    fn default() -> Self {
        Self::new()
    }
}

impl Crc64 {
    /// Empty state (CRC of no bytes is 0).
    pub fn new() -> Self {
        Self {
            digest: Digest::new(CrcAlgorithm::Crc64Xz),
            len: 0,
        }
    }
    /// Adds bytes.
    pub fn update(&mut self, data: &[u8]) {
        self.digest.update(data);
        self.len += data.len() as u64;
    }
    /// The CRC of everything added so far.
    pub fn value(&self) -> u64 {
        self.digest.finalize()
    }
    /// How many bytes were added.
    pub fn len(&self) -> u64 {
        self.len
    }
    /// Whether no bytes were added.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Parses the `x-oss-hash-crc64ecma` header value.
pub fn parse_crc64_header(v: &str) -> Option<u64> {
    v.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_values() {
        assert_eq!(crc64(b"123456789"), 0x995D_C9BB_DF19_39FA);
        assert_eq!(crc64(b""), 0);
        assert_eq!(crc64(b"hello world"), 5981764153023615706);
        let mut c = Crc64::new();
        c.update(b"hello ");
        c.update(b"world");
        assert_eq!(c.value(), 5981764153023615706);
        assert_eq!(
            crc64_combine(crc64(b"hello "), crc64(b"world"), 5),
            5981764153023615706
        );
        assert_eq!(crc64_combine(crc64(b"abc"), 0, 0), crc64(b"abc"));
    }
}
