//! One payment in the books, how it is opened, and its snapshot.

use std::time::{Duration, SystemTime};

use alipay_ams_core::time::iso8601_utc;
use alipay_ams_core::{Amount, ResultInfo};

use super::{Ledger, amount};
use crate::error::PaymentError;
use crate::methods::{self, MethodRules};
use crate::payment::{CaptureMode, CreatePayment, Payment};
use crate::state::{Origin, PaymentState, PaymentStatus, TransactionRecord, TransactionType};

/// How long an authorization can be captured (or cancelled): Alipay
/// releases it 7 days after the buyer authorized.
pub(crate) const AUTHORIZATION_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

/// A transaction on a payment, in the order they happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TxRef {
    /// Index in `Ledger::captures`.
    Capture(usize),
    /// Index in `Ledger::refunds`.
    Refund(usize),
    /// The payment's cancellation.
    Cancel,
}

/// How a payment was cancelled.
#[derive(Debug, Clone)]
pub(crate) struct Cancellation {
    pub cancel_id: String,
    pub at: SystemTime,
    /// The buyer had paid (authorized) before: the funds went back.
    pub after_payment: bool,
    /// Nobody cancelled: an authorization lapsed uncaptured.
    pub lapsed: bool,
}

/// What opening a payment takes (its creator checked it).
#[derive(Debug, Clone)]
pub(crate) struct NewPayment {
    pub payment_request_id: String,
    pub origin: Origin,
    pub amount: Amount,
    pub amount_minor: u64,
    pub method: String,
    pub capture_mode: CaptureMode,
    pub multiple_captures: bool,
    pub notify_url: Option<String>,
    pub redirect_url: Option<String>,
    pub order_description: Option<String>,
    pub reference_order_id: Option<String>,
    pub merchant_name: Option<String>,
    /// `Some`: the payment waits for the buyer until then, on a page of
    /// the sandbox. `None`: authorized at once (the control API).
    pub expires_at: Option<SystemTime>,
}

/// One payment.
#[derive(Debug)]
pub(crate) struct PaymentEntry {
    pub payment_request_id: String,
    pub origin: Origin,
    pub amount: Amount,
    pub amount_minor: u64,
    pub method: String,
    pub rules: MethodRules,
    pub capture_mode: CaptureMode,
    pub multiple_captures: bool,
    pub status: PaymentStatus,
    /// Why it failed.
    pub failure: Option<ResultInfo>,
    pub notify_url: Option<String>,
    pub redirect_url: Option<String>,
    pub normal_url: Option<String>,
    pub order_description: Option<String>,
    pub reference_order_id: Option<String>,
    pub merchant_name: Option<String>,
    pub created: SystemTime,
    pub expires_at: Option<SystemTime>,
    /// When the buyer paid (authorized).
    pub paid_at: Option<SystemTime>,
    pub auth_expires_at: Option<SystemTime>,
    pub cancellation: Option<Cancellation>,
    pub captured_minor: u64,
    /// Refunds that succeeded.
    pub refunded_minor: u64,
    /// Refunds still processing (reserved).
    pub refunding_minor: u64,
    pub transactions: Vec<TxRef>,
}

impl PaymentEntry {
    pub fn new(new: NewPayment, normal_url: Option<String>, now: SystemTime) -> Self {
        let waits = new.expires_at.is_some();
        PaymentEntry {
            rules: methods::rules(&new.method),
            payment_request_id: new.payment_request_id,
            origin: new.origin,
            amount: new.amount,
            amount_minor: new.amount_minor,
            method: new.method,
            capture_mode: new.capture_mode,
            multiple_captures: new.multiple_captures,
            status: if waits {
                PaymentStatus::AwaitingBuyer
            } else {
                PaymentStatus::Authorized
            },
            failure: None,
            notify_url: new.notify_url,
            redirect_url: new.redirect_url,
            normal_url,
            order_description: new.order_description,
            reference_order_id: new.reference_order_id,
            merchant_name: new.merchant_name,
            created: now,
            expires_at: new.expires_at,
            paid_at: (!waits).then_some(now),
            auth_expires_at: (!waits).then(|| now + AUTHORIZATION_LIFETIME),
            cancellation: None,
            captured_minor: 0,
            refunded_minor: 0,
            refunding_minor: 0,
            transactions: Vec::new(),
        }
    }

    /// What refunds can still take: captured less refunds that succeeded
    /// or are processing, when the payment is refundable at all.
    pub fn refundable_minor(&self) -> u64 {
        match self.status {
            PaymentStatus::Captured | PaymentStatus::Authorized => self
                .captured_minor
                .saturating_sub(self.refunded_minor)
                .saturating_sub(self.refunding_minor),
            _ => 0,
        }
    }

    /// Whether the payment takes no more captures.
    pub fn closed(&self) -> bool {
        matches!(
            self.status,
            PaymentStatus::Captured | PaymentStatus::Failed | PaymentStatus::Cancelled
        )
    }

    pub(super) fn snapshot(&self, payment_id: &str, ledger: &Ledger) -> PaymentState {
        let time = |at: Option<SystemTime>| at.map(iso8601_utc);
        let captures: Vec<_> = self
            .transactions
            .iter()
            .filter_map(|tx| match tx {
                TxRef::Capture(i) => ledger.captures.get(*i).cloned(),
                _ => None,
            })
            .collect();
        let refunds: Vec<_> = self
            .transactions
            .iter()
            .filter_map(|tx| match tx {
                TxRef::Refund(i) => ledger.refunds.get(*i).map(|r| r.record.clone()),
                _ => None,
            })
            .collect();
        let transactions = self
            .transactions
            .iter()
            .filter_map(|tx| self.transaction(*tx, ledger))
            .collect();
        PaymentState {
            payment_id: payment_id.to_owned(),
            payment_request_id: self.payment_request_id.clone(),
            origin: self.origin,
            status: self.status,
            payment_status: self.status.inquiry_status(),
            failure: self.failure.clone(),
            payment_amount: self.amount.clone(),
            payment_method_type: self.method.clone(),
            authorized: amount(
                &self.amount,
                if self.paid_at.is_some() {
                    self.amount_minor
                } else {
                    0
                },
            ),
            captured: amount(&self.amount, self.captured_minor),
            refunded: amount(&self.amount, self.refunded_minor),
            refundable: amount(&self.amount, self.refundable_minor()),
            capture_mode: self.capture_mode,
            multiple_captures: self.multiple_captures,
            closed: self.closed(),
            notify_url: self.notify_url.clone(),
            redirect_url: self.redirect_url.clone(),
            normal_url: self.normal_url.clone(),
            order_description: self.order_description.clone(),
            reference_order_id: self.reference_order_id.clone(),
            merchant_name: self.merchant_name.clone(),
            create_time: iso8601_utc(self.created),
            expiry_time: time(self.expires_at),
            payment_time: time(self.paid_at),
            auth_expiry_time: time(self.auth_expires_at.filter(|_| self.rules.card)),
            cancel_time: time(self.cancellation.as_ref().map(|c| c.at)),
            captures,
            refunds,
            transactions,
        }
    }

    fn transaction(&self, tx: TxRef, ledger: &Ledger) -> Option<TransactionRecord> {
        Some(match tx {
            TxRef::Capture(i) => {
                let c = ledger.captures.get(i)?;
                TransactionRecord {
                    transaction_type: TransactionType::Capture,
                    transaction_request_id: c.capture_request_id.clone(),
                    transaction_id: c.capture_id.clone(),
                    transaction_status: status_of(&c.result),
                    transaction_amount: c.capture_amount.clone(),
                    transaction_time: c.capture_time.clone(),
                    transaction_result: c.result.clone(),
                }
            }
            TxRef::Refund(i) => {
                let r = &ledger.refunds.get(i)?.record;
                TransactionRecord {
                    transaction_type: TransactionType::Refund,
                    transaction_request_id: r.refund_request_id.clone(),
                    transaction_id: r.refund_id.clone(),
                    transaction_status: r.status.as_str(),
                    transaction_amount: r.refund_amount.clone(),
                    transaction_time: r
                        .refund_time
                        .clone()
                        .unwrap_or_else(|| r.create_time.clone()),
                    transaction_result: r.result.clone(),
                }
            }
            TxRef::Cancel => {
                let c = self.cancellation.as_ref()?;
                TransactionRecord {
                    transaction_type: TransactionType::Cancel,
                    transaction_request_id: self.payment_request_id.clone(),
                    transaction_id: c.cancel_id.clone(),
                    transaction_status: "SUCCESS",
                    transaction_amount: self.amount.clone(),
                    transaction_time: iso8601_utc(c.at),
                    transaction_result: ResultInfo::success(),
                }
            }
        })
    }
}

/// `SUCCESS`, `FAIL` or `PROCESSING` for a result.
fn status_of(result: &ResultInfo) -> &'static str {
    match result.result_status {
        alipay_ams_core::ResultStatus::Success => "SUCCESS",
        alipay_ams_core::ResultStatus::Failed => "FAIL",
        alipay_ams_core::ResultStatus::Unknown => "PROCESSING",
    }
}

impl Ledger {
    /// Books a new payment (checked by its creator); returns its id.
    pub fn open(&mut self, new: NewPayment, now: SystemTime) -> String {
        let payment_id = super::new_id(now);
        let normal_url = new
            .expires_at
            .map(|_| format!("{}/sandbox/checkout/{payment_id}", self.config.base_url));
        self.by_request_id
            .insert(new.payment_request_id.clone(), payment_id.clone());
        self.order.push(payment_id.clone());
        self.payments
            .insert(payment_id.clone(), PaymentEntry::new(new, normal_url, now));
        payment_id
    }

    /// Opens an authorized card payment without a buyer (the control
    /// API). An automatic capture is the capture rules' business: see
    /// `rules::capture::automatic`.
    pub fn create_payment(
        &mut self,
        request: &CreatePayment,
        now: SystemTime,
    ) -> Result<Payment, PaymentError> {
        request.amount.validate()?;
        let amount_minor = request.amount.minor_units()?;
        if amount_minor == 0 {
            return Err(PaymentError::ZeroAmount);
        }
        let payment_request_id = format!("SANDBOX_PAY_{}", super::new_id(now));
        let payment_id = self.open(
            NewPayment {
                payment_request_id: payment_request_id.clone(),
                origin: Origin::Control,
                amount: request.amount.clone(),
                amount_minor,
                method: methods::CARD.to_owned(),
                capture_mode: request.capture_mode,
                multiple_captures: request.multiple_captures,
                notify_url: request.notify_url.clone(),
                redirect_url: None,
                order_description: None,
                reference_order_id: None,
                merchant_name: None,
                expires_at: None,
            },
            now,
        );
        if let Some(at) = self
            .payments
            .get(&payment_id)
            .and_then(|p| p.auth_expires_at)
        {
            self.agenda
                .schedule(at, super::Event::LapseAuthorization(payment_id.clone()));
        }
        Ok(Payment {
            payment_id,
            payment_request_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payments_need_a_positive_valid_amount() {
        let mut ledger = Ledger::default();
        let now = SystemTime::now();
        let usd = |v| Amount::from_minor_units_str("USD", v).unwrap();
        let p = ledger
            .create_payment(&CreatePayment::new(usd("100")), now)
            .unwrap();
        let state = ledger.payment(&p.payment_id).unwrap();
        assert_eq!(state.captured, usd("0"));
        assert_eq!(state.authorized, usd("100"));
        assert_eq!(state.status, PaymentStatus::Authorized);
        assert_eq!(state.origin, Origin::Control);
        assert!(state.payment_request_id.starts_with("SANDBOX_PAY_"));
        assert_eq!(
            ledger.find(None, Some(&p.payment_request_id)),
            Some(p.payment_id.as_str())
        );
        assert!(matches!(
            ledger.create_payment(&CreatePayment::new(usd("0")), now),
            Err(PaymentError::ZeroAmount)
        ));
        assert_eq!(ledger.payments.len(), 1);
    }
}
