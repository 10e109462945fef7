//! The schema on a real PostgreSQL: the inbox's and the outbox's tables,
//! created by connect, once, by replicas that start together; configurable
//! names; the SQL for a DBA; a schema newer than the crate refused. Needs
//! `DATABASE_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests may panic

mod common;

use alipay_ams_postgres::{PgError, PgStore};
use common::*;

#[tokio::test]
async fn replicas_that_start_together_create_the_tables_once() {
    let db = client().await;
    let schema = unique("shop");
    db.batch_execute(&format!("CREATE SCHEMA {schema}"))
        .await
        .unwrap();
    let inbox = format!("{schema}.inbox");
    let outbox = format!("{schema}.outbox");
    let versions = format!("{schema}.versions");
    let starts: Vec<_> = (0..6)
        .map(|_| {
            let builder = builder(&inbox)
                .outbox_table(&outbox)
                .migrations_table(&versions);
            tokio::spawn(builder.connect())
        })
        .collect();
    for start in starts {
        let store = start.await.unwrap().unwrap();
        assert_eq!(store.inbox_table(), inbox);
        assert_eq!(store.outbox_table(), outbox);
    }
    let rows = db
        .query(
            &format!("SELECT table_name, component, version FROM {versions} ORDER BY component"),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].get::<_, String>(0), inbox);
    assert_eq!(rows[0].get::<_, String>(1), "inbox");
    assert_eq!(rows[0].get::<_, i32>(2), 1);
    assert_eq!(rows[1].get::<_, String>(0), outbox);
    assert_eq!(rows[1].get::<_, String>(1), "outbox");
    assert_eq!(rows[1].get::<_, i32>(2), 1);
    // Again, later: nothing to do.
    builder(&inbox)
        .outbox_table(&outbox)
        .migrations_table(&versions)
        .connect()
        .await
        .unwrap();
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = '{schema}'"
            )
        )
        .await,
        3
    );
}

#[tokio::test]
async fn a_dba_applies_the_sql_and_the_app_skips_migrations() {
    let db = client().await;
    let inbox = unique("dba_inbox");
    let versions = unique("dba_versions");
    let store = builder(&inbox)
        .migrations_table(&versions)
        .skip_migrations()
        .connect()
        .await
        .unwrap();
    let tables = format!(
        "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('{inbox}', '{inbox}_outbox')"
    );
    assert_eq!(
        count(&db, &tables).await,
        0,
        "skip_migrations creates nothing"
    );
    db.batch_execute(&store.migration_sql()).await.unwrap();
    assert_eq!(count(&db, &tables).await, 2, "the SQL creates both tables");
    // The store finds the schema at its version and changes nothing.
    store.migrate().await.unwrap();
    assert_eq!(
        count(&db, &format!("SELECT sum(version)::bigint FROM {versions}")).await,
        2
    );
}

#[tokio::test]
async fn a_schema_newer_than_the_crate_is_refused() {
    let db = client().await;
    let inbox = unique("future_inbox");
    let versions = unique("future_versions");
    builder(&inbox)
        .migrations_table(&versions)
        .connect()
        .await
        .unwrap();
    db.execute(&format!("UPDATE {versions} SET version = 99"), &[])
        .await
        .unwrap();
    let err = builder(&inbox)
        .migrations_table(&versions)
        .connect()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            PgError::SchemaTooNew {
                found: 99,
                known: 1,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("upgrade the crate"), "{err}");
}

#[tokio::test]
async fn table_names_that_are_not_plain_identifiers_are_refused() {
    for bad in ["inbox; DROP TABLE x", "a.b.c", "\"quoted\"", ""] {
        let err = PgStore::builder(&database_url())
            .unwrap()
            .inbox_table(bad)
            .connect()
            .await
            .unwrap_err();
        assert!(matches!(err, PgError::TableName { .. }), "{bad}: {err}");
        let err = PgStore::builder(&database_url())
            .unwrap()
            .outbox_table(bad)
            .connect()
            .await
            .unwrap_err();
        assert!(matches!(err, PgError::TableName { .. }), "{bad}: {err}");
    }
}
