//! Reading a CSV of responses (Mizan's export, or a KoboToolbox/ODK export) into columns, and
//! turning columns into what the statistics take: numbers (NaN = missing) or group codes.
//!
//! Tolerated: a UTF-8 byte-order mark, `\r\n` line ends, Arabic-Indic digits and decimal
//! separator in numbers. Missing: an empty cell, or one of the configured missing codes
//! (compared trimmed and case-insensitively, e.g. `dk`, `refused`, `n/a`).

use crate::stats::{MISSING_CODE, factorize};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct Table {
    pub path: PathBuf,
    pub headers: Vec<String>,
    /// Column-major cells.
    pub columns: Vec<Vec<String>>,
    /// Lowercased missing codes.
    missing: Vec<String>,
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
        let mut columns = vec![Vec::new(); headers.len()];
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
                col.push(field.to_string());
            }
        }
        if columns[0].is_empty() {
            return Err(bad(path, "the file has a header but no rows"));
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

    pub fn column(&self, name: &str) -> Result<&[String]> {
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
        col.iter()
            .enumerate()
            .map(|(i, cell)| {
                if self.is_missing(cell) {
                    return Ok(f64::NAN);
                }
                match ascii_number(cell).parse::<f64>() {
                    Ok(v) if v.is_finite() => Ok(v),
                    _ => Err(bad(
                        &self.path,
                        format!("line {}: column `{name}`: `{cell}` is not a number", i + 2),
                    )),
                }
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
        let values: Vec<Option<String>> = col
            .iter()
            .map(|c| {
                if self.is_missing(c) {
                    None
                } else {
                    Some(ascii_label(c))
                }
            })
            .collect();
        Ok(factorize(&values))
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
