//! What a domain (a subpopulation) changes in an interval, as R does when `svyby` hands
//! `svyciprop` the domain's subset `design[domain == value, ]`: the point estimate and SE are
//! the full design's (domain estimation), but the degrees of freedom are the subset's own
//! `degf()`, and the Korn–Graubard interval counts the subset's rows.
//!
//! - Linearised designs: PSUs holding at least one domain member of nonzero weight, minus the
//!   strata of those PSUs (no clusters: members − 1).
//! - Replicate designs: the numerical rank of the replicate weights restricted to the domain's
//!   rows, minus one.
//! - Rows of the subset: the domain's rows, except on a calibrated linearised design, where R
//!   keeps every row (the others with weight 0).

use super::calibrate::numerical_rank;
use super::design::{Design, Replicates};
use super::estimate::{Domain, Estimate};
use super::{MISSING_CODE, stats_error};
use crate::Result;

impl Design {
    /// Degrees of freedom of the subset of rows where `member` is true (R's `degf()` of
    /// `design[member, ]`).
    pub fn subset_df(&self, member: &[bool]) -> f64 {
        match &self.replicates {
            None => {
                let mut psu_seen = vec![false; self.n_psu()];
                let mut stratum_seen = vec![false; self.n_strata()];
                for ((m, w), p) in member.iter().zip(&self.weights).zip(self.psu.iter()) {
                    if *m && *w != 0.0 {
                        psu_seen[*p as usize] = true;
                        stratum_seen[self.psu_stratum[*p as usize] as usize] = true;
                    }
                }
                let psus = psu_seen.iter().filter(|s| **s).count();
                let strata = stratum_seen.iter().filter(|s| **s).count();
                psus as f64 - strata as f64
            }
            Some(reps) => {
                let rows: Vec<usize> = (0..self.len()).filter(|i| member[*i]).collect();
                let cols: Vec<Vec<f64>> = match reps {
                    Replicates::Explicit(cols) => cols
                        .iter()
                        .map(|c| rows.iter().map(|i| c[*i]).collect())
                        .collect(),
                    // The restricted columns are `w_i · g_r(psu(i))`: their Gram matrix, and so
                    // their rank, is that of the PSU-level columns `√(Σ_p w²) · g_r(p)`, which
                    // costs PSUs × replicates rather than rows × replicates.
                    Replicates::Jackknife => {
                        let mut s = vec![0.0; self.n_psu()];
                        for i in &rows {
                            s[self.psu[*i] as usize] += self.weights[*i] * self.weights[*i];
                        }
                        let root: Vec<f64> = s.iter().map(|x| x.sqrt()).collect();
                        (0..self.n_psu())
                            .map(|r| {
                                let h = self.psu_stratum[r];
                                let nh = self.stratum_psus[h as usize] as f64;
                                (0..self.n_psu())
                                    .map(|p| {
                                        if p == r {
                                            0.0
                                        } else if self.psu_stratum[p] == h {
                                            root[p] * nh / (nh - 1.0)
                                        } else {
                                            root[p]
                                        }
                                    })
                                    .collect()
                            })
                            .collect()
                    }
                };
                numerical_rank(&cols) as f64 - 1.0
            }
        }
    }

    /// Degrees of freedom of a domain's subset (see [`Design::subset_df`]).
    pub fn domain_df(&self, domain: Domain<'_>) -> f64 {
        let member: Vec<bool> = domain.codes.iter().map(|c| *c == domain.value).collect();
        self.subset_df(&member)
    }

    /// Rows R's subset keeps: the members, or every row of a calibrated linearised design.
    pub(crate) fn subset_rows(&self, members: usize) -> usize {
        if self.calibration.is_some() && self.replicates.is_none() {
            self.len()
        } else {
            members
        }
    }

    /// The proportion of 1s of `y` in one domain, ready for any [`super::interval`] as R's
    /// `svyby(~y, ~domain, design, svyciprop)` computes it: estimate and SE from the full
    /// design, degrees of freedom and rows from the domain's subset.
    pub fn domain_proportion(&self, y: &[f64], domain: Domain<'_>) -> Result<Estimate> {
        let e = self.proportion(y, Some(domain))?;
        Ok(self.with_domain_df(e, domain))
    }

    /// Domain proportions of every domain `0..n_domains` (see [`Design::domain_proportion`]);
    /// one pass over the rows for the estimates, one for the domains' degrees of freedom.
    pub fn domain_proportions(
        &self,
        y: &[f64],
        domains: &[u32],
        n_domains: usize,
    ) -> Result<Vec<Estimate>> {
        let all = self.proportion_by(y, domains, n_domains)?;
        let subsets = self.domain_dfs_and_rows(domains, n_domains)?;
        Ok(all
            .into_iter()
            .zip(subsets)
            .map(|(e, (df, rows))| with_df(e, df, rows))
            .collect())
    }

    /// An estimate made in a domain with the subset's df and rows (for intervals).
    pub fn with_domain_df(&self, e: Estimate, domain: Domain<'_>) -> Estimate {
        if domain.value == MISSING_CODE {
            return e;
        }
        let (df, rows) = self.domain_df_and_rows(domain);
        with_df(e, df, rows)
    }

    /// The domain's df and the rows of its subset (see [`Design::with_domain_df`]), to set on
    /// several estimates of one domain at once.
    pub fn domain_df_and_rows(&self, domain: Domain<'_>) -> (f64, usize) {
        let members = domain.codes.iter().filter(|c| **c == domain.value).count();
        (self.domain_df(domain), self.subset_rows(members))
    }

    /// [`Design::domain_df_and_rows`] of every domain `0..n_domains` of `domains`
    /// ([`MISSING_CODE`]: in none); on a linearised design from one pass over the rows.
    pub fn domain_dfs_and_rows(
        &self,
        domains: &[u32],
        n_domains: usize,
    ) -> Result<Vec<(f64, usize)>> {
        check_codes(self, domains, n_domains, "domain column")?;
        let mut members = vec![0usize; n_domains];
        for g in domains {
            if *g != MISSING_CODE {
                members[*g as usize] += 1;
            }
        }
        let n_psu = self.n_psu();
        let n_strata = self.n_strata();
        let each_row_a_psu = n_psu == self.len();
        // Without clusters a domain's PSUs are its members of nonzero weight, counted by
        // stratum; with clusters, the PSUs it reaches are marked.
        let per_domain = if each_row_a_psu { n_strata } else { n_psu };
        let fits = n_domains.saturating_mul(per_domain) <= 4 * self.len() + (1 << 20);
        let dfs: Vec<f64> = if self.replicates.is_some() || !fits {
            (0..n_domains as u32)
                .map(|value| {
                    self.domain_df(Domain {
                        codes: domains,
                        value,
                    })
                })
                .collect()
        } else {
            let mut reached = vec![0usize; n_domains * per_domain];
            for ((g, w), p) in domains.iter().zip(&self.weights).zip(self.psu.iter()) {
                if *g != MISSING_CODE && *w != 0.0 {
                    let key = if each_row_a_psu {
                        self.psu_stratum[*p as usize] as usize
                    } else {
                        *p as usize
                    };
                    reached[*g as usize * per_domain + key] += 1;
                }
            }
            reached
                .chunks(per_domain.max(1))
                .take(n_domains)
                .map(|counts| {
                    if each_row_a_psu {
                        let psus: usize = counts.iter().sum();
                        let strata = counts.iter().filter(|c| **c > 0).count();
                        psus as f64 - strata as f64
                    } else {
                        let mut stratum_seen = vec![false; n_strata];
                        let mut psus = 0usize;
                        for (p, c) in counts.iter().enumerate() {
                            if *c > 0 {
                                psus += 1;
                                stratum_seen[self.psu_stratum[p] as usize] = true;
                            }
                        }
                        psus as f64 - stratum_seen.iter().filter(|s| **s).count() as f64
                    }
                })
                .collect()
        };
        Ok(dfs
            .into_iter()
            .zip(members)
            .map(|(df, m)| (df, self.subset_rows(m)))
            .collect())
    }
}

/// `e` with the given degrees of freedom and subset rows.
pub fn with_df(mut e: Estimate, df: f64, rows: usize) -> Estimate {
    e.df = df;
    e.design_rows = rows;
    e
}

/// Checks a 0/1 or group code column length (shared by the estimators that take codes).
pub(crate) fn check_codes(design: &Design, codes: &[u32], n: usize, what: &str) -> Result<()> {
    if codes.len() != design.len() {
        return Err(stats_error(format!(
            "{what} has {} values but the design has {} rows",
            codes.len(),
            design.len()
        )));
    }
    if let Some(i) = codes
        .iter()
        .position(|c| *c != MISSING_CODE && *c as usize >= n)
    {
        return Err(stats_error(format!(
            "{what}: code out of range in row {}",
            i + 1
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_df_counts_the_domains_psus_and_strata() {
        // Strata 0 (PSUs 0, 1) and 1 (PSUs 2, 3); the domain 1 lives in PSUs 0, 1, 2.
        let d = Design::new(
            vec![1.0; 8],
            Some(&[0, 0, 0, 0, 1, 1, 1, 1]),
            Some(&[0, 0, 1, 1, 2, 2, 3, 3]),
        )
        .unwrap();
        let codes = [1, 0, 1, 0, 1, 0, 0, 0];
        assert_eq!(d.df(), 2.0);
        assert_eq!(
            d.domain_df(Domain {
                codes: &codes,
                value: 1
            }),
            1.0
        );
        // Without clusters: members − 1.
        let srs = Design::new(vec![1.0; 8], None, None).unwrap();
        assert_eq!(
            srs.domain_df(Domain {
                codes: &codes,
                value: 1
            }),
            2.0
        );
        // The jackknife of the same design agrees with the linearised count here.
        let j = d.with_jackknife().unwrap();
        assert_eq!(j.df(), 2.0);
        assert_eq!(
            j.domain_df(Domain {
                codes: &codes,
                value: 0
            }),
            2.0
        );
    }

    #[test]
    fn domain_proportion_keeps_the_full_design_se() {
        let d = Design::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], None, None).unwrap();
        let y = [1.0, 0.0, 1.0, 1.0, 0.0, 0.0];
        let codes = [0, 0, 0, 1, 1, 1];
        let dom = Domain {
            codes: &codes,
            value: 0,
        };
        let a = d.proportion(&y, Some(dom)).unwrap();
        let b = d.domain_proportion(&y, dom).unwrap();
        assert_eq!((a.estimate, a.se), (b.estimate, b.se));
        assert_eq!((a.df, b.df), (5.0, 2.0));
        assert_eq!(b.design_rows, 3);
    }
}
