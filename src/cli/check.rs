//! `charter check`.

use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use super::CheckFormat;
use crate::diagnostic::Severity;
use crate::render;

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Files or directories to check (default: the current directory).
    paths: Vec<PathBuf>,
    /// How to print findings.
    #[arg(long, value_enum, default_value = "human")]
    format: CheckFormat,
    /// Fail (exit 1) on warnings too.
    #[arg(long)]
    deny_warnings: bool,
    /// Evaluate as of this date (YYYY-MM-DD) instead of the system date.
    #[arg(long, value_parser = super::parse_date)]
    today: Option<jiff::civil::Date>,
}

pub fn run(args: &CheckArgs) -> ExitCode {
    let workspace = match super::load(&args.paths) {
        Ok(workspace) => workspace,
        Err(code) => return code,
    };
    let today = super::today(args.today, &workspace);
    let findings = crate::check(&workspace, today);
    let output = match args.format {
        CheckFormat::Human => render::human::render(&workspace.sources, &findings, super::stdout_color()),
        CheckFormat::Short => render::short::render(&workspace.sources, &findings),
        CheckFormat::Json => render::json::render(&workspace.sources, &findings, crate::totals(&workspace)),
    };
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(output.as_bytes()).and_then(|()| stdout.flush()).is_err() {
        return ExitCode::from(2);
    }
    let deny_warnings = args.deny_warnings || workspace.config.check.deny_warnings;
    let failing = findings.iter().any(|finding| {
        finding.severity == Severity::Error || (deny_warnings && finding.severity == Severity::Warning)
    });
    if failing { ExitCode::from(1) } else { ExitCode::SUCCESS }
}
