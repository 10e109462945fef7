//! The inbox on PostgreSQL: one row per dedup key, claimed by
//! `INSERT ... ON CONFLICT DO UPDATE` inside the transaction the handler
//! then writes in.
//!
//! Why this locking: the first delivery's `INSERT` creates the row inside
//! its transaction; a concurrent delivery of the same notification, on any
//! replica, runs the same `INSERT`, which finds the uncommitted row under the
//! primary key and waits for that transaction to end (PostgreSQL's
//! speculative insertion), bounded by `lock_timeout`. If the first commits,
//! the second's `ON CONFLICT DO UPDATE` locks the committed row and returns
//! `status = 'processed'`: acknowledged, the handler not run again. If the
//! first rolls back (its handler failed, its process died, the database
//! restarted), the second inserts the row itself and runs the handler. So
//! the row lock held from the claim to the commit is the only
//! synchronization, one statement claims and locks, and no advisory lock or
//! `SKIP LOCKED` queue is needed: waiting (briefly) beats refusing, because
//! the waiter is then acknowledged at once instead of being redelivered
//! minutes later.
//!
//! The claim writes the row as `processed` by this transaction (its
//! `txid_current()` in `processed_by`): that is only true once it commits,
//! and nobody sees it before. It returns whether this transaction claimed
//! it, so a redelivery of a processed notification is told apart in the same
//! statement. Round trips per first delivery: `BEGIN` pipelined with the
//! claim, the handler's own statements, then `SELECT 1` pipelined with
//! `COMMIT`: had the transaction been aborted by a failed statement the
//! handler swallowed, `SELECT 1` fails (PostgreSQL answers `COMMIT` of an
//! aborted transaction with a rollback, not an error), and the notification
//! is not acknowledged. The claim inserts only inside the transaction that
//! `BEGIN` opened (it checks a setting `BEGIN` sets locally), so it can never
//! commit on its own.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use alipay_ams_notify::{Claim, HandlerError, Inbox, InboxError, NotifyMeta, Stored};
use deadpool_postgres::{ClientWrapper, Object};
use futures_util::future::try_join;

use crate::error::PgError;
use crate::store::Shared;

/// The notification inbox on PostgreSQL: exactly-once processing across any
/// number of replicas sharing the database. Get it from
/// [`PgStore::inbox`](crate::PgStore::inbox) and build the notify service
/// with it; handlers routed with `on_tx` receive its [`PgTx`]. Cheap to
/// clone.
#[derive(Clone)]
pub struct PgInbox {
    shared: Arc<Shared>,
    sql: Arc<Sql>,
}

/// The inbox's statements for its table.
struct Sql {
    claim: String,
    fail: String,
    unrouted: String,
}

impl Sql {
    fn new(table: &str) -> Self {
        const COLUMNS: &str = "dedup_key, kind, notify_type, status, client_id, request_time, signature, signed_path, key_version, body";
        const VALUES: &str = "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10";
        Sql {
            // Inserts the row as processed by this transaction, or locks the
            // existing one and takes it over unless it was processed already;
            // true when this transaction is to run the handler. The WHERE
            // inserts nothing outside the transaction BEGIN opened.
            claim: format!(
                "INSERT INTO {table} AS inbox ({COLUMNS}, processed_at, processed_by)
                 SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text,
                        $9::bigint, $10::bytea, now(), txid_current()
                 WHERE current_setting('{IN_TRANSACTION}', true) = 'on'
                 ON CONFLICT (dedup_key) DO UPDATE SET
                     deliveries = inbox.deliveries + 1,
                     last_delivery_at = now(),
                     status = 'processed',
                     processed_at = CASE WHEN inbox.status = 'processed' THEN inbox.processed_at ELSE now() END,
                     processed_by = CASE WHEN inbox.status = 'processed' THEN inbox.processed_by ELSE txid_current() END
                 RETURNING processed_by = txid_current()"
            ),
            fail: format!(
                "INSERT INTO {table} AS inbox ({COLUMNS}, failures, last_error) VALUES ({VALUES}, 1, $11)
                 ON CONFLICT (dedup_key) DO UPDATE
                     SET failures = inbox.failures + 1, last_error = EXCLUDED.last_error,
                         deliveries = inbox.deliveries + 1, last_delivery_at = now()
                     WHERE inbox.status <> 'processed'"
            ),
            unrouted: format!(
                "INSERT INTO {table} AS inbox ({COLUMNS}) VALUES ({VALUES})
                 ON CONFLICT (dedup_key) DO UPDATE
                     SET deliveries = inbox.deliveries + 1, last_delivery_at = now()"
            ),
        }
    }
}

/// Set by [`BEGIN`] for the claim to check that it runs in a transaction.
const IN_TRANSACTION: &str = "alipay_ams.in_transaction";
/// Opens the transaction, in one message.
const BEGIN: &str = "BEGIN; SET LOCAL alipay_ams.in_transaction = 'on'";
/// Fails in an aborted transaction, where `COMMIT` would silently roll back.
const ALIVE: &str = "SELECT 1";

/// The most of a handler's error message kept in `last_error`.
const ERROR_TEXT_LIMIT: usize = 1000;

impl PgInbox {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        let sql = Arc::new(Sql::new(shared.inbox_table.quoted()));
        PgInbox { shared, sql }
    }

    async fn connection(&self) -> Result<Object, PgError> {
        Ok(self.shared.pool.get().await?)
    }

    /// Runs `statement` (one of the inbox's) outside a transaction with the
    /// delivery's columns, `status`, and `extra` parameters.
    async fn record(
        &self,
        statement: &str,
        meta: &NotifyMeta,
        status: &str,
        extra: Option<&str>,
    ) -> Result<u64, PgError> {
        let conn = self.connection().await?;
        let stmt = conn.prepare_cached(statement).await?;
        let row = Row::of(meta, status);
        let count = match extra {
            None => conn.execute(&stmt, &row.params()).await?,
            Some(text) => {
                let mut params = row.params().to_vec();
                params.push(&text);
                conn.execute(&stmt, &params).await?
            }
        };
        Ok(count)
    }
}

impl fmt::Debug for PgInbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgInbox")
            .field("table", &self.shared.inbox_table.plain())
            .finish()
    }
}

/// One delivery's columns, as statement parameters.
struct Row<'a> {
    dedup_key: &'a str,
    kind: &'a str,
    notify_type: Option<&'a str>,
    status: &'a str,
    client_id: &'a str,
    request_time: &'a str,
    signature: &'a str,
    signed_path: &'a str,
    key_version: i64,
    body: &'a [u8],
}

impl<'a> Row<'a> {
    fn of(meta: &'a NotifyMeta, status: &'a str) -> Self {
        Row {
            dedup_key: meta.dedup_key().as_str(),
            kind: meta.kind(),
            notify_type: meta.notify_type(),
            status,
            client_id: meta.client_id(),
            request_time: meta.request_time(),
            signature: meta.verified().signature_header(),
            signed_path: meta.signed_path(),
            key_version: i64::from(meta.key_version()),
            body: meta.raw_body(),
        }
    }

    fn params(&self) -> [&(dyn tokio_postgres::types::ToSql + Sync); 10] {
        [
            &self.dedup_key,
            &self.kind,
            &self.notify_type,
            &self.status,
            &self.client_id,
            &self.request_time,
            &self.signature,
            &self.signed_path,
            &self.key_version,
            &self.body,
        ]
    }
}

/// The transaction a notification is processed in: a pooled connection
/// inside `BEGIN`, where the inbox's row for the notification is locked.
/// Handlers routed with `on_tx` receive `&mut PgTx` and write through it as
/// through a [`tokio_postgres::Client`] (it derefs to one, by way of
/// deadpool's [`ClientWrapper`], whose `prepare_cached` caches statements
/// per connection).
///
/// Do not `COMMIT` or `ROLLBACK` through it: return `Ok` and the inbox
/// commits your writes with the notification's record; return an error and
/// both roll back. A `PgTx` dropped unfinished (the request was cancelled)
/// closes its connection, which makes the server roll back.
pub struct PgTx {
    /// Taken out only by `finish` (which consumes the `PgTx`) and by `Drop`,
    /// so it is always there while anyone can call `deref`.
    conn: Option<Object>,
    /// The notification's key, for Debug.
    dedup_key: String,
}

impl PgTx {
    /// Ends the transaction with `sql` (`COMMIT` or `ROLLBACK`) and returns
    /// the connection to the pool; on failure the connection is closed.
    async fn finish(mut self, sql: &str) -> Result<(), PgError> {
        let Some(conn) = self.conn.take() else {
            return Ok(());
        };
        match conn.batch_execute(sql).await {
            Ok(()) => Ok(()),
            Err(error) => {
                drop(Object::take(conn));
                Err(error.into())
            }
        }
    }
}

impl Deref for PgTx {
    type Target = ClientWrapper;

    fn deref(&self) -> &ClientWrapper {
        match &self.conn {
            Some(conn) => conn,
            // `conn` is only taken by `finish` and `Drop`, which own the PgTx.
            None => unreachable!("a PgTx is used only before it is finished"),
        }
    }
}

impl Drop for PgTx {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            // Unfinished: close the connection rather than return it to the
            // pool inside a transaction. The server rolls back.
            drop(Object::take(conn));
        }
    }
}

impl fmt::Debug for PgTx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgTx")
            .field("dedup_key", &self.dedup_key)
            .field("open", &self.conn.is_some())
            .finish()
    }
}

impl Inbox for PgInbox {
    type Tx = PgTx;

    async fn begin(&self, meta: &NotifyMeta) -> Result<Claim<PgTx>, InboxError> {
        let conn = self.connection().await.map_err(InboxError::new)?;
        let stmt = conn
            .prepare_cached(&self.sql.claim)
            .await
            .map_err(|e| InboxError::new(PgError::from(e)))?;
        // From here the connection is inside a transaction: the guard closes
        // it if this future is dropped (a deadline) before it is finished.
        let tx = PgTx {
            conn: Some(conn),
            dedup_key: meta.dedup_key().as_str().to_owned(),
        };
        let row = Row::of(meta, "processed");
        let claimed = {
            let conn: &ClientWrapper = &tx;
            // Pipelined: the claim is sent right behind BEGIN, in order.
            try_join(
                conn.batch_execute(BEGIN),
                conn.query_one(&stmt, &row.params()),
            )
            .await
        };
        let claimed: bool = match claimed.and_then(|(_, row)| row.try_get(0)) {
            Ok(claimed) => claimed,
            Err(error) => {
                // Lock timeout, or the connection broke: the guard closes it
                // (a server error left it in an aborted transaction).
                drop(tx);
                return Err(InboxError::new(PgError::from(error)));
            }
        };
        if !claimed {
            // Keep the delivery count; nothing else was written.
            tx.finish("COMMIT").await.map_err(InboxError::new)?;
            return Ok(Claim::Done);
        }
        Ok(Claim::Run(tx))
    }

    async fn commit(&self, tx: PgTx, _meta: &NotifyMeta) -> Result<(), InboxError> {
        let marked = {
            let conn: &ClientWrapper = &tx;
            let stmt = conn
                .prepare_cached(ALIVE)
                .await
                .map_err(|e| InboxError::new(PgError::from(e)))?;
            // Pipelined: if the transaction was aborted, SELECT 1 fails, and
            // the COMMIT behind it only rolls back.
            try_join(conn.execute(&stmt, &[]), conn.batch_execute("COMMIT")).await
        };
        match marked {
            Ok(_) => {
                // Committed: the connection goes back to the pool.
                let mut tx = tx;
                drop(tx.conn.take());
                Ok(())
            }
            Err(error) => Err(InboxError::new(PgError::from(error))),
        }
    }

    async fn fail(
        &self,
        tx: PgTx,
        meta: &NotifyMeta,
        error: &HandlerError,
    ) -> Result<(), InboxError> {
        tx.finish("ROLLBACK").await.map_err(InboxError::new)?;
        let mut text = error.to_string();
        if let Some((end, _)) = text.char_indices().nth(ERROR_TEXT_LIMIT) {
            text.truncate(end);
        }
        self.record(&self.sql.fail, meta, "failed", Some(&text))
            .await
            .map_err(InboxError::new)?;
        Ok(())
    }

    async fn store_unrouted(&self, meta: &NotifyMeta) -> Result<Stored, InboxError> {
        self.record(&self.sql.unrouted, meta, "unrouted", None)
            .await
            .map_err(InboxError::new)?;
        Ok(Stored::Kept)
    }
}
