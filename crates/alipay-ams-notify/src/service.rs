//! `NotifyService`: the endpoint as a tower `Service`, for axum, hyper, tonic
//! and anything else that speaks tower.

use std::convert::Infallible;
use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::{ALLOW, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use tracing::{Instrument, Span, field};

use alipay_ams_core::{ACK_BODY, Notification};

use crate::config::NotifyConfig;
use crate::error::NotifyError;
use crate::handler::NotifyHandler;
use crate::verify::verify;

/// A notification endpoint: verifies each delivery, hands it to the
/// [`NotifyHandler`], and acknowledges it only when the handler returned `Ok`.
///
/// It is a `tower_service::Service<http::Request<B>>` for any body type, never
/// fails as a service (every outcome is an HTTP response), is always ready, and
/// is cheap to clone (the handler and configuration are shared). Mount it at
/// the path of the notify URL you gave Alipay:
///
/// ```no_run
/// # use alipay_ams_core::{CaptureNotification, PublicKey};
/// # use alipay_ams_notify::{HandlerError, NotifyConfig, NotifyHandler, NotifyMeta, NotifyService};
/// # struct Orders;
/// # impl NotifyHandler for Orders {
/// #     async fn capture(&self, _: CaptureNotification, _: &NotifyMeta) -> Result<(), HandlerError> { Ok(()) }
/// # }
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let config = NotifyConfig::new("SANDBOX_5X00000000000000", PublicKey::from_file("alipay_public_key.pem")?);
/// let app = axum::Router::new().route_service("/alipay/notify", NotifyService::new(config, Orders));
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
/// axum::serve(listener, app).await?;
/// # Ok(()) }
/// ```
///
/// With plain hyper, wrap it in `hyper_util::service::TowerToHyperService`, or
/// call [`handle`](Self::handle) from `hyper::service::service_fn`.
pub struct NotifyService<H> {
    inner: Arc<Inner<H>>,
}

struct Inner<H> {
    config: NotifyConfig,
    handler: H,
}

impl<H> Clone for NotifyService<H> {
    fn clone(&self) -> Self {
        NotifyService {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<H> fmt::Debug for NotifyService<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotifyService")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl<H: NotifyHandler> NotifyService<H> {
    /// An endpoint with `config` that hands verified notifications to `handler`.
    pub fn new(config: NotifyConfig, handler: H) -> Self {
        NotifyService {
            inner: Arc::new(Inner { config, handler }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &NotifyConfig {
        &self.inner.config
    }

    /// The handler.
    pub fn handler(&self) -> &H {
        &self.inner.handler
    }

    /// Answers one request. This is what [`Service::call`](tower_service::Service::call)
    /// runs; it is public for servers that take a closure (`hyper::service::service_fn`).
    pub fn handle<B>(
        &self,
        request: Request<B>,
    ) -> impl Future<Output = Response<Full<Bytes>>> + Send + 'static + use<H, B>
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
            idempotency_key = field::Empty,
            outcome = field::Empty,
        );
        async move {
            let outcome = inner.process(request).await;
            let span = Span::current();
            match outcome {
                Ok(()) => {
                    span.record("outcome", "acknowledged");
                    tracing::info!("notification acknowledged");
                    reply(StatusCode::OK, Bytes::from_static(ACK_BODY.as_bytes()))
                }
                Err(error) => {
                    span.record("outcome", error.kind());
                    match &error {
                        NotifyError::Handler(_) => {
                            tracing::error!(error = %error, "handler failed; Alipay will redeliver")
                        }
                        _ => tracing::warn!(error = %error, "notification refused"),
                    }
                    let mut response = reply(error.status(), error.response_body());
                    if matches!(error, NotifyError::MethodNotAllowed) {
                        response
                            .headers_mut()
                            .insert(ALLOW, HeaderValue::from_static("POST"));
                    }
                    response
                }
            }
        }
        .instrument(span)
    }
}

impl<H: NotifyHandler> Inner<H> {
    async fn process<B>(&self, request: Request<B>) -> Result<(), NotifyError>
    where
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn StdError + Send + Sync>>,
    {
        let (parts, body) = request.into_parts();
        if parts.method != Method::POST {
            return Err(NotifyError::MethodNotAllowed);
        }

        // Refuse a declared oversize body before reading any of it.
        let limit = self.config.body_limit_bytes();
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
        let body = match Limited::new(body, limit).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => {
                return Err(too_large);
            }
            Err(error) => return Err(NotifyError::BodyRead(error)),
        };

        let path = parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path(), |pq| pq.as_str());
        let (notification, meta) = verify(
            parts.method.as_str(),
            path,
            &parts.headers,
            body,
            &self.config,
        )?;

        let span = Span::current();
        if let Some(kind) = notification.notify_type() {
            span.record("notify_type", kind.as_str());
        }
        span.record("idempotency_key", meta.idempotency_key().as_str());

        match notification {
            Notification::Capture(capture) => self.handler.capture(capture, &meta).await,
            other => self.handler.other(other, &meta).await,
        }
        .map_err(NotifyError::Handler)
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

impl<H, B> tower_service::Service<Request<B>> for NotifyService<H>
where
    H: NotifyHandler,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let response = self.handle(request);
        Box::pin(async move { Ok(response.await) })
    }
}
