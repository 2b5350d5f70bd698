//! The one workbook of the downloads: sheets `methodology` (the note in both languages side by
//! side), `estimates` (published: rounded, small cells suppressed; codes beside their labels in
//! Arabic and English; shares formatted as percentages), `codebook` and `microdata` (each coded
//! answer followed by its label in the workbook's language, final weights). Every sheet reads
//! right to left when the workbook is Arabic.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::SurveyDesign;
use super::downloads::{self, Loaded, Weights};
use super::methodology::{self, Note};
use super::{labels, publish};
use crate::analysis::Row;
use crate::export::ColumnSource;
use crate::stats::Flag;
use crate::survey::{Lang, QuestionKind, Survey};
use crate::{Error, Result};

/// Sheet names, in order.
pub const SHEETS: [&str; 4] = ["methodology", "estimates", "codebook", "microdata"];

/// The estimates sheet's header.
pub const ESTIMATE_COLUMNS: [&str; 19] = [
    "variable",
    "variable_ar",
    "variable_en",
    "category",
    "category_ar",
    "category_en",
    "domain",
    "domain_value",
    "domain_value_ar",
    "domain_value_en",
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

/// What goes into the workbook.
pub struct Contents<'a> {
    pub survey: &'a Survey,
    pub design: &'a SurveyDesign,
    pub note: &'a Note,
    /// Published rows ([`publish::publish`]).
    pub rows: &'a [Row],
    pub sites: &'a labels::SiteNames,
    pub loaded: &'a Loaded,
    pub weights: &'a Weights,
    pub free_text: bool,
    pub lang: Lang,
}

fn xlsx_error(e: XlsxError) -> Error {
    Error::Other(format!("writing the workbook: {e}"))
}

/// The workbook's bytes.
pub fn workbook(c: &Contents<'_>) -> Result<Vec<u8>> {
    build(c).map_err(xlsx_error)?
}

fn sheet<'b>(
    book: &'b mut Workbook,
    name: &str,
    lang: Lang,
) -> Result<&'b mut Worksheet, XlsxError> {
    let s = book.add_worksheet();
    s.set_name(name)?;
    s.set_right_to_left(lang == Lang::Ar);
    s.set_freeze_panes(1, 0)?;
    Ok(s)
}

fn build(c: &Contents<'_>) -> Result<Result<Vec<u8>>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0.0%");
    let two = Format::new().set_num_format("0.00");
    let whole = Format::new().set_num_format("0");

    // Methodology: the chosen language first, the other beside it.
    let s = sheet(&mut book, SHEETS[0], c.lang)?;
    let first = methodology::lines(c.note, c.lang);
    let second = methodology::lines(c.note, c.lang.other());
    let heads = |l: Lang| match l {
        Lang::Ar => ["البند", "النص"],
        Lang::En => ["item", "text"],
    };
    for (k, h) in heads(c.lang)
        .iter()
        .chain(heads(c.lang.other()).iter())
        .enumerate()
    {
        s.write_string_with_format(0, k as u16, *h, &bold)?;
    }
    for (i, ((a, b), (x, y))) in first.iter().zip(&second).enumerate() {
        let r = i as u32 + 1;
        s.write_string(r, 0, a)?;
        s.write_string(r, 1, b)?;
        s.write_string(r, 2, x)?;
        s.write_string(r, 3, y)?;
    }
    s.set_column_width(1, 90)?;
    s.set_column_width(3, 90)?;

    // Estimates, published.
    let s = sheet(&mut book, SHEETS[1], c.lang)?;
    for (k, h) in ESTIMATE_COLUMNS.iter().enumerate() {
        s.write_string_with_format(0, k as u16, *h, &bold)?;
    }
    for (i, r) in c.rows.iter().enumerate() {
        let row = i as u32 + 1;
        let e = &r.estimate;
        let var = labels::variable(c.survey, &r.variable);
        s.write_string(row, 0, &r.variable)?;
        s.write_string(row, 1, &var.ar)?;
        s.write_string(row, 2, &var.en)?;
        s.write_string(row, 3, &r.category)?;
        if !r.category.is_empty() {
            let cat = labels::value(c.survey, &r.variable, &r.category);
            s.write_string(row, 4, &cat.ar)?;
            s.write_string(row, 5, &cat.en)?;
        }
        s.write_string(row, 6, &r.domain)?;
        s.write_string(row, 7, &r.domain_value)?;
        if !r.domain.is_empty() {
            let g = labels::domain_value(c.survey, &r.domain, &r.domain_value, c.sites);
            s.write_string(row, 8, &g.ar)?;
            s.write_string(row, 9, &g.en)?;
        }
        if !publish::n_hidden(r) {
            s.write_number(row, 10, e.n as f64)?;
        }
        let share = publish::is_share(&c.design.file, &r.variable);
        if r.flag != Flag::Suppressed {
            let value_format = if share { &percent } else { &two };
            if e.n_eff.is_finite() {
                s.write_number_with_format(row, 11, e.n_eff, &whole)?;
            }
            for (k, x) in [e.estimate, e.se, r.ci.0, r.ci.1].into_iter().enumerate() {
                if x.is_finite() {
                    s.write_number_with_format(row, 12 + k as u16, x, value_format)?;
                }
            }
            if e.deff.is_finite() {
                s.write_number_with_format(row, 16, e.deff, &two)?;
            }
        }
        s.write_string(row, 17, r.flag.as_str())?;
        if publish::status_shown(r) {
            s.write_string(row, 18, r.status_code())?;
        }
    }

    // Codebook.
    let s = sheet(&mut book, SHEETS[2], c.lang)?;
    let bytes = match downloads::codebook_csv(c.survey, c.free_text) {
        Ok(b) => b,
        Err(e) => return Ok(Err(e)),
    };
    let body = bytes.strip_prefix(crate::export::BOM).unwrap_or(&bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body);
    for (i, rec) in reader.records().enumerate() {
        let Ok(rec) = rec else { continue };
        for (k, cell) in rec.iter().enumerate() {
            if i == 0 {
                s.write_string_with_format(0, k as u16, cell, &bold)?;
            } else {
                s.write_string(i as u32, k as u16, cell)?;
            }
        }
    }

    // Microdata: codes, each coded column followed by its label.
    let s = sheet(&mut book, SHEETS[3], c.lang)?;
    let cols = downloads::microdata_columns(c.survey, c.free_text);
    let suffix = match c.lang {
        Lang::Ar => "_label_ar",
        Lang::En => "_label_en",
    };
    let mut col = 0u16;
    let mut layout: Vec<(usize, bool, bool)> = Vec::new(); // (column, labelled, numeric)
    for (k, column) in cols.iter().enumerate() {
        let (labelled, numeric) = match &column.source {
            ColumnSource::Answer(key) => match c.survey.question_of(key).map(|q| &q.kind) {
                Some(QuestionKind::Number { .. }) => (false, true),
                Some(QuestionKind::Rating { .. }) => (true, true),
                Some(QuestionKind::Date { .. }) | None => (false, false),
                Some(_) => (true, false),
            },
            ColumnSource::Option { .. } => (false, true),
            _ => (false, false),
        };
        s.write_string_with_format(0, col, &column.name, &bold)?;
        col += 1;
        if labelled {
            s.write_string_with_format(0, col, format!("{}{suffix}", column.name), &bold)?;
            col += 1;
        }
        layout.push((k, labelled, numeric));
    }
    s.write_string_with_format(0, col, downloads::FINAL_WEIGHT, &bold)?;
    for (i, (resp, weight)) in c
        .loaded
        .responses
        .iter()
        .zip(&c.weights.weights)
        .enumerate()
    {
        let row = i as u32 + 1;
        let mut at = 0u16;
        for (k, labelled, numeric) in &layout {
            let column = &cols[*k];
            let cell = column.cell(resp);
            match cell.parse::<f64>() {
                Ok(x) if *numeric && x.is_finite() => {
                    s.write_number(row, at, x)?;
                }
                _ => {
                    s.write_string(row, at, &cell)?;
                }
            }
            at += 1;
            if *labelled {
                if !cell.is_empty() {
                    let label = labels::value(c.survey, &column.name, &cell);
                    s.write_string(row, at, label.get(c.lang))?;
                }
                at += 1;
            }
        }
        if let Some(w) = weight {
            s.write_number(row, at, *w)?;
        }
    }
    Ok(Ok(book.save_to_buffer()?))
}
