//! Routing of verified notifications to the handler of their kind.
//!
//! A kind is recognised by its [`Discriminator`] (its `notifyType` values, or
//! for kinds without `notifyType` a field only they carry), as Alipay's
//! notification overview describes: <https://docs.antom.com/ac/ams/notifications>.
//! The pipeline is verify → [`classify`](NotifyRouter::classify) → the
//! router's [`Inbox`] claims the dedup key → [`Routed::run`] → the inbox
//! commits → acknowledge; [`dispatch`](NotifyRouter::dispatch) runs every
//! step after verification.

use std::any::TypeId;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use alipay_ams_core::{DedupKey, Discriminator, NotificationKind};
use tracing::Span;

use crate::error::NotifyError;
use crate::handler::{HandlerError, NotifyHandler, TxHandler};
use crate::inbox::{Claim, Inbox, MemoryInbox, Stored};
use crate::meta::{NotifyMeta, Verified};

/// Which handler runs for which notification kind, the [`Inbox`] each
/// notification is recorded in before it is processed ([`MemoryInbox`]
/// unless built with [`builder_with_inbox`](Self::builder_with_inbox)), and
/// what happens to a notification no route handles.
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
pub struct NotifyRouter<I: Inbox = MemoryInbox> {
    routes: Vec<Arc<dyn Route<I::Tx>>>,
    acknowledge_unhandled: bool,
    inbox: I,
}

/// Builds a [`NotifyRouter`]: one [`on`](Self::on) or [`on_tx`](Self::on_tx)
/// per kind.
#[must_use = "a router builder does nothing until built"]
pub struct NotifyRouterBuilder<I: Inbox = MemoryInbox> {
    routes: Vec<Arc<dyn Route<I::Tx>>>,
    acknowledge_unhandled: bool,
    inbox: I,
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

impl NotifyRouter<MemoryInbox> {
    /// A router without routes, which refuses every notification until
    /// routes are added, over a [`MemoryInbox`].
    pub fn builder() -> NotifyRouterBuilder<MemoryInbox> {
        Self::builder_with_inbox(MemoryInbox::new())
    }
}

impl<I: Inbox> NotifyRouter<I> {
    /// A router without routes over `inbox`: a durable one
    /// (`alipay_ams_postgres::PgInbox`) for several replicas, whose
    /// transaction [`TxHandler`]s routed with
    /// [`on_tx`](NotifyRouterBuilder::on_tx) write in.
    pub fn builder_with_inbox(inbox: I) -> NotifyRouterBuilder<I> {
        NotifyRouterBuilder {
            routes: Vec::new(),
            acknowledge_unhandled: false,
            inbox,
        }
    }

    /// The inbox notifications are recorded in.
    pub fn inbox(&self) -> &I {
        &self.inbox
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
    pub fn classify(&self, verified: Verified) -> Result<Classified<I::Tx>, NotifyError> {
        let mut found = self
            .routes
            .iter()
            .filter(|route| route.discriminator().matches(verified.peek()));
        match (found.next(), found.next()) {
            (Some(route), None) => Arc::clone(route).prepare(verified).map(Classified::Routed),
            (None, _) => Ok(Classified::Unrouted(Unrouted { verified })),
            // Never routed by registration order: a body that names two
            // kinds was not written by Alipay for either.
            (Some(first), Some(second)) => {
                let mut kinds = vec![first.name(), second.name()];
                kinds.extend(found.map(|route| route.name()));
                Err(NotifyError::Ambiguous(kinds))
            }
        }
    }

    /// Classifies a verified notification, claims it in the inbox, runs its
    /// handler and commits. `Ok` means "acknowledge it": answer HTTP 200 with
    /// [`alipay_ams_core::ACK_BODY`].
    ///
    /// - A notification the inbox has processed before is acknowledged
    ///   without running its handler; one being processed by another
    ///   delivery right now is refused ([`NotifyError::InFlight`]) unless the
    ///   inbox waits for it.
    /// - A handler error rolls back what the handler wrote in the inbox's
    ///   transaction and refuses the notification ([`NotifyError::Handler`]);
    ///   so does a failure of the inbox itself ([`NotifyError::Inbox`]).
    /// - A notification no route handles is stored and acknowledged by a
    ///   durable inbox; otherwise it is refused ([`NotifyError::Unhandled`],
    ///   logged at ERROR) unless the router acknowledges unhandled kinds
    ///   (then logged at WARN and dropped).
    ///
    /// Failures are logged here, with the kind and dedup key.
    pub async fn dispatch(&self, verified: Verified) -> Result<(), NotifyError> {
        let result = match self.classify(verified) {
            Ok(Classified::Routed(routed)) => {
                let kind = routed.kind();
                let dedup_key = routed.dedup_key().clone();
                let span = Span::current();
                span.record("kind", kind);
                span.record("dedup_key", dedup_key.as_str());
                let outcome = self.process(routed).await;
                match &outcome {
                    Err(error @ NotifyError::Handler(_)) => tracing::error!(
                        kind,
                        dedup_key = %dedup_key,
                        outcome = error.kind(),
                        error = %error,
                        "handler failed; Alipay will deliver the notification again"
                    ),
                    Err(error) => error.log(),
                    Ok(()) => {}
                }
                return outcome;
            }
            Ok(Classified::Unrouted(unrouted)) => self.unrouted(unrouted).await,
            Err(error) => Err(error),
        };
        if let Err(error) = &result {
            error.log();
        }
        result
    }

    /// The inbox's claim, the handler, and the inbox's commit (or rollback).
    async fn process(&self, routed: Routed<I::Tx>) -> Result<(), NotifyError> {
        let Routed { meta, call } = routed;
        match self.inbox.begin(&meta).await? {
            Claim::Done => {
                tracing::info!("already processed: acknowledged without running the handler again");
                Ok(())
            }
            Claim::Busy => Err(NotifyError::InFlight),
            Claim::Run(mut tx) => match call(&meta, &mut tx).await {
                Ok(()) => Ok(self.inbox.commit(tx, &meta).await?),
                Err(error) => {
                    if let Err(note) = self.inbox.fail(tx, &meta, &error).await {
                        tracing::warn!(error = %note, "the inbox could not note the handler's failure");
                    }
                    Err(NotifyError::from(error))
                }
            },
        }
    }

    /// A notification no route handles: stored by a durable inbox, else
    /// refused or, when opted in, dropped.
    async fn unrouted(&self, unrouted: Unrouted) -> Result<(), NotifyError> {
        let kind = unrouted.describe();
        let meta = NotifyMeta::unrouted(unrouted.into_verified());
        match self.inbox.store_unrouted(&meta).await {
            Ok(Stored::Kept) => {
                tracing::warn!(
                    kind = %kind,
                    dedup_key = %meta.dedup_key(),
                    "no route handles this notification: stored in the inbox and acknowledged; replay it from there once a route exists"
                );
                Ok(())
            }
            Ok(Stored::NotKept) if self.acknowledge_unhandled => {
                tracing::warn!(
                    kind = %kind,
                    "acknowledging a notification no route handles (acknowledge_unhandled is set): it is dropped"
                );
                Ok(())
            }
            Ok(Stored::NotKept) => Err(NotifyError::Unhandled { kind }),
            Err(error) => Err(NotifyError::from(error)),
        }
    }
}

impl<I: Inbox> fmt::Debug for NotifyRouter<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotifyRouter")
            .field("kinds", &self.kinds().collect::<Vec<_>>())
            .field("acknowledge_unhandled", &self.acknowledge_unhandled)
            .field("inbox", &std::any::type_name::<I>())
            .finish()
    }
}

impl<I: Inbox> NotifyRouterBuilder<I> {
    /// Routes notifications of kind `K` to `handler`. To share the handler's
    /// state with the rest of the app, route an `Arc` clone of it.
    pub fn on<K: NotificationKind>(mut self, handler: impl NotifyHandler<K>) -> Self {
        self.routes.push(Arc::new(KindRoute {
            handler,
            kind: PhantomData::<fn() -> K>,
        }));
        self
    }

    /// Routes notifications of kind `K` to `handler`, which writes in the
    /// inbox's transaction: its writes commit together with the record that
    /// the notification was processed.
    pub fn on_tx<K: NotificationKind>(mut self, handler: impl TxHandler<K, I::Tx>) -> Self {
        self.routes.push(Arc::new(TxKindRoute {
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
    pub fn build(self) -> Result<NotifyRouter<I>, RouteError> {
        for (at, later) in self.routes.iter().enumerate() {
            for earlier in self.routes.iter().take(at) {
                check_distinct(earlier.as_ref(), later.as_ref())?;
            }
        }
        Ok(NotifyRouter {
            routes: self.routes,
            acknowledge_unhandled: self.acknowledge_unhandled,
            inbox: self.inbox,
        })
    }
}

impl<I: Inbox> fmt::Debug for NotifyRouterBuilder<I> {
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

fn check_distinct<Tx: 'static>(
    earlier: &dyn Route<Tx>,
    later: &dyn Route<Tx>,
) -> Result<(), RouteError> {
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
pub enum Classified<Tx> {
    /// A route handles it.
    Routed(Routed<Tx>),
    /// No route handles it.
    Unrouted(Unrouted),
}

/// A verified notification parsed as the kind of its route, with its dedup
/// key, ready for its handler, which runs in an inbox transaction `Tx`.
pub struct Routed<Tx> {
    meta: NotifyMeta,
    call: Call<Tx>,
}

type HandlerFuture<'a> = Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send + 'a>>;
type Call<Tx> = Box<dyn for<'a> FnOnce(&'a NotifyMeta, &'a mut Tx) -> HandlerFuture<'a> + Send>;

/// Gives a closure the higher-ranked signature of a [`Call`].
fn call<Tx, F>(f: F) -> Call<Tx>
where
    F: for<'a> FnOnce(&'a NotifyMeta, &'a mut Tx) -> HandlerFuture<'a> + Send + 'static,
{
    Box::new(f)
}

impl<Tx> Routed<Tx> {
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

    /// Runs the handler in `tx`, without the router's inbox: for pipelines
    /// that record and commit on their own ([`NotifyRouter::dispatch`] does
    /// both).
    pub async fn run(self, tx: &mut Tx) -> Result<(), HandlerError> {
        let Routed { meta, call } = self;
        call(&meta, tx).await
    }
}

impl<Tx> fmt::Debug for Routed<Tx> {
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

/// One route, with its kind erased so routes of different kinds share a
/// list; `Tx` is the inbox's transaction.
trait Route<Tx>: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    fn discriminator(&self) -> Discriminator;
    fn kind_id(&self) -> TypeId;
    fn prepare(self: Arc<Self>, verified: Verified) -> Result<Routed<Tx>, NotifyError>;
}

/// The notification of a route's kind, and its envelope.
fn parse<K: NotificationKind>(verified: Verified) -> Result<(K, NotifyMeta), NotifyError> {
    let notification: K =
        serde_json::from_slice(verified.raw_body()).map_err(NotifyError::Malformed)?;
    let meta = NotifyMeta {
        dedup_key: notification.dedup_key(),
        kind: K::NAME,
        verified,
    };
    Ok((notification, meta))
}

/// A [`NotifyHandler`]'s route: it runs in any inbox, without its transaction.
struct KindRoute<K, H> {
    handler: H,
    kind: PhantomData<fn() -> K>,
}

impl<K: NotificationKind, H: NotifyHandler<K>, Tx: Send + 'static> Route<Tx> for KindRoute<K, H> {
    fn name(&self) -> &'static str {
        K::NAME
    }

    fn discriminator(&self) -> Discriminator {
        K::DISCRIMINATOR
    }

    fn kind_id(&self) -> TypeId {
        TypeId::of::<K>()
    }

    fn prepare(self: Arc<Self>, verified: Verified) -> Result<Routed<Tx>, NotifyError> {
        let (notification, meta) = parse::<K>(verified)?;
        Ok(Routed {
            meta,
            call: call(move |meta, _tx| {
                Box::pin(async move { self.handler.handle(notification, meta).await })
            }),
        })
    }
}

/// A [`TxHandler`]'s route: it runs in the inbox's transaction.
struct TxKindRoute<K, H> {
    handler: H,
    kind: PhantomData<fn() -> K>,
}

impl<K, Tx, H> Route<Tx> for TxKindRoute<K, H>
where
    K: NotificationKind,
    Tx: Send + 'static,
    H: TxHandler<K, Tx>,
{
    fn name(&self) -> &'static str {
        K::NAME
    }

    fn discriminator(&self) -> Discriminator {
        K::DISCRIMINATOR
    }

    fn kind_id(&self) -> TypeId {
        TypeId::of::<K>()
    }

    fn prepare(self: Arc<Self>, verified: Verified) -> Result<Routed<Tx>, NotifyError> {
        let (notification, meta) = parse::<K>(verified)?;
        Ok(Routed {
            meta,
            call: call(move |meta, tx| {
                Box::pin(async move { self.handler.handle(notification, meta, tx).await })
            }),
        })
    }
}
