//! The workspace around the archive: saved functions (ASIM parsers, `.kql`
//! function files), the local mirror `externaldata` feeds are read from, and
//! the watchlists `_GetWatchlist` reads. The CLI loads the function files
//! (kql-sentinel reads the YAML); this module turns their text into
//! functions the binder can call.

use kql_planner::WorkspaceFunction;
use kql_syntax::ast::{FunctionDef, LetValue, Statement};
use kql_syntax::{Code, Diagnostic, Span};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, Mutex, OnceLock};

/// Maps a byte offset in a function body to a 1-based (line, column) in
/// the file the body was read from.
pub type Locator = Arc<dyn Fn(usize) -> (usize, usize) + Send + Sync>;

/// The text of one saved function.
#[derive(Clone)]
pub struct FunctionSource {
    pub name: String,
    /// Other names it is called by (`_Im_WebSession` for `imWebSession`).
    pub aliases: Vec<String>,
    /// The parameter list without parentheses (`a:string, b:long=5`); empty
    /// for a function without parameters.
    pub params: String,
    /// The body: statements, the last one the result.
    pub body: String,
    /// The file it came from, as shown in messages.
    pub origin: String,
    pub locate: Locator,
}

impl std::fmt::Debug for FunctionSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FunctionSource")
            .field("name", &self.name)
            .field("aliases", &self.aliases)
            .field("origin", &self.origin)
            .finish()
    }
}

/// Where the workspace's pieces are.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    pub functions: Vec<FunctionSource>,
    /// The local mirror of `externaldata` URLs (see [`crate::feeds`]).
    pub feeds: Option<PathBuf>,
    /// One CSV per watchlist alias (see [`crate::watchlists`]).
    pub watchlists: Option<PathBuf>,
    /// Function texts already parsed, so each is parsed once per workspace
    /// rather than at every query that calls it.
    parsed: Arc<Mutex<ParseCache>>,
    /// The GeoIP database folder (see [`crate::geoip`]); `None` = the
    /// `geoip/` folder next to the bundled ones.
    pub geoip: Option<PathBuf>,
    /// The GeoIP database, loaded at the first query that needs it.
    geoip_db: Arc<OnceLock<GeoIpLoad>>,
}

/// The GeoIP folder's database: `None` when the folder has none.
type GeoIpLoad = Result<Option<Arc<kql_functions::geoip::GeoIpDb>>, Diagnostic>;

/// A function's identity for the parse cache: its file, name and text.
type ParseKey = (String, String, String, String);

/// Parsed definitions (or the parse error) by function identity.
type ParseCache = HashMap<ParseKey, Result<Arc<FunctionDef>, Diagnostic>>;

impl Workspace {
    /// The bundled mirror, watchlists and functions folders of the repository.
    pub fn bundled_dirs() -> (PathBuf, PathBuf, PathBuf) {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = manifest.parent().and_then(Path::parent).unwrap_or(manifest);
        (
            root.join("feeds"),
            root.join("watchlists"),
            root.join("functions"),
        )
    }

    /// The workspace of three folders, each `None` = the bundled one: the
    /// feed mirror, the watchlists, and the saved functions (every parser
    /// YAML and `.kql` file under the folder, read by kql-sentinel).
    pub fn load(
        feeds: Option<&Path>,
        watchlists: Option<&Path>,
        functions: Option<&Path>,
    ) -> Result<Workspace, Diagnostic> {
        let (bundled_feeds, bundled_watchlists, bundled_functions) = Workspace::bundled_dirs();
        for (flag, dir) in [
            ("--feeds", feeds),
            ("--watchlists", watchlists),
            ("--functions", functions),
        ] {
            if let Some(d) = dir
                && !d.is_dir()
            {
                return Err(Diagnostic::new(
                    Code::Io,
                    format!("{flag} '{}' is not a folder", d.display()),
                )
                .with_hint(format!("give {flag} an existing folder")));
            }
        }
        let functions_dir = functions
            .map(Path::to_path_buf)
            .unwrap_or(bundled_functions);
        let loaded = if functions_dir.is_dir() {
            kql_sentinel::load_functions_dir(&functions_dir)
                .map_err(|e| sentinel_diagnostic(Code::FunctionInvalid, &e))?
        } else {
            Vec::new()
        };
        Ok(Workspace {
            functions: loaded.into_iter().map(FunctionSource::from).collect(),
            feeds: Some(feeds.map(Path::to_path_buf).unwrap_or(bundled_feeds)),
            watchlists: Some(
                watchlists
                    .map(Path::to_path_buf)
                    .unwrap_or(bundled_watchlists),
            ),
            parsed: Arc::default(),
            geoip: None,
            geoip_db: Arc::default(),
        })
    }

    /// Use `dir` as the GeoIP database folder (`--geoip DIR`); `None` keeps
    /// the default `geoip/` folder.
    pub fn with_geoip(mut self, dir: Option<&Path>) -> Result<Workspace, Diagnostic> {
        if let Some(d) = dir {
            if !d.is_dir() {
                return Err(Diagnostic::new(
                    Code::Io,
                    format!("--geoip '{}' is not a folder", d.display()),
                )
                .with_hint("give --geoip an existing folder"));
            }
            self.geoip = Some(d.to_path_buf());
            self.geoip_db = Arc::default();
        }
        Ok(self)
    }

    /// The GeoIP database folder in use.
    pub fn geoip_dir(&self) -> PathBuf {
        self.geoip.clone().unwrap_or_else(|| {
            let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
            let root = manifest.parent().and_then(Path::parent).unwrap_or(manifest);
            root.join("geoip")
        })
    }

    /// The GeoIP database, loaded once; an error says what to supply.
    pub fn geoip_db(&self) -> Result<Arc<kql_functions::geoip::GeoIpDb>, Diagnostic> {
        let dir = self.geoip_dir();
        let loaded = self.geoip_db.get_or_init(|| {
            if !dir.is_dir() {
                return Ok(None);
            }
            crate::geoip::load(&dir).map(|db| db.map(Arc::new))
        });
        match loaded {
            Ok(Some(db)) => Ok(db.clone()),
            Ok(None) => Err(Diagnostic::new(
                Code::EnrichmentMissing,
                format!(
                    "geo_info_from_ip_address needs a GeoIP database: put the MaxMind GeoLite2 City CSVs \
                     ({}, {}, {}) or a geoip.csv (network,country,state,city,latitude,longitude) in {} \
                     or pass --geoip DIR",
                    crate::geoip::MAXMIND_V4,
                    crate::geoip::MAXMIND_V6,
                    crate::geoip::MAXMIND_LOCATIONS,
                    dir.display()
                ),
            )
            .with_hint("kql has no built-in IP geolocation data; Kusto uses MaxMind GeoLite2 City")),
            Err(e) => Err(e.clone()),
        }
    }

    /// The feed mirror in use.
    pub fn feeds_dir(&self) -> PathBuf {
        self.feeds
            .clone()
            .unwrap_or_else(|| Workspace::bundled_dirs().0)
    }

    /// The watchlists folder in use.
    pub fn watchlists_dir(&self) -> PathBuf {
        self.watchlists
            .clone()
            .unwrap_or_else(|| Workspace::bundled_dirs().1)
    }

    /// `query` and the bodies of the saved functions it names, transitively
    /// (by identifier-like words): every text the query may run.
    pub fn reachable_texts<'a>(&'a self, query: &'a str) -> Vec<&'a str> {
        let mut texts = vec![query];
        let mut seen: Vec<&str> = Vec::new();
        let mut i = 0;
        while i < texts.len() {
            for word in identifier_words(texts[i]) {
                if let Some(f) = self.find(word)
                    && !seen.contains(&f.name.as_str())
                {
                    seen.push(&f.name);
                    texts.push(&f.body);
                }
            }
            i += 1;
        }
        texts
    }

    /// `src` parsed for a call by `called_as`; the parse is done once per
    /// function text and shared by later calls.
    pub fn function(
        &self,
        src: &FunctionSource,
        called_as: &str,
    ) -> Result<WorkspaceFunction, Diagnostic> {
        let key = (
            src.origin.clone(),
            src.name.clone(),
            src.params.clone(),
            src.body.clone(),
        );
        let cached = self
            .parsed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .cloned();
        let def = match cached {
            Some(def) => def,
            None => {
                let def = parse_definition(src).map(Arc::new);
                self.parsed
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(key, def.clone());
                def
            }
        }?;
        Ok(bind_form(src, called_as, def))
    }

    /// The function called `name` (by its name or an alias).
    pub fn find(&self, name: &str) -> Option<&FunctionSource> {
        self.functions
            .iter()
            .find(|f| f.name == name || f.aliases.iter().any(|a| a == name))
    }
}

impl From<kql_sentinel::WorkspaceFunction> for FunctionSource {
    fn from(f: kql_sentinel::WorkspaceFunction) -> Self {
        let origin = f.origin.path.display().to_string();
        let located = Arc::new(f.clone());
        FunctionSource {
            name: f.name,
            aliases: f.aliases,
            params: f.params,
            body: f.body,
            origin,
            locate: Arc::new(move |offset| located.locate(offset.min(located.body.len()))),
        }
    }
}

/// A kql-sentinel error (rule or function file) as a diagnostic: the message
/// names the file, field and line; the hint says what to do.
pub fn sentinel_diagnostic(code: Code, e: &kql_sentinel::SentinelError) -> Diagnostic {
    let mut place = e.path.display().to_string();
    if let Some(line) = e.line {
        place.push_str(&format!(":{line}"));
        if let Some(col) = e.column {
            place.push_str(&format!(":{col}"));
        }
    }
    let field = e
        .field
        .as_ref()
        .map(|f| format!("`{f}`: "))
        .unwrap_or_default();
    let d = Diagnostic::new(code, format!("{place}: {field}{}", e.message));
    if e.hint.is_empty() {
        d
    } else {
        d.with_hint(e.hint.clone())
    }
}

/// Identifier-like words of a text (runs of letters, digits and `_`), with
/// any `*` wildcards they hold.
pub fn identifier_words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '*'))
        .filter(|w| !w.is_empty())
}

/// What precedes a function's body in the text it is parsed from: a `let`
/// of a function with its parameters.
fn body_prefix(src: &FunctionSource) -> String {
    format!("let __workspace_function = ({}) {{\n", src.params)
}

/// Maps a span of the parsed text (see [`body_prefix`]) to
/// "file:line:column" in the function's file.
fn placer(src: &FunctionSource) -> impl Fn(Span) -> String + 'static {
    let body_start = body_prefix(src).len();
    let origin = src.origin.clone();
    let locate_fn = src.locate.clone();
    move |span: Span| -> String {
        if span.start >= body_start {
            let (line, col) = locate_fn(span.start - body_start);
            format!("{origin}:{line}:{col}")
        } else {
            format!("{origin} (parameters)")
        }
    }
}

fn bind_form(src: &FunctionSource, called_as: &str, def: Arc<FunctionDef>) -> WorkspaceFunction {
    WorkspaceFunction {
        name: called_as.to_string(),
        def,
        origin: src.origin.clone(),
        locate: Rc::new(placer(src)),
    }
}

/// Parse a function's text. A syntax error points into the function's file.
fn parse_definition(src: &FunctionSource) -> Result<FunctionDef, Diagnostic> {
    let text = format!("{}{}\n}};", body_prefix(src), src.body);
    let place = placer(src);
    let script = kql_syntax::parse(&text).map_err(|d| {
        let at = d.span.map(&place).unwrap_or_else(|| src.origin.clone());
        Diagnostic::new(
            Code::FunctionInvalid,
            format!(
                "workspace function '{}' does not parse: {} (at {at})",
                src.name, d.message
            ),
        )
        .with_hint(format!(
            "fix the function's text in {}, or remove the file from the functions folder",
            src.origin
        ))
    })?;
    let def = script.statements.into_iter().find_map(|s| match s {
        Statement::Let(l) => match l.value {
            LetValue::Function(f) | LetValue::View(f) => Some(f),
            _ => None,
        },
        _ => None,
    });
    def.ok_or_else(|| {
        Diagnostic::new(
            Code::FunctionInvalid,
            format!("workspace function '{}' has no body", src.name),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(params: &str, body: &str) -> FunctionSource {
        FunctionSource {
            name: "f".into(),
            aliases: vec!["_F".into()],
            params: params.into(),
            body: body.into(),
            origin: "functions/f.kql".into(),
            // body line n is file line n + 10, columns shifted by 2
            locate: Arc::new(|off| (off / 100 + 11, off % 100 + 3)),
        }
    }

    #[test]
    fn parses_params_and_body() {
        let f = Workspace::default()
            .function(&source("x:long=1", "print y = x"), "_F")
            .unwrap();
        assert_eq!(f.name, "_F");
        assert_eq!(f.def.params.len(), 1);
    }

    #[test]
    fn a_syntax_error_points_into_the_file() {
        let ws = Workspace::default();
        let src = source("", "T | where (a");
        let err = ws.function(&src, "f").unwrap_err();
        // the cached failure is the same failure
        assert_eq!(ws.function(&src, "f").unwrap_err().message, err.message);
        assert_eq!(err.code, Code::FunctionInvalid);
        assert!(
            err.message.contains("functions/f.kql:11:"),
            "{}",
            err.message
        );
    }
}
