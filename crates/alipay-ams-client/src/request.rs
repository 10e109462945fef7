//! An API described as data: its path, its response type and its idempotency
//! key. The transport ([`Client::execute`](crate::Client::execute)) does the rest.

use alipay_ams_core::{InvalidField, ResultInfo};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// What every Alipay response carries: `result` (SPEC §1.4).
pub trait HasResult {
    /// The response's `result`.
    fn result(&self) -> &ResultInfo;
}

/// A request body of one Alipay API.
///
/// Adding an API is a model plus one impl:
///
/// ```
/// use alipay_ams_client::{ApiRequest, HasResult};
/// use alipay_ams_core::{InvalidField, ResultInfo, check_id};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize)]
/// #[serde(rename_all = "camelCase")]
/// struct CancelRequest { payment_id: String }
///
/// #[derive(Deserialize)]
/// struct CancelResponse { result: ResultInfo }
///
/// impl HasResult for CancelResponse {
///     fn result(&self) -> &ResultInfo { &self.result }
/// }
///
/// impl ApiRequest for CancelRequest {
///     const NAME: &'static str = "cancel";
///     const PATH: &'static str = "/ams/api/v1/payments/cancel";
///     type Response = CancelResponse;
///     // Cancelling twice is harmless, so the payment id can serve as the key.
///     fn idempotency_key(&self) -> Option<&str> { Some(&self.payment_id) }
///     fn validate(&self) -> Result<(), InvalidField> { check_id("paymentId", &self.payment_id) }
/// }
/// ```
pub trait ApiRequest: Serialize + Sync {
    /// A short name for logs and error messages, e.g. `capture`.
    const NAME: &'static str;
    /// The production path, e.g. `/ams/api/v1/payments/capture`; the client
    /// rewrites it for the sandbox.
    const PATH: &'static str;
    /// The wire name of the idempotency field, for error messages.
    const IDEMPOTENCY_FIELD: &'static str = "idempotency key";
    /// What to do when the outcome stays unknown after all attempts. Ends up in
    /// the error message, so it should name the notification to wait for and
    /// the inquiry to make.
    const UNKNOWN_OUTCOME_ADVICE: &'static str = "wait for Alipay's notification or inquire the result; \
        to retry, send the same request with the same idempotency key, never a new one";
    /// The typed response.
    type Response: DeserializeOwned + HasResult + Send;

    /// The value Alipay deduplicates this request by. Only requests that have
    /// one are retried after an unknown outcome.
    fn idempotency_key(&self) -> Option<&str>;

    /// Checks what Alipay would refuse, before anything is sent.
    fn validate(&self) -> Result<(), InvalidField> {
        Ok(())
    }
}
