//! Scoring lead sets, stage by stage and end to end: load (CSV companies + contacts into
//! batches, every field, and only the fields the rules read as `icp score` does), evaluate in
//! memory (the 10-criterion ICP of `ruleset.rs` — a title regex, a contact quantifier,
//! `has any`, a capped group — as 1, 5 and 20 ICPs), format the result rows, and score end to
//! end to an output file. Throughput is reported in leads per second (for evaluation, leads
//! times ICPs are lead-evaluations).
//!
//! The allocator is the one `icp` ships with (mimalloc), so the stages cost here what they
//! cost in `icp score`.
//!
//! Inputs are generated once by `icp_gen` into `target/bench-data/` (never committed). Sizes
//! default to 10,000 and 100,000 companies; set `ICP_BENCH_SIZES=10000,100000,1000000` for
//! more. Run with `cargo bench -p icp_benches --bench score`.

use std::path::{Path, PathBuf};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use icp_engine::batch::Batch;
use icp_engine::ir::RuleSet;
use icp_engine::plan::Plan;
use icp_engine::{Schema, SignalCatalog};
use icp_io::{InputConfig, LeadReader, OutputFormat, ReadOptions, ResultWriter, WriteOptions};
use rayon::prelude::*;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn sizes() -> Vec<u64> {
    std::env::var("ICP_BENCH_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .filter(|v: &Vec<u64>| !v.is_empty())
        .unwrap_or_else(|| vec![10_000, 100_000])
}

/// The generated companies and contacts files for `n` companies, made on first use.
fn inputs(n: u64) -> (PathBuf, PathBuf) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../target/bench-data/{n}"));
    let companies = dir.join("companies.csv");
    let contacts = dir.join("contacts.csv");
    if !companies.exists() || !contacts.exists() {
        std::fs::create_dir_all(&dir).expect("bench data directory");
        let options = icp_gen::GenOptions {
            companies: n,
            seed: 7,
            ..icp_gen::GenOptions::default()
        };
        let mut c = std::io::BufWriter::new(std::fs::File::create(&companies).expect("create"));
        let mut p = std::io::BufWriter::new(std::fs::File::create(&contacts).expect("create"));
        icp_gen::generate(&options, &mut c, Some(&mut p)).expect("generate the bench data");
    }
    (companies, contacts)
}

/// `icps` copies of the benchmark ICP, checked.
fn rules(icps: usize) -> RuleSet {
    let sources = icp_benches::rule_set(icps);
    let compiled = icp_engine::compile(&sources, &Schema::canonical(), &SignalCatalog::new());
    compiled.rules.expect("the benchmark rules check")
}

fn load(rules: &RuleSet, companies: &Path, contacts: &Path) -> Vec<Batch> {
    load_fields(rules, companies, contacts, Some(rules.fields_read()))
}

fn load_fields(
    rules: &RuleSet,
    companies: &Path,
    contacts: &Path,
    fields: Option<Vec<bool>>,
) -> Vec<Batch> {
    let options = ReadOptions {
        contacts: Some(contacts.to_path_buf()),
        fields,
        ..ReadOptions::default()
    };
    LeadReader::open(companies, &rules.schema, &InputConfig::default(), options)
        .expect("open the bench data")
        .map(|b| b.expect("read a batch"))
        .collect()
}

fn today() -> i32 {
    icp_syntax::ast::days_from_civil(2026, 11, 23).expect("a date")
}

fn bench(c: &mut Criterion) {
    for n in sizes() {
        let (companies, contacts) = inputs(n);
        let one = rules(1);

        let mut group = c.benchmark_group("score");
        group.sample_size(10);
        group.throughput(Throughput::Elements(n));

        group.bench_with_input(BenchmarkId::new("load csv, every field", n), &n, |b, _| {
            b.iter(|| load_fields(&one, &companies, &contacts, None));
        });
        group.bench_with_input(BenchmarkId::new("load csv, fields read", n), &n, |b, _| {
            b.iter(|| load(&one, &companies, &contacts));
        });

        for icps in [1, 5, 20] {
            let rules = rules(icps);
            let plan = Plan::new(&rules);
            let batches = load(&rules, &companies, &contacts);
            // Elements here are lead-evaluations: leads times ICPs.
            group.throughput(Throughput::Elements(n * icps as u64));
            group.bench_with_input(
                BenchmarkId::new(format!("evaluate {icps} ICPs"), n),
                &n,
                |b, _| {
                    b.iter(|| {
                        batches
                            .par_iter()
                            .map(|batch| {
                                icp_engine::eval::columnar::evaluate_columns(
                                    &rules,
                                    &plan,
                                    batch,
                                    today(),
                                )
                            })
                            .collect::<Vec<_>>()
                    });
                },
            );
        }

        group.throughput(Throughput::Elements(n));
        let plan = Plan::new(&one);
        let batches = load(&one, &companies, &contacts);
        let results: Vec<_> = batches
            .par_iter()
            .map(|batch| icp_engine::eval::columnar::evaluate_columns(&one, &plan, batch, today()))
            .collect();
        let options = WriteOptions {
            format: OutputFormat::Csv,
            all: false,
            explain: false,
        };
        let formatter = icp_io::RowFormatter::new(&one.schema, options);
        group.bench_with_input(BenchmarkId::new("format rows", n), &n, |b, _| {
            b.iter(|| {
                batches
                    .par_iter()
                    .zip(&results)
                    .map(|(batch, results)| {
                        let mut bytes = Vec::new();
                        formatter
                            .format_batch(batch, results, &mut bytes)
                            .expect("format");
                        bytes
                    })
                    .collect::<Vec<_>>()
            });
        });

        let out = companies.with_file_name("scored.csv");
        group.bench_with_input(BenchmarkId::new("end to end, 1 ICP", n), &n, |b, _| {
            b.iter(|| {
                let file = std::io::BufWriter::new(std::fs::File::create(&out).expect("output"));
                let options = WriteOptions {
                    format: OutputFormat::Csv,
                    all: false,
                    explain: false,
                };
                let mut writer = ResultWriter::new(file, &one.schema, options).expect("writer");
                let batches = load(&one, &companies, &contacts);
                let results: Vec<_> = batches
                    .par_iter()
                    .map(|batch| {
                        icp_engine::eval::columnar::evaluate_columns(&one, &plan, batch, today())
                    })
                    .collect();
                for (batch, results) in batches.iter().zip(&results) {
                    writer.write_batch(batch, results).expect("write");
                }
                writer.finish().expect("finish");
            });
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
