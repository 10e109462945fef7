//! `Client::builder()`: safe defaults, and a refusal for what cannot work.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use alipay_ams_core::protocol::SANDBOX_CLIENT_ID_PREFIX;
use alipay_ams_core::{DEFAULT_KEY_VERSION, Environment, PrivateKey, PublicKey};
use http::HeaderValue;

use crate::client::{Client, Inner};
use crate::error::BuildError;
use crate::gateway::Gateway;
use crate::retry::RetryPolicy;

/// The default limit on the time to open a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default limit on one attempt (send and read the whole reply). Alipay
/// recommends at least 10 seconds; the official SDKs wait 15.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// The default limit on the size of a reply body.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1024 * 1024;
/// The longest `Agent-Token` Alipay accepts.
const MAX_AGENT_TOKEN_LEN: usize = 128;

/// Configures a [`Client`]. Client id, keys and gateway are required.
#[derive(Clone)]
pub struct ClientBuilder {
    client_id: Option<String>,
    private_key: Option<PrivateKey>,
    alipay_public_key: Option<PublicKey>,
    gateway: Option<Gateway>,
    environment: Option<Environment>,
    connect_timeout: Duration,
    request_timeout: Duration,
    retry: RetryPolicy,
    agent_token: Option<String>,
    key_version: u32,
    allow_insecure_http: bool,
    max_response_bytes: usize,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("client_id", &self.client_id)
            .field("private_key", &self.private_key)
            .field("alipay_public_key", &self.alipay_public_key)
            .field("gateway", &self.gateway)
            .field("environment", &self.environment)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("retry", &self.retry)
            .field(
                "agent_token",
                &self.agent_token.as_ref().map(|_| "<redacted>"),
            )
            .field("key_version", &self.key_version)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            client_id: None,
            private_key: None,
            alipay_public_key: None,
            gateway: None,
            environment: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            retry: RetryPolicy::default(),
            agent_token: None,
            key_version: DEFAULT_KEY_VERSION,
            allow_insecure_http: false,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

impl ClientBuilder {
    /// A builder with the defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Your client id from the Antom Dashboard (`SANDBOX_...` for the sandbox).
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// Your private key; requests are signed with it.
    pub fn private_key(mut self, key: PrivateKey) -> Self {
        self.private_key = Some(key);
        self
    }

    /// Alipay's public key from the Antom Dashboard (not yours); replies are
    /// verified with it.
    pub fn alipay_public_key(mut self, key: PublicKey) -> Self {
        self.alipay_public_key = Some(key);
        self
    }

    /// The gateway of your region, or a custom base URL.
    pub fn gateway(mut self, gateway: Gateway) -> Self {
        self.gateway = Some(gateway);
        self
    }

    /// Sandbox or production. Default: sandbox iff the client id starts with
    /// `SANDBOX_`, as in the official SDKs.
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = Some(environment);
        self
    }

    /// The limit on opening a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The limit on one attempt, reply body included (default 15 s). An
    /// attempt that runs out of time has an unknown outcome.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Retries of idempotent requests whose outcome is unknown.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The `Agent-Token` Alipay issued to you as an ISV acting for this
    /// merchant; sent with every request.
    pub fn agent_token(mut self, token: impl Into<String>) -> Self {
        self.agent_token = Some(token.into());
        self
    }

    /// The `keyVersion` put in the `Signature` header (default 1).
    pub fn key_version(mut self, version: u32) -> Self {
        self.key_version = version;
        self
    }

    /// Allows plain `http` to a custom gateway that is not on loopback (a test
    /// server on another machine). Alipay's gateways only speak https.
    pub fn allow_insecure_http(mut self) -> Self {
        self.allow_insecure_http = true;
        self
    }

    /// The largest reply body accepted (default 1 MiB); a larger one is an
    /// unknown outcome.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Builds the client, or says what is missing or wrong.
    pub fn build(self) -> Result<Client, BuildError> {
        let client_id = self.client_id.ok_or(BuildError::Missing {
            what: "client id",
            hint: "call .client_id(..) with the id from the Antom Dashboard",
        })?;
        let client_id_header = HeaderValue::from_str(&client_id)
            .ok()
            .filter(|_| !client_id.trim().is_empty() && client_id.trim() == client_id)
            .ok_or_else(|| BuildError::InvalidClientId(client_id.clone()))?;
        let private_key = self.private_key.ok_or(BuildError::Missing {
            what: "private key",
            hint: "call .private_key(PrivateKey::from_file(\"private_key.pem\")?) with your merchant private key",
        })?;
        let alipay_public_key = self.alipay_public_key.ok_or(BuildError::Missing {
            what: "Alipay public key",
            hint: "call .alipay_public_key(PublicKey::from_file(..)?) with Alipay's public key from the Antom Dashboard",
        })?;
        if alipay_public_key == *private_key.public_key() {
            return Err(BuildError::OwnPublicKey);
        }
        let gateway = self.gateway.ok_or(BuildError::Missing {
            what: "gateway",
            hint: "call .gateway(Gateway::Asia | NorthAmerica | NorthAmericaUs | Europe) as your Antom Dashboard shows, \
                   or Gateway::custom(url) for the local sandbox",
        })?;
        let environment = match self.environment {
            Some(Environment::Production) if client_id.starts_with(SANDBOX_CLIENT_ID_PREFIX) => {
                return Err(BuildError::SandboxIdInProduction(client_id));
            }
            Some(environment) => environment,
            None => Environment::for_client_id(&client_id),
        };
        let agent_token = match self.agent_token {
            None => None,
            Some(token) => {
                let ok = !token.is_empty()
                    && token.len() <= MAX_AGENT_TOKEN_LEN
                    && token.bytes().all(|b| b.is_ascii_graphic());
                let mut value = HeaderValue::from_str(&token)
                    .ok()
                    .filter(|_| ok)
                    .ok_or(BuildError::InvalidAgentToken)?;
                value.set_sensitive(true);
                Some(value)
            }
        };
        let (base_url, loopback) = check_gateway(gateway.base_url(), self.allow_insecure_http)?;

        let mut http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            // A redirect would change the path that was signed (and turn POST
            // into GET); Alipay does not redirect API calls.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("alipay-ams-rust/", env!("CARGO_PKG_VERSION")));
        if loopback {
            http = http.no_proxy();
        }
        let http = http.build().map_err(|e| BuildError::Http(Box::new(e)))?;

        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                gateway,
                client_id,
                client_id_header,
                private_key,
                alipay_public_key,
                environment,
                key_version: self.key_version,
                agent_token,
                retry: self.retry,
                request_timeout: self.request_timeout,
                max_response_bytes: self.max_response_bytes,
            }),
        })
    }
}

/// Returns `scheme://host[:port]` and whether the host is loopback.
fn check_gateway(raw: &str, allow_insecure_http: bool) -> Result<(String, bool), BuildError> {
    let invalid = |reason| BuildError::InvalidGateway {
        url: raw.to_owned(),
        reason,
    };
    let url = url::Url::parse(raw).map_err(|_| {
        invalid("not an absolute URL such as https://host or http://127.0.0.1:8080")
    })?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(invalid(
            "the scheme must be https (or http for a local test server)",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("credentials in the URL are not supported"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            "give only scheme, host and port: the client appends the API path (/ams/api/...) itself",
        ));
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => return Err(invalid("the URL has no host")),
    };
    if url.scheme() == "http" && !loopback && !allow_insecure_http {
        return Err(BuildError::InsecureHttp(raw.to_owned()));
    }
    Ok((url.origin().ascii_serialization(), loopback))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_urls() {
        assert_eq!(
            check_gateway("http://127.0.0.1:8080", false).unwrap(),
            ("http://127.0.0.1:8080".into(), true)
        );
        assert_eq!(
            check_gateway("http://localhost:1/", false).unwrap(),
            ("http://localhost:1".into(), true)
        );
        assert_eq!(
            check_gateway("http://[::1]:9", false).unwrap(),
            ("http://[::1]:9".into(), true)
        );
        assert_eq!(
            check_gateway("https://open-sea-global.alipay.com", false).unwrap(),
            ("https://open-sea-global.alipay.com".into(), false)
        );
        assert!(matches!(
            check_gateway("http://10.0.0.5:8080", false),
            Err(BuildError::InsecureHttp(_))
        ));
        assert!(check_gateway("http://10.0.0.5:8080", true).is_ok());
        for bad in [
            "open-sea-global.alipay.com",
            "ftp://x",
            "https://h/ams/api",
            "https://u:p@h",
            "https://h/?q=1",
        ] {
            assert!(
                matches!(
                    check_gateway(bad, true),
                    Err(BuildError::InvalidGateway { .. })
                ),
                "{bad}"
            );
        }
    }
}
