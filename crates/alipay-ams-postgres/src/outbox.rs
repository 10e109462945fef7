//! The outbox on PostgreSQL: one row per intent, keyed by (API, key).
//!
//! Every write is one autocommitted statement, so it is durable when it
//! returns: the client sends nothing before the row recording the intent
//! (or counting the send) is committed. A claim is a lease written into the
//! row (`lease_owner`, `lease_until`, the database's clock): `claim_due`
//! picks due rows `FOR UPDATE SKIP LOCKED`, so processes claiming at once
//! skip each other's rows instead of waiting, and a row whose lease another
//! claim committed meanwhile is re-checked and skipped; the lease, not the
//! row lock, keeps the claim after the statement commits, and lapses on its
//! own if its holder dies. [`PgOutbox::record_in`] records an intent inside
//! the app's own transaction instead.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use alipay_ams_client::outbox::{
    Intent, IntentId, IntentRecord, IntentState, Lease, Outbox, Recorded, StoreError, Update,
};
use bytes::Bytes;
use tokio_postgres::types::ToSql;
use tokio_postgres::{GenericClient, Row};

use crate::error::PgError;
use crate::store::Shared;

/// The money-movement outbox on PostgreSQL: intents recorded before they
/// are sent, claimed by one process at a time, finished by
/// `Client::resume` from any replica. Get it from
/// [`PgStore::outbox`](crate::PgStore::outbox); pass it to
/// `Client::send_via` and `Client::resume`. Cheap to clone.
#[derive(Clone)]
pub struct PgOutbox {
    shared: Arc<Shared>,
    sql: Arc<Sql>,
}

/// The outbox's statements for its table.
struct Sql {
    record: String,
    get: String,
    claim: String,
    claim_due: String,
    sending: String,
    update: String,
    unfinished: String,
}

const COLUMNS: &str = "api, intent_key, body, state, sends, inquiries, last_seen, result_code, answer, created_at, updated_at";
const NOT_FINAL: &str = "state IN ('pending', 'accepted')";
const MS: &str = "* interval '1 millisecond'";

impl Sql {
    fn new(t: &str) -> Self {
        let qualified = COLUMNS
            .split(", ")
            .map(|c| format!("o.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        Sql {
            // With a lease, recorded as claimed by it and as sent once (its
            // holder sends next); without, unclaimed and never sent.
            record: format!(
                "INSERT INTO {t} (api, intent_key, body, sends, lease_owner, lease_until)
                 VALUES ($1, $2, $3, $4, $5::text,
                         CASE WHEN $5::text IS NULL THEN NULL ELSE now() + $6::bigint {MS} END)
                 ON CONFLICT (api, intent_key) DO NOTHING
                 RETURNING {COLUMNS}"
            ),
            get: format!("SELECT {COLUMNS} FROM {t} WHERE api = $1 AND intent_key = $2"),
            claim: format!(
                "UPDATE {t} SET lease_owner = $3, lease_until = now() + $4::bigint {MS}
                 WHERE api = $1 AND intent_key = $2 AND {NOT_FINAL}
                   AND (lease_until IS NULL OR lease_until <= now())
                 RETURNING {COLUMNS}"
            ),
            claim_due: format!(
                "WITH due AS (
                     SELECT api, intent_key FROM {t}
                     WHERE {NOT_FINAL} AND next_attempt_at <= now()
                       AND (lease_until IS NULL OR lease_until <= now())
                     ORDER BY next_attempt_at
                     LIMIT $1
                     FOR UPDATE SKIP LOCKED)
                 UPDATE {t} AS o SET lease_owner = $2, lease_until = now() + $3::bigint {MS}
                 FROM due WHERE o.api = due.api AND o.intent_key = due.intent_key
                 RETURNING {qualified}"
            ),
            sending: format!(
                "UPDATE {t} SET sends = sends + 1, updated_at = now()
                 WHERE api = $1 AND intent_key = $2 AND {NOT_FINAL}
                   AND lease_owner = $3 AND lease_until > now()"
            ),
            // A final state whoever learned it; any other only under the
            // lease it was learned under. Releases the lease if ours, and
            // any lease once final.
            update: format!(
                "UPDATE {t} SET
                     state = $3::text,
                     last_seen = $4,
                     result_code = COALESCE($5, result_code),
                     answer = COALESCE($6, answer),
                     inquiries = inquiries + $7,
                     next_attempt_at = now() + $8::bigint {MS},
                     updated_at = now(),
                     finished_at = CASE WHEN $3::text IN ('succeeded', 'failed') THEN now() END,
                     lease_owner = CASE WHEN lease_owner = $9 OR $3::text IN ('succeeded', 'failed')
                                        THEN NULL ELSE lease_owner END,
                     lease_until = CASE WHEN lease_owner = $9 OR $3::text IN ('succeeded', 'failed')
                                        THEN NULL ELSE lease_until END
                 WHERE api = $1 AND intent_key = $2 AND {NOT_FINAL}
                   AND ($3::text IN ('succeeded', 'failed') OR lease_owner = $9)"
            ),
            unfinished: format!("SELECT count(*) FROM {t} WHERE {NOT_FINAL}"),
        }
    }
}

impl PgOutbox {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        let sql = Arc::new(Sql::new(shared.outbox_table.quoted()));
        PgOutbox { shared, sql }
    }

    /// The table's name, as configured.
    pub fn table(&self) -> &str {
        self.shared.outbox_table.plain()
    }

    /// Records `intent` inside the app's own transaction `tx`, unclaimed and
    /// never sent: it commits with the app's writes ("order capturing" and
    /// "capture intent" together), or not at all. After the commit, send it
    /// with `Client::send_via` (the same request: it finds the intent and
    /// sends it), or let `Client::resume` do it; a process that dies between
    /// the commit and the send leaves it to `resume`.
    ///
    /// `tx`: a `tokio_postgres::Transaction` (for a deadpool transaction,
    /// `&*tx`), or a client inside `BEGIN` (the inbox's
    /// [`PgTx`](crate::PgTx): `&**tx`, so that a notification's handler
    /// records the movement it causes in the notification's transaction).
    ///
    /// ```no_run
    /// # async fn run(store: alipay_ams_postgres::PgStore, client: alipay_ams_client::Client, capture: alipay_ams_api::payments::CaptureRequest) -> Result<(), Box<dyn std::error::Error>> {
    /// use alipay_ams_client::outbox::Intent;
    ///
    /// let outbox = store.outbox();
    /// let mut conn = store.pool().get().await?;
    /// let tx = conn.transaction().await?;
    /// tx.execute("UPDATE orders SET state = 'capturing' WHERE payment_id = $1", &[&capture.payment_id]).await?;
    /// outbox.record_in(&*tx, &Intent::of(&capture)?).await?;
    /// tx.commit().await?;
    /// client.send_via(&outbox, &capture).await?; // sends the recorded intent
    /// # Ok(()) }
    /// ```
    pub async fn record_in<C: GenericClient + Sync>(
        &self,
        tx: &C,
        intent: &Intent,
    ) -> Result<Recorded, PgError> {
        let id = intent.id();
        let body: &[u8] = intent.body();
        let none: Option<&str> = None;
        let params: [&(dyn ToSql + Sync); 6] = [&id.api, &id.key, &body, &0_i32, &none, &0_i64];
        if let Some(row) = tx.query_opt(&self.sql.record, &params).await? {
            return Ok(Recorded::New(record_of(&row)?));
        }
        let row = tx.query_one(&self.sql.get, &[&id.api, &id.key]).await?;
        Ok(Recorded::Existing(record_of(&row)?))
    }

    async fn connection(&self) -> Result<deadpool_postgres::Object, PgError> {
        Ok(self.shared.pool.get().await?)
    }

    async fn query_opt(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, PgError> {
        let conn = self.connection().await?;
        let stmt = conn.prepare_cached(sql).await?;
        Ok(conn.query_opt(&stmt, params).await?)
    }

    async fn execute(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, PgError> {
        let conn = self.connection().await?;
        let stmt = conn.prepare_cached(sql).await?;
        Ok(conn.execute(&stmt, params).await?)
    }
}

impl fmt::Debug for PgOutbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgOutbox")
            .field("table", &self.table())
            .finish()
    }
}

/// Milliseconds, for `$n::bigint * interval '1 millisecond'`.
fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

fn count(n: i32) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

fn record_of(row: &Row) -> Result<IntentRecord, PgError> {
    let id = IntentId::new(row.try_get::<_, String>(0)?, row.try_get::<_, String>(1)?);
    let body: Vec<u8> = row.try_get(2)?;
    let state: String = row.try_get(3)?;
    let mut record = IntentRecord::new(id, Bytes::from(body), row.try_get(9)?);
    // The table's CHECK admits only the four states.
    record.state = IntentState::parse(&state).unwrap_or(IntentState::Pending);
    record.sends = count(row.try_get(4)?);
    record.inquiries = count(row.try_get(5)?);
    record.last_seen = row.try_get(6)?;
    record.result_code = row.try_get(7)?;
    record.answer = row.try_get::<_, Option<Vec<u8>>>(8)?.map(Bytes::from);
    record.updated_at = row.try_get(10)?;
    Ok(record)
}

fn store<T>(result: Result<T, PgError>) -> Result<T, StoreError> {
    result.map_err(StoreError::new)
}

impl Outbox for PgOutbox {
    async fn record(&self, intent: &Intent, lease: Option<&Lease>) -> Result<Recorded, StoreError> {
        let id = intent.id();
        let body: &[u8] = intent.body();
        let sends = i32::from(lease.is_some());
        let token = lease.map(Lease::token);
        let ttl = millis(lease.map_or(Duration::ZERO, Lease::ttl));
        let params: [&(dyn ToSql + Sync); 6] = [&id.api, &id.key, &body, &sends, &token, &ttl];
        store(
            async {
                if let Some(row) = self.query_opt(&self.sql.record, &params).await? {
                    return Ok(Recorded::New(record_of(&row)?));
                }
                // The insert met a row: read it (this crate never deletes one).
                let conn = self.connection().await?;
                let stmt = conn.prepare_cached(&self.sql.get).await?;
                let row = conn.query_one(&stmt, &[&id.api, &id.key]).await?;
                Ok(Recorded::Existing(record_of(&row)?))
            }
            .await,
        )
    }

    async fn claim(
        &self,
        id: &IntentId,
        lease: &Lease,
    ) -> Result<Option<IntentRecord>, StoreError> {
        let ttl = millis(lease.ttl());
        let row = self
            .query_opt(&self.sql.claim, &[&id.api, &id.key, &lease.token(), &ttl])
            .await;
        store(row.and_then(|row| row.as_ref().map(record_of).transpose()))
    }

    async fn claim_due(
        &self,
        lease: &Lease,
        limit: usize,
    ) -> Result<Vec<IntentRecord>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let ttl = millis(lease.ttl());
        store(
            async {
                let conn = self.connection().await?;
                let stmt = conn.prepare_cached(&self.sql.claim_due).await?;
                let rows = conn.query(&stmt, &[&limit, &lease.token(), &ttl]).await?;
                rows.iter().map(record_of).collect()
            }
            .await,
        )
    }

    async fn sending(&self, id: &IntentId, lease: &Lease) -> Result<bool, StoreError> {
        let counted = self
            .execute(&self.sql.sending, &[&id.api, &id.key, &lease.token()])
            .await;
        store(counted.map(|n| n == 1))
    }

    async fn update(
        &self,
        id: &IntentId,
        lease: &Lease,
        update: &Update,
    ) -> Result<bool, StoreError> {
        let answer: Option<&[u8]> = update.answer.as_deref();
        let inquiries = i32::try_from(update.inquiries).unwrap_or(i32::MAX);
        let retry_after = millis(update.retry_after);
        let params: [&(dyn ToSql + Sync); 9] = [
            &id.api,
            &id.key,
            &update.state.as_str(),
            &update.note,
            &update.result_code,
            &answer,
            &inquiries,
            &retry_after,
            &lease.token(),
        ];
        store(
            self.execute(&self.sql.update, &params)
                .await
                .map(|n| n == 1),
        )
    }

    async fn get(&self, id: &IntentId) -> Result<Option<IntentRecord>, StoreError> {
        let row = self.query_opt(&self.sql.get, &[&id.api, &id.key]).await;
        store(row.and_then(|row| row.as_ref().map(record_of).transpose()))
    }

    async fn unfinished(&self) -> Result<u64, StoreError> {
        let row = self.query_opt(&self.sql.unfinished, &[]).await;
        store(row.and_then(|row| match row {
            Some(row) => Ok(u64::try_from(row.try_get::<_, i64>(0)?).unwrap_or(0)),
            None => Ok(0),
        }))
    }
}
