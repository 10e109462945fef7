//! What the endpoint needs to know: whose notifications it accepts and how.

use std::time::Duration;

use alipay_ams_core::PublicKey;

/// The default body limit: 64 KiB. A notifyCapture body is well under 2 KiB.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// The settings of a notification endpoint, shared by [`NotifyService`] and
/// [`verify_notification`].
///
/// ```
/// use std::time::Duration;
/// use alipay_ams_core::PublicKey;
/// use alipay_ams_notify::NotifyConfig;
///
/// let alipay_key = PublicKey::parse(include_str!("../../../keys-example/alipay/public_key.pem"))?;
/// let config = NotifyConfig::new("SANDBOX_5X00000000000000", alipay_key)
///     // the app sits behind a proxy that strips `/payments`:
///     .signed_path("/payments/alipay/notify")
///     .body_limit(16 * 1024)
///     .max_age(Duration::from_secs(26 * 3600));
/// assert_eq!(config.client_id(), "SANDBOX_5X00000000000000");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// [`NotifyService`]: crate::NotifyService
/// [`verify_notification`]: crate::verify_notification
#[derive(Debug, Clone)]
pub struct NotifyConfig {
    client_id: String,
    alipay_public_key: PublicKey,
    body_limit: usize,
    signed_path: Option<String>,
    max_age: Option<Duration>,
}

impl NotifyConfig {
    /// Accepts notifications for `client_id` (yours, as shown in the Antom
    /// Dashboard) signed by `alipay_public_key`: **Alipay's** public key from the
    /// Dashboard, not the one you uploaded.
    pub fn new(client_id: impl Into<String>, alipay_public_key: PublicKey) -> Self {
        NotifyConfig {
            client_id: client_id.into(),
            alipay_public_key,
            body_limit: DEFAULT_BODY_LIMIT,
            signed_path: None,
            max_age: None,
        }
    }

    /// The largest body accepted, in bytes (default [`DEFAULT_BODY_LIMIT`]).
    /// Larger bodies get 413 without being read past the limit.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The path Alipay called, when the app does not see it: behind a proxy or
    /// router that strips a prefix (axum `nest`), the request reaching the
    /// service says `/notify` while Alipay signed `/shop/notify`. By default
    /// the path of the request as received is used.
    pub fn signed_path(mut self, path: impl Into<String>) -> Self {
        self.signed_path = Some(path.into());
        self
    }

    /// Refuses notifications whose `request-time` is further than `age` from
    /// now, in either direction, or unreadable. Off by default: Alipay
    /// redelivers for about a day and does not document whether redeliveries
    /// are re-signed, so a short window can refuse genuine notifications forever.
    pub fn max_age(mut self, age: Duration) -> Self {
        self.max_age = Some(age);
        self
    }

    /// The accepted client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Alipay's public key.
    pub fn alipay_public_key(&self) -> &PublicKey {
        &self.alipay_public_key
    }

    /// The body limit in bytes.
    pub fn body_limit_bytes(&self) -> usize {
        self.body_limit
    }

    /// The configured signed path, if any.
    pub fn path_override(&self) -> Option<&str> {
        self.signed_path.as_deref()
    }

    /// The configured maximum age of `request-time`, if any.
    pub fn max_request_age(&self) -> Option<Duration> {
        self.max_age
    }
}
