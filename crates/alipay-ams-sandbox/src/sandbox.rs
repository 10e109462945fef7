//! Starting and stopping the sandbox, and the handle tests drive it with.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alipay_ams_core::{KeyError, PrivateKey, PublicKey};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use crate::control::check_notify_url;
use crate::delivery::{DeliveryAttempt, Notifier, schedule};
use crate::fault::{Api, Fault};
use crate::gateway::{self, Shared};
use crate::ledger::{CaptureRecord, CreatePayment, Payment, PaymentState};
use crate::{example_keys, lock};

/// The client id the sandbox serves unless told otherwise (Alipay's sample
/// sandbox client id).
pub const DEFAULT_CLIENT_ID: &str = "SANDBOX_5X00000000000000";

/// Why the sandbox did not start or refused a request of its handle.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A key was not given to the builder.
    #[error(
        "no {0} was given: pass it to the builder, or use Sandbox::with_example_keys() in tests"
    )]
    MissingKey(&'static str),
    /// A key could not be read.
    #[error("cannot read a key: {0}")]
    Key(#[from] KeyError),
    /// The time scale is negative or not a number.
    #[error(
        "time scale {0} must be a finite number >= 0 (1.0 = Alipay's real schedule, 0.001 = a thousand times faster)"
    )]
    TimeScale(f64),
    /// The client id cannot be sent in a header.
    #[error("client id {0:?} must be non-empty visible ASCII, such as SANDBOX_5X00000000000000")]
    ClientId(String),
    /// A notify URL is unusable.
    #[error("{0}")]
    NotifyUrl(String),
    /// The listening address could not be bound.
    #[error("cannot listen on {addr}: {source}; choose a free port, or port 0 for any")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// HTTPS could not be set up.
    #[error("cannot serve HTTPS: {0}")]
    Tls(String),
    /// A payment could not be created.
    #[error("cannot create the payment: {0}")]
    Payment(String),
}

/// The local Alipay gateway. Start one with [`Sandbox::builder`] (your keys)
/// or [`Sandbox::with_example_keys`] (tests).
#[derive(Debug)]
pub struct Sandbox;

impl Sandbox {
    /// A builder with no keys: give it the merchant's public key and the
    /// private key the sandbox signs with as Alipay.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder {
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            merchant_public_key: None,
            alipay_private_key: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            time_scale: 1.0,
            redelivery: true,
            default_notify_url: None,
            delivery_timeout: None,
            tls: false,
            key_error: None,
        }
    }

    /// TEST ONLY: a builder with the repository's published example keys
    /// (see [`example_keys`]) and client id `SANDBOX_5X00000000000000`.
    /// Anyone can sign with these keys; never use them outside tests.
    pub fn with_example_keys() -> SandboxBuilder {
        let mut builder = Self::builder();
        match (
            PublicKey::parse(example_keys::MERCHANT_PUBLIC_KEY_PEM),
            PrivateKey::parse(example_keys::ALIPAY_PRIVATE_KEY_PEM),
        ) {
            (Ok(merchant), Ok(alipay)) => {
                builder.merchant_public_key = Some(merchant);
                builder.alipay_private_key = Some(alipay);
            }
            (Err(e), _) | (_, Err(e)) => builder.key_error = Some(e),
        }
        builder
    }
}

/// Configures and starts a [`Sandbox`].
#[derive(Debug)]
pub struct SandboxBuilder {
    client_id: String,
    merchant_public_key: Option<PublicKey>,
    alipay_private_key: Option<PrivateKey>,
    listen: SocketAddr,
    time_scale: f64,
    redelivery: bool,
    default_notify_url: Option<String>,
    delivery_timeout: Option<Duration>,
    tls: bool,
    key_error: Option<KeyError>,
}

impl SandboxBuilder {
    /// The merchant's client id; requests with another `Client-Id` are refused.
    /// Default `SANDBOX_5X00000000000000`.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = client_id.into();
        self
    }

    /// The merchant's public key, which verifies the merchant's requests.
    pub fn merchant_public_key(mut self, key: PublicKey) -> Self {
        self.merchant_public_key = Some(key);
        self
    }

    /// The private key the sandbox signs replies and notifications with, as
    /// Alipay. Merchants verify with its public key
    /// ([`SandboxHandle::alipay_public_key`]).
    pub fn alipay_private_key(mut self, key: PrivateKey) -> Self {
        self.alipay_private_key = Some(key);
        self
    }

    /// Where to listen. Default `127.0.0.1:0`: a free port, see
    /// [`SandboxHandle::base_url`].
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Multiplies Alipay's redelivery schedule (0s, 2m, 10m, 10m, 1h, 2h, 6h,
    /// 15h). Default 1.0; `0.001` turns 2 minutes into 120 ms for tests.
    pub fn time_scale(mut self, scale: f64) -> Self {
        self.time_scale = scale;
        self
    }

    /// Whether unacknowledged notifications are redelivered. Default `true`.
    /// `false` is what Alipay's hosted sandbox does: one attempt only.
    pub fn redelivery(mut self, redeliver: bool) -> Self {
        self.redelivery = redeliver;
        self
    }

    /// Where notifications go for payments created without a notify URL.
    pub fn default_notify_url(mut self, url: impl Into<String>) -> Self {
        self.default_notify_url = Some(url.into());
        self
    }

    /// How long one delivery attempt may take before it counts as failed.
    /// Default: 10 s times the time scale, kept between 1 s and 10 s.
    pub fn delivery_timeout(mut self, timeout: Duration) -> Self {
        self.delivery_timeout = Some(timeout);
        self
    }

    /// Serves HTTPS instead of http, with a certificate for `localhost`,
    /// `127.0.0.1` and `::1` issued by a throwaway CA made at start: trust
    /// [`SandboxHandle::tls_ca_certificate_pem`]. For clients that refuse
    /// plain http (the official SDKs). Notifications are still sent over
    /// http. Default off.
    #[cfg(feature = "tls")]
    pub fn tls(mut self, on: bool) -> Self {
        self.tls = on;
        self
    }

    /// Binds the address and starts serving. Must be called inside a tokio
    /// runtime; the sandbox runs on it until [`SandboxHandle::shutdown`] or
    /// until the runtime ends.
    pub async fn start(self) -> Result<SandboxHandle, Error> {
        if let Some(e) = self.key_error {
            return Err(Error::Key(e));
        }
        let merchant_key = self
            .merchant_public_key
            .ok_or(Error::MissingKey("merchant public key"))?;
        let alipay_key = self
            .alipay_private_key
            .ok_or(Error::MissingKey("Alipay private key"))?;
        if !self.time_scale.is_finite() || self.time_scale < 0.0 {
            return Err(Error::TimeScale(self.time_scale));
        }
        if self.client_id.is_empty() || !self.client_id.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::ClientId(self.client_id));
        }
        if let Some(url) = &self.default_notify_url {
            check_notify_url(url).map_err(Error::NotifyUrl)?;
        }
        if *alipay_key.public_key() == merchant_key {
            tracing::warn!(
                "the merchant public key is the public half of the sandbox's Alipay private key: merchants and Alipay should have different key pairs"
            );
        }
        let (acceptor, tls_ca_pem) = if self.tls {
            let (acceptor, pem) = make_tls()?;
            (Some(acceptor), Some(pem))
        } else {
            (None, None)
        };
        let listener = TcpListener::bind(self.listen)
            .await
            .map_err(|source| Error::Bind {
                addr: self.listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Bind {
            addr: self.listen,
            source,
        })?;

        let attempt_timeout = self.delivery_timeout.unwrap_or_else(|| {
            Duration::try_from_secs_f64(10.0 * self.time_scale)
                .unwrap_or(Duration::MAX)
                .clamp(Duration::from_secs(1), Duration::from_secs(10))
        });
        let (stop, stopped) = watch::channel(false);
        let notifier = Notifier::new(
            self.client_id.clone(),
            alipay_key.clone(),
            schedule(self.time_scale, self.redelivery),
            attempt_timeout,
            stopped.clone(),
            tokio::runtime::Handle::current(),
        );
        let shared = Arc::new(Shared {
            client_id: self.client_id,
            merchant_key,
            alipay_key,
            default_notify_url: self.default_notify_url,
            ledger: Mutex::default(),
            faults: Mutex::default(),
            notifier,
        });
        let server = tokio::spawn(serve(listener, Arc::clone(&shared), acceptor, stopped));
        Ok(SandboxHandle {
            inner: Arc::new(HandleInner {
                shared,
                addr,
                tls_ca_pem,
                stop,
                server: Mutex::new(Some(server)),
            }),
        })
    }
}

#[cfg(feature = "tls")]
type Acceptor = tokio_rustls::TlsAcceptor;
#[cfg(not(feature = "tls"))]
type Acceptor = std::convert::Infallible;

/// The TLS acceptor and the PEM of the CA clients must trust.
#[cfg(feature = "tls")]
fn make_tls() -> Result<(Acceptor, String), Error> {
    let tls = crate::tls::generate().map_err(Error::Tls)?;
    Ok((tls.acceptor, tls.ca_pem))
}

#[cfg(not(feature = "tls"))]
fn make_tls() -> Result<(Acceptor, String), Error> {
    Err(Error::Tls(
        "this build has no `tls` feature; rebuild alipay-ams-sandbox with it".into(),
    ))
}

async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    acceptor: Option<Acceptor>,
    mut stopped: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let shared = Arc::clone(&shared);
                    match &acceptor {
                        None => connections.spawn(serve_connection(stream, shared)),
                        #[cfg(feature = "tls")]
                        Some(acceptor) => connections.spawn({
                            let acceptor = acceptor.clone();
                            async move {
                                match acceptor.accept(stream).await {
                                    Ok(tls) => serve_connection(tls, shared).await,
                                    Err(e) => tracing::info!("TLS handshake failed: {e}"),
                                }
                            }
                        }),
                        #[cfg(not(feature = "tls"))]
                        Some(never) => match *never {},
                    };
                }
                Err(e) => {
                    // Out of file descriptors and the like: wait, don't spin.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            _ = crate::stopped(&mut stopped) => break,
        }
    }
    connections.abort_all();
    while connections.join_next().await.is_some() {}
}

async fn serve_connection<I>(io: I, shared: Arc<Shared>)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |request| gateway::handle(Arc::clone(&shared), request));
    if let Err(e) = http1::Builder::new()
        .serve_connection(TokioIo::new(io), service)
        .await
    {
        tracing::debug!("connection ended: {e}");
    }
}

/// A running sandbox. Cheap to clone; every clone drives the same sandbox.
/// Dropping the last clone stops it too (without waiting, unlike
/// [`shutdown`](Self::shutdown)).
#[derive(Clone)]
pub struct SandboxHandle {
    inner: Arc<HandleInner>,
}

struct HandleInner {
    shared: Arc<Shared>,
    addr: SocketAddr,
    tls_ca_pem: Option<String>,
    stop: watch::Sender<bool>,
    server: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for SandboxHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxHandle")
            .field("addr", &self.inner.addr)
            .field("client_id", &self.inner.shared.client_id)
            .finish_non_exhaustive()
    }
}

impl SandboxHandle {
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

    /// With TLS, the PEM of the throwaway CA that issued the sandbox's
    /// certificate: what clients must trust. `None` over plain http.
    pub fn tls_ca_certificate_pem(&self) -> Option<&str> {
        self.inner.tls_ca_pem.as_deref()
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

    /// Creates an authorized payment, as `pay` would have. An
    /// automatic-capture payment is captured and notified at once.
    pub fn create_payment(&self, payment: CreatePayment) -> Result<Payment, Error> {
        crate::control::create_payment(&self.inner.shared, payment).map_err(Error::Payment)
    }

    /// Arms `fault` for the next `count` calls of `api` (after any already armed).
    pub fn arm_fault(&self, api: Api, fault: Fault, count: u32) {
        lock(&self.inner.shared.faults).arm(api, fault, count);
    }

    /// How many faults are still armed for `api`.
    pub fn armed_faults(&self, api: Api) -> u64 {
        lock(&self.inner.shared.faults).pending(api)
    }

    /// Every notification delivery attempt so far, in order.
    pub fn deliveries(&self) -> Vec<DeliveryAttempt> {
        self.inner.shared.notifier.log()
    }

    /// Waits until `done` holds for the delivery log, at most `timeout`.
    /// `Ok(log)` when it held, `Err(log)` (the log at the deadline) when not.
    ///
    /// ```no_run
    /// # async fn f(sandbox: alipay_ams_sandbox::SandboxHandle) {
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

    /// A snapshot of a payment (authorized, captured total, captures).
    pub fn payment(&self, payment_id: &str) -> Option<PaymentState> {
        lock(&self.inner.shared.ledger).payment(payment_id)
    }

    /// Every capture performed, successful or failed, oldest first.
    pub fn captures(&self) -> Vec<CaptureRecord> {
        lock(&self.inner.shared.ledger).captures()
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
    }
}
