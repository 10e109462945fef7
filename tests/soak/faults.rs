//! The checkout soak's fault plan: one call in five of every checkout API
//! gets a fault armed just before it is sent, and one notification-causing
//! step in five gets a notification fault armed for the kind it causes.
//! Faults are armed in the sandbox for "the next call" of an API, so under
//! concurrency one may hit another lifecycle's call (or an inquiry of
//! `Client::resolve`): that is part of the soak.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use alipay_ams::payments::{
    CancelRequest, CaptureNotification, CaptureRequest, ConsultRequest,
    CreatePaymentSessionRequest, InquiryPaymentRequest, InquiryRefundRequest, PayRequest,
    PaymentNotification, RefundNotification, RefundRequest,
};
use alipay_ams::sandbox::{Fault, NotificationFault, Sandbox};
use alipay_ams::{ApiRequest, NotificationKind};

/// The client's per-attempt timeout; `Fault::Delay` holds replies longer.
pub const CLIENT_TIMEOUT: Duration = Duration::from_millis(1000);
const SLOW_REPLY: Duration = Duration::from_millis(1200);
/// One in this many is faulted.
const EVERY: usize = 5;

/// The API faults in rotation. `InProcess` only for the APIs that have an
/// "in process" code (pay, capture, refund); the sandbox refuses it for
/// the others.
fn api_fault(n: usize, in_process: bool) -> Fault {
    let faults = [
        Fault::UnknownException,
        Fault::DropConnection,
        Fault::Http500,
        Fault::Unsigned,
        Fault::BadSignature,
        Fault::Delay(SLOW_REPLY),
        Fault::InProcess,
    ];
    let kinds = if in_process { 7 } else { 6 };
    faults[n % kinds]
}

/// The notification faults in rotation.
fn notification_fault(n: usize) -> NotificationFault {
    match n % 4 {
        0 => NotificationFault::Duplicate(Duration::ZERO),
        1 => NotificationFault::LostAck,
        2 => NotificationFault::Duplicate(Duration::from_millis(30)),
        _ => NotificationFault::Delay(Duration::from_millis(40)),
    }
}

/// Counts what the plan armed.
#[derive(Default)]
pub struct FaultPlan {
    calls: AtomicUsize,
    pub api_armed: AtomicUsize,
    steps: AtomicUsize,
    pub notification_armed: AtomicUsize,
}

impl FaultPlan {
    /// Before the merchant sends a call of `A`: every fifth call arms a
    /// fault for the next call of `A`.
    pub fn before<A: ApiRequest>(&self, sandbox: &Sandbox) {
        if self.calls.fetch_add(1, Ordering::SeqCst) % EVERY != EVERY - 1 {
            return;
        }
        let n = self.api_armed.fetch_add(1, Ordering::SeqCst);
        let in_process = matches!(A::NAME, "pay" | "capture" | "refund");
        sandbox.arm_fault::<A>(api_fault(n, in_process), 1).unwrap();
    }

    /// Before a step that causes a notification of kind `K`: every fifth
    /// such step arms a fault for the next notification of `K`.
    pub fn before_notification<K: NotificationKind>(&self, sandbox: &Sandbox) {
        if self.steps.fetch_add(1, Ordering::SeqCst) % EVERY != EVERY - 1 {
            return;
        }
        let n = self.notification_armed.fetch_add(1, Ordering::SeqCst);
        sandbox
            .arm_notification_fault::<K>(notification_fault(n), 1)
            .unwrap();
    }

    /// Calls the merchant sent (inquiries of `Client::resolve` not counted).
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// API faults armed and never fired (no later call of their API).
    pub fn api_unfired(sandbox: &Sandbox) -> u64 {
        sandbox.armed_faults::<PayRequest>()
            + sandbox.armed_faults::<CaptureRequest>()
            + sandbox.armed_faults::<RefundRequest>()
            + sandbox.armed_faults::<CancelRequest>()
            + sandbox.armed_faults::<InquiryPaymentRequest>()
            + sandbox.armed_faults::<InquiryRefundRequest>()
            + sandbox.armed_faults::<ConsultRequest>()
            + sandbox.armed_faults::<CreatePaymentSessionRequest>()
    }

    /// Notification faults armed and never fired.
    pub fn notification_unfired(sandbox: &Sandbox) -> u64 {
        sandbox.armed_notification_faults::<PaymentNotification>()
            + sandbox.armed_notification_faults::<CaptureNotification>()
            + sandbox.armed_notification_faults::<RefundNotification>()
    }
}
