//! `charter init`: a starter workspace that checks clean and teaches the language.

use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Where to create the workspace (default: the current directory).
    #[arg(default_value = ".")]
    dir: PathBuf,
}

/// The starter files, relative to the new workspace.
const FILES: [(&str, &str); 2] = [
    ("charter.toml", include_str!("../init/charter.toml")),
    ("portfolio.charter", include_str!("../init/portfolio.charter")),
];

pub fn run(args: &InitArgs) -> ExitCode {
    let existing: Vec<String> = FILES
        .iter()
        .map(|(name, _)| args.dir.join(name))
        .filter(|path| path.exists())
        .map(|path| format!("`{}`", path.display()))
        .collect();
    if !existing.is_empty() {
        return super::usage_error(&format!(
            "refusing to overwrite {}; run `charter init` in an empty directory",
            existing.join(" and ")
        ));
    }
    if let Err(error) = std::fs::create_dir_all(&args.dir) {
        return super::usage_error(&format!("cannot create `{}`: {error}", args.dir.display()));
    }
    for (name, text) in FILES {
        let path = args.dir.join(name);
        if let Err(error) = std::fs::write(&path, text) {
            return super::usage_error(&format!("cannot write `{}`: {error}", path.display()));
        }
        println!("created {}", path.display());
    }
    println!("\nnext: `charter check {}`", args.dir.display());
    ExitCode::SUCCESS
}
