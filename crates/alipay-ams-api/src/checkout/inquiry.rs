//! What the inquiries say. Their `result` only says whether the inquiry
//! worked; the payment's state is `paymentStatus`, a capture's or a
//! refund's is its entry in `transactions`, and a refund's is
//! `refundStatus`.
//! <https://docs.antom.com/ac/ams/paymentri_online>,
//! <https://docs.antom.com/ac/ams/ir_online>

use alipay_ams_core::{ResultInfo, ResultStatus};

use super::Checkout;
use crate::models::{Transaction, TransactionStatusType, TransactionType};
use crate::payments::{
    InquiryPaymentRequest, InquiryPaymentResponse, InquiryRefundRequest, InquiryRefundResponse,
};

/// A payment's state, from `inquiryPayment`'s `paymentStatus`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentState {
    /// `SUCCESS`: paid; for a card payment, authorized. Whether the money
    /// was captured shows in the capture transactions
    /// ([`InquiryPaymentResponse::capture`]). Final.
    Succeeded,
    /// `FAIL`: failed, with the payment's result code (a decline code, for
    /// one). Final; a new attempt needs a new `paymentRequestId`.
    Failed {
        /// `paymentResultCode`.
        code: Option<String>,
        /// `paymentResultMessage`.
        message: Option<String>,
    },
    /// `PROCESSING`: waiting for the buyer (or the method). Not final.
    AwaitingBuyer,
    /// `PENDING`: the buyer finished, the final result is not known yet. Not
    /// final, and not a failure: do not cancel, keep waiting.
    Pending,
    /// `CANCELLED`: cancelled by you or by Antom. Final.
    Cancelled,
    /// A status this version does not know, kept verbatim. Treated as not
    /// final.
    Unrecognised(String),
}

impl PaymentState {
    /// Whether the payment will not change state any more (refunds may
    /// still follow a success).
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            PaymentState::Succeeded | PaymentState::Failed { .. } | PaymentState::Cancelled
        )
    }
}

/// The state of one transaction of a payment (a capture, a refund, a
/// cancellation), from its `transactionStatus`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransactionState {
    /// `SUCCESS`. Final.
    Succeeded,
    /// `FAIL`, with the transaction's `result` when it carries one. Final.
    Failed(Option<ResultInfo>),
    /// `PROCESSING`. Not final.
    Processing,
    /// A status this version does not know (or none at all), kept verbatim.
    /// Treated as not final.
    Unrecognised(String),
}

impl TransactionState {
    /// Whether the transaction will not change state any more.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            TransactionState::Succeeded | TransactionState::Failed(_)
        )
    }
}

/// A refund's state, from `inquiryRefund`'s `refundStatus` (Antom's side:
/// for Alipay+ wallets the wallet may show it later).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundState {
    /// `SUCCESS`: refunded. Final.
    Succeeded,
    /// `FAIL`. Final; a new attempt needs a new `refundRequestId`.
    Failed,
    /// `PROCESSING`. Not final.
    Processing,
    /// A status this version does not know, kept verbatim. Treated as not
    /// final.
    Unrecognised(String),
}

impl RefundState {
    /// Whether the refund will not change state any more.
    pub fn is_final(&self) -> bool {
        matches!(self, RefundState::Succeeded | RefundState::Failed)
    }
}

impl InquiryPaymentResponse {
    /// The payment's state.
    pub fn state(&self) -> PaymentState {
        match &self.payment_status {
            TransactionStatusType::Success => PaymentState::Succeeded,
            TransactionStatusType::Fail => PaymentState::Failed {
                code: self.payment_result_code.clone(),
                message: self.payment_result_message.clone(),
            },
            TransactionStatusType::Processing => PaymentState::AwaitingBuyer,
            TransactionStatusType::Pending => PaymentState::Pending,
            TransactionStatusType::Cancelled => PaymentState::Cancelled,
            other => PaymentState::Unrecognised(other.as_str().to_owned()),
        }
    }

    /// The payment's transactions of one type (captures, refunds, ...).
    pub fn transactions_of(
        &self,
        transaction_type: TransactionType,
    ) -> impl Iterator<Item = &Transaction> {
        self.transactions
            .iter()
            .flatten()
            .filter(move |t| t.transaction_type.as_ref() == Some(&transaction_type))
    }

    /// The capture sent with this `captureRequestId`, if Antom lists it.
    pub fn capture(&self, capture_request_id: &str) -> Option<&Transaction> {
        self.transactions_of(TransactionType::Capture)
            .find(|t| t.transaction_request_id.as_deref() == Some(capture_request_id))
    }

    /// The refund sent with this `refundRequestId`, if Antom lists it.
    pub fn refund(&self, refund_request_id: &str) -> Option<&Transaction> {
        self.transactions_of(TransactionType::Refund)
            .find(|t| t.transaction_request_id.as_deref() == Some(refund_request_id))
    }

    /// The cancellation of this payment, if Antom lists one (a payment has
    /// at most one: `cancel` has no request id of its own). The last one
    /// listed, should there be several.
    pub fn cancellation(&self) -> Option<&Transaction> {
        self.transactions_of(TransactionType::Cancel).last()
    }
}

impl Transaction {
    /// The transaction's state. Without a `transactionStatus`, its
    /// `transactionResult` decides (`S` succeeded, `F` failed, `U`
    /// processing).
    pub fn state(&self) -> TransactionState {
        match (&self.transaction_status, &self.transaction_result) {
            (Some(TransactionStatusType::Success), _) => TransactionState::Succeeded,
            (Some(TransactionStatusType::Fail), result) => TransactionState::Failed(result.clone()),
            (Some(TransactionStatusType::Processing), _) => TransactionState::Processing,
            (Some(other), _) => TransactionState::Unrecognised(other.as_str().to_owned()),
            (None, Some(result)) => match result.result_status {
                ResultStatus::Success => TransactionState::Succeeded,
                ResultStatus::Failed => TransactionState::Failed(Some(result.clone())),
                ResultStatus::Unknown => TransactionState::Processing,
            },
            (None, None) => TransactionState::Unrecognised(String::new()),
        }
    }
}

impl InquiryRefundResponse {
    /// The refund's state.
    pub fn state(&self) -> RefundState {
        match &self.refund_status {
            TransactionStatusType::Success => RefundState::Succeeded,
            TransactionStatusType::Fail => RefundState::Failed,
            TransactionStatusType::Processing => RefundState::Processing,
            other => RefundState::Unrecognised(other.as_str().to_owned()),
        }
    }
}

impl Checkout for InquiryPaymentRequest {
    /// The answer; read it with [`InquiryPaymentResponse::state`].
    type Outcome = InquiryPaymentResponse;

    fn outcome(&self, response: InquiryPaymentResponse) -> Option<InquiryPaymentResponse> {
        (response.result.result_status == ResultStatus::Success).then_some(response)
    }

    fn refusal(&self, _result: &ResultInfo) -> Option<InquiryPaymentResponse> {
        None
    }
}

impl Checkout for InquiryRefundRequest {
    /// The answer; read it with [`InquiryRefundResponse::state`].
    type Outcome = InquiryRefundResponse;

    fn outcome(&self, response: InquiryRefundResponse) -> Option<InquiryRefundResponse> {
        (response.result.result_status == ResultStatus::Success).then_some(response)
    }

    fn refusal(&self, _result: &ResultInfo) -> Option<InquiryRefundResponse> {
        None
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;

    fn inquiry(status: &str, transactions: &str) -> InquiryPaymentResponse {
        serde_json::from_str(&format!(
            r#"{{"result":{{"resultStatus":"S","resultCode":"SUCCESS"}},"paymentStatus":"{status}",
            "paymentResultCode":"USER_BALANCE_NOT_ENOUGH","paymentRequestId":"pay-1","paymentId":"P1",
            "paymentAmount":{{"currency":"USD","value":"1000"}},"transactions":{transactions}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn payment_statuses_map_to_states_and_only_three_are_final() {
        let cases = [
            ("SUCCESS", PaymentState::Succeeded, true),
            (
                "FAIL",
                PaymentState::Failed {
                    code: Some("USER_BALANCE_NOT_ENOUGH".into()),
                    message: None,
                },
                true,
            ),
            ("PROCESSING", PaymentState::AwaitingBuyer, false),
            ("PENDING", PaymentState::Pending, false),
            ("CANCELLED", PaymentState::Cancelled, true),
            (
                "SETTLING",
                PaymentState::Unrecognised("SETTLING".into()),
                false,
            ),
        ];
        for (status, state, is_final) in cases {
            let got = inquiry(status, "[]").state();
            assert_eq!(got, state, "{status}");
            assert_eq!(got.is_final(), is_final, "{status}");
        }
    }

    #[test]
    fn transactions_are_found_by_type_and_request_id() {
        let response = inquiry(
            "SUCCESS",
            r#"[
              {"transactionType":"CAPTURE","transactionStatus":"FAIL","transactionRequestId":"cap-1",
               "transactionResult":{"resultStatus":"F","resultCode":"PROCESS_FAIL"}},
              {"transactionType":"CAPTURE","transactionStatus":"SUCCESS","transactionRequestId":"cap-2"},
              {"transactionType":"REFUND","transactionStatus":"PROCESSING","transactionRequestId":"cap-1"},
              {"transactionType":"CANCEL","transactionResult":{"resultStatus":"S","resultCode":"SUCCESS"}},
              {"transactionType":"VOID"}
            ]"#,
        );
        let failed = response.capture("cap-1").unwrap().state();
        assert!(
            matches!(&failed, TransactionState::Failed(Some(r)) if r.result_code.as_str() == "PROCESS_FAIL"),
            "{failed:?}"
        );
        assert!(failed.is_final());
        assert_eq!(
            response.capture("cap-2").unwrap().state(),
            TransactionState::Succeeded
        );
        assert!(response.capture("cap-3").is_none());
        // The same request id under another type is another transaction.
        assert_eq!(
            response.refund("cap-1").unwrap().state(),
            TransactionState::Processing
        );
        assert!(!response.refund("cap-1").unwrap().state().is_final());
        assert!(response.refund("cap-2").is_none());
        // No status: the transaction's result decides.
        assert_eq!(
            response.cancellation().unwrap().state(),
            TransactionState::Succeeded
        );
        let void = response
            .transactions_of(TransactionType::Void)
            .next()
            .unwrap();
        assert_eq!(void.state(), TransactionState::Unrecognised(String::new()));
        assert_eq!(
            inquiry("SUCCESS", "[]").cancellation(),
            None,
            "no transactions, no cancellation"
        );
    }

    #[test]
    fn refund_statuses_map_to_states() {
        let refund = |status: &str| -> InquiryRefundResponse {
            serde_json::from_str(&format!(
                r#"{{"result":{{"resultStatus":"S","resultCode":"SUCCESS"}},"refundStatus":"{status}",
                "refundId":"R1","refundRequestId":"r-1","refundAmount":{{"currency":"USD","value":"1"}}}}"#
            ))
            .unwrap()
        };
        assert_eq!(refund("SUCCESS").state(), RefundState::Succeeded);
        assert_eq!(refund("FAIL").state(), RefundState::Failed);
        assert_eq!(refund("PROCESSING").state(), RefundState::Processing);
        assert_eq!(
            refund("REVERSED").state(),
            RefundState::Unrecognised("REVERSED".into())
        );
        assert!(refund("SUCCESS").state().is_final() && !refund("PROCESSING").state().is_final());
    }
}
