//! `inquiryPayment`: where a payment is, and every transaction on it.
//! <https://docs.antom.com/ac/ams/paymentri_online>
//!
//! By `paymentId`, or `paymentRequestId` (`paymentId` wins when both are
//! given). Unknown -> F ORDER_NOT_EXIST (a `pay` that timed out never
//! landed: sending it again is safe). Otherwise S, with `paymentStatus`
//! (`PROCESSING` waiting for the buyer, `PENDING`, `SUCCESS` once paid or
//! authorized, `FAIL`, `CANCELLED`), `paymentResultCode`, the times, and
//! `transactions` (every capture, refund and cancellation, with
//! `transactionRequestId`, `transactionId`, status and result).

use alipay_ams_api::models::{Transaction, TransactionStatusType, TransactionType};
use alipay_ams_api::payments::{InquiryPaymentRequest, InquiryPaymentResponse};
use alipay_ams_core::{ResultCode, ResultInfo};

use crate::ledger::Ledger;
use crate::rules::{Call, Decision, Processing};
use crate::state::{PaymentState, PaymentStatus, TransactionRecord};

/// Reads the payment.
pub(crate) fn rules(
    request: &InquiryPaymentRequest,
    ledger: &mut Ledger,
    call: &Call,
) -> Decision<InquiryPaymentResponse> {
    if call.processing == Processing::ProcessFail {
        return Decision::process_fail("inquiryPayment");
    }
    let state = ledger
        .find(
            request.payment_id.as_deref(),
            request.payment_request_id.as_deref(),
        )
        .and_then(|id| ledger.payment(id));
    match state {
        Some(state) => Decision::success(response(&state)),
        None => Decision::failed(
            ResultCode::from("ORDER_NOT_EXIST"),
            "no payment has this paymentId / paymentRequestId (a pay that timed out may never have landed: send the same pay again)",
        ),
    }
}

/// The S answer for a payment.
pub(crate) fn response(state: &PaymentState) -> InquiryPaymentResponse {
    let mut r = InquiryPaymentResponse::new(
        ResultInfo::success(),
        TransactionStatusType::from(state.payment_status),
        &state.payment_request_id,
        &state.payment_id,
        state.payment_amount.clone(),
    );
    let (code, message) = match state.status {
        PaymentStatus::Authorized | PaymentStatus::Captured => {
            (Some("SUCCESS".to_owned()), Some("success".to_owned()))
        }
        PaymentStatus::AwaitingBuyer | PaymentStatus::Pending => (
            Some("PAYMENT_IN_PROCESS".to_owned()),
            Some("the payment is in process".to_owned()),
        ),
        PaymentStatus::Failed => (
            state.failure.as_ref().map(|f| f.result_code.to_string()),
            state
                .failure
                .as_ref()
                .and_then(|f| f.result_message.clone()),
        ),
        PaymentStatus::Cancelled => (
            Some("ORDER_IS_CANCELED".to_owned()),
            Some("the payment was cancelled".to_owned()),
        ),
    };
    r.payment_result_code = code;
    r.payment_result_message = message;
    r.payment_create_time = Some(state.create_time.clone());
    if matches!(
        state.status,
        PaymentStatus::Authorized | PaymentStatus::Captured
    ) {
        r.payment_time = state.payment_time.clone();
        r.auth_expiry_time = state.auth_expiry_time.clone();
    }
    r.payment_method_type = Some(state.payment_method_type.clone());
    if !state.transactions.is_empty() {
        r.transactions = Some(state.transactions.iter().map(transaction).collect());
    }
    r
}

fn transaction(record: &TransactionRecord) -> Transaction {
    let mut t = Transaction::new();
    t.transaction_type = Some(TransactionType::from(record.transaction_type.as_str()));
    t.transaction_request_id = Some(record.transaction_request_id.clone());
    t.transaction_id = Some(record.transaction_id.clone());
    t.transaction_status = Some(TransactionStatusType::from(record.transaction_status));
    t.transaction_amount = Some(record.transaction_amount.clone());
    t.transaction_time = Some(record.transaction_time.clone());
    t.transaction_result = Some(record.transaction_result.clone());
    t
}
