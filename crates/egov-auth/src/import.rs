//! Importing accounts and roles from eGovFrame.
//!
//! Reads the rows of four common-component tables, as `INSERT` dumps
//! ([`EgovImport::from_sql_dump`]) or CSV files with a header row
//! ([`EgovImport::add_csv`]):
//!
//! | table | columns used | becomes |
//! |---|---|---|
//! | `COMTNEMPLYRINFO` | `EMPLYR_ID`, `USER_NM`, `PASSWORD`, `EMAIL_ADRES`, `LOCK_AT`, `LOCK_CNT`, `EMPLYR_STTUS_CODE`, `ESNTL_ID` | accounts |
//! | `COMTNAUTHORINFO` | `AUTHOR_CODE`, `AUTHOR_NM` | roles (no permissions: eGovFrame's "roles" are URL patterns; grant permissions afterwards) |
//! | `COMTNROLES_HIERARCHY` | `PARNTS_ROLE`, `CHLDRN_ROLE` | role inclusion: the child includes the parent (eGovFrame emits `child > parent`, so `ROLE_ADMIN > ROLE_USER`) |
//! | `COMTNEMPLYRSCRTYESTBS` | `SCRTY_DTRMN_TRGET_ID` (= `ESNTL_ID`), `AUTHOR_CODE` | role assignments |
//!
//! Passwords keep their eGovFrame hash (`Base64(SHA-256(EMPLYR_ID ‖ password))`),
//! stored as `egov-sha256$…` and replaced with Argon2id on the first successful
//! login. `LOCK_AT = 'Y'` imports as `locked`, `LOCK_CNT` as the failure count;
//! `EMPLYR_STTUS_CODE` `P` (승인) as active, anything else (`A` 신청, `D` 삭제)
//! as disabled. Login ids that already exist are skipped and reported. The
//! import runs in one transaction and is one audit event.
//!
//! Statements without a column list are read in the eGovFrame DDL's column
//! order for the three small tables; `COMTNEMPLYRINFO` needs a column list.

use std::collections::{BTreeSet, HashMap};

use egov_audit::{AuditEvent, Detail, Outcome, Target};
use egov_core::actor::Actor;
use egov_core::id::AccountId;
use egov_db::dump::{SqlValue, parse_inserts};
use egov_db::value::timestamp_to_sql;

use crate::password::EGOV_SHA256_PREFIX;
use crate::rbac::{Role, valid_name};
use crate::service::{actions, put_role_in};
use crate::{Auth, Error};

/// One eGovFrame employee account.
#[derive(Clone, PartialEq, Eq)]
pub struct EgovAccount {
    /// `EMPLYR_ID`.
    pub login_id: String,
    /// `USER_NM`.
    pub name: String,
    /// `PASSWORD`: Base64 of SHA-256(id ‖ password).
    pub password_hash: Option<String>,
    /// `EMAIL_ADRES`.
    pub email: Option<String>,
    /// `LOCK_AT = 'Y'`.
    pub locked: bool,
    /// `LOCK_CNT`.
    pub lock_count: i64,
    /// `EMPLYR_STTUS_CODE = 'P'`.
    pub approved: bool,
    /// `ESNTL_ID`.
    pub esntl_id: Option<String>,
}

impl std::fmt::Debug for EgovAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EgovAccount")
            .field("login_id", &self.login_id)
            .field("password_hash", &"***")
            .finish_non_exhaustive()
    }
}

/// What to import; fill it from dumps and CSV files, then [`Auth::import_egov`].
#[derive(Debug, Clone, Default)]
pub struct EgovImport {
    /// Accounts.
    pub accounts: Vec<EgovAccount>,
    /// Authorities: (`AUTHOR_CODE`, `AUTHOR_NM`).
    pub authorities: Vec<(String, String)>,
    /// Hierarchy rows: (`PARNTS_ROLE`, `CHLDRN_ROLE`).
    pub hierarchy: Vec<(String, String)>,
    /// Assignments: (`SCRTY_DTRMN_TRGET_ID`, `AUTHOR_CODE`).
    pub assignments: Vec<(String, String)>,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Accounts created.
    pub accounts: usize,
    /// Login ids skipped because they exist (such an account gets nothing from
    /// the dump, not even role assignments) or have no valid normalized form.
    pub skipped: Vec<String>,
    /// Roles created or replaced.
    pub roles: usize,
    /// Role assignments made.
    pub assignments: usize,
    /// Assignments naming an unknown `ESNTL_ID`.
    pub unmatched_assignments: usize,
}

fn default_columns(table: &str) -> Option<&'static [&'static str]> {
    match table {
        "COMTNAUTHORINFO" => Some(&["AUTHOR_CODE", "AUTHOR_NM", "AUTHOR_DC", "AUTHOR_CREAT_DE"]),
        "COMTNROLES_HIERARCHY" => Some(&["PARNTS_ROLE", "CHLDRN_ROLE"]),
        "COMTNEMPLYRSCRTYESTBS" => Some(&["SCRTY_DTRMN_TRGET_ID", "MBER_TY_CODE", "AUTHOR_CODE"]),
        _ => None,
    }
}

type Record = HashMap<String, Option<String>>;

fn get(record: &Record, column: &str) -> Option<String> {
    record
        .get(column)
        .cloned()
        .flatten()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

impl EgovImport {
    /// Reads the four tables' rows from a MySQL-style `INSERT` dump (other
    /// statements and tables are ignored).
    ///
    /// # Errors
    ///
    /// [`Error::Import`] naming the line of an unreadable statement.
    pub fn from_sql_dump(sql: &str) -> Result<Self, Error> {
        let mut import = Self::default();
        for statement in parse_inserts(sql).map_err(|e| Error::Import(e.to_string()))? {
            let columns: Vec<String> = if statement.columns.is_empty() {
                match default_columns(&statement.table) {
                    Some(cols) => cols.iter().map(|c| (*c).to_owned()).collect(),
                    None if statement.table == "COMTNEMPLYRINFO" => {
                        return Err(Error::Import(format!(
                            "line {}: INSERT INTO COMTNEMPLYRINFO needs a column list",
                            statement.line
                        )));
                    }
                    None => continue,
                }
            } else {
                statement.columns.clone()
            };
            for row in &statement.rows {
                let record: Record = columns
                    .iter()
                    .cloned()
                    .zip(row.values.iter().map(|v| match v {
                        SqlValue::Null => None,
                        other => other.as_text().map(str::to_owned),
                    }))
                    .collect();
                import.add_record(&statement.table, &record);
            }
        }
        Ok(import)
    }

    /// Adds the rows of a CSV export of `table` (first row: column names).
    ///
    /// # Errors
    ///
    /// [`Error::Import`] for unreadable CSV.
    pub fn add_csv(&mut self, table: &str, csv_text: &str) -> Result<(), Error> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(csv_text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| Error::Import(e.to_string()))?
            .iter()
            .map(str::to_ascii_uppercase)
            .collect();
        let table = table.to_ascii_uppercase();
        for row in reader.records() {
            let row = row.map_err(|e| Error::Import(e.to_string()))?;
            let record: Record = headers
                .iter()
                .cloned()
                .zip(row.iter().map(|v| Some(v.to_owned())))
                .collect();
            self.add_record(&table, &record);
        }
        Ok(())
    }

    fn add_record(&mut self, table: &str, r: &Record) {
        match table {
            "COMTNEMPLYRINFO" => {
                if let Some(login_id) = get(r, "EMPLYR_ID") {
                    self.accounts.push(EgovAccount {
                        name: get(r, "USER_NM").unwrap_or_else(|| login_id.clone()),
                        login_id,
                        password_hash: get(r, "PASSWORD"),
                        email: get(r, "EMAIL_ADRES"),
                        locked: get(r, "LOCK_AT").is_some_and(|v| v.eq_ignore_ascii_case("Y")),
                        lock_count: get(r, "LOCK_CNT").and_then(|v| v.parse().ok()).unwrap_or(0),
                        approved: get(r, "EMPLYR_STTUS_CODE").is_none_or(|v| v == "P"),
                        esntl_id: get(r, "ESNTL_ID"),
                    });
                }
            }
            "COMTNAUTHORINFO" => {
                if let Some(code) = get(r, "AUTHOR_CODE") {
                    let name = get(r, "AUTHOR_NM").unwrap_or_default();
                    self.authorities.push((code, name));
                }
            }
            "COMTNROLES_HIERARCHY" => {
                if let (Some(p), Some(c)) = (get(r, "PARNTS_ROLE"), get(r, "CHLDRN_ROLE")) {
                    self.hierarchy.push((p, c));
                }
            }
            "COMTNEMPLYRSCRTYESTBS" => {
                if let (Some(t), Some(a)) = (get(r, "SCRTY_DTRMN_TRGET_ID"), get(r, "AUTHOR_CODE"))
                {
                    self.assignments.push((t, a));
                }
            }
            _ => {}
        }
    }
}

impl Auth {
    /// Imports eGovFrame accounts, authorities, hierarchy and assignments; see
    /// the [module docs](crate::import).
    ///
    /// # Errors
    ///
    /// [`Error::Import`] for an unusable role name; database/audit errors (nothing
    /// is imported then).
    pub async fn import_egov(
        &self,
        actor: &Actor,
        import: &EgovImport,
    ) -> Result<ImportReport, Error> {
        let mut report = ImportReport::default();
        let now = timestamp_to_sql(self.clock_now());
        let mut tx = self.begin_import().await?;
        // Roles first: hierarchy rows may name roles without an authority row.
        let mut roles: HashMap<String, Role> = HashMap::new();
        for existing in self.roles().await? {
            roles.insert(existing.name.clone(), existing);
        }
        let mut touched = BTreeSet::new();
        let mut role = |name: &str, roles: &mut HashMap<String, Role>| -> Result<(), Error> {
            if !valid_name(name) {
                return Err(Error::Import(format!(
                    "unusable role name `{}`",
                    name.escape_debug()
                )));
            }
            roles.entry(name.to_owned()).or_insert_with(|| Role {
                name: name.to_owned(),
                description: String::new(),
                includes: BTreeSet::new(),
                permissions: BTreeSet::new(),
            });
            touched.insert(name.to_owned());
            Ok(())
        };
        for (code, name) in &import.authorities {
            role(code, &mut roles)?;
            if let Some(r) = roles.get_mut(code) {
                r.description.clone_from(name);
            }
        }
        for (parent, child) in &import.hierarchy {
            role(parent, &mut roles)?;
            role(child, &mut roles)?;
            if let Some(r) = roles.get_mut(child) {
                r.includes.insert(parent.clone());
            }
        }
        for name in &touched {
            put_role_in(&mut tx, &roles[name]).await?;
        }
        report.roles = touched.len();

        let mut by_esntl: HashMap<String, AccountId> = HashMap::new();
        for account in &import.accounts {
            // Stored and compared in the one normalized form; an id that has
            // none (controls, look-alike letters of other scripts) is skipped.
            let Some(login_id) = crate::normalize_login_id(&account.login_id) else {
                report.skipped.push(account.login_id.clone());
                continue;
            };
            let exists: Option<(String,)> =
                sqlx::query_as("SELECT id FROM egov_auth_accounts WHERE login_id = $1")
                    .bind(&login_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if exists.is_some() {
                // Another person may hold this login id here: the dump's
                // roles for its ESNTL_ID must not reach the existing account.
                report.skipped.push(account.login_id.clone());
                continue;
            }
            let id = AccountId::new();
            let status = if !account.approved {
                "disabled"
            } else if account.locked {
                "locked"
            } else {
                "active"
            };
            sqlx::query(
                "INSERT INTO egov_auth_accounts (id, login_id, display_name, email, status, password_hash, \
                 failed_count, mfa_enabled, totp_last_step, external_id, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0, $8, $9, $9)",
            )
            .bind(id.to_string())
            .bind(&login_id)
            .bind(&account.name)
            .bind(account.email.as_deref())
            .bind(status)
            .bind(account.password_hash.as_ref().map(|h| {
                // eGovFrame salts with its own login id: keep it when the
                // normalized one differs.
                if login_id == account.login_id {
                    format!("{EGOV_SHA256_PREFIX}{h}")
                } else {
                    format!("{EGOV_SHA256_PREFIX}{h}${}", account.login_id)
                }
            }))
            .bind(account.lock_count)
            .bind(account.esntl_id.as_deref())
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            if let Some(e) = &account.esntl_id {
                by_esntl.insert(e.clone(), id);
            }
            report.accounts += 1;
        }
        for (target, author) in &import.assignments {
            let Some(id) = by_esntl.get(target) else {
                report.unmatched_assignments += 1;
                continue;
            };
            if !valid_name(author) {
                return Err(Error::Import(format!(
                    "unusable role name `{}`",
                    author.escape_debug()
                )));
            }
            sqlx::query(
                "INSERT INTO egov_auth_assignments (account_id, role) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(id.to_string())
            .bind(author)
            .execute(&mut *tx)
            .await?;
            report.assignments += 1;
        }
        let event = AuditEvent::new(actions::ADMIN_CHANGE, actor, Outcome::Success)
            .target(Target::kind("egov_import"))
            .reason_code("egov_import")
            .detail(
                Detail::new()
                    .number(
                        "accounts",
                        i64::try_from(report.accounts).unwrap_or(i64::MAX),
                    )
                    .number(
                        "skipped",
                        i64::try_from(report.skipped.len()).unwrap_or(i64::MAX),
                    )
                    .number("roles", i64::try_from(report.roles).unwrap_or(i64::MAX))
                    .number(
                        "assignments",
                        i64::try_from(report.assignments).unwrap_or(i64::MAX),
                    ),
            );
        self.finish_import(tx, event).await?;
        Ok(report)
    }
}
