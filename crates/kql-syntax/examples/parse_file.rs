//! Parse KQL files (or stdin with `-`) and print the AST tree or the diagnostic.
//!
//! ```text
//! cargo run -p kql-syntax --example parse_file -- query.kql [more.kql ...]
//! ```

use std::io::Read;

fn main() {
    let mut status = 0;
    for path in std::env::args().skip(1) {
        let src = if path == "-" {
            let mut s = String::new();
            if let Err(e) = std::io::stdin().read_to_string(&mut s) {
                eprintln!("error: cannot read stdin: {e}");
                std::process::exit(2);
            }
            s
        } else {
            match std::fs::read_to_string(&path) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("error: cannot read {path}: {e}");
                    status = 2;
                    continue;
                }
            }
        };
        match kql_syntax::parse(&src) {
            Ok(script) => print!("{}", kql_syntax::printer::print_script(&script)),
            Err(d) => {
                status = 1;
                eprint!("{}", d.render(&src, &path));
            }
        }
    }
    std::process::exit(status);
}
