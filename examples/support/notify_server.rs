//! The HTTP server of the notify examples (`axum_notify`, `hyper_notify`):
//! HTTP/1.1 with a header read timeout, and a graceful shutdown. The tests of
//! `alipay-ams-notify` run this same file with short timeouts
//! (`crates/alipay-ams-notify/tests/server_timeouts.rs`).
//!
//! A public notify endpoint meets clients that open connections and send
//! nothing, or send half a request and stop. Without a header read timeout
//! hyper waits for them forever, and enough of them exhaust the process's
//! file descriptors, so genuine notifications can no longer connect. (A slow
//! *body* is bounded by `NotifyServiceBuilder::deadline`.) `axum::serve` sets
//! no header read timeout, so the axum example serves its router here.

use std::error::Error;
use std::future::Future;
use std::time::Duration;

use hyper::body::{Body, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

/// How long a client may take to send its request headers (the wait for the
/// first byte of a request included) before its connection is closed.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a request may take once its headers are in: reading the body,
/// verifying, running the handler. Past it, the answer is 503 with
/// resultStatus U (Alipay delivers again) and the connection is closed.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(30);

/// Serves `service` on `listener` until `shutdown` resolves, then lets the
/// open connections finish their current request.
pub async fn serve<S, B>(
    listener: TcpListener,
    service: S,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) where
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn Error + Send + Sync>>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn Error + Send + Sync>>,
{
    // Each connection holds a receiver; on shutdown they finish their current
    // request and close, and `closed()` resolves once all are gone.
    let (stop, stopped) = tokio::sync::watch::channel(());
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, usually: let connections close.
                    eprintln!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let service = service.clone();
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let mut http = hyper::server::conn::http1::Builder::new();
            // hyper's header read timeout needs a timer to take effect.
            http.timer(TokioTimer::new())
                .header_read_timeout(header_read_timeout);
            let connection = http.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            tokio::select! {
                // Errors here are clients' broken or timed-out connections.
                _ = connection.as_mut() => {}
                _ = stopped.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
    drop(stopped);
    let _ = stop.send(());
    stop.closed().await;
}
