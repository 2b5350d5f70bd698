//! Calibration: post-stratification, raking, trimming (R's `postStratify`, `rake`,
//! `trimWeights`). Each returns a new design that remembers what was done, so that
//! linearised variances account for it as R's do (see `variance.rs`); a replicate design has
//! every replicate calibrated the same way (R's methods for `svyrep.design`).

use super::design::{Design, Replicates, dense_index};
use super::variance::{CalibrationMemory, Projection};
use super::{MISSING_CODE, stats_error};
use crate::Result;
use std::sync::Arc;

/// Cells for a post-stratification or one raking margin: a cell code per row and the
/// population total of each cell code (NaN = target missing). `labels[c]` names cell `c` in
/// error messages (may be empty).
#[derive(Debug, Clone, Copy)]
pub struct Margin<'a> {
    pub cells: &'a [u32],
    pub totals: &'a [f64],
    pub labels: &'a [String],
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RakeControl {
    /// Converged when no joint cell total (over all margin variables) changes by more than
    /// `tolerance × total weight` in a sweep (R's `epsilon < 1`).
    pub tolerance: f64,
    pub max_iterations: usize,
}

impl Default for RakeControl {
    fn default() -> Self {
        RakeControl {
            tolerance: 1e-10,
            max_iterations: 1000,
        }
    }
}

/// Bounds relative to the mean weight; `strict` repeats until no weight is outside.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrimBounds {
    pub lower_rel: f64,
    pub upper_rel: f64,
    pub strict: bool,
}

impl Margin<'_> {
    fn label(&self, c: usize) -> String {
        self.labels
            .get(c)
            .cloned()
            .unwrap_or_else(|| format!("cell {}", c + 1))
    }

    /// Checks the margin against the design's weights: every respondent in a cell with a
    /// target, no target missing or negative where respondents are, no positive target without
    /// respondents.
    fn check(&self, weights: &[f64]) -> Result<()> {
        if self.cells.len() != weights.len() {
            return Err(stats_error(format!(
                "calibration cells have {} values for {} rows",
                self.cells.len(),
                weights.len()
            )));
        }
        let n_cells = self.totals.len();
        let mut count = vec![0usize; n_cells];
        let mut sum = vec![0.0; n_cells];
        for (i, (c, w)) in self.cells.iter().zip(weights).enumerate() {
            if *c == MISSING_CODE || *c as usize >= n_cells {
                return Err(stats_error(format!(
                    "respondent in row {} is in no target cell",
                    i + 1
                )));
            }
            count[*c as usize] += 1;
            sum[*c as usize] += w;
        }
        for c in 0..n_cells {
            let t = self.totals[c];
            if count[c] > 0 && t.is_nan() {
                return Err(stats_error(format!(
                    "target for {} is missing",
                    self.label(c)
                )));
            }
            if t < 0.0 || t.is_infinite() {
                return Err(stats_error(format!(
                    "target for {} is {t}; targets must be finite and not negative",
                    self.label(c)
                )));
            }
            if t > 0.0 && count[c] == 0 {
                return Err(stats_error(format!(
                    "target cell {} has no respondents",
                    self.label(c)
                )));
            }
            if t > 0.0 && sum[c] == 0.0 {
                return Err(stats_error(format!(
                    "target cell {} has respondents but all their weights are 0",
                    self.label(c)
                )));
            }
            if t == 0.0 && count[c] > 0 && sum[c] > 0.0 {
                return Err(stats_error(format!(
                    "target for {} is 0 but it has respondents",
                    self.label(c)
                )));
            }
        }
        Ok(())
    }
}

/// `weights` scaled in each cell so that the cell sums equal the targets.
fn post_stratify_weights(weights: &mut [f64], cells: &[u32], totals: &[f64]) {
    let mut sum = vec![0.0; totals.len()];
    for (c, w) in cells.iter().zip(weights.iter()) {
        sum[*c as usize] += w;
    }
    let factor: Vec<f64> = totals
        .iter()
        .zip(&sum)
        .map(|(t, s)| if *t == 0.0 { 0.0 } else { t / s })
        .collect();
    for (c, w) in cells.iter().zip(weights.iter_mut()) {
        *w *= factor[*c as usize];
    }
}

impl Design {
    fn replicate_columns_for_calibration(&self) -> Option<Vec<Vec<f64>>> {
        self.explicit_replicates()
    }

    fn with_memory(mut self, projections: Vec<Projection>, steps: Vec<usize>) -> Design {
        let memory = match &self.calibration {
            Some(old) => old.extended(projections, steps, &self.psu),
            None => CalibrationMemory::new(projections, steps, &self.psu),
        };
        self.calibration = Some(Arc::new(memory));
        self
    }

    /// Post-stratification on (joint) cells to population totals (R's `postStratify`).
    pub fn poststratify(&self, margin: Margin<'_>) -> Result<Design> {
        margin.check(&self.weights)?;
        let mut d = self.with_weights(self.weights.clone());
        let old = &self.weights;
        post_stratify_weights(&mut d.weights, margin.cells, margin.totals);
        if let Some(mut cols) = self.replicate_columns_for_calibration() {
            for col in cols.iter_mut() {
                post_stratify_weights(col, margin.cells, margin.totals);
            }
            d.set_explicit_replicates(cols);
        }
        let proj = Projection::post_stratification(
            margin.cells.to_vec(),
            margin.totals.len(),
            old,
            &d.weights,
        );
        Ok(d.with_memory(vec![proj], vec![0]))
    }

    /// Raking (iterative proportional fitting) over margins (R's `rake`): post-stratify on each
    /// margin in turn until the joint table of all margin variables changes by less than the
    /// tolerance. Error if it does not converge within the iteration cap.
    pub fn rake(&self, margins: &[Margin<'_>], control: RakeControl) -> Result<Design> {
        if margins.is_empty() {
            return Err(stats_error("raking needs at least one margin"));
        }
        for m in margins {
            m.check(&self.weights)?;
        }
        // Joint cells of all margins, for the convergence check: combine one margin at a time.
        let n = self.len();
        let mut joint: Vec<u32> = vec![0; n];
        let mut n_joint = 1usize;
        for m in margins {
            let keys = joint
                .iter()
                .zip(m.cells)
                .map(|(j, c)| ((*c as u64) << 32) | *j as u64);
            (joint, n_joint) = dense_index(keys, n);
        }
        // Every row of a joint cell is scaled by the same factors, so the fitting runs on the
        // joint cell totals: factor[j] is the product of the adjustments so far of cell j.
        let mut joint_base = vec![0.0; n_joint];
        let mut margin_cell = vec![vec![0u32; n_joint]; margins.len()];
        for (i, j) in joint.iter().enumerate() {
            joint_base[*j as usize] += self.weights[i];
            for (k, m) in margins.iter().enumerate() {
                margin_cell[k][*j as usize] = m.cells[i];
            }
        }
        let epsilon = if control.tolerance < 1.0 {
            control.tolerance * self.weights.iter().sum::<f64>()
        } else {
            control.tolerance
        };
        let mut factor = vec![1.0; n_joint];
        let mut reps = self.replicate_columns_for_calibration();
        let mut old_table = joint_base.clone();
        // Factors after each margin's step in the latest sweep (R keeps those weights).
        let mut after_margin: Vec<Vec<f64>> = vec![vec![0.0; n_joint]; margins.len()];
        let mut converged = false;
        for _ in 0..control.max_iterations {
            for (k, m) in margins.iter().enumerate() {
                let mut sums = vec![0.0; m.totals.len()];
                for j in 0..n_joint {
                    sums[margin_cell[k][j] as usize] += joint_base[j] * factor[j];
                }
                let adjust: Vec<f64> = m
                    .totals
                    .iter()
                    .zip(&sums)
                    .map(|(t, s)| if *t == 0.0 { 0.0 } else { t / s })
                    .collect();
                for j in 0..n_joint {
                    factor[j] *= adjust[margin_cell[k][j] as usize];
                }
                after_margin[k].copy_from_slice(&factor);
                if let Some(cols) = reps.as_mut() {
                    for col in cols.iter_mut() {
                        post_stratify_weights(col, m.cells, m.totals);
                    }
                }
            }
            let new_table: Vec<f64> = joint_base.iter().zip(&factor).map(|(b, f)| b * f).collect();
            let delta = old_table
                .iter()
                .zip(&new_table)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            if delta < epsilon {
                converged = true;
                break;
            }
            old_table = new_table;
        }
        if !converged {
            return Err(stats_error(format!(
                "raking did not converge within {} iterations (tolerance {})",
                control.max_iterations, control.tolerance
            )));
        }
        let weights: Vec<f64> = self
            .weights
            .iter()
            .zip(&joint)
            .map(|(w, j)| w * factor[*j as usize])
            .collect();
        let after_margin: Vec<Vec<f64>> = after_margin
            .iter()
            .map(|f| {
                self.weights
                    .iter()
                    .zip(&joint)
                    .map(|(w, j)| w * f[*j as usize])
                    .collect()
            })
            .collect();
        // The joint table can settle without every margin met (when the sample lacks some
        // combinations of the margin variables); R returns such weights silently, we refuse.
        let total: f64 = joint_base.iter().zip(&factor).map(|(b, f)| b * f).sum();
        for (k, m) in margins.iter().enumerate() {
            let mut sums = vec![0.0; m.totals.len()];
            for j in 0..n_joint {
                sums[margin_cell[k][j] as usize] += joint_base[j] * factor[j];
            }
            for (c, (got, want)) in sums.iter().zip(m.totals).enumerate() {
                if (got - want).abs() > 1e-6 * total {
                    return Err(stats_error(format!(
                        "raking cannot meet every margin at once: {} gets {got} for a target of {want} (the sample lacks some combinations of the margin variables)",
                        m.label(c)
                    )));
                }
            }
        }
        let projections: Vec<Projection> = margins
            .iter()
            .zip(after_margin)
            .map(|(m, w)| Projection::raking_margin(m.cells.to_vec(), m.totals.len(), w))
            .collect();
        // R's svyrecvar sweeps the raking margins ten times.
        let steps: Vec<usize> = (0..10).flat_map(|_| 0..margins.len()).collect();
        let mut d = self.with_weights(weights);
        if let Some(cols) = reps {
            d.set_explicit_replicates(cols);
        }
        Ok(d.with_memory(projections, steps))
    }

    /// Trimming to `[lower_rel, upper_rel] × mean weight`, the excess spread equally over the
    /// weights inside the bounds so the total is kept (R's `trimWeights`; with `strict`,
    /// repeated until no weight is outside). Calibration memory is kept as R keeps it.
    /// Replicate weights are scaled by each row's trimming factor.
    pub fn trim(&self, bounds: TrimBounds) -> Result<Design> {
        let n = self.len() as f64;
        let mean = self.weights.iter().sum::<f64>() / n;
        let (lower, upper) = (bounds.lower_rel * mean, bounds.upper_rel * mean);
        if !(lower <= mean && mean <= upper) || lower.is_nan() || upper.is_nan() {
            return Err(stats_error(format!(
                "trimming bounds {}..{} (relative to the mean weight) must include 1",
                bounds.lower_rel, bounds.upper_rel
            )));
        }
        let mut w = self.weights.clone();
        let mut rounds = 0usize;
        loop {
            let outside = |x: f64| x < lower || x > upper;
            let n_outside = w.iter().filter(|x| outside(**x)).count();
            if n_outside == 0 {
                break;
            }
            let mut trimmed = 0.0;
            let mut flags = Vec::with_capacity(w.len());
            for x in w.iter_mut() {
                let out = outside(*x);
                flags.push(out);
                if out {
                    let clamped = x.clamp(lower, upper);
                    trimmed += *x - clamped;
                    *x = clamped;
                }
            }
            // R gives the trimmed amount to every weight not outside, including those sitting
            // on the bound the gain pushes them past; the next round takes that back and hands
            // it on, so in the limit they stay on the bound. Leaving them out from the start
            // reaches the same limit without thousands of rounds (or never, on float noise).
            let receives = |x: f64, out: bool| {
                !out && !(trimmed < 0.0 && x <= lower) && !(trimmed > 0.0 && x >= upper)
            };
            let inside = w
                .iter()
                .zip(&flags)
                .filter(|(x, o)| receives(**x, **o))
                .count();
            if inside == 0 {
                return Err(stats_error("every weight is outside the trimming bounds"));
            }
            let add = trimmed / inside as f64;
            for (x, out) in w.iter_mut().zip(flags) {
                if receives(*x, out) {
                    *x += add;
                }
            }
            rounds += 1;
            if !bounds.strict {
                break;
            }
            if rounds > 100_000 {
                return Err(stats_error("trimming did not settle within 100000 rounds"));
            }
        }
        let mut d = self.with_weights(Vec::new());
        if let Some(mut cols) = self.explicit_replicates() {
            for col in cols.iter_mut() {
                for ((r, new), old) in col.iter_mut().zip(&w).zip(&self.weights) {
                    if *old != 0.0 {
                        *r *= new / old;
                    }
                }
            }
            d.set_explicit_replicates(cols);
        }
        d.weights = w;
        Ok(d)
    }

    /// Stores calibrated replicate weights and, like R's `degf` for a replicate design, takes
    /// the degrees of freedom as the numerical rank of the replicate weights minus one.
    pub(crate) fn set_explicit_replicates(&mut self, cols: Vec<Vec<f64>>) {
        self.replicate_df = Some(numerical_rank(&cols) as f64 - 1.0);
        self.replicates = Some(Replicates::Explicit(Arc::new(cols)));
    }
}

/// Rank of the matrix with these columns: Gram–Schmidt in column order, a column counting as
/// dependent when less than 1e-5 of its norm remains (the tolerance R's `qr` uses in `degf`).
/// Non-finite entries (replicates R would drop) count as zero.
pub(crate) fn numerical_rank(cols: &[Vec<f64>]) -> usize {
    let mut basis: Vec<Vec<f64>> = Vec::new();
    for col in cols {
        let mut v: Vec<f64> = col
            .iter()
            .map(|x| if x.is_finite() { *x } else { 0.0 })
            .collect();
        let norm0 = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm0 == 0.0 {
            continue;
        }
        for _ in 0..2 {
            for b in &basis {
                let dot: f64 = v.iter().zip(b).map(|(x, y)| x * y).sum();
                for (x, y) in v.iter_mut().zip(b) {
                    *x -= dot * y;
                }
            }
        }
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm > 1e-5 * norm0 {
            v.iter_mut().for_each(|x| *x /= norm);
            basis.push(v);
        }
    }
    basis.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn design() -> Design {
        Design::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], None, None).unwrap()
    }

    fn margin<'a>(cells: &'a [u32], totals: &'a [f64]) -> Margin<'a> {
        Margin {
            cells,
            totals,
            labels: &[],
        }
    }

    #[test]
    fn poststratify_hits_the_totals_and_keeps_proportions_within_cells() {
        let cells = [0, 0, 1, 1, 1, 0];
        let d = design()
            .poststratify(margin(&cells, &[90.0, 10.0]))
            .unwrap();
        let w = d.weights();
        assert!((w[0] + w[1] + w[5] - 90.0).abs() < 1e-12);
        assert!((w[2] + w[3] + w[4] - 10.0).abs() < 1e-12);
        assert!((w[1] / w[0] - 2.0).abs() < 1e-12);
        assert!(d.is_calibrated());
    }

    #[test]
    fn calibration_errors_are_clear() {
        let d = design();
        let cells = [0, 0, 1, 1, 1, MISSING_CODE];
        let e = d
            .poststratify(margin(&cells, &[1.0, 1.0]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("row 6") && e.contains("no target cell"), "{e}");
        let cells = [0, 0, 1, 1, 1, 0];
        let e = d
            .poststratify(margin(&cells, &[1.0, f64::NAN]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing"), "{e}");
        let e = d
            .poststratify(margin(&cells, &[1.0, -1.0]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("not negative"), "{e}");
        let e = d
            .poststratify(margin(&cells, &[1.0, 1.0, 3.0]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("cell 3") && e.contains("no respondents"), "{e}");
        let e = d.rake(&[], RakeControl::default()).unwrap_err().to_string();
        assert!(e.contains("at least one margin"), "{e}");
    }

    #[test]
    fn raking_that_cannot_converge_in_the_cap_is_an_error() {
        let a = [0, 0, 1, 1, 0, 1];
        let b = [0, 1, 0, 1, 1, 0];
        let margins = [margin(&a, &[30.0, 70.0]), margin(&b, &[60.0, 40.0])];
        let control = RakeControl {
            tolerance: 1e-14,
            max_iterations: 1,
        };
        let e = design().rake(&margins, control).unwrap_err().to_string();
        assert!(e.contains("did not converge"), "{e}");
        assert!(design().rake(&margins, RakeControl::default()).is_ok());
    }

    #[test]
    fn trimming_bounds_must_contain_the_mean() {
        let bounds = TrimBounds {
            lower_rel: 1.2,
            upper_rel: 2.0,
            strict: true,
        };
        assert!(design().trim(bounds).is_err());
    }

    #[test]
    fn calibrated_jackknife_replicates_hit_the_totals_too() {
        let d = Design::new(
            vec![1.0; 8],
            Some(&[0, 0, 0, 0, 1, 1, 1, 1]),
            Some(&[0, 0, 1, 1, 2, 2, 3, 3]),
        )
        .unwrap()
        .with_jackknife()
        .unwrap();
        let cells = [0, 1, 0, 1, 0, 1, 0, 1];
        let d = d.poststratify(margin(&cells, &[50.0, 30.0])).unwrap();
        for col in d.explicit_replicates().unwrap() {
            let t0: f64 = col
                .iter()
                .zip(&cells)
                .filter(|(_, c)| **c == 0)
                .map(|(w, _)| w)
                .sum();
            assert!((t0 - 50.0).abs() < 1e-9, "{t0}");
        }
        // df = rank of the replicate weights - 1: between PSUs - strata and replicates - 1.
        assert!((2.0..=3.0).contains(&d.df()), "{}", d.df());
    }
}
