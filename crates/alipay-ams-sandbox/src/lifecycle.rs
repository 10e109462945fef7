//! The handle's side of the payment lifecycle: what a test does in place of
//! the buyer (or of time), and what it reads back. Each method mirrors a
//! control API endpoint.

use std::time::{Duration, SystemTime};

use crate::error::{BuyerError, Error};
use crate::machine;
use crate::payment::{BuyerAction, CreatePayment, Payment};
use crate::sandbox::Sandbox;
use crate::state::{CaptureRecord, PaymentState, RefundRecord};

impl Sandbox {
    /// Creates an authorized card payment directly, without a buyer (as
    /// `POST /sandbox/payments`). An automatic-capture payment is captured
    /// and notified at once.
    pub fn create_payment(&self, payment: CreatePayment) -> Result<Payment, Error> {
        Ok(crate::control::create_payment(self.shared(), payment)?)
    }

    /// Acts as the buyer on a payment waiting for the buyer (as `POST
    /// /sandbox/payments/{paymentId}/buyer`); returns the payment's state
    /// after the action, with the notifications it caused on their way.
    ///
    /// ```no_run
    /// # async fn f(sandbox: alipay_ams_sandbox::Sandbox, payment_id: &str) -> Result<(), alipay_ams_sandbox::BuyerError> {
    /// use alipay_ams_sandbox::{BuyerAction, PaymentStatus};
    /// // `pay` answered PAYMENT_IN_PROCESS with this paymentId:
    /// let state = sandbox.buyer(payment_id, BuyerAction::Pay)?;
    /// assert_eq!(state.status, PaymentStatus::Captured); // a wallet: paid and captured
    /// # Ok(()) }
    /// ```
    pub fn buyer(&self, payment_id: &str, action: BuyerAction) -> Result<PaymentState, BuyerError> {
        self.change(payment_id, |ledger, now| {
            machine::buyer(ledger, payment_id, &action, now)
        })
    }

    /// Expires a payment waiting for the buyer now, as its
    /// `paymentExpiryTime` would (as `POST
    /// /sandbox/payments/{paymentId}/expire`): F `ORDER_IS_CLOSED`, notified.
    pub fn expire_payment(&self, payment_id: &str) -> Result<PaymentState, BuyerError> {
        self.change(payment_id, |ledger, now| {
            machine::expire_now(ledger, payment_id, now)
        })
    }

    fn change(
        &self,
        payment_id: &str,
        change: impl FnOnce(
            &mut crate::ledger::Ledger,
            SystemTime,
        ) -> Result<Vec<crate::notification::Outgoing>, BuyerError>,
    ) -> Result<PaymentState, BuyerError> {
        self.shared()
            .transact(|ledger, now| match change(ledger, now) {
                Ok(sent) => (
                    ledger
                        .payment(payment_id)
                        .ok_or_else(|| BuyerError::UnknownPayment(payment_id.to_owned())),
                    sent,
                ),
                Err(e) => (Err(e), Vec::new()),
            })
    }

    /// A snapshot of a payment: status, amounts, every transaction (as
    /// `GET /sandbox/payments/{paymentId}`).
    pub fn payment(&self, payment_id: &str) -> Option<PaymentState> {
        self.shared()
            .transact(|ledger, _| (ledger.payment(payment_id), Vec::new()))
    }

    /// A snapshot of the payment of a `paymentRequestId` (what a test knows
    /// after `createPaymentSession`, whose answer has no `paymentId`).
    pub fn payment_by_request_id(&self, payment_request_id: &str) -> Option<PaymentState> {
        self.shared().transact(|ledger, _| {
            let state = ledger
                .find(None, Some(payment_request_id))
                .and_then(|id| ledger.payment(id));
            (state, Vec::new())
        })
    }

    /// Every payment, oldest first.
    pub fn payments(&self) -> Vec<PaymentState> {
        self.shared()
            .transact(|ledger, _| (ledger.all_payments(), Vec::new()))
    }

    /// Every capture performed, successful or failed, oldest first.
    pub fn captures(&self) -> Vec<CaptureRecord> {
        self.shared()
            .transact(|ledger, _| (ledger.captures(), Vec::new()))
    }

    /// Every refund accepted (processing, successful or failed), oldest
    /// first.
    pub fn refunds(&self) -> Vec<RefundRecord> {
        self.shared()
            .transact(|ledger, _| (ledger.all_refunds(), Vec::new()))
    }

    /// Waits until `done` holds for the payment's state, at most
    /// `timeout`. `Ok(state)` when it held; `Err(state)` (the last state,
    /// `None` for an unknown payment) when not.
    ///
    /// ```no_run
    /// # async fn f(sandbox: alipay_ams_sandbox::Sandbox, payment_id: &str) {
    /// use std::time::Duration;
    /// // An asynchronous refund settles after the processing delay:
    /// let state = sandbox
    ///     .wait_for_payment(payment_id, Duration::from_secs(10), |p| p.refundable.value() == "0")
    ///     .await
    ///     .expect("not refunded in time");
    /// # }
    /// ```
    pub async fn wait_for_payment<F>(
        &self,
        payment_id: &str,
        timeout: Duration,
        mut done: F,
    ) -> Result<PaymentState, Option<PaymentState>>
    where
        F: FnMut(&PaymentState) -> bool,
    {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let state = self.payment(payment_id);
            match state {
                Some(state) if done(&state) => return Ok(state),
                last if tokio::time::Instant::now() >= deadline => return Err(last),
                _ => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        }
    }

    /// Now, in the sandbox's clock (the system's, unless a test moved it
    /// with [`advance_clock`](Self::advance_clock)).
    pub fn now(&self) -> SystemTime {
        self.shared().clock.now()
    }

    /// TEST ONLY: moves the sandbox's clock forward by `by`, and fires what
    /// falls due (expiries, settlements, lapsed authorizations), as `POST
    /// /sandbox/clock` does: to test cancel and refund windows, or a 7-day
    /// authorization, without waiting. Returns the new now. The clock
    /// never goes back.
    pub fn advance_clock(&self, by: Duration) -> SystemTime {
        let now = self.shared().clock.advance(by);
        self.shared().transact(|_, _| ((), Vec::new()));
        now
    }
}
