//! Ratios of two totals, `Σ w y / Σ w x` (R's `svyratio`): waiting time per visit, or one
//! score over another.

use super::estimate::Estimate;
use super::{Design, Unestimable, stats_error};
use crate::Result;

impl Design {
    /// `R̂ = Σ w y / Σ w x` over the rows where both are known (R's `svyratio(na.rm = TRUE)`:
    /// the others are a domain left out). Linearised SE from `z = w (y − R̂ x) / Σ w x`, or the
    /// replicate ratios; the design's degrees of freedom.
    pub fn ratio(&self, numerator: &[f64], denominator: &[f64]) -> Result<Estimate> {
        for (what, col) in [("numerator", numerator), ("denominator", denominator)] {
            if col.len() != self.len() {
                return Err(stats_error(format!(
                    "{what} has {} values but the design has {} rows",
                    col.len(),
                    self.len()
                )));
            }
            if col.iter().any(|v| v.is_infinite()) {
                return Err(stats_error(format!("{what} has an infinite value")));
            }
        }
        let used = |i: usize| !numerator[i].is_nan() && !denominator[i].is_nan();
        let w = &self.weights;
        let (mut sy, mut sx, mut sw, mut sw2, mut n) = (0.0, 0.0, 0.0, 0.0, 0usize);
        for i in 0..self.len() {
            if used(i) {
                sy += w[i] * numerator[i];
                sx += w[i] * denominator[i];
                sw += w[i];
                sw2 += w[i] * w[i];
                n += 1;
            }
        }
        let r = sy / sx;
        let variance = match &self.replicates {
            None => self.linearised_variance(|i| {
                if used(i) {
                    w[i] * (numerator[i] - r * denominator[i]) / sx
                } else {
                    0.0
                }
            }),
            Some(_) => {
                let num = self.replicate_totals(&|i| if used(i) { numerator[i] } else { f64::NAN });
                let den =
                    self.replicate_totals(&|i| if used(i) { denominator[i] } else { f64::NAN });
                num.iter()
                    .zip(&den)
                    .zip(self.replicate_rscales())
                    .map(|((a, b), s)| (a.0 / b.0, s))
                    .filter(|(t, _)| t.is_finite())
                    .map(|(t, s)| s * (t - r) * (t - r))
                    .sum()
            }
        };
        let mut e = Estimate {
            estimate: r,
            se: variance.sqrt(),
            df: self.df(),
            deff: f64::NAN,
            n,
            n_eff: sw * sw / sw2,
            sum_weights: sw,
            design_rows: self.len(),
            replicate_logit_se: None,
            unestimable: None,
        };
        if sx == 0.0 && n > 0 {
            // No denominator: no ratio.
            e.estimate = f64::NAN;
            e.se = f64::NAN;
            e.unestimable = Some(Unestimable::NoVariation);
            return Ok(e);
        }
        Ok(self.judged(e, self.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_of_totals_and_its_se_by_hand() {
        // Simple random sample, weights 1: z_i = (y_i − R x_i) / Σx.
        let d = Design::new(vec![1.0; 4], None, None).unwrap();
        let y = [2.0, 4.0, 6.0, f64::NAN];
        let x = [1.0, 1.0, 2.0, 5.0];
        let e = d.ratio(&y, &x).unwrap();
        assert!((e.estimate - 3.0).abs() < 1e-15);
        let z = [-0.25, 0.25, 0.0, 0.0];
        let mean = 0.0;
        let v: f64 = z.iter().map(|z: &f64| (z - mean).powi(2)).sum::<f64>() * 4.0 / 3.0;
        assert!((e.se - v.sqrt()).abs() < 1e-15, "{} vs {}", e.se, v.sqrt());
        assert_eq!(e.n, 3);
    }
}
