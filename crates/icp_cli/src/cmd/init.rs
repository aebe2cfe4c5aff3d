//! `icp init [DIR] [--template NAME]`: start a project — `icp.toml`, a rule file with its
//! tests and a sample lead set — and say what to run next; `icp init --list` lists the
//! templates.
//!
//! How it works: the template ([`templates`]) gives the files under `rules/`, and every
//! project gets the same `icp.toml` and a sample of 200 companies and their contacts, drawn
//! by `icp_gen` with a fixed seed (so the same bytes on every run, and no lead file to keep
//! in step with the generator). Nothing is ever overwritten: the files that already exist are
//! named and the run stops (exit 2) before anything is written. Otherwise every file is one
//! [`OutputSet`] made with [`OutputSet::new_files`], written to temporary files beside the
//! targets and linked into place together only when all are written — a link fails rather
//! than replace a file that appeared in the meantime, and then none stays. The directories
//! the project needs are created first; those this run created are removed again if it
//! fails. `icp init` needs no project: it runs before any `icp.toml` is looked for.

pub mod templates;

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use icp_diagnostics::columns::pad_end;

use crate::error::UsageError;
use crate::outputs::OutputSet;
use crate::show::{display, group_digits, plural};
use templates::{COMPANIES, CONTACTS, SCORED, Template};

/// What `icp init` was asked for.
#[derive(Debug)]
pub struct InitRequest {
    pub dir: Option<PathBuf>,
    pub template: Option<String>,
    pub list: bool,
}

/// `icp init`.
pub fn run(cwd: &Path, request: InitRequest) -> Result<ExitCode, UsageError> {
    if request.list {
        let mut out = String::from("templates (icp init --template NAME):\n");
        for t in templates::TEMPLATES {
            let default = if t.name == templates::DEFAULT {
                " (default)"
            } else {
                ""
            };
            out.push_str(&format!("  {:<16}{}{default}\n", t.name, t.about));
        }
        let _ = std::io::stdout().write_all(out.as_bytes());
        return Ok(ExitCode::SUCCESS);
    }
    let name = request.template.as_deref().unwrap_or(templates::DEFAULT);
    let template = templates::find(name).ok_or_else(|| unknown_template(name))?;
    let root = cwd.join(request.dir.as_deref().unwrap_or(Path::new(".")));
    if root.exists() && !root.is_dir() {
        return Err(UsageError::Init(format!(
            "{} is a file; give a directory for the new project",
            display(cwd, &root)
        )));
    }
    let files = project_files(template);
    let targets: Vec<PathBuf> = files.iter().map(|f| root.join(&f.path)).collect();
    let existing: Vec<String> = targets
        .iter()
        .filter(|t| t.symlink_metadata().is_ok())
        .map(|t| display(cwd, t))
        .collect();
    if !existing.is_empty() {
        return Err(UsageError::Init(format!(
            "{} already {}; icp init writes only new files, so nothing was written \
             (start the project in another directory, or move {} away)",
            existing.join(", "),
            if existing.len() == 1 {
                "exists"
            } else {
                "exist"
            },
            if existing.len() == 1 { "it" } else { "them" },
        )));
    }
    let created = create_directories(cwd, &targets)?;
    let written = write_files(cwd, &files, &targets);
    if written.is_err() {
        // Deepest first, and only those still empty: this run's, holding nothing of ours.
        for dir in created.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
    let sample = written?;
    let _ =
        std::io::stdout().write_all(next_steps(cwd, &root, template, &files, &sample).as_bytes());
    Ok(ExitCode::SUCCESS)
}

/// One file of the new project.
struct ProjectFile {
    /// Relative to the project's directory.
    path: String,
    what: Contents,
}

enum Contents {
    Text(String),
    SampleCompanies,
    SampleContacts,
}

/// The files a project made from `template` has, in the order they are listed.
fn project_files(template: &Template) -> Vec<ProjectFile> {
    let mut files = vec![ProjectFile {
        path: "icp.toml".to_string(),
        what: Contents::Text(templates::config(template)),
    }];
    for (path, text) in template.files {
        files.push(ProjectFile {
            path: format!("rules/{path}"),
            what: Contents::Text((*text).to_string()),
        });
    }
    files.push(ProjectFile {
        path: COMPANIES.to_string(),
        what: Contents::SampleCompanies,
    });
    files.push(ProjectFile {
        path: CONTACTS.to_string(),
        what: Contents::SampleContacts,
    });
    files
}

/// Creates the directories the targets need; returns those that did not exist, outermost
/// first.
fn create_directories(cwd: &Path, targets: &[PathBuf]) -> Result<Vec<PathBuf>, UsageError> {
    let mut created = Vec::new();
    for target in targets {
        let Some(parent) = target.parent() else {
            continue;
        };
        let missing: Vec<&Path> = parent.ancestors().take_while(|d| !d.exists()).collect();
        for dir in missing.into_iter().rev() {
            if let Err(e) = std::fs::create_dir(dir) {
                for done in created.iter().rev() {
                    let _ = std::fs::remove_dir(done);
                }
                return Err(UsageError::Write(display(cwd, dir), e));
            }
            created.push(dir.to_path_buf());
        }
    }
    Ok(created)
}

/// Writes every file through one output set; returns what the sample holds.
fn write_files(
    cwd: &Path,
    files: &[ProjectFile],
    targets: &[PathBuf],
) -> Result<icp_gen::GenReport, UsageError> {
    let failed = |i: usize| move |e| UsageError::Write(display(cwd, &targets[i]), e);
    let mut set = OutputSet::new_files(targets).map_err(|same| {
        UsageError::Init(format!(
            "{} and {} are one file",
            display(cwd, &same.first),
            display(cwd, &same.second)
        ))
    })?;
    let mut samples = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let handle = BufWriter::new(set.create(i).map_err(failed(i))?);
        match &file.what {
            Contents::Text(text) => {
                let mut out = handle;
                out.write_all(text.as_bytes())
                    .and_then(|()| out.flush())
                    .map_err(failed(i))?;
            }
            Contents::SampleCompanies | Contents::SampleContacts => samples.push((i, handle)),
        }
    }
    // `project_files` lists the companies, then the contacts, last.
    let [(ci, mut companies), (ki, mut contacts)]: [_; 2] = samples
        .try_into()
        .map_err(|_| UsageError::Init("the sample lead files are missing".to_string()))?;
    let sample = icp_gen::generate(&templates::SAMPLE, &mut companies, Some(&mut contacts))
        .map_err(failed(ci))?;
    companies.flush().map_err(failed(ci))?;
    contacts.flush().map_err(failed(ki))?;
    drop((companies, contacts));
    set.commit()
        .map_err(|(path, e)| UsageError::Write(display(cwd, &path), e))?;
    Ok(sample)
}

/// What was written, and the commands to run next.
fn next_steps(
    cwd: &Path,
    root: &Path,
    template: &Template,
    files: &[ProjectFile],
    sample: &icp_gen::GenReport,
) -> String {
    let shown_root = display(cwd, root);
    let mut out = format!(
        "created a project in {shown_root} from the {} template:\n",
        template.name
    );
    for file in files {
        let note = match file.what {
            Contents::SampleCompanies => {
                format!(
                    "  sample leads: {} companies",
                    group_digits(sample.companies)
                )
            }
            Contents::SampleContacts => {
                format!("  their {} contacts", group_digits(sample.contacts))
            }
            Contents::Text(_) if file.path.ends_with(".icp") => {
                "  the rules, with their tests".to_string()
            }
            Contents::Text(_) => String::new(),
        };
        let line = format!("  {}{note}", pad_end(&file.path, 28));
        out.push_str(line.trim_end());
        out.push('\n');
    }
    let rules = files.iter().filter(|f| f.path.ends_with(".icp")).count();
    out.push_str("next:\n");
    if shown_root != "." {
        out.push_str(&format!("  cd {shown_root}\n"));
    }
    out.push_str(&format!(
        "  icp check       # type-check the rules ({})\n  \
         icp test        # run their test blocks\n  \
         icp score       # score {COMPANIES} into {SCORED}, with a summary\n  \
         icp explain --id C00001   # why one lead got its tier\n\
         then edit the rules in rules/, and point [score] in icp.toml at your own export\n",
        plural(rules, "file")
    ));
    out
}

fn unknown_template(name: &str) -> UsageError {
    let names: Vec<&str> = templates::TEMPLATES.iter().map(|t| t.name).collect();
    UsageError::Init(format!(
        "--template {name}: no such template; the templates are {} (icp init --list)",
        names.join(", ")
    ))
}
