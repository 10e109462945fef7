//! The snapshots a test (or a dashboard) reads: a payment with its status
//! and every transaction on it ([`PaymentState`]), its captures
//! ([`CaptureRecord`]), refunds ([`RefundRecord`]) and the uniform list of
//! all three kinds as `inquiryPayment` shows them ([`TransactionRecord`]).
//! All serialize in camelCase, as `GET /sandbox/payments/{paymentId}` and
//! `POST /sandbox/payments/{paymentId}/buyer` answer them.

use alipay_ams_core::{Amount, ResultInfo};
use serde::{Deserialize, Serialize};

use crate::payment::CaptureMode;

/// Where a payment is in its lifecycle.
/// <https://docs.antom.com/ac/ams/paymentri_online>
///
/// ```text
/// pay ──> AWAITING_BUYER ──buyer pays──> [PENDING ──>] AUTHORIZED ──capture──> CAPTURED
///              │   │                                     │  (automatic capture: at once)
///              │   └─decline / abandon / expiry──> FAILED │
///              └──────────────cancel──────────> CANCELLED <─┘ (cancel, or 7 days uncaptured)
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum PaymentStatus {
    /// `pay` answered `PAYMENT_IN_PROCESS`: the buyer has not acted yet.
    /// `inquiryPayment` says `PROCESSING`.
    AwaitingBuyer,
    /// The buyer has paid with a method whose result comes later
    /// (`PAYMENT_PENDING` was notified). `inquiryPayment` says `PENDING`.
    Pending,
    /// A card authorization waiting for the merchant's `capture` (manual
    /// capture). `inquiryPayment` says `SUCCESS`.
    Authorized,
    /// The money is taken: captured by the merchant, or automatically
    /// (wallets, automatic-capture cards). Refunds may follow.
    /// `inquiryPayment` says `SUCCESS`.
    Captured,
    /// Declined, abandoned, expired, or failed at the processor.
    /// `inquiryPayment` says `FAIL`.
    Failed,
    /// Cancelled by the merchant, or an authorization left uncaptured
    /// until it lapsed. `inquiryPayment` says `CANCELLED`.
    Cancelled,
}

impl PaymentStatus {
    /// What `inquiryPayment` reports as `paymentStatus`.
    pub fn inquiry_status(self) -> &'static str {
        match self {
            PaymentStatus::AwaitingBuyer => "PROCESSING",
            PaymentStatus::Pending => "PENDING",
            PaymentStatus::Authorized | PaymentStatus::Captured => "SUCCESS",
            PaymentStatus::Failed => "FAIL",
            PaymentStatus::Cancelled => "CANCELLED",
        }
    }

    /// The wire name (`AWAITING_BUYER`).
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::AwaitingBuyer => "AWAITING_BUYER",
            PaymentStatus::Pending => "PENDING",
            PaymentStatus::Authorized => "AUTHORIZED",
            PaymentStatus::Captured => "CAPTURED",
            PaymentStatus::Failed => "FAILED",
            PaymentStatus::Cancelled => "CANCELLED",
        }
    }
}

impl std::fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a payment came to exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Origin {
    /// A `pay` request.
    Pay,
    /// A `createPaymentSession` request (the payment the session's page
    /// creates).
    CreatePaymentSession,
    /// `POST /sandbox/payments` or
    /// [`Sandbox::create_payment`](crate::Sandbox::create_payment): an
    /// authorized card payment made directly.
    Control,
}

/// A snapshot of one payment, for assertions and for rendering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PaymentState {
    /// Alipay's payment id.
    pub payment_id: String,
    /// The merchant's payment request id.
    pub payment_request_id: String,
    /// How the payment was created.
    pub origin: Origin,
    /// Where it is in its lifecycle.
    pub status: PaymentStatus,
    /// What `inquiryPayment` reports as `paymentStatus` (`PROCESSING`,
    /// `PENDING`, `SUCCESS`, `FAIL`, `CANCELLED`).
    pub payment_status: &'static str,
    /// Why the payment failed (`ORDER_IS_CLOSED` after expiry or abandon,
    /// the decline code, `PROCESS_FAIL`); `None` unless [`PaymentStatus::Failed`].
    pub failure: Option<ResultInfo>,
    /// The amount to pay.
    pub payment_amount: Amount,
    /// `paymentMethod.paymentMethodType` (`CARD`, `ALIPAY_CN`, ...).
    pub payment_method_type: String,
    /// The amount authorized or paid by the buyer: zero until the buyer
    /// pays, the payment amount after.
    pub authorized: Amount,
    /// The total of the successful captures, in the payment's currency.
    pub captured: Amount,
    /// The total of the successful refunds.
    pub refunded: Amount,
    /// What a refund can still take: captured, less refunds that succeeded
    /// or are still processing; zero unless the payment is refundable.
    pub refundable: Amount,
    /// Manual or automatic capture.
    pub capture_mode: CaptureMode,
    /// Whether several captures are allowed.
    pub multiple_captures: bool,
    /// Whether the payment takes no more captures (captured, failed or
    /// cancelled).
    pub closed: bool,
    /// Where `notifyPayment` and `notifyCapture` go (`paymentNotifyUrl`),
    /// if the payment named one.
    pub notify_url: Option<String>,
    /// Where the buyer returns to (`paymentRedirectUrl`), for payments made
    /// by `pay` or `createPaymentSession`.
    pub redirect_url: Option<String>,
    /// The buyer's page on the sandbox (`normalUrl`), for payments made by
    /// `pay` or `createPaymentSession`.
    pub normal_url: Option<String>,
    /// `order.orderDescription`, shown to the buyer.
    pub order_description: Option<String>,
    /// `order.referenceOrderId`, the merchant's order id.
    pub reference_order_id: Option<String>,
    /// The merchant's name as the request gave it (`order.merchant` or
    /// `merchant`, `merchantName`), for the buyer's page.
    pub merchant_name: Option<String>,
    /// When the payment was created, ISO 8601.
    pub create_time: String,
    /// When a payment waiting for the buyer expires, ISO 8601.
    pub expiry_time: Option<String>,
    /// When the buyer paid (the authorization, for cards), ISO 8601.
    pub payment_time: Option<String>,
    /// Until when an authorization can be captured or cancelled, ISO 8601.
    pub auth_expiry_time: Option<String>,
    /// When the payment was cancelled, ISO 8601.
    pub cancel_time: Option<String>,
    /// The captures of this payment, oldest first.
    pub captures: Vec<CaptureRecord>,
    /// The refunds of this payment, oldest first.
    pub refunds: Vec<RefundRecord>,
    /// Every capture, refund and cancellation, oldest first, as
    /// `inquiryPayment`'s `transactions` shows them.
    pub transactions: Vec<TransactionRecord>,
}

/// One capture that the sandbox performed (successfully or not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CaptureRecord {
    /// Alipay's capture id.
    pub capture_id: String,
    /// The merchant's capture request id (`AUTO_<paymentId>` for an
    /// automatic capture).
    pub capture_request_id: String,
    /// The payment captured.
    pub payment_id: String,
    /// The amount.
    pub capture_amount: Amount,
    /// S for a capture that took the money, F for one that failed.
    pub result: ResultInfo,
    /// When it happened, ISO 8601.
    pub capture_time: String,
}

/// Where a refund is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum RefundStatus {
    /// Accepted asynchronously (`REFUND_IN_PROCESS`), not settled yet.
    Processing,
    /// Refunded.
    Success,
    /// Failed; the amount is refundable again.
    Fail,
}

impl RefundStatus {
    /// The wire name, as `inquiryRefund` and `notifyRefund` write it.
    pub fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Processing => "PROCESSING",
            RefundStatus::Success => "SUCCESS",
            RefundStatus::Fail => "FAIL",
        }
    }
}

/// One refund the sandbox accepted (successfully, still processing, or
/// failed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RefundRecord {
    /// Alipay's refund id.
    pub refund_id: String,
    /// The merchant's refund request id.
    pub refund_request_id: String,
    /// The payment refunded.
    pub payment_id: String,
    /// The amount.
    pub refund_amount: Amount,
    /// The capture refunded, when the request named one.
    pub capture_id: Option<String>,
    /// Processing, success or fail.
    pub status: RefundStatus,
    /// The current result: U `REFUND_IN_PROCESS` while processing, then S
    /// or F.
    pub result: ResultInfo,
    /// Whether the refund was asynchronous (answered `REFUND_IN_PROCESS`,
    /// settled later and notified with `notifyRefund`).
    pub asynchronous: bool,
    /// Where `notifyRefund` goes (`refundNotifyUrl`), if the request named
    /// one.
    pub notify_url: Option<String>,
    /// When the refund was requested, ISO 8601.
    pub create_time: String,
    /// When it reached success or failure, ISO 8601.
    pub refund_time: Option<String>,
}

/// The kind of a transaction on a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum TransactionType {
    /// A capture (`transactionRequestId` = `captureRequestId`).
    Capture,
    /// A refund (`transactionRequestId` = `refundRequestId`).
    Refund,
    /// A cancellation (`transactionRequestId` = the payment's
    /// `paymentRequestId`: `cancel` has no request id of its own).
    Cancel,
}

impl TransactionType {
    /// The wire name (`CAPTURE`), as `inquiryPayment` writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            TransactionType::Capture => "CAPTURE",
            TransactionType::Refund => "REFUND",
            TransactionType::Cancel => "CANCEL",
        }
    }
}

/// One capture, refund or cancellation, as `inquiryPayment` lists it in
/// `transactions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TransactionRecord {
    /// Capture, refund or cancel.
    pub transaction_type: TransactionType,
    /// The merchant's request id of the transaction.
    pub transaction_request_id: String,
    /// Alipay's id of the transaction (`captureId`, `refundId`, a cancel id).
    pub transaction_id: String,
    /// `SUCCESS`, `FAIL` or `PROCESSING`.
    pub transaction_status: &'static str,
    /// The amount moved (the payment amount, for a cancellation).
    pub transaction_amount: Amount,
    /// When it happened (was requested, while processing), ISO 8601.
    pub transaction_time: String,
    /// Its result (U `REFUND_IN_PROCESS` for a refund still processing).
    pub transaction_result: ResultInfo,
}
