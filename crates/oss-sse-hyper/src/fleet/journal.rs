//! The re-encryption journal: one JSON line per object settled (done, failed, skipped),
//! appended as each settles, so a run stopped anywhere (Ctrl-C, `kill -9`, a crash)
//! resumes without redoing an object it finished.
//!
//! Each line is written with one `write` call on a file opened for appending, so a killed
//! process leaves whole lines (a torn last line, possible only on power loss, is ignored
//! when the journal is read). Lines are flushed to disk every second and when the run ends.
//! Reading a journal keeps a 16-byte digest per finished key, not the key: 16 MiB per
//! million objects.

use std::collections::HashSet;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::error::{Error, FileError};

/// One line of a journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JournalEntry {
    /// The key.
    pub key: String,
    /// `done`, `failed`, `skipped` or `changed`.
    pub outcome: String,
    /// The object's ETag after re-encryption (`done`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// Why (`failed`, `skipped`, `changed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl JournalEntry {
    /// A line saying `key` ended as `outcome`.
    pub fn new(key: impl Into<String>, outcome: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            outcome: outcome.into(),
            etag: None,
            reason: None,
        }
    }
    /// With the ETag after re-encryption.
    #[must_use]
    pub fn with_etag(mut self, etag: Option<String>) -> Self {
        self.etag = etag;
        self
    }
    /// With the reason.
    #[must_use]
    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
}

/// An open journal.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: Mutex<(std::fs::File, Instant)>,
    done: HashSet<[u8; 16]>,
}

fn digest(key: &str) -> [u8; 16] {
    oss_sse_core::crypto::md5(key.as_bytes())
}

fn file_err(path: &Path, what: &'static str, e: std::io::Error) -> Error {
    Error::File(FileError::new(path, what, e))
}

impl Journal {
    /// Opens `path` for appending, creating it if needed. With `resume`, the keys an
    /// earlier run finished (`done`) are read first and [`Journal::is_done`] reports them;
    /// without, an existing non-empty journal is an error (its run would be forgotten).
    pub fn open(path: impl AsRef<Path>, resume: bool) -> Result<Self, Error> {
        let path = path.as_ref().to_owned();
        let mut done = HashSet::new();
        match std::fs::File::open(&path) {
            Ok(f) => {
                let len = f.metadata().map(|m| m.len()).unwrap_or(0);
                if len > 0 && !resume {
                    return Err(Error::File(FileError::new(
                        &path,
                        "open the journal",
                        std::io::Error::new(
                            std::io::ErrorKind::AlreadyExists,
                            "it holds an earlier run: resume it, or choose another file",
                        ),
                    )));
                }
                for line in std::io::BufReader::new(f).split(b'\n') {
                    let line = line.map_err(|e| file_err(&path, "read the journal", e))?;
                    // A torn or foreign line is skipped: it finished nothing.
                    if let Ok(e) = serde_json::from_slice::<JournalEntry>(&line)
                        && e.outcome == "done"
                    {
                        done.insert(digest(&e.key));
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(file_err(&path, "open the journal", e)),
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| file_err(&path, "open the journal", e))?;
        Ok(Self {
            path,
            file: Mutex::new((file, Instant::now())),
            done,
        })
    }

    /// Whether an earlier run finished `key`.
    pub fn is_done(&self, key: &str) -> bool {
        !self.done.is_empty() && self.done.contains(&digest(key))
    }

    /// How many keys earlier runs finished.
    pub fn done_before(&self) -> usize {
        self.done.len()
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one line (one `write` call); flushes to disk at most once a second.
    pub fn record(&self, entry: &JournalEntry) -> Result<(), Error> {
        let mut line = serde_json::to_vec(entry)
            .map_err(|e| file_err(&self.path, "write the journal", std::io::Error::other(e)))?;
        line.push(b'\n');
        let mut g = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        g.0.write_all(&line)
            .map_err(|e| file_err(&self.path, "write the journal", e))?;
        if g.1.elapsed() >= Duration::from_secs(1) {
            g.0.sync_data()
                .map_err(|e| file_err(&self.path, "flush the journal", e))?;
            g.1 = Instant::now();
        }
        Ok(())
    }

    /// Flushes what was recorded to disk.
    pub fn sync(&self) -> Result<(), Error> {
        let g = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        g.0.sync_data()
            .map_err(|e| file_err(&self.path, "flush the journal", e))
    }
}
