//! Parse and check a large rule set (1,000 files), each stage on its own and together; and
//! the time budget of rules that double at every level (`rules/doubling/64`: 64 lets each using
//! the previous one twice, 1.5 KB), checked, lowered and evaluated by both evaluators. Lets
//! are shared, never expanded, so this stays in the milliseconds; expanding them would take
//! 2^64 steps (tests/linear.rs asserts the sizes, this measures the time).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use icp_engine::{Entity, Schema, SignalCatalog, Value};

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("rules");
    for n in [100usize, 1000] {
        let sources = icp_benches::rule_set(n);
        let bytes: usize = sources.files().map(|(_, f)| f.text().len()).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_with_input(BenchmarkId::new("parse", n), &sources, |b, sources| {
            b.iter(|| {
                for (id, f) in sources.files() {
                    let _ = icp_syntax::parse(id, f.text());
                }
            });
        });
        let files: Vec<_> = sources
            .files()
            .map(|(id, f)| icp_syntax::parse(id, f.text()).expect("generated rules parse"))
            .collect();
        let schema = Schema::canonical();
        let signals = SignalCatalog::new();
        group.bench_with_input(BenchmarkId::new("check", n), &files, |b, files| {
            b.iter(|| icp_engine::check(files, &sources, &schema, &signals));
        });
        group.bench_with_input(
            BenchmarkId::new("parse+check", n),
            &sources,
            |b, sources| {
                b.iter(|| icp_engine::compile(sources, &schema, &signals));
            },
        );
    }
    doubling(&mut group);
    group.finish();
}

/// `let bK = bK-1 and bK-1` for 64 levels, an ICP and a test block on the top of the chain:
/// compiled, lowered, run through `icp test` (the reference evaluator) and the columnar
/// evaluator on a lead whose missing field leaves every level unknown.
fn doubling(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    const LEVELS: usize = 64;
    let mut text = String::from("let b0 = company.employees > 10\n");
    for k in 1..=LEVELS {
        text += &format!("let b{k} = b{} and b{}\n", k - 1, k - 1);
    }
    text += &format!(
        "icp chain {{\n  require b{LEVELS}\n  score 10 when b{LEVELS}\n  \
         tier A when score >= 5 and b{LEVELS}\n}}\n\
         test \"chain\" {{\n  company {{ employees: 20 }}\n  expect chain tier A\n}}\n"
    );
    let mut sources = icp_diagnostics::SourceMap::new();
    sources.add("doubling.icp", text.clone());
    let schema = Schema::canonical();
    let signals = SignalCatalog::new();
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_with_input(
        BenchmarkId::new("doubling", LEVELS),
        &sources,
        |b, sources| {
            b.iter(|| {
                let compiled = icp_engine::compile(sources, &schema, &signals);
                let rules = compiled.rules.expect("the chain checks");
                let plan = icp_engine::plan::Plan::new(&rules);
                let reports = icp_engine::rule_tests::run_tests(&rules, 20_000);
                assert!(reports.iter().all(|r| r.passed()));
                let employees = rules.schema.lookup(Entity::Company, "employees");
                let mut builder =
                    icp_engine::batch::BatchBuilder::new(&rules.schema, rules.signal_calls.len());
                builder.start_lead("known", 2);
                builder.set_company(employees.expect("canonical"), Value::Number(20.0));
                builder.start_lead("missing", 3);
                let batch = builder.finish();
                let results =
                    icp_engine::eval::columnar::evaluate_columns(&rules, &plan, &batch, 20_000);
                results.columns(0).qualified(0)
            });
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
