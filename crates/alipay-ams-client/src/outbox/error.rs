//! [`OutboxError`]: why [`Client::send_via`](crate::Client::send_via) or
//! [`Client::resume`](crate::Client::resume) could not do their work.

use super::{IntentId, StoreError};
use crate::error::Error;

/// Why the outbox could not record or work on an intent. Nothing was sent
/// because of it: an error that comes after a send is not one of these (the
/// send's outcome is returned, and the intent catches up at the next
/// claim).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutboxError {
    /// The request is one Alipay would refuse ([`Error::NotSent`], naming
    /// the field): it was neither recorded nor sent.
    #[error("not recorded, not sent: {0}")]
    Invalid(#[source] Error),
    /// The store failed (database down, connection lost).
    #[error(
        "the outbox's store failed: {0}; nothing was sent: try again once the store is back (a recorded intent is resumed)"
    )]
    Store(#[from] StoreError),
    /// An intent with this id is recorded with another request.
    #[error(
        "{id} is recorded with a different request: a key names one request; send exactly the recorded one, or a new request under a new key (once the recorded one is final)"
    )]
    Conflict {
        /// The intent.
        id: IntentId,
    },
}
