//! What the merchant writes: one async method per notification kind.

use std::error::Error as StdError;
use std::fmt;
use std::future::{self, Future};
use std::sync::Arc;

use alipay_ams_core::{CaptureNotification, Notification};

use crate::meta::NotifyMeta;

/// The merchant's side of a notification endpoint.
///
/// Each method runs after the notification's signature and client id were
/// verified. Return `Ok(())` once the notification is safely recorded (for
/// example persisted or enqueued): only then is Alipay acknowledged. Return an
/// error to have Alipay deliver it again later (0s, 2m, 10m, 10m, 1h, 2h, 6h,
/// 15h). Alipay delivers at least once, so the same notification can arrive
/// several times: deduplicate with [`NotifyMeta::idempotency_key`].
///
/// ```
/// use alipay_ams_core::{CaptureNotification, ResultStatus};
/// use alipay_ams_notify::{HandlerError, NotifyHandler, NotifyMeta};
///
/// struct Orders;
///
/// impl NotifyHandler for Orders {
///     async fn capture(&self, n: CaptureNotification, meta: &NotifyMeta) -> Result<(), HandlerError> {
///         match n.result.result_status {
///             ResultStatus::Success => println!("{} captured {}", n.payment_id, meta.idempotency_key()),
///             ResultStatus::Failed => println!("{} capture failed", n.payment_id),
///             // Not final: keep the current state, still acknowledge.
///             ResultStatus::Unknown => {}
///         }
///         Ok(())
///     }
/// }
/// ```
pub trait NotifyHandler: Send + Sync + 'static {
    /// notifyCapture: a capture reached its final result.
    fn capture(
        &self,
        notification: CaptureNotification,
        meta: &NotifyMeta,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send;

    /// Any other kind of notification (this version does not model it; its
    /// JSON is in [`Notification::Other`]). The default acknowledges it and logs
    /// a warning: an unacknowledged notification would be re-posted for a day.
    fn other(
        &self,
        notification: Notification,
        meta: &NotifyMeta,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send {
        let kind = notification.notify_type().map(|t| t.as_str().to_owned());
        tracing::warn!(
            notify_type = kind.as_deref().unwrap_or("<none>"),
            idempotency_key = %meta.idempotency_key(),
            "acknowledging a notification kind this handler does not process"
        );
        future::ready(Ok(()))
    }
}

/// A shared handler: keep an `Arc` to read the handler's state elsewhere.
impl<H: NotifyHandler> NotifyHandler for Arc<H> {
    fn capture(
        &self,
        notification: CaptureNotification,
        meta: &NotifyMeta,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send {
        H::capture(self, notification, meta)
    }

    fn other(
        &self,
        notification: Notification,
        meta: &NotifyMeta,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send {
        H::other(self, notification, meta)
    }
}

/// A handler could not process a notification now; Alipay will deliver it again.
///
/// The message is logged, never sent back to Alipay.
#[derive(Debug)]
pub struct HandlerError {
    message: String,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl HandlerError {
    /// An error with a message for the logs.
    pub fn new(message: impl Into<String>) -> Self {
        HandlerError {
            message: message.into(),
            source: None,
        }
    }

    /// An error with a message and its cause (a database error, ...).
    pub fn with_source(
        message: impl Into<String>,
        source: impl Into<Box<dyn StdError + Send + Sync>>,
    ) -> Self {
        HandlerError {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for HandlerError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}
