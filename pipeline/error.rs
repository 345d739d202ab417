//! The library's one error type. Variants say what failed and carry the task,
//! table, object or line; `is_transient` tells the runner what is worth a retry.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A DAG file could not be read or is invalid; every problem is listed.
    #[error("invalid DAG {path}:\n{}", problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    InvalidDag { path: PathBuf, problems: Vec<String> },

    /// Bad input from the user (CLI argument, configuration).
    #[error("{0}")]
    Usage(String),

    /// Another process holds the run lock of this DAG and date.
    #[error("{0}")]
    Locked(String),

    /// A task's configuration is missing something it needs at run time.
    #[error("task `{task}`: {message}")]
    TaskConfig { task: String, message: String },

    /// A task exceeded its timeout.
    #[error("task `{task}` timed out after {secs} s")]
    Timeout { task: String, secs: u64 },

    /// Object store failures; `transient` is decided from the store's error kind.
    #[error("object store, {context}: {source}")]
    ObjectStore {
        context: String,
        transient: bool,
        #[source]
        source: object_store::Error,
    },

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    #[error("SQL {context}: {source}")]
    DataFusion {
        context: String,
        #[source]
        source: Box<datafusion::error::DataFusionError>,
    },

    #[error("{context}: {source}")]
    Arrow {
        context: String,
        #[source]
        source: arrow::error::ArrowError,
    },

    #[error("{context}: {source}")]
    Parquet {
        context: String,
        #[source]
        source: parquet::errors::ParquetError,
    },

    /// Stored data does not match its table contract.
    #[error("table `{table}`: {message}")]
    Contract { table: String, message: String },

    /// The PII key is missing or unusable. The message never holds the key.
    #[error("PII key: {0}")]
    PiiKey(String),

    /// A model's files are missing: says which set-up command fetches them.
    #[error("model `{name}` is not installed at {path} ({missing}): run `bash scripts/setup.sh` (or `python3 scripts/fetch_models.py {name}`) to fetch it")]
    ModelMissing { name: String, path: PathBuf, missing: String },

    /// A model could not be loaded or run (candle, tokenizer).
    #[error("model {context}: {message}")]
    Model { context: String, message: String },

    /// LanceDB (the vector tables).
    #[error("LanceDB, {context}: {source}")]
    Lance {
        context: String,
        #[source]
        source: Box<lancedb::Error>,
    },

    /// A run or task that does not exist, or cannot be resumed.
    #[error("{0}")]
    NotFound(String),

    /// An error injected by tests to exercise retries.
    #[error("transient failure: {0}")]
    Transient(String),
}

impl Error {
    /// Whether a retry could succeed: network hiccups and timeouts, not bad
    /// configuration or bad data.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::ObjectStore { transient, .. } => *transient,
            // A store error in the middle of a streamed read (a reset connection, a short read).
            Error::Io { source, .. } if is_store_error(source) => true,
            Error::Io { source, .. } => matches!(
                source.kind(),
                std::io::ErrorKind::Interrupted
                    | std::io::ErrorKind::TimedOut
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            ),
            Error::Timeout { .. } | Error::Transient(_) => true,
            // Writers and queries wrap the store's errors: look inside.
            Error::Parquet { source: parquet::errors::ParquetError::External(inner), .. } => {
                wrapped_store_error_is_transient(inner.as_ref())
            }
            Error::DataFusion { source, .. } => {
                matches!(source.find_root(), datafusion::error::DataFusionError::ObjectStore(e) if store_error_is_transient(e))
                    || store_error_in_chain(source.as_ref()).is_some_and(store_error_is_transient)
                    || names_transient_store_error(&source.to_string())
            }
            Error::Parquet { source: parquet::errors::ParquetError::General(message), .. } => {
                names_transient_store_error(message)
            }
            _ => false,
        }
    }

    pub fn object_store(context: impl Into<String>, source: object_store::Error) -> Self {
        let transient = store_error_is_transient(&source);
        Error::ObjectStore { context: context.into(), transient, source }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io { context: context.into(), source }
    }

    pub fn datafusion(context: impl Into<String>, source: datafusion::error::DataFusionError) -> Self {
        Error::DataFusion { context: context.into(), source: Box::new(source) }
    }

    pub fn arrow(context: impl Into<String>, source: arrow::error::ArrowError) -> Self {
        Error::Arrow { context: context.into(), source }
    }

    pub fn parquet(context: impl Into<String>, source: parquet::errors::ParquetError) -> Self {
        Error::Parquet { context: context.into(), source }
    }

    pub fn model(context: impl Into<String>, message: impl std::fmt::Display) -> Self {
        Error::Model { context: context.into(), message: message.to_string() }
    }

    pub fn lance(context: impl Into<String>, source: lancedb::Error) -> Self {
        Error::Lance { context: context.into(), source: Box::new(source) }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage(message.into())
    }

    pub fn task_config(task: &str, message: impl Into<String>) -> Self {
        Error::TaskConfig { task: task.to_string(), message: message.into() }
    }
}

/// Store errors worth a retry: the generic kind (network, throttling, 5xx
/// after the client's own retries), not missing objects or denied access.
fn store_error_is_transient(e: &object_store::Error) -> bool {
    matches!(e, object_store::Error::Generic { .. } | object_store::Error::JoinError { .. }) && !has_permanent_io_cause(e)
}

/// DataFusion's Parquet reader turns a store error met while fetching a
/// file's footer into text (`ParquetError::General`), which loses its type:
/// a generic store error is then only known by its message.
fn names_transient_store_error(message: &str) -> bool {
    message.contains("Object Store error: Generic ") && !message.contains("No space left on device")
}

/// The first object-store error among an error's causes.
fn store_error_in_chain<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a object_store::Error> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(store) = c.downcast_ref::<object_store::Error>() {
            return Some(store);
        }
        cause = c.source();
    }
    None
}

/// A full disk, a read-only filesystem or denied access somewhere in the
/// error's causes: retrying cannot help (the local store reports these as
/// generic errors).
fn has_permanent_io_cause(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            if matches!(io.kind(), StorageFull | ReadOnlyFilesystem | PermissionDenied | QuotaExceeded | FileTooLarge) {
                return true;
            }
        }
        cause = c.source();
    }
    false
}

/// Finds an object-store error in a boxed error, directly or inside an
/// `io::Error` (the store's buffered writer reports through `io`).
fn wrapped_store_error_is_transient(e: &(dyn std::error::Error + Send + Sync + 'static)) -> bool {
    if let Some(store) = e.downcast_ref::<object_store::Error>() {
        return store_error_is_transient(store);
    }
    if let Some(io) = e.downcast_ref::<std::io::Error>() {
        return io.get_ref().is_some_and(wrapped_store_error_is_transient);
    }
    false
}

/// An error of the object store while streaming an object. It is told apart
/// from a decompression error: the first is worth a retry, the second means
/// the object itself is corrupt.
#[derive(Debug)]
pub struct StoreReadError(pub String);

impl std::fmt::Display for StoreReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::error::Error for StoreReadError {}

/// Whether an I/O error came from the object store (worth a retry).
pub fn is_store_error(e: &std::io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<StoreReadError>())
}
