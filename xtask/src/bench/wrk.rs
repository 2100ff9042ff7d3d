//! Reading wrk's report (wrk 4, `--latency`).
//!
//! What wrk 4.1 prints, for reference:
//!
//! ```text
//! Running 3s test @ http://127.0.0.1:45367/api/notice
//!   1 threads and 64 connections
//!   Thread Stats   Avg      Stdev     Max   +/- Stdev
//!     Latency     0.99ms    0.92ms  14.56ms   93.23%
//!     Req/Sec    53.78k     8.36k   61.26k    80.00%
//!   Latency Distribution
//!      50%  802.00us
//!      75%    0.90ms
//!      90%    1.21ms
//!      99%    5.35ms
//!   160886 requests in 3.01s, 31.76MB read
//!   Non-2xx or 3xx responses: 3
//!   Socket errors: connect 0, read 0, write 0, timeout 2
//! Requests/sec:  53464.35
//! Transfer/sec:     10.55MB
//! ```
//!
//! (the last two error lines only when there were errors). Times carry the
//! units `us`, `ms`, `s`, `m` or `h` (two decimals, `0.90ms` as well as
//! `802.00us`); counts in
//! the thread statistics carry `k`, `M` or `G`; the `Requests/sec` total is a
//! plain number.

/// The figures of one wrk run.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WrkRun {
    /// `Requests/sec`: completed requests over the run's duration.
    pub(crate) requests_per_sec: f64,
    /// Median latency, in seconds.
    pub(crate) p50: f64,
    /// 99th percentile latency, in seconds.
    pub(crate) p99: f64,
    /// Requests completed.
    pub(crate) requests: u64,
    /// Responses with a status outside 2xx and 3xx.
    pub(crate) non_2xx: u64,
    /// Socket errors (connect, read, write and timeout, added up).
    pub(crate) socket_errors: u64,
}

/// Parses wrk's report. Fails when the total, or the 50 % or 99 % line of
/// the latency distribution (printed with `--latency`), is missing.
pub(crate) fn parse(output: &str) -> Result<WrkRun, String> {
    let mut requests_per_sec = None;
    let mut p50 = None;
    let mut p99 = None;
    let mut requests = 0;
    let mut non_2xx = 0;
    let mut socket_errors = 0;
    for line in output.lines().map(str::trim) {
        if let Some(value) = line.strip_prefix("Requests/sec:") {
            requests_per_sec = Some(parse_count(value.trim())?);
        } else if let Some(value) = line.strip_prefix("50%") {
            p50 = Some(parse_time(value.trim())?);
        } else if let Some(value) = line.strip_prefix("99%") {
            p99 = Some(parse_time(value.trim())?);
        } else if let Some(value) = line.strip_prefix("Non-2xx or 3xx responses:") {
            non_2xx = parse_integer(value.trim())?;
        } else if let Some(value) = line.strip_prefix("Socket errors:") {
            // "connect 0, read 0, write 0, timeout 0"
            for part in value.split(',') {
                if let Some(number) = part.split_whitespace().nth(1) {
                    socket_errors += parse_integer(number)?;
                }
            }
        } else if let Some((count, rest)) = line.split_once(" requests in ")
            && rest.contains("read")
        {
            requests = parse_integer(count.trim())?;
        }
    }
    let missing = |what: &str| format!("wrk printed no {what} (was `--latency` given?)");
    Ok(WrkRun {
        requests_per_sec: requests_per_sec.ok_or_else(|| missing("`Requests/sec:` line"))?,
        p50: p50.ok_or_else(|| missing("50% latency"))?,
        p99: p99.ok_or_else(|| missing("99% latency"))?,
        requests,
        non_2xx,
        socket_errors,
    })
}

/// A wrk time such as `412.33us`, `1.45ms`, `2.00s` or `1.50m`, in seconds.
pub(crate) fn parse_time(text: &str) -> Result<f64, String> {
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .ok_or_else(|| format!("`{text}` is not a wrk time (no unit)"))?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a wrk time"))?;
    let scale = match unit {
        "us" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        other => return Err(format!("`{text}`: unknown time unit `{other}`")),
    };
    Ok(number * scale)
}

/// A wrk count such as `42098.61` or `42.31k` (`k`, `M`, `G`: powers of 1000).
pub(crate) fn parse_count(text: &str) -> Result<f64, String> {
    let (number, scale) = match text.char_indices().last() {
        Some((at, 'k')) => (&text[..at], 1e3),
        Some((at, 'M')) => (&text[..at], 1e6),
        Some((at, 'G')) => (&text[..at], 1e9),
        _ => (text, 1.0),
    };
    number
        .parse::<f64>()
        .map(|n| n * scale)
        .map_err(|_| format!("`{text}` is not a wrk count"))
}

fn parse_integer(text: &str) -> Result<u64, String> {
    text.parse()
        .map_err(|_| format!("`{text}` is not a whole number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real wrk 4.1.0 output (`wrk --latency -t1 -c64 -d3s`, bare-axum).
    const REPORT: &str = "\
Running 3s test @ http://127.0.0.1:45367/api/notice
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.99ms    0.92ms  14.56ms   93.23%
    Req/Sec    53.78k     8.36k   61.26k    80.00%
  Latency Distribution
     50%  802.00us
     75%    0.90ms
     90%    1.21ms
     99%    5.35ms
  160886 requests in 3.01s, 31.76MB read
Requests/sec:  53464.35
Transfer/sec:     10.55MB
";

    #[test]
    fn reads_total_percentiles_and_counts() {
        let run = parse(REPORT).unwrap();
        assert!((run.requests_per_sec - 53_464.35).abs() < 1e-6);
        assert!((run.p50 - 0.000_802).abs() < 1e-12);
        assert!((run.p99 - 0.005_35).abs() < 1e-12);
        assert_eq!(run.requests, 160_886);
        assert_eq!((run.non_2xx, run.socket_errors), (0, 0));
    }

    #[test]
    fn reads_errors_and_slow_percentiles() {
        let report = REPORT
            .replace("99%    5.35ms", "99%    1.20s")
            .replace("50%  802.00us", "50%  812.00us")
            .replace(
                "Requests/sec:",
                "  Non-2xx or 3xx responses: 17\n  Socket errors: connect 1, read 2, write 0, timeout 40\nRequests/sec:",
            );
        let run = parse(&report).unwrap();
        assert!((run.p50 - 0.000_812).abs() < 1e-12);
        assert!((run.p99 - 1.2).abs() < 1e-12);
        assert_eq!(run.non_2xx, 17);
        assert_eq!(run.socket_errors, 43);
    }

    #[test]
    fn missing_latency_distribution_is_an_error() {
        let without: String = REPORT
            .lines()
            .filter(|line| !(line.trim_start().starts_with(char::is_numeric) && line.contains('%')))
            .map(|line| format!("{line}\n"))
            .collect();
        let error = parse(&without).unwrap_err();
        assert!(error.contains("50% latency"), "{error}");
        assert!(parse("").unwrap_err().contains("Requests/sec"));
    }

    #[test]
    fn times_in_every_unit() {
        assert_eq!(parse_time("250.00us").unwrap(), 250.0e-6);
        assert_eq!(parse_time("2.50ms").unwrap(), 2.5e-3);
        assert_eq!(parse_time("1.00s").unwrap(), 1.0);
        assert_eq!(parse_time("1.50m").unwrap(), 90.0);
        assert_eq!(parse_time("2.00h").unwrap(), 7200.0);
        assert!(parse_time("3.00").is_err());
        assert!(parse_time("3.00ns").is_err());
        assert!(parse_time("ms").is_err());
    }

    #[test]
    fn counts_with_suffixes() {
        assert_eq!(parse_count("42.31k").unwrap(), 42_310.0);
        assert_eq!(parse_count("1.50M").unwrap(), 1_500_000.0);
        assert_eq!(parse_count("812.00").unwrap(), 812.0);
        assert!(parse_count("lots").is_err());
        assert!(parse_count("").is_err());
    }
}
