//! Quantiles (median, quartiles, deciles) with Woodruff intervals, as R's `svyquantile` with
//! the defaults of survey 4.1.1: `qrule = "math"`, `interval.type = "mean"`.
//!
//! - The quantile (`qrule = "math"`): the smallest value whose weighted CDF reaches `p`
//!   (with zero weights dropped and ties kept in place).
//! - The interval (Woodruff): the design-based interval of the CDF at the estimate,
//!   `F̂ ± t(df)·SE(F̂)` (a mean of `[x ≤ q̂]`), mapped back through the same rule. R derives
//!   the SE from that interval: `(high − low) / (2 t(df))`.

use super::distributions::t_quantile;
use super::estimate::Estimate;
use super::{Design, stats_error};
use crate::Result;

/// One quantile with its interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantile {
    /// The probability asked for (0.5 = median).
    pub p: f64,
    pub estimate: f64,
    /// `(ci_high − ci_low) / (2 t(df))`, as R reports it.
    pub se: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// Degrees of freedom of the rows with a value (R's `degf` after `na.rm`).
    pub df: f64,
    /// The CDF at the estimate, with its design SE (the interval's basis).
    pub cdf: Estimate,
    /// Respondents with a value.
    pub n: usize,
}

/// Values with nonzero weight, sorted (stable), with their cumulative weights.
struct Sorted {
    x: Vec<f64>,
    cum: Vec<f64>,
    total: f64,
}

impl Sorted {
    fn new(x: &[f64], w: &[f64]) -> Sorted {
        let mut pairs: Vec<(f64, f64)> = x
            .iter()
            .zip(w)
            .filter(|(x, w)| !x.is_nan() && **w != 0.0)
            .map(|(x, w)| (*x, *w))
            .collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut cum = Vec::with_capacity(pairs.len());
        let mut acc = 0.0;
        for (_, w) in &pairs {
            acc += w;
            cum.push(acc);
        }
        Sorted {
            x: pairs.iter().map(|p| p.0).collect(),
            cum,
            total: acc,
        }
    }

    /// R's `qrule_math`: `x_(k+1)` for the last `k` with `C_k/W ≤ p` (`x_(k)` on equality);
    /// when no position qualifies R takes `k = 1`.
    fn math(&self, p: f64) -> f64 {
        let n = self.x.len();
        if n == 0 || p.is_nan() {
            return f64::NAN;
        }
        // Last position (1-based) with C_k / W <= p.
        let k = self.cum.partition_point(|c| c / self.total <= p);
        if k == 0 {
            return self.x[(n > 1) as usize];
        }
        if self.cum[k - 1] / self.total == p || k == n {
            self.x[k - 1]
        } else {
            self.x[k]
        }
    }
}

impl Design {
    /// The `p`-quantile of `x` (NaN = missing, left out as `na.rm = TRUE`) with its Woodruff
    /// interval at `level`.
    pub fn quantile(&self, x: &[f64], p: f64, level: f64) -> Result<Quantile> {
        if x.len() != self.len() {
            return Err(stats_error(format!(
                "variable has {} values but the design has {} rows",
                x.len(),
                self.len()
            )));
        }
        if !(0.0..=1.0).contains(&p) {
            return Err(stats_error(format!("quantile {p} must be between 0 and 1")));
        }
        if !(level > 0.0 && level < 1.0) {
            return Err(stats_error(format!(
                "confidence level {level} must be between 0 and 1"
            )));
        }
        if x.iter().any(|v| v.is_infinite()) {
            return Err(stats_error("variable has an infinite value"));
        }
        let sorted = Sorted::new(x, &self.weights);
        let answered: Vec<bool> = x.iter().map(|v| !v.is_nan()).collect();
        let n = answered.iter().filter(|a| **a).count();
        let df = self.subset_df(&answered);
        let estimate = sorted.math(p);
        let below: Vec<f64> = x
            .iter()
            .map(|v| {
                if v.is_nan() {
                    f64::NAN
                } else {
                    (*v <= estimate) as u8 as f64
                }
            })
            .collect();
        let cdf = self.mean(&below, None)?;
        let t = t_quantile(1.0 - (1.0 - level) / 2.0, df);
        let (f_lo, f_hi) = (cdf.estimate - t * cdf.se, cdf.estimate + t * cdf.se);
        let ci_low = if f_lo < 0.0 {
            f64::NAN
        } else {
            sorted.math(f_lo)
        };
        let ci_high = if f_hi > 1.0 {
            f64::NAN
        } else {
            sorted.math(f_hi)
        };
        Ok(Quantile {
            p,
            estimate,
            se: (ci_high - ci_low) / (2.0 * t),
            ci_low,
            ci_high,
            df,
            cdf,
            n,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn math_rule_is_the_smallest_value_whose_cdf_reaches_p() {
        let s = Sorted::new(&[3.0, 1.0, 2.0, 4.0], &[1.0, 1.0, 1.0, 1.0]);
        assert_eq!(s.math(0.5), 2.0); // CDF(2) = 0.5 exactly
        assert_eq!(s.math(0.51), 3.0);
        assert_eq!(s.math(1.0), 4.0);
        // R's quirk below the first cumulative weight: the second value.
        assert_eq!(s.math(0.1), 2.0);
        // Zero weights are dropped.
        let s = Sorted::new(&[1.0, 5.0, 9.0], &[1.0, 0.0, 1.0]);
        assert_eq!(s.math(0.6), 9.0);
    }

    #[test]
    fn median_interval_contains_the_median() {
        let x: Vec<f64> = (0..200).map(|i| ((i * 37) % 101) as f64).collect();
        let d = Design::new(vec![1.0; 200], None, None).unwrap();
        let q = d.quantile(&x, 0.5, 0.95).unwrap();
        assert!(q.ci_low <= q.estimate && q.estimate <= q.ci_high);
        assert!(q.se > 0.0);
        assert_eq!(q.df, 199.0);
    }
}
