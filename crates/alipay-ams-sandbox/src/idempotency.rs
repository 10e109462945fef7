//! Idempotency, for every API with an idempotency key: a request repeated
//! with the same key gets the same answer, byte for byte, once that answer
//! is final; the same key with different fields gets
//! `REPEAT_REQ_INCONSISTENT`.
//! <https://docs.antom.com/ac/ams/idempotency>

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

/// What a repeated idempotency key means.
pub(crate) enum Seen<'a> {
    /// The same request again: its answer.
    Again(&'a Remembered),
    /// Another request under a used key.
    Inconsistent,
}

/// Final answers per API and idempotency key.
#[derive(Debug, Default)]
pub(crate) struct Replays {
    answers: HashMap<(&'static str, String), Remembered>,
}

/// Whether an answer is kept for replay: final (S or F), except
/// `PARAM_ILLEGAL`, which refused the request before Alipay looked at its key.
pub(crate) fn is_remembered(result: &ResultInfo) -> bool {
    result.result_status != ResultStatus::Unknown && result.result_code != ResultCode::ParamIllegal
}

impl Replays {
    /// The earlier answer for `key` of API `api`, if any.
    pub fn seen(
        &self,
        api: &'static str,
        key: &str,
        fingerprint: &serde_json::Value,
    ) -> Option<Seen<'_>> {
        let earlier = self.answers.get(&(api, key.to_owned()))?;
        Some(if earlier.fingerprint == *fingerprint {
            Seen::Again(earlier)
        } else {
            Seen::Inconsistent
        })
    }

    /// Keeps a final answer.
    pub fn remember(&mut self, api: &'static str, key: String, answer: Remembered) {
        self.answers.insert((api, key), answer);
    }
}
