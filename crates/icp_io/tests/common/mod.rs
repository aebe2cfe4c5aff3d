//! Helpers shared by the integration tests: read a file whole and look at its leads by field
//! path.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use icp_engine::lead::Lead;
use icp_engine::{Entity, Schema, Value};
use icp_io::{InputConfig, InputError, LeadReader, ReadOptions, ReadReport};

pub fn inputs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/inputs")
}

/// A `Write` whose bytes can be looked at after the writer was handed away.
#[derive(Clone, Default)]
pub struct Shared(pub Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// One lead as read.
#[derive(Debug, Clone)]
pub struct ReadLead {
    pub id: String,
    pub line: u64,
    pub lead: Lead,
}

pub struct Outcome {
    pub schema: Schema,
    pub leads: Vec<ReadLead>,
    pub batches: usize,
    pub report: ReadReport,
    /// The rejects sink's rows: (line, reason, raw).
    pub rejects: Vec<(u64, String, String)>,
}

pub fn read_with(
    path: &Path,
    schema: &Schema,
    config: &InputConfig,
    mut options: ReadOptions,
) -> Result<Outcome, InputError> {
    let sink = Shared::default();
    options.rejects = Some(Box::new(sink.clone()));
    let mut reader = LeadReader::open(path, schema, config, options)?;
    let mut leads = Vec::new();
    let mut batches = 0;
    for batch in &mut reader {
        let batch = batch?;
        assert!(!batch.is_empty(), "no empty batches");
        assert!(
            batch.len() <= config.batch_size,
            "batches respect batch_size"
        );
        batches += 1;
        for i in 0..batch.len() {
            leads.push(ReadLead {
                id: batch.ids[i].to_string(),
                line: batch.lines[i],
                lead: batch.lead(i),
            });
        }
    }
    assert!(reader.next().is_none(), "a finished reader stays finished");
    let report = reader.into_report();
    let text = sink.text();
    let mut rejects = Vec::new();
    let mut csv = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    assert_eq!(
        csv.headers().unwrap().iter().collect::<Vec<_>>(),
        ["line", "reason", "raw"]
    );
    for row in csv.records() {
        let row = row.unwrap();
        rejects.push((
            row[0].parse().expect("a line number"),
            row[1].to_string(),
            row[2].to_string(),
        ));
    }
    Ok(Outcome {
        schema: schema.clone(),
        leads,
        batches,
        report,
        rejects,
    })
}

pub fn read(path: &Path, config: &InputConfig, contacts: Option<PathBuf>) -> Outcome {
    let schema = Schema::canonical();
    let options = ReadOptions {
        contacts,
        ..ReadOptions::default()
    };
    read_with(path, &schema, config, options).expect("readable")
}

impl Outcome {
    pub fn lead(&self, id: &str) -> &ReadLead {
        self.leads
            .iter()
            .find(|l| l.id == id)
            .unwrap_or_else(|| panic!("no lead {id}; ids: {:?}", self.ids()))
    }

    pub fn ids(&self) -> Vec<&str> {
        self.leads.iter().map(|l| l.id.as_str()).collect()
    }

    /// A company field of a lead, by name (`employees`).
    pub fn company(&self, id: &str, field: &str) -> Option<Value> {
        let f = self
            .schema
            .lookup(Entity::Company, field)
            .expect("a company field");
        self.lead(id).lead.company[f.0 as usize].clone()
    }

    /// One contact field of every contact of a lead.
    pub fn contacts(&self, id: &str, field: &str) -> Vec<Option<Value>> {
        let f = self
            .schema
            .lookup(Entity::Contact, field)
            .expect("a contact field");
        self.lead(id)
            .lead
            .contacts
            .iter()
            .map(|c| c[f.0 as usize].clone())
            .collect()
    }
}

pub fn s(text: &str) -> Option<Value> {
    Some(Value::String(text.to_string()))
}

pub fn n(x: f64) -> Option<Value> {
    Some(Value::Number(x))
}

pub fn list(items: &[&str]) -> Option<Value> {
    Some(Value::List(
        items.iter().map(|i| Value::String(i.to_string())).collect(),
    ))
}
