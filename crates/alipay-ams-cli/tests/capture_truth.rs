//! `alipay-ams capture` tells the truth about the outcome: a capture that
//! never left exits 4 and says nothing reached Alipay; a reply that cannot be
//! believed (unsigned, replayed, for another capture) exits 3, never 0 or 1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use common::alipay::*;
use common::{path_arg, scratch};

#[test]
fn a_refused_connection_exits_4_and_says_nothing_reached_alipay() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let r = capture(&url, &["--capture-request-id", "cr-refused-1"]);
    assert_eq!(r.code, 4, "{r:?}");
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(r.stderr.contains("nothing reached Alipay"), "{}", r.stderr);
    assert!(r.stderr.contains("refused the connection"), "{}", r.stderr);
    assert!(
        !r.stderr.contains("may have been carried out"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("--capture-request-id cr-refused-1 is safe"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_untrusted_certificate_exits_4_at_once_and_ca_file_fixes_it() {
    let (alipay, ca_pem) = FakeAlipay::start_tls(Reply::Success);
    let r = capture(&alipay.url(), &["--capture-request-id", "cr-tls-1"]);
    assert_eq!(r.code, 4, "{r:?}");
    assert!(alipay.seen().is_empty(), "nothing reached the server");
    for expected in [
        "nothing reached Alipay",
        "not trusted",
        "--ca-file",
        "NOT SENT after 1 attempt(s)",
    ] {
        assert!(r.stderr.contains(expected), "{expected:?} in {}", r.stderr);
    }

    let dir = scratch("capture-ca-file");
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, &ca_pem).unwrap();
    let r = capture(
        &alipay.url(),
        &[
            "--capture-request-id",
            "cr-tls-1",
            "--ca-file",
            &path_arg(&ca_file),
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(alipay.seen().len(), 1);
    assert!(alipay.seen()[0].signature_valid);

    // A file that is not a certificate, or none at all: nothing is sent.
    let not_pem = dir.join("key.pem");
    std::fs::write(
        &not_pem,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    for file in [path_arg(&not_pem), path_arg(&dir.join("missing.pem"))] {
        let r = capture(&alipay.url(), &["--ca-file", &file]);
        assert_eq!(r.code, 2, "{file}: {r:?}");
        assert!(r.stderr.contains("nothing was sent"), "{}", r.stderr);
    }
    assert_eq!(alipay.seen().len(), 1);
}

#[test]
fn a_replayed_genuine_success_from_an_earlier_capture_exits_3() {
    let alipay = FakeAlipay::start(Reply::ReplayedSuccess);
    let r = capture(&alipay.url(), &["--capture-request-id", "cr-replayed-1"]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(
        r.stdout.is_empty(),
        "never printed as a success: {}",
        r.stdout
    );
    assert!(r.stderr.contains("response-time"), "{}", r.stderr);
    assert!(r.stderr.contains("replayed"), "{}", r.stderr);
    assert!(
        r.stderr.contains("--capture-request-id cr-replayed-1"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_fresh_signed_success_for_another_capture_exits_3_naming_the_field() {
    let alipay = FakeAlipay::start(Reply::ForeignSuccess);
    let r = capture(&alipay.url(), &["--capture-request-id", "cr-mine-1"]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(r.stderr.contains("captureRequestId"), "{}", r.stderr);
    assert!(r.stderr.contains("answers another request"), "{}", r.stderr);
}

#[test]
fn a_recorded_signed_failure_exits_3_not_1() {
    let alipay = FakeAlipay::start(Reply::RecordedFailure);
    let r = capture(&alipay.url(), &["--capture-request-id", "cr-recorded-f-1"]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(r.stderr.contains("response-time"), "{}", r.stderr);
    assert!(
        !r.stderr.contains("new captureRequestId for a new attempt"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_unsigned_failure_exits_3_and_never_advises_a_new_id() {
    let alipay = FakeAlipay::start(Reply::UnsignedFailure);
    let r = capture(&alipay.url(), &["--capture-request-id", "cr-unsigned-f-1"]);
    assert_eq!(r.code, 3, "{r:?}");
    assert_eq!(alipay.seen().len(), 1, "the same refusal would come again");
    assert!(
        r.stderr.contains("CAPTURE_AMOUNT_EXCEED_AUTH_LIMIT"),
        "Alipay's code is shown: {}",
        r.stderr
    );
    assert!(r.stderr.contains("unsigned"), "{}", r.stderr);
    assert!(!r.stderr.contains("use a new"), "{}", r.stderr);
    assert!(
        r.stderr.contains("--capture-request-id cr-unsigned-f-1"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_wrong_key_gets_an_unsigned_invalid_signature_that_names_the_keys_to_check() {
    // The fake answers a request it cannot verify as Alipay does: F
    // INVALID_SIGNATURE, unsigned.
    let alipay = FakeAlipay::start(Reply::Success);
    let stranger = scratch("capture-stranger-key");
    let r = common::run(["keygen", "--out", &path_arg(&stranger)]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = capture_with(
        &alipay.url(),
        &[
            "--private-key",
            &path_arg(&stranger.join("private_key.pem")),
            "--capture-request-id",
            "cr-wrong-key-1",
        ],
    );
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stderr.contains("INVALID_SIGNATURE"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("private key matches the public key uploaded to the Antom Dashboard"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("use a new"), "{}", r.stderr);
}

#[test]
fn a_gateway_that_is_neither_a_region_nor_a_url_exits_2_listing_the_regions() {
    let r = capture("mars", &[]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr
            .contains("asia, north-america, north-america-us, europe"),
        "{}",
        r.stderr
    );
}
