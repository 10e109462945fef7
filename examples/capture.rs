//! Capture an authorized payment against a real Alipay gateway (or any
//! gateway URL), configured from the environment:
//!
//! | variable | meaning |
//! |---|---|
//! | `ALIPAY_CLIENT_ID` | your client id (`SANDBOX_...` ids call the sandbox paths) |
//! | `ALIPAY_PRIVATE_KEY` | path of your merchant private key (PEM or bare base64) |
//! | `ALIPAY_PUBLIC_KEY` | path of Alipay's public key from the Dashboard |
//! | `ALIPAY_GATEWAY` | `asia`, `north-america`, `north-america-us`, `europe`, or a base URL |
//! | `PAYMENT_ID` | the authorized payment's `paymentId` |
//! | `CAPTURE_AMOUNT`, `CAPTURE_CURRENCY` | e.g. `10.00` and `USD` (a decimal, converted to minor units) |
//! | `CAPTURE_REQUEST_ID` | optional: reuse it to retry a capture whose outcome was unknown |
//!
//! ```sh
//! ALIPAY_CLIENT_ID=SANDBOX_... ALIPAY_PRIVATE_KEY=my-keys/private_key.pem \
//! ALIPAY_PUBLIC_KEY=alipay_public_key.pem ALIPAY_GATEWAY=north-america \
//! PAYMENT_ID=2026... CAPTURE_AMOUNT=10.00 CAPTURE_CURRENCY=USD \
//! cargo run --example capture
//! ```
//!
//! It refuses to send with the repository's example keys to any of Alipay's
//! gateways: those keys are public.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // a short example, not library code

use std::process::ExitCode;

use alipay_ams::client::{Client, Error, Gateway};
use alipay_ams::{Amount, CaptureRequest, PrivateKey, PublicKey};

const EXAMPLE_MERCHANT_PUBLIC_KEY: &str = include_str!("../keys-example/merchant/public_key.pem");

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn env(name: &str) -> Result<String, String> {
    std::env::var(name)
        .map_err(|_| format!("set {name} (see the table at the top of examples/capture.rs)"))
}

fn gateway(name: &str) -> Gateway {
    match name {
        "asia" => Gateway::Asia,
        "north-america" => Gateway::NorthAmerica,
        "north-america-us" => Gateway::NorthAmericaUs,
        "europe" => Gateway::Europe,
        url => Gateway::custom(url),
    }
}

async fn run() -> Result<ExitCode, Box<dyn std::error::Error>> {
    let private_key = PrivateKey::from_file(env("ALIPAY_PRIVATE_KEY")?)?;
    let alipay_public_key = PublicKey::from_file(env("ALIPAY_PUBLIC_KEY")?)?;
    let gateway = gateway(&env("ALIPAY_GATEWAY")?);
    let example_key = PublicKey::parse(EXAMPLE_MERCHANT_PUBLIC_KEY)?;
    if !matches!(gateway, Gateway::Custom(_)) && private_key.public_key() == &example_key {
        return Err(format!(
            "refusing to call {} with the example keys from keys-example/: they are public. \
             Generate your own with `cargo run -p alipay-ams-cli -- keygen --out my-keys` and upload public_key.b64 in the Antom Dashboard",
            gateway.base_url()
        )
        .into());
    }
    let client = Client::builder()
        .client_id(env("ALIPAY_CLIENT_ID")?)
        .private_key(private_key)
        .alipay_public_key(alipay_public_key)
        .gateway(gateway)
        .build()?;
    let amount = Amount::from_decimal(&env("CAPTURE_CURRENCY")?, &env("CAPTURE_AMOUNT")?)?;
    let capture_request_id = std::env::var("CAPTURE_REQUEST_ID").unwrap_or_else(|_| {
        let id = format!(
            "capture-{}",
            alipay_ams::time::epoch_millis(std::time::SystemTime::now())
        );
        eprintln!("captureRequestId {id} (set CAPTURE_REQUEST_ID={id} to retry this same capture)");
        id
    });
    let request = CaptureRequest::new(capture_request_id, env("PAYMENT_ID")?, amount);
    match client.capture(&request).await {
        Ok(captured) => {
            println!("{}", serde_json::to_string_pretty(&captured)?);
            Ok(ExitCode::SUCCESS)
        }
        Err(failed @ Error::Failed { .. }) => {
            eprintln!("{failed}");
            Ok(ExitCode::from(1))
        }
        Err(unknown @ Error::OutcomeUnknown { .. }) => {
            eprintln!("{unknown}");
            Ok(ExitCode::from(3))
        }
        Err(other) => Err(other.into()),
    }
}
