//! What the tests share: the database (from `DATABASE_URL`, required), a
//! notify endpoint over a `PgInbox` on a loopback port, and signed
//! deliveries posted to it over HTTP/1.1 (the raw client of
//! `alipay-ams-testkit`).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};

use alipay_ams_core::{PrivateKey, PublicKey};
use alipay_ams_notify::{Inbox, NotifyConfig, NotifyService};
use alipay_ams_postgres::{PgStore, PgStoreBuilder, tokio_postgres};
use alipay_ams_sandbox::{example_keys, signed_notification_body};
use alipay_ams_testkit::{Payload, exchange, request_with};

pub const PATH: &str = "/alipay/notify";

/// `DATABASE_URL`, or a failure that says how to get one: these tests run
/// against a real PostgreSQL and are never skipped.
pub fn database_url() -> String {
    match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "DATABASE_URL is not set: these tests need a real PostgreSQL. Run them with a throwaway cluster:\n\n    \
             scripts/postgres.sh run -- cargo test -p alipay-ams-postgres --all-features\n\n\
             (or scripts/test.sh for the whole workspace)"
        ),
    }
}

/// A table name no other test uses, so tests run in parallel in one database.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A store on its own inbox table (and its own outbox table, `<table>_outbox`).
pub fn builder(table: &str) -> PgStoreBuilder {
    PgStore::builder(&database_url())
        .unwrap()
        .inbox_table(table)
        .outbox_table(format!("{table}_outbox"))
        .max_connections(8)
}

/// A plain client, to look at the tables.
pub async fn client() -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&database_url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

/// A table the handlers write their effects to, as a merchant's would be.
pub async fn effects_table(client: &tokio_postgres::Client) -> String {
    let name = unique("effects");
    client
        .batch_execute(&format!(
            "CREATE TABLE {name} (dedup_key text NOT NULL, replica text NOT NULL)"
        ))
        .await
        .unwrap();
    name
}

pub async fn count(client: &tokio_postgres::Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).await.unwrap().get(0)
}

pub fn config() -> NotifyConfig {
    NotifyConfig::new(
        example_keys::CLIENT_ID,
        PublicKey::parse(example_keys::ALIPAY_PUBLIC_KEY_PEM).unwrap(),
    )
}

/// Serves `service` at [`PATH`] on a loopback port.
pub async fn serve<I: Inbox>(service: NotifyService<I>) -> SocketAddr {
    let app = axum::Router::new().route_service(PATH, service);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

pub fn capture_body(capture_id: &str) -> String {
    format!(
        r#"{{"notifyType":"CAPTURE_RESULT","result":{{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success."}},"captureRequestId":"cr-{capture_id}","paymentId":"p-{capture_id}","captureId":"{capture_id}","captureAmount":{{"currency":"USD","value":"1000"}}}}"#
    )
}

/// One signed delivery, as Alipay sends it.
#[derive(Clone)]
pub struct Delivery {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Delivery {
    pub fn signed(body: impl Into<Vec<u8>>) -> Self {
        let key = PrivateKey::parse(example_keys::ALIPAY_PRIVATE_KEY_PEM).unwrap();
        let request =
            signed_notification_body(&key, example_keys::CLIENT_ID, PATH, body.into()).unwrap();
        Delivery {
            headers: request
                .headers()
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
                .collect(),
            body: request.body().to_vec(),
        }
    }

    pub fn header(&self, name: &str) -> &str {
        &self.headers.iter().find(|(n, _)| n == name).unwrap().1
    }

    /// Posts it; the status and the `resultStatus` answered.
    pub async fn post(&self, addr: SocketAddr) -> (u16, String) {
        let headers: Vec<(&str, &[u8])> = self
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes()))
            .collect();
        let request = request_with("POST", PATH, &headers, Payload::Sized(self.body.clone()));
        let reply = exchange(addr, request).await.into_response();
        (
            reply.status.as_u16(),
            reply.json()["result"]["resultStatus"]
                .as_str()
                .unwrap()
                .to_owned(),
        )
    }
}
