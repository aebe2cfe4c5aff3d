//! The nesting guard counts expressions, not the groups of a regex literal: a valid regex of
//! more groups than `MAX_NESTING` parses, and brackets that do nest are still refused.

use icp_diagnostics::{Code, FileId};

/// `/(((…a…)))/i`: `depth` nested groups.
fn deep_regex(depth: usize) -> String {
    format!("/{}a{}/i", "(".repeat(depth), ")".repeat(depth))
}

#[test]
fn a_regex_of_70_groups_is_not_too_deep() {
    let regex = deep_regex(70);
    let source = format!(
        "persona leader when contact.title matches {regex}\n\
         let named = company.name matches   {regex} and (company.domain matches /\\/(x)/)\n"
    );
    let file = icp_syntax::parse(FileId(0), &source).expect("a 70-group regex parses");
    assert_eq!(file.items.len(), 2);
    assert!(icp_syntax::parse_expr(FileId(0), &format!("company.name matches {regex}")).is_ok());
}

#[test]
fn brackets_around_a_regex_still_count() {
    let depth = icp_syntax::MAX_NESTING + 1;
    let source = format!(
        "let x = {}company.name matches {}{}\n",
        "(".repeat(depth),
        deep_regex(3),
        ")".repeat(depth)
    );
    let errors = icp_syntax::parse(FileId(0), &source).expect_err("too deep");
    assert_eq!(errors[0].code, Code::SYNTAX);
    assert_eq!(errors[0].message, "expressions are nested too deeply");
}
