//! Per-image metrics as CloudWatch Embedded Metric Format (EMF) lines on stdout.
//!
//! Lambda ships stdout to CloudWatch Logs, which turns EMF lines into metrics without an API call
//! on the request path (no PutMetricData latency, no extra IAM permission).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;

/// Namespace of every metric the function emits.
pub const NAMESPACE: &str = "downsize";

/// What one processed (or refused) image cost.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImageMetrics {
    /// Outcome kind: `written`, `already_done`, an error kind such as `corrupt`, ...
    pub outcome: &'static str,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub megapixels: f64,
    pub download: Duration,
    pub decode: Duration,
    pub resize: Duration,
    pub encode: Duration,
    pub upload: Duration,
}

/// One EMF document for `metrics`, with the object named as properties (searchable in Logs
/// Insights, but not dimensions, which would create one metric per key).
pub fn emf_line(metrics: &ImageMetrics, bucket: &str, key: &str, timestamp: SystemTime) -> String {
    let millis = |d: Duration| d.as_secs_f64() * 1000.0;
    let timestamp_ms = timestamp
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let document = json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["Outcome"]],
                "Metrics": [
                    {"Name": "Images", "Unit": "Count"},
                    {"Name": "BytesIn", "Unit": "Bytes"},
                    {"Name": "BytesOut", "Unit": "Bytes"},
                    {"Name": "Megapixels", "Unit": "None"},
                    {"Name": "DownloadMs", "Unit": "Milliseconds"},
                    {"Name": "DecodeMs", "Unit": "Milliseconds"},
                    {"Name": "ResizeMs", "Unit": "Milliseconds"},
                    {"Name": "EncodeMs", "Unit": "Milliseconds"},
                    {"Name": "UploadMs", "Unit": "Milliseconds"},
                ],
            }],
        },
        "Outcome": metrics.outcome,
        "Images": 1,
        "BytesIn": metrics.bytes_in,
        "BytesOut": metrics.bytes_out,
        "Megapixels": metrics.megapixels,
        "DownloadMs": millis(metrics.download),
        "DecodeMs": millis(metrics.decode),
        "ResizeMs": millis(metrics.resize),
        "EncodeMs": millis(metrics.encode),
        "UploadMs": millis(metrics.upload),
        "Bucket": bucket,
        "Key": key,
    });
    document.to_string()
}

/// Prints one EMF line to stdout, in a single write so lines never interleave.
pub fn emit(metrics: &ImageMetrics, bucket: &str, key: &str) {
    let line = emf_line(metrics, bucket, key, SystemTime::now());
    println!("{line}");
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_declared_metric_has_a_numeric_value() {
        let metrics = ImageMetrics {
            outcome: "written",
            bytes_in: 2_000_000,
            bytes_out: 400_000,
            megapixels: 12.5,
            download: Duration::from_millis(120),
            decode: Duration::from_micros(80_500),
            ..ImageMetrics::default()
        };
        let line = emf_line(
            &metrics,
            "b",
            "k k.jpg",
            UNIX_EPOCH + Duration::from_secs(2),
        );
        assert!(!line.contains('\n'));
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["_aws"]["Timestamp"], 2000);
        assert_eq!(value["Outcome"], "written");
        assert_eq!(
            value["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0][0],
            "Outcome"
        );
        for metric in value["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .unwrap()
        {
            let name = metric["Name"].as_str().unwrap();
            assert!(value[name].is_number(), "{name} missing");
        }
        assert_eq!(value["DecodeMs"], 80.5);
        assert_eq!(value["Key"], "k k.jpg");
    }
}
