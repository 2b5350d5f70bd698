//! The design file's `[[filter]]`s: which rows of the data are the sample, e.g. only the
//! submissions a supervisor approved (KoboToolbox's `_validation_status`, ODK Central's
//! `ReviewState`), a date range of `_submission_time` / `SubmissionDate`, or any
//! `column = value`. Filtering is subsetting the data before the design is built (as R's
//! `svydesign(data = subset(...))`), not estimating in a domain.
//!
//! A row whose filter column is empty is left out too (it is not approved, it has no date),
//! but it is counted separately and the count is reported, so that a missing column of
//! validation statuses cannot silently shrink the sample.

use super::design_file::FilterSpec;
use super::table::{Table, ascii_label, short};
use crate::{Error, Result};

/// Checks the filters' own form (the design file's check).
pub fn check(filters: &[FilterSpec]) -> std::result::Result<(), String> {
    for f in filters {
        let dated = f.from.is_some() || f.to.is_some();
        if f.equals.is_some() == dated {
            return Err(format!(
                "[[filter]] on `{}`: give either `equals` (a value or a list) or `from`/`to` (dates YYYY-MM-DD)",
                f.column
            ));
        }
        for d in [&f.from, &f.to].into_iter().flatten() {
            if !is_date(d) {
                return Err(format!(
                    "[[filter]] on `{}`: `{d}` is not a date written YYYY-MM-DD",
                    f.column
                ));
            }
        }
        if let (Some(a), Some(b)) = (&f.from, &f.to) {
            if a > b {
                return Err(format!(
                    "[[filter]] on `{}`: `from` {a} is after `to` {b}",
                    f.column
                ));
            }
        }
    }
    Ok(())
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

/// What one filter did.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterReport {
    pub description: String,
    /// Rows it leaves out (among all rows), and how many of those have the column empty.
    pub left_out: usize,
    pub empty: usize,
}

/// The rows every filter keeps, and what each did.
pub fn apply(table: Table, filters: &[FilterSpec]) -> Result<(Table, Vec<FilterReport>)> {
    if filters.is_empty() {
        return Ok((table, Vec::new()));
    }
    let mut keep = vec![true; table.rows()];
    let mut reports = Vec::new();
    for f in filters {
        let col = table.column(&f.column)?;
        let (codes, values) = col.dictionary();
        // Each distinct cell decided once: Some(true/false), None = empty.
        let decided: Vec<Option<bool>> = values
            .iter()
            .map(|cell| {
                if table.is_missing(cell) {
                    return Ok(None);
                }
                if let Some(eq) = &f.equals {
                    let cell = ascii_label(cell);
                    return Ok(Some(eq.to_vec().iter().any(|v| ascii_label(v) == cell)));
                }
                let t = cell.trim();
                let date = t.get(..10).filter(|d| is_date(d)).ok_or_else(|| {
                    Error::Stats(format!(
                        "{}: column `{}`: `{}` does not start with a date YYYY-MM-DD",
                        table.path.display(),
                        short(&f.column),
                        short(t)
                    ))
                })?;
                Ok(Some(
                    f.from.as_deref().is_none_or(|a| date >= a)
                        && f.to.as_deref().is_none_or(|b| date <= b),
                ))
            })
            .collect::<Result<_>>()?;
        let (mut left_out, mut empty) = (0, 0);
        for (k, c) in keep.iter_mut().zip(codes) {
            match decided[*c as usize] {
                Some(true) => {}
                Some(false) => {
                    left_out += 1;
                    *k = false;
                }
                None => {
                    left_out += 1;
                    empty += 1;
                    *k = false;
                }
            }
        }
        let description = match (&f.equals, &f.from, &f.to) {
            (Some(eq), _, _) => format!("{} = {}", f.column, eq.to_vec().join(" or ")),
            (None, Some(a), Some(b)) => format!("{} from {a} to {b}", f.column),
            (None, Some(a), None) => format!("{} from {a}", f.column),
            (None, None, Some(b)) => format!("{} up to {b}", f.column),
            (None, None, None) => f.column.clone(),
        };
        reports.push(FilterReport {
            description,
            left_out,
            empty,
        });
    }
    let table = table.subset(&keep)?;
    Ok((table, reports))
}

/// The methodology line for the filters: what was kept, and why the rest was left out.
pub fn methodology(kept: usize, total: usize, reports: &[FilterReport]) -> String {
    let parts: Vec<String> = reports
        .iter()
        .map(|r| {
            format!(
                "{} ({} left out, {} of them with it empty)",
                r.description, r.left_out, r.empty
            )
        })
        .collect();
    format!(
        "methodology: {kept} of {total} rows kept by the design's filters: {}",
        parts.join("; ")
    )
}

/// [`apply`], printing the methodology line on standard error when there are filters.
pub fn apply_and_report(table: Table, filters: &[FilterSpec]) -> Result<Table> {
    let total = table.rows();
    let (table, reports) = apply(table, filters)?;
    if !reports.is_empty() {
        eprintln!("{}", methodology(table.rows(), total, &reports));
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::design_file::OneOrMany;
    use std::path::Path;

    #[test]
    fn empty_cells_are_left_out_and_counted() {
        let csv = "st,t\nok,2024-03-01T10:00:00\n,2024-03-02\nno,2024-04-01\nok,n/a\nok,2024-03-31T23:59:59.000Z\n";
        let t = Table::from_bytes(Path::new("x.csv"), csv.as_bytes(), &[]).unwrap();
        let filters = [
            FilterSpec {
                column: "st".into(),
                equals: Some(OneOrMany::One("ok".into())),
                from: None,
                to: None,
            },
            FilterSpec {
                column: "t".into(),
                equals: None,
                from: Some("2024-03-01".into()),
                to: Some("2024-03-31".into()),
            },
        ];
        let (kept, reports) = apply(t, &filters).unwrap();
        assert_eq!(kept.rows(), 2);
        assert_eq!((reports[0].left_out, reports[0].empty), (2, 1));
        assert_eq!((reports[1].left_out, reports[1].empty), (2, 1));
        let line = methodology(2, 5, &reports);
        assert!(
            line.contains("2 of 5 rows")
                && line.contains("st = ok (2 left out, 1 of them with it empty)"),
            "{line}"
        );
    }
}
