//! `NotifyService`: the endpoint as a tower `Service`, for axum, hyper, tonic
//! and anything else that speaks tower.

use std::convert::Infallible;
use std::error::Error as StdError;
use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::{ALLOW, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE};
use http::request::Parts;
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use tracing::{Instrument, Span, field};

use alipay_ams_core::{ACK_BODY, NotificationKind};

use crate::config::NotifyConfig;
use crate::error::NotifyError;
use crate::handler::{NotifyHandler, TxHandler};
use crate::inbox::{Inbox, MemoryInbox};
use crate::meta::Verified;
use crate::router::{NotifyRouter, NotifyRouterBuilder, RouteError};
use crate::verify::verify_signed;

/// A notification endpoint: verifies each delivery, routes it to the handler
/// of its kind, and acknowledges it only when that handler returned `Ok`.
///
/// It is a `tower_service::Service<http::Request<B>>` for any body type, never
/// fails as a service (every outcome is an HTTP response), is always ready, and
/// is cheap to clone (the routes and configuration are shared). Mount it at
/// the path of the notify URL you gave Alipay:
///
/// ```no_run
/// # use alipay_ams_api::payments::CaptureNotification;
/// # use alipay_ams_core::PublicKey;
/// # use alipay_ams_notify::{HandlerError, NotifyConfig, NotifyHandler, NotifyMeta, NotifyService};
/// # struct Orders;
/// # impl NotifyHandler<CaptureNotification> for Orders {
/// #     async fn handle(&self, _: CaptureNotification, _: &NotifyMeta) -> Result<(), HandlerError> { Ok(()) }
/// # }
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let config = NotifyConfig::new("SANDBOX_5X00000000000000", PublicKey::from_file("alipay_public_key.pem")?);
/// let service = NotifyService::builder(config)
///     .on::<CaptureNotification>(Orders)
///     .deadline(std::time::Duration::from_secs(30), tokio::time::sleep)
///     .build()?;
/// let app: axum::Router = axum::Router::new().route_service("/alipay/notify", service);
/// # Ok(()) }
/// ```
///
/// With plain hyper, wrap it in `hyper_util::service::TowerToHyperService`, or
/// call [`handle`](Self::handle) from `hyper::service::service_fn`.
///
/// Each verified notification is recorded in the service's [`Inbox`] before
/// its handler runs: a [`MemoryInbox`] by default, which acknowledges a
/// redelivery of a processed notification without running the handler
/// again, within one process. For several replicas, and handlers whose
/// writes commit with the inbox's record, build it with
/// [`builder_with_inbox`](Self::builder_with_inbox) and a durable inbox.
pub struct NotifyService<I: Inbox = MemoryInbox> {
    inner: Arc<Inner<I>>,
}

impl<I: Inbox> Clone for NotifyService<I> {
    fn clone(&self) -> Self {
        NotifyService {
            inner: Arc::clone(&self.inner),
        }
    }
}

struct Inner<I: Inbox> {
    config: NotifyConfig,
    router: NotifyRouter<I>,
    deadline: Option<Deadline>,
}

/// How long a request may take, and the runtime's timer to tell.
struct Deadline {
    limit: Duration,
    sleep: Box<dyn Fn(Duration) -> Timer + Send + Sync>,
}

/// A running `sleep` of the caller's runtime.
type Timer = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Builds a [`NotifyService`]: its routes, what happens to notifications no
/// route handles, and its deadline.
#[must_use = "a service builder does nothing until built"]
pub struct NotifyServiceBuilder<I: Inbox = MemoryInbox> {
    config: NotifyConfig,
    routes: NotifyRouterBuilder<I>,
    deadline: Option<Deadline>,
}

impl NotifyService<MemoryInbox> {
    /// Starts building an endpoint with `config`, over a [`MemoryInbox`].
    pub fn builder(config: NotifyConfig) -> NotifyServiceBuilder<MemoryInbox> {
        Self::builder_with_inbox(config, MemoryInbox::new())
    }
}

impl<I: Inbox> NotifyService<I> {
    /// Starts building an endpoint with `config` over `inbox`: a durable one
    /// (`alipay_ams_postgres::PgInbox`) for several replicas, whose
    /// transaction [`TxHandler`]s routed with
    /// [`on_tx`](NotifyServiceBuilder::on_tx) write in.
    pub fn builder_with_inbox(config: NotifyConfig, inbox: I) -> NotifyServiceBuilder<I> {
        NotifyServiceBuilder {
            config,
            routes: NotifyRouter::builder_with_inbox(inbox),
            deadline: None,
        }
    }

    /// An endpoint with `config` over a router built elsewhere, without a
    /// deadline.
    pub fn new(config: NotifyConfig, router: NotifyRouter<I>) -> Self {
        NotifyService {
            inner: Arc::new(Inner {
                config,
                router,
                deadline: None,
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &NotifyConfig {
        &self.inner.config
    }

    /// The routes and the inbox.
    pub fn router(&self) -> &NotifyRouter<I> {
        &self.inner.router
    }

    /// The deadline of each request, if one is set.
    pub fn deadline(&self) -> Option<Duration> {
        self.inner.deadline.as_ref().map(|d| d.limit)
    }

    /// Answers one request. This is what [`Service::call`](tower_service::Service::call)
    /// runs; it is public for servers that take a closure (`hyper::service::service_fn`).
    pub fn handle<B>(
        &self,
        request: Request<B>,
    ) -> impl Future<Output = Response<Full<Bytes>>> + Send + 'static + use<B, I>
    where
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn StdError + Send + Sync>>,
    {
        let inner = Arc::clone(&self.inner);
        let span = tracing::info_span!(
            "alipay_notify",
            path = %request.uri().path(),
            notify_type = field::Empty,
            kind = field::Empty,
            dedup_key = field::Empty,
            outcome = field::Empty,
        );
        async move {
            let outcome = match &inner.deadline {
                None => inner.process(request).await,
                Some(deadline) => {
                    let work = pin!(inner.process(request));
                    let timer = (deadline.sleep)(deadline.limit);
                    match first(work, timer).await {
                        Some(outcome) => outcome,
                        None => {
                            let error = NotifyError::DeadlineExceeded {
                                limit: deadline.limit,
                            };
                            error.log();
                            Err(error)
                        }
                    }
                }
            };
            let span = Span::current();
            match outcome {
                Ok(()) => {
                    span.record("outcome", "acknowledged");
                    tracing::info!("notification acknowledged");
                    reply(StatusCode::OK, Bytes::from_static(ACK_BODY.as_bytes()))
                }
                Err(error) => {
                    span.record("outcome", error.kind());
                    let mut response = reply(error.status(), error.response_body());
                    let headers = response.headers_mut();
                    match error {
                        NotifyError::MethodNotAllowed => {
                            headers.insert(ALLOW, HeaderValue::from_static("POST"));
                        }
                        // The body may be half read: the connection cannot
                        // carry another request.
                        NotifyError::DeadlineExceeded { .. } => {
                            headers.insert(CONNECTION, HeaderValue::from_static("close"));
                        }
                        _ => {}
                    }
                    response
                }
            }
        }
        .instrument(span)
    }
}

impl<I: Inbox> fmt::Debug for NotifyService<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotifyService")
            .field("config", &self.inner.config)
            .field("router", &self.inner.router)
            .field("deadline", &self.deadline())
            .finish()
    }
}

impl<I: Inbox> NotifyServiceBuilder<I> {
    /// Routes notifications of kind `K` to `handler` (see
    /// [`NotifyRouterBuilder::on`]).
    pub fn on<K: NotificationKind>(mut self, handler: impl NotifyHandler<K>) -> Self {
        self.routes = self.routes.on::<K>(handler);
        self
    }

    /// Routes notifications of kind `K` to `handler`, which writes in the
    /// inbox's transaction (see [`NotifyRouterBuilder::on_tx`]).
    pub fn on_tx<K: NotificationKind>(mut self, handler: impl TxHandler<K, I::Tx>) -> Self {
        self.routes = self.routes.on_tx::<K>(handler);
        self
    }

    /// Acknowledges (and drops) notifications no route handles, with a WARN
    /// log, instead of refusing them (see
    /// [`NotifyRouterBuilder::acknowledge_unhandled`]).
    pub fn acknowledge_unhandled(mut self) -> Self {
        self.routes = self.routes.acknowledge_unhandled();
        self
    }

    /// Answers a request that is not done within `limit` (reading its body,
    /// verifying it, running the handler) with 503 and resultStatus `U`, and
    /// closes its connection: a client that sends its body slowly cannot hold
    /// the endpoint, and Alipay delivers again. `sleep` is your runtime's
    /// timer, `tokio::time::sleep` with tokio. Pair it with your HTTP
    /// server's header read timeout, which bounds the time before the request
    /// reaches this service. A handler still running at the deadline is
    /// dropped, as on any cancellation: what it did not commit is not done,
    /// and Alipay's redelivery finds it undone (or done, with the same dedup
    /// key, if it committed just before).
    pub fn deadline<S, F>(mut self, limit: Duration, sleep: S) -> Self
    where
        S: Fn(Duration) -> F + Send + Sync + 'static,
        F: Future<Output = ()> + Send + 'static,
    {
        self.deadline = Some(Deadline {
            limit,
            sleep: Box::new(move |limit| Box::pin(sleep(limit))),
        });
        self
    }

    /// The service; refuses routes that conflict (see [`NotifyRouterBuilder::build`]).
    pub fn build(self) -> Result<NotifyService<I>, RouteError> {
        Ok(NotifyService {
            inner: Arc::new(Inner {
                config: self.config,
                router: self.routes.build()?,
                deadline: self.deadline,
            }),
        })
    }
}

impl<I: Inbox> fmt::Debug for NotifyServiceBuilder<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotifyServiceBuilder")
            .field("config", &self.config)
            .field("routes", &self.routes)
            .field("deadline", &self.deadline.as_ref().map(|d| d.limit))
            .finish()
    }
}

/// The work's output, or `None` if the timer fired first.
async fn first<T>(mut work: Pin<&mut impl Future<Output = T>>, mut timer: Timer) -> Option<T> {
    poll_fn(|cx| {
        if let Poll::Ready(out) = work.as_mut().poll(cx) {
            return Poll::Ready(Some(out));
        }
        timer.as_mut().poll(cx).map(|()| None)
    })
    .await
}

impl<I: Inbox> Inner<I> {
    /// verify → route → handler; every refusal is logged where it is decided.
    async fn process<B>(&self, request: Request<B>) -> Result<(), NotifyError>
    where
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn StdError + Send + Sync>>,
    {
        let verified = self.receive(request).await.inspect_err(NotifyError::log)?;
        if let Some(notify_type) = verified.notify_type() {
            Span::current().record("notify_type", notify_type);
        }
        self.router.dispatch(verified).await
    }

    /// Reads the body through the limit and verifies the delivery.
    async fn receive<B>(&self, request: Request<B>) -> Result<Verified, NotifyError>
    where
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn StdError + Send + Sync>>,
    {
        let (parts, body) = request.into_parts();
        if parts.method != Method::POST {
            return Err(NotifyError::MethodNotAllowed);
        }
        let body = read_limited(&parts, body, self.config.body_limit()).await?;
        let path = parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path(), |pq| pq.as_str());
        verify_signed(path, &parts.headers, body, &self.config)
    }
}

/// The body, refused past `limit` bytes: at once when its declared length is
/// over, otherwise as soon as the bytes read pass it.
async fn read_limited<B>(parts: &Parts, body: B, limit: usize) -> Result<Bytes, NotifyError>
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    let too_large = NotifyError::BodyTooLarge { limit };
    let declared = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let limit_u64 = u64::try_from(limit).unwrap_or(u64::MAX);
    if declared.is_some_and(|len| len > limit_u64) || body.size_hint().lower() > limit_u64 {
        return Err(too_large);
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => Err(too_large),
        Err(error) => Err(NotifyError::BodyRead(error)),
    }
}

fn reply(status: StatusCode, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

impl<B, I: Inbox> tower_service::Service<Request<B>> for NotifyService<I>
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        ResponseFuture {
            inner: Box::pin(self.handle(request)),
        }
    }
}

/// The answer [`NotifyService`] gives as a tower `Service`: the response of
/// [`NotifyService::handle`], which never fails. (One allocation per
/// request: an `async` block wrapping `handle` would hold that future twice.)
pub struct ResponseFuture {
    inner: Pin<Box<dyn Future<Output = Response<Full<Bytes>>> + Send>>,
}

impl Future for ResponseFuture {
    type Output = Result<Response<Full<Bytes>>, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.inner.as_mut().poll(cx).map(Ok)
    }
}

impl fmt::Debug for ResponseFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}
