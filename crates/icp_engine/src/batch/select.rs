//! Some leads of one or several batches, with their contacts, as a batch of their own.
//!
//! How it works: [`Batch::gather`] takes a list of `(batch, row)` pairs and builds the batch
//! whose lead `i` is that row: each company column is one [`Column::gather`] over the same
//! field of every source (text re-coded into one dictionary), the contacts of the chosen
//! leads are listed as `(batch, contact row)` pairs in the same order and gathered the same
//! way, with new offsets. Ids and input lines are copied. Signal columns are left empty: they
//! are what a plugin says as of some date, and the gathered batch is filled again (this is how
//! `icp backtest` evaluates leads as of their own dates, docs/plugins.md).
//! [`Batch::select`] is the same over one batch; [`Batch::select_columns`] copies only some
//! columns (the others absent), what a plugin call over some of a batch's leads reads.

use super::{Batch, Column, Texts};

impl Batch {
    /// The batch whose lead `i` is lead `rows[i].1` of `sources[rows[i].0]`, with its
    /// contacts; no signal columns. Every pair must name a lead of its batch.
    pub fn gather(sources: &[&Batch], rows: &[(u32, u32)]) -> Batch {
        Batch::gather_some(sources, rows, None)
    }

    /// [`Batch::gather`], copying only the company and contact columns `keep` marks when
    /// given (the others are [`Column::Absent`]).
    fn gather_some(sources: &[&Batch], rows: &[(u32, u32)], keep: Option<Keep<'_>>) -> Batch {
        let mut ids = Texts::default();
        let mut lines = Vec::with_capacity(rows.len());
        let mut contact_rows = Vec::new();
        let mut contact_offsets = Vec::with_capacity(rows.len() + 1);
        contact_offsets.push(0u32);
        for &(b, r) in rows {
            let source = sources[b as usize];
            let r = r as usize;
            ids.push(&source.ids[r]);
            lines.push(source.lines[r]);
            contact_rows.extend(source.contacts_of(r).map(|c| (b, c as u32)));
            contact_offsets.push(u32::try_from(contact_rows.len()).unwrap_or(u32::MAX));
        }
        let columns = |of: fn(&Batch) -> &Vec<Column>,
                       kept: Option<&[bool]>,
                       rows: &[(u32, u32)]|
         -> Vec<Column> {
            let fields = sources.first().map_or(0, |s| of(s).len());
            (0..fields)
                .map(|f| {
                    if kept.is_some_and(|k| !k.get(f).copied().unwrap_or(false)) {
                        return Column::Absent;
                    }
                    let column: Vec<&Column> = sources.iter().map(|s| &of(s)[f]).collect();
                    Column::gather(&column, rows)
                })
                .collect()
        };
        Batch {
            ids,
            lines,
            company: columns(|b| &b.company, keep.map(|k| k.company), rows),
            contacts: columns(|b| &b.contacts, keep.map(|k| k.contacts), &contact_rows),
            contact_offsets,
            signals: Vec::new(),
        }
    }

    /// The batch of leads `rows` of this one (in that order), with their contacts; no signal
    /// columns.
    pub fn select(&self, rows: &[usize]) -> Batch {
        let pairs: Vec<(u32, u32)> = rows.iter().map(|&r| (0, r as u32)).collect();
        Batch::gather(&[self], &pairs)
    }

    /// [`Batch::select`] with only the company columns `company[f]` marks and the contact
    /// columns `contacts[f]` marks; the others (and those past the ends of the masks) are
    /// [`Column::Absent`].
    pub fn select_columns(&self, rows: &[usize], company: &[bool], contacts: &[bool]) -> Batch {
        let pairs: Vec<(u32, u32)> = rows.iter().map(|&r| (0, r as u32)).collect();
        Batch::gather_some(&[self], &pairs, Some(Keep { company, contacts }))
    }
}

/// The columns [`Batch::select_columns`] copies.
#[derive(Clone, Copy)]
struct Keep<'a> {
    company: &'a [bool],
    contacts: &'a [bool],
}

#[cfg(test)]
mod tests {
    use crate::batch::BatchBuilder;
    use crate::lead::Lead;
    use crate::schema::{Entity, Schema, Value};

    use super::*;

    /// A batch of `n` leads: employees `i`, industry `"i{i % 3}"`, `i % 3` contacts titled
    /// `"t{i}-{c}"`, some values missing.
    fn batch(schema: &Schema, n: usize, first: usize) -> Batch {
        let employees = schema.lookup(Entity::Company, "employees").expect("field");
        let industry = schema.lookup(Entity::Company, "industry").expect("field");
        let title = schema.lookup(Entity::Contact, "title").expect("field");
        let mut builder = BatchBuilder::new(schema, 0);
        for k in 0..n {
            let i = first + k;
            let mut values = vec![(industry, Value::String(format!("i{}", i % 3)))];
            if !i.is_multiple_of(4) {
                values.push((employees, Value::Number(i as f64)));
            }
            builder.add_lead(&format!("L{i}"), i as u64 + 2, values);
            for c in 0..i % 3 {
                builder.add_contact(vec![(title, Value::String(format!("t{i}-{c}")))]);
            }
        }
        builder.finish()
    }

    fn leads(b: &Batch) -> Vec<(String, u64, Lead)> {
        (0..b.len())
            .map(|i| (b.ids[i].to_string(), b.lines[i], b.lead(i)))
            .collect()
    }

    #[test]
    fn gathered_leads_are_the_rows_they_name_with_their_contacts() {
        let schema = Schema::canonical();
        let (a, b) = (batch(&schema, 7, 0), batch(&schema, 5, 100));
        let rows = [(1, 4), (0, 2), (0, 0), (1, 1), (0, 6), (0, 2)];
        let gathered = Batch::gather(&[&a, &b], &rows);
        let (la, lb) = (leads(&a), leads(&b));
        let want: Vec<_> = rows
            .iter()
            .map(|&(s, r)| [&la, &lb][s as usize][r as usize].clone())
            .collect();
        assert_eq!(leads(&gathered), want);
        assert!(gathered.signals.is_empty());
    }

    #[test]
    fn selecting_rows_of_one_batch() {
        let schema = Schema::canonical();
        let a = batch(&schema, 9, 0);
        let all = leads(&a);
        let picked = a.select(&[8, 3, 5]);
        assert_eq!(
            leads(&picked),
            [all[8].clone(), all[3].clone(), all[5].clone()]
        );
        assert!(a.select(&[]).is_empty());
    }

    #[test]
    fn selecting_some_columns_leaves_the_others_absent() {
        let schema = Schema::canonical();
        let a = batch(&schema, 9, 0);
        let industry = schema.lookup(Entity::Company, "industry").expect("field");
        let title = schema.lookup(Entity::Contact, "title").expect("field");
        let mut company = vec![false; a.company.len()];
        company[industry.0 as usize] = true;
        let mut contacts = vec![false; a.contacts.len()];
        contacts[title.0 as usize] = true;
        let rows = [7, 2, 5];
        let some = a.select_columns(&rows, &company, &contacts);
        let all = a.select(&rows);
        assert_eq!(some.contact_offsets, all.contact_offsets);
        for (f, (got, want)) in some.company.iter().zip(&all.company).enumerate() {
            if f == industry.0 as usize {
                assert_eq!(got, want);
            } else {
                assert!(matches!(got, Column::Absent), "company column {f}");
            }
        }
        for (f, (got, want)) in some.contacts.iter().zip(&all.contacts).enumerate() {
            if f == title.0 as usize {
                assert_eq!(got, want);
            } else {
                assert!(matches!(got, Column::Absent), "contact column {f}");
            }
        }
    }
}
