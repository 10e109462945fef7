//! The sandbox's books: payments, the captures and refunds on them, and the
//! agenda of what happens later (expiry, settlements). Plain data under one
//! lock (see [`Books`](crate::route::Books)); the rules of each API
//! (`rules/`) and the state machine (`machine.rs`) decide what changes.
//!
//! By concern: `payments.rs` (a payment and its snapshot), `refunds.rs`,
//! `agenda.rs` (timed events).

mod agenda;
mod payments;
mod refunds;

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use alipay_ams_core::Amount;
use alipay_ams_core::time::iso8601_utc;
use rand::RngExt;

pub(crate) use agenda::{Agenda, Event};
pub(crate) use payments::{AUTHORIZATION_LIFETIME, Cancellation, NewPayment, PaymentEntry, TxRef};
pub(crate) use refunds::RefundEntry;

use crate::state::{CaptureRecord, PaymentState, RefundRecord};

/// How long a payment waits for the buyer when `pay` gives no
/// `paymentExpiryTime`: Alipay's default, 14 minutes.
pub(crate) const DEFAULT_PAYMENT_EXPIRY: Duration = Duration::from_secs(14 * 60);

/// How long asynchronous processing takes (a `PAYMENT_PENDING` payment
/// settling, an asynchronous refund settling) at time scale 1.
pub(crate) const PROCESSING_DELAY: Duration = Duration::from_secs(2);

/// What the books need to know about the sandbox they run in.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// `http://127.0.0.1:PORT`: the buyer's pages are under it.
    pub base_url: String,
    /// How long a payment waits for the buyer by default.
    pub default_expiry: Duration,
    /// How long asynchronous processing takes (already scaled).
    pub processing_delay: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            base_url: "http://127.0.0.1".to_owned(),
            default_expiry: DEFAULT_PAYMENT_EXPIRY,
            processing_delay: PROCESSING_DELAY,
        }
    }
}

/// Payments and the transactions on them.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    pub config: Config,
    pub payments: HashMap<String, PaymentEntry>,
    /// `paymentRequestId` -> `paymentId`.
    pub by_request_id: HashMap<String, String>,
    /// Payment ids, oldest first.
    pub order: Vec<String>,
    /// Every capture performed, oldest first.
    pub captures: Vec<CaptureRecord>,
    /// Every refund accepted, oldest first.
    pub refunds: Vec<RefundEntry>,
    /// `refundId` -> index in `refunds`.
    pub refund_by_id: HashMap<String, usize>,
    /// `refundRequestId` -> index in `refunds`.
    pub refund_by_request_id: HashMap<String, usize>,
    /// What happens later.
    pub agenda: Agenda,
}

/// A numeric id like Alipay's: 14 digits of UTC time, then 18 random digits.
pub(crate) fn new_id(now: SystemTime) -> String {
    let stamp: String = iso8601_utc(now)
        .chars()
        .filter(char::is_ascii_digit)
        .take(14)
        .collect();
    let mut rng = rand::rng();
    let random: String = (0..18)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect();
    stamp + &random
}

/// `units` minor units of `currency` (the currency of an amount that
/// already parsed, so this cannot fail in practice; if it did, zero of it).
pub(crate) fn amount(like: &Amount, units: u64) -> Amount {
    Amount::from_minor_units(like.currency(), units)
        .or_else(|_| Amount::from_minor_units(like.currency(), 0))
        .unwrap_or_else(|_| like.clone())
}

impl Ledger {
    /// The payment a `paymentId` or, failing that, a `paymentRequestId`
    /// names (`paymentId` wins when both are given, as Alipay documents).
    pub fn find(&self, payment_id: Option<&str>, payment_request_id: Option<&str>) -> Option<&str> {
        match (payment_id, payment_request_id) {
            (Some(id), _) => self.payments.get_key_value(id).map(|(id, _)| id.as_str()),
            (None, Some(request)) => self.by_request_id.get(request).map(String::as_str),
            (None, None) => None,
        }
    }

    /// Records a capture and links it to its payment.
    pub fn record_capture(&mut self, record: CaptureRecord) {
        if let Some(payment) = self.payments.get_mut(&record.payment_id) {
            payment
                .transactions
                .push(TxRef::Capture(self.captures.len()));
        }
        self.captures.push(record);
    }

    /// Records a refund and links it to its payment.
    pub fn record_refund(&mut self, entry: RefundEntry) {
        let index = self.refunds.len();
        if let Some(payment) = self.payments.get_mut(&entry.record.payment_id) {
            payment.transactions.push(TxRef::Refund(index));
        }
        self.refund_by_id
            .insert(entry.record.refund_id.clone(), index);
        self.refund_by_request_id
            .insert(entry.record.refund_request_id.clone(), index);
        self.refunds.push(entry);
    }

    /// The refund a `refundId` or, failing that, a `refundRequestId` names.
    pub fn find_refund(
        &self,
        refund_id: Option<&str>,
        refund_request_id: Option<&str>,
    ) -> Option<usize> {
        match (refund_id, refund_request_id) {
            (Some(id), _) => self.refund_by_id.get(id).copied(),
            (None, Some(request)) => self.refund_by_request_id.get(request).copied(),
            (None, None) => None,
        }
    }

    /// A snapshot of one payment.
    pub fn payment(&self, payment_id: &str) -> Option<PaymentState> {
        let entry = self.payments.get(payment_id)?;
        Some(entry.snapshot(payment_id, self))
    }

    /// Every payment, oldest first.
    pub fn all_payments(&self) -> Vec<PaymentState> {
        self.order
            .iter()
            .filter_map(|id| self.payment(id))
            .collect()
    }

    /// Every capture performed, oldest first.
    pub fn captures(&self) -> Vec<CaptureRecord> {
        self.captures.clone()
    }

    /// Every refund accepted, oldest first.
    pub fn all_refunds(&self) -> Vec<RefundRecord> {
        self.refunds.iter().map(|r| r.record.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_digits_and_distinct() {
        let now = SystemTime::now();
        let (a, b) = (new_id(now), new_id(now));
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_digit()));
        assert_ne!(a, b);
    }

    #[test]
    fn amounts_keep_the_currency() {
        let usd = Amount::from_minor_units_str("USD", "100").unwrap();
        assert_eq!(
            amount(&usd, 7),
            Amount::from_minor_units_str("USD", "7").unwrap()
        );
    }
}
