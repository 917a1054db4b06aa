//! Checking never panics: the input is the one file of an in-memory workspace, checked
//! with the std library and rendered (human, short, JSON). `use`d files read as empty.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        charter_fuzz::invariants::check_one_file(text, true);
    }
});
