//! template-validator: checks template repositories — the starter repositories every new
//! service is copied from — for required files, and reports findings as compiler-style
//! text or JSON.
//!
//! The pipeline, one module per stage: [`walk`] the repository → [`checks`] (one module per
//! rule family, rules declared as data in [`rules`]) → [`finding`]s → [`report`]ers.

pub mod audit;
pub mod baseline;
pub mod checks;
pub mod cli;
pub mod config;
pub mod dockerignore;
pub mod engine;
pub mod error;
pub mod finding;
pub mod fsread;
pub mod github;
pub mod parse;
pub mod report;
pub mod rules;
pub mod schema;
pub mod settings;
pub mod source;
pub mod suppress;
pub mod templates;
pub mod util;
pub mod walk;
pub mod work;
