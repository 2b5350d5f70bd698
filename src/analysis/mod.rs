//! The analysis layer: a design file and a table of responses in, estimate rows out.
//!
//! - [`design_file`]: the design file (TOML) and building a [`crate::stats::Design`] from it.
//! - [`table`] (and [`xlsx`]): responses as columns of text, from a CSV, an XLSX workbook or
//!   the database.
//! - [`filter`]: the design's `[[filter]]` rows.
//! - [`estimate`]: every row the design asks for, and its CSV.
//!
//! The command line (`mizan estimate`), the results pages and the downloads ([`crate::results`])
//! all call it; it calls nothing of theirs, and every number comes from [`crate::stats`].

pub mod design_file;
pub mod estimate;
pub mod filter;
pub mod table;
pub mod xlsx;

pub use estimate::{COLUMNS, Row, estimate_table, status_code, to_csv, unanswered_rows};
