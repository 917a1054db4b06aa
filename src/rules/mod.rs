//! Governance rules: the type checker, the evaluator, waivers, tests and traces.
//!
//! [`Engine::new`] type-checks every rule of a workspace (std included) and lowers it to a
//! resolved form; [`check`] runs the enabled rules over the portfolio, applies waivers and
//! `charter.toml` severities, and returns every rule finding. [`run_tests`], [`why`],
//! [`coverage`] and [`catalog`] answer the other commands from the same engine.

mod catalog;
mod compile;
mod coverage;
mod eval;
mod foreign;
mod ir;
mod ops;
mod run;
mod template;
mod testing;
mod types;
pub mod waivers;
mod why;

pub use catalog::{RuleInfo, catalog, explain, render_rules_markdown, render_rules_table};
pub use compile::CompiledRule;
pub use coverage::{Coverage, coverage};
pub use eval::{display, quoted};
pub use testing::{TestOutcome, TestReport, run_tests, run_tests_of};
pub use why::why;

use rayon::prelude::*;

use crate::diagnostic::{BuiltinCode, Code, Diagnostic, Label, Severity};
use crate::model::EntityId;
use crate::model::config::RuleLevel;
use crate::model::{Config, Portfolio, Value, Workspace};
use crate::source::{FileId, SourceMap, Span};
use eval::Globals;
use run::{RuleRun, Violation};

/// Every rule finding of the workspace on `today`: rule errors, violations (after waivers
/// and `[rules]` severities) and waiver findings.
pub fn check(workspace: &Workspace, today: jiff::civil::Date) -> Vec<Diagnostic> {
    check_with(&Engine::new(workspace), workspace, today, None)
}

/// The rule findings of [`check`] whose primary span lies in `file`, computed by running
/// the rules only on the subjects that can produce them (see [`Focus`]).
pub fn check_file(workspace: &Workspace, today: jiff::civil::Date, file: FileId) -> Vec<Diagnostic> {
    check_file_with(&Engine::new(workspace), workspace, today, file)
}

/// [`check_file`] with an engine already built for `workspace`.
pub fn check_file_with(
    engine: &Engine,
    workspace: &Workspace,
    today: jiff::civil::Date,
    file: FileId,
) -> Vec<Diagnostic> {
    let focus = Focus::of_file(workspace, file);
    let mut findings = check_with(engine, workspace, today, focus.as_ref());
    findings.retain(|finding| finding.span().file == file);
    findings
}

/// [`check`] with an engine already built for `workspace`, over every subject or only
/// those of `focus`.
pub fn check_with(
    engine: &Engine,
    workspace: &Workspace,
    today: jiff::civil::Date,
    focus: Option<&Focus>,
) -> Vec<Diagnostic> {
    check_until(engine, workspace, today, focus, &|| false).unwrap_or_default()
}

/// [`check_with`], giving up (`None`) as soon as `cancelled` says so: a language server
/// stops checking a workspace that has changed again.
pub fn check_until(
    engine: &Engine,
    workspace: &Workspace,
    today: jiff::civil::Date,
    focus: Option<&Focus>,
    cancelled: Cancelled<'_>,
) -> Option<Vec<Diagnostic>> {
    let mut findings = engine.diagnostics.clone();
    let evaluation = evaluate(
        engine,
        &workspace.portfolio,
        &workspace.sources,
        today,
        Some(&workspace.config),
        focus,
        cancelled,
    );
    if evaluation.cancelled {
        return None;
    }
    findings.extend(evaluation.diagnostics);
    foreign::relocate(workspace, &mut findings);
    Some(
        findings
            .into_iter()
            .filter_map(|diagnostic| apply_builtin_level(&workspace.config, diagnostic))
            .collect(),
    )
}

/// Asked between chunks of work: whether to stop.
pub type Cancelled<'a> = &'a (dyn Fn() -> bool + Sync);

/// The subjects whose evaluation decides the findings located in one file, so that an
/// editor gets that file's findings without evaluating the whole portfolio.
///
/// A violation is located at its subject (a field of it, or its id), except for
/// `for portfolio` rules, located at the rule; evaluation errors are located at the
/// rule's expression, or at their subject's id when the rule is in std or outside the
/// workspace (see [`foreign`]); waiver findings at the waiver, and whether a waiver was used
/// depends on the rules' verdicts on the entities it lists. So for a file that declares
/// no rule, its findings come from its own entities as subjects, the entities its
/// waivers list, and — when it declares waivers — the `for portfolio` rules.
#[derive(Debug)]
pub struct Focus {
    /// Per entity: whether it is a subject.
    subjects: Vec<bool>,
    portfolio_rules: bool,
}

impl Focus {
    /// The focus for the findings located in `file`; `None` (every subject) when the
    /// file declares rules, whose findings may depend on any subject.
    pub fn of_file(workspace: &Workspace, file: FileId) -> Option<Focus> {
        let declares_rules = workspace.rules().any(|(parsed, _)| parsed.file == file);
        if declares_rules {
            return None;
        }
        let portfolio = &workspace.portfolio;
        let mut subjects: Vec<bool> = vec![false; portfolio.slots()];
        let mut portfolio_rules = false;
        for id in portfolio.ids_of_file(file) {
            if let Some(subject) = subjects.get_mut(id.index()) {
                *subject = true;
            }
            if portfolio.entity(id).is_some_and(|entity| &*entity.kind == "waiver" && !entity.broken) {
                portfolio_rules = true;
                for target in waivers::entries(portfolio, id).filter_map(|reference| reference.target) {
                    if let Some(subject) = subjects.get_mut(target.index()) {
                        *subject = true;
                    }
                }
            }
        }
        Some(Focus { subjects, portfolio_rules })
    }

    pub(crate) fn portfolio_rules(&self) -> bool {
        self.portfolio_rules
    }

    pub(crate) fn covers(&self, id: EntityId) -> bool {
        self.subjects.get(id.index()).copied().unwrap_or(false)
    }
}

/// Every rule of a workspace, checked and compiled, with the problems found doing so.
#[derive(Clone, Debug)]
pub struct Engine {
    /// In declaration order: the workspace's files, then std.
    pub rules: Vec<CompiledRule>,
    /// Type-check errors and duplicate rule or test names.
    pub diagnostics: Vec<Diagnostic>,
    /// Every field name the rules read; `Member::Field` nodes hold an index into it.
    pub(crate) fields: Vec<std::sync::Arc<str>>,
}

impl Engine {
    /// Type-checks every rule of the workspace against its schema (built-in + `extend`).
    pub fn new(workspace: &Workspace) -> Engine {
        let schema = &workspace.portfolio.schema;
        let compiled: Vec<(CompiledRule, Vec<Diagnostic>)> = workspace
            .rules()
            .collect::<Vec<_>>()
            .par_iter()
            .map(|(file, rule)| {
                let mut diagnostics = Vec::new();
                let compiled = compile::compile_rule(
                    rule,
                    file.file,
                    file.std,
                    schema,
                    &workspace.sources,
                    &mut diagnostics,
                );
                (compiled, diagnostics)
            })
            .collect();
        let mut rules = Vec::with_capacity(compiled.len());
        let mut diagnostics = Vec::new();
        for (rule, found) in compiled {
            rules.push(rule);
            diagnostics.extend(found);
        }
        let names: Vec<(String, Span, bool)> =
            rules.iter().map(|rule| (rule.name.clone(), rule.name_span, rule.std)).collect();
        for index in duplicates(&names, "rule", &mut diagnostics) {
            if let Some(rule) = rules.get_mut(index) {
                rule.ok = false;
            }
        }
        let tests: Vec<(String, Span, bool)> = workspace
            .tests()
            .map(|(file, test)| (test.name.name.to_string(), test.name.span, file.std))
            .collect();
        duplicates(&tests, "test", &mut diagnostics);
        let fields = number_fields(&mut rules);
        Engine { rules, diagnostics, fields }
    }

    /// The rule named `name` (the first, if it is declared twice).
    pub fn rule(&self, name: &str) -> Option<&CompiledRule> {
        self.rules.iter().find(|rule| rule.name == name)
    }
}

/// Gives every field name the rules read a key, stored in the `Member::Field` nodes.
fn number_fields(rules: &mut [CompiledRule]) -> Vec<std::sync::Arc<str>> {
    let mut names: Vec<std::sync::Arc<str>> = Vec::new();
    for rule in rules {
        rule.for_each_root(&mut |root| {
            root.walk_mut(&mut |node| {
                if let ir::NodeKind::Member { member: ir::Member::Field { name, key }, .. } = &mut node.kind {
                    let index = names.iter().position(|known| known == name).unwrap_or_else(|| {
                        names.push(name.clone());
                        names.len() - 1
                    });
                    *key = u16::try_from(index).unwrap_or(u16::MAX);
                }
            });
        });
    }
    names
}

/// Reports names declared twice (both spans); returns the indexes of the later ones.
fn duplicates(names: &[(String, Span, bool)], what: &str, diagnostics: &mut Vec<Diagnostic>) -> Vec<usize> {
    let mut first: rustc_hash::FxHashMap<&str, usize> = rustc_hash::FxHashMap::default();
    let mut later = Vec::new();
    for (index, (name, span, std)) in names.iter().enumerate() {
        let Some(&earlier) = first.get(name.as_str()) else {
            first.insert(name, index);
            continue;
        };
        later.push(index);
        let Some((_, earlier_span, earlier_std)) = names.get(earlier) else {
            continue;
        };
        // Point at the declaration the user can change: never into std.
        let (primary, secondary, secondary_std) = if *std && !earlier_std {
            (*earlier_span, *span, *std)
        } else {
            (*span, *earlier_span, *earlier_std)
        };
        let help = if secondary_std {
            format!(
                "std already has a {what} named `{name}`; rename yours, or turn std's off in `charter.toml` with `{name} = \"off\"`"
            )
        } else {
            format!("{what} names are unique across the workspace and std; rename one of them")
        };
        diagnostics.push(
            Diagnostic::builtin(
                BuiltinCode::DuplicateId,
                primary,
                format!("{what} `{name}` is declared twice"),
            )
            .with_label("declared again here")
            .with_secondary(
                secondary,
                if secondary_std { "std declares it here" } else { "first declared here" },
            )
            .with_help(help),
        );
    }
    later
}

/// Sorts findings by file name, then position, then code.
pub(crate) fn sort(sources: &SourceMap, findings: &mut [Diagnostic]) {
    findings.sort_by(|a, b| {
        let name =
            |diagnostic: &Diagnostic| sources.get(diagnostic.span().file).map(|file| file.name.as_str());
        name(a)
            .cmp(&name(b))
            .then(a.span().start.cmp(&b.span().start))
            .then(a.code.cmp(&b.code))
            .then(a.message.cmp(&b.message))
    });
}

/// Applies a `[rules]` override to a built-in finding; `None` when it is turned off.
fn apply_builtin_level(config: &Config, mut diagnostic: Diagnostic) -> Option<Diagnostic> {
    let Some(code) = diagnostic.builtin_code() else {
        return Some(diagnostic);
    };
    if code == BuiltinCode::Syntax {
        return Some(diagnostic);
    }
    if let Some(level) = config.level(code.as_str()) {
        diagnostic.severity = level.severity()?;
    }
    Some(diagnostic)
}

/// The level a rule runs at: its declared severity, or `charter.toml`'s override.
pub(crate) fn level(rule: &CompiledRule, config: Option<&Config>) -> RuleLevel {
    if let Some(level) = config.and_then(|config| config.level(&rule.name)) {
        return level;
    }
    match rule.severity {
        Severity::Error => RuleLevel::Error,
        Severity::Warning => RuleLevel::Warning,
        Severity::Info => RuleLevel::Info,
    }
}

/// The result of evaluating every rule over one portfolio.
pub(crate) struct Evaluation {
    /// Violations (not waived), evaluation errors and waiver findings.
    pub diagnostics: Vec<Diagnostic>,
    /// Per rule (same order as the engine's rules): what it found, `None` when it did not run.
    pub runs: Vec<Option<RuleRun>>,
    /// Given up on: `diagnostics` and `runs` are empty.
    pub cancelled: bool,
}

/// Runs the engine's rules over `portfolio`. With a `config`, rules turned off do not run
/// and severities are overridden; without one (tests), every rule runs as declared. With
/// a `focus`, only its subjects are examined.
pub(crate) fn evaluate(
    engine: &Engine,
    portfolio: &Portfolio,
    sources: &SourceMap,
    today: jiff::civil::Date,
    config: Option<&Config>,
    focus: Option<&Focus>,
    cancelled: Cancelled<'_>,
) -> Evaluation {
    let no_rates = crate::model::currency::Rates::default();
    let rates = config.map_or(&no_rates, |config| &config.money);
    let globals = Globals::new(portfolio, &engine.fields, rates);
    let enabled: Vec<Option<&CompiledRule>> = engine
        .rules
        .iter()
        .map(|rule| (rule.ok && level(rule, config) != RuleLevel::Off).then_some(rule))
        .collect();
    let runs: Vec<Option<RuleRun>> =
        match run::run_all(&enabled, portfolio, &globals, today, sources, focus, cancelled) {
            Some(runs) => runs,
            None => return Evaluation { diagnostics: Vec::new(), runs: Vec::new(), cancelled: true },
        };
    let waivers = waivers::collect(portfolio);
    let mut usage = waivers::Usage::new(&waivers, today);
    let mut diagnostics = Vec::new();
    for (rule, run) in engine.rules.iter().zip(&runs) {
        let Some(run) = run else { continue };
        let Some(severity) = level(rule, config).severity() else { continue };
        diagnostics.extend(run.errors.iter().cloned());
        for violation in &run.violations {
            if usage.suppress(&waivers, &rule.name, violation.subject).is_some() {
                continue;
            }
            diagnostics.push(violation_diagnostic(rule, violation, severity, portfolio));
        }
    }
    let enabled =
        |name: &str| {
            engine.rules.iter().zip(&runs).find(|(rule, _)| rule.name == name).map(|(rule, run)| {
                (run.is_some(), rule.is_portfolio(), rule.subject_kind().map(str::to_string))
            })
        };
    waivers::findings(&waivers, &usage, engine, &enabled, portfolio, today, &mut diagnostics);
    Evaluation { diagnostics, runs, cancelled: false }
}

/// The diagnostic of one violation: the rule's name as code, the subject's field named by
/// the failing `require` (else its id) as primary label, the `require` as secondary.
/// The message of a rule violation's label on the rule's `require`, by which the human
/// renderer knows the rule's source (shown only with `--verbose`).
pub fn required_by(rule: &str) -> String {
    format!("required by `{rule}`")
}

pub(crate) fn violation_diagnostic(
    rule: &CompiledRule,
    violation: &Violation,
    severity: Severity,
    portfolio: &Portfolio,
) -> Diagnostic {
    let require = rule.requires.get(violation.require);
    let require_span = require.map_or(rule.span, |require| require.span);
    let mut entity = None;
    let primary = match violation.subject.and_then(|id| portfolio.entity(id)) {
        None => Label::new(
            require.map_or(rule.span, |require| require.condition.span),
            "this requirement is not met",
        ),
        Some(subject) => {
            entity = Some(subject.id.clone());
            let field = require.and_then(|require| require.first_field.as_deref());
            match field {
                Some(name) => match subject.field(name) {
                    Some(given) => {
                        Label::new(given.span(), format!("`{name}` is {}", quoted(portfolio, &given.value)))
                    }
                    // A computed or defaulted field has no span of its own: label the id
                    // with the field's value, or say it is missing.
                    None => {
                        let value = violation.subject.map_or(Value::None, |id| portfolio.get(id, name));
                        let missing =
                            value.is_none() || matches!(&value, Value::List(items) if items.is_empty());
                        if missing {
                            Label::new(subject.id_span, format!("no `{name}`"))
                        } else {
                            Label::new(subject.id_span, format!("`{name}` is {}", quoted(portfolio, &value)))
                        }
                    }
                },
                None => Label::new(subject.id_span, format!("this {}", subject.kind)),
            }
        }
    };
    // The rule's own `label:` says the fact in words; the place stays the one found above.
    let primary = match &violation.label {
        Some(text) => Label::new(primary.span, text.clone()),
        None => primary,
    };
    let secondary = if violation.subject.is_some() {
        vec![Label::new(require_span, required_by(&rule.name))]
    } else {
        Vec::new()
    };
    Diagnostic {
        code: Code::Rule(rule.name.clone()),
        severity,
        message: violation.message.clone(),
        primary,
        secondary,
        help: violation.help.clone(),
        entity,
        url: rule.url.clone(),
        fix: None,
    }
}
