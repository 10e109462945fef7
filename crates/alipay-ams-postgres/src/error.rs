//! What can go wrong, each with what to do about it.

/// Why the store could not be set up, or an inbox operation failed.
///
/// Messages never contain the database password or a notification's body.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PgError {
    /// The database URL could not be read.
    #[error(
        "the database URL is not valid ({0}): use postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=require]"
    )]
    Url(#[source] tokio_postgres::Error),
    /// A table name is not a plain SQL identifier.
    #[error(
        "the table name {name:?} is not accepted: use letters, digits and `_` (not starting with a digit), at most 63 bytes, optionally prefixed by a schema as `schema.table`"
    )]
    TableName {
        /// The name given.
        name: String,
    },
    /// The pool could not be built.
    #[error("the connection pool could not be built: {0}")]
    Pool(#[source] deadpool_postgres::BuildError),
    /// No connection could be had: the database is down or unreachable, or
    /// every pooled connection stayed busy past the wait timeout.
    #[error(
        "no database connection: {0}; check that PostgreSQL is up and reachable at the configured URL, or raise max_connections"
    )]
    Connect(#[source] deadpool_postgres::PoolError),
    /// The database refused a statement or lost the connection.
    #[error("the database failed: {0}")]
    Database(#[source] tokio_postgres::Error),
    /// The schema could not be created or upgraded.
    #[error(
        "the migration of {table} to version {version} failed: {source}; the role needs CREATE on the schema (or apply PgStore::migration_sql by hand and use skip_migrations)"
    )]
    Migration {
        /// The table being migrated.
        table: String,
        /// The version being applied.
        version: i32,
        /// The database's error.
        #[source]
        source: tokio_postgres::Error,
    },
    /// The schema is newer than this version of the crate knows.
    #[error(
        "the table {table} is at schema version {found}, newer than the {known} this version of alipay-ams-postgres knows: upgrade the crate on every replica"
    )]
    SchemaTooNew {
        /// The table.
        table: String,
        /// The version found.
        found: i32,
        /// The newest version known here.
        known: i32,
    },
    /// The system's TLS root certificates could not be loaded.
    #[cfg(feature = "rustls")]
    #[error(
        "no TLS root certificate could be loaded from the system ({0}); install ca-certificates or add the database's CA with PgStoreBuilder::root_certificates_pem"
    )]
    TlsRoots(String),
}

impl From<tokio_postgres::Error> for PgError {
    fn from(error: tokio_postgres::Error) -> Self {
        PgError::Database(error)
    }
}

impl From<deadpool_postgres::PoolError> for PgError {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        PgError::Connect(error)
    }
}
