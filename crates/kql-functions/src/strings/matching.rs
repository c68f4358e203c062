//! The term and substring matching behind `has`, `hasprefix`, `hassuffix`,
//! `contains`, `startswith`, `endswith` (and their `_cs` forms).
//!
//! Kusto's `has` matches whole terms: a term is a maximal run of alphanumeric
//! characters, so `"Mozilla/5.0 XMRig/6.2" has "xmrig"` is true and
//! `"myxmrigbox" has "xmrig"` is false. A needle matches at a position when
//! its own alphanumeric edges sit on term boundaries of the haystack.
//!
//! No allocation per row: the needle is prepared once ([`Matcher::new`]); the
//! search compares bytes with ASCII case folding. A needle with non-ASCII
//! letters is matched case-insensitively through a reusable lower-case buffer.

use memchr::memmem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchKind {
    Has,
    HasPrefix,
    HasSuffix,
    Contains,
    StartsWith,
    EndsWith,
}

impl MatchKind {
    pub fn name(self) -> &'static str {
        match self {
            MatchKind::Has => "has",
            MatchKind::HasPrefix => "hasprefix",
            MatchKind::HasSuffix => "hassuffix",
            MatchKind::Contains => "contains",
            MatchKind::StartsWith => "startswith",
            MatchKind::EndsWith => "endswith",
        }
    }
}

/// A needle prepared for repeated matching.
pub struct Matcher {
    kind: MatchKind,
    case_sensitive: bool,
    /// The needle; lower-cased when matching case-insensitively.
    needle: Vec<u8>,
    /// Case-insensitive matching of a non-ASCII needle needs Unicode folding.
    unicode_fold: bool,
    /// The needle's first/last characters are alphanumeric (term edges).
    left_edge: bool,
    right_edge: bool,
    finder: memmem::Finder<'static>,
    /// The position of the needle's rarest byte (case-insensitive search).
    rare: usize,
    buf: String,
}

/// How common a byte is in log text (lower = rarer): a rough ranking of
/// English letters, then digits, with separators the most common.
fn commonness(b: u8) -> u8 {
    const LETTERS: &[u8] = b"zqjxkvbywgpfmucdlhrsnioate";
    match b.to_ascii_lowercase() {
        c @ b'a'..=b'z' => 10 + LETTERS.iter().position(|&l| l == c).unwrap_or(0) as u8,
        b'0'..=b'9' => 30,
        b' ' | b'.' | b'/' | b'\\' | b'-' | b'_' | b':' | b'=' | b',' | b'"' => 50,
        _ => 5,
    }
}

/// The index of the rarest byte of `needle` (the first of equals).
fn rarest(needle: &[u8]) -> usize {
    (0..needle.len())
        .min_by_key(|&i| commonness(needle[i]))
        .unwrap_or(0)
}

impl Matcher {
    pub fn new(kind: MatchKind, case_sensitive: bool, needle: &str) -> Matcher {
        let unicode_fold = !case_sensitive && !needle.is_ascii();
        let prepared = if case_sensitive {
            needle.to_string()
        } else if unicode_fold {
            needle.to_lowercase()
        } else {
            needle.to_ascii_lowercase()
        };
        let left_edge = prepared.chars().next().is_some_and(char::is_alphanumeric);
        let right_edge = prepared
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric);
        let bytes = prepared.into_bytes();
        Matcher {
            rare: rarest(&bytes),
            kind,
            case_sensitive,
            finder: memmem::Finder::new(&bytes).into_owned(),
            needle: bytes,
            unicode_fold,
            left_edge,
            right_edge,
            buf: String::new(),
        }
    }

    /// Does `hay` match?
    pub fn matches(&mut self, hay: &str) -> bool {
        if self.unicode_fold {
            let mut buf = std::mem::take(&mut self.buf);
            buf.clear();
            for c in hay.chars() {
                buf.extend(c.to_lowercase());
            }
            let r = self.matches_bytes(buf.as_bytes(), true);
            self.buf = buf;
            r
        } else {
            self.matches_bytes(hay.as_bytes(), self.case_sensitive)
        }
    }

    fn matches_bytes(&self, hay: &[u8], exact: bool) -> bool {
        let n = &self.needle;
        match self.kind {
            MatchKind::StartsWith => hay.len() >= n.len() && eq_at(hay, 0, n, exact),
            MatchKind::EndsWith => {
                hay.len() >= n.len() && eq_at(hay, hay.len() - n.len(), n, exact)
            }
            MatchKind::Contains => self.find_from(hay, 0, exact).is_some(),
            MatchKind::Has | MatchKind::HasPrefix | MatchKind::HasSuffix => {
                if n.is_empty() {
                    return true;
                }
                let need_left = self.left_edge && self.kind != MatchKind::HasSuffix;
                let need_right = self.right_edge && self.kind != MatchKind::HasPrefix;
                let mut from = 0;
                while let Some(pos) = self.find_from(hay, from, exact) {
                    let left_ok = !need_left || !alnum_before(hay, pos);
                    let right_ok = !need_right || !alnum_at(hay, pos + n.len());
                    if left_ok && right_ok {
                        return true;
                    }
                    from = pos + 1;
                }
                false
            }
        }
    }

    /// First position `>= from` where the needle occurs.
    fn find_from(&self, hay: &[u8], from: usize, exact: bool) -> Option<usize> {
        if from > hay.len() {
            return None;
        }
        if exact {
            return self.finder.find(&hay[from..]).map(|p| p + from);
        }
        let n = &self.needle;
        if n.is_empty() {
            return Some(from);
        }
        if hay.len() < n.len() {
            return None;
        }
        // Scan for the needle's rarest byte (in either case) and check the
        // needle around each hit: far fewer false starts than its first byte.
        let k = self.rare;
        let b = n[k];
        let last_start = hay.len() - n.len();
        let mut i = from;
        while i <= last_start {
            let rest = &hay[i + k..=last_start + k];
            let off = if b.is_ascii_alphabetic() {
                memchr::memchr2(b, b.to_ascii_uppercase(), rest)
            } else {
                memchr::memchr(b, rest)
            }?;
            let p = i + off;
            if eq_at(hay, p, n, false) {
                return Some(p);
            }
            i = p + 1;
        }
        None
    }
}

fn eq_at(hay: &[u8], pos: usize, needle: &[u8], exact: bool) -> bool {
    let Some(slice) = hay.get(pos..pos + needle.len()) else {
        return false;
    };
    if exact {
        slice == needle
    } else {
        slice.eq_ignore_ascii_case(needle)
    }
}

/// Is the character ending just before byte `pos` alphanumeric?
pub(crate) fn alnum_before(hay: &[u8], pos: usize) -> bool {
    if pos == 0 {
        return false;
    }
    let b = hay[pos - 1];
    if b.is_ascii() {
        return b.is_ascii_alphanumeric();
    }
    // decode the previous UTF-8 character
    let mut start = pos - 1;
    while start > 0 && (hay[start] & 0xC0) == 0x80 {
        start -= 1;
    }
    std::str::from_utf8(&hay[start..pos])
        .ok()
        .and_then(|s| s.chars().next())
        .is_some_and(char::is_alphanumeric)
}

/// Is the character starting at byte `pos` alphanumeric?
pub(crate) fn alnum_at(hay: &[u8], pos: usize) -> bool {
    let Some(&b) = hay.get(pos) else {
        return false;
    };
    if b.is_ascii() {
        return b.is_ascii_alphanumeric();
    }
    let end = (pos + 4).min(hay.len());
    let s = match std::str::from_utf8(&hay[pos..end]) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&hay[pos..pos + e.valid_up_to()]).unwrap_or(""),
    };
    s.chars().next().is_some_and(char::is_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(kind: MatchKind, cs: bool, needle: &str, hay: &str) -> bool {
        Matcher::new(kind, cs, needle).matches(hay)
    }

    #[test]
    fn has_matches_whole_terms_case_insensitively() {
        assert!(m(MatchKind::Has, false, "xmrig", "Mozilla/5.0 XMRig/6.2"));
        assert!(!m(MatchKind::Has, false, "xmrig", "myxmrigbox"));
        assert!(!m(MatchKind::Has, false, "xmrig", "xmrigs"));
        assert!(m(MatchKind::Has, false, "XMRIG", "xmrig"));
        assert!(!m(MatchKind::Has, true, "XMRIG", "xmrig"));
        assert!(m(MatchKind::Has, true, "XMRig", "a XMRig b"));
        // a later occurrence can match after an earlier non-term one
        assert!(m(MatchKind::Has, false, "abc", "xabc abc"));
    }

    #[test]
    fn has_with_separators_in_the_needle() {
        assert!(m(
            MatchKind::Has,
            false,
            "5.0 xmrig",
            "Mozilla/5.0 XMRig/6.2"
        ));
        assert!(!m(
            MatchKind::Has,
            false,
            "5.0 xmri",
            "Mozilla/5.0 XMRig/6.2"
        ));
        assert!(m(MatchKind::Has, false, "/5.0", "Mozilla/5.0"));
    }

    #[test]
    fn has_prefix_and_suffix() {
        assert!(m(MatchKind::HasPrefix, false, "xmr", "run XMRig now"));
        assert!(!m(MatchKind::HasPrefix, false, "mri", "run XMRig now"));
        assert!(m(MatchKind::HasSuffix, false, "rig", "run XMRig now"));
        assert!(!m(MatchKind::HasSuffix, false, "xmr", "run XMRig now"));
    }

    #[test]
    fn substring_forms() {
        assert!(m(MatchKind::Contains, false, "RIG", "myxmrigbox"));
        assert!(!m(MatchKind::Contains, true, "RIG", "myxmrigbox"));
        assert!(m(MatchKind::StartsWith, false, "MY", "myxmrigbox"));
        assert!(m(MatchKind::EndsWith, false, "BOX", "myxmrigbox"));
        assert!(!m(MatchKind::EndsWith, false, "myxmrigboxx", "myxmrigbox"));
        assert!(m(MatchKind::Contains, false, "", "anything"));
        assert!(m(MatchKind::Contains, false, "", ""));
    }

    #[test]
    fn unicode_terms_and_folding() {
        assert!(m(MatchKind::Has, false, "ÉCOLE", "une école ici"));
        assert!(!m(MatchKind::Has, false, "cole", "une école ici"));
        assert!(m(MatchKind::Contains, false, "straße", "STRAßE"));
    }
}
