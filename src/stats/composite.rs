//! Composite indices: the mean of several Likert items, each rescaled to 0–100, for
//! respondents who answered at least a minimum number of them (e.g. "perceived security").
//! The result is an ordinary numeric column, estimated like any mean.

use super::stats_error;
use crate::Result;

/// One item of an index with its scale ends (e.g. 1 and 5; reversed items have `low > high`).
#[derive(Debug, Clone, Copy)]
pub struct Item<'a> {
    pub values: &'a [f64],
    pub low: f64,
    pub high: f64,
}

/// Row-wise index: mean of `100·(v - low)/(high - low)` over the answered items (NaN =
/// missing), NaN when fewer than `min_answered` items are answered.
pub fn likert_index(items: &[Item<'_>], min_answered: usize) -> Result<Vec<f64>> {
    let Some(first) = items.first() else {
        return Err(stats_error("an index needs at least one item"));
    };
    if min_answered == 0 || min_answered > items.len() {
        return Err(stats_error(format!(
            "minimum answered items must be between 1 and {}",
            items.len()
        )));
    }
    let n = first.values.len();
    for it in items {
        if it.values.len() != n {
            return Err(stats_error("index items have different lengths"));
        }
        if it.low == it.high || !it.low.is_finite() || !it.high.is_finite() {
            return Err(stats_error(
                "an index item needs two different, finite scale ends",
            ));
        }
    }
    Ok((0..n)
        .map(|i| {
            let (mut sum, mut k) = (0.0, 0usize);
            for it in items {
                let v = it.values[i];
                if !v.is_nan() {
                    sum += 100.0 * (v - it.low) / (it.high - it.low);
                    k += 1;
                }
            }
            if k >= min_answered {
                sum / k as f64
            } else {
                f64::NAN
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rescales_and_requires_minimum_answers() {
        let a = [1.0, 5.0, f64::NAN];
        let b = [3.0, f64::NAN, f64::NAN];
        let items = [
            Item {
                values: &a,
                low: 1.0,
                high: 5.0,
            },
            Item {
                values: &b,
                low: 1.0,
                high: 5.0,
            },
        ];
        let idx = likert_index(&items, 1).unwrap();
        assert_eq!(idx[0], 25.0);
        assert_eq!(idx[1], 100.0);
        assert!(idx[2].is_nan());
        let strict = likert_index(&items, 2).unwrap();
        assert!(strict[1].is_nan());
    }
}
