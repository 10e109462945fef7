//! Signing and verification speed of each backend, keys parsed once, a 2048-bit
//! key and a ~500-byte capture-sized body. Ids: `sign/<backend>`, `verify/<backend>`.
//! Compare with `openssl speed rsa2048` from the same run (see `scripts/perf-report.sh`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

use std::hint::black_box;

use alipay_ams_core::{Backend, Message, PrivateKey, PublicKey};
use criterion::{Criterion, criterion_group, criterion_main};

const PRIVATE: &str = include_str!("../../../keys-example/merchant/private_key.pem");
const PUBLIC: &str = include_str!("../../../keys-example/merchant/public_key.pem");

fn body() -> Vec<u8> {
    let mut body = String::from(
        r#"{"captureRequestId":"capture-2026-11-25-0001","paymentId":"20261125194010890100111740275820195","captureAmount":{"currency":"USD","value":"10000"},"isLastCapture":true,"note":""#,
    );
    while body.len() < 498 {
        body.push('x');
    }
    body.push_str("\"}");
    body.into_bytes()
}

fn signature(c: &mut Criterion) {
    let body = body();
    let message = Message::request(
        "/ams/api/v1/payments/capture",
        "SANDBOX_5X00000000000000",
        "1764091448000",
        &body,
    );
    for &backend in Backend::ALL {
        let private = PrivateKey::parse_with(PRIVATE, backend).expect("example private key");
        let public = PublicKey::parse_with(PUBLIC, backend).expect("example public key");
        let header = message.sign(&private, 1).expect("sign").to_string();
        c.benchmark_group("sign")
            .bench_function(backend.name(), |b| {
                b.iter(|| black_box(message.sign(black_box(&private), 1)))
            });
        c.benchmark_group("verify")
            .bench_function(backend.name(), |b| {
                b.iter(|| black_box(message.verify(black_box(&public), black_box(&header))).is_ok())
            });
    }
}

criterion_group!(benches, signature);
criterion_main!(benches);
