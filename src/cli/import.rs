//! `mizan import xlsform FORM.xlsx --out surveys/ID.toml`: converts an XLSForm (KoboToolbox,
//! ODK) into a survey file. The report of what could not be converted goes to stderr, one line
//! per row and column; the file is written only once the survey loader has accepted it, and
//! atomically (a temporary file renamed over the target), so nothing half-written is left.
//! Exit code 0: written, every row converted; 2: written, with rows or cells left out (listed);
//! 1: nothing written.

use crate::survey::xlsform::{self, Row, Sheet, Workbook};
use calamine::{Data, Reader, Xlsx, open_workbook};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub format: Format,
}

#[derive(Debug, clap::Subcommand)]
pub enum Format {
    /// Convert an XLSForm spreadsheet (.xlsx) into a survey file.
    Xlsform(XlsformArgs),
}

#[derive(Debug, clap::Args)]
pub struct XlsformArgs {
    /// The XLSForm workbook (.xlsx) with `survey`, `choices` and `settings` sheets.
    pub form: PathBuf,
    /// The survey file to write; its name gives the survey id (`surveys/ID.toml`).
    #[arg(long)]
    pub out: PathBuf,
    /// Replace the output file if it exists.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: Args) -> ExitCode {
    match args.format {
        Format::Xlsform(a) => xlsform_run(a),
    }
}

fn xlsform_run(a: XlsformArgs) -> ExitCode {
    let id = a
        .out
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".toml"))
        .unwrap_or("");
    if !xlsform::valid_survey_id(id) {
        return super::fail(format!(
            "{}: the output's name gives the survey id: name it ID.toml, with an id of lower-case ASCII letters, digits and `-`, starting with a letter (at most 40 characters)",
            a.out.display()
        ));
    }
    if a.out.exists() && !a.force {
        return super::fail(format!(
            "{} exists; add --force to replace it",
            a.out.display()
        ));
    }
    let book = match read_workbook(&a.form) {
        Ok(b) => b,
        Err(e) => return super::fail(e),
    };
    let conversion = match xlsform::convert(&book, id, &a.out) {
        Ok(c) => c,
        Err(e) => return super::fail(format!("{}: {e}; nothing written", a.form.display())),
    };
    let form = a.form.display();
    for n in &conversion.notes {
        eprintln!("{form}: {n}");
    }
    if let Err(e) = write_atomically(&a.out, &conversion.toml) {
        return super::fail(format!("{}: cannot write: {e}", a.out.display()));
    }
    let s = &conversion.survey;
    let left_out = conversion
        .notes
        .iter()
        .filter(|n| n.kind == xlsform::NoteKind::NotConverted)
        .count();
    println!(
        "wrote {} ({}, {} questions on {} pages){}",
        a.out.display(),
        s.id,
        s.questions().count(),
        s.pages.len(),
        if left_out == 0 {
            String::new()
        } else {
            format!("; {left_out} things not converted, listed above")
        }
    );
    if conversion.complete() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

/// Every sheet as rows of text, with the row numbers the spreadsheet shows.
fn read_workbook(path: &Path) -> Result<Workbook, String> {
    let mut book: Xlsx<std::io::BufReader<std::fs::File>> =
        open_workbook(path).map_err(|e: calamine::XlsxError| {
            format!(
                "{}: cannot read it as an XLSX workbook: {e}",
                path.display()
            )
        })?;
    let mut sheets = Vec::new();
    for name in book.sheet_names() {
        let range = book
            .worksheet_range(&name)
            .map_err(|e| format!("{}: sheet `{name}`: {e}", path.display()))?;
        // The range starts at its first non-empty cell, not necessarily A1.
        let (top, left) = range.start().unwrap_or((0, 0));
        let rows = range
            .rows()
            .enumerate()
            .map(|(i, r)| Row {
                number: top as usize + i + 1,
                cells: std::iter::repeat_n(String::new(), left as usize)
                    .chain(r.iter().map(text))
                    .collect(),
            })
            .collect();
        sheets.push(Sheet { name, rows });
    }
    Ok(Workbook { sheets })
}

fn text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => format!("{f}"),
        Data::Bool(b) => if *b { "true" } else { "false" }.to_string(),
        Data::DateTime(d) => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{day:02}")
        }
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Writes `text` to a temporary file beside `path`, flushed to disk, then renames it over
/// `path`: a reader sees the old file or the new one, never a part.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("survey");
    // Not `*.toml`: `serve` and `check` do not read it should it be left behind by a crash.
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
