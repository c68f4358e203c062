//! Scheduled / NRT analytic-rule YAML (the Azure-Sentinel repository format)
//! → [`Rule`]. Every field the engine or the alert builder needs is decoded
//! and checked; anything else is kept in [`Rule::extra`] and ignored. Errors
//! name the file, the field and the line of its key.

use std::path::Path;

use serde_yaml::{Mapping, Value};

use crate::error::SentinelError;
use crate::source::{SourceOrigin, nested_key_line, top_key_line, value_origin, yaml_message};
use crate::time::parse_duration;

/// `kind:` of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    Scheduled,
    /// Near-real-time rule: runs every minute, no frequency/period/threshold.
    Nrt,
}

/// `triggerOperator:` — how the result count is compared with the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerOperator {
    GreaterThan,
    LessThan,
    Equal,
    NotEqual,
}

impl TriggerOperator {
    /// Does `count <op> threshold` hold?
    pub fn holds(self, count: u64, threshold: i64) -> bool {
        let count = i128::from(count);
        let threshold = i128::from(threshold);
        match self {
            TriggerOperator::GreaterThan => count > threshold,
            TriggerOperator::LessThan => count < threshold,
            TriggerOperator::Equal => count == threshold,
            TriggerOperator::NotEqual => count != threshold,
        }
    }

    /// `>`, `<`, `==`, `!=`.
    pub fn symbol(self) -> &'static str {
        match self {
            TriggerOperator::GreaterThan => ">",
            TriggerOperator::LessThan => "<",
            TriggerOperator::Equal => "==",
            TriggerOperator::NotEqual => "!=",
        }
    }
}

/// `eventGroupingSettings.aggregationKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregationKind {
    /// One alert for all result rows (Sentinel's default).
    SingleAlert,
    /// One alert per result row.
    AlertPerResult,
}

/// One `entityMappings` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityMapping {
    /// As written in the rule: `IP`, `Account`, `Host`, `URL`, ...
    pub entity_type: String,
    /// (identifier, column name) pairs, e.g. (`Address`, `SrcIpAddr`).
    pub field_mappings: Vec<(String, String)>,
}

/// `alertDetailsOverride`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertDetailsOverride {
    /// Alert name with `{{Column}}` placeholders.
    pub display_name_format: Option<String>,
    /// Alert description with `{{Column}}` placeholders.
    pub description_format: Option<String>,
    /// Column whose value (Informational/Low/Medium/High) overrides the severity.
    pub severity_column: Option<String>,
    /// Column whose value (tactics, comma-separated or a JSON array) overrides the tactics.
    pub tactics_column: Option<String>,
    /// `alertDynamicProperties`: (alert property, column) pairs.
    pub dynamic_properties: Vec<(String, String)>,
}

/// An analytic rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: String,
    /// `name:`; the file stem when absent.
    pub name: String,
    /// `description:`, surrounding blanks trimmed.
    pub description: String,
    /// `Informational`, `Low`, `Medium` (default) or `High`.
    pub severity: String,
    pub kind: RuleKind,
    /// `queryFrequency` in nanoseconds.
    pub query_frequency: Option<i64>,
    /// `queryPeriod` in nanoseconds (the look-back of each run).
    pub query_period: Option<i64>,
    /// `triggerOperator` (default `gt`).
    pub trigger_operator: TriggerOperator,
    /// `triggerThreshold` (default 0).
    pub trigger_threshold: i64,
    pub tactics: Vec<String>,
    pub relevant_techniques: Vec<String>,
    /// The KQL text of `query:`.
    pub query: String,
    /// Where `query` starts in the file (its line and block indentation).
    pub query_origin: SourceOrigin,
    pub entity_mappings: Vec<EntityMapping>,
    /// `customDetails`: (key, column) pairs in file order.
    pub custom_details: Vec<(String, String)>,
    pub alert_details_override: Option<AlertDetailsOverride>,
    /// `eventGroupingSettings.aggregationKind` (default `SingleAlert`).
    pub aggregation_kind: AggregationKind,
    pub version: Option<String>,
    pub status: Option<String>,
    /// Every other top-level field (tags, requiredDataConnectors,
    /// incidentConfiguration, metadata, ...), kept as written and ignored.
    pub extra: Mapping,
}

impl Rule {
    /// Reads and decodes the rule file at `path`.
    pub fn from_file(path: &Path) -> Result<Rule, SentinelError> {
        let text = std::fs::read_to_string(path).map_err(|e| SentinelError::io(path, &e))?;
        Rule::from_yaml(&text, path)
    }

    /// Decodes rule YAML; `path` is used in messages and [`Rule::query_origin`].
    pub fn from_yaml(text: &str, path: &Path) -> Result<Rule, SentinelError> {
        let cx = Cx { src: text, path };
        let mut map = parse_mapping(text, path, "an analytic rule")?;
        let query = match map.remove("query") {
            Some(Value::String(q)) if !q.trim().is_empty() => q,
            Some(Value::String(_)) | Some(Value::Null) => {
                return Err(cx.err("query", None, "the query is empty", QUERY_HINT));
            }
            Some(_) => return Err(cx.err("query", None, "the query must be text", QUERY_HINT)),
            None => {
                return Err(SentinelError::new(
                    path,
                    "the rule has no `query` field",
                    "add `query: |` followed by the KQL text indented below it; \
                     is this file an analytic rule?",
                ));
            }
        };
        let query_origin = value_origin(text, path, "query").unwrap_or(SourceOrigin {
            path: path.to_path_buf(),
            line: 1,
            column: 1,
            indent: 0,
        });
        let name = match cx.string(&mut map, "name")? {
            Some(n) => n,
            None => path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        let id = cx.string(&mut map, "id")?.unwrap_or_default();
        let description = cx
            .string(&mut map, "description")?
            .unwrap_or_default()
            .trim()
            .to_string();
        let severity = match cx.string(&mut map, "severity")? {
            None => "Medium".to_string(),
            Some(s) => normalize_severity(&s).map(str::to_string).ok_or_else(|| {
                cx.err(
                    "severity",
                    None,
                    format!("`{s}` is not a severity"),
                    "write one of Informational, Low, Medium, High",
                )
            })?,
        };
        let kind = match cx.string(&mut map, "kind")? {
            None => RuleKind::Scheduled,
            Some(k) => match k.to_ascii_lowercase().as_str() {
                "scheduled" => RuleKind::Scheduled,
                "nrt" => RuleKind::Nrt,
                _ => {
                    return Err(cx.err(
                        "kind",
                        None,
                        format!("rules of kind `{k}` cannot be run"),
                        "only `Scheduled` and `NRT` rules carry a query to run",
                    ));
                }
            },
        };
        let query_frequency = cx.duration(&mut map, "queryFrequency")?;
        let query_period = cx.duration(&mut map, "queryPeriod")?;
        let trigger_operator = match cx.string(&mut map, "triggerOperator")? {
            None => TriggerOperator::GreaterThan,
            Some(op) => parse_operator(&op).ok_or_else(|| {
                cx.err(
                    "triggerOperator",
                    None,
                    format!("`{op}` is not a trigger operator"),
                    "write one of gt, lt, eq, ne (or GreaterThan, LessThan, Equal, NotEqual)",
                )
            })?,
        };
        let trigger_threshold = match map.remove("triggerThreshold") {
            None | Some(Value::Null) => 0,
            Some(v) => scalar_text(&v)
                .and_then(|t| t.trim().parse::<i64>().ok())
                .ok_or_else(|| {
                    cx.err(
                        "triggerThreshold",
                        None,
                        format!("`{}` is not a whole number", value_text(&v)),
                        "write the number of result rows to compare with, e.g. `0`",
                    )
                })?,
        };
        let tactics = cx.string_list(&mut map, "tactics")?;
        let relevant_techniques = cx.string_list(&mut map, "relevantTechniques")?;
        let entity_mappings = cx.entity_mappings(&mut map)?;
        let custom_details = cx.custom_details(&mut map)?;
        let alert_details_override = cx.alert_details_override(&mut map)?;
        let aggregation_kind = cx.aggregation_kind(&mut map)?;
        let version = cx.string(&mut map, "version")?;
        let status = cx.string(&mut map, "status")?;
        Ok(Rule {
            id,
            name,
            description,
            severity,
            kind,
            query_frequency,
            query_period,
            trigger_operator,
            trigger_threshold,
            tactics,
            relevant_techniques,
            query,
            query_origin,
            entity_mappings,
            custom_details,
            alert_details_override,
            aggregation_kind,
            version,
            status,
            extra: map,
        })
    }

    /// The 1-based (line, column) in the rule file of byte `offset` of
    /// [`Rule::query`] (e.g. a KQL diagnostic's span start).
    pub fn locate_query(&self, offset: usize) -> (usize, usize) {
        self.query_origin.locate(&self.query, offset)
    }
}

const QUERY_HINT: &str = "write the KQL under `query: |`, indented below the key";

/// Parses YAML text whose top level must be a mapping.
pub(crate) fn parse_mapping(text: &str, path: &Path, what: &str) -> Result<Mapping, SentinelError> {
    let value: Value = serde_yaml::from_str(text).map_err(|e| {
        let err = SentinelError::new(
            path,
            format!("not valid YAML: {}", yaml_message(&e)),
            "fix the YAML at this place: check the indentation (spaces, not tabs), \
             the `key: value` colons and the quoting",
        );
        match e.location() {
            Some(loc) => err.at(loc.line(), loc.column()),
            None => err,
        }
    })?;
    match value {
        Value::Mapping(m) => Ok(m),
        other => Err(SentinelError::new(
            path,
            format!(
                "the file is YAML but not {what}: its top level is {}, not a mapping of fields",
                kind_of(&other)
            ),
            "check that this is the right file",
        )),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "empty",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

/// The text of a scalar (strings, numbers, booleans).
pub(crate) fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn value_text(v: &Value) -> String {
    scalar_text(v).unwrap_or_else(|| kind_of(v).to_string())
}

fn normalize_severity(s: &str) -> Option<&'static str> {
    ["Informational", "Low", "Medium", "High"]
        .into_iter()
        .find(|c| c.eq_ignore_ascii_case(s.trim()))
}

pub(crate) fn severity_name(s: &str) -> Option<&'static str> {
    normalize_severity(s)
}

fn parse_operator(s: &str) -> Option<TriggerOperator> {
    Some(match s.trim().to_ascii_lowercase().as_str() {
        "gt" | "greaterthan" => TriggerOperator::GreaterThan,
        "lt" | "lessthan" => TriggerOperator::LessThan,
        "eq" | "equal" | "equals" => TriggerOperator::Equal,
        "ne" | "notequal" | "notequals" => TriggerOperator::NotEqual,
        _ => return None,
    })
}

/// Source text and path for error positions.
struct Cx<'a> {
    src: &'a str,
    path: &'a Path,
}

impl Cx<'_> {
    /// An error about top-level `key`, at the line of `nested` (key name and
    /// occurrence below `key`) or of `key` itself.
    fn err(
        &self,
        key: &str,
        nested: Option<(&str, &str, usize)>,
        message: impl Into<String>,
        hint: &str,
    ) -> SentinelError {
        let (field, line) = match nested {
            Some((shown, inner, nth)) => (
                shown.to_string(),
                nested_key_line(self.src, key, inner, nth),
            ),
            None => (key.to_string(), top_key_line(self.src, key)),
        };
        SentinelError::new(self.path, message, hint)
            .field(field)
            .line(line)
    }

    fn string(&self, map: &mut Mapping, key: &str) -> Result<Option<String>, SentinelError> {
        match map.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => scalar_text(&v).map(Some).ok_or_else(|| {
                self.err(
                    key,
                    None,
                    format!("expected text, found {}", kind_of(&v)),
                    "write a single value after the colon",
                )
            }),
        }
    }

    fn duration(&self, map: &mut Mapping, key: &str) -> Result<Option<i64>, SentinelError> {
        let Some(text) = self.string(map, key)? else {
            return Ok(None);
        };
        parse_duration(&text).map(Some).map_err(|msg| {
            self.err(
                key,
                None,
                msg,
                "for example `queryFrequency: 5m`, `queryPeriod: 14d`",
            )
        })
    }

    fn string_list(&self, map: &mut Mapping, key: &str) -> Result<Vec<String>, SentinelError> {
        match map.remove(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Sequence(items)) => items
                .iter()
                .map(|v| {
                    scalar_text(v).ok_or_else(|| {
                        self.err(
                            key,
                            None,
                            format!("list items must be text, found {}", kind_of(v)),
                            "write one `- Value` per line",
                        )
                    })
                })
                .collect(),
            Some(v) => scalar_text(&v)
                .map(|s| {
                    s.split(',')
                        .map(|t| t.trim().to_string())
                        .filter(|t| !t.is_empty())
                        .collect()
                })
                .ok_or_else(|| {
                    self.err(
                        key,
                        None,
                        format!("expected a list, found {}", kind_of(&v)),
                        "write one `- Value` per line",
                    )
                }),
        }
    }

    fn entity_mappings(&self, map: &mut Mapping) -> Result<Vec<EntityMapping>, SentinelError> {
        const KEY: &str = "entityMappings";
        const HINT: &str = "each entry is `- entityType: IP` with `fieldMappings:` listing \
                            `- identifier: Address` / `columnName: <result column>`";
        let items = match map.remove(KEY) {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(Value::Sequence(items)) => items,
            Some(v) => {
                return Err(self.err(
                    KEY,
                    None,
                    format!("expected a list, found {}", kind_of(&v)),
                    HINT,
                ));
            }
        };
        let mut out = Vec::new();
        let mut field_seen = 0;
        for (i, item) in items.iter().enumerate() {
            let at_entity = |msg: String| {
                self.err(
                    KEY,
                    Some((&format!("{KEY}[{i}].entityType"), "entityType", i)),
                    msg,
                    HINT,
                )
            };
            let Some(entity_type) = item.get("entityType").and_then(scalar_text) else {
                return Err(at_entity("the entry has no `entityType`".to_string()));
            };
            let fields = match item.get("fieldMappings") {
                Some(Value::Sequence(f)) if !f.is_empty() => f,
                _ => {
                    return Err(at_entity(format!(
                        "the `{entity_type}` entry has no `fieldMappings` list"
                    )));
                }
            };
            let mut field_mappings = Vec::new();
            for (j, f) in fields.iter().enumerate() {
                let identifier = f.get("identifier").and_then(scalar_text);
                let column = f.get("columnName").and_then(scalar_text);
                match (identifier, column) {
                    (Some(id), Some(col)) if !id.trim().is_empty() && !col.trim().is_empty() => {
                        field_mappings.push((id.trim().to_string(), col.trim().to_string()));
                    }
                    _ => {
                        let shown = format!("{KEY}[{i}].fieldMappings[{j}]");
                        return Err(self.err(
                            KEY,
                            Some((&shown, "identifier", field_seen)),
                            "a field mapping needs both `identifier` and `columnName`",
                            HINT,
                        ));
                    }
                }
                field_seen += 1;
            }
            out.push(EntityMapping {
                entity_type: entity_type.trim().to_string(),
                field_mappings,
            });
        }
        Ok(out)
    }

    fn custom_details(&self, map: &mut Mapping) -> Result<Vec<(String, String)>, SentinelError> {
        const KEY: &str = "customDetails";
        match map.remove(KEY) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Mapping(m)) => m
                .iter()
                .map(|(k, v)| match (scalar_text(k), scalar_text(v)) {
                    (Some(k), Some(v)) => Ok((k, v.trim().to_string())),
                    (k, _) => {
                        let k = k.unwrap_or_default();
                        Err(self.err(
                            KEY,
                            Some((&format!("{KEY}.{k}"), &k, 0)),
                            "a custom detail maps a key to one result column",
                            "write `Key: ColumnName`",
                        ))
                    }
                })
                .collect(),
            Some(v) => Err(self.err(
                KEY,
                None,
                format!("expected a mapping, found {}", kind_of(&v)),
                "write one `Key: ColumnName` per line below `customDetails:`",
            )),
        }
    }

    fn alert_details_override(
        &self,
        map: &mut Mapping,
    ) -> Result<Option<AlertDetailsOverride>, SentinelError> {
        const KEY: &str = "alertDetailsOverride";
        let m = match map.remove(KEY) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Mapping(m)) => m,
            Some(v) => {
                return Err(self.err(
                    KEY,
                    None,
                    format!("expected a mapping, found {}", kind_of(&v)),
                    "write `alertDisplayNameFormat:`, `alertDescriptionFormat:` ... below it",
                ));
            }
        };
        let text = |k: &str| -> Result<Option<String>, SentinelError> {
            match m.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => scalar_text(v).map(Some).ok_or_else(|| {
                    self.err(
                        KEY,
                        Some((&format!("{KEY}.{k}"), k, 0)),
                        format!("expected text, found {}", kind_of(v)),
                        "write a single value after the colon",
                    )
                }),
            }
        };
        let mut dynamic_properties = Vec::new();
        match m.get("alertDynamicProperties") {
            None | Some(Value::Null) => {}
            Some(Value::Sequence(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let prop = item.get("alertProperty").and_then(scalar_text);
                    let col = item.get("value").and_then(scalar_text);
                    match (prop, col) {
                        (Some(p), Some(c)) => dynamic_properties.push((p, c)),
                        _ => {
                            return Err(self.err(
                                KEY,
                                Some((
                                    &format!("{KEY}.alertDynamicProperties[{i}]"),
                                    "alertProperty",
                                    i,
                                )),
                                "an alert dynamic property needs `alertProperty` and `value`",
                                "write `- alertProperty: AlertLink` and `value: <result column>`",
                            ));
                        }
                    }
                }
            }
            Some(_) => {
                return Err(self.err(
                    KEY,
                    Some((
                        &format!("{KEY}.alertDynamicProperties"),
                        "alertDynamicProperties",
                        0,
                    )),
                    "expected a list",
                    "write `- alertProperty: <name>` / `value: <column>` entries",
                ));
            }
        }
        Ok(Some(AlertDetailsOverride {
            display_name_format: text("alertDisplayNameFormat")?,
            description_format: text("alertDescriptionFormat")?,
            severity_column: text("alertSeverityColumnName")?,
            tactics_column: text("alertTacticsColumnName")?,
            dynamic_properties,
        }))
    }

    fn aggregation_kind(&self, map: &mut Mapping) -> Result<AggregationKind, SentinelError> {
        const KEY: &str = "eventGroupingSettings";
        let Some(settings) = map.remove(KEY) else {
            return Ok(AggregationKind::SingleAlert);
        };
        let kind = settings.get("aggregationKind").and_then(scalar_text);
        match kind.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None => Ok(AggregationKind::SingleAlert),
            Some("singlealert") => Ok(AggregationKind::SingleAlert),
            Some("alertperresult") => Ok(AggregationKind::AlertPerResult),
            Some(_) => Err(self.err(
                KEY,
                Some((&format!("{KEY}.aggregationKind"), "aggregationKind", 0)),
                format!("`{}` is not an aggregation kind", kind.unwrap_or_default()),
                "write `SingleAlert` (one alert for all results) or `AlertPerResult`",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    const SEED: &str = include_str!("../tests/fixtures/UnusualUACryptoMiners.seed.yaml");

    fn rule(text: &str) -> Result<Rule, SentinelError> {
        Rule::from_yaml(text, Path::new("rule.yaml"))
    }

    #[test]
    fn seed_rule_fields() {
        let r = Rule::from_yaml(SEED, Path::new("seed.yaml")).unwrap();
        assert_eq!(r.id, "8cbc3215-fa58-4bd6-aaaa-f0029c351730");
        assert_eq!(r.severity, "Medium");
        assert_eq!(r.kind, RuleKind::Scheduled);
        assert_eq!(r.query_frequency, Some(15 * 60 * 1_000_000_000));
        assert_eq!(r.query_period, r.query_frequency);
        assert_eq!(r.trigger_operator, TriggerOperator::GreaterThan);
        assert_eq!(r.trigger_threshold, 0);
        assert_eq!(r.tactics, ["Impact"]);
        assert_eq!(r.relevant_techniques, ["T1496"]);
        assert!(r.query.starts_with("let threatCategory=\"Cryptominer\";\n"));
        assert_eq!((r.query_origin.line, r.query_origin.indent), (28, 4));
        assert_eq!(r.entity_mappings.len(), 3);
        assert_eq!(
            r.entity_mappings[2].field_mappings[2],
            ("UPNSuffix".to_string(), "AccountUPNSuffix".to_string())
        );
        let o = r.alert_details_override.as_ref().unwrap();
        assert_eq!(
            o.display_name_format.as_deref(),
            Some("The host {{SrcIpAddr}} is potentially running a crypto miner")
        );
        assert_eq!(r.aggregation_kind, AggregationKind::SingleAlert);
        assert!(r.custom_details.is_empty());
        assert_eq!(r.version, None);
        // unknown fields are kept
        let extra: Vec<&str> = r.extra.keys().filter_map(|k| k.as_str()).collect();
        assert_eq!(extra, ["tags", "requiredDataConnectors"]);
        // a position inside the query maps back to the file
        let at = r.query.find("_Im_WebSession(").unwrap();
        assert_eq!(r.locate_query(at), (35, 5));
        assert_eq!(
            SEED.lines().nth(34).unwrap().find("_Im_WebSession("),
            Some(4)
        );
    }

    #[test]
    fn operators_durations_and_defaults() {
        let r = rule(
            "id: x\nkind: NRT\nqueryFrequency: PT1H\nqueryPeriod: P1D\ntriggerOperator: NotEqual\n\
             triggerThreshold: '3'\nseverity: high\neventGroupingSettings:\n  aggregationKind: AlertPerResult\n\
             customDetails:\n  UA: HttpUserAgent\n  Ip: SrcIpAddr\nincidentConfiguration:\n  createIncident: true\n\
             query: T\n",
        )
        .unwrap();
        assert_eq!(r.kind, RuleKind::Nrt);
        assert_eq!(r.query_frequency, Some(3_600_000_000_000));
        assert_eq!(r.query_period, Some(86_400_000_000_000));
        assert_eq!(r.trigger_operator, TriggerOperator::NotEqual);
        assert_eq!(r.trigger_threshold, 3);
        assert_eq!(r.severity, "High");
        assert_eq!(r.name, "rule");
        assert_eq!(r.aggregation_kind, AggregationKind::AlertPerResult);
        assert_eq!(
            r.custom_details[1],
            ("Ip".to_string(), "SrcIpAddr".to_string())
        );
        assert!(r.extra.contains_key("incidentConfiguration"));
        assert_eq!((r.query_origin.line, r.query_origin.column), (15, 8));
        assert!(TriggerOperator::GreaterThan.holds(1, 0));
        assert!(!TriggerOperator::GreaterThan.holds(0, 0));
        assert!(TriggerOperator::LessThan.holds(0, 1));
        assert!(TriggerOperator::Equal.holds(2, 2));
    }

    fn err_text(text: &str) -> String {
        rule(text).unwrap_err().to_string()
    }

    #[test]
    fn errors_name_field_and_line() {
        insta::assert_snapshot!(err_text("id: x\nquery: T\nqueryFrequency: 15 mn\n"), @r"
        rule.yaml:3: `queryFrequency`: `15 mn` is not a duration: write a number and a unit (s, m, h or d), e.g. `5m`, `1h`, `14d`, or ISO 8601 such as `PT1H` or `P1D`
          = help: for example `queryFrequency: 5m`, `queryPeriod: 14d`
        ");
        insta::assert_snapshot!(err_text("id: x\nname: n\n  bad: indent\nquery: T\n"), @r"
        rule.yaml:3:6: not valid YAML: mapping values are not allowed in this context
          = help: fix the YAML at this place: check the indentation (spaces, not tabs), the `key: value` colons and the quoting
        ");
        insta::assert_snapshot!(err_text("id: x\nname: n\n"), @r"
        rule.yaml: the rule has no `query` field
          = help: add `query: |` followed by the KQL text indented below it; is this file an analytic rule?
        ");
        insta::assert_snapshot!(err_text("query: T\ntriggerOperator: bigger\n"), @r"
        rule.yaml:2: `triggerOperator`: `bigger` is not a trigger operator
          = help: write one of gt, lt, eq, ne (or GreaterThan, LessThan, Equal, NotEqual)
        ");
        insta::assert_snapshot!(err_text("query: T\nseverity: Urgent\n"), @r"
        rule.yaml:2: `severity`: `Urgent` is not a severity
          = help: write one of Informational, Low, Medium, High
        ");
        insta::assert_snapshot!(err_text("query: T\neventGroupingSettings:\n  aggregationKind: PerRow\n"), @r"
        rule.yaml:3: `eventGroupingSettings.aggregationKind`: `PerRow` is not an aggregation kind
          = help: write `SingleAlert` (one alert for all results) or `AlertPerResult`
        ");
        insta::assert_snapshot!(err_text(
            "query: T\nentityMappings:\n  - entityType: IP\n    fieldMappings:\n      - identifier: Address\n        columnName: A\n  - entityType: Host\n    fieldMappings:\n      - identifier: HostName\n"
        ), @r"
        rule.yaml:9: `entityMappings[1].fieldMappings[0]`: a field mapping needs both `identifier` and `columnName`
          = help: each entry is `- entityType: IP` with `fieldMappings:` listing `- identifier: Address` / `columnName: <result column>`
        ");
        insta::assert_snapshot!(err_text("query: T\ntriggerThreshold: many\n"), @r"
        rule.yaml:2: `triggerThreshold`: `many` is not a whole number
          = help: write the number of result rows to compare with, e.g. `0`
        ");
        insta::assert_snapshot!(err_text("- a\n- b\n"), @r"
        rule.yaml: the file is YAML but not an analytic rule: its top level is a list, not a mapping of fields
          = help: check that this is the right file
        ");
    }

    #[test]
    fn shared_rule_files_load() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/sentinel/rules");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            eprintln!("skipped: {} is absent", dir.display());
            return;
        };
        for e in entries {
            let path = e.unwrap().path();
            let r = Rule::from_file(&path).unwrap_or_else(|e| panic!("{e}"));
            assert!(!r.query.is_empty());
            let first_line = r.query.lines().next().unwrap();
            let src = std::fs::read_to_string(&path).unwrap();
            let (line, col) = r.locate_query(0);
            let text = src.lines().nth(line - 1).unwrap();
            assert_eq!(&text[col - 1..], first_line, "{}", path.display());
        }
    }
}
