//! The sample resource: notices (공지사항). Copy it for your own resources.
//! Reads are public, writes need [`WRITE`]; bodies are validated (`category`
//! against the code group `NOTICE_CATEGORY`); each change commits with its
//! audit event; a stale `version` gets 409. [`Resource`] derives the routes,
//! their SQL and their OpenAPI (with the problem responses) from the types.

use egov::prelude::*;

/// Who may create and change notices.
pub const WRITE: AccessPolicy = AccessPolicy::permission("notices:write");

egov::codes::code_group!(pub NoticeCategory = "NOTICE_CATEGORY");

/// A notice, as stored in the table `notices`.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Notice {
    /// Its id (UUIDv7).
    #[schema(value_type = String)]
    #[sqlx(try_from = "String")]
    pub id: Id<Notice>,
    /// The title.
    pub title: String,
    /// The text.
    pub body: String,
    /// A code of the group `NOTICE_CATEGORY`.
    pub category: String,
    /// Incremented by every change; send it back when updating.
    pub version: i64,
    /// When it was last changed (RFC 3339, UTC).
    pub updated_at: String,
}

/// A notice's fields: the body of `POST`, and with `version` of `PUT`.
#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
pub struct NewNotice {
    /// 1–100 characters, not only spaces.
    #[validate(length(min = 1, max = 100), custom(function = "not_blank"))]
    pub title: String,
    /// 1–5,000 characters.
    #[validate(length(min = 1, max = 5000))]
    pub body: String,
    /// A currently valid code of `NOTICE_CATEGORY` (see `GET /codes/NOTICE_CATEGORY`).
    #[validate(custom(function = "valid_code"))]
    #[schema(value_type = String, example = "GENERAL")]
    pub category: CodeOf<NoticeCategory>,
}

/// `GET`/`POST /api/notices`, `GET`/`PUT /api/notices/{id}`, audited as `notice`.
impl Resource for Notice {
    type Fields = NewNotice;
    const TABLE: &'static str = "notices";
    const PATH: &'static str = "/api/notices";
    const KIND: &'static str = "notice";
}
