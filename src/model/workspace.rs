//! Loading a workspace: finding its root and `charter.toml`, walking its `.charter` files
//! (respecting `.gitignore`), following `use`, adding the std library, parsing every file
//! and resolving the portfolio.

use rayon::prelude::*;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use super::resolve::Declarations;
use super::{Config, Portfolio};
use crate::diagnostic::{BuiltinCode, Diagnostic};
use crate::source::{FileId, SourceFile, SourceMap};
use crate::syntax::{self, ast};

/// Why a workspace could not be loaded at all (exit status 2).
#[derive(Debug)]
pub enum LoadError {
    /// A path given on the command line does not exist or cannot be read.
    Unreadable { path: PathBuf, reason: String },
    /// A file is not UTF-8.
    NotUtf8 { path: PathBuf },
    /// No `.charter` file under the given paths.
    NoFiles { paths: Vec<PathBuf> },
    /// `charter.toml` is not valid.
    Config { path: PathBuf, reason: String },
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
            LoadError::NotUtf8 { path } => {
                write!(f, "`{}` is not valid UTF-8; Charter files must be UTF-8 text", shown(path))
            }
            LoadError::NoFiles { paths } => {
                let shown: Vec<String> = paths.iter().map(|path| format!("`{}`", path.display())).collect();
                write!(f, "no `.charter` files found in {}", shown.join(", "))
            }
            LoadError::Config { path, reason } => write!(f, "invalid `{}`: {reason}", shown(path)),
        }
    }
}

impl std::error::Error for LoadError {}

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
}

/// Text for a path from somewhere other than the disk (an editor's open document).
pub type Overlay<'a> = &'a (dyn Fn(&Path) -> Option<String> + Sync);

/// Parses one file as a given [`FileId`]: `syntax::parse`, or a cache of its results.
pub type Parse<'a> = &'a (dyn Fn(FileId, &Path, &str) -> Parsed + Sync);

/// A file's shared syntax tree and its syntax diagnostics.
pub type Parsed = (Arc<ast::SourceFile>, Vec<Diagnostic>);

impl Workspace {
    /// Loads the workspace around `paths` (the current directory when empty).
    pub fn load(paths: &[PathBuf]) -> Result<Workspace, LoadError> {
        Workspace::load_with(paths, &|_| None)
    }

    /// Like [`Workspace::load`], reading a file's text from `overlay` when it has one.
    pub fn load_with(paths: &[PathBuf], overlay: Overlay<'_>) -> Result<Workspace, LoadError> {
        let paths: Vec<PathBuf> = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths.to_vec() };
        for path in &paths {
            if !path.exists() {
                return Err(LoadError::Unreadable {
                    path: path.clone(),
                    reason: "no such file or directory".into(),
                });
            }
        }
        let root = find_root(paths.first().map_or(Path::new("."), PathBuf::as_path));
        let config = read_config(&root)?;
        let mut found = Vec::new();
        for path in &paths {
            found.extend(charter_files(path));
        }
        found.sort();
        found.dedup();
        if found.is_empty() {
            return Err(LoadError::NoFiles { paths });
        }
        let texts: Vec<(PathBuf, String)> = found
            .into_par_iter()
            .map(|path| read_text(&path, overlay).map(|text| (path, text)))
            .collect::<Result<_, _>>()?;
        Ok(Workspace::from_texts(root, config, texts, overlay))
    }

    /// Builds a workspace from files already read: `(path, text)` pairs.
    pub fn from_texts(
        root: PathBuf,
        config: Config,
        texts: Vec<(PathBuf, String)>,
        overlay: Overlay<'_>,
    ) -> Workspace {
        let texts = texts.into_iter().map(|(path, text)| (path, Arc::from(text))).collect();
        Workspace::from_texts_with(root, config, texts, overlay, &|file, _, text| {
            let (ast, diagnostics) = syntax::parse(file, text);
            (Arc::new(ast), diagnostics)
        })
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
        Workspace::build(root, config, texts, overlay, parse, None)
    }

    /// Like [`Workspace::from_texts_with`], after `previous` was built from nearly the same
    /// files: when `parse` returned the same trees as before for all files but one, that
    /// file alone is resolved again ([`super::update`]), which gives the same portfolio.
    pub fn reload(
        previous: &Workspace,
        root: PathBuf,
        config: Config,
        texts: Vec<(PathBuf, Arc<str>)>,
        overlay: Overlay<'_>,
        parse: Parse<'_>,
    ) -> Workspace {
        Workspace::build(root, config, texts, overlay, parse, Some(previous))
    }

    fn build(
        root: PathBuf,
        config: Config,
        texts: Vec<(PathBuf, Arc<str>)>,
        overlay: Overlay<'_>,
        parse: Parse<'_>,
        previous: Option<&Workspace>,
    ) -> Workspace {
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
                let file =
                    sources.add(SourceFile::new(PathBuf::from(name), name.to_string(), text.to_string()));
                let (ast, found) = parse(file, Path::new(name), text);
                diagnostics.extend(found);
                files.push(ParsedFile { file, ast, used: false, std: true });
            }
        }
        let updated = previous.and_then(|previous| update(previous, &sources, &files));
        let (portfolio, found) = updated
            .unwrap_or_else(|| super::resolve(&Declarations::of_files(files.iter().map(|file| &*file.ast))));
        diagnostics.extend(found);
        Workspace { root, config, sources, files, portfolio, diagnostics }
    }

    /// Every rule declaration of the workspace, std included, with its file.
    pub fn rules(&self) -> impl Iterator<Item = (&ParsedFile, &ast::Rule)> {
        self.files.iter().flat_map(|file| {
            file.ast.items.iter().filter_map(move |item| match item {
                ast::Item::Rule(rule) => Some((file, rule)),
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

/// The portfolio of `files` by updating `previous`'s, when exactly one file's tree
/// changed and the files are otherwise the same.
fn update(
    previous: &Workspace,
    sources: &SourceMap,
    files: &[ParsedFile],
) -> Option<(Portfolio, Vec<Diagnostic>)> {
    if previous.files.len() != files.len() || previous.sources.len() != sources.len() {
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
    super::update(&previous.portfolio, now.file, &before.ast, &now.ast, &trees)
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
    let text = std::fs::read_to_string(&path)
        .map_err(|error| LoadError::Unreadable { path: path.clone(), reason: error.to_string() })?;
    Config::parse(&text).map_err(|reason| LoadError::Config { path, reason })
}

/// The `.charter` files at or below `path`, honoring `.gitignore`.
pub fn charter_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
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
    let bytes = std::fs::read(path).map_err(|error| LoadError::Unreadable {
        path: path.to_path_buf(),
        reason: error.kind().to_string(),
    })?;
    String::from_utf8(bytes).map_err(|_| LoadError::NotUtf8 { path: path.to_path_buf() })
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
            let text = match read_text(&target, overlay) {
                Ok(text) => text,
                Err(error) => {
                    let reason = match error {
                        LoadError::Unreadable { .. } if !target.exists() => "no such file".to_string(),
                        other => other.to_string(),
                    };
                    diagnostics.push(
                        Diagnostic::builtin(
                            BuiltinCode::UseNotFound,
                            item.path.span,
                            format!("cannot load `{}`: {reason}", item.path.value),
                        )
                        .with_label(format!("looked for `{}`", display_name(root, &target)))
                        .with_help("`use` paths are relative to the file that contains the `use`"),
                    );
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
