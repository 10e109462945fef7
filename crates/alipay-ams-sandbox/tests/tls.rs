//! HTTPS (`tls` feature): a client trusting the throwaway CA captures; one
//! that does not trust it, or speaks plain http, gets nothing.
#![cfg(feature = "tls")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use std::sync::Arc;

use alipay_ams_api::payments::CaptureRequest;
use alipay_ams_sandbox::Sandbox;
use bytes::Bytes;
use common::*;
use http::Request;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore, crypto::aws_lc_rs};

fn connector(ca_pem: Option<&str>) -> TlsConnector {
    let mut roots = RootCertStore::empty();
    if let Some(pem) = ca_pem {
        roots
            .add(CertificateDer::from_pem_slice(pem.as_bytes()).unwrap())
            .unwrap();
    }
    let config = ClientConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

#[tokio::test]
async fn https_capture_with_the_ca_trusted() {
    let sandbox = Sandbox::with_example_keys()
        .tls(true)
        .start()
        .await
        .unwrap();
    assert!(sandbox.base_url().starts_with("https://127.0.0.1:"));
    let ca = sandbox.tls_ca_certificate_pem().unwrap().to_owned();
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"));
    let payment_id = payment(&sandbox);
    let merchant = Merchant::new(&sandbox);
    let body = serde_json::to_vec(&CaptureRequest::new("tls-1", &payment_id, usd("100"))).unwrap();

    for name in ["127.0.0.1", "localhost"] {
        let tcp = TcpStream::connect(sandbox.addr()).await.unwrap();
        let tls = connector(Some(&ca))
            .connect(ServerName::try_from(name).unwrap(), tcp)
            .await
            .unwrap_or_else(|e| panic!("handshake as {name}: {e}"));
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .unwrap();
        tokio::spawn(conn);
        let mut request = Request::post(SANDBOX_PATH).header("host", sandbox.addr().to_string());
        for (header, value) in merchant.headers(SANDBOX_PATH, &body) {
            request = request.header(header, value);
        }
        let response = sender
            .send_request(request.body(Full::new(Bytes::from(body.clone()))).unwrap())
            .await
            .unwrap();
        let reply = Reply {
            status: response.status(),
            headers: response.headers().clone(),
            body: response.into_body().collect().await.unwrap().to_bytes(),
        };
        assert_eq!(reply.code(), "SUCCESS");
        assert!(reply.verifies(SANDBOX_PATH));
    }
    assert_eq!(sandbox.captures().len(), 1, "the second call was a replay");

    // Not trusting the CA: the handshake fails.
    let tcp = TcpStream::connect(sandbox.addr()).await.unwrap();
    assert!(
        connector(None)
            .connect(ServerName::try_from("127.0.0.1").unwrap(), tcp)
            .await
            .is_err()
    );
    // Plain http to the TLS port gets no HTTP answer.
    assert!(
        send(sandbox.addr(), "GET", "/sandbox/notifications", &[], vec![])
            .await
            .is_err()
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn every_start_makes_a_new_ca() {
    let a = Sandbox::with_example_keys()
        .tls(true)
        .start()
        .await
        .unwrap();
    let b = Sandbox::with_example_keys()
        .tls(true)
        .start()
        .await
        .unwrap();
    assert_ne!(a.tls_ca_certificate_pem(), b.tls_ca_certificate_pem());
    let plain = start().await;
    assert_eq!(plain.tls_ca_certificate_pem(), None);
    for s in [a, b, plain] {
        s.shutdown().await;
    }
}
