//! CSV cells as every CSV file `icp` writes has them (results, rejects): quoted only when
//! needed, exactly as the `csv` crate quotes, and guarded against spreadsheet formulas.
//!
//! How it works: a cell is quoted when it holds a comma, a quote or a line break
//! ([`needs_quotes`], eight bytes at a time), its quotes doubled inside. A text cell that a
//! spreadsheet would read as a formula — it begins with `=`, `+`, `-`, `@`, a tab or a
//! carriage return (OWASP's "CSV injection") — is written with a `'` in front when the
//! writer guards formulas, which it does unless told not to (`[output] escape_formulas =
//! false`, `--raw-cells`): Excel, LibreOffice and Google Sheets then show the text, not a
//! formula's result, and a reader that wants the original drops the one leading `'`. Numbers
//! stay numbers: a cell that is a plain decimal number (`-12`, `+3.5`, `-1e3`) is never
//! guarded, since no spreadsheet reads it as anything but that number, and the numeric
//! columns (`score`, `max_score`) are written as numbers in any case. A list cell (items
//! joined by `|`) is guarded by the text it begins with.

/// Whether a text cell starting this way would be read as a formula: its first byte is
/// `=`, `@`, a tab or a carriage return, or `+` / `-` when the whole cell is not a number.
/// `whole` is the cell's text when it is known to be all of it (`None` for the first item of
/// a longer list, which is never a number as a whole).
pub fn opens_formula(first: &[u8], whole: Option<&[u8]>) -> bool {
    match first.first() {
        Some(b'=' | b'@' | b'\t' | b'\r') => true,
        Some(b'+' | b'-') => !whole.is_some_and(is_number),
        _ => false,
    }
}

/// A plain decimal number with a sign: digits with at most one point, an optional exponent.
fn is_number(text: &[u8]) -> bool {
    let digits = &text[1.min(text.len())..];
    digits
        .first()
        .is_some_and(|b| b.is_ascii_digit() || *b == b'.')
        && std::str::from_utf8(text).is_ok_and(|t| t.parse::<f64>().is_ok())
}

/// One CSV cell as the `csv` crate writes it (and the header is written by it): quoted only
/// when it holds a comma, a quote or a line break, quotes doubled inside; with a `'` in
/// front when `guard` and it would open a formula.
pub(crate) fn csv_field(out: &mut Vec<u8>, text: &[u8], guard: bool) {
    let prefix: &[u8] = if guard && opens_formula(text, Some(text)) {
        b"'"
    } else {
        b""
    };
    if needs_quotes(text) {
        out.push(b'"');
        out.extend_from_slice(prefix);
        escaped(out, text);
        out.push(b'"');
    } else {
        out.extend_from_slice(prefix);
        out.extend_from_slice(text);
    }
}

/// The text of a cell for a writer that quotes by itself (the `csv` crate's): with a `'` in
/// front when `guard` and it would open a formula.
pub(crate) fn guarded(text: &str, guard: bool) -> std::borrow::Cow<'_, str> {
    if guard && opens_formula(text.as_bytes(), Some(text.as_bytes())) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// Texts joined by `|` as one CSV cell, each with whether it needs quoting (known already for
/// an ICP's texts): quoted, quotes doubled, when any of them needs it; guarded as
/// [`csv_field`] guards the joined text.
pub(crate) fn list_cell<'t>(
    out: &mut Vec<u8>,
    items: impl Iterator<Item = (&'t str, bool)> + Clone,
    guard: bool,
) {
    let quote = items.clone().any(|(_, q)| q);
    if quote {
        out.push(b'"');
    }
    if guard {
        let mut first = items.clone();
        if let Some((text, _)) = first.next() {
            let whole = first.next().is_none().then_some(text.as_bytes());
            if opens_formula(text.as_bytes(), whole) {
                out.push(b'\'');
            }
        }
    }
    for (k, (text, _)) in items.enumerate() {
        if k > 0 {
            out.push(b'|');
        }
        if quote {
            escaped(out, text.as_bytes());
        } else {
            out.extend_from_slice(text.as_bytes());
        }
    }
    if quote {
        out.push(b'"');
    }
}

/// `items` joined by `|` as one CSV cell, quoted and guarded as [`csv_field`] would the
/// joined text.
pub(crate) fn csv_list(out: &mut Vec<u8>, items: &[impl AsRef<str>], guard: bool) {
    list_cell(
        out,
        items.iter().map(|item| {
            let text = item.as_ref();
            (text, needs_quotes(text.as_bytes()))
        }),
        guard,
    );
}

/// Whether a cell holds a comma, a quote or a line break, eight bytes at a time.
pub(crate) fn needs_quotes(text: &[u8]) -> bool {
    let mut words = text.chunks_exact(8);
    for word in &mut words {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(word);
        let w = u64::from_le_bytes(bytes);
        if matches(w, b',') | matches(w, b'"') | matches(w, b'\n') | matches(w, b'\r') != 0 {
            return true;
        }
    }
    // The tail, under eight bytes: one at a time.
    words
        .remainder()
        .iter()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
}

/// The high bit of each byte of `word` (eight bytes, little-endian) that equals `byte`, and
/// no other bit: the bytes equal to it are the zero bytes of `word ^ byte…byte`, and adding
/// 0x7f to the low seven bits of a byte sets its high bit exactly when one of them is set,
/// without carrying into the next byte.
fn matches(word: u64, byte: u8) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let x = word ^ u64::from_le_bytes([byte; 8]);
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// `text` with its quotes doubled.
pub(crate) fn escaped(out: &mut Vec<u8>, text: &[u8]) {
    let mut from = 0;
    for at in memchr::memchr_iter(b'"', text) {
        out.extend_from_slice(&text[from..=at]);
        out.push(b'"');
        from = at + 1;
    }
    out.extend_from_slice(&text[from..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_written_as_the_csv_crate_writes_them() {
        let cells = [
            "",
            "plain",
            "a,b",
            "say \"hi\"",
            "\"",
            "two\nlines",
            "cr\rhere",
            " padded ",
            "#hash",
            "é ü 日本",
            "failed: company.industry has any [\"Gambling\", \"Tobacco\"]",
            "a|b|c",
            "\t",
            "'quote'",
        ];
        for a in cells {
            for b in cells {
                let mut ours = Vec::new();
                csv_field(&mut ours, a.as_bytes(), false);
                ours.push(b',');
                csv_field(&mut ours, b.as_bytes(), false);
                ours.push(b'\n');
                let mut theirs = csv::Writer::from_writer(Vec::new());
                theirs.write_record([a, b]).unwrap();
                assert_eq!(
                    String::from_utf8_lossy(&ours),
                    String::from_utf8_lossy(&theirs.into_inner().unwrap()),
                    "{a:?} {b:?}"
                );
            }
        }
    }

    #[test]
    fn quoting_is_needed_where_a_byte_by_byte_search_says() {
        let alphabet = [
            b'a', b',', b'"', b'\n', b'\r', b' ', 0x80, 0xac, 0xa2, 0x8d, b'|', b'#',
        ];
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        for _ in 0..5_000 {
            let state = crate::xorshift(&mut state);
            let len = (state % 33) as usize;
            // Mostly plain text, a special byte here and there.
            let text: Vec<u8> = (0..len)
                .map(|i| {
                    let pick = (state >> (i % 60)) as usize;
                    if pick.is_multiple_of(7) {
                        alphabet[pick % alphabet.len()]
                    } else {
                        b'x'
                    }
                })
                .collect();
            let expected = text
                .iter()
                .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'));
            assert_eq!(needs_quotes(&text), expected, "{text:?}");
        }
    }

    #[test]
    fn random_cells_are_written_as_the_csv_crate_writes_them() {
        let alphabet = ["a", "\"", ",", "\n", "\"\"", " ", "é", "long text here"];
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        for _ in 0..3_000 {
            let text = crate::random_text(&mut state, &alphabet, 8);
            let mut ours = b"x,".to_vec();
            csv_field(&mut ours, text.as_bytes(), false);
            ours.push(b'\n');
            let mut theirs = csv::WriterBuilder::new()
                .quote_style(csv::QuoteStyle::Necessary)
                .from_writer(Vec::new());
            theirs.write_record(["x", &text]).unwrap();
            assert_eq!(ours, theirs.into_inner().unwrap(), "{text:?}");
        }
    }

    #[test]
    fn a_list_cell_is_its_items_joined_then_quoted() {
        let lists: [&[&str]; 5] = [
            &[],
            &["core industry", "b2b"],
            &[
                "failed: geo_0",
                "excluded: company.industry has any [\"Gambling\"]",
            ],
            &["a,b"],
            &["one", "two\nlines", ""],
        ];
        for items in lists {
            let mut ours = b"x,".to_vec();
            csv_list(&mut ours, items, false);
            ours.push(b'\n');
            let mut theirs = csv::Writer::from_writer(Vec::new());
            theirs.write_record(["x", &items.join("|")]).unwrap();
            assert_eq!(ours, theirs.into_inner().unwrap(), "{items:?}");
        }
    }

    /// The cells a spreadsheet would run as formulas, and look-alikes it would not.
    #[test]
    fn cells_that_open_a_formula_get_a_quote_in_front() {
        let cases = [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"",
            ),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("@SUM(1+1)", "'@SUM(1+1)"),
            ("-2+3", "'-2+3"),
            ("\tTab", "'\tTab"),
            ("\rCR", "\"'\rCR\""),
            ("+49 30 1234", "'+49 30 1234"),
            ("-inf", "'-inf"),
            // Numbers stay numbers; other texts are untouched.
            ("-12", "-12"),
            ("+3.5", "+3.5"),
            ("-1e3", "-1e3"),
            ("-.5", "-.5"),
            ("Acme = good", "Acme = good"),
            ("", ""),
            ("'quoted'", "'quoted'"),
        ];
        for (text, expected) in cases {
            let mut out = Vec::new();
            csv_field(&mut out, text.as_bytes(), true);
            assert_eq!(String::from_utf8(out).unwrap(), expected, "{text:?}");
            assert_eq!(
                guarded(text, true).trim_start_matches('\''),
                text.trim_start_matches('\'')
            );
            let mut raw = b"x,".to_vec();
            csv_field(&mut raw, text.as_bytes(), false);
            raw.push(b'\n');
            let mut theirs = csv::Writer::from_writer(Vec::new());
            theirs.write_record(["x", text]).unwrap();
            assert_eq!(raw, theirs.into_inner().unwrap(), "unguarded {text:?}");
        }
    }

    #[test]
    fn a_list_cell_is_guarded_by_the_text_it_begins_with() {
        let cell = |items: &[&str]| {
            let mut out = Vec::new();
            csv_list(&mut out, items, true);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(cell(&["=1+1", "b"]), "'=1+1|b");
        assert_eq!(cell(&["-5"]), "-5");
        assert_eq!(cell(&["-5", "x"]), "'-5|x");
        assert_eq!(cell(&["a", "=b"]), "a|=b");
        assert_eq!(cell(&["@x,y"]), "\"'@x,y\"");
        assert_eq!(cell(&[]), "");
    }
}
