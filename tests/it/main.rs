//! Integration tests: the real app on a random port with its own SQLite file.
//! One test binary, so it links once.

mod binary;
mod helpers;
mod http;
mod pages;
mod store;
