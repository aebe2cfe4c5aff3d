//! Helpers shared by the cross-crate tests: where the workspace is, a signal catalogue of test
//! signals, a one-call "check these sources and render everything" function, and the system C
//! compiler for the C side of the plugin ABI.

pub mod rule_gen;

use std::path::{Path, PathBuf};
use std::process::Command;

use icp_diagnostics::{Diagnostic, SourceMap};
use icp_engine::{Compiled, ParamDecl, Schema, SignalCatalog, SignalDecl, Type};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits inside the workspace")
        .to_path_buf()
}

pub use icp_benches::cargo_build;

/// The shipped plugins, as cargo packages.
pub const SHIPPED_PLUGINS: &[&str] = &["plugin_funding", "plugin_events", "plugin_job_changes"];

/// Builds the three shipped plugins (once per test binary) and returns their directory.
pub fn shipped_plugins() -> &'static Path {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let mut args = Vec::new();
        for p in SHIPPED_PLUGINS {
            args.extend(["-p", p]);
        }
        cargo_build(&args)
    })
}

/// The shipped plugins loaded as the repository's `icp.toml` configures them (its data
/// files), with the libraries from [`shipped_plugins`]; loaded once per test binary.
pub fn shipped_host() -> &'static icp_plugin_host::Host {
    static HOST: std::sync::OnceLock<icp_plugin_host::Host> = std::sync::OnceLock::new();
    HOST.get_or_init(|| {
        let config = icp_cli::config::Config::load(&workspace().join("icp.toml"))
            .expect("the repository's icp.toml loads");
        let request = icp_plugin_host::PluginRequest {
            libraries: SHIPPED_PLUGINS
                .iter()
                .map(|p| shipped_plugins().join(icp_plugin_host::library_file(p)))
                .collect(),
            configured: config.plugins,
            directories: Vec::new(),
            plugin_home: None,
            ..icp_plugin_host::PluginRequest::default()
        };
        icp_plugin_host::Host::load(&request).expect("the shipped plugins load")
    })
}

/// Every `.icp` file under a directory, recursively, sorted.
pub fn icp_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "icp") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The schema of the repository's own `icp.toml` (canonical plus custom fields).
pub fn project_schema() -> Schema {
    icp_cli::config::Config::load(&workspace().join("icp.toml"))
        .expect("the repository's icp.toml loads")
        .schema
}

/// Signal declarations standing in for plugins, so signal checks can be tested without any.
pub fn test_signals() -> SignalCatalog {
    let mut catalog = SignalCatalog::new();
    let decl = |plugin: &str, name: &str, params: &[(&str, Type, bool)], output: Type| SignalDecl {
        plugin: plugin.into(),
        name: name.into(),
        doc: format!("test signal {plugin}.{name}"),
        params: params
            .iter()
            .map(|(n, t, optional)| ParamDecl {
                name: (*n).into(),
                ty: *t,
                optional: *optional,
            })
            .collect(),
        output,
        inputs: vec!["company.domain".into()],
        order: (name == "last_round_type").then(|| "round".into()),
    };
    catalog.add(decl("funding", "days_since_last_round", &[], Type::NUMBER));
    catalog.add(decl("funding", "last_round_type", &[], Type::STRING));
    catalog.add(decl(
        "funding",
        "raised_within",
        &[("within", Type::DURATION, false)],
        Type::BOOL,
    ));
    catalog.add(decl(
        "funding",
        "raised_at_least",
        &[
            ("amount", Type::NUMBER, false),
            ("within", Type::DURATION, true),
        ],
        Type::BOOL,
    ));
    catalog.add(decl(
        "events",
        "attended",
        &[("name", Type::STRING, false)],
        Type::BOOL,
    ));
    catalog
}

/// Compiles named sources as one rule set and renders every diagnostic as plain text.
pub fn check_sources(
    files: &[(&str, &str)],
    schema: &Schema,
    signals: &SignalCatalog,
) -> (Compiled, SourceMap, String) {
    let mut sources = SourceMap::new();
    for (name, text) in files {
        sources.add(*name, *text);
    }
    let compiled = icp_engine::compile(&sources, schema, signals);
    let rendered = icp_diagnostics::render_text(&sources, &compiled.diagnostics, false);
    (compiled, sources, rendered)
}

/// The codes of a list of diagnostics, in order.
pub fn codes(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
    diagnostics.iter().map(|d| d.code.as_str()).collect()
}

/// A company's values and each of its contacts' values, by field.
pub type LeadValues = (
    Vec<(icp_engine::FieldId, icp_engine::Value)>,
    Vec<Vec<(icp_engine::FieldId, icp_engine::Value)>>,
);

/// The same leads as a batch for the columnar evaluator and as what the reference evaluator
/// makes of each of them on `today` (lead `i` is `lead{i}`).
pub fn batch_and_reference<'r>(
    rules: &'r icp_engine::ir::RuleSet,
    leads: &[LeadValues],
    today: i32,
) -> (
    icp_engine::batch::Batch,
    Vec<icp_engine::result::LeadResult<'r>>,
) {
    let mut builder = icp_engine::batch::BatchBuilder::new(&rules.schema, rules.signal_calls.len());
    let mut expected = Vec::new();
    for (i, values) in leads.iter().enumerate() {
        let (company, contacts) = values;
        builder.start_lead(&format!("lead{i}"), i as u64 + 2);
        for (f, v) in company {
            builder.set_company(*f, v.clone());
        }
        for contact in contacts {
            builder.start_contact();
            for (f, v) in contact {
                builder.set_contact(*f, v.clone());
            }
        }
        let lead = lead_of(rules, values);
        expected.push(icp_engine::eval::reference::evaluate(rules, &lead, today));
    }
    (builder.finish(), expected)
}

/// The C compiler (`$CC`, else `cc`), or `None`, said on standard error, when there is none.
pub fn c_compiler() -> Option<String> {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    match Command::new(&cc).arg("--version").output() {
        Ok(output) if output.status.success() => Some(cc),
        _ => {
            eprintln!("skipped: no C compiler (`{cc}`) on this machine to build the C side");
            None
        }
    }
}

/// Runs `cc` with the header's directory on the include path; panics with its output if it
/// fails.
pub fn compile_c(cc: &str, args: &[&Path], flags: &[&str]) {
    let output = Command::new(cc)
        .args(["-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror"])
        .arg("-I")
        .arg(workspace().join("include"))
        .args(flags)
        .args(args)
        .output()
        .expect("cc runs");
    assert!(
        output.status.success(),
        "cc failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// One lead's values as the reference evaluator reads them.
pub fn lead_of(rules: &icp_engine::ir::RuleSet, values: &LeadValues) -> icp_engine::lead::Lead {
    let (company, contacts) = values;
    let mut lead = icp_engine::lead::Lead::empty(rules);
    for (f, v) in company {
        lead.set_company(*f, v.clone());
    }
    for contact in contacts {
        let row = lead.add_contact(rules);
        for (f, v) in contact {
            lead.contacts[row][f.0 as usize] = Some(v.clone());
        }
    }
    lead
}

/// A per-user configuration directory (for `XDG_CONFIG_HOME`) whose `icp/trust.toml` allows
/// the repository — its demo data — and the target directory the plugins are built in
/// (inside the repository, or wherever `CARGO_TARGET_DIR` points) to the projects the tests
/// make in temporary directories, which name them by absolute path.
pub fn trusting_user_config() -> &'static Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::create_dir_all(dir.path().join("icp")).expect("icp/");
        std::fs::write(
            dir.path().join("icp/trust.toml"),
            format!(
                "allowed_paths = [{:?}, {:?}]\n",
                workspace().display().to_string(),
                icp_benches::target_dir().display().to_string()
            ),
        )
        .expect("trust.toml written");
        dir
    })
    .path()
}
