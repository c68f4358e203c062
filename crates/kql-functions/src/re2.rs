//! Kusto's regular expressions (RE2 syntax) compiled with Rust's `regex`.
//!
//! The two syntaxes agree on almost everything; where RE2 reads a character
//! literally and `regex` would read syntax (or refuse the pattern), the
//! pattern is rewritten first so the meaning is RE2's:
//!
//! * inside a character class, `[` is a literal unless it opens a POSIX
//!   class (`[[:alpha:]]`): `[[]` matches `[`. `regex` reads a nested class.
//! * inside a character class, `&&`, `--` and `~~` are literals; `regex`
//!   reads them as set intersection, difference and symmetric difference.
//! * `{` that does not start a repetition (`{n}`, `{n,}`, `{n,m}`) is a
//!   literal: `SIMBAR={7DB0F6DE}` and `\d{1-3}` match their braces. `regex`
//!   reports an unclosed counted repetition.
//!
//! Every pattern from a query goes through [`regex`], never `Regex::new`.

use regex::Regex;
use std::borrow::Cow;

/// Compile a Kusto (RE2) pattern; the error text is `regex`'s.
pub fn regex(pattern: &str) -> Result<Regex, String> {
    Regex::new(&rust_syntax(pattern)).map_err(|e| e.to_string())
}

/// The pattern rewritten so that `regex` reads it as RE2 does (unchanged
/// when nothing needs rewriting).
pub fn rust_syntax(pattern: &str) -> Cow<'_, str> {
    if !pattern.contains(['[', '{']) {
        return Cow::Borrowed(pattern);
    }
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '\\' => {
                out.push(c);
                if let Some(n) = next {
                    out.push(n);
                    i += 1;
                }
            }
            '[' if in_class => match posix_class_end(&chars, i) {
                Some(end) => {
                    out.extend(&chars[i..end]);
                    i = end;
                    continue;
                }
                None => out.push_str("\\["),
            },
            '&' | '-' | '~' if in_class && next == Some(c) => {
                out.push('\\');
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            '[' => {
                in_class = true;
                out.push(c);
                if next == Some('^') {
                    out.push('^');
                    i += 1;
                }
                // a `]` first in a class is a literal
                if chars.get(i + 1) == Some(&']') {
                    out.push_str("\\]");
                    i += 1;
                }
            }
            '{' if !in_class && !starts_repetition(&chars[i..]) => out.push_str("\\{"),
            _ => out.push(c),
        }
        i += 1;
    }
    Cow::Owned(out)
}

/// The end (exclusive) of a POSIX class `[:name:]` starting at `start`.
fn posix_class_end(chars: &[char], start: usize) -> Option<usize> {
    if chars.get(start + 1) != Some(&':') {
        return None;
    }
    let mut j = start + 2;
    if chars.get(j) == Some(&'^') {
        j += 1;
    }
    let name_start = j;
    while chars.get(j).is_some_and(|c| c.is_ascii_alphabetic()) {
        j += 1;
    }
    (j > name_start && chars.get(j) == Some(&':') && chars.get(j + 1) == Some(&']'))
        .then_some(j + 2)
}

/// `{n}`, `{n,}` or `{n,m}` at the start of `rest`.
fn starts_repetition(rest: &[char]) -> bool {
    let mut j = 1;
    let digits = |j: &mut usize| {
        let from = *j;
        while rest.get(*j).is_some_and(char::is_ascii_digit) {
            *j += 1;
        }
        *j > from
    };
    if !digits(&mut j) {
        return false;
    }
    if rest.get(j) == Some(&',') {
        j += 1;
        digits(&mut j);
    }
    rest.get(j) == Some(&'}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, text: &str) -> bool {
        regex(pattern).unwrap().is_match(text)
    }

    #[test]
    fn a_bracket_inside_a_class_is_a_literal() {
        assert_eq!(rust_syntax("[[]"), "[\\[]");
        assert!(matches("^[[]x", "[x"));
        assert!(matches("[^[]", "a"));
        assert!(!matches("^[^[]", "["));
    }

    #[test]
    fn posix_classes_and_escapes_are_kept() {
        assert_eq!(rust_syntax("[[:alpha:]]+"), "[[:alpha:]]+");
        assert_eq!(rust_syntax(r"\[a\]{2}"), r"\[a\]{2}");
        assert!(matches("^[[:digit:]x]+$", "1x2"));
    }

    #[test]
    fn a_brace_that_is_no_repetition_is_a_literal() {
        assert!(matches("SIMBAR={7DB0}", "SIMBAR={7DB0}"));
        assert!(matches(r"^p-\d+_[0-9]{1-3}+$", "p-12_5{1-3}"));
        assert!(matches("^a{2,}$", "aaa"));
        assert!(matches("^a{1,2}b{3}$", "abbb"));
        assert!(!matches("^a{2}$", "a{2}"));
    }

    #[test]
    fn set_operators_inside_a_class_are_literals() {
        assert!(matches("^[a&&b]+$", "a&b"));
        assert!(matches("^[~~x]+$", "~x"));
    }

    #[test]
    fn a_leading_close_bracket_is_a_literal() {
        assert!(matches("^[]a]+$", "]a"));
        assert!(matches("^[^]a]$", "b"));
    }

    #[test]
    fn nothing_to_rewrite_borrows() {
        assert!(matches!(rust_syntax(r"\d+\.\d+"), Cow::Borrowed(_)));
    }
}
