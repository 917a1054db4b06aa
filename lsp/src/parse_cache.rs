//! Parsed files kept between analyses, so that an edit re-parses only the edited file, and
//! the compiled rules, so that an edit that touches no rule is not compiled again.
//!
//! A parse result is reused when the file has the same id, path and text as before
//! (spans in the tree carry the file id, so a file that moved to another id is parsed
//! again). The rules are reused when the workspace has the same files, at the same ids,
//! and every file whose tree changed declares no `rule`, `test` or `extend`, before or
//! after: what [`Engine::new`] reads (those declarations and the schema they shape) is then
//! the same.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use charter::Diagnostic;
use charter::model::workspace::Overlay;
use charter::model::{Config, Workspace};
use charter::rules::Engine;
use charter::source::FileId;
use charter::syntax::{self, ast};

#[derive(Default, Debug)]
pub struct ParseCache {
    entries: Mutex<HashMap<(u32, PathBuf), Entry>>,
    /// The workspace of the last load: the next one resolves only the file that changed
    /// when it can.
    previous: Option<Arc<Workspace>>,
    /// Parses done and reused by the last load, for benchmarks and tests.
    pub last_parsed: usize,
    pub last_reused: usize,
    /// Declarations of the files parsed again that were reused rather than parsed.
    pub last_declarations_reused: usize,
    /// The rules compiled for the last load, with what they were compiled from.
    engine: Option<(Arc<Engine>, Vec<RuleSource>)>,
    /// Whether the last call of [`ParseCache::engine`] reused the compiled rules.
    pub last_engine_reused: bool,
}

/// One file as the compiled rules depend on it: its id and path, and its tree when it
/// declares a `rule`, `test` or `extend` (else `None`: any edit of it leaves them as they are).
#[derive(Debug)]
struct RuleSource {
    file: FileId,
    path: PathBuf,
    std: bool,
    used: bool,
    declares: Option<Arc<ast::SourceFile>>,
}

/// Whether `tree` declares something [`Engine::new`] reads.
fn declares_rules(tree: &ast::SourceFile) -> bool {
    tree.items
        .iter()
        .any(|item| matches!(item, ast::Item::Rule(_) | ast::Item::Test(_) | ast::Item::Extend(_)))
}

fn rule_sources(workspace: &Workspace) -> Vec<RuleSource> {
    workspace
        .files
        .iter()
        .map(|parsed| RuleSource {
            file: parsed.file,
            path: workspace.sources.get(parsed.file).map(|source| source.path.clone()).unwrap_or_default(),
            std: parsed.std,
            used: parsed.used,
            declares: declares_rules(&parsed.ast).then(|| parsed.ast.clone()),
        })
        .collect()
}

#[derive(Debug)]
struct Entry {
    hash: u64,
    length: usize,
    /// The text parsed, once the load that parsed it is done: a later load handed the same
    /// allocation (an unchanged file keeps its `Arc<str>`) reuses the tree without hashing
    /// the text again. Held here, the allocation cannot be reused for another text.
    text: Option<Arc<str>>,
    ast: Arc<ast::SourceFile>,
    diagnostics: Vec<Diagnostic>,
    /// For a file that has been edited: its declarations, so that the next edit parses
    /// only those it touches. Files never edited do not keep them.
    parts: Option<syntax::Parts>,
    /// Used by the current load; entries not used are dropped after it.
    used: bool,
}

fn hash_text(text: &str) -> u64 {
    let mut hasher = rustc_hash::FxHasher::default();
    text.hash(&mut hasher);
    hasher.finish()
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl ParseCache {
    pub fn clear(&mut self) {
        lock(&self.entries).clear();
        self.previous = None;
        self.engine = None;
    }

    /// The rules of `workspace` compiled: those of the last call when nothing they are
    /// compiled from changed since, else compiled now.
    pub fn engine(&mut self, workspace: &Workspace) -> Arc<Engine> {
        let sources = rule_sources(workspace);
        let unchanged = self.engine.as_ref().is_some_and(|(_, before)| {
            before.len() == sources.len()
                && before.iter().zip(&sources).all(|(before, now)| {
                    before.file == now.file
                        && before.path == now.path
                        && before.std == now.std
                        && before.used == now.used
                        && match (&before.declares, &now.declares) {
                            (None, None) => true,
                            (Some(before), Some(now)) => Arc::ptr_eq(before, now),
                            _ => false,
                        }
                })
        });
        self.last_engine_reused = unchanged;
        let engine = match self.engine.take() {
            Some((engine, _)) if unchanged => engine,
            _ => Arc::new(Engine::new(workspace)),
        };
        self.engine = Some((engine.clone(), sources));
        engine
    }

    /// Parses `text` as file `file` at `path`, or returns the result of the last parse of
    /// the same text there.
    fn parse(
        &self,
        file: FileId,
        path: &Path,
        text: &str,
        counts: &Mutex<(usize, usize, usize)>,
    ) -> (Arc<ast::SourceFile>, Vec<Diagnostic>) {
        let key = (file.0, path.to_path_buf());
        let mut previous = None;
        if let Some(entry) = lock(&self.entries).get_mut(&key) {
            let same = entry.text.as_ref().is_some_and(|kept| std::ptr::eq(kept.as_ptr(), text.as_ptr()))
                && entry.length == text.len();
            if same || (entry.hash == hash_text(text) && entry.length == text.len()) {
                entry.used = true;
                lock(counts).1 += 1;
                return (entry.ast.clone(), entry.diagnostics.clone());
            }
            // An edit: parse incrementally from now on.
            previous = Some(entry.parts.take());
        }
        lock(counts).0 += 1;
        let hash = hash_text(text);
        let (ast, diagnostics, parts) = match previous {
            Some(parts) => {
                let (ast, diagnostics, parts) = syntax::parse_incremental(file, text, parts.as_ref());
                lock(counts).2 += parts.reused();
                (ast, diagnostics, Some(parts))
            }
            None => {
                let (ast, diagnostics) = syntax::parse(file, text);
                (ast, diagnostics, None)
            }
        };
        let ast = Arc::new(ast);
        lock(&self.entries).insert(
            key,
            Entry {
                hash,
                length: text.len(),
                text: None,
                ast: ast.clone(),
                diagnostics: diagnostics.clone(),
                parts,
                used: true,
            },
        );
        (ast, diagnostics)
    }

    /// How many parse results are kept: one per file of the last load.
    pub fn len(&self) -> usize {
        lock(&self.entries).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many files keep their declarations for incremental parsing: those edited.
    pub fn files_with_parts(&self) -> usize {
        lock(&self.entries).values().filter(|entry| entry.parts.is_some()).count()
    }

    /// Loads a workspace from `texts`, parsing only what changed since the last load, and
    /// resolving only the changed file again when that is all that changed.
    pub fn load(
        &mut self,
        root: PathBuf,
        config: Config,
        texts: Vec<(PathBuf, Arc<str>)>,
        overlay: Overlay<'_>,
    ) -> Arc<Workspace> {
        let counts = Mutex::new((0, 0, 0));
        let previous = self.previous.take().filter(|previous| previous.root == root);
        let workspace = {
            let this = &*self;
            let parse = |file: FileId, path: &Path, text: &str| this.parse(file, path, text, &counts);
            Arc::new(match &previous {
                Some(previous) => Workspace::reload(previous, root, config, texts, overlay, &parse),
                None => Workspace::from_texts_with_room(root, config, texts, overlay, &parse),
            })
        };
        drop(previous);
        self.previous = Some(workspace.clone());
        let mut entries = lock(&self.entries);
        entries.retain(|_, entry| std::mem::take(&mut entry.used));
        for parsed in &workspace.files {
            let Some(source) = workspace.sources.get(parsed.file) else { continue };
            // Checked by hash, once per new allocation: the source must hold the very text
            // the entry's tree was parsed from.
            if let Some(entry) = entries.get_mut(&(parsed.file.0, source.path.clone()))
                && !entry.text.as_ref().is_some_and(|kept| Arc::ptr_eq(kept, &source.text))
                && entry.length == source.text.len()
                && entry.hash == hash_text(&source.text)
            {
                entry.text = Some(source.text.clone());
            }
        }
        drop(entries);
        let (parsed, reused, declarations) = *lock(&counts);
        self.last_parsed = parsed;
        self.last_reused = reused;
        self.last_declarations_reused = declarations;
        workspace
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_parses_only_the_edited_file_again() {
        let mut cache = ParseCache::default();
        let mut texts: Vec<(PathBuf, Arc<str>)> = vec![
            (PathBuf::from("/w/a.charter"), Arc::from("person a {}\n")),
            (PathBuf::from("/w/b.charter"), Arc::from("person b {}\n")),
        ];
        let overlay = |_: &Path| None;
        let std_files = charter::stdlib::FILES.len();
        cache.load(PathBuf::from("/w"), Config::default(), texts.clone(), &overlay);
        assert_eq!((cache.last_parsed, cache.last_reused), (2 + std_files, 0));
        texts[1].1 = Arc::from("person c {}\n");
        let workspace = cache.load(PathBuf::from("/w"), Config::default(), texts, &overlay);
        assert_eq!((cache.last_parsed, cache.last_reused), (1, 1 + std_files));
        assert!(workspace.portfolio.lookup("c").is_some());
        assert!(workspace.portfolio.lookup("b").is_none());
    }

    /// Over many edits of every kind, the cache keeps one parse per file of the last load,
    /// declarations only for the edited files, and no workspace but the last: nothing it
    /// holds grows with the number of edits.
    #[test]
    fn what_the_cache_keeps_stays_bounded_over_many_edits() {
        let people: String = (0..30).map(|index| format!("person p{index} {{}}\n")).collect();
        let projects = "project a \"A\" { status: active, sponsor: p1 }\n";
        let mut texts: Vec<(PathBuf, Arc<str>)> = vec![
            (PathBuf::from("/w/people.charter"), Arc::from(people.as_str())),
            (PathBuf::from("/w/projects.charter"), Arc::from(projects)),
            (PathBuf::from("/w/teams.charter"), Arc::from("team t \"T\" {}\n")),
        ];
        let overlay = |_: &Path| None;
        let files = texts.len() + charter::stdlib::FILES.len();
        let mut cache = ParseCache::default();
        let mut earlier: Option<std::sync::Weak<Workspace>> = None;
        for edit in 0..200 {
            let people_now = match edit % 4 {
                0 => people.replace("person p3 ", &format!("person q{edit} ")),
                1 => format!("{people}person extra{edit} {{}}\n"),
                2 => people.replace("person p7 {}", "person p7 {"),
                _ => people.clone(),
            };
            texts[0].1 = Arc::from(people_now);
            texts[1].1 = Arc::from(projects.replace("active", ["active", "proposed"][edit % 2]));
            let workspace = cache.load(PathBuf::from("/w"), Config::default(), texts.clone(), &overlay);
            assert_eq!(cache.len(), files, "edit {edit}");
            assert!(cache.files_with_parts() <= 2, "edit {edit}");
            // The cache holds the last workspace only; the one before is gone.
            assert_eq!(Arc::strong_count(&workspace), 2, "edit {edit}");
            assert!(earlier.take().is_none_or(|weak| weak.upgrade().is_none()), "edit {edit}");
            earlier = Some(Arc::downgrade(&workspace));
        }
    }

    /// Edits of entities keep the compiled rules; an edit of a rule compiles them again,
    /// and the findings follow the new rule.
    #[test]
    fn the_rules_are_compiled_again_only_when_an_edit_touches_one() {
        let rule = |name: &str| {
            format!(
                "rule named_a {{\n  for person p\n  require p.id != \"{name}\" else \"{{p}} is named {name}\"\n}}\n"
            )
        };
        let mut texts: Vec<(PathBuf, Arc<str>)> = vec![
            (PathBuf::from("/w/people.charter"), Arc::from("person a {}\nperson b {}\n")),
            (PathBuf::from("/w/rules.charter"), Arc::from(rule("a"))),
        ];
        let overlay = |_: &Path| None;
        let today = jiff::civil::date(2026, 11, 26);
        let mut cache = ParseCache::default();
        let check = |cache: &mut ParseCache, texts: &[(PathBuf, Arc<str>)]| {
            let workspace = cache.load(PathBuf::from("/w"), Config::default(), texts.to_vec(), &overlay);
            let engine = cache.engine(&workspace);
            let findings = charter::check_with(&engine, &workspace, today);
            let mut named: Vec<String> = findings
                .iter()
                .filter(|finding| finding.code.as_str() == "named_a")
                .map(|finding| finding.message.clone())
                .collect();
            named.sort();
            (cache.last_engine_reused, named)
        };
        assert_eq!(check(&mut cache, &texts), (false, vec!["`a` is named a".to_string()]));
        texts[0].1 = Arc::from("person a {}\nperson c {}\n");
        assert_eq!(check(&mut cache, &texts), (true, vec!["`a` is named a".to_string()]));
        texts[1].1 = Arc::from(rule("c"));
        assert_eq!(check(&mut cache, &texts), (false, vec!["`c` is named c".to_string()]));
        // A rule appearing in a file that had none.
        texts[0].1 =
            Arc::from(format!("person a {{}}\nperson c {{}}\n{}", rule("a").replace("named_a", "named_b")));
        assert!(!check(&mut cache, &texts).0);
        texts[0].1 = Arc::from("person a {}\nperson c {}\n");
        assert!(!check(&mut cache, &texts).0, "and disappearing");
    }

    #[test]
    fn further_edits_of_a_file_parse_only_the_declarations_they_touch() {
        let mut cache = ParseCache::default();
        let people: String = (0..50).map(|index| format!("person p{index} {{}}\n")).collect();
        let mut texts: Vec<(PathBuf, Arc<str>)> =
            vec![(PathBuf::from("/w/people.charter"), Arc::from(people.as_str()))];
        let overlay = |_: &Path| None;
        cache.load(PathBuf::from("/w"), Config::default(), texts.clone(), &overlay);
        // The first edit parses the file whole and keeps its declarations; the next ones
        // reuse all but the edited one.
        for (edit, name) in ["q10", "r10", "s10"].iter().enumerate() {
            texts[0].1 = Arc::from(people.replace("person p10 ", &format!("person {name} ")));
            let workspace = cache.load(PathBuf::from("/w"), Config::default(), texts.clone(), &overlay);
            assert!(workspace.portfolio.lookup(name).is_some());
            let expected = if edit == 0 { 0 } else { 49 };
            assert_eq!(cache.last_declarations_reused, expected, "edit {edit}");
        }
    }
}
