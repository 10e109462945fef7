//! `keyVersion` over a real loopback server: each version is verified with
//! the key configured for it, several at once (a rotation without downtime),
//! an unknown one refused naming the configured ones, a header without one
//! verified with the default key.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use std::sync::Arc;

use alipay_ams_core::{PrivateKey, PublicKey};
use alipay_ams_notify::{NotifyConfig, NotifyError, verify_notification};
use common::*;

/// Alipay's next key, in this test: the merchant key pair of keys-example/.
fn next_private() -> PrivateKey {
    merchant_private_key()
}

fn next_public() -> PublicKey {
    PublicKey::from_file(keys_dir().join("merchant/public_key.pem")).unwrap()
}

fn signed(key: &PrivateKey, version: u32, id: &str) -> Delivery {
    Delivery::signed_as_version(
        key,
        version,
        NOTIFY_PATH,
        CLIENT_ID,
        &now_iso(),
        capture_body(id),
    )
}

/// The same delivery with `keyVersion=..` removed from its header.
fn without_version(delivery: &Delivery) -> Delivery {
    let mut bare = delivery.clone();
    bare.signature = bare
        .signature
        .split(',')
        .filter(|pair| !pair.starts_with("keyVersion="))
        .collect::<Vec<_>>()
        .join(",");
    assert!(!bare.signature.contains("keyVersion"));
    bare
}

#[tokio::test]
async fn each_key_version_is_verified_with_its_own_key() {
    let rotating = config().with_alipay_public_key(2, next_public());
    let recorder = Arc::new(Recorder::default());
    let addr = serve_hyper(capture_service(rotating.clone(), &recorder)).await;

    // During the rotation both versions are accepted, each with its key.
    signed(&alipay_private_key(), 1, "cap-v1")
        .post(addr)
        .await
        .assert_ack();
    signed(&next_private(), 2, "cap-v2")
        .post(addr)
        .await
        .assert_ack();
    let versions: Vec<(String, u32)> = recorder
        .seen()
        .into_iter()
        .map(|s| (s.capture_id, s.key_version))
        .collect();
    assert_eq!(versions, [("cap-v1".into(), 1), ("cap-v2".into(), 2)]);

    // A version names its key: the other key does not verify under it.
    signed(&next_private(), 1, "cap-x")
        .post(addr)
        .await
        .assert_refused(401, "F");
    signed(&alipay_private_key(), 2, "cap-x")
        .post(addr)
        .await
        .assert_refused(401, "F");

    // An unknown version is refused before any RSA, naming what is configured.
    let unknown = signed(&alipay_private_key(), 999, "cap-x");
    assert_eq!(
        unknown.post(addr).await.assert_refused(401, "F"),
        "INVALID_SIGNATURE"
    );
    let err = verify_notification(
        "POST",
        NOTIFY_PATH,
        &unknown.headers_map(),
        &unknown.body,
        &rotating,
    )
    .unwrap_err();
    assert!(
        matches!(&err, NotifyError::UnknownKeyVersion { version, configured } if version == "999" && configured == &[1, 2]),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("999") && message.contains("[1, 2]"),
        "{message}"
    );
    assert!(message.contains("with_alipay_public_key"), "{message}");

    // No keyVersion: the default key (version 1) verifies.
    without_version(&signed(&alipay_private_key(), 1, "cap-bare"))
        .post(addr)
        .await
        .assert_ack();
    without_version(&signed(&next_private(), 2, "cap-x"))
        .post(addr)
        .await
        .assert_refused(401, "F");
    assert!(recorder.seen().iter().all(|s| s.capture_id != "cap-x"));
    assert_eq!(recorder.seen().last().unwrap().key_version, 1);
}

#[tokio::test]
async fn after_the_rotation_the_old_version_is_refused() {
    let rotated: NotifyConfig = config()
        .with_alipay_public_key(2, next_public())
        .without_alipay_public_key(1)
        .with_default_key_version(2);
    let recorder = Arc::new(Recorder::default());
    let addr = serve_axum(
        axum::Router::new().route_service(NOTIFY_PATH, capture_service(rotated.clone(), &recorder)),
    )
    .await;

    signed(&next_private(), 2, "cap-new")
        .post(addr)
        .await
        .assert_ack();
    without_version(&signed(&next_private(), 2, "cap-new-bare"))
        .post(addr)
        .await
        .assert_ack();
    let old = signed(&alipay_private_key(), 1, "cap-old");
    old.post(addr).await.assert_refused(401, "F");
    let err = verify_notification("POST", NOTIFY_PATH, &old.headers_map(), &old.body, &rotated)
        .unwrap_err();
    assert!(
        matches!(&err, NotifyError::UnknownKeyVersion { configured, .. } if configured == &[2]),
        "{err:?}"
    );
    let ids: Vec<String> = recorder.seen().into_iter().map(|s| s.capture_id).collect();
    assert_eq!(ids, ["cap-new", "cap-new-bare"]);
}
