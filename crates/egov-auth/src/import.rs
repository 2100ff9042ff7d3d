//! Importing members, roles and organizations from eGovFrame.
//!
//! Reads the rows of the common components' member and security tables, from
//! `INSERT` dumps ([`EgovImport::add_statement`], [`EgovImport::from_sql_dump`])
//! or CSV files with a header row ([`EgovImport::add_csv`]):
//!
//! | table | columns used | becomes |
//! |---|---|---|
//! | `COMTNGNRLMBER` (일반회원, `USR01`) | `MBER_ID`, `MBER_NM`, `PASSWORD`, `MBER_EMAIL_ADRES`, `MBER_STTUS`, `GROUP_ID` | accounts |
//! | `COMTNENTRPRSMBER` (기업회원, `USR02`) | `ENTRPRS_MBER_ID`, `CMPNY_NM`, `ENTRPRS_MBER_PASSWORD`, `APPLCNT_EMAIL_ADRES`, `ENTRPRS_MBER_STTUS`, `GROUP_ID` | accounts |
//! | `COMTNEMPLYRINFO` (업무사용자, `USR03`) | `EMPLYR_ID`, `USER_NM`, `PASSWORD`, `EMAIL_ADRES`, `EMPLYR_STTUS_CODE`, `ORGNZT_ID`, `GROUP_ID` | accounts |
//! | all three | `ESNTL_ID`, `LOCK_AT`, `LOCK_CNT` | external id, lock state |
//! | `COMTNORGNZTINFO` | `ORGNZT_ID`, `ORGNZT_NM`, `ORGNZT_DC` | organizations |
//! | `COMTNAUTHORGROUPINFO` | `GROUP_ID`, `GROUP_NM`, `GROUP_DC` | user groups |
//! | `COMTNAUTHORINFO` | `AUTHOR_CODE`, `AUTHOR_NM` | roles (no permissions: eGovFrame's "roles" are URL patterns; grant permissions afterwards) |
//! | `COMTNROLES_HIERARCHY` | `PARNTS_ROLE`, `CHLDRN_ROLE` | role inclusion: the child includes the parent (eGovFrame emits `child > parent`, so `ROLE_ADMIN > ROLE_USER`) |
//! | `COMTNEMPLYRSCRTYESTBS` | `SCRTY_DTRMN_TRGET_ID` (= `ESNTL_ID`), `AUTHOR_CODE` | role assignments, for members of all three types |
//! | `COMTNROLEINFO`, `COMTNAUTHORROLERELATE` | `ROLE_CODE`, `ROLE_PTTRN`; `AUTHOR_CODE`, `ROLE_CODE` | **reported only**: which URL patterns each role was allowed, so the operator can grant the new service's permissions; nothing is granted |
//!
//! Passwords keep their eGovFrame hash (`Base64(SHA-256(member id ‖
//! password))`, the same for all three member types), stored as
//! `egov-sha256$…` and replaced with Argon2id on the first successful login.
//! The member type (`USR01`/`USR02`/`USR03`), `ORGNZT_ID` and `GROUP_ID` are
//! kept on the account, `ESNTL_ID` as its external id. `LOCK_AT = 'Y'` imports
//! as `locked`, `LOCK_CNT` as the failure count; status `P` (승인) as active,
//! anything else (`A` 신청, `D` 삭제) as disabled.
//!
//! # What is skipped, refused, noted
//!
//! The import runs in one transaction and is one audit event; its
//! [`ImportReport`] has a [`TableReport`] per table.
//!
//! - **Refused** (nothing is written, [`ImportReport::is_refused`]): a login
//!   id repeated within one member table, an `ESNTL_ID` shared by two members,
//!   a login id or name out of bounds, a password that is not an eGovFrame hash,
//!   an unusable role name, a member table dumped without a column list.
//! - **Skipped** (the rest is imported): a row without a login id; a login id
//!   that already exists here — **such an account gets nothing from the dump**,
//!   not even its role assignments, since another person may hold that id here;
//!   a login id used by two member types (eGovFrame keeps three namespaces,
//!   egov-rs one: the first row wins); an assignment naming an unknown
//!   `ESNTL_ID`, a skipped account or a role that exists neither in the dump
//!   nor here.
//! - **Noted** (imported with a change): an active member without a password
//!   hash is imported **disabled** (it could not log in anyway; an
//!   administrator sets a password and enables it).
//!
//! Statements without a column list are read in the eGovFrame DDL's column
//! order for the small tables; the member tables need a column list.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use egov_audit::{AuditEvent, Detail, Outcome as AuditOutcome, Target};
use egov_core::actor::Actor;
use egov_core::id::AccountId;
use egov_db::dump::{InsertStatement, SqlValue, parse_inserts};
use egov_db::report::{Outcome, TableReport, table_in};
use egov_db::value::timestamp_to_sql;

use crate::password::EGOV_SHA256_PREFIX;
use crate::rbac::{Role, valid_name};
use crate::service::{actions, put_role_in};
use crate::{Auth, Error};

/// The three kinds of eGovFrame member, each in its own table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MemberType {
    /// 일반회원 (`COMTNGNRLMBER`, `USR01`).
    General,
    /// 기업회원 (`COMTNENTRPRSMBER`, `USR02`).
    Enterprise,
    /// 업무사용자 (`COMTNEMPLYRINFO`, `USR03`).
    Employee,
}

impl MemberType {
    /// All three, in eGovFrame's code order.
    pub const ALL: [MemberType; 3] = [Self::General, Self::Enterprise, Self::Employee];

    /// eGovFrame's `MBER_TY_CODE`, kept on the account.
    pub fn code(self) -> &'static str {
        match self {
            Self::General => "USR01",
            Self::Enterprise => "USR02",
            Self::Employee => "USR03",
        }
    }

    /// The member table.
    pub fn table(self) -> &'static str {
        match self {
            Self::General => "COMTNGNRLMBER",
            Self::Enterprise => "COMTNENTRPRSMBER",
            Self::Employee => "COMTNEMPLYRINFO",
        }
    }

    /// The table's columns: id, name, password, e-mail, status.
    fn columns(self) -> [&'static str; 5] {
        match self {
            Self::General => [
                "MBER_ID",
                "MBER_NM",
                "PASSWORD",
                "MBER_EMAIL_ADRES",
                "MBER_STTUS",
            ],
            Self::Enterprise => [
                "ENTRPRS_MBER_ID",
                "CMPNY_NM",
                "ENTRPRS_MBER_PASSWORD",
                "APPLCNT_EMAIL_ADRES",
                "ENTRPRS_MBER_STTUS",
            ],
            Self::Employee => [
                "EMPLYR_ID",
                "USER_NM",
                "PASSWORD",
                "EMAIL_ADRES",
                "EMPLYR_STTUS_CODE",
            ],
        }
    }

    fn of_table(table: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.table() == table)
    }
}

/// One eGovFrame member of any type.
///
/// Its texts are kept in one allocation (a dump holds hundreds of thousands
/// of members, all in memory until the import writes them): read them with
/// [`EgovAccount::login_id`], [`EgovAccount::name`] and the like.
#[derive(Clone, PartialEq, Eq)]
pub struct EgovAccount {
    /// Which table the member came from.
    pub member_type: MemberType,
    /// `LOCK_AT = 'Y'`.
    pub locked: bool,
    /// Status `P` (승인).
    pub approved: bool,
    /// `LOCK_CNT`.
    pub lock_count: i64,
    /// The row's line in its source.
    pub line: usize,
    /// The [`Text`] fields one after the other.
    text: Box<str>,
    /// Where each [`Text`] field ends in `text` (an absent one is empty).
    ends: [u32; TEXTS],
}

/// The text fields of an [`EgovAccount`], in the order it keeps them.
#[derive(Clone, Copy)]
enum Text {
    LoginId,
    Name,
    PasswordHash,
    Email,
    EsntlId,
    OrganizationId,
    GroupId,
}

const TEXTS: usize = 7;

impl EgovAccount {
    /// `fields` in [`Text`] order; `None` for an absent optional one (the
    /// reading never yields an empty one: a blank cell is absent).
    fn new(
        member_type: MemberType,
        line: usize,
        (locked, approved, lock_count): (bool, bool, i64),
        fields: [Option<&str>; TEXTS],
    ) -> Self {
        let mut text = String::with_capacity(fields.iter().flatten().map(|f| f.len()).sum());
        let ends = fields.map(|field| {
            text.push_str(field.unwrap_or_default());
            u32::try_from(text.len()).unwrap_or(u32::MAX)
        });
        Self {
            member_type,
            locked,
            approved,
            lock_count,
            line,
            text: text.into_boxed_str(),
            ends,
        }
    }

    fn field(&self, which: Text) -> &str {
        let at = which as usize;
        let start = if at == 0 {
            0
        } else {
            self.ends[at - 1] as usize
        };
        self.text
            .get(start..self.ends[at] as usize)
            .unwrap_or_default()
    }

    fn optional(&self, which: Text) -> Option<&str> {
        Some(self.field(which)).filter(|f| !f.is_empty())
    }

    /// The member id, as in the dump.
    pub fn login_id(&self) -> &str {
        self.field(Text::LoginId)
    }

    /// The member's (or, for an enterprise, the company's) name.
    pub fn name(&self) -> &str {
        self.field(Text::Name)
    }

    /// Base64 of SHA-256(id ‖ password).
    pub fn password_hash(&self) -> Option<&str> {
        self.optional(Text::PasswordHash)
    }

    /// E-mail address.
    pub fn email(&self) -> Option<&str> {
        self.optional(Text::Email)
    }

    /// `ESNTL_ID`.
    pub fn esntl_id(&self) -> Option<&str> {
        self.optional(Text::EsntlId)
    }

    /// `ORGNZT_ID`.
    pub fn organization_id(&self) -> Option<&str> {
        self.optional(Text::OrganizationId)
    }

    /// `GROUP_ID`.
    pub fn group_id(&self) -> Option<&str> {
        self.optional(Text::GroupId)
    }
}

impl std::fmt::Debug for EgovAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EgovAccount")
            .field("member_type", &self.member_type)
            .field("login_id", &self.login_id())
            .field("password_hash", &"***")
            .finish_non_exhaustive()
    }
}

/// A row naming something: an authority (`AUTHOR_CODE`, `AUTHOR_NM`), an
/// organization or a user group (id, name, description).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// The id or code.
    pub id: String,
    /// The name.
    pub name: String,
    /// The description.
    pub description: Option<String>,
    /// The row's line in its source.
    pub line: usize,
}

/// A row relating two names: a hierarchy row (`PARNTS_ROLE`, `CHLDRN_ROLE`), an
/// assignment (`SCRTY_DTRMN_TRGET_ID`, `AUTHOR_CODE`), a URL role
/// (`ROLE_CODE`, `ROLE_PTTRN`) or an authority's URL role (`AUTHOR_CODE`,
/// `ROLE_CODE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    /// The first column.
    pub first: String,
    /// The second column.
    pub second: String,
    /// The row's line in its source.
    pub line: usize,
}

/// What to import; fill it from dumps and CSV files, then [`Auth::import_egov`].
#[derive(Debug, Clone, Default)]
pub struct EgovImport {
    /// Members of all three types, in source order.
    pub accounts: Vec<EgovAccount>,
    /// Authorities (`COMTNAUTHORINFO`).
    pub authorities: Vec<Named>,
    /// Hierarchy rows: parent, child.
    pub hierarchy: Vec<Pair>,
    /// Assignments: `ESNTL_ID`, authority.
    pub assignments: Vec<Pair>,
    /// Organizations (`COMTNORGNZTINFO`).
    pub organizations: Vec<Named>,
    /// User groups (`COMTNAUTHORGROUPINFO`).
    pub groups: Vec<Named>,
    /// URL roles (`COMTNROLEINFO`): role code, pattern.
    pub url_roles: Vec<Pair>,
    /// Which authority had which URL role (`COMTNAUTHORROLERELATE`).
    pub url_grants: Vec<Pair>,
    /// Rows read per table, and what reading already skipped or refused.
    pub reading: Vec<TableReport>,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Per source table: rows read, imported, skipped and refused, with reasons.
    pub tables: Vec<TableReport>,
    /// Accounts created.
    pub accounts: usize,
    /// Login ids of members not imported (see the [module docs](self)).
    pub skipped: Vec<String>,
    /// Roles created or given new inclusions.
    pub roles: usize,
    /// Role assignments made.
    pub assignments: usize,
    /// Assignments naming an unknown or skipped `ESNTL_ID`.
    pub unmatched_assignments: usize,
    /// eGovFrame's URL security, for the operator: authority → the URL
    /// patterns its roles allowed. Nothing is granted from it.
    pub url_patterns: BTreeMap<String, Vec<String>>,
    /// Whether the import was written (false for a dry run or a refusal).
    pub applied: bool,
}

impl ImportReport {
    /// Whether a row refused the import (then nothing was written).
    pub fn is_refused(&self) -> bool {
        self.tables.iter().any(TableReport::is_refused)
    }
}

/// The tables this module reads.
pub const TABLES: [&str; 10] = [
    "COMTNGNRLMBER",
    "COMTNENTRPRSMBER",
    "COMTNEMPLYRINFO",
    "COMTNORGNZTINFO",
    "COMTNAUTHORGROUPINFO",
    "COMTNAUTHORINFO",
    "COMTNROLES_HIERARCHY",
    "COMTNEMPLYRSCRTYESTBS",
    "COMTNROLEINFO",
    "COMTNAUTHORROLERELATE",
];

fn default_columns(table: &str) -> Option<&'static [&'static str]> {
    match table {
        "COMTNAUTHORINFO" => Some(&["AUTHOR_CODE", "AUTHOR_NM", "AUTHOR_DC", "AUTHOR_CREAT_DE"]),
        "COMTNROLES_HIERARCHY" => Some(&["PARNTS_ROLE", "CHLDRN_ROLE"]),
        "COMTNEMPLYRSCRTYESTBS" => Some(&["SCRTY_DTRMN_TRGET_ID", "MBER_TY_CODE", "AUTHOR_CODE"]),
        "COMTNORGNZTINFO" => Some(&["ORGNZT_ID", "ORGNZT_NM", "ORGNZT_DC"]),
        "COMTNAUTHORGROUPINFO" => Some(&["GROUP_ID", "GROUP_NM", "GROUP_CREAT_DE", "GROUP_DC"]),
        "COMTNROLEINFO" => Some(&[
            "ROLE_CODE",
            "ROLE_NM",
            "ROLE_PTTRN",
            "ROLE_DC",
            "ROLE_TY",
            "ROLE_SORT",
            "ROLE_CREAT_DE",
        ]),
        "COMTNAUTHORROLERELATE" => Some(&["AUTHOR_CODE", "ROLE_CODE", "CREAT_DT"]),
        _ => None,
    }
}

/// One row: its columns and values, borrowed from the statement or CSV
/// record (`None`: NULL, or a call such as `SYSDATE()`).
type Record<'a> = [(&'a str, Option<&'a str>)];

/// A column's value as stored, `None` when NULL or blank; a column named
/// twice is read from its last place.
fn cell<'a>(record: &Record<'a>, column: &str) -> Option<&'a str> {
    record
        .iter()
        .rev()
        .find(|(c, _)| *c == column)
        .and_then(|(_, v)| *v)
        .filter(|v| !v.trim().is_empty())
}

/// A column's value, surrounding spaces removed (ids and flags; eGovFrame's
/// `CHAR` columns pad them), `None` when NULL or blank.
fn get(record: &Record<'_>, column: &str) -> Option<String> {
    cell(record, column).map(|v| v.trim().to_owned())
}

/// A column's value exactly as stored (names, descriptions, patterns), `None`
/// when NULL or blank.
fn exact(record: &Record<'_>, column: &str) -> Option<String> {
    cell(record, column).map(str::to_owned)
}

impl EgovImport {
    /// Reads the tables' rows from a MySQL-style `INSERT` dump held in memory
    /// (other statements are ignored; rows of other tables are not read).
    ///
    /// # Errors
    ///
    /// [`Error::Import`] naming the line of an unreadable statement.
    pub fn from_sql_dump(sql: &str) -> Result<Self, Error> {
        let mut import = Self::default();
        for statement in parse_inserts(sql).map_err(|e| Error::Import(e.to_string()))? {
            import.add_statement(&statement);
        }
        Ok(import)
    }

    /// Adds the rows of one `INSERT` statement; `false` when its table is not
    /// one of [`TABLES`] (nothing is read then).
    pub fn add_statement(&mut self, statement: &InsertStatement) -> bool {
        let table = statement.table.as_str();
        if !TABLES.contains(&table) {
            return false;
        }
        let columns: Vec<String> = if statement.columns.is_empty() {
            match default_columns(table) {
                Some(columns) => columns.iter().map(|c| (*c).to_owned()).collect(),
                None => {
                    let report = table_in(&mut self.reading, table);
                    report.read += statement.rows.len();
                    report.note(
                        Outcome::Refused,
                        statement.line,
                        "",
                        format!("INSERT INTO {table} needs a column list"),
                    );
                    return true;
                }
            }
        } else {
            statement.columns.clone()
        };
        let mut record = Vec::with_capacity(columns.len());
        for row in &statement.rows {
            record.clear();
            record.extend(
                columns
                    .iter()
                    .map(String::as_str)
                    .zip(row.values.iter().map(|v| match v {
                        SqlValue::Null => None,
                        other => other.as_text(),
                    })),
            );
            self.add_record(table, row.line, &record);
        }
        true
    }

    /// Adds the rows of a CSV export of `table` (first row: column names;
    /// an empty field is NULL).
    ///
    /// # Errors
    ///
    /// [`Error::Import`] for unreadable CSV, naming the line.
    pub fn add_csv(&mut self, table: &str, csv_text: &str) -> Result<(), Error> {
        let csv_text = csv_text.strip_prefix('\u{feff}').unwrap_or(csv_text);
        let mut reader = csv::ReaderBuilder::new().from_reader(csv_text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| Error::Import(e.to_string()))?
            .iter()
            .map(|h| h.trim().to_ascii_uppercase())
            .collect();
        let table = table.to_ascii_uppercase();
        for row in reader.records() {
            let row = row.map_err(|e| Error::Import(e.to_string()))?;
            let line = row
                .position()
                .map_or(0, |p| usize::try_from(p.line()).unwrap_or(0));
            let record: Vec<(&str, Option<&str>)> = headers
                .iter()
                .map(String::as_str)
                .zip(row.iter().map(|v| (!v.is_empty()).then_some(v)))
                .collect();
            self.add_record(&table, line, &record);
        }
        Ok(())
    }

    fn add_record(&mut self, table: &str, line: usize, r: &Record<'_>) {
        let report = table_in(&mut self.reading, table);
        report.read += 1;
        let pair = |a: &str, b: &str| {
            Some(Pair {
                first: get(r, a)?,
                second: get(r, b)?,
                line,
            })
        };
        let named = |id: &str, name: &str, description: &str| {
            get(r, id).map(|id| Named {
                name: exact(r, name).unwrap_or_else(|| id.clone()),
                id,
                description: exact(r, description),
                line,
            })
        };
        let missing = |report: &mut TableReport, what: &str| {
            report.note(
                Outcome::Skipped,
                line,
                "",
                format!("{what} is NULL or blank"),
            );
        };
        if let Some(member_type) = MemberType::of_table(table) {
            let [id, name, password, email, status] = member_type.columns();
            let word = |column: &str| cell(r, column).map(str::trim);
            let Some(login_id) = word(id) else {
                return missing(report, id);
            };
            let flags = (
                word("LOCK_AT").is_some_and(|v| v.eq_ignore_ascii_case("Y")),
                word(status).is_none_or(|v| v == "P"),
                word("LOCK_CNT").and_then(|v| v.parse().ok()).unwrap_or(0),
            );
            self.accounts.push(EgovAccount::new(
                member_type,
                line,
                flags,
                [
                    Some(login_id),
                    Some(cell(r, name).unwrap_or(login_id)),
                    word(password),
                    word(email),
                    word("ESNTL_ID"),
                    word("ORGNZT_ID"),
                    word("GROUP_ID"),
                ],
            ));
            return;
        }
        let (list, row, what) = match table {
            "COMTNAUTHORINFO" => (
                &mut self.authorities,
                named("AUTHOR_CODE", "AUTHOR_NM", "AUTHOR_DC"),
                "AUTHOR_CODE",
            ),
            "COMTNORGNZTINFO" => (
                &mut self.organizations,
                named("ORGNZT_ID", "ORGNZT_NM", "ORGNZT_DC"),
                "ORGNZT_ID",
            ),
            "COMTNAUTHORGROUPINFO" => (
                &mut self.groups,
                named("GROUP_ID", "GROUP_NM", "GROUP_DC"),
                "GROUP_ID",
            ),
            _ => {
                let (list, row, what) = match table {
                    "COMTNROLES_HIERARCHY" => (
                        &mut self.hierarchy,
                        pair("PARNTS_ROLE", "CHLDRN_ROLE"),
                        "PARNTS_ROLE or CHLDRN_ROLE",
                    ),
                    "COMTNEMPLYRSCRTYESTBS" => (
                        &mut self.assignments,
                        pair("SCRTY_DTRMN_TRGET_ID", "AUTHOR_CODE"),
                        "SCRTY_DTRMN_TRGET_ID or AUTHOR_CODE",
                    ),
                    "COMTNROLEINFO" => (
                        &mut self.url_roles,
                        Some(Pair {
                            first: get(r, "ROLE_CODE").unwrap_or_default(),
                            second: exact(r, "ROLE_PTTRN").unwrap_or_default(),
                            line,
                        })
                        .filter(|p| !p.first.is_empty() && !p.second.is_empty()),
                        "ROLE_CODE or ROLE_PTTRN",
                    ),
                    "COMTNAUTHORROLERELATE" => (
                        &mut self.url_grants,
                        pair("AUTHOR_CODE", "ROLE_CODE"),
                        "AUTHOR_CODE or ROLE_CODE",
                    ),
                    _ => return,
                };
                match row {
                    Some(row) => list.push(row),
                    None => missing(report, what),
                }
                return;
            }
        };
        match row {
            Some(row) => list.push(row),
            None => missing(report, what),
        }
    }

    /// The refusals: rows that make the whole import refuse (see the
    /// [module docs](self)), by table, with the row's line.
    fn refusals(&self, reports: &mut Vec<TableReport>) {
        let mut seen: HashMap<(MemberType, &str), usize> = HashMap::new();
        let mut esntl: HashMap<&str, (MemberType, usize)> = HashMap::new();
        for account in &self.accounts {
            let table = account.member_type.table();
            let [id_column, name_column, password_column, ..] = account.member_type.columns();
            let id = account.login_id();
            let refuse = |reports: &mut Vec<TableReport>, reason: String| {
                table_in(reports, table).note(Outcome::Refused, account.line, id, reason);
            };
            if !(1..=64).contains(&id.chars().count())
                || id.chars().any(|c| c.is_control() || c.is_whitespace())
            {
                refuse(
                    reports,
                    format!("{id_column} must be 1–64 characters without spaces"),
                );
            }
            if let Some(first) = seen.insert((account.member_type, id), account.line) {
                refuse(
                    reports,
                    format!("{id_column} repeats the row at line {first}"),
                );
            }
            if let Some(esntl_id) = account.esntl_id()
                && let Some((other, line)) =
                    esntl.insert(esntl_id, (account.member_type, account.line))
            {
                refuse(
                    reports,
                    format!(
                        "ESNTL_ID `{}` is also the {} row's at line {line}",
                        esntl_id.escape_debug(),
                        other.table()
                    ),
                );
            }
            if account.name().trim().is_empty() || account.name().chars().count() > 100 {
                refuse(reports, format!("{name_column} must be 1–100 characters"));
            }
            if let Some(hash) = account.password_hash()
                && !is_egov_hash(hash)
            {
                refuse(
                    reports,
                    format!("{password_column} is not an eGovFrame hash (Base64 of SHA-256)"),
                );
            }
        }
        let mut role = |table: &str, line: usize, column: &str, name: &str| {
            if !valid_name(name) {
                table_in(reports, table).note(
                    Outcome::Refused,
                    line,
                    name,
                    format!("{column} is not a usable role name (1–64 of A–Z a–z 0–9 _ . : -)"),
                );
            }
        };
        for authority in &self.authorities {
            role(
                "COMTNAUTHORINFO",
                authority.line,
                "AUTHOR_CODE",
                &authority.id,
            );
        }
        for row in &self.hierarchy {
            role("COMTNROLES_HIERARCHY", row.line, "PARNTS_ROLE", &row.first);
            role("COMTNROLES_HIERARCHY", row.line, "CHLDRN_ROLE", &row.second);
        }
        for row in &self.assignments {
            role(
                "COMTNEMPLYRSCRTYESTBS",
                row.line,
                "AUTHOR_CODE",
                &row.second,
            );
        }
    }

    /// What can be told without a database: the rows read, what reading
    /// skipped, the rows that refuse the import ([`ImportReport::is_refused`];
    /// see the [module docs](self)) and the URL security. A refused import's
    /// report is exactly what [`Auth::import_egov_dry_run`] and
    /// [`Auth::import_egov`] answer (nothing written), so a caller can stop
    /// before opening a transaction.
    pub fn precheck(&self) -> ImportReport {
        let mut report = ImportReport {
            tables: self.reading.clone(),
            url_patterns: self.url_patterns(),
            ..ImportReport::default()
        };
        self.refusals(&mut report.tables);
        report
    }

    /// Authority → the URL patterns of its roles (`COMTNAUTHORROLERELATE`
    /// joined with `COMTNROLEINFO`).
    pub fn url_patterns(&self) -> BTreeMap<String, Vec<String>> {
        let patterns: HashMap<&str, Vec<&str>> =
            self.url_roles.iter().fold(HashMap::new(), |mut all, role| {
                all.entry(role.first.as_str())
                    .or_default()
                    .push(role.second.as_str());
                all
            });
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for grant in &self.url_grants {
            let allowed = out.entry(grant.first.clone()).or_default();
            for pattern in patterns.get(grant.second.as_str()).into_iter().flatten() {
                if !allowed.iter().any(|p| p == pattern) {
                    allowed.push((*pattern).to_owned());
                }
            }
        }
        out
    }
}

/// Whether `hash` looks like eGovFrame's `Base64(SHA-256(id ‖ password))`.
fn is_egov_hash(hash: &str) -> bool {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(hash.trim())
        .is_ok_and(|bytes| bytes.len() == 32)
}

/// Login ids asked about per query by [`existing_login_ids`].
const LOOKUP_BATCH: usize = 500;

/// Which of the accounts' normalized login ids an account here already has:
/// one query per [`LOOKUP_BATCH`] ids, not one per member (a dump holds
/// hundreds of thousands).
async fn existing_login_ids(
    tx: &mut sqlx::AnyConnection,
    backend: egov_db::Backend,
    accounts: &[EgovAccount],
) -> Result<HashSet<String>, Error> {
    // Every query has the same shape (a short batch repeats its last id), so
    // one prepared statement serves them all. SQLite gets plain `?`s: sqlx
    // looks each `$n` up by name there, quadratic in their number.
    let placeholders: Vec<String> = (1..=LOOKUP_BATCH)
        .map(|n| match backend {
            egov_db::Backend::Sqlite => "?".to_owned(),
            egov_db::Backend::Postgres => format!("${n}"),
        })
        .collect();
    let sql = format!(
        "SELECT login_id FROM egov_auth_accounts WHERE login_id IN ({})",
        placeholders.join(", ")
    );
    let mut existing = HashSet::new();
    for batch in accounts.chunks(LOOKUP_BATCH) {
        let ids: Vec<String> = batch
            .iter()
            .filter_map(|a| crate::normalize_login_id(a.login_id()))
            .collect();
        let Some(last) = ids.last() else {
            continue;
        };
        let mut query = sqlx::query_as::<_, (String,)>(sqlx::AssertSqlSafe(sql.clone()));
        for at in 0..LOOKUP_BATCH {
            query = query.bind(ids.get(at).unwrap_or(last));
        }
        existing.extend(query.fetch_all(&mut *tx).await?.into_iter().map(|(id,)| id));
    }
    Ok(existing)
}

impl Auth {
    /// Imports eGovFrame members, organizations, groups, authorities,
    /// hierarchy and assignments; see the [module docs](crate::import). A
    /// refused import writes nothing and says why in its report
    /// ([`ImportReport::is_refused`]).
    ///
    /// # Errors
    ///
    /// Database/audit errors (nothing is imported then).
    pub async fn import_egov(
        &self,
        actor: &Actor,
        import: &EgovImport,
    ) -> Result<ImportReport, Error> {
        self.run_import(actor, import, true).await
    }

    /// What [`Auth::import_egov`] would do, against the current database,
    /// without writing anything.
    ///
    /// # Errors
    ///
    /// Database errors.
    pub async fn import_egov_dry_run(
        &self,
        actor: &Actor,
        import: &EgovImport,
    ) -> Result<ImportReport, Error> {
        self.run_import(actor, import, false).await
    }

    /// [`Auth::import_egov`] inside a write transaction the caller opened
    /// (`Db::begin_write`) and commits — so that a migration writes codes and
    /// accounts all or nothing. The audit event is recorded in the same
    /// transaction. A refused import writes nothing (roll back or go on
    /// without it: nothing of it is in the transaction).
    ///
    /// # Errors
    ///
    /// Database/audit errors; the caller then rolls back.
    pub async fn import_egov_in(
        &self,
        conn: &mut sqlx::AnyConnection,
        actor: &Actor,
        import: &EgovImport,
    ) -> Result<ImportReport, Error> {
        let mut report = self.write_import(conn, import).await?;
        if !report.is_refused() {
            self.record_import_in(conn, import_event(actor, &report))
                .await?;
            report.applied = true;
        }
        Ok(report)
    }

    async fn run_import(
        &self,
        actor: &Actor,
        import: &EgovImport,
        apply: bool,
    ) -> Result<ImportReport, Error> {
        let mut tx = self.begin_import().await?;
        let mut report = self.write_import(&mut tx, import).await?;
        if report.is_refused() || !apply {
            tx.rollback().await.map_err(egov_db::DbError::from)?;
            return Ok(report);
        }
        self.finish_import(tx, import_event(actor, &report)).await?;
        report.applied = true;
        Ok(report)
    }

    /// Checks and writes the import into `tx`, uncommitted; a refused
    /// import writes nothing.
    async fn write_import(
        &self,
        tx: &mut sqlx::AnyConnection,
        import: &EgovImport,
    ) -> Result<ImportReport, Error> {
        let mut report = import.precheck();
        if report.is_refused() {
            return Ok(report);
        }
        let tables = &mut report.tables;
        let now = timestamp_to_sql(self.clock_now());

        // Roles first: hierarchy rows may name roles without an authority row.
        let mut roles: HashMap<String, Role> = HashMap::new();
        for existing in self.roles().await? {
            roles.insert(existing.name.clone(), existing);
        }
        let existed: BTreeSet<String> = roles.keys().cloned().collect();
        let mut touched = BTreeSet::new();
        for authority in &import.authorities {
            let table = table_in(tables, "COMTNAUTHORINFO");
            if existed.contains(&authority.id) || touched.contains(&authority.id) {
                // A role of this service keeps its own description.
                table.record(Outcome::Unchanged);
                continue;
            }
            roles.insert(
                authority.id.clone(),
                Role {
                    name: authority.id.clone(),
                    description: authority.name.clone(),
                    includes: BTreeSet::new(),
                    permissions: BTreeSet::new(),
                },
            );
            touched.insert(authority.id.clone());
            table.record(Outcome::Imported);
        }
        for row in &import.hierarchy {
            let table = table_in(tables, "COMTNROLES_HIERARCHY");
            for name in [&row.first, &row.second] {
                if !roles.contains_key(name) {
                    roles.insert(
                        name.clone(),
                        Role {
                            name: name.clone(),
                            description: String::new(),
                            includes: BTreeSet::new(),
                            permissions: BTreeSet::new(),
                        },
                    );
                    touched.insert(name.clone());
                }
            }
            let child = roles.get_mut(&row.second).expect("inserted above");
            if child.includes.insert(row.first.clone()) {
                touched.insert(row.second.clone());
                table.record(Outcome::Imported);
            } else {
                table.record(Outcome::Unchanged);
            }
        }
        for name in &touched {
            put_role_in(&mut *tx, &roles[name]).await?;
        }
        report.roles = touched.len();

        for (table, rows, sql) in [
            (
                "COMTNORGNZTINFO",
                &import.organizations,
                "INSERT INTO egov_auth_organizations (id, name, description) VALUES ($1, $2, $3)",
            ),
            (
                "COMTNAUTHORGROUPINFO",
                &import.groups,
                "INSERT INTO egov_auth_groups (id, name, description) VALUES ($1, $2, $3)",
            ),
        ] {
            let exists_sql = if table == "COMTNORGNZTINFO" {
                "SELECT id FROM egov_auth_organizations WHERE id = $1"
            } else {
                "SELECT id FROM egov_auth_groups WHERE id = $1"
            };
            for row in rows {
                let found: Option<(String,)> = sqlx::query_as(exists_sql)
                    .bind(&row.id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let report = table_in(tables, table);
                if found.is_some() {
                    report.record(Outcome::Unchanged);
                    continue;
                }
                sqlx::query(sql)
                    .bind(&row.id)
                    .bind(&row.name)
                    .bind(row.description.as_deref())
                    .execute(&mut *tx)
                    .await?;
                report.record(Outcome::Imported);
            }
        }

        let existing = existing_login_ids(&mut *tx, self.backend(), &import.accounts).await?;
        let mut by_esntl: HashMap<&str, AccountId> = HashMap::new();
        let mut skipped_esntl: HashMap<&str, &str> = HashMap::new();
        let mut taken: HashMap<String, &EgovAccount> = HashMap::new();
        for account in &import.accounts {
            let table = account.member_type.table();
            let mut skip = |reason: String| {
                table_in(tables, table).note(
                    Outcome::Skipped,
                    account.line,
                    account.login_id(),
                    reason,
                );
                report.skipped.push(account.login_id().to_owned());
                if let Some(esntl) = account.esntl_id() {
                    skipped_esntl.insert(esntl, account.login_id());
                }
            };
            // Stored and compared in the one normalized form; an id that has
            // none (controls, look-alike letters of other scripts) is skipped.
            let Some(login_id) = crate::normalize_login_id(account.login_id()) else {
                skip("the login id has no usable normalized form (look-alike or invisible characters)".into());
                continue;
            };
            if let Some(first) = taken.get(&login_id) {
                skip(format!(
                    "the {} row at line {} has the same login id (egov-rs has one login namespace)",
                    first.member_type.table(),
                    first.line
                ));
                continue;
            }
            if existing.contains(&login_id) {
                // Another person may hold this login id here: the dump's
                // roles for its ESNTL_ID must not reach the existing account.
                skip(
                    "an account with this login id exists here; it gets nothing from the dump"
                        .into(),
                );
                continue;
            }
            taken.insert(login_id.clone(), account);
            let id = AccountId::new();
            let status = if !account.approved || account.password_hash().is_none() {
                "disabled"
            } else if account.locked {
                "locked"
            } else {
                "active"
            };
            sqlx::query(
                "INSERT INTO egov_auth_accounts (id, login_id, display_name, email, status, password_hash, \
                 failed_count, mfa_enabled, totp_last_step, external_id, member_type, organization_id, \
                 group_id, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0, $8, $9, $10, $11, $12, $12)",
            )
            .bind(id.to_string())
            .bind(&login_id)
            .bind(account.name())
            .bind(account.email())
            .bind(status)
            .bind(account.password_hash().map(|h| {
                // eGovFrame salts with its own member id: keep it when the
                // normalized one differs.
                if login_id == account.login_id() {
                    format!("{EGOV_SHA256_PREFIX}{h}")
                } else {
                    format!("{EGOV_SHA256_PREFIX}{h}${}", account.login_id())
                }
            }))
            .bind(account.lock_count)
            .bind(account.esntl_id())
            .bind(account.member_type.code())
            .bind(account.organization_id())
            .bind(account.group_id())
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            if let Some(e) = account.esntl_id() {
                by_esntl.insert(e, id);
            }
            let table = table_in(tables, table);
            if account.password_hash().is_none() && account.approved {
                table.note(
                    Outcome::Noted,
                    account.line,
                    account.login_id(),
                    "no password hash: imported disabled (set a password, then enable it)",
                );
            } else {
                table.record(Outcome::Imported);
            }
            report.accounts += 1;
        }
        for row in &import.assignments {
            let table = table_in(tables, "COMTNEMPLYRSCRTYESTBS");
            let (target, author) = (row.first.as_str(), row.second.as_str());
            let Some(id) = by_esntl.get(target) else {
                report.unmatched_assignments += 1;
                let reason = match skipped_esntl.get(target) {
                    Some(login_id) => format!(
                        "ESNTL_ID belongs to `{}`, which was skipped: it gets no roles",
                        login_id.escape_debug()
                    ),
                    None => "no imported member has this ESNTL_ID".to_owned(),
                };
                table.note(Outcome::Skipped, row.line, target, reason);
                continue;
            };
            if !roles.contains_key(author) {
                table.note(
                    Outcome::Skipped,
                    row.line,
                    target,
                    format!(
                        "role `{}` is neither in the dump nor in this service",
                        author.escape_debug()
                    ),
                );
                continue;
            }
            let done = sqlx::query(
                "INSERT INTO egov_auth_assignments (account_id, role) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(id.to_string())
            .bind(author)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() > 0 {
                table.record(Outcome::Imported);
                report.assignments += 1;
            } else {
                table.record(Outcome::Unchanged);
            }
        }
        Ok(report)
    }
}

/// The one audit event of an import.
fn import_event(actor: &Actor, report: &ImportReport) -> AuditEvent {
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    AuditEvent::new(actions::ADMIN_CHANGE, actor, AuditOutcome::Success)
        .target(Target::kind("egov_import"))
        .reason_code("egov_import")
        .detail(
            Detail::new()
                .number("accounts", count(report.accounts))
                .number("skipped", count(report.skipped.len()))
                .number("roles", count(report.roles))
                .number("assignments", count(report.assignments)),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(sql: &str) -> EgovImport {
        let mut import = EgovImport::default();
        for statement in parse_inserts(sql).unwrap() {
            import.add_statement(&statement);
        }
        import
    }

    fn refusals(import: &EgovImport) -> Vec<TableReport> {
        let report = import.precheck();
        assert!(report.is_refused() && !report.applied);
        report.tables
    }

    #[test]
    fn all_three_member_tables_are_read_with_their_own_columns() {
        let import = statement(
            "INSERT INTO COMTNGNRLMBER (MBER_ID, MBER_NM, PASSWORD, MBER_STTUS, ESNTL_ID, GROUP_ID) \
               VALUES ('USER', '일반회원', 'x', 'P', 'USRCNFRM_1', 'GROUP_1');\n\
             INSERT INTO COMTNENTRPRSMBER (ENTRPRS_MBER_ID, CMPNY_NM, ENTRPRS_MBER_PASSWORD, ENTRPRS_MBER_STTUS, ESNTL_ID) \
               VALUES ('ENTERPRISE', 'NIA ', 'y', 'A', 'USRCNFRM_2');\n\
             INSERT INTO COMTNEMPLYRINFO (EMPLYR_ID, USER_NM, PASSWORD, EMPLYR_STTUS_CODE, ORGNZT_ID, ESNTL_ID) \
               VALUES ('webmaster', '웹마스터', 'z', 'P', 'ORGNZT_1', 'USRCNFRM_3'), (NULL, 'x', NULL, 'P', NULL, NULL);\n\
             INSERT INTO COMTNMENUINFO (MENU_NM) VALUES ('unread');",
        );
        let types: Vec<_> = import
            .accounts
            .iter()
            .map(|a| a.member_type.code())
            .collect();
        assert_eq!(types, ["USR01", "USR02", "USR03"]);
        assert_eq!(import.accounts[0].group_id(), Some("GROUP_1"));
        // Names are exact; an enterprise applicant awaiting approval is not approved.
        assert_eq!(import.accounts[1].name(), "NIA ");
        assert!(!import.accounts[1].approved);
        assert_eq!(import.accounts[2].organization_id(), Some("ORGNZT_1"));
        // The NULL id is reported, not dropped without a word; the menu table is not ours.
        let employees = import
            .reading
            .iter()
            .find(|r| r.table == "COMTNEMPLYRINFO")
            .unwrap();
        assert_eq!(employees.read, 2);
        assert_eq!(employees.skipped.len(), 1);
        assert!(employees.skipped[0].reason.contains("EMPLYR_ID"));
        assert!(!import.reading.iter().any(|r| r.table == "COMTNMENUINFO"));
    }

    #[test]
    fn broken_rows_refuse_the_import_and_name_their_line() {
        let hash = crate::password::egov_sha256("kim", "x");
        let import = statement(&format!(
            "INSERT INTO COMTNEMPLYRINFO (EMPLYR_ID, USER_NM, PASSWORD, ESNTL_ID) VALUES\n\
             ('kim', '김', '{hash}', 'E1'),\n\
             ('kim', '김2', NULL, 'E2'),\n\
             ('a b', 'x', 'not-a-hash', 'E1');\n\
             INSERT INTO COMTNAUTHORINFO VALUES ('ROLE ADMIN', '관리자', NULL, NULL);\n\
             INSERT INTO COMTNGNRLMBER VALUES ('x');"
        ));
        let reports = refusals(&import);
        let refused: Vec<String> = reports
            .iter()
            .flat_map(|r| r.refused.iter().map(move |n| format!("{} {n}", r.table)))
            .collect();
        assert!(
            refused
                .iter()
                .any(|r| r.contains("line 3 (kim): EMPLYR_ID repeats the row at line 2")),
            "{refused:?}"
        );
        assert!(
            refused
                .iter()
                .any(|r| r.contains("line 4") && r.contains("without spaces"))
        );
        assert!(
            refused
                .iter()
                .any(|r| r.contains("line 4") && r.contains("PASSWORD is not"))
        );
        assert!(
            refused
                .iter()
                .any(|r| r.contains("line 4") && r.contains("ESNTL_ID `E1`"))
        );
        assert!(
            refused
                .iter()
                .any(|r| r.starts_with("COMTNAUTHORINFO line 5"))
        );
        assert!(
            refused
                .iter()
                .any(|r| r.starts_with("COMTNGNRLMBER line 6") && r.contains("column list"))
        );
        assert!(
            !refused.iter().any(|r| r.contains("not-a-hash")),
            "hashes never reach a report"
        );
    }

    #[test]
    fn url_security_is_reported_per_authority() {
        let import = statement(
            "INSERT INTO COMTNROLEINFO (ROLE_CODE, ROLE_NM, ROLE_PTTRN, ROLE_DC, ROLE_TY, ROLE_SORT, ROLE_CREAT_DE) \
               VALUES ('web-000001', '로그인롤', '\\\\A/uat/uia/.*\\\\.do.*\\\\Z', NULL, 'url', '1', NOW()),\
                      ('web-000002', '좌측메뉴', '/EgovLeft.do', NULL, 'url', '2', NOW());\n\
             INSERT INTO COMTNAUTHORROLERELATE VALUES ('ROLE_ADMIN', 'web-000001', NOW()), ('ROLE_ADMIN', 'web-000002', NOW()),\
                      ('ROLE_ANONYMOUS', 'web-000001', NOW());",
        );
        let patterns = import.url_patterns();
        assert_eq!(
            patterns["ROLE_ADMIN"],
            ["\\A/uat/uia/.*\\.do.*\\Z", "/EgovLeft.do"]
        );
        assert_eq!(patterns["ROLE_ANONYMOUS"].len(), 1);
    }
}
