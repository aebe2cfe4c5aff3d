//! The fences of a Markdown document, their info strings, and the steps they ask for.
//!
//! A fence opens with a line of three or more backticks (after any indentation) followed by
//! an info string holding no backtick, so a line *starting* with inline code such as
//! ```` ```` ```icp ```` ```` opens nothing, and closes with a line of at least as many
//! backticks and nothing else. Its info string is the language, then words: `key=value`,
//! `key="a value with spaces"`, or a bare flag (`input`).
//!
//! The steps, in document order (the runner plays them in one scratch directory):
//!
//! - each `$ COMMAND` line of a ```` ```console ```` fence (a line ending with `\` continues
//!   on the next) runs `COMMAND`; the lines up to the next command are its standard output;
//! - a fence with `run="ARGS"` runs `icp ARGS`; its body is the command's standard output, or
//!   standard error with `stream=stderr`, or the file PATH it wrote with `file=PATH`, the
//!   first N lines only with `head=N`; `exit=N` is the exit code it must end with (default 0);
//!   `compare=json` compares the body and the output as JSON values (or JSON Lines), so the
//!   document may lay a long object out over lines;
//! - a fence with `output=NAME` holds the file NAME as the commands before it wrote it;
//! - a fence with `file=NAME` (and no `run=`) is a file the reader writes: it is written to
//!   NAME for the commands after it.

/// One fenced block: where it is and what its info string says.
#[derive(Debug, PartialEq)]
pub struct Fence {
    /// The line of the opening fence, counting from 1.
    pub line: usize,
    pub language: String,
    /// `key=value` words (`Some(value)`) and bare flags (`None`), in order.
    pub attributes: Vec<(String, Option<String>)>,
    /// The 0-based line numbers of the body: `body.0..body.1`.
    pub body: (usize, usize),
}

impl Fence {
    /// The value of `key=value`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.as_deref())
    }

    /// Whether the bare flag `flag` is there.
    pub fn has_flag(&self, flag: &str) -> bool {
        self.attributes
            .iter()
            .any(|(k, v)| k == flag && v.is_none())
    }
}

/// The number of backticks opening a fence on `line`, and its info string.
fn opening(line: &str) -> Option<(usize, &str)> {
    let trimmed = line.trim_start();
    let ticks = trimmed.len() - trimmed.trim_start_matches('`').len();
    let info = &trimmed[ticks..];
    (ticks >= 3 && !info.contains('`')).then_some((ticks, info.trim()))
}

fn closes(line: &str, ticks: usize) -> bool {
    let trimmed = line.trim();
    trimmed.len() >= ticks && trimmed.chars().all(|c| c == '`')
}

/// The words of an info string after its language: `key=value`, `key="quoted value"`, flags.
pub fn attributes(words: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut rest = words.trim_start();
    while !rest.is_empty() {
        let key_end = rest.find([' ', '=']).unwrap_or(rest.len());
        let key = rest[..key_end].to_string();
        rest = &rest[key_end..];
        let value = match rest.strip_prefix('=') {
            None => None,
            Some(after) => {
                let (value, next) = match after.strip_prefix('"') {
                    Some(quoted) => quoted.split_once('"').unwrap_or((quoted, "")),
                    None => after.split_once(' ').unwrap_or((after, "")),
                };
                rest = next;
                Some(value.to_string())
            }
        };
        out.push((key, value));
        rest = rest.trim_start();
    }
    out
}

/// Every fence of `markdown`, in document order.
pub fn fences(markdown: &str) -> Vec<Fence> {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut out = Vec::new();
    let mut n = 0;
    while n < lines.len() {
        let Some((ticks, info)) = opening(lines[n]) else {
            n += 1;
            continue;
        };
        let end = (n + 1..lines.len())
            .find(|&i| closes(lines[i], ticks))
            .unwrap_or(lines.len());
        let (language, words) = info.split_once(' ').unwrap_or((info, ""));
        out.push(Fence {
            line: n + 1,
            language: language.to_string(),
            attributes: attributes(words),
            body: (n + 1, end),
        });
        n = end + 1;
    }
    out
}

/// Which stream of a command a fence shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// A command to run in `sh -c`: the step's text is `stream` of it, or the `file` it wrote,
/// the first `head` lines only; it must exit with `exit`.
#[derive(Debug, PartialEq)]
pub struct Run {
    pub command: String,
    pub stream: Stream,
    pub file: Option<String>,
    pub head: Option<usize>,
    pub exit: i32,
}

impl Run {
    /// A command whose standard output is shown, which must succeed.
    pub fn printing(command: String) -> Run {
        Run {
            command,
            stream: Stream::Stdout,
            file: None,
            head: None,
            exit: 0,
        }
    }
}

/// What a document asks of the runner.
#[derive(Debug, PartialEq)]
pub enum Action {
    Run(Run),
    /// Compare the file of that name, as the steps before wrote it.
    Compare(String),
    /// Write the step's text to the file of that name.
    Write(String),
}

/// One step, the line that asks for it, and the lines of the document holding its text (the
/// command's output or the file's content: 0-based, `lines.0..lines.1`).
#[derive(Debug)]
pub struct Step {
    pub action: Action,
    pub line: usize,
    pub lines: (usize, usize),
    pub text: String,
    /// Compare as JSON values rather than as lines (`compare=json`).
    pub as_json: bool,
}

/// The steps of `markdown`, in document order; an error names a malformed attribute.
pub fn steps(markdown: &str) -> Result<Vec<Step>, String> {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut out = Vec::new();
    for fence in fences(markdown) {
        let (start, end) = fence.body;
        let step = |action| Step {
            action,
            line: fence.line,
            lines: (start, end),
            text: joined(&lines[start..end]),
            as_json: fence.get("compare") == Some("json"),
        };
        if fence.language == "console" {
            out.extend(console_steps(&lines, start, end));
        } else if let Some(args) = fence.get("run") {
            out.push(step(run_action(&fence, args)?));
        } else if let Some(name) = fence.get("output") {
            out.push(step(Action::Compare(name.to_string())));
        } else if let Some(name) = fence.get("file") {
            out.push(step(Action::Write(name.to_string())));
        }
    }
    Ok(out)
}

/// The `Run` of a fence marked `run="ARGS"`.
fn run_action(fence: &Fence, args: &str) -> Result<Action, String> {
    let number = |key: &str| -> Result<Option<i64>, String> {
        fence
            .get(key)
            .map(|v| {
                v.parse()
                    .map_err(|_| format!("line {}: {key}={v} is not a number", fence.line))
            })
            .transpose()
    };
    if let Some(other) = fence.get("compare").filter(|c| *c != "json") {
        return Err(format!(
            "line {}: compare={other}: the only comparison is compare=json",
            fence.line
        ));
    }
    let stream = match fence.get("stream") {
        None | Some("stdout") => Stream::Stdout,
        Some("stderr") => Stream::Stderr,
        Some(other) => {
            return Err(format!(
                "line {}: stream={other}: the streams are stdout and stderr",
                fence.line
            ));
        }
    };
    Ok(Action::Run(Run {
        command: format!("icp {args}"),
        stream,
        file: fence.get("file").map(str::to_string),
        head: number("head")?.map(|n| n.max(0) as usize),
        exit: number("exit")?.unwrap_or(0) as i32,
    }))
}

/// The commands of a console fence's body `lines[start..end]`, each with its output lines.
fn console_steps(lines: &[&str], start: usize, end: usize) -> Vec<Step> {
    let mut out = Vec::new();
    let mut n = start;
    while n < end {
        let Some(first) = lines[n].strip_prefix("$ ") else {
            n += 1;
            continue;
        };
        let line = n + 1;
        let mut command = first.to_string();
        while command.ends_with('\\') && n + 1 < end {
            command.pop();
            n += 1;
            command.push(' ');
            command.push_str(lines[n].trim_start());
        }
        let output_start = n + 1;
        let output_end = (output_start..end)
            .find(|&i| lines[i].starts_with("$ "))
            .unwrap_or(end);
        out.push(Step {
            action: Action::Run(Run::printing(command)),
            line,
            lines: (output_start, output_end),
            text: joined(&lines[output_start..output_end]),
            as_json: false,
        });
        n = output_end;
    }
    out
}

/// Lines with their trailing spaces and the trailing empty lines dropped, each ending in `\n`.
pub fn joined(lines: &[&str]) -> String {
    let mut text: String = lines
        .iter()
        .map(|l| format!("{}\n", l.trim_end()))
        .collect();
    while text.ends_with("\n\n") {
        text.pop();
    }
    if text == "\n" {
        text.clear();
    }
    text
}

/// `text` as `joined` gives it.
pub fn normalised(text: &str) -> String {
    joined(&text.lines().collect::<Vec<_>>())
}
