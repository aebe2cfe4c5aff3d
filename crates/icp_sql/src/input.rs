//! The query's first steps: the input tables read as `icp score` reads a file.
//!
//! How it works: `src` takes from the companies table the id, the name and every field the
//! rules read, each normalised as the lead readers normalise a cell — text trimmed of white
//! space, the missing-value tokens (`n/a`, `null`, `-`, …, any case) and empty text made
//! `NULL`; list items trimmed, empty and missing items dropped, an empty list `NULL`;
//! booleans made truths (0/1/2); dates made day numbers; numbers doubles; a web domain
//! normalised as `icp score` reads it (`domains`: `https://www.Acme.com/x` is `acme.com`).
//! It is two steps: `src0` reads each column once (trimmed text, the kept list items), and `src` tests that
//! result, which it reads twice, so the trimming is written and computed once. `base` adds the
//! country key of each country field (through the ISO table) and the signal values of the
//! signals table. `ksrc0`, `ksrc` and `kbase` do the same for the contacts, with their company key and
//! their order.

use icp_engine::FieldId;
use icp_engine::ir::RuleSet;
use icp_engine::schema::{Entity, FieldDef, FieldKind, Scalar, Type};
use icp_io::parse::MISSING_TOKENS;

use crate::countries;
use crate::dialect::{Dialect, SqlType};
use crate::domains;
use crate::names;
use crate::{CompileError, Options};

/// The SQL type a field's column has in the input tables.
pub fn sql_type(ty: Type) -> SqlType {
    match ty {
        Type::Scalar(Scalar::String) | Type::Error => SqlType::Text,
        Type::Scalar(Scalar::Number | Scalar::Duration) => SqlType::Double,
        Type::Scalar(Scalar::Date) => SqlType::Date,
        Type::Scalar(Scalar::Bool) => SqlType::Bool,
        Type::List(Some(Scalar::Number)) => SqlType::DoubleList,
        Type::List(_) => SqlType::TextList,
    }
}

/// The column name of a field in its table: the name `[input.columns]` maps to it, else the
/// field's own name.
pub fn column_name<'a>(options: &'a Options, field: FieldId, def: &'a FieldDef) -> &'a str {
    options
        .columns
        .get(&field)
        .map_or(def.name.as_str(), String::as_str)
}

/// Whether `x` (text) is one of the missing-value tokens once trimmed, in any case.
fn is_missing_token(d: &dyn Dialect, trimmed: &str) -> String {
    let tokens: Vec<String> = MISSING_TOKENS.iter().map(|t| d.string(t)).collect();
    format!("LOWER({trimmed}) IN ({})", tokens.join(", "))
}

/// A text cell as the readers keep it: trimmed, `NULL` when missing.
pub fn text(d: &dyn Dialect, x: &str) -> String {
    normalised(d, x, Type::STRING)
}

/// A field's column, normalised (see the module documentation), in one expression.
fn normalised(d: &dyn Dialect, x: &str, ty: Type) -> String {
    finish(d, &first_step(d, x, ty), ty)
}

/// The part of a column's normalising that reads it once: text trimmed, list items trimmed
/// and the missing ones dropped, a date as its day number. [`finish`] reads its result more
/// than once, so `src` computes this step alone beneath it (`src0`), once per column.
fn first_step(d: &dyn Dialect, x: &str, ty: Type) -> String {
    match sql_type(ty) {
        SqlType::Text => d.trim_ws(x),
        SqlType::Double => format!("CAST({x} AS {})", d.type_name(SqlType::Double)),
        SqlType::Date => d.date_days(x),
        SqlType::Bool => x.to_string(),
        SqlType::TextList => {
            let trimmed = d.list_map(x, "e", &d.trim_ws("e"));
            d.list_filter(
                &trimmed,
                "e",
                &format!("e IS NOT NULL AND NOT {}", is_missing_token(d, "e")),
            )
        }
        SqlType::DoubleList => d.list_filter(x, "e", "e IS NOT NULL"),
    }
}

/// The rest of the normalising, on `first_step`'s result `x`: a missing-value token or an
/// empty list made `NULL`, a boolean made a truth.
fn finish(d: &dyn Dialect, x: &str, ty: Type) -> String {
    match sql_type(ty) {
        SqlType::Text => format!(
            "CASE WHEN {} THEN NULL ELSE {x} END",
            is_missing_token(d, x)
        ),
        SqlType::Double | SqlType::Date => x.to_string(),
        SqlType::Bool => format!("CASE WHEN {x} IS NULL THEN 1 WHEN {x} THEN 2 ELSE 0 END"),
        SqlType::TextList => format!(
            "CASE WHEN {} > 0 THEN {x} END",
            d.list_len(&format!("COALESCE({x}, {})", d.text_array(&[])))
        ),
        SqlType::DoubleList => format!("CASE WHEN {} > 0 THEN {x} END", d.list_len(x)),
    }
}

/// A column of an input table as the query reads it.
struct ReadColumn {
    /// The table's column.
    source: String,
    ty: Type,
    /// How the readers read it: a domain is normalised (`domains`).
    kind: FieldKind,
    /// Its name in the query.
    name: String,
}

impl ReadColumn {
    fn text(source: String, name: &str) -> ReadColumn {
        ReadColumn {
            source,
            ty: Type::STRING,
            kind: FieldKind::Plain,
            name: name.to_string(),
        }
    }

    fn field(source: String, def: &FieldDef, name: String) -> ReadColumn {
        ReadColumn {
            source,
            ty: def.ty,
            kind: def.kind,
            name,
        }
    }
}

/// The two steps reading an input table: `{name}0` selects each column's [`first_step`] from
/// the table, `{name}` each one's [`finish`] from that (a domain then normalised);
/// `extra` (expression, name) are selected as they are.
fn read_table(
    d: &dyn Dialect,
    name: &str,
    table: &str,
    columns: &[ReadColumn],
    extra: &[(String, String)],
) -> [(String, String); 2] {
    let first: Vec<String> = (columns.iter())
        .map(|c| format!("{} AS {}", first_step(d, &c.source, c.ty), c.name))
        .chain(extra.iter().map(|(e, as_name)| format!("{e} AS {as_name}")))
        .collect();
    let mut second: Vec<String> = (columns.iter())
        .map(|c| {
            let value = finish(d, &c.name, c.ty);
            let value = if c.kind == FieldKind::Domain {
                domains::normalised(d, &value)
            } else {
                value
            };
            format!("{value} AS {}", c.name)
        })
        .collect();
    second.extend(extra.iter().map(|(_, as_name)| as_name.clone()));
    [
        (
            format!("{name}0"),
            format!("SELECT {} FROM {table}", first.join(",\n    ")),
        ),
        (
            name.to_string(),
            format!("SELECT {} FROM {name}0", second.join(",\n    ")),
        ),
    ]
}

/// The fields of `entity` the query reads, in id order.
fn fields_of(rules: &RuleSet, entity: Entity, read: &[bool]) -> Vec<FieldId> {
    rules
        .schema
        .fields()
        .filter(|(id, def)| def.entity == entity && read[id.0 as usize])
        .map(|(id, _)| id)
        .collect()
}

/// The CTEs reading the input tables: `src`, `base` and, with contacts, `ksrc`, `kbase`.
pub fn ctes(
    rules: &RuleSet,
    options: &Options,
    signal_columns: &[(usize, String)],
    has_contacts: bool,
) -> Result<Vec<(String, String)>, CompileError> {
    let d = options.dialect.dialect();
    let read = rules.fields_read();
    let schema = &rules.schema;
    let id = schema
        .lookup(Entity::Company, "id")
        .ok_or_else(|| CompileError::new("E0053", "the schema has no `company.id` field"))?;
    let col = |f: FieldId| d.ident(column_name(options, f, schema.field(f)));
    let mut out = Vec::new();

    // Companies.
    let mut columns = vec![ReadColumn::text(col(id), names::ID)];
    let mut extra = Vec::new();
    match schema.lookup(Entity::Company, "name") {
        Some(name) => columns.push(ReadColumn::text(col(name), names::NAME)),
        None => extra.push((
            format!("CAST(NULL AS {})", d.type_name(SqlType::Text)),
            names::NAME.to_string(),
        )),
    }
    let company_fields = fields_of(rules, Entity::Company, &read);
    for &f in &company_fields {
        columns.push(ReadColumn::field(
            col(f),
            schema.field(f),
            names::company_field(f),
        ));
    }
    out.extend(read_table(
        d,
        "src",
        &d.table(&options.companies_table),
        &columns,
        &extra,
    ));

    // Country keys and signals.
    let mut select = vec!["src.*".to_string()];
    let mut joins = Vec::new();
    for &f in &company_fields {
        if schema.field(f).is_country() && schema.field(f).ty == Type::STRING {
            let t = format!("ct{}", f.0);
            let v = format!("src.{}", names::company_field(f));
            joins.push(format!(
                "LEFT JOIN {} AS {t} ON {t}.k = {}",
                countries::TABLE,
                countries::compact_sql(d, &v)
            ));
            select.push(format!(
                "COALESCE({t}.a2, LOWER({v})) AS {}",
                names::country_key(f)
            ));
        }
    }
    if !signal_columns.is_empty() {
        let table = options.signals_table.as_deref().unwrap_or_default();
        joins.push(format!(
            "LEFT JOIN {} AS sig ON {} = src.{}",
            d.table(table),
            text(d, &format!("sig.{}", d.ident(&options.signals_key))),
            names::ID
        ));
        for (call, column) in signal_columns {
            let ty = rules
                .signals
                .signal(rules.signal_calls[*call].signal)
                .output;
            // A signal's text is the plugin's value as `icp signals` wrote it: `"None"` (the
            // funding plugin's round before Seed) is a value, not a missing-value token; only
            // an empty cell is missing.
            let x = format!("sig.{}", d.ident(column));
            let value = match sql_type(ty) {
                SqlType::Text => format!("CASE WHEN {x} = '' THEN NULL ELSE {x} END"),
                _ => normalised(d, &x, ty),
            };
            select.push(format!("{value} AS {}", names::signal(*call)));
        }
    }
    out.push((
        "base".to_string(),
        format!("SELECT {} FROM src {}", select.join(", "), joins.join(" "))
            .trim_end()
            .to_string(),
    ));

    if !has_contacts {
        return Ok(out);
    }
    let contacts = options.contacts_table.as_deref().unwrap_or_default();
    let contact_fields = fields_of(rules, Entity::Contact, &read);
    let key = d.ident(&options.contacts_key);
    let mut columns = vec![ReadColumn::text(key, names::CONTACT_KEY)];
    let order = match &options.contacts_order {
        Some(order) => d.ident(order),
        None => "0".to_string(),
    };
    for &f in &contact_fields {
        columns.push(ReadColumn::field(
            col(f),
            schema.field(f),
            names::contact_field(f),
        ));
    }
    out.extend(read_table(
        d,
        "ksrc",
        &d.table(contacts),
        &columns,
        &[(order, names::CONTACT_ORDER.to_string())],
    ));
    let mut select = vec!["ksrc.*".to_string()];
    let mut joins = Vec::new();
    for &f in &contact_fields {
        if schema.field(f).is_country() && schema.field(f).ty == Type::STRING {
            let t = format!("kt{}", f.0);
            let v = format!("ksrc.{}", names::contact_field(f));
            joins.push(format!(
                "LEFT JOIN {} AS {t} ON {t}.k = {}",
                countries::TABLE,
                countries::compact_sql(d, &v)
            ));
            select.push(format!(
                "COALESCE({t}.a2, LOWER({v})) AS {}",
                names::contact_country_key(f)
            ));
        }
    }
    out.push((
        "kbase".to_string(),
        format!("SELECT {} FROM ksrc {}", select.join(", "), joins.join(" "))
            .trim_end()
            .to_string(),
    ));
    Ok(out)
}

/// A column of an input table: its name, type and what it holds.
pub type Column = (String, SqlType, String);

/// The typed input schema the query expects, table by table: `(table, [(column, type,
/// field)])`.
pub fn expected_schema(
    rules: &RuleSet,
    options: &Options,
    signal_columns: &[(usize, String)],
) -> Vec<(String, Vec<Column>)> {
    let read = rules.fields_read();
    let schema = &rules.schema;
    let mut tables = Vec::new();
    let mut company = Vec::new();
    for name in ["id", "name"] {
        if let Some(f) = schema.lookup(Entity::Company, name) {
            let def = schema.field(f);
            company.push((
                column_name(options, f, def).to_string(),
                SqlType::Text,
                def.path().to_string(),
            ));
        }
    }
    for f in fields_of(rules, Entity::Company, &read) {
        let def = schema.field(f);
        if def.name != "id" && def.name != "name" {
            company.push((
                column_name(options, f, def).to_string(),
                sql_type(def.ty),
                def.path().to_string(),
            ));
        }
    }
    tables.push((options.companies_table.clone(), company));
    let contact_fields = fields_of(rules, Entity::Contact, &read);
    if let Some(contacts) = &options.contacts_table {
        let mut cols = vec![(
            options.contacts_key.clone(),
            SqlType::Text,
            "the company's id".to_string(),
        )];
        if let Some(order) = &options.contacts_order {
            cols.push((
                order.clone(),
                SqlType::Double,
                "the contact's position among its company's".to_string(),
            ));
        }
        for f in contact_fields {
            let def = schema.field(f);
            cols.push((
                column_name(options, f, def).to_string(),
                sql_type(def.ty),
                def.path().to_string(),
            ));
        }
        tables.push((contacts.clone(), cols));
    }
    if !signal_columns.is_empty() {
        let mut cols = vec![(
            options.signals_key.clone(),
            SqlType::Text,
            "the company's id".to_string(),
        )];
        for (call, column) in signal_columns {
            let c = &rules.signal_calls[*call];
            let ty = rules.signals.signal(c.signal).output;
            cols.push((column.clone(), sql_type(ty), c.text.clone()));
        }
        let name = options
            .signals_table
            .clone()
            .unwrap_or_else(|| "signals".to_string());
        tables.push((name, cols));
    }
    tables
}
