//! Signing and verification speed of each backend, keys parsed once, a 2048-bit
//! key and a ~500-byte capture-sized body. Ids: `sign/<backend>`, `verify/<backend>`.
//! Compare with `openssl speed rsa2048` from the same run (see `scripts/perf-report.sh`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

use std::hint::black_box;

use alipay_ams_core::{Backend, PrivateKey, PublicKey};
use criterion::{Criterion, criterion_group, criterion_main};

mod inputs;

fn signature(c: &mut Criterion) {
    let body = inputs::body();
    let message = inputs::message(&body);
    for &backend in Backend::ALL {
        let private =
            PrivateKey::parse_with(inputs::PRIVATE, backend).expect("example private key");
        let public = PublicKey::parse_with(inputs::PUBLIC, backend).expect("example public key");
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
