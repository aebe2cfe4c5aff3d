//! `file:` URIs, as editors name documents, and the paths they stand for.
//!
//! How it works: [`to_path`] takes the URI's path component, percent-decodes it and, for a
//! Windows drive (`/c:/…`), drops the leading slash; any other scheme (`untitled:`, a remote
//! file system) has no path and such a document is checked alone. [`from_path`] writes a
//! path back as a `file:` URI, percent-encoding every byte outside the unreserved set and
//! `/`, so the URI of a definition in a file the editor has not opened is one it can open.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::Uri;

/// The local path of a `file:` URI, if it is one.
pub fn to_path(uri: &Uri) -> Option<PathBuf> {
    let text = uri.as_str();
    let rest = text.strip_prefix("file://")?;
    // `file://host/path`: only an empty host or `localhost` is this machine.
    let path = match rest.find('/') {
        Some(0) => rest,
        Some(slash) if &rest[..slash] == "localhost" => &rest[slash..],
        _ => return None,
    };
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let decoded = percent_decode(path)?;
    let bytes = decoded.as_bytes();
    // `/c:/dir` on Windows is `c:/dir`.
    if cfg!(windows) && bytes.len() >= 3 && bytes[0] == b'/' && bytes[2] == b':' {
        return Some(PathBuf::from(&decoded[1..]));
    }
    Some(PathBuf::from(decoded))
}

/// The `file:` URI of an absolute path.
pub fn from_path(path: &Path) -> Option<Uri> {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut uri = String::from("file://");
    if !text.starts_with('/') {
        uri.push('/');
    }
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric()
            || b"-._~/".contains(&byte)
            || (byte == b':' && cfg!(windows))
        {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    Uri::from_str(&uri).ok()
}

/// `%20` and the like decoded; `None` when the result is not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push(u8::try_from(hex(h)? * 16 + hex(l)?).ok()?);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_round_trip_through_paths() {
        let path = Path::new("/tmp/My Rules/é #1.icp");
        let uri = from_path(path).expect("a URI");
        assert_eq!(uri.as_str(), "file:///tmp/My%20Rules/%C3%A9%20%231.icp");
        assert_eq!(to_path(&uri).as_deref(), Some(path));
        let untitled = Uri::from_str("untitled:Untitled-1").expect("uri");
        assert_eq!(to_path(&untitled), None);
        let remote = Uri::from_str("file://server/share/a.icp").expect("uri");
        assert_eq!(to_path(&remote), None);
    }
}
