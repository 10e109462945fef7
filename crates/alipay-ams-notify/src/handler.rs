//! What the merchant writes: a handler per notification kind, and the error
//! that tells Alipay to deliver again.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use alipay_ams_core::NotificationKind;

use crate::meta::NotifyMeta;

/// The merchant's code for one notification kind `K`.
///
/// It runs after the delivery's signature, client id and body were verified
/// and the body was parsed as `K`. Return `Ok(())` once the notification is
/// safely recorded (persisted, enqueued): only then is Alipay acknowledged.
/// Return an error to have Alipay deliver it again later (0s, 2m, 10m, 10m,
/// 1h, 2h, 6h, 15h). Alipay delivers at least once, so one event can arrive
/// several times: deduplicate with [`NotifyMeta::dedup_key`].
///
/// One type may handle several kinds (one `impl` per kind), and a generic
/// `impl<K: NotificationKind>` handles any kind the same way (an audit log).
/// Routes are registered with [`NotifyRouterBuilder::on`](crate::NotifyRouterBuilder::on).
///
/// ```
/// use alipay_ams_api::payments::CaptureNotification;
/// use alipay_ams_core::ResultStatus;
/// use alipay_ams_notify::{HandlerError, NotifyHandler, NotifyMeta};
///
/// struct Orders;
///
/// impl NotifyHandler<CaptureNotification> for Orders {
///     async fn handle(&self, n: CaptureNotification, meta: &NotifyMeta) -> Result<(), HandlerError> {
///         match n.result.result_status {
///             ResultStatus::Success => println!("{} captured ({})", n.payment_id, meta.dedup_key()),
///             ResultStatus::Failed => println!("{} capture failed", n.payment_id),
///             // Not final: keep the current state, still acknowledge.
///             ResultStatus::Unknown => {}
///         }
///         let amount: u64 = n.capture_amount.value().parse()?; // `?` on any std error
///         assert!(amount > 0);
///         Ok(())
///     }
/// }
/// ```
pub trait NotifyHandler<K: NotificationKind>: Send + Sync + 'static {
    /// Processes one verified notification of kind `K`.
    fn handle(
        &self,
        notification: K,
        meta: &NotifyMeta,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send;
}

/// A shared handler: route an `Arc` clone and keep another for the app's own
/// routes, which then read the state the handler writes.
impl<K: NotificationKind, H: NotifyHandler<K>> NotifyHandler<K> for Arc<H> {
    fn handle(
        &self,
        notification: K,
        meta: &NotifyMeta,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send {
        H::handle(self, notification, meta)
    }
}

/// The merchant's code for one notification kind `K`, run inside the
/// inbox's transaction `Tx` so that its writes commit together with the
/// record that the notification was processed: each event's effects happen
/// exactly once, however often and to however many replicas it is delivered.
///
/// Route it with `.on_tx::<K>(handler)` on a service or router built with a
/// transactional inbox ([`NotifyService::builder_with_inbox`](crate::NotifyService::builder_with_inbox));
/// `Tx` is that inbox's [`Inbox::Tx`](crate::Inbox::Tx) (for
/// `alipay-ams-postgres`, its `PgTx`, which derefs to a PostgreSQL client in
/// an open transaction). Write with `tx`, never commit or roll back yourself:
/// return `Ok(())` and the inbox commits, then Alipay is acknowledged; return
/// an error and everything written in `tx` is rolled back, and Alipay
/// delivers the notification again. A redelivery of a processed event does
/// not reach the handler.
///
/// [`NotifyHandler`] stays the trait for handlers that write nowhere the
/// inbox can commit with (a queue, a file, memory): both kinds of route mix
/// in one service.
pub trait TxHandler<K: NotificationKind, Tx>: Send + Sync + 'static {
    /// Processes one verified notification of kind `K`, writing in `tx`.
    fn handle(
        &self,
        notification: K,
        meta: &NotifyMeta,
        tx: &mut Tx,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send;
}

/// A shared transactional handler.
impl<K: NotificationKind, Tx, H: TxHandler<K, Tx>> TxHandler<K, Tx> for Arc<H> {
    fn handle(
        &self,
        notification: K,
        meta: &NotifyMeta,
        tx: &mut Tx,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send {
        H::handle(self, notification, meta, tx)
    }
}

/// A handler could not process a notification now; Alipay will deliver it
/// again. Converts from any error (`?` on a database error compiles), or is
/// built with a message.
///
/// The message is logged, never sent back to Alipay. Like `anyhow::Error`, it
/// does not implement `std::error::Error` itself (that is what lets it convert
/// from every error); the error it holds stays reachable as the `source()` of
/// [`NotifyError::Handler`](crate::NotifyError::Handler), or with
/// [`as_error`](Self::as_error).
pub struct HandlerError {
    inner: Box<dyn StdError + Send + Sync + 'static>,
}

impl HandlerError {
    /// An error with a message for the logs.
    pub fn new(message: impl Into<String>) -> Self {
        HandlerError {
            inner: Box::new(Message(message.into())),
        }
    }

    /// An error with a message and its cause (a database error, ...); the
    /// cause is the message's `source()`.
    pub fn with_source(
        message: impl Into<String>,
        source: impl Into<Box<dyn StdError + Send + Sync + 'static>>,
    ) -> Self {
        HandlerError {
            inner: Box::new(Context {
                message: message.into(),
                source: source.into(),
            }),
        }
    }

    /// The error it holds.
    pub fn as_error(&self) -> &(dyn StdError + Send + Sync + 'static) {
        &*self.inner
    }

    /// The error it holds, owned.
    pub fn into_inner(self) -> Box<dyn StdError + Send + Sync + 'static> {
        self.inner
    }
}

impl<E: StdError + Send + Sync + 'static> From<E> for HandlerError {
    fn from(error: E) -> Self {
        HandlerError {
            inner: Box::new(error),
        }
    }
}

impl From<HandlerError> for Box<dyn StdError + Send + Sync + 'static> {
    fn from(error: HandlerError) -> Self {
        error.inner
    }
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner, f)
    }
}

impl fmt::Debug for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("HandlerError").field(&self.inner).finish()
    }
}

/// A message-only error.
#[derive(Debug)]
struct Message(String);

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl StdError for Message {}

/// A message with its cause.
#[derive(Debug)]
struct Context {
    message: String,
    source: Box<dyn StdError + Send + Sync + 'static>,
}

impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for Context {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<u32, HandlerError> {
        Ok(text.parse::<u32>()?)
    }

    #[test]
    fn converts_from_std_errors_and_keeps_them() {
        let err = parse("x").unwrap_err();
        assert!(
            err.as_error()
                .downcast_ref::<std::num::ParseIntError>()
                .is_some()
        );
        assert_eq!(err.to_string(), "invalid digit found in string");

        let io = std::io::Error::other("connection reset");
        let err = HandlerError::with_source("saving the capture failed", io);
        assert_eq!(err.to_string(), "saving the capture failed");
        let source = err.as_error().source().unwrap();
        assert_eq!(source.to_string(), "connection reset");

        let boxed: Box<dyn StdError + Send + Sync> = HandlerError::new("later").into();
        assert_eq!(boxed.to_string(), "later");
    }
}
