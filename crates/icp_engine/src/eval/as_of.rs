//! The date a batch of leads is evaluated as of: one for every lead, or one per lead.
//!
//! How it works: `today` and every date builtin (`days_since`) read the date of the lead they
//! are evaluated for. [`AsOf::Date`] is the usual case, one date for the whole run (`icp
//! score --as-of`); [`AsOf::PerLead`] gives each lead its own, which is how `icp backtest`
//! evaluates each lead as of its deal's created date in one evaluator run over leads of many
//! dates (docs/backtest.md, "No leakage"). A plain `i32` converts into [`AsOf::Date`], so the
//! evaluators' entry points take either. The reference evaluator takes one lead at a time and
//! so one date at a time: its result for a lead as of `dates[i]` is what the columnar
//! evaluator gives lead `i` under `AsOf::PerLead(dates)` (tests/evaluator_props.rs).

/// The date (days since 1970-01-01) each lead of a batch is evaluated as of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsOf<'a> {
    /// Every lead as of the same date.
    Date(i32),
    /// Lead `i` as of `dates[i]`; one date per lead of the batch.
    PerLead(&'a [i32]),
}

impl From<i32> for AsOf<'_> {
    fn from(today: i32) -> Self {
        AsOf::Date(today)
    }
}

impl<'a> From<&'a [i32]> for AsOf<'a> {
    fn from(dates: &'a [i32]) -> Self {
        AsOf::PerLead(dates)
    }
}

impl AsOf<'_> {
    /// The date lead `lead` is evaluated as of.
    pub fn of_lead(&self, lead: usize) -> i32 {
        match self {
            AsOf::Date(d) => *d,
            AsOf::PerLead(dates) => dates[lead],
        }
    }

    /// The one date of every lead, if there is one (a per-lead list of a single distinct
    /// date included).
    pub fn single(&self) -> Option<i32> {
        match self {
            AsOf::Date(d) => Some(*d),
            AsOf::PerLead(dates) => match dates.split_first() {
                Some((first, rest)) if rest.iter().all(|d| d == first) => Some(*first),
                _ => None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_is_every_leads_and_a_list_is_each_leads_own() {
        assert_eq!(AsOf::from(7).of_lead(3), 7);
        let dates = [5, 9, 5];
        let per = AsOf::from(&dates[..]);
        assert_eq!((per.of_lead(0), per.of_lead(1)), (5, 9));
        assert_eq!(per.single(), None);
        assert_eq!(AsOf::PerLead(&[4, 4]).single(), Some(4));
        assert_eq!(AsOf::Date(2).single(), Some(2));
    }
}
