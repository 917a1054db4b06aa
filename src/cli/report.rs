//! `charter report`.

use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::render::report::{Dashboard, html, markdown};

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Files or directories of the workspace (default: the current directory).
    paths: Vec<PathBuf>,
    /// `html`: one self-contained page; `markdown`: for a job summary or PR comment;
    /// `json`: the dashboard's data.
    #[arg(long, value_enum)]
    format: ReportFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Evaluate as of this date (YYYY-MM-DD) instead of the system date.
    #[arg(long, value_parser = super::parse_date)]
    today: Option<jiff::civil::Date>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Html,
    Markdown,
    Json,
}

pub fn run(args: &ReportArgs) -> ExitCode {
    let workspace = match super::load(&args.paths) {
        Ok(workspace) => workspace,
        Err(code) => return code,
    };
    let today = super::today(args.today, &workspace);
    let findings = crate::check(&workspace, today);
    let dashboard = Dashboard::build(&workspace, &findings, today);
    let text = match args.format {
        ReportFormat::Html => html::render(&dashboard),
        ReportFormat::Markdown => markdown::render(&dashboard),
        ReportFormat::Json => dashboard.to_json(),
    };
    write_output(args.output.as_deref(), &text)
}

/// Writes `text` to `path`, or to standard output without one.
pub(crate) fn write_output(path: Option<&std::path::Path>, text: &str) -> ExitCode {
    match path {
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => super::usage_error(&format!("cannot write `{}`: {error}", path.display())),
        },
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::from(2),
            }
        }
    }
}
