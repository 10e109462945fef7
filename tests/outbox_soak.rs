//! The outbox soak: two `outbox_worker` processes capture and refund a plan
//! of payments against the sandbox (on loopback, through a counting proxy)
//! on one PostgreSQL outbox, while the sandbox plays faults (U, lost and
//! garbled replies, 500s, unsigned replies, late replies, processor
//! failures) and the test SIGKILLs a worker at random moments and starts it
//! again, dozens of times. Once the kills stop, the workers finish the plan
//! and a final `resume` finds nothing left.
//!
//! Checked: every intent is final; the sandbox's ledger has exactly one
//! transaction per idempotency key (0 double captures, 0 double refunds),
//! no payment refunded beyond what was captured, and each intent's state is
//! its transaction's; no request for one key was ever in flight twice at
//! once. The counts are printed.
//!
//! Slow tier (about a minute), run by `.ci/run`:
//!
//! ```sh
//! scripts/postgres.sh run -- cargo test -p alipay-ams --all-features --test outbox_soak -- --ignored --nocapture
//! ```
//!
//! `OUTBOX_WORKER_BIN` may name a built worker (by default it builds the
//! debug example).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests may panic

mod outbox_support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use alipay_ams::client::Gateway;
use alipay_ams::client::outbox::{Outbox, ResumeOptions, SendOptions};
use alipay_ams::payments::{
    CaptureRequest, InquiryPaymentRequest, InquiryRefundRequest, RefundRequest,
};
use alipay_ams::postgres::{PgStore, tokio_postgres};
use alipay_ams::sandbox::{CreatePayment, Fault, RefundStatus, Sandbox, SandboxExt};
use alipay_ams::{Amount, ResultStatus};
use outbox_support::*;

const PAYMENTS: usize = 150;
const WORKERS: usize = 2;
const KILLS: usize = 60;
const KILL_PHASE: Duration = Duration::from_secs(90);

/// A tiny deterministic generator (no dependency): good enough to pick
/// moments and faults.
struct Rng(u64);

impl Rng {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below.max(1)
    }
}

/// The worker processes; killed when dropped, whatever the test did.
struct Workers {
    bin: PathBuf,
    logs: PathBuf,
    env: Vec<(&'static str, String)>,
    children: Vec<Option<Child>>,
    done: Vec<bool>,
}

impl Workers {
    fn spawn(&mut self, index: usize) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.logs.join(format!("w{index}.log")))
            .unwrap();
        let mut command = Command::new(&self.bin);
        command.envs(self.env.iter().map(|(k, v)| (*k, v.as_str())));
        let child = command
            .env("WORKER_NAME", format!("w{index}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.children[index] = Some(child);
    }

    /// SIGKILL, if it is running; whether it was.
    fn kill(&mut self, index: usize) -> bool {
        let Some(mut child) = self.children[index].take() else {
            return false;
        };
        let running = child.try_wait().unwrap().is_none();
        child.kill().ok(); // SIGKILL
        let status = child.wait().unwrap();
        if !running {
            self.done[index] = status.success();
        }
        running
    }

    /// Whether it exited, and if so that it succeeded (finished the plan).
    fn exited(&mut self, index: usize) -> Option<bool> {
        let child = self.children[index].as_mut()?;
        let status = child.try_wait().unwrap()?;
        self.done[index] = status.success();
        Some(status.success())
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        for child in self.children.iter_mut().flatten() {
            child.kill().ok();
            child.wait().ok();
        }
    }
}

/// The worker's binary: `OUTBOX_WORKER_BIN`, or the debug build, built now.
fn worker_binary() -> PathBuf {
    if let Ok(bin) = std::env::var("OUTBOX_WORKER_BIN") {
        return PathBuf::from(bin);
    }
    let status = Command::new(env!("CARGO"))
        .args(["build", "--all-features", "--example", "outbox_worker"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(
        status.success(),
        "building the outbox_worker example failed"
    );
    // target/debug/deps/outbox_soak-<hash> -> target/debug/examples/outbox_worker
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples/outbox_worker")
}

/// One fault of the sandbox's, on one of the APIs the workers call. Replies
/// come late by at most 600 ms, well inside a claim (3 s): a request a
/// killed worker left at the gateway ends before anyone else may claim it.
fn arm_random_fault(sandbox: &Sandbox, rng: &mut Rng) {
    let fault = match rng.next(8) {
        0 => Fault::UnknownException,
        1 => Fault::DropConnection,
        2 => Fault::Http500,
        3 => Fault::Unsigned,
        4 => Fault::BadSignature,
        5 => Fault::InProcess,
        6 if rng.next(4) == 0 => Fault::ProcessFail,
        _ => Fault::Delay(Duration::from_millis(100 + rng.next(500))),
    };
    let movement = matches!(fault, Fault::InProcess | Fault::ProcessFail);
    let _ = match rng.next(if movement { 2 } else { 4 }) {
        0 => sandbox.arm_fault::<CaptureRequest>(fault, 1),
        1 => sandbox.arm_fault::<RefundRequest>(fault, 1),
        2 => sandbox.arm_fault::<InquiryPaymentRequest>(fault, 1),
        _ => sandbox.arm_fault::<InquiryRefundRequest>(fault, 1),
    }
    .unwrap();
}

/// The sum of `claimed N` over the workers' `resume:` lines: intents a
/// resume took over (left by a killed worker, or unknown after a fault).
fn resumed_claims(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default())
        .flat_map(|text| {
            text.lines()
                .filter_map(|line| line.split(": resume: claimed ").nth(1))
                .filter_map(|rest| rest.split(',').next()?.parse::<u64>().ok())
                .collect::<Vec<_>>()
        })
        .sum()
}

fn count_lines(dir: &Path, needle: &str) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default())
        .map(|text| text.lines().filter(|line| line.contains(needle)).count())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow tier (two worker processes SIGKILLed dozens of times): .ci/run runs it with --ignored under scripts/postgres.sh"]
async fn capturing_processes_killed_mid_flight_never_capture_or_refund_twice() {
    let database_url = database_url();
    let started = Instant::now();
    let sandbox = Sandbox::with_example_keys()
        .time_scale(0.01)
        .start()
        .await
        .unwrap();
    let proxy = Proxy::start(sandbox.addr()).await;
    let dir = std::env::temp_dir().join(format!("alipay-ams-outbox-soak-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let plan: Vec<String> = (0..PAYMENTS)
        .map(|_| {
            sandbox
                .create_payment(CreatePayment::new(
                    Amount::from_minor_units("USD", 10_000).unwrap(),
                ))
                .unwrap()
                .payment_id
        })
        .collect();
    let plan_path = dir.join("plan.txt");
    std::fs::write(
        &plan_path,
        plan.iter()
            .map(|p| format!("{p} 10000\n"))
            .collect::<String>(),
    )
    .unwrap();
    let table = unique("outbox_soak");
    let store = PgStore::builder(&database_url)
        .unwrap()
        .outbox_table(&table)
        .inbox_table(format!("{table}_inbox"))
        .connect()
        .await
        .unwrap();
    let outbox = store.outbox();

    let mut workers = Workers {
        bin: worker_binary(),
        logs: dir.clone(),
        env: vec![
            ("DATABASE_URL", database_url.clone()),
            ("OUTBOX_TABLE", table.clone()),
            ("ALIPAY_GATEWAY", proxy.url()),
            ("OUTBOX_PLAN", plan_path.display().to_string()),
            ("OUTBOX_LEASE_MS", "3000".into()),
            ("OUTBOX_CALL_TIMEOUT_MS", "1000".into()),
        ],
        children: (0..WORKERS).map(|_| None).collect(),
        done: vec![false; WORKERS],
    };
    for index in 0..WORKERS {
        workers.spawn(index);
    }

    // Faults, all along the kill phase.
    let stop = Arc::new(AtomicBool::new(false));
    let armed = Arc::new(AtomicU64::new(0));
    let faults = {
        let (sandbox, stop, armed) = (sandbox.clone(), stop.clone(), armed.clone());
        tokio::spawn(async move {
            let mut rng = Rng(0x5eed);
            while !stop.load(Ordering::Relaxed) {
                arm_random_fault(&sandbox, &mut rng);
                armed.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(40)).await;
            }
        })
    };

    // SIGKILL a worker at a random moment, start it again at once.
    let mut rng = Rng(0xdead_beef);
    let mut kills = 0;
    while kills < KILLS && started.elapsed() < KILL_PHASE {
        tokio::time::sleep(Duration::from_millis(150 + rng.next(900))).await;
        let index = rng.next(WORKERS as u64) as usize;
        if let Some(success) = workers.exited(index) {
            assert!(success, "worker {index} failed: see {}", dir.display());
        } else if workers.kill(index) {
            kills += 1;
        }
        if workers.done.iter().all(|done| *done) {
            break;
        }
        if !workers.done[index] {
            workers.spawn(index);
        }
    }
    let kill_phase = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    faults.await.unwrap();
    sandbox.clear_faults();

    // No more kills: the workers finish the plan.
    for index in 0..WORKERS {
        if !workers.done[index] && workers.children[index].is_none() {
            workers.spawn(index);
        }
    }
    let deadline = Instant::now() + Duration::from_secs(180);
    for index in 0..WORKERS {
        while !workers.done[index] {
            match workers.exited(index) {
                Some(success) => assert!(success, "worker {index} failed: see {}", dir.display()),
                None => {
                    assert!(
                        Instant::now() < deadline,
                        "worker {index} did not finish: see {}",
                        dir.display()
                    );
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    // A final resume, from here: nothing is left unfinished.
    let client = sandbox
        .client_builder()
        .gateway(Gateway::custom(proxy.url()))
        .build()
        .unwrap();
    let last = client
        .resume(
            &outbox,
            &ResumeOptions::default()
                .with_send_options(
                    SendOptions::default()
                        .with_owner("final")
                        .with_lease(Duration::from_secs(10)),
                )
                .with_poll_interval(Duration::from_millis(100)),
        )
        .await
        .unwrap();
    assert_eq!(last.unfinished, 0, "{last}");
    assert_eq!(outbox.unfinished().await.unwrap(), 0);

    // The ledger: one transaction per key, refunds within captures.
    let (captured, capture_failed, refunded, refund_failed) = check_ledger(&sandbox);
    // Each intent's state is its transaction's.
    let (db, connection) = tokio_postgres::connect(&database_url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let rows = db
        .query(
            &format!("SELECT api, intent_key, state, sends, inquiries FROM {table}"),
            &[],
        )
        .await
        .unwrap();
    let mut states: HashMap<(String, String), String> = HashMap::new();
    let (mut sends, mut resends, mut inquiries) = (0_i64, 0_i64, 0_i64);
    for row in &rows {
        let (api, key, state): (String, String, String) = (row.get(0), row.get(1), row.get(2));
        let (s, q): (i32, i32) = (row.get(3), row.get(4));
        sends += i64::from(s);
        resends += i64::from((s - 1).max(0));
        inquiries += i64::from(q);
        states.insert((api, key), state);
    }
    let mut by_state: HashMap<&str, usize> = HashMap::new();
    for state in states.values() {
        *by_state.entry(state.as_str()).or_default() += 1;
    }
    for capture in sandbox.captures() {
        let state = states
            .get(&("capture".to_owned(), capture.capture_request_id.clone()))
            .unwrap_or_else(|| {
                panic!(
                    "a capture without an intent: {}",
                    capture.capture_request_id
                )
            });
        let expected = if capture.result.result_status == ResultStatus::Success {
            "succeeded"
        } else {
            "failed"
        };
        assert_eq!(state, expected, "{}", capture.capture_request_id);
    }
    for refund in sandbox.refunds() {
        let state = states
            .get(&("refund".to_owned(), refund.refund_request_id.clone()))
            .unwrap_or_else(|| panic!("a refund without an intent: {}", refund.refund_request_id));
        let expected = match refund.status {
            RefundStatus::Success => "succeeded",
            RefundStatus::Fail => "failed",
            other => panic!("{} still {other:?}", refund.refund_request_id),
        };
        assert_eq!(state, expected, "{}", refund.refund_request_id);
    }
    // Every intent reached the gateway as one transaction (none is final
    // without one: failures here are the processor's, with a record).
    assert_eq!(
        states.len(),
        sandbox.captures().len() + sandbox.refunds().len()
    );
    assert_eq!(
        states.keys().filter(|(api, _)| api == "capture").count(),
        PAYMENTS,
        "every payment's capture recorded"
    );
    assert_eq!(
        states.keys().filter(|(api, _)| api == "refund").count(),
        2 * captured,
        "two refunds per captured payment"
    );
    let most = proxy.most_at_once();
    let overlapping: Vec<_> = most
        .iter()
        .filter(|(key, n)| (key.starts_with("capture:") || key.starts_with("refund:")) && **n > 1)
        .collect();
    assert!(
        overlapping.is_empty(),
        "in flight twice at once: {overlapping:?}"
    );
    let requests: u64 = proxy
        .totals()
        .iter()
        .filter(|(key, _)| key.starts_with("capture:") || key.starts_with("refund:"))
        .map(|(_, n)| u64::from(*n))
        .sum();

    let starts = count_lines(&dir, ": started");
    let resumes = count_lines(&dir, ": resume: ");
    let taken_over = resumed_claims(&dir);
    println!(
        "outbox soak: {} intents ({} captures, {} refunds), {kills} SIGKILLs in {:.1}s, {starts} worker starts, {resumes} resumes (claiming {taken_over} intents; +1 final: {last}), {} faults armed",
        states.len(),
        PAYMENTS,
        states.len() - PAYMENTS,
        kill_phase.as_secs_f64(),
        armed.load(Ordering::Relaxed),
    );
    println!(
        "outbox soak: sends {sends} (re-sends {resends}), movement requests at the gateway {requests}, inquiries {inquiries}; final: succeeded {}, failed {} (captures S {captured} / F {capture_failed}, refunds S {refunded} / F {refund_failed}); double captures 0, double refunds 0; {:.1}s in all",
        by_state.get("succeeded").copied().unwrap_or(0),
        by_state.get("failed").copied().unwrap_or(0),
        started.elapsed().as_secs_f64(),
    );
    std::fs::remove_dir_all(&dir).ok();
}
