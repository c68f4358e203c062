//! DataFusion errors at execution time → diagnostics. User mistakes are
//! caught by the binder; what reaches here is the data (a corrupt file, an
//! unreadable folder) or a bug, and is named as such.

use datafusion::error::DataFusionError;
use kql_syntax::{Code, Diagnostic};

pub(crate) fn from_datafusion(e: DataFusionError) -> Diagnostic {
    let text = e.to_string();
    match e.find_root() {
        DataFusionError::ParquetError(_) => Diagnostic::new(
            Code::CorruptParquet,
            format!("a Parquet file of the archive could not be read: {text}"),
        )
        .with_hint("check the archive's files; a damaged file must be removed or replaced"),
        DataFusionError::IoError(_) | DataFusionError::ObjectStore(_) => {
            Diagnostic::new(Code::Io, format!("reading the archive failed: {text}"))
        }
        DataFusionError::ArrowError(_, _) | DataFusionError::Execution(_) => Diagnostic::new(
            Code::ExecutionFailed,
            format!("the query failed while running: {text}"),
        ),
        DataFusionError::ResourcesExhausted(_) => Diagnostic::new(
            Code::ExecutionFailed,
            format!("the query ran out of memory: {text}"),
        )
        .with_hint(
            "raise --memory-limit (sorts, aggregations and joins spill to disk within it, but \
             one group's values or one join key's rows must fit), or narrow the query's \
             time range",
        ),
        _ => Diagnostic::internal("execution", text),
    }
}
