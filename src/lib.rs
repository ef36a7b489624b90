//! Pamphlet: a fast, self-hosted site builder for causes, campaigns and authors.

pub mod app;
pub mod config;
pub mod content;
pub mod export;
pub mod render;
pub mod search;
pub mod site;
pub mod store;
