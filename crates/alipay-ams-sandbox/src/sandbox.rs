//! The running sandbox: what a test holds to configure its client, drive the
//! sandbox and assert on what it did.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alipay_ams_core::{ApiRequest, NotificationKind, PrivateKey, PublicKey};
use bytes::Bytes;
use http::Request;
use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::attempt::DeliveryAttempt;
use crate::builder::SandboxBuilder;
use crate::error::{Error, NotificationError};
use crate::fault::{Fault, NotificationFault};
use crate::shared::Shared;
use crate::sync::lock;

/// The client id the sandbox serves unless told otherwise (Alipay's sample
/// sandbox client id).
pub const DEFAULT_CLIENT_ID: &str = "SANDBOX_5X00000000000000";

/// A running local Alipay gateway.
///
/// Start one with [`Sandbox::start_with_example_keys`] (tests),
/// [`Sandbox::with_example_keys`] (tests, configured) or
/// [`Sandbox::builder`] (your keys). Cheap to clone; every clone drives the
/// same sandbox. Dropping the last clone stops it too (without waiting,
/// unlike [`shutdown`](Self::shutdown)).
#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Arc<Shared>,
    addr: SocketAddr,
    tls_ca_pem: Option<String>,
    merchant_private_key: Option<PrivateKey>,
    stop: watch::Sender<bool>,
    server: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("addr", &self.inner.addr)
            .field("client_id", &self.inner.shared.client_id)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// A builder with no keys: give it the merchant's public key and the
    /// private key the sandbox signs with as Alipay.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::new()
    }

    /// TEST ONLY: a builder with the published example keys (see
    /// [`example_keys`](crate::example_keys)) and client id
    /// `SANDBOX_5X00000000000000`. Anyone can sign with these keys; never use
    /// them outside tests.
    pub fn with_example_keys() -> SandboxBuilder {
        SandboxBuilder::new().example_keys()
    }

    /// TEST ONLY: starts a sandbox with the example keys on a free port of
    /// 127.0.0.1, with Alipay's real redelivery schedule; see
    /// [`with_example_keys`](Self::with_example_keys) to configure it.
    pub async fn start_with_example_keys() -> Result<Sandbox, Error> {
        Self::with_example_keys().start().await
    }

    pub(crate) fn running(
        shared: Arc<Shared>,
        addr: SocketAddr,
        tls_ca_pem: Option<String>,
        merchant_private_key: Option<PrivateKey>,
        stop: watch::Sender<bool>,
        server: JoinHandle<()>,
    ) -> Self {
        Sandbox {
            inner: Arc::new(Inner {
                shared,
                addr,
                tls_ca_pem,
                merchant_private_key,
                stop,
                server: Mutex::new(Some(server)),
            }),
        }
    }

    /// `http://127.0.0.1:PORT` (`https://` with TLS): the gateway URL to
    /// give a client.
    pub fn base_url(&self) -> String {
        let scheme = if self.inner.tls_ca_pem.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.inner.addr)
    }

    /// The address the sandbox listens on.
    pub fn addr(&self) -> SocketAddr {
        self.inner.addr
    }

    /// The client id it serves.
    pub fn client_id(&self) -> &str {
        &self.inner.shared.client_id
    }

    /// The public key of the sandbox's "Alipay" key pair: configure clients
    /// and notification endpoints with it.
    pub fn alipay_public_key(&self) -> PublicKey {
        self.inner.shared.alipay_key.public_key().clone()
    }

    /// TEST ONLY: the merchant private key that signs requests this sandbox
    /// accepts, when the sandbox verifies with the example merchant key pair
    /// ([`with_example_keys`](Self::with_example_keys), or the program run
    /// without key flags). `None` with your own keys: the sandbox never had
    /// your private key.
    pub fn merchant_private_key(&self) -> Option<PrivateKey> {
        self.inner.merchant_private_key.clone()
    }

    /// With TLS, the PEM of the throwaway CA that issued the sandbox's
    /// certificate: what clients must trust. `None` over plain http.
    pub fn tls_ca_certificate_pem(&self) -> Option<&str> {
        self.inner.tls_ca_pem.as_deref()
    }

    /// Arms `fault` for the next `count` calls of API `A` (after any already
    /// armed); returns how many calls of `A` now get a fault. Refused for an
    /// API the sandbox does not serve, and for [`Fault::InProcess`] on an
    /// API without an "in process" code.
    ///
    /// ```no_run
    /// # async fn f(sandbox: alipay_ams_sandbox::Sandbox) -> Result<(), alipay_ams_sandbox::Error> {
    /// use alipay_ams_api::payments::CaptureRequest;
    /// use alipay_ams_sandbox::Fault;
    /// sandbox.arm_fault::<CaptureRequest>(Fault::UnknownException, 1)?;
    /// # Ok(()) }
    /// ```
    pub fn arm_fault<A: ApiRequest>(&self, fault: Fault, count: u32) -> Result<u64, Error> {
        let shared = &self.inner.shared;
        let name = shared
            .served_api(A::NAME)
            .map_err(|served| Error::NotServed {
                what: "API",
                name: A::NAME,
                served,
            })?;
        shared
            .fault_applies(name, fault)
            .map_err(|applies_to| Error::FaultNotApplicable {
                fault,
                api: name,
                applies_to,
            })?;
        Ok(lock(&shared.faults).api.arm(name, fault, count))
    }

    /// How many calls of API `A` still get a fault.
    pub fn armed_faults<A: ApiRequest>(&self) -> u64 {
        lock(&self.inner.shared.faults).api.pending(A::NAME)
    }

    /// Arms `fault` for the next `count` notifications of kind `K`; returns
    /// how many notifications of `K` now get a fault.
    ///
    /// ```no_run
    /// # async fn f(sandbox: alipay_ams_sandbox::Sandbox) -> Result<(), alipay_ams_sandbox::Error> {
    /// use std::time::Duration;
    /// use alipay_ams_api::payments::CaptureNotification;
    /// use alipay_ams_sandbox::NotificationFault;
    /// // The next notifyCapture arrives twice, at once: is it processed once?
    /// sandbox.arm_notification_fault::<CaptureNotification>(NotificationFault::Duplicate(Duration::ZERO), 1)?;
    /// # Ok(()) }
    /// ```
    pub fn arm_notification_fault<K: NotificationKind>(
        &self,
        fault: NotificationFault,
        count: u32,
    ) -> Result<u64, Error> {
        let shared = &self.inner.shared;
        let name = shared
            .sent_kind(K::NAME)
            .map_err(|served| Error::NotServed {
                what: "notification kind",
                name: K::NAME,
                served,
            })?;
        Ok(lock(&shared.faults).notification.arm(name, fault, count))
    }

    /// How many notifications of kind `K` still get a fault.
    pub fn armed_notification_faults<K: NotificationKind>(&self) -> u64 {
        lock(&self.inner.shared.faults)
            .notification
            .pending(K::NAME)
    }

    /// Disarms every fault, of every API and notification kind (as
    /// `DELETE /sandbox/faults`); returns how many were still armed.
    pub fn clear_faults(&self) -> u64 {
        lock(&self.inner.shared.faults).clear()
    }

    /// Every notification delivery attempt so far, in order.
    pub fn deliveries(&self) -> Vec<DeliveryAttempt> {
        self.inner.shared.notifier.log()
    }

    /// Waits until `done` holds for the delivery log, at most `timeout`.
    /// `Ok(log)` when it held, `Err(log)` (the log at the deadline) when not.
    ///
    /// ```no_run
    /// # async fn f(sandbox: alipay_ams_sandbox::Sandbox) {
    /// use std::time::Duration;
    /// let log = sandbox
    ///     .wait_for_deliveries(Duration::from_secs(5), |log| log.iter().any(|a| a.acknowledged))
    ///     .await
    ///     .expect("no acknowledged delivery");
    /// # }
    /// ```
    pub async fn wait_for_deliveries<F>(
        &self,
        timeout: Duration,
        done: F,
    ) -> Result<Vec<DeliveryAttempt>, Vec<DeliveryAttempt>>
    where
        F: FnMut(&[DeliveryAttempt]) -> bool,
    {
        self.inner.shared.notifier.wait_for(timeout, done).await
    }

    /// TEST SUPPORT: `notification` signed with this sandbox's Alipay key and
    /// client id, as [`signed_notification`](crate::signed_notification)
    /// makes it, for a test that posts it to the merchant's endpoint itself.
    pub fn signed_notification<K: NotificationKind + Serialize>(
        &self,
        notify_target: &str,
        notification: &K,
    ) -> Result<Request<Bytes>, NotificationError> {
        let shared = &self.inner.shared;
        crate::signed_notification(
            &shared.alipay_key,
            &shared.client_id,
            notify_target,
            notification,
        )
    }

    /// Stops listening, closes open connections and cancels pending
    /// deliveries. Calling it again does nothing.
    pub async fn shutdown(&self) {
        self.inner.stop.send_replace(true);
        let server = lock(&self.inner.server).take();
        if let Some(Err(e)) = match server {
            Some(server) => Some(server.await),
            None => None,
        } {
            tracing::warn!("the sandbox server task ended badly: {e}");
        }
        self.inner.shared.notifier.stop().await;
        self.inner.shared.timers.stop().await;
    }

    /// What the server's tasks share.
    pub(crate) fn shared(&self) -> &Shared {
        &self.inner.shared
    }
}
