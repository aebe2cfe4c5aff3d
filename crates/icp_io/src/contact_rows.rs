//! The contacts to call: one row per contact of every qualified lead, best tier first
//! (`icp score --contacts-out`).
//!
//! How it works: [`ContactFormatter::format_batch`] takes a batch, its results and each
//! contact's personas ([`ContactPersonas`]) and formats, on any thread, the row of every
//! contact of every qualified lead into a [`ContactRows`], each row's bytes with its sort key.
//! Which ICP a lead's rows show: its best ICP (the one `icp score` writes); a lead that
//! qualifies but that no ICP gives a tier is shown with the qualified ICP of the highest
//! score (the first declared on a tie). With `all`, a lead has rows for every ICP it
//! qualifies in. A lead that qualifies nowhere, or has no contacts, has no rows.
//! [`ContactTable`] keeps the batches' rows (their bytes, compactly, and a key of 32 bytes
//! each) until the end of the run and writes them sorted ([`ContactTable::write_sorted`]):
//! the best tier first (a tier declared earlier in its ICP is better, as for the best ICP;
//! no tier last), then the higher score, then input order (the lead's, then the ICP's
//! declaration order, then the contact's). Memory grows with the rows kept: about the size
//! of the written file plus 32 bytes a row.
//!
//! The columns are [`CONTACT_COLUMNS`], always all of them whatever the input has (a stable
//! header for CRM imports): a field the input lacks is an empty cell (`null` in JSON Lines).
//! `personas` lists the personas the contact matches in rule order, `;`-separated in CSV (an
//! array in JSON Lines); a persona is matched only when its condition is true for the
//! contact, never when it is unknown. CSV cells are quoted and guarded against spreadsheet
//! formulas as every CSV file `icp` writes (the `cells` module), unless told not to; `score`
//! is a number.

use std::io::{self, Write};

use icp_engine::batch::{Batch, Column};
use icp_engine::eval::columnar::ContactPersonas;
use icp_engine::result::BatchResults;
use icp_engine::{Entity, FieldId, Schema};
use serde::Serialize;

use crate::cells::csv_field;
use crate::write::{OutputFormat, json_number, number_cell};

/// The columns of a contact row, in order.
pub const CONTACT_COLUMNS: &[&str] = &[
    "lead_id",
    "company",
    "icp",
    "tier",
    "score",
    "name",
    "email",
    "phone",
    "title",
    "seniority",
    "department",
    "linkedin",
    "personas",
];

/// The contact fields written, in [`CONTACT_COLUMNS`] order (`name` to `linkedin`).
const CONTACT_FIELDS: [&str; 7] = [
    "name",
    "email",
    "phone",
    "title",
    "seniority",
    "department",
    "linkedin",
];

/// The fields the contact rows read, for the reader to parse them (indexed by `FieldId`,
/// as [`RuleSet::fields_read`](icp_engine::ir::RuleSet::fields_read)).
pub fn contact_fields_read(schema: &Schema, read: &mut [bool]) {
    let company = schema.lookup(Entity::Company, "name");
    let contact = CONTACT_FIELDS.map(|f| schema.lookup(Entity::Contact, f));
    for f in contact.iter().chain([&company]).flatten() {
        if let Some(r) = read.get_mut(f.0 as usize) {
            *r = true;
        }
    }
}

/// Where a row goes in the sorted output: the best tier first, then the higher score, then
/// input order.
#[derive(Debug, Clone, Copy, PartialEq)]
struct SortKey {
    /// The tier's index in its ICP, `u32::MAX` for none.
    tier: u32,
    score: f64,
    /// The batch's number in reading order, then the lead's row in it.
    lead: (u32, u32),
    icp: u32,
    contact: u32,
}

impl SortKey {
    fn order(&self, other: &SortKey) -> std::cmp::Ordering {
        self.tier
            .cmp(&other.tier)
            .then(other.score.total_cmp(&self.score))
            .then(self.lead.cmp(&other.lead))
            .then(self.icp.cmp(&other.icp))
            .then(self.contact.cmp(&other.contact))
    }
}

/// The contact rows of one batch: their bytes end to end, each row's key and end.
#[derive(Debug, Default)]
pub struct ContactRows {
    bytes: Vec<u8>,
    rows: Vec<(SortKey, usize)>,
}

impl ContactRows {
    /// How many rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Row `i`'s bytes.
    fn row(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.rows[i - 1].1 };
        &self.bytes[start..self.rows[i].1]
    }
}

/// Formats contact rows; see the module documentation.
#[derive(Debug, Clone)]
pub struct ContactFormatter {
    format: OutputFormat,
    all: bool,
    guard_formulas: bool,
    company_name: Option<FieldId>,
    fields: [Option<FieldId>; 7],
}

/// A contact row in JSON Lines: the keys of [`CONTACT_COLUMNS`], in order.
#[derive(Serialize)]
struct JsonContact<'a> {
    lead_id: &'a str,
    company: Option<&'a str>,
    icp: &'a str,
    tier: Option<&'a str>,
    score: serde_json::Value,
    name: Option<&'a str>,
    email: Option<&'a str>,
    phone: Option<&'a str>,
    title: Option<&'a str>,
    seniority: Option<&'a str>,
    department: Option<&'a str>,
    linkedin: Option<&'a str>,
    personas: Vec<&'a str>,
}

impl ContactFormatter {
    /// Rows in `format`; `all` for every ICP a lead qualifies in; `guard_formulas` puts a
    /// `'` in front of CSV text cells that would open a formula.
    pub fn new(
        schema: &Schema,
        format: OutputFormat,
        all: bool,
        guard_formulas: bool,
    ) -> ContactFormatter {
        ContactFormatter {
            format,
            all,
            guard_formulas,
            company_name: schema.lookup(Entity::Company, "name"),
            fields: CONTACT_FIELDS.map(|f| schema.lookup(Entity::Contact, f)),
        }
    }

    /// The rows of batch number `seq` (reading order): lead `i` of `results` is lead `i` of
    /// `batch`, and `personas` are its contacts'.
    pub fn format_batch(
        &self,
        seq: usize,
        batch: &Batch,
        results: &BatchResults,
        personas: &ContactPersonas,
    ) -> io::Result<ContactRows> {
        let rules = results.rules();
        let mut out = ContactRows::default();
        let mut icps = Vec::new();
        for (lead, id) in batch.ids.iter().enumerate() {
            let contacts = batch.contacts_of(lead);
            if contacts.is_empty() {
                continue;
            }
            self.icps_shown(results, lead, &mut icps);
            let company = text(self.company_name, &batch.company, lead);
            for &icp in &icps {
                let (tier, score) = results.tier_and_score(lead, icp);
                let def = &rules.icps[icp];
                let tier_name = tier.map(|t| def.tiers[t].name.as_str());
                for (k, c) in contacts.clone().enumerate() {
                    let cells = self.fields.map(|f| text(f, &batch.contacts, c));
                    let names = personas.matched(c).map(|p| rules.personas[p].name.as_str());
                    match self.format {
                        OutputFormat::Csv => {
                            let guard = self.guard_formulas;
                            let b = &mut out.bytes;
                            for (i, cell) in [Some(id), company, Some(&def.name), tier_name]
                                .into_iter()
                                .enumerate()
                            {
                                if i > 0 {
                                    b.push(b',');
                                }
                                csv_field(b, cell.unwrap_or("").as_bytes(), guard);
                            }
                            b.push(b',');
                            number_cell(b, score);
                            for cell in cells {
                                b.push(b',');
                                csv_field(b, cell.unwrap_or("").as_bytes(), guard);
                            }
                            b.push(b',');
                            let joined = names.collect::<Vec<_>>().join(";");
                            csv_field(b, joined.as_bytes(), guard);
                            b.push(b'\n');
                        }
                        OutputFormat::JsonLines => {
                            let [name, email, phone, title, seniority, department, linkedin] =
                                cells;
                            let row = JsonContact {
                                lead_id: id,
                                company,
                                icp: &def.name,
                                tier: tier_name,
                                score: json_number(score),
                                name,
                                email,
                                phone,
                                title,
                                seniority,
                                department,
                                linkedin,
                                personas: names.collect(),
                            };
                            serde_json::to_writer(&mut out.bytes, &row)
                                .map_err(io::Error::other)?;
                            out.bytes.push(b'\n');
                        }
                    }
                    let key = SortKey {
                        tier: tier.map_or(u32::MAX, |t| t as u32),
                        score,
                        lead: (seq as u32, lead as u32),
                        icp: icp as u32,
                        contact: k as u32,
                    };
                    out.rows.push((key, out.bytes.len()));
                }
            }
        }
        Ok(out)
    }

    /// The ICPs lead `lead`'s rows show, into `icps`: see the module documentation.
    fn icps_shown(&self, results: &BatchResults, lead: usize, icps: &mut Vec<usize>) {
        icps.clear();
        let qualified = (0..results.icps()).filter(|&i| qualified(results, lead, i));
        if self.all {
            icps.extend(qualified);
        } else if let Some(best) = results.best(lead) {
            icps.push(best);
        } else if let Some(first) = qualified.reduce(|a, b| {
            // The higher score; the first declared on a tie.
            let score = |i| results.tier_and_score(lead, i).1;
            if score(b) > score(a) { b } else { a }
        }) {
            icps.push(first);
        }
    }
}

/// The text of `field` in row `row` of `columns`, if the input has it.
fn text(field: Option<FieldId>, columns: &[Column], row: usize) -> Option<&str> {
    field
        .and_then(|f| columns.get(f.0 as usize))
        .and_then(|c| c.text(row))
}

/// Whether lead `lead` qualifies in ICP `icp`.
fn qualified(results: &BatchResults, lead: usize, icp: usize) -> bool {
    match results.whole_result(lead, icp) {
        Some(r) => r.qualified,
        None => results.columns(icp).qualified(lead),
    }
}

/// Every batch's contact rows, kept until the run ends and then written sorted.
#[derive(Debug)]
pub struct ContactTable {
    format: OutputFormat,
    batches: Vec<ContactRows>,
}

impl ContactTable {
    pub fn new(format: OutputFormat) -> ContactTable {
        ContactTable {
            format,
            batches: Vec::new(),
        }
    }

    /// Keeps a batch's rows (batches may come in any order: the keys hold the input order).
    pub fn add(&mut self, rows: ContactRows) {
        if !rows.is_empty() {
            self.batches.push(rows);
        }
    }

    /// Writes the header (CSV) and every row, sorted; returns how many rows.
    pub fn write_sorted(&self, out: &mut impl Write) -> io::Result<u64> {
        if self.format == OutputFormat::Csv {
            let mut header = Vec::new();
            for (i, column) in CONTACT_COLUMNS.iter().enumerate() {
                if i > 0 {
                    header.push(b',');
                }
                csv_field(&mut header, column.as_bytes(), false);
            }
            header.push(b'\n');
            out.write_all(&header)?;
        }
        let mut order: Vec<(u32, u32)> = (self.batches.iter().enumerate())
            .flat_map(|(b, rows)| (0..rows.len()).map(move |r| (b as u32, r as u32)))
            .collect();
        let key = |&(b, r): &(u32, u32)| &self.batches[b as usize].rows[r as usize].0;
        order.sort_unstable_by(|x, y| key(x).order(key(y)));
        for &(b, r) in &order {
            out.write_all(self.batches[b as usize].row(r as usize))?;
        }
        Ok(order.len() as u64)
    }
}
