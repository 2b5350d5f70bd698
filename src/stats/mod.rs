//! Design-based estimation, in the style of R's `survey` package (T. Lumley), whose results it
//! reproduces (see `tests/stats_reference.rs`).
//!
//! Why a module of its own: the results pages, the downloads and `mizan estimate` must all give
//! the same number for the same question, so there is exactly one implementation, and it is
//! pure (plain slices in, plain values out; no files, no web types) so that it can be tested
//! against R and benchmarked on a million rows.
//!
//! Data layout: columns of `f64` (NaN = missing) and group codes as `u32`
//! ([`MISSING_CODE`] = missing); every estimate is one or two passes over the rows, with
//! per-group sums in small vectors, never maps.
//!
//! - [`design`]: the [`Design`] (weights, strata, PSUs, calibration memory, replicates).
//! - [`calibrate`]: post-stratification, raking, trimming.
//! - [`estimate`]: means, proportions, totals, totals of weights, domains.
//! - `shares`: the shares of every category of a question, in every domain of a column at once
//!   ([`Design::category_shares_by`]).
//! - [`domain`]: a domain's own degrees of freedom and rows, as R's `svyby(svyciprop)` uses
//!   them for proportion intervals ([`Design::domain_proportion`]).
//! - [`quantile`]: medians and other quantiles with Woodruff intervals ([`Design::quantile`]).
//! - [`ratio`]: ratios of two totals ([`Design::ratio`]).
//! - [`crosstab`]: the Rao–Scott test of independence ([`Design::rao_scott`]).
//! - [`waves`]: change between waves ([`Design::wave_difference`], [`independent_difference`]).
//! - [`interval`]: confidence intervals (t, and R's `svyciprop` methods).
//! - [`reliability`]: n, n_eff, relative SE and the publication flag.
//! - [`composite`]: indices built from several Likert items.
//! - [`unestimable`]: why an estimate or its SE cannot be computed (no answers, one
//!   respondent, a single PSU in a stratum, no variation), reported per estimate.

pub mod calibrate;
pub mod composite;
pub mod crosstab;
pub mod design;
pub mod distributions;
pub mod domain;
pub mod estimate;
pub mod interval;
pub mod nonresponse;
pub mod quantile;
pub mod ratio;
pub mod reliability;
mod shares;
pub mod unestimable;
mod variance;
pub mod waves;

pub use calibrate::{Margin, RakeControl, TrimBounds};
pub use crosstab::RaoScott;
pub use design::{Design, Kish, LonelyPsu, factorize};
pub use estimate::{Domain, Estimate};
pub use interval::{IntervalMethod, interval};
pub use quantile::Quantile;
pub use reliability::{Flag, ReliabilityRules};
pub use unestimable::Unestimable;
pub use waves::{WaveDifference, independent_difference};

/// Group code meaning "no value" (missing answer, or respondent outside every target cell).
pub const MISSING_CODE: u32 = u32::MAX;

pub(crate) fn stats_error(msg: impl Into<String>) -> crate::Error {
    crate::Error::Stats(msg.into())
}
