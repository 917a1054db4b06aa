//! The formatter's round trip: on any input that parses, formatting is idempotent, keeps
//! every comment in order and leaves the tree unchanged; on any input, it never panics.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        charter_fuzz::invariants::format_round_trips(text);
    }
});
