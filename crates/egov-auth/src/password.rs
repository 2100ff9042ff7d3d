//! Passwords: the policy of NIST SP 800-63B rev 4, and Argon2id hashing.
//!
//! ## Policy ([`PasswordPolicy`])
//!
//! - Unicode NFKC first; length counted in characters (code points) after it.
//! - At least 15 characters when the password is the account's only factor,
//!   at least 8 when the account has MFA; at most 128 (64 and more are always
//!   allowed). A password longer than 128 characters — or than 512 bytes, checked
//!   before normalization — is refused at once, before any hashing.
//! - No composition rules, no forced periodic change.
//! - The whole password, lower-cased, must not be on the shipped blocklist
//!   ([`blocklist_len`]: more than 19,000 common passwords, one per line, compiled in):
//!   - `data/common-passwords.txt`: Django's `common-passwords.txt.gz` (Django 5.2.19,
//!     BSD-3-Clause), itself Royce Williams' list of the most common passwords in
//!     breach corpora, most common first;
//!   - `data/common-passwords-long.txt`: the 308 passwords of at least 12 characters
//!     of `passwords.json` in the npm package `@zxcvbn-ts/language-common` 4.1.3 (MIT),
//!     counted from Mark Burnett's ten million leaked passwords
//!     (`passwordpassword`, `1qaz2wsx3edc4rfv`, `iseedeadpeople`), ranked after
//!     Django's;
//!   - `data/egovframe-default-passwords.txt`: the password eGovFrame's published seed
//!     data gives every sample account (`USER`, `TEST1`, `webmaster`, `ENTERPRISE`):
//!     `rhdxhd12`, 공통12 typed on a Korean keyboard left in English mode (the
//!     eGovFrame wiki's table of initial users, common components 3.x–4.x). Accounts
//!     migrated from eGovFrame often still have it. Only the published password is
//!     listed: its variants (`rhdxhd12!`, `Rhdxhd12`, `rhdxhd12rhdxhd12`, `공통12공통12`
//!     typed in Hangul mode) are refused as common or predictable because the entry
//!     is a segment of the estimate below.
//! - It must not contain a context word: the login id, the display name (whole and
//!   each of its words), the service's name and configured words, compared after NFKC
//!   and in lower case. A word with Hangul counts at any length (`민원`, the family
//!   name `김`); other words from 4 characters. A Hangul word of 4 keystrokes or more
//!   must not appear either as typed on a Dubeolsik keyboard left in English mode:
//!   with the display name `홍길동`, `ghdrlfehd` is refused too, also mixed with
//!   Hangul (`호ㅇ길동`).
//! - Not one character repeated throughout (`aaaaaaaaaaaaaaa`).
//! - Not predictable: an estimate of the guesses an attacker trying common passwords
//!   and patterns first would need ([`estimated_guesses_log10`]; our own zxcvbn-like
//!   estimator: the blocklist by rank, keyboard walks on QWERTY with the number row,
//!   sequences, years and dates, repeats, copies, 10 per other character, times `l!`
//!   for `l` segments; text with Hangul is also estimated in its Dubeolsik keystrokes,
//!   so `ㅂㅈㄷㄱ쇼ㅕㅑㅐ` is the walk `qwertyuio`) must reach
//!   [`MIN_GUESSES_SINGLE_FACTOR`] = 10^10 when the password is the only factor —
//!   zxcvbn's top score, for offline attacks on a slow hash — and
//!   [`MIN_GUESSES_WITH_MFA`] = 10^6 with MFA, where the second factor stops online
//!   guessing and 8 random characters (10^8) must stay usable. Refused:
//!   `passwordpassword`, `1234567890123456`, `qwertyuiopasdfgh`, `1qaz2wsx3edc4rfv`,
//!   `abcdefghijklmnop`, `iloveyouiloveyou`, `qwer1234qwer1234`, `sunshine19900101`;
//!   accepted: `correct horse battery staple`, `x7#Kq9!mZ2@vL4$w`,
//!   `탄천 산책로에서 만난 고양이`, random lower-case letters from 15.
//!
//! Each rejection is a [`PasswordRejection`] with a localized message.
//!
//! ## Hashing ([`Hasher`])
//!
//! Argon2id, PHC strings, parameters from `[auth.argon2]` (floor m = 19,456 KiB,
//! t = 2, p = 1). Hashing runs on the hasher's own threads (one per permit, at
//! niceness +10, so any other thread of the service preempts them at once)
//! behind a semaphore of `auth.hashing_concurrency` permits, so a storm of
//! logins queues for CPU instead of occupying the async workers or every core,
//! and cheap requests keep their latency during it. The permit belongs to the
//! hashing job, not to the future awaiting it: a login whose client went
//! away (its future dropped) keeps its permit until Argon2 is done, so the cap
//! holds however many requests are cancelled ([`Hasher::running`] never exceeds
//! [`Hasher::permits`]). Hashes made with other
//! parameters verify and are replaced on the next successful login
//! ([`Verified::needs_rehash`]). Argon2's working memory (19 MiB at the floor)
//! is kept in a pool of at most one buffer per permit and wiped after every
//! computation: memory stays bounded by the permits however many blocking
//! threads ran a hash, and no password-derived block lingers in freed memory.
//!
//! Accounts imported from eGovFrame keep their `Base64(SHA-256(id ‖ password))`
//! hash (stored as `egov-sha256$<base64>`), verified in constant time, with a
//! dummy Argon2 computation so that it takes as long as an Argon2 check, and
//! replaced by Argon2id on the first successful login.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use egov_core::message::Message;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use unicode_normalization::UnicodeNormalization;

use crate::Error;
use crate::password_patterns::{self, Ranked};
use crate::settings::Argon2Settings;

/// Minimum length when the password is the only factor.
pub const MIN_LEN_SINGLE_FACTOR: usize = 15;
/// Minimum length when the account has a second factor.
pub const MIN_LEN_WITH_MFA: usize = 8;
/// Maximum length in characters; longer passwords are refused before hashing.
pub const MAX_LEN: usize = 128;
/// Maximum length in bytes before normalization (4 bytes per character).
pub const MAX_BYTES: usize = MAX_LEN * 4;

/// The prefix of stored eGovFrame hashes.
pub const EGOV_SHA256_PREFIX: &str = "egov-sha256$";

static BLOCKLIST_TEXT: &str = include_str!("../data/common-passwords.txt");
static LONG_BLOCKLIST_TEXT: &str = include_str!("../data/common-passwords-long.txt");
/// eGovFrame's published default password (see the [module docs](self)).
static EGOVFRAME_BLOCKLIST_TEXT: &str = include_str!("../data/egovframe-default-passwords.txt");

/// Below this many estimated guesses, a password that is the account's only factor is
/// refused as predictable ([`PasswordRejection::Predictable`]).
pub const MIN_GUESSES_SINGLE_FACTOR: f64 = 1e10;
/// Below this many estimated guesses, the password of an account with MFA is refused as
/// predictable.
pub const MIN_GUESSES_WITH_MFA: f64 = 1e6;

/// The blocklist, ranked: Django's list in its order (most common first), then the
/// long passwords of zxcvbn-ts that it lacks, then eGovFrame's default password. One
/// password per line: some contain spaces ("friend of emily").
fn blocklist() -> &'static Ranked {
    static LIST: std::sync::OnceLock<Ranked> = std::sync::OnceLock::new();
    LIST.get_or_init(|| {
        Ranked::new(&[
            BLOCKLIST_TEXT,
            LONG_BLOCKLIST_TEXT,
            EGOVFRAME_BLOCKLIST_TEXT,
        ])
    })
}

/// How many passwords the shipped blocklist holds (its distinct non-empty lines; the
/// documentation says "more than 19,000", which a test keeps true).
pub fn blocklist_len() -> usize {
    blocklist().len()
}

/// log10 of the number of guesses the predictability estimate gives `password`
/// (after NFKC; see the [module docs](self)): what [`PasswordPolicy::check`] compares
/// with [`MIN_GUESSES_SINGLE_FACTOR`] and [`MIN_GUESSES_WITH_MFA`].
pub fn estimated_guesses_log10(password: &str) -> f64 {
    let normalized: String = password.nfkc().collect();
    password_patterns::log10_guesses(&normalized, blocklist())
}

/// Why a new password was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PasswordRejection {
    /// Fewer characters than the minimum.
    TooShort {
        /// The minimum that applies.
        min: usize,
    },
    /// More than [`MAX_LEN`] characters.
    TooLong,
    /// On the blocklist of common and breached passwords.
    Common,
    /// Contains a context word (login id, name, service name…).
    ContainsContextWord,
    /// One character repeated.
    Repetitive,
    /// Made of patterns an attacker tries early (keyboard walks, sequences, repeats,
    /// common passwords run together): fewer estimated guesses than
    /// [`MIN_GUESSES_SINGLE_FACTOR`] (or [`MIN_GUESSES_WITH_MFA`]).
    Predictable,
}

impl PasswordRejection {
    /// A stable code clients may branch on.
    pub fn code(&self) -> &'static str {
        match self {
            PasswordRejection::TooShort { .. } => "password-too-short",
            PasswordRejection::TooLong => "password-too-long",
            PasswordRejection::Common => "password-common",
            PasswordRejection::ContainsContextWord => "password-context",
            PasswordRejection::Repetitive => "password-repetitive",
            PasswordRejection::Predictable => "password-predictable",
        }
    }

    /// The localized reason.
    pub fn message(&self) -> Message {
        match self {
            PasswordRejection::TooShort { min } => {
                Message::new("auth-password-too-short").arg("min", *min)
            }
            PasswordRejection::TooLong => {
                Message::new("auth-password-too-long").arg("max", MAX_LEN)
            }
            PasswordRejection::Common => Message::new("auth-password-common"),
            PasswordRejection::ContainsContextWord => Message::new("auth-password-context"),
            PasswordRejection::Repetitive => Message::new("auth-password-repetitive"),
            PasswordRejection::Predictable => Message::new("auth-password-predictable"),
        }
    }
}

/// A password after NFKC normalization. `Debug` prints `***`.
pub struct NormalizedPassword(String);

impl std::fmt::Debug for NormalizedPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl NormalizedPassword {
    /// Normalizes `password`, refusing anything over [`MAX_LEN`] characters
    /// (or [`MAX_BYTES`] bytes, checked first, so a huge input costs nothing).
    pub fn new(password: &str) -> Result<Self, PasswordRejection> {
        if password.len() > MAX_BYTES {
            return Err(PasswordRejection::TooLong);
        }
        let normalized: String = password.nfkc().collect();
        if normalized.chars().count() > MAX_LEN {
            return Err(PasswordRejection::TooLong);
        }
        Ok(Self(normalized))
    }

    fn bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// The password rules of NIST SP 800-63B rev 4; see the [module docs](self).
#[derive(Debug, Clone, Default)]
pub struct PasswordPolicy {
    context_words: Vec<String>,
}

impl PasswordPolicy {
    /// A policy that also refuses passwords containing any of `words`
    /// (the service's name, configured words).
    pub fn new(words: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self {
            context_words: words.into_iter().map(Into::into).collect(),
        }
    }

    /// Checks a new password for an account with `login_id` and `display_name`,
    /// returning it normalized.
    pub fn check(
        &self,
        password: &str,
        has_mfa: bool,
        login_id: &str,
        display_name: &str,
    ) -> Result<NormalizedPassword, PasswordRejection> {
        let normalized = NormalizedPassword::new(password)?;
        let text = &normalized.0;
        let min = if has_mfa {
            MIN_LEN_WITH_MFA
        } else {
            MIN_LEN_SINGLE_FACTOR
        };
        let len = text.chars().count();
        if len < min {
            return Err(PasswordRejection::TooShort { min });
        }
        let lower = text.to_lowercase();
        if blocklist().contains(lower.as_str()) {
            return Err(PasswordRejection::Common);
        }
        let mut chars = lower.chars();
        if let Some(first) = chars.next()
            && chars.all(|c| c == first)
        {
            return Err(PasswordRejection::Repetitive);
        }
        let words = self
            .context_words
            .iter()
            .map(String::as_str)
            .chain([login_id])
            .chain(display_name.split_whitespace())
            .chain([display_name]);
        // The password as typed on a Dubeolsik keyboard, made once if a word needs it.
        let mut typed: Option<String> = None;
        for word in words {
            let word: String = word.nfkc().collect::<String>().to_lowercase();
            if word.is_empty() {
                continue;
            }
            let hangul = password_patterns::has_hangul(&word);
            if (hangul || word.chars().count() >= 4) && lower.contains(&word) {
                return Err(PasswordRejection::ContainsContextWord);
            }
            // A Korean word typed without switching to Hangul mode (홍길동 → ghdrlfehd).
            if let Some(keys) =
                password_patterns::dubeolsik(&word).filter(|k| k.chars().count() >= 4)
            {
                let typed = typed.get_or_insert_with(|| {
                    password_patterns::dubeolsik(&lower).unwrap_or_else(|| lower.clone())
                });
                if typed.contains(&keys) {
                    return Err(PasswordRejection::ContainsContextWord);
                }
            }
        }
        let floor = if has_mfa {
            MIN_GUESSES_WITH_MFA
        } else {
            MIN_GUESSES_SINGLE_FACTOR
        };
        if password_patterns::log10_guesses(&lower, blocklist()) < floor.log10() {
            return Err(PasswordRejection::Predictable);
        }
        Ok(normalized)
    }
}

/// The result of a successful verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// The stored hash uses other parameters or another scheme: store a new one.
    pub needs_rehash: bool,
}

/// Argon2id hashing on low-priority threads of its own, at most N at a time; see the
/// [module docs](self).
#[derive(Clone)]
pub struct Hasher {
    params: Argon2Settings,
    threads: Arc<HashingThreads>,
    permits: Arc<Semaphore>,
    permit_count: usize,
    memory: Arc<MemoryPool>,
    activity: Arc<Activity>,
    dummy: Arc<String>,
}

/// A unit of hashing work for [`HashingThreads`].
type HashJob = Box<dyn FnOnce() + Send>;

/// The threads that run Argon2: one per permit, started with the hasher,
/// stopped when its last clone is dropped.
///
/// They run at a lower scheduling priority (niceness +10 on Linux) than the
/// rest of the process. A hash keeps a core busy for ~20 ms; at normal priority, a
/// thread woken for a cheap request on that core could wait for the scheduler's
/// slice to end (2.8–4.2 ms waits measured with `perf sched` during a login
/// storm on 2 cores). Lower priority lets it preempt Argon2 at once; under
/// sustained full load, logins slow down rather than everything else.
struct HashingThreads {
    jobs: std::sync::Mutex<std::sync::mpsc::Sender<HashJob>>,
}

impl HashingThreads {
    fn start(count: usize) -> Result<Self, Error> {
        let (jobs, queue) = std::sync::mpsc::channel::<HashJob>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for n in 0..count {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("egov-auth-hash-{n}"))
                .spawn(move || {
                    lower_priority();
                    loop {
                        let job = queue
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .recv();
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                })
                .map_err(|e| Error::Config(format!("cannot start a hashing thread: {e}")))?;
        }
        Ok(Self {
            jobs: std::sync::Mutex::new(jobs),
        })
    }

    fn submit(&self, job: HashJob) -> Result<(), Error> {
        self.jobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .send(job)
            .map_err(|_| Error::Internal("hashing threads stopped".into()))
    }
}

/// Raises the calling thread's niceness by [`HASHING_NICE`] (at most to 19;
/// Linux: `setpriority` on a thread id sets that thread's niceness). Lowering
/// one's own priority needs no privilege; failing to is harmless, so it is
/// logged, not fatal.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        let me = Some(rustix::thread::gettid());
        let lowered = rustix::process::getpriority_process(me).and_then(|nice| {
            rustix::process::setpriority_process(me, (nice + HASHING_NICE).min(19))
        });
        if let Err(error) = lowered {
            tracing::warn!(%error, "could not lower the priority of a hashing thread");
        }
    }
}

/// How much nicer than the rest of the process the hashing threads are.
const HASHING_NICE: i32 = 10;

/// What the hasher's Argon2 computations are doing (shared by its clones).
#[derive(Default)]
struct Activity {
    started: AtomicU64,
    running: AtomicUsize,
    peak: AtomicUsize,
}

/// One computation in progress: counted from construction to drop.
struct Computing<'a>(&'a Activity);

impl Activity {
    fn enter(&self) -> Computing<'_> {
        self.started.fetch_add(1, Ordering::Relaxed);
        let now = self.running.fetch_add(1, Ordering::AcqRel) + 1;
        self.peak.fetch_max(now, Ordering::AcqRel);
        Computing(self)
    }
}

impl Drop for Computing<'_> {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Argon2 working memory for reuse: at most `capacity` buffers, each wiped
/// before it goes back.
struct MemoryPool {
    capacity: usize,
    free: std::sync::Mutex<Vec<Vec<Block>>>,
}

impl MemoryPool {
    fn new(capacity: usize) -> Self {
        Self {
            capacity,
            free: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Runs `work` with `blocks` blocks of memory. The memory is wiped and
    /// given back when `work` ends, also when it panics.
    fn with<T>(&self, blocks: usize, work: impl FnOnce(&mut [Block]) -> T) -> T {
        let memory = self
            .free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop()
            .unwrap_or_default();
        let mut lease = Lease { pool: self, memory };
        lease.memory.resize(blocks, Block::default());
        work(&mut lease.memory)
    }

    #[cfg(test)]
    fn pooled(&self) -> usize {
        self.free.lock().unwrap().len()
    }
}

/// Memory taken from a [`MemoryPool`]: wiped and returned on drop.
struct Lease<'a> {
    pool: &'a MemoryPool,
    memory: Vec<Block>,
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        // The blocks are derived from the password.
        self.memory.fill(Block::default());
        let mut free = self
            .pool
            .free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if free.len() < self.pool.capacity {
            free.push(std::mem::take(&mut self.memory));
        }
    }
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hasher")
            .field("params", &self.params)
            .field("available_permits", &self.permits.available_permits())
            .finish_non_exhaustive()
    }
}

fn argon_params(params: Argon2Settings) -> Result<Params, Error> {
    Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        None,
    )
    .map_err(|e| Error::Config(format!("argon2 parameters: {e}")))
}

fn argon2_failed(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("argon2: {e}"))
}

fn hash_now(params: Argon2Settings, password: &[u8], memory: &MemoryPool) -> Result<String, Error> {
    let params = argon_params(params)?;
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| Error::Internal(format!("random: {e}")))?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    memory
        .with(params.block_count(), |blocks| {
            hasher.hash_password_into_with_memory(password, &salt, &mut out, blocks)
        })
        .map_err(argon2_failed)?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(argon2_failed)?,
        salt: Some(Salt::new(&salt).map_err(argon2_failed)?),
        hash: Some(Output::new(&out).map_err(argon2_failed)?),
    };
    Ok(hash.to_string())
}

/// Verifies `password` against a stored PHC string; `Ok(None)` when it does not match.
fn verify_now(
    params: Argon2Settings,
    password: &[u8],
    stored: &str,
    memory: &MemoryPool,
) -> Result<Option<Verified>, Error> {
    let parsed = PasswordHash::new(stored)
        .map_err(|_| Error::Internal("unreadable password hash".into()))?;
    let stored_params = Params::try_from(&parsed.params)
        .map_err(|_| Error::Internal("unreadable password hash parameters".into()))?;
    let expected = parsed
        .hash
        .ok_or_else(|| Error::Internal("password hash without output".into()))?;
    let salt = parsed
        .salt
        .ok_or_else(|| Error::Internal("password hash without salt".into()))?;
    let mut out = vec![0u8; expected.len()];
    let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, stored_params.clone());
    memory
        .with(stored_params.block_count(), |blocks| {
            hasher.hash_password_into_with_memory(password, salt.as_ref(), &mut out, blocks)
        })
        .map_err(argon2_failed)?;
    if !bool::from(out.as_slice().ct_eq(expected.as_ref())) {
        return Ok(None);
    }
    let needs_rehash = parsed.algorithm.as_str() != "argon2id"
        || stored_params.m_cost() != params.memory_kib
        || stored_params.t_cost() != params.iterations
        || stored_params.p_cost() != params.parallelism;
    Ok(Some(Verified { needs_rehash }))
}

/// eGovFrame's `EgovFileScrty.encryptPassword(password, id)`:
/// `Base64(SHA-256(id bytes ‖ password bytes))`.
pub fn egov_sha256(login_id: &str, password: &str) -> String {
    let mut digest = Sha256::new();
    digest.update(login_id.as_bytes());
    digest.update(password.as_bytes());
    STANDARD.encode(digest.finalize())
}

impl Hasher {
    /// A hasher with `params` and `permits` concurrent computations.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for parameters Argon2 refuses.
    pub fn new(params: Argon2Settings, permits: usize) -> Result<Self, Error> {
        argon_params(params)?;
        let permits = permits.max(1);
        let memory = Arc::new(MemoryPool::new(permits));
        // The dummy hash that unknown accounts are checked against, so that
        // they cost the same as known ones. Its working memory (19 MiB at the
        // floor) is not kept: a service that nobody logs into yet should not
        // hold it (idle memory is measured in docs/benchmarks.md).
        let dummy = hash_now(
            params,
            b"egov-auth dummy password for timing equivalence",
            &MemoryPool::new(0),
        )?;
        Ok(Self {
            params,
            threads: Arc::new(HashingThreads::start(permits)?),
            permits: Arc::new(Semaphore::new(permits)),
            permit_count: permits,
            memory,
            activity: Arc::new(Activity::default()),
            dummy: Arc::new(dummy),
        })
    }

    /// The parameters of new hashes.
    pub fn params(&self) -> Argon2Settings {
        self.params
    }

    /// The most Argon2 computations that run at once.
    pub fn permits(&self) -> usize {
        self.permit_count
    }

    /// Argon2 computations started by this hasher (and its clones) since it
    /// was built, besides the one that made its dummy hash.
    pub fn computations(&self) -> u64 {
        self.activity.started.load(Ordering::Acquire)
    }

    /// Argon2 computations running now: never more than [`Hasher::permits`].
    pub fn running(&self) -> usize {
        self.activity.running.load(Ordering::Acquire)
    }

    /// The most Argon2 computations that ever ran at once.
    pub fn peak_running(&self) -> usize {
        self.activity.peak.load(Ordering::Acquire)
    }

    /// Runs `work` on a hashing thread once a permit is free. The permit moves
    /// into the job: if this future is dropped (the client went
    /// away), the computation goes on holding it, so the cap on concurrent
    /// computations (and on pooled memory) still holds.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let permit: OwnedSemaphorePermit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Error::Internal("hasher closed".into()))?;
        let activity = self.activity.clone();
        let (done, result) = tokio::sync::oneshot::channel();
        self.threads.submit(Box::new(move || {
            // The permit is the job's: a caller that gives up waiting does not
            // free it while Argon2 still runs.
            let _permit = permit;
            let _computing = activity.enter();
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                .unwrap_or_else(|_| Err(Error::Internal("hashing task failed".into())));
            let _ = done.send(outcome);
        }))?;
        result
            .await
            .map_err(|_| Error::Internal("hashing task failed".into()))?
    }

    /// Hashes a (normalized) password to an Argon2id PHC string.
    pub async fn hash(&self, password: &NormalizedPassword) -> Result<String, Error> {
        let params = self.params;
        let bytes = password.bytes().to_vec();
        let memory = self.memory.clone();
        self.blocking(move || hash_now(params, &bytes, &memory))
            .await
    }

    /// Checks `password` against `stored` (an Argon2 PHC string, or an
    /// eGovFrame `egov-sha256$…` hash of `login_id`). `stored = None` (unknown
    /// account) checks against a dummy hash and always fails. Every path costs
    /// one Argon2 computation.
    pub async fn verify(
        &self,
        password: &NormalizedPassword,
        raw_password: &str,
        login_id: &str,
        stored: Option<&str>,
    ) -> Result<Option<Verified>, Error> {
        let params = self.params;
        let bytes = password.bytes().to_vec();
        let memory = self.memory.clone();
        match stored {
            Some(stored) if stored.starts_with(EGOV_SHA256_PREFIX) => {
                // `egov-sha256$HASH`, salted with the login id; or
                // `egov-sha256$HASH$ID` when eGovFrame's id (the salt) differs
                // from its normalized form here (base64 has no `$`).
                let rest = &stored[EGOV_SHA256_PREFIX.len()..];
                let (expected, salt) = rest.split_once('$').unwrap_or((rest, login_id));
                let expected = expected.to_owned();
                let actual = egov_sha256(salt, raw_password);
                let dummy = self.dummy.clone();
                // Same cost as an Argon2 check.
                self.blocking(move || verify_now(params, &bytes, &dummy, &memory))
                    .await?;
                let matches = bool::from(actual.as_bytes().ct_eq(expected.as_bytes()));
                Ok(matches.then_some(Verified { needs_rehash: true }))
            }
            Some(stored) => {
                let stored = stored.to_owned();
                self.blocking(move || verify_now(params, &bytes, &stored, &memory))
                    .await
            }
            None => {
                let dummy = self.dummy.clone();
                self.blocking(move || verify_now(params, &bytes, &dummy, &memory))
                    .await?;
                Ok(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// The niceness of each thread of this process whose name starts with
    /// `prefix`, and of the process's main thread.
    #[cfg(target_os = "linux")]
    fn niceness(prefix: &str) -> (Vec<i64>, i64) {
        let nice_of = |dir: &std::path::Path| -> i64 {
            let stat = std::fs::read_to_string(dir.join("stat")).unwrap();
            // Fields after "(comm)": state is the first, nice the 17th.
            let after = &stat[stat.rfind(')').unwrap() + 1..];
            after.split_whitespace().nth(16).unwrap().parse().unwrap()
        };
        let mut threads = Vec::new();
        for entry in std::fs::read_dir("/proc/self/task").unwrap() {
            let dir = entry.unwrap().path();
            let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
            if comm.trim_end().starts_with(prefix) {
                threads.push(nice_of(&dir));
            }
        }
        (threads, nice_of(std::path::Path::new("/proc/self")))
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_new_hasher_keeps_no_argon2_memory_until_it_hashes() {
        let hasher = Hasher::new(Argon2Settings::FLOOR, 2).unwrap();
        assert_eq!(hasher.memory.pooled(), 0);
    }

    #[tokio::test]
    async fn argon2_runs_on_its_own_threads_at_a_lower_priority() {
        let hasher = Hasher::new(Argon2Settings::FLOOR, 2).unwrap();
        let password = NormalizedPassword::new("correct horse battery staple").unwrap();
        hasher.hash(&password).await.unwrap();
        let (threads, main) = niceness("egov-auth-hash");
        assert!(threads.len() >= 2, "hashing threads: {threads:?}");
        let expected = (main + i64::from(HASHING_NICE)).min(19);
        assert!(
            threads.iter().all(|&nice| nice == expected),
            "hashing threads at {threads:?}, the process at {main}"
        );
    }

    use super::*;

    fn policy() -> PasswordPolicy {
        PasswordPolicy::new(["egov-rs"])
    }

    #[test]
    fn lengths() {
        let p = policy();
        assert_eq!(
            p.check("short but fine", false, "kim", "Kim").unwrap_err(),
            PasswordRejection::TooShort { min: 15 }
        );
        p.check("short but fine", true, "kim", "Kim").unwrap();
        p.check("correct horse battery", false, "kim", "Kim")
            .unwrap();
        // 128 characters (the maximum), no pattern.
        let long: String = (0..128u32)
            .map(|i| char::from_u32(0xAC00 + i * 389 % 11_172).unwrap())
            .collect();
        p.check(&long, false, "kim", "Kim").unwrap();
        assert_eq!(
            p.check(&"x1".repeat(65), false, "kim", "Kim").unwrap_err(),
            PasswordRejection::TooLong
        );
        assert_eq!(
            p.check(&"x".repeat(1 << 20), false, "kim", "Kim")
                .unwrap_err(),
            PasswordRejection::TooLong
        );
    }

    #[test]
    fn nfkc_counts_normalized_characters() {
        // U+FB01 (ﬁ), U+FB02 (ﬂ) and U+FB00 (ﬀ) normalize to two letters each: 14
        // characters typed make 18.
        let p = policy();
        let typed = "\u{FB01}re \u{FB02}y o\u{FB00} \u{FB01}eld";
        assert_eq!(typed.chars().count(), 14);
        p.check(typed, false, "a", "b").unwrap();
    }

    #[test]
    fn blocklist_and_context() {
        assert!(blocklist_len() >= 10_000);
        let p = policy();
        assert_eq!(
            p.check("password", true, "kim", "Kim").unwrap_err(),
            PasswordRejection::Common
        );
        assert_eq!(
            p.check("Qwertyuiop", true, "kim", "Kim").unwrap_err(),
            PasswordRejection::Common
        );
        assert_eq!(
            p.check("my egov-rs password!", false, "kim", "Kim")
                .unwrap_err(),
            PasswordRejection::ContainsContextWord
        );
        assert_eq!(
            p.check("hong.gildong is my name", false, "hong.gildong", "홍길동")
                .unwrap_err(),
            PasswordRejection::ContainsContextWord
        );
        assert_eq!(
            p.check(&"z".repeat(20), false, "kim", "Kim").unwrap_err(),
            PasswordRejection::Repetitive
        );
        // Latin words shorter than 4 characters are not enforced.
        p.check("kim likes quiet rivers", false, "kim", "Kim")
            .unwrap();
    }

    #[test]
    fn hangul_context_words_of_any_length() {
        let p = PasswordPolicy::new(["민원"]);
        assert_eq!(
            p.check("민원신청은언제나환영합니다", true, "kim", "Kim")
                .unwrap_err(),
            PasswordRejection::ContainsContextWord
        );
        assert_eq!(
            p.check("언제든지 민원 신청을 환영합니다", false, "kim", "Kim")
                .unwrap_err(),
            PasswordRejection::ContainsContextWord
        );
        // "민원" typed in English mode.
        assert_eq!(
            p.check("alsdnjs-on-a-quiet-river", false, "kim", "Kim")
                .unwrap_err(),
            PasswordRejection::ContainsContextWord
        );
        let p = policy();
        for password in [
            "홍길동은 오늘도 산책을 합니다",
            "quiet ghdrlfehd lantern harbor",
            "QUIET GHDRLFEHD LANTERN HARBOR",
            // Half in Hangul mode: the keys still spell the name.
            "호ㅇ길동 lantern harbor 2026",
        ] {
            assert_eq!(
                p.check(password, false, "hong", "홍길동").unwrap_err(),
                PasswordRejection::ContainsContextWord,
                "{password}"
            );
        }
        // A one-syllable family name, from the display name's words.
        assert_eq!(
            p.check("김치찌개를 끓이는 겨울 저녁", false, "minsu", "김 민수")
                .unwrap_err(),
            PasswordRejection::ContainsContextWord
        );
        p.check("김치찌개를 끓이는 겨울 저녁", false, "hong", "홍길동")
            .unwrap();
        // Keys of a one-syllable word (김 → rla) are too short to be enforced.
        p.check("sparkling rlarla harbor", false, "minsu", "김")
            .unwrap();
    }

    /// Each of these passed before the predictability rule and the long list (issue #19).
    #[test]
    fn predictable_passwords_are_refused() {
        let p = policy();
        for password in [
            "passwordpassword",
            "1234567890123456",
            "qwertyuiopasdfgh",
            "1qaz2wsx3edc4rfv",
            "abcdefghijklmnop",
            "aaaaaaaaaaaaaaaaab",
            "iloveyouiloveyou",
            "qwer1234qwer1234",
            "1q2w3e4r5t6y7u8i",
            "zaq1xsw2cde3vfr4",
            "!@#$%^&*()_+qwerty",
            "abcabcabcabcabc",
            "2026202620262026",
            "asdfasdfasdfasdf",
            "9876543210987654",
            "qazwsxedcrfvtgbyhn",
            "password1234567890",
            "michaeljordan1990",
            "sunshine19900101",
            // A QWERTY walk typed in Hangul mode, jamo and composed.
            "ㅂㅈㄷㄱ쇼ㅕㅑㅐㅔㅁㄴㅇㄹ호ㅓㅏㅣ",
            "ㅂㅈㄷㄱㅅㅛㅕㅑㅐㅔㅁㄴㅇㄹㅎㅗㅓㅏㅣ",
            "가나다라마바사아자차카타파하가나",
            "아야어여오요우유으이아야어여오요",
            "ㅋㅋㅋㅋㅋㅋㅋㅋㅋㅋㅋㅋㅋㅋㅋㅎ",
        ] {
            let refused = p.check(password, false, "kim", "Kim").unwrap_err();
            let guesses = estimated_guesses_log10(password);
            // The long list has some of them whole; the patterns find them all.
            assert!(
                matches!(
                    refused,
                    PasswordRejection::Predictable | PasswordRejection::Common
                ),
                "{password}: {refused:?}"
            );
            assert!(guesses < 10.0, "{password}: 10^{guesses:.1}");
        }
        assert_eq!(
            p.check("qwertyuiopasdfgh", false, "kim", "Kim")
                .unwrap_err(),
            PasswordRejection::Predictable
        );
        // With MFA the floor is lower, but keyboard rows and repeats stay refused.
        for password in [
            "qwer1234",
            "abcd1234",
            "asdfasdf",
            "sunshine2026",
            "ㅂㅈㄷㄱ쇼ㅕㅑㅐ",
        ] {
            let refused = p.check(password, true, "kim", "Kim").unwrap_err();
            assert!(
                matches!(
                    refused,
                    PasswordRejection::Predictable | PasswordRejection::Common
                ),
                "{password}: {refused:?}"
            );
            assert!(estimated_guesses_log10(password) < MIN_GUESSES_WITH_MFA.log10());
        }
        assert_eq!(
            p.check("ㅂㅈㄷㄱ쇼ㅕㅑㅐ", true, "kim", "Kim").unwrap_err(),
            PasswordRejection::Predictable
        );
    }

    #[test]
    fn passphrases_and_random_passwords_pass() {
        let p = policy();
        for password in [
            "correct horse battery staple",
            "rudolph-ate-nine-kimchi-jars",
            "x7#Kq9!mZ2@vL4$w",
            "탄천 산책로에서 만난 고양이",
            "quiet lantern harbor 2026 load",
            "시월의 마지막 밤을 기억하나요",
        ] {
            p.check(password, false, "kim", "Kim").unwrap_or_else(|r| {
                panic!(
                    "{password}: {r:?}, 10^{:.1}",
                    estimated_guesses_log10(password)
                )
            });
        }
        // 13 characters: long enough with MFA, and above the single-factor floor too.
        let korean = "시월의마지막밤을기억하나요";
        p.check(korean, true, "kim", "Kim").unwrap();
        assert!(estimated_guesses_log10(korean) >= MIN_GUESSES_SINGLE_FACTOR.log10());
        for password in ["q7#vLm2x", "short but fine", "rhdanjs!2011"] {
            p.check(password, true, "kim", "Kim").unwrap_or_else(|r| {
                panic!(
                    "{password}: {r:?}, 10^{:.1}",
                    estimated_guesses_log10(password)
                )
            });
        }
    }

    /// The passwords the workspace's tests create accounts with must stay acceptable.
    #[test]
    fn the_workspace_test_passwords_pass() {
        let p = PasswordPolicy::default();
        for password in [
            "correct horse battery staple",
            "correct horse battery staple 2026",
            "quiet lantern harbor 2026 load",
            "a brand new passphrase 2026",
            "a brand new passphrase",
            "another long passphrase",
            "a long and unusual passphrase",
            "not the right password at all",
        ] {
            p.check(password, false, "admin", "관리자")
                .unwrap_or_else(|r| {
                    panic!(
                        "{password}: {r:?}, 10^{:.1}",
                        estimated_guesses_log10(password)
                    )
                });
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: 20,
            rng_seed: proptest::test_runner::RngSeed::Fixed(0x5EED_2026),
            failure_persistence: None,
            ..proptest::test_runner::Config::default()
        })]

        /// Random lower-case letters, 15 of them (the single-factor minimum), are not
        /// predictable.
        #[test]
        fn random_letters_pass(letters in proptest::collection::vec(proptest::char::range('a', 'z'), 15)) {
            let password: String = letters.into_iter().collect();
            proptest::prop_assert!(
                policy().check(&password, false, "kim", "Kim").is_ok(),
                "{}: 10^{:.1}", password, estimated_guesses_log10(&password)
            );
        }
    }

    #[test]
    fn a_check_takes_well_under_a_millisecond() {
        let p = policy();
        let samples: Vec<String> = vec![
            "correct horse battery staple".into(),
            "시월의마지막밤을기억하나요".repeat(9),
            "뷁".repeat(127) + "x",
            "ab".repeat(64),
            "a".repeat(127) + "b",
            "1qaz2wsx3edc4rfv".repeat(8),
            (0..128u32)
                .map(|i| char::from_u32(0xAC00 + i * 389 % 11_172).unwrap())
                .collect(),
            (0..128u32)
                .map(|i| char::from(b'a' + (i * 7 % 26) as u8))
                .collect(),
        ];
        // Warm the list up.
        let _ = estimated_guesses_log10("warm up");
        for sample in &samples {
            let started = std::time::Instant::now();
            let _ = p.check(sample, false, "kim", "Kim");
            let took = started.elapsed();
            // Generous: unoptimized test builds are many times slower than release.
            assert!(
                took < std::time::Duration::from_millis(50),
                "{} characters took {took:?}",
                sample.chars().count()
            );
        }
    }

    #[test]
    fn the_blocklist_is_one_password_per_line() {
        let distinct: std::collections::HashSet<&str> = BLOCKLIST_TEXT
            .lines()
            .chain(LONG_BLOCKLIST_TEXT.lines())
            .chain(EGOVFRAME_BLOCKLIST_TEXT.lines())
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect();
        assert_eq!(blocklist_len(), distinct.len(), "every line is one entry");
        // No file has duplicates of its own.
        for text in [
            BLOCKLIST_TEXT,
            LONG_BLOCKLIST_TEXT,
            EGOVFRAME_BLOCKLIST_TEXT,
        ] {
            let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
            let set: std::collections::HashSet<&str> = lines.iter().copied().collect();
            assert_eq!(lines.len(), set.len());
        }
        // The long list: every entry at least 12 characters.
        assert!(LONG_BLOCKLIST_TEXT.lines().all(|l| l.chars().count() >= 12));
        assert_eq!(LONG_BLOCKLIST_TEXT.lines().count(), 308);
        // The crate docs, data/README.md, docs/auth.md and docs/security.md say so.
        assert!(blocklist_len() > 19_000);
        let p = policy();
        // Entries with spaces are whole passwords, not three words.
        assert!(blocklist().contains("friend of gerly"));
        assert!(!blocklist().contains("of") && !blocklist().contains("gerly"));
        assert_eq!(
            p.check("Friend of Emily", true, "kim", "Kim").unwrap_err(),
            PasswordRejection::Common
        );
        // Long entries from zxcvbn-ts, refused whole.
        for long in ["qazwsxedcrfvtgb", "iseedeadpeople", "peanutbutter"] {
            assert_eq!(
                p.check(long, true, "kim", "Kim").unwrap_err(),
                PasswordRejection::Common
            );
        }
        // A longer password that merely contains an entry is fine.
        assert!(
            p.check("friend of emily, twice", true, "kim", "Kim")
                .is_ok()
        );
    }

    /// eGovFrame's published default password (every sample account of its seed data
    /// has it) is refused whatever the account's factors, and so are the variants an
    /// agency would make of it, through the estimate.
    #[test]
    fn egovframe_default_password_and_its_variants_are_refused() {
        assert_eq!(
            EGOVFRAME_BLOCKLIST_TEXT.lines().collect::<Vec<_>>(),
            ["rhdxhd12"]
        );
        let p = policy();
        // 8 characters: too short alone; with MFA long enough, but on the list.
        assert_eq!(
            p.check("rhdxhd12", false, "webmaster", "웹마스터")
                .unwrap_err(),
            PasswordRejection::TooShort { min: 15 }
        );
        for same in ["rhdxhd12", "RHDXHD12", "Rhdxhd12"] {
            assert_eq!(
                p.check(same, true, "webmaster", "웹마스터").unwrap_err(),
                PasswordRejection::Common,
                "{same}"
            );
        }
        // Variants: the entry is a segment of the estimate (also in the Dubeolsik
        // keystrokes of Hangul), costing its rank.
        for variant in ["rhdxhd12!", "rhdxhd12@", "공통12공통12"] {
            let refused = p.check(variant, true, "webmaster", "웹마스터").unwrap_err();
            assert_eq!(refused, PasswordRejection::Predictable, "{variant}");
        }
        for variant in [
            "rhdxhd12rhdxhd12",
            "rhdxhd12!rhdxhd12!",
            "rhdxhd12rhdxhd12!!",
        ] {
            let refused = p
                .check(variant, false, "webmaster", "웹마스터")
                .unwrap_err();
            assert_eq!(refused, PasswordRejection::Predictable, "{variant}");
        }
    }

    #[test]
    fn egov_scheme_matches_reference_vectors() {
        // EgovFileScrty.encryptPassword(password, id) = Base64(SHA-256(id bytes ‖ password
        // bytes)); the expected values were computed independently with Python's hashlib:
        // base64.b64encode(hashlib.sha256(id.encode() + password.encode()).digest()).
        assert_eq!(
            egov_sha256("admin", "1"),
            "JfQ7FIatlaE5jj7rPYO8QBABX8yb7bNbQy4AKY1QIfc="
        );
        assert_eq!(
            egov_sha256("hong.gildong", "비밀번호1234"),
            "IGfp+7z5cLxBZWc4cqdVJ/Nb8iugavKZIMos4dTTVi4="
        );
        // The id comes first: swapping the parts gives another hash.
        assert_ne!(egov_sha256("1", "admin"), egov_sha256("admin", "1"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cancelled_hashes_keep_their_permit_until_argon2_finishes() {
        // Clients that go away (a dropped future, a timeout) must not free a
        // permit while their Argon2 computation still runs: otherwise a flood of
        // cancelled logins runs any number of computations (and 19 MiB buffers)
        // at once.
        let hasher = Hasher::new(Argon2Settings::FLOOR, 2).unwrap();
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let hasher = hasher.clone();
                tokio::spawn(async move {
                    let pw = NormalizedPassword::new("correct horse battery").unwrap();
                    for _ in 0..10 {
                        // Far shorter than one hash: every call is cancelled.
                        let _ = tokio::time::timeout(
                            std::time::Duration::from_millis(2),
                            hasher.hash(&pw),
                        )
                        .await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        // Let the computations left behind by the dropped futures finish.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while hasher.running() > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "computations never ended"
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert!(hasher.computations() >= 2, "some hashes started");
        assert!(
            hasher.peak_running() <= hasher.permits(),
            "{} computations ran at once with {} permits",
            hasher.peak_running(),
            hasher.permits()
        );
        // The memory of every computation went back to the pool, wiped.
        assert!((1..=2).contains(&hasher.memory.pooled()));
        for memory in hasher.memory.free.lock().unwrap().iter() {
            assert!(memory.iter().all(|b| b.as_ref().iter().all(|&x| x == 0)));
        }
        // The permits are all free again.
        assert_eq!(hasher.permits.available_permits(), 2);
    }

    #[test]
    fn pooled_memory_is_wiped_and_returned_when_the_work_panics() {
        let pool = MemoryPool::new(1);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pool.with(8, |blocks| {
                blocks[0].as_mut()[0] = 42;
                panic!("argon2 failed");
            })
        }));
        assert!(outcome.is_err());
        assert_eq!(pool.pooled(), 1);
        let free = pool.free.lock().unwrap();
        assert!(free[0].iter().all(|b| b.as_ref().iter().all(|&x| x == 0)));
    }

    #[tokio::test]
    async fn the_working_memory_is_pooled_per_permit_and_wiped() {
        let hasher = Hasher::new(Argon2Settings::FLOOR, 2).unwrap();
        let pw = NormalizedPassword::new("correct horse battery").unwrap();
        let hashes = futures_join(&hasher, &pw).await;
        assert!(hashes.iter().all(|h| h.starts_with("$argon2id$")));
        // Four hashes, two at a time: never more buffers kept than permits.
        assert!((1..=2).contains(&hasher.memory.pooled()));
        let free = hasher.memory.free.lock().unwrap();
        for memory in free.iter() {
            assert_eq!(memory.len(), 19_456);
            assert!(
                memory.iter().all(|b| b.as_ref().iter().all(|&x| x == 0)),
                "a pooled buffer still holds password-derived blocks"
            );
        }
    }

    async fn futures_join(hasher: &Hasher, pw: &NormalizedPassword) -> Vec<String> {
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let hasher = hasher.clone();
                let pw = NormalizedPassword::new(std::str::from_utf8(pw.bytes()).unwrap()).unwrap();
                tokio::spawn(async move { hasher.hash(&pw).await.unwrap() })
            })
            .collect();
        let mut out = Vec::new();
        for task in tasks {
            out.push(task.await.unwrap());
        }
        out
    }

    #[tokio::test]
    async fn our_phc_strings_are_argon2s_own() {
        // The same password and salt through argon2's PasswordHasher and through ours.
        use argon2::password_hash::PasswordHasher;
        let memory = MemoryPool::new(1);
        let ours = hash_now(Argon2Settings::FLOOR, b"correct horse battery", &memory).unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        let salt = parsed.salt.unwrap();
        let theirs = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            argon_params(Argon2Settings::FLOOR).unwrap(),
        )
        .hash_password_with_salt(b"correct horse battery", salt.as_ref())
        .unwrap()
        .to_string();
        assert_eq!(ours, theirs);
    }

    #[tokio::test]
    async fn hash_verify_rehash() {
        let hasher = Hasher::new(Argon2Settings::FLOOR, 1).unwrap();
        let pw = NormalizedPassword::new("correct horse battery").unwrap();
        let hash = hasher.hash(&pw).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        let ok = hasher
            .verify(&pw, "correct horse battery", "kim", Some(&hash))
            .await
            .unwrap();
        assert_eq!(
            ok,
            Some(Verified {
                needs_rehash: false
            })
        );
        let wrong = NormalizedPassword::new("wrong horse battery").unwrap();
        assert!(
            hasher
                .verify(&wrong, "wrong horse battery", "kim", Some(&hash))
                .await
                .unwrap()
                .is_none()
        );
        let stronger = Hasher::new(
            Argon2Settings {
                memory_kib: 19_456,
                iterations: 3,
                parallelism: 1,
            },
            1,
        )
        .unwrap();
        let ok = stronger
            .verify(&pw, "correct horse battery", "kim", Some(&hash))
            .await
            .unwrap();
        assert_eq!(ok, Some(Verified { needs_rehash: true }));
        let legacy = format!("{EGOV_SHA256_PREFIX}{}", egov_sha256("kim", "1234"));
        let pw = NormalizedPassword::new("1234").unwrap();
        assert_eq!(
            hasher
                .verify(&pw, "1234", "kim", Some(&legacy))
                .await
                .unwrap(),
            Some(Verified { needs_rehash: true })
        );
        assert!(
            hasher
                .verify(&pw, "1234", "lee", Some(&legacy))
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            hasher
                .verify(&pw, "1234", "kim", None)
                .await
                .unwrap()
                .is_none()
        );
    }
}
