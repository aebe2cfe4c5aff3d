//! What a plugin is made of: the [`Plugin`] trait, its [`Signal`]s, and the values they take
//! and return ([`Type`], [`Value`], [`Date`], [`Error`]).
//!
//! How it works: a [`Signal`] is built by chained calls (`.doc`, `.param`, `.input`,
//! `.eval`) into a declaration plus a boxed closure; the table (`table.rs`) copies the
//! declaration into the C records and the entry points (`call.rs`) run the closure for each
//! lead. A closure returns `Ok(None)` for a value it does not know: the host sees it as
//! missing. [`Type`] is the Rust face of the ABI's type codes, [`Value`] one lead's result.

use std::fmt;

use super::data::Config;
use super::lead::{Args, Lead};
use crate::ty;

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
    pub(super) fn code(self) -> u32 {
        match self {
            Type::Bool => ty::BOOL,
            Type::Number => ty::NUMBER,
            Type::String => ty::STRING,
            Type::Date => ty::DATE,
            Type::Duration => ty::DURATION,
            Type::List => ty::STRING_LIST,
        }
    }

    pub(super) fn name(self) -> &'static str {
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
    pub(super) fn ty(&self) -> Type {
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
    /// The keys of its `[plugins.NAME]` table that it reads (`library`, `isolate` and
    /// `timeout` are `icp`'s own and need not be listed). `icp` warns about any other key
    /// of the table; `None` (the default) says nothing and gets no warnings.
    const CONFIG_KEYS: Option<&'static [&'static str]> = None;

    /// Reads the configuration from `icp.toml` (`[plugins.NAME]`) and loads the data.
    fn init(config: &Config) -> Result<Self>;

    /// The signals, in a fixed order.
    fn signals() -> Vec<Signal<Self>>;
}

pub(super) type EvalFn<P> = dyn Fn(&P, &Lead<'_>, &Args<'_>) -> Result<Option<Value>> + Send + Sync;

/// One signal: its declaration and how to compute it for one lead.
pub struct Signal<P> {
    pub(super) name: String,
    pub(super) doc: String,
    pub(super) params: Vec<(String, Type, bool)>,
    pub(super) output: Type,
    pub(super) inputs: Vec<String>,
    pub(super) deterministic: bool,
    /// The built-in order the text values follow (`round`, `seniority`, `employee_band`).
    pub(super) order: Option<&'static str>,
    pub(super) eval: Option<Box<EvalFn<P>>>,
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
            order: None,
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

    /// The text values follow the built-in order `order` (`"round"`, `"seniority"` or
    /// `"employee_band"`), so rules may compare them with `<`, `>=` or `between`. A name that
    /// is not built in declares nothing.
    pub fn ordered(mut self, order: &'static str) -> Self {
        self.order = crate::ORDERS.iter().copied().find(|o| *o == order);
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

#[cfg(test)]
mod tests {
    use super::*;

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
