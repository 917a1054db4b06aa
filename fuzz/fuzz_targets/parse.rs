//! Parsing never panics, and parsing incrementally after an edit gives what parsing from
//! scratch gives. The input is `text`, optionally followed by a NUL byte and an edit
//! ([`Edit::from_bytes`]: where, how many bytes to remove, what to insert).

#![no_main]

use charter::source::FileId;
use charter_fuzz::invariants::{Edit, incremental_agrees};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (text, edit) = match data.iter().position(|byte| *byte == 0) {
        Some(at) => (&data[..at], Some(Edit::from_bytes(&data[at + 1..]))),
        None => (data, None),
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let _ = charter::syntax::parse(FileId(0), text);
    // Without an edit, the edit duplicates the second half of the text.
    let edit = edit.unwrap_or_else(|| {
        let mut half = text.len() / 2;
        while !text.is_char_boundary(half) {
            half -= 1;
        }
        Edit { start: half, end: half, inserted: text[half..].to_string() }
    });
    incremental_agrees(text, &edit);
});
