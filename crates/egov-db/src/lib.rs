//! # egov-db
//!
//! One database API for every egov-rs crate, on SQLite (the embedded default) and
//! PostgreSQL (production), chosen by URL at run time.
//!
//! ## How crates write queries
//!
//! egov-rs uses sqlx's `Any` driver: a [`Db`] wraps one `AnyPool`, and the same
//! query text runs on both backends. The rules that make this work are few:
//!
//! - placeholders are `$1, $2, …` (SQLite accepts them too);
//! - columns use portable types only: `TEXT`, `BIGINT` (integers and 0/1 flags),
//!   `DOUBLE PRECISION`, and `BLOB`/`BYTEA` (the one that needs per-backend DDL);
//! - ids are stored as their canonical UUID text, timestamps as fixed-width
//!   RFC 3339 UTC text ([`value::timestamp_to_sql`]), which sorts correctly;
//! - where SQL really differs (upserts returning rows, `BYTEA`, advisory locks),
//!   pick per backend with [`Backend::pick`], or ship per-backend migrations.
//!
//! ## Migrations
//!
//! Each crate ships a [`MigrationSet`] (its component name, its layer, and
//! numbered migrations). [`Db::migrate`] applies the sets in layer order, records
//! them in `egov_schema_history`, is a no-op when re-run, and refuses a database
//! whose schema is newer than the program knows.
//!
//! ```
//! use egov_db::{Db, Migration, MigrationSet};
//!
//! static GREETINGS: MigrationSet = MigrationSet::new("greetings", 5, &[Migration::portable(
//!     1,
//!     "create greetings",
//!     "CREATE TABLE greetings (id TEXT PRIMARY KEY, name TEXT NOT NULL)",
//! )]);
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let dir = tempfile::tempdir().unwrap();
//! let db = Db::connect_url(&format!("sqlite://{}/demo.db", dir.path().display())).await.unwrap();
//! db.migrate(&[&GREETINGS]).await.unwrap();
//! sqlx::query("INSERT INTO greetings (id, name) VALUES ($1, $2)")
//!     .bind("g1")
//!     .bind("세종")
//!     .execute(db.pool())
//!     .await
//!     .unwrap();
//! let (name,): (String,) = sqlx::query_as("SELECT name FROM greetings WHERE id = $1")
//!     .bind("g1")
//!     .fetch_one(db.pool())
//!     .await
//!     .unwrap();
//! assert_eq!(name, "세종");
//! // Running the migrations again changes nothing.
//! assert!(db.migrate(&[&GREETINGS]).await.unwrap().applied.is_empty());
//! # });
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod change;
pub mod dump;
mod error;
mod migrate;
mod pool;
pub mod report;
mod settings;
#[cfg(feature = "testing")]
pub mod testing;
pub mod value;

pub use error::DbError;
pub use migrate::{HISTORY_TABLE, Migration, MigrationReport, MigrationSet};
pub use pool::{Backend, Db, SQLITE_CHECKPOINT_INTERVAL};
pub use settings::DatabaseSettings;
/// The sqlx version egov-rs is built on, so applications use the same one.
pub use sqlx;
