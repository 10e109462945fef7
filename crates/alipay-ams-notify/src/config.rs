//! What the endpoint needs to know: whose notifications it accepts, signed
//! with which of Alipay's keys, and how.

use std::time::Duration;

use alipay_ams_core::{DEFAULT_KEY_VERSION, PublicKey};

/// The default body limit: 64 KiB. A notifyCapture body is well under 2 KiB.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// The settings of a notification endpoint, shared by
/// [`NotifyService`](crate::NotifyService) and
/// [`verify_notification`](crate::verify_notification).
///
/// Setters are `with_x(..)`, getters `x()`.
///
/// ```
/// use std::time::Duration;
/// use alipay_ams_core::PublicKey;
/// use alipay_ams_notify::NotifyConfig;
///
/// // The TEST-ONLY example key; yours: PublicKey::from_file("alipay_public_key.pem")?
/// let alipay_key = PublicKey::parse(alipay_ams_sandbox::example_keys::ALIPAY_PUBLIC_KEY_PEM)?;
/// let config = NotifyConfig::new("SANDBOX_5X00000000000000", alipay_key)
///     // the app sits behind a proxy that strips `/payments`:
///     .with_signed_path("/payments/alipay/notify")
///     .with_body_limit(16 * 1024)
///     .with_max_age(Duration::from_secs(26 * 3600));
/// assert_eq!(config.client_id(), "SANDBOX_5X00000000000000");
/// assert_eq!(config.body_limit(), 16 * 1024);
/// assert_eq!(config.key_versions().collect::<Vec<_>>(), [1]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Key rotation
///
/// The `signature` header names the version of Alipay's key that signed it
/// (`keyVersion=1`); each version is checked against the key configured for
/// it, and a version without one is refused, naming the versions that are
/// configured. To rotate without downtime, configure the new version beside
/// the old one, deploy, and drop the old one once Alipay no longer uses it:
///
/// ```
/// # use alipay_ams_core::PublicKey;
/// # use alipay_ams_notify::NotifyConfig;
/// # let current = PublicKey::parse(alipay_ams_sandbox::example_keys::ALIPAY_PUBLIC_KEY_PEM)?;
/// # let next = current.clone();
/// let config = NotifyConfig::new("SANDBOX_5X00000000000000", current) // keyVersion=1
///     .with_alipay_public_key(2, next);                                // keyVersion=2
/// assert_eq!(config.key_versions().collect::<Vec<_>>(), [1, 2]);
/// // Later: only version 2, also for headers that name no version.
/// let config = config.without_alipay_public_key(1).with_default_key_version(2);
/// assert!(config.alipay_public_key(1).is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct NotifyConfig {
    client_id: String,
    /// By version, ascending, one key per version.
    keys: Vec<(u32, PublicKey)>,
    default_key_version: u32,
    body_limit: usize,
    signed_path: Option<String>,
    max_age: Option<Duration>,
}

impl NotifyConfig {
    /// Accepts notifications for `client_id` (yours, as shown in the Antom
    /// Dashboard) signed by `alipay_public_key`: **Alipay's** public key from
    /// the Dashboard, not the one you uploaded. It is key version 1 (what
    /// Alipay's headers name unless Alipay told you otherwise) and the default
    /// key, which verifies headers that name no version.
    pub fn new(client_id: impl Into<String>, alipay_public_key: PublicKey) -> Self {
        NotifyConfig {
            client_id: client_id.into(),
            keys: vec![(DEFAULT_KEY_VERSION, alipay_public_key)],
            default_key_version: DEFAULT_KEY_VERSION,
            body_limit: DEFAULT_BODY_LIMIT,
            signed_path: None,
            max_age: None,
        }
    }

    /// A configuration from the environment, with the variable names of
    /// [`alipay_ams_core::env`]: `ALIPAY_CLIENT_ID` and `ALIPAY_PUBLIC_KEY`
    /// (the path of Alipay's public key file); `ALIPAY_KEY_VERSION`, if set,
    /// is that key's version.
    pub fn from_env() -> Result<Self, alipay_ams_core::env::EnvError> {
        use alipay_ams_core::env;
        let client_id = env::required(
            env::CLIENT_ID,
            "your client id from the Antom Dashboard (SANDBOX_... for the sandbox)",
        )?;
        let key = env::alipay_public_key()?;
        Ok(match env::key_version()? {
            Some(version) => NotifyConfig::new(client_id, key.clone())
                .with_alipay_public_key(version, key)
                .with_default_key_version(version),
            None => NotifyConfig::new(client_id, key),
        })
    }

    /// Accepts signatures whose header names `keyVersion=<version>` with
    /// `key`, beside the keys already configured (replacing the key of that
    /// version, if there was one).
    pub fn with_alipay_public_key(mut self, version: u32, key: PublicKey) -> Self {
        match self.keys.binary_search_by_key(&version, |(v, _)| *v) {
            Ok(found) => {
                if let Some(slot) = self.keys.get_mut(found) {
                    slot.1 = key;
                }
            }
            Err(at) => self.keys.insert(at, (version, key)),
        }
        self
    }

    /// Stops accepting signatures made with key `version` (after a rotation).
    pub fn without_alipay_public_key(mut self, version: u32) -> Self {
        self.keys.retain(|(v, _)| *v != version);
        self
    }

    /// The version whose key verifies a `signature` header that names no
    /// `keyVersion` (default 1).
    pub fn with_default_key_version(mut self, version: u32) -> Self {
        self.default_key_version = version;
        self
    }

    /// The largest body accepted, in bytes (default [`DEFAULT_BODY_LIMIT`]).
    /// Larger bodies get 413 without being read past the limit.
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The path Alipay called, when the app does not see it: behind a proxy or
    /// router that strips a prefix (axum `nest`), the request reaching the
    /// service says `/notify` while Alipay signed `/shop/notify`. By default
    /// the path of the request as received is used.
    pub fn with_signed_path(mut self, path: impl Into<String>) -> Self {
        self.signed_path = Some(path.into());
        self
    }

    /// Refuses notifications whose `request-time` is further than `age` from
    /// now, in either direction, or unreadable. Off by default: Alipay
    /// redelivers for about a day and does not document whether redeliveries
    /// are re-signed, so a short window can refuse genuine notifications forever.
    pub fn with_max_age(mut self, age: Duration) -> Self {
        self.max_age = Some(age);
        self
    }

    /// The accepted client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Alipay's public key of this version, if configured.
    pub fn alipay_public_key(&self, version: u32) -> Option<&PublicKey> {
        self.keys
            .binary_search_by_key(&version, |(v, _)| *v)
            .ok()
            .and_then(|found| self.keys.get(found))
            .map(|(_, key)| key)
    }

    /// The configured key versions, ascending.
    pub fn key_versions(&self) -> impl Iterator<Item = u32> + '_ {
        self.keys.iter().map(|(v, _)| *v)
    }

    /// The version used when a `signature` header names none.
    pub fn default_key_version(&self) -> u32 {
        self.default_key_version
    }

    /// The body limit in bytes.
    pub fn body_limit(&self) -> usize {
        self.body_limit
    }

    /// The configured signed path, if any.
    pub fn signed_path(&self) -> Option<&str> {
        self.signed_path.as_deref()
    }

    /// The configured maximum age of `request-time`, if any.
    pub fn max_age(&self) -> Option<Duration> {
        self.max_age
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> PublicKey {
        PublicKey::parse(include_str!("../../../keys-example/alipay/public_key.pem")).unwrap()
    }

    #[test]
    fn keys_by_version_are_added_replaced_and_removed() {
        let config = NotifyConfig::new("C", key())
            .with_alipay_public_key(7, key())
            .with_alipay_public_key(3, key())
            .with_alipay_public_key(3, key());
        assert_eq!(config.key_versions().collect::<Vec<_>>(), [1, 3, 7]);
        assert!(config.alipay_public_key(3).is_some());
        assert!(config.alipay_public_key(2).is_none());
        let config = config.without_alipay_public_key(1);
        assert_eq!(config.key_versions().collect::<Vec<_>>(), [3, 7]);
        assert_eq!(config.default_key_version(), 1);
        assert!(
            config
                .alipay_public_key(config.default_key_version())
                .is_none()
        );
    }
}
