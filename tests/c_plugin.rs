//! The C side of the plugin ABI: `include/icp_plugin.h` held to the Rust definitions, and a
//! plugin written in C (`tests/c_plugin/plugin.c`) built with the system `cc` and run by the
//! host.
//!
//! How it works: the header test compiles a small C program that prints the size and
//! alignment of every struct of the header, the offset of every field and every constant,
//! one `name value` line each, and compares the lines with the same figures taken from the
//! Rust types (`size_of`, `align_of`, `offset_of!`) and constants. The plugin test compiles
//! `plugin.c` with `cc -shared -fPIC` into a temporary directory, loads it with the host,
//! checks its declarations, and evaluates both its signals over a batch with a missing
//! domain among the leads. Without a `cc` on the machine both tests say so and pass.

use std::fmt::Write as _;
use std::mem::{align_of, offset_of, size_of};
use std::path::{Path, PathBuf};
use std::process::Command;

use icp_diagnostics::SourceMap;
use icp_engine::batch::BatchBuilder;
use icp_engine::{Entity, Schema, Type, Value};
use icp_plugin_api::{ArgV1, CallV1, Column, ErrorSink, ParamDecl, PluginV1, SignalDecl, Str, ty};
use icp_plugin_host::{Host, PluginRequest, library_file};
use icp_tests::{c_compiler, compile_c as compile, workspace};

/// The layout of a struct: its size, its alignment and each field's offset, by the names
/// the header gives them.
macro_rules! layout {
    ($out:ident, $c:literal = $rust:ty { $($cfield:ident = $field:ident),* $(,)? }) => {
        writeln!($out, "{}.size {}", $c, size_of::<$rust>()).unwrap();
        writeln!($out, "{}.align {}", $c, align_of::<$rust>()).unwrap();
        $(writeln!($out, "{}.{} {}", $c, stringify!($cfield), offset_of!($rust, $field)).unwrap();)*
    };
}

/// What the C program should print, from the Rust definitions.
fn rust_figures() -> (String, Vec<(&'static str, &'static str)>) {
    let mut out = String::new();
    // (C struct, its fields) in the order printed, for the C program.
    let mut structs: Vec<(&'static str, &'static str)> = Vec::new();
    let mut add = |name: &'static str, fields: &'static str| structs.push((name, fields));
    layout!(out, "IcpStr" = Str { ptr = ptr, len = len });
    add("IcpStr", "ptr len");
    layout!(out, "IcpParamDecl" = ParamDecl { name = name, ty = ty, optional = optional });
    add("IcpParamDecl", "name ty optional");
    layout!(out, "IcpSignalDecl" = SignalDecl {
        name = name, doc = doc, params = params, n_params = n_params, output = output,
        inputs = inputs, n_inputs = n_inputs, flags = flags,
    });
    add(
        "IcpSignalDecl",
        "name doc params n_params output inputs n_inputs flags",
    );
    layout!(out, "IcpErrorSink" = ErrorSink { context = context, report = report });
    add("IcpErrorSink", "context report");
    layout!(out, "IcpArgV1" = ArgV1 {
        ty = ty, boolean = boolean, number = number, date = date, text = text, list = list,
        list_len = list_len,
    });
    add("IcpArgV1", "ty boolean number date text list list_len");
    layout!(out, "IcpColumn" = Column {
        ty = ty, len = len, valid = valid, bools = bools, numbers = numbers, dates = dates,
        codes = codes, offsets = offsets, strings = strings, n_strings = n_strings,
        private_data = private,
    });
    add(
        "IcpColumn",
        "ty len valid bools numbers dates codes offsets strings n_strings private_data",
    );
    layout!(out, "IcpCallV1" = CallV1 {
        size = size, signal = signal, args = args, n_args = n_args, today = today,
        rows = rows, inputs = inputs, n_inputs = n_inputs, contact_offsets = contact_offsets,
    });
    add(
        "IcpCallV1",
        "size signal args n_args today rows inputs n_inputs contact_offsets",
    );
    layout!(out, "IcpPluginV1" = PluginV1 {
        magic = magic, size = size, abi_minor = abi_minor, name = name, version = version,
        doc = doc, signals = signals, n_signals = n_signals, init = init,
        evaluate = evaluate, release = release,
    });
    add(
        "IcpPluginV1",
        "magic size abi_minor name version doc signals n_signals init evaluate release",
    );
    let entry = std::str::from_utf8(icp_plugin_api::ENTRY_SYMBOL).expect("ASCII");
    let config_keys = std::str::from_utf8(icp_plugin_api::CONFIG_KEYS_SYMBOL).expect("ASCII");
    let constants: [(&str, String); 17] = [
        ("ICP_MAGIC", icp_plugin_api::MAGIC.to_string()),
        ("ICP_ABI_MAJOR", icp_plugin_api::ABI_MAJOR.to_string()),
        ("ICP_ABI_MINOR", icp_plugin_api::ABI_MINOR.to_string()),
        // The Rust constant carries its NUL terminator; `%s` prints up to it.
        ("ICP_ENTRY_SYMBOL", entry.trim_end_matches('\0').to_string()),
        (
            "ICP_CONFIG_KEYS_SYMBOL",
            config_keys.trim_end_matches('\0').to_string(),
        ),
        ("ICP_TYPE_BOOL", ty::BOOL.to_string()),
        ("ICP_TYPE_NUMBER", ty::NUMBER.to_string()),
        ("ICP_TYPE_STRING", ty::STRING.to_string()),
        ("ICP_TYPE_DATE", ty::DATE.to_string()),
        ("ICP_TYPE_DURATION", ty::DURATION.to_string()),
        ("ICP_TYPE_STRING_LIST", ty::STRING_LIST.to_string()),
        (
            "ICP_FLAG_DETERMINISTIC",
            icp_plugin_api::FLAG_DETERMINISTIC.to_string(),
        ),
        ("ICP_MISSING", icp_plugin_api::MISSING.to_string()),
        ("ICP_OK", icp_plugin_api::OK.to_string()),
        ("ICP_FAILED", icp_plugin_api::FAILED.to_string()),
        ("sizeof_size_t", size_of::<usize>().to_string()),
        ("sizeof_pointer", size_of::<*const u8>().to_string()),
    ];
    for (name, value) in constants {
        writeln!(out, "{name} {value}").unwrap();
    }
    (out, structs)
}

/// The C program printing the same figures from the header.
fn c_program(structs: &[(&str, &str)]) -> String {
    let mut c = String::from(
        "#include <inttypes.h>\n#include <stdalign.h>\n#include <stdio.h>\n#include \"icp_plugin.h\"\n\nint main(void) {\n",
    );
    for (name, fields) in structs {
        writeln!(c, "    printf(\"{name}.size %zu\\n\", sizeof({name}));").unwrap();
        writeln!(c, "    printf(\"{name}.align %zu\\n\", alignof({name}));").unwrap();
        for field in fields.split_whitespace() {
            writeln!(
                c,
                "    printf(\"{name}.{field} %zu\\n\", offsetof({name}, {field}));"
            )
            .unwrap();
        }
    }
    c.push_str(concat!(
        "    printf(\"ICP_MAGIC %\" PRIu64 \"\\n\", (uint64_t)ICP_MAGIC);\n",
        "    printf(\"ICP_ABI_MAJOR %d\\n\", ICP_ABI_MAJOR);\n",
        "    printf(\"ICP_ABI_MINOR %d\\n\", ICP_ABI_MINOR);\n",
        "    printf(\"ICP_ENTRY_SYMBOL %s\\n\", ICP_ENTRY_SYMBOL);\n",
        "    printf(\"ICP_CONFIG_KEYS_SYMBOL %s\\n\", ICP_CONFIG_KEYS_SYMBOL);\n",
        "    printf(\"ICP_TYPE_BOOL %d\\n\", ICP_TYPE_BOOL);\n",
        "    printf(\"ICP_TYPE_NUMBER %d\\n\", ICP_TYPE_NUMBER);\n",
        "    printf(\"ICP_TYPE_STRING %d\\n\", ICP_TYPE_STRING);\n",
        "    printf(\"ICP_TYPE_DATE %d\\n\", ICP_TYPE_DATE);\n",
        "    printf(\"ICP_TYPE_DURATION %d\\n\", ICP_TYPE_DURATION);\n",
        "    printf(\"ICP_TYPE_STRING_LIST %d\\n\", ICP_TYPE_STRING_LIST);\n",
        "    printf(\"ICP_FLAG_DETERMINISTIC %d\\n\", ICP_FLAG_DETERMINISTIC);\n",
        "    printf(\"ICP_MISSING %\" PRIu32 \"\\n\", (uint32_t)ICP_MISSING);\n",
        "    printf(\"ICP_OK %d\\n\", ICP_OK);\n",
        "    printf(\"ICP_FAILED %d\\n\", ICP_FAILED);\n",
        "    printf(\"sizeof_size_t %zu\\n\", sizeof(size_t));\n",
        "    printf(\"sizeof_pointer %zu\\n\", sizeof(void *));\n",
        "    return 0;\n}\n",
    ));
    c
}

#[test]
fn the_c_header_matches_the_rust_definitions() {
    let Some(cc) = c_compiler() else { return };
    let (expected, structs) = rust_figures();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let source = dir.path().join("layout.c");
    std::fs::write(&source, c_program(&structs)).expect("written");
    let exe = dir.path().join("layout");
    compile(
        &cc,
        &[&source],
        &["-o", exe.to_str().expect("a UTF-8 path")],
    );
    let output = Command::new(&exe)
        .output()
        .expect("the layout program runs");
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).expect("UTF-8");
    for (c, rust) in printed.lines().zip(expected.lines()) {
        assert_eq!(
            c, rust,
            "include/icp_plugin.h (left) differs from the Rust ABI (right)"
        );
    }
    assert_eq!(printed.lines().count(), expected.lines().count());
}

/// `tests/c_plugin/plugin.c` built into a temporary directory.
fn build_c_plugin(cc: &str, dir: &Path) -> PathBuf {
    let library = dir.join(library_file("plugin_cdomain"));
    let source = workspace().join("tests/c_plugin/plugin.c");
    compile(
        cc,
        &[&source],
        &[
            "-shared",
            "-fPIC",
            "-o",
            library.to_str().expect("a UTF-8 path"),
        ],
    );
    library
}

#[test]
fn a_plugin_written_in_c_loads_and_evaluates() {
    let Some(cc) = c_compiler() else { return };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let host = Host::load(&PluginRequest {
        libraries: vec![build_c_plugin(&cc, dir.path())],
        ..PluginRequest::default()
    })
    .expect("the C plugin loads");
    let info = &host.plugins()[0];
    assert_eq!(
        (info.name.as_str(), info.version.as_str(), info.abi_minor),
        ("cdomain", "0.1.0", 0)
    );
    let length = host
        .catalog()
        .lookup("cdomain", "length")
        .map(|id| host.catalog().signal(id));
    let length = length.expect("cdomain.length is declared");
    assert_eq!(length.output, Type::parse("number").expect("a type"));
    assert_eq!(length.inputs, ["company.domain"]);
    let ends_with = host
        .catalog()
        .lookup("cdomain", "ends_with")
        .map(|id| host.catalog().signal(id))
        .expect("cdomain.ends_with is declared");
    assert_eq!(ends_with.output, Type::parse("bool").expect("a type"));
    assert_eq!(ends_with.params.len(), 1);
    assert_eq!(ends_with.params[0].name, "suffix");

    let mut sources = SourceMap::new();
    sources.add(
        "c.icp",
        "icp c {\n  score 10 \"long\" when cdomain.length >= 10\n  score 5 \"io\" when cdomain.ends_with(\".io\")\n  tier A otherwise\n}\n"
            .to_string(),
    );
    let compiled = icp_engine::compile(&sources, &Schema::canonical(), host.catalog());
    let rules = compiled.rules.unwrap_or_else(|| {
        panic!(
            "{}",
            icp_diagnostics::render_text(&sources, &compiled.diagnostics, false)
        )
    });
    let domains = [Some("globex.io"), None, Some("acme.com"), Some("")];
    let field = rules
        .schema
        .lookup(Entity::Company, "domain")
        .expect("company.domain");
    let mut builder = BatchBuilder::new(&rules.schema, rules.signal_calls.len());
    for (i, domain) in domains.iter().enumerate() {
        builder.start_lead(&format!("lead{i}"), i as u64 + 2);
        if let Some(d) = domain {
            builder.set_company(field, Value::String((*d).to_string()));
        }
    }
    let mut batch = builder.finish();
    let signals = host.prepare(&rules).expect("the C plugin initialises");
    signals
        .fill(&mut batch, 20_000)
        .expect("the C plugin evaluates");
    let column = |call: usize| -> Vec<Option<Value>> {
        (0..batch.len())
            .map(|i| batch.signals[call].get(i))
            .collect()
    };
    let call_of = |text: &str| {
        rules
            .signal_calls
            .iter()
            .position(|c| c.text == text)
            .unwrap_or_else(|| panic!("no call {text}"))
    };
    // What the reader keeps of an empty domain decides the last lead; both signals agree
    // with Rust's view of the same values.
    let expected_length: Vec<Option<Value>> = (0..batch.len())
        .map(|i| {
            batch.company[field.0 as usize].get(i).map(|v| match v {
                Value::String(s) => Value::Number(s.len() as f64),
                other => panic!("a domain is text, not {other:?}"),
            })
        })
        .collect();
    assert_eq!(column(call_of("cdomain.length")), expected_length);
    assert_eq!(
        &column(call_of("cdomain.length"))[..3],
        [Some(Value::Number(9.0)), None, Some(Value::Number(8.0))]
    );
    assert_eq!(
        &column(call_of("cdomain.ends_with(\".io\")"))[..3],
        [Some(Value::Bool(true)), None, Some(Value::Bool(false))]
    );
}
