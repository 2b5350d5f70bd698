//! The results workbook: sheet `estimates` (the tidy columns of `mizan estimate`, numbers as
//! numbers, plus the survey's wording in both languages, breakdown groups included) and sheet `design` (what produced
//! them). Written from the published rows ([`super::publish`]): a suppressed estimate keeps
//! its labels and flag only, as in the CSV.

use rust_xlsxwriter::{Workbook, XlsxError};

use super::SurveyDesign;
use super::{labels, publish};
use crate::analysis::{COLUMNS, Row};
use crate::stats::Flag;
use crate::survey::Survey;
use crate::{Error, Result};

/// Sheet names, in order.
pub const SHEETS: [&str; 2] = ["estimates", "design"];

fn xlsx_error(e: XlsxError) -> Error {
    Error::Other(format!("writing the workbook: {e}"))
}

/// The workbook's bytes; `sites` names the sites in Arabic (see [`labels::domain_value`]).
pub fn workbook(
    survey: &Survey,
    design: &SurveyDesign,
    rows: &[Row],
    sites: &labels::SiteNames,
) -> Result<Vec<u8>> {
    build(survey, design, rows, sites).map_err(xlsx_error)
}

fn build(
    survey: &Survey,
    design: &SurveyDesign,
    rows: &[Row],
    sites: &labels::SiteNames,
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(SHEETS[0])?;
    let extra = [
        "variable_ar",
        "variable_en",
        "category_ar",
        "category_en",
        "domain_value_ar",
        "domain_value_en",
    ];
    for (c, h) in COLUMNS.iter().chain(extra.iter()).enumerate() {
        sheet.write_string(0, c as u16, *h)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        let e = &r.estimate;
        sheet.write_string(row, 0, &r.variable)?;
        sheet.write_string(row, 1, &r.category)?;
        sheet.write_string(row, 2, &r.domain)?;
        sheet.write_string(row, 3, &r.domain_value)?;
        if !publish::n_hidden(r) {
            sheet.write_number(row, 4, e.n as f64)?;
        }
        let hide = r.flag == Flag::Suppressed;
        for (c, x) in [e.n_eff, e.estimate, e.se, r.ci.0, r.ci.1, e.deff]
            .into_iter()
            .enumerate()
        {
            if !hide && x.is_finite() {
                sheet.write_number(row, 5 + c as u16, x)?;
            }
        }
        sheet.write_string(row, 11, r.flag.as_str())?;
        if publish::status_shown(r) {
            sheet.write_string(row, 12, r.status_code())?;
        }
        let var = labels::variable(survey, &r.variable);
        sheet.write_string(row, 13, &var.ar)?;
        sheet.write_string(row, 14, &var.en)?;
        if !r.category.is_empty() {
            let cat = labels::value(survey, &r.variable, &r.category);
            sheet.write_string(row, 15, &cat.ar)?;
            sheet.write_string(row, 16, &cat.en)?;
        }
        if !r.domain.is_empty() {
            let group = labels::domain_value(survey, &r.domain, &r.domain_value, sites);
            sheet.write_string(row, 17, &group.ar)?;
            sheet.write_string(row, 18, &group.en)?;
        }
    }
    let sheet = book.add_worksheet();
    sheet.set_name(SHEETS[1])?;
    for (i, (key, value)) in describe(survey, design).iter().enumerate() {
        sheet.write_string(i as u32, 0, key)?;
        sheet.write_string(i as u32, 1, value)?;
    }
    book.save_to_buffer()
}

/// The design as (item, value) lines.
pub fn describe(survey: &Survey, design: &SurveyDesign) -> Vec<(String, String)> {
    let f = &design.file;
    let none = || "-".to_string();
    let opt = |o: &Option<String>| o.clone().unwrap_or_else(none);
    let rules = f.reliability.rules();
    let mut out = vec![
        ("survey".to_string(), survey.id.clone()),
        ("title_ar".into(), survey.title.ar.clone()),
        ("title_en".into(), survey.title.en.clone()),
        ("survey_version".into(), survey.version.clone()),
        (
            "design".into(),
            match &design.path {
                Some(p) => p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                None => "default (weights 1, no strata, no clusters)".into(),
            },
        ),
        ("weights".into(), opt(&f.design.weights)),
        ("strata".into(), opt(&f.design.strata)),
        ("cluster".into(), opt(&f.design.cluster)),
        ("replicates".into(), opt(&f.design.replicates)),
        (
            "calibration".into(),
            match &f.calibration {
                Some(c) => format!(
                    "{} on {}",
                    c.method,
                    c.margins
                        .iter()
                        .map(|m| m.by.to_vec().join(" × "))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None => none(),
            },
        ),
        (
            "trimming".into(),
            match &f.trim {
                Some(t) => format!("{} to {} × mean weight", t.lower, t.upper),
                None => none(),
            },
        ),
        ("interval".into(), f.output.interval.clone()),
        ("level".into(), f.output.level.to_string()),
        ("domains".into(), f.output.domains.join(", ")),
        ("missing codes".into(), f.data.missing.join(", ")),
        ("suppressed below n".into(), rules.min_n.to_string()),
        (
            "low reliability below n_eff".into(),
            rules.min_n_eff.to_string(),
        ),
        (
            "low reliability above relative SE".into(),
            rules.max_relative_se.to_string(),
        ),
    ];
    for v in &f.variables {
        out.push((format!("variable {}", v.name), v.kind.clone()));
    }
    for i in &f.indices {
        out.push((format!("index {}", i.name), i.items.join(", ")));
    }
    out
}
