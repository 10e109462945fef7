//! Repeats one signature operation a given number of times on the inputs of the
//! `signature` bench, for `valgrind --tool=callgrind`: instruction counts do not
//! move when other processes share the cores, wall-clock figures do. Run it twice
//! (counts 0 and N) and divide the difference by N to get instructions per call:
//!
//! ```text
//! target/release/deps/instructions-* verify aws-lc-rs 1000
//! ```
//!
//! Under plain `cargo bench` (no arguments) it runs each operation once, as a smoke check.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

use std::hint::black_box;

use alipay_ams_core::{Backend, PrivateKey, PublicKey};

mod inputs;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (operation, backend, count) = match args.as_slice() {
        [operation, backend, count] => (
            operation.as_str(),
            Backend::ALL
                .iter()
                .copied()
                .find(|b| b.name() == backend)
                .unwrap_or_else(|| {
                    panic!("unknown backend {backend}; compiled in: {:?}", Backend::ALL)
                }),
            count.parse::<u64>().expect("the count is a number"),
        ),
        // `cargo bench` passes `--bench` (and maybe a filter): smoke-test every pair once.
        _ => {
            for &backend in Backend::ALL {
                for operation in ["sign", "verify"] {
                    run(operation, backend, 1);
                }
            }
            return;
        }
    };
    run(operation, backend, count);
}

fn run(operation: &str, backend: Backend, count: u64) {
    let body = inputs::body();
    let message = inputs::message(&body);
    let private = PrivateKey::parse_with(inputs::PRIVATE, backend).expect("example private key");
    let public = PublicKey::parse_with(inputs::PUBLIC, backend).expect("example public key");
    let header = message.sign(&private, 1).expect("sign").to_string();
    match operation {
        "verify" => {
            for _ in 0..count {
                let verified = message.verify(black_box(&public), black_box(&header));
                assert!(black_box(verified).is_ok());
            }
        }
        "sign" => {
            for _ in 0..count {
                black_box(message.sign(black_box(&private), 1).expect("sign"));
            }
        }
        other => panic!("unknown operation {other}: sign or verify"),
    }
}
