//! Idempotency, for every API with an idempotency key: a request repeated
//! with the same key gets the same answer, byte for byte, once that answer
//! is final; the same key with different fields gets
//! `REPEAT_REQ_INCONSISTENT`.
//! <https://docs.antom.com/ac/ams/idempotency>
//!
//! An answer that is definite but not final (a `U` with one of the API's
//! `PENDING_CODES`: `pay`'s `PAYMENT_IN_PROCESS`, `refund`'s
//! `REFUND_IN_PROCESS`) keeps its request's fingerprint only: the same
//! request again goes back to the API's rules, which answer where that
//! payment or refund now is (in process, or its final result, which is then
//! kept); a different request under the key is `REPEAT_REQ_INCONSISTENT`.

use std::collections::HashMap;

use alipay_ams_core::{ResultCode, ResultInfo, ResultStatus};
use bytes::Bytes;

/// A final answer, kept to be given again.
#[derive(Debug, Clone)]
pub(crate) struct Remembered {
    /// The request as parsed, to tell a retry from a different request.
    pub fingerprint: serde_json::Value,
    /// Its result.
    pub result: ResultInfo,
    /// The exact reply body sent.
    pub body: Bytes,
}

/// What is kept under one key.
#[derive(Debug, Clone)]
enum Kept {
    Final(Remembered),
    InProcess(serde_json::Value),
}

/// What a repeated idempotency key means.
pub(crate) enum Seen<'a> {
    /// The same request again, answered finally before: its answer.
    Again(&'a Remembered),
    /// The same request again, in process: the rules answer where it is.
    InProcess,
    /// Another request under a used key.
    Inconsistent,
}

/// Whether and how an answer is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keep {
    /// Final (S or F): replayed byte for byte.
    Final,
    /// A definite U (one of the API's pending codes): its fingerprint only.
    InProcess,
    /// Not kept: `PARAM_ILLEGAL` (refused before Alipay looked at the key)
    /// and unknown outcomes.
    Nothing,
}

/// How an answer of an API with `pending_codes` is kept.
pub(crate) fn keep(result: &ResultInfo, pending_codes: &[&str]) -> Keep {
    match result.result_status {
        _ if result.result_code == ResultCode::ParamIllegal => Keep::Nothing,
        ResultStatus::Unknown if pending_codes.contains(&result.result_code.as_str()) => {
            Keep::InProcess
        }
        ResultStatus::Unknown => Keep::Nothing,
        ResultStatus::Success | ResultStatus::Failed => Keep::Final,
    }
}

/// Answers per API and idempotency key.
#[derive(Debug, Default)]
pub(crate) struct Replays {
    answers: HashMap<(&'static str, String), Kept>,
}

impl Replays {
    /// What an earlier request under `key` of API `api` means for this one.
    pub fn seen(
        &self,
        api: &'static str,
        key: &str,
        fingerprint: &serde_json::Value,
    ) -> Option<Seen<'_>> {
        Some(match self.answers.get(&(api, key.to_owned()))? {
            Kept::Final(earlier) if earlier.fingerprint == *fingerprint => Seen::Again(earlier),
            Kept::InProcess(earlier) if earlier == fingerprint => Seen::InProcess,
            _ => Seen::Inconsistent,
        })
    }

    /// Keeps a final answer.
    pub fn remember(&mut self, api: &'static str, key: String, answer: Remembered) {
        self.answers.insert((api, key), Kept::Final(answer));
    }

    /// Keeps the fingerprint of a request in process (a final answer, if
    /// any, stays).
    pub fn in_process(&mut self, api: &'static str, key: String, fingerprint: serde_json::Value) {
        self.answers
            .entry((api, key))
            .or_insert(Kept::InProcess(fingerprint));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(status: ResultStatus, code: &str) -> ResultInfo {
        ResultInfo::new(status, ResultCode::from(code), "")
    }

    #[test]
    fn what_is_kept() {
        let pending = &["REFUND_IN_PROCESS"];
        assert_eq!(keep(&ResultInfo::success(), pending), Keep::Final);
        assert_eq!(
            keep(&result(ResultStatus::Failed, "X"), pending),
            Keep::Final
        );
        assert_eq!(
            keep(&result(ResultStatus::Failed, "PARAM_ILLEGAL"), pending),
            Keep::Nothing
        );
        assert_eq!(
            keep(&result(ResultStatus::Unknown, "REFUND_IN_PROCESS"), pending),
            Keep::InProcess
        );
        assert_eq!(
            keep(&result(ResultStatus::Unknown, "UNKNOWN_EXCEPTION"), pending),
            Keep::Nothing
        );
    }

    #[test]
    fn in_process_then_final() {
        let mut replays = Replays::default();
        let a = serde_json::json!({"a": 1});
        let b = serde_json::json!({"a": 2});
        replays.in_process("refund", "k".into(), a.clone());
        assert!(matches!(
            replays.seen("refund", "k", &a),
            Some(Seen::InProcess)
        ));
        assert!(matches!(
            replays.seen("refund", "k", &b),
            Some(Seen::Inconsistent)
        ));
        assert!(replays.seen("pay", "k", &a).is_none(), "keys are per API");
        replays.remember(
            "refund",
            "k".into(),
            Remembered {
                fingerprint: a.clone(),
                result: ResultInfo::success(),
                body: Bytes::from_static(b"{}"),
            },
        );
        replays.in_process("refund", "k".into(), a.clone());
        assert!(matches!(
            replays.seen("refund", "k", &a),
            Some(Seen::Again(_))
        ));
    }
}
