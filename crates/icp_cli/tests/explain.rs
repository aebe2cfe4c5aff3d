//! `icp explain` end to end: an unknown id. (The explanations snapshotted to files are tested
//! in `cli.rs`.)

mod common;

use common::*;

#[test]
fn explain_of_an_unknown_id_exits_2() {
    let dir = scoring_project();
    let out = icp(
        dir.path(),
        &["explain", "--leads", "leads.csv", "--id", "nope"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: no lead with id \"nope\" in leads.csv\n"
    );
}
