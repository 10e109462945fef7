//! `capture` (SPEC §2): take the money of an authorized card payment.

use alipay_ams_core::{CAPTURE_PATH, CaptureRequest, CaptureResponse, InvalidField, ResultInfo};

use crate::client::Client;
use crate::error::Error;
use crate::request::{ApiRequest, HasResult};

impl HasResult for CaptureResponse {
    fn result(&self) -> &ResultInfo {
        &self.result
    }
}

impl ApiRequest for CaptureRequest {
    const NAME: &'static str = "capture";
    const PATH: &'static str = CAPTURE_PATH;
    const IDEMPOTENCY_FIELD: &'static str = "captureRequestId";
    const UNKNOWN_OUTCOME_ADVICE: &'static str = "wait for notifyCapture, or call inquiryPayment for this paymentId; \
        to retry, send the same request with the SAME captureRequestId, and never capture again under a new \
        captureRequestId (that could capture twice)";
    type Response = CaptureResponse;

    fn idempotency_key(&self) -> Option<&str> {
        Some(&self.capture_request_id)
    }

    fn validate(&self) -> Result<(), InvalidField> {
        CaptureRequest::validate(self)
    }
}

impl Client {
    /// Captures an authorized payment. `Ok` means Alipay confirmed the
    /// capture (S) in a verified reply.
    ///
    /// On [`Error::OutcomeUnknown`] the capture may have happened: wait for
    /// `notifyCapture` or inquire, and if you send it again, send this same
    /// request (same `captureRequestId`).
    pub async fn capture(&self, request: &CaptureRequest) -> Result<CaptureResponse, Error> {
        self.execute(request).await
    }
}
