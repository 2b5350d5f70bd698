//! The Rao–Scott design-based test of independence for a two-way table, as R's
//! `svychisq(~row + col, design, statistic = "F")` (second-order correction) and
//! `statistic = "Chisq"` (first-order) compute it.
//!
//! 1. Pearson's X² of the weighted table of complete cases, rescaled to `N` = all rows.
//! 2. `p̂`: the `r·c` cell proportions (row fastest) with their design covariance `V`.
//! 3. `C`: the interaction contrasts of the `r × c` grid, residualised on the main effects.
//! 4. `Δ = (Cᵀ D⁻¹ C / N)⁻¹ (Cᵀ D⁻¹ V D⁻¹ C)` with `D = diag(p̂)`; `d0 = tr(Δ)²/tr(Δ²)`.
//! - F: `X²/tr(Δ)` on `F(d0, d0·ν)`, `ν` the design's degrees of freedom.
//! - Chisq: `X²/mean(diag Δ)` on `χ²((r−1)(c−1))`.

use super::distributions::{chisq_upper_tail, f_upper_tail};
use super::domain::check_codes;
use super::{Design, MISSING_CODE, stats_error};
use crate::Result;

/// Largest table (rows × columns of categories seen) the test is computed for: the cell
/// covariance matrix is cells² numbers.
pub const MAX_CELLS: usize = 1000;

/// The test's numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct RaoScott {
    /// Pearson's X² of the weighted table rescaled to `n_rows`.
    pub pearson: f64,
    /// `tr(Δ)` and `tr(Δ)/((r−1)(c−1))`, the generalised design effects.
    pub trace_delta: f64,
    pub mean_delta: f64,
    /// Second-order: `F = X²/tr(Δ)`, numerator and denominator degrees of freedom, p-value.
    pub f: f64,
    pub ndf: f64,
    pub ddf: f64,
    pub p_value: f64,
    /// First-order: `X²/mean(diag Δ)` on `(r−1)(c−1)` degrees of freedom, p-value.
    pub chisq_adjusted: f64,
    pub chisq_df: f64,
    pub chisq_p_value: f64,
    /// Design degrees of freedom `ν`.
    pub nu: f64,
    /// Rows of the design (`N`) and rows with both answers.
    pub n_rows: usize,
    pub complete: usize,
    /// Categories seen (rows × columns of the table).
    pub shape: (usize, usize),
}

impl Design {
    /// The Rao–Scott test of independence between two coded variables (codes `0..n_row` and
    /// `0..n_col`, [`MISSING_CODE`] = no answer: left out as a domain). Categories nobody
    /// chose are dropped, as R's factors of the observed values are.
    pub fn rao_scott(
        &self,
        rows: &[u32],
        n_row: usize,
        cols: &[u32],
        n_col: usize,
    ) -> Result<RaoScott> {
        check_codes(self, rows, n_row, "row variable")?;
        check_codes(self, cols, n_col, "column variable")?;
        // Observed categories (R: factor levels of the values present).
        let observed = |codes: &[u32], n: usize| {
            let mut seen = vec![false; n];
            for c in codes {
                if *c != MISSING_CODE {
                    seen[*c as usize] = true;
                }
            }
            let mut map = vec![usize::MAX; n];
            let mut k = 0;
            for (i, s) in seen.iter().enumerate() {
                if *s {
                    map[i] = k;
                    k += 1;
                }
            }
            (map, k)
        };
        let (row_map, r) = observed(rows, n_row);
        let (col_map, c) = observed(cols, n_col);
        if r < 2 || c < 2 {
            return Err(stats_error(
                "a test of independence needs at least two answers seen in each variable",
            ));
        }
        let cells = r * c;
        if cells > MAX_CELLS {
            return Err(stats_error(format!(
                "a test of independence on a {r} × {c} table has too many cells (at most {MAX_CELLS}); group the answers first"
            )));
        }
        let cell_of = |i: usize| -> Option<usize> {
            let (a, b) = (rows[i], cols[i]);
            if a == MISSING_CODE || b == MISSING_CODE {
                None
            } else {
                Some(row_map[a as usize] + r * col_map[b as usize])
            }
        };
        let w = &self.weights;
        let mut table = vec![0.0; cells];
        let mut complete = 0usize;
        for i in 0..self.len() {
            if let Some(k) = cell_of(i) {
                table[k] += w[i];
                complete += 1;
            }
        }
        let total: f64 = table.iter().sum();
        if complete < 2 || total <= 0.0 {
            return Err(stats_error("too few respondents answered both questions"));
        }
        let n = self.len() as f64;
        let p: Vec<f64> = table.iter().map(|t| t / total).collect();
        // Pearson's X² of the table scaled to N.
        let scaled: Vec<f64> = p.iter().map(|q| q * n).collect();
        let row_sum: Vec<f64> = (0..r)
            .map(|a| (0..c).map(|b| scaled[a + r * b]).sum())
            .collect();
        let col_sum: Vec<f64> = (0..c)
            .map(|b| (0..r).map(|a| scaled[a + r * b]).sum())
            .collect();
        let mut pearson = 0.0;
        for a in 0..r {
            for b in 0..c {
                let e = row_sum[a] * col_sum[b] / n;
                if e > 0.0 {
                    let d = scaled[a + r * b] - e;
                    pearson += d * d / e;
                }
            }
        }
        let v = self.cell_covariance(&cell_of, cells, &p, total);
        // C: interaction columns residualised on the main effects (least squares on the grid).
        let x1 = main_effects(r, c);
        let k = (r - 1) * (c - 1);
        let cmat: Vec<Vec<f64>> = (0..r - 1)
            .flat_map(|a| (0..c - 1).map(move |b| (a, b)))
            .map(|(a, b)| {
                let col: Vec<f64> = (0..cells)
                    .map(|cell| ((cell % r == a + 1) && (cell / r == b + 1)) as u8 as f64)
                    .collect();
                residualise(&x1, &col)
            })
            .collect();
        // R orders the interaction columns with the row factor fastest.
        let cmat: Vec<Vec<f64>> = (0..c - 1)
            .flat_map(|b| (0..r - 1).map(move |a| a * (c - 1) + b))
            .map(|j| cmat[j].clone())
            .collect();
        let inv_d: Vec<f64> = p
            .iter()
            .map(|q| if *q == 0.0 { 0.0 } else { 1.0 / q })
            .collect();
        let mut denom = vec![0.0; k * k];
        let mut numr = vec![0.0; k * k];
        // D⁻¹ C, cell by contrast.
        let dc: Vec<Vec<f64>> = cmat
            .iter()
            .map(|col| col.iter().zip(&inv_d).map(|(x, d)| x * d).collect())
            .collect();
        // V D⁻¹ C first, so the cost is cells²·k + cells·k², not cells²·k².
        let vdc: Vec<Vec<f64>> = dc
            .iter()
            .map(|col| {
                (0..cells)
                    .map(|i| {
                        v[i * cells..(i + 1) * cells]
                            .iter()
                            .zip(col)
                            .map(|(a, b)| a * b)
                            .sum()
                    })
                    .collect()
            })
            .collect();
        for s in 0..k {
            for t in 0..k {
                denom[s * k + t] = (0..cells).map(|i| cmat[s][i] * dc[t][i]).sum::<f64>() / n;
                numr[s * k + t] = (0..cells).map(|i| dc[s][i] * vdc[t][i]).sum();
            }
        }
        let delta = solve(&denom, &numr, k)
            .ok_or_else(|| stats_error("the table's design effects cannot be computed"))?;
        let trace: f64 = (0..k).map(|i| delta[i * k + i]).sum();
        let trace2: f64 = (0..k)
            .flat_map(|i| (0..k).map(move |j| (i, j)))
            .map(|(i, j)| delta[i * k + j] * delta[j * k + i])
            .sum();
        let d0 = trace * trace / trace2;
        let nu = self.df();
        let f = pearson / trace;
        let mean_delta = trace / k as f64;
        let adjusted = pearson / mean_delta;
        Ok(RaoScott {
            pearson,
            trace_delta: trace,
            mean_delta,
            f,
            ndf: d0,
            ddf: d0 * nu,
            p_value: f_upper_tail(f, d0, d0 * nu),
            chisq_adjusted: adjusted,
            chisq_df: k as f64,
            chisq_p_value: chisq_upper_tail(adjusted, k as f64),
            nu,
            n_rows: self.len(),
            complete,
            shape: (r, c),
        })
    }

    /// Design covariance (row-major `cells × cells`) of the cell proportions `p` among the
    /// complete cases (`cell_of(i)` = `None` for the others, kept as a domain left out).
    fn cell_covariance(
        &self,
        cell_of: &dyn Fn(usize) -> Option<usize>,
        cells: usize,
        p: &[f64],
        total: f64,
    ) -> Vec<f64> {
        let mut v = vec![0.0; cells * cells];
        let w = &self.weights;
        match &self.replicates {
            None => {
                // Scores w (1[cell k] − p_k)/W = A_k − p_k B, by linearity of the PSU totals.
                let n_psu = self.n_psu();
                let a = self.linearised_psu_totals(cells, |i| match cell_of(i) {
                    Some(k) => (k, w[i] / total),
                    None => (0, 0.0),
                });
                let b = self.linearised_psu_totals(1, |i| match cell_of(i) {
                    Some(_) => (0, w[i] / total),
                    None => (0, 0.0),
                });
                let t: Vec<Vec<f64>> = (0..cells)
                    .map(|k| {
                        a[k * n_psu..(k + 1) * n_psu]
                            .iter()
                            .zip(&b)
                            .map(|(x, y)| x - p[k] * y)
                            .collect()
                    })
                    .collect();
                for i in 0..cells {
                    for j in i..cells {
                        let c = if i == j {
                            self.between_psu_variance(&t[i], None)
                        } else {
                            self.psu_covariance(&t[i], &t[j])
                        };
                        v[i * cells + j] = c;
                        v[j * cells + i] = c;
                    }
                }
            }
            Some(_) => {
                let rscales = self.replicate_rscales();
                let thetas: Vec<Vec<f64>> = (0..cells)
                    .map(|k| {
                        self.replicate_totals(&|i| match cell_of(i) {
                            Some(kk) => (kk == k) as u8 as f64,
                            None => f64::NAN,
                        })
                        .iter()
                        .map(|(a, b)| a / b)
                        .collect()
                    })
                    .collect();
                for i in 0..cells {
                    for j in i..cells {
                        let c: f64 = rscales
                            .iter()
                            .enumerate()
                            .filter(|(r, _)| thetas[i][*r].is_finite() && thetas[j][*r].is_finite())
                            .map(|(r, s)| s * (thetas[i][r] - p[i]) * (thetas[j][r] - p[j]))
                            .sum();
                        v[i * cells + j] = c;
                        v[j * cells + i] = c;
                    }
                }
            }
        }
        v
    }
}

/// Columns of the main-effects design on the `r × c` grid (row fastest): intercept, row
/// dummies 2..r, column dummies 2..c.
fn main_effects(r: usize, c: usize) -> Vec<Vec<f64>> {
    let cells = r * c;
    let mut cols = vec![vec![1.0; cells]];
    for a in 1..r {
        cols.push((0..cells).map(|i| (i % r == a) as u8 as f64).collect());
    }
    for b in 1..c {
        cols.push((0..cells).map(|i| (i / r == b) as u8 as f64).collect());
    }
    cols
}

/// `y` minus its least-squares fit on the columns `x` (R's `qr.resid`), by Gram–Schmidt.
fn residualise(x: &[Vec<f64>], y: &[f64]) -> Vec<f64> {
    let mut basis: Vec<Vec<f64>> = Vec::new();
    for col in x {
        let mut v = col.clone();
        for _ in 0..2 {
            for b in &basis {
                let dot: f64 = v.iter().zip(b).map(|(p, q)| p * q).sum();
                v.iter_mut().zip(b).for_each(|(p, q)| *p -= dot * q);
            }
        }
        let norm = v.iter().map(|p| p * p).sum::<f64>().sqrt();
        if norm > 1e-10 {
            v.iter_mut().for_each(|p| *p /= norm);
            basis.push(v);
        }
    }
    let mut out = y.to_vec();
    for _ in 0..2 {
        for b in &basis {
            let dot: f64 = out.iter().zip(b).map(|(p, q)| p * q).sum();
            out.iter_mut().zip(b).for_each(|(p, q)| *p -= dot * q);
        }
    }
    out
}

/// `A⁻¹ B` for `k × k` row-major matrices (Gaussian elimination, partial pivoting); `None`
/// when `A` is singular.
fn solve(a: &[f64], b: &[f64], k: usize) -> Option<Vec<f64>> {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    let scale = a.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    for col in 0..k {
        let pivot =
            (col..k).max_by(|x, y| a[x * k + col].abs().total_cmp(&a[y * k + col].abs()))?;
        if a[pivot * k + col].abs() <= 1e-14 * scale {
            return None;
        }
        if pivot != col {
            for j in 0..k {
                a.swap(pivot * k + j, col * k + j);
                b.swap(pivot * k + j, col * k + j);
            }
        }
        for row in 0..k {
            if row == col {
                continue;
            }
            let f = a[row * k + col] / a[col * k + col];
            if f == 0.0 {
                continue;
            }
            for j in 0..k {
                a[row * k + j] -= f * a[col * k + j];
                b[row * k + j] -= f * b[col * k + j];
            }
        }
    }
    for row in 0..k {
        let d = a[row * k + row];
        for j in 0..k {
            b[row * k + j] /= d;
        }
    }
    Some(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_random_sample_of_equal_weights_gives_pearson_back_nearly() {
        // With weights 1 and no clusters, Δ is close to the identity: F·(r−1)(c−1) ≈ X².
        let n = 400;
        let rows: Vec<u32> = (0..n).map(|i| (i % 2) as u32).collect();
        let cols: Vec<u32> = (0..n).map(|i| ((i / 2 + i / 7) % 3) as u32).collect();
        let d = Design::new(vec![1.0; n], None, None).unwrap();
        let t = d.rao_scott(&rows, 2, &cols, 3).unwrap();
        assert_eq!(t.shape, (2, 3));
        assert!((t.mean_delta - 1.0).abs() < 0.05, "{}", t.mean_delta);
        assert!(t.p_value > 0.0 && t.p_value <= 1.0);
        assert!((t.chisq_df - 2.0).abs() < 1e-15);
    }

    #[test]
    fn solve_inverts() {
        let a = [2.0, 1.0, 1.0, 3.0];
        let x = solve(&a, &a, 2).unwrap();
        for (i, v) in x.iter().enumerate() {
            assert!((v - [1.0, 0.0, 0.0, 1.0][i]).abs() < 1e-15);
        }
    }
}
