//! The tables, and the migrations that create and upgrade them.
//!
//! Each table has its own list of migrations: the inbox's and the
//! outbox's. Which version each table is at is kept
//! in the migrations table, one row per table name, so several stores with
//! different table names share one database. Migrations run in one
//! transaction under an advisory lock: replicas that start together apply
//! them once, and the others wait, then find them applied.

use deadpool_postgres::Object;

use crate::error::PgError;

/// The lock that serializes migrations across replicas (an arbitrary
/// constant: "alipay-ams" in ASCII).
const MIGRATION_LOCK: i64 = 0x616c_6970_6179_616d;

/// A validated table name: `table` or `schema.table`, each part a plain
/// identifier, kept quoted for SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableName {
    /// As given (`shop.alipay_inbox`): the key in the migrations table.
    plain: String,
    /// Quoted (`"shop"."alipay_inbox"`).
    quoted: String,
    /// The table's own name, without the schema, for index names.
    bare: String,
}

impl TableName {
    pub(crate) fn parse(name: &str) -> Result<Self, PgError> {
        let refused = || PgError::TableName {
            name: name.to_owned(),
        };
        let parts: Vec<&str> = name.split('.').collect();
        if parts.is_empty() || parts.len() > 2 || !parts.iter().all(|p| is_identifier(p)) {
            return Err(refused());
        }
        let quoted = parts
            .iter()
            .map(|p| format!("\"{p}\""))
            .collect::<Vec<_>>()
            .join(".");
        let bare = parts.last().map(|p| (*p).to_owned()).ok_or_else(refused)?;
        Ok(TableName {
            plain: name.to_owned(),
            quoted,
            bare,
        })
    }

    pub(crate) fn plain(&self) -> &str {
        &self.plain
    }

    pub(crate) fn quoted(&self) -> &str {
        &self.quoted
    }

    /// A quoted name for an object of this table (`"alipay_inbox_pending"`),
    /// created in the table's schema.
    fn derived(&self, suffix: &str) -> String {
        let mut name = format!("{}_{suffix}", self.bare);
        // PostgreSQL truncates identifiers to 63 bytes; names are ASCII.
        name.truncate(63);
        format!("\"{name}\"")
    }
}

/// Letters, digits and `_`, not starting with a digit, 1 to 63 bytes: never
/// needs escaping, and PostgreSQL keeps it as is.
fn is_identifier(part: &str) -> bool {
    let mut chars = part.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    first_ok && part.len() <= 63 && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// One table's migrations, version 1 first.
pub(crate) struct Migrations {
    pub(crate) component: &'static str,
    pub(crate) steps: fn(&TableName) -> Vec<String>,
}

/// The inbox: one row per dedup key.
///
/// - `status`: `processed` (the handler's writes committed with it;
///   `processed_at`, and `processed_by` the id of that transaction),
///   `failed` (the last attempt failed; the next delivery runs the handler
///   again), `unrouted` (no route handled it; stored and acknowledged).
/// - `deliveries`: how many deliveries found it (redeliveries and
///   concurrent duplicates included), `failures`, `last_error`.
/// - The delivery itself, to verify it again: `body` (the exact bytes),
///   `client_id`, `request_time`, `signature`, `signed_path`, `key_version`.
pub(crate) const INBOX: Migrations = Migrations {
    component: "inbox",
    steps: inbox_steps,
};

fn inbox_steps(table: &TableName) -> Vec<String> {
    let t = table.quoted();
    let pending = table.derived("pending");
    vec![format!(
        "CREATE TABLE IF NOT EXISTS {t} (
            dedup_key        text PRIMARY KEY,
            kind             text NOT NULL,
            notify_type      text,
            status           text NOT NULL
                CHECK (status IN ('processed', 'failed', 'unrouted')),
            deliveries       integer NOT NULL DEFAULT 1,
            failures         integer NOT NULL DEFAULT 0,
            last_error       text,
            client_id        text NOT NULL,
            request_time     text NOT NULL,
            signature        text NOT NULL,
            signed_path      text NOT NULL,
            key_version      bigint NOT NULL,
            body             bytea NOT NULL,
            received_at      timestamptz NOT NULL DEFAULT now(),
            last_delivery_at timestamptz NOT NULL DEFAULT now(),
            processed_at     timestamptz,
            processed_by     bigint
        );
        CREATE INDEX IF NOT EXISTS {pending} ON {t} (status, received_at)
            WHERE status <> 'processed';"
    )]
}

/// The outbox: one row per intent, keyed by (API, key).
///
/// - `body`: the request's exact bytes, sent by every send.
/// - `state`: `pending` (outcome unknown), `accepted` (Alipay has it, not
///   final), `succeeded`, `failed`; `finished_at` once final.
/// - `sends` (counted before each send: 0 means it never left),
///   `inquiries`, `last_seen`, `result_code`, `answer` (the API's verified
///   reply).
/// - The claim: `lease_owner` (a token with the replica's name),
///   `lease_until`; `next_attempt_at`: when it is due again.
pub(crate) const OUTBOX: Migrations = Migrations {
    component: "outbox",
    steps: outbox_steps,
};

fn outbox_steps(table: &TableName) -> Vec<String> {
    let t = table.quoted();
    let due = table.derived("due");
    vec![format!(
        "CREATE TABLE IF NOT EXISTS {t} (
            api             text NOT NULL,
            intent_key      text NOT NULL,
            body            bytea NOT NULL,
            state           text NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'accepted', 'succeeded', 'failed')),
            sends           integer NOT NULL DEFAULT 0,
            inquiries       integer NOT NULL DEFAULT 0,
            last_seen       text,
            result_code     text,
            answer          bytea,
            lease_owner     text,
            lease_until     timestamptz,
            next_attempt_at timestamptz NOT NULL DEFAULT now(),
            created_at      timestamptz NOT NULL DEFAULT now(),
            updated_at      timestamptz NOT NULL DEFAULT now(),
            finished_at     timestamptz,
            PRIMARY KEY (api, intent_key)
        );
        CREATE INDEX IF NOT EXISTS {due} ON {t} (next_attempt_at)
            WHERE state IN ('pending', 'accepted');"
    )]
}

/// The DDL of every step of `migrations` for `table`, for a DBA to apply by
/// hand (with the bookkeeping the store would do).
pub(crate) fn sql(migrations: &Migrations, table: &TableName, versions: &TableName) -> String {
    let mut text = format!("{};\n", versions_table(versions));
    for (index, step) in (migrations.steps)(table).iter().enumerate() {
        let version = index + 1;
        text.push_str(&format!(
            "{step}\nINSERT INTO {v} (table_name, component, version) VALUES ('{p}', '{c}', {version})\n    ON CONFLICT (table_name) DO UPDATE SET version = EXCLUDED.version, applied_at = now();\n",
            v = versions.quoted(),
            p = table.plain(),
            c = migrations.component,
        ));
    }
    text
}

fn versions_table(versions: &TableName) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {} (
            table_name text PRIMARY KEY,
            component  text NOT NULL,
            version    integer NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )",
        versions.quoted()
    )
}

/// Brings `table` to the newest version of `migrations`; does nothing when
/// it is there. Safe to run from every replica at once.
pub(crate) async fn migrate(
    conn: &mut Object,
    migrations: &Migrations,
    table: &TableName,
    versions: &TableName,
) -> Result<(), PgError> {
    let steps = (migrations.steps)(table);
    let known = i32::try_from(steps.len()).unwrap_or(i32::MAX);
    let tx = conn.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute(&versions_table(versions)).await?;
    let found: i32 = tx
        .query_opt(
            &format!(
                "SELECT version FROM {} WHERE table_name = $1",
                versions.quoted()
            ),
            &[&table.plain()],
        )
        .await?
        .map(|row| row.try_get(0))
        .transpose()?
        .unwrap_or(0);
    if found > known {
        return Err(PgError::SchemaTooNew {
            table: table.plain().to_owned(),
            found,
            known,
        });
    }
    for (version, step) in (1..)
        .zip(steps.iter())
        .skip(usize::try_from(found).unwrap_or(0))
    {
        let failed = |source| PgError::Migration {
            table: table.plain().to_owned(),
            version,
            source,
        };
        tx.batch_execute(step).await.map_err(failed)?;
        tx.execute(
            &format!(
                "INSERT INTO {} (table_name, component, version) VALUES ($1, $2, $3)
                 ON CONFLICT (table_name) DO UPDATE SET version = EXCLUDED.version, applied_at = now()",
                versions.quoted()
            ),
            &[&table.plain(), &migrations.component, &version],
        )
        .await
        .map_err(failed)?;
        tracing::info!(
            table = table.plain(),
            version,
            "alipay-ams-postgres: migration applied"
        );
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_are_plain_identifiers() {
        let name = TableName::parse("shop.alipay_inbox").unwrap();
        assert_eq!(name.quoted(), "\"shop\".\"alipay_inbox\"");
        assert_eq!(name.derived("pending"), "\"alipay_inbox_pending\"");
        assert_eq!(
            TableName::parse("_x1").unwrap().quoted(),
            "\"_x1\"".to_owned()
        );
        for bad in [
            "",
            "1abc",
            "a.b.c",
            "a;drop table x",
            "a\"b",
            "a b",
            "é",
            ".a",
            &"x".repeat(64),
        ] {
            assert!(TableName::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_sql_for_a_dba_names_the_configured_tables() {
        let table = TableName::parse("shop.inbox").unwrap();
        let versions = TableName::parse("shop.versions").unwrap();
        let text = sql(&INBOX, &table, &versions);
        assert!(text.contains("CREATE TABLE IF NOT EXISTS \"shop\".\"inbox\""));
        assert!(text.contains("INSERT INTO \"shop\".\"versions\""));
        assert!(text.contains("'shop.inbox', 'inbox', 1"));
    }
}
