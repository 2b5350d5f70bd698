//! Category shares of a question: every category, in the whole sample or in every domain of
//! a column, from one pass over the rows (instead of two passes per category and domain).
//!
//! A share `p = Σ w·1[c = k] / W` over the respondents of a group (`W = Σ w`) has the score
//! `w·(1[c = k] − p)/W` per row, linear in the category's indicator, so its variance follows
//! from sums of weights by category:
//! - every row its own PSU, no calibration: in a stratum the scores are the weights times one
//!   factor per category (`(1 − p)/W` for `k`, `−p/W` for the others, 0 for rows not used),
//!   so the spread of the scores follows from the mean and spread of the weights in each
//!   (stratum, category), kept about the cell's first weight: equal scores give exactly no
//!   variance, as one share at a time does;
//! - clusters or calibration: the PSU totals `A_j` of `w·1[c = j]` of every category, which
//!   calibration corrects linearly, give the share's PSU totals `(A_k − p·Σ_j A_j)/W`.
//!
//! Replicate designs, and tables that would not fit in memory, take one estimate at a time
//! through [`Design::core`]; the property tests hold the ways to the same numbers.

use super::MISSING_CODE;
use super::design::Design;
use super::domain::check_codes;
use super::estimate::{Domain, Estimate, Kind, Sums, check_len};
use super::variance::StratumMoments;
use crate::Result;

/// Weights of the rows of one cell (a category in a group, or a whole group).
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    /// `Σ w`
    w: f64,
    /// `Σ w²`
    q: f64,
    rows: usize,
    /// Rows of nonzero weight.
    nonzero: usize,
}

impl Tally {
    #[inline]
    fn add(&mut self, w: f64) {
        self.w += w;
        self.q += w * w;
        self.rows += 1;
        self.nonzero += (w != 0.0) as usize;
    }
}

/// Weights of the rows of one cell about the cell's first weight, so that the spread of the
/// cell's scores is found without cancellation (equal weights have exactly none).
#[derive(Debug, Clone, Copy, Default)]
struct Spread {
    rows: usize,
    nonzero: usize,
    first: f64,
    /// `Σ (w − first)` and `Σ (w − first)²`
    d1: f64,
    d2: f64,
}

impl Spread {
    #[inline]
    fn add(&mut self, w: f64) {
        if self.rows == 0 {
            self.first = w;
        }
        let d = w - self.first;
        self.d1 += d;
        self.d2 += d * d;
        self.rows += 1;
        self.nonzero += (w != 0.0) as usize;
    }

    fn mean(&self) -> f64 {
        self.first + self.d1 / self.rows as f64
    }

    /// `Σ (w − w̄)²`
    fn sum_of_squares(&self) -> f64 {
        (self.d2 - self.d1 * self.d1 / self.rows as f64).max(0.0)
    }
}

/// Whether a stratum holds a row whose score `w·(1[c = k] − p)/W` is not 0, given whether it
/// has rows of nonzero weight in the category and in the others: the strata R's `average`
/// counts, as [`Design::core`] finds them one share at a time.
fn scores_a_row(in_category: bool, in_others: bool, p: f64) -> bool {
    (in_category && p != 1.0) || (in_others && p != 0.0)
}

/// How the shares' variances are made at once (see the module's comment).
enum Route {
    StratumMoments,
    PsuTotals,
}

impl Design {
    /// Share of each category `0..n_categories` of `codes` among the respondents (codes equal
    /// to [`MISSING_CODE`] are left out) in every domain `0..n_domains` of `domains`
    /// ([`MISSING_CODE`]: in no domain), each within the full design as R's `svyby(~factor,
    /// ~domain, svymean)`: `result[domain][category]`. The same numbers as
    /// [`Design::category_shares`] one domain at a time.
    pub fn category_shares_by(
        &self,
        codes: &[u32],
        n_categories: usize,
        domains: &[u32],
        n_domains: usize,
    ) -> Result<Vec<Vec<Estimate>>> {
        check_codes(self, codes, n_categories, "variable")?;
        check_codes(self, domains, n_domains, "domain column")?;
        if n_categories == 0 {
            return Ok(vec![Vec::new(); n_domains]);
        }
        let all = self.shares(codes, n_categories, |i| domains[i], n_domains);
        Ok(all.chunks(n_categories).map(<[Estimate]>::to_vec).collect())
    }

    /// Share of each category `0..n_categories` among respondents who answered (codes equal to
    /// [`MISSING_CODE`] are left out), optionally in a domain.
    pub fn category_shares(
        &self,
        codes: &[u32],
        n_categories: usize,
        domain: Option<Domain<'_>>,
    ) -> Result<Vec<Estimate>> {
        check_codes(self, codes, n_categories, "variable")?;
        Ok(match domain {
            None => self.shares(codes, n_categories, |_| 0, 1),
            Some(d) => {
                check_len(self, d.codes.len(), "domain column")?;
                let group = |i: usize| {
                    if d.codes[i] == d.value {
                        0
                    } else {
                        MISSING_CODE
                    }
                };
                self.shares(codes, n_categories, group, 1)
            }
        })
    }

    /// The shares of every category in every group (`group(i)`: row `i`'s group, or
    /// [`MISSING_CODE`]), group-major, judged with the group's rows. Codes are in range.
    fn shares<G: Fn(usize) -> u32>(
        &self,
        codes: &[u32],
        n_categories: usize,
        group: G,
        n_groups: usize,
    ) -> Vec<Estimate> {
        let k_n = n_categories;
        let n_strata = self.n_strata();
        let fits = |per_cell: usize| {
            (n_groups * k_n).saturating_mul(per_cell) <= 4 * self.len() + (1 << 20)
        };
        let route = if self.replicates.is_some() {
            None
        } else if self.calibration.is_none()
            && self.n_psu() == self.len()
            && fits(n_strata.saturating_mul(k_n))
        {
            Some(Route::StratumMoments)
        } else if fits(self.n_psu()) {
            Some(Route::PsuTotals)
        } else {
            None
        };
        let Some(route) = route else {
            return self.shares_one_at_a_time(codes, n_categories, group, n_groups);
        };
        // Every sum is accumulated over the rows in their order, none by adding up other
        // sums, so that the numbers do not depend on how the categories or strata happen to
        // be coded (the same data read from a file with labels or with codes gives the same
        // digits): weights by (group, category) and by group, the rows of each group (its
        // subset, answered or not), and for stratum moments the spread of the weights by
        // (stratum, group, category).
        let by_stratum = matches!(route, Route::StratumMoments);
        let mut totals = vec![Tally::default(); n_groups * k_n];
        let mut group_totals = vec![Tally::default(); n_groups];
        let mut spreads = vec![
            Spread::default();
            if by_stratum {
                n_strata * n_groups * k_n
            } else {
                0
            }
        ];
        let mut members = vec![0usize; n_groups];
        for (i, w) in self.weights.iter().enumerate() {
            let g = group(i);
            if g == MISSING_CODE {
                continue;
            }
            let g = g as usize;
            members[g] += 1;
            let c = codes[i];
            if c == MISSING_CODE {
                continue;
            }
            let c = c as usize;
            totals[g * k_n + c].add(*w);
            group_totals[g].add(*w);
            if by_stratum {
                let h = self.psu_stratum[self.psu[i] as usize] as usize;
                spreads[(h * n_groups + g) * k_n + c].add(*w);
            }
        }
        let share = |g: usize, k: usize| totals[g * k_n + k].w / group_totals[g].w;

        let variances: Vec<f64> = match route {
            Route::StratumMoments => {
                let mut variances = Vec::with_capacity(n_groups * k_n);
                let mut present = vec![false; n_strata];
                for g in 0..n_groups {
                    let sw = group_totals[g].w;
                    for k in 0..k_n {
                        let p = share(g, k);
                        // A row's score is its weight times this (0 outside the group).
                        let factor = |j: usize| if j == k { (1.0 - p) / sw } else { -p / sw };
                        let mut m = StratumMoments::new(n_strata);
                        m.count = self.n_psu();
                        for h in 0..n_strata {
                            let cells = &spreads[(h * n_groups + g) * k_n..][..k_n];
                            // The stratum's scores come in groups of one factor each (a
                            // category, and the rows with none): the sum of squares about
                            // their mean is the groups' own plus that of the groups' means
                            // about it. Equal scores give none, exactly as `core` finds.
                            let rows_h = self.stratum_psus[h] as f64;
                            let total: f64 = (0..k_n)
                                .filter(|j| cells[*j].rows > 0)
                                .map(|j| factor(j) * cells[j].rows as f64 * cells[j].mean())
                                .sum();
                            let mean = total / rows_h;
                            let scored: usize = cells.iter().map(|c| c.rows).sum();
                            let mut ss = (rows_h - scored as f64) * mean * mean;
                            for (j, cell) in cells.iter().enumerate().filter(|(_, c)| c.rows > 0) {
                                let f = factor(j);
                                let gap = f * cell.mean() - mean;
                                ss += f * f * cell.sum_of_squares() + cell.rows as f64 * gap * gap;
                            }
                            m.centre[h] = mean;
                            m.s1[h] = 0.0;
                            m.s2[h] = ss;
                            m.grand_sum += total;
                            let others = (0..k_n).any(|j| j != k && cells[j].nonzero > 0);
                            present[h] = scores_a_row(cells[k].nonzero > 0, others, p);
                        }
                        variances.push(self.variance_of_moments(&m, Some(&present)));
                    }
                }
                variances
            }
            Route::PsuTotals => {
                let n_psu = self.n_psu();
                let w = &self.weights;
                // Row `i`'s (group, category), if it answered in a group.
                let answer = |i: usize| {
                    let (g, c) = (group(i), codes[i]);
                    (g != MISSING_CODE && c != MISSING_CODE).then_some((g as usize, c as usize))
                };
                let (a, present, track) =
                    self.psu_totals_tracked(n_groups * k_n, |i| match answer(i) {
                        Some((g, c)) => (g * k_n + c, w[i]),
                        None => (0, 0.0),
                    });
                // The PSU totals of the weights of each group's respondents, in a pass of
                // their own rather than added up from the categories' (see above).
                let answered = self.linearised_psu_totals(n_groups, |i| match answer(i) {
                    Some((g, _)) => (g, w[i]),
                    None => (0, 0.0),
                });
                let mut variances = Vec::with_capacity(n_groups * k_n);
                for g in 0..n_groups {
                    let sw = group_totals[g].w;
                    let of = |k: usize| &a[(g * k_n + k) * n_psu..][..n_psu];
                    let answered = &answered[g * n_psu..][..n_psu];
                    // Strata where a category has a row of nonzero weight (`average` only).
                    let weighed = |k: usize, h: usize| present[(g * k_n + k) * n_strata + h];
                    for k in 0..k_n {
                        let p = share(g, k);
                        let t: Vec<f64> = of(k)
                            .iter()
                            .zip(answered)
                            .map(|(a, b)| (a - p * b) / sw)
                            .collect();
                        let share_present: Option<Vec<bool>> = track.then(|| {
                            (0..n_strata)
                                .map(|h| {
                                    let rest = (0..k_n).any(|j| j != k && weighed(j, h));
                                    scores_a_row(weighed(k, h), rest, p)
                                })
                                .collect()
                        });
                        variances.push(self.between_psu_variance(&t, share_present.as_deref()));
                    }
                }
                variances
            }
        };
        let mut out = Vec::with_capacity(n_groups * k_n);
        for g in 0..n_groups {
            let all = &group_totals[g];
            for k in 0..k_n {
                let cell = &totals[g * k_n + k];
                let sums = Sums::of_indicator(all.w, cell.w, all.q, all.rows, all.nonzero);
                let e = self.finish(
                    Kind::Ratio,
                    &sums,
                    share(g, k),
                    variances[g * k_n + k],
                    None,
                );
                out.push(self.judged(e, members[g]));
            }
        }
        out
    }

    /// [`Design::shares`] one estimate at a time through [`Design::core`] (two passes each):
    /// replicate designs, and tables too large to hold.
    fn shares_one_at_a_time<G: Fn(usize) -> u32>(
        &self,
        codes: &[u32],
        n_categories: usize,
        group: G,
        n_groups: usize,
    ) -> Vec<Estimate> {
        let mut members = vec![0usize; n_groups];
        for i in 0..self.len() {
            let g = group(i);
            if g != MISSING_CODE {
                members[g as usize] += 1;
            }
        }
        let mut out = Vec::with_capacity(n_groups * n_categories);
        for g in 0..n_groups as u32 {
            for k in 0..n_categories as u32 {
                let e = self.core(Kind::Ratio, |i| {
                    let c = codes[i];
                    if group(i) != g || c == MISSING_CODE {
                        f64::NAN
                    } else {
                        (c == k) as u8 as f64
                    }
                });
                out.push(self.judged(e, members[g as usize]));
            }
        }
        out
    }
}
