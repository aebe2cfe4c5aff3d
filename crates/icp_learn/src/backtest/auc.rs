//! The ROC AUC of a score over won and lost leads, by the Mann–Whitney statistic.
//!
//! How it works: the AUC is the chance that a won lead picked at random scores above a lost
//! one picked at random, a tie counting half. The scores are sorted once; each run of equal
//! scores gives every won lead in it credit for the lost leads below the run plus half of the
//! lost leads in the run. `n log n` for the sort, one pass after it; `None` without both a
//! won and a lost lead.

/// The AUC of `(score, won)` pairs (NaN scores sort lowest), `None` unless there are won and
/// lost leads.
pub fn roc_auc(closed: &[(f64, bool)]) -> Option<f64> {
    let won = closed.iter().filter(|(_, w)| *w).count() as u64;
    let lost = closed.len() as u64 - won;
    if won == 0 || lost == 0 {
        return None;
    }
    let mut sorted: Vec<(f64, bool)> = closed.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Twice the credit, to stay in whole numbers: 2 per lost lead below, 1 per tie.
    let mut credit: u128 = 0;
    let mut lost_below: u128 = 0;
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        let (mut won_here, mut lost_here) = (0u128, 0u128);
        while j < sorted.len() && sorted[j].0.total_cmp(&sorted[i].0).is_eq() {
            if sorted[j].1 {
                won_here += 1;
            } else {
                lost_here += 1;
            }
            j += 1;
        }
        credit += won_here * (2 * lost_below + lost_here);
        lost_below += lost_here;
        i = j;
    }
    Some(credit as f64 / (2 * won as u128 * lost as u128) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_reversed_and_tied_scores() {
        assert_eq!(roc_auc(&[(2.0, true), (1.0, false)]), Some(1.0));
        assert_eq!(roc_auc(&[(1.0, true), (2.0, false)]), Some(0.0));
        assert_eq!(roc_auc(&[(1.0, true), (1.0, false)]), Some(0.5));
        // Won 3, 1; lost 2, 1: pairs (3>2) (3>1) (1<2) (1=1) → 2.5 of 4.
        let pairs = [(3.0, true), (1.0, true), (2.0, false), (1.0, false)];
        assert_eq!(roc_auc(&pairs), Some(0.625));
        assert_eq!(roc_auc(&[(1.0, true)]), None);
        assert_eq!(roc_auc(&[]), None);
    }
}
