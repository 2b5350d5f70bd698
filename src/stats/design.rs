//! The survey design: what R's `svydesign(ids, strata, weights)` records, plus what
//! calibration and replication add later.
//!
//! PSUs are treated as sampled with replacement within strata (R without `fpc`), so the
//! variance of a total is `Σ_h n_h/(n_h-1) Σ_j (t_hj - t̄_h)²` over the PSU totals `t_hj`.
//! Without clusters every row is its own PSU. A PSU is identified by (stratum, cluster code),
//! so cluster codes need not be unique across strata.

use super::variance::CalibrationMemory;
use super::{MISSING_CODE, stats_error};
use crate::Result;
use std::collections::HashMap;
use std::sync::Arc;

/// Replicate weights (R's `svyrep.design`), jackknife JKn with `mse = TRUE`.
#[derive(Debug, Clone)]
pub(crate) enum Replicates {
    /// Delete-one-PSU jackknife on the design's own PSUs, not yet calibrated: the replicate
    /// weights are implied (`w·n_h/(n_h-1)` in the PSU's stratum, 0 in the deleted PSU), so
    /// nothing of size rows × replicates is stored.
    Jackknife,
    /// Replicate weights written out (after calibration or trimming), one column per replicate
    /// in the same order as the design's PSUs.
    Explicit(Arc<Vec<Vec<f64>>>),
}

#[derive(Debug, Clone)]
pub struct Design {
    pub(crate) weights: Vec<f64>,
    /// PSU index (0..n_psu) of each row.
    pub(crate) psu: Arc<Vec<u32>>,
    /// Stratum index of each PSU.
    pub(crate) psu_stratum: Vec<u32>,
    /// Number of PSUs in each stratum.
    pub(crate) stratum_psus: Vec<u32>,
    pub(crate) calibration: Option<Arc<CalibrationMemory>>,
    pub(crate) replicates: Option<Replicates>,
    /// Degrees of freedom of a replicate design (R's `degf`), when it differs from the
    /// linearisation rule.
    pub(crate) replicate_df: Option<f64>,
    /// Strata (the caller's codes) with a single PSU that leave estimates without a variance
    /// (`lonely` is `Fail`, or every stratum is lonely); empty when the design has no strata
    /// and one PSU. `None`: the variance is known.
    pub(crate) single_psu: Option<Vec<u32>>,
    /// What a stratum with one PSU contributes to the variance.
    pub(crate) lonely: LonelyPsu,
}

/// R's `options(survey.lonely.psu = …)`: what a stratum with a single PSU contributes to a
/// linearised variance (R's `onestage`/`onestrat`, survey 4.1 and later).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LonelyPsu {
    /// An error (R's default).
    #[default]
    Fail,
    /// Nothing. Without an fpc, R's `certainty` gives the same numbers.
    Remove,
    /// Nothing: the PSU was sampled with certainty.
    Certainty,
    /// The PSU's total deviates from the mean PSU total over all strata rather than its
    /// stratum's (for means and proportions that centre is 0, as R before 4.2 used).
    Adjust,
    /// Nothing, and the sum over the other strata is scaled up by
    /// strata / strata with more than one PSU.
    Average,
}

impl LonelyPsu {
    /// The option as R spells it.
    pub fn parse(s: &str) -> Option<LonelyPsu> {
        Some(match s {
            "fail" => LonelyPsu::Fail,
            "remove" => LonelyPsu::Remove,
            "certainty" => LonelyPsu::Certainty,
            "adjust" => LonelyPsu::Adjust,
            "average" => LonelyPsu::Average,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LonelyPsu::Fail => "fail",
            LonelyPsu::Remove => "remove",
            LonelyPsu::Certainty => "certainty",
            LonelyPsu::Adjust => "adjust",
            LonelyPsu::Average => "average",
        }
    }
}

/// Kish's weighting design effect and effective sample size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Kish {
    pub n: usize,
    /// `n·Σw²/(Σw)²`
    pub deff: f64,
    /// `(Σw)²/Σw²`
    pub n_eff: f64,
}

impl Design {
    /// A design from plain columns: `weights` (positive or zero, finite), optional stratum and
    /// cluster codes per row (any `u32` except [`MISSING_CODE`]). A stratum with a single PSU
    /// is allowed, but no estimate on the design then has a standard error
    /// ([`super::Unestimable::SinglePsu`]), as R's default `survey.lonely.psu = "fail"` gives none.
    pub fn new(
        weights: Vec<f64>,
        strata: Option<&[u32]>,
        clusters: Option<&[u32]>,
    ) -> Result<Design> {
        Self::with_lonely_psu(weights, strata, clusters, LonelyPsu::Fail)
    }

    /// [`Design::new`] with R's treatment of strata that have one PSU (`lonely`); with
    /// anything but `Fail`, a design of one PSU in all is still an error. Lonely strata are
    /// not supported with replicate weights (see [`Design::with_jackknife`]).
    pub fn with_lonely_psu(
        weights: Vec<f64>,
        strata: Option<&[u32]>,
        clusters: Option<&[u32]>,
        lonely: LonelyPsu,
    ) -> Result<Design> {
        let n = weights.len();
        if n == 0 {
            return Err(stats_error("the design has no rows"));
        }
        if let Some(i) = weights.iter().position(|w| !w.is_finite() || *w < 0.0) {
            return Err(stats_error(format!(
                "weight of row {} is {} (weights must be finite and not negative)",
                i + 1,
                weights[i]
            )));
        }
        for (name, col) in [("strata", strata), ("clusters", clusters)] {
            if let Some(col) = col {
                if col.len() != n {
                    return Err(stats_error(format!(
                        "{name} column has {} values for {n} weights",
                        col.len()
                    )));
                }
                if let Some(i) = col.iter().position(|c| *c == MISSING_CODE) {
                    return Err(stats_error(format!(
                        "{name} value missing in row {}",
                        i + 1
                    )));
                }
            }
        }
        // Strata: dense 0..H in order of first appearance.
        let (row_stratum, n_strata) = match strata {
            Some(s) => {
                let (idx, count) = dense_index(s.iter().map(|c| *c as u64), n);
                (idx, count)
            }
            None => (vec![0; n], 1),
        };
        // PSUs: (stratum, cluster) pairs, or one per row.
        let (psu, psu_stratum) = match clusters {
            Some(c) => {
                let keys = c
                    .iter()
                    .zip(&row_stratum)
                    .map(|(cl, st)| ((*st as u64) << 32) | *cl as u64);
                let (psu, n_psu) = dense_index(keys, n);
                let mut psu_stratum = vec![0u32; n_psu];
                for (p, st) in psu.iter().zip(&row_stratum) {
                    psu_stratum[*p as usize] = *st;
                }
                (psu, psu_stratum)
            }
            None => ((0..n as u32).collect(), row_stratum.clone()),
        };
        let mut stratum_psus = vec![0u32; n_strata];
        for s in &psu_stratum {
            stratum_psus[*s as usize] += 1;
        }
        // A stratum with one PSU has no with-replacement variance. R's default (`fail`) fails
        // the whole design; here the design stands and every estimate says so (its SE is
        // unknown), so that the other numbers can still be shown. R's other lonely-PSU options
        // give a variance, unless every stratum is lonely.
        let lonely_strata: Vec<usize> = (0..n_strata).filter(|h| stratum_psus[*h] < 2).collect();
        let unknown_variance = !lonely_strata.is_empty()
            && (lonely == LonelyPsu::Fail || lonely_strata.len() == n_strata);
        let single_psu = unknown_variance.then(|| match strata {
            Some(s) => lonely_strata
                .iter()
                .map(|h| {
                    let row = row_stratum
                        .iter()
                        .position(|r| *r as usize == *h)
                        .unwrap_or(0);
                    s[row]
                })
                .collect(),
            None => Vec::new(),
        });
        Ok(Design {
            weights,
            psu: Arc::new(psu),
            psu_stratum,
            stratum_psus,
            calibration: None,
            replicates: None,
            replicate_df: None,
            single_psu,
            lonely,
        })
    }

    /// The same design with other weights (the structure is shared, not copied).
    pub(crate) fn with_weights(&self, weights: Vec<f64>) -> Design {
        Design {
            weights,
            psu: Arc::clone(&self.psu),
            psu_stratum: self.psu_stratum.clone(),
            stratum_psus: self.stratum_psus.clone(),
            calibration: self.calibration.clone(),
            replicates: self.replicates.clone(),
            replicate_df: self.replicate_df,
            single_psu: self.single_psu.clone(),
            lonely: self.lonely,
        }
    }

    /// Number of rows (respondents).
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// The analysis weights (after any calibration and trimming).
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    pub fn n_psu(&self) -> usize {
        self.psu_stratum.len()
    }

    pub fn n_strata(&self) -> usize {
        self.stratum_psus.len()
    }

    pub fn is_calibrated(&self) -> bool {
        self.calibration.is_some()
    }

    pub fn has_replicates(&self) -> bool {
        self.replicates.is_some()
    }

    /// Degrees of freedom for intervals: PSUs minus strata (R's `degf` for a linearised
    /// design); for a replicate design the rank of the replicate weights minus one, which is
    /// the same number for an uncalibrated JKn design.
    pub fn df(&self) -> f64 {
        match self.replicate_df {
            Some(df) if self.replicates.is_some() => df,
            _ => (self.n_psu() - self.n_strata()) as f64,
        }
    }

    /// Kish's weighting design effect `n·Σw²/(Σw)²` and effective sample size.
    pub fn kish(&self) -> Kish {
        let (s, s2) = self
            .weights
            .iter()
            .fold((0.0, 0.0), |(s, s2), w| (s + w, s2 + w * w));
        Kish {
            n: self.len(),
            deff: self.len() as f64 * s2 / (s * s),
            n_eff: s * s / s2,
        }
    }

    /// Stratified delete-one-PSU jackknife (R's `as.svrepdesign(type = "JKn")`, used with
    /// `mse = TRUE`): one replicate per PSU. Calibrating the returned design calibrates every
    /// replicate too, as R's `postStratify`/`rake` do on a replicate design.
    pub fn with_jackknife(&self) -> Result<Design> {
        if self.calibration.is_some() {
            return Err(stats_error(
                "create the jackknife replicates before calibrating (as R's as.svrepdesign then postStratify/rake)",
            ));
        }
        if self.stratum_psus.iter().any(|k| *k < 2) {
            return Err(stats_error(
                "a stratum has only one PSU: jackknife replicates need two or more in every stratum (use the linearised variance with a lonely-PSU option, or merge strata)",
            ));
        }
        let mut d = self.clone();
        d.replicates = Some(Replicates::Jackknife);
        d.replicate_df = Some((self.n_psu() - self.n_strata()) as f64);
        Ok(d)
    }

    /// Scale of each replicate's squared deviation: `(n_h-1)/n_h` for the PSU's stratum.
    pub(crate) fn replicate_rscales(&self) -> Vec<f64> {
        self.psu_stratum
            .iter()
            .map(|h| {
                let nh = self.stratum_psus[*h as usize] as f64;
                (nh - 1.0) / nh
            })
            .collect()
    }

    /// Writes out the replicate weights (one column per PSU) of a design with replicates.
    pub(crate) fn explicit_replicates(&self) -> Option<Vec<Vec<f64>>> {
        match self.replicates.as_ref()? {
            Replicates::Explicit(cols) => Some(cols.as_ref().clone()),
            Replicates::Jackknife => {
                let row_stratum: Vec<u32> = self
                    .psu
                    .iter()
                    .map(|p| self.psu_stratum[*p as usize])
                    .collect();
                Some(
                    (0..self.n_psu())
                        .map(|r| {
                            let h = self.psu_stratum[r];
                            let nh = self.stratum_psus[h as usize] as f64;
                            let f = nh / (nh - 1.0);
                            self.weights
                                .iter()
                                .zip(self.psu.iter())
                                .zip(&row_stratum)
                                .map(|((w, p), s)| {
                                    if *p as usize == r {
                                        0.0
                                    } else if *s == h {
                                        w * f
                                    } else {
                                        *w
                                    }
                                })
                                .collect()
                        })
                        .collect(),
                )
            }
        }
    }
}

/// Dense indices 0..k in order of first appearance, for `n` keys; a table lookup when the
/// keys are small numbers (no hashing per row), a map otherwise.
pub(crate) fn dense_index(keys: impl Iterator<Item = u64> + Clone, n: usize) -> (Vec<u32>, usize) {
    let limit = (4 * n + 1024) as u64;
    // Keys as (high, low) halves: a table when both halves are small.
    let (high, low) = keys.clone().fold((0u64, 0u64), |(h, l), k| {
        (h.max(k >> 32), l.max(k & 0xFFFF_FFFF))
    });
    let (width, heights) = (low + 1, high + 1);
    if high < 1 << 12 && low < limit && width.saturating_mul(heights) <= 2 * limit {
        let mut table = vec![u32::MAX; (width * heights) as usize];
        let mut next = 0u32;
        let idx = keys
            .map(|k| {
                let slot = &mut table[((k >> 32) * width + (k & 0xFFFF_FFFF)) as usize];
                if *slot == u32::MAX {
                    *slot = next;
                    next += 1;
                }
                *slot
            })
            .collect();
        return (idx, next as usize);
    }
    let mut index: HashMap<u64, u32> = HashMap::new();
    let idx = keys
        .map(|k| {
            let next = index.len() as u32;
            *index.entry(k).or_insert(next)
        })
        .collect();
    (idx, index.len())
}

/// Codes for a column of labels: `None` or an empty label gives [`MISSING_CODE`]; the labels
/// are sorted (numerically when every label is a number, as R sorts a numeric factor) and the
/// code is the position in that order.
pub fn factorize<S: AsRef<str>>(values: &[Option<S>]) -> (Vec<u32>, Vec<String>) {
    let mut labels: Vec<String> = Vec::new();
    let mut seen: HashMap<&str, ()> = HashMap::new();
    for v in values.iter().flatten() {
        let v = v.as_ref();
        if !v.is_empty() && seen.insert(v, ()).is_none() {
            labels.push(v.to_string());
        }
    }
    let numeric: Option<Vec<f64>> = labels
        .iter()
        .map(|l| l.trim().parse::<f64>().ok())
        .collect();
    match numeric {
        Some(nums) if nums.iter().all(|x| x.is_finite()) => {
            let mut pairs: Vec<(f64, String)> = nums.into_iter().zip(labels).collect();
            pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
            labels = pairs.into_iter().map(|p| p.1).collect();
        }
        _ => labels.sort(),
    }
    let index: HashMap<&str, u32> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i as u32))
        .collect();
    let codes = values
        .iter()
        .map(|v| match v {
            Some(v) if !v.as_ref().is_empty() => index[v.as_ref()],
            _ => MISSING_CODE,
        })
        .collect();
    (codes, labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psus_are_nested_in_strata_and_counted() {
        let d = Design::new(
            vec![1.0; 6],
            Some(&[0, 0, 0, 1, 1, 1]),
            Some(&[1, 1, 2, 1, 2, 2]),
        )
        .unwrap();
        assert_eq!(d.n_strata(), 2);
        assert_eq!(d.n_psu(), 4);
        assert_eq!(d.df(), 2.0);
    }

    #[test]
    fn a_lonely_psu_leaves_the_estimate_but_no_variance() {
        let d = Design::new(vec![1.0; 3], Some(&[7, 7, 9]), None).unwrap();
        let e = d.mean(&[1.0, 2.0, 4.0], None).unwrap();
        assert!((e.estimate - 7.0 / 3.0).abs() < 1e-15);
        assert!(e.se.is_nan());
        assert_eq!(
            e.unestimable,
            Some(super::super::Unestimable::SinglePsu { strata: vec![9] })
        );
        let one = Design::new(vec![1.0], None, None).unwrap();
        let e = one.mean(&[3.0], None).unwrap();
        assert_eq!(
            e.unestimable,
            Some(super::super::Unestimable::OneRespondent)
        );
    }

    #[test]
    fn lonely_psu_options_allow_a_design_of_several_strata() {
        let d = Design::with_lonely_psu(vec![1.0; 3], Some(&[0, 0, 1]), None, LonelyPsu::Adjust)
            .unwrap();
        assert_eq!((d.n_strata(), d.n_psu(), d.df()), (2, 3, 1.0));
        assert!(d.with_jackknife().is_err());
        // One PSU in all has no variance whatever the option: the estimates say so.
        let one = Design::with_lonely_psu(
            vec![1.0; 2],
            Some(&[0, 0]),
            Some(&[1, 1]),
            LonelyPsu::Remove,
        )
        .unwrap();
        let e = one.mean(&[1.0, 3.0], None).unwrap();
        assert!(e.se.is_nan());
        assert_eq!(
            e.unestimable,
            Some(super::super::Unestimable::SinglePsu { strata: vec![0] })
        );
    }

    #[test]
    fn negative_weight_is_an_error() {
        assert!(Design::new(vec![1.0, -2.0], None, None).is_err());
    }

    #[test]
    fn kish_of_equal_weights_is_one() {
        let k = Design::new(vec![3.0; 10], None, None).unwrap().kish();
        assert!((k.deff - 1.0).abs() < 1e-15 && (k.n_eff - 10.0).abs() < 1e-12);
    }

    #[test]
    fn factorize_sorts_numbers_numerically() {
        let vals = [Some("10"), Some("9"), None, Some(""), Some("9")];
        let (codes, labels) = factorize(&vals);
        assert_eq!(labels, vec!["9", "10"]);
        assert_eq!(codes, vec![1, 0, MISSING_CODE, MISSING_CODE, 0]);
    }
}
