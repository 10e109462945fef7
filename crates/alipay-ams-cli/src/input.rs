//! Checks of the values the calling commands take from flags, made before
//! a key is read or a byte is sent, and the ids they generate.

use std::time::SystemTime;

use alipay_ams_core::{Amount, check_id, time};

use crate::failure::Failure;

/// An argument Alipay would refuse: exit 2, nothing sent.
pub fn invalid(error: &dyn std::fmt::Display) -> Failure {
    Failure::Input(format!("{error}; nothing was sent"))
}

/// An id flag's value: 1 to 64 characters.
pub fn id(flag: &'static str, value: &str) -> Result<String, Failure> {
    check_id(flag, value).map_err(|e| invalid(&e))?;
    Ok(value.to_owned())
}

/// `--amount` in minor units, as on the wire, in `--currency`.
pub fn amount(currency: &str, value: &str) -> Result<Amount, Failure> {
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(invalid(&format!(
            "--currency {currency:?} is not a 3-letter ISO 4217 code such as USD"
        )));
    }
    Amount::from_minor_units_str(currency, value).map_err(|e| invalid(&format!("--amount: {e}")))
}

/// The idempotency key of a money movement: the one given, or a new one,
/// and whether it was generated.
pub fn key(
    flag: &'static str,
    given: Option<&str>,
    prefix: &str,
) -> Result<(String, bool), Failure> {
    match given {
        Some(value) => Ok((id(flag, value)?, false)),
        None => Ok((generate_id(prefix), true)),
    }
}

/// Prints a generated key before anything is sent: if this process dies
/// mid-call, the key is what makes a safe retry possible.
pub fn announce(what: &str, noun: &str, flag: &str, key: &str) {
    eprintln!("{what}: {key} (generated; to retry this same {noun}, pass {flag} {key})");
}

/// `<prefix>-<epoch ms>-<16 hex digits>`: unique enough never to collide
/// with another request, and only `[A-Za-z0-9_-]`, well within 64
/// characters.
pub fn generate_id(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{:016x}",
        time::epoch_millis(SystemTime::now()),
        rand::random::<u64>()
    )
}

/// An amount as people read it: `USD 10.00 (value 1000)`.
pub fn show_amount(amount: &Amount) -> String {
    match amount.to_decimal() {
        Ok(decimal) => format!("{} {decimal} (value {})", amount.currency(), amount.value()),
        Err(_) => format!("{} value {}", amount.currency(), amount.value()),
    }
}

#[cfg(test)]
mod tests {
    use super::{generate_id, show_amount};
    use alipay_ams_core::Amount;

    #[test]
    fn generated_ids_are_safe_and_distinct() {
        let a = generate_id("cap");
        let b = generate_id("cap");
        assert_ne!(a, b);
        assert!(a.len() <= 64 && a.starts_with("cap-"));
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
    }

    #[test]
    fn amounts_show_major_units_and_the_wire_value() {
        let usd = Amount::from_minor_units_str("USD", "1005").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(show_amount(&usd), "USD 10.05 (value 1005)");
        let jpy = Amount::from_minor_units_str("JPY", "1000").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(show_amount(&jpy), "JPY 1000 (value 1000)");
    }
}
