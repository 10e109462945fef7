//! A capturing process on the PostgreSQL outbox: it captures and refunds a
//! plan of payments, and may be killed at any moment and started again (or
//! run as several replicas at once) without ever capturing or refunding
//! twice. The outbox soak (`tests/outbox_soak.rs`) SIGKILLs it repeatedly.
//!
//! ```sh
//! cargo run -p alipay-ams-sandbox -- --time-scale 0.01 &     # the gateway, on 127.0.0.1:8686
//! # payments to capture, one per line: <paymentId> <amount in minor units>
//! curl -s localhost:8686/sandbox/payments -d '{"paymentAmount":{"currency":"USD","value":"10000"}}'
//! echo "<paymentId> 10000" > plan.txt
//! DATABASE_URL=postgres://app@127.0.0.1/shop ALIPAY_GATEWAY=http://127.0.0.1:8686 OUTBOX_PLAN=plan.txt \
//!     cargo run --all-features --example outbox_worker
//! ```
//!
//! For each payment of the plan it sends, through the outbox, a capture of
//! the whole amount (`captureRequestId` `cap-<paymentId>`) and, once that
//! capture succeeded, two refunds of 30% and 70% (`ref-a-<paymentId>`,
//! `ref-b-<paymentId>`). The keys come from the plan, so a restarted
//! process sends the same requests, and the outbox answers them from what
//! it recorded, or claims the unfinished ones. Each round first runs
//! `Client::resume` (what a crash left), then the plan; it exits 0, printing
//! `done`, once every payment's movements are final.
//!
//! Environment:
//! - `DATABASE_URL` (required), `OUTBOX_TABLE` (default `alipay_outbox`);
//! - `ALIPAY_GATEWAY` (required): the gateway's base URL;
//! - `OUTBOX_PLAN` (required): the plan's path;
//! - `ALIPAY_CLIENT_ID` (default `SANDBOX_5X00000000000000`),
//!   `ALIPAY_PRIVATE_KEY` (default `keys-example/merchant/private_key.pem`),
//!   `ALIPAY_PUBLIC_KEY` (default `keys-example/alipay/public_key.pem`);
//! - `WORKER_NAME` (default `worker-<pid>`), the owner of its claims;
//! - `OUTBOX_LEASE_MS` (default 3000), `OUTBOX_CALL_TIMEOUT_MS` (default 1000).
//!
//! One line per round on stderr: `resume: ...` (what resume did) and
//! `round: ...` (the plan: final, pending).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // a short example, not library code

use std::error::Error;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use alipay_ams::client::checkout::CaptureOutcome;
use alipay_ams::client::outbox::{IntentState, ResumeOptions, SendOptions, Sent};
use alipay_ams::client::{CallOptions, Client, Gateway, RetryPolicy};
use alipay_ams::payments::{CaptureRequest, RefundRequest};
use alipay_ams::postgres::{PgOutbox, PgStore};
use alipay_ams::{Amount, PrivateKey, PublicKey};

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

fn required(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("{name} is required (see the example's docs)"))
}

fn key_path(name: &str, default: &str) -> PathBuf {
    std::env::var(name)
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(default))
}

fn millis(name: &str, default: u64) -> Result<Duration, String> {
    env_or(name, &default.to_string())
        .parse()
        .map(Duration::from_millis)
        .map_err(|e| format!("{name}: {e}"))
}

/// One payment of the plan.
struct Planned {
    payment_id: String,
    minor: u64,
}

/// Where a payment's movements are after one round.
enum Progress {
    Final,
    Pending,
}

struct Worker {
    client: Client,
    outbox: PgOutbox,
    options: SendOptions,
}

impl Worker {
    /// Sends what the payment needs next; whether all of it is final.
    async fn advance(&self, planned: &Planned) -> Result<Progress, Box<dyn Error + Send + Sync>> {
        let amount = |minor| Amount::from_minor_units("USD", minor);
        let capture = CaptureRequest::new(
            format!("cap-{}", planned.payment_id),
            planned.payment_id.clone(),
            amount(planned.minor)?,
        );
        let captured = match self
            .client
            .send_via_with(&self.outbox, &capture, &self.options)
            .await?
        {
            Sent::Answered(CaptureOutcome::Captured(_)) => true,
            Sent::Answered(CaptureOutcome::Failed(_)) => false,
            Sent::Settled(record) => record.state == IntentState::Succeeded,
            Sent::Pending(_) => return Ok(Progress::Pending),
        };
        if !captured {
            return Ok(Progress::Final);
        }
        let first = planned.minor * 3 / 10;
        let mut progress = Progress::Final;
        for (part, minor) in [("a", first), ("b", planned.minor - first)] {
            let refund = RefundRequest::new(
                format!("ref-{part}-{}", planned.payment_id),
                planned.payment_id.clone(),
                amount(minor)?,
            );
            let sent = self
                .client
                .send_via_with(&self.outbox, &refund, &self.options)
                .await?;
            let done = match sent {
                Sent::Answered(outcome) => !matches!(
                    outcome,
                    alipay_ams::client::checkout::RefundOutcome::Processing(_)
                ),
                Sent::Settled(_) => true,
                Sent::Pending(_) => false,
            };
            if !done {
                progress = Progress::Pending;
            }
        }
        Ok(progress)
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let database_url = required("DATABASE_URL")?;
    let table = env_or("OUTBOX_TABLE", "alipay_outbox");
    let gateway = required("ALIPAY_GATEWAY")?;
    let plan_path = required("OUTBOX_PLAN")?;
    let name = env_or("WORKER_NAME", &format!("worker-{}", std::process::id()));
    let lease = millis("OUTBOX_LEASE_MS", 3000)?;
    let call_timeout = millis("OUTBOX_CALL_TIMEOUT_MS", 1000)?;
    let private_key = key_path(
        "ALIPAY_PRIVATE_KEY",
        "keys-example/merchant/private_key.pem",
    );
    let public_key = key_path("ALIPAY_PUBLIC_KEY", "keys-example/alipay/public_key.pem");

    let plan: Vec<Planned> = std::fs::read_to_string(&plan_path)
        .map_err(|e| format!("OUTBOX_PLAN={plan_path}: {e}"))?
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let mut fields = line.split_whitespace();
            let payment_id = fields.next().unwrap_or_default().to_owned();
            let minor = fields.next().and_then(|v| v.parse().ok()).ok_or_else(|| {
                format!("OUTBOX_PLAN: {line:?} is not `<paymentId> <amount in minor units>`")
            })?;
            Ok(Planned { payment_id, minor })
        })
        .collect::<Result<_, String>>()?;

    let client = Client::builder()
        .client_id(env_or("ALIPAY_CLIENT_ID", "SANDBOX_5X00000000000000"))
        .private_key(PrivateKey::from_file(&private_key)?)
        .alipay_public_key(PublicKey::from_file(&public_key)?)
        .gateway(Gateway::custom(gateway))
        .retry_policy(RetryPolicy::default().with_max_attempts(2))
        .build()?;
    let store = PgStore::builder(&database_url)?
        .outbox_table(&table)
        .inbox_table(format!("{table}_inbox"))
        .max_connections(8)
        .connect()
        .await?;
    let options = SendOptions::default()
        .with_owner(&name)
        .with_lease(lease)
        .with_retry_after(Duration::from_millis(200))
        .with_call_options(CallOptions::new().call_timeout(call_timeout));
    let resume = ResumeOptions::default()
        .with_send_options(options.clone())
        .with_deadline(Duration::ZERO)
        .with_batch(64)
        .with_concurrency(8);
    let worker = Arc::new(Worker {
        client,
        outbox: store.outbox(),
        options,
    });
    let plan = Arc::new(plan);
    eprintln!("{name}: started, {} payments", plan.len());

    // Each replica walks the plan from its own place.
    let offset = std::process::id() as usize % plan.len().max(1);
    loop {
        let report = worker.client.resume(&worker.outbox, &resume).await?;
        eprintln!("{name}: resume: {report}");
        let mut tasks = tokio::task::JoinSet::new();
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        for _ in 0..8 {
            let (worker, plan, next) = (worker.clone(), plan.clone(), next.clone());
            tasks.spawn(async move {
                let (mut done, mut pending) = (0, 0);
                loop {
                    let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if n >= plan.len() {
                        return Ok::<_, Box<dyn Error + Send + Sync>>((done, pending));
                    }
                    match worker.advance(&plan[(n + offset) % plan.len()]).await? {
                        Progress::Final => done += 1,
                        Progress::Pending => pending += 1,
                    }
                }
            });
        }
        let (mut done, mut pending) = (0, 0);
        while let Some(result) = tasks.join_next().await {
            let (d, p) = result??;
            done += d;
            pending += p;
        }
        eprintln!("{name}: round: {done} payments final, {pending} pending");
        if pending == 0 {
            eprintln!("{name}: done");
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
