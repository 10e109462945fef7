//! The checkout soak's ten lifecycles, chosen by index: what a merchant
//! does with one order, through the steps that settle unknowns, with the
//! sandbox playing the buyer. Each returns what the merchant expects the
//! books to show once everything settled; each ends with the merchant's own
//! `inquiryPayment`.

use std::time::Duration;

use alipay_ams::client::checkout::{CancelOutcome, PaymentState};
use alipay_ams::models::{Env, Order, PaymentFactor, PaymentMethod, ProductCodeType, TerminalType};
use alipay_ams::payments::{
    CancelRequest, CaptureNotification, CaptureRequest, ConsultRequest,
    CreatePaymentSessionRequest, InquiryPaymentRequest, InquiryRefundRequest, PaymentNotification,
    RefundNotification,
};
use alipay_ams::sandbox::{BuyerAction, PaymentStatus};

use crate::common::checkout::{Merchant, REDIRECT, usd};
use crate::faults::FaultPlan;
use crate::steps::{Refunded, Steps};

/// The lifecycles, by `index % 10`.
pub const KINDS: [&str; 10] = [
    "wallet: paid, refunded in two parts, over-refund refused",
    "card: authorized, captured, two asynchronous refunds, over-refund refused",
    "card: authorized, then cancelled; capture refused",
    "wallet: cancelled before the buyer pays",
    "declined by the buyer (wallet or card)",
    "session: consult, createPaymentSession, paid, refunded in full",
    "abandoned by the buyer, or expired",
    "card captured automatically: cancel refused, refunded instead",
    "bank: PAYMENT_PENDING, then paid; half refunded",
    "card: 60% captured, refund beyond it refused, the rest released",
];

/// What the books must show for one lifecycle's payment at the end.
#[derive(Debug)]
pub struct Expected {
    pub kind: usize,
    pub payment_id: String,
    pub status: PaymentStatus,
    pub captured: u64,
    pub refunded: u64,
    /// Over-refunds tried, all of which must have been refused.
    pub over_refunds: usize,
}

/// One lifecycle's context.
pub struct Lifecycle<'a> {
    pub m: &'a Merchant,
    pub steps: Steps<'a>,
    pub plan: &'a FaultPlan,
}

impl Lifecycle<'_> {
    fn buyer(
        &self,
        payment_id: &str,
        action: BuyerAction,
        automatic_capture: bool,
    ) -> PaymentStatus {
        self.plan
            .before_notification::<PaymentNotification>(&self.m.sandbox);
        if automatic_capture {
            self.plan
                .before_notification::<CaptureNotification>(&self.m.sandbox);
        }
        self.m.sandbox.buyer(payment_id, action).unwrap().status
    }

    async fn capture(&self, key: String, payment_id: &str, value: u64) -> Result<String, String> {
        self.plan
            .before_notification::<CaptureNotification>(&self.m.sandbox);
        let request = CaptureRequest::new(key, payment_id, usd(value));
        self.steps.capture(&request).await
    }

    /// A refund that must be accepted (sync or async).
    async fn refund(&self, key: String, payment_id: &str, value: u64, synchronous: bool) {
        if !synchronous {
            self.plan
                .before_notification::<RefundNotification>(&self.m.sandbox);
        }
        let outcome = self
            .steps
            .refund(&self.m.refund(&key, payment_id, value))
            .await;
        match outcome {
            Refunded::Done => {}
            Refunded::Processing if !synchronous => {}
            other => panic!("refund {key}: {other:?}"),
        }
    }

    /// A refund that must be refused as beyond what is left.
    async fn over_refund(&self, key: String, payment_id: &str, value: u64) {
        let outcome = self
            .steps
            .refund(&self.m.refund(&key, payment_id, value))
            .await;
        assert_eq!(
            outcome,
            Refunded::Refused("REFUND_AMOUNT_EXCEED".into()),
            "{key}"
        );
    }

    async fn cancel(&self, payment_id: &str) -> CancelOutcome {
        self.steps
            .cancel(&CancelRequest::new().with_payment_id(payment_id))
            .await
    }

    /// The merchant's own check at the end: inquiryPayment says `want`.
    async fn inquire(&self, payment_id: &str, want: PaymentState) {
        let inquiry = InquiryPaymentRequest::new().with_payment_id(payment_id);
        let answer = self.steps.query(&inquiry, payment_id).await;
        match (answer.state(), &want) {
            (PaymentState::Failed { .. }, PaymentState::Failed { .. }) => {}
            (got, want) => assert_eq!(&got, want, "{payment_id}"),
        }
    }

    /// Runs lifecycle `index`.
    pub async fn run(&self, index: usize) -> Expected {
        let amount = 1_000 + (index as u64 % 97) * 10;
        let id = format!("soak-{index}");
        let m = self.m;
        let kind = index % 10;
        let mut expected = Expected {
            kind,
            payment_id: String::new(),
            status: PaymentStatus::Captured,
            captured: amount,
            refunded: amount,
            over_refunds: 0,
        };
        let failed = PaymentState::Failed {
            code: None,
            message: None,
        };
        match kind {
            0 => {
                let payment_id = self.steps.pay(&m.wallet(&id, amount)).await;
                assert_eq!(
                    self.buyer(&payment_id, BuyerAction::Pay, true),
                    PaymentStatus::Captured
                );
                let first = amount * 2 / 5;
                self.refund(format!("{id}-r1"), &payment_id, first, true)
                    .await;
                self.refund(format!("{id}-r2"), &payment_id, amount - first, true)
                    .await;
                self.over_refund(format!("{id}-r3"), &payment_id, 1).await;
                expected.over_refunds = 1;
                self.inquire(&payment_id, PaymentState::Succeeded).await;
                expected.payment_id = payment_id;
            }
            1 => {
                let payment_id = self.steps.pay(&m.card(&id, amount)).await;
                assert_eq!(
                    self.buyer(&payment_id, BuyerAction::Pay, false),
                    PaymentStatus::Authorized
                );
                self.capture(format!("{id}-cap"), &payment_id, amount)
                    .await
                    .unwrap();
                let first = amount / 3;
                self.refund(format!("{id}-r1"), &payment_id, first, false)
                    .await;
                self.refund(format!("{id}-r2"), &payment_id, amount - first, false)
                    .await;
                // Refunds still processing count against what is left.
                self.over_refund(format!("{id}-r3"), &payment_id, 1).await;
                expected.over_refunds = 1;
                let inquiry =
                    InquiryRefundRequest::new().with_refund_request_id(format!("{id}-r1"));
                let refund = self.steps.query(&inquiry, &id).await;
                assert_eq!(refund.refund_amount, usd(first));
                self.inquire(&payment_id, PaymentState::Succeeded).await;
                expected.payment_id = payment_id;
            }
            2 => {
                let payment_id = self.steps.pay(&m.card(&id, amount)).await;
                assert_eq!(
                    self.buyer(&payment_id, BuyerAction::Pay, false),
                    PaymentStatus::Authorized
                );
                assert!(matches!(
                    self.cancel(&payment_id).await,
                    CancelOutcome::Cancelled(_)
                ));
                let refused = self.capture(format!("{id}-cap"), &payment_id, amount).await;
                assert_eq!(refused, Err("AUTH_CANCELLED".into()), "{id}");
                self.inquire(&payment_id, PaymentState::Cancelled).await;
                (expected.status, expected.captured, expected.refunded) =
                    (PaymentStatus::Cancelled, 0, 0);
                expected.payment_id = payment_id;
            }
            3 => {
                let payment_id = self.steps.pay(&m.wallet(&id, amount)).await;
                assert!(matches!(
                    self.cancel(&payment_id).await,
                    CancelOutcome::Cancelled(_)
                ));
                assert!(
                    m.sandbox.buyer(&payment_id, BuyerAction::Pay).is_err(),
                    "{id}"
                );
                self.inquire(&payment_id, PaymentState::Cancelled).await;
                (expected.status, expected.captured, expected.refunded) =
                    (PaymentStatus::Cancelled, 0, 0);
                expected.payment_id = payment_id;
            }
            4 => {
                let (pay, action) = if index % 20 == 4 {
                    (m.wallet(&id, amount), BuyerAction::Decline)
                } else {
                    (
                        m.card(&id, amount),
                        BuyerAction::DeclineWith("RISK_REJECT".into()),
                    )
                };
                let payment_id = self.steps.pay(&pay).await;
                assert_eq!(
                    self.buyer(&payment_id, action, false),
                    PaymentStatus::Failed
                );
                self.inquire(&payment_id, failed).await;
                (expected.status, expected.captured, expected.refunded) =
                    (PaymentStatus::Failed, 0, 0);
                expected.payment_id = payment_id;
            }
            5 => {
                let env = Env::new().with_terminal_type(TerminalType::Web);
                let consult =
                    ConsultRequest::new(ProductCodeType::CashierPayment, usd(amount), env);
                let options = self.steps.query(&consult, &id).await;
                assert!(
                    options
                        .enabled_options()
                        .any(|o| o.payment_method_type.as_deref() == Some("ALIPAY_HK"))
                );
                let order = Order::checkout(format!("order-{id}"), "A session", usd(amount));
                let session = CreatePaymentSessionRequest::new(
                    ProductCodeType::CashierPayment,
                    &id,
                    order,
                    usd(amount),
                    REDIRECT,
                )
                .with_payment_method(PaymentMethod::new().with_payment_method_type("ALIPAY_HK"))
                .with_payment_notify_url(&m.notify_url);
                let created = self.steps.query(&session, &id).await;
                assert!(created.checkout_url().is_some(), "{id}");
                let payment_id = m.sandbox.payment_by_request_id(&id).unwrap().payment_id;
                assert_eq!(
                    self.buyer(&payment_id, BuyerAction::Pay, true),
                    PaymentStatus::Captured
                );
                self.refund(format!("{id}-r1"), &payment_id, amount, true)
                    .await;
                self.inquire(&payment_id, PaymentState::Succeeded).await;
                expected.payment_id = payment_id;
            }
            6 => {
                let payment_id = self.steps.pay(&m.wallet(&id, amount)).await;
                self.plan
                    .before_notification::<PaymentNotification>(&m.sandbox);
                let state = if index % 20 == 6 {
                    m.sandbox.buyer(&payment_id, BuyerAction::Abandon).unwrap()
                } else {
                    m.sandbox.expire_payment(&payment_id).unwrap()
                };
                assert_eq!(state.status, PaymentStatus::Failed);
                self.inquire(&payment_id, failed).await;
                (expected.status, expected.captured, expected.refunded) =
                    (PaymentStatus::Failed, 0, 0);
                expected.payment_id = payment_id;
            }
            7 => {
                let mut pay = m.card(&id, amount);
                pay.payment_factor = Some(
                    PaymentFactor::new()
                        .with_is_authorization(true)
                        .with_capture_mode("AUTOMATIC"),
                );
                let payment_id = self.steps.pay(&pay).await;
                assert_eq!(
                    self.buyer(&payment_id, BuyerAction::Pay, true),
                    PaymentStatus::Captured
                );
                assert!(matches!(
                    self.cancel(&payment_id).await,
                    CancelOutcome::RefundInstead(_)
                ));
                self.refund(format!("{id}-r1"), &payment_id, amount, false)
                    .await;
                self.inquire(&payment_id, PaymentState::Succeeded).await;
                expected.payment_id = payment_id;
            }
            8 => {
                let payment_id = self
                    .steps
                    .pay(&m.pay(&id, "ONLINEBANKING_FPX", amount))
                    .await;
                assert_eq!(
                    self.buyer(&payment_id, BuyerAction::Pay, true),
                    PaymentStatus::Pending
                );
                let paid = m
                    .sandbox
                    .wait_for_payment(&payment_id, Duration::from_secs(30), |p| {
                        p.status != PaymentStatus::Pending
                    })
                    .await
                    .unwrap();
                assert_eq!(paid.status, PaymentStatus::Captured);
                self.refund(format!("{id}-r1"), &payment_id, amount / 2, false)
                    .await;
                self.inquire(&payment_id, PaymentState::Succeeded).await;
                expected.refunded = amount / 2;
                expected.payment_id = payment_id;
            }
            _ => {
                let payment_id = self.steps.pay(&m.card(&id, amount)).await;
                assert_eq!(
                    self.buyer(&payment_id, BuyerAction::Pay, false),
                    PaymentStatus::Authorized
                );
                let part = amount * 3 / 5;
                self.capture(format!("{id}-cap"), &payment_id, part)
                    .await
                    .unwrap();
                // Refunds are limited by what was captured, not authorized.
                self.over_refund(format!("{id}-r0"), &payment_id, part + 1)
                    .await;
                expected.over_refunds = 1;
                self.refund(format!("{id}-r1"), &payment_id, part, false)
                    .await;
                // One capture only: the rest of the authorization is released.
                let more = self
                    .capture(format!("{id}-cap2"), &payment_id, amount - part)
                    .await;
                assert!(more.is_err(), "{id}: {more:?}");
                self.inquire(&payment_id, PaymentState::Succeeded).await;
                (expected.captured, expected.refunded) = (part, part);
                expected.payment_id = payment_id;
            }
        }
        expected
    }
}
