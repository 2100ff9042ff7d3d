//! Time, behind a trait so that tests can control it.
//!
//! Everything in egov-rs that records or compares time (audit timestamps, token
//! expiry, code validity dates, lockouts) reads a [`Clock`] instead of calling
//! the system clock directly. All times are UTC.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use time::{Duration, OffsetDateTime};

/// A source of the current time (UTC).
pub trait Clock: Send + Sync + fmt::Debug {
    /// Now, in UTC.
    fn now(&self) -> OffsetDateTime;
}

/// A shareable clock.
pub type SharedClock = Arc<dyn Clock>;

/// The system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that stands still until told to move. For tests.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<OffsetDateTime>,
}

impl ManualClock {
    /// A clock showing `start` (converted to UTC).
    pub fn new(start: OffsetDateTime) -> Self {
        Self {
            now: Mutex::new(start.to_offset(time::UtcOffset::UTC)),
        }
    }

    /// Sets the time.
    pub fn set(&self, to: OffsetDateTime) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) =
            to.to_offset(time::UtcOffset::UTC);
    }

    /// Moves the time forward (or back, with a negative duration).
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told_and_reports_utc() {
        let start = time::macros::datetime!(2026-03-01 09:00 +9);
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        assert_eq!(clock.now().offset(), time::UtcOffset::UTC);
        clock.advance(Duration::minutes(5));
        assert_eq!(clock.now() - start, Duration::minutes(5));
    }

    #[test]
    fn system_clock_is_utc() {
        assert_eq!(SystemClock.now().offset(), time::UtcOffset::UTC);
    }
}
