//! Why an estimate, or its standard error, cannot be computed: a typed reason instead of an
//! error, so that one empty cell does not take the whole table down and every row can say
//! what is missing.

/// What stops an estimate (or its variance). `S` names a stratum: the code given to
/// [`super::Design::new`] here, a label once the caller has mapped it ([`Unestimable::map_strata`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unestimable<S = u32> {
    /// The domain has no rows at all: no estimate.
    EmptyDomain,
    /// Nobody (in the domain) answered: no estimate.
    NoAnswers,
    /// One respondent: the estimate is that answer; there is no variance to speak of.
    OneRespondent,
    /// A stratum with a single PSU (with-replacement variance needs two; R's
    /// `survey.lonely.psu = "fail"`): the estimate stands, its SE and interval do not.
    /// `strata` is empty when the design has no strata (then the whole design is one PSU).
    SinglePsu { strata: Vec<S> },
    /// Every answer the same (SE 0): the estimate stands, the interval is degenerate.
    NoVariation,
}

impl<S> Unestimable<S> {
    /// A stable code for files: `no_answers`, `single_psu`…
    pub fn code(&self) -> &'static str {
        match self {
            Unestimable::EmptyDomain => "empty_domain",
            Unestimable::NoAnswers => "no_answers",
            Unestimable::OneRespondent => "one_respondent",
            Unestimable::SinglePsu { .. } => "single_psu",
            Unestimable::NoVariation => "no_variation",
        }
    }

    /// True when there is no point estimate at all.
    pub fn no_estimate(&self) -> bool {
        matches!(self, Unestimable::EmptyDomain | Unestimable::NoAnswers)
    }

    /// True when the standard error (and so the interval) is unknown.
    pub fn no_variance(&self) -> bool {
        matches!(
            self,
            Unestimable::EmptyDomain | Unestimable::NoAnswers | Unestimable::SinglePsu { .. }
        )
    }

    pub fn map_strata<T>(self, f: impl Fn(S) -> T) -> Unestimable<T> {
        match self {
            Unestimable::EmptyDomain => Unestimable::EmptyDomain,
            Unestimable::NoAnswers => Unestimable::NoAnswers,
            Unestimable::OneRespondent => Unestimable::OneRespondent,
            Unestimable::SinglePsu { strata } => Unestimable::SinglePsu {
                strata: strata.into_iter().map(f).collect(),
            },
            Unestimable::NoVariation => Unestimable::NoVariation,
        }
    }
}
