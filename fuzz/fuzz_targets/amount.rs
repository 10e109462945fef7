//! `Amount` from decimal text, from minor-unit text and from JSON: never a
//! panic, and every accepted amount survives `to_decimal` -> `from_decimal`.
//!
//! Input: the first line is the currency, the rest is the amount text (tried as
//! a decimal and as minor units); the whole input is also tried as JSON.
#![no_main]

use alipay_ams_core::Amount;
use libfuzzer_sys::fuzz_target;

/// `from_decimal(to_decimal(x))` is the same amount as `x`; it is the very same
/// value when `x` is already in canonical form (no leading zeros).
fn check_round_trip(amount: &Amount) {
    if amount.validate().is_err() {
        // Deserialized amounts are not validated on read; to_decimal must refuse them.
        assert!(amount.to_decimal().is_err(), "to_decimal accepted an invalid {amount:?}");
        assert!(amount.minor_units().is_err());
        return;
    }
    let minor = amount
        .minor_units()
        .unwrap_or_else(|e| panic!("valid {amount:?} has no minor units: {e}"));
    let decimal = amount
        .to_decimal()
        .unwrap_or_else(|e| panic!("valid {amount:?} has no decimal form: {e}"));
    let back = Amount::from_decimal(amount.currency(), &decimal)
        .unwrap_or_else(|e| panic!("{decimal:?} from {amount:?} does not parse back: {e}"));
    assert_eq!(back.minor_units().ok(), Some(minor), "{amount:?} -> {decimal:?} -> {back:?}");
    assert_eq!(back.currency(), amount.currency());
    let canonical = amount.value() == "0" || !amount.value().starts_with('0');
    if canonical {
        assert_eq!(&back, amount, "{amount:?} -> {decimal:?} -> {back:?}");
    }
    assert_eq!(Amount::from_minor_units(amount.currency(), minor).ok().as_ref().map(Amount::value), Some(back.value()));
    // JSON round trip.
    let json = serde_json::to_string(amount).unwrap_or_else(|e| panic!("{amount:?} does not serialize: {e}"));
    let reread: Amount = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{json} does not read back: {e}"));
    assert_eq!(&reread, amount);
}

fuzz_target!(|data: &[u8]| {
    if let Ok(amount) = serde_json::from_slice::<Amount>(data) {
        check_round_trip(&amount);
    }
    let text = String::from_utf8_lossy(data);
    let (currency, value) = text.split_once('\n').unwrap_or((&text, ""));
    if let Ok(amount) = Amount::from_decimal(currency, value) {
        check_round_trip(&amount);
        assert!(amount.value() == "0" || !amount.value().starts_with('0'), "from_decimal kept leading zeros: {amount:?}");
    }
    if let Ok(amount) = Amount::from_minor_units_str(currency, value) {
        check_round_trip(&amount);
    }
    if data.len() >= 8 {
        let mut raw = [0u8; 8];
        raw.copy_from_slice(&data[..8]);
        if let Ok(amount) = Amount::from_minor_units(currency.get(8..).unwrap_or(""), u64::from_le_bytes(raw)) {
            check_round_trip(&amount);
        }
    }
});
