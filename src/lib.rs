//! Mizan (ميزان, "the scale"): survey and public-opinion polling platform.
//!
//! The crate is organised by responsibility so that each rule lives in one place:
//! - [`survey`]: survey definitions (TOML), their validation, and the rules for answers.
//!   Pure: every channel (link, kiosk, interviewer) validates answers through it.
//! - [`stats`]: design-based estimation (weights, calibration, variance, intervals). Pure.
//! - [`accounts`]: staff accounts: roles, names, passwords (Argon2id), sign-in.
//! - [`db`]: storage on SQLite or PostgreSQL (responses, submission keys, sessions).
//! - [`fieldwork`]: rules of kiosk registrations, interviewers' areas and codes.
//! - [`export`]: microdata and codebook downloads.
//! - [`sampling`]: probability samples drawn from a sampling frame (stratified, two-stage). Pure.
//! - [`results`]: weighted estimates straight from the database (CLI and results pages).
//! - [`web`]: the HTTP server: thin handlers over the modules above.
//! - [`cli`]: the `mizan` command line.

pub mod accounts;
pub mod analysis;
pub mod cli;
pub mod db;
pub mod error;
pub mod export;
pub mod fieldwork;
pub mod process;
pub mod results;
pub mod sampling;
pub mod stats;
pub mod survey;
pub mod web;

pub use error::{Error, Result};
