//! `charter init`: a starter workspace that checks clean and teaches the language.

use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Where to create the workspace (default: the current directory).
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Date the sample KPI readings as of this day (YYYY-MM-DD) instead of the system date.
    #[arg(long, value_parser = super::parse_date)]
    today: Option<jiff::civil::Date>,
}

/// The dates of the template's sample readings, oldest first: `charter init` moves them to
/// the ends of the three months before the current one, so that the new workspace checks
/// clean (its monthly KPI is not stale) whenever it is created.
const READING_DATES: [&str; 3] = ["2026-08-31", "2026-09-30", "2026-10-31"];

/// `text` with the sample readings dated at the ends of the three months before `today`'s.
pub(crate) fn date_readings(text: &str, today: jiff::civil::Date) -> String {
    let first_of_month = today.first_of_month();
    let mut text = text.to_string();
    // In two passes through markers, so that a new date equal to a later template date is
    // not moved again.
    for (index, template) in READING_DATES.iter().enumerate() {
        text = text.replace(&format!("@ {template}"), &format!("@ \u{0}{index}\u{0}"));
    }
    for index in 0..READING_DATES.len() {
        // The last day of the month `READING_DATES.len() - index` months back.
        let months = i64::try_from(READING_DATES.len() - index).unwrap_or(1) - 1;
        let date = first_of_month
            .checked_sub(jiff::Span::new().months(months))
            .and_then(|date| date.checked_sub(jiff::Span::new().days(1)));
        let shown = date.map_or_else(
            |_| READING_DATES.get(index).copied().unwrap_or("").to_string(),
            |date| date.to_string(),
        );
        text = text.replace(&format!("@ \u{0}{index}\u{0}"), &format!("@ {shown}"));
    }
    text
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
    let today = args.today.unwrap_or_else(|| jiff::Zoned::now().date());
    for (name, text) in FILES {
        let path = args.dir.join(name);
        if let Err(error) = std::fs::write(&path, date_readings(text, today)) {
            return super::usage_error(&format!("cannot write `{}`: {error}", path.display()));
        }
        println!("created {}", path.display());
    }
    println!("\nnext: `charter check {}`", args.dir.display());
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_move_to_the_ends_of_the_last_three_months() {
        let text = "history: [11 @ 2026-08-31, 10 @ 2026-09-30]\nactual: 9 @ 2026-10-31";
        let moved = date_readings(text, jiff::civil::date(2027, 3, 15));
        assert_eq!(moved, "history: [11 @ 2026-12-31, 10 @ 2027-01-31]\nactual: 9 @ 2027-02-28");
        let moved = date_readings(text, jiff::civil::date(2026, 11, 1));
        assert_eq!(moved, text, "on the day the template was written, nothing moves");
    }
}
