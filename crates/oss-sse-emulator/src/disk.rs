//! Every file-system call the store makes goes through [`Disk`], so that a full disk, an
//! I/O error or a crash at any write, fsync, rename or removal can be injected without
//! root ([`DiskFaults`]). See docs/emulator.md for the commit protocol built on it.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

/// A kind of file-system call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DiskOp {
    /// Creating a file.
    Create,
    /// Writing bytes to a file.
    Write,
    /// `fsync` of a file or a directory.
    Fsync,
    /// Renaming a file into place.
    Rename,
    /// Removing a file or directory.
    Remove,
    /// Creating a directory.
    Mkdir,
}

const OPS: [DiskOp; 6] = [
    DiskOp::Create,
    DiskOp::Write,
    DiskOp::Fsync,
    DiskOp::Rename,
    DiskOp::Remove,
    DiskOp::Mkdir,
];

impl DiskOp {
    fn index(self) -> usize {
        OPS.iter().position(|o| *o == self).expect("listed")
    }
}

/// The error an injected fault returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DiskError {
    /// `ENOSPC`: no space left on device.
    NoSpace,
    /// `EIO`: an I/O error.
    Io,
}

impl DiskError {
    fn to_io(self) -> io::Error {
        match self {
            // ENOSPC = 28, EIO = 5 on Linux and the BSDs.
            Self::NoSpace => io::Error::from_raw_os_error(28),
            Self::Io => io::Error::from_raw_os_error(5),
        }
    }
}

/// What to inject: the `nth` call (counted from when the rule is set) of kind `op` (any kind
/// when `None`) fails with `error`; with `persistent`, every later call of that kind fails
/// too (a full disk); with `crash`, that call and every later file-system call fails, as if
/// the process had died right there (a test then restarts on the same directory).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiskFaultRule {
    /// Which calls count; `None`: every kind.
    #[serde(default)]
    pub op: Option<DiskOp>,
    /// The first call to fail (1-based).
    pub nth: u64,
    /// The error returned.
    #[serde(default = "default_error")]
    pub error: DiskError,
    /// Keep failing after the `nth` call.
    #[serde(default)]
    pub persistent: bool,
    /// Freeze the disk from the `nth` call on: nothing more is written, renamed or removed.
    #[serde(default)]
    pub crash: bool,
}

fn default_error() -> DiskError {
    DiskError::Io
}

impl DiskFaultRule {
    /// The `nth` call of `op` fails once with `error`.
    pub fn fail(op: Option<DiskOp>, nth: u64, error: DiskError) -> Self {
        Self {
            op,
            nth,
            error,
            persistent: false,
            crash: false,
        }
    }
    /// From the `nth` call of `op` on, the process is "dead": no call reaches the disk.
    pub fn crash(op: Option<DiskOp>, nth: u64) -> Self {
        Self {
            op,
            nth,
            error: DiskError::Io,
            persistent: true,
            crash: true,
        }
    }
}

/// Calls made so far, by kind (since the emulator started).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DiskCounts {
    /// Files created.
    pub create: u64,
    /// Writes.
    pub write: u64,
    /// fsyncs.
    pub fsync: u64,
    /// Renames.
    pub rename: u64,
    /// Removals.
    pub remove: u64,
    /// Directories created.
    pub mkdir: u64,
}

#[derive(Debug, Default)]
struct Armed {
    rule: Option<DiskFaultRule>,
    seen: u64,
    fired: bool,
}

/// The fault table of a store's disk. Reach it through
/// [`crate::EmulatorHandle::disk_faults`] or `POST /-/disk-faults`.
#[derive(Debug, Default)]
pub struct DiskFaults {
    armed: Mutex<Armed>,
    dead: AtomicBool,
    counts: [AtomicU64; 6],
    injected: AtomicU64,
}

impl DiskFaults {
    /// Arms a rule (replacing any previous one).
    pub fn set(&self, rule: DiskFaultRule) {
        let mut a = self
            .armed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *a = Armed {
            rule: Some(rule),
            seen: 0,
            fired: false,
        };
    }
    /// Disarms the rule. A crashed disk stays crashed: restart the emulator.
    pub fn clear(&self) {
        let mut a = self
            .armed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *a = Armed::default();
    }
    /// Whether a crash rule fired.
    pub fn crashed(&self) -> bool {
        self.dead.load(Ordering::SeqCst)
    }
    /// Faults injected so far.
    pub fn injected(&self) -> u64 {
        self.injected.load(Ordering::Relaxed)
    }
    /// Calls made so far.
    pub fn counts(&self) -> DiskCounts {
        let c = |op: DiskOp| self.counts[op.index()].load(Ordering::Relaxed);
        DiskCounts {
            create: c(DiskOp::Create),
            write: c(DiskOp::Write),
            fsync: c(DiskOp::Fsync),
            rename: c(DiskOp::Rename),
            remove: c(DiskOp::Remove),
            mkdir: c(DiskOp::Mkdir),
        }
    }

    /// Counts a call of kind `op` and says whether it must fail.
    pub(crate) fn check(&self, op: DiskOp) -> io::Result<()> {
        self.counts[op.index()].fetch_add(1, Ordering::Relaxed);
        if self.dead.load(Ordering::SeqCst) {
            return Err(DiskError::Io.to_io());
        }
        let mut a = self
            .armed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(rule) = a.rule else { return Ok(()) };
        if rule.op.is_some_and(|o| o != op) {
            return Ok(());
        }
        a.seen += 1;
        let fire = if a.fired {
            rule.persistent
        } else {
            a.seen >= rule.nth
        };
        if !fire {
            return Ok(());
        }
        a.fired = true;
        self.injected.fetch_add(1, Ordering::Relaxed);
        if rule.crash {
            self.dead.store(true, Ordering::SeqCst);
        }
        Err(rule.error.to_io())
    }
}

/// The file system as the store sees it: tokio's, behind the fault seam.
#[derive(Debug, Clone, Default)]
pub(crate) struct Disk {
    pub(crate) faults: Arc<DiskFaults>,
}

/// A file being written through the seam.
#[derive(Debug)]
pub(crate) struct DiskFile {
    file: tokio::fs::File,
    faults: Arc<DiskFaults>,
}

impl DiskFile {
    pub(crate) async fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.faults.check(DiskOp::Write)?;
        self.file.write_all(buf).await
    }

    /// Flushes tokio's buffer (surfacing the error of a write still in flight, which
    /// `sync_all` alone would swallow) and fsyncs the file.
    pub(crate) async fn sync(&mut self) -> io::Result<()> {
        self.file.flush().await?;
        self.faults.check(DiskOp::Fsync)?;
        self.file.sync_all().await
    }
}

impl Disk {
    /// Creates (truncates) a file, with mode `mode` on Unix.
    pub(crate) async fn create(&self, path: &Path, mode: u32) -> io::Result<DiskFile> {
        self.faults.check(DiskOp::Create)?;
        let mut o = tokio::fs::OpenOptions::new();
        o.write(true).create(true).truncate(true);
        #[cfg(unix)]
        o.mode(mode);
        #[cfg(not(unix))]
        let _ = mode;
        Ok(DiskFile {
            file: o.open(path).await?,
            faults: self.faults.clone(),
        })
    }

    pub(crate) async fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        self.faults.check(DiskOp::Rename)?;
        tokio::fs::rename(from, to).await
    }

    /// Removes a file; a file that is already gone is not an error.
    pub(crate) async fn remove_file(&self, path: &Path) -> io::Result<()> {
        self.faults.check(DiskOp::Remove)?;
        match tokio::fs::remove_file(path).await {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            r => r,
        }
    }

    /// [`Self::remove_file`] from synchronous code (a dropped blob).
    pub(crate) fn remove_file_now(&self, path: &Path) -> io::Result<()> {
        self.faults.check(DiskOp::Remove)?;
        match std::fs::remove_file(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            r => r,
        }
    }

    /// Removes an empty directory; a missing or non-empty one is left as it is.
    pub(crate) async fn remove_empty_dir(&self, path: &Path) {
        if self.faults.check(DiskOp::Remove).is_ok() {
            let _ = tokio::fs::remove_dir(path).await;
        }
    }

    pub(crate) async fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        if tokio::fs::metadata(path).await.is_ok_and(|m| m.is_dir()) {
            return Ok(());
        }
        self.faults.check(DiskOp::Mkdir)?;
        let mut b = tokio::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        b.mode(0o700);
        b.create(path).await
    }

    /// fsyncs a directory, making the names created, renamed or removed in it durable.
    pub(crate) async fn sync_dir(&self, path: &Path) -> io::Result<()> {
        self.faults.check(DiskOp::Fsync)?;
        tokio::fs::File::open(path).await?.sync_all().await
    }

    /// Replaces `path` with `bytes` atomically: a temp file in `tmp_dir` is written,
    /// fsynced and renamed over `path`, then `path`'s directory is fsynced. On a failure
    /// before the rename the old file is intact and the temp file is removed
    /// ([`AtomicWriteError::renamed`] is false); after it, the new file is in place but may
    /// not be durable.
    pub(crate) async fn write_atomic(
        &self,
        tmp_dir: &Path,
        path: &Path,
        bytes: &[u8],
        mode: u32,
    ) -> Result<(), AtomicWriteError> {
        let tmp = tmp_dir.join(format!("{}.tmp", crate::keys::random_hex(12)));
        let r = async {
            let mut f = self.create(&tmp, mode).await?;
            f.write_all(bytes).await?;
            f.sync().await?;
            drop(f);
            self.rename(&tmp, path).await
        }
        .await;
        if let Err(error) = r {
            let _ = self.remove_file(&tmp).await;
            return Err(AtomicWriteError {
                renamed: false,
                error,
            });
        }
        match path.parent() {
            Some(dir) => self.sync_dir(dir).await.map_err(|error| AtomicWriteError {
                renamed: true,
                error,
            }),
            None => Ok(()),
        }
    }
}

/// A failed [`Disk::write_atomic`].
#[derive(Debug)]
pub(crate) struct AtomicWriteError {
    /// The new file replaced the old one before the failure (its directory's fsync failed):
    /// the write happened, but may not survive a crash.
    pub(crate) renamed: bool,
    pub(crate) error: io::Error,
}

impl std::fmt::Display for AtomicWriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.renamed {
            write!(f, "{} (after the file was replaced)", self.error)
        } else {
            self.error.fmt(f)
        }
    }
}

/// `dir/sub` with every component, as a path (a small helper for the store's layout).
pub(crate) fn join(dir: &Path, parts: &[&str]) -> PathBuf {
    let mut p = dir.to_path_buf();
    for s in parts {
        p.push(s);
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_fire_once_or_persistently_and_crash_freezes_everything() {
        let f = DiskFaults::default();
        f.set(DiskFaultRule::fail(
            Some(DiskOp::Write),
            2,
            DiskError::NoSpace,
        ));
        assert!(f.check(DiskOp::Write).is_ok());
        assert!(f.check(DiskOp::Fsync).is_ok());
        let e = f.check(DiskOp::Write).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(28));
        assert!(f.check(DiskOp::Write).is_ok(), "fired once");

        f.set(DiskFaultRule {
            persistent: true,
            ..DiskFaultRule::fail(Some(DiskOp::Write), 1, DiskError::NoSpace)
        });
        assert!(f.check(DiskOp::Write).is_err());
        assert!(f.check(DiskOp::Write).is_err(), "a full disk stays full");
        assert!(f.check(DiskOp::Rename).is_ok());

        f.set(DiskFaultRule::crash(Some(DiskOp::Rename), 1));
        assert!(f.check(DiskOp::Write).is_ok());
        assert!(f.check(DiskOp::Rename).is_err());
        assert!(f.crashed());
        assert!(
            f.check(DiskOp::Remove).is_err(),
            "nothing reaches a dead disk"
        );
        f.clear();
        assert!(
            f.check(DiskOp::Write).is_err(),
            "clearing does not revive it"
        );
        assert_eq!(f.injected(), 4);
        assert!(f.counts().write >= 5);
    }
}
