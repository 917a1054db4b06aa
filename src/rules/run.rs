//! Running a compiled rule over a portfolio: subjects, `where`, `let`s, `require`s, and
//! the violations and evaluation errors that result.

use rustc_hash::{FxHashMap, FxHashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::Focus;
use super::compile::{CompiledRequire, CompiledRule, CompiledSubject};
use super::eval::{ErrorKind, EvalError, Evaluator, Globals, Limit, subjects};
use super::ops::RateNote;
use crate::diagnostic::{BuiltinCode, Diagnostic};
use crate::model::{EntityId, Portfolio};
use crate::source::{SourceMap, Span};

/// What one rule found.
#[derive(Debug, Default)]
pub(crate) struct RuleRun {
    pub violations: Vec<Violation>,
    /// Evaluation errors, one per distinct problem.
    pub errors: Vec<Diagnostic>,
    /// The subjects that passed `where` (for coverage).
    pub examined: Vec<EntityId>,
}

/// One failed `require` for one subject.
#[derive(Clone, Debug)]
pub(crate) struct Violation {
    /// `None` for `for portfolio` rules.
    pub subject: Option<EntityId>,
    /// Index of the failed `require`.
    pub require: usize,
    pub message: String,
    pub help: Option<String>,
    /// The rule's `label:`, rendered for this subject.
    pub label: Option<String>,
}

/// What one rule found in one chunk of subjects.
#[derive(Default)]
struct Partial {
    violations: Vec<Violation>,
    examined: Vec<EntityId>,
    errors: Vec<(EvalError, Option<EntityId>)>,
}

/// Runs every rule that is `Some` over `portfolio`; the result has one entry per rule.
///
/// Rules of one subject kind run subject by subject: every rule examines an entity before
/// the next one is loaded, so each entity's data is fetched into the cache once rather
/// than once per rule. Chunks of subjects run in parallel, each with its own evaluators
/// (so values hoisted out of the subject loop are computed once per chunk).
pub(crate) fn run_all(
    rules: &[Option<&CompiledRule>],
    portfolio: &Portfolio,
    globals: &Globals,
    today: jiff::civil::Date,
    sources: &SourceMap,
    focus: Option<&Focus>,
    cancelled: super::Cancelled<'_>,
) -> Option<Vec<Option<RuleRun>>> {
    use rayon::prelude::*;
    let mut runs: Vec<Option<RuleRun>> = rules.iter().map(|rule| rule.map(|_| RuleRun::default())).collect();
    let mut raw_errors: Vec<Vec<(EvalError, Option<EntityId>)>> = vec![Vec::new(); rules.len()];
    // Per rule: the subjects not examined after it ran out of budget.
    let mut skipped: Vec<usize> = vec![0; rules.len()];
    let mut kinds: Vec<(&str, Vec<usize>)> = Vec::new();
    let portfolio_rules: Vec<usize> = rules
        .iter()
        .enumerate()
        .filter_map(|(index, rule)| rule.filter(|rule| rule.ok && rule.is_portfolio()).map(|_| index))
        .filter(|_| focus.is_none_or(Focus::portfolio_rules))
        .collect();
    for (index, rule) in rules.iter().enumerate() {
        let Some(kind) = rule.filter(|rule| rule.ok).and_then(|rule| rule.subject_kind()) else { continue };
        match kinds.iter_mut().find(|(known, _)| *known == kind) {
            Some((_, members)) => members.push(index),
            None => kinds.push((kind, vec![index])),
        }
    }
    let whole: Vec<(usize, Option<RuleRun>)> = portfolio_rules
        .par_iter()
        .filter_map(|index| {
            let rule = rules.get(*index).copied().flatten()?;
            Some((*index, run_rule(rule, portfolio, globals, today, sources, cancelled)))
        })
        .collect();
    for (index, run) in whole {
        let run = run?;
        if let Some(slot) = runs.get_mut(index) {
            *slot = Some(run);
        }
    }
    for (kind, members) in kinds {
        let group: Vec<&CompiledRule> =
            members.iter().filter_map(|index| rules.get(*index).copied().flatten()).collect();
        let ids: Vec<EntityId> =
            subjects(portfolio, kind).filter(|id| focus.is_none_or(|focus| focus.covers(*id))).collect();
        let size = (ids.len() / (4 * rayon::current_num_threads().max(1))).max(256);
        if cancelled() {
            return None;
        }
        // Per rule: the position of the first subject on which it ran out of budget. The
        // rule stops there (a hostile rule over thousands of subjects would otherwise
        // spend a budget on each); chunks skip the subjects after it as soon as they
        // know, and what they found there is dropped, so the outcome does not depend on
        // timing.
        let first_out: Vec<AtomicUsize> = group.iter().map(|_| AtomicUsize::new(usize::MAX)).collect();
        let chunks: Vec<Vec<Partial>> = ids
            .par_chunks(size)
            .enumerate()
            .map(|(number, chunk)| {
                if cancelled() {
                    return Vec::new();
                }
                let mut evaluators: Vec<Evaluator<'_>> = group
                    .iter()
                    .map(|rule| {
                        Evaluator::new(portfolio, globals, today, rule.slots, rule.hoisted)
                            .with_cancel(cancelled)
                    })
                    .collect();
                let mut partials: Vec<Partial> = group.iter().map(|_| Partial::default()).collect();
                for (offset, id) in chunk.iter().enumerate() {
                    let position = number * size + offset;
                    for (((rule, evaluator), partial), first) in
                        group.iter().zip(evaluators.iter_mut()).zip(partials.iter_mut()).zip(&first_out)
                    {
                        if position > first.load(Ordering::Relaxed) {
                            continue;
                        }
                        match examine(rule, evaluator, *id, sources, partial) {
                            Err(Stopped) => return Vec::new(),
                            Ok(Examined::OutOfBudget) => {
                                first.fetch_min(position, Ordering::Relaxed);
                            }
                            Ok(Examined::Done) => {}
                        }
                    }
                }
                partials
            })
            .collect();
        // A chunk that saw the cancellation returned no partial (one per rule otherwise).
        if chunks.iter().any(Vec::is_empty) && !group.is_empty() {
            return None;
        }
        let stopped: Vec<Option<(usize, FxHashSet<EntityId>)>> = first_out
            .iter()
            .map(|first| {
                let first = first.load(Ordering::Relaxed);
                let after: FxHashSet<EntityId> = ids.get(first.checked_add(1)?..)?.iter().copied().collect();
                Some((after.len(), after))
            })
            .collect();
        for chunk in chunks {
            for ((index, mut partial), stopped) in members.iter().zip(chunk).zip(&stopped) {
                if let Some((_, after)) = stopped {
                    let kept = |subject: &Option<EntityId>| subject.is_none_or(|id| !after.contains(&id));
                    partial.violations.retain(|violation| kept(&violation.subject));
                    partial.examined.retain(|id| !after.contains(id));
                    partial.errors.retain(|(_, subject)| kept(subject));
                }
                if let Some(Some(run)) = runs.get_mut(*index) {
                    run.violations.extend(partial.violations);
                    run.examined.extend(partial.examined);
                }
                if let Some(errors) = raw_errors.get_mut(*index) {
                    errors.extend(partial.errors);
                }
            }
        }
        for (index, stopped) in members.iter().zip(&stopped) {
            if let (Some(skipped), Some((count, _))) = (skipped.get_mut(*index), stopped) {
                *skipped = *count;
            }
        }
    }
    for (((run, rule), raw), skipped) in runs.iter_mut().zip(rules).zip(raw_errors).zip(skipped) {
        if let (Some(run), Some(rule)) = (run, rule)
            && !raw.is_empty()
        {
            let mut errors = Errors { skipped, ..Errors::default() };
            for (error, subject) in raw {
                errors.add(error, subject);
            }
            run.errors = errors.finish(rule, portfolio);
        }
    }
    Some(runs)
}

/// The caller cancelled the evaluation.
struct Stopped;

/// How examining a subject ended.
enum Examined {
    Done,
    /// The rule ran out of budget on the subject: it stops there.
    OutOfBudget,
}

/// Runs one `for KIND` rule on one subject, with a full budget.
fn examine<'a>(
    rule: &'a CompiledRule,
    evaluator: &mut Evaluator<'a>,
    id: EntityId,
    sources: &SourceMap,
    partial: &mut Partial,
) -> Result<Examined, Stopped> {
    let CompiledSubject::Kind { filter, .. } = &rule.subject else { return Ok(Examined::Done) };
    evaluator.refill();
    evaluator.set(0, crate::model::Value::Entity(id));
    let outcome = |error: EvalError, partial: &mut Partial| {
        let out = matches!(error.kind, ErrorKind::Budget(_));
        match error.kind {
            ErrorKind::Cancelled => return Err(Stopped),
            ErrorKind::Invalid => {}
            _ => partial.errors.push((error, Some(id))),
        }
        Ok(if out { Examined::OutOfBudget } else { Examined::Done })
    };
    if let Some(filter) = filter {
        match evaluator.condition(filter) {
            Ok(true) => {}
            Ok(false) => return Ok(Examined::Done),
            Err(error) => return outcome(error.within(filter.span), partial),
        }
    }
    partial.examined.push(id);
    match check_subject(rule, evaluator, Some(id), sources, &mut partial.violations) {
        Err(error) => outcome(error, partial),
        Ok(()) => Ok(Examined::Done),
    }
}

/// Runs `rule` over `portfolio`; `None` when `cancelled` stopped it.
pub(crate) fn run_rule<'a>(
    rule: &'a CompiledRule,
    portfolio: &'a Portfolio,
    globals: &'a Globals,
    today: jiff::civil::Date,
    sources: &SourceMap,
    cancelled: super::Cancelled<'a>,
) -> Option<RuleRun> {
    let mut run = RuleRun::default();
    if !rule.ok {
        return Some(run);
    }
    let mut evaluator =
        Evaluator::new(portfolio, globals, today, rule.slots, rule.hoisted).with_cancel(cancelled);
    let mut errors: Errors = Errors::default();
    match &rule.subject {
        CompiledSubject::Missing => {}
        CompiledSubject::Portfolio => {
            evaluator.refill();
            if let Err(error) = check_subject(rule, &mut evaluator, None, sources, &mut run.violations) {
                errors.add(error, None);
            }
        }
        CompiledSubject::Kind { kind, filter, .. } => {
            for (position, id) in subjects(portfolio, kind).enumerate() {
                evaluator.refill();
                evaluator.set(0, crate::model::Value::Entity(id));
                if let Some(filter) = filter {
                    match evaluator.condition(filter) {
                        Ok(true) => {}
                        Ok(false) => continue,
                        Err(error) => {
                            let out = matches!(error.kind, ErrorKind::Budget(_));
                            errors.add(error.within(filter.span), Some(id));
                            if out {
                                errors.skipped = subjects(portfolio, kind).skip(position + 1).count();
                                break;
                            }
                            continue;
                        }
                    }
                }
                run.examined.push(id);
                if let Err(error) =
                    check_subject(rule, &mut evaluator, Some(id), sources, &mut run.violations)
                {
                    let out = matches!(error.kind, ErrorKind::Budget(_));
                    errors.add(error, Some(id));
                    if out {
                        errors.skipped = subjects(portfolio, kind).skip(position + 1).count();
                        break;
                    }
                }
            }
        }
    }
    if errors.cancelled {
        return None;
    }
    run.errors = errors.finish(rule, portfolio);
    Some(run)
}

/// Evaluates the `let`s and `require`s for one subject (already in slot 0). On an error
/// the subject gets no violation.
fn check_subject<'a>(
    rule: &'a CompiledRule,
    evaluator: &mut Evaluator<'a>,
    subject: Option<EntityId>,
    sources: &SourceMap,
    out: &mut Vec<Violation>,
) -> Result<(), EvalError> {
    for binding in &rule.lets {
        let value = evaluator.eval(&binding.value).map_err(|error| error.within(binding.value.span))?;
        evaluator.set(binding.slot, value);
    }
    let mut found = Vec::new();
    for (index, require) in rule.requires.iter().enumerate() {
        let within = |error: EvalError| error.within(require.span);
        if evaluator.condition(&require.condition).map_err(within)? {
            continue;
        }
        let message = failure_message(rule, require, evaluator, sources).map_err(within)?;
        let help = match &rule.help {
            Some(help) => Some(evaluator.render(help).map_err(within)?),
            None => None,
        };
        let label = match &rule.label {
            Some(label) => Some(evaluator.render(label).map_err(within)?),
            None => None,
        };
        found.push(Violation { subject, require: index, message, help, label });
    }
    out.extend(found);
    Ok(())
}

/// The message of a failed `require`: its `else`, else the rule's `message:`, else its
/// `summary`, else the default message.
pub(crate) fn failure_message<'a>(
    rule: &'a CompiledRule,
    require: &'a CompiledRequire,
    evaluator: &mut Evaluator<'a>,
    sources: &SourceMap,
) -> Result<String, EvalError> {
    let template = require.message.as_ref().or(rule.message.as_ref()).or(rule.summary_template.as_ref());
    match template {
        Some(template) => evaluator.render(template),
        None => Ok(default_message(rule, require.condition.span, sources)),
    }
}

/// "`RULE`: `<require source>` is false", with the source on one line.
pub(crate) fn default_message(rule: &CompiledRule, condition: Span, sources: &SourceMap) -> String {
    format!("`{}`: `{}` is false", rule.name, one_line_source(sources, condition))
}

/// An expression's source in canonical form on one line, without comments, so that
/// messages quoting it are the same before and after `charter fmt`.
pub(crate) fn one_line_source(sources: &SourceMap, span: Span) -> String {
    let written = sources.slice(span);
    crate::fmt::expression_on_one_line(written)
        .unwrap_or_else(|| written.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// An evaluation error's place (start, end), message, and the budget it exceeded.
type ErrorKey = (u32, u32, String, Option<Limit>);

/// Where an error was first raised, on which subject, how many subjects raised it, and
/// the missing rate when money of two currencies met.
type FirstError = (Span, Option<EntityId>, usize, Option<Box<RateNote>>);

/// Evaluation errors of one rule, grouped by place and message.
#[derive(Default)]
struct Errors {
    seen: FxHashMap<ErrorKey, FirstError>,
    order: Vec<ErrorKey>,
    /// An evaluation was cancelled: the errors do not matter.
    cancelled: bool,
    /// The subjects not examined after the rule ran out of budget.
    skipped: usize,
}

impl Errors {
    fn add(&mut self, error: EvalError, subject: Option<EntityId>) {
        let limit = match error.kind {
            ErrorKind::Budget(limit) => Some(limit),
            ErrorKind::Value => None,
            // The subject read a field that did not resolve: that field's finding is the
            // one to fix, and the subject is skipped without another.
            ErrorKind::Invalid => return,
            ErrorKind::Cancelled => {
                self.cancelled = true;
                return;
            }
        };
        let key = (error.span.start, error.span.end, error.message, limit);
        match self.seen.get_mut(&key) {
            Some(entry) => entry.2 += 1,
            None => {
                self.order.push(key.clone());
                self.seen.insert(key, (error.span, subject, 1, error.rate));
            }
        }
    }

    fn finish(self, rule: &CompiledRule, portfolio: &Portfolio) -> Vec<Diagnostic> {
        let mut out = Vec::with_capacity(self.order.len());
        for key in self.order {
            let Some((span, subject, count, rate)) = self.seen.get(&key) else {
                continue;
            };
            let name =
                |id: &EntityId| portfolio.entity(*id).map_or_else(String::new, |entity| entity.id.clone());
            let label = match subject {
                Some(id) => format!("while checking `{}`", name(id)),
                None => "while checking the portfolio".to_string(),
            };
            let others = count.saturating_sub(1);
            let affected = match (subject, others) {
                (Some(_), 0) => "that subject is not checked".to_string(),
                (Some(_), others) => format!("that subject and {others} more are not checked"),
                (None, _) => "the portfolio is not checked by this rule".to_string(),
            };
            if let Some(limit) = key.3 {
                let affected = match (subject, self.skipped) {
                    (Some(_), 0) => affected,
                    (Some(_), 1) => {
                        "the rule stops there: that subject and the one after it are not checked".to_string()
                    }
                    (Some(_), skipped) => {
                        format!(
                            "the rule stops there: that subject and the {skipped} after it are not checked"
                        )
                    }
                    (None, _) => affected,
                };
                let mut diagnostic =
                    budget_diagnostic(rule, *span, limit, subject.map(|id| (id, portfolio)), &affected);
                diagnostic.entity = subject.map(|id| name(&id));
                out.push(diagnostic);
                continue;
            }
            if let Some(rate) = rate {
                // The message names the subject, so the label need not.
                let checking = match subject.and_then(|id| portfolio.entity(id)) {
                    Some(entity) => format!(" while checking {} `{}`", entity.kind, entity.id),
                    None => " while checking the portfolio".to_string(),
                };
                let mut diagnostic = Diagnostic::builtin(
                    BuiltinCode::RuleError,
                    *span,
                    format!("rule `{}` failed: {}{checking}: {}", rule.name, key.2, rate.detail),
                )
                .with_label("amounts in two currencies meet here")
                .with_help(format!("{}; {affected}", rate.fix));
                diagnostic.entity = subject.map(|id| name(&id));
                out.push(diagnostic);
                continue;
            }
            let mut diagnostic = Diagnostic::builtin(
                BuiltinCode::RuleError,
                *span,
                format!("rule `{}` failed: {}", rule.name, key.2),
            )
            .with_label(label)
            .with_help(format!("{affected}; convert amounts to one currency, or compare them separately"));
            if !key.2.contains("money") {
                diagnostic.help = Some(affected);
            }
            diagnostic.entity = subject.map(|id| name(&id));
            out.push(diagnostic);
        }
        out
    }
}

/// "rule `x` exceeded its evaluation budget of 10,000,000 steps on project `p`", at the
/// part of the rule (`where`, `let` or `require`) that was being evaluated.
fn budget_diagnostic(
    rule: &CompiledRule,
    span: Span,
    limit: Limit,
    subject: Option<(EntityId, &Portfolio)>,
    affected: &str,
) -> Diagnostic {
    let on = match subject.and_then(|(id, portfolio)| portfolio.entity(id)) {
        Some(entity) => format!(" on {} `{}`", entity.kind, entity.id),
        None => " on the portfolio".to_string(),
    };
    let advice = match limit {
        Limit::Steps => {
            "nested iterations multiply the lengths of their lists: compute a list once in a `let` and reuse it, filter before iterating, or split the rule"
        }
        Limit::Memory => {
            "lists built inside iterations multiply: filter before `map`, count matches instead of building lists, or split the rule"
        }
    };
    Diagnostic::builtin(
        BuiltinCode::RuleError,
        span,
        format!("rule `{}` exceeded its evaluation budget of {}{on}", rule.name, limit.describe()),
    )
    .with_label("evaluation stopped here")
    .with_help(format!("{affected}; {advice}"))
}
