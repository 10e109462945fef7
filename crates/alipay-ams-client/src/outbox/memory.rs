//! [`MemoryOutbox`]: the outbox of one process, in memory.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime};

use super::{Intent, IntentId, IntentRecord, Lease, Outbox, Recorded, StoreError, Update};

/// The default outbox, for one process: intents in memory, behind a mutex.
///
/// What it gives: a send whose outcome stayed unknown, or whose task was
/// cancelled mid-way (a request timeout dropped the future), leaves its
/// intent pending, and [`Client::resume`](crate::Client::resume) (a
/// background task) finishes it by inquiring, sending the same bytes again
/// only if Alipay never saw them; several tasks resuming at once never send
/// the same intent at the same moment (the mutex and the leases).
///
/// What it does not give: it forgets everything when the process ends, so
/// an intent in flight at a crash or a restart is not resumed, and other
/// replicas know nothing of it. For that, use a durable outbox
/// (`alipay-ams-postgres`).
///
/// It keeps every intent that is not final, and the last `capacity` final
/// ones (100,000 by default), so that sending an intent again finds its
/// outcome.
#[derive(Clone)]
pub struct MemoryOutbox {
    state: Arc<Mutex<State>>,
}

/// The default number of final intents a [`MemoryOutbox`] keeps.
pub const DEFAULT_MEMORY_OUTBOX_CAPACITY: usize = 100_000;

struct State {
    capacity: usize,
    rows: HashMap<IntentId, Row>,
    /// Final intents, oldest first, to forget past `capacity`.
    finished: VecDeque<IntentId>,
}

struct Row {
    record: IntentRecord,
    lease: Option<(String, Instant)>,
    due: Instant,
}

impl Row {
    fn free(&self, now: Instant) -> bool {
        self.lease.as_ref().is_none_or(|(_, until)| *until <= now)
    }

    fn held_by(&self, lease: &Lease, now: Instant) -> bool {
        self.lease
            .as_ref()
            .is_some_and(|(token, until)| token == lease.token() && *until > now)
    }
}

impl MemoryOutbox {
    /// An empty outbox keeping the last [`DEFAULT_MEMORY_OUTBOX_CAPACITY`]
    /// final intents.
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_MEMORY_OUTBOX_CAPACITY)
    }

    /// An empty outbox keeping the last `capacity` final intents (at least
    /// one); intents that are not final are always kept.
    pub fn with_capacity(capacity: usize) -> Self {
        MemoryOutbox {
            state: Arc::new(Mutex::new(State {
                capacity: capacity.max(1),
                rows: HashMap::new(),
                finished: VecDeque::new(),
            })),
        }
    }

    /// Every intent kept, in no particular order.
    pub fn records(&self) -> Vec<IntentRecord> {
        lock(&self.state)
            .rows
            .values()
            .map(|row| row.record.clone())
            .collect()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }
}

impl Default for MemoryOutbox {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryOutbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("MemoryOutbox")
            .field("intents", &state.rows.len())
            .field("finished", &state.finished.len())
            .field("capacity", &state.capacity)
            .finish()
    }
}

/// A poisoned lock only means a panic elsewhere while it was held; each
/// change is made whole under the lock, so the state stays consistent.
fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Outbox for MemoryOutbox {
    async fn record(&self, intent: &Intent, lease: Option<&Lease>) -> Result<Recorded, StoreError> {
        let mut state = self.lock();
        if let Some(row) = state.rows.get(intent.id()) {
            return Ok(Recorded::Existing(row.record.clone()));
        }
        let now = Instant::now();
        let mut record = IntentRecord::new(
            intent.id().clone(),
            intent.body().clone(),
            SystemTime::now(),
        );
        if lease.is_some() {
            record.sends = 1;
        }
        state.rows.insert(
            intent.id().clone(),
            Row {
                record: record.clone(),
                lease: lease.map(|lease| (lease.token().to_owned(), now + lease.ttl())),
                due: now,
            },
        );
        Ok(Recorded::New(record))
    }

    async fn claim(
        &self,
        id: &IntentId,
        lease: &Lease,
    ) -> Result<Option<IntentRecord>, StoreError> {
        let mut state = self.lock();
        let now = Instant::now();
        Ok(match state.rows.get_mut(id) {
            Some(row) if !row.record.state.is_final() && row.free(now) => {
                row.lease = Some((lease.token().to_owned(), now + lease.ttl()));
                Some(row.record.clone())
            }
            _ => None,
        })
    }

    async fn claim_due(
        &self,
        lease: &Lease,
        limit: usize,
    ) -> Result<Vec<IntentRecord>, StoreError> {
        let mut state = self.lock();
        let now = Instant::now();
        let mut due: Vec<&mut Row> = state
            .rows
            .values_mut()
            .filter(|row| !row.record.state.is_final() && row.due <= now && row.free(now))
            .collect();
        due.sort_by_key(|row| row.due);
        Ok(due
            .into_iter()
            .take(limit)
            .map(|row| {
                row.lease = Some((lease.token().to_owned(), now + lease.ttl()));
                row.record.clone()
            })
            .collect())
    }

    async fn sending(&self, id: &IntentId, lease: &Lease) -> Result<bool, StoreError> {
        let mut state = self.lock();
        let now = Instant::now();
        Ok(match state.rows.get_mut(id) {
            Some(row) if !row.record.state.is_final() && row.held_by(lease, now) => {
                row.record.sends = row.record.sends.saturating_add(1);
                row.record.updated_at = SystemTime::now();
                true
            }
            _ => false,
        })
    }

    async fn update(
        &self,
        id: &IntentId,
        lease: &Lease,
        update: &Update,
    ) -> Result<bool, StoreError> {
        let mut state = self.lock();
        let now = Instant::now();
        let Some(row) = state.rows.get_mut(id) else {
            return Ok(false);
        };
        let ours = row
            .lease
            .as_ref()
            .is_some_and(|(token, _)| token == lease.token());
        if row.record.state.is_final() || !(update.state.is_final() || ours) {
            return Ok(false);
        }
        row.record = row.record.clone().updated(update, SystemTime::now());
        row.due = now + update.retry_after;
        if ours || update.state.is_final() {
            row.lease = None;
        }
        if update.state.is_final() {
            state.finished.push_back(id.clone());
            while state.finished.len() > state.capacity {
                if let Some(oldest) = state.finished.pop_front() {
                    state.rows.remove(&oldest);
                }
            }
        }
        Ok(true)
    }

    async fn get(&self, id: &IntentId) -> Result<Option<IntentRecord>, StoreError> {
        Ok(self.lock().rows.get(id).map(|row| row.record.clone()))
    }

    async fn unfinished(&self) -> Result<u64, StoreError> {
        let count = self
            .lock()
            .rows
            .values()
            .filter(|row| !row.record.state.is_final())
            .count();
        Ok(u64::try_from(count).unwrap_or(u64::MAX))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use std::time::Duration;

    use alipay_ams_api::payments::CaptureRequest;
    use alipay_ams_core::Amount;

    use super::*;
    use crate::outbox::IntentState;

    fn intent(id: &str) -> Intent {
        Intent::of(&CaptureRequest::new(
            id,
            "P-1",
            Amount::from_minor_units("USD", 100).unwrap(),
        ))
        .unwrap()
    }

    #[tokio::test]
    async fn a_claim_excludes_others_until_released_or_lapsed() {
        let outbox = MemoryOutbox::new();
        let a = Lease::new("a", Duration::from_millis(50));
        let b = Lease::new("b", Duration::from_secs(60));
        let one = intent("cap-1");
        assert!(
            matches!(outbox.record(&one, Some(&a)).await.unwrap(), Recorded::New(r) if r.sends == 1)
        );
        assert!(matches!(
            outbox.record(&one, None).await.unwrap(),
            Recorded::Existing(_)
        ));
        assert!(
            outbox.claim(one.id(), &b).await.unwrap().is_none(),
            "held by a"
        );
        assert!(outbox.claim_due(&b, 10).await.unwrap().is_empty());
        assert!(
            !outbox.sending(one.id(), &b).await.unwrap(),
            "b holds nothing"
        );
        assert!(outbox.sending(one.id(), &a).await.unwrap());
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert!(!outbox.sending(one.id(), &a).await.unwrap(), "a lapsed");
        let claimed = outbox.claim_due(&b, 10).await.unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(claimed[0].sends, 2);
        // a's late news that is not final is refused; b's is written and releases it.
        let seen = Update::new(IntentState::Accepted, "seen");
        assert!(!outbox.update(one.id(), &a, &seen).await.unwrap());
        let mut later = Update::new(IntentState::Pending, "no answer");
        later.retry_after = Duration::from_secs(60);
        assert!(outbox.update(one.id(), &b, &later).await.unwrap());
        assert!(
            outbox.claim_due(&b, 10).await.unwrap().is_empty(),
            "not due yet"
        );
        assert!(
            outbox.claim(one.id(), &a).await.unwrap().is_some(),
            "released"
        );
        // A final state is written whoever learned it, once.
        let done = Update::new(IntentState::Succeeded, "captured");
        assert!(outbox.update(one.id(), &b, &done).await.unwrap());
        assert!(
            !outbox
                .update(one.id(), &a, &Update::new(IntentState::Failed, "x"))
                .await
                .unwrap()
        );
        let record = outbox.get(one.id()).await.unwrap().unwrap();
        assert_eq!(record.state, IntentState::Succeeded);
        assert_eq!(record.last_seen.as_deref(), Some("captured"));
        assert!(outbox.claim(one.id(), &a).await.unwrap().is_none(), "final");
        assert_eq!(outbox.unfinished().await.unwrap(), 0);
    }

    #[tokio::test]
    async fn final_intents_past_capacity_are_forgotten_unfinished_ones_never() {
        let outbox = MemoryOutbox::with_capacity(2);
        let lease = Lease::new("a", Duration::from_secs(60));
        for n in 0..5 {
            let one = intent(&format!("cap-{n}"));
            outbox.record(&one, Some(&lease)).await.unwrap();
            if n < 4 {
                let done = Update::new(IntentState::Failed, "refused");
                assert!(outbox.update(one.id(), &lease, &done).await.unwrap());
            }
        }
        let mut kept: Vec<String> = outbox.records().into_iter().map(|r| r.id.key).collect();
        kept.sort();
        assert_eq!(kept, ["cap-2", "cap-3", "cap-4"]);
        assert_eq!(outbox.unfinished().await.unwrap(), 1);
    }
}
