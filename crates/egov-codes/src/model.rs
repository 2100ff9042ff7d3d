//! The records: categories, code groups and codes, what callers send to create
//! or change them (drafts), and their history.
//!
//! # Rules every record obeys
//!
//! - **Identifiers** (category ids, group ids) are 1–64 characters of
//!   `A–Z a–z 0–9 _ . -` ([`is_valid_id`]). They are case-sensitive and never
//!   change: a record is replaced by deactivating it and creating another.
//!   eGovFrame's ids (`EFC`, `COM001`) fit. They are not trimmed: an id with
//!   surrounding spaces is refused.
//! - **Code values** (a code, and a code's parent) are what eGovFrame's
//!   `COMTCCMMNDETAILCODE.CODE` holds: 1–64 characters of any Unicode except
//!   control characters (NUL, tab, newline, DEL, C1 controls), not only white
//!   space ([`is_valid_code`]) — `01`, `%Y-%m`, `A/B`, `1 2`, `서울` all are.
//!   They are kept byte for byte (no trimming, no Unicode normalisation),
//!   compared exactly, case-sensitive, and never change. Over HTTP a code is
//!   one path segment, percent-encoded where it is not a plain one
//!   (`/codes/G/A%2FB`).
//! - **Labels** are a map from a locale tag (`ko`, `en`, `zh-Hant`: letters,
//!   digits and `-`, at most 35 characters) to a label of at most 200
//!   characters, not blank (only white space) and without control characters;
//!   it is kept exactly as written, surrounding spaces included (`Continue `).
//!   At least one label is required. [`label_in`] picks the label
//!   for a locale: the exact tag, then its language (`ko-KR` → `ko`), then each
//!   fallback locale, then the first label by tag order.
//! - **Descriptions** and the **custodian** (the owning unit or person who
//!   answers for a group, GOV.UK's "custodian") are optional text of at most
//!   1,000 and 200 characters, without control characters other than newline
//!   and tab; blank text (empty or only white space) counts as absent, other
//!   text is kept exactly as written, surrounding spaces included.
//! - **Validity** of a code: `valid_from` and `valid_to` are dates
//!   (`YYYY-MM-DD`) and both are **inclusive**; either may be absent (open
//!   ended). A code is *valid at D* when it is active, its group is active and
//!   `valid_from ≤ D ≤ valid_to`.
//! - **Hierarchy**: a code's `parent` is another code of the same group (region
//!   → district kept in one group); it must exist, and cycles are refused.
//! - **Attributes**: a small JSON object (at most 32 members and 4,096 bytes
//!   serialized) for what a code table needs beyond labels, e.g.
//!   `{"legacy_code": "A1", "fee": 3000}`.
//! - **Sort order**: an integer; lists are sorted by `sort_order`, then code.

use std::collections::BTreeMap;
use std::fmt;

use egov_core::message::Message;
use serde::{Deserialize, Serialize};
use time::Date;

/// Labels by locale tag.
pub type Labels = BTreeMap<String, String>;

/// A code's attribute map (a small JSON object).
pub type Attributes = BTreeMap<String, serde_json::Value>;

/// Most characters of an id or code.
pub const MAX_ID_LEN: usize = 64;
/// Most characters of a code value (the same as an id's).
pub const MAX_CODE_LEN: usize = MAX_ID_LEN;
/// Most characters of a label.
pub const MAX_LABEL_LEN: usize = 200;
/// Most characters of a description.
pub const MAX_DESCRIPTION_LEN: usize = 1000;
/// Most characters of a custodian.
pub const MAX_CUSTODIAN_LEN: usize = 200;
/// Most characters of a change reason.
pub const MAX_REASON_LEN: usize = 500;
/// Most attribute members.
pub const MAX_ATTRIBUTES: usize = 32;
/// Most bytes of the serialized attribute map.
pub const MAX_ATTRIBUTES_BYTES: usize = 4096;

/// Who changed a record last and when, and its version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "axum", derive(utoipa::ToSchema))]
pub struct Stamp {
    /// Starts at 1 and grows by one with every change (the optimistic
    /// concurrency token: send it back with an update).
    pub version: i64,
    /// When the record was created (RFC 3339, UTC).
    pub created_at: String,
    /// Who created it (an account id, `system:<name>` or `anonymous`).
    pub created_by: String,
    /// When it was last changed (RFC 3339, UTC).
    pub updated_at: String,
    /// Who changed it last.
    pub updated_by: String,
}

/// A category of code groups (eGovFrame's class, `COMTCCMMNCLCODE`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "axum", derive(utoipa::ToSchema))]
pub struct Category {
    /// Its id, e.g. `EFC`.
    pub id: String,
    /// Its labels by locale.
    pub labels: Labels,
    /// What it holds.
    pub description: Option<String>,
    /// Whether it is in use.
    pub active: bool,
    /// Version and who changed it when.
    #[serde(flatten)]
    pub stamp: Stamp,
}

/// A code group (eGovFrame's `COMTCCMMNCODE`), e.g. `PETITION_TYPE`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "axum", derive(utoipa::ToSchema))]
pub struct CodeGroup {
    /// Its id, e.g. `COM001` or `PETITION_TYPE`.
    pub id: String,
    /// The category it belongs to, if any.
    pub category: Option<String>,
    /// Its labels by locale.
    pub labels: Labels,
    /// What the codes mean and when to use them.
    pub description: Option<String>,
    /// The unit or person who answers for the group's content.
    pub custodian: Option<String>,
    /// Whether it is in use (an inactive group has no valid codes).
    pub active: bool,
    /// Version and who changed it when.
    #[serde(flatten)]
    pub stamp: Stamp,
}

/// One code of a group (eGovFrame's `COMTCCMMNDETAILCODE`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "axum", derive(utoipa::ToSchema))]
pub struct Code {
    /// The group.
    pub group: String,
    /// The code, e.g. `01`.
    pub code: String,
    /// Its labels by locale.
    pub labels: Labels,
    /// What it means.
    pub description: Option<String>,
    /// Position in lists (ascending; ties by code).
    pub sort_order: i64,
    /// The parent code in the same group, for hierarchies.
    pub parent: Option<String>,
    /// First day it is valid (inclusive), `YYYY-MM-DD`.
    #[serde(with = "date_opt")]
    #[cfg_attr(feature = "axum", schema(value_type = Option<String>, format = Date))]
    pub valid_from: Option<Date>,
    /// Last day it is valid (inclusive), `YYYY-MM-DD`.
    #[serde(with = "date_opt")]
    #[cfg_attr(feature = "axum", schema(value_type = Option<String>, format = Date))]
    pub valid_to: Option<Date>,
    /// Whether it is in use.
    pub active: bool,
    /// Extra data.
    #[cfg_attr(feature = "axum", schema(value_type = Object))]
    pub attributes: Attributes,
    /// Version and who changed it when.
    #[serde(flatten)]
    pub stamp: Stamp,
}

impl Code {
    /// Whether the code is active and `date` lies in its validity (the group's
    /// activity is checked by the snapshot).
    pub fn is_valid_on(&self, date: Date) -> bool {
        self.active
            && self.valid_from.is_none_or(|from| from <= date)
            && self.valid_to.is_none_or(|to| date <= to)
    }

    /// The label for `locale` (see [`label_in`]); the code itself when it has none.
    pub fn label<'a>(&'a self, locale: &str, fallbacks: &[&str]) -> &'a str {
        label_in(&self.labels, locale, fallbacks).unwrap_or(&self.code)
    }
}

impl CodeGroup {
    /// The label for `locale` (see [`label_in`]); the id when it has none.
    pub fn label<'a>(&'a self, locale: &str, fallbacks: &[&str]) -> &'a str {
        label_in(&self.labels, locale, fallbacks).unwrap_or(&self.id)
    }
}

/// The label for `locale`: the exact tag, then its language subtag (`ko-KR` →
/// `ko`), then each of `fallbacks`, then the first label by tag order.
pub fn label_in<'a>(labels: &'a Labels, locale: &str, fallbacks: &[&str]) -> Option<&'a str> {
    if let Some(label) = labels.get(locale) {
        return Some(label);
    }
    if let Some((language, _)) = locale.split_once('-')
        && let Some(label) = labels.get(language)
    {
        return Some(label);
    }
    fallbacks
        .iter()
        .find_map(|f| labels.get(*f))
        .or_else(|| labels.values().next())
        .map(String::as_str)
}

/// What to create, or what a category becomes on update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "axum", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CategoryDraft {
    /// Its id (ignored on update: the path names it).
    pub id: String,
    /// Labels by locale; at least one.
    pub labels: Labels,
    /// Optional description.
    #[serde(default)]
    pub description: Option<String>,
    /// Whether it is in use (default true).
    #[serde(default = "yes")]
    pub active: bool,
}

/// What to create, or what a group becomes on update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "axum", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GroupDraft {
    /// Its id (ignored on update: the path names it).
    pub id: String,
    /// Its category, which must exist.
    #[serde(default)]
    pub category: Option<String>,
    /// Labels by locale; at least one.
    pub labels: Labels,
    /// Optional description.
    #[serde(default)]
    pub description: Option<String>,
    /// The owning unit or person.
    #[serde(default)]
    pub custodian: Option<String>,
    /// Whether it is in use (default true).
    #[serde(default = "yes")]
    pub active: bool,
}

/// What to create, or what a code becomes on update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "axum", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CodeDraft {
    /// The group (over HTTP, taken from the path).
    #[serde(default)]
    pub group: String,
    /// The code (on update, taken from the path).
    pub code: String,
    /// Labels by locale; at least one.
    pub labels: Labels,
    /// Optional description.
    #[serde(default)]
    pub description: Option<String>,
    /// Position in lists (default 0).
    #[serde(default)]
    pub sort_order: i64,
    /// Parent code in the same group.
    #[serde(default)]
    pub parent: Option<String>,
    /// First valid day (inclusive).
    #[serde(default, with = "date_opt")]
    #[cfg_attr(feature = "axum", schema(value_type = Option<String>, format = Date))]
    pub valid_from: Option<Date>,
    /// Last valid day (inclusive).
    #[serde(default, with = "date_opt")]
    #[cfg_attr(feature = "axum", schema(value_type = Option<String>, format = Date))]
    pub valid_to: Option<Date>,
    /// Whether it is in use (default true).
    #[serde(default = "yes")]
    pub active: bool,
    /// Extra data (a small JSON object).
    #[serde(default)]
    #[cfg_attr(feature = "axum", schema(value_type = Object))]
    pub attributes: Attributes,
}

fn yes() -> bool {
    true
}

impl CodeDraft {
    /// A draft of `group`/`code` with one Korean label, everything else default.
    pub fn new(
        group: impl Into<String>,
        code: impl Into<String>,
        ko_label: impl Into<String>,
    ) -> Self {
        Self {
            group: group.into(),
            code: code.into(),
            labels: Labels::from([("ko".to_owned(), ko_label.into())]),
            description: None,
            sort_order: 0,
            parent: None,
            valid_from: None,
            valid_to: None,
            active: true,
            attributes: Attributes::new(),
        }
    }

    /// Adds (or replaces) the label of `locale`.
    #[must_use]
    pub fn label(mut self, locale: &str, label: impl Into<String>) -> Self {
        self.labels.insert(locale.to_owned(), label.into());
        self
    }

    /// Sets the sort order.
    #[must_use]
    pub fn sort_order(mut self, order: i64) -> Self {
        self.sort_order = order;
        self
    }

    /// Sets the parent code.
    #[must_use]
    pub fn parent(mut self, parent: impl Into<String>) -> Self {
        self.parent = Some(parent.into());
        self
    }

    /// Sets the validity (inclusive dates; `None` = open).
    #[must_use]
    pub fn valid(mut self, from: Option<Date>, to: Option<Date>) -> Self {
        self.valid_from = from;
        self.valid_to = to;
        self
    }
}

impl GroupDraft {
    /// A draft of group `id` with one Korean label, everything else default.
    pub fn new(id: impl Into<String>, ko_label: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            category: None,
            labels: Labels::from([("ko".to_owned(), ko_label.into())]),
            description: None,
            custodian: None,
            active: true,
        }
    }

    /// Adds (or replaces) the label of `locale`.
    #[must_use]
    pub fn label(mut self, locale: &str, label: impl Into<String>) -> Self {
        self.labels.insert(locale.to_owned(), label.into());
        self
    }
}

impl CategoryDraft {
    /// A draft of category `id` with one Korean label.
    pub fn new(id: impl Into<String>, ko_label: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            labels: Labels::from([("ko".to_owned(), ko_label.into())]),
            description: None,
            active: true,
        }
    }
}

impl From<&Category> for CategoryDraft {
    fn from(c: &Category) -> Self {
        Self {
            id: c.id.clone(),
            labels: c.labels.clone(),
            description: c.description.clone(),
            active: c.active,
        }
    }
}

impl From<&CodeGroup> for GroupDraft {
    fn from(g: &CodeGroup) -> Self {
        Self {
            id: g.id.clone(),
            category: g.category.clone(),
            labels: g.labels.clone(),
            description: g.description.clone(),
            custodian: g.custodian.clone(),
            active: g.active,
        }
    }
}

impl From<&Code> for CodeDraft {
    fn from(c: &Code) -> Self {
        Self {
            group: c.group.clone(),
            code: c.code.clone(),
            labels: c.labels.clone(),
            description: c.description.clone(),
            sort_order: c.sort_order,
            parent: c.parent.clone(),
            valid_from: c.valid_from,
            valid_to: c.valid_to,
            active: c.active,
            attributes: c.attributes.clone(),
        }
    }
}

/// What kind of record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "axum", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    /// A category.
    Category,
    /// A code group.
    Group,
    /// A code.
    Code,
}

impl Entity {
    /// `category`, `group` or `code`.
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Category => "category",
            Entity::Group => "group",
            Entity::Code => "code",
        }
    }

    /// The audit target type: `code_category`, `code_group` or `code`.
    pub fn audit_kind(self) -> &'static str {
        match self {
            Entity::Category => "code_category",
            Entity::Group => "code_group",
            Entity::Code => "code",
        }
    }
}

/// What a change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "axum", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// The record was created (version 1).
    Create,
    /// Its fields were changed.
    Update,
    /// It was deactivated (logical delete).
    Deactivate,
    /// It was created or changed by a bulk import.
    Import,
}

impl ChangeKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Create => "create",
            ChangeKind::Update => "update",
            ChangeKind::Deactivate => "deactivate",
            ChangeKind::Import => "import",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "create" => ChangeKind::Create,
            "update" => ChangeKind::Update,
            "deactivate" => ChangeKind::Deactivate,
            "import" => ChangeKind::Import,
            _ => return None,
        })
    }
}

/// One version of a record, as kept forever in the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "axum", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    /// The version this entry is.
    pub version: i64,
    /// What the change did.
    pub change: ChangeKind,
    /// When (RFC 3339, UTC).
    pub changed_at: String,
    /// Who.
    pub changed_by: String,
    /// Why, as the author wrote it.
    pub reason: Option<String>,
    /// The whole record as it was at this version.
    #[cfg_attr(feature = "axum", schema(value_type = Object))]
    pub record: serde_json::Value,
}

/// A reason for a change: 1–500 characters after trimming, no control characters
/// except newlines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeReason(String);

impl ChangeReason {
    /// Checks `text`.
    pub fn new(text: impl Into<String>) -> Result<Self, Issue> {
        let text = text.into().trim().to_owned();
        // Required text is visible text: not only white space, zero-width or
        // control characters.
        if !egov_core::text::is_visible_text(&text) {
            return Err(Issue::new(
                "/reason",
                "required",
                Message::new("codes-reason-required"),
            ));
        }
        if text.chars().count() > MAX_REASON_LEN
            || text.chars().any(|c| c.is_control() && c != '\n')
        {
            return Err(Issue::new(
                "/reason",
                "length",
                Message::new("codes-text-invalid").arg("max", MAX_REASON_LEN),
            ));
        }
        Ok(Self(text))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ChangeReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One thing wrong with a draft or an imported row: where (a JSON pointer such
/// as `/labels/ko`, or an import column), which rule (a stable code) and the
/// message to show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issue {
    /// The field, as a JSON pointer.
    pub field: String,
    /// The rule's stable code.
    pub code: &'static str,
    /// The message.
    pub message: Message,
}

impl Issue {
    pub(crate) fn new(field: impl Into<String>, code: &'static str, message: Message) -> Self {
        Self {
            field: field.into(),
            code,
            message,
        }
    }
}

/// Whether `id` is a valid identifier (see the [module docs](self)).
pub fn is_valid_id(id: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// Whether `code` is a valid code value (see the [module docs](self)): 1–64
/// characters, none a control character, not only white space.
pub fn is_valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.chars().count() <= MAX_CODE_LEN
        && !code.chars().any(char::is_control)
        && !code.chars().all(char::is_whitespace)
}

fn is_valid_locale(tag: &str) -> bool {
    (2..=35).contains(&tag.len())
        && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && tag.as_bytes()[0].is_ascii_alphabetic()
}

fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// What a key field holds: an identifier (category and group ids) or a code
/// value (a code and its parent).
#[derive(Clone, Copy)]
enum Key {
    Id,
    Code,
}

/// Reports `text` at `field` unless it is a valid `key`.
fn check_key(issues: &mut Vec<Issue>, field: &str, key: Key, text: &str) {
    let (valid, rule, message, max) = match key {
        Key::Id => (is_valid_id(text), "id", "codes-invalid-id", MAX_ID_LEN),
        Key::Code => (
            is_valid_code(text),
            "code",
            "codes-invalid-code",
            MAX_CODE_LEN,
        ),
    };
    if !valid {
        issues.push(Issue::new(
            field,
            rule,
            Message::new(message).arg("max", max),
        ));
    }
}

fn check_labels(issues: &mut Vec<Issue>, labels: &Labels) {
    if labels.is_empty() {
        issues.push(Issue::new(
            "/labels",
            "required",
            Message::new("codes-label-required"),
        ));
    }
    for (tag, label) in labels {
        let field = format!("/labels/{}", escape_pointer(tag));
        if !is_valid_locale(tag) {
            issues.push(Issue::new(
                field,
                "locale",
                Message::new("codes-label-locale"),
            ));
        } else if label.trim().is_empty()
            || label.chars().count() > MAX_LABEL_LEN
            || label.chars().any(char::is_control)
        {
            issues.push(Issue::new(
                field,
                "label",
                Message::new("codes-label-invalid").arg("max", MAX_LABEL_LEN),
            ));
        }
    }
}

fn check_text(issues: &mut Vec<Issue>, field: &str, text: Option<&str>, max: usize) {
    if let Some(text) = text
        && (text.chars().count() > max
            || text
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t')
            || text.trim().is_empty())
    {
        issues.push(Issue::new(
            field,
            "text",
            Message::new("codes-text-invalid").arg("max", max),
        ));
    }
}

/// Empty or blank optional text counts as absent; other text is kept exactly
/// as written.
pub(crate) fn tidy(text: &mut Option<String>) {
    if text.as_deref().is_some_and(|t| t.trim().is_empty()) {
        *text = None;
    }
}

impl CategoryDraft {
    /// Drops blank optional text (nothing else is touched: ids, labels and
    /// text are kept exactly as written).
    pub fn normalize(&mut self) {
        tidy(&mut self.description);
    }

    /// Every rule the draft breaks on its own (references are checked by the store).
    pub fn check(&self) -> Vec<Issue> {
        let mut issues = Vec::new();
        check_key(&mut issues, "/id", Key::Id, &self.id);
        check_labels(&mut issues, &self.labels);
        check_text(
            &mut issues,
            "/description",
            self.description.as_deref(),
            MAX_DESCRIPTION_LEN,
        );
        issues
    }
}

impl GroupDraft {
    /// Drops blank optional text (nothing else is touched: ids, labels and
    /// text are kept exactly as written).
    pub fn normalize(&mut self) {
        tidy(&mut self.description);
        tidy(&mut self.custodian);
        tidy(&mut self.category);
    }

    /// Every rule the draft breaks on its own (references are checked by the store).
    pub fn check(&self) -> Vec<Issue> {
        let mut issues = Vec::new();
        check_key(&mut issues, "/id", Key::Id, &self.id);
        if let Some(category) = &self.category {
            check_key(&mut issues, "/category", Key::Id, category);
        }
        check_labels(&mut issues, &self.labels);
        check_text(
            &mut issues,
            "/description",
            self.description.as_deref(),
            MAX_DESCRIPTION_LEN,
        );
        check_text(
            &mut issues,
            "/custodian",
            self.custodian.as_deref(),
            MAX_CUSTODIAN_LEN,
        );
        issues
    }
}

impl CodeDraft {
    /// Drops blank optional text (nothing else is touched: the group, the
    /// code, labels and text are kept exactly as written).
    pub fn normalize(&mut self) {
        tidy(&mut self.description);
        tidy(&mut self.parent);
    }

    /// Every rule the draft breaks on its own (the parent's existence is checked
    /// by the store).
    pub fn check(&self) -> Vec<Issue> {
        let mut issues = Vec::new();
        check_key(&mut issues, "/group", Key::Id, &self.group);
        check_key(&mut issues, "/code", Key::Code, &self.code);
        check_labels(&mut issues, &self.labels);
        check_text(
            &mut issues,
            "/description",
            self.description.as_deref(),
            MAX_DESCRIPTION_LEN,
        );
        if let Some(parent) = &self.parent {
            check_key(&mut issues, "/parent", Key::Code, parent);
            if *parent == self.code {
                issues.push(Issue::new(
                    "/parent",
                    "parent",
                    Message::new("codes-parent-self"),
                ));
            }
        }
        if let (Some(from), Some(to)) = (self.valid_from, self.valid_to)
            && to < from
        {
            issues.push(Issue::new(
                "/valid_to",
                "order",
                Message::new("codes-date-order"),
            ));
        }
        let size = serde_json::to_string(&self.attributes).map_or(usize::MAX, |s| s.len());
        if self.attributes.len() > MAX_ATTRIBUTES || size > MAX_ATTRIBUTES_BYTES {
            issues.push(Issue::new(
                "/attributes",
                "size",
                Message::new("codes-attributes-too-large")
                    .arg("max", MAX_ATTRIBUTES)
                    .arg("bytes", MAX_ATTRIBUTES_BYTES),
            ));
        }
        issues
    }
}

/// `YYYY-MM-DD`.
pub(crate) const DATE_FORMAT: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// Parses `YYYY-MM-DD` strictly.
pub fn parse_date(text: &str) -> Option<Date> {
    if text.len() != 10 {
        return None;
    }
    Date::parse(text, DATE_FORMAT).ok()
}

/// Formats `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    date.format(DATE_FORMAT).unwrap_or_default()
}

/// serde for `Option<Date>` as `YYYY-MM-DD` or null.
pub(crate) mod date_opt {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub(crate) fn serialize<S: Serializer>(date: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(d) => s.serialize_str(&super::format_date(*d)),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        match text.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(t) => super::parse_date(t)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom("expected a date YYYY-MM-DD")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_restricted() {
        for ok in ["EFC", "COM001", "01", "PETITION_TYPE", "a.b-c"] {
            assert!(is_valid_id(ok), "{ok}");
        }
        for bad in [
            "",
            "가",
            "a b",
            "a/b",
            &"x".repeat(65),
            "a\n",
            " EFC",
            "EFC ",
        ] {
            assert!(!is_valid_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn codes_are_any_text_without_controls() {
        let longest = "가".repeat(MAX_CODE_LEN);
        for ok in [
            "01",
            "%Y-%m",
            "A/B",
            "1 2",
            "서울",
            " A",
            "A ",
            "..",
            "\u{feff}x",
            &longest,
        ] {
            assert!(is_valid_code(ok), "{ok:?}");
        }
        let too_long = "가".repeat(MAX_CODE_LEN + 1);
        for bad in [
            "",
            " ",
            "\u{3000}\t",
            "a\nb",
            "a\tb",
            "\0",
            "a\u{7f}",
            "a\u{85}",
            &too_long,
        ] {
            assert!(!is_valid_code(bad), "{bad:?}");
        }
    }

    #[test]
    fn text_keeps_its_spaces_but_blank_is_refused_or_absent() {
        let mut draft = CodeDraft::new("G", " 1 ", "Continue ").label("en", " Next");
        draft.description = Some("  indented\n\tand tabbed ".into());
        draft.parent = Some(" ".into());
        let before = draft.clone();
        draft.normalize();
        assert!(draft.check().is_empty(), "{:?}", draft.check());
        assert_eq!(
            (&draft.code, &draft.labels, &draft.description),
            (&before.code, &before.labels, &before.description)
        );
        assert_eq!(draft.parent, None, "a blank parent is no parent");
        for blank in ["", " ", "\u{3000}"] {
            let draft = CodeDraft::new("G", "1", blank);
            let fields: Vec<String> = draft.check().into_iter().map(|i| i.field).collect();
            assert_eq!(fields, ["/labels/ko"], "{blank:?}");
        }
        let mut group = GroupDraft::new(" G", "그룹");
        group.normalize();
        assert_eq!(group.check()[0].field, "/id", "ids are not trimmed");
    }

    #[test]
    fn labels_fall_back() {
        let labels = Labels::from([("ko".into(), "남".into()), ("en".into(), "Male".into())]);
        assert_eq!(label_in(&labels, "en", &[]), Some("Male"));
        assert_eq!(label_in(&labels, "ko-KR", &[]), Some("남"));
        assert_eq!(label_in(&labels, "ja", &["ko"]), Some("남"));
        assert_eq!(label_in(&labels, "ja", &[]), Some("Male"));
        assert_eq!(label_in(&Labels::new(), "ko", &["en"]), None);
    }

    #[test]
    fn drafts_report_every_issue() {
        let mut draft = CodeDraft::new("G", "bad\tcode", " ")
            .parent("bad\tcode")
            .valid(parse_date("2026-02-01"), parse_date("2026-01-01"));
        draft.labels.insert("k o".into(), "x".into());
        let fields: Vec<String> = draft.check().into_iter().map(|i| i.field).collect();
        assert_eq!(
            fields,
            [
                "/code",
                "/labels/k o",
                "/labels/ko",
                "/parent",
                "/parent",
                "/valid_to"
            ]
        );
        assert!(CodeDraft::new("G", "01", "가").check().is_empty());
    }

    #[test]
    fn dates_are_strict() {
        assert!(parse_date("2026-02-30").is_none());
        assert!(parse_date("2026-2-3").is_none());
        assert_eq!(format_date(parse_date("2026-02-03").unwrap()), "2026-02-03");
    }
}
