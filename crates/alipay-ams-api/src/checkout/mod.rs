//! The checkout (Antom One-time Payments) as a merchant sees it: what each
//! answer means, the rules Alipay would refuse checked before sending, the
//! common requests built in one call, what each notification means, and how
//! an unknown outcome is settled by inquiring. Hand-written on top of the
//! generated types in [`crate::payments`]; no wire type is declared here.
//! <https://docs.antom.com/ac/ams/payment_cashier>
//!
//! ```
//! use alipay_ams_api::checkout::{BuyerAction, Checkout, PayOutcome};
//! use alipay_ams_api::models::{Order, TerminalType};
//! use alipay_ams_api::payments::{PayRequest, PayResponse};
//! use alipay_ams_core::Amount;
//!
//! let order = Order::checkout("order-1001", "Two concert tickets", Amount::from_decimal("HKD", "100.00")?);
//! let request = PayRequest::cashier("pay-1001", order, "ALIPAY_HK", "https://shop.example/return", TerminalType::Web)
//!     .with_payment_notify_url("https://shop.example/alipay/notify");
//! request.check_checkout()?;
//!
//! // Alipay's usual answer for a wallet: created, waiting for the buyer.
//! let answer: PayResponse = serde_json::from_str(r#"{
//!     "result": {"resultStatus": "U", "resultCode": "PAYMENT_IN_PROCESS", "resultMessage": "payment in process"},
//!     "paymentRequestId": "pay-1001", "paymentId": "2026112519401089010011174027",
//!     "paymentAmount": {"currency": "HKD", "value": "10000"},
//!     "normalUrl": "https://open-sea.alipay.com/cashier?id=1"
//! }"#)?;
//! match request.outcome(answer) {
//!     Some(PayOutcome::WaitingForBuyer(waiting)) => {
//!         assert_eq!(waiting.buyer_actions(), [BuyerAction::OpenUrl("https://open-sea.alipay.com/cashier?id=1")]);
//!     }
//!     other => panic!("{other:?}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! | API | [`Checkout::Outcome`] | a refusal (`F`) is |
//! |---|---|---|
//! | `pay` | [`PayOutcome`]: succeeded, authorized (who captures), waiting for the buyer (what to show), in process with nothing to show, failed | [`PayOutcome::Failed`] |
//! | `capture` | [`CaptureOutcome`]: captured, failed | [`CaptureOutcome::Failed`] |
//! | `refund` | [`RefundOutcome`]: refunded, processing (asynchronous), failed | [`RefundOutcome::Failed`] |
//! | `cancel` | [`CancelOutcome`]: cancelled, too late (refund instead), failed | [`CancelOutcome::Failed`] / [`CancelOutcome::RefundInstead`] |
//! | `consult`, `createPaymentSession`, `inquiryPayment`, `inquiryRefund` | the response, read through [`PaymentState`], [`RefundState`], [`TransactionState`] | an error of the call |
//!
//! After an unknown outcome, [`Settle`] says which inquiry shows a money
//! movement's state and how to read it; the client's `Client::resolve`
//! runs it until the outcome is final or a deadline passes.

mod build;
mod events;
mod inquiry;
mod keys;
mod outcomes;
mod pay;
mod rules;
mod session;
mod settle;
mod traits;

pub use events::{CaptureEvent, PaymentEvent, RefundEvent, StatusDisagreement};
pub use inquiry::{PaymentState, RefundState, TransactionState};
pub use keys::{CancelKey, CaptureKey, PaymentKey, RefundKey};
pub use outcomes::{
    CANCEL_WINDOW_EXCEED, CancelOutcome, CaptureOutcome, REFUND_IN_PROCESS, RefundOutcome,
};
pub use pay::{BuyerAction, CaptureBy, PAYMENT_IN_PROCESS, PayOutcome};
pub use settle::{ORDER_NOT_EXIST, Observation, Settle};
pub use traits::Checkout;
