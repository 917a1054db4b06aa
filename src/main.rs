//! The `charter` command line. All logic lives in the library; see `cli`.

use std::process::ExitCode;

fn main() -> ExitCode {
    charter::cli::main()
}
