//! Helpers shared by the engine's integration tests: where the corpus is and how to read it.
//! Each test binary uses a different subset, hence the `dead_code` allowance.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

/// The project's `corpus/` folder.
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus")
}

/// A file of the corpus, by its path relative to `corpus/`.
pub fn corpus_path(relative: &str) -> PathBuf {
    corpus_dir().join(relative)
}

/// The bytes of a corpus file; a missing file fails the test with its path.
pub fn read_corpus(relative: &str) -> Vec<u8> {
    let path = corpus_path(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The files of a corpus folder that `keep` accepts, sorted so runs are reproducible.
pub fn files_in(folder: &str, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let dir = corpus_path(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && keep(p))
        .collect();
    files.sort();
    files
}

/// Whether a path names a JPEG or PNG by its extension.
pub fn is_image_name(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e == "png" || e == "jpg" || e == "jpeg")
}
