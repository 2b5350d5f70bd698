//! Reading a CSV of responses (Mizan's export, or a KoboToolbox/ODK export) into columns, and
//! turning columns into what the statistics take: numbers (NaN = missing) or group codes.
//!
//! Tolerated: a UTF-8 byte-order mark, `\r\n` line ends, `,` `;` or tab as the delimiter
//! (detected from the header line, KoboToolbox writes `;`), an `.xlsx` workbook instead of a
//! CSV ([`super::xlsx`]), Arabic-Indic digits and decimal separator in numbers, and a header
//! that names a column twice (label exports repeat labels) as long as that column is not used.
//! Missing: an empty cell, `n/a` (KoboToolbox's legacy exports), or one of the configured
//! missing codes (compared trimmed and case-insensitively, e.g. `dk`, `refused`).
//!
//! Columns are dictionary-encoded (one `u32` per row and each distinct cell once): survey
//! answers are codes with a handful of values, so a million rows cost 4 MB per column, and a
//! number or label is parsed once per distinct value rather than once per row. A [`Table`] is
//! built from a file ([`Table::read`]) or column by column ([`ColumnBuilder`], used to read
//! straight from the database), and both give the same numbers for the same cells.

use crate::stats::{MISSING_CODE, factorize};
use crate::{Error, Result};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct Table {
    /// Where the data came from, for messages (a file, or `database: SURVEY`).
    pub path: PathBuf,
    pub headers: Vec<String>,
    pub columns: Vec<Column>,
    /// Lowercased missing codes.
    missing: Vec<String>,
    /// The file line of each row when filters left some out (empty: row `i` is line `i + 2`).
    lines: Vec<u32>,
}

/// One dictionary-encoded column: row `i` holds `values[codes[i]]`.
#[derive(Debug, Default, Clone)]
pub struct Column {
    codes: Vec<u32>,
    values: Values,
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

    /// The distinct cells, and each row's index into them (in a column of mostly distinct
    /// cells a cell may be there more than once: see [`ColumnBuilder`]).
    pub fn dictionary(&self) -> (&[u32], &Values) {
        (&self.codes, &self.values)
    }
}

/// The distinct cells of a column, end to end in one string: a column of a million different
/// weights is two allocations, not a million.
#[derive(Debug, Default, Clone)]
pub struct Values {
    text: String,
    /// Where each value ends in `text`.
    ends: Vec<usize>,
}

impl Values {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|k| &self[k])
    }

    fn push(&mut self, value: &str) {
        self.text.push_str(value);
        self.ends.push(self.text.len());
    }
}

impl std::ops::Index<usize> for Values {
    type Output = str;

    fn index(&self, k: usize) -> &str {
        let start = if k == 0 { 0 } else { self.ends[k - 1] };
        &self.text[start..self.ends[k]]
    }
}

/// Builds a [`Column`] one cell at a time, storing each distinct cell once, until the column
/// turns out to be mostly distinct cells (weights, identifiers): then every cell is stored as
/// it comes, since looking each one up in a dictionary as large as the column would cost far
/// more than it saves.
#[derive(Debug, Default)]
pub struct ColumnBuilder {
    column: Column,
    /// The hash and code of each distinct cell: a cell is found by its hash and compared with
    /// its text in the column (no key of its own: a cell is copied once, into the column),
    /// and the table grows without reading any text again.
    index: hashbrown::HashTable<(u64, u32)>,
    hasher: hashbrown::DefaultHashBuilder,
    /// The column stores cells row by row (no dictionary any more).
    row_by_row: bool,
}

/// Every this many cells a builder checks whether more than half of them were distinct.
const DICTIONARY_CHECK_EVERY: usize = 65_536;

impl ColumnBuilder {
    /// Add a cell; returns its code (for [`ColumnBuilder::push_code`]).
    pub fn push(&mut self, cell: &str) -> u32 {
        let code = self.intern(cell);
        let codes = &mut self.column.codes;
        codes.push(code);
        if !self.row_by_row
            && codes.len() % DICTIONARY_CHECK_EVERY == 0
            && 2 * self.column.values.len() > codes.len()
        {
            self.row_by_row = true;
            self.index = hashbrown::HashTable::new();
        }
        code
    }

    /// The code of a cell, the cell stored if it is new (always, row by row).
    fn intern(&mut self, cell: &str) -> u32 {
        use std::hash::BuildHasher;
        let values = &mut self.column.values;
        if self.row_by_row {
            values.push(cell);
            return values.len() as u32 - 1;
        }
        let hash = self.hasher.hash_one(cell);
        let found = self
            .index
            .find(hash, |(h, c)| *h == hash && &values[*c as usize] == cell);
        match found {
            Some((_, c)) => *c,
            None => {
                let c = values.len() as u32;
                values.push(cell);
                self.index.insert_unique(hash, (hash, c), |(h, _)| *h);
                c
            }
        }
    }

    /// Add again a cell this builder returned the code of: no lookup.
    pub fn push_code(&mut self, code: u32) {
        self.column.codes.push(code);
    }

    pub fn finish(self) -> Column {
        self.column
    }
}

/// Rows read before their columns are filled (see [`Table::from_bytes_with`]).
const CHUNK_ROWS: usize = 65_536;

/// Push a chunk of records into the columns: on two threads (half of the columns each) for a
/// full chunk, on this one otherwise. Every field must be UTF-8; the records' lines count
/// from `lines_before`, for messages.
fn fill_columns(
    path: &Path,
    columns: &mut [ColumnBuilder],
    records: &[csv::ByteRecord],
    lines_before: u64,
) -> Result<()> {
    // The error names the file line of the first bad record (the record's own position:
    // a quoted field may span lines).
    let fill = |columns: &mut [ColumnBuilder], offset: usize| -> std::result::Result<(), u64> {
        for record in records {
            for (col, field) in columns.iter_mut().zip(record.iter().skip(offset)) {
                let cell = std::str::from_utf8(field)
                    .map_err(|_| lines_before + record.position().map_or(0, |p| p.line()))?;
                col.push(cell);
            }
        }
        Ok(())
    };
    let not_utf8 = |line: u64| bad(path, format!("line {line}: not valid UTF-8"));
    if records.len() < CHUNK_ROWS || columns.len() < 2 {
        return fill(columns, 0).map_err(not_utf8);
    }
    let half = columns.len() / 2;
    let (left, right) = columns.split_at_mut(half);
    std::thread::scope(|s| {
        let other = s.spawn(|| fill(right, half));
        let mine = fill(left, 0);
        let theirs = other.join().unwrap_or(Err(lines_before));
        // The first line in error, whichever half found it.
        match (mine, theirs) {
            (Err(a), Err(b)) => Err(not_utf8(a.min(b))),
            (Err(e), _) | (_, Err(e)) => Err(not_utf8(e)),
            _ => Ok(()),
        }
    })
}

/// The records of `part` (whole lines of a file after its header, `lines_before` lines into
/// it) into `n_columns` columns. Byte records, reused: no allocation per row or cell (a cell
/// already seen is only looked up). Records are read in chunks, then the chunk's columns are
/// filled on two threads (each half of the columns) while nothing else is read, which pays
/// once a chunk is large (a million-row file), and is skipped for small files. (Reading the
/// next chunk meanwhile on a third thread, or each half of the file on a thread of its own,
/// was measured slower on two cores.)
fn read_records(
    path: &Path,
    part: &[u8],
    lines_before: u64,
    delimiter: u8,
    n_columns: usize,
) -> Result<Vec<ColumnBuilder>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(part);
    let mut columns: Vec<ColumnBuilder> =
        (0..n_columns).map(|_| ColumnBuilder::default()).collect();
    let mut chunk: Vec<csv::ByteRecord> = Vec::new();
    let mut used = 0usize;
    loop {
        if used == chunk.len() {
            chunk.push(csv::ByteRecord::new());
        }
        let more = reader.read_byte_record(&mut chunk[used]).map_err(|e| {
            let line = lines_before + e.position().map_or(0, |p| p.line());
            bad(path, format!("line {line}: {}", short(&e.to_string())))
        })?;
        // A record of another length than the header's, as (its line, its length).
        let misfit = (more && chunk[used].len() != n_columns).then(|| {
            let record = &chunk[used];
            let line = lines_before + record.position().map_or(0, |p| p.line());
            (line, record.len())
        });
        if more && misfit.is_none() {
            used += 1;
        }
        if used > 0 && (used == CHUNK_ROWS || !more || misfit.is_some()) {
            // A bad cell above a record of the wrong length is the first error.
            fill_columns(path, &mut columns, &chunk[..used], lines_before)?;
            used = 0;
        }
        if let Some((line, len)) = misfit {
            return Err(bad(
                path,
                format!("line {line}: {len} fields where the header has {n_columns}"),
            ));
        }
        if !more {
            return Ok(columns);
        }
    }
}

fn bad(path: &Path, msg: impl std::fmt::Display) -> Error {
    Error::Stats(format!("{}: {msg}", path.display()))
}

/// Text from the data quoted in a message, cut to about 80 characters: a misread header can
/// be one 25 KB "column".
pub fn short(text: &str) -> String {
    const MAX: usize = 80;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}… ({} characters)", text.chars().count())
    }
}

/// How to read the data file: `delimiter` (detected when `None`) for CSV, `sheet` (the first
/// when `None`) for XLSX.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    pub delimiter: Option<u8>,
    pub sheet: Option<String>,
}

/// The delimiter of a CSV: whichever of `,` `;` tab occurs most often outside quotes in the
/// header line (a comma when none does).
pub fn detect_delimiter(bytes: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for b in bytes {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|i| (counts[*i], 3 - i)).unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        [b',', b';', b'\t'][best]
    }
}

/// A `--delimiter` value: one character, or `tab` / `\t`.
pub fn parse_delimiter(s: &str) -> Result<u8> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(Error::Other(format!(
            "--delimiter `{}`: give one character such as `,` `;` or `tab`",
            short(s)
        ))),
    }
}

/// Arabic-Indic (٠–٩) and Extended Arabic-Indic (۰–۹) digits to ASCII (the survey module's
/// rule), the Arabic decimal separator to `.`, the Arabic thousands separator dropped.
pub fn ascii_number(s: &str) -> Cow<'_, str> {
    let t = s.trim();
    if t.is_ascii() {
        // Nothing to rewrite (the common case: no copy for a million weights).
        return Cow::Borrowed(t);
    }
    Cow::Owned(
        crate::survey::answers::normalise_digits(t)
            .chars()
            .filter(|c| *c != '٬')
            .map(|c| if c == '٫' { '.' } else { c })
            .collect(),
    )
}

impl Table {
    pub fn read(path: &Path, missing_codes: &[String]) -> Result<Table> {
        Self::read_with(path, missing_codes, &ReadOptions::default())
    }

    /// A CSV, or an XLSX workbook when the name ends in `.xlsx` (or `.xlsm`).
    pub fn read_with(
        path: &Path,
        missing_codes: &[String],
        options: &ReadOptions,
    ) -> Result<Table> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase());
        if matches!(ext.as_deref(), Some("xlsx" | "xlsm")) {
            let (headers, columns) = super::xlsx::read(path, options.sheet.as_deref())?;
            return Table::from_columns(path, headers, columns, missing_codes);
        }
        if options.sheet.is_some() {
            return Err(bad(
                path,
                "--sheet is for .xlsx files; this file is read as CSV",
            ));
        }
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::from_bytes_with(path, &bytes, missing_codes, options.delimiter)
    }

    pub fn from_bytes(path: &Path, bytes: &[u8], missing_codes: &[String]) -> Result<Table> {
        Self::from_bytes_with(path, bytes, missing_codes, None)
    }

    pub fn from_bytes_with(
        path: &Path,
        bytes: &[u8],
        missing_codes: &[String],
        delimiter: Option<u8>,
    ) -> Result<Table> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let delimiter = delimiter.unwrap_or_else(|| detect_delimiter(bytes));
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .from_reader(bytes);
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| {
                bad(
                    path,
                    format!("cannot read the header line: {}", short(&e.to_string())),
                )
            })?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        if headers.is_empty() || headers.iter().all(|h| h.is_empty()) {
            return Err(bad(path, "the file has no header line"));
        }
        // The records after the header (their lines counted from it), read as they come.
        let body_start = (reader.position().byte() as usize).min(bytes.len());
        let lines_before = bytes[..body_start].iter().filter(|b| **b == b'\n').count() as u64;
        let body = &bytes[body_start..];
        let columns = read_records(path, body, lines_before, delimiter, headers.len())?;
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
            lines: Vec::new(),
        })
    }

    pub fn rows(&self) -> usize {
        self.columns[0].len()
    }

    /// The column of that name. A name the header repeats is an error naming both positions
    /// (1-based, as a spreadsheet counts); repeats of names not asked for do not matter.
    pub fn column(&self, name: &str) -> Result<&Column> {
        let mut found = self.headers.iter().enumerate().filter(|(_, h)| *h == name);
        match (found.next(), found.next()) {
            (Some((i, _)), None) => Ok(&self.columns[i]),
            (Some((i, _)), Some((j, _))) => Err(bad(
                &self.path,
                format!(
                    "column `{}` appears twice in the header (columns {} and {}): the design cannot tell which to use; name another column, or export with XML values and headers",
                    short(name),
                    i + 1,
                    j + 1
                ),
            )),
            _ => Err(bad(
                &self.path,
                format!(
                    "no column `{}` (the header has {} columns: {}){}",
                    short(name),
                    self.headers.len(),
                    short(&self.headers.join(", ")),
                    if self.headers.len() == 1 {
                        "; a header read as one column means another delimiter: give --delimiter"
                    } else {
                        ""
                    }
                ),
            )),
        }
    }

    /// Whether the header has a column of that name.
    pub fn has_column(&self, name: &str) -> bool {
        self.headers.iter().any(|h| h == name)
    }

    /// A new table of the rows where `keep` is true (the cells' dictionaries are kept).
    pub fn subset(&self, keep: &[bool]) -> Result<Table> {
        let columns = self
            .columns
            .iter()
            .map(|c| Column {
                codes: c
                    .codes
                    .iter()
                    .zip(keep)
                    .filter(|(_, k)| **k)
                    .map(|(code, _)| *code)
                    .collect(),
                values: c.values.clone(),
            })
            .collect();
        let mut t = Table::from_columns(&self.path, self.headers.clone(), columns, &[])
            .map_err(|_| bad(&self.path, "no row is left after the filters"))?;
        t.missing = self.missing.clone();
        t.lines = (0..self.rows())
            .filter(|i| keep[*i])
            .map(|i| self.line(i) as u32)
            .collect();
        Ok(t)
    }

    /// The line of the data file (header = line 1) that row `row` came from, for messages.
    pub fn line(&self, row: usize) -> usize {
        self.lines.get(row).map_or(row + 2, |l| *l as usize)
    }

    /// Empty, `n/a` (KoboToolbox's legacy CSV writes it in every empty cell) or a configured
    /// missing code.
    pub fn is_missing(&self, cell: &str) -> bool {
        let t = cell.trim();
        t.is_empty()
            || t.eq_ignore_ascii_case("n/a")
            || (!self.missing.is_empty() && self.missing.contains(&t.to_lowercase()))
    }

    /// A 0/1 column for a proportion, NaN where missing. Without `category`: numbers 0 and 1,
    /// or `true`/`false` in any case (KoboToolbox's legacy select_multiple columns). With it:
    /// 1 where the answer is that category (compared as labels are), 0 for any other answer.
    pub fn zero_one(&self, name: &str, category: Option<&str>) -> Result<Vec<f64>> {
        let col = self.column(name)?;
        let (codes, values) = col.dictionary();
        let wanted = category.map(ascii_label);
        let parsed: Vec<Option<f64>> = values
            .iter()
            .map(|cell| {
                if self.is_missing(cell) {
                    return Some(f64::NAN);
                }
                if let Some(w) = &wanted {
                    return Some((ascii_label(cell) == *w) as u8 as f64);
                }
                let t = cell.trim();
                if t.eq_ignore_ascii_case("true") {
                    return Some(1.0);
                }
                if t.eq_ignore_ascii_case("false") {
                    return Some(0.0);
                }
                match ascii_number(t).parse::<f64>() {
                    Ok(v) if v == 0.0 || v == 1.0 => Some(v),
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
                            "line {}: column `{}`: `{}` is not 0/1 or true/false; to count one answer, give the variable `category = \"{}\"`",
                            self.line(i),
                            short(name),
                            short(&values[*c as usize]),
                            short(values[*c as usize].trim())
                        ),
                    )
                })
            })
            .collect()
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
                            "line {}: column `{}`: `{}` is not a number",
                            self.line(i),
                            short(name),
                            short(&values[*c as usize])
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
                    "line {}: column `{}` is empty but needs a value in every row",
                    self.line(i),
                    short(name)
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
                    "line {}: column `{}` is empty but needs a value in every row",
                    self.line(i),
                    short(name)
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
        a.into_owned()
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
    fn kobo_conventions_delimiters_n_a_true_false_and_repeated_headers() {
        assert_eq!(detect_delimiter(b"\"a;b\";\"c\"\r\n"), b';');
        assert_eq!(detect_delimiter(b"a\tb\tc\n1,5\t2\t3\n"), b'\t');
        assert_eq!(detect_delimiter(b"\"x;y\",b\n"), b',');
        assert_eq!(detect_delimiter(b"single\n"), b',');
        let csv = "\"w\";\"q\";\"other\";\"other\"\r\n\"1\";\"True\";\"\";\"\"\r\n\"n/a\";\"FALSE\";\"\";\"\"\r\n\"2\";\"n/a\";\"\";\"\"\r\n";
        let t = Table::from_bytes(Path::new("k.csv"), csv.as_bytes(), &[]).unwrap();
        let w = t.numeric("w").unwrap();
        assert!(w[0] == 1.0 && w[1].is_nan() && w[2] == 2.0);
        let q = t.zero_one("q", None).unwrap();
        assert!(q[0] == 1.0 && q[1] == 0.0 && q[2].is_nan());
        let e = t.column("other").unwrap_err().to_string();
        assert!(e.contains("columns 3 and 4"), "{e}");
        let yes = Table::from_bytes(Path::new("y.csv"), b"t\nyes\nno\n\n", &[]).unwrap();
        assert!(yes.zero_one("t", None).is_err());
        assert_eq!(yes.zero_one("t", Some("yes")).unwrap()[..2], [1.0, 0.0]);
        assert_eq!(short(&"x".repeat(25_000)).chars().count() < 120, true);
    }

    #[test]
    fn a_column_of_mostly_distinct_cells_reads_the_same_row_by_row() {
        // 70,000 rows: `id` repeats only at the end (after the builder stopped keeping a
        // dictionary for it), `w` never, `g` has two values.
        let mut csv = String::from("id,w,g\n");
        for i in 0..70_000u32 {
            csv.push_str(&format!(
                "{},{},{}\n",
                i % 69_000,
                1.0 + i as f64 / 7.0,
                i % 2
            ));
        }
        let t = Table::from_bytes("x.csv".as_ref(), csv.as_bytes(), &[]).unwrap();
        let id = t.column("id").unwrap();
        assert!(id.dictionary().1.len() > 69_000, "stored row by row");
        assert_eq!(t.column("g").unwrap().dictionary().1.len(), 2);
        assert_eq!((id.get(0), id.get(69_000)), ("0", "0"));
        let (codes, labels) = t.codes("id").unwrap();
        assert_eq!(labels.len(), 69_000);
        assert_eq!(codes[0], codes[69_000]);
        assert_eq!(labels[codes[69_999] as usize], "999");
        let w = t.numeric("w").unwrap();
        assert_eq!(w[69_999], 1.0 + 69_999.0 / 7.0);
        assert_eq!(t.numeric("g").unwrap()[69_999], 1.0);
    }

    #[test]
    fn the_first_bad_line_of_a_large_file_is_the_one_reported() {
        // Records are read a chunk at a time before the chunk's columns are filled: a bad
        // cell in an early chunk must win over a bad record in a later one, and the other
        // way round.
        let file = |bad_cell_at: usize, bad_record_at: usize| {
            let mut bytes = b"a,b\n".to_vec();
            for line in 2..140_000usize {
                if line == bad_cell_at {
                    bytes.extend_from_slice(b"\xff,1\n");
                } else if line == bad_record_at {
                    bytes.extend_from_slice(b"1,2,3\n");
                } else {
                    bytes.extend_from_slice(format!("{line},x\n").as_bytes());
                }
            }
            let err = Table::from_bytes("big.csv".as_ref(), &bytes, &[]).unwrap_err();
            err.to_string()
        };
        let early_cell = file(10, 100_000);
        assert!(
            early_cell.contains("line 10: not valid UTF-8"),
            "{early_cell}"
        );
        let early_record = file(100_000, 10);
        assert!(early_record.contains("line 10: 3 fields"), "{early_record}");
        let same_chunk = file(10, 20);
        assert!(
            same_chunk.contains("line 10: not valid UTF-8"),
            "{same_chunk}"
        );
        let late_cell = file(139_000, 0);
        assert!(
            late_cell.contains("line 139000: not valid UTF-8"),
            "{late_cell}"
        );
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
