//! The command line: clap definitions and dispatch. Commands only parse arguments, call
//! the library and write its output; they hold no logic of their own.

mod check;
mod export;
mod fmt_cmd;
mod graph;
mod init;
mod report;
mod rules;
mod rules_cmd;

use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::model::{LoadError, Workspace};

#[derive(Parser, Debug)]
#[command(
    name = "charter",
    version,
    about = "Strategy and IT portfolio as code: check objectives, KPIs, projects and governance rules"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// When to color output: `auto` colors a terminal, honouring `NO_COLOR` (off) and
    /// `CLICOLOR_FORCE` or `FORCE_COLOR` (on, as in a CI log).
    #[arg(long, value_enum, default_value = "auto", global = true, value_name = "WHEN")]
    color: ColorArg,
}

/// `--color`: clap's view of [`crate::render::ColorChoice`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

/// The `--color` of this run. The CLI is the only reader; commands ask [`stdout_color`]
/// and [`stderr_color`] rather than threading the flag through every command.
static COLOR: std::sync::OnceLock<crate::render::ColorChoice> = std::sync::OnceLock::new();

#[derive(Subcommand, Debug)]
enum Command {
    /// Check the portfolio against the schema and every governance rule.
    Check(check::CheckArgs),
    /// Print the resolved portfolio as JSON.
    Export(export::ExportArgs),
    /// Create a starter workspace.
    Init(init::InitArgs),
    /// Format files in the canonical layout (docs/formatting.md).
    Fmt(fmt_cmd::FmtArgs),
    /// Write the alignment dashboard: objectives, KPIs, projects, budget allocation, findings.
    Report(report::ReportArgs),
    /// Draw the alignment graph (objectives → projects → metrics) as Mermaid or DOT.
    Graph(graph::GraphArgs),
    /// Run the `test` blocks of the workspace's rule libraries.
    Test(rules::TestArgs),
    /// Show every rule that applies to an entity, and why it passed or failed.
    Why(rules::WhyArgs),
    /// List the rules (std and the workspace's) with severity and summary.
    Rules(rules::RulesArgs),
    /// Print the documentation of a rule or a built-in diagnostic code.
    Explain(rules::ExplainArgs),
}

/// Output formats of `charter check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Human,
    Short,
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands: one annotation per finding.
    Github,
    /// JUnit XML: a test suite per rule or code, a test case per finding (docs/ci.md).
    Junit,
    /// GitLab Code Quality JSON, for `artifacts:reports:codequality` (docs/ci.md).
    Gitlab,
}

/// Runs the command line and returns the exit status.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    let _ = COLOR.set(match cli.color {
        ColorArg::Auto => crate::render::ColorChoice::Auto,
        ColorArg::Always => crate::render::ColorChoice::Always,
        ColorArg::Never => crate::render::ColorChoice::Never,
    });
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Init(args) => init::run(&args),
        Command::Fmt(args) => fmt_cmd::run_args(&args),
        Command::Report(args) => report::run(&args),
        Command::Graph(args) => graph::run(&args),
        Command::Test(args) => rules::test(&args),
        Command::Why(args) => rules::why(&args),
        Command::Rules(args) => rules::rules(&args),
        Command::Explain(args) => rules::explain(&args),
    }
}

/// The exit status for "the command could not run".
pub(crate) fn usage_error(message: &str) -> ExitCode {
    eprintln!("{}: {message}", paint("error", stderr_color()));
    ExitCode::from(2)
}

/// Loads the whole workspace around `paths`; when it cannot be loaded, says why on stderr
/// and returns exit status 2. A `charter.toml` that is not TOML is shown with its snippet.
pub(crate) fn load(paths: &[PathBuf]) -> Result<Workspace, ExitCode> {
    Workspace::load(paths).map_err(|error| load_error(&error))
}

/// What [`Workspace::inputs`] reads, with the errors of [`load`].
pub(crate) fn inputs(paths: &[PathBuf]) -> Result<crate::model::Inputs, ExitCode> {
    Workspace::inputs(paths).map_err(|error| load_error(&error))
}

/// Says on stderr why the workspace could not be loaded; exit status 2.
fn load_error(error: &LoadError) -> ExitCode {
    match error {
        LoadError::Config { path, text, error: syntax } => {
            let mut sources = crate::source::SourceMap::default();
            let root = path.parent().unwrap_or(std::path::Path::new(""));
            let name = crate::model::workspace::display_name(root, path);
            let file = sources.add(crate::source::SourceFile::new(path.clone(), name, text.clone()));
            let range = syntax.range.clone().unwrap_or(0..0);
            let diagnostic = crate::Diagnostic::builtin(
                crate::diagnostic::BuiltinCode::Config,
                crate::source::Span::new(file, range.start, range.end),
                format!("`charter.toml` is not valid TOML: {}", syntax.message),
            )
            .with_label("the TOML parser stopped here")
            .with_help("fix the TOML syntax; nothing was checked");
            eprint!("{}", crate::render::human::render(&sources, &[diagnostic], stderr_color()));
            ExitCode::from(2)
        }
        _ => usage_error(&error.to_string()),
    }
}

/// The evaluation date: `--today`, else `charter.toml`'s `today`, else the system date.
pub(crate) fn today(flag: Option<jiff::civil::Date>, workspace: &Workspace) -> jiff::civil::Date {
    today_in(flag, &workspace.config)
}

/// [`today`] from the workspace's `charter.toml` alone.
pub(crate) fn today_in(flag: Option<jiff::civil::Date>, config: &crate::model::Config) -> jiff::civil::Date {
    flag.or(config.check.today).unwrap_or_else(|| jiff::Zoned::now().date())
}

pub(crate) fn stdout_color() -> bool {
    crate::render::use_color(color_choice(), std::io::stdout().is_terminal())
}

pub(crate) fn stderr_color() -> bool {
    crate::render::use_color(color_choice(), std::io::stderr().is_terminal())
}

fn color_choice() -> crate::render::ColorChoice {
    COLOR.get().copied().unwrap_or_default()
}

fn paint(text: &str, color: bool) -> String {
    if color { format!("\u{1b}[1;31m{text}\u{1b}[0m") } else { text.to_string() }
}

/// Parses a `--today` value.
pub(crate) fn parse_date(text: &str) -> Result<jiff::civil::Date, String> {
    text.parse::<jiff::civil::Date>().map_err(|_| format!("`{text}` is not a date; write it as YYYY-MM-DD"))
}
