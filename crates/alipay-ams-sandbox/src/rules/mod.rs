//! Alipay's business rules, one small function per API, and the table of
//! what the sandbox serves.
//!
//! A rules function takes the parsed, validated request and the books, and
//! returns the typed outcome plus the notifications it causes. Everything
//! around it (authentication, faults, idempotency, reply signing, delivery)
//! is the shared layer's (`gateway.rs`, `route.rs`). Adding an API is one
//! function here and one line in [`served`].

pub(crate) mod capture;
#[cfg(test)]
mod second_api;

use std::time::SystemTime;

use alipay_ams_api::payments::CaptureNotification;
use alipay_ams_core::{NotificationKind, ResultCode, ResultInfo, ResultStatus};
use serde::Serialize;

use crate::notification::Outgoing;
use crate::route::Route;

/// Every API the sandbox serves, one line each: the rules function, and a
/// check of what Alipay refuses with PARAM_ILLEGAL before it looks at the
/// idempotency key (beyond the request's own `validate()`), if any.
pub(crate) fn served() -> Vec<Route> {
    vec![Route::checked(capture::check, capture::rules)]
}

/// Every notification kind the sandbox sends: faults can be armed for these.
pub(crate) const NOTIFICATION_KINDS: &[&str] = &[CaptureNotification::NAME];

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
    pub now: SystemTime,
    pub processing: Processing,
}

/// What the merchant is answered.
#[derive(Debug, Clone)]
pub(crate) enum Answer<R> {
    /// `S`, with the API's typed response.
    Success(R),
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
        Decision {
            answer: Answer::Success(response),
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

    /// Adds a notification, sent to `notify_url` (or the sandbox's default)
    /// once the answer is decided.
    pub fn notify<K: NotificationKind + Serialize>(
        mut self,
        notification: &K,
        notify_url: Option<String>,
    ) -> Self {
        match Outgoing::new(notification, notify_url) {
            Ok(outgoing) => self.notifications.push(outgoing),
            Err(e) => tracing::error!(
                "cannot serialize {} {}: {e}; it is not sent",
                K::NAME,
                notification.dedup_key()
            ),
        }
        self
    }
}
