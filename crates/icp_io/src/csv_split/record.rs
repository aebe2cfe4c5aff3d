//! What the splitter hands out: a [`Record`] (its line, raw bytes and fields) or a record
//! left open by an unbalanced quote ([`Event::Broken`]).
//!
//! How it works: a record borrows the splitter's buffers — the raw line and the field bytes
//! (`csv_core`'s unescaped output, or the raw line itself when it needed no unescaping) with
//! the end of each field — so nothing is copied per record. Its fields as text
//! ([`Cells`]) are checked as UTF-8 once for the whole record.

/// One record: its line, its raw bytes (without the line end) and its fields.
#[derive(Debug)]
pub(crate) struct Record<'a> {
    pub line: u64,
    pub raw: &'a [u8],
    /// `raw` as text, when the whole input is known to be valid UTF-8.
    pub(super) text: Option<&'a str>,
    /// The fields, each ending at its entry of `ends`; the next starts `gap` bytes later (0
    /// in `csv_core`'s output, 1 in a raw line, past the delimiter).
    pub(super) out: &'a [u8],
    pub(super) ends: &'a [usize],
    pub(super) gap: usize,
}

impl<'a> Record<'a> {
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The unescaped bytes of field `i`.
    pub(crate) fn field(&self, i: usize) -> Option<&'a [u8]> {
        self.out.get(span(self.ends, self.gap, i)?)
    }

    /// The fields as text, when the record is valid UTF-8 throughout with every field on a
    /// character boundary; each field is sliced out only when asked for.
    pub(crate) fn cells(&self) -> Option<Cells<'a>> {
        // A raw line known to be text: its fields end at delimiters, ASCII, on boundaries.
        if let (1, Some(text)) = (self.gap, self.text) {
            return Some(Cells {
                text,
                ends: self.ends,
                gap: 1,
            });
        }
        let end = self.ends.last().copied().unwrap_or(0);
        let text = std::str::from_utf8(self.out.get(..end)?).ok()?;
        // In a raw line (`gap` 1) every field ends at the (ASCII) delimiter or the line's end,
        // a boundary of valid text; fields `csv_core` unescaped end to end need checking.
        let bounded = self.gap == 1 || self.ends.iter().all(|&end| text.is_char_boundary(end));
        bounded.then_some(Cells {
            text,
            ends: self.ends,
            gap: self.gap,
        })
    }

    pub(crate) fn fields(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        (0..self.len()).filter_map(|i| self.field(i))
    }
}

/// The fields of a record as text ([`Record::cells`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cells<'a> {
    pub(super) text: &'a str,
    pub(super) ends: &'a [usize],
    pub(super) gap: usize,
}

impl<'a> Cells<'a> {
    /// Field `i`.
    pub(crate) fn get(&self, i: usize) -> Option<&'a str> {
        self.text.get(span(self.ends, self.gap, i)?)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &'a str> + '_ {
        (0..self.ends.len()).filter_map(|i| self.get(i))
    }
}

/// Where field `i` lies: it ends at `ends[i]` and starts `gap` bytes after the field before.
fn span(ends: &[usize], gap: usize, i: usize) -> Option<std::ops::Range<usize>> {
    let end = *ends.get(i)?;
    let start = match i.checked_sub(1) {
        Some(before) => *ends.get(before)? + gap,
        None => 0,
    };
    Some(start..end)
}

/// What the splitter found next.
#[derive(Debug)]
pub(crate) enum Event<'a> {
    Record(Record<'a>),
    /// A record the end of the input left inside a quoted field (see the module
    /// documentation), whole.
    Broken {
        line: u64,
        raw: &'a [u8],
        /// Lines the broken record ran over.
        lines: u64,
        /// Fields it had.
        fields: usize,
    },
}
