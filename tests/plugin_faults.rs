//! The plugin host against purpose-built faulty plugins (`tests/fault_plugins`): every fault
//! gives a clear error naming the plugin or its file, at the moment it can be seen — load,
//! initialisation or evaluation —, nothing of a failed call reaches the batch, and the process
//! survives it (the next call, to a good plugin or to the same one, works). The last tests run
//! the `icp` binary on each fault: exit code 2, one `error: plugin …` line, no backtrace, no
//! result.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use icp_diagnostics::SourceMap;
use icp_engine::batch::{Batch, BatchBuilder};
use icp_engine::ir::RuleSet;
use icp_engine::{Entity, Schema, Value};
use icp_plugin_api::ABI_MINOR;
use icp_plugin_host::{Configured, Host, PluginError, PluginRequest, library_file};
use icp_syntax::ast::days_from_civil;
use icp_tests::cargo_build;

/// The leads of every batch, by domain; the faulty signals fail on `boom.example`.
const DOMAINS: &[Option<&str>] = &[
    Some("acme.com"),
    Some("globex.io"),
    None,
    Some("boom.example"),
    Some("initech.com"),
];

/// The same leads without the one the faulty signals fail on.
const GOOD_DOMAINS: &[Option<&str>] = &[
    Some("acme.com"),
    Some("globex.io"),
    None,
    Some("initech.com"),
];

fn today() -> i32 {
    days_from_civil(2026, 11, 23).expect("a date")
}

/// The directory of the fault plugins, built once per test binary.
fn fault_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| cargo_build(&["-p", "icp_fault_plugins", "--examples"]).join("examples"))
}

/// The library of a fault plugin (an example of `icp_fault_plugins`).
fn fault(name: &str) -> PathBuf {
    let path = fault_dir().join(library_file(name));
    assert!(path.is_file(), "{} was not built", path.display());
    path
}

/// A file with a library's name that is not a library, in a directory that lives as long as
/// the test binary.
fn not_a_library() -> PathBuf {
    static FILE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    FILE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        // Named as a plugin, so that a plugin directory (ICP_PLUGIN_PATH) loads it too.
        let path = dir.path().join(library_file("plugin_not_a_library"));
        std::fs::write(&path, "this is a text file, not a shared library\n").expect("written");
        (dir, path)
    })
    .1
    .clone()
}

fn load(libraries: &[PathBuf]) -> Result<Host, PluginError> {
    Host::load(&PluginRequest {
        libraries: libraries.to_vec(),
        ..PluginRequest::default()
    })
}

/// One ICP scoring 10 points when `condition` holds.
fn probe_rules(condition: &str) -> String {
    format!(
        "icp probe \"Probe\" {{\n  score 10 \"probed\" when {condition}\n  tier A when score >= 10\n  tier B otherwise\n}}\n"
    )
}

fn compile(host: &Host, condition: &str) -> RuleSet {
    let mut sources = SourceMap::new();
    sources.add("probe.icp", probe_rules(condition));
    let compiled = icp_engine::compile(&sources, &Schema::canonical(), host.catalog());
    compiled.rules.unwrap_or_else(|| {
        panic!(
            "the probe rules do not compile: {}",
            icp_diagnostics::render_text(&sources, &compiled.diagnostics, false)
        )
    })
}

/// A batch of leads with these domains, with room for the rule set's signal columns.
fn batch(rules: &RuleSet, domains: &[Option<&str>]) -> Batch {
    let domain = rules
        .schema
        .lookup(Entity::Company, "domain")
        .expect("company.domain");
    let mut b = BatchBuilder::new(&rules.schema, rules.signal_calls.len());
    for (i, d) in domains.iter().enumerate() {
        b.start_lead(&format!("lead{i}"), i as u64 + 2);
        if let Some(d) = d {
            b.set_company(domain, Value::String((*d).to_string()));
        }
    }
    b.finish()
}

/// The values of a batch's signal column.
fn signal_values(batch: &Batch, call: usize) -> Vec<Option<Value>> {
    (0..batch.len())
        .map(|i| batch.signals[call].get(i))
        .collect()
}

/// What `good.flag` gives for `domains`: whether the domain ends in `.com`.
fn flags(domains: &[Option<&str>]) -> Vec<Option<Value>> {
    domains
        .iter()
        .map(|d| d.map(|d| Value::Bool(d.ends_with(".com"))))
        .collect()
}

/// The good plugin still loads, initialises and gives the right values: the process
/// survived whatever came before.
fn good_call_works() {
    let host = load(&[fault("good")]).expect("the good plugin loads");
    let rules = compile(
        &host,
        "good.flag and good.length > 3 and good.tld == \"com\"",
    );
    let signals = host.prepare(&rules).expect("the good plugin initialises");
    let mut b = batch(&rules, DOMAINS);
    signals
        .fill(&mut b, today())
        .expect("the good plugin evaluates");
    assert_eq!(signal_values(&b, 0), flags(DOMAINS));
    let lengths: Vec<Option<Value>> = DOMAINS
        .iter()
        .map(|d| d.map(|d| Value::Number(d.len() as f64)))
        .collect();
    assert_eq!(signal_values(&b, 1), lengths);
    let tlds: Vec<Option<Value>> = DOMAINS
        .iter()
        .map(|d| d.map(|d| Value::String(d.rsplit('.').next().unwrap_or("").to_string())))
        .collect();
    assert_eq!(signal_values(&b, 2), tlds);
}

fn assert_contains(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(
            message.contains(part),
            "the message lacks {part:?}:\n{message}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Load time: `Host::load` refuses the library before calling anything but its entry.

/// Loads a faulty library alone and with a good one (before and after it); each time the
/// error is the same, names the faulty file and not the good one.
fn load_error(path: &Path) -> (PluginError, String) {
    let err = load(&[path.to_path_buf()]).expect_err("a faulty library does not load");
    let message = err.to_string();
    for libraries in [
        vec![fault("good"), path.to_path_buf()],
        vec![path.to_path_buf(), fault("good")],
    ] {
        let again = load(&libraries).expect_err("a request with a faulty library fails");
        assert_eq!(again.to_string(), message);
    }
    assert!(
        !message.contains(&fault("good").display().to_string()),
        "{message}"
    );
    (err, message)
}

#[test]
fn a_wrong_magic_number_is_refused_at_load() {
    let path = fault("wrong_magic");
    let (err, message) = load_error(&path);
    assert!(matches!(err, PluginError::BadAbi { .. }), "{err:?}");
    let magic = u64::from_le_bytes(*b"NOTICPPL");
    assert_contains(
        &message,
        &[
            &format!("plugin library {}: ", path.display()),
            &format!("wrong magic number {magic:#018x}"),
            &format!("(expected {:#018x}, \"ICPPLUGN\")", icp_plugin_api::MAGIC),
            "not return an icp plugin table",
        ],
    );
    good_call_works();
}

#[test]
fn a_newer_major_version_has_no_v1_entry_symbol() {
    let path = fault("abi_v2");
    let (err, message) = load_error(&path);
    assert!(matches!(err, PluginError::NoEntry { .. }), "{err:?}");
    assert_contains(
        &message,
        &[
            &format!("plugin library {}: ", path.display()),
            "no `icp_plugin_entry_v1` symbol",
            "another major version of the plugin ABI",
        ],
    );
    good_call_works();
}

#[test]
fn a_newer_minor_version_is_refused_at_load() {
    let path = fault("newer_minor");
    let (err, message) = load_error(&path);
    assert!(matches!(err, PluginError::BadAbi { .. }), "{err:?}");
    assert_contains(
        &message,
        &[
            &format!("plugin library {}: ", path.display()),
            &format!(
                "built for plugin ABI 1.{}, newer than this icp's 1.{ABI_MINOR}",
                ABI_MINOR + 1
            ),
            "upgrade icp or rebuild the plugin",
        ],
    );
    good_call_works();
}

#[test]
fn a_null_table_is_refused_at_load() {
    let path = fault("null_table");
    let (err, message) = load_error(&path);
    assert!(matches!(err, PluginError::BadAbi { .. }), "{err:?}");
    assert_contains(
        &message,
        &[
            &format!("plugin library {}: ", path.display()),
            "the entry function returned no table",
        ],
    );
    good_call_works();
}

#[test]
fn a_file_that_is_not_a_library_is_refused_at_load() {
    let path = not_a_library();
    let (err, message) = load_error(&path);
    assert!(matches!(err, PluginError::NotLoadable { .. }), "{err:?}");
    assert_contains(
        &message,
        &[
            &format!("plugin library {}: ", path.display()),
            "not a loadable shared library",
        ],
    );
    // From a plugin directory (ICP_PLUGIN_PATH) too.
    let err = Host::load(&PluginRequest {
        directories: vec![path.parent().expect("a directory").to_path_buf()],
        ..PluginRequest::default()
    })
    .expect_err("a directory with a broken library does not load");
    assert_eq!(err.to_string(), message);
    good_call_works();
}

// ---------------------------------------------------------------------------------------
// Initialisation: the library loads, `Host::prepare` reports the failure of its `init`.

#[test]
fn a_panic_in_init_is_reported_by_prepare() {
    let path = fault("panics_in_init");
    let host = load(&[fault("good"), path.clone()]).expect("the declarations are fine");
    assert_eq!(host.plugins()[1].name, "panics_in_init");
    let rules = compile(&host, "panics_in_init.flag");
    let err = host.prepare(&rules).expect_err("init panics");
    let message = err.to_string();
    assert!(matches!(err, PluginError::Plugin { .. }), "{err:?}");
    assert_contains(
        &message,
        &[
            &format!(
                "plugin `panics_in_init` ({}): initialisation failed: panicked at ",
                path.display()
            ),
            "panics_in_init.rs:",
            ": the data file is corrupt beyond repair",
        ],
    );
    // Again: the same error, not an abort or a poisoned state.
    let again = host.prepare(&rules).expect_err("init panics again");
    assert_eq!(again.to_string(), message);
    // A rule set that does not use the plugin never initialises it.
    let rules = compile(&host, "good.flag");
    let signals = host.prepare(&rules).expect("only good is initialised");
    let mut b = batch(&rules, DOMAINS);
    signals.fill(&mut b, today()).expect("good evaluates");
    assert_eq!(signal_values(&b, 0), flags(DOMAINS));
    good_call_works();
}

#[test]
fn an_error_in_init_is_reported_by_prepare_with_the_plugins_message() {
    let path = fault("error_in_init");
    let host = load(std::slice::from_ref(&path)).expect("the declarations are fine");
    let rules = compile(&host, "error_in_init.flag");
    let err = host.prepare(&rules).expect_err("init fails");
    assert!(matches!(err, PluginError::Plugin { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "plugin `error_in_init` ({}): initialisation failed: no licence key: set `licence_key` under [plugins.error_in_init]",
            path.display()
        )
    );
    // The configuration reaches `init` (as JSON), and its message comes back whole.
    let base = tempfile::tempdir().expect("a temporary directory");
    let host = Host::load(&PluginRequest {
        libraries: vec![path.clone()],
        configured: vec![Configured {
            name: "error_in_init".into(),
            library: None,
            config_json: r#"{"licence_key": "ABC-123"}"#.into(),
            base_dir: base.path().to_path_buf(),
            isolation: None,
        }],
        directories: Vec::new(),
        plugin_home: None,
        ..icp_plugin_host::PluginRequest::default()
    })
    .expect("loads");
    let err = host.prepare(&rules).expect_err("init fails");
    assert_eq!(
        err.to_string(),
        format!(
            "plugin `error_in_init` ({}): initialisation failed: the licence key `ABC-123` expired on 2026-01-01",
            path.display()
        )
    );
    good_call_works();
}

// ---------------------------------------------------------------------------------------
// Evaluation: `Signals::fill` fails the batch, and writes nothing into it.

/// Fills a batch of [`DOMAINS`] with a faulty signal: the error, after checking that the
/// batch's signal columns are untouched.
fn fill_error(path: &Path, condition: &str) -> String {
    let host = load(&[path.to_path_buf()]).expect("the declarations are fine");
    let rules = compile(&host, condition);
    let signals = host.prepare(&rules).expect("init works");
    let mut b = batch(&rules, DOMAINS);
    let before = b.clone();
    let err = signals
        .fill(&mut b, today())
        .expect_err("the faulty signal fails");
    assert!(matches!(err, PluginError::Plugin { .. }), "{err:?}");
    assert_eq!(b, before, "a failed fill changed the batch");
    err.to_string()
}

#[test]
fn a_panic_in_a_signal_fails_the_batch_and_the_plugin_keeps_working() {
    let path = fault("panics_in_signal");
    let message = fill_error(&path, "panics_in_signal.flag");
    assert_contains(
        &message,
        &[
            &format!(
                "plugin `panics_in_signal` ({}): panics_in_signal.flag: panicked at ",
                path.display()
            ),
            "panics_in_signal.rs:",
            ": index out of range for boom.example: 0",
        ],
    );
    // The same plugin, the same state: the next batch without the bad lead works, and the
    // bad batch fails the same way again.
    let host = load(&[path]).expect("loads");
    let rules = compile(&host, "panics_in_signal.flag");
    let signals = host.prepare(&rules).expect("init works");
    let mut bad = batch(&rules, DOMAINS);
    let first = signals.fill(&mut bad, today()).expect_err("panics");
    let mut good = batch(&rules, GOOD_DOMAINS);
    signals
        .fill(&mut good, today())
        .expect("the plugin survived its panic");
    assert_eq!(signal_values(&good, 0), flags(GOOD_DOMAINS));
    let second = signals.fill(&mut bad, today()).expect_err("panics again");
    assert_eq!(first.to_string(), second.to_string());
    // From several threads at once, as `icp score` calls it: each call reports its panic
    // (with its location), and the good batches still evaluate.
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let (signals, rules) = (&signals, &rules);
                s.spawn(move || {
                    let domains = if i % 2 == 0 { DOMAINS } else { GOOD_DOMAINS };
                    let mut b = batch(rules, domains);
                    (i, signals.fill(&mut b, today()).map(|()| b))
                })
            })
            .collect();
        for handle in handles {
            match handle.join().expect("the thread survives") {
                (i, Err(e)) if i % 2 == 0 => assert_eq!(e.to_string(), first.to_string()),
                (i, Ok(b)) if i % 2 == 1 => {
                    assert_eq!(signal_values(&b, 0), flags(GOOD_DOMAINS));
                }
                (i, other) => panic!("thread {i}: {other:?}"),
            }
        }
    });
    good_call_works();
}

#[test]
fn an_error_in_a_signal_fails_the_batch_with_the_plugins_message() {
    let path = fault("error_in_signal");
    let message = fill_error(&path, "error_in_signal.flag");
    assert_eq!(
        message,
        format!(
            "plugin `error_in_signal` ({}): error_in_signal.flag: the lookup service refused boom.example (HTTP 403)",
            path.display()
        )
    );
    let host = load(&[path]).expect("loads");
    let rules = compile(&host, "error_in_signal.flag");
    let signals = host.prepare(&rules).expect("init works");
    let mut good = batch(&rules, GOOD_DOMAINS);
    signals.fill(&mut good, today()).expect("other leads work");
    assert_eq!(signal_values(&good, 0), flags(GOOD_DOMAINS));
    good_call_works();
}

#[test]
fn a_column_one_row_short_is_refused() {
    let path = fault("wrong_length");
    let message = fill_error(&path, "wrong_length.flag");
    assert_eq!(
        message,
        format!(
            "plugin `wrong_length` ({}): wrong_length.flag: returned 4 values for a batch of 5 leads",
            path.display()
        )
    );
    good_call_works();
}

#[test]
fn a_column_of_another_type_than_declared_is_refused() {
    let path = fault("wrong_type");
    let message = fill_error(&path, "wrong_type.flag");
    assert_eq!(
        message,
        format!(
            "plugin `wrong_type` ({}): wrong_type.flag: returned a column of type number where the signal declares bool",
            path.display()
        )
    );
    good_call_works();
}

#[test]
fn a_text_code_past_the_strings_is_refused() {
    let path = fault("bad_text_code");
    let message = fill_error(&path, "bad_text_code.label == \"acme.com\"");
    // Four distinct domains, the last string hidden: the lead with code 3 points past them.
    assert_eq!(
        message,
        format!(
            "plugin `bad_text_code` ({}): bad_text_code.label: returned text code 3, but only 3 strings",
            path.display()
        )
    );
    good_call_works();
}

#[test]
fn a_failing_call_keeps_the_good_calls_of_the_batch_out_too() {
    let host = load(&[fault("good"), fault("panics_in_signal")]).expect("loads");
    let rules = compile(&host, "good.flag or panics_in_signal.flag");
    let signals = host.prepare(&rules).expect("init works");
    let mut b = batch(&rules, DOMAINS);
    let before = b.clone();
    let err = signals.fill(&mut b, today()).expect_err("one call panics");
    assert!(
        err.to_string().contains("plugin `panics_in_signal`"),
        "{err}"
    );
    assert_eq!(b, before, "the good call's column reached the batch");
    let mut good = batch(&rules, GOOD_DOMAINS);
    signals.fill(&mut good, today()).expect("both evaluate");
    assert_eq!(signal_values(&good, 0), flags(GOOD_DOMAINS));
    assert_eq!(signal_values(&good, 1), flags(GOOD_DOMAINS));
}

#[test]
fn a_batch_made_without_room_for_the_signals_still_gets_them() {
    // A batch read with `ReadOptions::default()` (no signal columns): the values must not be
    // dropped, which would score every lead as if the signals were unknown.
    let host = load(&[fault("good")]).expect("loads");
    let rules = compile(&host, "good.flag");
    let signals = host.prepare(&rules).expect("init works");
    let mut b = batch(&rules, DOMAINS);
    b.signals.clear();
    signals.fill(&mut b, today()).expect("good evaluates");
    assert_eq!(b.signals.len(), 1);
    assert_eq!(signal_values(&b, 0), flags(DOMAINS));
}

// ---------------------------------------------------------------------------------------
// End to end: `icp score` with a faulty plugin.

/// The `icp` binary, built once per test binary.
fn icp_binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let dir = cargo_build(&["-p", "icp_cli"]);
        let bin = dir.join(format!("icp{}", std::env::consts::EXE_SUFFIX));
        assert!(bin.is_file(), "{} was not built", bin.display());
        bin
    })
}

/// Runs `icp --plugin PATH score …` in a fresh directory whose rule set uses `condition`,
/// and checks what any failure must look like: exit code 2, one `error: plugin` line naming
/// the file, no panic or backtrace of icp itself, no results. Returns the message.
fn score_fails(path: &Path, condition: &str) -> String {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::create_dir(dir.path().join("rules")).expect("rules/");
    std::fs::write(dir.path().join("rules/probe.icp"), probe_rules(condition)).expect("written");
    std::fs::write(
        dir.path().join("leads.csv"),
        "id,name,domain\nL1,Acme,acme.com\nL2,Globex,globex.io\nL3,Nameless,\nL4,Boom,boom.example\nL5,Initech,initech.com\n",
    )
    .expect("written");
    let mut message: Option<String> = None;
    // Results to standard output, then to a file.
    for output in [None, Some("scored.csv")] {
        let mut command = Command::new(icp_binary());
        command
            .current_dir(dir.path())
            .env("RUST_BACKTRACE", "1")
            .env_remove("ICP_PLUGIN_PATH")
            .arg("--plugin")
            .arg(path)
            .args([
                "score",
                "--rules",
                "rules",
                "--leads",
                "leads.csv",
                "--as-of",
                "2026-11-23",
            ]);
        if let Some(output) = output {
            command.args(["--output", output]);
            // Results of an earlier run, which a failed run must leave as they are.
            std::fs::write(dir.path().join(output), "earlier results\n").expect("written");
        }
        let run = command.output().expect("icp runs");
        let stdout = String::from_utf8_lossy(&run.stdout);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "stderr:\n{stderr}");
        assert!(stderr.starts_with("error: plugin"), "stderr:\n{stderr}");
        assert_eq!(stderr.lines().count(), 1, "stderr:\n{stderr}");
        assert!(
            stderr.contains(&path.display().to_string()),
            "stderr:\n{stderr}"
        );
        for bad in [
            "panicked at 'main'",
            "thread 'main'",
            "thread 'icp'",
            "RUST_BACKTRACE",
            "stack backtrace",
            "internal error",
            "results written",
        ] {
            assert!(!stderr.contains(bad), "stderr has {bad:?}:\n{stderr}");
        }
        let written = match output {
            None => stdout.into_owned(),
            Some(file) => {
                assert!(stdout.is_empty(), "stdout:\n{stdout}");
                let kept = std::fs::read_to_string(dir.path().join(file)).unwrap_or_default();
                assert_eq!(kept, "earlier results\n", "the earlier output changed");
                let names: Vec<_> = std::fs::read_dir(dir.path())
                    .expect("the directory")
                    .map(|e| e.expect("an entry").file_name())
                    .collect();
                assert!(
                    !names
                        .iter()
                        .any(|n| n.to_string_lossy().ends_with(".partial")),
                    "a partial file was left: {names:?}"
                );
                kept
            }
        };
        for id in ["L1", "L2", "L3", "L4", "L5"] {
            assert!(
                !written.lines().any(|l| l.starts_with(id)),
                "a result for {id} was written:\n{written}"
            );
        }
        // One line of text, the same whatever the output.
        assert!(
            !stderr.trim_end().chars().any(char::is_control),
            "stderr:\n{stderr}"
        );
        let stderr = stderr.trim_end().to_string();
        if let Some(first) = &message {
            assert_eq!(&stderr, first);
        }
        message = Some(stderr);
    }
    message.expect("icp ran")
}

#[test]
fn icp_score_reports_load_faults_and_writes_nothing() {
    for (name, expected) in [
        ("wrong_magic", "wrong magic number"),
        ("abi_v2", "no `icp_plugin_entry_v1` symbol"),
        ("newer_minor", "newer than this icp's"),
        ("null_table", "the entry function returned no table"),
    ] {
        let path = fault(name);
        let message = score_fails(&path, &format!("{name}.flag"));
        assert_contains(
            &message,
            &[
                &format!("error: plugin library {}: ", path.display()),
                expected,
            ],
        );
    }
    let path = not_a_library();
    let message = score_fails(&path, "good.flag");
    assert_contains(
        &message,
        &[
            &format!("error: plugin library {}: ", path.display()),
            "not a loadable shared library",
        ],
    );
}

#[test]
fn icp_score_reports_init_and_evaluation_faults_and_writes_no_results() {
    for (name, condition, expected) in [
        (
            "panics_in_init",
            "panics_in_init.flag",
            "initialisation failed: panicked at ",
        ),
        (
            "error_in_init",
            "error_in_init.flag",
            "initialisation failed: no licence key",
        ),
        (
            "panics_in_signal",
            "panics_in_signal.flag",
            "panics_in_signal.flag: panicked at ",
        ),
        (
            "error_in_signal",
            "error_in_signal.flag",
            "error_in_signal.flag: the lookup service refused boom.example (HTTP 403)",
        ),
        (
            "wrong_length",
            "wrong_length.flag",
            "returned 4 values for a batch of 5 leads",
        ),
        (
            "wrong_type",
            "wrong_type.flag",
            "returned a column of type number where the signal declares bool",
        ),
        (
            "bad_text_code",
            "bad_text_code.label == \"acme.com\"",
            "returned text code 3, but only 3 strings",
        ),
    ] {
        let path = fault(name);
        let message = score_fails(&path, condition);
        assert_contains(
            &message,
            &[
                &format!("error: plugin `{name}` ({}): ", path.display()),
                expected,
            ],
        );
    }
}

#[test]
fn icp_score_with_the_good_plugin_succeeds() {
    // The control of the tests above: the same run with a working plugin scores every lead.
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::create_dir(dir.path().join("rules")).expect("rules/");
    std::fs::write(dir.path().join("rules/probe.icp"), probe_rules("good.flag")).expect("written");
    std::fs::write(
        dir.path().join("leads.csv"),
        "id,name,domain\nL1,Acme,acme.com\nL2,Globex,globex.io\nL3,Nameless,\nL4,Boom,boom.example\nL5,Initech,initech.com\n",
    )
    .expect("written");
    let run = Command::new(icp_binary())
        .current_dir(dir.path())
        .env_remove("ICP_PLUGIN_PATH")
        .arg("--plugin")
        .arg(fault("good"))
        .args(["score", "--rules", "rules", "--leads", "leads.csv"])
        .args(["--as-of", "2026-11-23"])
        .output()
        .expect("icp runs");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "stderr:\n{stderr}");
    let stdout = String::from_utf8_lossy(&run.stdout);
    for id in ["L1", "L2", "L3", "L4", "L5"] {
        assert!(
            stdout.lines().any(|l| l.starts_with(id)),
            "no result for {id}:\n{stdout}"
        );
    }
}
