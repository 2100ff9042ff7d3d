use egov_core::config::{ConfigSection, Secret};
use serde::Deserialize;

/// The `[audit]` configuration section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSettings {
    /// The chain this service appends to. Services sharing a database may share
    /// a chain (appends are serialized) or keep their own.
    pub chain_id: String,
    /// Events waiting to be written; when full, callers wait (backpressure).
    pub queue_capacity: usize,
    /// Most events committed in one transaction (group commit).
    pub batch_max: usize,
    /// Sign a checkpoint after this many new events…
    pub checkpoint_every_events: u64,
    /// …or after this many seconds with new events.
    pub checkpoint_every_secs: u64,
    /// Keep events at least this many days (Korean law: 1 year, 2 years for
    /// systems with ≥ 50,000 subjects or unique identifiers).
    pub retention_days: u32,
    /// Id of the checkpoint signing key.
    pub signing_key_id: String,
    /// Ed25519 seed of the checkpoint signing key: standard base64 of 32 bytes.
    pub signing_key: Secret,
    /// Local hours counted as "off hours" in the monthly review (start, end).
    pub off_hours: [u8; 2],
    /// UTC offset of local time for the review, in hours (Korea: 9).
    pub utc_offset_hours: i8,
    /// Subjects one account may touch in a day before the review flags bulk access.
    pub bulk_access_threshold: u64,
    /// A file to keep the latest signed checkpoint in, outside the database
    /// ([`crate::witness`]); empty: none (every checkpoint is logged anyway).
    pub witness_file: String,
}

impl ConfigSection for AuditSettings {
    const KEY: &'static str = "audit";
    const DEFAULTS: &'static str = r#"
chain_id = "main"
queue_capacity = 10000
batch_max = 1000
checkpoint_every_events = 10000
checkpoint_every_secs = 60
retention_days = 730
signing_key_id = "dev"
signing_key = "insecure-dev-secret:audit-checkpoint-signing"
off_hours = [22, 6]
utc_offset_hours = 9
bulk_access_threshold = 1000
witness_file = ""
"#;
}

impl Default for AuditSettings {
    /// The built-in defaults ([`ConfigSection::DEFAULTS`]).
    fn default() -> Self {
        Self::from_defaults()
    }
}
