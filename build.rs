//! Sets `CHARTER_SOURCE_HASH`: a hash of every file this crate is compiled from (`src/`,
//! `grammar/`, `Cargo.toml`, `Cargo.lock`). It is part of the key of `charter check`'s cache
//! (`src/cache/mod.rs`, `BUILD`), so that a binary built from other sources never reads
//! a cache another build wrote, even with the same version number: the encoding of trees
//! and the meaning of findings can change between any two commits.

use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let inputs = ["src", "grammar", "Cargo.toml", "Cargo.lock"];
    let mut files = Vec::new();
    for input in inputs {
        println!("cargo::rerun-if-changed={input}");
        collect(&root.join(input), &mut files);
    }
    files.sort();
    // FNV-1a, 64 bits: enough to tell builds apart, and no dependency for a build script.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for byte in (bytes.len() as u64).to_le_bytes().iter().chain(bytes) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for file in &files {
        let relative = file.strip_prefix(&root).unwrap_or(file);
        feed(relative.to_string_lossy().as_bytes());
        feed(&std::fs::read(file).unwrap_or_default());
    }
    println!("cargo::rustc-env=CHARTER_SOURCE_HASH={hash:016x}");
}

/// Every file at or below `path`.
fn collect(path: &Path, files: &mut Vec<PathBuf>) {
    match std::fs::read_dir(path) {
        Ok(entries) => {
            for entry in entries.filter_map(Result::ok) {
                collect(&entry.path(), files);
            }
        }
        Err(_) if path.is_file() => files.push(path.to_path_buf()),
        Err(_) => {}
    }
}
