//! The stable diagnostic codes. `E…` codes are errors, `W…` warnings. A code never changes
//! meaning once released; `docs/language.md` lists them and `tests/cases/` holds one case per code.

use std::fmt;

/// A stable diagnostic code with a one-line title.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Code {
    id: &'static str,
    title: &'static str,
}

impl Code {
    pub const fn as_str(self) -> &'static str {
        self.id
    }

    pub const fn title(self) -> &'static str {
        self.title
    }

    pub fn severity(self) -> crate::Severity {
        if self.id.starts_with('W') {
            crate::Severity::Warning
        } else {
            crate::Severity::Error
        }
    }

    pub fn lookup(id: &str) -> Option<Code> {
        ALL_CODES.iter().copied().find(|c| c.id == id)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id)
    }
}

macro_rules! codes {
    ($($name:ident = $id:literal, $title:literal;)*) => {
        impl Code {
            $(pub const $name: Code = Code { id: $id, title: $title };)*
        }
        /// Every code, in order.
        pub const ALL_CODES: &[Code] = &[$(Code::$name),*];
    };
}

codes! {
    SYNTAX = "E0001", "syntax error";
    INVALID_LITERAL = "E0002", "invalid literal";
    INVALID_REGEX = "E0003", "invalid regular expression";
    UNKNOWN_FIELD = "E0004", "unknown field";
    CONTACT_OUTSIDE_QUANTIFIER = "E0005", "contact data outside a quantifier or persona";
    SCORE_OUTSIDE_TIER = "E0006", "`score` outside a tier condition";
    TYPE_MISMATCH = "E0007", "type mismatch";
    UNKNOWN_NAME = "E0008", "unknown name";
    DUPLICATE_NAME = "E0009", "duplicate name";
    UNKNOWN_PLUGIN = "E0010", "unknown plugin namespace";
    UNKNOWN_SIGNAL = "E0011", "unknown signal";
    SIGNAL_ARGUMENTS = "E0012", "wrong signal arguments";
    UNKNOWN_ICP = "E0013", "unknown ICP";
    UNKNOWN_TIER = "E0014", "unknown tier";
    CYCLIC_LET = "E0015", "a let refers to itself";
    UNKNOWN_FUNCTION = "E0016", "unknown function or wrong arguments";
    NESTED_QUANTIFIER = "E0017", "nested contact quantifier";
    DUPLICATE_STATEMENT = "E0018", "statement given twice";
    INVALID_GROUP = "E0019", "invalid group";
    BIDI_CONTROL = "E0020", "bidirectional control character";
    NOT_IN_ORDER = "E0030", "value not in the ordered category";
    LIST_FILE_UNREADABLE = "E0031", "list file cannot be read";
    LIST_FILE_OUTSIDE = "E0032", "list file outside the rule file's directory";
    UNKNOWN_REGION = "E0033", "unknown region";
    INVALID_PERCENTILE = "E0040", "invalid percentile";
    TOP_OUTSIDE_TIER = "E0041", "`top` outside a tier condition";
    INVALID_RANK = "E0042", "invalid rank tier";
    UNREACHABLE_TIER = "W0001", "tier can never match";
    TIER_AFTER_OTHERWISE = "W0002", "tier after `otherwise`";
    CONSTANT_CONDITION = "W0003", "condition is always the same";
    UNUSED_LET = "W0004", "unused let";
    UNUSED_PERSONA = "W0005", "unused persona";
    EVERY_OVER_NO_CONTACTS = "W0006", "`every contact` is true for a lead with no contacts";
    TEST_WITHOUT_EXPECT = "W0007", "test without expectations";
    DUPLICATE_LABEL = "W0008", "duplicate score label";
    EMPTY_LIST_FILE = "W0030", "empty list file";
    DUPLICATE_LIST_VALUE = "W0031", "value listed twice in a list file";
    NOT_IN_VOCABULARY = "W0032", "value not in the field's vocabulary";
}
