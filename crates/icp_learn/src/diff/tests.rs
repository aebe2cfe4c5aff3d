//! Unit tests of the diff figures: counts against a plain count, merge order, quantiles.

use super::*;

fn shape(name: &str, tiers: &[&str]) -> IcpShape {
    IcpShape {
        name: name.into(),
        tiers: tiers.iter().map(|t| t.to_string()).collect(),
    }
}

fn side(tier: Option<usize>, score: f64) -> Option<Side> {
    Some(Side { tier, score })
}

fn none() -> (String, Option<String>, Vec<Criterion>, Vec<Criterion>) {
    ("x".into(), None, Vec::new(), Vec::new())
}

#[test]
fn icps_pair_by_name_and_one_sided_icps_move_from_or_to_no_tier() {
    let old = [shape("a", &["A", "B"]), shape("gone", &["A"])];
    let new = [shape("new", &["T"]), shape("a", &["A", "B"])];
    let mut f = DiffFigures::new(&old, &new, 5);
    assert_eq!(
        f.pairs(),
        &[(Some(0), Some(1)), (Some(1), None), (None, Some(0))]
    );
    f.count_lead();
    f.add(0, 0, side(Some(0), 50.0), side(Some(1), 30.0), none);
    f.add(0, 1, side(Some(0), 10.0), None, none);
    f.add(0, 2, None, side(None, 0.0), none);
    let r = f.report();
    assert_eq!(
        r.icps[0].moves,
        vec![Move {
            from: Some("A".into()),
            to: Some("B".into()),
            leads: 1
        }]
    );
    assert_eq!(r.icps[1].status, "removed");
    assert_eq!(r.icps[1].moves[0].to, None);
    assert_eq!(r.icps[2].status, "added");
    assert_eq!(
        r.icps[2].moves,
        vec![Move {
            from: None,
            to: None,
            leads: 1
        }]
    );
    assert_eq!(r.icps[2].moved, 0);
    assert!(r.icps[2].old_scores.is_none());
}

#[test]
fn movers_are_the_same_whatever_the_merge_order() {
    let shapes = [shape("a", &["A", "B"])];
    let leads: Vec<(Option<Side>, Option<Side>)> = (0..40)
        .map(|i| {
            let old = side(Some(i % 2), f64::from(i as u32 % 7));
            let new = side(Some((i / 3) % 2), f64::from(i as u32 % 5));
            (old, new)
        })
        .collect();
    let run = |chunks: &[std::ops::Range<usize>]| {
        let mut total = DiffFigures::new(&shapes, &shapes, 4);
        for range in chunks {
            let mut part = DiffFigures::new(&shapes, &shapes, 4);
            for i in range.clone() {
                part.count_lead();
                part.add(i as u64, 0, leads[i].0, leads[i].1, none);
            }
            total.merge(part);
        }
        total.report()
    };
    let one = run(&[0..20, 20..40]);
    let split = run(&[30..40, 0..11, 11..30]);
    assert_eq!(one, split);
    assert_eq!(one.leads, 40);
    let movers: Vec<u64> = one.icps[0].movers.iter().map(|m| m.index).collect();
    // A plain ranking: tier changed first, then the larger score change, then input order.
    let mut plain: Vec<(bool, f64, u64)> = leads
        .iter()
        .enumerate()
        .filter_map(|(i, (o, n))| {
            let (o, n) = (o.unwrap(), n.unwrap());
            let changed = o.tier != n.tier;
            let size = (n.score - o.score).abs();
            (changed || size != 0.0).then_some((changed, size, i as u64))
        })
        .collect();
    plain.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)));
    let plain: Vec<u64> = plain.iter().take(4).map(|k| k.2).collect();
    assert_eq!(movers, plain);
}

#[test]
fn quantiles_are_by_nearest_rank() {
    let mut counts = Counts::new();
    for s in [10.0, 20.0, 30.0, 40.0] {
        counts.insert(Score(s), 1);
    }
    let q = Quantiles::of(&counts);
    assert_eq!(
        (q.min, q.p25, q.median, q.p75, q.max),
        (Some(10.0), Some(10.0), Some(20.0), Some(30.0), Some(40.0))
    );
    assert_eq!(q.p90, Some(40.0));
    assert_eq!(q.mean, Some(25.0));
    let empty = Quantiles::of(&Counts::new());
    assert_eq!((empty.leads, empty.median, empty.mean), (0, None, None));
}

#[test]
fn criteria_compare_by_label_and_keep_one_sided_ones_that_count() {
    let c = |kind, label: &str, truth, points| Criterion {
        kind,
        label: label.into(),
        state: CriterionState { truth, points },
    };
    let old = [
        c("require", "size", "true", 0.0),
        c("score", "fintech", "true", 10.0),
        c("score", "same", "true", 5.0),
        c("exclude", "gone but false", "false", 0.0),
    ];
    let new = [
        c("require", "size", "false", 0.0),
        c("score", "fintech", "true", 20.0),
        c("score", "same", "true", 5.0),
        c("score", "added", "true", 3.0),
        c("score", "added but false", "false", 0.0),
    ];
    let changes = compare_criteria(&old, &new);
    let labels: Vec<&str> = changes.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels, ["size", "fintech", "added"]);
    assert!(changes[2].old.is_none());
}
