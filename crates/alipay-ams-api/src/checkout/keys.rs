//! The key fields of a money movement, for settling it without the
//! original request (an outbox that kept only the keys after a restart):
//! [`PaymentKey`], [`CaptureKey`], [`RefundKey`], [`CancelKey`]. Each
//! converts from its request.

use crate::payments::{
    CancelRequest, CaptureRequest, CreatePaymentSessionRequest, PayRequest, RefundRequest,
};

/// A `pay` (or the payment a `createPaymentSession` leads to), by the
/// `paymentRequestId` you chose: the only id you have when `pay` timed out.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PaymentKey {
    /// `paymentRequestId`.
    pub payment_request_id: String,
}

impl PaymentKey {
    /// The payment with this `paymentRequestId`.
    pub fn new(payment_request_id: impl Into<String>) -> Self {
        PaymentKey {
            payment_request_id: payment_request_id.into(),
        }
    }
}

/// A `capture`, by its payment and its `captureRequestId`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CaptureKey {
    /// `paymentId` of the authorized payment.
    pub payment_id: String,
    /// `captureRequestId` of the capture.
    pub capture_request_id: String,
}

impl CaptureKey {
    /// The capture with this `captureRequestId` of this payment.
    pub fn new(payment_id: impl Into<String>, capture_request_id: impl Into<String>) -> Self {
        CaptureKey {
            payment_id: payment_id.into(),
            capture_request_id: capture_request_id.into(),
        }
    }
}

/// A `refund`, by its `refundRequestId`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RefundKey {
    /// `refundRequestId`.
    pub refund_request_id: String,
}

impl RefundKey {
    /// The refund with this `refundRequestId`.
    pub fn new(refund_request_id: impl Into<String>) -> Self {
        RefundKey {
            refund_request_id: refund_request_id.into(),
        }
    }
}

/// A `cancel`, by the payment it cancels (`paymentId` wins when both are
/// given, as in `cancel` itself).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CancelKey {
    /// `paymentId`.
    pub payment_id: Option<String>,
    /// `paymentRequestId`.
    pub payment_request_id: Option<String>,
}

impl CancelKey {
    /// The cancellation of the payment with this `paymentId`.
    pub fn by_payment_id(payment_id: impl Into<String>) -> Self {
        CancelKey {
            payment_id: Some(payment_id.into()),
            payment_request_id: None,
        }
    }

    /// The cancellation of the payment with this `paymentRequestId`.
    pub fn by_payment_request_id(payment_request_id: impl Into<String>) -> Self {
        CancelKey {
            payment_id: None,
            payment_request_id: Some(payment_request_id.into()),
        }
    }
}

impl From<&PayRequest> for PaymentKey {
    fn from(request: &PayRequest) -> Self {
        PaymentKey::new(request.payment_request_id.clone())
    }
}

impl From<&CreatePaymentSessionRequest> for PaymentKey {
    fn from(request: &CreatePaymentSessionRequest) -> Self {
        PaymentKey::new(request.payment_request_id.clone())
    }
}

impl From<&CaptureRequest> for CaptureKey {
    fn from(request: &CaptureRequest) -> Self {
        CaptureKey::new(
            request.payment_id.clone(),
            request.capture_request_id.clone(),
        )
    }
}

impl From<&RefundRequest> for RefundKey {
    fn from(request: &RefundRequest) -> Self {
        RefundKey::new(request.refund_request_id.clone())
    }
}

impl From<&CancelRequest> for CancelKey {
    fn from(request: &CancelRequest) -> Self {
        CancelKey {
            payment_id: request.payment_id.clone(),
            payment_request_id: request.payment_request_id.clone(),
        }
    }
}
