//! The two concurrency primitives every task of the sandbox shares: a lock
//! that survives a panicking holder, and the stop signal.

use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::watch;

/// Locks a mutex, recovering the data if a thread panicked while holding it.
/// Every critical section in the sandbox leaves its data consistent before
/// anything that could panic, so the state stays usable.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Resolves once the stop flag is raised (or its sender is gone).
pub(crate) async fn stopped(flag: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is not `Send`: drop it right here.
    let _ = flag.wait_for(|stop| *stop).await.is_ok();
}
