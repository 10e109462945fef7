//! Routing of verified notifications to the handler of their kind.
//!
//! A kind is recognised by its [`Discriminator`] (its `notifyType` values, or
//! for kinds without `notifyType` a field only they carry), as Alipay's
//! notification overview describes: <https://docs.antom.com/ac/ams/notifications>.
//! The pipeline is verify → [`classify`](NotifyRouter::classify) →
//! [`Routed::run`] → acknowledge; [`dispatch`](NotifyRouter::dispatch) runs
//! the last three steps. Something that must happen between classification
//! and the handler (recording the notification under its dedup key before it
//! is processed, as an inbox does) calls `classify` and `run` itself.

use std::any::TypeId;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use alipay_ams_core::{DedupKey, Discriminator, NotificationKind};
use tracing::Span;

use crate::error::NotifyError;
use crate::handler::{HandlerError, NotifyHandler};
use crate::meta::{NotifyMeta, Verified};

/// Which handler runs for which notification kind, and what happens to a
/// notification no route handles.
///
/// Built once with [`NotifyRouter::builder`]; [`NotifyService`](crate::NotifyService)
/// holds one, and servers that are not tower-based use it directly after
/// [`verify_notification`](crate::verify_notification):
///
/// ```
/// # use alipay_ams_api::payments::CaptureNotification;
/// # use alipay_ams_notify::{HandlerError, NotifyHandler, NotifyMeta, NotifyRouter, RouteError};
/// # struct Orders;
/// # impl NotifyHandler<CaptureNotification> for Orders {
/// #     async fn handle(&self, _: CaptureNotification, _: &NotifyMeta) -> Result<(), HandlerError> { Ok(()) }
/// # }
/// let router = NotifyRouter::builder()
///     .on::<CaptureNotification>(Orders)
///     .build()?;
/// assert_eq!(router.kinds().collect::<Vec<_>>(), ["notifyCapture"]);
///
/// // A kind routed twice is refused when the router is built.
/// let twice = NotifyRouter::builder()
///     .on::<CaptureNotification>(Orders)
///     .on::<CaptureNotification>(Orders)
///     .build();
/// assert!(matches!(twice, Err(RouteError::Duplicate { kind: "notifyCapture" })));
/// # Ok::<(), RouteError>(())
/// ```
pub struct NotifyRouter {
    routes: Vec<Arc<dyn Route>>,
    acknowledge_unhandled: bool,
}

/// Builds a [`NotifyRouter`]: one [`on`](Self::on) per kind.
#[must_use = "a router builder does nothing until built"]
pub struct NotifyRouterBuilder {
    routes: Vec<Arc<dyn Route>>,
    acknowledge_unhandled: bool,
}

/// Why routes could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RouteError {
    /// The same kind was routed twice.
    #[error(
        "{kind} is routed twice: route each notification kind once (one handler may serve several kinds, one route each)"
    )]
    Duplicate {
        /// The kind's name.
        kind: &'static str,
    },
    /// Two kinds claim the same notifications, so the second would never run.
    #[error(
        "{first} and {second} both claim {claimed}: only the first would ever run; route one of them"
    )]
    Overlap {
        /// The kind routed first.
        first: &'static str,
        /// The kind routed second.
        second: &'static str,
        /// What both claim (`notifyType "CAPTURE_RESULT"`).
        claimed: String,
    },
}

impl NotifyRouter {
    /// A router without routes, which refuses every notification until
    /// routes are added.
    pub fn builder() -> NotifyRouterBuilder {
        NotifyRouterBuilder {
            routes: Vec::new(),
            acknowledge_unhandled: false,
        }
    }

    /// The names of the routed kinds, in routing order.
    pub fn kinds(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.routes.iter().map(|route| route.name())
    }

    /// Whether notifications no route handles are acknowledged (and dropped).
    pub fn acknowledges_unhandled(&self) -> bool {
        self.acknowledge_unhandled
    }

    /// Finds the route of a verified notification (the first whose
    /// discriminator matches) and parses its body as that kind; runs nothing.
    /// Fails only when the body is not of the shape of the kind it claims.
    pub fn classify(&self, verified: Verified) -> Result<Classified, NotifyError> {
        let found = self
            .routes
            .iter()
            .find(|route| route.discriminator().matches(verified.peek()));
        match found {
            Some(route) => Arc::clone(route).prepare(verified).map(Classified::Routed),
            None => Ok(Classified::Unrouted(Unrouted { verified })),
        }
    }

    /// Classifies a verified notification and runs its handler. `Ok` means
    /// "acknowledge it": answer HTTP 200 with [`alipay_ams_core::ACK_BODY`].
    /// A notification no route handles is refused ([`NotifyError::Unhandled`],
    /// logged at ERROR) unless the router acknowledges unhandled kinds (then
    /// logged at WARN). Failures are logged here, with the kind and dedup key.
    pub async fn dispatch(&self, verified: Verified) -> Result<(), NotifyError> {
        let result = match self.classify(verified) {
            Ok(Classified::Routed(routed)) => {
                let kind = routed.kind();
                let dedup_key = routed.dedup_key().clone();
                let span = Span::current();
                span.record("kind", kind);
                span.record("dedup_key", dedup_key.as_str());
                let outcome = routed.run().await.map_err(NotifyError::from);
                if let Err(error) = &outcome {
                    tracing::error!(
                        kind,
                        dedup_key = %dedup_key,
                        outcome = error.kind(),
                        error = %error,
                        "handler failed; Alipay will deliver the notification again"
                    );
                }
                return outcome;
            }
            Ok(Classified::Unrouted(unrouted)) if self.acknowledge_unhandled => {
                tracing::warn!(
                    kind = %unrouted.describe(),
                    "acknowledging a notification no route handles (acknowledge_unhandled is set): it is dropped"
                );
                Ok(())
            }
            Ok(Classified::Unrouted(unrouted)) => Err(NotifyError::Unhandled {
                kind: unrouted.describe(),
            }),
            Err(error) => Err(error),
        };
        if let Err(error) = &result {
            error.log();
        }
        result
    }
}

impl fmt::Debug for NotifyRouter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotifyRouter")
            .field("kinds", &self.kinds().collect::<Vec<_>>())
            .field("acknowledge_unhandled", &self.acknowledge_unhandled)
            .finish()
    }
}

impl NotifyRouterBuilder {
    /// Routes notifications of kind `K` to `handler`. To share the handler's
    /// state with the rest of the app, route an `Arc` clone of it.
    pub fn on<K: NotificationKind>(mut self, handler: impl NotifyHandler<K>) -> Self {
        self.routes.push(Arc::new(KindRoute {
            handler,
            kind: PhantomData::<fn() -> K>,
        }));
        self
    }

    /// Acknowledges (and drops) verified notifications that no route
    /// handles, with a WARN log, instead of refusing them so that Alipay
    /// delivers them again. Only for kinds you know you do not want: a kind
    /// you forgot to route is lost for good once acknowledged.
    pub fn acknowledge_unhandled(mut self) -> Self {
        self.acknowledge_unhandled = true;
        self
    }

    /// The router; refuses a kind routed twice and two kinds that claim the
    /// same notifications.
    pub fn build(self) -> Result<NotifyRouter, RouteError> {
        for (at, later) in self.routes.iter().enumerate() {
            for earlier in self.routes.iter().take(at) {
                check_distinct(earlier.as_ref(), later.as_ref())?;
            }
        }
        Ok(NotifyRouter {
            routes: self.routes,
            acknowledge_unhandled: self.acknowledge_unhandled,
        })
    }
}

impl fmt::Debug for NotifyRouterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotifyRouterBuilder")
            .field(
                "kinds",
                &self.routes.iter().map(|r| r.name()).collect::<Vec<_>>(),
            )
            .field("acknowledge_unhandled", &self.acknowledge_unhandled)
            .finish()
    }
}

fn check_distinct(earlier: &dyn Route, later: &dyn Route) -> Result<(), RouteError> {
    if earlier.kind_id() == later.kind_id() {
        return Err(RouteError::Duplicate { kind: later.name() });
    }
    let claimed = match (earlier.discriminator(), later.discriminator()) {
        (Discriminator::NotifyType(a), Discriminator::NotifyType(b)) => a
            .iter()
            .find(|value| b.contains(value))
            .map(|value| format!("notifyType {value:?}")),
        (Discriminator::Field(a), Discriminator::Field(b)) if a == b => {
            Some(format!("the field {a:?}"))
        }
        _ => None,
    };
    match claimed {
        Some(claimed) => Err(RouteError::Overlap {
            first: earlier.name(),
            second: later.name(),
            claimed,
        }),
        None => Ok(()),
    }
}

/// What [`NotifyRouter::classify`] found.
#[derive(Debug)]
pub enum Classified {
    /// A route handles it.
    Routed(Routed),
    /// No route handles it.
    Unrouted(Unrouted),
}

/// A verified notification parsed as the kind of its route, with its dedup
/// key, ready for its handler.
pub struct Routed {
    meta: NotifyMeta,
    call: Box<dyn FnOnce(NotifyMeta) -> HandlerFuture + Send>,
}

type HandlerFuture = Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send>>;

impl Routed {
    /// The delivery, its kind and its dedup key, as the handler will see them.
    pub fn meta(&self) -> &NotifyMeta {
        &self.meta
    }

    /// The key that identifies its event.
    pub fn dedup_key(&self) -> &DedupKey {
        self.meta.dedup_key()
    }

    /// The name of its kind (`notifyCapture`).
    pub fn kind(&self) -> &'static str {
        self.meta.kind()
    }

    /// Runs the handler.
    pub async fn run(self) -> Result<(), HandlerError> {
        (self.call)(self.meta).await
    }
}

impl fmt::Debug for Routed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Routed")
            .field("meta", &self.meta)
            .finish_non_exhaustive()
    }
}

/// A verified notification no route handles.
#[derive(Debug)]
pub struct Unrouted {
    verified: Verified,
}

impl Unrouted {
    /// The delivery.
    pub fn verified(&self) -> &Verified {
        &self.verified
    }

    /// The delivery, owned (to store it).
    pub fn into_verified(self) -> Verified {
        self.verified
    }

    /// What identifies its kind, for logs: `notifyType "REFUND_RESULT"`, or
    /// for a body without notifyType its top-level field names (names only,
    /// never values).
    pub fn describe(&self) -> String {
        if let Some(notify_type) = self.verified.notify_type() {
            return format!("notifyType {:?}", truncate(notify_type));
        }
        const SHOWN: usize = 12;
        let fields = serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(
            self.verified.raw_body(),
        )
        .map(|map| {
            map.keys()
                .map(|k| truncate(k).to_owned())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
        let more = fields.len().saturating_sub(SHOWN);
        let shown: Vec<&str> = fields.iter().take(SHOWN).map(String::as_str).collect();
        let mut text = format!("no notifyType; top-level fields {shown:?}");
        if more > 0 {
            text.push_str(&format!(" and {more} more"));
        }
        text
    }
}

/// At most 64 characters of a name taken from a body.
fn truncate(text: &str) -> &str {
    match text.char_indices().nth(64) {
        Some((end, _)) => text.get(..end).unwrap_or(text),
        None => text,
    }
}

/// One route, with its kind erased so routes of different kinds share a list.
trait Route: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    fn discriminator(&self) -> Discriminator;
    fn kind_id(&self) -> TypeId;
    fn prepare(self: Arc<Self>, verified: Verified) -> Result<Routed, NotifyError>;
}

struct KindRoute<K, H> {
    handler: H,
    kind: PhantomData<fn() -> K>,
}

impl<K: NotificationKind, H: NotifyHandler<K>> Route for KindRoute<K, H> {
    fn name(&self) -> &'static str {
        K::NAME
    }

    fn discriminator(&self) -> Discriminator {
        K::DISCRIMINATOR
    }

    fn kind_id(&self) -> TypeId {
        TypeId::of::<K>()
    }

    fn prepare(self: Arc<Self>, verified: Verified) -> Result<Routed, NotifyError> {
        let notification: K =
            serde_json::from_slice(verified.raw_body()).map_err(NotifyError::Malformed)?;
        let meta = NotifyMeta {
            dedup_key: notification.dedup_key(),
            kind: K::NAME,
            verified,
        };
        Ok(Routed {
            meta,
            call: Box::new(move |meta: NotifyMeta| {
                Box::pin(async move { self.handler.handle(notification, &meta).await })
            }),
        })
    }
}
