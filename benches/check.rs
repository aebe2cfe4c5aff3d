//! Parse and check a large rule set (1,000 files), each stage on its own and together.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use icp_engine::{Schema, SignalCatalog};

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
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
