//! Settling an unknown outcome by inquiring: [`Settle`] says, for each money
//! movement, which inquiry shows its state and how to read the answer. The
//! client's `Client::resolve` asks until the answer is final or a deadline
//! passes; nothing here sends anything.
//!
//! | movement | inquiry | read from the answer |
//! |---|---|---|
//! | `pay` ([`PaymentKey`]) | `inquiryPayment` by `paymentRequestId` | `paymentStatus` |
//! | `capture` ([`CaptureKey`]) | `inquiryPayment` by `paymentId` | the `CAPTURE` transaction with this `captureRequestId` |
//! | `refund` ([`RefundKey`]) | `inquiryRefund` by `refundRequestId` | `refundStatus` |
//! | `cancel` ([`CancelKey`]) | `inquiryPayment` by `paymentId` / `paymentRequestId` | `paymentStatus` `CANCELLED`, or the `CANCEL` transaction |
//!
//! Settling never sends the movement again. Sending the SAME request again
//! is allowed (same idempotency key: `pay`, `capture` and `refund` are
//! deduplicated by it, `cancel` may always be repeated); a new key never is
//! while the first may still take effect.

use alipay_ams_core::{ApiRequest, ResultInfo};

use super::{
    CancelKey, CaptureKey, PaymentKey, PaymentState, RefundKey, RefundState, TransactionState,
};
use crate::payments::{
    CancelRequest, CaptureRequest, CreatePaymentSessionRequest, InquiryPaymentRequest,
    InquiryPaymentResponse, InquiryRefundRequest, InquiryRefundResponse, PayRequest, RefundRequest,
};

/// What one inquiry shows about a money movement whose outcome was unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Observation {
    /// Final: it happened (paid or authorized, captured, refunded,
    /// cancelled).
    Succeeded,
    /// Final: it did not happen, and will not under this key (the payment
    /// failed or was cancelled; the capture or refund failed; the
    /// cancellation failed).
    Failed,
    /// It exists and is not final yet: ask again later.
    InProgress,
    /// Alipay shows no trace of it. Not a final answer: a request still on
    /// its way may land later. Sending the same request again (same key)
    /// settles it.
    NotFound,
}

/// A money movement whose outcome may be unknown: the inquiry that shows
/// its state, and how to read the answer. Implemented by the requests
/// themselves (`PayRequest`, `CaptureRequest`, `RefundRequest`,
/// `CancelRequest`, and `CreatePaymentSessionRequest`, whose payment is
/// inquired like `pay`'s) and by their key fields ([`PaymentKey`],
/// [`CaptureKey`], [`RefundKey`], [`CancelKey`]) for callers that kept only
/// those (an outbox resuming after a restart).
pub trait Settle {
    /// The inquiry.
    type Inquiry: ApiRequest;
    /// The movement's API, for logs and errors (`capture`).
    const MOVEMENT: &'static str;
    /// Whether a verified `S` inquiry answer without the record's fields
    /// means "not found". The docs say `inquiryRefund` returns no
    /// `refundId` "when the refund record cannot be found" without saying
    /// whether that answer is `S` or `F`, so for refunds both count.
    const ANSWER_WITHOUT_RECORD_IS_NOT_FOUND: bool = false;

    /// The inquiry to send.
    fn inquiry(&self) -> Self::Inquiry;

    /// What a verified answer of the inquiry shows.
    fn observe(&self, answer: &<Self::Inquiry as ApiRequest>::Response) -> Observation;

    /// What a verified refusal (`F`) of the inquiry shows: `NotFound` for
    /// `ORDER_NOT_EXIST` (no payment with that id); `None` when the inquiry
    /// itself was refused (`ACCESS_DENIED`, `PARAM_ILLEGAL`, ...), which
    /// asking again will not change.
    fn observe_refusal(&self, result: &ResultInfo) -> Option<Observation> {
        (result.result_code.as_str() == ORDER_NOT_EXIST).then_some(Observation::NotFound)
    }
}

/// The inquiries' refusal when no payment has the id asked for.
pub const ORDER_NOT_EXIST: &str = "ORDER_NOT_EXIST";

fn from_transaction(state: TransactionState) -> Observation {
    match state {
        TransactionState::Succeeded => Observation::Succeeded,
        TransactionState::Failed(_) => Observation::Failed,
        TransactionState::Processing | TransactionState::Unrecognised(_) => Observation::InProgress,
    }
}

impl Settle for PaymentKey {
    type Inquiry = InquiryPaymentRequest;
    const MOVEMENT: &'static str = "pay";

    fn inquiry(&self) -> InquiryPaymentRequest {
        InquiryPaymentRequest::new().with_payment_request_id(self.payment_request_id.clone())
    }

    /// `SUCCESS`: paid or authorized; `FAIL` and `CANCELLED`: it will not
    /// be paid under this id; `PROCESSING` and `PENDING`: in progress.
    fn observe(&self, answer: &InquiryPaymentResponse) -> Observation {
        match answer.state() {
            PaymentState::Succeeded => Observation::Succeeded,
            PaymentState::Failed { .. } | PaymentState::Cancelled => Observation::Failed,
            PaymentState::AwaitingBuyer | PaymentState::Pending | PaymentState::Unrecognised(_) => {
                Observation::InProgress
            }
        }
    }
}

impl Settle for CaptureKey {
    type Inquiry = InquiryPaymentRequest;
    const MOVEMENT: &'static str = "capture";

    fn inquiry(&self) -> InquiryPaymentRequest {
        InquiryPaymentRequest::new().with_payment_id(self.payment_id.clone())
    }

    /// The `CAPTURE` transaction with this `captureRequestId`; none listed
    /// is `NotFound`.
    fn observe(&self, answer: &InquiryPaymentResponse) -> Observation {
        answer
            .capture(&self.capture_request_id)
            .map_or(Observation::NotFound, |t| from_transaction(t.state()))
    }
}

impl Settle for RefundKey {
    type Inquiry = InquiryRefundRequest;
    const MOVEMENT: &'static str = "refund";
    const ANSWER_WITHOUT_RECORD_IS_NOT_FOUND: bool = true;

    fn inquiry(&self) -> InquiryRefundRequest {
        InquiryRefundRequest::new().with_refund_request_id(self.refund_request_id.clone())
    }

    /// `ORDER_NOT_EXIST`, or `REFUND_NOT_EXIST`: how `inquiryRefund` reports
    /// an unknown refund is not documented, and "not found" is never taken
    /// for "failed".
    fn observe_refusal(&self, result: &ResultInfo) -> Option<Observation> {
        matches!(
            result.result_code.as_str(),
            ORDER_NOT_EXIST | "REFUND_NOT_EXIST"
        )
        .then_some(Observation::NotFound)
    }

    fn observe(&self, answer: &InquiryRefundResponse) -> Observation {
        match answer.state() {
            RefundState::Succeeded => Observation::Succeeded,
            RefundState::Failed => Observation::Failed,
            RefundState::Processing | RefundState::Unrecognised(_) => Observation::InProgress,
        }
    }
}

impl Settle for CancelKey {
    type Inquiry = InquiryPaymentRequest;
    const MOVEMENT: &'static str = "cancel";

    fn inquiry(&self) -> InquiryPaymentRequest {
        let mut inquiry = InquiryPaymentRequest::new();
        inquiry.payment_id = self.payment_id.clone();
        inquiry.payment_request_id = self.payment_request_id.clone();
        inquiry
    }

    /// `paymentStatus` `CANCELLED`, else the `CANCEL` transaction; neither
    /// is `NotFound` (the cancellation has not taken effect).
    fn observe(&self, answer: &InquiryPaymentResponse) -> Observation {
        if answer.state() == PaymentState::Cancelled {
            return Observation::Succeeded;
        }
        answer
            .cancellation()
            .map_or(Observation::NotFound, |t| from_transaction(t.state()))
    }
}

/// `Settle` for a request: the same as for its key fields.
macro_rules! settle_by_key {
    ($request:ty, $key:ty) => {
        impl Settle for $request {
            type Inquiry = <$key as Settle>::Inquiry;
            const MOVEMENT: &'static str = <$key as Settle>::MOVEMENT;
            const ANSWER_WITHOUT_RECORD_IS_NOT_FOUND: bool =
                <$key as Settle>::ANSWER_WITHOUT_RECORD_IS_NOT_FOUND;

            fn inquiry(&self) -> Self::Inquiry {
                <$key>::from(self).inquiry()
            }

            fn observe(&self, answer: &<Self::Inquiry as ApiRequest>::Response) -> Observation {
                <$key>::from(self).observe(answer)
            }

            fn observe_refusal(&self, result: &ResultInfo) -> Option<Observation> {
                <$key>::from(self).observe_refusal(result)
            }
        }
    };
}

settle_by_key!(PayRequest, PaymentKey);
settle_by_key!(CreatePaymentSessionRequest, PaymentKey);
settle_by_key!(CaptureRequest, CaptureKey);
settle_by_key!(RefundRequest, RefundKey);
settle_by_key!(CancelRequest, CancelKey);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use alipay_ams_core::{Amount, ResultCode, ResultStatus};

    use super::*;

    fn payment(status: &str, transactions: &str) -> InquiryPaymentResponse {
        serde_json::from_str(&format!(
            r#"{{"result":{{"resultStatus":"S","resultCode":"SUCCESS"}},"paymentStatus":"{status}",
            "paymentRequestId":"pay-1","paymentId":"P1","paymentAmount":{{"currency":"USD","value":"1000"}},
            "transactions":{transactions}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn a_payment_is_settled_by_its_status() {
        let key = PaymentKey::from(&PayRequest::cashier(
            "pay-1",
            crate::models::Order::checkout("o", "d", Amount::from_minor_units("USD", 1).unwrap()),
            "GCASH",
            "https://r",
            crate::models::TerminalType::Web,
        ));
        let inquiry = key.inquiry();
        assert_eq!(inquiry.payment_request_id.as_deref(), Some("pay-1"));
        assert_eq!(inquiry.payment_id, None);
        for (status, seen) in [
            ("SUCCESS", Observation::Succeeded),
            ("FAIL", Observation::Failed),
            ("CANCELLED", Observation::Failed),
            ("PROCESSING", Observation::InProgress),
            ("PENDING", Observation::InProgress),
            ("SOMETHING_NEW", Observation::InProgress),
        ] {
            assert_eq!(key.observe(&payment(status, "[]")), seen, "{status}");
        }
    }

    #[test]
    fn a_capture_is_settled_by_its_transaction_and_absent_is_not_found() {
        let request =
            CaptureRequest::new("cap-1", "P1", Amount::from_minor_units("USD", 1).unwrap());
        assert_eq!(request.inquiry().payment_id.as_deref(), Some("P1"));
        let with = |status: &str| {
            payment(
                "SUCCESS",
                &format!(
                    r#"[{{"transactionType":"CAPTURE","transactionStatus":"{status}","transactionRequestId":"cap-1"}},
                       {{"transactionType":"CAPTURE","transactionStatus":"SUCCESS","transactionRequestId":"cap-0"}}]"#
                ),
            )
        };
        assert_eq!(request.observe(&with("SUCCESS")), Observation::Succeeded);
        assert_eq!(request.observe(&with("FAIL")), Observation::Failed);
        assert_eq!(
            request.observe(&with("PROCESSING")),
            Observation::InProgress
        );
        // Another capture of the same payment says nothing about this one.
        let other = CaptureKey::new("P1", "cap-9");
        assert_eq!(other.observe(&with("SUCCESS")), Observation::NotFound);
        assert_eq!(
            request.observe(&payment("SUCCESS", "[]")),
            Observation::NotFound
        );
    }

    #[test]
    fn a_cancel_is_settled_by_cancelled_or_its_transaction() {
        let request = CancelRequest::new().with_payment_request_id("pay-1");
        let inquiry = request.inquiry();
        assert_eq!(inquiry.payment_request_id.as_deref(), Some("pay-1"));
        assert_eq!(
            request.observe(&payment("CANCELLED", "[]")),
            Observation::Succeeded
        );
        assert_eq!(
            request.observe(&payment("PROCESSING", "[]")),
            Observation::NotFound
        );
        let failed = payment(
            "SUCCESS",
            r#"[{"transactionType":"CANCEL","transactionStatus":"FAIL"}]"#,
        );
        assert_eq!(request.observe(&failed), Observation::Failed);
        let key = CancelKey::by_payment_id("P1");
        assert_eq!(key.inquiry().payment_id.as_deref(), Some("P1"));
    }

    #[test]
    fn a_refund_is_settled_by_its_status_and_a_missing_record_is_not_found() {
        let request = RefundRequest::new("r-1", "P1", Amount::from_minor_units("USD", 1).unwrap());
        assert_eq!(request.inquiry().refund_request_id.as_deref(), Some("r-1"));
        const { assert!(<RefundRequest as Settle>::ANSWER_WITHOUT_RECORD_IS_NOT_FOUND) };
        const { assert!(!<CaptureRequest as Settle>::ANSWER_WITHOUT_RECORD_IS_NOT_FOUND) };
        let answer = |status: &str| -> InquiryRefundResponse {
            serde_json::from_str(&format!(
                r#"{{"result":{{"resultStatus":"S","resultCode":"SUCCESS"}},"refundStatus":"{status}",
                "refundId":"R1","refundRequestId":"r-1","refundAmount":{{"currency":"USD","value":"1"}}}}"#
            ))
            .unwrap()
        };
        assert_eq!(request.observe(&answer("SUCCESS")), Observation::Succeeded);
        assert_eq!(request.observe(&answer("FAIL")), Observation::Failed);
        assert_eq!(
            request.observe(&answer("PROCESSING")),
            Observation::InProgress
        );
    }

    #[test]
    fn only_not_exist_refusals_are_observations() {
        let refusal = |code: &str| ResultInfo::new(ResultStatus::Failed, code.into(), "x");
        let key = RefundKey::new("r-1");
        assert_eq!(
            key.observe_refusal(&refusal("ORDER_NOT_EXIST")),
            Some(Observation::NotFound)
        );
        assert_eq!(
            key.observe_refusal(&refusal("REFUND_NOT_EXIST")),
            Some(Observation::NotFound)
        );
        assert_eq!(key.observe_refusal(&refusal("ACCESS_DENIED")), None);
        // A user that does not exist is not a missing record.
        assert_eq!(key.observe_refusal(&refusal("USER_NOT_EXIST")), None);
        let payment = PaymentKey::new("p");
        assert_eq!(
            payment.observe_refusal(&refusal(ORDER_NOT_EXIST)),
            Some(Observation::NotFound)
        );
        assert_eq!(payment.observe_refusal(&refusal("REFUND_NOT_EXIST")), None);
        assert_eq!(
            RefundRequest::new("r-1", "P1", Amount::from_minor_units("USD", 1).unwrap())
                .observe_refusal(&refusal("REFUND_NOT_EXIST")),
            Some(Observation::NotFound),
            "a request settles as its key does"
        );
        assert_eq!(
            PaymentKey::new("p").observe_refusal(&ResultInfo::new(
                ResultStatus::Failed,
                ResultCode::ParamIllegal,
                "x"
            )),
            None
        );
    }
}
