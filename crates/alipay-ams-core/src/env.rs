//! Configuration from the environment, with the variable names every example
//! and deployment of this SDK uses, read in one place:
//!
//! | variable | what |
//! |---|---|
//! | `ALIPAY_CLIENT_ID` | your client id (`SANDBOX_...` ids call the sandbox paths) |
//! | `ALIPAY_PRIVATE_KEY` | path of your merchant private key (signs requests) |
//! | `ALIPAY_PUBLIC_KEY` | path of Alipay's public key (verifies replies and notifications) |
//! | `ALIPAY_GATEWAY` | your region (`asia`, `north-america`, `north-america-us`, `europe`) or a base URL |
//! | `ALIPAY_KEY_VERSION` | optional: the `keyVersion` of your key (default 1) |
//! | `ALIPAY_AGENT_TOKEN` | optional: an ISV's agent token |
//! | `ALIPAY_CA_FILE` | optional: PEM file of extra trusted roots (a TLS proxy, the sandbox with `--tls`) |

use crate::keys::{KeyError, PrivateKey, PublicKey};

/// `ALIPAY_CLIENT_ID`.
pub const CLIENT_ID: &str = "ALIPAY_CLIENT_ID";
/// `ALIPAY_PRIVATE_KEY`.
pub const PRIVATE_KEY: &str = "ALIPAY_PRIVATE_KEY";
/// `ALIPAY_PUBLIC_KEY`.
pub const PUBLIC_KEY: &str = "ALIPAY_PUBLIC_KEY";
/// `ALIPAY_GATEWAY`.
pub const GATEWAY: &str = "ALIPAY_GATEWAY";
/// `ALIPAY_KEY_VERSION`.
pub const KEY_VERSION: &str = "ALIPAY_KEY_VERSION";
/// `ALIPAY_AGENT_TOKEN`.
pub const AGENT_TOKEN: &str = "ALIPAY_AGENT_TOKEN";
/// `ALIPAY_CA_FILE`.
pub const CA_FILE: &str = "ALIPAY_CA_FILE";

/// A variable that is missing or unusable. The message names the variable
/// and what it should hold; never the value of a key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EnvError {
    /// A required variable is not set (or is empty).
    #[error("{variable} is not set: {hint}")]
    Missing {
        /// The variable.
        variable: &'static str,
        /// What to set it to.
        hint: &'static str,
    },
    /// A variable's value cannot be used.
    #[error("{variable}: {reason}")]
    Invalid {
        /// The variable.
        variable: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The key file a variable names cannot be used.
    #[error("{variable}: {source}")]
    Key {
        /// The variable.
        variable: &'static str,
        /// Why the key was refused.
        #[source]
        source: KeyError,
    },
}

/// A variable's value; unset, empty and non-UTF-8 are `None`.
pub fn optional(variable: &'static str) -> Option<String> {
    std::env::var(variable)
        .ok()
        .filter(|v| !v.trim().is_empty())
}

/// A required variable's value.
pub fn required(variable: &'static str, hint: &'static str) -> Result<String, EnvError> {
    optional(variable).ok_or(EnvError::Missing { variable, hint })
}

/// The merchant private key from the file `ALIPAY_PRIVATE_KEY` names.
pub fn private_key() -> Result<PrivateKey, EnvError> {
    let path = required(
        PRIVATE_KEY,
        "the path of your merchant private key file (PEM or the Dashboard's base64)",
    )?;
    PrivateKey::from_file(&path).map_err(|source| EnvError::Key {
        variable: PRIVATE_KEY,
        source,
    })
}

/// Alipay's public key from the file `ALIPAY_PUBLIC_KEY` names.
pub fn alipay_public_key() -> Result<PublicKey, EnvError> {
    let path = required(
        PUBLIC_KEY,
        "the path of Alipay's public key file, downloaded from the Antom Dashboard (not your own key)",
    )?;
    PublicKey::from_file(&path).map_err(|source| EnvError::Key {
        variable: PUBLIC_KEY,
        source,
    })
}

/// `ALIPAY_KEY_VERSION`, if set.
pub fn key_version() -> Result<Option<u32>, EnvError> {
    optional(KEY_VERSION)
        .map(|v| {
            v.trim().parse().map_err(|_| EnvError::Invalid {
                variable: KEY_VERSION,
                reason: format!("{v:?} is not a key version such as 1"),
            })
        })
        .transpose()
}
