//! `synth N DIR`: writes the synthetic portfolio of `N` projects into `DIR`.
//!
//! The files are `charter::synth::portfolio(N)` plus a `charter.toml` fixing `[check] today`,
//! so the same `N` always gives the same bytes and the same findings.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let (Some(count), Some(directory), None) = (arguments.first(), arguments.get(1), arguments.get(2)) else {
        eprintln!("usage: synth PROJECTS DIR");
        return ExitCode::from(2);
    };
    let Ok(projects) = count.parse::<usize>() else {
        eprintln!("synth: `{count}` is not a number of projects");
        return ExitCode::from(2);
    };
    match charter_bench::write_portfolio(projects, &PathBuf::from(directory)) {
        Ok(bytes) => {
            eprintln!("synth: {projects} projects, {bytes} bytes in {directory}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("synth: cannot write `{directory}`: {error}");
            ExitCode::FAILURE
        }
    }
}
