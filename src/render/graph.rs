//! `charter graph`: the alignment graph, objectives → projects → metrics, as Mermaid or
//! Graphviz DOT.
//!
//! Edges: an objective to its child objectives (`parent`), an objective to the projects
//! that support it (`supports`), a project to its KPIs (`kpis`), and, dashed, an
//! objective to the metrics that measure it (`measured_by`). Entities with findings are
//! drawn with a red (errors) or amber (warnings) border, and their label says how many,
//! so the highlight does not rely on color alone. `--focus ID` keeps one entity and its
//! direct neighbours.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use crate::diagnostic::{Diagnostic, Severity, did_you_mean};
use crate::model::value::Value;
use crate::model::{EntityId, Portfolio};

/// The output language of `charter graph`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphFormat {
    Mermaid,
    Dot,
}

/// The kinds the graph shows, in the order it lays them out.
const KINDS: [&str; 3] = ["objective", "project", "metric"];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum EdgeKind {
    Parent,
    Supports,
    Kpi,
    MeasuredBy,
}

struct Node {
    id: String,
    kind: &'static str,
    title: String,
    errors: usize,
    warnings: usize,
}

/// The graph of `portfolio`, highlighting the entities `findings` are about. An unknown
/// `focus` (or one that is not an objective, project or metric) is an error sentence.
pub fn render(
    portfolio: &Portfolio,
    findings: &[Diagnostic],
    format: GraphFormat,
    focus: Option<&str>,
) -> Result<String, String> {
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for finding in findings {
        if let Some(entity) = &finding.entity {
            let count = counts.entry(entity.as_str()).or_default();
            match finding.severity {
                Severity::Error => count.0 += 1,
                Severity::Warning => count.1 += 1,
                Severity::Info => {}
            }
        }
    }
    let mut nodes: BTreeMap<EntityId, Node> = BTreeMap::new();
    for kind in KINDS {
        for id in portfolio.of_kind(kind) {
            let Some(entity) = portfolio.entity(*id).filter(|entity| !entity.in_test && !entity.broken)
            else {
                continue;
            };
            let (errors, warnings) = counts.get(entity.id.as_str()).copied().unwrap_or_default();
            nodes.insert(
                *id,
                Node {
                    id: entity.id.clone(),
                    kind,
                    title: entity.display_title().to_string(),
                    errors,
                    warnings,
                },
            );
        }
    }
    let mut edges: BTreeSet<(EntityId, EntityId, EdgeKind)> = BTreeSet::new();
    for (id, node) in &nodes {
        let targets = |field: &str| -> Vec<EntityId> {
            portfolio
                .get(*id, field)
                .as_list()
                .iter()
                .filter_map(Value::as_entity)
                .filter(|target| nodes.contains_key(target))
                .collect()
        };
        match node.kind {
            "objective" => {
                if let Some(parent) = portfolio.get(*id, "parent").as_entity()
                    && nodes.get(&parent).is_some_and(|parent| parent.kind == "objective")
                {
                    edges.insert((parent, *id, EdgeKind::Parent));
                }
                for metric in targets("measured_by") {
                    edges.insert((*id, metric, EdgeKind::MeasuredBy));
                }
            }
            "project" => {
                for objective in targets("supports") {
                    if nodes.get(&objective).is_some_and(|node| node.kind == "objective") {
                        edges.insert((objective, *id, EdgeKind::Supports));
                    }
                }
                for metric in targets("kpis") {
                    edges.insert((*id, metric, EdgeKind::Kpi));
                }
            }
            _ => {}
        }
    }
    let mut focused = None;
    if let Some(wanted) = focus {
        let Some(center) = nodes.iter().find(|(_, node)| node.id == wanted).map(|(id, _)| *id) else {
            let mut message = format!("`{wanted}` is no objective, project or metric of the portfolio");
            if let Some(hint) = did_you_mean(wanted, nodes.values().map(|node| node.id.as_str())) {
                message.push_str("; ");
                message.push_str(&hint);
            }
            return Err(message);
        };
        let mut keep: BTreeSet<EntityId> = BTreeSet::from([center]);
        for (from, to, _) in &edges {
            if *from == center {
                keep.insert(*to);
            }
            if *to == center {
                keep.insert(*from);
            }
        }
        nodes.retain(|id, _| keep.contains(id));
        edges.retain(|(from, to, _)| keep.contains(from) && keep.contains(to));
        focused = Some(center);
    }
    Ok(match format {
        GraphFormat::Mermaid => mermaid(&nodes, &edges, focused),
        GraphFormat::Dot => dot(&nodes, &edges, focused),
    })
}

fn findings_text(node: &Node) -> Option<String> {
    let plural = |count: usize, word: &str| format!("{count} {word}{}", if count == 1 { "" } else { "s" });
    match (node.errors, node.warnings) {
        (0, 0) => None,
        (errors, 0) => Some(plural(errors, "error")),
        (0, warnings) => Some(plural(warnings, "warning")),
        (errors, warnings) => Some(format!("{}, {}", plural(errors, "error"), plural(warnings, "warning"))),
    }
}

fn mermaid(
    nodes: &BTreeMap<EntityId, Node>,
    edges: &BTreeSet<(EntityId, EntityId, EdgeKind)>,
    focus: Option<EntityId>,
) -> String {
    let mut out = String::from("flowchart LR\n");
    out.push_str("  classDef objective fill:#ddf4ff,stroke:#0969da,color:#1f2328\n");
    out.push_str("  classDef project fill:#f6f8fa,stroke:#57606a,color:#1f2328\n");
    out.push_str("  classDef metric fill:#fbefff,stroke:#8250df,color:#1f2328\n");
    out.push_str("  classDef error stroke:#cf222e,stroke-width:3px\n");
    out.push_str("  classDef warning stroke:#bf8700,stroke-width:3px,stroke-dasharray:5 3\n");
    out.push_str("  classDef focus font-weight:bold\n");
    for kind in KINDS {
        for node in nodes.values().filter(|node| node.kind == kind) {
            let mut label = mermaid_text(&node.title);
            if let Some(findings) = findings_text(node) {
                let _ = write!(label, "<br/>{findings}");
            }
            let name = mermaid_id(node);
            let _ = match kind {
                "objective" => writeln!(out, "  {name}([\"{label}\"])"),
                "project" => writeln!(out, "  {name}[\"{label}\"]"),
                _ => writeln!(out, "  {name}[/\"{label}\"/]"),
            };
        }
    }
    for (from, to, kind) in edges {
        let (Some(from), Some(to)) = (nodes.get(from), nodes.get(to)) else {
            continue;
        };
        let arrow = match kind {
            EdgeKind::Parent => "==>",
            EdgeKind::MeasuredBy => "-.->",
            EdgeKind::Supports | EdgeKind::Kpi => "-->",
        };
        let _ = writeln!(out, "  {} {arrow} {}", mermaid_id(from), mermaid_id(to));
    }
    for kind in KINDS {
        let members: Vec<String> = nodes.values().filter(|node| node.kind == kind).map(mermaid_id).collect();
        if !members.is_empty() {
            let _ = writeln!(out, "  class {} {kind}", members.join(","));
        }
    }
    for (class, pick) in [("warning", false), ("error", true)] {
        let members: Vec<String> = nodes
            .values()
            .filter(|node| if pick { node.errors > 0 } else { node.errors == 0 && node.warnings > 0 })
            .map(mermaid_id)
            .collect();
        if !members.is_empty() {
            let _ = writeln!(out, "  class {} {class}", members.join(","));
        }
    }
    if let Some(node) = focus.and_then(|focus| nodes.get(&focus)) {
        let _ = writeln!(out, "  class {} focus", mermaid_id(node));
    }
    out
}

/// A Mermaid node id: prefixed by kind, so no id collides with a keyword (`end`).
fn mermaid_id(node: &Node) -> String {
    let prefix = node.kind.chars().next().unwrap_or('n');
    let id: String = node
        .id
        .chars()
        .map(|character| if character.is_ascii_alphanumeric() || character == '_' { character } else { '_' })
        .collect();
    format!("{prefix}_{id}")
}

fn mermaid_text(text: &str) -> String {
    text.replace('"', "#quot;").replace('<', "#lt;").replace('>', "#gt;")
}

fn dot(
    nodes: &BTreeMap<EntityId, Node>,
    edges: &BTreeSet<(EntityId, EntityId, EdgeKind)>,
    focus: Option<EntityId>,
) -> String {
    let mut out = String::from("digraph charter {\n");
    out.push_str("  rankdir=LR;\n");
    out.push_str("  node [fontname=\"Helvetica\", fontsize=11, style=\"filled\", fontcolor=\"#1f2328\"];\n");
    out.push_str("  edge [color=\"#57606a\"];\n");
    for kind in KINDS {
        for (id, node) in nodes.iter().filter(|(_, node)| node.kind == kind) {
            let (shape, style, fill, stroke) = match kind {
                "objective" => ("box", "rounded,filled", "#ddf4ff", "#0969da"),
                "project" => ("box", "filled", "#f6f8fa", "#57606a"),
                _ => ("ellipse", "filled", "#fbefff", "#8250df"),
            };
            let mut label = format!("{}\\n({})", dot_text(&node.title), dot_text(&node.id));
            let mut attributes = String::new();
            if let Some(findings) = findings_text(node) {
                let _ = write!(label, "\\n{findings}");
                let color = if node.errors > 0 { "#cf222e" } else { "#bf8700" };
                let _ = write!(
                    attributes,
                    ", color=\"{color}\", penwidth=3, tooltip=\"{}\"",
                    dot_text(&findings)
                );
            } else {
                let _ = write!(attributes, ", color=\"{stroke}\"");
            }
            if focus == Some(*id) {
                attributes.push_str(", fontname=\"Helvetica-Bold\"");
            }
            let _ = writeln!(
                out,
                "  \"{}\" [label=\"{label}\", shape={shape}, style=\"{style}\", fillcolor=\"{fill}\"{attributes}];",
                dot_text(&node.id)
            );
        }
    }
    for (from, to, kind) in edges {
        let (Some(from), Some(to)) = (nodes.get(from), nodes.get(to)) else {
            continue;
        };
        let style = match kind {
            EdgeKind::Parent => " [penwidth=2]",
            EdgeKind::MeasuredBy => " [style=dashed]",
            EdgeKind::Supports | EdgeKind::Kpi => "",
        };
        let _ = writeln!(out, "  \"{}\" -> \"{}\"{style};", dot_text(&from.id), dot_text(&to.id));
    }
    out.push_str("}\n");
    out
}

fn dot_text(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}
