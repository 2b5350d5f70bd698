//! The estimate table: every row a design file asks for (whole sample, domains, categories,
//! indices) on a [`Table`], each number from [`crate::stats`], and its CSV. The command line
//! (`mizan estimate`), the results pages and the downloads all call this.

use super::design_file::{DesignFile, VariableSpec, build_design};
use super::filter;
use super::table::{self, Table};
use crate::stats::composite::{Item, likert_index};
use crate::stats::{Design, Domain, Estimate, IntervalMethod, Unestimable, interval};
use crate::{Error, Result};
use std::path::Path;

/// The header of the output, in order.
pub const COLUMNS: [&str; 13] = [
    "variable",
    "category",
    "domain",
    "domain_value",
    "n",
    "n_eff",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "deff",
    "flag",
    "status",
];

/// One output row.
#[derive(Debug, Clone)]
pub struct Row {
    pub variable: String,
    pub category: String,
    pub domain: String,
    pub domain_value: String,
    pub estimate: Estimate,
    pub ci: (f64, f64),
    pub flag: crate::stats::Flag,
    /// Why the estimate or its SE is missing (strata named by their labels); `None`: complete.
    pub status: Option<Unestimable<String>>,
}

impl Row {
    /// The `status` column: `ok`, or the reason's code (`no_answers`, `one_respondent`,
    /// `no_variation`, `empty_domain`, `single_psu:STRATUM[,STRATUM…]`).
    pub fn status_code(&self) -> String {
        status_code(self.status.as_ref())
    }
}

/// See [`Row::status_code`].
pub fn status_code(status: Option<&Unestimable<String>>) -> String {
    match status {
        None => "ok".into(),
        Some(Unestimable::SinglePsu { strata }) if !strata.is_empty() => {
            format!("single_psu:{}", strata.join(","))
        }
        Some(u) => u.code().into(),
    }
}

/// One row per variable and index of the design, for a survey without responses: no
/// estimate, status `no_answers`.
pub fn unanswered_rows(file: &DesignFile) -> Vec<Row> {
    let rules = file.reliability.rules();
    let names = file
        .variables
        .iter()
        .map(|v| &v.name)
        .chain(file.indices.iter().map(|i| &i.name));
    names
        .map(|name| {
            let est = no_estimate(f64::NAN, 0);
            Row {
                variable: name.clone(),
                category: String::new(),
                domain: String::new(),
                domain_value: String::new(),
                flag: rules.flag(&est),
                estimate: est,
                ci: (f64::NAN, f64::NAN),
                status: Some(Unestimable::NoAnswers),
            }
        })
        .collect()
}

/// Reads both files and computes every row.
pub fn estimate_rows(data: &Path, design_path: &Path) -> Result<Vec<Row>> {
    estimate_rows_with(data, design_path, &table::ReadOptions::default())
}

/// [`estimate_rows`] with a delimiter or sheet; the design's filters are applied and
/// reported on standard error.
pub fn estimate_rows_with(
    data: &Path,
    design_path: &Path,
    options: &table::ReadOptions,
) -> Result<Vec<Row>> {
    let file = DesignFile::read(design_path)?;
    let table = Table::read_with(data, &file.data.missing, options)?;
    let table = filter::apply_and_report(table, &file.filters)?;
    let base_dir = design_path.parent().unwrap_or(Path::new("."));
    estimate_table(&table, &file, design_path, base_dir)
}

/// Every row the design file asks for, on a table (from a CSV or from the database).
/// `design_path` is for messages; target files are relative to `base_dir`.
pub fn estimate_table(
    table: &Table,
    file: &DesignFile,
    design_path: &Path,
    base_dir: &Path,
) -> Result<Vec<Row>> {
    let design = build_design(table, file, design_path, base_dir)?;
    let rules = file.reliability.rules();
    // Strata named by their labels in the rows' status.
    let stratum_labels: Vec<String> = match &file.design.strata {
        Some(col) => table.codes(col)?.1,
        None => Vec::new(),
    };
    let status_of = |e: &Estimate| {
        e.unestimable.clone().map(|u| {
            u.map_strata(|code| {
                stratum_labels
                    .get(code as usize)
                    .cloned()
                    .unwrap_or_else(|| code.to_string())
            })
        })
    };
    let level = file.output.level;
    if !(level > 0.0 && level < 1.0) {
        return Err(Error::Stats(format!(
            "{}: [output] level {level} must be between 0 and 1",
            design_path.display()
        )));
    }
    // Composite indices become numeric columns estimated as means.
    let mut numeric_extra: Vec<(String, Vec<f64>)> = Vec::new();
    for idx in &file.indices {
        let cols: Vec<Vec<f64>> = idx
            .items
            .iter()
            .map(|c| table.numeric(c))
            .collect::<Result<_>>()?;
        let items: Vec<Item<'_>> = idx
            .items
            .iter()
            .zip(&cols)
            .map(|(name, values)| {
                let reversed = idx.reversed.contains(name);
                let [low, high] = idx.scale_of(name);
                Item {
                    values,
                    low: if reversed { high } else { low },
                    high: if reversed { low } else { high },
                }
            })
            .collect();
        let min = idx.min_answered.unwrap_or(idx.items.len());
        let values = likert_index(&items, min).map_err(|e| {
            Error::Stats(format!(
                "{}: index `{}`: {e}",
                design_path.display(),
                idx.name
            ))
        })?;
        numeric_extra.push((idx.name.clone(), values));
    }
    let mut variables: Vec<VariableSpec> = file.variables.clone();
    for idx in &file.indices {
        variables.push(VariableSpec {
            name: idx.name.clone(),
            kind: "mean".into(),
            interval: None,
            category: None,
        });
    }
    if variables.is_empty() {
        return Err(Error::Stats(format!(
            "{}: no [[variable]] or [[index]] to estimate",
            design_path.display()
        )));
    }
    // Domains: (column name, codes, labels).
    let mut domains: Vec<(String, Vec<u32>, Vec<String>)> = Vec::new();
    for d in &file.output.domains {
        let (codes, labels) = table.codes(d)?;
        domains.push((d.clone(), codes, labels));
    }
    let estimate_variable = |var: &VariableSpec| -> Result<Vec<Row>> {
        let mut rows = Vec::new();
        let context = |e: Error| match e {
            Error::Stats(m) => Error::Stats(format!("variable `{}`: {m}", var.name)),
            other => other,
        };
        // One output row; its status says why an estimate could not be made, if it could not.
        let row = |category: &str, domain: &str, value: &str, est: Estimate, ci: (f64, f64)| Row {
            variable: var.name.clone(),
            category: category.to_string(),
            domain: domain.to_string(),
            domain_value: value.to_string(),
            flag: rules.flag(&est),
            status: status_of(&est),
            estimate: est,
            ci,
        };
        // The asked-for category of a mean, proportion or total ("" for a number).
        let category = var.category.as_deref().unwrap_or_default();
        let method_name = var.interval.as_deref().unwrap_or(&file.output.interval);
        let prop_method = IntervalMethod::parse(method_name).unwrap_or(IntervalMethod::Logit);
        let numeric = || -> Result<Vec<f64>> {
            match numeric_extra.iter().find(|(n, _)| *n == var.name) {
                Some((_, v)) => Ok(v.clone()),
                None => table.numeric(&var.name),
            }
        };
        let mut scopes: Vec<(String, String, Option<Domain<'_>>)> =
            vec![(String::new(), String::new(), None)];
        for (name, codes, labels) in &domains {
            for (k, label) in labels.iter().enumerate() {
                scopes.push((
                    name.clone(),
                    label.clone(),
                    Some(Domain {
                        codes,
                        value: k as u32,
                    }),
                ));
            }
        }
        match var.kind.as_str() {
            "mean" | "proportion" => {
                let is_prop = var.kind == "proportion";
                let y = if is_prop && !numeric_extra.iter().any(|(n, _)| *n == var.name) {
                    table.zero_one(&var.name, var.category.as_deref())?
                } else {
                    numeric()?
                };
                let whole = if is_prop {
                    design.proportion(&y, None)
                } else {
                    design.mean(&y, None)
                }
                .map_err(context)?;
                let mut results = vec![(String::new(), String::new(), None, whole)];
                // Each domain column in one pass over the rows (R's svyby). A domain
                // proportion's interval takes the domain's own df and rows, as R's
                // svyby(svyciprop) does; a domain mean's keeps the design's df.
                for (name, codes, labels) in &domains {
                    let by = if is_prop {
                        design.domain_proportions(&y, codes, labels.len())
                    } else {
                        design.mean_by(&y, codes, labels.len())
                    }
                    .map_err(context)?;
                    for (k, (label, est)) in labels.iter().zip(by).enumerate() {
                        let domain = Domain {
                            codes,
                            value: k as u32,
                        };
                        results.push((name.clone(), label.clone(), Some(domain), est));
                    }
                }
                for (dname, dvalue, domain, est) in results {
                    let ci = if is_prop {
                        proportion_interval(&design, &est, &y, domain, prop_method, level)
                            .map_err(context)?
                    } else {
                        t_interval(&est, level)?
                    };
                    rows.push(row(category, &dname, &dvalue, est, ci));
                }
            }
            "total" => {
                // Σ w·y: the estimated number of people who gave `category`, or the total of
                // a number. As R's svytotal, with the design's degrees of freedom.
                let y = match &var.category {
                    Some(c) => table.zero_one(&var.name, Some(c))?,
                    None => numeric()?,
                };
                for (dname, dvalue, domain) in &scopes {
                    let est = design.total(&y, *domain).map_err(context)?;
                    let ci = t_interval(&est, level)?;
                    rows.push(row(category, dname, dvalue, est, ci));
                }
            }
            _ => {
                let (codes, labels) = table.codes(&var.name)?;
                if labels.is_empty() {
                    // Nobody answered: no category is known, one row per scope says so.
                    for (dname, dvalue, _) in &scopes {
                        let est = no_estimate(design.df(), design.len());
                        rows.push(row("", dname, dvalue, est, (f64::NAN, f64::NAN)));
                    }
                    return Ok(rows);
                }
                let k = labels.len();
                let whole = design.category_shares(&codes, k, None).map_err(context)?;
                let mut results = vec![(String::new(), String::new(), None, whole)];
                // All the categories in all the domains of a column at once; a domain's
                // shares take the domain's own df and rows, as R's svyby(svyciprop) does.
                for (name, dcodes, dlabels) in &domains {
                    let by = design
                        .category_shares_by(&codes, k, dcodes, dlabels.len())
                        .map_err(context)?;
                    let subsets = design
                        .domain_dfs_and_rows(dcodes, dlabels.len())
                        .map_err(context)?;
                    for (value, ((label, shares), (df, subset_rows))) in
                        dlabels.iter().zip(by).zip(subsets).enumerate()
                    {
                        let shares = shares
                            .into_iter()
                            .map(|e| crate::stats::domain::with_df(e, df, subset_rows))
                            .collect();
                        let domain = Domain {
                            codes: dcodes,
                            value: value as u32,
                        };
                        results.push((name.clone(), label.clone(), Some(domain), shares));
                    }
                }
                for (dname, dvalue, domain, shares) in results {
                    for (label, est) in labels.iter().zip(shares) {
                        let ci = if prop_method == IntervalMethod::Likelihood {
                            let y: Vec<f64> = codes
                                .iter()
                                .map(|c| {
                                    if *c == crate::stats::MISSING_CODE {
                                        f64::NAN
                                    } else {
                                        (labels[*c as usize] == *label) as u8 as f64
                                    }
                                })
                                .collect();
                            proportion_interval(&design, &est, &y, domain, prop_method, level)
                                .map_err(context)?
                        } else {
                            proportion_interval(&design, &est, &[], domain, prop_method, level)
                                .map_err(context)?
                        };
                        rows.push(row(label, &dname, &dvalue, est, ci));
                    }
                }
            }
        }
        Ok(rows)
    };
    let large = table.rows() >= PARALLEL_FROM_ROWS;
    let per_variable = each_in_parallel(&variables, large, estimate_variable)?;
    Ok(per_variable.into_iter().flatten().collect())
}

/// Tables with at least this many rows estimate their variables on two threads (each variable
/// is a pass over every row; below this the threads would cost more than they save).
const PARALLEL_FROM_ROWS: usize = 50_000;

/// `f` of every item, in the items' order; with `parallel`, on two threads, each taking the
/// next item not yet taken (variables differ in cost: a categorical question with ten
/// categories is ten estimates). The results do not depend on it: each item is computed
/// whole on one thread.
fn each_in_parallel<T: Sync, R: Send>(
    items: &[T],
    parallel: bool,
    f: impl Fn(&T) -> Result<R> + Sync,
) -> Result<Vec<R>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(2));
    if !parallel || threads < 2 || items.len() < 2 {
        return items.iter().map(&f).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(k) else { break done };
            done.push((k, f(item)));
        }
    };
    let (mine, theirs) = std::thread::scope(|scope| {
        let theirs = scope.spawn(work);
        let mine = work();
        (mine, theirs.join())
    });
    let theirs = theirs.map_err(|_| Error::Other("an estimate stopped unexpectedly".into()))?;
    let mut out: Vec<Option<Result<R>>> = (0..items.len()).map(|_| None).collect();
    for (k, r) in mine.into_iter().chain(theirs) {
        out[k] = Some(r);
    }
    out.into_iter()
        .map(|r| r.unwrap_or_else(|| Err(Error::Other("an estimate was not made".into()))))
        .collect()
}

/// An estimate that could not be made (no respondent).
fn no_estimate(df: f64, design_rows: usize) -> Estimate {
    Estimate {
        estimate: f64::NAN,
        se: f64::NAN,
        df,
        deff: f64::NAN,
        n: 0,
        n_eff: 0.0,
        sum_weights: 0.0,
        design_rows,
        replicate_logit_se: None,
        unestimable: Some(Unestimable::NoAnswers),
    }
}

/// No interval where there is no estimate or no variance; the numbers R gives otherwise.
fn no_interval(est: &Estimate) -> bool {
    est.n == 0 || est.unestimable.as_ref().is_some_and(|u| u.no_variance())
}

fn t_interval(est: &Estimate, level: f64) -> Result<(f64, f64)> {
    if no_interval(est) {
        return Ok((f64::NAN, f64::NAN));
    }
    interval(est, IntervalMethod::T, level)
}

fn proportion_interval(
    design: &Design,
    est: &Estimate,
    y: &[f64],
    domain: Option<Domain<'_>>,
    method: IntervalMethod,
    level: f64,
) -> Result<(f64, f64)> {
    if no_interval(est) {
        return Ok((f64::NAN, f64::NAN));
    }
    match method {
        // The profile likelihood needs two different answers and more than one respondent.
        IntervalMethod::Likelihood if est.unestimable.is_some() => Ok((f64::NAN, f64::NAN)),
        IntervalMethod::Likelihood => design.likelihood_interval(y, domain, level),
        IntervalMethod::T => interval(est, IntervalMethod::Mean, level),
        m => interval(est, m, level),
    }
}

fn number(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

/// The output CSV (with BOM). Suppressed rows keep n but no numbers.
pub fn to_csv(rows: &[Row]) -> Result<Vec<u8>> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(COLUMNS)?;
        for r in rows {
            let e = &r.estimate;
            let hide = r.flag == crate::stats::Flag::Suppressed;
            let num = |x: f64| if hide { String::new() } else { number(x) };
            w.write_record([
                r.variable.clone(),
                r.category.clone(),
                r.domain.clone(),
                r.domain_value.clone(),
                e.n.to_string(),
                num(e.n_eff),
                num(e.estimate),
                num(e.se),
                num(r.ci.0),
                num(r.ci.1),
                num(e.deff),
                r.flag.as_str().to_string(),
                r.status_code(),
            ])?;
        }
        w.flush()
            .map_err(|e| Error::Other(format!("writing CSV: {e}")))?;
    }
    Ok(out)
}

/// Reads, estimates and renders.
pub fn estimate(data: &Path, design_path: &Path) -> Result<Vec<u8>> {
    to_csv(&estimate_rows(data, design_path)?)
}
