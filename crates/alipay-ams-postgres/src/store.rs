//! The store: a connection pool to the merchant's PostgreSQL, the table
//! names, and the migrations that create the tables.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{ManagerConfig, Pool, RecyclingMethod, Runtime};

use crate::error::PgError;
use crate::inbox::PgInbox;
use crate::outbox::PgOutbox;
use crate::schema::{self, INBOX, OUTBOX, TableName};

/// The inbox table's default name.
pub const DEFAULT_INBOX_TABLE: &str = "alipay_inbox";
/// The outbox table's default name.
pub const DEFAULT_OUTBOX_TABLE: &str = "alipay_outbox";
/// The default name of the table that records which migrations each table
/// has had.
pub const DEFAULT_MIGRATIONS_TABLE: &str = "alipay_ams_migrations";

/// A pool of connections to the merchant's PostgreSQL database and the
/// tables this crate keeps there; [`inbox`](Self::inbox) gives the
/// notification inbox, [`outbox`](Self::outbox) the outbox of money
/// movements. Cheap to clone.
///
/// [`connect`](Self::connect) creates the tables, or upgrades them, when
/// they are not at the version this crate needs (see
/// [`PgStoreBuilder::skip_migrations`] for roles without `CREATE`).
#[derive(Clone)]
pub struct PgStore {
    shared: Arc<Shared>,
}

pub(crate) struct Shared {
    pub(crate) pool: Pool,
    pub(crate) inbox_table: TableName,
    pub(crate) outbox_table: TableName,
    migrations_table: TableName,
}

/// Builds a [`PgStore`]: table names, pool size, timeouts.
#[must_use = "a builder does nothing until connect() is called"]
pub struct PgStoreBuilder {
    config: tokio_postgres::Config,
    inbox_table: String,
    outbox_table: String,
    migrations_table: String,
    max_connections: usize,
    wait_timeout: Duration,
    lock_timeout: Duration,
    idle_in_transaction_timeout: Duration,
    migrate: bool,
}

impl PgStore {
    /// Connects to `database_url` (`postgres://user:password@host:5432/db`,
    /// any URL or key=value string libpq accepts) with the default settings,
    /// and creates or upgrades the tables.
    pub async fn connect(database_url: &str) -> Result<PgStore, PgError> {
        Self::builder(database_url)?.connect().await
    }

    /// Starts building a store for `database_url`.
    pub fn builder(database_url: &str) -> Result<PgStoreBuilder, PgError> {
        let config = tokio_postgres::Config::from_str(database_url).map_err(PgError::Url)?;
        Ok(Self::builder_from_config(config))
    }

    /// Starts building a store from a `tokio_postgres` configuration.
    pub fn builder_from_config(config: tokio_postgres::Config) -> PgStoreBuilder {
        PgStoreBuilder {
            config,
            inbox_table: DEFAULT_INBOX_TABLE.to_owned(),
            outbox_table: DEFAULT_OUTBOX_TABLE.to_owned(),
            migrations_table: DEFAULT_MIGRATIONS_TABLE.to_owned(),
            max_connections: 16,
            wait_timeout: Duration::from_secs(5),
            lock_timeout: Duration::from_secs(5),
            idle_in_transaction_timeout: Duration::from_secs(60),
            migrate: true,
        }
    }

    /// The notification inbox on this store's pool.
    pub fn inbox(&self) -> PgInbox {
        PgInbox::new(Arc::clone(&self.shared))
    }

    /// The outbox of money movements on this store's pool: pass it to the
    /// client's `send_via` and `resume`.
    pub fn outbox(&self) -> PgOutbox {
        PgOutbox::new(Arc::clone(&self.shared))
    }

    /// The connection pool, for the app's own queries.
    pub fn pool(&self) -> &Pool {
        &self.shared.pool
    }

    /// Creates or upgrades the tables; [`connect`](Self::connect) already
    /// did, unless migrations were skipped. Safe to run from every replica
    /// at once.
    pub async fn migrate(&self) -> Result<(), PgError> {
        let mut conn = self.shared.pool.get().await?;
        schema::migrate(
            &mut conn,
            &INBOX,
            &self.shared.inbox_table,
            &self.shared.migrations_table,
        )
        .await?;
        schema::migrate(
            &mut conn,
            &OUTBOX,
            &self.shared.outbox_table,
            &self.shared.migrations_table,
        )
        .await
    }

    /// The SQL the migrations run, for a DBA to apply by hand when the app's
    /// role may not create tables.
    pub fn migration_sql(&self) -> String {
        let inbox = schema::sql(
            &INBOX,
            &self.shared.inbox_table,
            &self.shared.migrations_table,
        );
        let outbox = schema::sql(
            &OUTBOX,
            &self.shared.outbox_table,
            &self.shared.migrations_table,
        );
        format!("{inbox}{outbox}")
    }

    /// The inbox table's name, as configured.
    pub fn inbox_table(&self) -> &str {
        self.shared.inbox_table.plain()
    }

    /// The outbox table's name, as configured.
    pub fn outbox_table(&self) -> &str {
        self.shared.outbox_table.plain()
    }
}

impl fmt::Debug for PgStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self.shared.pool.status();
        f.debug_struct("PgStore")
            .field("inbox_table", &self.shared.inbox_table.plain())
            .field("outbox_table", &self.shared.outbox_table.plain())
            .field("migrations_table", &self.shared.migrations_table.plain())
            .field("max_connections", &status.max_size)
            .field("connections", &status.size)
            .finish()
    }
}

impl PgStoreBuilder {
    /// The inbox table (`alipay_inbox` by default), as `table` or
    /// `schema.table`.
    pub fn inbox_table(mut self, name: impl Into<String>) -> Self {
        self.inbox_table = name.into();
        self
    }

    /// The outbox table (`alipay_outbox` by default), as `table` or
    /// `schema.table`.
    pub fn outbox_table(mut self, name: impl Into<String>) -> Self {
        self.outbox_table = name.into();
        self
    }

    /// The table that records each table's schema version
    /// (`alipay_ams_migrations` by default).
    pub fn migrations_table(mut self, name: impl Into<String>) -> Self {
        self.migrations_table = name.into();
        self
    }

    /// The most connections this process opens (16 by default). Each
    /// notification being processed holds one until it commits; size it to
    /// the concurrent deliveries one replica serves, and keep replicas ×
    /// this under the server's `max_connections`.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// How long a notification waits for a free connection, or for a new one
    /// to open, before it is answered non-`S` (5 s by default).
    pub fn wait_timeout(mut self, limit: Duration) -> Self {
        self.wait_timeout = limit;
        self
    }

    /// How long a delivery waits for another replica that is processing the
    /// same notification (5 s by default): it then finds it processed and is
    /// acknowledged; past the limit it is answered non-`S` and Alipay
    /// delivers again. Also bounds the handler's own lock waits.
    pub fn lock_timeout(mut self, limit: Duration) -> Self {
        self.lock_timeout = limit;
        self
    }

    /// After how long a transaction left open without a statement is ended
    /// by the server (60 s by default): the handler's transaction of a
    /// replica that vanished without closing its connection (its host froze,
    /// the network split) would otherwise hold the notification's row until
    /// TCP gives up.
    pub fn idle_in_transaction_timeout(mut self, limit: Duration) -> Self {
        self.idle_in_transaction_timeout = limit;
        self
    }

    /// Does not create or upgrade the tables on [`connect`](Self::connect):
    /// for roles without `CREATE`, once a DBA applied
    /// [`PgStore::migration_sql`].
    pub fn skip_migrations(mut self) -> Self {
        self.migrate = false;
        self
    }

    /// The store: checks the table names, opens the pool, and (unless
    /// skipped) creates or upgrades the tables, which needs one connection
    /// now: a database that is down fails here, not at the first
    /// notification.
    pub async fn connect(self) -> Result<PgStore, PgError> {
        let inbox_table = TableName::parse(&self.inbox_table)?;
        let outbox_table = TableName::parse(&self.outbox_table)?;
        let migrations_table = TableName::parse(&self.migrations_table)?;
        let mut config = self.config;
        let options = format!(
            "-c lock_timeout={} -c idle_in_transaction_session_timeout={}",
            self.lock_timeout.as_millis(),
            self.idle_in_transaction_timeout.as_millis()
        );
        let options = match config.get_options() {
            Some(given) if !given.trim().is_empty() => format!("{given} {options}"),
            _ => options,
        };
        config.options(options);
        if config.get_application_name().is_none() {
            config.application_name("alipay-ams");
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(self.wait_timeout);
        }
        let manager_config = ManagerConfig {
            // A closed connection (the server restarted) is dropped when it
            // is next taken from the pool; a broken one fails its statement,
            // which answers that notification non-S and drops the connection.
            recycling_method: RecyclingMethod::Fast,
        };
        let manager = crate::tls::manager(config, manager_config)?;
        let pool = Pool::builder(manager)
            .max_size(self.max_connections)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(self.wait_timeout))
            .create_timeout(Some(self.wait_timeout))
            .recycle_timeout(Some(self.wait_timeout))
            .build()
            .map_err(PgError::Pool)?;
        let store = PgStore {
            shared: Arc::new(Shared {
                pool,
                inbox_table,
                outbox_table,
                migrations_table,
            }),
        };
        if self.migrate {
            store.migrate().await?;
        }
        Ok(store)
    }
}

impl fmt::Debug for PgStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the configuration itself: it holds the password.
        f.debug_struct("PgStoreBuilder")
            .field("inbox_table", &self.inbox_table)
            .field("outbox_table", &self.outbox_table)
            .field("migrations_table", &self.migrations_table)
            .field("max_connections", &self.max_connections)
            .field("wait_timeout", &self.wait_timeout)
            .field("lock_timeout", &self.lock_timeout)
            .field(
                "idle_in_transaction_timeout",
                &self.idle_in_transaction_timeout,
            )
            .field("migrate", &self.migrate)
            .finish()
    }
}
