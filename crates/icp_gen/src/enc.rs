//! One record encoder for both output formats: CSV (fields in order, quoted only when they
//! must be) and JSON Lines (keys and values, strings escaped). The generator calls the same
//! methods whatever the format, so both formats hold the same data.

use std::io::Write as _;

/// Appends records to a byte buffer.
#[derive(Debug)]
pub(crate) struct Enc {
    pub(crate) json: bool,
    pub(crate) buf: Vec<u8>,
    first: bool,
}

/// Whether a CSV field must be quoted.
fn needs_quotes(s: &[u8]) -> bool {
    s.iter().any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
}

pub(crate) fn csv_field(buf: &mut Vec<u8>, s: &str) {
    if needs_quotes(s.as_bytes()) {
        buf.push(b'"');
        for &b in s.as_bytes() {
            if b == b'"' {
                buf.push(b'"');
            }
            buf.push(b);
        }
        buf.push(b'"');
    } else {
        buf.extend_from_slice(s.as_bytes());
    }
}

pub(crate) fn json_string(buf: &mut Vec<u8>, s: &str) {
    buf.push(b'"');
    for &b in s.as_bytes() {
        match b {
            b'"' => buf.extend_from_slice(b"\\\""),
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            0..=0x1f => {
                let _ = write!(buf, "\\u{b:04x}");
            }
            _ => buf.push(b),
        }
    }
    buf.push(b'"');
}

impl Enc {
    pub(crate) fn new(json: bool) -> Enc {
        Enc {
            json,
            buf: Vec::with_capacity(1 << 17),
            first: true,
        }
    }

    /// Starts a record (a CSV row or a JSON object).
    pub(crate) fn begin(&mut self) {
        if self.json {
            self.buf.push(b'{');
        }
        self.first = true;
    }

    /// Ends a JSON object (without a newline).
    pub(crate) fn end_object(&mut self) {
        if self.json {
            self.buf.push(b'}');
        }
        self.first = false;
    }

    /// Ends a record: the object if JSON, then a newline.
    pub(crate) fn end(&mut self) {
        if self.json {
            self.buf.push(b'}');
        }
        self.buf.push(b'\n');
    }

    fn key(&mut self, name: &str) {
        if !self.first {
            self.buf.push(b',');
        }
        self.first = false;
        if self.json {
            self.buf.push(b'"');
            self.buf.extend_from_slice(name.as_bytes());
            self.buf.extend_from_slice(b"\":");
        }
    }

    /// A JSON key opening an array of objects; elements follow with [`Enc::element`].
    pub(crate) fn begin_array(&mut self, name: &str) {
        self.key(name);
        self.buf.push(b'[');
        self.first = true;
    }

    /// Starts an object inside an array.
    pub(crate) fn element(&mut self) {
        if !self.first {
            self.buf.push(b',');
        }
        self.buf.push(b'{');
        self.first = true;
    }

    pub(crate) fn end_array(&mut self) {
        self.buf.push(b']');
        self.first = false;
    }

    pub(crate) fn str(&mut self, name: &str, value: &str) {
        self.key(name);
        if self.json {
            json_string(&mut self.buf, value);
        } else {
            csv_field(&mut self.buf, value);
        }
    }

    /// No value: an empty CSV cell, a JSON `null`.
    pub(crate) fn missing(&mut self, name: &str) {
        self.key(name);
        if self.json {
            self.buf.extend_from_slice(b"null");
        }
    }

    pub(crate) fn int(&mut self, name: &str, value: i64) {
        self.key(name);
        let _ = write!(self.buf, "{value}");
    }

    /// A number with `decimals` digits after the point.
    pub(crate) fn float(&mut self, name: &str, value: f64, decimals: usize) {
        self.key(name);
        let _ = write!(self.buf, "{value:.decimals$}");
    }

    pub(crate) fn bool(&mut self, name: &str, value: bool) {
        self.key(name);
        self.buf.extend_from_slice(match (self.json, value) {
            (true, true) => b"true",
            (true, false) => b"false",
            (false, true) => b"yes",
            (false, false) => b"no",
        });
    }

    /// A list: `;`-separated in CSV, an array of strings in JSON; empty is missing.
    pub(crate) fn list(&mut self, name: &str, items: &[&str], sep: &str) {
        if items.is_empty() {
            self.missing(name);
            return;
        }
        self.key(name);
        if self.json {
            self.buf.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    self.buf.push(b',');
                }
                json_string(&mut self.buf, item);
            }
            self.buf.push(b']');
        } else {
            let start = self.buf.len();
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    self.buf.extend_from_slice(sep.as_bytes());
                }
                self.buf.extend_from_slice(item.as_bytes());
            }
            if needs_quotes(&self.buf[start..]) {
                let joined = String::from_utf8_lossy(&self.buf[start..]).into_owned();
                self.buf.truncate(start);
                csv_field(&mut self.buf, &joined);
            }
        }
    }

    /// A CSV header line.
    pub(crate) fn header(&mut self, columns: &[&str]) {
        if !self.json {
            self.buf.extend_from_slice(columns.join(",").as_bytes());
            self.buf.push(b'\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        let mut buf = Vec::new();
        csv_field(&mut buf, "plain");
        buf.push(b'|');
        csv_field(&mut buf, "Acme Labs, Inc.");
        buf.push(b'|');
        csv_field(&mut buf, "Acme \"AL\" Labs");
        buf.push(b'|');
        csv_field(&mut buf, " padded ");
        assert_eq!(
            String::from_utf8(buf).expect("utf-8"),
            "plain|\"Acme Labs, Inc.\"|\"Acme \"\"AL\"\" Labs\"| padded "
        );
    }

    #[test]
    fn json_strings_are_escaped() {
        let mut buf = Vec::new();
        json_string(&mut buf, "a\"b\\c\nd\u{1}é");
        assert_eq!(
            String::from_utf8(buf).expect("utf-8"),
            "\"a\\\"b\\\\c\\nd\\u0001é\""
        );
    }

    #[test]
    fn a_csv_list_with_a_comma_is_quoted() {
        let mut e = Enc::new(false);
        e.begin();
        e.list("tags", &["a", "b,c"], ";");
        e.str("x", "y");
        e.end();
        assert_eq!(String::from_utf8(e.buf).expect("utf-8"), "\"a;b,c\",y\n");
    }
}
