//! Faults armed on purpose, so merchants can test how their integration
//! copes with what Alipay and the network do on bad days.
//!
//! A fault is armed for the next N calls of an API (keyed by the API's
//! [`ApiRequest::NAME`](alipay_ams_core::ApiRequest::NAME): `pay`,
//! `capture`, `refund`, ...), or the next N notifications of a kind (keyed
//! by [`NotificationKind::NAME`](alipay_ams_core::NotificationKind::NAME):
//! `notifyPayment`, `notifyCapture`, `notifyRefund`), and consumed one per
//! call or notification, in the order armed. Only calls whose signature
//! verified consume a fault.
//!
//! API faults come in two families, chosen so that a retry with the same
//! idempotency key (`paymentRequestId`, `captureRequestId`,
//! `refundRequestId`) always stays idempotent:
//!
//! - **Alipay did not do it** ([`Fault::UnknownException`],
//!   [`Fault::InProcess`]): a signed U reply carrying `result` alone;
//!   nothing is performed, so a retry can succeed.
//! - **Alipay did it, the reply was lost** ([`Fault::Delay`],
//!   [`Fault::DropConnection`], [`Fault::Http500`], [`Fault::Unsigned`],
//!   [`Fault::BadSignature`]): the call is performed (and notified), then the
//!   reply is delayed, lost or garbled. A retry with the same idempotency key
//!   gets the original result.
//!
//! And one business failure, [`Fault::ProcessFail`]: the call is attempted
//! and fails at the processor: signed F `PROCESS_FAIL` (a capture, also an
//! F `notifyCapture`; a `pay`, a failed payment and an F `notifyPayment`; an
//! asynchronous refund is accepted, U `REFUND_IN_PROCESS`, then fails with
//! an F `notifyRefund`; reads answer F and change nothing).
//!
//! Notification faults ([`NotificationFault`]) test the merchant's
//! deduplication: the same notification twice, an acknowledgement that
//! Alipay never got, a notification that comes late.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::time::Duration;

/// What happens to an API call instead of (or after) the normal answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Signed reply `U` / `UNKNOWN_EXCEPTION`; nothing is performed.
    UnknownException,
    /// Signed reply `U` with the API's own "in process" code
    /// (`CAPTURE_IN_PROCESS`, `PAYMENT_IN_PROCESS`, `REFUND_IN_PROCESS`) and
    /// `result` alone; nothing is performed. Only for APIs that have such a
    /// code: arming it for another is refused.
    InProcess,
    /// The older name of [`InProcess`](Self::InProcess), from when the
    /// sandbox served `capture` alone (`CAPTURE_IN_PROCESS`); it does the
    /// same for every API.
    CaptureInProcess,
    /// The call is performed, then the reply waits this long (use it to go
    /// past the client's timeout).
    Delay(Duration),
    /// The call is performed, then the connection is closed without a reply.
    DropConnection,
    /// The call is performed, then the reply is HTTP 500 with an unsigned body.
    Http500,
    /// The call is performed, then the reply comes without `signature` and
    /// `response-time` headers.
    Unsigned,
    /// The call is performed, then the reply carries a signature that does
    /// not match its body.
    BadSignature,
    /// The call fails at the processor: signed F `PROCESS_FAIL` and an F
    /// notification.
    ProcessFail,
}

/// What happens to a notification on its way to the merchant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotificationFault {
    /// The notification is delivered twice: a second, independent delivery
    /// of the same body (same dedup key, signed afresh) starts this long
    /// after the first; `Duration::ZERO` sends both at once, concurrently.
    /// Each copy is redelivered on the schedule until acknowledged.
    Duplicate(Duration),
    /// The merchant's first acknowledgement is treated as lost: the
    /// notification is redelivered on the schedule as if the merchant had
    /// not answered. (With redelivery off, there is no further attempt.)
    LostAck,
    /// The first delivery attempt waits this long (on top of the schedule):
    /// the notification arrives well after the API's reply.
    Delay(Duration),
}

/// A fault name that is not one, or lacks its `ms`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FaultNameError {
    /// No fault has this name.
    #[error("unknown fault {name:?}; one of: {known}")]
    Unknown {
        /// The name given.
        name: String,
        /// The names accepted.
        known: &'static str,
    },
    /// The fault needs a duration.
    #[error("fault {0:?} needs \"ms\": how long to wait, in milliseconds")]
    NeedsMs(&'static str),
}

const API_FAULTS: &str = "unknown_exception, in_process (capture_in_process), delay (with ms), drop_connection, http_500, unsigned, bad_signature, process_fail";
const NOTIFICATION_FAULTS: &str = "duplicate (ms optional, default 0), lost_ack, delay (with ms)";

impl Fault {
    /// The wire name used by `POST /sandbox/faults`.
    pub fn name(&self) -> &'static str {
        match self {
            Fault::UnknownException => "unknown_exception",
            Fault::InProcess => "in_process",
            Fault::CaptureInProcess => "capture_in_process",
            Fault::Delay(_) => "delay",
            Fault::DropConnection => "drop_connection",
            Fault::Http500 => "http_500",
            Fault::Unsigned => "unsigned",
            Fault::BadSignature => "bad_signature",
            Fault::ProcessFail => "process_fail",
        }
    }

    /// Reads a fault by its wire name; `delay` takes `ms`.
    pub fn from_name(name: &str, ms: Option<u64>) -> Result<Self, FaultNameError> {
        Ok(match name {
            "unknown_exception" => Fault::UnknownException,
            "in_process" => Fault::InProcess,
            "capture_in_process" => Fault::CaptureInProcess,
            "delay" => Fault::Delay(millis(ms).ok_or(FaultNameError::NeedsMs("delay"))?),
            "drop_connection" => Fault::DropConnection,
            "http_500" => Fault::Http500,
            "unsigned" => Fault::Unsigned,
            "bad_signature" => Fault::BadSignature,
            "process_fail" => Fault::ProcessFail,
            other => {
                return Err(FaultNameError::Unknown {
                    name: other.to_owned(),
                    known: API_FAULTS,
                });
            }
        })
    }
}

impl NotificationFault {
    /// The wire name used by `POST /sandbox/faults`.
    pub fn name(&self) -> &'static str {
        match self {
            NotificationFault::Duplicate(_) => "duplicate",
            NotificationFault::LostAck => "lost_ack",
            NotificationFault::Delay(_) => "delay",
        }
    }

    /// Reads a notification fault by its wire name; `delay` takes `ms`,
    /// `duplicate` may (default 0: both copies at once).
    pub fn from_name(name: &str, ms: Option<u64>) -> Result<Self, FaultNameError> {
        Ok(match name {
            "duplicate" => NotificationFault::Duplicate(millis(ms).unwrap_or(Duration::ZERO)),
            "lost_ack" => NotificationFault::LostAck,
            "delay" => {
                NotificationFault::Delay(millis(ms).ok_or(FaultNameError::NeedsMs("delay"))?)
            }
            other => {
                return Err(FaultNameError::Unknown {
                    name: other.to_owned(),
                    known: NOTIFICATION_FAULTS,
                });
            }
        })
    }
}

fn millis(ms: Option<u64>) -> Option<Duration> {
    ms.map(Duration::from_millis)
}

impl Fault {
    /// Whether this fault answers with the API's own "in process" code.
    pub(crate) fn is_in_process(self) -> bool {
        matches!(self, Fault::InProcess | Fault::CaptureInProcess)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Delay(d) => write!(f, "delay {}ms", d.as_millis()),
            other => f.write_str(other.name()),
        }
    }
}

impl fmt::Display for NotificationFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotificationFault::Duplicate(d) => write!(f, "duplicate after {}ms", d.as_millis()),
            NotificationFault::Delay(d) => write!(f, "delay {}ms", d.as_millis()),
            other => f.write_str(other.name()),
        }
    }
}

/// Faults of one family (API or notification), per name, in the order they
/// fire, each with how many calls it has left (kept as a count, so arming a
/// huge count costs nothing).
#[derive(Debug)]
pub(crate) struct Armed<F> {
    queues: HashMap<&'static str, VecDeque<(F, u32)>>,
}

impl<F> Default for Armed<F> {
    fn default() -> Self {
        Armed {
            queues: HashMap::new(),
        }
    }
}

impl<F: Copy> Armed<F> {
    /// Arms `fault` for the next `count` uses of `name`, after those already
    /// armed; returns how many uses of `name` now get a fault.
    pub fn arm(&mut self, name: &'static str, fault: F, count: u32) -> u64 {
        if count > 0 {
            self.queues
                .entry(name)
                .or_default()
                .push_back((fault, count));
        }
        self.pending(name)
    }

    /// The fault for this use of `name`, if one is armed.
    pub fn take(&mut self, name: &str) -> Option<F> {
        let queue = self.queues.get_mut(name)?;
        let (fault, left) = queue.front_mut()?;
        let fault = *fault;
        *left -= 1;
        if *left == 0 {
            queue.pop_front();
        }
        Some(fault)
    }

    /// How many uses of `name` still get a fault.
    pub fn pending(&self, name: &str) -> u64 {
        self.queues.get(name).map_or(0, |queue| {
            queue.iter().map(|(_, left)| u64::from(*left)).sum()
        })
    }

    /// Disarms everything; returns how many uses would still have got a fault.
    pub fn clear(&mut self) -> u64 {
        let pending = self
            .queues
            .values()
            .flatten()
            .map(|(_, left)| u64::from(*left))
            .sum();
        self.queues.clear();
        pending
    }
}

/// Every armed fault of the sandbox.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    /// Per API name (`capture`).
    pub api: Armed<Fault>,
    /// Per notification kind name (`notifyCapture`).
    pub notification: Armed<NotificationFault>,
}

impl Faults {
    /// Disarms every fault; returns how many were still armed.
    pub fn clear(&mut self) -> u64 {
        self.api.clear().saturating_add(self.notification.clear())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_durations() {
        for name in [
            "unknown_exception",
            "in_process",
            "capture_in_process",
            "drop_connection",
            "http_500",
            "unsigned",
            "bad_signature",
            "process_fail",
        ] {
            assert_eq!(Fault::from_name(name, None).unwrap().name(), name);
        }
        assert_eq!(
            Fault::from_name("delay", None),
            Err(FaultNameError::NeedsMs("delay"))
        );
        assert_eq!(
            Fault::from_name("delay", Some(5)).unwrap(),
            Fault::Delay(Duration::from_millis(5))
        );
        assert!(Fault::from_name("explode", None).is_err());
        assert!(Fault::from_name("lost_ack", None).is_err());

        assert_eq!(
            NotificationFault::from_name("duplicate", None).unwrap(),
            NotificationFault::Duplicate(Duration::ZERO)
        );
        assert_eq!(
            NotificationFault::from_name("duplicate", Some(40)).unwrap(),
            NotificationFault::Duplicate(Duration::from_millis(40))
        );
        assert_eq!(
            NotificationFault::from_name("lost_ack", None).unwrap(),
            NotificationFault::LostAck
        );
        assert!(NotificationFault::from_name("delay", None).is_err());
        assert!(NotificationFault::from_name("http_500", None).is_err());
    }

    #[test]
    fn fire_in_order_then_stop_and_clear() {
        let mut faults: Armed<Fault> = Armed::default();
        faults.arm("capture", Fault::Http500, 2);
        assert_eq!(faults.arm("capture", Fault::Unsigned, 1), 3);
        faults.arm("refund", Fault::Unsigned, 1);
        assert_eq!(faults.pending("capture"), 3);
        assert_eq!(faults.take("capture"), Some(Fault::Http500));
        assert_eq!(faults.take("capture"), Some(Fault::Http500));
        assert_eq!(faults.take("capture"), Some(Fault::Unsigned));
        assert_eq!(faults.take("capture"), None);
        faults.arm("capture", Fault::Unsigned, 0);
        assert_eq!(faults.take("capture"), None);
        faults.arm("capture", Fault::Unsigned, u32::MAX);
        faults.arm("capture", Fault::Unsigned, u32::MAX);
        assert_eq!(faults.pending("capture"), 2 * u64::from(u32::MAX));
        assert_eq!(faults.clear(), 2 * u64::from(u32::MAX) + 1);
        assert_eq!(faults.pending("capture"), 0);
        assert_eq!(faults.take("refund"), None);
    }
}
