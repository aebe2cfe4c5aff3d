//! Who the best customers of `icp discover` are: the entries of a customers file, or the won
//! accounts of an outcomes file.
//!
//! How it works: [`Best::Listed`] wraps the customers file ([`Customers`]); [`Best::Won`]
//! holds an outcomes file read whole (`icp_io::outcomes`, as `icp backtest` reads it: the
//! same columns, presets, stages and rejects) and numbers its won accounts in the file's
//! account order. A lead is a best customer when it joins a won account exactly as
//! `icp backtest` joins it (by company id, else domain), so the two commands agree on who
//! won. Either way [`Best::find`] gives the entry (customer or won account) a lead matches,
//! which the counts use to tell how many entries matched no lead.

use std::collections::HashMap;

use icp_io::outcomes::{Account, DealOutcome, Outcomes};

use super::customers::Customers;

/// The best customers.
pub enum Best {
    /// The entries of `--customers FILE`.
    Listed(Customers),
    /// The won accounts of `--outcomes FILE`.
    Won(WonAccounts),
}

/// The won accounts of an outcomes file, numbered.
pub struct WonAccounts {
    outcomes: Outcomes,
    /// A won account's address → its number.
    numbers: HashMap<usize, usize>,
}

impl WonAccounts {
    pub fn new(outcomes: Outcomes) -> WonAccounts {
        let numbers = outcomes
            .accounts()
            .filter(|(_, a)| a.outcome == DealOutcome::Won)
            .enumerate()
            .map(|(n, (_, a))| (address(a), n))
            .collect();
        WonAccounts { outcomes, numbers }
    }

    pub fn outcomes(&self) -> &Outcomes {
        &self.outcomes
    }
}

fn address(account: &Account) -> usize {
    std::ptr::from_ref(account) as usize
}

impl Best {
    /// The number of entries: customers listed, or won accounts.
    pub fn entries(&self) -> usize {
        match self {
            Best::Listed(c) => c.entries.len(),
            Best::Won(w) => w.numbers.len(),
        }
    }

    /// The entry a lead (its company id and normalised domain) matches, if any.
    pub fn find(&self, id: &str, domain: Option<&str>) -> Option<usize> {
        match self {
            Best::Listed(c) => c.find(id, domain),
            Best::Won(w) => w
                .outcomes
                .account(id, domain)
                .and_then(|a| w.numbers.get(&address(a)).copied()),
        }
    }

    /// How the entries are named in messages.
    pub fn noun(&self) -> &'static str {
        match self {
            Best::Listed(_) => "customers",
            Best::Won(_) => "won accounts",
        }
    }
}
