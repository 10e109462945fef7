//! HTTPS gateways: a certificate this client does not trust is never
//! retried, says what to fix and that nothing was sent; trusting the CA
//! (as for a TLS proxy or the sandbox with `--tls`) makes it work.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod support;

use alipay_ams_client::{CertificateProblem, Error, RetryStop, TransportErrorKind};
use support::tls::Certificate;
use support::*;

async fn capture_through(
    certificate: &Certificate,
    trust_ca: bool,
) -> (FakeAlipay, Result<(), Error>) {
    let (server, ca_pem) =
        FakeAlipay::start_tls(certificate, |_, req| Reply::signed(&echo_success(req))).await;
    let mut builder = server.client();
    if trust_ca {
        builder = builder.add_root_certificates_pem(&ca_pem);
    }
    let client = builder.build().unwrap();
    let result = client.execute(&request("capture-tls-1")).await.map(|_| ());
    (server, result)
}

fn certificate_problem(error: &Error) -> CertificateProblem {
    let refused = not_sent(error);
    let transport = refused.reason().transport().unwrap();
    assert!(transport.is_connect() && !transport.is_timeout());
    match transport.kind() {
        TransportErrorKind::Certificate(problem) => problem,
        other => panic!("expected a certificate problem, got {other:?}: {error}"),
    }
}

#[tokio::test]
async fn an_untrusted_ca_is_not_sent_not_retried_and_names_the_fix() {
    let (server, result) = capture_through(&Certificate::loopback(), false).await;
    let error = result.unwrap_err();
    assert_eq!(
        certificate_problem(&error),
        CertificateProblem::UnknownIssuer
    );
    let refused = not_sent(&error);
    assert_eq!(
        refused.attempts(),
        1,
        "a certificate problem is not retried"
    );
    assert_eq!(refused.retry_stop(), RetryStop::Futile);
    assert!(server.requests().is_empty(), "nothing reached the server");
    let text = error.to_string();
    for expected in [
        "nothing reached Alipay",
        "is not trusted",
        &server.addr.to_string(),
        "add_root_certificates_pem",
        "--ca-file",
    ] {
        assert!(text.contains(expected), "{expected:?} missing in {text}");
    }
    assert!(!text.contains("may have been carried out"), "{text}");
}

#[tokio::test]
async fn trusting_the_ca_makes_the_same_gateway_work() {
    let (server, result) = capture_through(&Certificate::loopback(), true).await;
    result.unwrap();
    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].signature_valid);
}

#[tokio::test]
async fn a_certificate_for_another_host_is_not_sent_and_says_so() {
    let other = Certificate {
        names: vec!["gateway.example".into()],
        expired: false,
    };
    let (server, result) = capture_through(&other, true).await;
    let error = result.unwrap_err();
    assert_eq!(
        certificate_problem(&error),
        CertificateProblem::NotValidForHost
    );
    assert_eq!(error.attempts(), 1);
    assert!(server.requests().is_empty());
    assert!(
        error.to_string().contains("check the gateway URL"),
        "{error}"
    );
}

#[tokio::test]
async fn an_expired_certificate_is_not_sent_and_says_so() {
    let expired = Certificate {
        expired: true,
        ..Certificate::loopback()
    };
    let (server, result) = capture_through(&expired, true).await;
    let error = result.unwrap_err();
    assert_eq!(certificate_problem(&error), CertificateProblem::Expired);
    assert_eq!(error.attempts(), 1);
    assert!(server.requests().is_empty());
    assert!(error.to_string().contains("expired"), "{error}");
}

#[tokio::test]
async fn plain_http_against_an_https_port_is_unknown_once_written() {
    let (server, _ca) = FakeAlipay::start_tls(&Certificate::loopback(), |_, req| {
        Reply::signed(&echo_success(req))
    })
    .await;
    // The client speaks http to the TLS port: the server cannot read it.
    let client = server
        .client()
        .gateway(alipay_ams_client::Gateway::custom(format!(
            "http://{}",
            server.addr
        )))
        .build()
        .unwrap();
    let error = client
        .execute(&request("capture-plain-1"))
        .await
        .unwrap_err();
    // The bytes were written to a server that could not read them: that it
    // never processed them cannot be known from here, so it is unknown.
    assert_eq!(
        error.outcome(),
        alipay_ams_client::Outcome::Unknown,
        "{error:?}"
    );
    assert!(server.requests().is_empty());
}
