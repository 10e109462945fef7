//! Field checks shared by every API: what Alipay would refuse with
//! `PARAM_ILLEGAL`, caught before anything is sent.

use crate::amount::AmountError;

/// The longest id Alipay accepts (`captureRequestId`, `paymentId`, ...).
pub const MAX_ID_LEN: usize = 64;

/// A request field that Alipay would refuse with `PARAM_ILLEGAL`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidField {
    /// A required field is empty or absent.
    #[error("{0} is empty: Alipay requires it")]
    Empty(&'static str),
    /// A field is longer than Alipay accepts.
    #[error("{field} is {len} characters long; Alipay accepts at most {max}")]
    TooLong {
        /// The field's wire name.
        field: &'static str,
        /// Its length in characters.
        len: usize,
        /// The most Alipay accepts.
        max: usize,
    },
    /// A bad amount.
    #[error("{field}: {source}")]
    Amount {
        /// The field's wire name.
        field: &'static str,
        /// What is wrong with it.
        #[source]
        source: AmountError,
    },
    /// A value Alipay does not accept for this field.
    #[error("{field}: {reason}")]
    Invalid {
        /// The field's wire name.
        field: &'static str,
        /// What is wrong, and what to send instead.
        reason: &'static str,
    },
}

/// Checks an id field: not blank, at most [`MAX_ID_LEN`] characters.
pub fn check_id(field: &'static str, value: &str) -> Result<(), InvalidField> {
    check_text(field, value, MAX_ID_LEN)?;
    if value.trim().is_empty() {
        return Err(InvalidField::Empty(field));
    }
    Ok(())
}

/// Checks a text field's length: at most `max` characters.
pub fn check_text(field: &'static str, value: &str, max: usize) -> Result<(), InvalidField> {
    let len = value.chars().count();
    if len > max {
        Err(InvalidField::TooLong { field, len, max })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_non_blank_and_at_most_64_characters() {
        assert_eq!(check_id("paymentId", "p"), Ok(()));
        assert_eq!(check_id("paymentId", &"é".repeat(64)), Ok(()));
        assert_eq!(
            check_id("captureRequestId", &"x".repeat(65)),
            Err(InvalidField::TooLong {
                field: "captureRequestId",
                len: 65,
                max: 64
            })
        );
        assert_eq!(
            check_id("paymentId", " "),
            Err(InvalidField::Empty("paymentId"))
        );
        assert_eq!(
            check_id("paymentId", ""),
            Err(InvalidField::Empty("paymentId"))
        );
    }
}
