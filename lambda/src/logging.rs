//! Structured JSON logs, one object per line, which CloudWatch Logs Insights can query by field.

use tracing_subscriber::EnvFilter;

/// Installs the JSON subscriber, level from `RUST_LOG` (default `info`).
pub fn init_json() {
    init_json_with_default("info");
}

/// Installs the JSON subscriber, level from `RUST_LOG` or else `default_level`. Logs go to stderr
/// so they never interleave with the metric lines on stdout; Lambda collects both.
pub fn init_json_with_default(default_level: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    // A second initialisation (tests) keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
