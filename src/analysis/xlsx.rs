//! Reading an `.xlsx` workbook (KoboToolbox's default export, and ODK Central's when saved
//! from a spreadsheet) into the same columns of text as a CSV gives, so that both give the
//! same numbers: numbers print as the shortest text that reads back as the same `f64`, dates
//! and times as ISO 8601 (`2024-03-05T10:22:31`), true/false as `TRUE`/`FALSE`.

use super::table::{Column, ColumnBuilder, short};
use crate::{Error, Result};
use calamine::{Data, Reader, Xlsx, open_workbook};
use std::path::Path;

fn bad(path: &Path, msg: impl std::fmt::Display) -> Error {
    Error::Stats(format!("{}: {msg}", path.display()))
}

/// The header and columns of one sheet: `sheet` by name, else the first.
pub fn read(path: &Path, sheet: Option<&str>) -> Result<(Vec<String>, Vec<Column>)> {
    let mut book: Xlsx<std::io::BufReader<std::fs::File>> =
        open_workbook(path).map_err(|e: calamine::XlsxError| {
            bad(
                path,
                format!(
                    "cannot read it as an XLSX workbook: {}",
                    short(&e.to_string())
                ),
            )
        })?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(s) => names.iter().find(|n| *n == s).cloned().ok_or_else(|| {
            bad(
                path,
                format!(
                    "no sheet `{}` (sheets: {})",
                    short(s),
                    short(&names.join(", "))
                ),
            )
        })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| bad(path, "the workbook has no sheet"))?,
    };
    let range = book.worksheet_range(&name).map_err(|e| {
        bad(
            path,
            format!("sheet `{}`: {}", short(&name), short(&e.to_string())),
        )
    })?;
    let mut rows = range.rows();
    let headers: Vec<String> = match rows.next() {
        Some(h) => h.iter().map(|c| text(c).trim().to_string()).collect(),
        None => return Err(bad(path, format!("sheet `{}` is empty", short(&name)))),
    };
    if headers.iter().all(|h| h.is_empty()) {
        return Err(bad(path, "the sheet has no header line"));
    }
    let mut columns: Vec<ColumnBuilder> =
        headers.iter().map(|_| ColumnBuilder::default()).collect();
    let mut rows: Vec<&[Data]> = rows.collect();
    // Rows left blank at the end of a sheet are not respondents (blank rows in between are
    // kept, so that row k is still line k + 2 in messages).
    while rows
        .last()
        .is_some_and(|r| r.iter().all(|c| matches!(c, Data::Empty)))
    {
        rows.pop();
    }
    for row in rows {
        for (k, col) in columns.iter_mut().enumerate() {
            col.push(&row.get(k).map(text).unwrap_or_default());
        }
    }
    Ok((
        headers,
        columns.into_iter().map(ColumnBuilder::finish).collect(),
    ))
}

/// A cell as the text a CSV export would hold.
fn text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => format!("{f}"),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(d) => {
            let (y, mo, da, h, mi, s, ms) = d.to_ymd_hms_milli();
            if d.as_f64().fract() == 0.0 {
                format!("{y:04}-{mo:02}-{da:02}")
            } else if ms == 0 {
                format!("{y:04}-{mo:02}-{da:02}T{h:02}:{mi:02}:{s:02}")
            } else {
                format!("{y:04}-{mo:02}-{da:02}T{h:02}:{mi:02}:{s:02}.{ms:03}")
            }
        }
        Data::Error(e) => format!("#{e:?}"),
    }
}
