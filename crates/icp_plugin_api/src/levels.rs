//! The levels of `icp`'s built-in `seniority` order and their spellings, lowest first: shared
//! by the engine, where `contact.seniority >= "Director"` compares with them, and by plugins
//! that filter people by level (`job_changes.count(seniority: "Director")`), so that both read
//! Apollo's `c_suite`, LinkedIn's `CXO` or a plain `Head` as the same level.
//!
//! Each level is its name and the other spellings of it. Spellings compare as the order
//! compares text: lower case, each run of characters other than letters and digits one space,
//! trimmed (`"C_Suite"` is `"c suite"`).

/// The seniority levels, lowest first: (name, other spellings).
pub const SENIORITY: [(&str, &[&str]); 5] = [
    (
        "Individual Contributor",
        &[
            "ic",
            "entry",
            "entry level",
            "junior",
            "senior",
            "intern",
            "training",
            "unpaid",
            "staff",
            "associate",
        ],
    ),
    ("Manager", &["team lead", "lead", "supervisor"]),
    ("Director", &["head", "head of", "senior director"]),
    ("VP", &["vice president", "svp", "evp", "avp"]),
    (
        "C-Level",
        &[
            "c suite",
            "cxo",
            "c level executive",
            "executive",
            "chief",
            "owner",
            "founder",
            "partner",
            "president",
        ],
    ),
];

/// Text as the orders compare it: lower case, every run of characters other than letters and
/// digits one space, trimmed.
pub fn normalise(text: &str) -> String {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    words.join(" ")
}

/// The index in [`SENIORITY`] of the level `text` spells, if any.
pub fn seniority_rank(text: &str) -> Option<usize> {
    let key = normalise(text);
    SENIORITY.iter().position(|(name, aliases)| {
        normalise(name) == key || aliases.iter().any(|alias| normalise(alias) == key)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_name_their_level() {
        assert_eq!(seniority_rank("C_Suite"), Some(4));
        assert_eq!(seniority_rank(" c-level "), Some(4));
        assert_eq!(seniority_rank("Head of"), Some(2));
        assert_eq!(seniority_rank("VP"), Some(3));
        assert_eq!(seniority_rank("individual contributor"), Some(0));
        assert_eq!(seniority_rank("Astronaut"), None);
    }
}
