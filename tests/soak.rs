//! The slow tier's soaks, over real loopback HTTP with faults injected on
//! purpose; each prints its figures
//! (`cargo test --test soak -- --ignored --nocapture`), and `.ci/run` runs
//! them with `--ignored`. One at a time: each keeps both cores busy.
//!
//! - `captures` (`tests/soak/captures.rs`): thousands of captures under API
//!   faults, with a handler that fails.
//! - `checkout` (`tests/soak/checkout.rs`): 2,000 mixed checkout lifecycles
//!   (wallets and cards, captures, partial and full refunds, cancels,
//!   declines, abandons, pending bank payments, sessions) under 20% faults on
//!   every checkout API and on notifications, with a handler that fails;
//!   every unknown resolved with `Client::resolve` and checked against the
//!   sandbox's books. Its parts: the fault plan (`faults.rs`), the
//!   merchant's steps that settle unknowns (`steps.rs`), the lifecycles
//!   (`lifecycles.rs`) and the final audit (`audit.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

#[path = "soak/audit.rs"]
mod audit;
#[path = "soak/captures.rs"]
mod captures;
#[path = "soak/checkout.rs"]
mod checkout;
#[path = "soak/faults.rs"]
mod faults;
#[path = "soak/lifecycles.rs"]
mod lifecycles;
#[path = "soak/steps.rs"]
mod steps;

use tokio::sync::{Mutex, MutexGuard};

/// Held by each soak for its whole run, so the two never share the cores
/// (the test harness would run them in parallel).
async fn alone() -> MutexGuard<'static, ()> {
    static ALONE: Mutex<()> = Mutex::const_new(());
    ALONE.lock().await
}
