//! Texts end to end in one string: the values of a dictionary and a batch's lead ids.
//!
//! How it works: [`Texts`] appends each text to one `String` and records where it ends, so
//! adding a text allocates nothing of its own (only the string and the vector of ends grow),
//! and text `i` is the span between the ends of texts `i - 1` and `i`.

/// Texts end to end in one string, text `i` ending at `ends[i]` (a batch's lead ids, the
/// values of a [`Dict`](super::Dict)): no allocation per text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Texts {
    text: String,
    ends: Vec<usize>,
}

impl Texts {
    /// The last text.
    pub fn last(&self) -> Option<&str> {
        self.get(self.len().checked_sub(1)?)
    }

    pub fn push(&mut self, text: &str) {
        self.text.push_str(text);
        self.ends.push(self.text.len());
    }

    /// Where text `i` lies in `text`.
    fn span(&self, i: usize) -> Option<std::ops::Range<usize>> {
        let end = *self.ends.get(i)?;
        let start = i.checked_sub(1).map_or(0, |before| self.ends[before]);
        Some(start..end)
    }

    /// Text `i`.
    pub fn get(&self, i: usize) -> Option<&str> {
        self.text.get(self.span(i)?)
    }

    /// The bytes of text `i`, empty if there is none (comparing them needs no check of
    /// character boundaries).
    pub(super) fn bytes(&self, code: u32) -> &[u8] {
        self.span(code as usize)
            .and_then(|span| self.text.as_bytes().get(span))
            .unwrap_or_default()
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> {
        (0..self.ends.len()).map(|i| self.get(i).unwrap_or_default())
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The bytes of all the texts.
    pub fn text_len(&self) -> usize {
        self.text.len()
    }

    /// How many texts it has room for without growing.
    pub(super) fn capacity(&self) -> usize {
        self.ends.capacity()
    }

    /// Makes room for `texts` more texts of `bytes` bytes in all.
    pub fn reserve(&mut self, texts: usize, bytes: usize) {
        self.ends.reserve(texts);
        self.text.reserve(bytes);
    }
}

impl std::ops::Index<usize> for Texts {
    type Output = str;

    /// Text `i`; panics when there are not that many, as a vector does.
    fn index(&self, i: usize) -> &str {
        match self.get(i) {
            Some(text) => text,
            None => panic!("text {i} of {}", self.len()),
        }
    }
}
