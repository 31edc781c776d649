//! Splitting a bucket's keys between independent workers: `--shard I/N`.
//!
//! A key belongs to shard `MD5(key)[0..8] as a big-endian u64 % N`: stable across runs,
//! machines and languages (a Python worker computes the same with `hashlib.md5`), and even
//! for any set of keys. N processes given shards `0/N` … `N-1/N` cover a bucket exactly
//! once, whatever order they list it in.

use std::fmt;
use std::str::FromStr;

use crate::error::BuildError;

/// Shard `index` of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shard {
    index: u32,
    count: u32,
}

impl Shard {
    /// Shard `index` of `count` (`index < count`, `count ≥ 1`).
    pub fn new(index: u32, count: u32) -> Result<Self, BuildError> {
        if count == 0 || index >= count {
            return Err(BuildError::new(
                "shard",
                format!("{index}/{count}: expected I/N with 0 <= I < N"),
            ));
        }
        Ok(Self { index, count })
    }

    /// The shard's index.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The number of shards.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// The shard a key belongs to, among `count`.
    pub fn of(key: &str, count: u32) -> u32 {
        let d = crate::crypto::md5(key.as_bytes());
        let mut h = [0u8; 8];
        h.copy_from_slice(&d[..8]);
        (u64::from_be_bytes(h) % u64::from(count.max(1))) as u32
    }

    /// Whether `key` is this shard's.
    pub fn contains(&self, key: &str) -> bool {
        self.count == 1 || Self::of(key, self.count) == self.index
    }
}

/// `I/N`.
impl FromStr for Shard {
    type Err = BuildError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BuildError::new("shard", format!("{s:?}: expected I/N, e.g. 0/4"));
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let i = i.trim().parse().map_err(|_| bad())?;
        let n = n.trim().parse().map_err(|_| bad())?;
        Self::new(i, n)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_keys_exactly_and_evenly() {
        let keys: Vec<String> = (0..30_000).map(|i| format!("k/{i}/é")).collect();
        for n in [1u32, 3, 7] {
            let mut seen = vec![0u32; keys.len()];
            let mut sizes = vec![0usize; n as usize];
            for i in 0..n {
                let s = Shard::new(i, n).unwrap();
                for (j, k) in keys.iter().enumerate() {
                    if s.contains(k) {
                        seen[j] += 1;
                        sizes[i as usize] += 1;
                    }
                }
            }
            assert!(
                seen.iter().all(|c| *c == 1),
                "n={n}: every key exactly once"
            );
            let even = keys.len() / n as usize;
            assert!(
                sizes.iter().all(|s| s.abs_diff(even) < even / 10 + 10),
                "n={n}: {sizes:?}"
            );
        }
        // Fixed values, for other languages to check against (Python:
        // int.from_bytes(hashlib.md5(b"logs/a").digest()[:8], "big") % 7).
        assert_eq!(Shard::of("logs/a", 7), 1);
        assert_eq!(Shard::of("logs/a", 1000), 799);
        assert_eq!(Shard::of("中文/文件 +%", 1000), 923);
        assert_eq!(Shard::of("", 1000), 788);
    }

    #[test]
    fn parse_and_display() {
        let s: Shard = "2/5".parse().unwrap();
        assert_eq!(
            (s.index(), s.count(), s.to_string()),
            (2, 5, "2/5".to_owned())
        );
        for bad in ["5/5", "1/0", "x/3", "3", "-1/3", ""] {
            assert_eq!(bad.parse::<Shard>().unwrap_err().field(), "shard", "{bad}");
        }
    }
}
