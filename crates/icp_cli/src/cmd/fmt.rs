//! `icp fmt`: rewrite rule files in the canonical layout.
//!
//! How it works: each rule file is parsed and printed back by `icp_syntax::format`; a file
//! whose text changes is rewritten (or, with `--check`, only named). A file with syntax errors
//! is reported and left as it is. `-` formats standard input to standard output. Exit 1 when a
//! file has syntax errors, or with `--check` when a file would change. Plugins are not
//! loaded: formatting needs no signal declarations.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use icp_diagnostics::SourceMap;

use crate::Format;
use crate::error::UsageError;
use crate::project::{Project, print_diagnostics};
use crate::show::plural;

/// `icp fmt [--check] [PATHS | -]`.
pub fn run(project: &Project, paths: &[PathBuf], check_only: bool) -> Result<ExitCode, UsageError> {
    if paths.len() == 1 && paths[0].as_os_str() == "-" {
        return fmt_stdin(project.color);
    }
    let files = project.rule_files(paths)?;
    let sources = project.read_sources(&files)?;
    let mut failed = false;
    let mut changed = 0;
    let mut out = std::io::stdout();
    for ((id, source), path) in sources.files().zip(&files) {
        let ast = match icp_syntax::parse(id, source.text()) {
            Ok(ast) => ast,
            Err(diagnostics) => {
                print_diagnostics(&sources, &diagnostics, Format::Text, project.color);
                failed = true;
                continue;
            }
        };
        let formatted = icp_syntax::format(&ast, source.text());
        if formatted == source.text() {
            continue;
        }
        changed += 1;
        if check_only {
            let _ = writeln!(out, "would reformat {}", source.name());
        } else {
            std::fs::write(path, formatted)
                .map_err(|e| UsageError::Write(source.name().to_string(), e))?;
            let _ = writeln!(out, "reformatted {}", source.name());
        }
    }
    let unchanged = files.len() - changed;
    let verb = if check_only {
        "would be reformatted"
    } else {
        "reformatted"
    };
    let _ = writeln!(
        out,
        "{} {verb}, {} already formatted{}",
        plural(changed, "file"),
        unchanged,
        if failed {
            "; some files have syntax errors"
        } else {
            ""
        }
    );
    Ok(if failed || (check_only && changed > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `icp fmt -`: standard input formatted to standard output; syntax errors go to stderr.
fn fmt_stdin(color: bool) -> Result<ExitCode, UsageError> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| UsageError::Read("standard input".into(), e))?;
    let mut sources = SourceMap::new();
    let id = sources.add("<stdin>", text.clone());
    match icp_syntax::parse(id, &text) {
        Ok(ast) => {
            let _ = std::io::stdout().write_all(icp_syntax::format(&ast, &text).as_bytes());
            Ok(ExitCode::SUCCESS)
        }
        Err(diagnostics) => {
            let rendered = icp_diagnostics::render_text(&sources, &diagnostics, color);
            let _ = std::io::stderr().write_all(rendered.as_bytes());
            Ok(ExitCode::from(1))
        }
    }
}
