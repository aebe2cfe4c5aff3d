//! Quantifiers over each lead's contacts, counted from running sums rather than folded range
//! by range.
//!
//! How it works: the contacts of all leads lie end to end, lead `i`'s being the range
//! `offsets[i]..offsets[i + 1]`. [`range_counts`] adds the items up in one pass and takes the
//! difference of the sums at each range's ends, so a lead with many contacts costs no more
//! branches than one with none; `any`, `every` and `count` (and the list tests of
//! [`text`](super::text)) count their true and unknown items so. Over no contacts `any` is
//! false, `every` true and `count` zero; an unknown contact leaves `any`/`every` unknown
//! unless another decides it.

use super::evaluator::Vector;
use crate::semantics::Truth;

/// `any contact` (`every contact` when `every`) of each lead, from the truths of its body on
/// every contact: `any` is true when a contact is true, else unknown when one is unknown, else
/// false (over none too); `every` the other way round.
pub(super) fn any_or_every(offsets: &[u32], body: &[Truth], every: bool) -> Vector {
    let decisive = Truth::from_bool(!every);
    let decided = range_counts(offsets, body.iter().map(|t| *t == decisive));
    let unknown = range_counts(offsets, body.iter().map(|t| *t == Truth::Unknown));
    Vector::Truth(
        (decided.iter().zip(&unknown))
            .map(|(d, u)| match (*d > 0, *u > 0) {
                (true, _) => decisive,
                (false, true) => Truth::Unknown,
                (false, false) => !decisive,
            })
            .collect(),
    )
}

/// `count contacts` of each lead: all of them, or (with a `where` filter, its truth on every
/// contact) those for which it is true.
pub(super) fn count(offsets: &[u32], filter: Option<&[Truth]>) -> Vector {
    let counts = match filter {
        None => offsets.windows(2).map(|w| w[1] - w[0]).collect(),
        Some(t) => range_counts(offsets, t.iter().map(|t| *t == Truth::True)),
    };
    Vector::Numbers(counts.iter().map(|n| f64::from(*n)).collect())
}

/// For each range `offsets[i]..offsets[i + 1]` of a sequence, how many of its items are
/// `true`: one pass adding up the items, one taking the difference of the sums at each
/// range's ends, so a lead with many contacts (or a list with many items) costs no more
/// branches than one with none.
pub(super) fn range_counts(offsets: &[u32], items: impl Iterator<Item = bool>) -> Vec<u32> {
    let items_len = offsets.last().map_or(0, |n| *n as usize);
    let mut sums = Vec::with_capacity(items_len + 1);
    let mut sum = 0u32;
    sums.push(sum);
    sums.extend(items.take(items_len).map(|item| {
        sum += u32::from(item);
        sum
    }));
    sums.resize(items_len + 1, sum);
    offsets
        .windows(2)
        .map(|w| sums[w[1] as usize] - sums[w[0] as usize])
        .collect()
}
