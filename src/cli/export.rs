//! `charter export`.

use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Files or directories of the workspace (default: the current directory).
    paths: Vec<PathBuf>,
}

pub fn run(args: &ExportArgs) -> ExitCode {
    let workspace = match super::load(&args.paths) {
        Ok(workspace) => workspace,
        Err(code) => return code,
    };
    print!("{}", crate::render::export::render(&workspace));
    ExitCode::SUCCESS
}
