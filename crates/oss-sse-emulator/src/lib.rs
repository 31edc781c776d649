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
mod error;
pub mod faults;
mod handlers;
mod keys;
mod server;
mod store;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use faults::{FaultAction, FaultMatch, FaultRule, FaultStats, Faults};
pub use oss_sse_core::Credentials;

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

    /// Binds, loads state and starts serving on the current tokio runtime.
    pub async fn start(self) -> std::io::Result<EmulatorHandle> {
        let io = |e: String| std::io::Error::other(e);
        let store = Store::open(
            self.data_dir.clone(),
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
            },
        ));
        let listener = TcpListener::bind(self.listen).await?;
        let addr = listener.local_addr()?;
        let (stop_tx, stop_rx) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, shared.clone(), stop_rx));
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

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    loop {
        let (stream, _) = tokio::select! {
            r = listener.accept() => match r {
                Ok(s) => s,
                Err(_) => continue,
            },
            _ = stop.changed() => return,
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| server::serve(shared.clone(), req));
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            let conn = builder.serve_connection(TokioIo::new(stream), svc);
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
        let v = self.shared.store.keyring.write().await.rotate_master();
        self.shared
            .store
            .persist_keyring()
            .await
            .map_err(std::io::Error::other)?;
        Ok(v)
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
        self.shared
            .store
            .uploads
            .read()
            .await
            .values()
            .map(|u| u.parts.len())
            .collect()
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
