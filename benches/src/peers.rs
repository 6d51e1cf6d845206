//! The peer systems downsize is measured against, installed on demand into the target folder:
//! Pillow (with numpy, for the SSIM script) in a virtual environment, and sharp 0.34 (which
//! brings its prebuilt libvips as the npm package `@img/sharp-linux-x64`).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::paths;

/// How to start the peers once they are installed.
#[derive(Debug, Clone)]
pub struct Peers {
    /// Python with Pillow and numpy; `None` when it could not be installed.
    pub python: Option<PathBuf>,
    /// The `node_modules` folder holding sharp; `None` when it could not be installed.
    pub node_modules: Option<PathBuf>,
}

fn quiet_ok(command: &mut Command) -> bool {
    command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn loud_ok(command: &mut Command) -> bool {
    command.status().is_ok_and(|s| s.success())
}

/// Python with Pillow and numpy in `<target>/peers/venv`, created and filled on first use.
pub fn ensure_python() -> Option<PathBuf> {
    let venv = paths::target_dir().join("peers/venv");
    let python = venv.join("bin/python");
    let ready = |python: &Path| quiet_ok(Command::new(python).args(["-c", "import PIL, numpy"]));
    if python.exists() && ready(&python) {
        return Some(python);
    }
    eprintln!("installing Pillow and numpy into {}", venv.display());
    let created = loud_ok(Command::new("python3").arg("-m").arg("venv").arg(&venv));
    let installed = created
        && loud_ok(
            Command::new(&python).args(["-m", "pip", "install", "--quiet", "pillow", "numpy"]),
        );
    if installed && ready(&python) {
        Some(python)
    } else {
        eprintln!("note: could not install Pillow and numpy: Pillow and SSIM columns are skipped");
        None
    }
}

/// sharp 0.34 in `<target>/peers/node`, installed with npm on first use.
pub fn ensure_sharp() -> Option<PathBuf> {
    let prefix = paths::target_dir().join("peers/node");
    let modules = prefix.join("node_modules");
    let ready = |modules: &Path| {
        quiet_ok(
            Command::new("node")
                .env("NODE_PATH", modules)
                .args(["-e", "require('sharp')"]),
        )
    };
    if modules.join("sharp").exists() && ready(&modules) {
        return Some(modules);
    }
    eprintln!("installing sharp 0.34 into {}", prefix.display());
    let _ = std::fs::create_dir_all(&prefix);
    let installed = loud_ok(
        Command::new("npm")
            .arg("install")
            .arg("--prefix")
            .arg(&prefix)
            .args(["--no-audit", "--no-fund", "--loglevel=error", "sharp@0.34"]),
    );
    if installed && ready(&modules) {
        Some(modules)
    } else {
        eprintln!("note: could not install sharp (needs node and npm): sharp rows are skipped");
        None
    }
}

impl Peers {
    /// Installs (or finds) both peers.
    pub fn ensure() -> Peers {
        Peers {
            python: ensure_python(),
            node_modules: ensure_sharp(),
        }
    }

    /// The command that runs the Pillow job.
    pub fn pillow(&self, input: &Path, output: &Path, format: &str) -> Option<Command> {
        let mut command = Command::new(self.python.as_ref()?);
        command
            .arg(paths::peers_dir().join("pillow_thumbnail.py"))
            .arg(input)
            .arg(output)
            .arg(format);
        Some(command)
    }

    /// The command that runs the sharp job, on one libvips thread and one libuv thread.
    pub fn sharp(&self, input: &Path, output: &Path, format: &str) -> Option<Command> {
        let mut command = Command::new("node");
        command
            .env("NODE_PATH", self.node_modules.as_ref()?)
            .env("UV_THREADPOOL_SIZE", "1")
            .env("VIPS_CONCURRENCY", "1")
            .arg(paths::peers_dir().join("sharp_resize.js"))
            .arg(input)
            .arg(output)
            .arg(format);
        Some(command)
    }

    /// Builds the float Lanczos reference luma of `source` at `width` x `height` into `out`
    /// (kept between runs: it depends only on the source).
    pub fn reference(
        &self,
        source: &Path,
        width: u32,
        height: u32,
        out: &Path,
    ) -> Result<(), String> {
        let python = self.python.as_ref().ok_or("Pillow is not installed")?;
        if out.exists() {
            return Ok(());
        }
        let usage = crate::child::run(
            Command::new(python)
                .arg(paths::peers_dir().join("ssim.py"))
                .arg("reference")
                .arg(source)
                .arg(width.to_string())
                .arg(height.to_string())
                .arg(out),
        )
        .map_err(|e| e.to_string())?;
        if usage.success() {
            Ok(())
        } else {
            let _ = std::fs::remove_file(out);
            Err(format!(
                "reference for {}: {}",
                source.display(),
                usage.stderr.trim()
            ))
        }
    }

    /// SSIM of each output against the reference, in the order given.
    pub fn ssim(&self, reference: &Path, outputs: &[PathBuf]) -> Result<Vec<f64>, String> {
        let python = self.python.as_ref().ok_or("Pillow is not installed")?;
        let usage = crate::child::run(
            Command::new(python)
                .arg(paths::peers_dir().join("ssim.py"))
                .arg("compare")
                .arg(reference)
                .args(outputs),
        )
        .map_err(|e| e.to_string())?;
        if !usage.success() {
            return Err(usage.stderr.trim().to_string());
        }
        let scores: serde_json::Value =
            serde_json::from_str(usage.stdout.trim()).map_err(|e| e.to_string())?;
        outputs
            .iter()
            .map(|o| {
                scores
                    .get(o.to_string_lossy().as_ref())
                    .and_then(serde_json::Value::as_f64)
                    .ok_or_else(|| format!("no score for {}", o.display()))
            })
            .collect()
    }
}

/// A figure a peer script prints as JSON on its last line (`{"ms": ..., "cpu_ms": ...}`).
pub fn reported(stdout: &str, key: &str) -> Option<f64> {
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))?;
    serde_json::from_str::<serde_json::Value>(line)
        .ok()?
        .get(key)?
        .as_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_last_json_line() {
        let out = "warming up\n{\"ms\": 12.5, \"cpu_ms\": 11}\n";
        assert_eq!(reported(out, "ms"), Some(12.5));
        assert_eq!(reported(out, "cpu_ms"), Some(11.0));
        assert_eq!(reported("no figure\n", "ms"), None);
    }
}
