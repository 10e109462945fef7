//! Sending a checkout request as bytes serialized earlier. The outbox
//! records a money movement's exact body before sending it, and every send
//! of that intent (the first, and any after a restart) carries those bytes,
//! so Alipay sees the same request under the same idempotency key each
//! time; only `Request-Time` and the signature are made afresh.

use bytes::Bytes;

use crate::checkout::{Checkout, answer_of};
use crate::client::Client;
use crate::error::Error;
use crate::options::CallOptions;

impl Client {
    /// Like [`checkout_with`](Client::checkout_with), but sends `body`
    /// instead of serializing `request`: `body` must be the serialization of
    /// a request equal to `request` (which judges the replies: the ids and
    /// amount they echo), validated before it was made.
    ///
    /// On an answer, returns the outcome and the reply's verified bytes.
    pub(crate) async fn checkout_serialized<R: Checkout>(
        &self,
        request: &R,
        body: Bytes,
        options: &CallOptions,
    ) -> Result<(R::Outcome, Bytes), Error> {
        let sent = crate::call::run_serialized(&self.inner, request, options, body).await;
        let raw = match &sent {
            Ok(verified) => verified.body.clone(),
            Err(Error::Failed(failed)) => failed.body.clone(),
            Err(_) => Bytes::new(),
        };
        answer_of(request, sent).map(|outcome| (outcome, raw))
    }
}
