//! Filling a [`Batch`] one lead, and one contact, at a time: what readers see of a batch.
//!
//! How it works: a [`BatchBuilder`] keeps, for each of the companies' and the contacts'
//! columns that are read, the row being written. A row is either added whole
//! ([`add_lead`](BatchBuilder::add_lead), [`add_contact`](BatchBuilder::add_contact)) or
//! opened and written value by value, straight from a reader's cells; a bit per column marks
//! those given a value, and when the row closes the others get their missing value, so a row
//! costs nothing for the columns a reader leaves empty. Contacts continuing another batch's
//! run can be copied a column at a time, text codes translated through a [`CodeMap`].

use super::{Batch, Column, DICT_ROOM, Dict, Texts};
use std::sync::Arc;

use crate::schema::{Entity, FieldId, FieldKind, Schema, Type, Value};
use crate::vocab::Vocabulary;

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
    /// The vocabulary, when it maps industries as they are read, and which fields are of
    /// kind `industry`: a value put into one is replaced by its canonical industry
    /// ([`Vocabulary::canonical_industry`](crate::vocab::IndustryMap::canonical_industry)).
    industries: Option<(Arc<Vocabulary>, Vec<bool>)>,
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
        let industries = schema.vocabulary().industries.maps().then(|| {
            let fields = schema
                .fields()
                .map(|(_, f)| f.kind == FieldKind::Industry)
                .collect();
            (schema.vocabulary_shared(), fields)
        });
        BatchBuilder {
            kept,
            bits,
            open: [None, None],
            industries,
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
        let value = match self.industry_vocabulary(field) {
            Some(vocabulary) => vocabulary.industries.canonical_value(value),
            None => value,
        };
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
        let vocabulary = self.industry_vocabulary(field);
        let text = vocabulary
            .as_deref()
            .and_then(|v| v.industries.canonical_industry(text))
            .unwrap_or(text);
        match self.open_column(field) {
            Some(Column::Text { codes, dict }) => codes.push(dict.code_str(text)),
            Some(column) => column.push(Some(Value::String(text.to_string()))),
            None => {}
        }
    }

    /// Sets a list of text of the open row (a text list field) to `items`; how many there
    /// were. No items leave the value missing.
    pub fn put_list<'t>(&mut self, field: FieldId, items: impl Iterator<Item = &'t str>) -> usize {
        match self.industry_vocabulary(field) {
            Some(vocabulary) => {
                let items: Vec<&str> = items
                    .map(|item| {
                        vocabulary
                            .industries
                            .canonical_industry(item)
                            .unwrap_or(item)
                    })
                    .collect();
                self.put_list_as_read(field, items.into_iter())
            }
            None => self.put_list_as_read(field, items),
        }
    }

    /// The vocabulary mapping `field`'s values as they are read, if it is of kind `industry`
    /// and industries are mapped.
    fn industry_vocabulary(&self, field: FieldId) -> Option<Arc<Vocabulary>> {
        let (vocabulary, fields) = self.industries.as_ref()?;
        fields
            .get(field.0 as usize)
            .copied()
            .unwrap_or(false)
            .then(|| Arc::clone(vocabulary))
    }

    fn put_list_as_read<'t>(
        &mut self,
        field: FieldId,
        items: impl Iterator<Item = &'t str>,
    ) -> usize {
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
    /// Per column, indexed by the source code: the code here, or [`MISSING`](super::MISSING)
    /// when not yet looked up (sized to the source dictionary on first use).
    maps: Vec<Vec<u32>>,
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
