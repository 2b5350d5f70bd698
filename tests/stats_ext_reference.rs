//! Every case of the extended R reference set (tests/data/stats-ext-reference, or the folder
//! named by `MIZAN_STATS_EXT_REFERENCE`, same layout): domain proportions with the domain's own
//! degrees of freedom, totals, quantiles with Woodruff intervals, ratios, the Rao–Scott test,
//! wave-to-wave differences and domain means on a raked jackknife design. Each case's design is
//! built through the code `mizan estimate` uses (the design file), then estimated with
//! `mizan::stats`, and compared with R's `survey` 4.1.1: estimates to 1e-9 relative, everything
//! else to 1e-6 relative. Exception: the covariance of the two waves' estimates, which R gives
//! as 0 up to rounding (about 1e-35), is compared to 1e-6 of the product of the two SEs.

use mizan::analysis::design_file::{
    CalibrationSpec, DesignFile, DesignSpec, MarginSpec, OneOrMany, TrimSpec,
};
use mizan::analysis::table::Table;
use mizan::stats::{Design, Domain, IntervalMethod, interval};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const ESTIMATE_TOL: f64 = 1e-9;
const SECOND_ORDER_TOL: f64 = 1e-6;

fn reference_dir() -> PathBuf {
    match std::env::var_os("MIZAN_STATS_EXT_REFERENCE") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/stats-ext-reference"),
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
    // Each `by` entry is one margin: a column, or a list of columns (joint cells).
    let margins_by: Vec<OneOrMany> = match design.get("by") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|m| match m {
                Value::Array(cols) => OneOrMany::Many(
                    cols.iter()
                        .filter_map(|c| c.as_str().map(str::to_string))
                        .collect(),
                ),
                other => OneOrMany::One(other.as_str().unwrap_or_default().to_string()),
            })
            .collect(),
        Some(Value::String(s)) => vec![OneOrMany::One(s.clone())],
        _ => Vec::new(),
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
            if margins_by.len() != targets.len() {
                return Err("rake: `by` and `targets` differ in length".into());
            }
            file.calibration = Some(CalibrationSpec {
                method: "rake".into(),
                margins: margins_by
                    .into_iter()
                    .zip(targets)
                    .map(|(b, t)| MarginSpec {
                        by: b,
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

type Got = HashMap<&'static str, f64>;

fn str_of<'a>(case: &'a Value, k: &str) -> Result<&'a str, String> {
    case.get(k)
        .and_then(Value::as_str)
        .ok_or(format!("case has no `{k}`"))
}

/// Codes of `column` and the code of its value `value`.
fn code_of(table: &Table, column: &str, value: &str) -> Result<(Vec<u32>, u32, usize), String> {
    let (codes, labels) = table.codes(column).map_err(|e| e.to_string())?;
    let v = labels
        .iter()
        .position(|l| l == value)
        .ok_or(format!("value `{value}` of `{column}` not in the data"))?;
    Ok((codes, v as u32, labels.len()))
}

/// What we computed for a case, by expected key.
fn compute(case: &Value, table: &Table, design: &Design) -> Result<Got, String> {
    let estimator = str_of(case, "estimator")?;
    let level = case["expected"]
        .get("level")
        .and_then(Value::as_f64)
        .unwrap_or(0.95);
    let numeric = |name: &str| table.numeric(name).map_err(|e| e.to_string());
    let err = |e: mizan::Error| e.to_string();
    let mut out = Got::new();
    let put = |out: &mut Got, e: &mizan::stats::Estimate, ci: (f64, f64)| {
        out.insert("estimate", e.estimate);
        out.insert("se", e.se);
        out.insert("df", e.df);
        out.insert("deff", e.deff);
        out.insert("ci_low", ci.0);
        out.insert("ci_high", ci.1);
    };
    match estimator {
        "domain_proportion" => {
            let (codes, value, _) = code_of(
                table,
                str_of(case, "domain")?,
                str_of(case, "domain_value")?,
            )?;
            let y = numeric(str_of(case, "variable")?)?;
            let e = design
                .domain_proportion(
                    &y,
                    Domain {
                        codes: &codes,
                        value,
                    },
                )
                .map_err(err)?;
            let method = str_of(case, "interval")?;
            let m = IntervalMethod::parse(method).ok_or(format!("unknown interval `{method}`"))?;
            let ci = interval(&e, m, level).map_err(err)?;
            put(&mut out, &e, ci);
        }
        "domain_mean" => {
            let (codes, value, n) = code_of(
                table,
                str_of(case, "domain")?,
                str_of(case, "domain_value")?,
            )?;
            let y = numeric(str_of(case, "variable")?)?;
            let e = design
                .mean_by(&y, &codes, n)
                .map_err(err)?
                .swap_remove(value as usize);
            let ci = interval(&e, IntervalMethod::T, level).map_err(err)?;
            put(&mut out, &e, ci);
        }
        "sum_weights" => {
            let e = design.total_weights(None).map_err(err)?;
            out.insert("estimate", e.estimate);
            out.insert("df", e.df);
        }
        "total" => {
            let e = design
                .total(&numeric(str_of(case, "variable")?)?, None)
                .map_err(err)?;
            let ci = interval(&e, IntervalMethod::T, level).map_err(err)?;
            put(&mut out, &e, ci);
        }
        "quantile" => {
            let p = case["quantile"]
                .as_f64()
                .ok_or("quantile is not a number")?;
            let q = design
                .quantile(&numeric(str_of(case, "variable")?)?, p, level)
                .map_err(err)?;
            out.insert("estimate", q.estimate);
            out.insert("se", q.se);
            out.insert("ci_low", q.ci_low);
            out.insert("ci_high", q.ci_high);
            out.insert("df", q.df);
        }
        "ratio" => {
            let e = design
                .ratio(
                    &numeric(str_of(case, "numerator")?)?,
                    &numeric(str_of(case, "denominator")?)?,
                )
                .map_err(err)?;
            let ci = interval(&e, IntervalMethod::T, level).map_err(err)?;
            put(&mut out, &e, ci);
        }
        "crosstab_test" => {
            let (rows, row_labels) = table.codes(str_of(case, "row")?).map_err(err)?;
            let (cols, col_labels) = table.codes(str_of(case, "col")?).map_err(err)?;
            let t = design
                .rao_scott(&rows, row_labels.len(), &cols, col_labels.len())
                .map_err(err)?;
            match str_of(case, "statistic")? {
                "F" => {
                    out.insert("statistic", t.f);
                    out.insert("ndf", t.ndf);
                    out.insert("ddf", t.ddf);
                    out.insert("p_value", t.p_value);
                }
                "Chisq" => {
                    out.insert("statistic", t.pearson);
                    out.insert("df", t.chisq_df);
                    out.insert("statistic_adjusted", t.chisq_adjusted);
                    out.insert("p_value", t.chisq_p_value);
                }
                other => return Err(format!("unknown statistic `{other}`")),
            }
        }
        "wave_difference" => {
            let (waves, from, _) = code_of(table, "wave", "1")?;
            let (_, to, _) = code_of(table, "wave", "2")?;
            let y = numeric(str_of(case, "variable")?)?;
            let d = design
                .wave_difference(&y, &waves, from, to, level)
                .map_err(err)?;
            out.insert("estimate", d.estimate);
            out.insert("se", d.se);
            out.insert("df", d.df);
            out.insert("ci_low", d.ci_low);
            out.insert("ci_high", d.ci_high);
            out.insert("excludes_zero", d.excludes_zero as u8 as f64);
            out.insert("wave1_estimate", d.earlier.estimate);
            out.insert("wave1_se", d.earlier.se);
            out.insert("wave2_estimate", d.later.estimate);
            out.insert("wave2_se", d.later.se);
            out.insert("covariance", d.covariance);
        }
        other => return Err(format!("unknown estimator `{other}`")),
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

/// Differences found between what we computed and what R gave.
fn problems(expected: &Value, got: &Got) -> Vec<String> {
    let mut problems = Vec::new();
    for (key, want) in expected.as_object().into_iter().flatten() {
        if key == "level" {
            continue;
        }
        let Some(g) = got.get(key.as_str()) else {
            problems.push(format!("{key}: not computed"));
            continue;
        };
        if let Some(b) = want.as_bool() {
            if (*g != 0.0) != b {
                problems.push(format!("{key}: got {}, R {b}", *g != 0.0));
            }
            continue;
        }
        let Some(want) = want.as_f64() else {
            problems.push(format!("{key}: expected {want} is not a number"));
            continue;
        };
        let ok = match key.as_str() {
            "estimate" | "wave1_estimate" | "wave2_estimate" => close(*g, want, ESTIMATE_TOL),
            "covariance" => {
                let scale = expected["wave1_se"].as_f64().unwrap_or(1.0)
                    * expected["wave2_se"].as_f64().unwrap_or(1.0);
                (g - want).abs() <= SECOND_ORDER_TOL * scale
            }
            _ => close(*g, want, SECOND_ORDER_TOL),
        };
        if !ok {
            problems.push(format!("{key}: got {g:.12e}, R {want:.12e}"));
        }
    }
    problems
}

#[test]
fn extended_reference_cases_match_r_survey() {
    let dir = reference_dir();
    let cases_text = std::fs::read_to_string(dir.join("cases.json"))
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.join("cases.json").display()));
    let doc: Value = serde_json::from_str(&cases_text).expect("cases.json is JSON");
    let cases = doc["cases"]
        .as_array()
        .expect("cases.json has a `cases` array");
    let mut tables: HashMap<String, Result<Table, String>> = HashMap::new();
    let mut designs: HashMap<String, Result<Design, String>> = HashMap::new();
    let mut matched = 0usize;
    let mut failed: Vec<String> = Vec::new();
    for case in cases {
        let id = case["id"].as_str().unwrap_or("<no id>").to_string();
        let data = case["data"].as_str().unwrap_or("poll.csv").to_string();
        let table = tables
            .entry(data.clone())
            .or_insert_with(|| Table::read(&dir.join(&data), &[]).map_err(|e| e.to_string()));
        let table = match table {
            Ok(t) => &*t,
            Err(e) => {
                failed.push(format!("{id}: data: {e}"));
                continue;
            }
        };
        let key = format!("{data} {}", case["design"]);
        let design = designs.entry(key).or_insert_with(|| {
            let file = design_file(&case["design"])?;
            mizan::analysis::design_file::build_design(table, &file, Path::new("cases.json"), &dir)
                .map_err(|e| e.to_string())
        });
        let design = match design {
            Ok(d) => &*d,
            Err(e) => {
                failed.push(format!("{id}: design: {e}"));
                continue;
            }
        };
        match compute(case, table, design) {
            Err(e) => failed.push(format!("{id}: {e}")),
            Ok(got) => {
                let p = problems(&case["expected"], &got);
                if p.is_empty() {
                    matched += 1;
                } else {
                    failed.push(format!("{id}: {}", p.join("; ")));
                }
            }
        }
    }
    for f in &failed {
        println!("FAILED {f}");
    }
    println!(
        "extended reference cases matched: {matched}/{}",
        cases.len()
    );
    assert!(
        failed.is_empty(),
        "{} extended reference case(s) failed",
        failed.len()
    );
    assert_eq!(matched, cases.len(), "every case must be matched");
}
