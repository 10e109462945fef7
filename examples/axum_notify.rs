//! Receive Alipay notifications (notifyCapture and others) in an axum app.
//!
//! ```sh
//! cargo run --example axum_notify
//! ```
//!
//! Environment (defaults point at the test keys in `keys-example/`):
//! - `ALIPAY_CLIENT_ID`: your client id (default `SANDBOX_5X00000000000000`);
//! - `ALIPAY_PUBLIC_KEY`: path of Alipay's public key, PEM or bare base64
//!   (default `keys-example/alipay/public_key.pem`);
//! - `NOTIFY_LISTEN`: address to listen on (default `127.0.0.1:3000`);
//! - `NOTIFY_PATH`: the path of the notify URL given to Alipay (default `/alipay/notify`).
//!
//! Prints one line per verified notification on stdout; runs until Ctrl-C or SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // a short example, not library code

use std::error::Error;
use std::path::PathBuf;

use alipay_ams::notify::{HandlerError, NotifyConfig, NotifyHandler, NotifyMeta, NotifyService};
use alipay_ams::{CaptureNotification, Notification, PublicKey};

/// Prints each verified notification. A real handler would persist it (keyed
/// by `meta.idempotency_key()`, since Alipay may deliver it more than once)
/// before returning `Ok`, which is what acknowledges it.
struct PrintNotifications;

impl NotifyHandler for PrintNotifications {
    async fn capture(&self, n: CaptureNotification, meta: &NotifyMeta) -> Result<(), HandlerError> {
        println!(
            "{} captureRequestId={} paymentId={} amount={} {} result={}/{} request-time={}",
            meta.idempotency_key(),
            n.capture_request_id,
            n.payment_id,
            n.capture_amount.value(),
            n.capture_amount.currency(),
            n.result.result_status,
            n.result.result_code,
            meta.request_time(),
        );
        Ok(())
    }

    async fn other(&self, _n: Notification, meta: &NotifyMeta) -> Result<(), HandlerError> {
        println!(
            "{} (not modelled; acknowledged) request-time={}",
            meta.idempotency_key(),
            meta.request_time()
        );
        Ok(())
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();

    let client_id = env_or("ALIPAY_CLIENT_ID", "SANDBOX_5X00000000000000");
    let key_path = key_path();
    let listen = env_or("NOTIFY_LISTEN", "127.0.0.1:3000");
    let path = env_or("NOTIFY_PATH", "/alipay/notify");

    let alipay_key = PublicKey::from_file(&key_path)
        .map_err(|e| format!("ALIPAY_PUBLIC_KEY={}: {e}", key_path.display()))?;
    let service = NotifyService::new(NotifyConfig::new(client_id, alipay_key), PrintNotifications);
    let app = axum::Router::new().route_service(&path, service);

    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| format!("NOTIFY_LISTEN={listen}: {e}"))?;
    eprintln!(
        "axum_notify: listening on http://{}{path}",
        listener.local_addr()?
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await?;
    eprintln!("axum_notify: stopped");
    Ok(())
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// `ALIPAY_PUBLIC_KEY`, or the sandbox key of this repository wherever the
/// example is run from.
fn key_path() -> PathBuf {
    match std::env::var_os("ALIPAY_PUBLIC_KEY") {
        Some(path) => PathBuf::from(path),
        None => {
            let relative = PathBuf::from("keys-example/alipay/public_key.pem");
            if relative.exists() {
                relative
            } else {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
            }
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
