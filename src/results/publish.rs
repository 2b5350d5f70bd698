//! What the results pages and their downloads publish: the estimates of `mizan estimate`,
//! rounded to what a survey estimate supports, with small cells suppressed so that they cannot
//! be worked back out of the table by subtraction.
//!
//! Why here and not in `stats`: `mizan estimate` is the analyst's own tool and keeps full
//! precision (it is compared with R to 1e-9); these rules are about publishing, not estimating.
//!
//! The rules, per one-way breakdown (a variable by one domain column, with its whole-sample
//! row as the total):
//! - a cell with fewer than `min_n` respondents is suppressed (its flag says so already);
//! - **complementary suppression**: when a small group would be left alone among the hidden
//!   ones (one suppressed cell; or, with nothing suppressed, respondents who gave no value for
//!   the breakdown's column and number fewer than `min_n`), the next smallest shown cell is
//!   suppressed too, and so on until at least two groups are hidden and together they count
//!   at least `min_n` respondents;
//! - a suppressed cell shows neither its numbers nor its n (n and the total's n would give
//!   the count back) nor its reason (one respondent, all alike);
//! - shares are published to a tenth of a percentage point (three decimals of a proportion),
//!   means to two decimals, the design effect to two decimals and the effective n to a whole
//!   number.
//!
//! Why one extra cell is enough for a one-way breakdown with a shown total: the only relation
//! between the cells is total = Σ cells (for means and shares, through estimate × n). With one
//! cell hidden that one equation gives it back exactly; with two hidden it has two unknowns,
//! so neither follows, only their sum, and that sum is of at least `min_n` respondents here.
//!
//! Respondents without a value for the column are in the total but in no cell: they are a
//! hidden group of their own (and protect a single suppressed cell when they are many), and
//! when they are few, the total minus the cells would be theirs, so a cell is suppressed to
//! cover them.
//!
//! What it does not protect: several tables taken together (another variable whose cells have
//! other sizes, or a breakdown by another column, can narrow a hidden cell down, as can a
//! hidden n shown in another variable's table, or a single-choice question's own share of a
//! category: 5.0% of 60 is 3 respondents); the same table read twice as responses arrive (the
//! difference between two days is the new respondents' answers); bounds (a total of 100% says
//! every hidden cell is 100% too); and rounding narrows, but does not remove, what exact
//! arithmetic on the shown figures gives.

use std::collections::BTreeMap;

use crate::analysis::Row;
use crate::analysis::design_file::DesignFile;
use crate::stats::Flag;
use crate::{Error, Result};

/// Whether a variable is published as a share (proportion or category share) or a mean.
pub fn is_share(file: &DesignFile, variable: &str) -> bool {
    file.variables
        .iter()
        .find(|v| v.name == variable)
        .is_some_and(|v| v.kind != "mean")
}

/// Rounded to `decimals` places (NaN stays NaN).
fn round(x: f64, decimals: i32) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let f = 10f64.powi(decimals);
    let r = (x * f).round() / f;
    // No "-0" in a table.
    if r == 0.0 { 0.0 } else { r }
}

/// True when a published row shows no n: suppressed with respondents.
pub fn n_hidden(row: &Row) -> bool {
    row.flag == Flag::Suppressed && row.estimate.n > 0
}

/// True when a published row shows its reason: no reason is hidden where nobody answered,
/// and a suppressed cell with respondents shows none.
pub fn status_shown(row: &Row) -> bool {
    !n_hidden(row)
}

/// The rows as published: complementary suppression applied, numbers rounded.
pub fn publish(rows: &[Row], file: &DesignFile) -> Vec<Row> {
    let min_n = file.reliability.rules().min_n;
    let mut out: Vec<Row> = rows.to_vec();
    for index in complementary(&out, min_n) {
        out[index].flag = Flag::Suppressed;
    }
    for r in &mut out {
        let decimals = if is_share(file, &r.variable) { 3 } else { 2 };
        let e = &mut r.estimate;
        e.estimate = round(e.estimate, decimals);
        e.se = round(e.se, decimals);
        e.deff = round(e.deff, 2);
        e.n_eff = round(e.n_eff, 0);
        r.ci = (round(r.ci.0, decimals), round(r.ci.1, decimals));
    }
    out
}

/// Indices of the rows to suppress besides those already suppressed (see the module's rules).
fn complementary(rows: &[Row], min_n: usize) -> Vec<usize> {
    // Respondents per (variable, domain column, value); the whole sample under value None. A
    // categorical variable has one row per category, all with the same n.
    let mut tables: BTreeMap<(&str, &str), (usize, BTreeMap<&str, usize>)> = BTreeMap::new();
    for r in rows {
        if r.domain.is_empty() {
            continue;
        }
        let t = tables
            .entry((r.variable.as_str(), r.domain.as_str()))
            .or_default();
        let n = t.1.entry(r.domain_value.as_str()).or_default();
        *n = (*n).max(r.estimate.n);
    }
    for r in rows.iter().filter(|r| r.domain.is_empty()) {
        for ((var, _), t) in tables.iter_mut() {
            if *var == r.variable {
                t.0 = t.0.max(r.estimate.n);
            }
        }
    }
    let mut extra: Vec<(&str, &str, &str)> = Vec::new();
    for ((var, dom), (total, cells)) in &tables {
        let small = |n: usize| n > 0 && n < min_n;
        // Respondents without a value for the column: a group no row shows.
        let rest = total.saturating_sub(cells.values().sum());
        let mut hidden: Vec<usize> = cells.values().copied().filter(|n| small(*n)).collect();
        if hidden.is_empty() && !small(rest) {
            continue;
        }
        if rest > 0 {
            hidden.push(rest);
        }
        // Shown cells with respondents, smallest first (ties in the order of their values).
        let mut shown: Vec<(&str, usize)> = cells
            .iter()
            .filter(|(_, n)| **n >= min_n)
            .map(|(v, n)| (*v, *n))
            .collect();
        shown.sort_by_key(|(_, n)| *n);
        let mut shown = shown.into_iter();
        while hidden.len() < 2 || hidden.iter().sum::<usize>() < min_n {
            let Some((value, n)) = shown.next() else {
                break;
            };
            hidden.push(n);
            extra.push((var, dom, value));
        }
    }
    rows.iter()
        .enumerate()
        .filter(|(_, r)| {
            r.flag != Flag::Suppressed
                && extra
                    .iter()
                    .any(|(v, d, x)| r.variable == *v && r.domain == *d && r.domain_value == *x)
        })
        .map(|(i, _)| i)
        .collect()
}

fn number(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

/// The published CSV (with BOM): the columns of `mizan estimate`; a suppressed row keeps only
/// its labels and flag (n = 0 rows keep their n and reason).
pub fn to_csv(rows: &[Row]) -> Result<Vec<u8>> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(crate::analysis::COLUMNS)?;
        for r in rows {
            let e = &r.estimate;
            let hide = r.flag == Flag::Suppressed;
            let num = |x: f64| if hide { String::new() } else { number(x) };
            w.write_record([
                r.variable.clone(),
                r.category.clone(),
                r.domain.clone(),
                r.domain_value.clone(),
                if n_hidden(r) {
                    String::new()
                } else {
                    e.n.to_string()
                },
                num(e.n_eff),
                num(e.estimate),
                num(e.se),
                num(r.ci.0),
                num(r.ci.1),
                num(e.deff),
                r.flag.as_str().to_string(),
                if status_shown(r) {
                    r.status_code()
                } else {
                    String::new()
                },
            ])?;
        }
        w.flush()
            .map_err(|e| Error::Other(format!("writing CSV: {e}")))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Estimate;

    fn row(var: &str, dom: &str, value: &str, n: usize, min_n: usize) -> Row {
        Row {
            variable: var.into(),
            category: String::new(),
            domain: dom.into(),
            domain_value: value.into(),
            estimate: Estimate {
                estimate: 0.123456789,
                se: 0.0123456,
                df: 10.0,
                deff: 1.23456,
                n,
                n_eff: n as f64 * 0.93,
                sum_weights: n as f64,
                design_rows: 100,
                replicate_logit_se: None,
                unestimable: None,
            },
            ci: (0.1, 0.2),
            flag: if n < min_n {
                Flag::Suppressed
            } else {
                Flag::Ok
            },
            status: None,
        }
    }

    fn file() -> DesignFile {
        DesignFile::parse(
            "[[variable]]\nname = \"p\"\ntype = \"proportion\"\n[[variable]]\nname = \"m\"\ntype = \"mean\"\n",
            std::path::Path::new("t.toml"),
        )
        .unwrap()
    }

    fn flags(rows: &[Row]) -> Vec<Flag> {
        rows.iter().map(|r| r.flag).collect()
    }

    #[test]
    fn one_small_cell_takes_the_next_smallest_with_it() {
        let rows = vec![
            row("p", "", "", 60, 10),
            row("p", "g", "a", 31, 10),
            row("p", "g", "b", 26, 10),
            row("p", "g", "c", 3, 10),
        ];
        let out = publish(&rows, &file());
        use Flag::*;
        assert_eq!(flags(&out), [Ok, Ok, Suppressed, Suppressed]);
        assert_eq!(out[1].estimate.estimate, 0.123);
        assert_eq!(out[1].estimate.n_eff, 29.0);
        assert!(n_hidden(&out[2]) && n_hidden(&out[3]) && !n_hidden(&out[1]));
    }

    #[test]
    fn two_small_cells_that_together_are_still_small_take_a_third() {
        let rows = vec![
            row("m", "", "", 60, 10),
            row("m", "g", "a", 30, 10),
            row("m", "g", "b", 24, 10),
            row("m", "g", "c", 3, 10),
            row("m", "g", "d", 3, 10),
        ];
        let out = publish(&rows, &file());
        use Flag::*;
        assert_eq!(flags(&out), [Ok, Ok, Suppressed, Suppressed, Suppressed]);
        assert_eq!(out[0].estimate.estimate, 0.12);
    }

    #[test]
    fn a_few_without_a_value_for_the_column_are_protected_too() {
        // 2 respondents have no value for `g`: the total minus the cells would be theirs.
        let rows = vec![
            row("p", "", "", 60, 10),
            row("p", "g", "a", 40, 10),
            row("p", "g", "b", 18, 10),
        ];
        use Flag::*;
        assert_eq!(flags(&publish(&rows, &file())), [Ok, Ok, Suppressed]);
        // Many without a value, one small cell: the rest already hides it among many.
        let rows = vec![
            row("p", "", "", 60, 10),
            row("p", "g", "a", 40, 10),
            row("p", "g", "b", 3, 10),
        ];
        assert_eq!(flags(&publish(&rows, &file())), [Ok, Ok, Suppressed]);
        // Nothing small: nothing more is suppressed.
        let rows = vec![
            row("p", "", "", 60, 10),
            row("p", "g", "a", 40, 10),
            row("p", "g", "b", 20, 10),
        ];
        assert_eq!(flags(&publish(&rows, &file())), [Ok, Ok, Ok]);
    }
}
