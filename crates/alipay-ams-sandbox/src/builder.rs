//! Configuring and starting a [`Sandbox`].

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alipay_ams_core::{KeyError, PrivateKey, PublicKey};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::clock::{Clock, Timers};
use crate::delivery::{Notifier, schedule};
use crate::error::{Error, TlsError, check_notify_url};
use crate::example_keys;
use crate::ledger::{Config, DEFAULT_PAYMENT_EXPIRY, PROCESSING_DELAY};
use crate::route::{Books, Route};
use crate::sandbox::{DEFAULT_CLIENT_ID, Sandbox};
use crate::server::{Acceptor, serve};
use crate::shared::Shared;

/// The longest expiry or processing delay the books schedule (so that a
/// huge time scale cannot overflow a timestamp).
const LONGEST: Duration = Duration::from_secs(365 * 24 * 3600);

/// Configures and starts a [`Sandbox`]: from [`Sandbox::builder`] (your
/// keys) or [`Sandbox::with_example_keys`] (tests).
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
    routes: Vec<Route>,
    payment_expiry: Duration,
}

impl SandboxBuilder {
    pub(crate) fn new() -> Self {
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
            routes: crate::rules::served(),
            payment_expiry: DEFAULT_PAYMENT_EXPIRY,
        }
    }

    /// Both example keys (TEST ONLY).
    pub(crate) fn example_keys(mut self) -> Self {
        match (
            PublicKey::parse(example_keys::MERCHANT_PUBLIC_KEY_PEM),
            PrivateKey::parse(example_keys::ALIPAY_PRIVATE_KEY_PEM),
        ) {
            (Ok(merchant), Ok(alipay)) => {
                self.merchant_public_key = Some(merchant);
                self.alipay_private_key = Some(alipay);
            }
            (Err(e), _) | (_, Err(e)) => self.key_error = Some(e),
        }
        self
    }

    /// Serves one more API (tests of the route table).
    #[cfg(test)]
    pub(crate) fn route(mut self, route: Route) -> Self {
        self.routes.push(route);
        self
    }

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
    /// ([`Sandbox::alipay_public_key`]).
    pub fn alipay_private_key(mut self, key: PrivateKey) -> Self {
        self.alipay_private_key = Some(key);
        self
    }

    /// Where to listen. Default `127.0.0.1:0`: a free port, see
    /// [`Sandbox::base_url`].
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Multiplies Alipay's redelivery schedule (0s, 2m, 10m, 10m, 1h, 2h, 6h,
    /// 15h) and the sandbox's asynchronous processing delay (2 s: a pending
    /// payment or an asynchronous refund settling). Default 1.0; `0.001`
    /// turns 2 minutes into 120 ms for tests. Payment expiry is not scaled:
    /// see [`payment_expiry`](Self::payment_expiry).
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

    /// TEST ONLY: how long a payment made by `pay` waits for the buyer when
    /// the request gives no `paymentExpiryTime`. Default: Alipay's 14
    /// minutes, in real time. A test that wants to see a payment expire on
    /// its own shortens it; [`Sandbox::expire_payment`] expires one at once.
    pub fn payment_expiry(mut self, expiry: Duration) -> Self {
        self.payment_expiry = expiry;
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
    /// [`Sandbox::tls_ca_certificate_pem`]. For clients that refuse plain
    /// http (the official SDKs). Notifications are still sent over http.
    /// Default off.
    #[cfg(feature = "tls")]
    pub fn tls(mut self, on: bool) -> Self {
        self.tls = on;
        self
    }

    /// Binds the address and starts serving. Must be called inside a tokio
    /// runtime; the sandbox runs on it until [`Sandbox::shutdown`], until
    /// the last clone of the [`Sandbox`] is dropped, or until the runtime
    /// ends.
    pub async fn start(self) -> Result<Sandbox, Error> {
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
            check_notify_url(url)?;
        }
        if self.payment_expiry.is_zero() {
            return Err(Error::PaymentExpiry);
        }
        if *alipay_key.public_key() == merchant_key {
            tracing::warn!(
                "the merchant public key is the public half of the sandbox's Alipay private key: merchants and Alipay should have different key pairs"
            );
        }
        // The example merchant key pair: its private half is public anyway,
        // so a test can sign with it without handling keys.
        let merchant_private_key = PrivateKey::parse(example_keys::MERCHANT_PRIVATE_KEY_PEM)
            .ok()
            .filter(|key| *key.public_key() == merchant_key);
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
        let scheme = if tls_ca_pem.is_some() {
            "https"
        } else {
            "http"
        };
        let mut books = Books::default();
        books.ledger.config = Config {
            base_url: format!("{scheme}://{addr}"),
            default_expiry: self.payment_expiry.min(LONGEST),
            processing_delay: Duration::try_from_secs_f64(
                PROCESSING_DELAY.as_secs_f64() * self.time_scale,
            )
            .unwrap_or(LONGEST)
            .min(LONGEST),
        };
        let timers = Timers::new(tokio::runtime::Handle::current(), stopped.clone());
        let shared = Arc::new_cyclic(|me| Shared {
            me: me.clone(),
            client_id: self.client_id,
            merchant_key,
            alipay_key,
            default_notify_url: self.default_notify_url,
            routes: self.routes,
            books: Mutex::new(books),
            faults: Mutex::default(),
            notifier,
            clock: Clock::default(),
            timers,
        });
        let server = tokio::spawn(serve(listener, Arc::clone(&shared), acceptor, stopped));
        Ok(Sandbox::running(
            shared,
            addr,
            tls_ca_pem,
            merchant_private_key,
            stop,
            server,
        ))
    }
}

/// The TLS acceptor and the PEM of the CA clients must trust.
#[cfg(feature = "tls")]
fn make_tls() -> Result<(Acceptor, String), TlsError> {
    let tls = crate::tls::generate()?;
    Ok((tls.acceptor, tls.ca_pem))
}

#[cfg(not(feature = "tls"))]
fn make_tls() -> Result<(Acceptor, String), TlsError> {
    Err(TlsError::FeatureOff)
}
