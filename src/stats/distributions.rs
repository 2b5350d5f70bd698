//! Quantiles needed for intervals (t, normal, beta, F), found by bisection on the CDFs of
//! `statrs` to full double precision: interval bounds must match R to 1e-6 relative, and the
//! library's own inverse CDFs are neither that exact everywhere nor panic-free.

use statrs::function::{beta::beta_reg, gamma::gamma_ur};

/// Standard normal CDF (through the upper incomplete gamma function: `P(Z² > x²)`, which is
/// more exact in the tails than the library's `erfc`).
pub fn normal_cdf(x: f64) -> f64 {
    if x == 0.0 {
        return 0.5;
    }
    let tail = 0.5 * gamma_ur(0.5, x * x / 2.0);
    if x < 0.0 { tail } else { 1.0 - tail }
}

/// Lower-tail Student t CDF with `df` degrees of freedom (`df` infinite = normal).
pub fn t_cdf(x: f64, df: f64) -> f64 {
    if df.is_infinite() {
        return normal_cdf(x);
    }
    let tail = 0.5 * beta_reg(df / 2.0, 0.5, df / (df + x * x));
    if x <= 0.0 { tail } else { 1.0 - tail }
}

/// Smallest-interval bisection for an increasing function on `[lo, hi]`.
fn bisect(f: impl Fn(f64) -> f64, target: f64, mut lo: f64, mut hi: f64) -> f64 {
    for _ in 0..300 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if f(mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Quantile of a symmetric distribution from its lower-tail CDF (computed in the lower tail
/// for accuracy).
fn symmetric_quantile(cdf: impl Fn(f64) -> f64, p: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) || p.is_nan() {
        return f64::NAN;
    }
    if p == 0.5 {
        return 0.0;
    }
    let lower = p.min(1.0 - p);
    let mut lo = -1.0;
    while cdf(lo) > lower {
        lo *= 2.0;
        if lo < -1e300 {
            return if p < 0.5 {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            };
        }
    }
    let q = bisect(&cdf, lower, lo, 0.0);
    if p < 0.5 { q } else { -q }
}

/// Quantile of Student's t (`df` infinite = normal).
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    symmetric_quantile(|x| t_cdf(x, df), p)
}

/// Quantile of the standard normal.
pub fn normal_quantile(p: f64) -> f64 {
    symmetric_quantile(normal_cdf, p)
}

/// Quantile of the Beta(a, b) distribution.
pub fn beta_quantile(p: f64, a: f64, b: f64) -> f64 {
    if !(a > 0.0 && b > 0.0 && (0.0..=1.0).contains(&p)) {
        return f64::NAN;
    }
    if p == 0.0 {
        return 0.0;
    }
    if p == 1.0 {
        return 1.0;
    }
    bisect(|x| beta_reg(a, b, x), p, 0.0, 1.0)
}

/// Quantile of F(1, df2): the square of the t quantile at `(1+p)/2`.
pub fn f1_quantile(p: f64, df2: f64) -> f64 {
    let t = t_quantile((1.0 + p) / 2.0, df2);
    t * t
}

/// Upper tail `P(F > x)` of the F distribution with (possibly fractional) `d1`, `d2` degrees
/// of freedom (R's `pf(x, d1, d2, lower.tail = FALSE)`).
pub fn f_upper_tail(x: f64, d1: f64, d2: f64) -> f64 {
    if !(d1 > 0.0 && d2 > 0.0) || x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    if x.is_infinite() {
        return 0.0;
    }
    beta_reg(d2 / 2.0, d1 / 2.0, d2 / (d2 + d1 * x))
}

/// Upper tail `P(χ²_k > x)` (R's `pchisq(x, k, lower.tail = FALSE)`).
pub fn chisq_upper_tail(x: f64, k: f64) -> f64 {
    if !(k > 0.0) || x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    if x.is_infinite() {
        return 0.0;
    }
    gamma_ur(k / 2.0, x / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_quantiles() {
        let z = normal_quantile(0.975);
        assert!((z - 1.959963984540054).abs() < 1e-12, "{z}");
        // qt(0.975, 37) in R
        assert!((t_quantile(0.975, 37.0) - 2.026192463029109).abs() < 1e-12);
        assert!((t_quantile(0.025, 10.0) + 2.228138851986274).abs() < 1e-12);
        // Beta(2, 3) has the CDF 6x² − 8x³ + 3x⁴.
        let q = beta_quantile(0.3, 2.0, 3.0);
        assert!((6.0 * q * q - 8.0 * q.powi(3) + 3.0 * q.powi(4) - 0.3).abs() < 1e-14);
        // F(2, d2) has the upper tail (1 + 2x/d2)^(-d2/2); χ²₂ has exp(-x/2).
        assert!((f_upper_tail(1.5, 2.0, 7.0) - (1.0f64 + 3.0 / 7.0).powf(-3.5)).abs() < 1e-14);
        assert!((chisq_upper_tail(3.0, 2.0) - (-1.5f64).exp()).abs() < 1e-14);
    }
}
