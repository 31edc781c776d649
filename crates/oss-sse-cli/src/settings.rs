//! Where the CLI's connection settings come from: flags, then environment, then a profile
//! file (`~/.oss-sse/config`, or the file in `OSS_SSE_CONFIG`), INI style:
//!
//! ```ini
//! [default]
//! endpoint = https://oss-cn-hangzhou.aliyuncs.com
//! region = cn-hangzhou
//! access_key_id = LTAI...
//! access_key_secret = ...
//! # security_token = ...
//! # signature_version = v4
//! ```

use std::collections::HashMap;
use std::path::PathBuf;

/// Settings given on the command line (each may be absent).
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct ConnArgs {
    /// OSS endpoint, e.g. https://oss-cn-hangzhou.aliyuncs.com or http://127.0.0.1:9520 [env: OSS_ENDPOINT]
    #[arg(long, global = true)]
    pub(crate) endpoint: Option<String>,
    /// Region id, e.g. cn-hangzhou [env: OSS_REGION]
    #[arg(long, global = true)]
    pub(crate) region: Option<String>,
    /// AccessKey id [env: OSS_ACCESS_KEY_ID]
    #[arg(long, global = true)]
    pub(crate) access_key_id: Option<String>,
    /// AccessKey secret [env: OSS_ACCESS_KEY_SECRET]
    #[arg(long, global = true, hide_env_values = true)]
    pub(crate) access_key_secret: Option<String>,
    /// STS security token [env: OSS_SESSION_TOKEN]
    #[arg(long, global = true, hide_env_values = true)]
    pub(crate) sts_token: Option<String>,
    /// Signature version: v4 (default) or v1 (older buckets) [env: OSS_SIGNATURE_VERSION]
    #[arg(long, global = true)]
    pub(crate) signature_version: Option<String>,
    /// Profile section of the config file [env: OSS_SSE_PROFILE]
    #[arg(long, global = true)]
    pub(crate) profile: Option<String>,
}

/// Resolved settings.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) endpoint: Option<String>,
    pub(crate) region: Option<String>,
    pub(crate) access_key_id: Option<String>,
    pub(crate) access_key_secret: Option<String>,
    pub(crate) sts_token: Option<String>,
    pub(crate) signature_version: Option<String>,
}

fn config_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("OSS_SSE_CONFIG") {
        return Some(PathBuf::from(p));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".oss-sse").join("config"))
}

/// Parses an INI file into section → key → value.
pub(crate) fn parse_ini(text: &str) -> HashMap<String, HashMap<String, String>> {
    let mut out: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut section = String::from("default");
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_owned();
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            out.entry(section.clone())
                .or_default()
                .insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    out
}

impl Settings {
    pub(crate) fn resolve(args: &ConnArgs) -> Result<Self, String> {
        let env = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
        let profile_name = args
            .profile
            .clone()
            .or_else(|| env("OSS_SSE_PROFILE"))
            .unwrap_or_else(|| "default".into());
        let file = match config_path() {
            Some(p) if p.exists() => {
                let text = std::fs::read_to_string(&p)
                    .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
                parse_ini(&text).remove(&profile_name).unwrap_or_default()
            }
            _ => HashMap::new(),
        };
        if args.profile.is_some() && file.is_empty() {
            return Err(format!(
                "profile {profile_name:?} not found in the config file"
            ));
        }
        let pick = |flag: &Option<String>, envs: &[&str], key: &str| {
            flag.clone()
                .or_else(|| envs.iter().find_map(|e| env(e)))
                .or_else(|| file.get(key).cloned())
        };
        Ok(Self {
            endpoint: pick(&args.endpoint, &["OSS_ENDPOINT"], "endpoint"),
            region: pick(&args.region, &["OSS_REGION"], "region"),
            access_key_id: pick(
                &args.access_key_id,
                &["OSS_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_ID"],
                "access_key_id",
            ),
            access_key_secret: pick(
                &args.access_key_secret,
                &["OSS_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
                "access_key_secret",
            ),
            sts_token: pick(
                &args.sts_token,
                &["OSS_SESSION_TOKEN", "ALIBABA_CLOUD_SECURITY_TOKEN"],
                "security_token",
            ),
            signature_version: pick(
                &args.signature_version,
                &["OSS_SIGNATURE_VERSION"],
                "signature_version",
            ),
        })
    }

    pub(crate) fn client(&self) -> Result<oss_sse_hyper::Client, String> {
        let region = self
            .region
            .clone()
            .ok_or("no region: pass --region or set OSS_REGION (e.g. cn-hangzhou)")?;
        let (Some(id), Some(secret)) = (&self.access_key_id, &self.access_key_secret) else {
            return Err("no credentials: pass --access-key-id/--access-key-secret or set OSS_ACCESS_KEY_ID/OSS_ACCESS_KEY_SECRET".into());
        };
        let mut creds = oss_sse_core::Credentials::new(id, secret);
        if let Some(t) = &self.sts_token {
            creds = creds.with_security_token(t);
        }
        let version = match self
            .signature_version
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("v4") | Some("4") => oss_sse_core::SignatureVersion::V4,
            Some("v1") | Some("1") => oss_sse_core::SignatureVersion::V1,
            Some(other) => {
                return Err(format!("invalid signature version {other:?}: use v4 or v1"));
            }
        };
        let mut b = oss_sse_hyper::Client::builder(region)
            .credentials(creds)
            .signature_version(version);
        if let Some(e) = &self.endpoint {
            b = b.endpoint(e.clone());
        }
        b.build().map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini() {
        let m = parse_ini("# c\n[default]\nregion = cn-hangzhou\n[other]\nEndpoint=http://x\n");
        assert_eq!(m["default"]["region"], "cn-hangzhou");
        assert_eq!(m["other"]["endpoint"], "http://x");
    }
}
