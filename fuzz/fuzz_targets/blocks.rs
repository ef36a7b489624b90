//! A page's blocks as stored JSON: see `pamphlet::fuzzing::blocks`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pamphlet::fuzzing::blocks(data));
