//! Snapshot of the printed AST of every `testdata/queries/**/*.kql` file (one
//! snapshot per file, named after its path). Accept changes with
//! `INSTA_UPDATE=always cargo test -p kql-syntax --test parse_snapshots`
//! (or `cargo insta accept`), then read the `.snap` files.

use std::path::{Path, PathBuf};

fn queries_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/queries")
}

fn kql_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            kql_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "kql") {
            out.push(path);
        }
    }
}

#[test]
fn every_query_file_parses_and_matches_its_snapshot() {
    let root = queries_dir();
    let mut files = Vec::new();
    kql_files(&root, &mut files);
    assert!(
        files.len() >= 30,
        "expected the query corpus under {}",
        root.display()
    );
    for path in files {
        let rel = path.strip_prefix(&root).expect("under root");
        let name = rel
            .with_extension("")
            .to_string_lossy()
            .replace(['/', '\\'], "__");
        let src = std::fs::read_to_string(&path).expect("read query");
        assert!(
            src.starts_with("//"),
            "{} must start with a // source comment",
            rel.display()
        );
        let script = match kql_syntax::parse(&src) {
            Ok(s) => s,
            Err(d) => panic!("{}", d.render(&src, &rel.to_string_lossy())),
        };
        let printed = kql_syntax::printer::print_script(&script);
        insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false, description => rel.to_string_lossy() }, {
            insta::assert_snapshot!(name, printed);
        });
    }
}
