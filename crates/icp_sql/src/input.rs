//! The query's first steps: the input tables read as `icp score` reads a file.
//!
//! How it works: `src` takes from the companies table the id, the name and every field the
//! rules read, each normalised as the lead readers normalise a cell — text trimmed of white
//! space, the missing-value tokens (`n/a`, `null`, `-`, …, any case) and empty text made
//! `NULL`; list items trimmed, empty and missing items dropped, an empty list `NULL`;
//! booleans made truths (0/1/2); dates made day numbers; numbers doubles. `base` adds the
//! country key of each country field (through the ISO table) and the signal values of the
//! signals table. `ksrc` and `kbase` do the same for the contacts, with their company key and
//! their order.

use icp_engine::FieldId;
use icp_engine::ir::RuleSet;
use icp_engine::schema::{Entity, FieldDef, Scalar, Type};
use icp_io::parse::MISSING_TOKENS;

use crate::countries;
use crate::dialect::{Dialect, SqlType};
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
    let trimmed = d.trim_ws(x);
    format!(
        "CASE WHEN {} THEN NULL ELSE {trimmed} END",
        is_missing_token(d, &trimmed)
    )
}

/// A field's column, normalised (see the module documentation).
fn normalised(d: &dyn Dialect, x: &str, ty: Type) -> String {
    match sql_type(ty) {
        SqlType::Text => text(d, x),
        SqlType::Double => format!("CAST({x} AS {})", d.type_name(SqlType::Double)),
        SqlType::Date => d.date_days(x),
        SqlType::Bool => format!("CASE WHEN {x} IS NULL THEN 1 WHEN {x} THEN 2 ELSE 0 END"),
        SqlType::TextList => {
            let trimmed = d.list_map(x, "e", &d.trim_ws("e"));
            let kept = d.list_filter(
                &trimmed,
                "e",
                &format!("e IS NOT NULL AND NOT {}", is_missing_token(d, "e")),
            );
            format!(
                "CASE WHEN {} > 0 THEN {kept} END",
                d.list_len(&format!("COALESCE({kept}, {})", d.text_array(&[])))
            )
        }
        SqlType::DoubleList => {
            let kept = d.list_filter(x, "e", "e IS NOT NULL");
            format!("CASE WHEN {} > 0 THEN {kept} END", d.list_len(&kept))
        }
    }
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
    let mut select = vec![format!("{} AS {}", text(d, &col(id)), names::ID)];
    match schema.lookup(Entity::Company, "name") {
        Some(name) => select.push(format!("{} AS {}", text(d, &col(name)), names::NAME)),
        None => select.push(format!(
            "CAST(NULL AS {}) AS {}",
            d.type_name(SqlType::Text),
            names::NAME
        )),
    }
    let company_fields = fields_of(rules, Entity::Company, &read);
    for &f in &company_fields {
        let ty = schema.field(f).ty;
        select.push(format!(
            "{} AS {}",
            normalised(d, &col(f), ty),
            names::company_field(f)
        ));
    }
    out.push((
        "src".to_string(),
        format!(
            "SELECT {} FROM {}",
            select.join(",\n    "),
            d.table(&options.companies_table)
        ),
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
    let mut select = vec![format!(
        "{} AS {}",
        text(d, &d.ident(&options.contacts_key)),
        names::CONTACT_KEY
    )];
    match &options.contacts_order {
        Some(order) => select.push(format!("{} AS {}", d.ident(order), names::CONTACT_ORDER)),
        None => select.push(format!("0 AS {}", names::CONTACT_ORDER)),
    }
    for &f in &contact_fields {
        let ty = schema.field(f).ty;
        select.push(format!(
            "{} AS {}",
            normalised(d, &col(f), ty),
            names::contact_field(f)
        ));
    }
    out.push((
        "ksrc".to_string(),
        format!(
            "SELECT {} FROM {}",
            select.join(",\n    "),
            d.table(contacts)
        ),
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
