//! The Rego peer: regorus evaluating bench/rego/charter.rego over `charter export`'s JSON,
//! or over the lean cut of it that [`lean`] makes (what `bench/run` times).

use std::collections::BTreeSet;

use crate::Pair;

/// The policy, compiled into the binary so the timed run reads only the portfolio.
pub const POLICY: &str = include_str!("../rego/charter.rego");

/// What the policy reads of each kind of entity: `lean` keeps these fields and drops the
/// rest, so the peer's timed input is the data its 8 rules need, not all of `export`.
const READ: [(&str, &[&str]); 4] = [
    ("project", &["status", "sponsor", "kpis", "supports", "start", "end", "budget", "spent"]),
    ("objective", &["status", "measured_by"]),
    ("risk", &["impact", "mitigation"]),
    ("waiver", &["rule", "expires", "applies_to"]),
];

/// `export_json` cut down to what the policy reads: the entities of the four kinds it
/// walks, each with its `id`, `kind` and only the fields of [`READ`], in the same shape
/// (`{"entities": [{"id", "kind", "fields": {...}}]}`), so the policy runs unchanged.
pub fn lean(export_json: &str) -> Result<String, String> {
    let document: serde_json::Value =
        serde_json::from_str(export_json).map_err(|error| format!("the portfolio is not JSON: {error}"))?;
    let entities = document
        .get("entities")
        .and_then(serde_json::Value::as_array)
        .ok_or("the portfolio has no `entities` array")?;
    let mut kept = Vec::new();
    for entity in entities {
        let kind = entity.get("kind").and_then(serde_json::Value::as_str).unwrap_or_default();
        let Some((_, names)) = READ.iter().find(|(read, _)| *read == kind) else {
            continue;
        };
        let mut fields = serde_json::Map::new();
        if let Some(given) = entity.get("fields").and_then(serde_json::Value::as_object) {
            for name in *names {
                if let Some(value) = given.get(*name) {
                    fields.insert((*name).to_string(), value.clone());
                }
            }
        }
        let id = entity.get("id").cloned().unwrap_or_default();
        kept.push(serde_json::json!({ "id": id, "kind": kind, "fields": fields }));
    }
    serde_json::to_string(&serde_json::json!({ "entities": kept })).map_err(|error| error.to_string())
}

/// The (rule, entity) pairs the policy flags in `export_json` on `today` (`YYYY-MM-DD`).
pub fn flagged(export_json: &str, today: &str) -> Result<BTreeSet<Pair>, String> {
    let started = std::time::Instant::now();
    let mut engine = regorus::Engine::new();
    engine
        .add_policy("charter.rego".to_string(), POLICY.to_string())
        .map_err(|error| format!("the policy does not compile: {error}"))?;
    let input = regorus::Value::from_json_str(export_json)
        .map_err(|error| format!("the portfolio is not JSON: {error}"))?;
    let parsed = started.elapsed();
    engine.set_input(input);
    let mut data = regorus::Value::new_object();
    data.as_object_mut()
        .map_err(|error| error.to_string())?
        .insert(regorus::Value::from("today"), regorus::Value::from(today));
    engine.add_data(data).map_err(|error| format!("cannot set `today`: {error}"))?;
    let result = engine
        .eval_rule("data.charter.flagged".to_string())
        .map_err(|error| format!("the policy failed: {error}"))?;
    if std::env::var_os("PEER_PHASES").is_some() {
        eprintln!("peer: parsed in {parsed:?}, evaluated by {:?}", started.elapsed());
    }
    let set = result.as_set().map_err(|_| format!("`flagged` is not a set but {result}"))?;
    let mut pairs = BTreeSet::new();
    for item in set.iter() {
        let pair = item.as_array().map_err(|_| format!("a flagged item is not a pair: {item}"))?;
        let (Some(rule), Some(entity), None) = (pair.first(), pair.get(1), pair.get(2)) else {
            return Err(format!("a flagged item is not a pair: {item}"));
        };
        let rule = rule.as_string().map_err(|_| format!("a rule is not a string: {rule}"))?;
        let entity = entity.as_string().map_err(|_| format!("an entity is not a string: {entity}"))?;
        pairs.insert((rule.to_string(), entity.to_string()));
    }
    Ok(pairs)
}
