//! Linearised (Taylor) variance, including what calibration does to it, as R's `svyrecvar`.
//!
//! R removes from the linearised variable `x` (the estimator's score per row) the part that
//! calibration explains, before summing by PSU:
//! - after `postStratify` (old weights `w0`, new weights `w1`, cells `c`):
//!   `x_i -= w1_i · Σ_c(x·w0/w1) / Σ_c w0`
//! - after `rake` (the weights `w_k` each margin's last post-stratification left, cells `c_k`):
//!   ten sweeps of `x_i -= w_k,i · mean_{c_k}(x / w_k)` (an unweighted mean over the cell's rows).
//!
//! Each such step subtracts `ψ_i · m[c(i)]` where `m[c] = Σ_{i∈c} φ_i·x_i / D[c]`. Because the
//! steps are linear, we never hold `x` after the first pass: the cell sums of `φ·x` over the
//! current `x` follow from the cell sums over the original `x` minus cross-products
//! `Σ_{i∈c, c'(i)=c'} φ_i ψ'_i` precomputed once per design; the PSU totals of the final `x`
//! follow from the PSU totals of the original minus PSU-by-cell sums of `ψ`, also precomputed.
//! So an estimate costs one pass over the rows whatever the number of raking sweeps.

use super::design::{Design, LonelyPsu};

/// One kind of projection step (a post-stratification, or one raking margin).
#[derive(Debug, Clone)]
pub(crate) struct Projection {
    pub cells: Vec<u32>,
    pub n_cells: usize,
    /// Multiplier of `x` in the cell sums.
    pub phi: Vec<f64>,
    /// Multiplier of the cell mean in the subtraction (the weights after this step).
    pub psi: Vec<f64>,
    /// Divisor of each cell sum.
    pub denom: Vec<f64>,
}

impl Projection {
    /// R's `postStratify` record: old and new weights on the cells.
    pub fn post_stratification(cells: Vec<u32>, n_cells: usize, old: &[f64], new: &[f64]) -> Self {
        let mut denom = vec![0.0; n_cells];
        let mut phi = Vec::with_capacity(cells.len());
        for ((c, w0), w1) in cells.iter().zip(old).zip(new) {
            denom[*c as usize] += w0;
            // R replaces 0/0 by 1 when both weights are zero.
            phi.push(if *w1 == 0.0 && *w0 == 0.0 {
                1.0
            } else {
                w0 / w1
            });
        }
        Projection {
            cells,
            n_cells,
            phi,
            psi: new.to_vec(),
            denom,
        }
    }

    /// One raking margin: the weights after its last post-stratification.
    pub fn raking_margin(cells: Vec<u32>, n_cells: usize, weights: Vec<f64>) -> Self {
        let mut denom = vec![0.0; n_cells];
        for c in &cells {
            denom[*c as usize] += 1.0;
        }
        Projection {
            cells,
            n_cells,
            phi: weights.iter().map(|w| 1.0 / w).collect(),
            psi: weights,
            denom,
        }
    }
}

/// Everything calibration leaves for the variance, with the cross-products precomputed.
#[derive(Debug)]
pub(crate) struct CalibrationMemory {
    pub projections: Vec<Projection>,
    /// The projections in the order R applies them (raking: ten sweeps over its margins).
    pub steps: Vec<usize>,
    /// `cross[t][u][c·n_u + c']` = Σ over rows in cell c of t and c' of u of `φ_t · ψ_u`.
    cross: Vec<Vec<Vec<f64>>>,
    /// Per projection: Σψ by PSU and cell, to correct PSU totals without another pass.
    psu_psi: Vec<PsuCellSums>,
}

/// Σψ by PSU and cell: a dense PSU × cell table when that is small (clustered designs),
/// otherwise nothing is stored and the correction is a pass over the rows (one PSU per row).
#[derive(Debug)]
enum PsuCellSums {
    Dense(Vec<f64>),
    ByRow,
}

impl CalibrationMemory {
    pub fn new(projections: Vec<Projection>, steps: Vec<usize>, psu: &[u32]) -> Self {
        // All cross-products in one pass over the rows.
        let mut cross: Vec<Vec<Vec<f64>>> = projections
            .iter()
            .map(|pt| {
                projections
                    .iter()
                    .map(|pu| vec![0.0; pt.n_cells * pu.n_cells])
                    .collect()
            })
            .collect();
        for i in 0..psu.len() {
            for (t, pt) in projections.iter().enumerate() {
                let a = pt.phi[i];
                let ct = pt.cells[i] as usize;
                for (u, pu) in projections.iter().enumerate() {
                    cross[t][u][ct * pu.n_cells + pu.cells[i] as usize] += a * pu.psi[i];
                }
            }
        }
        let n_psu = psu.iter().map(|p| *p as usize + 1).max().unwrap_or(0);
        let psu_psi = projections
            .iter()
            .map(|p| {
                if n_psu.saturating_mul(p.n_cells) <= psu.len() {
                    let mut table = vec![0.0; n_psu * p.n_cells];
                    for ((s, c), w) in psu.iter().zip(&p.cells).zip(&p.psi) {
                        table[*s as usize * p.n_cells + *c as usize] += w;
                    }
                    PsuCellSums::Dense(table)
                } else {
                    PsuCellSums::ByRow
                }
            })
            .collect();
        CalibrationMemory {
            projections,
            steps,
            cross,
            psu_psi,
        }
    }

    /// Replays R's projection steps on the cell sums of the original scores: returns, per
    /// projection, the total cell mean subtracted from each cell (times ψ per row).
    fn replay(&self, sums: &[&[f64]]) -> Vec<Vec<f64>> {
        let mut correction: Vec<Vec<f64>> = self
            .projections
            .iter()
            .map(|p| vec![0.0; p.n_cells])
            .collect();
        let mut subtracted: Vec<Vec<f64>> = self
            .projections
            .iter()
            .map(|p| vec![0.0; p.n_cells])
            .collect();
        for &t in &self.steps {
            let proj = &self.projections[t];
            let m: Vec<f64> = (0..proj.n_cells)
                .map(|c| {
                    if proj.denom[c] == 0.0 {
                        0.0
                    } else {
                        (sums[t][c] - correction[t][c]) / proj.denom[c]
                    }
                })
                .collect();
            for (u, pu) in self.projections.iter().enumerate() {
                let cross = &self.cross[u][t];
                for cu in 0..pu.n_cells {
                    let row = &cross[cu * proj.n_cells..(cu + 1) * proj.n_cells];
                    correction[u][cu] += row.iter().zip(&m).map(|(a, b)| a * b).sum::<f64>();
                }
            }
            for (acc, mc) in subtracted[t].iter_mut().zip(&m) {
                *acc += mc;
            }
        }
        subtracted
    }

    /// Subtracts `Σ_t ψ_t,i · subtracted_t[cell]` from the PSU totals.
    fn correct_psu_totals(&self, subtracted: &[Vec<f64>], psu: &[u32], psu_total: &mut [f64]) {
        for (t, sums) in self.psu_psi.iter().enumerate() {
            let m = &subtracted[t];
            let proj = &self.projections[t];
            match sums {
                PsuCellSums::Dense(table) => {
                    for (p, total) in psu_total.iter_mut().enumerate() {
                        let row = &table[p * proj.n_cells..(p + 1) * proj.n_cells];
                        *total -= row.iter().zip(m).map(|(a, b)| a * b).sum::<f64>();
                    }
                }
                PsuCellSums::ByRow => {
                    for ((p, c), psi) in psu.iter().zip(&proj.cells).zip(&proj.psi) {
                        psu_total[*p as usize] -= m[*c as usize] * psi;
                    }
                }
            }
        }
    }

    /// Combine with projections applied later (R appends to `postStrata`).
    pub fn extended(&self, more: Vec<Projection>, more_steps: Vec<usize>, psu: &[u32]) -> Self {
        let offset = self.projections.len();
        let mut projections = self.projections.clone();
        projections.extend(more);
        let mut steps = self.steps.clone();
        steps.extend(more_steps.into_iter().map(|s| s + offset));
        CalibrationMemory::new(projections, steps, psu)
    }
}

impl Design {
    /// Linearised variance of an estimator whose score for row `i` is `score(i)` (0 for rows
    /// not used). One pass over the rows.
    pub(crate) fn linearised_variance<F: Fn(usize) -> f64>(&self, score: F) -> f64 {
        self.linearised_variances(1, |i| (0, score(i)))[0]
    }

    /// Linearised variances of `n_groups` estimators at once (domains, like R's `svyby`):
    /// `score(i)` gives row `i`'s group and score (score 0 = row not used). One pass over the
    /// rows; memory `n_groups × PSUs`.
    pub(crate) fn linearised_variances<F: Fn(usize) -> (usize, f64)>(
        &self,
        n_groups: usize,
        score: F,
    ) -> Vec<f64> {
        let n_psu = self.n_psu();
        let n_strata = self.n_strata();
        if n_groups == 1 && self.calibration.is_none() && n_psu == self.len() {
            // Every row its own PSU (PSU i is row i: PSUs are numbered in order of first
            // appearance), no calibration: each PSU total is the row's score, so the totals
            // are not stored — the same sums in the same order, without a vector of a
            // million totals per estimate (its pages were most of a cold estimate's cost).
            debug_assert!(self.psu.iter().enumerate().all(|(i, p)| *p as usize == i));
            let total = |i: usize| match score(i) {
                (_, x) if x != 0.0 => x,
                _ => 0.0,
            };
            let present = (self.lonely == LonelyPsu::Average).then(|| {
                let mut present = vec![false; n_strata];
                for i in 0..n_psu {
                    if total(i) != 0.0 {
                        present[self.psu_stratum[i] as usize] = true;
                    }
                }
                present
            });
            let totals = (0..n_psu).map(|i| (total(i), self.psu_stratum[i]));
            return vec![self.between_psu_variance_of(totals, present.as_deref())];
        }
        let (psu_total, present, track) = self.psu_totals_tracked(n_groups, score);
        (0..n_groups)
            .map(|g| {
                let present = track.then(|| &present[g * n_strata..(g + 1) * n_strata]);
                self.between_psu_variance(&psu_total[g * n_psu..(g + 1) * n_psu], present)
            })
            .collect()
    }

    /// PSU totals of the scores of `n_groups` estimators (group-major: `g·PSUs + psu`), after
    /// the part calibration explains is removed; the variance of a linear combination of the
    /// estimators is [`Design::between_psu_variance`] of the same combination of these totals.
    pub(crate) fn linearised_psu_totals<F: Fn(usize) -> (usize, f64)>(
        &self,
        n_groups: usize,
        score: F,
    ) -> Vec<f64> {
        self.psu_totals_tracked(n_groups, score).0
    }

    /// Linearised covariance of two estimators from their PSU totals (as from
    /// [`Design::linearised_psu_totals`]): the variance is a quadratic form in the totals, so
    /// `(V(a + b) − V(a − b))/4`, whatever the lonely-PSU rule.
    pub(crate) fn psu_covariance(&self, a: &[f64], b: &[f64]) -> f64 {
        let plus: Vec<f64> = a.iter().zip(b).map(|(x, y)| x + y).collect();
        let minus: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
        (self.between_psu_variance(&plus, None) - self.between_psu_variance(&minus, None)) / 4.0
    }

    #[allow(clippy::type_complexity)]
    pub(super) fn psu_totals_tracked<F: Fn(usize) -> (usize, f64)>(
        &self,
        n_groups: usize,
        score: F,
    ) -> (Vec<f64>, Vec<bool>, bool) {
        let n_psu = self.n_psu();
        let mut psu_total = vec![0.0; n_groups * n_psu];
        // R's `average` counts only the strata where the estimate has rows: rows outside it
        // (or missing) are dropped from an uncalibrated design before the variance, kept
        // with weight 0 in a calibrated one. A used row is one with a non-zero score.
        let n_strata = self.n_strata();
        let track = self.lonely == LonelyPsu::Average && self.calibration.is_none();
        let mut present = vec![!track; if track { n_groups * n_strata } else { 0 }];
        match &self.calibration {
            None => {
                for (i, p) in self.psu.iter().enumerate() {
                    let (g, x) = score(i);
                    if x != 0.0 {
                        psu_total[g * n_psu + *p as usize] += x;
                        if track {
                            present[g * n_strata + self.psu_stratum[*p as usize] as usize] = true;
                        }
                    }
                }
            }
            Some(cal) => {
                let mut sums: Vec<Vec<f64>> = cal
                    .projections
                    .iter()
                    .map(|p| vec![0.0; n_groups * p.n_cells])
                    .collect();
                for (i, p) in self.psu.iter().enumerate() {
                    let (g, x) = score(i);
                    if x != 0.0 {
                        psu_total[g * n_psu + *p as usize] += x;
                        for (t, proj) in cal.projections.iter().enumerate() {
                            sums[t][g * proj.n_cells + proj.cells[i] as usize] += x * proj.phi[i];
                        }
                    }
                }
                for g in 0..n_groups {
                    let group_sums: Vec<&[f64]> = cal
                        .projections
                        .iter()
                        .zip(&sums)
                        .map(|(p, s)| &s[g * p.n_cells..(g + 1) * p.n_cells])
                        .collect();
                    let subtracted = cal.replay(&group_sums);
                    cal.correct_psu_totals(
                        &subtracted,
                        &self.psu,
                        &mut psu_total[g * n_psu..(g + 1) * n_psu],
                    );
                }
            }
        }
        (psu_total, present, track)
    }

    /// `Σ_h n_h/(n_h-1) Σ_j (t_hj - t̄_h)²` over PSU totals (PSUs with nothing count as 0),
    /// with a stratum of one PSU treated as R's `survey.lonely.psu` says. `present`: the
    /// strata where the estimate has rows (for `average`; `None` = all).
    pub(crate) fn between_psu_variance(&self, psu_total: &[f64], present: Option<&[bool]>) -> f64 {
        let totals = psu_total
            .iter()
            .copied()
            .zip(self.psu_stratum.iter().copied());
        self.between_psu_variance_of(totals, present)
    }

    /// [`Design::between_psu_variance`] of the PSU totals `totals` yields (with each PSU's
    /// stratum), in PSU order.
    fn between_psu_variance_of(
        &self,
        totals: impl Iterator<Item = (f64, u32)>,
        present: Option<&[bool]>,
    ) -> f64 {
        // One pass: per stratum, the sum and the sum of squares of the totals shifted by the
        // stratum's first total (shifted, the sum of squares about the mean loses no digits
        // to cancellation).
        let mut moments = StratumMoments::new(self.n_strata());
        for (t, h) in totals {
            let h = h as usize;
            if moments.centre[h].is_nan() {
                moments.centre[h] = t;
            }
            let d = t - moments.centre[h];
            moments.s1[h] += d;
            moments.s2[h] += d * d;
            moments.grand_sum += t;
            moments.count += 1;
        }
        self.variance_of_moments(&moments, present)
    }

    /// The between-PSU variance from per-stratum moments of the PSU totals (see
    /// [`StratumMoments`]), with a stratum of one PSU treated as R's `survey.lonely.psu` says.
    pub(crate) fn variance_of_moments(
        &self,
        moments: &StratumMoments,
        present: Option<&[bool]>,
    ) -> f64 {
        let h_count = self.n_strata();
        let StratumMoments {
            centre,
            s1,
            s2,
            grand_sum,
            count,
        } = moments;
        let lonely = |h: usize| self.stratum_psus[h] < 2;
        // R 4.2+ `adjust`: a lonely stratum is centred on the mean PSU total over all strata
        // (R 4.1: on 0, the same for the scores of means and proportions, which sum to 0).
        // The sum of squares about any centre m follows from the moments about c:
        // Σ(t−m)² = Σ(t−c)² − 2(m−c)·Σ(t−c) + n·(m−c)².
        let grand = grand_sum / *count as f64;
        let ss: Vec<f64> = (0..h_count)
            .map(|h| {
                let n = self.stratum_psus[h] as f64;
                if centre[h].is_nan() {
                    return 0.0;
                }
                if self.lonely == LonelyPsu::Adjust && lonely(h) {
                    let m = grand - centre[h];
                    (s2[h] - 2.0 * m * s1[h] + n * m * m).max(0.0)
                } else {
                    (s2[h] - s1[h] * s1[h] / n).max(0.0)
                }
            })
            .collect();
        let sum: f64 = ss
            .iter()
            .zip(&self.stratum_psus)
            .map(|(s, n)| match *n {
                1 if self.lonely == LonelyPsu::Adjust => *s,
                1 => 0.0,
                n => {
                    let n = n as f64;
                    s * n / (n - 1.0)
                }
            })
            .sum();
        if self.lonely != LonelyPsu::Average {
            return sum;
        }
        let is_present = |h: usize| present.is_none_or(|p| p[h]);
        let counted = (0..h_count).filter(|h| is_present(*h)).count();
        let ok = (0..h_count)
            .filter(|h| is_present(*h) && !lonely(*h))
            .count();
        sum * counted as f64 / ok as f64
    }
}

/// What the between-PSU variance needs of the PSU totals `t` of one estimator: per stratum
/// `h`, `Σ(t − c_h)` and `Σ(t − c_h)²` about a centre `c_h` (NaN: the stratum has no PSU),
/// and the sum and number of all the totals (for `adjust`).
#[derive(Debug, Clone)]
pub(crate) struct StratumMoments {
    pub centre: Vec<f64>,
    pub s1: Vec<f64>,
    pub s2: Vec<f64>,
    pub grand_sum: f64,
    pub count: usize,
}

impl StratumMoments {
    pub fn new(n_strata: usize) -> Self {
        StratumMoments {
            centre: vec![f64::NAN; n_strata],
            s1: vec![0.0; n_strata],
            s2: vec![0.0; n_strata],
            grand_sum: 0.0,
            count: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::design::{Design, LonelyPsu};

    /// R 4.1.1, `options(survey.lonely.psu = …)`, `svymean(~y, svydesign(ids = ~1,
    /// strata = ~s, data = data.frame(y = c(1, 2, 4, 7, 11), s = c(1, 1, 2, 2, 3))))`.
    #[test]
    fn lonely_psu_options_match_r() {
        let y = [1.0, 2.0, 4.0, 7.0, 11.0];
        let se = |lonely| {
            let d = Design::with_lonely_psu(vec![1.0; 5], Some(&[1, 1, 2, 2, 3]), None, lonely)
                .unwrap();
            d.mean(&y, None).unwrap().se
        };
        // By hand from R's onestrat: scores x_i = (y_i - 5)/5; strata 1 and 2 give
        // 2·Σ(x - x̄_h)²; the lonely stratum 3 gives x_5² under adjust (centre 0).
        let two = 2.0 * (2.0 * 0.1f64.powi(2) + 2.0 * 0.3f64.powi(2));
        let adjust = two + 1.2f64.powi(2);
        assert!((se(LonelyPsu::Remove) - two.sqrt()).abs() < 1e-15);
        assert!((se(LonelyPsu::Certainty) - two.sqrt()).abs() < 1e-15);
        assert!((se(LonelyPsu::Adjust) - adjust.sqrt()).abs() < 1e-15);
        assert!((se(LonelyPsu::Average) - (two * 1.5).sqrt()).abs() < 1e-15);
    }
}
