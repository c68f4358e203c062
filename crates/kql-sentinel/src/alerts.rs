//! A rule's result rows → [`RuleOutcome`]: whether the rule triggers (result
//! count vs. threshold) and the alerts Sentinel would raise, shaped like
//! SecurityAlert rows (`AlertName`, `AlertSeverity`, `Entities`,
//! `ExtendedProperties` with `Custom Details`, ...), plus the source rows.
//!
//! As in Sentinel: `SingleAlert` makes one alert for all rows, its name and
//! description filled from the first row and its entities and custom
//! details gathered from every row; `AlertPerResult` makes one alert per row,
//! at most 150 (the 150th then summarises all rows). A format placeholder
//! whose column is empty makes that text fall back to the rule's default.

use std::fmt::Write as _;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::{Map, Value, json};

use crate::rule::{AggregationKind, Rule, RuleKind, severity_name};
use crate::time::{format_datetime, parse_datetime};

/// A query result: column names with their KQL type names (`""` when the
/// source had no types), and rows of JSON values as `kql run --format json`
/// prints them (datetimes and timespans as text, dynamic as JSON).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResultTable {
    pub columns: Vec<(String, String)>,
    pub rows: Vec<Vec<Value>>,
}

impl ResultTable {
    /// Position of the column named `name`.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|(n, _)| n == name)
    }
}

/// What one run of a rule produced.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RuleOutcome {
    pub rule_id: String,
    pub rule_name: String,
    /// Result row count compared with the threshold.
    pub triggered: bool,
    pub result_count: usize,
    /// The trigger condition as evaluated, e.g. `15 > 0`.
    pub trigger: String,
    /// Problems with the rule's mappings against this result (a mapped
    /// column that the result does not have, ...).
    pub warnings: Vec<String>,
    /// Empty when not triggered.
    pub alerts: Vec<Alert>,
}

/// One alert, serialised with SecurityAlert's field names plus `Rows`.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub alert_name: String,
    pub description: String,
    pub severity: String,
    pub tactics: Vec<String>,
    pub techniques: Vec<String>,
    /// Entities from the rule's entity mappings, without duplicates.
    pub entities: Vec<Entity>,
    /// `ExtendedProperties`: rule facts and `Custom Details` (key → list of values).
    pub extended_properties: Map<String, Value>,
    /// Other alert properties from `alertDynamicProperties` (`AlertLink`, ...).
    pub dynamic_properties: Vec<(String, Value)>,
    pub start_time: String,
    pub end_time: String,
    pub time_generated: String,
    pub provider_name: String,
    /// The rule id.
    pub alert_type: String,
    /// Deterministic GUID from rule id, `now` and the row index.
    pub system_alert_id: String,
    /// Column names of [`Alert::rows`].
    pub columns: Vec<String>,
    /// The result rows this alert is made of.
    pub rows: Vec<Vec<Value>>,
}

/// An alert entity; serialised as SecurityAlert.Entities does:
/// `{"Address": "10.0.0.1", "Type": "ip"}` (identifiers, then `Type`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    /// Lower-case SecurityAlert type name: `ip`, `account`, `cloud-application`, ...
    pub entity_type: String,
    /// (identifier, value) pairs in mapping order; only non-empty values.
    pub identifiers: Vec<(String, String)>,
}

impl Serialize for Entity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.identifiers.len() + 1))?;
        for (k, v) in &self.identifiers {
            m.serialize_entry(k, v)?;
        }
        m.serialize_entry("Type", &self.entity_type)?;
        m.end()
    }
}

/// A row as an object in column order (serde_json's map would sort keys).
struct RowObject<'a>(&'a [String], &'a [Value]);

impl Serialize for RowObject<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0.iter().zip(self.1) {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

struct Rows<'a>(&'a Alert);

impl Serialize for Rows<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.rows.iter().map(|r| RowObject(&self.0.columns, r)))
    }
}

impl Serialize for Alert {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        const FIXED: [&str; 15] = [
            "AlertName",
            "Description",
            "AlertSeverity",
            "Tactics",
            "Techniques",
            "Entities",
            "ExtendedProperties",
            "StartTime",
            "EndTime",
            "TimeGenerated",
            "ProviderName",
            "AlertType",
            "SystemAlertId",
            "Rows",
            "DisplayName",
        ];
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("AlertName", &self.alert_name)?;
        m.serialize_entry("Description", &self.description)?;
        m.serialize_entry("AlertSeverity", &self.severity)?;
        m.serialize_entry("Tactics", &self.tactics)?;
        m.serialize_entry("Techniques", &self.techniques)?;
        m.serialize_entry("Entities", &self.entities)?;
        m.serialize_entry("ExtendedProperties", &self.extended_properties)?;
        m.serialize_entry("StartTime", &self.start_time)?;
        m.serialize_entry("EndTime", &self.end_time)?;
        m.serialize_entry("TimeGenerated", &self.time_generated)?;
        m.serialize_entry("ProviderName", &self.provider_name)?;
        m.serialize_entry("AlertType", &self.alert_type)?;
        m.serialize_entry("SystemAlertId", &self.system_alert_id)?;
        for (k, v) in &self.dynamic_properties {
            if !FIXED.contains(&k.as_str()) {
                m.serialize_entry(k, v)?;
            }
        }
        m.serialize_entry("Rows", &Rows(self))?;
        m.end()
    }
}

/// Sentinel caps the alerts of one run; the last one summarises all rows.
const MAX_ALERTS: usize = 150;

const TACTICS: [&str; 17] = [
    "Reconnaissance",
    "ResourceDevelopment",
    "InitialAccess",
    "Execution",
    "Persistence",
    "PrivilegeEscalation",
    "DefenseEvasion",
    "CredentialAccess",
    "Discovery",
    "LateralMovement",
    "Collection",
    "Exfiltration",
    "CommandAndControl",
    "Impact",
    "PreAttack",
    "ImpairProcessControl",
    "InhibitResponseFunction",
];

/// The SecurityAlert `Entities` type name of a rule's `entityType`.
fn entity_type_name(t: &str) -> String {
    let known = [
        ("account", "account"),
        ("host", "host"),
        ("ip", "ip"),
        ("url", "url"),
        ("filehash", "filehash"),
        ("file", "file"),
        ("process", "process"),
        ("cloudapplication", "cloud-application"),
        ("dns", "dns"),
        ("azureresource", "azure-resource"),
        ("registrykey", "registry-key"),
        ("registryvalue", "registry-value"),
        ("securitygroup", "security-group"),
        ("mailbox", "mailbox"),
        ("mailcluster", "mail-cluster"),
        ("mailmessage", "mail-message"),
        ("submissionmail", "SubmissionMail"),
        ("malware", "malware"),
        ("iotdevice", "iotdevice"),
        ("networkconnection", "network-connection"),
    ];
    let key = t.to_ascii_lowercase().replace(['-', '_', ' '], "");
    known
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v.to_string())
        .unwrap_or(key)
}

/// Kusto `tostring()` of a result cell: null is empty, dynamic is compact JSON.
pub(crate) fn cell_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// Evaluates `rule` on its query `result` at time `now_iso` (the run's
/// `now()`, ISO 8601).
pub fn evaluate(rule: &Rule, result: &ResultTable, now_iso: &str) -> RuleOutcome {
    let count = result.rows.len();
    let (op, threshold) = match rule.kind {
        // NRT rules alert on any result.
        RuleKind::Nrt => (crate::rule::TriggerOperator::GreaterThan, 0),
        RuleKind::Scheduled => (rule.trigger_operator, rule.trigger_threshold),
    };
    let triggered = op.holds(count as u64, threshold);
    let now = parse_datetime(now_iso)
        .map(|i| format_datetime(i.nanos))
        .unwrap_or_else(|| now_iso.to_string());
    let mut builder = Builder {
        rule,
        result,
        now: &now,
        warnings: Vec::new(),
    };
    builder.check_columns();
    let mut alerts = Vec::new();
    if triggered {
        let all: Vec<usize> = (0..count).collect();
        match rule.aggregation_kind {
            // (an `lt`/`eq` rule can trigger on no rows: one alert without rows)
            _ if count == 0 => alerts.push(builder.alert(&all, "all")),
            AggregationKind::SingleAlert => alerts.push(builder.alert(&all, "all")),
            AggregationKind::AlertPerResult if count > MAX_ALERTS => {
                for i in 0..MAX_ALERTS - 1 {
                    alerts.push(builder.alert(&[i], &i.to_string()));
                }
                alerts.push(builder.alert(&all, "summary"));
            }
            AggregationKind::AlertPerResult => {
                for i in 0..count {
                    alerts.push(builder.alert(&[i], &i.to_string()));
                }
            }
        }
    }
    RuleOutcome {
        rule_id: rule.id.clone(),
        rule_name: rule.name.clone(),
        triggered,
        result_count: count,
        trigger: format!("{count} {} {threshold}", op.symbol()),
        warnings: builder.warnings,
        alerts,
    }
}

struct Builder<'a> {
    rule: &'a Rule,
    result: &'a ResultTable,
    now: &'a str,
    warnings: Vec<String>,
}

impl Builder<'_> {
    /// Warns about mapped columns the result does not have.
    fn check_columns(&mut self) {
        let r = self.rule;
        let mut wanted: Vec<(String, &str)> = Vec::new();
        for m in &r.entity_mappings {
            for (id, col) in &m.field_mappings {
                wanted.push((format!("entity mapping {}.{id}", m.entity_type), col));
            }
        }
        for (k, col) in &r.custom_details {
            wanted.push((format!("custom detail `{k}`"), col));
        }
        if let Some(o) = &r.alert_details_override {
            for (what, col) in [
                ("alertSeverityColumnName", &o.severity_column),
                ("alertTacticsColumnName", &o.tactics_column),
            ] {
                if let Some(col) = col {
                    wanted.push((what.to_string(), col));
                }
            }
            for (p, col) in &o.dynamic_properties {
                wanted.push((format!("alert property {p}"), col));
            }
        }
        for (what, col) in wanted {
            if self.result.column_index(col).is_none() {
                self.warnings.push(format!(
                    "{what} uses the column `{col}`, which the query result does not have; \
                     add it to the query's output or fix the rule's mapping"
                ));
            }
        }
    }

    fn cell(&self, row: usize, col: &str) -> Option<&Value> {
        self.result
            .column_index(col)
            .and_then(|i| self.result.rows.get(row).and_then(|r| r.get(i)))
    }

    fn text(&self, row: usize, col: &str) -> String {
        self.cell(row, col).map(cell_text).unwrap_or_default()
    }

    /// `{{Column}}` placeholders filled from `row`; `None` when a named
    /// column is empty (Sentinel then uses the rule's default text).
    fn fill(&self, format: &str, row: Option<usize>) -> Option<String> {
        let mut out = String::new();
        let mut rest = format;
        while let Some(start) = rest.find("{{") {
            let Some(len) = rest[start + 2..].find("}}") else {
                break;
            };
            let name = rest[start + 2..start + 2 + len].trim();
            out.push_str(&rest[..start]);
            match (row, self.result.column_index(name)) {
                (Some(r), Some(_)) => {
                    let value = self.text(r, name);
                    if value.is_empty() {
                        return None;
                    }
                    out.push_str(&value);
                }
                // no row to fill a known column from: the default text
                (None, Some(_)) => return None,
                (_, None) => out.push_str(&rest[start..start + 2 + len + 2]),
            }
            rest = &rest[start + 2 + len + 2..];
        }
        out.push_str(rest);
        Some(out)
    }

    fn alert(&self, rows: &[usize], key: &str) -> Alert {
        let r = self.rule;
        let first = rows.first().copied();
        let o = r.alert_details_override.clone().unwrap_or_default();
        let alert_name = o
            .display_name_format
            .as_deref()
            .and_then(|f| self.fill(f, first))
            .unwrap_or_else(|| r.name.clone());
        let description = o
            .description_format
            .as_deref()
            .and_then(|f| self.fill(f, first))
            .unwrap_or_else(|| r.description.clone());
        let severity = o
            .severity_column
            .as_deref()
            .zip(first)
            .and_then(|(c, row)| severity_name(&self.text(row, c)))
            .map(str::to_string)
            .unwrap_or_else(|| r.severity.clone());
        let tactics = o
            .tactics_column
            .as_deref()
            .zip(first)
            .map(|(c, row)| parse_tactics(&self.text(row, c)))
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| r.tactics.clone());
        let mut techniques = r.relevant_techniques.clone();
        let mut provider_name = "kql".to_string();
        let mut dynamic_properties = Vec::new();
        for (prop, col) in &o.dynamic_properties {
            let Some(row) = first else { break };
            let value = self.text(row, col);
            if value.is_empty() {
                continue;
            }
            match prop.as_str() {
                "ProviderName" => provider_name = value,
                "Techniques" => techniques = split_list(&value),
                _ => dynamic_properties.push((prop.clone(), Value::String(value))),
            }
        }
        let (start_time, end_time) = self.time_range(rows);
        Alert {
            alert_name,
            description,
            severity,
            tactics,
            techniques,
            entities: self.entities(rows),
            extended_properties: self.extended_properties(rows),
            dynamic_properties,
            start_time,
            end_time,
            time_generated: self.now.to_string(),
            provider_name,
            alert_type: r.id.clone(),
            system_alert_id: guid(&format!("{}\u{0}{}\u{0}{key}", r.id, self.now)),
            columns: self.result.columns.iter().map(|(n, _)| n.clone()).collect(),
            rows: rows.iter().map(|&i| self.result.rows[i].clone()).collect(),
        }
    }

    fn time_range(&self, rows: &[usize]) -> (String, String) {
        let times: Vec<i64> = rows
            .iter()
            .filter_map(|&i| self.cell(i, "TimeGenerated"))
            .filter_map(|v| v.as_str().and_then(parse_datetime))
            .map(|t| t.nanos)
            .collect();
        match (times.iter().min(), times.iter().max()) {
            (Some(&lo), Some(&hi)) => (format_datetime(lo), format_datetime(hi)),
            _ => (self.now.to_string(), self.now.to_string()),
        }
    }

    fn entities(&self, rows: &[usize]) -> Vec<Entity> {
        let mut out: Vec<Entity> = Vec::new();
        for &row in rows {
            for m in &self.rule.entity_mappings {
                let identifiers: Vec<(String, String)> = m
                    .field_mappings
                    .iter()
                    .map(|(id, col)| (id.clone(), self.text(row, col)))
                    .filter(|(_, v)| !v.is_empty())
                    .collect();
                if identifiers.is_empty() {
                    continue;
                }
                let e = Entity {
                    entity_type: entity_type_name(&m.entity_type),
                    identifiers,
                };
                if !out.contains(&e) {
                    out.push(e);
                }
            }
        }
        out
    }

    fn extended_properties(&self, rows: &[usize]) -> Map<String, Value> {
        let r = self.rule;
        let mut p = Map::new();
        p.insert("Analytic Rule Ids".into(), json!([r.id]));
        p.insert("Analytic Rule Name".into(), json!(r.name));
        let grouping = match r.aggregation_kind {
            AggregationKind::SingleAlert => "SingleAlert",
            AggregationKind::AlertPerResult => "AlertPerResult",
        };
        p.insert("Event Grouping".into(), json!(grouping));
        p.insert(
            "Search Query Results Overall Count".into(),
            json!(self.result.rows.len().to_string()),
        );
        if let Some(period) = r.query_period {
            p.insert(
                "Query Period".into(),
                json!(kql_syntax::format_timespan(period / 100)),
            );
        }
        p.insert(
            "Trigger Operator".into(),
            json!(format!("{:?}", r.trigger_operator)),
        );
        p.insert(
            "Trigger Threshold".into(),
            json!(r.trigger_threshold.to_string()),
        );
        if !r.custom_details.is_empty() {
            let mut details = Map::new();
            for (key, col) in &r.custom_details {
                let values: Vec<Value> = rows
                    .iter()
                    .map(|&i| self.text(i, col))
                    .filter(|v| !v.is_empty())
                    .map(Value::String)
                    .collect();
                if !values.is_empty() {
                    details.insert(key.clone(), Value::Array(values));
                }
            }
            p.insert("Custom Details".into(), Value::Object(details));
        }
        p
    }
}

/// A list written as a JSON array or separated by commas.
fn split_list(s: &str) -> Vec<String> {
    if let Ok(Value::Array(items)) = serde_json::from_str::<Value>(s) {
        return items
            .iter()
            .map(cell_text)
            .filter(|t| !t.is_empty())
            .collect();
    }
    s.split(',')
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

/// The valid tactics in a column value (canonical spelling); invalid ones dropped.
fn parse_tactics(s: &str) -> Vec<String> {
    split_list(s)
        .iter()
        .filter_map(|t| {
            let t = t.replace(' ', "");
            TACTICS.iter().find(|k| k.eq_ignore_ascii_case(&t))
        })
        .map(|t| t.to_string())
        .collect()
}

/// A GUID-shaped, deterministic id: two FNV-1a 64-bit hashes of `key`.
pub fn guid(key: &str) -> String {
    let fnv = |seed: u64| {
        key.bytes().fold(seed, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    };
    let hi = fnv(0xcbf2_9ce4_8422_2325);
    let lo = fnv(0x8422_2325_cbf2_9ce4 ^ hi);
    let hi = (hi & 0xffff_ffff_ffff_0fff) | 0x5000; // version 5 nibble
    let lo = (lo & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000; // RFC 4122 variant
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

/// A human-readable summary: the trigger decision, then each alert with
/// its severity, time range, tactics, entities and custom details (the
/// first 20 alerts), then the warnings.
pub fn render_text(outcome: &RuleOutcome) -> String {
    const SHOWN: usize = 20;
    let mut out = String::new();
    let _ = writeln!(out, "rule: {} ({})", outcome.rule_name, outcome.rule_id);
    let verdict = if outcome.triggered {
        format!(
            "TRIGGERED, {} alert{}",
            outcome.alerts.len(),
            if outcome.alerts.len() == 1 { "" } else { "s" }
        )
    } else {
        "not triggered, no alerts".to_string()
    };
    let _ = writeln!(
        out,
        "results: {} row{}; trigger {}: {verdict}",
        outcome.result_count,
        if outcome.result_count == 1 { "" } else { "s" },
        outcome.trigger
    );
    for (i, a) in outcome.alerts.iter().take(SHOWN).enumerate() {
        let _ = writeln!(out, "\nalert {}: {} [{}]", i + 1, a.alert_name, a.severity);
        let _ = writeln!(out, "  id:          {}", a.system_alert_id);
        let _ = writeln!(out, "  time:        {} .. {}", a.start_time, a.end_time);
        if !a.tactics.is_empty() || !a.techniques.is_empty() {
            let _ = writeln!(
                out,
                "  tactics:     {}{}",
                a.tactics.join(", "),
                if a.techniques.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", a.techniques.join(", "))
                }
            );
        }
        let _ = writeln!(out, "  description: {}", a.description);
        for e in &a.entities {
            let fields: Vec<String> = e
                .identifiers
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let _ = writeln!(out, "  entity:      {} {}", e.entity_type, fields.join(" "));
        }
        if let Some(Value::Object(details)) = a.extended_properties.get("Custom Details") {
            for (k, v) in details {
                let values: Vec<String> = v
                    .as_array()
                    .map(|a| a.iter().map(cell_text).collect())
                    .unwrap_or_default();
                let _ = writeln!(out, "  detail:      {k} = {}", values.join(", "));
            }
        }
        let _ = writeln!(out, "  rows:        {}", a.rows.len());
    }
    if outcome.alerts.len() > SHOWN {
        let _ = writeln!(
            out,
            "\n... {} more alerts (use the JSON output to see all)",
            outcome.alerts.len() - SHOWN
        );
    }
    for w in &outcome.warnings {
        let _ = writeln!(out, "\nwarning: {w}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const SEED: &str = include_str!("../tests/fixtures/UnusualUACryptoMiners.seed.yaml");
    const NOW: &str = "2026-06-20T00:00:00Z";

    fn seed() -> Rule {
        Rule::from_yaml(SEED, Path::new("seed.yaml")).unwrap()
    }

    /// Rows shaped like the seed rule's output.
    fn result() -> ResultTable {
        let cols = [
            ("SrcIpAddr", "string"),
            ("Url", "string"),
            ("TimeGenerated", "datetime"),
            ("HttpUserAgent", "string"),
            ("SrcUsername", "string"),
            ("N_Events", "long"),
            ("AccountName", "string"),
            ("AccountUPNSuffix", "string"),
        ];
        ResultTable {
            columns: cols
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect(),
            rows: vec![
                vec![
                    json!("10.1.0.7"),
                    json!("http://pool.example/x"),
                    json!("2026-06-19T12:37:52.521Z"),
                    json!("XMRig/6.21"),
                    json!("alice@contoso.com"),
                    json!(3),
                    json!("alice"),
                    json!("contoso.com"),
                ],
                vec![
                    json!("10.1.0.8"),
                    json!("http://pool.example/y"),
                    json!("2026-06-18T01:00:00Z"),
                    json!("ccminer/2.3"),
                    json!(""),
                    json!(1),
                    json!(""),
                    json!(""),
                ],
            ],
        }
    }

    #[test]
    fn single_alert_uses_first_row_and_gathers_entities() {
        let mut rule = seed();
        rule.custom_details = vec![("UserAgent".into(), "HttpUserAgent".into())];
        let out = evaluate(&rule, &result(), NOW);
        assert!(out.triggered);
        assert_eq!(out.alerts.len(), 1);
        let json = serde_json::to_string_pretty(&out.alerts[0]).unwrap();
        insta::assert_snapshot!("single_alert_json", json);
        insta::assert_snapshot!("single_alert_text", render_text(&out));
    }

    #[test]
    fn alert_per_result_one_alert_per_row() {
        let mut rule = seed();
        rule.aggregation_kind = AggregationKind::AlertPerResult;
        rule.custom_details = vec![("UserAgent".into(), "HttpUserAgent".into())];
        let out = evaluate(&rule, &result(), NOW);
        assert_eq!(out.alerts.len(), 2);
        let a = &out.alerts[1];
        assert_eq!(
            a.alert_name,
            "The host 10.1.0.8 is potentially running a crypto miner"
        );
        // the account entity is dropped (its columns are empty)
        let types: Vec<&str> = a.entities.iter().map(|e| e.entity_type.as_str()).collect();
        assert_eq!(types, ["url", "ip"]);
        assert_eq!(a.start_time, "2026-06-18T01:00:00Z");
        assert_eq!(a.rows.len(), 1);
        assert_eq!(
            a.extended_properties["Custom Details"],
            json!({"UserAgent": ["ccminer/2.3"]})
        );
        assert_ne!(out.alerts[0].system_alert_id, a.system_alert_id);
        // deterministic
        assert_eq!(
            evaluate(&rule, &result(), NOW).alerts[1].system_alert_id,
            a.system_alert_id
        );
        insta::assert_snapshot!(a.system_alert_id, @"ca03708c-637b-5cbc-b92c-0c7e928d8873");
    }

    #[test]
    fn thresholds_overrides_and_caps() {
        let mut rule = seed();
        rule.trigger_threshold = 2;
        let out = evaluate(&rule, &result(), NOW);
        assert!(!out.triggered && out.alerts.is_empty());
        assert_eq!(out.trigger, "2 > 2");
        insta::assert_snapshot!(render_text(&out), @r"
        rule: A host is potentially running a crypto miner (ASIM Web Session schema) (8cbc3215-fa58-4bd6-aaaa-f0029c351730)
        results: 2 rows; trigger 2 > 2: not triggered, no alerts
        ");

        // severity / tactics columns, an empty placeholder, an unknown placeholder
        let mut rule = seed();
        let o = rule.alert_details_override.as_mut().unwrap();
        o.severity_column = Some("Sev".into());
        o.tactics_column = Some("Tac".into());
        o.display_name_format = Some("{{Nope}} from {{SrcIpAddr}}".into());
        o.description_format = Some("user {{SrcUsername}}".into());
        o.dynamic_properties = vec![("AlertLink".into(), "Url".into())];
        let mut t = result();
        t.columns.push(("Sev".into(), "string".into()));
        t.columns.push(("Tac".into(), "string".into()));
        t.rows[0].extend([json!("high"), json!("initialaccess, Bogus, Persistence")]);
        t.rows[1].extend([json!("weird"), json!("")]);
        rule.aggregation_kind = AggregationKind::AlertPerResult;
        let out = evaluate(&rule, &t, NOW);
        let (a, b) = (&out.alerts[0], &out.alerts[1]);
        assert_eq!(a.alert_name, "{{Nope}} from 10.1.0.7");
        assert_eq!(a.description, "user alice@contoso.com");
        assert_eq!(
            b.description, rule.description,
            "empty column → default text"
        );
        assert_eq!(
            (a.severity.as_str(), b.severity.as_str()),
            ("High", "Medium")
        );
        assert_eq!(a.tactics, ["InitialAccess", "Persistence"]);
        assert_eq!(b.tactics, ["Impact"]);
        assert_eq!(
            a.dynamic_properties,
            [("AlertLink".to_string(), json!("http://pool.example/x"))]
        );

        // a rule triggering on an empty result: one alert with the default texts
        rule.trigger_operator = crate::rule::TriggerOperator::LessThan;
        rule.trigger_threshold = 1;
        let empty = ResultTable {
            columns: t.columns.clone(),
            rows: Vec::new(),
        };
        let out = evaluate(&rule, &empty, NOW);
        assert_eq!(out.alerts.len(), 1);
        assert_eq!(out.alerts[0].alert_name, rule.name);
        assert_eq!(out.alerts[0].start_time, "2026-06-20T00:00:00Z");
        rule.trigger_operator = crate::rule::TriggerOperator::GreaterThan;
        rule.trigger_threshold = 0;

        // more than 150 rows per result: 149 alerts + one summary
        let mut big = result();
        big.rows = (0..200).map(|_| result().rows[0].clone()).collect();
        let out = evaluate(&rule, &big, NOW);
        assert_eq!(out.alerts.len(), 150);
        assert_eq!(out.alerts[149].rows.len(), 200);
    }

    #[test]
    fn missing_columns_are_warned_and_nrt_triggers_on_any_row() {
        let mut rule = seed();
        rule.kind = RuleKind::Nrt;
        rule.trigger_threshold = 100;
        let t = ResultTable {
            columns: vec![("SrcIpAddr".into(), "string".into())],
            rows: vec![vec![json!("1.2.3.4")]],
        };
        let out = evaluate(&rule, &t, "not a time");
        assert!(out.triggered);
        assert_eq!(out.alerts[0].time_generated, "not a time");
        assert_eq!(out.warnings.len(), 4, "{:#?}", out.warnings);
        assert!(out.warnings[0].starts_with("entity mapping URL.Url uses the column `Url`"));
        assert_eq!(entity_type_name("CloudApplication"), "cloud-application");
        assert_eq!(entity_type_name("FileHash"), "filehash");
    }
}
