//! The bytes of a 64-byte block that matter to splitting a line, found at once.
//!
//! How it works: [`Marks::of`] compares the block with the delimiter, `\n`, `"` and `\r`
//! 16 bytes at a time (SSE2, which every x86-64 processor has; byte by byte elsewhere) and
//! keeps each kind as a bit mask, bit `i` for byte `i`. The splitter's plain-line path reads
//! a line's field ends off the delimiter bits before its first line-end bit, and leaves a
//! line with a quote or a stray carriage return to `csv_core`.

/// The bytes of a block of up to 64 that matter to splitting a line, each kind as a bit mask
/// (bit `i` for byte `i`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Marks {
    pub(super) delimiters: u64,
    pub(super) newlines: u64,
    pub(super) quotes: u64,
    pub(super) returns: u64,
}

impl Marks {
    /// The marks of `block`. On x86-64, 16 bytes are compared at a time (SSE2, which every
    /// x86-64 processor has).
    #[cfg(target_arch = "x86_64")]
    pub(super) fn of(block: &[u8; 64], delimiter: u8) -> Marks {
        use safe_arch::{
            cmp_eq_mask_i8_m128i, load_unaligned_m128i, move_mask_i8_m128i, set_splat_i8_m128i,
        };
        let splat = |b: u8| set_splat_i8_m128i(i8::from_ne_bytes([b]));
        let (d, n, q, r) = (splat(delimiter), splat(b'\n'), splat(b'"'), splat(b'\r'));
        let mut marks = Marks::default();
        let (words, _) = block.as_chunks::<16>();
        for (k, word) in words.iter().enumerate() {
            let v = load_unaligned_m128i(word);
            let mask =
                |b| u64::from(move_mask_i8_m128i(cmp_eq_mask_i8_m128i(v, b)) as u16) << (16 * k);
            marks.delimiters |= mask(d);
            marks.newlines |= mask(n);
            marks.quotes |= mask(q);
            marks.returns |= mask(r);
        }
        marks
    }

    #[cfg(not(target_arch = "x86_64"))]
    pub(super) fn of(block: &[u8; 64], delimiter: u8) -> Marks {
        Marks::bytewise(block, delimiter)
    }

    /// [`Marks::of`] a byte at a time.
    #[cfg(any(test, not(target_arch = "x86_64")))]
    pub(super) fn bytewise(block: &[u8; 64], delimiter: u8) -> Marks {
        let mut marks = Marks::default();
        for (i, &b) in block.iter().enumerate() {
            let bit = |needle: u8| u64::from(b == needle) << i;
            marks.delimiters |= bit(delimiter);
            marks.newlines |= bit(b'\n');
            marks.quotes |= bit(b'"');
            marks.returns |= bit(b'\r');
        }
        marks
    }

    /// The marks of the first `n` bytes (under 64) only.
    pub(super) fn first(self, n: usize) -> Marks {
        let keep = (1u64 << n) - 1;
        self.map(|mask| mask & keep)
    }

    /// The marks from byte `n` (under 64) on, moved to start at bit 0.
    pub(super) fn after(self, n: usize) -> Marks {
        self.map(|mask| mask >> n)
    }

    fn map(self, f: impl Fn(u64) -> u64) -> Marks {
        Marks {
            delimiters: f(self.delimiters),
            newlines: f(self.newlines),
            quotes: f(self.quotes),
            returns: f(self.returns),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_are_what_a_byte_by_byte_look_finds() {
        let alphabet = [
            b',',
            b';',
            b'\n',
            b'\r',
            b'"',
            b'a',
            0x00,
            0x80,
            0xff,
            0x0a ^ 0x80,
        ];
        let mut state = 0x5851_F42D_4C95_7F2D_u64;
        for _ in 0..2_000 {
            let mut block = [0u8; 64];
            for b in &mut block {
                *b = alphabet[(crate::xorshift(&mut state) % alphabet.len() as u64) as usize];
            }
            for delimiter in [b',', b';', b'\t', 0x00, 0xff] {
                assert_eq!(
                    Marks::of(&block, delimiter),
                    Marks::bytewise(&block, delimiter),
                    "{block:?} {delimiter}"
                );
            }
        }
    }
}
