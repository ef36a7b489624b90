//! The subscriber import's CSV: see `pamphlet::fuzzing::csv`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pamphlet::fuzzing::csv(data));
