//! Resolving one edited file again (`charter::model::update`, what the language server
//! does per keystroke) gives exactly the portfolio and findings of resolving the whole
//! workspace, for edits of every file of the examples, the diagnostic fixtures and a
//! generated portfolio; and it declines edits that change what a file declares.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use charter::model::workspace::Parsed;
use charter::model::{Config, Workspace};
use charter::source::FileId;

/// Edits `update` handles: `(name, from, to)` replaces the first `from`. Most keep the
/// shape of the file's declarations (as many, of the same kinds, nested the same way);
/// the last ones add or remove declarations, which moves every later entity's id.
const HANDLED: [(&str, &str, &str); 16] = [
    ("rename a project", "\nproject ", "\nproject renamed_"),
    ("rename a person", "\nperson ", "\nperson renamed_"),
    ("rename an objective", "\nobjective ", "\nobjective renamed_"),
    ("indent a field", "\n  ", "\n    "),
    ("misspell an enum value", "status: active", "status: actve"),
    ("name an unknown sponsor", "sponsor: ", "sponsor: nobody_known, unused: "),
    ("drop the kpis", "kpis:", "// kpis:"),
    // Links that change: the reverse links must follow (a value edit keeps them).
    ("unlink a manager", "manager: ", "// manager: "),
    ("add a team", "teams: [", "teams: [team_1, "),
    ("retype a budget", "budget: ", "budget: 1"),
    ("add a doc comment", "\nproject ", "\n/// Added.\nproject "),
    ("break a value", "status: ", "status: ,"),
    ("append a comment", "}\n", "} // done\n"),
    ("add a person", "\nperson ", "\nperson added_person \"Added\" {}\nperson "),
    (
        "add a project with a milestone",
        "\nproject ",
        "\nproject added \"Added\" {\n  milestone m \"M\" { date: 2026-01-01 }\n}\nproject ",
    ),
    (
        "add a milestone",
        "\n  milestone ",
        "\n  milestone added_milestone \"Added\" { date: 2026-03-01 }\n  milestone ",
    ),
];

/// Edits that `update` must decline: resolving them finds problems in the edited file's
/// declarations.
const DECLINED: [(&str, &str, &str); 2] = [
    (
        "nest a milestone at the top",
        "\nproject ",
        "\nmilestone stray \"Stray\" { date: 2026-01-01 }\nproject ",
    ),
    ("declare a person twice", "\nperson ", "\nperson twin \"Twin\" {}\nperson twin \"Twin\" {}\nperson "),
];

/// Removes the first declaration of `kind` that fits on one line, or `None`.
fn remove_one_line_declaration(text: &str, kind: &str) -> Option<String> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.starts_with(&format!("{kind} ")) && line.trim_end().ends_with('}') {
            let (head, rest) = text.split_at(offset);
            return rest.get(line.len()..).map(|tail| format!("{head}{tail}"));
        }
        offset += line.len();
    }
    None
}

type Cache = Mutex<HashMap<(u32, String), Parsed>>;

fn build(root: &Path, texts: &[(PathBuf, String)], cache: &Cache, previous: Option<&Workspace>) -> Workspace {
    let parse = |file: FileId, _: &Path, text: &str| {
        let key = (file.0, text.to_string());
        if let Some(parsed) = cache.lock().unwrap().get(&key) {
            return parsed.clone();
        }
        let (tree, diagnostics) = charter::syntax::parse(file, text);
        let parsed = (Arc::new(tree), diagnostics);
        cache.lock().unwrap().insert(key, parsed.clone());
        parsed
    };
    let config = Config::default();
    let texts: Vec<(PathBuf, Arc<str>)> =
        texts.iter().map(|(path, text)| (path.clone(), Arc::from(text.as_str()))).collect();
    match previous {
        Some(previous) => Workspace::reload(previous, root.to_path_buf(), config, texts, &|_| None, &parse),
        None => Workspace::from_texts_with_room(root.to_path_buf(), config, texts, &|_| None, &parse),
    }
}

/// Applies every edit to every file of `texts`; returns how many edits `update` took.
fn assert_updates_agree(root: &Path, texts: Vec<(PathBuf, String)>) -> usize {
    let cache = Cache::default();
    let original = build(root, &texts, &cache, None);
    let today = jiff::civil::date(2026, 11, 26);
    // Checked once, so that what evaluating it builds (the index of given fields) is
    // there for the updates to start from, as in the language server.
    charter::check(&original, today);
    let mut taken = 0;
    for (index, (path, text)) in texts.iter().enumerate() {
        let replacements = HANDLED
            .iter()
            .chain(&DECLINED)
            .filter(|(_, from, _)| text.contains(from))
            .map(|(name, from, to)| (*name, text.replacen(from, to, 1)));
        let removals = ["person", "team", "project"].into_iter().filter_map(|kind| {
            remove_one_line_declaration(text, kind).map(|edited| ("remove a one-line declaration", edited))
        });
        for (name, edited_text) in replacements.chain(removals) {
            let mut edited = texts.clone();
            edited[index].1 = edited_text;
            let file =
                original.files.iter().find(|parsed| original.sources.get(parsed.file).unwrap().path == *path);
            let file = file.unwrap().file;
            let now = build(root, &edited, &cache, None);
            let before = &original.files.iter().find(|parsed| parsed.file == file).unwrap().ast;
            let after = &now.files.iter().find(|parsed| parsed.file == file).unwrap().ast;
            let trees: Vec<(FileId, &charter::syntax::ast::SourceFile)> =
                now.files.iter().map(|parsed| (parsed.file, &*parsed.ast)).collect();
            let updated = charter::model::update(&original.portfolio, file, before, after, &trees);
            let declined = DECLINED.iter().any(|(declined, ..)| *declined == name);
            if declined {
                assert!(updated.is_none(), "`{name}` in {} must be declined", path.display());
                continue;
            }
            let Some((portfolio, _)) = updated else { continue };
            taken += 1;
            let context = format!("`{name}` in {}", path.display());
            let (updated, resolved) = (format!("{portfolio:#?}"), format!("{:#?}", now.portfolio));
            assert!(
                updated == resolved,
                "{context}: portfolios differ: {}",
                first_difference(&updated, &resolved)
            );
            let reloaded = build(root, &edited, &cache, Some(&original));
            // Reloading also knows the texts: unchanged declarations keep their entities.
            let (reloaded_portfolio, resolved) = (format!("{:#?}", reloaded.portfolio), resolved);
            assert!(
                reloaded_portfolio == resolved,
                "{context}: reloaded portfolios differ: {}",
                first_difference(&reloaded_portfolio, &resolved)
            );
            assert_eq!(
                format!("{:#?}", reloaded.diagnostics),
                format!("{:#?}", now.diagnostics),
                "{context}: findings differ"
            );
            assert_eq!(
                format!("{:#?}", charter::check(&reloaded, today)),
                format!("{:#?}", charter::check(&now, today)),
                "{context}: checks differ"
            );
        }
    }
    taken
}

/// The first line where two printouts differ, with its line number.
fn first_difference(updated: &str, resolved: &str) -> String {
    let mut lines = updated.lines().zip(resolved.lines()).enumerate();
    match lines.find(|(_, (a, b))| a != b) {
        Some((number, (a, b))) => format!("line {}: updated `{a}`, resolved `{b}`", number + 1),
        None => "one is a prefix of the other".to_string(),
    }
}

fn on_disk(directory: &str) -> (PathBuf, Vec<(PathBuf, String)>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(directory);
    let texts = charter::model::workspace::charter_files(&root)
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            (path, text)
        })
        .collect();
    (root, texts)
}

#[test]
fn acme() {
    let (root, texts) = on_disk("examples/acme");
    assert!(assert_updates_agree(&root, texts) >= 15);
}

#[test]
fn broken() {
    let (root, texts) = on_disk("examples/broken");
    assert!(assert_updates_agree(&root, texts) >= 5);
}

#[test]
fn diagnostic_fixtures() {
    let (root, texts) = on_disk("tests/fixtures/diagnostics");
    assert!(assert_updates_agree(&root, texts) >= 3);
}

#[test]
fn generated_portfolio() {
    let root = PathBuf::from("/synthetic");
    let texts =
        charter::synth::portfolio(120).into_iter().map(|(name, text)| (root.join(name), text)).collect();
    assert!(assert_updates_agree(&root, texts) >= 20);
}

/// Renames, in a workspace built for them: references elsewhere follow (to the new id, or
/// unknown), an id taken elsewhere is declined, and so is a rename that lets another
/// file's broken declaration declare the old id.
#[test]
fn renames() {
    let root = PathBuf::from("/renames");
    let people = "person ana \"Ana\" { executive: true }\nperson ben \"Ben\" {}\n";
    let projects =
        "project alpha \"Alpha\" { sponsor: ana, manager: ben }\nproject beta \"Beta\" { sponsor: anna }\n";
    let broken = "project ben {\n  status: ,\n}\n";
    let texts = |people: &str| {
        vec![
            (root.join("a_people.charter"), people.to_string()),
            (root.join("b_projects.charter"), projects.to_string()),
            (root.join("c_broken.charter"), broken.to_string()),
        ]
    };
    let cases = [
        ("rename a sponsor", people.replace("person ana", "person anna"), true),
        ("rename to the other person's id", people.replace("person ana", "person ben"), false),
        ("free an id a broken declaration wants", people.replace("person ben", "person benjamin"), false),
        (
            "rename both",
            people.replace("person ana", "person ann").replace("person ben", "person bea"),
            false,
        ),
    ];
    // Each an alternative edit of the original.
    for (name, edited, accepted) in cases {
        assert_steps(&root, texts(people), 0, &[(name, edited, accepted)]);
    }
}

/// Edits of one file (`file` of `texts`), each from the workspace the step before left:
/// `update` takes (`true`) or declines each as given, and what it gives is what resolving
/// the whole workspace gives, so that the state a language server carries across edits
/// stays exact.
fn assert_steps(root: &Path, mut texts: Vec<(PathBuf, String)>, file: usize, steps: &[(&str, String, bool)]) {
    let cache = Cache::default();
    let mut current = build(root, &texts, &cache, None);
    let today = jiff::civil::date(2026, 11, 26);
    charter::check(&current, today);
    for (name, text, taken) in steps {
        texts[file].1 = text.clone();
        let now = build(root, &texts, &cache, None);
        let trees: Vec<(FileId, &charter::syntax::ast::SourceFile)> =
            now.files.iter().map(|parsed| (parsed.file, &*parsed.ast)).collect();
        let id = now.files[file].file;
        let updated = charter::model::update(
            &current.portfolio,
            id,
            &current.files[file].ast,
            &now.files[file].ast,
            &trees,
        );
        assert_eq!(updated.is_some(), *taken, "`{name}` taken");
        if let Some((portfolio, _)) = updated {
            let (updated, resolved) = (format!("{portfolio:#?}"), format!("{:#?}", now.portfolio));
            assert!(
                updated == resolved,
                "`{name}`: portfolios differ: {}",
                first_difference(&updated, &resolved)
            );
        }
        let reloaded = build(root, &texts, &cache, Some(&current));
        assert_eq!(format!("{:#?}", reloaded.portfolio), format!("{:#?}", now.portfolio), "{name}");
        assert_eq!(format!("{:#?}", reloaded.diagnostics), format!("{:#?}", now.diagnostics), "{name}");
        // The rules see the same portfolio: what evaluating it builds, made from the
        // previous step's, is what building it afresh gives.
        assert_eq!(
            format!("{:#?}", charter::check(&reloaded, today)),
            format!("{:#?}", charter::check(&now, today)),
            "{name}: checks differ"
        );
        current = reloaded;
    }
}

/// Declarations that stop parsing and parse again, one after the other: each is an update
/// of the file (its broken entities are declared again among the broken ones at the end),
/// except when a broken declaration of a later file would lose its id to it.
#[test]
fn declarations_broken_and_repaired() {
    let root = PathBuf::from("/broken");
    let people = "person ana \"Ana\" { executive: true }\nperson ben \"Ben\" {}\n";
    let alpha = "project alpha \"Alpha\" {\n  sponsor: ana\n  status: active\n}\n";
    let beta = "project beta \"Beta\" {\n  sponsor: ben\n  depends_on: [alpha]\n}\n";
    let projects = format!("{alpha}{beta}");
    let later = "project gamma \"Gamma\" { depends_on: [beta, alpha] }\nproject delta {\n  status: ,\n}\n";
    let texts = vec![
        (root.join("a_people.charter"), people.to_string()),
        (root.join("b_projects.charter"), projects.clone()),
        (root.join("c_later.charter"), later.to_string()),
    ];
    let broken_beta = projects.replace("  sponsor: ben\n", "  sponsor: ben,,\n");
    let both_broken = broken_beta.replace("  status: active\n", "  status:: active\n");
    let steps = [
        ("break a declaration others reference", broken_beta.clone(), true),
        ("edit a value while it is broken", broken_beta.replace("sponsor: ana", "sponsor: ben"), true),
        ("break another", both_broken.replace("sponsor: ana", "sponsor: ben"), true),
        ("repair the first", projects.replace("  status: active\n", "  status:: active\n"), true),
        ("repair the other", projects.clone(), true),
        ("add a broken declaration", format!("{projects}project epsilon {{\n  status: ,\n}}\n"), true),
        ("remove it", projects.clone(), true),
        (
            "take the id of a later file's broken one",
            format!("{projects}project delta {{\n  status: ,\n}}\n"),
            false,
        ),
        // Freeing it lets the later file's broken declaration declare it again.
        ("and give it back", projects.clone(), false),
        (
            "rename a declaration while another is broken",
            broken_beta.replace("project alpha", "project alpha2"),
            true,
        ),
    ];
    assert_steps(&root, texts.clone(), 1, &steps);

    // An earlier file's broken declaration of the same id comes first, once the parsed
    // one stops parsing.
    let mut earlier = texts;
    earlier[0].1 = format!("{people}project beta {{\n  status: ,\n}}\n");
    assert_steps(&root, earlier, 1, &[("break what an earlier broken one names", broken_beta, false)]);
}

/// Cycles and computed fields out of range are found once per entity: an update keeps
/// those of the entities it did not lower again, finds them again for the others, and a
/// cycle that an edit makes or breaks appears or goes, as resolving the whole workspace
/// says.
#[test]
fn cycles_and_computed_fields() {
    let root = PathBuf::from("/cycles");
    let objectives = "objective growth \"Grow\" { parent: retention }\nobjective retention \"Retain\" { parent: growth }\nobjective calm \"Calm\" {}\n";
    let projects = "project api \"API\" { depends_on: [checkout] }\nproject checkout \"Checkout\" { depends_on: [api] }\nproject lone \"Lone\" { budget: 1M USD }\nproject huge \"Huge\" {\n  budget: 0.0000000000000000000000000001 USD\n  expected_benefit: 79228162514264337593543950335 USD\n}\n";
    let texts = vec![
        (root.join("a_objectives.charter"), objectives.to_string()),
        (root.join("b_projects.charter"), projects.to_string()),
    ];
    let steps = [
        ("edit a value outside every cycle", projects.replace("budget: 1M USD", "budget: 2M USD"), true),
        ("retitle a member of a cycle", projects.replace("\"API\"", "\"Payments API\""), true),
        ("break the cycle", projects.replace("depends_on: [checkout]", "depends_on: []"), true),
        ("make another one", projects.replace("\"Lone\" {", "\"Lone\" { depends_on: [lone],"), true),
        ("bring the range back", projects.replace("0.0000000000000000000000000001 USD", "1M USD"), true),
        ("move the overflow", projects.replace("budget: 1M USD", "budget: 0.0000000000000000000000000001 USD, expected_benefit: 79228162514264337593543950335 USD"), true),
        ("back to the start", projects.to_string(), true),
        // `lone` joins the cycle of `api` and `checkout`, then leaves it: what is left of the
        // cycle, two unchanged projects, is one again.
        ("a member joins", projects.replace("{ depends_on: [checkout] }", "{ depends_on: [checkout, lone] }").replace("\"Lone\" {", "\"Lone\" { depends_on: [api],"), true),
        ("the member leaves", projects.replace("{ depends_on: [checkout] }", "{ depends_on: [checkout, lone] }"), true),
        ("back again", projects.to_string(), true),
    ];
    assert_steps(&root, texts.clone(), 1, &steps);
    let steps = [
        ("retitle a member of a cycle", objectives.replace("\"Grow\"", "\"Grow revenue\""), true),
        (
            "edit the objective outside it",
            objectives.replace("\"Calm\" {}", "\"Calm\" { status: retired }"),
            true,
        ),
        ("break it", objectives.replace("parent: growth", "status: active"), true),
    ];
    assert_steps(&root, texts, 0, &steps);
}

/// Declarations added one edit at a time fill the room left after the file's entities:
/// until then each addition is an update that moves no other file's ids; the one that
/// does not fit is declined, the workspace is resolved again with room again, and the
/// next additions are updates again.
#[test]
fn room_for_new_declarations_runs_out_and_is_made_again() {
    let root = PathBuf::from("/room");
    let people = "person ana \"Ana\" { executive: true }\n";
    let project =
        |index: usize| format!("project p{index} \"P{index}\" {{ sponsor: ana, depends_on: [p0] }}\n");
    let projects = |count: usize| (0..count).map(project).collect::<String>();
    let later = "waiver w \"W\" { rule: project_has_sponsor, applies_to: [p1], reason: \"r\", expires: 2026-12-31 }\n";
    let texts = vec![
        (root.join("a_people.charter"), people.to_string()),
        (root.join("b_projects.charter"), projects(2)),
        (root.join("c_waivers.charter"), later.to_string()),
    ];
    // Two projects leave room for 16 more: adding one at a time fits 16 times.
    let mut steps: Vec<(String, String, bool)> =
        (3..=18).map(|count| (format!("grow to {count}"), projects(count), true)).collect();
    steps.push(("grow past the room".to_string(), projects(19), false));
    steps.push(("grow again, with room again".to_string(), projects(20), true));
    steps.push(("shrink by many".to_string(), projects(3), true));
    let steps: Vec<(&str, String, bool)> =
        steps.iter().map(|(name, text, taken)| (name.as_str(), text.clone(), *taken)).collect();
    assert_steps(&root, texts, 1, &steps);
}

/// Adding a declaration at the end of a file, or removing it, or breaking one and
/// repairing it, declares again only what changed: the file's other entities are the
/// very ones of the previous portfolio (the same allocations) when nothing before them
/// moved, and every finding is what resolving the whole workspace gives.
#[test]
fn unchanged_declarations_keep_their_entities() {
    let root = PathBuf::from("/keep");
    let people = "person ana \"Ana\" { executive: true }\n";
    let projects: String =
        (0..6).map(|index| format!("project p{index} \"P{index}\" {{ sponsor: ana }}\n")).collect();
    let texts = vec![
        (root.join("a_people.charter"), people.to_string()),
        (root.join("b_projects.charter"), projects.clone()),
    ];
    let added = format!("{projects}project extra \"Extra\" {{ sponsor: ana, depends_on: [p1] }}\n");
    let broken = projects.replacen("{ sponsor: ana }", "{ sponsor: ana,, }", 1);
    let middle = projects.replacen("project p3", "project inserted \"I\" { sponsor: ana }\nproject p3", 1);
    let steps = [
        ("add at the end", added.clone(), true),
        ("remove it", projects.clone(), true),
        ("break the first", broken.clone(), true),
        ("repair it", projects.clone(), true),
        ("insert in the middle", middle, true),
        ("remove it again", projects.clone(), true),
    ];
    assert_steps(&root, texts.clone(), 1, &steps);

    // The same edits, reloaded: the entities of the unchanged declarations before the
    // edit are shared with the previous portfolio.
    let cache = Cache::default();
    let original = build(&root, &texts, &cache, None);
    let mut edited = texts.clone();
    edited[1].1 = added;
    let reloaded = build(&root, &edited, &cache, Some(&original));
    for name in ["ana", "p0", "p3", "p5"] {
        let before = original.portfolio.entity(original.portfolio.lookup(name).unwrap()).unwrap();
        let after = reloaded.portfolio.entity(reloaded.portfolio.lookup(name).unwrap()).unwrap();
        assert!(std::ptr::eq(before, after), "`{name}` was declared again");
    }
    assert!(reloaded.portfolio.lookup("extra").is_some());
}
