//! Confidence intervals, a separate step after estimation so that one estimate can be shown
//! with any method. Methods follow R's `confint(svymean)` (t with the design's df) and
//! `svyciprop` for proportions.

use super::distributions::{beta_quantile, f1_quantile, normal_cdf, normal_quantile, t_quantile};
use super::estimate::Estimate;
use super::stats_error;
use crate::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntervalMethod {
    /// Estimate ± t(df)·SE (means; R's `confint` with `df = degf(design)`).
    T,
    /// Wald interval on the logit scale, back-transformed (`svyciprop(method = "logit")`).
    Logit,
    /// Same interval through `svycontrast` (`method = "xlogit"`).
    Xlogit,
    /// Wald interval on `asin(√p)` (`method = "asin"`).
    Asin,
    /// Korn–Graubard beta interval with an effective n (`method = "beta"`).
    Beta,
    /// Wald interval with t (`method = "mean"`).
    Mean,
    /// Profile likelihood of a quasi-binomial fit, Rao–Scott scaled (`method = "likelihood"`);
    /// needs the data, see [`super::Design::likelihood_interval`].
    Likelihood,
}

impl IntervalMethod {
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "t" => Self::T,
            "logit" => Self::Logit,
            "xlogit" => Self::Xlogit,
            "asin" => Self::Asin,
            "beta" => Self::Beta,
            "mean" | "wald" => Self::Mean,
            "likelihood" => Self::Likelihood,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::T => "t",
            Self::Logit => "logit",
            Self::Xlogit => "xlogit",
            Self::Asin => "asin",
            Self::Beta => "beta",
            Self::Mean => "mean",
            Self::Likelihood => "likelihood",
        }
    }
}

fn expit(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The interval for `est` at `level` (e.g. 0.95). Proportion methods need an estimate in
/// [0, 1]; at exactly 0 or 1 the logit and asin methods give a degenerate interval.
pub fn interval(est: &Estimate, method: IntervalMethod, level: f64) -> Result<(f64, f64)> {
    if !(level > 0.0 && level < 1.0) {
        return Err(stats_error(format!(
            "confidence level {level} must be between 0 and 1"
        )));
    }
    let p = est.estimate;
    let se = est.se;
    let df = est.df;
    let t = t_quantile(1.0 - (1.0 - level) / 2.0, df);
    let is_proportion = (0.0..=1.0).contains(&p);
    if method != IntervalMethod::T && method != IntervalMethod::Mean && !is_proportion {
        return Err(stats_error(format!(
            "the {} interval is for proportions, but the estimate is {p}",
            method.name()
        )));
    }
    Ok(match method {
        IntervalMethod::T | IntervalMethod::Mean => (p - t * se, p + t * se),
        IntervalMethod::Logit | IntervalMethod::Xlogit => {
            let l = (p / (1.0 - p)).ln();
            let logit_se = match (method, est.replicate_logit_se) {
                (IntervalMethod::Logit, Some(s)) => s,
                _ => se / (p * (1.0 - p)),
            };
            let half = t * logit_se;
            (expit(l - half), expit(l + half))
        }
        IntervalMethod::Asin => {
            let a = p.sqrt().asin();
            let half = t * se / (2.0 * (p * (1.0 - p)).sqrt());
            let clamp = |x: f64| x.clamp(0.0, std::f64::consts::FRAC_PI_2);
            (clamp(a - half).sin().powi(2), clamp(a + half).sin().powi(2))
        }
        IntervalMethod::Beta => {
            let alpha = 1.0 - level;
            let rows = est.design_rows as f64;
            let ratio = t_quantile(alpha / 2.0, rows - 1.0) / t_quantile(alpha / 2.0, df);
            let n_eff = p * (1.0 - p) / (se * se) * ratio * ratio;
            let lo = if p == 0.0 {
                0.0
            } else {
                beta_quantile(alpha / 2.0, n_eff * p, n_eff * (1.0 - p) + 1.0)
            };
            let hi = if p == 1.0 {
                1.0
            } else {
                beta_quantile(1.0 - alpha / 2.0, n_eff * p + 1.0, n_eff * (1.0 - p))
            };
            (lo, hi)
        }
        IntervalMethod::Likelihood => {
            return Err(stats_error(
                "the likelihood interval needs the data: use Design::likelihood_interval",
            ));
        }
    })
}

impl super::Design {
    /// R's `svyciprop(method = "likelihood")` for a 0/1 variable `y` (NaN = missing) on a
    /// linearised design: the profile likelihood of the quasi-binomial intercept-only
    /// `svyglm`, at a level adjusted by the design effect (`confint.svyglm`), profiled and
    /// interpolated exactly as R's `profile.glm`/`confint.profile.glm` do (steps of a fifth of
    /// the cut-off in SEs, an FMM spline on three times as many points, linear interpolation).
    pub fn likelihood_interval(
        &self,
        y: &[f64],
        domain: Option<super::Domain<'_>>,
        level: f64,
    ) -> Result<(f64, f64)> {
        if domain.is_some() || self.has_replicates() {
            return Err(stats_error(
                "the likelihood interval is available for whole-sample proportions on linearised designs; use logit or beta",
            ));
        }
        if !(level > 0.0 && level < 1.0) {
            return Err(stats_error(format!(
                "confidence level {level} must be between 0 and 1"
            )));
        }
        let e = self.proportion(y, None)?;
        let p = e.estimate;
        if p <= 0.0 || p >= 1.0 {
            return Err(stats_error(
                "the likelihood interval needs a proportion strictly between 0 and 1",
            ));
        }
        let w = self.weights();
        let mean_w = w.iter().sum::<f64>() / w.len() as f64;
        let (mut s1, mut s0) = (0.0, 0.0);
        for (wi, yi) in w.iter().zip(y) {
            if !yi.is_nan() {
                s1 += wi / mean_w * yi;
                s0 += wi / mean_w * (1.0 - yi);
            }
        }
        // R fits the quasi-binomial model by IRLS (glm.fit) and its model-based variance comes
        // from the working weights of the last iteration; reproduce both.
        let (b0, last_info) = intercept_only_logistic(w, y, mean_w);
        let mu0 = expit(b0);
        let se_logit = e.se / (p * (1.0 - p));
        let lambda = se_logit * se_logit * last_info;
        // confint.svyglm: the level the ordinary profile must reach.
        let a = normal_cdf(t_quantile((1.0 - level) / 2.0, e.df) * lambda.sqrt());
        let alpha = a / 2.0; // (1 - level')/4
        let n = e.n as f64;
        let zmax = f1_quantile(1.0 - alpha, n - 1.0).sqrt();
        // Dispersion: design-weighted variance of the Pearson residuals (summary.svyglm).
        let sd = (mu0 * (1.0 - mu0)).sqrt();
        let (mut sw, mut swr) = (0.0, 0.0);
        for (wi, yi) in w.iter().zip(y) {
            if !yi.is_nan() {
                sw += wi;
                swr += wi * (yi - mu0) / sd;
            }
        }
        let rbar = swr / sw;
        let mut ss = 0.0;
        for (wi, yi) in w.iter().zip(y) {
            if !yi.is_nan() {
                let r = (yi - mu0) / sd - rbar;
                ss += wi * r * r;
            }
        }
        let dispersion = ss / sw * n / (n - 1.0);
        let deviance = |mu: f64| -2.0 * (s1 * mu.ln() + s0 * (1.0 - mu).ln());
        let dev0 = deviance(mu0);
        let del = zmax / 5.0;
        let mut points: Vec<(f64, f64)> = vec![(0.0, b0)];
        for sgn in [-1.0, 1.0] {
            let mut z: f64 = 0.0;
            let mut step = 0;
            loop {
                step += 1;
                if !(step < 10 && z.abs() < zmax) {
                    break;
                }
                let bi = b0 + sgn * step as f64 * del * se_logit;
                let zz = ((deviance(expit(bi)) - dev0) / dispersion).max(0.0);
                z = sgn * zz.sqrt();
                points.push((z, bi));
            }
        }
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        let xs: Vec<f64> = points.iter().map(|p| p.1).collect();
        let zs: Vec<f64> = points.iter().map(|p| p.0).collect();
        let (grid_x, grid_z) = fmm_spline_grid(&xs, &zs, 3 * xs.len());
        let cutoff = normal_quantile(a);
        let lo = linear_interpolate(&grid_z, &grid_x, cutoff);
        let hi = linear_interpolate(&grid_z, &grid_x, -cutoff);
        if lo.is_nan() || hi.is_nan() {
            return Err(stats_error(
                "the profile likelihood did not reach the interval bounds",
            ));
        }
        Ok((expit(lo), expit(hi)))
    }
}

/// R's `glm.fit` for `y ~ 1`, binomial logit, prior weights `w/mean_w`: returns the intercept
/// at R's convergence (relative deviance change below 1e-8) and `Σ W μ(1-μ)` at the start of
/// the last iteration (the inverse of R's unscaled model-based variance).
fn intercept_only_logistic(w: &[f64], y: &[f64], mean_w: f64) -> (f64, f64) {
    let rows: Vec<(f64, f64)> = w
        .iter()
        .zip(y)
        .filter(|(_, yi)| !yi.is_nan())
        .map(|(wi, yi)| (wi / mean_w, *yi))
        .collect();
    let deviance = |mu: &dyn Fn(usize) -> f64| -> f64 {
        rows.iter()
            .enumerate()
            .map(|(i, (wi, yi))| {
                let m = mu(i);
                -2.0 * wi * if *yi == 1.0 { m.ln() } else { (1.0 - m).ln() }
            })
            .sum()
    };
    // Start: mustart = (W y + 0.5)/(W + 1), row by row.
    let start: Vec<f64> = rows
        .iter()
        .map(|(wi, yi)| (wi * yi + 0.5) / (wi + 1.0))
        .collect();
    let mut eta: Vec<f64> = start.iter().map(|m| (m / (1.0 - m)).ln()).collect();
    let mut dev_old = deviance(&|i| expit(eta[i]));
    let mut beta = 0.0;
    let mut info = 0.0;
    for _ in 0..25 {
        let (mut swz, mut sw) = (0.0, 0.0);
        for (i, (wi, yi)) in rows.iter().enumerate() {
            let mu = expit(eta[i]);
            let v = mu * (1.0 - mu);
            let z = eta[i] + (yi - mu) / v;
            swz += wi * v * z;
            sw += wi * v;
        }
        beta = swz / sw;
        info = sw;
        eta.iter_mut().for_each(|e| *e = beta);
        let mu = expit(beta);
        let dev = deviance(&|_| mu);
        if (dev - dev_old).abs() / (dev.abs() + 0.1) < 1e-8 {
            break;
        }
        dev_old = dev;
    }
    (beta, info)
}

/// R's `spline(x, y, n, method = "fmm")`: the Forsythe–Malcolm–Moler cubic spline through the
/// points (x increasing), evaluated on `n` equally spaced x from the first to the last.
fn fmm_spline_grid(x: &[f64], y: &[f64], n_out: usize) -> (Vec<f64>, Vec<f64>) {
    let n = x.len();
    let (mut b, mut c, mut d) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    if n < 3 {
        let t = (y[1] - y[0]) / (x[1] - x[0]);
        b[0] = t;
        b[1] = t;
    } else {
        let nm1 = n - 1;
        d[0] = x[1] - x[0];
        c[1] = (y[1] - y[0]) / d[0];
        for i in 1..nm1 {
            d[i] = x[i + 1] - x[i];
            b[i] = 2.0 * (d[i - 1] + d[i]);
            c[i + 1] = (y[i + 1] - y[i]) / d[i];
            c[i] = c[i + 1] - c[i];
        }
        b[0] = -d[0];
        b[nm1] = -d[n - 2];
        c[0] = 0.0;
        c[nm1] = 0.0;
        if n > 3 {
            c[0] = c[2] / (x[3] - x[1]) - c[1] / (x[2] - x[0]);
            c[nm1] = c[n - 2] / (x[nm1] - x[n - 3]) - c[n - 3] / (x[n - 2] - x[n - 4]);
            c[0] = c[0] * d[0] * d[0] / (x[3] - x[0]);
            c[nm1] = -c[nm1] * d[n - 2] * d[n - 2] / (x[nm1] - x[n - 4]);
        }
        for i in 1..n {
            let t = d[i - 1] / b[i - 1];
            b[i] -= t * d[i - 1];
            c[i] -= t * c[i - 1];
        }
        c[nm1] /= b[nm1];
        for i in (0..nm1).rev() {
            c[i] = (c[i] - d[i] * c[i + 1]) / b[i];
        }
        b[nm1] = (y[nm1] - y[n - 2]) / d[n - 2] + d[n - 2] * (c[n - 2] + 2.0 * c[nm1]);
        for i in 0..nm1 {
            b[i] = (y[i + 1] - y[i]) / d[i] - d[i] * (c[i + 1] + 2.0 * c[i]);
            d[i] = (c[i + 1] - c[i]) / d[i];
            c[i] *= 3.0;
        }
        c[nm1] *= 3.0;
        d[nm1] = d[n - 2];
    }
    let (from, to) = (x[0], x[n - 1]);
    let by = (to - from) / (n_out - 1) as f64;
    let grid: Vec<f64> = (0..n_out)
        .map(|i| {
            if i == n_out - 1 {
                to
            } else {
                from + i as f64 * by
            }
        })
        .collect();
    let mut i = 0usize;
    let values = grid
        .iter()
        .map(|&u| {
            if u < x[i] || (i < n - 1 && x[i + 1] < u) {
                i = 0;
                let mut j = n;
                loop {
                    let k = (i + j) / 2;
                    if u < x[k] {
                        j = k;
                    } else {
                        i = k;
                    }
                    if j <= i + 1 {
                        break;
                    }
                }
            }
            let dx = u - x[i];
            y[i] + dx * (b[i] + dx * (c[i] + dx * d[i]))
        })
        .collect();
    (grid, values)
}

/// R's `approx(x, y, xout = v)$y` for increasing `x` (NaN outside the range).
fn linear_interpolate(x: &[f64], y: &[f64], v: f64) -> f64 {
    let n = x.len();
    if n == 0 || v < x[0] || v > x[n - 1] {
        return f64::NAN;
    }
    let (mut i, mut j) = (0usize, n - 1);
    while i + 1 < j {
        let ij = (i + j) / 2;
        if v < x[ij] {
            j = ij;
        } else {
            i = ij;
        }
    }
    if v == x[j] {
        return y[j];
    }
    if v == x[i] {
        return y[i];
    }
    y[i] + (y[j] - y[i]) * ((v - x[i]) / (x[j] - x[i]))
}
