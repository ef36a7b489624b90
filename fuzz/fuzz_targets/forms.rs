//! The public forms' bodies and email addresses: see `pamphlet::fuzzing::forms`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pamphlet::fuzzing::forms(data));
