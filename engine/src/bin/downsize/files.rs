//! Finding inputs and writing outputs safely.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use downsize::{Engine, Request};

/// One input file and the name its outputs get, relative to the output folder.
#[derive(Debug)]
pub struct Job {
    pub path: PathBuf,
    pub relative: PathBuf,
}

fn is_image_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| downsize::Format::from_extension(e).is_some())
}

/// Expands the inputs: files as given (whatever their name: the engine sniffs the content), and
/// folders walked recursively for JPEG/PNG names, in sorted order so runs are reproducible.
pub fn collect(inputs: &[PathBuf]) -> Vec<Job> {
    let mut jobs = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut found = Vec::new();
            walk(input, &mut found);
            found.sort();
            for path in found {
                let relative = path
                    .strip_prefix(input)
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|_| path.clone());
                jobs.push(Job { path, relative });
            }
        } else {
            let relative = input
                .file_name()
                .map(PathBuf::from)
                .unwrap_or_else(|| input.clone());
            jobs.push(Job {
                path: input.clone(),
                relative,
            });
        }
    }
    jobs
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            walk(&path, found);
        } else if is_image_name(&path) {
            found.push(path);
        }
    }
}

/// Converts one file. On failure returns the line to print: `<path>: <kind>: <message>`.
pub fn process_one(
    engine: &mut Engine,
    job: &Job,
    request: &Request,
    out_dir: &Path,
    multi: bool,
) -> Result<(), String> {
    let fail = |kind: &str, message: String| format!("{}: {kind}: {message}", job.path.display());
    let input = fs::read(&job.path).map_err(|e| fail("io", e.to_string()))?;
    let outputs = engine
        .process(&input, request)
        .map_err(|e| fail(e.kind().as_str(), e.to_string()))?;
    // Everything is encoded before anything is written: an input either gets all its outputs
    // or none.
    for output in outputs {
        let mut target = if multi {
            out_dir.join(sanitise(&output.variant))
        } else {
            out_dir.to_path_buf()
        };
        target.push(&job.relative);
        let same_format = job
            .path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| {
                downsize::sniff(&output.bytes)
                    .ok()
                    .is_some_and(|f| f.has_extension(e))
            });
        if !same_format {
            target.set_extension(output.format.extension());
        }
        write_atomically(&target, &output.bytes)
            .map_err(|e| fail("io", format!("{}: {e}", target.display())))?;
    }
    Ok(())
}

/// Variant specs become folder names: keep them readable but free of path separators.
fn sanitise(spec: &str) -> String {
    spec.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.@=".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Writes to a temporary file beside the target, syncs it, then renames it over the target, so
/// readers see either the old file, no file, or the complete new one.
fn write_atomically(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = target.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("output");
    let temp = dir.join(format!(".{name}.{}.partial", std::process::id()));
    let result = (|| {
        let mut file = fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, target)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}
