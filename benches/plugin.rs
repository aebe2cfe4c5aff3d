//! The cost of a plugin signal: the benchmark ICP of `ruleset.rs` with its "revenue fit"
//! criterion reading a plugin signal (`funding.total_raised >= 10M`, the shipped funding
//! plugin, one hash lookup per lead) against the same ICP reading the same values from a
//! field (`company.total_raised >= 10M`, a custom field filled with exactly what the plugin
//! returns), evaluated in memory on the same leads — equal work but for where the column
//! comes from. The plugin path includes the call into the plugin for every batch and the
//! conversion of its output column.
//!
//! The goal (issue 4): the plugin path costs at most 20% more. Inputs are generated once into
//! `target/bench-data/` with their funding data; the default size is 1,000,000 companies
//! (`ICP_BENCH_SIZES` to change it). Run with `cargo bench -p icp_benches --bench plugin`.

use std::path::{Path, PathBuf};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use icp_engine::batch::Batch;
use icp_engine::ir::RuleSet;
use icp_engine::plan::Plan;
use icp_engine::{Entity, Schema, SignalCatalog};
use icp_io::{InputConfig, LeadReader, ReadOptions};
use icp_plugin_host::{Configured, Host, PluginRequest};
use rayon::prelude::*;

fn sizes() -> Vec<u64> {
    std::env::var("ICP_BENCH_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .filter(|v: &Vec<u64>| !v.is_empty())
        .unwrap_or_else(|| vec![1_000_000])
}

/// The companies, contacts and funding files for `n` companies, made on first use.
fn inputs(n: u64) -> PathBuf {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../target/bench-data/{n}-signals"));
    if !dir.join("funding.csv").exists() {
        std::fs::create_dir_all(&dir).expect("bench data directory");
        let options = icp_gen::GenOptions {
            companies: n,
            seed: 7,
            ..icp_gen::GenOptions::default()
        };
        let create = |name: &str| {
            std::io::BufWriter::new(std::fs::File::create(dir.join(name)).expect("create"))
        };
        let (mut c, mut p) = (create("companies.csv"), create("contacts.csv"));
        icp_gen::generate(&options, &mut c, Some(&mut p)).expect("generate the bench data");
        icp_gen::signals::write_signals(&options, &dir).expect("generate the signal data");
    }
    dir
}

fn compile(source: &str, schema: &Schema, catalog: &SignalCatalog) -> RuleSet {
    let mut sources = icp_diagnostics::SourceMap::new();
    sources.add("bench.icp", source.to_string());
    let compiled = icp_engine::compile(&sources, schema, catalog);
    compiled.rules.expect("the benchmark rules check")
}

fn load(rules: &RuleSet, dir: &Path) -> Vec<Batch> {
    let options = ReadOptions {
        contacts: Some(dir.join("contacts.csv")),
        ..ReadOptions::default()
    };
    LeadReader::open(
        &dir.join("companies.csv"),
        &rules.schema,
        &InputConfig::default(),
        options,
    )
    .expect("open the bench data")
    .map(|b| b.expect("read a batch"))
    .collect()
}

fn bench(c: &mut Criterion) {
    let plugins = icp_benches::cargo_build(&["-p", "plugin_funding"]);
    let today = icp_syntax::ast::days_from_civil(2026, 11, 23).expect("a date");
    for n in sizes() {
        let dir = inputs(n);
        let host = Host::load(&PluginRequest {
            libraries: vec![plugins.join(icp_plugin_host::library_file("plugin_funding"))],
            configured: vec![Configured {
                name: "funding".to_string(),
                library: None,
                config_json: r#"{"data": "funding.csv"}"#.to_string(),
                base_dir: dir.clone(),
                isolation: None,
            }],
            directories: Vec::new(),
            plugin_home: None,
            ..icp_plugin_host::PluginRequest::default()
        })
        .expect("the funding plugin loads");

        let mut schema = Schema::canonical();
        let total_raised = schema
            .add_custom(Entity::Company, "total_raised", "number")
            .expect("a custom field");
        let source = icp_benches::rule_file(0);
        let field_source = source.replace("company.revenue >= 10M", "company.total_raised >= 10M");
        let signal_source = source.replace("company.revenue >= 10M", "funding.total_raised >= 10M");
        assert_ne!(source, signal_source, "the benchmark ICP reads revenue");
        let field_rules = compile(&field_source, &schema, host.catalog());
        let signal_rules = compile(&signal_source, &schema, host.catalog());
        let signals = host
            .prepare(&signal_rules)
            .expect("the funding plugin initialises");
        let field_plan = Plan::new(&field_rules);
        let signal_plan = Plan::new(&signal_rules);
        let mut signal_batches = load(&signal_rules, &dir);
        // The same leads with the plugin's values in the custom field.
        let field_batches: Vec<Batch> = signal_batches
            .iter_mut()
            .map(|batch| {
                signals.fill(batch, today).expect("the plugin answers");
                let mut copy = batch.clone();
                copy.company[total_raised.0 as usize] = copy.signals.remove(0);
                copy
            })
            .collect();

        let mut group = c.benchmark_group("plugin signal");
        group.sample_size(10);
        group.throughput(Throughput::Elements(n));
        group.bench_with_input(BenchmarkId::new("built-in field", n), &n, |b, _| {
            b.iter(|| {
                field_batches
                    .par_iter()
                    .map(|batch| {
                        icp_engine::eval::columnar::evaluate(
                            &field_rules,
                            &field_plan,
                            batch,
                            today,
                            false,
                        )
                    })
                    .collect::<Vec<_>>()
            });
        });
        group.bench_with_input(BenchmarkId::new("plugin signal", n), &n, |b, _| {
            b.iter(|| {
                signal_batches
                    .par_iter_mut()
                    .map(|batch| {
                        signals.fill(batch, today).expect("the plugin answers");
                        icp_engine::eval::columnar::evaluate(
                            &signal_rules,
                            &signal_plan,
                            batch,
                            today,
                            false,
                        )
                    })
                    .collect::<Vec<_>>()
            });
        });
        group.bench_with_input(BenchmarkId::new("plugin call only", n), &n, |b, _| {
            b.iter(|| {
                signal_batches
                    .par_iter_mut()
                    .for_each(|batch| signals.fill(batch, today).expect("the plugin answers"));
            });
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
