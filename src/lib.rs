#![doc = include_str!("../README.md")]

// The protocol's most used types, at the root.
pub use alipay_ams_core::{
    Amount, AmountError, ApiRequest, DedupKey, Environment, InvalidField, KeyError,
    NotificationKind, PrivateKey, PublicKey, ResultCode, ResultInfo, ResultStatus, Retry,
};

/// The protocol without I/O: keys, signing and verification, the `Signature`
/// header, wire types, the `ApiRequest` and `NotificationKind` traits.
pub use alipay_ams_core as core;

/// Protocol constants: header names, the acknowledgement, the redelivery
/// schedule, the sandbox path rewrite.
pub use alipay_ams_core::protocol;

/// Signing and verifying Alipay's signatures by hand (the client, the notify
/// endpoint and the sandbox do it for you).
pub mod signing {
    pub use alipay_ams_core::{
        ALGORITHM_RSA256, Backend, DEFAULT_KEY_VERSION, Message, SignError, SignatureHeader,
        SignatureHeaderError, VerifyError, time,
    };
}

/// Models shared by several APIs, and the enums of the wire format.
pub use alipay_ams_api::models;

/// Every API and notification kind of the enabled areas, as data.
pub use alipay_ams_api::catalog;

macro_rules! areas {
    ($($feature:literal $area:ident: $doc:literal,)*) => {$(
        #[doc = $doc]
        #[cfg(feature = $feature)]
        pub use alipay_ams_api::$area;
    )*};
}

areas! {
    "payments" payments: "Payments (default feature): `pay`, `consult`, payment sessions, `capture`, `cancel`, `refund`, inquiries, `updateAmount`, mandates, and notifyPayment, notifyCapture, notifyRefund.",
    "aba" aba: "Antom Business Account: balances, statements, cards, direct payments and refunds, exchanges, transfers, and their notifications.",
    "agentic" agentic: "Agentic payments: authentication and binding sessions, account info, payment tokens.",
    "auth" auth: "Authorization (auto debit): consult, apply for, query and revoke tokens, and notifyAuthorization.",
    "billing" billing: "Billing: customers, products, prices, coupons, invoices, credit notes, subscriptions, portal links, and their notifications.",
    "customs" customs: "Customs declarations and their inquiries.",
    "disputes" disputes: "Disputes: accept, supply defense documents and evidence, download evidence, and notifyDispute with its defense notifications.",
    "marketplace" marketplace: "Marketplace: sub-merchant registration and settlement info, attachments, balances, payouts, transfers, settlement.",
    "merchant" merchant: "Merchant registration and its status.",
    "meter" meter: "Metering for billing: meters, sessions, credit grants, event upload, and notifyMeterEvent.",
    "reserve" reserve: "Reserves: rules, holds and releases.",
    "risk" risk: "Risk: payment decisions, risk reports, payment and refund results.",
    "subscriptions" subscriptions: "Subscriptions: create, change, update, cancel, inquire, and their notifications.",
    "tax" tax: "Tax: calculation, registrations, settings, transactions.",
    "users" users: "Users: authentication and user info.",
    "vaulting" vaulting: "Vaulting: vaulting sessions, saved payment methods and tokens, and notifyVaulting.",
}

/// The outbound client: signed requests, verified replies, idempotent
/// retries, outcomes that say whether money may have moved.
#[cfg(feature = "client")]
pub use alipay_ams_client as client;

/// Inbound notifications: route each kind to your handler and mount the
/// tower service in your app.
#[cfg(feature = "notify")]
pub use alipay_ams_notify as notify;

/// The notification inbox and the outbox of money movements on PostgreSQL,
/// for several replicas (feature `postgres`):
/// `NotifyService::builder_with_inbox(config, store.inbox())`,
/// `client.send_via(&store.outbox(), &capture)`.
#[cfg(feature = "postgres")]
pub use alipay_ams_postgres as postgres;

/// The local sandbox gateway, for tests (feature `sandbox`).
#[cfg(feature = "sandbox")]
pub mod sandbox {
    pub use alipay_ams_sandbox::*;

    /// What a merchant's test needs from a running sandbox, ready to use.
    #[cfg(any(feature = "client", feature = "notify"))]
    pub trait SandboxExt {
        /// A client builder pointed at this sandbox, with its client id, its
        /// Alipay public key and, when it runs on the example keys, the
        /// merchant's private key: `sandbox.client_builder().build()?`.
        #[cfg(feature = "client")]
        fn client_builder(&self) -> crate::client::ClientBuilder;

        /// The notify endpoint's configuration for notifications this
        /// sandbox sends (its client id and Alipay public key).
        #[cfg(feature = "notify")]
        fn notify_config(&self) -> crate::notify::NotifyConfig;
    }

    #[cfg(any(feature = "client", feature = "notify"))]
    impl SandboxExt for Sandbox {
        #[cfg(feature = "client")]
        fn client_builder(&self) -> crate::client::ClientBuilder {
            let builder = crate::client::Client::builder()
                .client_id(self.client_id())
                .alipay_public_key(self.alipay_public_key())
                .gateway(crate::client::Gateway::custom(self.base_url()));
            let builder = match self.tls_ca_certificate_pem() {
                Some(pem) => builder.add_root_certificates_pem(pem),
                None => builder,
            };
            match self.merchant_private_key() {
                Some(key) => builder.private_key(key),
                None => builder,
            }
        }

        #[cfg(feature = "notify")]
        fn notify_config(&self) -> crate::notify::NotifyConfig {
            crate::notify::NotifyConfig::new(self.client_id(), self.alipay_public_key())
        }
    }
}
