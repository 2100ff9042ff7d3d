//! Reading the trail back: the event search behind the admin API
//! ([`find_events`]), and the monthly review report of the personal-data
//! access records ([`MonthlyReport`], 개인정보의 안전성 확보조치 기준 §8②:
//! access records are checked at least once a month, and every download of
//! personal data is checked against its reason).
//!
//! Nothing here needs a web framework; the `axum` feature's
//! [`admin`](crate::admin) router serves both over HTTP.
//!
//! The report is computed with aggregate queries (a few per month, one per local
//! day for bulk access), so its memory does not grow with the number of events;
//! only the list of downloads is read row by row, and it is cut at
//! [`DOWNLOAD_LIMIT`] rows (the report says so when it is).

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::sync::LazyLock;

use base64::Engine as _;
use egov_core::paging::{Page, PageRequest};
use egov_db::Db;
use egov_db::value::{timestamp_from_sql, timestamp_to_sql};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::chain::StoredEvent;
use crate::{Action, AuditError, AuditSettings, Outcome, SubjectId, store};

use crate::store::EVENT_COLUMNS;

/// Most downloads and exports listed in one [`MonthlyReport`].
pub const DOWNLOAD_LIMIT: usize = 10_000;

// ---------------------------------------------------------------------------
// Event search
// ---------------------------------------------------------------------------

/// Which events [`find_events`] returns. Every given criterion must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// The principal's id: an account id (UUID) or a system name.
    pub actor: Option<String>,
    /// Events that touched this data subject.
    pub subject: Option<SubjectId>,
    /// Events of this action.
    pub action: Option<Action>,
    /// Events with this outcome.
    pub outcome: Option<Outcome>,
    /// Events at or after this time.
    pub from: Option<OffsetDateTime>,
    /// Events before this time.
    pub to: Option<OffsetDateTime>,
}

/// One page of the events of `chain_id` matching `filter`, newest first (by
/// time, then by sequence number).
pub async fn find_events(
    db: &Db,
    chain_id: &str,
    filter: &EventFilter,
    page: PageRequest,
) -> Result<Page<StoredEvent>, AuditError> {
    // Every value is a bound parameter; `arg` returns its placeholder.
    let mut args: Vec<String> = Vec::new();
    let mut arg = |value: String| {
        args.push(value);
        format!("${}", args.len())
    };
    let mut conditions = vec![format!("chain_id = {}", arg(chain_id.to_owned()))];
    if let Some(actor) = &filter.actor {
        conditions.push(format!("principal_id = {}", arg(actor.clone())));
    }
    if let Some(action) = &filter.action {
        conditions.push(format!("action = {}", arg(action.as_str().to_owned())));
    }
    if let Some(outcome) = filter.outcome {
        conditions.push(format!("outcome = {}", arg(outcome.as_str().to_owned())));
    }
    if let Some(from) = filter.from {
        conditions.push(format!("occurred_at >= {}", arg(timestamp_to_sql(from))));
    }
    if let Some(to) = filter.to {
        conditions.push(format!("occurred_at < {}", arg(timestamp_to_sql(to))));
    }
    if let Some(subject) = &filter.subject {
        conditions.push(format!(
            "seq IN (SELECT s.seq FROM egov_audit_subjects s WHERE s.chain_id = {} AND s.subject = {})",
            arg(chain_id.to_owned()),
            arg(subject.as_str().to_owned())
        ));
    }
    let conditions = conditions.join(" AND ");

    let count_sql = format!("SELECT COUNT(*) FROM egov_audit_events WHERE {conditions}");
    let mut count = sqlx::query(AssertSqlSafe(count_sql));
    for arg in &args {
        count = count.bind(arg.clone());
    }
    let total: i64 = count.fetch_one(db.pool()).await?.try_get(0)?;

    let n = args.len();
    let items_sql = format!(
        "SELECT {EVENT_COLUMNS} FROM egov_audit_events WHERE {conditions} \
         ORDER BY occurred_at DESC, seq DESC LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let mut items = sqlx::query(AssertSqlSafe(items_sql));
    for arg in &args {
        items = items.bind(arg.clone());
    }
    let rows = items
        .bind(i64::from(page.limit()))
        .bind(i64::try_from(page.offset()).unwrap_or(i64::MAX))
        .fetch_all(db.pool())
        .await?;
    let events = rows
        .iter()
        .map(store::event_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::new(events, page, u64::try_from(total).unwrap_or(0)))
}

// ---------------------------------------------------------------------------
// The monthly review report: model
// ---------------------------------------------------------------------------

/// What the review flags, from [`AuditSettings`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReviewCriteria {
    /// Local time's offset from UTC, in whole hours (clamped to ±23).
    pub utc_offset_hours: i8,
    /// Off hours `[start, end)` in local hours; `start > end` wraps midnight
    /// (`[22, 6]`: 22:00–05:59). Values above 24 count as 24; equal values
    /// mean no off hours.
    pub off_hours: [u8; 2],
    /// An account touching more than this many distinct subjects in one local
    /// day is listed under bulk access.
    pub bulk_access_threshold: u64,
}

impl From<&AuditSettings> for ReviewCriteria {
    fn from(settings: &AuditSettings) -> Self {
        Self {
            utc_offset_hours: settings.utc_offset_hours.clamp(-23, 23),
            off_hours: settings.off_hours.map(|h| h.min(24)),
            bulk_access_threshold: settings.bulk_access_threshold,
        }
    }
}

impl ReviewCriteria {
    /// The local time's offset.
    pub fn offset(&self) -> UtcOffset {
        UtcOffset::from_hms(self.utc_offset_hours.clamp(-23, 23), 0, 0).unwrap_or(UtcOffset::UTC)
    }

    /// Whether the local hour `hour` (0–23) is an off hour.
    pub fn is_off_hour(&self, hour: u8) -> bool {
        let [start, end] = self.off_hours.map(|h| h.min(24));
        match start.cmp(&end) {
            std::cmp::Ordering::Less => (start..end).contains(&hour),
            std::cmp::Ordering::Greater => hour >= start || hour < end,
            std::cmp::Ordering::Equal => false,
        }
    }
}

/// Who acted: the principal of an event.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Account {
    /// `account`, `system` or `anonymous`.
    pub kind: String,
    /// The account id or system name (none for anonymous callers).
    pub id: Option<String>,
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.id {
            Some(id) => write!(f, "{}:{id}", self.kind),
            None => f.write_str(&self.kind),
        }
    }
}

/// One account's events of the month, counted by action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountActions {
    /// The account.
    pub account: Account,
    /// All its events.
    pub total: u64,
    /// Its events per action name.
    pub actions: BTreeMap<String, u64>,
}

/// A number of events of one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountCount {
    /// The account.
    pub account: Account,
    /// How many events.
    pub events: u64,
}

/// An account that touched more distinct subjects in one local day than the
/// threshold allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BulkAccess {
    /// The account.
    pub account: Account,
    /// The local day.
    #[serde(serialize_with = "serialize_date")]
    pub date: Date,
    /// Distinct subjects it touched that day.
    pub subjects: u64,
}

/// One download or export, with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DownloadRecord {
    /// The event's sequence number.
    pub seq: u64,
    /// When, in local time.
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    /// Who.
    pub account: Account,
    /// `download` or `export`.
    pub action: String,
    /// `success`, `failure` or `denied`.
    pub outcome: String,
    /// The resource type.
    pub target_type: Option<String>,
    /// The resource id.
    pub target_id: Option<String>,
    /// How many data subjects.
    pub subjects: u64,
    /// The reason code (`missing_reason` for a download the web layer withheld).
    pub reason_code: Option<String>,
    /// The reason given.
    pub reason: Option<String>,
}

/// The monthly review of the access records of one chain, for one local month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthlyReport {
    /// The chain reviewed.
    pub chain_id: String,
    /// The month, `YYYY-MM`.
    pub month: String,
    /// The month's first instant, in local time.
    #[serde(with = "time::serde::rfc3339")]
    pub from: OffsetDateTime,
    /// The next month's first instant, in local time (exclusive).
    #[serde(with = "time::serde::rfc3339")]
    pub to: OffsetDateTime,
    /// What was flagged, and how.
    pub criteria: ReviewCriteria,
    /// Every event of the month.
    pub total_events: u64,
    /// Events per account and action, by account.
    pub actions: Vec<AccountActions>,
    /// Downloads and exports, oldest first.
    pub downloads: Vec<DownloadRecord>,
    /// Whether `downloads` was cut at [`DOWNLOAD_LIMIT`].
    pub downloads_truncated: bool,
    /// Events in off hours per account, most first.
    pub off_hours: Vec<AccountCount>,
    /// Account-days above the bulk-access threshold, by day.
    pub bulk_access: Vec<BulkAccess>,
    /// Denied attempts per account, most first.
    pub denied: Vec<AccountCount>,
}

fn serialize_date<S: serde::Serializer>(date: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_date(*date))
}

fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

fn format_local(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| timestamp_to_sql(at))
}

// ---------------------------------------------------------------------------
// The monthly review report: queries
// ---------------------------------------------------------------------------

fn account_from_row(row: &AnyRow) -> Result<Account, AuditError> {
    Ok(Account {
        kind: row.try_get(0)?,
        id: row.try_get(1)?,
    })
}

fn count_at(row: &AnyRow, index: usize) -> Result<u64, AuditError> {
    Ok(u64::try_from(row.try_get::<i64, _>(index)?).unwrap_or(0))
}

fn local_midnight(date: Date, offset: UtcOffset) -> OffsetDateTime {
    PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_offset(offset)
}

impl MonthlyReport {
    /// Builds the report of chain `chain_id` for the local month `year`-`month`,
    /// with the criteria of `settings` (`utc_offset_hours`, `off_hours`,
    /// `bulk_access_threshold`).
    ///
    /// Fails with [`AuditError::Invalid`] when the month or the next one is
    /// outside the calendar (years −9999 to 9999), and with
    /// [`AuditError::Store`] when the database cannot be read.
    pub async fn build(
        db: &Db,
        chain_id: &str,
        year: i32,
        month: Month,
        settings: &AuditSettings,
    ) -> Result<Self, AuditError> {
        Self::build_with(db, chain_id, year, month, ReviewCriteria::from(settings)).await
    }

    /// As [`MonthlyReport::build`], with the criteria given directly.
    pub async fn build_with(
        db: &Db,
        chain_id: &str,
        year: i32,
        month: Month,
        criteria: ReviewCriteria,
    ) -> Result<Self, AuditError> {
        let offset = criteria.offset();
        let first = Date::from_calendar_date(year, month, 1)
            .map_err(|_| AuditError::Invalid(format!("no such month: {year}-{month}")))?;
        let next = match month {
            Month::December => Date::from_calendar_date(year + 1, Month::January, 1),
            _ => Date::from_calendar_date(year, month.next(), 1),
        }
        .map_err(|_| AuditError::Invalid(format!("no such month: {year}-{month}")))?;
        let from = local_midnight(first, offset);
        let to = local_midnight(next, offset);
        let (from_sql, to_sql) = (timestamp_to_sql(from), timestamp_to_sql(to));
        let range = |sql: &'static str| {
            sqlx::query(sql)
                .bind(chain_id.to_owned())
                .bind(from_sql.clone())
                .bind(to_sql.clone())
        };

        // Counts per account, action and outcome.
        let rows = range(
            "SELECT principal_kind, principal_id, action, outcome, COUNT(*) FROM egov_audit_events \
             WHERE chain_id = $1 AND occurred_at >= $2 AND occurred_at < $3 \
             GROUP BY principal_kind, principal_id, action, outcome",
        )
        .fetch_all(db.pool())
        .await?;
        let mut per_account: BTreeMap<Account, AccountActions> = BTreeMap::new();
        let mut denied: BTreeMap<Account, u64> = BTreeMap::new();
        let mut total_events = 0;
        for row in &rows {
            let account = account_from_row(row)?;
            let action: String = row.try_get(2)?;
            let outcome: String = row.try_get(3)?;
            let count = count_at(row, 4)?;
            total_events += count;
            if Outcome::parse(&outcome) == Some(Outcome::Denied) {
                *denied.entry(account.clone()).or_default() += count;
            }
            let entry = per_account
                .entry(account.clone())
                .or_insert_with(|| AccountActions {
                    account,
                    total: 0,
                    actions: BTreeMap::new(),
                });
            entry.total += count;
            *entry.actions.entry(action).or_default() += count;
        }

        // Off hours: counts per account and UTC hour of day; whole-hour offsets
        // make each UTC hour one local hour.
        let rows = range(
            "SELECT principal_kind, principal_id, SUBSTR(occurred_at, 12, 2), COUNT(*) \
             FROM egov_audit_events \
             WHERE chain_id = $1 AND occurred_at >= $2 AND occurred_at < $3 \
             GROUP BY principal_kind, principal_id, SUBSTR(occurred_at, 12, 2)",
        )
        .fetch_all(db.pool())
        .await?;
        let mut off_hours: BTreeMap<Account, u64> = BTreeMap::new();
        for row in &rows {
            let hour: String = row.try_get(2)?;
            let hour: i16 = hour
                .parse()
                .map_err(|_| AuditError::Corrupt("occurred_at is not a timestamp".into()))?;
            let local = (hour + i16::from(criteria.utc_offset_hours)).rem_euclid(24);
            if criteria.is_off_hour(u8::try_from(local).unwrap_or(0)) {
                *off_hours.entry(account_from_row(row)?).or_default() += count_at(row, 3)?;
            }
        }

        // Bulk access: distinct subjects per account, one local day at a time.
        let threshold = i64::try_from(criteria.bulk_access_threshold).unwrap_or(i64::MAX);
        let mut bulk_access = Vec::new();
        let mut day = first;
        while day < next {
            let after = day.next_day().unwrap_or(next);
            let rows = sqlx::query(
                "SELECT e.principal_kind, e.principal_id, COUNT(DISTINCT s.subject) \
                 FROM egov_audit_events e JOIN egov_audit_subjects s \
                   ON s.chain_id = e.chain_id AND s.seq = e.seq \
                 WHERE e.chain_id = $1 AND e.occurred_at >= $2 AND e.occurred_at < $3 \
                 GROUP BY e.principal_kind, e.principal_id \
                 HAVING COUNT(DISTINCT s.subject) > $4",
            )
            .bind(chain_id.to_owned())
            .bind(timestamp_to_sql(local_midnight(day, offset)))
            .bind(timestamp_to_sql(local_midnight(after, offset)))
            .bind(threshold)
            .fetch_all(db.pool())
            .await?;
            let mut found = rows
                .iter()
                .map(|row| {
                    Ok(BulkAccess {
                        account: account_from_row(row)?,
                        date: day,
                        subjects: count_at(row, 2)?,
                    })
                })
                .collect::<Result<Vec<_>, AuditError>>()?;
            found.sort_by(|a, b| a.account.cmp(&b.account));
            bulk_access.extend(found);
            day = after;
        }

        // Downloads and exports, with their reasons.
        let limit = i64::try_from(DOWNLOAD_LIMIT + 1).unwrap_or(i64::MAX);
        let rows = sqlx::query(
            "SELECT e.principal_kind, e.principal_id, e.seq, e.occurred_at, e.action, e.outcome, \
                    e.target_type, e.target_id, e.reason_code, e.reason, \
                    (SELECT COUNT(*) FROM egov_audit_subjects s \
                      WHERE s.chain_id = e.chain_id AND s.seq = e.seq) \
             FROM egov_audit_events e \
             WHERE e.chain_id = $1 AND e.occurred_at >= $2 AND e.occurred_at < $3 \
               AND e.action IN ($4, $5) \
             ORDER BY e.occurred_at, e.seq LIMIT $6",
        )
        .bind(chain_id.to_owned())
        .bind(from_sql.clone())
        .bind(to_sql.clone())
        .bind(Action::DOWNLOAD.as_str().to_owned())
        .bind(Action::EXPORT.as_str().to_owned())
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
        let downloads_truncated = rows.len() > DOWNLOAD_LIMIT;
        let downloads = rows
            .iter()
            .take(DOWNLOAD_LIMIT)
            .map(|row| {
                let at: String = row.try_get(3)?;
                Ok(DownloadRecord {
                    account: account_from_row(row)?,
                    seq: count_at(row, 2)?,
                    occurred_at: timestamp_from_sql("occurred_at", &at)?.to_offset(offset),
                    action: row.try_get(4)?,
                    outcome: row.try_get(5)?,
                    target_type: row.try_get(6)?,
                    target_id: row.try_get(7)?,
                    reason_code: row.try_get(8)?,
                    reason: row.try_get(9)?,
                    subjects: count_at(row, 10)?,
                })
            })
            .collect::<Result<Vec<_>, AuditError>>()?;

        let most_first = |counts: BTreeMap<Account, u64>| {
            let mut list: Vec<AccountCount> = counts
                .into_iter()
                .map(|(account, events)| AccountCount { account, events })
                .collect();
            list.sort_by(|a, b| {
                b.events
                    .cmp(&a.events)
                    .then_with(|| a.account.cmp(&b.account))
            });
            list
        };
        Ok(Self {
            chain_id: chain_id.to_owned(),
            month: format!("{year:04}-{:02}", u8::from(month)),
            from,
            to,
            criteria,
            total_events,
            actions: per_account.into_values().collect(),
            downloads,
            downloads_truncated,
            off_hours: most_first(off_hours),
            bulk_access,
            denied: most_first(denied),
        })
    }
}

// ---------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------

/// The columns of [`MonthlyReport::to_csv`], in order.
pub const CSV_COLUMNS: [&str; 11] = [
    "section",
    "principal_kind",
    "principal_id",
    "action",
    "outcome",
    "local_time",
    "count",
    "target_type",
    "target_id",
    "reason_code",
    "reason",
];

/// `text` safe for a spreadsheet cell: prefixed with `'` when it starts with
/// `=`, `+`, `-`, `@`, a tab or a carriage return, so that spreadsheet programs
/// do not run it as a formula (CSV injection). Quoting is the `csv` writer's.
pub fn spreadsheet_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Escapes `&`, `<`, `>`, `"` and `'` for HTML text and attribute values.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const HTML_STYLE: &str = "body{font-family:sans-serif;margin:2em;color:#111}\
table{border-collapse:collapse;margin:0.5em 0 1.5em}\
th,td{border:1px solid #999;padding:0.25em 0.5em;text-align:left;vertical-align:top}\
th{background:#eee}td.n{text-align:right}p.note{color:#555}";

static HTML_CSP: LazyLock<String> = LazyLock::new(|| {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(HTML_STYLE));
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; frame-ancestors 'none'; \
         base-uri 'none'; form-action 'none'"
    )
});

/// The `Content-Security-Policy` to serve [`MonthlyReport::to_html`] with: no
/// scripts, nothing loaded, only the page's own style (by hash).
pub fn html_content_security_policy() -> &'static str {
    &HTML_CSP
}

impl MonthlyReport {
    /// The report as JSON (the fields of this type).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    /// The report as CSV (RFC 4180, CRLF line ends, UTF-8 with a byte-order
    /// mark so that spreadsheet programs read Korean text correctly).
    ///
    /// One header row ([`CSV_COLUMNS`]), then one row per finding; `section`
    /// says which, and the other cells are filled as follows (empty otherwise):
    ///
    /// | section | filled cells |
    /// |---|---|
    /// | `summary` | `local_time` = the month (`YYYY-MM`), `count` = all events |
    /// | `action` | principal, `action`, `count` = its events of that action |
    /// | `download` | principal, `action` (`download`/`export`), `outcome`, `local_time` (RFC 3339), `count` = subjects, `target_type`, `target_id`, `reason_code`, `reason` |
    /// | `off_hours` | principal, `count` = events in off hours |
    /// | `bulk` | principal, `local_time` = the day (`YYYY-MM-DD`), `count` = distinct subjects |
    /// | `denied` | principal, `count` = denied attempts |
    /// | `truncated` | `section` only: the download list was cut at [`DOWNLOAD_LIMIT`] |
    ///
    /// Every cell goes through [`spreadsheet_safe`]; the `csv` writer quotes.
    pub fn to_csv(&self) -> String {
        // A byte-order mark first, so that spreadsheet programs read UTF-8.
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer("\u{feff}".as_bytes().to_vec());
        let mut row = |cells: [&str; 11]| {
            // Writing into memory cannot fail.
            let _ =
                writer.write_record(cells.iter().map(|cell| spreadsheet_safe(cell).into_owned()));
        };
        row(CSV_COLUMNS);
        let total = self.total_events.to_string();
        row([
            "summary",
            "",
            "",
            "",
            "",
            &self.month,
            &total,
            "",
            "",
            "",
            "",
        ]);
        for a in &self.actions {
            for (action, count) in &a.actions {
                let count = count.to_string();
                row([
                    "action",
                    &a.account.kind,
                    a.account.id.as_deref().unwrap_or(""),
                    action,
                    "",
                    "",
                    &count,
                    "",
                    "",
                    "",
                    "",
                ]);
            }
        }
        for d in &self.downloads {
            let (at, subjects) = (format_local(d.occurred_at), d.subjects.to_string());
            row([
                "download",
                &d.account.kind,
                d.account.id.as_deref().unwrap_or(""),
                &d.action,
                &d.outcome,
                &at,
                &subjects,
                d.target_type.as_deref().unwrap_or(""),
                d.target_id.as_deref().unwrap_or(""),
                d.reason_code.as_deref().unwrap_or(""),
                d.reason.as_deref().unwrap_or(""),
            ]);
        }
        if self.downloads_truncated {
            row(["truncated", "", "", "", "", "", "", "", "", "", ""]);
        }
        for (section, list) in [("off_hours", &self.off_hours), ("denied", &self.denied)] {
            for c in list {
                let count = c.events.to_string();
                row([
                    section,
                    &c.account.kind,
                    c.account.id.as_deref().unwrap_or(""),
                    "",
                    "",
                    "",
                    &count,
                    "",
                    "",
                    "",
                    "",
                ]);
            }
        }
        for b in &self.bulk_access {
            let (date, count) = (format_date(b.date), b.subjects.to_string());
            row([
                "bulk",
                &b.account.kind,
                b.account.id.as_deref().unwrap_or(""),
                "",
                "",
                &date,
                &count,
                "",
                "",
                "",
                "",
            ]);
        }
        let bytes = writer.into_inner().map(|b| b.to_vec()).unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }

    /// The report as a self-contained HTML page (Korean and English labels;
    /// every value escaped; no scripts, no external assets). Serve it with
    /// [`html_content_security_policy`].
    pub fn to_html(&self) -> String {
        let e = html_escape;
        let mut h = String::with_capacity(4096);
        let c = &self.criteria;
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"ko\">\n<head>\n<meta charset=\"utf-8\">\n\
             <title>개인정보 접속기록 점검 보고서 (Access record review) {month}</title>\n\
             <style>{HTML_STYLE}</style>\n</head>\n<body>\n\
             <h1>개인정보 접속기록 월간 점검 보고서<br><small>Monthly access record review</small></h1>\n\
             <table>\n<tr><th>체인 (Chain)</th><td>{chain}</td></tr>\n\
             <tr><th>점검 월 (Month)</th><td>{month}</td></tr>\n\
             <tr><th>기간 (Period)</th><td>{from} – {to}</td></tr>\n\
             <tr><th>전체 기록 (All events)</th><td class=\"n\">{total}</td></tr>\n\
             <tr><th>업무시간 외 (Off hours)</th><td>{start:02}:00–{end:02}:00 (UTC{offset:+})</td></tr>\n\
             <tr><th>대량 접근 기준 (Bulk threshold)</th><td>하루 {threshold}명 초과 (more than {threshold} subjects a day)</td></tr>\n\
             </table>\n",
            month = e(&self.month),
            chain = e(&self.chain_id),
            from = e(&format_local(self.from)),
            to = e(&format_local(self.to)),
            total = self.total_events,
            start = c.off_hours[0],
            end = c.off_hours[1],
            offset = c.utc_offset_hours,
            threshold = c.bulk_access_threshold,
        );

        h.push_str("<h2>1. 계정별 처리 건수 (Actions per account)</h2>\n<table>\n<tr><th>유형 (Kind)</th><th>계정 (Account)</th><th>행위 (Action)</th><th>건수 (Events)</th></tr>\n");
        for a in &self.actions {
            for (action, count) in &a.actions {
                let _ = writeln!(
                    h,
                    "<tr>{}<td>{}</td><td class=\"n\">{count}</td></tr>",
                    account_cells(&a.account),
                    e(action)
                );
            }
        }
        end_table(&mut h, self.actions.is_empty(), 4);

        h.push_str("<h2>2. 개인정보 다운로드·반출 및 사유 (Downloads and exports with reasons)</h2>\n<table>\n<tr><th>일시 (Time)</th><th>유형 (Kind)</th><th>계정 (Account)</th><th>행위 (Action)</th><th>결과 (Outcome)</th><th>대상 (Target)</th><th>정보주체 수 (Subjects)</th><th>사유 (Reason)</th></tr>\n");
        for d in &self.downloads {
            let target = match (&d.target_type, &d.target_id) {
                (Some(kind), Some(id)) => format!("{kind} {id}"),
                (Some(kind), None) => kind.clone(),
                _ => String::new(),
            };
            let reason = match (&d.reason, &d.reason_code) {
                (Some(reason), _) => reason.clone(),
                (None, Some(code)) => format!("[{code}]"),
                (None, None) => String::new(),
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td>{}<td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                e(&format_local(d.occurred_at)),
                account_cells(&d.account),
                e(&d.action),
                e(&d.outcome),
                e(&target),
                d.subjects,
                e(&reason)
            );
        }
        end_table(&mut h, self.downloads.is_empty(), 8);
        if self.downloads_truncated {
            let _ = writeln!(
                h,
                "<p class=\"note\">처음 {DOWNLOAD_LIMIT}건만 표시합니다 (only the first {DOWNLOAD_LIMIT} are listed).</p>"
            );
        }

        count_table(
            &mut h,
            "3. 업무시간 외 접근 (Off-hours access)",
            &self.off_hours,
        );

        h.push_str("<h2>4. 대량 접근 (Bulk access)</h2>\n<table>\n<tr><th>일자 (Day)</th><th>유형 (Kind)</th><th>계정 (Account)</th><th>정보주체 수 (Subjects)</th></tr>\n");
        for b in &self.bulk_access {
            let _ = writeln!(
                h,
                "<tr><td>{}</td>{}<td class=\"n\">{}</td></tr>",
                format_date(b.date),
                account_cells(&b.account),
                b.subjects
            );
        }
        end_table(&mut h, self.bulk_access.is_empty(), 4);

        count_table(&mut h, "5. 접근 거부 시도 (Denied attempts)", &self.denied);
        h.push_str("</body>\n</html>\n");
        h
    }
}

/// Two HTML cells: the principal's kind and id, escaped.
fn account_cells(account: &Account) -> String {
    format!(
        "<td>{}</td><td>{}</td>",
        html_escape(&account.kind),
        html_escape(account.id.as_deref().unwrap_or("-"))
    )
}

/// Closes a table, with a "none" row when it had no rows.
fn end_table(h: &mut String, empty: bool, columns: usize) {
    if empty {
        let _ = writeln!(h, "<tr><td colspan=\"{columns}\">없음 (none)</td></tr>");
    }
    h.push_str("</table>\n");
}

/// A section listing event counts per account.
fn count_table(h: &mut String, title: &str, list: &[AccountCount]) {
    let _ = writeln!(
        h,
        "<h2>{title}</h2>\n<table>\n<tr><th>유형 (Kind)</th><th>계정 (Account)</th><th>건수 (Events)</th></tr>"
    );
    for c in list {
        let _ = writeln!(
            h,
            "<tr>{}<td class=\"n\">{}</td></tr>",
            account_cells(&c.account),
            c.events
        );
    }
    end_table(h, list.is_empty(), 3);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheet_cells_are_neutralized_and_quoted_by_the_writer() {
        assert_eq!(spreadsheet_safe("plain"), "plain");
        assert_eq!(spreadsheet_safe("=1+2"), "'=1+2");
        assert_eq!(spreadsheet_safe("+1"), "'+1");
        assert_eq!(spreadsheet_safe("-1"), "'-1");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("a=b"), "a=b");
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        let cells = [
            "a,b",
            "say \"hi\"",
            "line\nbreak",
            "=HYPERLINK(\"http://x\",\"y\")",
        ];
        writer
            .write_record(cells.iter().map(|c| spreadsheet_safe(c).into_owned()))
            .unwrap();
        let line = String::from_utf8(writer.into_inner().unwrap()).unwrap();
        assert_eq!(
            line,
            "\"a,b\",\"say \"\"hi\"\"\",\"line\nbreak\",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\r\n"
        );
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            html_escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
    }

    #[test]
    fn off_hours_wrap_midnight_and_clamp() {
        let mut c = ReviewCriteria {
            utc_offset_hours: 9,
            off_hours: [22, 6],
            bulk_access_threshold: 1,
        };
        let off: Vec<u8> = (0..24).filter(|h| c.is_off_hour(*h)).collect();
        assert_eq!(off, [0, 1, 2, 3, 4, 5, 22, 23]);
        c.off_hours = [18, 24];
        assert!(c.is_off_hour(23) && c.is_off_hour(18) && !c.is_off_hour(17));
        c.off_hours = [9, 9];
        assert!((0..24).all(|h| !c.is_off_hour(h)));
        c.off_hours = [0, 200];
        assert!((0..24).all(|h| c.is_off_hour(h)));
    }

    #[test]
    fn the_style_hash_matches_the_style() {
        let csp = html_content_security_policy();
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(HTML_STYLE));
        assert!(csp.contains(&format!("'sha256-{hash}'")), "{csp}");
        assert!(csp.starts_with("default-src 'none'"));
    }
}
