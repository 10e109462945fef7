//! What happens later, in the sandbox's clock: a payment waiting for the
//! buyer expires, a pending payment or an asynchronous refund settles, an
//! uncaptured authorization lapses. The state machine fires what is due
//! (`machine::advance`) before every call and when a timer wakes it; an
//! event that no longer applies (the payment moved on) does nothing.

use std::collections::BTreeMap;
use std::time::SystemTime;

/// One thing to do at a given time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Event {
    /// The payment (`paymentId`) expires if the buyer has not acted.
    Expire(String),
    /// The `PENDING` payment succeeds.
    SettlePending(String),
    /// The authorization lapses if not captured.
    LapseAuthorization(String),
    /// The asynchronous refund (`refundId`) reaches its final state.
    SettleRefund(String),
}

/// Events in time order, and the wake-ups a caller must arrange.
#[derive(Debug, Default)]
pub(crate) struct Agenda {
    queue: BTreeMap<(SystemTime, u64), Event>,
    next: u64,
    wakeups: Vec<SystemTime>,
}

impl Agenda {
    /// Schedules `event` at `at`.
    pub fn schedule(&mut self, at: SystemTime, event: Event) {
        self.next += 1;
        self.queue.insert((at, self.next), event);
        self.wakeups.push(at);
    }

    /// The next event due at `now`, if any, earliest first.
    pub fn pop_due(&mut self, now: SystemTime) -> Option<Event> {
        let first = self.queue.first_key_value().map(|(key, _)| *key)?;
        if first.0 > now {
            return None;
        }
        self.queue.remove(&first)
    }

    /// The times at which events were scheduled since the last call: the
    /// caller wakes the state machine then.
    pub fn take_wakeups(&mut self) -> Vec<SystemTime> {
        std::mem::take(&mut self.wakeups)
    }

    /// How many events are waiting.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.queue.len()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn due_events_in_time_then_insertion_order() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let mut agenda = Agenda::default();
        agenda.schedule(t0 + Duration::from_secs(5), Event::Expire("late".into()));
        agenda.schedule(t0, Event::SettleRefund("a".into()));
        agenda.schedule(t0, Event::SettleRefund("b".into()));
        assert_eq!(agenda.take_wakeups().len(), 3);
        assert!(agenda.take_wakeups().is_empty());
        assert_eq!(agenda.pop_due(t0 - Duration::from_secs(1)), None);
        assert_eq!(agenda.pop_due(t0), Some(Event::SettleRefund("a".into())));
        assert_eq!(agenda.pop_due(t0), Some(Event::SettleRefund("b".into())));
        assert_eq!(agenda.pop_due(t0), None);
        assert_eq!(agenda.len(), 1);
        assert_eq!(
            agenda.pop_due(t0 + Duration::from_secs(60)),
            Some(Event::Expire("late".into()))
        );
    }
}
