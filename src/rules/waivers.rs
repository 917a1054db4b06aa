//! Waivers (LANGUAGE.md §5): suppressing one rule for listed entities through `expires`
//! (inclusive), and the findings about waivers themselves: expired, expiring, unused,
//! naming an unknown rule, or giving an empty reason.

use crate::diagnostic::{BuiltinCode, Diagnostic, closest};
use crate::model::value::Value;
use crate::model::{EntityId, Portfolio};
use crate::source::Span;
use rustc_hash::FxHashMap;

use super::Engine;

/// Days before `expires` from which `charter::waiver_expiring` is reported.
pub const EXPIRING_DAYS: i32 = 30;

/// A waiver entity, read from the portfolio.
#[derive(Debug)]
pub(crate) struct Waiver {
    pub entity: EntityId,
    pub id: String,
    pub rule: Option<(String, Span)>,
    /// The resolved `applies_to` entries, with the span of each.
    pub applies_to: Vec<(EntityId, Span)>,
    /// Whether some `applies_to` entry did not resolve (an `unknown_reference` already):
    /// a waiver whose entries all failed lists entities nonetheless, so it neither waives
    /// a whole rule nor is reported as listing none.
    pub unresolved: bool,
    pub expires: Option<(jiff::civil::Date, Span)>,
    pub reason: Option<(String, Span)>,
}

impl Waiver {
    /// Whether the waiver suppresses on `today`: it has an `expires` and it has not passed.
    pub(crate) fn active(&self, today: jiff::civil::Date) -> bool {
        self.expires.is_some_and(|(expires, _)| today <= expires)
    }
}

/// The `applies_to` entries of waiver `id`, resolved or not, in order.
pub(crate) fn entries(portfolio: &Portfolio, id: EntityId) -> impl Iterator<Item = &crate::model::Reference> {
    portfolio.references.of(id).iter().filter(|reference| &*reference.field == "applies_to")
}

/// Every waiver of the portfolio (broken declarations excluded).
pub(crate) fn collect(portfolio: &Portfolio) -> Vec<Waiver> {
    super::eval::subjects(portfolio, "waiver")
        .filter_map(|id| {
            let entity = portfolio.entity(id)?;
            let mut applies_to = Vec::new();
            let mut unresolved = false;
            for reference in entries(portfolio, id) {
                match reference.target {
                    Some(target) => applies_to.push((target, reference.span)),
                    None => unresolved = true,
                }
            }
            let rule = entity.field("rule").and_then(|field| match &field.value {
                Value::RuleName(name) | Value::String(name) => Some((name.to_string(), field.value_span)),
                _ => None,
            });
            let expires =
                entity.field("expires").and_then(|field| Some((field.value.as_date()?, field.value_span)));
            let reason = entity
                .field("reason")
                .and_then(|field| Some((field.value.as_str()?.to_string(), field.value_span)));
            Some(Waiver { entity: id, id: entity.id.clone(), rule, applies_to, unresolved, expires, reason })
        })
        .collect()
}

/// Which waiver entries suppressed something, with the active waivers indexed by what
/// they cover.
pub(crate) struct Usage {
    /// Per waiver: per `applies_to` entry, whether it was used; and whether a portfolio
    /// violation was suppressed.
    entries: Vec<(Vec<bool>, bool)>,
    /// `(rule, entity)` → `(waiver, entry)`: the first active waiver listing it.
    by_entity: FxHashMap<(String, EntityId), (usize, usize)>,
    /// rule → the first active waiver without `applies_to`.
    by_rule: FxHashMap<String, usize>,
}

impl Usage {
    pub(crate) fn new(waivers: &[Waiver], today: jiff::civil::Date) -> Usage {
        let mut by_entity = FxHashMap::default();
        let mut by_rule = FxHashMap::default();
        for (index, waiver) in waivers.iter().enumerate() {
            let Some((rule, _)) = &waiver.rule else { continue };
            if !waiver.active(today) {
                continue;
            }
            if waiver.applies_to.is_empty() && !waiver.unresolved {
                by_rule.entry(rule.clone()).or_insert(index);
            }
            for (entry, (target, _)) in waiver.applies_to.iter().enumerate() {
                by_entity.entry((rule.clone(), *target)).or_insert((index, entry));
            }
        }
        Usage {
            entries: waivers.iter().map(|waiver| (vec![false; waiver.applies_to.len()], false)).collect(),
            by_entity,
            by_rule,
        }
    }

    /// The waiver that suppresses a violation of `rule` on `subject`, if any; records it.
    pub(crate) fn suppress(
        &mut self,
        waivers: &[Waiver],
        rule: &str,
        subject: Option<EntityId>,
    ) -> Option<EntityId> {
        if self.by_entity.is_empty() && self.by_rule.is_empty() {
            return None;
        }
        match subject {
            None => {
                let index = *self.by_rule.get(rule)?;
                if let Some((_, used)) = self.entries.get_mut(index) {
                    *used = true;
                }
                waivers.get(index).map(|waiver| waiver.entity)
            }
            Some(subject) => {
                let (index, entry) = *self.by_entity.get(&(rule.to_string(), subject))?;
                if let Some(used) =
                    self.entries.get_mut(index).and_then(|(entries, _)| entries.get_mut(entry))
                {
                    *used = true;
                }
                waivers.get(index).map(|waiver| waiver.entity)
            }
        }
    }
}

/// What waiver checks need to know about a rule: whether it ran, whether it is a
/// `for portfolio` rule, and its subject kind.
pub(crate) type RuleState = (bool, bool, Option<String>);

/// Reports expired, expiring and unused waivers, unknown rule names and empty reasons.
/// `rule_state(name)` is `(ran, is_portfolio_rule, subject kind)` for a known rule.
pub(crate) fn findings(
    waivers: &[Waiver],
    usage: &Usage,
    engine: &Engine,
    rule_state: &dyn Fn(&str) -> Option<RuleState>,
    portfolio: &Portfolio,
    today: jiff::civil::Date,
    out: &mut Vec<Diagnostic>,
) {
    for (waiver, (entries, portfolio_used)) in waivers.iter().zip(&usage.entries) {
        let id = waiver.id.as_str();
        if let Some((reason, span)) = &waiver.reason
            && reason.trim().is_empty()
        {
            out.push(
                Diagnostic::builtin(
                    BuiltinCode::MissingField,
                    *span,
                    format!("waiver `{id}` gives an empty `reason`"),
                )
                .with_label("empty reason")
                .with_help("say why the exception is acceptable; reviewers and auditors read it")
                .with_entity(id),
            );
        }
        let Some((rule, rule_span)) = &waiver.rule else { continue };
        let Some((ran, is_portfolio, kind)) = rule_state(rule) else {
            let message = format!("waiver `{id}` names unknown rule `{rule}`");
            let help = if BuiltinCode::parse(rule).is_some() {
                format!(
                    "built-in findings cannot be waived; change the severity of `{rule}` under `[rules]` in `charter.toml` instead"
                )
            } else {
                match closest(rule, engine.rules.iter().map(|rule| rule.name.as_str())) {
                    Some(suggestion) => format!("did you mean `{suggestion}`?"),
                    None => "`rule:` names a rule of the workspace or of std; `charter rules` lists them"
                        .to_string(),
                }
            };
            let mut diagnostic = Diagnostic::builtin(BuiltinCode::UnknownReference, *rule_span, message)
                .with_label("no rule with this name")
                .with_help(help)
                .with_entity(id);
            if let Some(suggestion) = closest(rule, engine.rules.iter().map(|rule| rule.name.as_str())) {
                diagnostic =
                    diagnostic.with_fix(format!("replace with `{suggestion}`"), *rule_span, suggestion);
            }
            out.push(diagnostic);
            continue;
        };
        let Some((expires, expires_span)) = waiver.expires else { continue };
        if today > expires {
            let ago = expires.until(today).map_or(0, |span| span.get_days());
            out.push(
                Diagnostic::builtin(BuiltinCode::WaiverExpired, expires_span, format!("waiver `{id}` of `{rule}` expired on {expires}"))
                    .with_label(format!("expired {ago} day{} ago", if ago == 1 { "" } else { "s" }))
                    .with_help("it no longer suppresses anything: the violations it waived are reported again; renew it with a fresh approval and a new `expires`, or fix them")
                    .with_entity(id),
            );
            continue;
        }
        let left = today.until(expires).map_or(0, |span| span.get_days());
        if left <= EXPIRING_DAYS {
            let when = match left {
                0 => "today".to_string(),
                1 => "tomorrow".to_string(),
                days => format!("in {days} days"),
            };
            out.push(
                Diagnostic::builtin(
                    BuiltinCode::WaiverExpiring,
                    expires_span,
                    format!("waiver `{id}` of `{rule}` expires {when}"),
                )
                .with_label(format!("last day: {expires}"))
                .with_help("renew it with a fresh approval and a new `expires`, or fix what it waives")
                .with_entity(id),
            );
        }
        if !ran {
            continue;
        }
        if waiver.applies_to.is_empty() {
            // Entries that did not resolve are reported as unknown references; saying
            // the waiver lists no entities would contradict what is written.
            if *portfolio_used || waiver.unresolved {
                continue;
            }
            let (message, label, help) = if is_portfolio {
                (
                    format!("waiver `{id}` is unused: `{rule}` reports nothing"),
                    "waives nothing".to_string(),
                    "the portfolio meets the rule; remove the waiver".to_string(),
                )
            } else {
                let kind = kind.unwrap_or_else(|| "entity".into());
                (
                    format!("waiver `{id}` waives nothing: it lists no entities"),
                    format!("`{rule}` checks each {kind}"),
                    format!(
                        "add `applies_to: [...]` with the {kind}s to waive; only `for portfolio` rules are waived without `applies_to`"
                    ),
                )
            };
            out.push(
                Diagnostic::builtin(BuiltinCode::WaiverUnused, *rule_span, message)
                    .with_label(label)
                    .with_help(help)
                    .with_entity(id),
            );
            continue;
        }
        for ((target, span), used) in waiver.applies_to.iter().zip(entries) {
            if *used {
                continue;
            }
            let target_id = portfolio.entity(*target).map_or("?", |entity| entity.id.as_str());
            let help = if is_portfolio {
                format!("`{rule}` is a `for portfolio` rule; waive it without `applies_to`")
            } else {
                format!("`{target_id}` meets `{rule}`; remove it from `applies_to`")
            };
            out.push(
                Diagnostic::builtin(
                    BuiltinCode::WaiverUnused,
                    *span,
                    format!("waiver `{id}` lists `{target_id}`, but `{rule}` reports nothing for it"),
                )
                .with_label("suppresses nothing")
                .with_help(help)
                .with_entity(id),
            );
        }
    }
}
