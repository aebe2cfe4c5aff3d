//! Signals over a batch whose leads are evaluated as of different dates.
//!
//! How it works: the ABI gives a call one `today` for all its rows (docs/plugins.md, "The
//! date a signal is asked for"), so [`Signals::fill_as_of`] with one date per lead groups the
//! batch's rows by date. For each date it copies those rows out with only the columns the
//! signal calls read ([`Batch::select_columns`]), fills that small batch as of the date
//! ([`Signals::fill`]: one call per signal), and gathers the per-date signal columns back into
//! the batch's row order ([`Column::gather`]). A plugin never sees a batch mixing dates and
//! needs no change; the cost is one call per signal and distinct date of the batch plus a copy
//! of the columns it reads, never an evaluator run per date. With one date for every lead, or
//! no signal call at all, it is [`Signals::fill`] itself.

use icp_engine::Entity;
use icp_engine::batch::{Batch, Column};
use icp_engine::eval::AsOf;

use crate::PluginError;
use crate::call::Signals;

impl Signals<'_> {
    /// Evaluates every signal call over the batch, each lead as of its date in `as_of`,
    /// into the batch's signal columns.
    pub fn fill_as_of(&self, batch: &mut Batch, as_of: AsOf<'_>) -> Result<(), PluginError> {
        let dates = match as_of {
            AsOf::PerLead(dates) if !self.calls.is_empty() && as_of.single().is_none() => dates,
            // One date for every lead, or no call to make it for: any date will do when
            // there is none (an empty batch) or no plugin is asked.
            _ => return self.fill(batch, as_of.single().unwrap_or_default()),
        };
        let (company, contacts) = self.columns_read(batch);
        let mut order: Vec<usize> = (0..batch.len()).collect();
        order.sort_by_key(|&row| dates[row]);
        let mut parts = Vec::new();
        let mut pairs = vec![(0u32, 0u32); batch.len()];
        for rows in order.chunk_by(|a, b| dates[*a] == dates[*b]) {
            let mut part = batch.select_columns(rows, &company, &contacts);
            self.fill(&mut part, dates[rows[0]])?;
            for (i, row) in rows.iter().enumerate() {
                pairs[*row] = (parts.len() as u32, i as u32);
            }
            parts.push(part);
        }
        batch.signals = (0..self.calls.len())
            .map(|s| {
                let columns: Vec<&Column> = parts.iter().map(|p| &p.signals[s]).collect();
                Column::gather(&columns, &pairs)
            })
            .collect();
        Ok(())
    }

    /// The company and contact columns some signal call reads, as masks over the batch's.
    fn columns_read(&self, batch: &Batch) -> (Vec<bool>, Vec<bool>) {
        let mut company = vec![false; batch.company.len()];
        let mut contacts = vec![false; batch.contacts.len()];
        for (entity, field, _) in self.calls.iter().flat_map(|c| &c.inputs) {
            let mask = match entity {
                Entity::Company => &mut company,
                Entity::Contact => &mut contacts,
            };
            if let Some(read) = mask.get_mut(field.0 as usize) {
                *read = true;
            }
        }
        (company, contacts)
    }
}
