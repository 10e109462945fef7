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
    /// A field inside a nested object is wrong (`order.buyer.buyerName`).
    #[error("in {parent}: {inner}")]
    Nested {
        /// The wire name of the field holding the nested object.
        parent: &'static str,
        /// What is wrong inside it.
        inner: Box<InvalidField>,
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

impl InvalidField {
    /// This error, found inside the nested object held by `parent`.
    pub fn within(self, parent: &'static str) -> Self {
        InvalidField::Nested {
            parent,
            inner: Box::new(self),
        }
    }

    /// The dotted wire path of the field (`order.buyer.buyerName`).
    pub fn path(&self) -> String {
        match self {
            InvalidField::Empty(field)
            | InvalidField::TooLong { field, .. }
            | InvalidField::Amount { field, .. }
            | InvalidField::Invalid { field, .. } => (*field).to_owned(),
            InvalidField::Nested { parent, inner } => format!("{parent}.{}", inner.path()),
        }
    }
}

/// Checks a required text field: not blank, at most `max` characters.
pub fn check_required_text(
    field: &'static str,
    value: &str,
    max: usize,
) -> Result<(), InvalidField> {
    check_text(field, value, max)?;
    if value.trim().is_empty() {
        return Err(InvalidField::Empty(field));
    }
    Ok(())
}

/// Checks an id field: not blank, at most [`MAX_ID_LEN`] characters.
pub fn check_id(field: &'static str, value: &str) -> Result<(), InvalidField> {
    check_required_text(field, value, MAX_ID_LEN)
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
