//! Alipay's business rules, one small function per API, and the table of
//! what the sandbox serves.
//!
//! A rules function takes the parsed, validated request and the books, and
//! returns the typed outcome plus the notifications it causes. Everything
//! around it (authentication, faults, idempotency, reply signing, delivery,
//! events falling due) is the shared layer's (`gateway.rs`, `route.rs`).
//! Adding an API is one function here and one line in [`served`].

pub(crate) mod cancel;
pub(crate) mod capture;
pub(crate) mod consult;
pub(crate) mod fields;
pub(crate) mod inquiry_payment;
pub(crate) mod inquiry_refund;
pub(crate) mod pay;
pub(crate) mod refund;
#[cfg(test)]
mod second_api;
pub(crate) mod session;

use std::time::SystemTime;

use alipay_ams_api::payments::{CaptureNotification, PaymentNotification, RefundNotification};
use alipay_ams_core::{NotificationKind, ResultCode, ResultInfo, ResultStatus};
use serde::Serialize;

use crate::notification::Outgoing;
use crate::route::Route;

/// Every API the sandbox serves, one line each: the rules function, and a
/// check of what Alipay refuses with PARAM_ILLEGAL before it looks at the
/// idempotency key (beyond the request's own `validate()`), if any.
pub(crate) fn served() -> Vec<Route> {
    vec![
        Route::checked(pay::check, pay::rules),
        Route::checked(consult::check, consult::rules),
        Route::checked(session::check, session::rules),
        Route::new(inquiry_payment::rules),
        Route::new(cancel::rules),
        Route::checked(capture::check, capture::rules).in_process(ResultCode::CaptureInProcess),
        Route::checked(refund::check, refund::rules),
        Route::new(inquiry_refund::rules),
    ]
}

/// Every notification kind the sandbox sends: faults can be armed for these.
pub(crate) const NOTIFICATION_KINDS: &[&str] = &[
    PaymentNotification::NAME,
    CaptureNotification::NAME,
    RefundNotification::NAME,
];

/// An `F` result a rule refuses with.
pub(crate) fn refusal(code: impl Into<ResultCode>, message: impl Into<String>) -> ResultInfo {
    ResultInfo::new(ResultStatus::Failed, code.into(), message)
}

/// How a call is processed: normally, or failing at the processor (the
/// `process_fail` fault).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Processing {
    Normal,
    ProcessFail,
}

/// What a rules function knows about the call besides the request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call {
    /// Now, in the sandbox's clock.
    pub now: SystemTime,
    pub processing: Processing,
}

/// What the merchant is answered.
#[derive(Debug, Clone)]
pub(crate) enum Answer<R> {
    /// The API's typed response, whose `result` is this one (`S`, or a
    /// definite `U` such as `PAYMENT_IN_PROCESS`).
    Body(ResultInfo, R),
    /// `F` (or `U`): the result alone.
    Result(ResultInfo),
}

/// A rules function's outcome: the answer, and the notifications to deliver.
#[derive(Debug)]
pub(crate) struct Decision<R> {
    pub answer: Answer<R>,
    pub notifications: Vec<Outgoing>,
}

impl<R> Decision<R> {
    /// An `S` answer.
    pub fn success(response: R) -> Self {
        Self::body(ResultInfo::success(), response)
    }

    /// A typed answer with its own result (a definite `U`, or `S`).
    pub fn body(result: ResultInfo, response: R) -> Self {
        Decision {
            answer: Answer::Body(result, response),
            notifications: Vec::new(),
        }
    }

    /// A final answer carried by its result alone (F, such as PROCESS_FAIL).
    pub fn result(result: ResultInfo) -> Self {
        Decision {
            answer: Answer::Result(result),
            notifications: Vec::new(),
        }
    }

    /// An `F` refusal.
    pub fn failed(code: ResultCode, message: impl Into<String>) -> Self {
        Self::result(ResultInfo::new(ResultStatus::Failed, code, message))
    }

    /// The `F` answer of the `process_fail` fault on an API that moves
    /// nothing (inquiries, consult) or refuses before moving anything.
    pub fn process_fail(api: &str) -> Self {
        Self::failed(
            ResultCode::ProcessFail,
            format!("the {api} failed at the processor (sandbox fault process_fail)"),
        )
    }

    /// Adds a notification, sent to `notify_url` (or the sandbox's default)
    /// once the answer is decided.
    pub fn notify<K: NotificationKind + Serialize>(
        self,
        notification: &K,
        notify_url: Option<String>,
    ) -> Self {
        self.with(crate::machine::outgoing(notification, notify_url, None))
    }

    /// Adds notifications already serialized.
    pub fn with(mut self, notifications: impl IntoIterator<Item = Outgoing>) -> Self {
        self.notifications.extend(notifications);
        self
    }
}
