//! A field's kind: what its values mean beyond their type.
//!
//! How it works: [`FieldKind`] names the meanings the code distinguishes — a country, a web
//! domain, a phone number, a headcount, an amount of money, a year, or nothing beyond the type
//! (`plain`). The schema gives every field one (its parent module's table of canonical fields,
//! or `kind = "…"` in `icp.toml` for a custom field) and refuses a kind that does not fit the
//! type ([`FieldKind::fits`]); the readers and the evaluators then act on the kind, never on a
//! field's name.

use std::fmt;

use serde::Serialize;

use super::Type;

/// What a field's values mean beyond their type: how a raw value is read and how values
/// compare. A field's kind must fit its type ([`FieldKind::fits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    /// Nothing beyond the type: read and compared as any value of it.
    Plain,
    /// A country (a string, or a list of strings): kept as given, compared by ISO-3166
    /// alpha-2 code when the text names a country, so `"Germany"` equals `"DE"`.
    Country,
    /// A web domain (a string), normalised as it is read: `https://www.Acme.com/x` is
    /// `acme.com`.
    Domain,
    /// A phone number (a string), read as text. A contact's phone column alone does not say a
    /// file lists people: companies have phones too.
    Phone,
    /// An employee count (a number), read from a count or a range: `51-200` is 125.5.
    Headcount,
    /// An amount of money (a number), with any currency and magnitude: `$1.2M` is 1,200,000.
    Money,
    /// A year (a number), or the year of a date: `2001-06-30` is 2001.
    Year,
    /// An industry (a string, or a list of strings): read as its canonical industry when the
    /// project chose a taxonomy (`[input] industry_taxonomy`, see `crate::vocab::industry`),
    /// so a HubSpot `Computer Software` is `Software`.
    Industry,
}

impl FieldKind {
    /// Every kind, in the order messages list them.
    pub const ALL: [FieldKind; 8] = [
        FieldKind::Plain,
        FieldKind::Country,
        FieldKind::Domain,
        FieldKind::Phone,
        FieldKind::Headcount,
        FieldKind::Money,
        FieldKind::Year,
        FieldKind::Industry,
    ];

    /// The kind's name as written in `icp.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Plain => "plain",
            FieldKind::Country => "country",
            FieldKind::Domain => "domain",
            FieldKind::Phone => "phone",
            FieldKind::Headcount => "headcount",
            FieldKind::Money => "money",
            FieldKind::Year => "year",
            FieldKind::Industry => "industry",
        }
    }

    /// Parses a kind name as written in `icp.toml`.
    pub fn parse(name: &str) -> Option<FieldKind> {
        let name = name.trim();
        FieldKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Whether a field of type `ty` may have this kind.
    pub fn fits(self, ty: Type) -> bool {
        match self {
            FieldKind::Plain => true,
            FieldKind::Country | FieldKind::Industry => {
                ty == Type::STRING || ty == Type::STRING_LIST
            }
            FieldKind::Domain | FieldKind::Phone => ty == Type::STRING,
            FieldKind::Headcount | FieldKind::Money | FieldKind::Year => ty == Type::NUMBER,
        }
    }

    /// The type a field of this kind usually has.
    pub(super) fn usual_type(self) -> Type {
        match self {
            FieldKind::Headcount | FieldKind::Money | FieldKind::Year => Type::NUMBER,
            FieldKind::Plain
            | FieldKind::Country
            | FieldKind::Domain
            | FieldKind::Phone
            | FieldKind::Industry => Type::STRING,
        }
    }

    /// The types this kind fits, as `icp.toml` names them.
    pub(super) fn type_names(self) -> &'static str {
        match self {
            FieldKind::Plain => "any type",
            FieldKind::Country | FieldKind::Industry => "\"string\" or \"list\"",
            FieldKind::Domain | FieldKind::Phone => "\"string\"",
            FieldKind::Headcount | FieldKind::Money | FieldKind::Year => "\"number\"",
        }
    }
}

impl fmt::Display for FieldKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_by_their_names() {
        for kind in FieldKind::ALL {
            assert_eq!(FieldKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(FieldKind::parse(" money "), Some(FieldKind::Money));
        assert_eq!(FieldKind::parse("Money"), None);
        assert_eq!(FieldKind::parse("revenue"), None);
    }
}
