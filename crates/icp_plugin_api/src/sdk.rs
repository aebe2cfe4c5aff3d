//! The SDK: write a signal plugin in safe Rust.
//!
//! How it works: a plugin implements [`Plugin`] — its name, an `init` that reads its
//! configuration and data, and the list of its [`Signal`]s, each a name, a documentation line,
//! typed parameters, the lead fields it reads and a closure computing the value for one lead —
//! and exports it with [`export_plugin!`](crate::export_plugin). The SDK builds the C table
//! from the declarations, and at each batch call turns the host's columns into safe views,
//! runs the closure for every lead, checks that each result has the declared type, and hands
//! back one output column it frees when the host releases it. Every entry point runs inside
//! `catch_unwind`: a panic, like an `Err`, becomes an error message for the host (with the
//! panic's location), never an abort.
//!
//! ```
//! use icp_plugin_api::sdk::*;
//!
//! struct Hello;
//!
//! impl Plugin for Hello {
//!     const NAME: &'static str = "hello";
//!     const VERSION: &'static str = "0.1.0";
//!
//!     fn init(_config: &Config) -> Result<Self> {
//!         Ok(Hello)
//!     }
//!
//!     fn signals() -> Vec<Signal<Self>> {
//!         vec![Signal::new("domain_length", Type::Number)
//!             .doc("The number of characters in the company's domain.")
//!             .input("company.domain")
//!             .eval(|_, lead, _| Ok(lead.text("company.domain").map(|d| d.len() as f64)))]
//!     }
//! }
//!
//! icp_plugin_api::export_plugin!(Hello);
//! ```

use std::any::Any;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::c_void;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Once, OnceLock};

use crate::{
    ABI_MINOR, ArgV1, CallV1, Column, ErrorSink, FAILED, FLAG_DETERMINISTIC, MAGIC, MISSING, OK,
    ParamDecl, PluginV1, SignalDecl, Str, ty,
};

/// An error a plugin reports; the host shows it with the plugin's name and file.
#[derive(Debug, Clone, PartialEq)]
pub struct Error(pub String);

impl Error {
    pub fn new(message: impl Into<String>) -> Error {
        Error(message.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl From<&str> for Error {
    fn from(message: &str) -> Error {
        Error(message.to_string())
    }
}

impl From<String> for Error {
    fn from(message: String) -> Error {
        Error(message)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The type of a parameter, an input field or a signal's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    Bool,
    Number,
    String,
    Date,
    Duration,
    /// A list of strings.
    List,
}

impl Type {
    fn code(self) -> u32 {
        match self {
            Type::Bool => ty::BOOL,
            Type::Number => ty::NUMBER,
            Type::String => ty::STRING,
            Type::Date => ty::DATE,
            Type::Duration => ty::DURATION,
            Type::List => ty::STRING_LIST,
        }
    }

    fn name(self) -> &'static str {
        ty::name(self.code()).unwrap_or("?")
    }
}

/// A calendar date, as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub i32);

impl Date {
    /// The date of a year, month and day, if there is one.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
            2 => 28,
            _ => return None,
        };
        if day == 0 || day > days_in_month {
            return None;
        }
        // Days from civil (Howard Hinnant's algorithm).
        let y = i64::from(year) - i64::from(month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (i64::from(month) + 9) % 12;
        let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        i32::try_from(era * 146_097 + doe - 719_468).ok().map(Date)
    }

    /// Parses `YYYY-MM-DD`, ignoring a time after it (`2024-03-05T10:00:00Z`).
    pub fn parse(text: &str) -> Option<Date> {
        let text = text.trim();
        let date = text.split(['T', ' ']).next()?;
        let mut parts = date.splitn(3, '-');
        let year = parts.next()?.parse().ok()?;
        let month = parts.next()?.parse().ok()?;
        let day = parts.next()?.parse().ok()?;
        Date::from_ymd(year, month, day)
    }

    /// Days from `earlier` to `self` (negative when `earlier` is later).
    pub fn days_since(self, earlier: Date) -> i32 {
        self.0 - earlier.0
    }
}

/// A signal's value for one lead.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Bool(bool),
    Number(f64),
    String(String),
    Date(Date),
    /// A number of days.
    Duration(f64),
    List(Vec<String>),
}

impl Value {
    fn ty(&self) -> Type {
        match self {
            Value::Bool(_) => Type::Bool,
            Value::Number(_) => Type::Number,
            Value::String(_) => Type::String,
            Value::Date(_) => Type::Date,
            Value::Duration(_) => Type::Duration,
            Value::List(_) => Type::List,
        }
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Bool(v)
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Number(v)
    }
}
impl From<i32> for Value {
    fn from(v: i32) -> Value {
        Value::Number(f64::from(v))
    }
}
impl From<usize> for Value {
    fn from(v: usize) -> Value {
        Value::Number(v as f64)
    }
}
impl From<Date> for Value {
    fn from(v: Date) -> Value {
        Value::Date(v)
    }
}
impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::String(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::String(v.to_string())
    }
}
impl From<Vec<String>> for Value {
    fn from(v: Vec<String>) -> Value {
        Value::List(v)
    }
}

/// A plugin: its identity, its initialisation and its signals.
pub trait Plugin: Sized + Send + Sync + 'static {
    /// The namespace of its signals in the rules: `funding` in `funding.total_raised`.
    const NAME: &'static str;
    const VERSION: &'static str;
    /// One line on what the plugin knows.
    const DOC: &'static str = "";

    /// Reads the configuration from `icp.toml` (`[plugins.NAME]`) and loads the data.
    fn init(config: &Config) -> Result<Self>;

    /// The signals, in a fixed order.
    fn signals() -> Vec<Signal<Self>>;
}

type EvalFn<P> = dyn Fn(&P, &Lead<'_>, &Args<'_>) -> Result<Option<Value>> + Send + Sync;

/// One signal: its declaration and how to compute it for one lead.
pub struct Signal<P> {
    name: String,
    doc: String,
    params: Vec<(String, Type, bool)>,
    output: Type,
    inputs: Vec<String>,
    deterministic: bool,
    eval: Option<Box<EvalFn<P>>>,
}

impl<P> fmt::Debug for Signal<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal")
            .field("name", &self.name)
            .field("params", &self.params)
            .field("output", &self.output)
            .field("inputs", &self.inputs)
            .finish_non_exhaustive()
    }
}

impl<P: Plugin> Signal<P> {
    /// A signal called `name` whose value has type `output`.
    pub fn new(name: &str, output: Type) -> Signal<P> {
        Signal {
            name: name.to_string(),
            doc: String::new(),
            params: Vec::new(),
            output,
            inputs: Vec::new(),
            deterministic: true,
            eval: None,
        }
    }

    pub fn doc(mut self, doc: &str) -> Self {
        self.doc = doc.to_string();
        self
    }

    /// A required parameter; rules pass parameters in this order or by name.
    pub fn param(mut self, name: &str, ty: Type) -> Self {
        self.params.push((name.to_string(), ty, false));
        self
    }

    /// An optional parameter: [`Args`] gives `None` when the rule leaves it out.
    pub fn optional_param(mut self, name: &str, ty: Type) -> Self {
        self.params.push((name.to_string(), ty, true));
        self
    }

    /// A lead field the signal reads, as `company.NAME` or `contact.NAME`.
    pub fn input(mut self, field: &str) -> Self {
        self.inputs.push(field.to_string());
        self
    }

    /// The value may change between calls with the same inputs (a live lookup, say).
    pub fn nondeterministic(mut self) -> Self {
        self.deterministic = false;
        self
    }

    /// How to compute the value for one lead; `Ok(None)` means unknown.
    pub fn eval<T, F>(mut self, f: F) -> Self
    where
        T: Into<Value>,
        F: Fn(&P, &Lead<'_>, &Args<'_>) -> Result<Option<T>> + Send + Sync + 'static,
    {
        self.eval = Some(Box::new(move |p, lead, args| {
            f(p, lead, args).map(|v| v.map(Into::into))
        }));
        self
    }
}

/// The plugin's configuration: its `[plugins.NAME]` table from `icp.toml`.
#[derive(Debug, Clone)]
pub struct Config {
    values: serde_json::Map<String, serde_json::Value>,
    base_dir: PathBuf,
}

impl Config {
    /// A configuration from a JSON object; relative paths are resolved against `base_dir`.
    pub fn from_json(json: &str, base_dir: &Path) -> Result<Config> {
        let values = if json.trim().is_empty() {
            serde_json::Map::new()
        } else {
            match serde_json::from_str(json) {
                Ok(serde_json::Value::Object(values)) => values,
                Ok(_) => return Err("the configuration is not a table".into()),
                Err(e) => return Err(format!("the configuration is not valid JSON: {e}").into()),
            }
        };
        Ok(Config {
            values,
            base_dir: base_dir.to_path_buf(),
        })
    }

    /// The raw value of a key.
    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        self.values.get(key)
    }

    /// A text value, if the key is set.
    pub fn opt_str(&self, key: &str) -> Result<Option<&str>> {
        match self.values.get(key) {
            None => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(format!("`{key}` must be a string, not {other}").into()),
        }
    }

    /// A text value that must be set.
    pub fn str(&self, key: &str) -> Result<&str> {
        self.opt_str(key)?
            .ok_or_else(|| format!("the configuration needs `{key}`").into())
    }

    /// A path, relative to the directory of `icp.toml`, if the key is set.
    pub fn opt_path(&self, key: &str) -> Result<Option<PathBuf>> {
        Ok(self.opt_str(key)?.map(|p| self.base_dir.join(p)))
    }

    /// A path, relative to the directory of `icp.toml`, that must be set.
    pub fn path(&self, key: &str) -> Result<PathBuf> {
        Ok(self.base_dir.join(self.str(key)?))
    }
}

/// A data file's rows, for plugins that read CSV: the requested columns of each row.
#[derive(Debug, Clone)]
pub struct CsvRow {
    /// The line the row starts on, for error messages.
    pub line: u64,
    pub values: Vec<String>,
    path: PathBuf,
}

impl CsvRow {
    /// The value of the `i`th requested column, trimmed.
    pub fn get(&self, i: usize) -> &str {
        self.values.get(i).map_or("", |v| v.trim())
    }

    /// An error located at this row: `data/funding.csv:17: …`.
    pub fn error(&self, message: impl fmt::Display) -> Error {
        Error(format!("{}:{}: {message}", self.path.display(), self.line))
    }
}

/// Reads a CSV file with a header row, returning the named columns of every row in the
/// order asked. A required column the header lacks is an error; `optional` ones read as "".
pub fn read_csv(path: &Path, required: &[&str], optional: &[&str]) -> Result<Vec<CsvRow>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| Error(format!("cannot read {}: {}", path.display(), csv_error(&e))))?;
    let headers = reader
        .headers()
        .map_err(|e| Error(format!("{}: {}", path.display(), csv_error(&e))))?
        .clone();
    let find = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let mut columns = Vec::new();
    for name in required {
        columns.push(Some(find(name).ok_or_else(|| {
            let have: Vec<&str> = headers.iter().collect();
            Error(format!(
                "{}: no column `{name}` (the header has: {})",
                path.display(),
                have.join(", ")
            ))
        })?));
    }
    columns.extend(optional.iter().map(|name| find(name)));
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| Error(format!("{}: {}", path.display(), csv_error(&e))))?;
        let line = record.position().map_or(0, |p| p.line());
        let values = columns
            .iter()
            .map(|c| c.and_then(|c| record.get(c)).unwrap_or("").to_string())
            .collect();
        rows.push(CsvRow {
            line,
            values,
            path: path.to_path_buf(),
        });
    }
    Ok(rows)
}

fn csv_error(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Io(io) => io.to_string(),
        _ => e.to_string(),
    }
}

/// Normalises a company domain for lookups: lower case, no scheme, no `www.`, no path.
/// Domains from `icp` already have this form (its reader normalises them), so they are
/// borrowed as they are, with no allocation; anything else is rewritten.
pub fn domain_key(text: &str) -> Cow<'_, str> {
    let normal = !text.is_empty()
        && !text.starts_with("www.")
        && text
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b.is_ascii_uppercase() && !b"/?#:".contains(&b));
    if normal || text.is_empty() {
        return Cow::Borrowed(text);
    }
    let t = text.trim().to_ascii_lowercase();
    let t = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"))
        .unwrap_or(&t);
    let t = t.strip_prefix("www.").unwrap_or(t);
    Cow::Owned(t.split(['/', '?', '#']).next().unwrap_or("").to_string())
}

/// One input column, read safely.
#[derive(Debug)]
enum View<'a> {
    Bool(&'a [u8], &'a [u8]),
    Number(&'a [f64], &'a [u8]),
    Date(&'a [i32], &'a [u8]),
    Text(&'a [u32], Vec<&'a str>),
    List {
        offsets: &'a [u32],
        codes: &'a [u32],
        valid: &'a [u8],
        strings: Vec<&'a str>,
    },
}

/// The leads of one batch call.
#[derive(Debug)]
struct Inputs<'a> {
    names: &'a [String],
    views: Vec<View<'a>>,
    contact_offsets: &'a [u32],
    today: Date,
}

/// One lead, as a signal's closure sees it: the input fields the signal declared.
#[derive(Debug)]
pub struct Lead<'a> {
    inputs: &'a Inputs<'a>,
    row: usize,
}

impl<'a> Lead<'a> {
    /// The run's as-of date: durations count back from it.
    pub fn today(&self) -> Date {
        self.inputs.today
    }

    fn view(&self, field: &str) -> (&View<'a>, std::ops::Range<usize>) {
        let Some(i) = self.inputs.names.iter().position(|n| n == field) else {
            panic!("the signal reads `{field}` but does not declare it with .input(\"{field}\")");
        };
        let rows = if field.starts_with("contact.") {
            let offsets = self.inputs.contact_offsets;
            offsets[self.row] as usize..offsets[self.row + 1] as usize
        } else {
            self.row..self.row + 1
        };
        (&self.inputs.views[i], rows)
    }

    /// The first known value of a field: the company's, or the first contact's that has one.
    fn first<T>(&self, field: &str, read: impl Fn(&View<'a>, usize) -> Option<T>) -> Option<T> {
        let (view, mut rows) = self.view(field);
        rows.find_map(|r| read(view, r))
    }

    /// A text field of the company, or the first known value of a contact field.
    pub fn text(&self, field: &str) -> Option<&'a str> {
        self.first(field, View::text)
    }

    /// The known values of a text field: one for a company field, one per contact else.
    pub fn texts(&self, field: &str) -> Vec<&'a str> {
        let (view, rows) = self.view(field);
        rows.filter_map(|r| view.text(r)).collect()
    }

    pub fn number(&self, field: &str) -> Option<f64> {
        self.first(field, View::number)
    }

    pub fn bool(&self, field: &str) -> Option<bool> {
        self.first(field, View::bool)
    }

    pub fn date(&self, field: &str) -> Option<Date> {
        self.first(field, View::date)
    }

    /// A list-of-text field of the company.
    pub fn list(&self, field: &str) -> Option<Vec<&'a str>> {
        self.first(field, View::list)
    }
}

/// One row of an input column, or `None` when it is missing or of another type.
impl<'a> View<'a> {
    fn text(&self, r: usize) -> Option<&'a str> {
        match self {
            View::Text(codes, strings) => strings.get(codes[r] as usize).copied(),
            _ => None,
        }
    }

    fn number(&self, r: usize) -> Option<f64> {
        match self {
            View::Number(values, valid) => (valid[r] == 1).then(|| values[r]),
            _ => None,
        }
    }

    fn bool(&self, r: usize) -> Option<bool> {
        match self {
            View::Bool(values, valid) => (valid[r] == 1).then(|| values[r] == 1),
            _ => None,
        }
    }

    fn date(&self, r: usize) -> Option<Date> {
        match self {
            View::Date(values, valid) => (valid[r] == 1).then(|| Date(values[r])),
            _ => None,
        }
    }

    fn list(&self, r: usize) -> Option<Vec<&'a str>> {
        match self {
            View::List {
                offsets,
                codes,
                valid,
                strings,
            } => (valid[r] == 1).then(|| {
                codes[offsets[r] as usize..offsets[r + 1] as usize]
                    .iter()
                    .filter_map(|c| strings.get(*c as usize).copied())
                    .collect()
            }),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
enum Arg<'a> {
    Absent,
    Bool(bool),
    Number(f64),
    String(&'a str),
    Date(Date),
    Duration(f64),
    List(Vec<&'a str>),
}

/// The constant arguments of a signal call, by parameter name.
#[derive(Debug)]
pub struct Args<'a> {
    names: Vec<&'a str>,
    values: Vec<Arg<'a>>,
}

impl<'a> Args<'a> {
    fn get(&self, name: &str) -> &Arg<'a> {
        match self.names.iter().position(|n| *n == name) {
            Some(i) => &self.values[i],
            None => panic!("the signal has no parameter `{name}`"),
        }
    }

    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.get(name) {
            Arg::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn number(&self, name: &str) -> Option<f64> {
        match self.get(name) {
            Arg::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// A duration, in days.
    pub fn duration(&self, name: &str) -> Option<f64> {
        match self.get(name) {
            Arg::Duration(d) => Some(*d),
            _ => None,
        }
    }

    pub fn date(&self, name: &str) -> Option<Date> {
        match self.get(name) {
            Arg::Date(d) => Some(*d),
            _ => None,
        }
    }

    pub fn string(&self, name: &str) -> Option<&'a str> {
        match self.get(name) {
            Arg::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn strings(&self, name: &str) -> Option<&[&'a str]> {
        match self.get(name) {
            Arg::List(l) => Some(l),
            _ => None,
        }
    }

    /// Whether the rule passed the parameter.
    pub fn has(&self, name: &str) -> bool {
        !matches!(self.get(name), Arg::Absent)
    }
}

/// The plugin's state behind the pointer `init` returns.
struct State<P> {
    plugin: P,
    signals: Vec<Signal<P>>,
}

/// The C table and the declarations it points into, kept for the life of the process.
struct Table {
    plugin: PluginV1,
    _signals: Vec<SignalDecl>,
    _params: Vec<Vec<ParamDecl>>,
    _inputs: Vec<Vec<Str>>,
    _text: Vec<String>,
}

// SAFETY: the table is built once and never changed; its pointers point into the vectors and
// strings it owns, whose heap buffers never move or get freed (the table lives in a static).
unsafe impl Send for Table {}
// SAFETY: as above — read-only after construction.
unsafe impl Sync for Table {}

static TABLE: OnceLock<Option<Table>> = OnceLock::new();

thread_local! {
    static PANIC_LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
    static IN_PLUGIN_CALL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Panics inside a plugin call print nothing (the host reports them); their location is kept
/// for the error message. Panics anywhere else — in a plugin's own unit tests, say — go to
/// the hook that was there before.
fn quiet_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_PLUGIN_CALL.with(|c| c.get()) {
                let location = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()));
                PANIC_LOCATION.with(|p| *p.borrow_mut() = location);
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, turning a panic into an error.
fn guarded<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    let outer = IN_PLUGIN_CALL.with(|c| c.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    IN_PLUGIN_CALL.with(|c| c.set(outer));
    match result {
        Ok(result) => result,
        Err(payload) => Err(Error(panic_message(payload.as_ref()))),
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string());
    match PANIC_LOCATION.with(|p| p.borrow_mut().take()) {
        Some(location) => format!("panicked at {location}: {message}"),
        None => format!("panicked: {message}"),
    }
}

/// Hands an error message to the host.
fn report(errors: *mut ErrorSink, error: &Error) {
    if errors.is_null() {
        return;
    }
    // SAFETY: the host passes a valid sink for the duration of the call; the message is
    // borrowed only while `report` runs, and the host copies it.
    unsafe { ((*errors).report)((*errors).context, Str::new(&error.0)) }
}

/// The body of the entry symbol [`export_plugin!`](crate::export_plugin) generates: builds
/// the table from `P`'s declarations once, or returns null if that panics.
pub fn entry<P: Plugin>() -> *const PluginV1 {
    quiet_panics();
    let table = TABLE.get_or_init(|| guarded(|| Ok(build_table::<P>())).ok());
    table
        .as_ref()
        .map_or(std::ptr::null(), |t| &t.plugin as *const PluginV1)
}

fn build_table<P: Plugin>() -> Table {
    let signals = P::signals();
    let mut text: Vec<String> = Vec::new();
    // Each string is moved into `text`; its heap buffer (what `Str` points at) stays put.
    let mut keep = |s: &str| {
        let owned = s.to_string();
        let str = Str::new(&owned);
        text.push(owned);
        str
    };
    let name = keep(P::NAME);
    let version = keep(P::VERSION);
    let doc = keep(P::DOC);
    let mut params = Vec::new();
    let mut inputs = Vec::new();
    let mut decls = Vec::new();
    for s in &signals {
        let p: Vec<ParamDecl> = s
            .params
            .iter()
            .map(|(name, ty, optional)| ParamDecl {
                name: keep(name),
                ty: ty.code(),
                optional: u8::from(*optional),
            })
            .collect();
        let i: Vec<Str> = s.inputs.iter().map(|f| keep(f)).collect();
        decls.push(SignalDecl {
            name: keep(&s.name),
            doc: keep(&s.doc),
            params: p.as_ptr(),
            n_params: p.len(),
            output: s.output.code(),
            inputs: i.as_ptr(),
            n_inputs: i.len(),
            flags: if s.deterministic {
                FLAG_DETERMINISTIC
            } else {
                0
            },
        });
        params.push(p);
        inputs.push(i);
    }
    Table {
        plugin: PluginV1 {
            magic: MAGIC,
            size: std::mem::size_of::<PluginV1>(),
            abi_minor: ABI_MINOR,
            name,
            version,
            doc,
            signals: decls.as_ptr(),
            n_signals: decls.len(),
            init: init::<P>,
            evaluate: evaluate::<P>,
            release,
        },
        _signals: decls,
        _params: params,
        _inputs: inputs,
        _text: text,
    }
}

unsafe extern "C" fn init<P: Plugin>(
    config: Str,
    base_dir: Str,
    errors: *mut ErrorSink,
) -> *mut c_void {
    let result = guarded(|| {
        // SAFETY: the host lends both strings for the duration of the call.
        let (json, base) = unsafe { (config.to_str(), base_dir.to_str()) };
        let json = json.ok_or("the configuration is not UTF-8")?;
        let base = base.ok_or("the configuration directory is not UTF-8")?;
        let config = Config::from_json(json, Path::new(base))?;
        let plugin = P::init(&config)?;
        let state = Box::new(State {
            plugin,
            signals: P::signals(),
        });
        Ok(Box::into_raw(state).cast::<c_void>())
    });
    result.unwrap_or_else(|e| {
        report(errors, &e);
        std::ptr::null_mut()
    })
}

unsafe extern "C" fn evaluate<P: Plugin>(
    state: *mut c_void,
    call: *const CallV1,
    out: *mut Column,
    errors: *mut ErrorSink,
) -> i32 {
    let result = guarded(|| {
        if state.is_null() || call.is_null() || out.is_null() {
            return Err("called with a null pointer".into());
        }
        // SAFETY: `state` is the pointer `init` returned (a live `Box<State<P>>`, never
        // freed), `call` and `out` are valid for the duration of the call.
        let (state, call) = unsafe { (&*state.cast::<State<P>>(), &*call) };
        let column = evaluate_call(state, call)?;
        // SAFETY: `out` is valid and writable for the duration of the call.
        unsafe { out.write(column) };
        Ok(())
    });
    match result {
        Ok(()) => OK,
        Err(e) => {
            report(errors, &e);
            FAILED
        }
    }
}

/// What an output column owns, freed by [`release`].
#[derive(Default)]
struct Owned {
    valid: Vec<u8>,
    bools: Vec<u8>,
    numbers: Vec<f64>,
    dates: Vec<i32>,
    codes: Vec<u32>,
    offsets: Vec<u32>,
    texts: Vec<String>,
    strs: Vec<Str>,
}

unsafe extern "C" fn release(out: *mut Column) {
    let _ = guarded(|| {
        if out.is_null() {
            return Ok(());
        }
        // SAFETY: the host passes back a column `evaluate` filled, once; `private` is the
        // `Box<Owned>` leaked there (or null).
        unsafe {
            let private = (*out).private;
            if !private.is_null() {
                drop(Box::from_raw(private.cast::<Owned>()));
            }
            out.write(Column::EMPTY);
        }
        Ok(())
    });
}

/// Reads the host's columns and arguments, runs the signal for every lead, and builds the
/// output column.
fn evaluate_call<P: Plugin>(state: &State<P>, call: &CallV1) -> Result<Column> {
    let signal = state
        .signals
        .get(call.signal as usize)
        .ok_or_else(|| Error(format!("there is no signal #{}", call.signal)))?;
    let eval = signal
        .eval
        .as_ref()
        .ok_or_else(|| Error(format!("signal `{}` has no .eval(…)", signal.name)))?;
    if call.n_inputs != signal.inputs.len() || call.n_args != signal.params.len() {
        return Err(Error(format!(
            "signal `{}` was called with {} inputs and {} arguments; it declares {} and {}",
            signal.name,
            call.n_inputs,
            call.n_args,
            signal.inputs.len(),
            signal.params.len()
        )));
    }
    let rows = call.rows;
    // SAFETY: the host passes `rows + 1` contact offsets, `n_inputs` columns and `n_args`
    // arguments, valid for the duration of the call (the ABI contract of `CallV1`).
    let (offsets, columns, args) = unsafe {
        (
            slice(call.contact_offsets, rows + 1),
            slice(call.inputs, call.n_inputs),
            slice(call.args, call.n_args),
        )
    };
    let contacts = offsets.last().copied().unwrap_or(0) as usize;
    let views = columns
        .iter()
        .zip(&signal.inputs)
        .map(|(c, name)| {
            let len = if name.starts_with("contact.") {
                contacts
            } else {
                rows
            };
            // SAFETY: the host's columns hold `len` rows as `Column` documents.
            unsafe { view(c, len) }.ok_or_else(|| {
                Error(format!(
                    "input `{name}` of `{}` is not a column of {len} rows",
                    signal.name
                ))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let inputs = Inputs {
        names: &signal.inputs,
        views,
        contact_offsets: offsets,
        today: Date(call.today),
    };
    let args = Args {
        names: signal.params.iter().map(|(n, _, _)| n.as_str()).collect(),
        // SAFETY: each argument's strings are lent by the host for the call.
        values: args.iter().map(|a| unsafe { arg(a) }).collect(),
    };
    let mut out = Output::new(signal.output, rows);
    for row in 0..rows {
        let lead = Lead {
            inputs: &inputs,
            row,
        };
        let value = eval(&state.plugin, &lead, &args)?;
        if let Some(v) = &value
            && v.ty() != signal.output
        {
            return Err(Error(format!(
                "signal `{}` returned a {} but declares {}",
                signal.name,
                v.ty().name(),
                signal.output.name()
            )));
        }
        out.push(value);
    }
    Ok(out.finish())
}

/// A slice from a pointer and a length; empty for a null pointer.
///
/// # Safety
/// A non-null `ptr` must point to `len` initialised values alive for `'a`.
unsafe fn slice<'a, T>(ptr: *const T, len: usize) -> &'a [T] {
    if ptr.is_null() || len == 0 {
        &[]
    } else {
        // SAFETY: guaranteed by the caller.
        unsafe { std::slice::from_raw_parts(ptr, len) }
    }
}

/// A safe view of an input column of `len` rows, or `None` if a pointer it needs is null.
///
/// # Safety
/// The column's non-null pointers must hold as many values as `Column` documents for `len`.
unsafe fn view<'a>(c: &'a Column, len: usize) -> Option<View<'a>> {
    let need = |p: bool| (p || len == 0).then_some(());
    // SAFETY (each arm): the pointers hold the documented number of values.
    unsafe {
        Some(match c.ty {
            ty::BOOL => {
                need(!c.bools.is_null() && !c.valid.is_null())?;
                View::Bool(slice(c.bools, len), slice(c.valid, len))
            }
            ty::NUMBER | ty::DURATION => {
                need(!c.numbers.is_null() && !c.valid.is_null())?;
                View::Number(slice(c.numbers, len), slice(c.valid, len))
            }
            ty::DATE => {
                need(!c.dates.is_null() && !c.valid.is_null())?;
                View::Date(slice(c.dates, len), slice(c.valid, len))
            }
            ty::STRING => {
                need(!c.codes.is_null())?;
                View::Text(slice(c.codes, len), strings(c))
            }
            ty::STRING_LIST => {
                need(!c.offsets.is_null() && !c.valid.is_null())?;
                let offsets = slice(c.offsets, len + 1);
                let n = offsets.last().copied().unwrap_or(0) as usize;
                View::List {
                    offsets,
                    codes: slice(c.codes, n),
                    valid: slice(c.valid, len),
                    strings: strings(c),
                }
            }
            _ => return None,
        })
    }
}

/// The strings of a column; invalid UTF-8 reads as "".
///
/// # Safety
/// `strings` must hold `n_strings` valid `Str`s.
unsafe fn strings(c: &Column) -> Vec<&str> {
    // SAFETY: guaranteed by the caller.
    unsafe { slice(c.strings, c.n_strings) }
        .iter()
        // SAFETY: each `Str` is lent by the host for the call.
        .map(|s| unsafe { s.to_str() }.unwrap_or(""))
        .collect()
}

/// # Safety
/// The argument's strings must be lent for `'a`.
unsafe fn arg<'a>(a: &ArgV1) -> Arg<'a> {
    // SAFETY: guaranteed by the caller.
    unsafe {
        match a.ty {
            ty::BOOL => Arg::Bool(a.boolean == 1),
            ty::NUMBER => Arg::Number(a.number),
            ty::DURATION => Arg::Duration(a.number),
            ty::DATE => Arg::Date(Date(a.date)),
            ty::STRING => Arg::String(a.text.to_str().unwrap_or("")),
            ty::STRING_LIST => Arg::List(
                slice(a.list, a.list_len)
                    .iter()
                    .map(|s| s.to_str().unwrap_or(""))
                    .collect(),
            ),
            _ => Arg::Absent,
        }
    }
}

/// Builds an output column one lead at a time.
struct Output {
    ty: Type,
    owned: Owned,
    dict: HashMap<String, u32>,
}

impl Output {
    fn new(ty: Type, rows: usize) -> Output {
        let mut owned = Owned {
            valid: Vec::with_capacity(rows),
            ..Owned::default()
        };
        match ty {
            Type::Bool => owned.bools.reserve(rows),
            Type::Number | Type::Duration => owned.numbers.reserve(rows),
            Type::Date => owned.dates.reserve(rows),
            Type::String => owned.codes.reserve(rows),
            Type::List => owned.offsets.push(0),
        }
        Output {
            ty,
            owned,
            dict: HashMap::new(),
        }
    }

    fn code(&mut self, text: String) -> u32 {
        let next = self.owned.texts.len() as u32;
        *self.dict.entry(text).or_insert_with_key(|text| {
            self.owned.texts.push(text.clone());
            next
        })
    }

    /// Appends a value already checked to have the column's type.
    fn push(&mut self, value: Option<Value>) {
        self.owned.valid.push(u8::from(value.is_some()));
        match (self.ty, value) {
            (Type::Bool, v) => self
                .owned
                .bools
                .push(u8::from(matches!(v, Some(Value::Bool(true))))),
            (Type::Number | Type::Duration, Some(Value::Number(n) | Value::Duration(n))) => {
                self.owned.numbers.push(n)
            }
            (Type::Number | Type::Duration, _) => self.owned.numbers.push(0.0),
            (Type::Date, v) => self.owned.dates.push(match v {
                Some(Value::Date(d)) => d.0,
                _ => 0,
            }),
            (Type::String, Some(Value::String(s))) => {
                let code = self.code(s);
                self.owned.codes.push(code);
            }
            (Type::String, _) => self.owned.codes.push(MISSING),
            (Type::List, v) => {
                if let Some(Value::List(items)) = v {
                    for item in items {
                        let code = self.code(item);
                        self.owned.codes.push(code);
                    }
                }
                self.owned.offsets.push(self.owned.codes.len() as u32);
            }
        }
    }

    fn finish(self) -> Column {
        let mut owned = Box::new(self.owned);
        owned.strs = owned.texts.iter().map(|t| Str::new(t)).collect();
        Column {
            ty: self.ty.code(),
            len: owned.valid.len(),
            valid: owned.valid.as_ptr(),
            bools: owned.bools.as_ptr(),
            numbers: owned.numbers.as_ptr(),
            dates: owned.dates.as_ptr(),
            codes: owned.codes.as_ptr(),
            offsets: owned.offsets.as_ptr(),
            strings: owned.strs.as_ptr(),
            n_strings: owned.strs.len(),
            private: Box::into_raw(owned).cast::<c_void>(),
        }
    }
}

/// Exports a [`Plugin`] as the library's entry symbol, `icp_plugin_entry_v1`.
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty) => {
        /// The plugin's entry point, called by `icp` when it loads the library.
        #[allow(unsafe_code)]
        #[unsafe(no_mangle)]
        pub extern "C" fn icp_plugin_entry_v1() -> *const $crate::PluginV1 {
            $crate::sdk::entry::<$plugin>()
        }
    };
}

/// Calls a plugin's signals through the C table, as `icp` does, for unit tests of a plugin.
pub mod testing {
    use std::ffi::c_void;
    use std::path::Path;

    use super::{Date, Error, Plugin, Result, Value, build_table, slice};
    use crate::{ArgV1, CallV1, Column, ErrorSink, MISSING, OK, Str, ty};

    /// An initialised plugin.
    #[derive(Debug)]
    pub struct Harness {
        table: super::Table,
        state: *mut c_void,
        names: Vec<String>,
    }

    impl std::fmt::Debug for super::Table {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Table")
        }
    }

    unsafe extern "C" fn collect(context: *mut c_void, message: Str) {
        // SAFETY: `context` is the `String` `sink` points at; the message is lent for the call.
        unsafe { *context.cast::<String>() = message.to_str().unwrap_or("?").to_string() }
    }

    fn sink(message: &mut String) -> ErrorSink {
        ErrorSink {
            context: (message as *mut String).cast(),
            report: collect,
        }
    }

    impl Harness {
        /// Initialises `P` with a JSON configuration whose relative paths start at `base_dir`.
        pub fn new<P: Plugin>(config: &str, base_dir: &Path) -> Result<Harness> {
            super::quiet_panics();
            let table = build_table::<P>();
            let names = P::signals().into_iter().map(|s| s.name).collect();
            let base = base_dir.to_string_lossy();
            let mut message = String::new();
            let mut errors = sink(&mut message);
            // SAFETY: the strings and the sink outlive the call.
            let state =
                unsafe { (table.plugin.init)(Str::new(config), Str::new(&base), &mut errors) };
            if state.is_null() {
                return Err(Error(message));
            }
            Ok(Harness {
                table,
                state,
                names,
            })
        }

        /// Evaluates `signal(args…)` for each lead, a lead being its input fields and values;
        /// a `contact.*` field given several times gives the lead several contacts.
        pub fn call<L: AsRef<[(&'static str, Value)]>>(
            &self,
            signal: &str,
            args: &[Option<Value>],
            today: Date,
            leads: &[L],
        ) -> Result<Vec<Option<Value>>> {
            let index = self
                .names
                .iter()
                .position(|n| n == signal)
                .ok_or_else(|| Error(format!("no signal `{signal}`")))?;
            // SAFETY: the table's declarations live as long as `self`.
            let decl =
                unsafe { &slice(self.table.plugin.signals, self.table.plugin.n_signals)[index] };
            // SAFETY: as above.
            let inputs: Vec<String> = unsafe { slice(decl.inputs, decl.n_inputs) }
                .iter()
                // SAFETY: as above.
                .map(|s| unsafe { s.to_str() }.unwrap_or("").to_string())
                .collect();
            let mut offsets = vec![0u32];
            for lead in leads {
                let n = lead
                    .as_ref()
                    .iter()
                    .filter(|(f, _)| f.starts_with("contact."))
                    .count()
                    / inputs
                        .iter()
                        .filter(|f| f.starts_with("contact."))
                        .count()
                        .max(1);
                offsets.push(offsets.last().copied().unwrap_or(0) + n as u32);
            }
            let columns: Vec<Built> = inputs
                .iter()
                .map(|field| {
                    let values: Vec<Option<&Value>> = if field.starts_with("contact.") {
                        leads
                            .iter()
                            .flat_map(|l| {
                                l.as_ref()
                                    .iter()
                                    .filter(|(f, _)| f == field)
                                    .map(|(_, v)| Some(v))
                            })
                            .collect()
                    } else {
                        leads
                            .iter()
                            .map(|l| l.as_ref().iter().find(|(f, _)| f == field).map(|(_, v)| v))
                            .collect()
                    };
                    Built::new(&values)
                })
                .collect();
            let columns_c: Vec<Column> = columns.iter().map(Built::column).collect();
            let list_strs: Vec<Vec<Str>> = args
                .iter()
                .map(|a| match a {
                    Some(Value::List(l)) => l.iter().map(|s| Str::new(s)).collect(),
                    _ => Vec::new(),
                })
                .collect();
            let args_c: Vec<ArgV1> = args
                .iter()
                .zip(&list_strs)
                .map(|(a, list)| {
                    let mut c = ArgV1 {
                        ty: 0,
                        boolean: 0,
                        number: 0.0,
                        date: 0,
                        text: Str::EMPTY,
                        list: list.as_ptr(),
                        list_len: list.len(),
                    };
                    match a {
                        None => {}
                        Some(Value::Bool(b)) => (c.ty, c.boolean) = (ty::BOOL, u8::from(*b)),
                        Some(Value::Number(n)) => (c.ty, c.number) = (ty::NUMBER, *n),
                        Some(Value::Duration(n)) => (c.ty, c.number) = (ty::DURATION, *n),
                        Some(Value::Date(d)) => (c.ty, c.date) = (ty::DATE, d.0),
                        Some(Value::String(s)) => (c.ty, c.text) = (ty::STRING, Str::new(s)),
                        Some(Value::List(_)) => c.ty = ty::STRING_LIST,
                    }
                    c
                })
                .collect();
            let call = CallV1 {
                size: std::mem::size_of::<CallV1>(),
                signal: index as u32,
                args: args_c.as_ptr(),
                n_args: args_c.len(),
                today: today.0,
                rows: leads.len(),
                inputs: columns_c.as_ptr(),
                n_inputs: columns_c.len(),
                contact_offsets: offsets.as_ptr(),
            };
            let mut out = Column::EMPTY;
            let mut message = String::new();
            let mut errors = sink(&mut message);
            // SAFETY: everything the call points at lives until after it returns.
            let status =
                unsafe { (self.table.plugin.evaluate)(self.state, &call, &mut out, &mut errors) };
            if status != OK {
                return Err(Error(message));
            }
            let values = read(&out, leads.len());
            // SAFETY: `out` was filled by `evaluate` and is released once.
            unsafe { (self.table.plugin.release)(&mut out) };
            Ok(values)
        }
    }

    /// Reads an output column back into values.
    fn read(c: &Column, rows: usize) -> Vec<Option<Value>> {
        // SAFETY: the plugin filled `c` with `rows` rows as `Column` documents.
        unsafe {
            let valid = slice(c.valid, rows);
            let strings: Vec<String> = slice(c.strings, c.n_strings)
                .iter()
                .map(|s| s.to_str().unwrap_or("").to_string())
                .collect();
            (0..rows)
                .map(|i| match c.ty {
                    ty::STRING => {
                        let code = slice(c.codes, rows)[i];
                        (code != MISSING).then(|| Value::String(strings[code as usize].clone()))
                    }
                    _ if valid[i] == 0 => None,
                    ty::BOOL => Some(Value::Bool(slice(c.bools, rows)[i] == 1)),
                    ty::NUMBER => Some(Value::Number(slice(c.numbers, rows)[i])),
                    ty::DURATION => Some(Value::Duration(slice(c.numbers, rows)[i])),
                    ty::DATE => Some(Value::Date(Date(slice(c.dates, rows)[i]))),
                    _ => {
                        let offsets = slice(c.offsets, rows + 1);
                        let codes = slice(c.codes, offsets[rows] as usize);
                        Some(Value::List(
                            codes[offsets[i] as usize..offsets[i + 1] as usize]
                                .iter()
                                .map(|k| strings[*k as usize].clone())
                                .collect(),
                        ))
                    }
                })
                .collect()
        }
    }

    /// An input column built from values, and the memory it points into.
    struct Built {
        ty: u32,
        valid: Vec<u8>,
        bools: Vec<u8>,
        numbers: Vec<f64>,
        dates: Vec<i32>,
        codes: Vec<u32>,
        offsets: Vec<u32>,
        strings: Vec<String>,
        strs: Vec<Str>,
    }

    impl Built {
        fn new(values: &[Option<&Value>]) -> Built {
            let mut b = Built {
                ty: ty::STRING,
                valid: Vec::new(),
                bools: Vec::new(),
                numbers: Vec::new(),
                dates: Vec::new(),
                codes: Vec::new(),
                offsets: vec![0],
                strings: Vec::new(),
                strs: Vec::new(),
            };
            let code = |strings: &mut Vec<String>, s: &str| {
                strings.iter().position(|x| x == s).unwrap_or_else(|| {
                    strings.push(s.to_string());
                    strings.len() - 1
                }) as u32
            };
            for v in values {
                b.valid.push(u8::from(v.is_some()));
                match v {
                    Some(Value::Bool(x)) => {
                        (b.ty, b.bools) = (ty::BOOL, push(b.bools, u8::from(*x)))
                    }
                    Some(Value::Number(x)) => (b.ty, b.numbers) = (ty::NUMBER, push(b.numbers, *x)),
                    Some(Value::Duration(x)) => {
                        (b.ty, b.numbers) = (ty::DURATION, push(b.numbers, *x))
                    }
                    Some(Value::Date(x)) => (b.ty, b.dates) = (ty::DATE, push(b.dates, x.0)),
                    Some(Value::String(s)) => {
                        let c = code(&mut b.strings, s);
                        b.codes.push(c);
                    }
                    Some(Value::List(items)) => {
                        b.ty = ty::STRING_LIST;
                        for s in items {
                            let c = code(&mut b.strings, s);
                            b.codes.push(c);
                        }
                        b.offsets.push(b.codes.len() as u32);
                    }
                    None => {
                        b.bools.push(0);
                        b.numbers.push(0.0);
                        b.dates.push(0);
                        b.codes.push(MISSING);
                        b.offsets.push(b.codes.len() as u32);
                    }
                }
            }
            b.strs = b.strings.iter().map(|s| Str::new(s)).collect();
            b
        }

        fn column(&self) -> Column {
            Column {
                ty: self.ty,
                len: self.valid.len(),
                valid: self.valid.as_ptr(),
                bools: self.bools.as_ptr(),
                numbers: self.numbers.as_ptr(),
                dates: self.dates.as_ptr(),
                codes: self.codes.as_ptr(),
                offsets: self.offsets.as_ptr(),
                strings: self.strs.as_ptr(),
                n_strings: self.strs.len(),
                private: std::ptr::null_mut(),
            }
        }
    }

    fn push<T>(mut v: Vec<T>, x: T) -> Vec<T> {
        v.push(x);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_key_borrows_normal_domains_and_rewrites_the_rest() {
        assert!(matches!(
            domain_key("hooli.com"),
            Cow::Borrowed("hooli.com")
        ));
        assert!(matches!(domain_key(""), Cow::Borrowed("")));
        for messy in [
            "https://www.Hooli.com/jobs",
            "http://hooli.com",
            "www.hooli.com",
            " HOOLI.COM ",
            "hooli.com?ref=x",
        ] {
            let key = domain_key(messy);
            assert_eq!(key, "hooli.com", "{messy}");
            assert!(matches!(key, Cow::Owned(_)), "{messy}");
        }
    }

    #[test]
    fn dates_parse_and_count_days() {
        let d = Date::parse("2026-11-23").expect("a date");
        assert_eq!(Date::parse("2026-11-23T10:00:00Z"), Some(d));
        assert_eq!(Date::parse("1970-01-01"), Some(Date(0)));
        assert_eq!(Date::parse("2026-02-29"), None);
        assert_eq!(Date::parse("2024-02-29").map(|x| x.0), Some(19_782));
        assert_eq!(
            d.days_since(Date::parse("2026-07-26").expect("a date")),
            120
        );
    }
}
