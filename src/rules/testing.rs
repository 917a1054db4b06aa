//! `charter test`: running the `test` blocks of the workspace and, on request, std's.
//!
//! Each test's entities form an isolated portfolio with the workspace's `extend`s and every
//! rule (including rules turned off in `charter.toml`, at their declared severities). Its
//! findings are the model's findings about the test's own entities, every rule violation
//! and evaluation error, and the findings about the test's waivers.

use crate::diagnostic::{BuiltinCode, Code, Diagnostic, closest};
use crate::model::Declarations;
use crate::model::{Portfolio, Workspace, resolve};
use crate::source::{SourceMap, Span};
use crate::syntax::ast::{self, ExpectKind};

use super::{Engine, evaluate};

/// The outcome of every test.
#[derive(Clone, Debug, Default)]
pub struct TestReport {
    pub outcomes: Vec<TestOutcome>,
    /// How many std tests were not run (`charter test` without `--std`).
    pub std_not_run: usize,
}

/// The outcome of one `test` block.
#[derive(Clone, Debug)]
pub struct TestOutcome {
    pub name: String,
    /// `file:line:col` of the test's name.
    pub location: String,
    /// Declared in the std library.
    pub std: bool,
    /// One sentence per failed `expect`, with its location.
    pub failures: Vec<String>,
    /// Every finding of the test's portfolio, rendered (`RULE on ID: message (file:line:col)`).
    pub findings: Vec<String>,
}

impl TestOutcome {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

impl TestReport {
    /// Whether every test passed.
    pub fn passed(&self) -> bool {
        self.outcomes.iter().all(TestOutcome::passed)
    }

    pub fn failed(&self) -> usize {
        self.outcomes.iter().filter(|outcome| !outcome.passed()).count()
    }

    /// Renders the report as `cargo test` does: one line per test, then the failures with
    /// expected and actual findings, then a summary line.
    pub fn render(&self, color: bool) -> String {
        let paint = |text: &str, code: &str| {
            if color { format!("\u{1b}[{code}m{text}\u{1b}[0m") } else { text.to_string() }
        };
        let mut out = String::new();
        let count = self.outcomes.len();
        out.push_str(&format!("running {count} test{}\n", if count == 1 { "" } else { "s" }));
        for outcome in &self.outcomes {
            let status = if outcome.passed() { paint("ok", "32") } else { paint("FAILED", "1;31") };
            out.push_str(&format!("test {} ... {status}\n", outcome.name));
        }
        let failed: Vec<&TestOutcome> = self.outcomes.iter().filter(|outcome| !outcome.passed()).collect();
        if !failed.is_empty() {
            out.push_str("\nfailures:\n");
            for outcome in &failed {
                out.push_str(&format!("\n---- {} ({}) ----\n", outcome.name, outcome.location));
                for failure in &outcome.failures {
                    out.push_str(&format!("  {failure}\n"));
                }
                if outcome.findings.is_empty() {
                    out.push_str("  actual findings: none\n");
                } else {
                    out.push_str("  actual findings:\n");
                    for finding in &outcome.findings {
                        out.push_str(&format!("    {finding}\n"));
                    }
                }
            }
        }
        let verdict = if failed.is_empty() { paint("ok", "32") } else { paint("FAILED", "1;31") };
        out.push_str(&format!(
            "\ntest result: {verdict}. {} passed; {} failed\n",
            count - failed.len(),
            failed.len()
        ));
        if self.std_not_run > 0 {
            out.push_str(&format!(
                "note: the std library's {} test{} not run; `--std` runs them too\n",
                self.std_not_run,
                if self.std_not_run == 1 { " was" } else { "s were" }
            ));
        }
        out
    }
}

/// Runs every `test` block of the workspace (std included) on `today` (a test's own
/// `today:` wins).
pub fn run_tests(workspace: &Workspace, today: jiff::civil::Date) -> TestReport {
    run_tests_of(workspace, today, true)
}

/// Runs the workspace's own `test` blocks, and std's too when `include_std`: a user's
/// `charter test` is about their rules, and std's tests pass with every release.
pub fn run_tests_of(workspace: &Workspace, today: jiff::civil::Date, include_std: bool) -> TestReport {
    let engine = Engine::new(workspace);
    let extends: Vec<&ast::Extend> = workspace.extends().collect();
    let (tests, std_tests): (Vec<_>, Vec<_>) =
        workspace.tests().partition(|(file, _)| include_std || !file.std);
    use rayon::prelude::*;
    let outcomes = tests
        .par_iter()
        .map(|(file, test)| run_test(&engine, workspace, &extends, file.std, test, today))
        .collect();
    TestReport { outcomes, std_not_run: std_tests.len() }
}

fn run_test(
    engine: &Engine,
    workspace: &Workspace,
    extends: &[&ast::Extend],
    std: bool,
    test: &ast::Test,
    today: jiff::civil::Date,
) -> TestOutcome {
    let sources = &workspace.sources;
    let declarations = Declarations {
        extends: extends.to_vec(),
        entities: test.entities.iter().collect(),
        broken: Vec::new(),
        in_test: true,
    };
    let (portfolio, model_findings) = resolve(&declarations);
    let today = test.today.as_ref().and_then(ast::DateLit::date).unwrap_or(today);
    let evaluation = evaluate(engine, &portfolio, sources, today, None, None, &|| false);
    let inside = |span: Span| {
        span.file == test.span.file && test.span.start <= span.start && span.end <= test.span.end
    };
    let mut findings: Vec<Diagnostic> =
        model_findings.into_iter().filter(|diagnostic| inside(diagnostic.span())).collect();
    findings.extend(evaluation.diagnostics.into_iter().filter(|diagnostic| {
        matches!(diagnostic.code, Code::Rule(_) | Code::Builtin(BuiltinCode::RuleError))
            || inside(diagnostic.span())
    }));
    super::sort(sources, &mut findings);
    let mut failures = Vec::new();
    for expect in &test.expects {
        if let Some(failure) = check_expect(engine, &portfolio, &findings, expect) {
            failures.push(format!("{} ({})", failure, location(sources, expect.span)));
        }
    }
    TestOutcome {
        name: test.name.name.to_string(),
        location: location(sources, test.name.span),
        std,
        failures,
        findings: findings.iter().map(|finding| describe(sources, finding)).collect(),
    }
}

/// `None` when the expectation holds, else why not.
fn check_expect(
    engine: &Engine,
    portfolio: &Portfolio,
    findings: &[Diagnostic],
    expect: &ast::Expect,
) -> Option<String> {
    let (negated, rule, on) = match &expect.kind {
        ExpectKind::Clean => {
            return match findings.len() {
                0 => None,
                1 => Some("expected no findings (`expect clean`), but there is 1".to_string()),
                count => Some(format!("expected no findings (`expect clean`), but there are {count}")),
            };
        }
        ExpectKind::Finding { negated, rule, on } => (*negated, rule, on),
    };
    let name = rule.name.as_str();
    if engine.rule(name).is_none() && BuiltinCode::parse(name).is_none() {
        let hint = closest(
            name,
            engine
                .rules
                .iter()
                .map(|rule| rule.name.as_str())
                .chain(BuiltinCode::ALL.iter().map(|code| code.as_str())),
        )
        .map(|suggestion| format!("; did you mean `{suggestion}`?"))
        .unwrap_or_default();
        return Some(format!("`expect` names unknown rule `{name}`{hint}"));
    }
    if let Some(on) = on
        && portfolio.lookup(&on.name).is_none()
    {
        let hint = closest(&on.name, portfolio.entities().map(|entity| entity.id.as_str()))
            .map(|suggestion| format!("; did you mean `{suggestion}`?"))
            .unwrap_or_default();
        return Some(format!("`expect` names `{}`, which this test does not declare{hint}", on.name));
    }
    let matching: Vec<&Diagnostic> = findings
        .iter()
        .filter(|finding| {
            finding.code.as_str() == name
                && on.as_ref().is_none_or(|on| finding.entity.as_deref() == Some(on.name.as_str()))
        })
        .collect();
    let target = on.as_ref().map(|on| format!(" on `{}`", on.name)).unwrap_or_default();
    match (negated, matching.first()) {
        (false, None) => Some(format!("expected `{name}`{target}, but it was not reported")),
        (true, Some(found)) => {
            Some(format!("expected no `{name}`{target}, but it was reported: {}", found.message))
        }
        _ => None,
    }
}

fn location(sources: &SourceMap, span: Span) -> String {
    let (file, start, _) = crate::render::locate(sources, span);
    format!("{file}:{}:{}", start.line, start.column)
}

/// `RULE on ID: message (file:line:col)`.
fn describe(sources: &SourceMap, finding: &Diagnostic) -> String {
    let on = finding.entity.as_ref().map(|entity| format!(" on {entity}")).unwrap_or_default();
    format!("{}{on}: {} ({})", finding.code, finding.message, location(sources, finding.span()))
}
