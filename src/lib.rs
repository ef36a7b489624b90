//! Pamphlet: a fast, self-hosted site builder for causes, campaigns and authors.

pub mod admin;
pub mod app;
pub mod client_ip;
pub mod config;
pub mod content;
pub mod demo;
pub mod export;
#[doc(hidden)]
pub mod fuzzing;
pub mod inbox;
pub mod mail;
pub mod newsletter;
pub mod people;
pub mod petitions;
pub mod public_forms;
pub mod render;
pub mod search;
pub mod secrets;
pub mod site;
pub mod stamps;
pub mod store;
