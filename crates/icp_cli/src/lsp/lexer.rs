//! A forgiving tokeniser of `.icp` text, for what the editor asks about half-typed files.
//!
//! How it works: the parser refuses a file with a syntax error, yet hover, completion and
//! go-to-definition are asked about exactly such files (`company.` as it is typed). So these
//! read tokens instead: [`tokens`] splits any text, never failing, into dotted names (`company.
//! employees`, and `company.` with its trailing dot while it is typed), strings, comments,
//! regex literals (a `/` after `matches`), numbers and single punctuation characters, each
//! with its byte range. A string or regex literal left open ends at its line's end, as the
//! grammar's do. Whatever sits inside a string, comment or regex is never taken for a name.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A name or dotted path, perhaps ending with the dot being typed.
    Name,
    String,
    Comment,
    Regex,
    /// A number, duration or date (digits first).
    Number,
    /// Any other character, one per token (white space is skipped).
    Punct,
}

/// One token: its kind and byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

impl Token {
    pub fn text(self, source: &str) -> &str {
        &source[self.start..self.end]
    }
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The tokens of `text`, in order.
pub fn tokens(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut out: Vec<Token> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        let kind = if b.is_ascii_whitespace() {
            i += 1;
            continue;
        } else if b == b'#' {
            i = line_end(bytes, i);
            Kind::Comment
        } else if b == b'"' {
            i = literal_end(bytes, i + 1, b'"');
            Kind::String
        } else if b == b'/' && out.last().is_some_and(|t| t.text(text) == "matches") {
            i = literal_end(bytes, i + 1, b'/');
            while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                i += 1;
            }
            Kind::Regex
        } else if is_name_start(b) {
            i += 1;
            loop {
                while i < bytes.len() && is_name_char(bytes[i]) {
                    i += 1;
                }
                if i < bytes.len() && bytes[i] == b'.' {
                    i += 1;
                    if i < bytes.len() && is_name_start(bytes[i]) {
                        continue;
                    }
                }
                break;
            }
            Kind::Name
        } else if b.is_ascii_digit() {
            while i < bytes.len() && (is_name_char(bytes[i]) || bytes[i] == b'.') {
                i += 1;
            }
            Kind::Number
        } else {
            // One character, whole (never part of a multi-byte one).
            i += text[i..].chars().next().map_or(1, char::len_utf8);
            Kind::Punct
        };
        out.push(Token {
            kind,
            start,
            end: i,
        });
    }
    out
}

fn line_end(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| from + p)
}

/// The end of a literal opened before `from` and closed by `close` (a backslash escapes
/// the next byte); an unclosed one ends at its line's end.
fn literal_end(bytes: &[u8], from: usize, close: u8) -> usize {
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => return i,
            b'\\' if bytes.get(i + 1).is_some_and(|&b| b != b'\n') => i += 2,
            b if b == close => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len().min(i)
}

/// The name token that holds `offset` or ends at it (the cursor just after a name).
pub fn name_at(tokens: &[Token], offset: usize) -> Option<Token> {
    tokens
        .iter()
        .copied()
        .find(|t| t.kind == Kind::Name && t.start <= offset && offset <= t.end)
}

/// The index of the first token that ends after `offset`: every earlier token lies before
/// the cursor.
pub fn index_after(tokens: &[Token], offset: usize) -> usize {
    tokens.partition_point(|t| t.end <= offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Kind, &str)> {
        tokens(text)
            .into_iter()
            .map(|t| (t.kind, t.text(text)))
            .collect()
    }

    #[test]
    fn names_strings_comments_and_regexes_are_told_apart() {
        assert_eq!(
            kinds("require company. # x.y\nscore 5 \"a.b\" when x matches /a\\/b/i é"),
            vec![
                (Kind::Name, "require"),
                (Kind::Name, "company."),
                (Kind::Comment, "# x.y"),
                (Kind::Name, "score"),
                (Kind::Number, "5"),
                (Kind::String, "\"a.b\""),
                (Kind::Name, "when"),
                (Kind::Name, "x"),
                (Kind::Name, "matches"),
                (Kind::Regex, "/a\\/b/i"),
                (Kind::Punct, "é"),
            ]
        );
        assert_eq!(
            kinds("\"open\nfunding.raised_within(within: 90d)"),
            vec![
                (Kind::String, "\"open"),
                (Kind::Name, "funding.raised_within"),
                (Kind::Punct, "("),
                (Kind::Name, "within"),
                (Kind::Punct, ":"),
                (Kind::Number, "90d"),
                (Kind::Punct, ")"),
            ]
        );
    }
}
