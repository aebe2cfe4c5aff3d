//! Text aligned in columns, whatever the length of what goes in them.
//!
//! How it works: the formatter's score labels, `icp explain`'s checks and the summary's tables
//! pad names to the width of the widest one. `format!`'s own padding (`{name:<width$}`)
//! panics when the width is above `u16::MAX` ("Formatting argument out of range"), and a
//! rule file can hold a name of 70,000 characters, so every such column goes through here
//! instead: [`column_width`] is the widest entry in characters, at least a minimum and at
//! most [`MAX_COLUMN_WIDTH`] (a longer entry overflows its column rather than widening every
//! other row: the output stays linear in the size of its input), and [`pad_end`] /
//! [`pad_start`] write the text and then (or first) the spaces it lacks, never failing.

use std::fmt;

/// The widest a padded column gets, in characters. An entry wider than this is written
/// whole and pushes the rest of its own row to the right.
pub const MAX_COLUMN_WIDTH: usize = 100;

/// The width of a column holding `entries`: the widest in characters, at least `min`, at most
/// [`MAX_COLUMN_WIDTH`] (or `min` if that is larger).
pub fn column_width<'a>(entries: impl IntoIterator<Item = &'a str>, min: usize) -> usize {
    entries
        .into_iter()
        .map(|entry| entry.chars().count().min(MAX_COLUMN_WIDTH))
        .max()
        .unwrap_or(0)
        .max(min)
}

/// `text` followed by the spaces that make it `width` characters (left-aligned, as
/// `{text:<width$}` for any width).
pub fn pad_end(text: &str, width: usize) -> Padded<'_> {
    Padded {
        text,
        width,
        at_start: false,
    }
}

/// The spaces that make `text` `width` characters, then `text` (right-aligned, as
/// `{text:>width$}` for any width).
pub fn pad_start(text: &str, width: usize) -> Padded<'_> {
    Padded {
        text,
        width,
        at_start: true,
    }
}

/// A text and its padding, written by its `Display`; see [`pad_end`] and [`pad_start`].
#[derive(Debug, Clone, Copy)]
pub struct Padded<'a> {
    text: &'a str,
    width: usize,
    at_start: bool,
}

impl fmt::Display for Padded<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let missing = self.width.saturating_sub(self.text.chars().count());
        let spaces = |f: &mut fmt::Formatter<'_>| (0..missing).try_for_each(|_| f.write_str(" "));
        if self.at_start {
            spaces(f)?;
        }
        f.write_str(self.text)?;
        if !self.at_start {
            spaces(f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_like_format_within_its_range() {
        for (text, width) in [("ab", 5), ("abcdef", 3), ("é日", 4), ("", 0)] {
            assert_eq!(pad_end(text, width).to_string(), format!("{text:<width$}"));
            assert_eq!(
                pad_start(text, width).to_string(),
                format!("{text:>width$}")
            );
        }
    }

    #[test]
    fn pads_beyond_the_range_of_format() {
        let width = usize::from(u16::MAX) + 10;
        assert_eq!(pad_end("x", width).to_string().len(), width);
        assert_eq!(pad_start("x", width).to_string().len(), width);
    }

    #[test]
    fn a_column_is_capped_but_never_below_its_minimum() {
        let long = "n".repeat(70_000);
        assert_eq!(column_width(["ab", long.as_str()], 8), MAX_COLUMN_WIDTH);
        assert_eq!(column_width(["ab"], 8), 8);
        assert_eq!(column_width([], 3), 3);
        assert_eq!(column_width(["日本"], 0), 2);
    }
}
