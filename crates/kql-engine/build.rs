//! Embeds the known table schemas (schemas/tables/*.json) into the binary, so
//! the engine knows the KQL types of Sentinel / Defender columns wherever it runs.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut entries: Vec<_> = std::fs::read_dir(dir.join("tables"))
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|e| e == "json"));
    entries.sort();
    let mut out = String::from(
        "/// (table name, schema JSON) for every bundled table schema.\npub static TABLE_SCHEMAS: &[(&str, &str)] = &[\n",
    );
    for p in &entries {
        let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        writeln!(
            out,
            "    ({stem:?}, include_str!({:?})),",
            p.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
    let std_cols = dir.join("standard_columns.json");
    if std_cols.exists() {
        writeln!(out, "/// The Azure Monitor standard columns.\npub static STANDARD_COLUMNS: &str = include_str!({:?});", std_cols.display().to_string()).unwrap();
    } else {
        out.push_str("pub static STANDARD_COLUMNS: &str = \"{}\";\n");
    }
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("bundled_schemas.rs");
    std::fs::write(dest, out).unwrap();
}
