//! From source text to the AST.
//!
//! How it works: `grammar.pest` is compiled by `pest_derive` into a PEG parser. A syntax error
//! becomes one `E0001` diagnostic at the furthest position pest reached, with the tokens it
//! expected in readable words. A successful parse tree is turned into the AST by one builder
//! function per grammar rule, named after the rule; keyword tokens are skipped by
//! [`children`]. Literals are decoded here (`10M`, `6mo`, dates, string escapes) and a literal
//! that cannot be decoded is an `E0002` diagnostic. Finally the comments are recovered from the
//! source (every `#` outside a string or regex literal) for the formatter.

use icp_diagnostics::{Code, Diagnostic, FileId, Span};
use pest::Parser as _;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;

use crate::ast::*;

#[derive(pest_derive::Parser)]
#[grammar = "grammar.pest"]
struct Grammar;

/// The deepest nesting of brackets, prefix operators and quantifier bodies accepted, so that
/// hostile input gets a diagnostic instead of exhausting the stack.
pub const MAX_NESTING: usize = 64;

/// The most binary operators one statement may hold (a chain of them nests as deeply).
pub const MAX_OPERATORS: usize = 1000;

/// Parses one source file. On failure returns the diagnostics (a syntax error stops at the
/// first error; literal errors are all reported).
pub fn parse(file: FileId, source: &str) -> Result<File, Vec<Diagnostic>> {
    if let Some(why) = too_big(source) {
        return Err(vec![too_big_diagnostic(file, source, why)]);
    }
    let mut pairs = match Grammar::parse(Rule::file, source) {
        Ok(pairs) => pairs,
        Err(err) => return Err(vec![syntax_error(file, source, &err)]),
    };
    let Some(root) = pairs.next() else {
        return Err(vec![Diagnostic::new(
            Code::SYNTAX,
            "empty parse",
            Span::new(file, 0, 0),
        )]);
    };
    let mut builder = Builder {
        file,
        diagnostics: Vec::new(),
        literal_spans: Vec::new(),
    };
    let items = children(root).map(|p| builder.item(p)).collect();
    if !builder.diagnostics.is_empty() {
        return Err(builder.diagnostics);
    }
    let comments = find_comments(file, source, &builder.literal_spans);
    Ok(File {
        file,
        items,
        comments,
    })
}

/// Parses a single expression (used by tests and tools).
pub fn parse_expr(file: FileId, source: &str) -> Result<Expr, Vec<Diagnostic>> {
    if let Some(why) = too_big(source) {
        return Err(vec![too_big_diagnostic(file, source, why)]);
    }
    let pairs =
        Grammar::parse(Rule::expr, source).map_err(|err| vec![syntax_error(file, source, &err)])?;
    let mut builder = Builder {
        file,
        diagnostics: Vec::new(),
        literal_spans: Vec::new(),
    };
    let mut result = None;
    for pair in pairs {
        result = Some(builder.expr(pair));
    }
    let end = result.as_ref().map_or(0, |e: &Expr| e.span.end as usize);
    if end < source.trim_end().len() {
        return Err(vec![Diagnostic::new(
            Code::SYNTAX,
            "unexpected text after the expression",
            Span::new(file, end, source.len()),
        )]);
    }
    match result {
        Some(expr) if builder.diagnostics.is_empty() => Ok(expr),
        _ => Err(builder.diagnostics),
    }
}

/// Reserved words that start a statement, so any expression before them has ended. (Words
/// that are not reserved could be names inside an expression, so they do not count.)
const STATEMENT_WORDS: &[&str] = &[
    "let", "persona", "icp", "test", "require", "exclude", "group", "tier",
];

/// Why a source is refused before parsing: too deeply nested, or one expression too long.
/// Both would make the recursive parser, checker or formatter exhaust the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TooBig {
    Nesting(usize),
    Operators(usize),
}

/// Scans the source once, counting per statement the open brackets, runs of prefix operators
/// (`-`, `not`), quantifier bodies (`where`) and binary operators. Strings, regex literals
/// and comments are skipped; anything else is counted pessimistically, so a refusal can only come early, never
/// late.
fn too_big(source: &str) -> Option<TooBig> {
    let bytes = source.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let (mut brackets, mut prefix_run, mut wheres, mut operators) =
        (0usize, 0usize, 0usize, 0usize);
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                prefix_run = 0;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => {
                brackets += 1;
                prefix_run = 0;
            }
            b')' | b']' | b'}' => brackets = brackets.saturating_sub(1),
            b'-' => {
                prefix_run += 1;
                operators += 1;
            }
            b'+' | b'*' | b'/' | b'<' | b'>' | b'=' | b'!' => operators += 1,
            b if is_word(b) => {
                while i + 1 < bytes.len() && is_word(bytes[i + 1]) {
                    i += 1;
                }
                let word = &source[start..=i];
                match word {
                    "not" => prefix_run += 1,
                    // A regex literal's own groups nest no expression: skipped as a string is.
                    "matches" => {
                        let mut j = i + 1;
                        while bytes.get(j).is_some_and(|b| *b == b' ' || *b == b'\t') {
                            j += 1;
                        }
                        if bytes.get(j) == Some(&b'/') {
                            j += 1;
                            while j < bytes.len() && bytes[j] != b'/' && bytes[j] != b'\n' {
                                j += if bytes[j] == b'\\' { 2 } else { 1 };
                            }
                            i = j;
                        }
                        prefix_run = 0;
                    }
                    "where" => {
                        wheres += 1;
                        prefix_run = 0;
                    }
                    "and" | "or" => {
                        operators += 1;
                        prefix_run = 0;
                    }
                    // `score` starts a statement when points follow it; in a tier condition it
                    // is a value.
                    "score"
                        if source[i + 1..]
                            .trim_start()
                            .starts_with(|c: char| c.is_ascii_digit() || c == '-') =>
                    {
                        (wheres, operators, prefix_run) = (0, 0, 0);
                    }
                    w if STATEMENT_WORDS.contains(&w) => {
                        (wheres, operators, prefix_run) = (0, 0, 0)
                    }
                    _ => prefix_run = 0,
                }
            }
            b' ' | b'\t' | b'\r' | b'\n' => {}
            _ => prefix_run = 0,
        }
        if brackets + prefix_run + wheres > MAX_NESTING {
            return Some(TooBig::Nesting(start));
        }
        if operators > MAX_OPERATORS {
            return Some(TooBig::Operators(start));
        }
        i += 1;
    }
    None
}

fn too_big_diagnostic(file: FileId, source: &str, why: TooBig) -> Diagnostic {
    let (offset, message, label) = match why {
        TooBig::Nesting(at) => (
            at,
            "expressions are nested too deeply",
            format!("more than {MAX_NESTING} levels deep here"),
        ),
        TooBig::Operators(at) => (
            at,
            "this expression is too long",
            format!("more than {MAX_OPERATORS} operators in one statement"),
        ),
    };
    let end = source[offset..]
        .chars()
        .next()
        .map_or(offset, |c| offset + c.len_utf8());
    Diagnostic::new(Code::SYNTAX, message, Span::new(file, offset, end))
        .with_label(label)
        .with_help("split the expression into `let` definitions")
}

fn syntax_error(file: FileId, source: &str, err: &pest::error::Error<Rule>) -> Diagnostic {
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
        Rule::otherwise => "`otherwise`",
        Rule::kw_when => "`when`",
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

fn is_keyword(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::kw_let
            | Rule::kw_persona
            | Rule::kw_when
            | Rule::kw_icp
            | Rule::kw_test
            | Rule::kw_require
            | Rule::kw_exclude
            | Rule::kw_score
            | Rule::kw_group
            | Rule::kw_max
            | Rule::kw_tier
            | Rule::kw_company
            | Rule::kw_contact
            | Rule::kw_contacts
            | Rule::kw_signal
            | Rule::kw_expect
            | Rule::kw_best
            | Rule::kw_or
            | Rule::kw_and
            | Rule::kw_not
            | Rule::kw_in
            | Rule::kw_has
            | Rule::kw_any
            | Rule::kw_all
            | Rule::kw_every
            | Rule::kw_count
            | Rule::kw_where
            | Rule::kw_contains
            | Rule::kw_starts
            | Rule::kw_with
            | Rule::kw_matches
            | Rule::kw_between
            | Rule::kw_is
            | Rule::kw_missing
            | Rule::kw_present
            | Rule::assign
            | Rule::colon
            | Rule::comma
            | Rule::lparen
            | Rule::rparen
            | Rule::lbracket
            | Rule::rbracket
            | Rule::lbrace
            | Rule::rbrace
            | Rule::EOI
    )
}

/// The meaningful children of a pair: keywords, punctuation and end of input are skipped.
fn children(pair: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    pair.into_inner().filter(|p| !is_keyword(p.as_rule()))
}

struct Builder {
    file: FileId,
    diagnostics: Vec<Diagnostic>,
    /// Spans of string and regex literals, inside which `#` is not a comment.
    literal_spans: Vec<(usize, usize)>,
}

/// Takes the next child; the grammar guarantees it exists, so a miss is a bug in this file.
macro_rules! next {
    ($iter:expr) => {
        $iter.next().expect("the grammar guarantees this child")
    };
}

impl Builder {
    /// The span of a pair without the white space and comments pest consumes after its last
    /// token (a rule ending in an optional or repeated part swallows them).
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.file, s.start(), token_end(pair))
    }

    fn error(&mut self, code: Code, message: impl Into<String>, span: Span, help: &str) {
        let mut d = Diagnostic::new(code, message, span);
        if !help.is_empty() {
            d = d.with_help(help);
        }
        self.diagnostics.push(d);
    }

    fn item(&mut self, pair: Pair<'_, Rule>) -> Item {
        match pair.as_rule() {
            Rule::let_item => Item::Let(self.let_item(pair)),
            Rule::persona_item => Item::Persona(self.persona_item(pair)),
            Rule::icp_item => Item::Icp(self.icp_item(pair)),
            Rule::test_item => Item::Test(self.test_item(pair)),
            rule => unreachable!("item {rule:?}"),
        }
    }

    fn let_item(&mut self, pair: Pair<'_, Rule>) -> Let {
        let span = self.span(&pair);
        let mut it = children(pair);
        let name = self.ident(next!(it));
        let value = self.expr(next!(it));
        Let { name, value, span }
    }

    fn persona_item(&mut self, pair: Pair<'_, Rule>) -> Persona {
        let span = self.span(&pair);
        let mut it = children(pair).peekable();
        let name = self.ident(next!(it));
        let label = match it.peek() {
            Some(p) if p.as_rule() == Rule::string => Some(self.string(next!(it))),
            _ => None,
        };
        let condition = self.expr(next!(it));
        Persona {
            name,
            label,
            condition,
            span,
        }
    }

    fn icp_item(&mut self, pair: Pair<'_, Rule>) -> Icp {
        let span = self.span(&pair);
        let mut it = children(pair).peekable();
        let name = self.ident(next!(it));
        let label = match it.peek() {
            Some(p) if p.as_rule() == Rule::string => Some(self.string(next!(it))),
            _ => None,
        };
        let body = it.map(|p| self.icp_stmt(p)).collect();
        Icp {
            name,
            label,
            body,
            span,
        }
    }

    fn icp_stmt(&mut self, pair: Pair<'_, Rule>) -> IcpStmt {
        match pair.as_rule() {
            Rule::meta_stmt => IcpStmt::Meta(self.meta_stmt(pair)),
            Rule::require_stmt => IcpStmt::Require(self.clause(pair)),
            Rule::exclude_stmt => IcpStmt::Exclude(self.clause(pair)),
            Rule::score_stmt => IcpStmt::Score(self.score_stmt(pair)),
            Rule::group_stmt => IcpStmt::Group(self.group_stmt(pair)),
            Rule::tier_stmt => IcpStmt::Tier(self.tier_stmt(pair)),
            rule => unreachable!("icp statement {rule:?}"),
        }
    }

    fn meta_stmt(&mut self, pair: Pair<'_, Rule>) -> Meta {
        let span = self.span(&pair);
        let mut it = children(pair);
        let key = match next!(it).as_str() {
            "product" => MetaKey::Product,
            "version" => MetaKey::Version,
            "owner" => MetaKey::Owner,
            _ => MetaKey::Description,
        };
        let value = self.string(next!(it));
        Meta { key, value, span }
    }

    fn clause(&mut self, pair: Pair<'_, Rule>) -> Clause {
        let span = self.span(&pair);
        let condition = self.expr(next!(children(pair)));
        Clause { condition, span }
    }

    fn score_stmt(&mut self, pair: Pair<'_, Rule>) -> Score {
        let span = self.span(&pair);
        let mut it = children(pair).peekable();
        let points = self.points(next!(it));
        let label = match it.peek() {
            Some(p) if p.as_rule() == Rule::string => Some(self.string(next!(it))),
            _ => None,
        };
        let condition = self.expr(next!(it));
        Score {
            points,
            label,
            condition,
            span,
        }
    }

    fn points(&mut self, pair: Pair<'_, Rule>) -> Points {
        let span = self.span(&pair);
        let value = match pair.as_str().parse::<f64>() {
            Ok(v) if v.is_finite() && v.abs() < 1e15 => v,
            _ => {
                self.error(
                    Code::INVALID_LITERAL,
                    format!(
                        "`{}` points is more than this tool can count",
                        pair.as_str()
                    ),
                    span,
                    "points are ordinary numbers, such as 10 or -30",
                );
                0.0
            }
        };
        Points { value, span }
    }

    fn group_stmt(&mut self, pair: Pair<'_, Rule>) -> Group {
        let span = self.span(&pair);
        let mut it = children(pair);
        let label = self.string(next!(it));
        let max = self.points(next!(it));
        let scores = it.map(|p| self.score_stmt(p)).collect();
        Group {
            label,
            max,
            scores,
            span,
        }
    }

    fn tier_stmt(&mut self, pair: Pair<'_, Rule>) -> Tier {
        let span = self.span(&pair);
        let mut it = children(pair);
        let name = self.ident(next!(it));
        let rest = next!(it);
        let condition = match rest.as_rule() {
            Rule::otherwise => None,
            _ => Some(self.expr(rest)),
        };
        Tier {
            name,
            condition,
            span,
        }
    }

    fn test_item(&mut self, pair: Pair<'_, Rule>) -> Test {
        let span = self.span(&pair);
        let mut it = children(pair);
        let label = self.string(next!(it));
        let body = it.map(|p| self.test_stmt(p)).collect();
        Test { label, body, span }
    }

    fn test_stmt(&mut self, pair: Pair<'_, Rule>) -> TestStmt {
        match pair.as_rule() {
            Rule::company_block => TestStmt::Company(self.record_block(pair)),
            Rule::contact_block => TestStmt::Contact(self.record_block(pair)),
            Rule::signal_stmt => TestStmt::Signal(self.signal_stmt(pair)),
            Rule::expect_stmt => TestStmt::Expect(self.expect_stmt(pair)),
            rule => unreachable!("test statement {rule:?}"),
        }
    }

    /// `company_block` and `contact_block`: the keyword and its record.
    fn record_block(&mut self, pair: Pair<'_, Rule>) -> Record {
        let span = self.span(&pair);
        let record = next!(children(pair));
        let fields = children(record).map(|p| self.field_init(p)).collect();
        Record { fields, span }
    }

    fn field_init(&mut self, pair: Pair<'_, Rule>) -> FieldInit {
        let span = self.span(&pair);
        let mut it = children(pair);
        let name = self.ident(next!(it));
        let value = self.expr(next!(it));
        FieldInit { name, value, span }
    }

    fn signal_stmt(&mut self, pair: Pair<'_, Rule>) -> SignalSet {
        let span = self.span(&pair);
        let mut it = children(pair).peekable();
        let path = self.path(next!(it));
        let args = match it.peek() {
            Some(p) if p.as_rule() == Rule::call_args => Some(self.call_args(next!(it))),
            _ => None,
        };
        let value = self.expr(next!(it));
        SignalSet {
            path,
            args,
            value,
            span,
        }
    }

    fn expect_stmt(&mut self, pair: Pair<'_, Rule>) -> Expect {
        let span = self.span(&pair);
        let inner = next!(children(pair));
        let kind = match inner.as_rule() {
            Rule::expect_best => ExpectKind::Best {
                icp: self.ident(next!(children(inner))),
            },
            _ => self.expect_icp(inner),
        };
        Expect { kind, span }
    }

    fn expect_icp(&mut self, pair: Pair<'_, Rule>) -> ExpectKind {
        let mut it = children(pair);
        let icp = self.ident(next!(it));
        let what = next!(it);
        match what.as_rule() {
            Rule::expect_tier => ExpectKind::Tier {
                icp,
                tier: self.ident(next!(children(what))),
            },
            Rule::expect_score => {
                let mut parts = children(what);
                let op = cmp_sym(next!(parts).as_str());
                let value = self.expr(next!(parts));
                ExpectKind::Score { icp, op, value }
            }
            Rule::qualified => ExpectKind::Qualified { icp },
            _ => ExpectKind::Disqualified { icp },
        }
    }

    fn ident(&mut self, pair: Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    fn string(&mut self, pair: Pair<'_, Rule>) -> StringLit {
        let span = self.span(&pair);
        self.literal_spans
            .push((span.start as usize, span.end as usize));
        let body = next!(pair.into_inner());
        let value = self.unescape(body.as_str(), span.start as usize + 1);
        StringLit { value, span }
    }

    fn unescape(&mut self, raw: &str, offset: usize) -> String {
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some((_, '"')) => out.push('"'),
                Some((_, '\\')) => out.push('\\'),
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((j, other)) => {
                    let span = Span::new(self.file, offset + i, offset + j + other.len_utf8());
                    self.error(
                        Code::INVALID_LITERAL,
                        format!("unknown escape `\\{other}` in a string"),
                        span,
                        "the escapes are \\\" \\\\ \\n and \\t",
                    );
                }
                None => {}
            }
        }
        out
    }

    fn expr(&mut self, pair: Pair<'_, Rule>) -> Expr {
        match pair.as_rule() {
            Rule::expr => self.expr(next!(pair.into_inner())),
            Rule::or_expr => self.logic(pair, LogicOp::Or),
            Rule::and_expr => self.logic(pair, LogicOp::And),
            Rule::not_expr => self.not_expr(pair),
            Rule::comparison => self.comparison(pair),
            Rule::sum | Rule::product => self.arith(pair),
            Rule::unary => self.unary(pair),
            _ => self.primary(pair),
        }
    }

    /// `or_expr` and `and_expr`: left-associative chains of one operator.
    fn logic(&mut self, pair: Pair<'_, Rule>, op: LogicOp) -> Expr {
        self.chain(children(pair), |_, lhs, rhs| ExprKind::Logic {
            op,
            lhs,
            rhs,
        })
    }

    /// `not_expr`: `not` applied to an operand, or just the operand.
    fn not_expr(&mut self, pair: Pair<'_, Rule>) -> Expr {
        self.prefix(pair, Rule::not_op, ExprKind::Not)
    }

    fn comparison(&mut self, pair: Pair<'_, Rule>) -> Expr {
        let span = self.span(&pair);
        let mut it = pair.into_inner();
        let lhs = self.expr(next!(it));
        let Some(suffix) = it.next() else {
            return lhs;
        };
        let lhs = Box::new(lhs);
        let rule = suffix.as_rule();
        let mut parts = children(suffix);
        let kind = match rule {
            Rule::cmp_op => {
                let op = cmp_sym(next!(parts).as_str());
                let rhs = Box::new(self.expr(next!(parts)));
                ExprKind::Compare { op, lhs, rhs }
            }
            Rule::matches_op => ExprKind::Matches {
                value: lhs,
                regex: self.regex(next!(parts)),
            },
            Rule::between_op => {
                let low = Box::new(self.expr(next!(parts)));
                let high = Box::new(self.expr(next!(parts)));
                ExprKind::Between {
                    value: lhs,
                    low,
                    high,
                }
            }
            Rule::is_missing_op => ExprKind::Is {
                value: lhs,
                present: false,
            },
            Rule::is_present_op => ExprKind::Is {
                value: lhs,
                present: true,
            },
            other => {
                let op = match other {
                    Rule::in_op => CompareOp::In,
                    Rule::not_in_op => CompareOp::NotIn,
                    Rule::has_any_op => CompareOp::HasAny,
                    Rule::has_all_op => CompareOp::HasAll,
                    Rule::has_op => CompareOp::Has,
                    Rule::contains_op => CompareOp::Contains,
                    Rule::starts_with_op => CompareOp::StartsWith,
                    rule => unreachable!("comparison {rule:?}"),
                };
                let rhs = Box::new(self.expr(next!(parts)));
                ExprKind::Compare { op, lhs, rhs }
            }
        };
        Expr { kind, span }
    }

    /// `sum` and `product`: left-associative chains of operators.
    fn arith(&mut self, pair: Pair<'_, Rule>) -> Expr {
        self.chain(pair.into_inner(), |op, lhs, rhs| {
            let op = match op.map(|p| p.as_str()) {
                Some("+") => ArithOp::Add,
                Some("-") => ArithOp::Sub,
                Some("*") => ArithOp::Mul,
                _ => ArithOp::Div,
            };
            ExprKind::Arith { op, lhs, rhs }
        })
    }

    /// `unary`: `-` applied to an operand, or just the operand.
    fn unary(&mut self, pair: Pair<'_, Rule>) -> Expr {
        self.prefix(pair, Rule::neg_op, ExprKind::Neg)
    }

    /// A left-associative chain `operand (operator? operand)*`: `make` builds each node from
    /// the operator pair, if the rule has one, and the two operands.
    fn chain<'i>(
        &mut self,
        mut items: impl Iterator<Item = Pair<'i, Rule>>,
        make: impl Fn(Option<&Pair<'i, Rule>>, Box<Expr>, Box<Expr>) -> ExprKind,
    ) -> Expr {
        let mut lhs = self.expr(next!(items));
        while let Some(item) = items.next() {
            let (op, rhs) = match item.as_rule() {
                Rule::add_op | Rule::mul_op => (Some(item), next!(items)),
                _ => (None, item),
            };
            let rhs = self.expr(rhs);
            let span = lhs.span.to(rhs.span);
            let kind = make(op.as_ref(), Box::new(lhs), Box::new(rhs));
            lhs = Expr { kind, span };
        }
        lhs
    }

    /// A prefix rule `op_rule operand | operand`.
    fn prefix(
        &mut self,
        pair: Pair<'_, Rule>,
        op_rule: Rule,
        wrap: fn(Box<Expr>) -> ExprKind,
    ) -> Expr {
        let span = self.span(&pair);
        let mut it = pair.into_inner();
        let first = next!(it);
        if first.as_rule() == op_rule {
            let operand = self.expr(next!(it));
            Expr {
                kind: wrap(Box::new(operand)),
                span,
            }
        } else {
            self.expr(first)
        }
    }

    fn primary(&mut self, pair: Pair<'_, Rule>) -> Expr {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::paren => ExprKind::Paren(Box::new(self.expr(next!(children(pair))))),
            Rule::list => ExprKind::List(children(pair).map(|p| self.expr(p)).collect()),
            Rule::any_q | Rule::every_q => {
                let kind = if pair.as_rule() == Rule::any_q {
                    QuantifierKind::Any
                } else {
                    QuantifierKind::Every
                };
                let body = Box::new(self.expr(next!(children(pair))));
                ExprKind::Quantifier { kind, body }
            }
            Rule::count_q => ExprKind::Count {
                filter: children(pair).next().map(|p| Box::new(self.expr(p))),
            },
            Rule::today => ExprKind::Today,
            Rule::score_ref => ExprKind::Score,
            Rule::boolean => ExprKind::Bool(pair.as_str() == "true"),
            Rule::date => self.date(pair.as_str(), span),
            Rule::duration => duration(pair.as_str()),
            Rule::number => self.number(pair.as_str(), span),
            Rule::string => ExprKind::String(self.string(pair).value),
            Rule::reference => {
                let mut it = children(pair);
                let path = self.path(next!(it));
                match it.next() {
                    Some(args) => ExprKind::Call {
                        callee: path,
                        args: self.call_args(args),
                    },
                    None => ExprKind::Path(path),
                }
            }
            rule => unreachable!("primary {rule:?}"),
        };
        Expr { kind, span }
    }

    fn path(&mut self, pair: Pair<'_, Rule>) -> Path {
        let span = self.span(&pair);
        let segments = pair.into_inner().map(|p| self.ident(p)).collect();
        Path { segments, span }
    }

    fn call_args(&mut self, pair: Pair<'_, Rule>) -> Vec<Arg> {
        children(pair)
            .map(|arg| {
                let mut it = children(arg).peekable();
                let name = match it.peek() {
                    Some(p) if p.as_rule() == Rule::ident => Some(self.ident(next!(it))),
                    _ => None,
                };
                let value = self.expr(next!(it));
                Arg { name, value }
            })
            .collect()
    }

    fn regex(&mut self, pair: Pair<'_, Rule>) -> Regex {
        let span = self.span(&pair);
        self.literal_spans
            .push((span.start as usize, span.end as usize));
        let mut it = pair.into_inner();
        let pattern = next!(it).as_str().to_string();
        let flags = it.next().map_or(String::new(), |p| p.as_str().to_string());
        Regex {
            pattern,
            flags,
            span,
        }
    }

    fn number(&mut self, text: &str, span: Span) -> ExprKind {
        let (digits, scale) = match text.as_bytes().last() {
            Some(b'K') => (&text[..text.len() - 1], 1e3),
            Some(b'M') => (&text[..text.len() - 1], 1e6),
            Some(b'B') => (&text[..text.len() - 1], 1e9),
            _ => (text, 1.0),
        };
        let cleaned: String = digits.chars().filter(|c| *c != '_').collect();
        match cleaned.parse::<f64>() {
            Ok(value) if (value * scale).is_finite() => ExprKind::Number(value * scale),
            _ => {
                self.error(
                    Code::INVALID_LITERAL,
                    format!("`{text}` is not a number this tool can represent"),
                    span,
                    "",
                );
                ExprKind::Number(0.0)
            }
        }
    }

    fn date(&mut self, text: &str, span: Span) -> ExprKind {
        let year = text[0..4].parse::<i32>().unwrap_or(0);
        let month = text[5..7].parse::<u32>().unwrap_or(0);
        let day = text[8..10].parse::<u32>().unwrap_or(0);
        match days_from_civil(year, month, day) {
            Some(days) => ExprKind::Date(days),
            None => {
                self.error(
                    Code::INVALID_LITERAL,
                    format!("`{text}` is not a calendar date"),
                    span,
                    "dates are written YYYY-MM-DD, such as 2026-01-15",
                );
                ExprKind::Date(0)
            }
        }
    }
}

/// Where the last token of a pair ends. Its rightmost leaf (a token pest matched exactly) ends
/// first; after it come only literal tokens (`)`, `}`, `]`, a closing quote), which count, and
/// white space and comments, which do not. No string or regex can hide in that stretch, since
/// those have children of their own.
fn token_end(pair: &Pair<'_, Rule>) -> usize {
    let span = pair.as_span();
    let mut leaf = pair.clone();
    while let Some(last) = leaf.clone().into_inner().next_back() {
        leaf = last;
    }
    let bytes = span.get_input().as_bytes();
    let mut end = leaf.as_span().end();
    let mut i = end;
    while i < span.end() {
        match bytes[i] {
            // White space, and the bytes of a byte-order mark (no literal token is non-ASCII).
            b' ' | b'\t' | b'\r' | b'\n' | 0x80.. => i += 1,
            b'#' => {
                while i < span.end() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            _ => {
                i += 1;
                end = i;
            }
        }
    }
    end
}

fn cmp_sym(text: &str) -> CompareOp {
    match text {
        "==" => CompareOp::Eq,
        "!=" => CompareOp::Ne,
        "<=" => CompareOp::Le,
        ">=" => CompareOp::Ge,
        "<" => CompareOp::Lt,
        _ => CompareOp::Gt,
    }
}

fn duration(text: &str) -> ExprKind {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let amount = text[..split].parse::<f64>().unwrap_or(f64::MAX);
    let days_per_unit = match &text[split..] {
        "d" => 1.0,
        "w" => 7.0,
        "mo" => 30.0,
        _ => 365.0,
    };
    ExprKind::Duration(amount * days_per_unit)
}

/// Every `#` outside the given literal spans starts a comment running to the end of its line.
fn find_comments(file: FileId, source: &str, literals: &[(usize, usize)]) -> Vec<Comment> {
    let mut literals = literals.to_vec();
    literals.sort_unstable();
    let mut comments = Vec::new();
    let mut next_literal = 0;
    let bytes = source.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while next_literal < literals.len() && literals[next_literal].1 <= i {
            next_literal += 1;
        }
        if let Some(&(start, end)) = literals.get(next_literal)
            && start <= i
        {
            i = end;
            continue;
        }
        if bytes[i] == b'#' {
            let end = source[i..].find('\n').map_or(source.len(), |n| i + n);
            let text = source[i..end].trim_end().to_string();
            comments.push(Comment {
                span: Span::new(file, i, i + text.len()),
                text,
            });
            i = end;
        } else {
            i += 1;
        }
    }
    comments
}
