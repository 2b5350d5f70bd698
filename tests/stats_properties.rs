//! Properties of the estimators that must hold for any data: scaling the weights changes no
//! estimate, raked weights reproduce every margin, trimming keeps the total and the bounds;
//! the extended estimators (totals, quantiles, ratios, the Rao–Scott test, wave change) follow
//! the weights as they must.

use mizan::stats::{Design, Domain, Estimate, LonelyPsu, Margin, RakeControl, TrimBounds};
use proptest::prelude::*;

/// A random sample: weights, stratum (2 strata), PSU (3 per stratum), a 1–5 answer with
/// some missing, and two margin variables with 2 and 3 categories.
#[derive(Debug, Clone)]
struct Sample {
    weights: Vec<f64>,
    strata: Vec<u32>,
    psu: Vec<u32>,
    y: Vec<f64>,
    a: Vec<u32>,
    b: Vec<u32>,
}

fn sample() -> impl Strategy<Value = Sample> {
    (12usize..80).prop_flat_map(|n| {
        (
            prop::collection::vec(0.2f64..20.0, n),
            prop::collection::vec(0u32..6, n),
            prop::collection::vec(prop::option::weighted(0.9, 1u32..6), n),
            prop::collection::vec(0u32..2, n),
            prop::collection::vec(0u32..3, n),
        )
            .prop_map(move |(weights, psu6, y, a, b)| {
                // Every PSU and every margin cell gets at least one row.
                let mut psu6 = psu6;
                let mut a = a;
                let mut b = b;
                for (k, p) in psu6.iter_mut().take(6).enumerate() {
                    *p = k as u32;
                }
                a[0] = 0;
                a[1] = 1;
                b[2] = 0;
                b[3] = 1;
                b[4] = 2;
                Sample {
                    weights,
                    strata: psu6.iter().map(|p| p / 3).collect(),
                    psu: psu6,
                    y: y.into_iter()
                        .map(|v| v.map_or(f64::NAN, f64::from))
                        .collect(),
                    a,
                    b,
                }
            })
    })
}

/// Equal to a relative tolerance, with an absolute floor for quantities that are 0 up to
/// rounding (an SE when a single respondent answered).
fn rel_eq(x: f64, y: f64, tol: f64) -> bool {
    (x - y).abs() <= tol * x.abs().max(y.abs()) + 1e-13
}

fn design(s: &Sample, weights: Vec<f64>) -> Design {
    Design::new(weights, Some(&s.strata), Some(&s.psu)).unwrap()
}

const TARGETS_A: [f64; 2] = [600.0, 400.0];
const TARGETS_B: [f64; 3] = [200.0, 300.0, 500.0];

fn margins(s: &Sample) -> [Margin<'_>; 2] {
    [
        Margin {
            cells: &s.a,
            totals: &TARGETS_A,
            labels: &[],
        },
        Margin {
            cells: &s.b,
            totals: &TARGETS_B,
            labels: &[],
        },
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn scaling_weights_changes_no_estimate(s in sample(), c in 0.001f64..1000.0) {
        let d1 = design(&s, s.weights.clone());
        let d2 = design(&s, s.weights.iter().map(|w| w * c).collect());
        prop_assume!(s.y.iter().any(|v| !v.is_nan()));
        let (e1, e2) = (d1.mean(&s.y, None).unwrap(), d2.mean(&s.y, None).unwrap());
        prop_assert!(rel_eq(e1.estimate, e2.estimate, 1e-12));
        prop_assert!(rel_eq(e1.se, e2.se, 1e-9));
        prop_assert!(rel_eq(e1.deff, e2.deff, 1e-9));
        prop_assert!(rel_eq(e1.n_eff, e2.n_eff, 1e-12));
        let dom = Domain { codes: &s.a, value: 1 };
        // A domain nobody in answered has no estimate (NaN, and its reason) at any scale.
        if let (Ok(e1), Ok(e2)) = (d1.mean(&s.y, Some(dom)), d2.mean(&s.y, Some(dom))) {
            prop_assert_eq!(&e1.unestimable, &e2.unestimable);
            if e1.n > 0 {
                prop_assert!(rel_eq(e1.estimate, e2.estimate, 1e-12));
                prop_assert!(rel_eq(e1.se, e2.se, 1e-9));
            }
        }
        // Jackknife replicates scale with the weights as well.
        let (j1, j2) = (d1.with_jackknife().unwrap(), d2.with_jackknife().unwrap());
        let (e1, e2) = (j1.mean(&s.y, None).unwrap(), j2.mean(&s.y, None).unwrap());
        prop_assert!(rel_eq(e1.se, e2.se, 1e-9));
        // After raking to fixed targets the starting scale does not matter, up to the
        // convergence tolerance (which, as in R, is relative to the starting total).
        let ctl = RakeControl { tolerance: 1e-14, max_iterations: 100_000 };
        let (r1, r2) = match (d1.rake(&margins(&s), ctl), d2.rake(&margins(&s), ctl)) {
            (Ok(r1), Ok(r2)) => (r1, r2),
            (Err(_), Err(_)) => return Ok(()), // margins that the sample cannot meet
            _ => return Err(TestCaseError::fail("raking succeeded at one scale only")),
        };
        let (e1, e2) = (r1.mean(&s.y, None).unwrap(), r2.mean(&s.y, None).unwrap());
        prop_assert!(rel_eq(e1.estimate, e2.estimate, 1e-9), "{} vs {}", e1.estimate, e2.estimate);
        prop_assert!(rel_eq(e1.se, e2.se, 1e-6), "{} vs {}", e1.se, e2.se);
    }

    #[test]
    fn extended_estimators_follow_the_weights(s in sample(), c in 0.001f64..1000.0) {
        prop_assume!(s.y.iter().filter(|v| !v.is_nan()).count() >= 2);
        let d1 = design(&s, s.weights.clone());
        let d2 = design(&s, s.weights.iter().map(|w| w * c).collect());
        // A total scales with the weights, SE too.
        let (t1, t2) = (d1.total(&s.y, None).unwrap(), d2.total(&s.y, None).unwrap());
        prop_assert!(rel_eq(t2.estimate, c * t1.estimate, 1e-12));
        prop_assert!(rel_eq(t2.se, c * t1.se, 1e-9));
        // Quantiles, ratios and the test of independence do not move.
        for p in [0.25, 0.5, 0.9] {
            let (q1, q2) = (d1.quantile(&s.y, p, 0.95).unwrap(), d2.quantile(&s.y, p, 0.95).unwrap());
            prop_assert_eq!(q1.estimate, q2.estimate);
            prop_assert!(q1.estimate.is_nan() || s.y.contains(&q1.estimate));
        }
        let x: Vec<f64> = s.b.iter().map(|b| *b as f64 + 1.0).collect();
        let (r1, r2) = (d1.ratio(&s.y, &x).unwrap(), d2.ratio(&s.y, &x).unwrap());
        prop_assert!(rel_eq(r1.estimate, r2.estimate, 1e-12));
        prop_assert!(rel_eq(r1.se, r2.se, 1e-9));
        if let (Ok(a), Ok(b)) = (d1.rao_scott(&s.a, 2, &s.b, 3), d2.rao_scott(&s.a, 2, &s.b, 3)) {
            prop_assert!(rel_eq(a.pearson, b.pearson, 1e-9));
            prop_assert!(rel_eq(a.f, b.f, 1e-6), "{} vs {}", a.f, b.f);
            prop_assert!(a.p_value.is_nan() || (0.0..=1.0).contains(&a.p_value));
        }
        // Change from a to b is minus the change from b to a, with the same SE.
        if let (Ok(up), Ok(down)) = (
            d1.wave_difference(&s.y, &s.a, 0, 1, 0.95),
            d1.wave_difference(&s.y, &s.a, 1, 0, 0.95),
        ) {
            prop_assert!(rel_eq(up.estimate, -down.estimate, 1e-12));
            prop_assert!(rel_eq(up.se, down.se, 1e-9));
        }
        // A domain's df is at most the design's.
        let dom = Domain { codes: &s.a, value: 1 };
        prop_assert!(d1.domain_df(dom) <= d1.df());
    }

    #[test]
    fn category_shares_at_once_equal_one_share_at_a_time(s in sample()) {
        // A 1–5 answer as category codes, and a domain column with rows in no domain.
        let codes: Vec<u32> = s.y.iter().map(|v| if v.is_nan() { u32::MAX } else { *v as u32 - 1 }).collect();
        let dom: Vec<u32> = s.a.iter().zip(&s.b).map(|(a, b)| if *b == 2 { u32::MAX } else { *a }).collect();
        // Strata without clusters, the first row alone in a stratum of its own.
        let mut strata = s.b.clone();
        strata[0] = 3;
        let mut designs: Vec<(String, Design)> = Vec::new();
        for lonely in [LonelyPsu::Fail, LonelyPsu::Remove, LonelyPsu::Adjust, LonelyPsu::Average] {
            let d = Design::with_lonely_psu(s.weights.clone(), Some(&strata), None, lonely).unwrap();
            designs.push((format!("rows as PSUs, lonely {}", lonely.as_str()), d));
        }
        // Equal weights in strata that are the answers themselves: every score of a stratum
        // is the same, so no variance (the shares of the stratifying question).
        let by_answer: Vec<u32> = codes.iter().map(|c| if *c == u32::MAX { 5 } else { *c }).collect();
        designs.push(("rows as PSUs, strata = answers, equal weights".into(),
            Design::with_lonely_psu(vec![1.0; codes.len()], Some(&by_answer), None, LonelyPsu::Remove).unwrap()));
        let clustered = design(&s, s.weights.clone());
        let unclustered = Design::new(s.weights.clone(), Some(&s.strata), None).unwrap();
        for (name, d) in [("clustered", &clustered), ("rows as PSUs", &unclustered)] {
            if let Ok(raked) = d.rake(&margins(&s), RakeControl::default()) {
                designs.push((format!("{name}, raked"), raked));
            }
        }
        designs.push(("jackknife".into(), clustered.with_jackknife().unwrap()));
        designs.push(("clustered".into(), clustered));
        for (name, d) in &designs {
            let by = d.category_shares_by(&codes, 5, &dom, 2).unwrap();
            let whole = d.category_shares(&codes, 5, None).unwrap();
            let subsets = d.domain_dfs_and_rows(&dom, 2).unwrap();
            for k in 0..5u32 {
                let indicator: Vec<f64> = codes.iter().map(|c| if *c == u32::MAX { f64::NAN } else { (*c == k) as u8 as f64 }).collect();
                let one = d.proportion(&indicator, None).unwrap();
                same_estimate(&whole[k as usize], &one).map_err(|e| TestCaseError::fail(format!("{name}, whole sample, category {k}: {e}")))?;
                for g in 0..2u32 {
                    let domain = Domain { codes: &dom, value: g };
                    let one = d.proportion(&indicator, Some(domain)).unwrap();
                    let at = format!("{name}, domain {g}, category {k}");
                    same_estimate(&by[g as usize][k as usize], &one).map_err(|e| TestCaseError::fail(format!("{at}: {e}")))?;
                    let single = &d.category_shares(&codes, 5, Some(domain)).unwrap()[k as usize];
                    same_estimate(single, &one).map_err(|e| TestCaseError::fail(format!("{at}, one domain: {e}")))?;
                    prop_assert_eq!(subsets[g as usize], d.domain_df_and_rows(domain), "{}", at);
                }
            }
        }
    }

    #[test]
    fn raked_weights_reproduce_every_margin(s in sample()) {
        // Raking either meets every margin or says it cannot.
        let Ok(d) = design(&s, s.weights.clone()).rake(&margins(&s), RakeControl::default()) else {
            return Ok(());
        };
        let total: f64 = d.weights().iter().sum();
        for (cells, targets) in [(&s.a, &TARGETS_A[..]), (&s.b, &TARGETS_B[..])] {
            for (k, t) in targets.iter().enumerate() {
                let got: f64 = d.weights().iter().zip(cells.iter()).filter(|(_, c)| **c as usize == k).map(|(w, _)| w).sum();
                // Converged within 1e-10 of the total weight on the joint table.
                prop_assert!((got - t).abs() <= 1e-8 * total, "cell {k}: {got} vs {t}");
            }
        }
        // The variance of a raked total weight is essentially zero.
        let tw = d.total_weights(None).unwrap();
        prop_assert!(tw.se <= 1e-6 * tw.estimate, "se of raked total {}", tw.se);
    }

    #[test]
    fn trimming_keeps_the_total_and_the_bounds(s in sample(), lower in 0.2f64..0.9, upper in 1.1f64..3.0) {
        let d = design(&s, s.weights.clone());
        let before: f64 = d.weights().iter().sum();
        let mean = before / d.len() as f64;
        // With no weight inside the bounds there is nobody to hand the trimmed excess to: R's
        // trimWeights divides by zero there, and Mizan refuses (tested below).
        prop_assume!(d.weights().iter().any(|w| *w >= lower * mean && *w <= upper * mean));
        let t = d.trim(TrimBounds { lower_rel: lower, upper_rel: upper, strict: true }).unwrap();
        let after: f64 = t.weights().iter().sum();
        prop_assert!(rel_eq(after, before, 1e-12), "{after} vs {before}");
        for w in t.weights() {
            prop_assert!(*w >= lower * mean * (1.0 - 1e-12) && *w <= upper * mean * (1.0 + 1e-12), "{w} outside");
        }
    }
}

#[test]
fn a_category_that_everyone_in_a_domain_chose_has_no_spread_at_once_either() {
    // Domain 1 (weights 1.1 and 5.3) answered only category 0; 6.4 - 6.4²/6.4 is not 0 in
    // floating point, so sums about 0 would give a design effect of -0 instead of none
    // (the case the property test found).
    let d = Design::new(vec![0.7, 1.1, 2.9, 5.3, 3.3], None, None).unwrap();
    let codes = [1, 0, 2, 0, 0];
    let dom = [0, 1, 0, 1, 0];
    let at_once = &d.category_shares_by(&codes, 3, &dom, 2).unwrap()[1][0];
    let indicator: Vec<f64> = codes.iter().map(|c| (*c == 0) as u8 as f64).collect();
    let one = d
        .proportion(
            &indicator,
            Some(Domain {
                codes: &dom,
                value: 1,
            }),
        )
        .unwrap();
    assert_eq!(at_once.estimate, 1.0);
    assert!(at_once.deff.is_nan(), "{at_once:?}");
    same_estimate(at_once, &one).unwrap();
}

#[test]
fn shares_of_the_stratifying_question_have_no_variance_at_once_either() {
    // Each stratum answered one category with equal weights: every score in a stratum is the
    // same, so the shares have no variance (sums of squared scores less the square of their
    // sum left some 1e-9 of SE here).
    let d = Design::new(vec![1.0; 6], Some(&[0, 0, 1, 1, 1, 1]), None).unwrap();
    let codes = [0, 0, 1, 1, 1, 1];
    let shares = d.category_shares(&codes, 2, None).unwrap();
    for (k, e) in shares.iter().enumerate() {
        let indicator: Vec<f64> = codes
            .iter()
            .map(|c| (*c == k as u32) as u8 as f64)
            .collect();
        let one = d.proportion(&indicator, None).unwrap();
        assert_eq!(
            e.unestimable,
            Some(mizan::stats::Unestimable::NoVariation),
            "{e:?}"
        );
        same_estimate(e, &one).unwrap();
    }
}

/// The same estimate up to rounding (NaN equal to NaN), with the same reason if any.
fn same_estimate(a: &Estimate, b: &Estimate) -> Result<(), String> {
    let close = |x: f64, y: f64| (x.is_nan() && y.is_nan()) || rel_eq(x, y, 1e-10);
    let numbers = [
        ("estimate", a.estimate, b.estimate),
        ("se", a.se, b.se),
        ("deff", a.deff, b.deff),
        ("n_eff", a.n_eff, b.n_eff),
        ("sum_weights", a.sum_weights, b.sum_weights),
        ("df", a.df, b.df),
    ];
    for (what, x, y) in numbers {
        if !close(x, y) {
            return Err(format!("{what} {x} vs {y}"));
        }
    }
    if (a.n, a.design_rows, &a.unestimable) != (b.n, b.design_rows, &b.unestimable) {
        return Err(format!("{a:?} vs {b:?}"));
    }
    match (a.replicate_logit_se, b.replicate_logit_se) {
        (Some(x), Some(y)) if close(x, y) => Ok(()),
        (None, None) => Ok(()),
        (x, y) => Err(format!("replicate logit SE {x:?} vs {y:?}")),
    }
}

#[test]
fn trimming_with_no_weight_inside_the_bounds_is_refused() {
    // Eleven weights of 0.2 and one of 19.18: the mean is 1.78, and [0.2, 1.1] × mean holds
    // none of them (the case proptest found).
    let mut weights = vec![0.2; 11];
    weights.push(19.18226423695869);
    let d = mizan::stats::Design::new(weights, None, None).unwrap();
    let err = d
        .trim(TrimBounds {
            lower_rel: 0.2,
            upper_rel: 1.1,
            strict: true,
        })
        .unwrap_err();
    assert!(
        err.to_string().contains("outside the trimming bounds"),
        "{err}"
    );
}
