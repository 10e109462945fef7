//! The sandbox's books: authorized payments and the transactions on them.
//! Plain data under one lock (see [`Books`](crate::route::Books)); the rules
//! of each API (`rules/`) decide what changes.

use std::collections::HashMap;
use std::time::SystemTime;

use alipay_ams_core::Amount;
use alipay_ams_core::time::iso8601_utc;
use rand::Rng;

use crate::error::PaymentError;
use crate::payment::{CaptureMode, CaptureRecord, CreatePayment, Payment, PaymentState};

/// One authorized payment.
#[derive(Debug)]
pub(crate) struct PaymentEntry {
    pub payment_request_id: String,
    pub authorized: Amount,
    pub authorized_minor: u64,
    pub captured_minor: u64,
    pub capture_mode: CaptureMode,
    pub multiple_captures: bool,
    /// Takes no more captures.
    pub closed: bool,
    pub notify_url: Option<String>,
}

/// Payments and their captures.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    pub payments: HashMap<String, PaymentEntry>,
    /// Every capture performed, oldest first.
    pub captures: Vec<CaptureRecord>,
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

impl Ledger {
    /// Opens an authorized payment. (An automatic capture is the capture
    /// rules' business: see `rules::capture::automatic`.)
    pub fn create_payment(
        &mut self,
        request: &CreatePayment,
        now: SystemTime,
    ) -> Result<Payment, PaymentError> {
        request.amount.validate()?;
        let authorized_minor = request.amount.minor_units()?;
        if authorized_minor == 0 {
            return Err(PaymentError::ZeroAmount);
        }
        let payment_id = new_id(now);
        let payment_request_id = format!("SANDBOX_PAY_{}", new_id(now));
        self.payments.insert(
            payment_id.clone(),
            PaymentEntry {
                payment_request_id: payment_request_id.clone(),
                authorized: request.amount.clone(),
                authorized_minor,
                captured_minor: 0,
                capture_mode: request.capture_mode,
                multiple_captures: request.multiple_captures,
                closed: false,
                notify_url: request.notify_url.clone(),
            },
        );
        Ok(Payment {
            payment_id,
            payment_request_id,
        })
    }

    /// A snapshot of one payment.
    pub fn payment(&self, payment_id: &str) -> Option<PaymentState> {
        let entry = self.payments.get(payment_id)?;
        let captured = Amount::from_minor_units(entry.authorized.currency(), entry.captured_minor)
            .unwrap_or_else(|_| entry.authorized.clone());
        Some(PaymentState {
            payment_id: payment_id.to_owned(),
            payment_request_id: entry.payment_request_id.clone(),
            authorized: entry.authorized.clone(),
            captured,
            capture_mode: entry.capture_mode,
            multiple_captures: entry.multiple_captures,
            closed: entry.closed,
            notify_url: entry.notify_url.clone(),
            captures: self
                .captures
                .iter()
                .filter(|c| c.payment_id == payment_id)
                .cloned()
                .collect(),
        })
    }

    /// Every capture performed, oldest first.
    pub fn captures(&self) -> Vec<CaptureRecord> {
        self.captures.clone()
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
        assert!(state.payment_request_id.starts_with("SANDBOX_PAY_"));
        assert!(matches!(
            ledger.create_payment(&CreatePayment::new(usd("0")), now),
            Err(PaymentError::ZeroAmount)
        ));
        assert_eq!(ledger.payments.len(), 1);
    }

    #[test]
    fn ids_are_digits_and_distinct() {
        let now = SystemTime::now();
        let (a, b) = (new_id(now), new_id(now));
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_digit()));
        assert_ne!(a, b);
    }
}
