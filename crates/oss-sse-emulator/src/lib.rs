//! # oss-sse-emulator
//!
//! A local Alibaba Cloud OSS for tests and quick starts. It verifies every V1 and V4
//! signature (header and presigned, with STS tokens) using `oss-sse-core`'s canonicalisation,
//! implements the bucket, bucket-encryption, object and multipart operations with OSS's
//! server-side-encryption semantics, and really encrypts each object at rest with its own data
//! key (AES-256-GCM or SM4-GCM), wrapped by a versioned master key or an emulated KMS key.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let emu = oss_sse_emulator::Emulator::builder().start().await?;
//! println!("OSS at {} ({} / region {})", emu.endpoint(), emu.access_key_id(), emu.region());
//! emu.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! See `docs/emulator.md` for what is and is not emulated.

mod blob;
mod body;
pub mod disk;
mod error;
pub mod faults;
mod handlers;
mod keys;
mod server;
mod store;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use disk::{DiskCounts, DiskError, DiskFaultRule, DiskFaults, DiskOp};
pub use faults::{FaultAction, FaultMatch, FaultRule, FaultStats, Faults};
pub use oss_sse_core::Credentials;

pub use handlers::{InventorySpec, SeedSpec};
use server::{ServerSettings, Shared};
use store::Store;

/// Development access key id used when none is configured.
pub const DEV_ACCESS_KEY_ID: &str = "oss-sse-dev-akid";
/// Development access key secret used when none is configured.
pub const DEV_ACCESS_KEY_SECRET: &str = "oss-sse-dev-secret";
/// Default region.
pub const DEV_REGION: &str = "cn-hangzhou";
/// Default listen address of the binary.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9520";
/// Default idle timeout of a connection.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Default cap on open connections (lowered to fit the file-descriptor limit).
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;

/// Configures and starts an emulator.
#[derive(Debug, Clone)]
#[must_use]
pub struct EmulatorBuilder {
    listen: SocketAddr,
    region: String,
    credentials: Vec<Credentials>,
    data_dir: Option<PathBuf>,
    kms_keys: Vec<String>,
    rotate_master_key: bool,
    hostname: Option<String>,
    clock_offset_secs: i64,
    fault_seed: u64,
    idle_timeout: Duration,
    max_connections: usize,
    admin_token: Option<String>,
    disk_faults: Option<Arc<DiskFaults>>,
    copy_limits: (u64, u64),
}

/// The emulator.
#[derive(Debug)]
pub struct Emulator;

impl Emulator {
    /// A builder with the development defaults: a random loopback port, region
    /// `cn-hangzhou`, the [`DEV_ACCESS_KEY_ID`] / [`DEV_ACCESS_KEY_SECRET`] keys, in memory.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder {
            listen: "127.0.0.1:0".parse().expect("loopback address"),
            region: DEV_REGION.to_owned(),
            credentials: Vec::new(),
            data_dir: None,
            kms_keys: Vec::new(),
            rotate_master_key: false,
            hostname: None,
            clock_offset_secs: 0,
            fault_seed: 0x9E37_79B9_7F4A_7C15,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            admin_token: None,
            disk_faults: None,
            copy_limits: (1 << 30, 5 << 30),
        }
    }
}

impl EmulatorBuilder {
    /// Where to listen (port 0 picks a free port).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }
    /// The region signatures must be scoped to.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }
    /// Accepts these keys (the first is reported by [`EmulatorHandle::credentials`]).
    /// Credentials with a security token are STS keys: requests must carry the token.
    pub fn credentials(mut self, creds: Credentials) -> Self {
        self.credentials.push(creds);
        self
    }
    /// Persist buckets and (encrypted) objects here; a restart on the same directory keeps them.
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }
    /// An emulated KMS CMK id uploads may name (besides the generated default CMK).
    pub fn kms_key(mut self, id: impl Into<String>) -> Self {
        self.kms_keys.push(id.into());
        self
    }
    /// Rotate the SSE-OSS master key at start (objects written before stay readable).
    pub fn rotate_master_key(mut self, rotate: bool) -> Self {
        self.rotate_master_key = rotate;
        self
    }
    /// The host name that virtual-hosted requests use (`<bucket>.<hostname>`). Without it,
    /// any dotted non-IP `Host` is read as virtual-hosted and IP / `localhost` as path style.
    pub fn hostname(mut self, hostname: impl Into<String>) -> Self {
        self.hostname = Some(hostname.into());
        self
    }
    /// Pretend the server clock is off by this many seconds (clock-skew tests).
    pub fn clock_offset_secs(mut self, secs: i64) -> Self {
        self.clock_offset_secs = secs;
        self
    }
    /// Seed of the probabilistic fault rules (reproducible soaks).
    pub fn fault_seed(mut self, seed: u64) -> Self {
        self.fault_seed = seed;
        self
    }

    /// How long a connection may move no byte (waiting for the next request's headers,
    /// reading a body, writing a response) before it is closed. Default 60 s.
    pub fn idle_timeout(mut self, d: Duration) -> Self {
        self.idle_timeout = d;
        self
    }
    /// At most this many open connections; more wait in the listen backlog. Default 1024,
    /// lowered to leave room under the process's file-descriptor limit.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }
    /// Require `x-oss-sse-admin-token: <token>` on the `/-/` admin endpoints.
    pub fn admin_token(mut self, token: impl Into<String>) -> Self {
        self.admin_token = Some(token.into());
        self
    }
    /// The largest object one CopyObject may copy when it changes the encryption (default
    /// 1 GiB, as OSS) and across buckets (default 5 GiB); larger is 400 `EntityTooLarge`, and
    /// a multipart copy (UploadPartCopy) is the way. Tests lower them.
    pub fn copy_limits(mut self, encryption_change: u64, cross_bucket: u64) -> Self {
        self.copy_limits = (encryption_change, cross_bucket);
        self
    }
    /// Use this disk fault table (so a test can arm it before the store opens, e.g. to fail
    /// a start). Otherwise [`EmulatorHandle::disk_faults`] returns a fresh one.
    pub fn disk_faults(mut self, faults: Arc<DiskFaults>) -> Self {
        self.disk_faults = Some(faults);
        self
    }

    /// Binds, loads state and starts serving on the current tokio runtime.
    pub async fn start(self) -> std::io::Result<EmulatorHandle> {
        let io = |e: String| std::io::Error::other(e);
        let disk = disk::Disk {
            faults: self.disk_faults.clone().unwrap_or_default(),
        };
        let store = Store::open(
            self.data_dir.clone(),
            disk,
            &self.kms_keys,
            self.rotate_master_key,
        )
        .await
        .map_err(io)?;
        let mut credentials = self.credentials;
        if credentials.is_empty() {
            credentials.push(Credentials::new(DEV_ACCESS_KEY_ID, DEV_ACCESS_KEY_SECRET));
        }
        let faults = Arc::new(Faults::with_seed(self.fault_seed));
        let shared = Arc::new(Shared::new(
            store,
            faults.clone(),
            ServerSettings {
                region: self.region.clone(),
                credentials: credentials.clone(),
                hostname: self.hostname,
                clock_offset_secs: self.clock_offset_secs,
                idle_timeout: self.idle_timeout,
                admin_token: self.admin_token,
                copy_limits: self.copy_limits,
            },
        ));
        let listener = TcpListener::bind(self.listen).await?;
        let addr = listener.local_addr()?;
        let (stop_tx, stop_rx) = watch::channel(false);
        let limit = connection_limit(self.max_connections);
        let task = tokio::spawn(accept_loop(listener, shared.clone(), stop_rx, limit));
        Ok(EmulatorHandle {
            addr,
            region: self.region,
            credentials,
            faults,
            shared,
            stop: stop_tx,
            task,
        })
    }
}

/// The connection cap: as asked, but leaving room for files and sockets under the
/// process's soft file-descriptor limit.
fn connection_limit(asked: usize) -> usize {
    let soft = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|l| {
            l.lines()
                .find(|x| x.starts_with("Max open files"))
                .and_then(|x| x.split_whitespace().nth(3).map(str::to_owned))
        })
        .and_then(|v| v.parse::<usize>().ok());
    match soft {
        Some(n) => asked.min(n.saturating_sub(48).max(8)),
        None => asked,
    }
}

/// Accepts connections up to `limit` open at once (more wait in the kernel's backlog),
/// backing off when `accept` fails (out of descriptors) instead of spinning. Each
/// connection closes when it moves no byte for the idle timeout: hyper's header-read timeout
/// covers a request's headers and the wait between keep-alive requests, the handlers time
/// out stalled bodies, and a write timeout drops clients that stop reading.
async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
    limit: usize,
) {
    let slots = Arc::new(tokio::sync::Semaphore::new(limit));
    let mut backoff = Duration::from_millis(5);
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => return,
            },
            _ = stop.changed() => return,
        };
        let (stream, _) = tokio::select! {
            r = listener.accept() => match r {
                Ok(s) => {
                    backoff = Duration::from_millis(5);
                    s
                }
                Err(_) => {
                    // EMFILE, ENFILE, ENOBUFS…: wait for descriptors to come back.
                    drop(permit);
                    tokio::select! {
                        () = tokio::time::sleep(backoff) => {}
                        _ = stop.changed() => return,
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                    continue;
                }
            },
            _ = stop.changed() => return,
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let idle = shared.settings.idle_timeout;
            let mut io = tokio_io_timeout::TimeoutStream::new(stream);
            io.set_write_timeout(Some(idle));
            let svc = service_fn(move |req| server::serve(shared.clone(), req));
            // HTTP/1.1 only (OSS speaks HTTP/2 over TLS, which the emulator does not serve):
            // an auto-detecting builder would wait for a first byte with no timeout at all.
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(idle)
                .serve_connection(TokioIo::new(Box::pin(io)), svc);
            tokio::select! {
                _ = conn => {}
                _ = stop.changed() => {}
            }
        });
    }
}

/// A running emulator.
#[derive(Debug)]
pub struct EmulatorHandle {
    addr: SocketAddr,
    region: String,
    credentials: Vec<Credentials>,
    faults: Arc<Faults>,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl EmulatorHandle {
    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// The region.
    pub fn region(&self) -> &str {
        &self.region
    }
    /// The first configured credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials[0]
    }
    /// The first access key id.
    pub fn access_key_id(&self) -> &str {
        self.credentials[0].access_key_id()
    }
    /// The fault table.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }
    /// Adds a new SSE-OSS master key version; returns it.
    pub async fn rotate_master_key(&self) -> std::io::Result<u32> {
        self.shared
            .store
            .rotate_master_key()
            .await
            .map_err(std::io::Error::other)
    }
    /// The disk fault seam: fail or "crash" at the Nth write, fsync, rename…
    pub fn disk_faults(&self) -> &DiskFaults {
        &self.shared.store.disk.faults
    }
    /// The master key versions held (oldest first).
    pub async fn master_key_versions(&self) -> Vec<u32> {
        self.shared.store.keyring.read().await.master_versions()
    }
    /// The CMK id used for KMS without a key id.
    pub async fn default_kms_key_id(&self) -> String {
        self.shared
            .store
            .keyring
            .read()
            .await
            .default_kms_key_id
            .clone()
    }
    /// Number of multipart uploads in progress (all buckets).
    pub async fn open_uploads(&self) -> usize {
        self.shared.store.uploads.read().await.len()
    }
    /// For each multipart upload in progress, how many parts it holds.
    pub async fn open_upload_part_counts(&self) -> Vec<usize> {
        let uploads: Vec<_> = self
            .shared
            .store
            .uploads
            .read()
            .await
            .by_key
            .values()
            .cloned()
            .collect();
        let mut out = Vec::with_capacity(uploads.len());
        for u in uploads {
            out.push(u.state.lock().await.parts.len());
        }
        out
    }
    /// Creates many objects at once without HTTP (see [`SeedSpec`]); returns how many.
    pub async fn seed(&self, spec: &SeedSpec) -> std::io::Result<u64> {
        handlers::seed(&self.shared, spec)
            .await
            .map_err(|e| std::io::Error::other(format!("{}: {}", e.code, e.message)))
    }
    /// Writes an inventory of a bucket now, in OSS's layout (see [`InventorySpec`]);
    /// returns the manifest's key in the destination bucket.
    pub async fn inventory(&self, spec: &InventorySpec) -> std::io::Result<String> {
        let v = handlers::inventory(&self.shared, spec)
            .await
            .map_err(|e| std::io::Error::other(format!("{}: {}", e.code, e.message)))?;
        Ok(v["manifest"].as_str().unwrap_or_default().to_owned())
    }
    /// Number of objects stored (all buckets).
    pub async fn object_count(&self) -> usize {
        self.shared
            .store
            .buckets
            .read()
            .await
            .values()
            .map(|b| b.objects.len())
            .sum()
    }
    /// Stops accepting and closes connections.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}
