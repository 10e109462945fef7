//! The inbox: where a verified notification is recorded under its dedup key
//! before it is acknowledged, so that each event is processed once however
//! often, and by however many replicas, Alipay delivers it.
//!
//! The router drives it for every verified notification (see
//! [`NotifyRouter::dispatch`](crate::NotifyRouter::dispatch)):
//!
//! 1. [`Inbox::begin`] records the delivery and claims its dedup key. It
//!    answers [`Claim::Done`] when the event was processed before (the
//!    delivery is acknowledged without running the handler), [`Claim::Busy`]
//!    when another delivery of it is being processed right now and the inbox
//!    does not wait for it (answered non-`S`; Alipay delivers again), or
//!    [`Claim::Run`] with a transaction.
//! 2. The handler runs. A [`TxHandler`](crate::TxHandler) receives that
//!    transaction and writes its own effects in it.
//! 3. [`Inbox::commit`] marks the event processed together with the
//!    handler's writes; only once it returned `Ok` is Alipay acknowledged.
//!    On a handler error, [`Inbox::fail`] rolls back and notes the failure.
//!
//! A transaction dropped before `commit` or `fail` (the request was
//! cancelled by the deadline, or its connection closed) must roll back: the
//! inbox's transaction type does so in its `Drop`.
//!
//! [`MemoryInbox`] is the default, for one process. `alipay-ams-postgres`
//! implements the port on PostgreSQL for any number of replicas.

use std::collections::{HashSet, VecDeque};
use std::error::Error as StdError;
use std::fmt::{self, Write as _};
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use alipay_ams_core::DedupKey;
use sha2::{Digest, Sha256};

use crate::handler::HandlerError;
use crate::meta::NotifyMeta;

/// Where verified notifications are recorded under their dedup key, and the
/// transaction each one is processed in. The
/// [crate docs](crate#redeliveries-and-the-inbox) describe the protocol the
/// router follows.
///
/// Every method gets the [`NotifyMeta`] of the delivery: the exact body, the
/// headers it was verified with, its kind and its dedup key, which is all an
/// inbox that keeps notifications for audit or replay needs.
pub trait Inbox: Send + Sync + 'static {
    /// The transaction a notification is processed in, handed to
    /// [`TxHandler`](crate::TxHandler)s (`&mut Tx`). Dropping it without
    /// [`commit`](Self::commit) or [`fail`](Self::fail) must roll it back.
    type Tx: Send + 'static;

    /// Records the delivery and claims its dedup key.
    fn begin(
        &self,
        meta: &NotifyMeta,
    ) -> impl Future<Output = Result<Claim<Self::Tx>, InboxError>> + Send;

    /// The handler returned `Ok`: records the event as processed, atomically
    /// with what the handler wrote in `tx`. Alipay is acknowledged only if
    /// this returns `Ok`.
    fn commit(
        &self,
        tx: Self::Tx,
        meta: &NotifyMeta,
    ) -> impl Future<Output = Result<(), InboxError>> + Send;

    /// The handler returned `error`: rolls back what it wrote, and notes the
    /// failure if the inbox keeps such notes. The event stays unprocessed, so
    /// a redelivery runs the handler again.
    fn fail(
        &self,
        tx: Self::Tx,
        meta: &NotifyMeta,
        error: &HandlerError,
    ) -> impl Future<Output = Result<(), InboxError>> + Send;

    /// A verified notification that no route handles. Returns
    /// [`Stored::Kept`] if it is now kept durably (it is then acknowledged:
    /// it can be replayed once a route exists), or [`Stored::NotKept`] if
    /// this inbox keeps nothing across restarts (the router then refuses it,
    /// unless unhandled kinds are acknowledged, so Alipay delivers it again).
    /// Its [`NotifyMeta::kind`] is [`UNROUTED`] and its dedup key
    /// [`unrouted_dedup_key`].
    fn store_unrouted(
        &self,
        meta: &NotifyMeta,
    ) -> impl Future<Output = Result<Stored, InboxError>> + Send;
}

/// What [`Inbox::begin`] found.
#[derive(Debug)]
pub enum Claim<Tx> {
    /// Not processed yet: run the handler in this transaction, then
    /// [`commit`](Inbox::commit) or [`fail`](Inbox::fail).
    Run(Tx),
    /// Processed before: acknowledge without running the handler.
    Done,
    /// Another delivery of the same event is being processed and this inbox
    /// does not wait for it: answer non-`S`, Alipay delivers again.
    Busy,
}

/// What [`Inbox::store_unrouted`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// Kept durably: acknowledge it.
    Kept,
    /// Not kept: refuse it (or drop it, if unhandled kinds are acknowledged).
    NotKept,
}

/// The [`NotifyMeta::kind`] of a notification that no route handles.
pub const UNROUTED: &str = "unrouted";

/// The dedup key of a notification no route handles: `UNROUTED:` and the
/// SHA-256 of its exact body, in hex.
///
/// Without a route its kind's own key (`CAPTURE_RESULT:<captureId>`) is not
/// known, and the body is all there is. Two distinct events never share a
/// body (each carries its own ids), so they never share this key and neither
/// is dropped as the other's duplicate. A redelivery of one event carries the
/// same body bytes (only `request-time` and the signature change, and they
/// are headers), so it finds the stored one; were Alipay ever to re-serialize
/// a body differently, the event would be stored twice, which costs a row,
/// never an event, since no handler runs for it.
pub fn unrouted_dedup_key(raw_body: &[u8]) -> DedupKey {
    let digest = Sha256::digest(raw_body);
    let mut hex = String::with_capacity(64);
    for byte in digest {
        let _ = write!(hex, "{byte:02x}"); // writing to a String cannot fail
    }
    DedupKey::new(["UNROUTED", hex.as_str()])
}

/// The inbox could not record or commit a notification (its database is
/// down, the connection broke, a lock wait timed out). The delivery is
/// answered non-`S` (503, resultStatus `U`) and Alipay delivers it again.
pub struct InboxError {
    inner: Box<dyn StdError + Send + Sync + 'static>,
}

impl InboxError {
    /// An inbox error from its cause.
    pub fn new(error: impl Into<Box<dyn StdError + Send + Sync + 'static>>) -> Self {
        InboxError {
            inner: error.into(),
        }
    }

    /// The error it holds.
    pub fn as_error(&self) -> &(dyn StdError + Send + Sync + 'static) {
        &*self.inner
    }

    /// The error it holds, owned.
    pub fn into_inner(self) -> Box<dyn StdError + Send + Sync + 'static> {
        self.inner
    }
}

impl fmt::Display for InboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner, f)
    }
}

impl fmt::Debug for InboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("InboxError").field(&self.inner).finish()
    }
}

/// The default inbox, for one process: remembers the dedup keys of the last
/// `capacity` processed notifications (100,000 by default, a few MiB), and
/// which are being processed right now.
///
/// - A redelivery of a remembered key is acknowledged without running the
///   handler, so a handler that returned `Ok` is never run again for the same
///   event, and one that failed is run again (nothing to un-mark).
/// - A second delivery of a key that is being processed is answered non-`S`
///   ([`Claim::Busy`]); Alipay delivers it again later, when it is done.
/// - It keeps nothing across restarts, so notifications no route handles are
///   not stored ([`Stored::NotKept`]) but refused, as without an inbox.
///
/// Its deduplication is best effort: a restart forgets, the oldest keys are
/// forgotten past `capacity`, and another replica knows nothing of it. For
/// several replicas or exactly-once effects, use a durable inbox
/// (`alipay-ams-postgres`).
#[derive(Clone)]
pub struct MemoryInbox {
    state: Arc<Mutex<MemoryState>>,
}

struct MemoryState {
    capacity: usize,
    processed: HashSet<DedupKey>,
    /// Processed keys, oldest first, to forget past `capacity`.
    order: VecDeque<DedupKey>,
    in_flight: HashSet<DedupKey>,
}

/// The default number of processed keys a [`MemoryInbox`] remembers.
pub const DEFAULT_MEMORY_CAPACITY: usize = 100_000;

impl MemoryInbox {
    /// Remembers the last [`DEFAULT_MEMORY_CAPACITY`] processed keys.
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_MEMORY_CAPACITY)
    }

    /// Remembers the last `capacity` processed keys (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        MemoryInbox {
            state: Arc::new(Mutex::new(MemoryState {
                capacity: capacity.max(1),
                processed: HashSet::new(),
                order: VecDeque::new(),
                in_flight: HashSet::new(),
            })),
        }
    }

    /// Whether `key` was processed (and is still remembered).
    pub fn is_processed(&self, key: &DedupKey) -> bool {
        lock(&self.state).processed.contains(key)
    }

    /// How many processed keys are remembered.
    pub fn len(&self) -> usize {
        lock(&self.state).processed.len()
    }

    /// Whether no processed key is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for MemoryInbox {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryInbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = lock(&self.state);
        f.debug_struct("MemoryInbox")
            .field("capacity", &state.capacity)
            .field("processed", &state.processed.len())
            .field("in_flight", &state.in_flight.len())
            .finish()
    }
}

/// A poisoned lock only means a panic elsewhere while it was held; the sets
/// stay consistent (each update is one insert or remove), so keep using them.
fn lock(state: &Mutex<MemoryState>) -> MutexGuard<'_, MemoryState> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// [`MemoryInbox`]'s claim on one key while its handler runs; dropping it
/// releases the key unprocessed.
pub struct MemoryTx {
    state: Arc<Mutex<MemoryState>>,
    key: Option<DedupKey>,
}

impl MemoryTx {
    /// The key it claims.
    pub fn dedup_key(&self) -> Option<&DedupKey> {
        self.key.as_ref()
    }
}

impl fmt::Debug for MemoryTx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryTx").field("key", &self.key).finish()
    }
}

impl Drop for MemoryTx {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            lock(&self.state).in_flight.remove(&key);
        }
    }
}

impl Inbox for MemoryInbox {
    type Tx = MemoryTx;

    async fn begin(&self, meta: &NotifyMeta) -> Result<Claim<MemoryTx>, InboxError> {
        let key = meta.dedup_key();
        let mut state = lock(&self.state);
        if state.processed.contains(key) {
            return Ok(Claim::Done);
        }
        if !state.in_flight.insert(key.clone()) {
            return Ok(Claim::Busy);
        }
        Ok(Claim::Run(MemoryTx {
            state: Arc::clone(&self.state),
            key: Some(key.clone()),
        }))
    }

    async fn commit(&self, mut tx: MemoryTx, _meta: &NotifyMeta) -> Result<(), InboxError> {
        if let Some(key) = tx.key.take() {
            let mut state = lock(&tx.state);
            state.in_flight.remove(&key);
            if state.processed.insert(key.clone()) {
                state.order.push_back(key);
            }
            while state.order.len() > state.capacity {
                if let Some(oldest) = state.order.pop_front() {
                    state.processed.remove(&oldest);
                }
            }
        }
        Ok(())
    }

    async fn fail(
        &self,
        tx: MemoryTx,
        _meta: &NotifyMeta,
        _error: &HandlerError,
    ) -> Result<(), InboxError> {
        drop(tx); // releases the key, unprocessed
        Ok(())
    }

    async fn store_unrouted(&self, _meta: &NotifyMeta) -> Result<Stored, InboxError> {
        Ok(Stored::NotKept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unrouted_keys_are_the_body_hash() {
        let key = unrouted_dedup_key(b"abc");
        assert_eq!(
            key.as_str(),
            "UNROUTED:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(key, unrouted_dedup_key(b"abd"));
    }
}
