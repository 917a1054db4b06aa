//! `charter why ENTITY`: every rule that examines an entity, and why it passed, failed, was
//! waived, was filtered out by its `where`, or did not run; for a failure, the value of
//! every sub-expression of the failing `require`.

use std::fmt::Write;

use super::compile::{CompiledRule, CompiledSubject};
use super::eval::{ErrorKind, EvalError, Evaluator, Globals, show};
use super::ir::{Node, NodeKind};
use super::waivers;
use super::{Engine, level};
use crate::diagnostic::did_you_mean;
use crate::model::config::RuleLevel;
use crate::model::{Value, Workspace};
use crate::source::{SourceMap, Span};

/// Explains every rule whose subject kind is the entity's kind.
pub fn why(workspace: &Workspace, entity_id: &str, today: jiff::civil::Date) -> Result<String, String> {
    let portfolio = &workspace.portfolio;
    let Some(id) =
        portfolio.lookup(entity_id).filter(|id| portfolio.entity(*id).is_some_and(|entity| !entity.in_test))
    else {
        let hint = did_you_mean(entity_id, portfolio.ids_of_kind("any"))
            .map(|hint| format!("; {hint}"))
            .unwrap_or_default();
        return Err(format!("no entity `{entity_id}` in the workspace{hint}"));
    };
    let Some(entity) = portfolio.entity(id) else {
        return Err(format!("no entity `{entity_id}` in the workspace"));
    };
    let engine = Engine::new(workspace);
    let globals = Globals::new(portfolio, &engine.fields, &workspace.config.money);
    let all_waivers = waivers::collect(portfolio);
    let sources = &workspace.sources;
    let mut out = String::new();
    let title = entity.title.as_ref().map(|title| format!(" \"{title}\"")).unwrap_or_default();
    let _ = writeln!(out, "{} {}{title}  ({})", entity.kind, entity.id, location(sources, entity.id_span));
    let _ = writeln!(out, "today: {today}");
    let rules: Vec<&CompiledRule> =
        engine.rules.iter().filter(|rule| rule.subject_kind() == Some(&*entity.kind)).collect();
    if rules.is_empty() {
        let _ = writeln!(out, "\nno rule examines a {}", entity.kind);
        return Ok(out);
    }
    let width = rules.iter().map(|rule| rule.name.len()).max().unwrap_or(0);
    let mut tally = Tally::default();
    for rule in &rules {
        out.push('\n');
        let rule_level = level(rule, Some(&workspace.config));
        let severity = match rule_level {
            RuleLevel::Off => "off",
            other => other.severity().map_or("off", crate::diagnostic::Severity::as_str),
        };
        let header =
            |mark: &str, status: &str| format!("{mark} {:<width$}  {severity:<7}  {status}\n", rule.name);
        if !rule.ok {
            tally.broken += 1;
            out.push_str(&header("!", "not run: the rule has errors (see `charter check`)"));
            continue;
        }
        if rule_level == RuleLevel::Off {
            tally.off += 1;
            out.push_str(&header("-", "turned off in charter.toml"));
            continue;
        }
        let mut evaluator = Evaluator::new(portfolio, &globals, today, rule.slots, rule.hoisted);
        evaluator.set(0, Value::Entity(id));
        match trace(rule, &mut evaluator, sources) {
            Err(error) if error.kind == ErrorKind::Invalid => {
                tally.unresolved += 1;
                out.push_str(&header("○", &format!("not checked: {}", error.message)));
                let _ = writeln!(out, "    at {}", location(sources, error.span));
                let _ = writeln!(out, "    the field's own finding comes first (see `charter check`)");
            }
            Err(error) => {
                tally.failed += 1;
                out.push_str(&header("!", &format!("error: {}", error.message)));
                let _ = writeln!(out, "    at {}", location(sources, error.span));
                if let Some(rate) = &error.rate {
                    let _ = writeln!(out, "    {}; {}", rate.detail, rate.fix);
                }
            }
            Ok(Trace::Filtered { filter }) => {
                tally.skipped += 1;
                out.push_str(&header("○", "not applicable: its `where` is false"));
                let text = source(sources, filter.span);
                let _ = writeln!(out, "    where {text}");
                out.push_str(&values(&mut evaluator, filter, sources));
            }
            Ok(Trace::Checked { lets, failed }) if failed.is_empty() => {
                tally.passed += 1;
                let _ = lets;
                out.push_str(&header("✓", "passed"));
            }
            Ok(Trace::Checked { lets, failed }) => {
                let waiver = all_waivers.iter().find(|waiver| {
                    waiver.active(today)
                        && waiver.rule.as_ref().is_some_and(|(name, _)| *name == rule.name)
                        && waiver.applies_to.iter().any(|(target, _)| *target == id)
                });
                match waiver {
                    Some(waiver) => {
                        tally.waived += 1;
                        let until =
                            waiver.expires.map(|(date, _)| format!(" until {date}")).unwrap_or_default();
                        out.push_str(&header("~", &format!("waived by `{}`{until}", waiver.id)));
                    }
                    None => {
                        tally.failed += 1;
                        out.push_str(&header("✗", "FAILED"));
                    }
                }
                for (name, value) in &lets {
                    let _ = writeln!(out, "    let {name} = {}", show(portfolio, value));
                }
                for (message, index) in failed {
                    let Some(require) = rule.requires.get(index) else { continue };
                    let _ = writeln!(out, "    {message}");
                    let _ = writeln!(
                        out,
                        "    require {}  ({})",
                        source(sources, require.condition.span),
                        location(sources, require.span)
                    );
                    out.push_str(&values(&mut evaluator, &require.condition, sources));
                }
            }
        }
    }
    let portfolio_rules = engine.rules.iter().filter(|rule| rule.is_portfolio()).count();
    out.push('\n');
    out.push_str(&tally.render());
    if portfolio_rules > 0 {
        let (rules, verb) = if portfolio_rules == 1 { ("rule", "examines") } else { ("rules", "examine") };
        let _ = writeln!(
            out,
            "({portfolio_rules} `for portfolio` {rules} {verb} the portfolio as a whole, not single entities)"
        );
    }
    Ok(out)
}

#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    waived: usize,
    skipped: usize,
    /// Not checked: the rule reads a field that did not resolve.
    unresolved: usize,
    off: usize,
    broken: usize,
}

impl Tally {
    fn render(&self) -> String {
        let parts: Vec<String> = [
            (self.passed, "passed"),
            (self.failed, "failed"),
            (self.waived, "waived"),
            (self.skipped, "not applicable"),
            (self.unresolved, "not checked"),
            (self.off, "off"),
            (self.broken, "with errors"),
        ]
        .iter()
        .filter(|(count, _)| *count > 0)
        .map(|(count, what)| format!("{count} {what}"))
        .collect();
        format!("{}\n", parts.join(", "))
    }
}

enum Trace<'r> {
    Filtered {
        filter: &'r Node,
    },
    /// The `let` values, and the failed `require`s: (message, index).
    Checked {
        lets: Vec<(String, Value)>,
        failed: Vec<(String, usize)>,
    },
}

fn trace<'r>(
    rule: &'r CompiledRule,
    evaluator: &mut Evaluator<'r>,
    sources: &SourceMap,
) -> Result<Trace<'r>, EvalError> {
    if let CompiledSubject::Kind { filter: Some(filter), .. } = &rule.subject
        && !evaluator.condition(filter)?
    {
        return Ok(Trace::Filtered { filter });
    }
    let mut lets = Vec::new();
    for binding in &rule.lets {
        let value = evaluator.eval(&binding.value)?;
        evaluator.set(binding.slot, value.clone());
        lets.push((binding.name.clone(), value));
    }
    let mut failed = Vec::new();
    for (index, require) in rule.requires.iter().enumerate() {
        if evaluator.condition(&require.condition)? {
            continue;
        }
        let message = super::run::failure_message(rule, require, evaluator, sources)?;
        failed.push((message, index));
    }
    Ok(Trace::Checked { lets, failed })
}

/// Every sub-expression of `node` with its value, aligned, outside lambda bodies (whose
/// variables have no single value), without literals and repeats.
fn values<'a>(evaluator: &mut Evaluator<'a>, node: &'a Node, sources: &SourceMap) -> String {
    let mut parts: Vec<&'a Node> = Vec::new();
    node.walk(false, &mut |node, in_lambda| {
        let literal = matches!(node.kind, NodeKind::Const(_) | NodeKind::Slot(0));
        if !in_lambda && !literal {
            parts.push(node);
        }
    });
    let mut rows: Vec<(String, String)> = Vec::new();
    for part in parts {
        let text = source(sources, part.span);
        if text.is_empty() || rows.iter().any(|(seen, _)| *seen == text) {
            continue;
        }
        let value = match evaluator.eval(part) {
            Ok(value) => abbreviate(&show(evaluator.portfolio, &value)),
            Err(error) => format!("error: {}", error.message),
        };
        // A list of literals shows nothing its source does not.
        if value == text {
            continue;
        }
        rows.push((text, value));
    }
    let width = rows.iter().map(|(text, _)| text.chars().count()).max().unwrap_or(0).min(60);
    let mut out = String::new();
    for (text, value) in rows {
        let _ = writeln!(out, "      {text:<width$}  = {value}");
    }
    out
}

/// Long values (a whole list of projects) are cut to stay readable.
fn abbreviate(text: &str) -> String {
    const LIMIT: usize = 100;
    if text.chars().count() <= LIMIT {
        return text.to_string();
    }
    let cut: String = text.chars().take(LIMIT).collect();
    format!("{cut}…")
}

fn source(sources: &SourceMap, span: Span) -> String {
    super::run::one_line_source(sources, span)
}

fn location(sources: &SourceMap, span: Span) -> String {
    let (file, start, _) = crate::render::locate(sources, span);
    format!("{file}:{}:{}", start.line, start.column)
}
