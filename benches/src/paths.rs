//! Where things are: the workspace, the shared benchmark images, the target folder and the
//! release `downsize` binary built beside these tools.

use std::path::{Path, PathBuf};

/// The workspace root (the folder holding `engine/` and `benches/`).
pub fn workspace() -> PathBuf {
    let benches = Path::new(env!("CARGO_MANIFEST_DIR"));
    benches.parent().unwrap_or(benches).to_path_buf()
}

/// `../shared/bench-images` relative to the workspace: the fixed inputs of every figure.
pub fn bench_images() -> PathBuf {
    workspace().join("../shared/bench-images")
}

/// Folder of the running executable, i.e. `<target>/release` for `cargo run --release`.
pub fn profile_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| workspace().join("target/release"))
}

/// The cargo target folder the tools were built into; scratch files and installed peers go
/// there so nothing lands in the source tree.
pub fn target_dir() -> PathBuf {
    let profile = profile_dir();
    // `<target>/release`, or `<target>/release/deps` for test binaries.
    let profile = if profile.ends_with("deps") {
        profile.parent().map(Path::to_path_buf).unwrap_or(profile)
    } else {
        profile
    };
    profile.parent().map(Path::to_path_buf).unwrap_or(profile)
}

/// The `downsize` CLI of the same build profile as the running tool.
pub fn downsize_cli() -> PathBuf {
    profile_dir().join("downsize")
}

/// The peer scripts (`benches/peers`).
pub fn peers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("peers")
}

/// The JPEG and PNG files directly in `dir`, sorted by name.
pub fn images_in(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| ["jpg", "jpeg", "png"].contains(&e.to_ascii_lowercase().as_str()))
        })
        .collect();
    found.sort();
    Ok(found)
}

/// A file's name as text, for tables.
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}
