//! A shop you can click through: checkout with Alipay's cashier, locally.
//!
//! ```sh
//! cargo run --example shop            # then open the URL it prints
//! ```
//!
//! The sandbox (a local stand-in for Alipay) runs in this process. The shop
//! (axum) has a product page; its checkout button calls `pay` through the
//! SDK and sends the browser to the payment page that `pay` returned
//! (`normalUrl`, served by the sandbox), where you pay, decline or abandon.
//! The browser comes back to the shop's order page (`paymentRedirectUrl`),
//! which follows the payment as notifyPayment, notifyCapture and
//! notifyRefund arrive, with buttons to capture (cards are only authorized)
//! and to refund. The sandbox's dashboard shows every call and every
//! notification attempt.
//!
//! Environment: `SHOP_LISTEN` (default `127.0.0.1:8080`, `127.0.0.1:0` for
//! any free port). Stops on Ctrl-C. The sandbox uses its built-in TEST-ONLY
//! keys: with real keys, build the client with `Client::builder()` (or
//! `from_env()`) and the notify configuration with `NotifyConfig::new`
//! instead; the shop's code stays the same.

#[path = "shop/mod.rs"]
mod shop;

use std::error::Error;

use alipay_ams::sandbox::{Sandbox, SandboxExt};

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // Alipay, locally: signed replies, the buyer's page, notifications.
    let sandbox = Sandbox::start_with_example_keys().await?;

    let listen = std::env::var("SHOP_LISTEN").unwrap_or_else(|_| "127.0.0.1:8080".to_owned());
    let listener = tokio::net::TcpListener::bind(&listen).await.map_err(|e| {
        format!("SHOP_LISTEN={listen}: {e} (SHOP_LISTEN=127.0.0.1:0 picks a free port)")
    })?;
    let base_url = format!("http://{}", listener.local_addr()?);
    let dashboard_url = format!("{}/sandbox/", sandbox.base_url());

    let app = shop::app(
        // Pointed at the sandbox, with its keys.
        sandbox.client_builder().build()?,
        sandbox.notify_config(),
        shop::ShopConfig {
            base_url: base_url.clone(),
            dashboard_url: Some(dashboard_url.clone()),
        },
    )?;

    println!("shop: open {base_url}/ in a browser");
    println!("shop: the sandbox's dashboard (what Alipay did): {dashboard_url}");
    println!("shop: Ctrl-C to stop");
    // Good enough for a local demo. A public server also needs a header
    // read timeout: see examples/axum_notify.rs.
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    sandbox.shutdown().await;
    Ok(())
}
