//! `charter export`.

use clap::Args;
use std::io::Write;
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
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    match crate::render::export::write(&workspace, &mut stdout).and_then(|()| stdout.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`charter export | head`) or a full disk: the reader has what it
        // took, and the status says the document is not whole.
        Err(_) => ExitCode::from(2),
    }
}
