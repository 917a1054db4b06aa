//! `junit`: JUnit XML, which GitLab (`artifacts:reports:junit`), Jenkins, Azure Pipelines
//! and most CI systems show as test results.
//!
//! For `charter check`: one `testsuite` per rule and built-in code that is turned on,
//! one `testcase` per finding, and a passing `testcase` named `no findings` for a rule or
//! code that reported nothing, so a dashboard shows which rules hold. A finding that
//! fails the run (an error, or a warning with `--deny-warnings`) is a `failure`; other
//! findings pass and carry their text in `system-out`. For `charter test`: one
//! `testsuite` per file of tests and one `testcase` per test.
//!
//! The layout is the common Ant/Jenkins one (`testsuites` › `testsuite` › `testcase` ›
//! `failure`), without `time` (Charter does not time its rules, and a report should not
//! change between identical runs). Every attribute and text is XML-escaped, and the
//! characters XML 1.0 cannot hold at all (most control characters) become `�`.

use std::fmt::Write;

use super::{locate, sarif::RuleDescriptor};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::TestReport;
use crate::source::SourceMap;

/// The JUnit report of `charter check`: `descriptors` are the rules and codes of the
/// workspace (those turned off are left out); `deny_warnings` makes warnings failures.
pub fn render_check(
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
    descriptors: &[RuleDescriptor],
    deny_warnings: bool,
) -> String {
    let mut suites: Vec<Suite> = descriptors
        .iter()
        .filter(|descriptor| descriptor.severity.is_some())
        .map(|descriptor| Suite { name: descriptor.id.clone(), cases: Vec::new() })
        .collect();
    for diagnostic in diagnostics {
        let code = diagnostic.code.as_str();
        let index = match suites.iter().position(|suite| suite.name == code) {
            Some(index) => index,
            None => {
                suites.push(Suite { name: code.to_string(), cases: Vec::new() });
                suites.len() - 1
            }
        };
        let (file, start, _) = locate(sources, diagnostic.span());
        let place = format!("{file}:{}:{}", start.line, start.column);
        let subject = diagnostic.entity.clone().unwrap_or_else(|| place.clone());
        let mut text = format!("{place}: {}[{code}]: {}", diagnostic.severity, diagnostic.message);
        if let Some(label) = &diagnostic.primary.message {
            let _ = write!(text, "\n  {label}");
        }
        if let Some(help) = &diagnostic.help {
            let _ = write!(text, "\nhelp: {help}");
        }
        let fails = diagnostic.severity == Severity::Error
            || (deny_warnings && diagnostic.severity == Severity::Warning);
        let case = Case {
            name: format!("{subject}: {}", diagnostic.message),
            classname: code.to_string(),
            failure: fails.then(|| Failure {
                message: diagnostic.message.clone(),
                kind: diagnostic.severity.as_str().to_string(),
                text: text.clone(),
            }),
            output: (!fails).then_some(text),
        };
        if let Some(suite) = suites.get_mut(index) {
            suite.cases.push(case);
        }
    }
    for suite in &mut suites {
        if suite.cases.is_empty() {
            suite.cases.push(Case {
                name: "no findings".to_string(),
                classname: suite.name.clone(),
                failure: None,
                output: None,
            });
        }
    }
    write_document("charter check", &suites)
}

/// The JUnit report of `charter test`.
pub fn render_tests(report: &TestReport) -> String {
    let mut suites: Vec<Suite> = Vec::new();
    for outcome in &report.outcomes {
        let file = file_of(&outcome.location).to_string();
        let failure = (!outcome.passed()).then(|| {
            let mut text = format!("{}: test `{}` failed\n", outcome.location, outcome.name);
            for failure in &outcome.failures {
                let _ = writeln!(text, "  {failure}");
            }
            if outcome.findings.is_empty() {
                text.push_str("actual findings: none\n");
            } else {
                text.push_str("actual findings:\n");
                for finding in &outcome.findings {
                    let _ = writeln!(text, "  {finding}");
                }
            }
            Failure {
                message: outcome.failures.first().cloned().unwrap_or_default(),
                kind: "expect".to_string(),
                text,
            }
        });
        let case = Case { name: outcome.name.clone(), classname: file.clone(), failure, output: None };
        match suites.iter_mut().find(|suite| suite.name == file) {
            Some(suite) => suite.cases.push(case),
            None => suites.push(Suite { name: file, cases: vec![case] }),
        }
    }
    write_document("charter test", &suites)
}

/// The file of a `file:line:col` location.
fn file_of(location: &str) -> &str {
    let mut parts = location.rsplitn(3, ':');
    let (_, _, file) = (parts.next(), parts.next(), parts.next());
    file.unwrap_or(location)
}

struct Suite {
    name: String,
    cases: Vec<Case>,
}

struct Case {
    name: String,
    classname: String,
    failure: Option<Failure>,
    /// Text of a passing case (`system-out`).
    output: Option<String>,
}

struct Failure {
    message: String,
    kind: String,
    text: String,
}

fn write_document(name: &str, suites: &[Suite]) -> String {
    let tests: usize = suites.iter().map(|suite| suite.cases.len()).sum();
    let failures: usize = suites.iter().map(Suite::failures).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">",
        attribute(name)
    );
    for suite in suites {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\">",
            attribute(&suite.name),
            suite.cases.len(),
            suite.failures()
        );
        for case in &suite.cases {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\"",
                attribute(&case.name),
                attribute(&case.classname)
            );
            match (&case.failure, &case.output) {
                (Some(failure), _) => {
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                        attribute(&failure.message),
                        attribute(&failure.kind),
                        text(&failure.text)
                    );
                }
                (None, Some(output)) => {
                    let _ =
                        writeln!(out, ">\n      <system-out>{}</system-out>\n    </testcase>", text(output));
                }
                (None, None) => out.push_str("/>\n"),
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

impl Suite {
    fn failures(&self) -> usize {
        self.cases.iter().filter(|case| case.failure.is_some()).count()
    }
}

/// Escapes element text.
fn text(value: &str) -> String {
    escape(value, false)
}

/// Escapes an attribute value; line breaks and tabs become character references, which
/// XML parsers keep (a literal newline in an attribute reads as a space).
fn attribute(value: &str) -> String {
    escape(value, true)
}

fn escape(value: &str, in_attribute: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for character in value.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if in_attribute => out.push_str("&quot;"),
            '\'' if in_attribute => out.push_str("&apos;"),
            '\n' if in_attribute => out.push_str("&#10;"),
            '\r' if in_attribute => out.push_str("&#13;"),
            '\t' if in_attribute => out.push_str("&#9;"),
            '\n' | '\r' | '\t' => out.push(character),
            // XML 1.0 allows no other C0 control character, not even as a reference,
            // nor the surrogates (which a `char` never is) or U+FFFE and U+FFFF.
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            _ => out.push(character),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{escape, file_of};

    #[test]
    fn escaping_covers_markup_quotes_and_control_characters() {
        assert_eq!(escape("a<b>&\"c'\n", true), "a&lt;b&gt;&amp;&quot;c&apos;&#10;");
        assert_eq!(escape("a<b>&\"c'\n", false), "a&lt;b&gt;&amp;\"c'\n");
        assert_eq!(escape("bell\u{7}", false), "bell\u{fffd}");
    }

    #[test]
    fn the_file_of_a_location_may_hold_colons() {
        assert_eq!(file_of("rules/a.charter:3:5"), "rules/a.charter");
        assert_eq!(file_of("c:/x.charter:3:5"), "c:/x.charter");
        assert_eq!(file_of("nowhere"), "nowhere");
    }
}
