//! Load tool for the notify endpoint (not a test): `NotifyService` mounted in
//! axum on 127.0.0.1, driven over HTTP/1.1 keep-alive by 32 connections, each
//! sending one notification at a time and waiting for the answer.
//!
//! ```text
//! cargo run --release --example load_notify                 # 200,000 notifications
//! cargo run --release --example load_notify -- 1000000      # a million
//! LOAD_CONNECTIONS=64 LOAD_POOL=8192 cargo run --release --example load_notify
//! LOAD_TARGET=127.0.0.1:3000 LOAD_POOL=42000 cargo run --release --example load_notify -- 40000
//! ```
//!
//! `LOAD_TARGET` (`HOST:PORT`) drives an endpoint already running there at
//! `/alipay/notify` (the `postgres_notify` example: `scripts/postgres-perf.sh`)
//! instead of the one mounted in this process; make `LOAD_POOL` at least the
//! count plus the 2,000 of the warm-up so that every notification is a first
//! delivery, which the inbox records and the handler processes. (The warm-up
//! takes the pool's first notifications, the measured run the ones after.)
//!
//! `LOAD_ENDPOINT=verify-only` mounts, instead of `NotifyService`, an axum
//! handler that only checks the signature and acknowledges (no JSON, no
//! routing, no dedup key, no inbox): the floor of this loop on this machine,
//! which `scripts/perf-report.sh` prints beside the endpoint's figure.
//!
//! Notifications are signed before the clock starts (signing is Alipay's cost,
//! not the endpoint's): a pool of `LOAD_POOL` (default 4096) distinct signed
//! notifications is sent round-robin, each one verified in full by the service.
//! Every answer must be HTTP 200 with the acknowledgement. Prints verified
//! notifications per second, p50/p99 latency, peak RSS (VmHWM) and RSS after
//! the warm-up and at the end, and a `RESULT` line for `scripts/perf-report.sh`.
//! The client runs in the same process, on the same cores: the figures are for
//! the whole loop, client included. Latencies go to a fixed histogram of 10 µs
//! buckets (percentiles are bucket upper bounds), so the RSS figures are the
//! endpoint's and the client's, not a growing list of samples.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // a short example, not library code

use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use alipay_ams::notify::{HandlerError, NotifyConfig, NotifyHandler, NotifyMeta, NotifyService};
use alipay_ams::payments::CaptureNotification;
use alipay_ams::protocol::ACK_BODY;
use alipay_ams::sandbox::example_keys::{self, CLIENT_ID};
use alipay_ams::signing::{Message, time};
use alipay_ams::{PrivateKey, PublicKey};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const PATH: &str = "/alipay/notify";
const WARMUP: u64 = 2_000;

/// Counts what it is handed; the endpoint, not the merchant's database, is measured.
struct Count(Arc<AtomicU64>);

impl NotifyHandler<CaptureNotification> for Count {
    async fn handle(
        &self,
        _n: CaptureNotification,
        _meta: &NotifyMeta,
    ) -> Result<(), HandlerError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// One pre-signed notification as the exact HTTP/1.1 request bytes.
struct Signed {
    wire: Vec<u8>,
}

fn http_request(body: &str, time: &str, signature: &str) -> Vec<u8> {
    format!(
        "POST {PATH} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json; charset=UTF-8\r\n\
         client-id: {CLIENT_ID}\r\nrequest-time: {time}\r\nsignature: {signature}\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Reads one HTTP/1.1 response with a Content-Length body into `buf`;
/// returns the status and the body's range in `buf`.
async fn read_response(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
) -> Result<(u16, std::ops::Range<usize>), Box<dyn Error + Send + Sync>> {
    buf.clear();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err("the server closed the connection".into());
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
    };
    let head = std::str::from_utf8(buf.get(..head_end).unwrap_or_default())?;
    let status = head
        .get(9..12)
        .and_then(|code| code.parse().ok())
        .ok_or("no HTTP status line")?;
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())
                .flatten()
        })
        .ok_or("no content-length")?;
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err("the server closed the connection mid-body".into());
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
    Ok((status, head_end..head_end + length))
}

fn setting(name: &str, arg: Option<String>, default: u64) -> Result<u64, Box<dyn Error>> {
    match arg.or_else(|| std::env::var(name).ok()) {
        Some(text) => text
            .replace('_', "")
            .parse()
            .map_err(|e| format!("{name}: {text:?} is not a count: {e}").into()),
        None => Ok(default),
    }
}

fn proc_status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find_map(|line| {
                line.strip_prefix(field)
                    .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            })
        })
        .unwrap_or(0)
}

/// Latencies in 10 µs buckets up to 100 ms (the last bucket holds the rest),
/// allocated once up front so that recording a million of them does not show
/// up as memory growth.
struct Histogram {
    buckets: Vec<AtomicU64>,
}

const BUCKET_US: u64 = 10;
const BUCKETS: usize = 10_000;

impl Histogram {
    fn new() -> Self {
        Histogram {
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    fn record(&self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        let index = usize::try_from(micros / BUCKET_US)
            .unwrap_or(usize::MAX)
            .min(BUCKETS - 1);
        if let Some(bucket) = self.buckets.get(index) {
            bucket.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn reset(&self) {
        for bucket in &self.buckets {
            bucket.store(0, Ordering::Relaxed);
        }
    }

    fn count(&self) -> u64 {
        self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).sum()
    }

    /// The upper bound of the bucket holding the `pct` percentile, in µs.
    fn percentile(&self, pct: u64) -> u64 {
        let rank = (self.count() * pct).div_ceil(100).max(1);
        let mut seen = 0;
        for (i, bucket) in self.buckets.iter().enumerate() {
            seen += bucket.load(Ordering::Relaxed);
            if seen >= rank {
                return (i as u64 + 1) * BUCKET_US;
            }
        }
        BUCKETS as u64 * BUCKET_US
    }
}

/// The floor of the loop: an axum handler that checks the signature over
/// the exact bytes received (the same incremental hash and RSA verify the
/// SDK uses) and acknowledges, with nothing else: no JSON, no duplicate-key
/// check, no kind, no dedup key, no inbox, no tracing. The endpoint's figure
/// divided by this one is what the rest of the SDK costs on this stack.
fn verify_only(config: NotifyConfig, handled: Arc<AtomicU64>) -> axum::Router {
    let key = config
        .alipay_public_key(config.default_key_version())
        .cloned();
    axum::Router::new().route(
        PATH,
        axum::routing::post(move |headers: http::HeaderMap, body: bytes::Bytes| {
            let (key, handled) = (key.clone(), handled.clone());
            async move {
                let text = |name| {
                    headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                };
                let verified = key.as_ref().is_some_and(|key| {
                    Message::notification(PATH, text("client-id"), text("request-time"), &body)
                        .verify(key, text("signature"))
                        .is_ok()
                });
                if verified {
                    handled.fetch_add(1, Ordering::Relaxed);
                    (http::StatusCode::OK, ACK_BODY)
                } else {
                    (http::StatusCode::UNAUTHORIZED, "{}")
                }
            }
        }),
    )
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let count = setting("LOAD_COUNT", std::env::args().nth(1), 200_000)?;
    let connections = setting("LOAD_CONNECTIONS", None, 32)?.max(1);
    let pool_size = setting("LOAD_POOL", None, 4096)?.clamp(1, count.max(1) + WARMUP);
    let target = std::env::var("LOAD_TARGET").ok();

    // The endpoint, as a merchant mounts it.
    let handled = Arc::new(AtomicU64::new(0));
    let config = NotifyConfig::new(
        CLIENT_ID,
        PublicKey::parse(example_keys::ALIPAY_PUBLIC_KEY_PEM)?,
    );
    let app = match std::env::var("LOAD_ENDPOINT").as_deref() {
        Err(_) | Ok("notify") => {
            let service = NotifyService::builder(config)
                .on::<CaptureNotification>(Count(handled.clone()))
                .build()?;
            axum::Router::new().route_service(PATH, service)
        }
        Ok("verify-only") => verify_only(config, handled.clone()),
        Ok(other) => return Err(format!("LOAD_ENDPOINT={other:?}: notify or verify-only").into()),
    };
    let addr = match &target {
        Some(target) => target
            .parse::<std::net::SocketAddr>()
            .map_err(|e| format!("LOAD_TARGET={target:?} is not HOST:PORT: {e}"))?,
        None => {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            tokio::spawn(async move { axum::serve(listener, app).await });
            addr
        }
    };

    // Alipay's side: sign the pool up front, on every core.
    let signing = Instant::now();
    let key = PrivateKey::parse(example_keys::ALIPAY_PRIVATE_KEY_PEM)?;
    let mut jobs = Vec::new();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get() as u64);
    for t in 0..threads {
        let key = key.clone();
        jobs.push(tokio::task::spawn_blocking(move || -> Result<Vec<Signed>, String> {
            let mut out = Vec::new();
            for i in (t..pool_size).step_by(threads as usize) {
                let body = format!(
                    r#"{{"notifyType":"CAPTURE_RESULT","result":{{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success."}},"captureRequestId":"load-{i}","paymentId":"2026112519401089010011{i:013}","captureId":"2026112519401089010011{i:013}C","captureAmount":{{"currency":"USD","value":"{}"}},"captureTime":"2026-11-25T10:00:00+08:00"}}"#,
                    1000 + i
                );
                let time = time::iso8601_utc(SystemTime::now());
                let signature = Message::notification(PATH, CLIENT_ID, &time, body.as_bytes())
                    .sign(&key, 1)
                    .map_err(|e| e.to_string())?
                    .to_string();
                out.push(Signed {
                    wire: http_request(&body, &time, &signature),
                });
            }
            Ok(out)
        }));
    }
    let mut pool = Vec::new();
    for job in jobs {
        pool.extend(job.await??);
    }
    let pool = Arc::new(pool);
    println!(
        "load_notify: {count} notifications over {connections} keep-alive connections to http://{addr}{PATH}; \
         {} distinct signed notifications prepared in {:.1?}",
        pool.len(),
        signing.elapsed()
    );

    let histogram = Arc::new(Histogram::new());
    let run = |total: u64, start: u64| {
        let (pool, histogram) = (pool.clone(), histogram.clone());
        async move {
            let next = Arc::new(AtomicU64::new(0));
            let mut tasks = Vec::new();
            for _ in 0..connections {
                let (pool, next, histogram) = (pool.clone(), next.clone(), histogram.clone());
                tasks.push(tokio::spawn(async move {
                    let mut stream = TcpStream::connect(addr).await?;
                    stream.set_nodelay(true)?;
                    let mut buf = Vec::with_capacity(4096);
                    let mut acknowledged = 0u64;
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= total {
                            break;
                        }
                        let Some(n) = pool.get(((start + i) % pool.len() as u64) as usize) else {
                            break;
                        };
                        let started = Instant::now();
                        stream.write_all(&n.wire).await?;
                        let (status, body) = read_response(&mut stream, &mut buf).await?;
                        histogram.record(started.elapsed());
                        let body = buf.get(body).unwrap_or_default();
                        if status != 200 || body != ACK_BODY.as_bytes() {
                            return Err(format!(
                                "notification {i}: HTTP {status}: {}",
                                String::from_utf8_lossy(body)
                            )
                            .into());
                        }
                        acknowledged += 1;
                    }
                    Ok::<_, Box<dyn Error + Send + Sync>>(acknowledged)
                }));
            }
            let mut acknowledged = 0;
            for task in tasks {
                acknowledged += task
                    .await
                    .map_err(|e| e.to_string())?
                    .map_err(|e| e.to_string())?;
            }
            Ok::<_, String>(acknowledged)
        }
    };

    run(WARMUP.min(count), 0).await?;
    let rss_after_warmup = proc_status_kib("VmRSS:");
    handled.store(0, Ordering::Relaxed);
    histogram.reset();

    let started = Instant::now();
    let ok = run(count, WARMUP.min(count)).await?;
    let elapsed = started.elapsed();
    let rss_end = proc_status_kib("VmRSS:");
    let hwm = proc_status_kib("VmHWM:");
    let per_second = ok as f64 / elapsed.as_secs_f64().max(f64::EPSILON);
    let (p50, p99) = (histogram.percentile(50), histogram.percentile(99));
    let handler_saw = handled.load(Ordering::Relaxed);

    // The service's inbox acknowledges a redelivery (the pool sent again)
    // without running the handler: it sees each distinct notification once.
    println!(
        "  acknowledged (HTTP 200 + ack):  {ok} of {count} (handler saw {handler_saw} first deliveries)"
    );
    println!("  elapsed:                        {:.2?}", elapsed);
    println!("  verified notifications/s:       {per_second:.0}");
    println!(
        "  latency p50 / p99:              {:.2} ms / {:.2} ms",
        p50 as f64 / 1000.0,
        p99 as f64 / 1000.0
    );
    println!(
        "  RSS after warm-up / at the end: {:.1} MiB / {:.1} MiB (growth {:+.1} MiB)",
        rss_after_warmup as f64 / 1024.0,
        rss_end as f64 / 1024.0,
        (rss_end as f64 - rss_after_warmup as f64) / 1024.0
    );
    println!(
        "  peak RSS (VmHWM):               {:.1} MiB",
        hwm as f64 / 1024.0
    );
    println!(
        "RESULT load_notify count={ok} per_sec={per_second:.0} p50_us={p50} p99_us={p99} rss_warm_kib={rss_after_warmup} rss_end_kib={rss_end} hwm_kib={hwm}"
    );
    if ok != count || (target.is_none() && handler_saw == 0) {
        return Err(format!("only {ok} of {count} acknowledged ({handler_saw} handled)").into());
    }
    // Give in-flight connection tasks a moment to wind down before exit.
    tokio::time::sleep(Duration::from_millis(10)).await;
    Ok(())
}
