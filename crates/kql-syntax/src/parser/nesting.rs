//! Stack safety. A quick scan counts bracket nesting (outside strings and
//! comments) before the grammar runs, so pathological inputs such as ten
//! thousand `(` get a diagnostic instead of exhausting the stack in the
//! recursive-descent parser; inputs nested deeper than real queries are
//! parsed on a thread with a large stack (an unoptimised build needs tens of
//! KiB of stack per bracket level). The AST builder separately bounds the
//! depth of the tree it builds ([`MAX_AST_DEPTH`]) for every later stage.

use crate::diagnostic::{Code, Diagnostic};
use crate::span::Span;

/// Deepest bracket nesting (`(`, `[`, `{` together) accepted. Published
/// queries stay below 15.
pub const MAX_NESTING: usize = 256;

/// Nesting up to which the parser runs on the caller's stack.
const IN_PLACE_NESTING: usize = 16;

/// Stack for parsing inputs nested deeper than [`IN_PLACE_NESTING`].
const DEEP_STACK_BYTES: usize = 64 << 20;

/// Deepest expression tree the builder produces (a conservative count: each
/// operator of a chain `a or b or c` counts one level, as do pipes, calls and
/// member accesses). Later stages may recurse this deep. The deepest
/// published query counts 98.
pub const MAX_AST_DEPTH: usize = 500;

/// Run `f` (a parse of an input nested `depth` deep) where the stack is big enough.
pub fn with_stack_for<T: Send>(
    depth: usize,
    f: impl FnOnce() -> Result<T, Diagnostic> + Send,
) -> Result<T, Diagnostic> {
    if depth <= IN_PLACE_NESTING {
        return f();
    }
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("kql-parse".into())
            .stack_size(DEEP_STACK_BYTES)
            .spawn_scoped(scope, f)
            .map_err(|e| {
                Diagnostic::internal("parser", format!("cannot start the parser thread: {e}"))
            })?;
        handle
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// Call `f(offset, byte)` for every bracket of `src` outside string literals
/// and `//` comments, in order; stop early when `f` returns `false`.
pub(super) fn for_each_bracket(src: &str, mut f: impl FnMut(usize, u8) -> bool) {
    let b = src.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'`' if b[i..].starts_with(b"```") => {
                i += 3;
                while i < b.len() && !b[i..].starts_with(b"```") {
                    i += 1;
                }
                i += 2;
            }
            q @ (b'"' | b'\'') => {
                let verbatim = i > 0 && b[i - 1] == b'@';
                i += 1;
                while i < b.len() && b[i] != q && b[i] != b'\n' {
                    if b[i] == b'\\' && !verbatim {
                        i += 1;
                    }
                    i += 1;
                }
            }
            c @ (b'(' | b'[' | b'{' | b')' | b']' | b'}') if !f(i, c) => return,
            _ => {}
        }
        i += 1;
    }
}

/// Fail if `src` nests brackets deeper than [`MAX_NESTING`]; else the deepest nesting.
pub fn check(src: &str) -> Result<usize, Diagnostic> {
    let mut depth = 0usize;
    let mut deepest = 0usize;
    let mut too_deep = None;
    for_each_bracket(src, |i, c| {
        if matches!(c, b'(' | b'[' | b'{') {
            depth += 1;
            deepest = deepest.max(depth);
            if depth > MAX_NESTING {
                too_deep = Some(i);
                return false;
            }
        } else {
            depth = depth.saturating_sub(1);
        }
        true
    });
    if let Some(i) = too_deep {
        return Err(Diagnostic::at(
            Code::Syntax,
            Span::new(i, i + 1),
            format!("brackets are nested too deeply (more than {MAX_NESTING} levels)"),
        )
        .with_hint("move inner parts into `let` statements"));
    }
    Ok(deepest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_brackets_outside_strings_and_comments() {
        assert_eq!(check("f(g(h(1)))"), Ok(3));
        let deep = "(".repeat(MAX_NESTING + 1);
        let err = check(&deep).unwrap_err();
        assert_eq!(err.code, Code::Syntax);
        assert_eq!(err.span, Some(Span::new(MAX_NESTING, MAX_NESTING + 1)));
        let quoted = format!("print \"{deep}\" // {deep}\n");
        assert!(check(&quoted).is_ok());
        let verbatim = format!("print @\"\\\" + '{deep}'");
        assert!(check(&verbatim).is_ok());
        assert!(check(&format!("print ```{deep}```")).is_ok());
    }
}
