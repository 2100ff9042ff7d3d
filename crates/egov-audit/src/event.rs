//! What is recorded: one [`AuditEvent`] type for every kind of event.
//!
//! The types keep secrets and raw identifiers out. Data subjects are
//! [`SubjectId`]s, which can only be a blind index or an internal UUID, never a
//! resident number. Free text (target ids, reasons, detail values) is scrubbed:
//! runs of six or more digits and e-mail addresses are masked. Detail entries
//! whose key names a secret (`password`, `token`, …) are stored as `***`. There
//! is no conversion from [`egov_core::config::Secret`] into anything recorded.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use egov_core::actor::Actor;
use egov_core::id::Id;
use serde::{Deserialize, Serialize};

use crate::AuditError;

/// What was done. An open set: the standard actions are constants, and an
/// application may name its own (`[a-z0-9_.:-]`, at most 64 characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Action(Cow<'static, str>);

impl Action {
    /// A successful login.
    pub const LOGIN: Action = Action::new("login");
    /// A failed login (eGovFrame logged only successes).
    pub const LOGIN_FAILED: Action = Action::new("login_failed");
    /// A logout.
    pub const LOGOUT: Action = Action::new("logout");
    /// Personal data or a record was viewed (열람).
    pub const VIEW: Action = Action::new("view");
    /// Something was created (입력).
    pub const CREATE: Action = Action::new("create");
    /// Something was changed (변경).
    pub const UPDATE: Action = Action::new("update");
    /// Something was deleted (삭제).
    pub const DELETE: Action = Action::new("delete");
    /// Something was printed (출력).
    pub const PRINT: Action = Action::new("print");
    /// Data was downloaded (다운로드): needs a reason when personal data is involved.
    pub const DOWNLOAD: Action = Action::new("download");
    /// Data was exported in bulk: needs a reason when personal data is involved.
    pub const EXPORT: Action = Action::new("export");
    /// An access-control decision refused a request.
    pub const PERMISSION_DENIED: Action = Action::new("permission_denied");
    /// Configuration, keys or permissions changed.
    pub const CONFIG_CHANGE: Action = Action::new("config_change");
    /// An HTTP request (recorded by the web layer).
    pub const REQUEST: Action = Action::new("request");

    /// An action known at compile time. Use lowercase `snake_case`.
    pub const fn new(name: &'static str) -> Self {
        Action(Cow::Borrowed(name))
    }

    /// An application-defined action, checked: `[a-z0-9_.:-]{1,64}`.
    pub fn custom(name: impl Into<String>) -> Result<Self, AuditError> {
        let name = name.into();
        let ok = (1..=64).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.:-".contains(&b));
        if ok {
            Ok(Action(Cow::Owned(name)))
        } else {
            Err(AuditError::Invalid(format!("action `{name}`")))
        }
    }

    /// The action's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether recording this action on personal data requires a reason
    /// (개인정보의 안전성 확보조치 기준 §8②: every download needs one).
    pub fn needs_reason(&self) -> bool {
        *self == Action::DOWNLOAD || *self == Action::EXPORT
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It was done.
    Success,
    /// It was attempted and failed (bad input, an error).
    Failure,
    /// Access control refused it.
    Denied,
}

impl Outcome {
    /// `success`, `failure` or `denied`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }

    /// The outcome of an HTTP status: 401/403 denied, other 4xx/5xx failure.
    pub fn from_status(status: u16) -> Self {
        match status {
            401 | 403 => Outcome::Denied,
            400.. => Outcome::Failure,
            _ => Outcome::Success,
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "success" => Some(Outcome::Success),
            "failure" => Some(Outcome::Failure),
            "denied" => Some(Outcome::Denied),
            _ => None,
        }
    }
}

/// What was acted on: a resource type and, optionally, its id (scrubbed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// The resource type, e.g. `petition` or `code_group`.
    pub kind: String,
    /// The resource's id, e.g. a UUID or a code. Digit runs of six or more are masked.
    pub id: Option<String>,
}

impl Target {
    /// A resource type without an id (a list, a search).
    pub fn kind(kind: impl Into<String>) -> Self {
        Self {
            kind: scrub(&kind.into(), 64),
            id: None,
        }
    }

    /// A resource of `kind` with `id`.
    pub fn new(kind: impl Into<String>, id: impl fmt::Display) -> Self {
        Self {
            kind: scrub(&kind.into(), 64),
            id: Some(scrub(&id.to_string(), 128)),
        }
    }
}

/// Whose personal data was touched, pseudonymously: a blind index (64 hex
/// digits, from `egov_privacy::BlindIndex`) or the UUID of an internal record.
/// A raw resident number cannot become a `SubjectId`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SubjectId(String);

impl SubjectId {
    /// From a blind index (`BlindIndex::compute` output: 64 lowercase hex digits).
    pub fn from_blind_index(index: &str) -> Result<Self, AuditError> {
        if index.len() == 64
            && index
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            Ok(Self(format!("bi:{index}")))
        } else {
            Err(AuditError::Invalid(
                "a subject id must be a blind index".into(),
            ))
        }
    }

    /// From the id of an internal record that stands for the person.
    pub fn from_id<T: ?Sized>(id: Id<T>) -> Self {
        Self(format!("id:{id}"))
    }

    /// The stored form (`bi:<hex>` or `id:<uuid>`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SubjectId {
    type Error = AuditError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        if let Some(hex) = text.strip_prefix("bi:") {
            return Self::from_blind_index(hex);
        }
        if let Some(uuid) = text.strip_prefix("id:")
            && uuid::Uuid::try_parse(uuid).is_ok()
        {
            return Ok(Self(text));
        }
        Err(AuditError::Invalid("not a subject id".into()))
    }
}

impl From<SubjectId> for String {
    fn from(id: SubjectId) -> Self {
        id.0
    }
}

impl fmt::Display for SubjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why personal data was downloaded or exported: required text, scrubbed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason(String);

impl Reason {
    /// A reason: 1–500 characters with visible text
    /// ([`egov_core::text::is_visible_text`]: not only white space,
    /// zero-width or control characters) and no refused control character
    /// ([`egov_core::text::is_refused_control`]).
    ///
    /// # Errors
    ///
    /// [`AuditError::ReasonRequired`] otherwise.
    pub fn new(text: impl Into<String>) -> Result<Self, AuditError> {
        let text = text.into();
        let trimmed = text.trim();
        if !egov_core::text::is_visible_text(trimmed)
            || egov_core::text::first_refused_control(trimmed).is_some()
            || trimmed.chars().count() > 500
        {
            return Err(AuditError::ReasonRequired);
        }
        Ok(Self(scrub(trimmed, 500)))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Key fragments that mark a detail entry as secret: its value is stored as `***`.
const SECRET_KEYS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "authorization",
    "cookie",
    "session",
    "api_key",
    "apikey",
    "private",
    "credential",
    "otp",
];

/// A small map of extra facts (at most 32 entries). Text values are scrubbed;
/// secret-looking keys are stored as `***`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Detail(BTreeMap<String, serde_json::Value>);

impl Detail {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    fn put(mut self, key: &str, value: serde_json::Value) -> Self {
        if self.0.len() >= 32 && !self.0.contains_key(key) {
            return self;
        }
        let key = scrub(key, 64);
        let lowered = key.to_ascii_lowercase();
        let value = if SECRET_KEYS.iter().any(|s| lowered.contains(s)) {
            serde_json::Value::from("***")
        } else {
            value
        };
        self.0.insert(key, value);
        self
    }

    /// Adds text (masked where it holds long digit runs or e-mail addresses).
    #[must_use]
    pub fn text(self, key: &str, value: impl fmt::Display) -> Self {
        let value = scrub(&value.to_string(), 256);
        self.put(key, serde_json::Value::from(value))
    }

    /// Adds a number.
    #[must_use]
    pub fn number(self, key: &str, value: i64) -> Self {
        self.put(key, serde_json::Value::from(value))
    }

    /// Adds a flag.
    #[must_use]
    pub fn flag(self, key: &str, value: bool) -> Self {
        self.put(key, serde_json::Value::from(value))
    }

    /// The entries.
    pub fn entries(&self) -> &BTreeMap<String, serde_json::Value> {
        &self.0
    }

    /// Compact JSON with sorted keys (the stored and hashed form).
    pub(crate) fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| "{}".into())
    }
}

/// One audit event, as the caller describes it. The log adds the sequence
/// number, id, time and hashes when it records it.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub(crate) action: Action,
    pub(crate) actor: Actor,
    pub(crate) outcome: Outcome,
    pub(crate) target: Option<Target>,
    pub(crate) subjects: Vec<SubjectId>,
    pub(crate) reason_code: Option<String>,
    pub(crate) reason: Option<Reason>,
    pub(crate) detail: Detail,
}

impl AuditEvent {
    /// `actor` did `action`, with `outcome`.
    pub fn new(action: Action, actor: &Actor, outcome: Outcome) -> Self {
        Self {
            action,
            actor: actor.clone(),
            outcome,
            target: None,
            subjects: Vec::new(),
            reason_code: None,
            reason: None,
            detail: Detail::new(),
        }
    }

    /// A download or export of the personal data of `subjects`, with the reason
    /// the law requires — the only way to record one.
    pub fn personal_data_download(
        action: Action,
        actor: &Actor,
        target: Target,
        subjects: impl IntoIterator<Item = SubjectId>,
        reason: Reason,
    ) -> Self {
        Self::new(action, actor, Outcome::Success)
            .target(target)
            .subjects(subjects)
            .reason(reason)
    }

    /// What was acted on.
    #[must_use]
    pub fn target(mut self, target: Target) -> Self {
        self.target = Some(target);
        self
    }

    /// Adds a data subject.
    #[must_use]
    pub fn subject(mut self, subject: SubjectId) -> Self {
        self.subjects.push(subject);
        self
    }

    /// Adds data subjects.
    #[must_use]
    pub fn subjects(mut self, subjects: impl IntoIterator<Item = SubjectId>) -> Self {
        self.subjects.extend(subjects);
        self
    }

    /// A stable reason code for the outcome (e.g. `bad_password`, `locked`).
    #[must_use]
    pub fn reason_code(mut self, code: &str) -> Self {
        self.reason_code = Some(scrub(code, 64));
        self
    }

    /// The reason (required for downloads/exports of personal data).
    #[must_use]
    pub fn reason(mut self, reason: Reason) -> Self {
        self.reason = Some(reason);
        self
    }

    /// Extra facts.
    #[must_use]
    pub fn detail(mut self, detail: Detail) -> Self {
        self.detail = detail;
        self
    }

    /// The action.
    pub fn action(&self) -> &Action {
        &self.action
    }

    /// Checks the rules the log enforces before recording.
    pub fn check(&self) -> Result<(), AuditError> {
        // Only a download that happened needs its reason; a failed or denied
        // attempt is recorded with its subjects and no reason.
        if self.action.needs_reason()
            && self.outcome == Outcome::Success
            && !self.subjects.is_empty()
            && self.reason.is_none()
        {
            return Err(AuditError::ReasonRequired);
        }
        if self.subjects.len() > 10_000 {
            return Err(AuditError::Invalid(
                "more than 10,000 subjects in one event".into(),
            ));
        }
        Ok(())
    }
}

/// Masks runs of six or more digits (resident, phone, card, account numbers —
/// also when grouped with `-`, `.` or spaces) and e-mail addresses, keeps UUIDs,
/// drops control characters, and cuts to `max` characters.
pub fn scrub(text: &str, max: usize) -> String {
    // Most texts (system names, request ids, routes) have nothing to mask: a
    // digit run needs six digits and an address an `@`.
    if text.len() <= max
        && !text.contains('@')
        && text.bytes().filter(u8::is_ascii_digit).count() < 6
        && !text.chars().any(char::is_control)
    {
        return text.to_owned();
    }
    scrub_every_word(text, max)
}

fn scrub_every_word(text: &str, max: usize) -> String {
    let text: String = text.chars().filter(|c| !c.is_control()).take(max).collect();
    // Words that are e-mail addresses are masked; UUIDs are kept whole and
    // protected from the digit rule.
    let mut chars: Vec<char> = Vec::with_capacity(text.len());
    let mut protected: Vec<bool> = Vec::with_capacity(text.len());
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            chars.push(' ');
            protected.push(false);
        }
        let core = word.trim_matches(|c: char| !c.is_ascii_alphanumeric());
        let (word, keep) = if word.contains('@') && word.contains('.') {
            (egov_privacy::mask::email(word), true)
        } else {
            (
                word.to_owned(),
                uuid::Uuid::try_parse(core).is_ok() && core.len() >= 32,
            )
        };
        for c in word.chars() {
            chars.push(c);
            protected.push(keep);
        }
    }
    mask_digit_runs(&chars, &protected)
}

fn mask_digit_runs(chars: &[char], protected: &[bool]) -> String {
    let is_digit = |i: usize| chars[i].is_ascii_digit() && !protected[i];
    let mut out: Vec<char> = chars.to_vec();
    let mut i = 0;
    while i < chars.len() {
        if !is_digit(i) {
            i += 1;
            continue;
        }
        // A run of digits, allowing one separator (`-`, `.`, space) between digits.
        let start = i;
        let mut digits = 0;
        let mut j = i;
        while j < chars.len() {
            if is_digit(j) {
                digits += 1;
                j += 1;
            } else if matches!(chars[j], '-' | '.' | ' ') && j + 1 < chars.len() && is_digit(j + 1)
            {
                j += 1;
            } else {
                break;
            }
        }
        if digits >= 6 {
            for slot in &mut out[start..j] {
                if slot.is_ascii_digit() {
                    *slot = '*';
                }
            }
        }
        i = j;
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn scrub_masks_identifiers_and_keeps_ordinary_text() {
        assert_eq!(
            scrub("RRN 900101-1234568 filed", 100),
            "RRN ******-******* filed"
        );
        assert_eq!(scrub("call 010-1234-5678", 100), "call ***-****-****");
        assert_eq!(
            scrub("mail kim@example.go.kr now", 100),
            "mail ki*@example.go.kr now"
        );
        assert_eq!(
            scrub("petition 2026 page 12345", 100),
            "petition 2026 page 12345"
        );
        let uuid = "0192f0e4-0000-7000-8000-000000000000";
        assert_eq!(scrub(uuid, 100), uuid);
        assert_eq!(scrub("line\nbreak", 100), "linebreak");
    }

    #[test]
    fn secret_detail_keys_are_starred_and_values_scrubbed() {
        let detail = Detail::new()
            .text("password", "hunter2")
            .text("X-Auth-Token", "abc")
            .text("note", "card 1234 5678 9012 3456")
            .number("count", 3);
        let json = detail.to_json();
        assert!(!json.contains("hunter2") && !json.contains("abc"), "{json}");
        assert_eq!(detail.entries()["note"], "card **** **** **** ****");
        assert_eq!(detail.entries()["count"], 3);
    }

    #[test]
    fn subject_ids_refuse_raw_numbers() {
        assert!(SubjectId::from_blind_index("9001011234568").is_err());
        assert!(SubjectId::try_from("bi:9001011234568".to_owned()).is_err());
        assert!(SubjectId::try_from("9001011234568".to_owned()).is_err());
        let hex = "a".repeat(64);
        assert_eq!(
            SubjectId::from_blind_index(&hex).unwrap().as_str(),
            format!("bi:{hex}")
        );
    }

    #[test]
    fn downloads_of_personal_data_need_a_reason() {
        let actor = Actor::system("test");
        let subject = SubjectId::from_blind_index(&"b".repeat(64)).unwrap();
        let without =
            AuditEvent::new(Action::DOWNLOAD, &actor, Outcome::Success).subject(subject.clone());
        assert!(matches!(without.check(), Err(AuditError::ReasonRequired)));
        assert!(Reason::new("   ").is_err());
        let with = AuditEvent::personal_data_download(
            Action::DOWNLOAD,
            &actor,
            Target::kind("petition"),
            [subject],
            Reason::new("민원 처리 결과 통지").unwrap(),
        );
        assert!(with.check().is_ok());
    }

    proptest! {
        #[test]
        fn the_fast_path_of_scrub_changes_nothing_the_full_one_would(text in "[a-z0-9:/ ._-]{0,40}") {
            prop_assert_eq!(scrub(&text, 64), scrub_every_word(&text, 64));
        }

        #[test]
        fn scrub_never_panics_and_hides_long_digit_runs(text in ".{0,80}", digits in "[0-9]{6,13}") {
            let _ = scrub(&text, 64);
            let scrubbed = scrub(&format!("x {digits} y"), 200);
            prop_assert!(!scrubbed.contains(&digits));
        }
    }
}
