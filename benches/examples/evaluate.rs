//! Evaluates a generated lead set in memory, over and over, to profile the columnar evaluator
//! apart from reading and writing: `cargo run --release -p icp_benches --example evaluate --
//! COMPANIES CONTACTS ICPS ROUNDS` (the benchmark's 10-criterion ICP, `ICPS` copies). Prints
//! the lead-evaluations per second and how many results have an unknown outcome. Under
//! `valgrind --tool=callgrind` it counts the evaluator's instructions; set
//! `RAYON_NUM_THREADS=1` for one thread.

use icp_engine::batch::Batch;
use icp_engine::plan::Plan;
use icp_engine::{Schema, SignalCatalog};
use icp_io::{InputConfig, LeadReader, ReadOptions};
use rayon::prelude::*;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [companies, contacts, icps, rounds] = args.as_slice() else {
        eprintln!("usage: evaluate COMPANIES CONTACTS ICPS ROUNDS");
        std::process::exit(2);
    };
    let (icps, rounds): (usize, usize) = match (icps.parse(), rounds.parse()) {
        (Ok(i), Ok(r)) => (i, r),
        _ => {
            eprintln!("ICPS and ROUNDS are numbers");
            std::process::exit(2);
        }
    };
    let sources = icp_benches::rule_set(icps);
    let compiled = icp_engine::compile(&sources, &Schema::canonical(), &SignalCatalog::new());
    let rules = compiled.rules.expect("the benchmark rules check");
    let plan = Plan::new(&rules);
    let options = ReadOptions {
        contacts: Some(contacts.into()),
        fields: Some(rules.fields_read()),
        ..ReadOptions::default()
    };
    let batches: Vec<Batch> = LeadReader::open(
        companies.as_ref(),
        &rules.schema,
        &InputConfig::default(),
        options,
    )
    .expect("open the lead set")
    .map(|b| b.expect("read a batch"))
    .collect();
    let leads: usize = batches.iter().map(Batch::len).sum();
    let today = icp_syntax::ast::days_from_civil(2026, 11, 23).expect("a date");
    let start = std::time::Instant::now();
    let mut results = Vec::new();
    for _ in 0..rounds {
        results = batches
            .par_iter()
            .map(|batch| icp_engine::eval::columnar::evaluate_columns(&rules, &plan, batch, today))
            .collect();
    }
    let seconds = start.elapsed().as_secs_f64();
    let unknown: usize = results
        .iter()
        .map(|r| {
            (0..r.len())
                .flat_map(|lead| (0..r.icps()).map(move |i| (lead, i)))
                .filter(|(lead, i)| !r.all_known(*lead, *i))
                .count()
        })
        .sum();
    let evaluations = (leads * icps * rounds) as f64;
    println!(
        "{leads} leads x {icps} ICPs x {rounds} rounds: {:.2} M lead-evaluations/s; {unknown} of {} results with an unknown outcome or kept whole",
        evaluations / seconds / 1e6,
        leads * icps
    );
}
