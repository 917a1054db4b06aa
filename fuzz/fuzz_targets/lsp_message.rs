//! The language server survives any byte stream. The first byte chooses how the rest is
//! read (see `charter_fuzz::lsp`): even, as the server's raw standard input, through the
//! real framing and decoding; odd, as NUL-separated message bodies passed one at a time
//! to an in-process `LspService`, which reaches the handlers.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        charter_fuzz::lsp::serve(rest);
    } else {
        charter_fuzz::lsp::call_each(rest);
    }
});
