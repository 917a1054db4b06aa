//! `charter graph`.

use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::render::graph::{self, GraphFormat};

#[derive(Args, Debug)]
pub struct GraphArgs {
    /// Files or directories of the workspace (default: the current directory).
    paths: Vec<PathBuf>,
    /// `mermaid` (renders in GitHub Markdown) or `dot` (Graphviz).
    #[arg(long, value_enum, default_value = "mermaid")]
    format: GraphFormatArg,
    /// Show only this objective, project or metric and its direct neighbours.
    #[arg(long, value_name = "ID")]
    focus: Option<String>,
    /// Write the graph to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Evaluate as of this date (YYYY-MM-DD) instead of the system date.
    #[arg(long, value_parser = super::parse_date)]
    today: Option<jiff::civil::Date>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum GraphFormatArg {
    Mermaid,
    Dot,
}

pub fn run(args: &GraphArgs) -> ExitCode {
    let workspace = match super::load(&args.paths) {
        Ok(workspace) => workspace,
        Err(code) => return code,
    };
    let today = super::today(args.today, &workspace);
    let findings = crate::check(&workspace, today);
    let format = match args.format {
        GraphFormatArg::Mermaid => GraphFormat::Mermaid,
        GraphFormatArg::Dot => GraphFormat::Dot,
    };
    match graph::render(&workspace.portfolio, &findings, format, args.focus.as_deref()) {
        Ok(text) => super::report::write_output(args.output.as_deref(), &text),
        Err(message) => super::usage_error(&message),
    }
}
