//! # civil-petitions (민원 신청)
//!
//! The reference egov-rs service: a small but complete petition desk built only
//! on egov-rs's public APIs, the way an agency would build one. Copy it.
//!
//! - **Citizens** (permission [`petitions::FILE`]) file petitions: a petition
//!   type and a region from common code groups, title and text, the applicant's
//!   resident number (validated as a Korean resident number, stored encrypted
//!   with a blind index, shown masked everywhere), phone and postal code.
//! - **Staff** (permission [`petitions::REVIEW`]) list and open petitions (each
//!   opening is a personal-data access record naming the data subject), move
//!   them through the `PETITION_STATUS` state machine kept as code data, and
//!   download a CSV (a reason is required and recorded).
//! - **Admins** manage codes (`/admin/codes`, `codes:write`), accounts and roles
//!   (`/auth/admin/*`, `auth:admin`) and read the audit trail and its monthly
//!   review report (`/admin/audit/*`, `audit:read`).
//! - Every text in Korean and English (`locales/`), server-rendered pages on
//!   the framework's page kit ([`pages`]: KWCAG 2.2 / KRDS layout, accessible
//!   forms, error pages) and the JSON API under `/api` (OpenAPI at
//!   `/openapi.json`; the `/docs/` viewer in the dev profile only).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod pages;
pub mod petitions;

use std::collections::BTreeSet;

use egov::auth::{NewAccount, Role};
use egov::core::message::FluentResources;
use egov::core::paging::PageRequest;
use egov::prelude::*;

/// The defaults compiled into the binary (`config/default.toml`).
pub const DEFAULT_CONFIG: &str = include_str!("../config/default.toml");

/// This service's own migrations (layer 5: after the framework's).
pub static SERVICE_MIGRATIONS: MigrationSet = MigrationSet::new(
    "civil-petitions",
    5,
    &[
        Migration::portable(
            1,
            "create petitions",
            include_str!("../migrations/0001_petitions.sql"),
        ),
        Migration::portable(
            2,
            "receipt numbers",
            include_str!("../migrations/0002_receipt_numbers.sql"),
        ),
    ],
);

/// Every migration the service needs ([`Db::migrate`] runs them in layer order).
pub static MIGRATIONS: &[&MigrationSet] = egov::web::migrations![&SERVICE_MIGRATIONS];

/// This service's messages, in Korean and English.
pub static MESSAGES: FluentResources = FluentResources {
    component: "civil-petitions",
    files: &[
        ("ko", include_str!("../locales/ko/civil-petitions.ftl")),
        ("en", include_str!("../locales/en/civil-petitions.ftl")),
    ],
};

/// The code groups `PETITION_TYPE`, `REGION` (시도 with some 시군구 children)
/// and `PETITION_STATUS` (with the state machine in each code's attributes:
/// `next` lists the allowed next statuses, `reason_required` whether moving
/// into it needs a reason). Imported at every start; an import of unchanged
/// content changes nothing. Staff change them later through `/admin/codes`.
pub const SEED_CODES: &str = include_str!("../codes/seed.json");

/// The role of citizens: may file petitions.
pub const CITIZEN_ROLE: &str = "CITIZEN";
/// The role of petition staff: may review petitions.
pub const STAFF_ROLE: &str = "PETITION_STAFF";
/// The role of administrators: accounts, codes, the audit trail, and review.
pub const ADMIN_ROLE: &str = "PETITION_ADMIN";

/// The framework's parts, started for this service ([`SERVICE`]), and why
/// they could not start.
pub use egov::web::service::{Service, Services, StartError};

/// Field encryption (resident and phone numbers, bound to the row id) and
/// blind indexing of resident numbers (`[privacy]` keys).
pub use egov::privacy::Privacy;

/// The service: what it adds to the framework.
pub static SERVICE: Service = Service {
    name: "civil-petitions",
    title: "civil-petitions (민원 신청)",
    version: env!("CARGO_PKG_VERSION"),
    default_config: DEFAULT_CONFIG,
    migrations: MIGRATIONS,
    messages: &MESSAGES,
    seed_codes: Some(SEED_CODES),
};

/// Starts the framework's parts ([`Service::start`]: migrations, audit,
/// codes with [`SEED_CODES`], privacy, authentication) as `config` says, and
/// makes sure the service's roles exist.
///
/// # Errors
///
/// The first part that could not start.
pub async fn start(config: &Config, db: Db) -> Result<Services, StartError> {
    let services = SERVICE.start(config, db).await?;
    ensure_roles(&services).await?;
    Ok(services)
}

fn permissions(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

/// Creates the roles [`CITIZEN_ROLE`], [`STAFF_ROLE`] and [`ADMIN_ROLE`] when
/// they are missing. Existing roles are left as admins changed them.
pub async fn ensure_roles(services: &Services) -> Result<(), StartError> {
    let existing: BTreeSet<String> = services
        .auth
        .roles()
        .await?
        .into_iter()
        .map(|r| r.name)
        .collect();
    let system = Actor::system("civil-petitions-setup");
    let wanted = [
        Role {
            name: CITIZEN_ROLE.into(),
            description: "민원인: 민원 신청".into(),
            includes: BTreeSet::new(),
            permissions: permissions(&["petitions:file"]),
        },
        Role {
            name: STAFF_ROLE.into(),
            description: "민원 담당자: 민원 조회, 처리, 내려받기".into(),
            includes: BTreeSet::new(),
            permissions: permissions(&["petitions:review"]),
        },
        Role {
            name: ADMIN_ROLE.into(),
            description: "관리자: 계정, 공통코드, 감사 기록".into(),
            includes: [STAFF_ROLE.to_owned()].into(),
            permissions: permissions(&["auth:admin", "codes:write", "audit:read"]),
        },
    ];
    for role in wanted {
        if !existing.contains(&role.name) {
            services.auth.put_role(&system, role).await?;
        }
    }
    Ok(())
}

/// Whether some active account holds `auth:admin` (directly or through
/// included roles).
pub async fn has_admin(services: &Services) -> Result<bool, StartError> {
    let roles = services.auth.roles().await?;
    let mut admin_roles: BTreeSet<String> = roles
        .iter()
        .filter(|r| r.permissions.contains("auth:admin"))
        .map(|r| r.name.clone())
        .collect();
    loop {
        let before = admin_roles.len();
        for role in &roles {
            if role.includes.iter().any(|i| admin_roles.contains(i)) {
                admin_roles.insert(role.name.clone());
            }
        }
        if admin_roles.len() == before {
            break;
        }
    }
    let mut page = 1;
    loop {
        let accounts = services.auth.accounts(PageRequest::new(page, 100)?).await?;
        if accounts.items.iter().any(|a| {
            a.status == egov::auth::AccountStatus::Active
                && a.roles.iter().any(|r| admin_roles.contains(r))
        }) {
            return Ok(true);
        }
        if accounts.items.len() < 100 {
            return Ok(false);
        }
        page += 1;
    }
}

/// A random password of 24 characters from an unambiguous alphabet (~137 bits).
fn random_password() -> Result<String, StartError> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut password = String::with_capacity(24);
    while password.len() < 24 {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| format!("no randomness: {e}"))?;
        for b in bytes {
            // Rejection sampling: no bias towards the first letters.
            let limit = 256 - 256 % ALPHABET.len();
            if usize::from(b) < limit && password.len() < 24 {
                password.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
            }
        }
    }
    Ok(password)
}

/// On first start — when no active account holds `auth:admin` — creates the
/// account `admin` with [`ADMIN_ROLE`] and a random one-time password, which it
/// returns (the caller prints it once; it is stored only as an Argon2 hash).
/// Returns `None` when an admin exists.
pub async fn ensure_first_admin(services: &Services) -> Result<Option<String>, StartError> {
    if has_admin(services).await? {
        return Ok(None);
    }
    let password = random_password()?;
    let system = Actor::system("civil-petitions-setup");
    match services.auth.account_by_login_id("admin").await {
        // An `admin` account exists but has lost its role: restore both.
        Ok(account) => {
            let mut roles = account.roles.clone();
            roles.insert(ADMIN_ROLE.into());
            services.auth.set_roles(&system, account.id, roles).await?;
            services
                .auth
                .set_status(&system, account.id, egov::auth::AccountStatus::Active)
                .await?;
            services
                .auth
                .reset_password(&system, account.id, &password)
                .await?;
        }
        Err(_) => {
            services
                .auth
                .create_account(
                    &system,
                    NewAccount {
                        login_id: "admin".into(),
                        display_name: "관리자".into(),
                        email: None,
                        password: password.clone(),
                        roles: [ADMIN_ROLE.to_owned()].into(),
                    },
                )
                .await?;
        }
    }
    Ok(Some(password))
}

/// The demo accounts ([`seed_demo_accounts`]): login id, password, role.
pub const DEMO_ACCOUNTS: [(&str, &str, &str); 2] = [
    ("citizen", "blue harbor lantern 2026", CITIZEN_ROLE),
    ("staff", "green meadow compass 2026", STAFF_ROLE),
];

/// Creates the demo accounts of [`DEMO_ACCOUNTS`] that do not exist yet. Only
/// for the dev profile (the binary checks), never in production.
pub async fn seed_demo_accounts(services: &Services) -> Result<(), StartError> {
    let system = Actor::system("civil-petitions-demo");
    for (login_id, password, role) in DEMO_ACCOUNTS {
        if services.auth.account_by_login_id(login_id).await.is_ok() {
            continue;
        }
        services
            .auth
            .create_account(
                &system,
                NewAccount {
                    login_id: login_id.into(),
                    display_name: format!("demo {login_id}"),
                    email: None,
                    password: password.into(),
                    roles: [role.to_owned()].into(),
                },
            )
            .await?;
    }
    Ok(())
}

/// The whole service: `/auth/*` and `/codes/*` (with their admin APIs) from
/// the framework, the petition API under `/api`, the pages on the page kit
/// ([`pages::kit`]: the layout, HTML error pages, the admin console), and the
/// audit admin API under `/admin/audit` (permission `audit:read`). Every
/// request is recorded in the audit trail.
pub fn app(settings: WebSettings, services: &Services) -> App {
    let store = petitions::PetitionStore::new(services);
    services
        .app(settings)
        .login_page("/login")
        .pages(pages::kit(services))
        .router(petitions::routes(store.clone()))
        .router(pages::routes(store, services))
}
