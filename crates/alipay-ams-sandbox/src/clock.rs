//! The sandbox's clock and its timers.
//!
//! The clock is the system's, plus an offset a test may move forward
//! ([`Sandbox::advance_clock`](crate::Sandbox::advance_clock)) to reach a
//! window or an expiry without waiting. Timers wake the state machine when
//! a scheduled event falls due (a payment's expiry in real time, a
//! settlement after the scaled processing delay); they stop with the
//! sandbox.

use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::sync::{lock, stopped};

/// The longest a timer sleeps (tokio's timers top out around two years; no
/// event is scheduled that far ahead: the longest wait is an
/// authorization's 7 days).
const LONGEST_SLEEP: Duration = Duration::from_secs(365 * 24 * 3600);

/// System time plus a test's offset.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset: Mutex<Duration>,
}

impl Clock {
    /// Now, in the sandbox.
    pub fn now(&self) -> SystemTime {
        let offset = *lock(&self.offset);
        SystemTime::now()
            .checked_add(offset)
            .unwrap_or_else(SystemTime::now)
    }

    /// Moves the clock forward by `by`; returns the new now.
    pub fn advance(&self, by: Duration) -> SystemTime {
        {
            let mut offset = lock(&self.offset);
            *offset = offset.saturating_add(by);
        }
        self.now()
    }

    /// How long until `at`, in real time (zero if past).
    pub fn until(&self, at: SystemTime) -> Duration {
        at.duration_since(self.now())
            .unwrap_or(Duration::ZERO)
            .min(LONGEST_SLEEP)
    }
}

/// Background tasks that end when the sandbox stops.
pub(crate) struct Timers {
    runtime: tokio::runtime::Handle,
    shutdown: watch::Receiver<bool>,
    tasks: Mutex<JoinSet<()>>,
}

impl Timers {
    pub fn new(runtime: tokio::runtime::Handle, shutdown: watch::Receiver<bool>) -> Self {
        Timers {
            runtime,
            shutdown,
            tasks: Mutex::default(),
        }
    }

    /// Runs `task` after `wait`, unless the sandbox stops first.
    pub fn after<F>(&self, wait: Duration, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let mut shutdown = self.shutdown.clone();
        let mut tasks = lock(&self.tasks);
        while tasks.try_join_next().is_some() {}
        // On the sandbox's runtime, so callers need not be inside one.
        tasks.spawn_on(
            async move {
                tokio::select! {
                    _ = tokio::time::sleep(wait) => task.await,
                    _ = stopped(&mut shutdown) => {}
                }
            },
            &self.runtime,
        );
    }

    /// Cancels every timer.
    pub async fn stop(&self) {
        let mut tasks = std::mem::take(&mut *lock(&self.tasks));
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_moves_forward_on_demand() {
        let clock = Clock::default();
        let before = clock.now();
        let day = Duration::from_secs(86_400);
        let after = clock.advance(day);
        assert!(after >= before + day);
        assert!(clock.until(after + Duration::from_secs(60)) <= Duration::from_secs(60));
        assert_eq!(clock.until(before), Duration::ZERO);
    }
}
