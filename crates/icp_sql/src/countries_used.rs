//! Which rows of the country table (`countries`) a query needs: none when the rules read no
//! country field, only the spellings of the countries the rules name when that decides every
//! comparison the same way, else all of them.
//!
//! How it works: a country field's key is its value's ISO code when the table knows the
//! spelling, else its lower-cased text; a key is only ever compared with a constant's key or
//! with another country field's key (`expr::compare`). With at most one country field read,
//! every comparison is of that field with a constant, or with itself (equal either way). A
//! constant's key is the code of a country, or the lower-cased text of something that is no
//! country. Keep only the spellings of the countries some string constant of the rules
//! names: a value spelling one of those still gets its code; a value spelling another country
//! gets its lower-cased text instead of a code, and that text can equal no constant's key —
//! not a named country's code (the value is another country), and not a non-country
//! constant's text (that constant would then spell the same country). So every comparison
//! comes out as with the whole table, which is about 900 rows the query would otherwise
//! carry in its text and join against. With two or more country fields (a contact's country
//! compared with its company's), two values of countries nobody named must still compare by
//! code: then the table is whole.

use std::collections::BTreeSet;

use icp_engine::ir::{Expr, ExprKind, RuleSet};
use icp_engine::schema::{Type, Value};
use icp_engine::semantics::country_alpha2;

use crate::countries;
use crate::stages;

/// The rows (compacted spelling, lower-case alpha-2) of the country table the query needs,
/// or `None` when it reads no country field at all.
pub fn table_rows(rules: &RuleSet) -> Option<Vec<(String, String)>> {
    let read = rules.fields_read();
    let country_fields = rules
        .schema
        .fields()
        .filter(|(id, def)| read[id.0 as usize] && def.is_country() && def.ty == Type::STRING)
        .count();
    if country_fields == 0 {
        return None;
    }
    let all = countries::spellings();
    if country_fields > 1 {
        return Some(all);
    }
    let named = named_countries(rules);
    if named.is_empty() {
        // No constant names a country: keep the table whole rather than an empty `VALUES`.
        return Some(all);
    }
    Some(
        all.into_iter()
            .filter(|(_, code)| named.contains(code))
            .collect(),
    )
}

/// The lower-case alpha-2 codes of the countries the string constants of the rules spell.
fn named_countries(rules: &RuleSet) -> BTreeSet<String> {
    let mut codes = BTreeSet::new();
    for root in stages::roots(rules) {
        collect(root, &mut codes);
    }
    codes
}

fn collect(e: &Expr, codes: &mut BTreeSet<String>) {
    if let ExprKind::Const(v) = &e.kind {
        constant_codes(v, codes);
    }
    e.for_each_child(|child| collect(child, codes));
}

fn constant_codes(v: &Value, codes: &mut BTreeSet<String>) {
    match v {
        Value::String(s) => {
            if let Some(code) = country_alpha2(s) {
                codes.insert(code.to_lowercase());
            }
        }
        Value::List(items) => items.iter().for_each(|i| constant_codes(i, codes)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use icp_diagnostics::SourceMap;
    use icp_engine::{Schema, SignalCatalog};

    fn rules(src: &str) -> RuleSet {
        let mut sources = SourceMap::new();
        sources.add("t.icp", src.to_string());
        let compiled = icp_engine::compile(&sources, &Schema::canonical(), &SignalCatalog::new());
        compiled.rules.expect("rules check")
    }

    #[test]
    fn no_country_field_needs_no_table() {
        let r = rules("icp a { require company.employees > 10\n tier A otherwise }");
        assert_eq!(table_rows(&r), None);
    }

    #[test]
    fn one_country_field_keeps_the_named_countries_only() {
        let r = rules(
            "let home = company.country in [\"Germany\", \"US\", \"Atlantis\"]\n\
             icp a { require home\n tier A otherwise }",
        );
        let rows = table_rows(&r).expect("a table");
        let codes: BTreeSet<&str> = rows.iter().map(|(_, c)| c.as_str()).collect();
        assert_eq!(codes, BTreeSet::from(["de", "us"]));
        let whole = countries::spellings();
        let of = |code: &str| whole.iter().filter(|(_, c)| c == code).count();
        assert_eq!(rows.len(), of("de") + of("us"));
        assert!(rows.contains(&("unitedstates".to_string(), "us".to_string())));
    }

    #[test]
    fn two_country_fields_keep_the_whole_table() {
        let r = rules(
            "icp a { require any contact where contact.country == company.country\n \
             tier A otherwise }",
        );
        assert_eq!(table_rows(&r), Some(countries::spellings()));
    }

    #[test]
    fn a_country_field_with_no_named_country_keeps_the_whole_table() {
        let r = rules("icp a { require company.country == \"Atlantis\"\n tier A otherwise }");
        assert_eq!(table_rows(&r), Some(countries::spellings()));
    }
}
