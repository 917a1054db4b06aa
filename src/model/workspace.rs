//! Loading a workspace: finding its root and `charter.toml`, walking its `.charter` files
//! (respecting `.gitignore`), following `use`, adding the std library, parsing every file
//! and resolving the portfolio.
//!
//! Every file is read through [`crate::source::read`]: only regular `.charter` files up
//! to [`MAX_FILE_SIZE`], and a refusal never quotes the content. The walk does not follow
//! symbolic links; a path on the command line or in a `use` may be a link to a regular
//! `.charter` file.

use rayon::prelude::*;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use super::config::ConfigSyntaxError;
use super::resolve::Declarations;
use super::{Config, Portfolio};
use crate::diagnostic::{BuiltinCode, Diagnostic};
use crate::source::read::{self, FileKind, ReadError};
use crate::source::{FileId, MAX_FILE_SIZE, SourceFile, SourceMap, Span};
use crate::syntax::{self, ast};

/// Why a workspace could not be loaded at all (exit status 2).
#[derive(Debug)]
pub enum LoadError {
    /// A path given on the command line does not exist, cannot be read, or is not a
    /// source file (a FIFO, a device, a file not named `*.charter`, a file too large).
    Unreadable { path: PathBuf, reason: ReadError },
    /// A file is not UTF-8: the offset of the first invalid byte.
    NotUtf8 { path: PathBuf, offset: usize },
    /// No `.charter` file under the given paths.
    NoFiles { paths: Vec<PathBuf> },
    /// `charter.toml` is not TOML at all (mistakes in valid TOML are findings).
    Config { path: PathBuf, text: Arc<str>, error: ConfigSyntaxError },
}

/// A path as the user would write it: relative to the current directory when below it.
fn shown(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|directory| path.strip_prefix(directory).ok().map(Path::to_path_buf));
    relative.unwrap_or_else(|| path.to_path_buf()).display().to_string()
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Unreadable { path, reason } => write!(f, "cannot read `{}`: {reason}", shown(path)),
            LoadError::NotUtf8 { path, offset } => write!(
                f,
                "`{}` is not valid UTF-8 (byte {offset}); Charter files must be UTF-8 text",
                shown(path)
            ),
            LoadError::NoFiles { paths } => {
                let shown: Vec<String> = paths.iter().map(|path| format!("`{}`", path.display())).collect();
                write!(f, "no `.charter` files found in {}", shown.join(", "))
            }
            LoadError::Config { path, text, error } => {
                write!(f, "`{}` is not valid TOML: {error}", shown(path))?;
                if let Some(range) = &error.range {
                    let position = crate::source::LineIndex::new(text).position(text, range.start);
                    write!(f, " (line {}, column {})", position.line, position.column)?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for LoadError {}

impl LoadError {
    /// Why reading the file at `path` failed.
    fn reading(path: &Path, reason: ReadError) -> LoadError {
        match reason {
            ReadError::NotUtf8 { offset } => LoadError::NotUtf8 { path: path.to_path_buf(), offset },
            reason => LoadError::Unreadable { path: path.to_path_buf(), reason },
        }
    }
}

/// One parsed file of the workspace.
#[derive(Clone, Debug)]
pub struct ParsedFile {
    pub file: FileId,
    /// Shared, so a language server can keep unchanged files' trees between analyses.
    pub ast: Arc<ast::SourceFile>,
    /// Loaded through `use` rather than found in the workspace.
    pub used: bool,
    /// Part of the embedded std library.
    pub std: bool,
}

/// A loaded, parsed and resolved workspace.
#[derive(Clone, Debug)]
pub struct Workspace {
    /// The directory holding `charter.toml`, else the directory given.
    pub root: PathBuf,
    pub config: Config,
    pub sources: SourceMap,
    pub files: Vec<ParsedFile>,
    pub portfolio: Portfolio,
    /// Syntax, `use` and model findings, unsorted.
    pub diagnostics: Vec<Diagnostic>,
    /// Whether `files` still hold the trees of entity declarations (not when built by
    /// [`Workspace::from_inputs_consumed`]).
    entity_trees: bool,
}

/// What a workspace is built from before anything is parsed ([`Workspace::inputs`]).
#[derive(Clone, Debug)]
pub struct Inputs {
    /// The directory holding `charter.toml`, else the directory given.
    pub root: PathBuf,
    pub config: Config,
    /// Every `.charter` file found, sorted by path, with its text; the files these `use`
    /// are read while the workspace is built.
    pub texts: Vec<(PathBuf, Arc<str>)>,
}

/// Text for a path from somewhere other than the disk (an editor's open document).
pub type Overlay<'a> = &'a (dyn Fn(&Path) -> Option<String> + Sync);

/// Parses one file as a given [`FileId`]: `syntax::parse`, or a cache of its results.
pub type Parse<'a> = &'a (dyn Fn(FileId, &Path, &str) -> Parsed + Sync);

/// A file's shared syntax tree and its syntax diagnostics.
pub type Parsed = (Arc<ast::SourceFile>, Vec<Diagnostic>);

/// The [`Parse`] that parses every file afresh with `syntax::parse`, caching nothing.
pub fn parse_afresh(file: FileId, _path: &Path, text: &str) -> Parsed {
    let (ast, diagnostics) = syntax::parse(file, text);
    (Arc::new(ast), diagnostics)
}

impl Workspace {
    /// Loads the workspace around `paths` (the current directory when empty): with a
    /// `charter.toml` at the root, every `.charter` file below the root as well as the
    /// paths; without one, the paths alone.
    pub fn load(paths: &[PathBuf]) -> Result<Workspace, LoadError> {
        Workspace::load_with(paths, &|_| None)
    }

    /// Loads exactly the files at or below `paths` (and what they `use`), with the root's
    /// `charter.toml`: one fixture of a directory of fixtures, as if it were alone.
    pub fn load_exactly(paths: &[PathBuf]) -> Result<Workspace, LoadError> {
        Workspace::load_files(paths, &|_| None, false)
    }

    /// Like [`Workspace::load`], reading a file's text from `overlay` when it has one.
    pub fn load_with(paths: &[PathBuf], overlay: Overlay<'_>) -> Result<Workspace, LoadError> {
        Workspace::load_files(paths, overlay, true)
    }

    /// What [`Workspace::load`] reads before it parses anything: the root, `charter.toml`
    /// and the text of every file the walk and the paths name (not yet the files they
    /// `use`). [`Workspace::from_inputs`] builds the workspace from them; the check cache
    /// ([`crate::cache`]) first asks whether it already knows the answer for them.
    pub fn inputs(paths: &[PathBuf]) -> Result<Inputs, LoadError> {
        Workspace::gather(paths, &|_| None, true)
    }

    /// The workspace of `inputs`, parsing every file with `parse` (see
    /// [`Workspace::from_texts_with`]).
    pub fn from_inputs(inputs: Inputs, parse: Parse<'_>) -> Workspace {
        Workspace::build(inputs.root, inputs.config, inputs.texts, &|_| None, parse, Build::Keep)
    }

    /// Like [`Workspace::from_inputs`], without the syntax trees of entity declarations
    /// afterwards (rules, tests, `extend`s, `use`s and broken declarations stay, and
    /// [`Workspace::reload`] resolves every file again): resolution takes each
    /// declaration out of its tree and drops it once its fields are lowered, so the trees
    /// of the entities and the resolved portfolio are never both held whole. For a
    /// command that checks and renders once (`charter check`). `parsed` is called once
    /// every file is parsed, before resolution: the parse cache is written then.
    pub fn from_inputs_consumed(inputs: Inputs, parse: Parse<'_>, parsed: &mut dyn FnMut()) -> Workspace {
        Workspace::build(inputs.root, inputs.config, inputs.texts, &|_| None, parse, Build::Consume(parsed))
    }

    fn load_files(paths: &[PathBuf], overlay: Overlay<'_>, whole: bool) -> Result<Workspace, LoadError> {
        let inputs = Workspace::gather(paths, overlay, whole)?;
        Ok(Workspace::from_texts_with(inputs.root, inputs.config, inputs.texts, overlay, &parse_afresh))
    }

    fn gather(paths: &[PathBuf], overlay: Overlay<'_>, whole: bool) -> Result<Inputs, LoadError> {
        let paths: Vec<PathBuf> = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths.to_vec() };
        let mut found = Vec::new();
        for path in &paths {
            found.extend(source_files(path)?);
        }
        let root = find_root(paths.first().map_or(Path::new("."), PathBuf::as_path));
        let config = read_config(&root)?;
        // With a `charter.toml`, the paths narrow what is reported ([`Scope`]), never what
        // is loaded: the whole workspace is read, so references across files resolve.
        if whole && config.file.is_some() {
            found.extend(charter_files(&root));
        }
        found.sort();
        found.dedup();
        if found.is_empty() {
            return Err(LoadError::NoFiles { paths });
        }
        let texts: Vec<(PathBuf, Arc<str>)> = found
            .into_par_iter()
            .map(|path| read_text(&path, overlay).map(|text| (path, Arc::from(text))))
            .collect::<Result<_, _>>()?;
        Ok(Inputs { root, config, texts })
    }

    /// Builds a workspace from files already read: `(path, text)` pairs.
    pub fn from_texts(
        root: PathBuf,
        config: Config,
        texts: Vec<(PathBuf, String)>,
        overlay: Overlay<'_>,
    ) -> Workspace {
        let texts = texts.into_iter().map(|(path, text)| (path, Arc::from(text))).collect();
        Workspace::from_texts_with(root, config, texts, overlay, &parse_afresh)
    }

    /// Like [`Workspace::from_texts`], with shared texts, parsing every file (workspace,
    /// `use`d and std) with `parse`: the language server passes a cache so that an edit
    /// re-parses one file.
    pub fn from_texts_with(
        root: PathBuf,
        config: Config,
        texts: Vec<(PathBuf, Arc<str>)>,
        overlay: Overlay<'_>,
        parse: Parse<'_>,
    ) -> Workspace {
        Workspace::build(root, config, texts, overlay, parse, Build::Keep)
    }

    /// Like [`Workspace::from_texts_with`], leaving room among the entities' ids after
    /// each file's ([`super::resolve_with_room`]), so that [`Workspace::reload`] can add
    /// declarations to a file without moving other files' ids: for the language server.
    pub fn from_texts_with_room(
        root: PathBuf,
        config: Config,
        texts: Vec<(PathBuf, Arc<str>)>,
        overlay: Overlay<'_>,
        parse: Parse<'_>,
    ) -> Workspace {
        Workspace::build(root, config, texts, overlay, parse, Build::Room)
    }

    /// Like [`Workspace::from_texts_with_room`], after `previous` was built from nearly the
    /// same files: when `parse` returned the same trees as before for all files but one,
    /// that file alone is resolved again ([`super::update`]), which gives the same
    /// portfolio (up to the room among the ids).
    pub fn reload(
        previous: &Workspace,
        root: PathBuf,
        config: Config,
        texts: Vec<(PathBuf, Arc<str>)>,
        overlay: Overlay<'_>,
        parse: Parse<'_>,
    ) -> Workspace {
        Workspace::build(root, config, texts, overlay, parse, Build::Update(previous))
    }

    fn build(
        root: PathBuf,
        config: Config,
        texts: Vec<(PathBuf, Arc<str>)>,
        overlay: Overlay<'_>,
        parse: Parse<'_>,
        how: Build<'_>,
    ) -> Workspace {
        let previous = match how {
            Build::Update(previous) => Some(previous),
            Build::Keep | Build::Room | Build::Consume(_) => None,
        };
        let room = matches!(how, Build::Room | Build::Update(_));
        let mut sources = SourceMap::default();
        let mut files = Vec::with_capacity(texts.len() + 4);
        let mut diagnostics = Vec::new();
        let parsed: Vec<(SourceFile, Parsed)> = texts
            .into_par_iter()
            .enumerate()
            .map(|(index, (path, text))| {
                let file = FileId(index as u32);
                let result = parse(file, &path, &text);
                // An unchanged file keeps its source and line index.
                let kept = previous
                    .and_then(|previous| previous.sources.get(file))
                    .filter(|source| source.path == path && Arc::ptr_eq(&source.text, &text));
                let source = match kept {
                    Some(source) => source.clone(),
                    None => SourceFile::new(path.clone(), display_name(&root, &path), text),
                };
                (source, result)
            })
            .collect();
        for (source, (ast, found)) in parsed {
            let file = sources.add(source);
            diagnostics.extend(found);
            files.push(ParsedFile { file, ast, used: false, std: false });
        }
        follow_uses(&root, &mut sources, &mut files, &mut diagnostics, overlay, parse);
        if config.check.std {
            for (name, text) in crate::stdlib::FILES {
                let file = sources.add(std_source(name, text));
                let (ast, found) = parse(file, Path::new(name), text);
                diagnostics.extend(found);
                files.push(ParsedFile { file, ast, used: false, std: true });
            }
        }
        // `charter.toml` is a source too, after every `.charter` file (their ids stay
        // the same), so that its findings show a snippet like any other.
        if let Some(source) = config_source(&root, &config) {
            let id = sources.add(source);
            diagnostics.extend(config_findings(&config, id, &files));
        }
        let entity_trees = match how {
            Build::Consume(parsed) => {
                parsed();
                false
            }
            Build::Keep | Build::Room | Build::Update(_) => true,
        };
        let updated = previous.and_then(|previous| update(previous, &sources, &files));
        let (portfolio, found) = match updated {
            Some(updated) => updated,
            None if room => super::resolve_with_room(
                &Declarations::of_files(files.iter().map(|file| &*file.ast)),
                files.iter().map(|file| file.file).collect(),
            ),
            None if entity_trees => {
                super::resolve(&Declarations::of_files(files.iter().map(|file| &*file.ast)))
            }
            None => {
                let owned: Vec<Vec<ast::Entity>> = files.par_iter_mut().map(take_entities).collect();
                super::resolve::resolve_owned(
                    &Declarations::of_files(files.iter().map(|file| &*file.ast)),
                    owned,
                )
            }
        };
        diagnostics.extend(found);
        Workspace { root, config, sources, files, portfolio, diagnostics, entity_trees }
    }

    /// Every rule declaration of the workspace, std included, with its file.
    pub fn rules(&self) -> impl Iterator<Item = (&ParsedFile, &ast::Rule)> {
        self.files.iter().flat_map(|file| {
            file.ast.items.iter().filter_map(move |item| match item {
                ast::Item::Rule(rule) => Some((file, &**rule)),
                _ => None,
            })
        })
    }

    /// Every `test` block of the workspace, std included.
    pub fn tests(&self) -> impl Iterator<Item = (&ParsedFile, &ast::Test)> {
        self.files.iter().flat_map(|file| {
            file.ast.items.iter().filter_map(move |item| match item {
                ast::Item::Test(test) => Some((file, test)),
                _ => None,
            })
        })
    }

    /// Every `extend` block of the workspace.
    pub fn extends(&self) -> impl Iterator<Item = &ast::Extend> {
        self.files.iter().flat_map(|file| {
            file.ast.items.iter().filter_map(|item| match item {
                ast::Item::Extend(extend) => Some(extend),
                _ => None,
            })
        })
    }

    /// The files that belong to the workspace itself (not std, not `use`d from outside).
    pub fn own_files(&self) -> impl Iterator<Item = &ParsedFile> {
        self.files.iter().filter(|file| !file.std)
    }
}

/// Which findings a command reports: those located under the paths it was given.
///
/// Paths narrow what is reported, never what is loaded ([`Workspace::load`] reads the
/// whole workspace of the nearest `charter.toml`). A finding belongs to the file of its
/// primary span; one located in std or in a `use`d file outside the workspace belongs to
/// the entity it is about, or else to the files its secondary labels point at. Findings in
/// `charter.toml` are always reported: its settings govern every check.
#[derive(Clone, Debug)]
pub struct Scope {
    /// `None`: everything is reported.
    paths: Option<Vec<PathBuf>>,
}

impl Scope {
    /// Everything: no narrowing.
    pub fn everything() -> Scope {
        Scope { paths: None }
    }

    /// The scope of `paths` (the current directory when empty) in `workspace`. Without a
    /// `charter.toml` the paths are the workspace, and a path at or above the root
    /// selects all of it.
    pub fn of(workspace: &Workspace, paths: &[PathBuf]) -> Scope {
        Scope::at(&workspace.root, workspace.config.file.is_some(), paths)
    }

    /// [`Scope::of`] for the workspace at `root`, which has a `charter.toml` when
    /// `configured`.
    pub fn at(root: &Path, configured: bool, paths: &[PathBuf]) -> Scope {
        if !configured {
            return Scope::everything();
        }
        let given: Vec<PathBuf> = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths.to_vec() };
        let given: Vec<PathBuf> = given
            .iter()
            .map(|path| normalize(&std::path::absolute(path).unwrap_or_else(|_| path.clone())))
            .collect();
        if given.iter().any(|path| root.starts_with(path)) {
            return Scope::everything();
        }
        Scope { paths: Some(given) }
    }

    /// Whether every finding is reported.
    pub fn is_everything(&self) -> bool {
        self.paths.is_none()
    }

    /// Whether `finding` is reported.
    pub fn reports(&self, workspace: &Workspace, finding: &Diagnostic) -> bool {
        let config = workspace.config.file.as_ref().map(|config| config.path.as_path());
        self.reports_in(&workspace.sources, &workspace.root, config, finding, || {
            Scope::subject(workspace, finding)
        })
    }

    /// The file of the entity `finding` is about, when it names one that exists: what
    /// decides whether a finding located in std or outside the workspace is reported.
    pub fn subject(workspace: &Workspace, finding: &Diagnostic) -> Option<FileId> {
        let id = workspace.portfolio.lookup(finding.entity.as_deref()?)?;
        Some(workspace.portfolio.entity(id)?.span.file)
    }

    /// [`Scope::reports`] from the workspace's sources, root and `charter.toml` path alone,
    /// with [`Scope::subject`] given: what a cached check has.
    pub fn reports_in(
        &self,
        sources: &SourceMap,
        root: &Path,
        config: Option<&Path>,
        finding: &Diagnostic,
        subject: impl FnOnce() -> Option<FileId>,
    ) -> bool {
        let Some(paths) = &self.paths else {
            return true;
        };
        let under = |file: FileId| {
            sources.get(file).is_some_and(|file| paths.iter().any(|path| file.path.starts_with(path)))
        };
        let primary = finding.span();
        if under(primary.file) {
            return true;
        }
        let Some(file) = sources.get(primary.file) else {
            return false;
        };
        if config.is_some_and(|config| config == file.path) {
            return true;
        }
        if file.path.starts_with(root) {
            return false;
        }
        match subject() {
            Some(file) => under(file),
            None => finding.secondary.iter().any(|label| under(label.span.file)),
        }
    }
}

/// The source of the std file `name`, as every workspace that loads std holds it.
pub(crate) fn std_source(name: &str, text: &str) -> SourceFile {
    SourceFile::new(PathBuf::from(name), name.to_string(), text.to_string())
}

/// The source of `charter.toml`, when there is one: the last file of a workspace.
pub(crate) fn config_source(root: &Path, config: &Config) -> Option<SourceFile> {
    let file = config.file.as_ref()?;
    Some(SourceFile::new(file.path.clone(), display_name(root, &file.path), file.text.clone()))
}

/// What [`Workspace::build`] does with the trees of entity declarations.
enum Build<'a> {
    /// Resolves them and keeps them.
    Keep,
    /// Resolves them with room among the ids ([`super::resolve_with_room`]) and keeps them.
    Room,
    /// Resolves them and drops them ([`Workspace::from_inputs_consumed`]), calling this
    /// once every file is parsed.
    Consume(&'a mut dyn FnMut()),
    /// Keeps them and updates the portfolio of the workspace given, when it can.
    Update(&'a Workspace),
}

/// Takes the entity declarations out of `parsed`'s tree, in order (copies of them when
/// the tree is shared), leaving its other items.
fn take_entities(parsed: &mut ParsedFile) -> Vec<ast::Entity> {
    let is_entity = |item: &ast::Item| matches!(item, ast::Item::Entity(_));
    if !parsed.ast.items.iter().any(is_entity) {
        return Vec::new();
    }
    let entity = |item: ast::Item| match item {
        ast::Item::Entity(entity) => Some(entity),
        _ => None,
    };
    match Arc::get_mut(&mut parsed.ast) {
        Some(tree) => {
            let (entities, rest): (Vec<ast::Item>, Vec<ast::Item>) =
                std::mem::take(&mut tree.items).into_iter().partition(is_entity);
            tree.items = rest;
            entities.into_iter().filter_map(entity).collect()
        }
        None => {
            let entities =
                parsed.ast.items.iter().filter(|item| is_entity(item)).cloned().filter_map(entity).collect();
            let items = parsed.ast.items.iter().filter(|item| !is_entity(item)).cloned().collect();
            parsed.ast = Arc::new(ast::SourceFile { items });
            entities
        }
    }
}

/// The portfolio of `files` by updating `previous`'s, when exactly one file's tree
/// changed and the files are otherwise the same.
fn update(
    previous: &Workspace,
    sources: &SourceMap,
    files: &[ParsedFile],
) -> Option<(Portfolio, Vec<Diagnostic>)> {
    // Without its entity trees, `previous` cannot say what the changed file declared.
    if !previous.entity_trees
        || previous.files.len() != files.len()
        || previous.sources.len() != sources.len()
    {
        return None;
    }
    let mut changed = None;
    for (before, now) in previous.files.iter().zip(files) {
        let same_file = before.file == now.file
            && before.std == now.std
            && before.used == now.used
            && previous.sources.get(before.file).map(|source| &source.path)
                == sources.get(now.file).map(|source| &source.path);
        if !same_file {
            return None;
        }
        if !Arc::ptr_eq(&before.ast, &now.ast) {
            if changed.is_some() {
                return None;
            }
            changed = Some((before, now));
        }
    }
    let (before, now) = changed?;
    let trees: Vec<(FileId, &ast::SourceFile)> =
        files.iter().map(|parsed| (parsed.file, &*parsed.ast)).collect();
    let texts = previous.sources.get(before.file).zip(sources.get(now.file));
    match texts {
        Some((old, new)) => super::update::update_with_texts(
            &previous.portfolio,
            now.file,
            (&before.ast, &now.ast),
            &trees,
            (&old.text, &new.text),
        ),
        None => super::update(&previous.portfolio, now.file, &before.ast, &now.ast, &trees),
    }
}

/// The nearest ancestor of `start` holding `charter.toml`, else `start` (or its directory).
pub fn find_root(start: &Path) -> PathBuf {
    let absolute = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
    let directory = if absolute.is_file() {
        absolute.parent().map_or_else(|| absolute.clone(), Path::to_path_buf)
    } else {
        absolute
    };
    let directory = normalize(&directory);
    directory
        .ancestors()
        .find(|ancestor| ancestor.join("charter.toml").is_file())
        .map_or(directory.clone(), Path::to_path_buf)
}

fn read_config(root: &Path) -> Result<Config, LoadError> {
    let path = root.join("charter.toml");
    if !path.is_file() {
        return Ok(Config::default());
    }
    // A `charter.toml` that is a link to another kind of file (`/proc/self/environ`) is
    // refused before it is read: a parse error would quote its content.
    let text: Arc<str> =
        read::read_data_file(&path).map_err(|reason| LoadError::reading(&path, reason))?.into();
    let mut config = match Config::read(&text) {
        Ok(config) => config,
        Err(error) => return Err(LoadError::Config { path, text, error }),
    };
    config.file = Some(super::config::ConfigFile { path, text });
    Ok(config)
}

/// The `charter::config` findings of `charter.toml` (file `id`): the mistakes found while
/// reading it, and the names under `[rules]` that are no rule and no built-in code.
fn config_findings(config: &Config, id: FileId, files: &[ParsedFile]) -> Vec<Diagnostic> {
    let finding = |range: &std::ops::Range<usize>, message: String, label: &str| {
        Diagnostic::builtin(BuiltinCode::Config, Span::new(id, range.start, range.end), message)
            .with_label(label)
    };
    let mut findings: Vec<Diagnostic> = config
        .problems
        .iter()
        .map(|problem| {
            let mut diagnostic = finding(&problem.range, problem.message.clone(), &problem.label);
            diagnostic.help = problem.help.clone();
            if let Some(replacement) = &problem.replacement {
                let span = diagnostic.span();
                diagnostic = diagnostic.with_fix(format!("write `{replacement}`"), span, replacement.clone());
            }
            diagnostic
        })
        .collect();
    let declared: Vec<&str> = files
        .iter()
        .flat_map(|file| file.ast.items.iter())
        .filter_map(|item| match item {
            ast::Item::Rule(rule) => Some(rule.name.name.as_str()),
            _ => None,
        })
        .collect();
    // The std rules are known names even with `std = false`: setting one is harmless.
    let mut known: Vec<&str> = declared;
    for name in std_rule_names() {
        known.push(name);
    }
    known.extend(BuiltinCode::ALL.iter().map(|code| code.as_str()));
    for (name, range) in &config.rule_names {
        if known.contains(&name.as_str()) {
            continue;
        }
        let suggestion = crate::diagnostic::closest(name, known.iter().copied());
        let mut diagnostic = finding(
            range,
            format!("no rule or built-in code is named `{name}`"),
            "unknown rule",
        )
        .with_help(match suggestion {
            Some(candidate) => format!("did you mean `{candidate}`?"),
            None => "`charter rules` lists the rules; built-in codes start with `charter::`".to_string(),
        });
        if let Some(candidate) = suggestion {
            let span = diagnostic.span();
            diagnostic = diagnostic.with_fix(format!("write `{candidate}`"), span, candidate);
        }
        findings.push(diagnostic);
    }
    findings
}

/// The names of the std rules, read from their source without parsing it.
fn std_rule_names() -> impl Iterator<Item = &'static str> {
    crate::stdlib::FILES.iter().flat_map(|(_, text)| {
        text.lines().filter_map(|line| {
            let rest = line.strip_prefix("rule ")?;
            rest.split(|character: char| !(character.is_alphanumeric() || character == '_')).next()
        })
    })
}

/// The files a path given on the command line names: the `.charter` files below a
/// directory, or the path itself when it may be read as a source file (a regular
/// `.charter` file, or a link to one, within [`MAX_FILE_SIZE`]). Anything else (a FIFO, a
/// device, `/proc/self/environ`) is refused before it is opened.
pub fn source_files(path: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let unreadable = |reason| LoadError::Unreadable { path: path.to_path_buf(), reason };
    if std::fs::metadata(path).is_ok_and(|metadata| metadata.is_dir()) {
        return Ok(charter_files(path));
    }
    read::check_source_path(path).map_err(unreadable)?;
    Ok(vec![normalize(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))])
}

/// The `.charter` files at or below `path`, honoring `.gitignore`. The walk lists only
/// regular files (it follows no symbolic link); `path` itself is listed only when
/// [`read::check_source_path`] accepts it.
pub fn charter_files(path: &Path) -> Vec<PathBuf> {
    if !std::fs::metadata(path).is_ok_and(|metadata| metadata.is_dir()) {
        if read::check_source_path(path).is_err() {
            return Vec::new();
        }
        return vec![normalize(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))];
    }
    let mut files: Vec<PathBuf> = ignore::WalkBuilder::new(path)
        .hidden(true)
        .require_git(false)
        .build()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_some_and(|kind| kind.is_file()))
        .map(ignore::DirEntry::into_path)
        .filter(|path| path.extension().is_some_and(|extension| extension == "charter"))
        .map(|path| normalize(&std::path::absolute(&path).unwrap_or(path)))
        .collect();
    files.sort();
    files
}

fn read_text(path: &Path, overlay: Overlay<'_>) -> Result<String, LoadError> {
    if let Some(text) = overlay(path) {
        return Ok(text);
    }
    read::read_source(path).map_err(|reason| LoadError::reading(path, reason))
}

/// Loads every file named by a `use`, once, reporting missing and absolute paths.
fn follow_uses(
    root: &Path,
    sources: &mut SourceMap,
    files: &mut Vec<ParsedFile>,
    diagnostics: &mut Vec<Diagnostic>,
    overlay: Overlay<'_>,
    parse: Parse<'_>,
) {
    let mut next = 0;
    while let Some(parsed) = files.get(next) {
        next += 1;
        let importer = parsed.file;
        let uses: Vec<ast::Use> = parsed
            .ast
            .items
            .iter()
            .filter_map(|item| match item {
                ast::Item::Use(item) => Some(item.clone()),
                _ => None,
            })
            .collect();
        let directory = sources
            .get(importer)
            .and_then(|file| file.path.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        for item in uses {
            let written = Path::new(&item.path.value);
            if written.is_absolute() || item.path.value.starts_with('/') {
                diagnostics.push(
                    Diagnostic::builtin(
                        BuiltinCode::UseNotFound,
                        item.path.span,
                        format!("`use` paths must be relative: `{}`", item.path.value),
                    )
                    .with_label("absolute path")
                    .with_help("write the path relative to this file, for example `../shared/rules.charter`"),
                );
                continue;
            }
            let target = normalize(&directory.join(written));
            if sources.find(&target).is_some() {
                continue;
            }
            // The name is checked before anything is read, even from an editor's buffer.
            let text = if read::is_charter_name(&target) {
                read_text(&target, overlay)
            } else {
                Err(LoadError::Unreadable { path: target.clone(), reason: ReadError::NotCharter })
            };
            let text = match text {
                Ok(text) => text,
                Err(error) => {
                    diagnostics.push(use_error(&item.path, &display_name(root, &target), &error));
                    continue;
                }
            };
            let name = display_name(root, &target);
            let file = sources.add(SourceFile::new(target.clone(), name, String::new()));
            let (ast, found) = parse(file, &target, &text);
            if let Some(source) = sources.get_mut(file) {
                *source = SourceFile::new(source.path.clone(), source.name.clone(), text);
            }
            diagnostics.extend(found);
            files.push(ParsedFile { file, ast, used: true, std: false });
        }
    }
}

/// The finding at a `use` path that could not be loaded. It names the path and says why,
/// and never quotes what the path holds.
fn use_error(written: &ast::StringLit, target: &str, error: &LoadError) -> Diagnostic {
    let path = &written.value;
    let limit = MAX_FILE_SIZE / (1024 * 1024);
    let only_charter = |label: String| {
        Diagnostic::builtin(BuiltinCode::UseNotFound, written.span, "`use` can only load `.charter` files")
            .with_label(label)
    };
    match error {
        LoadError::Unreadable { reason: ReadError::Missing, .. } => Diagnostic::builtin(
            BuiltinCode::UseNotFound,
            written.span,
            format!("cannot load `{path}`: no such file"),
        )
        .with_label(format!("looked for `{target}`"))
        .with_help("`use` paths are relative to the file that contains the `use`"),
        LoadError::Unreadable { reason: ReadError::NotCharter, .. } => {
            only_charter(format!("`{path}` is not a `.charter` file"))
                .with_help("`use` loads Charter source files: name a file whose name ends in `.charter`")
        }
        LoadError::Unreadable { reason: ReadError::LinkNotCharter, .. } => {
            only_charter(format!("`{path}` is a link to a file that is not a `.charter` file"))
                .with_help("a link is followed only to a regular file whose own name ends in `.charter`")
        }
        LoadError::Unreadable { reason: ReadError::NotRegular(kind), .. } => {
            let help = match kind {
                FileKind::Directory => {
                    "a directory cannot be loaded: name one of its `.charter` files".to_string()
                }
                _ => "`use` loads only regular files; name a `.charter` file".to_string(),
            };
            only_charter(format!("`{path}` is {}", kind.phrase())).with_help(help)
        }
        LoadError::Unreadable { reason: ReadError::TooLarge, .. } => Diagnostic::builtin(
            BuiltinCode::UseNotFound,
            written.span,
            format!("cannot load `{path}`: the file is larger than {limit} MiB"),
        )
        .with_label(format!("`{target}` is over the limit"))
        .with_help(format!("a source file may hold at most {limit} MiB; split it into several files")),
        LoadError::NotUtf8 { offset, .. } => Diagnostic::builtin(
            BuiltinCode::UseNotFound,
            written.span,
            format!("cannot load `{path}`: not valid UTF-8 at byte {offset}"),
        )
        .with_label(format!("`{target}` is not UTF-8 text"))
        .with_help("Charter files must be UTF-8 text; re-save the file as UTF-8"),
        other => Diagnostic::builtin(
            BuiltinCode::UseNotFound,
            written.span,
            format!("cannot load `{path}`: {}", unreadable_reason(other)),
        )
        .with_label(format!("looked for `{target}`"))
        .with_help("`use` paths are relative to the file that contains the `use`"),
    }
}

fn unreadable_reason(error: &LoadError) -> String {
    match error {
        LoadError::Unreadable { reason, .. } => reason.to_string(),
        other => other.to_string(),
    }
}

/// Removes `.` and resolves `..` lexically, so one file has one name.
pub fn normalize(path: &Path) -> PathBuf {
    let mut result = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !result.pop() {
                    result.push("..");
                }
            }
            other => result.push(other.as_os_str()),
        }
    }
    result
}

/// The path relative to `root` with `/` separators; `../…` for files outside it.
pub fn display_name(root: &Path, path: &Path) -> String {
    let root: Vec<Component> = root.components().collect();
    let path_components: Vec<Component> = path.components().collect();
    let shared = root.iter().zip(&path_components).take_while(|(a, b)| a == b).count();
    if shared == 0 {
        return path.display().to_string().replace('\\', "/");
    }
    let mut parts: Vec<String> = Vec::new();
    for _ in shared..root.len() {
        parts.push("..".into());
    }
    for component in path_components.iter().skip(shared) {
        parts.push(component.as_os_str().to_string_lossy().into_owned());
    }
    parts.join("/")
}
