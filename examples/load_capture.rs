//! Load tool for the client (not a test): captures against the in-process
//! sandbox gateway on 127.0.0.1, from many concurrent tasks sharing one
//! `Client` (so connections are pooled and reused).
//!
//! ```text
//! cargo run --release --example load_capture                # 20,000 captures
//! cargo run --release --example load_capture -- 100000
//! LOAD_TASKS=128 cargo run --release --example load_capture
//! ```
//!
//! Each capture costs two RSA-2048 signatures (the client signs the request,
//! the sandbox signs the reply as Alipay) and two verifications, all in this
//! process; verifying is some thirty times cheaper than signing, so on two
//! cores the ceiling is about one single-core `openssl speed rsa2048` sign
//! rate. Payments are
//! created before the clock starts; notifications are off (no notify URL).
//! Every capture must end S. Prints captures per second and p50/p99 latency,
//! and a `RESULT` line for `scripts/perf-report.sh`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // a short example, not library code

use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use alipay_ams::client::RetryPolicy;
use alipay_ams::payments::CaptureRequest;
use alipay_ams::sandbox::{CreatePayment, Sandbox, SandboxExt};
use alipay_ams::{Amount, ResultStatus};

const WARMUP: u64 = 500;

fn setting(name: &str, arg: Option<String>, default: u64) -> Result<u64, Box<dyn Error>> {
    match arg.or_else(|| std::env::var(name).ok()) {
        Some(text) => text
            .replace('_', "")
            .parse()
            .map_err(|e| format!("{name}: {text:?} is not a count: {e}").into()),
        None => Ok(default),
    }
}

fn percentile(sorted: &[u32], pct: usize) -> u32 {
    sorted
        .get(sorted.len().saturating_sub(1) * pct / 100)
        .copied()
        .unwrap_or(0)
}

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("VmHWM:")
                    .and_then(|r| r.trim().trim_end_matches("kB").trim().parse().ok())
            })
        })
        .unwrap_or(0)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let count = setting("LOAD_COUNT", std::env::args().nth(1), 20_000)?;
    let tasks = setting("LOAD_TASKS", None, 64)?.max(1);

    let sandbox = Sandbox::with_example_keys()
        .redelivery(false)
        .start()
        .await?;
    // The sandbox's ready client: its client id, its Alipay key and the
    // example merchant key. Every capture must end S on its first attempt.
    let client = sandbox
        .client_builder()
        .attempt_timeout(Duration::from_secs(30))
        .retry_policy(RetryPolicy::none())
        .build()?;

    let total = WARMUP + count;
    let mut payments = Vec::new();
    for _ in 0..total {
        let payment =
            sandbox.create_payment(CreatePayment::new(Amount::from_minor_units("USD", 10_000)?))?;
        payments.push(payment.payment_id);
    }
    let payments = Arc::new(payments);
    println!(
        "load_capture: {count} captures from {tasks} concurrent tasks (one shared Client) against the sandbox at {}",
        sandbox.base_url()
    );

    let run = |from: u64, to: u64| {
        let (client, payments) = (client.clone(), payments.clone());
        async move {
            let next = Arc::new(AtomicU64::new(from));
            let mut handles = Vec::new();
            for _ in 0..tasks {
                let (client, payments, next) = (client.clone(), payments.clone(), next.clone());
                handles.push(tokio::spawn(async move {
                    let mut latencies = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= to {
                            break;
                        }
                        let Some(payment_id) = payments.get(i as usize) else {
                            break;
                        };
                        let amount =
                            Amount::from_minor_units("USD", 10_000).map_err(|e| e.to_string())?;
                        let request =
                            CaptureRequest::new(format!("load-capture-{i}"), payment_id, amount);
                        let started = Instant::now();
                        let response = client
                            .execute(&request)
                            .await
                            .map_err(|e| format!("capture {i}: {e}"))?;
                        latencies
                            .push(u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX));
                        if response.result.result_status != ResultStatus::Success {
                            return Err(format!("capture {i}: {:?}", response.result));
                        }
                    }
                    Ok::<_, String>(latencies)
                }));
            }
            let mut latencies = Vec::new();
            for handle in handles {
                latencies.extend(handle.await.map_err(|e| e.to_string())??);
            }
            Ok::<_, String>(latencies)
        }
    };

    run(0, WARMUP).await?;
    let started = Instant::now();
    let mut latencies = run(WARMUP, total).await?;
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let ok = latencies.len() as u64;
    let per_second = ok as f64 / elapsed.as_secs_f64().max(f64::EPSILON);
    let (p50, p99) = (percentile(&latencies, 50), percentile(&latencies, 99));
    let captured = sandbox.captures().len() as u64;
    let hwm = vm_hwm_kib();

    println!(
        "  captured (verified S):  {ok} of {count} (sandbox records {captured} incl. {WARMUP} warm-up)"
    );
    println!("  elapsed:                {elapsed:.2?}");
    println!("  captures/s:             {per_second:.0}");
    println!(
        "  latency p50 / p99:      {:.2} ms / {:.2} ms",
        f64::from(p50) / 1000.0,
        f64::from(p99) / 1000.0
    );
    println!("  peak RSS (VmHWM):       {:.1} MiB", hwm as f64 / 1024.0);
    println!(
        "RESULT load_capture count={ok} per_sec={per_second:.0} p50_us={p50} p99_us={p99} hwm_kib={hwm}"
    );
    sandbox.shutdown().await;
    if ok != count || captured != total {
        return Err(
            format!("only {ok} of {count} captures ended S ({captured} sandbox records)").into(),
        );
    }
    Ok(())
}
