//! Confidence intervals, a separate step after estimation so that one estimate can be shown
//! with any method. Methods follow R's `confint(svymean)` (t with the design's df) and
//! `svyciprop` for proportions.

use super::distributions::{beta_quantile, t_quantile};
use super::estimate::Estimate;
use super::stats_error;
use crate::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntervalMethod {
    /// Estimate ± t(df)·SE (means; R's `confint` with `df = degf(design)`).
    T,
    /// Wald interval on the logit scale, back-transformed (`svyciprop(method = "logit")`).
    Logit,
    /// Same interval through `svycontrast` (`method = "xlogit"`).
    Xlogit,
    /// Wald interval on `asin(√p)` (`method = "asin"`).
    Asin,
    /// Korn–Graubard beta interval with an effective n (`method = "beta"`).
    Beta,
    /// Wald interval with t (`method = "mean"`).
    Mean,
    /// Profile likelihood of a quasi-binomial fit, Rao–Scott scaled (`method = "likelihood"`);
    /// needs the data, see [`super::Design::likelihood_interval`].
    Likelihood,
}

impl IntervalMethod {
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "t" => Self::T,
            "logit" => Self::Logit,
            "xlogit" => Self::Xlogit,
            "asin" => Self::Asin,
            "beta" => Self::Beta,
            "mean" | "wald" => Self::Mean,
            "likelihood" => Self::Likelihood,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::T => "t",
            Self::Logit => "logit",
            Self::Xlogit => "xlogit",
            Self::Asin => "asin",
            Self::Beta => "beta",
            Self::Mean => "mean",
            Self::Likelihood => "likelihood",
        }
    }
}

fn expit(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The interval for `est` at `level` (e.g. 0.95). Proportion methods need an estimate in
/// [0, 1]; at exactly 0 or 1 the logit and asin methods give a degenerate interval.
pub fn interval(est: &Estimate, method: IntervalMethod, level: f64) -> Result<(f64, f64)> {
    if !(level > 0.0 && level < 1.0) {
        return Err(stats_error(format!(
            "confidence level {level} must be between 0 and 1"
        )));
    }
    let p = est.estimate;
    let se = est.se;
    let df = est.df;
    let t = t_quantile(1.0 - (1.0 - level) / 2.0, df);
    let is_proportion = (0.0..=1.0).contains(&p);
    if method != IntervalMethod::T && method != IntervalMethod::Mean && !is_proportion {
        return Err(stats_error(format!(
            "the {} interval is for proportions, but the estimate is {p}",
            method.name()
        )));
    }
    Ok(match method {
        IntervalMethod::T | IntervalMethod::Mean => (p - t * se, p + t * se),
        IntervalMethod::Logit | IntervalMethod::Xlogit => {
            let l = (p / (1.0 - p)).ln();
            let logit_se = match (method, est.replicate_logit_se) {
                (IntervalMethod::Logit, Some(s)) => s,
                _ => se / (p * (1.0 - p)),
            };
            let half = t * logit_se;
            (expit(l - half), expit(l + half))
        }
        IntervalMethod::Asin => {
            let a = p.sqrt().asin();
            let half = t * se / (2.0 * (p * (1.0 - p)).sqrt());
            let clamp = |x: f64| x.clamp(0.0, std::f64::consts::FRAC_PI_2);
            (clamp(a - half).sin().powi(2), clamp(a + half).sin().powi(2))
        }
        IntervalMethod::Beta => {
            let alpha = 1.0 - level;
            let rows = est.design_rows as f64;
            let ratio = t_quantile(alpha / 2.0, rows - 1.0) / t_quantile(alpha / 2.0, df);
            let n_eff = p * (1.0 - p) / (se * se) * ratio * ratio;
            let lo = if p == 0.0 {
                0.0
            } else {
                beta_quantile(alpha / 2.0, n_eff * p, n_eff * (1.0 - p) + 1.0)
            };
            let hi = if p == 1.0 {
                1.0
            } else {
                beta_quantile(1.0 - alpha / 2.0, n_eff * p + 1.0, n_eff * (1.0 - p))
            };
            (lo, hi)
        }
        IntervalMethod::Likelihood => {
            return Err(stats_error(
                "the likelihood interval needs the data: use Design::likelihood_interval",
            ));
        }
    })
}

impl super::Design {
    /// R's `svyciprop(method = "likelihood")` for a 0/1 variable.
    pub fn likelihood_interval(
        &self,
        _y: &[f64],
        _domain: Option<super::Domain<'_>>,
        _level: f64,
    ) -> Result<(f64, f64)> {
        Err(stats_error("likelihood interval not implemented yet"))
    }
}
