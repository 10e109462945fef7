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
//! The client is configured by `ClientBuilder::from_env`, which reads the
//! four `ALIPAY_*` variables (and the optional ones it documents).
//!
//! It refuses to send with the repository's example keys to any of Alipay's
//! gateways: those keys are public.
//!
//! Exit status: 0 captured (the verified reply is printed), 1 refused by
//! Alipay (final for this captureRequestId), 3 outcome unknown (resend the
//! same CAPTURE_REQUEST_ID, or wait for notifyCapture), 2 anything else
//! (configuration, or nothing was sent).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // a short example, not library code

use std::process::ExitCode;

use alipay_ams::client::{ClientBuilder, Error, Gateway};
use alipay_ams::core::env;
use alipay_ams::payments::CaptureRequest;
use alipay_ams::sandbox::example_keys;
use alipay_ams::signing::time;
use alipay_ams::{Amount, PublicKey};

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

fn var(name: &str) -> Result<String, String> {
    std::env::var(name)
        .map_err(|_| format!("set {name} (see the table at the top of examples/capture.rs)"))
}

async fn run() -> Result<ExitCode, Box<dyn std::error::Error>> {
    let client = ClientBuilder::from_env()?.build()?;
    // The builder keeps the key to itself; read the same variable again to
    // compare it with the published example key before anything is sent.
    let private_key = env::private_key()?;
    let example_key = PublicKey::parse(example_keys::MERCHANT_PUBLIC_KEY_PEM)?;
    if !matches!(client.gateway(), Gateway::Custom(_)) && private_key.public_key() == &example_key {
        return Err(format!(
            "refusing to call {} with the example keys from keys-example/: they are public. \
             Generate your own with `cargo run -p alipay-ams-cli -- keygen --out my-keys` and upload public_key.b64 in the Antom Dashboard",
            client.gateway().base_url()
        )
        .into());
    }
    let amount = Amount::from_decimal(&var("CAPTURE_CURRENCY")?, &var("CAPTURE_AMOUNT")?)?;
    let capture_request_id = std::env::var("CAPTURE_REQUEST_ID").unwrap_or_else(|_| {
        let id = format!(
            "capture-{}",
            time::epoch_millis(std::time::SystemTime::now())
        );
        eprintln!("captureRequestId {id} (set CAPTURE_REQUEST_ID={id} to retry this same capture)");
        id
    });
    let request = CaptureRequest::new(capture_request_id, var("PAYMENT_ID")?, amount);
    match client.execute_verified(&request).await {
        Ok(captured) => {
            // The reply exactly as Alipay signed it, fields this SDK does not
            // model included.
            let reply: serde_json::Value = serde_json::from_slice(captured.raw_body())?;
            println!("{}", serde_json::to_string_pretty(&reply)?);
            Ok(ExitCode::SUCCESS)
        }
        Err(failed @ Error::Failed(_)) => {
            eprintln!("{failed}");
            Ok(ExitCode::from(1))
        }
        Err(unknown @ Error::Unknown(_)) => {
            eprintln!("{unknown}");
            Ok(ExitCode::from(3))
        }
        Err(not_sent @ Error::NotSent(_)) => Err(not_sent.into()),
    }
}
