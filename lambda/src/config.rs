//! Configuration from environment variables, read and validated once per container.
//!
//! A mistake here (an unknown variant, a key template that makes two variants collide, a
//! destination that feeds the trigger) would otherwise surface as one failed or looping invocation
//! per uploaded image; refusing to start puts one clear message in the log instead.
//!
//! | variable | default | meaning |
//! | --- | --- | --- |
//! | `DOWNSIZE_DEST_BUCKET` | `{bucket}-resized` | destination bucket; `{bucket}` is the source bucket |
//! | `DOWNSIZE_DEST_KEY` | `{key}` (one variant), `{variant}/{key}` (several) | destination key template |
//! | `DOWNSIZE_SOURCE_PREFIX` | none | only keys under it are processed; `{path}` strips it |
//! | `DOWNSIZE_VARIANTS` | `half` | comma-separated `downsize::Variant` specs, e.g. `half,w320,fit:1280x1280` |
//! | `DOWNSIZE_FORMAT` | `same` | `same`, `jpeg` or `png`, for variants without an `@jpeg`/`@png` suffix |
//! | `DOWNSIZE_QUALITY` | engine default | JPEG quality 1-100, for variants without an `@q` suffix |
//! | `DOWNSIZE_METADATA` | `strip` | `strip` or `keep-exif` |
//! | `DOWNSIZE_MAX_INPUT_BYTES`, `DOWNSIZE_MAX_WIDTH`, `DOWNSIZE_MAX_HEIGHT`, `DOWNSIZE_MAX_PIXELS`, `DOWNSIZE_MAX_WORKING_BYTES` | from memory | override `Limits::for_memory_mb` |
//! | `DOWNSIZE_CACHE_CONTROL` | `public, max-age=86400` | Cache-Control of written copies; empty for none |
//! | `DOWNSIZE_DEADLINE_MARGIN_MS` | `2000` | time kept in reserve before the Lambda deadline |
//! | `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` | `1769` | set by Lambda; sizes limits and engine threads |
//!
//! Key template placeholders: `{key}` (source key), `{path}` (source key without
//! `DOWNSIZE_SOURCE_PREFIX`), `{stem}` (`{path}` without its extension), `{ext}` (extension of the
//! output format; the source key's own extension for same-format variants) and `{variant}`.

use std::time::Duration;

use downsize::{Limits, MetadataPolicy, OutputFormat, Request, Variant, VariantDefaults};

use crate::error::Error;

/// Lambda gives one full vCPU per 1,769 MB of memory; fewer MB get a share of one.
const MB_PER_VCPU: u32 = 1769;

/// Validated configuration, shared by every invocation of a container.
#[derive(Debug)]
pub struct Config {
    /// Destination bucket template (`{bucket}` is the source bucket).
    pub destination_bucket: String,
    /// Destination key template.
    pub destination_key: String,
    /// Only keys under this prefix are processed.
    pub source_prefix: Option<String>,
    /// What the engine produces from each source.
    pub request: Request,
    /// Input limits, checked before downloading and again by the engine.
    pub limits: Limits,
    /// Engine worker threads, from the memory size (never from the visible CPU count).
    pub threads: usize,
    /// Cache-Control header of written copies.
    pub cache_control: Option<String>,
    /// Time kept in reserve before the Lambda deadline.
    pub deadline_margin: Duration,
    /// Print per-image Embedded Metric Format lines to stdout.
    pub emit_metrics: bool,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, Error> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`, so tests and the local runner need not touch the
    /// process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, Error> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());

        let memory_mb = match get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE") {
            Some(value) => parse_number::<u32>("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", &value)?,
            None => MB_PER_VCPU,
        };
        let threads = usize::try_from(memory_mb / MB_PER_VCPU).unwrap_or(1).max(1);

        let mut limits = Limits::for_memory_mb(memory_mb);
        if let Some(value) = get("DOWNSIZE_MAX_INPUT_BYTES") {
            limits.max_input_bytes = parse_number("DOWNSIZE_MAX_INPUT_BYTES", &value)?;
        }
        if let Some(value) = get("DOWNSIZE_MAX_WIDTH") {
            limits.max_width = parse_number("DOWNSIZE_MAX_WIDTH", &value)?;
        }
        if let Some(value) = get("DOWNSIZE_MAX_HEIGHT") {
            limits.max_height = parse_number("DOWNSIZE_MAX_HEIGHT", &value)?;
        }
        if let Some(value) = get("DOWNSIZE_MAX_PIXELS") {
            limits.max_pixels = parse_number("DOWNSIZE_MAX_PIXELS", &value)?;
        }
        if let Some(value) = get("DOWNSIZE_MAX_WORKING_BYTES") {
            limits.max_working_bytes = parse_number("DOWNSIZE_MAX_WORKING_BYTES", &value)?;
        }

        let format = match get("DOWNSIZE_FORMAT").as_deref().map(str::trim) {
            None | Some("same") => None,
            Some("jpeg") | Some("jpg") => Some(OutputFormat::Jpeg),
            Some("png") => Some(OutputFormat::Png),
            Some(other) => {
                return Err(Error::Config(format!(
                    "DOWNSIZE_FORMAT={other:?}: expected same, jpeg or png"
                )))
            }
        };
        let quality = match get("DOWNSIZE_QUALITY") {
            Some(value) => {
                let quality: u8 = parse_number("DOWNSIZE_QUALITY", &value)?;
                if !(1..=100).contains(&quality) {
                    return Err(Error::Config(format!(
                        "DOWNSIZE_QUALITY={quality}: expected 1 to 100"
                    )));
                }
                Some(quality)
            }
            None => None,
        };
        let metadata = match get("DOWNSIZE_METADATA").as_deref().map(str::trim) {
            None | Some("strip") => MetadataPolicy::Strip,
            Some("keep-exif") => MetadataPolicy::KeepExif,
            Some(other) => {
                return Err(Error::Config(format!(
                    "DOWNSIZE_METADATA={other:?}: expected strip or keep-exif"
                )))
            }
        };

        let defaults = VariantDefaults {
            format,
            quality,
            ..VariantDefaults::default()
        };
        let specs = get("DOWNSIZE_VARIANTS").unwrap_or_else(|| "half".to_owned());
        let mut variants = Vec::new();
        for spec in specs.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let variant = Variant::parse(spec)
                .map_err(|e| Error::Config(format!("DOWNSIZE_VARIANTS: {spec:?}: {e}")))?
                .with_defaults(&defaults);
            if variants.iter().any(|v: &Variant| v.name == variant.name) {
                return Err(Error::Config(format!(
                    "DOWNSIZE_VARIANTS: variant {:?} is listed twice",
                    variant.name
                )));
            }
            variants.push(variant);
        }
        if variants.is_empty() {
            return Err(Error::Config(
                "DOWNSIZE_VARIANTS is empty: name at least one variant, e.g. half".to_owned(),
            ));
        }

        let destination_bucket =
            get("DOWNSIZE_DEST_BUCKET").unwrap_or_else(|| "{bucket}-resized".to_owned());
        check_placeholders("DOWNSIZE_DEST_BUCKET", &destination_bucket, &["bucket"])?;
        let destination_key = get("DOWNSIZE_DEST_KEY").unwrap_or_else(|| {
            if variants.len() > 1 {
                "{variant}/{key}".to_owned()
            } else {
                "{key}".to_owned()
            }
        });
        check_placeholders(
            "DOWNSIZE_DEST_KEY",
            &destination_key,
            &["key", "path", "stem", "ext", "variant"],
        )?;
        if !["{key}", "{path}", "{stem}"]
            .iter()
            .any(|p| destination_key.contains(p))
        {
            return Err(Error::Config(format!(
                "DOWNSIZE_DEST_KEY={destination_key:?} names no part of the source key \
                 ({{key}}, {{path}} or {{stem}}): every image would overwrite the same object"
            )));
        }
        if variants.len() > 1 && !destination_key.contains("{variant}") {
            return Err(Error::Config(format!(
                "DOWNSIZE_DEST_KEY={destination_key:?} has no {{variant}} but DOWNSIZE_VARIANTS \
                 names {} variants: they would overwrite each other",
                variants.len()
            )));
        }

        let source_prefix = get("DOWNSIZE_SOURCE_PREFIX");
        let config = Config {
            destination_bucket,
            destination_key,
            source_prefix,
            request: Request { variants, metadata },
            limits,
            threads,
            cache_control: match lookup("DOWNSIZE_CACHE_CONTROL") {
                Some(value) if value.trim().is_empty() => None,
                Some(value) => Some(value),
                None => Some("public, max-age=86400".to_owned()),
            },
            deadline_margin: Duration::from_millis(match get("DOWNSIZE_DEADLINE_MARGIN_MS") {
                Some(value) => parse_number("DOWNSIZE_DEADLINE_MARGIN_MS", &value)?,
                None => 2000,
            }),
            emit_metrics: true,
        };
        config.check_recursion_at_start()?;
        Ok(config)
    }

    /// Refuses a configuration that writes into the bucket it reads from without a source prefix
    /// that the destination keys can never fall under: every copy would trigger the function again.
    fn check_recursion_at_start(&self) -> Result<(), Error> {
        if self.destination_bucket != "{bucket}" {
            // A literal bucket name may still be the trigger bucket; `recursion_risk` checks each
            // object against its real source bucket.
            return Ok(());
        }
        if self.prefixes_are_disjoint() {
            return Ok(());
        }
        Err(Error::Config(format!(
            "DOWNSIZE_DEST_BUCKET writes into the source bucket, so each copy would trigger the \
             function again: set DOWNSIZE_SOURCE_PREFIX and a DOWNSIZE_DEST_KEY starting with a \
             literal prefix outside it (now source prefix {:?}, destination key {:?}), or use \
             another bucket",
            self.source_prefix.as_deref().unwrap_or(""),
            self.destination_key
        )))
    }

    /// True when no destination key can fall under the source prefix, nor the reverse.
    fn prefixes_are_disjoint(&self) -> bool {
        let Some(source) = self.source_prefix.as_deref() else {
            return false;
        };
        let destination = self.destination_key_literal_prefix();
        !destination.is_empty()
            && !source.starts_with(destination)
            && !destination.starts_with(source)
    }

    /// The text of the key template before its first placeholder: every destination key starts with it.
    fn destination_key_literal_prefix(&self) -> &str {
        let end = self
            .destination_key
            .find('{')
            .unwrap_or(self.destination_key.len());
        &self.destination_key[..end]
    }

    /// The destination bucket for an object of `source_bucket`.
    pub fn destination_bucket_for(&self, source_bucket: &str) -> String {
        self.destination_bucket.replace("{bucket}", source_bucket)
    }

    /// Whether `key` in `source_bucket` is outside the configured source prefix.
    pub fn is_outside_source_prefix(&self, key: &str) -> bool {
        self.source_prefix
            .as_deref()
            .is_some_and(|prefix| !key.starts_with(prefix))
    }

    /// Why writing copies of `source_bucket`/`key` could trigger the function again, if it could.
    pub fn recursion_risk(&self, source_bucket: &str) -> Option<&'static str> {
        if self.destination_bucket_for(source_bucket) != source_bucket {
            return None;
        }
        if self.prefixes_are_disjoint() {
            None
        } else {
            Some("the destination is the source bucket and the key prefixes overlap")
        }
    }

    /// The destination key of `variant` for source `key`.
    pub fn destination_key_for(&self, key: &str, variant: &Variant) -> String {
        let path = self
            .source_prefix
            .as_deref()
            .and_then(|prefix| key.strip_prefix(prefix))
            .unwrap_or(key);
        let (stem, source_ext) = split_extension(path);
        let ext = match variant.format {
            OutputFormat::Jpeg => downsize::Format::Jpeg.extension(),
            OutputFormat::Png => downsize::Format::Png.extension(),
            _ => source_ext,
        };
        self.destination_key
            .replace("{key}", key)
            .replace("{path}", path)
            .replace("{stem}", stem)
            .replace("{ext}", ext)
            .replace("{variant}", &variant.name)
    }
}

/// Splits `path` at the dot of its last segment's extension (no split for dot-files).
fn split_extension(path: &str) -> (&str, &str) {
    let segment_start = path.rfind('/').map_or(0, |i| i + 1);
    match path[segment_start..].rfind('.') {
        Some(dot) if dot > 0 => {
            let dot = segment_start + dot;
            (&path[..dot], &path[dot + 1..])
        }
        _ => (path, ""),
    }
}

fn parse_number<T: std::str::FromStr>(name: &str, value: &str) -> Result<T, Error> {
    value.trim().parse().map_err(|_| {
        Error::Config(format!(
            "{name}={value:?}: expected a non-negative whole number in range"
        ))
    })
}

fn check_placeholders(name: &str, template: &str, allowed: &[&str]) -> Result<(), Error> {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            return Err(Error::Config(format!("{name}={template:?}: unclosed '{{'")));
        };
        let placeholder = &rest[open + 1..open + close];
        if !allowed.contains(&placeholder) {
            return Err(Error::Config(format!(
                "{name}={template:?}: unknown placeholder {{{placeholder}}}; allowed: {}",
                allowed
                    .iter()
                    .map(|p| format!("{{{p}}}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        rest = &rest[open + close + 1..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, Error> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    fn message(result: Result<Config, Error>) -> String {
        match result {
            Err(Error::Config(message)) => message,
            other => panic!("expected a configuration error, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_half_same_format_into_resized_bucket() {
        let config = config(&[]).unwrap();
        assert_eq!(config.destination_bucket_for("photos"), "photos-resized");
        assert_eq!(config.request.variants.len(), 1);
        let variant = &config.request.variants[0];
        assert_eq!(
            config.destination_key_for("a/b c.jpg", variant),
            "a/b c.jpg"
        );
        assert_eq!(config.threads, 1);
        assert_eq!(
            config.cache_control.as_deref(),
            Some("public, max-age=86400")
        );
    }

    #[test]
    fn threads_follow_memory_not_cpus() {
        let at = |mb: &str| {
            config(&[("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", mb)])
                .unwrap()
                .threads
        };
        assert_eq!(at("128"), 1);
        assert_eq!(at("3538"), 2);
        assert_eq!(at("10240"), 5);
    }

    #[test]
    fn limits_default_from_memory_and_can_be_overridden() {
        let base = config(&[("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")]).unwrap();
        assert_eq!(base.limits, Limits::for_memory_mb(512));
        let custom = config(&[
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512"),
            ("DOWNSIZE_MAX_INPUT_BYTES", "1000"),
            ("DOWNSIZE_MAX_PIXELS", "50"),
        ])
        .unwrap();
        assert_eq!(custom.limits.max_input_bytes, 1000);
        assert_eq!(custom.limits.max_pixels, 50);
        assert_eq!(custom.limits.max_width, base.limits.max_width);
    }

    #[test]
    fn several_variants_need_variant_in_key() {
        let m = message(config(&[
            ("DOWNSIZE_VARIANTS", "half,w320"),
            ("DOWNSIZE_DEST_KEY", "small/{key}"),
        ]));
        assert!(m.contains("{variant}"), "{m}");
        let ok = config(&[("DOWNSIZE_VARIANTS", "half, w320, fit:1280x1280")]).unwrap();
        let keys: Vec<String> = ok
            .request
            .variants
            .iter()
            .map(|v| ok.destination_key_for("x.jpg", v))
            .collect();
        assert_eq!(keys.len(), 3);
        assert!(keys.iter().all(|k| k.ends_with("/x.jpg")), "{keys:?}");
        assert_ne!(keys[0], keys[1]);
    }

    #[test]
    fn bad_values_name_the_variable() {
        assert!(message(config(&[("DOWNSIZE_VARIANTS", "huge")])).contains("DOWNSIZE_VARIANTS"));
        assert!(message(config(&[("DOWNSIZE_VARIANTS", "half,half")])).contains("twice"));
        assert!(message(config(&[("DOWNSIZE_QUALITY", "0")])).contains("DOWNSIZE_QUALITY"));
        assert!(message(config(&[("DOWNSIZE_QUALITY", "abc")])).contains("DOWNSIZE_QUALITY"));
        assert!(message(config(&[("DOWNSIZE_FORMAT", "gif")])).contains("DOWNSIZE_FORMAT"));
        assert!(message(config(&[("DOWNSIZE_METADATA", "all")])).contains("DOWNSIZE_METADATA"));
        assert!(message(config(&[("DOWNSIZE_DEST_KEY", "{nope}")])).contains("{nope}"));
        assert!(message(config(&[("DOWNSIZE_DEST_KEY", "fixed.jpg")])).contains("overwrite"));
        assert!(message(config(&[("DOWNSIZE_DEST_BUCKET", "{key}")])).contains("{key}"));
        assert!(
            message(config(&[("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "lots")]))
                .contains("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        );
    }

    #[test]
    fn same_bucket_without_disjoint_prefixes_refuses_to_start() {
        assert!(message(config(&[("DOWNSIZE_DEST_BUCKET", "{bucket}")])).contains("trigger"));
        assert!(message(config(&[
            ("DOWNSIZE_DEST_BUCKET", "{bucket}"),
            ("DOWNSIZE_SOURCE_PREFIX", "upload/"),
            ("DOWNSIZE_DEST_KEY", "upload/resized/{path}"),
        ]))
        .contains("trigger"));
        assert!(message(config(&[
            ("DOWNSIZE_DEST_BUCKET", "{bucket}"),
            ("DOWNSIZE_SOURCE_PREFIX", "upload/"),
            ("DOWNSIZE_DEST_KEY", "{variant}/{path}"),
        ]))
        .contains("trigger"));
        let ok = config(&[
            ("DOWNSIZE_DEST_BUCKET", "{bucket}"),
            ("DOWNSIZE_SOURCE_PREFIX", "upload/"),
            ("DOWNSIZE_DEST_KEY", "resized/{path}"),
        ])
        .unwrap();
        assert_eq!(ok.recursion_risk("b"), None);
        assert_eq!(
            ok.destination_key_for("upload/a/b.jpg", &ok.request.variants[0]),
            "resized/a/b.jpg"
        );
        assert!(ok.is_outside_source_prefix("resized/a/b.jpg"));
    }

    #[test]
    fn literal_destination_equal_to_source_is_caught_per_object() {
        let config = config(&[("DOWNSIZE_DEST_BUCKET", "media")]).unwrap();
        assert!(config.recursion_risk("media").is_some());
        assert!(config.recursion_risk("uploads").is_none());
    }

    #[test]
    fn format_and_quality_apply_unless_the_spec_says_otherwise() {
        let config = config(&[
            ("DOWNSIZE_VARIANTS", "half,w320@png,w100@q50"),
            ("DOWNSIZE_FORMAT", "jpeg"),
            ("DOWNSIZE_QUALITY", "70"),
            ("DOWNSIZE_DEST_KEY", "{variant}/{stem}.{ext}"),
        ])
        .unwrap();
        let v = &config.request.variants;
        assert!(matches!(v[0].format, OutputFormat::Jpeg));
        assert!(matches!(v[1].format, OutputFormat::Png));
        assert_eq!(v[0].jpeg_quality, 70);
        assert_eq!(v[2].jpeg_quality, 50);
        assert_eq!(
            config.destination_key_for("dir/a.b/photo.PNG", &v[0]),
            format!("{}/dir/a.b/photo.jpg", v[0].name)
        );
        assert_eq!(
            config.destination_key_for("dir/photo.jpg", &v[1]),
            format!("{}/dir/photo.png", v[1].name)
        );
    }

    /// `half@jpg` names JPEG as surely as `half@jpeg`: a PNG default does not override it.
    #[test]
    fn every_spelling_of_a_format_in_a_spec_beats_the_default() {
        let config = config(&[
            ("DOWNSIZE_VARIANTS", "half@jpg,w320"),
            ("DOWNSIZE_FORMAT", "png"),
            ("DOWNSIZE_DEST_KEY", "{variant}/{key}"),
        ])
        .unwrap();
        let v = &config.request.variants;
        assert_eq!(v[0].format, OutputFormat::Jpeg);
        assert_eq!(v[1].format, OutputFormat::Png);
    }

    #[test]
    fn split_extension_ignores_dots_in_directories_and_dot_files() {
        assert_eq!(split_extension("a.b/c"), ("a.b/c", ""));
        assert_eq!(split_extension("a/.hidden"), ("a/.hidden", ""));
        assert_eq!(split_extension("a/x.tar.gz"), ("a/x.tar", "gz"));
    }
}
