//! `result`: every Alipay response and notification carries one
//! (<https://docs.antom.com/ac/ams/api_fund>).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::lenient;

/// `result.resultStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResultStatus {
    /// `S`: succeeded.
    Success,
    /// `F`: failed; final for this request id.
    Failed,
    /// `U`: unknown or still processing. Never a failure: retry with the same
    /// idempotency key, inquire, or wait for the notification. Any status text
    /// other than S, F and U is read as U, because it is not known to be final.
    Unknown,
}

impl ResultStatus {
    /// The one-letter wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            ResultStatus::Success => "S",
            ResultStatus::Failed => "F",
            ResultStatus::Unknown => "U",
        }
    }
}

impl fmt::Display for ResultStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ResultStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ResultStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = lenient::string(d)?;
        Ok(match text.trim() {
            "S" | "s" => ResultStatus::Success,
            "F" | "f" => ResultStatus::Failed,
            _ => ResultStatus::Unknown,
        })
    }
}

crate::string_enum! {
    /// `result.resultCode`: the codes of capture's result table
    /// (<https://docs.antom.com/ac/ams/capture>), plus
    /// `INVALID_SIGNATURE`. Branch on [`ResultStatus`], not on the code: a code
    /// this version does not know arrives as `Other`.
    pub enum ResultCode {
        /// Success.
        Success = "SUCCESS",
        /// Access is denied.
        AccessDenied = "ACCESS_DENIED",
        /// The payment authorization is cancelled.
        AuthCancelled = "AUTH_CANCELLED",
        /// The payment authorization has expired.
        AuthExpired = "AUTH_EXPIRED",
        /// The payment authorization is not found.
        AuthNotFound = "AUTH_NOT_FOUND",
        /// The total captured amount would exceed the authorized amount.
        CaptureAmountExceedAuthLimit = "CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT",
        /// The capture is being processed (U).
        CaptureInProcess = "CAPTURE_IN_PROCESS",
        /// The currency is not supported.
        CurrencyNotSupport = "CURRENCY_NOT_SUPPORT",
        /// The contract does not match the transaction.
        InvalidContract = "INVALID_CONTRACT",
        /// The transaction does not support multiple captures.
        MultiCaptureNotSupported = "MULTI_CAPTURE_NOT_SUPPORTED",
        /// No payment options are available.
        NoPayOptions = "NO_PAY_OPTIONS",
        /// The transaction is cancelled.
        OrderIsCanceled = "ORDER_IS_CANCELED",
        /// The transaction status does not allow this.
        OrderStatusInvalid = "ORDER_STATUS_INVALID",
        /// A parameter is missing or illegal.
        ParamIllegal = "PARAM_ILLEGAL",
        /// Too many captures for the payment method.
        PaymentCountExceedLimit = "PAYMENT_COUNT_EXCEED_LIMIT",
        /// General business failure: do not retry.
        ProcessFail = "PROCESS_FAIL",
        /// The request id exists with different parameters.
        RepeatReqInconsistent = "REPEAT_REQ_INCONSISTENT",
        /// Rejected by risk control.
        RiskReject = "RISK_REJECT",
        /// The amount exceeds the user's limit.
        UserAmountExceedLimit = "USER_AMOUNT_EXCEED_LIMIT",
        /// Insufficient user balance.
        UserBalanceNotEnough = "USER_BALANCE_NOT_ENOUGH",
        /// The user does not exist at the payment method.
        UserNotExist = "USER_NOT_EXIST",
        /// The user's account status is abnormal.
        UserStatusAbnormal = "USER_STATUS_ABNORMAL",
        /// Failed for an unknown reason (U): call again with the same id.
        UnknownException = "UNKNOWN_EXCEPTION",
        /// The request signature did not verify.
        InvalidSignature = "INVALID_SIGNATURE",
    }
}

/// `result`: status, code and message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultInfo {
    /// The code.
    pub result_code: ResultCode,
    /// S, F or U.
    pub result_status: ResultStatus,
    /// Human-readable text.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub result_message: Option<String>,
}

impl ResultInfo {
    /// A result with a message.
    pub fn new(status: ResultStatus, code: ResultCode, message: impl Into<String>) -> Self {
        ResultInfo {
            result_code: code,
            result_status: status,
            result_message: Some(message.into()),
        }
    }

    /// `SUCCESS` / `S` / `success`.
    pub fn success() -> Self {
        Self::new(ResultStatus::Success, ResultCode::Success, "success")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_codes_and_statuses_are_kept_or_read_as_unknown() {
        let r: ResultInfo =
            serde_json::from_str(r#"{"resultCode":"BRAND_NEW_CODE","resultStatus":"X","extra":1}"#)
                .unwrap();
        assert_eq!(r.result_code, ResultCode::Other("BRAND_NEW_CODE".into()));
        assert_eq!(r.result_status, ResultStatus::Unknown);
        assert_eq!(r.result_message, None);
    }

    #[test]
    fn every_known_code_round_trips() {
        for code in [
            "SUCCESS",
            "CAPTURE_IN_PROCESS",
            "REPEAT_REQ_INCONSISTENT",
            "UNKNOWN_EXCEPTION",
        ] {
            let parsed = ResultCode::from(code);
            assert!(!matches!(parsed, ResultCode::Other(_)), "{code}");
            assert_eq!(parsed.as_str(), code);
        }
    }
}
