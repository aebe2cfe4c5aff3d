//! Result output: columns, order, best-ICP rows, `all`, `explain`, CSV and JSON Lines.

mod common;

use common::inputs;
use icp_diagnostics::SourceMap;
use icp_engine::result::{BatchResults, LeadResult};
use icp_engine::{Schema, SignalCatalog};
use icp_io::write::COLUMNS;
use icp_io::{
    InputConfig, LeadReader, OutputFormat, Preset, ReadOptions, ResultWriter, WriteOptions,
};

const RULES: &str = r#"
icp saas "Mid-market SaaS" {
  require company.employees between 50 and 1000
  exclude company.industry has any ["Gambling & Casinos"]
  score 20 "software" when company.industry has any ["Computer Software"]
  score 15 "revenue fit" when company.revenue >= 10M
  score 10 "finance buyer" when any contact where contact.title in ["CFO"]
  score 2.5 "founded" when company.founded >= 2000
  tier A when score >= 40
  tier B when score >= 20
}

icp bank "Banks" {
  require company.industry has "Banking"
  score 50 "big" when company.employees >= 10000
  tier A when score >= 50
}
"#;

/// The HubSpot fixture, scored by the reference evaluator and written with `options`.
fn write(options: WriteOptions) -> String {
    write_scored(RULES, options, false).0
}

/// The HubSpot fixture scored against `rules` by the reference evaluator or into `icp
/// score`'s columns, written with `options`; and the rows written from the columns (not
/// whole), as lead id and ICP name.
fn write_scored(
    rules: &str,
    options: WriteOptions,
    columns: bool,
) -> (String, Vec<(String, String)>) {
    let schema = Schema::canonical();
    let mut sources = SourceMap::new();
    sources.add("rules.icp", rules);
    let compiled = icp_engine::compile(&sources, &schema, &SignalCatalog::new());
    let rules = compiled.rules.expect("the rules check");
    let dir = inputs().join("hubspot");
    let config = InputConfig {
        preset: Some(Preset::Hubspot),
        batch_size: 3,
        ..InputConfig::default()
    };
    let reader = LeadReader::open(
        &dir.join("companies.csv"),
        &schema,
        &config,
        ReadOptions {
            contacts: Some(dir.join("contacts.csv")),
            ..ReadOptions::default()
        },
    )
    .unwrap();
    let mut w = ResultWriter::new(Vec::new(), &schema, options).unwrap();
    let plan = icp_engine::plan::Plan::new(&rules);
    let mut in_columns = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        let results = if columns {
            icp_engine::eval::columnar::evaluate_columns(&rules, &plan, &batch, 20_000)
        } else {
            let leads: Vec<LeadResult<'_>> = (0..batch.len())
                .map(|i| icp_engine::eval::reference::evaluate(&rules, &batch.lead(i), 20_000))
                .collect();
            BatchResults::from_leads(&rules, leads)
        };
        // The rows written: every ICP's, or the best one's.
        for lead in 0..results.len() {
            for icp in 0..results.icps() {
                let written = options.all || results.best(lead).unwrap_or(0) == icp;
                if written && results.all_known(lead, icp) {
                    in_columns.push((batch.ids[lead].to_string(), rules.icps[icp].name.clone()));
                }
            }
        }
        w.write_batch(&batch, &results).unwrap();
    }
    (String::from_utf8(w.finish().unwrap()).unwrap(), in_columns)
}

/// Texts that need quoting, written in rows read from the columns by the test below.
const QUOTED_IN_COLUMN_ROWS: [&str; 2] = ["has \"\"Banking\"\"", "big, \"\"really\"\" big"];

/// Rows written straight from the columns (every outcome known) and the others (an unknown
/// outcome) write the same bytes as the reference evaluator's results: labels and reasons that
/// need quoting, an ICP without tiers, both formats; with `explain`, columns are not written
/// from (every row keeps the explain cell).
#[test]
fn columns_write_what_whole_results_write() {
    let rules = format!(
        "{RULES}\nicp plain {{\n  score 5 \"big, \\\"really\\\" big\" when company.employees >= 100\n  \
         exclude company.name == \"Beta Bank\"\n}}\n"
    );
    for format in [OutputFormat::Csv, OutputFormat::JsonLines] {
        for all in [false, true] {
            let options = WriteOptions {
                format,
                all,
                explain: false,
            };
            let (whole, _) = write_scored(&rules, options, false);
            let (columns, in_columns) = write_scored(&rules, options, true);
            assert!(
                !in_columns.is_empty(),
                "no row was written from the columns"
            );
            if format == OutputFormat::Csv && all {
                // Quoted labels and reasons, in rows written from the columns.
                let from_columns = |line: &&str| {
                    in_columns.iter().any(|(id, icp)| {
                        line.starts_with(&format!("{id},")) && line.contains(&format!(",{icp},"))
                    })
                };
                // (A reason quoted in a row with an unknown outcome.)
                assert!(whole.contains("\"\"Gambling & Casinos\"\""), "{whole}");
                for text in QUOTED_IN_COLUMN_ROWS {
                    assert!(
                        columns
                            .lines()
                            .filter(from_columns)
                            .any(|l| l.contains(text)),
                        "{text} in a row from the columns: {columns}"
                    );
                }
            }
            assert_eq!(columns, whole, "{options:?}");
        }
    }
    let options = WriteOptions {
        format: OutputFormat::Csv,
        all: true,
        explain: true,
    };
    let (out, _) = write_scored(&rules, options, true);
    let mut rows = csv::Reader::from_reader(out.as_bytes());
    for row in rows.records() {
        assert_eq!(row.unwrap().len(), COLUMNS.len() + 1);
    }
}

#[test]
fn csv_one_row_per_lead_with_its_best_icp() {
    let out = write(WriteOptions {
        format: OutputFormat::Csv,
        all: false,
        explain: false,
    });
    let expected = [
        "id,name,icp,qualified,score,max_score,tier,matched,unknown,reasons",
        "5001,Acme Analytics,saas,true,47.5,47.5,A,software|revenue fit|finance buyer|founded,,",
        "5002,Beta Bank,bank,true,50,50,A,big,,",
        // No ICP gives Gamma a tier: the first ICP's row.
        "5003,Gamma Games,saas,false,15,47.5,,revenue fit,company.founded,\"excluded: company.industry has any [\"\"Gambling & Casinos\"\"]\"",
        "5004,Delta Health,saas,false,2.5,47.5,,founded,company.revenue,failed: company.employees between 50 and 1000",
    ];
    assert_eq!(out.lines().collect::<Vec<_>>(), expected, "\n{out}");
    assert_eq!(
        expected[0].split(',').collect::<Vec<_>>(),
        COLUMNS,
        "the header is COLUMNS"
    );
}

#[test]
fn csv_all_icps_with_explanations() {
    let out = write(WriteOptions {
        format: OutputFormat::Csv,
        all: true,
        explain: true,
    });
    let mut csv = csv::Reader::from_reader(out.as_bytes());
    let header: Vec<String> = csv.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header.last().map(String::as_str), Some("explain"));
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 8, "four leads × two ICPs");
    let keys: Vec<(&str, &str)> = rows.iter().map(|r| (&r[0], &r[2])).collect();
    assert_eq!(
        keys[..4],
        [
            ("5001", "saas"),
            ("5001", "bank"),
            ("5002", "saas"),
            ("5002", "bank")
        ]
    );
    // Beta is scored against `saas` too, though it fails its require.
    assert_eq!(&rows[2][3], "false");
    assert_eq!(&rows[2][4], "15");
    assert_eq!(&rows[2][6], "", "no tier when not qualified");
    let explain: serde_json::Value = serde_json::from_str(&rows[0][10]).unwrap();
    let checks = explain["checks"].as_array().unwrap();
    assert_eq!(checks[0]["kind"], "require");
    assert_eq!(checks[0]["result"], "true");
    let software = checks.iter().find(|c| c["label"] == "software").unwrap();
    assert_eq!(software["points"].to_string(), "20", "no needless .0");
    assert_eq!(explain["groups"], serde_json::json!([]));
}

#[test]
fn json_lines_keep_the_column_order_with_arrays() {
    let out = write(WriteOptions {
        format: OutputFormat::JsonLines,
        all: false,
        explain: false,
    });
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(
        lines[0],
        r#"{"id":"5001","name":"Acme Analytics","icp":"saas","qualified":true,"score":47.5,"max_score":47.5,"tier":"A","matched":["software","revenue fit","finance buyer","founded"],"unknown":[],"reasons":[]}"#
    );
    assert_eq!(
        lines[1],
        r#"{"id":"5002","name":"Beta Bank","icp":"bank","qualified":true,"score":50,"max_score":50,"tier":"A","matched":["big"],"unknown":[],"reasons":[]}"#
    );
    let gamma: serde_json::Value = serde_json::from_str(lines[2]).unwrap();
    assert_eq!(gamma["tier"], serde_json::Value::Null);
    assert_eq!(gamma["unknown"], serde_json::json!(["company.founded"]));

    let with_explain = write(WriteOptions {
        format: OutputFormat::JsonLines,
        all: true,
        explain: true,
    });
    let first: serde_json::Value =
        serde_json::from_str(with_explain.lines().next().unwrap()).unwrap();
    assert!(
        first["explain"]["checks"].is_array(),
        "an object, not a string"
    );
}

#[test]
fn a_rule_set_without_icps_writes_ids_and_names() {
    let schema = Schema::canonical();
    let mut b = icp_engine::batch::BatchBuilder::new(&schema, 0);
    b.start_lead("x", 2);
    b.set_company(
        schema.lookup(icp_engine::Entity::Company, "name").unwrap(),
        icp_engine::Value::String("X, Inc.".into()),
    );
    b.start_lead("y", 3);
    let batch = b.finish();
    let compiled = icp_engine::compile(&SourceMap::new(), &schema, &SignalCatalog::new());
    let rules = compiled.rules.expect("no rules check");
    let result = LeadResult {
        icps: Vec::new(),
        best: None,
        personas: Vec::new(),
    };
    let results = BatchResults::from_leads(&rules, vec![result.clone(); 2]);
    let one = BatchResults::from_leads(&rules, vec![result]);
    let mut w = ResultWriter::new(
        Vec::new(),
        &schema,
        WriteOptions {
            format: OutputFormat::Csv,
            all: false,
            explain: true,
        },
    )
    .unwrap();
    w.write_batch(&batch, &results).unwrap();
    assert_eq!(w.rows_written(), 2);
    assert!(w.write_batch(&batch, &one).is_err(), "lengths must agree");
    let out = String::from_utf8(w.finish().unwrap()).unwrap();
    assert_eq!(
        out,
        "id,name,icp,qualified,score,max_score,tier,matched,unknown,reasons,explain\n\
         x,\"X, Inc.\",,,,,,,,,\n\
         y,,,,,,,,,,\n"
    );
}
