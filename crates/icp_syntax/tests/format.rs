//! The formatter: a before/after snapshot of every file in `tests/format_cases/`, and the
//! invariants that must hold for any input that parses — the output parses to the same AST
//! (comments included, in order), formatting it again changes nothing, every comment is kept
//! and the text is tidy (no trailing white space, one final newline, no double blank line).
//! The invariants are also checked with a comment, or a blank line, inserted at every place
//! of the case files where white space may stand.

use icp_diagnostics::FileId;
use icp_syntax::ast::File;
use icp_syntax::{FORMAT_WIDTH, format, parse};

fn parse_ok(source: &str, what: &str) -> File {
    parse(FileId(0), source).unwrap_or_else(|d| panic!("{what} does not parse: {d:?}\n{source}"))
}

/// The AST without spans, comments included (their texts, in order).
fn ast_json(file: &File) -> serde_json::Value {
    serde_json::to_value(file).expect("the AST serialises")
}

fn occurrences(haystack: &str, needle: &str) -> usize {
    haystack.match_indices(needle).count()
}

/// Formats `input` and checks every invariant of the formatter; returns the output.
fn format_checked(input: &str, name: &str) -> String {
    check_formatting(&parse_ok(input, name), input, name)
}

/// Formats `input`, parsed as `ast`, and checks every invariant; returns the output.
fn check_formatting(ast: &File, input: &str, name: &str) -> String {
    let once = format(ast, input);
    let reparsed = parse_ok(&once, &format!("the formatted {name}"));
    assert_eq!(
        ast_json(ast),
        ast_json(&reparsed),
        "{name}: formatting changed the AST or the comments\n--- input\n{input}\n--- output\n{once}"
    );
    let twice = format(&reparsed, &once);
    assert_eq!(
        once, twice,
        "{name}: formatting is not idempotent\n--- input\n{input}"
    );
    for comment in &ast.comments {
        assert_eq!(
            occurrences(input, &comment.text),
            occurrences(&once, &comment.text),
            "{name}: comment {:?} is not kept exactly once\n--- output\n{once}",
            comment.text
        );
    }
    if !once.is_empty() {
        assert!(
            once.ends_with('\n') && !once.ends_with("\n\n"),
            "{name}: not one final newline"
        );
        assert!(!once.starts_with('\n'), "{name}: starts with a blank line");
    }
    assert!(
        !once.contains("\n\n\n"),
        "{name}: two blank lines in a row\n{once}"
    );
    for (n, line) in once.lines().enumerate() {
        assert_eq!(
            line,
            line.trim_end(),
            "{name}:{}: trailing white space",
            n + 1
        );
        assert!(!line.starts_with('\t'), "{name}:{}: tab indentation", n + 1);
    }
    once
}

#[test]
fn format_cases() {
    insta::glob!("format_cases/*.icp", |path| {
        let input = std::fs::read_to_string(path).expect("readable case file");
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let output = format_checked(&input, &name);
        insta::assert_snapshot!(format!("--- input\n{input}\n--- formatted\n{output}"));
    });
}

fn case_files() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/format_cases");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("tests/format_cases exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "icp"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable case file");
            (
                p.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
                text,
            )
        })
        .collect();
    files.sort();
    assert!(files.len() >= 8, "case files missing");
    files
}

/// Offsets of `source` where white space stands, so that more white space or a comment may be
/// inserted (an insertion inside a string, regex or comment is skipped or harmless).
fn gaps(source: &str) -> Vec<usize> {
    source
        .char_indices()
        .filter(|(_, c)| c.is_ascii_whitespace())
        .map(|(i, _)| i)
        .collect()
}

#[test]
fn a_comment_anywhere_is_kept_and_formats_stably() {
    for (name, source) in case_files() {
        // The file written without spaces gets a comment between every two characters.
        let places = if name == "messy_spacing.icp" {
            source.char_indices().map(|(i, _)| i).collect()
        } else {
            gaps(&source)
        };
        for (n, at) in places.into_iter().enumerate() {
            let variant = format!("{} # inserted {n}\n{}", &source[..at], &source[at..]);
            if let Ok(ast) = parse(FileId(0), &variant) {
                check_formatting(
                    &ast,
                    &variant,
                    &format!("{name} with a comment at offset {at}"),
                );
            }
        }
    }
}

#[test]
fn a_blank_line_anywhere_formats_stably() {
    let with_blocks = ["comments.icp", "score_alignment.icp", "spec_example.icp"];
    for (name, source) in case_files() {
        if !with_blocks.contains(&name.as_str()) {
            continue;
        }
        for at in gaps(&source) {
            let variant = format!("{}\n\n{}", &source[..at], &source[at..]);
            if let Ok(ast) = parse(FileId(0), &variant) {
                check_formatting(
                    &ast,
                    &variant,
                    &format!("{name} with a blank line at offset {at}"),
                );
            }
        }
    }
}

#[test]
fn crlf_line_breaks_and_a_byte_order_mark_change_nothing() {
    for (name, source) in case_files() {
        let plain = format_checked(&source, &name);
        let windows = format!("\u{FEFF}{}", source.replace('\n', "\r\n"));
        assert_eq!(
            format_checked(&windows, &name),
            plain,
            "{name} with CRLF and a BOM"
        );
    }
}

#[test]
fn the_spec_example_keeps_its_layout() {
    let input = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/format_cases/spec_example.icp"),
    )
    .expect("readable");
    let output = format_checked(&input, "spec_example.icp");
    // The SPEC's own layout of the persona that does not fit on one line.
    assert!(output.contains(
        "persona economic_buyer \"Economic buyer\" when\n    contact.seniority in [\"C-Level\", \"VP\"] and contact.department in [\"Finance\", \"Operations\"]\n"
    ));
    // Aligned scores, and the group's own run.
    assert!(output.contains("  score  20 \"core industry\" when company.industry has any"));
    assert!(
        output.contains(
            "  score -30 \"competitor\"    when company.technologies has \"Salesforce\"\n"
        )
    );
    assert!(
        output
            .contains("    score 10 \"SaaStr visitor\" when events.attended(\"SaaStr Annual\")\n")
    );
}

#[test]
fn a_line_of_exactly_the_width_fits() {
    let head = "let x = company.name in [\"";
    let tail = "\"]";
    let filler = "a".repeat(FORMAT_WIDTH - head.len() - tail.len());
    let fits = format!("{head}{filler}{tail}\n");
    assert_eq!(fits.trim_end().len(), FORMAT_WIDTH);
    assert_eq!(format_checked(&fits, "100 columns"), fits);

    let too_long = format!("{head}{filler}a{tail}\n");
    let expected = format!("let x =\n    company.name in [\"{filler}a\"]\n");
    assert_eq!(format_checked(&too_long, "101 columns"), expected);
}

#[test]
fn a_long_chain_breaks_before_each_operator() {
    let operands: Vec<String> = (0..12)
        .map(|i| format!("company.employees > {i}000"))
        .collect();
    let input = format!("let x = {}\n", operands.join(" and "));
    let expected = format!("let x =\n    {}\n", operands.join("\n    and "));
    assert_eq!(format_checked(&input, "chain"), expected);
}

#[test]
fn lets_and_personas_keep_their_grouping_and_blocks_stand_apart() {
    let long = format!("company.name == \"{}\"", "n".repeat(76));
    let input = format!(
        "let a = 1\nlet b = {long}\nlet c = 2\n\n\nlet d = 3\nicp x {{ require c > d }}\ntest \"t\" {{ expect x qualified }}\n"
    );
    let expected = format!(
        "let a = 1\nlet b =\n    {long}\nlet c = 2\n\nlet d = 3\n\nicp x {{\n  require c > d\n}}\n\ntest \"t\" {{\n  expect x qualified\n}}\n"
    );
    assert_eq!(format_checked(&input, "grouping"), expected);
}

#[test]
fn empty_and_comment_only_files() {
    assert_eq!(format_checked("", "empty"), "");
    assert_eq!(format_checked("  \n\n\t\n", "blank"), "");
    assert_eq!(
        format_checked("\n\n  # only\n\n\n", "one comment"),
        "# only\n"
    );
}

#[test]
fn literals_are_printed_as_written_and_strings_re_escaped() {
    let input = "let x = [10M, 1_000, 2.5K, 0.25]\nlet y = funding.raised_within(6mo) or company.founded_on < 2026-01-15\nlet z = company.name matches /\\b(x|y)\\//i and company.name == \"a\\\"b\\\\c\\nd\\te\tf\"\n";
    let output = format_checked(input, "literals");
    assert!(output.contains("[10M, 1_000, 2.5K, 0.25]"));
    assert!(output.contains("raised_within(6mo)") && output.contains("< 2026-01-15"));
    assert!(output.contains("/\\b(x|y)\\//i"));
    // The raw tab in the string comes out as the escape `\t`.
    assert!(output.contains("\"a\\\"b\\\\c\\nd\\te\\tf\""), "{output}");
}

#[test]
fn deep_and_long_inputs_do_not_overflow() {
    // A long chain is printed without recursion on its length.
    let operands: Vec<String> = (0..icp_syntax::MAX_OPERATORS - 1)
        .map(|i| format!("x{i}"))
        .collect();
    let input = format!("let x = {}\n", operands.join(" or "));
    let ast = parse_ok(&input, "long chain");
    assert_eq!(
        format(&ast, &input).lines().count(),
        icp_syntax::MAX_OPERATORS
    );

    // Nesting as deep as the parser accepts. The parser needs a few MB of stack for it in a
    // debug build; the formatter must get by with far less, so that whatever thread could
    // parse a file can also format it.
    let depth = icp_syntax::MAX_NESTING - 1;
    let inputs = [
        format!("let x = {}1{}\n", "[".repeat(depth), "]".repeat(depth)),
        format!("let x = {}1{} > 0\n", "(".repeat(depth), ")".repeat(depth)),
        format!("let x = {}1{}\n", "f(".repeat(depth), ")".repeat(depth)),
        format!(
            "let x = {}a{}\n",
            "not (".repeat(depth / 2),
            ")".repeat(depth / 2)
        ),
        format!(
            "let x = {}contact.a == 1\n",
            "any contact where ".repeat(depth)
        ),
    ];
    for input in inputs {
        let parsed = {
            let input = input.clone();
            std::thread::Builder::new()
                .stack_size(64 << 20)
                .spawn(move || parse_ok(&input, "deep input"))
                .expect("thread")
                .join()
                .expect("parses")
        };
        let output = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(move || format(&parsed, &input))
            .expect("thread")
            .join()
            .expect("formats in 1 MB of stack");
        assert!(output.starts_with("let x ="), "{output}");
    }
}
