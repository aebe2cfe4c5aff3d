//! Positions in a document: byte offsets (what spans hold) and LSP positions (a line and a
//! count of UTF-16 code units, what editors send).
//!
//! How it works: [`LineIndex`] keeps the byte offset where each line starts. A byte offset
//! becomes a position by counting the UTF-16 units of the line's text before it (a character
//! outside the Basic Multilingual Plane is two); a position becomes a byte offset by walking
//! the line's characters until that many units are used. Every input is clamped rather than
//! refused, as the protocol asks: a line past the end is the end of the text, a column past
//! the end of its line is the line's end, a column inside a surrogate pair or an offset
//! inside a multi-byte character snaps back to the character's start. [`apply_change`]
//! applies one `didChange` content change (whole text, or a range) with these rules.

use lsp_types::{Position, Range, TextDocumentContentChangeEvent};

/// Where each line of a text starts.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    /// The byte range of line `line` without its line break (`\n` or `\r\n`).
    fn line_bytes(&self, text: &str, line: usize) -> (usize, usize) {
        let start = self.starts[line];
        let mut end = self.starts.get(line + 1).map_or(self.len, |next| next - 1);
        if end > start && text.as_bytes().get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        (start, end)
    }

    /// The LSP position of a byte offset (clamped to the text, snapped to a character).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(self.len);
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        };
        let start = self.starts[line];
        let units: usize = text[start..offset].chars().map(char::len_utf16).sum();
        Position::new(to_u32(line), to_u32(units))
    }

    /// The LSP range of a byte range.
    pub fn range(&self, text: &str, start: usize, end: usize) -> Range {
        Range::new(
            self.position(text, start),
            self.position(text, end.max(start)),
        )
    }

    /// The byte offset of an LSP position (clamped, snapped to a character start).
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let line = position.line as usize;
        if line >= self.starts.len() {
            return self.len;
        }
        let (start, end) = self.line_bytes(text, line);
        let wanted = position.character as usize;
        let mut units = 0;
        for (i, c) in text[start..end].char_indices() {
            if units + c.len_utf16() > wanted {
                return start + i;
            }
            units += c.len_utf16();
        }
        end
    }
}

/// Applies one content change of `textDocument/didChange` to `text`: the whole new text, or
/// the replacement of a range (clamped as [`LineIndex::offset`] does).
pub fn apply_change(text: &mut String, change: TextDocumentContentChangeEvent) {
    match change.range {
        None => *text = change.text,
        Some(range) => {
            let index = LineIndex::new(text);
            let start = index.offset(text, range.start);
            let end = index.offset(text, range.end).max(start);
            text.replace_range(start..end, &change.text);
        }
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units_and_round_trip() {
        // `é` is 2 bytes and 1 unit, `𝄞` 4 bytes and 2 units.
        let text = "ab\né𝄞x\r\nlast";
        let index = LineIndex::new(text);
        assert_eq!(index.position(text, 0), Position::new(0, 0));
        assert_eq!(index.position(text, 3), Position::new(1, 0));
        assert_eq!(index.position(text, 5), Position::new(1, 1));
        assert_eq!(index.position(text, 9), Position::new(1, 3));
        assert_eq!(index.position(text, 10), Position::new(1, 4));
        // Inside a character: snapped back to its start.
        assert_eq!(index.position(text, 7), Position::new(1, 1));
        assert_eq!(index.offset(text, Position::new(1, 3)), 9);
        // Inside the surrogate pair: the character's start.
        assert_eq!(index.offset(text, Position::new(1, 2)), 5);
        // Past the line's end: before its `\r\n`.
        assert_eq!(index.offset(text, Position::new(1, 99)), 10);
        // Past the last line: the end.
        assert_eq!(index.offset(text, Position::new(9, 0)), text.len());
        assert_eq!(index.position(text, text.len()), Position::new(2, 4));
        // Every character's offset but the `\n` of a `\r\n` (a column there is clamped).
        for offset in 0..=text.len() {
            if text.is_char_boundary(offset) && text.as_bytes().get(offset) != Some(&b'\n') {
                assert_eq!(index.offset(text, index.position(text, offset)), offset);
            }
        }
    }

    #[test]
    fn range_changes_replace_the_clamped_range() {
        let mut text = "let a = 1\nlet é = 2".to_string();
        let change = |range: Option<Range>, new: &str| TextDocumentContentChangeEvent {
            range,
            range_length: None,
            text: new.to_string(),
        };
        apply_change(
            &mut text,
            change(
                Some(Range::new(Position::new(1, 4), Position::new(1, 5))),
                "b",
            ),
        );
        assert_eq!(text, "let a = 1\nlet b = 2");
        apply_change(
            &mut text,
            change(
                Some(Range::new(Position::new(7, 0), Position::new(3, 0))),
                "!",
            ),
        );
        assert_eq!(text, "let a = 1\nlet b = 2!");
        apply_change(&mut text, change(None, "new"));
        assert_eq!(text, "new");
    }
}
