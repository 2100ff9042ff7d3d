//! # egov-telemetry
//!
//! Logs and traces for egov-rs services, set up once at start-up with [`init`]:
//!
//! - `tracing-subscriber` with an `EnvFilter` (`RUST_LOG` wins over the
//!   `telemetry.log_filter` setting);
//! - human-readable logs in the `dev` and `test` profiles, JSON lines in `prod`
//!   (override with `telemetry.log_format`);
//! - OpenTelemetry traces exported over OTLP/HTTP when `telemetry.otlp_endpoint`
//!   is set, with the crate feature `otlp` (egov's feature of the same name;
//!   off by default: it brings an HTTP client stack — without it, a configured
//!   endpoint stops the start with a message saying so). Off by default. Export runs on the SDK's own background thread with a
//!   timeout, so an absent or slow collector never blocks a request or the
//!   shutdown for longer than that timeout, and never crashes the service;
//! - W3C trace context: [`set_parent_from_headers`] continues a trace started by
//!   the caller's `traceparent`, and every span has a trace id (for log
//!   correlation and audit records) even when nothing is exported;
//! - the returned [`TelemetryGuard`] flushes pending spans when dropped.
//!
//! ```
//! use egov_core::config::Profile;
//! use egov_telemetry::{TelemetrySettings, build};
//!
//! let settings = TelemetrySettings { log_filter: "info".into(), ..TelemetrySettings::default() };
//! let (subscriber, guard) = build(&settings, Profile::Test).unwrap();
//! tracing::subscriber::with_default(subscriber, || {
//!     let span = tracing::info_span!("request");
//!     let _entered = span.enter();
//!     // Every span gets a W3C trace id, exported or not.
//!     assert_eq!(egov_telemetry::current_trace_id().unwrap().len(), 32);
//! });
//! guard.shutdown();
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "otlp")]
use std::time::Duration;

use egov_core::config::{ConfigSection, Profile};
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
#[cfg(feature = "otlp")]
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use serde::Deserialize;
use tracing::Subscriber;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// JSON in `prod`, pretty otherwise.
    #[default]
    Auto,
    /// Human-readable, one line per event.
    Pretty,
    /// One JSON object per line, for log shippers.
    Json,
}

/// The `[telemetry]` configuration section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetrySettings {
    /// The service's name in traces.
    pub service_name: String,
    /// `EnvFilter` directives, e.g. `info,sqlx=warn`. `RUST_LOG` overrides it.
    pub log_filter: String,
    /// `auto`, `pretty` or `json`.
    pub log_format: LogFormat,
    /// OTLP/HTTP traces endpoint, e.g. `http://127.0.0.1:4318/v1/traces`;
    /// empty turns export off. A base URL without a path gets `/v1/traces`.
    pub otlp_endpoint: String,
    /// How long one export may take before it is abandoned (milliseconds).
    pub otlp_timeout_ms: u64,
    /// Fraction of new traces sampled (0.0–1.0); a caller's sampling decision in
    /// `traceparent` is respected.
    pub sample_ratio: f64,
}

impl ConfigSection for TelemetrySettings {
    const KEY: &'static str = "telemetry";
    const DEFAULTS: &'static str = r#"
service_name = "egov-service"
log_filter = "info,sqlx=warn,tower_http=info"
log_format = "auto"
otlp_endpoint = ""
otlp_timeout_ms = 3000
sample_ratio = 1.0
"#;
}

impl Default for TelemetrySettings {
    /// The built-in defaults ([`ConfigSection::DEFAULTS`]).
    fn default() -> Self {
        Self::from_defaults()
    }
}

/// Telemetry could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TelemetryError {
    /// The log filter does not parse.
    #[error("telemetry.log_filter is invalid: {0}")]
    Filter(String),
    /// The OTLP exporter could not be built (e.g. a malformed endpoint).
    #[error("telemetry.otlp_endpoint cannot be used: {0}")]
    Exporter(String),
    /// A global subscriber is already installed.
    #[error("a global tracing subscriber is already installed")]
    AlreadyInitialized,
}

/// Keeps the tracer provider alive; flushes and shuts it down when dropped.
#[derive(Debug)]
#[must_use = "dropping the guard shuts telemetry down"]
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl TelemetryGuard {
    /// Flushes pending spans and stops exporting. Bounded by the export timeout.
    pub fn shutdown(mut self) {
        self.shutdown_now();
    }

    fn shutdown_now(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(e) = provider.shutdown()
        {
            tracing::warn!(error = %e, "telemetry shutdown was incomplete");
        }
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        self.shutdown_now();
    }
}

/// Builds the subscriber without installing it (tests use it with
/// `tracing::subscriber::with_default`).
pub fn build(
    settings: &TelemetrySettings,
    profile: Profile,
) -> Result<(impl Subscriber + Send + Sync + 'static, TelemetryGuard), TelemetryError> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.trim().is_empty() => EnvFilter::try_new(directives),
        _ => EnvFilter::try_new(&settings.log_filter),
    }
    .map_err(|e| TelemetryError::Filter(e.to_string()))?;

    let json = match settings.log_format {
        LogFormat::Auto => profile == Profile::Prod,
        LogFormat::Pretty => false,
        LogFormat::Json => true,
    };
    let fmt_layer = if json {
        tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_target(true)
            .boxed()
    } else {
        tracing_subscriber::fmt::layer()
            .with_target(true)
            .with_ansi(profile == Profile::Dev)
            .boxed()
    };

    let provider = tracer_provider(settings)?;
    let tracer = provider.tracer("egov");
    let subscriber = Registry::default()
        .with(filter)
        .with(fmt_layer)
        .with(tracing_opentelemetry::layer().with_tracer(tracer));
    Ok((
        subscriber,
        TelemetryGuard {
            provider: Some(provider),
        },
    ))
}

/// Builds the subscriber and installs it as the global default.
pub fn init(
    settings: &TelemetrySettings,
    profile: Profile,
) -> Result<TelemetryGuard, TelemetryError> {
    let (subscriber, guard) = build(settings, profile)?;
    subscriber
        .try_init()
        .map_err(|_| TelemetryError::AlreadyInitialized)?;
    Ok(guard)
}

fn tracer_provider(settings: &TelemetrySettings) -> Result<SdkTracerProvider, TelemetryError> {
    let ratio = settings.sample_ratio.clamp(0.0, 1.0);
    let mut builder = SdkTracerProvider::builder()
        .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
            ratio,
        ))))
        .with_resource(
            Resource::builder()
                .with_service_name(settings.service_name.clone())
                .build(),
        );
    let endpoint = settings.otlp_endpoint.trim();
    if !endpoint.is_empty() {
        builder = with_otlp_export(builder, endpoint, settings)?;
    }
    Ok(builder.build())
}

#[cfg(feature = "otlp")]
fn with_otlp_export(
    builder: opentelemetry_sdk::trace::TracerProviderBuilder,
    endpoint: &str,
    settings: &TelemetrySettings,
) -> Result<opentelemetry_sdk::trace::TracerProviderBuilder, TelemetryError> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(traces_url(endpoint))
        .with_timeout(Duration::from_millis(settings.otlp_timeout_ms.max(1)))
        .build()
        .map_err(|e| TelemetryError::Exporter(e.to_string()))?;
    Ok(builder.with_batch_exporter(exporter))
}

/// Without the `otlp` feature a configured endpoint is an error at start:
/// traces silently not exported would be worse.
#[cfg(not(feature = "otlp"))]
fn with_otlp_export(
    _builder: opentelemetry_sdk::trace::TracerProviderBuilder,
    _endpoint: &str,
    _settings: &TelemetrySettings,
) -> Result<opentelemetry_sdk::trace::TracerProviderBuilder, TelemetryError> {
    Err(TelemetryError::Exporter(
        "this build has no OTLP export: enable the `otlp` feature of egov (or egov-telemetry)"
            .to_owned(),
    ))
}

/// `http://host:4318` → `http://host:4318/v1/traces`; a URL with a path is kept.
#[cfg(feature = "otlp")]
fn traces_url(endpoint: &str) -> String {
    let after_scheme = endpoint
        .split_once("://")
        .map_or(endpoint, |(_, rest)| rest);
    match after_scheme.find('/') {
        Some(i) if after_scheme.len() > i + 1 => endpoint.to_owned(),
        _ => format!("{}/v1/traces", endpoint.trim_end_matches('/')),
    }
}

struct HeaderExtractor<'a>(&'a http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

struct HeaderInjector<'a>(&'a mut http::HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(key.as_bytes()),
            http::HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

/// Makes `span` a child of the trace named by the W3C `traceparent` (and
/// `tracestate`) headers, when present and valid. Invalid headers are ignored:
/// the span then starts a new trace.
pub fn set_parent_from_headers(span: &tracing::Span, headers: &http::HeaderMap) {
    let context = TraceContextPropagator::new().extract(&HeaderExtractor(headers));
    if context.span().span_context().is_valid() {
        // Fails only when the span is disabled; then there is nothing to link.
        let _ = span.set_parent(context);
    }
}

/// Writes `traceparent`/`tracestate` for the current span into `headers`, for
/// calls to other services.
pub fn inject_current_context(headers: &mut http::HeaderMap) {
    let context = tracing::Span::current().context();
    TraceContextPropagator::new().inject_context(&context, &mut HeaderInjector(headers));
}

/// The W3C trace id (32 hex digits) of `span`, if it is traced.
pub fn trace_id(span: &tracing::Span) -> Option<String> {
    let context = span.context();
    let span_ref = context.span();
    let span_context = span_ref.span_context();
    span_context
        .is_valid()
        .then(|| span_context.trace_id().to_string())
}

/// The W3C trace id of the current span, if it is traced.
pub fn current_trace_id() -> Option<String> {
    trace_id(&tracing::Span::current())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Built without the `otlp` feature, an endpoint is refused at start
    /// rather than ignored (CI builds with every feature, so the generated
    /// services' builds are where this holds).
    #[test]
    #[cfg(not(feature = "otlp"))]
    fn without_the_feature_a_configured_endpoint_is_refused() {
        let settings = TelemetrySettings {
            otlp_endpoint: "http://127.0.0.1:4318".into(),
            ..TelemetrySettings::default()
        };
        let Err(error) = build(&settings, Profile::Dev) else {
            panic!("an endpoint without the otlp feature must be refused");
        };
        assert!(error.to_string().contains("otlp"), "{error}");
    }

    #[test]
    fn built_in_defaults_turn_export_off() {
        let settings = TelemetrySettings::default();
        assert!(settings.otlp_endpoint.is_empty());
        assert_eq!(settings.log_format, LogFormat::Auto);
    }

    #[test]
    #[cfg(feature = "otlp")]
    fn traces_url_appends_the_signal_path_only_to_bare_endpoints() {
        assert_eq!(traces_url("http://c:4318"), "http://c:4318/v1/traces");
        assert_eq!(traces_url("http://c:4318/"), "http://c:4318/v1/traces");
        assert_eq!(
            traces_url("http://c:4318/custom/traces"),
            "http://c:4318/custom/traces"
        );
    }

    #[test]
    fn an_incoming_traceparent_is_continued_and_a_bad_one_ignored() {
        let (subscriber, _guard) = build(&TelemetrySettings::default(), Profile::Test).unwrap();
        tracing::subscriber::with_default(subscriber, || {
            let mut headers = http::HeaderMap::new();
            headers.insert(
                "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
                    .parse()
                    .unwrap(),
            );
            let span = tracing::info_span!("incoming");
            set_parent_from_headers(&span, &headers);
            assert_eq!(trace_id(&span).unwrap(), "4bf92f3577b34da6a3ce929d0e0e4736");

            // Outgoing calls carry the same trace.
            let mut outgoing = http::HeaderMap::new();
            span.in_scope(|| inject_current_context(&mut outgoing));
            let traceparent = outgoing["traceparent"].to_str().unwrap();
            assert!(
                traceparent.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
                "{traceparent}"
            );

            let mut bad = http::HeaderMap::new();
            bad.insert("traceparent", "00-nothex-zz-01".parse().unwrap());
            let fresh = tracing::info_span!("fresh");
            set_parent_from_headers(&fresh, &bad);
            let id = trace_id(&fresh).unwrap();
            assert_ne!(id, "4bf92f3577b34da6a3ce929d0e0e4736");
            assert_eq!(id.len(), 32);
        });
    }

    #[test]
    fn a_bad_filter_is_reported() {
        let settings = TelemetrySettings {
            log_filter: "info,[[[".into(),
            ..TelemetrySettings::default()
        };
        if std::env::var("RUST_LOG").is_err() {
            assert!(matches!(
                build(&settings, Profile::Test),
                Err(TelemetryError::Filter(_))
            ));
        }
    }
}
