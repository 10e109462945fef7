//! `inquiryRefund`: where a refund is.
//! <https://docs.antom.com/ac/ams/ir_online>
//!
//! By `refundId`, or `refundRequestId` (`refundId` wins). Unknown -> F
//! ORDER_NOT_EXIST (never "failed": a refund whose call timed out may not
//! have landed; send the same refund again). Otherwise S with
//! `refundStatus` `PROCESSING`, `SUCCESS` (with `refundTime`) or `FAIL`.

use alipay_ams_api::models::TransactionStatusType;
use alipay_ams_api::payments::{InquiryRefundRequest, InquiryRefundResponse};
use alipay_ams_core::{ResultCode, ResultInfo};

use crate::ledger::Ledger;
use crate::rules::{Call, Decision, Processing};
use crate::state::RefundStatus;

/// Reads the refund.
pub(crate) fn rules(
    request: &InquiryRefundRequest,
    ledger: &mut Ledger,
    call: &Call,
) -> Decision<InquiryRefundResponse> {
    if call.processing == Processing::ProcessFail {
        return Decision::process_fail("inquiryRefund");
    }
    let found = ledger
        .find_refund(
            request.refund_id.as_deref(),
            request.refund_request_id.as_deref(),
        )
        .and_then(|i| ledger.refunds.get(i));
    let Some(entry) = found else {
        return Decision::failed(
            ResultCode::from("ORDER_NOT_EXIST"),
            "no refund has this refundId / refundRequestId (a refund that timed out may never have landed: send the same refund again)",
        );
    };
    let r = &entry.record;
    let mut response = InquiryRefundResponse::new(
        ResultInfo::success(),
        &r.refund_id,
        &r.refund_request_id,
        r.refund_amount.clone(),
        TransactionStatusType::from(r.status.as_str()),
    );
    if r.status == RefundStatus::Success {
        response.refund_time = r.refund_time.clone();
    }
    Decision::success(response)
}
