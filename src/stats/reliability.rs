//! Whether an estimate may be published: small cells can identify people (suppressed) and
//! imprecise estimates must be marked (low reliability).

use super::estimate::Estimate;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    Ok,
    /// Effective n below the threshold, or relative SE above it.
    LowReliability,
    /// Fewer respondents than the minimum: do not show the number.
    Suppressed,
}

impl Flag {
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Ok => "ok",
            Flag::LowReliability => "low_reliability",
            Flag::Suppressed => "suppressed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReliabilityRules {
    /// Suppress below this unweighted n.
    pub min_n: usize,
    /// Low reliability below this Kish effective n.
    pub min_n_eff: f64,
    /// Low reliability above this relative SE (SE / |estimate|).
    pub max_relative_se: f64,
}

impl Default for ReliabilityRules {
    fn default() -> Self {
        ReliabilityRules {
            min_n: 10,
            min_n_eff: 30.0,
            max_relative_se: 0.3,
        }
    }
}

impl ReliabilityRules {
    pub fn flag(&self, e: &Estimate) -> Flag {
        if e.n < self.min_n {
            Flag::Suppressed
        } else if e.n_eff < self.min_n_eff
            || e.relative_se().is_nan()
            || e.relative_se() > self.max_relative_se
        {
            Flag::LowReliability
        } else {
            Flag::Ok
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn est(n: usize, n_eff: f64, estimate: f64, se: f64) -> Estimate {
        Estimate {
            estimate,
            se,
            df: 10.0,
            deff: 1.0,
            n,
            n_eff,
            sum_weights: n as f64,
            design_rows: 100,
            replicate_logit_se: None,
            unestimable: None,
        }
    }

    #[test]
    fn flags_follow_the_thresholds() {
        let r = ReliabilityRules::default();
        assert_eq!(r.flag(&est(5, 5.0, 0.5, 0.01)), Flag::Suppressed);
        assert_eq!(r.flag(&est(40, 20.0, 0.5, 0.01)), Flag::LowReliability);
        assert_eq!(r.flag(&est(40, 35.0, 0.1, 0.05)), Flag::LowReliability);
        assert_eq!(r.flag(&est(40, 35.0, 0.5, 0.05)), Flag::Ok);
        assert_eq!(r.flag(&est(40, 35.0, 0.0, 0.0)), Flag::LowReliability);
    }
}
