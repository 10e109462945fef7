//! The schema on a real PostgreSQL: created by connect, once, by replicas
//! that start together; configurable names; the SQL for a DBA; a schema
//! newer than the crate refused. Needs `DATABASE_URL`.
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
    let versions = format!("{schema}.versions");
    let starts: Vec<_> = (0..6)
        .map(|_| {
            let builder = builder(&inbox).migrations_table(&versions);
            tokio::spawn(builder.connect())
        })
        .collect();
    for start in starts {
        let store = start.await.unwrap().unwrap();
        assert_eq!(store.inbox_table(), inbox);
    }
    let rows = db
        .query(
            &format!("SELECT table_name, component, version FROM {versions}"),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<_, String>(0), inbox);
    assert_eq!(rows[0].get::<_, String>(1), "inbox");
    assert_eq!(rows[0].get::<_, i32>(2), 1);
    // Again, later: nothing to do.
    builder(&inbox)
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
        2
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
    let missing = count(
        &db,
        &format!("SELECT count(*) FROM information_schema.tables WHERE table_name = '{inbox}'"),
    )
    .await;
    assert_eq!(missing, 0, "skip_migrations creates nothing");
    db.batch_execute(&store.migration_sql()).await.unwrap();
    // The store finds the schema at its version and changes nothing.
    store.migrate().await.unwrap();
    assert_eq!(
        count(&db, &format!("SELECT version::bigint FROM {versions}")).await,
        1
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
    }
}
