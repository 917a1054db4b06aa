//! What the CLI test files share: the real binary in a directory with color off, throwaway
//! workspaces, and a run's transcript as a user sees it.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A fixture directory under `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// The binary in `directory`, with no standard input and every color variable of the
/// caller's environment removed, so a developer's `FORCE_COLOR` or CI's `NO_COLOR` does
/// not leak in.
pub fn bare(directory: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_charter"));
    command.current_dir(directory).stdin(Stdio::null());
    for variable in ["NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "CLICOLOR"] {
        command.env_remove(variable);
    }
    command
}

/// [`bare`] with color off, as a reviewer reads snapshots.
pub fn charter(directory: &Path) -> Command {
    let mut command = bare(directory);
    command.env("NO_COLOR", "1");
    command
}

/// A temporary directory holding `files` (name, text); subdirectories are made.
pub fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = directory.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    directory
}

pub fn output(command: &mut Command) -> Output {
    command.output().expect("the charter binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// What a user sees: the exit status, stdout and stderr.
pub fn transcript(command: &mut Command) -> String {
    let output = output(command);
    format!(
        "exit: {:?}\n----- stdout -----\n{}----- stderr -----\n{}",
        output.status.code(),
        stdout(&output),
        stderr(&output)
    )
}

/// `charter ARGS` in `directory` as a session reads: the command line, the exit status,
/// stdout and stderr.
pub fn session(directory: &Path, args: &[&str]) -> String {
    let output = output(charter(directory).args(args));
    format!(
        "$ charter {}\nexit status: {}\n----- stdout -----\n{}----- stderr -----\n{}",
        args.join(" "),
        output.status.code().map_or_else(|| "signal".to_string(), |code| code.to_string()),
        stdout(&output),
        stderr(&output),
    )
}
