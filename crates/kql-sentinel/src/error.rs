//! [`SentinelError`]: every error of this crate, in words. It names the file,
//! the YAML field (when there is one), the 1-based line (and column when
//! known), says what is wrong and what to do about it.

use std::fmt;
use std::path::{Path, PathBuf};

/// An error reading Sentinel content (rule YAML, parser YAML, `.kql` function
/// files) or a result export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentinelError {
    /// The file the error is about.
    pub path: PathBuf,
    /// The field, e.g. `queryFrequency` or `entityMappings[1].entityType`.
    pub field: Option<String>,
    /// 1-based line in the file.
    pub line: Option<u32>,
    /// 1-based column (in characters) in the file.
    pub column: Option<u32>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

impl SentinelError {
    pub(crate) fn new(path: &Path, message: impl Into<String>, hint: impl Into<String>) -> Self {
        SentinelError {
            path: path.to_path_buf(),
            field: None,
            line: None,
            column: None,
            message: message.into(),
            hint: hint.into(),
        }
    }

    pub(crate) fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub(crate) fn line(mut self, line: Option<usize>) -> Self {
        self.line = line.map(to_u32);
        self
    }

    pub(crate) fn at(mut self, line: usize, column: usize) -> Self {
        self.line = Some(to_u32(line));
        self.column = Some(to_u32(column));
        self
    }

    /// An I/O error reading `path`.
    pub(crate) fn io(path: &Path, err: &std::io::Error) -> Self {
        SentinelError::new(
            path,
            format!("cannot read the file: {err}"),
            "check that the path exists and is readable",
        )
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl fmt::Display for SentinelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": ")?;
        if let Some(field) = &self.field {
            write!(f, "`{field}`: ")?;
        }
        write!(f, "{}", self.message)?;
        if !self.hint.is_empty() {
            write!(f, "\n  = help: {}", self.hint)?;
        }
        Ok(())
    }
}

impl std::error::Error for SentinelError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_field_and_hint() {
        let e = SentinelError::new(Path::new("r.yaml"), "bad value", "fix it")
            .field("severity")
            .line(Some(4));
        assert_eq!(
            e.to_string(),
            "r.yaml:4: `severity`: bad value\n  = help: fix it"
        );
        let e = SentinelError::new(Path::new("f.kql"), "oops", "").at(2, 7);
        assert_eq!(e.to_string(), "f.kql:2:7: oops");
    }
}
