//! Credential providers: static, environment, ECS RAM role, chains, or your own.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client as LegacyClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use oss_sse_core::Credentials;
use serde::Deserialize;
use tokio::sync::{Mutex, RwLock};

use crate::error::CredentialsError;
use crate::transport::BoxFuture;

/// Supplies credentials for each request. Implement it for your own source.
pub trait CredentialsProvider: Send + Sync + fmt::Debug + 'static {
    /// Current credentials (cached and refreshed by the provider as needed).
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>>;
}

/// Fixed credentials.
#[derive(Debug, Clone)]
pub struct StaticProvider(Credentials);

impl StaticProvider {
    /// Always returns `creds`.
    pub fn new(creds: Credentials) -> Self {
        Self(creds)
    }
}

impl CredentialsProvider for StaticProvider {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        let c = self.0.clone();
        Box::pin(async move { Ok(c) })
    }
}

/// Reads `OSS_ACCESS_KEY_ID`, `OSS_ACCESS_KEY_SECRET`, `OSS_SESSION_TOKEN`, falling back to
/// `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET`,
/// `ALIBABA_CLOUD_SECURITY_TOKEN`, at each call.
#[derive(Debug, Clone, Default)]
pub struct EnvironmentProvider;

impl EnvironmentProvider {
    /// Reads the variables now.
    pub fn load() -> Result<Credentials, CredentialsError> {
        let get = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| std::env::var(n).ok().filter(|v| !v.is_empty()))
        };
        let id = get(&["OSS_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_ID"]);
        let secret = get(&["OSS_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"]);
        let token = get(&["OSS_SESSION_TOKEN", "ALIBABA_CLOUD_SECURITY_TOKEN"]);
        match (id, secret) {
            (Some(id), Some(secret)) => {
                let c = Credentials::new(id, secret);
                Ok(match token {
                    Some(t) => c.with_security_token(t),
                    None => c,
                })
            }
            _ => Err(CredentialsError::new(
                "OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET (or ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET) are not set",
            )),
        }
    }
}

impl CredentialsProvider for EnvironmentProvider {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(async { Self::load() })
    }
}

/// Tries each provider in turn; the first that answers wins.
#[derive(Debug, Clone, Default)]
pub struct ChainProvider(Vec<Arc<dyn CredentialsProvider>>);

impl ChainProvider {
    /// An empty chain.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a provider at the end.
    #[must_use]
    pub fn with(mut self, p: impl CredentialsProvider) -> Self {
        self.0.push(Arc::new(p));
        self
    }
}

impl CredentialsProvider for ChainProvider {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(async move {
            let mut reasons = Vec::new();
            for p in &self.0 {
                match p.credentials().await {
                    Ok(c) => return Ok(c),
                    Err(e) => reasons.push(e.to_string()),
                }
            }
            Err(CredentialsError::new(format!(
                "every provider in the chain failed: {}",
                reasons.join("; ")
            )))
        })
    }
}

/// Default ECS metadata endpoint.
pub const ECS_METADATA_ENDPOINT: &str = "http://100.100.100.200";
const ECS_PATH: &str = "/latest/meta-data/ram/security-credentials/";

/// Temporary credentials of the ECS instance's RAM role, from the instance metadata service.
/// They are refreshed `refresh_before` ahead of expiry, and concurrent callers share one
/// refresh.
pub struct EcsRamRoleProvider {
    endpoint: String,
    role: Option<String>,
    refresh_before: Duration,
    cache: RwLock<Option<(Credentials, SystemTime)>>,
    refresh: Mutex<()>,
    http: LegacyClient<HttpConnector, Empty<Bytes>>,
    fetches: std::sync::atomic::AtomicU64,
}

impl fmt::Debug for EcsRamRoleProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcsRamRoleProvider")
            .field("endpoint", &self.endpoint)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EcsCreds {
    access_key_id: String,
    access_key_secret: String,
    security_token: String,
    expiration: String,
    #[serde(default)]
    code: Option<String>,
}

impl EcsRamRoleProvider {
    /// Uses the default metadata endpoint and discovers the role name.
    pub fn new() -> Self {
        Self::with_endpoint(ECS_METADATA_ENDPOINT)
    }

    /// Uses `endpoint` (e.g. a local fake in tests).
    pub fn with_endpoint(endpoint: impl Into<String>) -> Self {
        let mut c = HttpConnector::new();
        c.set_connect_timeout(Some(Duration::from_secs(2)));
        Self {
            endpoint: endpoint.into().trim_end_matches('/').to_owned(),
            role: None,
            refresh_before: Duration::from_secs(120),
            cache: RwLock::new(None),
            refresh: Mutex::new(()),
            http: LegacyClient::builder(TokioExecutor::new()).build(c),
            fetches: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Uses this role name instead of discovering it.
    #[must_use]
    pub fn with_role(mut self, role: impl Into<String>) -> Self {
        self.role = Some(role.into());
        self
    }

    /// Refreshes this long before expiry (default 120 s).
    #[must_use]
    pub fn with_refresh_before(mut self, d: Duration) -> Self {
        self.refresh_before = d;
        self
    }

    /// How many times the metadata service was asked for credentials.
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(std::sync::atomic::Ordering::Relaxed)
    }

    async fn get(&self, path: &str) -> Result<Bytes, CredentialsError> {
        let uri = format!("{}{path}", self.endpoint);
        let req = http::Request::get(&uri)
            .body(Empty::new())
            .map_err(|e| CredentialsError::new(format!("bad metadata URL {uri}")).with_source(e))?;
        let resp = tokio::time::timeout(Duration::from_secs(5), self.http.request(req))
            .await
            .map_err(|_| CredentialsError::new(format!("timed out asking {uri}")))?
            .map_err(|e| CredentialsError::new(format!("cannot reach {uri}")).with_source(e))?;
        let status = resp.status();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| CredentialsError::new(format!("cannot read {uri}")).with_source(e))?
            .to_bytes();
        if !status.is_success() {
            return Err(CredentialsError::new(format!("{uri} answered {status}")));
        }
        Ok(body)
    }

    async fn fetch(&self) -> Result<(Credentials, SystemTime), CredentialsError> {
        self.fetches
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let role = match &self.role {
            Some(r) => r.clone(),
            None => {
                let b = self.get(ECS_PATH).await?;
                String::from_utf8_lossy(&b)
                    .lines()
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_owned()
            }
        };
        if role.is_empty() {
            return Err(CredentialsError::new(
                "the instance has no RAM role attached",
            ));
        }
        let b = self.get(&format!("{ECS_PATH}{role}")).await?;
        let c: EcsCreds = serde_json::from_slice(&b).map_err(|e| {
            CredentialsError::new("the metadata service returned malformed credentials")
                .with_source(e)
        })?;
        if c.code.as_deref().is_some_and(|code| code != "Success") {
            return Err(CredentialsError::new(format!(
                "the metadata service answered Code {}",
                c.code.unwrap_or_default()
            )));
        }
        let exp = oss_sse_core::time::parse_iso8601(&c.expiration)
            .ok_or_else(|| CredentialsError::new(format!("bad Expiration {:?}", c.expiration)))?;
        let expiry = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(exp).unwrap_or(0));
        Ok((
            Credentials::new(c.access_key_id, c.access_key_secret)
                .with_security_token(c.security_token),
            expiry,
        ))
    }

    fn fresh(&self, entry: &Option<(Credentials, SystemTime)>) -> Option<Credentials> {
        let (c, exp) = entry.as_ref()?;
        let deadline = exp.checked_sub(self.refresh_before)?;
        (SystemTime::now() < deadline).then(|| c.clone())
    }
}

impl Default for EcsRamRoleProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl CredentialsProvider for EcsRamRoleProvider {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(async move {
            if let Some(c) = self.fresh(&*self.cache.read().await) {
                return Ok(c);
            }
            // Single flight: the first caller refreshes, the others wait and reuse it.
            let _guard = self.refresh.lock().await;
            if let Some(c) = self.fresh(&*self.cache.read().await) {
                return Ok(c);
            }
            match self.fetch().await {
                Ok((c, exp)) => {
                    *self.cache.write().await = Some((c.clone(), exp));
                    Ok(c)
                }
                Err(e) => {
                    // Still-valid (not yet expired) credentials beat an outage of the service.
                    let cached = self.cache.read().await.clone();
                    match cached {
                        Some((c, exp)) if SystemTime::now() < exp => Ok(c),
                        _ => Err(e),
                    }
                }
            }
        })
    }
}
