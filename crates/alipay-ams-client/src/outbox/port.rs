//! The outbox port: what a store of intents does, for
//! [`Client::send_via`](crate::Client::send_via) and
//! [`Client::resume`](crate::Client::resume) to drive. [`MemoryOutbox`](super::MemoryOutbox)
//! implements it for one process; `alipay-ams-postgres` implements it on
//! PostgreSQL for any number of replicas.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::time::{Duration, SystemTime};

use bytes::Bytes;

use super::Intent;

/// Which intent: the API (`capture`) and the request's idempotency key (for
/// `cancel`, which has none, the id of the payment it cancels). An outbox
/// holds at most one intent per id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IntentId {
    /// The API's name (`pay`, `capture`, `refund`, `cancel`).
    pub api: String,
    /// The idempotency key (`captureRequestId`'s value), or the payment's
    /// id for `cancel`.
    pub key: String,
}

impl IntentId {
    /// The intent of `api` under `key`.
    pub fn new(api: impl Into<String>, key: impl Into<String>) -> Self {
        IntentId {
            api: api.into(),
            key: key.into(),
        }
    }
}

impl fmt::Display for IntentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.api, self.key)
    }
}

/// Where an intent is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntentState {
    /// Recorded; its outcome is not known (never sent, or sent with no
    /// answer). [`resume`](crate::Client::resume) finishes it: it inquires,
    /// and sends the recorded request again (same key) if Alipay never saw it.
    Pending,
    /// Alipay has it and it is not final: a payment waiting for the buyer, a
    /// refund processing. Never sent again; `resume` inquires until it is
    /// final.
    Accepted,
    /// Final: it happened (paid or authorized, captured, refunded,
    /// cancelled).
    Succeeded,
    /// Final: it did not happen, and will not under this key.
    Failed,
}

impl IntentState {
    /// Whether the state will not change any more.
    pub fn is_final(self) -> bool {
        matches!(self, IntentState::Succeeded | IntentState::Failed)
    }

    /// `pending`, `accepted`, `succeeded` or `failed`: how stores write it.
    pub fn as_str(self) -> &'static str {
        match self {
            IntentState::Pending => "pending",
            IntentState::Accepted => "accepted",
            IntentState::Succeeded => "succeeded",
            IntentState::Failed => "failed",
        }
    }

    /// The state [`as_str`](Self::as_str) wrote.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "pending" => IntentState::Pending,
            "accepted" => IntentState::Accepted,
            "succeeded" => IntentState::Succeeded,
            "failed" => IntentState::Failed,
            _ => return None,
        })
    }
}

impl fmt::Display for IntentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an outbox keeps of one intent.
#[derive(Clone)]
#[non_exhaustive]
pub struct IntentRecord {
    /// Which intent.
    pub id: IntentId,
    /// The request's exact bytes, as recorded before the first send: every
    /// send carries them.
    pub body: Bytes,
    /// Where it is.
    pub state: IntentState,
    /// How many times it was handed to the network (counted before each
    /// send: 0 means it never left).
    pub sends: u32,
    /// How many inquiries were made about it.
    pub inquiries: u32,
    /// What was last seen: the answer, the inquiry's finding, or why there
    /// was none.
    pub last_seen: Option<String>,
    /// The result code of the answer the state rests on, when there is one.
    pub result_code: Option<String>,
    /// The verified reply of the API itself, exactly as received, when it
    /// answered.
    pub answer: Option<Bytes>,
    /// When it was recorded.
    pub created_at: SystemTime,
    /// When it last changed.
    pub updated_at: SystemTime,
}

impl IntentRecord {
    /// A pending intent never sent, recorded `at`.
    pub fn new(id: IntentId, body: Bytes, at: SystemTime) -> Self {
        IntentRecord {
            id,
            body,
            state: IntentState::Pending,
            sends: 0,
            inquiries: 0,
            last_seen: None,
            result_code: None,
            answer: None,
            created_at: at,
            updated_at: at,
        }
    }

    /// This record with `update` applied, as a store writes it.
    pub fn updated(mut self, update: &Update, at: SystemTime) -> Self {
        self.state = update.state;
        self.last_seen = Some(update.note.clone());
        if update.result_code.is_some() {
            self.result_code.clone_from(&update.result_code);
        }
        if update.answer.is_some() {
            self.answer.clone_from(&update.answer);
        }
        self.inquiries = self.inquiries.saturating_add(update.inquiries);
        self.updated_at = at;
        self
    }
}

impl fmt::Debug for IntentRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntentRecord")
            .field("id", &self.id)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .field("state", &self.state)
            .field("sends", &self.sends)
            .field("inquiries", &self.inquiries)
            .field("last_seen", &self.last_seen)
            .field("result_code", &self.result_code)
            .field(
                "answer",
                &self.answer.as_ref().map(|a| format!("<{} bytes>", a.len())),
            )
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

/// A claim on intents: a token no other claim has, and how long the claim
/// holds. While it holds, no other claim takes the intent, so no other
/// process sends it; the client ends every send before it lapses. A process
/// that dies holding it loses it when it lapses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    token: String,
    ttl: Duration,
}

impl Lease {
    /// A new claim by `owner` (a replica's name, kept for monitoring) for
    /// `ttl`; its token is `owner` and a random suffix.
    pub fn new(owner: &str, ttl: Duration) -> Self {
        Lease {
            token: format!("{owner}:{:016x}", rand::random::<u64>()),
            ttl,
        }
    }

    /// The token stores keep with the intents it holds.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// How long it holds from when the store grants it.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }
}

/// What was learned about a claimed intent, to record
/// ([`Outbox::update`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Update {
    /// The new state.
    pub state: IntentState,
    /// What was seen (becomes [`IntentRecord::last_seen`]).
    pub note: String,
    /// The result code the state rests on, if any (kept otherwise).
    pub result_code: Option<String>,
    /// The API's verified reply, if it answered (kept otherwise).
    pub answer: Option<Bytes>,
    /// Inquiries made under this claim (added to the count).
    pub inquiries: u32,
    /// For a state that is not final: when the intent is due again.
    pub retry_after: Duration,
}

impl Update {
    /// An update to `state`, having seen `note`.
    pub fn new(state: IntentState, note: impl Into<String>) -> Self {
        Update {
            state,
            note: note.into(),
            result_code: None,
            answer: None,
            inquiries: 0,
            retry_after: Duration::ZERO,
        }
    }
}

/// What [`Outbox::record`] found.
#[derive(Debug, Clone)]
pub enum Recorded {
    /// It was not there: recorded now.
    New(IntentRecord),
    /// An intent with this id was there already (maybe with another body:
    /// compare before sending anything).
    Existing(IntentRecord),
}

/// A store of intents could not do what was asked (its database is down, a
/// connection broke). Nothing was sent because of a failed call.
pub struct StoreError {
    inner: Box<dyn StdError + Send + Sync + 'static>,
}

impl StoreError {
    /// A store error from its cause.
    pub fn new(error: impl Into<Box<dyn StdError + Send + Sync + 'static>>) -> Self {
        StoreError {
            inner: error.into(),
        }
    }

    /// The error it holds.
    pub fn as_error(&self) -> &(dyn StdError + Send + Sync + 'static) {
        &*self.inner
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner, f)
    }
}

impl fmt::Debug for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("StoreError").field(&self.inner).finish()
    }
}

impl StdError for StoreError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.inner)
    }
}

/// A store of intents: money movements recorded before they are sent, with
/// what became of them. See the [module](super) docs for how the client
/// drives it.
///
/// Every write is durable when its future returns `Ok` (committed, for a
/// database): the client sends nothing before [`record`](Self::record) or
/// [`sending`](Self::sending) returned.
pub trait Outbox: Send + Sync + 'static {
    /// Records `intent` unless an intent with its id exists. A new intent is
    /// pending; with `lease` it is recorded as claimed by it and as sent
    /// once (the caller sends it next), without, as unclaimed and never sent
    /// (a [`resume`](crate::Client::resume) sends it).
    fn record(
        &self,
        intent: &Intent,
        lease: Option<&Lease>,
    ) -> impl Future<Output = Result<Recorded, StoreError>> + Send;

    /// Claims the intent `id` for `lease` if it is not final and no other
    /// claim holds it (none, or one that lapsed). `None` otherwise.
    fn claim(
        &self,
        id: &IntentId,
        lease: &Lease,
    ) -> impl Future<Output = Result<Option<IntentRecord>, StoreError>> + Send;

    /// Claims for `lease` up to `limit` intents that are not final, are due
    /// again, and that no other claim holds; the longest due first. Several
    /// processes claiming at once never get the same intent.
    fn claim_due(
        &self,
        lease: &Lease,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<IntentRecord>, StoreError>> + Send;

    /// Counts a send of `id`, before it is made. `false` when `lease` no
    /// longer holds the intent, or it is final: then it must not be sent.
    fn sending(
        &self,
        id: &IntentId,
        lease: &Lease,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Records `update` and releases `lease`'s claim (a final state releases
    /// any claim: nothing is left to do). A final state is
    /// written whenever the intent is not final yet (it is the truth,
    /// whoever learned it); a state that is not final only while `lease`
    /// still holds the intent (a later claim knows more). Returns whether it
    /// was written.
    fn update(
        &self,
        id: &IntentId,
        lease: &Lease,
        update: &Update,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The record of `id`, if any.
    fn get(
        &self,
        id: &IntentId,
    ) -> impl Future<Output = Result<Option<IntentRecord>, StoreError>> + Send;

    /// How many intents are not final (pending or accepted): what to
    /// monitor.
    fn unfinished(&self) -> impl Future<Output = Result<u64, StoreError>> + Send;
}
