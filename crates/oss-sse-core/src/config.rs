//! Where requests go: region, endpoint, scheme and addressing style.

use crate::encode;
use crate::error::BuildError;
use crate::validate;

/// How the bucket appears in the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AddressingStyle {
    /// `https://<bucket>.<endpoint>/<key>` (the default for domain endpoints).
    #[default]
    VirtualHosted,
    /// `https://<endpoint>/<bucket>/<key>` (the default for IP and `localhost` endpoints).
    Path,
    /// `https://<cname>/<key>`: the endpoint is a custom domain bound to one bucket.
    Cname,
}

/// Which OSS endpoint family to derive from the region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum EndpointType {
    /// `oss-<region>.aliyuncs.com`.
    #[default]
    Public,
    /// `oss-<region>-internal.aliyuncs.com` (from inside the region's VPC).
    Internal,
    /// `<region>.oss.aliyuncs.com` (IPv4 + IPv6).
    DualStack,
    /// `oss-accelerate.aliyuncs.com` (transfer acceleration).
    Accelerate,
    /// `oss-accelerate-overseas.aliyuncs.com`.
    AccelerateOverseas,
}

/// `http` or `https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Scheme {
    /// TLS (the default).
    #[default]
    Https,
    /// Plain HTTP: only when explicitly requested (an `http://` endpoint, or a local emulator).
    Http,
}

impl Scheme {
    /// `"http"` or `"https"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Https => "https",
            Self::Http => "http",
        }
    }
}

/// Immutable client configuration used to build every request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    region: String,
    product: String,
    scheme: Scheme,
    host: String,
    style: AddressingStyle,
}

impl Config {
    /// The public HTTPS endpoint of `region`, virtual-hosted style.
    pub fn new(region: &str) -> Result<Self, BuildError> {
        Self::builder(region).build()
    }

    /// Starts a builder for `region` (the region id, e.g. `cn-hangzhou`).
    pub fn builder(region: &str) -> ConfigBuilder {
        ConfigBuilder {
            region: region.to_owned(),
            product: "oss".to_owned(),
            endpoint: None,
            endpoint_type: EndpointType::Public,
            style: None,
            scheme: None,
        }
    }

    /// Signing region (no `oss-` prefix).
    pub fn region(&self) -> &str {
        &self.region
    }
    /// Signing product: `oss` (or `oss-cloudbox`).
    pub fn product(&self) -> &str {
        &self.product
    }
    /// `http` or `https`.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }
    /// Endpoint host, with a port when one was given.
    pub fn host(&self) -> &str {
        &self.host
    }
    /// Addressing style.
    pub fn addressing_style(&self) -> AddressingStyle {
        self.style
    }

    /// Builds the absolute URL of a resource. `query` items are `(name, value)`; a `None`
    /// value is emitted bare (`?encryption`).
    pub(crate) fn url(
        &self,
        bucket: Option<&str>,
        key: Option<&str>,
        query: &[(&str, Option<String>)],
    ) -> String {
        use std::fmt::Write as _;
        let mut url = String::with_capacity(64 + key.map_or(0, str::len));
        url.push_str(self.scheme.as_str());
        url.push_str("://");
        match (self.style, bucket) {
            (AddressingStyle::VirtualHosted, Some(b)) => {
                let _ = write!(url, "{b}.{}/", self.host);
            }
            (AddressingStyle::Path, Some(b)) => {
                let _ = write!(url, "{}/{b}/", self.host);
            }
            _ => {
                let _ = write!(url, "{}/", self.host);
            }
        }
        if let Some(k) = key {
            let _ = write!(url, "{}", encode::path(k));
        }
        for (i, (name, value)) in query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            let _ = write!(url, "{}", encode::query(name));
            if let Some(v) = value {
                let _ = write!(url, "={}", encode::query(v));
            }
        }
        url
    }
}

/// Builder for [`Config`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ConfigBuilder {
    region: String,
    product: String,
    endpoint: Option<String>,
    endpoint_type: EndpointType,
    style: Option<AddressingStyle>,
    scheme: Option<Scheme>,
}

impl ConfigBuilder {
    /// A custom endpoint: `oss-cn-hangzhou.aliyuncs.com`, `https://…`, `http://127.0.0.1:9000`,
    /// or a CNAME (with [`AddressingStyle::Cname`]). A scheme in the string sets the scheme.
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }
    /// Which endpoint to derive from the region when no endpoint is set.
    pub fn endpoint_type(mut self, t: EndpointType) -> Self {
        self.endpoint_type = t;
        self
    }
    /// Addressing style (default: virtual-hosted, or path for IP / `localhost` endpoints).
    pub fn addressing_style(mut self, style: AddressingStyle) -> Self {
        self.style = Some(style);
        self
    }
    /// Scheme (default: https, or the scheme written in the endpoint).
    pub fn scheme(mut self, scheme: Scheme) -> Self {
        self.scheme = Some(scheme);
        self
    }
    /// Signing product (default `oss`; `oss-cloudbox` for CloudBox).
    pub fn product(mut self, product: impl Into<String>) -> Self {
        self.product = product.into();
        self
    }

    /// Validates and builds.
    pub fn build(self) -> Result<Config, BuildError> {
        validate::region(&self.region)?;
        if self.product.is_empty() {
            return Err(BuildError::new("product", "must not be empty"));
        }
        let (scheme_in_endpoint, host) = match &self.endpoint {
            Some(e) => parse_endpoint(e)?,
            None => (
                None,
                match self.endpoint_type {
                    EndpointType::Public => format!("oss-{}.aliyuncs.com", self.region),
                    EndpointType::Internal => format!("oss-{}-internal.aliyuncs.com", self.region),
                    EndpointType::DualStack => format!("{}.oss.aliyuncs.com", self.region),
                    EndpointType::Accelerate => "oss-accelerate.aliyuncs.com".to_owned(),
                    EndpointType::AccelerateOverseas => {
                        "oss-accelerate-overseas.aliyuncs.com".to_owned()
                    }
                },
            ),
        };
        let scheme = self.scheme.or(scheme_in_endpoint).unwrap_or_default();
        let style = self.style.unwrap_or_else(|| {
            if is_ip_or_localhost(&host) {
                AddressingStyle::Path
            } else {
                AddressingStyle::VirtualHosted
            }
        });
        Ok(Config {
            region: self.region,
            product: self.product,
            scheme,
            host,
            style,
        })
    }
}

fn parse_endpoint(e: &str) -> Result<(Option<Scheme>, String), BuildError> {
    let e = e.trim();
    let (scheme, rest) = if let Some(r) = e.strip_prefix("https://") {
        (Some(Scheme::Https), r)
    } else if let Some(r) = e.strip_prefix("http://") {
        (Some(Scheme::Http), r)
    } else if e.contains("://") {
        return Err(BuildError::new(
            "endpoint",
            format!("{e:?} has an unsupported scheme; use http:// or https://"),
        ));
    } else {
        (None, e)
    };
    let host = rest.trim_end_matches('/');
    if host.is_empty()
        || host.contains('/')
        || host.contains('?')
        || host.contains('@')
        || host.parse::<http::uri::Authority>().is_err()
    {
        return Err(BuildError::new(
            "endpoint",
            format!("{e:?} is not a host[:port] such as \"oss-cn-hangzhou.aliyuncs.com\""),
        ));
    }
    Ok((scheme, host.to_ascii_lowercase()))
}

fn is_ip_or_localhost(host: &str) -> bool {
    let h = if let Some(v6) = host.strip_prefix('[') {
        return v6.contains(']');
    } else {
        host.rsplit_once(':').map_or(host, |(h, p)| {
            if p.bytes().all(|b| b.is_ascii_digit()) {
                h
            } else {
                host
            }
        })
    };
    h == "localhost" || h.parse::<std::net::Ipv4Addr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_from_region() {
        let c = Config::new("cn-hangzhou").unwrap();
        assert_eq!(c.host(), "oss-cn-hangzhou.aliyuncs.com");
        assert_eq!(c.scheme(), Scheme::Https);
        assert_eq!(
            c.url(Some("b"), Some("a b/c"), &[("uploads", None)]),
            "https://b.oss-cn-hangzhou.aliyuncs.com/a%20b/c?uploads"
        );
        let c = Config::builder("cn-hangzhou")
            .endpoint_type(EndpointType::Internal)
            .build()
            .unwrap();
        assert_eq!(c.host(), "oss-cn-hangzhou-internal.aliyuncs.com");
        let c = Config::builder("cn-hangzhou")
            .endpoint_type(EndpointType::Accelerate)
            .build()
            .unwrap();
        assert_eq!(c.host(), "oss-accelerate.aliyuncs.com");
        assert_eq!(c.region(), "cn-hangzhou");
    }

    #[test]
    fn loopback_is_path_style_http() {
        let c = Config::builder("cn-hangzhou")
            .endpoint("http://127.0.0.1:9000")
            .build()
            .unwrap();
        assert_eq!(c.addressing_style(), AddressingStyle::Path);
        assert_eq!(
            c.url(Some("b"), None, &[("encryption", None)]),
            "http://127.0.0.1:9000/b/?encryption"
        );
        let c = Config::builder("cn-hangzhou")
            .endpoint("static.example.com")
            .addressing_style(AddressingStyle::Cname)
            .build()
            .unwrap();
        assert_eq!(
            c.url(Some("b"), Some("k"), &[]),
            "https://static.example.com/k"
        );
    }

    #[test]
    fn bad_input_names_field() {
        assert_eq!(Config::new("CN_X").unwrap_err().field(), "region");
        assert_eq!(
            Config::builder("cn-hangzhou")
                .endpoint("ftp://x")
                .build()
                .unwrap_err()
                .field(),
            "endpoint"
        );
        assert_eq!(
            Config::builder("cn-hangzhou")
                .endpoint("a/b")
                .build()
                .unwrap_err()
                .field(),
            "endpoint"
        );
    }
}
