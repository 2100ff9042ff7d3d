//! Petitions (민원): storage, the state machine, and the JSON API under `/api`.
//!
//! | method, path | policy | |
//! |---|---|---|
//! | `POST /api/petitions` | [`FILE`] | file a petition (201) |
//! | `GET /api/my/petitions` | [`FILE`] | the caller's own petitions |
//! | `GET /api/petitions?status=&page=&size=` | [`REVIEW`] | every petition, paged |
//! | `GET /api/petitions/{id}` | [`REVIEW`] | one petition; a personal-data `view` record |
//! | `PUT /api/petitions/{id}/status` | [`REVIEW`] | a status change (state machine, reason, version) |
//! | `GET /api/petitions/export?reason=&status=` | [`REVIEW`] | CSV; a personal-data `download` record with the reason |
//!
//! Personal data: the resident number and the phone number are stored only as
//! [`FieldCipher`](egov::privacy::FieldCipher) ciphertext bound to the row id;
//! the resident number's blind index finds a person's petitions and names the
//! data subject in audit events. Responses show the resident number masked
//! (`900101-1******`), always.

use std::str::FromStr;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use egov::audit::Detail;
use egov::auth::CurrentUser;
use egov::codes::validate::CodeOf;
use egov::db::value::timestamp_to_sql;
use egov::i18n::Locale;
use egov::prelude::*;
use egov::privacy::mask;
use egov::validation::Valid;
use egov::validation::korean::{PhoneNumber, PostalCode, ResidentNumber};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;
use validator::Validate;

use crate::{Privacy, Services};

/// Who may file petitions (citizens).
pub const FILE: AccessPolicy = AccessPolicy::permission("petitions:file");
/// Who may list, open, process and download petitions (staff).
pub const REVIEW: AccessPolicy = AccessPolicy::permission("petitions:review");

egov::codes::code_group!(pub PetitionType = "PETITION_TYPE");
egov::codes::code_group!(pub Region = "REGION");
egov::codes::code_group!(pub PetitionStatus = "PETITION_STATUS");

/// The status of a new petition.
pub const INITIAL_STATUS: &str = "received";

/// A petition as shown: labels in the caller's language, personal data masked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Petition {
    /// Its id (UUIDv7).
    pub id: String,
    /// Its receipt number (접수번호), `2026-000123`: the year of filing in the
    /// agency's time zone and a sequence within that year.
    pub receipt_number: String,
    /// A code of `PETITION_TYPE`.
    pub petition_type: String,
    /// Its label.
    pub petition_type_label: String,
    /// A code of `REGION`.
    pub region: String,
    /// Its label (with the parent's, e.g. `서울특별시 종로구`).
    pub region_label: String,
    /// The title.
    pub title: String,
    /// The text.
    pub body: String,
    /// The applicant's resident number, masked (`900101-1******`).
    pub resident_number: String,
    /// The phone number, masked.
    pub phone: String,
    /// The postal code.
    pub postal_code: String,
    /// A code of `PETITION_STATUS`.
    pub status: String,
    /// Its label.
    pub status_label: String,
    /// The reason given with the last status change.
    pub status_reason: Option<String>,
    /// Incremented by every change; send it back when changing the status.
    pub version: i64,
    /// When it was filed (RFC 3339, UTC).
    pub created_at: String,
    /// When it was last changed (RFC 3339, UTC).
    pub updated_at: String,
}

/// A stored petition, decrypted in memory (never serialized or logged).
pub struct StoredPetition {
    /// The id.
    pub id: String,
    /// The receipt number (접수번호), `2026-000123`.
    pub receipt_number: String,
    /// Type code.
    pub petition_type: String,
    /// Region code.
    pub region: String,
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
    /// The resident number (canonical). Personal data.
    resident_number: String,
    /// The phone number (canonical). Personal data.
    phone: String,
    /// Postal code.
    pub postal_code: String,
    /// Status code.
    pub status: String,
    /// Reason of the last status change.
    pub status_reason: Option<String>,
    /// The filing account.
    pub filed_by: String,
    /// Version.
    pub version: i64,
    /// Filed at.
    pub created_at: String,
    /// Changed at.
    pub updated_at: String,
    /// The data subject (blind index of the resident number).
    pub subject: SubjectId,
}

impl StoredPetition {
    /// The resident number, masked.
    pub fn resident_number_masked(&self) -> String {
        mask::resident_number(&self.resident_number)
    }

    /// The phone number, masked.
    pub fn phone_masked(&self) -> String {
        mask::phone(&self.phone)
    }

    /// The phone number in full, for staff who opened the petition (an
    /// audited access).
    pub fn phone_full(&self) -> &str {
        &self.phone
    }
}

/// The body of `POST /api/petitions` (also the citizen form's fields).
/// No `Debug`: it holds a resident number.
#[derive(Deserialize, Validate, ToSchema)]
pub struct NewPetition {
    /// A currently valid code of `PETITION_TYPE` (`GET /codes/PETITION_TYPE`).
    #[validate(custom(function = "egov::codes::validate::valid_code"))]
    #[schema(value_type = String, example = "GENERAL")]
    pub petition_type: CodeOf<PetitionType>,
    /// A currently valid code of `REGION` (시도 or 시군구).
    #[validate(custom(function = "egov::codes::validate::valid_code"))]
    #[schema(value_type = String, example = "11110")]
    pub region: CodeOf<Region>,
    /// 1–200 characters, not only spaces.
    #[validate(length(min = 1, max = 200), custom(function = "not_blank"))]
    pub title: String,
    /// 1–4,000 characters, not only spaces.
    #[validate(length(min = 1, max = 4000), custom(function = "not_blank"))]
    pub body: String,
    /// The applicant's resident registration number (주민등록번호), with or
    /// without the hyphen.
    #[validate(custom(function = "egov::validation::korean::resident_number"))]
    #[schema(example = "900101-1234568")]
    pub resident_number: String,
    /// A Korean phone number.
    #[validate(custom(function = "egov::validation::korean::phone_number"))]
    #[schema(example = "010-1234-5678")]
    pub phone: String,
    /// A five-digit postal code.
    #[validate(custom(function = "egov::validation::korean::postal_code"))]
    #[schema(example = "03154")]
    pub postal_code: String,
}

/// The body of `PUT /api/petitions/{id}/status`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct StatusChange {
    /// The new status, a code of `PETITION_STATUS` allowed after the current one.
    #[validate(custom(function = "egov::codes::validate::valid_code"))]
    #[schema(value_type = String, example = "in_review")]
    pub status: CodeOf<PetitionStatus>,
    /// Required for `answered` and `rejected`: the answer or the reason.
    #[validate(length(max = 2000))]
    #[serde(default)]
    pub reason: Option<String>,
    /// The version read.
    pub version: i64,
}

/// `GET /api/petitions` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only petitions in this status (a code of `PETITION_STATUS`).
    pub status: Option<String>,
}

/// `GET /api/petitions/export` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Why the data is downloaded (required, recorded in the audit trail).
    pub reason: Option<String>,
    /// Only petitions in this status.
    pub status: Option<String>,
}

/// Storage and rules of petitions, shared by the API and the pages.
#[derive(Clone)]
pub struct PetitionStore {
    db: Db,
    audit: AuditLog,
    codes: CodeRegistry,
    privacy: std::sync::Arc<Privacy>,
    /// The agency's time zone: the year of a receipt number is the local year.
    offset: time::UtcOffset,
}

const COLUMNS: &str = "id, petition_type, region, title, body, resident_number_enc, \
    resident_number_bidx, phone_enc, postal_code, status, status_reason, filed_by, version, \
    created_at, updated_at, receipt_year, receipt_seq";

/// A receipt number as shown: `2026-000123` (six digits at least).
///
/// ```
/// assert_eq!(civil_petitions::petitions::receipt_number(2026, 123), "2026-000123");
/// assert_eq!(civil_petitions::petitions::receipt_number(2026, 1_234_567), "2026-1234567");
/// ```
pub fn receipt_number(year: i64, seq: i64) -> String {
    format!("{year:04}-{seq:06}")
}

/// The conflict of a stale version: someone changed the petition since it was
/// read (`current`: the version now, at least). Its detail is `petition-stale`.
fn stale(current: i64) -> ApiError {
    ApiError(
        Problem::new(ProblemType::CONFLICT)
            .with_detail(Message::new("petition-stale").arg("version", current)),
    )
}

/// Whether `problem` is the conflict of a stale version ([`PetitionStore::change_status`]).
pub fn is_stale(problem: &Problem) -> bool {
    problem.status() == 409
        && problem
            .detail()
            .is_some_and(|d| d.key() == "petition-stale")
}

/// A 422 problem with one field error.
pub fn field_problem(field: &str, code: &'static str, message: Message) -> ApiError {
    ApiError(
        Problem::new(ProblemType::VALIDATION_FAILED)
            .with_field_error(FieldError::new(field, code, message)),
    )
}

impl PetitionStore {
    /// The store of the running `services`.
    pub fn new(services: &Services) -> Self {
        Self {
            db: services.db.clone(),
            audit: services.audit.clone(),
            codes: services.codes.clone(),
            privacy: services.privacy.clone(),
            offset: services.pages.offset(),
        }
    }

    /// The audit trail.
    pub fn audit(&self) -> &AuditLog {
        &self.audit
    }

    /// The code registry.
    pub fn codes(&self) -> &CodeRegistry {
        &self.codes
    }

    fn read_row(&self, row: &sqlx::any::AnyRow) -> Result<StoredPetition, ApiError> {
        let id: String = row.try_get("id")?;
        let decrypt = |column: &str| -> Result<String, ApiError> {
            let text: String = row.try_get(column)?;
            self.privacy
                .cipher
                .decrypt_with_aad(&text, id.as_bytes())
                .map_err(|error| {
                    // The error names no data; the column and row id are enough.
                    tracing::error!(%error, column, petition = %id, "cannot decrypt a petition field");
                    ApiError(Problem::internal())
                })
        };
        let resident_number = decrypt("resident_number_enc")?;
        let phone = decrypt("phone_enc")?;
        let index: String = row.try_get("resident_number_bidx")?;
        let subject = SubjectId::from_blind_index(&index).map_err(|_| Problem::internal())?;
        let receipt_year: Option<i64> = row.try_get("receipt_year")?;
        let receipt_seq: Option<i64> = row.try_get("receipt_seq")?;
        Ok(StoredPetition {
            receipt_number: match (receipt_year, receipt_seq) {
                (Some(year), Some(seq)) => receipt_number(year, seq),
                // Every row has one since migration 2; never fail a read over it.
                _ => String::new(),
            },
            petition_type: row.try_get("petition_type")?,
            region: row.try_get("region")?,
            title: row.try_get("title")?,
            body: row.try_get("body")?,
            resident_number,
            phone,
            postal_code: row.try_get("postal_code")?,
            status: row.try_get("status")?,
            status_reason: row.try_get("status_reason")?,
            filed_by: row.try_get("filed_by")?,
            version: row.try_get("version")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
            subject,
            id,
        })
    }

    /// The label of `code` in `group` in `locale` (the code itself if unknown).
    pub fn label(&self, group: &str, code: &str, locale: &str) -> String {
        let snapshot = self.codes.snapshot();
        let fallbacks = self.codes.fallbacks();
        snapshot.code(group, code).map_or_else(
            || code.to_owned(),
            |c| c.label(locale, &fallbacks).to_owned(),
        )
    }

    /// A region's label with its parent's (`서울특별시 종로구`).
    pub fn region_label(&self, code: &str, locale: &str) -> String {
        let snapshot = self.codes.snapshot();
        let fallbacks = self.codes.fallbacks();
        match snapshot.code("REGION", code) {
            Some(region) => match region
                .parent
                .as_deref()
                .and_then(|p| snapshot.code("REGION", p))
            {
                Some(parent) => format!(
                    "{} {}",
                    parent.label(locale, &fallbacks),
                    region.label(locale, &fallbacks)
                ),
                None => region.label(locale, &fallbacks).to_owned(),
            },
            None => code.to_owned(),
        }
    }

    /// `stored` as shown to `locale`, personal data masked.
    pub fn view(&self, stored: &StoredPetition, locale: &str) -> Petition {
        Petition {
            id: stored.id.clone(),
            receipt_number: stored.receipt_number.clone(),
            petition_type: stored.petition_type.clone(),
            petition_type_label: self.label("PETITION_TYPE", &stored.petition_type, locale),
            region: stored.region.clone(),
            region_label: self.region_label(&stored.region, locale),
            title: stored.title.clone(),
            body: stored.body.clone(),
            resident_number: stored.resident_number_masked(),
            phone: stored.phone_masked(),
            postal_code: stored.postal_code.clone(),
            status: stored.status.clone(),
            status_label: self.label("PETITION_STATUS", &stored.status, locale),
            status_reason: stored.status_reason.clone(),
            version: stored.version,
            created_at: stored.created_at.clone(),
            updated_at: stored.updated_at.clone(),
        }
    }

    /// Files a petition for `account` (validated already); the audit event is
    /// recorded in the same transaction. Returns the new id.
    pub async fn file(
        &self,
        actor: &Actor,
        account: &str,
        petition: &NewPetition,
    ) -> Result<String, ApiError> {
        // Validated, so these parse; a failure is still a 422, never a 500.
        let resident = ResidentNumber::from_str(&petition.resident_number).map_err(|e| {
            field_problem(
                "/resident_number",
                "resident_number",
                egov::validation::problem::message(&e.to_validation_error()),
            )
        })?;
        let phone = PhoneNumber::from_str(&petition.phone).map_err(|e| {
            field_problem(
                "/phone",
                "phone_number",
                egov::validation::problem::message(&e.to_validation_error()),
            )
        })?;
        let postal = PostalCode::from_str(&petition.postal_code).map_err(|e| {
            field_problem(
                "/postal_code",
                "postal_code",
                egov::validation::problem::message(&e.to_validation_error()),
            )
        })?;
        let id: Id<Petition> = Id::new();
        let id = id.to_string();
        let cipher = &self.privacy.cipher;
        let encrypt = |value: &str| {
            cipher
                .encrypt_with_aad(value, id.as_bytes())
                .map_err(|error| {
                    tracing::error!(%error, "cannot encrypt a petition field");
                    ApiError(Problem::internal())
                })
        };
        let resident_enc = encrypt(resident.expose())?;
        let phone_enc = encrypt(phone.expose())?;
        let index = self.privacy.index.compute(resident.expose());
        let subject = SubjectId::from_blind_index(&index).map_err(|_| Problem::internal())?;
        let filed_at = time::OffsetDateTime::now_utc();
        let now = timestamp_to_sql(filed_at);
        let year = i64::from(filed_at.to_offset(self.offset).year());

        let mut tx = self.audit.begin().await?;
        // The year's next receipt number, in the filing's transaction: the upsert
        // locks the year's counter row until commit, so concurrent filings queue.
        let seq: i64 = sqlx::query(
            "INSERT INTO petition_receipt_counters (receipt_year, last_seq) VALUES ($1, 1) \
             ON CONFLICT (receipt_year) DO UPDATE \
             SET last_seq = petition_receipt_counters.last_seq + 1 RETURNING last_seq",
        )
        .bind(year)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        sqlx::query(
            "INSERT INTO petitions (id, petition_type, region, title, body, resident_number_enc, \
             resident_number_bidx, phone_enc, postal_code, status, status_reason, filed_by, \
             version, created_at, updated_at, receipt_year, receipt_seq) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11, 1, $12, $12, $13, $14)",
        )
        .bind(&id)
        .bind(petition.petition_type.as_str())
        .bind(petition.region.as_str())
        .bind(petition.title.trim())
        .bind(petition.body.trim())
        .bind(&resident_enc)
        .bind(&index)
        .bind(&phone_enc)
        .bind(postal.expose())
        .bind(INITIAL_STATUS)
        .bind(account)
        .bind(&now)
        .bind(year)
        .bind(seq)
        .execute(&mut *tx)
        .await?;
        tx.commit(
            AuditEvent::new(Action::CREATE, actor, Outcome::Success)
                .target(Target::new("petition", &id))
                .subject(subject)
                .detail(
                    Detail::new()
                        .text("type", petition.petition_type.as_str())
                        .text("receipt_number", receipt_number(year, seq)),
                ),
        )
        .await?;
        Ok(id)
    }

    /// One petition (404 problem when absent).
    pub async fn find(&self, id: &str) -> Result<StoredPetition, ApiError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM petitions WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(self.db.pool())
        .await?
        .ok_or_else(|| ApiError(Problem::new(ProblemType::NOT_FOUND)))?;
        self.read_row(&row)
    }

    /// One petition of `account` (the one who filed it): a 404 problem when
    /// absent or filed by someone else (its existence is not revealed).
    pub async fn find_own(&self, account: &str, id: &str) -> Result<StoredPetition, ApiError> {
        let stored = self.find(id).await?;
        if stored.filed_by != account {
            return Err(ApiError(Problem::new(ProblemType::NOT_FOUND)));
        }
        Ok(stored)
    }

    /// Opens a petition for staff: reads it and records the personal-data
    /// access (`view`, the data subject named) before anything is shown.
    pub async fn open(&self, actor: &Actor, id: &str) -> Result<StoredPetition, ApiError> {
        let stored = self.find(id).await?;
        self.audit
            .record(
                AuditEvent::new(Action::VIEW, actor, Outcome::Success)
                    .target(Target::new("petition", &stored.id))
                    .subject(stored.subject.clone()),
            )
            .await?;
        Ok(stored)
    }

    /// The status codes known, for filters (422 for an unknown one).
    fn check_status_filter(&self, status: Option<&str>) -> Result<Option<String>, ApiError> {
        match status.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) if self.codes.snapshot().code("PETITION_STATUS", s).is_some() => {
                Ok(Some(s.to_owned()))
            }
            Some(_) => Err(field_problem(
                "/status",
                "code",
                Message::new("petition-unknown-status"),
            )),
        }
    }

    /// A page of petitions, newest first, optionally of one status and of one
    /// filing account.
    pub async fn list(
        &self,
        status: Option<&str>,
        filed_by: Option<&str>,
        request: PageRequest,
    ) -> Result<Page<StoredPetition>, ApiError> {
        let status = self.check_status_filter(status)?;
        let mut conditions = Vec::new();
        let mut params: Vec<String> = Vec::new();
        if let Some(status) = status {
            params.push(status);
            conditions.push(format!("status = ${}", params.len()));
        }
        if let Some(account) = filed_by {
            params.push(account.to_owned());
            conditions.push(format!("filed_by = ${}", params.len()));
        }
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        };
        let count_sql = format!("SELECT COUNT(*) FROM petitions{filter}");
        let mut count = sqlx::query(sqlx::AssertSqlSafe(count_sql));
        for p in &params {
            count = count.bind(p.clone());
        }
        let total: i64 = count.fetch_one(self.db.pool()).await?.try_get(0)?;
        let n = params.len();
        let sql = format!(
            "SELECT {COLUMNS} FROM petitions{filter} ORDER BY id DESC LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for p in &params {
            query = query.bind(p.clone());
        }
        let rows = query
            .bind(i64::from(request.limit()))
            .bind(i64::try_from(request.offset()).unwrap_or(i64::MAX))
            .fetch_all(self.db.pool())
            .await?;
        let items = rows
            .iter()
            .map(|row| self.read_row(row))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::new(items, request, u64::try_from(total).unwrap_or(0)))
    }

    /// Moves a petition to `to` as the `PETITION_STATUS` codes allow: the
    /// current code's `next` attribute must list it (else 409), and a target
    /// with `reason_required` needs a reason (else 422). The version must be
    /// current (else 409). Change and audit event commit together.
    pub async fn change_status(
        &self,
        actor: &Actor,
        id: &str,
        to: &str,
        reason: Option<&str>,
        version: i64,
        locale: &str,
    ) -> Result<StoredPetition, ApiError> {
        let current = self.find(id).await?;
        // A stale version first: the form was read before someone else changed the
        // petition, and whatever it asks for was decided on what is no longer there.
        if current.version != version {
            return Err(stale(current.version));
        }
        let (allowed, reason_required) = {
            let snapshot = self.codes.snapshot();
            let next: Vec<String> = snapshot
                .code("PETITION_STATUS", &current.status)
                .and_then(|c| c.attributes.get("next"))
                .and_then(|n| n.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            let required = snapshot
                .code("PETITION_STATUS", to)
                .and_then(|c| c.attributes.get("reason_required"))
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false);
            (next.iter().any(|n| n == to), required)
        };
        let to_label = self.label("PETITION_STATUS", to, locale);
        if !allowed {
            return Err(ApiError(
                Problem::new(ProblemType::CONFLICT).with_detail(
                    Message::new("petition-transition-invalid")
                        .arg(
                            "from",
                            self.label("PETITION_STATUS", &current.status, locale),
                        )
                        .arg("to", to_label),
                ),
            ));
        }
        // Required text is visible text (not only spaces or zero-width characters).
        let reason = reason
            .map(str::trim)
            .filter(|r| egov::core::text::is_visible_text(r));
        if reason_required && reason.is_none() {
            return Err(field_problem(
                "/reason",
                "required",
                Message::new("petition-reason-required").arg("status", to_label),
            ));
        }
        let now = timestamp_to_sql(time::OffsetDateTime::now_utc());
        let mut tx = self.audit.begin().await?;
        let changed = sqlx::query(
            "UPDATE petitions SET status = $1, status_reason = $2, version = version + 1, \
             updated_at = $3 WHERE id = $4 AND version = $5 AND status = $6",
        )
        .bind(to)
        .bind(reason)
        .bind(&now)
        .bind(id)
        .bind(version)
        .bind(&current.status)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            // Changed between the read above and this update.
            return Err(stale(version + 1));
        }
        tx.commit(
            AuditEvent::new(Action::UPDATE, actor, Outcome::Success)
                .target(Target::new("petition", id))
                .subject(current.subject.clone())
                .reason_code("status_change")
                .detail(
                    Detail::new()
                        .text("from", &current.status)
                        .text("to", to)
                        .number("version", version + 1),
                ),
        )
        .await?;
        self.find(id).await
    }

    /// The CSV of every petition (optionally of one status) in `locale`,
    /// personal data masked, after recording the download with its reason (no
    /// reason: 422, nothing sent). Returns the CSV text.
    pub async fn export_csv(
        &self,
        actor: &Actor,
        reason: Option<&str>,
        status: Option<&str>,
        locale: &str,
        headers: [String; 10],
    ) -> Result<String, ApiError> {
        let reason = match reason.map(str::trim).filter(|r| !r.is_empty()) {
            Some(text) => Reason::new(text).map_err(|_| {
                field_problem(
                    "/reason",
                    "length",
                    Message::new("petition-export-reason-required"),
                )
            })?,
            None => {
                return Err(field_problem(
                    "/reason",
                    "required",
                    Message::new("petition-export-reason-required"),
                ));
            }
        };
        let mut rows = Vec::new();
        let mut page = 1;
        loop {
            let request = PageRequest::new(page, 100)?;
            let chunk = self.list(status, None, request).await?;
            let done = chunk.items.len() < 100;
            rows.extend(chunk.items);
            if done {
                break;
            }
            page += 1;
        }
        let mut writer = csv::Writer::from_writer(Vec::new());
        let write_error = |error: csv::Error| {
            tracing::error!(%error, "cannot write the petition CSV");
            ApiError(Problem::internal())
        };
        writer.write_record(&headers).map_err(write_error)?;
        for row in &rows {
            let view = self.view(row, locale);
            writer
                .write_record([
                    view.id.as_str(),
                    &view.receipt_number,
                    &view.petition_type_label,
                    &view.region_label,
                    &egov::audit::report::spreadsheet_safe(&view.title),
                    &view.resident_number,
                    &view.phone,
                    &view.postal_code,
                    &view.status_label,
                    &view.created_at,
                ])
                .map_err(write_error)?;
        }
        let bytes = writer.into_inner().map_err(|_| Problem::internal())?;
        let text = String::from_utf8(bytes).map_err(|_| Problem::internal())?;
        // Recorded before the data leaves; no record, no download.
        let mut subjects: Vec<SubjectId> = rows.iter().map(|r| r.subject.clone()).collect();
        subjects.sort();
        subjects.dedup();
        self.audit
            .record(
                AuditEvent::personal_data_download(
                    Action::DOWNLOAD,
                    actor,
                    Target::kind("petition"),
                    subjects,
                    reason,
                )
                .detail(Detail::new().number("rows", i64::try_from(rows.len()).unwrap_or(0))),
            )
            .await?;
        Ok(format!("\u{feff}{text}"))
    }
}

/// The CSV header in `locale`.
pub fn csv_headers(i18n: &egov::i18n::I18n, locale: &str) -> [String; 10] {
    [
        "csv-id",
        "csv-receipt-number",
        "csv-type",
        "csv-region",
        "csv-title",
        "csv-resident-number",
        "csv-phone",
        "csv-postal-code",
        "csv-status",
        "csv-filed-at",
    ]
    .map(|key| i18n.text(locale, &Message::new(key)))
}

/// Files a petition.
#[utoipa::path(post, path = "/api/petitions", tag = "petitions", request_body = NewPetition,
    responses(
        (status = 201, description = "Filed", body = Petition)))]
async fn file_petition(
    State(store): State<PetitionStore>,
    user: CurrentUser,
    locale: Locale,
    Valid(Json(body)): Valid<Json<NewPetition>>,
) -> ApiResult<Response> {
    let id = store
        .file(&user.actor, &user.account_id.to_string(), &body)
        .await?;
    let stored = store.find(&id).await?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/petitions/{id}"))],
        Json(store.view(&stored, locale.as_str())),
    )
        .into_response())
}

/// The caller's own petitions, newest first.
#[utoipa::path(get, path = "/api/my/petitions", tag = "petitions", params(Paging),
    responses(
        (status = 200, description = "One page of the caller's petitions")))]
async fn my_petitions(
    State(store): State<PetitionStore>,
    user: CurrentUser,
    locale: Locale,
    Paging(request): Paging,
) -> ApiResult<Json<Page<Petition>>> {
    let page = store
        .list(None, Some(&user.account_id.to_string()), request)
        .await?;
    Ok(Json(page.map(|p| store.view(&p, locale.as_str()))))
}

/// Every petition, newest first, optionally of one status.
#[utoipa::path(get, path = "/api/petitions", tag = "petitions", params(ListQuery, Paging),
    responses(
        (status = 200, description = "One page of petitions")))]
async fn list_petitions(
    State(store): State<PetitionStore>,
    locale: Locale,
    Query(query): Query<ListQuery>,
    Paging(request): Paging,
) -> ApiResult<Json<Page<Petition>>> {
    let page = store.list(query.status.as_deref(), None, request).await?;
    Ok(Json(page.map(|p| store.view(&p, locale.as_str()))))
}

/// Opens one petition (recorded as a personal-data access of its applicant).
#[utoipa::path(get, path = "/api/petitions/{id}", tag = "petitions",
    params(("id" = String, Path, description = "Petition id")),
    responses(
        (status = 200, description = "Found", body = Petition)))]
async fn get_petition(
    State(store): State<PetitionStore>,
    Extension(actor): Extension<Actor>,
    locale: Locale,
    Path(id): Path<String>,
) -> ApiResult<Json<Petition>> {
    let stored = store.open(&actor, &id).await?;
    Ok(Json(store.view(&stored, locale.as_str())))
}

/// Changes a petition's status (`received → in_review → answered | rejected`).
#[utoipa::path(put, path = "/api/petitions/{id}/status", tag = "petitions", request_body = StatusChange,
    params(("id" = String, Path, description = "Petition id")),
    responses(
        (status = 200, description = "Changed", body = Petition), Stale))]
async fn change_status(
    State(store): State<PetitionStore>,
    Extension(actor): Extension<Actor>,
    locale: Locale,
    Path(id): Path<String>,
    Valid(Json(body)): Valid<Json<StatusChange>>,
) -> ApiResult<Json<Petition>> {
    let stored = store
        .change_status(
            &actor,
            &id,
            body.status.as_str(),
            body.reason.as_deref(),
            body.version,
            locale.as_str(),
        )
        .await?;
    Ok(Json(store.view(&stored, locale.as_str())))
}

/// Downloads petitions as CSV (UTF-8 with BOM); resident and phone numbers
/// masked. `reason` is required and recorded with the download.
#[utoipa::path(get, path = "/api/petitions/export", tag = "petitions", params(ExportQuery),
    responses(
        (status = 200, description = "CSV", content_type = "text/csv")))]
async fn export_petitions(
    State(store): State<PetitionStore>,
    Extension(actor): Extension<Actor>,
    Extension(i18n): Extension<egov::i18n::I18n>,
    locale: Locale,
    Query(query): Query<ExportQuery>,
) -> ApiResult<Response> {
    let csv = store
        .export_csv(
            &actor,
            query.reason.as_deref(),
            query.status.as_deref(),
            locale.as_str(),
            csv_headers(&i18n, locale.as_str()),
        )
        .await?;
    Ok(csv_response(csv))
}

/// A CSV attachment that is not cached.
pub fn csv_response(csv: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"petitions.csv\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        csv,
    )
        .into_response()
}

/// The petition API: filing under [`FILE`], everything else under [`REVIEW`].
pub fn routes(store: PetitionStore) -> ApiRouter {
    ApiRouter::new()
        .routes(FILE, routes!(file_petition))
        .routes(FILE, routes!(my_petitions))
        .routes(REVIEW, routes!(list_petitions))
        .routes(REVIEW, routes!(export_petitions))
        .routes(REVIEW, routes!(get_petition))
        .routes(REVIEW, routes!(change_status))
        .with_state(store)
}
