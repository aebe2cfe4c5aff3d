//! The backtest's figures against a deliberately plain computation over random leads: every
//! figure recomputed by filtering the whole list of leads, the AUC by comparing every won
//! lead with every lost one, the Wilson interval from its textbook formula.

use proptest::prelude::*;

use super::*;

fn outcome() -> impl Strategy<Value = Outcome> {
    prop_oneof![
        Just(Outcome::Won),
        Just(Outcome::Lost),
        Just(Outcome::Open),
        Just(Outcome::None)
    ]
}

const KINDS: [CriterionKind; 6] = [
    CriterionKind::Require,
    CriterionKind::Exclude,
    CriterionKind::Score(10.0),
    CriterionKind::Score(-5.0),
    CriterionKind::Score(0.0),
    CriterionKind::Persona,
];

/// ICPs of 0 to 3 tiers and 0 to 4 criteria, and leads with scores from a few values (ties),
/// tiers (some out of range), truths and outcomes.
fn case() -> impl Strategy<Value = (Vec<IcpSpec>, Vec<LeadRow>)> {
    let spec = (0usize..4, prop::collection::vec(0usize..KINDS.len(), 0..5));
    prop::collection::vec(spec, 1..3).prop_flat_map(|shapes| {
        let specs: Vec<IcpSpec> = shapes
            .iter()
            .enumerate()
            .map(|(i, (tiers, kinds))| IcpSpec {
                name: format!("icp{i}"),
                tiers: (0..*tiers).map(|t| format!("T{t}")).collect(),
                criteria: kinds
                    .iter()
                    .enumerate()
                    .map(|(c, k)| Criterion {
                        label: format!("c{c}"),
                        kind: KINDS[*k],
                    })
                    .collect(),
            })
            .collect();
        let icp_leads: Vec<_> = shapes
            .iter()
            .map(|(tiers, kinds)| {
                (
                    -3i32..14,
                    prop::option::of(0..*tiers + 1),
                    prop::collection::vec(prop::option::of(any::<bool>()), kinds.len()),
                    prop_oneof![Just(0.0), Just(10.0)],
                )
                    .prop_map(|(score, tier, truths, max)| IcpLead {
                        score: f64::from(score),
                        max_score: max,
                        tier,
                        truths,
                    })
            })
            .collect();
        let lead = (outcome(), 0u32..1000, icp_leads).prop_map(|(outcome, amount, icps)| LeadRow {
            outcome,
            amount_won: if outcome == Outcome::Won {
                f64::from(amount)
            } else {
                0.0
            },
            icps,
        });
        (Just(specs), prop::collection::vec(lead, 0..60))
    })
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-9,
        (None, None) => true,
        _ => false,
    }
}

/// The textbook Wilson interval at z = 1.96 (more digits).
fn wilson(k: u64, n: u64) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    let (k, n, z) = (k as f64, n as f64, 1.959_963_984_540_054);
    let p = k / n;
    let centre = p + z * z / (2.0 * n);
    let spread = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    let d = 1.0 + z * z / n;
    Some((
        ((centre - spread) / d).max(0.0),
        ((centre + spread) / d).min(1.0),
    ))
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn figures_match_a_plain_computation((specs, leads) in case()) {
        // Counted in two halves and merged, as the command counts batches.
        let mut bt = Backtest::new(specs.clone());
        let mut second = bt.empty_like();
        for (i, lead) in leads.iter().enumerate() {
            if i % 2 == 0 { bt.add(lead) } else { second.add(lead) }
        }
        bt.merge(second);
        let report = bt.finish(7);
        prop_assert_eq!(report.unmatched_accounts, 7);

        let is = |o: Outcome| move |l: &&LeadRow| l.outcome == o;
        let won = leads.iter().filter(is(Outcome::Won)).count() as u64;
        let lost = leads.iter().filter(is(Outcome::Lost)).count() as u64;
        let open = leads.iter().filter(is(Outcome::Open)).count() as u64;
        let base_rate = ratio(won, won + lost);
        prop_assert_eq!(report.base.accounts, leads.len() as u64);
        prop_assert_eq!((report.base.won, report.base.lost, report.base.open), (won, lost, open));
        prop_assert!(close(report.base.win_rate, base_rate));

        for (i, (spec, icp)) in specs.iter().zip(&report.icps).enumerate() {
            prop_assert_eq!(&icp.icp, &spec.name);
            prop_assert_eq!(icp.tiers.len(), spec.tiers.len());
            // Tiers, then no tier (a tier index out of range is no tier).
            for t in 0..=spec.tiers.len() {
                let figures = if t < spec.tiers.len() { &icp.tiers[t] } else { &icp.not_qualified };
                let in_tier: Vec<&LeadRow> = leads
                    .iter()
                    .filter(|l| {
                        let tier = l.icps[i].tier.filter(|x| *x < spec.tiers.len());
                        if t < spec.tiers.len() { tier == Some(t) } else { tier.is_none() }
                    })
                    .collect();
                let w = in_tier.iter().filter(|l| l.outcome == Outcome::Won).count() as u64;
                let l = in_tier.iter().filter(|l| l.outcome == Outcome::Lost).count() as u64;
                let o = in_tier.iter().filter(|l| l.outcome == Outcome::Open).count() as u64;
                let amount: f64 = in_tier.iter().map(|l| l.amount_won).sum();
                prop_assert_eq!(figures.tier.clone(), spec.tiers.get(t).cloned());
                prop_assert_eq!(figures.accounts, in_tier.len() as u64);
                prop_assert_eq!((figures.won, figures.lost, figures.open), (w, l, o));
                let rate = ratio(w, w + l);
                prop_assert!(close(figures.win_rate, rate));
                let interval = wilson(w, w + l);
                prop_assert!(close(figures.win_rate_low, interval.map(|x| x.0)));
                prop_assert!(close(figures.win_rate_high, interval.map(|x| x.1)));
                let lift = match (rate, base_rate) {
                    (Some(r), Some(b)) if b > 0.0 => Some(r / b),
                    _ => None,
                };
                prop_assert!(close(figures.lift, lift));
                prop_assert!(close(figures.wins_captured, ratio(w, won)));
                prop_assert!((figures.amount_won - amount).abs() < 1e-6);
            }
            // AUC: every won lead against every lost one.
            let scores = |o: Outcome| -> Vec<f64> {
                leads.iter().filter(|l| l.outcome == o).map(|l| l.icps[i].score).collect()
            };
            let (ws, ls) = (scores(Outcome::Won), scores(Outcome::Lost));
            let mut credit = 0.0;
            for a in &ws {
                for b in &ls {
                    credit += if a > b { 1.0 } else if a == b { 0.5 } else { 0.0 };
                }
            }
            let auc = (!ws.is_empty() && !ls.is_empty())
                .then(|| credit / (ws.len() * ls.len()) as f64);
            prop_assert!(close(icp.auc, auc));
            // Bands: the highest tenth of the maximum the score reaches.
            for (k, band) in icp.calibration.iter().enumerate() {
                let in_band: Vec<&LeadRow> = leads
                    .iter()
                    .filter(|l| {
                        let (s, m) = (l.icps[i].score, l.icps[i].max_score);
                        let b = if m <= 0.0 || s <= 0.0 {
                            0
                        } else {
                            (0..BANDS).rev().find(|k| s * 10.0 >= *k as f64 * m).unwrap_or(0)
                        };
                        b == k
                    })
                    .collect();
                let w = in_band.iter().filter(|l| l.outcome == Outcome::Won).count() as u64;
                let l = in_band.iter().filter(|l| l.outcome == Outcome::Lost).count() as u64;
                prop_assert_eq!(band.accounts, in_band.len() as u64);
                prop_assert_eq!((band.won, band.lost), (w, l));
                prop_assert!(close(band.win_rate, ratio(w, w + l)));
            }
            // Criteria: unknown is not "holds".
            for (c, (criterion, figures)) in spec.criteria.iter().zip(&icp.criteria).enumerate() {
                let holds = |l: &&LeadRow| l.icps[i].truths[c] == Some(true);
                let all = leads.iter().filter(holds).count() as u64;
                let w = leads.iter().filter(holds).filter(|l| l.outcome == Outcome::Won).count() as u64;
                let l = leads.iter().filter(holds).filter(|l| l.outcome == Outcome::Lost).count() as u64;
                prop_assert_eq!(&figures.label, &criterion.label);
                prop_assert_eq!(figures.kind, criterion.kind.name());
                prop_assert!(close(figures.holds_won, ratio(w, won)));
                prop_assert!(close(figures.holds_lost, ratio(l, lost)));
                let lift = match (ratio(w, w + l), base_rate) {
                    (Some(r), Some(b)) if b > 0.0 => Some(r / b),
                    _ => None,
                };
                prop_assert!(close(figures.lift, lift));
                let mut flags = Vec::new();
                if all == 0 { flags.push(Flag::NeverHolds); }
                if !leads.is_empty() && all == leads.len() as u64 { flags.push(Flag::AlwaysHolds); }
                if won > 0 && lost > 0 {
                    let (hw, hl) = (w as f64 / won as f64, l as f64 / lost as f64);
                    let wrong = match criterion.kind {
                        CriterionKind::Require | CriterionKind::Persona => hl > hw,
                        CriterionKind::Exclude => hw > hl,
                        CriterionKind::Score(p) => (p > 0.0 && hl > hw) || (p < 0.0 && hw > hl),
                    };
                    if wrong { flags.push(Flag::WrongWay); }
                }
                prop_assert_eq!(&figures.flags, &flags);
            }
        }
    }
}

#[test]
fn bands_are_tenths_of_the_maximum() {
    assert_eq!(band(0.0, 10.0), 0);
    assert_eq!(band(-4.0, 10.0), 0);
    assert_eq!(band(0.99, 10.0), 0);
    assert_eq!(band(1.0, 10.0), 1);
    assert_eq!(band(3.0, 10.0), 3);
    assert_eq!(band(10.0, 10.0), 9);
    assert_eq!(band(25.0, 10.0), 9);
    assert_eq!(band(5.0, 0.0), 0);
}
