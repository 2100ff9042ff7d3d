//! A service's own binary as its operator tool: `egov_cli::service_main`
//! with a command runs it on the service's configuration and migrations
//! (here on a real SQLite file), and without one would serve.

use std::ffi::OsString;
use std::process::ExitCode;

use egov_core::message::FluentResources;
use egov_db::{Migration, MigrationSet};
use egov_web::service::{Service, Services};
use egov_web::{ApiRouter, App, WebSettings};

static MIGRATIONS: MigrationSet = MigrationSet::new(
    "svc",
    5,
    &[Migration::portable(
        1,
        "create rooms",
        "CREATE TABLE rooms (id TEXT PRIMARY KEY);",
    )],
);

static MESSAGES: FluentResources = FluentResources {
    component: "svc",
    files: &[("ko", ""), ("en", "")],
};

static SERVICE: Service = Service {
    name: "svc",
    title: "A service",
    version: "0.1.0",
    default_config: "[auth]\nchange_poll_ms = 200\n",
    migrations: egov_web::migrations![&MIGRATIONS],
    messages: &MESSAGES,
    seed_codes: None,
};

fn app(settings: WebSettings, services: &Services) -> App {
    services.app(settings).router(ApiRouter::new())
}

async fn run(args: &[&str]) -> ExitCode {
    let args = std::iter::once("svc")
        .chain(args.iter().copied())
        .map(OsString::from);
    egov_cli::service_main_from(&SERVICE, app, args).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_run_on_the_services_own_migrations_and_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/svc.db", dir.path().display());

    // `migrate` applies the service's migrations with the framework's.
    assert_eq!(run(&["--db", &url, "migrate"]).await, ExitCode::SUCCESS);
    let db = egov_db::Db::connect_url(&url).await.unwrap();
    let rooms: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rooms")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(rooms, 0, "the service's table exists");

    // `accounts create-admin` makes the first administrator in that database.
    assert_eq!(
        run(&["--db", &url, "accounts", "create-admin", "admin"]).await,
        ExitCode::SUCCESS
    );
    let admins: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM egov_auth_accounts WHERE login_id = 'admin'")
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(admins, 1);
    // Run again, the same login id is refused (exit 2), nothing changes.
    assert_eq!(
        run(&["--db", &url, "accounts", "create-admin", "admin"]).await,
        ExitCode::from(2)
    );

    // `audit verify` sees the trail the commands wrote.
    assert_eq!(
        run(&["--db", &url, "audit", "verify"]).await,
        ExitCode::SUCCESS
    );

    // Help is a success; an unknown command is a usage error.
    assert_eq!(run(&["--help"]).await, ExitCode::SUCCESS);
    assert_eq!(run(&["no-such-command"]).await, ExitCode::from(2));
    db.close().await;
}
