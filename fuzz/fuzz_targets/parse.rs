//! Fuzz target: `kql_syntax::parse` on arbitrary UTF-8 never panics, and a
//! parsed AST always prints.
//!
//! ```text
//! cargo install cargo-fuzz            # once; needs a nightly toolchain
//! cd fuzz && cargo +nightly fuzz run parse -- -max_len=4096
//! ```
//! Seed the corpus with the snapshot queries for a faster start:
//! `mkdir -p corpus/parse && cp ../testdata/queries/*/*.kql corpus/parse/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    match kql_syntax::parse(src) {
        Ok(script) => {
            let _ = kql_syntax::printer::print_script(&script);
        }
        Err(diagnostic) => {
            let _ = diagnostic.render(src, "fuzz");
        }
    }
});
