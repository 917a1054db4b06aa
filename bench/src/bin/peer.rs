//! `peer EXPORT.json [TODAY]`: the Rego peer's timed run — read the JSON `charter export`
//! wrote, parse it, evaluate the 8 rules with regorus and print the flagged pairs, one
//! `rule<TAB>entity` a line, sorted.
//!
//! `peer --charter CHECK.json` prints, in the same form, the pairs of those 8 rules among
//! the findings of `charter check --format json`, so `bench/run` can compare the two.

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let result = match arguments.as_slice() {
        [flag, check] if flag == "--charter" => {
            read(check).and_then(|text| charter_bench::charter_pairs(&text))
        }
        [export] => read(export).and_then(|text| charter_bench::peer::flagged(&text, charter_bench::TODAY)),
        [export, today] => read(export).and_then(|text| charter_bench::peer::flagged(&text, today)),
        _ => Err("usage: peer EXPORT.json [TODAY] | peer --charter CHECK.json".to_string()),
    };
    match result {
        Ok(pairs) => {
            let mut out = std::io::stdout().lock();
            if out.write_all(charter_bench::lines(&pairs).as_bytes()).is_err() {
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("peer: {error}");
            ExitCode::FAILURE
        }
    }
}

fn read(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|error| format!("cannot read `{path}`: {error}"))
}
