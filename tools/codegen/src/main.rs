//! The API generator: `spec/antom.openapi.json` (the checked-in description
//! of every AMS API, extracted from the pinned official Python SDK) becomes
//! `crates/alipay-ams-api/src/generated/`.
//!
//! ```text
//! cargo run -p alipay-ams-codegen            # regenerate
//! cargo run -p alipay-ams-codegen -- --check # exit 1 if the checked-in code is stale
//! ```
//!
//! The output is formatted with rustfmt, so `--check` compares exact bytes.

mod analysis;
mod emit;
mod names;
mod order;
mod spec;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rustfmt(source: &str) -> Result<String, String> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run rustfmt (rustup component add rustfmt): {e}"))?;
    let mut stdin = child.stdin.take().ok_or("rustfmt has no stdin")?;
    let text = source.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|e| format!("rustfmt failed: {e}"))?;
    writer
        .join()
        .map_err(|_| "rustfmt input thread panicked".to_owned())?
        .map_err(|e| format!("writing to rustfmt failed: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "rustfmt refused the generated code (a generator bug):\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| format!("rustfmt output is not UTF-8: {e}"))
}

fn generate(root: &Path) -> Result<(BTreeMap<String, String>, String), String> {
    let path = root.join("spec/antom.openapi.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let doc: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
    let order =
        order::Keys::parse(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
    let spec = spec::Spec::parse(&doc, &order)?;
    let analysis = analysis::Analysis::new(&spec)?;
    let files = emit::files(&analysis)?;
    let mut formatted = BTreeMap::new();
    let mut lines = 0;
    for (name, source) in files {
        let pretty = rustfmt(&source).map_err(|e| format!("{name}: {e}"))?;
        lines += pretty.lines().count();
        formatted.insert(name, pretty);
    }
    let (objects, enums, fields) = emit::counts(&analysis);
    let summary = format!(
        "{} operations, {} notification kinds, {objects} object types, {enums} enums, {fields} fields, {lines} generated lines (SDK {})",
        spec.operations.len(),
        spec.webhooks.len(),
        spec.sdk_version
    );
    Ok((formatted, summary))
}

fn run() -> Result<bool, String> {
    let check = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--check") => true,
        Some(other) => {
            return Err(format!(
                "unknown argument {other:?}; usage: alipay-ams-codegen [--check]"
            ));
        }
    };
    let root = root();
    let out_dir = root.join("crates/alipay-ams-api/src/generated");
    let (files, summary) = generate(&root)?;
    let on_disk: Vec<String> = std::fs::read_dir(&out_dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    if check {
        let mut stale = Vec::new();
        for (name, text) in &files {
            let current = std::fs::read_to_string(out_dir.join(name)).unwrap_or_default();
            if &current != text {
                let line = current
                    .lines()
                    .zip(text.lines())
                    .position(|(a, b)| a != b)
                    .map_or_else(|| "length".to_owned(), |n| format!("line {}", n + 1));
                stale.push(format!("{name} (first difference at {line})"));
            }
        }
        for name in &on_disk {
            if !files.contains_key(name) {
                stale.push(format!("{name} (no longer generated)"));
            }
        }
        if stale.is_empty() {
            println!("generated code is current: {summary}");
            return Ok(true);
        }
        eprintln!(
            "crates/alipay-ams-api/src/generated is stale; run `cargo run -p alipay-ams-codegen` and commit:\n  {}",
            stale.join("\n  ")
        );
        return Ok(false);
    }
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    for name in &on_disk {
        if !files.contains_key(name) {
            std::fs::remove_file(out_dir.join(name))
                .map_err(|e| format!("cannot remove stale {name}: {e}"))?;
        }
    }
    for (name, text) in &files {
        std::fs::write(out_dir.join(name), text)
            .map_err(|e| format!("cannot write {name}: {e}"))?;
    }
    println!("wrote crates/alipay-ams-api/src/generated: {summary}");
    Ok(true)
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("alipay-ams-codegen: {e}");
            ExitCode::from(2)
        }
    }
}
