//! The lowered plan of a representative ICP, snapshotted so that every change to lowering
//! (sharing, columnar operators, broadcasts) shows up as a reviewable diff.

use icp_diagnostics::SourceMap;
use icp_engine::plan::Plan;
use icp_tests::{project_schema, shipped_host, workspace};

#[test]
fn plan_of_the_midmarket_saas_icp() {
    let path = workspace().join("rules/midmarket_saas/midmarket_saas.icp");
    let mut sources = SourceMap::new();
    // Named by its path: the rule file's list file is read relative to it.
    sources.add(
        path.display().to_string(),
        std::fs::read_to_string(&path).expect("readable"),
    );
    let compiled = icp_engine::compile(&sources, &project_schema(), shipped_host().catalog());
    let rules = compiled.rules.expect("the example checks");
    insta::assert_snapshot!(Plan::new(&rules).to_string());
}
