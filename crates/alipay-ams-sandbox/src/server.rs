//! The HTTP server: accepting connections (plain or TLS) and routing each
//! request to a served API (by `ApiRequest::PATH`, in its production or
//! sandbox form), to the control API under `/sandbox/`, or to a 404.

use std::sync::Arc;
use std::time::Duration;

use alipay_ams_core::protocol::Environment;
use http::{Method, Request, StatusCode};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::gateway::{DropConnection, serve_api};
use crate::reply::{Reply, plain};
use crate::shared::Shared;
use crate::sync::stopped;

#[cfg(feature = "tls")]
pub(crate) type Acceptor = tokio_rustls::TlsAcceptor;
#[cfg(not(feature = "tls"))]
pub(crate) type Acceptor = std::convert::Infallible;

/// Accepts connections until the stop flag is raised, then closes them all.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    acceptor: Option<Acceptor>,
    mut stop: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let shared = Arc::clone(&shared);
                    match &acceptor {
                        None => connections.spawn(serve_connection(stream, shared)),
                        #[cfg(feature = "tls")]
                        Some(acceptor) => connections.spawn({
                            let acceptor = acceptor.clone();
                            async move {
                                match acceptor.accept(stream).await {
                                    Ok(tls) => serve_connection(tls, shared).await,
                                    Err(e) => tracing::info!("TLS handshake failed: {e}"),
                                }
                            }
                        }),
                        #[cfg(not(feature = "tls"))]
                        Some(never) => match *never {},
                    };
                }
                Err(e) => {
                    // Out of file descriptors and the like: wait, don't spin.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            _ = stopped(&mut stop) => break,
        }
    }
    connections.abort_all();
    while connections.join_next().await.is_some() {}
}

async fn serve_connection<I>(io: I, shared: Arc<Shared>)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |request| handle(Arc::clone(&shared), request));
    if let Err(e) = http1::Builder::new()
        .serve_connection(TokioIo::new(io), service)
        .await
    {
        tracing::debug!("connection ended: {e}");
    }
}

/// Answers one HTTP request. The path of an absolute-form target
/// (`POST http://host/ams/...`, as the official Python SDK sends) is its
/// path, as for an origin-form one.
async fn handle(shared: Arc<Shared>, request: Request<Incoming>) -> Result<Reply, DropConnection> {
    let path = request.uri().path().to_owned();
    let method = request.method().clone();
    if let Some((_, production)) = Environment::split_path(&path) {
        return match shared.route(&production) {
            Some(route) if method == Method::POST => {
                serve_api(&shared, route, &path, request).await
            }
            Some(route) => Ok(plain(
                StatusCode::METHOD_NOT_ALLOWED,
                &json!({"error": format!("Alipay APIs take POST only: POST {path} ({})", route.name)}),
            )),
            None => Ok(not_found(&shared, &path)),
        };
    }
    if path == "/sandbox" {
        // The dashboard's address as a person types it.
        let mut reply = crate::pages::message_page(
            StatusCode::PERMANENT_REDIRECT,
            "The dashboard",
            "The dashboard is at /sandbox/.",
        );
        reply.headers_mut().insert(
            http::header::LOCATION,
            http::HeaderValue::from_static("/sandbox/"),
        );
        return Ok(reply);
    }
    if path.starts_with("/sandbox/") {
        return Ok(crate::control::handle(&shared, &method, &path, request).await);
    }
    Ok(not_found(&shared, &path))
}

fn not_found(shared: &Shared, path: &str) -> Reply {
    let served: Vec<String> = shared
        .routes
        .iter()
        .flat_map(|route| {
            [Environment::Production, Environment::Sandbox]
                .map(|env| format!("POST {}", env.path(route.path)))
        })
        .collect();
    plain(
        StatusCode::NOT_FOUND,
        &json!({"error": format!(
            "the sandbox does not serve {path}; it serves {} and the control API under /sandbox/",
            served.join(", ")
        )}),
    )
}
