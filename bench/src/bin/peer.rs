//! `peer EXPORT.json [TODAY]`: the Rego peer's timed run — read the JSON `charter export`
//! wrote, parse it, evaluate the 8 rules with regorus and print the flagged pairs, one
//! `rule<TAB>entity` a line, sorted.
//!
//! `peer --lean EXPORT.json` prints that JSON cut down to what the policy reads
//! (`charter_bench::peer::lean`): `bench/run` writes it once and times the peer over it.
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
        [flag, export] if flag == "--lean" => match read(export).and_then(|text| charter_bench::peer::lean(&text)) {
            Ok(lean) => return print(&lean),
            Err(error) => Err(error),
        },
        [export] => read(export).and_then(|text| charter_bench::peer::flagged(&text, charter_bench::TODAY)),
        [export, today] => read(export).and_then(|text| charter_bench::peer::flagged(&text, today)),
        _ => Err("usage: peer EXPORT.json [TODAY] | peer --lean EXPORT.json | peer --charter CHECK.json".to_string()),
    };
    match result {
        Ok(pairs) => print(&charter_bench::lines(&pairs)),
        Err(error) => {
            eprintln!("peer: {error}");
            ExitCode::FAILURE
        }
    }
}

fn print(text: &str) -> ExitCode {
    if std::io::stdout().lock().write_all(text.as_bytes()).is_err() {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn read(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|error| format!("cannot read `{path}`: {error}"))
}
