//! The cache of `charter check` (docs/ci.md, "Caching") through the real binary: the
//! findings are the same with and without it, cold and warm, after every kind of change;
//! damaged, foreign, unwritable and concurrently written caches change nothing; and
//! `--no-cache` writes nothing. `CHARTER_CACHE_TRACE=1` makes a run say on stderr whether
//! it used the cache (`cache: hit`, `miss`, `off`, `unwritable (...)`), which the tests
//! read and then leave out of what they compare.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod support;

use std::path::{Path, PathBuf};

use support::{charter, fixture, session};

/// A copy of `tests/fixtures/cache` in a temporary directory: `workspace/` (with a
/// `charter.toml`) and `library/`, which the workspace `use`s from outside.
fn copy() -> tempfile::TempDir {
    fn copy_tree(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            if entry.file_name() == ".charter_cache" {
                continue;
            }
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy_tree(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }
    let directory = tempfile::tempdir().unwrap();
    copy_tree(&fixture("cache"), directory.path());
    directory
}

/// One run of `charter ARGS` in `directory`: what a user sees (exit status, stdout and
/// stderr without the trace line) and the trace (`hit`, `miss`, ...).
fn run(directory: &Path, args: &[&str]) -> (String, String) {
    let output = charter(directory).args(args).env("CHARTER_CACHE_TRACE", "1").output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "charter {args:?} panicked:\n{stderr}");
    let mut trace = String::new();
    let shown: String = stderr
        .lines()
        .filter(|line| match line.strip_prefix("cache: ") {
            Some(outcome) => {
                trace = outcome.to_string();
                false
            }
            None => true,
        })
        .map(|line| format!("{line}\n"))
        .collect();
    let seen = format!(
        "exit status: {:?}\n----- stdout -----\n{}----- stderr -----\n{shown}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout)
    );
    (seen, trace)
}

/// `charter check ARGS --no-cache`: the answer every cached run must give.
fn expected(directory: &Path, args: &[&str]) -> String {
    let mut args = args.to_vec();
    args.push("--no-cache");
    let (seen, trace) = run(directory, &args);
    assert_eq!(trace, "off");
    seen
}

/// Checks that a cached run of `args` gives the uncached answer, and that the run after
/// it reads the stored findings and gives it again; returns the answer.
fn agrees(directory: &Path, args: &[&str], first: &str) -> String {
    let answer = expected(directory, args);
    let (seen, trace) = run(directory, args);
    assert_eq!(trace, first, "charter {args:?}");
    assert_eq!(seen, answer, "charter {args:?} ({first}) differs from --no-cache");
    let (again, trace) = run(directory, args);
    assert_eq!(trace, "hit", "charter {args:?} after a {first}");
    assert_eq!(again, answer, "charter {args:?} (hit) differs from --no-cache");
    answer
}

fn cache_files(workspace: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(workspace.join(".charter_cache/check"))
        .map(|entries| entries.map(|entry| entry.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "`{from}` is not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn cold_warm_and_uncached_checks_agree_in_every_format() {
    let directory = copy();
    let workspace = directory.path().join("workspace");
    let human = agrees(&workspace, &["check"], "miss");
    insta::assert_snapshot!("findings", human);
    for format in ["short", "json", "sarif", "github", "junit", "gitlab"] {
        agrees(&workspace, &["check", "--format", format], "hit");
    }
    // Paths narrow what the stored findings report, as they narrow a fresh check.
    for path in ["sub", "portfolio/projects.charter", "portfolio/people.charter", "."] {
        agrees(&workspace, &["check", "--format", "short", path], "hit");
    }
    agrees(&workspace, &["check", "--quiet", "--deny-warnings"], "hit");
    // Baselines apply after the cache, to the stored findings as to fresh ones.
    let baseline = directory.path().join("baseline.json");
    let baseline = baseline.to_str().unwrap();
    agrees(&workspace, &["check", "--write-baseline", baseline], "hit");
    edit(&workspace.join("sub/more.charter"), "status: proposed", "status: active");
    agrees(&workspace, &["check", "--baseline", baseline], "miss");
    // `--coverage` needs the whole workspace: it checks it each time.
    let coverage = expected(&workspace, &["check", "--coverage"]);
    for _ in 0..2 {
        let (seen, trace) = run(&workspace, &["check", "--coverage"]);
        assert_eq!((seen.as_str(), trace.as_str()), (coverage.as_str(), "miss"));
    }
    // One file of each kind per workspace, and nothing else.
    let names: Vec<String> = cache_files(&workspace)
        .iter()
        .map(|path| path.extension().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["findings", "trees"]);
}

#[test]
fn every_change_is_checked_as_without_the_cache() {
    let directory = copy();
    let workspace = directory.path().join("workspace");
    let projects = workspace.join("portfolio/projects.charter");
    let short = ["check", "--format", "short"];
    let mut log = vec![format!("# cold\n{}", agrees(&workspace, &short, "miss"))];
    let mut step = |name: &str, change: &dyn Fn(), args: &[&str]| {
        change();
        log.push(format!("# {name}\n{}", agrees(&workspace, args, "miss")));
    };
    step("a value changes", &|| edit(&projects, "budget: 9M USD", "budget: 1M USD"), &short);
    step(
        "a declaration is added",
        &|| {
            let mut text = std::fs::read_to_string(&projects).unwrap();
            text.push_str("\nproject pilot \"Pilot\" {\n  status: active\n  sponsor: ana\n}\n");
            std::fs::write(&projects, text).unwrap();
        },
        &short,
    );
    step(
        "a syntax error is introduced",
        &|| edit(&projects, "status: active\n  sponsor: ana\n}", "status:: active\n  sponsor: ana\n}"),
        &short,
    );
    step("the syntax error is repaired", &|| edit(&projects, "status:: active", "status: active"), &short);
    step(
        "the `use`d library changes",
        &|| edit(&directory.path().join("library/house.charter"), "10M USD", "2M USD"),
        &short,
    );
    step(
        "charter.toml changes",
        &|| {
            edit(
                &workspace.join("charter.toml"),
                "project_links_kpi = \"warning\"",
                "project_links_kpi = \"off\"",
            )
        },
        &short,
    );
    step("a file is removed", &|| std::fs::remove_file(workspace.join("sub/more.charter")).unwrap(), &short);
    step("--today changes", &|| {}, &["check", "--format", "short", "--today", "2027-06-01"]);
    insta::assert_snapshot!("changes", log.join("\n"));
}

#[test]
fn a_use_that_fails_to_load_is_never_stored() {
    let directory = copy();
    let workspace = directory.path().join("workspace");
    let people = workspace.join("portfolio/people.charter");
    edit(
        &people,
        "use \"../../library/house.charter\"",
        "use \"../../library/house.charter\"\nuse \"later.charter\"",
    );
    let short = ["check", "--format", "short"];
    let answer = expected(&workspace, &short);
    assert!(answer.contains("charter::use_not_found"), "{answer}");
    for _ in 0..2 {
        let (seen, trace) = run(&workspace, &short);
        assert_eq!((seen.as_str(), trace.as_str()), (answer.as_str(), "miss"));
    }
    // The file appears: the next check loads it.
    std::fs::write(workspace.join("portfolio/later.charter"), "person later \"Later\" {}\n").unwrap();
    let now = agrees(&workspace, &short, "miss");
    assert!(!now.contains("charter::use_not_found"), "{now}");
}

/// A way to damage the cache file at a path.
type Damage = fn(&Path);

/// The ways a cache file can be damaged that a check must see through.
fn damages() -> Vec<(&'static str, Damage)> {
    vec![
        ("emptied", |path| std::fs::write(path, b"").unwrap()),
        ("truncated", |path| {
            let bytes = std::fs::read(path).unwrap();
            std::fs::write(path, &bytes[..bytes.len() / 2]).unwrap();
        }),
        ("garbage", |path| std::fs::write(path, b"\xff\x00garbage\x01\x02".repeat(1000)).unwrap()),
        ("from another format", |path| {
            let mut bytes = std::fs::read(path).unwrap();
            bytes[8] = bytes[8].wrapping_add(1);
            std::fs::write(path, bytes).unwrap();
        }),
        ("from another build", |path| {
            let mut bytes = std::fs::read(path).unwrap();
            // The build (`VERSION+HASH`) follows the 18 bytes of magic, format, kind and length.
            bytes[18] = b'9';
            std::fs::write(path, bytes).unwrap();
        }),
        ("a byte flipped", |path| {
            let mut bytes = std::fs::read(path).unwrap();
            let last = bytes.len() - 1;
            bytes[last] ^= 0x20;
            std::fs::write(path, bytes).unwrap();
        }),
        ("a huge claimed length", |path| {
            let mut bytes = std::fs::read(path).unwrap();
            let at = header_length(&bytes) - 16;
            bytes[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
            std::fs::write(path, bytes).unwrap();
        }),
    ]
}

/// The length of a cache file's header (docs: `src/cache/store.rs`).
fn header_length(bytes: &[u8]) -> usize {
    let build = u16::from_le_bytes([bytes[16], bytes[17]]) as usize;
    18 + build + 16
}

#[test]
fn a_damaged_cache_file_is_ignored_and_rewritten() {
    let directory = copy();
    let workspace = directory.path().join("workspace");
    let short = ["check", "--format", "short"];
    let answer = agrees(&workspace, &short, "miss");
    let files = cache_files(&workspace);
    for (name, damage) in damages() {
        for file in &files {
            damage(file);
            let (seen, trace) = run(&workspace, &short);
            assert_eq!(seen, answer, "{name} {}", file.display());
            let extension = file.extension().unwrap();
            // A damaged findings file means a check; a damaged trees file is not read
            // while the findings hold.
            let outcome = if extension == "findings" { "miss" } else { "hit" };
            assert_eq!(trace, outcome, "{name} {}", file.display());
            if extension == "trees" {
                // Make the check read the trees: change a file.
                edit(&workspace.join("sub/more.charter"), "50k USD", "51k USD");
                let (seen, trace) = run(&workspace, &short);
                assert_eq!(trace, "miss");
                assert_eq!(seen, expected(&workspace, &short), "{name} {}", file.display());
                edit(&workspace.join("sub/more.charter"), "51k USD", "50k USD");
                run(&workspace, &short);
            }
            let (seen, trace) = run(&workspace, &short);
            assert_eq!((seen.as_str(), trace.as_str()), (answer.as_str(), "hit"), "rewritten after {name}");
        }
    }
}

#[test]
fn something_else_in_the_cache_files_place_changes_nothing() {
    let directory = copy();
    let workspace = directory.path().join("workspace");
    let short = ["check", "--format", "short"];
    let answer = agrees(&workspace, &short, "miss");
    let files = cache_files(&workspace);
    for file in &files {
        std::fs::remove_file(file).unwrap();
        std::fs::create_dir_all(file.join("inside")).unwrap();
    }
    let (seen, trace) = run(&workspace, &short);
    assert_eq!(seen, answer);
    assert!(trace.starts_with("unwritable"), "{trace}");
    for file in &files {
        std::fs::remove_dir_all(file).unwrap();
    }
    #[cfg(unix)]
    for file in &files {
        // A FIFO is refused at once, never waited on, and replaced.
        assert!(std::process::Command::new("mkfifo").arg(file).status().unwrap().success());
    }
    let (seen, _) = run(&workspace, &short);
    assert_eq!(seen, answer);
    let (seen, trace) = run(&workspace, &short);
    assert_eq!((seen.as_str(), trace.as_str()), (answer.as_str(), "hit"));
}

#[test]
fn an_unwritable_cache_directory_means_checking_without_it() {
    let directory = copy();
    let workspace = directory.path().join("workspace");
    std::fs::write(directory.path().join("a-file"), "").unwrap();
    let short = ["check", "--format", "short"];
    let answer = expected(&workspace, &short);
    let blocked = directory.path().join("a-file/cache");
    let blocked = blocked.to_str().unwrap();
    let (seen, trace) = run(&workspace, &["check", "--format", "short", "--cache-dir", blocked]);
    assert_eq!(seen, answer);
    assert!(trace.starts_with("unwritable"), "{trace}");
    // `--verbose` says so in one line; without it, nothing is said.
    let verbose = session(&workspace, &["check", "--format", "short", "--verbose", "--cache-dir", blocked]);
    let note: Vec<&str> = verbose.lines().filter(|line| line.starts_with("note:")).collect();
    assert_eq!(note.len(), 1, "{verbose}");
    assert!(note[0].starts_with("note: checked without the cache: cannot write `"), "{verbose}");
    assert!(!workspace.join(".charter_cache").exists());
}

#[cfg(unix)]
#[test]
fn a_read_only_cache_is_still_read_and_never_wrong() {
    use std::os::unix::fs::PermissionsExt;
    let directory = copy();
    let workspace = directory.path().join("workspace");
    let short = ["check", "--format", "short"];
    agrees(&workspace, &short, "miss");
    let check = workspace.join(".charter_cache/check");
    std::fs::set_permissions(&check, std::fs::Permissions::from_mode(0o555)).unwrap();
    edit(&workspace.join("sub/more.charter"), "50k USD", "51k USD");
    let answer = expected(&workspace, &short);
    // As root the directory stays writable; either way the answer is the uncached one.
    let (seen, trace) = run(&workspace, &short);
    assert_eq!(seen, answer);
    assert!(trace == "miss" || trace.starts_with("unwritable"), "{trace}");
    std::fs::set_permissions(&check, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn the_cache_goes_where_it_is_told_and_nowhere_without_charter_toml() {
    let directory = copy();
    let workspace = directory.path().join("workspace");
    // `--no-cache` writes nothing.
    expected(&workspace, &["check"]);
    assert!(!workspace.join(".charter_cache").exists());
    // By default: `.charter_cache/` at the root, ignored by git, tagged for backups.
    agrees(&workspace, &["check", "sub"], "miss");
    let cache = workspace.join(".charter_cache");
    assert_eq!(std::fs::read_to_string(cache.join(".gitignore")).unwrap(), "*\n");
    assert!(
        std::fs::read_to_string(cache.join("CACHEDIR.TAG"))
            .unwrap()
            .starts_with("Signature: 8a477f597d28d172789f06886806bc55")
    );
    // `CHARTER_CACHE_DIR`, then `--cache-dir`, which wins.
    let elsewhere = directory.path().join("elsewhere");
    let output = charter(&workspace)
        .args(["check", "--format", "short"])
        .env("CHARTER_CACHE_DIR", &elsewhere)
        .env("CHARTER_CACHE_TRACE", "1")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("cache: miss"));
    assert_eq!(std::fs::read_dir(elsewhere.join("check")).unwrap().count(), 2);
    assert_eq!(std::fs::read_to_string(elsewhere.join(".gitignore")).unwrap(), "*\n");
    let flag = directory.path().join("flag");
    let output = charter(&workspace)
        .args(["check", "--format", "short", "--cache-dir", flag.to_str().unwrap()])
        .env("CHARTER_CACHE_DIR", &elsewhere)
        .env("CHARTER_CACHE_TRACE", "1")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("cache: miss"));
    assert!(flag.join("check").is_dir());
    // A workspace without `charter.toml` is cached only in a directory given.
    let loose = support::workspace(&[("a.charter", "project p {}\n")]);
    let (_, trace) = run(loose.path(), &["check"]);
    assert_eq!(trace, "off");
    assert!(!loose.path().join(".charter_cache").exists());
    let given = loose.path().join("given");
    let (_, trace) = run(loose.path(), &["check", "a.charter", "--cache-dir", given.to_str().unwrap()]);
    assert_eq!(trace, "miss");
}

#[test]
fn concurrent_checks_agree() {
    let directory = copy();
    let workspace = directory.path().join("workspace");
    let short = ["check", "--format", "short"];
    for round in 0..3 {
        let answer = expected(&workspace, &short);
        let runs: Vec<_> = (0..6)
            .map(|_| {
                let workspace = workspace.clone();
                std::thread::spawn(move || run(&workspace, &["check", "--format", "short"]).0)
            })
            .collect();
        for handle in runs {
            assert_eq!(handle.join().unwrap(), answer, "round {round}");
        }
        edit(
            &workspace.join("sub/more.charter"),
            &format!("{}0k USD", 5 + round),
            &format!("{}0k USD", 6 + round),
        );
    }
}

/// A small seeded generator (xorshift), so the mutants are the same on every run.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}

/// Mutates a cache file's bytes: flips, overwrites, truncations, insertions. When
/// `reframe`, the header's length and checksum are then made to fit the mutated payload,
/// so the mutant reaches the decoder.
fn mutate(bytes: &[u8], random: &mut Seeded, reframe: bool) -> Vec<u8> {
    let header = header_length(bytes);
    let mut mutant = bytes.to_vec();
    let start = if reframe { header } else { 0 };
    for _ in 0..1 + random.below(4) {
        let span = mutant.len().saturating_sub(start).max(1);
        let at = start + random.below(span);
        match random.below(5) {
            0 => {
                if let Some(byte) = mutant.get_mut(at) {
                    *byte ^= 1 << random.below(8);
                }
            }
            1 => {
                if let Some(byte) = mutant.get_mut(at) {
                    *byte = [0x00, 0xff, 0x7f, 0x80][random.below(4)];
                }
            }
            2 => mutant.truncate(at.max(start)),
            3 => {
                let insert: Vec<u8> = (0..random.below(16)).map(|_| random.next() as u8).collect();
                let at = at.min(mutant.len());
                mutant.splice(at..at, insert);
            }
            _ => {
                // A huge varint: a length no payload holds.
                let at = at.min(mutant.len());
                mutant.splice(at..at, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
            }
        }
    }
    if reframe && mutant.len() >= header {
        let payload_length = (mutant.len() - header) as u64;
        let checksum = xxhash_rust::xxh3::xxh3_64(&mutant[header..]);
        mutant[header - 16..header - 8].copy_from_slice(&payload_length.to_le_bytes());
        mutant[header - 8..header].copy_from_slice(&checksum.to_le_bytes());
    }
    mutant
}

#[test]
fn mutated_cache_files_never_panic_nor_change_the_findings() {
    let directory = copy();
    let workspace = directory.path().join("workspace");
    let projects = workspace.join("portfolio/projects.charter");
    let short = ["check", "--format", "short"];
    let answer = agrees(&workspace, &short, "miss");
    let files = cache_files(&workspace);
    let originals: Vec<Vec<u8>> = files.iter().map(|file| std::fs::read(file).unwrap()).collect();
    // The answer after an edit, which makes the check read the trees.
    edit(&projects, "budget: 9M USD", "budget: 8M USD");
    let edited = expected(&workspace, &short);
    edit(&projects, "budget: 8M USD", "budget: 9M USD");
    let mut random = Seeded(0x5eed_cace);
    for round in 0..24 {
        let reframe = round % 2 == 1;
        let which = round / 2 % files.len();
        for (file, original) in files.iter().zip(&originals) {
            std::fs::write(file, original).unwrap();
        }
        let mutant = mutate(&originals[which], &mut random, reframe);
        std::fs::write(&files[which], &mutant).unwrap();
        let trees = files[which].extension().unwrap() == "trees";
        if trees {
            edit(&projects, "budget: 9M USD", "budget: 8M USD");
        }
        let (seen, _) = run(&workspace, &short);
        if !reframe {
            // A mutant the checksum catches is never trusted.
            assert_eq!(&seen, if trees { &edited } else { &answer }, "round {round}");
        } else {
            // A mutant with a valid checksum may decode (a forged cache is as trusted as
            // the files beside it): it must never panic or hang, and the run after it,
            // with the cache rewritten, must be right again.
            assert!(
                seen.starts_with("exit status: Some(1)") || seen.starts_with("exit status: Some(0)"),
                "round {round}: {seen}"
            );
        }
        if trees {
            edit(&projects, "budget: 8M USD", "budget: 9M USD");
        }
        for file in &files {
            let _ = std::fs::remove_file(file);
        }
        assert_eq!(run(&workspace, &short).0, answer, "round {round}, rewritten");
    }
}
