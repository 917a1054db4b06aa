//! `sarif`: SARIF 2.1.0, as GitHub code scanning reads it.
//!
//! One run whose `tool.driver.rules` describes every rule and built-in code, and one
//! result per finding: its rule, level, message (with the help appended), primary
//! location relative to the repository root (`uriBaseId` `%SRCROOT%`: the workspace
//! root's path in the repository, the `prefix`, comes first), secondary labels
//! as `relatedLocations`, and `partialFingerprints` from [`super::baseline`], which
//! survive unrelated edits. Columns count Unicode code points, as Charter's do, and the
//! run says so (`columnKind`), since SARIF's default is UTF-16 code units.
//!
//! The types below are the subset of the SARIF object model Charter writes, as plain
//! serde structs: the official schema validates the output in `tests/ci_formats.rs`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::baseline::fingerprints;
use super::locate;
use crate::diagnostic::{BuiltinCode, Diagnostic, Label, Severity};
use crate::model::Workspace;
use crate::source::SourceMap;
use crate::syntax::ast;

/// The `uriBaseId` of the repository root; GitHub resolves it to the checkout.
pub const SOURCE_ROOT: &str = "%SRCROOT%";
/// The `uriBaseId` of the embedded std library, which is in no repository.
pub const STD_ROOT: &str = "CHARTER_STD";
/// The key of Charter's fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "charterFinding/v1";

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://example.invalid/charter";

/// What SARIF says about one rule or built-in code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleDescriptor {
    /// The code findings carry: `project_has_sponsor`, `charter::syntax`.
    pub id: String,
    /// The severity after `charter.toml`; `None` when the rule is turned off.
    pub severity: Option<Severity>,
    pub summary: Option<String>,
    /// The rule's `///` documentation (a built-in code's explanation).
    pub doc: Option<String>,
    /// The rule's `help:`.
    pub help: Option<String>,
    pub url: Option<String>,
    /// A rule of the built-in `std` library or a built-in code.
    pub builtin: bool,
}

impl RuleDescriptor {
    /// Every built-in code and every rule of the workspace, std included.
    pub fn of_workspace(workspace: &Workspace) -> Vec<RuleDescriptor> {
        let level = |code: &str, default: Severity| match workspace.config.level(code) {
            Some(level) => level.severity(),
            None => Some(default),
        };
        let mut descriptors: Vec<RuleDescriptor> = BuiltinCode::ALL
            .into_iter()
            .map(|code| {
                let explanation = code.explanation();
                RuleDescriptor {
                    id: code.as_str().to_string(),
                    severity: if code == BuiltinCode::Syntax {
                        Some(Severity::Error)
                    } else {
                        level(code.as_str(), code.default_severity())
                    },
                    summary: Some(first_sentence(explanation)),
                    doc: Some(explanation.to_string()),
                    help: None,
                    url: None,
                    builtin: true,
                }
            })
            .collect();
        // `help:` is not in the rule catalog; it is read from the declaration.
        let helps: BTreeMap<&str, &str> = workspace
            .rules()
            .filter_map(|(_, rule)| {
                let help = rule.settings.iter().find(|field| field.name.name == "help")?;
                match &help.value.kind {
                    ast::ValueKind::String(text) => Some((rule.name.name.as_str(), text.as_str())),
                    _ => None,
                }
            })
            .collect();
        for rule in crate::rules::catalog(workspace) {
            descriptors.push(RuleDescriptor {
                help: helps.get(rule.name.as_str()).map(|help| (*help).to_string()),
                id: rule.name,
                severity: rule.severity.severity(),
                summary: rule.summary,
                doc: rule.doc,
                url: rule.url,
                builtin: rule.std,
            });
        }
        descriptors
    }
}

/// The first sentence of a text, for a short description.
fn first_sentence(text: &str) -> String {
    match text.find(". ") {
        Some(end) => text.get(..=end).unwrap_or(text).trim().to_string(),
        None => text.trim().to_string(),
    }
}

/// The SARIF log of `diagnostics` as pretty-printed JSON, with a final newline.
/// The SARIF log of `diagnostics`, as text. File paths are `prefix` (the workspace root's
/// path from the repository root, `""` when they are the same) joined with each file's
/// path from the workspace root.
pub fn render(
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
    rules: &[RuleDescriptor],
    prefix: &str,
) -> String {
    let mut text =
        serde_json::to_string_pretty(&log(sources, diagnostics, rules, prefix)).unwrap_or_default();
    text.push('\n');
    text
}

/// The SARIF log of `diagnostics`.
pub fn log(sources: &SourceMap, diagnostics: &[Diagnostic], rules: &[RuleDescriptor], prefix: &str) -> Log {
    let mut descriptors: Vec<ReportingDescriptor> = rules.iter().map(descriptor).collect();
    let mut index: BTreeMap<String, usize> =
        descriptors.iter().enumerate().map(|(position, rule)| (rule.id.clone(), position)).collect();
    // A finding whose code the catalog does not know still gets a descriptor, so that
    // every result's `ruleIndex` is valid.
    for diagnostic in diagnostics {
        let code = diagnostic.code.as_str();
        if !index.contains_key(code) {
            index.insert(code.to_string(), descriptors.len());
            descriptors.push(descriptor(&RuleDescriptor {
                id: code.to_string(),
                severity: Some(diagnostic.severity),
                summary: None,
                doc: None,
                help: None,
                url: diagnostic.url.clone(),
                builtin: diagnostic.builtin_code().is_some(),
            }));
        }
    }
    let results = diagnostics
        .iter()
        .zip(fingerprints(sources, diagnostics))
        .map(|(diagnostic, fingerprint)| {
            result(sources, prefix, diagnostic, fingerprint, index.get(diagnostic.code.as_str()).copied())
        })
        .collect();
    Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: ToolComponent {
                    name: "charter",
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules: descriptors,
                },
            },
            column_kind: "unicodeCodePoints",
            results,
        }],
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn descriptor(rule: &RuleDescriptor) -> ReportingDescriptor {
    let summary = rule.summary.clone().unwrap_or_else(|| format!("`{}`", rule.id));
    let full = rule.doc.clone().unwrap_or_else(|| summary.clone());
    let mut help_text = full.clone();
    // A built-in code's summary is the first sentence of its documentation: say it once.
    let mut help_markdown =
        if full.starts_with(&summary) { full.clone() } else { format!("**{summary}**\n\n{full}") };
    if let Some(help) = &rule.help {
        help_text.push_str(&format!("\n\nHow to fix: {help}"));
        help_markdown.push_str(&format!("\n\n**How to fix:** {help}"));
    }
    if let Some(url) = &rule.url {
        help_markdown.push_str(&format!("\n\n[Documentation]({url})"));
    }
    help_markdown.push_str(&format!("\n\nRun `charter explain {}` for details.", rule.id));
    ReportingDescriptor {
        id: rule.id.clone(),
        short_description: Text { text: summary },
        full_description: Text { text: full },
        help: Help { text: help_text, markdown: help_markdown },
        help_uri: rule.url.clone(),
        default_configuration: Configuration {
            enabled: rule.severity.is_some(),
            level: rule.severity.map_or("none", level),
        },
        properties: Properties {
            tags: vec![if rule.builtin && rule.id.contains("::") {
                "charter-language"
            } else {
                "portfolio-governance"
            }],
        },
    }
}

fn result(
    sources: &SourceMap,
    prefix: &str,
    diagnostic: &Diagnostic,
    fingerprint: String,
    rule_index: Option<usize>,
) -> SarifResult {
    let mut message = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        message.push_str(&format!("\n\nhelp: {help}"));
    }
    let primary = location(sources, prefix, &diagnostic.primary, None);
    let related = diagnostic
        .secondary
        .iter()
        .enumerate()
        .map(|(position, label)| location(sources, prefix, label, Some(position + 1)))
        .collect();
    let logical = diagnostic
        .entity
        .iter()
        .map(|entity| LogicalLocation {
            name: entity.rsplit('.').next().unwrap_or(entity).to_string(),
            fully_qualified_name: entity.clone(),
        })
        .collect();
    SarifResult {
        rule_id: diagnostic.code.as_str().to_string(),
        rule_index,
        level: level(diagnostic.severity),
        message: Text { text: message },
        locations: vec![Location { logical_locations: logical, ..primary }],
        related_locations: related,
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, fingerprint)]),
    }
}

fn location(sources: &SourceMap, prefix: &str, label: &Label, id: Option<usize>) -> Location {
    let (file, start, end) = locate(sources, label.span);
    let (uri, base) = match file.strip_prefix("<std>/") {
        Some(rest) => (encode_uri(rest), STD_ROOT),
        None => (encode_uri(&super::repository_path(prefix, &file)), SOURCE_ROOT),
    };
    Location {
        id,
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation { uri, uri_base_id: base },
            region: Region {
                start_line: start.line,
                start_column: start.column,
                end_line: end.line,
                end_column: end.column,
            },
        },
        logical_locations: Vec::new(),
        message: label.message.clone().map(|text| Text { text }),
    }
}

/// Percent-encodes what may not appear in a relative URI reference path.
fn encode_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `sarifLog`.
#[derive(Serialize)]
pub struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: ToolComponent,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ToolComponent {
    name: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    default_configuration: Configuration,
    properties: Properties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    enabled: bool,
    level: &'static str,
}

#[derive(Serialize)]
struct Properties {
    tags: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    fully_qualified_name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded_paths() {
        assert_eq!(encode_uri("portfolio/projects.charter"), "portfolio/projects.charter");
        assert_eq!(encode_uri("my dir/é.charter"), "my%20dir/%C3%A9.charter");
    }

    #[test]
    fn short_descriptions_are_first_sentences() {
        assert_eq!(first_sentence("A thing. More text."), "A thing.");
        assert_eq!(first_sentence("Only one"), "Only one");
    }
}
