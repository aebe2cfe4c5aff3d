//! How paths and counts are written for people: every message and summary line uses these.
//!
//! How it works: [`display`] writes a path relative to the working directory (with `..` when
//! it lies above it) and absolute only when the two share nothing; [`plural`] puts a count
//! before a word, with an `s` unless the count is 1; [`group_digits`] writes thousands
//! separators.

use std::path::{Component, Path, PathBuf};

/// A path as the user would write it: relative to the working directory (with `..` when it
/// lies above it), absolute only when the two share nothing.
pub fn display(cwd: &Path, path: &Path) -> String {
    let path: PathBuf = path
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    let common = cwd
        .components()
        .zip(path.components())
        .take_while(|(a, b)| a == b)
        .count();
    if common == 0 {
        return path.display().to_string();
    }
    let mut relative = PathBuf::new();
    for _ in cwd.components().skip(common) {
        relative.push("..");
    }
    relative.extend(path.components().skip(common));
    let text = relative.display().to_string();
    if text.is_empty() {
        ".".to_string()
    } else {
        text
    }
}

/// `3 files`, `1 file`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `1234567` → `1,234,567`.
pub fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
