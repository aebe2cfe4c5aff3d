//! The SQL dialects: what differs between DuckDB, Spark, Postgres, BigQuery and Snowflake.
//!
//! How it works: the compiler decides every semantic question itself (three-valued truths are
//! the numbers 0, 1 and 2, text is compared by keys it computes, unknown values are `NULL`
//! and never reach a dialect's own NULL rules) and asks a [`Dialect`] only how to *spell* an
//! operation: quoting, literals, list functions, regular expressions, ordered string
//! aggregation, dates as day numbers. A construct a dialect cannot express is an error naming
//! it and the dialect ([`Unsupported`]), never a silently different query.

use std::fmt;

mod postgres_arith;
mod postgres_regex;

/// Which SQL to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DialectName {
    DuckDb,
    Spark,
    Postgres,
    BigQuery,
    Snowflake,
}

impl DialectName {
    pub const ALL: [DialectName; 5] = [
        DialectName::DuckDb,
        DialectName::Spark,
        DialectName::Postgres,
        DialectName::BigQuery,
        DialectName::Snowflake,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DialectName::DuckDb => "duckdb",
            DialectName::Spark => "spark",
            DialectName::Postgres => "postgres",
            DialectName::BigQuery => "bigquery",
            DialectName::Snowflake => "snowflake",
        }
    }

    pub fn parse(name: &str) -> Option<DialectName> {
        DialectName::ALL
            .into_iter()
            .find(|d| d.as_str() == name.trim().to_ascii_lowercase())
    }

    /// The dialect's spelling rules.
    pub fn dialect(self) -> &'static dyn Dialect {
        match self {
            DialectName::DuckDb => &DuckDb,
            DialectName::Spark => &Spark,
            DialectName::Postgres => &Postgres,
            DialectName::BigQuery => &BigQuery,
            DialectName::Snowflake => &Snowflake,
        }
    }
}

impl fmt::Display for DialectName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A construct the dialect has no faithful spelling for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported(pub String);

/// The column types of the input tables and of the results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlType {
    Text,
    Double,
    Date,
    Bool,
    TextList,
    DoubleList,
}

/// How one dialect spells the operations the compiler needs. `x`, `l`, … are SQL
/// expressions; none of them is ever `NULL` where a method says "never null".
pub trait Dialect: Sync {
    fn name(&self) -> DialectName;

    /// A quoted identifier (a table or column name from the user).
    fn ident(&self, name: &str) -> String {
        format!("\"{}\"", name.replace('"', "\"\""))
    }

    /// A quoted table name: dotted names (`db.schema.table`) quote each part.
    fn table(&self, name: &str) -> String {
        name.split('.')
            .map(|part| self.ident(part))
            .collect::<Vec<_>>()
            .join(".")
    }

    /// A string literal.
    fn string(&self, s: &str) -> String {
        format!("'{}'", s.replace('\'', "''"))
    }

    /// A double literal, exactly the value.
    fn double(&self, n: f64) -> String {
        if !n.is_finite() {
            return self.non_finite(n);
        }
        // Exponent form is a double (not a decimal) in DuckDB, Spark, BigQuery and Snowflake.
        format!("{n:e}")
    }

    /// An infinite (or NaN) double, as `CAST('-Infinity' AS DOUBLE)`.
    fn non_finite(&self, n: f64) -> String {
        let text = if n.is_nan() {
            "NaN"
        } else if n > 0.0 {
            "Infinity"
        } else {
            "-Infinity"
        };
        format!("CAST('{text}' AS {})", self.type_name(SqlType::Double))
    }

    fn type_name(&self, ty: SqlType) -> &'static str;

    /// A text of the characters `codes`, spelt with visible SQL.
    fn chars(&self, codes: &[u32]) -> String {
        let parts: Vec<String> = codes.iter().map(|c| format!("CHR({c})")).collect();
        parts.join(" || ")
    }

    /// The characters Rust's `char::is_whitespace` knows.
    fn whitespace(&self) -> String {
        self.chars(&WHITESPACE.chars().map(u32::from).collect::<Vec<_>>())
    }

    /// [`SEP`] as SQL.
    fn sep(&self) -> String {
        self.chars(&[SEP as u32])
    }

    /// The name of a missing input followed by [`SEP`].
    fn missing_name(&self, name: &str) -> String {
        format!("({} || {})", self.string(name), self.sep())
    }

    /// Removes white space (Rust's `char::is_whitespace`) from both ends of `x`.
    fn trim_ws(&self, x: &str) -> String {
        format!("TRIM({x}, {})", self.whitespace())
    }

    /// `x` without white space (as [`Dialect::whitespace`]) and without `other` (an ASCII
    /// punctuation character).
    fn delete_white_space_and(&self, x: &str, other: char) -> String {
        format!("TRANSLATE({x}, {} || '{other}', '')", self.whitespace())
    }

    /// Characters in `x`.
    fn char_length(&self, x: &str) -> String {
        format!("CHAR_LENGTH({x})")
    }

    /// Whether `needle` occurs in `text` (both never null).
    fn contains(&self, text: &str, needle: &str) -> String {
        format!("(STRPOS({text}, {needle}) > 0)")
    }

    /// Whether `text` starts with `prefix` (both never null).
    fn starts_with(&self, text: &str, prefix: &str) -> String {
        format!("(SUBSTR({text}, 1, CHAR_LENGTH({prefix})) = {prefix})")
    }

    /// Whether the regular expression `pattern` matches somewhere in `text`, with the rule's
    /// flags (`i`, `m`, `s`, `x`).
    fn regex_matches(&self, text: &str, pattern: &str, flags: &str) -> Result<String, Unsupported> {
        let pattern = format!("{}{pattern}", self.regex_flags(flags)?);
        Ok(self.regex_call(text, &pattern))
    }

    /// The dialect's regular-expression search of `text` for `pattern` (flags inline).
    fn regex_call(&self, text: &str, pattern: &str) -> String;

    /// `x` with every match of `pattern` replaced by `with`.
    fn regex_replace(&self, x: &str, pattern: &str, with: &str) -> String {
        format!(
            "REGEXP_REPLACE({x}, {}, {})",
            self.string(pattern),
            self.string(with)
        )
    }

    /// The end of the text in a regular expression (Java's `$` also matches before a final
    /// line break).
    fn end_of_text(&self) -> &'static str {
        "$"
    }

    /// The first match of `pattern` in `x` (empty when it matches empty), never null for a
    /// pattern that always matches.
    fn regex_extract(&self, x: &str, pattern: &str) -> String;

    /// The number of elements of list `l`.
    fn list_len(&self, l: &str) -> String;

    /// Whether some element `var` of list `l` makes `pred` true (`pred` never null).
    fn list_any(&self, l: &str, var: &str, pred: &str) -> String;

    /// The list of `f(var)` for every element `var` of `l`, in order.
    fn list_map(&self, l: &str, var: &str, f: &str) -> String;

    /// The elements `var` of `l` for which `pred` holds, in order.
    fn list_filter(&self, l: &str, var: &str, pred: &str) -> String;

    /// A list literal of text items.
    fn text_array(&self, items: &[String]) -> String {
        format!("ARRAY[{}]", items.join(", "))
    }

    /// `expr` of every row of a group, concatenated in the order of `order_by`.
    fn string_agg_ordered(&self, expr: &str, order_by: &str) -> String {
        format!("STRING_AGG({expr}, '' ORDER BY {order_by})")
    }

    /// The distinct items of `items` (each item followed by [`SEP`]), in order of first
    /// appearance, joined by `joiner`.
    fn distinct_joined(&self, items: &str, joiner: &str) -> String;

    /// The days since 1970-01-01 of date `d`, as a double.
    fn date_days(&self, d: &str) -> String;

    /// Today's days since 1970-01-01, as a double.
    fn today_days(&self) -> String;

    /// The calendar year of day number `days`, as a double.
    fn year_of_days(&self, days: &str) -> String;

    /// `a op b` of doubles (`op` one of `+ - * /`, the divisor never zero): the IEEE result,
    /// or `NULL` where it is infinite (the caller makes a non-finite result unknown).
    fn arith(&self, a: &str, op: char, b: &str) -> String {
        format!("({a} {op} {b})")
    }

    /// 0.5 to the power `e` (a double, never negative), as Rust's `powf`.
    fn half_power(&self, e: &str) -> String {
        format!("POWER({}, {e})", self.double(0.5))
    }

    /// `x` rounded half away from zero (Rust's `f64::round`).
    fn round(&self, x: &str) -> String {
        format!("ROUND({x})")
    }

    /// `x` when it is a finite double, else null (NaN compares above every number, or
    /// unordered, in every dialect here).
    fn finite(&self, x: &str) -> String {
        format!("CASE WHEN ABS({x}) <= 1.7976931348623157e308 THEN {x} END")
    }

    /// A table of text pairs as a `FROM` item: `(VALUES …) AS name(a, b)`.
    fn values_table(&self, name: &str, columns: [&str; 2], rows: &[(String, String)]) -> String {
        let rows: Vec<String> = rows
            .iter()
            .map(|(a, b)| format!("({}, {})", self.string(a), self.string(b)))
            .collect();
        format!(
            "SELECT * FROM (VALUES {}) AS {name}({}, {})",
            rows.join(", "),
            columns[0],
            columns[1]
        )
    }

    /// What makes a CTE computed once however often it is read (`MATERIALIZED `), where the
    /// dialect has it.
    fn materialized(&self) -> &'static str {
        ""
    }

    /// What ends a subquery or CTE so the query reading it cannot merge it into itself
    /// (` OFFSET 0`), where the dialect needs it. PostgreSQL merges a CTE read once, and a
    /// subquery in `FROM`, into the query reading it, copying a column's expression into
    /// every place that names the column: the hoisted columns (`hoist`) would be written out
    /// again, as often as they are read, and a chain of them grows exponentially (a random
    /// rule set planned for minutes and used gigabytes). Behind the fence each is computed
    /// once per row.
    fn fence(&self) -> &'static str {
        ""
    }

    /// `CREATE VIEW`.
    fn create_view(&self, name: &str) -> String {
        format!("CREATE OR REPLACE VIEW {} AS\n", self.table(name))
    }

    /// Whether `arith` names its operands more than once (Postgres tests them for overflow
    /// before it computes): then the compiler gives them columns of their own (`hoist`), so
    /// a chain of operations stays linear in size.
    fn arith_repeats_operands(&self) -> bool {
        false
    }

    /// A regular expression's flags as the dialect's inline flag prefix, or why not.
    fn regex_flags(&self, flags: &str) -> Result<String, Unsupported> {
        let mut out = String::new();
        for flag in flags.chars() {
            match flag {
                'i' | 'm' | 's' => out.push(flag),
                other => {
                    return Err(Unsupported(format!(
                        "the regular-expression flag `{other}` has no {} form",
                        self.name()
                    )));
                }
            }
        }
        Ok(if out.is_empty() {
            out
        } else {
            format!("(?{out})")
        })
    }
}

/// White space as Rust's `char::is_whitespace` knows it.
pub const WHITESPACE: &str = "\t\n\u{b}\u{c}\r \u{85}\u{a0}\u{1680}\u{2000}\u{2001}\u{2002}\u{2003}\u{2004}\u{2005}\u{2006}\u{2007}\u{2008}\u{2009}\u{200a}\u{2028}\u{2029}\u{202f}\u{205f}\u{3000}";

/// What ends each name in a list of missing inputs while the query builds it (never in a
/// field name; a unit separator).
pub const SEP: char = '\u{1f}';

#[derive(Debug, Clone, Copy)]
pub struct DuckDb;

impl Dialect for DuckDb {
    fn name(&self) -> DialectName {
        DialectName::DuckDb
    }
    fn whitespace(&self) -> String {
        // A literal: DuckDB plans a chain of CHR calls slowly, once per use.
        self.string(WHITESPACE)
    }
    // DuckDB's TRIM and TRANSLATE with a set of characters test each character against the
    // set one by one: in a lambda over list items, TRIM took 2.9 s for a list column of
    // 1,000,000 rows, the regular expression 0.4 s, and TRANSLATE 0.8 s for a country
    // column against 0.01 s (docs/perf-log/2026-12-07-compiled-sql.md).
    fn trim_ws(&self, x: &str) -> String {
        let ws = format!("[{WHITESPACE}]");
        format!(
            "REGEXP_REPLACE({x}, {}, '', 'g')",
            self.string(&format!("^{ws}+|{ws}+$"))
        )
    }
    fn delete_white_space_and(&self, x: &str, other: char) -> String {
        format!(
            "REGEXP_REPLACE({x}, {}, '', 'g')",
            self.string(&format!("[{WHITESPACE}\\{other}]"))
        )
    }
    fn materialized(&self) -> &'static str {
        "MATERIALIZED "
    }
    fn type_name(&self, ty: SqlType) -> &'static str {
        match ty {
            SqlType::Text => "VARCHAR",
            SqlType::Double => "DOUBLE",
            SqlType::Date => "DATE",
            SqlType::Bool => "BOOLEAN",
            SqlType::TextList => "VARCHAR[]",
            SqlType::DoubleList => "DOUBLE[]",
        }
    }
    fn char_length(&self, x: &str) -> String {
        format!("LENGTH({x})")
    }
    fn contains(&self, text: &str, needle: &str) -> String {
        format!("CONTAINS({text}, {needle})")
    }
    fn starts_with(&self, text: &str, prefix: &str) -> String {
        format!("STARTS_WITH({text}, {prefix})")
    }
    fn regex_call(&self, text: &str, pattern: &str) -> String {
        format!("REGEXP_MATCHES({text}, {})", self.string(pattern))
    }
    fn regex_replace(&self, x: &str, pattern: &str, with: &str) -> String {
        format!(
            "REGEXP_REPLACE({x}, {}, {}, 'g')",
            self.string(pattern),
            self.string(with)
        )
    }
    fn regex_extract(&self, x: &str, pattern: &str) -> String {
        format!("REGEXP_EXTRACT({x}, {})", self.string(pattern))
    }
    fn list_len(&self, l: &str) -> String {
        format!("LEN({l})")
    }
    fn list_any(&self, l: &str, var: &str, pred: &str) -> String {
        format!("(LEN(LIST_FILTER({l}, LAMBDA {var}: {pred})) > 0)")
    }
    fn list_map(&self, l: &str, var: &str, f: &str) -> String {
        format!("LIST_TRANSFORM({l}, LAMBDA {var}: {f})")
    }
    fn list_filter(&self, l: &str, var: &str, pred: &str) -> String {
        format!("LIST_FILTER({l}, LAMBDA {var}: {pred})")
    }
    fn text_array(&self, items: &[String]) -> String {
        format!("[{}]::VARCHAR[]", items.join(", "))
    }
    fn distinct_joined(&self, items: &str, joiner: &str) -> String {
        let parts = format!("STRING_SPLIT({items}, {})", self.sep());
        format!(
            "ARRAY_TO_STRING(LIST_FILTER({parts}, LAMBDA x, i: x <> '' AND LIST_POSITION({parts}, x) = i), {})",
            self.string(joiner)
        )
    }
    fn date_days(&self, d: &str) -> String {
        format!("CAST(DATE_DIFF('day', DATE '1970-01-01', {d}) AS DOUBLE)")
    }
    fn today_days(&self) -> String {
        self.date_days("CURRENT_DATE")
    }
    fn year_of_days(&self, days: &str) -> String {
        format!("CAST(YEAR(DATE '1970-01-01' + CAST({days} AS INTEGER)) AS DOUBLE)")
    }
    fn finite(&self, x: &str) -> String {
        format!("CASE WHEN ISFINITE({x}) THEN {x} END")
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Postgres;

impl Dialect for Postgres {
    fn name(&self) -> DialectName {
        DialectName::Postgres
    }
    fn chars(&self, codes: &[u32]) -> String {
        let escaped: String = codes.iter().map(|c| format!("\\u{c:04x}")).collect();
        format!("E'{escaped}'")
    }
    fn materialized(&self) -> &'static str {
        "MATERIALIZED "
    }
    fn fence(&self) -> &'static str {
        " OFFSET 0"
    }
    fn double(&self, n: f64) -> String {
        if !n.is_finite() {
            return self.non_finite(n);
        }
        format!("CAST('{n:e}' AS DOUBLE PRECISION)")
    }
    fn type_name(&self, ty: SqlType) -> &'static str {
        match ty {
            SqlType::Text => "TEXT",
            SqlType::Double => "DOUBLE PRECISION",
            SqlType::Date => "DATE",
            SqlType::Bool => "BOOLEAN",
            SqlType::TextList => "TEXT[]",
            SqlType::DoubleList => "DOUBLE PRECISION[]",
        }
    }
    fn trim_ws(&self, x: &str) -> String {
        format!("BTRIM({x}, {})", self.whitespace())
    }
    fn regex_call(&self, text: &str, pattern: &str) -> String {
        format!("({text} ~ {})", self.string(pattern))
    }
    fn regex_replace(&self, x: &str, pattern: &str, with: &str) -> String {
        format!(
            "REGEXP_REPLACE({x}, {}, {}, 'g')",
            self.string(&postgres_regex::internal(pattern)),
            self.string(with)
        )
    }
    fn regex_extract(&self, x: &str, pattern: &str) -> String {
        format!(
            "COALESCE(SUBSTRING({x} FROM {}), '')",
            self.string(&postgres_regex::internal(pattern))
        )
    }
    fn list_len(&self, l: &str) -> String {
        format!("CARDINALITY({l})")
    }
    fn list_any(&self, l: &str, var: &str, pred: &str) -> String {
        format!("EXISTS (SELECT 1 FROM UNNEST({l}) AS {var}({var}) WHERE {pred})")
    }
    fn list_map(&self, l: &str, var: &str, f: &str) -> String {
        format!("ARRAY(SELECT {f} FROM UNNEST({l}) WITH ORDINALITY AS u({var}, n) ORDER BY n)")
    }
    fn list_filter(&self, l: &str, var: &str, pred: &str) -> String {
        format!(
            "ARRAY(SELECT {var} FROM UNNEST({l}) WITH ORDINALITY AS u({var}, n) WHERE {pred} ORDER BY n)"
        )
    }
    fn text_array(&self, items: &[String]) -> String {
        format!("CAST(ARRAY[{}] AS TEXT[])", items.join(", "))
    }
    fn distinct_joined(&self, items: &str, joiner: &str) -> String {
        format!(
            "COALESCE((SELECT STRING_AGG(x, {} ORDER BY n) FROM (SELECT x, MIN(n) AS n FROM UNNEST(STRING_TO_ARRAY({items}, {})) WITH ORDINALITY AS u(x, n) WHERE x <> '' GROUP BY x) AS d), '')",
            self.string(joiner),
            self.sep()
        )
    }
    fn date_days(&self, d: &str) -> String {
        format!("CAST(({d} - DATE '1970-01-01') AS DOUBLE PRECISION)")
    }
    fn today_days(&self) -> String {
        self.date_days("CURRENT_DATE")
    }
    fn year_of_days(&self, days: &str) -> String {
        format!(
            "CAST(EXTRACT(YEAR FROM DATE '1970-01-01' + CAST({days} AS INTEGER)) AS DOUBLE PRECISION)"
        )
    }
    fn arith_repeats_operands(&self) -> bool {
        true
    }
    fn round(&self, x: &str) -> String {
        // `round(double precision)` rounds half to even; `FLOOR(ABS(x) + 0.5)` rounds the
        // sum first (0.49999999999999994 to 1). The fraction `ABS(x) - FLOOR(ABS(x))` is exact.
        format!(
            "(SIGN({x}) * CASE WHEN ABS({x}) - FLOOR(ABS({x})) >= 0.5 THEN CEIL(ABS({x})) ELSE FLOOR(ABS({x})) END)"
        )
    }
    fn arith(&self, a: &str, op: char, b: &str) -> String {
        postgres_arith::arith(self, a, op, b)
    }
    fn finite(&self, x: &str) -> String {
        postgres_arith::finite(self, x)
    }
    fn half_power(&self, e: &str) -> String {
        postgres_arith::half_power(self, e)
    }
    fn regex_flags(&self, flags: &str) -> Result<String, Unsupported> {
        postgres_regex::flags(flags)
    }
    fn regex_matches(&self, text: &str, pattern: &str, flags: &str) -> Result<String, Unsupported> {
        let pattern = format!(
            "{}{}",
            self.regex_flags(flags)?,
            postgres_regex::translate(pattern)?
        );
        Ok(self.regex_call(text, &pattern))
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Spark;

impl Dialect for Spark {
    fn name(&self) -> DialectName {
        DialectName::Spark
    }
    fn end_of_text(&self) -> &'static str {
        "\\z"
    }
    fn ident(&self, name: &str) -> String {
        format!("`{}`", name.replace('`', "``"))
    }
    fn string(&self, s: &str) -> String {
        format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
    }
    fn type_name(&self, ty: SqlType) -> &'static str {
        match ty {
            SqlType::Text => "STRING",
            SqlType::Double => "DOUBLE",
            SqlType::Date => "DATE",
            SqlType::Bool => "BOOLEAN",
            SqlType::TextList => "ARRAY<STRING>",
            SqlType::DoubleList => "ARRAY<DOUBLE>",
        }
    }
    fn trim_ws(&self, x: &str) -> String {
        format!("TRIM(BOTH {} FROM {x})", self.whitespace())
    }
    fn chars(&self, codes: &[u32]) -> String {
        // Spark's CHR wraps above 255; its literals take `\\u` escapes.
        let escaped: String = codes.iter().map(|c| format!("\\u{c:04x}")).collect();
        format!("'{escaped}'")
    }
    fn contains(&self, text: &str, needle: &str) -> String {
        format!("(INSTR({text}, {needle}) > 0)")
    }
    fn starts_with(&self, text: &str, prefix: &str) -> String {
        format!("STARTSWITH({text}, {prefix})")
    }
    fn regex_call(&self, text: &str, pattern: &str) -> String {
        format!("({text} RLIKE {})", self.string(pattern))
    }
    fn regex_extract(&self, x: &str, pattern: &str) -> String {
        format!("REGEXP_EXTRACT({x}, {}, 0)", self.string(pattern))
    }
    fn regex_flags(&self, flags: &str) -> Result<String, Unsupported> {
        // Java's regular expressions, made to read a pattern as Rust's `regex` does: `U`
        // (UNICODE_CHARACTER_CLASS: `\w`, `\s`, `\d`, `\b` and `i` over Unicode, not ASCII)
        // and `d` (UNIX_LINES: only `\n` ends a line for `.`, `^` and `$`, not `\r`, U+0085,
        // U+2028 or U+2029), always; then the rule's own `i`, `m`, `s`.
        let mut out = String::from("(?dU");
        for flag in flags.chars() {
            match flag {
                'i' | 'm' | 's' => out.push(flag),
                other => {
                    return Err(Unsupported(format!(
                        "the regular-expression flag `{other}` has no spark form"
                    )));
                }
            }
        }
        out.push(')');
        Ok(out)
    }
    /// `SIZE(NULL)` is -1 where `spark.sql.legacy.sizeOfNull` holds (ANSI mode off, the
    /// default), so a missing list is kept missing explicitly.
    fn list_len(&self, l: &str) -> String {
        format!("CASE WHEN {l} IS NULL THEN NULL ELSE SIZE({l}) END")
    }
    fn list_any(&self, l: &str, var: &str, pred: &str) -> String {
        format!("EXISTS({l}, {var} -> {pred})")
    }
    fn list_map(&self, l: &str, var: &str, f: &str) -> String {
        format!("TRANSFORM({l}, {var} -> {f})")
    }
    fn list_filter(&self, l: &str, var: &str, pred: &str) -> String {
        format!("FILTER({l}, {var} -> {pred})")
    }
    fn text_array(&self, items: &[String]) -> String {
        format!("ARRAY({})", items.join(", "))
    }
    fn string_agg_ordered(&self, expr: &str, order_by: &str) -> String {
        format!(
            "ARRAY_JOIN(TRANSFORM(ARRAY_SORT(COLLECT_LIST(STRUCT({order_by} AS o, {expr} AS v))), e -> e.v), '')"
        )
    }
    fn distinct_joined(&self, items: &str, joiner: &str) -> String {
        format!(
            "ARRAY_JOIN(ARRAY_DISTINCT(FILTER(SPLIT({items}, {}), x -> x <> '')), {})",
            self.sep(),
            self.string(joiner)
        )
    }
    fn date_days(&self, d: &str) -> String {
        format!("CAST(UNIX_DATE({d}) AS DOUBLE)")
    }
    fn today_days(&self) -> String {
        self.date_days("CURRENT_DATE()")
    }
    fn year_of_days(&self, days: &str) -> String {
        format!("CAST(YEAR(DATE_FROM_UNIX_DATE(CAST({days} AS INT))) AS DOUBLE)")
    }
}

#[derive(Debug, Clone, Copy)]
pub struct BigQuery;

impl Dialect for BigQuery {
    fn name(&self) -> DialectName {
        DialectName::BigQuery
    }
    /// BigQuery raises "floating point overflow" where finite operands give an infinite
    /// result; its `SAFE_` functions give `NULL` there instead, which is unknown, as
    /// `icp score` makes an infinite result. (An underflow to zero is no error.)
    fn arith(&self, a: &str, op: char, b: &str) -> String {
        let function = match op {
            '+' => "SAFE_ADD",
            '-' => "SAFE_SUBTRACT",
            '*' => "SAFE_MULTIPLY",
            '/' => "SAFE_DIVIDE",
            _ => return format!("({a} {op} {b})"),
        };
        format!("{function}({a}, {b})")
    }
    fn ident(&self, name: &str) -> String {
        format!("`{}`", name.replace('`', "\\`"))
    }
    fn table(&self, name: &str) -> String {
        self.ident(name)
    }
    fn string(&self, s: &str) -> String {
        format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
    }
    fn type_name(&self, ty: SqlType) -> &'static str {
        match ty {
            SqlType::Text => "STRING",
            SqlType::Double => "FLOAT64",
            SqlType::Date => "DATE",
            SqlType::Bool => "BOOL",
            SqlType::TextList => "ARRAY<STRING>",
            SqlType::DoubleList => "ARRAY<FLOAT64>",
        }
    }
    fn regex_call(&self, text: &str, pattern: &str) -> String {
        format!("REGEXP_CONTAINS({text}, {})", self.string(pattern))
    }
    fn chars(&self, codes: &[u32]) -> String {
        let escaped: String = codes.iter().map(|c| format!("\\u{c:04x}")).collect();
        format!("'{escaped}'")
    }
    fn regex_extract(&self, x: &str, pattern: &str) -> String {
        format!(
            "COALESCE(REGEXP_EXTRACT({x}, {}), '')",
            self.string(pattern)
        )
    }
    fn list_len(&self, l: &str) -> String {
        format!("ARRAY_LENGTH({l})")
    }
    fn list_any(&self, l: &str, var: &str, pred: &str) -> String {
        format!("EXISTS(SELECT 1 FROM UNNEST({l}) AS {var} WHERE {pred})")
    }
    fn list_map(&self, l: &str, var: &str, f: &str) -> String {
        format!("ARRAY(SELECT {f} FROM UNNEST({l}) AS {var} WITH OFFSET AS n ORDER BY n)")
    }
    fn list_filter(&self, l: &str, var: &str, pred: &str) -> String {
        format!(
            "ARRAY(SELECT {var} FROM UNNEST({l}) AS {var} WITH OFFSET AS n WHERE {pred} ORDER BY n)"
        )
    }
    fn text_array(&self, items: &[String]) -> String {
        format!("ARRAY<STRING>[{}]", items.join(", "))
    }
    fn distinct_joined(&self, items: &str, joiner: &str) -> String {
        format!(
            "(SELECT COALESCE(STRING_AGG(x, {} ORDER BY n), '') FROM (SELECT x, MIN(n) AS n FROM UNNEST(SPLIT({items}, {})) AS x WITH OFFSET AS n WHERE x <> '' GROUP BY x))",
            self.string(joiner),
            self.sep()
        )
    }
    fn date_days(&self, d: &str) -> String {
        format!("CAST(UNIX_DATE({d}) AS FLOAT64)")
    }
    fn today_days(&self) -> String {
        self.date_days("CURRENT_DATE()")
    }
    fn year_of_days(&self, days: &str) -> String {
        format!("CAST(EXTRACT(YEAR FROM DATE_FROM_UNIX_DATE(CAST({days} AS INT64))) AS FLOAT64)")
    }
    fn finite(&self, x: &str) -> String {
        format!("IF(IS_INF({x}) OR IS_NAN({x}), NULL, {x})")
    }
    fn values_table(&self, _name: &str, columns: [&str; 2], plain: &[(String, String)]) -> String {
        let rows: Vec<String> = plain
            .iter()
            .map(|(x, y)| {
                format!(
                    "STRUCT({} AS {}, {} AS {})",
                    self.string(x),
                    columns[0],
                    self.string(y),
                    columns[1]
                )
            })
            .collect();
        format!("SELECT * FROM UNNEST([{}])", rows.join(", "))
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Snowflake;

impl Dialect for Snowflake {
    fn name(&self) -> DialectName {
        DialectName::Snowflake
    }
    fn string(&self, s: &str) -> String {
        format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
    }
    fn type_name(&self, ty: SqlType) -> &'static str {
        match ty {
            SqlType::Text => "VARCHAR",
            SqlType::Double => "DOUBLE",
            SqlType::Date => "DATE",
            SqlType::Bool => "BOOLEAN",
            SqlType::TextList => "ARRAY",
            SqlType::DoubleList => "ARRAY",
        }
    }
    fn char_length(&self, x: &str) -> String {
        format!("LENGTH({x})")
    }
    fn contains(&self, text: &str, needle: &str) -> String {
        format!("CONTAINS({text}, {needle})")
    }
    fn starts_with(&self, text: &str, prefix: &str) -> String {
        format!("STARTSWITH({text}, {prefix})")
    }
    fn regex_call(&self, text: &str, pattern: &str) -> String {
        format!("(REGEXP_INSTR({text}, {}) > 0)", self.string(pattern))
    }
    fn regex_matches(&self, text: &str, pattern: &str, flags: &str) -> Result<String, Unsupported> {
        // Snowflake takes flags as a parameter: `c` (case-sensitive) unless `i`.
        let mut params = String::from(if flags.contains('i') { "i" } else { "c" });
        for flag in flags.chars() {
            match flag {
                'i' => {}
                'm' | 's' => params.push(if flag == 'm' { 'm' } else { 's' }),
                other => {
                    return Err(Unsupported(format!(
                        "the regular-expression flag `{other}` has no snowflake form"
                    )));
                }
            }
        }
        Ok(format!(
            "(REGEXP_INSTR({text}, {}, 1, 1, 0, {}) > 0)",
            self.string(pattern),
            self.string(&params)
        ))
    }
    fn regex_extract(&self, x: &str, pattern: &str) -> String {
        format!("COALESCE(REGEXP_SUBSTR({x}, {}), '')", self.string(pattern))
    }
    fn list_len(&self, l: &str) -> String {
        format!("ARRAY_SIZE({l})")
    }
    fn list_any(&self, l: &str, var: &str, pred: &str) -> String {
        format!("(ARRAY_SIZE(FILTER({l}, {var} -> {pred})) > 0)")
    }
    fn list_map(&self, l: &str, var: &str, f: &str) -> String {
        format!("TRANSFORM({l}, {var} -> {f})")
    }
    fn list_filter(&self, l: &str, var: &str, pred: &str) -> String {
        format!("FILTER({l}, {var} -> {pred})")
    }
    fn text_array(&self, items: &[String]) -> String {
        format!("ARRAY_CONSTRUCT({})", items.join(", "))
    }
    fn string_agg_ordered(&self, expr: &str, order_by: &str) -> String {
        format!("LISTAGG({expr}, '') WITHIN GROUP (ORDER BY {order_by})")
    }
    fn distinct_joined(&self, items: &str, joiner: &str) -> String {
        format!(
            "ARRAY_TO_STRING(ARRAY_DISTINCT(FILTER(SPLIT({items}, {}), x -> x <> '')), {})",
            self.sep(),
            self.string(joiner)
        )
    }
    fn date_days(&self, d: &str) -> String {
        format!("CAST(DATEDIFF(day, DATE '1970-01-01', {d}) AS DOUBLE)")
    }
    fn today_days(&self) -> String {
        self.date_days("CURRENT_DATE()")
    }
    fn year_of_days(&self, days: &str) -> String {
        format!("CAST(YEAR(DATEADD(day, CAST({days} AS INTEGER), DATE '1970-01-01')) AS DOUBLE)")
    }
}
