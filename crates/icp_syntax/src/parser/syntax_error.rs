//! The `E0001` diagnostic of a syntax error, in readable words.
//!
//! How it works: pest stops at the furthest position it reached and lists the rules it
//! expected there; [`syntax_error`] points at the whole token found, names the expected rules
//! in words ([`describe`]) and adds a help line for the common mistakes judged from the text
//! at the error ([`syntax_help`]): a string not closed, a file that ends early, a misspelt or
//! reserved word, a missing bracket or comma.

use icp_diagnostics::{Code, Diagnostic, FileId, Span};
use pest::error::{ErrorVariant, InputLocation};

use super::Rule;

pub(super) fn syntax_error(
    file: FileId,
    source: &str,
    err: &pest::error::Error<Rule>,
) -> Diagnostic {
    let (start, end) = match err.location {
        InputLocation::Pos(p) => (p, p),
        InputLocation::Span((s, e)) => (s, e),
    };
    // Point at the whole offending token (or at the end of input).
    let token_end = if end > start {
        end
    } else {
        source[start..]
            .char_indices()
            .find(|(_, c)| {
                c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | '{' | '}' | ',' | '"')
            })
            .map_or(source.len(), |(i, _)| start + i.max(1))
            .max(start + source[start..].chars().next().map_or(0, char::len_utf8))
    };
    let found = match source[start..].chars().next() {
        None => "the end of the file".to_string(),
        Some(_) => format!("`{}`", &source[start..token_end.min(source.len())]),
    };
    let expected = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let mut words: Vec<&'static str> = Vec::new();
            for rule in positives {
                let word = describe(*rule);
                if !word.is_empty() && !words.contains(&word) {
                    words.push(word);
                }
            }
            // After a name, `(` (a call) is one possibility among operators; naming it
            // only distracts.
            if words.contains(&"an operator (`==`, `in`, `has`, …)") {
                words.retain(|w| *w != "`(`");
            }
            words
        }
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let message = if expected.is_empty() {
        format!("unexpected {found}")
    } else {
        format!("expected {}, found {found}", join_or(&expected))
    };
    let span = Span::new(file, start, token_end.min(source.len()));
    let mut diagnostic = Diagnostic::new(Code::SYNTAX, message, span);
    if let Some(help) = syntax_help(source, start, &expected) {
        diagnostic = diagnostic.with_help(help);
    }
    diagnostic
}

/// The reserved words of the language (as in `grammar.pest`).
const RESERVED: &[&str] = &[
    "let",
    "persona",
    "when",
    "icp",
    "test",
    "require",
    "exclude",
    "score",
    "group",
    "tier",
    "otherwise",
    "and",
    "or",
    "not",
    "in",
    "has",
    "any",
    "all",
    "every",
    "count",
    "contacts",
    "where",
    "contains",
    "starts",
    "matches",
    "between",
    "is",
    "true",
    "false",
    "today",
];

/// Words that begin items and statements, for did-you-mean on a misspelt one.
const STATEMENT_KEYWORDS: &[&str] = &[
    "let",
    "persona",
    "icp",
    "test",
    "require",
    "exclude",
    "score",
    "group",
    "tier",
    "product",
    "version",
    "owner",
    "description",
    "company",
    "contact",
    "signal",
    "expect",
    "when",
    "otherwise",
];

/// A help line for the most common syntax mistakes, judged from the text at the error.
fn syntax_help(source: &str, offset: usize, expected: &[&str]) -> Option<String> {
    let rest = &source[offset..];
    let line_start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = rest.find('\n').map_or(source.len(), |i| offset + i);
    let line = &source[line_start..line_end];
    let code = line.split('#').next().unwrap_or(line);
    let quotes = code.matches('"').count() - code.matches("\\\"").count();
    if quotes % 2 == 1 {
        return Some("a string is not closed: end it with `\"` on the same line".to_string());
    }
    if rest.trim().is_empty() {
        return Some("the file ends too early: is a closing `}`, `)` or `]` missing?".to_string());
    }
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if expected.contains(&"a name") && RESERVED.contains(&word.as_str()) {
        return Some(format!(
            "`{word}` is a keyword of the language; choose another name"
        ));
    }
    if rest.starts_with('=')
        && !rest.starts_with("==")
        && expected.contains(&"an operator (`==`, `in`, `has`, …)")
    {
        return Some("to compare, write `==`".to_string());
    }
    if rest.starts_with('\'') {
        return Some("strings are written in double quotes: \"…\"".to_string());
    }
    let lower_suffix = word.len() > 1
        && word[..word.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && matches!(word.as_bytes()[word.len() - 1], b'k' | b'm' | b'b');
    if lower_suffix {
        return Some(format!(
            "number suffixes are upper case: `{}`",
            word.to_ascii_uppercase()
        ));
    }
    let comparison = ["==", "!=", "<", ">"].iter().any(|op| rest.starts_with(op));
    if comparison && expected.contains(&"an expression") {
        return Some(
            "a comparison needs a value on both sides: `score > 25 and score < 40`, or use `between`"
                .to_string(),
        );
    }
    if !word.is_empty() && !RESERVED.contains(&word.as_str()) {
        let close = STATEMENT_KEYWORDS
            .iter()
            .filter(|k| {
                **k != word && strsim::damerau_levenshtein(k, &word.to_ascii_lowercase()) <= 2
            })
            .min_by_key(|k| strsim::damerau_levenshtein(k, &word));
        if let Some(keyword) = close
            && word.len() >= 3
        {
            return Some(format!("did you mean `{keyword}`?"));
        }
    }
    if expected.contains(&"`when`") {
        return Some(
            "a condition starts with `when`: `persona p when …`, `score 10 \"label\" when …`, `tier A when …`"
                .into(),
        );
    }
    if expected.contains(&"a regex such as /pattern/i") {
        return Some("`matches` takes a regex literal between slashes, such as /^vp\\b/i".into());
    }
    let before = source[..offset].trim_end();
    let previous_line = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
    if expected.contains(&"`and`")
        && (code.contains("between") || previous_line.contains("between"))
    {
        return Some("a range is written `between LOW and HIGH`".to_string());
    }
    // On the same line as the previous token a separator is missing; on a new line, a closer.
    let same_line = !source[..offset]
        .trim_end_matches([' ', '\t'])
        .ends_with('\n');
    let candidates = if same_line {
        ["`,`", "`}`", "`)`", "`]`"]
    } else {
        ["`}`", "`)`", "`]`", "`,`"]
    };
    candidates
        .into_iter()
        .find(|token| expected.contains(token))
        .map(|token| format!("is a {token} missing before this?"))
}

fn join_or(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Readable words for the rules pest can report as expected.
fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "the end of the file",
        Rule::item
        | Rule::let_item
        | Rule::persona_item
        | Rule::icp_item
        | Rule::test_item
        | Rule::kw_let
        | Rule::kw_persona
        | Rule::kw_icp
        | Rule::kw_test => "`let`, `persona`, `icp` or `test`",
        Rule::assign => "`=`",
        Rule::colon => "`:`",
        Rule::comma => "`,`",
        Rule::lparen => "`(`",
        Rule::rparen => "`)`",
        Rule::lbracket => "`[`",
        Rule::rbracket => "`]`",
        Rule::lbrace => "`{`",
        Rule::rbrace => "`}`",
        Rule::icp_stmt
        | Rule::meta_stmt
        | Rule::meta_key
        | Rule::require_stmt
        | Rule::exclude_stmt
        | Rule::group_stmt
        | Rule::tier_stmt => "an icp statement (`require`, `exclude`, `score`, `group`, `tier`, …)",
        Rule::kw_require | Rule::kw_exclude | Rule::kw_group | Rule::kw_tier => {
            "an icp statement (`require`, `exclude`, `score`, `group`, `tier`, …)"
        }
        Rule::score_stmt | Rule::kw_score => {
            "an icp statement (`require`, `exclude`, `score`, `group`, `tier`, …)"
        }
        Rule::points => "a number of points",
        Rule::top_rank | Rule::kw_top => "`top`",
        Rule::percent => "`%`",
        Rule::otherwise => "`otherwise`",
        // A score without `when` most likely forgot it; `decaying(…)` is the other form.
        Rule::kw_when | Rule::decaying | Rule::kw_decaying => "`when`",
        Rule::kw_half_life => "`half_life`",
        Rule::kw_max => "`max`",
        Rule::test_stmt
        | Rule::company_block
        | Rule::contact_block
        | Rule::signal_stmt
        | Rule::expect_stmt
        | Rule::kw_company
        | Rule::kw_contact
        | Rule::kw_signal
        | Rule::kw_expect => "a test statement (`company`, `contact`, `signal`, `expect`)",
        Rule::record => "`{`",
        Rule::field_init => "a field such as `name: \"Acme\"`",
        Rule::expect_best | Rule::kw_best | Rule::expect_icp => "an expectation",
        Rule::expect_tier => "`tier`",
        Rule::expect_score => "`score`",
        Rule::qualified => "`qualified`",
        Rule::disqualified => "`disqualified`",
        Rule::comp_suffix
        | Rule::cmp_op
        | Rule::cmp_sym
        | Rule::in_op
        | Rule::not_in_op
        | Rule::has_any_op
        | Rule::has_all_op
        | Rule::has_op
        | Rule::contains_op
        | Rule::starts_with_op
        | Rule::matches_op
        | Rule::between_op
        | Rule::is_missing_op
        | Rule::is_present_op
        | Rule::kw_in
        | Rule::kw_has
        | Rule::kw_contains
        | Rule::kw_starts
        | Rule::kw_matches
        | Rule::kw_between
        | Rule::kw_is
        | Rule::add_op
        | Rule::mul_op
        | Rule::call_args => "an operator (`==`, `in`, `has`, …)",
        Rule::kw_and => "`and`",
        Rule::kw_or => "`or`",
        Rule::kw_not => "an operator (`==`, `in`, `has`, …)",
        Rule::not_op => "an expression",
        Rule::kw_any | Rule::kw_all => "`any` or `all`",
        Rule::kw_every | Rule::kw_count | Rule::any_q | Rule::every_q | Rule::count_q => {
            "a quantifier"
        }
        Rule::kw_contacts => "`contacts`",
        Rule::kw_where => "`where`",
        Rule::kw_with => "`with`",
        Rule::kw_missing | Rule::kw_present => "`missing` or `present`",
        Rule::expr
        | Rule::or_expr
        | Rule::and_expr
        | Rule::not_expr
        | Rule::comparison
        | Rule::sum
        | Rule::product
        | Rule::unary
        | Rule::neg_op
        | Rule::primary
        | Rule::paren
        | Rule::list
        | Rule::today
        | Rule::score_ref
        | Rule::boolean
        | Rule::date
        | Rule::duration
        | Rule::number
        | Rule::reference
        | Rule::path
        | Rule::path_root => "an expression",
        Rule::string | Rule::string_body => "a string",
        Rule::regex | Rule::regex_body | Rule::regex_flags => "a regex such as /pattern/i",
        Rule::arg => "an argument",
        Rule::ident | Rule::reserved => "a name",
        Rule::member => "a field name",
        Rule::file | Rule::WHITESPACE | Rule::COMMENT | Rule::ident_char => "",
    }
}
