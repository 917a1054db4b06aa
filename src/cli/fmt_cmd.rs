//! `charter fmt`: rewrites `.charter` files in the canonical layout (`docs/formatting.md`).
//!
//! Files are formatted in parallel and reported in path order. A file is rewritten only
//! when its text changes, atomically (a temporary file in the same directory, renamed over
//! the original, with the original's permissions and, where the operating system allows,
//! its owner and group). A read-only file is never replaced, even by root, who could; a
//! file that could not be written is reported with the reason and is not counted as
//! reformatted. A file with syntax errors is left as it is and its diagnostics are
//! printed. `--check` and `--diff` never write. Files are read like `charter check`
//! reads them (`crate::source::read`): only regular `.charter` files, up to the limit.

use clap::Args;
use rayon::prelude::*;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::diagnostic::Diagnostic;
use crate::model::workspace::{display_name, source_files};
use crate::source::{MAX_FILE_SIZE, SourceFile, SourceMap, read};

#[derive(Args, Debug)]
pub struct FmtArgs {
    /// Files or directories to format (default: the current directory); `-` formats
    /// standard input to standard output.
    paths: Vec<PathBuf>,
    /// Change nothing: list the files that would change and exit 1 if there are any.
    #[arg(long)]
    check: bool,
    /// Change nothing: print a unified diff of what would change and exit 1 if anything would.
    #[arg(long)]
    diff: bool,
}

/// Runs `charter fmt` from its parsed arguments.
pub fn run_args(args: &FmtArgs) -> ExitCode {
    run(&args.paths, args.check, args.diff, super::stdout_color())
}

/// Formats `paths` (the current directory when empty; `-` alone means standard input).
/// Exit status: 0 done (or nothing to change); 1 a file has syntax errors, or would change
/// under `check` or `diff`; 2 the command could not run (a path is missing or unreadable,
/// a file cannot be written). `color` paints diffs and diagnostics.
pub fn run(paths: &[PathBuf], check: bool, diff: bool, color: bool) -> ExitCode {
    let stdin = Path::new("-");
    if paths.iter().any(|path| path == stdin) {
        if paths.len() > 1 {
            return usage("`-` (standard input) cannot be combined with other paths");
        }
        return run_stdin(check, diff, color);
    }
    let current = std::env::current_dir().unwrap_or_default();
    let requested: Vec<PathBuf> = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths.to_vec() };
    let mut status = Status::default();
    let mut files = Vec::new();
    for path in &requested {
        match source_files(path) {
            Ok(found) => files.extend(found),
            Err(error) => {
                eprintln!("{}: {error}", paint("error", ERROR, color));
                status.failed = true;
            }
        }
    }
    files.sort();
    files.dedup();
    if files.is_empty() && !status.failed {
        let shown: Vec<String> = requested.iter().map(|path| format!("`{}`", path.display())).collect();
        return usage(&format!("no `.charter` files found in {}", shown.join(", ")));
    }

    let outcomes: Vec<(PathBuf, Outcome)> = files
        .into_par_iter()
        .map(|path| {
            let outcome = format_file(&path);
            (path, outcome)
        })
        .collect();
    let write = !check && !diff;
    let mut stdout = std::io::stdout().lock();
    let mut counts = Counts::default();
    for (path, outcome) in outcomes {
        let name = display_name(&current, &path);
        match outcome {
            Outcome::Unchanged => counts.unchanged += 1,
            Outcome::Changed { original, formatted } => {
                if check {
                    let _ = writeln!(stdout, "{name}");
                }
                if diff {
                    let _ = stdout.write_all(unified_diff(&name, &original, &formatted, color).as_bytes());
                }
                if write {
                    match write_atomically(&path, &formatted) {
                        Ok(()) => counts.changed += 1,
                        Err(error) => {
                            eprintln!("{}: cannot write `{name}`: {error}", paint("error", ERROR, color));
                            counts.unwritten += 1;
                            status.failed = true;
                        }
                    }
                } else {
                    counts.changed += 1;
                    status.would_change = true;
                }
            }
            Outcome::Syntax { text, diagnostics } => {
                counts.broken += 1;
                status.syntax = true;
                eprint!("{}", render_diagnostics(&path, &name, text, &diagnostics, color));
            }
            Outcome::Unreadable(reason) => {
                eprintln!("{}: cannot read `{name}`: {reason}", paint("error", ERROR, color));
                status.failed = true;
            }
        }
    }
    let _ = stdout.flush();
    if counts.changed + counts.unchanged + counts.broken + counts.unwritten > 0 {
        eprintln!("{}", counts.summary(write));
    }
    status.code()
}

/// `charter fmt -`: standard input to standard output.
fn run_stdin(check: bool, diff: bool, color: bool) -> ExitCode {
    let name = "<stdin>";
    let mut bytes = Vec::new();
    // Bounded like a source file on disk, so `charter fmt - < /dev/zero` ends.
    if let Err(error) = std::io::stdin().take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes) {
        return usage(&format!("cannot read standard input: {error}"));
    }
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return usage(&format!(
            "standard input is larger than the limit of {} MiB of a Charter file",
            MAX_FILE_SIZE / (1024 * 1024)
        ));
    }
    let Ok(text) = String::from_utf8(bytes) else {
        return usage("standard input is not valid UTF-8; Charter files must be UTF-8 text");
    };
    match crate::fmt::format_source(&text) {
        Ok(formatted) => {
            let changed = formatted != text;
            let mut stdout = std::io::stdout().lock();
            if check && changed {
                let _ = writeln!(stdout, "{name}");
            }
            if diff && changed {
                let _ = stdout.write_all(unified_diff(name, &text, &formatted, color).as_bytes());
            }
            if !check && !diff {
                let _ = stdout.write_all(formatted.as_bytes());
            }
            let _ = stdout.flush();
            if (check || diff) && changed { ExitCode::from(1) } else { ExitCode::SUCCESS }
        }
        Err(diagnostics) => {
            eprint!("{}", render_diagnostics(Path::new(name), name, text, &diagnostics, color));
            ExitCode::from(1)
        }
    }
}

/// What formatting one file found.
enum Outcome {
    Unchanged,
    Changed { original: String, formatted: String },
    Syntax { text: String, diagnostics: Vec<Diagnostic> },
    Unreadable(String),
}

fn format_file(path: &Path) -> Outcome {
    let text = match read::read_source(path) {
        Ok(text) => text,
        Err(error) => return Outcome::Unreadable(error.to_string()),
    };
    match crate::fmt::format_source(&text) {
        Ok(formatted) if formatted == text => Outcome::Unchanged,
        Ok(formatted) => Outcome::Changed { original: text, formatted },
        Err(diagnostics) => Outcome::Syntax { text, diagnostics },
    }
}

/// Why a file was not written.
enum WriteError {
    /// The file has no write permission: replacing it through a rename would succeed (the
    /// directory is writable, or the user is root) but would override the owner's choice.
    ReadOnly,
    Io(std::io::Error),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::ReadOnly => write!(f, "the file is read-only"),
            WriteError::Io(error) => write!(f, "{error}"),
        }
    }
}

impl From<std::io::Error> for WriteError {
    fn from(error: std::io::Error) -> WriteError {
        WriteError::Io(error)
    }
}

/// Replaces `path`'s content through a temporary file in the same directory, renamed over
/// it, so that a reader never sees half a file; the file keeps its permissions and, where
/// the operating system lets this user set them, its owner and group. A read-only file is
/// refused: its mode bits are checked, not `access()`, because root may write anything. A
/// symbolic link is followed: the file it points to is rewritten.
fn write_atomically(path: &Path, text: &str) -> Result<(), WriteError> {
    let target = std::fs::canonicalize(path)?;
    let metadata = std::fs::metadata(&target)?;
    let permissions = metadata.permissions();
    if permissions.readonly() {
        return Err(WriteError::ReadOnly);
    }
    let directory = target.parent().unwrap_or_else(|| Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(directory)?;
    file.write_all(text.as_bytes())?;
    file.as_file().sync_all()?;
    keep_owner(file.as_file(), &metadata);
    file.as_file().set_permissions(permissions)?;
    file.persist(&target).map_err(|error| error.error)?;
    Ok(())
}

/// Gives the temporary file the original's owner and group. Only root may give a file to
/// another user, so for anyone else this keeps what it can (the group, when the user is
/// in it) and the rest is left as created.
#[cfg(unix)]
fn keep_owner(file: &std::fs::File, original: &std::fs::Metadata) {
    use std::os::unix::fs::MetadataExt;
    if std::os::unix::fs::fchown(file, Some(original.uid()), Some(original.gid())).is_err() {
        let _ = std::os::unix::fs::fchown(file, None, Some(original.gid()));
    }
}

#[cfg(not(unix))]
fn keep_owner(_file: &std::fs::File, _original: &std::fs::Metadata) {}

/// A unified diff of the formatting, `a/NAME` to `b/NAME`, three lines of context.
fn unified_diff(name: &str, original: &str, formatted: &str, color: bool) -> String {
    let diff = similar::TextDiff::from_lines(original, formatted);
    let text =
        diff.unified_diff().context_radius(3).header(&format!("a/{name}"), &format!("b/{name}")).to_string();
    if !color {
        return text;
    }
    let mut painted = String::with_capacity(text.len() + text.len() / 4);
    for line in text.split_inclusive('\n') {
        let content = line.strip_suffix('\n').unwrap_or(line);
        let style = if content.starts_with("+++") || content.starts_with("---") {
            BOLD
        } else if content.starts_with('+') {
            GREEN
        } else if content.starts_with('-') {
            RED
        } else if content.starts_with("@@") {
            CYAN
        } else {
            ""
        };
        if style.is_empty() {
            painted.push_str(line);
        } else {
            painted.push_str(&paint(content, style, true));
            if line.ends_with('\n') {
                painted.push('\n');
            }
        }
    }
    painted
}

/// The syntax diagnostics of one file, as `charter check` shows them.
fn render_diagnostics(
    path: &Path,
    name: &str,
    text: String,
    diagnostics: &[Diagnostic],
    color: bool,
) -> String {
    // `format_source` parses the file as the first of its source map.
    let mut sources = SourceMap::default();
    sources.add(SourceFile::new(path.to_path_buf(), name.to_string(), text));
    let mut out = crate::render::human::render(&sources, diagnostics, color);
    out.push_str(&format!("`{name}` was left unchanged\n"));
    out
}

#[derive(Default)]
struct Status {
    /// A path could not be read or a file could not be written.
    failed: bool,
    /// A file has syntax errors.
    syntax: bool,
    /// `--check` or `--diff` found a file that would change.
    would_change: bool,
}

impl Status {
    fn code(&self) -> ExitCode {
        if self.failed {
            ExitCode::from(2)
        } else if self.syntax || self.would_change {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        }
    }
}

#[derive(Default)]
struct Counts {
    /// Reformatted (written), or that would be under `--check` and `--diff`.
    changed: usize,
    unchanged: usize,
    broken: usize,
    /// Would have been reformatted, but writing failed.
    unwritten: usize,
}

impl Counts {
    fn summary(&self, written: bool) -> String {
        let files = |count: usize| if count == 1 { "file" } else { "files" };
        let mut parts = Vec::new();
        if written {
            parts.push(format!("{} {} reformatted", self.changed, files(self.changed)));
        } else {
            parts.push(format!("{} {} would be reformatted", self.changed, files(self.changed)));
        }
        parts.push(format!("{} already formatted", self.unchanged));
        if self.broken > 0 {
            parts.push(format!("{} {} with syntax errors left unchanged", self.broken, files(self.broken)));
        }
        if self.unwritten > 0 {
            parts.push(format!("{} {} could not be written", self.unwritten, files(self.unwritten)));
        }
        parts.join(", ")
    }
}

const ERROR: &str = "1;31";
const RED: &str = "31";
const GREEN: &str = "32";
const CYAN: &str = "36";
const BOLD: &str = "1";

fn paint(text: &str, style: &str, color: bool) -> String {
    if color { format!("\u{1b}[{style}m{text}\u{1b}[0m") } else { text.to_string() }
}

fn usage(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}
