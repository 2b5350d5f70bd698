//! Estimators on any design: totals of weights, means, proportions, category shares, each
//! optionally in a domain.
//!
//! Domains are estimated within the full design, as R's `svyby` does (not by cutting the data):
//! rows outside the domain, and rows where the variable is missing (R's `na.rm = TRUE`), keep
//! their strata and PSUs in the variance with a zero contribution.

use super::design::{Design, Replicates};
use super::{MISSING_CODE, Unestimable, stats_error};
use crate::Result;

/// Rows whose `codes` equal `value` form the domain.
#[derive(Debug, Clone, Copy)]
pub struct Domain<'a> {
    pub codes: &'a [u32],
    pub value: u32,
}

/// One estimate with what is needed to judge and report it.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub estimate: f64,
    pub se: f64,
    /// Degrees of freedom of the design (for t intervals).
    pub df: f64,
    /// Design effect against simple random sampling with replacement.
    pub deff: f64,
    /// Unweighted number of respondents used.
    pub n: usize,
    /// Kish effective sample size of those respondents.
    pub n_eff: f64,
    /// Sum of their weights.
    pub sum_weights: f64,
    /// Rows in the whole design (used by the Korn–Graubard interval).
    pub design_rows: usize,
    /// For replicate designs: the SE of `logit(estimate)` from the replicates' logits, which
    /// R's logit interval uses there (it refits the model in every replicate).
    pub replicate_logit_se: Option<f64>,
    /// Why the estimate, or its SE, is missing or degenerate; `None` for a full estimate.
    pub unestimable: Option<Unestimable>,
}

impl Estimate {
    /// Standard error relative to the estimate (NaN when the estimate is 0).
    pub fn relative_se(&self) -> f64 {
        if self.estimate == 0.0 {
            f64::NAN
        } else {
            self.se / self.estimate.abs()
        }
    }
}

/// Weighted sums over the rows used, shifted by the first value so that the sum of squares
/// for the simple-random-sampling variance keeps its precision.
#[derive(Debug, Clone, Copy)]
pub(super) struct Sums {
    sw: f64,
    swd: f64,
    swd2: f64,
    sw2: f64,
    n: usize,
    /// Rows used with a nonzero weight.
    nonzero: usize,
    shift: f64,
}

impl Default for Sums {
    fn default() -> Self {
        Sums {
            sw: 0.0,
            swd: 0.0,
            swd2: 0.0,
            sw2: 0.0,
            n: 0,
            nonzero: 0,
            shift: f64::NAN,
        }
    }
}

impl Sums {
    /// The sums of a 0/1 indicator over `n` rows (`nonzero` of nonzero weight) of total
    /// weight `sw` and squared weight `sw2`, `sw_ones` of the weight on the 1s; shifted by
    /// whichever value has more weight, as [`Sums::add`] shifts by the first value, so that
    /// an indicator that is all 1s has exactly no spread.
    pub(super) fn of_indicator(sw: f64, sw_ones: f64, sw2: f64, n: usize, nonzero: usize) -> Sums {
        let sw_zeros = sw - sw_ones;
        let (swd, swd2, shift) = if sw_ones > sw_zeros {
            (-sw_zeros, sw_zeros, 1.0)
        } else {
            (sw_ones, sw_ones, 0.0)
        };
        Sums {
            sw,
            swd,
            swd2,
            sw2,
            n,
            nonzero,
            shift,
        }
    }

    #[inline]
    fn add(&mut self, w: f64, v: f64) {
        if self.n == 0 {
            self.shift = v;
        }
        let d = v - self.shift;
        self.sw += w;
        self.swd += w * d;
        self.swd2 += w * d * d;
        self.sw2 += w * w;
        self.n += 1;
        self.nonzero += (w != 0.0) as usize;
    }

    fn ratio(&self) -> f64 {
        self.shift + self.swd / self.sw
    }

    /// `Σ w v`.
    fn sum(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.shift * self.sw + self.swd
        }
    }
}

fn check_zero_one(y: &[f64]) -> Result<()> {
    if let Some(i) = y.iter().position(|v| !v.is_nan() && *v != 0.0 && *v != 1.0) {
        return Err(stats_error(format!(
            "a proportion needs values 0 or 1; row {} has {}",
            i + 1,
            y[i]
        )));
    }
    Ok(())
}

#[derive(Clone, Copy)]
pub(crate) enum Kind {
    /// `Σ w y / Σ w` over the rows used.
    Ratio,
    /// `Σ w` over the rows used.
    Total,
    /// `Σ w y` over the rows used (R's `svytotal`).
    Sum,
}

/// Rows of the design in the domain (all rows without one).
fn rows_in(design: &Design, domain: Option<Domain<'_>>) -> usize {
    match domain {
        Some(d) => d.codes.iter().filter(|c| **c == d.value).count(),
        None => design.len(),
    }
}

pub(super) fn check_len(design: &Design, len: usize, what: &str) -> Result<()> {
    if len != design.len() {
        return Err(stats_error(format!(
            "{what} has {len} values but the design has {} rows",
            design.len()
        )));
    }
    Ok(())
}

impl Design {
    /// Sum of weights (in a domain, the estimated domain size).
    pub fn total_weights(&self, domain: Option<Domain<'_>>) -> Result<Estimate> {
        if let Some(d) = domain {
            check_len(self, d.codes.len(), "domain column")?;
        }
        Ok(self.core(Kind::Total, |i| match domain {
            Some(d) if d.codes[i] != d.value => f64::NAN,
            _ => 1.0,
        }))
    }

    /// Estimated population total `Σ w y` of `y` (NaN = missing, left out, as R's
    /// `svytotal(na.rm = TRUE)`), optionally in a domain. The design effect is R's
    /// `deff = "replace"`: the variance against `s²·W²/n` with `n` the rows of nonzero weight.
    pub fn total(&self, y: &[f64], domain: Option<Domain<'_>>) -> Result<Estimate> {
        check_len(self, y.len(), "variable")?;
        if let Some(d) = domain {
            check_len(self, d.codes.len(), "domain column")?;
        }
        if y.iter().any(|v| v.is_infinite()) {
            return Err(stats_error("variable has an infinite value"));
        }
        let e = self.core(Kind::Sum, |i| match domain {
            Some(d) if d.codes[i] != d.value => f64::NAN,
            _ => y[i],
        });
        Ok(self.judged(e, rows_in(self, domain)))
    }

    /// Weighted mean of `y` (NaN = missing, left out), optionally in a domain.
    pub fn mean(&self, y: &[f64], domain: Option<Domain<'_>>) -> Result<Estimate> {
        check_len(self, y.len(), "variable")?;
        if let Some(d) = domain {
            check_len(self, d.codes.len(), "domain column")?;
        }
        if y.iter().any(|v| v.is_infinite()) {
            return Err(stats_error("variable has an infinite value"));
        }
        let e = self.core(Kind::Ratio, |i| match domain {
            Some(d) if d.codes[i] != d.value => f64::NAN,
            _ => y[i],
        });
        Ok(self.judged(e, rows_in(self, domain)))
    }

    /// Proportion of 1s of a 0/1 variable (NaN = missing).
    pub fn proportion(&self, y: &[f64], domain: Option<Domain<'_>>) -> Result<Estimate> {
        check_zero_one(y)?;
        self.mean(y, domain)
    }

    /// Means of `y` (NaN = missing) in every domain `0..n_domains` given by `domains` (codes,
    /// [`MISSING_CODE`] = in no domain), like R's `svyby(~y, ~domain, svymean, na.rm = TRUE)`:
    /// each within the full design, all from one pass over the rows on linearised designs.
    /// A domain without respondents gets `n = 0`, NaN numbers and its [`Unestimable`] reason.
    pub fn mean_by(&self, y: &[f64], domains: &[u32], n_domains: usize) -> Result<Vec<Estimate>> {
        check_len(self, y.len(), "variable")?;
        check_len(self, domains.len(), "domain column")?;
        if y.iter().any(|v| v.is_infinite()) {
            return Err(stats_error("variable has an infinite value"));
        }
        if let Some(i) = domains
            .iter()
            .position(|c| *c != MISSING_CODE && *c as usize >= n_domains)
        {
            return Err(stats_error(format!(
                "domain code out of range in row {}",
                i + 1
            )));
        }
        let mut members = vec![0usize; n_domains];
        for g in domains {
            if *g != MISSING_CODE {
                members[*g as usize] += 1;
            }
        }
        let grouped_fits = n_domains.saturating_mul(self.n_psu()) <= 4 * self.len() + (1 << 20);
        if self.replicates.is_some() || !grouped_fits {
            return Ok((0..n_domains as u32)
                .map(|g| {
                    let e = self.core(
                        Kind::Ratio,
                        |i| if domains[i] == g { y[i] } else { f64::NAN },
                    );
                    self.judged(e, members[g as usize])
                })
                .collect());
        }
        let mut sums = vec![Sums::default(); n_domains];
        for (i, (wi, g)) in self.weights.iter().zip(domains).enumerate() {
            if *g != MISSING_CODE && !y[i].is_nan() {
                sums[*g as usize].add(*wi, y[i]);
            }
        }
        let estimates: Vec<f64> = sums.iter().map(|s| s.ratio()).collect();
        let w = &self.weights;
        let variances = self.linearised_variances(n_domains, |i| {
            let g = domains[i];
            if g == MISSING_CODE || y[i].is_nan() {
                (0, 0.0)
            } else {
                let g = g as usize;
                (g, w[i] * (y[i] - estimates[g]) / sums[g].sw)
            }
        });
        Ok(sums
            .iter()
            .zip(&estimates)
            .zip(variances)
            .zip(members)
            .map(|(((s, e), v), rows)| self.judged(self.finish(Kind::Ratio, s, *e, v, None), rows))
            .collect())
    }

    /// Proportions of a 0/1 variable in every domain (see [`Design::mean_by`]).
    pub fn proportion_by(
        &self,
        y: &[f64],
        domains: &[u32],
        n_domains: usize,
    ) -> Result<Vec<Estimate>> {
        check_zero_one(y)?;
        self.mean_by(y, domains, n_domains)
    }

    /// The one estimation routine: `value(i)` is the row's value, NaN when the row is not used
    /// (missing or outside the domain).
    pub(crate) fn core<F: Fn(usize) -> f64>(&self, kind: Kind, value: F) -> Estimate {
        let w = &self.weights;
        let mut sums = Sums::default();
        for (i, wi) in w.iter().enumerate() {
            let v = value(i);
            if !v.is_nan() {
                sums.add(*wi, v);
            }
        }
        let estimate = match kind {
            Kind::Ratio => sums.ratio(),
            Kind::Total => sums.sw,
            Kind::Sum => sums.sum(),
        };
        let sw = sums.sw;
        let score = |i: usize| {
            let v = value(i);
            if v.is_nan() {
                0.0
            } else {
                match kind {
                    Kind::Ratio => w[i] * (v - estimate) / sw,
                    Kind::Total => w[i],
                    Kind::Sum => w[i] * v,
                }
            }
        };
        let (variance, replicate_logit_se) = match &self.replicates {
            None => (self.linearised_variance(score), None),
            Some(reps) => {
                let thetas = self.replicate_estimates(reps, kind, &value);
                let rscales = self.replicate_rscales();
                let spread = |f: &dyn Fn(f64) -> f64| -> f64 {
                    let centre = f(estimate);
                    thetas
                        .iter()
                        .zip(&rscales)
                        .filter(|(t, _)| f(**t).is_finite())
                        .map(|(t, s)| s * (f(*t) - centre) * (f(*t) - centre))
                        .sum()
                };
                let logit = |p: f64| (p / (1.0 - p)).ln();
                let logit_se = (matches!(kind, Kind::Ratio) && estimate > 0.0 && estimate < 1.0)
                    .then(|| spread(&logit).sqrt());
                (spread(&|t| t), logit_se)
            }
        };
        self.finish(kind, &sums, estimate, variance, replicate_logit_se)
    }

    pub(super) fn finish(
        &self,
        kind: Kind,
        sums: &Sums,
        estimate: f64,
        variance: f64,
        replicate_logit_se: Option<f64>,
    ) -> Estimate {
        // Variance under simple random sampling with replacement of the same n (R's
        // `svyvar/n`): Σw(y-ȳ)²/Σw · n/(n-1) / n.
        let srs_variance = match kind {
            Kind::Ratio => {
                let ss = sums.swd2 - sums.swd * sums.swd / sums.sw;
                ss / sums.sw / (sums.n as f64 - 1.0)
            }
            Kind::Total => f64::NAN,
            Kind::Sum => {
                let ss = sums.swd2 - sums.swd * sums.swd / sums.sw;
                let n = sums.nonzero as f64;
                ss / sums.sw * n / (n - 1.0) * sums.sw * sums.sw / n
            }
        };
        Estimate {
            estimate,
            se: variance.sqrt(),
            df: self.df(),
            deff: variance / srs_variance,
            n: sums.n,
            n_eff: sums.sw * sums.sw / sums.sw2,
            sum_weights: sums.sw,
            design_rows: self.len(),
            replicate_logit_se,
            unestimable: None,
        }
    }

    /// The estimate with its [`Unestimable`] reason, if any (`rows`: rows in the domain), in
    /// this order: no rows, no answers, one respondent, a stratum with one PSU, no variation.
    /// Where the reason leaves no variance the SE and design effect are NaN, not a number
    /// that would look real.
    pub(crate) fn judged(&self, mut e: Estimate, rows: usize) -> Estimate {
        let why = if rows == 0 {
            Some(Unestimable::EmptyDomain)
        } else if e.n == 0 {
            Some(Unestimable::NoAnswers)
        } else if e.n == 1 {
            Some(Unestimable::OneRespondent)
        } else if let Some(strata) = &self.single_psu {
            Some(Unestimable::SinglePsu {
                strata: strata.clone(),
            })
        } else if e.se <= 1e-12 * e.estimate.abs() {
            // Replicate estimates of a constant can differ from it in the last bit.
            Some(Unestimable::NoVariation)
        } else {
            None
        };
        if let Some(w) = &why {
            if w.no_estimate() {
                e.estimate = f64::NAN;
            }
            if w.no_variance() || self.single_psu.is_some() {
                e.se = f64::NAN;
                e.deff = f64::NAN;
                e.replicate_logit_se = None;
            }
        }
        e.unestimable = why;
        e
    }

    /// The estimate in every replicate. The variance is then `Σ_r rscale_r (θ_r - θ)²` (JKn,
    /// `mse = TRUE`); replicates where the estimate is undefined (no weight left in the
    /// domain) are dropped, as R drops NA replicates.
    fn replicate_estimates<F: Fn(usize) -> f64>(
        &self,
        reps: &Replicates,
        kind: Kind,
        value: &F,
    ) -> Vec<f64> {
        self.replicate_sums(reps, value)
            .into_iter()
            .map(|(a, b)| match kind {
                Kind::Ratio => a / b,
                Kind::Total => b,
                Kind::Sum => a,
            })
            .collect()
    }

    /// `(Σ w_r v, Σ w_r)` over the rows used (`value` not NaN) in every replicate `r`; empty
    /// for a design without replicates.
    pub(crate) fn replicate_totals<F: Fn(usize) -> f64>(&self, value: &F) -> Vec<(f64, f64)> {
        match &self.replicates {
            Some(reps) => self.replicate_sums(reps, value),
            None => Vec::new(),
        }
    }

    fn replicate_sums<F: Fn(usize) -> f64>(&self, reps: &Replicates, value: &F) -> Vec<(f64, f64)> {
        match reps {
            Replicates::Jackknife => {
                // Replicate totals follow from PSU and stratum totals.
                let n_psu = self.n_psu();
                let (mut a, mut b) = (vec![0.0; n_psu], vec![0.0; n_psu]);
                for (i, (wi, p)) in self.weights.iter().zip(self.psu.iter()).enumerate() {
                    let v = value(i);
                    if !v.is_nan() {
                        a[*p as usize] += wi * v;
                        b[*p as usize] += wi;
                    }
                }
                let mut ah = vec![0.0; self.n_strata()];
                let mut bh = vec![0.0; self.n_strata()];
                for p in 0..n_psu {
                    let h = self.psu_stratum[p] as usize;
                    ah[h] += a[p];
                    bh[h] += b[p];
                }
                let (at, bt): (f64, f64) = (ah.iter().sum(), bh.iter().sum());
                (0..n_psu)
                    .map(|p| {
                        let h = self.psu_stratum[p] as usize;
                        let nh = self.stratum_psus[h] as f64;
                        let f = nh / (nh - 1.0);
                        let ar = at - ah[h] + f * (ah[h] - a[p]);
                        let br = bt - bh[h] + f * (bh[h] - b[p]);
                        (ar, br)
                    })
                    .collect()
            }
            Replicates::Explicit(cols) => cols
                .iter()
                .map(|wr| {
                    let (mut a, mut b) = (0.0, 0.0);
                    for (i, wi) in wr.iter().enumerate() {
                        let v = value(i);
                        if !v.is_nan() {
                            a += wi * v;
                            b += wi;
                        }
                    }
                    (a, b)
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unweighted_mean_and_se_of_simple_random_sample() {
        let y = [1.0, 2.0, 3.0, 4.0];
        let d = Design::new(vec![1.0; 4], None, None).unwrap();
        let e = d.mean(&y, None).unwrap();
        assert!((e.estimate - 2.5).abs() < 1e-15);
        // R: SE = sd/sqrt(n) with the n/(n-1) with-replacement factor = sqrt(var(y)/n)
        let var_y: f64 = 5.0 / 3.0;
        assert!((e.se - (var_y / 4.0).sqrt()).abs() < 1e-12, "{}", e.se);
        assert!((e.deff - 1.0).abs() < 1e-12);
    }

    #[test]
    fn missing_values_are_left_out_but_rows_stay_in_the_design() {
        let y = [1.0, f64::NAN, 3.0, 4.0];
        let d = Design::new(vec![1.0; 4], None, None).unwrap();
        let e = d.mean(&y, None).unwrap();
        assert_eq!(e.n, 3);
        assert!((e.estimate - 8.0 / 3.0).abs() < 1e-15);
        assert_eq!(e.df, 3.0);
    }

    #[test]
    fn total_and_its_se_by_hand() {
        // Weights 1, no clusters: SE² = n/(n−1) Σ (y_i − ȳ)²; a missing value adds nothing.
        let d = Design::new(vec![1.0; 4], None, None).unwrap();
        let e = d.total(&[1.0, 2.0, 3.0, f64::NAN], None).unwrap();
        assert_eq!(e.estimate, 6.0);
        let z = [1.0, 2.0, 3.0, 0.0];
        let v: f64 = z.iter().map(|x| (x - 1.5f64).powi(2)).sum::<f64>() * 4.0 / 3.0;
        assert!((e.se - v.sqrt()).abs() < 1e-12, "{} vs {}", e.se, v.sqrt());
        let zeros = d.total(&[0.0; 4], None).unwrap();
        assert_eq!(
            (zeros.estimate, zeros.unestimable),
            (0.0, Some(Unestimable::NoVariation))
        );
    }

    #[test]
    fn proportion_rejects_values_other_than_zero_and_one() {
        let d = Design::new(vec![1.0; 3], None, None).unwrap();
        assert!(d.proportion(&[0.0, 1.0, 2.0], None).is_err());
    }

    #[test]
    fn category_shares_sum_to_one() {
        let d = Design::new(vec![1.0, 2.0, 3.0, 4.0, 5.0], None, None).unwrap();
        let shares = d
            .category_shares(&[0, 1, 2, MISSING_CODE, 1], 3, None)
            .unwrap();
        let total: f64 = shares.iter().map(|e| e.estimate).sum();
        assert!((total - 1.0).abs() < 1e-15);
        assert!((shares[1].estimate - 7.0 / 11.0).abs() < 1e-15);
    }

    #[test]
    fn grouped_domain_means_equal_one_domain_at_a_time() {
        let d = Design::new(
            vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
            Some(&[0, 0, 0, 0, 1, 1, 1, 1]),
            Some(&[0, 0, 1, 1, 2, 2, 3, 3]),
        )
        .unwrap();
        let y = [1.0, 2.0, f64::NAN, 4.0, 5.0, 1.0, 2.0, 3.0];
        let codes = [0, 1, 2, 0, 1, MISSING_CODE, 0, 1];
        let all = d.mean_by(&y, &codes, 4).unwrap();
        for g in 0..3u32 {
            let one = d
                .mean(
                    &y,
                    Some(Domain {
                        codes: &codes,
                        value: g,
                    }),
                )
                .ok();
            match one {
                Some(one) if one.n > 0 => {
                    assert!((one.estimate - all[g as usize].estimate).abs() < 1e-14);
                    assert!((one.se - all[g as usize].se).abs() < 1e-14);
                    assert_eq!(one.unestimable, all[g as usize].unestimable);
                }
                _ => assert_eq!(all[g as usize].n, 0),
            }
        }
        assert_eq!(all[3].n, 0);
        assert!(all[3].estimate.is_nan());
    }

    #[test]
    fn domain_mean_equals_mean_of_the_domain_rows() {
        let d = Design::new(vec![1.0, 2.0, 3.0, 4.0], None, None).unwrap();
        let codes = [0, 1, 0, 1];
        let e = d
            .mean(
                &[1.0, 2.0, 3.0, 4.0],
                Some(Domain {
                    codes: &codes,
                    value: 1,
                }),
            )
            .unwrap();
        assert!((e.estimate - (4.0 + 16.0) / 6.0).abs() < 1e-15);
        assert_eq!(e.n, 2);
    }

    #[test]
    fn estimates_that_cannot_be_made_say_why() {
        let d = Design::new(vec![1.0; 4], None, None).unwrap();
        let nan = [f64::NAN; 4];
        let e = d.mean(&nan, None).unwrap();
        assert_eq!(e.unestimable, Some(Unestimable::NoAnswers));
        assert!(e.estimate.is_nan() && e.se.is_nan());
        let e = d.mean(&[2.0, f64::NAN, f64::NAN, f64::NAN], None).unwrap();
        assert_eq!(e.unestimable, Some(Unestimable::OneRespondent));
        assert_eq!(e.estimate, 2.0);
        let e = d.proportion(&[1.0, 1.0, 1.0, f64::NAN], None).unwrap();
        assert_eq!(e.unestimable, Some(Unestimable::NoVariation));
        assert_eq!((e.estimate, e.se), (1.0, 0.0));
        assert_eq!(
            d.mean(&[1.0, 2.0, 3.0, 4.0], None).unwrap().unestimable,
            None
        );
        // A domain value with no rows, and one whose rows did not answer.
        let codes = [0, 0, 2, 2];
        let y = [1.0, 2.0, f64::NAN, f64::NAN];
        let by = d.mean_by(&y, &codes, 3).unwrap();
        assert_eq!(by[0].unestimable, None);
        assert_eq!(by[1].unestimable, Some(Unestimable::EmptyDomain));
        assert_eq!(by[2].unestimable, Some(Unestimable::NoAnswers));
        let shares = d
            .category_shares(
                &[MISSING_CODE; 4],
                2,
                Some(Domain {
                    codes: &codes,
                    value: 1,
                }),
            )
            .unwrap();
        assert!(
            shares
                .iter()
                .all(|e| e.unestimable == Some(Unestimable::EmptyDomain))
        );
        // Replicate designs give the same reasons.
        let j = d.with_jackknife().unwrap();
        let e = j.proportion(&[0.0, 0.0, 0.0, 0.0], None).unwrap();
        assert_eq!(e.unestimable, Some(Unestimable::NoVariation));
    }
}
