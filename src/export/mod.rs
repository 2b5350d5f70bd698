//! Microdata export: one CSV row per response, one column per answer, plus a codebook.
//!
//! Why this shape: analysts open the file in Excel, R, SPSS or Stata, so it is a plain CSV with
//! a UTF-8 byte-order mark (without it Excel shows Arabic as mojibake), stable ASCII column
//! names taken from the survey's ids, the codes exactly as written in the survey file, numbers
//! as plain ASCII (`1250.75`, never `1,250.75` or Arabic-Indic digits), and multiple choice as
//! one 0/1 column per option (`q__code`), the layout every statistics package expects. The
//! codebook next to it (`FILE.codebook.csv`) gives each column's question text and each code's
//! label in both languages, and flags the non-substantive codes that estimates leave out.
//!
//! Rows are written as they are read from the database stream, so memory does not grow with
//! the number of responses; the file appears under its final name only once it is complete.

mod codebook;
mod columns;
mod from_cells;
pub mod stamps;

use std::io::Write;
use std::path::{Path, PathBuf};

use futures::{Stream, TryStreamExt};

use crate::db::{Db, StoredResponse};
use crate::survey::Survey;
use crate::{Error, Result};

pub use codebook::write_codebook;
pub use columns::{
    Column, ColumnSource, OPTION_SEPARATOR, answer_cell, columns, free_text_cell, option_cell,
    spreadsheet_safe,
};
pub use from_cells::write_microdata_from_cells;

/// UTF-8 byte-order mark, first in every CSV so that spreadsheet programs read UTF-8.
pub const BOM: &[u8] = "\u{feff}".as_bytes();

/// What an export wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub rows: u64,
    /// Rows that answered another version of the survey than the current definition; their
    /// answers are mapped by id, and the `survey_version` column says which version they saw.
    pub other_versions: u64,
}

/// Write the microdata CSV (BOM, header, one row per response) from a stream of responses,
/// writing each row as it arrives.
pub async fn write_microdata<W, S>(survey: &Survey, rows: S, out: W) -> Result<Summary>
where
    W: Write,
    S: Stream<Item = Result<StoredResponse>>,
{
    let columns = columns(survey);
    let mut out = out;
    out.write_all(BOM).map_err(csv::Error::from)?;
    let mut csv = csv_writer(out);
    csv.write_record(columns.iter().map(|c| c.name.as_str()))?;
    let mut summary = Summary::default();
    let mut record: Vec<String> = Vec::with_capacity(columns.len());
    let mut rows = std::pin::pin!(rows);
    while let Some(response) = rows.try_next().await? {
        record.clear();
        record.extend(columns.iter().map(|c| c.cell(&response)));
        csv.write_record(&record)?;
        summary.rows += 1;
        if response.survey_version != survey.version {
            summary.other_versions += 1;
        }
    }
    csv.flush().map_err(csv::Error::from)?;
    Ok(summary)
}

/// The codebook's path for a microdata path: `out.csv` → `out.codebook.csv`.
pub fn codebook_path(out: &Path) -> PathBuf {
    let stem = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".into());
    out.with_file_name(format!("{stem}.codebook.csv"))
}

/// Export a survey's responses from the database to `out` and its codebook next to it. Each
/// file is written to a temporary name and renamed when complete, so a failed export never
/// leaves a half-written file under the final name.
pub async fn export_to_files(db: &Db, survey: &Survey, out: &Path) -> Result<Summary> {
    let codebook = codebook_path(out);
    write_atomically(&codebook, |file| write_codebook(survey, file)).await?;
    let partial = partial_path(out);
    let file = std::fs::File::create(&partial).map_err(|e| Error::io(&partial, e))?;
    // From the responses' cells when every response has them (the same file, faster), else
    // from the answers' JSON.
    let marker = db.change_marker(&survey.id).await?;
    let written = match from_cells::write_microdata_from_cells(
        db,
        survey,
        marker,
        std::io::BufWriter::new(&file),
    )
    .await
    {
        Ok(Some(summary)) => Ok(summary),
        Ok(None) => {
            let file = file.try_clone().map_err(|e| Error::io(&partial, e))?;
            write_microdata(
                survey,
                db.responses(&survey.id),
                std::io::BufWriter::new(file),
            )
            .await
        }
        Err(e) => Err(e),
    };
    let result = written.and_then(|summary| {
        std::fs::rename(&partial, out).map_err(|e| Error::io(out, e))?;
        Ok(summary)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

async fn write_atomically(
    path: &Path,
    write: impl FnOnce(std::io::BufWriter<std::fs::File>) -> Result<()>,
) -> Result<()> {
    let partial = partial_path(path);
    let file = std::fs::File::create(&partial).map_err(|e| Error::io(&partial, e))?;
    let result = write(std::io::BufWriter::new(file))
        .and_then(|()| std::fs::rename(&partial, path).map_err(|e| Error::io(path, e)));
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    path.with_file_name(name)
}

/// RFC 4180 CSV: CRLF line ends, fields quoted only when they hold a comma, quote or newline.
fn csv_writer<W: Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out)
}

/// A number as plain ASCII: integers without a fractional part (`37`, not `37.0`), others in
/// the shortest form that reads back to the same value (`1250.75`), never with an exponent.
pub fn format_number(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}
