//! TEST ONLY: the published example key pairs, built into the library (the
//! files are in the crate's `keys-example/` directory, which the repository
//! root links to). Anyone can sign with them: use them in tests, examples
//! and local demos, never for real money, never with a production gateway.
//!
//! [`Sandbox::with_example_keys`](crate::Sandbox::with_example_keys) and
//! [`Sandbox::start_with_example_keys`](crate::Sandbox::start_with_example_keys)
//! use them, and so does the `alipay-ams-sandbox` program when it is given
//! no key flags; such a sandbox hands the merchant's half to tests through
//! [`Sandbox::merchant_private_key`](crate::Sandbox::merchant_private_key).

/// The client id that goes with them (Alipay's sample sandbox client id).
pub const CLIENT_ID: &str = crate::DEFAULT_CLIENT_ID;

/// TEST ONLY: the merchant's private key (signs requests), PKCS#8 PEM.
pub const MERCHANT_PRIVATE_KEY_PEM: &str = include_str!("../keys-example/merchant/private_key.pem");

/// TEST ONLY: the merchant's public key (the sandbox verifies requests with
/// it), SPKI PEM.
pub const MERCHANT_PUBLIC_KEY_PEM: &str = include_str!("../keys-example/merchant/public_key.pem");

/// TEST ONLY: the sandbox's "Alipay" private key (signs replies and
/// notifications), PKCS#8 PEM.
pub const ALIPAY_PRIVATE_KEY_PEM: &str = include_str!("../keys-example/alipay/private_key.pem");

/// TEST ONLY: the sandbox's "Alipay" public key (merchants verify replies
/// and notifications with it), SPKI PEM.
pub const ALIPAY_PUBLIC_KEY_PEM: &str = include_str!("../keys-example/alipay/public_key.pem");
