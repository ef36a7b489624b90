//! Markdown → HTML: see `pamphlet::fuzzing::markdown`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pamphlet::fuzzing::markdown(data));
