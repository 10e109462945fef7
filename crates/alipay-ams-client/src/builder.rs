//! `Client::builder()`: safe defaults, and a refusal for what cannot work.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use alipay_ams_core::protocol::SANDBOX_CLIENT_ID_PREFIX;
use alipay_ams_core::{DEFAULT_KEY_VERSION, Environment, PrivateKey, PublicKey};
use http::HeaderValue;

use crate::budget::{Bucket, RetryBudget};
use crate::build_error::BuildError;
use crate::client::{Client, Inner};
use crate::gateway::Gateway;
use crate::retry::RetryPolicy;

/// The default limit on the time to open a connection (TCP and TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default limit on one attempt (connect, send and read the whole
/// reply). Alipay recommends at least 10 seconds; the official SDKs wait 15.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15);
/// The default tolerance between a verified reply's `response-time` and this
/// machine's clock: generous, for clocks that drift; a reply recorded days
/// ago is still refused.
pub const DEFAULT_RESPONSE_TIME_TOLERANCE: Duration = Duration::from_secs(3600);
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
    attempt_timeout: Duration,
    call_timeout: Option<Duration>,
    retry: RetryPolicy,
    retry_budget: RetryBudget,
    response_time_tolerance: Duration,
    root_certificates: Vec<Vec<u8>>,
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
            .field("attempt_timeout", &self.attempt_timeout)
            .field("call_timeout", &self.call_timeout)
            .field("retry", &self.retry)
            .field("retry_budget", &self.retry_budget)
            .field("response_time_tolerance", &self.response_time_tolerance)
            .field("root_certificates", &self.root_certificates.len())
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
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            call_timeout: None,
            retry: RetryPolicy::default(),
            retry_budget: RetryBudget::default(),
            response_time_tolerance: DEFAULT_RESPONSE_TIME_TOLERANCE,
            root_certificates: Vec::new(),
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

    /// A builder configured from the environment, with the variable names of
    /// [`alipay_ams_core::env`]: `ALIPAY_CLIENT_ID`, `ALIPAY_PRIVATE_KEY` and
    /// `ALIPAY_PUBLIC_KEY` (key file paths), `ALIPAY_GATEWAY` (a region such
    /// as `north-america`, or a base URL), and optionally
    /// `ALIPAY_KEY_VERSION`, `ALIPAY_AGENT_TOKEN` and `ALIPAY_CA_FILE`.
    /// Everything can still be changed before [`build`](Self::build).
    pub fn from_env() -> Result<Self, alipay_ams_core::env::EnvError> {
        use alipay_ams_core::env::{self, EnvError};
        let gateway: Gateway = env::required(
            env::GATEWAY,
            "your region as the Antom Dashboard shows it (asia, north-america, north-america-us, europe) or a base URL such as http://127.0.0.1:8686",
        )?
        .parse()
        .map_err(|e: crate::gateway::ParseGatewayError| EnvError::Invalid {
            variable: env::GATEWAY,
            reason: e.to_string(),
        })?;
        let mut builder = ClientBuilder::new()
            .client_id(env::required(
                env::CLIENT_ID,
                "your client id from the Antom Dashboard (SANDBOX_... for the sandbox)",
            )?)
            .private_key(env::private_key()?)
            .alipay_public_key(env::alipay_public_key()?)
            .gateway(gateway);
        if let Some(version) = env::key_version()? {
            builder = builder.key_version(version);
        }
        if let Some(token) = env::optional(env::AGENT_TOKEN) {
            builder = builder.agent_token(token);
        }
        if let Some(path) = env::optional(env::CA_FILE) {
            let pem = std::fs::read(&path).map_err(|e| EnvError::Invalid {
                variable: env::CA_FILE,
                reason: format!("cannot read {path}: {e}"),
            })?;
            builder = builder.add_root_certificates_pem(pem);
        }
        Ok(builder)
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

    /// The limit on opening a connection, TCP and TLS (default 10 s). A
    /// connection that is not made in time sent nothing.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The limit on one attempt, connecting and reading the reply body
    /// included (default 15 s). An attempt that runs out of time has an
    /// unknown outcome.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// The limit on a whole call, every attempt and wait between them
    /// included (default: none, so a call lasts at most its attempts'
    /// timeouts and the waits between them).
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = Some(timeout);
        self
    }

    /// How many attempts, and the waits between them (default
    /// [`RetryPolicy::default`]). Which requests may be sent again is the
    /// API's [`Retry`](crate::Retry) class; this policy says how often.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The retry budget shared by the client and its clones (default
    /// [`RetryBudget::default`]: about 20% extra requests).
    pub fn retry_budget(mut self, budget: RetryBudget) -> Self {
        self.retry_budget = budget;
        self
    }

    /// How far a verified reply's `response-time` may be from this
    /// machine's clock, either way (default 1 hour). A reply outside it may
    /// be a recorded one replayed: its outcome is unknown.
    pub fn response_time_tolerance(mut self, tolerance: Duration) -> Self {
        self.response_time_tolerance = tolerance;
        self
    }

    /// Also trusts the CA certificates in this PEM text (one or more
    /// `CERTIFICATE` blocks), besides the system's: a corporate TLS proxy,
    /// or the local sandbox started with `--tls`. Checked by
    /// [`build`](Self::build). TLS verification itself can never be turned
    /// off.
    pub fn add_root_certificates_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.root_certificates.push(pem.as_ref().to_vec());
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
        let (base_url, host, loopback) =
            check_gateway(gateway.base_url(), self.allow_insecure_http)?;
        let mut roots = Vec::new();
        for pem in &self.root_certificates {
            let certificates = reqwest::Certificate::from_pem_bundle(pem)
                .ok()
                .filter(|found| !found.is_empty())
                .ok_or(BuildError::InvalidRootCertificate)?;
            roots.extend(certificates);
        }

        let mut http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            // A redirect would change the path that was signed (and turn POST
            // into GET); Alipay does not redirect API calls.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("alipay-ams-rust/", env!("CARGO_PKG_VERSION")));
        if loopback {
            http = http.no_proxy();
        }
        if !roots.is_empty() {
            http = http.tls_certs_merge(roots);
        }
        let http = http.build().map_err(|e| BuildError::Http(Box::new(e)))?;

        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                host,
                gateway,
                client_id,
                client_id_header,
                private_key,
                alipay_public_key,
                environment,
                key_version: self.key_version,
                agent_token,
                retry: self.retry,
                budget: Bucket::new(self.retry_budget),
                connect_timeout: self.connect_timeout,
                attempt_timeout: self.attempt_timeout,
                call_timeout: self.call_timeout,
                response_time_tolerance: self.response_time_tolerance,
                max_response_bytes: self.max_response_bytes,
            }),
        })
    }
}

/// Returns `scheme://host[:port]`, `host[:port]` and whether the host is
/// loopback.
fn check_gateway(
    raw: &str,
    allow_insecure_http: bool,
) -> Result<(String, String, bool), BuildError> {
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
    let origin = url.origin().ascii_serialization();
    let host = origin
        .split_once("://")
        .map_or(origin.as_str(), |(_, host)| host)
        .to_owned();
    Ok((origin, host, loopback))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_urls() {
        assert_eq!(
            check_gateway("http://127.0.0.1:8080", false).unwrap(),
            (
                "http://127.0.0.1:8080".into(),
                "127.0.0.1:8080".into(),
                true
            )
        );
        assert_eq!(
            check_gateway("http://localhost:1/", false).unwrap(),
            ("http://localhost:1".into(), "localhost:1".into(), true)
        );
        assert_eq!(
            check_gateway("http://[::1]:9", false).unwrap(),
            ("http://[::1]:9".into(), "[::1]:9".into(), true)
        );
        assert_eq!(
            check_gateway("https://open-sea-global.alipay.com", false).unwrap(),
            (
                "https://open-sea-global.alipay.com".into(),
                "open-sea-global.alipay.com".into(),
                false
            )
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
