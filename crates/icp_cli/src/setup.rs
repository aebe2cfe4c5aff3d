//! What `icp score` and `icp explain` do before reading a lead, written once for both.
//!
//! How it works: [`LeadSetup::prepare`] compiles the rule set against the loaded plugins
//! (printing the rule errors and stopping with exit 1 when there are any), initialises the
//! plugins the rules call, reads the as-of date and settles the lead files: `--leads` and
//! `--contacts`, else the `[score]` table of `icp.toml`. The table's files go together: naming
//! another lead file leaves its contacts, output and rejects defaults out
//! ([`LeadFiles::default`]). `--leads -` is standard input, CSV unless `--input-format jsonl`;
//! a file's format follows its extension ([`file_format`]). It lists every file the run reads
//! (`crate::inputs`), which no output may overwrite. [`LeadSetup::open_reader`] opens the lead
//! reader both commands use.

use std::io::Write;
use std::path::{Path, PathBuf};

use icp_engine::ir::RuleSet;
use icp_io::{InputFormat, LeadReader, ReadOptions};
use icp_plugin_host::{Host, Signals};

use crate::args::{as_of_date, file_format};
use crate::config::Config;
use crate::error::{RunError, UsageError};
use crate::project::Project;
use crate::{LeadArgs, OutFormat};

/// A compiled rule set with its plugins ready, the lead files and the as-of date.
pub struct LeadSetup<'h> {
    pub rules: RuleSet,
    pub signals: Signals<'h>,
    pub files: LeadFiles,
    /// The as-of date, in days since 1970-01-01.
    pub today: i32,
    /// Every file the run reads (leads, rules, icp.toml, plugins and their data), which no
    /// output may overwrite.
    pub read: Vec<PathBuf>,
    /// `--progress`: show the reading's progress even when stderr is not a terminal.
    pub progress: bool,
}

impl<'h> LeadSetup<'h> {
    /// The setup for `input`, or `None` when the rule set has errors (printed, exit 1).
    pub fn prepare(
        project: &Project,
        host: &'h Host,
        input: LeadArgs,
    ) -> Result<Option<LeadSetup<'h>>, UsageError> {
        let Some((rules, _)) =
            project.compile_or_report(host.catalog(), &input.rules, "nothing was scored")?
        else {
            return Ok(None);
        };
        let signals = host.prepare(&rules)?;
        let today = as_of_date(input.as_of.as_deref())?;
        let files = LeadFiles::settle(project, input.leads, input.contacts, input.input_format)?;
        let mut read = crate::inputs::files_read(project, host, &input.rules, &files.paths());
        read.extend(rules.list_files.iter().cloned());
        Ok(Some(LeadSetup {
            rules,
            signals,
            files,
            today,
            read,
            progress: input.progress,
        }))
    }

    /// The reader of the lead files; `fields` limits parsing to the fields read (all if
    /// `None`), and `rejects` receives rows that cannot be read, their cells as they are
    /// when `raw_cells`.
    pub fn open_reader(
        &self,
        config: &Config,
        rejects: Option<Box<dyn Write + Send>>,
        fields: Option<Vec<bool>>,
        raw_cells: bool,
    ) -> Result<LeadReader, RunError> {
        self.files
            .open_reader(&self.rules.schema, config, rejects, fields, raw_cells)
    }
}

impl LeadSetup<'_> {
    /// The progress of `reader` as `what` ("scoring") on stderr: a bar on a terminal, lines
    /// with `--progress`, else nothing (`crate::progress`). Shown until dropped.
    pub fn show_progress(
        &self,
        what: &'static str,
        reader: &LeadReader,
    ) -> Option<crate::progress::Progress> {
        crate::progress::Progress::start(self.progress, what, reader.progress())
    }
}

impl LeadFiles {
    /// The reader of the lead files, for a rule set of `schema`; see
    /// [`LeadSetup::open_reader`].
    pub fn open_reader(
        &self,
        schema: &icp_engine::Schema,
        config: &Config,
        rejects: Option<Box<dyn Write + Send>>,
        fields: Option<Vec<bool>>,
        raw_cells: bool,
    ) -> Result<LeadReader, RunError> {
        let files = self;
        let options = ReadOptions {
            format: Some(files.format),
            contacts: files.contacts.clone(),
            rejects,
            fields,
            raw_cells,
        };
        let input = &config.input;
        Ok(if files.reads_stdin() {
            let stdin = Box::new(std::io::stdin());
            LeadReader::from_reader(
                stdin,
                Path::new(STDIN),
                files.format,
                schema,
                input,
                options,
            )?
        } else {
            LeadReader::open(&files.leads, schema, input, options)?
        })
    }
}

/// How standard input is named in messages.
pub const STDIN: &str = "standard input";

/// The lead files of `score` and `explain`.
#[derive(Debug, Clone)]
pub struct LeadFiles {
    /// The leads file, `-` for standard input.
    pub leads: PathBuf,
    /// The leads' format.
    pub format: InputFormat,
    pub contacts: Option<PathBuf>,
    /// Whether `--leads` was left out, so the `[score]` table supplies the files.
    from_config: bool,
}

impl LeadFiles {
    /// `--leads`, `--contacts` and `--input-format` settled: the files against the working
    /// directory (else the `[score]` table), the format from the flag or the extension.
    pub fn settle(
        project: &Project,
        leads: Option<PathBuf>,
        contacts: Option<PathBuf>,
        input_format: Option<OutFormat>,
    ) -> Result<LeadFiles, UsageError> {
        let mut files = LeadFiles::resolve(project, leads, contacts)?;
        let named = (!files.reads_stdin()).then_some(files.leads.as_path());
        files.format = match file_format("--input-format", input_format, named)? {
            OutFormat::Csv => InputFormat::Csv,
            OutFormat::Jsonl => InputFormat::JsonLines,
        };
        Ok(files)
    }

    /// The lead files read: the leads, then the contacts if any.
    pub fn paths(&self) -> Vec<&Path> {
        std::iter::once(self.leads.as_path())
            .chain(self.contacts.as_deref())
            .collect()
    }

    /// `--leads` and `--contacts` against the working directory, else the `[score]` table.
    fn resolve(
        project: &Project,
        leads: Option<PathBuf>,
        contacts: Option<PathBuf>,
    ) -> Result<LeadFiles, UsageError> {
        let score = &project.config.score;
        let from_config = leads.is_none();
        let leads = leads
            .map(|p| {
                if p.as_os_str() == "-" {
                    p
                } else {
                    project.cwd.join(p)
                }
            })
            .or_else(|| score.leads.clone())
            .ok_or(UsageError::NoLeads)?;
        let mut files = LeadFiles {
            leads,
            format: InputFormat::Csv,
            contacts: None,
            from_config,
        };
        files.contacts = contacts
            .map(|p| project.cwd.join(p))
            .or_else(|| files.default(&score.contacts));
        Ok(files)
    }

    /// Whether the leads come from standard input (`--leads -`).
    pub fn reads_stdin(&self) -> bool {
        self.leads.as_os_str() == "-"
    }

    /// The leads file as messages name it.
    pub fn leads_shown(&self, project: &Project) -> String {
        if self.reads_stdin() {
            STDIN.to_string()
        } else {
            project.show(&self.leads)
        }
    }

    /// A `[score]` default, which applies only when the lead file came from `[score]` too:
    /// the table's files go together, and naming another lead set leaves them all out.
    pub fn default(&self, value: &Option<PathBuf>) -> Option<PathBuf> {
        if self.from_config {
            value.clone()
        } else {
            None
        }
    }
}
