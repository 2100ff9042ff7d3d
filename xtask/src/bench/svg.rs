//! The HTTP chart of `docs/benchmarks.md`: a horizontal bar per server (its
//! median requests/s), a dot per run, and the p99 latency as a label. Plain
//! SVG written by hand: no dependency, readable diffs.

use std::fmt::Write as _;

use super::report::{ServerFigures, thousands, time};

const WIDTH: f64 = 820.0;
const LABEL_WIDTH: f64 = 310.0;
const RIGHT_MARGIN: f64 = 30.0;
const TOP: f64 = 64.0;
const ROW: f64 = 62.0;
const BAR: f64 = 26.0;
const COLORS: [&str; 3] = ["#8c959f", "#0969da", "#1a7f37"];

/// The chart of `servers` (in order; the first is the baseline the others are
/// compared with), titled `title`, with `note` under it.
pub(crate) fn chart(servers: &[ServerFigures], title: &str, note: &str) -> String {
    let largest = servers
        .iter()
        .flat_map(|s| s.runs.iter().map(|r| r.requests_per_sec))
        .fold(0.0, f64::max);
    let (scale_max, step) = nice_scale(largest);
    let plot = WIDTH - LABEL_WIDTH - RIGHT_MARGIN;
    let x = |value: f64| LABEL_WIDTH + plot * (value / scale_max).clamp(0.0, 1.0);
    let axis_y = TOP + ROW * servers.len() as f64;
    let base = servers.first().map(ServerFigures::median_rps);
    let height = axis_y + 44.0;

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="13">"#
    );
    let _ = writeln!(
        svg,
        r##"<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        svg,
        r##"<text x="16" y="26" font-size="16" font-weight="bold" fill="#1f2328">{}</text>"##,
        escape(title)
    );
    let _ = writeln!(
        svg,
        r##"<text x="16" y="46" fill="#59636e">{}</text>"##,
        escape(note)
    );
    // Grid and axis labels.
    let mut tick = 0.0;
    while tick <= scale_max * 1.000_001 {
        let tx = x(tick);
        let _ = writeln!(
            svg,
            r##"<line x1="{tx:.1}" y1="{TOP}" x2="{tx:.1}" y2="{axis_y}" stroke="#d1d9e0" stroke-width="1"/>"##
        );
        let _ = writeln!(
            svg,
            r##"<text x="{tx:.1}" y="{:.1}" text-anchor="middle" fill="#59636e">{}</text>"##,
            axis_y + 18.0,
            thousands(tick)
        );
        tick += step;
    }
    let _ = writeln!(
        svg,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#59636e">requests per second</text>"##,
        LABEL_WIDTH + plot / 2.0,
        axis_y + 36.0
    );
    for (i, server) in servers.iter().enumerate() {
        let top = TOP + ROW * i as f64 + (ROW - BAR) / 2.0;
        let middle = top + BAR / 2.0;
        let color = COLORS[i % COLORS.len()];
        let _ = writeln!(
            svg,
            r##"<text x="16" y="{:.1}" font-weight="bold" fill="#1f2328">{} {}</text>"##,
            middle - 2.0,
            server.key,
            escape(server.name)
        );
        let median = server.median_rps();
        let end = x(median);
        let _ = writeln!(
            svg,
            r#"<rect x="{LABEL_WIDTH}" y="{top:.1}" width="{:.1}" height="{BAR}" fill="{color}"/>"#,
            (end - LABEL_WIDTH).max(1.0)
        );
        for run in &server.runs {
            let _ = writeln!(
                svg,
                r##"<circle cx="{:.1}" cy="{middle:.1}" r="3.5" fill="#1f2328" stroke="#ffffff" stroke-width="1"/>"##,
                x(run.requests_per_sec)
            );
        }
        let mut label = format!(
            "{} req/s · p99 {}",
            thousands(median),
            time(server.median_p99())
        );
        if let Some(base) = base.filter(|b| i > 0 && *b > 0.0) {
            label.push_str(&format!(" · {:.2}× (a)", median / base));
        }
        let _ = writeln!(
            svg,
            r##"<text x="16" y="{:.1}" fill="#59636e">{}</text>"##,
            middle + 14.0,
            escape(&label)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// An axis maximum at or above `largest` and a tick step: 1, 2 or 5 × 10ⁿ,
/// four to ten ticks.
pub(crate) fn nice_scale(largest: f64) -> (f64, f64) {
    if largest <= 0.0 || !largest.is_finite() {
        return (1.0, 0.25);
    }
    let magnitude = 10f64.powf(largest.log10().floor());
    let step = [0.1, 0.2, 0.5, 1.0, 2.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|step| (largest / step).ceil() <= 10.0)
        .unwrap_or(2.0 * magnitude);
    ((largest / step).ceil().max(1.0) * step, step)
}

/// `text` safe inside an XML element.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::wrk::WrkRun;

    fn server(key: &'static str, rates: &[f64]) -> ServerFigures {
        ServerFigures {
            key,
            name: "bare <axum>",
            what: String::new(),
            runs: rates
                .iter()
                .map(|&requests_per_sec| WrkRun {
                    requests_per_sec,
                    p50: 0.001,
                    p99: 0.003,
                    requests: 1,
                    non_2xx: 0,
                    socket_errors: 0,
                })
                .collect(),
            idle_rss_kib: 0,
            setup_rss_kib: 0,
            load_rss_kib: 0,
            peak_rss_kib: 0,
        }
    }

    #[test]
    fn scales_are_round() {
        assert_eq!(nice_scale(42_000.0), (45_000.0, 5_000.0));
        assert_eq!(nice_scale(10_000.0), (10_000.0, 1_000.0));
        assert_eq!(nice_scale(1_234.0), (1_400.0, 200.0));
        assert_eq!(nice_scale(0.0), (1.0, 0.25));
    }

    #[test]
    fn one_bar_per_server_one_dot_per_run_escaped_labels() {
        let svg = chart(
            &[
                server("(a)", &[40_000.0, 42_000.0, 41_000.0]),
                server("(b)", &[20_000.0]),
            ],
            "Title & more",
            "note",
        );
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>\n"));
        assert_eq!(svg.matches("<circle").count(), 4);
        assert_eq!(svg.matches(r#"height="26""#).count(), 2);
        assert!(svg.contains("Title &amp; more"));
        assert!(svg.contains("bare &lt;axum&gt;"));
        assert!(svg.contains("41,000 req/s · p99 3.00 ms<"));
        assert!(svg.contains("20,000 req/s · p99 3.00 ms · 0.49× (a)<"));
        assert!(!svg.contains("NaN"));
    }
}
