//! `Client::builder()`: what it refuses, and what the built client shares.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod support;

use std::time::Duration;

use alipay_ams_client::{
    BuildError, Client, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_RESPONSE_TIME_TOLERANCE, Error, Gateway, Outcome, RetryBudget, RetryPolicy,
};
use support::*;

#[test]
fn the_builder_refuses_what_cannot_work() {
    let base = || {
        Client::builder()
            .client_id(CLIENT_ID)
            .private_key(merchant_private())
            .alipay_public_key(alipay_public())
    };

    let error = base()
        .gateway(Gateway::custom("http://203.0.113.7:8080"))
        .build()
        .unwrap_err();
    assert!(matches!(error, BuildError::InsecureHttp(_)), "{error:?}");
    assert!(error.to_string().contains("allow_insecure_http"), "{error}");
    assert!(
        base()
            .gateway(Gateway::custom("http://203.0.113.7:8080"))
            .allow_insecure_http()
            .build()
            .is_ok()
    );
    assert!(
        base()
            .gateway(Gateway::custom("http://localhost:8080"))
            .build()
            .is_ok()
    );
    assert!(base().gateway(Gateway::Europe).build().is_ok());

    let error = base()
        .alipay_public_key(merchant_public())
        .gateway(Gateway::Asia)
        .build()
        .unwrap_err();
    assert!(matches!(error, BuildError::OwnPublicKey), "{error:?}");
    assert!(error.to_string().contains("your own public key"), "{error}");

    let error = Client::builder()
        .client_id(CLIENT_ID)
        .alipay_public_key(alipay_public())
        .gateway(Gateway::Asia)
        .build()
        .unwrap_err();
    assert!(
        matches!(
            error,
            BuildError::Missing {
                what: "private key",
                ..
            }
        ),
        "{error:?}"
    );

    let error = Client::builder()
        .client_id(CLIENT_ID)
        .private_key(merchant_private())
        .gateway(Gateway::Asia)
        .build()
        .unwrap_err();
    assert!(
        matches!(
            error,
            BuildError::Missing {
                what: "Alipay public key",
                ..
            }
        ),
        "{error:?}"
    );

    let error = base().build().unwrap_err();
    assert!(
        matches!(
            error,
            BuildError::Missing {
                what: "gateway",
                ..
            }
        ),
        "{error:?}"
    );

    let error = base()
        .gateway(Gateway::Asia)
        .environment(alipay_ams_client::Environment::Production)
        .build()
        .unwrap_err();
    assert!(
        matches!(error, BuildError::SandboxIdInProduction(_)),
        "{error:?}"
    );

    let error = base()
        .gateway(Gateway::custom("https://gw.example/ams/api"))
        .build()
        .unwrap_err();
    assert!(
        matches!(error, BuildError::InvalidGateway { .. }),
        "{error:?}"
    );

    let error = base()
        .gateway(Gateway::Asia)
        .agent_token("bad token\n")
        .build()
        .unwrap_err();
    assert!(matches!(error, BuildError::InvalidAgentToken), "{error:?}");

    let error = base()
        .client_id("")
        .gateway(Gateway::Asia)
        .build()
        .unwrap_err();
    assert!(matches!(error, BuildError::InvalidClientId(_)), "{error:?}");
}

#[tokio::test]
async fn clones_share_the_configuration() {
    let server = FakeAlipay::always(Reply::signed(&success_body("capture-clone-1"))).await;
    let client = server.client().build().unwrap();
    let clone = client.clone();
    let handle = tokio::spawn(async move {
        clone
            .execute(&request("capture-clone-1"))
            .await
            .map(|r| r.capture_id)
    });
    assert_eq!(
        handle.await.unwrap().unwrap(),
        "20220919194010890100111740275850565"
    );
    assert_eq!(
        client.path_for("/ams/api/v1/payments/capture"),
        "/ams/sandbox/api/v1/payments/capture"
    );
}

#[test]
fn clients_and_errors_can_cross_threads() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Client>();
    assert_send_sync::<Error>();
    assert_send_sync::<BuildError>();
}

#[test]
fn an_error_is_two_words_and_its_outcome_is_a_closed_set() {
    assert!(
        std::mem::size_of::<Error>() <= 16,
        "{}",
        std::mem::size_of::<Error>()
    );
    // No wildcard: a new outcome would not compile here.
    fn decide(outcome: Outcome) -> &'static str {
        match outcome {
            Outcome::Failed => "final",
            Outcome::Unknown => "may have happened",
            Outcome::NotSent => "did not happen",
        }
    }
    assert_eq!(decide(Outcome::NotSent), "did not happen");
}

#[test]
fn timeouts_and_retries_are_set_apart_and_read_back() {
    let client = Client::builder()
        .client_id(CLIENT_ID)
        .private_key(merchant_private())
        .alipay_public_key(alipay_public())
        .gateway(Gateway::Asia)
        .build()
        .unwrap();
    assert_eq!(client.connect_timeout(), DEFAULT_CONNECT_TIMEOUT);
    assert_eq!(client.attempt_timeout(), DEFAULT_ATTEMPT_TIMEOUT);
    // No hidden cap on a whole call.
    assert_eq!(client.call_timeout(), None);
    assert_eq!(client.retry_policy(), RetryPolicy::default());
    assert_eq!(client.retry_budget(), RetryBudget::default());
    assert_eq!(
        client.response_time_tolerance(),
        DEFAULT_RESPONSE_TIME_TOLERANCE
    );

    let client = Client::builder()
        .client_id(CLIENT_ID)
        .private_key(merchant_private())
        .alipay_public_key(alipay_public())
        .gateway(Gateway::Asia)
        .connect_timeout(Duration::from_secs(3))
        .attempt_timeout(Duration::from_secs(60))
        .call_timeout(Duration::from_secs(90))
        .retry_policy(RetryPolicy::none())
        .retry_budget(RetryBudget::unlimited())
        .response_time_tolerance(Duration::from_secs(60))
        .build()
        .unwrap();
    assert_eq!(client.connect_timeout(), Duration::from_secs(3));
    // RetryPolicy::none() leaves the attempt timeout alone.
    assert_eq!(client.attempt_timeout(), Duration::from_secs(60));
    assert_eq!(client.call_timeout(), Some(Duration::from_secs(90)));
    assert_eq!(client.retry_policy().max_attempts(), 1);
    assert!(client.retry_budget().is_unlimited());
    assert_eq!(client.response_time_tolerance(), Duration::from_secs(60));
}

#[test]
fn root_certificates_must_be_pem_certificates() {
    let base = || {
        Client::builder()
            .client_id(CLIENT_ID)
            .private_key(merchant_private())
            .alipay_public_key(alipay_public())
            .gateway(Gateway::Asia)
    };
    let key_pem = std::fs::read(keys_dir().join("merchant/private_key.pem")).unwrap();
    for bad in [&b"not pem"[..], &key_pem[..], b""] {
        let error = base().add_root_certificates_pem(bad).build().unwrap_err();
        assert!(
            matches!(error, BuildError::InvalidRootCertificate),
            "{error:?}"
        );
        assert!(error.to_string().contains("BEGIN CERTIFICATE"), "{error}");
    }
}
