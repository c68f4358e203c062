//! `parse` never panics and never overflows the stack: thousands of
//! deterministic pseudo-random mutations (truncations, deletions, insertions
//! of tricky tokens, duplications) of the query corpus in `testdata/queries`,
//! plus pathological inputs (deep nesting, long chains, huge literals).
//! Every result is exercised further: errors are rendered, ASTs printed.

use std::path::Path;

/// xorshift64*: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "|",
    ",",
    ";",
    "=",
    "==",
    "..",
    ".",
    ":",
    "\"",
    "'",
    "@\"",
    "h'",
    "```",
    "//",
    "\n",
    " ",
    "!",
    "~",
    "*",
    "-",
    "$left",
    "datetime(",
    "dynamic([",
    "time(",
    "1d",
    "0x",
    "1e",
    "in~ (",
    "between (",
    "has_any (",
    "let x = ",
    "| where ",
    "| join (",
    "by",
    "on",
    "é",
    "\u{202F}",
    "\u{0}",
    "\\",
    "`",
    "#",
    "mv-apply x on (",
    "parse x with ",
    "=>",
];

fn seeds() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/queries");
    let mut out = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("testdata/queries exists") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "kql") {
                out.push(std::fs::read_to_string(&path).expect("read"));
            }
        }
    }
    out.sort();
    out
}

/// A byte offset on a char boundary.
fn boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn mutate(rng: &mut Rng, s: &str) -> String {
    let a = boundary(s, rng.below(s.len() + 1));
    let b = boundary(s, a + rng.below(40));
    match rng.below(4) {
        0 => s[..a].to_string(),
        1 => format!("{}{}", &s[..a], &s[b..]),
        2 => format!("{}{}{}", &s[..a], TOKENS[rng.below(TOKENS.len())], &s[a..]),
        _ => format!("{}{}{}", &s[..b], &s[a..b], &s[b..]),
    }
}

fn check(src: &str) -> bool {
    match kql_syntax::parse(src) {
        Ok(script) => {
            let printed = kql_syntax::printer::print_script(&script);
            assert!(printed.starts_with("Script"));
            true
        }
        Err(d) => {
            if let Some(span) = d.span {
                assert!(
                    span.start <= span.end && span.end <= src.len(),
                    "{d:?} for {src:?}"
                );
                assert!(src.is_char_boundary(span.start) && src.is_char_boundary(span.end));
            }
            let _ = d.render(src, "fuzz");
            false
        }
    }
}

#[test]
fn mutated_corpus_never_panics() {
    let seeds = seeds();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut count = 0;
    // Whole files, a few mutations each.
    for seed in &seeds {
        for _ in 0..8 {
            let _ = check(&mutate(&mut rng, seed));
            count += 1;
        }
    }
    // Short windows of lines, mutated once to three times.
    let lines: Vec<&str> = seeds.iter().flat_map(|s| s.lines()).collect();
    for _ in 0..2500 {
        let start = rng.below(lines.len());
        let window = lines[start..(start + 1 + rng.below(4)).min(lines.len())].join("\n");
        let mut s = format!("T | {window}");
        for _ in 0..=rng.below(3) {
            s = mutate(&mut rng, &s);
        }
        let _ = check(&s);
        count += 1;
    }
    assert!(count > 2500);
}

#[test]
fn pathological_inputs_give_diagnostics() {
    let n = 3_000;
    let cases = [
        "(".repeat(n),
        ")".repeat(n),
        format!("print {}1{}", "(".repeat(n), ")".repeat(n)),
        format!("print {}1", "-".repeat(n)),
        format!("print x{}", ".a".repeat(n)),
        format!("print x{}", "[0]".repeat(n)),
        format!("print {}", vec!["a"; n].join(" or ")),
        format!("print {}", vec!["1"; n].join("+")),
        format!("T{}", " | take 1".repeat(n)),
        format!("print dynamic({}1{})", "[".repeat(n), "]".repeat(n)),
        format!("print \"{}\"", "x".repeat(200_000)),
        format!("print {}", "1".repeat(5_000)),
        "let ".repeat(n),
        "\"".repeat(n),
        "// comment\n".repeat(n),
        format!("print {}", "f(".repeat(250) + &")".repeat(250)),
        // The deepest trees the parser accepts, printed on a small stack.
        format!(
            "print {}",
            vec!["a"; kql_syntax::MAX_AST_DEPTH - 10].join(" or ")
        ),
        format!("print x{}", ".a".repeat(kql_syntax::MAX_AST_DEPTH - 10)),
        format!("print {}x", "-".repeat(kql_syntax::MAX_AST_DEPTH - 10)),
    ];
    let mut parsed = 0;
    for src in &cases {
        // A small stack, like a tokio worker's: deep inputs must not overflow it.
        let src = src.clone();
        let ok = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || check(&src))
            .expect("spawn")
            .join()
            .expect("no panic");
        parsed += usize::from(ok);
    }
    assert!(parsed >= 5, "the deepest accepted trees parse ({parsed})");
}
