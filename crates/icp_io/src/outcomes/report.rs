//! What a read of outcomes did: rows read and rejected, deals per outcome, unknown stages.
//!
//! How it works: the reader counts as it goes; every data row (JSON line) is a deal or a
//! reject, `rows_read == deals + rejected` ([`OutcomesReport::is_balanced`]), and every deal
//! is won, lost or open. [`OutcomesReport::lines`] gives the lines a command prints.

use std::collections::BTreeMap;

use serde::Serialize;

use super::config::OutcomesPreset;

/// The counts of one read of an outcomes file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutcomesReport {
    /// The preset the columns were read by (configured, or told from the headers).
    pub preset: OutcomesPreset,
    /// Data rows (non-blank lines, for JSON Lines).
    pub rows_read: u64,
    /// Rows that could not be read; they went to the rejects sink.
    pub rejected: u64,
    /// Rows read into deals: `won + lost + open`.
    pub deals: u64,
    pub won: u64,
    pub lost: u64,
    pub open: u64,
    /// Companies with at least one deal.
    pub accounts: u64,
    /// Stages no list names (read as open), as first written (they compare ignoring case)
    /// → deals.
    pub unknown_stages: BTreeMap<String, u64>,
    /// Columns (JSON keys) that feed nothing.
    pub unknown_columns: Vec<String>,
    /// What may make the read wrong though every row is accounted for (a file not in UTF-8).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl Default for OutcomesReport {
    fn default() -> Self {
        OutcomesReport {
            preset: OutcomesPreset::Plain,
            rows_read: 0,
            rejected: 0,
            deals: 0,
            won: 0,
            lost: 0,
            open: 0,
            accounts: 0,
            unknown_stages: BTreeMap::new(),
            unknown_columns: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

impl OutcomesReport {
    /// Whether every row is accounted for.
    pub fn is_balanced(&self) -> bool {
        self.rows_read == self.deals + self.rejected
            && self.deals == self.won + self.lost + self.open
    }

    /// `unknown stages: Demo (3), Pilot (1)` — most deals first, then by name — or `None`.
    pub fn unknown_stages_line(&self) -> Option<String> {
        if self.unknown_stages.is_empty() {
            return None;
        }
        let mut stages: Vec<(&String, &u64)> = self.unknown_stages.iter().collect();
        stages.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        let listed: Vec<String> = stages.iter().map(|(s, n)| format!("{s} ({n})")).collect();
        Some(format!(
            "unknown stages: {} (read as open; list them under [outcomes] won, lost or open)",
            listed.join(", ")
        ))
    }

    /// The lines a command prints about the read: the counts, the unknown stages and columns,
    /// the warnings.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "outcomes ({}): {} rows, {} deals ({} won, {} lost, {} open) of {} accounts, {} rejected",
            self.preset.name(),
            self.rows_read,
            self.deals,
            self.won,
            self.lost,
            self.open,
            self.accounts,
            self.rejected
        )];
        lines.extend(self.unknown_stages_line());
        if !self.unknown_columns.is_empty() {
            lines.push(format!(
                "outcomes columns not read: {}",
                self.unknown_columns.join(", ")
            ));
        }
        lines.extend(self.warnings.iter().cloned());
        lines
    }
}
