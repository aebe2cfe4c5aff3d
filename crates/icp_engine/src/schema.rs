//! Types, constant values, the lead schema and the catalogue of signals.
//!
//! How it works: a [`Schema`] is the list of fields a lead can have — the canonical fields of
//! SPEC §2 plus the custom fields a project declares in `icp.toml` — and a field is known to the
//! rest of the engine only by its [`FieldId`], its index here.
//!
//! This is the one place a field's meaning is decided. Each [`FieldDef`] carries its type and
//! its [`FieldKind`] — plain, or a country, a web domain, a phone number, a headcount, an amount
//! of money, a year — set once in the table of canonical fields and declared for a custom field
//! next to its type (`kind = "money"`). Whatever depends on that meaning reads the kind: how a
//! raw value is parsed (`icp_io`), whether text compares as a country (both evaluators), whether
//! a column says a file lists people. Nothing compares a field's name to decide what it means. A [`SignalCatalog`] holds the
//! signal declarations of the loaded plugins (name, parameters, output type), likewise known by
//! [`SignalId`]. The checker resolves every name in the rules to one of these ids once, so the
//! evaluator never looks anything up by string.

use std::fmt;

use serde::Serialize;

mod kind;
mod order;

pub use kind::FieldKind;
pub use order::{Level, Order, OrderError, OrderId, Orders, Ranking, normalise};

use crate::vocab::{Category, Vocabulary};

/// The type of a scalar value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scalar {
    Bool,
    Number,
    String,
    Date,
    Duration,
}

impl Scalar {
    fn name(self) -> &'static str {
        match self {
            Scalar::Bool => "bool",
            Scalar::Number => "number",
            Scalar::String => "string",
            Scalar::Date => "date",
            Scalar::Duration => "duration",
        }
    }

    fn plural(self) -> &'static str {
        match self {
            Scalar::Bool => "bools",
            Scalar::Number => "numbers",
            Scalar::String => "strings",
            Scalar::Date => "dates",
            Scalar::Duration => "durations",
        }
    }
}

/// The static type of an expression, field or signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Type {
    Scalar(Scalar),
    /// A list of one element type; `None` for the empty list literal `[]`.
    List(Option<Scalar>),
    /// The type of an expression that already has an error; it matches anything, so one
    /// mistake is reported once.
    Error,
}

impl Type {
    pub const BOOL: Type = Type::Scalar(Scalar::Bool);
    pub const NUMBER: Type = Type::Scalar(Scalar::Number);
    pub const STRING: Type = Type::Scalar(Scalar::String);
    pub const DATE: Type = Type::Scalar(Scalar::Date);
    pub const DURATION: Type = Type::Scalar(Scalar::Duration);
    pub const STRING_LIST: Type = Type::List(Some(Scalar::String));

    pub fn is_error(self) -> bool {
        self == Type::Error
    }

    pub fn is_list(self) -> bool {
        matches!(self, Type::List(_))
    }

    /// The scalar type of a scalar, or of a list's elements.
    pub fn element(self) -> Option<Scalar> {
        match self {
            Type::Scalar(s) => Some(s),
            Type::List(e) => e,
            Type::Error => None,
        }
    }

    /// Parses a type name as written in `icp.toml` and plugin declarations.
    pub fn parse(name: &str) -> Option<Type> {
        Some(match name.trim() {
            "bool" | "boolean" => Type::BOOL,
            "number" => Type::NUMBER,
            "string" => Type::STRING,
            "date" => Type::DATE,
            "duration" => Type::DURATION,
            "list" | "list<string>" => Type::STRING_LIST,
            "list<number>" => Type::List(Some(Scalar::Number)),
            _ => return None,
        })
    }

    /// The type names [`Type::parse`] accepts.
    pub const NAMES: &'static [&'static str] = &[
        "string",
        "number",
        "bool",
        "date",
        "duration",
        "list",
        "list<number>",
    ];
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Scalar(s) => f.write_str(s.name()),
            Type::List(Some(s)) => write!(f, "list of {}", s.plural()),
            Type::List(None) => f.write_str("empty list"),
            Type::Error => f.write_str("unknown type"),
        }
    }
}

/// A constant value: a literal in the rules or a value in a test block.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Bool(bool),
    Number(f64),
    String(String),
    /// Days since 1970-01-01.
    Date(i32),
    /// A duration in days.
    Duration(f64),
    List(Vec<Value>),
}

impl Value {
    pub fn ty(&self) -> Type {
        match self {
            Value::Bool(_) => Type::BOOL,
            Value::Number(_) => Type::NUMBER,
            Value::String(_) => Type::STRING,
            Value::Date(_) => Type::DATE,
            Value::Duration(_) => Type::DURATION,
            Value::List(items) => Type::List(items.first().and_then(|v| v.ty().element())),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => write!(f, "{n}"),
            Value::String(s) => write!(f, "{s:?}"),
            Value::Date(d) => {
                let (y, m, day) = icp_syntax::ast::civil_from_days(*d);
                write!(f, "{y:04}-{m:02}-{day:02}")
            }
            Value::Duration(days) => write!(f, "{days}d"),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
        }
    }
}

/// A number as results and messages show it: `70` for 70.0, `12.5`, `0` for -0.0, and
/// nothing for NaN.
pub fn format_number(n: f64) -> String {
    match whole_number(n) {
        Some(i) => i.to_string(),
        None if n.is_nan() => String::new(),
        None => n.to_string(),
    }
}

/// `n` as a whole number, when [`format_number`] writes it as one (no `.0`).
pub fn whole_number(n: f64) -> Option<i64> {
    (n.fract() == 0.0 && n.abs() < 1e15).then_some(n as i64)
}

/// Whether a field belongs to the company or to each contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Entity {
    Company,
    Contact,
}

impl Entity {
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Company => "company",
            Entity::Contact => "contact",
        }
    }

    /// The entity and field name of a path `company.NAME` or `contact.NAME`.
    pub fn split_path(path: &str) -> Option<(Entity, &str)> {
        match path.split_once('.')? {
            ("company", name) => Some((Entity::Company, name)),
            ("contact", name) => Some((Entity::Contact, name)),
            _ => None,
        }
    }
}

/// Index of a field in the [`Schema`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FieldId(pub u32);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldDef {
    pub entity: Entity,
    pub name: String,
    pub ty: Type,
    /// What the values mean beyond their type; it always fits `ty`.
    pub kind: FieldKind,
    /// Declared in `icp.toml` rather than canonical.
    pub custom: bool,
    /// The ordered category its text values follow (`enum = "…"` in `icp.toml`), if any.
    pub order: Option<OrderId>,
    /// `entity.name`, made once: results name their missing inputs by it, many times over.
    #[serde(skip)]
    path: String,
}

impl FieldDef {
    fn new(entity: Entity, name: &str, ty: Type, kind: FieldKind, custom: bool) -> FieldDef {
        FieldDef {
            entity,
            name: name.to_string(),
            ty,
            kind,
            custom,
            order: None,
            path: format!("{}.{name}", entity.as_str()),
        }
    }

    /// `company.employees`
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Whether text in this field compares as a country (by ISO code).
    pub fn is_country(&self) -> bool {
        self.kind == FieldKind::Country
    }

    /// The vocabulary this field's values come from, if it has a known one.
    pub fn category(&self) -> Option<Category> {
        if self.kind == FieldKind::Industry {
            return Some(Category::Industry);
        }
        if self.custom {
            return None;
        }
        CATEGORICAL
            .iter()
            .find(|(entity, name, _)| *entity == self.entity && *name == self.name)
            .map(|&(_, _, category)| category)
    }
}

/// The fields a lead can have, and the project's vocabularies (industries, categories,
/// regions: [`crate::vocab`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Schema {
    fields: Vec<FieldDef>,
    /// The ordered categories: built in, then declared in `icp.toml`.
    orders: Orders,
    #[serde(skip)]
    vocabulary: std::sync::Arc<Vocabulary>,
}

/// The canonical fields whose values come from a known vocabulary, which `icp check` compares
/// string constants against. (A field of kind `industry` has the industries'.)
const CATEGORICAL: &[(Entity, &str, Category)] = &[
    (Entity::Contact, "seniority", Category::Seniority),
    (Entity::Contact, "department", Category::Department),
    (Entity::Company, "ownership", Category::Ownership),
    (Entity::Company, "type", Category::InstitutionType),
];

/// The canonical fields of SPEC §2, with their types and kinds.
const CANONICAL: &[(Entity, &str, Type, FieldKind)] = &[
    (Entity::Company, "id", Type::STRING, FieldKind::Plain),
    (Entity::Company, "name", Type::STRING, FieldKind::Plain),
    (Entity::Company, "domain", Type::STRING, FieldKind::Domain),
    (
        Entity::Company,
        "industry",
        Type::STRING_LIST,
        FieldKind::Industry,
    ),
    (
        Entity::Company,
        "employees",
        Type::NUMBER,
        FieldKind::Headcount,
    ),
    (Entity::Company, "revenue", Type::NUMBER, FieldKind::Money),
    (Entity::Company, "country", Type::STRING, FieldKind::Country),
    (Entity::Company, "region", Type::STRING, FieldKind::Plain),
    (Entity::Company, "state", Type::STRING, FieldKind::Plain),
    (Entity::Company, "city", Type::STRING, FieldKind::Plain),
    (Entity::Company, "founded", Type::NUMBER, FieldKind::Year),
    (Entity::Company, "ownership", Type::STRING, FieldKind::Plain),
    (
        Entity::Company,
        "business_model",
        Type::STRING,
        FieldKind::Plain,
    ),
    (Entity::Company, "type", Type::STRING, FieldKind::Plain),
    (
        Entity::Company,
        "technologies",
        Type::STRING_LIST,
        FieldKind::Plain,
    ),
    (Entity::Company, "tags", Type::STRING_LIST, FieldKind::Plain),
    (Entity::Contact, "name", Type::STRING, FieldKind::Plain),
    (Entity::Contact, "email", Type::STRING, FieldKind::Plain),
    (Entity::Contact, "phone", Type::STRING, FieldKind::Phone),
    (Entity::Contact, "title", Type::STRING, FieldKind::Plain),
    (Entity::Contact, "seniority", Type::STRING, FieldKind::Plain),
    (
        Entity::Contact,
        "department",
        Type::STRING,
        FieldKind::Plain,
    ),
    (Entity::Contact, "country", Type::STRING, FieldKind::Country),
    (Entity::Contact, "linkedin", Type::STRING, FieldKind::Plain),
];

/// The canonical fields whose text follows a built-in order (part of the table above).
const CANONICAL_ORDERS: &[(Entity, &str, OrderId)] =
    &[(Entity::Contact, "seniority", Orders::SENIORITY)];

/// Why a custom field cannot be added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaError {
    BadName(String),
    Duplicate(String),
    UnknownType {
        field: String,
        ty: String,
    },
    UnknownKind {
        field: String,
        kind: String,
    },
    /// A kind that does not fit the field's type (`kind = "money"` on a string).
    KindMismatch {
        field: String,
        kind: FieldKind,
        ty: String,
    },
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemaError::BadName(name) => write!(
                f,
                "`{name}` is not a valid field name (letters, digits and `_`, starting with a letter)"
            ),
            SchemaError::Duplicate(path) => {
                write!(f, "`{path}` is already a field; choose another name")
            }
            SchemaError::UnknownType { field, ty } => {
                write!(
                    f,
                    "field `{field}` has unknown type \"{ty}\"; the types are {}",
                    Type::NAMES.join(", ")
                )?;
                match FieldKind::parse(ty) {
                    Some(kind) if kind != FieldKind::Plain => write!(
                        f,
                        " (\"{kind}\" is a kind: declare {{ type = \"{}\", kind = \"{kind}\" }})",
                        kind.usual_type()
                    ),
                    _ => Ok(()),
                }
            }
            SchemaError::UnknownKind { field, kind } => write!(
                f,
                "field `{field}` has unknown kind \"{kind}\"; the kinds are {}",
                FieldKind::ALL.map(FieldKind::as_str).join(", ")
            ),
            SchemaError::KindMismatch { field, kind, ty } => write!(
                f,
                "field `{field}` has type \"{ty}\" but kind \"{kind}\", which needs type {}",
                kind.type_names()
            ),
        }
    }
}

impl std::error::Error for SchemaError {}

impl Default for Schema {
    fn default() -> Self {
        Self::canonical()
    }
}

impl Schema {
    /// The canonical fields only.
    pub fn canonical() -> Self {
        let mut fields: Vec<FieldDef> = CANONICAL
            .iter()
            .map(|&(entity, name, ty, kind)| FieldDef::new(entity, name, ty, kind, false))
            .collect();
        for &(entity, name, order) in CANONICAL_ORDERS {
            if let Some(f) = fields
                .iter_mut()
                .find(|f| f.entity == entity && f.name == name)
            {
                f.order = Some(order);
            }
        }
        Schema {
            fields,
            orders: Orders::builtin(),
            vocabulary: std::sync::Arc::default(),
        }
    }

    /// The ordered categories.
    pub fn orders(&self) -> &Orders {
        &self.orders
    }

    /// Declares an ordered category (`[enums.NAME] order = [...]` in `icp.toml`).
    pub fn declare_order(&mut self, name: &str, values: &[String]) -> Result<OrderId, OrderError> {
        self.orders.declare(name, values)
    }

    /// Says that the text values of a string field follow an order (`enum = "…"`); `false`
    /// when the field is not a string.
    pub fn set_order(&mut self, field: FieldId, order: OrderId) -> bool {
        let f = &mut self.fields[field.0 as usize];
        if f.ty != Type::STRING {
            return false;
        }
        f.order = Some(order);
        true
    }

    /// The project's vocabularies: industries, categories and regions.
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocabulary
    }

    /// The vocabularies, shared (batch builders keep them).
    pub fn vocabulary_shared(&self) -> std::sync::Arc<Vocabulary> {
        std::sync::Arc::clone(&self.vocabulary)
    }

    /// The vocabularies, to extend them from `icp.toml`.
    pub fn vocabulary_mut(&mut self) -> &mut Vocabulary {
        std::sync::Arc::make_mut(&mut self.vocabulary)
    }

    /// Adds a plain custom field, with its type as written in `icp.toml`.
    pub fn add_custom(
        &mut self,
        entity: Entity,
        name: &str,
        type_name: &str,
    ) -> Result<FieldId, SchemaError> {
        self.add_custom_of_kind(entity, name, type_name, None)
    }

    /// Adds a custom field, with its type and kind as written in `icp.toml` (no kind is
    /// `plain`). The kind must be one of [`FieldKind::ALL`] and fit the type.
    pub fn add_custom_of_kind(
        &mut self,
        entity: Entity,
        name: &str,
        type_name: &str,
        kind_name: Option<&str>,
    ) -> Result<FieldId, SchemaError> {
        let valid = name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(SchemaError::BadName(name.to_string()));
        }
        let path = format!("{}.{name}", entity.as_str());
        if self.lookup(entity, name).is_some() {
            return Err(SchemaError::Duplicate(path));
        }
        let ty = Type::parse(type_name).ok_or_else(|| SchemaError::UnknownType {
            field: path.clone(),
            ty: type_name.to_string(),
        })?;
        let kind = match kind_name {
            None => FieldKind::Plain,
            Some(k) => FieldKind::parse(k).ok_or_else(|| SchemaError::UnknownKind {
                field: path.clone(),
                kind: k.to_string(),
            })?,
        };
        if !kind.fits(ty) {
            return Err(SchemaError::KindMismatch {
                field: path,
                kind,
                ty: type_name.trim().to_string(),
            });
        }
        let id = FieldId(self.fields.len() as u32);
        self.fields
            .push(FieldDef::new(entity, name, ty, kind, true));
        Ok(id)
    }

    pub fn lookup(&self, entity: Entity, name: &str) -> Option<FieldId> {
        self.fields
            .iter()
            .position(|f| f.entity == entity && f.name == name)
            .map(|i| FieldId(i as u32))
    }

    pub fn field(&self, id: FieldId) -> &FieldDef {
        &self.fields[id.0 as usize]
    }

    pub fn fields(&self) -> impl Iterator<Item = (FieldId, &FieldDef)> {
        self.fields
            .iter()
            .enumerate()
            .map(|(i, f)| (FieldId(i as u32), f))
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

/// Index of a signal in the [`SignalCatalog`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct SignalId(pub u32);

/// One parameter of a signal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamDecl {
    pub name: String,
    pub ty: Type,
    /// An optional parameter may be left out; the plugin then sees it as null.
    pub optional: bool,
}

/// What a plugin says about one of its signals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignalDecl {
    /// The plugin's namespace, as in `funding.days_since_last_round`.
    pub plugin: String,
    pub name: String,
    pub doc: String,
    pub params: Vec<ParamDecl>,
    pub output: Type,
    /// The lead fields the signal reads, such as `company.domain`.
    pub inputs: Vec<String>,
    /// The ordered category its text values follow (`round`, …), if the plugin declares one.
    pub order: Option<String>,
}

impl SignalDecl {
    /// `funding.raised_within(within: duration) -> bool`, or `funding.total_raised -> number`
    /// for a signal without parameters (called without parentheses).
    pub fn signature(&self) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|p| format!("{}{}: {}", p.name, if p.optional { "?" } else { "" }, p.ty))
            .collect();
        let params = if params.is_empty() {
            String::new()
        } else {
            format!("({})", params.join(", "))
        };
        format!("{}.{}{params} -> {}", self.plugin, self.name, self.output)
    }
}

/// The signals the checker may resolve `plugin.signal` calls to.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SignalCatalog {
    signals: Vec<SignalDecl>,
}

impl SignalCatalog {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, decl: SignalDecl) -> SignalId {
        let id = SignalId(self.signals.len() as u32);
        self.signals.push(decl);
        id
    }

    pub fn has_plugin(&self, plugin: &str) -> bool {
        self.signals.iter().any(|s| s.plugin == plugin)
    }

    pub fn plugins(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.signals.iter().map(|s| s.plugin.as_str()).collect();
        names.dedup();
        names
    }

    pub fn lookup(&self, plugin: &str, name: &str) -> Option<SignalId> {
        self.signals
            .iter()
            .position(|s| s.plugin == plugin && s.name == name)
            .map(|i| SignalId(i as u32))
    }

    pub fn signal(&self, id: SignalId) -> &SignalDecl {
        &self.signals[id.0 as usize]
    }

    pub fn signals_of<'a>(&'a self, plugin: &'a str) -> impl Iterator<Item = &'a SignalDecl> {
        self.signals.iter().filter(move |s| s.plugin == plugin)
    }

    pub fn is_empty(&self) -> bool {
        self.signals.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_canonical_kind_fits_its_type() {
        for (_, field) in Schema::canonical().fields() {
            assert!(field.kind.fits(field.ty), "{}", field.path());
        }
    }

    #[test]
    fn a_custom_field_takes_a_kind_that_fits_its_type() {
        let mut schema = Schema::canonical();
        let arr = schema
            .add_custom_of_kind(Entity::Company, "arr", "number", Some("money"))
            .expect("money is a number");
        assert_eq!(schema.field(arr).kind, FieldKind::Money);
        let markets = schema
            .add_custom_of_kind(Entity::Company, "markets", "list", Some("country"))
            .expect("a list of countries");
        assert!(schema.field(markets).is_country());
        let plain = schema
            .add_custom(Entity::Company, "segment", "string")
            .expect("plain");
        assert_eq!(schema.field(plain).kind, FieldKind::Plain);
        assert_eq!(
            schema.add_custom_of_kind(Entity::Company, "site", "list", Some("domain")),
            Err(SchemaError::KindMismatch {
                field: "company.site".into(),
                kind: FieldKind::Domain,
                ty: "list".into(),
            })
        );
        assert_eq!(
            schema.add_custom_of_kind(Entity::Company, "site", "string", Some("url")),
            Err(SchemaError::UnknownKind {
                field: "company.site".into(),
                kind: "url".into(),
            })
        );
    }
}
