//! One cache file on disk: a header that says what it holds and a checksummed payload,
//! written to a temporary file and renamed into place.
//!
//! ```text
//! magic "CHARTER\x1a" · format (u32) · kind (4 bytes) · build length (u16) · build
//! · payload length (u64) · payload checksum (xxh3-64) · payload
//! ```
//!
//! A file is trusted only when every field matches: the magic, this [`FORMAT`], the kind
//! asked for, this build of Charter ([`super::BUILD`]), a length equal to what follows and
//! the checksum of it. Anything else (a truncated, corrupt, foreign or garbage file) reads
//! as absent. Integers are little-endian.
//!
//! Writers never modify a file in place: each writes a temporary file in the same
//! directory and renames it over the old one, which is atomic, so a reader sees the old
//! file or the new one, whole, however many runs write at once (the last rename wins).

use std::io::{Read, Write};
use std::path::Path;

/// The first bytes of every cache file.
const MAGIC: &[u8; 8] = b"CHARTER\x1a";

/// The version of this layout; a file of another is ignored.
pub const FORMAT: u32 = 1;

/// The largest cache file read: a workspace of 8 MiB files would need thousands of them
/// to come near it. A larger file is ignored, so a hostile one cannot make a check
/// allocate without bound.
pub const MAX_SIZE: u64 = 1 << 30;

/// What a cache file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Parsed files ([`super::trees`]).
    Trees,
    /// The findings of a whole check ([`super::findings`]).
    Findings,
}

impl Kind {
    fn tag(self) -> &'static [u8; 4] {
        match self {
            Kind::Trees => b"TREE",
            Kind::Findings => b"FIND",
        }
    }
}

/// The payload of the cache file at `path`, when it is one this build wrote for `kind`
/// and is whole; `None` otherwise (missing, unreadable, not a regular file, too large,
/// truncated, corrupt, of another format, kind or build).
pub fn read(path: &Path, kind: Kind) -> Option<Vec<u8>> {
    let bytes = read_regular(path)?;
    payload(&bytes, kind).map(<[u8]>::to_vec)
}

/// The payload inside `bytes`, when the header matches and the checksum holds.
pub fn payload(bytes: &[u8], kind: Kind) -> Option<&[u8]> {
    let mut rest = bytes;
    if take(&mut rest, MAGIC.len())? != MAGIC {
        return None;
    }
    if u32::from_le_bytes(take(&mut rest, 4)?.try_into().ok()?) != FORMAT {
        return None;
    }
    if take(&mut rest, 4)? != kind.tag() {
        return None;
    }
    let build_length = u16::from_le_bytes(take(&mut rest, 2)?.try_into().ok()?);
    if take(&mut rest, usize::from(build_length))? != super::BUILD.as_bytes() {
        return None;
    }
    let length = u64::from_le_bytes(take(&mut rest, 8)?.try_into().ok()?);
    let checksum = u64::from_le_bytes(take(&mut rest, 8)?.try_into().ok()?);
    if u64::try_from(rest.len()).ok()? != length {
        return None;
    }
    (xxhash_rust::xxh3::xxh3_64(rest) == checksum).then_some(rest)
}

/// The header of a `kind` file of this build whose payload is `parts`, one after another.
fn header(kind: Kind, parts: &[&[u8]]) -> Vec<u8> {
    let build = super::BUILD.as_bytes();
    let build_length = u16::try_from(build.len()).unwrap_or(u16::MAX);
    let build = build.get(..usize::from(build_length)).unwrap_or(build);
    let mut checksum = xxhash_rust::xxh3::Xxh3::new();
    for part in parts {
        checksum.update(part);
    }
    let length: u64 = parts.iter().map(|part| part.len() as u64).sum();
    let mut bytes = Vec::with_capacity(64 + build.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT.to_le_bytes());
    bytes.extend_from_slice(kind.tag());
    bytes.extend_from_slice(&build_length.to_le_bytes());
    bytes.extend_from_slice(build);
    bytes.extend_from_slice(&length.to_le_bytes());
    bytes.extend_from_slice(&checksum.digest().to_le_bytes());
    bytes
}

/// Writes the `kind` file at `path` whose payload is `parts`, one after another: to a
/// temporary file in the same directory, then renamed over `path`.
pub fn write(path: &Path, kind: Kind, parts: &[&[u8]]) -> std::io::Result<()> {
    let directory = path.parent().unwrap_or(Path::new("."));
    let mut temporary = tempfile::Builder::new().prefix(".tmp-").tempfile_in(directory)?;
    temporary.write_all(&header(kind, parts))?;
    for part in parts {
        temporary.write_all(part)?;
    }
    temporary.flush()?;
    temporary.persist(path).map_err(|error| error.error)?;
    Ok(())
}

/// The next `count` bytes of `rest`, which moves past them.
fn take<'a>(rest: &mut &'a [u8], count: usize) -> Option<&'a [u8]> {
    let (head, tail) = rest.split_at_checked(count)?;
    *rest = tail;
    Some(head)
}

/// The bytes of the regular file at `path`, at most [`MAX_SIZE`]. The open does not
/// block (a FIFO put in the cache's place is refused, not waited on), and the read is
/// bounded even if the file grows meanwhile.
fn read_regular(path: &Path) -> Option<Vec<u8>> {
    let file = crate::source::read::open(path).ok()?;
    let metadata = file.metadata().ok()?;
    if !metadata.is_file() || metadata.len() > MAX_SIZE {
        return None;
    }
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).ok()?);
    file.take(MAX_SIZE + 1).read_to_end(&mut bytes).ok()?;
    (bytes.len() as u64 <= MAX_SIZE).then_some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_reads_back_and_any_damage_reads_as_absent() {
        let mut framed = header(Kind::Trees, &[b"pay", b"load"]);
        framed.extend_from_slice(b"payload");
        assert_eq!(payload(&framed, Kind::Trees), Some(&b"payload"[..]));
        assert_eq!(payload(&framed, Kind::Findings), None);
        for end in 0..framed.len() {
            assert_eq!(payload(&framed[..end], Kind::Trees), None, "truncated to {end}");
        }
        for index in 0..framed.len() {
            let mut damaged = framed.clone();
            damaged[index] ^= 0x40;
            assert_eq!(payload(&damaged, Kind::Trees), None, "byte {index} flipped");
        }
        let mut longer = framed.clone();
        longer.push(0);
        assert_eq!(payload(&longer, Kind::Trees), None);
    }

    #[test]
    fn a_written_file_reads_back_and_a_directory_or_fifo_does_not() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("x.bin");
        write(&path, Kind::Findings, &[b"abc"]).unwrap();
        assert_eq!(read(&path, Kind::Findings).as_deref(), Some(&b"abc"[..]));
        write(&path, Kind::Findings, &[b"de", b"fg"]).unwrap();
        assert_eq!(read(&path, Kind::Findings).as_deref(), Some(&b"defg"[..]));
        assert_eq!(read(directory.path(), Kind::Findings), None);
        assert_eq!(read(&directory.path().join("none"), Kind::Findings), None);
        #[cfg(unix)]
        {
            // A FIFO in the cache's place is refused at once, not waited on.
            let fifo = directory.path().join("fifo");
            if std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|status| status.success()) {
                assert_eq!(read(&fifo, Kind::Findings), None);
            }
        }
    }
}
