//! Bucket-wide work: audit every object against an encryption policy, re-encrypt the ones
//! that break it in place, keep a journal so an interrupted run resumes without redoing
//! anything, and render the findings as a self-contained HTML report.
//!
//! The decision itself (does this object meet the policy?) is
//! [`oss_sse_core::policy::EncryptionPolicy::assess`], a pure function; this module lists,
//! HEADs and copies around it with bounded concurrency and bounded memory.

mod audit;
mod journal;
mod rate;
mod reencrypt;
mod report;

pub use audit::{AuditOptions, AuditSummary, Finding, Noted, PolicySource, Status, Totals};
pub use journal::{Journal, JournalEntry};
pub use reencrypt::{ObjectResult, OnResult, Outcome, ReencryptOptions, ReencryptSummary};
pub use report::render_html;
