//! `Amount`: a currency and a value in the currency's minor units, as a digit
//! string (<https://docs.antom.com/ac/ref/cc>). `{"currency":"USD","value":"1000"}` is USD 10.00;
//! `{"currency":"JPY","value":"1000"}` is JPY 1000.

use serde::{Deserialize, Serialize};

use crate::lenient;

/// The longest `value` Alipay accepts.
pub const MAX_VALUE_LEN: usize = 16;

/// An amount of money on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Amount {
    currency: String,
    #[serde(deserialize_with = "lenient::string")]
    value: String,
}

/// Why an amount was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AmountError {
    /// Not a three-letter code.
    #[error("currency {0:?} is not a 3-letter ISO 4217 code such as USD")]
    Currency(String),
    /// Not a string of digits.
    #[error(
        "amount value {0:?} must be a non-negative whole number of minor units (digits only, e.g. \"1000\" for USD 10.00)"
    )]
    NotDigits(String),
    /// Longer than Alipay allows.
    #[error("amount value has {0} digits; Alipay accepts at most {MAX_VALUE_LEN}")]
    TooLong(usize),
    /// A decimal amount that is not a decimal number.
    #[error("{0:?} is not a decimal amount such as \"10.00\"")]
    NotDecimal(String),
    /// More decimals than the currency has.
    #[error("{amount:?} has more decimals than {currency} allows ({exponent})")]
    TooManyDecimals {
        /// The decimal text.
        amount: String,
        /// The currency.
        currency: String,
        /// Its ISO 4217 exponent.
        exponent: u8,
    },
}

impl Amount {
    /// An amount from minor units given as text, as the `value` field carries
    /// them on the wire: `from_minor_units_str("USD", "1000")` is USD 10.00.
    pub fn from_minor_units_str(currency: &str, value: &str) -> Result<Self, AmountError> {
        let amount = Amount {
            currency: normalize_currency(currency)?,
            value: value.to_owned(),
        };
        amount.validate()?;
        Ok(amount)
    }

    /// An amount from minor units: `from_minor_units("USD", 1000)` is USD 10.00.
    pub fn from_minor_units(currency: &str, value: u64) -> Result<Self, AmountError> {
        Self::from_minor_units_str(currency, &value.to_string())
    }

    /// An amount from a decimal in major units: `from_decimal("USD", "10.00")`
    /// is `{"currency":"USD","value":"1000"}`. More decimals than the currency
    /// has (`"10.005"` USD, `"1.5"` JPY) is an error, never rounded.
    pub fn from_decimal(currency: &str, decimal: &str) -> Result<Self, AmountError> {
        let currency = normalize_currency(currency)?;
        let exponent = currency_exponent(&currency);
        let not_decimal = || AmountError::NotDecimal(decimal.to_owned());
        let (whole, fraction) = decimal.split_once('.').unwrap_or((decimal, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
            return Err(not_decimal());
        }
        if decimal.contains('.') && fraction.is_empty() {
            return Err(not_decimal());
        }
        let significant_fraction = fraction.trim_end_matches('0');
        if significant_fraction.len() > usize::from(exponent) {
            return Err(AmountError::TooManyDecimals {
                amount: decimal.to_owned(),
                currency,
                exponent,
            });
        }
        let mut value = whole.trim_start_matches('0').to_owned();
        value.push_str(significant_fraction);
        for _ in significant_fraction.len()..usize::from(exponent) {
            value.push('0');
        }
        let value = match value.trim_start_matches('0') {
            "" => "0".to_owned(),
            v => v.to_owned(),
        };
        let amount = Amount { currency, value };
        amount.validate()?;
        Ok(amount)
    }

    /// The ISO 4217 currency code.
    pub fn currency(&self) -> &str {
        &self.currency
    }

    /// The value in minor units, as on the wire.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The value in minor units as a number.
    pub fn minor_units(&self) -> Result<u64, AmountError> {
        self.validate()?;
        self.value
            .parse()
            .map_err(|_| AmountError::TooLong(self.value.len()))
    }

    /// The value in major units with the currency's decimals: `"10.00"`.
    pub fn to_decimal(&self) -> Result<String, AmountError> {
        self.validate()?;
        let exponent = usize::from(currency_exponent(&self.currency));
        let digits = self.value.trim_start_matches('0');
        if exponent == 0 {
            return Ok(if digits.is_empty() {
                "0".into()
            } else {
                digits.into()
            });
        }
        let padded = format!("{digits:0>width$}", width = exponent + 1);
        let (whole, fraction) = padded.split_at(padded.len() - exponent);
        Ok(format!("{whole}.{fraction}"))
    }

    /// Checks the currency code and that the value is 1 to 16 digits.
    pub fn validate(&self) -> Result<(), AmountError> {
        if !is_currency_code(&self.currency) {
            return Err(AmountError::Currency(self.currency.clone()));
        }
        if self.value.is_empty() || !self.value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AmountError::NotDigits(self.value.clone()));
        }
        if self.value.len() > MAX_VALUE_LEN {
            return Err(AmountError::TooLong(self.value.len()));
        }
        Ok(())
    }
}

fn is_currency_code(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

fn normalize_currency(currency: &str) -> Result<String, AmountError> {
    let upper = currency.trim().to_ascii_uppercase();
    if is_currency_code(&upper) {
        Ok(upper)
    } else {
        Err(AmountError::Currency(currency.to_owned()))
    }
}

/// The number of minor-unit digits of an ISO 4217 currency (2 unless listed).
pub fn currency_exponent(currency: &str) -> u8 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        "CLF" | "UYW" => 4,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_to_minor_units_per_exponent() {
        assert_eq!(
            Amount::from_decimal("USD", "10.00").unwrap().value(),
            "1000"
        );
        assert_eq!(Amount::from_decimal("usd", "10.5").unwrap().value(), "1050");
        assert_eq!(Amount::from_decimal("USD", "0.07").unwrap().value(), "7");
        assert_eq!(Amount::from_decimal("JPY", "1500").unwrap().value(), "1500");
        assert_eq!(
            Amount::from_decimal("BHD", "1.234").unwrap().value(),
            "1234"
        );
        assert_eq!(Amount::from_decimal("USD", "0").unwrap().value(), "0");
    }

    #[test]
    fn too_many_decimals_is_an_error_not_rounding() {
        assert!(matches!(
            Amount::from_decimal("USD", "10.005"),
            Err(AmountError::TooManyDecimals { exponent: 2, .. })
        ));
        assert!(matches!(
            Amount::from_decimal("JPY", "1.5"),
            Err(AmountError::TooManyDecimals { exponent: 0, .. })
        ));
        for bad in ["", ".5", "1.", "-1", "1,000.00", "1e3", " 1"] {
            assert!(Amount::from_decimal("USD", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn minor_units_back_to_decimal() {
        assert_eq!(
            Amount::from_minor_units_str("USD", "1000")
                .unwrap()
                .to_decimal()
                .unwrap(),
            "10.00"
        );
        assert_eq!(
            Amount::from_minor_units_str("USD", "7")
                .unwrap()
                .to_decimal()
                .unwrap(),
            "0.07"
        );
        assert_eq!(
            Amount::from_minor_units_str("KWD", "5")
                .unwrap()
                .to_decimal()
                .unwrap(),
            "0.005"
        );
        assert_eq!(
            Amount::from_minor_units_str("KRW", "5000")
                .unwrap()
                .to_decimal()
                .unwrap(),
            "5000"
        );
    }

    #[test]
    fn refuses_bad_values_and_currencies() {
        assert!(Amount::from_minor_units_str("USD", "").is_err());
        assert!(Amount::from_minor_units_str("USD", "10.00").is_err());
        assert!(Amount::from_minor_units_str("USD", "-5").is_err());
        assert!(Amount::from_minor_units_str("USD", "12345678901234567").is_err());
        assert!(Amount::from_minor_units_str("US", "1").is_err());
        assert!(Amount::from_minor_units_str("U1D", "1").is_err());
    }

    #[test]
    fn reads_numbers_and_writes_strings() {
        let a: Amount = serde_json::from_str(r#"{"currency":"USD","value":1000}"#).unwrap();
        assert_eq!(a.value(), "1000");
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            r#"{"currency":"USD","value":"1000"}"#
        );
    }
}
