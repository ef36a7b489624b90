//! The demo loader's files and front matter: see `pamphlet::fuzzing::demo`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pamphlet::fuzzing::demo(data));
