//! Where requests go: Alipay's regional gateways (SPEC §8.1) and the sandbox
//! path rewrite (SPEC §8.2).

/// An Alipay gateway. Pick the one your Antom Dashboard shows under
/// "Gateway Endpoint"; a wrong region is one of the most common integration
/// mistakes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Gateway {
    /// Asia: `https://open-sea-global.alipay.com`.
    Asia,
    /// North America, merchants outside the US: `https://open-na-global.alipay.com`.
    NorthAmerica,
    /// North America, US merchants: `https://open.antglobal-us.com`.
    NorthAmericaUs,
    /// Europe: `https://open-de-global.alipay.com`.
    Europe,
    /// Any other base URL (`scheme://host[:port]`, no path), such as the local
    /// sandbox. Checked by [`ClientBuilder::build`](crate::ClientBuilder::build):
    /// plain `http` is accepted only for loopback hosts unless
    /// [`allow_insecure_http`](crate::ClientBuilder::allow_insecure_http) is set.
    Custom(String),
}

impl Gateway {
    /// A custom base URL, e.g. `http://127.0.0.1:8080` for the local sandbox.
    pub fn custom(base_url: impl Into<String>) -> Self {
        Gateway::Custom(base_url.into())
    }

    /// The base URL requests are sent to.
    pub fn base_url(&self) -> &str {
        match self {
            Gateway::Asia => "https://open-sea-global.alipay.com",
            Gateway::NorthAmerica => "https://open-na-global.alipay.com",
            Gateway::NorthAmericaUs => "https://open.antglobal-us.com",
            Gateway::Europe => "https://open-de-global.alipay.com",
            Gateway::Custom(url) => url,
        }
    }
}

/// Sandbox or production. The two differ only in the path
/// (`/ams/sandbox/api/...` instead of `/ams/api/...`), which is part of what is
/// signed, and in the keys and client id the Dashboard gives you.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Environment {
    /// `/ams/sandbox/api/...`; client ids start with `SANDBOX_`.
    Sandbox,
    /// `/ams/api/...`.
    Production,
}

/// The prefix of sandbox client ids.
pub const SANDBOX_CLIENT_ID_PREFIX: &str = "SANDBOX_";

impl Environment {
    /// The environment a client id belongs to, as every official SDK decides
    /// it: sandbox iff the id starts with `SANDBOX_`.
    pub fn for_client_id(client_id: &str) -> Self {
        if client_id.starts_with(SANDBOX_CLIENT_ID_PREFIX) {
            Environment::Sandbox
        } else {
            Environment::Production
        }
    }

    /// The path to call (and sign) for an API's production path: in the
    /// sandbox the first `/ams/api/` becomes `/ams/sandbox/api/`.
    pub fn path(self, production_path: &str) -> String {
        match self {
            Environment::Production => production_path.to_owned(),
            Environment::Sandbox => production_path.replacen("/ams/api/", "/ams/sandbox/api/", 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_rewrites_only_the_first_prefix() {
        assert_eq!(
            Environment::Sandbox.path("/ams/api/v1/payments/capture"),
            "/ams/sandbox/api/v1/payments/capture"
        );
        assert_eq!(
            Environment::Sandbox.path("/ams/api/x/ams/api/"),
            "/ams/sandbox/api/x/ams/api/"
        );
        assert_eq!(
            Environment::Production.path("/ams/api/v1/payments/capture"),
            "/ams/api/v1/payments/capture"
        );
    }

    #[test]
    fn environment_defaults_from_the_client_id() {
        assert_eq!(
            Environment::for_client_id("SANDBOX_5X00000000000000"),
            Environment::Sandbox
        );
        assert_eq!(
            Environment::for_client_id("5J5Y307NSG5GB700810"),
            Environment::Production
        );
        assert_eq!(
            Environment::for_client_id("sandbox_x"),
            Environment::Production
        );
    }
}
