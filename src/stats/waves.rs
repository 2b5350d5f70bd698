//! Change between two waves of a survey, in one design that holds both (each wave its own
//! strata and PSUs, calibrated within waves): `ȳ_to − ȳ_from` with the variance
//! `V_from + V_to − 2 Cov` from the joint design, as R's
//! `svycontrast(svyby(~y, ~wave, design, svymean, covmat = TRUE), c(-1, 1))`. When the waves
//! are separate strata the covariance is zero and this is the variance sum of two independent
//! samples ([`independent_difference`] does that sum for estimates made apart).

use super::distributions::t_quantile;
use super::estimate::Estimate;
use super::{Design, Domain, MISSING_CODE, stats_error};
use crate::Result;

/// The change from one wave to the next.
#[derive(Debug, Clone, PartialEq)]
pub struct WaveDifference {
    /// `later − earlier`.
    pub estimate: f64,
    pub se: f64,
    pub df: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// The interval lies wholly above or below zero.
    pub excludes_zero: bool,
    pub earlier: Estimate,
    pub later: Estimate,
    /// Covariance of the two waves' estimates in the joint design.
    pub covariance: f64,
}

impl WaveDifference {
    fn new(
        earlier: Estimate,
        later: Estimate,
        variance: f64,
        covariance: f64,
        df: f64,
        level: f64,
    ) -> Result<WaveDifference> {
        if !(level > 0.0 && level < 1.0) {
            return Err(stats_error(format!(
                "confidence level {level} must be between 0 and 1"
            )));
        }
        let estimate = later.estimate - earlier.estimate;
        let se = variance.max(0.0).sqrt();
        let t = t_quantile(1.0 - (1.0 - level) / 2.0, df);
        let (ci_low, ci_high) = (estimate - t * se, estimate + t * se);
        Ok(WaveDifference {
            estimate,
            se,
            df,
            ci_low,
            ci_high,
            excludes_zero: ci_low > 0.0 || ci_high < 0.0,
            earlier,
            later,
            covariance,
        })
    }
}

/// The change between two estimates made on independent samples (separate designs): the
/// difference, the sum of the variances, and `df` the sum of their degrees of freedom (what
/// one design holding both samples as separate strata would have).
pub fn independent_difference(
    earlier: &Estimate,
    later: &Estimate,
    level: f64,
) -> Result<WaveDifference> {
    WaveDifference::new(
        earlier.clone(),
        later.clone(),
        earlier.se * earlier.se + later.se * later.se,
        0.0,
        earlier.df + later.df,
        level,
    )
}

impl Design {
    /// Change in the mean of `y` (NaN = missing) from the rows whose `waves` code is `from` to
    /// those whose code is `to`, in this joint design, with its interval at `level` on the
    /// design's degrees of freedom. For a proportion pass a 0/1 `y`.
    pub fn wave_difference(
        &self,
        y: &[f64],
        waves: &[u32],
        from: u32,
        to: u32,
        level: f64,
    ) -> Result<WaveDifference> {
        if waves.len() != self.len() || y.len() != self.len() {
            return Err(stats_error(format!(
                "variable or wave column length differs from the design's {} rows",
                self.len()
            )));
        }
        if from == to || from == MISSING_CODE || to == MISSING_CODE {
            return Err(stats_error("two different waves are needed"));
        }
        let earlier = self.mean(
            y,
            Some(Domain {
                codes: waves,
                value: from,
            }),
        )?;
        let later = self.mean(
            y,
            Some(Domain {
                codes: waves,
                value: to,
            }),
        )?;
        if earlier.n == 0 || later.n == 0 {
            return Err(stats_error("a wave has no answers to compare"));
        }
        let variance = match &self.replicates {
            None => {
                let w = &self.weights;
                let (m1, m2) = (earlier.estimate, later.estimate);
                let (w1, w2) = (earlier.sum_weights, later.sum_weights);
                self.linearised_variance(|i| {
                    if y[i].is_nan() {
                        0.0
                    } else if waves[i] == to {
                        w[i] * (y[i] - m2) / w2
                    } else if waves[i] == from {
                        -w[i] * (y[i] - m1) / w1
                    } else {
                        0.0
                    }
                })
            }
            Some(_) => {
                let of = |k: u32| {
                    self.replicate_totals(&|i| if waves[i] == k { y[i] } else { f64::NAN })
                };
                let (a, b) = (of(from), of(to));
                let centre = later.estimate - earlier.estimate;
                a.iter()
                    .zip(&b)
                    .zip(self.replicate_rscales())
                    .map(|((a, b), s)| (b.0 / b.1 - a.0 / a.1, s))
                    .filter(|(t, _)| t.is_finite())
                    .map(|(t, s)| s * (t - centre) * (t - centre))
                    .sum()
            }
        };
        let covariance = (earlier.se * earlier.se + later.se * later.se - variance) / 2.0;
        let df = self.df();
        WaveDifference::new(earlier, later, variance, covariance, df, level)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waves_as_separate_strata_give_the_variance_sum() {
        // Two waves, each its own stratum of two PSUs.
        let strata = [0, 0, 0, 0, 1, 1, 1, 1];
        let psu = [0, 0, 1, 1, 2, 2, 3, 3];
        let waves = [0, 0, 0, 0, 1, 1, 1, 1];
        let y = [1.0, 2.0, 4.0, 3.0, 5.0, 6.0, 4.0, 9.0];
        let d = Design::new(
            vec![1.0, 2.0, 1.0, 2.0, 3.0, 1.0, 2.0, 1.0],
            Some(&strata),
            Some(&psu),
        )
        .unwrap();
        let diff = d.wave_difference(&y, &waves, 0, 1, 0.95).unwrap();
        let sum = diff.earlier.se.powi(2) + diff.later.se.powi(2);
        assert!((diff.se * diff.se - sum).abs() < 1e-12 * sum);
        assert!(diff.covariance.abs() < 1e-12);
        assert!((diff.estimate - (diff.later.estimate - diff.earlier.estimate)).abs() < 1e-15);
        // The same from each wave's own design: same SEs, df summed to the joint design's.
        let w = [1.0, 2.0, 1.0, 2.0, 3.0, 1.0, 2.0, 1.0];
        let one = |r: std::ops::Range<usize>| {
            Design::new(w[r.clone()].to_vec(), None, Some(&psu[r.clone()]))
                .unwrap()
                .mean(&y[r], None)
                .unwrap()
        };
        let apart = independent_difference(&one(0..4), &one(4..8), 0.95).unwrap();
        assert!((apart.se - diff.se).abs() < 1e-12);
        assert!((apart.estimate - diff.estimate).abs() < 1e-15);
        assert_eq!((apart.df, diff.df), (2.0, 2.0));
    }
}
