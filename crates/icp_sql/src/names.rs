//! The names of the columns the compiled query makes on its way (never shown in its result):
//! one short prefix per kind, so no name can clash with another or with a user's column.
//! (`hoist` names its shared sub-expressions `hx…` on the company row, `kx…` on a contact's.)

use icp_engine::FieldId;

/// A company field's normalised value.
pub fn company_field(f: FieldId) -> String {
    format!("cf{}", f.0)
}

/// A contact field's normalised value.
pub fn contact_field(f: FieldId) -> String {
    format!("kf{}", f.0)
}

/// The country key of a company's country field.
pub fn country_key(f: FieldId) -> String {
    format!("ck{}", f.0)
}

/// The country key of a contact's country field.
pub fn contact_country_key(f: FieldId) -> String {
    format!("kk{}", f.0)
}

/// A let's value (its missing inputs: `_m` after it).
pub fn let_value(index: usize) -> String {
    format!("let{index}")
}

/// A quantifier's value (its missing inputs: `_m` after it).
pub fn quantifier(index: usize) -> String {
    format!("q{index}")
}

/// A signal call's value.
pub fn signal(index: usize) -> String {
    format!("sg{index}")
}

/// A check of ICP `icp`: `r` (require), `x` (exclude), `s` (score), `t` (tier), `a` (age of
/// a decaying score).
pub fn check(kind: char, icp: usize, index: usize) -> String {
    format!("i{icp}{kind}{index}")
}

/// ICP `icp`'s missing inputs, every check's.
pub fn missing(icp: usize) -> String {
    format!("i{icp}miss")
}

/// ICP `icp`'s score.
pub fn score(icp: usize) -> String {
    format!("i{icp}score")
}

/// The company's id and name, and its contacts' company key and order.
pub const ID: &str = "id_";
pub const NAME: &str = "name_";
pub const CONTACT_KEY: &str = "cid_";
pub const CONTACT_ORDER: &str = "ord_";
