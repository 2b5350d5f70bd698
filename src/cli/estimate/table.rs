//! Reading a CSV of responses (Mizan's export, or a KoboToolbox/ODK export) into columns, and
//! turning columns into what the statistics take: numbers (NaN = missing) or group codes.
//!
//! Tolerated: a UTF-8 byte-order mark, `\r\n` line ends, Arabic-Indic digits and decimal
//! separator in numbers. Missing: an empty cell, or one of the configured missing codes
//! (compared trimmed and case-insensitively, e.g. `dk`, `refused`, `n/a`).
//!
//! Columns are dictionary-encoded (one `u32` per row and each distinct cell once): survey
//! answers are codes with a handful of values, so a million rows cost 4 MB per column, and a
//! number or label is parsed once per distinct value rather than once per row. A [`Table`] is
//! built from a file ([`Table::read`]) or column by column ([`ColumnBuilder`], used to read
//! straight from the database), and both give the same numbers for the same cells.

use crate::stats::{MISSING_CODE, factorize};
use crate::{Error, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct Table {
    /// Where the data came from, for messages (a file, or `database: SURVEY`).
    pub path: PathBuf,
    pub headers: Vec<String>,
    pub columns: Vec<Column>,
    /// Lowercased missing codes.
    missing: Vec<String>,
}

/// One dictionary-encoded column: row `i` holds `values[codes[i]]`.
#[derive(Debug, Default, Clone)]
pub struct Column {
    codes: Vec<u32>,
    values: Vec<String>,
}

impl Column {
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The cell of row `i`.
    pub fn get(&self, i: usize) -> &str {
        &self.values[self.codes[i] as usize]
    }

    /// The distinct cells, and each row's index into them.
    pub fn dictionary(&self) -> (&[u32], &[String]) {
        (&self.codes, &self.values)
    }
}

/// Builds a [`Column`] one cell at a time, storing each distinct cell once.
#[derive(Debug, Default)]
pub struct ColumnBuilder {
    column: Column,
    index: HashMap<String, u32>,
}

impl ColumnBuilder {
    pub fn push(&mut self, cell: &str) {
        let code = match self.index.get(cell) {
            Some(c) => *c,
            None => {
                let c = self.column.values.len() as u32;
                self.column.values.push(cell.to_string());
                self.index.insert(cell.to_string(), c);
                c
            }
        };
        self.column.codes.push(code);
    }

    pub fn finish(self) -> Column {
        self.column
    }
}

fn bad(path: &Path, msg: impl std::fmt::Display) -> Error {
    Error::Stats(format!("{}: {msg}", path.display()))
}

/// Arabic-Indic (٠–٩) and Extended Arabic-Indic (۰–۹) digits to ASCII (the survey module's
/// rule), the Arabic decimal separator to `.`, the Arabic thousands separator dropped.
pub fn ascii_number(s: &str) -> String {
    crate::survey::answers::normalise_digits(s.trim())
        .chars()
        .filter(|c| *c != '٬')
        .map(|c| if c == '٫' { '.' } else { c })
        .collect()
}

impl Table {
    pub fn read(path: &Path, missing_codes: &[String]) -> Result<Table> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::from_bytes(path, &bytes, missing_codes)
    }

    pub fn from_bytes(path: &Path, bytes: &[u8], missing_codes: &[String]) -> Result<Table> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| bad(path, format!("cannot read the header line: {e}")))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        if headers.is_empty() || headers.iter().all(|h| h.is_empty()) {
            return Err(bad(path, "the file has no header line"));
        }
        for (i, h) in headers.iter().enumerate() {
            if headers[..i].contains(h) {
                return Err(bad(
                    path,
                    format!("column `{h}` appears twice in the header"),
                ));
            }
        }
        let mut columns: Vec<ColumnBuilder> =
            headers.iter().map(|_| ColumnBuilder::default()).collect();
        for (k, record) in reader.records().enumerate() {
            let record = record.map_err(|e| {
                let line = e.position().map(|p| p.line()).unwrap_or(k as u64 + 2);
                let msg = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => {
                        format!("line {line}: {len} fields where the header has {expected_len}")
                    }
                    csv::ErrorKind::Utf8 { .. } => format!("line {line}: not valid UTF-8"),
                    _ => format!("line {line}: {e}"),
                };
                bad(path, msg)
            })?;
            for (col, field) in columns.iter_mut().zip(record.iter()) {
                col.push(field);
            }
        }
        let columns = columns.into_iter().map(ColumnBuilder::finish).collect();
        Table::from_columns(path, headers, columns, missing_codes)
    }

    /// A table from columns already read (all of the same length, at least one row).
    pub fn from_columns(
        path: &Path,
        headers: Vec<String>,
        columns: Vec<Column>,
        missing_codes: &[String],
    ) -> Result<Table> {
        match columns.first() {
            None => return Err(bad(path, "the data has no columns")),
            Some(c) if c.is_empty() => {
                return Err(bad(path, "the data has a header but no rows"));
            }
            Some(c) if columns.iter().any(|o| o.len() != c.len()) => {
                return Err(bad(path, "the columns have different lengths"));
            }
            _ => {}
        }
        if headers.len() != columns.len() {
            return Err(bad(path, "as many headers as columns are needed"));
        }
        Ok(Table {
            path: path.to_path_buf(),
            headers,
            columns,
            missing: missing_codes
                .iter()
                .map(|m| m.trim().to_lowercase())
                .collect(),
        })
    }

    pub fn rows(&self) -> usize {
        self.columns[0].len()
    }

    pub fn column(&self, name: &str) -> Result<&Column> {
        match self.headers.iter().position(|h| h == name) {
            Some(i) => Ok(&self.columns[i]),
            None => Err(bad(
                &self.path,
                format!("no column `{name}` (columns: {})", self.headers.join(", ")),
            )),
        }
    }

    pub fn is_missing(&self, cell: &str) -> bool {
        let t = cell.trim();
        t.is_empty() || (!self.missing.is_empty() && self.missing.contains(&t.to_lowercase()))
    }

    /// A numeric column, NaN where missing; any other non-number is an error naming the line.
    pub fn numeric(&self, name: &str) -> Result<Vec<f64>> {
        let col = self.column(name)?;
        let (codes, values) = col.dictionary();
        let parsed: Vec<Option<f64>> = values
            .iter()
            .map(|cell| {
                if self.is_missing(cell) {
                    return Some(f64::NAN);
                }
                match ascii_number(cell).parse::<f64>() {
                    Ok(v) if v.is_finite() => Some(v),
                    _ => None,
                }
            })
            .collect();
        codes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                parsed[*c as usize].ok_or_else(|| {
                    bad(
                        &self.path,
                        format!(
                            "line {}: column `{name}`: `{}` is not a number",
                            i + 2,
                            values[*c as usize]
                        ),
                    )
                })
            })
            .collect()
    }

    /// A numeric column that must have a value in every row (weights).
    pub fn required_numeric(&self, name: &str) -> Result<Vec<f64>> {
        let v = self.numeric(name)?;
        if let Some(i) = v.iter().position(|x| x.is_nan()) {
            return Err(bad(
                &self.path,
                format!(
                    "line {}: column `{name}` is empty but needs a value in every row",
                    i + 2
                ),
            ));
        }
        Ok(v)
    }

    /// Group codes of a column (sorted labels), missing cells as [`MISSING_CODE`].
    pub fn codes(&self, name: &str) -> Result<(Vec<u32>, Vec<String>)> {
        let col = self.column(name)?;
        let (codes, values) = col.dictionary();
        let distinct: Vec<Option<String>> = values
            .iter()
            .map(|c| {
                if self.is_missing(c) {
                    None
                } else {
                    Some(ascii_label(c))
                }
            })
            .collect();
        let (group_of_value, labels) = factorize(&distinct);
        Ok((
            codes.iter().map(|c| group_of_value[*c as usize]).collect(),
            labels,
        ))
    }

    /// Group codes of a column that must have a value in every row (strata, clusters).
    pub fn required_codes(&self, name: &str) -> Result<Vec<u32>> {
        let (codes, _) = self.codes(name)?;
        if let Some(i) = codes.iter().position(|c| *c == MISSING_CODE) {
            return Err(bad(
                &self.path,
                format!(
                    "line {}: column `{name}` is empty but needs a value in every row",
                    i + 2
                ),
            ));
        }
        Ok(codes)
    }
}

/// Labels compare as written, except that numbers in Arabic digits equal the same number in
/// ASCII digits.
pub fn ascii_label(s: &str) -> String {
    let t = s.trim();
    let a = ascii_number(t);
    if a.parse::<f64>().is_ok() {
        a
    } else {
        t.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_arabic_digits_and_missing_codes() {
        let csv = "\u{feff}w,q\n١٫٥,DK\n2,٣\n".as_bytes();
        let t = Table::from_bytes(Path::new("x.csv"), csv, &["dk".into()]).unwrap();
        assert_eq!(t.headers, vec!["w", "q"]);
        assert_eq!(t.numeric("w").unwrap(), vec![1.5, 2.0]);
        let q = t.numeric("q").unwrap();
        assert!(q[0].is_nan() && q[1] == 3.0);
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let t = Table::from_bytes(Path::new("x.csv"), b"w\n1\nabc\n", &[]).unwrap();
        let e = t.numeric("w").unwrap_err().to_string();
        assert!(
            e.contains("x.csv") && e.contains("line 3") && e.contains("`w`"),
            "{e}"
        );
        let e = Table::from_bytes(Path::new("y.csv"), b"a,b\n1,2\n3\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("y.csv") && e.contains("line 3"), "{e}");
        assert!(
            t.column("nope")
                .unwrap_err()
                .to_string()
                .contains("no column `nope`")
        );
    }
}
