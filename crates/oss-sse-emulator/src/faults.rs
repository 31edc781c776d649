//! Fault injection for reliability tests.
//!
//! Rules are matched in order against each request (by operation name, method, bucket and
//! key prefix). A rule fires for its next `count` matching requests, or with `probability`
//! (a seeded, reproducible generator), or both. Configure them from Rust through
//! [`crate::EmulatorHandle::faults`], or over HTTP: `POST /-/faults` with a JSON list of
//! rules, `DELETE /-/faults` to clear, `GET /-/stats` for counters.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

/// What an injected fault does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum FaultAction {
    /// Answer with this status and OSS error code instead of running the operation.
    Error {
        /// HTTP status (e.g. 500, 503, 429).
        status: u16,
        /// OSS error code (e.g. `ServiceUnavailable`).
        code: String,
    },
    /// Read part of the request body, then drop the connection (reset mid-upload).
    ResetRequest,
    /// Run the operation, send the head and `after_bytes` of the body, then drop the
    /// connection (reset mid-download).
    ResetResponse {
        /// Bytes of body sent before the reset.
        after_bytes: u64,
    },
    /// Run the operation but send only `after_bytes` of a body whose length was declared in
    /// full, then close (a truncated body).
    Truncate {
        /// Bytes of body sent.
        after_bytes: u64,
    },
    /// Run the operation but flip one byte of the response body, or, for responses without a
    /// body, report a wrong `x-oss-hash-crc64ecma` (a CRC mismatch).
    Corrupt,
    /// Run the operation, send the head and `after_bytes` of the body, pause `ms`, then send
    /// the rest (a server that stalls mid-download).
    Stall {
        /// Bytes of body sent before the pause.
        after_bytes: u64,
        /// Milliseconds.
        ms: u64,
    },
    /// Wait this long before answering (beyond a client's read timeout).
    Delay {
        /// Milliseconds.
        ms: u64,
    },
}

/// Which requests a rule applies to; `None` fields match anything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultMatch {
    /// OSS operation name, e.g. `PutObject`, `UploadPart`, `GetObject`.
    pub op: Option<String>,
    /// HTTP method.
    pub method: Option<String>,
    /// Bucket.
    pub bucket: Option<String>,
    /// Key prefix.
    pub key_prefix: Option<String>,
    /// `Some(true)`: only requests with a `Range` header; `Some(false)`: only without.
    pub ranged: Option<bool>,
}

/// One fault rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    /// Which requests.
    #[serde(default, rename = "match")]
    pub matcher: FaultMatch,
    /// What happens.
    pub action: FaultAction,
    /// Fire for this many matching requests, then retire (`None`: no limit).
    #[serde(default)]
    pub count: Option<u64>,
    /// Fire for this fraction of matching requests (`None`: every one).
    #[serde(default)]
    pub probability: Option<f64>,
}

impl FaultRule {
    /// A rule firing on the next `count` requests of `op`.
    pub fn next(op: &str, count: u64, action: FaultAction) -> Self {
        Self {
            matcher: FaultMatch {
                op: Some(op.to_owned()),
                ..FaultMatch::default()
            },
            action,
            count: Some(count),
            probability: None,
        }
    }
}

/// Counters of what the emulator did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultStats {
    /// Requests received (excluding `/-/` admin requests).
    pub requests: u64,
    /// Faults injected.
    pub injected: u64,
}

/// The fault table.
#[derive(Debug)]
pub struct Faults {
    rules: Mutex<Vec<FaultRule>>,
    rng: Mutex<u64>,
    requests: AtomicU64,
    injected: AtomicU64,
}

impl Default for Faults {
    fn default() -> Self {
        Self::with_seed(0x9E37_79B9_7F4A_7C15)
    }
}

impl Faults {
    /// A table whose probabilistic rules use `seed`.
    pub fn with_seed(seed: u64) -> Self {
        Self {
            rules: Mutex::new(Vec::new()),
            rng: Mutex::new(seed | 1),
            requests: AtomicU64::new(0),
            injected: AtomicU64::new(0),
        }
    }

    /// Adds a rule after the existing ones.
    pub fn push(&self, rule: FaultRule) {
        self.rules
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(rule);
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.rules
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }

    /// Reseeds the generator.
    pub fn reseed(&self, seed: u64) {
        *self
            .rng
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = seed | 1;
    }

    /// Counters so far.
    pub fn stats(&self) -> FaultStats {
        FaultStats {
            requests: self.requests.load(Ordering::Relaxed),
            injected: self.injected.load(Ordering::Relaxed),
        }
    }

    fn next_f64(&self) -> f64 {
        let mut s = self
            .rng
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // xorshift64*: reproducible from the seed.
        *s ^= *s >> 12;
        *s ^= *s << 25;
        *s ^= *s >> 27;
        let v = s.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (v >> 11) as f64 / (1u64 << 53) as f64
    }

    /// The fault for this request, if one fires.
    pub(crate) fn pick(
        &self,
        op: &str,
        method: &str,
        bucket: Option<&str>,
        key: Option<&str>,
        ranged: bool,
    ) -> Option<FaultAction> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut rules = self
            .rules
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut fired = None;
        for (i, r) in rules.iter_mut().enumerate() {
            let m = &r.matcher;
            let hit = m.op.as_deref().is_none_or(|o| o == op)
                && m.method
                    .as_deref()
                    .is_none_or(|x| x.eq_ignore_ascii_case(method))
                && m.bucket.as_deref().is_none_or(|b| Some(b) == bucket)
                && m.key_prefix
                    .as_deref()
                    .is_none_or(|p| key.is_some_and(|k| k.starts_with(p)))
                && m.ranged.is_none_or(|r| r == ranged);
            if !hit || r.count == Some(0) {
                continue;
            }
            if let Some(p) = r.probability
                && self.next_f64() >= p
            {
                continue;
            }
            if let Some(c) = r.count.as_mut() {
                *c -= 1;
            }
            fired = Some((i, r.action.clone()));
            break;
        }
        let (i, action) = fired?;
        if rules[i].count == Some(0) {
            rules.remove(i);
        }
        self.injected.fetch_add(1, Ordering::Relaxed);
        Some(action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_and_probability() {
        let f = Faults::with_seed(42);
        f.push(FaultRule::next("PutObject", 2, FaultAction::Corrupt));
        assert_eq!(f.pick("GetObject", "GET", None, None, false), None);
        assert_eq!(
            f.pick("PutObject", "PUT", None, None, false),
            Some(FaultAction::Corrupt)
        );
        assert_eq!(
            f.pick("PutObject", "PUT", None, None, false),
            Some(FaultAction::Corrupt)
        );
        assert_eq!(f.pick("PutObject", "PUT", None, None, false), None);
        f.push(FaultRule {
            matcher: FaultMatch::default(),
            action: FaultAction::Delay { ms: 1 },
            count: None,
            probability: Some(0.25),
        });
        let hits = (0..4000)
            .filter(|_| f.pick("X", "GET", None, None, false).is_some())
            .count();
        assert!((800..1200).contains(&hits), "{hits}");
    }
}
