//! Hostile and unusual input through the real binary (issue 10): what `use`, the walk and
//! the command line may read, line ends, and how `charter fmt` writes.
//!
//! Nothing but `.charter` source may ever be echoed: every case that points Charter at
//! `/proc/self/environ` runs the binary with a sentinel variable in its environment and
//! asserts that the sentinel's value appears nowhere in what it prints.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use insta_cmd::get_cargo_bin;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CONFIG: &str = "[check]\ntoday = \"2026-11-26\"\nstd = false\n";

/// The value of the sentinel variable every child gets; it must never be printed.
const SECRET: &str = "s3cr3t-sentinel-value";

/// The size limit of a source file (`charter::source::MAX_FILE_SIZE`).
const LIMIT: u64 = 8 * 1024 * 1024;

fn charter(directory: &Path) -> Command {
    let mut command = Command::new(get_cargo_bin("charter"));
    command.current_dir(directory).env("NO_COLOR", "1").env("CHARTER_SENTINEL", SECRET).stdin(Stdio::null());
    command
}

fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = directory.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    directory
}

/// What the user sees: the exit status, stdout and stderr. A run that has not finished
/// after a minute is a hang (a FIFO opened for reading): it is killed and the test fails,
/// instead of the whole suite hanging.
fn run(command: &mut Command) -> String {
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("`charter` did not finish: {command:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stdout.contains(SECRET) && !stderr.contains(SECRET),
        "the environment leaked:\n{stdout}\n{stderr}"
    );
    format!("exit: {:?}\n----- stdout -----\n{stdout}----- stderr -----\n{stderr}", output.status.code())
}

/// `charter check` in every format; every one is checked for the sentinel, the human one
/// is returned for the snapshot.
fn check_all_formats(directory: &Path, paths: &[&str]) -> String {
    for format in ["short", "json", "sarif", "github"] {
        run(charter(directory).arg("check").args(paths).args(["--format", format]));
    }
    run(charter(directory).arg("check").args(paths))
}

/// Enough `..` to climb from any temporary directory to `/`.
fn to_root() -> String {
    "../".repeat(12)
}

fn mkfifo(path: &Path) -> bool {
    match Command::new("mkfifo").arg(path).status() {
        Ok(status) if status.success() => true,
        _ => {
            eprintln!("skipped: `mkfifo` is not available");
            false
        }
    }
}

// ── `use` ────────────────────────────────────────────────────────────────────────────

#[test]
fn use_of_a_fifo_is_refused_without_opening_it() {
    let directory =
        workspace(&[("charter.toml", CONFIG), ("a.charter", "use \"pipe.charter\"\nperson a {}\n")]);
    if !mkfifo(&directory.path().join("pipe.charter")) {
        return;
    }
    // Through `use` alone: the walk skips what is not a regular file.
    insta::assert_snapshot!(check_all_formats(directory.path(), &["a.charter"]));
    insta::assert_snapshot!(
        "walk_skips_a_fifo",
        run(charter(directory.path()).args(["check", "--format", "short"]))
    );
}

#[test]
fn use_of_dev_zero_is_refused() {
    let text = format!("use \"{}dev/zero\"\nperson a {{}}\n", to_root());
    let directory = workspace(&[("charter.toml", CONFIG), ("a.charter", &text)]);
    insta::assert_snapshot!(check_all_formats(directory.path(), &[]));
}

#[test]
fn use_of_proc_self_environ_never_prints_the_environment() {
    let text = format!("use \"{}proc/self/environ\"\nperson a {{}}\n", to_root());
    let directory = workspace(&[("charter.toml", CONFIG), ("a.charter", &text)]);
    insta::assert_snapshot!(check_all_formats(directory.path(), &[]));
}

#[cfg(unix)]
#[test]
fn use_of_a_charter_named_link_to_proc_self_environ_is_refused() {
    let directory =
        workspace(&[("charter.toml", CONFIG), ("a.charter", "use \"lib/env.charter\"\nperson a {}\n")]);
    std::fs::create_dir(directory.path().join("lib")).unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", directory.path().join("lib/env.charter")).unwrap();
    insta::assert_snapshot!(check_all_formats(directory.path(), &["a.charter"]));
}

#[cfg(unix)]
#[test]
fn use_of_a_link_to_a_charter_file_is_followed() {
    let directory = workspace(&[
        ("charter.toml", CONFIG),
        ("a.charter", "use \"shared/link.charter\"\nproject p { sponsor: b }\n"),
        ("shared/people.charter", "person b {}\n"),
    ]);
    std::os::unix::fs::symlink("people.charter", directory.path().join("shared/link.charter")).unwrap();
    // Only `a.charter` is checked: `shared/` is reached through the link alone.
    insta::assert_snapshot!(run(charter(directory.path()).args(["check", "a.charter", "--format", "short"])));
}

#[cfg(unix)]
#[test]
fn the_walk_follows_no_link() {
    let directory = workspace(&[("charter.toml", CONFIG), ("a.charter", "project p { sponsor: b }\n")]);
    let elsewhere = workspace(&[("b.charter", "person b {}\n")]);
    std::os::unix::fs::symlink("/proc/self/environ", directory.path().join("env.charter")).unwrap();
    std::os::unix::fs::symlink(elsewhere.path().join("b.charter"), directory.path().join("b.charter"))
        .unwrap();
    // Neither link is walked: `b` stays unknown, and the environment is never read.
    let walked = check_all_formats(directory.path(), &[]);
    // Named on the command line, the link to `b.charter` is followed; the other is refused.
    let named = run(charter(directory.path()).args(["check", "a.charter", "b.charter", "--format", "short"]));
    let refused = run(charter(directory.path()).args(["check", "env.charter"]));
    insta::assert_snapshot!(format!(
        "$ charter check\n{walked}\n$ charter check a.charter b.charter\n{named}\n$ charter check env.charter\n{refused}"
    ));
}

#[test]
fn use_of_a_directory_is_refused() {
    let directory = workspace(&[
        ("charter.toml", CONFIG),
        ("a.charter", "use \"lib.charter\"\nperson a {}\n"),
        ("lib.charter/b.charter", "person b {}\n"),
    ]);
    insta::assert_snapshot!(check_all_formats(directory.path(), &[]));
}

#[test]
fn use_of_a_file_not_named_charter_is_refused_unread() {
    let directory = workspace(&[
        ("charter.toml", CONFIG),
        ("a.charter", "use \".env\"\nuse \"notes.txt\"\nperson a {}\n"),
        (".env", &format!("TOKEN={SECRET}\n")),
        ("notes.txt", &format!("{SECRET}\n")),
    ]);
    insta::assert_snapshot!(check_all_formats(directory.path(), &[]));
}

#[test]
fn use_of_an_oversized_file_is_refused() {
    // `lib/` is ignored, so the walk of the workspace leaves it to the `use`.
    let directory = workspace(&[
        ("charter.toml", CONFIG),
        (".gitignore", "lib/\n"),
        ("a.charter", "use \"lib/big.charter\"\nperson a {}\n"),
    ]);
    std::fs::create_dir(directory.path().join("lib")).unwrap();
    // Sparse: it reads as zeros, which is fine, as it must not be read at all.
    std::fs::File::create(directory.path().join("lib/big.charter")).unwrap().set_len(LIMIT + 1).unwrap();
    insta::assert_snapshot!(check_all_formats(directory.path(), &["a.charter"]));
}

#[test]
fn a_file_at_the_limit_is_read() {
    let directory = workspace(&[("charter.toml", CONFIG)]);
    let mut text = "person a {}\n".to_string();
    text.push_str(&" ".repeat(LIMIT as usize - text.len()));
    std::fs::write(directory.path().join("a.charter"), text).unwrap();
    insta::assert_snapshot!(run(charter(directory.path()).args(["check", "--format", "short"])));
}

#[test]
fn use_of_a_file_that_is_not_utf8_names_the_byte() {
    let directory = workspace(&[
        ("charter.toml", CONFIG),
        (".gitignore", "lib/\n"),
        ("a.charter", "use \"lib/b.charter\"\nperson a {}\n"),
    ]);
    std::fs::create_dir(directory.path().join("lib")).unwrap();
    std::fs::write(directory.path().join("lib/b.charter"), b"person b \"\xff\" {}\n").unwrap();
    // `lib/` is ignored (a walked file that is not UTF-8 stops the whole check), so only
    // the `use` reaches it and reports it.
    insta::assert_snapshot!(run(charter(directory.path()).args(["check", "a.charter"])));
}

#[test]
fn a_config_linked_to_proc_self_environ_is_refused() {
    let directory = workspace(&[("a.charter", "person a {}\n")]);
    #[cfg(unix)]
    std::os::unix::fs::symlink("/proc/self/environ", directory.path().join("charter.toml")).unwrap();
    insta::assert_snapshot!(run(charter(directory.path()).args(["check"])));
}

// ── the command line ─────────────────────────────────────────────────────────────────

/// `check` and `fmt` on one path: both exit 2 with a message naming it.
fn both_commands(directory: &Path, path: &str) -> String {
    let check = run(charter(directory).args(["check", path]));
    let fmt = run(charter(directory).args(["fmt", path]));
    format!("$ charter check {path}\n{check}\n$ charter fmt {path}\n{fmt}")
}

#[test]
fn command_line_dev_zero() {
    let directory = workspace(&[("charter.toml", CONFIG)]);
    insta::assert_snapshot!(both_commands(directory.path(), "/dev/zero"));
}

#[test]
fn command_line_proc_self_environ() {
    let directory = workspace(&[("charter.toml", CONFIG)]);
    insta::assert_snapshot!(both_commands(directory.path(), "/proc/self/environ"));
    for format in ["json", "sarif", "github"] {
        run(charter(directory.path()).args(["check", "/proc/self/environ", "--format", format]));
    }
}

#[test]
fn command_line_fifo() {
    let directory = workspace(&[("charter.toml", CONFIG)]);
    if !mkfifo(&directory.path().join("pipe.charter")) {
        return;
    }
    insta::assert_snapshot!(both_commands(directory.path(), "pipe.charter"));
}

#[test]
fn command_line_file_not_named_charter() {
    let directory = workspace(&[("charter.toml", CONFIG), ("notes.txt", &format!("{SECRET}\n"))]);
    insta::assert_snapshot!(both_commands(directory.path(), "notes.txt"));
}

#[test]
fn command_line_oversized_file() {
    let directory = workspace(&[("charter.toml", CONFIG)]);
    std::fs::File::create(directory.path().join("big.charter")).unwrap().set_len(LIMIT + 1).unwrap();
    insta::assert_snapshot!(both_commands(directory.path(), "big.charter"));
}

#[test]
fn walked_oversized_file() {
    let directory = workspace(&[("charter.toml", CONFIG), ("a.charter", "person a {}\n")]);
    std::fs::File::create(directory.path().join("big.charter")).unwrap().set_len(LIMIT + 1).unwrap();
    insta::assert_snapshot!(both_commands(directory.path(), "."));
}

#[test]
fn command_line_not_utf8() {
    let directory = workspace(&[("charter.toml", CONFIG)]);
    let mut bytes = format!("person a \"{SECRET}").into_bytes();
    bytes.extend_from_slice(b"\xff\" {}\n");
    std::fs::write(directory.path().join("bad.charter"), bytes).unwrap();
    insta::assert_snapshot!(both_commands(directory.path(), "bad.charter"));
}

#[test]
fn baseline_that_is_a_device_is_refused() {
    let directory = workspace(&[("charter.toml", CONFIG), ("a.charter", "person a {}\n")]);
    insta::assert_snapshot!(run(charter(directory.path()).args(["check", "--baseline", "/dev/zero"])));
}

#[test]
fn fmt_of_endless_standard_input_stops_at_the_limit() {
    let directory = workspace(&[]);
    let zero = std::fs::File::open("/dev/zero").unwrap();
    insta::assert_snapshot!(run(charter(directory.path()).args(["fmt", "-"]).stdin(zero)));
}

// ── line ends ────────────────────────────────────────────────────────────────────────

/// Each fixture is checked alone: its source (escaped, so every `\r` shows), the short
/// format (line:column of each finding) and the human format.
#[test]
fn line_ends() {
    insta::glob!("fixtures/hostile/inputs/*.charter", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let directory = workspace(&[("charter.toml", CONFIG), ("a.charter", &text)]);
        let short = run(charter(directory.path()).args(["check", "--format", "short"]));
        let human = run(charter(directory.path()).args(["check"]));
        assert!(!human.contains('\r'), "a carriage return reached the terminal:\n{human}");
        insta::assert_snapshot!(format!("source: {text:?}\n\n{short}\n{human}"));
    });
}

#[test]
fn fmt_of_lone_carriage_returns_keeps_every_declaration_and_comment() {
    let text = "// c\rperson b {}\r// d\r\r\nperson   a \"A\" {\r  role: \"x\" // r\r}\r";
    let directory = workspace(&[("charter.toml", CONFIG), ("a.charter", text)]);
    let first = run(charter(directory.path()).args(["fmt"]));
    let formatted = std::fs::read_to_string(directory.path().join("a.charter")).unwrap();
    let again = run(charter(directory.path()).args(["fmt", "--check"]));
    insta::assert_snapshot!(format!("{first}\n{formatted}\n{again}"));
}

// ── fmt writes ───────────────────────────────────────────────────────────────────────

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

const UNFORMATTED: &str = "person   a   \"A\"  {}\n";

#[cfg(unix)]
#[test]
fn fmt_refuses_a_read_only_file_even_as_root() {
    let directory = workspace(&[("charter.toml", CONFIG), ("ro.charter", UNFORMATTED)]);
    let path = directory.path().join("ro.charter");
    set_mode(&path, 0o444);
    let inode = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&path).unwrap());
    insta::assert_snapshot!(run(charter(directory.path()).args(["fmt"])));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), UNFORMATTED);
    assert_eq!(mode(&path), 0o444);
    // Not replaced through a rename either.
    assert_eq!(std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&path).unwrap()), inode);
}

#[cfg(unix)]
#[test]
fn fmt_keeps_the_mode_of_a_writable_file() {
    let directory =
        workspace(&[("charter.toml", CONFIG), ("a.charter", UNFORMATTED), ("b.charter", UNFORMATTED)]);
    set_mode(&directory.path().join("a.charter"), 0o640);
    set_mode(&directory.path().join("b.charter"), 0o755);
    insta::assert_snapshot!(run(charter(directory.path()).args(["fmt"])));
    assert_eq!(mode(&directory.path().join("a.charter")), 0o640);
    assert_eq!(mode(&directory.path().join("b.charter")), 0o755);
    assert_eq!(std::fs::read_to_string(directory.path().join("a.charter")).unwrap(), "person a \"A\" {}\n");
}

/// Only root can give a file to another user, so this runs only where `chown` works.
#[cfg(unix)]
#[test]
fn fmt_keeps_the_owner_and_group_where_it_can() {
    use std::os::unix::fs::MetadataExt;
    let directory = workspace(&[("charter.toml", CONFIG), ("a.charter", UNFORMATTED)]);
    let path = directory.path().join("a.charter");
    if std::os::unix::fs::chown(&path, Some(4321), Some(4322)).is_err() {
        eprintln!("skipped: this user cannot give a file to another user");
        return;
    }
    run(charter(directory.path()).args(["fmt"]));
    let metadata = std::fs::metadata(&path).unwrap();
    assert_eq!((metadata.uid(), metadata.gid()), (4321, 4322));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "person a \"A\" {}\n");
}

/// A read-only directory stops the temporary file. Root ignores directory permissions,
/// so the test probes first and is skipped (with a note) when a file can still be
/// created there.
#[cfg(unix)]
#[test]
fn fmt_in_a_read_only_directory_reports_the_failure_and_counts_nothing() {
    let directory = workspace(&[("charter.toml", CONFIG), ("dir/a.charter", UNFORMATTED)]);
    let locked = directory.path().join("dir");
    set_mode(&locked, 0o555);
    let probe: PathBuf = locked.join("probe");
    if std::fs::write(&probe, "").is_ok() {
        let _ = std::fs::remove_file(&probe);
        set_mode(&locked, 0o755);
        eprintln!("skipped: this user can write into a read-only directory (root)");
        return;
    }
    let shown = run(charter(directory.path()).args(["fmt"]));
    set_mode(&locked, 0o755);
    insta::assert_snapshot!(shown);
    assert_eq!(std::fs::read_to_string(locked.join("a.charter")).unwrap(), UNFORMATTED);
}
