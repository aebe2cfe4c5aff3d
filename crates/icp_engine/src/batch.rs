//! Leads in columnar batches, the form the fast evaluator reads.
//!
//! How it works: a [`Batch`] holds a few thousand leads. Each field is one [`Column`] — a
//! vector of values plus validity (missing is invalid) — for company fields one entry per
//! lead, for contact fields one entry per contact, all contacts of all leads laid end to end
//! with `contact_offsets` saying where each lead's contacts start. Text is dictionary-encoded:
//! a column stores a `u32` code per row into a [`Dict`] of the distinct values of the batch, so
//! `==`, `in`, `contains` or `matches` are decided once per dictionary value and then looked up
//! per row (a column of nearly distinct values — ids, names — has an unindexed dictionary, a
//! value per row, repeated or not). A dictionary keeps its values end to end in one string, and the batch's lead ids
//! are kept so too ([`Texts`]): filling a batch allocates per column, not per text. Readers
//! fill a batch through [`BatchBuilder`], one lead and contact at a time, and never see the
//! layout.

use std::hash::{BuildHasher, Hasher};

use hashbrown::{DefaultHashBuilder, HashTable};

use crate::lead::Lead;
use crate::schema::{Entity, FieldId, Scalar, Schema, Type, Value};

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
        let room = values.ends.capacity();
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
const DICT_ROOM: usize = 4096;

/// Texts end to end in one string, text `i` ending at `ends[i]` (a batch's lead ids, the
/// values of a [`Dict`]): no allocation per text.
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
    fn bytes(&self, code: u32) -> &[u8] {
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

/// One field's values over the rows of a batch.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// The field belongs to the other entity (a contact field in the company columns).
    Absent,
    Number {
        values: Vec<f64>,
        valid: Vec<bool>,
    },
    Bool {
        values: Vec<bool>,
        valid: Vec<bool>,
    },
    Date {
        values: Vec<i32>,
        valid: Vec<bool>,
    },
    Duration {
        values: Vec<f64>,
        valid: Vec<bool>,
    },
    /// Text, dictionary-encoded; [`MISSING`] marks a missing value.
    Text {
        codes: Vec<u32>,
        dict: Dict,
    },
    /// Lists of text: row `i` holds `codes[offsets[i]..offsets[i + 1]]`.
    TextList {
        offsets: Vec<u32>,
        codes: Vec<u32>,
        valid: Vec<bool>,
        dict: Dict,
    },
    /// Any other type (lists of numbers), row by row.
    Values(Vec<Option<Value>>),
}

impl Column {
    /// An empty column for values of a type.
    pub fn for_type(ty: Type) -> Column {
        match ty {
            Type::Scalar(Scalar::Number) => Column::Number {
                values: Vec::new(),
                valid: Vec::new(),
            },
            Type::Scalar(Scalar::Bool) => Column::Bool {
                values: Vec::new(),
                valid: Vec::new(),
            },
            Type::Scalar(Scalar::Date) => Column::Date {
                values: Vec::new(),
                valid: Vec::new(),
            },
            Type::Scalar(Scalar::Duration) => Column::Duration {
                values: Vec::new(),
                valid: Vec::new(),
            },
            Type::Scalar(Scalar::String) => Column::Text {
                codes: Vec::new(),
                dict: Dict::default(),
            },
            Type::List(Some(Scalar::String)) => Column::TextList {
                offsets: vec![0],
                codes: Vec::new(),
                valid: Vec::new(),
                dict: Dict::default(),
            },
            _ => Column::Values(Vec::new()),
        }
    }

    /// Appends a missing value: [`push`](Self::push) of `None`, without looking at a value.
    pub fn push_missing(&mut self) {
        match self {
            Column::Absent => {}
            Column::Number { values, valid } | Column::Duration { values, valid } => {
                values.push(0.0);
                valid.push(false);
            }
            Column::Bool { values, valid } => {
                values.push(false);
                valid.push(false);
            }
            Column::Date { values, valid } => {
                values.push(0);
                valid.push(false);
            }
            Column::Text { codes, .. } => codes.push(MISSING),
            Column::TextList {
                offsets,
                codes,
                valid,
                ..
            } => {
                valid.push(false);
                offsets.push(u32::try_from(codes.len()).unwrap_or(u32::MAX));
            }
            Column::Values(values) => values.push(None),
        }
    }

    /// Appends a value (or a missing one). A value of the wrong type is stored as missing;
    /// readers convert values to the field's type before they get here.
    pub fn push(&mut self, value: Option<Value>) {
        if value.is_none() {
            return self.push_missing();
        }
        match self {
            Column::Absent => {}
            Column::Number { values, valid } | Column::Duration { values, valid } => {
                let v = match value {
                    Some(Value::Number(n) | Value::Duration(n)) => Some(n),
                    _ => None,
                };
                values.push(v.unwrap_or(0.0));
                valid.push(v.is_some());
            }
            Column::Bool { values, valid } => {
                let v = match value {
                    Some(Value::Bool(b)) => Some(b),
                    _ => None,
                };
                values.push(v.unwrap_or(false));
                valid.push(v.is_some());
            }
            Column::Date { values, valid } => {
                let v = match value {
                    Some(Value::Date(d)) => Some(d),
                    _ => None,
                };
                values.push(v.unwrap_or(0));
                valid.push(v.is_some());
            }
            Column::Text { codes, dict } => codes.push(match value {
                Some(Value::String(s)) => dict.code_str(&s),
                _ => MISSING,
            }),
            Column::TextList {
                offsets,
                codes,
                valid,
                dict,
            } => {
                match value {
                    Some(Value::List(items)) => {
                        for item in items {
                            if let Value::String(s) = item {
                                codes.push(dict.code_str(&s));
                            }
                        }
                        valid.push(true);
                    }
                    _ => valid.push(false),
                }
                offsets.push(u32::try_from(codes.len()).unwrap_or(u32::MAX));
            }
            Column::Values(values) => values.push(value),
        }
    }

    /// Overwrites the value of the last row (a reader may set a field after the row began):
    /// the row is taken off and pushed again, so `push` alone decides how values are stored.
    fn set_last(&mut self, value: Value) {
        self.pop_last();
        self.push(Some(value));
    }

    /// Takes the last row off.
    fn pop_last(&mut self) {
        match self {
            Column::Absent => {}
            Column::Number { values, valid } | Column::Duration { values, valid } => {
                values.pop();
                valid.pop();
            }
            Column::Bool { values, valid } => {
                values.pop();
                valid.pop();
            }
            Column::Date { values, valid } => {
                values.pop();
                valid.pop();
            }
            Column::Text { codes, .. } => {
                codes.pop();
            }
            Column::TextList {
                offsets,
                codes,
                valid,
                ..
            } => {
                offsets.pop();
                codes.truncate(offsets.last().copied().unwrap_or(0) as usize);
                valid.pop();
            }
            Column::Values(values) => {
                values.pop();
            }
        }
    }

    /// The text of one row of a text column, without copying it; `None` when missing (or not
    /// a text column).
    pub fn text(&self, row: usize) -> Option<&str> {
        match self {
            Column::Text { codes, dict } => dict.get(*codes.get(row)?),
            _ => None,
        }
    }

    /// Whether row `row` has a value (what [`Column::get`] says without making the value).
    pub fn has(&self, row: usize) -> bool {
        match self {
            Column::Absent => false,
            Column::Number { valid, .. }
            | Column::Duration { valid, .. }
            | Column::Bool { valid, .. }
            | Column::Date { valid, .. }
            | Column::TextList { valid, .. } => valid[row],
            Column::Text { codes, .. } => codes[row] != MISSING,
            Column::Values(values) => values[row].is_some(),
        }
    }

    /// The value of one row, or `None` when missing.
    pub fn get(&self, row: usize) -> Option<Value> {
        match self {
            Column::Absent => None,
            Column::Number { values, valid } => valid[row].then(|| Value::Number(values[row])),
            Column::Duration { values, valid } => valid[row].then(|| Value::Duration(values[row])),
            Column::Bool { values, valid } => valid[row].then(|| Value::Bool(values[row])),
            Column::Date { values, valid } => valid[row].then(|| Value::Date(values[row])),
            Column::Text { codes, dict } => (codes[row] != MISSING)
                .then(|| Value::String(dict.get(codes[row]).unwrap_or_default().to_string())),
            Column::TextList {
                offsets,
                codes,
                valid,
                dict,
            } => valid[row].then(|| {
                Value::List(
                    codes[offsets[row] as usize..offsets[row + 1] as usize]
                        .iter()
                        .map(|c| Value::String(dict.get(*c).unwrap_or_default().to_string()))
                        .collect(),
                )
            }),
            Column::Values(values) => values[row].clone(),
        }
    }
}

/// A batch of leads in columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// `company.id` of each lead, as the output names it.
    pub ids: Texts,
    /// The input line each lead starts on.
    pub lines: Vec<u64>,
    /// Indexed by [`FieldId`]; contact fields are [`Column::Absent`].
    pub company: Vec<Column>,
    /// Indexed by [`FieldId`]; company fields are [`Column::Absent`]. One row per contact.
    pub contacts: Vec<Column>,
    /// Lead `i` has contacts `contact_offsets[i]..contact_offsets[i + 1]`.
    pub contact_offsets: Vec<u32>,
    /// Indexed by signal call; one row per lead (filled by the plugin host).
    pub signals: Vec<Column>,
}

impl Batch {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The columns of the companies (`entity` 0) or of the contacts (1).
    fn columns_mut(&mut self, entity: usize) -> &mut Vec<Column> {
        if entity == 0 {
            &mut self.company
        } else {
            &mut self.contacts
        }
    }

    pub fn contact_count(&self) -> usize {
        self.contact_offsets.last().copied().unwrap_or(0) as usize
    }

    /// The contacts of lead `i`, as row numbers in the contact columns.
    pub fn contacts_of(&self, lead: usize) -> std::ops::Range<usize> {
        self.contact_offsets[lead] as usize..self.contact_offsets[lead + 1] as usize
    }

    /// Lead `i` in row form, for the reference evaluator and explanations.
    pub fn lead(&self, i: usize) -> Lead {
        Lead {
            company: self.company.iter().map(|c| c.get(i)).collect(),
            contacts: self
                .contacts_of(i)
                .map(|row| self.contacts.iter().map(|c| c.get(row)).collect())
                .collect(),
            signals: self.signals.iter().map(|c| c.get(i)).collect(),
        }
    }
}

/// Builds a [`Batch`] one lead, and one contact, at a time.
#[derive(Debug)]
pub struct BatchBuilder {
    batch: Batch,
    types: Vec<(Entity, Type)>,
    /// The company and the contact columns that are not [`Column::Absent`]: the ones a new
    /// row writes to.
    kept: [Vec<usize>; 2],
    /// Each field's bit among its entity's `kept` columns (up to 64 of them; 0 for the rest).
    bits: Vec<u64>,
    /// The open rows, a lead's company columns and a contact's ([`open_lead`]
    /// (Self::open_lead), [`start_contact`](Self::start_contact)): the bits of the kept
    /// columns given a value in them so far, or `None` when no such row is open.
    open: [Option<u64>; 2],
}

/// The bits of `n` columns: all of them when there are more than 64, which open rows then
/// fill with missing values at once.
fn all_bits(n: usize) -> u64 {
    if n >= 64 { u64::MAX } else { (1 << n) - 1 }
}

impl BatchBuilder {
    /// A builder for leads of a schema, with room for `signal_calls` signal columns.
    pub fn new(schema: &Schema, signal_calls: usize) -> BatchBuilder {
        BatchBuilder::reading(schema, signal_calls, None)
    }

    /// A builder that keeps only the fields marked in `read` (indexed by [`FieldId`]; every
    /// field when `None`): the others are [`Column::Absent`] and their values are dropped.
    pub fn reading(schema: &Schema, signal_calls: usize, read: Option<&[bool]>) -> BatchBuilder {
        let types: Vec<(Entity, Type)> = schema.fields().map(|(_, f)| (f.entity, f.ty)).collect();
        let kept = |i: usize| read.is_none_or(|r| r.get(i).copied().unwrap_or(false));
        let column = |entity: Entity| -> Vec<Column> {
            types
                .iter()
                .enumerate()
                .map(|(i, (e, ty))| {
                    if *e == entity && kept(i) {
                        Column::for_type(*ty)
                    } else {
                        Column::Absent
                    }
                })
                .collect()
        };
        let (company, contacts) = (column(Entity::Company), column(Entity::Contact));
        let present = |columns: &[Column]| {
            (0..columns.len())
                .filter(|&i| !matches!(columns[i], Column::Absent))
                .collect()
        };
        let kept: [Vec<usize>; 2] = [present(&company), present(&contacts)];
        let mut bits = vec![0; types.len()];
        for columns in &kept {
            for (place, &i) in columns.iter().enumerate().take(64) {
                bits[i] = 1 << place;
            }
        }
        BatchBuilder {
            kept,
            bits,
            open: [None, None],
            batch: Batch {
                ids: Texts::default(),
                lines: Vec::new(),
                company,
                contacts,
                contact_offsets: vec![0],
                signals: (0..signal_calls)
                    .map(|_| Column::Values(Vec::new()))
                    .collect(),
            },
            types,
        }
    }

    /// Starts a lead with every field missing.
    pub fn start_lead(&mut self, id: &str, line: u64) {
        self.add_lead(id, line, Vec::new());
    }

    /// Adds a lead with these company values (the others missing), in one pass over the
    /// columns: the same as [`start_lead`](Self::start_lead) and a
    /// [`set_company`](Self::set_company) per value, without writing each row twice.
    pub fn add_lead(&mut self, id: &str, line: u64, mut values: Vec<(FieldId, Value)>) {
        push_row(&mut self.batch.company, &mut values);
        self.close_lead(id, line);
    }

    /// Gives company text field `field` an [unindexed](Dict::unindexed) dictionary, before
    /// any lead is added: for a field whose values are mostly distinct (an id, a name).
    pub fn unindexed(&mut self, field: FieldId) {
        if let Some(Column::Text { codes, dict }) = self.batch.company.get_mut(field.0 as usize)
            && codes.is_empty()
        {
            *dict = Dict::unindexed();
        }
    }

    /// Makes room for `leads` more leads and `contacts` more contacts, so filling a batch of a
    /// known size does not grow its columns step by step.
    pub fn reserve(&mut self, leads: usize, contacts: usize) {
        let b = &mut self.batch;
        b.ids.reserve(leads, 8 * leads);
        b.lines.reserve(leads);
        b.contact_offsets.reserve(leads);
        for column in &mut b.company {
            column.reserve(leads);
            // A company text column may have a new value on every row (a name): its
            // dictionary gets room for a batch of them at once rather than rehashing as it
            // grows (a few kilobytes for a category that needs less). The contacts tables,
            // kept for the whole run, are not sized so.
            if let Column::Text { dict, .. } = column {
                dict.reserve(leads.min(DICT_ROOM), 0);
            }
        }
        for column in &mut b.contacts {
            column.reserve(contacts);
        }
    }

    /// Opens a lead's row of company columns, every value missing: readers then set values
    /// straight from their cells with [`put`](Self::put), [`put_text`](Self::put_text) and
    /// [`put_list`](Self::put_list), and [`close_lead`](Self::close_lead) adds the lead.
    /// Contacts can be added once it is closed.
    ///
    /// A value set is pushed onto its column; the columns given none get their missing value
    /// when the row closes (a contact's when the next contact starts, or its lead's contacts
    /// are complete), so a row costs nothing for the columns a reader fills.
    pub fn open_lead(&mut self) {
        self.open[0] = Some(self.open_row(0));
    }

    /// The columns of a row of `entity` that open with a value (missing): none, unless there
    /// are more than 64 columns.
    fn open_row(&mut self, entity: usize) -> u64 {
        let columns = &self.kept[entity];
        if columns.len() <= 64 {
            return 0;
        }
        let b = &mut self.batch;
        let table = b.columns_mut(entity);
        for &i in columns {
            table[i].push_missing();
        }
        u64::MAX
    }

    /// Closes the open row of `entity`, if any: its columns given no value get a missing one.
    fn close_row(&mut self, entity: usize) {
        let Some(written) = self.open[entity].take() else {
            return;
        };
        let mut unwritten = all_bits(self.kept[entity].len()) & !written;
        let b = &mut self.batch;
        let table = b.columns_mut(entity);
        while unwritten != 0 {
            table[self.kept[entity][unwritten.trailing_zeros() as usize]].push_missing();
            unwritten &= unwritten - 1;
        }
    }

    /// Adds the lead whose row [`open_lead`](Self::open_lead) opened.
    pub fn close_lead(&mut self, id: &str, line: u64) {
        self.close_row(1);
        self.close_row(0);
        let b = &mut self.batch;
        b.ids.push(id);
        b.lines.push(line);
        for s in &mut b.signals {
            s.push(None);
        }
        let contacts = b.contact_count() as u32;
        b.contact_offsets.push(contacts);
    }

    /// The column of `field` in the open row of its entity, ready for the row's value to be
    /// pushed (a value set before is taken off); the row now counts it as written. `None`
    /// when no such row is open, or the field is not kept.
    fn open_column(&mut self, field: FieldId) -> Option<&mut Column> {
        let i = field.0 as usize;
        let entity = usize::from(self.types.get(i)?.0 == Entity::Contact);
        let bit = *self.bits.get(i)?;
        let written = self.open[entity].as_mut()?;
        let had = *written & bit != 0 || bit == 0;
        *written |= bit;
        let column = self.batch.columns_mut(entity).get_mut(i)?;
        if had {
            column.pop_last();
        }
        Some(column)
    }

    /// Sets a value of the open row.
    pub fn put(&mut self, field: FieldId, value: Value) {
        if let Some(column) = self.open_column(field) {
            column.push(Some(value));
        }
    }

    /// Sets a number of the open row, as [`put`](Self::put) sets `Value::Number(n)` there,
    /// without the match on the value (and nothing when no row is open).
    pub fn put_number(&mut self, field: FieldId, n: f64) {
        match self.open_column(field) {
            Some(Column::Number { values, valid }) => {
                values.push(n);
                valid.push(true);
            }
            Some(column) => column.push(Some(Value::Number(n))),
            None => {}
        }
    }

    /// Sets a text value of the open row (a text field), without allocating when the batch
    /// has the text already.
    pub fn put_text(&mut self, field: FieldId, text: &str) {
        match self.open_column(field) {
            Some(Column::Text { codes, dict }) => codes.push(dict.code_str(text)),
            Some(column) => column.push(Some(Value::String(text.to_string()))),
            None => {}
        }
    }

    /// Sets a list of text of the open row (a text list field) to `items`; how many there
    /// were. No items leave the value missing.
    pub fn put_list<'t>(&mut self, field: FieldId, items: impl Iterator<Item = &'t str>) -> usize {
        let (offsets, codes, valid, dict) = match self.open_column(field) {
            Some(Column::TextList {
                offsets,
                codes,
                valid,
                dict,
            }) => (offsets, codes, valid, dict),
            Some(column) => {
                let items: Vec<Value> = items.map(|i| Value::String(i.to_string())).collect();
                let n = items.len();
                column.push(Some(Value::List(items)));
                return n;
            }
            None => return 0,
        };
        let start = codes.len();
        codes.extend(items.map(|item| dict.code_str(item)));
        let n = codes.len() - start;
        offsets.push(u32::try_from(codes.len()).unwrap_or(u32::MAX));
        valid.push(n > 0);
        n
    }

    /// The text of `field` in the open row, if it has one.
    pub fn open_text(&self, field: FieldId) -> Option<&str> {
        let i = field.0 as usize;
        let entity = usize::from(self.types.get(i)?.0 == Entity::Contact);
        let bit = *self.bits.get(i)?;
        if bit != 0 && self.open[entity]? & bit == 0 {
            return None;
        }
        let b = &self.batch;
        let table = [&b.company, &b.contacts][entity];
        match table.get(i)? {
            Column::Text { codes, dict } => dict.get(*codes.last()?),
            _ => None,
        }
    }

    /// Sets a company field of the current lead: the open one ([`open_lead`](Self::open_lead)),
    /// else the last one added.
    pub fn set_company(&mut self, field: FieldId, value: Value) {
        let i = field.0 as usize;
        if self.types[i].0 != Entity::Company {
            return;
        }
        match self.open[0] {
            Some(_) => self.put(field, value),
            // Before the first lead there is no row to set.
            None if !self.batch.is_empty() => self.batch.company[i].set_last(value),
            None => {}
        }
    }

    /// Sets a signal value of the current lead.
    pub fn set_signal(&mut self, call: usize, value: Value) {
        if let (Some(column), false) = (self.batch.signals.get_mut(call), self.batch.ids.is_empty())
        {
            column.set_last(value);
        }
    }

    /// Adds a contact, every field missing, to the current lead: a row open until the next
    /// contact starts or the lead's contacts are complete (see [`open_lead`](Self::open_lead)).
    pub fn start_contact(&mut self) {
        if self.batch.ids.is_empty() {
            return;
        }
        self.close_row(1);
        self.open[1] = Some(self.open_row(1));
        if let Some(last) = self.batch.contact_offsets.last_mut() {
            *last += 1;
        }
    }

    /// Adds a contact with these field values (the others missing) to the current lead, in
    /// one pass over the columns: the same as [`start_contact`](Self::start_contact) and a
    /// [`set_contact`](Self::set_contact) per value, without writing each row twice.
    pub fn add_contact(&mut self, mut values: Vec<(FieldId, Value)>) {
        if self.batch.ids.is_empty() {
            return;
        }
        self.close_row(1);
        let b = &mut self.batch;
        push_row(&mut b.contacts, &mut values);
        if let Some(last) = b.contact_offsets.last_mut() {
            *last += 1;
        }
    }

    /// Counts `n` contacts for the current lead whose rows are appended later, by
    /// [`append_contacts`](Self::append_contacts), before any other contact is added and
    /// before the batch is finished: a reader whose leads' contacts are runs continuing each
    /// other copies them in one run.
    pub fn count_contacts(&mut self, n: usize) {
        if self.batch.ids.is_empty() || n == 0 {
            return;
        }
        self.close_row(1);
        if let Some(last) = self.batch.contact_offsets.last_mut() {
            *last += n as u32;
        }
    }

    /// Appends contacts `rows` of `from` (a batch with the same schema), counted already for
    /// this lead or the ones before it ([`count_contacts`](Self::count_contacts)), a column
    /// at a time: numbers are copied, text codes translated through `codes`, which remembers
    /// each translation so a repeated text is looked up once. `codes` belongs to `from` and
    /// this builder: use a new one for another pair.
    pub fn append_contacts(
        &mut self,
        from: &Batch,
        rows: std::ops::Range<usize>,
        codes: &mut CodeMap,
    ) {
        if self.batch.ids.is_empty() || rows.is_empty() {
            return;
        }
        self.close_row(1);
        let b = &mut self.batch;
        codes.maps.resize_with(b.contacts.len(), Default::default);
        for &i in &self.kept[1] {
            if let Some(source) = from.contacts.get(i) {
                b.contacts[i].copy_rows(source, rows.clone(), &mut codes.maps[i]);
            }
        }
    }

    /// Sets a field of the current contact (one [`start_contact`](Self::start_contact)
    /// opened, or the last one copied or added).
    pub fn set_contact(&mut self, field: FieldId, value: Value) {
        let i = field.0 as usize;
        if self.types[i].0 != Entity::Contact || self.batch.contact_count() == 0 {
            return;
        }
        match self.open[1] {
            Some(_) => self.put(field, value),
            None => self.batch.contacts[i].set_last(value),
        }
    }

    /// Leads added so far.
    pub fn len(&self) -> usize {
        self.batch.len()
    }

    pub fn is_empty(&self) -> bool {
        self.batch.is_empty()
    }

    /// The batch built. A lead opened with [`open_lead`](Self::open_lead) must be closed
    /// first; the contact last started is closed here.
    pub fn finish(mut self) -> Batch {
        self.close_row(1);
        self.batch
    }
}

/// Text codes of one batch's columns translated to another's, per column; see
/// [`BatchBuilder::append_contacts`].
#[derive(Debug, Default)]
pub struct CodeMap {
    /// Per column, indexed by the source code: the code here, or [`MISSING`] when not yet
    /// looked up (sized to the source dictionary on first use).
    maps: Vec<Vec<u32>>,
}

impl Column {
    fn reserve(&mut self, rows: usize) {
        match self {
            Column::Absent => {}
            Column::Number { values, valid } | Column::Duration { values, valid } => {
                values.reserve(rows);
                valid.reserve(rows);
            }
            Column::Bool { values, valid } => {
                values.reserve(rows);
                valid.reserve(rows);
            }
            Column::Date { values, valid } => {
                values.reserve(rows);
                valid.reserve(rows);
            }
            Column::Text { codes, .. } => codes.reserve(rows),
            Column::TextList {
                offsets,
                codes,
                valid,
                ..
            } => {
                offsets.reserve(rows);
                codes.reserve(rows);
                valid.reserve(rows);
            }
            Column::Values(values) => values.reserve(rows),
        }
    }

    /// The column whose row `i` is row `rows[i].1` of `sources[rows[i].0]` (columns of one
    /// field, so of one type), text in one dictionary: each source's distinct values are coded
    /// there once, then every row is a tight copy. Rows of a source that has no such row, or
    /// whose column is of another type, are missing.
    pub fn gather<'a>(sources: &[&'a Column], rows: &[(u32, u32)]) -> Column {
        fn pick<T: Copy>(
            sources: &[Option<(&[T], &[bool])>],
            rows: &[(u32, u32)],
            missing: T,
        ) -> (Vec<T>, Vec<bool>) {
            rows.iter()
                .map(|&(t, r)| {
                    sources
                        .get(t as usize)
                        .copied()
                        .flatten()
                        .and_then(|(values, valid)| {
                            Some((*values.get(r as usize)?, *valid.get(r as usize)?))
                        })
                        .unwrap_or((missing, false))
                })
                .unzip()
        }
        // Each source's codes in the one dictionary.
        let remap = |dict: &mut Dict, from: &Dict| -> Vec<u32> {
            from.values().map(|v| dict.code_str(v)).collect()
        };
        let Some(first) = sources.first() else {
            return Column::Absent;
        };
        match first {
            Column::Absent => Column::Absent,
            Column::Number { .. } | Column::Duration { .. } => {
                let of = |c: &&'a Column| match *c {
                    Column::Number { values, valid } | Column::Duration { values, valid }
                        if std::mem::discriminant(*c) == std::mem::discriminant(*first) =>
                    {
                        Some((&values[..], &valid[..]))
                    }
                    _ => None,
                };
                let (values, valid) = pick(&sources.iter().map(of).collect::<Vec<_>>(), rows, 0.0);
                match first {
                    Column::Number { .. } => Column::Number { values, valid },
                    _ => Column::Duration { values, valid },
                }
            }
            Column::Bool { .. } => {
                let of = |c: &&'a Column| match *c {
                    Column::Bool { values, valid } => Some((&values[..], &valid[..])),
                    _ => None,
                };
                let (values, valid) =
                    pick(&sources.iter().map(of).collect::<Vec<_>>(), rows, false);
                Column::Bool { values, valid }
            }
            Column::Date { .. } => {
                let of = |c: &&'a Column| match *c {
                    Column::Date { values, valid } => Some((&values[..], &valid[..])),
                    _ => None,
                };
                let (values, valid) = pick(&sources.iter().map(of).collect::<Vec<_>>(), rows, 0);
                Column::Date { values, valid }
            }
            Column::Text { .. } => {
                let mut dict = Dict::default();
                let maps: Vec<Option<(&[u32], Vec<u32>)>> = sources
                    .iter()
                    .map(|c| match c {
                        Column::Text { codes, dict: from } => {
                            Some((&codes[..], remap(&mut dict, from)))
                        }
                        _ => None,
                    })
                    .collect();
                let codes = rows
                    .iter()
                    .map(|&(t, r)| {
                        let Some(Some((codes, map))) = maps.get(t as usize) else {
                            return MISSING;
                        };
                        match codes.get(r as usize) {
                            Some(&c) if c != MISSING => {
                                map.get(c as usize).copied().unwrap_or(MISSING)
                            }
                            _ => MISSING,
                        }
                    })
                    .collect();
                Column::Text { codes, dict }
            }
            Column::TextList { .. } => {
                let mut dict = Dict::default();
                let maps: Vec<_> = sources
                    .iter()
                    .map(|c| match c {
                        Column::TextList {
                            offsets,
                            codes,
                            valid,
                            dict: from,
                        } => Some((&offsets[..], &codes[..], &valid[..], remap(&mut dict, from))),
                        _ => None,
                    })
                    .collect();
                let (mut offsets, mut codes, mut valid) =
                    (vec![0u32], Vec::new(), Vec::with_capacity(rows.len()));
                for &(t, r) in rows {
                    let r = r as usize;
                    let found =
                        maps.get(t as usize)
                            .and_then(|m| m.as_ref())
                            .and_then(|(o, c, v, map)| {
                                let items = c.get(*o.get(r)? as usize..*o.get(r + 1)? as usize)?;
                                Some((items, *v.get(r)?, map))
                            });
                    match found {
                        Some((items, ok, map)) => {
                            codes.extend(
                                items
                                    .iter()
                                    .map(|&c| map.get(c as usize).copied().unwrap_or(MISSING)),
                            );
                            valid.push(ok);
                        }
                        None => valid.push(false),
                    }
                    offsets.push(codes.len() as u32);
                }
                Column::TextList {
                    offsets,
                    codes,
                    valid,
                    dict,
                }
            }
            Column::Values(_) => Column::Values(
                rows.iter()
                    .map(|&(t, r)| match sources.get(t as usize) {
                        Some(Column::Values(v)) => v.get(r as usize).cloned().flatten(),
                        _ => None,
                    })
                    .collect(),
            ),
        }
    }

    /// Appends rows `rows` of `source`, a column of the same type (another type: their
    /// values, as [`Column::get`] gives them), text codes translated through `codes` (see
    /// [`CodeMap`]). The type is matched once for all the rows.
    fn copy_rows(&mut self, source: &Column, rows: std::ops::Range<usize>, codes: &mut Vec<u32>) {
        // The code here of `code` in `from`, looked up once.
        let translate = |codes: &mut [u32], dict: &mut Dict, from: &Dict, code: u32| {
            let slot = &mut codes[code as usize];
            if *slot == MISSING {
                *slot = dict.code_str(from.get(code).unwrap_or_default());
            }
            *slot
        };
        match (self, source) {
            (Column::Absent, _) => {}
            (
                Column::Number { values, valid },
                Column::Number {
                    values: v,
                    valid: ok,
                },
            )
            | (
                Column::Duration { values, valid },
                Column::Duration {
                    values: v,
                    valid: ok,
                },
            ) => {
                values.extend_from_slice(&v[rows.clone()]);
                valid.extend_from_slice(&ok[rows]);
            }
            (
                Column::Bool { values, valid },
                Column::Bool {
                    values: v,
                    valid: ok,
                },
            ) => {
                values.extend_from_slice(&v[rows.clone()]);
                valid.extend_from_slice(&ok[rows]);
            }
            (
                Column::Date { values, valid },
                Column::Date {
                    values: v,
                    valid: ok,
                },
            ) => {
                values.extend_from_slice(&v[rows.clone()]);
                valid.extend_from_slice(&ok[rows]);
            }
            (Column::Text { codes: to, dict }, Column::Text { codes: c, dict: d }) => {
                if codes.len() < d.len() {
                    codes.resize(d.len(), MISSING);
                }
                for &code in &c[rows] {
                    to.push(if code == MISSING {
                        MISSING
                    } else {
                        translate(codes, dict, d, code)
                    });
                }
            }
            (
                Column::TextList {
                    offsets,
                    codes: to,
                    valid,
                    dict,
                },
                Column::TextList {
                    offsets: o,
                    codes: c,
                    valid: ok,
                    dict: d,
                },
            ) => {
                if codes.len() < d.len() {
                    codes.resize(d.len(), MISSING);
                }
                for row in rows {
                    for &code in &c[o[row] as usize..o[row + 1] as usize] {
                        to.push(translate(codes, dict, d, code));
                    }
                    valid.push(ok[row]);
                    offsets.push(u32::try_from(to.len()).unwrap_or(u32::MAX));
                }
            }
            (column, source) => {
                for row in rows {
                    column.push(source.get(row));
                }
            }
        }
    }
}

/// Appends one row to columns indexed by field: each column's value from `values` (taken
/// out of it), missing where there is none.
fn push_row(columns: &mut [Column], values: &mut Vec<(FieldId, Value)>) {
    for (i, column) in columns.iter_mut().enumerate() {
        if matches!(column, Column::Absent) {
            continue;
        }
        match values.iter().position(|(f, _)| f.0 as usize == i) {
            Some(at) => column.push(Some(values.swap_remove(at).1)),
            None => column.push_missing(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A column gathered from several (each with its own dictionary) reads back, row by row,
    /// the values of the rows it names, whatever the type; a row that is not there, or of a
    /// column of another type, is missing.
    #[test]
    fn a_gathered_column_holds_the_rows_it_names() {
        let text = |s: &str| Some(Value::String(s.to_string()));
        let list = |items: &[&str]| {
            Some(Value::List(
                items.iter().map(|s| Value::String(s.to_string())).collect(),
            ))
        };
        let types = [
            Type::NUMBER,
            Type::Scalar(Scalar::Duration),
            Type::BOOL,
            Type::Scalar(Scalar::Date),
            Type::STRING,
            Type::STRING_LIST,
            Type::List(Some(Scalar::Number)),
        ];
        let values: [[Option<Value>; 3]; 7] = [
            [Some(Value::Number(1.5)), None, Some(Value::Number(-2.0))],
            [Some(Value::Duration(3.0)), Some(Value::Duration(0.5)), None],
            [Some(Value::Bool(true)), None, Some(Value::Bool(false))],
            [None, Some(Value::Date(20_000)), Some(Value::Date(-3))],
            [text("b"), None, text("a")],
            [list(&["x", "y"]), None, list(&[])],
            [Some(Value::List(vec![Value::Number(1.0)])), None, None],
        ];
        for (ty, values) in types.into_iter().zip(values) {
            // Two sources, their rows in another order each (so their dictionaries differ),
            // and a column of another type.
            let mut a = Column::for_type(ty);
            let mut b = Column::for_type(ty);
            for v in &values {
                a.push(v.clone());
            }
            for v in values.iter().rev() {
                b.push(v.clone());
            }
            let other = Column::for_type(if ty == Type::BOOL {
                Type::NUMBER
            } else {
                Type::BOOL
            });
            let rows = [
                (1, 0),
                (0, 2),
                (0, 0),
                (1, 1),
                (0, 1),
                (1, 2),
                (0, 7),
                (2, 0),
                (9, 0),
            ];
            let gathered = Column::gather(&[&a, &b, &other], &rows);
            let got: Vec<Option<Value>> = (0..rows.len()).map(|r| gathered.get(r)).collect();
            let want: Vec<Option<Value>> = rows
                .iter()
                .map(|&(t, r)| match (t, r) {
                    (0, r) if r < 3 => values[r as usize].clone(),
                    (1, r) if r < 3 => values[2 - r as usize].clone(),
                    _ => None,
                })
                .collect();
            assert_eq!(got, want, "{ty:?}");
        }
        assert!(matches!(Column::gather(&[], &[(0, 0)]), Column::Absent));
    }

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

    #[test]
    fn a_built_batch_gives_back_its_leads() {
        let schema = Schema::canonical();
        let f = |e, n| schema.lookup(e, n).expect("field");
        let mut b = BatchBuilder::new(&schema, 0);
        b.start_lead("a", 2);
        b.set_company(f(Entity::Company, "employees"), Value::Number(120.0));
        b.set_company(
            f(Entity::Company, "industry"),
            Value::List(vec![Value::String("Software".into())]),
        );
        b.start_contact();
        b.set_contact(f(Entity::Contact, "title"), Value::String("CFO".into()));
        b.start_contact();
        b.start_lead("b", 3);
        b.set_company(
            f(Entity::Company, "industry"),
            Value::List(vec![
                Value::String("Retail".into()),
                Value::String("Software".into()),
            ]),
        );
        let batch = b.finish();
        assert_eq!(batch.len(), 2);
        assert_eq!(batch.contact_offsets, [0, 2, 2]);
        let a = batch.lead(0);
        assert_eq!(
            a.company[f(Entity::Company, "employees").0 as usize],
            Some(Value::Number(120.0))
        );
        assert_eq!(a.contacts.len(), 2);
        assert_eq!(
            a.contacts[0][f(Entity::Contact, "title").0 as usize],
            Some(Value::String("CFO".into()))
        );
        assert_eq!(a.contacts[1][f(Entity::Contact, "title").0 as usize], None);
        let lead_b = batch.lead(1);
        assert_eq!(
            lead_b.company[f(Entity::Company, "employees").0 as usize],
            None
        );
        assert_eq!(
            lead_b.company[f(Entity::Company, "industry").0 as usize],
            Some(Value::List(vec![
                Value::String("Retail".into()),
                Value::String("Software".into())
            ]))
        );
        let Column::TextList { dict, .. } =
            &batch.company[f(Entity::Company, "industry").0 as usize]
        else {
            panic!("industry is a text list")
        };
        assert_eq!(dict.len(), 2, "Software is stored once");
    }

    #[test]
    fn adding_a_whole_row_equals_starting_it_and_setting_each_value() {
        let schema = Schema::canonical();
        let f = |e, n| schema.lookup(e, n).expect("field");
        let (employees, country, title) = (
            f(Entity::Company, "employees"),
            f(Entity::Company, "country"),
            f(Entity::Contact, "title"),
        );
        let mut one_by_one = BatchBuilder::new(&schema, 1);
        one_by_one.start_lead("a", 2);
        one_by_one.set_company(employees, Value::Number(120.0));
        one_by_one.set_company(country, Value::String("DE".into()));
        one_by_one.start_contact();
        one_by_one.set_contact(title, Value::String("CFO".into()));
        one_by_one.start_contact();
        let mut whole = BatchBuilder::new(&schema, 1);
        whole.add_lead(
            "a",
            2,
            vec![
                (country, Value::String("DE".into())),
                (employees, Value::Number(120.0)),
            ],
        );
        whole.add_contact(vec![(title, Value::String("CFO".into()))]);
        whole.add_contact(Vec::new());
        assert_eq!(one_by_one.finish(), whole.finish());
    }

    /// Rows opened and written value by value (lazily: a column given no value gets its
    /// missing one when the row closes) equal rows added whole; also with more than 64
    /// columns, whose rows open filled with missing values.
    #[test]
    fn rows_written_value_by_value_equal_rows_added_whole() {
        for custom in [0_usize, 70] {
            let mut schema = Schema::canonical();
            for n in 0..custom {
                schema
                    .add_custom(Entity::Company, &format!("extra{n}"), "number")
                    .expect("field");
            }
            let f = |e, n: &str| schema.lookup(e, n).expect("field");
            let (employees, country, tech) = (
                f(Entity::Company, "employees"),
                f(Entity::Company, "country"),
                f(Entity::Company, "technologies"),
            );
            let (title, seniority) = (f(Entity::Contact, "title"), f(Entity::Contact, "seniority"));
            let last = custom
                .checked_sub(1)
                .map(|n| f(Entity::Company, &format!("extra{n}")));
            let text = |t: &str| Value::String(t.into());
            let mut lazily = BatchBuilder::new(&schema, 0);
            lazily.open_lead();
            assert_eq!(lazily.open_text(country), None);
            lazily.put_text(country, "FR");
            lazily.put_text(country, "DE");
            assert_eq!(lazily.open_text(country), Some("DE"));
            lazily.put_number(employees, 120.0);
            lazily.put_list(tech, ["a", "b"].into_iter());
            lazily.put_list(tech, ["c"].into_iter());
            if let Some(last) = last {
                lazily.put_number(last, 7.0);
            }
            lazily.close_lead("a", 2);
            lazily.start_contact();
            lazily.put_text(title, "CFO");
            lazily.start_contact();
            lazily.start_contact();
            lazily.put_text(seniority, "VP");
            // Set while the row is open; a text put in a number column (stored as missing,
            // as a whole row stores it).
            lazily.open_lead();
            lazily.set_company(country, text("FR"));
            lazily.put_text(employees, "7");
            lazily.close_lead("b", 3);
            lazily.start_contact();
            lazily.set_contact(title, text("CEO"));

            let mut whole = BatchBuilder::new(&schema, 0);
            let mut first = vec![
                (country, text("DE")),
                (employees, Value::Number(120.0)),
                (tech, Value::List(vec![text("c")])),
            ];
            if let Some(last) = last {
                first.push((last, Value::Number(7.0)));
            }
            whole.add_lead("a", 2, first);
            whole.add_contact(vec![(title, text("CFO"))]);
            whole.add_contact(Vec::new());
            whole.add_contact(vec![(seniority, text("VP"))]);
            whole.add_lead("b", 3, vec![(country, text("FR")), (employees, text("7"))]);
            whole.add_contact(vec![(title, text("CEO"))]);
            // (A value set twice leaves its first in the dictionary: compared by value.)
            let leads = |b: Batch| -> Vec<_> {
                (0..b.len())
                    .map(|i| {
                        (
                            b.ids[i].to_string(),
                            b.lines[i],
                            b.contacts_of(i),
                            b.lead(i),
                        )
                    })
                    .collect()
            };
            assert_eq!(
                leads(lazily.finish()),
                leads(whole.finish()),
                "{custom} custom fields"
            );
        }
    }
}
