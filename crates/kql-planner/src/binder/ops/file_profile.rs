//! Defender's `T | invoke FileProfile(x, y)`
//! (advanced-hunting-fileprofile-function.md): adds file information
//! (hashes, size, prevalence, signer, threat name, ...) to each row, found
//! by the file hash in column `x` (SHA1, SHA256, InitiatingProcessSHA1 or
//! InitiatingProcessSHA256; `SHA1` when not given). `y` (1–1000, default 100)
//! limits how many records Defender enriches.
//!
//! Defender reads its own file profile service; offline, the profiles are
//! the user's export, a `FileProfile` table of the archive with the
//! documented columns. The call is then a `lookup kind=leftouter` of the
//! input on that table (the key: `SHA1`, `SHA256` or `MD5`, by the hash the
//! column holds), one profile per hash (the one last seen), and
//! `ProfileAvailability` is `Available` for a row whose profile was found,
//! `Missing` otherwise (Defender's `Error`, a failed service call, does not
//! happen offline). The right key is not repeated (lookup's rule). Without
//! the table the call is an error that says what to add; binding without
//! data (`kql check`) binds the documented columns.
//!
//! The hash column may be named bare (`FileProfile(SHA1)`) or as a string
//! (`FileProfile('SHA1')`), as published queries do.
//!
//! Difference: every row is enriched. `y` is checked (a constant integer,
//! at least 1; published queries pass 10000 although the page says 1-1000)
//! but does not drop enrichment from rows past the limit, which Defender
//! picks in no documented order.

use super::super::LetBinding;
use super::Binder;
use crate::bound::{BoundColumn, BoundTabular};
use crate::catalog::MemoryTable;
use crate::types::KqlType;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::Expr;
use kql_syntax::ast::{self, ExprKind, Statement};
use kql_syntax::{Code, Diagnostic, Span};

pub(crate) const NAME: &str = "FileProfile";

/// The table of profiles the archive must have.
const TABLE: &str = "FileProfile";

/// The name the piped-in table is bound to.
const INPUT: &str = "__kql_fileprofile_input";

/// The documented output columns, in order.
pub(crate) const COLUMNS: &[(&str, KqlType)] = &[
    ("SHA1", KqlType::String),
    ("SHA256", KqlType::String),
    ("MD5", KqlType::String),
    ("FileSize", KqlType::Int),
    ("GlobalPrevalence", KqlType::Int),
    ("GlobalFirstSeen", KqlType::DateTime),
    ("GlobalLastSeen", KqlType::DateTime),
    ("Signer", KqlType::String),
    ("Issuer", KqlType::String),
    ("SignerHash", KqlType::String),
    ("IsCertificateValid", KqlType::Bool),
    ("IsRootSignerMicrosoft", KqlType::Bool),
    ("SignatureState", KqlType::String),
    ("IsExecutable", KqlType::Bool),
    ("ThreatName", KqlType::String),
    ("Publisher", KqlType::String),
    ("SoftwareName", KqlType::String),
];

/// The column kql computes (not read from the table).
const AVAILABILITY: &str = "ProfileAvailability";

/// Marks the profile rows, to tell found from missing after the lookup.
const FOUND: &str = "__kql_fileprofile_found";

fn column_list() -> String {
    COLUMNS
        .iter()
        .map(|(n, t)| format!("{n}:{}", t.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The constant string an argument is, if it is one.
fn constant_string(b: &mut Binder, arg: &ast::Arg) -> Option<String> {
    let v = b.bind_scalar(&arg.value, &[]).ok()?;
    match v.expr {
        Expr::Literal(ScalarValue::Utf8(Some(s)), _) => Some(s),
        _ => None,
    }
}

/// Whether a column of the user's table fits a documented column's type
/// (the sizes may be int or long).
fn fits(expected: KqlType, actual: KqlType) -> bool {
    expected == actual
        || (expected == KqlType::Int && matches!(actual, KqlType::Int | KqlType::Long))
}

/// The profile column a hash column is matched on, by its name.
fn profile_key(column: &str) -> Option<&'static str> {
    let lower = column.to_ascii_lowercase();
    if lower.ends_with("sha256") {
        Some("SHA256")
    } else if lower.ends_with("sha1") {
        Some("SHA1")
    } else if lower.ends_with("md5") {
        Some("MD5")
    } else {
        None
    }
}

/// `['name']` unless `name` is a plain identifier.
fn quote(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        name.to_string()
    } else {
        format!("['{}']", name.replace('\\', "\\\\").replace('\'', "\\'"))
    }
}

fn bad(span: Span, message: String) -> Diagnostic {
    Diagnostic::at(Code::BadArgument, span, message)
        .with_hint("e.g. `| invoke FileProfile(SHA1, 1000)` or `| invoke FileProfile(InitiatingProcessSHA256)`")
}

/// The `y` argument: a constant integer, at least 1.
fn check_limit(b: &mut Binder, arg: &ast::Arg) -> Result<(), Diagnostic> {
    let v = b.bind_scalar(&arg.value, &[])?;
    let n = match &v.expr {
        Expr::Literal(ScalarValue::Int64(Some(n)), _) => Some(*n),
        Expr::Literal(ScalarValue::Int32(Some(n)), _) => Some(i64::from(*n)),
        _ => None,
    };
    match n {
        Some(n) if n >= 1 => Ok(()),
        Some(n) => Err(bad(
            arg.value.span,
            format!("FileProfile(): the number of records to enrich must be at least 1, got {n}"),
        )),
        None => Err(bad(
            arg.value.span,
            "FileProfile(): the number of records to enrich must be a constant integer (1 to 1000)"
                .to_string(),
        )),
    }
}

pub(crate) fn bind(
    b: &mut Binder,
    input: BoundTabular,
    name_span: Span,
    args: &[ast::Arg],
    span: Span,
) -> Result<BoundTabular, Diagnostic> {
    if args.len() > 2 {
        return Err(Diagnostic::at(
            Code::WrongArgCount,
            name_span,
            format!(
                "FileProfile() takes at most 2 arguments, got {}",
                args.len()
            ),
        ));
    }
    if let Some(a) = args.iter().find(|a| a.name.is_some()) {
        return Err(bad(
            a.span,
            "FileProfile() takes positional arguments".to_string(),
        ));
    }
    // x: the hash column
    let (key, key_span) = match args.first() {
        Some(a) => match &a.value.kind {
            ExprKind::Name(id) => (id.name.clone(), a.value.span),
            _ => match constant_string(b, a) {
                Some(s) => (s, a.value.span),
                None => {
                    return Err(bad(
                        a.value.span,
                        "FileProfile(): the first argument must be a column of file hashes"
                            .to_string(),
                    ));
                }
            },
        },
        None => ("SHA1".to_string(), name_span),
    };
    let Some(key_col) = input.column(&key).cloned() else {
        return Err(Diagnostic::at(
            Code::UnknownColumn,
            key_span,
            format!("FileProfile(): the input has no column '{key}'"),
        )
        .with_hint("name the hash column: `| invoke FileProfile(InitiatingProcessSHA1)`"));
    };
    if key_col.ty != KqlType::String {
        return Err(bad(
            key_span,
            format!(
                "FileProfile(): the hash column '{key}' must be a string, got {}",
                key_col.ty.as_str()
            ),
        ));
    }
    let Some(right_key) = profile_key(&key) else {
        return Err(bad(
            key_span,
            format!(
                "FileProfile(): '{key}' is not a hash column (SHA1, SHA256, MD5, InitiatingProcessSHA1, ...)"
            ),
        ));
    };
    if let Some(a) = args.get(1) {
        check_limit(b, a)?;
    }

    // the profiles: the archive's table, or (binding without data) the
    // documented columns
    let table = match b.catalog.table(TABLE) {
        Some(columns) => {
            for (n, ty) in COLUMNS {
                match columns.iter().find(|c| c.name == *n) {
                    Some(c) if fits(*ty, c.ty) => {}
                    Some(c) => {
                        return Err(Diagnostic::at(
                            Code::EnrichmentUnreadable,
                            name_span,
                            format!(
                                "FileProfile() reads the FileProfile table, whose column {n} is {} (expected {})",
                                c.ty.as_str(),
                                ty.as_str()
                            ),
                        ));
                    }
                    None => {
                        return Err(Diagnostic::at(
                            Code::EnrichmentMissing,
                            name_span,
                            format!(
                                "FileProfile() reads the FileProfile table, which has no column {n}"
                            ),
                        )
                        .with_hint(format!(
                            "the FileProfile table needs the columns {}",
                            column_list()
                        )));
                    }
                }
            }
            TABLE.to_string()
        }
        None if !b.catalog.can_evaluate() => b.catalog.register_memory(
            MemoryTable {
                columns: COLUMNS
                    .iter()
                    .map(|(n, t)| BoundColumn::new(*n, *t))
                    .collect(),
                batches: Vec::new(),
            },
            span,
        )?,
        None => {
            return Err(Diagnostic::at(
                Code::EnrichmentMissing,
                name_span,
                format!(
                    "FileProfile() needs file profile data: add a FileProfile table with columns {} to the archive \
                     (kql computes {AVAILABILITY})",
                    column_list()
                ),
            )
            .with_hint("Defender reads its file profile service, which kql cannot reach; export the profiles of the files you need"));
        }
    };

    let projected = COLUMNS
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ");
    let on = if key == right_key {
        right_key.to_string()
    } else {
        format!("$left.{} == $right.{right_key}", quote(&key))
    };
    let text = format!(
        "{INPUT} | lookup kind=leftouter ({} | where isnotempty({right_key}) \
         | summarize arg_max(GlobalLastSeen, *) by {right_key} \
         | project {projected}, {FOUND} = true) on {on} \
         | extend {AVAILABILITY} = iff(isnotnull({FOUND}), 'Available', 'Missing') \
         | project-away {FOUND}",
        quote(&table)
    );
    let script =
        kql_syntax::parse(&text).map_err(|e| Diagnostic::internal("FileProfile", e.message))?;
    let Some(Statement::Query(query)) = script.statements.last() else {
        return Err(Diagnostic::internal("FileProfile", "no query"));
    };
    b.define(INPUT, LetBinding::Tabular(input));
    // the synthetic text's places mean nothing to the user: the call's
    b.bind_tabular(query).map_err(|d| d.with_span(span))
}
