//! Every case of the R reference set (tests/data/stats-reference, or the folder named by
//! `MIZAN_STATS_REFERENCE`): build the stated design through the same code `mizan estimate`
//! uses, estimate, and compare with R's `survey` package — estimates to 1e-9 relative, SE,
//! interval bounds, df and deff to 1e-6 relative.
//! Any case not matched fails the test (revision 2 of the set holds R's number for every case).

use mizan::analysis::design_file::{
    CalibrationSpec, DesignFile, DesignSpec, MarginSpec, OneOrMany, TrimSpec,
};
use mizan::analysis::table::Table;
use mizan::stats::{Design, Domain, Estimate, IntervalMethod, interval};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const ESTIMATE_TOL: f64 = 1e-9;
const SECOND_ORDER_TOL: f64 = 1e-6;

fn reference_dir() -> PathBuf {
    match std::env::var_os("MIZAN_STATS_REFERENCE") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/stats-reference"),
    }
}

/// The design file equivalent to a case's `design` object.
fn design_file(design: &Value) -> Result<DesignFile, String> {
    let s = |k: &str| design.get(k).and_then(Value::as_str).map(str::to_string);
    let mut file = DesignFile {
        design: DesignSpec {
            weights: s("weights"),
            strata: s("strata"),
            cluster: s("ids").filter(|ids| ids != "1"),
            replicates: s("replicates"),
            ..Default::default()
        },
        ..Default::default()
    };
    let strings = |v: Option<&Value>| -> Vec<String> {
        match v {
            Some(Value::String(x)) => vec![x.clone()],
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    };
    let by = strings(design.get("by"));
    let targets = strings(design.get("targets"));
    match s("calibration").as_deref() {
        None | Some("none") => {}
        Some("poststratify") => {
            file.calibration = Some(CalibrationSpec {
                method: "poststratify".into(),
                margins: vec![MarginSpec {
                    by: OneOrMany::Many(by),
                    targets: targets.first().map(PathBuf::from),
                    cells: None,
                }],
                tolerance: None,
                max_iterations: None,
            })
        }
        Some("rake") => {
            if by.len() != targets.len() {
                return Err("rake: `by` and `targets` differ in length".into());
            }
            file.calibration = Some(CalibrationSpec {
                method: "rake".into(),
                margins: by
                    .into_iter()
                    .zip(targets)
                    .map(|(b, t)| MarginSpec {
                        by: OneOrMany::One(b),
                        targets: Some(PathBuf::from(t)),
                        cells: None,
                    })
                    .collect(),
                tolerance: Some(1e-10),
                max_iterations: Some(10_000),
            })
        }
        Some(other) => return Err(format!("unknown calibration `{other}`")),
    }
    if let Some(t) = design.get("trim") {
        let f = |k: &str| {
            t.get(k)
                .and_then(Value::as_f64)
                .ok_or(format!("trim.{k} missing"))
        };
        file.trim = Some(TrimSpec {
            lower: f("lower_rel")?,
            upper: f("upper_rel")?,
            strict: t.get("strict").and_then(Value::as_bool).unwrap_or(true),
        });
    }
    Ok(file)
}

/// What we computed for a case, by expected key.
fn compute(
    case: &Value,
    table: &Table,
    design: &Design,
) -> Result<HashMap<&'static str, f64>, String> {
    let str_of = |k: &str| {
        case.get(k)
            .and_then(Value::as_str)
            .ok_or(format!("case has no `{k}`"))
    };
    let estimator = str_of("estimator")?;
    let level = case["expected"]
        .get("level")
        .and_then(Value::as_f64)
        .unwrap_or(0.95);
    let mut out = HashMap::new();
    let put_estimate = |out: &mut HashMap<&'static str, f64>, e: &Estimate| {
        out.insert("estimate", e.estimate);
        out.insert("se", e.se);
        out.insert("df", e.df);
        out.insert("deff", e.deff);
    };
    // The total weight of the design (trimming and calibration must keep it).
    out.insert("sum_weights", design.weights().iter().sum());
    let domain_codes = match estimator {
        "domain_mean" | "domain_proportion" => {
            let (codes, labels) = table.codes(str_of("domain")?).map_err(|e| e.to_string())?;
            let value = str_of("domain_value")?;
            let v = labels
                .iter()
                .position(|l| l == value)
                .ok_or(format!("domain value `{value}` not in the data"))?;
            Some((codes, v as u32))
        }
        _ => None,
    };
    let numeric = |name: &str| table.numeric(name).map_err(|e| e.to_string());
    let domain = domain_codes.as_ref().map(|(codes, value)| Domain {
        codes,
        value: *value,
    });
    let e = match estimator {
        "sum_weights" => design.total_weights(None),
        "mean" => design.mean(&numeric(str_of("variable")?)?, None),
        "proportion" => design.proportion(&numeric(str_of("variable")?)?, None),
        // Domains through the one-pass estimator for all domains at once (R's svyby).
        "domain_mean" | "domain_proportion" => {
            let (codes, value) = domain_codes.as_ref().ok_or("no domain")?;
            let n_domains = codes
                .iter()
                .filter(|c| **c != u32::MAX)
                .max()
                .map_or(0, |m| *m as usize + 1);
            let y = numeric(str_of("variable")?)?;
            let all = if estimator == "domain_mean" {
                design.mean_by(&y, codes, n_domains)
            } else {
                design.proportion_by(&y, codes, n_domains)
            };
            all.map(|mut v| v.swap_remove(*value as usize))
        }
        "category_share" => {
            let (codes, labels) = table
                .codes(str_of("variable")?)
                .map_err(|e| e.to_string())?;
            let k = case["category"]
                .as_u64()
                .ok_or("category is not a number")? as usize;
            if k == 0 || k > labels.len() {
                return Err(format!("category {k} out of range 1..{}", labels.len()));
            }
            design
                .category_shares(&codes, labels.len(), domain)
                .map(|mut v| v.swap_remove(k - 1))
        }
        "kish" => {
            let k = design.kish();
            out.insert("deff_weighting", k.deff);
            out.insert("n_eff", k.n_eff);
            out.insert("n", k.n as f64);
            return Ok(out);
        }
        other => return Err(format!("unknown estimator `{other}`")),
    }
    .map_err(|e| e.to_string())?;
    put_estimate(&mut out, &e);
    if let Some(method) = case.get("interval").and_then(Value::as_str) {
        let m = IntervalMethod::parse(method).ok_or(format!("unknown interval `{method}`"))?;
        let (lo, hi) = if m == IntervalMethod::Likelihood {
            let y = table
                .numeric(str_of("variable")?)
                .map_err(|e| e.to_string())?;
            design
                .likelihood_interval(&y, domain, level)
                .map_err(|e| e.to_string())?
        } else {
            interval(&e, m, level).map_err(|e| e.to_string())?
        };
        out.insert("ci_low", lo);
        out.insert("ci_high", hi);
    }
    Ok(out)
}

fn close(got: f64, want: f64, tol: f64) -> bool {
    if want == 0.0 {
        got.abs() <= tol
    } else {
        ((got - want) / want).abs() <= tol
    }
}

#[test]
fn reference_cases_match_r_survey() {
    let dir = reference_dir();
    let cases_text = std::fs::read_to_string(dir.join("cases.json"))
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.join("cases.json").display()));
    let doc: Value = serde_json::from_str(&cases_text).expect("cases.json is JSON");
    let cases = doc["cases"]
        .as_array()
        .expect("cases.json has a `cases` array");
    let table = Table::read(&dir.join("poll.csv"), &[]).expect("poll.csv readable");

    let mut designs: HashMap<String, Result<Design, String>> = HashMap::new();
    let mut matched = 0usize;
    let mut failed: Vec<String> = Vec::new();
    for case in cases {
        let id = case["id"].as_str().unwrap_or("<no id>").to_string();
        let expected = &case["expected"];
        let key = case["design"].to_string();
        let design = designs.entry(key).or_insert_with(|| {
            let file = design_file(&case["design"])?;
            mizan::analysis::design_file::build_design(&table, &file, Path::new("cases.json"), &dir)
                .map_err(|e| e.to_string())
        });
        let design = match design {
            Ok(d) => d,
            Err(e) => {
                failed.push(format!("{id}: design: {e}"));
                continue;
            }
        };
        let got = match compute(case, &table, design) {
            Ok(g) => g,
            Err(e) => {
                failed.push(format!("{id}: {e}"));
                continue;
            }
        };
        let mut problems = Vec::new();
        for (key, want) in expected.as_object().into_iter().flatten() {
            if key == "level" {
                continue;
            }
            let Some(want) = want.as_f64() else {
                problems.push(format!("{key}: expected {want} is not a number"));
                continue;
            };
            let tol = match key.as_str() {
                "estimate" | "sum_weights" | "n" | "n_eff" | "deff_weighting" => ESTIMATE_TOL,
                _ => SECOND_ORDER_TOL,
            };
            match got.get(key.as_str()) {
                Some(g) if close(*g, want, tol) => {}
                Some(g) => problems.push(format!("{key}: got {g:.12e}, R {want:.12e}")),
                None => problems.push(format!("{key}: not computed")),
            }
        }
        if problems.is_empty() {
            matched += 1;
        } else {
            failed.push(format!("{id}: {}", problems.join("; ")));
        }
    }
    for f in &failed {
        println!("FAILED {f}");
    }
    println!("reference cases matched: {matched}/{}", cases.len());
    assert!(
        failed.is_empty(),
        "{} reference case(s) failed",
        failed.len()
    );
    assert_eq!(matched, cases.len(), "every case must be matched");
}
