//! `Client::builder()`: what it refuses, and what the built client shares.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod support;

use alipay_ams_client::{BuildError, Client, Error, Gateway};
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
