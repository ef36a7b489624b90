//! Integration tests: the real app on a random port with its own store, on
//! SQLite and on PostgreSQL (`scripts/test.sh` starts a throwaway server).
//! One test binary, so it links once.

mod accounts;
mod addresses;
mod backups;
mod binary;
mod browser;
mod building;
mod editing;
mod export;
mod forms;
mod fuzz_corpora;
mod helpers;
mod hostile;
mod http;
mod layout;
mod library;
mod look;
mod mailbox;
mod newsletter;
mod nodes;
mod pages;
mod records;
mod reliability;
mod search;
mod site_settings;
mod store;
mod themes;
mod two_factor;
mod validators;
mod webdriver;
mod writing;
