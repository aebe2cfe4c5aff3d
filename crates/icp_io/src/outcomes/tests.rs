//! Accounts gathered from deals: the outcome order, amounts and dates.

use super::*;

fn deal(
    outcome: DealOutcome,
    amount: Option<f64>,
    created: Option<i32>,
    closed: Option<i32>,
) -> Deal {
    Deal {
        keys: vec![Key::Id("1".to_string())],
        outcome,
        amount,
        created,
        closed,
        unknown_stage: None,
    }
}

#[test]
fn an_account_is_won_if_any_deal_is_else_lost_if_any_is_else_open() {
    use DealOutcome::*;
    for (deals, expected) in [
        (&[Open, Lost, Won][..], Won),
        (&[Open, Lost, Open], Lost),
        (&[Open, Open], Open),
        (&[Won, Lost], Won),
    ] {
        let mut outcomes = Outcomes::default();
        for d in deals {
            outcomes.add(&deal(*d, None, None, None));
        }
        let account = outcomes.account("1", None).unwrap();
        assert_eq!(account.outcome, expected, "{deals:?}");
        assert_eq!(account.deals as usize, deals.len());
    }
}

#[test]
fn amounts_add_up_over_won_deals_and_dates_span_the_deals() {
    let mut outcomes = Outcomes::default();
    outcomes.add(&deal(DealOutcome::Won, Some(100.0), Some(20), None));
    outcomes.add(&deal(DealOutcome::Won, None, None, Some(40)));
    outcomes.add(&deal(DealOutcome::Lost, Some(1_000.0), Some(10), Some(30)));
    outcomes.add(&deal(DealOutcome::Won, Some(50.5), Some(15), Some(35)));
    let account = outcomes.account(" 1 ", None).unwrap();
    assert_eq!(
        account,
        &Account {
            outcome: DealOutcome::Won,
            deals: 4,
            amount_won: 150.5,
            created: Some(10),
            closed: Some(40),
        }
    );
    let report = outcomes.report();
    assert_eq!(
        (report.deals, report.won, report.lost, report.open),
        (4, 3, 1, 0)
    );
    assert_eq!(outcomes.len(), 1);
}

#[test]
fn a_lead_finds_its_account_by_id_else_by_domain() {
    let mut outcomes = Outcomes::default();
    let mut by_domain = deal(DealOutcome::Lost, None, None, None);
    by_domain.keys = vec![Key::Domain("acme.com".to_string())];
    outcomes.add(&by_domain);
    outcomes.add(&deal(DealOutcome::Won, None, None, None));
    assert_eq!(
        outcomes.account("1", Some("acme.com")).unwrap().outcome,
        DealOutcome::Won
    );
    assert_eq!(
        outcomes
            .account("2", Some("https://www.ACME.com/"))
            .unwrap()
            .outcome,
        DealOutcome::Lost
    );
    // A lead without an id has its domain for one.
    assert_eq!(
        outcomes.account("acme.com", None).unwrap().outcome,
        DealOutcome::Lost
    );
    assert!(outcomes.account("2", Some("other.com")).is_none());
    assert!(outcomes.account("", None).is_none());
    let keys: Vec<AccountKey<'_>> = outcomes.accounts().map(|(k, _)| k).collect();
    assert_eq!(keys, [AccountKey::Id("1"), AccountKey::Domain("acme.com")]);
}

#[test]
fn salesforce_ids_match_in_their_short_form() {
    let mut outcomes = Outcomes {
        salesforce: true,
        ..Outcomes::default()
    };
    let mut long = deal(DealOutcome::Won, None, None, None);
    long.keys = vec![Key::Id("001A000001abcdeAAA".to_string())];
    outcomes.add(&long);
    assert!(outcomes.account("001A000001abcde", None).is_some());
    assert!(outcomes.account("001A000001abcdeAAA", None).is_some());
}
