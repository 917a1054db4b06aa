//! Reading source files from the disk: only regular `.charter` files, up to a size limit,
//! and never a byte of anything else.
//!
//! Charter runs in CI on contributors' files, so a path in a `use` or on the command line
//! is untrusted. Before a file is opened its metadata must say it is a regular file (a
//! FIFO would block, `/dev/zero` never ends, `/proc/self/environ` holds secrets), its name
//! must end in `.charter`, and it is read through [`Read::take`] so that a file that grows
//! while it is read, or a `/proc` file that reports size 0, cannot exceed
//! [`MAX_FILE_SIZE`]. Every refusal is a [`ReadError`] that names the path and never
//! quotes the content.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest source file Charter reads: 8 MiB (LANGUAGE.md §1).
pub const MAX_FILE_SIZE: u64 = 8 * 1024 * 1024;

/// Why a path was not read as source. None of these quote the file's content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadError {
    /// Nothing exists at the path.
    Missing,
    /// The name does not end in `.charter`.
    NotCharter,
    /// A symbolic link to a file whose own name does not end in `.charter`.
    LinkNotCharter,
    /// A symbolic link to a data file (`charter.toml`, a baseline) of another name.
    LinkRenamed,
    /// Not a regular file: a directory, FIFO, device or socket.
    NotRegular(FileKind),
    /// Larger than [`MAX_FILE_SIZE`].
    TooLarge,
    /// Not UTF-8; the offset of the first invalid byte.
    NotUtf8 { offset: usize },
    /// The operating system refused (permissions, I/O error).
    Io(String),
}

/// What a path that is not a regular file is, for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Directory,
    Fifo,
    Device,
    Socket,
    Other,
}

impl FileKind {
    fn of(metadata: &Metadata) -> FileKind {
        let kind = metadata.file_type();
        if kind.is_dir() {
            return FileKind::Directory;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if kind.is_fifo() {
                return FileKind::Fifo;
            }
            if kind.is_block_device() || kind.is_char_device() {
                return FileKind::Device;
            }
            if kind.is_socket() {
                return FileKind::Socket;
            }
        }
        FileKind::Other
    }

    /// `a directory`, `a named pipe (FIFO)`, ...
    pub fn phrase(self) -> &'static str {
        match self {
            FileKind::Directory => "a directory",
            FileKind::Fifo => "a named pipe (FIFO)",
            FileKind::Device => "a device",
            FileKind::Socket => "a socket",
            FileKind::Other => "not a regular file",
        }
    }
}

impl std::fmt::Display for ReadError {
    /// The reason as the end of a sentence: "cannot read `x`: {reason}".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Missing => write!(f, "no such file or directory"),
            ReadError::NotCharter => write!(f, "not a `.charter` file"),
            ReadError::LinkNotCharter => write!(f, "a symbolic link to a file that is not a `.charter` file"),
            ReadError::LinkRenamed => write!(f, "a symbolic link to a file of another name"),
            ReadError::NotRegular(FileKind::Other) => write!(f, "not a regular file"),
            ReadError::NotRegular(kind) => write!(f, "{}, not a regular file", kind.phrase()),
            ReadError::TooLarge => {
                write!(f, "larger than the limit of {} MiB per file", MAX_FILE_SIZE / (1024 * 1024))
            }
            ReadError::NotUtf8 { offset } => {
                write!(f, "not valid UTF-8 (byte {offset}); Charter files must be UTF-8 text")
            }
            ReadError::Io(reason) => write!(f, "{reason}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// Whether `path`'s name ends in `.charter`.
pub fn is_charter_name(path: &Path) -> bool {
    path.extension().is_some_and(|extension| extension == "charter")
}

/// Checks that `path` may be read as a source file, without opening it: it exists, its
/// name ends in `.charter`, it is a regular file and within [`MAX_FILE_SIZE`]. A symbolic
/// link is followed when the file it resolves to is itself a regular file named
/// `*.charter`, so a link cannot smuggle in `/proc/self/environ`.
pub fn check_source_path(path: &Path) -> Result<(), ReadError> {
    check_path(path, &SOURCE)
}

const SOURCE: Names<'static> = Names { accept: &is_charter_name, refused_link: ReadError::LinkNotCharter };

/// Reads a source file after [`check_source_path`]: at most [`MAX_FILE_SIZE`] bytes,
/// and UTF-8.
pub fn read_source(path: &Path) -> Result<String, ReadError> {
    read_checked(path, &SOURCE)
}

/// Reads a file that is not Charter source but comes from the same untrusted tree
/// (`charter.toml`, a baseline): a regular file within [`MAX_FILE_SIZE`], UTF-8; a
/// symbolic link is followed when the file it resolves to has the same file name.
pub fn read_data_file(path: &Path) -> Result<String, ReadError> {
    let name = path.file_name();
    let same_name = |target: &Path| target.file_name() == name;
    read_checked(path, &Names { accept: &same_name, refused_link: ReadError::LinkRenamed })
}

/// Which names a file may have, and what a link to a file of another name is.
struct Names<'a> {
    accept: &'a dyn Fn(&Path) -> bool,
    refused_link: ReadError,
}

fn read_checked(path: &Path, names: &Names<'_>) -> Result<String, ReadError> {
    check_path(path, names)?;
    let file = open(path).map_err(|error| io_error(&error))?;
    // The path may have been replaced between the check and the open: look again at what
    // was actually opened.
    let metadata = file.metadata().map_err(|error| io_error(&error))?;
    if !metadata.is_file() {
        return Err(ReadError::NotRegular(FileKind::of(&metadata)));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len().min(MAX_FILE_SIZE)).unwrap_or(0));
    file.take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes).map_err(|error| io_error(&error))?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(ReadError::TooLarge);
    }
    String::from_utf8(bytes).map_err(|error| ReadError::NotUtf8 { offset: error.utf8_error().valid_up_to() })
}

/// Opens `path` for reading. On Unix the open does not block: were the path swapped for a
/// FIFO after [`check_path`], opening it would otherwise wait for a writer forever. The
/// flag changes nothing for the regular file that is then read.
pub(crate) fn open(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

fn check_path(path: &Path, names: &Names<'_>) -> Result<(), ReadError> {
    let link = std::fs::symlink_metadata(path).map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => ReadError::Missing,
        _ => io_error(&error),
    })?;
    let metadata = if link.file_type().is_symlink() {
        let target: PathBuf = std::fs::canonicalize(path).map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => ReadError::Missing,
            _ => io_error(&error),
        })?;
        let metadata = std::fs::metadata(&target).map_err(|error| io_error(&error))?;
        if metadata.is_file() && !(names.accept)(&target) {
            return Err(names.refused_link.clone());
        }
        metadata
    } else {
        link
    };
    if !metadata.is_file() {
        return Err(ReadError::NotRegular(FileKind::of(&metadata)));
    }
    if !(names.accept)(path) {
        return Err(ReadError::NotCharter);
    }
    if metadata.len() > MAX_FILE_SIZE {
        return Err(ReadError::TooLarge);
    }
    Ok(())
}

/// The OS error's kind ("permission denied"), which never carries the content.
fn io_error(error: &std::io::Error) -> ReadError {
    ReadError::Io(error.kind().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_charter_files_within_the_limit_are_read() {
        let directory = tempfile::tempdir().unwrap();
        let good = directory.path().join("a.charter");
        std::fs::write(&good, "person a {}\n").unwrap();
        assert_eq!(read_source(&good).unwrap(), "person a {}\n");
        let text = directory.path().join("a.txt");
        std::fs::write(&text, "secret").unwrap();
        assert_eq!(read_source(&text), Err(ReadError::NotCharter));
        assert_eq!(read_source(directory.path()), Err(ReadError::NotRegular(FileKind::Directory)));
        assert_eq!(read_source(&directory.path().join("none.charter")), Err(ReadError::Missing));
        let large = directory.path().join("large.charter");
        std::fs::File::create(&large).unwrap().set_len(MAX_FILE_SIZE + 1).unwrap();
        assert_eq!(read_source(&large), Err(ReadError::TooLarge));
        let binary = directory.path().join("binary.charter");
        std::fs::write(&binary, b"ab\xffcd").unwrap();
        assert_eq!(read_source(&binary), Err(ReadError::NotUtf8 { offset: 2 }));
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_followed_only_to_a_charter_file() {
        let directory = tempfile::tempdir().unwrap();
        let target = directory.path().join("real.charter");
        std::fs::write(&target, "person a {}\n").unwrap();
        let link = directory.path().join("link.charter");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(read_source(&link).is_ok());
        let secret = directory.path().join("secret.txt");
        std::fs::write(&secret, "s3cr3t").unwrap();
        let disguised = directory.path().join("disguised.charter");
        std::os::unix::fs::symlink(&secret, &disguised).unwrap();
        assert_eq!(read_source(&disguised), Err(ReadError::LinkNotCharter));
        assert_eq!(read_source(Path::new("/dev/zero")), Err(ReadError::NotRegular(FileKind::Device)));
    }
}
