//! Protocol constants, once: header names, the acknowledgement, the
//! redelivery schedule, API path prefixes and the sandbox path rewrite.
//!
//! Every crate (client, notify endpoint, sandbox, CLI) takes these from here,
//! so a name is spelled in exactly one place.
//! Alipay's reference: <https://docs.antom.com/ac/ams/api_fund>.

use std::borrow::Cow;

/// HTTP header names, lowercase as HTTP/2 requires (HTTP/1.1 header names are
/// case-insensitive, so these also match `Client-Id`, `Request-Time`, ...).
pub mod header {
    /// The merchant's client id: on requests, replies and notifications.
    pub const CLIENT_ID: &str = "client-id";
    /// When a request or notification was signed: epoch milliseconds or ISO 8601.
    pub const REQUEST_TIME: &str = "request-time";
    /// When a reply was signed, ISO 8601.
    pub const RESPONSE_TIME: &str = "response-time";
    /// `algorithm=RSA256,keyVersion=1,signature=...`.
    pub const SIGNATURE: &str = "signature";
    /// An ISV's token for acting on a merchant's behalf.
    pub const AGENT_TOKEN: &str = "agent-token";
}

/// The `Content-Type` of every request the merchant sends.
pub const CONTENT_TYPE_JSON: &str = "application/json; charset=UTF-8";

/// The exact body that acknowledges a notification. Anything else (another
/// status, another body, no answer) makes Alipay deliver it again on
/// [`REDELIVERY_SCHEDULE_SECS`]. Alipay does not need it signed.
/// <https://docs.antom.com/ac/ams/notify_capture>
pub const ACK_BODY: &str =
    r#"{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}"#;

/// Alipay's redelivery schedule for a notification that was not acknowledged:
/// the delay before each delivery attempt, in seconds, counted from the
/// previous one (0s, 2m, 10m, 10m, 1h, 2h, 6h, 15h).
/// <https://docs.antom.com/ac/ams/notify_capture>
pub const REDELIVERY_SCHEDULE_SECS: [u64; 8] = [0, 120, 600, 600, 3600, 7200, 21600, 54000];

/// The prefix of production API paths.
pub const PRODUCTION_PREFIX: &str = "/ams/api/";

/// The prefix of sandbox API paths: the same APIs, with `/ams/sandbox/api/`.
pub const SANDBOX_PREFIX: &str = "/ams/sandbox/api/";

/// The prefix of sandbox client ids (`SANDBOX_5X00000000000000`).
pub const SANDBOX_CLIENT_ID_PREFIX: &str = "SANDBOX_";

/// Sandbox or production. The two differ in the path (`/ams/sandbox/api/...`
/// instead of `/ams/api/...`), which is part of what is signed, and in the
/// keys and client id the Antom Dashboard gives you.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Environment {
    /// `/ams/sandbox/api/...`; client ids start with `SANDBOX_`.
    Sandbox,
    /// `/ams/api/...`.
    Production,
}

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
    pub fn path(self, production_path: &str) -> Cow<'_, str> {
        match self {
            Environment::Production => Cow::Borrowed(production_path),
            Environment::Sandbox => {
                Cow::Owned(production_path.replacen(PRODUCTION_PREFIX, SANDBOX_PREFIX, 1))
            }
        }
    }

    /// The environment and production path of a path as called, or `None`
    /// for a path under neither prefix. The inverse of [`path`](Self::path):
    /// what a gateway (the sandbox) uses to route both forms to one API.
    pub fn split_path(path: &str) -> Option<(Environment, Cow<'_, str>)> {
        if let Some(rest) = path.strip_prefix(SANDBOX_PREFIX) {
            Some((
                Environment::Sandbox,
                Cow::Owned(format!("{PRODUCTION_PREFIX}{rest}")),
            ))
        } else if path.starts_with(PRODUCTION_PREFIX) {
            Some((Environment::Production, Cow::Borrowed(path)))
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_rewrites_only_the_first_prefix_and_splits_back() {
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
        for env in [Environment::Sandbox, Environment::Production] {
            let called = env.path("/ams/api/v1/payments/refund");
            let (back, production) = Environment::split_path(&called).unwrap();
            assert_eq!(back, env);
            assert_eq!(production, "/ams/api/v1/payments/refund");
        }
        assert_eq!(Environment::split_path("/sandbox/payments"), None);
        assert_eq!(Environment::split_path("/ams/apix"), None);
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
