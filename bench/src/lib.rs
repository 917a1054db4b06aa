//! Shared code of the measurement binaries: writing the synthetic workspace, and reading the
//! (rule, entity) pairs that Charter and the Rego peer flag so they can be compared.

pub mod lsp;
pub mod peer;

use std::collections::BTreeSet;
use std::path::Path;

/// The evaluation date written into every synthetic workspace's `charter.toml`: fixed, so
/// date-dependent rules flag the same entities on any day the measurement is rerun.
pub const TODAY: &str = "2026-11-26";

/// The 8 std rules that the Rego peer implements (bench/rego/charter.rego).
pub const RULES: [&str; 8] = [
    "project_has_sponsor",
    "project_links_kpi",
    "project_supports_objective",
    "supports_live_objective",
    "project_dates_ordered",
    "project_over_budget",
    "high_risk_mitigated",
    "kpi_traces_to_objective",
];

/// A flagged `(rule, entity id)` pair.
pub type Pair = (String, String);

/// Writes `charter::synth::portfolio(projects)` and a `charter.toml` into `directory`;
/// returns the number of bytes of Charter source written.
pub fn write_portfolio(projects: usize, directory: &Path) -> std::io::Result<usize> {
    let mut bytes = 0;
    for (name, text) in charter::synth::portfolio(projects) {
        let path = directory.join(&name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &text)?;
        bytes += text.len();
    }
    std::fs::create_dir_all(directory)?;
    std::fs::write(
        directory.join("charter.toml"),
        format!(
            "# A synthetic portfolio of {projects} projects, written by bench's `synth`.\n\n[check]\ntoday = \"{TODAY}\"\n"
        ),
    )?;
    Ok(bytes)
}

/// The pairs of the 8 [`RULES`] among the findings of `charter check --format json`.
pub fn charter_pairs(check_json: &str) -> Result<BTreeSet<Pair>, String> {
    let document: serde_json::Value =
        serde_json::from_str(check_json).map_err(|error| format!("not JSON: {error}"))?;
    let findings = document
        .get("diagnostics")
        .or_else(|| document.get("findings"))
        .and_then(serde_json::Value::as_array)
        .ok_or("no `diagnostics` array")?;
    let mut pairs = BTreeSet::new();
    for finding in findings {
        let Some(rule) = finding.get("rule").and_then(serde_json::Value::as_str) else {
            continue;
        };
        if !RULES.contains(&rule) {
            continue;
        }
        let entity = finding
            .get("entity")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| format!("a `{rule}` finding names no entity"))?;
        pairs.insert((rule.to_string(), entity.to_string()));
    }
    Ok(pairs)
}

/// One pair a line, `rule<TAB>entity`, in order: what `peer` prints and `bench/run` diffs.
pub fn lines(pairs: &BTreeSet<Pair>) -> String {
    pairs.iter().map(|(rule, entity)| format!("{rule}\t{entity}\n")).collect()
}
