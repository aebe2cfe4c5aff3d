//! The dictionaries of a batch's text columns: each distinct text of a column stored once
//! and named by a `u32` code.
//!
//! How it works: a [`Dict`] keeps its values end to end in one string ([`Texts`]) and indexes
//! them with a hash table of codes, hashed in one write ([`hash_text`]) and compared word by
//! word ([`same`]); a small memo of the texts looked up lately answers most lookups of a
//! categorical column without hashing. A missing value has no text and the code [`MISSING`];
//! it never enters a dictionary. An unindexed dictionary (for columns of nearly distinct
//! values) gives every text a new code without looking it up.

use std::hash::{BuildHasher, Hasher};

use hashbrown::{DefaultHashBuilder, HashTable};

use super::Texts;

/// The code of a missing text value.
pub const MISSING: u32 = u32::MAX;

/// The distinct text values of a column in one batch. The values are [`Texts`] (end to end
/// in one string), and the index is a hash table of codes into them, so each distinct text is
/// stored once, a new one costs no allocation of its own, and a repeated one costs a hash and
/// a comparison — or, when it was looked up lately, a comparison only ([`Memo`]).
///
/// An [`unindexed`](Dict::unindexed) dictionary skips the lookup: for a column whose values are
/// mostly distinct (an id, a name), where it would cost more than it saves.
#[derive(Debug, Clone, Default)]
pub struct Dict {
    values: Texts,
    index: HashTable<u32>,
    hasher: DefaultHashBuilder,
    memo: Memo,
    /// Whether texts are added without being looked up.
    unindexed: bool,
}

/// The codes of texts looked up lately, in a slot picked from a text's length and its first
/// and last bytes (a few operations, where a hash reads every byte): a categorical column
/// (a country, a seniority) finds most of its values here. A slot keeps its text's length
/// and first and last eight bytes ([`Words`]) beside the code, so a text of up to 16 bytes
/// is recognised without reading the dictionary's texts. (Boxed: a column's value stays
/// small whatever its type.)
#[derive(Clone)]
struct Memo(Box<[(Words, u32); MEMO_SLOTS]>);

const MEMO_SLOTS: usize = 256;
const _: () = assert!(MEMO_SLOTS.is_power_of_two() && MEMO_SLOTS > 1);

impl Default for Memo {
    fn default() -> Memo {
        Memo(Box::new([(Words::default(), MISSING); MEMO_SLOTS]))
    }
}

/// A text's length and its first and last eight bytes (four, or all of them, in a shorter
/// text), as words: equal words mean equal texts up to 16 bytes long.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Words {
    len: usize,
    head: u64,
    tail: u64,
}

impl Words {
    fn of(text: &[u8]) -> Words {
        let (head, tail) = match (text.first_chunk::<8>(), text.last_chunk::<8>()) {
            (Some(first), Some(last)) => (u64::from_le_bytes(*first), u64::from_le_bytes(*last)),
            _ => match (text.first_chunk::<4>(), text.last_chunk::<4>()) {
                (Some(first), Some(last)) => (
                    u64::from(u32::from_le_bytes(*first)),
                    u64::from(u32::from_le_bytes(*last)),
                ),
                _ => (text.iter().fold(0, |w, b| w << 8 | u64::from(*b)), 0),
            },
        };
        Words {
            len: text.len(),
            head,
            tail,
        }
    }

    /// Whether the words alone tell the text (up to 16 bytes).
    fn whole(&self) -> bool {
        self.len <= 16
    }

    /// The memo slot of a text with these words.
    fn slot(&self) -> usize {
        let word = self.head ^ self.tail.rotate_left(29);
        let mixed = (word ^ self.len as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (mixed >> (64 - MEMO_SLOTS.trailing_zeros())) as usize
    }
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Memo")
    }
}

impl PartialEq for Dict {
    fn eq(&self, other: &Dict) -> bool {
        self.values == other.values
    }
}

impl Dict {
    /// A dictionary that gives every text added a new code, repeated or not, without looking
    /// it up: codes still name their texts, but a text may have several. Nothing is
    /// [`find`](Self::find)able in it until it is [`index`](Self::index)ed.
    pub fn unindexed() -> Dict {
        Dict {
            unindexed: true,
            ..Dict::default()
        }
    }

    /// Indexes the texts of an [`unindexed`](Self::unindexed) dictionary (a repeated text
    /// is found at its first code), and looks texts up from now on; the index has room for
    /// as many texts as the dictionary was [`reserve`](Self::reserve)d for.
    pub fn index(&mut self) {
        if !std::mem::take(&mut self.unindexed) {
            return;
        }
        let Dict {
            values,
            index,
            hasher,
            ..
        } = self;
        // Room for as many texts as the dictionary was sized for, not only those it has.
        let room = values.capacity();
        index.reserve(room, |&c| hash_text(hasher, values.bytes(c)));
        for code in 0..values.len() as u32 {
            let text = values.bytes(code);
            let hash = hash_text(hasher, text);
            if index.find(hash, |&c| same(values.bytes(c), text)).is_none() {
                index.insert_unique(hash, code, |&c| hash_text(hasher, values.bytes(c)));
            }
        }
    }

    /// The code of `text`, added if new (in an unindexed dictionary: added).
    pub fn code_str(&mut self, text: &str) -> u32 {
        if self.unindexed {
            let code = u32::try_from(self.values.len()).unwrap_or(MISSING - 1);
            self.values.push(text);
            return code;
        }
        let words = Words::of(text.as_bytes());
        let slot = words.slot();
        let (seen, recent) = self.memo.0[slot];
        if recent != MISSING
            && seen == words
            && (words.whole() || same(self.values.bytes(recent), text.as_bytes()))
        {
            return recent;
        }
        let hash = hash_text(&self.hasher, text.as_bytes());
        let Dict {
            values,
            index,
            hasher,
            memo,
            ..
        } = self;
        let code = match index.find(hash, |&c| same(values.bytes(c), text.as_bytes())) {
            Some(code) => *code,
            None => {
                let code = u32::try_from(values.len()).unwrap_or(MISSING - 1);
                values.push(text);
                index.insert_unique(hash, code, |&c| hash_text(hasher, values.bytes(c)));
                code
            }
        };
        memo.0[slot] = (words, code);
        code
    }

    /// Makes room for `values` more distinct values of `bytes` bytes in all.
    pub fn reserve(&mut self, values: usize, bytes: usize) {
        let Dict {
            values: texts,
            index,
            hasher,
            unindexed,
            ..
        } = self;
        if !*unindexed {
            index.reserve(values, |&c| hash_text(hasher, texts.bytes(c)));
        }
        texts.reserve(values, bytes);
    }

    /// The code of `text`, if the dictionary has it (in an unindexed one: `None`).
    pub fn find(&self, text: &str) -> Option<u32> {
        let hash = hash_text(&self.hasher, text.as_bytes());
        self.index
            .find(hash, |&c| same(self.values.bytes(c), text.as_bytes()))
            .copied()
    }

    /// The value of `code`.
    pub fn get(&self, code: u32) -> Option<&str> {
        self.values.get(code as usize)
    }

    /// The values, in code order.
    pub fn values(&self) -> impl ExactSizeIterator<Item = &str> {
        self.values.iter()
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// The hash of a text by `hasher`: its bytes in one write (`str`'s `Hash` adds a second write
/// for a terminator, a tenth of a dictionary lookup).
pub fn hash_text(hasher: &impl BuildHasher, bytes: &[u8]) -> u64 {
    let mut h = hasher.build_hasher();
    h.write(bytes);
    h.finish()
}

/// The most distinct values a column's dictionary is sized for up front.
pub(super) const DICT_ROOM: usize = 4096;

/// Whether two byte strings are equal. The usual text of a lead file is short, and up to 16
/// bytes it is compared as two overlapping words at each end, in place, rather than through
/// a call to `memcmp`.
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if let (Some(a0), Some(b0), Some(a1), Some(b1)) = (
        a.first_chunk::<8>(),
        b.first_chunk::<8>(),
        a.last_chunk::<8>(),
        b.last_chunk::<8>(),
    ) && a.len() <= 16
    {
        return a0 == b0 && a1 == b1;
    }
    if let (Some(a0), Some(b0), Some(a1), Some(b1)) = (
        a.first_chunk::<4>(),
        b.first_chunk::<4>(),
        a.last_chunk::<4>(),
        b.last_chunk::<4>(),
    ) && a.len() < 8
    {
        return a0 == b0 && a1 == b1;
    }
    if a.len() < 4 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    a == b
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever the memo holds (texts of every length, many sharing a slot), a dictionary
    /// gives each distinct text one code and reads it back.
    #[test]
    fn a_text_keeps_its_code_whatever_the_memo_holds() {
        let mut dict = Dict::default();
        let mut seen: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 21) as usize;
            let text: String = (0..len)
                .map(|i| ['a', 'b', 'é', ' '][((state >> (i * 2 + 8)) % 4) as usize])
                .collect();
            let code = dict.code_str(&text);
            assert_eq!(*seen.entry(text.clone()).or_insert(code), code, "{text:?}");
            assert_eq!(dict.get(code), Some(text.as_str()));
            assert_eq!(dict.find(&text), Some(code));
        }
        assert_eq!(dict.len(), seen.len());
        // Texts that differ only past their first and last eight bytes share a memo slot and
        // its words: told apart all the same.
        let mut dict = Dict::default();
        for len in 17..40 {
            let texts: Vec<String> = ['x', 'y']
                .iter()
                .map(|c| format!("{}{c}{}", "a".repeat(8), "b".repeat(len - 9)))
                .collect();
            let codes: Vec<u32> = texts.iter().map(|t| dict.code_str(t)).collect();
            assert_ne!(codes[0], codes[1], "{len}");
            for (text, code) in texts.iter().zip(&codes).cycle().take(6) {
                assert_eq!(dict.code_str(text), *code, "{text}");
            }
        }
    }

    #[test]
    fn an_unindexed_dictionary_codes_every_text_anew_until_indexed() {
        let mut dict = Dict::unindexed();
        let codes: Vec<u32> = ["b", "a", "b"].iter().map(|t| dict.code_str(t)).collect();
        assert_eq!(codes, [0, 1, 2]);
        assert_eq!(dict.get(2), Some("b"));
        assert_eq!(dict.find("a"), None);
        dict.index();
        // A repeated text is found at its first code, and looked up from now on.
        assert_eq!((dict.find("a"), dict.find("b")), (Some(1), Some(0)));
        assert_eq!((dict.code_str("b"), dict.code_str("c")), (0, 3));
    }

    #[test]
    fn same_is_byte_equality() {
        let texts: Vec<Vec<u8>> = (0..=20)
            .flat_map(|n| {
                let base: Vec<u8> = (0..n as u8).map(|i| b'a' + i).collect();
                let mut variants = vec![base.clone()];
                // The same length, one byte different at each place.
                for at in 0..n {
                    let mut v = base.clone();
                    v[at] = b'#';
                    variants.push(v);
                }
                variants
            })
            .collect();
        for a in &texts {
            for b in &texts {
                assert_eq!(same(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }
}
