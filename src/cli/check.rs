//! `charter check`.

use clap::Args;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::CheckFormat;
use crate::diagnostic::Severity;
use crate::render;

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Files or directories to check (default: the current directory).
    paths: Vec<PathBuf>,
    /// How to print findings.
    #[arg(long, value_enum, default_value = "human")]
    format: CheckFormat,
    /// Fail (exit 1) on warnings too.
    #[arg(long)]
    deny_warnings: bool,
    /// Evaluate as of this date (YYYY-MM-DD) instead of the system date.
    #[arg(long, value_parser = super::parse_date)]
    today: Option<jiff::civil::Date>,
    /// Report and fail only on findings not recorded in this baseline file.
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    baseline: Option<PathBuf>,
    /// Record today's findings in FILE as the accepted baseline, print nothing, exit 0.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// After the findings, list rules that matched no subject and entities no rule examined.
    #[arg(long)]
    coverage: bool,
    /// Also show each rule violation's rule source (`charter explain RULE` shows it too).
    #[arg(short, long)]
    verbose: bool,
    /// Show only errors, then the summary line (`human` and `short`; other formats list
    /// every finding).
    #[arg(short, long)]
    quiet: bool,
    /// For `sarif`, `github` and `gitlab`: the workspace root's path from the repository root, put
    /// before every file path. Default: found from the enclosing git repository.
    #[arg(long, value_name = "PATH")]
    path_prefix: Option<String>,
    #[command(flatten)]
    cache: CacheArgs,
}

/// Where `charter check` keeps its cache (docs/ci.md, "Caching").
#[derive(Args, Debug)]
pub struct CacheArgs {
    /// Neither read nor write the cache: parse and check every file.
    #[arg(long)]
    no_cache: bool,
    /// Keep the cache in DIR instead of `.charter_cache/` at the workspace root (a
    /// workspace without `charter.toml` is cached only then).
    #[arg(long, value_name = "DIR", env = "CHARTER_CACHE_DIR", hide_env_values = true)]
    cache_dir: Option<PathBuf>,
}

impl CacheArgs {
    fn location(&self) -> crate::cache::Location {
        match &self.cache_dir {
            _ if self.no_cache => crate::cache::Location::Off,
            Some(directory) if !directory.as_os_str().is_empty() => {
                crate::cache::Location::In(directory.clone())
            }
            _ => crate::cache::Location::Default,
        }
    }
}

/// The workspace root's path from the repository root: `--path-prefix`, else from the
/// nearest enclosing directory holding `.git` (a directory, or a file in a worktree or
/// submodule), else none.
fn path_prefix(args: &CheckArgs, root: &Path) -> String {
    if let Some(prefix) = &args.path_prefix {
        return prefix.trim_matches('/').to_string();
    }
    let Some(repository) = root.ancestors().find(|ancestor| ancestor.join(".git").exists()) else {
        return String::new();
    };
    let relative = root.strip_prefix(repository).unwrap_or(Path::new(""));
    relative.components().map(|part| part.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

pub fn run(args: &CheckArgs) -> ExitCode {
    let inputs = match super::inputs(&args.paths) {
        Ok(inputs) => inputs,
        Err(code) => return code,
    };
    let today = super::today_in(args.today, &inputs.config);
    let cache = crate::cache::Cache::new(&args.cache.location(), &inputs.root, inputs.config.file.is_some());
    // `--coverage` reads the whole workspace, so it checks it too (and refreshes the cache).
    let mut checked = crate::cache::check(inputs, today, cache.as_ref(), !args.coverage);
    if args.verbose
        && let (crate::cache::Outcome::Unwritable(reason), Some(cache)) = (&checked.outcome, &cache)
    {
        eprintln!(
            "note: checked without the cache: cannot write `{}`: {reason}",
            cache.directory().display()
        );
    }
    if std::env::var_os("CHARTER_CACHE_TRACE").is_some_and(|value| !value.is_empty()) {
        eprintln!("cache: {}", checked.outcome);
    }
    // The paths narrow what is reported; the whole workspace was loaded and checked.
    checked.narrow(&args.paths);
    let findings = std::mem::take(&mut checked.findings);
    if let Some(path) = &args.write_baseline {
        return write_baseline(path, &checked.sources, &findings);
    }
    let deny_warnings = args.deny_warnings || checked.config.check.deny_warnings;
    let findings = match &args.baseline {
        Some(path) => match compare_with_baseline(path, &checked.sources, findings, args.quiet) {
            Ok(findings) => findings,
            Err(code) => return code,
        },
        None => findings,
    };
    let sources = &checked.sources;
    let mut output = match args.format {
        CheckFormat::Human => render::human::render_with(
            sources,
            &findings,
            render::human::Options { color: super::stdout_color(), verbose: args.verbose, quiet: args.quiet },
        ),
        CheckFormat::Short => render::short::render_with(sources, &findings, args.quiet),
        // Written to stdout as it is serialized, below.
        CheckFormat::Json => String::new(),
        CheckFormat::Sarif => {
            render::sarif::render(sources, &findings, &checked.rules(), &path_prefix(args, &checked.root))
        }
        CheckFormat::Github => render::github::render(sources, &findings, &path_prefix(args, &checked.root)),
        CheckFormat::Junit => {
            render::junit::render_check(sources, &findings, &checked.rules(), deny_warnings)
        }
        CheckFormat::Gitlab => render::gitlab::render(sources, &findings, &path_prefix(args, &checked.root)),
    };
    let mut stdout = std::io::stdout().lock();
    if let Some(workspace) = checked.workspace.as_ref().filter(|_| args.coverage) {
        // Coverage goes to stderr for machine formats, so their stdout stays parseable.
        let coverage = super::rules_cmd::coverage(workspace, today);
        match args.format {
            // The summary line stays the last line: coverage goes before it.
            CheckFormat::Human => {
                let summary = output.trim_end_matches('\n').rfind('\n').map_or(0, |end| end + 1);
                output.insert_str(summary, &format!("{coverage}\n"));
            }
            CheckFormat::Short => output.push_str(&coverage),
            _ => eprint!("{coverage}"),
        }
    }
    let written = match args.format {
        CheckFormat::Json => {
            let mut out = std::io::BufWriter::new(&mut stdout);
            render::json::write(&mut out, sources, &findings, checked.totals).and_then(|()| out.flush())
        }
        _ => stdout.write_all(output.as_bytes()),
    };
    if written.and_then(|()| stdout.flush()).is_err() {
        return ExitCode::from(2);
    }
    if args.format == CheckFormat::Short {
        // `short` stdout is one line per finding, for editors and `grep`; the summary that
        // closes `human` output goes to stderr, where a terminal or CI log still shows it.
        let hidden = if args.quiet {
            findings.iter().filter(|finding| finding.severity != Severity::Error).count()
        } else {
            0
        };
        eprint!("{}", render::closing_summary(&findings, hidden));
    }
    let failing = findings.iter().any(|finding| {
        finding.severity == Severity::Error || (deny_warnings && finding.severity == Severity::Warning)
    });
    // Output is flushed and the process is about to exit, which returns all its memory at
    // once: freeing the portfolio and the findings allocation by allocation first would
    // only cost time.
    std::mem::forget((checked, findings, output));
    if failing { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

fn write_baseline(
    path: &std::path::Path,
    sources: &crate::source::SourceMap,
    findings: &[crate::Diagnostic],
) -> ExitCode {
    let baseline = render::baseline::Baseline::record(sources, findings);
    if let Err(error) = std::fs::write(path, baseline.to_json()) {
        return super::usage_error(&format!("cannot write the baseline `{}`: {error}", path.display()));
    }
    eprintln!(
        "wrote {} to the baseline `{}`",
        render::summary_phrase(render::Counts::of(findings)),
        path.display()
    );
    ExitCode::SUCCESS
}

/// The findings the baseline at `path` does not hold; a note on stderr says how many it
/// held and how many of its entries are fixed.
fn compare_with_baseline(
    path: &std::path::Path,
    sources: &crate::source::SourceMap,
    findings: Vec<crate::Diagnostic>,
    quiet: bool,
) -> Result<Vec<crate::Diagnostic>, ExitCode> {
    // Read like a source file (regular, bounded, UTF-8): a FIFO or `/dev/zero` given as the
    // baseline is an error, not a hang.
    let text = crate::source::read::read_data_file(path).map_err(|error| {
        super::usage_error(&format!("cannot read the baseline `{}`: {error}", path.display()))
    })?;
    let baseline = render::baseline::Baseline::parse(&text)
        .map_err(|reason| super::usage_error(&format!("`{}`: {reason}", path.display())))?;
    let comparison = baseline.compare(sources, findings);
    if quiet {
        return Ok(comparison.new);
    }
    if comparison.known > 0 {
        eprintln!(
            "note: {} finding{} recorded in the baseline `{}` not shown",
            comparison.known,
            if comparison.known == 1 { "" } else { "s" },
            path.display()
        );
    }
    if comparison.fixed > 0 {
        eprintln!(
            "note: {} baseline entr{} fixed since; shrink the baseline with `--write-baseline {}`",
            comparison.fixed,
            if comparison.fixed == 1 { "y is" } else { "ies are" },
            path.display()
        );
    }
    Ok(comparison.new)
}
