//! The archive: a folder with one sub-folder of Parquet files per table.
//!
//! Files are found recursively (hive-style `key=value` folders are fine);
//! folders whose name starts with `_` or `.` are not tables. A table's schema
//! is the union of its files' schemas: a column missing from a file reads as
//! null, timestamp columns of any unit read as `datetime`, integer widths and
//! string encodings are normalised. Each column's KQL type comes from, in
//! order: the `kql.type` field metadata kql writes, the bundled Sentinel
//! schema of the table (which tells `dynamic` and `guid` from `string`), and
//! the Arrow type.

use crate::provider::{self, ArchiveFile, ArchiveProvider, TimeRanges};
use crate::schemas;
use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::catalog::TableProvider;
use datafusion::datasource::listing::ListingTableUrl;
use kql_planner::types::{KQL_TYPE_METADATA_KEY, arrow_type, kql_type_of_arrow};
use kql_planner::{BoundColumn, KqlType};
use kql_syntax::{Code, Diagnostic};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// One table of the archive, with its files read (footers only).
#[derive(Debug, Clone)]
pub struct ArchiveTable {
    pub name: String,
    pub files: Vec<PathBuf>,
    pub rows: u64,
    pub columns: Vec<BoundColumn>,
    /// The canonical Arrow schema the provider exposes.
    pub schema: SchemaRef,
    pub provider: Arc<dyn TableProvider>,
}

/// The table folders of an archive, found without reading any file.
#[derive(Debug, Clone)]
pub struct Archive {
    pub root: PathBuf,
    /// table name → folder
    pub tables: BTreeMap<String, PathBuf>,
    /// Tables already read, with the files they were read from: the next
    /// query of the session reuses them (and their provider's statistics)
    /// while no file was added, removed or changed.
    loaded: Arc<Mutex<TableCache>>,
}

/// Table name → the files it was read from and what was read.
type TableCache = HashMap<String, (Vec<FileStamp>, ArchiveTable)>;

/// What identifies one version of a file: path, length, modification time.
#[derive(Debug, Clone, PartialEq)]
struct FileStamp {
    path: PathBuf,
    len: u64,
    modified: Option<SystemTime>,
}

fn stamps(files: &[PathBuf]) -> Vec<FileStamp> {
    files
        .iter()
        .map(|f| {
            let meta = std::fs::metadata(f).ok();
            FileStamp {
                path: f.clone(),
                len: meta.as_ref().map_or(0, |m| m.len()),
                modified: meta.and_then(|m| m.modified().ok()),
            }
        })
        .collect()
}

impl Archive {
    /// List the table folders of `root`.
    pub fn open(root: &Path) -> Result<Archive, Diagnostic> {
        let meta = std::fs::metadata(root).map_err(|e| {
            Diagnostic::new(
                Code::ArchiveMissing,
                format!("cannot open the archive folder '{}': {e}", root.display()),
            )
            .with_hint(
                "pass --archive DIR, a folder with one sub-folder of Parquet files per table",
            )
        })?;
        if !meta.is_dir() {
            return Err(Diagnostic::new(
                Code::ArchiveMissing,
                format!("the archive '{}' is not a folder", root.display()),
            )
            .with_hint(
                "pass --archive DIR, a folder with one sub-folder of Parquet files per table",
            ));
        }
        let mut tables = BTreeMap::new();
        let rd = std::fs::read_dir(root).map_err(|e| unreadable(root, e))?;
        for entry in rd {
            let entry = entry.map_err(|e| unreadable(root, e))?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with('_') || name.starts_with('.') || !path.is_dir() {
                continue;
            }
            tables.insert(name, path);
        }
        Ok(Archive {
            root: root.to_path_buf(),
            tables,
            loaded: Arc::default(),
        })
    }

    /// Read the footers of a table's files and build its provider.
    pub fn load_table(&self, name: &str) -> Result<ArchiveTable, Diagnostic> {
        let dir = self.tables.get(name).ok_or_else(|| {
            Diagnostic::new(
                Code::UnknownTable,
                format!("no table '{name}' in the archive"),
            )
        })?;
        let mut files = Vec::new();
        collect_parquet_files(dir, &mut files)?;
        files.sort();
        let stamps = stamps(&files);
        let cache = self.loaded.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((seen, table)) = cache.get(name)
            && *seen == stamps
        {
            return Ok(table.clone());
        }
        drop(cache);
        let table = self.read_table(name, files)?;
        self.loaded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.to_string(), (stamps, table.clone()));
        Ok(table)
    }

    /// Read the footers of `files` (a table's) and build its provider.
    fn read_table(&self, name: &str, files: Vec<PathBuf>) -> Result<ArchiveTable, Diagnostic> {
        let mut merged: Vec<(String, KqlType, Option<KqlType>)> = Vec::new(); // name, type from arrow, type from metadata
        let mut rows = 0u64;
        let mut time_ranges = Vec::with_capacity(files.len());
        for f in &files {
            let (schema, n, ranges) = read_footer(f)?;
            rows += n;
            time_ranges.push(ranges);
            for field in schema.fields() {
                let Some(ty) = kql_type_of_arrow(field.data_type()) else {
                    continue; // no KQL counterpart (e.g. a Null column): left out
                };
                let meta_ty = field
                    .metadata()
                    .get(KQL_TYPE_METADATA_KEY)
                    .and_then(|t| KqlType::from_name(t));
                match merged.iter_mut().find(|(n, _, _)| n == field.name()) {
                    Some((_, existing, m)) => {
                        *existing = merge_types(*existing, ty).ok_or_else(|| {
                            Diagnostic::new(
                                Code::ArchiveUnreadable,
                                format!(
                                    "column '{}' of table '{name}' has type {} in some files and {} in '{}'",
                                    field.name(),
                                    existing.as_str(),
                                    ty.as_str(),
                                    f.display()
                                ),
                            )
                            .with_hint("rewrite the odd files so each column has one type")
                        })?;
                        if m.is_none() {
                            *m = meta_ty;
                        }
                    }
                    None => merged.push((field.name().clone(), ty, meta_ty)),
                }
            }
        }
        let known = schemas::known_table(name);
        let columns: Vec<BoundColumn> = merged
            .into_iter()
            .map(|(col, arrow_ty, meta_ty)| {
                let known_ty =
                    known.and_then(|k| k.iter().find(|(n, _)| *n == col).map(|(_, t)| *t));
                let ty = match (meta_ty, known_ty) {
                    (Some(t), _) => t,
                    // A string in the file that the table's schema says is dynamic/guid.
                    (None, Some(k @ (KqlType::Dynamic | KqlType::Guid)))
                        if arrow_ty == KqlType::String =>
                    {
                        k
                    }
                    _ => arrow_ty,
                };
                BoundColumn::new(col, ty)
            })
            .collect();
        let schema: SchemaRef = Arc::new(Schema::new(
            columns
                .iter()
                .map(|c| {
                    let mut f = Field::new(&c.name, arrow_type(c.ty), true);
                    if matches!(c.ty, KqlType::Dynamic | KqlType::Guid) {
                        f = f.with_metadata(
                            [(KQL_TYPE_METADATA_KEY.to_string(), c.ty.as_str().to_string())].into(),
                        );
                    }
                    f
                })
                .collect::<Vec<_>>(),
        ));
        let provider = build_provider(name, &files, time_ranges, schema.clone())?;
        let columns = with_known_columns(name, columns);
        Ok(ArchiveTable {
            name: name.to_string(),
            files,
            rows,
            columns,
            schema,
            provider,
        })
    }
}

/// A known Sentinel table exposes its whole schema (plus the standard
/// columns), in the documented order, whatever its files hold: the columns
/// no file has read as null ("" for strings); columns of the files that the
/// schema lacks follow, in file order. A column in both keeps the files' type.
fn with_known_columns(name: &str, from_files: Vec<BoundColumn>) -> Vec<BoundColumn> {
    let Some(known) = schemas::known_table(name) else {
        return from_files;
    };
    let standard = schemas::standard_columns();
    let mut out: Vec<BoundColumn> = Vec::with_capacity(known.len() + from_files.len());
    for (col, ty) in known.iter().chain(standard.iter()) {
        if out.iter().any(|c| &c.name == col) {
            continue;
        }
        match from_files.iter().find(|c| &c.name == col) {
            Some(c) => out.push(c.clone()),
            None => out.push(BoundColumn::new(col.clone(), *ty)),
        }
    }
    for c in from_files {
        if !out.iter().any(|o| o.name == c.name) {
            out.push(c);
        }
    }
    out
}

fn unreadable(path: &Path, e: std::io::Error) -> Diagnostic {
    Diagnostic::new(
        Code::ArchiveUnreadable,
        format!("cannot read the archive folder '{}': {e}", path.display()),
    )
}

fn collect_parquet_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Diagnostic> {
    let rd = std::fs::read_dir(dir).map_err(|e| unreadable(dir, e))?;
    for entry in rd {
        let entry = entry.map_err(|e| unreadable(dir, e))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with('.') || name.starts_with('_') {
            continue;
        }
        if path.is_dir() {
            collect_parquet_files(&path, out)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// The Arrow schema, row count and timestamp ranges of one Parquet file,
/// from its footer.
fn read_footer(path: &Path) -> Result<(SchemaRef, u64, TimeRanges), Diagnostic> {
    let corrupt = |e: &dyn std::fmt::Display| {
        Diagnostic::new(
            Code::CorruptParquet,
            format!("'{}' is not a readable Parquet file: {e}", path.display()),
        )
        .with_hint("remove or replace the file; the other files of the table are fine")
    };
    let file = std::fs::File::open(path).map_err(|e| corrupt(&e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| corrupt(&e))?;
    let rows = u64::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);
    let ranges = provider::time_ranges(builder.metadata(), builder.schema());
    Ok((builder.schema().clone(), rows, ranges))
}

/// The common KQL type of a column that differs across files.
fn merge_types(a: KqlType, b: KqlType) -> Option<KqlType> {
    use KqlType::*;
    if a == b {
        return Some(a);
    }
    match (a, b) {
        (Int, Long) | (Long, Int) => Some(Long),
        (Int | Long, Real) | (Real, Int | Long) => Some(Real),
        (String, Dynamic) | (Dynamic, String) => Some(Dynamic),
        (String, Guid) | (Guid, String) => Some(String),
        _ => None,
    }
}

fn build_provider(
    name: &str,
    files: &[PathBuf],
    time_ranges: Vec<TimeRanges>,
    schema: SchemaRef,
) -> Result<Arc<dyn TableProvider>, Diagnostic> {
    if files.is_empty() {
        return Ok(Arc::new(datafusion::datasource::empty::EmptyTable::new(
            schema,
        )));
    }
    let files = files
        .iter()
        .zip(time_ranges)
        .map(|(f, time_ranges)| {
            let abs = std::fs::canonicalize(f).unwrap_or_else(|_| f.clone());
            let url = ListingTableUrl::parse(abs.to_string_lossy().as_ref()).map_err(|e| {
                Diagnostic::internal("archive", format!("path '{}': {e}", f.display()))
            })?;
            Ok(ArchiveFile { url, time_ranges })
        })
        .collect::<Result<Vec<_>, Diagnostic>>()?;
    let table = ArchiveProvider::try_new(name, schema, files)
        .map_err(|e| Diagnostic::internal("archive", format!("table '{name}': {e}")))?;
    Ok(Arc::new(table))
}
