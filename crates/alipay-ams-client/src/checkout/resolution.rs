//! What a resolution came to: [`Resolution`], and for one that ended
//! without a final outcome, what it saw and what to do ([`Unsettled`]).

use std::fmt;

use alipay_ams_core::ResultInfo;

use crate::error::Error;

/// How a resolution ended. `T` is the inquiry's answer: the
/// `InquiryPaymentResponse` for `pay`, `capture` and `cancel` (read it with
/// `state()`, `capture(id)`, `cancellation()`), the `InquiryRefundResponse`
/// for `refund`.
#[derive(Debug)]
pub enum Resolution<T> {
    /// Final: it happened. A payment paid or authorized; a capture, refund or
    /// cancellation succeeded.
    Succeeded(T),
    /// Final: it did not happen and will not under this key. A payment that
    /// failed or was cancelled; a capture, refund or cancellation that
    /// failed (the answer carries the code). A new attempt needs a new key.
    Failed(T),
    /// The deadline passed before the outcome was final (a payment waiting
    /// for the buyer, a refund processing): see what was last seen.
    StillPending(Unsettled<T>),
    /// Alipay showed no trace of it, several times in a row or when the
    /// deadline passed. That is what a request that never arrived looks
    /// like, but it does not prove that it never will: see
    /// [`Unsettled::advice`].
    NotFound(Unsettled<T>),
}

impl<T> Resolution<T> {
    /// Whether the outcome is final ([`Succeeded`](Self::Succeeded) or
    /// [`Failed`](Self::Failed)).
    pub fn is_final(&self) -> bool {
        matches!(self, Resolution::Succeeded(_) | Resolution::Failed(_))
    }
}

/// What a resolution that ended without a final outcome saw.
pub struct Unsettled<T> {
    pub(super) movement: &'static str,
    /// Whether the last answer said "not found".
    pub(super) not_found: bool,
    pub(super) last_seen: Option<T>,
    pub(super) last_refusal: Option<ResultInfo>,
    pub(super) last_error: Option<Error>,
    pub(super) inquiries: u32,
}

impl<T> Unsettled<T> {
    /// The money movement (`pay`, `capture`, `refund`, `cancel`).
    pub fn movement(&self) -> &'static str {
        self.movement
    }

    /// The last verified inquiry answer, if any: a payment `PROCESSING`, a
    /// refund `PROCESSING`, or (for a capture or cancellation not found) the
    /// payment without it.
    pub fn last_seen(&self) -> Option<&T> {
        self.last_seen.as_ref()
    }

    /// The last verified inquiry answer, by value.
    pub fn into_last_seen(self) -> Option<T> {
        self.last_seen
    }

    /// The last "not found" answer of the inquiry (`ORDER_NOT_EXIST`), if
    /// it said so with a refusal.
    pub fn last_refusal(&self) -> Option<&ResultInfo> {
        self.last_refusal.as_ref()
    }

    /// The last inquiry that got no answer (timeout, unverifiable reply,
    /// connection refused), if the last inquiry was one.
    pub fn last_error(&self) -> Option<&Error> {
        self.last_error.as_ref()
    }

    /// How many inquiries were sent.
    pub fn inquiries(&self) -> u32 {
        self.inquiries
    }

    /// What to do now.
    pub fn advice(&self) -> &'static str {
        if self.not_found {
            match self.movement {
                "pay" => NOT_FOUND_PAY,
                "refund" => NOT_FOUND_REFUND,
                "capture" => NOT_FOUND_CAPTURE,
                _ => NOT_FOUND_CANCEL,
            }
        } else {
            match self.movement {
                "pay" => PENDING_PAY,
                "refund" => PENDING_REFUND,
                "capture" => PENDING_CAPTURE,
                _ => PENDING_CANCEL,
            }
        }
    }
}

const NOT_FOUND_PAY: &str = "Alipay has no payment under this paymentRequestId (ORDER_NOT_EXIST): the pay \
    most likely never arrived, but a request still on its way could create it later. To settle it, send the \
    SAME request again (same paymentRequestId: Alipay makes at most one payment of it) and resolve again; \
    never pay under a new paymentRequestId while this one may still land";
const NOT_FOUND_CAPTURE: &str = "the payment lists no capture with this captureRequestId: the capture most \
    likely never arrived, but it could still land. To settle it, send the SAME capture again (same \
    captureRequestId: Alipay captures it at most once) and resolve again; never capture under a new \
    captureRequestId while this one may still land";
const NOT_FOUND_REFUND: &str = "Alipay has no refund under this refundRequestId: the refund most likely \
    never arrived, but it could still land (a missing refund is not a failed one). To settle it, send the \
    SAME refund again (same refundRequestId: Alipay refunds it at most once) and resolve again; never refund \
    under a new refundRequestId while this one may still land";
const NOT_FOUND_CANCEL: &str = "the payment shows no cancellation: the cancel has not taken effect (it may \
    not have arrived). Sending the same cancel again is safe; its answer is final";
const PENDING_PAY: &str = "the payment is not final yet: wait for notifyPayment, or resolve again later. A \
    payment waiting for the buyer (PROCESSING) whose redirect was never shown to them cannot complete: send \
    the SAME pay request again to get the redirect, or cancel it";
const PENDING_CAPTURE: &str = "the capture is not final yet: wait for notifyCapture, or resolve again \
    later; never capture under a new captureRequestId meanwhile";
const PENDING_REFUND: &str = "the refund is still processing: wait for notifyRefund, or resolve again \
    later; never refund under a new refundRequestId meanwhile";
const PENDING_CANCEL: &str = "the cancellation is not final yet: resolve again later, or send the same \
    cancel again (safe)";

impl<T> fmt::Display for Unsettled<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.not_found {
            "NOT FOUND"
        } else {
            "NOT FINAL"
        };
        write!(
            f,
            "{} {what} after {} inquiries",
            self.movement, self.inquiries
        )?;
        if let Some(refusal) = &self.last_refusal {
            write!(f, " (last answer {})", refusal.result_code)?;
        }
        if let Some(error) = &self.last_error {
            write!(f, " (last inquiry: {error})")?;
        }
        write!(f, ": {}", self.advice())
    }
}

impl<T> fmt::Debug for Unsettled<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unsettled")
            .field("movement", &self.movement)
            .field("not_found", &self.not_found)
            .field("last_seen", &self.last_seen.as_ref().map(|_| "<answer>"))
            .field("last_refusal", &self.last_refusal)
            .field("last_error", &self.last_error)
            .field("inquiries", &self.inquiries)
            .finish()
    }
}
