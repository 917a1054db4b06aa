//! `charter test`, `charter why`, `charter rules` and `charter explain`.

use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

use super::rules_cmd;
use crate::model::{Config, LoadError, Workspace};

#[derive(Args, Debug)]
pub struct TestArgs {
    /// Files or directories of the workspace (default: the current directory).
    paths: Vec<PathBuf>,
    /// Run the tests as of this date (a test's own `today:` still wins).
    #[arg(long, value_parser = super::parse_date)]
    today: Option<jiff::civil::Date>,
    /// Also run the std library's own tests.
    #[arg(long)]
    std: bool,
    /// How to print the results.
    #[arg(long, value_enum, default_value = "human")]
    format: TestFormat,
}

/// Output formats of `charter test`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    /// One line per test, then the failures, as `cargo test` prints them.
    Human,
    /// JUnit XML: a test suite per file, a test case per test (docs/ci.md).
    Junit,
}

#[derive(Args, Debug)]
pub struct WhyArgs {
    /// The entity to explain, by its full id (`checkout_revamp.beta` for nested ones).
    entity: String,
    /// Files or directories of the workspace (default: the current directory).
    paths: Vec<PathBuf>,
    /// Evaluate as of this date (YYYY-MM-DD) instead of the system date.
    #[arg(long, value_parser = super::parse_date)]
    today: Option<jiff::civil::Date>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// Name, severity and summary, aligned.
    Table,
    /// A reference page with every rule's documentation and source.
    Markdown,
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    /// Files or directories of the workspace whose rules to list (default: the current
    /// directory; the std library alone when it holds no `.charter` file).
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "table")]
    format: RulesFormat,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// A rule name (`project_has_sponsor`) or a built-in code (`charter::cycle`).
    name: String,
    /// Files or directories of the workspace, for its own rules (default: the current
    /// directory).
    paths: Vec<PathBuf>,
}

pub fn test(args: &TestArgs) -> ExitCode {
    let workspace = match super::load(&args.paths) {
        Ok(workspace) => workspace,
        Err(code) => return code,
    };
    let today = super::today(args.today, &workspace);
    let junit = args.format == TestFormat::Junit;
    let (report, passed) = rules_cmd::test(&workspace, today, args.std, junit, super::stdout_color());
    print!("{report}");
    if passed { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

pub fn why(args: &WhyArgs) -> ExitCode {
    let workspace = match super::load(&args.paths) {
        Ok(workspace) => workspace,
        Err(code) => return code,
    };
    let today = super::today(args.today, &workspace);
    match rules_cmd::why(&workspace, &args.entity, today) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(message) => super::usage_error(&message),
    }
}

pub fn rules(args: &RulesArgs) -> ExitCode {
    let workspace = match library(&args.paths) {
        Ok(workspace) => workspace,
        Err(code) => return code,
    };
    print!("{}", rules_cmd::rules(&workspace, args.format == RulesFormat::Markdown));
    ExitCode::SUCCESS
}

pub fn explain(args: &ExplainArgs) -> ExitCode {
    let workspace = match library(&args.paths) {
        Ok(workspace) => workspace,
        Err(code) => return code,
    };
    match rules_cmd::explain(&workspace, &args.name) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(message) => super::usage_error(&message),
    }
}

/// The workspace around `paths`, or the std library alone when no path was given and
/// the current directory holds no `.charter` file (`charter explain` works anywhere).
fn library(paths: &[PathBuf]) -> Result<Workspace, ExitCode> {
    match Workspace::load(paths) {
        Ok(workspace) => Ok(workspace),
        Err(LoadError::NoFiles { .. }) if paths.is_empty() => {
            let root = std::env::current_dir().unwrap_or_default();
            Ok(Workspace::from_texts(root, Config::default(), Vec::new(), &|_| None))
        }
        Err(error) => Err(super::usage_error(&error.to_string())),
    }
}
